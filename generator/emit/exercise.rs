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
use crate::ir::{Api, Encoding, Method, Operation, Param, SchemeKind, TypeKind, TypeRef, sample};

/// The contents of the `exercise` module.
pub(super) fn module(api: &Api) -> TokenStream {
    // Deletions come last, deepest paths first, so that against a server that
    // keeps state every other call still finds the resources it names.
    let mut order: Vec<&Operation> = api.operations.iter().filter(|op| !op.serves_spec).collect();
    order.sort_by_key(|op| match op.method {
        Method::Delete => (1, usize::MAX - op.path.matches('/').count()),
        _ => (0, 0),
    });
    let calls: Vec<TokenStream> = order.into_iter().map(|op| call(api, op)).collect();
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
                use super::client::{Client, ClientError};
            ),
            quote!(let mut calls = ::std::vec::Vec::new(); #(#calls)* calls),
        )
    };
    let setters = api.security_schemes.iter().map(|s| {
        let setter = quote::format_ident!("with_{}", s.field.trim_end_matches('_'));
        if s.kind == SchemeKind::Basic {
            quote!(let client = client.#setter("exercise", token);)
        } else {
            quote!(let client = client.#setter(token);)
        }
    });
    let send_token = if api.security_schemes.is_empty() {
        // No scheme to send it by; it is still accepted, for a uniform command line.
        quote!(let _ = token;)
    } else {
        quote!(let token = token.as_str(); #(#setters)*)
    };
    let usage = format!(
        "usage: cargo run -p {} --example {} --features exercise -- --base-url URL [--token SECRET] [--expect-success]",
        api.crate_name,
        super::manifest::example_name(api, "exercise")
    );
    quote! {
        //! Every operation called once with the document's examples, and whether
        //! each answer decoded into the generated types.

        #imports

        /// What one call gave.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Outcome {
            /// A documented success (for an operation that documents none, its documented error), decoded.
            Success,
            /// A documented error status, decoded.
            DocumentedError(u16),
            /// The answer did not decode, had an undocumented status, or never came.
            Failed(::std::string::String),
        }

        /// One operation's call.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Call {
            /// The operation's id.
            pub operation: &'static str,
            /// What it gave.
            pub outcome: Outcome,
        }

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
            let mut base_url = ::std::option::Option::None;
            let mut token = ::std::string::String::from("exercise-token");
            let mut expect_success = false;
            let mut args = ::std::env::args().skip(1);
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--expect-success" => expect_success = true,
                    "--base-url" | "--token" => {
                        let Some(value) = args.next() else {
                            eprintln!(#usage);
                            return ::std::process::ExitCode::from(2);
                        };
                        if arg == "--token" { token = value } else { base_url = Some(value) }
                    }
                    _ => {
                        eprintln!(#usage);
                        return ::std::process::ExitCode::from(2);
                    }
                }
            }
            let Some(base_url) = base_url else {
                eprintln!(#usage);
                return ::std::process::ExitCode::from(2);
            };
            let runtime = match ::tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(error) => {
                    eprintln!("cannot start the runtime: {error}");
                    return ::std::process::ExitCode::from(1);
                }
            };
            let client = Client::new(&base_url);
            #send_token
            let calls = runtime.block_on(every_operation(&client));
            let mut failed = 0;
            for call in &calls {
                let (verdict, detail) = match &call.outcome {
                    Outcome::Success => ("ok", ::std::string::String::from("success decoded")),
                    Outcome::DocumentedError(status) if !expect_success => ("ok", format!("documented {status} decoded")),
                    Outcome::DocumentedError(status) => ("FAIL", format!("documented {status} where a success was expected")),
                    Outcome::Failed(why) => ("FAIL", why.clone()),
                };
                if verdict == "FAIL" {
                    failed += 1;
                }
                println!("{verdict:4} {}: {detail}", call.operation);
            }
            println!("{} operations, {failed} failed", calls.len());
            if failed == 0 { ::std::process::ExitCode::SUCCESS } else { ::std::process::ExitCode::from(1) }
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
    let error = ident(&op.error_enum);
    // With no documented error the enum has only `Undocumented`. An operation that
    // documents no success (a refresh that always answers 400) expects its error.
    let documented = match (op.errors.is_empty(), op.successes.is_empty()) {
        (true, _) => None,
        (false, true) => Some(quote!(Err(ClientError::Api { .. }) => Outcome::Success,)),
        (false, false) => Some(quote!(Err(ClientError::Api { error, .. }) => Outcome::DocumentedError(error.status()),)),
    };
    quote! {
        let outcome = match client.#name(#(#args),*).await {
            Ok(_) => Outcome::Success,
            Err(ClientError::Api { error: super::errors::#error::Undocumented { status, body }, .. }) => {
                Outcome::Failed(format!("undocumented status {status}: {body}"))
            }
            // A documented status whose body does not fit its schema fails the contract.
            Err(ClientError::Api { error, .. }) if error.decode_failure().is_some() => {
                Outcome::Failed(format!("the {} answer does not decode: {}", error.status(), error.decode_failure().unwrap_or_default()))
            }
            #documented
            Err(error) => Outcome::Failed(error.to_string()),
        };
        calls.push(Call { operation: #id, outcome });
    }
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
        args.push(argument(api, &p.ty, last_segment.as_ref().or(p.example.as_ref()), true)?);
    }
    if let Some(query) = op.query {
        let value = query_value(api, query)?;
        args.push(quote!(&#value));
    }
    for p in op.header_params.iter().chain(&op.cookie_params) {
        args.push(optional_param(api, p)?);
    }
    if let Some(body) = &op.body {
        let value = match body.encoding {
            Encoding::Raw | Encoding::EventStream => {
                let media = &body.media_type;
                let bytes = body.example.as_ref().and_then(Value::as_str).unwrap_or_default().as_bytes().to_vec();
                quote!(super::media::Raw { content_type: ::std::string::String::from(#media), bytes: ::std::vec![#(#bytes),*] })
            }
            Encoding::Text => {
                let text = body.example.as_ref().and_then(Value::as_str).unwrap_or_default();
                quote!(::std::string::String::from(#text))
            }
            Encoding::Json | Encoding::Form | Encoding::Multipart => {
                args.push(argument(api, &body.ty, body.example.as_ref(), body.required)?);
                return Some(args);
            }
        };
        args.push(if body.required { quote!(&#value) } else { quote!(::std::option::Option::Some(&#value)) });
    }
    Some(args)
}

/// A header or cookie argument: sent where required or exemplified.
fn optional_param(api: &Api, p: &Param) -> Option<TokenStream> {
    if !p.required && p.example.is_none() {
        return Some(quote!(::std::option::Option::None));
    }
    argument(api, &p.ty, p.example.as_ref(), p.required)
}

/// An argument as the client method takes it: `&T` (`&str` for strings),
/// wrapped in `Some` where it is optional.
fn argument(api: &Api, ty: &TypeRef, example: Option<&Value>, required: bool) -> Option<TokenStream> {
    let reference = if *ty == TypeRef::String {
        let text = match example.filter(|e| sample::fits(&api.types, ty, e)) {
            Some(Value::String(text)) => text.clone(),
            _ => String::new(),
        };
        quote!(#text)
    } else {
        let value = value_of(api, ty, example)?;
        quote!(&#value)
    };
    Some(if required { reference } else { quote!(::std::option::Option::Some(#reference)) })
}

/// The query struct: the example of every parameter that has one, and a
/// made-up value for each required one that has none.
fn query_value(api: &Api, query: crate::ir::TypeId) -> Option<TokenStream> {
    let def = &api.types[query.0];
    let TypeKind::Struct(st) = &def.kind else { return None };
    let examples = def.example.as_ref().and_then(Value::as_object);
    let mut object = serde_json::Map::new();
    for field in &st.fields {
        let example = examples.and_then(|e| e.get(&field.wire_name)).filter(|e| sample::fits(&api.types, &field.ty, e));
        match example {
            Some(example) => {
                object.insert(field.wire_name.clone(), example.clone());
            }
            None if field.required => {
                object.insert(field.wire_name.clone(), sample::synthesize(&api.types, &field.ty));
            }
            None => {}
        }
    }
    literal(api, &TypeRef::Named(query), &Value::Object(object), &[]).ok()
}

/// A value of `ty`: the example where it fits, else one made from the schema.
fn value_of(api: &Api, ty: &TypeRef, example: Option<&Value>) -> Option<TokenStream> {
    let fitting = example.filter(|e| sample::fits(&api.types, ty, e));
    fitting.and_then(|e| literal(api, ty, e, &[]).ok()).or_else(|| literal(api, ty, &sample::synthesize(&api.types, ty), &[]).ok())
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
