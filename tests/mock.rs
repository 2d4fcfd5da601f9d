//! The generated mocks (`mock` feature): the generated client against
//! `server::router(mock::Mock::new(token))`, answered from the spec's examples.

use clawguru_v1::{client::Client, errors::GetRunbookError, mock::Mock, server, types};

async fn serve_mock(token: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let app = server::router(Mock::new(token));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    format!("http://{address}")
}

#[tokio::test]
async fn the_mock_answers_every_operation_with_the_documented_example() {
    let base = serve_mock("s3cret").await;
    // One token works for every scheme the spec declares: the API key and the bearer token.
    for client in [Client::new(&base).with_api_key_header("s3cret"), Client::new(&base).with_bearer_auth("s3cret")] {
        let request = types::CheckIndicatorRequest::new("192.0.2.1").type_(types::IndicatorType::Ip);
        let assessment = client.check_indicator(&request).await.expect("the mock answers");
        assert_eq!((assessment.indicator.as_str(), assessment.score), ("192.0.2.1", 82), "the spec's example");
        let feed = client.get_latest_intel_feed(&types::GetLatestIntelFeedQuery::default()).await.expect("the mock answers");
        assert_eq!(feed.items[0].id, "ioc-001");
        let runbook = client.get_runbook("anything").await.expect("the mock answers");
        assert_eq!(runbook.id, "ssh-hardening-ubuntu");
    }
}

#[tokio::test]
async fn the_mock_refuses_other_credentials_with_the_documented_401() {
    let base = serve_mock("s3cret").await;
    let error = Client::new(&base).with_api_key_header("wrong").get_runbook("x").await.expect_err("refused");
    // The spec documents 403 for "Invalid or revoked API key", and 401 for a missing one.
    assert!(matches!(error, clawguru_v1::client::ClientError::Api { error: GetRunbookError::Forbidden(_), .. }), "{error:?}");
    let missing = Client::new(&base).get_runbook("x").await.expect_err("refused before sending");
    assert!(matches!(missing, clawguru_v1::client::ClientError::MissingCredentials { .. }), "{missing:?}");
}

/// One HTTP/1.1 exchange with a bearer token: the status and the body.
async fn raw(base: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connects");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("reads");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status");
    (status, body.to_owned())
}

async fn serve_clawget(token: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let app = clawget_v1::server::router(clawget_v1::mock::Mock::new(token));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    format!("http://{address}")
}

