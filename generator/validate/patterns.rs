//! Every `pattern` of the document, reached or not, against the Rust `regex`
//! crate: one it refuses is never checked in generated code (the IR drops it
//! with the same warning where a type reaches it), and a pattern nothing
//! reaches would otherwise pass in silence.

use serde_json::Value;

use super::walk;
use crate::diagnostic::{Code, Diagnostic};
use crate::load::{Source, escape_segment};

/// A warning for each `pattern` the `regex` crate cannot compile, at its schema.
pub(super) fn check(source: &Source) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    // An explicit stack: documents nest up to `load::MAX_DEPTH` levels.
    let mut stack: Vec<(&Value, String, Option<&str>)> = vec![(&source.value, String::new(), None)];
    while let Some((value, pointer, key)) = stack.pop() {
        match value {
            Value::Object(map) => {
                let names = walk::is_names_map(key);
                if !names {
                    if let Some(Value::String(pattern)) = map.get("pattern") {
                        if let Err(error) = regex::Regex::new(pattern) {
                            let reason = error.to_string().lines().last().unwrap_or_default().trim().to_owned();
                            let message = format!("`pattern` {pattern:?} is not checked: the Rust regex engine rejects it ({reason})");
                            found.push(Diagnostic::new(Code::Unchecked, message, Some(source.location(&pointer))));
                        }
                    }
                }
                for (child_key, child) in map {
                    if !names && walk::is_data(child_key, child) {
                        continue;
                    }
                    stack.push((child, format!("{pointer}/{}", escape_segment(child_key)), Some(child_key.as_str())));
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    stack.push((item, format!("{pointer}/{index}"), None));
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn patterns_the_regex_crate_refuses_are_reported_where_they_are() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\ncomponents:\n  schemas:\n    \
                    Unused: {type: string, pattern: '(['}\n    Fine: {type: string, pattern: '^a+$', example: {pattern: '(['}}\n    \
                    List: {type: array, items: {type: string, pattern: '(?=a)'}}\n";
        let source = crate::load::Source::parse(Path::new("p.yaml"), text.to_owned()).unwrap();
        let found: Vec<String> = super::check(&source).into_iter().filter_map(|d| d.location.map(|l| l.pointer)).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.contains(&"/components/schemas/Unused".to_owned()), "{found:?}");
        assert!(found.contains(&"/components/schemas/List/items".to_owned()), "{found:?}");
    }
}
