//! The `params` module: query strings in every `style` OpenAPI defines, and
//! the per-operation tables that tell it how each parameter is spelled.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, Operation, QueryStyleKind, TypeKind, TypeRef};

/// Whether the crate needs the `params` module.
pub(super) fn needed(api: &Api) -> bool {
    api.operations.iter().chain(&api.webhooks).any(|op| op.query.is_some())
}

/// What a query value's text means, so the server can turn it back into JSON.
fn kind(api: &Api, ty: &TypeRef, depth: usize) -> TokenStream {
    let any = quote!(Kind::Any);
    match ty {
        _ if depth > 16 => any,
        TypeRef::Bool => quote!(Kind::Boolean),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => quote!(Kind::Integer),
        TypeRef::F32 | TypeRef::F64 => quote!(Kind::Number),
        TypeRef::String | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Base64 => quote!(Kind::Text),
        TypeRef::Nullable(inner) => kind(api, inner, depth + 1),
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Enum(e) if e.is_integer() => quote!(Kind::Integer),
            TypeKind::Enum(_) => quote!(Kind::Text),
            TypeKind::Alias(inner) => kind(api, inner, depth + 1),
            _ => any,
        },
        _ => any,
    }
}

/// The shape of a parameter: one value, a list, or an object with typed properties.
fn shape(api: &Api, ty: &TypeRef, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Array(inner) => {
            let kind = kind(api, inner, 0);
            quote!(Shape::List(#kind))
        }
        TypeRef::Map(inner) => {
            let kind = kind(api, inner, 0);
            quote!(Shape::Object(&[], #kind))
        }
        TypeRef::Nullable(inner) if depth < 16 => shape(api, inner, depth + 1),
        TypeRef::Named(id) if depth < 16 => match &api.ty(*id).kind {
            TypeKind::Alias(inner) => shape(api, inner, depth + 1),
            TypeKind::Struct(st) => {
                let properties = st.fields.iter().map(|f| {
                    let wire = &f.wire_name;
                    let kind = kind(api, &f.ty, 0);
                    quote!((#wire, #kind))
                });
                let rest = st.additional.as_ref().map_or(quote!(Kind::Any), |ty| kind(api, ty, 0));
                quote!(Shape::Object(&[#(#properties),*], #rest))
            }
            _ => {
                let kind = kind(api, ty, 0);
                quote!(Shape::One(#kind))
            }
        },
        _ => {
            let kind = kind(api, ty, 0);
            quote!(Shape::One(#kind))
        }
    }
}

/// The name of the table that spells an operation's query parameters.
fn table_name(op: &Operation) -> proc_macro2::Ident {
    // Method names are identifiers already; in capitals after a prefix they stay one.
    quote::format_ident!("QUERY_{}", op.fn_name.to_ascii_uppercase())
}

/// The path to an operation's table, from a sibling module.
pub(super) fn query_table(op: &Operation) -> TokenStream {
    let name = table_name(op);
    quote!(super::params::#name)
}

/// `pub const OP: &[Spec] = &[…];` for an operation's query parameters.
fn table(api: &Api, op: &Operation) -> Option<TokenStream> {
    let query = op.query?;
    let TypeKind::Struct(st) = &api.ty(query).kind else { return None };
    let specs = st.fields.iter().map(|field| {
        let wire = &field.wire_name;
        let (style, explode) = match op.query_styles.iter().find(|s| s.wire_name == field.wire_name) {
            Some(s) => (s.style, s.explode),
            None => (QueryStyleKind::Form, true),
        };
        let style = match style {
            QueryStyleKind::Form => quote!(Style::Form),
            QueryStyleKind::SpaceDelimited => quote!(Style::SpaceDelimited),
            QueryStyleKind::PipeDelimited => quote!(Style::PipeDelimited),
            QueryStyleKind::DeepObject => quote!(Style::DeepObject),
        };
        let shape = shape(api, &field.ty, 0);
        quote!(Spec { name: #wire, style: #style, explode: #explode, shape: #shape })
    });
    let name = table_name(op);
    let doc = format!(" How the query parameters of `{}` are spelled.", op.id);
    Some(quote! {
        #[doc = #doc]
        pub const #name: &[Spec] = &[#(#specs),*];
    })
}

/// The module: the tables of the document's operations, and the code that reads and writes them.
pub(super) fn module(api: &Api) -> TokenStream {
    let tables = api.operations.iter().chain(&api.webhooks).filter_map(|op| table(api, op));
    quote! {
        //! Query strings in the `style`s OpenAPI defines (form, spaceDelimited,
        //! pipeDelimited, deepObject, exploded or not), for the client to write
        //! and the server to read.

        #(#tables)*

        /// A query parameter's `style`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Style {
            /// `a=1&a=2` exploded, `a=1,2` not.
            Form,
            /// `a=1%202`.
            SpaceDelimited,
            /// `a=1|2`.
            PipeDelimited,
            /// `a[key]=value`.
            DeepObject,
        }

        /// What a value's text means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            /// A string (also dates, UUIDs and string enums).
            Text,
            /// An integer.
            Integer,
            /// A number.
            Number,
            /// `true` or `false`.
            Boolean,
            /// Unknown: a number or boolean if it reads as one, else a string.
            Any,
        }

        /// A parameter's shape.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Shape {
            /// One value.
            One(Kind),
            /// A list of values.
            List(Kind),
            /// An object: its known properties, and the kind of any others.
            Object(&'static [(&'static str, Kind)], Kind),
        }

        /// How one query parameter is spelled.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Spec {
            /// The parameter's name.
            pub name: &'static str,
            /// Its style.
            pub style: Style,
            /// Whether lists and objects are exploded.
            pub explode: bool,
            /// Its shape.
            pub shape: Shape,
        }

        impl Style {
            fn delimiter(self) -> char {
                match self {
                    Style::SpaceDelimited => ' ',
                    Style::PipeDelimited => '|',
                    Style::Form | Style::DeepObject => ',',
                }
            }
        }

        fn text(value: &::serde_json::Value) -> ::std::string::String {
            match value {
                ::serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            }
        }

        /// The `(name, value)` pairs of a query struct; absent values are left out.
        pub fn encode<T: ::serde::Serialize>(
            query: &T,
            specs: &[Spec],
        ) -> ::std::result::Result<::std::vec::Vec<(::std::string::String, ::std::string::String)>, ::serde_json::Error> {
            let mut pairs = ::std::vec::Vec::new();
            let ::serde_json::Value::Object(fields) = ::serde_json::to_value(query)? else { return Ok(pairs) };
            for (name, value) in fields {
                let spec = specs.iter().find(|s| s.name == name);
                let (style, explode) = spec.map_or((Style::Form, true), |s| (s.style, s.explode));
                match value {
                    ::serde_json::Value::Null => {}
                    ::serde_json::Value::Array(items) if explode && style == Style::Form => {
                        pairs.extend(items.iter().map(|item| (name.clone(), text(item))));
                    }
                    ::serde_json::Value::Array(items) => {
                        let joined: ::std::vec::Vec<::std::string::String> = items.iter().map(text).collect();
                        pairs.push((name, joined.join(&style.delimiter().to_string())));
                    }
                    ::serde_json::Value::Object(properties) => match (style, explode) {
                        (Style::DeepObject, _) => {
                            pairs.extend(properties.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (format!("{name}[{k}]"), text(v))));
                        }
                        (_, true) => pairs.extend(properties.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), text(v)))),
                        (_, false) => {
                            let flat: ::std::vec::Vec<::std::string::String> =
                                properties.iter().filter(|(_, v)| !v.is_null()).flat_map(|(k, v)| [k.clone(), text(v)]).collect();
                            pairs.push((name, flat.join(",")));
                        }
                    },
                    scalar => pairs.push((name, text(&scalar))),
                }
            }
            Ok(pairs)
        }

        /// `application/x-www-form-urlencoded` pairs: `+` is a space, `%XX` a byte.
        fn pairs(raw: &str) -> ::std::result::Result<::std::vec::Vec<(::std::string::String, ::std::string::String)>, ::std::string::String> {
            fn unescape(text: &str) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                let mut bytes = ::std::vec::Vec::with_capacity(text.len());
                let mut rest = text.as_bytes();
                while let Some((&first, tail)) = rest.split_first() {
                    match first {
                        b'+' => bytes.push(b' '),
                        b'%' => {
                            let hex = tail.get(..2).and_then(|h| ::std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                            let Some(byte) = hex else { return Err(format!("invalid percent-encoding in `{text}`")) };
                            bytes.push(byte);
                            rest = &tail[2..];
                            continue;
                        }
                        other => bytes.push(other),
                    }
                    rest = tail;
                }
                ::std::string::String::from_utf8(bytes).map_err(|_| format!("`{text}` is not UTF-8"))
            }
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    Ok((unescape(name)?, unescape(value)?))
                })
                .collect()
        }

        /// A value's JSON, read from its text as `kind` says.
        fn typed(raw: &str, kind: Kind) -> ::serde_json::Value {
            let parsed = || ::serde_json::from_str::<::serde_json::Value>(raw).ok();
            let value = match kind {
                Kind::Text => None,
                Kind::Integer | Kind::Number => parsed().filter(::serde_json::Value::is_number),
                Kind::Boolean => parsed().filter(::serde_json::Value::is_boolean),
                Kind::Any => parsed().filter(|v| v.is_number() || v.is_boolean()),
            };
            value.unwrap_or_else(|| ::serde_json::Value::String(raw.to_owned()))
        }

        /// Reads a query string into the query struct `T`, as `specs` spell it.
        pub fn decode<T: ::serde::de::DeserializeOwned>(raw: &str, specs: &[Spec]) -> ::std::result::Result<T, ::std::string::String> {
            let pairs = pairs(raw)?;
            let mut object = ::serde_json::Map::new();
            for spec in specs {
                let values = || pairs.iter().filter(|(name, _)| name == spec.name).map(|(_, value)| value.as_str());
                let value = match spec.shape {
                    Shape::One(kind) => match values().next() {
                        Some(raw) => typed(raw, kind),
                        None => continue,
                    },
                    Shape::List(kind) => {
                        let items: ::std::vec::Vec<&str> = if spec.explode && spec.style == Style::Form {
                            values().collect()
                        } else {
                            values().flat_map(|v| v.split(spec.style.delimiter())).filter(|v| !v.is_empty()).collect()
                        };
                        if items.is_empty() && values().next().is_none() {
                            continue;
                        }
                        ::serde_json::Value::Array(items.into_iter().map(|item| typed(item, kind)).collect())
                    }
                    Shape::Object(properties, rest) => {
                        let kind_of = |key: &str| properties.iter().find(|(k, _)| *k == key).map_or(rest, |(_, kind)| *kind);
                        let mut found = ::serde_json::Map::new();
                        match (spec.style, spec.explode) {
                            (Style::DeepObject, _) => {
                                for (name, value) in &pairs {
                                    let key = name.strip_prefix(spec.name).and_then(|k| k.strip_prefix('[')).and_then(|k| k.strip_suffix(']'));
                                    if let Some(key) = key {
                                        found.insert(key.to_owned(), typed(value, kind_of(key)));
                                    }
                                }
                            }
                            (_, true) => {
                                // Exploded objects spread their properties over the query: take
                                // every name that is not another parameter's.
                                for (name, value) in &pairs {
                                    if !specs.iter().any(|s| s.name == name) {
                                        found.insert(name.clone(), typed(value, kind_of(name)));
                                    }
                                }
                            }
                            (_, false) => {
                                let Some(raw) = values().next() else { continue };
                                let parts: ::std::vec::Vec<&str> = raw.split(',').collect();
                                for pair in parts.chunks(2) {
                                    if let [key, value] = pair {
                                        found.insert((*key).to_owned(), typed(value, kind_of(key)));
                                    }
                                }
                            }
                        }
                        if found.is_empty() {
                            continue;
                        }
                        ::serde_json::Value::Object(found)
                    }
                };
                object.insert(spec.name.to_owned(), value);
            }
            ::serde_json::from_value(::serde_json::Value::Object(object)).map_err(|error| format!("invalid query: {error}"))
        }
    }
}
