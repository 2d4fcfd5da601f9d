//! The `types` module: one Rust type per schema, plus operations' query structs.

use proc_macro2::TokenStream;
use quote::quote;

use super::literal::literal;
use super::rust::{default_fn, doc, field_type, ident, type_path};
use crate::error::{Error, Result};
use crate::ir::{Api, Field, StringEnum, Struct, TypeDef, TypeKind, TypeRef, Union};

/// The contents of the `types` module.
pub(super) fn module(api: &Api) -> Result<TokenStream> {
    let mut items = Vec::new();
    for (index, def) in api.types.iter().enumerate() {
        let id = crate::ir::TypeId(index);
        items.push(match &def.kind {
            TypeKind::Struct(st) => structure(api, def, st)?,
            TypeKind::Enum(e) => string_enum(def, e),
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
        });
    }
    Ok(quote! {
        //! Data types of the API, one per schema of the document.
        #(#items)*
    })
}

fn structure(api: &Api, def: &TypeDef, st: &Struct) -> Result<TokenStream> {
    let name = ident(&def.name);
    let docs = type_doc(def);
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    for field in &st.fields {
        let field_ident = ident(&field.name);
        let ty = field_type(api, field);
        let docs = match field.doc.as_deref().filter(|text| !text.trim().is_empty()) {
            Some(text) => doc(Some(text)),
            None => doc(Some(&format!("The `{}` property.", field.wire_name))),
        };
        let wire = &field.wire_name;
        let rename = (field.name != *wire).then(|| quote!(#[serde(rename = #wire)]));
        let presence = if let (false, Some(value), false) = (field.required, &field.default, field.nullable) {
            let f = default_fn(&def.name, field);
            let path = f.to_string();
            let base = type_path(api, &field.ty);
            let base = if field.boxed { quote!(::std::boxed::Box<#base>) } else { base };
            let value = literal(api, &field.ty, value, &[]).map_err(|why| invalid_default(api, def, field, &why))?;
            let value = if field.boxed { quote!(::std::boxed::Box::new(#value)) } else { value };
            let doc_text = format!("The default of `{}.{}`.", def.name, field.wire_name);
            let doc_text_attr = super::rust::doc(Some(&doc_text));
            defaults.push(quote! {
                #doc_text_attr
                pub fn #f() -> #base { #value }
            });
            quote!(#[serde(default = #path)])
        } else if !field.required {
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
        } else if field.nullable {
            quote!(#[serde(default)])
        } else {
            TokenStream::new()
        };
        fields.push(quote! { #docs #rename #presence pub #field_ident: #ty, });
    }
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
            if field.default.is_some() && !field.nullable {
                let f = default_fn(&def.name, field);
                quote!(#field_ident: #f(),)
            } else {
                quote!(#field_ident: ::std::option::Option::None,)
            }
        });
        let additional = st.additional.is_some().then(|| quote!(additional_properties: ::std::default::Default::default(),));
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self { #(#values)* #additional }
                }
            }
        }
    });
    let validate = st.validates.then(|| validation(api, def, st));
    Ok(quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name { #(#fields)* }
        #(#defaults)*
        #manual_default
        #validate
    })
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
        location: crate::error::Location {
            file: api.spec_file.clone().into(),
            pointer: format!("{}/properties/{}/default", def.pointer, crate::load::escape_segment(&field.wire_name)),
            line_col: None,
        },
        message: format!("the default does not fit the schema: {why}"),
    }
}

/// `impl Validate`: the checks of every constrained field, and of nested structs.
fn validation(api: &Api, def: &TypeDef, st: &Struct) -> TokenStream {
    let name = ident(&def.name);
    let checks: Vec<TokenStream> = st.fields.iter().filter_map(|field| field_check(api, field)).collect();
    quote! {
        impl super::validation::Validate for #name {
            fn validate(&self) -> ::std::result::Result<(), super::validation::ValidationError> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

/// The checks of one field, or `None` when it has none.
fn field_check(api: &Api, field: &Field) -> Option<TokenStream> {
    let path = &field.wire_name;
    let body = value_check(api, &field.ty, &field.constraints, path)?;
    let field_ident = ident(&field.name);
    let optional = !field.required || field.nullable;
    let optional = optional && !(!field.required && field.default.is_some() && !field.nullable);
    // A boxed field is checked through the box.
    let unbox = field.boxed.then(|| quote!(let value: &_ = &**value;));
    Some(if optional {
        quote! { if let ::std::option::Option::Some(value) = &self.#field_ident { #unbox #body } }
    } else {
        quote! { { let value = &self.#field_ident; #unbox #body } }
    })
}

/// A `Result`-valued expression checking `value: &T` (a body or a query):
/// `None` when `T` has nothing to check.
pub(super) fn whole_value_check(api: &Api, ty: &TypeRef) -> Option<TokenStream> {
    if let (TypeRef::Named(_), true) = (ty, crate::ir::type_validates(&api.types, ty)) {
        return Some(quote!(super::validation::Validate::validate(value)));
    }
    let check = nested_check(api, ty, "")?;
    Some(quote!((|| -> ::std::result::Result<(), super::validation::ValidationError> { #check Ok(()) })()))
}

/// Checks on `value: &T`.
pub(super) fn value_check(api: &Api, ty: &TypeRef, c: &crate::ir::Constraints, path: &str) -> Option<TokenStream> {
    let mut checks = Vec::new();
    let opt_f64 = |bound: Option<(f64, bool)>| match bound {
        Some((limit, exclusive)) => quote!(::std::option::Option::Some((#limit, #exclusive))),
        None => quote!(::std::option::Option::None),
    };
    let opt_usize = |bound: Option<usize>| match bound {
        Some(n) => quote!(::std::option::Option::Some(#n)),
        None => quote!(::std::option::Option::None),
    };
    let numeric = matches!(ty, TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64);
    if numeric && (c.minimum.is_some() || c.maximum.is_some()) {
        let (min, max) = (opt_f64(c.minimum), opt_f64(c.maximum));
        let as_f64 = match ty {
            TypeRef::F64 => quote!(*value),
            TypeRef::I32 | TypeRef::F32 => quote!(f64::from(*value)),
            _ => quote!(*value as f64),
        };
        checks.push(quote!(super::validation::number(#as_f64, #path, #min, #max)?;));
    }
    if matches!(ty, TypeRef::String) && (c.min_length.is_some() || c.max_length.is_some()) {
        let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
        checks.push(quote!(super::validation::length(value.chars().count(), #path, #min, #max, "characters")?;));
    }
    if let (TypeRef::String, Some(pattern)) = (ty, &c.pattern) {
        checks.push(quote! {
            {
                // Compiled once; clawgen checked at generation time that it compiles.
                static PATTERN: ::std::sync::LazyLock<::std::option::Option<::regex::Regex>> =
                    ::std::sync::LazyLock::new(|| ::regex::Regex::new(#pattern).ok());
                super::validation::pattern(value, #path, PATTERN.as_ref(), #pattern)?;
            }
        });
    }
    if matches!(ty, TypeRef::Array(_)) && (c.min_items.is_some() || c.max_items.is_some()) {
        let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
        checks.push(quote!(super::validation::length(value.len(), #path, #min, #max, "items")?;));
    }
    if let Some(nested) = nested_check(api, ty, path) {
        checks.push(nested);
    }
    (!checks.is_empty()).then(|| quote!(#(#checks)*))
}

/// Calls `validate` on nested structs, prefixing errors with where they are.
fn nested_check(api: &Api, ty: &TypeRef, path: &str) -> Option<TokenStream> {
    if !crate::ir::type_validates(&api.types, ty) {
        return None;
    }
    Some(match ty {
        TypeRef::Named(_) => quote!(super::validation::Validate::validate(value).map_err(|e| e.within(#path))?;),
        TypeRef::Nullable(inner) => {
            let inner = nested_check(api, inner, path)?;
            quote!(if let ::std::option::Option::Some(value) = value { #inner })
        }
        TypeRef::Array(inner) => {
            let inner = nested_check(api, inner, "")?;
            quote!(for (index, value) in value.iter().enumerate() { (|| -> ::std::result::Result<(), super::validation::ValidationError> { #inner Ok(()) })().map_err(|e| e.within(&index.to_string()).within(#path))?; })
        }
        TypeRef::Map(inner) => {
            let inner = nested_check(api, inner, "")?;
            quote!(for (key, value) in value { (|| -> ::std::result::Result<(), super::validation::ValidationError> { #inner Ok(()) })().map_err(|e| e.within(key).within(#path))?; })
        }
        _ => return None,
    })
}

fn string_enum(def: &TypeDef, e: &StringEnum) -> TokenStream {
    let name = ident(&def.name);
    let docs = type_doc(def);
    if e.variants.is_empty() {
        return quote! { #docs pub type #name = ::std::string::String; };
    }
    let variants: Vec<TokenStream> = e
        .variants
        .iter()
        .map(|v| {
            let variant = ident(&v.name);
            let value = &v.value;
            let docs = format!(" `{value}`");
            quote! { #[doc = #docs] #[serde(rename = #value)] #variant, }
        })
        .collect();
    let arms = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = &v.value;
        quote!(Self::#variant => #value,)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name { #(#variants)* }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &'static str {
                match self { #(#arms)* }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn union(api: &Api, def: &TypeDef, u: &Union) -> TokenStream {
    let name = ident(&def.name);
    let docs = type_doc(def);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_path(api, &v.ty);
        quote! { #[allow(missing_docs)] #variant(#ty), }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name { #(#variants)* }
    }
}
