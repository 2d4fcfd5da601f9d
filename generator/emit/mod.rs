//! Stage 4: Rust (through `quote!`, syn and prettyplease) and manifests
//! (through minijinja) from the IR, and nothing else.
//!
//! Emitters read only the IR. Each module of the output comes from one file
//! here: `types`, `errors`, `auth`, `client`, `server`, and so on. What does
//! not depend on the document is not emitted: it is the runtime crate
//! (`templates/runtime/`, written out by `runtime`), which the output calls
//! as `::clawgen_runtime::…`.

mod auth;
mod client;
mod errors;
mod exercise;
mod literal;
mod manifest;
mod mock;
mod params;
mod rate_limit;
mod runtime;
mod rust;
mod server;
mod shape;
mod support;
mod types;
mod webhooks;

pub use runtime::{RUNTIME_CRATE, RUNTIME_VERSION, runtime_files};

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::Result;
use crate::ir::Api;

/// One output file, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the output directory, with `/` separators.
    pub path: String,
    /// The full contents.
    pub contents: String,
}

/// Which parts of the API to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The reqwest client.
    pub client: bool,
    /// The axum server.
    pub server: bool,
}

/// Lints that text from the document can trip (its prose becomes our docs,
/// its shapes our signatures); everything else stays on.
fn allowed_lints() -> TokenStream {
    quote! {
        #![allow(
            clippy::doc_lazy_continuation,
            clippy::doc_overindented_list_items,
            clippy::too_many_arguments,
            clippy::large_enum_variant,
            clippy::empty_docs,
            rustdoc::bare_urls,
            rustdoc::broken_intra_doc_links,
            rustdoc::invalid_html_tags
        )]
    }
}

/// The modules of the crate, as `(name, feature gate, contents)`.
fn modules(api: &Api, parts: Parts) -> Result<Vec<(&'static str, Option<&'static str>, TokenStream)>> {
    let lints = allowed_lints();
    let with_lints = |tokens: TokenStream| quote!(#lints #tokens);
    let mut out = vec![
        ("types", None, with_lints(types::module(api)?)),
        ("errors", None, with_lints(errors::module(api))),
        ("auth", None, with_lints(auth::module(api))),
        ("validation", None, support::validation_module()),
    ];
    if params::needed(api) {
        out.push(("params", None, params::module(api)));
    }
    if let Some(headers) = &api.rate_limit {
        out.push(("rate_limit", None, rate_limit::module(headers)));
    }
    let media = support::MediaNeeds::of(api);
    if media.any() {
        out.push(("media", None, support::media_module(media)));
    }
    if let Some(tokens) = webhooks::module(api) {
        out.push(("webhooks", None, with_lints(tokens)));
    }
    if parts.client {
        out.push(("client", Some("client"), with_lints(client::module(api))));
    }
    if parts.server {
        if shape::needed(api) {
            out.push(("shape", Some("server"), shape::module(api)));
        }
        out.push(("server", Some("server"), with_lints(server::module(api))));
    }
    Ok(out)
}

/// The files of a standalone crate with the chosen parts (each a Cargo feature): manifest, README, and one file per module.
pub fn crate_files(api: &Api, parts: Parts) -> Result<Vec<GeneratedFile>> {
    let mut modules = modules(api, parts)?;
    // The mock implements the server trait, so it exists where the server does.
    if parts.server {
        modules.push(("mock", Some("mock"), with_allowed_lints(mock::module(api))));
    }
    if parts.client {
        modules.push(("exercise", Some("exercise"), with_allowed_lints(exercise::module(api))));
    }
    // Much of what named serde and serde_json is in the runtime now: the crate
    // declares them only where its own code does.
    let mut code: Vec<String> = modules.iter().map(|(_, _, tokens)| tokens.to_string()).collect();
    if parts.server {
        code.push(mock::example(api).to_string());
    }
    if parts.client {
        code.push(exercise::example(api).to_string());
    }
    let names = |krate: &str| code.iter().any(|text| text.contains(&format!(":: {krate} ::")));
    let named = manifest::Named { serde: names("serde"), serde_json: names("serde_json"), base64: names("base64") };
    let mut files = vec![
        GeneratedFile { path: "Cargo.toml".into(), contents: manifest::render(api, parts, "Cargo.toml.jinja", named)? },
        GeneratedFile { path: "README.md".into(), contents: manifest::render(api, parts, "README.md.jinja", named)? },
    ];
    let declarations = modules.iter().map(|(name, feature, _)| {
        let name = rust::ident(name);
        match feature {
            // prettyplease, not rustfmt, lays out the modules: keep `cargo fmt` off them.
            Some(feature) => quote!(#[cfg(feature = #feature)] #[rustfmt::skip] pub mod #name;),
            None => quote!(#[rustfmt::skip] pub mod #name;),
        }
    });
    let features = match (parts.client, parts.server) {
        (true, true) => "; the `client` and `server` features add the reqwest client and the axum server",
        (true, false) => "; the `client` feature adds the reqwest client",
        (false, true) => "; the `server` feature adds the axum server",
        (false, false) => "",
    };
    let mut crate_doc = format!(
        "{}\n\nGenerated by clawgen from `{}` (API version {}). Types and error enums are always available{features}.",
        api.title, api.spec_file, api.api_version
    );
    crate_doc.push_str(&skipped_doc(api));
    let description = api.description.as_deref().map(|d| {
        let lines = rust::doc_lines(d);
        quote!(#![doc = ""] #(#![doc = #lines])*)
    });
    let crate_doc = rust::doc_lines(&crate_doc);
    let lib = quote! {
        #(#![doc = #crate_doc])*
        #description
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]
        #(#declarations)*
    };
    files.push(GeneratedFile { path: "src/lib.rs".into(), contents: rust::format_file(api, "src/lib.rs", lib)? });
    for (name, _, tokens) in modules {
        let path = format!("src/{name}.rs");
        let contents = rust::format_file(api, &path, tokens)?;
        files.push(GeneratedFile { path, contents });
    }
    if parts.server {
        let path = "examples/mock_server.rs".to_owned();
        let contents = rust::format_file(api, &path, mock::example(api))?;
        files.push(GeneratedFile { path, contents });
    }
    if parts.client {
        let path = "examples/exercise.rs".to_owned();
        let contents = rust::format_file(api, &path, exercise::example(api))?;
        files.push(GeneratedFile { path, contents });
    }
    Ok(files)
}

fn with_allowed_lints(tokens: TokenStream) -> TokenStream {
    let lints = allowed_lints();
    quote!(#lints #tokens)
}

/// One file holding the chosen parts as inline modules, for `include!` from a build script.
pub fn module_file(api: &Api, parts: Parts) -> Result<GeneratedFile> {
    let modules = modules(api, parts)?.into_iter().map(|(name, _, tokens)| {
        let name = rust::ident(name);
        quote!(pub mod #name { #tokens })
    });
    let path = format!("{}.rs", api.name.replace('-', "_"));
    let contents = rust::format_file(api, &path, quote!(#(#modules)*))?;
    Ok(GeneratedFile { path, contents })
}

/// The crate-doc paragraph listing the operations left out on purpose, if any.
fn skipped_doc(api: &Api) -> String {
    if api.skipped.is_empty() {
        return String::new();
    }
    let mut text = String::from("\n\nLeft out on purpose (no method, handler or types):\n");
    for op in &api.skipped {
        text.push_str(&format!("\n- `{}` (`{} {}`): {}", op.id, op.method.as_str(), op.path, op.reason));
    }
    text
}
