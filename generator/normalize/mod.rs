//! Stage 2: bring OpenAPI 3.0 and 3.1 documents into one model.
//!
//! The model is the `openapiv3` crate's, which knows 3.0 only. Rather than
//! fork it, this stage rewrites the parsed JSON before `openapiv3` sees it:
//! 3.1 constructs that have a 3.0 spelling are rewritten (`type: [T, "null"]`
//! becomes `nullable`, numeric `exclusiveMinimum` becomes the boolean form,
//! `$ref` with siblings becomes a one-element `allOf`), and those that have
//! none are moved under `x-clawgen-*` extensions, which `openapiv3` keeps and
//! the IR reads. Keys that neither model knows are collected as warnings, so
//! nothing is dropped without a word.

#[cfg(test)]
pub(crate) mod agreement;
pub mod facts;
mod integer_bounds;
pub mod kept;
pub mod resolve;
mod schema;

use openapiv3::OpenAPI;
use serde_json::{Map, Value};

use crate::diagnostic::Code;
use crate::error::{Error, Result, Warning};
use crate::load::{Source, escape_segment};

/// The prefix of every extension that this stage adds.
pub const EXT: &str = "x-clawgen-";

/// A document in the one model the IR reads.
#[derive(Debug, Clone)]
pub struct Document {
    /// The typed document.
    pub openapi: OpenAPI,
    /// The rewritten JSON the typed document was read from; `$ref`s that do
    /// not point at a component are resolved against it.
    pub json: Value,
    /// The minor version of the input (0 for 3.0.x, 1 for 3.1.x, 2 for 3.2.x).
    pub minor_version: u8,
    /// What was noticed on the way.
    pub warnings: Vec<Warning>,
}

/// Normalises a loaded document.
pub fn normalize(source: &Source) -> Result<Document> {
    let mut json = source.value.clone();
    let invalid = |pointer: &str, message: String| Error::invalid(source.location(pointer), message);
    let root = json.as_object_mut().ok_or_else(|| invalid("", "an OpenAPI document must be a mapping".into()))?;
    let version = match root.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(_) => return Err(invalid("/openapi", "`openapi` must be a string such as \"3.1.0\"".into())),
        None if root.contains_key("swagger") => {
            return Err(Error::Unsupported {
                code: Code::UnsupportedVersion,
                location: source.location("/swagger"),
                feature: "Swagger 2.0 documents (convert them to OpenAPI 3 first)".into(),
            });
        }
        None => return Err(invalid("", "missing the `openapi` version field".into())),
    };
    let minor_version = match version.split('.').take(2).collect::<Vec<_>>()[..] {
        ["3", "0"] => 0,
        ["3", "1"] => 1,
        ["3", "2"] => 2,
        _ => {
            return Err(Error::Unsupported {
                code: Code::UnsupportedVersion,
                location: source.location("/openapi"),
                feature: format!("OpenAPI version {version} (clawgen reads 3.0.x, 3.1.x and 3.2.x)"),
            });
        }
    };

    let rewriting = crate::timing::step(|| "normalize: rewrite".into());
    let mut rewriter = schema::Rewriter::new(source, minor_version);
    rewrite_document(root, &mut rewriter)?;
    let warnings = rewriter.into_warnings();
    drop(rewriting);
    let _reading = crate::timing::step(|| "normalize: read into the 3.0 model".into());

    let openapi: OpenAPI = serde_path_to_error::deserialize(&json).map_err(|err| {
        // openapiv3 flattens maps, which hides where the error is; probe the parts to find it.
        let (pointer, message) = narrow(&json).unwrap_or_else(|| (pointer_of(err.path()), err.into_inner().to_string()));
        Error::invalid(source.location(&pointer), message)
    })?;
    Ok(Document { openapi, json, minor_version, warnings })
}

/// Deserialises `value` (found at `base`) as a `T`, returning where and why it fails.
fn probe<T: serde::de::DeserializeOwned>(value: &Value, base: &str) -> Option<(String, String)> {
    serde_path_to_error::deserialize::<_, T>(value.clone())
        .err()
        .map(|err| (format!("{base}{}", pointer_of(err.path())), err.into_inner().to_string()))
}

/// A check of one part of the document: where and why it fails, if it does.
type Probe = fn(&Value, &str) -> Option<(String, String)>;

/// Like [`probe`] for a value that may be a `$ref`: untagged enums would hide the inner path.
fn probe_ref<T: serde::de::DeserializeOwned>(value: &Value, base: &str) -> Option<(String, String)> {
    if value.get("$ref").is_some() { probe::<openapiv3::ReferenceOr<T>>(value, base) } else { probe::<T>(value, base) }
}

/// How deep [`narrow_schema`] looks for the subschema that fails.
const NARROW_DEPTH: usize = 64;

