//! The `auth` module: the credentials of every security scheme, and what
//! each operation requires of them.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{doc, ident};
use crate::ir::{Api, SchemeKind};

/// The contents of the `auth` module.
pub(super) fn module(api: &Api) -> TokenStream {
    let fields = api.security_schemes.iter().map(|s| {
        let field = ident(&s.field);
        let how = format!("Sent as {}.", s.kind.describe());
        let text = format!("`{}`: {how}{}", s.key, s.doc.as_deref().map(|d| format!("\n\n{d}")).unwrap_or_default());
        let docs = doc(Some(&text));
        let ty = credential_type(&s.kind);
        quote!(#docs pub #field: ::std::option::Option<#ty>,)
    });
    let setters: Vec<TokenStream> = api
        .security_schemes
        .iter()
        .map(|s| {
            let field = ident(&s.field);
            let setter = credential_setter(&s.field, api.security_schemes.iter().map(|s| s.field.as_str()));
            let docs = doc(Some(&format!("Sets `{}`.", s.key)));
            let (ty, value) = match s.kind {
                SchemeKind::Basic | SchemeKind::MutualTls => (credential_type(&s.kind), quote!(value)),
                _ => (quote!(impl ::std::convert::Into<::std::string::String>), quote!(value.into())),
            };
            quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, value: #ty) -> Self {
                    self.#field = ::std::option::Option::Some(#value);
                    self
                }
            }
        })
        .collect();
    let setters = (!setters.is_empty()).then(|| quote!(impl Credentials { #(#setters)* }));
    let redacted = api.security_schemes.iter().map(|s| {
        let field = ident(&s.field);
        let key = &s.field;
        quote!(.field(#key, &self.#field.as_ref().map(|_| "<redacted>")))
    });
    // Operations mostly share their requirements: each distinct list is a
    // constant, compiled where one of its operations is.
    let mut requirements: Vec<(TokenStream, Vec<&crate::ir::Gate>)> = Vec::new();
    let mut known: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let entries: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| {
            let variant = ident(&op.type_stem);
            let gate = super::gate::attr(&op.gate);
            let (id, method, path) = (&op.id, op.method.as_str(), &op.path);
            if op.security.is_empty() {
                return quote!(#gate #variant(#id, #method, #path),);
            }
            let alternatives = op.security.iter().map(|all| {
                let uses = all.iter().map(|u| {
                    let key = &api.security_schemes[u.scheme].key;
                    let scopes = &u.scopes;
                    quote!((#key, &[#(#scopes),*]))
                });
                quote!(&[#(#uses),*])
            });
            let list = quote!(&[#(#alternatives),*]);
            let index = *known.entry(list.to_string()).or_insert_with(|| {
                requirements.push((list, Vec::new()));
                requirements.len() - 1
            });
            requirements[index].1.push(&op.gate);
            let name = quote::format_ident!("REQUIREMENTS_{}", index + 1);
            quote!(#gate #variant(#id, #method, #path, #name),)
        })
        .collect();
    let requirement_consts = requirements.iter().enumerate().map(|(index, (list, users))| {
        let name = quote::format_ident!("REQUIREMENTS_{}", index + 1);
        let gate = super::gate::attr(&crate::ir::Gate::union(users.iter().copied()));
        quote! {
            #gate
            const #name: Requirements = #list;
        }
    });
    let basic = api.security_schemes.iter().any(|s| s.kind == SchemeKind::Basic).then(|| {
        quote! {
            /// HTTP basic credentials (the runtime's).
            pub use ::clawgen_runtime::auth::BasicAuth;
        }
    });
    let certificate = api.security_schemes.iter().any(|s| s.kind == SchemeKind::MutualTls).then(|| {
        quote! {
            /// The certificates of a mutual TLS handshake (the runtime's).
            pub use ::clawgen_runtime::auth::ClientCertificate;
        }
    });
    let operations = (!api.operations.is_empty()).then(|| {
        quote! {
            // The enum `Operation`, with `id()`, `path()` and `security()` (see the runtime's macro).
            ::clawgen_runtime::operations! { #(#entries)* }

            /// Security requirements: alternatives of (scheme, scopes) lists (see [`Operation::security`]).
            pub use ::clawgen_runtime::auth::Requirements;
            #(#requirement_consts)*
        }
    });
    quote! {
        //! Credentials and security requirements.

        /// The credentials of each security scheme of the document; the client
        /// sends what an operation needs, and the server passes on what it received.
        /// Build one with `Credentials::default()` and the setters named after the schemes'
        /// fields, so that a new scheme in the document is a new setter, not a broken literal.
        #[derive(Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct Credentials { #(#fields)* }

        #setters

        impl ::std::fmt::Debug for Credentials {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Credentials") #(#redacted)* .finish()
            }
        }

        #basic
        #certificate

        /// Why the server's `authorize` hook refused a request (the runtime's).
        pub use ::clawgen_runtime::auth::AuthError;

        #operations
    }
}

/// The type of a scheme's credential (in an `Option`).
fn credential_type(kind: &SchemeKind) -> TokenStream {
    match kind {
        SchemeKind::Basic => quote!(BasicAuth),
        SchemeKind::MutualTls => quote!(ClientCertificate),
        _ => quote!(::std::string::String),
    }
}

/// The setter of a scheme's field: the field's own name, unless that would
/// shadow a method every `Credentials` has (`default`, `clone`, `eq`, `fmt`).
fn credential_setter<'a>(field: &str, fields: impl Iterator<Item = &'a str> + Clone) -> proc_macro2::Ident {
    const TAKEN: &[&str] = &["default", "clone", "clone_from", "eq", "ne", "fmt"];
    if !TAKEN.contains(&field.trim_end_matches('_')) {
        return ident(field);
    }
    let mut name = format!("with_{}", field.trim_end_matches('_'));
    while fields.clone().any(|f| f == name) {
        name.push('_');
    }
    ident(&name)
}
