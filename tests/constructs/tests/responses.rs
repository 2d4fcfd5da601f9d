//! Error bodies travel in the media type the document gives them, and the
//! generated client still reads them.

use constructs::responses::{
    client::{Client, ClientError},
    errors::{GetArtifactError, GetLogError, SubmitJobError, SubmitJobResponse},
    media::Raw,
    server, types,
};

struct Refusing;

impl server::ResponsesApi for Refusing {
    async fn submit_job(&self, _cx: server::RequestContext, _body: types::SubmitJobRequest) -> Result<SubmitJobResponse, SubmitJobError> {
        Err(SubmitJobError::Status4xx { status: 422, body: types::Problem::new("no name").status(422) })
    }

    async fn get_log(&self, _cx: server::RequestContext, _id: String) -> Result<String, GetLogError> {
        Err(GetLogError::NotFound)
    }

    async fn get_artifact(&self, _cx: server::RequestContext, _id: String) -> Result<Raw, GetArtifactError> {
        Ok(Raw { content_type: "application/octet-stream".into(), bytes: Vec::new() })
    }
}

async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    tokio::spawn(async move { axum::serve(listener, server::router(Refusing)).await.expect("serves") });
    format!("http://{address}")
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

    let error = Client::new(&base).submit_job(&types::SubmitJobRequest::default()).await.expect_err("refused");
    match error {
        ClientError::Api { error: SubmitJobError::Status4xx { status, body }, .. } => {
            assert_eq!((status, body.title.as_str()), (422, "no name"))
        }
        other => panic!("expected the typed 4XX, got {other:?}"),
    }
}
