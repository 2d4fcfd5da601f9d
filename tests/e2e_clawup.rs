//! End-to-end test of the generated `clawup_v1` crate (from `specs/clawup.yaml`,
//! seeded from the ClawUp API docs).
//!
//! Each test starts the GENERATED axum server (`clawup_v1::server::router`) on
//! 127.0.0.1 with an in-memory implementation of `ClawupApi`: an API-key store
//! (current `cu_` keys, a legacy `eb_` key, a revoked key), the user accounts the
//! keys belong to, and a catalog of plans, models, runtime images, MCP tools and
//! team templates built from the spec's examples plus entries of our own. A switch
//! makes every operation fail, for the 500 path. The GENERATED typed client
//! (`clawup_v1::client::Client`) then calls it over real HTTP; raw HTTP/1.1 over a
//! `TcpStream` checks what is on the wire.
//!
//! What this proves about the generated code:
//! - every operation (`getCurrentUser`, `listPlans`, `listModels`,
//!   `listRuntimeImages`, `listTools`, `listTeamTemplates`, `getOpenApiDocument`)
//!   round-trips its typed success body, and the wire JSON of the catalog equals
//!   the spec's own examples (nullable `max_api_keys: null` kept, optional prices
//!   omitted when absent, millisecond timestamps kept);
//! - every `/api/v1/` call needs a Bearer key, the catalog included (the seed:
//!   "All API calls authenticate with an API key passed as a Bearer token"):
//!   without one the client sends nothing and the router answers 401; only
//!   `/openapi.json` is public and never calls `authorize`;
//! - `/api/v1/auth/me` needs a Bearer key: `cu_` and legacy `eb_` keys are
//!   accepted, other keys are answered 401 with `{"error": "AUTH_401", "message"}`
//!   (typed `Unauthorized` in the client), a missing key is refused by the
//!   generated router before `authorize`, and the client without a key sends nothing;
//! - `GET /openapi.json` serves the server's own document: the same JSON as
//!   `specs/clawup.yaml`, whose public operations are exactly those the
//!   generated `Operation::security()` lists as public;
//! - implementation failures reach the client as the typed 500 of each operation.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use clawup_v1::auth::{AuthError, Credentials, Operation};
use clawup_v1::client::{Client, ClientError};
use clawup_v1::errors::{
    GetCurrentUserError, GetOpenApiDocumentError, ListModelsError, ListPlansError, ListRuntimeImagesError, ListTeamTemplatesError,
    ListToolsError,
};
use clawup_v1::server::{self, ClawupApi, RequestContext};
use clawup_v1::types::{
    self, Model, ModelList, Plan, PlanInterval, PlanLimits, PlanList, RuntimeImage, RuntimeImageList, TeamTemplate, TeamTemplateList,
    TemplateAgent, Tool, ToolList, ToolTransport, User,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A current key of the seed's user.
const CU_KEY: &str = "cu_5b1f0c2e-8d3a-4f6b-9a7e-1c2d3e4f5a6b";
/// An older key, with the legacy prefix, of another user.
const EB_KEY: &str = "eb_7f3c9a12-44d0-4c1e-b7aa-0e9d8c7b6a51";
/// A `cu_` key that was revoked.
const REVOKED_KEY: &str = "cu_00000000-dead-beef-0000-000000000000";
/// A key of another product: wrong prefix.
const FOREIGN_KEY: &str = "sk_live_5b1f0c2e8d3a4f6b";

const MALFORMED_KEY_MESSAGE: &str = "API keys start with cu_ (or the legacy eb_)";
const REVOKED_KEY_MESSAGE: &str = "API key is invalid, expired or revoked";
/// The generated router's own message for a request without a Bearer key.
const MISSING_KEY_MESSAGE: &str = "missing or invalid credentials";

const SPEC_PATH: &str = "specs/clawup.yaml";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn time(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 timestamp")
}

fn error_body(code: &str, message: &str) -> types::Error {
    types::Error::new(code.to_owned(), message.to_owned())
}

fn internal_error() -> types::Error {
    error_body("INTERNAL_500", "internal server error")
}

/// The spec, as JSON.
fn spec() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC_PATH);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).expect("the spec is YAML")
}

