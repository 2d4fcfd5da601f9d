//! External `$ref`s: documents that span files are bundled into one value.
//!
//! A `$ref` to another file (`schemas/Menu.yaml`, `common.yaml#/Error`) is
//! replaced by the content it points at, read relative to the file that holds
//! the `$ref`, recursively. Each inlined object is marked
//! `x-clawgen-source: <file>#<pointer>` so that the IR gives a schema that is
//! inlined in many places one type, named after its file. A reference back
//! into content that is being inlined becomes an internal `$ref` to where that
//! content now lives, so cycles across files stay cycles. `$ref`s inside `x-`
//! extensions are documentation (code samples) and are not followed.
//!
//! Reading is confined: a `$ref` may only reach files inside the root
//! document's folder tree (and the folders the caller allows besides), and
//! only regular files of bounded size ([`super::read_text`]), so that a
//! document cannot make clawgen read `/etc/passwd`, `/dev/zero` or a FIFO.
//! Every refusal is located at the `$ref`, in the file that holds it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Source, escape_segment};
use crate::diagnostic::Code;
use crate::error::{Error, Location, Result};

/// The marker put on inlined objects.
pub const SOURCE_KEY: &str = "x-clawgen-source";

/// Keys whose values map names to things, where a marker key would read as one more name.
pub(crate) const MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "responses",
    "parameters",
    "headers",
    "requestBodies",
    "securitySchemes",
    "examples",
    "links",
    "callbacks",
    "paths",
    "webhooks",
    "content",
    "encoding",
    "variables",
    "mapping",
    "pathItems",
];

pub(super) struct Bundler<'a> {
    main: &'a Path,
    /// Folders (canonical) that referenced files must be inside.
    roots: Vec<PathBuf>,
    /// Files read, by path, parsed.
    files: BTreeMap<PathBuf, Source>,
    /// Targets being inlined, with the pointer in the main document where each now lives.
    open: Vec<(String, String)>,
}

/// What a `$ref` points at.
enum Target {
    /// A URL, which is not read.
    Remote,
    /// A fragment of the entry document, as written (still percent-encoded).
    Main(String),
    /// A file besides the entry document, and a fragment of it (decoded).
    Other((PathBuf, String)),
}

/// Where a `$ref` is: the file that holds it and the pointer inside that file.
struct Holder<'p> {
    file: &'p Path,
    pointer: &'p str,
}

impl<'a> Bundler<'a> {
    /// A bundler for the document at `main`, whose `$ref`s may read inside its
    /// folder and inside `roots`.
    pub(super) fn new(main: &'a Path, roots: &[PathBuf]) -> Self {
        let folder = main.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let roots = std::iter::once(folder).chain(roots.iter().map(PathBuf::as_path)).filter_map(|r| r.canonicalize().ok()).collect();
        Bundler { main, roots, files: BTreeMap::new(), open: Vec::new() }
    }

    /// Every file read besides the main one.
    pub(super) fn files(self) -> Vec<PathBuf> {
        self.files.into_keys().collect()
    }

    /// Inlines the external references inside `value`, which was read from `file`
    /// at `local` and now lives at `pointer` in the main document.
    pub(super) fn inline(&mut self, value: &mut Value, file: &Path, local: &str, pointer: &str) -> Result<()> {
        self.walk(value, file, &mut local.to_owned(), &mut pointer.to_owned())
    }

