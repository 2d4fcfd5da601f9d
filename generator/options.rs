//! Per-spec options, from the document's `x-clawgen-*` extensions and from a config file.
//!
//! The same four choices can be made in three places; a later one wins:
//!
//! 1. the document: `x-clawgen-name`, `x-clawgen-features` and `x-clawgen-tag-features` at the root,
//!    `x-clawgen-skip` on an operation, `x-clawgen-rust-type` on a component schema;
//! 2. the config file (`clawgen.toml`, given to `--config` or [`crate::Config::config_file`]),
//!    in a `[spec.<file stem>]` table;
//! 3. [`crate::Config`]'s setters.
//!
//! ```toml
//! [spec.clawguru]
//! name = "guru"
//! features = ["client"]
//! tag-features = true
//! skip = { getRunbook = "served by the legacy gateway" }
//! types = { Runbook = "crate::Runbook" }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::Code;
use crate::emit::Parts;
use crate::error::{Error, Location, Result, Warning};
use crate::ir::{Customisation, Method, SkippedOperation};
use crate::load::{Source, escape_segment};
use crate::normalize::Document;

/// The options of one spec. Unset fields leave the choice to an earlier source (or the default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The API's short name: the crate is `<name>-v<major>`, the module file `<name>.rs`.
    pub name: Option<String>,
    /// Whether to generate the reqwest client (default: yes).
    pub client: Option<bool>,
    /// Whether to generate the axum server (default: yes).
    pub server: Option<bool>,
    /// Operations to leave out, by `operationId` (or `<method> <path>`), with the reason.
    pub skip: BTreeMap<String, String>,
    /// Component schemas not to generate, by name, with the path of the Rust type to use instead.
    pub types: BTreeMap<String, String>,
    /// The file these options came from, to point at when one of them is wrong.
    pub origin: Option<PathBuf>,
    /// Folders besides the document's own from which its external `$ref`s may read files.
    pub ref_roots: Vec<PathBuf>,
    /// Whether a deviation from the specification that clawgen would read leniently
    /// (with a warning) is an error instead (default: no).
    pub strict: Option<bool>,
    /// Whether a generated crate gets a Cargo feature per tag (default: no).
    pub tag_features: Option<bool>,
}

/// A part of the API, as the config file and `x-clawgen-features` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Feature {
    Client,
    Server,
}

/// One `[spec.<stem>]` table, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecTable {
    name: Option<String>,
    features: Option<Vec<Feature>>,
    #[serde(default)]
    skip: BTreeMap<String, String>,
    #[serde(default)]
    types: BTreeMap<String, String>,
    #[serde(rename = "tag-features")]
    tag_features: Option<bool>,
}

/// The config file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTables {
    #[serde(default)]
    spec: BTreeMap<String, SpecTable>,
}

impl Options {
    /// Whether lenient readings are errors.
    pub fn is_strict(&self) -> bool {
        self.strict.unwrap_or(false)
    }

    /// The parts to generate.
    pub fn parts(&self) -> Parts {
        Parts { client: self.client.unwrap_or(true), server: self.server.unwrap_or(true) }
    }

    /// These options, with `base` filling in what they leave unset.
    pub fn over(&self, base: &Options) -> Options {
        let merged = |mine: &BTreeMap<String, String>, theirs: &BTreeMap<String, String>| {
            let mut out = theirs.clone();
            out.extend(mine.iter().map(|(k, v)| (k.clone(), v.clone())));
            out
        };
        Options {
            name: self.name.clone().or_else(|| base.name.clone()),
            client: self.client.or(base.client),
            server: self.server.or(base.server),
            skip: merged(&self.skip, &base.skip),
            types: merged(&self.types, &base.types),
            origin: self.origin.clone().or_else(|| base.origin.clone()),
            ref_roots: base.ref_roots.iter().chain(&self.ref_roots).cloned().collect(),
            strict: self.strict.or(base.strict),
            tag_features: self.tag_features.or(base.tag_features),
        }
    }

    fn from_table(table: SpecTable, origin: &Path) -> Options {
        let features = table.features.map(|list| (list.contains(&Feature::Client), list.contains(&Feature::Server)));
        Options {
            name: table.name,
            client: features.map(|(client, _)| client),
            server: features.map(|(_, server)| server),
            skip: table.skip,
            types: table.types,
            origin: Some(origin.to_path_buf()),
            ref_roots: Vec::new(),
            strict: None,
            tag_features: table.tag_features,
        }
    }

