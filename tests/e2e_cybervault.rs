//! End-to-end test of the generated `cybervault_v2` crate (from `specs/cybervault.yaml`,
//! seeded from the CyberVault Threats API docs).
//!
//! Each test starts the GENERATED axum server (`cybervault_v2::server::router`) on
//! 127.0.0.1 with an in-memory implementation of `CybervaultApi` that has real
//! behaviour: API keys with scopes (`threat:read`, `threat:write`), a per-key
//! request budget answered through the generated `rate_limit` hook, a threat store
//! (`Mutex<Vec<Threat>>`, the seed's threat plus 29 more) that is filtered, paged
//! and updated, and a deterministic analysis engine. The GENERATED typed client
//! (`cybervault_v2::client::Client`) then calls it over real HTTP; raw HTTP/1.1
//! over a `TcpStream` checks what is on the wire.
//!
//! What this proves about the generated code:
//! - every operation (`listRecentThreats`, `analyzeThreat`, `updateThreatStatus`)
//!   round-trips its request (required and optional query parameters with their
//!   server-side defaults, a `date-time` query parameter, JSON bodies with an
//!   optional nested object, a percent-encoded path segment) and its typed success
//!   body, with the spec's wire names (`type`, `source_ip`, optional `rule_id`
//!   omitted when absent);
//! - every documented status reaches the client as its typed variant: 400
//!   (missing required `severity`, `limit` = 101, `minLength`, malformed bodies),
//!   401 (no key on the wire, `authorize` refusing an unknown key), 403 (a key
//!   without `threat:read`; the `threat:write` rule of `updateThreatStatus`),
//!   404, 429 (with `Retry-After` decoded into `retry_after`) and 500, all with
//!   the spec's `{"error": {"code", "message"}}` body;
//! - the `rate_limit` hook runs before authorisation: its `X-RateLimit-*` headers
//!   are on EVERY answer (200, 400, 401, 403, 404, 429, 500) and a refusal is
//!   answered with the operation's 429 without calling `authorize`;
//! - the client records the latest budget (`Client::rate_limit`), and its opt-in
//!   `RetryPolicy` waits the asked `Retry-After` and retries (GET and POST), gives
//!   up after `max_retries`, and returns the 429 at once when the asked wait
//!   exceeds `max_wait`; without a policy the 429 is returned as is.

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use cybervault_v2::auth::{AuthError, Credentials, Operation};
use cybervault_v2::client::{Client, ClientError, RetryPolicy};
use cybervault_v2::errors::{AnalyzeThreatError, ErrorBody, ListRecentThreatsError, UpdateThreatStatusError};
use cybervault_v2::rate_limit::{RateLimit, RateLimitDecision};
use cybervault_v2::server::{self, CybervaultApi, RequestContext};
use cybervault_v2::types::{
    self, AnalysisContext, AnalysisResult, AnalyzeRequest, ErrorDetail, ListRecentThreatsQuery, Mitigation, Severity, TargetType, Threat,
    ThreatList, ThreatStatus, ThreatType, UpdateThreatStatusRequest,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An analyst key: `threat:read` only. Its budget starts so that the first
/// answer states the seed's `X-RateLimit-Remaining: 84`.
const READER_KEY: &str = "cv_live_reader";
/// A key with `threat:read` and `threat:write`.
const WRITER_KEY: &str = "cv_live_writer";
/// A valid key without any scope.
const NO_SCOPE_KEY: &str = "cv_live_noscope";
/// A valid `threat:read` key with a budget of [`LIMITED_BUDGET`] requests.
const LIMITED_KEY: &str = "cv_live_limited";
/// A key the server does not know (revoked).
const REVOKED_KEY: &str = "cv_live_revoked";

const READ_SCOPE: &str = "threat:read";
const WRITE_SCOPE: &str = "threat:write";

const READER_LIMIT: u64 = 100;
/// The reader's budget before the first request: one is charged per request.
const READER_START: u64 = 85;
const WRITER_LIMIT: u64 = 500;
const NO_SCOPE_LIMIT: u64 = 30;
const LIMITED_BUDGET: u64 = 2;
/// The budget of unknown keys and of requests without a key, per presented key.
const ANONYMOUS_LIMIT: u64 = 10;
/// `X-RateLimit-Reset` of every window (the seed's value).
const RESET: u64 = 1_678_886_400;
/// Seconds an exhausted budget asks to wait.
const RETRY_AFTER_SECS: u64 = 30;

const INVALID_KEY_MESSAGE: &str = "API key is invalid, expired or revoked.";
/// The generated router's own message for a request without a Bearer key.
const MISSING_KEY_MESSAGE: &str = "Missing or invalid API key. Provide Authorization: Bearer <key>.";
const READ_SCOPE_MESSAGE: &str = "This operation requires the threat:read scope.";
const WRITE_SCOPE_MESSAGE: &str = "Updating status to closed or ignored requires the threat:write scope.";
const INTERNAL_ERROR_MESSAGE: &str = "Unexpected server error";
/// An analysis target for which the implementation fails with a 500.
const INTERNAL_ERROR_TRIGGER: &str = "trigger-500";

const SEED_THREAT_ID: &str = "thr_8f4a2c9d1e";
const SEED_TIMESTAMP: &str = "2025-03-15T08:42:11Z";
const UNKNOWN_THREAT_ID: &str = "thr_0000000000";
const THREAT_COUNT: usize = 30;

const SEVERITIES: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];
const TYPES: [ThreatType; 5] = [
    ThreatType::RansomwareAttempt,
    ThreatType::Phishing,
    ThreatType::CommandAndControl,
    ThreatType::BruteForce,
    ThreatType::DataExfiltration,
];

