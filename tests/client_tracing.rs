//! The `tracing` feature of a generated client (clawguru-v1): each call runs in
//! a span with its operation, method, path template, final status and attempts,
//! and no secret. A binary of its own: tracing caches, per call site, whether
//! any subscriber wants it, and a test running beside this one on another
//! thread, with no subscriber, can settle that cache to "never" before this
//! test's subscriber is in place.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[path = "support/scripted.rs"]
mod scripted;

use scripted::*;

/// A span's name and its fields as text.
type Recorded = (String, BTreeMap<String, String>);

/// A subscriber that keeps the fields of every span, by span.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Recorded>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for Spans {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = BTreeMap::new();
        span.record(&mut Fields(&mut fields));
        let mut spans = self.0.lock().expect("spans lock");
        spans.push((span.metadata().name().to_owned(), fields));
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        if let Some((_, fields)) = self.0.lock().expect("spans lock").get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn each_call_runs_in_a_span_without_secrets() {
    let (base, _) = serve(vec![Scripted::Answer(503, vec![("retry-after", "0".to_owned())], String::new())]).await;
    let spans = Spans::default();
    let _default = tracing::subscriber::set_default(spans.clone());
    client(&base).with_retry_policy(quick_retries()).get_runbook("rb-1").await.expect("a 200 after the retry");

    let recorded = spans.0.lock().expect("spans lock").clone();
    let calls: Vec<_> = recorded.iter().filter(|(name, _)| name == "clawgen.call").map(|(_, fields)| fields.clone()).collect();
    assert_eq!(calls.len(), 1, "{recorded:?}");
    let text = |name: &str| calls[0].get(name).cloned().unwrap_or_default();
    assert_eq!(text("operation"), "getRunbook");
    assert_eq!(text("path"), "/v1/runbook/{id}");
    assert_eq!(text("method"), "GET");
    assert_eq!(text("status"), "200");
    assert_eq!(text("attempts"), "2");
    assert!(!format!("{recorded:?}").contains("s3cret"), "{recorded:?}");
}
