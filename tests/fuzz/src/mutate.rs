//! The mutation classes: how a seed document becomes a hostile one.
//!
//! Structural classes edit the parsed document (as JSON values) and write it
//! back as YAML or JSON; textual classes edit the bytes. Every choice comes
//! from the case's [`Rng`], so a case is reproduced from its seed alone.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::Seed;
use crate::rng::Rng;

/// A class of mutation, as the README's table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Class {
    DeleteKey,
    SwapType,
    RefCycle,
    HostileText,
    HostileName,
    Truncate,
    FlipBytes,
    AliasBomb,
    DeepNesting,
    ExternalRef,
    DuplicateKey,
    BadPattern,
    Encoding,
}

impl Class {
    pub(crate) const ALL: [Class; 13] = [
        Class::DeleteKey,
        Class::SwapType,
        Class::RefCycle,
        Class::HostileText,
        Class::HostileName,
        Class::Truncate,
        Class::FlipBytes,
        Class::AliasBomb,
        Class::DeepNesting,
        Class::ExternalRef,
        Class::DuplicateKey,
        Class::BadPattern,
        Class::Encoding,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::DeleteKey => "deleted keys",
            Class::SwapType => "swapped types",
            Class::RefCycle => "$ref cycles",
            Class::HostileText => "hostile text",
            Class::HostileName => "hostile names",
            Class::Truncate => "truncation",
            Class::FlipBytes => "flipped bytes",
            Class::AliasBomb => "alias bombs",
            Class::DeepNesting => "deep nesting",
            Class::ExternalRef => "external $refs",
            Class::DuplicateKey => "duplicate keys",
            Class::BadPattern => "bad patterns",
            Class::Encoding => "encodings",
        }
    }
}

/// Text that has broken generators: bidirectional controls, carriage
/// returns, comment and attribute syntax, keywords, template syntax, huge text.
const HOSTILE: &[&str] = &[
    "\u{202E}evil\u{202C}",
    "a\rb",
    "line\r\nbreak",
    "nul\0byte",
    "*/ fn injected() {} /*",
    "\"]; fn injected() {} #[doc = \"",
    "#![deny(warnings)]",
    "```rust\npanic!()\n```",
    "    indented code",
    "self",
    "Self",
    "type",
    "crate",
    "r#type",
    "3d",
    "",
    " ",
    "😀",
    "\u{2066}isolate\u{2069}",
    "{{ title }}",
    "{% raw %}",
    "'",
    "-",
    "_",
    "__",
    "\t\u{b}\u{c}",
    "\u{feff}",
    "\u{85}next line",
    "\u{2028}",
    "Ω≈ç√",
    "x-clawgen-source",
    "$ref",
];

/// Patterns that are not Rust `regex` syntax (or not regexes at all).
const BAD_PATTERNS: &[&str] = &["([", "(?=a)", "(?<!x)y", "\\1", "a{2,1}", "[z-a]", "\\p{Nope}", "*", "(?P<n>a)(?P<n>b)", "\\"];

/// Where an external `$ref` may point.
const EXTERNAL: &[&str] = &[
    "/etc/passwd",
    "../../../../../../../../etc/passwd",
    "/dev/zero",
    "/dev/urandom",
    "/tmp",
    "./",
    "missing.yaml",
    "other.yaml",
    "other.yaml#/nothing",
    "other.yaml#/Thing",
    "back.yaml#/Back",
    "notes.md",
    "folder.yaml",
    "fifo.yaml",
    "https://example.com/x.yaml",
    "spec.yaml#/components/schemas",
];

