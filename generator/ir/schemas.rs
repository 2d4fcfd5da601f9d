//! Lowers JSON Schemas into [`TypeDef`]s and [`TypeRef`]s.

use std::collections::BTreeMap;

use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::all_of::Base;
use super::names::{self, Namespace};
use super::{
    Access, Constraints, EnumValue, EnumVariant, Enumeration, Field, Struct, TypeDef, TypeId, TypeKind, TypeRef, Union, UnionVariant,
    XmlName,
};
use crate::diagnostic::Code;
use crate::error::{Error, Result, Warning};
use crate::load::bundle::SOURCE_KEY;
use crate::load::pointer::{local_pointer, pointer_segments};
use crate::load::{Source, escape_segment};
use crate::normalize::resolve::{self, RefProblem};
use crate::normalize::{Document, kept};

/// Names that generated modules use themselves, so schemas cannot take them.
const RESERVED_TYPE_NAMES: &[&str] = &[];

/// Builds the type arena.
pub(super) struct TypeSpace<'d> {
    pub(super) source: &'d Source,
    pub(super) doc: &'d Document,
    pub(super) types: Vec<TypeDef>,
    pub(super) names: Namespace,
    pub(super) warnings: Vec<Warning>,
    /// Named schemas by the pointer a `$ref` uses.
    by_pointer: BTreeMap<String, TypeId>,
    /// Schemas currently being lowered, to stop alias cycles.
    in_progress: Vec<String>,
    /// References whose properties are being merged into an `allOf` struct.
    pub(super) merging: Vec<String>,
    /// Union variants made by distributing `allOf` parts over a union (see `all_of`).
    pub(super) distributed: usize,
    /// Types of schemas inlined from other files, by `x-clawgen-source`.
    by_source: BTreeMap<String, TypeRef>,
    /// The schemas `$ref`s named so far, by reference: large documents name
    /// the same few (an envelope, an error) hundreds of times.
    resolved: std::cell::RefCell<std::collections::HashMap<String, Schema>>,
    /// Which engine checks each pattern met so far (see `pattern_engine`).
    pattern_engines: std::collections::HashMap<String, std::result::Result<bool, String>>,
}

impl<'d> TypeSpace<'d> {
    pub(super) fn new(source: &'d Source, doc: &'d Document) -> Self {
        TypeSpace {
            source,
            doc,
            types: Vec::new(),
            names: Namespace::with_reserved(RESERVED_TYPE_NAMES),
            warnings: Vec::new(),
            by_pointer: BTreeMap::new(),
            in_progress: Vec::new(),
            merging: Vec::new(),
            distributed: 0,
            by_source: BTreeMap::new(),
            resolved: Default::default(),
            pattern_engines: Default::default(),
        }
    }

    pub(super) fn unsupported(&self, pointer: &str, feature: impl Into<String>) -> Error {
        Error::unsupported(self.source.location(pointer), feature)
    }

    pub(super) fn invalid(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::invalid(self.source.location(pointer), message)
    }

    /// An invalid-document error of a more specific `code` than [`Code::Invalid`].
    pub(super) fn invalid_as(&self, code: Code, pointer: &str, message: impl Into<String>) -> Error {
        Error::Invalid { code, location: self.source.location(pointer), message: message.into() }
    }

