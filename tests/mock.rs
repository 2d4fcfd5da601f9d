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
        let request = types::CheckIndicatorRequest { indicator: "192.0.2.1".into(), type_: types::IndicatorType::Ip };
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
    assert!(matches!(error, clawguru_v1::client::ClientError::Api(GetRunbookError::Forbidden(_))), "{error:?}");
    let missing = Client::new(&base).get_runbook("x").await.expect_err("refused before sending");
    assert!(matches!(missing, clawguru_v1::client::ClientError::MissingCredentials { .. }), "{missing:?}");
}
