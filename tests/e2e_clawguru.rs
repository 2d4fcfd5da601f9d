//! End-to-end test of the generated `clawguru_v1` crate (from `specs/clawguru.yaml`).
//!
//! Each test starts the GENERATED axum server (`clawguru_v1::server::router`) on
//! 127.0.0.1 with an in-memory implementation of `ClawguruApi` that has real
//! behaviour: a set of valid API keys, a per-key rate-limit budget, usage
//! metering, a runbook store seeded from the ClawGuru docs, and a 25-item intel
//! feed with mixed severities and categories. The GENERATED typed client
//! (`clawguru_v1::client::Client`) then calls it over real HTTP.
//!
//! What this proves about the generated code:
//! - every operation (`checkIndicator`, `getLatestIntelFeed`, `getRunbook`)
//!   round-trips its request and its typed success body, with the wire names of
//!   the spec (`clawScore`, `relatedIds`, `updatedAt`, `supply-chain`) and
//!   chrono types (`DateTime<Utc>`, `NaiveDate`);
//! - both security schemes (`X-Api-Key` and `Authorization: Bearer`) are sent by
//!   the client and accepted by the server, while `Authorization: Basic` is not;
//! - every documented error status reaches the client as its typed variant:
//!   400 (validation of `minLength`, `minimum`/`maximum`, malformed JSON),
//!   401 (no credentials, also checked on the raw wire), 403 (`authorize`
//!   refusal), 404 (unknown runbook), 429 (with the required `Retry-After`
//!   header decoded into `retry_after`) and 500;
//! - the generated server rejects unauthenticated or invalid input before the
//!   implementation runs (the implementation counts its calls), query defaults
//!   (`limit` = 20) apply on the server, and a client without credentials fails
//!   with `MissingCredentials` without sending anything (the server counts HTTP
//!   requests).

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use clawguru_v1::auth::{AuthError, Credentials, Operation};
use clawguru_v1::client::{Client, ClientError};
use clawguru_v1::errors::{CheckIndicatorError, ErrorBody, GetLatestIntelFeedError, GetRunbookError};
use clawguru_v1::server::{self, ClawguruApi, RequestContext};
use clawguru_v1::types::{
    self, CheckIndicatorRequest, GetLatestIntelFeedQuery, IndicatorType, IntelFeed, IntelItem, RiskAssessment, RiskLevel, Runbook,
    RunbookFaq, Severity, ThreatCategory,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A valid key without a rate limit.
const GOOD_KEY: &str = "cg_live_good";
/// A valid key with a budget of [`LIMITED_BUDGET`] calls.
const LIMITED_KEY: &str = "cg_live_limited";
/// A key the server does not know.
const BAD_KEY: &str = "cg_live_revoked";
const LIMITED_BUDGET: u32 = 2;
const RETRY_AFTER_SECS: i64 = 30;
/// The server's (fixed) clock: assessment timestamps and the feed's `updatedAt`.
const CLOCK: &str = "2026-03-01T22:00:00Z";
const CLOCK_RFC3339: &str = "2026-03-01T22:00:00+00:00";
/// An indicator for which the implementation fails with a 500.
const INTERNAL_ERROR_TRIGGER: &str = "trigger-500";
const INTEL_ITEM_COUNT: usize = 25;
const INVALID_KEY_MESSAGE: &str = "Invalid API key.";
const RATE_LIMIT_MESSAGE: &str = "Rate limit exceeded. Retry after the Retry-After header value.";
const RUNBOOK_NOT_FOUND: &str = "Runbook not found";
const INTERNAL_ERROR_MESSAGE: &str = "Unexpected server error";
const SEED_SUMMARY_192: &str = "Indicator \"192.0.2.1\" matches known threat-intel patterns. Immediate containment recommended.";

/// Known-bad indicators and their scores; everything else scores below 60.
const KNOWN_BAD: &[(&str, i64)] = &[("192.0.2.1", 82), ("203.0.113.66", 97), ("evil.example", 75)];

/// Parses a date or date-time literal into whatever chrono type the field has
/// (chrono is not a direct dependency of this package, so the type is inferred).
fn at<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).expect("a valid date or date-time literal")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

// ---------------------------------------------------------------------------
// The in-memory implementation
// ---------------------------------------------------------------------------

struct State {
    valid_keys: HashSet<String>,
    /// Remaining calls of the rate-limited keys; keys not in here are unlimited.
    budgets: Mutex<HashMap<String, u32>>,
    /// Successful calls per key (the spec's metered billing).
    usage: Mutex<HashMap<String, u64>>,
    runbooks: HashMap<String, Runbook>,
    /// Stored oldest first; the feed is served newest first.
    intel: Vec<IntelItem>,
    authorize_calls: AtomicUsize,
    operation_calls: AtomicUsize,
}

#[derive(Clone)]
struct InMemoryClawguru(Arc<State>);

