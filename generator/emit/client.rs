//! The `client` module: an async reqwest client with one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::errors::{has_status_field, is_struct_variant, success_type};
use super::rust::{ident, operation_doc, type_path};
use crate::ir::{Api, Encoding, Operation, PartKind, PathStyle, Response, RetryHint, RetryUnit, SchemeKind, Status, TypeRef};

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
    let reset_wait = api.rate_limit.as_ref().and_then(|r| r.reset.as_ref()).map(|reset| {
        let reset = reset.to_ascii_lowercase();
        quote! {
            .or_else(|| {
                let reset: u64 = headers.get(#reset)?.to_str().ok()?.trim().parse().ok()?;
                let now = ::std::time::SystemTime::now().duration_since(::std::time::UNIX_EPOCH).ok()?.as_secs();
                Some(reset.saturating_sub(now))
            })
        }
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
    let multipart = api.uses_multipart().then(multipart_helpers);
    let title = format!("A client of {} (API version {}).", api.title, api.api_version);
    let title_attr = super::rust::doc(Some(&title));
    quote! {
        //! The typed async client.

        /// Why a call did not return a documented success.
        #[derive(Debug)]
        pub enum ClientError<E> {
            /// The server answered with a status the operation's error enum describes.
            Api(E),
            /// The request never got an answer (connection, TLS, timeout…).
            Transport(::reqwest::Error),
            /// The answer did not decode into the documented type.
            Decode {
                /// The status of the answer.
                status: u16,
                /// What did not fit.
                message: ::std::string::String,
                /// The raw body, for diagnosis.
                body: ::std::string::String,
            },
            /// The client holds no credentials that the operation accepts; nothing was sent.
            MissingCredentials {
                /// The operation's id.
                operation: &'static str,
            },
            /// A path parameter cannot be sent as given (empty, or a `.`/`..` segment
            /// that URL resolution would remove); nothing was sent.
            InvalidParameter {
                /// The parameter's name.
                name: &'static str,
                /// What is wrong with it.
                message: ::std::string::String,
            },
        }

        impl<E: ::std::fmt::Display> ::std::fmt::Display for ClientError<E> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    Self::Api(error) => write!(f, "the API answered {error}"),
                    Self::Transport(error) => write!(f, "transport failure: {error}"),
                    Self::Decode { status, message, .. } => write!(f, "cannot decode the {status} answer: {message}"),
                    Self::MissingCredentials { operation } => write!(f, "no credentials accepted by {operation} are set"),
                    Self::InvalidParameter { name, message } => write!(f, "path parameter `{name}` {message}"),
                }
            }
        }

        impl<E: ::std::error::Error + 'static> ::std::error::Error for ClientError<E> {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Self::Api(error) => Some(error),
                    Self::Transport(error) => Some(error),
                    _ => None,
                }
            }
        }

        impl<E> ClientError<E> {
            /// The API's error, if the server answered with a documented one.
            pub fn api(&self) -> ::std::option::Option<&E> {
                match self { Self::Api(error) => Some(error), _ => None }
            }
        }

        /// When and how often to retry an answer of 429 Too Many Requests.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct RetryPolicy {
            /// Retries after the first attempt.
            pub max_retries: u32,
            /// The longest wait the server may ask for; a longer one is returned as the 429 it is.
            pub max_wait: ::std::time::Duration,
        }

        impl ::std::default::Default for RetryPolicy {
            fn default() -> Self {
                Self { max_retries: 3, max_wait: ::std::time::Duration::from_secs(60) }
            }
        }

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

        #multipart
        #body_retry_wait

        /// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
        #[allow(dead_code)]
        fn encode_segment(raw: &str) -> ::std::string::String {
            let mut out = ::std::string::String::with_capacity(raw.len());
            for byte in raw.bytes() {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(byte as char);
                } else {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            out
        }

        /// A value as the text that path parameters and headers carry: strings and
        /// enums as they are, dates in RFC 3339, numbers and booleans as JSON writes them.
        #[allow(dead_code)]
        fn text<T: ::serde::Serialize + ?Sized>(value: &T) -> ::std::string::String {
            match ::serde_json::to_value(value) {
                Ok(::serde_json::Value::String(text)) => text,
                Ok(other) => other.to_string(),
                Err(_) => ::std::string::String::new(),
            }
        }

        /// Refuses path parameter values that would not reach the server as given:
        /// empty segments, and `.`/`..`, which URL resolution removes (even encoded).
        #[allow(dead_code)]
        fn check_path_value<E>(name: &'static str, value: &str, spans_segments: bool) -> ::std::result::Result<(), ClientError<E>> {
            let segments: ::std::vec::Vec<&str> = if spans_segments { value.split('/').collect() } else { ::std::vec![value] };
            if let Some(bad) = segments.iter().find(|s| s.is_empty() || **s == "." || **s == "..") {
                let message = if bad.is_empty() { "has an empty segment".to_owned() } else { format!("has a `{bad}` segment") };
                return Err(ClientError::InvalidParameter { name, message });
            }
            Ok(())
        }

        /// Percent-encodes each segment of a multi-segment parameter, keeping its slashes.
        #[allow(dead_code)]
        fn encode_path(raw: &str) -> ::std::string::String {
            raw.split('/').map(encode_segment).collect::<::std::vec::Vec<_>>().join("/")
        }

        #[allow(dead_code)]
        fn decode<T: ::serde::de::DeserializeOwned, E>(status: u16, bytes: &[u8]) -> ::std::result::Result<T, ClientError<E>> {
            // An empty body decodes as `null`, so that `()` and optional bodies work.
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { bytes };
            ::serde_json::from_slice(bytes).map_err(|error| ClientError::Decode {
                status,
                message: error.to_string(),
                body: ::std::string::String::from_utf8_lossy(bytes).into_owned(),
            })
        }

        #[allow(dead_code)]
        fn header<T: ::std::str::FromStr, E>(
            status: u16,
            headers: &::reqwest::header::HeaderMap,
            name: &str,
        ) -> ::std::result::Result<::std::option::Option<T>, ClientError<E>> {
            let Some(value) = headers.get(name) else { return Ok(None) };
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse().ok())
                .map(Some)
                .ok_or_else(|| ClientError::Decode {
                    status,
                    message: format!("header `{name}` has an unexpected value"),
                    body: ::std::string::String::new(),
                })
        }
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
                    let wait = headers
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        #body_wait
                        #reset_wait
                        .map(::std::time::Duration::from_secs);
                    if let Some(wait) = wait.filter(|wait| retries < policy.max_retries && *wait <= policy.max_wait) {
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

/// `file_part` and `value_parts`, which build the parts of multipart bodies.
fn multipart_helpers() -> TokenStream {
    // A document may have only file parts, or none.
    quote! {
        /// A file's part: its bytes, file name and media type (else `default_type`).
        #[allow(dead_code)]
        fn file_part<E>(
            file: &super::media::File,
            default_type: &str,
        ) -> ::std::result::Result<::reqwest::multipart::Part, ClientError<E>> {
            let part = ::reqwest::multipart::Part::bytes(file.bytes.clone());
            let part = match &file.file_name {
                Some(name) => part.file_name(name.clone()),
                None => part,
            };
            part.mime_str(file.content_type.as_deref().unwrap_or(default_type)).map_err(ClientError::Transport)
        }

        /// How a property that is not a file is written.
        #[allow(dead_code)]
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Written {
            /// One part, its text.
            Text,
            /// One part per item of a list, each its text.
            TextEach,
            /// One part, its JSON.
            Json,
        }

        /// The parts of a property that is not a file: none when it is absent or `null`.
        #[allow(dead_code)]
        fn value_parts<T: ::serde::Serialize + ?Sized, E>(
            value: &T,
            written: Written,
            content_type: ::std::option::Option<&str>,
        ) -> ::std::result::Result<::std::vec::Vec<::reqwest::multipart::Part>, ClientError<E>> {
            let (json, each) = (written == Written::Json, written == Written::TextEach);
            let value = ::serde_json::to_value(value).map_err(|error| ClientError::Decode {
                status: 0,
                message: error.to_string(),
                body: ::std::string::String::new(),
            })?;
            let items = match value {
                ::serde_json::Value::Null => ::std::vec::Vec::new(),
                ::serde_json::Value::Array(items) if each => items,
                value => ::std::vec![value],
            };
            items
                .into_iter()
                .filter(|item| !item.is_null())
                .map(|item| {
                    let text = match item {
                        ::serde_json::Value::String(text) if !json => text,
                        other => other.to_string(),
                    };
                    let part = ::reqwest::multipart::Part::text(text);
                    match content_type {
                        Some(content_type) => part.mime_str(content_type).map_err(ClientError::Transport),
                        None => Ok(part),
                    }
                })
                .collect()
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

    // The URL: literal segments as written, parameters percent-encoded.
    let mut format = String::from("{}");
    let mut format_args = vec![quote!(self.base_url)];
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        format.push_str(&rest[..open].replace('{', "{{").replace('}', "}}"));
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let wire = &rest[open + 1..close];
        if let Some(p) = op.path_params.iter().find(|p| p.wire_name == wire) {
            let arg = ident(&p.name);
            match p.path_style {
                PathStyle::Simple => {}
                PathStyle::Label => format.push('.'),
                PathStyle::Matrix => format.push_str(&format!(";{}=", p.wire_name.replace('{', "{{").replace('}', "}}"))),
            }
            format.push_str("{}");
            format_args.push(if p.wildcard {
                // The parameter spans segments: encode each, keep the slashes.
                quote!(encode_path(#arg))
            } else if p.ty == TypeRef::String {
                quote!(encode_segment(#arg))
            } else {
                quote!(encode_segment(&text(#arg)))
            });
        }
        rest = &rest[(close + 1).min(rest.len())..];
    }
    format.push_str(&rest.replace('{', "{{").replace('}', "}}"));

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
            let pairs = super::params::encode(query, #table).map_err(|error| ClientError::Decode {
                status: 0,
                message: error.to_string(),
                body: ::std::string::String::new(),
            })?;
            let request = request.query(&pairs);
        }
    });
    let headers = op.header_params.iter().map(|p| {
        let arg = ident(&p.name);
        let wire = &p.wire_name;
        if p.required {
            quote!(let request = request.header(#wire, text(#arg));)
        } else {
            quote!(let request = match #arg { Some(value) => request.header(#wire, text(value)), None => request };)
        }
    });
    let cookies = (!op.cookie_params.is_empty()).then(|| {
        let pushes = op.cookie_params.iter().map(|p| {
            let arg = ident(&p.name);
            let wire = &p.wire_name;
            if p.required {
                quote!(cookies.push(format!("{}={}", #wire, encode_segment(&text(#arg))));)
            } else {
                quote!(if let Some(value) = #arg { cookies.push(format!("{}={}", #wire, encode_segment(&text(value)))); })
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
            Encoding::Json => quote!(request.header(::reqwest::header::CONTENT_TYPE, #media).body(::serde_json::to_vec(body).map_err(|error| ClientError::Decode { status: 0, message: error.to_string(), body: ::std::string::String::new() })?)),
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