/// Targets the analysis engine knows: target, score, classification, confidence, rule.
const KNOWN_TARGETS: &[(&str, i64, &str, f64, &str)] = &[
    ("203.0.113.42", 92, "command_and_control", 0.97, "waf_rule_884"),
    ("44d88612fea8a8f36de82e1278abb02f", 71, "malware", 0.9, "av_sig_eicar"),
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn time(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 timestamp")
}

fn error_body(code: &str, message: &str) -> types::Error {
    types::Error::new(ErrorDetail::new(code.to_owned(), message.to_owned()))
}

// ---------------------------------------------------------------------------
// The in-memory implementation
// ---------------------------------------------------------------------------

/// One key's request budget.
struct Budget {
    limit: u64,
    remaining: u64,
    /// The `Retry-After` of a refusal once `remaining` is 0.
    retry_after: u64,
    /// Refusals a test scripted ahead of the budget, each with its `Retry-After`.
    scripted_refusals: VecDeque<u64>,
}

impl Budget {
    fn new(limit: u64, remaining: u64) -> Self {
        Self { limit, remaining, retry_after: RETRY_AFTER_SECS, scripted_refusals: VecDeque::new() }
    }

    fn stated(&self) -> Option<RateLimit> {
        Some(RateLimit { limit: Some(self.limit), remaining: Some(self.remaining), reset: Some(RESET) })
    }

    /// Charges one request, or refuses it.
    fn decide(&mut self) -> RateLimitDecision {
        if let Some(retry_after) = self.scripted_refusals.pop_front() {
            return RateLimitDecision::Refuse { rate_limit: self.stated(), retry_after };
        }
        if self.remaining == 0 {
            return RateLimitDecision::Refuse { rate_limit: self.stated(), retry_after: self.retry_after };
        }
        self.remaining -= 1;
        RateLimitDecision::Allow(self.stated())
    }
}

/// A status change the implementation recorded.
#[derive(Debug, Clone, PartialEq)]
struct StatusChange {
    id: String,
    status: ThreatStatus,
    note: Option<String>,
}

struct State {
    scopes: HashMap<&'static str, &'static [&'static str]>,
    /// Budgets by presented key (`""` for requests without one).
    budgets: Mutex<HashMap<String, Budget>>,
    /// Stored oldest first; lists are served newest first.
    threats: Mutex<Vec<Threat>>,
    status_changes: Mutex<Vec<StatusChange>>,
    /// Every `rate_limit` call: the presented key and when it was asked.
    admissions: Mutex<Vec<(String, Operation, Instant)>>,
    authorize_calls: AtomicUsize,
    operation_calls: AtomicUsize,
}

#[derive(Clone)]
struct InMemoryCybervault(Arc<State>);

impl InMemoryCybervault {
    fn seeded() -> Self {
        let read: &'static [&'static str] = &[READ_SCOPE];
        let read_write: &'static [&'static str] = &[READ_SCOPE, WRITE_SCOPE];
        let scopes = HashMap::from([(READER_KEY, read), (WRITER_KEY, read_write), (NO_SCOPE_KEY, &[][..]), (LIMITED_KEY, read)]);
        let budgets = HashMap::from([
            (READER_KEY.to_owned(), Budget::new(READER_LIMIT, READER_START)),
            (WRITER_KEY.to_owned(), Budget::new(WRITER_LIMIT, WRITER_LIMIT)),
            (NO_SCOPE_KEY.to_owned(), Budget::new(NO_SCOPE_LIMIT, NO_SCOPE_LIMIT)),
            (LIMITED_KEY.to_owned(), Budget::new(LIMITED_BUDGET, LIMITED_BUDGET)),
        ]);
        Self(Arc::new(State {
            scopes,
            budgets: Mutex::new(budgets),
            threats: Mutex::new((0..THREAT_COUNT).rev().map(threat).collect()),
            status_changes: Mutex::new(Vec::new()),
            admissions: Mutex::new(Vec::new()),
            authorize_calls: AtomicUsize::new(0),
            operation_calls: AtomicUsize::new(0),
        }))
    }

    fn scopes_of(&self, credentials: &Credentials) -> Option<&'static [&'static str]> {
        credentials.bearer_auth.as_deref().and_then(|key| self.0.scopes.get(key).copied())
    }

    /// Makes the next `retry_afters.len()` requests of `key` be refused.
    fn script_refusals(&self, key: &str, retry_afters: &[u64]) {
        let mut budgets = self.0.budgets.lock().expect("budget lock");
        let budget = budgets.entry(key.to_owned()).or_insert_with(|| Budget::new(ANONYMOUS_LIMIT, ANONYMOUS_LIMIT));
        budget.scripted_refusals.extend(retry_afters);
    }

    fn scripted_refusals_left(&self, key: &str) -> usize {
        self.0.budgets.lock().expect("budget lock").get(key).map_or(0, |budget| budget.scripted_refusals.len())
    }

    /// When each request presenting `key` was admitted or refused.
    fn admissions_of(&self, key: &str) -> Vec<Instant> {
        self.0.admissions.lock().expect("admission lock").iter().filter(|(k, _, _)| k == key).map(|(_, _, at)| *at).collect()
    }

    fn admitted_operations(&self) -> Vec<Operation> {
        self.0.admissions.lock().expect("admission lock").iter().map(|(_, operation, _)| *operation).collect()
    }

    fn stored(&self, id: &str) -> Threat {
        self.0.threats.lock().expect("threat lock").iter().find(|threat| threat.id == id).cloned().expect("a stored threat")
    }

    fn status_changes(&self) -> Vec<StatusChange> {
        self.0.status_changes.lock().expect("status lock").clone()
    }

    fn authorize_calls(&self) -> usize {
        self.0.authorize_calls.load(Ordering::SeqCst)
    }

    fn operation_calls(&self) -> usize {
        self.0.operation_calls.load(Ordering::SeqCst)
    }
}

impl CybervaultApi for InMemoryCybervault {
    type Identity = Credentials;

    async fn authorize(
        &self,
        _operation: Operation,
        credentials: &Credentials,
        _request: &RequestContext,
    ) -> Result<Credentials, AuthError> {
        self.0.authorize_calls.fetch_add(1, Ordering::SeqCst);
        match self.scopes_of(credentials) {
            None => Err(AuthError::Unauthenticated(INVALID_KEY_MESSAGE.to_owned())),
            Some(scopes) if !scopes.contains(&READ_SCOPE) => Err(AuthError::Forbidden(READ_SCOPE_MESSAGE.to_owned())),
            Some(_) => Ok(credentials.clone()),
        }
    }

    async fn rate_limit(&self, operation: Operation, credentials: &Credentials, _request: &RequestContext) -> RateLimitDecision {
        let key = credentials.bearer_auth.clone().unwrap_or_default();
        self.0.admissions.lock().expect("admission lock").push((key.clone(), operation, Instant::now()));
        let mut budgets = self.0.budgets.lock().expect("budget lock");
        budgets.entry(key).or_insert_with(|| Budget::new(ANONYMOUS_LIMIT, ANONYMOUS_LIMIT)).decide()
    }

    async fn list_recent_threats(
        &self,
        _cx: RequestContext<Credentials>,
        query: ListRecentThreatsQuery,
    ) -> Result<ThreatList, ListRecentThreatsError> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        let threats = self.0.threats.lock().expect("threat lock");
        let mut matching: Vec<&Threat> = threats
            .iter()
            .filter(|threat| threat.severity == query.severity)
            .filter(|threat| query.type_.as_ref().is_none_or(|type_| *type_ == threat.type_))
            .filter(|threat| query.since.is_none_or(|since| threat.timestamp > since))
            .collect();
        matching.sort_by_key(|threat| std::cmp::Reverse(threat.timestamp));
        let total = i64::try_from(matching.len()).expect("a small store");
        let offset = usize::try_from(query.offset).expect("validated: offset >= 0");
        let limit = usize::try_from(query.limit).expect("validated: 1 <= limit <= 100");
        let data = matching.into_iter().skip(offset).take(limit).cloned().collect();
        Ok(ThreatList::new(data, types::PageMeta::new(total, query.limit, query.offset)))
    }

    async fn analyze_threat(&self, _cx: RequestContext<Credentials>, body: AnalyzeRequest) -> Result<AnalysisResult, AnalyzeThreatError> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        if body.target == INTERNAL_ERROR_TRIGGER {
            return Err(AnalyzeThreatError::InternalServerError(error_body("internal_error", INTERNAL_ERROR_MESSAGE).into()));
        }
        Ok(analyze(&body))
    }

    async fn update_threat_status(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        id: String,
        body: UpdateThreatStatusRequest,
    ) -> Result<Threat, UpdateThreatStatusError> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        let scopes = self.scopes_of(&credentials).unwrap_or_default();
        if matches!(body.status, ThreatStatus::Closed | ThreatStatus::Ignored) && !scopes.contains(&WRITE_SCOPE) {
            return Err(UpdateThreatStatusError::Forbidden(error_body("insufficient_scope", WRITE_SCOPE_MESSAGE).into()));
        }
        let mut threats = self.0.threats.lock().expect("threat lock");
        let threat = threats
            .iter_mut()
            .find(|threat| threat.id == id)
            .ok_or_else(|| UpdateThreatStatusError::NotFound(error_body("not_found", &format!("Threat not found: {id}")).into()))?;
        threat.status = body.status.clone();
        self.0.status_changes.lock().expect("status lock").push(StatusChange { id, status: body.status, note: body.note });
        Ok(threat.clone())
    }
}