impl InMemoryClawguru {
    fn seeded() -> Self {
        let runbooks = [ssh_hardening_runbook(), fail2ban_runbook()].into_iter().map(|runbook| (runbook.id.clone(), runbook)).collect();
        Self(Arc::new(State {
            valid_keys: [GOOD_KEY, LIMITED_KEY].iter().map(|k| (*k).to_owned()).collect(),
            budgets: Mutex::new(HashMap::from([(LIMITED_KEY.to_owned(), LIMITED_BUDGET)])),
            usage: Mutex::new(HashMap::new()),
            runbooks,
            intel: intel_items(),
            authorize_calls: AtomicUsize::new(0),
            operation_calls: AtomicUsize::new(0),
        }))
    }

    fn key_of(credentials: &Credentials) -> Option<&str> {
        credentials.api_key_header.as_deref().or(credentials.bearer_auth.as_deref())
    }

    /// Counts the call and charges the caller's rate-limit budget.
    fn admit(&self, credentials: &Credentials) -> Result<String, (types::Error, i64)> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        let key = Self::key_of(credentials).unwrap_or_default().to_owned();
        let mut budgets = self.0.budgets.lock().expect("budget lock");
        if let Some(remaining) = budgets.get_mut(&key) {
            if *remaining == 0 {
                return Err((types::Error::new(RATE_LIMIT_MESSAGE.to_owned()), RETRY_AFTER_SECS));
            }
            *remaining -= 1;
        }
        Ok(key)
    }

    /// Reports one unit of usage for a successful call.
    fn meter(&self, key: String) {
        *self.0.usage.lock().expect("usage lock").entry(key).or_default() += 1;
    }

    fn usage(&self, key: &str) -> u64 {
        self.0.usage.lock().expect("usage lock").get(key).copied().unwrap_or(0)
    }

    fn operation_calls(&self) -> usize {
        self.0.operation_calls.load(Ordering::SeqCst)
    }

    fn authorize_calls(&self) -> usize {
        self.0.authorize_calls.load(Ordering::SeqCst)
    }
}

fn assess(request: &CheckIndicatorRequest) -> RiskAssessment {
    let score = KNOWN_BAD
        .iter()
        .find(|(indicator, _)| *indicator == request.indicator)
        .map(|(_, score)| *score)
        .unwrap_or_else(|| request.indicator.bytes().map(i64::from).sum::<i64>() % 60);
    let risk = match score {
        90.. => RiskLevel::Critical,
        70..=89 => RiskLevel::High,
        40..=69 => RiskLevel::Medium,
        _ => RiskLevel::Low,
    };
    let indicator = &request.indicator;
    let (tags, summary, actions) = if score >= 70 {
        (
            strings(&["threat-intel", "active-ioc", "immediate-action"]),
            format!("Indicator \"{indicator}\" matches known threat-intel patterns. Immediate containment recommended."),
            strings(&[
                "Block indicator in firewall / SIEM rule immediately",
                "Scan internal logs for historic matches",
                "Rotate credentials if indicator interacted with auth systems",
                "Open incident ticket and notify SOC",
            ]),
        )
    } else {
        (
            strings(&["no-known-match"]),
            format!("Indicator \"{indicator}\" does not match known threat-intel patterns."),
            strings(&["Keep monitoring"]),
        )
    };
    RiskAssessment::new(indicator.clone(), request.type_.clone(), risk, score, tags, summary, actions, at(CLOCK))
}

impl ClawguruApi for InMemoryClawguru {
    type Identity = Credentials;

    async fn authorize(
        &self,
        _operation: Operation,
        credentials: &Credentials,
        _request: &RequestContext,
    ) -> Result<Credentials, AuthError> {
        self.0.authorize_calls.fetch_add(1, Ordering::SeqCst);
        match Self::key_of(credentials) {
            Some(key) if self.0.valid_keys.contains(key) => Ok(credentials.clone()),
            _ => Err(AuthError::Forbidden(INVALID_KEY_MESSAGE.to_owned())),
        }
    }

    async fn check_indicator(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: CheckIndicatorRequest,
    ) -> Result<RiskAssessment, CheckIndicatorError> {
        let key = self
            .admit(&credentials)
            .map_err(|(body, retry_after)| CheckIndicatorError::TooManyRequests { body: body.into(), retry_after: Some(retry_after) })?;
        if body.indicator == INTERNAL_ERROR_TRIGGER {
            return Err(CheckIndicatorError::InternalServerError(types::Error::new(INTERNAL_ERROR_MESSAGE.to_owned()).into()));
        }
        let assessment = assess(&body);
        self.meter(key);
        Ok(assessment)
    }

    async fn get_latest_intel_feed(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: GetLatestIntelFeedQuery,
    ) -> Result<IntelFeed, GetLatestIntelFeedError> {
        let key = self.admit(&credentials).map_err(|(body, retry_after)| GetLatestIntelFeedError::TooManyRequests {
            body: body.into(),
            retry_after: Some(retry_after),
        })?;
        let mut items: Vec<IntelItem> = self
            .0
            .intel
            .iter()
            .filter(|item| query.severity.as_ref().is_none_or(|severity| *severity == item.severity))
            .filter(|item| query.category.as_ref().is_none_or(|category| *category == item.category))
            .cloned()
            .collect();
        items.sort_by_key(|item| std::cmp::Reverse(item.when));
        items.truncate(usize::try_from(query.limit).unwrap_or(0));
        self.meter(key);
        let total = i64::try_from(items.len()).expect("small feed");
        Ok(IntelFeed::new(items, total, at(CLOCK)))
    }

