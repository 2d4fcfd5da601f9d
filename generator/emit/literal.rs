//! Rust expressions that build a typed value from a JSON value (examples and defaults).
//!
//! Building the value in Rust, rather than parsing JSON at run time, means an
//! example that contradicts its schema is caught when the crate compiles.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::rust::{ident, type_path};
use crate::ir::{Api, TypeKind, TypeRef};

/// Where a run-time value replaces the example's.
#[derive(Clone, Copy)]
pub(super) struct Slot<'a> {
    /// JSON names leading to the value.
    pub(super) path: &'a [String],
    /// The expression to put there.
    pub(super) expr: &'a TokenStream,
    /// What the expression is.
    pub(super) kind: SlotKind,
}

/// The type of a slot's expression.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotKind {
    /// A `String` (a message).
    Text,
    /// A `u64` count of seconds (a retry delay).
    Seconds,
}

/// The slot's expression converted to `ty`.
fn slot_value(ty: &TypeRef, slot: &Slot<'_>) -> Result<TokenStream, String> {
    let expr = slot.expr;
    Ok(match (slot.kind, ty) {
        (_, TypeRef::Nullable(inner)) => {
            let inner = slot_value(inner, slot)?;
            quote!(::std::option::Option::Some(#inner))
        }
        (SlotKind::Text, TypeRef::String) => expr.clone(),
        (SlotKind::Seconds, TypeRef::I64) => quote!(i64::try_from(#expr).unwrap_or(i64::MAX)),
        (SlotKind::Seconds, TypeRef::I32) => quote!(i32::try_from(#expr).unwrap_or(i32::MAX)),
        (SlotKind::Seconds, TypeRef::F64) => quote!(#expr as f64),
        (SlotKind::Seconds, TypeRef::F32) => quote!(#expr as f32),
        _ => return Err("the slot's value does not fit its property".into()),
    })
}

/// An expression of type `ty` equal to `value`, or why there is none.
pub(super) fn literal(api: &Api, ty: &TypeRef, value: &Value, slots: &[Slot<'_>]) -> Result<TokenStream, String> {
    if let Some(slot) = slots.iter().find(|s| s.path.is_empty()) {
        return slot_value(ty, slot);
    }
    Ok(match (ty, value) {
        (TypeRef::Nullable(_), Value::Null) => quote!(::std::option::Option::None),
        (TypeRef::Nullable(inner), value) => {
            let inner = literal(api, inner, value, slots)?;
            quote!(::std::option::Option::Some(#inner))
        }
        (TypeRef::Bool, Value::Bool(b)) => quote!(#b),
        (TypeRef::I32, Value::Number(n)) => {
            let n = n.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or("not an i32")?;
            let lit = Literal::i32_suffixed(n);
            quote!(#lit)
        }
        (TypeRef::I64, Value::Number(n)) => {
            let lit = Literal::i64_suffixed(n.as_i64().ok_or("not an i64")?);
            quote!(#lit)
        }
        (TypeRef::F32, Value::Number(n)) => {
            let lit = Literal::f32_suffixed(n.as_f64().ok_or("not a number")? as f32);
            quote!(#lit)
        }
        (TypeRef::F64, Value::Number(n)) => {
            let lit = Literal::f64_suffixed(n.as_f64().ok_or("not a number")?);
            quote!(#lit)
        }
        (TypeRef::String, Value::String(s)) => quote!(::std::string::String::from(#s)),
        (TypeRef::DateTime | TypeRef::Date, Value::String(s)) => {
            // Checked here so that the run-time parse below cannot fail.
            let valid = crate::ir::sample::fits(&api.types, ty, value);
            if !valid {
                return Err(format!("`{s}` is not an RFC 3339 {}", if matches!(ty, TypeRef::Date) { "date" } else { "date-time" }));
            }
            quote!(#s.parse().unwrap_or_default())
        }
        (TypeRef::Json, value) => {
            let text = value.to_string();
            quote!(::serde_json::from_str(#text).unwrap_or_default())
        }
        (TypeRef::Array(inner), Value::Array(items)) => {
            let items = items.iter().map(|item| literal(api, inner, item, &[])).collect::<Result<Vec<_>, _>>()?;
            quote!(::std::vec![#(#items),*])
        }
        (TypeRef::Map(inner), Value::Object(entries)) => {
            let keys = entries.keys();
            let values = entries.values().map(|v| literal(api, inner, v, &[])).collect::<Result<Vec<_>, _>>()?;
            quote!([#((::std::string::String::from(#keys), #values)),*].into_iter().collect())
        }
        (TypeRef::Named(id), value) => {
            let def = api.ty(*id);
            let name = ident(&def.name);
            match &def.kind {
                TypeKind::Alias(_) if super::rust::recursive_alias(api, *id) => return Err(format!("{} is recursive", def.name)),
                TypeKind::Alias(inner) => literal(api, inner, value, slots)?,
                TypeKind::Enum(e) => {
                    let text = value.as_str().ok_or("an enum value must be a string")?;
                    let variant =
                        e.variants.iter().find(|v| v.value == text).ok_or_else(|| format!("`{text}` is not a value of {}", def.name))?;
                    let variant = ident(&variant.name);
                    quote!(super::types::#name::#variant)
                }
                TypeKind::Union(u) => {
                    let (variant, inner) = u
                        .variants
                        .iter()
                        .find_map(|v| literal(api, &v.ty, value, slots).ok().map(|lit| (ident(&v.name), lit)))
                        .ok_or_else(|| format!("no variant of {} matches", def.name))?;
                    quote!(super::types::#name::#variant(#inner))
                }
                TypeKind::Struct(st) => {
                    let object = value.as_object().ok_or_else(|| format!("{} needs an object", def.name))?;
                    let mut fields = Vec::new();
                    for field in &st.fields {
                        let field_ident = ident(&field.name);
                        let nested: Vec<Slot<'_>> = slots
                            .iter()
                            .filter(|s| s.path.first() == Some(&field.wire_name))
                            .map(|s| Slot { path: &s.path[1..], ..*s })
                            .collect();
                        // A slot fills its property even where the example leaves it out.
                        let given = object.get(&field.wire_name).or((!nested.is_empty()).then_some(&Value::Null));
                        let value_expr = match given {
                            Some(v) => {
                                let lit = if field.nullable && (!v.is_null() || !nested.is_empty()) {
                                    literal(api, &TypeRef::Nullable(Box::new(field.ty.clone())), v, &nested)?
                                } else if field.nullable {
                                    quote!(::std::option::Option::None)
                                } else {
                                    boxed(field.boxed, literal(api, &field.ty, v, &nested)?)
                                };
                                if !field.required && !field.nullable && field.default.is_none() {
                                    quote!(::std::option::Option::Some(#lit))
                                } else {
                                    lit
                                }
                            }
                            None if !field.required && field.default.is_some() && !field.nullable => {
                                let f = super::rust::default_fn(&def.name, field);
                                quote!(super::types::#f())
                            }
                            None if !field.required || field.nullable => quote!(::std::option::Option::None),
                            None => return Err(format!("required property `{}` of {} is missing", field.wire_name, def.name)),
                        };
                        // `message: message` would trip clippy's redundant_field_names.
                        if value_expr.to_string() == field.name {
                            fields.push(quote!(#field_ident));
                        } else {
                            fields.push(quote!(#field_ident: #value_expr));
                        }
                    }
                    if st.additional.is_some() {
                        fields.push(quote!(additional_properties: ::std::default::Default::default()));
                    }
                    quote!(super::types::#name { #(#fields),* })
                }
            }
        }
        (ty, value) => return Err(format!("{value} does not fit {}", type_path(api, ty))),
    })
}

fn boxed(boxed: bool, tokens: TokenStream) -> TokenStream {
    if boxed { quote!(::std::boxed::Box::new(#tokens)) } else { tokens }
}
