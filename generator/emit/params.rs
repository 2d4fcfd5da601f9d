//! The `params` module: query strings in every `style` OpenAPI defines, and
//! the per-operation tables that tell it how each parameter is spelled.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, Body, Encoding, Operation, QueryStyle, QueryStyleKind, Struct, TypeKind, TypeRef};

/// Whether the crate needs the `params` module.
pub(super) fn needed(api: &Api) -> bool {
    api.operations.iter().any(|op| has_tables(api, op)) || api.webhooks.iter().any(|w| w.query.is_some())
}

/// Whether an operation has a table: query parameters, or a body that travels
/// as a form (webhooks' bodies are read as JSON, so only their queries have one).
fn has_tables(api: &Api, op: &Operation) -> bool {
    op.query.is_some() || op.body.iter().flat_map(Body::forms).any(|form| form_layout(api, form).is_some())
}

/// What a query value's text means, so the server can turn it back into JSON.
fn kind(api: &Api, ty: &TypeRef, depth: usize) -> TokenStream {
    let any = quote!(Kind::Any);
    match ty {
        // Only a cycle reaches the bound: lowering holds chains of types to it.
        _ if depth > crate::depth::MAX_DEPTH => any,
        TypeRef::Bool => quote!(Kind::Boolean),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => quote!(Kind::Integer),
        TypeRef::F32 | TypeRef::F64 => quote!(Kind::Number),
        TypeRef::String | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Base64 => quote!(Kind::Text),
        TypeRef::Nullable(inner) => kind(api, inner, depth + 1),
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Enum(e) if e.is_integer() => quote!(Kind::Integer),
            TypeKind::Enum(_) => quote!(Kind::Text),
            TypeKind::Alias(inner) => kind(api, inner, depth + 1),
            _ => any,
        },
        _ => any,
    }
}

