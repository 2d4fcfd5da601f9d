//! Cycles that hold no value of their own: `$ref`s that come back to where
//! they started through aliases and unions only (`A: {oneOf: [{$ref: A}]}`,
//! `A: {$ref: B}` with `B: {$ref: A}`).
//!
//! A cycle through a struct's field consumes input (one level of the JSON
//! object) and is broken by boxing the field (`lower::mark_boxed_fields`). A
//! cycle through aliases and union branches consumes nothing: the values it
//! describes are, by the least fixed point, exactly those of the branches that
//! leave it. So every union in such a cycle takes the branches that leave the
//! cycle, and loses the ones that stay in it; left in, they would give Rust
//! types of infinite size and decoders that recurse forever on a value no
//! branch accepts. A cycle that no branch leaves describes no value at all and
//! is an error located at the schema.
//!
//! Strongly connected components are found by Tarjan's algorithm with an
//! explicit stack, so that the depth of a document never becomes the depth of
//! the call stack.

use std::collections::BTreeSet;

use super::{TypeDef, TypeId, TypeKind, TypeRef, UnionVariant};
use crate::diagnostic::Code;
use crate::error::{Error, Result, Warning};
use crate::load::Source;

/// Rewrites the unions of every value-less cycle, or reports a cycle that has no value.
pub(super) fn break_value_cycles(types: &mut [TypeDef], warnings: &mut Vec<Warning>, source: &Source) -> Result<()> {
    let edges: Vec<Vec<TypeId>> = types.iter().map(direct_targets).collect();
    for component in strongly_connected(&edges) {
        let cyclic = component.len() > 1 || edges[component[0].0].contains(&component[0]);
        if !cyclic {
            continue;
        }
        let members: BTreeSet<TypeId> = component.iter().copied().collect();
        // The branches that leave the cycle, in the order of the members and their branches.
        let mut exits: Vec<UnionVariant> = Vec::new();
        for id in &component {
            if let TypeKind::Union(union) = &types[id.0].kind {
                for variant in &union.variants {
                    let stays = inline_targets(&variant.ty).iter().any(|target| members.contains(target));
                    if !stays && !exits.iter().any(|exit| exit.ty == variant.ty) {
                        exits.push(variant.clone());
                    }
                }
            }
        }
        let first = *component.iter().min_by_key(|id| &types[id.0].pointer).unwrap_or(&component[0]);
        if exits.is_empty() {
            let path: Vec<&str> = component.iter().map(|id| types[id.0].name.as_str()).collect();
            return Err(Error::Invalid {
                code: Code::Invalid,
                location: source.location(&types[first.0].pointer),
                message: format!(
                    "this schema has no values: it refers only to itself through `$ref`s and `allOf`/`oneOf`/`anyOf` branches ({})",
                    path.join(" → ")
                ),
            });
        }
        for id in &component {
            let TypeKind::Union(union) = &mut types[id.0].kind else { continue };
            let own: Vec<UnionVariant> = std::mem::take(&mut union.variants)
                .into_iter()
                .filter(|variant| !inline_targets(&variant.ty).iter().any(|target| members.contains(target)))
                .collect();
            let mut variants = own;
            for exit in &exits {
                if variants.iter().any(|v| v.ty == exit.ty) {
                    continue;
                }
                let mut exit = exit.clone();
                let base = exit.name.clone();
                let mut suffix = 2;
                while variants.iter().any(|v| v.name == exit.name) {
                    exit.name = format!("{base}{suffix}");
                    suffix += 1;
                }
                variants.push(exit);
            }
            union.variants = variants;
            warnings.push(Warning::new(
                Code::Lenient,
                source.location(&types[id.0].pointer),
                "a branch of this union refers back to it through `$ref`s and unions only and adds no values; \
                          the branches that leave the cycle are used instead"
                    .to_owned(),
            ));
        }
    }
    Ok(())
}

