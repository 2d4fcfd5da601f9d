//! Lowering: a normalised document in, an [`Api`] out.

use std::collections::BTreeSet;

use super::operations::{OperationLowering, rate_limit_headers, security_schemes};
use super::schemas::TypeSpace;
use super::{Api, TypeDef, TypeId, TypeKind, TypeRef, WebhookSignature, names};
use crate::diagnostic::Code;
use crate::error::{Error, Result, Warning};
use crate::load::Source;
use crate::normalize::Document;

/// What the user changed about an API on its way into the IR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customisation {
    /// Component schemas (by name) that are not generated but mapped to a Rust type (by path).
    pub rust_types: std::collections::BTreeMap<String, String>,
    /// Operations already removed from the document, to list in the docs.
    pub skipped: Vec<super::SkippedOperation>,
    /// Whether the crate gets a Cargo feature per tag (`x-clawgen-tag-features`).
    pub tag_features: bool,
}

/// Lowers `doc`, which was loaded from `source`, into the IR.
///
/// `name` is the API's short name (usually the spec's file stem); the crate
/// is called `<name>-v<major>`.
pub fn lower(source: &Source, doc: &Document, name: &str) -> Result<(Api, Vec<Warning>)> {
    lower_with(source, doc, name, &Customisation::default())
}

/// [`lower`], with the user's [`Customisation`].
pub fn lower_with(source: &Source, doc: &Document, name: &str, custom: &Customisation) -> Result<(Api, Vec<Warning>)> {
    let info = &doc.openapi.info;
    let (version, reading) = crate_version(&info.version);
    let version_warning = reading.map(|message| Warning::new(Code::Lenient, source.location("/info/version"), message));
    let major = version.split('.').next().unwrap_or("0").to_owned();
    // A crate name: lowercase words joined by `-`, starting with a letter.
    // Crate names become folder names: at most 64 characters (a title can be a paragraph).
    let name: String = names::field_name(name).trim_start_matches('_').replace('_', "-").chars().take(64).collect();
    let name = name.trim_end_matches('-').to_owned();
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) { format!("api-{name}") } else { name };

    let components = crate::timing::step(|| "lower: components".into());
    let mut space = TypeSpace::new(source, doc);
    space.declare_components()?;
    drop(components);
    let operations_step = crate::timing::step(|| "lower: operations".into());
    let schemes = security_schemes(&space)?;
    let rate_limit = rate_limit_headers(&doc.json);
    // One lowering for both, so that operations and webhooks share one set of names.
    let mut lowering = OperationLowering::new(&mut space, &schemes, rate_limit.clone());
    let mut operations = lowering.all()?;
    let mut webhooks = lowering.webhooks()?;
    let webhook_signature = webhook_signature(source, doc)?;
    let spec_json = operations.iter().any(|op| op.serves_spec).then(|| source.value.to_string());
    drop(operations_step);
    let _passes = crate::timing::step(|| "lower: passes".into());
    let TypeSpace { mut types, mut warnings, .. } = space;
    super::routes::mark_unroutable(&mut operations, &mut warnings, source);
    warnings.extend(doc.warnings.iter().cloned());
    warnings.extend(version_warning);
    // Before the passes below, which must not look inside a type that is not generated.
    super::external::map_rust_types(&mut types, &mut operations, &mut webhooks, &custom.rust_types);

    super::cycles::break_value_cycles(&mut types, &mut warnings, source)?;
    let type_depth = super::depth::check(&types, source)?;
    drop_misfit_defaults(&mut types, &mut warnings, source);
    mark_boxed_fields(&mut types);
    mark_validating_structs(&mut types);
    // Before tags decide gates: a shared type is compiled where any of its copies' users is.
    let query_structs = operations.iter().chain(&webhooks).filter_map(|op| op.query).collect();
    let sharing = crate::timing::step(|| "lower: share identical types".into());
    super::shared::share_identical_inline_types(&mut types, &query_structs);
    drop(sharing);

    let common_error = super::refusals::common_error(&operations);
    let tag_features = if custom.tag_features {
        let descriptions = doc.openapi.tags.iter().map(|tag| (tag.name.clone(), tag.description.clone())).collect();
        super::tags::decide(&mut types, &mut operations, &webhooks, common_error.as_ref(), &descriptions)
    } else {
        Vec::new()
    };
    let api = Api {
        spec_file: source.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        crate_name: format!("{name}-v{major}"),
        trait_name: format!("{}Api", names::type_name(&name)),
        name,
        version,
        api_version: info.version.clone(),
        title: info.title.clone(),
        description: info.description.clone(),
        base_url: doc.openapi.servers.first().map(|s| s.url.clone()),
        types,
        operations,
        security_schemes: schemes,
        rate_limit,
        webhooks,
        webhook_signature,
        spec_json,
        type_depth,
        skipped: custom.skipped.clone(),
        common_error,
        tag_features,
    };
    xml_warnings(&api, &mut warnings, source);
    Ok((api, warnings))
}

