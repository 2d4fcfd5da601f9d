//! Rust expressions that build a typed value from a JSON value (examples and defaults).
//!
//! Building the value in Rust, rather than parsing JSON at run time, means an
//! example that contradicts its schema is caught when the crate compiles.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::rust::{ident, type_path};
use crate::ir::{Api, Presence, TypeKind, TypeRef};

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
    /// A `u64` count of seconds, written as milliseconds.
    Milliseconds,
    /// A `u64` count of seconds, written as the Unix time that far from now.
    UnixSeconds,
    /// A `u64` count of seconds, written as the RFC 3339 instant that far from now.
    DateTime,
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
        (SlotKind::Milliseconds, TypeRef::I64 | TypeRef::I32 | TypeRef::F64 | TypeRef::F32) => {
            let millis = quote!((#expr).saturating_mul(1000));
            slot_value(ty, &Slot { expr: &millis, kind: SlotKind::Seconds, ..*slot })?
        }
        (SlotKind::UnixSeconds, TypeRef::I64 | TypeRef::I32 | TypeRef::F64 | TypeRef::F32) => {
            let at = quote!(::std::time::SystemTime::now()
                .duration_since(::std::time::UNIX_EPOCH)
                .map(|now| now.as_secs())
                .unwrap_or_default()
                .saturating_add(#expr));
            slot_value(ty, &Slot { expr: &at, kind: SlotKind::Seconds, ..*slot })?
        }
        // Through `SystemTime`: the crate's chrono has no clock.
        (SlotKind::DateTime, TypeRef::DateTime) => quote!(::chrono::DateTime::<::chrono::Utc>::from({
            let now = ::std::time::SystemTime::now();
            now.checked_add(::std::time::Duration::from_secs(#expr)).unwrap_or(now)
        })),
        (SlotKind::DateTime, TypeRef::String) => {
            let at = slot_value(&TypeRef::DateTime, slot)?;
            quote!(#at.to_rfc3339_opts(::chrono::SecondsFormat::Secs, true))
        }
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
        (TypeRef::U32, Value::Number(n)) => {
            let lit = Literal::u32_suffixed(n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or("not a u32")?);
            quote!(#lit)
        }
        (TypeRef::U64, Value::Number(n)) => {
            let lit = Literal::u64_suffixed(n.as_u64().ok_or("not a u64")?);
            quote!(#lit)
        }
        (TypeRef::String, Value::String(s)) => quote!(::std::string::String::from(#s)),
        (TypeRef::Uuid | TypeRef::Base64, Value::String(s)) => {
            // Checked here so that the run-time parse below cannot fail.
            if !crate::ir::sample::fits(&api.types, ty, value) {
                return Err(format!("`{s}` is not {}", if matches!(ty, TypeRef::Uuid) { "a UUID" } else { "base64" }));
            }
            quote!(#s.parse().unwrap_or_default())
        }
        (TypeRef::DateTime | TypeRef::Date, Value::String(s)) => {
            // Checked here so that the run-time parse below cannot fail.
            let valid = crate::ir::sample::fits(&api.types, ty, value);
            if !valid {
                return Err(format!("`{s}` is not an RFC 3339 {}", if matches!(ty, TypeRef::Date) { "date" } else { "date-time" }));
            }
            quote!(#s.parse().unwrap_or_default())
        }
        // In JSON a file is its text (see `media::File`).
        (TypeRef::File, Value::String(s)) => quote!(super::media::File {
            file_name: ::std::option::Option::None,
            content_type: ::std::option::Option::None,
            bytes: ::std::vec::Vec::from(#s.as_bytes()),
        }),
        (TypeRef::EventStream(item), Value::Array(items)) => {
            let events = items.iter().map(|data| event(api, item, data, None, None)).collect::<Result<Vec<_>, _>>()?;
            quote!(super::media::EventStream::from_events([#(#events),*]))
        }
        (TypeRef::Json, value) => {
            let text = value.to_string();
            quote!(::serde_json::from_str(#text).unwrap_or_default())
        }
        (TypeRef::Array(inner), Value::Array(items)) => {
            let items = items.iter().map(|item| literal(api, inner, item, &[])).collect::<Result<Vec<_>, _>>()?;
            quote!(::std::vec![#(#items),*])
        }
        (TypeRef::Tuple(types), Value::Array(items)) if types.len() == items.len() => {
            let items = types.iter().zip(items).map(|(ty, item)| literal(api, ty, item, &[])).collect::<Result<Vec<_>, _>>()?;
            quote!((#(#items,)*))
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
                TypeKind::Enum(e) => match e.variants.iter().find(|v| v.value.to_json() == *value) {
                    Some(variant) => {
                        let variant = ident(&variant.name);
                        quote!(super::types::#name::#variant)
                    }
                    None if e.open && !e.is_integer() && value.is_string() => {
                        let text = value.as_str().unwrap_or_default();
                        quote!(super::types::#name::Other(::std::string::String::from(#text)))
                    }
                    None if e.open && e.is_integer() && value.is_i64() => {
                        let lit = Literal::i64_suffixed(value.as_i64().unwrap_or_default());
                        quote!(super::types::#name::Other(#lit))
                    }
                    None => return Err(format!("{value} is not a value of {}", def.name)),
                },
                TypeKind::Union(u) => {
                    // The variant the decoder picks: the first that builds and keeps its checks, else the first that builds.
                    let keeps = |v: &&crate::ir::UnionVariant| crate::ir::sample::keeps_within(&api.types, &v.ty, &v.constraints, value);
                    let build = |v: &crate::ir::UnionVariant| literal(api, &v.ty, value, slots).ok().map(|lit| (ident(&v.name), lit));
                    let (variant, inner) = u
                        .variants
                        .iter()
                        .filter(keeps)
                        .find_map(build)
                        .or_else(|| u.variants.iter().find_map(build))
                        .ok_or_else(|| format!("no variant of {} matches", def.name))?;
                    quote!(super::types::#name::#variant(#inner))
                }
                TypeKind::Struct(st) => {
                    // Built as a user would: the constructor, then a setter per optional property given.
                    let object = value.as_object().ok_or_else(|| format!("{} needs an object", def.name))?;
                    let mut arguments = Vec::new();
                    let mut setters = Vec::new();
                    for field in &st.fields {
                        let nested: Vec<Slot<'_>> = slots
                            .iter()
                            .filter(|s| s.path.first() == Some(&field.wire_name))
                            .map(|s| Slot { path: &s.path[1..], ..*s })
                            .collect();
                        // A slot fills its property even where the example leaves it out.
                        let given = object.get(&field.wire_name).or((!nested.is_empty()).then_some(&Value::Null));
                        let some = |tokens: TokenStream| quote!(::std::option::Option::Some(#tokens));
                        let none = quote!(::std::option::Option::None);
                        let setter = super::types::setter_name(st, field);
                        match (given, field.presence()) {
                            (Some(Value::Null), Presence::OptionalNullable) if nested.is_empty() => setters.push(quote!(.#setter(#none))),
                            (Some(Value::Null), Presence::RequiredNullable) if nested.is_empty() => arguments.push(none),
                            (Some(v), presence) => {
                                let lit = boxed(field.boxed, literal(api, &field.ty, v, &nested)?);
                                match presence {
                                    Presence::Required => arguments.push(lit),
                                    Presence::RequiredNullable => arguments.push(some(lit)),
                                    Presence::Defaulted | Presence::Optional => setters.push(quote!(.#setter(#lit))),
                                    Presence::OptionalNullable => {
                                        let value = some(lit);
                                        setters.push(quote!(.#setter(#value)));
                                    }
                                }
                            }
                            (None, Presence::Required) => {
                                return Err(format!("required property `{}` of {} is missing", field.wire_name, def.name));
                            }
                            (None, Presence::RequiredNullable) => arguments.push(none),
                            (None, _) => {}
                        }
                    }
                    let all_optional = st.fields.iter().all(|f| !super::types::is_constructor_argument(f));
                    if all_optional {
                        quote!(<super::types::#name as ::std::default::Default>::default() #(#setters)*)
                    } else {
                        quote!(super::types::#name::new(#(#arguments),*) #(#setters)*)
                    }
                }
            }
        }
        (ty, value) => return Err(format!("{value} does not fit {}", type_path(api, ty))),
    })
}

/// A `media::Event` with `data` of type `item`, and its name and id.
pub(super) fn event(api: &Api, item: &TypeRef, data: &Value, name: Option<&str>, id: Option<&str>) -> Result<TokenStream, String> {
    let data = literal(api, item, data, &[])?;
    let text = |value: Option<&str>| match value {
        Some(text) => quote!(::std::option::Option::Some(::std::string::String::from(#text))),
        None => quote!(::std::option::Option::None),
    };
    let (name, id) = (text(name), text(id));
    Ok(quote!(super::media::Event { data: #data, event: #name, id: #id, retry: ::std::option::Option::None }))
}

fn boxed(boxed: bool, tokens: TokenStream) -> TokenStream {
    if boxed { quote!(::std::boxed::Box::new(#tokens)) } else { tokens }
}
