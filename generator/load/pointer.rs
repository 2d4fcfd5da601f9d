//! RFC 6901 JSON pointers, and the `$ref`s that carry them as URI fragments.
//!
//! This is the one place where a `$ref` string is read: the IR, `diff`,
//! `validate` and the bundler all ask [`parse_ref`] what a reference names.
//! A fragment is a URI fragment first (RFC 3986), so `%7B` is percent-decoded
//! to `{`; what is left is a JSON pointer, whose `~1` and `~0` are unescaped
//! segment by segment ([`pointer_segments`], or `serde_json::Value::pointer`).

/// What a `$ref` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    /// A node of the same document, by its JSON pointer (percent-decoded, still `~`-escaped; `""` is the root).
    Local(String),
    /// A plain-name fragment (`#anchor`), which no pointer names.
    Anchor(String),
    /// Another document (`other.yaml#/a`, `https://…`), with the pointer into it.
    External {
        /// The document part of the reference, as written.
        document: String,
        /// The pointer into it (percent-decoded).
        pointer: String,
    },
}

/// Reads a `$ref`: `#/components/schemas/A%20B` is the local pointer `/components/schemas/A B`.
pub fn parse_ref(reference: &str) -> RefTarget {
    let (document, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let pointer = percent_decode(fragment);
    if !document.is_empty() {
        return RefTarget::External { document: document.to_owned(), pointer };
    }
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return RefTarget::Anchor(pointer);
    }
    RefTarget::Local(pointer)
}

/// The local pointer a `$ref` names, or `None` for anchors and other documents.
pub fn local_pointer(reference: &str) -> Option<String> {
    match parse_ref(reference) {
        RefTarget::Local(pointer) => Some(pointer),
        RefTarget::Anchor(_) | RefTarget::External { .. } => None,
    }
}

/// The last segment of a reference's pointer, unescaped: `Pet` for `#/components/schemas/Pet`.
pub fn ref_name(reference: &str) -> String {
    let pointer = match parse_ref(reference) {
        RefTarget::Local(pointer) | RefTarget::External { pointer, .. } => pointer,
        RefTarget::Anchor(name) => return name,
    };
    pointer_segments(&pointer).pop().unwrap_or_default()
}

/// Splits an RFC 6901 pointer into unescaped segments (`~1` is `/`, `~0` is `~`, in that order).
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_segment).collect()
}

/// Unescapes one segment of an RFC 6901 pointer.
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Escapes one segment for use in an RFC 6901 pointer.
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Decodes `%XX` escapes of a URI fragment; a `%` not followed by two hex digits stays as it is.
pub fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex =
            bytes.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip_through_escaping() {
        let pointer = format!("/paths/{}/get", escape_segment("/a/{b}~c"));
        assert_eq!(pointer_segments(&pointer), ["paths", "/a/{b}~c", "get"]);
        // `~01` is an escaped `~` followed by `1`, not a `/`.
        assert_eq!(pointer_segments("/a~01"), ["a~1"]);
    }

    #[test]
    fn fragments_are_percent_decoded_before_the_pointer_is_read() {
        assert_eq!(parse_ref("#/paths/~1companies~1%7BcompanyId%7D/post"), RefTarget::Local("/paths/~1companies~1{companyId}/post".into()));
        assert_eq!(pointer_segments(&local_pointer("#/paths/~1a~1%7Bid%7D").unwrap()), ["paths", "/a/{id}"]);
        assert_eq!(local_pointer("#/components/schemas/A%20B").as_deref(), Some("/components/schemas/A B"));
        assert_eq!(local_pointer("#/a/100%").as_deref(), Some("/a/100%"), "a lone `%` is kept");
        assert_eq!(local_pointer("#").as_deref(), Some(""));
        assert_eq!(local_pointer(""), Some(String::new()));
        assert_eq!(parse_ref("#anchor"), RefTarget::Anchor("anchor".into()));
        assert_eq!(parse_ref("other.yaml#/a%7B"), RefTarget::External { document: "other.yaml".into(), pointer: "/a{".into() });
        assert_eq!(ref_name("#/components/schemas/a~1b%20c"), "a/b c");
    }
}
