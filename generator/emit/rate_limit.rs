//! The `rate_limit` module: which headers carry the caller's request budget
//! in this document; the budget's type and its reading and writing are the
//! runtime's (`clawgen_runtime::rate_limit`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::RateLimitHeaders;

/// The contents of the `rate_limit` module.
pub(super) fn module(headers: &RateLimitHeaders) -> TokenStream {
    let name = |name: &Option<String>| match name {
        Some(name) => {
            let name = name.to_ascii_lowercase();
            quote!(::std::option::Option::Some(#name))
        }
        None => quote!(::std::option::Option::None),
    };
    let (limit, remaining, reset) = (name(&headers.limit), name(&headers.remaining), name(&headers.reset));
    let stated = |name: &Option<String>, what: &str| match name {
        Some(name) => format!("- {what}: `{name}`"),
        None => format!("- {what}: not declared by this API"),
    };
    let doc_text = [
        "The headers that state the caller's request budget in this API:".to_owned(),
        String::new(),
        stated(&headers.limit, "requests allowed per window (`limit`)"),
        stated(&headers.remaining, "requests left in the current window (`remaining`)"),
        stated(&headers.reset, "when the window resets, in Unix seconds (`reset`)"),
    ]
    .join("\n");
    let docs = super::rust::doc(Some(&doc_text));
    quote! {
        //! The caller's request budget, carried in rate-limit headers.

        /// The budget and a server hook's decision (the runtime's).
        pub use ::clawgen_runtime::rate_limit::{RateLimit, RateLimitDecision, RateLimitHeaders};

        #docs
        pub const HEADERS: RateLimitHeaders = RateLimitHeaders { limit: #limit, remaining: #remaining, reset: #reset };
    }
}