/// serde's derives would take all of these; the schema refuses them, and so must the server.
#[tokio::test]
async fn the_server_refuses_json_that_only_serde_would_take() {
    let base = serve_clawget("t").await;
    let valid = r#"{"title":"T","description":"D","category":"c","price":25,"thumbnailUrl":"https://cdn.example/t.png"}"#;
    assert_eq!(raw(&base, "POST", "/listings", "t", valid).await.0, 201, "the valid body is accepted");
    let refused = [
        (r#"{"title":"T","description":"D","category":"c","price":25,"thumbnailUrl":null}"#, "/thumbnailUrl: must not be null"),
        (r#"["T","D","c",25]"#, "/: must be an object"),
        (r#"{"title":"T","description":"D","category":"c","price":25,"thumbnailUrl":"not a uri"}"#, "must be a valid uri"),
        (r#"{"title":"T","description":"D","category":"c","price":25,"thumbnailUrl":""}"#, "must be a valid uri"),
        (r#"{"title":"T","description":"D","category":"c","price":25,"tags":["ok","0123456789012345678901234567890123"]}"#, "tags/1"),
    ];
    for (body, reason) in refused {
        let (status, answer) = raw(&base, "POST", "/listings", "t", body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains(reason), "{body}: {answer} should say {reason:?}");
    }
    // `minProperties: 1` on the update.
    let (status, answer) = raw(&base, "PATCH", "/listings/listing_abc123", "t", "{}").await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("must have at least 1 properties"), "{answer}");
    // `uniqueItems` on the webhook's events.
    let twice = r#"{"url":"https://x.example/hook","events":["purchase.completed","purchase.completed"],"secret":"0123456789abcdef"}"#;
    let (status, answer) = raw(&base, "POST", "/webhooks", "t", twice).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("items 0 and 1 are equal"), "{answer}");
}

/// JSON Schema counts `2000.0` as an integer; the server takes it as one, and refuses `2000.5`.
#[tokio::test]
async fn integral_numbers_written_with_a_fraction_are_integers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let app = oneclaw_v1::server::router(oneclaw_v1::mock::Mock::new("t"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    let base = format!("http://{address}");
    let body =
        |amount: &str| format!(r#"{{"amount_cents":{amount},"success_url":"https://a.example/ok","cancel_url":"https://a.example/no"}}"#);
    for amount in ["2000", "2000.0", "2e3"] {
        let (status, answer) = raw(&base, "POST", "/v1/billing/credits/topup", "t", &body(amount)).await;
        assert_eq!(status, 200, "{amount}: {answer}");
    }
    let (status, answer) = raw(&base, "POST", "/v1/billing/credits/topup", "t", &body("2000.5")).await;
    assert_eq!(status, 400, "{answer}");
    // Parsed exactly (serde_json's `float_roundtrip`): by default this one comes out as …126.5.
    let limits = r#"{"max_api_calls_per_month":3708866353165126.0}"#;
    let (status, answer) = raw(&base, "PUT", "/v1/admin/orgs/9b2f6c1e-4d3a-4f8b-a1c2-7e5d9f0a3b41/limits", "t", limits).await;
    assert_eq!(status, 200, "{answer}");
    // Beyond 2^53 a float may be a rounded neighbour of the number written: refused, not guessed.
    let limits = r#"{"max_api_calls_per_month":9223372036854774785.0}"#;
    let (status, answer) = raw(&base, "PUT", "/v1/admin/orgs/9b2f6c1e-4d3a-4f8b-a1c2-7e5d9f0a3b41/limits", "t", limits).await;
    assert_eq!(status, 400, "{answer}");
}

/// Deleting through the mock is remembered: later calls on the resource get
/// the documented 404, other resources are untouched, and creating in the
/// collection brings the example resources back.
#[tokio::test]
async fn a_resource_deleted_through_the_mock_stays_deleted() {
    use clawget_v1::{
        client::{Client as Clawget, ClientError},
        errors::{GetListingError, UpdateListingError},
    };
    let base = serve_clawget("t").await;
    let client = Clawget::new(&base).with_api_key_auth("t");
    client.get_listing("listing_xyz").await.expect("there before");
    client.delete_listing("listing_xyz").await.expect("deleted");
    let gone = client.get_listing("listing_xyz").await.expect_err("gone");
    assert!(matches!(gone, ClientError::Api { error: GetListingError::NotFound(_), .. }), "{gone:?}");
    let update = clawget_v1::types::ListingUpdate::default().title("New");
    let gone = client.update_listing("listing_xyz", &update).await.expect_err("gone");
    assert!(matches!(gone, ClientError::Api { error: UpdateListingError::NotFound(_), .. }), "{gone:?}");
    client.get_listing("listing_abc123").await.expect("another listing is still there");
    let created: clawget_v1::types::ListingCreate =
        serde_json::from_str(r#"{"title":"T","description":"D","category":"c","price":25}"#).expect("a listing");
    client.create_listing(&created).await.expect("created");
    client.get_listing("listing_xyz").await.expect("creating in the collection brings the mock's resources back");
}

/// Each crate's `exercise` calls every operation of its client against its own
/// mock: every answer must decode, through the same code that checks a client
/// against Prism in `scripts/prism`.
#[tokio::test]
async fn every_client_operation_decodes_the_answers_of_its_mock() {
    macro_rules! exercise {
        ($krate:ident, $($with:ident),+) => {{
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
            let address = listener.local_addr().expect("has an address");
            let app = $krate::server::router($krate::mock::Mock::new("t"));
            tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
            let client = $krate::client::Client::new(&format!("http://{address}"))$(.$with("t"))+;
            let calls = $krate::exercise::every_operation(&client).await;
            let failed: Vec<_> = calls.iter().filter(|c| matches!(c.outcome, $krate::exercise::Outcome::Failed(_))).collect();
            assert!(failed.is_empty(), "{}: {failed:#?}", stringify!($krate));
            let successes = calls.iter().filter(|c| c.outcome == $krate::exercise::Outcome::Success).count();
            (calls.len(), successes)
        }};
    }
    assert_eq!(exercise!(clawguru_v1, with_api_key_header), (3, 3));
    assert_eq!(exercise!(cybervault_v2, with_bearer_auth), (3, 3));
    assert_eq!(exercise!(clawup_v1, with_bearer_auth), (6, 6));
    // Deletions run last, so the mock's memory of them takes no success away.
    assert_eq!(exercise!(clawget_v1, with_api_key_auth), (23, 23));
    assert_eq!(exercise!(oneclaw_v1, with_bearer_jwt), (96, 96));
}
