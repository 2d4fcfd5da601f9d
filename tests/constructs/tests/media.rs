//! Multipart bodies and server-sent events on the wire: the generated client
//! uploads files to the generated server, and the generated server streams
//! events to the generated client, both on 127.0.0.1.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use constructs::multipart::{self, errors as upload_errors, types as upload_types};
use constructs::sse::{self, errors as sse_errors, media::Event, media::EventParser, media::EventStream, types::Tick};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

type File = multipart::media::File;

mod common;
use common::serve;

/// The body of `setGroups`: lists of names by group.
type Groups = BTreeMap<String, Vec<String>>;

/// Keeps every body it receives.
#[derive(Clone, Default)]
struct Recorder {
    documents: Arc<Mutex<Vec<upload_types::UploadDocumentRequest>>>,
    avatars: Arc<Mutex<Vec<Option<upload_types::SetAvatarBody>>>>,
    notes: Arc<Mutex<Vec<upload_types::Note>>>,
    blobs: Arc<Mutex<Vec<multipart::media::Raw>>>,
    labels: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
    counters: Arc<Mutex<Vec<upload_types::Counts>>>,
    groups: Arc<Mutex<Vec<Groups>>>,
    scores: Arc<Mutex<Vec<upload_types::PostScoresRequest>>>,
}

impl multipart::server::MultipartApi for Recorder {
    async fn upload_document(
        &self,
        _cx: multipart::server::RequestContext,
        body: upload_types::UploadDocumentRequest,
    ) -> Result<upload_types::Receipt, upload_errors::UploadDocumentError> {
        self.documents.lock().expect("unpoisoned").push(body);
        Ok(upload_types::Receipt::new("d1"))
    }

