//! The `exercise` module (feature `exercise`): the generated client calls
//! every operation once, with the document's examples as arguments, and
//! reports whether each answer decoded into the generated types. Pointed at
//! a mock of the document (Prism) or a staging server, it is a contract check
//! of the client; the `exercise` example runs it from the command line.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::literal::literal;
use super::rust::ident;
use crate::ir::{Api, Constraints, Encoding, Method, Operation, Param, SchemeKind, TypeKind, TypeRef, sample};

/// The contents of the `exercise` module.
pub(super) fn module(api: &Api) -> TokenStream {
    // Deletions come last, deepest paths first, so that against a server that
    // keeps state every other call still finds the resources it names.
    let mut order: Vec<&Operation> = api.operations.iter().filter(|op| op.handled()).collect();
    order.sort_by_key(|op| match op.method {
        Method::Delete => (1, usize::MAX - op.path.matches('/').count()),
        _ => (0, 0),
    });
    let calls: Vec<TokenStream> = order
        .into_iter()
        .map(|op| match super::gate::attr(&op.gate) {
            Some(gate) => {
                let call = call(api, op);
                quote!(#gate { #call })
            }
            None => call(api, op),
        })
        .collect();
    // A document with webhooks only has nothing to call.
    let (imports, every_call) = if calls.is_empty() {
        (
            quote!(
                use super::client::Client;
            ),
            quote!(let _ = client; ::std::vec::Vec::new()),
        )
    } else {
        (
            quote!(
                use super::client::Client;
            ),
            if api.tag_features.is_empty() {
                quote!(let mut calls = ::std::vec::Vec::new(); #(#calls)* calls)
            } else {
                // Every call may be gated off.
                quote!(#[allow(unused_mut)] let mut calls = ::std::vec::Vec::new(); let _ = client; #(#calls)* calls)
            },
        )
    };
    let setters = api.security_schemes.iter().map(|s| {
        let setter = quote::format_ident!("with_{}", s.field.trim_end_matches('_'));
        match s.kind {
            SchemeKind::Basic => quote!(let client = client.#setter("exercise", token);),
            // A certificate is the HTTP client's, which a token cannot make.
            SchemeKind::MutualTls => TokenStream::new(),
            _ => quote!(let client = client.#setter(token);),
        }
    });
    // With no scheme to send it by, the token is still accepted, for a uniform command line.
    let sends_token = api.security_schemes.iter().any(|s| s.kind != SchemeKind::MutualTls);
    let send_token = sends_token.then(|| quote!(let token = args.token.as_str(); #(#setters)*));
    let usage = format!(
        "usage: cargo run -p {} --example {} --features exercise -- --base-url URL [--token SECRET] [--expect-success]",
        api.crate_name,
        super::manifest::example_name(api, "exercise")
    );
    quote! {
        //! Every operation called once with the document's examples, and whether
        //! each answer decoded into the generated types.

        #imports

        /// What one call gave, and one operation's call (the runtime's).
        pub use ::clawgen_runtime::exercise::{Call, Outcome};

        /// Calls every operation once with the document's examples (or values
        /// made from the schemas) as arguments: in document order, but
        /// deletions last, deepest paths first.
        #[allow(deprecated)]
        pub async fn every_operation(client: &Client) -> ::std::vec::Vec<Call> {
            #every_call
        }

        /// The `exercise` example: parses `--base-url`, `--token` (sent for every
        /// security scheme) and `--expect-success` (documented errors count as
        /// failures), calls every operation, prints one line each, and fails if
        /// any call failed.
        pub fn run_from_args() -> ::std::process::ExitCode {
            ::clawgen_runtime::exercise::run_from_args(#usage, |args| async move {
                let client = Client::new(&args.base_url);
                #send_token
                every_operation(&client).await
            })
        }
    }
}

/// `calls.push(…)` with one operation's call and its classified outcome.
fn call(api: &Api, op: &Operation) -> TokenStream {
    let id = &op.id;
    let Some(args) = arguments(api, op) else {
        let why = "clawgen found no argument values that fit the schemas";
        return quote!(calls.push(Call { operation: #id, outcome: Outcome::Failed(::std::string::String::from(#why)) }););
    };
    let name = ident(&op.fn_name);
    // An operation that documents errors but no success (a refresh that always
    // answers 400) expects its error.
    let classify = if !op.errors.is_empty() && op.successes.is_empty() { quote!(of_expected_error) } else { quote!(of) };
    quote!(calls.push(Call::#classify(#id, client.#name(#(#args),*).await));)
}

/// The call's arguments, in the client method's order, or `None` when some
/// argument has no value that fits its type.
fn arguments(api: &Api, op: &Operation) -> Option<Vec<TokenStream>> {
    let mut args = Vec::new();
    for p in &op.path_params {
        // A value spanning segments cannot be routed by tools that follow
        // OpenAPI's one-segment path templating (Prism): send its last segment,
        // itself a valid value.
        let last_segment = p
            .example
            .as_ref()
            .and_then(Value::as_str)
            .filter(|_| p.wildcard)
            .map(|text| Value::String(text.rsplit('/').next().unwrap_or(text).to_owned()));
        // A made-up path value is never empty: the client refuses an empty segment.
        let mut checks = p.constraints.clone();
        checks.min_length = Some(checks.min_length.unwrap_or(0).max(1));
        args.push(argument(api, &p.ty, &checks, last_segment.as_ref().or(p.example.as_ref()), true)?);
    }
    if let Some(query) = op.query {
        let value = query_value(api, query)?;
        args.push(quote!(&#value));
    }
    for p in op.header_params.iter().chain(&op.cookie_params) {
        args.push(optional_param(api, p)?);
    }
    if let Some(body) = &op.body {
        // The preferred form, as the variant of the body's enum where it has several.
        let value = body_value(api, body)?;
        let value = match &body.choice {
            Some(choice) => {
                let name = ident(&choice.name);
                let variant = ident(choice.variants.first()?);
                quote!(super::types::#name::#variant(#value))
            }
            None => value,
        };
        let reference = if super::rust::body_is_str(body) { value } else { quote!(&#value) };
        args.push(if body.required { reference } else { quote!(::std::option::Option::Some(#reference)) });
    }
    Some(args)
}

/// The value of the body's preferred form: its example, else one made up from its type.
/// A body the client takes as `&str` is a string literal.
fn body_value(api: &Api, body: &crate::ir::Body) -> Option<TokenStream> {
    Some(match body.encoding {
        Encoding::Raw | Encoding::EventStream => {
            let media = &body.media_type;
            let bytes = body.example.as_ref().and_then(Value::as_str).unwrap_or_default().as_bytes().to_vec();
            quote!(super::media::Raw { content_type: ::std::string::String::from(#media), bytes: ::std::vec![#(#bytes),*] })
        }
        Encoding::Text => {
            // Made within the body's checks (`minLength`, `pattern`) where the document shows none.
            let text = match sample::example_or_synthesized(&api.types, &body.ty, &body.constraints, body.example.as_ref()) {
                Value::String(text) => text,
                other => other.to_string(),
            };
            if super::rust::body_is_str(body) { quote!(#text) } else { quote!(::std::string::String::from(#text)) }
        }
        Encoding::Json | Encoding::Form | Encoding::Multipart | Encoding::Xml => {
            let value = sample::example_or_synthesized(&api.types, &body.ty, &body.constraints, body.example.as_ref());
            match value {
                Value::String(text) if super::rust::body_is_str(body) => quote!(#text),
                value => literal(api, &body.ty, &value, &[]).ok()?,
            }
        }
    })
}

/// A header or cookie argument: sent where required or exemplified.
fn optional_param(api: &Api, p: &Param) -> Option<TokenStream> {
    if !p.required && p.example.is_none() {
        return Some(quote!(::std::option::Option::None));
    }
    argument(api, &p.ty, &p.constraints, p.example.as_ref(), p.required)
}

/// An argument as the client method takes it: `&T` (`&str` for strings),
/// wrapped in `Some` where it is optional.
fn argument(api: &Api, ty: &TypeRef, checks: &Constraints, example: Option<&Value>, required: bool) -> Option<TokenStream> {
    let value = sample::example_or_synthesized(&api.types, ty, checks, example);
    let reference = match (ty, value) {
        (TypeRef::String, Value::String(text)) => quote!(#text),
        (_, value) => {
            let value = literal(api, ty, &value, &[]).ok()?;
            quote!(&#value)
        }
    };
    Some(if required { reference } else { quote!(::std::option::Option::Some(#reference)) })
}

/// The query struct: the example of every parameter that has one, and a
/// made-up value for each required one that has none.
fn query_value(api: &Api, query: crate::ir::TypeId) -> Option<TokenStream> {
    let def = &api.types[query.0];
    let TypeKind::Struct(st) = &api.definition(query).kind else { return None };
    let examples = def.example.as_ref().and_then(Value::as_object);
    let mut object = serde_json::Map::new();
    for field in &st.fields {
        let example = examples.and_then(|e| e.get(&field.wire_name));
        let value = if field.required {
            Some(sample::example_or_synthesized(&api.types, &field.ty, &field.constraints, example))
        } else {
            sample::fitting_example(&api.types, &field.ty, &field.constraints, example).cloned()
        };
        if let Some(value) = value {
            object.insert(field.wire_name.clone(), value);
        }
    }
    literal(api, &TypeRef::Named(query), &Value::Object(object), &[]).ok()
}

/// `examples/exercise.rs`: one call, so that rustfmt and prettyplease agree on its layout.
pub(super) fn example(api: &Api) -> TokenStream {
    let crate_ident = ident(&api.crate_name.replace('-', "_"));
    let doc_text =
        format!(" Calls every operation of {} once: see `{}::exercise::run_from_args`.", api.title, api.crate_name.replace('-', "_"));
    quote! {
        #![doc = #doc_text]

        fn main() -> ::std::process::ExitCode {
            #crate_ident::exercise::run_from_args()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The exercise's made-up arguments are values the server accepts: a path
    /// value is never empty, and a text body keeps its `minLength`.
    #[test]
    fn made_up_arguments_keep_the_checks_of_the_document() {
        let document = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /notes/{id}:\n    put:\n      \
                        operationId: putNote\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      \
                        requestBody:\n        required: true\n        content: {text/plain: {schema: {type: string, minLength: 3}}}\n      \
                        responses: {'204': {description: stored}}\n";
        let generated = crate::generate_crate_from_str(Path::new("t.yaml"), document).expect("generates");
        let exercise = generated.files.iter().find(|f| f.path == "src/exercise.rs").expect("an exercise");
        let call = exercise.contents.split(".put_note(").nth(1).and_then(|rest| rest.split(')').next()).expect("the call");
        let arguments: Vec<&str> = call.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
        assert_eq!(arguments, ["\"x\"", "\"xxx\""], "{call}");
    }
}
