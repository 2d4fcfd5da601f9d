//! The `rate_limit` module: the caller's request budget, read from and written
//! to the rate-limit headers the document declares.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::RateLimitHeaders;

/// The contents of the `rate_limit` module.
pub(super) fn module(headers: &RateLimitHeaders) -> TokenStream {
    let slots = [("limit", &headers.limit), ("remaining", &headers.remaining), ("reset", &headers.reset)];
    let reads = slots.iter().map(|(field, name)| {
        let field = super::rust::ident(field);
        match name {
            Some(name) => {
                let name = name.to_ascii_lowercase();
                quote!(#field: read(#name),)
            }
            None => quote!(#field: None,),
        }
    });
    let writes = slots.iter().filter_map(|(field, name)| {
        let field = super::rust::ident(field);
        let name = name.as_ref()?.to_ascii_lowercase();
        Some(quote!(if let Some(value) = self.#field { out.push((#name, value)); }))
    });
    let doc_of = |name: &Option<String>, what: &str| match name {
        Some(name) => format!(" {what} (`{name}`)."),
        None => format!(" {what} (not declared by this API)."),
    };
    let (limit_doc, remaining_doc, reset_doc) = (
        doc_of(&headers.limit, "Requests allowed per window"),
        doc_of(&headers.remaining, "Requests left in the current window"),
        doc_of(&headers.reset, "When the window resets, in Unix seconds"),
    );
    quote! {
        //! The caller's request budget, carried in rate-limit headers.

        /// A request budget as the rate-limit headers state it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct RateLimit {
            #[doc = #limit_doc]
            pub limit: ::std::option::Option<u64>,
            #[doc = #remaining_doc]
            pub remaining: ::std::option::Option<u64>,
            #[doc = #reset_doc]
            pub reset: ::std::option::Option<u64>,
        }

        impl RateLimit {
            /// Reads the budget through `lookup` (header name in lower case to
            /// value); `None` when the answer carries none of the headers.
            pub fn from_lookup<'a>(lookup: impl Fn(&str) -> ::std::option::Option<&'a str>) -> ::std::option::Option<Self> {
                let read = |name: &str| lookup(name).and_then(|value| value.trim().parse().ok());
                let rate_limit = Self { #(#reads)* };
                (rate_limit != Self::default()).then_some(rate_limit)
            }

            /// The headers (lower-case names) that state this budget.
            pub fn headers(&self) -> ::std::vec::Vec<(&'static str, u64)> {
                let mut out = ::std::vec::Vec::new();
                #(#writes)*
                out
            }
        }

        /// What a server's rate-limit hook decides about one request.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum RateLimitDecision {
            /// Serve the request, stating this budget (if any) in the answer's headers.
            Allow(::std::option::Option<RateLimit>),
            /// Answer with the operation's 429 and these headers.
            Refuse {
                /// The budget to state.
                rate_limit: ::std::option::Option<RateLimit>,
                /// Seconds until a retry may succeed (`Retry-After`).
                retry_after: u64,
            },
        }
    }
}
