//! Turns a JSON pointer back into a line and column of the source text.
//!
//! The parsers give values without positions, so positions are recovered on
//! demand, only when a diagnostic needs one. JSON is scanned exactly. YAML is
//! walked by indentation, which covers block style (what OpenAPI documents are
//! written in); inside flow collections the position of the enclosing key is
//! reported instead.
//!
//! A large document may have hundreds of located warnings, so nothing here
//! rescans the text per lookup: a [`Locator`] builds its indexes of the text
//! once, on the first lookup, and remembers the members of every container a
//! lookup has walked through. A lookup then costs its pointer's depth.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The indexes of one document's text, built on first use.
#[derive(Default)]
pub(super) struct Locator {
    line_starts: OnceLock<Vec<usize>>,
    chars: OnceLock<CharIndex>,
    json: OnceLock<JsonIndex>,
    yaml: OnceLock<YamlIndex>,
}

impl Clone for Locator {
    /// A copy starts empty: the indexes are rebuilt if it is ever asked.
    fn clone(&self) -> Self {
        Locator::default()
    }
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locator { .. }")
    }
}

impl Locator {
    /// Finds `segments` in JSON text.
    pub(super) fn json(&self, text: &str, segments: &[String]) -> Option<(usize, usize)> {
        let index = self.json.get_or_init(|| JsonIndex::build(text));
        let mut pos = index.root;
        for segment in segments {
            pos = index.child(text, pos, segment)?;
        }
        Some(self.line_col(text, pos))
    }

    /// Finds `segments` in block-style YAML text.
    pub(super) fn yaml(&self, text: &str, segments: &[String]) -> Option<(usize, usize)> {
        self.yaml.get_or_init(|| YamlIndex::build(text)).find(text, segments)
    }

    /// The 1-based line and column of byte offset `pos`.
    fn line_col(&self, text: &str, pos: usize) -> (usize, usize) {
        let starts = self
            .line_starts
            .get_or_init(|| std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1)).collect());
        let pos = pos.min(text.len());
        let line = starts.partition_point(|&start| start <= pos);
        let line_start = starts[line - 1];
        let col = self.chars.get_or_init(|| CharIndex::new(text)).chars_between(text, line_start, pos) + 1;
        (line, col)
    }
}

/// Counts characters between byte offsets without reading all the bytes in
/// between: a minified document's one line is megabytes long.
pub(crate) struct CharIndex {
    /// Per block of [`CharIndex::BLOCK`] bytes, the UTF-8 continuation bytes before it.
    continuations: Vec<usize>,
}

impl CharIndex {
    const BLOCK: usize = 4096;

    pub(crate) fn new(text: &str) -> Self {
        let mut continuations = vec![0];
        let mut seen = 0;
        for block in text.as_bytes().chunks(Self::BLOCK) {
            seen += continuation_bytes(block);
            continuations.push(seen);
        }
        CharIndex { continuations }
    }

    /// Continuation bytes in `text[..at]`.
    fn continuations_before(&self, text: &str, at: usize) -> usize {
        let at = at.min(text.len());
        let block = at / Self::BLOCK;
        self.continuations[block] + continuation_bytes(&text.as_bytes()[block * Self::BLOCK..at])
    }

    /// The characters in `text[from..to]` (`from` and `to` on character boundaries).
    pub(crate) fn chars_between(&self, text: &str, from: usize, to: usize) -> usize {
        let to = to.min(text.len());
        let from = from.min(to);
        (to - from) - (self.continuations_before(text, to) - self.continuations_before(text, from))
    }

    /// The byte offset `chars` characters after `from` (the end of `text` if there are fewer).
    pub(crate) fn byte_after_chars(&self, text: &str, from: usize, chars: usize) -> usize {
        // Whole blocks first, while the character count stays within reach; then character by character.
        let mut at = from;
        let mut left = chars;
        loop {
            let mut next = (at / Self::BLOCK + 1) * Self::BLOCK;
            if next >= text.len() {
                break;
            }
            while !text.is_char_boundary(next) {
                next += 1;
            }
            let in_block = self.chars_between(text, at, next);
            if in_block > left {
                break;
            }
            left -= in_block;
            at = next;
        }
        text[at..].char_indices().nth(left).map_or(text.len(), |(offset, _)| at + offset)
    }
}

