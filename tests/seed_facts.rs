//! The facts each seed (`../shared/seeds/*-api.txt`, the APIs' public docs)
//! states explicitly and a generated crate depends on: which operations need
//! credentials and how they travel, the documented statuses, the names of the
//! rate-limit and signature headers and of the retry hints. One test per API.
//!
//! Each fact is read from the spec in `specs/` and, where the crate exposes it,
//! from the generated crate itself (`auth::Operation::security()`, the error
//! enums, `webhooks::*` constants), so a spec edit or a generator change that
//! contradicts the seed fails here. Where the seed gives only examples, the
//! test checks the spec stays lenient (open enums, nothing required that the
//! seed does not state).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// A spec as JSON.
fn spec(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `value`, with a local `$ref` followed.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = doc.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("{reference} resolves"));
            resolve(doc, target)
        }
        None => value,
    }
}

/// Every operation: (operationId, method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: an operationId")).to_owned();
                out.push((id, method.clone(), path.clone(), op));
            }
        }
    }
    out
}

/// The operation's security requirement: its own, else the document's.
fn security<'a>(doc: &'a Value, op: &'a Value) -> &'a Value {
    op.get("security").unwrap_or(&doc["security"])
}

/// The schemes of an operation's requirement, as one sorted list per alternative.
fn schemes(doc: &Value, op: &Value) -> Vec<Vec<String>> {
    let alternatives = security(doc, op).as_array().expect("security is a list");
    alternatives.iter().map(|alt| alt.as_object().expect("a requirement").keys().cloned().collect()).collect()
}

/// The documented statuses of an operation.
fn statuses(op: &Value) -> BTreeSet<String> {
    op["responses"].as_object().expect("responses").keys().cloned().collect()
}

/// A response of an operation, resolved.
fn response<'a>(doc: &'a Value, op: &'a Value, status: &str) -> &'a Value {
    resolve(doc, op["responses"].get(status).unwrap_or_else(|| panic!("a {status} response")))
}

/// The header names (lowercase) a response declares.
fn header_names(doc: &Value, response: &Value) -> BTreeSet<String> {
    let _ = doc;
    response.get("headers").and_then(Value::as_object).map(|h| h.keys().map(|k| k.to_ascii_lowercase()).collect()).unwrap_or_default()
}

/// A component schema.
fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]["schemas"].get(name).unwrap_or_else(|| panic!("schema {name}"))
}

/// The values of an open enum written as the idiom `anyOf: [{type: string, enum: [..]}, {type: string}]`
/// (any string, these known), which clawgen reads as an enum with an `Other(..)` variant.
fn open_idiom(schema: &Value) -> Option<Vec<String>> {
    let branches = schema.get("anyOf")?.as_array()?;
    let listed = branches.iter().find_map(|b| b.get("enum")?.as_array())?;
    let any_string = branches.iter().any(|b| b.get("enum").is_none() && b.get("type") == Some(&Value::String("string".into())));
    any_string.then(|| listed.iter().map(|v| v.as_str().expect("a string").to_owned()).collect())
}

/// Whether a schema with an `enum` is declared open by the extension.
fn open_by_extension(schema: &Value) -> bool {
    schema.get("x-clawgen-open-enum") == Some(&Value::Bool(true))
}

