//! The `xml` module: how the types of request bodies accepted as XML travel
//! in it, as the runtime's `xml::Node` descriptions (one static per struct or
//! union), read from the IR's [`crate::ir::XmlName`]s.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::ident;
use crate::ir::{Api, Encoding, Field, TypeKind, TypeRef};

/// The types of the request bodies accepted as XML.
fn xml_bodies(api: &Api) -> impl Iterator<Item = &TypeRef> {
    api.request_forms().filter(|body| body.accepts(Encoding::Xml)).map(|body| &body.ty)
}

/// An expression of type `&'static Node` for `ty`, valid in a static's
/// initializer; `named` is the path of the module holding the statics.
pub(super) fn node_ref(api: &Api, ty: &TypeRef, named: &TokenStream) -> TokenStream {
    let node = quote!(::clawgen_runtime::xml::Node);
    match api.unaliased(ty) {
        TypeRef::Bool => quote!(&#node::Boolean),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64 => quote!(&#node::Number),
        TypeRef::String | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Base64 | TypeRef::File => {
            quote!(&#node::String)
        }
        TypeRef::Named(id) => {
            let def = api.ty(*id);
            match &def.kind {
                TypeKind::Enum(e) if e.is_integer() => quote!(&#node::Number),
                TypeKind::Enum(_) => quote!(&#node::String),
                TypeKind::Struct(_) | TypeKind::Union(_) => {
                    let name = ident(&def.name);
                    quote!(&#named::#name)
                }
                // `unaliased` followed every alias.
                TypeKind::Alias(_) => quote!(&#node::Any),
            }
        }
        TypeRef::Array(inner) => list(api, inner, "item", true, named),
        TypeRef::Map(inner) => {
            let inner = node_ref(api, inner, named);
            quote!(&#node::Map(#inner))
        }
        TypeRef::Nullable(inner) => {
            let inner = node_ref(api, inner, named);
            quote!(&#node::Nullable(#inner))
        }
        TypeRef::Json | TypeRef::Tuple(_) | TypeRef::Raw | TypeRef::EventStream(_) | TypeRef::External(_) => quote!(&#node::Any),
    }
}

fn list(api: &Api, item: &TypeRef, item_name: &str, wrapped: bool, named: &TokenStream) -> TokenStream {
    let item = node_ref(api, item, named);
    quote!(&::clawgen_runtime::xml::Node::List(&::clawgen_runtime::xml::List { item: #item, item_name: #item_name, wrapped: #wrapped }))
}

fn field(api: &Api, field: &Field) -> TokenStream {
    let here = quote!(self);
    let xml = field.xml_name();
    let node = match &field.ty {
        TypeRef::Array(item) => list(api, item, &xml.item, xml.wrapped, &here),
        ty => node_ref(api, ty, &here),
    };
    let node = if field.nullable { quote!(&::clawgen_runtime::xml::Node::Nullable(#node)) } else { node };
    let (json, name, attribute) = (&field.wire_name, &xml.name, xml.attribute);
    quote!(::clawgen_runtime::xml::Field { json: #json, xml: #name, attribute: #attribute, node: #node })
}

/// Whether the crate has XML bodies.
pub(super) fn needed(api: &Api) -> bool {
    api.uses_xml()
}

/// The contents of the `xml` module.
pub(super) fn module(api: &Api) -> TokenStream {
    let here = quote!(self);
    let statics = api.reachable(xml_bodies(api)).into_iter().filter_map(|id| {
        let def = api.ty(id);
        let name = ident(&def.name);
        let value = match &def.kind {
            TypeKind::Struct(st) => {
                let fields = st.fields.iter().map(|f| field(api, f));
                let additional = match &st.additional {
                    Some(ty) => {
                        let node = node_ref(api, ty, &here);
                        quote!(::std::option::Option::Some(#node))
                    }
                    None => quote!(::std::option::Option::None),
                };
                quote!(::clawgen_runtime::xml::Node::Object(&::clawgen_runtime::xml::Object { fields: &[#(#fields),*], additional: #additional }))
            }
            TypeKind::Union(union) => {
                let variants = union.variants.iter().map(|v| node_ref(api, &v.ty, &here));
                quote!(::clawgen_runtime::xml::Node::OneOf(&[#(#variants),*]))
            }
            TypeKind::Enum(_) | TypeKind::Alias(_) => return None,
        };
        let doc = format!("How `{}` travels in XML.", def.name);
        Some(quote! {
            #[doc = #doc]
            pub static #name: ::clawgen_runtime::xml::Node = #value;
        })
    });
    quote! {
        //! How the types of request bodies accepted as XML travel in it: element and
        //! attribute names, wrapped lists, and which text is a number or a boolean.
        #![allow(non_upper_case_globals)]

        #(#statics)*
    }
}
