//! `allOf`: the parts' properties merged into one struct, or, where one part
//! is a `oneOf`/`anyOf`, a union whose every variant holds the other parts too.
//!
//! `allOf: [Base, oneOf: [A, B]]` accepts what `oneOf: [allOf: [Base, A],
//! allOf: [Base, B]]` accepts, and the second has Rust types: a union of
//! structs. A variant that already includes the part holding the union (`A:
//! allOf: [$ref Base, …]`, where Base lists `oneOf: [A, B]`) is the usual way of
//! writing polymorphism: that variant is its own type, and inside it Base
//! contributes its properties only.

use openapiv3::{ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use serde_json::Value;

use super::schemas::{TypeSpace, is_bare};
use super::{Constraints, Listed, TypeKind, TypeRef};
use crate::diagnostic::Code;
use crate::load::pointer::{local_pointer, ref_name};

/// How many union variants distributing may make in one document: nested
/// unions multiply, and a document must not make that explode.
const MAX_DISTRIBUTED: usize = 20_000;

/// How many schemas finding whether a variant includes its base may read.
const MAX_INCLUDED: usize = 256;

/// One schema of an `allOf`, its `$ref`s resolved.
struct Part {
    schema: Schema,
    /// Where it is written.
    at: String,
    /// The `$ref` that reached it.
    reference: Option<String>,
    /// Whether it is the schema holding the `allOf` (the type being defined).
    own: bool,
}

impl Part {
    /// The pointer a `$ref` to it names: the target of the `$ref` that reached
    /// it, or the schema's own place for the schema holding the `allOf`.
    fn identity(&self) -> Option<String> {
        match &self.reference {
            _ if self.own => Some(self.at.clone()).filter(|at| at.starts_with('/')),
            Some(reference) => local_pointer(reference),
            None => None,
        }
    }
}

/// The parts an `allOf` adds to each variant of a union it holds.
pub(super) struct Base {
    /// The merged properties, `required` and `additionalProperties` of the other parts.
    pub(super) schema: Schema,
    /// The pointer of the schema holding the union: a variant whose `allOf`
    /// names it already includes the base.
    pub(super) identity: Option<String>,
}

impl TypeSpace<'_> {
    /// The schemas of an `allOf` list found at `pointer`, refs resolved, with their pointers.
    fn all_of_parts(&self, parts: &[ReferenceOr<Schema>], pointer: &str) -> crate::error::Result<Vec<Part>> {
        parts
            .iter()
            .enumerate()
            .map(|(index, part)| {
                let at = format!("{pointer}/allOf/{index}");
                Ok(match part {
                    ReferenceOr::Reference { reference } => {
                        Part { schema: self.resolve_schema(reference, &at)?, at, reference: Some(reference.clone()), own: false }
                    }
                    ReferenceOr::Item(schema) => Part { schema: schema.clone(), at, reference: None, own: false },
                })
            })
            .collect()
    }

    /// `allOf`: the properties of every part, and of `own` (the schema holding
    /// the `allOf`, without it) where it has some, merged into one struct; or
    /// a union of such structs where a part is a union.
    pub(super) fn merge_all_of(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        own: Option<Schema>,
        pointer: &str,
        name: &str,
    ) -> crate::error::Result<TypeKind> {
        // A part that is being merged already would be merged into itself forever.
        let refs: Vec<String> = parts
            .iter()
            .filter_map(|p| match p {
                ReferenceOr::Reference { reference } => Some(reference.clone()),
                ReferenceOr::Item(_) => None,
            })
            .collect();
        if refs.iter().any(|r| self.merging.contains(r)) {
            self.warn(Code::Untyped, pointer, "an allOf that includes itself has no Rust struct; the value is kept as serde_json::Value");
            return Ok(TypeKind::Alias(TypeRef::Json));
        }
        let depth = self.merging.len();
        self.merging.extend(refs);
        let merged = self.merge_parts(parts, own, pointer, name);
        self.merging.truncate(depth);
        merged
    }

    fn merge_parts(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        own: Option<Schema>,
        pointer: &str,
        name: &str,
    ) -> crate::error::Result<TypeKind> {
        let mut properties: Vec<(String, ReferenceOr<Box<Schema>>)> = Vec::new();
        let mut required: Vec<String> = Vec::new();
        let mut additional = None;
        let mut union: Option<Part> = None;
        let mut scalars: Vec<Part> = Vec::new();
        let mut pending = self.all_of_parts(parts, pointer)?;
        // Popped first, so its properties come after the parts'.
        pending.extend(own.map(|schema| Part { schema, at: pointer.to_owned(), reference: None, own: true }));
        // Nested allOfs and their `$ref`s may come back to a part already merged
        // (a cycle): the count of parts merged, held to the one bound, ends them.
        let mut merged = 0;
        while let Some(part) = pending.pop() {
            merged += 1;
            if merged > crate::depth::MAX_DEPTH {
                return Err(crate::depth::too_deep(self.source.location(pointer), "this allOf (its parts' allOfs and `$ref`s merged)"));
            }
            // Scalars, and `enum`s without a type (`{enum: [true]}`), which are values too.
            if scalar_kind(&part.schema).is_some() {
                scalars.push(part);
                continue;
            }
            let (props, req, extra) = match &part.schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required, &o.additional_properties),
                SchemaKind::Any(any) => {
                    pending.extend(self.all_of_parts(&any.all_of, &part.at)?);
                    (&any.properties, &any.required, &any.additional_properties)
                }
                SchemaKind::AllOf { all_of } => {
                    pending.extend(self.all_of_parts(all_of, &part.at)?);
                    continue;
                }
                SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                    if !self.take_union(part, &mut union) {
                        return Ok(TypeKind::Alias(TypeRef::Json));
                    }
                    continue;
                }
                _ => return Ok(self.not_merged(&part.at)),
            };
            // Parts are popped last-first; insert at the front to keep document order.
            let mut merged: Vec<(String, ReferenceOr<Box<Schema>>)> =
                props.iter().filter(|(k, _)| !properties.iter().any(|(p, _)| p == *k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            merged.append(&mut properties);
            properties = merged;
            for r in req {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            if extra.is_some() {
                additional = extra.clone();
            }
            if alternatives(&part.schema).is_some() && !self.take_union(part, &mut union) {
                return Ok(TypeKind::Alias(TypeRef::Json));
            }
        }
        if let Some(first) = scalars.first() {
            if !properties.is_empty() || additional.is_some() || union.is_some() {
                return Ok(self.not_merged(&first.at));
            }
            // Popped last-first: back to document order.
            scalars.reverse();
            return self.scalar(scalars, name);
        }
        if let Some(part) = union {
            let object = ObjectType {
                properties: properties.into_iter().collect(),
                required,
                additional_properties: additional,
                ..Default::default()
            };
            let base = Base {
                schema: Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Type(Type::Object(object)) },
                identity: part.identity(),
            };
            return self.distribute(part, base, name);
        }
        let required: Vec<&str> = required.iter().map(String::as_str).collect();
        let mut st = self.object(&properties, &required, pointer, name)?;
        st.additional = self.additional(&additional, pointer, name)?;
        st.additional_constraints = self.additional_constraints(&additional, pointer);
        Ok(TypeKind::Struct(st))
    }

    fn not_merged(&mut self, at: &str) -> TypeKind {
        self.warn(
            Code::Untyped,
            at,
            "an allOf part that is neither an object nor a union cannot be merged with objects; the value is kept as serde_json::Value",
        );
        TypeKind::Alias(TypeRef::Json)
    }

    /// `allOf: [{$ref: Id}, {type: string, readOnly: true}]`: parts of one
    /// scalar type are that type (a `$ref`'s where one names it), checked
    /// against the constraints of every part (see `intersect`).
    fn scalar(&mut self, parts: Vec<Part>, name: &str) -> crate::error::Result<TypeKind> {
        let kinds: Vec<Scalar> = parts.iter().filter_map(|part| scalar_kind(&part.schema)).collect();
        // An integer is a number: `allOf: [{type: number}, {type: integer}]` is an integer.
        let kind = if kinds.iter().all(|k| matches!(k, Scalar::Integer | Scalar::Number)) && kinds.contains(&Scalar::Integer) {
            Scalar::Integer
        } else {
            kinds[0]
        };
        if let Some(other) = parts
            .iter()
            .find(|part| scalar_kind(&part.schema).is_some_and(|k| k != kind && !(k == Scalar::Number && kind == Scalar::Integer)))
        {
            self.warn(Code::Untyped, &other.at, "allOf parts of different types accept no value; it is kept as serde_json::Value");
            return Ok(TypeKind::Alias(TypeRef::Json));
        }
        // The type of the part that says most: an enum's, else a `$ref`'s, else the first's.
        let typed = |part: &&Part| scalar_kind(&part.schema) == Some(kind) && !is_enum_only(&part.schema);
        let primary = parts
            .iter()
            .filter(typed)
            .find(|part| has_enum(&part.schema))
            .or_else(|| parts.iter().filter(typed).find(|part| part.reference.is_some()))
            .or_else(|| parts.iter().find(typed));
        let Some(primary) = primary else {
            self.warn(
                Code::Untyped,
                &parts[0].at,
                "an allOf of `enum`s without a type has no Rust type; the value is kept as serde_json::Value",
            );
            return Ok(TypeKind::Alias(TypeRef::Json));
        };
        for part in parts.iter().filter(|part| has_enum(&part.schema) && part.at != primary.at) {
            self.warn(Code::Unchecked, &part.at, "the `enum` of this allOf part is not checked: the type is another part's");
        }
        let patterns: Vec<&str> = parts.iter().filter_map(|part| pattern_of(&part.schema)).collect();
        if patterns.iter().any(|p| *p != patterns[0]) {
            self.warn(Code::Unchecked, &primary.at, "only the first `pattern` of this allOf's parts is checked");
        }
        let ty = match &primary.reference {
            Some(reference) => self.reference(reference, &primary.at)?,
            None => self.lower_inline(&primary.schema, &primary.at, &format!("{name}Value"))?,
        };
        Ok(TypeKind::Alias(ty))
    }

    /// Keeps `part`'s union to distribute the other parts over, unless it
    /// only declares the variants that include it (then its properties are
    /// all it adds). `false`, with a warning, for a second union.
    fn take_union(&mut self, part: Part, union: &mut Option<Part>) -> bool {
        let Some(variants) = alternatives(&part.schema) else { return true };
        if !part.own && variants.iter().any(|variant| self.includes(variant, part.identity().as_deref())) {
            return true;
        }
        if union.is_some() || both_unions(&part.schema) {
            self.warn(
                Code::Untyped,
                &part.at,
                "an allOf with more than one oneOf/anyOf has no Rust type; the value is kept as serde_json::Value",
            );
            return false;
        }
        *union = Some(part);
        true
    }

    /// The union of `part`'s variants, each merged with `base`.
    fn distribute(&mut self, part: Part, base: Base, name: &str) -> crate::error::Result<TypeKind> {
        let variants = alternatives(&part.schema).map(<[_]>::to_vec).unwrap_or_default();
        let adds_nothing = matches!(&base.schema.schema_kind, SchemaKind::Type(Type::Object(o))
            if o.properties.is_empty() && o.required.is_empty() && o.additional_properties.is_none());
        if adds_nothing {
            return self.union(&part.schema, &variants, &part.at, name, None);
        }
        self.distributed += variants.len();
        if self.distributed > MAX_DISTRIBUTED {
            self.warn(
                Code::Untyped,
                &part.at,
                format!(
                    "the document's allOfs over unions make more than {MAX_DISTRIBUTED} variants; this one is kept as serde_json::Value"
                ),
            );
            return Ok(TypeKind::Alias(TypeRef::Json));
        }
        self.union(&part.schema, &variants, &part.at, name, Some(&base))
    }

    /// Whether `variant` already includes the schema at `identity`: an `allOf`
    /// of it names it by `$ref`, or names a schema that does (`Kitten: allOf:
    /// [$ref Cat]`, `Cat: allOf: [$ref Pet]`), followed to a bound.
    pub(super) fn includes(&self, variant: &ReferenceOr<Schema>, identity: Option<&str>) -> bool {
        let Some(identity) = identity else { return false };
        let mut seen = std::collections::HashSet::new();
        let mut pending = self.all_of_of(variant, identity, &mut seen);
        while let Some(part) = pending.pop() {
            if matches!(&part, ReferenceOr::Reference { reference } if local_pointer(reference).as_deref() == Some(identity)) {
                return true;
            }
            if seen.len() < MAX_INCLUDED {
                pending.extend(self.all_of_of(&part, identity, &mut seen));
            }
        }
        false
    }

    /// The `allOf` parts of a schema, `$ref`s followed once each.
    fn all_of_of(
        &self,
        schema: &ReferenceOr<Schema>,
        pointer: &str,
        seen: &mut std::collections::HashSet<String>,
    ) -> Vec<ReferenceOr<Schema>> {
        let resolved = match schema {
            ReferenceOr::Item(schema) => schema.clone(),
            ReferenceOr::Reference { reference } if seen.insert(reference.clone()) => match self.resolve_schema(reference, pointer) {
                Ok(schema) => schema,
                Err(_) => return Vec::new(),
            },
            ReferenceOr::Reference { .. } => return Vec::new(),
        };
        match resolved.schema_kind {
            SchemaKind::AllOf { all_of } => all_of,
            SchemaKind::Any(any) => any.all_of,
            _ => Vec::new(),
        }
    }

    /// The schema a union variant becomes: itself where it includes the base
    /// already, else an `allOf` of the base and it, with the name hint and the
    /// variant name its `$ref` suggests.
    pub(super) fn with_base(variant: &ReferenceOr<Schema>, base: &Base, name: &str) -> (ReferenceOr<Schema>, Option<(String, String)>) {
        let merged = Schema {
            schema_data: SchemaData::default(),
            schema_kind: SchemaKind::AllOf { all_of: vec![ReferenceOr::Item(base.schema.clone()), variant.clone()] },
        };
        let merged = ReferenceOr::Item(merged);
        let names = match variant {
            ReferenceOr::Reference { reference } => {
                let target = ref_name(reference);
                Some((format!("{name}{}", super::names::type_name(&target)), super::names::variant_name(&target)))
            }
            ReferenceOr::Item(_) => None,
        };
        (merged, names)
    }
}

