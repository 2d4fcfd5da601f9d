//! Identical inline schemas share one Rust type.
//!
//! Large documents repeat the same anonymous schema under many operations
//! (Cloudflare writes `{format: JSON | CSV}` 197 times, an error item
//! `{message}` 195 times). Each copy would be a type with its own impls, and
//! half of Cloudflare's types were such copies. An inline type identical to
//! one met before it (same fields with the same docs, checks, defaults and
//! examples, same variants) becomes an alias of that one (`pub type B = A;`):
//! it keeps its name, doc and example, so code that names it reads the same.
//!
//! Query structs (an operation's parameters) share only with query structs:
//! list endpoints often take the same `page` and `per_page`.
//!
//! Component schemas are never made aliases: the document names them as
//! distinct types, and a user may implement their own traits on each. An
//! inline copy of a component becomes an alias of the component, which is
//! declared first.
//!
//! Types count as identical only when their references already point at the
//! same types, repeated until nothing changes: mutually recursive copies stay
//! apart, which costs lines, never correctness.

use std::collections::{BTreeSet, HashMap};

use super::{TypeDef, TypeId, TypeKind, TypeRef};

/// Turns every inline type identical to an earlier one into an alias of it.
pub(super) fn share_identical_inline_types(types: &mut [TypeDef], query_structs: &BTreeSet<TypeId>) {
    let mut same_as: Vec<TypeId> = (0..types.len()).map(TypeId).collect();
    // What stays the same from round to round is written once: each type's
    // shape apart from its references, and those references.
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let parts: Vec<Option<(usize, Vec<TypeId>)>> = types
        .iter()
        .enumerate()
        .map(|(index, def)| {
            if matches!(def.kind, TypeKind::Alias(_)) {
                return None;
            }
            let (shape, references) = shape(def, query_structs.contains(&TypeId(index)));
            let next = shapes.len();
            Some((*shapes.entry(shape).or_insert(next), references))
        })
        .collect();
    loop {
        let mut first_of: HashMap<(usize, Vec<TypeId>), TypeId> = HashMap::new();
        let mut changed = false;
        for (index, part) in parts.iter().enumerate() {
            let Some((shape, references)) = part else { continue };
            if same_as[index].0 != index {
                continue;
            }
            let key = (*shape, references.iter().map(|id| representative(*id, &same_as)).collect());
            match first_of.get(&key) {
                Some(&earlier) if !is_component(&types[index]) => {
                    same_as[index] = earlier;
                    changed = true;
                }
                Some(_) => {}
                None => {
                    first_of.insert(key, TypeId(index));
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (index, target) in same_as.into_iter().enumerate() {
        if target.0 != index {
            types[index].kind = TypeKind::Alias(TypeRef::Named(target));
        }
    }
}

/// Whether the document names the type (`#/components/schemas/<name>`).
fn is_component(def: &TypeDef) -> bool {
    def.pointer.strip_prefix("/components/schemas/").is_some_and(|name| !name.contains('/'))
}

/// What makes two types interchangeable, in two parts: the shape with every
/// reference to a type taken out, with the example and whether it is a query
/// struct, and the types it refers to, in order. Two types are the same when
/// their shapes are and their references have the same representatives. The
/// name, doc and pointer are not part of it.
fn shape(def: &TypeDef, query_struct: bool) -> (String, Vec<TypeId>) {
    let mut kind = def.kind.clone();
    let mut references = Vec::new();
    let mut take = |ty: &mut TypeRef| take_references(ty, &mut references);
    match &mut kind {
        TypeKind::Struct(st) => {
            st.fields.iter_mut().for_each(|field| take(&mut field.ty));
            st.additional.iter_mut().for_each(take);
        }
        TypeKind::Union(union) => union.variants.iter_mut().for_each(|variant| take(&mut variant.ty)),
        TypeKind::Enum(_) | TypeKind::Alias(_) => {}
    }
    (format!("{query_struct}{kind:?}{:?}", def.example), references)
}

/// Moves the types `ty` names into `references`, leaving a placeholder.
fn take_references(ty: &mut TypeRef, references: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(id) => references.push(std::mem::replace(id, TypeId(usize::MAX))),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::EventStream(inner) => {
            take_references(inner, references)
        }
        TypeRef::Tuple(items) => items.iter_mut().for_each(|item| take_references(item, references)),
        _ => {}
    }
}

/// The type `id` stands for: followed until a type that stands for itself.
fn representative(mut id: TypeId, same_as: &[TypeId]) -> TypeId {
    while same_as[id.0] != id {
        id = same_as[id.0];
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Field, Struct};

    fn object(name: &str, pointer: &str, fields: &[(&str, TypeRef)]) -> TypeDef {
        let fields = fields
            .iter()
            .map(|(name, ty)| Field {
                name: (*name).to_owned(),
                wire_name: (*name).to_owned(),
                doc: None,
                ty: ty.clone(),
                required: true,
                schema_required: true,
                example: None,
                nullable: false,
                default: None,
                constraints: Default::default(),
                access: Default::default(),
                boxed: false,
                xml: None,
            })
            .collect();
        TypeDef {
            name: name.to_owned(),
            doc: None,
            kind: TypeKind::Struct(Struct { fields, ..Default::default() }),
            pointer: pointer.to_owned(),
            example: None,
            gate: Default::default(),
        }
    }

    fn target(def: &TypeDef) -> Option<TypeId> {
        match &def.kind {
            TypeKind::Alias(TypeRef::Named(id)) => Some(*id),
            _ => None,
        }
    }

    #[test]
    fn inline_copies_become_aliases_of_the_first_and_components_stay_apart() {
        let mut types = vec![
            object("Error", "/components/schemas/Error", &[("message", TypeRef::String)]),
            object("Problem", "/components/schemas/Problem", &[("message", TypeRef::String)]),
            object("ListErrorsItem", "/paths/~1a/get/responses/400", &[("message", TypeRef::String)]),
            object("ListCount", "/paths/~1a/get/responses/200", &[("count", TypeRef::I64)]),
        ];
        share_identical_inline_types(&mut types, &BTreeSet::new());
        assert_eq!(target(&types[0]), None);
        assert_eq!(target(&types[1]), None, "a component is never an alias");
        assert_eq!(target(&types[2]), Some(TypeId(0)));
        assert_eq!(target(&types[3]), None);
        assert_eq!(types[2].name, "ListErrorsItem", "the alias keeps its name");
    }

    #[test]
    fn copies_that_hold_copies_are_found_in_later_rounds() {
        let mut types = vec![
            object("AItem", "/paths/~1a/get/x", &[("id", TypeRef::String)]),
            object("A", "/paths/~1a/get", &[("items", TypeRef::Array(Box::new(TypeRef::Named(TypeId(0)))))]),
            object("BItem", "/paths/~1b/get/x", &[("id", TypeRef::String)]),
            object("B", "/paths/~1b/get", &[("items", TypeRef::Array(Box::new(TypeRef::Named(TypeId(2)))))]),
            object("C", "/paths/~1c/get", &[("items", TypeRef::Array(Box::new(TypeRef::I64)))]),
        ];
        share_identical_inline_types(&mut types, &BTreeSet::new());
        assert_eq!(target(&types[2]), Some(TypeId(0)));
        assert_eq!(target(&types[3]), Some(TypeId(1)));
        assert_eq!(target(&types[4]), None);
    }

    #[test]
    fn query_structs_share_with_query_structs_only() {
        let page = || vec![("page", TypeRef::I64)];
        let mut types = vec![
            object("ListAQuery", "/paths/~1a/get", &page()),
            object("Paging", "/paths/~1c/get/responses/200", &page()),
            object("ListBQuery", "/paths/~1b/get", &page()),
        ];
        share_identical_inline_types(&mut types, &BTreeSet::from([TypeId(0), TypeId(2)]));
        assert_eq!(target(&types[1]), None, "a schema is not a parameter list");
        assert_eq!(target(&types[2]), Some(TypeId(0)));
    }

    #[test]
    fn differences_in_docs_checks_or_examples_keep_types_apart() {
        let base = || object("A", "/paths/~1a/get", &[("id", TypeRef::String)]);
        let mut documented = base();
        let mut checked = base();
        let mut exemplified = base();
        if let TypeKind::Struct(st) = &mut documented.kind {
            st.fields[0].doc = Some("The id.".to_owned());
        }
        if let TypeKind::Struct(st) = &mut checked.kind {
            st.fields[0].constraints.max_length = Some(3);
        }
        exemplified.example = Some(serde_json::json!({"id": "x"}));
        let mut types = vec![base(), documented, checked, exemplified];
        share_identical_inline_types(&mut types, &BTreeSet::new());
        assert!(types.iter().all(|def| target(def).is_none()));
    }
}