/// Warns of the `xml` keywords clawgen does not honour, in the types that travel as XML.
fn xml_warnings(api: &Api, warnings: &mut Vec<Warning>, source: &Source) {
    let xml_bodies = api.request_forms().filter(|b| b.accepts(crate::ir::Encoding::Xml));
    for id in api.reachable(xml_bodies.map(|b| &b.ty)) {
        let TypeKind::Struct(st) = &api.types[id.0].kind else { continue };
        for (pointer, keyword) in st.fields.iter().filter_map(|f| f.xml.as_ref()).flat_map(|x| &x.unhonoured) {
            let message = match keyword.as_str() {
                "attribute" => {
                    "only text (a string, number or boolean) can be an XML attribute; this one is read and written as an element".to_owned()
                }
                _ => format!("`{keyword}` is not honoured: XML elements are read by their local names and written without namespaces"),
            };
            warnings.push(Warning::new(Code::XmlIgnored, source.location(pointer), message));
        }
    }
}

/// Reads `x-clawgen-webhook-signature`.
fn webhook_signature(source: &Source, doc: &Document) -> Result<Option<WebhookSignature>> {
    let Some(ext) = doc.openapi.extensions.get("x-clawgen-webhook-signature") else { return Ok(None) };
    let invalid = |message: &str| Error::Invalid {
        code: Code::BadOption,
        location: source.location("/x-clawgen-webhook-signature"),
        message: message.to_owned(),
    };
    let text = |key: &str| ext.get(key).and_then(serde_json::Value::as_str);
    if text("algorithm").is_some_and(|a| !a.eq_ignore_ascii_case("hmac-sha256")) {
        return Err(Error::Unsupported {
            code: Code::Unsupported,
            location: source.location("/x-clawgen-webhook-signature/algorithm"),
            feature: "webhook signature algorithms other than hmac-sha256".into(),
        });
    }
    if text("encoding").is_some_and(|e| !e.eq_ignore_ascii_case("hex")) {
        return Err(Error::Unsupported {
            code: Code::Unsupported,
            location: source.location("/x-clawgen-webhook-signature/encoding"),
            feature: "webhook signature encodings other than hex".into(),
        });
    }
    Ok(Some(WebhookSignature {
        header: text("header").ok_or_else(|| invalid("`header` (the signature header's name) is required"))?.to_owned(),
        timestamp_header: text("timestamp-header").map(str::to_owned),
        timestamp_millis: matches!(text("timestamp-unit"), Some("milliseconds")),
        tolerance_seconds: ext.get("tolerance-seconds").and_then(serde_json::Value::as_u64).unwrap_or(300),
        // A sender's clock may run ahead of ours; by default as far as a delivery may age.
        future_skew_seconds: ext.get("future-skew-seconds").and_then(serde_json::Value::as_u64).unwrap_or(300),
    }))
}

