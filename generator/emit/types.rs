//! The `types` module: one Rust type per schema, plus operations' query structs.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::literal::literal;
use super::rust::{default_fn, doc, field_type, ident, type_path};
use crate::error::{Error, Result};
use crate::ir::{Api, EnumValue, EnumVariant, Enumeration, Field, Presence, Struct, TypeDef, TypeKind, TypeRef, Union};

/// The contents of the `types` module.
pub(super) fn module(api: &Api) -> impl Iterator<Item = Result<TokenStream>> + '_ {
    // The gate of the structs so far that need `present`, which comes after them all.
    let present_gate = std::rc::Rc::new(std::cell::RefCell::new(None::<crate::ir::Gate>));
    let needs_present = present_gate.clone();
    let header = std::iter::once(Ok(quote! {
        //! Data types of the API, one per schema of the document.

        // Checks are written `validation::…`; unused where nothing has constraints.
        #[allow(unused_imports)]
        use super::validation;
        // What every document's types have in common, written once in the runtime.
        #[allow(unused_imports)]
        use ::clawgen_runtime::{setter, untagged_union, validate_fields, wire_enum, with_defaults};
    }));
    // `Option::is_none` as serde's attributes may name it: short unless a type takes the name.
    let is_none = if api.prelude().is_free("Option") { "Option::is_none" } else { "::std::option::Option::is_none" };
    let items = api.types.iter().enumerate().map(move |(index, def)| {
        let id = crate::ir::TypeId(index);
        let item = match &def.kind {
            TypeKind::Struct(st) => {
                let (item, uses_present) = structure(api, def, st, is_none)?;
                if uses_present {
                    let mut gate = present_gate.borrow_mut();
                    *gate = Some(crate::ir::Gate::union(gate.iter().chain([&def.gate])));
                }
                item
            }
            TypeKind::Enum(e) => enumeration(def, e),
            TypeKind::Alias(ty) => {
                let name = ident(&def.name);
                let docs = type_doc(def);
                let target = type_path(api, ty);
                if super::rust::recursive_alias(api, id) {
                    quote! {
                        #docs
                        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                        #[serde(transparent)]
                        pub struct #name(pub #target);
                    }
                } else {
                    quote! { #docs pub type #name = #target; }
                }
            }
            TypeKind::Union(u) => union(api, def, u),
        };
        Ok(super::gate::items(&def.gate, item))
    });
    // Asked for only once every type is made.
    let present = std::iter::from_fn(move || {
        needs_present.take().map(|gate| {
            let gate = super::gate::attr(&gate);
            Ok(quote! {
                #gate
                /// Reads a property that may be absent or `null`: absent stays `None`
                /// (the field's default), `null` becomes `Some(None)`.
                fn present<'de, D, T>(deserializer: D) -> ::std::result::Result<::std::option::Option<T>, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    T::deserialize(deserializer).map(::std::option::Option::Some)
                }
            })
        })
    });
    let choices = api.operations.iter().filter_map(|op| Some((op, op.body.as_ref()?))).filter_map(|(op, body)| {
        let item = body_choice(api, op, body)?;
        Some(Ok(super::gate::items(&op.gate, item)))
    });
    header.chain(items).chain(choices).chain(present)
}

/// The enum of the forms of `op`'s body, where it has several: each variant's
/// value travels in its form's media type.
fn body_choice(api: &Api, op: &crate::ir::Operation, body: &crate::ir::Body) -> Option<TokenStream> {
    let choice = body.choice.as_ref()?;
    let name = ident(&choice.name);
    let mut text = format!("The request body of `{}`, in one of its forms: the variant decides the media type it travels in.", op.id);
    if let Some(described) = &body.doc {
        text = format!("{described}\n\n{text}");
    }
    let docs = doc(Some(&text));
    let variants = body.forms().zip(&choice.variants).map(|(form, variant)| {
        let variant = ident(variant);
        let ty = type_path(api, &form.ty);
        let media: Vec<String> = form.accepted().map(|m| format!("`{}`", m.media_type)).collect();
        let text = match form.encoding {
            crate::ir::Encoding::Raw => format!(" Bytes read as {}, sent with the media type they carry.", media.join(" or ")),
            _ => format!(" Sent as {}.", media.join(", or where asked for, ")),
        };
        quote! { #[doc = #text] #variant(#ty), }
    });
    Some(quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* }
    })
}

