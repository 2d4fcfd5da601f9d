//! The one place where an item gets the per-tag feature gate the IR decided
//! (see `ir::tags`): `#[cfg(feature = "tag-x")]`, or `#[cfg(any(..))]` for several.
//!
//! Emitters pass the tokens of one operation's or one type's items through
//! [`items`] (or [`impl_items`], [`trait_items`] for methods), which put the
//! attribute on each of them; with tag features off every gate is
//! [`Gate::Always`] and the tokens come back untouched.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Gate;

/// The `#[cfg(..)]` attribute of `gate`; nothing for [`Gate::Always`].
pub(super) fn attr(gate: &Gate) -> Option<TokenStream> {
    match gate {
        Gate::Always => None,
        Gate::Any(features) if features.len() == 1 => {
            let feature = &features[0];
            Some(quote!(#[cfg(feature = #feature)]))
        }
        Gate::Any(features) => Some(quote!(#[cfg(any(#(feature = #features),*))])),
    }
}

/// `tokens` (items of a module) with `gate` on each item.
pub(super) fn items(gate: &Gate, tokens: TokenStream) -> TokenStream {
    let Some(attr) = attr(gate) else { return tokens };
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => {
            let items = file.items.iter();
            quote!(#(#attr #items)*)
        }
        Err(err) => unparsable(&err, tokens),
    }
}

/// `tokens` (items of an `impl` block) with `gate` on each item.
pub(super) fn impl_items(gate: &Gate, tokens: TokenStream) -> TokenStream {
    let Some(attr) = attr(gate) else { return tokens };
    match syn::parse2::<syn::ItemImpl>(quote!(impl Gated { #tokens })) {
        Ok(block) => {
            let items = block.items.iter();
            quote!(#(#attr #items)*)
        }
        Err(err) => unparsable(&err, tokens),
    }
}

/// `tokens` (items of a trait) with `gate` on each item.
pub(super) fn trait_items(gate: &Gate, tokens: TokenStream) -> TokenStream {
    let Some(attr) = attr(gate) else { return tokens };
    match syn::parse2::<syn::ItemTrait>(quote!(trait Gated { #tokens })) {
        Ok(block) => {
            let items = block.items.iter();
            quote!(#(#attr #items)*)
        }
        Err(err) => unparsable(&err, tokens),
    }
}

/// Tokens an emitter made that do not parse: a bug of the emitter, reported
/// where the crate is built rather than left ungated without a word.
fn unparsable(err: &syn::Error, tokens: TokenStream) -> TokenStream {
    let message = format!("clawgen could not put a feature gate on these items: {err}");
    quote!(::core::compile_error!(#message); #tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_gets_the_gate() {
        let gate = Gate::Any(vec!["tag-a".into(), "tag-b".into()]);
        let gated = items(
            &gate,
            quote!(/// A.
            pub struct A; impl A { fn f() {} } const B: &[u8] = &[];),
        );
        let text = gated.to_string();
        assert_eq!(text.matches("# [cfg (any (feature = \"tag-a\" , feature = \"tag-b\"))]").count(), 3, "{text}");
        let methods = impl_items(
            &Gate::Any(vec!["tag-a".into()]),
            quote!(
                fn f() {}
                async fn g(&self) {}
            ),
        );
        assert_eq!(methods.to_string().matches("# [cfg (feature = \"tag-a\")]").count(), 2);
        let untouched = quote!(
            struct A;
        );
        assert_eq!(items(&Gate::Always, untouched.clone()).to_string(), untouched.to_string());
    }
}
