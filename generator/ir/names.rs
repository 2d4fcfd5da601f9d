//! Identifier sanitisation: the one place where names from a document become Rust identifiers.
//!
//! Every name that reaches generated code goes through [`type_name`],
//! [`field_name`] or [`variant_name`], and every set of names that must not
//! collide (the types of a module, the fields of a struct, the variants of an
//! enum) is allocated through a [`Namespace`].

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves in any edition we target, plus names that cannot be raw identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// Replaces every character that cannot be part of an identifier by a word break.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c),
            // Symbols that carry meaning get a word, so `+1` and `-1` stay distinct.
            '+' => out.push_str(" plus "),
            '-' if out.trim().is_empty() => out.push_str(" minus "),
            '*' => out.push_str(" star "),
            '@' => out.push_str(" at "),
            '.' if out.chars().all(|c| c.is_ascii_digit() || c == ' ') => out.push_str(" dot "),
            _ => out.push(' '),
        }
    }
    out
}

fn finish(ident: String, empty: &str, digit_prefix: &str) -> String {
    let ident = if ident.is_empty() { empty.to_owned() } else { ident };
    let ident = if ident.starts_with(|c: char| c.is_ascii_digit()) { format!("{digit_prefix}{ident}") } else { ident };
    if KEYWORDS.contains(&ident.as_str()) { format!("{ident}_") } else { ident }
}

/// `UpperCamelCase` name for a type.
pub fn type_name(raw: &str) -> String {
    finish(words(raw).to_upper_camel_case(), "Unnamed", "Type")
}

/// `UpperCamelCase` name for an enum variant.
pub fn variant_name(raw: &str) -> String {
    finish(words(raw).to_upper_camel_case(), "Empty", "V")
}

/// `snake_case` name for a field, parameter or method.
pub fn field_name(raw: &str) -> String {
    finish(words(raw).to_snake_case(), "empty", "_")
}

/// The items of Rust's prelude that generated code names, each with the
/// path that names it anywhere (without the leading `::`).
///
/// Generated code is written with these paths; printing writes the short
/// name instead wherever [`Prelude`] allows it, so that lines stay short.
pub const PRELUDE: &[(&str, &[&str])] = &[
    ("Option", &["std", "option", "Option"]),
    ("Some", &["std", "option", "Option", "Some"]),
    ("None", &["std", "option", "Option", "None"]),
    ("Result", &["std", "result", "Result"]),
    ("Ok", &["std", "result", "Result", "Ok"]),
    ("Err", &["std", "result", "Result", "Err"]),
    ("String", &["std", "string", "String"]),
    ("ToString", &["std", "string", "ToString"]),
    ("Vec", &["std", "vec", "Vec"]),
    ("Box", &["std", "boxed", "Box"]),
    ("Into", &["std", "convert", "Into"]),
    ("From", &["std", "convert", "From"]),
    ("TryFrom", &["std", "convert", "TryFrom"]),
    ("Default", &["std", "default", "Default"]),
    ("Clone", &["std", "clone", "Clone"]),
    ("Send", &["std", "marker", "Send"]),
    ("Sync", &["std", "marker", "Sync"]),
];

/// Which [`PRELUDE`] names the modules of a generated crate may write short:
/// all but those an item of the crate's own takes (a schema named `Option`
/// makes a type `Option`, and then `Option` is written `::std::option::Option`).
///
/// The decision is crate-wide: an item of one module never changes what
/// another module can write, but one rule is simpler to check than one per
/// module, and real documents rarely name a schema after the prelude.
#[derive(Debug, Clone, Default)]
pub struct Prelude {
    taken: BTreeSet<&'static str>,
}

