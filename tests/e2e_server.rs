//! End-to-end tests of what a production server built on a generated crate
//! needs, on `cybervault_v2` (from `specs/cybervault.yaml`): the router runs on
//! 127.0.0.1 and the GENERATED client (or raw HTTP, where the client cannot
//! make the request) calls it.
//!
//! What this proves about the generated server:
//! - `authorize` returns the caller's identity (`Caller`, chosen here) and the
//!   handler gets it in `cx.identity`, with the request's headers, the
//!   extensions set by tower layers (a request id) and the peer's address;
//!   the rate-limit hook sees the same context and can limit by address;
//! - an operation left unimplemented answers 501 in the API's error format;
//! - one `DomainError` impl maps the implementation's own errors to each
//!   operation's documented errors, falling back to the documented 500;
//! - refusals no operation documents (404 unknown path, 405, 406, 413, 415)
//!   carry the API's common error body as JSON; the body limit is set on the router;
//! - an operation over the router's time limit (`RouterConfig::timeout`) is
//!   answered 503 with the API's common error body, and cancelled;
//! - the router serves behind tracing, request-id and CORS layers, with its
//!   time limit, and shuts down gracefully, as the generated README shows.

use std::collections::HashMap;
use std::fmt::Debug;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cybervault_v2::auth::{AuthError, Credentials, Operation};
use cybervault_v2::client::{Client, ClientError};
use cybervault_v2::errors::{AnalyzeThreatError, DomainError, ErrorBody, ListRecentThreatsError, UpdateThreatStatusError};
use cybervault_v2::rate_limit::{RateLimit, RateLimitDecision};
use cybervault_v2::server::{self, CybervaultApi, RequestContext, RouterConfig};
use cybervault_v2::types::{self, AnalyzeRequest, ListRecentThreatsQuery, Threat, ThreatList, UpdateThreatStatusRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};

/// The one key the server knows, and the caller it stands for.
const READER_KEY: &str = "cv_live_reader";
const READER: &str = "analyst@cybervault.example";
/// Requests a peer address may make before the rate-limit hook refuses it.
const PEER_BUDGET: u64 = 3;
/// A budget no test exhausts.
const AMPLE: u64 = 1_000;

/// Who a caller is: what `authorize` establishes once for every handler.
#[derive(Debug, Clone, PartialEq)]
struct Caller {
    email: String,
}

/// What a handler saw of its request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    caller: String,
    peer: Option<SocketAddr>,
    request_id: Option<String>,
    host: Option<String>,
}

/// The implementation's own error type, mapped once to every operation's errors.
#[derive(Debug)]
enum StoreError {
    /// No threat has this id: documented by `updateThreatStatus` as its 404.
    NoSuchThreat(String),
    /// The threat is being changed by someone else: 423, which no operation documents.
    Locked(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NoSuchThreat(id) => write!(f, "No threat has the id `{id}`."),
            StoreError::Locked(id) => write!(f, "The threat `{id}` is locked by another analyst."),
        }
    }
}

impl DomainError for StoreError {
    fn status(&self) -> u16 {
        match self {
            StoreError::NoSuchThreat(_) => 404,
            StoreError::Locked(_) => 423,
        }
    }
}

#[derive(Default)]
struct State {
    seen: Vec<Seen>,
    /// Requests per peer address, as the rate-limit hook counted them.
    requests_by_peer: HashMap<IpAddr, u64>,
}

/// A vault that implements two of the three operations; `analyzeThreat` keeps its default.
#[derive(Clone)]
struct Vault {
    state: Arc<Mutex<State>>,
    /// Requests a peer address may make.
    peer_budget: u64,
}

impl Vault {
    fn new(peer_budget: u64) -> Self {
        Vault { state: Arc::default(), peer_budget }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("state").seen.clone()
    }

    fn requests_by_peer(&self) -> HashMap<IpAddr, u64> {
        self.state.lock().expect("state").requests_by_peer.clone()
    }

    fn find(&self, id: &str) -> Result<Threat, StoreError> {
        match id {
            "locked" => Err(StoreError::Locked(id.to_owned())),
            "thr_1" => Ok(serde_json::from_value(serde_json::json!({
                "id": "thr_1",
                "type": "malware",
                "severity": "high",
                "timestamp": "2026-03-01T12:00:00Z",
                "source_ip": "192.0.2.1",
                "indicators": [],
                "status": "new"
            }))
            .expect("a threat")),
            _ => Err(StoreError::NoSuchThreat(id.to_owned())),
        }
    }
}

