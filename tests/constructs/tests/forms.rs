//! Bodies offered in several forms (`forms.yaml`): each media type whose schema
//! differs, or that cannot be read into another's type, is a variant of the
//! operation's body enum. The generated client sends each variant in its media
//! type and the generated server reads it back as that variant, on 127.0.0.1.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use constructs::forms::{self, errors, media, server, types};

mod common;
use common::serve;

/// Keeps every body it receives, with the `Content-Type` it came in.
#[derive(Clone, Default)]
struct Recorder {
    messages: Arc<Mutex<Vec<(types::CreateMessageBody, String)>>>,
    patches: Arc<Mutex<Vec<(types::PatchObjectBody, String)>>>,
    notes: Arc<Mutex<Vec<Option<types::PutNoteBody>>>>,
    signups: Arc<Mutex<Vec<types::Signup>>>,
    invites: Arc<Mutex<Vec<types::CreateInviteRequest>>>,
    quotas: Arc<Mutex<Vec<BTreeMap<String, i64>>>>,
    flags: Arc<Mutex<Vec<types::PutFlagsRequest>>>,
}

fn content_type(cx: &server::RequestContext) -> String {
    cx.parts.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

impl server::FormsApi for Recorder {
    async fn create_message(
        &self,
        cx: server::RequestContext,
        body: types::CreateMessageBody,
    ) -> Result<types::Receipt, errors::CreateMessageError> {
        self.messages.lock().expect("unpoisoned").push((body, content_type(&cx)));
        Ok(types::Receipt::new("stored"))
    }

    async fn patch_object(
        &self,
        cx: server::RequestContext,
        _name: String,
        body: types::PatchObjectBody,
    ) -> Result<types::Receipt, errors::PatchObjectError> {
        let kind = match &body {
            types::PatchObjectBody::JsonPatchJson(_) => "json patch",
            types::PatchObjectBody::MergePatchJson(_) => "merge patch",
            types::PatchObjectBody::StrategicMergePatchJson(_) => "strategic merge patch",
            types::PatchObjectBody::ApplyPatchYaml(_) => "apply patch",
            _ => "unknown",
        };
        self.patches.lock().expect("unpoisoned").push((body, content_type(&cx)));
        Ok(types::Receipt::new(kind))
    }

    async fn put_note(&self, _cx: server::RequestContext, body: Option<types::PutNoteBody>) -> Result<(), errors::PutNoteError> {
        self.notes.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn signup(&self, cx: server::RequestContext, body: types::Signup) -> Result<types::Receipt, errors::SignupError> {
        self.signups.lock().expect("unpoisoned").push(body);
        Ok(types::Receipt::new(content_type(&cx)))
    }

    async fn create_invite(
        &self,
        _cx: server::RequestContext,
        body: types::CreateInviteRequest,
    ) -> Result<types::Receipt, errors::CreateInviteError> {
        let kind = match &body {
            types::CreateInviteRequest::GuildInvite(_) => "guild",
            types::CreateInviteRequest::GroupInvite(_) => "group",
            _ => "unknown",
        };
        self.invites.lock().expect("unpoisoned").push(body);
        Ok(types::Receipt::new(kind))
    }

    async fn put_quotas(&self, _cx: server::RequestContext, body: BTreeMap<String, i64>) -> Result<(), errors::PutQuotasError> {
        self.quotas.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn put_flags(&self, _cx: server::RequestContext, body: types::PutFlagsRequest) -> Result<(), errors::PutFlagsError> {
        self.flags.lock().expect("unpoisoned").push(body);
        Ok(())
    }
}

async fn started() -> (Recorder, forms::client::Client, String) {
    let recorder = Recorder::default();
    let base = serve(server::router(recorder.clone())).await;
    (recorder, forms::client::Client::new(&base), base)
}

#[tokio::test]
async fn a_form_that_adds_a_file_travels_as_multipart_and_the_shared_schema_in_json_or_a_form() {
    let (recorder, client, base) = started().await;
    let json = types::CreateMessageBody::Json(types::Message::new("hello").pinned(true));
    client.create_message(&json).await.expect("sent as JSON");
    forms::client::Client::new(&base).with_body_encoding(media::BodyEncoding::Form).create_message(&json).await.expect("sent as a form");
    let upload = types::CreateMessageBody::Multipart(types::CreateMessageMultipartRequest::new("look").attachment(media::File::new(
        "cat.png",
        "image/png",
        vec![0x89, b'P'],
    )));
    client.create_message(&upload).await.expect("sent as multipart");
    let received = recorder.messages.lock().expect("unpoisoned").clone();
    assert_eq!(received.len(), 3);
    assert_eq!(received[0], (json.clone(), "application/json".to_owned()));
    assert_eq!(received[1], (json, "application/x-www-form-urlencoded".to_owned()));
    assert_eq!(received[2].0, upload);
    assert!(received[2].1.starts_with("multipart/form-data; boundary="), "{}", received[2].1);
}

#[tokio::test]
async fn media_types_of_one_schema_stay_apart_where_the_media_type_is_the_meaning() {
    let (recorder, client, _) = started().await;
    let object = types::Object::default().replicas(3);
    let patches = [
        (
            types::PatchObjectBody::JsonPatchJson(vec![types::PatchOperation::new(types::PatchOperationOp::Replace, "/replicas")]),
            "application/json-patch+json",
            "json patch",
        ),
        (types::PatchObjectBody::MergePatchJson(object.clone()), "application/merge-patch+json", "merge patch"),
        (types::PatchObjectBody::StrategicMergePatchJson(object), "application/strategic-merge-patch+json", "strategic merge patch"),
        (
            types::PatchObjectBody::ApplyPatchYaml(media::Raw {
                content_type: "application/apply-patch+yaml".into(),
                bytes: b"replicas: 3\n".to_vec(),
            }),
            "application/apply-patch+yaml",
            "apply patch",
        ),
    ];
    for (patch, media_type, kind) in &patches {
        let receipt = client.patch_object("web", patch).await.expect("patched");
        assert_eq!(receipt.kind, *kind);
        let (received, sent_as) = recorder.patches.lock().expect("unpoisoned").pop().expect("one patch");
        assert_eq!((&received, sent_as.as_str()), (patch, *media_type));
    }
}

#[tokio::test]
async fn an_optional_body_arrives_in_the_form_its_media_type_names() {
    let (recorder, client, _) = started().await;
    client.put_note(None).await.expect("no body");
    let note = types::PutNoteBody::Json(types::Note::new("remember"));
    client.put_note(Some(&note)).await.expect("JSON");
    let text = types::PutNoteBody::Text("milk".into());
    client.put_note(Some(&text)).await.expect("text");
    // `*/*` takes any media type the other forms do not name.
    let image = types::PutNoteBody::Any(media::Raw { content_type: "image/png".into(), bytes: vec![0x89, b'P', b'N', b'G'] });
    client.put_note(Some(&image)).await.expect("bytes");
    assert_eq!(*recorder.notes.lock().expect("unpoisoned"), [None, Some(note), Some(text), Some(image)]);
}

/// Sends `body` as `content_type` to `path` with `method`: the status and the JSON answer (if any).
async fn send(method: reqwest::Method, url: String, content_type: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let response =
        reqwest::Client::new().request(method, url).header("content-type", content_type).body(body).send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn each_form_is_checked_against_its_own_schema() {
    let (recorder, _, base) = started().await;
    let put =
        |content_type: &'static str, body: &'static str| send(reqwest::Method::PUT, format!("{base}/notes"), content_type, body.into());
    // Text may be 5 characters, a JSON note's text 10.
    assert_eq!(put("text/plain", "milk").await.0, 204);
    let (status, answer) = put("text/plain", "bread!").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(put("application/json", r#"{"text": "bread and milk"}"#).await.0, 400);
    assert_eq!(put("application/json", r#"{"text": "bread!"}"#).await.0, 204);
    assert_eq!(put("application/json", r#"{"note": "bread!"}"#).await.0, 400, "a JSON note needs its text");
    let notes = recorder.notes.lock().expect("unpoisoned").clone();
    assert_eq!(notes, [Some(types::PutNoteBody::Text("milk".into())), Some(types::PutNoteBody::Json(types::Note::new("bread!")))]);

    // The multipart form is the shared schema's too: its content is limited to 20 characters.
    let boundary = "XyZ";
    let multipart = |content: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n{content}\r\n--{boundary}--\r\n").into_bytes()
    };
    let multipart_type = format!("multipart/form-data; boundary={boundary}");
    let post = |body: Vec<u8>| send(reqwest::Method::POST, format!("{base}/messages"), &multipart_type, body);
    let (status, answer) = post(multipart("far too long for a message")).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("content")), "{answer}");
    let (status, answer) = post(multipart("short")).await;
    assert_eq!(status, 201, "{answer}");
    let (received, _) = recorder.messages.lock().expect("unpoisoned").pop().expect("one message");
    assert_eq!(received, types::CreateMessageBody::Multipart(types::CreateMessageMultipartRequest::new("short")));
}

#[tokio::test]
async fn a_media_type_no_form_reads_is_415_naming_every_one_that_is_read() {
    let (recorder, _, base) = started().await;
    let (status, answer) = send(reqwest::Method::PATCH, format!("{base}/objects/web"), "application/json", b"{}".to_vec()).await;
    assert_eq!(status, 415, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    for media_type in ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"] {
        assert!(message.contains(media_type), "{media_type} in {message}");
    }
    assert!(recorder.patches.lock().expect("unpoisoned").is_empty());
}

/// A form's lists and maps travel as its `encoding` spells them (a list as
/// repeated names, `pipeDelimited` ids, a `deepObject` map), which
/// `serde_urlencoded` cannot write or read, and come back as they were sent.
#[tokio::test]
async fn a_form_with_lists_and_a_map_travels_as_its_encoding_spells_it() {
    let (recorder, client, base) = started().await;
    // Nested objects and a list of objects, `deepObject`: `billing[address][postal_code]=0150`, `lines[0][quantity]=2`.
    let address = types::SignupBillingAddress::new("0150").city("Oslo");
    let signup = types::Signup::new("Ann Lee", vec![types::SignupTasksItem::Manage, types::SignupTasksItem::Develop])
        .ids(vec![1, 2])
        .metadata([("plan".to_owned(), "a&b".to_owned())].into())
        .billing(types::SignupBilling::new(address).with_default(true))
        .lines(vec![types::SignupLinesItem::new("price_1", 2), types::SignupLinesItem::new("0042", 1)]);
    let receipt = client.signup(&signup).await.expect("sent as a form");
    assert_eq!(receipt.kind, "application/x-www-form-urlencoded");
    // As another client would write it: one task, ids joined by `|`, the map's entries by name.
    let form = b"user=Bo&tasks=VIEW&ids=3%7C4&metadata%5Bplan%5D=free".to_vec();
    let (status, _) = send(reqwest::Method::POST, format!("{base}/signups"), "application/x-www-form-urlencoded", form).await;
    assert_eq!(status, 201);
    let received = recorder.signups.lock().expect("unpoisoned").clone();
    let by_hand = types::Signup::new("Bo", vec![types::SignupTasksItem::View])
        .ids(vec![3, 4])
        .metadata([("plan".to_owned(), "free".to_owned())].into());
    assert_eq!(received, [signup, by_hand]);
    // A value the enum does not list, a form without the required user, and a nested value that breaks its
    // schema's constraint or type, are refused.
    for form in [
        "user=Bo&tasks=FLY",
        "tasks=VIEW",
        "user=Bo&tasks=VIEW&lines[0][price]=p&lines[0][quantity]=0",
        "user=Bo&tasks=VIEW&lines[0][price]=p&lines[0][quantity]=two",
    ] {
        let (status, _) = send(reqwest::Method::POST, format!("{base}/signups"), "application/x-www-form-urlencoded", form.into()).await;
        assert_eq!(status, 400, "{form}");
    }
}

/// Forms that are not one struct of named properties: a union of objects, a
/// map, a struct with additional properties. Their values are typed as their
/// schemas say (an integer in a union variant, a map's integers), where
/// `serde_urlencoded` gives every value as text and an untagged union then
/// refuses a number.
#[tokio::test]
async fn forms_of_unions_maps_and_open_objects_read_their_values_as_typed() {
    let (recorder, client, base) = started().await;
    let guild = types::CreateInviteRequest::GuildInvite(types::GuildInvite::new(5).temporary(true).max_age(60));
    assert_eq!(client.create_invite(&guild).await.expect("a guild invite").kind, "guild");
    // Digits in a text property stay text; `max_age` is a number in this variant.
    let group = types::CreateInviteRequest::GroupInvite(types::GroupInvite::new("7").max_age(1.5));
    assert_eq!(client.create_invite(&group).await.expect("a group invite").kind, "group");
    assert_eq!(*recorder.invites.lock().expect("unpoisoned"), [guild, group]);

    let quotas = BTreeMap::from([("cpu".to_owned(), 4), ("disk".to_owned(), -100)]);
    client.put_quotas(&quotas).await.expect("a map of integers");
    let mut flags = types::PutFlagsRequest::new("42").limit(3);
    flags.additional_properties = [("beta".to_owned(), true), ("dark".to_owned(), false)].into();
    client.put_flags(&flags).await.expect("an open object");
    assert_eq!(*recorder.quotas.lock().expect("unpoisoned"), [quotas]);
    assert_eq!(*recorder.flags.lock().expect("unpoisoned"), [flags]);

    // As another client would write them.
    let form = |path: &str, body: &str| {
        send(
            if path == "/invites" { reqwest::Method::POST } else { reqwest::Method::PUT },
            format!("{base}{path}"),
            "application/x-www-form-urlencoded",
            body.as_bytes().to_vec(),
        )
    };
    let (status, answer) = form("/invites", "max_uses=100&temporary=false").await;
    assert_eq!((status, answer["kind"].as_str()), (201, Some("guild")), "{answer}");
    let (status, answer) = form("/invites", "recipient_id=12").await;
    assert_eq!((status, answer["kind"].as_str()), (201, Some("group")), "{answer}");
    assert_eq!(form("/quotas", "gpu=2").await.0, 204);
    assert_eq!(form("/flags", "owner=me&public=true").await.0, 204);
    let last_invites: Vec<_> = recorder.invites.lock().expect("unpoisoned").drain(2..).collect();
    assert_eq!(
        last_invites,
        [
            types::CreateInviteRequest::GuildInvite(types::GuildInvite::new(100).temporary(false)),
            types::CreateInviteRequest::GroupInvite(types::GroupInvite::new("12")),
        ]
    );
    assert_eq!(recorder.quotas.lock().expect("unpoisoned")[1], BTreeMap::from([("gpu".to_owned(), 2)]));
    let mut public = types::PutFlagsRequest::new("me");
    public.additional_properties = [("public".to_owned(), true)].into();
    assert_eq!(recorder.flags.lock().expect("unpoisoned")[1], public);
    // Values their schemas refuse: beyond a variant's maximum and no other variant fits, not an integer, not a boolean.
    for (path, body) in [
        ("/invites", "max_uses=101"),
        ("/invites", "temporary=true"),
        ("/quotas", "gpu=two"),
        ("/flags", "owner=me&public=yes"),
        ("/flags", "owner=me&limit=11"),
    ] {
        let (status, answer) = form(path, body).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
    }
}