    /// The options the document states in `x-clawgen-*` extensions.
    pub(crate) fn from_document(source: &Source, doc: &Document) -> Result<Options> {
        let invalid =
            |pointer: &str, message: String| Error::Invalid { code: Code::BadOption, location: source.location(pointer), message };
        let root = &doc.json;
        let mut options = Options { name: root.get("x-clawgen-name").and_then(Value::as_str).map(str::to_owned), ..Options::default() };
        if let Some(features) = root.get("x-clawgen-features") {
            let list: Vec<Feature> = serde_json::from_value(features.clone())
                .map_err(|_| invalid("/x-clawgen-features", "x-clawgen-features must be a list of `client` and `server`".into()))?;
            options.client = Some(list.contains(&Feature::Client));
            options.server = Some(list.contains(&Feature::Server));
        }
        match root.get("x-clawgen-tag-features") {
            None => {}
            Some(Value::Bool(on)) => options.tag_features = Some(*on),
            Some(_) => return Err(invalid("/x-clawgen-tag-features", "x-clawgen-tag-features must be `true` or `false`".into())),
        }
        for (id, op, pointer) in operations(root) {
            match op.get("x-clawgen-skip") {
                None | Some(Value::Bool(false)) => {}
                Some(Value::Bool(true)) => {
                    options.skip.insert(id, "marked `x-clawgen-skip` in the document".into());
                }
                Some(Value::String(reason)) => {
                    options.skip.insert(id, reason.clone());
                }
                Some(_) => {
                    return Err(invalid(&format!("{pointer}/x-clawgen-skip"), "x-clawgen-skip must be a reason (text) or `true`".into()));
                }
            }
        }
        for (name, schema) in root.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten() {
            match schema.get("x-clawgen-rust-type") {
                None => {}
                Some(Value::String(path)) => {
                    options.types.insert(name.clone(), path.clone());
                }
                Some(_) => {
                    let pointer = format!("/components/schemas/{}/x-clawgen-rust-type", escape_segment(name));
                    return Err(invalid(&pointer, "x-clawgen-rust-type must be the path of a Rust type, as text".into()));
                }
            }
        }
        Ok(options)
    }
}

/// Every operation under `paths`, with its id (`operationId`, else `<method> <path>`) and pointer.
fn operations(root: &Value) -> Vec<(String, &Value, String)> {
    let mut out = Vec::new();
    for (path, item) in root.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for method in Method::ALL.map(Method::key) {
            if let Some(op) = item.get(method) {
                let id = op.get("operationId").and_then(Value::as_str).map_or_else(|| format!("{method} {path}"), str::to_owned);
                out.push((id, op, format!("/paths/{}/{method}", escape_segment(path))));
            }
        }
    }
    out
}

/// A config file: options per spec, by the spec's file stem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    specs: BTreeMap<String, Options>,
    /// Folders from which every spec's external `$ref`s may read, besides the spec's own (`--allow-refs-under`).
    pub ref_roots: Vec<PathBuf>,
}