    pub(super) fn warn(&mut self, code: Code, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning::new(code, self.source.location(pointer), message));
    }

    /// Declares a named type whose kind is filled in later.
    pub(super) fn declare(&mut self, wanted: &str, pointer: &str) -> TypeId {
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            name: self.names.claim(names::type_name(wanted)),
            doc: None,
            kind: TypeKind::Alias(TypeRef::Json),
            pointer: pointer.to_owned(),
            example: None,
            gate: super::Gate::Always,
        });
        id
    }

    /// Declares every component schema up front, so that their names do not
    /// depend on the order in which operations happen to reach them.
    pub(super) fn declare_components(&mut self) -> Result<()> {
        let Some(components) = &self.doc.openapi.components else { return Ok(()) };
        let names: Vec<String> = components.schemas.keys().cloned().collect();
        for name in &names {
            let pointer = format!("/components/schemas/{}", escape_segment(name));
            let id = self.declare(name, &pointer);
            self.by_pointer.insert(pointer, id);
        }
        for name in names {
            let pointer = format!("/components/schemas/{}", escape_segment(&name));
            let id = self.by_pointer[&pointer];
            let schema = components.schemas[&name].clone();
            self.define(id, &schema, &pointer)?;
        }
        Ok(())
    }

    /// Fills in a declared type from its schema.
    fn define(&mut self, id: TypeId, schema: &ReferenceOr<Schema>, pointer: &str) -> Result<()> {
        let (kind, doc, example) = match schema {
            ReferenceOr::Reference { reference } => (TypeKind::Alias(self.reference(reference, pointer)?), None, None),
            ReferenceOr::Item(schema) => {
                let name = self.types[id.0].name.clone();
                let kind = self.kind_of(schema, pointer, &name)?;
                (kind, doc_of(schema).or_else(|| self.refinement_doc(schema)), schema.schema_data.example.clone())
            }
        };
        let def = &mut self.types[id.0];
        def.kind = kind;
        def.doc = doc;
        def.example = example;
        Ok(())
    }

    /// The type a `$ref` names.
    pub(super) fn reference(&mut self, reference: &str, pointer: &str) -> Result<TypeRef> {
        if let Some(id) = local_pointer(reference).and_then(|target| self.by_pointer.get(&target)) {
            return Ok(TypeRef::Named(*id));
        }
        // Refs to anything but a component (`$defs`, inline schemas) are declared when first met.
        let (target, value) = self.target_of(reference, pointer)?;
        // A reference back into a bundled file's content is that content's type.
        if let Some(ty) = value.get(SOURCE_KEY).and_then(Value::as_str).and_then(|key| self.by_source.get(key)) {
            return Ok(ty.clone());
        }
        // Read from the document where it is: a copy of the value first would cost as much again.
        let schema = <ReferenceOr<Schema> as serde::Deserialize>::deserialize(value)
            .map_err(|err| self.invalid(&target, format!("not a schema: {err}")))?;
        if self.in_progress.contains(&target) {
            return Err(self.invalid(pointer, format!("$ref cycle without an object in between through {reference}")));
        }
        let last = pointer_segments(&target).pop().filter(|last| !last.is_empty()).unwrap_or_else(|| "Schema".to_owned());
        let id = self.declare(&last, &target);
        self.by_pointer.insert(target.clone(), id);
        self.in_progress.push(target.clone());
        let result = self.define(id, &schema, &target);
        self.in_progress.pop();
        result?;
        Ok(TypeRef::Named(id))
    }

    /// The pointer (into the source) a local `$ref` names, and the normalised value there,
    /// found by the resolver `diff` and `validate` use too.
    pub(super) fn target_of(&self, reference: &str, pointer: &str) -> Result<(String, &'d Value)> {
        let doc: &'d Document = self.doc;
        match resolve::target(&doc.json, reference, pointer) {
            Ok(node) => Ok((node.pointer, node.value)),
            Err(unresolved) if unresolved.problem == RefProblem::NotLocal => {
                Err(self.unsupported(pointer, format!("$ref to another document ({reference})")))
            }
            Err(unresolved) => Err(self.invalid_as(unresolved.code(), pointer, unresolved.message())),
        }
    }

    /// What a `$ref` names (following chains of refs), read as a `what`, and where it is written.
    pub(super) fn resolve_as<T: serde::de::DeserializeOwned>(&self, reference: &str, pointer: &str, what: &str) -> Result<(T, String)> {
        let (mut reference, mut at) = (reference.to_owned(), pointer.to_owned());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..resolve::MAX_REF_CHAIN {
            let (target, value) = self.target_of(&reference, &at)?;
            if !seen.insert(target.clone()) {
                return Err(self.invalid(pointer, format!("$ref chain through {reference} does not end")));
            }
            match <ReferenceOr<T> as serde::Deserialize>::deserialize(value) {
                Ok(ReferenceOr::Item(item)) => return Ok((item, target)),
                Ok(ReferenceOr::Reference { reference: next }) => (reference, at) = (next, target),
                Err(err) => return Err(self.invalid(&target, format!("not a {what}: {err}"))),
            }
        }
        Err(crate::depth::too_deep(self.source.location(pointer), "this chain of `$ref`s"))
    }

    /// The schema a `$ref` points at (following chains of refs).
    pub(super) fn resolve_schema(&self, reference: &str, pointer: &str) -> Result<Schema> {
        if let Some(schema) = self.resolved.borrow().get(reference) {
            return Ok(schema.clone());
        }
        let (schema, _) = self.resolve_as::<Schema>(reference, pointer, "schema")?;
        self.resolved.borrow_mut().insert(reference.to_owned(), schema.clone());
        Ok(schema)
    }

    /// Lowers a schema that appears inline or by reference; `hint` names inline types.
    pub(super) fn lower(&mut self, schema: &ReferenceOr<Schema>, pointer: &str, hint: &str) -> Result<TypeRef> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
            ReferenceOr::Item(schema) => self.lower_inline(schema, pointer, hint),
        }
    }

    pub(super) fn lower_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, pointer: &str, hint: &str) -> Result<TypeRef> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
            ReferenceOr::Item(schema) => self.lower_inline(schema, pointer, hint),
        }
    }

    /// Lowers an inline schema, declaring a named type when it needs one.
    pub(super) fn lower_inline(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<TypeRef> {
        let nullable = is_nullable(schema);
        // A schema from another file is one type however often it was inlined.
        let source = schema.schema_data.extensions.get(SOURCE_KEY).and_then(Value::as_str).map(str::to_owned);
        if let Some(ty) = source.as_ref().and_then(|key| self.by_source.get(key)) {
            return Ok(if nullable && !matches!(ty, TypeRef::Nullable(_) | TypeRef::Json) {
                TypeRef::Nullable(Box::new(ty.clone()))
            } else {
                ty.clone()
            });
        }
        let hint = source.as_deref().map(source_name).filter(|n| !n.is_empty()).unwrap_or(hint).to_owned();
        let hint = hint.as_str();
        let ty = match self.anonymous(schema, pointer, hint)? {
            Some(ty) => ty,
            None => {
                let id = self.declare(hint, pointer);
                if let Some(key) = &source {
                    self.by_source.insert(key.clone(), TypeRef::Named(id));
                }
                let name = self.types[id.0].name.clone();
                let kind = self.kind_of(schema, pointer, &name)?;
                let doc = doc_of(schema).or_else(|| self.refinement_doc(schema));
                let def = &mut self.types[id.0];
                def.kind = kind;
                def.doc = doc;
                def.example = schema.schema_data.example.clone();
                TypeRef::Named(id)
            }
        };
        if let Some(key) = source {
            self.by_source.entry(key).or_insert_with(|| ty.clone());
        }
        Ok(if nullable && !matches!(ty, TypeRef::Nullable(_) | TypeRef::Json) { TypeRef::Nullable(Box::new(ty)) } else { ty })
    }

    /// The type of a schema that needs no name of its own, or `None` if it needs one.
    fn anonymous(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<Option<TypeRef>> {
        if kept::is_null_type(schema) {
            return Ok(Some(TypeRef::Json));
        }
        Ok(Some(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if s.enumeration.iter().all(Option::is_none) && open_values(schema).is_none() => {
                string_type(&s.format)
            }
            SchemaKind::Type(Type::Integer(i)) if i.enumeration.iter().all(Option::is_none) => integer_type(&i.format),
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(array)) if array.items.is_none() && kept::prefix_items(schema).is_some() => {
                self.tuple(schema, pointer, hint)?
            }
            SchemaKind::Type(Type::Array(array)) => {
                let item = match &array.items {
                    Some(items) => self.lower_boxed(items, &format!("{pointer}/items"), &format!("{hint}Item"))?,
                    None => TypeRef::Json,
                };
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(object)) if object.properties.is_empty() => {
                TypeRef::Map(Box::new(self.additional(&object.additional_properties, pointer, hint)?.unwrap_or(TypeRef::Json)))
            }
            SchemaKind::AllOf { all_of } if lone_part(all_of).is_some() => self.lone_part(all_of, pointer, hint)?,
            // Checks beside a lone `allOf` part (`minLength`, `example`) annotate it too; a
            // `required` list beside it (`{$ref: User, required: [id]}`) makes a type of its own.
            SchemaKind::Any(any) if wraps_lone_part(any) => self.lone_part(&any.all_of, pointer, hint)?,
            SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => {
                // `oneOf: [X, {type: null}]` is a nullable X, not a union.
                let concrete: Vec<&ReferenceOr<Schema>> = variants.iter().filter(|v| !is_null_schema(v)).collect();
                if self.open_enum_idiom(variants, pointer).is_some() {
                    return Ok(None);
                }
                if concrete.len() == 1 && concrete.len() < variants.len() {
                    let index = variants.iter().position(|v| !is_null_schema(v)).unwrap_or(0);
                    let inner = self.lower(concrete[0], &format!("{pointer}/{}/{index}", union_keyword(schema)), hint)?;
                    TypeRef::Nullable(Box::new(inner))
                } else {
                    return Ok(None);
                }
            }
            SchemaKind::Not { .. } => {
                self.warn(Code::Untyped, pointer, "`not` has no Rust type; the value is kept as serde_json::Value");
                TypeRef::Json
            }
            SchemaKind::Any(any)
                if any.properties.is_empty()
                    && any.all_of.is_empty()
                    && any.one_of.is_empty()
                    && any.any_of.is_empty()
                    && any.enumeration.is_empty() =>
            {
                if let Some(items) = &any.items {
                    TypeRef::Array(Box::new(self.lower_boxed(items, &format!("{pointer}/items"), &format!("{hint}Item"))?))
                } else if kept::prefix_items(schema).is_some() {
                    self.tuple(schema, pointer, hint)?
                } else if any.additional_properties.is_some() {
                    TypeRef::Map(Box::new(self.additional(&any.additional_properties, pointer, hint)?.unwrap_or(TypeRef::Json)))
                } else {
                    self.note_untyped(schema, pointer);
                    TypeRef::Json
                }
            }
            _ => return Ok(None),
        }))
    }

    /// The doc of a schema that only requires more of another's properties
    /// (`{$ref: User, required: [id]}`, `allOf: [{$ref: User}, {required: [id]}]`):
    /// "[`User`], with `id` required.", or the doc of the one inline part it requires more of.
    fn refinement_doc(&self, schema: &Schema) -> Option<String> {
        let (parts, own): (&[ReferenceOr<Schema>], &[String]) = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => (all_of, &[]),
            SchemaKind::Any(any) if is_bare(any) => (&any.all_of, &any.required),
            _ => return None,
        };
        fn only_required(part: &ReferenceOr<Schema>) -> Option<&Vec<String>> {
            match part {
                ReferenceOr::Item(item) => match &item.schema_kind {
                    SchemaKind::Any(any) if is_bare(any) && any.typ.is_none() && any.all_of.is_empty() => Some(&any.required),
                    _ => None,
                },
                ReferenceOr::Reference { .. } => None,
            }
        }
        let mut required: Vec<&str> = own.iter().map(String::as_str).collect();
        let mut refined = None;
        for part in parts {
            match only_required(part) {
                Some(names) => required.extend(names.iter().map(String::as_str)),
                None if refined.is_none() => refined = Some(part),
                None => return None,
            }
        }
        if required.is_empty() {
            return None;
        }
        match refined? {
            ReferenceOr::Reference { reference } => {
                let id = local_pointer(reference).and_then(|target| self.by_pointer.get(&target))?;
                let names: Vec<String> = required.iter().map(|name| format!("`{name}`")).collect();
                Some(format!("[`{}`], with {} required.", self.types[id.0].name, names.join(", ")))
            }
            ReferenceOr::Item(inline) => doc_of(inline),
        }
    }

    /// The type of the one schema in an `allOf` of it and annotations.
    fn lone_part(&mut self, all_of: &[ReferenceOr<Schema>], pointer: &str, hint: &str) -> Result<TypeRef> {
        match lone_part(all_of) {
            Some((index, part)) => self.lower(part, &format!("{pointer}/allOf/{index}"), hint),
            None => Ok(TypeRef::Json),
        }
    }

    /// `prefixItems` without `items`: a tuple. With `items` as well, the tail
    /// has no Rust type, and the whole array stays JSON.
    fn tuple(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<TypeRef> {
        let Some(items) = kept::prefix_items(schema) else { return Ok(TypeRef::Json) };
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("{pointer}/prefixItems/{index}");
            let item: ReferenceOr<Schema> =
                serde_json::from_value(item.clone()).map_err(|err| self.invalid(&at, format!("not a schema: {err}")))?;
            out.push(self.lower(&item, &at, &format!("{hint}Item{index}"))?);
        }
        Ok(TypeRef::Tuple(out))
    }

    /// Schemas that JSON Schema can express but Rust types cannot get a warning, never silence.
    fn note_untyped(&mut self, schema: &Schema, pointer: &str) {
        for keyword in kept::untyped_keywords(schema) {
            self.warn(Code::Untyped, pointer, format!("`{keyword}` has no Rust type; the value is kept as serde_json::Value"));
        }
    }

    pub(super) fn additional(&mut self, additional: &Option<AdditionalProperties>, pointer: &str, hint: &str) -> Result<Option<TypeRef>> {
        Ok(match additional {
            Some(AdditionalProperties::Schema(schema)) => {
                Some(self.lower(schema, &format!("{pointer}/additionalProperties"), &format!("{hint}Value"))?)
            }
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) | None => None,
        })
    }

    /// The kind of a named type.
    fn kind_of(&mut self, schema: &Schema, pointer: &str, name: &str) -> Result<TypeKind> {
        if let Some(ty) = self.anonymous(schema, pointer, name)? {
            return Ok(TypeKind::Alias(if is_nullable(schema) && !matches!(ty, TypeRef::Nullable(_) | TypeRef::Json) {
                TypeRef::Nullable(Box::new(ty))
            } else {
                ty
            }));
        }
        let open = openness(schema);
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let listed: Vec<EnumValue> = s.enumeration.iter().flatten().map(|v| EnumValue::Str(v.clone())).collect();
                match open_values(schema) {
                    Some(extensible) if listed.is_empty() => Ok(TypeKind::Enum(enumeration(extensible, Openness::Declared))),
                    _ => Ok(TypeKind::Enum(enumeration(listed, open))),
                }
            }
            SchemaKind::Type(Type::Integer(i)) => {
                Ok(TypeKind::Enum(enumeration(i.enumeration.iter().flatten().map(|v| EnumValue::Int(*v)).collect(), open)))
            }
            SchemaKind::Any(any) if !any.enumeration.is_empty() && any.properties.is_empty() => {
                let values: Option<Vec<EnumValue>> = any.enumeration.iter().filter(|v| !v.is_null()).map(enum_value).collect();
                match values {
                    Some(values) if same_kind(&values) => Ok(TypeKind::Enum(enumeration(values, open))),
                    _ => {
                        self.warn(
                            Code::Untyped,
                            pointer,
                            "an `enum` of values that are neither all strings nor all integers is kept as serde_json::Value",
                        );
                        Ok(TypeKind::Alias(TypeRef::Json))
                    }
                }
            }
            SchemaKind::Type(Type::Object(object)) => {
                let required: Vec<&str> = object.required.iter().map(String::as_str).collect();
                let properties: Vec<(String, ReferenceOr<Box<Schema>>)> = object.properties.clone().into_iter().collect();
                let mut st = self.object(&properties, &required, pointer, name)?;
                st.additional = self.additional(&object.additional_properties, pointer, name)?;
                st.additional_constraints = self.additional_constraints(&object.additional_properties, pointer);
                st.property_count = (object.min_properties.filter(|&n| n > 0), object.max_properties);
                Ok(TypeKind::Struct(st))
            }
            SchemaKind::Any(any) if any.all_of.is_empty() && any.one_of.is_empty() && any.any_of.is_empty() => {
                let required: Vec<&str> = any.required.iter().map(String::as_str).collect();
                let properties: Vec<(String, ReferenceOr<Box<Schema>>)> = any.properties.clone().into_iter().collect();
                let mut st = self.object(&properties, &required, pointer, name)?;
                st.additional = self.additional(&any.additional_properties, pointer, name)?;
                st.additional_constraints = self.additional_constraints(&any.additional_properties, pointer);
                st.property_count = (any.min_properties.filter(|&n| n > 0), any.max_properties);
                Ok(TypeKind::Struct(st))
            }
            SchemaKind::AllOf { all_of } => self.merge_all_of(all_of, None, pointer, name),
            // `type: object` beside `oneOf`/`anyOf` adds nothing a union lacks.
            SchemaKind::Any(any)
                if (!any.one_of.is_empty() || !any.any_of.is_empty()) && any.properties.is_empty() && any.all_of.is_empty() =>
            {
                let variants = if any.one_of.is_empty() { &any.any_of } else { &any.one_of };
                self.choice(schema, variants, pointer, name, open)
            }
            // Properties beside `allOf` parts or a union: merged, over the union's variants if there is one.
            SchemaKind::Any(any) if !any.all_of.is_empty() || !any.one_of.is_empty() || !any.any_of.is_empty() => {
                let mut own = schema.clone();
                if let SchemaKind::Any(own_any) = &mut own.schema_kind {
                    own_any.all_of.clear();
                }
                self.merge_all_of(&any.all_of, Some(own), pointer, name)
            }
            SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => {
                self.choice(schema, variants, pointer, name, open)
            }
            _ => {
                self.warn(Code::Untyped, pointer, "this combination of keywords has no Rust type; the value is kept as serde_json::Value");
                Ok(TypeKind::Alias(TypeRef::Json))
            }
        }
    }

    /// `oneOf`/`anyOf`: an enum where every variant is a constant or the list is
    /// the open-enum idiom, else a union.
    fn choice(&mut self, schema: &Schema, variants: &[ReferenceOr<Schema>], pointer: &str, name: &str, open: Openness) -> Result<TypeKind> {
        if let Some(listed) = self.constant_choices(variants, pointer) {
            return Ok(TypeKind::Enum(documented_enumeration(listed, open)));
        }
        if let Some(values) = self.open_enum_idiom(variants, pointer) {
            let open = if open == Openness::Closed { open } else { Openness::Declared };
            return Ok(TypeKind::Enum(enumeration(values, open)));
        }
        self.union(schema, variants, pointer, name, None)
    }

    /// `oneOf`/`anyOf`: a union, tagged where a discriminator tells the variants
    /// apart; with a `base`, each variant holds the base's properties too.
    pub(super) fn union(
        &mut self,
        schema: &Schema,
        variants: &[ReferenceOr<Schema>],
        pointer: &str,
        name: &str,
        base: Option<&Base>,
    ) -> Result<TypeKind> {
        let keyword = union_keyword(schema);
        let mut used = Namespace::default();
        let mut out = Vec::new();
        for (index, variant) in variants.iter().enumerate() {
            if is_null_schema(variant) {
                continue;
            }
            let at = format!("{pointer}/{keyword}/{index}");
            // An inline variant of a tagged union is named after its tag.
            let tag = match (variant, &schema.schema_data.discriminator) {
                (ReferenceOr::Item(_), Some(d)) => self.allowed_values(variant, &d.property_name, &at).into_iter().next(),
                _ => None,
            };
            let hint = match &tag {
                Some(tag) => format!("{name}{}", names::type_name(tag)),
                None => format!("{name}Variant{index}"),
            };
            let (ty, named) = match base {
                Some(base) if !self.includes(variant, base.identity.as_deref()) => {
                    let (merged, named) = Self::with_base(variant, base, name);
                    let hint = named.as_ref().filter(|_| tag.is_none()).map_or(hint.as_str(), |(hint, _)| hint.as_str());
                    let ty = self.lower(&merged, &at, hint)?;
                    if let TypeRef::Named(id) = &ty {
                        let form = match variant {
                            ReferenceOr::Reference { reference } => format!("`{}`", crate::load::pointer::ref_name(reference)),
                            ReferenceOr::Item(_) => format!("its variant {index}"),
                        };
                        let def = &mut self.types[id.0];
                        def.doc.get_or_insert_with(|| {
                            format!("One form of [`{name}`]: the properties every `{name}` has, with those of {form}.")
                        });
                    }
                    (ty, named.map(|(_, variant)| variant))
                }
                _ => (self.lower(variant, &at, &hint)?, None),
            };
            let wanted = match (&tag, named) {
                (Some(tag), _) => names::variant_name(tag),
                (None, Some(named)) => named,
                (None, None) => self.variant_label(&ty, index),
            };
            // A primitive branch's checks have no type to live in: the union keeps them.
            let constraints = if self.checks_itself(&ty) { Constraints::default() } else { self.constraints(variant, &at) };
            out.push(UnionVariant { name: used.claim(wanted), ty, constraints, tags: Vec::new() });
        }
        let tag = match &schema.schema_data.discriminator {
            Some(discriminator) => self.tag_variants(discriminator, variants, &mut out, pointer),
            None => None,
        };
        if tag.is_none() {
            self.close_discriminating_enums(&out);
            self.order_untagged(&mut out);
        }
        Ok(TypeKind::Union(Union { variants: out, tag }))
    }

    fn variant_label(&self, ty: &TypeRef, index: usize) -> String {
        match ty {
            TypeRef::Named(id) => self.types[id.0].name.clone(),
            TypeRef::Bool => "Boolean".into(),
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "Integer".into(),
            TypeRef::F32 | TypeRef::F64 => "Number".into(),
            TypeRef::String | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Base64 => "String".into(),
            TypeRef::Array(_) | TypeRef::Tuple(_) => "Array".into(),
            TypeRef::Map(_) => "Object".into(),
            TypeRef::Json | TypeRef::Nullable(_) | TypeRef::Raw | TypeRef::File | TypeRef::EventStream(_) | TypeRef::External(_) => {
                format!("Variant{index}")
            }
        }
    }

    pub(super) fn object(
        &mut self,
        properties: &[(String, ReferenceOr<Box<Schema>>)],
        required: &[&str],
        pointer: &str,
        name: &str,
    ) -> Result<Struct> {
        let mut field_names = Namespace::with_reserved(&["additional_properties"]);
        let mut fields = Vec::with_capacity(properties.len());
        for (wire_name, schema) in properties {
            let at = format!("{pointer}/properties/{}", escape_segment(wire_name));
            let hint = format!("{name}{}", names::type_name(wire_name));
            let (ty, nullable) = match self.lower_boxed(schema, &at, &hint)? {
                TypeRef::Nullable(inner) => (*inner, true),
                ty => (ty, false),
            };
            let inline = match schema {
                ReferenceOr::Item(schema) => Some(schema.as_ref()),
                ReferenceOr::Reference { .. } => None,
            };
            let access = match inline.map(|s| (s.schema_data.read_only, s.schema_data.write_only)) {
                Some((true, false)) => Access::ReadOnly,
                Some((false, true)) => Access::WriteOnly,
                _ => Access::Both,
            };
            // A required read-only property is absent from requests, and a
            // write-only one from responses: one Rust type serves both, so
            // neither can be required in it.
            let schema_required = required.contains(&wire_name.as_str());
            fields.push(Field {
                name: field_names.claim(names::field_name(wire_name)),
                wire_name: wire_name.clone(),
                doc: inline.and_then(doc_of),
                ty,
                required: schema_required && access == Access::Both,
                schema_required,
                example: inline.and_then(|s| s.schema_data.example.clone()),
                nullable,
                default: inline.and_then(|s| s.schema_data.default.clone()),
                constraints: self.constraints_boxed(schema, &at),
                access,
                boxed: false,
                xml: self.xml_name(wire_name, schema, &at)?,
            });
        }
        Ok(Struct { fields, ..Struct::default() })
    }

    /// How a property travels in XML, where its schema's `xml` object (or its items')
    /// says more than its name. A `$ref`'s target's `xml` applies where the property
    /// has none of its own, as tools that resolve references first read it.
    fn xml_name(&self, wire_name: &str, schema: &ReferenceOr<Box<Schema>>, at: &str) -> Result<Option<XmlName>> {
        let resolved = match schema {
            ReferenceOr::Item(schema) => schema.as_ref().clone(),
            ReferenceOr::Reference { reference } => self.resolve_schema(reference, at)?,
        };
        let items = match &resolved.schema_kind {
            SchemaKind::Type(Type::Array(array)) => match &array.items {
                Some(ReferenceOr::Item(item)) => Some(item.as_ref().clone()),
                Some(ReferenceOr::Reference { reference }) => Some(self.resolve_schema(reference, at)?),
                None => None,
            },
            _ => None,
        };
        let own = kept::xml(&resolved);
        let of_items = items.as_ref().and_then(kept::xml);
        if own.is_none() && of_items.is_none() {
            return Ok(None);
        }
        let text = |xml: Option<&serde_json::Map<String, Value>>, key: &str| {
            xml.and_then(|x| x.get(key)).and_then(Value::as_str).map(str::to_owned)
        };
        let flag = |xml: Option<&serde_json::Map<String, Value>>, key: &str| {
            xml.and_then(|x| x.get(key)).and_then(Value::as_bool).unwrap_or(false)
        };
        let mut unhonoured = Vec::new();
        for (xml, place) in [(own, format!("{at}/xml")), (of_items, format!("{at}/items/xml"))] {
            for key in xml.into_iter().flat_map(|x| x.keys()) {
                let node_type = xml.and_then(|x| x.get("nodeType")).and_then(Value::as_str);
                let honoured_node = key == "nodeType" && matches!(node_type, Some("element" | "attribute"));
                if matches!(key.as_str(), "namespace" | "prefix" | "nodeType") && !honoured_node {
                    unhonoured.push((format!("{place}/{key}"), key.clone()));
                }
            }
        }
        let list = items.is_some();
        let wrapped = list && flag(own, "wrapped");
        let mut attribute = flag(own, "attribute") || text(own, "nodeType").as_deref() == Some("attribute");
        let scalar =
            matches!(resolved.schema_kind, SchemaKind::Type(Type::String(_) | Type::Number(_) | Type::Integer(_) | Type::Boolean(_)));
        if attribute && !scalar {
            unhonoured.push((format!("{at}/xml/attribute"), "attribute".to_owned()));
            attribute = false;
        }
        let named = text(own, "name").unwrap_or_else(|| wire_name.to_owned());
        let (name, item) = match (list, wrapped) {
            // A list that is not wrapped repeats its items' elements: the list's own name is not written.
            (true, false) => {
                let item = text(of_items, "name").unwrap_or_else(|| wire_name.to_owned());
                (item.clone(), item)
            }
            (true, true) => (named.clone(), text(of_items, "name").unwrap_or(named)),
            (false, _) => (named.clone(), named),
        };
        Ok(Some(XmlName { name, attribute, wrapped, item, unhonoured }))
    }
}

