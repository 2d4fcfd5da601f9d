//! Rewrites one JSON Schema (2020-12 or the OpenAPI 3.0 dialect) into the
//! shape `openapiv3` reads, recursively.

use serde_json::{Map, Value, json};

use super::facts::SchemaFacts;
use super::kept::NULL_MARK;
use super::{EXT, stash};
use crate::diagnostic::Code;
use crate::error::{Error, Result, Warning};
use crate::load::{Source, escape_segment};

/// Keywords that `openapiv3` models; everything else is rewritten or stashed.
const MODELLED: &[&str] = &[
    "$ref",
    "nullable",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "example",
    "title",
    "description",
    "discriminator",
    "default",
    "type",
    "format",
    "pattern",
    "enum",
    "minLength",
    "maxLength",
    "multipleOf",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minimum",
    "maximum",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "oneOf",
    "allOf",
    "anyOf",
    "not",
];

/// JSON Schema keywords with no `openapiv3` field: kept as `x-clawgen-<keyword>` for the IR.
const STASHED: &[&str] = &[
    "const",
    "examples",
    "prefixItems",
    "$defs",
    "definitions",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "patternProperties",
    "propertyNames",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "$id",
    "$schema",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "xml",
];

/// Subschema positions, after stashing, that hold a map of schemas.
const SCHEMA_MAPS: &[&str] =
    &["properties", "x-clawgen-$defs", "x-clawgen-definitions", "x-clawgen-patternProperties", "x-clawgen-dependentSchemas"];
/// Subschema positions that hold one schema.
const SCHEMA_SLOTS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "x-clawgen-if",
    "x-clawgen-then",
    "x-clawgen-else",
    "x-clawgen-propertyNames",
    "x-clawgen-contains",
    "x-clawgen-unevaluatedProperties",
    "x-clawgen-unevaluatedItems",
    "x-clawgen-contentSchema",
];
/// Subschema positions that hold a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "oneOf", "anyOf", "x-clawgen-prefixItems"];

/// Keywords that only apply to one instance type, used to split `type: [a, b]`.
fn applies_to(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "format" => &["string", "integer", "number"],
        "pattern" | "minLength" | "maxLength" => &["string"],
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => &["integer", "number"],
        "uniqueItems" => &["array"],
        "properties" | "required" | "additionalProperties" | "minProperties" | "maxProperties" => &["object"],
        "items" | "minItems" | "maxItems" => &["array"],
        _ => return None,
    })
}

pub(super) struct Rewriter<'a> {
    source: &'a Source,
    warnings: Vec<Warning>,
    /// The minor version of the input: what 3.1 allows, 3.0 may not.
    pub(super) minor_version: u8,
    /// The components that `openapiv3` cannot take as a `$ref` where they are
    /// used (3.2's `mediaTypes`, and `callbacks`), as written: `{"components": {kind: …}}`.
    pub(super) inlined: Value,
}

impl<'a> Rewriter<'a> {
    pub(super) fn new(source: &'a Source, minor_version: u8) -> Self {
        Rewriter { source, warnings: Vec::new(), minor_version, inlined: Value::Null }
    }

    /// An [`Error::Unsupported`] at `pointer`.
    pub(super) fn unsupported(&self, pointer: &str, feature: &str) -> Error {
        Error::unsupported(self.source.location(pointer), feature)
    }

    /// What `value`'s `$ref` (at `pointer`) names in `components.<kind>`, one
    /// of the kinds of [`Rewriter::inlined`]: the object to read in its place.
    pub(super) fn inline(&self, kind: &str, value: &Value, pointer: &str) -> Result<Value> {
        let prefix = format!("#/components/{kind}/");
        if !value.get("$ref").and_then(Value::as_str).is_some_and(|r| r.starts_with(&prefix)) {
            return Err(
                self.unsupported(&format!("{pointer}/$ref"), &format!("a `$ref` here that does not point into `components.{kind}`"))
            );
        }
        let node = super::resolve::Node { value, pointer: pointer.to_owned() };
        let found = super::resolve::resolve(&self.inlined, node).map_err(|problem| problem.into_error(self.source))?;
        Ok(found.value.clone())
    }

    pub(super) fn into_warnings(self) -> Vec<Warning> {
        self.warnings
    }

    pub(super) fn warn(&mut self, code: Code, pointer: &str, message: String) {
        self.warnings.push(Warning::new(code, self.source.location(pointer), message));
    }