    async fn get_runbook(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        id: String,
    ) -> Result<Runbook, GetRunbookError> {
        let key = self
            .admit(&credentials)
            .map_err(|(body, retry_after)| GetRunbookError::TooManyRequests { body: body.into(), retry_after: Some(retry_after) })?;
        let runbook = self
            .0
            .runbooks
            .get(&id)
            .cloned()
            .ok_or_else(|| GetRunbookError::NotFound(types::Error::new(RUNBOOK_NOT_FOUND.to_owned()).into()))?;
        self.meter(key);
        Ok(runbook)
    }
}

/// The runbook of the seed docs.
fn ssh_hardening_runbook() -> Runbook {
    Runbook::new(
        "ssh-hardening-ubuntu".to_owned(),
        "SSH Hardening: Ubuntu 22.04".to_owned(),
        "Step-by-step SSH lockdown for Ubuntu: keys-only auth, fail2ban, port change.".to_owned(),
        strings(&["ssh", "hardening", "ubuntu", "security"]),
        94,
        strings(&[
            "Disable password authentication in /etc/ssh/sshd_config",
            "Generate and deploy SSH key pairs",
            "Change SSH port from 22 to a non-standard port",
            "Install and configure fail2ban",
            "Restrict SSH to specific IP ranges via UFW",
        ]),
        vec![RunbookFaq::new(
            "Should I always disable root SSH login?".to_owned(),
            "Yes. Disable PermitRootLogin in sshd_config and use sudo for privileged operations.".to_owned(),
        )],
        strings(&["firewall-ufw-ubuntu", "fail2ban-setup"]),
        at("2026-02-25"),
    )
}

fn fail2ban_runbook() -> Runbook {
    Runbook::new(
        "fail2ban-setup".to_owned(),
        "fail2ban Setup".to_owned(),
        "Ban brute-force sources automatically.".to_owned(),
        strings(&["fail2ban", "ssh"]),
        88,
        strings(&["Install fail2ban", "Enable the sshd jail"]),
        Vec::new(),
        strings(&["ssh-hardening-ubuntu"]),
        at("2026-01-31"),
    )
}

const SEVERITIES: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];
const CATEGORIES: [ThreatCategory; 5] =
    [ThreatCategory::Exposure, ThreatCategory::Websocket, ThreatCategory::Secrets, ThreatCategory::SupplyChain, ThreatCategory::Ops];

/// `ioc-001` … `ioc-025`: item `n` (1-based) has severity `SEVERITIES[(n-1) % 3]`,
/// category `CATEGORIES[(n-1) % 5]` and was published on 2026-02-(26-n), so
/// `ioc-001` (the seed's example item) is the newest. Stored oldest first.
fn intel_items() -> Vec<IntelItem> {
    (0..INTEL_ITEM_COUNT)
        .rev()
        .map(|i| {
            let severity = SEVERITIES[i % SEVERITIES.len()].clone();
            let category = CATEGORIES[i % CATEGORIES.len()].clone();
            let when = at(&format!("2026-02-{:02}T12:00:00Z", 25 - i));
            let id = format!("ioc-{:03}", i + 1);
            if i == 0 {
                IntelItem::new(
                    id,
                    "Exposed Gateway (public) → Token Leakage".to_owned(),
                    severity,
                    category,
                    when,
                    "Public gateway endpoints without private networking + weak auth repeatedly lead to key/token leaks.".to_owned(),
                    strings(&["Enforce private subnet/VPN", "Firewall deny-by-default", "Rotate all keys", "Enable auth-fail alerts"]),
                    strings(&["gateway", "token", "exposure", "critical-infrastructure"]),
                )
            } else {
                let title = format!("{severity} {category} finding {}", i + 1);
                let note = format!("Analyst note for {id}.");
                let tags = vec![category.as_str().to_owned()];
                IntelItem::new(id, title, severity, category, when, note, strings(&["Review exposure"]), tags)
            }
        })
        .collect()
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
    api: InMemoryClawguru,
}

impl TestServer {
    fn client(&self) -> Client {
        Client::new(&self.url)
    }

    fn http_requests(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }
}

