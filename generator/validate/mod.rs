//! `clawgen validate`: every problem in a document, not just the first.
//!
//! Generation stops at the first error. Validation first walks the whole
//! document with checks that cannot stop early ([`refs`], [`paths`], [`patterns`],
//! [`examples`]), then runs the normal pipeline and adds its warnings, or its
//! error when no check already reported that one. What the pipeline reads
//! leniently (a warning there) is reported here as the error it is.

mod examples;
#[cfg(test)]
pub(crate) use examples::accepts;
mod paths;
mod patterns;
mod refs;
mod walk;

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::Source;
use crate::options::Options;

/// Validates the document at `path` (and the files it references).
pub fn validate(path: &Path) -> Vec<Diagnostic> {
    validate_with(path, &Options::default())
}

/// [`validate`], with options (from a config file, say) that are checked against the document too.
pub fn validate_with(path: &Path, options: &Options) -> Vec<Diagnostic> {
    match Source::read_with(path, &options.ref_roots) {
        Ok(source) => validate_source(&source, options),
        Err(error) => vec![error.diagnostic()],
    }
}

/// Validates document text that claims to come from `path`; reads no file.
pub fn validate_str(path: &Path, text: &str) -> Vec<Diagnostic> {
    match Source::parse(path, text.to_owned()) {
        Ok(source) => validate_source(&source, &Options::default()),
        Err(error) => vec![error.diagnostic()],
    }
}

fn validate_source(source: &Source, options: &Options) -> Vec<Diagnostic> {
    // The checks recurse with the document, like generation (which has its own thread).
    let mut found = crate::depth::with_stack(|| {
        let mut found = refs::check(source);
        found.extend(paths::check(source));
        found.extend(examples::check(source));
        found.extend(patterns::check(source));
        found
    });
    match crate::generate_one(source, crate::Layout::Crate, options) {
        Ok(generated) => {
            for warning in &generated.warnings {
                // A deviation that generation reads leniently is still an error of the document.
                let diagnostic = if warning.is_lenient() {
                    let error = warning.clone().into_error().diagnostic();
                    match warning.hint() {
                        Some(hint) => error.with_hint(hint),
                        None => error,
                    }
                } else {
                    Diagnostic::from(warning)
                };
                if !already_reported(&found, &diagnostic) {
                    found.push(diagnostic);
                }
            }
        }
        Err(error) => {
            let diagnostic = error.diagnostic();
            if !already_reported(&found, &diagnostic) {
                found.push(diagnostic);
            }
        }
    }
    // In document order, as a reader goes through the file.
    found.sort_by_key(|d| d.location.as_ref().map(|l| (l.file.clone(), l.line_col.unwrap_or((usize::MAX, 0)))));
    found
}

/// Whether a check already reported what the pipeline says about the same place.
fn already_reported(found: &[Diagnostic], pipeline: &Diagnostic) -> bool {
    let Some(at) = pipeline.location.as_ref().map(|l| l.pointer.as_str()) else { return false };
    found.iter().any(|ours| {
        let Some(ours_at) = ours.location.as_ref().map(|l| l.pointer.as_str()) else { return false };
        let same_place = ours_at == at || ours_at.strip_prefix(at).is_some_and(|rest| rest == "/$ref" || rest == "/operationId");
        let same_kind = ours.code == pipeline.code || (ours.code == Code::DuplicateOperationId && pipeline.code == Code::RenamedOperation);
        same_place && same_kind
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        validate_str(Path::new("t.yaml"), text)
            .into_iter()
            .map(|d| (d.code.name(), d.location.map(|l| l.pointer).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reports_every_problem_not_only_the_first() {
        let found = codes(
            r##"
openapi: 3.1.0
info: {title: t, version: 1.0.0}
paths:
  /a/{id}:
    get:
      operationId: same
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
  /b:
    get:
      operationId: same
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Gone'}
"##,
        );
        let names: Vec<&str> = found.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.iter().filter(|n| **n == "unresolved-ref").count(), 2, "{found:?}");
        assert_eq!(names.iter().filter(|n| **n == "path-parameter").count(), 2, "{found:?}");
        assert_eq!(names.iter().filter(|n| **n == "duplicate-operation-id").count(), 1, "{found:?}");
    }

    #[test]
    fn a_clean_document_has_nothing_to_report() {
        let found = codes(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '204': {description: ok}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn unparseable_documents_give_one_syntax_error() {
        let found = codes("openapi: [3.1\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "syntax");
    }
}