    /// Rewrites the schema at `value` (found at `pointer`) and all its subschemas.
    pub(super) fn schema(&mut self, value: &mut Value, pointer: &str) -> Result<()> {
        // 2020-12 boolean schemas.
        if let Value::Bool(accept) = value {
            *value = if *accept { json!({}) } else { json!({ "not": {} }) };
            return Ok(());
        }
        let Value::Object(map) = value else { return Ok(()) };

        // `$ref` with siblings: 3.1 applies both, openapiv3 would keep only the ref.
        if map.contains_key("$ref") && map.keys().any(|k| k != "$ref" && !k.starts_with("x-")) {
            if let Some(reference) = map.remove("$ref") {
                let mut parts = vec![json!({ "$ref": reference })];
                if let Some(Value::Array(existing)) = map.remove("allOf") {
                    parts.extend(existing);
                }
                map.insert("allOf".into(), Value::Array(parts));
                map.insert(format!("{EXT}ref-siblings"), Value::Bool(true));
            }
        }

        self.read_boolean_required(map, pointer);
        // A tuple closed by `items: false` is what a Rust tuple already is: it reads no more items.
        if map.contains_key("prefixItems") && map.get("items") == Some(&Value::Bool(false)) {
            map.remove("items");
        }
        // A `propertyNames` that names a schema (an enum of the keys) is read as that schema.
        if let Some(names) = map.get_mut("propertyNames") {
            self.inline_reference(names, &format!("{pointer}/propertyNames"));
        }
        // Property names are strings: `propertyNames: {maxLength: 40}` says so without `type`.
        if let Some(Value::Object(names)) = map.get_mut("propertyNames") {
            if !names.keys().any(|k| matches!(k.as_str(), "type" | "$ref" | "allOf" | "oneOf" | "anyOf" | "not" | "enum" | "const")) {
                names.insert("type".into(), json!("string"));
            }
        }
        self.note_unchecked(map, pointer);
        for keyword in STASHED {
            stash(map, keyword);
        }
        // 3.1's `contentEncoding: base64` is 3.0's `format: byte`.
        let base64 = map.get(&format!("{EXT}contentEncoding")).and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        if base64 {
            map.entry("format").or_insert_with(|| json!("byte"));
        }
        // `const` is also an `enum` of one, which the IR and openapiv3 both understand.
        if let Some(constant) = map.get(&format!("{EXT}const")).cloned() {
            map.entry("enum").or_insert_with(|| Value::Array(vec![constant]));
        }
        if let Some(Value::Array(examples)) = map.get(&format!("{EXT}examples")) {
            if let Some(first) = examples.first().cloned() {
                map.entry("example").or_insert(first);
            }
        }
        // A numeric `exclusiveMinimum` beside a `minimum`: both apply, so the tighter one is written.
        let facts = SchemaFacts::of_map(map);
        for (keyword, flag, bound) in [("minimum", "exclusiveMinimum", facts.minimum()), ("maximum", "exclusiveMaximum", facts.maximum())] {
            if let (Some(Value::Number(_)), Some(bound)) = (map.get(flag), bound) {
                map.insert(keyword.into(), Value::Number(bound.number));
                map.insert(flag.into(), Value::Bool(bound.exclusive));
            }
        }
        // Draft 4 tuple form, invalid in OpenAPI but found in the wild.
        if let Some(Value::Array(_)) = map.get("items") {
            self.warn(Code::Lenient, &format!("{pointer}/items"), "`items` is a list (tuple form); read as `prefixItems`".into());
            if let Some(items) = map.remove("items") {
                map.insert(format!("{EXT}prefixItems"), items);
            }
        }
        // `const: null` and `enum: [null]` accept what `type: "null"` does, and are read as it.
        if SchemaFacts::of_map(map).is_null() {
            map.insert(format!("{EXT}{NULL_MARK}"), Value::Bool(true));
        }
        infer_enum_type(map);
        self.rewrite_type(map);
        self.drop_inapplicable(map, pointer);

        let unknown: Vec<String> = map.keys().filter(|k| !k.starts_with("x-") && !MODELLED.contains(&k.as_str())).cloned().collect();
        if !unknown.is_empty() {
            let mut other = Map::new();
            for key in unknown {
                self.warn(
                    Code::UnknownKeyword,
                    &format!("{pointer}/{}", escape_segment(&key)),
                    format!("`{key}` is not a JSON Schema keyword clawgen knows; kept as x-clawgen-unknown and ignored"),
                );
                if let Some(value) = map.remove(&key) {
                    other.insert(key, value);
                }
            }
            map.insert(format!("{EXT}unknown"), Value::Object(other));
        }

        self.recurse(map, pointer)
    }

