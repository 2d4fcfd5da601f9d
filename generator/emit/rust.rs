//! Shared pieces of Rust emission: type paths, doc attributes and formatting.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::ir::{Api, Field, Presence, TypeRef};

/// An identifier from a name the IR has already sanitised.
pub(super) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc = "..."]` lines; the text is a string literal, so no description can inject code.
pub(super) fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return TokenStream::new() };
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// Markdown from a spec, made safe for rustdoc: code blocks would become doctests.
pub(super) fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let line = if let Some(info) = trimmed.strip_prefix("```") {
            let opening = !in_fence;
            in_fence = !in_fence;
            if opening && (info.trim().is_empty() || info.trim() == "rust") { "```text".to_owned() } else { "```".to_owned() }
        } else if in_fence {
            line.to_owned()
        } else {
            // Indented lines outside fences would be code blocks, and so doctests.
            trimmed.trim_end().to_owned()
        };
        out.push(if line.is_empty() { String::new() } else { format!(" {line}") });
    }
    if in_fence {
        out.push(" ```".to_owned());
    }
    out
}

/// The docs of an operation's method, shared by the client and the server trait:
/// summary, description, then method and path.
pub(super) fn operation_doc(op: &crate::ir::Operation) -> TokenStream {
    let mut text = op.summary.clone().unwrap_or_else(|| format!("`{}`", op.id));
    if let Some(description) = &op.description {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    text.push_str(&format!("\n\n`{} {}`", op.method.as_str(), op.path));
    doc(Some(&text))
}

/// The type an operation takes its request body as: the body's type, or the
/// enum of its forms where it has several.
pub(super) fn body_type(api: &Api, body: &crate::ir::Body) -> TokenStream {
    match &body.choice {
        Some(choice) => {
            let name = ident(&choice.name);
            quote!(super::types::#name)
        }
        None => type_path(api, &body.ty),
    }
}

/// Whether the client takes the body as `&str` (a string body of one form)
/// rather than as a reference to its [`body_type`].
pub(super) fn body_is_str(body: &crate::ir::Body) -> bool {
    body.ty == TypeRef::String && body.choice.is_none()
}

/// The Rust type of a [`TypeRef`], as seen from a sibling module of `types`.
pub(super) fn type_path(api: &Api, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::Uuid => quote!(::uuid::Uuid),
        TypeRef::Base64 => quote!(super::media::Base64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Raw => quote!(super::media::Raw),
        TypeRef::File => quote!(super::media::File),
        TypeRef::EventStream(item) => {
            let item = type_path(api, item);
            quote!(super::media::EventStream<#item>)
        }
        // Checked to be a type when the options were read.
        TypeRef::External(path) => syn::parse_str::<syn::Type>(path).map_or_else(|_| quote!(::serde_json::Value), |ty| quote!(#ty)),
        TypeRef::Named(id) => {
            let name = ident(&api.ty(*id).name);
            quote!(super::types::#name)
        }
        TypeRef::Array(inner) => {
            let inner = type_path(api, inner);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_path(api, inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        TypeRef::Tuple(items) => {
            let items = items.iter().map(|item| type_path(api, item));
            quote!((#(#items,)*))
        }
        TypeRef::Nullable(inner) => {
            let inner = type_path(api, inner);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// Whether the alias `id` contains itself (`type T = Vec<T>` has no size):
/// such an alias is emitted as a newtype instead.
pub(super) fn recursive_alias(api: &Api, id: crate::ir::TypeId) -> bool {
    fn mentions(api: &Api, ty: &TypeRef, goal: crate::ir::TypeId, depth: usize) -> bool {
        match ty {
            // Only a cycle without `goal` reaches the bound: lowering holds chains of types to it.
            _ if depth > crate::depth::MAX_DEPTH => false,
            TypeRef::Named(id) if *id == goal => true,
            TypeRef::Named(id) => match &api.ty(*id).kind {
                crate::ir::TypeKind::Alias(inner) => mentions(api, inner, goal, depth + 1),
                _ => false,
            },
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => mentions(api, inner, goal, depth + 1),
            _ => false,
        }
    }
    match &api.ty(id).kind {
        crate::ir::TypeKind::Alias(inner) => mentions(api, inner, id, 0),
        _ => false,
    }
}

/// The Rust type of a struct field, with the `Option`s and `Box` its presence and cycles need.
pub(super) fn field_type(api: &Api, field: &Field) -> TokenStream {
    let base = type_path(api, &field.ty);
    let base = if field.boxed { quote!(::std::boxed::Box<#base>) } else { base };
    match field.presence() {
        Presence::Required | Presence::Defaulted => base,
        Presence::RequiredNullable | Presence::Optional => quote!(::std::option::Option<#base>),
        Presence::OptionalNullable => quote!(::std::option::Option<::std::option::Option<#base>>),
    }
}

/// The name of the function that gives a field's default.
pub(super) fn default_fn(owner: &str, field: &Field) -> Ident {
    format_ident!("default_{}_{}", crate::ir::names::field_name(owner), field.name.trim_end_matches('_'))
}

/// Formats tokens as a Rust file with the `@generated` header.
pub(super) fn format_file(api: &Api, file: &str, tokens: TokenStream) -> Result<String> {
    format_items_naming(api, file, None, std::iter::once(Ok(Part::Items(tokens))), &[]).map(|(contents, _)| contents)
}

/// A part of a file's tokens, made when the printer asks for it (see [`format_items_naming`]).
pub(super) enum Part<'a> {
    /// Whole top-level items (the file's inner attributes first).
    Items(TokenStream),
    /// One inherent `impl` block, `header { items }`, whose items come one part
    /// at a time: the block is printed a run of items at a time and the texts
    /// joined, the same text as the whole block's (prettyplease prints each
    /// item of an impl on its own lines). `header` is `impl Type` with no
    /// attributes (its docs would print before the line the join looks for).
    Impl { header: TokenStream, items: Box<dyn Iterator<Item = TokenStream> + 'a> },
}

/// [`format_file`] for the file of `module` (`types` for `src/types.rs`),
/// whose tokens come in parts, and which of `crates` the file names as `::krate::…` (or `…::krate::…`): the crates its
/// manifest must declare. Each part is made only when the printer has room
/// for it, so a module's tokens never exist all at once; the text is the same
/// as for the parts put end to end.
pub(super) fn format_items_naming<'a>(
    api: &Api,
    file: &str,
    module: Option<&str>,
    parts: impl Iterator<Item = Result<Part<'a>>>,
    crates: &[&str],
) -> Result<(String, Vec<bool>)> {
    let paths = ShortPaths::new(api.prelude(), module);
    // The first emitter error ends the parts and is the result.
    let mut failed = None;
    let parts = parts.map_while(|part| part.map_err(|err| failed = Some(err)).ok());
    let printed = print(parts, crates, &paths);
    if let Some(err) = failed {
        return Err(err);
    }
    let (printed, named) = printed.map_err(|err| Error::Emit { file: file.to_owned(), message: err.to_string() })?;
    let header = format!("// @generated by clawgen {} from {}. Do not edit by hand.\n", env!("CARGO_PKG_VERSION"), api.spec_file);
    Ok((header + &printed, named))
}

/// Parses and prints the tokens of `parts`, with safe docs, and which of `crates` they name.
///
/// A large module is parsed and printed a run of items at a time: the syn
/// tree and syn's copy of the tokens then exist for one run only, and the
/// tokens of a run are freed once it is printed. prettyplease prints each
/// top-level item on its own lines, so the runs' texts put end to end are the
/// text of the whole file.
fn print<'a>(parts: impl Iterator<Item = Part<'a>>, crates: &[&str], paths: &ShortPaths) -> syn::Result<(String, Vec<bool>)> {
    // The module's `use`s, read in the first run, shorten paths in all.
    let mut printer = Printer { crates, paths: paths.clone(), out: String::new(), named: vec![false; crates.len()] };
    let mut parts = parts.peekable();
    loop {
        {
            let items = std::iter::from_fn(|| match parts.next_if(|part| matches!(part, Part::Items(_))) {
                Some(Part::Items(tokens)) => Some(tokens),
                _ => None,
            });
            printer.items(items)?;
        }
        match parts.next() {
            Some(Part::Impl { header, items }) => printer.impl_block(&header, items)?,
            Some(Part::Items(_)) => unreachable!("item parts were all taken above"),
            None => return Ok((printer.out, printer.named)),
        }
    }
}

/// The text printed so far and the crates it names.
struct Printer<'c> {
    crates: &'c [&'c str],
    paths: ShortPaths,
    out: String,
    named: Vec<bool>,
}

impl Printer<'_> {
    fn run(&mut self, tokens: TokenStream) -> syn::Result<String> {
        let (text, run_named) = print_run(tokens, self.crates, &mut self.paths)?;
        self.named.iter_mut().zip(run_named).for_each(|(all, run)| *all |= run);
        Ok(text)
    }

    /// Top-level items, in runs of [`ItemRuns::ITEMS`].
    fn items(&mut self, parts: impl Iterator<Item = TokenStream>) -> syn::Result<()> {
        // Tokens not yet printed: a run that does not parse on its own (a split
        // inside an item, which `ItemRuns` should not make) waits for the next.
        let mut pending = TokenStream::new();
        let mut failure = None;
        for run in ItemRuns::new(parts.flat_map(TokenStream::into_iter)) {
            pending.extend(run);
            match self.run(pending.clone()) {
                Ok(text) => {
                    self.out.push_str(&text);
                    pending = TokenStream::new();
                    failure = None;
                }
                Err(err) => failure = Some(err),
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// `header { items }`, printed [`ItemRuns::ITEMS`] parts of items at a
    /// time: each run's text is the block's opening lines, the run's items
    /// and the closing `}`; the block's text is the first opening, every
    /// run's items and one `}`.
    fn impl_block(&mut self, header: &TokenStream, items: impl Iterator<Item = TokenStream>) -> syn::Result<()> {
        let unexpected =
            |text: &str| syn::Error::new(Span::call_site(), format!("an impl block printed in an unexpected shape: {text:.200}"));
        let mut items = items.peekable();
        let mut first = true;
        loop {
            let run: TokenStream = items.by_ref().take(ItemRuns::<std::iter::Empty<_>>::ITEMS).collect();
            let last = items.peek().is_none();
            let text = self.run(quote!(#header { #run }))?;
            // The opening ends with the first line at the margin that opens the body.
            let opening =
                text.split_inclusive('\n').take_while(|line| !line.ends_with("{\n") || line.starts_with(' ')).map(str::len).sum::<usize>();
            let body_start = text[opening..].find('\n').map(|end| opening + end + 1).ok_or_else(|| unexpected(&text))?;
            let body_end = text.strip_suffix("}\n").map(str::len).filter(|end| *end >= body_start).ok_or_else(|| unexpected(&text))?;
            if first {
                self.out.push_str(&text[..body_start]);
            }
            self.out.push_str(&text[body_start..body_end]);
            if last {
                self.out.push_str("}\n");
                return Ok(());
            }
            first = false;
        }
    }
}

fn print_run(tokens: TokenStream, crates: &[&str], paths: &mut ShortPaths) -> syn::Result<(String, Vec<bool>)> {
    use syn::visit::Visit;
    use syn::visit_mut::VisitMut;
    let mut parsed: syn::File = syn::parse2(tokens)?;
    // Rewritten on the tree rather than on the tokens: walking `proc_macro2`
    // tokens copies every one of them, and a large crate has millions. In
    // place: a fold moves every node.
    SafeDocs.visit_file_mut(&mut parsed);
    paths.visit_file_mut(&mut parsed);
    let mut names = CrateNames { crates, named: vec![false; crates.len()] };
    if !crates.is_empty() {
        names.visit_file(&parsed);
    }
    Ok((prettyplease::unparse(&parsed), names.named))
}

/// `path` with its first `replaced` segments written as `name`, keeping the
/// last one's generic arguments (`a::b::C<T>::D` with 3 and `C` is `C<T>::D`).
fn shorten_to(path: &mut syn::Path, replaced: usize, name: syn::Ident) {
    let mut segments = std::mem::take(&mut path.segments).into_pairs().skip(replaced.saturating_sub(1));
    let mut rest: syn::punctuated::Punctuated<syn::PathSegment, syn::Token![::]> = syn::punctuated::Punctuated::new();
    if let Some(first) = segments.next() {
        let mut first = first.into_value();
        first.ident = name;
        rest.push_value(first);
        for pair in segments {
            rest.push_punct(<syn::Token![::]>::default());
            rest.push_value(pair.into_value());
        }
    }
    path.segments = rest;
    path.leading_colon = None;
}

/// Splits a file's tokens into runs of whole top-level items, without parsing.
struct ItemRuns<I: Iterator<Item = proc_macro2::TokenTree>> {
    trees: std::iter::Peekable<I>,
}

impl<I: Iterator<Item = proc_macro2::TokenTree>> ItemRuns<I> {
    /// Items per run: enough that a run's overhead does not count, few enough that its syn tree is small.
    const ITEMS: usize = 128;

    fn new(trees: I) -> Self {
        ItemRuns { trees: trees.peekable() }
    }

    /// The next item (with the inner attributes before it), or `None` at the end.
    fn item(&mut self) -> Option<Vec<proc_macro2::TokenTree>> {
        use proc_macro2::{Delimiter, TokenTree};
        let mut item = Vec::new();
        // `None` until the item's keyword is seen; then whether only `;` ends it
        // (`const X: T = T { .. };`) or a body in braces may (`fn`, `impl`, `struct`, `mod`, `m! {..}`).
        let mut semicolon_only: Option<bool> = None;
        while let Some(tree) = self.trees.next() {
            let ends = match &tree {
                TokenTree::Punct(p) if p.as_char() == ';' => true,
                TokenTree::Group(g) => g.delimiter() == Delimiter::Brace && semicolon_only == Some(false),
                TokenTree::Ident(word) if semicolon_only.is_none() => {
                    let word = word.to_string();
                    let next_is = |trees: &mut std::iter::Peekable<_>, words: &[&str]| matches!(trees.peek(), Some(TokenTree::Ident(next)) if words.iter().any(|w| next == w));
                    semicolon_only = match word.as_str() {
                        "pub" | "unsafe" | "async" | "default" | "safe" => None,
                        "static" | "type" | "use" => Some(true),
                        "const" => Some(!next_is(&mut self.trees, &["fn", "unsafe", "async", "extern"])),
                        "extern" => Some(next_is(&mut self.trees, &["crate"])),
                        _ => Some(false),
                    };
                    false
                }
                _ => false,
            };
            item.push(tree);
            if ends {
                break;
            }
        }
        (!item.is_empty()).then_some(item)
    }
}

impl<I: Iterator<Item = proc_macro2::TokenTree>> Iterator for ItemRuns<I> {
    type Item = TokenStream;

    fn next(&mut self) -> Option<TokenStream> {
        let mut run = TokenStream::new();
        for _ in 0..Self::ITEMS {
            match self.item() {
                Some(item) => run.extend(item),
                None => break,
            }
        }
        (!run.is_empty()).then_some(run)
    }
}

/// Makes the text of every doc attribute safe for a comment (see [`safe_comment_text`]).
struct SafeDocs;

impl syn::visit_mut::VisitMut for SafeDocs {
    fn visit_attribute_mut(&mut self, attribute: &mut syn::Attribute) {
        if let syn::Meta::NameValue(doc) = &mut attribute.meta {
            if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &mut doc.value {
                if doc.path.is_ident("doc") {
                    if let std::borrow::Cow::Owned(safe) = safe_comment_text(&text.value()) {
                        *text = syn::LitStr::new(&safe, text.span());
                    }
                }
            }
        }
    }

    /// What syn leaves as tokens is rewritten as tokens.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = safe_docs(std::mem::take(&mut mac.tokens));
    }
}

/// Writes paths short where that names the same item: a prelude item's full
/// path (`::std::option::Option::Some`) as its prelude name (`Some`), when
/// the crate's [`Prelude`](crate::ir::names::Prelude) allows it, and a
/// sibling's path from inside the module itself (`super::types::Pet` in
/// `types`) as its name, and the path a module's `use` names
/// (`::clawgen_runtime::ErrorBody` after `use ::clawgen_runtime::ErrorBody;`)
/// as the name it brings in. Names that a generic parameter or a local item
/// takes where the path is stay in full.
///
/// Emitters write full paths, which are right anywhere; this is the one
/// place that shortens them, so long lines do not break over several.
#[derive(Clone)]
struct ShortPaths {
    prelude: std::sync::Arc<crate::ir::names::Prelude>,
    /// The modules the printed items are in, outermost first.
    modules: Vec<String>,
    /// Per module: the paths its `use`s name (leading `::` as `""`), and the name each brings in.
    imports: Vec<Vec<(Vec<String>, String)>>,
    /// The names that generic parameters and local items take, innermost last.
    scopes: Vec<Vec<String>>,
}

impl ShortPaths {
    fn new(prelude: crate::ir::names::Prelude, module: Option<&str>) -> Self {
        ShortPaths {
            prelude: std::sync::Arc::new(prelude),
            modules: module.map(str::to_owned).into_iter().collect(),
            imports: vec![Vec::new()],
            scopes: Vec::new(),
        }
    }

    fn shadowed(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.iter().any(|taken| taken == name || taken == "*"))
    }

    /// Visits `inner` with `names` taken.
    fn scoped<T>(&mut self, names: Vec<String>, inner: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(names);
        let out = inner(self);
        self.scopes.pop();
        out
    }

    fn generic_names(generics: &syn::Generics) -> Vec<String> {
        generics
            .params
            .iter()
            .filter_map(|param| match param {
                syn::GenericParam::Type(param) => Some(param.ident.to_string()),
                syn::GenericParam::Const(param) => Some(param.ident.to_string()),
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect()
    }
}

impl syn::visit_mut::VisitMut for ShortPaths {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        syn::visit_mut::visit_path_mut(self, path);
        // Only a path from the root or through `super::<module>` can be shorter (most are one name).
        if path.leading_colon.is_none() && path.segments.len() < 3 {
            return;
        }
        let names: Vec<String> = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
        // A shortened path keeps the arguments of its first remaining segment only:
        // segments up to the first with arguments (`Result::<_, E>` in `…::Result::<_, E>::Ok`) may go.
        let droppable = path.segments.iter().position(|segment| !segment.arguments.is_none()).map_or(names.len(), |at| at + 1);
        let names = &names[..droppable];
        let written: Vec<&str> = path.leading_colon.map(|_| "").into_iter().chain(names.iter().map(String::as_str)).collect();
        let imported = self.imports.last().and_then(|imports| {
            imports
                .iter()
                .filter(|(used, name)| {
                    written.len() >= used.len() && used.iter().zip(&written).all(|(a, b)| a == b) && !self.shadowed(name)
                })
                .max_by_key(|(used, _)| used.len())
        });
        if let Some((used, name)) = imported {
            // `a::b::C<T>::D` after `use a::b::C;` is `C<T>::D`.
            let replaced = used.len() - usize::from(path.leading_colon.is_some());
            shorten_to(path, replaced, ident(name));
        } else if path.leading_colon.is_some() {
            if let Some((short, replaced)) = self.prelude.shorten(names) {
                if !self.shadowed(short) {
                    shorten_to(path, replaced, ident(short));
                }
            }
        } else if let (Some(module), [first, second, name, ..]) = (self.modules.last(), names) {
            if first == "super" && second == module && !self.shadowed(name) {
                path.segments = std::mem::take(&mut path.segments).into_pairs().skip(2).collect();
            }
        }
    }

    /// In `<T as Trait>::item` the trait's path is the first `position` segments.
    fn visit_type_path_mut(&mut self, ty: &mut syn::TypePath) {
        let before = ty.path.segments.len();
        syn::visit_mut::visit_type_path_mut(self, ty);
        if let Some(qself) = &mut ty.qself {
            qself.position = qself.position.saturating_sub(before - ty.path.segments.len());
        }
    }

    fn visit_expr_path_mut(&mut self, expr: &mut syn::ExprPath) {
        let before = expr.path.segments.len();
        syn::visit_mut::visit_expr_path_mut(self, expr);
        if let Some(qself) = &mut expr.qself {
            qself.position = qself.position.saturating_sub(before - expr.path.segments.len());
        }
    }

    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        self.modules.push(item.ident.to_string());
        self.imports.push(Vec::new());
        syn::visit_mut::visit_item_mod_mut(self, item);
        self.imports.pop();
        self.modules.pop();
    }

    /// A module's `use` of one item by its own name (`use ::a::B;`, `use ::a::{B, C};`)
    /// lets the module's paths name it so; renames and globs are left alone.
    fn visit_item_use_mut(&mut self, item: &mut syn::ItemUse) {
        fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
            match tree {
                syn::UseTree::Path(path) => {
                    prefix.push(path.ident.to_string());
                    walk(&path.tree, prefix, out);
                    prefix.pop();
                }
                // `use ::krate;` is left alone: `::krate::…` says which crate the code uses.
                syn::UseTree::Name(name) if name.ident != "self" && prefix.iter().any(|segment| !segment.is_empty()) => {
                    let mut used = prefix.clone();
                    used.push(name.ident.to_string());
                    out.push((used, name.ident.to_string()));
                }
                syn::UseTree::Group(group) => group.items.iter().for_each(|tree| walk(tree, prefix, out)),
                syn::UseTree::Name(_) | syn::UseTree::Rename(_) | syn::UseTree::Glob(_) => {}
            }
        }
        // Only the module's own `use`s: one in a block is that block's, and a scope takes its names.
        if self.scopes.is_empty() {
            let mut prefix: Vec<String> = item.leading_colon.map(|_| String::new()).into_iter().collect();
            if let Some(imports) = self.imports.last_mut() {
                walk(&item.tree, &mut prefix, imports);
            }
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        self.scoped(Self::generic_names(&item.generics), |paths| syn::visit_mut::visit_item_impl_mut(paths, item))
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        self.scoped(Self::generic_names(&item.sig.generics), |paths| syn::visit_mut::visit_item_fn_mut(paths, item))
    }

    fn visit_impl_item_fn_mut(&mut self, item: &mut syn::ImplItemFn) {
        self.scoped(Self::generic_names(&item.sig.generics), |paths| syn::visit_mut::visit_impl_item_fn_mut(paths, item))
    }

    fn visit_trait_item_fn_mut(&mut self, item: &mut syn::TraitItemFn) {
        self.scoped(Self::generic_names(&item.sig.generics), |paths| syn::visit_mut::visit_trait_item_fn_mut(paths, item))
    }

    fn visit_item_trait_mut(&mut self, item: &mut syn::ItemTrait) {
        self.scoped(Self::generic_names(&item.generics), |paths| syn::visit_mut::visit_item_trait_mut(paths, item))
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.scoped(Self::generic_names(&item.generics), |paths| syn::visit_mut::visit_item_struct_mut(paths, item))
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.scoped(Self::generic_names(&item.generics), |paths| syn::visit_mut::visit_item_enum_mut(paths, item))
    }

    fn visit_item_type_mut(&mut self, item: &mut syn::ItemType) {
        self.scoped(Self::generic_names(&item.generics), |paths| syn::visit_mut::visit_item_type_mut(paths, item))
    }

    /// Items declared in a block (`struct Visitor;` in a function) take their names in all of it.
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let names = block
            .stmts
            .iter()
            .flat_map(|stmt| match stmt {
                syn::Stmt::Item(item) => item_names(item),
                _ => Vec::new(),
            })
            .collect();
        self.scoped(names, |paths| syn::visit_mut::visit_block_mut(paths, block))
    }
}

/// The name an item declares, if it declares one.
fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(item) => &item.ident,
        syn::Item::Enum(item) => &item.ident,
        syn::Item::Fn(item) => &item.sig.ident,
        syn::Item::Mod(item) => &item.ident,
        syn::Item::Static(item) => &item.ident,
        syn::Item::Struct(item) => &item.ident,
        syn::Item::Trait(item) => &item.ident,
        syn::Item::Type(item) => &item.ident,
        syn::Item::Union(item) => &item.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The names a block's items take: what they declare, and what its `use`s
/// bring in (`*` for a glob, which may bring in any name).
fn item_names(item: &syn::Item) -> Vec<String> {
    fn walk(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) => walk(&path.tree, out),
            syn::UseTree::Name(name) => out.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) => out.push(rename.rename.to_string()),
            syn::UseTree::Glob(_) => out.push("*".to_owned()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|tree| walk(tree, out)),
        }
    }
    match item {
        syn::Item::Use(item) => {
            let mut out = Vec::new();
            walk(&item.tree, &mut out);
            out
        }
        item => item_name(item).into_iter().collect(),
    }
}

/// Finds the crates a file names in paths (`::serde::Serialize`,
/// `::clawgen_runtime::serde_json::Value`), in `use`, and in the tokens syn
/// does not parse (macro arguments, attribute lists such as `derive`).
struct CrateNames<'a> {
    crates: &'a [&'a str],
    named: Vec<bool>,
}

impl CrateNames<'_> {
    fn note(&mut self, ident: &proc_macro2::Ident) {
        if let Some(index) = self.crates.iter().position(|krate| ident == krate) {
            self.named[index] = true;
        }
    }

    /// `:: krate ::` in tokens.
    fn scan(&mut self, tokens: &TokenStream) {
        use proc_macro2::TokenTree;
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let colon = |tree: &TokenTree| matches!(tree, TokenTree::Punct(p) if p.as_char() == ':');
        for window in trees.windows(5) {
            if let [a, b, TokenTree::Ident(krate), c, d] = window {
                if colon(a) && colon(b) && colon(c) && colon(d) {
                    self.note(krate);
                }
            }
        }
        for tree in &trees {
            if let TokenTree::Group(group) = tree {
                self.scan(&group.stream());
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for CrateNames<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let last = path.segments.len().saturating_sub(1);
        for (index, segment) in path.segments.iter().enumerate().take(last) {
            if index > 0 || path.leading_colon.is_some() {
                self.note(&segment.ident);
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        fn walk(names: &mut CrateNames<'_>, tree: &syn::UseTree, after_separator: bool) {
            match tree {
                syn::UseTree::Path(path) => {
                    if after_separator {
                        names.note(&path.ident);
                    }
                    walk(names, &path.tree, true);
                }
                syn::UseTree::Group(group) => group.items.iter().for_each(|tree| walk(names, tree, after_separator)),
                syn::UseTree::Name(_) | syn::UseTree::Rename(_) | syn::UseTree::Glob(_) => {}
            }
        }
        walk(self, &item.tree, item.leading_colon.is_some());
        syn::visit::visit_item_use(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.scan(&mac.tokens);
        syn::visit::visit_macro(self, mac);
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        self.scan(&list.tokens);
        syn::visit::visit_meta_list(self, list);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if let syn::Expr::Verbatim(tokens) = expr {
            self.scan(tokens);
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_type(&mut self, ty: &'ast syn::Type) {
        if let syn::Type::Verbatim(tokens) = ty {
            self.scan(tokens);
        }
        syn::visit::visit_type(self, ty);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let syn::Item::Verbatim(tokens) = item {
            self.scan(tokens);
        }
        syn::visit::visit_item(self, item);
    }
}

/// Every `#[doc = "…"]` (and `#![doc]`) in `tokens` with its text made safe
/// for a comment. This is the one place all document text bound for docs
/// passes: prettyplease prints doc attributes as `///` comments, where rustc
/// refuses a bare carriage return and the bidirectional controls
/// (`text_direction_codepoint_in_comment`). String literals need nothing:
/// `quote!` escapes them, and identifiers are ASCII (`ir::names`).
fn safe_docs(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let stream = match inner.as_slice() {
                    [TokenTree::Ident(name), TokenTree::Punct(eq), TokenTree::Literal(text)]
                        if name == "doc" && eq.as_char() == '=' && group.delimiter() == proc_macro2::Delimiter::Bracket =>
                    {
                        let literal = syn::parse2::<syn::LitStr>(TokenTree::Literal(text.clone()).into());
                        let value = literal.map(|lit| lit.value());
                        match value.as_deref().map(safe_comment_text) {
                            Ok(std::borrow::Cow::Owned(safe)) => {
                                let mut safe = proc_macro2::Literal::string(&safe);
                                safe.set_span(text.span());
                                quote!(#name #eq #safe)
                            }
                            _ => group.stream(),
                        }
                    }
                    _ => safe_docs(group.stream()),
                };
                let mut rebuilt = Group::new(group.delimiter(), stream);
                rebuilt.set_span(group.span());
                TokenTree::Group(rebuilt)
            }
            other => other,
        })
        .collect()
}

/// Text that a `//` comment can hold: a carriage return becomes a space, and
/// bidirectional and other control characters are written as `\u{…}`, visible
/// to readers instead of reordering the text around them.
pub(crate) fn safe_comment_text(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
            || (c.is_control() && c != '\n' && c != '\t')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push(' '),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:04X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod safety_tests {
    use super::*;

    #[test]
    fn comments_lose_carriage_returns_and_show_bidi_controls() {
        assert_eq!(safe_comment_text("plain"), "plain");
        assert_eq!(safe_comment_text("a\r\nb\rc"), "a\nb c");
        assert_eq!(safe_comment_text("x\u{202E}y\u{0}"), "x\\u{202E}y\\u{0000}");
    }

    #[test]
    fn doc_attributes_are_rewritten_wherever_they_are() {
        let text = "evil\u{202E}\r title";
        let tokens = quote! { #![doc = #text] mod m { #[doc = #text] pub struct S; } };
        let file: syn::File = syn::parse2(safe_docs(tokens)).unwrap();
        let printed = prettyplease::unparse(&file);
        assert!(!printed.contains('\u{202E}') && !printed.contains('\r'), "{printed}");
        assert_eq!(printed.matches("evil\\u{202E}  title").count(), 2, "{printed}");
    }

    #[test]
    fn printed_files_have_safe_docs_and_know_the_crates_they_name() {
        let text = "evil\u{202E}\r title";
        let tokens = quote! {
            #![doc = #text]
            use ::base64::Engine as _;
            #[derive(::serde::Serialize)]
            pub struct S {
                #[doc = #text]
                a: ::clawgen_runtime::serde_json::Value,
            }
            fn f() { m!(::tokio::spawn(x)); ::std::mem::drop(::regex::Regex::new); }
        };
        let crates = ["serde", "serde_json", "base64", "tokio", "regex", "chrono", "std"];
        let (printed, named) = print(std::iter::once(Part::Items(tokens)), &crates, &ShortPaths::new(Default::default(), None)).unwrap();
        assert!(!printed.contains('\u{202E}') && !printed.contains('\r'), "{printed}");
        assert_eq!(printed.matches("evil\\u{202E}  title").count(), 2, "{printed}");
        assert_eq!(named, [true, true, true, true, true, false, true]);
        let (_, named) = print(
            std::iter::once(Part::Items(quote!(
                fn f() -> serde::X {
                    crate::chrono::x()
                }
            ))),
            &crates,
            &ShortPaths::new(Default::default(), None),
        )
        .unwrap();
        assert_eq!(named, [false, false, false, false, false, true, false]);
    }

    #[test]
    fn paths_are_short_where_they_name_the_same_item() {
        let tokens = quote! {
            pub struct Pet { a: ::std::option::Option<super::types::Tag>, b: ::std::vec::Vec<::std::string::String> }
            impl<S: Clone> X for Pet {
                fn f<D>(d: super::types::D) -> ::std::result::Result<super::types::S, ::std::fmt::Error> {
                    struct Tag;
                    let _ = (super::types::Tag, ::std::option::Option::Some(1), ::std::string::String::from("x"));
                    let _ = ::std::result::Result::<_, ::std::string::String>::Ok(1);
                    ::std::result::Result::Ok(<Pet as ::std::convert::From<u8>>::from(1))
                }
            }
            mod inner { type T = super::types::Tag; }
            pub use ::runtime::{ErrorBody, errors::Domain as D2};
            type E = (::runtime::ErrorBody<u8>, ::runtime::errors::Domain, ::runtime::ErrorBody::Decoded);
            const C: () = { let _ = ::runtime::ErrorBody::<u8>::Decoded(1); };
        };
        let paths = ShortPaths::new(crate::ir::names::Prelude::new(["Vec", "Pet"]), Some("types"));
        let (printed, _) = print(std::iter::once(Part::Items(tokens)), &[], &paths).unwrap();
        let expected = quote! {
            pub struct Pet { a: Option<Tag>, b: ::std::vec::Vec<String> }
            impl<S: Clone> X for Pet {
                fn f<D>(d: super::types::D) -> Result<super::types::S, ::std::fmt::Error> {
                    struct Tag;
                    let _ = (super::types::Tag, Some(1), String::from("x"));
                    // The arguments of a segment stay: its path is shortened up to it.
                    let _ = Result::<_, String>::Ok(1);
                    Ok(<Pet as From<u8>>::from(1))
                }
            }
            mod inner { type T = super::types::Tag; }
            pub use ::runtime::{ErrorBody, errors::Domain as D2};
            type E = (ErrorBody<u8>, ::runtime::errors::Domain, ErrorBody::Decoded);
            const C: () = { let _ = ErrorBody::<u8>::Decoded(1); };
        };
        assert_eq!(printed, prettyplease::unparse(&syn::parse2(expected).unwrap()));
    }

    #[test]
    fn files_print_the_same_in_runs_of_items() {
        let items = (0..300).map(|i| {
            let name = format_ident!("S{i}");
            quote! {
                #[doc = "An item."]
                pub struct #name { a: [u8; 2] }
                pub const X: #name = #name { a: [0; 2] };
                const _: () = if true { () } else { () };
                impl<const N: usize> Tr<{ N }> for #name where [(); { N }]: Sized { fn f() {} }
                pub(crate) const fn g() -> u8 { 1 }
                extern crate alloc;
                m! { x }
                m!(y);
                struct T(u8);
                use ::serde::Serialize as _;
            }
        });
        let tokens = quote!(#![doc = "File."] #![allow(dead_code)] #(#items)*);
        let file: syn::File = syn::parse2(tokens.clone()).unwrap();
        let (printed, named) =
            print(std::iter::once(Part::Items(tokens.clone())), &["serde"], &ShortPaths::new(Default::default(), None)).unwrap();
        assert_eq!(printed, prettyplease::unparse(&file));
        assert_eq!(named, [true]);
        // The same tokens in parts of any size, cut between items, print the same.
        let trees: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut parts = Vec::new();
        let mut runs = ItemRuns::new(trees.into_iter());
        while let Some(item) = runs.item() {
            parts.push(TokenStream::from_iter(item));
        }
        for size in [1, 7, 200] {
            let chunks = parts.chunks(size).map(|chunk| Part::Items(chunk.iter().cloned().collect::<TokenStream>()));
            assert_eq!(print(chunks, &["serde"], &ShortPaths::new(Default::default(), None)).unwrap().0, printed, "parts of {size} items");
        }
        let broken = quote!(fn f() {}, fn);
        assert!(print(std::iter::once(Part::Items(broken)), &[], &ShortPaths::new(Default::default(), None)).is_err());
    }

    #[test]
    fn impl_blocks_print_the_same_in_runs_of_items() {
        let methods: Vec<TokenStream> = (0..300)
            .map(|i| {
                let name = format_ident!("m{i}");
                quote! {
                    #[doc = "A method."]
                    pub fn #name(&self, a: u8) -> ::std::option::Option<u8> { if a > 1 { ::std::option::Option::Some(a) } else { None } }
                }
            })
            .collect();
        let header = quote!(impl Client);
        let paths = ShortPaths::new(crate::ir::names::Prelude::new(["Vec"]), Some("client"));
        for count in [1, 127, 128, 129, 300] {
            let methods = &methods[..count];
            let whole = quote!(pub struct Client; #header { #(#methods)* } pub struct After;);
            let (expected, _) = print(std::iter::once(Part::Items(whole)), &[], &paths).unwrap();
            let parts = vec![
                Part::Items(quote!(
                    pub struct Client;
                )),
                Part::Impl { header: header.clone(), items: Box::new(methods.iter().cloned()) },
                Part::Items(quote!(
                    pub struct After;
                )),
            ];
            assert_eq!(print(parts.into_iter(), &[], &paths).unwrap().0, expected, "{count} methods");
        }
    }
}
