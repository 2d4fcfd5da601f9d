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
mod gate;
mod literal;
mod manifest;
mod mock;
mod parallel;
mod params;
mod rate_limit;
mod runtime;
mod rust;
mod server;
mod shape;
mod support;
mod types;
mod webhooks;
mod xml;

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

/// The tokens of one output file in parts, each of whole top-level items
/// (inner attributes first), made as the printer asks for them: a large
/// module's tokens then never exist all at once (see [`rust::format_items_naming`]).
type ItemParts<'a> = Box<dyn Iterator<Item = Result<rust::Part<'a>>> + 'a>;

/// How one output file's tokens are made; `None` when the API has nothing to put in it.
type Emitter<'a> = Box<dyn Fn() -> Option<ItemParts<'a>> + Sync + 'a>;

/// One module of the crate: its name, its feature gate and its emitter.
struct Module<'a> {
    name: &'static str,
    feature: Option<&'static str>,
    emit: Emitter<'a>,
}

impl<'a> Module<'a> {
    /// A module whose emitter makes its tokens in one piece.
    fn new(name: &'static str, feature: Option<&'static str>, emit: impl Fn() -> Result<Option<TokenStream>> + Sync + 'a) -> Self {
        Module::parts(name, feature, move || match emit() {
            Ok(Some(tokens)) => Some(Box::new(std::iter::once(Ok(rust::Part::Items(tokens))))),
            Ok(None) => None,
            Err(err) => Some(Box::new(std::iter::once(Err(err)))),
        })
    }

    /// A module whose emitter makes its tokens in parts, a few items each.
    fn parts(name: &'static str, feature: Option<&'static str>, emit: impl Fn() -> Option<ItemParts<'a>> + Sync + 'a) -> Self {
        Module { name, feature, emit: Box::new(emit) }
    }
}

/// The modules of the crate, in their order in `lib.rs`. Nothing is emitted
/// yet: each module's tokens are made, printed and dropped in one go (see
/// [`parallel`]).
fn modules(api: &Api, parts: Parts) -> Vec<Module<'_>> {
    let mut out = vec![
        Module::parts("types", None, move || Some(Box::new(lints_then(types::module(api))))),
        Module::parts("errors", None, move || Some(Box::new(lints_then(errors::module(api, parts.server).map(Ok))))),
        Module::new("auth", None, move || Ok(Some(with_allowed_lints(auth::module(api))))),
        Module::new("validation", None, || Ok(Some(support::validation_module()))),
    ];
    if params::needed(api) {
        out.push(Module::new("params", None, move || Ok(Some(params::module(api)))));
    }
    if let Some(headers) = &api.rate_limit {
        out.push(Module::new("rate_limit", None, move || Ok(Some(rate_limit::module(headers)))));
    }
    let media = support::MediaNeeds::of(api);
    if media.any() {
        out.push(Module::new("media", None, move || Ok(Some(support::media_module(media)))));
    }
    if xml::needed(api) {
        out.push(Module::new("xml", None, move || Ok(Some(xml::module(api)))));
    }
    out.push(Module::new("webhooks", None, move || Ok(webhooks::module(api).map(with_allowed_lints))));
    if parts.client {
        out.push(Module::parts("client", Some("client"), move || {
            Some(Box::new(std::iter::once(Ok(rust::Part::Items(allowed_lints()))).chain(client::module(api).map(Ok))))
        }));
    }
    if parts.server {
        if shape::needed(api) {
            out.push(Module::new("shape", Some("server"), move || Ok(Some(shape::module(api)))));
        }
        out.push(Module::parts("server", Some("server"), move || Some(Box::new(lints_then(server::module(api))))));
    }
    out
}

/// The files that take longest come first into the work queue, so that no
/// core is left with a large one at the end.
const LARGEST_FIRST: [&str; 8] =
    ["src/types.rs", "src/server.rs", "src/client.rs", "src/mock.rs", "src/errors.rs", "src/shape.rs", "src/exercise.rs", "src/auth.rs"];

/// One Rust file of the output, printed.
struct Printed {
    contents: String,
    named: manifest::Named,
}