impl CybervaultApi for Vault {
    type Identity = Caller;

    async fn authorize(&self, _operation: Operation, credentials: &Credentials, _request: &RequestContext) -> Result<Caller, AuthError> {
        match credentials.bearer_auth.as_deref() {
            Some(READER_KEY) => Ok(Caller { email: READER.to_owned() }),
            _ => Err(AuthError::Unauthenticated("Unknown API key.".to_owned())),
        }
    }

    async fn rate_limit(&self, _operation: Operation, _credentials: &Credentials, request: &RequestContext) -> RateLimitDecision {
        let Some(peer) = request.peer else { return RateLimitDecision::Allow(None) };
        let mut state = self.state.lock().expect("state");
        let used = state.requests_by_peer.entry(peer.ip()).or_default();
        *used += 1;
        let budget = self.peer_budget;
        let rate_limit = RateLimit { limit: Some(budget), remaining: Some(budget.saturating_sub(*used)), reset: None };
        if *used > budget {
            RateLimitDecision::Refuse { rate_limit: Some(rate_limit), retry_after: 60 }
        } else {
            RateLimitDecision::Allow(Some(rate_limit))
        }
    }

    async fn list_recent_threats(
        &self,
        cx: RequestContext<Caller>,
        _query: ListRecentThreatsQuery,
    ) -> Result<ThreatList, ListRecentThreatsError> {
        let header = |name: &str| cx.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let request_id = cx.extension::<RequestId>().and_then(|id| id.header_value().to_str().ok()).map(str::to_owned);
        self.state.lock().expect("state").seen.push(Seen {
            caller: cx.identity.email.clone(),
            peer: cx.peer,
            request_id,
            host: header("host"),
        });
        Ok(serde_json::from_value(serde_json::json!({ "data": [], "meta": { "total": 0, "limit": 20, "offset": 0 } })).expect("a list"))
    }

    async fn update_threat_status(
        &self,
        _cx: RequestContext<Caller>,
        id: String,
        body: UpdateThreatStatusRequest,
    ) -> Result<Threat, UpdateThreatStatusError> {
        if id == "stalled" {
            // Never finishes: only the router's time limit answers.
            std::future::pending::<()>().await;
        }
        // `?` maps the store's error to this operation's documented one.
        let mut threat = self.find(&id)?;
        threat.status = body.status;
        Ok(threat)
    }
}

struct Served {
    url: String,
    addr: SocketAddr,
    vault: Vault,
}

/// Serves `router` with the peer's address known to handlers (`ConnectInfo`).
async fn serve(router: axum::Router, vault: Vault) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.expect("the server runs");
    });
    Served { url: format!("http://{addr}"), addr, vault }
}

async fn spawn(config: RouterConfig, peer_budget: u64) -> Served {
    let vault = Vault::new(peer_budget);
    let router = server::router_with(vault.clone(), config).layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    serve(router, vault).await
}

fn query() -> ListRecentThreatsQuery {
    serde_json::from_value(serde_json::json!({ "severity": "high", "limit": 20, "offset": 0 })).expect("a query")
}

