//! The meaning of a schema, independent of how 3.0 or 3.1 spells it.
//!
//! Two documents can say the same thing in different words: `nullable: true`
//! (3.0) and `type: [T, "null"]` (3.1); `exclusiveMinimum: true` next to
//! `minimum` (3.0) and a numeric `exclusiveMinimum` (3.1); `const` and a
//! one-value `enum`; a `$ref` with siblings, a one-element `allOf` and the
//! schema written inline. A [`Shape`] is what is left after those spellings
//! are read, so that comparing two shapes finds changes of meaning only.

use std::collections::BTreeSet;

use serde_json::Value;

use super::resolve::{Doc, Node};
use crate::error::Result;
use crate::load::pointer::ref_name;
use crate::normalize::facts::{SchemaFacts, is_null_schema};

/// A schema that accepts anything (JSON Schema's `true`).
pub(super) static ANY: Value = Value::Bool(true);

pub(super) use crate::normalize::facts::Bound;

/// What lies beyond the listed properties of an object.
#[derive(Debug, Clone)]
pub(super) enum Additional<'a> {
    /// Anything (`additionalProperties` absent, `true` or `{}`).
    Any,
    /// Nothing (`additionalProperties: false`).
    Forbidden,
    /// Values of this schema.
    Schema(Node<'a>),
}

/// The meaning of one schema.
#[derive(Debug, Clone)]
pub(super) struct Shape<'a> {
    /// Where the schema is written (the target of its `$ref`s).
    pub(super) pointer: String,
    /// The name of the component it came from, for naming `oneOf` alternatives.
    pub(super) name: Option<String>,
    /// Whether keywords next to one of its `$ref`s add structure (properties, items,
    /// alternatives), so that it is not simply the schema it refers to.
    pub(super) refined: bool,
    /// Whether the schema is JSON Schema's `false`.
    pub(super) nothing: bool,
    /// The accepted JSON types other than `null`; `None` accepts every type.
    pub(super) types: Option<BTreeSet<String>>,
    /// Whether `null` is accepted.
    pub(super) nullable: bool,
    /// `format`.
    pub(super) format: Option<String>,
    /// The accepted values other than `null` (`enum` or `const`).
    pub(super) values: Option<Vec<Value>>,
    /// The lower numeric bound.
    pub(super) minimum: Option<Bound>,
    /// The upper numeric bound.
    pub(super) maximum: Option<Bound>,
    /// `minLength`, `maxLength`, `minItems`, `maxItems`, `minProperties`, `maxProperties`.
    pub(super) counts: [Option<u64>; 6],
    /// `pattern`.
    pub(super) pattern: Option<String>,
    /// `uniqueItems`.
    pub(super) unique_items: bool,
    /// `multipleOf`, as written.
    pub(super) multiple_of: Option<String>,
    /// `readOnly`.
    pub(super) read_only: bool,
    /// `writeOnly`.
    pub(super) write_only: bool,
    /// The listed properties, in document order.
    pub(super) properties: Vec<(String, Node<'a>)>,
    /// The names of the required properties.
    pub(super) required: BTreeSet<String>,
    /// What other properties may be.
    pub(super) additional: Additional<'a>,
    /// The schema of array items, if given.
    pub(super) items: Option<Node<'a>>,
    /// The `oneOf`/`anyOf` alternatives other than `null`, when there are several.
    pub(super) variants: Vec<(String, Node<'a>)>,
}

/// Keywords that give a schema parts of its own (rather than describing its value).
const STRUCTURAL: [&str; 9] =
    ["properties", "required", "items", "additionalProperties", "patternProperties", "allOf", "oneOf", "anyOf", "prefixItems"];

/// Indexes of [`Shape::counts`].
pub(super) const COUNT_KEYWORDS: [&str; 6] = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"];

impl<'a> Shape<'a> {
    fn any(pointer: String) -> Self {
        Shape {
            pointer,
            name: None,
            refined: false,
            nothing: false,
            types: None,
            nullable: false,
            format: None,
            values: None,
            minimum: None,
            maximum: None,
            counts: [None; 6],
            pattern: None,
            unique_items: false,
            multiple_of: None,
            read_only: false,
            write_only: false,
            properties: Vec::new(),
            required: BTreeSet::new(),
            additional: Additional::Any,
            items: None,
            variants: Vec::new(),
        }
    }

    /// The schema of property `name`, if listed.
    pub(super) fn property(&self, name: &str) -> Option<&Node<'a>> {
        self.properties.iter().find(|(key, _)| key == name).map(|(_, node)| node)
    }
}