/// FNV-1a: a stable hash for deterministic scores and ids.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The analysis engine: known targets get their table entry; others score
/// below 50 from a hash of the target, and are classified by their kind.
fn analyze(request: &AnalyzeRequest) -> AnalysisResult {
    let zone = request.context.as_ref().and_then(|context| context.network_zone.clone()).unwrap_or_else(|| "global".to_owned());
    let analysis_id = format!("anl_{:010x}", fnv(&format!("{}|{}", request.target_type, request.target)) & 0xff_ffff_ffff);
    match KNOWN_TARGETS.iter().find(|(target, ..)| *target == request.target) {
        Some(&(_, score, classification, confidence, rule)) => {
            let (action, scope) = if score >= 90 { ("block_immediately", "global".to_owned()) } else { ("quarantine", zone) };
            AnalysisResult::new(analysis_id, score, classification.to_owned(), confidence, Mitigation::new(action, scope).rule_id(rule))
        }
        None => {
            let score = i64::try_from(fnv(&request.target) % 50).expect("below 50");
            let classification = match request.target_type {
                TargetType::Hash => "malware",
                TargetType::Ip => "suspicious_login",
                TargetType::Url => "phishing",
                TargetType::Payload => "exploit_attempt",
                _ => "unclassified",
            };
            AnalysisResult::new(analysis_id, score, classification.to_owned(), 0.5, Mitigation::new("monitor".to_owned(), zone))
        }
    }
}

/// Threat `i`: 0 is the seed's threat; the others have severity
/// `SEVERITIES[i % 4]`, type `TYPES[i % 5]` and were detected `i` hours before it.
fn threat(i: usize) -> Threat {
    if i == 0 {
        return Threat::new(
            SEED_THREAT_ID.to_owned(),
            ThreatType::RansomwareAttempt,
            Severity::Critical,
            time(SEED_TIMESTAMP),
            "192.168.1.45".to_owned(),
            strings(&["hash:md5:a1b2c3", "domain:evil-payload.net"]),
            ThreatStatus::Mitigated,
        );
    }
    Threat::new(
        threat_id(i),
        TYPES[i % TYPES.len()].clone(),
        SEVERITIES[i % SEVERITIES.len()].clone(),
        detected(i),
        format!("198.51.100.{i}"),
        vec![format!("domain:c2-{i}.example"), format!("ip:198.51.100.{i}")],
        ThreatStatus::New,
    )
}

fn threat_id(i: usize) -> String {
    if i == 0 { SEED_THREAT_ID.to_owned() } else { format!("thr_{:010x}", 0xa0000 + i) }
}

fn detected(i: usize) -> DateTime<Utc> {
    time(SEED_TIMESTAMP) - TimeDelta::hours(i64::try_from(i).expect("small"))
}

fn threat_ids(numbers: impl IntoIterator<Item = usize>) -> Vec<String> {
    numbers.into_iter().map(threat_id).collect()
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

struct TestServer {
    /// `http://127.0.0.1:PORT`
    url: String,
    /// `127.0.0.1:PORT`
    addr: String,
    /// HTTP requests that reached the server, whatever their outcome.
    http_requests: Arc<AtomicUsize>,
    api: InMemoryCybervault,
}

impl TestServer {
    fn client(&self, key: &str) -> Client {
        Client::new(&self.url).with_bearer_auth(key)
    }

    fn http_requests(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }
}

async fn spawn_server() -> TestServer {
    let api = InMemoryCybervault::seeded();
    let http_requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&http_requests);
    let app = server::router(api.clone()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
    let addr = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    TestServer { url: format!("http://{addr}"), addr, http_requests, api }
}

/// Request headers: name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

struct RawResponse {
    status: u16,
    /// Lower-cased header names.
    headers: HashMap<String, String>,
    body: String,
}

impl RawResponse {
    /// Asserts the body is the spec's `{"error": {"code", "message"}}` and
    /// returns `(code, message)`.
    fn error(&self) -> (String, String) {
        assert!(
            self.headers.get("content-type").is_some_and(|value| value.starts_with("application/json")),
            "error responses are JSON, got headers {:?}",
            self.headers
        );
        let value = self.json();
        let object = value.as_object().unwrap_or_else(|| panic!("the error body is an object: {}", self.body));
        assert_eq!(object.len(), 1, "only the `error` member: {}", self.body);
        let detail: ErrorDetail = serde_json::from_value(value["error"].clone()).unwrap_or_else(|e| panic!("{e}: {}", self.body));
        (detail.code, detail.message)
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("the body is JSON ({e}): {:?}", self.body))
    }

    fn header_u64(&self, name: &str) -> Option<u64> {
        self.headers.get(name).map(|value| value.parse().unwrap_or_else(|_| panic!("`{name}: {value}` is an integer")))
    }

    /// The budget the `X-RateLimit-*` headers state, all three required.
    fn rate_limit(&self) -> (u64, u64, u64) {
        let read = |name: &str| self.header_u64(name).unwrap_or_else(|| panic!("`{name}` on a {} answer: {:?}", self.status, self.headers));
        (read("x-ratelimit-limit"), read("x-ratelimit-remaining"), read("x-ratelimit-reset"))
    }
}

/// Sends one raw HTTP/1.1 request (`Connection: close`) and reads the whole answer.
async fn raw_request(server: &TestServer, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(&server.addr).await.expect("connect to the server");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr);
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read the answer");
    let text = String::from_utf8(bytes).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status =
        status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("a status code in {status_line:?}"));
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    assert!(!headers.contains_key("transfer-encoding"), "this helper only reads length-delimited bodies: {headers:?}");
    RawResponse { status, headers, body: body.to_owned() }
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// The typed API error of a call that must have failed with a documented status.
fn api_error<T: Debug, E: Debug>(result: Result<T, ClientError<E>>) -> E {
    match result {
        Err(ClientError::Api { error, .. }) => error,
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

fn query(severity: Severity) -> ListRecentThreatsQuery {
    ListRecentThreatsQuery::new(severity).limit(25).offset(0)
}

fn ids(list: &ThreatList) -> Vec<&str> {
    list.data.iter().map(|threat| threat.id.as_str()).collect()
}

fn analyze_request(target: &str, target_type: TargetType, zone: Option<&str>) -> AnalyzeRequest {
    {
        let mut value = AnalyzeRequest::new(target.to_owned(), target_type);
        value.context = zone.map(|zone| {
            let mut value = AnalysisContext::default();
            value.environment = Some("production".to_owned());
            value.network_zone = Some(zone.to_owned());
            value
        });
        value
    }
}

/// PATCHes a threat's status with `body` as the `threat:read` key.
async fn reader_update(server: &TestServer, id: &str, body: &str) -> RawResponse {
    let auth = bearer(READER_KEY);
    raw_request(server, "PATCH", &format!("/threats/{id}/status"), &[("Authorization", &auth), ("Content-Type", "application/json")], body)
        .await
}

fn status_change(status: ThreatStatus, note: Option<&str>) -> UpdateThreatStatusRequest {
    {
        let mut value = UpdateThreatStatusRequest::new(status);
        value.note = note.map(str::to_owned);
        value
    }
}

const SEED_THREAT_JSON: &str = r#"{
  "id": "thr_8f4a2c9d1e",
  "type": "ransomware_attempt",
  "severity": "critical",
  "timestamp": "2025-03-15T08:42:11Z",
  "source_ip": "192.168.1.45",
  "indicators": ["hash:md5:a1b2c3", "domain:evil-payload.net"],
  "status": "mitigated"
}"#;

// ---------------------------------------------------------------------------
// 1. listRecentThreats: filters, defaults, pagination
// ---------------------------------------------------------------------------

#[tokio::test]
async fn list_recent_threats_returns_the_seed_threat_first() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    let list = client.list_recent_threats(&query(Severity::Critical)).await.expect("a 200 page");
    assert_eq!(ids(&list), threat_ids((0..THREAT_COUNT).step_by(4)), "every fourth threat is critical, newest first");
    assert_eq!(list.meta, types::PageMeta::new(8, 25, 0));
    assert!(list.data.iter().all(|threat| threat.severity == Severity::Critical));
    assert!(list.data.windows(2).all(|pair| pair[0].timestamp > pair[1].timestamp), "most recent first");
    let seed = &list.data[0];
    assert_eq!(seed.type_, ThreatType::RansomwareAttempt);
    assert_eq!(seed.timestamp.to_rfc3339(), "2025-03-15T08:42:11+00:00");
    assert_eq!(seed.source_ip, "192.168.1.45");
    assert_eq!(seed.status, ThreatStatus::Mitigated);
    // The typed value serializes back to exactly the seed document's threat.
    let seed_json: serde_json::Value = serde_json::from_str(SEED_THREAT_JSON).expect("the seed JSON");
    assert_eq!(serde_json::to_value(seed).expect("serializable"), seed_json);

    let high = client.list_recent_threats(&query(Severity::High)).await.expect("a 200 page");
    assert_eq!(ids(&high), threat_ids((1..THREAT_COUNT).step_by(4)));
    assert_eq!(high.meta.total, 8);
    let low = client.list_recent_threats(&query(Severity::Low)).await.expect("a 200 page");
    assert_eq!(ids(&low), threat_ids((3..THREAT_COUNT).step_by(4)));
    assert_eq!(low.meta.total, 7);

    // Without `limit` and `offset` on the wire, the server applies 25 and 0.
    let response = raw_request(&server, "GET", "/threats/recent?severity=critical", &[("Authorization", &bearer(READER_KEY))], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["meta"], serde_json::json!({"total": 8, "limit": 25, "offset": 0}));
    assert_eq!(body["data"][0], seed_json);
    assert_eq!(body["data"][1]["type"], "data_exfiltration");
    assert_eq!(body["data"][1]["timestamp"], "2025-03-15T04:42:11Z");
}