/// The deepest subschema of the schema `value` (at `base`) that `openapiv3`
/// rejects, and in it the keyword: `openapiv3` reports a schema's own place
/// for a keyword of a property's schema, so a schema that fails is looked
/// into.
fn narrow_schema(value: &Value, base: &str, depth: usize) -> Option<(String, String)> {
    // A schema that reads is not looked into: each failing one is probed once more per level.
    let (pointer, message) = probe_ref::<openapiv3::Schema>(value, base)?;
    let Value::Object(map) = value else { return Some((pointer, message)) };
    if depth < NARROW_DEPTH {
        let mut children: Vec<(String, &Value)> = Vec::new();
        for key in ["items", "additionalProperties", "not"] {
            children.extend(map.get(key).map(|child| (format!("{base}/{key}"), child)));
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            children.extend(properties.iter().map(|(name, child)| (format!("{base}/properties/{}", escape_segment(name)), child)));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = map.get(key) {
                children.extend(branches.iter().enumerate().map(|(index, child)| (format!("{base}/{key}/{index}"), child)));
            }
        }
        let found = children.iter().filter(|(_, child)| child.is_object()).find_map(|(at, child)| narrow_schema(child, at, depth + 1));
        if found.is_some() {
            return found;
        }
    }
    // The keyword without which the schema reads is the one to name.
    let culprit = map.keys().find(|key| {
        let mut without = map.clone();
        without.remove(*key);
        probe_ref::<openapiv3::Schema>(&Value::Object(without), base).is_none()
    });
    Some((culprit.map_or(pointer, |key| format!("{base}/{}", escape_segment(key))), message))
}

/// The schema of each media type of `holder`'s `content` that fails, narrowed.
fn narrow_content(holder: &Value, base: &str) -> Option<(String, String)> {
    let content = holder.get("content").and_then(Value::as_object)?;
    content.iter().find_map(|(media_type, media)| {
        let schema = media.get("schema")?;
        narrow_schema(schema, &format!("{base}/content/{}/schema", escape_segment(media_type)), 0)
    })
}

/// The first part of the document, in document order, that `openapiv3` rejects,
/// probing from the smallest parts (responses, parameters) up to whole path items.
fn narrow(json: &Value) -> Option<(String, String)> {
    use openapiv3::{Components, Header, Operation, Parameter, PathItem, RequestBody, Response, SecurityScheme};
    let entries = |value: Option<&Value>| -> Vec<(String, Value)> {
        value.and_then(Value::as_object).map(|m| m.iter().map(|(k, v)| (escape_segment(k), v.clone())).collect()).unwrap_or_default()
    };
    for (path, item) in entries(json.get("paths")) {
        let base = format!("/paths/{path}");
        for method in crate::ir::Method::ALL.map(crate::ir::Method::key) {
            let Some(op) = item.get(method) else { continue };
            let op_base = format!("{base}/{method}");
            for (code, response) in entries(op.get("responses")) {
                let at = format!("{op_base}/responses/{code}");
                if let Some(found) = probe_ref::<Response>(&response, &at) {
                    return narrow_content(&response, &at).or(Some(found));
                }
            }
            if let Some(Value::Array(parameters)) = op.get("parameters") {
                for (index, parameter) in parameters.iter().enumerate() {
                    if let Some(found) = probe_ref::<Parameter>(parameter, &format!("{op_base}/parameters/{index}")) {
                        return Some(found);
                    }
                }
            }
            if let Some(body) = op.get("requestBody") {
                let at = format!("{op_base}/requestBody");
                if let Some(found) = probe_ref::<RequestBody>(body, &at) {
                    return narrow_content(body, &at).or(Some(found));
                }
            }
            if let Some(found) = probe::<Operation>(op, &op_base) {
                return Some(found);
            }
        }
        if let Some(found) = probe_ref::<PathItem>(&item, &base) {
            return Some(found);
        }
    }
    if let Some(components) = json.get("components") {
        let kinds: [(&str, Probe); 6] = [
            ("schemas", |value, base| narrow_schema(value, base, 0)),
            ("responses", probe_ref::<Response>),
            ("parameters", probe_ref::<Parameter>),
            ("requestBodies", probe_ref::<RequestBody>),
            ("headers", probe_ref::<Header>),
            ("securitySchemes", probe_ref::<SecurityScheme>),
        ];
        for (kind, check) in kinds {
            for (name, value) in entries(components.get(kind)) {
                if let Some(found) = check(&value, &format!("/components/{kind}/{name}")) {
                    return Some(found);
                }
            }
        }
        if let Some(found) = probe::<Components>(components, "/components") {
            return Some(found);
        }
    }
    None
}