/// A type name for content inlined from `file#/pointer`: the pointer's last
/// segment, or else the file's stem.
fn source_name(key: &str) -> &str {
    let (file, fragment) = key.split_once('#').unwrap_or((key, ""));
    match fragment.rsplit('/').next().filter(|s| !s.is_empty()) {
        Some(last) => last,
        None => std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or_default(),
    }
}

fn union_keyword(schema: &Schema) -> &'static str {
    match &schema.schema_kind {
        SchemaKind::AnyOf { .. } => "anyOf",
        SchemaKind::Any(any) if any.one_of.is_empty() && !any.any_of.is_empty() => "anyOf",
        _ => "oneOf",
    }
}

/// Unknown formats (`email`, `uri`, `hostname`…) are plain strings.
fn string_type(format: &VariantOrUnknownOrEmpty<StringFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => TypeRef::Base64,
        VariantOrUnknownOrEmpty::Unknown(format) if format.eq_ignore_ascii_case("uuid") => TypeRef::Uuid,
        _ => TypeRef::String,
    }
}

/// `int64` is the default: JSON integers are not bounded, and `i64` holds what real APIs send.
fn integer_type(format: &VariantOrUnknownOrEmpty<IntegerFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
        VariantOrUnknownOrEmpty::Unknown(format) => match format.as_str() {
            "int8" | "int16" => TypeRef::I32,
            "uint8" | "uint16" | "uint32" => TypeRef::U32,
            "uint64" | "uint" => TypeRef::U64,
            _ => TypeRef::I64,
        },
        _ => TypeRef::I64,
    }
}