#[tokio::test]
async fn list_recent_threats_filters_by_type_and_since() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    let ransomware = query(Severity::Critical).type_(ThreatType::RansomwareAttempt);
    let list = client.list_recent_threats(&ransomware).await.expect("a 200 page");
    assert_eq!(ids(&list), threat_ids([0, 20]));
    assert_eq!(list.meta.total, 2);

    let phishing = query(Severity::Critical).type_(ThreatType::Phishing);
    assert_eq!(ids(&client.list_recent_threats(&phishing).await.expect("a 200 page")), threat_ids([16]));

    // `command_and_control` needs its wire name in the query string.
    let c2 = query(Severity::Medium).type_(ThreatType::CommandAndControl);
    let list = client.list_recent_threats(&c2).await.expect("a 200 page");
    assert_eq!(ids(&list), threat_ids([2, 22]));
    assert!(list.data.iter().all(|threat| threat.type_ == ThreatType::CommandAndControl));

    // `since` is exclusive: threat 8 was detected exactly 8 hours before the seed.
    let since = |hours: i64| query(Severity::Critical).since(time(SEED_TIMESTAMP) - TimeDelta::hours(hours));
    let list = client.list_recent_threats(&since(10)).await.expect("a 200 page");
    assert_eq!(ids(&list), threat_ids([0, 4, 8]));
    assert_eq!(list.meta.total, 3);
    assert_eq!(ids(&client.list_recent_threats(&since(8)).await.expect("a 200 page")), threat_ids([0, 4]));
    let future = client.list_recent_threats(&since(-1)).await.expect("a 200 page");
    assert!(future.data.is_empty());
    assert_eq!(future.meta.total, 0);

    // Filters combine.
    let combined = query(Severity::Critical).type_(ThreatType::DataExfiltration).since(detected(20));
    assert_eq!(ids(&client.list_recent_threats(&combined).await.expect("a 200 page")), threat_ids([4]));

    // On the wire, an offset timestamp is the same instant (`+` percent-encoded).
    let response = raw_request(
        &server,
        "GET",
        "/threats/recent?severity=critical&since=2025-03-15T00%3A42%3A11%2B02%3A00",
        &[("Authorization", &bearer(READER_KEY))],
        "",
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let raw_ids: Vec<String> =
        response.json()["data"].as_array().expect("data").iter().filter_map(|item| item["id"].as_str().map(str::to_owned)).collect();
    assert_eq!(raw_ids, threat_ids([0, 4, 8]), "00:42:11+02:00 is 10 hours before the seed");
}

#[tokio::test]
async fn list_recent_threats_paginates_with_limit_and_offset() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);
    let page = |limit: i64, offset: i64| query(Severity::Critical).limit(limit).offset(offset);

    let mut collected = Vec::new();
    for (offset, expected) in [(0, vec![0, 4, 8]), (3, vec![12, 16, 20]), (6, vec![24, 28])] {
        let list = client.list_recent_threats(&page(3, offset)).await.expect("a 200 page");
        assert_eq!(ids(&list), threat_ids(expected), "offset {offset}");
        assert_eq!(list.meta, types::PageMeta::new(8, 3, offset), "offset {offset}");
        collected.extend(list.data);
    }
    let all = client.list_recent_threats(&page(100, 0)).await.expect("limit=100 is the inclusive maximum");
    assert_eq!(collected, all.data, "the pages add up to the whole list");
    assert_eq!(all.meta.limit, 100);

    let beyond = client.list_recent_threats(&page(3, 8)).await.expect("a 200 page past the end");
    assert!(beyond.data.is_empty());
    assert_eq!(beyond.meta, types::PageMeta::new(8, 3, 8));

    let one = client.list_recent_threats(&page(1, 5)).await.expect("limit=1 is the inclusive minimum");
    assert_eq!(ids(&one), threat_ids([20]));

    let response =
        raw_request(&server, "GET", "/threats/recent?severity=low&limit=2&offset=1", &[("Authorization", &bearer(READER_KEY))], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["meta"], serde_json::json!({"total": 7, "limit": 2, "offset": 1}));
    assert_eq!(body["data"][0]["id"], threat_id(7).as_str());
}

#[tokio::test]
async fn list_recent_threats_invalid_queries_are_400() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    // The documented example: the required `severity` is missing.
    let response = raw_request(&server, "GET", "/threats/recent?limit=5", &[("Authorization", &bearer(READER_KEY))], "").await;
    assert_eq!(response.status, 400, "{}", response.body);
    let (code, message) = response.error();
    assert_eq!(code, "invalid_request");
    assert!(message.contains("severity"), "{message}");

    for (limit, offset, name) in [(101, 0, "limit"), (0, 0, "limit"), (-5, 0, "limit"), (25, -1, "offset")] {
        let bad = query(Severity::High).limit(limit).offset(offset);
        let error = api_error(client.list_recent_threats(&bad).await);
        assert_eq!(error.status(), 400, "limit={limit} offset={offset}");
        match error {
            ListRecentThreatsError::BadRequest(ErrorBody::Decoded(body)) => {
                assert_eq!(body.error.code, "invalid_request");
                assert!(body.error.message.contains(name), "limit={limit} offset={offset}: {}", body.error.message);
                assert_eq!(body.error.retry_after, None);
            }
            other => panic!("limit={limit} offset={offset}: expected BadRequest, got {other:?}"),
        }
    }

    for target in [
        "/threats/recent?severity=extreme",
        "/threats/recent?severity=high&limit=abc",
        "/threats/recent?severity=high&since=yesterday",
        "/threats/recent?severity=high&limit=101",
    ] {
        let response = raw_request(&server, "GET", target, &[("Authorization", &bearer(READER_KEY))], "").await;
        assert_eq!(response.status, 400, "{target}: {}", response.body);
        assert_eq!(response.error().0, "invalid_request", "{target}");
    }

    assert_eq!(server.api.operation_calls(), 0, "invalid queries never reach the implementation");
    assert_eq!(server.api.authorize_calls(), 9, "but they are authorized first");

    // The threat types are an open enum (the seed shows one): an unknown type is a
    // valid filter that matches nothing, not a 400.
    let response =
        raw_request(&server, "GET", "/threats/recent?severity=high&type=worm", &[("Authorization", &bearer(READER_KEY))], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["data"], serde_json::json!([]));
    assert_eq!(server.api.operation_calls(), 1);
}