/// The same JSON with every number as an `f64`, so that `300` and `300.0` compare equal.
fn numbers_as_f64(values: &[serde_json::Value]) -> Vec<serde_json::Value> {
    fn convert(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Number(number) => number.as_f64().map_or(serde_json::Value::Null, serde_json::Value::from),
            serde_json::Value::Array(items) => items.iter().map(convert).collect(),
            serde_json::Value::Object(members) => members.iter().map(|(name, member)| (name.clone(), convert(member))).collect(),
            other => other.clone(),
        }
    }
    values.iter().map(convert).collect()
}

/// The spec's example of the 200 answer of `GET path`.
fn example_200(spec: &serde_json::Value, path: &str) -> serde_json::Value {
    let example = &spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["example"];
    assert!(example.is_object(), "{path} has a 200 example");
    example.clone()
}

// ---------------------------------------------------------------------------
// The in-memory implementation
// ---------------------------------------------------------------------------

struct State {
    /// Accepted keys and the account each belongs to.
    users: HashMap<&'static str, User>,
    /// When set, every operation fails with its 500.
    failing: AtomicBool,
    /// The operations `authorize` was asked about.
    authorized: Mutex<Vec<Operation>>,
    operation_calls: AtomicUsize,
}

#[derive(Clone)]
struct InMemoryClawup(Arc<State>);

impl InMemoryClawup {
    fn seeded() -> Self {
        Self(Arc::new(State {
            users: HashMap::from([(CU_KEY, seed_user()), (EB_KEY, legacy_user())]),
            failing: AtomicBool::new(false),
            authorized: Mutex::new(Vec::new()),
            operation_calls: AtomicUsize::new(0),
        }))
    }

    fn set_failing(&self, failing: bool) {
        self.0.failing.store(failing, Ordering::SeqCst);
    }

    /// Counts the call; `Err` when the failure switch is on.
    fn enter(&self) -> Result<(), types::Error> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        if self.0.failing.load(Ordering::SeqCst) { Err(internal_error()) } else { Ok(()) }
    }

    fn authorized(&self) -> Vec<Operation> {
        self.0.authorized.lock().expect("authorize log").clone()
    }

    fn operation_calls(&self) -> usize {
        self.0.operation_calls.load(Ordering::SeqCst)
    }
}

impl ClawupApi for InMemoryClawup {
    type Identity = Credentials;

    async fn authorize(
        &self,
        operation: Operation,
        credentials: &Credentials,
        _request: &RequestContext,
    ) -> Result<Credentials, AuthError> {
        self.0.authorized.lock().expect("authorize log").push(operation);
        let key = credentials.bearer_auth.as_deref().unwrap_or_default();
        if !key.starts_with("cu_") && !key.starts_with("eb_") {
            return Err(AuthError::Unauthenticated(MALFORMED_KEY_MESSAGE.to_owned()));
        }
        if !self.0.users.contains_key(key) {
            return Err(AuthError::Unauthenticated(REVOKED_KEY_MESSAGE.to_owned()));
        }
        Ok(credentials.clone())
    }