fn continuation_bytes(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 == 0x80).count()
}

/// Finds `segments` in JSON text, without keeping an index (for tests and one-off lookups).
#[cfg(test)]
pub(super) fn json(text: &str, segments: &[String]) -> Option<(usize, usize)> {
    Locator::default().json(text, segments)
}

/// Finds `segments` in block-style YAML text, without keeping an index.
#[cfg(test)]
pub(super) fn yaml(text: &str, segments: &[String]) -> Option<(usize, usize)> {
    Locator::default().yaml(text, segments)
}

/// Where the containers of a JSON text start and end, and the members of
/// those that lookups have entered.
struct JsonIndex {
    /// The offset of the document's value.
    root: usize,
    /// Every object and array as (offset of its bracket, offset after its
    /// closing bracket), in the order they open; `usize::MAX` if it never closes.
    spans: Vec<(usize, usize)>,
    /// The members of the containers lookups have entered, by the offset of their bracket.
    members: Mutex<HashMap<usize, Arc<Members>>>,
}

/// Where the values of one container start.
enum Members {
    /// By key; the first of two equal keys wins.
    Object(HashMap<String, usize>),
    /// By index.
    Array(Vec<usize>),
}

impl JsonIndex {
    /// One pass over the text: strings are skipped, brackets paired.
    fn build(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut spans = Vec::new();
        let mut open = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'"' => {
                    at = skip_string(bytes, at).unwrap_or(bytes.len());
                    continue;
                }
                b'{' | b'[' => {
                    open.push(spans.len());
                    spans.push((at, usize::MAX));
                }
                b'}' | b']' => {
                    if let Some(span) = open.pop() {
                        spans[span].1 = at + 1;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        let body = text.strip_prefix('\u{feff}').map_or(0, |_| '\u{feff}'.len_utf8());
        JsonIndex { root: skip_ws(bytes, body), spans, members: Mutex::new(HashMap::new()) }
    }

    /// The start of the child value named `segment` of the container at `pos`.
    fn child(&self, text: &str, pos: usize, segment: &str) -> Option<usize> {
        match &*self.members_of(text, pos)? {
            Members::Object(members) => members.get(segment).copied(),
            Members::Array(items) => items.get(segment.parse::<usize>().ok()?).copied(),
        }
    }

    fn members_of(&self, text: &str, pos: usize) -> Option<Arc<Members>> {
        // A panic elsewhere cannot leave the map half-written: entries are inserted whole.
        let mut known = self.members.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(members) = known.get(&pos) {
            return Some(Arc::clone(members));
        }
        let members = Arc::new(self.scan_members(text, pos)?);
        known.insert(pos, Arc::clone(&members));
        Some(members)
    }

    /// Reads the members of the container at `pos`, skipping their values through `spans`.
    fn scan_members(&self, text: &str, pos: usize) -> Option<Members> {
        let bytes = text.as_bytes();
        match bytes.get(pos)? {
            b'{' => {
                let mut members = HashMap::new();
                let mut at = skip_ws(bytes, pos + 1);
                while bytes.get(at) == Some(&b'"') {
                    let Some(key_end) = skip_string(bytes, at) else { break };
                    let raw = &text[at + 1..key_end - 1];
                    let key = if raw.contains('\\') { serde_json::from_str(&text[at..key_end]).ok() } else { Some(raw.to_owned()) };
                    at = skip_ws(bytes, key_end);
                    if bytes.get(at) != Some(&b':') {
                        break;
                    }
                    at = skip_ws(bytes, at + 1);
                    if let Some(key) = key {
                        members.entry(key).or_insert(at);
                    }
                    let Some(end) = self.skip_value(bytes, at) else { break };
                    at = skip_ws(bytes, end);
                    if bytes.get(at) == Some(&b',') {
                        at = skip_ws(bytes, at + 1);
                    }
                }
                Some(Members::Object(members))
            }
            b'[' => {
                let mut items = Vec::new();
                let mut at = skip_ws(bytes, pos + 1);
                while bytes.get(at).is_some_and(|b| *b != b']') {
                    items.push(at);
                    let Some(end) = self.skip_value(bytes, at) else { break };
                    at = skip_ws(bytes, end);
                    if bytes.get(at) != Some(&b',') {
                        break;
                    }
                    at = skip_ws(bytes, at + 1);
                }
                Some(Members::Array(items))
            }
            _ => None,
        }
    }

    /// The offset after the value at `pos`; a container is looked up, not scanned.
    fn skip_value(&self, bytes: &[u8], pos: usize) -> Option<usize> {
        match bytes.get(pos)? {
            b'"' => skip_string(bytes, pos),
            b'{' | b'[' => {
                let span = self.spans.binary_search_by_key(&pos, |&(open, _)| open).ok()?;
                Some(self.spans[span].1).filter(|&end| end != usize::MAX)
            }
            _ => {
                let mut at = pos;
                while at < bytes.len() && !matches!(bytes[at], b',' | b'}' | b']') && !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                Some(at)
            }
        }
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

fn skip_string(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut at = pos + 1;
    loop {
        match bytes.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The 1-based line and column of byte offset `pos`, counted from the start (for one-off positions).
pub(super) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..pos.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, col)
}

/// The significant lines of a YAML text and how they nest.
struct YamlIndex {
    /// Per line of the text: its indentation and content as a byte range, or
    /// `None` for blank lines, comments and `---`.
    lines: Vec<Option<Row>>,
    /// Per significant line: the next significant line indented no deeper,
    /// which is where its block ends (`lines.len()` if none).
    next: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Row {
    indent: usize,
    start: usize,
    end: usize,
}

/// A line of YAML with its indentation, as the walk currently sees it.
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    content: &'a str,
}

impl YamlIndex {
    fn build(text: &str) -> Self {
        let mut lines = Vec::new();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let start = offset;
            offset += raw.len();
            let raw = raw.strip_suffix('\n').map_or(raw, |r| r.strip_suffix('\r').unwrap_or(r));
            let content = raw.trim_start_matches(' ');
            let significant = !content.is_empty() && !content.starts_with('#') && content != "---";
            let indent = raw.len() - content.len();
            lines.push(significant.then_some(Row { indent, start: start + indent, end: start + raw.len() }));
        }
        let mut next = vec![lines.len(); lines.len()];
        let mut open: Vec<usize> = Vec::new();
        for (i, row) in lines.iter().enumerate() {
            let Some(row) = row else { continue };
            while let Some(&last) = open.last() {
                if lines[last].is_some_and(|l| l.indent >= row.indent) {
                    next[last] = i;
                    open.pop();
                } else {
                    break;
                }
            }
            open.push(i);
        }
        YamlIndex { lines, next }
    }

    fn find(&self, text: &str, segments: &[String]) -> Option<(usize, usize)> {
        let mut walk = Walk { index: self, text, items: Vec::new() };
        // The block being searched: lines [start, end) deeper than `parent`.
        let (mut start, mut end, mut parent): (usize, usize, Option<usize>) = (0, self.lines.len(), None);
        let mut found = (1, 1);
        // Inside a flow collection (`{a: 1}`) the walk stops at the enclosing key.
        let mut in_flow = false;
        for segment in segments {
            if in_flow {
                return Some(found);
            }
            let first = (start..end).find(|&i| walk.line(i).is_some_and(|l| parent.is_none_or(|p| l.indent > p)))?;
            let first_line = walk.line(first)?;
            let child_indent = first_line.indent;
            let mut siblings = std::iter::successors(Some(first), |&i| walk.sibling_after(i, child_indent, end));
            let hit = if let (true, Ok(index)) = (first_line.content.starts_with('-'), segment.parse::<usize>()) {
                siblings.filter(|&i| walk.line(i).is_some_and(|l| l.content.starts_with('-'))).nth(index)
            } else {
                siblings.find(|&i| walk.line(i).is_some_and(|l| yaml_key(l.content).as_deref() == Some(segment.as_str())))
            }?;
            let line = walk.line(hit)?;
            found = (hit + 1, line.indent + 1);
            in_flow = line.content.split_once(':').is_some_and(|(_, value)| value.trim_start().starts_with(['{', '[']));
            let block_end = walk.shallower(hit + 1, child_indent, end);
            if line.content.starts_with('-') {
                // A sequence item's content starts after the dash, on the same line.
                let rest = line.content[1..].trim_start_matches(' ');
                let indent = line.indent + (line.content.len() - rest.len());
                walk.items.push((hit, (!rest.is_empty()).then_some(Line { indent, content: rest })));
                start = hit;
            } else {
                start = hit + 1;
            }
            end = block_end;
            parent = Some(child_indent);
        }
        Some(found)
    }
}

/// One lookup's view of the lines: a sequence item it entered is seen as the content after its dash.
struct Walk<'a> {
    index: &'a YamlIndex,
    text: &'a str,
    items: Vec<(usize, Option<Line<'a>>)>,
}

impl<'a> Walk<'a> {
    fn line(&self, i: usize) -> Option<Line<'a>> {
        if let Some((_, item)) = self.items.iter().rev().find(|(at, _)| *at == i) {
            return *item;
        }
        let row = self.index.lines.get(i).copied().flatten()?;
        Some(Line { indent: row.indent, content: &self.text[row.start..row.end] })
    }

    /// The first significant line from `from` (before `end`) indented at most `indent`, or `end`.
    fn shallower(&self, from: usize, indent: usize, end: usize) -> usize {
        let mut at = from;
        while at < end {
            match self.line(at) {
                None => at += 1,
                // Its whole block is deeper too.
                Some(line) if line.indent > indent => at = self.index.next[at].max(at + 1),
                Some(_) => return at,
            }
        }
        end
    }

    /// The next line after `i` (before `end`) indented exactly `indent`.
    fn sibling_after(&self, i: usize, indent: usize, end: usize) -> Option<usize> {
        let mut at = self.shallower(i + 1, indent, end);
        while at < end {
            if self.line(at).is_some_and(|l| l.indent == indent) {
                return Some(at);
            }
            at = self.shallower(at + 1, indent, end);
        }
        None
    }
}

/// The key of a `key: value` line, unquoted.
fn yaml_key(content: &str) -> Option<String> {
    if let Some(quote @ ('"' | '\'')) = content.chars().next() {
        let close = content[1..].find(quote)? + 1;
        let after = content[close + 1..].trim_start();
        return after.starts_with(':').then(|| content[1..close].to_owned());
    }
    let colon = content.find(": ").or_else(|| content.strip_suffix(':').map(|s| s.len()))?;
    Some(content[..colon].trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(pointer: &str) -> Vec<String> {
        super::super::pointer_segments(pointer)
    }

    #[test]
    fn finds_nodes_in_pretty_and_minified_json() {
        let pretty = "{\n  \"a\": {\n    \"b\": [1, {\"c\": true}]\n  }\n}";
        assert_eq!(json(pretty, &segs("/a/b/1/c")), Some((3, 20)));
        let minified = r#"{"x":"}","a":{"b":2}}"#;
        assert_eq!(json(minified, &segs("/a/b")), Some((1, 19)));
        assert_eq!(json(minified, &segs("/missing")), None);
    }

    #[test]
    fn finds_nodes_in_block_yaml() {
        let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      parameters:\n        - name: x\n          in: query\n        - name: y\n          in: path\n";
        assert_eq!(yaml(text, &segs("/paths/~1a/get")), Some((4, 5)));
        assert_eq!(yaml(text, &segs("/paths/~1a/get/parameters/1/in")), Some((9, 11)));
        assert_eq!(yaml(text, &segs("/paths/~1a/get/parameters/0/name")), Some((6, 11)));
        assert_eq!(yaml(text, &segs("/paths/~1b")), None);
    }

    #[test]
    fn stops_at_the_key_of_a_flow_collection() {
        let text = "components:\n  schemas:\n    Odd: {type: string, odd: true}\n";
        assert_eq!(yaml(text, &segs("/components/schemas/Odd/odd")), Some((3, 5)));
    }

    #[test]
    fn finds_quoted_yaml_keys() {
        let text = "responses:\n  '200':\n    description: ok\n  \"404\":\n    description: no\n";
        assert_eq!(yaml(text, &segs("/responses/404/description")), Some((5, 5)));
    }

    /// Every node of the document, with its pointer segments.
    fn nodes(value: &serde_json::Value, at: Vec<String>, out: &mut Vec<(Vec<String>, serde_json::Value)>) {
        out.push((at.clone(), value.clone()));
        let children: Vec<(String, &serde_json::Value)> = match value {
            serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            serde_json::Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
            _ => Vec::new(),
        };
        for (segment, child) in children {
            let mut path = at.clone();
            path.push(segment);
            nodes(child, path, out);
        }
    }

    #[test]
    fn every_json_node_is_found_where_its_value_starts_through_one_index() {
        let text =
            "\u{feff}{\"a\\/b\": [1, {\"x\": \"}\\\"\"}, []],\n \"ünï\": {\"k\": null, \"k2\": -1.5e3},\n\t\"e\": {}, \"s\": [[2], \"3\"]}";
        let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let mut all = Vec::new();
        nodes(&value, Vec::new(), &mut all);
        let locator = Locator::default();
        let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        // Twice: the second round reads the remembered members.
        for _ in 0..2 {
            for (segments, expected) in &all {
                let (line, col) = locator.json(text, segments).unwrap_or_else(|| panic!("{segments:?} not found"));
                let offset = line_starts[line - 1] + text[line_starts[line - 1]..].chars().take(col - 1).map(char::len_utf8).sum::<usize>();
                let found: serde_json::Value = serde_json::Deserializer::from_str(&text[offset..]).into_iter().next().unwrap().unwrap();
                assert_eq!(&found, expected, "{segments:?}");
            }
        }
        assert_eq!(locator.json(text, &segs("/a/3")), None);
        assert_eq!(locator.json(text, &segs("/a/x")), None);
        assert_eq!(locator.json(text, &segs("/e/k")), None);
    }

    #[test]
    fn yaml_walks_skip_deeper_blocks_and_comments() {
        let text =
            "a:\n  b:\n    c: 1\n    # d: no\n    d:\n      - 1\n  # e: no\n  e:\n    - - x: 1\n        y: 2\n      - z\n    - w: 3\n";
        let locator = Locator::default();
        for _ in 0..2 {
            assert_eq!(locator.yaml(text, &segs("/a/b/d")), Some((5, 5)));
            assert_eq!(locator.yaml(text, &segs("/a/b/d/0")), Some((6, 7)));
            assert_eq!(locator.yaml(text, &segs("/a/e")), Some((8, 3)));
            assert_eq!(locator.yaml(text, &segs("/a/e/0/0/y")), Some((10, 9)));
            assert_eq!(locator.yaml(text, &segs("/a/e/0/1")), Some((11, 7)));
            assert_eq!(locator.yaml(text, &segs("/a/e/1/w")), Some((12, 7)));
            assert_eq!(locator.yaml(text, &segs("/a/e/2")), None);
            assert_eq!(locator.yaml(text, &segs("/a/c")), None);
        }
    }

    #[test]
    fn characters_are_counted_across_blocks() {
        let text: String = (0..3000).map(|i| if i % 7 == 0 { "ü€x".to_owned() } else { format!("{i},") }).collect();
        let index = CharIndex::new(&text);
        let boundaries: Vec<usize> = text.char_indices().map(|(at, _)| at).step_by(97).collect();
        for &from in boundaries.iter().step_by(5) {
            for &to in boundaries.iter().filter(|&&to| to >= from).take(40) {
                let expected = text[from..to].chars().count();
                assert_eq!(index.chars_between(&text, from, to), expected);
                assert_eq!(index.byte_after_chars(&text, from, expected), to);
            }
        }
        assert_eq!(index.byte_after_chars(&text, 0, usize::MAX / 2), text.len());
    }
}
