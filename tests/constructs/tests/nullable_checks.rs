//! A value that may be null is held to its schema's constraints when it is not
//! (`nullability.yaml`): a body that may be null, and list items that may be.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use constructs::nullability::{errors, server};

mod common;
use common::serve;

/// The body of `putTags`: a map, or `null`.
type Tags = Option<BTreeMap<String, String>>;

#[derive(Clone, Default)]
struct Recorder {
    tags: Arc<Mutex<Vec<Tags>>>,
    aliases: Arc<Mutex<Vec<Vec<Option<String>>>>>,
}

impl server::NullabilityApi for Recorder {
    async fn put_tags(&self, _cx: server::RequestContext, body: Option<BTreeMap<String, String>>) -> Result<(), errors::PutTagsError> {
        self.tags.lock().expect("unpoisoned").push(body);
        Ok(())
    }

    async fn put_aliases(&self, _cx: server::RequestContext, body: Vec<Option<String>>) -> Result<(), errors::PutAliasesError> {
        self.aliases.lock().expect("unpoisoned").push(body);
        Ok(())
    }
}

async fn put(base: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new().put(format!("{base}{path}")).json(&body).send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_body_that_may_be_null_is_held_to_its_count_and_values_when_it_is_not() {
    let recorder = Recorder::default();
    let base = serve(server::router(recorder.clone())).await;
    assert_eq!(put(&base, "/tags", serde_json::json!(null)).await.0, 204);
    assert_eq!(put(&base, "/tags", serde_json::json!({"a": "abc", "b": "x"})).await.0, 204);
    let (status, answer) = put(&base, "/tags", serde_json::json!({"a": "1", "b": "2", "c": "3"})).await;
    assert_eq!((status, answer), (400, serde_json::json!({"message": "must have at most 2 properties"})));
    let (status, answer) = put(&base, "/tags", serde_json::json!({"a": "abcd"})).await;
    assert_eq!((status, answer), (400, serde_json::json!({"message": "a: must have at most 3 characters"})));
    let stored = recorder.tags.lock().expect("unpoisoned").clone();
    assert_eq!(stored, [None, Some(BTreeMap::from([("a".into(), "abc".into()), ("b".into(), "x".into())]))]);
}

#[tokio::test]
async fn items_that_may_be_null_are_held_to_their_length_when_they_are_not() {
    let recorder = Recorder::default();
    let base = serve(server::router(recorder.clone())).await;
    assert_eq!(put(&base, "/aliases", serde_json::json!(["abc", null])).await.0, 204);
    let (status, answer) = put(&base, "/aliases", serde_json::json!([null, "abcd"])).await;
    assert_eq!((status, answer), (400, serde_json::json!({"message": "1: must have at most 3 characters"})));
    assert_eq!(*recorder.aliases.lock().expect("unpoisoned"), [vec![Some("abc".to_owned()), None]]);
}