/// The crate version for `info.version`, and what was assumed when it is not
/// `MAJOR[.MINOR[.PATCH]]` (a lenient reading, in order):
///
/// - a date (`2024-04`, `2026-07-15`) is `YEAR.MONTH.DAY` (`2024.4.0`);
/// - a version with a suffix (`v1alpha3`) is that version with the suffix as pre-release (`1.0.0-alpha3`);
/// - text holding exactly one version (`Dev - Spec v1.7.0-alpha.8`) is that version;
/// - anything else (`wip`, `latest`, empty) is `0.0.0`, so that the crate's directory
///   (`<name>-v0`) stays the same from one generation to the next.
fn crate_version(version: &str) -> (String, Option<String>) {
    static DATE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$").expect("a valid regex"));
    static SUFFIXED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[vV]?(\d+(?:\.\d+){0,2})[-_.+]?([A-Za-z][0-9A-Za-z.-]*)$").expect("a valid regex")
    });
    static EMBEDDED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:^|[^0-9A-Za-z.])[vV]?(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)(?:$|[^0-9A-Za-z.])")
            .expect("a valid regex")
    });
    let trimmed = version.trim();
    if let Some(date) = DATE.captures(trimmed) {
        let number = |i: usize| date.get(i).map_or(0, |m| m.as_str().parse::<u64>().unwrap_or(0));
        let read = format!("{}.{}.{}", number(1), number(2), number(3));
        return (read.clone(), Some(format!("`info.version` `{trimmed}` is a date, not a semver version; the crate is versioned {read}")));
    }
    if let Some(read) = semver_of(trimmed) {
        return (read, None);
    }
    if let Some(suffixed) = SUFFIXED.captures(trimmed) {
        if let Some(core) = semver_of(&suffixed[1]) {
            let pre = suffixed[2].trim_matches(['.', '-']).replace('_', "-");
            if let Some(read) = semver_of(&format!("{core}-{pre}")) {
                return (read.clone(), Some(format!("`info.version` `{trimmed}` is not a semver version; the crate is versioned {read}")));
            }
        }
    }
    let mut found: Vec<String> = EMBEDDED.captures_iter(trimmed).filter_map(|c| semver_of(&c[1])).collect();
    found.dedup();
    if let [only] = found.as_slice() {
        let message = format!("`info.version` `{trimmed}` is not a version, but holds one; the crate is versioned {only}");
        return (only.clone(), Some(message));
    }
    let message = format!("`info.version` `{trimmed}` is not a version; the crate is versioned 0.0.0 (directory `<name>-v0`)");
    ("0.0.0".to_owned(), Some(message))
}

/// `1`, `1.2` and `1.2.3` (with optional pre-release) as a semver version.
fn semver_of(version: &str) -> Option<String> {
    let version = version.trim().trim_start_matches(['v', 'V']);
    let (core, pre) = match version.split_once(['-', '+']) {
        Some((core, _)) => (core, &version[core.len()..]),
        None => (version, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    // Semver forbids numeric pre-release identifiers with leading zeros, as in dates.
    let pre_ids = pre.get(1..).unwrap_or("").split(['.', '+']);
    if pre_ids.into_iter().any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let number = |i: usize| parts.get(i).map_or(Ok(0), |p| p.parse::<u64>()).ok();
    Some(format!("{}.{}.{}{pre}", number(0)?, number(1)?, number(2)?))
}

/// A default that its own schema rejects cannot be honoured: warn and drop it.
/// One that breaks the schema's constraints would be filled in for a request
/// that leaves the property out, and the server would then refuse that
/// request: it is dropped too, so that leaving the property out stays valid.
fn drop_misfit_defaults(types: &mut [TypeDef], warnings: &mut Vec<Warning>, source: &Source) {
    for index in 0..types.len() {
        let TypeKind::Struct(st) = &types[index].kind else { continue };
        let misfits: Vec<(usize, &str)> = st
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let default = f.default.as_ref()?;
                if !super::sample::fits(types, &f.ty, default) {
                    Some((i, "the default does not fit its schema; it is ignored"))
                } else if !super::sample::keeps_within(types, &f.ty, &f.constraints, default) {
                    Some((i, "the default breaks its own schema's constraints, so a value left out would be refused; it is ignored"))
                } else {
                    None
                }
            })
            .collect();
        let pointer = types[index].pointer.clone();
        if let TypeKind::Struct(st) = &mut types[index].kind {
            for (i, why) in misfits {
                let field = &mut st.fields[i];
                warnings.push(Warning::new(
                    Code::IgnoredDefault,
                    source.location(&format!("{pointer}/properties/{}/default", crate::load::escape_segment(&field.wire_name))),
                    why,
                ));
                field.default = None;
            }
        }
    }
}

