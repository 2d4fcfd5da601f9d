//! The `errors` module: per operation, the enum of its documented error
//! responses (shared by client and server) and, where needed, of its successes.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{doc, ident, type_path};
use crate::ir::{Api, Operation, Response, Status};

/// The contents of the `errors` module.
pub(super) fn module(api: &Api) -> TokenStream {
    let items = api.operations.iter().map(|op| {
        let errors = error_enum(api, op);
        let successes = op.success_enum.as_ref().map(|name| success_enum(api, op, name));
        quote!(#errors #successes)
    });
    quote! {
        //! Responses of each operation: an error enum with one variant per
        //! documented non-2xx status, and a success enum where an operation has
        //! more than one kind of success.
        #(#items)*
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

/// The fields of one variant, as declared.
fn variant_decl(api: &Api, response: &Response) -> TokenStream {
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
                let body = type_path(api, body);
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
        let body = type_path(api, body);
        quote!(/// The body.
            body: #body,)
    });
    let headers = response.headers.iter().map(|h| {
        let field = ident(&h.name);
        let ty = type_path(api, &h.ty);
        let ty = if h.required { ty } else { quote!(::std::option::Option<#ty>) };
        let text = format!("The `{}` header.{}", h.wire_name, h.doc.as_deref().map(|d| format!(" {d}")).unwrap_or_default());
        let text_attr = super::rust::doc(Some(&text));
        quote!(#text_attr #field: #ty,)
    });
    quote!(#docs #name { #status #body #(#headers)* },)
}

fn error_enum(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.error_enum);
    let text = format!("Error responses of `{}` ({} {}).", op.id, op.method.as_str(), op.path);
    let text_attr = super::rust::doc(Some(&text));
    let variants = op.errors.iter().map(|r| variant_decl(api, r));
    let status_arms = op.errors.iter().map(|r| {
        let variant = ident(&r.variant);
        match r.status {
            Status::Code(code) if is_struct_variant(r) => quote!(Self::#variant { .. } => #code,),
            Status::Code(code) if r.body.is_some() => quote!(Self::#variant(_) => #code,),
            Status::Code(code) => quote!(Self::#variant => #code,),
            _ => quote!(Self::#variant { status, .. } => *status,),
        }
    });
    let display_arms = op.errors.iter().map(|r| {
        let variant = ident(&r.variant);
        let pattern = if is_struct_variant(r) {
            quote!(Self::#variant { .. })
        } else if r.body.is_some() {
            quote!(Self::#variant(_))
        } else {
            quote!(Self::#variant)
        };
        let format = format!("{{}} {}", r.doc.trim().replace('{', "{{").replace('}', "}}"));
        quote!(#pattern => write!(f, #format, self.status()),)
    });
    let undocumented = format!("{{status}} (undocumented for {})", op.id.replace('{', "{{").replace('}', "}}"));
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

        impl #name {
            /// The HTTP status of this response.
            pub fn status(&self) -> u16 {
                match self {
                    #(#status_arms)*
                    Self::Undocumented { status, .. } => *status,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #(#display_arms)*
                    Self::Undocumented { status, .. } => write!(f, #undocumented),
                }
            }
        }

        impl ::std::error::Error for #name {}
    }
}

fn success_enum(api: &Api, op: &Operation, name: &str) -> TokenStream {
    let name = ident(name);
    let text = format!("Successful responses of `{}` ({} {}).", op.id, op.method.as_str(), op.path);
    let text_attr = super::rust::doc(Some(&text));
    let variants = op.successes.iter().map(|r| variant_decl(api, r));
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