    async fn set_avatar(
        &self,
        _cx: multipart::server::RequestContext,
        body: Option<upload_types::SetAvatarBody>,
    ) -> Result<(), upload_errors::SetAvatarError> {
        self.avatars.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn create_note(
        &self,
        _cx: multipart::server::RequestContext,
        body: upload_types::Note,
    ) -> Result<(), upload_errors::CreateNoteError> {
        self.notes.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn upload_blob(
        &self,
        _cx: multipart::server::RequestContext,
        body: multipart::media::Raw,
    ) -> Result<(), upload_errors::UploadBlobError> {
        self.blobs.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn set_labels(
        &self,
        _cx: multipart::server::RequestContext,
        body: BTreeMap<String, String>,
    ) -> Result<(), upload_errors::SetLabelsError> {
        self.labels.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn set_counters(
        &self,
        _cx: multipart::server::RequestContext,
        body: upload_types::Counts,
    ) -> Result<(), upload_errors::SetCountersError> {
        self.counters.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn set_groups(&self, _cx: multipart::server::RequestContext, body: Groups) -> Result<(), upload_errors::SetGroupsError> {
        self.groups.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn post_scores(
        &self,
        _cx: multipart::server::RequestContext,
        body: upload_types::PostScoresRequest,
    ) -> Result<(), upload_errors::PostScoresError> {
        self.scores.lock().expect("unpoisoned").push(body);
        Ok(())
    }
}

fn full_document() -> upload_types::UploadDocumentRequest {
    // Not UTF-8, with a NUL and a CRLF: the bytes must arrive untouched.
    let file = File::new("report.pdf", "application/pdf", vec![0x25, 0x50, 0xff, 0x00, 0x0d, 0x0a, 0xfe]);
    upload_types::UploadDocumentRequest::new("Quarterly report", file)
        // No media type: the document's `encoding` gives `image/png`.
        .thumbnail(File { file_name: Some("thumb.png".into()), content_type: None, bytes: vec![0x89, b'P', b'N', b'G'] })
        .attachments(vec![
            File::new("a.txt", "text/plain", b"first".to_vec()),
            File { file_name: None, content_type: None, bytes: b"second, nameless".to_vec() },
        ])
        .pages(12)
        .tags(vec!["finance".into(), "q3 2025".into()])
        .metadata(upload_types::Metadata::new("Ada").version(3))
}

#[tokio::test]
async fn files_text_and_json_parts_reach_the_server_exactly() {
    let recorder = Recorder::default();
    let client = multipart::client::Client::new(serve(multipart::server::router(recorder.clone())).await);
    let sent = full_document();
    let receipt = client.upload_document(&sent).await.expect("uploads");
    assert_eq!(receipt.id, "d1");

    let received = recorder.documents.lock().expect("unpoisoned").pop().expect("the server got the document");
    let mut expected = sent;
    // What the client filled in: the documented media type, else application/octet-stream.
    expected.thumbnail.as_mut().expect("set").content_type = Some("image/png".into());
    expected.attachments.as_mut().expect("set")[1].content_type = Some("application/octet-stream".into());
    assert_eq!(received, expected);
}

#[tokio::test]
async fn absent_optional_parts_stay_absent() {
    let recorder = Recorder::default();
    let client = multipart::client::Client::new(serve(multipart::server::router(recorder.clone())).await);
    let sent = upload_types::UploadDocumentRequest::new("Bare", File { file_name: None, content_type: None, bytes: Vec::new() });
    client.upload_document(&sent).await.expect("uploads");
    let received = recorder.documents.lock().expect("unpoisoned").pop().expect("the server got the document");
    assert_eq!(received.file.bytes, Vec::<u8>::new());
    assert_eq!(received.file.file_name, None);
    assert_eq!(
        (received.thumbnail, received.attachments, received.pages, received.tags, received.metadata),
        (None, None, None, None, None)
    );
}

/// What a plain axum handler sees of each part the generated client writes.
#[tokio::test]
async fn the_client_writes_each_part_with_its_name_file_name_and_content_type() {
    type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>, Vec<u8>)>>>;
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new().route(
        "/documents",
        axum::routing::post(move |mut form: axum::extract::Multipart| async move {
            while let Some(field) = form.next_field().await.expect("well-formed") {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let content_type = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.expect("readable").to_vec();
                record.lock().expect("unpoisoned").push((name, file_name, content_type, bytes));
            }
            (axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({"id": "raw"})))
        }),
    );
    let client = multipart::client::Client::new(serve(router).await);
    client.upload_document(&full_document()).await.expect("uploads");

    let parts = seen.lock().expect("unpoisoned").clone();
    let summary: Vec<(&str, Option<&str>, Option<&str>)> =
        parts.iter().map(|(name, file, content_type, _)| (name.as_str(), file.as_deref(), content_type.as_deref())).collect();
    assert_eq!(
        summary,
        [
            ("title", None, None),
            ("file", Some("report.pdf"), Some("application/pdf")),
            ("thumbnail", Some("thumb.png"), Some("image/png")),
            ("attachments", Some("a.txt"), Some("text/plain")),
            ("attachments", None, Some("application/octet-stream")),
            ("pages", None, None),
            ("tags", None, None),
            ("tags", None, None),
            ("metadata", None, Some("application/vnd.metadata+json")),
        ]
    );
    let text = |index: usize| String::from_utf8(parts[index].3.clone()).expect("text");
    assert_eq!((text(0), text(5), text(6), text(7)), ("Quarterly report".into(), "12".into(), "finance".into(), "q3 2025".into()));
    let metadata: serde_json::Value = serde_json::from_slice(&parts[8].3).expect("JSON");
    assert_eq!(metadata, serde_json::json!({"author": "Ada", "version": 3}));
}

/// Sends a hand-made multipart body; returns the status and the body.
async fn post_parts(base: &str, form: reqwest::multipart::Form) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new().post(format!("{base}/documents")).multipart(form).send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_missing_required_part_or_a_part_that_does_not_fit_is_the_documented_400() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;
    let file = || reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.bin");

    let (status, body) = post_parts(&base, reqwest::multipart::Form::new().text("title", "no file")).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "missing part `file`", "{body}");

    let form = reqwest::multipart::Form::new().text("title", "t").part("file", file()).text("pages", "many");
    let (status, body) = post_parts(&base, form).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().is_some_and(|m| m.contains("part `pages`")), "{body}");

    let form = reqwest::multipart::Form::new().text("title", "t").part("file", file()).text("metadata", "{\"version\": 1}");
    let (status, body) = post_parts(&base, form).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().is_some_and(|m| m.contains("part `metadata`: invalid JSON")), "{body}");

