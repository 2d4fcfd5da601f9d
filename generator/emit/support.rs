//! Modules whose code does not depend on the document: validation helpers.

use proc_macro2::TokenStream;
use quote::quote;

/// The `validation` module; `patterns` adds the regular-expression check.
pub(super) fn validation_module(patterns: bool) -> TokenStream {
    let pattern = patterns.then(|| {
        quote! {
            /// Checks that a string matches a regular expression somewhere, as JSON Schema's `pattern` does.
            pub fn pattern(
                value: &str,
                path: &str,
                regex: ::std::option::Option<&::regex::Regex>,
                source: &str,
            ) -> ::std::result::Result<(), ValidationError> {
                match regex {
                    Some(regex) if !regex.is_match(value) => {
                        Err(ValidationError { path: path.to_owned(), message: format!("must match the pattern {source}") })
                    }
                    _ => Ok(()),
                }
            }
        }
    });
    quote! {
        //! Checks of the constraints that Rust types cannot express (ranges, lengths).

        /// A value broke a constraint of the document.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct ValidationError {
            /// Where the value is, as `/`-separated JSON names.
            pub path: ::std::string::String,
            /// What is wrong with it.
            pub message: ::std::string::String,
        }

        impl ValidationError {
            /// The same error, seen from one level up.
            pub fn within(mut self, parent: &str) -> Self {
                if !parent.is_empty() {
                    self.path = if self.path.is_empty() { parent.to_owned() } else { format!("{parent}/{}", self.path) };
                }
                self
            }
        }

        impl ::std::fmt::Display for ValidationError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}: {}", self.path, self.message)
            }
        }

        impl ::std::error::Error for ValidationError {}

        /// Values that can check their own constraints.
        pub trait Validate {
            /// The first broken constraint, if any.
            fn validate(&self) -> ::std::result::Result<(), ValidationError>;
        }

        /// Checks a number against inclusive or exclusive bounds.
        pub fn number(
            value: f64,
            path: &str,
            minimum: ::std::option::Option<(f64, bool)>,
            maximum: ::std::option::Option<(f64, bool)>,
        ) -> ::std::result::Result<(), ValidationError> {
            let fail = |message: ::std::string::String| Err(ValidationError { path: path.to_owned(), message });
            if let Some((limit, exclusive)) = minimum {
                if value < limit || exclusive && value == limit {
                    return fail(format!("must be {} {limit}", if exclusive { "greater than" } else { "at least" }));
                }
            }
            if let Some((limit, exclusive)) = maximum {
                if value > limit || exclusive && value == limit {
                    return fail(format!("must be {} {limit}", if exclusive { "less than" } else { "at most" }));
                }
            }
            Ok(())
        }

        #pattern

        /// Checks a string against a format of the document: `uri`, `email`,
        /// `hostname`, `ipv4` and `ipv6` are checked, any other format passes.
        pub fn format(value: &str, path: &str, format: &str) -> ::std::result::Result<(), ValidationError> {
            let valid = match format {
                "uri" => is_uri(value),
                "email" => is_email(value),
                "hostname" => is_hostname(value),
                "ipv4" => value.parse::<::std::net::Ipv4Addr>().is_ok(),
                "ipv6" => value.parse::<::std::net::Ipv6Addr>().is_ok(),
                _ => true,
            };
            if valid {
                Ok(())
            } else {
                Err(ValidationError { path: path.to_owned(), message: format!("must be a valid {format}") })
            }
        }

        /// RFC 3986: `scheme ":" rest`, where the rest holds only URI characters
        /// and every `%` starts an escape.
        fn is_uri(value: &str) -> bool {
            let Some((scheme, rest)) = value.split_once(':') else { return false };
            let mut scheme_chars = scheme.chars();
            let scheme_valid = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            let bytes = rest.as_bytes();
            let escapes_valid = bytes.iter().enumerate().filter(|(_, b)| **b == b'%').all(|(at, _)| {
                bytes.get(at + 1..at + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            });
            let chars_valid = rest.chars().all(|c| {
                c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
            });
            scheme_valid && escapes_valid && chars_valid
        }

        /// `local@domain`: a local part without spaces and a host name or bracketed address.
        fn is_email(value: &str) -> bool {
            let Some((local, domain)) = value.rsplit_once('@') else { return false };
            let local_valid = !local.is_empty()
                && local.len() <= 64
                && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"@()<>[]:;,\\\"".contains(c))
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..");
            let domain_valid = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
                Some(address) => {
                    address.parse::<::std::net::Ipv4Addr>().is_ok()
                        || address.strip_prefix("IPv6:").is_some_and(|a| a.parse::<::std::net::Ipv6Addr>().is_ok())
                }
                None => is_hostname(domain),
            };
            local_valid && domain_valid
        }

        /// RFC 1123: dot-separated labels of letters, digits and inner hyphens.
        fn is_hostname(value: &str) -> bool {
            let name = value.strip_suffix('.').unwrap_or(value);
            !name.is_empty()
                && name.len() <= 253
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }

        /// Checks that no two items of an array are equal (`uniqueItems`).
        pub fn unique<T: PartialEq>(items: &[T], path: &str) -> ::std::result::Result<(), ValidationError> {
            for (later, item) in items.iter().enumerate() {
                if let Some(earlier) = items[..later].iter().position(|other| other == item) {
                    return Err(ValidationError {
                        path: path.to_owned(),
                        message: format!("items {earlier} and {later} are equal; items must be unique"),
                    });
                }
            }
            Ok(())
        }

        /// Checks a length (of characters or items) against bounds.
        pub fn length(
            length: usize,
            path: &str,
            minimum: ::std::option::Option<usize>,
            maximum: ::std::option::Option<usize>,
            unit: &str,
        ) -> ::std::result::Result<(), ValidationError> {
            let fail = |message: ::std::string::String| Err(ValidationError { path: path.to_owned(), message });
            if let Some(limit) = minimum {
                if length < limit {
                    return fail(format!("must have at least {limit} {unit}"));
                }
            }
            if let Some(limit) = maximum {
                if length > limit {
                    return fail(format!("must have at most {limit} {unit}"));
                }
            }
            Ok(())
        }
    }
}