// ---------------------------------------------------------------------------
// 2. analyzeThreat
// ---------------------------------------------------------------------------

#[tokio::test]
async fn analyze_threat_scores_deterministically() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    // The seed's request yields the seed's analysis.
    let seed_request = analyze_request("203.0.113.42", TargetType::Ip, Some("dmz"));
    let result = client.analyze_threat(&seed_request).await.expect("a 200 analysis");
    assert_eq!(result.threat_score, 92);
    assert_eq!(result.classification, "command_and_control");
    assert!((result.confidence - 0.97).abs() < 1e-9, "{}", result.confidence);
    assert_eq!(result.mitigation, Mitigation::new("block_immediately".to_owned(), "global".to_owned()).rule_id("waf_rule_884".to_owned()));
    assert!(result.analysis_id.starts_with("anl_") && result.analysis_id.len() == 14, "{}", result.analysis_id);
    let mut json = serde_json::to_value(&result).expect("serializable");
    json["analysis_id"] = "anl_9x7c2m4p0q".into();
    let seed: serde_json::Value = serde_json::json!({
        "analysis_id": "anl_9x7c2m4p0q",
        "threat_score": 92,
        "classification": "command_and_control",
        "confidence": 0.97,
        "mitigation": {"action": "block_immediately", "rule_id": "waf_rule_884", "scope": "global"}
    });
    assert_eq!(json, seed);

    // Deterministic: the same request, the same analysis (id included).
    assert_eq!(client.analyze_threat(&seed_request).await.expect("a 200 analysis"), result);

    // A known hash is quarantined in the submitted network zone.
    let eicar = client
        .analyze_threat(&analyze_request("44d88612fea8a8f36de82e1278abb02f", TargetType::Hash, Some("internal")))
        .await
        .expect("a 200 analysis");
    assert_eq!((eicar.threat_score, eicar.classification.as_str()), (71, "malware"));
    assert_eq!(eicar.mitigation.action, "quarantine");
    assert_eq!(eicar.mitigation.scope, "internal", "the context reached the server");
    assert_ne!(eicar.analysis_id, result.analysis_id);

    // Unknown targets score low, by kind; without context the scope is global.
    for (target_type, classification) in [
        (TargetType::Url, "phishing"),
        (TargetType::Payload, "exploit_attempt"),
        (TargetType::Hash, "malware"),
        (TargetType::Ip, "suspicious_login"),
    ] {
        let unknown =
            client.analyze_threat(&analyze_request("https://example.org/x", target_type.clone(), None)).await.expect("a 200 analysis");
        assert_eq!(unknown.classification, classification, "{target_type}");
        assert!(unknown.threat_score < 50, "{target_type}: {}", unknown.threat_score);
        assert_eq!(unknown.mitigation, Mitigation::new("monitor".to_owned(), "global".to_owned()));
    }

    // On the wire: `rule_id` is omitted when absent, and `context` is optional.
    let response = raw_request(
        &server,
        "POST",
        "/threats/analyze",
        &[("Authorization", &bearer(READER_KEY)), ("Content-Type", "application/json")],
        r#"{"target":"https://example.org/x","target_type":"url"}"#,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["classification"], "phishing");
    assert_eq!(body["mitigation"], serde_json::json!({"action": "monitor", "scope": "global"}));
    assert_eq!(server.api.operation_calls(), 8);
}

#[tokio::test]
async fn analyze_threat_invalid_bodies_are_400() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    let error = api_error(client.analyze_threat(&analyze_request("", TargetType::Payload, None)).await);
    assert_eq!(error.status(), 400);
    match &error {
        AnalyzeThreatError::BadRequest(ErrorBody::Decoded(body)) => {
            assert_eq!(body.error.code, "invalid_request");
            assert!(body.error.message.contains("target"), "{}", body.error.message);
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }

    let json = ("Content-Type", "application/json");
    let auth = bearer(READER_KEY);
    for body in [r#"{"target_type":"ip"}"#, r#"{"target":"x""#, "", r#"{"target":""}"#] {
        let response = raw_request(&server, "POST", "/threats/analyze", &[("Authorization", &auth), json], body).await;
        assert_eq!(response.status, 400, "{body:?}: {}", response.body);
        assert_eq!(response.error().0, "invalid_request", "{body:?}");
    }
    assert_eq!(server.api.operation_calls(), 0, "invalid bodies never reach the implementation");

    // The target types are an open enum: a kind the seed does not name reaches the implementation.
    let response =
        raw_request(&server, "POST", "/threats/analyze", &[("Authorization", &auth), json], r#"{"target":"x","target_type":"domain"}"#)
            .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["classification"], "unclassified");
    assert_eq!(server.api.operation_calls(), 1);

    // One character satisfies minLength 1.
    client.analyze_threat(&analyze_request("x", TargetType::Payload, None)).await.expect("a one-character target is valid");
    assert_eq!(server.api.operation_calls(), 2);
}

#[tokio::test]
async fn analyze_threat_failure_is_a_typed_500() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    let error = api_error(client.analyze_threat(&analyze_request(INTERNAL_ERROR_TRIGGER, TargetType::Payload, None)).await);
    assert_eq!(error.status(), 500);
    assert_eq!(error, AnalyzeThreatError::InternalServerError(error_body("internal_error", INTERNAL_ERROR_MESSAGE).into()));

    let response = raw_request(
        &server,
        "POST",
        "/threats/analyze",
        &[("Authorization", &bearer(READER_KEY)), ("Content-Type", "application/json")],
        &format!(r#"{{"target":"{INTERNAL_ERROR_TRIGGER}","target_type":"payload"}}"#),
    )
    .await;
    assert_eq!(response.status, 500, "{}", response.body);
    assert_eq!(response.error(), ("internal_error".to_owned(), INTERNAL_ERROR_MESSAGE.to_owned()));

    client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await.expect("the server keeps serving after a 500");
}

