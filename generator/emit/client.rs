//! The `client` module: an async reqwest client with one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::errors::{has_status_field, is_struct_variant, success_type};
use super::rust::{body_type, ident, operation_doc, type_path};
use crate::ir::{
    Api, Encoding, Method, Operation, PartKind, PathPiece, Response, RetryHint, RetryUnit, SchemeKind, SchemeUse, Status, TypeRef,
};

/// The contents of the `client` module: the client's state and setters, and one
/// method per operation. Sending (timeouts, retries, hooks, tracing) is the runtime's.
pub(super) fn module(api: &Api) -> impl Iterator<Item = super::rust::Part<'_>> {
    let default_base = api.base_url.as_deref().unwrap_or("http://localhost");
    let tracks = api.rate_limit.is_some();
    // Other credentials mean another budget: a client that changes them starts its own record.
    let fresh_budget = tracks.then(|| quote!(self.rate_limit = ::std::default::Default::default();));
    let forget_budget = tracks.then(|| {
        quote! {
            if let Ok(mut guard) = self.rate_limit.lock() {
                *guard = None;
            }
        }
    });
    let setters = api.security_schemes.iter().map(|s| {
        let field = ident(&s.field);
        let setter = format_ident!("with_{}", s.field.trim_end_matches('_'));
        let mut text = format!("Sets the credential of the `{}` security scheme: {}.", s.key, s.kind.describe());
        if s.kind == SchemeKind::MutualTls {
            text.push_str(
                "\n\nThe certificate and its key are the HTTP client's (`reqwest::ClientBuilder::identity`, then \
                 [`Client::with_http_client`]). Setting this says that the client presents one: the requirement \
                 alternatives that need it are then taken in the document's order, where otherwise they come after \
                 every other alternative.",
            );
        }
        let text_attr = super::rust::doc(Some(&text));
        let (params, value) = match s.kind {
            SchemeKind::Basic => (
                quote!(username: impl Into<::std::string::String>, password: impl Into<::std::string::String>),
                quote!(super::auth::BasicAuth { username: username.into(), password: ::std::option::Option::Some(password.into()) }),
            ),
            SchemeKind::MutualTls => (quote!(value: super::auth::ClientCertificate), quote!(value)),
            _ => (quote!(value: impl Into<::std::string::String>), quote!(value.into())),
        };
        quote! {
            #text_attr
            pub fn #setter(self, #params) -> Self {
                let mut credentials = self.credentials();
                credentials.#field = ::std::option::Option::Some(#value);
                self.with_credentials(credentials)
            }
        }
    });
    let requirements = requirements(api);
    let authenticators: TokenStream = requirements
        .iter()
        .enumerate()
        .map(|(index, security)| {
            // Compiled with any operation that calls it.
            let gate = crate::ir::Gate::union(api.operations.iter().filter(|op| same_schemes(&op.security, security)).map(|op| &op.gate));
            super::gate::items(&gate, authenticator(api, index, security))
        })
        .collect();
    let methods = api.operations.iter().map(move |op| super::gate::impl_items(&op.gate, method(api, op, &requirements)));
    let rate_limit_field =
        tracks.then(|| quote!(rate_limit: ::std::sync::Arc<::std::sync::Mutex<::std::option::Option<super::rate_limit::RateLimit>>>,));
    let rate_limit_init = tracks.then(|| quote!(rate_limit: ::std::default::Default::default(),));
    // Where a body is accepted in several media types, the client may be told which to send.
    let chooses = api.request_forms().any(|b| !b.alternatives.is_empty());
    let body_encoding_field = chooses.then(|| quote!(body_encoding: ::std::option::Option<super::media::BodyEncoding>,));
    let body_encoding_init = chooses.then(|| quote!(body_encoding: ::std::option::Option::None,));
    let body_encoding_setter = chooses.then(|| {
        quote! {
            /// Sends request bodies in `encoding` (XML, a form, multipart) where the
            /// operation accepts it, and in the operation's preferred media type
            /// (JSON first) elsewhere. By default every body goes in its preferred one.
            pub fn with_body_encoding(mut self, encoding: super::media::BodyEncoding) -> Self {
                self.body_encoding = ::std::option::Option::Some(encoding);
                self
            }
        }
    });
    let rate_limit_getter = tracks.then(|| {
        quote! {
            /// The budget stated by the most recent answer that carried rate-limit headers.
            pub fn rate_limit(&self) -> ::std::option::Option<super::rate_limit::RateLimit> {
                self.rate_limit.lock().map(|guard| *guard).unwrap_or_default()
            }
        }
    });
    let observe = if tracks {
        quote!(|headers: &::reqwest::header::HeaderMap| {
            let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            if let Some(rate_limit) = super::rate_limit::RateLimit::from_lookup(&super::rate_limit::HEADERS, lookup) {
                if let Ok(mut guard) = self.rate_limit.lock() {
                    *guard = Some(rate_limit);
                }
            }
        })
    } else {
        quote!(|_: &::reqwest::header::HeaderMap| {})
    };
    // The rate-limit reset time, where the API declares it: the last hint a 429 is read for.
    let reset_header = match api.rate_limit.as_ref().and_then(|r| r.reset.as_ref()) {
        Some(reset) => {
            let reset = reset.to_ascii_lowercase();
            quote!(::std::option::Option::Some(#reset))
        }
        None => quote!(::std::option::Option::None),
    };
    let hints = api.retry_hints();
    let body_wait =
        if hints.is_empty() { quote!(::std::option::Option::None) } else { quote!(::std::option::Option::Some(body_retry_wait)) };
    let body_retry_wait = (!hints.is_empty()).then(|| body_retry_wait(&hints));
    // What the transport needs to know of a call.
    let call = quote! {
        let observe = #observe;
        let (operation, path) = (operation.id(), operation.path());
        let call = Call { operation, path, reset_header: #reset_header, body_wait: #body_wait, observe: &observe };
    };
    let execute = (!api.operations.is_empty()).then(|| {
        quote! {
            /// Sends `request` as the transport allows, and reads the whole answer.
            #[allow(dead_code)]
            async fn execute<E>(&self, operation: Operation, request: ::reqwest::RequestBuilder) -> ::std::result::Result<Answer, ClientError<E>> {
                #call
                self.transport.execute(&call, request).await
            }
        }
    });
    // A stream is read as it arrives, so its answer is handed over unread.
    let open = api.uses_event_streams().then(|| {
        let gate = super::gate::attr(&crate::ir::Gate::union(api.operations.iter().filter(|op| event_stream(op).is_some()).map(|op| &op.gate)));
        quote! {
            /// Sends `request` as the transport allows, and returns the answer unread.
            #gate
            async fn open<E>(&self, operation: Operation, request: ::reqwest::RequestBuilder) -> ::std::result::Result<(Answer, ::reqwest::Response), ClientError<E>> {
                #call
                self.transport.open(&call, request).await
            }
        }
    });
    // Each call names its operation: `execute` reads its id and path from it.
    let operation = (!api.operations.is_empty()).then(|| {
        quote!(
            use super::auth::Operation;
        )
    });
    let title = format!("A client of {} (API version {}).", api.title, api.api_version);
    let title_attr = super::rust::doc(Some(&title));
    // The items before the client's methods, then the impl block with a part per operation (see `emit::ItemParts`).
    let head = quote! {
        //! The typed async client. Sending (timeouts, retries, hooks, tracing)
        //! is the runtime's `Transport`; each method builds its request and
        //! reads the documented answers.

        pub use ::clawgen_runtime::client::{
            ClientError, HookError, HookFuture, Hooks, ResponseValue, RetryPolicy, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
        };
        /// The reqwest the client is built on, so that hooks name the same version.
        pub use ::reqwest;
        // The document-independent half of every method.
        #[allow(unused_imports)]
        use ::clawgen_runtime::{client::*, params};
        // Types and error enums are written `types::…` and `errors::…`.
        #[allow(unused_imports)]
        use super::{errors, types};
        #operation

        #title_attr
        ///
        /// Cloning is cheap. Clones share the connection pool and the
        /// credentials that [`Client::set_credentials`] replaces; the `with_*`
        /// setters give the clone they return its own.
        #[derive(Debug, Clone)]
        pub struct Client {
            base_url: ::std::string::String,
            transport: Transport,
            credentials: ::std::sync::Arc<::std::sync::RwLock<super::auth::Credentials>>,
            #rate_limit_field
            #body_encoding_field
        }

        impl ::std::default::Default for Client {
            fn default() -> Self {
                Self::new(#default_base)
            }
        }

    };
    let fixed = quote! {
            /// A client of the API at `base_url` (without a trailing slash), with no
            /// credentials, over rustls, with [`DEFAULT_CONNECT_TIMEOUT`] and
            /// [`DEFAULT_TIMEOUT`], no retries and no hooks.
            pub fn new(base_url: impl Into<::std::string::String>) -> Self {
                Self::with_transport(base_url, Transport::new())
            }

            /// Like [`Client::new`], over a reqwest client configured by the caller
            /// (proxies, certificates, pool settings), whose own timeouts apply.
            pub fn with_http_client(base_url: impl Into<::std::string::String>, http: ::reqwest::Client) -> Self {
                Self::with_transport(base_url, Transport::with_http_client(http))
            }

            fn with_transport(base_url: impl Into<::std::string::String>, transport: Transport) -> Self {
                let base_url = base_url.into().trim_end_matches('/').to_owned();
                Self { base_url, transport, credentials: ::std::default::Default::default(), #rate_limit_init #body_encoding_init }
            }

            /// The total time each attempt may take; `None` waits as long as the
            /// server takes. For one call, set it on a clone:
            /// `client.clone().with_timeout(Some(duration)).operation(…)`.
            pub fn with_timeout(mut self, timeout: ::std::option::Option<::std::time::Duration>) -> Self {
                self.transport = self.transport.with_timeout(timeout);
                self
            }

            /// Connects within `timeout`, on a fresh client of the crate's defaults.
            pub fn with_connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.transport = self.transport.with_connect_timeout(timeout);
                self
            }

            /// Retries as `policy` allows (see [`RetryPolicy`]): 429 and 503 after
            /// the wait the server asks for (`Retry-After`, else the retry hint of
            /// the body where the API documents one, else the rate-limit reset
            /// time) or a backoff; connection failures, 502 and 504 only where
            /// sending twice is harmless. Off by default.
            pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
                self.transport = self.transport.with_retry_policy(Some(policy));
                self
            }

            /// Runs `hooks` around every attempt of every call (see [`Hooks`]).
            pub fn with_hooks(mut self, hooks: impl Hooks + 'static) -> Self {
                self.transport = self.transport.with_hooks(::std::sync::Arc::new(hooks));
                self
            }

            /// Replaces every credential, for the client returned only.
            pub fn with_credentials(mut self, credentials: super::auth::Credentials) -> Self {
                self.credentials = ::std::sync::Arc::new(::std::sync::RwLock::new(credentials));
                #fresh_budget
                self
            }

            /// Replaces every credential on a live client, for it and the clones
            /// that share its credentials (a refreshed token, a rotated key).
            pub fn set_credentials(&self, credentials: super::auth::Credentials) {
                if let Ok(mut guard) = self.credentials.write() {
                    *guard = credentials;
                }
                #forget_budget
            }

            /// A copy of the credentials the next call sends.
            pub fn credentials(&self) -> super::auth::Credentials {
                self.credentials.read().map(|guard| guard.clone()).unwrap_or_default()
            }

            #rate_limit_getter

            #body_encoding_setter

            #execute
            #open

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            #(#setters)*
    };
    [
        super::rust::Part::Items(head),
        super::rust::Part::Impl { header: quote!(impl Client), items: Box::new(std::iter::once(fixed).chain(methods)) },
        super::rust::Part::Items(quote!(#body_retry_wait #authenticators)),
    ]
    .into_iter()
}

/// The expression that adds `body`, of the form `b`, to `request`: in its preferred
/// media type, or in another where the client is told to prefer that one's encoding.
/// `form_table` spells it as a form, where it has one.
fn send_form(api: &Api, b: &crate::ir::Body, form_table: Option<super::params::FormTable>) -> TokenStream {
    let send_body = |media: &str, encoding: Encoding| send_body(api, b, media, encoding, form_table.as_ref());
    let preferred = send_body(&b.media_type, b.encoding);
    let arms: Vec<TokenStream> = b
        .alternatives
        .iter()
        .filter_map(|media| {
            let variant = match media.encoding {
                Encoding::Json => quote!(Json),
                Encoding::Xml => quote!(Xml),
                Encoding::Form => quote!(Form),
                Encoding::Multipart => quote!(Multipart),
                Encoding::Text | Encoding::EventStream | Encoding::Raw => return None,
            };
            let send = send_body(&media.media_type, media.encoding);
            Some(quote!(::std::option::Option::Some(super::media::BodyEncoding::#variant) => #send,))
        })
        .collect();
    if arms.is_empty() { preferred } else { quote!(match self.body_encoding { #(#arms)* _ => #preferred }) }
}

/// The expression that adds `body` to `request`, written as `media` in `encoding`.
fn send_body(
    api: &Api,
    b: &crate::ir::Body,
    media: &str,
    encoding: Encoding,
    form_table: Option<&super::params::FormTable>,
) -> TokenStream {
    match encoding {
        Encoding::Json => {
            quote!(json_body(request, #media, body)?)
        }
        Encoding::Xml => {
            let node = super::xml::node_ref(api, &b.ty, &quote!(super::xml));
            let root = &b.xml_root;
            quote!(request.header(::reqwest::header::CONTENT_TYPE, #media).body(xml_body(body, #root, { static NODE: &::clawgen_runtime::xml::Node = #node; NODE })?))
        }
        // Properties the table does not name are written as a form writes them by default.
        Encoding::Form => match form_table.map(|table| &table.specs) {
            Some(table) => quote! {
                request.header(::reqwest::header::CONTENT_TYPE, #media)
                    .body(::clawgen_runtime::params::encode_form(body, #table).map_err(ClientError::encoding)?)
            },
            None => quote!(request.form(body)),
        },
        Encoding::Text => quote!(request.header(::reqwest::header::CONTENT_TYPE, #media).body(body.to_owned())),
        Encoding::Raw => quote!(request.header(::reqwest::header::CONTENT_TYPE, &body.content_type).body(body.bytes.clone())),
        Encoding::Multipart => multipart_body(api, b),
        // Not a request encoding: the IR sends such bodies as bytes.
        Encoding::EventStream => quote!(request),
    }
}

/// The expression that sends a multipart body: one part per property.
fn multipart_body(api: &Api, body: &crate::ir::Body) -> TokenStream {
    let st = match &body.ty {
        TypeRef::Named(id) => match &api.definition(*id).kind {
            crate::ir::TypeKind::Struct(st) => Some(st),
            _ => None,
        },
        _ => None,
    };
    // The entries of a map body, or of the struct's additional properties: a part each, named by its key.
    let entries = body.entries.as_ref().and_then(|entries| {
        let map = match st {
            Some(st) if st.additional.is_some() => quote!(&body.additional_properties),
            Some(_) => return None,
            None => quote!(body),
        };
        let written = client_written(entries.kind);
        let content_type = match &entries.content_type {
            Some(content_type) => quote!(::std::option::Option::Some(#content_type)),
            None => quote!(::std::option::Option::None),
        };
        Some(quote! {
            for (name, part) in entry_parts(#map, #written, #content_type)? {
                form = form.part(name, part);
            }
        })
    });
    let Some(st) = st else {
        return match entries {
            Some(entries) => quote!({
                let mut form = MultipartForm::new();
                #entries
                form.into_request(request)
            }),
            None => quote!(request),
        };
    };
    let parts = body.parts.iter().filter_map(|part| {
        let field = st.fields.get(part.field)?;
        let name = ident(&field.name);
        let wire = &field.wire_name;
        Some(match part.kind {
            PartKind::File | PartKind::Files => {
                let default_type = part.content_type.as_deref().unwrap_or("application/octet-stream");
                quote! {
                    for file in super::media::FileParts::files(&body.#name) {
                        form = form.part(#wire, file_part(file, #default_type)?);
                    }
                }
            }
            PartKind::Text | PartKind::Texts | PartKind::Json => {
                let written = client_written(part.kind);
                let content_type = match &part.content_type {
                    Some(content_type) => quote!(::std::option::Option::Some(#content_type)),
                    None => quote!(::std::option::Option::None),
                };
                quote! {
                    for part in value_parts(&body.#name, #written, #content_type)? {
                        form = form.part(#wire, part);
                    }
                }
            }
        })
    });
    quote!({
        let mut form = MultipartForm::new();
        #(#parts)*
        #entries
        form.into_request(request)
    })
}

/// How the client writes a part that is not a file.
fn client_written(kind: PartKind) -> TokenStream {
    match kind {
        PartKind::Texts => quote!(Written::TextEach),
        PartKind::Json => quote!(Written::Json),
        PartKind::Text | PartKind::File | PartKind::Files => quote!(Written::Text),
    }
}

fn method(api: &Api, op: &Operation, requirements: &[&[Vec<SchemeUse>]]) -> TokenStream {
    let name = ident(&op.fn_name);
    let docs = operation_doc(op);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));

    let mut args = Vec::new();
    let mut names = Vec::new();
    for p in &op.path_params {
        let arg = ident(&p.name);
        let ty = if p.ty == TypeRef::String { quote!(str) } else { type_path(api, &p.ty) };
        args.push(quote!(#arg: &#ty));
        names.push(arg);
    }
    if let Some(query) = op.query {
        let ty = type_path(api, &TypeRef::Named(query));
        args.push(quote!(query: &#ty));
        names.push(ident("query"));
    }
    for p in op.header_params.iter().chain(&op.cookie_params) {
        let arg = ident(&p.name);
        let ty = if p.ty == TypeRef::String { quote!(str) } else { type_path(api, &p.ty) };
        args.push(if p.required { quote!(#arg: &#ty) } else { quote!(#arg: ::std::option::Option<&#ty>) });
        names.push(arg);
    }
    if let Some(body) = &op.body {
        let ty = if super::rust::body_is_str(body) { quote!(str) } else { body_type(api, body) };
        args.push(if body.required { quote!(body: &#ty) } else { quote!(body: ::std::option::Option<&#ty>) });
        names.push(ident("body"));
    }

    // The URL: the IR's template, literal text as written, parameters after
    // their style's prefix and percent-encoded as the runtime spells them.
    // Each parameter is encoded into a binding of its own name, which the format names.
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let mut format = String::from("{}");
    let mut encoded = Vec::new();
    let mut bound = std::collections::BTreeSet::new();
    for piece in op.path_template() {
        match piece {
            PathPiece::Literal(text) => format.push_str(&escape(text)),
            PathPiece::Param(p) => {
                let arg = ident(&p.name);
                format.push_str(&escape(&p.path_style.prefix(&p.wire_name)));
                format.push_str(&format!("{{{arg}}}"));
                if !bound.insert(p.name.clone()) {
                    continue;
                }
                encoded.push(if p.wildcard {
                    // The parameter spans segments: encode each, keep the slashes.
                    quote!(let #arg = params::encode_segments(#arg);)
                } else if p.ty == TypeRef::String {
                    quote!(let #arg = params::encode_segment(#arg);)
                } else {
                    quote!(let #arg = params::text_segment(#arg);)
                });
            }
        }
    }

    let path_checks = op.path_params.iter().filter(|p| p.ty == TypeRef::String).map(|p| {
        let arg = ident(&p.name);
        let wire = &p.wire_name;
        let spans = p.wildcard;
        quote!(check_path_value(#wire, #arg, #spans)?;)
    });
    let method = match op.method {
        Method::Query => quote!(::clawgen_runtime::client::query_method()),
        other => {
            let name = format_ident!("{}", other.as_str());
            quote!(::reqwest::Method::#name)
        }
    };
    let auth = authentication(op, requirements);
    let query = op.query.map(|_| {
        let table = super::params::query_table(op);
        quote! {
            let pairs = params::encode(query, #table).map_err(ClientError::encoding)?;
            let request = request.query(&pairs);
        }
    });
    let headers = op.header_params.iter().map(|p| {
        let arg = ident(&p.name);
        let wire = &p.wire_name;
        if p.required {
            quote!(let request = request.header(#wire, params::to_text(#arg));)
        } else {
            quote!(let request = match #arg { Some(value) => request.header(#wire, params::to_text(value)), None => request };)
        }
    });
    let cookies = (!op.cookie_params.is_empty()).then(|| {
        let pushes = op.cookie_params.iter().map(|p| {
            let arg = ident(&p.name);
            let wire = &p.wire_name;
            if p.required {
                quote!(cookies.push(format!("{}={}", #wire, params::encode_cookie(#arg).map_err(ClientError::encoding)?));)
            } else {
                quote!(if let Some(value) = #arg { cookies.push(format!("{}={}", #wire, params::encode_cookie(value).map_err(ClientError::encoding)?)); })
            }
        });
        quote! {
            let mut cookies: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();
            #(#pushes)*
            let request = if cookies.is_empty() { request } else { request.header(::reqwest::header::COOKIE, cookies.join("; ")) };
        }
    });
    let body = op.body.as_ref().map(|b| {
        // A body of several forms travels in the media type of the form it is.
        let send = match &b.choice {
            Some(choice) => {
                let name = ident(&choice.name);
                let arms = b.forms().zip(&choice.variants).enumerate().map(|(index, (form, variant))| {
                    let variant = ident(variant);
                    let send = send_form(api, form, super::params::form_table(api, op, index));
                    quote!(super::types::#name::#variant(body) => #send,)
                });
                quote!(match body { #(#arms)* })
            }
            None => send_form(api, b, super::params::form_table(api, op, 0)),
        };
        if b.required { quote!(let request = #send;) } else { quote!(let request = match body { Some(body) => #send, None => request };) }
    });

    let error_enum = ident(&op.error_enum);
    let success = success_type(api, op);
    let error_arms = op.errors.iter().map(|r| decode_arm(api, op, r, false));
    let undocumented = quote!(answer.other(Failure::undocumented));
    let default_arm = match op.errors.iter().find(|r| r.status == Status::Default) {
        Some(_) => TokenStream::new(),
        None => quote!(_ => #undocumented,),
    };
    let variant = ident(&op.type_stem);
    let with_response = format_ident!("{}_with_response", op.fn_name);
    let with_response_doc = format!("[`Client::{}`], with the status and headers of the answer.", op.fn_name);
    let prelude = quote! {
        #(#path_checks)*
        #(#encoded)*
        let url = format!(#format, self.base_url);
    };
    let building = quote! {
        #auth
        #query
        #(#headers)*
        #cookies
        #body
    };
    let (value, reading) = if let Some(stream) = event_stream(op) {
        let pattern = status_pattern(stream.status);
        let media = stream.media_type.as_deref().unwrap_or("text/event-stream");
        let errors = if op.errors.is_empty() {
            undocumented.clone()
        } else {
            quote!(match answer.status() {
                #(#error_arms)*
                #default_arm
            })
        };
        let decode = match &stream.body {
            Some(TypeRef::EventStream(item)) if **item == TypeRef::String => quote!(|data: &str| Ok(data.to_owned())),
            _ => quote!(|data: &str| ::serde_json::from_str(data).map_err(|error| error.to_string())),
        };
        let reading = quote! {
            let request = self.transport.http().request(#method, url).header(::reqwest::header::ACCEPT, #media);
            #building
            let (answer, response) = self.open(Operation::#variant, request).await?;
            if matches!(answer.status(), #pattern) {
                return answer.value(super::media::EventStream::from_bytes(response.bytes_stream(), #decode));
            }
            let answer = Answer::new(answer.status(), answer.headers().clone(), response.bytes().await.map_err(ClientError::Transport)?.to_vec());
            #errors
        };
        (success.clone(), reading)
    } else {
        let success_arms = success_arms(api, op);
        let reading = quote! {
            let request = self.transport.http().request(#method, url);
            #building
            let answer = self.execute(Operation::#variant, request).await?;
            match answer.status() {
                #success_arms
                #(#error_arms)*
                #default_arm
            }
        };
        (success.clone(), reading)
    };
    let with_response_attr = super::rust::doc(Some(&with_response_doc));
    // A deprecated operation's plain method calls its deprecated `_with_response` twin.
    let calls_deprecated = op.deprecated.then(|| quote!(#[allow(deprecated)]));
    quote! {
        #docs
        #deprecated
        #calls_deprecated
        pub async fn #name(&self, #(#args),*) -> ::std::result::Result<#value, ClientError<super::errors::#error_enum>> {
            self.#with_response(#(#names),*).await.map(ResponseValue::into_inner)
        }

        #with_response_attr
        #deprecated
        pub async fn #with_response(&self, #(#args),*) -> ::std::result::Result<ResponseValue<#value>, ClientError<super::errors::#error_enum>> {
            use super::errors::#error_enum as Failure;
            #prelude
            #reading
        }
    }
}

/// The operation's one success, when it is a stream of server-sent events.
pub(super) fn event_stream(op: &Operation) -> Option<&Response> {
    op.successes.first().filter(|r| op.success_enum.is_none() && r.encoding == Encoding::EventStream)
}

/// The operations' security requirements, each once, in order of first use:
/// each gets one `authenticate_<n>` function.
fn requirements(api: &Api) -> Vec<&[Vec<SchemeUse>]> {
    let key =
        |security: &[Vec<SchemeUse>]| -> Vec<Vec<usize>> { security.iter().map(|all| all.iter().map(|u| u.scheme).collect()).collect() };
    let mut seen = std::collections::BTreeSet::new();
    api.operations.iter().map(|op| op.security.as_slice()).filter(|security| !security.is_empty() && seen.insert(key(security))).collect()
}

/// Whether two requirements ask for the same alternatives of schemes.
fn same_schemes(a: &[Vec<SchemeUse>], b: &[Vec<SchemeUse>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.scheme == b.scheme))
}

fn authenticator_name(index: usize) -> proc_macro2::Ident {
    format_ident!("authenticate_{}", index + 1)
}

/// Attaches the credentials of the first requirement alternative the client can satisfy.
fn authentication(op: &Operation, requirements: &[&[Vec<SchemeUse>]]) -> TokenStream {
    let Some(index) = requirements.iter().position(|security| same_schemes(security, &op.security)) else { return TokenStream::new() };
    let name = authenticator_name(index);
    let op_id = &op.id;
    quote!(let request = #name(self, request, #op_id)?;)
}

/// `authenticate_<n>(client, request, operation)`: `request` with the
/// credentials of the first alternative of `security` that the client's
/// credentials satisfy, or `MissingCredentials`.
///
/// A client certificate (mutual TLS) is the HTTP client's, which the client
/// cannot see: an alternative that needs one is taken in document order only
/// where its credential is set, and otherwise after every other alternative,
/// sent with the rest of its credentials for the TLS handshake to decide.
fn authenticator(api: &Api, index: usize, security: &[Vec<SchemeUse>]) -> TokenStream {
    let name = authenticator_name(index);
    let is_certificate = |u: &&SchemeUse| api.security_schemes[u.scheme].kind == SchemeKind::MutualTls;
    let condition = |uses: &mut dyn Iterator<Item = &SchemeUse>| -> Vec<TokenStream> {
        uses.map(|u| {
            let field = ident(&api.security_schemes[u.scheme].field);
            quote!(credentials.#field.is_some())
        })
        .collect()
    };
    let declared = security.iter().map(|all| (condition(&mut all.iter()), all));
    let by_handshake = security
        .iter()
        .filter(|all| all.iter().any(|u| is_certificate(&u)))
        .map(|all| (condition(&mut all.iter().filter(|u| !is_certificate(u))), all));
    let mut branches = Vec::new();
    let mut unconditional = None;
    for (present, all) in declared.chain(by_handshake) {
        let applies = all.iter().map(|u| apply_credential(api, u));
        if present.is_empty() {
            unconditional = Some(quote!({ let _ = operation; #(#applies)* Ok(request) }));
            break;
        }
        branches.push(quote!(if #(#present)&&* { #(#applies)* Ok(request) }));
    }
    let last = unconditional.unwrap_or_else(|| quote!({ Err(ClientError::MissingCredentials { operation }) }));
    // A free function, not a method: an operation may be named `authenticate_1`.
    quote! {
        fn #name<E>(
            client: &Client,
            request: ::reqwest::RequestBuilder,
            operation: &'static str,
        ) -> ::std::result::Result<::reqwest::RequestBuilder, ClientError<E>> {
            let credentials = &client.credentials();
            #(#branches else)* #last
        }
    }
}

/// The statement that puts one scheme's credential on `request`.
fn apply_credential(api: &Api, u: &SchemeUse) -> TokenStream {
    let scheme = &api.security_schemes[u.scheme];
    let field = ident(&scheme.field);
    let value = quote!(credentials.#field.as_deref().unwrap_or_default());
    match &scheme.kind {
        SchemeKind::ApiKeyHeader { name } => quote!(let request = request.header(#name, #value);),
        SchemeKind::ApiKeyQuery { name } => quote!(let request = request.query(&[(#name, #value)]);),
        SchemeKind::ApiKeyCookie { name } => {
            quote!(let request = request.header(::reqwest::header::COOKIE, format!("{}={}", #name, #value));)
        }
        SchemeKind::Bearer => quote!(let request = request.bearer_auth(#value);),
        SchemeKind::Http { scheme } => {
            quote!(let request = request.header(::reqwest::header::AUTHORIZATION, format!("{} {}", #scheme, #value));)
        }
        // The certificate travels in the TLS handshake, by the HTTP client's identity.
        SchemeKind::MutualTls => TokenStream::new(),
        SchemeKind::Basic => quote! {
            let request = match &credentials.#field {
                Some(basic) => request.basic_auth(&basic.username, basic.password.as_deref()),
                None => request,
            };
        },
    }
}

fn success_arms(api: &Api, op: &Operation) -> TokenStream {
    if op.successes.is_empty() {
        return quote!(200..=299 => answer.value(()),);
    }
    let arms = op.successes.iter().map(|r| {
        if op.success_enum.is_some() {
            decode_arm(api, op, r, true)
        } else {
            let pattern = status_pattern(r.status);
            let value = read_body(r);
            quote!(#pattern => answer.value(#value),)
        }
    });
    quote!(#(#arms)*)
}

/// The expression that reads a response's body, by its encoding.
fn read_body(r: &Response) -> TokenStream {
    match (r.body.as_ref(), r.encoding) {
        (None, _) => quote!(()),
        (Some(_), Encoding::Json) => quote!(answer.json()?),
        // Streams are read apart (`event_stream`), and never in enums; multipart is a request encoding.
        (Some(_), Encoding::Text | Encoding::Form | Encoding::Xml | Encoding::EventStream | Encoding::Multipart) => quote!(answer.text()),
        (Some(_), Encoding::Raw) => quote!(answer.raw()),
    }
}

fn status_pattern(status: Status) -> TokenStream {
    match status {
        Status::Code(code) => quote!(#code),
        Status::Range(digit) => {
            let (low, high) = (digit * 100, digit * 100 + 99);
            quote!(#low..=#high)
        }
        Status::Default => quote!(_),
    }
}

/// The expression that reads a documented error's body as an `ErrorBody`:
/// JSON that does not decode is kept with its bytes and content type; text
/// and bytes always read.
fn read_error_body(r: &Response) -> TokenStream {
    match r.encoding {
        Encoding::Json => quote!(answer.error_json()),
        _ => {
            let value = read_body(r);
            quote!(::clawgen_runtime::ErrorBody::Decoded(#value))
        }
    }
}

/// One match arm that builds a variant of the success or error enum. Headers
/// are read leniently (`None` when missing or malformed), and so is an error's
/// body, so that a documented status always reads as its variant; only a
/// success body that does not decode is an error.
fn decode_arm(api: &Api, op: &Operation, r: &Response, success: bool) -> TokenStream {
    let pattern = status_pattern(r.status);
    let enum_path = if success {
        let name = ident(op.success_enum.as_deref().unwrap_or_default());
        quote!(super::errors::#name)
    } else {
        quote!(Failure)
    };
    let variant = ident(&r.variant);
    // A range's or `default`'s error with a JSON body and no headers: the runtime fills in both.
    if !success && has_status_field(r) && r.headers.is_empty() && r.body.is_some() && r.encoding == Encoding::Json {
        return quote!(#pattern => answer.error_from(|status, body| Failure::#variant { status, body }),);
    }
    let body_value = r.body.as_ref().map(|_| if success { read_body(r) } else { read_error_body(r) });
    let value = if is_struct_variant(r) {
        let status = has_status_field(r).then(|| quote!(status: answer.status(),));
        let body = body_value.map(|value| quote!(body: #value,));
        let headers = r.headers.iter().map(|h| {
            let field = ident(&h.name);
            let ty = type_path(api, &h.ty);
            let wire = h.wire_name.to_ascii_lowercase();
            quote!(#field: answer.header::<#ty>(#wire),)
        });
        quote!(#enum_path::#variant { #status #body #(#headers)* })
    } else if let Some(value) = body_value {
        quote!(#enum_path::#variant(#value))
    } else {
        quote!(#enum_path::#variant)
    };
    if success { quote!(#pattern => answer.value(#value),) } else { quote!(#pattern => answer.error(#value),) }
}

/// `body_retry_wait(body)`: the seconds to wait that a 429's JSON body states,
/// from the first of `hints` (`x-clawgen-retry-after`) that it carries.
fn body_retry_wait(hints: &[&RetryHint]) -> TokenStream {
    let waits = hints.iter().map(|hint| {
        let pointer = hint.pointer();
        match hint.unit {
            RetryUnit::Seconds => quote!(|body| body_number(body.pointer(#pointer)?).map(|n| n.ceil() as u64)),
            RetryUnit::Milliseconds => quote!(|body| body_number(body.pointer(#pointer)?).map(|n| (n / 1000.0).ceil() as u64)),
            RetryUnit::UnixSeconds => quote!(|body| body_number(body.pointer(#pointer)?).map(|n| seconds_until(n * 1000.0))),
            RetryUnit::DateTime => quote!(|body| {
                let at = ::chrono::DateTime::parse_from_rfc3339(body.pointer(#pointer)?.as_str()?).ok()?;
                Some(seconds_until(at.timestamp_millis() as f64))
            }),
        }
    });
    let count = hints.len();
    let places: Vec<String> = hints.iter().map(|h| format!("`{}`", h.pointer())).collect();
    let text = format!("The seconds to wait that a 429's JSON body states at {}, the first that it carries.", places.join(", "));
    quote! {
        #[doc = #text]
        fn body_retry_wait(body: &[u8]) -> ::std::option::Option<u64> {
            let body: ::serde_json::Value = ::serde_json::from_slice(body).ok()?;
            let waits: [fn(&::serde_json::Value) -> ::std::option::Option<u64>; #count] = [#(#waits),*];
            waits.iter().find_map(|wait| wait(&body))
        }
    }
}