/// What the `media` module must hold.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MediaNeeds {
    /// `Raw`: bodies that travel as bytes.
    pub(super) raw: bool,
    /// `Base64`: JSON carries `format: byte` (only then does the crate depend on base64).
    pub(super) base64: bool,
    /// `File`: multipart bodies with file parts.
    pub(super) files: bool,
    /// `Event`, `EventStream` and the parser: server-sent events (only then does the crate depend on futures-core).
    pub(super) events: bool,
}

impl MediaNeeds {
    /// What `api` needs.
    pub(super) fn of(api: &crate::ir::Api) -> Self {
        MediaNeeds {
            raw: api.uses_raw(),
            base64: api.mentions(|ty| *ty == crate::ir::TypeRef::Base64),
            // The multipart helpers name `File` even where every part is text.
            files: api.uses_files() || api.uses_multipart(),
            events: api.uses_event_streams(),
        }
    }

    /// Whether the module is needed at all.
    pub(super) fn any(self) -> bool {
        self.raw || self.base64 || self.files || self.events
    }
}

/// The `media` module: the types of bodies that are not plain JSON values.
pub(super) fn media_module(needs: MediaNeeds) -> TokenStream {
    let MediaNeeds { raw, base64, files, events } = needs;
    let files = files.then(files_items);
    let events = events.then(super::events::items);
    let raw = raw.then(|| {
        quote! {
        /// A body as bytes, with its media type.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct Raw {
            /// The `Content-Type`, parameters included (`multipart/form-data; boundary=…`).
            pub content_type: ::std::string::String,
            /// The bytes.
            pub bytes: ::std::vec::Vec<u8>,
        }
        }
    });
    let base64 = base64.then(|| {
        quote! {
        /// Bytes that travel as base64 text (`format: byte`). Standard base64 is
        /// written; the URL-safe alphabet and missing padding are accepted too.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct Base64(pub ::std::vec::Vec<u8>);

        impl ::std::str::FromStr for Base64 {
            type Err = ::base64::DecodeError;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                use ::base64::Engine as _;
                let trimmed = text.trim_end_matches('=');
                ::base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(trimmed)
                    .or_else(|_| ::base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
                    .map(Base64)
            }
        }

        impl ::std::fmt::Display for Base64 {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                use ::base64::Engine as _;
                f.write_str(&::base64::engine::general_purpose::STANDARD.encode(&self.0))
            }
        }

        impl ::serde::Serialize for Base64 {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for Base64 {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
        }
    });
    quote! {
        //! Bodies that are not plain JSON values: bytes, base64 text in JSON, files, server-sent events.
        #raw
        #base64
        #files
        #events
    }
}

/// `File`, and `FileParts` to walk the files of a property whatever its presence.
fn files_items() -> TokenStream {
    quote! {
        /// A file part of a multipart body: its bytes, with the file name and media type sent along.
        ///
        /// Where a schema shared with a multipart body appears in JSON, a file travels as its bytes' text.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct File {
            /// The part's file name (`filename=`), if any.
            pub file_name: ::std::option::Option<::std::string::String>,
            /// The part's `Content-Type`; where it is `None`, the client sends the document's (else `application/octet-stream`).
            pub content_type: ::std::option::Option<::std::string::String>,
            /// The contents.
            pub bytes: ::std::vec::Vec<u8>,
        }

        impl File {
            /// A file with these contents, file name and media type.
            pub fn new(
                file_name: impl Into<::std::string::String>,
                content_type: impl Into<::std::string::String>,
                bytes: impl Into<::std::vec::Vec<u8>>,
            ) -> Self {
                File {
                    file_name: ::std::option::Option::Some(file_name.into()),
                    content_type: ::std::option::Option::Some(content_type.into()),
                    bytes: bytes.into(),
                }
            }
        }

        impl ::serde::Serialize for File {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&::std::string::String::from_utf8_lossy(&self.bytes))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for File {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(File { bytes: text.into_bytes(), ..File::default() })
            }
        }

        /// The files a property holds: one, none (`None`) or a list.
        pub trait FileParts {
            /// Every file, in order.
            fn files(&self) -> ::std::vec::Vec<&File>;
        }

        impl FileParts for File {
            fn files(&self) -> ::std::vec::Vec<&File> {
                ::std::vec![self]
            }
        }

        impl<T: FileParts> FileParts for ::std::option::Option<T> {
            fn files(&self) -> ::std::vec::Vec<&File> {
                self.iter().flat_map(FileParts::files).collect()
            }
        }

        impl<T: FileParts> FileParts for ::std::vec::Vec<T> {
            fn files(&self) -> ::std::vec::Vec<&File> {
                self.iter().flat_map(FileParts::files).collect()
            }
        }
    }
}
