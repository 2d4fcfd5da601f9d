//! Operations: path templates against declared path parameters, and unique operationIds.

use std::collections::BTreeMap;

use serde_json::Value;

use super::walk::resolve;
use crate::diagnostic::{Code, Diagnostic};
use crate::load::{Source, escape_segment};

/// A parameter as an operation sees it: its name, where it is, and where it is declared.
struct Declared<'v> {
    name: &'v str,
    location: &'v str,
    required: bool,
    pointer: String,
}

pub(super) fn check(source: &Source) -> Vec<Diagnostic> {
    let root = &source.value;
    let mut found = Vec::new();
    // operationId → where it was first used, and as which operation.
    let mut ids: BTreeMap<&str, (String, String)> = BTreeMap::new();
    // Path-level parameters apply to every operation of the path: report them once.
    let mut reported: Vec<String> = Vec::new();
    for (group, templated) in [("paths", true), ("webhooks", false)] {
        let Some(Value::Object(items)) = root.get(group) else { continue };
        for (path, item) in items {
            let item_pointer = format!("/{group}/{}", escape_segment(path));
            let Some((item, item_pointer)) = resolve(root, item, &item_pointer) else { continue };
            let shared = declared(root, item.get("parameters"), &format!("{item_pointer}/parameters"));
            for method in crate::ir::Method::ALL.map(crate::ir::Method::key) {
                let Some(op) = item.get(method) else { continue };
                let op_pointer = format!("{item_pointer}/{method}");
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    let this = format!("{} {path}", method.to_ascii_uppercase());
                    match ids.get(id) {
                        Some((first, first_op)) => found.push(
                            Diagnostic::new(
                                Code::DuplicateOperationId,
                                format!("operationId `{id}` is also the id of {first_op}"),
                                Some(source.location(&format!("{op_pointer}/operationId"))),
                            )
                            .with_label("used a second time here")
                            .with_note(format!("first used at #{first}")),
                        ),
                        None => {
                            ids.insert(id, (format!("{op_pointer}/operationId"), this));
                        }
                    }
                }
                if !templated {
                    continue;
                }
                // Operation-level parameters override path-level ones of the same name and location.
                let own = declared(root, op.get("parameters"), &format!("{op_pointer}/parameters"));
                let mut params: Vec<&Declared<'_>> =
                    shared.iter().filter(|s| !own.iter().any(|o| o.name == s.name && o.location == s.location)).collect();
                params.extend(own.iter());
                found.extend(template_problems(source, path, &op_pointer, &params, &mut reported));
            }
        }
    }
    found
}

/// The parameters of a `parameters` list, `$ref`s followed.
fn declared<'v>(root: &'v Value, list: Option<&'v Value>, pointer: &str) -> Vec<Declared<'v>> {
    let Some(Value::Array(list)) = list else { return Vec::new() };
    list.iter()
        .enumerate()
        .filter_map(|(index, param)| {
            let at = format!("{pointer}/{index}");
            let (param, _) = resolve(root, param, &at)?;
            Some(Declared {
                name: param.get("name")?.as_str()?,
                location: param.get("in")?.as_str()?,
                required: param.get("required").and_then(Value::as_bool).unwrap_or(false),
                pointer: at,
            })
        })
        .collect()
}

fn template_problems(
    source: &Source,
    path: &str,
    op_pointer: &str,
    params: &[&Declared<'_>],
    reported: &mut Vec<String>,
) -> Vec<Diagnostic> {
    let template: Vec<&str> = path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
    let mut found = Vec::new();
    for name in &template {
        if !params.iter().any(|p| p.location == "path" && p.name == *name) {
            found.push(
                Diagnostic::new(
                    Code::PathParameter,
                    format!("path parameter `{name}` of {path} is not declared"),
                    Some(source.location(op_pointer)),
                )
                .with_label("this operation does not declare it"),
            );
        }
    }
    for param in params.iter().filter(|p| p.location == "path") {
        if reported.contains(&param.pointer) {
            continue;
        }
        let problem = if !template.contains(&param.name) {
            Some(format!("path parameter `{}` is declared, but {path} has no `{{{}}}`", param.name, param.name))
        } else if !param.required {
            Some(format!("path parameter `{}` must have `required: true`", param.name))
        } else {
            None
        };
        if let Some(message) = problem {
            reported.push(param.pointer.clone());
            found.push(Diagnostic::new(Code::PathParameter, message, Some(source.location(&param.pointer))).with_label("declared here"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn messages(text: &str) -> Vec<String> {
        let source = Source::parse(Path::new("t.yaml"), text.into()).unwrap();
        check(&source).into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn templates_and_declarations_must_agree() {
        let found = messages(
            r##"
paths:
  /a/{id}/{other}:
    parameters:
      - {name: id, in: path, required: true}
      - {name: stray, in: path, required: true}
    get: {}
    put:
      parameters:
        - {$ref: '#/components/parameters/Other'}
components:
  parameters:
    Other: {name: other, in: path}
"##,
        );
        assert_eq!(
            found,
            [
                "path parameter `other` of /a/{id}/{other} is not declared",
                "path parameter `stray` is declared, but /a/{id}/{other} has no `{stray}`",
                "path parameter `other` must have `required: true`",
            ]
        );
    }

    #[test]
    fn duplicate_operation_ids_name_the_first_use() {
        let found = messages("paths:\n  /a:\n    get: {operationId: x}\n  /b:\n    post: {operationId: x}\n    get: {operationId: y}\n");
        assert_eq!(found, ["operationId `x` is also the id of GET /a"]);
    }
}