pub(super) fn enum_value(value: &Value) -> Option<EnumValue> {
    match value {
        Value::String(text) => Some(EnumValue::Str(text.clone())),
        Value::Number(number) => number.as_i64().map(EnumValue::Int),
        _ => None,
    }
}

pub(super) fn same_kind(values: &[EnumValue]) -> bool {
    values.iter().all(|v| matches!(v, EnumValue::Str(_))) || values.iter().all(|v| matches!(v, EnumValue::Int(_)))
}

fn enumeration(values: Vec<EnumValue>, open: Openness) -> Enumeration {
    documented_enumeration(values.into_iter().map(|value| ListedValue { value, title: None, doc: None }).collect(), open)
}

/// One value of an enum as the document lists it, with the `title` and
/// `description` a `oneOf` of `const`s gives each.
pub(super) struct ListedValue {
    pub(super) value: EnumValue,
    pub(super) title: Option<String>,
    pub(super) doc: Option<String>,
}

/// An enum of `listed`, each variant named after its title where it has one
/// (`DM` for `const: 1`), else after its value.
fn documented_enumeration(listed: Vec<ListedValue>, open: Openness) -> Enumeration {
    // A constant is what tells objects apart: it stays closed.
    let open = if listed.len() == 1 && open == Openness::Readers { Openness::Closed } else { open };
    // An open enum's catch-all variant is `Other`; the name is reserved either way,
    // so that a variant keeps its name when a later pass closes the enum.
    let mut used = Namespace::with_reserved(&["Other"]);
    let mut variants: Vec<EnumVariant> = Vec::new();
    for ListedValue { value, title, doc } in listed {
        if variants.iter().any(|v| v.value == value) {
            continue;
        }
        let titled = title.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(names::variant_name);
        let wanted = titled.unwrap_or_else(|| match &value {
            EnumValue::Str(text) => names::variant_name(text),
            EnumValue::Int(number) if *number < 0 => format!("Minus{}", number.unsigned_abs()),
            EnumValue::Int(number) => format!("V{number}"),
        });
        variants.push(EnumVariant { name: used.claim(wanted), value, doc });
    }
    Enumeration { variants, open: open != Openness::Closed, declared_open: open == Openness::Declared }
}