/// The variants of a schema's `oneOf` (or else `anyOf`), where it has one.
fn alternatives(schema: &Schema) -> Option<&[ReferenceOr<Schema>]> {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => Some(one_of),
        SchemaKind::AnyOf { any_of } => Some(any_of),
        SchemaKind::Any(any) if !any.one_of.is_empty() => Some(&any.one_of),
        SchemaKind::Any(any) if !any.any_of.is_empty() => Some(&any.any_of),
        _ => None,
    }
}

/// The scalar types an `allOf` of scalars may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

/// The scalar type a schema has, or its `enum`'s values have.
fn scalar_kind(schema: &Schema) -> Option<Scalar> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => Some(Scalar::String),
        SchemaKind::Type(Type::Integer(_)) => Some(Scalar::Integer),
        SchemaKind::Type(Type::Number(_)) => Some(Scalar::Number),
        SchemaKind::Type(Type::Boolean(_)) => Some(Scalar::Boolean),
        SchemaKind::Any(any) if is_enum_only(schema) => {
            let kinds: Vec<Scalar> = any
                .enumeration
                .iter()
                .map(|value| match value {
                    Value::String(_) => Some(Scalar::String),
                    Value::Bool(_) => Some(Scalar::Boolean),
                    Value::Number(n) if n.is_i64() || n.is_u64() => Some(Scalar::Integer),
                    Value::Number(_) => Some(Scalar::Number),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            kinds.first().copied().filter(|first| kinds.iter().all(|k| k == first))
        }
        _ => None,
    }
}