/// The shape of a parameter: one value, a list, or an object with typed properties.
fn shape(api: &Api, ty: &TypeRef, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Array(inner) => {
            let kind = kind(api, inner, 0);
            quote!(Shape::List(#kind))
        }
        TypeRef::Map(inner) => {
            let kind = kind(api, inner, 0);
            quote!(Shape::Object(&[], #kind))
        }
        TypeRef::Nullable(inner) if depth < crate::depth::MAX_DEPTH => shape(api, inner, depth + 1),
        TypeRef::Named(id) if depth < crate::depth::MAX_DEPTH => match &api.ty(*id).kind {
            TypeKind::Alias(inner) => shape(api, inner, depth + 1),
            TypeKind::Union(union) => one_or_list(api, union).unwrap_or_else(|| {
                let kind = kind(api, ty, 0);
                quote!(Shape::One(#kind))
            }),
            TypeKind::Struct(st) => {
                let properties = st.fields.iter().map(|f| {
                    let wire = &f.wire_name;
                    let kind = kind(api, &f.ty, 0);
                    quote!((#wire, #kind))
                });
                let rest = st.additional.as_ref().map_or(quote!(Kind::Any), |ty| kind(api, ty, 0));
                quote!(Shape::Object(&[#(#properties),*], #rest))
            }
            _ => {
                let kind = kind(api, ty, 0);
                quote!(Shape::One(#kind))
            }
        },
        _ => {
            let kind = kind(api, ty, 0);
            quote!(Shape::One(#kind))
        }
    }
}

/// A union of values and one list of them (Discord's `sku_ids`: a string, or
/// an array of snowflakes): `Shape::OneOrList`, since one value spells both.
/// The kind is the list items', when every other variant reads as they do.
fn one_or_list(api: &Api, union: &crate::ir::Union) -> Option<TokenStream> {
    let mut lists = union.variants.iter().filter_map(|v| match api.unaliased(&v.ty) {
        TypeRef::Array(item) => Some(item.as_ref()),
        _ => None,
    });
    let item = lists.next()?;
    if lists.next().is_some() {
        return None;
    }
    let item_kind = kind(api, item, 0);
    let mut others = union.variants.iter().filter(|v| !matches!(api.unaliased(&v.ty), TypeRef::Array(_)));
    let alike = others.all(|v| kind(api, &v.ty, 0).to_string() == item_kind.to_string());
    let kind = if alike { item_kind } else { quote!(Kind::Any) };
    Some(quote!(Shape::OneOrList(#kind)))
}

/// The name of the table that spells an operation's query parameters.
pub(super) fn table_name(op: &Operation) -> proc_macro2::Ident {
    // Method names are identifiers already; in capitals after a prefix they stay one.
    quote::format_ident!("QUERY_{}", op.fn_name.to_ascii_uppercase())
}

/// The path to an operation's table, from a sibling module.
pub(super) fn query_table(op: &Operation) -> TokenStream {
    let name = table_name(op);
    quote!(super::params::#name)
}

/// `pub const OP: &[Spec] = &[…];` for an operation's query parameters.
fn table(api: &Api, op: &Operation) -> Option<TokenStream> {
    let query = op.query?;
    let TypeKind::Struct(st) = &api.definition(query).kind else { return None };
    let specs = specs(api, st, &op.query_styles);
    let name = table_name(op);
    let doc = format!(" How the query parameters of `{}` are spelled.", op.id);
    Some(quote! {
        #[doc = #doc]
        pub const #name: &[Spec] = &[#(#specs),*];
    })
}

/// The specs of a struct's fields, each spelled as `styles` says (else `form`, exploded).
fn specs(api: &Api, st: &Struct, styles: &[QueryStyle]) -> Vec<TokenStream> {
    spelled(st.fields.iter().map(|field| (field.wire_name.as_str(), shape(api, &field.ty, 0))), styles)
}

/// The specs of properties of the given shapes, each spelled as `styles` says (else `form`, exploded).
fn spelled<'a>(properties: impl Iterator<Item = (&'a str, TokenStream)>, styles: &[QueryStyle]) -> Vec<TokenStream> {
    let specs = properties.map(|(wire, shape)| {
        let (style, explode) = match styles.iter().find(|s| s.wire_name == wire) {
            Some(s) => (s.style, s.explode),
            None => (QueryStyleKind::Form, true),
        };
        // The default spelling, OpenAPI's for a query parameter, in short.
        if style == QueryStyleKind::Form && explode {
            return quote!(Spec::form(#wire, #shape));
        }
        let style = match style {
            QueryStyleKind::Form => quote!(Style::Form),
            QueryStyleKind::SpaceDelimited => quote!(Style::SpaceDelimited),
            QueryStyleKind::PipeDelimited => quote!(Style::PipeDelimited),
            QueryStyleKind::DeepObject => quote!(Style::DeepObject),
        };
        quote!(Spec::new(#wire, #style, #explode, #shape))
    });
    specs.collect()
}

/// How a body form that travels as `application/x-www-form-urlencoded` is
/// spelled: a spec for each property it names, and the shape of the values of
/// the properties it does not name, where it takes any (`None`: it takes none).
struct FormLayout {
    specs: Vec<TokenStream>,
    rest: Option<TokenStream>,
}

/// The [`FormLayout`] of a form whose type is an object: a struct (with or
/// without additional properties), a map, or a union of structs (the
/// properties of all its variants; a property the variants type differently is
/// read as whatever its text reads as, and the variant is then found as in
/// JSON). Other types (scalars, lists, untyped bodies) are left to `serde_urlencoded`.
fn form_layout(api: &Api, form: &Body) -> Option<FormLayout> {
    if !form.accepts(Encoding::Form) {
        return None;
    }
    let shape_of_values = |ty: &TypeRef| shape(api, ty, 0);
    match api.unaliased(&form.ty) {
        TypeRef::Map(values) => Some(FormLayout { specs: Vec::new(), rest: Some(shape_of_values(values)) }),
        TypeRef::Named(id) => match &api.definition(*id).kind {
            TypeKind::Struct(st) => {
                Some(FormLayout { specs: specs(api, st, &form.form_styles), rest: st.additional.as_ref().map(shape_of_values) })
            }
            TypeKind::Union(union) => union_layout(api, union, &form.form_styles),
            _ => None,
        },
        _ => None,
    }
}

/// The [`FormLayout`] of a union whose variants are all structs; its tag, where
/// it has one, is a property of text.
fn union_layout(api: &Api, union: &crate::ir::Union, styles: &[QueryStyle]) -> Option<FormLayout> {
    let variants = union.variants.iter().map(|variant| match api.unaliased(&variant.ty) {
        TypeRef::Named(id) => match &api.definition(*id).kind {
            TypeKind::Struct(st) => Some(st),
            _ => None,
        },
        _ => None,
    });
    let variants: Vec<&Struct> = variants.collect::<Option<_>>()?;
    // Each property once, where it first appears, with the shape all variants
    // agree on (compared as text), else one read as whatever its text reads as.
    let mut properties: Vec<(&str, TokenStream)> = Vec::new();
    if let Some(tag) = &union.tag {
        properties.push((tag, quote!(Shape::One(Kind::Text))));
    }
    for field in variants.iter().flat_map(|st| &st.fields) {
        let shape = shape(api, &field.ty, 0);
        match properties.iter_mut().find(|(wire, _)| *wire == field.wire_name) {
            Some((_, known)) if known.to_string() != shape.to_string() => *known = quote!(Shape::OneOrList(Kind::Any)),
            Some(_) => {}
            None => properties.push((&field.wire_name, shape)),
        }
    }
    let mut rests = variants.iter().filter_map(|st| st.additional.as_ref()).map(|ty| shape(api, ty, 0));
    let rest = rests.next().map(|first| {
        let alike = rests.all(|other| other.to_string() == first.to_string());
        if alike { first } else { quote!(Shape::OneOrList(Kind::Any)) }
    });
    Some(FormLayout { specs: spelled(properties.into_iter(), styles), rest })
}

/// Whether a body form travels as a form spelled by a table ([`form_layout`]).
pub(super) fn has_form_table(api: &Api, form: &Body) -> bool {
    form_layout(api, form).is_some()
}

/// The name of the table that spells the `index`th form of an operation's body.
fn form_table_name(op: &Operation, index: usize) -> proc_macro2::Ident {
    table_name_of("FORM", op, index)
}

/// The name of the shape of the properties that the `index`th form's table does not name.
fn form_others_name(op: &Operation, index: usize) -> proc_macro2::Ident {
    table_name_of("OTHERS", op, index)
}

fn table_name_of(prefix: &str, op: &Operation, index: usize) -> proc_macro2::Ident {
    let stem = op.fn_name.to_ascii_uppercase();
    if index == 0 { quote::format_ident!("{prefix}_{stem}") } else { quote::format_ident!("{prefix}_{stem}_{index}") }
}

/// The table that spells the `index`th form of `op`'s body as a form, from a
/// sibling module, and the shape of the properties it does not name where the
/// form takes any; `None` where it has none ([`form_layout`]).
pub(super) fn form_table(api: &Api, op: &Operation, index: usize) -> Option<FormTable> {
    let layout = form_layout(api, op.body.as_ref()?.forms().nth(index)?)?;
    let (name, others) = (form_table_name(op, index), form_others_name(op, index));
    Some(FormTable { specs: quote!(super::params::#name), rest: layout.rest.map(|_| quote!(super::params::#others)) })
}

/// Where a body form's spelling is: its table's path, and the path of the
/// shape of the properties the table does not name, where the form takes any.
pub(super) struct FormTable {
    pub(super) specs: TokenStream,
    pub(super) rest: Option<TokenStream>,
}

/// The tables of the forms of `op`'s body that travel as forms.
fn form_tables(api: &Api, op: &Operation) -> Vec<TokenStream> {
    let forms = op.body.iter().flat_map(Body::forms).enumerate();
    let tables = forms.filter_map(|(index, form)| {
        let FormLayout { specs, rest } = form_layout(api, form)?;
        let name = form_table_name(op, index);
        let doc = format!(" How the properties of `{}`'s body are spelled as a form.", op.id);
        let others = rest.map(|shape| {
            let name = form_others_name(op, index);
            let doc = format!(" The shape of the properties of `{}`'s body that its table does not name.", op.id);
            quote! {
                #[doc = #doc]
                pub const #name: Shape = #shape;
            }
        });
        Some(quote! {
            #[doc = #doc]
            pub const #name: &[Spec] = &[#(#specs),*];
            #others
        })
    });
    tables.collect()
}

/// The module: the tables of the document's operations.
pub(super) fn module(api: &Api) -> TokenStream {
    let operations = api.operations.iter().map(|op| (op, form_tables(api, op)));
    let tables = operations.chain(api.webhooks.iter().map(|w| (w, Vec::new()))).map(|(op, forms)| {
        let tables = table(api, op).into_iter().chain(forms);
        super::gate::items(&op.gate, quote!(#(#tables)*))
    });
    let with_tables = api.operations.iter().filter(|op| has_tables(api, op)).chain(api.webhooks.iter().filter(|w| w.query.is_some()));
    let gate = super::gate::attr(&crate::ir::Gate::union(with_tables.map(|op| &op.gate)));
    quote! {
        //! How the query parameters of each operation, and the properties of
        //! bodies sent as forms, are spelled: the tables that
        //! `clawgen_runtime::params` reads.

        // `Style` is named only where a parameter is not spelled `form`, exploded.
        #gate
        #[allow(unused_imports)]
        use ::clawgen_runtime::params::{Kind, Shape, Spec, Style};

        #(#tables)*
    }
}