    // The struct's constraints are checked as for JSON bodies.
    let form = reqwest::multipart::Form::new().text("title", "").part("file", file());
    let (status, body) = post_parts(&base, form).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().is_some_and(|m| m.contains("title")), "{body}");

    // Not multipart at all.
    let response = reqwest::Client::new().post(format!("{base}/documents")).body("plain").send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    assert!(recorder.documents.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
}

#[tokio::test]
async fn a_multipart_body_over_the_router_limit_is_413_in_the_api_error_format() {
    let recorder = Recorder::default();
    let config = multipart::server::RouterConfig::default().body_limit(1024);
    let base = serve(multipart::server::router_with(recorder.clone(), config)).await;
    let form = |size: usize| {
        let file = reqwest::multipart::Part::bytes(vec![b'x'; size]).file_name("x.bin");
        reqwest::multipart::Form::new().text("title", "t").part("file", file)
    };

    let (status, body) = post_parts(&base, form(100)).await;
    assert_eq!(status, 201, "{body}");

    // Too large, not malformed: the API's common error (`Problem`), under 413.
    let (status, body) = post_parts(&base, form(4096)).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("limit")), "{body}");
    // The limit reached inside a part the document does not list.
    let oversized = reqwest::multipart::Part::bytes(vec![b'y'; 4096]).file_name("y.bin");
    let (status, body) = post_parts(&base, form(1).part("unlisted", oversized)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(recorder.documents.lock().expect("unpoisoned").len(), 1, "only the small body reaches the trait");
}

#[tokio::test]
async fn an_optional_body_of_two_forms_may_be_left_out_or_sent_in_either() {
    let recorder = Recorder::default();
    let client = multipart::client::Client::new(serve(multipart::server::router(recorder.clone())).await);
    client.set_avatar(None).await.expect("sets nothing");
    let avatar = upload_types::SetAvatarBody::Multipart(upload_types::SetAvatarRequest::default().image(File::new(
        "me.jpg",
        "image/jpeg",
        vec![1, 2, 3],
    )));
    client.set_avatar(Some(&avatar)).await.expect("sets");
    // Present with no part: still a multipart body (its closing delimiter), so not absent.
    let bare = upload_types::SetAvatarBody::Multipart(upload_types::SetAvatarRequest::default());
    client.set_avatar(Some(&bare)).await.expect("sets");
    // The other form: the image's bytes as the whole body.
    let bytes = upload_types::SetAvatarBody::Bytes(multipart::media::Raw {
        content_type: "application/octet-stream".into(),
        bytes: vec![0xff, 0xd8, 0xff],
    });
    client.set_avatar(Some(&bytes)).await.expect("sets");
    assert_eq!(*recorder.avatars.lock().expect("unpoisoned"), [None, Some(avatar), Some(bare), Some(bytes)]);
}

#[tokio::test]
async fn json_ranks_above_multipart_and_other_schemas_stay_bytes() {
    let recorder = Recorder::default();
    let client = multipart::client::Client::new(serve(multipart::server::router(recorder.clone())).await);
    client.create_note(&upload_types::Note::new("hi")).await.expect("creates");
    assert_eq!(recorder.notes.lock().expect("unpoisoned")[0].text, "hi");

    let blob = multipart::media::Raw { content_type: "multipart/form-data; boundary=xyz".into(), bytes: b"--xyz--\r\n".to_vec() };
    client.upload_blob(&blob).await.expect("uploads");
    assert_eq!(recorder.blobs.lock().expect("unpoisoned")[0], blob);
}