/// Types that hold each other by value (not through a `Vec` or map) would
/// have infinite size; the fields that close such a cycle are boxed.
fn mark_boxed_fields(types: &mut [TypeDef]) {
    for index in 0..types.len() {
        let TypeKind::Struct(st) = &types[index].kind else { continue };
        let boxed: Vec<bool> =
            st.fields.iter().map(|f| inline_targets(&f.ty).iter().any(|target| reaches(types, *target, TypeId(index)))).collect();
        if let TypeKind::Struct(st) = &mut types[index].kind {
            for (field, boxed) in st.fields.iter_mut().zip(boxed) {
                field.boxed = boxed;
            }
        }
    }
}

/// The named types that `ty` contains by value.
fn inline_targets(ty: &TypeRef) -> Vec<TypeId> {
    match ty {
        TypeRef::Named(id) => vec![*id],
        TypeRef::Nullable(inner) => inline_targets(inner),
        _ => Vec::new(),
    }
}

fn reaches(types: &[TypeDef], from: TypeId, goal: TypeId) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(id) = stack.pop() {
        if id == goal {
            return true;
        }
        if !seen.insert(id) {
            continue;
        }
        match &types[id.0].kind {
            TypeKind::Struct(st) => stack.extend(st.fields.iter().flat_map(|f| inline_targets(&f.ty))),
            TypeKind::Alias(ty) => stack.extend(inline_targets(ty)),
            TypeKind::Union(u) => stack.extend(u.variants.iter().flat_map(|v| inline_targets(&v.ty))),
            TypeKind::Enum(_) => {}
        }
    }
    false
}