    async fn get_current_user(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<User, GetCurrentUserError> {
        self.enter().map_err(|error| GetCurrentUserError::InternalServerError(error.into()))?;
        let key = credentials.bearer_auth.as_deref().unwrap_or_default();
        // `authorize` accepted the key, so it is in the store.
        self.0.users.get(key).cloned().ok_or_else(|| GetCurrentUserError::Unauthorized(error_body("AUTH_401", REVOKED_KEY_MESSAGE).into()))
    }

    async fn list_plans(&self, _cx: RequestContext<Credentials>) -> Result<PlanList, ListPlansError> {
        self.enter().map_err(|error| ListPlansError::InternalServerError(error.into()))?;
        Ok(PlanList::new(plans()))
    }

    async fn list_models(&self, _cx: RequestContext<Credentials>) -> Result<ModelList, ListModelsError> {
        self.enter().map_err(|error| ListModelsError::InternalServerError(error.into()))?;
        Ok(ModelList::new(models()))
    }

    async fn list_runtime_images(&self, _cx: RequestContext<Credentials>) -> Result<RuntimeImageList, ListRuntimeImagesError> {
        self.enter().map_err(|error| ListRuntimeImagesError::InternalServerError(error.into()))?;
        Ok(RuntimeImageList::new(runtime_images()))
    }

    async fn list_tools(&self, _cx: RequestContext<Credentials>) -> Result<ToolList, ListToolsError> {
        self.enter().map_err(|error| ListToolsError::InternalServerError(error.into()))?;
        Ok(ToolList::new(tools()))
    }

    async fn list_team_templates(&self, _cx: RequestContext<Credentials>) -> Result<TeamTemplateList, ListTeamTemplatesError> {
        self.enter().map_err(|error| ListTeamTemplatesError::InternalServerError(error.into()))?;
        Ok(TeamTemplateList::new(team_templates()))
    }
}

/// The seed's `GET /api/v1/auth/me` answer.
fn seed_user() -> User {
    User::new(
        "0553776e-62bf-49be-ad29-4ab320a6afc3".parse().expect("a UUID"),
        "you@example.com".to_owned(),
        0,
        false,
        time("2026-05-06T07:14:56.272Z"),
        time("2026-05-06T07:14:56.272Z"),
        1,
    )
}

fn legacy_user() -> User {
    User::new(
        "9b2e4c61-0f3a-4d8e-a5b7-3c6d9e1f2a4b".parse().expect("a UUID"),
        "early-bird@example.com".to_owned(),
        -250,
        true,
        time("2024-11-02T09:30:00Z"),
        time("2026-04-30T18:05:12.5Z"),
        412,
    )
}

fn limits(agents: Option<i64>, teams: Option<i64>, runs: Option<i64>, credits: i64, keys: Option<i64>) -> PlanLimits {
    PlanLimits::new(agents, teams, runs, credits, keys)
}

/// The spec's two example plans, then a yearly one of ours.
fn plans() -> Vec<Plan> {
    vec![
        Plan::new(
            "free".to_owned(),
            "Free".to_owned(),
            "Try ClawUp with a single agent.".to_owned(),
            0,
            "usd".to_owned(),
            PlanInterval::Month,
            limits(Some(1), Some(1), Some(1), 500, Some(2)),
        ),
        Plan::new(
            "pro".to_owned(),
            "Pro".to_owned(),
            "For individuals running agent teams every day.".to_owned(),
            2000,
            "usd".to_owned(),
            PlanInterval::Month,
            limits(Some(20), Some(5), Some(5), 2000, None),
        ),
        Plan::new(
            "enterprise".to_owned(),
            "Enterprise".to_owned(),
            "Unlimited agents, billed yearly.".to_owned(),
            240_000,
            "eur".to_owned(),
            PlanInterval::Year,
            limits(None, None, None, 50_000, None),
        ),
    ]
}

/// The spec's two example models, then a self-hosted one that is not billed per token.
fn models() -> Vec<Model> {
    vec![
        Model::new(
            "anthropic".to_owned(),
            "claude-sonnet-4-5".to_owned(),
            "Claude Sonnet 4.5".to_owned(),
            200_000,
            strings(&["tools", "vision"]),
            true,
        )
        .max_output_tokens(64_000)
        .input_cents_per_mtok(300.0)
        .output_cents_per_mtok(1500.0),
        Model::new("openai".to_owned(), "gpt-4.1".to_owned(), "GPT-4.1".to_owned(), 1_047_576, strings(&["tools", "vision"]), true)
            .max_output_tokens(32_768)
            .input_cents_per_mtok(200.0)
            .output_cents_per_mtok(800.0),
        Model::new(
            "ollama".to_owned(),
            "llama3.1:8b".to_owned(),
            "Llama 3.1 8B (self-hosted)".to_owned(),
            131_072,
            strings(&["tools"]),
            false,
        ),
    ]
}

fn runtime_images() -> Vec<RuntimeImage> {
    let image = |id: &str, name: &str, image: &str, version: &str, description: &str, is_default: bool| {
        RuntimeImage::new(
            id.to_owned(),
            "container".to_owned(),
            name.to_owned(),
            image.to_owned(),
            version.to_owned(),
            description.to_owned(),
            is_default,
        )
    };
    vec![
        image(
            "node-22",
            "Node.js 22",
            "ghcr.io/clawup/runtime-node:22",
            "22.15.0",
            "Debian-based image with Node.js 22 and common CLI tools.",
            true,
        ),
        image(
            "python-3-12",
            "Python 3.12",
            "ghcr.io/clawup/runtime-python:3.12",
            "3.12.10",
            "Debian-based image with Python 3.12, uv and common CLI tools.",
            false,
        ),
    ]
}

fn tools() -> Vec<Tool> {
    let tool = |id: &str, name: &str, description: &str, category: &str, transport: ToolTransport, secrets: &[&str]| {
        Tool::new(id.to_owned(), name.to_owned(), description.to_owned(), category.to_owned(), transport, strings(secrets))
    };
    vec![
        tool(
            "github",
            "GitHub",
            "Read and manage repositories, issues and pull requests.",
            "development",
            ToolTransport::Stdio,
            &["GITHUB_TOKEN"],
        ),
        tool("fetch", "Fetch", "Fetch web pages and convert them to Markdown.", "web", ToolTransport::Stdio, &[]),
        tool("linear", "Linear", "Create and update Linear issues.", "project-management", ToolTransport::Http, &["LINEAR_API_KEY"]),
    ]
}

fn team_templates() -> Vec<TeamTemplate> {
    let agent = |name: &str, role: &str, provider: &str, model: &str, tools: &[&str]| {
        TemplateAgent::new(name.to_owned(), role.to_owned(), provider.to_owned(), model.to_owned(), strings(tools))
    };
    vec![TeamTemplate::new(
        "code-review".to_owned(),
        "Code Review Team".to_owned(),
        "A reviewer and a tester that review pull requests and run the test suite.".to_owned(),
        vec![
            agent("Reviewer", "Reviews pull requests for correctness and style.", "anthropic", "claude-sonnet-4-5", &["github"]),
            agent("Tester", "Runs the test suite and reports failures.", "openai", "gpt-4.1", &["github"]),
        ],
        strings(&["development"]),
    )]
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
    api: InMemoryClawup,
}

impl TestServer {
    fn client(&self) -> Client {
        Client::new(&self.url)
    }

