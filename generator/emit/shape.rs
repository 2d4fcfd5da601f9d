//! The `shape` module: what the server checks in a JSON body before serde
//! decodes it, where serde's derives are more lenient than the schema.
//!
//! A derived `Deserialize` accepts `null` for an optional property (both become
//! `None`), an array for a struct (read field by field), and refuses `2.0` for
//! an integer that JSON Schema counts as one. The server walks the JSON value
//! first: it refuses the first two and rewrites the third. Clients stay
//! lenient, since they read what servers send.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{ident, type_path};
use crate::ir::{Access, Api, Encoding, Struct, TypeKind, TypeRef, Union};

/// The types of the JSON (and XML, read as JSON values) request bodies the server reads.
fn json_bodies(api: &Api) -> impl Iterator<Item = &TypeRef> {
    let typed = |body: &&crate::ir::Body| body.accepts(Encoding::Json) || body.accepts(Encoding::Xml);
    api.request_forms().filter(typed).map(|body| &body.ty)
}

/// Whether the server has a JSON body with anything to check.
pub(super) fn needed(api: &Api) -> bool {
    json_bodies(api).any(|ty| value_check(api, ty).is_some())
}

/// The contents of the `shape` module: `impl Shape` for the types a request body may contain.
pub(super) fn module(api: &Api) -> TokenStream {
    let reachable = api.reachable(json_bodies(api));
    let gate = super::gate::attr(&crate::ir::Gate::union(reachable.iter().map(|id| &api.types[id.0].gate)));
    let impls = reachable.iter().map(|id| &api.types[id.0]).filter_map(|def| {
        let name = ident(&def.name);
        let (body, uses_path) = match &def.kind {
            TypeKind::Struct(st) => (struct_check(api, st), true),
            TypeKind::Union(union) => {
                let check = union_check(api, union)?;
                (check.tokens, check.uses_path)
            }
            TypeKind::Enum(_) | TypeKind::Alias(_) => return None,
        };
        let path = if uses_path { quote!(path) } else { quote!(_path) };
        let gate = super::gate::attr(&def.gate);
        Some(quote! {
            #gate
            impl shape::Shape for super::types::#name {
                fn check(value: &mut ::serde_json::Value, #path: &str) -> ::std::result::Result<(), ::std::string::String> {
                    #body
                }
            }
        })
    });
    quote! {
        //! Checks of JSON bodies that serde's derives do not make, one `Shape`
        //! impl per type a request body may contain (the walkers they call are
        //! in `clawgen_runtime::shape`).

        #gate
        use ::clawgen_runtime::shape;
        #gate
        #[allow(unused_imports)]
        use super::types;

        #(#impls)*
    }
}

/// Statements checking `value: &mut Value`, and whether they read `path`.
pub(super) struct Check {
    /// The statements; they may `return Err(…)` or use `?`.
    pub(super) tokens: TokenStream,
    /// Whether they name `path`, the value's JSON pointer.
    pub(super) uses_path: bool,
    /// `<T as Shape>::check`, where the statements are that call and nothing else.
    pub(super) function: Option<TokenStream>,
    /// A type whose `Shape::check` is this check, where there is one: a named
    /// type (`types::Pet`), or the runtime's `Items`, `Values` and `OrNull`
    /// around one, which the runtime's `field` functions take.
    shape_type: Option<TokenStream>,
}

impl Check {
    /// Whether the check is a named type's `Shape::check` (`shape::decode_shaped` calls it).
    pub(super) fn is_shape_trait(&self) -> bool {
        self.function.is_some()
    }

    /// The check as a function of `(value, path)`, for `shape::decode`.
    pub(super) fn function(self) -> TokenStream {
        if let Some(function) = self.function {
            return function;
        }
        if let Some(ty) = self.shape_type {
            return quote!(<#ty as shape::Shape>::check);
        }
        let path = if self.uses_path { quote!(path) } else { quote!(_path) };
        let tokens = self.tokens;
        quote!(|value, #path| {
            #tokens
            Ok(())
        })
    }
}

