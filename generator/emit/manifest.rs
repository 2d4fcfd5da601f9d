//! Non-Rust files of an output crate (Cargo.toml, README.md), rendered from
//! the templates that `build.rs` embedded, in minijinja's strict mode.

use minijinja::{Environment, UndefinedBehavior, context};

use crate::error::{Error, Result};
use crate::ir::{Api, TypeRef};

pub(super) mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in embedded::TEMPLATES {
        env.add_template(name, source).map_err(|err| Error::Template { name: (*name).to_owned(), message: err.to_string() })?;
    }
    Ok(env)
}

/// The one-line comment above a tag's feature in the manifest: the tag, and
/// the first line of its description, cut short.
fn tag_comment(feature: &crate::ir::TagFeature) -> String {
    const LONGEST: usize = 100;
    let first_line = feature.doc.as_deref().and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty())).unwrap_or_default();
    let mut line: String = match &feature.tag {
        Some(tag) if first_line.is_empty() => format!("Tag `{tag}`."),
        Some(tag) => format!("Tag `{tag}`: {first_line}"),
        None => first_line.to_owned(),
    };
    if line.chars().count() > LONGEST {
        line = line.chars().take(LONGEST - 1).collect::<String>().trim_end().to_owned() + "…";
    }
    line
}

/// Whether the server reads form bodies or API keys in the query, the two
/// places it uses serde_urlencoded.
fn uses_urlencoded(api: &Api) -> bool {
    // A form spelled by a table of `params` is written by the runtime.
    let form_bodies = api.request_forms().any(|b| b.accepts(crate::ir::Encoding::Form) && !super::params::has_form_table(api, b));
    let query_keys = api.security_schemes.iter().any(|s| matches!(s.kind, crate::ir::SchemeKind::ApiKeyQuery { .. }));
    form_bodies || query_keys
}

/// The crates that a crate's own code names, of those the runtime may name for it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Named {
    /// `::serde::…`.
    pub(super) serde: bool,
    /// `::serde_json::…`.
    pub(super) serde_json: bool,
    /// `::base64::…` (the server's basic credentials; `format: byte` is the runtime's).
    pub(super) base64: bool,
}

/// Renders `template` with everything it may need to know about `api`, the
/// parts generated and the crates their code names.
pub(super) fn render(api: &Api, parts: super::Parts, template: &str, named: Named) -> Result<String> {
    let env = environment()?;
    let operations: Vec<_> = api
        .operations
        .iter()
        .map(|op| {
            context! {
                id => op.id,
                method => op.method.as_str(),
                path => op.path,
                method_name => op.fn_name,
                error_enum => op.error_enum,
            }
        })
        .collect();
    let schemes: Vec<_> = api
        .security_schemes
        .iter()
        .map(|s| {
            let summary = s.kind.describe();
            let mutual_tls = s.kind == crate::ir::SchemeKind::MutualTls;
            context! { key => s.key, summary => summary, setter => format!("with_{}", s.field.trim_end_matches('_')), mutual_tls => mutual_tls }
        })
        .collect();
    let body_choices: Vec<_> = api
        .operations
        .iter()
        .filter_map(|op| {
            let body = op.body.as_ref()?;
            let choice = body.choice.as_ref()?;
            let variants: Vec<String> = body
                .forms()
                .zip(&choice.variants)
                .map(|(form, variant)| {
                    let media: Vec<String> = form.accepted().map(|m| format!("`{}`", m.media_type)).collect();
                    format!("`{variant}` ({})", media.join(", "))
                })
                .collect();
            Some(context! { id => op.id, name => choice.name, variants => variants.join(", ") })
        })
        .collect();
    let skipped: Vec<_> =
        api.skipped.iter().map(|op| context! { id => op.id, method => op.method.as_str(), path => op.path, reason => op.reason }).collect();
    let features: Vec<&str> = [(parts.client, "client"), (parts.server, "server")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f)
        .chain(api.tag_features.iter().map(|f| f.name.as_str()))
        .collect();
    let tag_features: Vec<_> = api.tag_features.iter().map(|f| context! { name => f.name, comment => tag_comment(f) }).collect();
    let runtime_features: Vec<&str> = [
        (api.uses_multipart(), "multipart"),
        (api.uses_event_streams(), "events"),
        (api.uses_patterns(), "pattern"),
        (api.uses_backtracking_patterns(), "backtracking-pattern"),
        (api.mentions(|ty| *ty == TypeRef::Base64), "base64"),
        (api.webhook_signature.is_some(), "webhook-signatures"),
        (api.uses_xml(), "xml"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, f)| f)
    .collect();
    let uses_basic = api.security_schemes.iter().any(|s| s.kind == crate::ir::SchemeKind::Basic);
    let description = api.description.as_deref().map(str::trim).unwrap_or_default();
    let summary = format!("Typed client and server for {} (API version {})", api.title, api.api_version);
    let rendered = env
        .get_template(template)
        .and_then(|t| {
            t.render(context! {
                clawgen_version => env!("CARGO_PKG_VERSION"),
                rust_api_revision => crate::release::revision::CURRENT,
                spec_file => api.spec_file,
                crate_name => api.crate_name,
                version => api.version,
                api_version => api.api_version,
                title => api.title,
                description => description,
                summary => summary,
                trait_name => api.trait_name,
                operations => operations,
                body_choices => body_choices,
                uses_patterns => api.uses_patterns(),
                uses_serde => named.serde,
                uses_serde_json => named.serde_json,
                uses_basic => uses_basic,
                uses_urlencoded => uses_urlencoded(api),
                uses_chrono => api.mentions(|ty| matches!(ty, TypeRef::DateTime | TypeRef::Date))
                    || api.retry_hints().iter().any(|hint| hint.unit == crate::ir::RetryUnit::DateTime),
                uses_base64 => named.base64 && !(uses_basic && parts.server),
                uses_uuid => api.mentions(|ty| *ty == TypeRef::Uuid),
                uses_multipart => api.uses_multipart(),
                uses_event_streams => api.uses_event_streams(),
                tag_features => tag_features,
                webhooks => api.webhooks.iter().map(|w| w.path.clone()).collect::<Vec<_>>(),
                security_schemes => schemes,
                skipped => skipped,
                features => features,
                runtime_crate => super::RUNTIME_CRATE,
                runtime_version => super::RUNTIME_VERSION,
                runtime_features => runtime_features,
                client => parts.client,
                server => parts.server,
                crate_ident => api.crate_name.replace('-', "_"),
                secured => api.operations.iter().any(|op| !op.security.is_empty()),
                mock_example => example_name(api, "mock_server"),
                exercise_example => example_name(api, "exercise"),
            })
        })
        .map_err(|err| Error::Template { name: template.to_owned(), message: format!("{err:#}") })?;
    Ok(if rendered.ends_with('\n') { rendered } else { format!("{rendered}\n") })
}

/// The Cargo target name of one of a crate's examples (`clawguru_v1_mock_server` for
/// `examples/mock_server.rs`): unique across a workspace of generated crates, where
/// the same name in every crate would make their outputs collide.
pub(crate) fn example_name(api: &Api, example: &str) -> String {
    format!("{}_{example}", api.crate_name.replace('-', "_"))
}
