//! A callback's payload is typed, and the receiver trait gets it.

use std::sync::{Arc, Mutex};

use constructs::callbacks::{server, types::Reading, webhooks::Event};

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Reading>>>);

impl server::CallbacksWebhooks for Recorder {
    async fn post_on_reading(&self, event: Reading, _raw_body: axum::body::Bytes) -> Result<(), String> {
        self.0.lock().expect("not poisoned").push(event);
        Ok(())
    }
}

#[tokio::test]
async fn the_receiver_hands_a_callback_to_its_trait_method() {
    let recorder = Recorder::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let app = server::webhook_receiver(recorder.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });

    let delivered = reqwest::Client::new()
        .post(format!("http://{address}/"))
        .json(&serde_json::json!({"sensor": "s1", "value": 21.5}))
        .send()
        .await
        .expect("sends");
    assert!(delivered.status().is_success(), "{}", delivered.status());
    assert_eq!(*recorder.0.lock().expect("not poisoned"), vec![Reading::new("s1", 21.5)]);

    let refused =
        reqwest::Client::new().post(format!("http://{address}/")).json(&serde_json::json!({"sensor": 1})).send().await.expect("sends");
    assert_eq!(refused.status().as_u16(), 400, "a payload that fits no callback is refused");
}

#[test]
fn the_event_names_its_callback() {
    let event = Event::from_slice(br#"{"sensor": "s", "value": 1}"#).expect("decodes");
    assert_eq!(event.webhook(), "onReading");
}