/// Reads the schema at `node` of `doc`, following `$ref`s and merging `allOf`.
pub(super) fn shape<'a>(doc: Doc<'a>, node: Node<'a>) -> Result<Shape<'a>> {
    let mut merging = Vec::new();
    read(doc, node, &mut merging)
}

/// `merging` holds the schemas whose `allOf` is being merged, against cycles.
fn read<'a>(doc: Doc<'a>, node: Node<'a>, merging: &mut Vec<String>) -> Result<Shape<'a>> {
    let (hops, target) = doc.follow(node)?;
    let mut shape = Shape::any(target.pointer.clone());
    shape.name = hops.last().and_then(|hop| hop.reference()).map(ref_name);
    if merging.contains(&target.pointer) {
        // An `allOf` that includes itself adds nothing new the second time round.
        return Ok(shape);
    }
    merging.push(target.pointer.clone());
    let result = read_target(doc, &target, &hops, shape, merging);
    merging.pop();
    result
}

fn read_target<'a>(
    doc: Doc<'a>,
    target: &Node<'a>,
    hops: &[Node<'a>],
    mut shape: Shape<'a>,
    merging: &mut Vec<String>,
) -> Result<Shape<'a>> {
    match target.value {
        Value::Bool(false) => {
            shape.nothing = true;
            return Ok(shape);
        }
        Value::Object(_) => {}
        _ => return Ok(shape),
    }
    // Keywords next to a `$ref` refine its target (3.1); the outermost wins.
    shape.refined =
        hops.iter().any(|hop| hop.value.as_object().is_some_and(|map| map.keys().any(|key| STRUCTURAL.contains(&key.as_str()))));
    for layer in std::iter::once(target).chain(hops.iter().rev()) {
        keywords(&mut shape, layer);
    }
    for layer in std::iter::once(target).chain(hops.iter().rev()) {
        if let Some(all_of) = layer.child("allOf") {
            for part in all_of.items() {
                let part = read(doc, part, merging)?;
                merge(&mut shape, part);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = layer.child(key) {
                alternatives_of(doc, &mut shape, alternatives, merging)?;
            }
        }
    }
    infer_type(&mut shape);
    Ok(shape)
}

/// Applies the keywords written at `node` over what `shape` already has.
fn keywords<'a>(shape: &mut Shape<'a>, node: &Node<'a>) {
    let value = node.value;
    let get = |key: &str| value.get(key);
    if let Some(types) = SchemaFacts::of(value).types() {
        set_types(shape, types.into_iter());
    }
    if let Some(nullable) = get("nullable").and_then(Value::as_bool) {
        shape.nullable = nullable;
    }
    if let Some(format) = get("format").and_then(Value::as_str) {
        shape.format = Some(format.to_owned());
    }
    let values = get("const").map(|single| vec![single.clone()]).or_else(|| get("enum").and_then(Value::as_array).cloned());
    if let Some(values) = values {
        // A `null` among the values is only accepted where the type (or `nullable`) accepts it.
        shape.values = Some(values.into_iter().filter(|v| !v.is_null()).collect());
    }
    let facts = SchemaFacts::of(value);
    if let Some(bound) = facts.minimum() {
        shape.minimum = Some(bound);
    }
    if let Some(bound) = facts.maximum() {
        shape.maximum = Some(bound);
    }
    for (index, keyword) in COUNT_KEYWORDS.iter().enumerate() {
        if let Some(count) = get(keyword).and_then(Value::as_u64) {
            shape.counts[index] = Some(count);
        }
    }
    if let Some(pattern) = get("pattern").and_then(Value::as_str) {
        shape.pattern = Some(pattern.to_owned());
    }
    if let Some(unique) = get("uniqueItems").and_then(Value::as_bool) {
        shape.unique_items = unique;
    }
    if let Some(multiple) = get("multipleOf").filter(|v| v.is_number()) {
        shape.multiple_of = Some(multiple.to_string());
    }
    if let Some(read_only) = get("readOnly").and_then(Value::as_bool) {
        shape.read_only = read_only;
    }
    if let Some(write_only) = get("writeOnly").and_then(Value::as_bool) {
        shape.write_only = write_only;
    }
    if let Some(properties) = node.child("properties") {
        for (name, property) in properties.entries() {
            add_property(shape, name, property);
        }
    }
    if let Some(required) = get("required").and_then(Value::as_array) {
        shape.required.extend(required.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(additional) = node.child("additionalProperties") {
        shape.additional = match additional.value {
            Value::Bool(false) => Additional::Forbidden,
            Value::Bool(true) => Additional::Any,
            Value::Object(map) if map.is_empty() => Additional::Any,
            _ => Additional::Schema(additional),
        };
    }
    if let Some(items) = node.child("items").filter(|items| items.value.is_object() || items.value.is_boolean()) {
        shape.items = Some(items);
    }
}

fn set_types<'s>(shape: &mut Shape<'_>, types: impl Iterator<Item = &'s str>) {
    let mut set = BTreeSet::new();
    for name in types {
        if name == "null" {
            shape.nullable = true;
        } else {
            set.insert(name.to_owned());
        }
    }
    shape.types = Some(set);
}