/// Turns serde's path into an RFC 6901 pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", escape_segment(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Moves `key` of `map` under `x-clawgen-<key>`.
fn stash(map: &mut Map<String, Value>, key: &str) {
    if let Some(value) = map.remove(key) {
        map.insert(format!("{EXT}{key}"), value);
    }
}

fn rewrite_document(root: &mut Map<String, Value>, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    stash(root, "jsonSchemaDialect");
    stash(root, "$self");
    // Components that `openapiv3` takes only inline (3.2's Media Type Objects,
    // Callback Objects): read in place of each `$ref` to them.
    let inlined: Map<String, Value> = ["mediaTypes", "callbacks"]
        .into_iter()
        .filter_map(|kind| Some((kind.to_owned(), root.get("components")?.get(kind)?.clone())))
        .collect();
    rw.inlined = serde_json::json!({ "components": inlined });
    if let Some(Value::Object(info)) = root.get_mut("info") {
        stash(info, "summary");
        if let Some(Value::Object(license)) = info.get_mut("license") {
            stash(license, "identifier");
        }
    }
    // 3.1 makes `paths` optional; openapiv3 requires it.
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    // Tags only document; a description that is not text (a `$ref`, say) is dropped.
    if let Some(Value::Array(tags)) = root.get_mut("tags") {
        for (index, tag) in tags.iter_mut().enumerate() {
            if let Value::Object(tag) = tag {
                // 3.2's tag hierarchy and summary only document.
                ["summary", "parent", "kind"].into_iter().for_each(|key| stash(tag, key));
                if tag.get("description").is_some_and(|d| !d.is_string()) {
                    rw.warn(Code::Lenient, &format!("/tags/{index}/description"), "a tag description that is not text is ignored".into());
                    tag.remove("description");
                }
            }
        }
    }
    if let Some(Value::Object(info)) = root.get_mut("info") {
        if !info.contains_key("version") {
            rw.warn(Code::Lenient, "/info", "`info.version` is missing; the crate is versioned 0.0.0".into());
            info.insert("version".into(), Value::String("0.0.0".into()));
        }
    }

    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            rewrite_path_item(item, &format!("/paths/{}", escape_segment(path)), rw)?;
        }
    }
    if let Some(Value::Object(webhooks)) = root.get_mut("webhooks") {
        for (name, item) in webhooks.iter_mut() {
            rewrite_path_item(item, &format!("/webhooks/{}", escape_segment(name)), rw)?;
        }
    }
    stash(root, "webhooks");

    if let Some(Value::Object(components)) = root.get_mut("components") {
        let base = "/components";
        for_each_entry(components, "schemas", base, |value, pointer| rw.schema(value, pointer))?;
        for_each_entry(components, "parameters", base, |value, pointer| rewrite_parameter(value, pointer, rw))?;
        for_each_entry(components, "headers", base, |value, pointer| rewrite_parameter(value, pointer, rw))?;
        for_each_entry(components, "requestBodies", base, |value, pointer| rewrite_content_holder(value, pointer, rw))?;
        for_each_entry(components, "responses", base, |value, pointer| rewrite_response(value, pointer, rw))?;
        for_each_entry(components, "callbacks", base, |value, pointer| rewrite_callback(value, pointer, rw))?;
        for_each_entry(components, "pathItems", base, |value, pointer| rewrite_path_item(value, pointer, rw))?;
        for_each_entry(components, "examples", base, |value, _| {
            rewrite_example(value);
            Ok(())
        })?;
        stash(components, "pathItems");
        stash(components, "mediaTypes");
        if let Some(Value::Object(schemes)) = components.get_mut("securitySchemes") {
            schemes.values_mut().filter_map(Value::as_object_mut).for_each(rewrite_mutual_tls);
        }
    }
    Ok(())
}

/// 3.1's `mutualTLS` scheme, which `openapiv3` has no variant for, becomes an
/// `http` scheme marked as mutual TLS ([`kept::is_mutual_tls`]).
fn rewrite_mutual_tls(scheme: &mut Map<String, Value>) {
    if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
        scheme.insert("type".into(), Value::String("http".into()));
        scheme.insert("scheme".into(), Value::String("mutualTLS".into()));
        scheme.insert(format!("{EXT}{}", kept::MUTUAL_TLS_MARK), Value::Bool(true));
    }
}

fn for_each_entry(
    parent: &mut Map<String, Value>,
    key: &str,
    base: &str,
    mut each: impl FnMut(&mut Value, &str) -> Result<()>,
) -> Result<()> {
    if let Some(Value::Object(entries)) = parent.get_mut(key) {
        for (name, value) in entries.iter_mut() {
            each(value, &format!("{base}/{key}/{}", escape_segment(name)))?;
        }
    }
    Ok(())
}