/// Serves the generated router with a fresh in-memory implementation on an
/// ephemeral port.
async fn spawn_server() -> TestServer {
    let api = InMemoryClawguru::seeded();
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

struct RawResponse {
    status: u16,
    /// Lower-cased header names.
    headers: HashMap<String, String>,
    body: String,
}

impl RawResponse {
    /// Asserts the body is the spec's `{"error": "<message>"}` and returns the message.
    fn error_message(&self) -> String {
        assert!(
            self.headers.get("content-type").is_some_and(|value| value.starts_with("application/json")),
            "error responses are JSON, got headers {:?}",
            self.headers
        );
        let value: serde_json::Value = serde_json::from_str(&self.body).expect("the error body is JSON");
        let object = value.as_object().expect("the error body is an object");
        assert_eq!(object.len(), 1, "only the `error` member: {}", self.body);
        object.get("error").and_then(serde_json::Value::as_str).unwrap_or_else(|| panic!("`error` is a string: {}", self.body)).to_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

/// Sends one raw HTTP/1.1 request (`Connection: close`) and reads the whole answer.
async fn raw_request(server: &TestServer, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(&server.addr).await.expect("connect to the server");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr);
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
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

/// The typed API error of a call that must have failed with a documented status.
fn api_error<T: Debug, E: Debug>(result: Result<T, ClientError<E>>) -> E {
    match result {
        Err(ClientError::Api { error, .. }) => error,
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

fn request(indicator: &str, type_: IndicatorType) -> CheckIndicatorRequest {
    CheckIndicatorRequest::new(indicator.to_owned()).type_(type_)
}

fn query(severity: Option<Severity>, category: Option<ThreatCategory>, limit: i64) -> GetLatestIntelFeedQuery {
    {
        let mut value = GetLatestIntelFeedQuery::default().limit(limit);
        value.severity = severity;
        value.category = category;
        value
    }
}

fn ids(feed: &IntelFeed) -> Vec<&str> {
    feed.items.iter().map(|item| item.id.as_str()).collect()
}

fn ioc_ids(numbers: impl IntoIterator<Item = usize>) -> Vec<String> {
    numbers.into_iter().map(|n| format!("ioc-{n:03}")).collect()
}

// ---------------------------------------------------------------------------
// 1. checkIndicator success, with either scheme
// ---------------------------------------------------------------------------

#[tokio::test]
async fn check_indicator_with_api_key_header_returns_the_typed_assessment() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let bad = client.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await.expect("a 200 assessment");
    assert_eq!(bad.indicator, "192.0.2.1");
    assert_eq!(bad.type_, IndicatorType::Ip);
    assert_eq!(bad.risk, RiskLevel::High);
    assert_eq!(bad.score, 82);
    assert_eq!(bad.tags, ["threat-intel", "active-ioc", "immediate-action"]);
    assert_eq!(bad.summary, SEED_SUMMARY_192);
    assert_eq!(bad.actions.len(), 4);
    assert_eq!(bad.actions[0], "Block indicator in firewall / SIEM rule immediately");
    assert_eq!(bad.timestamp.to_rfc3339(), CLOCK_RFC3339);

    let benign = client.check_indicator(&request("example.org", IndicatorType::Domain)).await.expect("a 200 assessment");
    assert_eq!(benign.indicator, "example.org");
    assert_eq!(benign.type_, IndicatorType::Domain);
    assert!(benign.score < 60, "unknown indicators score low: {}", benign.score);
    assert!(matches!(benign.risk, RiskLevel::Low | RiskLevel::Medium), "{:?}", benign.risk);
    assert_eq!(benign.tags, ["no-known-match"]);
    let again = client.check_indicator(&request("example.org", IndicatorType::Domain)).await.expect("a 200 assessment");
    assert_eq!(again, benign, "the assessment is deterministic");

    assert_eq!(server.api.usage(GOOD_KEY), 3, "each successful call is metered");
}

#[tokio::test]
async fn bearer_token_is_accepted_by_every_operation() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth(GOOD_KEY);

    let critical = client.check_indicator(&request("203.0.113.66", IndicatorType::Ip)).await.expect("a 200 assessment via Bearer");
    assert_eq!(critical.risk, RiskLevel::Critical);
    assert_eq!(critical.score, 97);
    assert_eq!(critical.indicator, "203.0.113.66");

    let feed = client.get_latest_intel_feed(&query(None, None, 2)).await.expect("a 200 feed via Bearer");
    assert_eq!(ids(&feed), ["ioc-001", "ioc-002"]);

    let runbook = client.get_runbook("fail2ban-setup").await.expect("a 200 runbook via Bearer");
    assert_eq!(runbook.title, "fail2ban Setup");

    assert_eq!(server.api.usage(GOOD_KEY), 3, "the Bearer key is the metered key");
}

#[tokio::test]
async fn omitted_indicator_type_defaults_to_domain_on_the_server() {
    let server = spawn_server().await;
    let response = raw_request(
        &server,
        "POST",
        "/v1/check-indicator",
        &[("X-Api-Key", GOOD_KEY), ("Content-Type", "application/json")],
        r#"{"indicator":"evil.example"}"#,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["type"], "domain");
    assert_eq!(body["risk"], "high");
    assert_eq!(body["score"], 75);
    assert_eq!(body["indicator"], "evil.example");
}

// ---------------------------------------------------------------------------
// 2. getLatestIntelFeed: default limit, filters, limit
// ---------------------------------------------------------------------------

#[tokio::test]
async fn intel_feed_without_filters_returns_the_newest_twenty() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let feed = client.get_latest_intel_feed(&GetLatestIntelFeedQuery::default()).await.expect("a 200 feed");
    assert_eq!(feed.items.len(), 20, "the default limit of 20 applies to 25 items");
    assert_eq!(feed.total, 20);
    assert_eq!(ids(&feed), ioc_ids(1..=20), "newest first");
    assert!(feed.items.windows(2).all(|pair| pair[0].when > pair[1].when));
    assert_eq!(feed.updated_at.to_rfc3339(), CLOCK_RFC3339);
    let first = &feed.items[0];
    assert_eq!(first.title, "Exposed Gateway (public) → Token Leakage");
    assert_eq!(first.severity, Severity::High);
    assert_eq!(first.category, ThreatCategory::Exposure);
    assert_eq!(first.when.to_rfc3339(), "2026-02-25T12:00:00+00:00");
    assert_eq!(first.tags, ["gateway", "token", "exposure", "critical-infrastructure"]);

    // Without any query string at all, the server itself applies the default.
    let response = raw_request(&server, "GET", "/v1/intel-feed/latest", &[("X-Api-Key", GOOD_KEY)], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(20));
    assert_eq!(body["total"], 20);
    assert_eq!(body["updatedAt"], "2026-03-01T22:00:00Z");
    assert_eq!(body["items"][0]["category"], "exposure");
    assert_eq!(body["items"][0]["when"], "2026-02-25T12:00:00Z");
}

#[tokio::test]
async fn intel_feed_filters_by_severity_and_category() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let high = client.get_latest_intel_feed(&query(Some(Severity::High), None, 20)).await.expect("a 200 feed");
    assert_eq!(ids(&high), ioc_ids((1..=25).step_by(3)), "every third item is high");
    assert!(high.items.iter().all(|item| item.severity == Severity::High));
    assert_eq!(high.total, 9);

    let websocket = client.get_latest_intel_feed(&query(None, Some(ThreatCategory::Websocket), 20)).await.expect("a 200 feed");
    assert_eq!(ids(&websocket), ioc_ids([2, 7, 12, 17, 22]));
    assert!(websocket.items.iter().all(|item| item.category == ThreatCategory::Websocket));

    // `supply-chain` needs its hyphenated wire name in the query string.
    let high_supply_chain =
        client.get_latest_intel_feed(&query(Some(Severity::High), Some(ThreatCategory::SupplyChain), 20)).await.expect("a 200 feed");
    assert_eq!(ids(&high_supply_chain), ["ioc-004", "ioc-019"]);
    assert_eq!(high_supply_chain.total, 2);

    let low_ops = client.get_latest_intel_feed(&query(Some(Severity::Low), Some(ThreatCategory::Ops), 20)).await.expect("a 200 feed");
    assert_eq!(ids(&low_ops), ["ioc-015"]);

    let response =
        raw_request(&server, "GET", "/v1/intel-feed/latest?category=supply-chain&severity=medium", &[("X-Api-Key", GOOD_KEY)], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    let raw_ids: Vec<&str> = body["items"].as_array().expect("items").iter().filter_map(|item| item["id"].as_str()).collect();
    assert_eq!(raw_ids, ["ioc-014"]);
}

#[tokio::test]
async fn intel_feed_limit_caps_the_items() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let one = client.get_latest_intel_feed(&query(None, None, 1)).await.expect("a 200 feed");
    assert_eq!(ids(&one), ["ioc-001"]);
    assert_eq!(one.total, 1);

    let max = client.get_latest_intel_feed(&query(None, None, 50)).await.expect("limit=50 is the inclusive maximum");
    assert_eq!(max.items.len(), INTEL_ITEM_COUNT);
    assert_eq!(max.total, 25);

    let high_three = client.get_latest_intel_feed(&query(Some(Severity::High), None, 3)).await.expect("a 200 feed");
    assert_eq!(ids(&high_three), ["ioc-001", "ioc-004", "ioc-007"]);
}

#[tokio::test]
async fn intel_feed_limit_out_of_range_is_bad_request() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    for limit in [0, 51, -3] {
        let error = api_error(client.get_latest_intel_feed(&query(None, None, limit)).await);
        assert_eq!(error.status(), 400, "limit={limit}");
        match error {
            GetLatestIntelFeedError::BadRequest(ErrorBody::Decoded(body)) => {
                assert!(body.error.contains("limit"), "limit={limit}: {}", body.error);
            }
            other => panic!("limit={limit}: expected BadRequest, got {other:?}"),
        }
    }

    for target in ["/v1/intel-feed/latest?limit=abc", "/v1/intel-feed/latest?severity=extreme", "/v1/intel-feed/latest?limit=0"] {
        let response = raw_request(&server, "GET", target, &[("X-Api-Key", GOOD_KEY)], "").await;
        assert_eq!(response.status, 400, "{target}: {}", response.body);
        assert!(!response.error_message().is_empty(), "{target}");
    }

    assert_eq!(server.api.operation_calls(), 0, "invalid queries never reach the implementation");
    assert_eq!(server.api.authorize_calls(), 6, "but they are authorized first");
}

// ---------------------------------------------------------------------------
// 3. getRunbook: success and 404
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_runbook_round_trips_every_field() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let runbook = client.get_runbook("ssh-hardening-ubuntu").await.expect("a 200 runbook");
    assert_eq!(runbook.id, "ssh-hardening-ubuntu");
    assert_eq!(runbook.title, "SSH Hardening: Ubuntu 22.04");
    assert_eq!(runbook.claw_score, 94);
    assert_eq!(runbook.steps.len(), 5);
    assert_eq!(runbook.steps[4], "Restrict SSH to specific IP ranges via UFW");
    assert_eq!(runbook.faq.len(), 1);
    assert_eq!(runbook.faq[0].q, "Should I always disable root SSH login?");
    assert!(runbook.faq[0].a.starts_with("Yes. Disable PermitRootLogin"));
    assert_eq!(runbook.related_ids, ["firewall-ufw-ubuntu", "fail2ban-setup"]);
    assert_eq!(runbook.updated_at.to_string(), "2026-02-25");
    // A real calendar date, not a string: the day after is computable.
    assert_eq!(runbook.updated_at.succ_opt().expect("a next day").to_string(), "2026-02-26");

    // The typed value serializes back to exactly the seed document's JSON.
    let seed: serde_json::Value = serde_json::from_str(
        r#"{
          "id": "ssh-hardening-ubuntu",
          "title": "SSH Hardening: Ubuntu 22.04",
          "summary": "Step-by-step SSH lockdown for Ubuntu: keys-only auth, fail2ban, port change.",
          "tags": ["ssh", "hardening", "ubuntu", "security"],
          "clawScore": 94,
          "steps": [
            "Disable password authentication in /etc/ssh/sshd_config",
            "Generate and deploy SSH key pairs",
            "Change SSH port from 22 to a non-standard port",
            "Install and configure fail2ban",
            "Restrict SSH to specific IP ranges via UFW"
          ],
          "faq": [
            {
              "q": "Should I always disable root SSH login?",
              "a": "Yes. Disable PermitRootLogin in sshd_config and use sudo for privileged operations."
            }
          ],
          "relatedIds": ["firewall-ufw-ubuntu", "fail2ban-setup"],
          "updatedAt": "2026-02-25"
        }"#,
    )
    .expect("the seed JSON");
    assert_eq!(serde_json::to_value(&runbook).expect("serializable"), seed);

    // Another id yields another runbook: the id travels in the path.
    let other = client.get_runbook(&runbook.related_ids[1]).await.expect("the related runbook");
    assert_eq!(other.id, "fail2ban-setup");
    assert_eq!(other.claw_score, 88);
    assert!(other.faq.is_empty());
    assert_eq!(other.updated_at.to_string(), "2026-01-31");
}

