//! The `mock` module (feature `mock`): an implementation of the server trait
//! that answers every operation from the document's examples, and the
//! `mock_server` example that serves it.

use proc_macro2::TokenStream;
use quote::quote;

use super::literal::{self, literal};
use super::rust::ident;
use crate::ir::{Api, Constraints, Encoding, Method, Operation, PathPiece, Response, SchemeKind, Status, TypeRef, sample};

/// The contents of the `mock` module.
pub(super) fn module(api: &Api) -> TokenStream {
    let trait_name = ident(&api.trait_name);
    let secured = api.operations.iter().any(|op| !op.security.is_empty());
    let authorize = secured.then(|| {
        let (certified, tokens): (Vec<_>, Vec<_>) = api.security_schemes.iter().partition(|s| s.kind == SchemeKind::MutualTls);
        let presented: Vec<TokenStream> = tokens
            .iter()
            .map(|s| {
                let field = ident(&s.field);
                match s.kind {
                    SchemeKind::Basic => quote!(credentials.#field.as_ref().and_then(|basic| basic.password.as_deref())),
                    _ => quote!(credentials.#field.as_deref()),
                }
            })
            .collect();
        let token_check = (!presented.is_empty()).then(|| {
            quote! {
                let presented = [#(#presented),*];
                if presented.iter().flatten().any(|value| *value == self.secret) {
                    return Ok(());
                }
            }
        });
        // The TLS layer verified the certificate before the request got here.
        let certificate_check = (!certified.is_empty()).then(|| {
            let fields = certified.iter().map(|s| ident(&s.field));
            quote! {
                if #(credentials.#fields.is_some())||* {
                    return Ok(());
                }
            }
        });
        // Wrong credentials get 403 where the operation documents it (a key
        // that is "invalid or revoked"), else 401.
        let documents_403: Vec<TokenStream> = api
            .operations
            .iter()
            .filter(|op| !op.security.is_empty() && op.errors.iter().any(|r| r.status == Status::Code(403)))
            .map(|op| {
                let variant = ident(&op.type_stem);
                let gate = super::gate::attr(&op.gate);
                quote!(#gate super::auth::Operation::#variant)
            })
            .collect();
        let refusal = if documents_403.is_empty() {
            quote!(super::auth::AuthError::Unauthenticated(message))
        } else if !api.tag_features.is_empty() {
            // An or-pattern cannot be gated in parts: one gated arm per operation.
            quote! {
                #[allow(unreachable_patterns)]
                match operation {
                    #(#documents_403 => super::auth::AuthError::Forbidden(message),)*
                    _ => super::auth::AuthError::Unauthenticated(message),
                }
            }
        } else {
            quote! {
                if matches!(operation, #(#documents_403)|*) {
                    super::auth::AuthError::Forbidden(message)
                } else {
                    super::auth::AuthError::Unauthenticated(message)
                }
            }
        };
        quote! {
            /// The mock tells callers apart by nothing but its token.
            type Identity = ();

            async fn authorize(
                &self,
                operation: super::auth::Operation,
                credentials: &super::auth::Credentials,
                _request: &super::server::RequestContext,
            ) -> ::std::result::Result<(), super::auth::AuthError> {
                #certificate_check
                #token_check
                let _ = operation;
                let message = ::std::string::String::from("The credentials are not the mock's token.");
                Err(#refusal)
            }
        }
    });
    let remembers = remembers_deletions(api);
    let methods = api.operations.iter().filter(|op| op.handled()).map(|op| super::gate::impl_items(&op.gate, method(api, op, remembers)));
    let serve = serve_from_args(api);
    // The rate-limit headers are documented on every answer: state a budget
    // that never runs out.
    let rate_limit = api.rate_limit.is_some().then(|| {
        quote! {
            async fn rate_limit(
                &self,
                _operation: super::auth::Operation,
                _credentials: &super::auth::Credentials,
                _request: &super::server::RequestContext,
            ) -> super::rate_limit::RateLimitDecision {
                let now = ::std::time::SystemTime::now().duration_since(::std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                super::rate_limit::RateLimitDecision::Allow(Some(super::rate_limit::RateLimit {
                    limit: Some(1000),
                    remaining: Some(1000),
                    reset: Some(now + 60),
                }))
            }
        }
    });
    let doc_text = format!(
        "A mock of {}: every operation answers its first documented success, built from the document's examples \
         (or, where there are none, from the smallest value its schema allows). Credentials are checked against one \
         token, accepted for every security scheme (as the API key, the bearer token, the basic-auth password).",
        api.title
    );
    let mut doc_text = doc_text;
    if remembers {
        doc_text.push_str(
            " A resource deleted through the mock stays deleted: later calls on its path (or below it) get the \
             operation's documented 404.",
        );
    }
    let doc_attr = super::rust::doc(Some(&doc_text));
    let (deleted_field, deleted_init) = if remembers {
        let allow = (!api.tag_features.is_empty()).then(|| quote!(#[allow(dead_code)]));
        (
            quote! {
                /// The resources deleted so far, shared by the clones a router makes.
                #allow
                deleted: ::clawgen_runtime::mock::DeletedPaths,
            },
            quote!(deleted: ::std::default::Default::default()),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    // Paths are spelled as the client spells them.
    let to_text = remembers.then(|| {
        // Read by the methods of some tags only.
        let allow = (!api.tag_features.is_empty()).then(|| quote!(#[allow(unused_imports)]));
        quote!(
            #allow
            use ::clawgen_runtime::params::to_text;
        )
    });
    quote! {
        //! A mock server that answers from the document's examples.

        #to_text

        #doc_attr
        #[derive(Debug, Clone)]
        pub struct Mock {
            secret: ::std::string::String,
            #deleted_field
        }

        impl Mock {
            /// A mock that accepts `secret` as the credential of every security scheme.
            pub fn new(secret: impl Into<::std::string::String>) -> Self {
                Mock { secret: secret.into(), #deleted_init }
            }

            /// The one credential the mock accepts.
            pub fn secret(&self) -> &str {
                &self.secret
            }
        }

        impl super::server::#trait_name for Mock {
            #authorize
            #rate_limit
            #(#methods)*
        }

        #serve
    }
}

/// Whether the mock remembers deletions: the API deletes resources by path,
/// and some operation documents the 404 that a deleted resource earns.
fn remembers_deletions(api: &Api) -> bool {
    let deletes = api.operations.iter().any(|op| op.method == Method::Delete && !op.path_params.is_empty());
    deletes && api.operations.iter().any(|op| !op.path_params.is_empty() && documents_not_found(op))
}

fn documents_not_found(op: &Operation) -> bool {
    not_found(op).is_some()
}

/// The response that covers a 404: its own, else `4XX`'s, else `default`'s.
fn not_found(op: &Operation) -> Option<&crate::ir::Response> {
    [Status::Code(404), Status::Range(4), Status::Default].into_iter().find_map(|status| op.errors.iter().find(|r| r.status == status))
}

/// `format!(…)` of the concrete path an operation was called on, from its
/// path arguments: the IR's template, spelled as the client spells it (each
/// style's prefix, then the value's text).
fn concrete_path(op: &Operation) -> TokenStream {
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let mut pattern = String::new();
    let mut values = Vec::new();
    for piece in op.path_template() {
        match piece {
            PathPiece::Literal(text) => pattern.push_str(&escape(text)),
            PathPiece::Param(param) => {
                let arg = quote::format_ident!("_{}", param.name.trim_start_matches('_'));
                values.push(quote!(to_text(&#arg)));
                pattern.push_str(&escape(&param.path_style.prefix(&param.wire_name)));
                pattern.push_str("{}");
            }
        }
    }
    if values.is_empty() {
        let path = &op.path;
        return quote!(::std::string::String::from(#path));
    }
    quote!(format!(#pattern, #(#values),*))
}

/// The statements before the answer that keep deleted resources deleted. A
/// successful `POST` to a collection brings back what lies below it, since the
/// mock answers it with the same example resources every time.
fn deletion_steps(api: &Api, op: &Operation, answers: bool) -> TokenStream {
    let revive = (op.method == Method::Post && answers).then(|| quote!(self.deleted.revive_below(&path);));
    if op.path_params.is_empty() && revive.is_none() {
        return TokenStream::new();
    }
    let path = concrete_path(op);
    let not_found = not_found(op).and_then(|response| {
        let runtime =
            super::server::RunTime { message: quote!(::std::string::String::from("The resource was deleted.")), retry_after: quote!(0u64) };
        super::server::error_value(api, op, response, 404, &runtime)
    });
    let refuse = not_found.map(|value| quote!(if self.deleted.covers(&path) { return Err(#value); }));
    let remember = (op.method == Method::Delete && answers).then(|| quote!(self.deleted.remember(path);));
    if refuse.is_none() && remember.is_none() && revive.is_none() {
        return TokenStream::new();
    }
    quote! {
        let path = #path;
        #refuse
        #revive
        #remember
    }
}

/// One trait method: its answer is fixed, but for resources deleted earlier.
fn method(api: &Api, op: &Operation, remembers: bool) -> TokenStream {
    let name = ident(&op.fn_name);
    let args = super::server::arguments(api, op).into_iter().map(|(name, ty)| {
        let name = quote::format_ident!("_{}", name.to_string().trim_start_matches('_'));
        quote!(#name: #ty)
    });
    let success = super::errors::success_type(api, op);
    let error = ident(&op.error_enum);
    let documented = answer(api, op);
    let steps = if remembers { deletion_steps(api, op, documented.is_some()) } else { TokenStream::new() };
    let answer = documented.unwrap_or_else(|| {
        let message = format!("the mock has no example for `{}` that fits its schema", op.id);
        quote!(Err(super::errors::#error::undocumented(501, ::std::string::String::from(#message))))
    });
    quote! {
        async fn #name(&self, #(#args),*) -> ::std::result::Result<#success, super::errors::#error> {
            #steps
            #answer
        }
    }
}

/// `Ok(…)` with the first documented success, or `None` when no value fits.
/// An operation that documents no success (an endpoint that only refuses, such
/// as one not implemented yet) answers its first documented error instead.
fn answer(api: &Api, op: &Operation) -> Option<TokenStream> {
    let Some(response) = op.successes.first() else {
        let documented = op.errors.iter().find_map(|r| match r.status {
            Status::Code(code) => Some((r, code)),
            _ => None,
        });
        return match documented {
            Some((response, code)) => {
                let runtime = super::server::RunTime {
                    message: quote!(::std::string::String::from("This operation answers only with its documented error.")),
                    retry_after: quote!(0u64),
                };
                let value = super::server::error_value(api, op, response, code, &runtime)?;
                Some(quote!(Err(#value)))
            }
            None => Some(quote!(Ok(()))),
        };
    };
    let body = match &response.body {
        Some(ty) => Some(body_value(api, response, ty)?),
        None => None,
    };
    let Some(enum_name) = &op.success_enum else {
        return Some(match body {
            Some(body) => quote!(Ok(#body)),
            None => quote!(Ok(())),
        });
    };
    let enum_name = ident(enum_name);
    let variant = ident(&response.variant);
    if !super::errors::is_struct_variant(response) {
        return Some(match body {
            Some(body) => quote!(Ok(super::errors::#enum_name::#variant(#body))),
            None => quote!(Ok(super::errors::#enum_name::#variant)),
        });
    }
    let status = super::errors::has_status_field(response).then(|| {
        let code: u16 = match response.status {
            Status::Code(code) => code,
            Status::Range(digit) => digit * 100,
            Status::Default => 200,
        };
        quote!(status: #code,)
    });
    let body = body.map(|body| quote!(body: #body,));
    let mut headers = Vec::new();
    for header in &response.headers {
        let field = ident(&header.name);
        let value = if header.required {
            let value = literal(api, &header.ty, &sample::synthesize(&api.types, &header.ty), &[]).ok()?;
            quote!(::std::option::Option::Some(#value))
        } else {
            quote!(::std::option::Option::None)
        };
        headers.push(quote!(#field: #value,));
    }
    Some(quote!(Ok(super::errors::#enum_name::#variant { #status #body #(#headers)* })))
}

/// The body: the documented example where it fits, else a synthesized value.
fn body_value(api: &Api, response: &Response, ty: &TypeRef) -> Option<TokenStream> {
    match response.encoding {
        Encoding::Raw => {
            let media = response.media_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned());
            let bytes = response.example.as_ref().and_then(|e| e.as_str()).unwrap_or_default().as_bytes().to_vec();
            return Some(quote!(super::media::Raw { content_type: ::std::string::String::from(#media), bytes: ::std::vec![#(#bytes),*] }));
        }
        Encoding::EventStream => return event_stream_value(api, response, ty),
        Encoding::Text if *ty == TypeRef::String => {
            let text = response.example.as_ref().and_then(|e| e.as_str()).unwrap_or_default().to_owned();
            return Some(quote!(::std::string::String::from(#text)));
        }
        _ => {}
    }
    let value = sample::example_or_synthesized(&api.types, ty, &Constraints::default(), response.example.as_ref());
    literal(api, ty, &value, &[]).ok()
}

/// A stream of the example's events: an example in the `text/event-stream` format gives its
/// events (names and ids included), another one event with the example as data; else one
/// event made from the schema.
fn event_stream_value(api: &Api, response: &Response, ty: &TypeRef) -> Option<TokenStream> {
    let TypeRef::EventStream(item) = ty else { return None };
    let data_of = |text: &str| {
        if **item == TypeRef::String { Some(serde_json::Value::String(text.to_owned())) } else { serde_json::from_str(text).ok() }
    };
    let written = response.example.as_ref().and_then(|e| e.as_str()).map(sample::example_events).unwrap_or_default();
    let from_text: Option<Vec<TokenStream>> = (!written.is_empty())
        .then(|| {
            written
                .iter()
                .map(|e| {
                    let data = data_of(&e.data).filter(|data| sample::fits(&api.types, item, data))?;
                    literal::event(api, item, &data, e.event.as_deref(), e.id.as_deref()).ok()
                })
                .collect()
        })
        .flatten();
    let events = from_text.or_else(|| {
        let data = sample::example_or_synthesized(&api.types, item, &Constraints::default(), response.example.as_ref());
        literal::event(api, item, &data, None, None).ok().map(|event| vec![event])
    })?;
    Some(quote!(super::media::EventStream::from_events([#(#events),*])))
}

/// `examples/mock_server.rs`: one call, so that rustfmt and prettyplease agree on its layout.
pub(super) fn example(api: &Api) -> TokenStream {
    let crate_ident = ident(&api.crate_name.replace('-', "_"));
    let doc_text = format!(" Serves the mock of {}: see `{}::mock::serve_from_args`.", api.title, api.crate_name.replace('-', "_"));
    quote! {
        #![doc = #doc_text]

        fn main() -> ::std::process::ExitCode {
            #crate_ident::mock::serve_from_args()
        }
    }
}

/// `mock::serve_from_args`, the body of the `mock_server` example.
fn serve_from_args(api: &Api) -> TokenStream {
    let example = super::manifest::example_name(api, "mock_server");
    let usage =
        format!("usage: cargo run -p {} --example {example} --features mock -- [--addr HOST:PORT] [--token SECRET]", api.crate_name);
    let doc_text = format!(
        "Serves [`Mock`] as the `{example}` example does: parses `--addr` (default `127.0.0.1:8080`) and `--token` from the \
         command line, prints the address and the token (made up when not given), and serves until stopped.\n\n{usage}"
    );
    let doc_attr = super::rust::doc(Some(&doc_text));
    quote! {
        #doc_attr
        pub fn serve_from_args() -> ::std::process::ExitCode {
            ::clawgen_runtime::mock::serve_from_args(#usage, |token| super::server::router(Mock::new(token)))
        }
    }
}