    fn http_requests(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }
}

async fn spawn_server() -> TestServer {
    let api = InMemoryClawup::seeded();
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
    fn json(&self) -> serde_json::Value {
        assert!(
            self.headers.get("content-type").is_some_and(|value| value.starts_with("application/json")),
            "a JSON answer, got headers {:?}",
            self.headers
        );
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("the body is JSON ({e}): {:?}", self.body))
    }
}

/// Sends one raw HTTP/1.1 GET (`Connection: close`) and reads the whole answer.
async fn raw_get(server: &TestServer, target: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(&server.addr).await.expect("connect to the server");
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr);
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
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

const CATALOG_PATHS: [&str; 5] = ["/api/v1/plans", "/api/v1/models", "/api/v1/runtime/images", "/api/v1/tools", "/api/v1/teams/templates"];

// ---------------------------------------------------------------------------
// 1. getCurrentUser: cu_ and eb_ keys, 401 otherwise
// ---------------------------------------------------------------------------

#[tokio::test]
async fn current_user_with_a_cu_key_is_the_seed_account() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth(CU_KEY);

    let user = client.get_current_user().await.expect("a 200 user");
    assert_eq!(user, seed_user());
    assert_eq!(user.created_at.timestamp_subsec_millis(), 272, "milliseconds survive");
    assert_eq!(server.api.authorized(), [Operation::GetCurrentUser]);

    // On the wire: exactly the seed's example, milliseconds included.
    let response = raw_get(&server, "/api/v1/auth/me", &[("Authorization", &bearer(CU_KEY))]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json(), example_200(&spec(), "/api/v1/auth/me"));
    assert_eq!(server.api.operation_calls(), 2);
}

#[tokio::test]
async fn current_user_with_a_legacy_eb_key_is_its_account() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth(EB_KEY);

    let user = client.get_current_user().await.expect("a 200 user for a legacy key");
    assert_eq!(user, legacy_user());
    assert!(user.is_node_admin);
    assert_eq!(user.credit_balance_cents, -250);

    let response = raw_get(&server, "/api/v1/auth/me", &[("Authorization", &format!("bearer {EB_KEY}"))]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["email"], "early-bird@example.com");
    assert_eq!(body["last_login_at"], "2026-04-30T18:05:12.500Z");
    assert_eq!(body["login_count"], 412);
}