// ---------------------------------------------------------------------------
// 3. updateThreatStatus: the store, the write scope, 404
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_threat_status_changes_the_stored_status() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);
    let note = "Internal vulnerability scanner, whitelisted in change CHG-2291.";

    let updated =
        client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::FalsePositive, Some(note))).await.expect("a 200");
    assert_eq!(
        updated,
        {
            let mut value = threat(0);
            value.status = ThreatStatus::FalsePositive;
            value
        },
        "only the status changed"
    );
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::FalsePositive);
    // The change is visible through the list.
    let list = client.list_recent_threats(&query(Severity::Critical).limit(1)).await.expect("a 200 page");
    assert_eq!(list.data[0].status, ThreatStatus::FalsePositive);

    // Another threat, without a note; statuses other than closed/ignored need only threat:read.
    let id = threat_id(5);
    for status in [ThreatStatus::Acknowledged, ThreatStatus::Investigating, ThreatStatus::Mitigated] {
        let updated = client.update_threat_status(&id, &status_change(status.clone(), None)).await.expect("a 200");
        assert_eq!(updated.id, id);
        assert_eq!(updated.status, status);
        assert_eq!(server.api.stored(&id).status, status);
    }
    assert_eq!(
        server.api.status_changes(),
        [
            StatusChange { id: SEED_THREAT_ID.to_owned(), status: ThreatStatus::FalsePositive, note: Some(note.to_owned()) },
            StatusChange { id: id.clone(), status: ThreatStatus::Acknowledged, note: None },
            StatusChange { id: id.clone(), status: ThreatStatus::Investigating, note: None },
            StatusChange { id: id.clone(), status: ThreatStatus::Mitigated, note: None },
        ]
    );

    // On the wire: a PATCH with the wire names of the status.
    let response = raw_request(
        &server,
        "PATCH",
        &format!("/threats/{}/status", threat_id(6)),
        &[("Authorization", &bearer(READER_KEY)), ("Content-Type", "application/json")],
        r#"{"status":"false_positive","note":"scanner"}"#,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["status"], "false_positive");
    assert_eq!(body["id"], threat_id(6).as_str());
    assert_eq!(body["type"], "phishing");
    assert_eq!(body["severity"], "medium");
    assert_eq!(server.api.stored(&threat_id(6)).status, ThreatStatus::FalsePositive);

    for body in [r#"{"note":"no status"}"#, "{", ""] {
        let response = raw_request(
            &server,
            "PATCH",
            &format!("/threats/{}/status", threat_id(6)),
            &[("Authorization", &bearer(READER_KEY)), ("Content-Type", "application/json")],
            body,
        )
        .await;
        assert_eq!(response.status, 400, "{body:?}: {}", response.body);
        assert_eq!(response.error().0, "invalid_request", "{body:?}");
    }
    assert_eq!(server.api.stored(&threat_id(6)).status, ThreatStatus::FalsePositive, "invalid bodies change nothing");
    // The statuses are an open enum: one the seed does not name is stored as it is.
    let resolved = reader_update(&server, &threat_id(6), r#"{"status":"resolved"}"#).await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(server.api.stored(&threat_id(6)).status, ThreatStatus::Other("resolved".to_owned()));
}

#[tokio::test]
async fn closing_or_ignoring_requires_threat_write() {
    let server = spawn_server().await;
    let reader = server.client(READER_KEY);
    let writer = server.client(WRITER_KEY);
    let forbidden = UpdateThreatStatusError::Forbidden(error_body("insufficient_scope", WRITE_SCOPE_MESSAGE).into());

    for status in [ThreatStatus::Closed, ThreatStatus::Ignored] {
        let error = api_error(reader.update_threat_status(SEED_THREAT_ID, &status_change(status.clone(), Some("done"))).await);
        assert_eq!(error.status(), 403, "{status}");
        assert_eq!(error, forbidden, "{status}");
        assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated, "{status}: a refused change is not applied");
    }
    assert!(server.api.status_changes().is_empty());

    let closed = writer.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Closed, Some("done"))).await.expect("a 200");
    assert_eq!(closed.status, ThreatStatus::Closed);
    let ignored = writer.update_threat_status(&threat_id(1), &status_change(ThreatStatus::Ignored, None)).await.expect("a 200");
    assert_eq!(ignored.status, ThreatStatus::Ignored);
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Closed);
    assert_eq!(server.api.stored(&threat_id(1)).status, ThreatStatus::Ignored);

    // The same rule on the wire, with the documented body.
    let response = raw_request(
        &server,
        "PATCH",
        &format!("/threats/{}/status", threat_id(2)),
        &[("Authorization", &bearer(READER_KEY)), ("Content-Type", "application/json")],
        r#"{"status":"ignored"}"#,
    )
    .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(response.error(), ("insufficient_scope".to_owned(), WRITE_SCOPE_MESSAGE.to_owned()));
    assert_eq!(server.api.stored(&threat_id(2)).status, ThreatStatus::New);
}

#[tokio::test]
async fn unknown_threat_is_404() {
    let server = spawn_server().await;
    let client = server.client(WRITER_KEY);

    let error = api_error(client.update_threat_status(UNKNOWN_THREAT_ID, &status_change(ThreatStatus::Acknowledged, None)).await);
    assert_eq!(error.status(), 404);
    assert_eq!(error, UpdateThreatStatusError::NotFound(error_body("not_found", "Threat not found: thr_0000000000").into()));

    // These ids only stay one path segment (and reach the implementation
    // verbatim) if the client percent-encodes `/`, ` ` and `?`.
    for id in [format!("{SEED_THREAT_ID}/status"), "thr 8f4a?x=1".to_owned(), "../thr_8f4a2c9d1e".to_owned()] {
        let error = api_error(client.update_threat_status(&id, &status_change(ThreatStatus::Acknowledged, None)).await);
        assert_eq!(error, UpdateThreatStatusError::NotFound(error_body("not_found", &format!("Threat not found: {id}")).into()), "{id}");
    }
    assert_eq!(server.api.operation_calls(), 4, "the implementation answered each 404");
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated);

    // A path that is not UTF-8 is the documented 400, in the documented shape.
    let response = raw_request(
        &server,
        "PATCH",
        "/threats/%FF/status",
        &[("Authorization", &bearer(WRITER_KEY)), ("Content-Type", "application/json")],
        r#"{"status":"acknowledged"}"#,
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.error().0, "invalid_request");
}

// ---------------------------------------------------------------------------
// 4. 401 and 403
// ---------------------------------------------------------------------------

#[tokio::test]
async fn missing_key_is_401_and_never_sent_by_the_client() {
    let server = spawn_server().await;
    let client = Client::new(&server.url);

    match client.list_recent_threats(&query(Severity::High)).await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "listRecentThreats"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    match client.analyze_threat(&analyze_request("x", TargetType::Ip, None)).await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "analyzeThreat"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    match client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Acknowledged, None)).await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "updateThreatStatus"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    assert_eq!(server.http_requests(), 0, "nothing reached the server");
    assert_eq!(client.rate_limit(), None, "no answer, no budget");

    let json = ("Content-Type", "application/json");
    let attempts: [(&str, &str, &str, Headers); 5] = [
        ("GET", "/threats/recent?severity=critical", "", &[]),
        ("POST", "/threats/analyze", r#"{"target":"203.0.113.42","target_type":"ip"}"#, &[json]),
        ("PATCH", "/threats/thr_8f4a2c9d1e/status", r#"{"status":"acknowledged"}"#, &[json]),
        // base64("cv_live_reader:"): not the Bearer scheme.
        ("GET", "/threats/recent?severity=critical", "", &[("Authorization", "Basic Y3ZfbGl2ZV9yZWFkZXI6")]),
        ("GET", "/threats/recent?severity=critical", "", &[("Authorization", "Bearer ")]),
    ];
    for (method, target, body, headers) in attempts {
        let response = raw_request(&server, method, target, headers, body).await;
        assert_eq!(response.status, 401, "{method} {target} {headers:?}: {}", response.body);
        assert_eq!(response.error(), ("unauthorized".to_owned(), MISSING_KEY_MESSAGE.to_owned()), "{method} {target}");
    }
    assert_eq!(server.api.authorize_calls(), 0, "no Bearer key, no authorize call");
    assert_eq!(server.api.operation_calls(), 0);
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated);
}