/// A schema whose listed values make a Rust enum (those of numbers and
/// booleans are constraints, which the parts' intersection checks).
fn has_enum(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => !s.enumeration.is_empty(),
        SchemaKind::Type(Type::Integer(i)) => !i.enumeration.is_empty(),
        SchemaKind::Any(any) => !any.enumeration.is_empty(),
        _ => false,
    }
}

/// A schema that is only an `enum` (no type, no structure).
fn is_enum_only(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any)
        if !any.enumeration.is_empty() && any.typ.is_none() && any.properties.is_empty() && any.all_of.is_empty()
            && any.one_of.is_empty() && any.any_of.is_empty() && any.items.is_none() && any.additional_properties.is_none())
}

fn pattern_of(schema: &Schema) -> Option<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.pattern.as_deref(),
        _ => None,
    }
}

/// The constraints of values that keep to both `a` and `b`: the tighter of
/// each bound; where both have a pattern or a format, `a`'s (the other is
/// reported where the parts are merged).
pub(super) fn intersect(a: Constraints, b: Constraints) -> Constraints {
    fn lower(a: Option<(f64, bool)>, b: Option<(f64, bool)>) -> Option<(f64, bool)> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.0 > x.0 || (y.0 == x.0 && y.1) { y } else { x }),
            (x, y) => x.or(y),
        }
    }
    fn upper(a: Option<(f64, bool)>, b: Option<(f64, bool)>) -> Option<(f64, bool)> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.0 < x.0 || (y.0 == x.0 && y.1) { y } else { x }),
            (x, y) => x.or(y),
        }
    }
    fn most(a: Option<usize>, b: Option<usize>) -> Option<usize> {
        a.max(b)
    }
    fn least(a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }
    Constraints {
        minimum: lower(a.minimum, b.minimum),
        maximum: upper(a.maximum, b.maximum),
        min_length: most(a.min_length, b.min_length),
        max_length: least(a.max_length, b.max_length),
        min_items: most(a.min_items, b.min_items),
        max_items: least(a.max_items, b.max_items),
        backtracking_pattern: if a.pattern.is_some() { a.backtracking_pattern } else { b.backtracking_pattern },
        pattern: a.pattern.or(b.pattern),
        format: a.format.or(b.format),
        unique_items: a.unique_items || b.unique_items,
        items: a.items.or(b.items),
        values: a.values.or(b.values),
        keys: a.keys.or(b.keys),
        min_properties: most(a.min_properties, b.min_properties),
        max_properties: least(a.max_properties, b.max_properties),
        multiple_of: match (a.multiple_of, b.multiple_of) {
            (Some(x), Some(y)) => Some(common_multiple(x, y)),
            (x, y) => x.or(y),
        },
        listed: match (a.listed, b.listed) {
            (Some(Listed::Numbers(x)), Some(Listed::Numbers(y))) => {
                Some(Listed::Numbers(x.into_iter().filter(|n| y.contains(n)).collect()))
            }
            (Some(Listed::Texts(x)), Some(Listed::Texts(y))) => Some(Listed::Texts(x.into_iter().filter(|t| y.contains(t)).collect())),
            (x, y) => x.or(y),
        },
    }
}

