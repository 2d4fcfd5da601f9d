//! Unions: discriminator tags, the order untagged variants are tried in, and
//! the open-enum idiom `anyOf: [{enum: […]}, {type: string}]`.

use openapiv3::{Discriminator, ReferenceOr, Schema, SchemaKind, Type};

use super::schemas::{ListedValue, TypeSpace, enum_value, is_null_schema, same_kind};
use super::{EnumValue, TypeKind, TypeRef, UnionVariant};
use crate::diagnostic::Code;

impl TypeSpace<'_> {
    /// `anyOf: [{type: string, enum: [a, b]}, {type: string}]`: known values of a
    /// string that may take others. Returns the known values.
    pub(super) fn open_enum_idiom(&self, variants: &[ReferenceOr<Schema>], pointer: &str) -> Option<Vec<EnumValue>> {
        let schemas: Vec<Schema> = variants
            .iter()
            .filter_map(|v| match v {
                ReferenceOr::Item(schema) => Some(schema.clone()),
                ReferenceOr::Reference { reference } => self.resolve_schema(reference, pointer).ok(),
            })
            .filter(|s| !crate::normalize::kept::is_null_type(s))
            .collect();
        if schemas.len() != 2 {
            return None;
        }
        let strings = |s: &Schema| match &s.schema_kind {
            SchemaKind::Type(Type::String(string)) => Some(string.enumeration.iter().flatten().cloned().collect::<Vec<String>>()),
            _ => None,
        };
        let (first, second) = (strings(&schemas[0])?, strings(&schemas[1])?);
        let values = match (first.is_empty(), second.is_empty()) {
            (false, true) => first,
            (true, false) => second,
            _ => return None,
        };
        Some(values.into_iter().map(EnumValue::Str).collect())
    }

    /// `oneOf` (or `anyOf`) whose every variant is one `const` (or an `enum`
    /// of one value), all strings or all integers: an enum whose variants keep
    /// each constant's `title` and `description`. `None` for anything else.
    pub(super) fn constant_choices(&self, variants: &[ReferenceOr<Schema>], pointer: &str) -> Option<Vec<ListedValue>> {
        let mut listed = Vec::with_capacity(variants.len());
        for variant in variants {
            let schema = match variant {
                ReferenceOr::Item(schema) => schema.clone(),
                ReferenceOr::Reference { reference } => self.resolve_schema(reference, pointer).ok()?,
            };
            let value = match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
                    [Some(only)] => EnumValue::Str(only.clone()),
                    _ => return None,
                },
                SchemaKind::Type(Type::Integer(i)) => match i.enumeration.as_slice() {
                    [Some(only)] => EnumValue::Int(*only),
                    _ => return None,
                },
                SchemaKind::Any(any) if any.properties.is_empty() => match any.enumeration.as_slice() {
                    [only] => enum_value(only)?,
                    _ => return None,
                },
                _ => return None,
            };
            listed.push(ListedValue { value, title: schema.schema_data.title.clone(), doc: schema.schema_data.description.clone() });
        }
        let values: Vec<EnumValue> = listed.iter().map(|l| l.value.clone()).collect();
        (!listed.is_empty() && same_kind(&values)).then_some(listed)
    }

    /// Gives every variant its discriminator values and returns the tag
    /// property, or warns and returns `None` (an untagged union) when some
    /// variant cannot be told apart by it.
    ///
    /// A variant's values are, in order of preference: the `mapping` entries
    /// that name it; the values its own schema allows for the property (an
    /// `enum` or `const`); the name of the schema it refers to, as the
    /// specification defines for discriminators without a mapping.
    pub(super) fn tag_variants(
        &mut self,
        discriminator: &Discriminator,
        variants: &[ReferenceOr<Schema>],
        out: &mut [UnionVariant],
        pointer: &str,
    ) -> Option<String> {
        let property = &discriminator.property_name;
        let concrete = variants.iter().filter(|v| !is_null_schema(v));
        for (schema, variant) in concrete.zip(out.iter_mut()) {
            let reference = match schema {
                ReferenceOr::Reference { reference } => Some(reference.as_str()),
                ReferenceOr::Item(_) => None,
            };
            let schema_name = reference.and_then(|r| r.rsplit('/').next()).map(|n| n.replace("~1", "/").replace("~0", "~"));
            let mut tags: Vec<String> = discriminator
                .mapping
                .iter()
                .filter(|(_, target)| Some(target.as_str()) == reference || schema_name.as_deref() == Some(target.as_str()))
                .map(|(value, _)| value.clone())
                .collect();
            if tags.is_empty() {
                tags = self.allowed_values(schema, property, pointer);
            }
            if tags.is_empty() {
                tags.extend(schema_name);
            }
            if tags.is_empty() {
                self.warn(
                    Code::Lenient,
                    pointer,
                    format!(
                        "variant `{}` has no value for discriminator `{property}`; the union is decoded by trying each variant",
                        variant.name
                    ),
                );
                return None;
            }
            variant.tags = tags;
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = out.iter().flat_map(|v| &v.tags).find(|tag| !seen.insert(tag.as_str())) {
            let message = format!("discriminator value `{twice}` selects two variants; the union is decoded by trying each variant");
            self.warn(Code::Lenient, pointer, message);
            out.iter_mut().for_each(|v| v.tags.clear());
            return None;
        }
        Some(property.clone())
    }

    /// The string values a variant's own schema allows for `property`.
    pub(super) fn allowed_values(&self, schema: &ReferenceOr<Schema>, property: &str, pointer: &str) -> Vec<String> {
        let resolve = |schema: &ReferenceOr<Schema>| match schema {
            ReferenceOr::Item(schema) => Some(schema.clone()),
            ReferenceOr::Reference { reference } => self.resolve_schema(reference, pointer).ok(),
        };
        let Some(schema) = resolve(schema) else { return Vec::new() };
        let properties = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => &object.properties,
            SchemaKind::Any(any) => &any.properties,
            _ => return Vec::new(),
        };
        let Some(slot) = properties.get(property) else { return Vec::new() };
        let slot = match slot {
            ReferenceOr::Item(schema) => Some((**schema).clone()),
            ReferenceOr::Reference { reference } => self.resolve_schema(reference, pointer).ok(),
        };
        match slot.map(|s| s.schema_kind) {
            Some(SchemaKind::Type(Type::String(string))) => string.enumeration.into_iter().flatten().collect(),
            Some(SchemaKind::Any(any)) => any.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }

    /// An untagged union is decoded by trying each variant, so the enums that
    /// tell its variants apart (a variant itself, or a property of a variant)
    /// must refuse values they do not list: an `Other` would swallow the next
    /// variant's values. Those stay closed unless the document declares them open.
    pub(super) fn close_discriminating_enums(&mut self, variants: &[UnionVariant]) {
        if variants.len() < 2 {
            return;
        }
        let mut enums = Vec::new();
        for variant in variants {
            let Some(id) = self.named(&variant.ty) else { continue };
            match &self.types[id.0].kind {
                TypeKind::Enum(_) => enums.push(id),
                TypeKind::Struct(st) => enums.extend(st.fields.iter().filter_map(|f| self.named(&f.ty))),
                _ => {}
            }
        }
        for id in enums {
            if let TypeKind::Enum(e) = &mut self.types[id.0].kind {
                if !e.declared_open {
                    e.open = false;
                }
            }
        }
    }

    /// The named type `ty` is, through `Option`s and aliases.
    fn named(&self, ty: &TypeRef) -> Option<super::TypeId> {
        let mut ty = ty;
        for _ in 0..32 {
            match ty {
                TypeRef::Nullable(inner) => ty = inner,
                TypeRef::Named(id) => match &self.types.get(id.0)?.kind {
                    TypeKind::Alias(inner) => ty = inner,
                    _ => return Some(*id),
                },
                _ => return None,
            }
        }
        None
    }

    /// Sorts untagged variants so that serde's first match is the right one:
    /// narrow scalars before wide ones (an integer before a number, a date
    /// before a string), objects with more required properties before those
    /// with fewer, and catch-alls (maps, any JSON) last. The sort is stable, so
    /// equally specific variants keep the document's order.
    pub(super) fn order_untagged(&self, variants: &mut [UnionVariant]) {
        variants.sort_by_key(|v| self.specificity(&v.ty, 0));
    }

    /// Lower is tried first.
    fn specificity(&self, ty: &TypeRef, depth: usize) -> (u8, std::cmp::Reverse<usize>) {
        use std::cmp::Reverse;
        let rank = |r: u8| (r, Reverse(0));
        match ty {
            // Only a cycle reaches the bound: lowering holds chains of types to it.
            _ if depth > crate::depth::MAX_DEPTH => rank(6),
            TypeRef::Bool | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid => rank(0),
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => rank(1),
            TypeRef::F32 | TypeRef::F64 => rank(2),
            TypeRef::Array(_) | TypeRef::Tuple(_) | TypeRef::Base64 => rank(3),
            TypeRef::String | TypeRef::Raw | TypeRef::File => rank(4),
            TypeRef::EventStream(_) => rank(6),
            TypeRef::Map(_) | TypeRef::External(_) => rank(5),
            TypeRef::Json => rank(6),
            TypeRef::Nullable(inner) => self.specificity(inner, depth + 1),
            TypeRef::Named(id) => match &self.types[id.0].kind {
                TypeKind::Enum(e) if e.open => rank(4),
                TypeKind::Enum(_) => rank(0),
                TypeKind::Alias(inner) => self.specificity(inner, depth + 1),
                TypeKind::Struct(st) => (3, Reverse(st.fields.iter().filter(|f| f.required).count())),
                TypeKind::Union(_) => rank(3),
            },
        }
    }
}