#[tokio::test]
async fn other_keys_are_401_with_the_auth_401_body() {
    let server = spawn_server().await;

    for (key, message) in [(REVOKED_KEY, REVOKED_KEY_MESSAGE), (FOREIGN_KEY, MALFORMED_KEY_MESSAGE), ("CU_5b1f0c2e", MALFORMED_KEY_MESSAGE)]
    {
        let error = api_error(server.client().with_bearer_auth(key).get_current_user().await);
        assert_eq!(error.status(), 401, "{key}");
        assert_eq!(error, GetCurrentUserError::Unauthorized(error_body("AUTH_401", message).into()), "{key}");

        let response = raw_get(&server, "/api/v1/auth/me", &[("Authorization", &bearer(key))]).await;
        assert_eq!(response.status, 401, "{key}: {}", response.body);
        assert_eq!(response.json(), serde_json::json!({"error": "AUTH_401", "message": message}), "{key}");
    }
    assert_eq!(server.api.authorized().len(), 6);

    // No key, or not a Bearer one: the generated router refuses before `authorize`.
    // base64("cu_5b1f0c2e:")
    for headers in [&[][..], &[("Authorization", "Basic Y3VfNWIxZjBjMmU6")][..], &[("X-Api-Key", CU_KEY)][..]] {
        let response = raw_get(&server, "/api/v1/auth/me", headers).await;
        assert_eq!(response.status, 401, "{headers:?}: {}", response.body);
        assert_eq!(response.json(), serde_json::json!({"error": "AUTH_401", "message": MISSING_KEY_MESSAGE}), "{headers:?}");
    }
    assert_eq!(server.api.authorized().len(), 6, "no Bearer key, no authorize call");
    assert_eq!(server.api.operation_calls(), 0, "refused calls never reach the operation");
}

#[tokio::test]
async fn client_without_a_key_sends_nothing_for_auth_me() {
    let server = spawn_server().await;
    match server.client().get_current_user().await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "getCurrentUser"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    assert_eq!(server.http_requests(), 0, "nothing reached the server");

    // Control: the counter does count requests.
    server.client().with_bearer_auth(CU_KEY).get_current_user().await.expect("a 200 user");
    assert_eq!(server.http_requests(), 1);
}

// ---------------------------------------------------------------------------
// 2. The catalog: a Bearer key on every call, as the seed says
// ---------------------------------------------------------------------------

#[tokio::test]
async fn catalog_endpoints_need_a_key() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth(CU_KEY);

    assert_eq!(client.list_plans().await.expect("plans with a key").plans, plans());
    assert_eq!(client.list_models().await.expect("models with a key").models, models());
    assert_eq!(client.list_runtime_images().await.expect("runtime images with a key").images, runtime_images());
    assert_eq!(client.list_tools().await.expect("tools with a key").tools, tools());
    assert_eq!(client.list_team_templates().await.expect("team templates with a key").templates, team_templates());
    assert_eq!(server.http_requests(), 5, "each call reached the server");
    assert_eq!(server.api.operation_calls(), 5);
    assert_eq!(
        server.api.authorized(),
        [Operation::ListPlans, Operation::ListModels, Operation::ListRuntimeImages, Operation::ListTools, Operation::ListTeamTemplates]
    );

    // Without a key the client sends nothing.
    match server.client().list_plans().await {
        Err(ClientError::MissingCredentials { operation }) => assert_eq!(operation, "listPlans"),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    assert_eq!(server.http_requests(), 5, "nothing reached the server");

    // A revoked key is a typed 401 with the seed's error shape.
    let revoked = server.client().with_bearer_auth(REVOKED_KEY);
    assert_eq!(api_error(revoked.list_plans().await), ListPlansError::Unauthorized(error_body("AUTH_401", REVOKED_KEY_MESSAGE).into()));
    assert_eq!(api_error(revoked.list_tools().await), ListToolsError::Unauthorized(error_body("AUTH_401", REVOKED_KEY_MESSAGE).into()));

    // On the wire: no key is a 401 from the router; a key it does not know, from `authorize`.
    let calls = server.api.operation_calls();
    for path in CATALOG_PATHS {
        let response = raw_get(&server, path, &[]).await;
        assert_eq!(response.status, 401, "{path}: {}", response.body);
        assert_eq!(response.json(), serde_json::json!({"error": "AUTH_401", "message": MISSING_KEY_MESSAGE}), "{path}");
        let response = raw_get(&server, path, &[("Authorization", "Bearer cu_not-a-real-key")]).await;
        assert_eq!(response.status, 401, "{path}: {}", response.body);
        assert_eq!(response.json()["error"], "AUTH_401", "{path}");
        let response = raw_get(&server, path, &[("Authorization", &bearer(CU_KEY))]).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
    }
    assert_eq!(server.api.operation_calls(), calls + CATALOG_PATHS.len(), "refused calls never reach the operation");
}

