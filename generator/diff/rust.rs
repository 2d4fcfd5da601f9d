//! What a change of the document does to the generated crate's Rust API.
//!
//! The HTTP severity says whom a change breaks on the wire; this says whether
//! code written against the crate generated from OLD still compiles against
//! the crate generated from NEW. The two differ: a new optional request body
//! is compatible on the wire but adds an argument to a client method, and a
//! new `maximum` breaks clients on the wire but changes no Rust signature.
//!
//! The classification follows what `emit` generates: every struct is
//! `#[non_exhaustive]` with a constructor of its required fields and setters
//! for the optional ones, and every enum (value enums, unions, error and
//! success enums, the operation list) is `#[non_exhaustive]`. Where the
//! generated shape depends on more than the rule (whether an operation already
//! has a query struct, which media type the crate reads), the walk decides.
//! `scripts/semver` holds this classification to cargo-semver-checks.

use serde::Serialize;

use super::Rule;

/// What a change does to the generated Rust API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RustEffect {
    /// Code written against the old crate may stop compiling: a new major version of the crate.
    Breaking,
    /// New items only (a method, a variant of a `#[non_exhaustive]` enum, a
    /// field of a `#[non_exhaustive]` struct with its setter): a minor version.
    Additive,
    /// The public Rust API is the same (checks, wire format or documentation changed): a patch.
    Unchanged,
}

impl RustEffect {
    /// The stable identifier used in JSON output (`breaking`).
    pub fn id(self) -> &'static str {
        match self {
            RustEffect::Breaking => "breaking",
            RustEffect::Additive => "additive",
            RustEffect::Unchanged => "unchanged",
        }
    }

    /// How text output and changelogs say it.
    pub fn title(self) -> &'static str {
        match self {
            RustEffect::Breaking => "breaks the Rust API",
            RustEffect::Additive => "adds to the Rust API",
            RustEffect::Unchanged => "Rust API unchanged",
        }
    }
}

impl Rule {
    /// What the rule does to the generated Rust API, where the rule alone decides it.
    /// The walk refines it where the crate's shape decides (see [`super::walk`]).
    pub fn rust_effect(self) -> RustEffect {
        match self {
            // Names and signatures that code uses disappear or change.
            Rule::OperationRemoved
            | Rule::OperationIdChanged
            | Rule::ParameterRemoved
            | Rule::RequiredParameterAdded
            | Rule::ParameterBecameRequired
            | Rule::ParameterBecameOptional
            | Rule::RequestBodyRemoved
            | Rule::RequiredRequestBodyAdded
            | Rule::OptionalRequestBodyAdded
            | Rule::RequestBodyBecameRequired
            | Rule::RequestBodyBecameOptional
            // A body's type is its one form's, or the enum of its forms.
            | Rule::RequestBodyFormsChanged
            | Rule::ResponseRemoved
            | Rule::ResponseHeaderRemoved
            | Rule::ResponseHeaderAdded
            | Rule::RequiredResponseHeaderAdded => RustEffect::Breaking,
            // A variant's header is an `Option` whether the document requires it or not
            // (a client reads a missing one as `None`): only its documentation changes.
            Rule::ResponseHeaderBecameOptional | Rule::ResponseHeaderBecameRequired => RustEffect::Unchanged,
            // A field's Rust type changes (`f64` to `i64`, `T` to `Option<T>`, a `String` to an enum).
            Rule::TypeNarrowed
            | Rule::TypeWidened
            | Rule::TypeChanged
            | Rule::FormatNarrowed
            | Rule::FormatWidened
            | Rule::FormatChanged
            | Rule::BecameNullable
            | Rule::BecameNonNullable
            | Rule::EnumAdded
            | Rule::EnumRemoved
            | Rule::EnumValuesRemoved
            | Rule::PropertyRemoved
            | Rule::RequiredPropertyAdded
            | Rule::PropertyBecameRequired
            | Rule::PropertyBecameOptional
            | Rule::AdditionalPropertiesForbidden
            | Rule::VariantRemoved
            // A union of one branch is that branch's type; a second makes it an enum.
            | Rule::VariantAdded => RustEffect::Breaking,
            // Credentials may gain or change a field.
            Rule::SecurityRequirementAdded | Rule::SecurityRequirementRemoved | Rule::SecuritySchemeChanged => {
                RustEffect::Breaking
            }
            // A new client method, and a new server trait method with a default body (it answers 501).
            Rule::OperationAdded => RustEffect::Additive,
            // New variants of `#[non_exhaustive]` enums, new fields of `#[non_exhaustive]` structs.
            Rule::OptionalPropertyAdded
            | Rule::EnumValuesAdded
            | Rule::AdditionalPropertiesAllowed
            | Rule::ResponseAdded
            | Rule::OptionalParameterAdded
            | Rule::OperationDeprecated => RustEffect::Additive,
            // Checks, wire spelling, media types the crate does not read.
            Rule::ConstraintTightened(_)
            | Rule::ConstraintLoosened(_)
            | Rule::ConstraintChanged(_)
            | Rule::ParameterStyleChanged
            | Rule::SecurityScopesAdded
            | Rule::SecurityScopesRemoved
            | Rule::MediaTypeAdded
            | Rule::MediaTypeRemoved => RustEffect::Unchanged,
        }
    }
}

