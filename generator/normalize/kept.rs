//! What normalisation keeps beside `openapiv3`'s model, and the one way to read it back.
//!
//! `openapiv3` has no field for 3.1's `prefixItems`, `contentMediaType`,
//! `webhooks`, a media type's `itemSchema`, `type: "null"`, the `mutualTLS`
//! security scheme or 3.2's `query` operation; normalisation
//! keeps them as `x-clawgen-*` extensions ([`super::EXT`]). Those keys are
//! normalisation's own business: the IR reads them through these functions
//! only, so the spelling lives in this module and `schema.rs`.

use openapiv3::{MediaType, OpenAPI, Schema};
use serde_json::{Map, Value};

use super::EXT;

/// The value normalisation kept for `keyword` among `extensions`.
fn kept<'a>(extensions: &'a indexmap::IndexMap<String, Value>, keyword: &str) -> Option<&'a Value> {
    extensions.get(&format!("{EXT}{keyword}"))
}

/// Marks a schema that only accepts `null` (`type: "null"`, `const: null`, `enum: [null]`).
pub(super) const NULL_MARK: &str = "null";

/// Whether the schema only accepts `null` (see [`super::facts::is_null_schema`]).
pub fn is_null_type(schema: &Schema) -> bool {
    kept(&schema.schema_data.extensions, NULL_MARK).is_some()
}

/// Marks an `http` security scheme that stands for 3.1's `mutualTLS`.
pub(super) const MUTUAL_TLS_MARK: &str = "mutualTLS";

/// Whether the security scheme is 3.1's `mutualTLS` (a client certificate in the TLS handshake).
pub fn is_mutual_tls(scheme: &openapiv3::SecurityScheme) -> bool {
    matches!(scheme, openapiv3::SecurityScheme::HTTP { extensions, .. } if kept(extensions, MUTUAL_TLS_MARK).is_some())
}

/// The 3.1 `prefixItems` of an array schema (or the draft-4 list form of `items`).
pub fn prefix_items(schema: &Schema) -> Option<&Vec<Value>> {
    kept(&schema.schema_data.extensions, "prefixItems").and_then(Value::as_array)
}

/// Whether the schema says its string holds bytes of a media type without a text
/// encoding (3.1's `contentMediaType` without `contentEncoding`).
pub fn is_media_without_encoding(schema: &Schema) -> bool {
    let extensions = &schema.schema_data.extensions;
    kept(extensions, "contentMediaType").is_some() && kept(extensions, "contentEncoding").is_none()
}

/// The JSON Schema keywords of `schema` that have no Rust type (`if`, `patternProperties`, `dependentSchemas`).
pub fn untyped_keywords(schema: &Schema) -> Vec<&'static str> {
    ["if", "patternProperties", "dependentSchemas"].into_iter().filter(|k| kept(&schema.schema_data.extensions, k).is_some()).collect()
}

/// A map's `propertyNames` where clawgen checks it: a schema of strings with
/// only lengths, a `pattern` or a `format` (its keys' checks), in an object
/// without `properties`. Anything more (an `enum`, a `$ref`) is reported unchecked
/// by normalisation, with [`checks_keys`] deciding for both.
pub fn property_names(schema: &Schema) -> Option<&Value> {
    kept(&schema.schema_data.extensions, "propertyNames").filter(|names| checks_keys(names))
}

/// Whether a `propertyNames` schema asks only for what a map's key checks are.
pub fn checks_keys(names: &Value) -> bool {
    names.as_object().is_some_and(|names| {
        names.iter().all(|(keyword, value)| match keyword.as_str() {
            "type" => value == "string",
            // A format with a Rust type of its own is checked by decoding, which keys never are.
            "format" => !matches!(value.as_str(), Some("uuid" | "date" | "date-time" | "byte" | "binary")),
            "minLength" | "maxLength" | "pattern" | "title" | "description" | "example" => true,
            // The keys a map may have: a list of strings (a `$ref` to one is read in its place).
            "enum" => listed_texts(names).is_some(),
            "const" => value.is_string(),
            other => other.starts_with("x-") && other != "x-clawgen-unknown",
        })
    })
}

/// The strings a schema's `enum` (or `const`) lists, where it lists only strings.
pub fn listed_texts(schema: &Map<String, Value>) -> Option<Vec<String>> {
    if let Some(only) = schema.get("const") {
        return only.as_str().map(|only| vec![only.to_owned()]);
    }
    let listed = schema.get("enum")?.as_array()?;
    listed.iter().map(|value| value.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().filter(|texts| !texts.is_empty())
}

/// A media type's `itemSchema` (OpenAPI 3.2's schema of each item of a sequential media type).
pub fn item_schema(media: &MediaType) -> Option<&Value> {
    kept(&media.extensions, "itemSchema")
}

/// A path item's `query` operation (OpenAPI 3.2's QUERY method), which `openapiv3` has no field for.
pub fn query_operation(item: &openapiv3::PathItem) -> Option<&Value> {
    kept(&item.extensions, "query")
}

/// The document's 3.1 `webhooks`, by name.
pub fn webhooks(openapi: &OpenAPI) -> Option<&Map<String, Value>> {
    kept(&openapi.extensions, "webhooks").and_then(Value::as_object)
}

/// The schema's `xml` object (OpenAPI's XML Object: `name`, `attribute`, `wrapped`, …).
pub fn xml(schema: &Schema) -> Option<&Map<String, Value>> {
    kept(&schema.schema_data.extensions, "xml").and_then(Value::as_object)
}
