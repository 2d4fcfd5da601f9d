//! Every local `$ref` that points at nothing, with the nearest name as a hint.

use serde_json::Value;

use super::walk::{is_data, is_names_map};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::pointer::local_pointer;
use crate::load::{Source, escape_segment};
use crate::normalize::resolve::lookup;

/// Reports every unresolved local `$ref` of the (bundled) document.
pub(super) fn check(source: &Source) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    visit(source, &source.value, "", None, &mut found);
    found
}

fn visit(source: &Source, value: &Value, pointer: &str, key: Option<&str>, found: &mut Vec<Diagnostic>) {
    match value {
        Value::Object(map) => {
            let names = is_names_map(key);
            if let (false, Some(Value::String(reference))) = (names, map.get("$ref")) {
                if let Some(target) = local_pointer(reference) {
                    if lookup(&source.value, &target).is_none() {
                        found.push(unresolved(source, reference, &target, &format!("{pointer}/$ref")));
                    }
                }
            }
            for (child_key, child) in map {
                if !names && is_data(child_key, child) {
                    continue;
                }
                visit(source, child, &format!("{pointer}/{}", escape_segment(child_key)), Some(child_key), found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                visit(source, item, &format!("{pointer}/{index}"), None, found);
            }
        }
        _ => {}
    }
}

fn unresolved(source: &Source, reference: &str, target: &str, pointer: &str) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnresolvedRef, format!("$ref {reference} points at nothing"), Some(source.location(pointer)))
        .with_label("this `$ref` does not resolve");
    // Schemas pasted with their `$defs` refer to them from the pasted root, but
    // without an `$id` a `#` reference starts at the document's root.
    let segments: Vec<&str> = pointer.split('/').collect();
    let nested =
        (1..segments.len()).rev().map(|n| format!("{}{target}", segments[..n].join("/"))).find(|at| lookup(&source.value, at).is_some());
    if let Some(nested) = nested.filter(|n| n != target) {
        return diagnostic.with_hint(format!("`#{nested}` exists: a `#` reference starts at the document root, so write `#{nested}`"));
    }
    // The closest name where the reference looks, when one is close enough to be a typo.
    let (parent, wanted) = target.rsplit_once('/').unwrap_or(("", target));
    let wanted = wanted.replace("~1", "/").replace("~0", "~");
    let Some(Value::Object(siblings)) = lookup(&source.value, parent).map(|node| node.value) else { return diagnostic };
    let nearest = siblings.keys().map(|name| (edit_distance(&wanted.to_lowercase(), &name.to_lowercase()), name)).min();
    match nearest {
        Some((distance, name)) if distance <= (wanted.chars().count() / 3).max(2) => {
            diagnostic.with_hint(format!("did you mean `#{parent}/{}`?", escape_segment(name)))
        }
        _ => diagnostic,
    }
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn finds_every_dangling_ref_and_suggests_near_names() {
        let text = r##"
openapi: 3.1.0
components:
  schemas:
    Thing:
      type: object
      properties:
        a: {$ref: '#/components/schemas/Thingg'}
        b: {$ref: '#/components/schemas/Unrelated'}
        c: {$ref: '#/components/schemas/Thing'}
        d: {type: string, example: {$ref: '#/not/a/ref'}}
      x-samples: {$ref: '#/also/not/checked'}
    Pasted:
      properties:
        e: {$ref: '#/$defs/Inner'}
      $defs:
        Inner: {type: string}
"##;
        let source = Source::parse(Path::new("t.yaml"), text.into()).unwrap();
        let found = check(&source);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].location.as_ref().unwrap().pointer, "/components/schemas/Thing/properties/a/$ref");
        assert_eq!(found[0].hint.as_deref(), Some("did you mean `#/components/schemas/Thing`?"));
        assert_eq!(found[1].hint, Code::UnresolvedRef.hint().map(str::to_owned));
        let pasted = found[2].hint.as_deref().unwrap();
        assert!(pasted.contains("write `#/components/schemas/Pasted/$defs/Inner`"), "{pasted}");
    }

    #[test]
    fn distances_count_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