/// The struct, and whether it needs the `present` helper. `is_none` is the
/// path serde's `skip_serializing_if` names.
fn structure(api: &Api, def: &TypeDef, st: &Struct, is_none: &str) -> Result<(TokenStream, bool)> {
    let name = ident(&def.name);
    let docs = type_doc(def);
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    let mut double_option = false;
    // A property the document does not describe gets no made-up doc.
    let mut undocumented = false;
    for field in &st.fields {
        let field_ident = ident(&field.name);
        let ty = field_type(api, field);
        let docs = field.doc.as_deref().filter(|text| !text.trim().is_empty()).map(|text| doc(Some(text)));
        undocumented |= docs.is_none();
        let wire = &field.wire_name;
        let rename = (field.name != *wire).then(|| quote!(rename = #wire,));
        let presence = match field.presence() {
            Presence::Defaulted => {
                let f = default_fn(&def.name, field);
                let path = f.to_string();
                let base = type_path(api, &field.ty);
                let base = if field.boxed { quote!(::std::boxed::Box<#base>) } else { base };
                let value = field.default.as_ref().unwrap_or(&serde_json::Value::Null);
                let value = literal(api, &field.ty, value, &[]).map_err(|why| invalid_default(api, def, field, &why))?;
                let value = if field.boxed { quote!(::std::boxed::Box::new(#value)) } else { value };
                let doc_text = format!("The default of `{}.{}`.", def.name, field.wire_name);
                let doc_text_attr = super::rust::doc(Some(&doc_text));
                defaults.push(quote! {
                    #doc_text_attr
                    pub fn #f() -> #base { #value }
                });
                quote!(default = #path)
            }
            Presence::Optional => quote!(default, skip_serializing_if = #is_none),
            Presence::OptionalNullable => {
                double_option = true;
                quote!(default, skip_serializing_if = #is_none, deserialize_with = "present")
            }
            Presence::RequiredNullable => quote!(default),
            Presence::Required => TokenStream::new(),
        };
        // One attribute, which prints on one line where it fits.
        let serde = (rename.is_some() || !presence.is_empty()).then(|| quote!(#[serde(#rename #presence)]));
        fields.push(quote! { #docs #serde pub #field_ident: #ty, });
    }
    let allow_undocumented = undocumented.then(|| quote!(#[allow(missing_docs)]));
    if let Some(additional) = &st.additional {
        let value = type_path(api, additional);
        fields.push(quote! {
            /// Properties the schema does not list.
            #[serde(flatten)]
            pub additional_properties: ::std::collections::BTreeMap<::std::string::String, #value>,
        });
    }
    let all_optional = st.fields.iter().all(|f| !f.required);
    let derive_default = (all_optional && st.fields.iter().all(|f| f.default.is_none())).then(|| quote!(Default,));
    // With defaults, `Default` must use them, as deserialising `{}` would.
    let manual_default = (all_optional && derive_default.is_none()).then(|| {
        let values = st.fields.iter().map(|field| {
            let field_ident = ident(&field.name);
            if field.presence() == Presence::Defaulted {
                let f = default_fn(&def.name, field);
                quote!(, #field_ident = #f())
            } else {
                quote!(, #field_ident)
            }
        });
        let additional = st.additional.is_some().then(|| quote!(, additional_properties));
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    ::clawgen_runtime::with_defaults!(Self {} #(#values)* #additional)
                }
            }
        }
    });
    let validate = st.validates.then(|| validation(api, def, st));
    let building = builder(api, def, st, all_optional);
    Ok((
        quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
            #[non_exhaustive]
            #allow_undocumented
            pub struct #name { #(#fields)* }
            #building
            #(#defaults)*
            #manual_default
            #validate
        },
        double_option,
    ))
}

/// Whether a field is an argument of the struct's constructor: it must be present.
pub(super) fn is_constructor_argument(field: &Field) -> bool {
    matches!(field.presence(), Presence::Required | Presence::RequiredNullable)
}

/// The name of the method that sets an optional field: the field's own, unless
/// that would shadow a function every struct has (`new`, `default`, `validate`).
pub(super) fn setter_name(st: &Struct, field: &Field) -> proc_macro2::Ident {
    const TAKEN: &[&str] = &["new", "default", "validate", "clone", "eq", "fmt", "serialize", "deserialize"];
    if !TAKEN.contains(&field.name.trim_end_matches('_')) {
        return ident(&field.name);
    }
    let mut name = format!("with_{}", field.name.trim_end_matches('_'));
    while st.fields.iter().any(|f| f.name == name) {
        name.push('_');
    }
    ident(&name)
}

/// Whether a constructor argument or setter of `field` takes text as `impl Into<String>`.
fn takes_text(field: &Field) -> bool {
    field.ty == TypeRef::String && !field.boxed && matches!(field.presence(), Presence::Required | Presence::Optional | Presence::Defaulted)
}

/// The type a constructor argument takes: text as `impl Into<String>`.
fn argument_type(ty: TokenStream, field: &Field, name: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    if takes_text(field) { (quote!(impl ::std::convert::Into<::std::string::String>), quote!(#name.into())) } else { (ty, quote!(#name)) }
}

/// The setter of an optional or defaulted field: a call of the runtime's
/// `setter!` where its modes name the type without generic arguments (which a
/// macro call's tokens would print spaced out), else the method itself.
fn setter(api: &Api, st: &Struct, field: &Field, presence: Presence) -> TokenStream {
    let name = ident(&field.name);
    let base = type_path(api, &field.ty);
    let base = if field.boxed { quote!(::std::boxed::Box<#base>) } else { base };
    // A macro call's tokens are printed as they are: a sibling type goes by its name.
    let within = |ty: &TypeRef| match ty {
        TypeRef::Named(id) => ident(&api.ty(*id).name).into_token_stream(),
        _ => type_path(api, ty),
    };
    let plain = |ty: &TypeRef| Some(within(ty)).filter(|path| !has_generics(path.clone()));
    let optional = presence == Presence::Optional;
    let mode = match (&field.ty, field.boxed) {
        _ if takes_text(field) && optional => Some(quote!(some_text)),
        _ if takes_text(field) => Some(quote!(set_text)),
        (TypeRef::Array(item), false) if optional => plain(item).map(|item| quote!(some_list(#item))),
        (TypeRef::Map(value), false) if optional => plain(value).map(|value| quote!(some_map(#value))),
        (ty, false) if optional => plain(ty).map(|ty| quote!(some(#ty))),
        (ty, false) if presence == Presence::Defaulted => plain(ty).map(|ty| quote!(set(#ty))),
        _ => None,
    };
    let setter = setter_name(st, field);
    let wire = &field.wire_name;
    if let Some(mode) = mode {
        let method = if setter == name { quote!(#name) } else { quote!(#setter(#name)) };
        // The property's name is the field's unless given.
        let wire = (name != wire).then(|| quote!(, #wire));
        return quote!(::clawgen_runtime::setter!(#method, #mode #wire););
    }
    let (ty, value) = match presence {
        Presence::OptionalNullable => (quote!(::std::option::Option<#base>), quote!(::std::option::Option::Some(value))),
        Presence::Optional => (base, quote!(::std::option::Option::Some(value))),
        _ => (base, quote!(value)),
    };
    let text = doc(Some(&format!("Sets `{wire}`.")));
    quote! {
        #text
        #[must_use]
        pub fn #setter(mut self, value: #ty) -> Self {
            self.#name = #value;
            self
        }
    }
}

/// Whether a type's tokens hold generic arguments.
fn has_generics(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '<',
        proc_macro2::TokenTree::Group(group) => has_generics(group.stream()),
        _ => false,
    })
}

/// The struct's constructor (its required fields, where it has any: every struct
/// is `#[non_exhaustive]`, so that a new optional property is not a breaking
/// change) and one setter per optional field, so that values are built as
/// `Type::new(a, b).c(x)` or `Type::default().c(x)`.
fn builder(api: &Api, def: &TypeDef, st: &Struct, all_optional: bool) -> TokenStream {
    let mut params = Vec::new();
    // The arguments the value takes as they are, and the other fields with
    // what sets them (`None` where nothing does: their default).
    let mut given = Vec::new();
    let mut others = Vec::new();
    let mut setters = Vec::new();
    for field in &st.fields {
        let name = ident(&field.name);
        match field.presence() {
            Presence::Required | Presence::RequiredNullable => {
                let (ty, value) = argument_type(field_type(api, field), field, &name);
                params.push(quote!(#name: #ty));
                if value.to_string() == field.name {
                    given.push(name);
                } else {
                    others.push(quote!(#name = #value));
                }
            }
            presence => {
                others.push(match presence {
                    Presence::Defaulted => {
                        let f = default_fn(&def.name, field);
                        quote!(#name = #f())
                    }
                    _ => quote!(#name),
                });
                setters.push(setter(api, st, field, presence));
            }
        }
    }
    let constructor = (!all_optional).then(|| {
        if st.additional.is_some() {
            others.push(quote!(additional_properties));
        }
        let many = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        // A literal of a field or two, each an argument as it is, fits on its line and reads best;
        // prettyplease gives a longer one, or a field set to an expression, a line per field.
        let literal = quote!(Self { #(#given),* });
        let short = others.is_empty() && given.len() <= 2 && literal.to_string().len() <= 60;
        let value = if short { literal } else { quote!(::clawgen_runtime::with_defaults!(Self { #(#given),* } #(, #others)*)) };
        quote! {
            /// A value with the required properties; set optional ones with the methods named after them.
            #many
            pub fn new(#(#params),*) -> Self {
                #value
            }
        }
    });
    if constructor.is_none() && setters.is_empty() {
        return TokenStream::new();
    }
    let name = ident(&def.name);
    quote! {
        impl #name {
            #constructor
            #(#setters)*
        }
    }
}

/// The type's documentation, or a line naming its schema so that `missing_docs` holds.
fn type_doc(def: &TypeDef) -> TokenStream {
    match def.doc.as_deref().filter(|text| !text.trim().is_empty()) {
        Some(text) => doc(Some(text)),
        None => match def.pointer.strip_prefix("/components/schemas/").filter(|rest| !rest.contains('/')) {
            Some(component) => doc(Some(&format!("The `{}` schema.", component.replace("~1", "/").replace("~0", "~")))),
            None => doc(Some(&format!("`{}`: a schema the document leaves unnamed.", def.name))),
        },
    }
}

fn invalid_default(api: &Api, def: &TypeDef, field: &Field, why: &str) -> Error {
    Error::Invalid {
        code: crate::diagnostic::Code::Invalid,
        location: crate::error::Location {
            file: api.spec_file.clone().into(),
            pointer: format!("{}/properties/{}/default", def.pointer, crate::load::escape_segment(&field.wire_name)),
            line_col: None,
        },
        message: format!("the default does not fit the schema: {why}"),
    }
}

/// `impl Validate`: the checks of every constrained field, and of nested
/// structs; the runtime's `validate_fields!` where each field's check is its
/// own `Validate`.
fn validation(api: &Api, def: &TypeDef, st: &Struct) -> TokenStream {
    let name = ident(&def.name);
    let checks: Vec<(&Field, FieldCheck)> = st.fields.iter().filter_map(|field| Some((field, field_check(api, field)?))).collect();
    // The additional properties are checked as the values of a map, each under its own key.
    let additional = st.additional.as_ref().and_then(|ty| {
        let map = TypeRef::Map(Box::new(ty.clone()));
        value_check(api, &map, &crate::ir::Constraints { values: st.additional_constraints.clone(), ..Default::default() }, "")
    });
    if additional.is_none() && checks.iter().all(|(_, check)| matches!(check, FieldCheck::Held)) {
        let fields = checks.iter().map(|(field, _)| {
            let field_ident = ident(&field.name);
            let wire = &field.wire_name;
            if field_ident == wire { quote!(#field_ident) } else { quote!(#field_ident = #wire) }
        });
        return quote!(validate_fields!(#name, #(#fields),*););
    }
    let mut checks: Vec<TokenStream> = checks.into_iter().map(|(field, check)| check.statements(field)).collect();
    // Each field's `value` shadows the last: a check is a few statements, not a block.
    checks.extend(additional.map(|check| quote!(let value = &self.additional_properties; #check)));
    quote! {
        impl super::validation::Validate for #name {
            fn validate(&self) -> ::std::result::Result<(), super::validation::ValidationError> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

/// The check of one field.
enum FieldCheck {
    /// The value's own `Validate` through lists, maps, options and boxes,
    /// which the runtime's impls for those take: one call.
    Held,
    Statements(TokenStream),
}

impl FieldCheck {
    fn statements(self, field: &Field) -> TokenStream {
        match self {
            FieldCheck::Held => {
                let (field_ident, path) = (ident(&field.name), &field.wire_name);
                quote!(super::validation::field(&self.#field_ident, #path)?;)
            }
            FieldCheck::Statements(statements) => statements,
        }
    }
}

/// The checks of one field, or `None` when it has none.
fn field_check(api: &Api, field: &Field) -> Option<FieldCheck> {
    let path = &field.wire_name;
    let body = value_check(api, &field.ty, &field.constraints, path)?;
    let field_ident = ident(&field.name);
    if held_checks(api, &field.ty) && nested_check(api, &field.ty, path).is_some_and(|nested| nested.to_string() == body.to_string()) {
        return Some(FieldCheck::Held);
    }
    // A boxed field is checked through the box.
    let unbox = field.boxed.then(|| quote!(let value: &_ = &**value;));
    Some(FieldCheck::Statements(match field.presence() {
        Presence::Required | Presence::Defaulted if unbox.is_none() => {
            checking(&body, quote!(&self.#field_ident)).unwrap_or_else(|| quote! { let value = &self.#field_ident; #body })
        }
        Presence::Required | Presence::Defaulted => quote! { let value = &self.#field_ident; #unbox #body },
        Presence::RequiredNullable | Presence::Optional => {
            quote! { if let ::std::option::Option::Some(value) = &self.#field_ident { #unbox #body } }
        }
        Presence::OptionalNullable => {
            quote! { if let ::std::option::Option::Some(::std::option::Option::Some(value)) = &self.#field_ident { #unbox #body } }
        }
    }))
}

/// A `Result`-valued expression checking `value: &T` (a body or a query):
/// `None` when `T` has nothing to check.
pub(super) fn whole_value_check(api: &Api, ty: &TypeRef) -> Option<TokenStream> {
    constrained_value_check(api, ty, &crate::ir::Constraints::default())
}

/// [`whole_value_check`], with the constraints the value's schema puts on it
/// where it is used (a body's): the type's own `Validate` runs once, within them.
pub(super) fn constrained_value_check(api: &Api, ty: &TypeRef, c: &crate::ir::Constraints) -> Option<TokenStream> {
    if only_validates(api, ty, c) {
        return Some(quote!(super::validation::Validate::validate(value)));
    }
    let check = value_check(api, ty, c, "")?;
    Some(quote!((|| -> ::std::result::Result<(), super::validation::ValidationError> { #check Ok(()) })()))
}

/// Whether the checks of a `ty` under `c` are its own `Validate` and nothing else
/// (an alias of a list or map has no `Validate`: its items are checked).
pub(super) fn only_validates(api: &Api, ty: &TypeRef, c: &crate::ir::Constraints) -> bool {
    matches!(api.unaliased(ty), TypeRef::Named(_)) && c.is_empty() && crate::ir::type_validates(&api.types, ty)
}

/// The call of a check that is one statement `call?;`, whose `Result` the
/// statement would pass on as it is. `None` for any other check.
fn sole_call(check: &TokenStream) -> Option<TokenStream> {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = check.clone().into_iter().collect();
    let punct = |tree: &TokenTree, c: char| matches!(tree, TokenTree::Punct(p) if p.as_char() == c);
    let [call @ .., question, semicolon] = trees.as_slice() else { return None };
    let single = punct(question, '?') && punct(semicolon, ';') && !call.iter().any(|tree| punct(tree, ';') || punct(tree, '?'));
    (single && !call.is_empty()).then(|| call.iter().cloned().collect())
}

/// `check` (statements on `value`, from [`value_check`]) applied to `value`
/// itself, where `check` takes `value` once, as an argument: `f(value, …)?;`
/// becomes `f(&self.id, …)?;`, without a binding. `None` for any other check.
pub(super) fn checking(check: &TokenStream, value: TokenStream) -> Option<TokenStream> {
    use proc_macro2::{Group, TokenTree};
    fn uses(tokens: &TokenStream) -> usize {
        tokens
            .clone()
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Ident(name) if name == "value" => 1,
                TokenTree::Group(group) => uses(&group.stream()),
                _ => 0,
            })
            .sum()
    }
    /// The tokens with the argument `value` replaced; `None` where `value` is not an argument.
    fn replace(tokens: &TokenStream, value: &TokenStream) -> Option<TokenStream> {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        for (index, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(name) if name == "value" => {
                    let before = index.checked_sub(1).and_then(|i| trees.get(i));
                    let after = trees.get(index + 1);
                    // Alone in its parentheses, or between commas.
                    let comma_or_edge = |tree: Option<&TokenTree>| match tree {
                        None => true,
                        Some(TokenTree::Punct(p)) => p.as_char() == ',',
                        Some(_) => false,
                    };
                    let argument = comma_or_edge(before) && comma_or_edge(after);
                    if !argument {
                        return None;
                    }
                    out.extend(value.clone());
                }
                TokenTree::Group(group) => {
                    let mut replaced = Group::new(group.delimiter(), replace(&group.stream(), value)?);
                    replaced.set_span(group.span());
                    out.push(TokenTree::Group(replaced));
                }
                other => out.push(other.clone()),
            }
        }
        Some(out.into_iter().collect())
    }
    (uses(check) == 1).then(|| replace(check, &value)).flatten()
}

/// Checks on `value: &T`.
pub(super) fn value_check(api: &Api, ty: &TypeRef, c: &crate::ir::Constraints, path: &str) -> Option<TokenStream> {
    // A property or parameter typed by an alias (`$ref` to `{type: string, pattern}`) is checked as what it names.
    let ty = api.unaliased(ty);
    // A value that may be null (a body, an item, a map's value) is held to the constraints when it is not.
    if let TypeRef::Nullable(inner) = ty {
        let inner = value_check(api, inner, c, path)?;
        return Some(quote!(if let ::std::option::Option::Some(value) = value.as_ref() { #inner }));
    }
    let mut checks = Vec::new();
    let opt_f64 = |bound: Option<(f64, bool)>| match bound {
        Some((limit, exclusive)) => quote!(::std::option::Option::Some((#limit, #exclusive))),
        None => quote!(::std::option::Option::None),
    };
    let opt_usize = |bound: Option<usize>| match bound {
        Some(n) => {
            let n = proc_macro2::Literal::usize_unsuffixed(n);
            quote!(::std::option::Option::Some(#n))
        }
        None => quote!(::std::option::Option::None),
    };
    let numeric = matches!(ty, TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64);
    let as_f64 = match ty {
        TypeRef::F64 => quote!(*value),
        TypeRef::I32 | TypeRef::U32 | TypeRef::F32 => quote!(f64::from(*value)),
        _ => quote!(*value as f64),
    };
    if numeric && (c.minimum.is_some() || c.maximum.is_some()) {
        let (min, max) = (opt_f64(c.minimum), opt_f64(c.maximum));
        checks.push(quote!(super::validation::number(#as_f64, #path, #min, #max)?;));
    }
    if let (true, Some(step)) = (numeric, c.multiple_of) {
        checks.push(quote!(super::validation::multiple_of(#as_f64, #path, #step)?;));
    }
    if matches!(ty, TypeRef::String) && (c.min_length.is_some() || c.max_length.is_some()) {
        let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
        checks.push(quote!(super::validation::chars(value, #path, #min, #max)?;));
    }
    if let (TypeRef::String, Some(pattern), true) = (ty, &c.pattern, c.backtracking_pattern) {
        checks.push(quote! {
            {
                static PATTERN: super::validation::BacktrackingPattern = super::validation::BacktrackingPattern::new(#pattern);
                PATTERN.check(value, #path)?;
            }
        });
    } else if let (TypeRef::String, Some(pattern)) = (ty, &c.pattern) {
        checks.push(quote! {
            {
                // Compiled once; clawgen checked at generation time that it compiles.
                static PATTERN: ::std::sync::LazyLock<::std::option::Option<::regex::Regex>> =
                    ::std::sync::LazyLock::new(|| ::regex::Regex::new(#pattern).ok());
                super::validation::pattern(value, #path, PATTERN.as_ref(), #pattern)?;
            }
        });
    }
    if let (TypeRef::String, Some(format)) = (ty, c.format) {
        let format = format.as_str();
        checks.push(quote!(super::validation::format(value, #path, #format)?;));
    }
    if let Some(listed) = listed_check(ty, c.listed.as_ref(), path) {
        checks.push(listed);
    }
    if matches!(ty, TypeRef::Array(_)) && c.unique_items {
        checks.push(quote!(super::validation::unique(value, #path)?;));
    }
    // Where each item or value is checked against its constraints, that check validates it too.
    let mut each_checked = false;
    if let (TypeRef::Array(item), Some(items)) = (ty, &c.items) {
        if let Some(item_check) = value_check(api, item, items, "") {
            each_checked = true;
            let item_check = per_value(item_check);
            checks.push(quote!(super::validation::items(value, #path, #item_check)?;));
        }
    }
    if matches!(ty, TypeRef::Array(_)) && (c.min_items.is_some() || c.max_items.is_some()) {
        let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
        checks.push(quote!(super::validation::length(value.len(), #path, #min, #max, "items")?;));
    }
    if matches!(ty, TypeRef::Map(_)) && (c.min_properties.is_some() || c.max_properties.is_some()) {
        let (min, max) = (opt_usize(c.min_properties), opt_usize(c.max_properties));
        checks.push(quote!(super::validation::length(value.len(), #path, #min, #max, "properties")?;));
    }
    if let (TypeRef::Map(_), Some(keys)) = (ty, &c.keys) {
        if let Some(key_check) = value_check(api, &TypeRef::String, keys, "") {
            let key_check = per_value(key_check);
            checks.push(quote!(super::validation::keys(value, #path, #key_check)?;));
        }
    }
    if let (TypeRef::Map(value_ty), Some(values)) = (ty, &c.values) {
        if let Some(value_check) = value_check(api, value_ty, values, "") {
            each_checked = true;
            let value_check = per_value(value_check);
            checks.push(quote!(super::validation::entries(value, #path, #value_check)?;));
        }
    }
    if let Some(nested) = nested_check(api, ty, path).filter(|_| !each_checked) {
        checks.push(nested);
    }
    (!checks.is_empty()).then(|| quote!(#(#checks)*))
}

/// The check that a number or boolean is one of the values its `enum` lists.
fn listed_check(ty: &TypeRef, listed: Option<&crate::ir::Listed>, path: &str) -> Option<TokenStream> {
    use crate::ir::Listed;
    let values = match (ty, listed?) {
        (TypeRef::Bool, Listed::Boolean(only)) => vec![quote!(#only)],
        (TypeRef::F64, Listed::Numbers(numbers)) => numbers.iter().map(|n| quote!(#n)).collect(),
        // The `f32` nearest each listed number, as serde reads the value into it.
        (TypeRef::F32, Listed::Numbers(numbers)) => numbers
            .iter()
            .map(|&n| {
                let n = proc_macro2::Literal::f32_suffixed(n as f32);
                quote!(#n)
            })
            .collect(),
        (TypeRef::String, Listed::Texts(texts)) => return Some(quote!(super::validation::listed_text(value, #path, &[#(#texts),*])?;)),
        _ => return None,
    };
    Some(quote!(super::validation::listed(*value, #path, &[#(#values),*])?;))
}

/// The check of each item or value, from `check`'s statements on `value`:
/// `Validate::validate` itself where that is all they do.
fn per_value(check: TokenStream) -> TokenStream {
    let validates = quote!(super::validation::Validate::validate(value)?;);
    if check.to_string() == validates.to_string() {
        return quote!(super::validation::Validate::validate);
    }
    match sole_call(&check) {
        Some(call) => quote!(|value| #call),
        None => quote!(|value| { #check Ok(()) }),
    }
}

/// Whether `ty`'s Rust type implements `Validate` where the types it holds do:
/// lists, maps and options of generated types (a recursive alias is a struct
/// of its own, without the impl).
fn held_checks(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Alias(inner) => !super::rust::recursive_alias(api, *id) && held_checks(api, inner),
            _ => true,
        },
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => held_checks(api, inner),
        _ => false,
    }
}

/// Calls `validate` on nested structs, prefixing errors with where they are.
fn nested_check(api: &Api, ty: &TypeRef, path: &str) -> Option<TokenStream> {
    if !crate::ir::type_validates(&api.types, ty) {
        return None;
    }
    // An alias of a list or map (`Tags = Vec<Tag>`) is checked as what it names.
    let ty = api.unaliased(ty);
    Some(match ty {
        TypeRef::Named(_) if path.is_empty() => quote!(super::validation::Validate::validate(value)?;),
        TypeRef::Named(_) => quote!(super::validation::Validate::validate(value).map_err(|e| e.within(#path))?;),
        TypeRef::Nullable(inner) => {
            let inner = nested_check(api, inner, path)?;
            // `as_ref`, not the binding itself, so that an `Option` field's own `if let` stays apart (clippy).
            quote!(if let ::std::option::Option::Some(value) = value.as_ref() { #inner })
        }
        TypeRef::Array(inner) => {
            let inner = nested_check(api, inner, "")?;
            let inner = per_value(inner);
            quote!(super::validation::items(value, #path, #inner)?;)
        }
        TypeRef::Map(inner) => {
            let inner = nested_check(api, inner, "")?;
            let inner = per_value(inner);
            quote!(super::validation::entries(value, #path, #inner)?;)
        }
        _ => return None,
    })
}

/// An enum of wire values: the declaration here, its impls by the runtime's
/// `wire_enum!` (the value, serde, `Display`, and the refusal of an unlisted
/// value where a server must refuse it).
fn enumeration(def: &TypeDef, e: &Enumeration) -> TokenStream {
    let name = ident(&def.name);
    let docs = type_doc(def);
    if e.variants.is_empty() {
        let base = if e.is_integer() { quote!(i64) } else { quote!(::std::string::String) };
        return quote! { #docs pub type #name = #base; };
    }
    let integer = e.is_integer();
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let docs = variant_doc(v);
        quote! { #docs #variant, }
    });
    let other = e.open.then(|| {
        let other_type = if integer { quote!(i64) } else { quote!(::std::string::String) };
        quote! { #[doc = " A value this version of the document does not list."] Other(#other_type), }
    });
    let listing = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = enum_literal(&v.value);
        quote!(#variant(#value))
    });
    let openness = if e.refuses_other() {
        quote!(refusing)
    } else if e.open {
        quote!(open)
    } else {
        quote!(closed)
    };
    let kind = if integer { quote!(integer) } else { quote!(text) };
    // An open text enum holds a `String`.
    let copy = (integer || !e.open).then(|| quote!(Copy,));
    quote! {
        #docs
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* #other }
        ::clawgen_runtime::wire_enum!(#openness #kind #name { #(#listing),* });
    }
}

fn enum_literal(value: &EnumValue) -> TokenStream {
    match value {
        EnumValue::Str(text) => quote!(#text),
        EnumValue::Int(number) => {
            let lit = proc_macro2::Literal::i64_unsuffixed(*number);
            quote!(#lit)
        }
    }
}

/// An enum variant's documentation: its wire value, then what it means.
fn variant_doc(v: &EnumVariant) -> TokenStream {
    let value = if v.value == EnumValue::Str(String::new()) { "The empty string.".to_owned() } else { format!("`{}`", v.value) };
    match v.doc.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => doc(Some(&format!("{value}: {text}"))),
        None => doc(Some(&value)),
    }
}

/// `impl Validate` for a union whose variants have checks: the checks of the
/// variant the value decoded into. `None` when no variant has any.
fn union_validation(api: &Api, def: &TypeDef, u: &Union) -> Option<TokenStream> {
    let checked: Vec<TokenStream> = u
        .variants
        .iter()
        .filter_map(|v| {
            let check = if v.constraints.is_empty() { nested_check(api, &v.ty, "")? } else { value_check(api, &v.ty, &v.constraints, "")? };
            let variant = ident(&v.name);
            // One call ended by `?` is the arm's value itself.
            Some(match sole_call(&check) {
                Some(call) => quote!(Self::#variant(value) => #call,),
                None => quote!(Self::#variant(value) => { #check Ok(()) }),
            })
        })
        .collect();
    if checked.is_empty() {
        return None;
    }
    let name = ident(&def.name);
    let rest = (checked.len() < u.variants.len()).then(|| quote!(_ => Ok(()),));
    Some(quote! {
        impl super::validation::Validate for #name {
            fn validate(&self) -> ::std::result::Result<(), super::validation::ValidationError> {
                match self {
                    #(#checked)*
                    #rest
                }
            }
        }
    })
}

fn union(api: &Api, def: &TypeDef, u: &Union) -> TokenStream {
    let validation = union_validation(api, def, u);
    let Some(tag) = &u.tag else {
        let union = untagged_union(api, def, u);
        return quote!(#union #validation);
    };
    let name = ident(&def.name);
    let docs = type_doc(def);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_path(api, &v.ty);
        let docs = format!(" `{tag}: {}`", v.tags.join("` or `"));
        quote! { #[doc = #docs] #variant(#ty), }
    });
    let encode = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let first = &v.tags[0];
        quote!(Self::#variant(inner) => (#first, ::serde_json::to_value(inner)),)
    });
    let decode = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let tags = &v.tags;
        quote!(#(#tags)|* => ::serde_json::from_value(value).map(Self::#variant),)
    });
    let all_tags: Vec<&String> = u.variants.iter().flat_map(|v| &v.tags).collect();
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* }

        // The tag stays in the object when decoding, so variants that declare
        // the property still see it; it is added when encoding if missing.
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                let (tag, value) = match self { #(#encode)* };
                let mut value = value.map_err(<S::Error as ::serde::ser::Error>::custom)?;
                if let ::serde_json::Value::Object(object) = &mut value {
                    object.entry(#tag).or_insert_with(|| ::serde_json::Value::from(tag));
                }
                ::serde::Serialize::serialize(&value, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = match value.get(#tag) {
                    Some(::serde_json::Value::String(tag)) => tag.clone(),
                    _ => return Err(<D::Error as ::serde::de::Error>::missing_field(#tag)),
                };
                match tag.as_str() {
                    #(#decode)*
                    other => return Err(<D::Error as ::serde::de::Error>::unknown_variant(other, &[#(#all_tags),*])),
                }
                .map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }

        #validation
    }
}

fn untagged_union(api: &Api, def: &TypeDef, u: &Union) -> TokenStream {
    let name = ident(&def.name);
    let docs = type_doc(def);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_path(api, &v.ty);
        quote! { #[allow(missing_docs)] #variant(#ty), }
    });
    let validates = u.variants.iter().any(|v| !v.constraints.is_empty() || crate::ir::type_validates(&api.types, &v.ty));
    if !validates {
        return quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            #[non_exhaustive]
            pub enum #name { #(#variants)* }
        };
    }
    // As serde's untagged decoding, in the same order, but a variant whose checks
    // the value breaks gives way to a later one it fits (`anyOf`, overlapping `oneOf`s).
    let names = u.variants.iter().map(|v| ident(&v.name));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* }

        untagged_union!(#name { #(#names),* });
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::{checking, sole_call};

    #[test]
    fn a_check_taking_value_once_as_an_argument_takes_the_value_itself() {
        let check = quote!(super::validation::chars(value, "id", None, Some(36))?;);
        let applied = checking(&check, quote!(&self.id)).map(|tokens| tokens.to_string());
        assert_eq!(applied.as_deref(), Some(quote!(super::validation::chars(&self.id, "id", None, Some(36))?;).to_string().as_str()));
        let nested = quote!(super::validation::Validate::validate(value).map_err(|e| e.within("x"))?;);
        assert!(checking(&nested, quote!(&self.x)).is_some());
    }

    #[test]
    fn other_checks_keep_their_binding() {
        let cases = [
            quote!(super::validation::number(*value as f64, "n", None, None)?;),
            quote!(if let Some(value) = value.as_ref() {
                check(value)?;
            }),
            quote!(super::validation::items(value, "x", |value| check(value))?;),
            quote!(check(value.len())?;),
        ];
        for check in cases {
            assert!(checking(&check, quote!(&self.x)).is_none(), "{check}");
        }
    }

    #[test]
    fn a_check_of_one_call_ended_by_a_question_mark_is_that_call() {
        let call = sole_call(&quote!(super::validation::Validate::validate(value)?;)).map(|tokens| tokens.to_string());
        assert_eq!(call, Some(quote!(super::validation::Validate::validate(value)).to_string()));
        let closure = quote!(super::validation::items(value, "x", |value| { check(value)?; Ok(()) })?;);
        assert!(sole_call(&closure).is_some());
        for check in [
            quote!(a(value)?; b(value)?;),
            quote!(if let Some(value) = value {
                a(value)?;
            }),
            quote!(a(value)?.b()?;),
            quote!(?;),
        ] {
            assert!(sole_call(&check).is_none(), "{check}");
        }
    }
}