fn add_property<'a>(shape: &mut Shape<'a>, name: &str, property: Node<'a>) {
    if let Some(existing) = shape.properties.iter_mut().find(|(key, _)| key == name) {
        existing.1 = property;
    } else {
        shape.properties.push((name.to_owned(), property));
    }
}

/// Whether bound `a` admits fewer values than `b`.
pub(super) fn tighter(a: &Bound, b: &Bound, lower: bool) -> bool {
    a.tighter_than(b, lower)
}

/// Merges one `allOf` part into `shape`: both must hold.
fn merge<'a>(shape: &mut Shape<'a>, part: Shape<'a>) {
    shape.types = match (shape.types.take(), part.types) {
        (Some(a), Some(b)) => Some(intersect_types(&a, &b)),
        (a, b) => a.or(b),
    };
    // `allOf: [X]` with `nullable: true` next to it is the 3.0 way of writing a nullable reference.
    shape.nullable = shape.nullable || (part.nullable && shape.types.is_none());
    shape.format = shape.format.take().or(part.format);
    shape.values = shape.values.take().or(part.values);
    shape.minimum = match (shape.minimum.take(), part.minimum) {
        (Some(a), Some(b)) => Some(if tighter(&b, &a, true) { b } else { a }),
        (a, b) => a.or(b),
    };
    shape.maximum = match (shape.maximum.take(), part.maximum) {
        (Some(a), Some(b)) => Some(if tighter(&b, &a, false) { b } else { a }),
        (a, b) => a.or(b),
    };
    for (index, count) in part.counts.into_iter().enumerate() {
        shape.counts[index] = shape.counts[index].or(count);
    }
    shape.pattern = shape.pattern.take().or(part.pattern);
    shape.unique_items |= part.unique_items;
    shape.multiple_of = shape.multiple_of.take().or(part.multiple_of);
    shape.read_only |= part.read_only;
    shape.write_only |= part.write_only;
    shape.nothing |= part.nothing;
    for (name, property) in part.properties {
        if shape.property(&name).is_none() {
            shape.properties.push((name, property));
        }
    }
    shape.required.extend(part.required);
    if matches!(shape.additional, Additional::Any) {
        shape.additional = part.additional;
    }
    shape.items = shape.items.take().or(part.items);
    if shape.variants.is_empty() {
        shape.variants = part.variants;
    }
    if shape.name.is_none() {
        shape.name = part.name;
    }
}

fn intersect_types(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = a.intersection(b).cloned().collect();
    // `integer` is a `number`.
    if (a.contains("integer") && b.contains("number")) || (a.contains("number") && b.contains("integer")) {
        out.insert("integer".to_owned());
    }
    out
}