    /// Replaces a schema that is only a local `$ref` (with annotations) by a copy
    /// of the schema it names, followed through chains; left as it is where the
    /// reference does not resolve, which other readings report.
    fn inline_reference(&self, value: &mut Value, pointer: &str) {
        let Some(map) = value.as_object() else { return };
        let annotation = |key: &String| matches!(key.as_str(), "$ref" | "description" | "title") || key.starts_with("x-");
        let Some(reference) = map.get("$ref").and_then(Value::as_str).filter(|_| map.keys().all(annotation)) else { return };
        let root = &self.source.value;
        let found = super::resolve::target(root, reference, pointer).and_then(|node| super::resolve::resolve(root, node));
        if let Some(target) = found.ok().map(|node| node.value).filter(|target| target.is_object()) {
            *value = target.clone();
        }
    }

    /// JSON Schema keywords that constrain values but that clawgen neither types nor
    /// checks are reported (W0004), each once, where it is written: nothing is dropped
    /// without a word. (`if`, `patternProperties` and `dependentSchemas` in a schema with
    /// no type or structure make it untyped, which the IR reports instead.)
    fn note_unchecked(&mut self, map: &Map<String, Value>, pointer: &str) {
        const ALWAYS: [&str; 7] =
            ["contains", "dependentRequired", "unevaluatedProperties", "unevaluatedItems", "propertyNames", "contentSchema", "$dynamicRef"];
        const WHERE_TYPED: [&str; 3] = ["if", "patternProperties", "dependentSchemas"];
        const STRUCTURE: [&str; 9] =
            ["type", "properties", "items", "additionalProperties", "allOf", "oneOf", "anyOf", "enum", "prefixItems"];
        let typed = STRUCTURE.iter().any(|key| map.contains_key(*key));
        // A map's keys are checked where `propertyNames` asks only for string checks.
        let keys_checked = !map.contains_key("properties") && map.get("propertyNames").is_some_and(super::kept::checks_keys);
        let unchecked = ALWAYS
            .iter()
            .chain(WHERE_TYPED.iter().filter(|_| typed))
            .filter(|key| map.contains_key(**key))
            .filter(|key| !(**key == "propertyNames" && keys_checked));
        for keyword in unchecked {
            let message = match *keyword {
                "contains" => "`contains` (with any `minContains`/`maxContains`) is not checked".to_owned(),
                "$dynamicRef" => "`$dynamicRef` is not followed: the schema it names is not applied".to_owned(),
                "if" => "`if`/`then`/`else` is not checked".to_owned(),
                "contentSchema" => "`contentSchema` is not checked: the text is not decoded to check it".to_owned(),
                other => format!("`{other}` is not checked"),
            };
            self.warn(Code::Unchecked, &format!("{pointer}/{}", escape_segment(keyword)), message);
        }
    }