/// Writes the case's document (and any file it refers to) into `dir`; returns the document's path.
pub(crate) fn write_case(class: Class, rng: &mut Rng, seed: &Seed, dir: &Path) -> PathBuf {
    let mut value = clawgen::load::Source::parse(&seed.path, seed.text.clone()).map(|s| s.value).unwrap_or(Value::Null);
    let json = rng.one_in(4);
    let spec = dir.join(if json { "spec.json" } else { "spec.yaml" });
    let bytes: Vec<u8> = match class {
        Class::DeleteKey => {
            for _ in 0..=rng.below(3) {
                delete_key(rng, &mut value);
            }
            text(&value, json).into_bytes()
        }
        Class::SwapType => {
            for _ in 0..=rng.below(3) {
                swap_type(rng, &mut value);
            }
            text(&value, json).into_bytes()
        }
        Class::RefCycle => {
            ref_cycle(rng, &mut value);
            text(&value, json).into_bytes()
        }
        Class::HostileText => {
            hostile_text(rng, &mut value);
            text(&value, json).into_bytes()
        }
        Class::HostileName => {
            hostile_name(rng, &mut value);
            text(&value, json).into_bytes()
        }
        Class::Truncate => {
            let mut bytes = text(&value, json).into_bytes();
            bytes.truncate(rng.below(bytes.len().max(1)));
            bytes
        }
        Class::FlipBytes => {
            let mut bytes = text(&value, json).into_bytes();
            for _ in 0..=rng.below(4) {
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
            bytes
        }
        Class::AliasBomb => alias_bomb(rng, &value).into_bytes(),
        Class::DeepNesting => deep_nesting(rng, &mut value, json),
        Class::ExternalRef => {
            external_ref(rng, &mut value, dir);
            text(&value, json).into_bytes()
        }
        Class::DuplicateKey => duplicate_key(rng, &text(&value, json)).into_bytes(),
        Class::BadPattern => {
            bad_pattern(rng, &mut value);
            text(&value, json).into_bytes()
        }
        Class::Encoding => encoding(rng, &text(&value, json)),
    };
    let _ = std::fs::write(&spec, bytes);
    spec
}

fn text(value: &Value, json: bool) -> String {
    if json { serde_json::to_string_pretty(value).unwrap_or_default() } else { serde_yaml::to_string(value).unwrap_or_default() }
}

/// Every node's pointer, without recursion.
fn pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((pointer, node)) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    stack.push((format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), child));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    stack.push((format!("{pointer}/{index}"), child));
                }
            }
            _ => {}
        }
        out.push(pointer);
    }
    out.sort();
    out
}

/// Pointers of the objects that sit where a schema goes.
fn schemas(value: &Value) -> Vec<String> {
    pointers(value)
        .into_iter()
        .filter(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            let last = parts.last().copied().unwrap_or_default();
            let parent = parts.len().checked_sub(2).map(|i| parts[i]).unwrap_or_default();
            value.pointer(p).is_some_and(Value::is_object)
                && (matches!(last, "schema" | "items" | "additionalProperties" | "not")
                    || matches!(parent, "properties" | "schemas" | "allOf" | "oneOf" | "anyOf" | "$defs"))
        })
        .collect()
}

fn delete_key(rng: &mut Rng, value: &mut Value) {
    let all: Vec<String> = pointers(value).into_iter().filter(|p| !p.is_empty()).collect();
    if all.is_empty() {
        return;
    }
    let pointer = rng.pick(&all).clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap_or_default();
    let key = key.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = key.parse::<usize>() {
                if index < items.len() {
                    items.remove(index);
                }
            }
        }
        _ => {}
    }
}

fn swap_type(rng: &mut Rng, value: &mut Value) {
    let all = pointers(value);
    let pointer = rng.pick(&all).clone();
    let replacement = match rng.below(8) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1.5e300),
        4 => json!("text"),
        5 => json!([]),
        6 => json!({}),
        _ => json!([{"$ref": "#/components/schemas"}]),
    };
    if let Some(node) = value.pointer_mut(&pointer) {
        *node = replacement;
    }
}

fn components(value: &mut Value) -> Option<&mut Map<String, Value>> {
    let root = value.as_object_mut()?;
    let components = root.entry("components").or_insert_with(|| json!({}));
    if !components.is_object() {
        *components = json!({});
    }
    let schemas = components.as_object_mut()?.entry("schemas").or_insert_with(|| json!({}));
    if !schemas.is_object() {
        *schemas = json!({});
    }
    schemas.as_object_mut()
}

/// Adds a path whose 200 response is `schema`, so that generation reaches it.
fn reach(value: &mut Value, schema: Value) {
    if let Some(root) = value.as_object_mut() {
        let paths = root.entry("paths").or_insert_with(|| json!({}));
        if let Some(paths) = paths.as_object_mut() {
            paths.insert(
                "/fuzz-reached".into(),
                json!({"get": {"operationId": "fuzzReached", "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": schema}}}}}}),
            );
        }
    }
}