fn rewrite_path_item(item: &mut Value, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    let Value::Object(item) = item else { return Ok(()) };
    // 3.2's operations of other methods, which openapiv3 would drop without a word.
    if item.contains_key("additionalOperations") {
        let feature = "`additionalOperations` (OpenAPI 3.2: operations of methods other than the nine named ones)";
        return Err(rw.unsupported(&format!("{pointer}/additionalOperations"), feature));
    }
    rewrite_parameters(item, pointer, rw)?;
    for method in crate::ir::Method::ALL.map(crate::ir::Method::key) {
        let Some(Value::Object(op)) = item.get_mut(method) else { continue };
        let op_pointer = format!("{pointer}/{method}");
        // 3.1 makes `responses` optional (3.0 does not); without any, the operation documents no answer.
        if !op.contains_key("responses") {
            if rw.minor_version == 0 {
                rw.warn(Code::Lenient, &op_pointer, "no `responses` (OpenAPI 3.0 requires them): every answer is undocumented".into());
            }
            op.insert("responses".into(), Value::Object(Map::new()));
        }
        rewrite_parameters(op, &op_pointer, rw)?;
        if let Some(body) = op.get_mut("requestBody") {
            rewrite_content_holder(body, &format!("{op_pointer}/requestBody"), rw)?;
        }
        if let Some(Value::Object(responses)) = op.get_mut("responses") {
            normalize_status_keys(responses);
            for (status, response) in responses.iter_mut() {
                rewrite_response(response, &format!("{op_pointer}/responses/{status}"), rw)?;
            }
        }
        for_each_entry(op, "callbacks", &op_pointer, |value, pointer| {
            if value.get("$ref").is_some() {
                *value = rw.inline("callbacks", value, pointer)?;
            }
            rewrite_callback(value, pointer, rw)
        })?;
    }
    stash(item, "query");
    Ok(())
}

/// The examples of a parameter or media type, each read by [`rewrite_example`].
fn rewrite_examples(holder: &mut Map<String, Value>) {
    if let Some(Value::Object(examples)) = holder.get_mut("examples") {
        examples.values_mut().for_each(rewrite_example);
    }
}

/// 3.2's `dataValue` is the example's value (3.0's `value`); its
/// `serializedValue`, the value as sent, is kept beside it.
fn rewrite_example(example: &mut Value) {
    let Value::Object(example) = example else { return };
    if !example.contains_key("value") {
        if let Some(data) = example.remove("dataValue") {
            example.insert("value".into(), data);
        }
    }
    stash(example, "dataValue");
    stash(example, "serializedValue");
}

/// Real documents write `4xx`; OpenAPI (and openapiv3) spell ranges `4XX`.
fn normalize_status_keys(responses: &mut Map<String, Value>) {
    let lowercase_ranges: Vec<String> =
        responses.keys().filter(|k| k.len() == 3 && k.ends_with("xx") && k.as_bytes()[0].is_ascii_digit()).cloned().collect();
    for key in lowercase_ranges {
        if let Some(value) = responses.remove(&key) {
            responses.insert(key.to_ascii_uppercase(), value);
        }
    }
    responses.sort_keys();
}

fn rewrite_callback(callback: &mut Value, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    if let Value::Object(expressions) = callback {
        for (expression, item) in expressions.iter_mut() {
            rewrite_path_item(item, &format!("{pointer}/{}", escape_segment(expression)), rw)?;
        }
    }
    Ok(())
}

fn rewrite_parameters(holder: &mut Map<String, Value>, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    if let Some(Value::Array(parameters)) = holder.get_mut("parameters") {
        for (index, parameter) in parameters.iter_mut().enumerate() {
            rewrite_parameter(parameter, &format!("{pointer}/parameters/{index}"), rw)?;
        }
    }
    Ok(())
}

/// Parameters and headers share the `schema` / `content` shape.
fn rewrite_parameter(parameter: &mut Value, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    let Value::Object(map) = parameter else { return Ok(()) };
    if map.get("in").and_then(Value::as_str) == Some("querystring") {
        let feature = "a `querystring` parameter (OpenAPI 3.2: the whole query string as one value)";
        return Err(rw.unsupported(&format!("{pointer}/in"), feature));
    }
    if map.get("style").and_then(Value::as_str) == Some("cookie") {
        let feature = "`style: cookie` (OpenAPI 3.2: cookie values without percent-encoding)";
        return Err(rw.unsupported(&format!("{pointer}/style"), feature));
    }
    rewrite_examples(map);
    if let Some(schema) = map.get_mut("schema") {
        rw.schema(schema, &format!("{pointer}/schema"))?;
    }
    rewrite_content_holder(parameter, pointer, rw)
}

