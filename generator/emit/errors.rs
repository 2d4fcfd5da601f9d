//! The `errors` module: per operation, the enum of its documented error
//! responses (shared by client and server) and, where needed, of its successes.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{doc, ident, type_path};
use std::collections::HashMap;

use crate::ir::{Api, Gate, Operation, Response, Status};

/// The contents of the `errors` module. The mapping to documented errors
/// (`documented`, `DomainError`, the common error) is the server's: a crate
/// without the server has none.
pub(super) fn module(api: &Api, server: bool) -> impl Iterator<Item = TokenStream> + '_ {
    let shared = if server { SharedBodies::of(api) } else { SharedBodies::default() };
    let shared_items = shared.items();
    let items = api.operations.iter().map(move |op| {
        let errors = error_enum(api, op);
        let mapping = server.then(|| documented_fn(api, op, &shared));
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
        use ::clawgen_runtime::error_enum;
        // Bodies' types are written `types::…`.
        #[allow(unused_imports)]
        use super::types;

        #domain
        #common
        #(#shared_items)*
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
    let runtime = super::server::RunTime { message: quote!(message), retry_after: quote!(0u64), shared: None };
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

/// `documented(status, message, retry_after)`: the variant documented for
/// `status`, with the message and retry delay put in; and the
/// [`DomainError`] mapping built on it.
fn documented_fn(api: &Api, op: &Operation, shared: &SharedBodies) -> TokenStream {
    let name = ident(&op.error_enum);
    let runtime = super::server::RunTime { message: quote!(message), retry_after: quote!(retry_after), shared: Some(shared) };
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut fallback = None;
    for response in &op.errors {
        match response.status {
            Status::Code(code) => {
                let literal = proc_macro2::Literal::u16_unsuffixed(code);
                if let Some(value) = super::server::error_value_at(api, op, response, code, &quote!(#literal), &runtime, true) {
                    exact.push(quote!(#literal => #value,));
                }
            }
            Status::Range(digit) => {
                let low = digit * 100;
                let (from, to) = (proc_macro2::Literal::u16_unsuffixed(low), proc_macro2::Literal::u16_unsuffixed(low + 99));
                if let Some(value) = super::server::error_value_at(api, op, response, low, &quote!(status), &runtime, true) {
                    ranges.push(quote!(#from..=#to => #value,));
                }
            }
            Status::Default => fallback = super::server::error_value_at(api, op, response, 0, &quote!(status), &runtime, true),
        }
    }
    let otherwise = match fallback {
        // `default` alone: no match to make.
        Some(value) if exact.is_empty() && ranges.is_empty() => {
            return documented_items(&name, &quote!(::std::option::Option::Some(#value)));
        }
        Some(value) => quote!(_ => #value,),
        None if exact.is_empty() && ranges.is_empty() => {
            let body = quote!(::std::option::Option::None);
            return documented_items(&name, &body);
        }
        None => quote!(_ => return ::std::option::Option::None,),
    };
    let body = quote! {
        let documented = match status {
            #(#exact)*
            #(#ranges)*
            #otherwise
        };
        ::std::option::Option::Some(documented)
    };
    documented_items(&name, &body)
}

/// Error bodies that several operations' `documented` build alike (every 4XX
/// of a large API carries one failure envelope, with one example): each is
/// built by one function of the errors module, which those operations call.
#[derive(Default)]
pub(super) struct SharedBodies {
    /// Each shared body's function, by the body's type and expression.
    functions: HashMap<(String, String), SharedBody>,
}

struct SharedBody {
    name: proc_macro2::Ident,
    /// Where the function is first needed, which orders the functions.
    first: usize,
    ty: TokenStream,
    value: TokenStream,
    gate: Gate,
}

/// Bodies shorter than this (a bare `message`) are cheaper written out than called.
const SHARED_BODY_MIN_LEN: usize = 80;

impl SharedBodies {
    /// The bodies that `documented` builds for more than one response of `api`.
    fn of(api: &Api) -> SharedBodies {
        let runtime = super::server::RunTime { message: quote!(message), retry_after: quote!(retry_after), shared: None };
        let mut seen: HashMap<(String, String), (SharedBody, Vec<&Gate>)> = HashMap::new();
        let mut order = 0;
        for op in &api.operations {
            for response in &op.errors {
                let status = match response.status {
                    Status::Code(code) => code,
                    Status::Range(digit) => digit * 100,
                    Status::Default => 0,
                };
                let (Some(ty), Some(value)) = (&response.body, super::server::body_value(api, response, status, &runtime)) else {
                    continue;
                };
                // An alias's body is its target's (the literal names the target).
                let ty = type_path(api, api.unaliased(ty));
                let key = (ty.to_string(), value.to_string());
                if key.1.len() < SHARED_BODY_MIN_LEN {
                    continue;
                }
                order += 1;
                let entry = seen.entry(key).or_insert_with(|| {
                    let name = quote::format_ident!("unnamed");
                    (SharedBody { name, first: order, ty, value, gate: Gate::Always }, Vec::new())
                });
                entry.1.push(&op.gate);
            }
        }
        let mut shared: Vec<_> = seen.into_iter().filter(|(_, (_, users))| users.len() > 1).collect();
        shared.sort_by_key(|(_, (body, _))| body.first);
        let functions = shared
            .into_iter()
            .enumerate()
            .map(|(index, (key, (body, users)))| {
                let name = quote::format_ident!("error_body_{}", index + 1);
                (key, SharedBody { name, gate: Gate::union(users), ..body })
            })
            .collect();
        SharedBodies { functions }
    }

    /// The function that builds `value` (of type `ty`), if it is shared.
    pub(super) fn function(&self, api: &Api, ty: &crate::ir::TypeRef, value: &TokenStream) -> Option<&proc_macro2::Ident> {
        if self.functions.is_empty() {
            return None;
        }
        let key = (type_path(api, api.unaliased(ty)).to_string(), value.to_string());
        self.functions.get(&key).map(|body| &body.name)
    }

    /// The functions, in the order the operations first need them.
    fn items(&self) -> Vec<TokenStream> {
        let mut bodies: Vec<&SharedBody> = self.functions.values().collect();
        bodies.sort_by_key(|body| body.first);
        bodies
            .into_iter()
            .map(|SharedBody { name, ty, value, gate, .. }| {
                let item = quote! {
                    #[allow(unused_variables)]
                    fn #name(message: ::std::string::String, retry_after: u64) -> #ty {
                        #value
                    }
                };
                super::gate::items(gate, item)
            })
            .collect()
    }
}

fn documented_items(name: &proc_macro2::Ident, body: &TokenStream) -> TokenStream {
    quote! {
        impl #name {
            /// The variant documented for `status` (exactly, by range or `default`) with `message` and a 429's `retry_after` (seconds) in it; else `None`.
            #[allow(unused_variables, unreachable_patterns)]
            pub fn documented(status: u16, message: ::std::string::String, retry_after: u64) -> ::std::option::Option<Self> {
                #body
            }
        }

        ::clawgen_runtime::from_domain_error!(#name);
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
    let status = has_status_field(response).then(|| {
        quote!(/// The status code.
        status: u16,)
    });
    let body = response.body.as_ref().map(|body| {
        let body = body_type(api, body, error);
        quote!(/// The body.
            body: #body,)
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
    quote!(#docs #name { #status #body #(#headers)* },)
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
            /// A status the document does not describe for this operation.
            Undocumented {
                /// The status code.
                status: u16,
                /// The raw body.
                body: ::std::string::String,
            },
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