/// Where a body's media type ranks in the order the crate picks one (lower wins):
/// JSON, form, multipart, event stream, other text, anything else.
pub(super) fn media_rank(media: &str) -> u8 {
    let media = media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase();
    if media == "application/json" || media.ends_with("+json") {
        0
    } else if media == "application/x-www-form-urlencoded" {
        1
    } else if media == "multipart/form-data" {
        2
    } else if media == "text/event-stream" {
        3
    } else if media.starts_with("text/") {
        4
    } else {
        5
    }
}

/// The forms a request body's media types make, each a list of media keys, as the
/// crate reads them (`ir::operations`): the preferred media type first, then each
/// in document order joins the first form of the same schema that can read its
/// encoding and has none of it yet, or starts a form of its own. `media` is the
/// body's content: (media key, schema) in document order.
pub(super) fn request_forms(media: &[(String, Option<&serde_json::Value>)]) -> Vec<Vec<String>> {
    let preferred = media.iter().enumerate().min_by_key(|(index, (key, _))| (media_rank(key), *index)).map(|(index, _)| index);
    let order = preferred.into_iter().chain((0..media.len()).filter(|index| Some(*index) != preferred));
    // Each form: its schema, its encodings, its media keys.
    let mut forms: Vec<(Option<&serde_json::Value>, Vec<u8>, Vec<String>)> = Vec::new();
    for (key, schema) in order.map(|index| &media[index]) {
        let encoding = request_encoding(key);
        let joins = forms.iter_mut().find(|(form_schema, encodings, _)| {
            let first = encodings[0];
            let readable = match encoding {
                JSON | FORM | XML | MULTIPART => matches!(first, JSON | FORM | MULTIPART),
                TEXT => first == TEXT,
                _ => false,
            };
            *form_schema == *schema && readable && !encodings.contains(&encoding)
        });
        match joins {
            Some((_, encodings, keys)) => {
                encodings.push(encoding);
                keys.push(key.clone());
            }
            None => forms.push((*schema, vec![encoding], vec![key.clone()])),
        }
    }
    forms.into_iter().map(|(_, _, keys)| keys).collect()
}

const JSON: u8 = 0;
const FORM: u8 = 1;
const MULTIPART: u8 = 2;
const TEXT: u8 = 4;
const XML: u8 = 6;

/// [`media_rank`], but XML (read beside JSON) apart from other bytes.
fn request_encoding(media: &str) -> u8 {
    let essence = media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase();
    if essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml") { XML } else { media_rank(&essence) }
}