#[tokio::test]
async fn a_property_named_like_a_runtime_helper_is_read_from_multipart() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;
    let body = "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n\
                --b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nada\r\n--b--\r\n";
    let (status, _) = send_raw_multipart(&base, reqwest::Method::POST, "/notes", body).await;
    assert_eq!(status, 204);
    assert_eq!(*recorder.notes.lock().expect("unpoisoned"), [upload_types::Note::new("hi").name("ada")]);
}

fn map_of<V: Clone>(entries: &[(&str, V)]) -> BTreeMap<String, V> {
    entries.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect()
}

fn text_map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
}

#[tokio::test]
async fn map_bodies_travel_as_multipart_one_part_per_entry() {
    let recorder = Recorder::default();
    let client = multipart::client::Client::new(serve(multipart::server::router(recorder.clone())).await);

    // Offered in JSON, a form and multipart: each is read into the same map.
    let labels = text_map(&[("reason", "spam, \"quoted\"\r\nand a line"), ("reviewer", "Ada"), ("empty", ""), ("é key", "ü")]);
    for encoding in [multipart::media::BodyEncoding::Multipart, multipart::media::BodyEncoding::Form, multipart::media::BodyEncoding::Json]
    {
        client.clone().with_body_encoding(encoding).set_labels(&labels).await.expect("sets");
    }
    assert_eq!(*recorder.labels.lock().expect("unpoisoned"), [labels.clone(), labels.clone(), labels]);

    // Multipart only, integer values (a `$ref` to a map schema).
    let counts: upload_types::Counts = map_of(&[("views", 12), ("likes", -3), ("big", i64::MAX)]);
    client.set_counters(&counts).await.expect("sets");
    client.set_counters(&BTreeMap::new()).await.expect("sets nothing");
    assert_eq!(*recorder.counters.lock().expect("unpoisoned"), [counts, BTreeMap::new()]);

    // Lists of strings: one part per item under the key.
    let groups = map_of(&[("admins", vec!["ada".to_owned(), "grace".to_owned()]), ("guests", vec!["linus".to_owned()])]);
    client.set_groups(&groups).await.expect("sets");
    assert_eq!(*recorder.groups.lock().expect("unpoisoned"), [groups]);

    // Fixed properties beside additional ones: unnamed parts are the additional entries.
    let mut scores = upload_types::PostScoresRequest::new("ada").avatar(File::new("me.png", "image/png", vec![0x89, b'P']));
    scores.additional_properties = map_of(&[("level1", 300), ("level2", -1)]);
    client.post_scores(&scores).await.expect("stores");
    assert_eq!(*recorder.scores.lock().expect("unpoisoned"), [scores]);
}

