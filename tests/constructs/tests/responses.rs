//! Error bodies travel in the media type the document gives them, and the
//! generated client still reads them; a body that does not decode, or a
//! missing required header, still reads as the documented variant.

mod common;

use constructs::responses::{
    client::{Client, ClientError},
    errors::{ErrorBody, GetArtifactError, GetLogError, GetTraceError, SubmitJobError, SubmitJobResponse},
    media::Raw,
    server, types,
};

struct Refusing;

impl server::ResponsesApi for Refusing {
    async fn submit_job(&self, _cx: server::RequestContext, _body: types::SubmitJobBody) -> Result<SubmitJobResponse, SubmitJobError> {
        Err(SubmitJobError::Status4xx { status: 422, body: types::Problem::new("no name").status(422).into() })
    }

    async fn get_log(&self, _cx: server::RequestContext, _id: String) -> Result<String, GetLogError> {
        Err(GetLogError::NotFound)
    }

    async fn get_artifact(&self, _cx: server::RequestContext, _id: String) -> Result<Raw, GetArtifactError> {
        Ok(Raw { content_type: "application/octet-stream".into(), bytes: Vec::new() })
    }

    async fn get_trace(&self, _cx: server::RequestContext, _id: String) -> Result<(), GetTraceError> {
        Err(GetTraceError::NotFound { x_lines: Some(12), x_context: Some(r#"{"step":2}"#.into()) })
    }
}

/// Passes on what an upstream answered: a page that is not the documented
/// problem, or an acceptance without its required `Location`.
struct Relaying;

impl server::ResponsesApi for Relaying {
    async fn submit_job(&self, _cx: server::RequestContext, body: types::SubmitJobBody) -> Result<SubmitJobResponse, SubmitJobError> {
        let name = match &body {
            types::SubmitJobBody::Json(job) => job.name.as_deref(),
            types::SubmitJobBody::Text(name) => Some(name.as_str()),
            _ => None,
        };
        match name {
            Some("later") => Ok(SubmitJobResponse::Accepted { location: None, retry_after: None }),
            _ => Err(SubmitJobError::Status4xx {
                status: 418,
                body: ErrorBody::undecoded(Some("text/html".to_owned()), b"<p>teapot</p>".to_vec(), "relayed as it came"),
            }),
        }
    }
}

async fn serve() -> String {
    serve_api(Refusing).await
}

async fn serve_api(api: impl server::ResponsesApi) -> String {
    common::serve(server::router(api)).await
}

#[tokio::test]
async fn a_problem_body_is_sent_as_application_problem_json() {
    let base = serve().await;
    let response = reqwest::Client::new().post(format!("{base}/jobs")).json(&serde_json::json!({})).send().await.expect("answers");
    assert_eq!(response.status().as_u16(), 422);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body, serde_json::json!({"title": "no name", "status": 422}));

    let error = Client::new(&base).submit_job(&types::SubmitJobBody::Json(types::SubmitJobRequest::default())).await.expect_err("refused");
    match error {
        ClientError::Api { error: SubmitJobError::Status4xx { status, body: ErrorBody::Decoded(body) }, .. } => {
            assert_eq!((status, body.title.as_str()), (422, "no name"))
        }
        other => panic!("expected the typed 4XX, got {other:?}"),
    }
}

#[tokio::test]
async fn an_undecoded_error_body_is_served_as_it_came_and_read_as_its_variant() {
    let base = serve_api(Relaying).await;
    let response = reqwest::Client::new().post(format!("{base}/jobs")).json(&serde_json::json!({})).send().await.expect("answers");
    assert_eq!(response.status().as_u16(), 418);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("text/html"));
    assert_eq!(response.text().await.expect("text"), "<p>teapot</p>");

    let error = Client::new(&base).submit_job(&types::SubmitJobBody::Json(types::SubmitJobRequest::default())).await.expect_err("refused");
    let Some(SubmitJobError::Status4xx { status: 418, body }) = error.api() else { panic!("expected the typed 4XX, got {error:?}") };
    assert_eq!((body.undecoded_bytes(), body.undecoded_content_type()), (Some(&b"<p>teapot</p>"[..]), Some("text/html")));
    assert!(error.api().and_then(SubmitJobError::decode_failure).is_some());
}

#[tokio::test]
async fn a_success_without_its_required_header_is_still_its_variant() {
    let base = serve_api(Relaying).await;
    let accepted = Client::new(&base).submit_job(&types::SubmitJobBody::Text("later".into())).await.expect("a 202");
    assert_eq!(accepted, SubmitJobResponse::Accepted { location: None, retry_after: None });
}

/// A response the document describes with nothing (or `''`) is described by its status.
#[test]
fn undescribed_responses_are_named_by_their_status() {
    use constructs::lenient::response_without_description::errors::GetItemError;
    assert_eq!(GetItemError::NotFound.to_string(), "404 Not Found.");
    assert_eq!(GetItemError::Status599.to_string(), "599 No description in the document.");
}

/// An optional body the document gives no media type is no body: the client
/// method takes none, and the server answers without reading one.
#[tokio::test]
async fn an_optional_body_without_a_media_type_is_no_body() {
    use constructs::lenient::body_without_media_type::{client, errors::SubscribeError, server};
    struct Channels;
    impl server::BodyWithoutMediaTypeApi for Channels {
        async fn subscribe(&self, _cx: server::RequestContext, channel: String) -> Result<(), SubscribeError> {
            assert_eq!(channel, "news");
            Ok(())
        }
    }
    let base = common::serve(server::router(Channels)).await;
    client::Client::new(&base).subscribe("news").await.expect("subscribed");
}

/// Response headers described by `content`: a `text/*` one is typed by its
/// schema, any other is passed as the text that came.
#[tokio::test]
async fn headers_described_by_content_are_read() {
    let base = common::serve(server::router(Refusing)).await;
    let error = Client::new(&base).get_trace("j-1").await.expect_err("no trace");
    match error {
        ClientError::Api { error: GetTraceError::NotFound { x_lines, x_context }, .. } => {
            assert_eq!(x_lines, Some(12));
            assert_eq!(x_context.as_deref(), Some(r#"{"step":2}"#));
        }
        other => panic!("{other:?}"),
    }
}
