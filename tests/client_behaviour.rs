//! How a generated client (clawguru-v1) behaves against servers that misbehave:
//! a small axum server on 127.0.0.1 answers from a script and records what it
//! received. Not the generated server: these answers are the ones real
//! services and proxies give (a 429 with an HTTP date, an HTML 500, a server
//! that hangs, one that fails now and then). A documented status always reads
//! as its typed variant; only a success that does not decode is a `Decode` error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use clawguru_v1::auth::Credentials;
use clawguru_v1::client::{Client, ClientError, HookFuture, Hooks, reqwest};
use clawguru_v1::errors::{CheckIndicatorError, ErrorBody, GetRunbookError};
use clawguru_v1::types::IndicatorType;

#[path = "support/scripted.rs"]
mod scripted;

use scripted::*;

#[tokio::test]
async fn a_429_with_an_http_date_reads_as_the_seconds_until_then() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    let answer = Scripted::Answer(
        429,
        vec![("content-type", "application/json".to_owned()), ("retry-after", date)],
        r#"{"error":"slow down"}"#.to_owned(),
    );
    let (base, _) = serve(vec![answer]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("a 429");
    let ClientError::Api { error: GetRunbookError::TooManyRequests { body, retry_after }, status, .. } = error else {
        panic!("the typed 429: {error:?}")
    };
    assert_eq!((status, body.as_decoded().map(|b| b.error.as_str())), (429, Some("slow down")));
    let retry_after = retry_after.expect("the date, read as seconds");
    assert!((100..=120).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn a_429_without_its_required_retry_after_is_still_the_typed_variant() {
    let (base, _) = serve(vec![json(429, r#"{"error":"slow down"}"#)]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("a 429");
    assert_eq!(error.status(), Some(429));
    let Some(GetRunbookError::TooManyRequests { body: ErrorBody::Decoded(body), retry_after }) = error.api() else {
        panic!("the typed 429: {error:?}")
    };
    assert_eq!((body.error.as_str(), *retry_after), ("slow down", None));
}

#[tokio::test]
async fn a_malformed_retry_after_reads_as_none() {
    let answer = Scripted::Answer(
        429,
        vec![("content-type", "application/json".to_owned()), ("retry-after", "in a little while".to_owned())],
        r#"{"error":"slow down"}"#.to_owned(),
    );
    let (base, _) = serve(vec![answer]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("a 429");
    let Some(GetRunbookError::TooManyRequests { body, retry_after: None }) = error.api() else {
        panic!("the typed 429 without a wait: {error:?}")
    };
    assert!(body.is_decoded(), "{body:?}");
    assert_eq!(error.headers().and_then(|h| h.get("retry-after")).map(|v| v.as_bytes()), Some(&b"in a little while"[..]));
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_after_a_backoff() {
    let (base, script) = serve(vec![json(429, r#"{"error":"slow down"}"#)]).await;
    let runbook = client(&base).with_retry_policy(quick_retries()).get_runbook("rb-1").await.expect("the retry's 200");
    assert_eq!(runbook.id, "rb-1");
    assert_eq!(script.received().len(), 2);
}

#[tokio::test]
async fn an_html_500_from_a_proxy_is_the_typed_variant_with_its_bytes() {
    let page = "<html><body>Bad gateway-ish</body></html>";
    let (base, _) = serve(vec![Scripted::Answer(500, vec![("content-type", "text/html".to_owned())], page.to_owned())]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("a 500");
    assert_eq!(error.status(), Some(500));
    let content_type = error.headers().and_then(|h| h.get("content-type")).map(|v| v.as_bytes().to_vec());
    assert_eq!(content_type.as_deref(), Some(&b"text/html"[..]));
    let Some(GetRunbookError::InternalServerError(body)) = error.api() else { panic!("the typed 500: {error:?}") };
    assert_eq!(body.undecoded_bytes(), Some(page.as_bytes()));
    assert_eq!(body.undecoded_content_type(), Some("text/html"));
    assert!(matches!(body, ErrorBody::Undecoded { reason, .. } if !reason.is_empty()), "{body:?}");
    let reason = error.api().and_then(GetRunbookError::decode_failure).map(str::to_owned);
    assert_eq!(reason.as_deref(), body.decode_failure());
    // What users see of it is unchanged: the documented status and its description.
    assert_eq!(error.to_string(), "the API answered 500 Unexpected server error — contact support if persistent");
}

#[tokio::test]
async fn an_html_429_without_retry_after_is_the_typed_variant_too() {
    let page = "<h1>Slow down</h1>";
    let (base, _) = serve(vec![Scripted::Answer(429, vec![("content-type", "text/html".to_owned())], page.to_owned())]).await;
    let error = client(&base).check_indicator(&indicator()).await.expect_err("a 429");
    let Some(CheckIndicatorError::TooManyRequests { body, retry_after: None }) = error.api() else { panic!("the typed 429: {error:?}") };
    assert_eq!((body.undecoded_bytes(), body.undecoded_content_type()), (Some(page.as_bytes()), Some("text/html")));
}

#[tokio::test]
async fn a_documented_error_keeps_status_and_headers() {
    let answer = Scripted::Answer(
        404,
        vec![("content-type", "application/json".to_owned()), ("x-request-id", "r-404".to_owned())],
        r#"{"error":"no such runbook"}"#.to_owned(),
    );
    let (base, _) = serve(vec![answer]).await;
    let error = client(&base).get_runbook("rb-9").await.expect_err("a 404");
    assert!(
        matches!(error.api(), Some(GetRunbookError::NotFound(ErrorBody::Decoded(body))) if body.error == "no such runbook"),
        "{error:?}"
    );
    assert_eq!(error.headers().and_then(|h| h.get("x-request-id")).map(|v| v.as_bytes()), Some(&b"r-404"[..]));
}

#[tokio::test]
async fn extra_properties_are_ignored_and_success_headers_are_kept() {
    let mut runbook: serde_json::Value = serde_json::from_str(&runbook_json()).expect("JSON");
    runbook["addedLater"] = serde_json::json!({ "nested": [1, 2] });
    let answer =
        Scripted::Answer(200, vec![("content-type", "application/json".to_owned()), ("etag", "\"v7\"".to_owned())], runbook.to_string());
    let (base, _) = serve(vec![answer]).await;
    let response = client(&base).get_runbook_with_response("rb-1").await.expect("a 200");
    assert_eq!((response.status(), response.header("etag")), (200, Some("\"v7\"")));
    assert_eq!(response.into_inner().id, "rb-1");
}

#[tokio::test]
async fn an_enum_value_the_document_does_not_list_decodes_as_other() {
    let assessment = serde_json::json!({
        "indicator": "2001:db8::1", "type": "ipv6", "risk": "low", "score": 3, "tags": [], "summary": "s",
        "actions": [], "timestamp": "2026-01-02T03:04:05Z",
    });
    let (base, _) = serve(vec![ok(&assessment.to_string())]).await;
    let answer = client(&base).check_indicator(&indicator()).await.expect("a 200 with a value added later");
    assert_eq!(answer.type_, IndicatorType::Other("ipv6".to_owned()));
    assert_eq!(answer.indicator, "2001:db8::1");
}

#[tokio::test]
async fn an_undecodable_success_is_a_decode_error_with_the_whole_answer() {
    let answer = Scripted::Answer(
        200,
        vec![("content-type", "application/json".to_owned()), ("x-request-id", "r-200".to_owned())],
        r#"{"id": 5}"#.to_owned(),
    );
    let (base, _) = serve(vec![answer]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("not a runbook");
    assert_eq!(error.headers().and_then(|h| h.get("x-request-id")).map(|v| v.as_bytes()), Some(&b"r-200"[..]));
    let ClientError::Decode { status, bytes, message, .. } = &error else { panic!("{error:?}") };
    assert_eq!((*status, bytes.as_slice()), (200, &br#"{"id": 5}"#[..]));
    assert!(!message.is_empty());
}

#[tokio::test]
async fn a_hanging_server_is_cut_off_by_the_timeout() {
    let (base, script) = serve(vec![Scripted::Hang]).await;
    let client = client(&base);
    // A per-call override, on a clone: the original keeps the default.
    let error = client.clone().with_timeout(Some(Duration::from_millis(200))).get_runbook("rb-1").await.expect_err("a timeout");
    assert!(matches!(&error, ClientError::Transport(e) if e.is_timeout()), "{error:?}");
    assert_eq!(script.received().len(), 1);
    // The next answer is served (the script is out): the original client is unchanged and works.
    assert_eq!(client.get_runbook("rb-1").await.expect("a 200").id, "rb-1");
}

#[tokio::test]
async fn a_flaky_server_is_retried_for_get() {
    let gateway = |status| Scripted::Answer(status, Vec::new(), String::from("upstream trouble"));
    let (base, script) = serve(vec![gateway(502), gateway(504)]).await;
    let runbook = client(&base).with_retry_policy(quick_retries()).get_runbook("rb-1").await.expect("the third attempt");
    assert_eq!(runbook.id, "rb-1");
    assert_eq!(script.received().len(), 3);
}

#[tokio::test]
async fn a_flaky_server_is_never_retried_for_post() {
    let (base, script) = serve(vec![Scripted::Answer(502, Vec::new(), String::from("upstream trouble"))]).await;
    let error = client(&base).with_retry_policy(quick_retries()).check_indicator(&indicator()).await.expect_err("the 502");
    assert!(
        matches!(error.api(), Some(CheckIndicatorError::Undocumented { status: 502, body }) if body == "upstream trouble"),
        "{error:?}"
    );
    assert_eq!(script.received().len(), 1, "a POST is sent once");
    assert_eq!(script.received()[0].method, "POST");
}

#[tokio::test]
async fn without_a_policy_nothing_is_retried() {
    let (base, script) = serve(vec![Scripted::Answer(502, Vec::new(), String::new())]).await;
    let error = client(&base).get_runbook("rb-1").await.expect_err("the 502");
    assert_eq!(error.status(), Some(502));
    assert_eq!(script.received().len(), 1);
}

/// Adds a request id to each attempt and overrides the key with the current
/// token, which the test refreshes while the client lives; counts answers.
#[derive(Clone, Default)]
struct Stamp {
    sent: Arc<Mutex<u32>>,
    token: Arc<Mutex<String>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Hooks for Stamp {
    fn before_send<'a>(&'a self, _operation: &'static str, request: &'a mut reqwest::Request) -> HookFuture<'a> {
        Box::pin(async move {
            let id = {
                let mut sent = self.sent.lock().expect("sent lock");
                *sent += 1;
                *sent
            };
            let token = self.token.lock().expect("token lock").clone();
            request.headers_mut().insert("x-request-id", format!("req-{id}").parse()?);
            request.headers_mut().insert("x-api-key", token.parse()?);
            Ok(())
        })
    }

    fn after_response(&self, _operation: &'static str, response: &reqwest::Response) {
        self.answers.lock().expect("answers lock").push(response.status().as_u16());
    }
}

#[tokio::test]
async fn hooks_add_a_request_id_and_a_refreshed_token_on_a_live_client() {
    let (base, script) = serve(vec![Scripted::Answer(502, Vec::new(), String::new())]).await;
    let stamp = Stamp { token: Arc::new(Mutex::new("token-1".to_owned())), ..Stamp::default() };
    let client = client(&base).with_hooks(stamp.clone()).with_retry_policy(quick_retries());

    client.get_runbook("rb-1").await.expect("a 200 after the retry");
    *stamp.token.lock().expect("token lock") = "token-2".to_owned();
    client.get_runbook("rb-1").await.expect("a 200");

    let seen: Vec<(String, String)> = script
        .received()
        .iter()
        .map(|r| {
            let text = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            (text("x-request-id"), text("x-api-key"))
        })
        .collect();
    let expected = [("req-1", "token-1"), ("req-2", "token-1"), ("req-3", "token-2")];
    assert_eq!(seen, expected.map(|(id, token)| (id.to_owned(), token.to_owned())), "each attempt runs the hook");
    assert_eq!(*stamp.answers.lock().expect("answers lock"), [502, 200, 200]);
}

struct Refuse;

impl Hooks for Refuse {
    fn before_send<'a>(&'a self, operation: &'static str, _request: &'a mut reqwest::Request) -> HookFuture<'a> {
        Box::pin(async move { Err(format!("{operation} is not allowed here").into()) })
    }
}

#[tokio::test]
async fn a_hook_can_refuse_to_send() {
    let (base, script) = serve(Vec::new()).await;
    let error = client(&base).with_hooks(Refuse).get_runbook("rb-1").await.expect_err("refused");
    assert!(matches!(&error, ClientError::Hook(why) if why.to_string() == "getRunbook is not allowed here"), "{error:?}");
    assert!(script.received().is_empty());
}

#[tokio::test]
async fn credentials_are_replaced_on_a_live_client_and_its_clones() {
    let (base, script) = serve(Vec::new()).await;
    let client = client(&base);
    let clone = client.clone();
    clone.get_runbook("rb-1").await.expect("a 200");
    client.set_credentials(Credentials::default().api_key_header("rotated"));
    clone.get_runbook("rb-1").await.expect("a 200");
    let keys: Vec<_> = script.received().iter().map(|r| r.headers.get("x-api-key").cloned()).collect();
    assert_eq!(keys, [Some(KEY.parse().expect("a value")), Some("rotated".parse().expect("a value"))]);
    // `with_*` gives the returned client its own credentials.
    let other = client.clone().with_api_key_header("other");
    assert_eq!(client.credentials().api_key_header.as_deref(), Some("rotated"));
    assert_eq!(other.credentials().api_key_header.as_deref(), Some("other"));
}

#[test]
fn debug_output_shows_no_credential() {
    let client = Client::new("http://127.0.0.1:9").with_api_key_header(KEY).with_bearer_auth("b-s3cret");
    let shown = format!("{client:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

/// Counts the attempts of each call.
#[derive(Clone, Default)]
struct Attempts(Arc<Mutex<u32>>);

impl Hooks for Attempts {
    fn before_send<'a>(&'a self, _operation: &'static str, _request: &'a mut reqwest::Request) -> HookFuture<'a> {
        Box::pin(async move {
            *self.0.lock().expect("attempts lock") += 1;
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_get_and_never_for_post() {
    // A port that was free a moment ago: nothing listens there any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);

    let attempts = Attempts::default();
    let client = client(&base).with_retry_policy(quick_retries()).with_hooks(attempts.clone());
    let error = client.get_runbook("rb-1").await.expect_err("nothing listens");
    assert!(matches!(&error, ClientError::Transport(e) if e.is_connect()), "{error:?}");
    assert_eq!(*attempts.0.lock().expect("attempts lock"), 3, "the first attempt and two retries");

    *attempts.0.lock().expect("attempts lock") = 0;
    let error = client.check_indicator(&indicator()).await.expect_err("nothing listens");
    assert!(matches!(&error, ClientError::Transport(e) if e.is_connect()), "{error:?}");
    assert_eq!(*attempts.0.lock().expect("attempts lock"), 1, "a POST is sent once");
}

#[tokio::test]
async fn the_gzip_feature_asks_for_and_reads_compressed_answers() {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(runbook_json().as_bytes()).expect("compressed");
    let headers = vec![("content-type", "application/json".to_owned()), ("content-encoding", "gzip".to_owned())];
    let (base, script) = serve(vec![Scripted::Bytes(200, headers, encoder.finish().expect("compressed"))]).await;
    assert_eq!(client(&base).get_runbook("rb-1").await.expect("a decompressed runbook").id, "rb-1");
    let asked = script.received()[0].headers.get("accept-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert!(asked.is_some_and(|codings| codings.contains("gzip")), "{:?}", script.received());
}

#[tokio::test]
async fn the_http2_feature_lets_a_client_speak_http2() {
    let (base, script) = serve(Vec::new()).await;
    let http = reqwest::Client::builder().http2_prior_knowledge().build().expect("an HTTP/2 client");
    let client = Client::with_http_client(&base, http).with_api_key_header(KEY);
    assert_eq!(client.get_runbook("rb-1").await.expect("a 200").id, "rb-1");
    assert_eq!(script.received()[0].version, "HTTP/2.0");
}