/// Sends `body`, written by hand as `multipart/form-data` with boundary `b`, to `path`.
async fn send_raw_multipart(base: &str, method: reqwest::Method, path: &str, body: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body.to_owned())
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_hand_written_multipart_map_is_read_and_a_value_that_does_not_fit_is_the_documented_400() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;

    let body = "--b\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\nspam\r\n\
                --b\r\nContent-Disposition: form-data; name=\"note\"\r\nContent-Type: text/plain\r\n\r\ntwo\r\nlines\r\n\
                --b--\r\n";
    let (status, answer) = send_raw_multipart(&base, reqwest::Method::PUT, "/labels", body).await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(recorder.labels.lock().expect("unpoisoned").pop(), Some(text_map(&[("reason", "spam"), ("note", "two\r\nlines")])));

    let body = "--b\r\nContent-Disposition: form-data; name=\"views\"\r\n\r\n7\r\n--b--\r\n";
    let (status, answer) = send_raw_multipart(&base, reqwest::Method::POST, "/counters", body).await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(recorder.counters.lock().expect("unpoisoned").pop(), Some(map_of(&[("views", 7)])));

    // Not an integer: the documented 400, in the API's error format (`Problem`).
    let body = "--b\r\nContent-Disposition: form-data; name=\"views\"\r\n\r\n7\r\n\
                --b\r\nContent-Disposition: form-data; name=\"likes\"\r\n\r\nmany\r\n--b--\r\n";
    let (status, answer) = send_raw_multipart(&base, reqwest::Method::POST, "/counters", body).await;
    assert_eq!((status, answer), (400, serde_json::json!({"message": "part `likes`: invalid value `many`"})));
    let form = reqwest::multipart::Form::new().text("player", "ada").text("level1", "1.5");
    let response = reqwest::Client::new().post(format!("{base}/scores")).multipart(form).send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    let answer: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(answer, serde_json::json!({"message": "part `level1`: invalid value `1.5`"}));

    // A part without a name cannot be an entry.
    let body = "--b\r\nContent-Disposition: form-data\r\n\r\n7\r\n--b--\r\n";
    let (status, answer) = send_raw_multipart(&base, reqwest::Method::POST, "/counters", body).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("without a name")), "{answer}");

    // Another media type is still 415 where the document does not offer it.
    let response = reqwest::Client::new()
        .put(format!("{base}/labels"))
        .header("content-type", "text/plain")
        .body("reason=spam")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 415);
    assert!(recorder.counters.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
    assert!(recorder.scores.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
}

/// Sends `entries` to `PUT /labels` as raw JSON, a form or multipart (`media`).
async fn put_labels(base: &str, media: &str, entries: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let request = reqwest::Client::new().put(format!("{base}/labels"));
    let request = match media {
        "json" => request.header("content-type", "application/json").body(serde_json::to_string(&text_map(entries)).expect("JSON")),
        "form" => request.form(entries),
        _ => request.multipart(
            entries.iter().fold(reqwest::multipart::Form::new(), |form, (key, value)| form.text((*key).to_owned(), (*value).to_owned())),
        ),
    };
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_map_body_is_held_to_its_count_and_its_values_length_in_every_media_type() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;
    // `maxProperties: 4`, values `maxLength: 32` (characters, not bytes).
    let longest = "é".repeat(32);
    let fits = [("a", "1"), ("b", "2"), ("c", "3"), ("d", longest.as_str())];
    let too_many = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")];
    let too_long_value = "x".repeat(33);
    let too_long = [("a", "1"), ("reason", too_long_value.as_str())];
    for media in ["json", "form", "multipart"] {
        assert_eq!(put_labels(&base, media, &fits).await.0, 204, "{media}: at the limits");
        assert_eq!(recorder.labels.lock().expect("unpoisoned").pop(), Some(text_map(&fits)), "{media}");

        let refused = put_labels(&base, media, &too_many).await;
        assert_eq!(refused, (400, serde_json::json!({"message": "must have at most 4 properties"})), "{media}: five entries");
        let refused = put_labels(&base, media, &too_long).await;
        assert_eq!(refused, (400, serde_json::json!({"message": "reason: must have at most 32 characters"})), "{media}: a long value");
    }
    assert!(recorder.labels.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
}

#[tokio::test]
async fn a_property_of_inline_map_type_is_held_to_its_count_and_its_values() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;
    let file = || reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.bin");
    let with_metadata = |metadata: serde_json::Value| {
        reqwest::multipart::Form::new().text("title", "t").part("file", file()).text("metadata", metadata.to_string())
    };

    // `Metadata.tags`: `maxProperties: 2`, values `maxLength: 8`.
    let (status, body) = post_parts(&base, with_metadata(serde_json::json!({"author": "Ada", "tags": {"a": "12345678", "b": ""}}))).await;
    assert_eq!(status, 201, "{body}");
    let stored = recorder.documents.lock().expect("unpoisoned").pop().expect("stored");
    let tags = stored.metadata.and_then(|m| m.tags).expect("tags");
    assert_eq!(tags, text_map(&[("a", "12345678"), ("b", "")]));

    let (status, body) = post_parts(&base, with_metadata(serde_json::json!({"author": "Ada", "tags": {"a": "123456789"}}))).await;
    assert_eq!((status, body), (400, serde_json::json!({"message": "metadata/tags/a: must have at most 8 characters"})));
    let three = serde_json::json!({"author": "Ada", "tags": {"a": "1", "b": "2", "c": "3"}});
    let (status, body) = post_parts(&base, with_metadata(three)).await;
    assert_eq!((status, body), (400, serde_json::json!({"message": "metadata/tags: must have at most 2 properties"})));
    assert!(recorder.documents.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
}

#[tokio::test]
async fn a_structs_additional_properties_are_held_to_their_constraints() {
    let recorder = Recorder::default();
    let base = serve(multipart::server::router(recorder.clone())).await;
    let post = |form: reqwest::multipart::Form| {
        let request = reqwest::Client::new().post(format!("{base}/scores")).multipart(form);
        async move {
            let response = request.send().await.expect("answered");
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };

    // `maximum: 1000` on each additional property.
    let (status, body) = post(reqwest::multipart::Form::new().text("player", "ada").text("level1", "1000")).await;
    assert_eq!(status, 204, "{body}");
    let stored = recorder.scores.lock().expect("unpoisoned").pop().expect("stored");
    assert_eq!(stored.additional_properties, map_of(&[("level1", 1000)]));

    let form = reqwest::multipart::Form::new().text("player", "ada").text("level1", "3").text("level2", "1001");
    let (status, body) = post(form).await;
    assert_eq!((status, body), (400, serde_json::json!({"message": "level2: must be at most 1000"})));
    assert!(recorder.scores.lock().expect("unpoisoned").is_empty(), "no bad body reaches the trait");
}

/// Streams what it is given.
#[derive(Clone)]
struct Streaming {
    ticks: Vec<Event<Tick>>,
    lines: Vec<Event<String>>,
}

impl sse::server::SseApi for Streaming {
    async fn stream_ticks(
        &self,
        _cx: sse::server::RequestContext,
        query: sse::types::StreamTicksQuery,
    ) -> Result<EventStream<Tick>, sse_errors::StreamTicksError> {
        match query.limit {
            Some(0) => Err(sse_errors::StreamTicksError::NotFound(sse::types::Problem::new("no ticks").into())),
            // Sent as they happen, from another task.
            Some(limit) => {
                let (sender, stream) = EventStream::channel();
                let ticks: Vec<Event<Tick>> = self.ticks.iter().take(usize::try_from(limit).unwrap_or(0)).cloned().collect();
                tokio::spawn(async move {
                    for tick in ticks {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        if sender.send(tick).is_err() {
                            return;
                        }
                    }
                });
                Ok(stream)
            }
            None => Ok(EventStream::from_events(self.ticks.clone())),
        }
    }

    async fn stream_log(&self, _cx: sse::server::RequestContext) -> Result<EventStream<String>, sse_errors::StreamLogError> {
        Ok(EventStream::from_events(self.lines.clone()))
    }

    async fn get_status(&self, _cx: sse::server::RequestContext) -> Result<Tick, sse_errors::GetStatusError> {
        Ok(Tick::new(7))
    }

    async fn start_job(&self, _cx: sse::server::RequestContext) -> Result<sse_errors::StartJobResponse, sse_errors::StartJobError> {
        let frames = Event::new("50%".to_owned()).to_frame(|data| Ok(data.clone())).expect("encodes");
        Ok(sse_errors::StartJobResponse::Ok(frames))
    }
}

fn ticks() -> Vec<Event<Tick>> {
    vec![
        Event { event: Some("tick".into()), id: Some("1".into()), ..Event::new(Tick::new(1).label("one")) },
        Event { id: Some("2".into()), retry: Some(1500), ..Event::new(Tick::new(2)) },
        Event { event: Some("tock".into()), ..Event::new(Tick::new(3).label("line\nbreak: and \"quotes\"")) },
    ]
}

async fn streaming_client() -> sse::client::Client {
    let lines = vec![
        Event::new("plain".to_owned()),
        Event { event: Some("multi".into()), ..Event::new("first\nsecond\r\nthird".to_owned()) },
        Event::new(String::new()),
        Event { id: Some("9".into()), ..Event::new(" leading space: kept".to_owned()) },
    ];
    sse::client::Client::new(serve(sse::server::router(Streaming { ticks: ticks(), lines })).await)
}

async fn drain<T>(mut stream: EventStream<T>) -> Vec<Event<T>> {
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("a well-formed event"));
    }
    events
}

#[tokio::test]
async fn a_server_streams_typed_events_to_the_client() {
    let client = streaming_client().await;
    let stream = client.stream_ticks(&sse::types::StreamTicksQuery::default()).await.expect("streams");
    assert_eq!(drain(stream).await, ticks());

    let error = client.stream_ticks(&sse::types::StreamTicksQuery::default().limit(0)).await.expect_err("documented 404");
    assert_eq!(error.api(), Some(&sse_errors::StreamTicksError::NotFound(sse::types::Problem::new("no ticks").into())));
}

#[tokio::test]
async fn events_sent_as_they_happen_arrive_one_by_one() {
    let client = streaming_client().await;
    let mut stream = client.stream_ticks(&sse::types::StreamTicksQuery::default().limit(2)).await.expect("streams");
    // The first event arrives while the server is still producing the second.
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").expect("an event");
    assert_eq!(first.expect("well-formed"), ticks()[0]);
    assert_eq!(drain(stream).await, ticks()[1..2]);
}

#[tokio::test]
async fn text_events_keep_their_lines_and_spaces() {
    let client = streaming_client().await;
    let events = drain(client.stream_log().await.expect("streams")).await;
    let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
    // A `\r\n` in the data travels as a line break like any other: it arrives as `\n`.
    assert_eq!(data, ["plain", "first\nsecond\nthird", "", " leading space: kept"]);
    assert_eq!(events[1].event.as_deref(), Some("multi"));
    assert_eq!(events[3].id.as_deref(), Some("9"));
}

#[tokio::test]
async fn json_ranks_above_a_stream_and_a_stream_among_several_successes_is_text() {
    let client = streaming_client().await;
    assert_eq!(client.get_status().await.expect("answers"), Tick::new(7));
    assert_eq!(client.start_job().await.expect("answers"), sse_errors::StartJobResponse::Ok("data: 50%\n\n".into()));
}

/// Answers one request on `listener` with `chunks` of a `text/event-stream`
/// body, each written and flushed on its own, with a pause between them.
async fn serve_chunks(listener: tokio::net::TcpListener, chunks: Vec<Vec<u8>>) {
    let (mut socket, _) = listener.accept().await.expect("accepts");
    socket.set_nodelay(true).expect("no delay");
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = socket.read(&mut buffer).await.expect("reads");
        assert!(read > 0, "the request ended early");
        request.extend_from_slice(&buffer[..read]);
    }
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    socket.write_all(head.as_bytes()).await.expect("writes");
    for chunk in chunks {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        socket.write_all(&framed).await.expect("writes");
        socket.flush().await.expect("flushes");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    socket.write_all(b"0\r\n\r\n").await.expect("writes");
}

#[tokio::test]
async fn an_event_split_across_chunks_arrives_whole() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("has an address"));
    // Split inside a field name, between `\r` and `\n`, inside JSON and inside a UTF-8 character.
    let chunks: Vec<Vec<u8>> = vec![
        b"\xef\xbb\xbf: a comment\r\nev".to_vec(),
        b"ent: tick\r".to_vec(),
        b"\nid: 1\r\ndata: {\"count\": 1, \"lab".to_vec(),
        b"el\": \"caf\xc3".to_vec(),
        b"\xa9\"}\r\n\r\ndata: {\"count\": 2}\n\n".to_vec(),
        b"data: {\"count\": 3}\n".to_vec(),
    ];
    tokio::spawn(serve_chunks(listener, chunks));
    let client = sse::client::Client::new(base);
    let events = drain(client.stream_ticks(&sse::types::StreamTicksQuery::default()).await.expect("streams")).await;
    assert_eq!(
        events,
        [Event { event: Some("tick".into()), id: Some("1".into()), ..Event::new(Tick::new(1).label("café")) }, Event::new(Tick::new(2)),],
        "the third event never ends, so it is dropped"
    );
}