#[tokio::test]
async fn catalog_wire_json_matches_the_spec_examples() {
    let server = spawn_server().await;
    let spec = spec();

    // Each catalog answer starts with the spec's example items, byte for byte
    // as JSON; our own entries follow.
    for (path, member, ours) in [
        ("/api/v1/plans", "plans", 1),
        ("/api/v1/models", "models", 1),
        ("/api/v1/runtime/images", "images", 0),
        ("/api/v1/tools", "tools", 1),
        ("/api/v1/teams/templates", "templates", 0),
    ] {
        let response = raw_get(&server, path, &[("Authorization", &bearer(CU_KEY))]).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        let body = response.json();
        let served = body[member].as_array().unwrap_or_else(|| panic!("{path}: `{member}` is an array"));
        let example = example_200(&spec, path);
        let expected = example[member].as_array().unwrap_or_else(|| panic!("{path}: the example's `{member}`"));
        assert_eq!(served.len(), expected.len() + ours, "{path}");
        // `type: number` fields are f64: `300.0` on the wire is the example's `300`.
        assert_eq!(numbers_as_f64(&served[..expected.len()]), numbers_as_f64(expected), "{path}");
        assert_eq!(body.as_object().map(|object| object.len()), Some(1), "{path}: only `{member}`");
    }

    // Nullable limits are sent as `null`, not left out.
    let plan_list = raw_get(&server, "/api/v1/plans", &[("Authorization", &bearer(CU_KEY))]).await.json();
    let enterprise = &plan_list["plans"][2];
    assert_eq!(enterprise["interval"], "year");
    for limit in ["max_agents", "max_teams", "max_concurrent_runs", "max_api_keys"] {
        assert_eq!(enterprise["limits"].get(limit), Some(&serde_json::Value::Null), "{limit}");
    }
    // Optional prices are left out when absent.
    let model_list = raw_get(&server, "/api/v1/models", &[("Authorization", &bearer(CU_KEY))]).await.json();
    let local = model_list["models"][2].as_object().expect("a model object");
    assert_eq!(local["model"], "llama3.1:8b");
    for absent in ["max_output_tokens", "input_cents_per_mtok", "output_cents_per_mtok"] {
        assert!(!local.contains_key(absent), "{absent} is omitted: {local:?}");
    }
    let tool_list = raw_get(&server, "/api/v1/tools", &[("Authorization", &bearer(CU_KEY))]).await.json();
    assert_eq!(tool_list["tools"][2]["transport"], "http");

    // And the typed client reads the absent and null values back.
    let client = server.client().with_bearer_auth(CU_KEY);
    let model = client.list_models().await.expect("models").models.remove(2);
    assert_eq!((model.max_output_tokens, model.input_cents_per_mtok, model.available), (None, None, false));
    let pro = client.list_plans().await.expect("plans").plans.remove(1);
    assert_eq!(pro.limits.max_api_keys, None);
    assert_eq!(pro.limits.max_agents, Some(20));
    assert_eq!(pro.interval, PlanInterval::Month);
}

// ---------------------------------------------------------------------------
// 3. GET /openapi.json
// ---------------------------------------------------------------------------