    /// Swagger 2's habit of marking a property `required: true` (or `false`) in
    /// the property's own schema, where JSON Schema wants a list of names in the
    /// object: read as the object listing it, and dropped where no object holds it.
    fn read_boolean_required(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            let mut listed = Vec::new();
            for (name, property) in properties.iter_mut() {
                let Some(property) = property.as_object_mut() else { continue };
                let Some(Value::Bool(required)) = property.get("required").cloned() else { continue };
                property.remove("required");
                let at = format!("{pointer}/properties/{}/required", escape_segment(name));
                let reading = if required { "listed in the object's `required`" } else { "optional" };
                self.warn(
                    Code::Lenient,
                    &at,
                    format!("`required: {required}` in property `{name}`'s schema is not JSON Schema; read as {reading}"),
                );
                if required {
                    listed.push(Value::String(name.clone()));
                }
            }
            if !listed.is_empty() {
                match map.entry("required").or_insert_with(|| Value::Array(Vec::new())) {
                    Value::Array(names) => names.extend(listed.into_iter().filter(|n| !names.contains(n)).collect::<Vec<_>>()),
                    other => *other = Value::Array(listed),
                }
            }
        }
        if let Some(Value::Bool(required)) = map.get("required").cloned() {
            map.remove("required");
            self.warn(
                Code::Lenient,
                &format!("{pointer}/required"),
                format!("`required: {required}` outside a property's schema is not JSON Schema; ignored"),
            );
        }
    }

    /// With one `type`, keywords for other types are no-ops in JSON Schema, but
    /// make openapiv3 read the schema as untyped; integer bounds must fit i64.
    fn drop_inapplicable(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let Some(Value::String(ty)) = map.get("type").cloned() else { return };
        map.retain(|key, _| applies_to(key).is_none_or(|types| types.contains(&ty.as_str())));
        if ty == "integer" {
            for bound in super::integer_bounds::read(map) {
                self.warn(
                    Code::Unchecked,
                    &format!("{pointer}/{bound}"),
                    format!("`{bound}` of an integer has no 64-bit integer reading; it is not checked"),
                );
            }
        }
    }

    /// `type` lists and `type: "null"` have no 3.0 spelling.
    fn rewrite_type(&mut self, map: &mut Map<String, Value>) {
        let types: Vec<String> = match map.get("type") {
            Some(Value::String(t)) if t == "null" => vec![t.clone()],
            Some(Value::Array(list)) => list.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
            _ => return,
        };
        map.remove("type");
        let nullable = types.iter().any(|t| t == "null");
        let concrete: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match concrete.as_slice() {
            [] => {
                map.insert(format!("{EXT}{NULL_MARK}"), Value::Bool(true));
            }
            [only] => {
                map.insert("type".into(), Value::String(only.clone()));
            }
            several => {
                // Split into one branch per type, each with the keywords that apply to it.
                let branches: Vec<Value> = several
                    .iter()
                    .map(|t| {
                        let mut branch = Map::new();
                        branch.insert("type".into(), Value::String(t.clone()));
                        for (key, value) in map.iter() {
                            if applies_to(key).is_some_and(|types| types.contains(&t.as_str())) {
                                branch.insert(key.clone(), value.clone());
                            }
                        }
                        Value::Object(branch)
                    })
                    .collect();
                map.retain(|key, _| applies_to(key).is_none());
                if map.contains_key("anyOf") || map.contains_key("oneOf") {
                    let existing = map.remove("allOf");
                    let mut all_of = vec![json!({ "anyOf": branches })];
                    if let Some(Value::Array(existing)) = existing {
                        all_of.extend(existing);
                    }
                    map.insert("allOf".into(), Value::Array(all_of));
                } else {
                    map.insert("anyOf".into(), Value::Array(branches));
                }
                map.insert(format!("{EXT}type-list"), Value::Bool(true));
            }
        }
    }

    fn recurse(&mut self, map: &mut Map<String, Value>, pointer: &str) -> Result<()> {
        // Pointers name the keyword as the source spells it, not its stashed name.
        let at = |key: &str| format!("{pointer}/{}", escape_segment(key.strip_prefix(EXT).unwrap_or(key)));
        for key in SCHEMA_SLOTS {
            if let Some(child) = map.get_mut(*key) {
                if child.is_object() || child.is_boolean() && *key != "additionalProperties" {
                    self.schema(child, &at(key))?;
                }
            }
        }
        for key in SCHEMA_MAPS {
            if let Some(Value::Object(children)) = map.get_mut(*key) {
                for (name, child) in children.iter_mut() {
                    self.schema(child, &format!("{}/{}", at(key), escape_segment(name)))?;
                }
            }
        }
        for key in SCHEMA_LISTS {
            if let Some(Value::Array(children)) = map.get_mut(*key) {
                for (index, child) in children.iter_mut().enumerate() {
                    self.schema(child, &format!("{}/{index}", at(key)))?;
                }
            }
        }
        Ok(())
    }
}

/// An untyped `enum` of booleans, or of numbers not all integers, accepts values
/// of that one type: it is given the type, so that the value is a `bool` or `f64`
/// checked against the list rather than an untyped JSON value. (Strings and
/// integers become Rust enums without a type.)
fn infer_enum_type(map: &mut Map<String, Value>) {
    const STRUCTURE: [&str; 8] = ["type", "allOf", "oneOf", "anyOf", "not", "properties", "items", "additionalProperties"];
    if STRUCTURE.iter().any(|key| map.contains_key(*key)) {
        return;
    }
    let Some(Value::Array(values)) = map.get("enum") else { return };
    let listed: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
    let inferred = if listed.is_empty() {
        return;
    } else if listed.iter().all(|v| v.is_boolean()) {
        "boolean"
    } else if listed.iter().all(|v| v.is_number()) && listed.iter().any(|v| v.is_f64()) {
        "number"
    } else {
        return;
    };
    let ty = if listed.len() < values.len() { json!([inferred, "null"]) } else { json!(inferred) };
    map.insert("type".into(), ty);
}