#[tokio::test]
async fn get_runbook_unknown_id_is_not_found() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    // The second and third ids only stay one path segment if the client encodes
    // `/`, ` ` and `?`; otherwise the router's empty 404 would fail to decode.
    for id in ["does-not-exist", "ssh-hardening-ubuntu/extra", "ssh hardening?x=1"] {
        let error = api_error(client.get_runbook(id).await);
        assert_eq!(error.status(), 404, "{id}");
        assert_eq!(error, GetRunbookError::NotFound(types::Error::new(RUNBOOK_NOT_FOUND.to_owned()).into()), "{id}");
    }
    assert_eq!(server.api.operation_calls(), 3, "the implementation answered each 404");
    assert_eq!(server.api.usage(GOOD_KEY), 0, "failed calls are not metered");
}

// ---------------------------------------------------------------------------
// 4. 401 without credentials; 400 for malformed JSON
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_without_credentials_sends_nothing() {
    let server = spawn_server().await;
    let client = server.client();

    match client.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "checkIndicator"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    match client.get_latest_intel_feed(&GetLatestIntelFeedQuery::default()).await {
        Err(ClientError::MissingCredentials { operation }) => {
            assert_eq!(operation, "getLatestIntelFeed");
        }
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    match client.get_runbook("ssh-hardening-ubuntu").await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "getRunbook"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    assert_eq!(server.http_requests(), 0, "nothing reached the server");

    // Control: the counter does count requests.
    let _ = server.client().with_api_key_header(GOOD_KEY).get_runbook("ssh-hardening-ubuntu").await.expect("a 200 runbook");
    assert_eq!(server.http_requests(), 1);
}

#[tokio::test]
async fn raw_requests_without_credentials_get_401_json() {
    let server = spawn_server().await;
    let attempts: [(&str, &str, &str); 3] = [
        ("POST", "/v1/check-indicator", r#"{"indicator":"192.0.2.1","type":"ip"}"#),
        ("GET", "/v1/intel-feed/latest?limit=5", ""),
        ("GET", "/v1/runbook/ssh-hardening-ubuntu", ""),
    ];
    for (method, target, body) in attempts {
        let response = raw_request(&server, method, target, &[("Content-Type", "application/json")], body).await;
        assert_eq!(response.status, 401, "{method} {target}: {}", response.body);
        let message = response.error_message();
        assert!(message.contains("X-Api-Key"), "{method} {target}: {message}");
    }
    assert_eq!(server.api.authorize_calls(), 0, "no credentials, no authorize call");
    assert_eq!(server.api.operation_calls(), 0);
}

#[tokio::test]
async fn empty_bearer_token_is_a_typed_401() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth("");

    let error = api_error(client.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await);
    assert_eq!(error.status(), 401);
    assert!(matches!(&error, CheckIndicatorError::Unauthorized(ErrorBody::Decoded(body)) if body.error.contains("Bearer")), "{error:?}");
    let error = api_error(client.get_runbook("ssh-hardening-ubuntu").await);
    assert!(matches!(error, GetRunbookError::Unauthorized(_)), "{error:?}");
    let error = api_error(client.get_latest_intel_feed(&GetLatestIntelFeedQuery::default()).await);
    assert!(matches!(error, GetLatestIntelFeedError::Unauthorized(_)), "{error:?}");
    assert_eq!(server.api.authorize_calls(), 0);
}

#[tokio::test]
async fn malformed_json_body_is_400_json_after_authentication() {
    let server = spawn_server().await;
    let json = ("Content-Type", "application/json");

    for body in [r#"{"indicator": "#, "not json", "{}", ""] {
        let response = raw_request(&server, "POST", "/v1/check-indicator", &[("X-Api-Key", GOOD_KEY), json], body).await;
        assert_eq!(response.status, 400, "{body:?}: {}", response.body);
        let message = response.error_message();
        assert!(message.starts_with("invalid JSON body"), "{body:?}: {message}");
    }
    // An enum value the document does not list decodes (clients tolerate new values in answers),
    // but the server refuses it in a request.
    let unlisted = r#"{"indicator":"x","type":"ipv6"}"#;
    let response = raw_request(&server, "POST", "/v1/check-indicator", &[("X-Api-Key", GOOD_KEY), json], unlisted).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.error_message(), r#"type: "ipv6" is not one of "ip", "domain", "hash", "url""#);
    let missing = raw_request(&server, "POST", "/v1/check-indicator", &[("X-Api-Key", GOOD_KEY), json], "{}").await;
    assert!(missing.error_message().contains("indicator"), "{}", missing.body);
    assert_eq!(server.api.operation_calls(), 0, "malformed bodies never reach the implementation");

    // Credentials are checked before the body is parsed.
    let response = raw_request(&server, "POST", "/v1/check-indicator", &[json], "{").await;
    assert_eq!(response.status, 401, "{}", response.body);
    let response = raw_request(&server, "POST", "/v1/check-indicator", &[("X-Api-Key", BAD_KEY), json], "{").await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(response.error_message(), INVALID_KEY_MESSAGE);
}

// ---------------------------------------------------------------------------
// 5. 403 with a wrong key
// ---------------------------------------------------------------------------

#[tokio::test]
async fn wrong_key_is_forbidden_with_either_scheme() {
    let server = spawn_server().await;
    let forbidden = || types::Error::new(INVALID_KEY_MESSAGE.to_owned());

    for client in [server.client().with_api_key_header(BAD_KEY), server.client().with_bearer_auth(BAD_KEY)] {
        let error = api_error(client.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await);
        assert_eq!(error.status(), 403);
        assert_eq!(error, CheckIndicatorError::Forbidden(forbidden().into()));

        let error = api_error(client.get_latest_intel_feed(&GetLatestIntelFeedQuery::default()).await);
        assert_eq!(error, GetLatestIntelFeedError::Forbidden(forbidden().into()));

        let error = api_error(client.get_runbook("ssh-hardening-ubuntu").await);
        assert_eq!(error.status(), 403);
        assert_eq!(error, GetRunbookError::Forbidden(forbidden().into()));
    }
    assert_eq!(server.api.authorize_calls(), 6);
    assert_eq!(server.api.operation_calls(), 0, "refused calls never reach the operations");
}

// ---------------------------------------------------------------------------
// 6. 400 through the typed client: minLength
// ---------------------------------------------------------------------------

#[tokio::test]
async fn empty_indicator_is_a_typed_bad_request() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let error = api_error(client.check_indicator(&request("", IndicatorType::Domain)).await);
    assert_eq!(error.status(), 400);
    match &error {
        CheckIndicatorError::BadRequest(ErrorBody::Decoded(body)) => {
            assert!(body.error.contains("indicator"), "{}", body.error);
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    assert_eq!(server.api.operation_calls(), 0, "the generated validation rejected it");

    // One character satisfies minLength 1.
    let ok = client.check_indicator(&request("a", IndicatorType::Domain)).await.expect("a one-character indicator is valid");
    assert_eq!(ok.indicator, "a");
    assert_eq!(server.api.operation_calls(), 1);
}

// ---------------------------------------------------------------------------
// 7. 429 with Retry-After
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_key_gets_429_with_retry_after() {
    let server = spawn_server().await;
    let limited = server.client().with_api_key_header(LIMITED_KEY);
    let rate_limited = || types::Error::new(RATE_LIMIT_MESSAGE.to_owned());

    // The budget of two calls is shared by all operations.
    limited.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await.expect("first call within budget");
    limited.get_runbook("ssh-hardening-ubuntu").await.expect("second call within budget");

    let error = api_error(limited.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await);
    assert_eq!(error.status(), 429);
    assert_eq!(error, CheckIndicatorError::TooManyRequests { body: rate_limited().into(), retry_after: Some(RETRY_AFTER_SECS) });

    let error = api_error(limited.get_latest_intel_feed(&GetLatestIntelFeedQuery::default()).await);
    assert_eq!(error.status(), 429);
    assert_eq!(error, GetLatestIntelFeedError::TooManyRequests { body: rate_limited().into(), retry_after: Some(RETRY_AFTER_SECS) });

    let error = api_error(limited.get_runbook("ssh-hardening-ubuntu").await);
    assert!(matches!(error, GetRunbookError::TooManyRequests { retry_after: Some(30), .. }), "{error:?}");

    // On the wire: the header is there, and the body is the error JSON.
    let response =
        raw_request(&server, "GET", "/v1/runbook/ssh-hardening-ubuntu", &[("Authorization", &format!("Bearer {LIMITED_KEY}"))], "").await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.headers.get("retry-after").map(String::as_str), Some("30"));
    assert_eq!(response.error_message(), RATE_LIMIT_MESSAGE);

    // Only the two successful calls were metered, and other keys are unaffected.
    assert_eq!(server.api.usage(LIMITED_KEY), 2);
    server
        .client()
        .with_api_key_header(GOOD_KEY)
        .check_indicator(&request("192.0.2.1", IndicatorType::Ip))
        .await
        .expect("the unlimited key still works");
}

// ---------------------------------------------------------------------------
// 8. 500
// ---------------------------------------------------------------------------

#[tokio::test]
async fn implementation_failure_is_a_typed_500() {
    let server = spawn_server().await;
    let client = server.client().with_api_key_header(GOOD_KEY);

    let error = api_error(client.check_indicator(&request(INTERNAL_ERROR_TRIGGER, IndicatorType::Domain)).await);
    assert_eq!(error.status(), 500);
    assert_eq!(error, CheckIndicatorError::InternalServerError(types::Error::new(INTERNAL_ERROR_MESSAGE.to_owned()).into()));

    let response = raw_request(
        &server,
        "POST",
        "/v1/check-indicator",
        &[("X-Api-Key", GOOD_KEY), ("Content-Type", "application/json")],
        &format!(r#"{{"indicator":"{INTERNAL_ERROR_TRIGGER}"}}"#),
    )
    .await;
    assert_eq!(response.status, 500, "{}", response.body);
    assert_eq!(response.error_message(), INTERNAL_ERROR_MESSAGE);

    assert_eq!(server.api.usage(GOOD_KEY), 0, "failed calls are not metered");
    client.check_indicator(&request("192.0.2.1", IndicatorType::Ip)).await.expect("the server keeps serving after a 500");
}

// ---------------------------------------------------------------------------
// 9. Accepted and refused authentication schemes on the wire
// ---------------------------------------------------------------------------

#[tokio::test]
async fn api_key_and_bearer_are_accepted_but_basic_is_401() {
    let server = spawn_server().await;
    let target = "/v1/runbook/ssh-hardening-ubuntu";
    let bearer = format!("Bearer {GOOD_KEY}");
    let lowercase_bearer = format!("bearer {GOOD_KEY}");

    for headers in [[("X-Api-Key", GOOD_KEY)], [("Authorization", bearer.as_str())], [("Authorization", lowercase_bearer.as_str())]] {
        let response = raw_request(&server, "GET", target, &headers, "").await;
        assert_eq!(response.status, 200, "{headers:?}: {}", response.body);
        assert_eq!(response.json()["clawScore"], 94, "{headers:?}");
    }
    assert_eq!(server.api.usage(GOOD_KEY), 3);

    // base64("cg_live_good:")
    let response = raw_request(&server, "GET", target, &[("Authorization", "Basic Y2dfbGl2ZV9nb29kOg==")], "").await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert!(response.error_message().contains("Bearer"));
    assert_eq!(server.api.authorize_calls(), 3, "Basic credentials are not even authorized");
    assert_eq!(server.api.usage(GOOD_KEY), 3);
}

/// The spec says every non-2xx response carries `{"error": "<message>"}`.
/// getRunbook documents no 400, so a path that does not decode gets its
/// documented 404 (such a path names no runbook), in that shape, saying why.
#[tokio::test]
async fn undecodable_paths_get_the_documented_404_in_the_error_body() {
    let server = spawn_server().await;
    let response = raw_request(&server, "GET", "/v1/runbook/%FF", &[("X-Api-Key", GOOD_KEY)], "").await;
    assert_eq!(response.status, 404, "{}", response.body);
    assert!(response.error_message().contains("UTF-8"), "{}", response.body);
}