/// Who accepts values an enum does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Openness {
    /// Nobody: `x-clawgen-closed-enum: true`, where the API guarantees its set.
    Closed,
    /// Readers (decoding keeps them as `Other`); the server refuses them in requests. The default.
    Readers,
    /// Everyone: the document says the list will grow.
    Declared,
}

/// How open the schema's `enum` is: declared open by `x-clawgen-open-enum: true`
/// or Azure's `x-ms-enum: {modelAsString: true}`, closed by `x-clawgen-closed-enum: true`.
fn openness(schema: &Schema) -> Openness {
    let ext = &schema.schema_data.extensions;
    let flag = |key: &str| ext.get(key).and_then(Value::as_bool).unwrap_or(false);
    if flag("x-clawgen-closed-enum") {
        Openness::Closed
    } else if flag("x-clawgen-open-enum")
        || ext.get("x-ms-enum").and_then(|e| e.get("modelAsString")).and_then(Value::as_bool).unwrap_or(false)
    {
        Openness::Declared
    } else {
        Openness::Readers
    }
}

/// The values of Zalando's `x-extensible-enum`: known values of a string that may take others.
fn open_values(schema: &Schema) -> Option<Vec<EnumValue>> {
    let values = schema.schema_data.extensions.get("x-extensible-enum")?.as_array()?;
    values.iter().map(|v| v.as_str().map(|text| EnumValue::Str(text.to_owned()))).collect()
}

/// Whether the schema accepts `null`: `nullable` (which normalisation also writes
/// for a 3.1 `type` list with `null`), or `null` alone.
pub(super) fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable || kept::is_null_type(schema) || has_null_alternative(schema)
}

/// `oneOf`/`anyOf` with a `{type: null}` alternative: `null` is a value, however
/// many other alternatives there are (the union itself leaves the null one out).
fn has_null_alternative(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => variants.iter().any(is_null_schema),
        _ => false,
    }
}

/// Whether a `oneOf`/`anyOf` alternative accepts `null` only.
pub(super) fn is_null_schema(schema: &ReferenceOr<Schema>) -> bool {
    matches!(schema, ReferenceOr::Item(s) if kept::is_null_type(s))
}

