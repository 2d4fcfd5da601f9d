//! Turns a JSON pointer back into a line and column of the source text.
//!
//! The parsers give values without positions, so positions are recovered on
//! demand, only when a diagnostic needs one. JSON is scanned exactly. YAML is
//! walked by indentation, which covers block style (what OpenAPI documents are
//! written in); inside flow collections the position of the enclosing key is
//! reported instead.

/// Finds `segments` in JSON text.
pub(super) fn json(text: &str, segments: &[String]) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    for segment in segments {
        pos = json_child(bytes, pos, segment)?;
    }
    Some(line_col(text, pos))
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

/// Returns the start of the child value named `segment` of the container at `pos`.
fn json_child(bytes: &[u8], pos: usize, segment: &str) -> Option<usize> {
    match bytes.get(pos)? {
        b'{' => {
            let mut at = skip_ws(bytes, pos + 1);
            while bytes.get(at)? == &b'"' {
                let key_end = skip_string(bytes, at)?;
                let key: String = serde_json::from_slice(&bytes[at..key_end]).ok()?;
                at = skip_ws(bytes, key_end);
                if bytes.get(at)? != &b':' {
                    return None;
                }
                at = skip_ws(bytes, at + 1);
                if key == segment {
                    return Some(at);
                }
                at = skip_ws(bytes, skip_value(bytes, at)?);
                if bytes.get(at)? == &b',' {
                    at = skip_ws(bytes, at + 1);
                }
            }
            None
        }
        b'[' => {
            let index: usize = segment.parse().ok()?;
            let mut at = skip_ws(bytes, pos + 1);
            for _ in 0..index {
                at = skip_ws(bytes, skip_value(bytes, at)?);
                if bytes.get(at)? != &b',' {
                    return None;
                }
                at = skip_ws(bytes, at + 1);
            }
            (bytes.get(at)? != &b']').then_some(at)
        }
        _ => None,
    }
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

fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'"' => skip_string(bytes, pos),
        open @ (b'{' | b'[') => {
            let close = if *open == b'{' { b'}' } else { b']' };
            let mut at = skip_ws(bytes, pos + 1);
            loop {
                match bytes.get(at)? {
                    c if *c == close => return Some(at + 1),
                    b',' | b':' => at = skip_ws(bytes, at + 1),
                    _ => at = skip_ws(bytes, skip_value(bytes, at)?),
                }
            }
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

pub(super) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..pos.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, col)
}

/// A line of YAML with its indentation, as the walk currently sees it.
struct Line<'a> {
    indent: usize,
    content: &'a str,
}

/// Finds `segments` in block-style YAML text.
pub(super) fn yaml(text: &str, segments: &[String]) -> Option<(usize, usize)> {
    let mut lines: Vec<Option<Line<'_>>> = text
        .lines()
        .map(|raw| {
            let content = raw.trim_start_matches(' ');
            let significant = !content.is_empty() && !content.starts_with('#') && content != "---";
            significant.then(|| Line { indent: raw.len() - content.len(), content })
        })
        .collect();

    // The block being searched: lines [start, end) deeper than `parent`.
    let (mut start, mut end, mut parent): (usize, usize, Option<usize>) = (0, lines.len(), None);
    let mut found = (1, 1);
    // Inside a flow collection (`{a: 1}`) the walk stops at the enclosing key.
    let mut in_flow = false;
    for segment in segments {
        if in_flow {
            return Some(found);
        }
        let child_indent = lines[start..end].iter().flatten().map(|line| line.indent).find(|&indent| parent.is_none_or(|p| indent > p))?;
        let mut siblings = (start..end).filter(|&i| lines[i].as_ref().is_some_and(|l| l.indent == child_indent));
        let is_sequence =
            (start..end).find_map(|i| lines[i].as_ref().filter(|l| l.indent == child_indent)).is_some_and(|l| l.content.starts_with('-'));
        let hit = if let (true, Ok(index)) = (is_sequence, segment.parse::<usize>()) {
            siblings.filter(|&i| lines[i].as_ref().is_some_and(|l| l.content.starts_with('-'))).nth(index)
        } else {
            siblings.find(|&i| lines[i].as_ref().is_some_and(|l| yaml_key(l.content).as_deref() == Some(segment.as_str())))
        }?;
        let line = lines[hit].as_ref()?;
        found = (hit + 1, line.indent + 1);
        in_flow = line.content.split_once(':').is_some_and(|(_, value)| value.trim_start().starts_with(['{', '[']));
        let block_end = (hit + 1..end).find(|&i| lines[i].as_ref().is_some_and(|l| l.indent <= child_indent)).unwrap_or(end);
        if line.content.starts_with('-') {
            // A sequence item's content starts after the dash, on the same line.
            let rest = line.content[1..].trim_start_matches(' ');
            let indent = line.indent + (line.content.len() - rest.len());
            lines[hit] = (!rest.is_empty()).then_some(Line { indent, content: rest });
            start = hit;
        } else {
            start = hit + 1;
        }
        end = block_end;
        parent = Some(child_indent);
    }
    Some(found)
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
}
