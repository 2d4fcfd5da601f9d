//! The `client` module: an async reqwest client with one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::errors::{has_status_field, is_struct_variant, success_type};
use super::rust::{ident, operation_doc, type_path};
use crate::ir::{Api, Encoding, Operation, PartKind, PathPiece, Response, RetryHint, RetryUnit, SchemeKind, Status, TypeRef};

/// The contents of the `client` module.
pub(super) fn module(api: &Api) -> TokenStream {
    let default_base = api.base_url.as_deref().unwrap_or("http://localhost");
    // Other credentials mean another budget: a clone that changes them starts its own record.
    let fresh_budget = api.rate_limit.is_some().then(|| quote!(self.rate_limit = ::std::default::Default::default();));
    let setters = api.security_schemes.iter().map(|s| {
        let field = ident(&s.field);
        let setter = format_ident!("with_{}", s.field.trim_end_matches('_'));
        let text = format!("Sets the credential of the `{}` security scheme: {}.", s.key, s.kind.describe());
        let text_attr = super::rust::doc(Some(&text));
        if s.kind == SchemeKind::Basic {
            return quote! {
                #text_attr
                pub fn #setter(mut self, username: impl Into<::std::string::String>, password: impl Into<::std::string::String>) -> Self {
                    self.credentials.#field = ::std::option::Option::Some(super::auth::BasicAuth {
                        username: username.into(),
                        password: ::std::option::Option::Some(password.into()),
                    });
                    #fresh_budget
                    self
                }
            };
        }
        quote! {
            #text_attr
            pub fn #setter(mut self, value: impl Into<::std::string::String>) -> Self {
                self.credentials.#field = ::std::option::Option::Some(value.into());
                #fresh_budget
                self
            }
        }
    });
    let methods = api.operations.iter().map(|op| method(api, op));
    // A document with webhooks or components only still gets a client, which sends nothing.
    let unused_without_operations = api.operations.is_empty().then(|| quote!(#[allow(dead_code)]));
    let tracks = api.rate_limit.is_some();
    let rate_limit_field =
        tracks.then(|| quote!(rate_limit: ::std::sync::Arc<::std::sync::Mutex<::std::option::Option<super::rate_limit::RateLimit>>>,));
    let rate_limit_init = tracks.then(|| quote!(rate_limit: ::std::default::Default::default(),));
    let rate_limit_getter = tracks.then(|| {
        quote! {
            /// The budget stated by the most recent answer that carried rate-limit headers.
            pub fn rate_limit(&self) -> ::std::option::Option<super::rate_limit::RateLimit> {
                self.rate_limit.lock().map(|guard| *guard).unwrap_or_default()
            }
        }
    });
    let record = tracks.then(|| {
        quote! {
            if let Some(rate_limit) = super::rate_limit::RateLimit::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok())) {
                if let Ok(mut guard) = self.rate_limit.lock() {
                    *guard = Some(rate_limit);
                }
            }
        }
    });
    // The rate-limit reset time, where the API declares it: the last hint a 429 is read for.
    let reset_wait = api.rate_limit.as_ref().and_then(|r| r.reset.as_ref()).map(|reset| {
        let reset = reset.to_ascii_lowercase();
        quote!(.or_else(|| retry_after(&headers, ::std::option::Option::Some(#reset))))
    });
    let hints = api.retry_hints();
    let body_wait = (!hints.is_empty()).then(|| quote!(.or_else(|| body_retry_wait(&bytes))));
    let body_retry_wait = (!hints.is_empty()).then(|| body_retry_wait(&hints));
    let execute = sending(
        SendingShape {
            name: quote!(execute),
            doc: "Sends `request`, retrying on 429 as the retry policy allows, and reads the whole answer.",
            output: quote!((u16, ::reqwest::header::HeaderMap, ::std::vec::Vec<u8>)),
            read: quote!(let bytes = response.bytes().await.map_err(ClientError::Transport)?.to_vec();),
            value: quote!((status, headers, bytes)),
        },
        &record,
        &body_wait,
        &reset_wait,
    );
    // A stream is read as it arrives, so its answer is handed over unread.
    let open = api.uses_event_streams().then(|| {
        sending(
            SendingShape {
                name: quote!(open),
                doc: "Sends `request`, retrying on 429 as the retry policy allows, and returns the answer unread.",
                output: quote!((u16, ::reqwest::header::HeaderMap, ::reqwest::Response)),
                read: TokenStream::new(),
                value: quote!((status, headers, response)),
            },
            &record,
            &None,
            &reset_wait,
        )
    });
    let title = format!("A client of {} (API version {}).", api.title, api.api_version);
    let title_attr = super::rust::doc(Some(&title));
    quote! {
        //! The typed async client.

        pub use ::clawgen_runtime::client::{ClientError, RetryPolicy};
        // The document-independent half of every method.
        #[allow(unused_imports)]
        use ::clawgen_runtime::{client::*, params};

        #title_attr
        #[derive(Debug, Clone)]
        pub struct Client {
            base_url: ::std::string::String,
            #unused_without_operations
            http: ::reqwest::Client,
            credentials: super::auth::Credentials,
            retry: ::std::option::Option<RetryPolicy>,
            #rate_limit_field
        }

        impl ::std::default::Default for Client {
            fn default() -> Self {
                Self::new(#default_base)
            }
        }

        impl Client {
            /// A client of the API at `base_url` (without a trailing slash), with no credentials.
            pub fn new(base_url: impl Into<::std::string::String>) -> Self {
                Self::with_http_client(base_url, ::reqwest::Client::new())
            }

            /// Like [`Client::new`], with a configured reqwest client (timeouts, proxies…).
            pub fn with_http_client(base_url: impl Into<::std::string::String>, http: ::reqwest::Client) -> Self {
                let base_url = base_url.into().trim_end_matches('/').to_owned();
                Self { base_url, http, credentials: ::std::default::Default::default(), retry: None, #rate_limit_init }
            }

            /// Replaces every credential at once.
            pub fn with_credentials(mut self, credentials: super::auth::Credentials) -> Self {
                self.credentials = credentials;
                #fresh_budget
                self
            }

            /// Retries answers of 429 after the wait the server asks for (`Retry-After`,
            /// else the retry hint of the body where the API documents one, else the
            /// rate-limit reset time), within `policy`. Off by default.
            pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
                self.retry = Some(policy);
                self
            }

            #rate_limit_getter

            #execute
            #open

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            #(#setters)*

            #(#methods)*
        }

        #body_retry_wait

    }
}

/// What varies between the client's two ways of sending: reading the whole answer, or not.
struct SendingShape {
    name: TokenStream,
    doc: &'static str,
    output: TokenStream,
    read: TokenStream,
    value: TokenStream,
}

/// A method that sends a request, retrying on 429 as the retry policy allows.
/// A stream's body is not read there, so `body_wait` (a 429 body's retry hint) is for whole answers only.
fn sending(
    shape: SendingShape,
    record: &Option<TokenStream>,
    body_wait: &Option<TokenStream>,
    reset_wait: &Option<TokenStream>,
) -> TokenStream {
    let SendingShape { name, doc, output, read, value } = shape;
    let doc = super::rust::doc(Some(doc));
    quote! {
        #doc
        #[allow(dead_code)]
        async fn #name<E>(
            &self,
            mut request: ::reqwest::RequestBuilder,
        ) -> ::std::result::Result<#output, ClientError<E>> {
            let mut retries = 0;
            loop {
                let again = if self.retry.is_some() { request.try_clone() } else { None };
                let response = request.send().await.map_err(ClientError::Transport)?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                #read
                #record
                if let (429, Some(policy), Some(again)) = (status, self.retry, again) {
                    // `Retry-After` first, then a hint in the body, then the rate-limit reset time.
                    let asked = retry_after(&headers, ::std::option::Option::None) #body_wait #reset_wait;
                    if let Some(wait) = policy.wait(retries, asked) {
                        retries += 1;
                        ::tokio::time::sleep(wait).await;
                        request = again;
                        continue;
                    }
                }
                return Ok(#value);
            }
        }
    }
}

/// The expression that sends a multipart body: one part per property.
fn multipart_body(api: &Api, body: &crate::ir::Body) -> TokenStream {
    let crate::ir::TypeRef::Named(id) = &body.ty else { return quote!(request) };
    let crate::ir::TypeKind::Struct(st) = &api.ty(*id).kind else { return quote!(request) };
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
                let written = match part.kind {
                    PartKind::Texts => quote!(Written::TextEach),
                    PartKind::Json => quote!(Written::Json),
                    _ => quote!(Written::Text),
                };
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
        let mut form = ::reqwest::multipart::Form::new();
        #(#parts)*
        request.multipart(form)
    })
}

fn method(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.fn_name);
    let docs = operation_doc(op);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));

    let mut args = Vec::new();
    for p in &op.path_params {
        let arg = ident(&p.name);
        let ty = if p.ty == TypeRef::String { quote!(str) } else { type_path(api, &p.ty) };
        args.push(quote!(#arg: &#ty));
    }
    if let Some(query) = op.query {
        let ty = type_path(api, &TypeRef::Named(query));
        args.push(quote!(query: &#ty));
    }
    for p in op.header_params.iter().chain(&op.cookie_params) {
        let arg = ident(&p.name);
        let ty = if p.ty == TypeRef::String { quote!(str) } else { type_path(api, &p.ty) };
        args.push(if p.required { quote!(#arg: &#ty) } else { quote!(#arg: ::std::option::Option<&#ty>) });
    }
    if let Some(body) = &op.body {
        let ty = if body.ty == TypeRef::String { quote!(str) } else { type_path(api, &body.ty) };
        args.push(if body.required { quote!(body: &#ty) } else { quote!(body: ::std::option::Option<&#ty>) });
    }

    // The URL: the IR's template, literal text as written, parameters after
    // their style's prefix and percent-encoded as the runtime spells them.
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let mut format = String::from("{}");
    let mut format_args = vec![quote!(self.base_url)];
    for piece in op.path_template() {
        match piece {
            PathPiece::Literal(text) => format.push_str(&escape(text)),
            PathPiece::Param(p) => {
                let arg = ident(&p.name);
                format.push_str(&escape(&p.path_style.prefix(&p.wire_name)));
                format.push_str("{}");
                format_args.push(if p.wildcard {
                    // The parameter spans segments: encode each, keep the slashes.
                    quote!(params::encode_segments(#arg))
                } else if p.ty == TypeRef::String {
                    quote!(params::encode_segment(#arg))
                } else {
                    quote!(params::encode_segment(&params::to_text(#arg)))
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
    let method = format_ident!("{}", op.method.as_str());
    let auth = authentication(api, op);
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
        let media = &b.media_type;
        let send = match b.encoding {
            Encoding::Json => quote!(request.header(::reqwest::header::CONTENT_TYPE, #media).body(::serde_json::to_vec(body).map_err(ClientError::encoding)?)),
            Encoding::Form => quote!(request.form(body)),
            Encoding::Text => quote!(request.header(::reqwest::header::CONTENT_TYPE, #media).body(body.to_owned())),
            Encoding::Raw => quote!(request.header(::reqwest::header::CONTENT_TYPE, &body.content_type).body(body.bytes.clone())),
            Encoding::Multipart => multipart_body(api, b),
            // Not a request encoding: the IR sends such bodies as bytes.
            Encoding::EventStream => quote!(request),
        };
        if b.required {
            quote!(let request = #send;)
        } else {
            quote!(let request = match body { Some(body) => #send, None => request };)
        }
    });

    let error_enum = ident(&op.error_enum);
    let success = success_type(api, op);
    let error_arms = op.errors.iter().map(|r| decode_arm(api, op, r, false));
    let undocumented = quote!(Err(ClientError::Api(super::errors::#error_enum::Undocumented {
        status,
        body: ::std::string::String::from_utf8_lossy(&bytes).into_owned(),
    })));
    let default_arm = match op.errors.iter().find(|r| r.status == Status::Default) {
        Some(_) => TokenStream::new(),
        None => quote!(_ => #undocumented,),
    };
    if let Some(stream) = event_stream(op) {
        let pattern = status_pattern(stream.status);
        let media = stream.media_type.as_deref().unwrap_or("text/event-stream");
        let errors = if op.errors.is_empty() {
            undocumented
        } else {
            quote!(match status {
                #(#error_arms)*
                #default_arm
            })
        };
        let decode = match &stream.body {
            Some(TypeRef::EventStream(item)) if **item == TypeRef::String => quote!(|data: &str| Ok(data.to_owned())),
            _ => quote!(|data: &str| ::serde_json::from_str(data).map_err(|error| error.to_string())),
        };
        return quote! {
            #docs
            #deprecated
            pub async fn #name(&self, #(#args),*) -> ::std::result::Result<#success, ClientError<super::errors::#error_enum>> {
                #(#path_checks)*
                let url = format!(#format, #(#format_args),*);
                let request = self.http.request(::reqwest::Method::#method, url).header(::reqwest::header::ACCEPT, #media);
                #auth
                #query
                #(#headers)*
                #cookies
                #body
                let (status, headers, response) = self.open(request).await?;
                if matches!(status, #pattern) {
                    return Ok(super::media::EventStream::from_bytes(response.bytes_stream(), #decode));
                }
                let bytes = response.bytes().await.map_err(ClientError::Transport)?.to_vec();
                // Not every operation reads both.
                let _ = (&headers, &bytes);
                #errors
            }
        };
    }
    let success_arms = success_arms(api, op);
    quote! {
        #docs
        #deprecated
        pub async fn #name(&self, #(#args),*) -> ::std::result::Result<#success, ClientError<super::errors::#error_enum>> {
            #(#path_checks)*
            let url = format!(#format, #(#format_args),*);
            let request = self.http.request(::reqwest::Method::#method, url);
            #auth
            #query
            #(#headers)*
            #cookies
            #body
            let (status, headers, bytes) = self.execute(request).await?;
            // Not every operation reads both.
            let _ = (&headers, &bytes);
            match status {
                #success_arms
                #(#error_arms)*
                #default_arm
            }
        }
    }
}

/// The operation's one success, when it is a stream of server-sent events.
pub(super) fn event_stream(op: &Operation) -> Option<&Response> {
    op.successes.first().filter(|r| op.success_enum.is_none() && r.encoding == Encoding::EventStream)
}

/// Attaches the credentials of the first requirement alternative the client can satisfy.
fn authentication(api: &Api, op: &Operation) -> TokenStream {
    if op.security.is_empty() {
        return TokenStream::new();
    }
    let op_id = &op.id;
    let branches = op.security.iter().map(|all| {
        let present = all.iter().map(|u| {
            let field = ident(&api.security_schemes[u.scheme].field);
            quote!(self.credentials.#field.is_some())
        });
        let applies = all.iter().map(|u| {
            let scheme = &api.security_schemes[u.scheme];
            let field = ident(&scheme.field);
            let value = quote!(self.credentials.#field.as_deref().unwrap_or_default());
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
                SchemeKind::Basic => quote! {
                    let request = match &self.credentials.#field {
                        Some(basic) => request.basic_auth(&basic.username, basic.password.as_deref()),
                        None => request,
                    };
                },
            }
        });
        quote!(if #(#present)&&* { #(#applies)* request })
    });
    quote! {
        let request = #(#branches)else* else {
            return Err(ClientError::MissingCredentials { operation: #op_id });
        };
    }
}

fn success_arms(api: &Api, op: &Operation) -> TokenStream {
    if op.successes.is_empty() {
        return quote!(200..=299 => Ok(()),);
    }
    let arms = op.successes.iter().map(|r| {
        if op.success_enum.is_some() {
            decode_arm(api, op, r, true)
        } else {
            let pattern = status_pattern(r.status);
            let value = read_body(r);
            quote!(#pattern => Ok(#value),)
        }
    });
    quote!(#(#arms)*)
}

/// The expression that reads a response's body, by its encoding.
fn read_body(r: &Response) -> TokenStream {
    match (r.body.as_ref(), r.encoding) {
        (None, _) => quote!(()),
        (Some(_), Encoding::Json) => quote!(decode(status, &bytes)?),
        // Streams are read apart (`event_stream`), and never in enums; multipart is a request encoding.
        (Some(_), Encoding::Text | Encoding::Form | Encoding::EventStream | Encoding::Multipart) => {
            quote!(::std::string::String::from_utf8_lossy(&bytes).into_owned())
        }
        (Some(_), Encoding::Raw) => quote!(super::media::Raw {
            content_type: headers.get(::reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned(),
            bytes: bytes.clone(),
        }),
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

/// One match arm that builds a variant of the success or error enum.
fn decode_arm(api: &Api, op: &Operation, r: &Response, success: bool) -> TokenStream {
    let pattern = status_pattern(r.status);
    let enum_name = ident(if success { op.success_enum.as_deref().unwrap_or_default() } else { &op.error_enum });
    let variant = ident(&r.variant);
    let value = if is_struct_variant(r) {
        let status = has_status_field(r).then(|| quote!(status,));
        let body = r.body.as_ref().map(|_| {
            let value = read_body(r);
            quote!(body: #value,)
        });
        let headers = r.headers.iter().map(|h| {
            let field = ident(&h.name);
            let ty = type_path(api, &h.ty);
            let wire = h.wire_name.to_ascii_lowercase();
            if h.required {
                quote!(#field: header::<#ty, _>(status, &headers, #wire)?.ok_or_else(|| ClientError::Decode {
                    status,
                    message: format!("required header `{}` is missing", #wire),
                    body: ::std::string::String::new(),
                })?,)
            } else {
                quote!(#field: header::<#ty, _>(status, &headers, #wire)?,)
            }
        });
        quote!(super::errors::#enum_name::#variant { #status #body #(#headers)* })
    } else if r.body.is_some() {
        let value = read_body(r);
        quote!(super::errors::#enum_name::#variant(#value))
    } else {
        quote!(super::errors::#enum_name::#variant)
    };
    if success { quote!(#pattern => Ok(#value),) } else { quote!(#pattern => Err(ClientError::Api(#value)),) }
}

/// `body_retry_wait(body)`: the seconds to wait that a 429's JSON body states,
/// from the first of `hints` (`x-clawgen-retry-after`) that it carries.
fn body_retry_wait(hints: &[&RetryHint]) -> TokenStream {
    let needs_number = hints.iter().any(|h| h.unit != RetryUnit::DateTime);
    let needs_now = hints.iter().any(|h| matches!(h.unit, RetryUnit::UnixSeconds | RetryUnit::DateTime));
    let waits = hints.iter().map(|hint| {
        let pointer = hint.pointer();
        match hint.unit {
            RetryUnit::Seconds => quote!(|body| number(body.pointer(#pointer)?).map(|n| n.ceil() as u64)),
            RetryUnit::Milliseconds => quote!(|body| number(body.pointer(#pointer)?).map(|n| (n / 1000.0).ceil() as u64)),
            RetryUnit::UnixSeconds => quote!(|body| number(body.pointer(#pointer)?).map(|n| seconds_until(n * 1000.0))),
            RetryUnit::DateTime => quote!(|body| {
                let at = ::chrono::DateTime::parse_from_rfc3339(body.pointer(#pointer)?.as_str()?).ok()?;
                Some(seconds_until(at.timestamp_millis() as f64))
            }),
        }
    });
    let count = hints.len();
    let places: Vec<String> = hints.iter().map(|h| format!("`{}`", h.pointer())).collect();
    let text = format!("The seconds to wait that a 429's JSON body states at {}, the first that it carries.", places.join(", "));
    let number = needs_number.then(|| {
        quote! {
            /// A non-negative number, or a string holding one.
            fn number(value: &::serde_json::Value) -> ::std::option::Option<f64> {
                value.as_f64().or_else(|| value.as_str()?.trim().parse().ok()).filter(|n: &f64| n.is_finite() && *n >= 0.0)
            }
        }
    });
    let now = needs_now.then(|| {
        quote! {
            /// Whole seconds (rounded up) from now until `millis` since the epoch; 0 once past.
            fn seconds_until(millis: f64) -> u64 {
                let now = ::std::time::SystemTime::now().duration_since(::std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
                ((millis - now as f64) / 1000.0).ceil().max(0.0) as u64
            }
        }
    });
    quote! {
        #[doc = #text]
        #[allow(dead_code)]
        fn body_retry_wait(body: &[u8]) -> ::std::option::Option<u64> {
            #number
            #now
            let body: ::serde_json::Value = ::serde_json::from_slice(body).ok()?;
            let waits: [fn(&::serde_json::Value) -> ::std::option::Option<u64>; #count] = [#(#waits),*];
            waits.iter().find_map(|wait| wait(&body))
        }
    }
}