/// Reads `oneOf`/`anyOf`: `null` alternatives make the schema nullable, a single
/// remaining alternative is the schema itself, several are kept as variants.
fn alternatives_of<'a>(doc: Doc<'a>, shape: &mut Shape<'a>, alternatives: Node<'a>, merging: &mut Vec<String>) -> Result<()> {
    let mut kept = Vec::new();
    for alternative in alternatives.items() {
        let target = doc.resolve(alternative.clone())?;
        if is_null_schema(target.value) {
            shape.nullable = true;
        } else {
            kept.push(alternative);
        }
    }
    if kept.len() == 1 {
        let only = read(doc, kept.remove(0), merging)?;
        let nullable = shape.nullable || only.nullable;
        merge(shape, only);
        shape.nullable = nullable;
        return Ok(());
    }
    for (index, alternative) in kept.into_iter().enumerate() {
        let name = match alternative.reference() {
            Some(reference) => ref_name(reference),
            None => format!("#{index}"),
        };
        shape.variants.push((name, alternative));
    }
    Ok(())
}

/// Documents often leave out `type: object` next to `properties` (or `type: array` next to `items`).
fn infer_type(shape: &mut Shape<'_>) {
    if shape.types.is_some() || !shape.variants.is_empty() {
        return;
    }
    let object = !shape.properties.is_empty() || !shape.required.is_empty() || !matches!(shape.additional, Additional::Any);
    if object {
        shape.types = Some(BTreeSet::from(["object".to_owned()]));
    } else if shape.items.is_some() {
        shape.types = Some(BTreeSet::from(["array".to_owned()]));
    }
}

/// How `diff` reads the schema at `pointer` of `source`: its bounds as `(limit, exclusive)` and whether it accepts `null`.
#[cfg(test)]
pub(crate) fn reading(source: &crate::load::Source, pointer: &str) -> crate::normalize::agreement::Reading {
    let doc = Doc { source };
    let shape = shape(doc, doc.at(pointer).expect("a schema there")).expect("a shape");
    let pair = |bound: &Option<Bound>| bound.as_ref().map(|b| (b.value, b.exclusive));
    (pair(&shape.minimum), pair(&shape.maximum), shape.nullable)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::load::Source;

    fn shape_at(json: &str, pointer: &str) -> (Source, String) {
        (Source::parse(Path::new("doc.json"), json.to_owned()).unwrap(), pointer.to_owned())
    }

    fn with_shape(json: &str, pointer: &str, check: impl FnOnce(&Shape<'_>)) {
        let (source, pointer) = shape_at(json, pointer);
        let doc = Doc { source: &source };
        let shape = shape(doc, doc.at(&pointer).unwrap()).unwrap();
        check(&shape);
    }

    #[test]
    fn nullable_spellings_agree() {
        let spellings = [
            r#"{"s": {"type": "string", "nullable": true}}"#,
            r#"{"s": {"type": ["string", "null"]}}"#,
            r#"{"s": {"anyOf": [{"type": "string"}, {"type": "null"}]}}"#,
            r##"{"s": {"allOf": [{"$ref": "#/t"}], "nullable": true}, "t": {"type": "string"}}"##,
        ];
        for json in spellings {
            with_shape(json, "/s", |shape| {
                assert!(shape.nullable, "{json}");
                assert_eq!(shape.types, Some(BTreeSet::from(["string".to_owned()])), "{json}");
            });
        }
    }

    #[test]
    fn exclusive_bound_spellings_agree() {
        for json in [r#"{"s": {"minimum": 1, "exclusiveMinimum": true}}"#, r#"{"s": {"exclusiveMinimum": 1}}"#] {
            with_shape(json, "/s", |shape| {
                let bound = shape.minimum.as_ref().unwrap();
                assert_eq!((bound.value, bound.exclusive), (1.0, true), "{json}");
            });
        }
    }

    #[test]
    fn all_of_parts_are_merged() {
        let json = r##"{"s": {"allOf": [{"$ref": "#/a"}, {"properties": {"b": {}}, "required": ["b"]}]},
                        "a": {"type": "object", "properties": {"a": {}}, "required": ["a"]}}"##;
        with_shape(json, "/s", |shape| {
            assert_eq!(shape.properties.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
            assert_eq!(shape.required.len(), 2);
        });
    }

    #[test]
    fn a_self_including_all_of_terminates() {
        with_shape(r##"{"s": {"allOf": [{"$ref": "#/s"}], "type": "object"}}"##, "/s", |shape| {
            assert_eq!(shape.types, Some(BTreeSet::from(["object".to_owned()])));
        });
    }
}