/// The named types a type holds by value without consuming input: an alias's
/// target and a union's branches (through `Option`).
fn direct_targets(def: &TypeDef) -> Vec<TypeId> {
    match &def.kind {
        TypeKind::Alias(ty) => inline_targets(ty),
        TypeKind::Union(union) => union.variants.iter().flat_map(|v| inline_targets(&v.ty)).collect(),
        TypeKind::Struct(_) | TypeKind::Enum(_) => Vec::new(),
    }
}

fn inline_targets(ty: &TypeRef) -> Vec<TypeId> {
    match ty {
        TypeRef::Named(id) => vec![*id],
        TypeRef::Nullable(inner) => inline_targets(inner),
        _ => Vec::new(),
    }
}

/// Tarjan's strongly connected components, iteratively; each component's members in arena order.
fn strongly_connected(edges: &[Vec<TypeId>]) -> Vec<Vec<TypeId>> {
    const UNSEEN: usize = usize::MAX;
    let count = edges.len();
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; count], vec![0; count], vec![false; count]);
    let (mut stack, mut components, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..count {
        if index[root] != UNSEEN || edges[root].is_empty() {
            continue;
        }
        // Each frame: a node and how many of its edges have been followed.
        let mut frames = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut followed)) = frames.last_mut() {
            if let Some(target) = edges[node].get(*followed).map(|t| t.0) {
                *followed += 1;
                if index[target] == UNSEEN {
                    index[target] = next;
                    low[target] = next;
                    next += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    frames.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(TypeId(member));
                    if member == node {
                        break;
                    }
                }
                component.sort();
                components.push(component);
            }
        }
    }
    components.sort();
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types_of(schemas: &str) -> crate::Result<String> {
        let text = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          \
             description: ok\n          content: {{application/json: {{schema: {{$ref: '#/components/schemas/A'}}}}}}\n\
             components:\n  schemas:\n{schemas}"
        );
        let generated = crate::generate_crate_from_str(std::path::Path::new("cycles.yaml"), &text)?;
        let types = generated.files.iter().find(|f| f.path.ends_with("src/types.rs")).map(|f| f.contents.clone());
        Ok(types.unwrap_or_default())
    }

    #[test]
    fn a_cycle_with_values_keeps_the_branches_that_leave_it() {
        let types = types_of(
            "    A: {oneOf: [{$ref: '#/components/schemas/B'}, {type: string}]}\n    B: {anyOf: [{$ref: '#/components/schemas/A'}, {type: integer}]}\n",
        )
        .unwrap();
        // Both unions hold the string and the integer, and neither holds the other.
        let union = |name: &str| {
            types.split(&format!("pub enum {name} {{")).nth(1).and_then(|rest| rest.split('}').next()).unwrap_or_default().to_owned()
        };
        for name in ["A", "B"] {
            let body = union(name);
            assert!(body.contains("String(") && body.contains("i64"), "{name}: {body}");
            assert!(!body.contains("types::A") && !body.contains("types::B"), "{name}: {body}");
        }
    }

    #[test]
    fn a_cycle_without_values_is_a_located_error() {
        let error = types_of("    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {$ref: '#/components/schemas/A'}\n").unwrap_err();
        assert!(error.to_string().contains("has no values"), "{error}");
        assert_eq!(error.location().map(|l| l.pointer.as_str()), Some("/components/schemas/A"));
        assert!(error.location().is_some_and(|l| l.line_col.is_some()), "{error}");
    }

    #[test]
    fn finds_cycles_without_recursion() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0; a long chain does not grow the call stack.
        let mut edges = vec![vec![TypeId(1)], vec![TypeId(2)], vec![TypeId(0)], vec![TypeId(3)], vec![TypeId(0)]];
        let components = strongly_connected(&edges);
        assert!(components.contains(&vec![TypeId(0), TypeId(1), TypeId(2)]));
        assert!(components.contains(&vec![TypeId(3)]));
        edges = (0..200_000).map(|i| vec![TypeId((i + 1) % 200_000)]).collect();
        assert_eq!(strongly_connected(&edges).len(), 1);
    }
}
