//! A POST is retried after a 502 only when the operation declares an
//! `Idempotency-Key` header, which lets the server recognise the repeat.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use constructs::idempotency::{
    client::{Client, ClientError, RetryPolicy},
    errors::{CreatePaymentError, CreateRefundError},
    server, types,
};

/// Answers the first call of each operation with 502 (as a gateway would), the next ones with the resource.
#[derive(Clone, Default)]
struct Flaky {
    payments: Arc<AtomicU32>,
    refunds: Arc<AtomicU32>,
}

impl server::IdempotencyApi for Flaky {
    async fn create_payment(&self, _cx: server::RequestContext, idempotency_key: String) -> Result<types::Payment, CreatePaymentError> {
        match self.payments.fetch_add(1, Ordering::SeqCst) {
            0 => Err(CreatePaymentError::Undocumented { status: 502, body: String::from("upstream trouble") }),
            _ => Ok(types::Payment::new(idempotency_key)),
        }
    }

    async fn create_refund(&self, _cx: server::RequestContext) -> Result<types::Payment, CreateRefundError> {
        match self.refunds.fetch_add(1, Ordering::SeqCst) {
            0 => Err(CreateRefundError::Undocumented { status: 502, body: String::from("upstream trouble") }),
            _ => Ok(types::Payment::new("refund")),
        }
    }
}

async fn serve(api: Flaky) -> String {
    common::serve(server::router(api)).await
}

fn client(base: &str) -> Client {
    let policy = RetryPolicy { max_retries: 2, max_wait: Duration::from_secs(5), initial_backoff: Duration::from_millis(1) };
    Client::new(base).with_retry_policy(policy)
}

#[tokio::test]
async fn a_post_with_an_idempotency_key_is_retried() {
    let api = Flaky::default();
    let base = serve(api.clone()).await;
    let payment = client(&base).create_payment("pay-1").await.expect("the retry's 201");
    assert_eq!(payment.id, "pay-1");
    assert_eq!(api.payments.load(Ordering::SeqCst), 2, "sent twice");
}

#[tokio::test]
async fn a_post_without_one_is_sent_once() {
    let api = Flaky::default();
    let base = serve(api.clone()).await;
    let error = client(&base).create_refund().await.expect_err("the 502");
    assert!(matches!(&error, ClientError::Api { error: CreateRefundError::Undocumented { status: 502, .. }, .. }), "{error:?}");
    assert_eq!(api.refunds.load(Ordering::SeqCst), 1, "a POST is sent once");
}
