//! Per-tag Cargo features (`x-clawgen-tag-features`): which feature compiles which item.
//!
//! A large API compiled whole takes minutes; most users call a few of its
//! tags. With tag features on, each operation belongs to the features of its
//! tags (`tag-<name>`, or `untagged` when it has none), and each type to the
//! features of the operations that can reach it: through parameters, bodies,
//! responses and their headers, then fields, items, union branches and
//! aliases. A type shared by several tags stays one definition, compiled when
//! any of them is on. The decision is made here, once; emitters only put the
//! [`Gate`] they read on their items.
//!
//! Two kinds of types belong to no tag. What the webhooks (and the common
//! error body every refusal uses) reach is always compiled, as the `webhooks`
//! module is. What nothing reaches (component schemas no operation uses) is
//! compiled under the `unreferenced` feature, on by default like the others.

use std::collections::{BTreeMap, BTreeSet};

use super::{Operation, Response, TypeDef, TypeId, TypeRef, names};

/// The feature of the operations that have no tag.
pub(super) const UNTAGGED: &str = "untagged";
/// The feature of the types that no operation, webhook or refusal uses.
pub(super) const UNREFERENCED: &str = "unreferenced";

/// One per-tag Cargo feature of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFeature {
    /// The feature's name (`tag-zones`, `untagged`, `unreferenced`).
    pub name: String,
    /// The tag as the document writes it; `None` for `untagged` and `unreferenced`.
    pub tag: Option<String>,
    /// What the feature holds: the tag's description, or what the two features without a tag hold.
    pub doc: Option<String>,
}

/// Under which per-tag features an item is compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Gate {
    /// Always (tag features are off, or the item belongs to no tag).
    #[default]
    Always,
    /// When any of these features is on (sorted, never empty).
    Any(Vec<String>),
}

impl Gate {
    /// The gate of an item that exists where any of `gates` does.
    pub fn union<'a>(gates: impl IntoIterator<Item = &'a Gate>) -> Gate {
        let mut all = BTreeSet::new();
        for gate in gates {
            match gate {
                Gate::Always => return Gate::Always,
                Gate::Any(features) => all.extend(features.iter().cloned()),
            }
        }
        if all.is_empty() { Gate::Always } else { Gate::Any(all.into_iter().collect()) }
    }
}

/// The named types a value of `roots` may contain (see [`super::Api::reachable`]).
pub(super) fn reachable<'a>(types: &[TypeDef], roots: impl IntoIterator<Item = &'a TypeRef>) -> BTreeSet<TypeId> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<&TypeRef> = roots.into_iter().map(|root| root as &TypeRef).collect();
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(id) if seen.insert(*id) => match &types[id.0].kind {
                super::TypeKind::Struct(st) => pending.extend(st.fields.iter().map(|f| &f.ty).chain(&st.additional)),
                super::TypeKind::Alias(inner) => pending.push(inner),
                super::TypeKind::Union(u) => pending.extend(u.variants.iter().map(|v| &v.ty)),
                super::TypeKind::Enum(_) => {}
            },
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::EventStream(inner) => pending.push(inner),
            TypeRef::Tuple(items) => pending.extend(items),
            _ => {}
        }
    }
    seen
}

/// Every type an operation's parameters, body and responses name.
fn roots(op: &Operation) -> Vec<TypeRef> {
    let params = op.path_params.iter().chain(&op.header_params).chain(&op.cookie_params).map(|p| p.ty.clone());
    let responses = op.successes.iter().chain(&op.errors);
    params
        .chain(op.query.map(TypeRef::Named))
        .chain(op.body.iter().flat_map(crate::ir::Body::forms).map(|b| b.ty.clone()))
        .chain(responses.flat_map(|r| r.body.iter().cloned().chain(r.headers.iter().map(|h| h.ty.clone()))))
        .collect()
}

/// Decides the features: sets every operation's and type's [`Gate`] and
/// returns the features, sorted by name. `descriptions` are the document's
/// tag descriptions, by tag.
pub(super) fn decide(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    webhooks: &[Operation],
    common_error: Option<&Response>,
    descriptions: &BTreeMap<String, Option<String>>,
) -> Vec<TagFeature> {
    // Feature names through the one sanitiser, claimed in tag order so that
    // they do not depend on the operations' order.
    let tags: BTreeSet<&String> = operations.iter().flat_map(|op| &op.tags).collect();
    let mut namespace = names::Namespace::default();
    let feature_of: BTreeMap<String, String> = tags
        .into_iter()
        .map(|tag| {
            let word = names::field_name(tag).trim_matches('_').replace('_', "-");
            (tag.clone(), namespace.claim(format!("tag-{word}")))
        })
        .collect();
    let mut features: Vec<TagFeature> = feature_of
        .iter()
        .map(|(tag, name)| TagFeature { name: name.clone(), tag: Some(tag.clone()), doc: descriptions.get(tag).cloned().flatten() })
        .collect();
    if operations.iter().any(|op| op.tags.is_empty()) {
        features.push(TagFeature { name: UNTAGGED.into(), tag: None, doc: Some("Operations without a tag.".into()) });
    }
    for op in operations.iter_mut() {
        let mut names: Vec<String> = op.tags.iter().map(|tag| feature_of[tag].clone()).collect();
        if names.is_empty() {
            names.push(UNTAGGED.into());
        }
        names.sort();
        names.dedup();
        op.gate = Gate::Any(names);
    }

    // The types each feature's operations reach; what webhooks and refusals reach is always there.
    let always_roots: Vec<TypeRef> = webhooks.iter().flat_map(roots).chain(common_error.and_then(|r| r.body.clone())).collect();
    let always = reachable(types, &always_roots);
    let mut by_type: BTreeMap<TypeId, BTreeSet<String>> = BTreeMap::new();
    let mut feature_roots: BTreeMap<&str, Vec<TypeRef>> = BTreeMap::new();
    for op in operations.iter() {
        let Gate::Any(names) = &op.gate else { continue };
        for name in names {
            feature_roots.entry(name.as_str()).or_default().extend(roots(op));
        }
    }
    for (name, roots) in &feature_roots {
        for id in reachable(types, roots) {
            by_type.entry(id).or_default().insert((*name).to_owned());
        }
    }
    let unreached: Vec<TypeRef> =
        (0..types.len()).map(TypeId).filter(|id| !always.contains(id) && !by_type.contains_key(id)).map(TypeRef::Named).collect();
    if !unreached.is_empty() {
        for id in reachable(types, &unreached) {
            by_type.entry(id).or_default().insert(UNREFERENCED.into());
        }
        features.push(TagFeature {
            name: UNREFERENCED.into(),
            tag: None,
            doc: Some("Component schemas that no operation, webhook or refusal uses.".into()),
        });
    }
    for (index, def) in types.iter_mut().enumerate() {
        let id = TypeId(index);
        def.gate = match by_type.remove(&id) {
            Some(names) if !always.contains(&id) => Gate::Any(names.into_iter().collect()),
            _ => Gate::Always,
        };
    }
    features.sort_by(|a, b| a.name.cmp(&b.name));
    features
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_union_of_gates_is_always_if_any_is() {
        let a = Gate::Any(vec!["tag-a".into()]);
        let b = Gate::Any(vec!["tag-b".into(), "tag-a".into()]);
        assert_eq!(Gate::union([&a, &b]), Gate::Any(vec!["tag-a".into(), "tag-b".into()]));
        assert_eq!(Gate::union([&a, &Gate::Always]), Gate::Always);
        assert_eq!(Gate::union([]), Gate::Always);
    }
}