/// `$ref` with annotation siblings, which normalisation spelled as a one-element
/// `allOf`; 3.0 documents write the same by hand. Both mean the reference.
/// `allOf: [X, {description: …}]`: one schema, the other parts only
/// annotating it. Returns it and its index.
fn lone_part(all_of: &[ReferenceOr<Schema>]) -> Option<(usize, &ReferenceOr<Schema>)> {
    let mut substantive = all_of.iter().enumerate().filter(|(_, part)| !is_annotation(part));
    match (substantive.next(), substantive.next()) {
        (Some(lone), None) => Some(lone),
        _ => None,
    }
}

/// An untyped schema that only annotates the one substantive part of its `allOf`.
fn wraps_lone_part(any: &AnySchema) -> bool {
    is_bare(any) && any.required.is_empty() && lone_part(&any.all_of).is_some()
}

/// The one schema that `schema` only wraps, making it nullable or annotating
/// it: the type of `schema` is that schema's.
fn wrapped(schema: &Schema) -> Option<&ReferenceOr<Schema>> {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => {
            let mut concrete = variants.iter().filter(|v| !is_null_schema(v));
            match (concrete.next(), concrete.next()) {
                (Some(only), None) if variants.len() > 1 => Some(only),
                _ => None,
            }
        }
        SchemaKind::AllOf { all_of } => lone_part(all_of).map(|(_, part)| part),
        SchemaKind::Any(any) if wraps_lone_part(any) => lone_part(&any.all_of).map(|(_, part)| part),
        _ => None,
    }
}

/// A schema that constrains nothing a Rust type expresses: only a
/// description, an example, a default, or value checks. (`required` is
/// expressed: `allOf: [X, {required: [a]}]` is X with `a` required.)
fn is_annotation(part: &ReferenceOr<Schema>) -> bool {
    match part {
        ReferenceOr::Reference { .. } => false,
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::Any(any) => is_bare(any) && any.typ.is_none() && any.all_of.is_empty() && any.required.is_empty(),
            _ => false,
        },
    }
}

/// An untyped schema without structure: no properties, items, unions or values.
pub(super) fn is_bare(any: &AnySchema) -> bool {
    any.properties.is_empty()
        && any.items.is_none()
        && any.additional_properties.is_none()
        && any.one_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none()
        && any.enumeration.is_empty()
}

pub(super) fn doc_of(schema: &Schema) -> Option<String> {
    let data = &schema.schema_data;
    match (&data.title, &data.description) {
        (Some(title), Some(description)) if description != title => Some(format!("{title}\n\n{description}")),
        (_, Some(text)) | (Some(text), None) => Some(text.clone()),
        (None, None) => None,
    }
}

impl TypeSpace<'_> {
    /// Whether values of `ty` carry their own checks (a struct's, a union's, an
    /// enum's), so that a schema's constraints need not be kept beside it.
    fn checks_itself(&self, ty: &TypeRef) -> bool {
        let mut ty = ty;
        // Bounded: an alias cycle has no Rust type anyway.
        for _ in 0..64 {
            let TypeRef::Named(id) = ty else { return false };
            match &self.types[id.0].kind {
                TypeKind::Alias(inner) => ty = inner,
                _ => return true,
            }
        }
        true
    }

    /// The constraints of a schema, following a `$ref` to a constrained primitive.
    /// Patterns the Rust `regex` crate rejects (look-around, back-references) are
    /// dropped with a warning rather than checked wrongly.
    pub(super) fn constraints(&mut self, schema: &ReferenceOr<Schema>, pointer: &str) -> Constraints {
        match schema {
            ReferenceOr::Item(schema) => self.inline_constraints(schema, pointer),
            ReferenceOr::Reference { reference } => self.referenced_constraints(reference, pointer),
        }
    }

    /// Like [`TypeSpace::constraints`] for a boxed schema.
    pub(super) fn constraints_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, pointer: &str) -> Constraints {
        match schema {
            ReferenceOr::Item(schema) => self.inline_constraints(schema, pointer),
            ReferenceOr::Reference { reference } => self.referenced_constraints(reference, pointer),
        }
    }

    /// A schema's own constraints or, where it has none and only wraps another
    /// (`oneOf: [{type: null}, {$ref}]`, `allOf: [{$ref}]` with annotations),
    /// those of the schema it wraps, which give it its type too.
    fn inline_constraints(&mut self, schema: &Schema, pointer: &str) -> Constraints {
        let own = constraints_of(schema, &|reference| self.resolve_schema(reference, pointer).ok(), 0);
        let own = self.checked(own, pointer);
        match wrapped(schema) {
            Some(inner) if own == Constraints::default() => self.constraints(inner, pointer),
            _ => own,
        }
    }

    /// The constraints of a struct's additional properties, each checked as a map's value is.
    pub(super) fn additional_constraints(&mut self, additional: &Option<AdditionalProperties>, pointer: &str) -> Option<Box<Constraints>> {
        let values = *value_constraints(additional, &|reference| self.resolve_schema(reference, pointer).ok(), 0)?;
        Some(Box::new(self.checked(values, &format!("{pointer}/additionalProperties")))).filter(|values| !values.is_empty())
    }

    fn referenced_constraints(&mut self, reference: &str, pointer: &str) -> Constraints {
        let resolve = |reference: &str| self.resolve_schema(reference, pointer).ok();
        let constraints = resolve(reference).map(|s| constraints_of(&s, &resolve, 0)).unwrap_or_default();
        self.checked(constraints, pointer)
    }

    fn checked(&mut self, mut c: Constraints, pointer: &str) -> Constraints {
        // An item's, a value's or a key's pattern is compiled by the same generated code.
        for inner in [&mut c.items, &mut c.values, &mut c.keys] {
            if let Some(boxed) = inner.take() {
                *inner = Some(Box::new(self.checked(*boxed, pointer))).filter(|kept| !kept.is_empty());
            }
        }
        if let Some(pattern) = &c.pattern {
            match self.pattern_engine(pattern) {
                Ok(backtracking) => c.backtracking_pattern = backtracking,
                Err(reason) => {
                    self.warn(Code::Unchecked, pointer, format!("`pattern` {pattern:?} is not checked: {reason}"));
                    c.pattern = None;
                }
            }
        }
        c
    }

    /// Which engine checks `pattern`: `regex` (`Ok(false)`), else the backtracking
    /// `fancy-regex` for look-around and back-references (`Ok(true)`), else why neither
    /// can. Decided once per pattern: large documents repeat theirs hundreds of times.
    fn pattern_engine(&mut self, pattern: &str) -> std::result::Result<bool, String> {
        if let Some(verdict) = self.pattern_engines.get(pattern) {
            return verdict.clone();
        }
        let verdict = match regex::Regex::new(pattern) {
            Ok(_) => Ok(false),
            Err(refused) => match fancy_regex::Regex::new(pattern) {
                Ok(_) => Ok(true),
                Err(_) => {
                    let first_line = refused.to_string().lines().last().unwrap_or_default().trim().to_owned();
                    Err(format!("the Rust regex engines reject it ({first_line})"))
                }
            },
        };
        self.pattern_engines.insert(pattern.to_owned(), verdict.clone());
        verdict
    }
}

/// Resolves a `$ref` to the schema it names, where it can.
type Resolve<'a> = &'a dyn Fn(&str) -> Option<Schema>;

/// How many `$ref`s deep an item's or a value's constraints are followed: enough for
/// any real nesting, and a bound for an array whose items are itself.
const CONSTRAINT_DEPTH: usize = 16;