#[tokio::test]
async fn unknown_key_is_401_from_authorize() {
    let server = spawn_server().await;
    let client = server.client(REVOKED_KEY);
    let unauthorized = || error_body("unauthorized", INVALID_KEY_MESSAGE);

    let error = api_error(client.list_recent_threats(&query(Severity::Critical)).await);
    assert_eq!(error.status(), 401);
    assert_eq!(error, ListRecentThreatsError::Unauthorized(unauthorized().into()));
    let error = api_error(client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await);
    assert_eq!(error, AnalyzeThreatError::Unauthorized(unauthorized().into()));
    let error = api_error(client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Closed, None)).await);
    assert_eq!(error.status(), 401);
    assert_eq!(error, UpdateThreatStatusError::Unauthorized(unauthorized().into()));

    assert_eq!(server.api.authorize_calls(), 3);
    assert_eq!(server.api.operation_calls(), 0, "refused calls never reach the operations");

    // Credentials are checked before the input: an invalid body is still a 401.
    let response = raw_request(
        &server,
        "POST",
        "/threats/analyze",
        &[("Authorization", &bearer(REVOKED_KEY)), ("Content-Type", "application/json")],
        "{",
    )
    .await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(response.error(), ("unauthorized".to_owned(), INVALID_KEY_MESSAGE.to_owned()));
    // The scheme name is case-insensitive.
    let response =
        raw_request(&server, "GET", "/threats/recent?severity=low&limit=1", &[("Authorization", &format!("bearer {READER_KEY}"))], "")
            .await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn key_without_read_scope_is_403() {
    let server = spawn_server().await;
    let client = server.client(NO_SCOPE_KEY);
    let forbidden = || error_body("insufficient_scope", READ_SCOPE_MESSAGE);

    let error = api_error(client.list_recent_threats(&query(Severity::Critical)).await);
    assert_eq!(error.status(), 403);
    assert_eq!(error, ListRecentThreatsError::Forbidden(forbidden().into()));
    let error = api_error(client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await);
    assert_eq!(error.status(), 403);
    assert_eq!(error, AnalyzeThreatError::Forbidden(forbidden().into()));
    let error = api_error(client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Acknowledged, None)).await);
    assert_eq!(error, UpdateThreatStatusError::Forbidden(forbidden().into()));

    assert_eq!(server.api.authorize_calls(), 3);
    assert_eq!(server.api.operation_calls(), 0);
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated);
}

// ---------------------------------------------------------------------------
// 5. Rate limiting on the server
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rate_limit_headers_are_on_every_answer() {
    let server = spawn_server().await;
    let reader = bearer(READER_KEY);
    let json = ("Content-Type", "application/json");

    // (headers, method, target, body, expected status) — the reader's budget
    // goes down by one per request, whatever the outcome.
    let reader_requests: [(&str, &str, &str, u16); 6] = [
        ("GET", "/threats/recent?severity=critical", "", 200),
        ("GET", "/threats/recent?limit=101&severity=critical", "", 400),
        ("POST", "/threats/analyze", r#"{"target":"trigger-500","target_type":"payload"}"#, 500),
        ("PATCH", "/threats/thr_0000000000/status", r#"{"status":"acknowledged"}"#, 404),
        ("PATCH", "/threats/thr_8f4a2c9d1e/status", r#"{"status":"closed"}"#, 403),
        ("POST", "/threats/analyze", r#"{"target":"203.0.113.42","target_type":"ip"}"#, 200),
    ];
    for (n, (method, target, body, status)) in (1u64..).zip(reader_requests) {
        let response = raw_request(&server, method, target, &[("Authorization", &reader), json], body).await;
        assert_eq!(response.status, status, "{method} {target}: {}", response.body);
        assert_eq!(response.rate_limit(), (READER_LIMIT, READER_START - n, RESET), "{method} {target}");
        assert!(!response.headers.contains_key("retry-after"), "{method} {target}: only refusals carry Retry-After");
    }

    // Rejections before authorisation or by it carry the presenting key's budget.
    for n in 1..=2 {
        let response = raw_request(&server, "GET", "/threats/recent?severity=high", &[], "").await;
        assert_eq!(response.status, 401, "{}", response.body);
        assert_eq!(response.rate_limit(), (ANONYMOUS_LIMIT, ANONYMOUS_LIMIT - n, RESET));
    }
    let response = raw_request(&server, "GET", "/threats/recent?severity=high", &[("Authorization", &bearer(REVOKED_KEY))], "").await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(response.rate_limit(), (ANONYMOUS_LIMIT, ANONYMOUS_LIMIT - 1, RESET), "a budget of its own");
    let response = raw_request(&server, "GET", "/threats/recent?severity=high", &[("Authorization", &bearer(NO_SCOPE_KEY))], "").await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(response.rate_limit(), (NO_SCOPE_LIMIT, NO_SCOPE_LIMIT - 1, RESET));

    // And so do refusals.
    let limited = bearer(LIMITED_KEY);
    for remaining in [1, 0] {
        let response = raw_request(&server, "GET", "/threats/recent?severity=low", &[("Authorization", &limited)], "").await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.rate_limit(), (LIMITED_BUDGET, remaining, RESET));
    }
    let response =
        raw_request(&server, "POST", "/threats/analyze", &[("Authorization", &limited), json], r#"{"target":"x","target_type":"ip"}"#)
            .await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.rate_limit(), (LIMITED_BUDGET, 0, RESET));
    assert_eq!(response.header_u64("retry-after"), None, "the seed's wait is in the body");
    assert_eq!(response.json()["error"]["retry_after"], RETRY_AFTER_SECS);
    let (code, message) = response.error();
    assert_eq!(code, "rate_limit_exceeded");
    assert!(message.contains("30"), "{message}");

    assert_eq!(
        server.api.admitted_operations().iter().filter(|operation| **operation == Operation::UpdateThreatStatus).count(),
        2,
        "the hook is told the operation"
    );
}

#[tokio::test]
async fn exhausted_budget_is_a_typed_429_before_authorization() {
    let server = spawn_server().await;
    let limited = server.client(LIMITED_KEY);

    // The budget of two requests is shared by all operations.
    limited.list_recent_threats(&query(Severity::Critical)).await.expect("first request within budget");
    limited.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await.expect("second request within budget");
    assert_eq!(server.api.authorize_calls(), 2);

    let error = api_error(limited.list_recent_threats(&query(Severity::Critical)).await);
    assert_eq!(error.status(), 429);
    match &error {
        ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) => {
            assert_eq!(body.error.retry_after, Some(30));
            assert_eq!(body.error.code, "rate_limit_exceeded");
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
    let error = api_error(limited.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await);
    assert!(
        matches!(&error, AnalyzeThreatError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(30) && body.error.code == "rate_limit_exceeded"),
        "{error:?}"
    );
    let error = api_error(limited.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Acknowledged, None)).await);
    assert!(
        matches!(&error, UpdateThreatStatusError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(30)),
        "{error:?}"
    );
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated);

    assert_eq!(server.api.authorize_calls(), 2, "refused requests are not authorized");
    assert_eq!(server.api.operation_calls(), 2, "nor served");
    assert_eq!(limited.rate_limit(), Some(RateLimit { limit: Some(LIMITED_BUDGET), remaining: Some(0), reset: Some(RESET) }));

    // The limit is asked before authorisation: an unknown key whose budget is
    // exhausted is told 429, not 401.
    server.api.script_refusals(REVOKED_KEY, &[7]);
    let error = api_error(server.client(REVOKED_KEY).list_recent_threats(&query(Severity::High)).await);
    assert!(
        matches!(&error, ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(7)),
        "{error:?}"
    );
    assert_eq!(server.api.authorize_calls(), 2);

    // Other keys are unaffected.
    server.client(READER_KEY).list_recent_threats(&query(Severity::Critical)).await.expect("the reader still has budget");
}

/// The seed's 429 body: `{"error": {"code": "rate_limit_exceeded", "message",
/// "retry_after": 42}}`, with no `Retry-After` header. The wait is in the body,
/// and only there: the retry policy tests below therefore prove that the client
/// reads the body's hint (`x-clawgen-retry-after: /error/retry_after`).
#[tokio::test]
async fn refusal_states_the_wait_in_the_body() {
    let server = spawn_server().await;
    server.api.script_refusals(READER_KEY, &[7]);
    let response = raw_request(&server, "GET", "/threats/recent?severity=low", &[("Authorization", &bearer(READER_KEY))], "").await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.header_u64("retry-after"), None, "the seed documents no Retry-After header");
    assert_eq!(response.json()["error"]["retry_after"], 7, "{}", response.body);
    assert_eq!(response.json()["error"]["code"], "rate_limit_exceeded", "{}", response.body);

    server.api.script_refusals(READER_KEY, &[3]);
    let error = api_error(server.client(READER_KEY).list_recent_threats(&query(Severity::Low)).await);
    match error {
        ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) => {
            assert_eq!(body.error.retry_after, Some(3));
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 6. Rate limiting in the client: the recorded budget and the retry policy
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_records_the_latest_rate_limit() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);
    let budget = |remaining: u64| Some(RateLimit { limit: Some(READER_LIMIT), remaining: Some(remaining), reset: Some(RESET) });

    assert_eq!(client.rate_limit(), None, "nothing answered yet");
    client.list_recent_threats(&query(Severity::Critical)).await.expect("a 200 page");
    assert_eq!(client.rate_limit(), budget(84), "the seed's X-RateLimit-Remaining: 84");
    client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await.expect("a 200 analysis");
    assert_eq!(client.rate_limit(), budget(83));
    // Error answers state the budget too.
    let error = api_error(client.update_threat_status(UNKNOWN_THREAT_ID, &status_change(ThreatStatus::New, None)).await);
    assert_eq!(error.status(), 404);
    assert_eq!(client.rate_limit(), budget(82));
    let error = api_error(client.list_recent_threats(&query(Severity::Low).limit(101)).await);
    assert_eq!(error.status(), 400);
    assert_eq!(client.rate_limit(), budget(81));

    // Each client records what its own answers said.
    let revoked = server.client(REVOKED_KEY);
    let error = api_error(revoked.list_recent_threats(&query(Severity::Low)).await);
    assert_eq!(error.status(), 401);
    assert_eq!(revoked.rate_limit(), Some(RateLimit { limit: Some(ANONYMOUS_LIMIT), remaining: Some(9), reset: Some(RESET) }));
    assert_eq!(client.rate_limit(), budget(81));
}

