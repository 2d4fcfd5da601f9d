//! The `server` module: a trait with one async method per operation, and an
//! axum router that parses and checks requests before calling it.
//!
//! The router answers what it rejects (missing credentials, malformed input,
//! broken constraints) with the status and body the document describes for
//! that operation, built from the response's example with the message put in.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::errors::{has_status_field, is_struct_variant, success_type};
use super::literal::{Slot, SlotKind, literal};
use super::rust::{body_type, ident, operation_doc, type_path};
use crate::ir::{
    Api, Encoding, Method, Operation, PartKind, PathPiece, Presence, Response, RetryUnit, RouterRefusal, SchemeKind, Status, TypeKind,
    TypeRef, sample, type_validates,
};

/// The statuses the router itself may answer with.
const BAD_REQUEST: u16 = 400;
const UNPROCESSABLE: u16 = 422;
const UNAUTHORIZED: u16 = 401;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;
const TOO_MANY_REQUESTS: u16 = 429;

/// The contents of the `server` module.
pub(super) fn module(api: &Api) -> impl Iterator<Item = crate::error::Result<TokenStream>> + '_ {
    let trait_name = ident(&api.trait_name);
    let secured = api.operations.iter().any(|op| !op.security.is_empty());
    let authorize = secured.then(|| {
        quote! {
            /// Who a caller is, as [`authorize`](Self::authorize) establishes it: every
            /// secured operation receives it in `cx.identity`.
            type Identity: Send + 'static;

            /// Decides whether `credentials` (already known to satisfy one of the
            /// operation's requirement alternatives) may call `operation`, and who
            /// the caller is. Runs before any input is parsed; refusals are
            /// answered with the operation's documented 401 or 403.
            fn authorize(
                &self,
                operation: super::auth::Operation,
                credentials: &super::auth::Credentials,
                request: &RequestContext,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Identity, super::auth::AuthError>> + Send;
        }
    });
    let methods = api.operations.iter().filter(|op| op.handled()).map(|op| super::gate::trait_items(&op.gate, trait_method(api, op)));
    // The default of every trait method.
    let handled_gate = crate::ir::Gate::union(api.operations.iter().filter(|op| op.handled()).map(|op| &op.gate));
    let not_implemented = api.operations.iter().any(|op| op.handled()).then(|| {
        super::gate::items(
            &handled_gate,
            quote! {
                /// The answer of an operation the implementation leaves out: 501, in the API's error format.
                fn not_implemented<T, E: ::clawgen_runtime::errors::Undocumented>(
                    operation: &str,
                ) -> ::std::future::Ready<::std::result::Result<T, E>> {
                    let message = format!("`{operation}` is not implemented yet.");
                    ::std::future::ready(Err(E::undocumented(501, super::errors::common_error_body(501, message))))
                }
            },
        )
    });
    let rate_limit = api.rate_limit.is_some().then(|| {
        quote! {
            /// The caller's request budget, asked before anything else (authorisation
            /// included). Its headers go on every answer; `Refuse` is answered with the
            /// operation's documented 429 and `Retry-After`. By default nothing is limited.
            fn rate_limit(
                &self,
                operation: super::auth::Operation,
                credentials: &super::auth::Credentials,
                request: &RequestContext,
            ) -> impl ::std::future::Future<Output = super::rate_limit::RateLimitDecision> + Send {
                let _ = (operation, credentials, request);
                async { super::rate_limit::RateLimitDecision::Allow(None) }
            }
        }
    });

    let captures = Captures::of(api);
    // How each handled operation answers its refusals, by function name (see `handled`).
    let rejections: BTreeMap<&str, (Rejection, &crate::ir::Gate)> =
        api.operations.iter().filter(|op| op.handled()).map(|op| (op.fn_name.as_str(), (rejection(api, op), &op.gate))).collect();
    let mut by_path: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in api.operations.iter().filter(|op| op.routed()) {
        by_path.entry(route_path(op, &captures)).or_default().push(op);
    }
    // Each operation is a statement `let router = route!(…);` of its own
    // (axum merges a path's methods), gated where tag features are on; the
    // QUERY fallbacks and the document's own route are chained by path after.
    let own_statement = |op: &Operation| op.method != Method::Query && !op.serves_spec && rejections.contains_key(op.fn_name.as_str());
    let statements = api.operations.iter().filter(|op| op.routed()).filter(|op| own_statement(op) || !api.tag_features.is_empty());
    let statements: Vec<TokenStream> = statements
        .map(|op| {
            let (path, gate) = (route_path(op, &captures), super::gate::attr(&op.gate));
            match rejections.get(op.fn_name.as_str()).filter(|_| own_statement(op)) {
                Some((rejection, _)) => {
                    let method = format_ident!("{}", op.method.as_str().to_ascii_lowercase());
                    let handler = handler_name(op);
                    // A macro call's tokens are printed as they are: the error enum by the module `use` names.
                    let reject = match rejection {
                        Rejection::Documented => {
                            let error = ident(&op.error_enum);
                            quote!(rejecting(errors::#error::documented))
                        }
                        _ => rejection_expression(op, rejection),
                    };
                    quote!(#gate let router = ::clawgen_runtime::route!(router, A, #method #path #handler #reject);)
                }
                None => {
                    let method = method_chain(&[op], &rejections);
                    quote!(#gate let router = router.route(#path, #method);)
                }
            }
        })
        .collect();
    let chained = by_path.iter().filter(|_| api.tag_features.is_empty()).filter_map(|(path, ops)| {
        // QUERY's fallback goes last, after the methods that have a function of their own.
        let mut ops: Vec<&Operation> = ops.iter().copied().filter(|op| !own_statement(op)).collect();
        ops.sort_by_key(|op| op.method == Method::Query);
        let methods = (!ops.is_empty()).then(|| method_chain(&ops, &rejections))?;
        Some(quote!(.route(#path, #methods)))
    });
    let router_start = if statements.is_empty() {
        quote!(::axum::Router::new())
    } else {
        quote!(let router = ::axum::Router::new(); #(#statements)* router)
    };
    let guards = guards(api);
    let guard_fns: Vec<TokenStream> = guards
        .iter()
        .enumerate()
        .map(|(index, guard)| {
            // Compiled with any handler that calls it.
            let callers = api.operations.iter().filter(|op| op.handled() && !op.security.is_empty() && Guard::of(api, op) == *guard);
            super::gate::items(&crate::ir::Gate::union(callers.map(|op| &op.gate)), guard_fn(api, index, guard))
        })
        .collect();
    let handlers: Vec<TokenStream> = api
        .operations
        .iter()
        .filter(|op| op.handled())
        .map(|op| {
            let rejection = rejections.get(op.fn_name.as_str()).map_or(&Rejection::Common, |(r, _)| r);
            super::gate::items(&op.gate, handler(api, op, &guards, &captures, rejection))
        })
        .collect();
    let webhook_receiver = super::webhooks::receiver(api);
    let documented_rejections = rejections.values().filter(|(r, _)| matches!(r, Rejection::Documented)).map(|(_, gate)| *gate);
    let rejecting_gate = crate::ir::Gate::union(documented_rejections);
    let rejecting = rejections.values().any(|(r, _)| matches!(r, Rejection::Documented)).then(|| {
        let gate = super::gate::attr(&rejecting_gate);
        quote! {
            /// Answers a refusal with the operation's `documented` answer where
            /// there is one, else as [`refuse`] does.
            #gate
            fn rejecting<E: ::axum::response::IntoResponse>(
                documented: fn(u16, ::std::string::String, u64) -> ::std::option::Option<E>,
            ) -> impl Fn(u16, ::std::string::String, u64) -> ::axum::response::Response + Copy {
                move |status, message, retry_after| match documented(status, message.clone(), retry_after) {
                    ::std::option::Option::Some(error) => error.into_response(),
                    ::std::option::Option::None => refuse(status, message, retry_after),
                }
            }
        }
    });
    // In the operations' order, as the handlers are.
    let own_rejections: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(|op| match rejections.get(op.fn_name.as_str()) {
            Some((Rejection::Own(tokens), gate)) => Some(super::gate::items(gate, tokens.clone())),
            _ => None,
        })
        .collect();
    let document = api.spec_json.as_ref().map(|json| {
        quote! {
            /// The OpenAPI document this server implements, as JSON.
            pub const OPENAPI_DOCUMENT: &str = #json;

            async fn serve_openapi_document() -> ::axum::response::Response {
                ([(::axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI_DOCUMENT).into_response()
            }
        }
    });
    let error_impls = api.operations.iter().filter(|op| op.handled()).map(|op| super::gate::items(&op.gate, into_response(op, false)));
    let success_impls =
        api.operations.iter().filter(|op| op.success_enum.is_some()).map(|op| super::gate::items(&op.gate, into_response(op, true)));
    let credentials = (secured || api.rate_limit.is_some()).then(|| {
        // Read by the handlers of secured operations, and by every handler where requests are rate-limited.
        let readers = api.operations.iter().filter(|op| op.handled() && (!op.security.is_empty() || api.rate_limit.is_some()));
        super::gate::items(&crate::ir::Gate::union(readers.map(|op| &op.gate)), credentials_fn(api))
    });
    let common_refusals = common_refusals(api);
    let doc_text = format!("The operations of {} that a server implements.", api.title);
    let doc_text_attr = super::rust::doc(Some(&doc_text));
    // The query tables are written `params::…`.
    let use_params = super::params::needed(api).then(|| {
        quote!(
            #[allow(unused_imports)]
            use super::params;
        )
    });
    // Guards and the rate limit name operations `Operation::…` (a document of webhooks alone has none).
    let use_operation = (!api.operations.is_empty()).then(|| {
        quote! {
            #[allow(unused_imports)]
            use super::auth::Operation;
        }
    });

    // The items of one piece, then those of each operation (in parts: see `emit::ItemParts`).
    let head = quote! {
        //! The axum server: implement the trait, then serve [`router`].

        // Unused where the document has only types.
        #[allow(unused_imports)]
        use ::axum::response::IntoResponse as _;
        // The document-independent half of every handler.
        #[allow(unused_imports)]
        use ::clawgen_runtime::{route, server::*, shape};
        // Checks are written `validation::…`; unused where nothing has constraints.
        #[allow(unused_imports)]
        use super::validation;
        #use_params
        #use_operation
        // Types and error enums are written `types::…` and `errors::…`;
        // `authorize` returns an `impl Future`, the operations an `impl Reply`.
        #[allow(unused_imports)]
        use super::{errors, types};
        #[allow(unused_imports)]
        use ::std::future::Future;
        pub use ::clawgen_runtime::server::{DEFAULT_BODY_LIMIT, RequestContext, RouterConfig};

        #doc_text_attr
        ///
        /// Every operation has a default that answers 501 Not Implemented in the
        /// API's error format: implement the ones you serve. Errors of your own
        /// become each operation's documented error through
        /// [`DomainError`](super::errors::DomainError) and `?`.
        // The defaults take their arguments unused, under the names an implementation sees.
        #[allow(unused_variables)]
        pub trait #trait_name: Send + Sync + 'static {
            #authorize
            #rate_limit
            #(#methods)*
        }

        #not_implemented

        /// An axum router that serves `api` under the document's paths, with
        /// [`RouterConfig::default`] (bodies up to [`DEFAULT_BODY_LIMIT`] bytes).
        pub fn router<A: #trait_name>(api: A) -> ::axum::Router {
            router_with(api, RouterConfig::default())
        }

        /// An axum router that serves `api` under the document's paths, set up by
        /// `config`. What no operation answers (a path no operation has, a method
        /// its path does not take) is refused with the API's common error body.
        pub fn router_with<A: #trait_name>(api: A, config: RouterConfig) -> ::axum::Router {
            // Routes name their methods' functions alone.
            #[allow(unused_imports)]
            use ::axum::routing::{delete, get, head, options, patch, post, put, trace};
            #router_start
                #(#chained)*
                .fallback(unknown_path)
                .method_not_allowed_fallback(method_not_allowed)
                .layer(::axum::extract::DefaultBodyLimit::max(config.body_limit))
                .with_state(::std::sync::Arc::new(Served { api, config }))
        }

        #common_refusals
        #rejecting

        #document
        #webhook_receiver
    };
    std::iter::once(head)
        .chain(guard_fns)
        .chain(handlers)
        .chain(own_rejections)
        .chain(credentials)
        .chain(error_impls)
        .chain(success_impls)
        .map(Ok)
}

/// The axum route of an operation: OpenAPI's template, with wildcards marked.
fn route_path(op: &Operation, captures: &Captures) -> String {
    // The style's prefix is part of the captured value: the handler checks and strips it.
    let segments = op.path_segments();
    let routed = segments.iter().enumerate().map(|(index, pieces)| {
        if shared_segment(pieces).is_some() {
            return format!("{{{}}}", segment_capture(index));
        }
        let renamed = captures.renamed(&segments, index);
        pieces
            .iter()
            .map(|piece| match piece {
                PathPiece::Literal(text) => (*text).to_owned(),
                PathPiece::Param(p) if p.wildcard => format!("{{*{}}}", p.wire_name),
                PathPiece::Param(_) if renamed => format!("{{{}}}", segment_capture(index)),
                PathPiece::Param(p) => format!("{{{}}}", p.wire_name),
            })
            .collect::<String>()
    });
    routed.collect::<Vec<_>>().join("/")
}

/// Where routes would give the same place different parameter names
/// (`/users/{id}` and `/users/{name}`), which axum refuses (it panics when
/// the router is built): there every route captures the segment under
/// [`segment_capture`], and the handler names the value.
struct Captures {
    /// (the route up to the segment, the segment's index) that several names claim.
    renamed: std::collections::HashSet<(String, usize)>,
}

impl Captures {
    fn of(api: &Api) -> Self {
        let mut names: BTreeMap<(String, usize), std::collections::BTreeSet<String>> = BTreeMap::new();
        for op in api.operations.iter().filter(|op| op.routed()) {
            let segments = op.path_segments();
            for (index, pieces) in segments.iter().enumerate() {
                let name = if shared_segment(pieces).is_some() {
                    segment_capture(index)
                } else if let Some(param) = lone_param(pieces) {
                    param.wire_name.clone()
                } else {
                    continue;
                };
                names.entry((shape_before(&segments, index), index)).or_default().insert(name);
            }
        }
        Captures { renamed: names.into_iter().filter(|(_, names)| names.len() > 1).map(|(place, _)| place).collect() }
    }

    /// Whether the segment at `index` of `segments` is captured under [`segment_capture`].
    fn renamed(&self, segments: &[Vec<PathPiece<'_>>], index: usize) -> bool {
        self.renamed.contains(&(shape_before(segments, index), index))
    }
}

/// The route up to the segment at `index`, that segment included, as axum's
/// tree sees it (see [`crate::ir::segment_shape`]).
fn shape_before(segments: &[Vec<PathPiece<'_>>], index: usize) -> String {
    segments.iter().take(index + 1).map(|pieces| crate::ir::segment_shape(pieces)).collect::<Vec<_>>().join("/")
}

/// The segment's one parameter, where it has one that is not a wildcard.
fn lone_param<'a>(pieces: &[PathPiece<'a>]) -> Option<&'a crate::ir::Param> {
    pieces.iter().find_map(|piece| match piece {
        PathPiece::Param(p) if !p.wildcard => Some(*p),
        _ => None,
    })
}

/// A segment's template for `PathValues::split` where it holds several
/// parameters, or one with literal text beside it (`{sid}.json`), neither of
/// which axum's router can match: literals and wire names alternating,
/// starting and ending with a literal.
fn shared_segment(pieces: &[PathPiece<'_>]) -> Option<Vec<String>> {
    let params = pieces.iter().filter(|piece| matches!(piece, PathPiece::Param(_))).count();
    let wildcard = pieces.iter().any(|piece| matches!(piece, PathPiece::Param(p) if p.wildcard));
    if params == 0 || wildcard || (params == 1 && pieces.len() == 1) {
        return None;
    }
    let mut template = vec![String::new()];
    for piece in pieces {
        match piece {
            PathPiece::Literal(text) => template.last_mut().into_iter().for_each(|last| last.push_str(text)),
            PathPiece::Param(p) => template.extend([p.wire_name.clone(), String::new()]),
        }
    }
    Some(template)
}

/// The name the router captures the segment at `index` under, where it is
/// captured whole ([`shared_segment`]) or its parameter renamed ([`Captures`]).
fn segment_capture(index: usize) -> String {
    format!("clawgen_segment_{index}")
}

/// The arguments an operation receives, as `(name, type)` pairs.
pub(super) fn arguments(api: &Api, op: &Operation) -> Vec<(proc_macro2::Ident, TokenStream)> {
    let mut args = Vec::new();
    let context =
        if op.security.is_empty() { quote!(super::server::RequestContext) } else { quote!(super::server::RequestContext<Self::Identity>) };
    args.push((ident("cx"), context));
    for p in &op.path_params {
        args.push((ident(&p.name), type_path(api, &p.ty)));
    }
    if let Some(query) = op.query {
        args.push((ident("query"), type_path(api, &TypeRef::Named(query))));
    }
    for p in op.header_params.iter().chain(&op.cookie_params) {
        let ty = type_path(api, &p.ty);
        args.push((ident(&p.name), if p.required { ty } else { quote!(::std::option::Option<#ty>) }));
    }
    if let Some(body) = &op.body {
        let ty = body_type(api, body);
        args.push((ident("body"), if body.required { ty } else { quote!(::std::option::Option<#ty>) }));
        if op.raw_body {
            args.push((ident("raw_body"), quote!(::axum::body::Bytes)));
        }
    }
    args
}

fn trait_method(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.fn_name);
    let docs = operation_doc(op);
    let arguments = arguments(api, op);
    let args = arguments.iter().map(|(name, ty)| quote!(#name: #ty));
    let success = success_type(api, op);
    let error = ident(&op.error_enum);
    let operation = &op.id;
    quote! {
        #docs
        fn #name(&self, #(#args),*) -> impl Reply<#success, super::errors::#error> {
            not_implemented(#operation)
        }
    }
}

fn handler(api: &Api, op: &Operation, guards: &[Guard], captures: &Captures, rejection: &Rejection) -> TokenStream {
    let trait_name = ident(&api.trait_name);
    let handler = handler_name(op);
    let name = ident(&op.fn_name);
    let variant = ident(&op.type_stem);
    // Each step of reading the request is an expression whose `Err` is a
    // `Refused`, ended by `?`: the refusal is answered once, at the end.
    let mut steps = Vec::new();
    let bad_request = status_literal(BAD_REQUEST);
    let rate_limited = api.rate_limit.is_some();
    // The request stays whole in the context; its inputs are read from `cx.parts`.
    let mutable = (!op.path_params.is_empty()).then(|| quote!(mut));
    let body_var = if op.body.is_some() { quote!(body) } else { quote!(_) };
    let guard = guards.iter().position(|guard| *guard == Guard::of(api, op)).map(guard_name);
    // The guard takes the context and gives it back with the caller's identity.
    let first_mutable = if guard.is_some() { None } else { mutable.clone() };
    let start = quote!(let (api, #first_mutable cx, #body_var) = served.split(request););
    // The guard reads the credentials itself; the rate limit is given them.
    let read_credentials = rate_limited.then(|| quote!(let credentials = credentials_from(&cx.parts);));
    if let Some(guard) = guard {
        steps.push(quote!(let #mutable cx = #guard(api, cx, super::auth::Operation::#variant).await?;));
    }
    let offered = offered_media(op);
    if !offered.is_empty() {
        steps.push(quote!(check_accept(&cx.parts.headers, &[#(#offered),*])?;));
    }
    if !op.path_params.is_empty() {
        let bad_path = bad_path_status(op);
        let bad_path_lit = status_literal(bad_path);
        steps.push(quote!(let segments = path_segments(&mut cx.parts, #bad_path_lit).await?;));
        let segments = op.path_segments();
        for (index, pieces) in segments.iter().enumerate() {
            // A renamed segment is one parameter alone: its captured value is that parameter's.
            let template = shared_segment(pieces).or_else(|| {
                let param = lone_param(pieces)?;
                captures.renamed(&segments, index).then(|| vec![String::new(), param.wire_name.clone(), String::new()])
            });
            if let Some(template) = template {
                let capture = segment_capture(index);
                steps.push(quote!(let segments = segments.split(#capture, &[#(#template),*])?;));
            }
        }
        for p in &op.path_params {
            let arg = ident(&p.name);
            let ty = type_path(api, &p.ty);
            let wire = &p.wire_name;
            let prefix = p.path_style.prefix(wire);
            steps.push(quote!(let #arg: #ty = segments.value(#wire, #prefix)?;));
            if let Some(check) = param_check(api, p) {
                // A check that binds `value` has a block of its own, where a parameter may have that name.
                let bound = super::types::checking(&check, quote!(&#arg)).unwrap_or_else(|| quote!({ let value = &#arg; #check }));
                steps.push(constraint_step(bound, bad_path));
            }
        }
    }
    if let Some(query) = op.query {
        // Its type is the operation method's argument.
        let table = super::params::table_name(op);
        steps.push(quote! {
            let query = query_value(&cx.parts, params::#table)?;
        });
        if type_validates(&api.types, &TypeRef::Named(query)) {
            steps.push(quote!(super::validation::Validate::validate(&query)?;));
        }
    }
    for p in &op.header_params {
        let wire = p.wire_name.to_ascii_lowercase();
        let ty = type_path(api, &p.ty);
        let missing = format!("missing header `{}`", p.wire_name);
        let label = format!("header `{wire}`");
        // An `Authorization` header described as a plain parameter is still a
        // credential: without it the request is unauthenticated (RFC 9110 §15.5.2).
        let status = if p.wire_name.eq_ignore_ascii_case("authorization") { UNAUTHORIZED } else { BAD_REQUEST };
        let status_lit = status_literal(status);
        let read = quote!(header_param::<#ty>(&cx.parts.headers, #wire).map_err(Refused::labelled(#bad_request, #label))?);
        steps.push(present_step(p, read, status_lit, &missing));
    }
    for p in &op.cookie_params {
        let wire = &p.wire_name;
        let ty = type_path(api, &p.ty);
        let missing = format!("missing cookie `{wire}`");
        let label = format!("cookie `{wire}`");
        let read = quote!(cookie(&cx.parts.headers, #wire).map(|raw| parse_text::<#ty>(&raw)).transpose().map_err(Refused::labelled(#bad_request, #label))?);
        steps.push(present_step(p, read, bad_request.clone(), &missing));
    }
    // A header or cookie that decoded into an enum's `Other` names a value the document does not list.
    for (p, place) in op.header_params.iter().map(|p| (p, "header")).chain(op.cookie_params.iter().map(|p| (p, "cookie"))) {
        let Some(check) = super::types::whole_value_check(api, &p.ty).filter(|_| type_validates(&api.types, &p.ty)) else { continue };
        let arg = ident(&p.name);
        let label = format!("{place} `{}`", p.wire_name);
        let refuse = quote!(#check.map_err(Refused::labelled(#bad_request, #label))?;);
        steps.push(if p.required {
            quote!({ let value = &#arg; #refuse })
        } else {
            quote!(if let ::std::option::Option::Some(value) = &#arg { #refuse })
        });
    }
    if let Some(body) = &op.body {
        // A multipart body is read as it streams in, so it learns of the limit (413) there.
        // A body accepted in several media types is read first, and decoded as its `Content-Type` says.
        let several = body.choice.is_some() || !body.alternatives.is_empty();
        let streamed = !several && body.encoding == Encoding::Multipart;
        let decoded = decoder(api, body, body.encoding, streamed, super::params::form_table(api, op, 0));
        let parse = if several {
            let mut arms = body.forms().zip(0..).flat_map(|(form, index)| form.accepted().map(move |media| (form, index, media)));
            let mut arm = |(form, index, media): (&crate::ir::Body, usize, crate::ir::BodyMedia)| {
                let decoded =
                    refusing(decoder(api, form, media.encoding, false, super::params::form_table(api, op, index)), media.encoding);
                chosen(api, body, form, index, decoded)
            };
            let preferred = arms.next().map(&mut arm);
            let arms = arms.map(arm).zip(1usize..).map(|(decoded, index)| quote!(#index => #decoded,));
            quote!(match media { #(#arms)* _ => #preferred }?)
        } else if streamed {
            quote!(#decoded?)
        } else {
            quote!(#decoded.map_err(Refused::with_status(#bad_request))?)
        };
        // A multipart body is read part by part: there are no bytes to look at first.
        let absent =
            if streamed { quote!(!cx.parts.headers.contains_key(::axum::http::header::CONTENT_TYPE)) } else { quote!(bytes.is_empty()) };
        // The bytes first: under the router's limit (413), of a media type the operation accepts (415).
        let read = quote!(let bytes = read_body(body, served.config.body_limit).await?;);
        steps.push(if streamed {
            quote!(let multipart = multipart(&cx.parts, body).await;)
        } else if several {
            let accepted: Vec<String> = body.forms().flat_map(|form| form.accepted()).map(|m| m.media_type).collect();
            quote! {
                #read
                let media = body_media(&cx.parts.headers, &bytes, &[#(#accepted),*])?;
            }
        } else {
            let media = &body.media_type;
            let check = (body.encoding != Encoding::Raw).then(|| quote!(check_content_type(&cx.parts.headers, &bytes, #media)?;));
            quote! {
                #read
                #check
            }
        });
        if op.raw_body && !streamed {
            steps.push(quote!(let raw_body = bytes.clone();));
        }
        // The forms of a body of several are checked as each is decoded.
        let check = if body.choice.is_some() { None } else { super::types::constrained_value_check(api, &body.ty, &body.constraints) };
        if body.required {
            steps.push(quote!(let body = #parse;));
            if let Some(check) = check {
                steps.push(if super::types::only_validates(api, &body.ty, &body.constraints) {
                    quote!(super::validation::Validate::validate(&body)?;)
                } else {
                    quote!({ let value = &body; #check?; })
                });
            }
        } else {
            steps.push(quote!(let body = if #absent { None } else { Some(#parse) };));
            if let Some(check) = check {
                steps.push(quote!(if let Some(value) = &body { #check?; }));
            }
        }
    }

    let args = arguments(api, op).into_iter().map(|(name, _)| name);
    let returned = quote!(api.#name(#(#args),*).await);
    let answer = if op.success_enum.is_some() {
        quote!(Answer::Ok(match #returned { Ok(value) => value.into_response(), Err(error) => error.into_response() }))
    } else {
        match op.successes.first() {
            // The common cases, answered by the runtime.
            Some(r @ Response { body: Some(_), .. }) if is_plain_json(r) => {
                let code = status_literal(success_code(r));
                quote!(#returned.json_answer(#code))
            }
            Some(r @ Response { body: Some(_), .. }) => {
                let code = success_code(r);
                let success = write_body(r, quote!(#code), quote!(value));
                quote!(Answer::Ok(match #returned { Ok(value) => #success, Err(error) => error.into_response() }))
            }
            Some(Response { status: Status::Code(code), body: None, .. }) => {
                let code = status_literal(*code);
                quote!(#returned.empty_answer(#code))
            }
            Some(_) | None => quote!(#returned.empty_answer(204)),
        }
    };
    let call = quote! {
        #(#steps)*
        #answer
    };
    // The path's fallback (see `method_chain`): another method is not this operation's.
    let method_check = (op.method == Method::Query).then(|| {
        quote! {
            if request.method().as_str() != "QUERY" {
                return Ok(method_not_allowed(request.method().clone(), request.uri().clone()).await);
            }
        }
    });
    // Read within the router's time limit, its refusals answered as `handled` says (see `method_chain`).
    let read = |work: TokenStream| {
        quote! {
            async fn #handler<A: #trait_name>(served: ::std::sync::Arc<Served<A>>, request: ::axum::extract::Request) -> Answer {
                #method_check
                #work
            }
        }
    };
    if !rate_limited {
        return read(quote! {
            #start
            #read_credentials
            #call
        });
    }
    // Rate limiting comes first and its headers go on every answer, rejections included.
    let rejection = rejection_expression(op, rejection);
    read(quote! {
            #start
            #read_credentials
            let reject = #rejection;
            let (rate_limit, retry_after) = match api.rate_limit(super::auth::Operation::#variant, &credentials, &cx).await {
                super::rate_limit::RateLimitDecision::Allow(rate_limit) => (rate_limit, None),
                super::rate_limit::RateLimitDecision::Refuse { rate_limit, retry_after } => (rate_limit, Some(retry_after)),
            };
            let mut response = match retry_after {
                Some(retry_after) => reject(#TOO_MANY_REQUESTS, format!("Rate limit exceeded. Retry after {retry_after} seconds."), retry_after),
                None => async { #call }.await.unwrap_or_else(|refused| reject(refused.status, refused.message, 0)),
            };
            if let Some(rate_limit) = rate_limit {
                for (name, value) in rate_limit.headers(&super::rate_limit::HEADERS) {
                    set_header(&mut response, name, &value);
                }
            }
            Answer::Ok(response)
    })
}

/// What answers `op`'s refusals: `refuse`, `rejecting(<error enum>::documented)` or `reject_<op>`.
fn rejection_expression(op: &Operation, rejection: &Rejection) -> TokenStream {
    match rejection {
        Rejection::Common => quote!(refuse),
        Rejection::Documented => {
            let error = ident(&op.error_enum);
            quote!(rejecting(super::errors::#error::documented))
        }
        Rejection::Own(_) => {
            let name = rejection_name(op);
            quote!(#name)
        }
    }
}

/// `handled(handle_<op>::<A>, reject)`: the router's time limit covers reading the
/// request as well as the work. Its 503 is rejected as any refusal is: the
/// operation's answer where it documents one (503, 5XX, `default`), else `refuse`'s.
fn handled(op: &Operation, rejection: &Rejection) -> TokenStream {
    let handler = handler_name(op);
    let reject = rejection_expression(op, rejection);
    quote!(handled(#handler::<A>, #reject))
}

/// `handle_<op>`: the function that reads `op`'s requests.
fn handler_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("handle_{}", op.fn_name.trim_start_matches('_'))
}

/// `let <param> = <read>;` for a header or cookie read as an `Option`: a
/// required one that is absent is refused with `status`, saying `missing`.
fn present_step(p: &crate::ir::Param, read: TokenStream, status: proc_macro2::Literal, missing: &str) -> TokenStream {
    let arg = ident(&p.name);
    if p.required { quote!(let #arg = #read.ok_or_else(|| Refused::new(#status, #missing))?;) } else { quote!(let #arg = #read;) }
}

/// A status as a literal without a type suffix, where the type is known.
fn status_literal(status: u16) -> proc_macro2::Literal {
    proc_macro2::Literal::u16_unsuffixed(status)
}

/// `check` (statements on `value` that end in `?` with a `ValidationError`)
/// as a step: a broken constraint is refused with `status`.
fn constraint_step(check: TokenStream, status: u16) -> TokenStream {
    if status == BAD_REQUEST {
        // `Refused` is made from a `ValidationError` as a 400.
        return check;
    }
    let status = status_literal(status);
    quote!((|| -> ::std::result::Result<(), super::validation::ValidationError> { #check Ok(()) })().map_err(Refused::with_status(#status))?;)
}

/// What a secured operation's handler checks first: which credentials it
/// needs (alternatives of schemes, by index), and what it answers without them.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Guard {
    alternatives: Vec<Vec<usize>>,
    missing: String,
}

impl Guard {
    fn of(api: &Api, op: &Operation) -> Guard {
        let wanted: Vec<String> = op
            .security
            .iter()
            .map(|all| all.iter().map(|u| api.security_schemes[u.scheme].kind.describe()).collect::<Vec<_>>().join(" and "))
            .collect();
        let missing =
            documented_message(op, UNAUTHORIZED).unwrap_or_else(|| format!("Missing credentials: send {}.", wanted.join(", or ")));
        Guard { alternatives: op.security.iter().map(|all| all.iter().map(|u| u.scheme).collect()).collect(), missing }
    }
}

/// The guards of the secured operations, each once, in order of first use:
/// each is one `guard_<n>` function.
fn guards(api: &Api) -> Vec<Guard> {
    let mut seen = std::collections::BTreeSet::new();
    let mut guards = Vec::new();
    for op in api.operations.iter().filter(|op| op.handled() && !op.security.is_empty()) {
        let guard = Guard::of(api, op);
        if seen.insert(guard.clone()) {
            guards.push(guard);
        }
    }
    guards
}

fn guard_name(index: usize) -> proc_macro2::Ident {
    format_ident!("guard_{}", index + 1)
}

/// `guard_<n>(api, cx, operation)`: the context with the caller's identity when
/// the request's credentials satisfy one of the guard's alternatives and the
/// trait's `authorize` accepts them, else the refusal (401 or 403) to answer with.
fn guard_fn(api: &Api, index: usize, guard: &Guard) -> TokenStream {
    let name = guard_name(index);
    let trait_name = ident(&api.trait_name);
    let alternatives = guard.alternatives.iter().map(|all| {
        let present = all.iter().map(|&scheme| {
            let field = ident(&api.security_schemes[scheme].field);
            quote!(credentials.#field.is_some())
        });
        // Parenthesised only where an `||` follows, or rustc warns.
        if all.len() > 1 && guard.alternatives.len() > 1 { quote!((#(#present)&&*)) } else { quote!(#(#present)&&*) }
    });
    let missing = &guard.missing;
    quote! {
        async fn #name<A: #trait_name>(
            api: &A,
            cx: RequestContext,
            operation: super::auth::Operation,
        ) -> ::std::result::Result<RequestContext<A::Identity>, Refused> {
            let credentials = &credentials_from(&cx.parts);
            let satisfied = #(#alternatives)||*;
            if !satisfied {
                return Err(Refused { status: #UNAUTHORIZED, message: ::std::string::String::from(#missing) });
            }
            let decided = api.authorize(operation, credentials, &cx).await;
            match decided {
                Ok(identity) => Ok(cx.with_identity(identity)),
                Err(super::auth::AuthError::Unauthenticated(message)) => Err(Refused { status: #UNAUTHORIZED, message }),
                Err(super::auth::AuthError::Forbidden(message)) => Err(Refused { status: #FORBIDDEN, message }),
            }
        }
    }
}

fn param_check(api: &Api, p: &crate::ir::Param) -> Option<TokenStream> {
    super::types::value_check(api, &p.ty, &p.constraints, &p.wire_name)
}

/// The message text of the documented example for `status`, if the operation has one.
fn documented_message(op: &Operation, status: u16) -> Option<String> {
    let response = op.errors.iter().find(|r| r.status == Status::Code(status))?;
    let mut value = response.example.as_ref()?;
    for name in response.message_slot.as_ref()? {
        value = value.get(name)?;
    }
    value.as_str().map(str::to_owned)
}

/// Whether the operation documents `status`, exactly or through a range or `default`.
fn documents(op: &Operation, status: u16) -> bool {
    op.errors.iter().any(|r| {
        matches!(r.status, Status::Code(code) if code == status) || r.status == Status::Range(status / 100) || r.status == Status::Default
    })
}

/// The answer to a path whose parameters do not parse: the documented 400, or
/// else the documented 404, since such a path names no resource.
fn bad_path_status(op: &Operation) -> u16 {
    if !documents(op, BAD_REQUEST) && op.errors.iter().any(|r| r.status == Status::Code(NOT_FOUND)) { NOT_FOUND } else { BAD_REQUEST }
}

/// Which statuses the router may produce for an operation.
fn rejection_statuses(api: &Api, op: &Operation) -> Vec<u16> {
    let mut statuses = Vec::new();
    if op.query.is_some()
        || !op.header_params.is_empty()
        || op.body.is_some()
        || bad_path_status(op) == BAD_REQUEST && !op.path_params.is_empty()
    {
        statuses.push(BAD_REQUEST);
    }
    if !op.path_params.is_empty() && bad_path_status(op) == NOT_FOUND {
        statuses.push(NOT_FOUND);
    }
    if !op.security.is_empty() {
        statuses.extend([UNAUTHORIZED, FORBIDDEN]);
    } else if op.header_params.iter().any(|p| p.required && p.wire_name.eq_ignore_ascii_case("authorization")) {
        statuses.push(UNAUTHORIZED);
    }
    if api.rate_limit.is_some() {
        statuses.push(TOO_MANY_REQUESTS);
    }
    // Documented, these refusals take the operation's own answer.
    if !offered_media(op).is_empty() {
        statuses.push(RouterRefusal::NotAcceptable.status());
    }
    if op.body.is_some() {
        statuses.extend([RouterRefusal::BodyTooLarge.status(), RouterRefusal::UnsupportedMediaType.status()]);
    }
    if documents(op, RouterRefusal::TimedOut.status()) {
        statuses.push(RouterRefusal::TimedOut.status());
    }
    statuses
}

/// How a handler answers a request it refuses.
enum Rejection {
    /// `refuse`, the API's common error: the operation documents none of the
    /// statuses the router may answer.
    Common,
    /// `reject`, made by `rejecting`: the operation's documented variant
    /// (`documented`) where there is one, else as `refuse`.
    Documented,
    /// `reject_<op>`, this function, which also answers statuses the
    /// operation does not document in the shape the API uses for them elsewhere.
    Own(TokenStream),
}

/// How `op`'s handler answers `(status, message, retry_after)`: with the
/// operation's documented answer, the message and retry delay put in; for a
/// status it does not document, the API's own answer for that status
/// elsewhere, else its common error.
fn rejection(api: &Api, op: &Operation) -> Rejection {
    let statuses = rejection_statuses(api, op);
    if statuses.is_empty() {
        return Rejection::Common;
    }
    let runtime = RunTime { message: quote!(message), retry_after: quote!(retry_after) };
    let mut arms = Vec::new();
    let router_refusals =
        [RouterRefusal::NotAcceptable, RouterRefusal::BodyTooLarge, RouterRefusal::UnsupportedMediaType, RouterRefusal::TimedOut]
            .map(RouterRefusal::status);
    let name = rejection_name(op);
    for status in statuses {
        // Router refusals no operation documents take the common error, in `refuse`.
        if documents(op, status) || router_refusals.contains(&status) {
            continue;
        }
        // Bad input is the 422 of an operation that documents it and no 400 (as FastAPI's do).
        if status == BAD_REQUEST && op.errors.iter().any(|r| r.status == Status::Code(UNPROCESSABLE)) {
            arms.push(quote!(#status => #name(#UNPROCESSABLE, message, retry_after),));
            continue;
        }
        if let Some(body) = conventional_body(api, op, status, &runtime) {
            // Undocumented for this operation: answer in the API's error shape all the same.
            arms.push(if status == TOO_MANY_REQUESTS {
                quote!(#status => {
                    let mut response = json_response(#status, &#body);
                    set_header(&mut response, "retry-after", &retry_after);
                    response
                })
            } else {
                quote!(#status => json_response(#status, &#body),)
            });
        }
    }
    if arms.is_empty() {
        return Rejection::Documented;
    }
    let error = ident(&op.error_enum);
    Rejection::Own(quote! {
        fn #name(status: u16, message: ::std::string::String, retry_after: u64) -> ::axum::response::Response {
            if let Some(error) = super::errors::#error::documented(status, message.clone(), retry_after) {
                return error.into_response();
            }
            match status { #(#arms)* _ => refuse(status, message, retry_after), }
        }
    })
}

/// The `MethodRouter` of `ops` (one path's): `::axum::routing::get(handled(handle_x::<A>, …)).post(…)`.
/// axum has no method filter for QUERY: its handler is the path's fallback,
/// and refuses other methods itself.
fn method_chain(ops: &[&Operation], rejections: &BTreeMap<&str, (Rejection, &crate::ir::Gate)>) -> TokenStream {
    let calls: Vec<TokenStream> = ops
        .iter()
        .map(|op| {
            let handler = match rejections.get(op.fn_name.as_str()) {
                Some((rejection, _)) if !op.serves_spec => handled(op, rejection),
                _ => quote!(serve_openapi_document),
            };
            let method = match op.method {
                Method::Query => format_ident!("fallback"),
                other => format_ident!("{}", other.as_str().to_ascii_lowercase()),
            };
            quote!(#method(#handler))
        })
        .collect();
    match calls.split_first() {
        Some((first, rest)) if ops[0].method != Method::Query => quote!(#first #(.#rest)*),
        _ => quote!(::axum::routing::MethodRouter::new() #(.#calls)*),
    }
}

fn rejection_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("reject_{}", op.fn_name.trim_start_matches('_'))
}

/// The media types of an operation's success bodies, for `Accept` (406).
fn offered_media(op: &Operation) -> Vec<String> {
    let mut offered: Vec<String> = op
        .successes
        .iter()
        .filter(|r| r.body.is_some())
        .map(|r| r.media_type.clone().unwrap_or_else(|| "application/json".to_owned()))
        .collect();
    offered.dedup();
    offered
}

/// What every router shares: the answers to requests no operation takes,
/// and `refuse`, which answers any refusal with the API's common error body.
fn common_refusals(api: &Api) -> TokenStream {
    let media = api.common_error.as_ref().and_then(|r| r.media_type.clone()).unwrap_or_else(|| "application/json".to_owned());
    let refuse_body = if api.common_error.is_some() {
        quote! {
            let mut response = json_response_as(status, #media, &super::errors::common_error(status, message));
            if status == 429 {
                set_header(&mut response, "retry-after", &retry_after);
            }
            response
        }
    } else {
        quote!(generic_rejection(status, message, retry_after))
    };
    let unknown = RouterRefusal::UnknownPath.status();
    let not_allowed = RouterRefusal::MethodNotAllowed.status();
    quote! {
        /// A refusal that the operation does not document, answered with the API's common error body.
        fn refuse(status: u16, message: ::std::string::String, retry_after: u64) -> ::axum::response::Response {
            #refuse_body
        }

        async fn unknown_path(uri: ::axum::http::Uri) -> ::axum::response::Response {
            refuse(#unknown, format!("No operation has the path `{}`.", uri.path()), 0)
        }

        async fn method_not_allowed(method: ::axum::http::Method, uri: ::axum::http::Uri) -> ::axum::response::Response {
            refuse(#not_allowed, format!("The path `{}` does not take {method}.", uri.path()), 0)
        }
    }
}

/// The run-time values a rejection puts into the documented body and headers.
pub(super) struct RunTime {
    /// The human-readable message (`String`).
    pub(super) message: TokenStream,
    /// Seconds before a retry may succeed (`u64`), for 429.
    pub(super) retry_after: TokenStream,
}

impl RunTime {
    /// The slots of `response`'s body that these values fill when answering `status`.
    fn slots<'a>(&'a self, response: &'a Response, status: u16) -> Vec<Slot<'a>> {
        let mut slots = Vec::new();
        if let Some(path) = &response.message_slot {
            slots.push(Slot { path, expr: &self.message, kind: SlotKind::Text });
        }
        // Only a 429 states a retry delay; other answers keep the example's value.
        if let Some(hint) = response.retry_slot.as_ref().filter(|_| status == TOO_MANY_REQUESTS) {
            let kind = match hint.unit {
                RetryUnit::Seconds => SlotKind::Seconds,
                RetryUnit::Milliseconds => SlotKind::Milliseconds,
                RetryUnit::UnixSeconds => SlotKind::UnixSeconds,
                RetryUnit::DateTime => SlotKind::DateTime,
            };
            slots.push(Slot { path: &hint.path, expr: &self.retry_after, kind });
        }
        slots
    }
}

/// The body of `response`: its example (or a value made from its schema) with the run-time values put in.
pub(super) fn body_value(api: &Api, response: &Response, status: u16, runtime: &RunTime) -> Option<TokenStream> {
    let ty = response.body.as_ref()?;
    let slots = runtime.slots(response, status);
    let keep: Vec<&[String]> = slots.iter().map(|slot| slot.path).collect();
    let example = response.example.as_ref().map(|example| required_only(api, ty, example, &keep));
    let value = sample::example_or_synthesized(&api.types, ty, &crate::ir::Constraints::default(), example.as_ref());
    literal(api, ty, &value, &slots).ok()
}

/// `value` without the optional properties that no slot fills: the example's
/// `details` describe the example's failure, not the one being answered.
fn required_only(api: &Api, ty: &TypeRef, value: &serde_json::Value, keep: &[&[String]]) -> serde_json::Value {
    let (TypeRef::Named(id), serde_json::Value::Object(object)) = (ty, value) else {
        return match ty {
            TypeRef::Nullable(inner) => required_only(api, inner, value, keep),
            _ => value.clone(),
        };
    };
    match &api.ty(*id).kind {
        TypeKind::Alias(inner) => required_only(api, inner, value, keep),
        TypeKind::Struct(st) => {
            let mut out = serde_json::Map::new();
            for field in &st.fields {
                let nested: Vec<&[String]> =
                    keep.iter().filter(|path| path.first() == Some(&field.wire_name)).map(|path| &path[1..]).collect();
                if let (true, Some(v)) = (field.required || !nested.is_empty(), object.get(&field.wire_name)) {
                    out.insert(field.wire_name.clone(), required_only(api, &field.ty, v, &nested));
                }
            }
            serde_json::Value::Object(out)
        }
        TypeKind::Enum(_) | TypeKind::Union(_) => value.clone(),
    }
}

/// A body for a status the operation does not document: the API's own answer
/// for that status on another operation (so a 400 says what 400s say), else
/// the operation's first error response that carries a message.
fn conventional_body(api: &Api, op: &Operation, status: u16, runtime: &RunTime) -> Option<TokenStream> {
    let elsewhere = api.operations.iter().flat_map(|other| &other.errors).filter(|r| r.status == Status::Code(status));
    elsewhere.chain(&op.errors).filter(|r| r.message_slot.is_some()).find_map(|response| body_value(api, response, status, runtime))
}

/// The error-enum value for `response`, with the run-time values put in.
pub(super) fn error_value(api: &Api, op: &Operation, response: &Response, status: u16, runtime: &RunTime) -> Option<TokenStream> {
    let enum_name = ident(&op.error_enum);
    let variant = ident(&response.variant);
    let body = match &response.body {
        Some(_) => {
            let value = body_value(api, response, status, runtime)?;
            Some(quote!(::clawgen_runtime::ErrorBody::Decoded(#value)))
        }
        None => None,
    };
    if !is_struct_variant(response) {
        return Some(match body {
            Some(body) => quote!(super::errors::#enum_name::#variant(#body)),
            None => quote!(super::errors::#enum_name::#variant),
        });
    }
    let status_field = has_status_field(response).then(|| quote!(status: #status,));
    let body_field = body.map(|body| quote!(body: #body,));
    let mut headers = Vec::new();
    for h in &response.headers {
        let field = ident(&h.name);
        let value = header_value(api, h, &runtime.retry_after)?;
        headers.push(quote!(#field: #value,));
    }
    Some(quote!(super::errors::#enum_name::#variant { #status_field #body_field #(#headers)* }))
}

/// The value of an error's header field (an `Option`): a `Retry-After` carries
/// `retry_after` (a `u64` expression), another required header a value made
/// from its schema, an optional one `None`.
pub(super) fn header_value(api: &Api, h: &crate::ir::ResponseHeader, retry_after: &TokenStream) -> Option<TokenStream> {
    if h.wire_name.eq_ignore_ascii_case("retry-after") {
        let retry = Slot { path: &[], expr: retry_after, kind: SlotKind::Seconds };
        return literal(api, &TypeRef::Nullable(Box::new(h.ty.clone())), &serde_json::Value::Null, &[retry]).ok();
    }
    if h.required {
        let value = literal(api, &h.ty, &sample::synthesize(&api.types, &h.ty), &[]).ok()?;
        return Some(quote!(::std::option::Option::Some(#value)));
    }
    Some(quote!(::std::option::Option::None))
}

/// The answer carrying `value` as `response`'s body, in its encoding.
fn write_body(response: &Response, status: TokenStream, value: TokenStream) -> TokenStream {
    match response.encoding {
        // `application/problem+json` and its kind travel as JSON under their own name.
        Encoding::Json => match response.media_type.as_deref().filter(|media| *media != "application/json") {
            Some(media) => quote!(json_response_as(#status, #media, &#value)),
            None => quote!(json_response(#status, &#value)),
        },
        Encoding::Text | Encoding::Form | Encoding::Xml => {
            let media = response.media_type.as_deref().unwrap_or("text/plain");
            quote!(typed_response(#status, #media, #value.into_bytes()))
        }
        Encoding::Raw => quote!(typed_response(#status, &#value.content_type, #value.bytes)),
        Encoding::EventStream => {
            let media = response.media_type.as_deref().unwrap_or("text/event-stream");
            let encode = match &response.body {
                Some(TypeRef::EventStream(item)) if **item == TypeRef::String => quote!(|data: &::std::string::String| Ok(data.clone())),
                _ => quote!(|data: &_| ::serde_json::to_string(data).map_err(|error| error.to_string())),
            };
            quote!(event_stream_response(#status, #media, #value, #encode))
        }
        // A request encoding: the IR answers in bytes instead.
        Encoding::Multipart => quote!(empty_response(#status)),
    }
}

/// `decoded` (a `Result<_, Refused>` of the form `form`, the `index`th of `body`) as the
/// value the handler takes: a variant of the body's enum where it has several forms,
/// after the form's own checks.
fn chosen(api: &Api, body: &crate::ir::Body, form: &crate::ir::Body, index: usize, decoded: TokenStream) -> TokenStream {
    let Some(choice) = &body.choice else { return decoded };
    let name = ident(&choice.name);
    let variant = ident(&choice.variants[index]);
    match super::types::constrained_value_check(api, &form.ty, &form.constraints) {
        Some(check) => quote! {
            #decoded.and_then(|body| {
                // A broken constraint is a 400 (`Refused` from a `ValidationError`).
                { let value = &body; #check?; }
                Ok(super::types::#name::#variant(body))
            })
        },
        None => quote!(#decoded.map(super::types::#name::#variant)),
    }
}

/// The expression that decodes `bytes` as `body` sent in `encoding`: `Ok(value)`,
/// or `Err(message)` (`Err(Refused)` for multipart, which reads `multipart`, or,
/// unless `streamed`, the bytes already read).
fn decoder(
    api: &Api,
    body: &crate::ir::Body,
    encoding: Encoding,
    streamed: bool,
    form_table: Option<super::params::FormTable>,
) -> TokenStream {
    let ty = type_path(api, &body.ty);
    let checked = |what: &str, value: TokenStream| match super::shape::value_check(api, &body.ty) {
        Some(check) => {
            let check = check.function();
            quote!(shape::decode_value::<#ty>(#value, #what, #check))
        }
        None => quote!(::serde_json::from_value::<#ty>(#value).map_err(|error| format!("invalid {} body: {error}", #what))),
    };
    match encoding {
        Encoding::Json => match super::shape::value_check(api, &body.ty) {
            // The type's own shape check, which `Shape` names.
            // `T` is the operation method's argument (or its media's variant).
            Some(check) if check.is_shape_trait() => quote!(shape::decode_shaped(&bytes)),
            Some(check) => {
                let check = check.function();
                quote!(shape::decode::<#ty>(&bytes, #check))
            }
            None => quote!(::serde_json::from_slice::<#ty>(&bytes).map_err(|error| format!("invalid JSON body: {error}"))),
        },
        Encoding::Xml => {
            let node = super::xml::node_ref(api, &body.ty, &quote!(super::xml));
            let decode = checked("XML", quote!(value));
            quote! {
                match ::clawgen_runtime::xml::to_json(&bytes, { static NODE: &::clawgen_runtime::xml::Node = #node; NODE }) {
                    Ok(value) => #decode,
                    Err(message) => Err(format!("invalid XML body: {message}")),
                }
            }
        }
        Encoding::Form => match form_table {
            Some(super::params::FormTable { specs, rest: None }) => quote!(::clawgen_runtime::params::decode_form::<#ty>(&bytes, #specs)),
            Some(super::params::FormTable { specs, rest: Some(rest) }) => {
                quote!(::clawgen_runtime::params::decode_open_form::<#ty>(&bytes, #specs, #rest))
            }
            None => quote!(::serde_urlencoded::from_bytes::<#ty>(&bytes).map_err(|error| format!("invalid form body: {error}"))),
        },
        Encoding::Text => {
            quote!(::std::string::String::from_utf8(bytes.to_vec()).map_err(|_| ::std::string::String::from("the body is not UTF-8 text")))
        }
        Encoding::Multipart if streamed => multipart_body(api, body),
        Encoding::Multipart => {
            let read = multipart_body(api, body);
            quote!({
                let multipart = multipart(&cx.parts, ::axum::body::Body::from(bytes.clone())).await;
                #read
            })
        }
        // Not a request encoding: the IR reads such bodies as bytes.
        Encoding::Raw | Encoding::EventStream => quote!(::std::result::Result::<_, ::std::string::String>::Ok(super::media::Raw {
            content_type: cx
                .parts
                .headers
                .get(::axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            bytes: bytes.to_vec(),
        })),
    }
}

/// `decoded` (from [`decoder`]) with its error as a `Refused`: 400 but for multipart's own.
fn refusing(decoded: TokenStream, encoding: Encoding) -> TokenStream {
    if encoding == Encoding::Multipart {
        decoded
    } else {
        {
            let bad_request = status_literal(BAD_REQUEST);
            quote!(#decoded.map_err(Refused::with_status(#bad_request)))
        }
    }
}

/// The expression that reads a multipart body into its struct: `Ok(value)`, or
/// `Err(Refused)`: 413 for a body over the router's limit, 400 for a malformed
/// body, a part that does not fit or a missing required part.
fn multipart_body(api: &Api, body: &crate::ir::Body) -> TokenStream {
    // The runtime's helpers by their paths: a property's parts are collected in `part_<property>`,
    // which would shadow a helper of that name (a property `name` and `part_name`).
    let unreadable = quote!(::std::result::Result::<_, Refused>::Err(::clawgen_runtime::server::malformed(::std::string::String::new())));
    let def = match &body.ty {
        TypeRef::Named(id) => Some(api.definition(*id)).filter(|def| matches!(def.kind, TypeKind::Struct(_))),
        _ => None,
    };
    let Some(TypeKind::Struct(st)) = def.map(|def| &def.kind) else {
        // A map: every part is one entry.
        return match &body.entries {
            Some(entries) => {
                let item = type_path(api, &entries.item);
                match entries.kind {
                    PartKind::Texts => quote!(::clawgen_runtime::server::map_item_parts::<#item>(multipart).await),
                    kind => {
                        let written = server_written(kind);
                        quote!(::clawgen_runtime::server::map_parts::<#item>(multipart, #written).await)
                    }
                }
            }
            None => unreadable,
        };
    };
    let Some(def) = def else { return unreadable };
    let ty = type_path(api, &body.ty);
    let mut collections = Vec::new();
    let mut arms = Vec::new();
    let mut fields = Vec::new();
    for part in &body.parts {
        let Some(field) = st.fields.get(part.field) else { continue };
        let name = ident(&field.name);
        let collected = format_ident!("part_{}", field.name.trim_start_matches("r#"));
        let wire = &field.wire_name;
        let item = match (part.kind, &field.ty) {
            (PartKind::File | PartKind::Files, _) => quote!(super::media::File),
            (PartKind::Texts, TypeRef::Array(inner)) => type_path(api, inner),
            _ if field.boxed => {
                let inner = type_path(api, &field.ty);
                quote!(::std::boxed::Box<#inner>)
            }
            _ => type_path(api, &field.ty),
        };
        collections.push(quote!(let mut #collected: ::std::vec::Vec<#item> = ::std::vec::Vec::new();));
        arms.push(match part.kind {
            PartKind::File | PartKind::Files => {
                quote!(#wire => ::clawgen_runtime::server::file_part(field).await.map(|part| #collected.push(part)),)
            }
            kind => {
                let written = server_written(kind);
                quote!(#wire => ::clawgen_runtime::server::value_part::<#item>(field, #written).await.map(|value| #collected.push(value)),)
            }
        });
        let missing = format!("missing part `{wire}`");
        let default = || {
            let f = super::rust::default_fn(&def.name, field);
            quote!(super::types::#f())
        };
        let value = match (part.kind, field.presence()) {
            (PartKind::File | PartKind::Text | PartKind::Json, Presence::Required) => quote! {
                match #collected.into_iter().next() {
                    Some(value) => value,
                    None => return Err(::clawgen_runtime::server::malformed(::std::string::String::from(#missing))),
                }
            },
            (PartKind::File | PartKind::Text | PartKind::Json, Presence::Optional | Presence::RequiredNullable) => {
                quote!(#collected.into_iter().next())
            }
            (PartKind::File | PartKind::Text | PartKind::Json, Presence::OptionalNullable) => {
                quote!(#collected.into_iter().next().map(Some))
            }
            (PartKind::File | PartKind::Text | PartKind::Json, Presence::Defaulted) => {
                let default = default();
                quote!(#collected.into_iter().next().unwrap_or_else(|| #default))
            }
            // A list is sent as one part per item, so an empty list is no part at all.
            (PartKind::Files | PartKind::Texts, Presence::Required) => quote!(#collected),
            (PartKind::Files | PartKind::Texts, Presence::Optional | Presence::RequiredNullable) => {
                quote!((!#collected.is_empty()).then_some(#collected))
            }
            (PartKind::Files | PartKind::Texts, Presence::OptionalNullable) => quote!((!#collected.is_empty()).then_some(Some(#collected))),
            (PartKind::Files | PartKind::Texts, Presence::Defaulted) => {
                let default = default();
                quote!(if #collected.is_empty() { #default } else { #collected })
            }
        };
        fields.push(quote!(#name: #value,));
    }
    // Parts no property names are the additional properties' entries, where the IR reads them.
    let (entries, unlisted, additional) = match (&st.additional, &body.entries) {
        (Some(_), Some(entries)) => {
            let item = type_path(api, &entries.item);
            let (value, read) = match entries.kind {
                PartKind::Texts => {
                    (quote!(::std::vec::Vec<#item>), quote!(::clawgen_runtime::server::entry_item_part(field, &mut entries).await))
                }
                kind => {
                    let written = server_written(kind);
                    (item, quote!(::clawgen_runtime::server::entry_part(field, #written, &mut entries).await))
                }
            };
            (
                Some(
                    quote!(let mut entries: ::std::collections::BTreeMap<::std::string::String, #value> = ::std::collections::BTreeMap::new();),
                ),
                read,
                Some(quote!(additional_properties: entries,)),
            )
        }
        (additional, _) => (
            None,
            // Parts the document does not list are left unread.
            quote!(Ok(())),
            additional.as_ref().map(|_| quote!(additional_properties: ::std::default::Default::default(),)),
        ),
    };
    quote! {
        async {
            let mut multipart = match multipart {
                Ok(multipart) => multipart,
                Err(refused) => return Err(refused),
            };
            #(#collections)*
            #entries
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(error) => return Err(::clawgen_runtime::server::multipart_refusal(&error)),
                };
                let name = ::clawgen_runtime::server::part_name(&field).unwrap_or_default();
                let read = match name.as_str() {
                    #(#arms)*
                    _ => #unlisted,
                };
                read?;
            }
            Ok(#ty { #(#fields)* #additional })
        }
        .await
    }
}

/// How the server reads a part that is not a file.
fn server_written(kind: PartKind) -> TokenStream {
    if kind == PartKind::Json { quote!(Written::Json) } else { quote!(Written::Text) }
}

/// The status a success answers with: its own, or 200 for a range or `default`.
fn success_code(response: &Response) -> u16 {
    match response.status {
        Status::Code(code) => code,
        _ => 200,
    }
}

/// Whether `response`'s body travels as `application/json` itself.
fn is_plain_json(response: &Response) -> bool {
    response.encoding == Encoding::Json && response.media_type.as_deref().is_none_or(|media| media == "application/json")
}

/// `impl IntoResponse` for an operation's error enum (or success enum).
fn into_response(op: &Operation, success: bool) -> TokenStream {
    if !success && let Some(call) = plain_error_responses(op) {
        return call;
    }
    let (enum_name, responses) =
        if success { (ident(op.success_enum.as_deref().unwrap_or_default()), &op.successes) } else { (ident(&op.error_enum), &op.errors) };
    let arms = responses.iter().map(|r| {
        let variant = ident(&r.variant);
        let status = match r.status {
            Status::Code(code) => quote!(#code),
            Status::Range(_) | Status::Default => quote!(status),
        };
        let build = match &r.body {
            // An error's body may be one a client kept undecoded: written back as it came.
            Some(_) if !success && is_plain_json(r) => quote!(json_error_response(#status, body)),
            Some(_) if !success => {
                let write = write_body(r, status.clone(), quote!(body));
                quote!(error_body_response(#status, body, |body| #write))
            }
            Some(_) => write_body(r, status.clone(), quote!(body)),
            None => quote!(empty_response(#status)),
        };
        if !is_struct_variant(r) {
            return if r.body.is_some() { quote!(Self::#variant(body) => #build,) } else { quote!(Self::#variant => #build,) };
        }
        let status_binding = has_status_field(r).then(|| quote!(status,));
        let body_binding = r.body.as_ref().map(|_| quote!(body,));
        let header_bindings = r.headers.iter().map(|h| ident(&h.name));
        let sets = r.headers.iter().map(|h| {
            let field = ident(&h.name);
            let wire = h.wire_name.to_ascii_lowercase();
            quote!(if let Some(value) = &#field { set_header(&mut response, #wire, value); })
        });
        if r.headers.is_empty() {
            return quote!(Self::#variant { #status_binding #body_binding } => #build,);
        }
        quote!(Self::#variant { #status_binding #body_binding #(#header_bindings,)* } => {
            let mut response = #build;
            #(#sets)*
            response
        })
    });
    let undocumented = (!success).then(|| {
        quote! {
            Self::Undocumented { status, body } => undocumented_response(status, body),
        }
    });
    quote! {
        impl ::axum::response::IntoResponse for super::errors::#enum_name {
            fn into_response(self) -> ::axum::response::Response {
                match self {
                    #(#arms)*
                    #undocumented
                }
            }
        }
    }
}

/// The runtime's `error_responses!` call for an error enum whose answers are all
/// JSON bodies or none, without headers; `None` for any other.
fn plain_error_responses(op: &Operation) -> Option<TokenStream> {
    let mut groups: [(&str, Vec<TokenStream>); 4] = ["body", "unit", "range_body", "range"].map(|group| (group, Vec::new()));
    for r in &op.errors {
        if !r.headers.is_empty() || r.body.is_some() && !is_plain_json(r) {
            return None;
        }
        let variant = ident(&r.variant);
        let (group, entry) = match (r.status, r.body.is_some()) {
            (Status::Code(code), body) => {
                let code = status_literal(code);
                (if body { "body" } else { "unit" }, quote!(#variant(#code)))
            }
            (_, true) => ("range_body", quote!(#variant)),
            (_, false) => ("range", quote!(#variant)),
        };
        if let Some((_, entries)) = groups.iter_mut().find(|(name, _)| *name == group) {
            entries.push(entry);
        }
    }
    let groups = groups.iter().filter(|(_, entries)| !entries.is_empty()).map(|(group, entries)| {
        let group = format_ident!("{group}");
        quote!(#group { #(#entries),* })
    });
    let name = ident(&op.error_enum);
    Some(quote!(::clawgen_runtime::error_responses!(errors::#name, #(#groups)*);))
}

/// `credentials_from`: what the request presents for each security scheme.
fn credentials_fn(api: &Api) -> TokenStream {
    let fields = api.security_schemes.iter().map(|s| {
        let field = ident(&s.field);
        let value = match &s.kind {
            SchemeKind::ApiKeyHeader { name } => {
                let name = name.to_ascii_lowercase();
                quote!(headers.get(#name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(::std::string::String::from))
            }
            SchemeKind::ApiKeyQuery { name } => quote! {
                raw_query
                    .and_then(|q| ::serde_urlencoded::from_str::<::std::vec::Vec<(::std::string::String, ::std::string::String)>>(q).ok())
                    .and_then(|pairs| pairs.into_iter().find(|(k, v)| k == #name && !v.is_empty()).map(|(_, v)| v))
            },
            SchemeKind::ApiKeyCookie { name } => {
                let prefix = format!("{name}=");
                quote! {
                    headers.get_all(::axum::http::header::COOKIE).iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(|v| v.split(';'))
                        .find_map(|c| c.trim().strip_prefix(#prefix).map(::std::string::String::from))
                }
            }
            SchemeKind::Basic => quote! {
                authorization(headers, "basic ").and_then(|encoded| {
                    use ::base64::Engine as _;
                    let decoded = ::base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
                    let text = ::std::string::String::from_utf8(decoded).ok()?;
                    let (username, password) = match text.split_once(':') {
                        Some((username, password)) => (username.to_owned(), Some(password.to_owned())),
                        None => (text, None),
                    };
                    Some(super::auth::BasicAuth { username, password })
                })
            },
            SchemeKind::MutualTls => quote!(parts.extensions.get::<super::auth::ClientCertificate>().cloned()),
            SchemeKind::Bearer | SchemeKind::Http { .. } => {
                let scheme = match &s.kind {
                    SchemeKind::Http { scheme } => format!("{} ", scheme.to_ascii_lowercase()),
                    _ => "bearer ".to_owned(),
                };
                quote!(authorization(headers, #scheme))
            }
        };
        quote!(#field: #value,)
    });
    quote! {
        /// The credentials a request presents, one field per security scheme.
        #[allow(unused_variables)]
        fn credentials_from(parts: &::axum::http::request::Parts) -> super::auth::Credentials {
            let (headers, raw_query) = (&parts.headers, parts.uri.query());
            super::auth::Credentials { #(#fields)* }
        }
    }
}
