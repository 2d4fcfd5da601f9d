//! The `validation` and `media` modules of a generated crate: re-exports of
//! the runtime's (`clawgen_runtime`), so that the crate's own paths
//! (`validation::Validate`, `media::File`) stay, and the runtime features a
//! crate needs.

use proc_macro2::TokenStream;
use quote::quote;

/// The `validation` module: the runtime's checks, the trait and the error of `Validate` impls.
pub(super) fn validation_module() -> TokenStream {
    quote! {
        //! Checks of the constraints that Rust types cannot express (ranges, lengths):
        //! the runtime's, under this crate's name.

        pub use ::clawgen_runtime::validation::*;
    }
}

/// What the `media` module must hold.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MediaNeeds {
    /// `Raw`: bodies that travel as bytes.
    pub(super) raw: bool,
    /// `Base64`: JSON carries `format: byte` (only then does the runtime depend on base64).
    pub(super) base64: bool,
    /// `File`: multipart bodies with file parts.
    pub(super) files: bool,
    /// `Event`, `EventStream` and the parser: server-sent events (only then does the runtime depend on futures-core).
    pub(super) events: bool,
    /// `BodyEncoding`: a request body accepted in several media types, which the client may be told to send.
    pub(super) body_encodings: bool,
}

impl MediaNeeds {
    /// What `api` needs.
    pub(super) fn of(api: &crate::ir::Api) -> Self {
        MediaNeeds {
            raw: api.uses_raw(),
            base64: api.mentions(|ty| *ty == crate::ir::TypeRef::Base64),
            // The multipart helpers name `File` even where every part is text.
            files: api.uses_files() || api.uses_multipart(),
            events: api.uses_event_streams(),
            body_encodings: api.request_forms().any(|b| !b.alternatives.is_empty()),
        }
    }

    /// Whether the module is needed at all.
    pub(super) fn any(self) -> bool {
        self.raw || self.base64 || self.files || self.events || self.body_encodings
    }
}

/// The `media` module: the runtime's types of bodies that are not plain JSON values.
pub(super) fn media_module(needs: MediaNeeds) -> TokenStream {
    let MediaNeeds { raw, base64, files, events, body_encodings } = needs;
    let mut names = Vec::new();
    if body_encodings {
        names.push(quote!(BodyEncoding));
    }
    if raw {
        names.push(quote!(Raw));
    }
    if base64 {
        names.push(quote!(Base64));
    }
    if files {
        names.push(quote!(File));
        names.push(quote!(FileParts));
    }
    if events {
        names.extend([quote!(Event), quote!(EventParser), quote!(EventSender), quote!(EventStream), quote!(EventStreamError)]);
    }
    quote! {
        //! Bodies that are not plain JSON values: bytes, base64 text in JSON, files, server-sent events.

        pub use ::clawgen_runtime::media::{#(#names),*};
    }
}
