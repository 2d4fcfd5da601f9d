//! An OpenAPI 3.2 document end to end: the QUERY method, bodies and answers
//! whose media types are `$ref`s into `components.mediaTypes`, responses
//! described only by their `summary`, and an OAuth 2 device-flow scheme read
//! as a bearer token.

mod common;

use constructs::openapi_32::{
    auth,
    client::{Client, ClientError},
    errors::{CreateNoteError, ErrorBody, GetNoteError, SearchNotesError},
    server, types,
};

struct Notes;

impl server::Openapi32Api for Notes {
    type Identity = ();

    async fn authorize(
        &self,
        _operation: auth::Operation,
        credentials: &auth::Credentials,
        _request: &server::RequestContext,
    ) -> Result<(), auth::AuthError> {
        match credentials.device.as_deref() {
            Some("device-token") => Ok(()),
            _ => Err(auth::AuthError::Unauthenticated("unknown token".into())),
        }
    }

    async fn create_note(&self, _cx: server::RequestContext, body: types::Note) -> Result<types::Note, CreateNoteError> {
        Ok(body)
    }

    async fn search_notes(&self, _cx: server::RequestContext, body: types::NoteQuery) -> Result<Vec<types::Note>, SearchNotesError> {
        let stored = [types::Note::new("n-1", "buy milk"), types::Note::new("n-2", "buy bread and milk")];
        Ok(stored.into_iter().filter(|note| body.words.iter().all(|word| note.text.contains(word.as_str()))).collect())
    }

    async fn get_note(&self, _cx: server::RequestContext, id: String) -> Result<types::Note, GetNoteError> {
        Err(GetNoteError::NotFound(types::Problem::new(format!("no note {id}")).into()))
    }
}

#[tokio::test]
async fn a_32_document_serves_and_calls() {
    let base = common::serve(server::router(Notes)).await;
    let client = Client::new(&base).with_device("device-token");

    // The body and the answer are typed by the schema of the referenced media type.
    let note: types::Note = client.create_note(&types::Note::new("n-1", "hello")).await.expect("created");
    assert_eq!((note.id.as_str(), note.text.as_str()), ("n-1", "hello"));

    // The same media type's schema is checked by the server (`text` has a
    // minimum length), and bad input is the operation's documented 422,
    // since it documents no 400.
    let refused = client.create_note(&types::Note::new("n-2", "")).await.expect_err("empty text");
    match &refused {
        ClientError::Api { error: CreateNoteError::UnprocessableEntity(ErrorBody::Decoded(problem)), .. } => {
            assert!(problem.message.starts_with("text:"), "{problem:?}")
        }
        other => panic!("{other:?}"),
    }

    // A response with a summary and no description is documented by its summary.
    let missing = client.get_note("n-9").await.expect_err("no such note");
    match missing {
        ClientError::Api { error: GetNoteError::NotFound(ErrorBody::Decoded(problem)), .. } => assert_eq!(problem.message, "no note n-9"),
        other => panic!("{other:?}"),
    }
    assert_eq!(GetNoteError::NotFound(types::Problem::new("x").into()).to_string(), "404 No such note");

    // The device flow's token travels as a bearer token.
    let stranger = Client::new(&base).with_device("other").get_note("n-1").await.expect_err("unknown token");
    assert!(matches!(stranger.api(), Some(GetNoteError::Unauthorized(_))), "{stranger:?}");
}

#[tokio::test]
async fn a_query_operation_is_sent_and_served_with_the_query_method() {
    let base = common::serve(server::router(Notes)).await;
    let client = Client::new(&base).with_device("device-token");
    let found = client.search_notes(&types::NoteQuery::new(vec!["bread".to_owned()])).await.expect("searched");
    assert_eq!(found.iter().map(|note| note.id.as_str()).collect::<Vec<_>>(), ["n-2"]);
    // Its body is checked like any other: `words` needs one word at least.
    let empty = client.search_notes(&types::NoteQuery::new(Vec::new())).await.expect_err("no words");
    assert_eq!(empty.status(), Some(400), "{empty:?}");

    // The path's other methods are still refused as the router refuses them.
    let http = reqwest::Client::new();
    let query = reqwest::Method::from_bytes(b"QUERY").expect("a method");
    let url = format!("{base}/notes");
    let sent = http.request(query, &url).bearer_auth("device-token").json(&serde_json::json!({"words": ["milk"]})).send().await;
    assert_eq!(sent.expect("answered").status(), 200);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE, reqwest::Method::from_bytes(b"PURGE").expect("a method")] {
        let answer = http.request(method.clone(), &url).bearer_auth("device-token").send().await.expect("answered");
        assert_eq!(answer.status(), 405, "{method}");
        let body: serde_json::Value = answer.json().await.expect("the API's error body");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(method.as_str())), "{method}: {body}");
    }
}
