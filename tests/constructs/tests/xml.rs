//! Request bodies offered in several media types: the generated client sends
//! JSON, XML or a form to the generated server, on 127.0.0.1, and each arrives
//! as the same typed value; a media type the operation does not accept is
//! refused with 415 in the API's error format.

use std::sync::{Arc, Mutex};

use constructs::xml_bodies::{self as xml, errors, media::BodyEncoding, types};

mod common;
use common::serve;

/// Keeps every body it receives, with the `Content-Type` it came in.
#[derive(Clone, Default)]
struct Recorder {
    planets: Arc<Mutex<Vec<(String, types::Planet)>>>,
    moons: Arc<Mutex<Vec<(String, types::Moon)>>>,
}

fn content_type(cx: &xml::server::RequestContext) -> String {
    cx.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

impl xml::server::XmlApi for Recorder {
    async fn create_planet(
        &self,
        cx: xml::server::RequestContext,
        body: types::Planet,
    ) -> Result<types::Planet, errors::CreatePlanetError> {
        self.planets.lock().expect("unpoisoned").push((content_type(&cx), body.clone()));
        Ok(body)
    }

    async fn create_moon(&self, cx: xml::server::RequestContext, body: types::Moon) -> Result<types::Moon, errors::CreateMoonError> {
        self.moons.lock().expect("unpoisoned").push((content_type(&cx), body.clone()));
        Ok(body)
    }
}

fn mars() -> types::Planet {
    let mut measurements = std::collections::BTreeMap::new();
    measurements.insert("gravity".to_owned(), 0.378);
    types::Planet::new(4, "Mars & <the red one>")
        .habitable(None)
        .mass(0.107)
        .moons(vec![types::Moon::new("Phobos").radius(11.2667), types::Moon::new("Deimos")])
        .tags(vec!["red".to_owned(), "dusty".to_owned()])
        .catalogue("M-4")
        .measurements(measurements)
        .code("m4")
}

#[tokio::test]
async fn a_body_sent_as_json_and_as_xml_arrives_as_the_same_value() {
    let recorder = Recorder::default();
    let base = serve(xml::server::router(recorder.clone())).await;
    let client = xml::client::Client::new(&base);
    let planet = mars();
    assert_eq!(client.create_planet(&planet).await.expect("stored as JSON"), planet);
    let as_xml = client.clone().with_body_encoding(BodyEncoding::Xml);
    assert_eq!(as_xml.create_planet(&planet).await.expect("stored as XML"), planet);
    // An encoding the operation does not accept: its preferred one, JSON.
    let as_form = client.clone().with_body_encoding(BodyEncoding::Form);
    assert_eq!(as_form.create_planet(&planet).await.expect("stored as JSON"), planet);
    let received = recorder.planets.lock().expect("unpoisoned").clone();
    let types_sent: Vec<&str> = received.iter().map(|(media, _)| media.as_str()).collect();
    assert_eq!(types_sent, ["application/json", "application/xml", "application/json"]);
    assert!(received.iter().all(|(_, body)| *body == planet));
}

#[tokio::test]
async fn a_form_and_text_xml_are_read_where_the_operation_offers_them() {
    let recorder = Recorder::default();
    let client = xml::client::Client::new(serve(xml::server::router(recorder.clone())).await);
    let moon = types::Moon::new("Io").radius(1821.6);
    for encoding in [BodyEncoding::Json, BodyEncoding::Form, BodyEncoding::Xml] {
        assert_eq!(client.clone().with_body_encoding(encoding).create_moon(&moon).await.expect("stored"), moon);
    }
    let received = recorder.moons.lock().expect("unpoisoned").clone();
    let types_sent: Vec<&str> = received.iter().map(|(media, _)| media.as_str()).collect();
    assert_eq!(types_sent, ["application/json", "application/x-www-form-urlencoded", "text/xml"]);
    assert!(received.iter().all(|(_, body)| *body == moon));
}

/// Posts `body` as `content_type`; returns the status and the JSON answer.
async fn post(base: &str, content_type: &str, body: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/planets"))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn xml_written_by_hand_follows_the_documents_xml_objects() {
    let recorder = Recorder::default();
    let base = serve(xml::server::router(recorder.clone())).await;
    // `id` an attribute, `moons` wrapped, `tags` repeated as `tag`, `catalogue` as `c:cat`
    // (its namespace not checked), `habitable` nil, numbers as text.
    let document = r#"<?xml version="1.0"?>
        <planet id="4" xmlns:c="urn:catalogue" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <name>Mars &amp; &lt;the red one&gt;</name>
          <habitable xsi:nil="true"/>
          <mass>0.107</mass>
          <moons><moon><name>Phobos</name><radius>11.2667</radius></moon><moon><name>Deimos</name></moon></moons>
          <tag>red</tag><tag>dusty</tag>
          <c:cat>M-4</c:cat>
          <measurements><gravity>0.378</gravity></measurements>
          <code>m4</code>
        </planet>"#;
    let (status, answer) = post(&base, "application/xml; charset=utf-8", document).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(recorder.planets.lock().expect("unpoisoned")[0].1, mars());
    // The same checks as JSON: a constraint broken, a required property missing (`code` is write-only:
    // an `Option` in Rust, required in requests), a number that is not one, a document cut short.
    for bad in [
        r#"<planet id="4"><name></name><code>c</code></planet>"#,
        r#"<planet><name>x</name><code>c</code></planet>"#,
        r#"<planet id="4"><name>x</name></planet>"#,
        r#"<planet id="4"><name>x</name><mass>heavy</mass><code>c</code></planet>"#,
        r#"<planet id="4"><name>x</name>"#,
    ] {
        let (status, answer) = post(&base, "application/xml", bad).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_required_write_only_property_is_required_in_json_requests_too() {
    let base = serve(xml::server::router(Recorder::default())).await;
    let (status, answer) = post(&base, "application/json", r#"{"id": 4, "name": "x"}"#).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("code")), "{answer}");
    let (status, answer) = post(&base, "application/json", r#"{"id": 4, "name": "x", "code": "c"}"#).await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn a_media_type_the_operation_does_not_read_is_415_in_the_apis_error_format() {
    let base = serve(xml::server::router(Recorder::default())).await;
    // None of these is offered (a media type offered with another schema is a form of its own: tests/forms.rs).
    for content_type in ["text/plain", "text/csv", "application/x-www-form-urlencoded"] {
        let (status, answer) = post(&base, content_type, "name=x").await;
        assert_eq!(status, 415, "{content_type}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| m.contains("application/xml")), "{answer}");
    }
}