#[tokio::test]
async fn openapi_json_is_the_servers_own_document() {
    let server = spawn_server().await;
    let spec = spec();

    let document = server.client().get_open_api_document().await.expect("the document without a key");
    let document = serde_json::Value::Object(document.into_iter().collect());
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], spec["info"]["title"]);
    assert_eq!(document["info"]["title"], "ClawUp API");
    assert_eq!(document["info"]["version"], "1.0.0");
    let paths = |doc: &serde_json::Value| -> BTreeSet<String> { doc["paths"].as_object().expect("paths").keys().cloned().collect() };
    assert_eq!(paths(&document), paths(&spec));
    assert_eq!(paths(&document).len(), 7);
    assert_eq!(document, spec, "the whole document is the spec's");

    // Public in the document ⇔ public in the generated `Operation::security()`.
    let operations = [
        Operation::GetCurrentUser,
        Operation::ListPlans,
        Operation::ListModels,
        Operation::ListRuntimeImages,
        Operation::ListTools,
        Operation::ListTeamTemplates,
        Operation::GetOpenApiDocument,
    ];
    let mut seen = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let get = &item["get"];
        let id = get["operationId"].as_str().unwrap_or_else(|| panic!("{path}: an operationId"));
        let operation = operations.iter().find(|operation| operation.id() == id).unwrap_or_else(|| panic!("{id} is an Operation"));
        let public = get.get("security").is_some_and(|security| security.as_array().is_some_and(Vec::is_empty));
        assert_eq!(operation.security().is_empty(), public, "{id}");
        seen.insert(id.to_owned());
    }
    assert_eq!(seen.len(), operations.len(), "every operation is in the document");

    // On the wire: JSON, public, the same with or without a (revoked) key.
    for headers in [&[][..], &[("Authorization", "Bearer cu_00000000-dead-beef-0000-000000000000")][..]] {
        let response = raw_get(&server, "/openapi.json", headers).await;
        assert_eq!(response.status, 200, "{headers:?}: {}", response.body);
        assert_eq!(response.json(), spec, "{headers:?}");
    }
    assert!(server.api.authorized().is_empty());
    assert_eq!(server.api.operation_calls(), 0, "the document is served by the router itself");
}

// ---------------------------------------------------------------------------
// 4. 500
// ---------------------------------------------------------------------------

#[tokio::test]
async fn implementation_failures_are_typed_500() {
    let server = spawn_server().await;
    let client = server.client().with_bearer_auth(CU_KEY);
    server.api.set_failing(true);

    let error = api_error(client.get_current_user().await);
    assert_eq!(error.status(), 500);
    assert_eq!(error, GetCurrentUserError::InternalServerError(internal_error().into()));
    assert_eq!(api_error(client.list_plans().await), ListPlansError::InternalServerError(internal_error().into()));
    assert_eq!(api_error(client.list_models().await), ListModelsError::InternalServerError(internal_error().into()));
    assert_eq!(api_error(client.list_runtime_images().await), ListRuntimeImagesError::InternalServerError(internal_error().into()));
    assert_eq!(api_error(client.list_tools().await), ListToolsError::InternalServerError(internal_error().into()));
    let error = api_error(client.list_team_templates().await);
    assert_eq!(error.status(), 500);
    assert_eq!(error, ListTeamTemplatesError::InternalServerError(internal_error().into()));
    assert_eq!(server.api.operation_calls(), 6);

    for path in CATALOG_PATHS {
        let response = raw_get(&server, path, &[("Authorization", &bearer(CU_KEY))]).await;
        assert_eq!(response.status, 500, "{path}: {}", response.body);
        assert_eq!(response.json(), serde_json::json!({"error": "INTERNAL_500", "message": "internal server error"}), "{path}");
    }

    // The document does not depend on the implementation.
    let document = client.get_open_api_document().await.expect("the document while the implementation fails");
    assert_eq!(document.get("openapi"), Some(&serde_json::Value::from("3.1.0")));

    // A 500 does not stick.
    server.api.set_failing(false);
    assert_eq!(client.get_current_user().await.expect("a 200 user again"), seed_user());
    assert_eq!(client.list_tools().await.expect("tools again").tools, tools());
}

/// `getOpenApiDocument` documents only 200 and 500; another status reaches the
/// client as `Undocumented` with its raw body rather than as a decode failure.
#[tokio::test]
async fn undocumented_status_of_the_document_is_reported_raw() {
    let server = spawn_server().await;
    // A client pointed one level too deep gets the router's 404, in the API's error format.
    let client = Client::new(format!("{}/api", server.url));
    match client.get_open_api_document().await {
        Err(ClientError::Api { error: GetOpenApiDocumentError::Undocumented { status, body }, .. }) => {
            assert_eq!(status, 404);
            let body: types::Error = serde_json::from_str(&body).expect("the API's error body");
            assert_eq!(body.message, "No operation has the path `/api/openapi.json`.");
        }
        other => panic!("expected Undocumented, got {other:?}"),
    }
    assert_eq!(server.http_requests(), 1);
}
