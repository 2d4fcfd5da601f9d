//! The `webhooks` module: the events an API delivers to its users' servers,
//! their signature check, and (in the server) a receiver to implement.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{doc, ident, operation_doc, type_path};
use crate::ir::{Api, Operation, WebhookSignature};

/// The webhooks that carry a JSON payload.
fn deliverable(api: &Api) -> impl Iterator<Item = &Operation> {
    api.webhooks.iter().filter(|w| w.body.is_some())
}

/// The contents of the `webhooks` module, or `None` when the API has no webhooks.
pub(super) fn module(api: &Api) -> Option<TokenStream> {
    deliverable(api).next()?;
    let variants = deliverable(api).map(|w| {
        let variant = ident(&w.type_stem);
        let ty = type_path(api, &w.body.as_ref()?.ty);
        let text = format!(" `{}`", w.path);
        Some(quote!(#[doc = #text] #variant(#ty),))
    });
    let names = deliverable(api).map(|w| {
        let variant = ident(&w.type_stem);
        let name = &w.path;
        quote!(Self::#variant(_) => #name,)
    });
    let signature = api.webhook_signature.as_ref().map(signature_items);
    Some(quote! {
        //! Webhooks: the events this API delivers to your server.

        /// One delivered event, decoded by its payload's shape.
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum Event { #(#variants)* }

        impl Event {
            /// The webhook's name in the document.
            pub fn webhook(&self) -> &'static str {
                match self { #(#names)* }
            }

            /// Decodes a delivery's body.
            pub fn from_slice(body: &[u8]) -> ::std::result::Result<Self, WebhookError> {
                ::serde_json::from_slice(body).map_err(|error| WebhookError::InvalidPayload(error.to_string()))
            }
        }

        /// Why a delivery was refused (the runtime's).
        pub use ::clawgen_runtime::webhooks::WebhookError;

        #signature
    })
}

/// The document's signature scheme as constants, the runtime's check under
/// them, and `receive`, which checks a delivery and decodes it.
fn signature_items(signature: &WebhookSignature) -> TokenStream {
    let header = &signature.header;
    let tolerance = signature.tolerance_seconds;
    let future_skew = signature.future_skew_seconds;
    let millis = signature.timestamp_millis;
    let timestamp_header = signature.timestamp_header.as_deref();
    let unit = if millis { "milliseconds" } else { "seconds" };
    let timestamp_items = timestamp_header.map(|name| {
        let text = format!(
            " `timestamp` is the delivery time in Unix {unit}; older than {tolerance} seconds, or more than {future_skew} seconds ahead of `now` (the sender's clock running fast), is refused."
        );
        quote! {
            /// The header carrying the delivery time.
            pub const TIMESTAMP_HEADER: &str = #name;

            /// How this API states a delivery's time, and how far from now it may be.
            pub const TIMESTAMPS: ::clawgen_runtime::webhooks::Timestamps =
                ::clawgen_runtime::webhooks::Timestamps { millis: #millis, tolerance: TOLERANCE, future_skew: FUTURE_SKEW };

            #[doc = #text]
            pub fn check_timestamp(timestamp: ::std::option::Option<&str>, now: ::std::time::SystemTime) -> ::std::result::Result<(), WebhookError> {
                TIMESTAMPS.check(timestamp, now)
            }
        }
    });
    let receive_args = timestamp_header.map(|_| quote!(timestamp: ::std::option::Option<&str>, now: ::std::time::SystemTime,));
    let receive_check = timestamp_header.map(|_| quote!(check_timestamp(timestamp, now)?;));
    quote! {
        /// The signature's format and check: the hex HMAC-SHA256 of the raw body, keyed with the webhook's secret (the runtime's).
        pub use ::clawgen_runtime::webhooks::{check_signature, sign};

        /// The header carrying the signature: the hex HMAC-SHA256 of the raw body, keyed with the webhook's secret.
        pub const SIGNATURE_HEADER: &str = #header;
        /// How old a delivery may be.
        pub const TOLERANCE: ::std::time::Duration = ::std::time::Duration::from_secs(#tolerance);
        /// How far ahead of the receiver's clock a delivery time may be.
        pub const FUTURE_SKEW: ::std::time::Duration = ::std::time::Duration::from_secs(#future_skew);
        #timestamp_items

        /// Checks a delivery and decodes its event.
        pub fn receive(
            secret: &[u8],
            body: &[u8],
            signature: ::std::option::Option<&str>,
            #receive_args
        ) -> ::std::result::Result<Event, WebhookError> {
            check_signature(secret, body, signature)?;
            #receive_check
            Event::from_slice(body)
        }
    }
}

/// The receiver half, for the `server` module: a trait with one method per
/// webhook, and a router that checks each delivery before dispatching it.
pub(super) fn receiver(api: &Api) -> Option<TokenStream> {
    deliverable(api).next()?;
    let trait_name = format_ident!("{}Webhooks", crate::ir::names::type_name(&api.name));
    let methods = deliverable(api).map(|w| {
        let name = ident(&w.fn_name);
        let docs = operation_doc(w);
        let ty = type_path(api, &w.body.as_ref().map(|b| b.ty.clone()).unwrap_or(crate::ir::TypeRef::Json));
        // A delivery is signed over its exact bytes: the receiver gets them too.
        let raw = w.raw_body.then(|| quote!(raw_body: ::axum::body::Bytes));
        quote! {
            #docs
            fn #name(&self, event: #ty, #raw) -> impl ::std::future::Future<Output = ::std::result::Result<(), ::std::string::String>> + Send;
        }
    });
    let arms = deliverable(api).map(|w| {
        let variant = ident(&w.type_stem);
        let name = ident(&w.fn_name);
        let raw = w.raw_body.then(|| quote!(body.clone()));
        quote!(super::webhooks::Event::#variant(event) => receiver.#name(event, #raw).await,)
    });
    let trait_doc = doc(Some(&format!("Receives the webhooks of {}.", api.title)));
    let (check, secret_arg, secret_state) = match &api.webhook_signature {
        Some(signature) => {
            let header = signature.header.to_ascii_lowercase();
            let read = |name: &str| {
                let name = name.to_ascii_lowercase();
                quote!(headers.get(#name).and_then(|v| v.to_str().ok()))
            };
            let signature_value = read(&header);
            let timestamp = signature.timestamp_header.as_deref().map(|t| {
                let value = read(t);
                quote!(#value, ::std::time::SystemTime::now(),)
            });
            (
                quote!(super::webhooks::receive(&secret, &body, #signature_value, #timestamp)),
                quote!(secret: impl Into<::std::vec::Vec<u8>>,),
                quote!(let secret: ::std::sync::Arc<[u8]> = secret.into().into();),
            )
        }
        None => (
            quote!(super::webhooks::Event::from_slice(&body)),
            TokenStream::new(),
            quote!(let secret: ::std::sync::Arc<[u8]> = ::std::sync::Arc::from(::std::vec::Vec::new());),
        ),
    };
    Some(quote! {
        #trait_doc
        pub trait #trait_name: Send + Sync + 'static {
            #(#methods)*
        }

        /// A router (one `POST /` route; nest it where deliveries arrive) that checks each
        /// delivery and hands it to `receiver`. A bad or missing signature is answered 401,
        /// a stale timestamp or unknown payload 400, a receiver error 500, success 200.
        pub fn webhook_receiver<R: #trait_name>(#secret_arg receiver: R) -> ::axum::Router {
            #secret_state
            let receiver = ::std::sync::Arc::new(receiver);
            ::axum::Router::new().route(
                "/",
                ::axum::routing::post(move |headers: ::axum::http::HeaderMap, body: ::axum::body::Bytes| {
                    let (secret, receiver) = (secret.clone(), receiver.clone());
                    async move {
                        let _ = (&secret, &headers);
                        let event = match #check {
                            Ok(event) => event,
                            Err(error) => {
                                let status = match error {
                                    super::webhooks::WebhookError::MissingSignature | super::webhooks::WebhookError::InvalidSignature => ::axum::http::StatusCode::UNAUTHORIZED,
                                    _ => ::axum::http::StatusCode::BAD_REQUEST,
                                };
                                return (status, ::axum::Json(::serde_json::json!({ "error": error.to_string() }))).into_response();
                            }
                        };
                        let outcome = match event { #(#arms)* };
                        match outcome {
                            Ok(()) => ::axum::http::StatusCode::OK.into_response(),
                            Err(message) => (::axum::http::StatusCode::INTERNAL_SERVER_ERROR, ::axum::Json(::serde_json::json!({ "error": message }))).into_response(),
                        }
                    }
                }),
            )
        }
    })
}