#[tokio::test]
async fn data_that_does_not_fit_is_an_error_and_the_stream_goes_on() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("has an address"));
    tokio::spawn(serve_chunks(listener, vec![b"data: not json\n\ndata: {\"count\": 4}\n\n".to_vec()]));
    let client = sse::client::Client::new(base);
    let mut stream = client.stream_ticks(&sse::types::StreamTicksQuery::default()).await.expect("streams");
    match stream.next().await {
        Some(Err(sse::media::EventStreamError::Data { data, .. })) => assert_eq!(data, "not json"),
        other => panic!("expected a data error, got {other:?}"),
    }
    assert_eq!(stream.next().await.map(|e| e.map(|e| e.data.count).ok()), Some(Some(4)));
    assert!(stream.next().await.is_none());
}

/// The parser on its own: a stream exercising every rule, fed whole, byte by
/// byte, and split in two at every position.
#[test]
fn the_parser_reads_a_stream_however_it_is_split() {
    let stream: &[u8] = b"\xef\xbb\xbfretry: 3000\r\n: comment\r\nevent: first\r\nid: a\r\ndata: one\r\ndata:two\r\n\r\n\
        data\rdata: \r\r\
        event: no data\nid: b\n\n\
        id: c\ndata: \xc3\xa9t\xc3\xa9\nretry: soon\nunknown: field\n\n\
        event:\ndata: {\"x\": 1}\n\n\
        data: unfinished\n";
    let expected = vec![
        Event { event: Some("first".into()), id: Some("a".into()), retry: Some(3000), ..Event::new("one\ntwo".to_owned()) },
        Event::new("\n".to_owned()),
        Event { id: Some("c".into()), ..Event::new("été".to_owned()) },
        Event::new("{\"x\": 1}".to_owned()),
    ];

    let mut whole = EventParser::new();
    assert_eq!(whole.push(stream), expected);
    assert_eq!(whole.last_event_id(), Some("c"), "an event without data still sets the id");

    let mut bytewise = EventParser::new();
    let events: Vec<_> = stream.iter().flat_map(|byte| bytewise.push(std::slice::from_ref(byte))).collect();
    assert_eq!(events, expected, "byte by byte");

    for split in 0..=stream.len() {
        let mut parser = EventParser::new();
        let mut events = parser.push(&stream[..split]);
        events.extend(parser.push(&stream[split..]));
        assert_eq!(events, expected, "split at {split}");
    }
}