fn api_error<T: Debug, E: Debug>(result: Result<T, ClientError<E>>) -> E {
    match result {
        Err(ClientError::Api { error, .. }) => error,
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

struct RawResponse {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl RawResponse {
    /// The body as the API's common error, `{"error": {"code", "message"}}`.
    fn common_error(&self) -> types::Error {
        assert_eq!(self.headers.get("content-type").map(String::as_str), Some("application/json"), "{:?}", self.headers);
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not the API's error body ({error}): {}", self.body))
    }
}

async fn raw(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|code| code.parse().ok()).expect("a status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    RawResponse { status, headers, body: body.to_owned() }
}

#[tokio::test]
async fn handlers_get_the_identity_and_the_request_context() {
    let served = spawn(RouterConfig::default(), AMPLE).await;
    let client = Client::new(&served.url).with_bearer_auth(READER_KEY);
    client.list_recent_threats(&query()).await.expect("listRecentThreats");

    let seen = served.vault.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].caller, READER, "the identity `authorize` returned");
    let peer = seen[0].peer.expect("the peer address, served with ConnectInfo");
    assert_eq!(peer.ip(), IpAddr::from([127, 0, 0, 1]));
    let request_id = seen[0].request_id.as_deref().expect("the request id the tower layer set");
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
    assert_eq!(seen[0].host, Some(served.addr.to_string()), "the request's headers");

    // Refused credentials never reach the handler.
    let stranger = Client::new(&served.url).with_bearer_auth("cv_live_unknown");
    assert!(matches!(api_error(stranger.list_recent_threats(&query()).await), ListRecentThreatsError::Unauthorized(_)));
    assert_eq!(served.vault.seen().len(), 1);
}

#[tokio::test]
async fn the_rate_limit_hook_limits_by_peer_address() {
    let served = spawn(RouterConfig::default(), PEER_BUDGET).await;
    let client = Client::new(&served.url).with_bearer_auth(READER_KEY);
    for _ in 0..PEER_BUDGET {
        client.list_recent_threats(&query()).await.expect("within the peer's budget");
    }
    // Another key from the same address shares its budget.
    let other = Client::new(&served.url).with_bearer_auth("cv_live_unknown");
    let refused = api_error(other.list_recent_threats(&query()).await);
    let ListRecentThreatsError::TooManyRequests(ErrorBody::Decoded(body)) = refused else {
        panic!("expected the documented 429, got {refused:?}")
    };
    assert!(body.error.message.contains("Rate limit"), "{body:?}");
    assert_eq!(served.vault.requests_by_peer(), HashMap::from([(IpAddr::from([127, 0, 0, 1]), PEER_BUDGET + 1)]));
}

#[tokio::test]
async fn an_unimplemented_operation_answers_501_in_the_api_error_format() {
    let served = spawn(RouterConfig::default(), AMPLE).await;
    let client = Client::new(&served.url).with_bearer_auth(READER_KEY);
    let request: AnalyzeRequest =
        serde_json::from_value(serde_json::json!({ "target": "192.0.2.1", "target_type": "ip" })).expect("a request");
    let error = api_error(client.analyze_threat(&request).await);
    let AnalyzeThreatError::Undocumented { status, body } = error else { panic!("expected an undocumented status, got {error:?}") };
    assert_eq!(status, 501);
    let body: types::Error = serde_json::from_str(&body).expect("the API's error body");
    assert_eq!(body.error.message, "`analyzeThreat` is not implemented yet.");

    let answer = raw(
        served.addr,
        "POST",
        "/threats/analyze",
        &[("Authorization", "Bearer cv_live_reader"), ("Content-Type", "application/json")],
        r#"{"target":"192.0.2.1","target_type":"ip"}"#,
    )
    .await;
    assert_eq!(answer.status, 501);
    assert_eq!(answer.common_error().error.message, "`analyzeThreat` is not implemented yet.");
}

#[tokio::test]
async fn domain_errors_become_the_documented_errors_or_the_documented_500() {
    let served = spawn(RouterConfig::default(), AMPLE).await;
    let client = Client::new(&served.url).with_bearer_auth(READER_KEY);
    let update: UpdateThreatStatusRequest = serde_json::from_value(serde_json::json!({ "status": "acknowledged" })).expect("an update");

    let threat = client.update_threat_status("thr_1", &update).await.expect("updateThreatStatus");
    assert_eq!(threat.status, update.status);

    // 404 is documented: the store's message goes in the documented body.
    let error = api_error(client.update_threat_status("thr_404", &update).await);
    let UpdateThreatStatusError::NotFound(ErrorBody::Decoded(body)) = error else { panic!("expected the documented 404, got {error:?}") };
    assert_eq!(body.error.message, "No threat has the id `thr_404`.");

    // 423 is not: the fallback is the operation's documented 500, with the message.
    let error = api_error(client.update_threat_status("locked", &update).await);
    let UpdateThreatStatusError::InternalServerError(ErrorBody::Decoded(body)) = error else {
        panic!("expected the documented 500, got {error:?}")
    };
    assert_eq!(body.error.message, "The threat `locked` is locked by another analyst.");
}

#[tokio::test]
async fn refusals_outside_the_document_carry_the_common_error() {
    let served = spawn(RouterConfig::default().body_limit(64), AMPLE).await;
    let bearer = ("Authorization", "Bearer cv_live_reader");
    let json = ("Content-Type", "application/json");

    let unknown = raw(served.addr, "GET", "/threats/unknown/path", &[bearer], "").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.common_error().error.message.contains("/threats/unknown/path"), "{}", unknown.body);

    let not_allowed = raw(served.addr, "DELETE", "/threats/recent", &[bearer], "").await;
    assert_eq!(not_allowed.status, 405);
    assert!(not_allowed.common_error().error.message.contains("DELETE"), "{}", not_allowed.body);
    assert_eq!(not_allowed.headers.get("allow").map(String::as_str), Some("GET,HEAD"), "{:?}", not_allowed.headers);

    let not_acceptable = raw(served.addr, "GET", "/threats/recent?severity=high", &[bearer, ("Accept", "text/html")], "").await;
    assert_eq!(not_acceptable.status, 406);
    assert!(not_acceptable.common_error().error.message.contains("application/json"), "{}", not_acceptable.body);
    // A wildcard or a JSON range is fine.
    let accepted = raw(served.addr, "GET", "/threats/recent?severity=high", &[bearer, ("Accept", "text/html, */*;q=0.1")], "").await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    let large = format!(r#"{{"target":"{}","target_type":"payload"}}"#, "x".repeat(100));
    let too_large = raw(served.addr, "POST", "/threats/analyze", &[bearer, json], &large).await;
    assert_eq!(too_large.status, 413);
    assert!(too_large.common_error().error.message.contains("64 bytes"), "{}", too_large.body);

    let unsupported = raw(served.addr, "POST", "/threats/analyze", &[bearer, ("Content-Type", "text/plain")], "192.0.2.1").await;
    assert_eq!(unsupported.status, 415);
    assert!(unsupported.common_error().error.message.contains("text/plain"), "{}", unsupported.body);

    // Nothing that was refused reached an implementation.
    assert!(served.vault.seen().len() == 1, "only the accepted listing: {:?}", served.vault.seen());
}

#[tokio::test]
async fn an_operation_over_the_time_limit_is_answered_503_in_the_api_error_format() {
    // Generous for the operation that finishes; the stalled one never does, whatever the limit.
    let served = spawn(RouterConfig::default().timeout(Duration::from_millis(500)), AMPLE).await;
    let client = Client::new(&served.url).with_bearer_auth(READER_KEY);
    let update: UpdateThreatStatusRequest = serde_json::from_value(serde_json::json!({ "status": "acknowledged" })).expect("an update");
    client.update_threat_status("thr_1", &update).await.expect("within the time limit");

    // 503 is not documented by the operation: the client sees it as such, with the API's error body.
    let error = api_error(client.update_threat_status("stalled", &update).await);
    let UpdateThreatStatusError::Undocumented { status, body } = error else { panic!("expected an undocumented 503, got {error:?}") };
    assert_eq!(status, 503);
    let body: types::Error = serde_json::from_str(&body).expect("the API's error body");
    assert_eq!(body.error.message, "The operation did not finish within 500 ms.");

    let answer = raw(
        served.addr,
        "PATCH",
        "/threats/stalled/status",
        &[("Authorization", "Bearer cv_live_reader"), ("Content-Type", "application/json")],
        r#"{"status":"acknowledged"}"#,
    )
    .await;
    assert_eq!(answer.status, 503);
    assert!(answer.common_error().error.message.contains("500 ms"), "{}", answer.body);
}

/// The serving recipe of the generated README: tower layers around the router,
/// the peer's address, and a graceful shutdown.
#[tokio::test]
async fn the_router_serves_behind_tower_layers_and_shuts_down_gracefully() {
    use tower_http::cors::CorsLayer;
    use tower_http::trace::TraceLayer;

    let vault = Vault::new(AMPLE);
    let config = RouterConfig::default().timeout(Duration::from_secs(30));
    let app = server::router_with(vault.clone(), config)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CorsLayer::permissive());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let client = Client::new(format!("http://{addr}")).with_bearer_auth(READER_KEY);
    client.list_recent_threats(&query()).await.expect("listRecentThreats through the layers");
    let seen = vault.seen();
    assert!(seen[0].request_id.is_some() && seen[0].peer.is_some(), "{seen:?}");

    let answer = raw(addr, "GET", "/threats/recent?severity=high", &[("Authorization", "Bearer cv_live_reader")], "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.headers.get("x-request-id").map(String::len), Some(36), "the request id goes back: {:?}", answer.headers);
    let preflight =
        raw(addr, "OPTIONS", "/threats/recent", &[("Origin", "https://console.example"), ("Access-Control-Request-Method", "GET")], "")
            .await;
    assert_eq!(preflight.headers.get("access-control-allow-origin").map(String::as_str), Some("*"), "{:?}", preflight.headers);

    drop(client);
    stop.send(()).expect("the server is still running");
    serving.await.expect("the server task").expect("a graceful shutdown");
}