/// A number both `x` and `y` divide: the larger where the smaller divides it, the
/// least common multiple of integers, else their product (a multiple of both).
fn common_multiple(x: f64, y: f64) -> f64 {
    let (small, large) = if x <= y { (x, y) } else { (y, x) };
    if (large / small).fract() == 0.0 {
        return large;
    }
    if small.fract() == 0.0 && large.fract() == 0.0 && large < 2f64.powi(53) {
        let (mut a, mut b) = (large as u64, small as u64);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        return large / a as f64 * small;
    }
    small * large
}

/// Whether the parts of an `allOf` are scalars (and parts that add no
/// structure, such as a `required` list), so that its constraints are the parts' together.
pub(super) fn all_scalar(parts: &[Schema]) -> bool {
    let structureless =
        |part: &Schema| matches!(&part.schema_kind, SchemaKind::Any(any) if any.typ.is_none() && any.all_of.is_empty() && is_bare(any));
    parts.iter().any(|part| scalar_kind(part).is_some()) && parts.iter().all(|part| scalar_kind(part).is_some() || structureless(part))
}

/// A schema with both `oneOf` and `anyOf`: two unions at once.
fn both_unions(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any) if !any.one_of.is_empty() && !any.any_of.is_empty())
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::ir::schemas::tests::lowered;
    use crate::ir::{Api, Struct, TypeKind, TypeRef, Union};

    fn kind<'a>(api: &'a Api, name: &str) -> &'a TypeKind {
        &api.types.iter().find(|def| def.name == name).unwrap_or_else(|| panic!("{name} is declared")).kind
    }

    /// The struct `ty` names, through the aliases that sharing identical types leaves.
    fn structure<'a>(api: &'a Api, ty: &TypeRef) -> &'a Struct {
        match ty {
            TypeRef::Named(id) => match &api.types[id.0].kind {
                TypeKind::Struct(st) => st,
                TypeKind::Alias(inner) => structure(api, inner),
                other => panic!("{} is not a struct: {other:?}", api.types[id.0].name),
            },
            other => panic!("not a named type: {other:?}"),
        }
    }

    fn union<'a>(api: &'a Api, name: &str) -> &'a Union {
        match kind(api, name) {
            TypeKind::Union(union) => union,
            other => panic!("{name} is not a union: {other:?}"),
        }
    }

    /// The wire names of a struct's fields, each with whether it is required.
    fn fields(st: &Struct) -> Vec<(&str, bool)> {
        st.fields.iter().map(|f| (f.wire_name.as_str(), f.required)).collect()
    }

    #[test]
    fn an_allof_of_properties_and_a_union_is_a_union_of_structs_holding_both() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Payment:
      allOf:
        - {type: object, required: [amount], properties: {amount: {type: integer}}}
        - oneOf: [{$ref: '#/components/schemas/Card'}, {$ref: '#/components/schemas/Bank'}]
    Card: {type: object, required: [number], properties: {number: {type: string}}}
    Bank: {type: object, properties: {iban: {type: string}}}
    Pick:
      type: object
      properties: {breakout: {type: boolean}, priority: {type: integer}}
      anyOf: [{required: [breakout]}, {required: [priority]}]