#[test]
fn frames_are_read_back_as_the_events_they_encode() {
    let events = vec![
        Event { event: Some("a\nb".into()), id: Some("1\r2".into()), retry: Some(10), ..Event::new("x\r\ny\rz".to_owned()) },
        Event::new(String::new()),
    ];
    let mut parser = EventParser::new();
    let mut read = Vec::new();
    for event in &events {
        read.extend(parser.push(event.to_frame(|data| Ok(data.clone())).expect("encodes").as_bytes()));
    }
    assert_eq!(
        read,
        [
            Event { event: Some("a b".into()), id: Some("1 2".into()), retry: Some(10), ..Event::new("x\ny\nz".to_owned()) },
            Event::new(String::new()),
        ]
    );
}

#[tokio::test]
async fn a_channel_ends_when_its_senders_are_gone_and_refuses_events_once_the_stream_is() {
    let (sender, stream) = EventStream::<u32>::channel();
    let other = sender.clone();
    sender.send(Event::new(1)).expect("open");
    drop(sender);
    other.send(Event::new(2)).expect("open");
    drop(other);
    let data: Vec<u32> = drain(stream).await.into_iter().map(|e| e.data).collect();
    assert_eq!(data, [1, 2]);

    let (sender, stream) = EventStream::<u32>::channel();
    drop(stream);
    assert_eq!(sender.send(Event::new(3)), Err(Event::new(3)));
}