fn rewrite_response(response: &mut Value, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    if let Value::Object(map) = response {
        // Optional since OpenAPI 3.2, required before, and only ever
        // documentation: 3.2's `summary` stands in for it.
        if !map.contains_key("$ref") && !map.contains_key("description") {
            if rw.minor_version < 2 {
                let message = "a response without `description` (OpenAPI 3.0 and 3.1 require one) is described by its status";
                rw.warn(Code::Lenient, pointer, message.into());
            }
            let summary = map.get("summary").filter(|s| s.is_string()).cloned();
            map.insert("description".into(), summary.unwrap_or_else(|| Value::String(String::new())));
        }
        stash(map, "summary");
        for_each_entry(map, "headers", pointer, |value, pointer| rewrite_parameter(value, pointer, rw))?;
    }
    rewrite_content_holder(response, pointer, rw)
}

fn rewrite_content_holder(holder: &mut Value, pointer: &str, rw: &mut schema::Rewriter<'_>) -> Result<()> {
    let Value::Object(map) = holder else { return Ok(()) };
    if let Some(Value::Object(content)) = map.get_mut("content") {
        for (media_type, media) in content.iter_mut() {
            if media.get("$ref").is_some() {
                *media = rw.inline("mediaTypes", media, &format!("{pointer}/content/{}", escape_segment(media_type)))?;
            }
            if let Value::Object(media) = media {
                rewrite_examples(media);
                explode_by_default(media);
            }
            if let Some(schema) = media.get_mut("schema") {
                rw.schema(schema, &format!("{pointer}/content/{}/schema", escape_segment(media_type)))?;
            }
            // The schema of each item of a sequential media type (`text/event-stream`),
            // a Media Type field `openapiv3` does not model: kept as an extension.
            if let Some(mut schema) = media.as_object_mut().and_then(|m| m.remove("itemSchema")) {
                rw.schema(&mut schema, &format!("{pointer}/content/{}/itemSchema", escape_segment(media_type)))?;
                if let Value::Object(media) = media {
                    media.insert(format!("{EXT}itemSchema"), schema);
                }
            }
        }
    }
    Ok(())
}

/// Writes out each Encoding Object's `explode` where the document leaves it to
/// its default (true for `style: form`, which is the default style): `openapiv3`
/// reads a missing `explode` as false whatever the style.
fn explode_by_default(media: &mut Map<String, Value>) {
    let Some(Value::Object(encoding)) = media.get_mut("encoding") else { return };
    for property in encoding.values_mut() {
        if let Value::Object(property) = property {
            if !property.contains_key("explode") {
                let form = property.get("style").is_none_or(|style| style == "form");
                property.insert("explode".to_owned(), Value::Bool(form));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use openapiv3::{ReferenceOr, SchemaKind, Type};
    use serde_json::json;

    use super::*;

    fn normalized(text: &str) -> Document {
        let source = Source::parse(Path::new("t.yaml"), text.to_owned()).unwrap();
        normalize(&source).unwrap()
    }

    fn schema<'a>(doc: &'a Document, name: &str) -> &'a openapiv3::Schema {
        match &doc.openapi.components.as_ref().unwrap().schemas[name] {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { .. } => panic!("{name} is a reference"),
        }
    }

    const SCHEMAS_31: &str = r##"
openapi: 3.1.0
info: {title: t, version: 1.0.0}
webhooks:
  ping:
    post:
      responses: {'200': {description: ok}}
components:
  schemas:
    MaybeName: {type: [string, "null"], maxLength: 3}
    Either: {type: [string, integer], minimum: 1, maxLength: 2}
    Nothing: {type: "null"}
    Kind: {const: fixed, examples: [fixed]}
    Bounded: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 10}
    FloatBounds: {type: integer, minimum: 1.0, exclusiveMaximum: 100.5}
    GoIndex: {type: integer, minimum: 0, maximum: 1.8446744073709552e+19}
    Tuple: {type: array, prefixItems: [{type: string}]}
    Described:
      $ref: '#/components/schemas/Kind'
      description: a kind
    Odd: {type: string, frobnicate: true}
"##;

    #[test]
    fn a_31_document_without_paths_loads_and_keeps_its_webhooks() {
        let doc = normalized(SCHEMAS_31);
        assert_eq!(doc.minor_version, 1);
        assert!(doc.openapi.paths.paths.is_empty());
        assert!(doc.openapi.extensions.contains_key("x-clawgen-webhooks"));
    }

    #[test]
    fn type_lists_become_nullable_or_branches() {
        let doc = normalized(SCHEMAS_31);
        let maybe = schema(&doc, "MaybeName");
        assert!(maybe.schema_data.nullable);
        assert!(matches!(&maybe.schema_kind, SchemaKind::Type(Type::String(s)) if s.max_length == Some(3)));

        let either = schema(&doc, "Either");
        let SchemaKind::AnyOf { any_of } = &either.schema_kind else { panic!("{either:?}") };
        assert_eq!(any_of.len(), 2);
        assert!(
            matches!(&any_of[0], ReferenceOr::Item(s) if matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.max_length == Some(2)))
        );
        assert!(
            matches!(&any_of[1], ReferenceOr::Item(s) if matches!(&s.schema_kind, SchemaKind::Type(Type::Integer(i)) if i.minimum == Some(1)))
        );

        assert!(schema(&doc, "Nothing").schema_data.extensions.contains_key("x-clawgen-null"));
    }

    #[test]
    fn keywords_without_a_30_field_are_kept_as_extensions() {
        let doc = normalized(SCHEMAS_31);
        let kind = schema(&doc, "Kind");
        assert_eq!(kind.schema_data.extensions["x-clawgen-const"], json!("fixed"));
        assert_eq!(kind.schema_data.extensions["x-clawgen-examples"], json!(["fixed"]));
        assert_eq!(kind.schema_data.example, Some(json!("fixed")));
        assert!(schema(&doc, "Tuple").schema_data.extensions.contains_key("x-clawgen-prefixItems"));
    }

    #[test]
    fn a_mutual_tls_scheme_is_kept_as_a_marked_http_scheme() {
        let doc = normalized(
            "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\ncomponents:\n  securitySchemes:\n    \
             Cert: {type: mutualTLS, description: by the CA}\n    Token: {type: http, scheme: mutualTLS}\n",
        );
        let schemes = &doc.openapi.components.as_ref().unwrap().security_schemes;
        let ReferenceOr::Item(cert) = &schemes["Cert"] else { panic!() };
        assert!(kept::is_mutual_tls(cert));
        assert!(matches!(cert, openapiv3::SecurityScheme::HTTP { description: Some(d), .. } if d == "by the CA"));
        // An `http` scheme that happens to be named so is still an `Authorization` scheme.
        let ReferenceOr::Item(token) = &schemes["Token"] else { panic!() };
        assert!(!kept::is_mutual_tls(token));
    }

    const DOCUMENT_32: &str = r##"
