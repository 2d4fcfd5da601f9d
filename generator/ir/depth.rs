//! How deeply the types of the IR nest, `$ref`s followed: the depth every
//! pass after lowering recurses to (sample values, literals, aliases that
//! contain themselves, union ordering).
//!
//! The loader bounds how deeply the text nests; a chain of `$ref`s does not
//! nest text (`A0: {$ref: A1}`, `A1: {$ref: A2}`, … 100,000 times) but is just
//! as deep for those passes. This pass measures it without recursion and holds
//! it to the same bound, [`crate::depth::MAX_DEPTH`], reported at the first
//! type found whose chain passes it. A cycle counts once: the passes stop where they come back.

use super::{TypeDef, TypeId, TypeKind, TypeRef};
use crate::depth::MAX_DEPTH;
use crate::error::Result;
use crate::load::Source;

/// How deeply the types nest, through the named types they refer to (0 for
/// none); refuses types whose nesting passes [`MAX_DEPTH`].
pub(super) fn check(types: &[TypeDef], source: &Source) -> Result<usize> {
    let edges: Vec<(usize, Vec<(TypeId, usize)>)> = types.iter().map(edges).collect();
    // The deepest nesting below each type; `None` until measured.
    let mut height: Vec<Option<usize>> = vec![None; types.len()];
    let mut on_path = vec![false; types.len()];
    for root in 0..types.len() {
        if height[root].is_some() {
            continue;
        }
        // Depth-first with an explicit stack of (type, next edge to follow).
        let mut stack = vec![(root, 0usize)];
        on_path[root] = true;
        while let Some(&mut (id, ref mut next)) = stack.last_mut() {
            if let Some(&(target, _)) = edges[id].1.get(*next) {
                *next += 1;
                if height[target.0].is_none() && !on_path[target.0] {
                    on_path[target.0] = true;
                    stack.push((target.0, 0));
                }
                continue;
            }
            stack.pop();
            on_path[id] = false;
            let below = edges[id].1.iter().map(|&(target, nesting)| nesting + 1 + height[target.0].unwrap_or(0));
            let measured = below.fold(edges[id].0, usize::max);
            if measured > MAX_DEPTH {
                return Err(crate::depth::too_deep(source.location(&types[id].pointer), "this schema, its `$ref`s followed,"));
            }
            height[id] = Some(measured);
        }
    }
    Ok(height.into_iter().flatten().max().unwrap_or(0))
}

/// The deepest nesting of a type's own references, and every named type it
/// refers to with the nesting at which it does.
fn edges(def: &TypeDef) -> (usize, Vec<(TypeId, usize)>) {
    let mut out = (0, Vec::new());
    match &def.kind {
        TypeKind::Alias(ty) => walk(ty, 0, &mut out),
        TypeKind::Struct(st) => {
            st.fields.iter().for_each(|field| walk(&field.ty, 0, &mut out));
            st.additional.iter().for_each(|ty| walk(ty, 0, &mut out));
        }
        TypeKind::Union(union) => union.variants.iter().for_each(|variant| walk(&variant.ty, 0, &mut out)),
        TypeKind::Enum(_) => {}
    }
    out
}

/// Records the named types in `ty`, which lies `nesting` levels down. A type
/// reference nests no deeper than the text it was lowered from, which the
/// loader has bounded: recursing here is safe.
fn walk(ty: &TypeRef, nesting: usize, out: &mut (usize, Vec<(TypeId, usize)>)) {
    out.0 = out.0.max(nesting);
    match ty {
        TypeRef::Named(id) => out.1.push((*id, nesting)),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::EventStream(inner) => {
            walk(inner, nesting + 1, out)
        }
        TypeRef::Tuple(items) => items.iter().for_each(|item| walk(item, nesting + 1, out)),
        TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::String
        | TypeRef::DateTime
        | TypeRef::Date
        | TypeRef::Uuid
        | TypeRef::Base64
        | TypeRef::Json
        | TypeRef::Raw
        | TypeRef::File
        | TypeRef::External(_) => {}
    }
}
