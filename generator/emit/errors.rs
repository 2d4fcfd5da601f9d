//! The `errors` module: per operation, the enum of its documented error
//! responses (shared by client and server) and, where needed, of its successes.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::rust::{doc, ident, type_path};
use std::collections::HashMap;

use crate::ir::{Api, Gate, Operation, Response, Status};

/// The contents of the `errors` module. The mapping to documented errors
/// (`documented`, `DomainError`, the common error) is the server's: a crate
/// without the server has none.
pub(super) fn module(api: &Api, server: bool) -> impl Iterator<Item = TokenStream> + '_ {
    let mut values = Values::default();
    let mappings: Vec<Option<TokenStream>> = if server {
        api.operations.iter().map(|op| Some(documented_call(api, op, &mut values))).collect()
    } else {
        vec![None; api.operations.len()]
    };
    let value_items = values.items();
    let items = api.operations.iter().zip(mappings).map(move |(op, mapping)| {
        let errors = error_enum(api, op);
        let successes = op.success_enum.as_ref().map(|name| success_enum(api, op, name));
        super::gate::items(&op.gate, quote!(#errors #mapping #successes))
    });
    let common = server.then(|| common_error(api));
    let domain = (server && !api.operations.is_empty()).then(|| domain_error(super::gate::attr(&api.operations_gate())));
    // The items of one piece, then those of each operation (in parts: see `emit::ItemParts`).
    let head = quote! {
        //! Responses of each operation: an error enum with one variant per
        //! documented non-2xx status, and a success enum where an operation has
        //! more than one kind of success.
        //!
        //! A documented error always reads as its variant: its body is an
        //! [`ErrorBody`], which keeps the bytes and content type of a body that
        //! does not decode, and its declared headers are `Option`s, `None` when
        //! missing or malformed.

        pub use ::clawgen_runtime::ErrorBody;
        // What every operation's error enum has, written once in the runtime.
        #[allow(unused_imports)]
        use ::clawgen_runtime::{documented, error_enum};
        // Bodies' types are written `types::…`.
        #[allow(unused_imports)]
        use super::types;

        #domain
        #common
        #(#value_items)*
    };
    std::iter::once(head).chain(items)
}

/// `DomainError`, and the mapping of its values to an operation's documented errors.
fn domain_error(gate: Option<TokenStream>) -> TokenStream {
    quote! {
        /// Your own error type, mapped once to every operation's documented errors (the runtime's).
        pub use ::clawgen_runtime::errors::DomainError;

        /// The documented error for `error` (see [`DomainError`]); a 500 with the
        /// document's common error body where the operation documents neither status.
        #gate
        fn map_domain_error<T>(
            error: &dyn DomainError,
            documented: fn(u16, ::std::string::String, u64) -> ::std::option::Option<T>,
            undocumented: fn(u16, ::std::string::String) -> T,
        ) -> T {
            ::clawgen_runtime::errors::map_domain_error(error, documented, |message| undocumented(500, common_error_body(500, message)))
        }

    }
}

/// `common_error` and `common_error_body`: the document's common error with a
/// message put in. Each status the document answers with that schema keeps
/// its own example (a 404's code says "not found"); other client errors take
/// the 400's, other server errors the 500's.
fn common_error(api: &Api) -> TokenStream {
    let runtime = super::server::RunTime { message: quote!(message), retry_after: quote!(0u64) };
    let Some((common, ty)) = api.common_error.as_ref().and_then(|r| Some((r, r.body.as_ref()?))) else {
        return quote! {
            /// A body that says `message`, as JSON text (the document has no common error schema; the runtime's).
            pub use ::clawgen_runtime::errors::message_body as common_error_body;
        };
    };
    let mut by_status: std::collections::BTreeMap<u16, &Response> = std::collections::BTreeMap::new();
    for response in api.operations.iter().flat_map(|op| &op.errors) {
        if let (Status::Code(code), Some(body)) = (response.status, &response.body) {
            if body == ty && response.message_slot.is_some() && response.encoding == common.encoding {
                by_status.entry(code).or_insert(response);
            }
        }
    }
    let value = |response: &Response, status: u16| super::server::body_value(api, response, status, &runtime);
    // Server errors share one arm: a client cannot tell them apart by their body.
    let arms: Vec<TokenStream> = by_status
        .iter()
        .filter(|(code, _)| **code / 100 != 5)
        .filter_map(|(code, response)| {
            let value = value(response, *code)?;
            Some(quote!(#code => #value,))
        })
        .collect();
    let of_class = |class: u16| by_status.iter().find(|(code, _)| **code / 100 == class).map(|(code, r)| (*code, *r));
    let server_errors = by_status
        .get(&500)
        .map(|r| (500, *r))
        .or_else(|| of_class(5))
        .and_then(|(code, r)| value(r, code))
        .map(|v| quote!(500..=599 => #v,));
    // An example about credentials or pacing would mislead on a 404 or a 415: without
    // a plain client error, the value is made from the schema.
    let plain = by_status.iter().find(|(code, _)| **code / 100 == 4 && ![401, 403, 407, 429].contains(*code));
    let made_up = Response { example: None, ..common.clone() };
    let otherwise = match plain {
        Some((code, response)) => value(response, *code),
        None => value(&made_up, 400),
    }
    .unwrap_or_else(|| quote!(::std::default::Default::default()));
    let ty = type_path(api, ty);
    let choice = if arms.is_empty() && server_errors.is_none() {
        otherwise
    } else {
        quote!(match status {
            #(#arms)*
            #server_errors
            _ => #otherwise,
        })
    };
    quote! {
        /// The document's common error (the body most of its error responses
        /// share) for `status`, saying `message`: the body of refusals no operation documents.
        #[allow(unused_variables, unreachable_patterns)]
        pub fn common_error(status: u16, message: impl ::std::convert::Into<::std::string::String>) -> #ty {
            let message: ::std::string::String = message.into();
            #choice
        }

        /// [`common_error`] as JSON text, for an `Undocumented` error's body.
        pub fn common_error_body(status: u16, message: impl ::std::convert::Into<::std::string::String>) -> ::std::string::String {
            ::serde_json::to_string(&common_error(status, message)).unwrap_or_default()
        }
    }
}

/// The runtime's `documented!` for `op`: for each documented status whose
/// value can be made, the variant with its values, exact statuses first, then
/// ranges, then `default` (the order a `match` needs). Each value is built by
/// a function of the module (see [`Values`]).
fn documented_call<'a>(api: &Api, op: &'a Operation, values: &mut Values<'a>) -> TokenStream {
    let runtime = super::server::RunTime { message: quote!(message), retry_after: quote!(retry_after) };
    let mut arms: Vec<(u8, TokenStream)> = Vec::new();
    for response in &op.errors {
        let (status, order, pattern) = match response.status {
            Status::Code(code) => (code, 0, proc_macro2::Literal::u16_unsuffixed(code).into_token_stream()),
            // `4xx` is a token the macro reads as `400..=499`.
            Status::Range(digit) => (digit * 100, 1, format!("{digit}xx").parse().unwrap_or_default()),
            Status::Default => (0, 2, quote!(_)),
        };
        let Some(made) = documented_variant(api, response, status, &runtime) else {
            continue;
        };
        let variant = ident(&response.variant);
        let made = made.named(values, &op.gate);
        arms.push((order, quote!(#pattern => #variant #made)));
    }
    arms.sort_by_key(|(order, _)| *order);
    let name = ident(&op.error_enum);
    let arms = arms.into_iter().map(|(_, arm)| arm);
    quote!(documented!(#name { #(#arms),* });)
}

/// How `documented!` makes one variant, before its values are named.
enum Made {
    Unit,
    Body(Value),
    /// The `status` field (where the variant has one), the body, the headers (`None`: the default).
    Fields {
        status: bool,
        body: Option<Value>,
        headers: Vec<(proc_macro2::Ident, Option<Value>)>,
    },
}

/// A value and its type: the body of a function `fn(message, retry_after)`
/// (a body's) or `fn(retry_after)` (a header's).
struct Value {
    ty: TokenStream,
    value: TokenStream,
    header: bool,
}

/// The variant documented for `response`, if each of its values can be made.
fn documented_variant(api: &Api, response: &Response, status: u16, runtime: &super::server::RunTime) -> Option<Made> {
    let body = match &response.body {
        Some(ty) => {
            let value = super::server::body_value(api, response, status, runtime)?;
            // An alias's body is its target's (the literal names the target).
            Some(Value { ty: type_path(api, api.unaliased(ty)), value, header: false })
        }
        None => None,
    };
    if !is_struct_variant(response) {
        return Some(body.map_or(Made::Unit, Made::Body));
    }
    let mut headers = Vec::new();
    for h in &response.headers {
        let field = ident(&h.name);
        let optional_none = !h.required && !h.wire_name.eq_ignore_ascii_case("retry-after");
        let value = if optional_none {
            None
        } else {
            let value = super::server::header_value(api, h, &runtime.retry_after)?;
            let ty = type_path(api, &h.ty);
            Some(Value { ty: quote!(::std::option::Option<#ty>), value, header: true })
        };
        headers.push((field, value));
    }
    Some(Made::Fields { status: has_status_field(response), body, headers })
}

impl Made {
    /// The variant as `documented!` takes it, its values named by functions of `values`.
    fn named<'a>(self, values: &mut Values<'a>, gate: &'a Gate) -> TokenStream {
        match self {
            Made::Unit => quote!(()),
            Made::Body(body) => {
                let name = values.name(body, gate);
                quote!((#name))
            }
            Made::Fields { status, body, headers } => {
                let mut fields: Vec<TokenStream> = status.then(|| quote!(status)).into_iter().collect();
                if let Some(body) = body {
                    let name = values.name(body, gate);
                    fields.push(quote!(body = #name));
                }
                for (field, value) in headers {
                    fields.push(match value {
                        Some(value) => {
                            let name = values.name(value, gate);
                            quote!(#field = #name)
                        }
                        None => quote!(#field),
                    });
                }
                quote!({ #(#fields),* })
            }
        }
    }
}

/// The functions that build the values of every operation's `documented`,
/// one per distinct value (every 4XX of a large API carries one failure
/// envelope, with one example), numbered in the order operations first need
/// them, each compiled where one of its operations is.
#[derive(Default)]
struct Values<'a> {
    /// Each value's index in `built`, by its type and expression.
    index: HashMap<(String, String), usize>,
    built: Vec<(Value, Vec<&'a Gate>)>,
}

impl<'a> Values<'a> {
    /// The name of the function that builds `value`.
    fn name(&mut self, value: Value, gate: &'a Gate) -> proc_macro2::Ident {
        let key = (value.ty.to_string(), value.value.to_string());
        let built = &mut self.built;
        let index = *self.index.entry(key).or_insert_with(|| {
            built.push((value, Vec::new()));
            built.len() - 1
        });
        self.built[index].1.push(gate);
        quote::format_ident!("error_value_{}", index + 1)
    }

    /// The functions, in the order the operations first need them.
    fn items(&self) -> Vec<TokenStream> {
        let items = self.built.iter().enumerate().map(|(index, (Value { ty, value, header }, users))| {
            let name = quote::format_ident!("error_value_{}", index + 1);
            let message = (!header).then(|| quote!(message: ::std::string::String,));
            let item = quote! {
                #[allow(unused_variables)]
                fn #name(#message retry_after: u64) -> #ty {
                    #value
                }
            };
            super::gate::items(&Gate::union(users.iter().copied()), item)
        });
        items.collect()
    }
}

/// Whether a variant carries a `status` field (ranges and `default` cover many statuses).
pub(super) fn has_status_field(response: &Response) -> bool {
    !matches!(response.status, Status::Code(_))
}

/// Whether a variant is written with named fields.
pub(super) fn is_struct_variant(response: &Response) -> bool {
    has_status_field(response) || !response.headers.is_empty()
}

/// The Rust type of a variant's body: an error's is kept as an `ErrorBody`,
/// so that a body that does not decode still reads as its variant.
fn body_type(api: &Api, body: &crate::ir::TypeRef, error: bool) -> TokenStream {
    let ty = type_path(api, body);
    if error { quote!(::clawgen_runtime::ErrorBody<#ty>) } else { ty }
}

/// The fields of one variant, as declared. Every header is an `Option`: one
/// that is missing or malformed must not lose the status it came with.
fn variant_decl(api: &Api, response: &Response, error: bool) -> TokenStream {
    let name = ident(&response.variant);
    let summary = match response.status {
        Status::Code(code) => format!("{code}: {}", response.doc.trim()),
        Status::Range(digit) => format!("{digit}XX: {}", response.doc.trim()),
        Status::Default => format!("Any other status: {}", response.doc.trim()),
    };
    let docs = doc(Some(&summary));
    if !is_struct_variant(response) {
        return match &response.body {
            Some(body) => {
                let body = body_type(api, body, error);
                quote!(#docs #name(#body),)
            }
            None => quote!(#docs #name,),
        };
    }
    // `status` and `body` say what they hold; a header's doc says which it is.
    let status = has_status_field(response).then(|| quote!(status: u16,));
    let body = response.body.as_ref().map(|body| {
        let body = body_type(api, body, error);
        quote!(body: #body,)
    });
    let headers = response.headers.iter().map(|h| {
        let field = ident(&h.name);
        let ty = type_path(api, &h.ty);
        let ty = quote!(::std::option::Option<#ty>);
        let mut text = format!("The `{}` header.", h.wire_name);
        if let Some(doc) = h.doc.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            text.push(' ');
            text.push_str(doc);
            if !doc.ends_with(['.', '!', '?']) {
                text.push('.');
            }
        }
        if h.required {
            text.push_str(" Required by the document; `None` when an answer lacks it or it is malformed.");
        }
        let text_attr = super::rust::doc(Some(&text));
        quote!(#text_attr #field: #ty,)
    });
    quote!(#docs #[allow(missing_docs)] #name { #status #body #(#headers)* },)
}

fn error_enum(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.error_enum);
    let text = format!("Error responses of `{}` ({} {}).", op.id, op.method.as_str(), op.path);
    let text_attr = super::rust::doc(Some(&text));
    let variants = op.errors.iter().map(|r| variant_decl(api, r, true));
    // The methods and traits every error enum has are the runtime's `error_enum!`, given the variants by shape.
    let mut groups: [(&str, Vec<TokenStream>); 6] =
        ["body", "unit", "fields_body", "fields", "range_body", "range"].map(|group| (group, Vec::new()));
    for r in &op.errors {
        let variant = ident(&r.variant);
        let summary = r.doc.trim();
        let group = match (r.status, is_struct_variant(r), r.body.is_some()) {
            (Status::Code(_), false, true) => "body",
            (Status::Code(_), false, false) => "unit",
            (Status::Code(_), true, true) => "fields_body",
            (Status::Code(_), true, false) => "fields",
            (_, _, true) => "range_body",
            (_, _, false) => "range",
        };
        let entry = match r.status {
            Status::Code(status) => {
                let code = proc_macro2::Literal::u16_unsuffixed(status);
                quote!(#variant(#code, #summary))
            }
            _ => quote!(#variant(#summary)),
        };
        if let Some((_, entries)) = groups.iter_mut().find(|(name, _)| *name == group) {
            entries.push(entry);
        }
    }
    let groups = groups.iter().filter(|(_, entries)| !entries.is_empty()).map(|(group, entries)| {
        let group = quote::format_ident!("{group}");
        quote!(#group { #(#entries),* })
    });
    let operation = &op.id;
    quote! {
        #text_attr
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A status the document does not describe for this operation: the status and the raw body.
            #[allow(missing_docs)]
            Undocumented { status: u16, body: ::std::string::String },
        }

        ::clawgen_runtime::error_enum!(#name, #operation, #(#groups)*);
    }
}

fn success_enum(api: &Api, op: &Operation, name: &str) -> TokenStream {
    let name = ident(name);
    let text = format!("Successful responses of `{}` ({} {}).", op.id, op.method.as_str(), op.path);
    let text_attr = super::rust::doc(Some(&text));
    let variants = op.successes.iter().map(|r| variant_decl(api, r, false));
    quote! {
        #text_attr
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* }
    }
}

/// The Rust type an operation returns on success.
pub(super) fn success_type(api: &Api, op: &Operation) -> TokenStream {
    if let Some(name) = &op.success_enum {
        let name = ident(name);
        return quote!(super::errors::#name);
    }
    match op.successes.first().and_then(|r| r.body.as_ref()) {
        Some(body) => type_path(api, body),
        None => quote!(()),
    }
}