    /// [`Bundler::inline`], with the two pointers as buffers that each level
    /// extends and restores: a document has millions of nodes.
    fn walk(&mut self, value: &mut Value, file: &Path, local: &mut String, pointer: &mut String) -> Result<()> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let written_as_file = !reference.starts_with('#');
                    match self.target(reference, file) {
                        Target::Other(target) => {
                            let holder = Holder { file, pointer: local };
                            return self.replace(value, target, &holder, pointer);
                        }
                        // A file beside the entry pointing back into it (`../../main.yaml#/x`):
                        // in the bundle that is a `$ref` inside the one document.
                        Target::Main(fragment) if written_as_file => {
                            map.insert("$ref".to_owned(), Value::String(format!("#{fragment}")));
                            return Ok(());
                        }
                        Target::Main(_) | Target::Remote => {}
                    }
                }
                // In a map of names (`headers: {x-request-id: …}`) an `x-` key is a name, not an extension.
                let names = MAPS.contains(&pointer.rsplit('/').next().unwrap_or_default());
                for (key, child) in map.iter_mut() {
                    if key.starts_with("x-") && !names {
                        continue;
                    }
                    let key = escape_segment(key);
                    self.walk_child(child, file, local, pointer, &key)?;
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    self.walk_child(item, file, local, pointer, &index.to_string())?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn walk_child(&mut self, child: &mut Value, file: &Path, local: &mut String, pointer: &mut String, segment: &str) -> Result<()> {
        let (local_len, pointer_len) = (local.len(), pointer.len());
        for buffer in [&mut *local, &mut *pointer] {
            buffer.push('/');
            buffer.push_str(segment);
        }
        let result = self.walk(child, file, local, pointer);
        local.truncate(local_len);
        pointer.truncate(pointer_len);
        result
    }

    /// What a `$ref` in `file` points at.
    fn target(&self, reference: &str, file: &Path) -> Target {
        // Most references are local ones in the main document, which stay as written.
        if reference.starts_with('#') && file == self.main {
            return Target::Main(String::new());
        }
        let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if path.contains("://") {
            return Target::Remote;
        }
        let target = if path.is_empty() { file.to_path_buf() } else { file.parent().unwrap_or(Path::new("")).join(path) };
        let target = normalize(&target);
        if target == normalize(self.main) {
            return Target::Main(fragment.to_owned());
        }
        // The fragment is read as every `$ref` is (`load/pointer.rs`): percent-decoded, then a pointer.
        Target::Other((target, super::pointer::percent_decode(fragment)))
    }

    fn replace(&mut self, value: &mut Value, (target, fragment): (PathBuf, String), holder: &Holder<'_>, pointer: &str) -> Result<()> {
        let key = format!("{}#{fragment}", target.display());
        if let Some((_, placed)) = self.open.iter().find(|(open, _)| *open == key) {
            *value = Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(format!("#{placed}")))]));
            return Ok(());
        }
        let document = self.document(&target, holder)?;
        let mut content = document.value.pointer(&fragment).cloned().ok_or_else(|| Error::Invalid {
            code: Code::UnresolvedRef,
            location: self.location(holder),
            message: format!("$ref {} points at nothing", super::excerpt(&key)),
        })?;
        // Siblings of the `$ref` (a description, say) stay, over the target's own.
        if let (Value::Object(siblings), Value::Object(target_map)) = (&*value, &mut content) {
            for (k, v) in siblings.iter().filter(|(k, _)| k.as_str() != "$ref") {
                target_map.insert(k.clone(), v.clone());
            }
            // Under a map of named things (`properties: {$ref}` in the wild) the marker would be a name.
            let parent = pointer.rsplit('/').next().unwrap_or_default();
            if !MAPS.contains(&parent) {
                target_map.entry(SOURCE_KEY).or_insert_with(|| Value::String(key.clone()));
            }
        }
        self.open.push((key, pointer.to_owned()));
        let result = self.walk(&mut content, &target, &mut fragment.clone(), &mut pointer.to_owned());
        self.open.pop();
        *value = content;
        result
    }

    /// Where the `$ref` is, with its line and column when the file holding it has been read.
    fn location(&self, holder: &Holder<'_>) -> Location {
        let pointer = format!("{}/$ref", holder.pointer);
        match self.files.get(holder.file) {
            Some(source) => source.location(&pointer),
            // The main document: `Source::read` fills in line and column.
            None => Location { file: holder.file.to_path_buf(), pointer, line_col: None },
        }
    }

    fn document(&mut self, path: &Path, holder: &Holder<'_>) -> Result<&Source> {
        if !self.files.contains_key(path) {
            let refused = |code: Code, message: String| Error::Invalid { code, location: self.location(holder), message };
            let shown = super::excerpt(&path.display().to_string());
            let canonical = match path.canonicalize() {
                Ok(canonical) => canonical,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    return Err(refused(Code::UnresolvedRef, format!("$ref to {shown}, which does not exist")));
                }
                Err(err) => return Err(refused(Code::Io, format!("$ref to {shown}, which cannot be read: {err}"))),
            };
            if !self.roots.iter().any(|root| canonical.starts_with(root)) {
                return Err(refused(
                    Code::Invalid,
                    format!(
                        "$ref to {shown}, which is outside the folder of the document; \
                     allow its folder with --allow-refs-under (Config::allow_refs_under) if that is intended"
                    ),
                ));
            }
            let text = super::read_text(&canonical).map_err(|problem| refused(Code::Invalid, format!("$ref to {shown}: {problem}")))?;
            let parsed = match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml" | "json") => Source::parse(path, text)?,
                // Anything else (a Markdown description, say) is its text.
                _ => Source { path: path.to_path_buf(), value: Value::String(text), text: String::new(), ..Source::empty() },
            };
            self.files.insert(path.to_path_buf(), parsed);
        }
        Ok(&self.files[path])
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_into_other_files_are_percent_decoded() {
        let dir = std::env::temp_dir().join(format!("clawgen-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("common.yaml"), "paths:\n  /a/{id}:\n    get:\n      description: shared\n").unwrap();
        let main = dir.join("main.yaml");
        std::fs::write(&main, "x: {$ref: 'common.yaml#/paths/~1a~1%7Bid%7D/get'}\n").unwrap();
        let source = Source::read(&main);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(source.unwrap().value["x"]["description"], "shared");
    }

    #[test]
    fn files_pointing_back_into_the_entry_document_become_internal_refs() {
        let dir = std::env::temp_dir().join(format!("clawgen-bundle-back-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("types/v2")).unwrap();
        std::fs::write(
            dir.join("types/v2/Pair.yaml"),
            "Pair:\n  properties:\n    left: {$ref: '../../main.yaml#/components/schemas/Left%20Side'}\n",
        )
        .unwrap();
        let main = dir.join("main.yaml");
        std::fs::write(&main, "components:\n  schemas:\n    Left Side: {type: string}\n    Pair: {$ref: 'types/v2/Pair.yaml#/Pair'}\n")
            .unwrap();
        let source = Source::read(&main);
        std::fs::remove_dir_all(&dir).unwrap();
        let value = source.unwrap().value;
        assert_eq!(value["components"]["schemas"]["Pair"]["properties"]["left"]["$ref"], "#/components/schemas/Left%20Side");
    }
}