impl ConfigFile {
    /// Reads and parses a config file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Parses config text that claims to come from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let tables: FileTables = toml::from_str(text).map_err(|err| {
            let line_col = err.span().map(|span| line_col(text, span.start));
            Error::Invalid {
                code: Code::BadOption,
                location: Location { file: path.to_path_buf(), pointer: String::new(), line_col },
                message: format!("config: {}", err.message()),
            }
        })?;
        Ok(ConfigFile {
            specs: tables.spec.into_iter().map(|(stem, table)| (stem, Options::from_table(table, path))).collect(),
            ref_roots: Vec::new(),
        })
    }

    /// The options for the spec at `spec` (by its file stem); empty when the file has none.
    pub fn for_spec(&self, spec: &Path) -> Options {
        let stem = spec.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut options = self.specs.get(&stem).cloned().unwrap_or_default();
        options.ref_roots.extend(self.ref_roots.iter().cloned());
        options
    }
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// Checks `options` against the document, removes the skipped operations from
/// it, and says what the IR must change. Each skip becomes a note.
pub(crate) fn apply(source: &Source, doc: &mut Document, options: &Options) -> Result<(Customisation, Vec<Warning>)> {
    let wrong = |what: String| match &options.origin {
        Some(file) => Error::Invalid {
            code: Code::BadOption,
            location: Location { file: file.clone(), pointer: String::new(), line_col: None },
            message: format!("config: {what}"),
        },
        None => Error::Invalid { code: Code::BadOption, location: source.location(""), message: format!("config: {what}") },
    };
    let known: Vec<(String, &Value, String)> = operations(&doc.json);
    for id in options.skip.keys() {
        if !known.iter().any(|(known_id, _, _)| known_id == id) {
            return Err(wrong(format!("`skip` names `{id}`, but no operation has that operationId")));
        }
    }
    for (name, path) in &options.types {
        if doc.json.pointer(&format!("/components/schemas/{}", escape_segment(name))).is_none() {
            return Err(wrong(format!("`types` maps `{name}`, but components.schemas has no such schema")));
        }
        if syn::parse_str::<syn::Type>(path).is_err() {
            return Err(wrong(format!("`types` maps `{name}` to `{path}`, which is not a Rust type")));
        }
    }

    let mut custom =
        Customisation { rust_types: options.types.clone(), skipped: Vec::new(), tag_features: options.tag_features.unwrap_or(false) };
    let mut notes = Vec::new();
    let mut removed = Vec::new();
    for (id, _, pointer) in known {
        let Some(reason) = options.skip.get(&id) else { continue };
        let (path, method) = pointer.strip_prefix("/paths/").and_then(|rest| rest.rsplit_once('/')).unwrap_or_default();
        let path = path.replace("~1", "/").replace("~0", "~");
        let Some(method) = Method::ALL.into_iter().find(|m| m.key() == method) else { continue };
        let key = method.key();
        notes.push(Warning::new(Code::SkippedOperation, source.location(&pointer), format!("operation `{id}` is skipped: {reason}")));
        custom.skipped.push(SkippedOperation { id, method, path: path.clone(), reason: reason.clone() });
        removed.push((path, key));
    }
    for (path, key) in removed {
        if let Some(openapiv3::ReferenceOr::Item(item)) = doc.openapi.paths.paths.get_mut(&path) {
            clear_method(item, key);
        }
        if let Some(Value::Object(item)) = doc.json.get_mut("paths").and_then(|paths| paths.get_mut(&path)) {
            item.remove(key);
        }
    }
    Ok((custom, notes))
}

fn clear_method(item: &mut openapiv3::PathItem, key: &str) {
    let slot = match key {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    };
    *slot = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_sources_win_and_maps_merge() {
        let document = Options {
            name: Some("doc".into()),
            client: Some(false),
            skip: BTreeMap::from([("a".into(), "doc".into()), ("b".into(), "doc".into())]),
            ..Options::default()
        };
        let config = Options { name: Some("config".into()), skip: BTreeMap::from([("b".into(), "config".into())]), ..Options::default() };
        let merged = config.over(&document);
        assert_eq!(merged.name.as_deref(), Some("config"));
        assert_eq!(merged.parts(), Parts { client: false, server: true });
        assert_eq!(merged.skip["a"], "doc");
        assert_eq!(merged.skip["b"], "config");
    }

    #[test]
    fn config_files_hold_tables_per_spec() {
        let text = "[spec.clawguru]\nname = \"guru\"\nfeatures = [\"client\"]\ntag-features = true\nskip = { getRunbook = \"legacy\" }\ntypes = { Runbook = \"crate::Runbook\" }\n";
        let file = ConfigFile::parse(Path::new("clawgen.toml"), text).unwrap();
        let options = file.for_spec(Path::new("specs/clawguru.yaml"));
        assert_eq!(options.name.as_deref(), Some("guru"));
        assert_eq!(options.parts(), Parts { client: true, server: false });
        assert_eq!(options.skip["getRunbook"], "legacy");
        assert_eq!(options.types["Runbook"], "crate::Runbook");
        assert_eq!(options.tag_features, Some(true));
        assert_eq!(file.for_spec(Path::new("other.yaml")), Options::default());
    }

    #[test]
    fn config_mistakes_are_located() {
        let err = ConfigFile::parse(Path::new("clawgen.toml"), "[spec.a]\nfeatures = [\"cli\"]\n").unwrap_err();
        assert_eq!(err.location().and_then(|l| l.line_col), Some((2, 13)));
        assert!(err.to_string().contains("config: "), "{err}");
        let unknown = ConfigFile::parse(Path::new("clawgen.toml"), "[spec.a]\nskipped = {}\n").unwrap_err();
        assert!(unknown.to_string().contains("skipped"), "{unknown}");
    }
}
