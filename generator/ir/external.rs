//! Schemas mapped to the user's own Rust types (`x-clawgen-rust-type`, config `types`).
//!
//! The mapped schema was lowered like any other, so that names and the rest
//! of the arena come out as without the mapping. This pass then points every
//! reference to it at the user's path and takes its definition out of the
//! arena, renumbering the ids after it.

use std::collections::BTreeMap;

use super::{Operation, TypeDef, TypeId, TypeKind, TypeRef};
use crate::load::escape_segment;

/// Replaces the component schemas named in `rust_types` by [`TypeRef::External`].
pub(super) fn map_rust_types(
    types: &mut Vec<TypeDef>,
    operations: &mut [Operation],
    webhooks: &mut [Operation],
    rust_types: &BTreeMap<String, String>,
) {
    let by_pointer: BTreeMap<String, &String> =
        rust_types.iter().map(|(name, path)| (format!("/components/schemas/{}", escape_segment(name)), path)).collect();
    let mapped: Vec<Option<&String>> = types.iter().map(|def| by_pointer.get(&def.pointer).copied()).collect();
    if mapped.iter().all(Option::is_none) {
        return;
    }
    let mut next = 0;
    let renumbered: Vec<Option<TypeId>> = mapped
        .iter()
        .map(|m| {
            m.is_none().then(|| {
                next += 1;
                TypeId(next - 1)
            })
        })
        .collect();
    let rewrite = |ty: &mut TypeRef| rewrite(ty, &mapped, &renumbered);

    for def in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(st) => {
                for field in &mut st.fields {
                    rewrite(&mut field.ty);
                    // Constraints and defaults came from the mapped schema; the user's type
                    // checks itself, and clawgen cannot build a value of it.
                    if is_external(&field.ty) {
                        field.constraints = Default::default();
                        field.default = None;
                    }
                }
                if let Some(additional) = &mut st.additional {
                    rewrite(additional);
                    if is_external(additional) {
                        st.additional_constraints = None;
                    }
                }
            }
            TypeKind::Alias(ty) => rewrite(ty),
            TypeKind::Union(union) => union.variants.iter_mut().for_each(|v| rewrite(&mut v.ty)),
            TypeKind::Enum(_) => {}
        }
    }
    for op in operations.iter_mut().chain(webhooks.iter_mut()) {
        for param in op.path_params.iter_mut().chain(op.header_params.iter_mut()) {
            rewrite(&mut param.ty);
            if is_external(&param.ty) {
                param.constraints = Default::default();
            }
        }
        op.query = op.query.and_then(|id| renumbered[id.0]);
        if let Some(body) = &mut op.body {
            rewrite(&mut body.ty);
            body.others.iter_mut().for_each(|form| rewrite(&mut form.ty));
        }
        for response in op.successes.iter_mut().chain(op.errors.iter_mut()) {
            if let Some(body) = &mut response.body {
                rewrite(body);
                // Slots fill fields of a generated struct; a user's type has none we know of.
                if is_external(body) {
                    response.message_slot = None;
                    response.retry_slot = None;
                }
            }
            response.headers.iter_mut().for_each(|h| rewrite(&mut h.ty));
        }
    }
    let mut index = 0;
    types.retain(|_| {
        index += 1;
        mapped[index - 1].is_none()
    });
}

fn rewrite(ty: &mut TypeRef, mapped: &[Option<&String>], renumbered: &[Option<TypeId>]) {
    match ty {
        TypeRef::Named(id) => {
            *ty = match (mapped[id.0], renumbered[id.0]) {
                (Some(path), _) => TypeRef::External(path.clone()),
                (None, Some(new)) => TypeRef::Named(new),
                (None, None) => TypeRef::Json,
            }
        }
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => rewrite(inner, mapped, renumbered),
        _ => {}
    }
}

fn is_external(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::External(_) => true,
        TypeRef::Nullable(inner) => is_external(inner),
        _ => false,
    }
}