fn ref_cycle(rng: &mut Rng, value: &mut Value) {
    let count = 1 + rng.below(4);
    let name = |i: usize| format!("Cycle{i}");
    let reference = |i: usize| json!({"$ref": format!("#/components/schemas/Cycle{i}")});
    let mut made = Vec::new();
    for i in 0..count {
        let next = reference((i + 1) % count);
        let mut branches = vec![next.clone()];
        if rng.one_in(3) {
            branches.push(reference(rng.below(count)));
        }
        if rng.one_in(3) {
            branches.push(json!({"type": "string"}));
        }
        let schema = match rng.below(7) {
            0 => json!({"oneOf": branches}),
            1 => json!({"anyOf": branches}),
            2 => json!({"allOf": branches}),
            3 => next,
            4 => json!({"type": "object", "required": ["next"], "properties": {"next": next}}),
            5 => json!({"type": ["object", "null"], "properties": {"next": next}}),
            _ => json!({"oneOf": [{"type": "null"}, next]}),
        };
        made.push((name(i), schema));
    }
    if let Some(schemas) = components(value) {
        for (name, schema) in made {
            schemas.insert(name, schema);
        }
    }
    if !rng.one_in(4) {
        reach(value, reference(0));
    }
}

fn hostile_text(rng: &mut Rng, value: &mut Value) {
    let strings: Vec<String> = pointers(value).into_iter().filter(|p| value.pointer(p).is_some_and(Value::is_string)).collect();
    for _ in 0..=rng.below(4) {
        let text = hostile(rng);
        match rng.below(3) {
            0 if !strings.is_empty() => {
                let pointer = rng.pick(&strings).clone();
                if let Some(node) = value.pointer_mut(&pointer) {
                    *node = Value::String(text);
                }
            }
            1 => {
                if let Some(info) = value.pointer_mut("/info").and_then(Value::as_object_mut) {
                    info.insert(if rng.one_in(2) { "title" } else { "description" }.into(), Value::String(text));
                }
            }
            _ => {
                let schemas = schemas(value);
                if !schemas.is_empty() {
                    let pointer = rng.pick(&schemas).clone();
                    if let Some(Value::Object(schema)) = value.pointer_mut(&pointer) {
                        let key = *rng.pick(&["description", "title", "example", "default", "format"]);
                        schema.insert(key.into(), Value::String(text));
                    }
                }
            }
        }
    }
}

fn hostile(rng: &mut Rng) -> String {
    if rng.one_in(20) {
        return "\u{202E}long ".repeat(2000);
    }
    let mut text = (*rng.pick(HOSTILE)).to_owned();
    if rng.one_in(2) {
        text.push_str(HOSTILE[rng.below(HOSTILE.len())]);
    }
    text
}

fn hostile_name(rng: &mut Rng, value: &mut Value) {
    let maps: Vec<String> = pointers(value)
        .into_iter()
        .filter(|p| {
            (p.ends_with("/properties") || p.ends_with("/schemas") || p.ends_with("/paths") || p.ends_with("/responses"))
                && value.pointer(p).is_some_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        })
        .collect();
    for _ in 0..=rng.below(3) {
        let name = hostile(rng);
        if rng.one_in(3) || maps.is_empty() {
            // An operationId, a parameter name or an enum value.
            let targets: Vec<String> = pointers(value)
                .into_iter()
                .filter(|p| p.ends_with("/operationId") || p.ends_with("/name") || p.contains("/enum/"))
                .collect();
            if !targets.is_empty() {
                let pointer = rng.pick(&targets).clone();
                if let Some(node) = value.pointer_mut(&pointer) {
                    *node = Value::String(name);
                }
            }
            continue;
        }
        let pointer = rng.pick(&maps).clone();
        if let Some(Value::Object(map)) = value.pointer_mut(&pointer) {
            let index = rng.below(map.len());
            if let Some(key) = map.keys().nth(index).cloned() {
                let child = map.shift_remove(&key).unwrap_or(Value::Null);
                let name = if pointer.ends_with("/paths") { format!("/{name}") } else { name };
                map.insert(name, child);
            }
        }
    }
}

fn alias_bomb(rng: &mut Rng, value: &Value) -> String {
    let mut text = text(value, false);
    let width = 2 + rng.below(9);
    let levels = 2 + rng.below(9);
    text.push_str("x-bomb:\n");
    text.push_str(&format!("  l0: &l0 [{}]\n", vec!["\"lol\""; width].join(", ")));
    for level in 1..levels {
        text.push_str(&format!("  l{level}: &l{level} [{}]\n", vec![format!("*l{}", level - 1); width].join(", ")));
    }
    if rng.one_in(2) {
        // Aliases in a schema, where they are followed, not only stored.
        text.push_str(&format!("x-used: {{schema: *l{}}}\n", levels - 1));
    }
    text
}

