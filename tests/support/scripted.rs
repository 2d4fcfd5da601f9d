//! A scripted HTTP server for the client tests: a small axum server on
//! 127.0.0.1 that answers from a script and records what it received. Shared
//! by `client_behaviour.rs` and `client_tracing.rs`, which need a process of
//! their own (see there); each uses part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use clawguru_v1::client::{Client, RetryPolicy};
use clawguru_v1::types::CheckIndicatorRequest;

pub(crate) const KEY: &str = "k-s3cret-key";

/// One scripted answer: a status, headers and a body, or no answer at all.
#[derive(Clone)]
pub(crate) enum Scripted {
    Answer(u16, Vec<(&'static str, String)>, String),
    /// An answer whose body is not text (a compressed one, say).
    Bytes(u16, Vec<(&'static str, String)>, Vec<u8>),
    Hang,
}

/// What the server received: method, HTTP version and headers of each request.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) version: String,
    pub(crate) headers: HeaderMap,
}

#[derive(Clone, Default)]
pub(crate) struct Script {
    answers: Arc<Mutex<VecDeque<Scripted>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Script {
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("received lock").clone()
    }
}

/// A server that answers each request with the next scripted answer (a 200
/// runbook once the script is out), and the base URL to reach it.
pub(crate) async fn serve(answers: Vec<Scripted>) -> (String, Script) {
    let script = Script { answers: Arc::new(Mutex::new(answers.into())), received: Arc::default() };
    let state = script.clone();
    let app = axum::Router::new().fallback(move |request: Request<Body>| {
        let state = state.clone();
        async move {
            state.received.lock().expect("received lock").push(Received {
                method: request.method().to_string(),
                version: format!("{:?}", request.version()),
                headers: request.headers().clone(),
            });
            let next = state.answers.lock().expect("answers lock").pop_front();
            match next.unwrap_or_else(|| ok(&runbook_json())) {
                Scripted::Answer(status, headers, body) => answer(status, headers, body.into_bytes()),
                Scripted::Bytes(status, headers, body) => answer(status, headers, body),
                Scripted::Hang => std::future::pending().await,
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{address}"), script)
}

fn answer(status: u16, headers: Vec<(&'static str, String)>, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::builder().status(StatusCode::from_u16(status).expect("a status"));
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(Body::from(body)).expect("a response")
}

pub(crate) fn json(status: u16, body: &str) -> Scripted {
    Scripted::Answer(status, vec![("content-type", "application/json".to_owned())], body.to_owned())
}

pub(crate) fn ok(body: &str) -> Scripted {
    json(200, body)
}

pub(crate) fn runbook_json() -> String {
    serde_json::json!({
        "id": "rb-1", "title": "Contain", "summary": "s", "tags": [], "clawScore": 7, "steps": [],
        "faq": [], "relatedIds": [], "updatedAt": "2026-01-02",
    })
    .to_string()
}

pub(crate) fn client(base: &str) -> Client {
    Client::new(base).with_api_key_header(KEY)
}

/// A policy whose backoff is too short to slow the tests down.
pub(crate) fn quick_retries() -> RetryPolicy {
    RetryPolicy { max_retries: 2, max_wait: Duration::from_secs(5), initial_backoff: Duration::from_millis(1) }
}

pub(crate) fn indicator() -> CheckIndicatorRequest {
    serde_json::from_value(serde_json::json!({ "indicator": "203.0.113.9", "type": "ip" })).expect("a request")
}