/// The files of a standalone crate with the chosen parts (each a Cargo feature): manifest, README, and one file per module.
pub fn crate_files(api: &Api, parts: Parts) -> Result<Vec<GeneratedFile>> {
    let mut modules = modules(api, parts);
    // The mock implements the server trait, so it exists where the server does.
    if parts.server {
        modules.push(Module::new("mock", Some("mock"), move || Ok(Some(with_allowed_lints(mock::module(api))))));
    }
    if parts.client {
        modules.push(Module::new("exercise", Some("exercise"), move || Ok(Some(with_allowed_lints(exercise::module(api))))));
    }
    let mut rust_files: Vec<(String, Option<&str>, &Emitter<'_>)> =
        modules.iter().map(|m| (format!("src/{}.rs", m.name), Some(m.name), &m.emit)).collect();
    let mock_example = Module::new("mock_server", None, move || Ok(Some(mock::example(api)))).emit;
    let exercise_example = Module::new("exercise", None, move || Ok(Some(exercise::example(api)))).emit;
    if parts.server {
        rust_files.push(("examples/mock_server.rs".to_owned(), None, &mock_example));
    }
    if parts.client {
        rust_files.push(("examples/exercise.rs".to_owned(), None, &exercise_example));
    }
    let mut queue: Vec<usize> = (0..rust_files.len()).collect();
    queue.sort_by_key(|&i| LARGEST_FIRST.iter().position(|path| *path == rust_files[i].0).unwrap_or(LARGEST_FIRST.len()));
    let printed = parallel::map(&rust_files, &queue, |(path, module, emit)| -> Result<Option<Printed>> {
        let _emitting = crate::timing::step(|| format!("emit and print {path}"));
        let Some(parts) = emit() else { return Ok(None) };
        let (contents, named) = rust::format_items_naming(api, path, *module, parts, &["serde", "serde_json", "base64"])?;
        Ok(Some(Printed { contents, named: manifest::Named { serde: named[0], serde_json: named[1], base64: named[2] } }))
    });
    let printed: Vec<Option<Printed>> = printed.into_iter().collect::<Result<_>>()?;
    // Much of what named serde and serde_json is in the runtime now: the crate
    // declares them only where its own code does.
    let named =
        printed.iter().flatten().fold(manifest::Named { serde: false, serde_json: false, base64: false }, |all, file| manifest::Named {
            serde: all.serde || file.named.serde,
            serde_json: all.serde_json || file.named.serde_json,
            base64: all.base64 || file.named.base64,
        });
    let mut files = vec![
        GeneratedFile { path: "Cargo.toml".into(), contents: manifest::render(api, parts, "Cargo.toml.jinja", named)? },
        GeneratedFile { path: "README.md".into(), contents: manifest::render(api, parts, "README.md.jinja", named)? },
    ];
    let declarations = modules.iter().zip(&printed).filter(|(_, printed)| printed.is_some()).map(|(module, _)| {
        let name = rust::ident(module.name);
        match module.feature {
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
    let available = if api.tag_features.is_empty() {
        "Types and error enums are always available"
    } else {
        "Types and error enums are available with the operations that use them (see below)"
    };
    let mut crate_doc =
        format!("{}\n\nGenerated by clawgen from `{}` (API version {}). {available}{features}.", api.title, api.spec_file, api.api_version);
    if !api.tag_features.is_empty() {
        crate_doc.push_str(
            "\n\nEach tag of the document is a feature (`tag-…`; `untagged` for the operations without one, \
             `unreferenced` for the schemas no operation uses), all on by default: with `default-features = false`, \
             only the operations of the tags you enable are compiled, with the types and error enums they use.",
        );
    }
    crate_doc.push_str(&skipped_doc(api));
    let description = api.description.as_deref().map(|d| {
        let lines = rust::doc_lines(d);
        quote!(#![doc = ""] #(#![doc = #lines])*)
    });
    let crate_doc = rust::doc_lines(&crate_doc);
    let recursion_limit = recursion_limit(api);
    let lib = quote! {
        #(#![doc = #crate_doc])*
        #description
        #recursion_limit
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]
        #(#declarations)*
    };
    files.push(GeneratedFile { path: "src/lib.rs".into(), contents: rust::format_file(api, "src/lib.rs", lib)? });
    for ((path, _, _), printed) in rust_files.into_iter().zip(printed) {
        if let Some(printed) = printed {
            files.push(GeneratedFile { path, contents: printed.contents });
        }
    }
    Ok(files)
}

fn with_allowed_lints(tokens: TokenStream) -> TokenStream {
    let lints = allowed_lints();
    quote!(#lints #tokens)
}

/// [`with_allowed_lints`] for a module made in parts of whole items.
fn lints_then<'a>(parts: impl Iterator<Item = Result<TokenStream>> + 'a) -> impl Iterator<Item = Result<rust::Part<'a>>> + 'a {
    std::iter::once(Ok(allowed_lints())).chain(parts).map(|part| part.map(rust::Part::Items))
}

/// One file holding the chosen parts as inline modules, for `include!` from a build script.
pub fn module_file(api: &Api, parts: Parts) -> Result<GeneratedFile> {
    let mut modules = Vec::new();
    for module in self::modules(api, parts) {
        if let Some(parts) = (module.emit)() {
            let mut tokens = TokenStream::new();
            for part in parts {
                match part? {
                    rust::Part::Items(items) => tokens.extend(items),
                    rust::Part::Impl { header, items } => tokens.extend(quote!(#header { #(#items)* })),
                }
            }
            let name = rust::ident(module.name);
            modules.push(quote!(pub mod #name { #tokens }));
        }
    }
    let path = format!("{}.rs", api.name.replace('-', "_"));
    let contents = rust::format_file(api, &path, quote!(#(#modules)*))?;
    Ok(GeneratedFile { path, contents })
}

/// The crate-doc paragraph listing the operations left out on purpose, if any.
/// `#![recursion_limit]` for a crate whose types nest deeper than rustc's
/// default limit (128) allows: its drop check counts a few steps per level
/// (a struct, the `Option` and `Box` around a field), and a schema nested 500
/// levels fails to compile without it ("overflow while adding drop-check
/// rules"). Real documents stay far below, and their crates carry no attribute.
fn recursion_limit(api: &Api) -> Option<TokenStream> {
    const STEPS_PER_LEVEL: usize = 4;
    const RUSTC_DEFAULT: usize = 128;
    (api.type_depth * STEPS_PER_LEVEL > RUSTC_DEFAULT).then(|| {
        let limit = proc_macro2::Literal::string(&(api.type_depth * STEPS_PER_LEVEL + RUSTC_DEFAULT).to_string());
        quote!(#![recursion_limit = #limit])
    })
}

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