/// `let path = …;` for a child, only where the child's check reads it.
fn child_path(inner: &Check, path: TokenStream) -> TokenStream {
    if inner.uses_path { quote!(let path: &str = &#path;) } else { TokenStream::new() }
}

/// `impl Shape` for a struct: an object, no `null` in properties that do not
/// allow it, and every property's own shape.
fn struct_check(api: &Api, st: &Struct) -> TokenStream {
    let refuses_null = |field: &crate::ir::Field| !field.nullable && !admits_null(api, &field.ty);
    let (checked, unchecked): (Vec<_>, Vec<_>) =
        st.fields.iter().map(|field| (field, value_check(api, &field.ty))).partition(|(_, inner)| inner.is_some());
    // Properties whose only check is that they are not `null`: one call names them all.
    let only_not_null: Vec<&str> = unchecked.iter().filter(|(field, _)| refuses_null(field)).map(|(f, _)| f.wire_name.as_str()).collect();
    let not_null = (!only_not_null.is_empty()).then(|| quote!(shape::refuse_nulls(object, path, &[#(#only_not_null),*])?;));
    let fields = checked.into_iter().filter_map(|(field, inner)| {
        let wire = &field.wire_name;
        let refuse = refuses_null(field);
        let inner = inner?;
        let path = inner.uses_path.then(|| quote!(let path: &str = &format!("{path}/{}", #wire);));
        // Before `path` is rebound: the pointer is only built for the error.
        let refuse = refuse.then(|| quote!(shape::refuse_null(value, path, #wire)?;));
        // A property that may be `null` (its `Option` holds that) is checked only when it is not.
        let skip_null = field.nullable && !matches!(field.ty, TypeRef::Nullable(_));
        if let Some(ty) = &inner.shape_type {
            let field = match (refuse.is_some(), skip_null) {
                (true, _) => quote!(field),
                (false, true) => quote!(field_or_null),
                (false, false) => quote!(field_with_null),
            };
            return Some(quote!(shape::#field::<#ty>(object, path, #wire)?;));
        }
        let tokens = inner.tokens;
        let inner = if skip_null { quote!(if !value.is_null() { #tokens }) } else { tokens };
        Some(quote! {
            if let Some(value) = object.get_mut(#wire) {
                #refuse
                #path
                #inner
            }
        })
    });
    let mut fields: Vec<TokenStream> = not_null.into_iter().chain(fields).collect();
    // One Rust type serves requests and responses, so a required write-only property is an
    // `Option` there; a request must still carry it.
    fields.extend(st.fields.iter().filter(|f| f.schema_required && f.access == Access::WriteOnly).map(|f| {
        let wire = &f.wire_name;
        quote!(shape::require(object, path, #wire)?;)
    }));
    let additional = st.additional.as_ref().and_then(|ty| value_check(api, ty)).map(|inner| {
        let known = st.fields.iter().map(|f| f.wire_name.as_str());
        let path = child_path(&inner, quote!(format!("{path}/{key}")));
        let key = if inner.uses_path { quote!(key) } else { quote!(_key) };
        let tokens = inner.tokens;
        quote! {
            for (#key, value) in object.iter_mut().filter(|(key, _)| ![#(#known),*].contains(&key.as_str())) {
                #path
                #tokens
            }
        }
    });
    let count = match st.property_count {
        (None, None) => None,
        (min, max) => {
            let bound = |b: Option<usize>| match b {
                Some(n) => quote!(::std::option::Option::Some(#n)),
                None => quote!(::std::option::Option::None),
            };
            let (min, max) = (bound(min), bound(max));
            Some(quote!(shape::property_count(object.len(), path, #min, #max)?;))
        }
    };
    let used = !fields.is_empty() || additional.is_some() || count.is_some();
    let object = if used { quote!(object) } else { quote!(_object) };
    quote! {
        let #object = shape::object(value, path)?;
        #count
        #(#fields)*
        #additional
        Ok(())
    }
}

/// `impl Shape` for a union: the branch the tag names, or else the first branch
/// whose shape fits, as serde tries them in order. `None` when no branch has
/// anything to check.
fn union_check(api: &Api, union: &Union) -> Option<Check> {
    if let Some(tag) = &union.tag {
        let mut uses_path = false;
        let arms: Vec<TokenStream> = union
            .variants
            .iter()
            .filter(|variant| !variant.tags.is_empty())
            .filter_map(|variant| {
                let check = value_check(api, &variant.ty)?;
                uses_path |= check.uses_path;
                let tags = &variant.tags;
                let tokens = check.tokens;
                Some(quote!(Some(#(#tags)|*) => { #tokens }))
            })
            .collect();
        if arms.is_empty() {
            return None;
        }
        let tokens = quote! {
            match value.get(#tag).and_then(::serde_json::Value::as_str).map(str::to_owned).as_deref() {
                #(#arms)*
                _ => {}
            }
            Ok(())
        };
        return Some(Check { tokens, uses_path, function: None, shape_type: None });
    }
    let mut attempts = Vec::new();
    // Whether a branch with nothing to check follows, which fits anything serde will take for it.
    let mut open = false;
    for variant in &union.variants {
        match value_check(api, &variant.ty) {
            Some(check) => {
                let tokens = check.tokens;
                let ty = type_path(api, &variant.ty);
                let validates = crate::ir::type_validates(&api.types, &variant.ty);
                if check.function.is_some() {
                    let fits = if validates { quote!(fits_checked) } else { quote!(fits) };
                    attempts.push(quote!(shape::#fits::<#ty>));
                    continue;
                }
                // The branch the decoder will take, with its rewrites (`2.0` for an integer):
                // one whose shape passes but which does not decode, or breaks its checks, must
                // not stop the search.
                let decodes = if matches!(api.unaliased(&variant.ty), TypeRef::Named(_)) && validates {
                    quote! {
                        let decoded = <#ty as ::serde::Deserialize>::deserialize(&*value).map_err(|error| error.to_string())?;
                        super::validation::Validate::validate(&decoded).map_err(|error| error.to_string())
                    }
                } else {
                    quote!(shape::decodes::<#ty>(value))
                };
                let path = if check.uses_path { quote!(path) } else { quote!(_path) };
                attempts.push(quote! {
                    |value, #path| shape::attempt(value, |value| {
                        #tokens
                        #decodes
                    })
                });
            }
            None => {
                open = true;
                break;
            }
        }
    }
    if attempts.is_empty() {
        return None;
    }
    let tokens = quote!(shape::one_of(value, path, &[#(#attempts),*], #open));
    Some(Check { tokens, uses_path: true, function: None, shape_type: None })
}

/// Statements checking `value: &mut Value` (at `path`) as a `ty`, or `None`
/// when serde's own decoding is strict enough.
pub(super) fn value_check(api: &Api, ty: &TypeRef) -> Option<Check> {
    let (tokens, uses_path) = match ty {
        TypeRef::Named(id) => match &api.types[id.0].kind {
            TypeKind::Union(union) if union_check(api, union).is_none() => return None,
            TypeKind::Struct(_) | TypeKind::Union(_) => {
                let ty = type_path(api, ty);
                let function = quote!(<#ty as shape::Shape>::check);
                let tokens = quote!(#function(value, path)?;);
                let name = ident(&api.types[id.0].name);
                let shape_type = Some(quote!(types::#name));
                return Some(Check { tokens, uses_path: true, function: Some(function), shape_type });
            }
            TypeKind::Alias(inner) => return value_check(api, inner),
            // JSON Schema counts `2.0` as the integer 2, in an enum of integers too (Discord's option `type`).
            TypeKind::Enum(e) if e.is_integer() => return Some(integer()),
            TypeKind::Enum(_) => return None,
        },
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => return Some(integer()),
        TypeRef::Nullable(inner) => {
            let inner = value_check(api, inner)?;
            if let Some(ty) = inner.shape_type {
                return Some(around(quote!(OrNull), ty, inner.uses_path));
            }
            let tokens = inner.tokens;
            (quote!(if !value.is_null() { #tokens }), inner.uses_path)
        }
        TypeRef::Array(item) => {
            let inner = value_check(api, item)?;
            if let Some(ty) = inner.shape_type {
                return Some(around(quote!(Items), ty, inner.uses_path));
            }
            let tokens = inner.tokens;
            let check = if inner.uses_path {
                quote! {
                    if let ::serde_json::Value::Array(items) = value {
                        for (index, value) in items.iter_mut().enumerate() {
                            let path: &str = &format!("{path}/{index}");
                            #tokens
                        }
                    }
                }
            } else {
                quote!(if let ::serde_json::Value::Array(items) = value { for value in items.iter_mut() { #tokens } })
            };
            (check, inner.uses_path)
        }
        TypeRef::Map(entry) => {
            let inner = value_check(api, entry)?;
            if let Some(ty) = inner.shape_type {
                return Some(around(quote!(Values), ty, inner.uses_path));
            }
            let tokens = inner.tokens;
            let check = if inner.uses_path {
                quote! {
                    if let ::serde_json::Value::Object(entries) = value {
                        for (key, value) in entries.iter_mut() {
                            let path: &str = &format!("{path}/{key}");
                            #tokens
                        }
                    }
                }
            } else {
                quote!(if let ::serde_json::Value::Object(entries) = value { for value in entries.values_mut() { #tokens } })
            };
            (check, inner.uses_path)
        }
        TypeRef::Tuple(items) => {
            let mut uses_path = false;
            let checks: Vec<TokenStream> = items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    let inner = value_check(api, item)?;
                    uses_path |= inner.uses_path;
                    let path = child_path(&inner, quote!(format!("{path}/{}", #index)));
                    let tokens = inner.tokens;
                    Some(quote!(if let Some(value) = items.get_mut(#index) { #path #tokens }))
                })
                .collect();
            if checks.is_empty() {
                return None;
            }
            (quote!(if let ::serde_json::Value::Array(items) = value { #(#checks)* }), uses_path)
        }
        _ => return None,
    };
    Some(Check { tokens, uses_path, function: None, shape_type: None })
}

/// The check of an integer: `2.0` is rewritten as `2`, which JSON Schema counts as the integer.
fn integer() -> Check {
    Check { tokens: quote!(shape::integer(value);), uses_path: false, function: None, shape_type: Some(quote!(shape::Integer)) }
}

/// The check of an array's items (`Items`), a map's values (`Values`) or a
/// value that may be `null` (`OrNull`), each checked as the shape type `inner`.
fn around(wrapper: TokenStream, inner: TokenStream, uses_path: bool) -> Check {
    let ty = quote!(shape::#wrapper<#inner>);
    let path = if uses_path { quote!(path) } else { quote!("") };
    Check { tokens: quote!(<#ty as shape::Shape>::check(value, #path)?;), uses_path, function: None, shape_type: Some(ty) }
}

/// Whether JSON `null` is a value of `ty` itself (not through a field's `Option`).
fn admits_null(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Json | TypeRef::Nullable(_) | TypeRef::External(_) => true,
        TypeRef::Named(id) => match &api.types[id.0].kind {
            TypeKind::Alias(inner) => admits_null(api, inner),
            TypeKind::Union(union) => union.variants.iter().any(|v| admits_null(api, &v.ty)),
            TypeKind::Struct(_) | TypeKind::Enum(_) => false,
        },
        _ => false,
    }
}