openapi: 3.2.0
$self: https://example.com/api.yaml
info: {title: t, version: 1.0.0}
tags: [{name: a, summary: A, parent: b, kind: nav}, {name: b}]
paths:
  /a:
    get:
      responses:
        '200':
          summary: The thing
          content:
            application/json:
              $ref: '#/components/mediaTypes/Thing'
        '404': {}
components:
  mediaTypes:
    Thing: {$ref: '#/components/mediaTypes/Json'}
    Json:
      schema: {type: string}
      examples: {one: {dataValue: hello, serializedValue: '"hello"'}}
"##;

    #[test]
    fn a_32_document_is_read_with_what_3_2_adds() {
        let doc = normalized(DOCUMENT_32);
        assert_eq!(doc.minor_version, 2);
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
        let get = doc.openapi.paths.paths["/a"].as_item().and_then(|item| item.get.as_ref()).unwrap();
        let ReferenceOr::Item(ok) = &get.responses.responses[&openapiv3::StatusCode::Code(200)] else { panic!() };
        // The summary describes a response that has no description.
        assert_eq!(ok.description, "The thing");
        // A media type `$ref` is read in place, through a chain of them, examples and all.
        let media = &ok.content["application/json"];
        assert!(media.schema.is_some());
        let ReferenceOr::Item(example) = &media.examples["one"] else { panic!() };
        assert_eq!(example.value, Some(json!("hello")));
        assert_eq!(example.extensions["x-clawgen-serializedValue"], json!("\"hello\""));
        let ReferenceOr::Item(missing) = &get.responses.responses[&openapiv3::StatusCode::Code(404)] else { panic!() };
        assert_eq!(missing.description, "");
        assert_eq!(doc.openapi.tags[0].extensions["x-clawgen-parent"], json!("b"));
    }

    #[test]
    fn what_3_2_adds_and_clawgen_cannot_serve_is_a_named_error() {
        let cases = [
            ("paths:\n  /a:\n    additionalOperations:\n      LINK: {}\n", "/paths/~1a/additionalOperations"),
            ("paths:\n  /a:\n    get:\n      parameters: [{name: q, in: querystring, content: {}}]\n", "/paths/~1a/get/parameters/0/in"),
            (
                "paths:\n  /a:\n    get:\n      parameters: [{name: c, in: cookie, style: cookie, schema: {}}]\n",
                "/paths/~1a/get/parameters/0/style",
            ),
            (
                "paths:\n  /a:\n    get:\n      responses: {'200': {content: {a/b: {$ref: '#/components/schemas/X'}}}}\n",
                "/paths/~1a/get/responses/200/content/a~1b/$ref",
            ),
        ];
        for (paths, pointer) in cases {
            let text = format!("openapi: 3.2.0\ninfo: {{title: t, version: '1'}}\n{paths}");
            let source = Source::parse(Path::new("t.yaml"), text).unwrap();
            let error = normalize(&source).expect_err(paths);
            assert_eq!(error.code(), Code::Unsupported, "{error}");
            assert_eq!(error.location().map(|l| l.pointer.as_str()), Some(pointer), "{error}");
        }
        let dangling = "paths:\n  /a:\n    get:\n      responses: {'200': {content: {a/b: {$ref: '#/components/mediaTypes/X'}}}}\n";
        let source = Source::parse(Path::new("t.yaml"), format!("openapi: 3.2.0\ninfo: {{title: t, version: '1'}}\n{dangling}")).unwrap();
        assert_eq!(normalize(&source).expect_err("dangling").code(), Code::UnresolvedRef);
    }

    #[test]
    fn a_callback_ref_is_read_in_place() {
        let doc = normalized(
            r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /subscribe:
    post:
      callbacks:
        onEvent: {$ref: '#/components/callbacks/Event'}
      responses: {'204': {description: subscribed}}
components:
  callbacks:
    Event:
      '{$request.body#/url}':
        post:
          requestBody: {content: {application/json: {schema: {type: [string, "null"]}}}}
          responses: {'200': {description: ok}}
"##,
        );
        let post = doc.openapi.paths.paths["/subscribe"].as_item().and_then(|item| item.post.as_ref()).unwrap();
        let delivery = post.callbacks["onEvent"]["{$request.body#/url}"].post.as_ref().expect("the callback's operation");
        // Rewritten like any inline callback: the 3.1 type list became `nullable`.
        let ReferenceOr::Item(body) = delivery.request_body.as_ref().unwrap() else { panic!() };
        let ReferenceOr::Item(schema) = body.content["application/json"].schema.as_ref().unwrap() else { panic!() };
        assert!(schema.schema_data.nullable);
    }

    #[test]
    fn a_wrong_keyword_deep_in_a_schema_is_named_where_it_is_written() {
        let cases = [
            (
                "components:\n  schemas:\n    S:\n      properties:\n        p: {type: string, pattern: 0}\n",
                "/components/schemas/S/properties/p/pattern",
            ),
            (
                "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            \
                 application/json: {schema: {type: array, items: {allOf: [{maxLength: long}]}}}\n",
                "/paths/~1a/get/responses/200/content/application~1json/schema/items/allOf/0/maxLength",
            ),
        ];
        for (text, pointer) in cases {
            let text =
                format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n{text}").replacen("paths: {}\npaths:", "paths:", 1);
            let source = Source::parse(Path::new("t.yaml"), text).unwrap();
            let error = normalize(&source).expect_err(pointer);
            assert_eq!(error.location().map(|l| l.pointer.as_str()), Some(pointer), "{error}");
        }
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_ones() {
        let doc = normalized(SCHEMAS_31);
        let SchemaKind::Type(Type::Number(n)) = &schema(&doc, "Bounded").schema_kind else { panic!() };
        assert_eq!((n.minimum, n.exclusive_minimum, n.maximum, n.exclusive_maximum), (Some(0.0), true, Some(10.0), true));
    }

    #[test]
    fn integer_bounds_written_as_floats_are_integers() {
        let doc = normalized(SCHEMAS_31);
        let SchemaKind::Type(Type::Integer(i)) = &schema(&doc, "FloatBounds").schema_kind else { panic!() };
        assert_eq!((i.minimum, i.exclusive_minimum, i.maximum, i.exclusive_maximum), (Some(1), false, Some(100), false));
        let SchemaKind::Type(Type::Integer(go)) = &schema(&doc, "GoIndex").schema_kind else { panic!() };
        assert_eq!(go.format, openapiv3::VariantOrUnknownOrEmpty::Unknown("uint64".into()));
        assert_eq!((go.minimum, go.maximum), (Some(0), None));
    }

    #[test]
    fn ref_siblings_survive_as_a_marked_all_of() {
        let doc = normalized(SCHEMAS_31);
        let described = schema(&doc, "Described");
        assert_eq!(described.schema_data.description.as_deref(), Some("a kind"));
        assert!(described.schema_data.extensions.contains_key("x-clawgen-ref-siblings"));
        let SchemaKind::AllOf { all_of } = &described.schema_kind else { panic!() };
        assert!(matches!(&all_of[0], ReferenceOr::Reference { reference } if reference == "#/components/schemas/Kind"));
    }

    #[test]
    fn unknown_keywords_are_warned_about_not_dropped() {
        let doc = normalized(SCHEMAS_31);
        assert_eq!(schema(&doc, "Odd").schema_data.extensions["x-clawgen-unknown"], json!({"frobnicate": true}));
        let warning = doc.warnings.iter().find(|w| w.message.contains("frobnicate")).expect("a warning");
        assert_eq!(warning.location.pointer, "/components/schemas/Odd/frobnicate");
        assert!(warning.location.line_col.is_some());
    }

    #[test]
    fn constraints_clawgen_does_not_check_are_reported_once_each() {
        let doc = normalized(
            r#"
openapi: 3.1.0
info: {title: t, version: 1.0.0}
paths: {}
components:
  schemas:
    Body:
      type: object
      dependentRequired: {a: [b]}
      unevaluatedProperties: false
      propertyNames: {maxLength: 3}
      patternProperties: {'^x': {type: string}}
      properties:
        tags: {type: array, items: {type: string}, contains: {const: x}, minContains: 2}
        blob: {type: string, contentMediaType: application/json, contentSchema: {type: object}}
    Loose:
      patternProperties: {'^x': {type: string}}
    Labels:
      type: object
      additionalProperties: {type: string}
      propertyNames: {maxLength: 40, pattern: '^[a-z]'}
    ByLanguage:
      type: object
      additionalProperties: {type: string}
      propertyNames: {$ref: '#/components/schemas/Language'}
    Language: {type: string, enum: [en, fr]}
    ByCode:
      type: object
      additionalProperties: {type: integer}
      propertyNames: {enum: [a, b]}
    ByShape:
      type: object
      additionalProperties: {type: string}
      propertyNames: {$ref: '#/components/schemas/Labels'}
    ById:
      type: object
      additionalProperties: {type: string}
      propertyNames: {format: uuid}
"#,
        );
        let mut unchecked: Vec<&str> =
            doc.warnings.iter().filter(|w| w.code == Code::Unchecked).map(|w| w.location.pointer.as_str()).collect();
        unchecked.sort_unstable();
        // `Loose` has no type or structure: the IR reports it as untyped instead; a map's keys
        // are checked where `propertyNames` asks only for string checks (`Labels`) or lists
        // them (`ByCode`, `ByLanguage`), not where it names an object (`ByShape`).
        assert_eq!(
            unchecked,
            [
                "/components/schemas/Body/dependentRequired",
                "/components/schemas/Body/patternProperties",
                "/components/schemas/Body/properties/blob/contentSchema",
                "/components/schemas/Body/properties/tags/contains",
                "/components/schemas/Body/propertyNames",
                "/components/schemas/Body/unevaluatedProperties",
                "/components/schemas/ById/propertyNames",
                "/components/schemas/ByShape/propertyNames",
            ]
        );
        let labels = &schema(&doc, "Labels").schema_data.extensions["x-clawgen-propertyNames"];
        assert_eq!(labels["type"], "string", "property names are strings");
        // A `$ref` to an enum of strings is read as that enum: the keys it lists are checked.
        let languages = &schema(&doc, "ByLanguage").schema_data.extensions["x-clawgen-propertyNames"];
        assert_eq!(languages, &json!({"type": "string", "enum": ["en", "fr"]}));
    }

    #[test]
    fn a_30_document_loads_unchanged() {
        let doc = normalized(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    N: {type: string, nullable: true}\n",
        );
        assert_eq!(doc.minor_version, 0);
        assert!(schema(&doc, "N").schema_data.nullable);
        assert!(doc.warnings.is_empty());
    }

    #[test]
    fn lowercase_status_ranges_are_read() {
        let doc = normalized(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        4xx: {description: bad}\n",
        );
        let ReferenceOr::Item(item) = &doc.openapi.paths.paths["/a"] else { panic!() };
        let responses = &item.get.as_ref().unwrap().responses.responses;
        assert!(responses.contains_key(&openapiv3::StatusCode::Range(4)));
    }

    #[test]
    fn form_encodings_explode_by_default_as_openapi_says() {
        let doc = normalized(
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            encoding: {tags: {}, ids: {style: pipeDelimited}, meta: {style: deepObject, explode: true}, flat: {explode: false}}\n      responses: {'204': {description: ok}}\n",
        );
        let ReferenceOr::Item(item) = &doc.openapi.paths.paths["/a"] else { panic!() };
        let ReferenceOr::Item(body) = item.post.as_ref().unwrap().request_body.as_ref().unwrap() else { panic!() };
        let encoding = &body.content["application/x-www-form-urlencoded"].encoding;
        let explodes: Vec<bool> = ["tags", "ids", "meta", "flat"].iter().map(|name| encoding[*name].explode).collect();
        assert_eq!(explodes, [true, false, true, false]);
    }
}