"#,
        );
        assert!(!warnings.iter().any(|w| w.code == Code::Untyped), "{warnings:?}");
        let payment = union(&api, "Payment");
        let names: Vec<&str> = payment.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["Card", "Bank"], "variants are named after their $refs");
        assert_eq!(fields(structure(&api, &payment.variants[0].ty)), [("amount", true), ("number", true)]);
        assert_eq!(fields(structure(&api, &payment.variants[1].ty)), [("amount", true), ("iban", false)]);
        // The variants only require what the base lists.
        let pick = union(&api, "Pick");
        assert_eq!(fields(structure(&api, &pick.variants[0].ty)), [("breakout", true), ("priority", false)]);
        assert_eq!(fields(structure(&api, &pick.variants[1].ty)), [("breakout", false), ("priority", true)]);
    }

    #[test]
    fn a_base_listing_the_variants_that_include_it_is_their_tagged_union() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Pet:
      type: object
      required: [kind]
      properties: {kind: {type: string}, name: {type: string}}
      discriminator:
        propertyName: kind
        mapping: {cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog', puppy: '#/components/schemas/Puppy'}
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}, {$ref: '#/components/schemas/Puppy'}]
    Cat:
      allOf: [{$ref: '#/components/schemas/Pet'}, {type: object, properties: {meows: {type: boolean}}}]
    Dog:
      allOf: [{$ref: '#/components/schemas/Pet'}, {type: object, properties: {barks: {type: boolean}}}]
    Puppy:
      allOf: [{$ref: '#/components/schemas/Dog'}, {type: object, properties: {age: {type: integer}}}]