impl Prelude {
    /// The prelude as seen by modules whose items are named `defined`.
    pub fn new<'a>(defined: impl IntoIterator<Item = &'a str>) -> Self {
        let mut taken = BTreeSet::new();
        for name in defined {
            if let Some((short, _)) = PRELUDE.iter().find(|(short, _)| *short == name) {
                taken.insert(*short);
            }
        }
        Prelude { taken }
    }

    /// Whether `name` is a prelude name the modules may write short.
    pub fn is_free(&self, name: &str) -> bool {
        PRELUDE.iter().any(|(short, _)| *short == name) && !self.taken.contains(name)
    }

    /// For a path written in full (`std`, `option`, `Option`, `Some`, …, without the
    /// leading `::`): the short name that may replace its first segments, and how
    /// many segments it replaces (the longest match).
    pub fn shorten<S: AsRef<str>>(&self, segments: &[S]) -> Option<(&'static str, usize)> {
        PRELUDE
            .iter()
            .filter(|(short, path)| {
                !self.taken.contains(short) && segments.len() >= path.len() && path.iter().zip(segments).all(|(a, b)| *a == b.as_ref())
            })
            .max_by_key(|(_, path)| path.len())
            .map(|(short, path)| (*short, path.len()))
    }
}

/// A set of identifiers that must stay unique.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace in which `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace { taken: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Takes `wanted`, or `wanted2`, `wanted3`, … if it is taken already.
    /// A keyword's escape (`Self_`) is not kept before the number: `Self_2`
    /// would break `UpperCamelCase`, and `Self2` is no keyword.
    pub fn claim(&mut self, wanted: String) -> String {
        if self.taken.insert(wanted.clone()) {
            return wanted;
        }
        let stem = match wanted.trim_end_matches('_') {
            "" => wanted.as_str(),
            stem => stem,
        };
        let separator = if stem.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        (2..).map(|n| format!("{stem}{separator}{n}")).find(|candidate| self.taken.insert(candidate.clone())).unwrap_or(wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_keyword_escape_is_numbered_without_its_underscore() {
        let mut types = Namespace::default();
        assert_eq!(types.claim(type_name("Self")), "Self_");
        assert_eq!(types.claim(type_name("self")), "Self2");
        let mut fields = Namespace::default();
        assert_eq!(fields.claim(field_name("type")), "type_");
        assert_eq!(fields.claim(field_name("Type")), "type2");
        let mut digits = Namespace::default();
        assert_eq!(digits.claim("Item2".into()), "Item2");
        assert_eq!(digits.claim("Item2".into()), "Item2_2");
    }

    #[test]
    fn sanitises_keywords_digits_and_symbols() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("2fa"), "_2fa");
        assert_eq!(field_name("updatedAt"), "updated_at");
        assert_eq!(field_name("$ref"), "ref_");
        assert_eq!(field_name(""), "empty");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("3d-secure"), "Type3dSecure");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(variant_name("a b"), "AB");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("supply-chain"), "SupplyChain");
    }

    #[test]
    fn prelude_names_are_short_unless_the_crate_takes_them() {
        let prelude = Prelude::new(["Option", "Pet", "Vec"]);
        assert_eq!(prelude.shorten(&["std", "option", "Option"]), None);
        assert_eq!(prelude.shorten(&["std", "option", "Option", "Some"]), Some(("Some", 4)));
        assert_eq!(prelude.shorten(&["std", "string", "String", "from"]), Some(("String", 3)));
        assert_eq!(prelude.shorten(&["std", "vec", "Vec", "new"]), None);
        assert_eq!(prelude.shorten(&["std", "fmt", "Result"]), None);
        assert_eq!(prelude.shorten(&["std"]), None);
        assert!(prelude.is_free("Result") && !prelude.is_free("Option") && !prelude.is_free("Pet"));
    }

    #[test]
    fn namespace_makes_collisions_unique() {
        let mut ns = Namespace::with_reserved(&["Client"]);
        assert_eq!(ns.claim("Client".into()), "Client2");
        assert_eq!(ns.claim("Item".into()), "Item");
        assert_eq!(ns.claim("Item".into()), "Item2");
        assert_eq!(ns.claim("V1".into()), "V1");
        assert_eq!(ns.claim("V1".into()), "V1_2");
    }
}