/// A struct validates when one of its fields has constraints or holds a type that validates.
fn mark_validating_structs(types: &mut [TypeDef]) {
    loop {
        let mut changed = false;
        for index in 0..types.len() {
            let TypeKind::Struct(st) = &types[index].kind else { continue };
            if st.validates {
                continue;
            }
            let needed = st.fields.iter().any(|f| !f.constraints.is_empty() || type_validates(types, &f.ty))
                || st.additional_constraints.is_some()
                || st.additional.as_ref().is_some_and(|ty| type_validates(types, ty));
            if needed {
                if let TypeKind::Struct(st) = &mut types[index].kind {
                    st.validates = true;
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Whether values of `ty` have a `validate` method to call: structs with checks,
/// and enums whose `Other` the server refuses in requests.
pub fn type_validates(types: &[TypeDef], ty: &TypeRef) -> bool {
    validates_within(types, ty, &mut Vec::new())
}

/// `type_validates`, with the unions and aliases being looked into further up:
/// a union validates when one of its variants does, an alias when what it names
/// does, and one that holds itself (in an array, say) adds nothing the second time.
fn validates_within(types: &[TypeDef], ty: &TypeRef, within: &mut Vec<TypeId>) -> bool {
    match ty {
        TypeRef::Named(id) => match &types[id.0].kind {
            TypeKind::Struct(st) => st.validates,
            TypeKind::Enum(e) => e.refuses_other(),
            _ if within.contains(id) => false,
            TypeKind::Union(u) => {
                within.push(*id);
                let validates = u.variants.iter().any(|v| !v.constraints.is_empty() || validates_within(types, &v.ty, within));
                within.pop();
                validates
            }
            TypeKind::Alias(inner) => {
                within.push(*id);
                let validates = validates_within(types, inner, within);
                within.pop();
                validates
            }
        },
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => validates_within(types, inner, within),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{crate_version, semver_of};
    use crate::ir::{Api, RetryHint, RetryUnit};

    /// A document whose one operation answers 429 with `body` and `extension` (YAML flow text).
    fn lowered(body: &str, extension: &str, root: &str) -> crate::error::Result<Api> {
        let text = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\n{root}paths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200': {{description: ok}}\n        '429':\n          description: slow down\n          {extension}\n          content:\n            application/json:\n              schema: {body}\n"
        );
        let source = crate::load::Source::parse(std::path::Path::new("t.yaml"), text).expect("parses");
        let doc = crate::normalize::normalize(&source).expect("normalizes");
        crate::ir::lower(&source, &doc, "t").map(|(api, _)| api)
    }

    #[test]
    fn defaults_that_break_their_schemas_are_dropped_with_a_warning() {
        use crate::ir::TypeKind;
        let (api, warnings) = crate::ir::schemas::tests::lowered(
            "  {}",
            r#"
    Page:
      type: object
      properties:
        limit: {type: integer, minimum: 1, maximum: 100, default: 0}
        sort: {type: string, minLength: 3, default: ""}
        size: {type: integer, default: 1.5}
        kept: {type: integer, minimum: 1, default: 20}
        tags: {type: array, items: {type: string}, minItems: 1, default: []}
        range: {$ref: '#/components/schemas/Range'}
        ranges: {type: array, items: {$ref: '#/components/schemas/Range'}, default: [{low: 5}]}
    Range:
      type: object
      properties:
        low: {type: integer, maximum: 3}
"#,
        );
        let TypeKind::Struct(page) = &api.types.iter().find(|def| def.name == "Page").expect("Page").kind else {
            panic!("Page is a struct")
        };
        let default = |name: &str| page.fields.iter().find(|f| f.wire_name == name).expect("the field").default.clone();
        for name in ["limit", "sort", "size", "tags", "ranges"] {
            assert_eq!(default(name), None, "{name}");
            let pointer = format!("/components/schemas/Page/properties/{name}/default");
            assert!(warnings.iter().any(|w| w.location.pointer == pointer), "{name}: {warnings:?}");
        }
        assert_eq!(default("kept"), Some(serde_json::json!(20)));
        let breaks = warnings.iter().find(|w| w.location.pointer.ends_with("/limit/default")).expect("limit's warning");
        assert!(breaks.message.contains("constraints"), "{}", breaks.message);
    }

    const NESTED: &str = "{type: object, properties: {error: {type: object, properties: {details: {type: object, properties: {resetAt: {type: string, format: date-time}, wait_ms: {type: integer}}}, retry_after: {type: integer}}}}}";

    #[test]
    fn retry_hints_come_from_the_extension_in_every_unit() {
        for (pointer, unit, expected) in [
            ("/error/details/resetAt", "date-time", RetryUnit::DateTime),
            ("/error/details/wait_ms", "milliseconds", RetryUnit::Milliseconds),
            ("/error/retry_after", "unix-seconds", RetryUnit::UnixSeconds),
            ("/error/retry_after", "seconds", RetryUnit::Seconds),
        ] {
            let api = lowered(NESTED, &format!("x-clawgen-retry-after: {{pointer: '{pointer}', unit: {unit}}}"), "").expect("lowers");
            let hints = api.retry_hints();
            assert_eq!(hints.len(), 1, "{unit}");
            assert_eq!(hints[0].unit, expected);
            assert_eq!(hints[0].pointer(), pointer);
            assert!(api.operations[0].errors[0].retry_slot.is_some(), "{unit}: the server fills the hint");
        }
    }

    #[test]
    fn a_retry_after_property_is_a_hint_in_seconds_without_the_extension() {
        // One level deep, through a property the body always has (as the server's slots do).
        let body = "{type: object, required: [error], properties: {error: {type: object, properties: {retry_after: {type: integer}}}}}";
        let api = lowered(body, "x-other: 1", "").expect("lowers");
        let expected = RetryHint { path: vec!["error".into(), "retry_after".into()], unit: RetryUnit::Seconds };
        assert_eq!(api.retry_hints(), [&expected]);
        let api = lowered("{type: object, properties: {message: {type: string}}}", "x-other: 1", "").expect("lowers");
        assert!(api.retry_hints().is_empty(), "no hint where the body states none");
    }

    #[test]
    fn a_retry_hint_must_name_a_property_in_a_known_unit() {
        let error = lowered(NESTED, "x-clawgen-retry-after: {pointer: /error/nope}", "").expect_err("no such property");
        assert!(error.to_string().contains("`/error/nope` names no property"), "{error}");
        let error =
            lowered(NESTED, "x-clawgen-retry-after: {pointer: /error/retry_after, unit: fortnights}", "").expect_err("no such unit");
        assert!(error.to_string().contains("unit `fortnights` is not one of seconds, milliseconds, unix-seconds, date-time"), "{error}");
        let error = lowered(NESTED, "x-clawgen-retry-after: {unit: seconds}", "").expect_err("no pointer");
        assert!(error.to_string().contains("`pointer`"), "{error}");
    }

    #[test]
    fn webhook_timestamps_allow_a_bounded_clock_skew() {
        let root = "x-clawgen-webhook-signature: {header: X-Sig, timestamp-header: X-Ts}\n";
        let signature = lowered(NESTED, "x-other: 1", root).expect("lowers").webhook_signature.expect("a signature");
        assert_eq!((signature.tolerance_seconds, signature.future_skew_seconds), (300, 300), "the defaults");
        let root = "x-clawgen-webhook-signature: {header: X-Sig, timestamp-header: X-Ts, tolerance-seconds: 60, future-skew-seconds: 5}\n";
        let signature = lowered(NESTED, "x-other: 1", root).expect("lowers").webhook_signature.expect("a signature");
        assert_eq!((signature.tolerance_seconds, signature.future_skew_seconds), (60, 5));
    }

    #[test]
    fn versions_become_semver() {
        assert_eq!(semver_of("1.0.0").as_deref(), Some("1.0.0"));
        assert_eq!(semver_of("2").as_deref(), Some("2.0.0"));
        assert_eq!(semver_of("v2.1").as_deref(), Some("2.1.0"));
        assert_eq!(semver_of("1.0.0-beta.1").as_deref(), Some("1.0.0-beta.1"));
        assert_eq!(semver_of("latest"), None);
    }

    #[test]
    fn other_versions_are_read_leniently_and_say_so() {
        let read = |version: &str| {
            let (read, warning) = crate_version(version);
            (read, warning.is_some())
        };
        assert_eq!(read("1.2.3"), ("1.2.3".into(), false));
        assert_eq!(read("2.0-draft"), ("2.0.0-draft".into(), false));
        assert_eq!(read("2024-01-01"), ("2024.1.1".into(), true));
        assert_eq!(read("2024-04"), ("2024.4.0".into(), true));
        assert_eq!(read("2026.06.3"), ("2026.6.3".into(), false));
        assert_eq!(read("v1alpha3"), ("1.0.0-alpha3".into(), true));
        assert_eq!(read("Dev - Ethereum Proof-of-Stake Consensus Specification v1.7.0-alpha.8"), ("1.7.0-alpha.8".into(), true));
        assert_eq!(read("between 1.2 and 1.3"), ("0.0.0".into(), true));
        for fallback in ["wip", "latest", "", "PLACEHOLDER_HIVEMQ_VERSION"] {
            assert_eq!(read(fallback), ("0.0.0".into(), true), "{fallback}");
        }
    }
}