"#,
        );
        assert!(!warnings.iter().any(|w| w.code == Code::Untyped), "{warnings:?}");
        let pet = union(&api, "Pet");
        assert_eq!(pet.tag.as_deref(), Some("kind"));
        let named = |ty: &TypeRef| match ty {
            TypeRef::Named(id) => api.types[id.0].name.clone(),
            other => panic!("{other:?}"),
        };
        let variants: Vec<(String, String, Vec<String>)> =
            pet.variants.iter().map(|v| (v.name.clone(), named(&v.ty), v.tags.clone())).collect();
        let expected =
            [("Cat", "cat"), ("Dog", "dog"), ("Puppy", "puppy")].map(|(name, tag)| (name.into(), name.into(), vec![tag.to_owned()]));
        assert_eq!(variants, expected, "the variants are the schemas themselves, Puppy through Dog");
        let TypeKind::Struct(cat) = kind(&api, "Cat") else { panic!("Cat is a struct") };
        assert_eq!(fields(cat), [("kind", true), ("name", false), ("meows", false)], "a variant holds the base's properties");
        let TypeKind::Struct(puppy) = kind(&api, "Puppy") else { panic!("Puppy is a struct") };
        assert_eq!(fields(puppy), [("kind", true), ("name", false), ("barks", false), ("age", false)]);
    }

    #[test]
    fn a_part_listing_required_properties_makes_them_required() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Monitor: {type: object, properties: {codes: {type: string}, name: {type: string}}}
    MonitorCreate:
      allOf: [{$ref: '#/components/schemas/Monitor'}, {required: [codes]}]
    Token:
      allOf: [{type: string, maxLength: 3}, {required: [x]}]
"#,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let TypeKind::Struct(create) = kind(&api, "MonitorCreate") else { panic!("MonitorCreate is a struct of its own") };
        assert_eq!(fields(create), [("codes", true), ("name", false)]);
        assert!(matches!(kind(&api, "Token"), TypeKind::Alias(TypeRef::String)), "required says nothing of a string");
    }

    #[test]
    fn two_unions_in_one_allof_stay_json_with_a_warning() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Both:
      allOf:
        - oneOf: [{type: object, properties: {a: {type: string}}}, {type: object, properties: {b: {type: string}}}]
        - anyOf: [{type: object, properties: {c: {type: string}}}, {type: object, properties: {d: {type: string}}}]