fn deep_nesting(rng: &mut Rng, value: &mut Value, json: bool) -> Vec<u8> {
    let depth = *rng.pick(&[10usize, 60, 130, 300, 500, 700, 1100]);
    if rng.one_in(4) {
        // Bare brackets in an example, the parsers' own limits.
        let example = format!("{}{}", "[".repeat(depth * 4), "]".repeat(depth * 4));
        let text = text(value, true);
        return text.replacen('{', &format!("{{\"x-deep\": {example},"), 1).into_bytes();
    }
    let mut schema = json!({"type": "string"});
    for level in 0..depth {
        schema = match rng.below(4) {
            0 => json!({"type": "array", "items": schema}),
            1 => json!({"allOf": [schema]}),
            2 => json!({"oneOf": [schema, {"type": "integer"}]}),
            _ => json!({"type": "object", "properties": {format!("p{level}"): schema}}),
        };
    }
    if let Some(schemas) = components(value) {
        schemas.insert("Deep".into(), schema);
    }
    reach(value, json!({"$ref": "#/components/schemas/Deep"}));
    text(value, json).into_bytes()
}

fn external_ref(rng: &mut Rng, value: &mut Value, dir: &Path) {
    let _ =
        std::fs::write(dir.join("other.yaml"), "Thing: {type: object, properties: {back: {$ref: 'spec.yaml#/components/schemas/Back'}}}\n");
    let _ = std::fs::write(dir.join("back.yaml"), "Back: {$ref: 'back.yaml#/Back'}\n");
    let _ = std::fs::write(dir.join("notes.md"), "# Notes\n\u{202E}text\r\n");
    let _ = std::fs::create_dir_all(dir.join("folder.yaml"));
    if rng.one_in(3) {
        let _ = std::process::Command::new("mkfifo").arg(dir.join("fifo.yaml")).status();
    }
    let target = (*rng.pick(EXTERNAL)).to_owned();
    let reference = json!({"$ref": target});
    if let Some(schemas) = components(value) {
        schemas.insert("Back".into(), json!({"type": "string"}));
        schemas.insert("External".into(), reference.clone());
    }
    match rng.below(3) {
        // Unreachable: the loader must still refuse to read outside.
        0 => {}
        1 => reach(value, json!({"$ref": "#/components/schemas/External"})),
        _ => {
            let schemas = schemas(value);
            if !schemas.is_empty() {
                let pointer = rng.pick(&schemas).clone();
                if let Some(node) = value.pointer_mut(&pointer) {
                    *node = reference;
                }
            }
        }
    }
}

fn duplicate_key(rng: &mut Rng, text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let candidates: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            (t.contains(": ") && !t.starts_with('-') && !t.ends_with(':') && !t.ends_with('{') && !t.ends_with('['))
                || (t.starts_with('"') && t.contains("\": ") && t.ends_with(','))
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return text.to_owned();
    }
    let at = *rng.pick(&candidates);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let copy = if rng.one_in(2) { out[at].clone() } else { out[at].replacen(": ", ": 1", 1).replace(": 1\"", ": \"x") };
    let copy = if copy.trim_end().ends_with(',') || !out[at].trim_end().ends_with(',') { copy } else { format!("{copy},") };
    out.insert(at + 1, copy);
    out.join("\n") + "\n"
}

fn bad_pattern(rng: &mut Rng, value: &mut Value) {
    let pattern = (*rng.pick(BAD_PATTERNS)).to_owned();
    let schemas = schemas(value);
    if schemas.is_empty() || rng.one_in(3) {
        if let Some(components) = components(value) {
            components.insert(
                "Patterned".into(),
                json!({"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "pattern": pattern}}}),
            );
        }
        reach(value, json!({"$ref": "#/components/schemas/Patterned"}));
        return;
    }
    let pointer = rng.pick(&schemas).clone();
    if let Some(Value::Object(schema)) = value.pointer_mut(&pointer) {
        schema.insert("pattern".into(), Value::String(pattern));
    }
}

fn encoding(rng: &mut Rng, text: &str) -> Vec<u8> {
    match rng.below(7) {
        0 => format!("\u{feff}{text}").into_bytes(),
        1 => std::iter::once(0xFEFFu16).chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect(),
        2 => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        3 => format!("{text}---\nopenapi: 3.1.0\n").into_bytes(),
        4 => text.replace('\n', "\r\n").into_bytes(),
        5 => text.replace('\n', "\r").into_bytes(),
        _ => {
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len().max(1));
            bytes.insert(at.min(bytes.len()), 0xE9);
            bytes
        }
    }
}