fn constraints_of(schema: &Schema, resolve: Resolve<'_>, depth: usize) -> Constraints {
    let mut c = Constraints::default();
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(i)) => {
            // Bounds the Rust type keeps by itself (`minimum: 0` of a `u32`) are no checks.
            let (lowest, highest) = match integer_type(&i.format) {
                TypeRef::I32 => (f64::from(i32::MIN), f64::from(i32::MAX)),
                TypeRef::U32 => (0.0, f64::from(u32::MAX)),
                TypeRef::U64 => (0.0, u64::MAX as f64),
                _ => (i64::MIN as f64, i64::MAX as f64),
            };
            c.minimum = i.minimum.map(|m| (m as f64, i.exclusive_minimum)).filter(|&(m, exclusive)| m > lowest || exclusive && m == lowest);
            c.maximum =
                i.maximum.map(|m| (m as f64, i.exclusive_maximum)).filter(|&(m, exclusive)| m < highest || exclusive && m == highest);
            // Every integer is a multiple of 1.
            c.multiple_of = i.multiple_of.filter(|&m| m > 1).map(|m| m as f64);
        }
        SchemaKind::Type(Type::Number(n)) => {
            c.minimum = n.minimum.map(|m| (m, n.exclusive_minimum));
            c.maximum = n.maximum.map(|m| (m, n.exclusive_maximum));
            c.multiple_of = n.multiple_of.filter(|&m| m > 0.0 && m.is_finite());
            let listed: Vec<f64> = n.enumeration.iter().flatten().copied().collect();
            c.listed = (!listed.is_empty()).then_some(super::Listed::Numbers(listed));
        }
        SchemaKind::Type(Type::Boolean(b)) => {
            let listed: Vec<bool> = b.enumeration.iter().flatten().copied().collect();
            c.listed = match (listed.contains(&true), listed.contains(&false)) {
                (true, false) => Some(super::Listed::Boolean(true)),
                (false, true) => Some(super::Listed::Boolean(false)),
                _ => None,
            };
        }
        SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty() => {
            c.min_length = s.min_length.filter(|&n| n > 0);
            c.max_length = s.max_length;
            c.pattern = s.pattern.clone();
            if let VariantOrUnknownOrEmpty::Unknown(format) = &s.format {
                c.format = super::CheckedFormat::named(format);
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            c.min_items = a.min_items.filter(|&n| n > 0);
            c.max_items = a.max_items;
            c.unique_items = a.unique_items;
            c.items = match &a.items {
                Some(ReferenceOr::Item(items)) => inner_constraints(Ok(items), resolve, depth),
                Some(ReferenceOr::Reference { reference }) => inner_constraints(Err(reference), resolve, depth),
                None => None,
            };
        }
        // A struct counts its properties itself; a map's count is a constraint of where it is used.
        SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => {
            c.min_properties = o.min_properties.filter(|&n| n > 0);
            c.max_properties = o.max_properties;
            c.values = value_constraints(&o.additional_properties, resolve, depth);
            c.keys = key_constraints(schema, resolve, depth);
        }
        SchemaKind::Any(any) if any.properties.is_empty() && any.additional_properties.is_some() => {
            c.min_properties = any.min_properties.filter(|&n| n > 0);
            c.max_properties = any.max_properties;
            c.values = value_constraints(&any.additional_properties, resolve, depth);
            c.keys = key_constraints(schema, resolve, depth);
        }
        // Scalar parts: a value keeps to each part's constraints.
        SchemaKind::AllOf { all_of } if depth < CONSTRAINT_DEPTH => {
            let parts: Vec<Schema> = all_of
                .iter()
                .filter_map(|part| match part {
                    ReferenceOr::Item(schema) => Some(schema.clone()),
                    ReferenceOr::Reference { reference } => resolve(reference),
                })
                .collect();
            if parts.len() == all_of.len() && super::all_of::all_scalar(&parts) {
                c = parts.iter().map(|part| constraints_of(part, resolve, depth + 1)).fold(c, super::all_of::intersect);
            }
        }
        _ => {}
    }
    c
}

/// The constraints of a map's keys, from its `propertyNames` (see [`kept::property_names`]).
fn key_constraints(schema: &Schema, resolve: Resolve<'_>, depth: usize) -> Option<Box<Constraints>> {
    let written = kept::property_names(schema)?;
    let names: Schema = serde_json::from_value(written.clone()).ok()?;
    let mut keys = constraints_of(&names, resolve, depth + 1);
    keys.listed = written.as_object().and_then(kept::listed_texts).map(super::Listed::Texts);
    Some(Box::new(keys)).filter(|keys| !keys.is_empty())
}

/// The constraints of a map's values, read as an array's items are.
fn value_constraints(additional: &Option<AdditionalProperties>, resolve: Resolve<'_>, depth: usize) -> Option<Box<Constraints>> {
    match additional {
        Some(AdditionalProperties::Schema(schema)) => match &**schema {
            ReferenceOr::Item(values) => inner_constraints(Ok(values), resolve, depth),
            ReferenceOr::Reference { reference } => inner_constraints(Err(reference), resolve, depth),
        },
        _ => None,
    }
}

/// The constraints of an array's items or a map's values, inline or behind a `$ref`:
/// a named primitive (`SnowflakeType`, a string with a pattern) has no `Validate` of
/// its own, so its constraints are checked where it is used; a named struct gives none
/// here, as it checks itself.
/// `schema` is the inline schema, or the `$ref` that names it.
fn inner_constraints(schema: std::result::Result<&Schema, &str>, resolve: Resolve<'_>, depth: usize) -> Option<Box<Constraints>> {
    let inner = match schema {
        Ok(inline) => constraints_of(inline, resolve, depth + 1),
        Err(reference) if depth < CONSTRAINT_DEPTH => {
            resolve(reference).map(|named| constraints_of(&named, resolve, depth + 1)).unwrap_or_default()
        }
        Err(_) => Constraints::default(),
    };
    Some(Box::new(inner)).filter(|inner| !inner.is_empty())
}

#[cfg(test)]
pub(super) mod tests {
    use crate::diagnostic::Code;
    use crate::ir::{Api, Constraints, TypeKind};

    /// The lowered document with `paths` and `schemas` (YAML, indented to their place), and its warnings.
    pub(in crate::ir) fn lowered(paths: &str, schemas: &str) -> (Api, Vec<crate::error::Warning>) {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\npaths:\n{paths}\ncomponents:\n  schemas:\n{schemas}");
        let source = crate::load::Source::parse(std::path::Path::new("t.yaml"), text).expect("parses");
        let doc = crate::normalize::normalize(&source).expect("normalizes");
        crate::ir::lower(&source, &doc, "t").expect("lowers")
    }

    fn limits(min_length: Option<usize>, max_length: Option<usize>) -> Option<Box<Constraints>> {
        Some(Box::new(Constraints { min_length, max_length, ..Constraints::default() }))
    }

