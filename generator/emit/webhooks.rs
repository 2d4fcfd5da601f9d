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

        /// Why a delivery was refused.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum WebhookError {
            /// The signature header is missing.
            MissingSignature,
            /// The signature does not match the body and secret.
            InvalidSignature,
            /// The timestamp header is missing.
            MissingTimestamp,
            /// The timestamp is not a number.
            InvalidTimestamp,
            /// The delivery is older than the tolerance allows.
            Stale {
                /// How far the timestamp is behind now, in seconds.
                age_seconds: u64,
            },
            /// The delivery time is further ahead of now than the allowed clock skew.
            Early {
                /// How far the timestamp is ahead of now, in seconds.
                ahead_seconds: u64,
            },
            /// The body is not one of the documented events.
            InvalidPayload(::std::string::String),
        }

        impl ::std::fmt::Display for WebhookError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    Self::MissingSignature => f.write_str("the delivery has no signature"),
                    Self::InvalidSignature => f.write_str("the signature does not match"),
                    Self::MissingTimestamp => f.write_str("the delivery has no timestamp"),
                    Self::InvalidTimestamp => f.write_str("the timestamp is not a number"),
                    Self::Stale { age_seconds } => write!(f, "the delivery is {age_seconds} seconds old"),
                    Self::Early { ahead_seconds } => write!(f, "the delivery time is {ahead_seconds} seconds ahead of now"),
                    Self::InvalidPayload(error) => write!(f, "the body is not a known event: {error}"),
                }
            }
        }

        impl ::std::error::Error for WebhookError {}

        #signature
    })
}

fn signature_items(signature: &WebhookSignature) -> TokenStream {
    let header = &signature.header;
    let tolerance = signature.tolerance_seconds;
    let future_skew = signature.future_skew_seconds;
    let timestamp_header = signature.timestamp_header.as_deref();
    let timestamp_const = timestamp_header.map(|name| {
        quote! {
            /// The header carrying the delivery time.
            pub const TIMESTAMP_HEADER: &str = #name;
        }
    });
    let unit = if signature.timestamp_millis { "milliseconds" } else { "seconds" };
    let to_millis = if signature.timestamp_millis { TokenStream::new() } else { quote!(.saturating_mul(1000)) };
    let timestamp_check = timestamp_header.map(|_| {
        let text = format!(
            " `timestamp` is the delivery time in Unix {unit}; older than {tolerance} seconds, or more than {future_skew} seconds ahead of `now` (the sender's clock running fast), is refused."
        );
        quote! {
            #[doc = #text]
            pub fn check_timestamp(timestamp: ::std::option::Option<&str>, now: ::std::time::SystemTime) -> ::std::result::Result<(), WebhookError> {
                let sent: u64 = timestamp.ok_or(WebhookError::MissingTimestamp)?.trim().parse().map_err(|_| WebhookError::InvalidTimestamp)?;
                let sent_millis = u128::from(sent #to_millis);
                let now_millis = now.duration_since(::std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
                let seconds = |millis: u128| u64::try_from(millis / 1000).unwrap_or(u64::MAX);
                if sent_millis > now_millis {
                    let ahead_millis = sent_millis - now_millis;
                    if ahead_millis > FUTURE_SKEW.as_millis() {
                        return Err(WebhookError::Early { ahead_seconds: seconds(ahead_millis) });
                    }
                } else if now_millis - sent_millis > TOLERANCE.as_millis() {
                    return Err(WebhookError::Stale { age_seconds: seconds(now_millis - sent_millis) });
                }
                Ok(())
            }
        }
    });
    let receive_args = timestamp_header.map(|_| quote!(timestamp: ::std::option::Option<&str>, now: ::std::time::SystemTime,));
    let receive_check = timestamp_header.map(|_| quote!(check_timestamp(timestamp, now)?;));
    quote! {
        /// The header carrying the signature: the hex HMAC-SHA256 of the raw body, keyed with the webhook's secret.
        pub const SIGNATURE_HEADER: &str = #header;
        #timestamp_const
        /// How old a delivery may be.
        pub const TOLERANCE: ::std::time::Duration = ::std::time::Duration::from_secs(#tolerance);
        /// How far ahead of the receiver's clock a delivery time may be.
        pub const FUTURE_SKEW: ::std::time::Duration = ::std::time::Duration::from_secs(#future_skew);

        /// The signature of `body` under `secret`, as the API computes it.
        pub fn sign(secret: &[u8], body: &[u8]) -> ::std::string::String {
            use ::hmac::Mac as _;
            let mut mac = <::hmac::Hmac<::sha2::Sha256> as ::hmac::Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
            mac.update(body);
            mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
        }

        /// Checks `signature` against `body` in constant time. A `sha256=` prefix is accepted.
        ///
        /// `body` must be the bytes exactly as received: the signature covers the
        /// sender's serialisation (key order, whitespace), which decoding and
        /// re-encoding the JSON would not reproduce.
        pub fn check_signature(secret: &[u8], body: &[u8], signature: ::std::option::Option<&str>) -> ::std::result::Result<(), WebhookError> {
            use ::hmac::Mac as _;
            let signature = signature.ok_or(WebhookError::MissingSignature)?.trim();
            let signature = signature.strip_prefix("sha256=").unwrap_or(signature);
            let expected = decode_hex(signature).ok_or(WebhookError::InvalidSignature)?;
            let mut mac = <::hmac::Hmac<::sha2::Sha256> as ::hmac::Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
            mac.update(body);
            mac.verify_slice(&expected).map_err(|_| WebhookError::InvalidSignature)
        }

        #timestamp_check

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

        fn decode_hex(text: &str) -> ::std::option::Option<::std::vec::Vec<u8>> {
            if text.len() % 2 != 0 {
                return None;
            }
            (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
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