/// The `enum` of a component schema, and whether it is open.
fn enum_of(doc: &Value, name: &str) -> (Vec<String>, bool) {
    let schema = schema(doc, name);
    if let Some(values) = open_idiom(schema) {
        return (values, true);
    }
    let values = schema["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has an enum"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect();
    (values, open_by_extension(schema))
}

/// Every string enum of the document (components and inline), by its JSON pointer, with whether it is open.
fn all_enums(value: &Value, at: &str, out: &mut Vec<(String, bool)>) {
    match value {
        Value::Object(map) => {
            if open_idiom(value).is_some() {
                out.push((at.to_owned(), true));
                for (key, inner) in map.iter().filter(|(key, _)| *key != "anyOf") {
                    all_enums(inner, &format!("{at}/{key}"), out);
                }
                return;
            }
            if map.contains_key("enum") && map.get("type") == Some(&Value::String("string".into())) {
                out.push((at.to_owned(), open_by_extension(value)));
            }
            for (key, inner) in map {
                all_enums(inner, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, inner)| all_enums(inner, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The seed: "All endpoints require an Enterprise API key. Pass it in the
/// X-Api-Key header or as a Bearer token"; the statuses 400, 401, 403, 404,
/// 429 ("retry after the Retry-After header value") and 500; the filters'
/// value sets.
#[test]
fn clawguru_seed_facts() {
    use clawguru_v1::auth::Operation;
    let doc = spec("clawguru.yaml");
    let key_scheme = &doc["components"]["securitySchemes"]["ApiKeyHeader"];
    assert_eq!(
        (key_scheme["type"].as_str(), key_scheme["in"].as_str(), key_scheme["name"].as_str()),
        (Some("apiKey"), Some("header"), Some("X-Api-Key"))
    );
    assert_eq!(doc["components"]["securitySchemes"]["BearerAuth"]["scheme"], "bearer");

    let ops = operations(&doc);
    assert_eq!(ops.len(), 3);
    for (id, _, _, op) in &ops {
        assert_eq!(schemes(&doc, op), [vec!["ApiKeyHeader".to_owned()], vec!["BearerAuth".to_owned()]], "{id}: either key");
        let documented = statuses(op);
        for status in ["200", "401", "403", "429", "500"] {
            assert!(documented.contains(status), "{id}: {status}");
        }
        assert!(header_names(&doc, response(&doc, op, "429")).contains("retry-after"), "{id}: 429 with Retry-After");
    }
    let by_id = |wanted: &str| ops.iter().find(|(id, ..)| id == wanted).map(|(.., op)| *op).expect("the operation");
    assert!(statuses(by_id("checkIndicator")).contains("400"));
    assert!(statuses(by_id("getRunbook")).contains("404"));

    // The generated crate asks for the same credentials on every operation.
    for operation in [Operation::CheckIndicator, Operation::GetLatestIntelFeed, Operation::GetRunbook] {
        let alternatives: Vec<Vec<&str>> = operation.security().iter().map(|alt| alt.iter().map(|(scheme, _)| *scheme).collect()).collect();
        assert_eq!(alternatives, [vec!["ApiKeyHeader"], vec!["BearerAuth"]], "{}", operation.id());
    }
    let error = clawguru_v1::errors::GetRunbookError::NotFound(clawguru_v1::types::Error::new("Runbook not found").into());
    assert_eq!(error.status(), 404);

    // Full sets in the seed stay closed; the risk scale, shown by one example, is open.
    assert_eq!(enum_of(&doc, "IndicatorType"), (vec!["ip".into(), "domain".into(), "hash".into(), "url".into()], false));
    assert_eq!(enum_of(&doc, "Severity"), (vec!["high".into(), "medium".into(), "low".into()], false));
    assert_eq!(enum_of(&doc, "ThreatCategory").0, ["exposure", "websocket", "secrets", "supply-chain", "ops"]);
    assert!(enum_of(&doc, "RiskLevel").1, "RiskLevel is open");
    let unknown: clawguru_v1::types::RiskLevel = serde_json::from_str("\"severe\"").expect("an unlisted risk level decodes");
    assert_eq!(serde_json::to_string(&unknown).expect("encodes"), "\"severe\"");
}

/// The seed: "All requests ... require a valid API key passed in the
/// Authorization header" (Bearer), the `threat:read`/`threat:write` scopes,
/// the `severity` filter's four values, "Rate limit headers are included in
/// every response" and the 429 body's `retry_after` (no Retry-After header).
#[test]
fn cybervault_seed_facts() {
    use cybervault_v2::auth::Operation;
    let doc = spec("cybervault.yaml");
    assert_eq!(doc["components"]["securitySchemes"]["BearerAuth"]["scheme"], "bearer");
    let ops = operations(&doc);
    assert_eq!(ops.len(), 3);
    for (id, _, _, op) in &ops {
        assert_eq!(schemes(&doc, op), [vec!["BearerAuth".to_owned()]], "{id}");
        for (status, answer) in op["responses"].as_object().expect("responses") {
            let headers = header_names(&doc, resolve(&doc, answer));
            for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
                assert!(headers.contains(name), "{id} {status}: {name} is on every response");
            }
        }
        let too_many = response(&doc, op, "429");
        assert!(!header_names(&doc, too_many).contains("retry-after"), "{id}: the seed gives no Retry-After header");
        assert_eq!(too_many["x-clawgen-retry-after"], serde_json::json!({"pointer": "/error/retry_after", "unit": "seconds"}), "{id}");
    }
    for operation in [Operation::ListRecentThreats, Operation::AnalyzeThreat, Operation::UpdateThreatStatus] {
        assert_eq!(operation.security(), &[&[("BearerAuth", &["threat:read"][..])][..]], "{}", operation.id());
    }
    // The seed's error body: `{"error": {"code", "message", "retry_after"}}`.
    let body: cybervault_v2::types::Error = serde_json::from_str(
        r#"{"error":{"code":"rate_limit_exceeded","message":"Too many requests. Limit: 100 req/min","retry_after":42}}"#,
    )
    .expect("the seed's 429 body decodes");
    assert_eq!(body.error.retry_after, Some(42));
    let error = cybervault_v2::errors::ListRecentThreatsError::TooManyRequests(body.into());
    assert_eq!(error.status(), 429);

    let list = ops.iter().find(|(id, ..)| id == "listRecentThreats").map(|(.., op)| *op).expect("listRecentThreats");
    let severity = list["parameters"].as_array().expect("parameters").iter().find(|p| p["name"] == "severity").expect("severity");
    assert_eq!(severity["required"], true, "the seed marks severity required");
    assert_eq!(enum_of(&doc, "Severity"), (vec!["critical".into(), "high".into(), "medium".into(), "low".into()], false));
    // Only examples in the seed: open.
    for name in ["ThreatType", "ThreatStatus", "TargetType"] {
        assert!(enum_of(&doc, name).1, "{name} is open");
    }
    let unknown: cybervault_v2::types::ThreatType = serde_json::from_str("\"worm\"").expect("an unlisted type decodes");
    assert_eq!(serde_json::to_value(&unknown).expect("encodes"), "worm");
}

/// The seed: "All API requests require authentication via API key in the
/// Authorization header" (Bearer); the status table 200, 201, 400, 401, 403,
/// 404, 429, 500; `{success, data, meta}`; the `X-RateLimit-*` headers; the
/// 429 `details` (`resetAt`, `limit`, `window`); the seven error codes; the
/// webhook signature (`x-clawget-signature`, `x-clawget-timestamp` in
/// milliseconds, HMAC-SHA256 hex, five minutes).
#[test]
fn clawget_seed_facts() {
    let doc = spec("clawget.yaml");
    assert_eq!(doc["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"], "bearer");
    let table = set(&["200", "201", "400", "401", "403", "404", "429", "500"]);
    let ops = operations(&doc);
    assert!(ops.len() >= 20, "{}", ops.len());
    for (id, _, _, op) in &ops {
        let alternatives = schemes(&doc, op);
        assert!(!alternatives.is_empty() && alternatives.iter().all(|alt| alt == &["ApiKeyAuth"]), "{id}: needs the key");
        let documented = statuses(op);
        assert!(documented.is_subset(&table), "{id}: {documented:?} has a status the seed's table does not");
        for status in ["401", "429", "500"] {
            assert!(documented.contains(status), "{id}: {status}");
        }
        for (status, answer) in op["responses"].as_object().expect("responses") {
            let answer = resolve(&doc, answer);
            let headers = header_names(&doc, answer);
            assert!(
                ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"].iter().all(|h| headers.contains(*h)),
                "{id} {status}: rate-limit headers"
            );
            assert!(!headers.contains("retry-after"), "{id} {status}: the seed gives no Retry-After header");
            let body = resolve(&doc, &answer["content"]["application/json"]["schema"]);
            let properties: BTreeSet<String> = body["properties"].as_object().expect("an envelope").keys().cloned().collect();
            let expected = if status.starts_with('2') { set(&["success", "data", "meta"]) } else { set(&["success", "error"]) };
            assert_eq!(properties, expected, "{id} {status}: the seed's envelope");
        }
        let too_many = response(&doc, op, "429");
        assert_eq!(
            too_many["x-clawgen-retry-after"],
            serde_json::json!({"pointer": "/error/details/resetAt", "unit": "date-time"}),
            "{id}"
        );
    }
    let details = schema(&doc, "RateLimitDetails");
    let names: BTreeSet<String> = details["properties"].as_object().expect("properties").keys().cloned().collect();
    assert_eq!(names, set(&["resetAt", "limit", "window"]));

    let (codes, open) = enum_of(&doc, "ErrorCode");
    assert_eq!(
        codes,
        [
            "INVALID_API_KEY",
            "INSUFFICIENT_PERMISSIONS",
            "INSUFFICIENT_BALANCE",
            "SPENDING_LIMIT_EXCEEDED",
            "LISTING_NOT_FOUND",
            "ALREADY_PURCHASED",
            "RATE_LIMIT_EXCEEDED"
        ],
        "exactly the seed's codes"
    );
    assert!(open, "the seed lists common codes only");
    let seed_429: clawget_v1::types::RateLimitErrorResponse = serde_json::from_str(
        r#"{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Resets at 2025-02-03T15:00:00Z","details":{"resetAt":"2025-02-03T15:00:00Z","limit":1000,"window":"1h"}}}"#,
    )
    .expect("the seed's 429 body decodes");
    assert_eq!((seed_429.error.details.limit, seed_429.error.details.window.as_deref()), (Some(1000), Some("1h")));

    // Webhooks: the seed's receiver reads these headers, HMAC-SHA256 hex, and a
    // millisecond timestamp (`Date.now() - parseInt(timestamp)`) at most five minutes old.
    let signature = &doc["x-clawgen-webhook-signature"];
    assert_eq!(signature["algorithm"], "hmac-sha256");
    assert_eq!(signature["encoding"], "hex");
    assert_eq!(signature["timestamp-unit"], "milliseconds");
    assert_eq!(
        (clawget_v1::webhooks::SIGNATURE_HEADER, clawget_v1::webhooks::TIMESTAMP_HEADER),
        ("X-Clawget-Signature", "X-Clawget-Timestamp")
    );
    assert_eq!(clawget_v1::webhooks::TOLERANCE, std::time::Duration::from_secs(5 * 60));
    let webhooks: BTreeSet<String> = doc["webhooks"].as_object().expect("webhooks").keys().cloned().collect();
    assert_eq!(webhooks, set(&["purchase.completed", "subscription.renewed", "subscription.cancelled"]));
    // Every value set of this API is shown by example only.
    let mut enums = Vec::new();
    all_enums(&doc, "", &mut enums);
    let closed: Vec<&String> = enums.iter().filter(|(_, open)| !open).map(|(at, _)| at).collect();
    assert!(closed.is_empty(), "closed enums the seed does not give in full: {closed:?}");
}

/// The seed's public list ("Public (no auth)", "(public)", "no auth
/// required", "no auth — signature verified", "Chains (public, no auth)"),
/// `POST /v1/auth/refresh` answering 400 "Refresh tokens not yet
/// implemented", `created_by` on `/v1/agents/me`, the paginated credit
/// ledger, and the value sets it gives in full.
#[test]
fn oneclaw_seed_facts() {
    use oneclaw_v1::auth::Operation;
    let doc = spec("1claw.yaml");
    assert_eq!(doc["components"]["securitySchemes"]["BearerJwt"]["scheme"], "bearer");
    let seed_public = set(&[
        "get /v1/health",
        "get /v1/health/hsm",
        "get /v1/share/{share_id}",
        "post /v1/auth/mfa/verify",
        "get /v1/auth/device/code/{user_code}",
        "post /v1/agents/enroll",
        "get /v1/chains",
        "get /v1/chains/{identifier}",
        "post /v1/billing/webhooks",
    ]);
    // Obtaining a token cannot need one.
    let token_issuing = set(&[
        "post /v1/auth/signup",
        "post /v1/auth/token",
        "post /v1/auth/agent-token",
        "post /v1/auth/api-key-token",
        "post /v1/auth/google",
        "post /v1/auth/device/code",
        "post /v1/auth/device/token",
        "post /v1/auth/refresh",
    ]);
    let ops = operations(&doc);
    let public: BTreeSet<String> = ops
        .iter()
        .filter(|(_, _, _, op)| security(&doc, op).as_array().is_some_and(Vec::is_empty))
        .map(|(_, m, p, _)| format!("{m} {p}"))
        .collect();
    assert!(seed_public.is_subset(&public), "public in the seed: {:?}", seed_public.difference(&public).collect::<Vec<_>>());
    let allowed: BTreeSet<String> = seed_public.union(&token_issuing).cloned().collect();
    assert!(public.is_subset(&allowed), "public without the seed saying so: {:?}", public.difference(&allowed).collect::<Vec<_>>());
    for (id, method, path, op) in &ops {
        if !public.contains(&format!("{method} {path}")) {
            assert_eq!(schemes(&doc, op), [vec!["BearerJwt".to_owned()]], "{id}");
            assert!(statuses(op).contains("401"), "{id}: the pipeline's 401");
        }
        assert!(statuses(op).contains("429"), "{id}: the pipeline's 429");
        assert!(!header_names(&doc, response(&doc, op, "429")).contains("retry-after"), "{id}: the seed names no retry header");
        // Cursor pagination only on the ledger the seed calls paginated.
        let cursor = op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|params| params.iter().any(|p| resolve(&doc, p)["name"] == "cursor"));
        assert_eq!(cursor, id == "listCreditTransactions", "{id}: cursor pagination");
    }
    assert!(Operation::GetHealth.security().is_empty());
    assert!(Operation::RefreshToken.security().is_empty());
    assert_eq!(Operation::ListVaults.security(), &[&[("BearerJwt", &[][..])][..]]);

    // Refresh: a 400 with the seed's message, and no success.
    let refresh = ops.iter().find(|(id, ..)| id == "refreshToken").map(|(.., op)| *op).expect("refreshToken");
    assert!(statuses(refresh).iter().all(|status| !status.starts_with('2')), "{:?}", statuses(refresh));
    let bad = response(&doc, refresh, "400");
    assert_eq!(bad["content"]["application/json"]["example"]["message"], "Refresh tokens not yet implemented");

    // `created_by` is promised on /v1/agents/me only.
    let required = |name: &str| -> BTreeSet<String> {
        let schema = schema(&doc, name);
        let own = schema["required"].as_array().into_iter().flatten();
        let merged = schema["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|part| resolve(&doc, part)["required"].as_array().into_iter().flatten());
        own.chain(merged).filter_map(Value::as_str).map(str::to_owned).collect()
    };
    assert!(!required("Agent").contains("created_by"));
    assert!(required("AgentProfile").contains("created_by"));
    let me = ops.iter().find(|(id, ..)| id == "getCurrentAgent").map(|(.., op)| *op).expect("getCurrentAgent");
    assert_eq!(response(&doc, me, "200")["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/AgentProfile");
    let agent: oneclaw_v1::types::Agent = serde_json::from_value(serde_json::json!({
        "id": "7e4b2c9a-5d1f-4a3e-8c6b-9f2d1e7a4b35", "org_id": "9b2f6c1e-4d3a-4f8b-a1c2-7e5d9f0a3b41", "name": "bot",
        "is_active": true, "intents_api_enabled": false, "vault_ids": [], "key_prefix": "ocv_k3J9",
        "created_at": "2026-02-03T16:20:00Z", "updated_at": "2026-02-03T16:20:00Z"
    }))
    .expect("an agent without created_by decodes");
    assert_eq!(agent.created_by, None);

    // Value sets the seed gives in full stay closed; every other one is open.
    assert_eq!(
        enum_of(&doc, "RecipientType"),
        (["creator", "user", "agent", "external_email", "anyone_with_link"].map(String::from).to_vec(), false)
    );
    assert_eq!(enum_of(&doc, "BillingTier"), (["free", "pro", "business"].map(String::from).to_vec(), false));
    assert_eq!(enum_of(&doc, "OverageMethod"), (["credits", "x402"].map(String::from).to_vec(), false));
    let mut enums = Vec::new();
    all_enums(&doc, "", &mut enums);
    let full_sets = ["/components/schemas/RecipientType", "/components/schemas/BillingTier", "/components/schemas/OverageMethod"];
    let closed: Vec<&String> = enums.iter().filter(|(at, open)| !open && !full_sets.contains(&at.as_str())).map(|(at, _)| at).collect();
    assert!(closed.is_empty(), "closed enums the seed does not give in full: {closed:?}");
}

/// The seed: "All API calls authenticate with an API key passed as a Bearer
/// token"; every route is under `/api/v1/`; `GET /openapi.json` is where
/// OpenAPI tools are pointed; errors are `{"error", "message"}`; a 401 means
/// the key is missing, invalid, expired or revoked.
#[test]
fn clawup_seed_facts() {
    use clawup_v1::auth::Operation;
    let doc = spec("clawup.yaml");
    assert_eq!(doc["components"]["securitySchemes"]["BearerAuth"]["scheme"], "bearer");
    let ops = operations(&doc);
    let api_calls: Vec<&(String, String, String, &Value)> = ops.iter().filter(|(_, _, path, _)| path.starts_with("/api/v1/")).collect();
    assert_eq!(api_calls.len(), 6, "the seed's six endpoints");
    for (id, _, _, op) in &api_calls {
        assert_eq!(schemes(&doc, op), [vec!["BearerAuth".to_owned()]], "{id}: every API call needs the key");
        assert!(statuses(op).contains("401"), "{id}: 401");
    }
    for operation in [
        Operation::GetCurrentUser,
        Operation::ListPlans,
        Operation::ListModels,
        Operation::ListRuntimeImages,
        Operation::ListTools,
        Operation::ListTeamTemplates,
    ] {
        assert_eq!(operation.security(), &[&[("BearerAuth", &[][..])][..]], "{}", operation.id());
    }
    assert!(Operation::GetOpenApiDocument.security().is_empty(), "the document OpenAPI tools fetch");
    let error = schema(&doc, "Error");
    let names: BTreeSet<String> = error["properties"].as_object().expect("properties").keys().cloned().collect();
    assert_eq!(names, set(&["error", "message"]));
    let body: clawup_v1::types::Error =
        serde_json::from_str(r#"{"error":"AUTH_401","message":"missing or invalid credentials"}"#).expect("the seed's error decodes");
    assert_eq!(clawup_v1::errors::ListPlansError::Unauthorized(body.into()).status(), 401);
}