    #[test]
    fn listed_numbers_and_booleans_are_checks_of_the_plain_type() {
        use crate::ir::{Listed, TypeRef};
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Flag: {enum: [true]}
    Switch:
      type: object
      properties:
        on: {type: boolean, enum: [true]}
        off: {const: false}
        either: {type: boolean, enum: [true, false]}
        ratio: {type: number, enum: [0.5, 1.5]}
        scale: {enum: [0.25, 4, null]}
        flag: {$ref: '#/components/schemas/Flag'}
        both: {allOf: [{type: boolean}, {enum: [true]}]}
"#,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(matches!(api.types.iter().find(|def| def.name == "Flag").expect("Flag").kind, TypeKind::Alias(TypeRef::Bool)));
        let TypeKind::Struct(switch) = &api.types.iter().find(|def| def.name == "Switch").expect("Switch").kind else {
            panic!("Switch is a struct")
        };
        let field = |name: &str| switch.fields.iter().find(|f| f.wire_name == name).expect("the field");
        assert_eq!(field("on").ty, TypeRef::Bool);
        assert_eq!(field("on").constraints.listed, Some(Listed::Boolean(true)));
        assert_eq!(field("off").ty, TypeRef::Bool, "an untyped const of a boolean is a bool");
        assert_eq!(field("off").constraints.listed, Some(Listed::Boolean(false)));
        assert_eq!(field("either").constraints.listed, None, "both booleans allow every boolean");
        assert_eq!(field("ratio").constraints.listed, Some(Listed::Numbers(vec![0.5, 1.5])));
        assert_eq!((&field("scale").ty, field("scale").nullable), (&TypeRef::F64, true), "null listed too: a nullable number");
        assert_eq!(field("scale").constraints.listed, Some(Listed::Numbers(vec![0.25, 4.0])));
        assert_eq!(field("flag").constraints.listed, Some(Listed::Boolean(true)), "checked where the alias is used");
        assert_eq!(field("both").constraints.listed, Some(Listed::Boolean(true)), "an allOf's parts together");
    }

    #[test]
    fn a_required_list_beside_a_ref_requires_those_properties() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    User:
      type: object
      properties: {id: {type: string}, name: {type: string}}
    Admin: {$ref: '#/components/schemas/User', required: [id]}
    Team:
      type: object
      properties:
        lead: {$ref: '#/components/schemas/User', required: [id, name]}
        member: {$ref: '#/components/schemas/User', description: only annotated}
"#,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let def = |name: &str| api.types.iter().find(|def| def.name == name).unwrap_or_else(|| panic!("{name}"));
        let required = |name: &str| match &def(name).kind {
            TypeKind::Struct(st) => st.fields.iter().filter(|f| f.required).map(|f| f.wire_name.clone()).collect::<Vec<_>>(),
            other => panic!("{name} is a struct, not {other:?}"),
        };
        assert_eq!(required("Admin"), ["id"]);
        assert_eq!(def("Admin").doc.as_deref(), Some("[`User`], with `id` required."));
        assert_eq!(required("TeamLead"), ["id", "name"]);
        let TypeKind::Struct(team) = &def("Team").kind else { panic!("Team is a struct") };
        let member = team.fields.iter().find(|f| f.wire_name == "member").expect("member");
        assert_eq!(
            member.ty,
            crate::ir::TypeRef::Named(api.types.iter().position(|d| d.name == "User").map(crate::ir::TypeId).expect("User"))
        );
    }

    #[test]
    fn a_maps_values_keep_their_constraints_in_a_property() {
        let (api, warnings) = lowered(
            "  {}",
            r#"
    Message:
      type: object
      properties:
        metadata: {type: object, maxProperties: 5, additionalProperties: {type: string, maxLength: 2000}}
        loose: {type: object, additionalProperties: {type: string}}
        named: {type: object, additionalProperties: {$ref: '#/components/schemas/Text'}}
        odd: {type: object, additionalProperties: {type: string, pattern: '(?=a)'}}
        broken: {type: object, additionalProperties: {type: string, pattern: '([a'}}
        lists: {type: object, additionalProperties: {type: array, maxItems: 2, items: {type: string, minLength: 1}}}
        ids: {type: array, items: {$ref: '#/components/schemas/Text'}}
        loop: {$ref: '#/components/schemas/Loop'}
      additionalProperties: {type: string, minLength: 2}
    Text: {type: string, maxLength: 3}
    Loop: {type: array, maxItems: 4, items: {$ref: '#/components/schemas/Loop'}}
"#,
        );
        let TypeKind::Struct(message) = &api.types.iter().find(|def| def.name == "Message").expect("Message").kind else {
            panic!("Message is a struct")
        };
        assert_eq!(message.additional_constraints, limits(Some(2), None), "a struct's additional properties");
        assert!(message.validates);
        let constraints = |name: &str| message.fields.iter().find(|f| f.wire_name == name).expect("the field").constraints.clone();
        let metadata = constraints("metadata");
        assert_eq!(metadata.max_properties, Some(5));
        assert_eq!(metadata.values, limits(None, Some(2000)));
        assert_eq!(constraints("loose").values, None, "nothing to check");
        // A named primitive has no `Validate`: its constraints are checked where it is used.
        assert_eq!(constraints("named").values, limits(None, Some(3)), "a map's values behind a $ref");
        assert_eq!(constraints("ids").items, limits(None, Some(3)), "an array's items behind a $ref");
        // An array whose items are itself: followed to a bound, not forever.
        let mut depth = 0;
        let mut inner = Some(Box::new(constraints("loop")));
        while let Some(c) = inner {
            assert_eq!(c.max_items, Some(4));
            depth += 1;
            inner = c.items;
        }
        assert!((2..=20).contains(&depth), "{depth}");
        let odd = constraints("odd").values.expect("a look-ahead is checked");
        assert!(odd.backtracking_pattern, "by the backtracking engine");
        assert_eq!(constraints("broken").values, None, "a pattern no engine compiles is dropped");
        assert!(warnings.iter().any(|w| w.code == Code::Unchecked && w.message.contains("([a")), "{warnings:?}");
        assert!(!warnings.iter().any(|w| w.message.contains("(?=a)")), "{warnings:?}");
        let lists = constraints("lists").values.expect("the lists' constraints");
        assert_eq!((lists.max_items, lists.items), (Some(2), limits(Some(1), None)));
    }

    #[test]
    fn a_body_carries_the_constraints_of_its_schema_but_not_those_of_a_struct_it_names() {
        let (api, _) = lowered(
            r#"
  /inline:
    put:
      requestBody:
        content:
          application/json:
            schema: {type: object, maxProperties: 5, additionalProperties: {type: string, maxLength: 2000}}
      responses: {'204': {description: ok}}
  /counts:
    put:
      requestBody:
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/Counts'}
      responses: {'204': {description: ok}}
  /struct:
    put:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Bounded'}
      responses: {'204': {description: ok}}"#,
            r#"
    Counts: {type: object, minProperties: 1, additionalProperties: {type: integer, maximum: 9}}
    Bounded:
      type: object
      maxProperties: 1
      properties:
        name: {type: string, maxLength: 3}
"#,
        );
        let body = |path: &str| {
            api.operations.iter().find(|op| op.path == path).and_then(|op| op.body.as_ref()).expect("a body").constraints.clone()
        };
        let inline = body("/inline");
        assert_eq!((inline.max_properties, inline.values), (Some(5), limits(None, Some(2000))));
        let counts = body("/counts");
        assert_eq!(counts.min_properties, Some(1), "an alias has no Validate of its own: the body checks it");
        assert_eq!(counts.values.and_then(|v| v.maximum), Some((9.0, false)));
        assert!(body("/struct").is_empty(), "the struct's own Validate counts its properties");
    }

    #[test]
    fn a_pattern_of_map_values_or_additional_properties_needs_the_regex_crate() {
        let body = "  /a:\n    put:\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object, additionalProperties: {type: string, pattern: '^a'}}\n      responses: {'204': {description: ok}}";
        assert!(lowered(body, "    Unused: {type: string}\n").0.uses_patterns(), "a body's map values");
        let additional = "    S: {type: object, properties: {a: {type: string}}, additionalProperties: {type: string, pattern: '^a'}}\n";
        assert!(lowered("  {}", additional).0.uses_patterns(), "a struct's additional properties");
        assert!(!lowered("  {}", "    S: {type: object, additionalProperties: {type: string}}\n").0.uses_patterns());
    }
}
