//! Throughput of the generated clawguru server against a hand-written axum
//! handler doing the same work, on 127.0.0.1: `POST /v1/check-indicator` with
//! an API key, a JSON body decoded into the generated `CheckIndicatorRequest`
//! and validated, and the same `RiskAssessment` answered as JSON.
//!
//! The load generator is here too: keep-alive HTTP/1.1 connections that each
//! send one request after the other and time it. Servers and load share one
//! machine, so the runs alternate and the median of each side is reported.
//!
//! Run it with `scripts/bench-server` (a release build); it is not a test.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::response::IntoResponse as _;
use clawguru_v1::auth::{AuthError, Credentials, Operation};
use clawguru_v1::errors::CheckIndicatorError;
use clawguru_v1::server::{self, ClawguruApi, RequestContext};
use clawguru_v1::types::{CheckIndicatorRequest, RiskAssessment};
use clawguru_v1::validation::Validate as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const KEY: &str = "cg_live_bench";
const BODY: &str = r#"{"indicator":"192.0.2.1","type":"ip"}"#;
const CONNECTIONS: usize = 32;
const RUN: Duration = Duration::from_secs(4);
const WARM_UP: Duration = Duration::from_secs(1);
const ROUNDS: usize = 3;

/// The answer both servers give: built once, cloned per request.
fn assessment() -> RiskAssessment {
    serde_json::from_value(serde_json::json!({
        "indicator": "192.0.2.1",
        "type": "ip",
        "risk": "high",
        "score": 82,
        "tags": ["threat-intel", "active-ioc"],
        "summary": "Indicator matches known threat-intel patterns.",
        "actions": ["Block indicator in firewall / SIEM rule immediately"],
        "timestamp": "2026-03-01T22:00:00Z"
    }))
    .expect("a risk assessment")
}

#[derive(Clone)]
struct Generated {
    answer: RiskAssessment,
}

impl ClawguruApi for Generated {
    type Identity = ();

    async fn authorize(&self, _: Operation, credentials: &Credentials, _: &RequestContext) -> Result<(), AuthError> {
        let key = credentials.api_key_header.as_deref().or(credentials.bearer_auth.as_deref());
        if key == Some(KEY) { Ok(()) } else { Err(AuthError::Forbidden("Invalid API key.".to_owned())) }
    }

    async fn check_indicator(&self, _cx: RequestContext<()>, _body: CheckIndicatorRequest) -> Result<RiskAssessment, CheckIndicatorError> {
        Ok(self.answer.clone())
    }
}

/// The same work by hand: the key, the body decoded and validated, the answer as JSON.
async fn hand_written(
    axum::extract::State(answer): axum::extract::State<std::sync::Arc<RiskAssessment>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let key = header("x-api-key").or_else(|| header("authorization").and_then(|v| v.strip_prefix("Bearer ")));
    let refuse = |status: u16, message: String| {
        let code = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
        (code, axum::Json(serde_json::json!({ "error": message }))).into_response()
    };
    match key {
        None => return refuse(401, "Missing API key.".to_owned()),
        Some(KEY) => {}
        Some(_) => return refuse(403, "Invalid API key.".to_owned()),
    }
    let request: CheckIndicatorRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(400, error.to_string()),
    };
    if let Err(error) = request.validate() {
        return refuse(400, error.to_string());
    }
    axum::Json((*answer).clone()).into_response()
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

/// One connection's loop: requests back to back until `until`; latencies in microseconds.
async fn load(addr: SocketAddr, until: Instant) -> Vec<u32> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let request = format!(
        "POST /v1/check-indicator HTTP/1.1\r\nHost: {addr}\r\nX-Api-Key: {KEY}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut latencies = Vec::new();
    let mut buffer = Vec::with_capacity(4096);
    while Instant::now() < until {
        let started = Instant::now();
        stream.write_all(request.as_bytes()).await.expect("send");
        buffer.clear();
        read_response(&mut stream, &mut buffer).await;
        latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    latencies
}

/// Reads one length-delimited answer and checks it is a 200.
async fn read_response(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).expect("a text head");
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            let length: usize = head
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse().ok())
                .expect("a content length");
            while buffer.len() < end + 4 + length {
                let read = stream.read(&mut chunk).await.expect("read");
                assert!(read > 0, "the server closed the connection");
                buffer.extend_from_slice(&chunk[..read]);
            }
            return;
        }
        let read = stream.read(&mut chunk).await.expect("read");
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

struct Measure {
    requests_per_second: f64,
    p50_micros: u32,
    p99_micros: u32,
}

async fn measure(addr: SocketAddr) -> Measure {
    let _ = futures_join(addr, Instant::now() + WARM_UP).await;
    let started = Instant::now();
    let mut all = futures_join(addr, started + RUN).await;
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Measure { requests_per_second: all.len() as f64 / elapsed, p50_micros: at(0.50), p99_micros: at(0.99) }
}

async fn futures_join(addr: SocketAddr, until: Instant) -> Vec<u32> {
    let tasks: Vec<_> = (0..CONNECTIONS).map(|_| tokio::spawn(load(addr, until))).collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a load task"));
    }
    all
}

fn median(mut values: Vec<Measure>) -> Measure {
    values.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
    values.swap_remove(values.len() / 2)
}

fn main() {
    // The servers get one runtime, the load generator another, so neither starves the other's scheduler.
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("server runtime");
    let load = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("load runtime");
    let answer = assessment();
    let generated = servers.block_on(serve(server::router(Generated { answer: answer.clone() })));
    let by_hand = servers.block_on(serve(
        axum::Router::new().route("/v1/check-indicator", axum::routing::post(hand_written)).with_state(std::sync::Arc::new(answer)),
    ));
    let (mut generated_runs, mut hand_runs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        generated_runs.push(load.block_on(measure(generated)));
        hand_runs.push(load.block_on(measure(by_hand)));
    }
    let (generated, by_hand) = (median(generated_runs), median(hand_runs));
    println!("{CONNECTIONS} connections, {} s per run, median of {ROUNDS} alternating runs", RUN.as_secs());
    println!();
    println!("| server | requests/s | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    for (name, m) in [("generated (`clawguru_v1::server::router`)", &generated), ("hand-written axum handler", &by_hand)] {
        println!("| {name} | {:.0} | {} µs | {} µs |", m.requests_per_second, m.p50_micros, m.p99_micros);
    }
    println!();
    println!("generated / hand-written: {:.2}", generated.requests_per_second / by_hand.requests_per_second);
}