"#,
        );
        assert!(matches!(kind(&api, "Both"), TypeKind::Alias(TypeRef::Json)));
        assert!(warnings.iter().any(|w| w.code == Code::Untyped && w.message.contains("more than one oneOf/anyOf")), "{warnings:?}");
    }

    #[test]
    fn an_allof_of_scalars_is_the_scalar_checked_against_every_part() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Uuidish: {type: string, minLength: 36, maxLength: 36}
    Id:
      allOf: [{$ref: '#/components/schemas/Uuidish'}, {type: string, readOnly: true}]
    Short:
      allOf: [{type: string, maxLength: 10}, {type: string, maxLength: 5, minLength: 1}]
    Count:
      allOf: [{type: number, minimum: 0}, {type: integer, maximum: 10}]
    Flag:
      allOf: [{type: boolean}, {enum: [true]}]
    Mode:
      allOf: [{type: string, maxLength: 8}, {type: string, enum: [fast, slow]}]
    Tagged:
      allOf: [{type: string, enum: [a, b]}, {type: string, enum: [b, c]}]
    Mixed:
      allOf: [{type: string}, {type: integer}]
    Holder:
      type: object
      properties:
        id: {$ref: '#/components/schemas/Id'}
        short: {$ref: '#/components/schemas/Short'}
        count: {$ref: '#/components/schemas/Count'}
"#,
        );
        let alias = |name: &str| match kind(&api, name) {
            TypeKind::Alias(ty) => ty.clone(),
            other => panic!("{name} is not an alias: {other:?}"),
        };
        let uuidish = api.types.iter().position(|def| def.name == "Uuidish").expect("Uuidish");
        assert_eq!(alias("Id"), TypeRef::Named(crate::ir::TypeId(uuidish)), "the part a $ref names gives the type");
        assert_eq!((alias("Short"), alias("Count"), alias("Flag")), (TypeRef::String, TypeRef::I64, TypeRef::Bool));
        assert_eq!(alias("Mixed"), TypeRef::Json);
        match alias("Mode") {
            TypeRef::Named(id) => assert!(matches!(&api.types[id.0].kind, TypeKind::Enum(_)), "the enum part gives the type"),
            other => panic!("{other:?}"),
        }
        let untyped: Vec<&str> = warnings.iter().filter(|w| w.code == Code::Untyped).map(|w| w.location.pointer.as_str()).collect();
        assert_eq!(untyped, ["/components/schemas/Mixed/allOf/1"], "{warnings:?}");
        let unchecked: Vec<&str> = warnings.iter().filter(|w| w.code == Code::Unchecked).map(|w| w.location.pointer.as_str()).collect();
        // A boolean's `enum` is a check, which the parts' intersection keeps (Flag's).
        assert_eq!(
            unchecked,
            ["/components/schemas/Tagged/allOf/1"],
            "an enum of a part whose type is not taken is reported as not checked"
        );
        let TypeKind::Struct(holder) = kind(&api, "Holder") else { panic!("Holder is a struct") };
        let constraints = |name: &str| holder.fields.iter().find(|f| f.wire_name == name).expect("the field").constraints.clone();
        assert_eq!((constraints("id").min_length, constraints("id").max_length), (Some(36), Some(36)));
        assert_eq!((constraints("short").min_length, constraints("short").max_length), (Some(1), Some(5)), "the tighter bounds");
        assert_eq!((constraints("count").minimum, constraints("count").maximum), (Some((0.0, false)), Some((10.0, false))));
    }

    #[test]
    fn intersecting_constraints_keeps_the_tighter_bound_and_exclusive_on_a_tie() {
        use crate::ir::Constraints;
        let a = Constraints { minimum: Some((1.0, false)), maximum: Some((9.0, false)), max_length: Some(4), ..Constraints::default() };
        let b = Constraints { minimum: Some((1.0, true)), maximum: Some((7.0, false)), min_length: Some(2), ..Constraints::default() };
        let both = super::intersect(a, b);
        assert_eq!((both.minimum, both.maximum), (Some((1.0, true)), Some((7.0, false))));
        assert_eq!((both.min_length, both.max_length), (Some(2), Some(4)));
    }
}