#[tokio::test]
async fn retry_policy_waits_retry_after_then_succeeds() {
    let server = spawn_server().await;
    let policy = RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(5), ..RetryPolicy::default() };
    let client = server.client(READER_KEY).with_retry_policy(policy);

    // GET: refused once with Retry-After: 1, then served.
    server.api.script_refusals(READER_KEY, &[1]);
    let started = Instant::now();
    let list = client.list_recent_threats(&query(Severity::Critical)).await.expect("a 200 page after one retry");
    assert!(started.elapsed() >= Duration::from_secs(1), "the client waited Retry-After: {:?}", started.elapsed());
    assert_eq!(list.meta.total, 8);
    let attempts = server.api.admissions_of(READER_KEY);
    assert_eq!(attempts.len(), 2, "one refusal, one retry");
    assert!(attempts[1] - attempts[0] >= Duration::from_secs(1), "the retry came after the wait: {:?}", attempts[1] - attempts[0]);
    assert_eq!(server.api.operation_calls(), 1);
    assert_eq!(client.rate_limit().and_then(|budget| budget.remaining), Some(84), "the retry's budget is recorded");

    // POST: the body is sent again, intact.
    server.api.script_refusals(READER_KEY, &[1]);
    let result = client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, Some("dmz"))).await.expect("a 200 after one retry");
    assert_eq!(result.threat_score, 92);
    assert_eq!(server.api.admissions_of(READER_KEY).len(), 4);
    assert_eq!(server.api.operation_calls(), 2);

    // PATCH too: the change is applied exactly once.
    server.api.script_refusals(READER_KEY, &[0, 1]);
    let updated = client
        .update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Acknowledged, Some("retried")))
        .await
        .expect("a 200 after two retries");
    assert_eq!(updated.status, ThreatStatus::Acknowledged);
    assert_eq!(server.api.admissions_of(READER_KEY).len(), 7);
    assert_eq!(
        server.api.status_changes(),
        [StatusChange { id: SEED_THREAT_ID.to_owned(), status: ThreatStatus::Acknowledged, note: Some("retried".to_owned()) }]
    );
}

#[tokio::test]
async fn without_retry_policy_the_429_is_returned() {
    let server = spawn_server().await;
    let client = server.client(READER_KEY);

    server.api.script_refusals(READER_KEY, &[1]);
    let started = Instant::now();
    let error = api_error(client.list_recent_threats(&query(Severity::Critical)).await);
    assert!(
        matches!(&error, ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(1)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "no wait: {:?}", started.elapsed());
    assert_eq!(server.api.admissions_of(READER_KEY).len(), 1, "no retry");
    assert_eq!(server.api.operation_calls(), 0);
    assert_eq!(client.rate_limit(), Some(RateLimit { limit: Some(READER_LIMIT), remaining: Some(READER_START), reset: Some(RESET) }));

    // The refusal was a one-off: the next call is served.
    client.list_recent_threats(&query(Severity::Critical)).await.expect("a 200 page");
    assert_eq!(server.api.admissions_of(READER_KEY).len(), 2);
}

#[tokio::test]
async fn retry_policy_does_not_wait_longer_than_max_wait() {
    let server = spawn_server().await;
    let policy = RetryPolicy { max_retries: 3, max_wait: Duration::from_millis(500), ..RetryPolicy::default() };
    let client = server.client(READER_KEY).with_retry_policy(policy);

    server.api.script_refusals(READER_KEY, &[1]);
    let started = Instant::now();
    let error = api_error(client.analyze_threat(&analyze_request("203.0.113.42", TargetType::Ip, None)).await);
    assert!(started.elapsed() < Duration::from_secs(1), "the 1 s wait exceeds max_wait, so no wait: {:?}", started.elapsed());
    assert!(
        matches!(&error, AnalyzeThreatError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(1)),
        "{error:?}"
    );
    assert_eq!(server.api.admissions_of(READER_KEY).len(), 1, "no retry");
    assert_eq!(server.api.operation_calls(), 0);

    // The exhausted budget's 30 s is too long as well.
    let limited = server.client(LIMITED_KEY).with_retry_policy(policy);
    for _ in 0..LIMITED_BUDGET {
        limited.list_recent_threats(&query(Severity::Low)).await.expect("within budget");
    }
    let started = Instant::now();
    let error = api_error(limited.list_recent_threats(&query(Severity::Low)).await);
    assert!(
        matches!(&error, ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(30)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(server.api.admissions_of(LIMITED_KEY).len(), 3);
}

#[tokio::test]
async fn retry_policy_gives_up_after_max_retries() {
    let server = spawn_server().await;
    let client = server.client(WRITER_KEY).with_retry_policy(RetryPolicy {
        max_retries: 2,
        max_wait: Duration::from_secs(5),
        ..RetryPolicy::default()
    });

    server.api.script_refusals(WRITER_KEY, &[0; 5]);
    let error = api_error(client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Closed, None)).await);
    assert!(
        matches!(&error, UpdateThreatStatusError::TooManyRequests(ErrorBody::Decoded(body)) if body.error.retry_after == Some(0)),
        "{error:?}"
    );
    assert_eq!(server.api.admissions_of(WRITER_KEY).len(), 3, "the first attempt and two retries");
    assert_eq!(server.api.scripted_refusals_left(WRITER_KEY), 2);
    assert_eq!(server.api.operation_calls(), 0);
    assert_eq!(server.api.stored(SEED_THREAT_ID).status, ThreatStatus::Mitigated);

    // Within max_retries, the same policy gets through.
    server.api.0.budgets.lock().expect("budget lock").get_mut(WRITER_KEY).expect("a budget").scripted_refusals.truncate(1);
    let closed =
        client.update_threat_status(SEED_THREAT_ID, &status_change(ThreatStatus::Closed, None)).await.expect("a 200 after one retry");
    assert_eq!(closed.status, ThreatStatus::Closed);
    assert_eq!(server.api.admissions_of(WRITER_KEY).len(), 5);
}
