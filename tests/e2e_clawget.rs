//! End-to-end test of the generated `clawget_v1` crate (from `specs/clawget.yaml`).
//!
//! Each test starts the GENERATED axum server (`clawget_v1::server::router`) on
//! 127.0.0.1 with an in-memory implementation of `ClawgetApi` that has real
//! behaviour, and talks to it with the GENERATED typed client
//! (`clawget_v1::client::Client`) over real HTTP, plus raw HTTP/1.1 over a tokio
//! `TcpStream` where the wire itself is the point.
//!
//! The implementation keeps a listing store (`BTreeMap`), a soul directory, a
//! USDT wallet with a spending limit per soul, purchases, transactions, activity
//! streams, a webhook registry (which signs `purchase.completed` deliveries into
//! an outbox with the generated `webhooks::sign`), and API keys with scopes,
//! revocation and refresh. Its `authorize` enforces the scopes that the
//! generated `Operation::security()` table lists, and its `rate_limit` hook keeps
//! a per-key budget over a real clock.
//!
//! What this proves about the generated code:
//! - all 23 operations round-trip their request (path, query, JSON body) and
//!   their typed success envelope (`success`/`data`/`meta`), with the spec's
//!   201s for the four creating operations;
//! - every documented status of `purchaseListing` (400, 401, 402, 403, 404, 409,
//!   429, 500) reaches the client as its typed variant with the documented
//!   `error.code` in the `{"success": false, "error": {...}}` envelope;
//! - the server answers 401 `INVALID_API_KEY` without a key on every route
//!   before the implementation runs, and the client refuses to send without
//!   one (`MissingCredentials`); scopes from `Operation::security()` reach
//!   `authorize`, and its refusals become 401/403 envelopes;
//! - the `rate_limit` hook runs on every route: `X-RateLimit-*` on successes
//!   and on errors, a documented 429 with `Retry-After` on refusal,
//!   `Client::rate_limit()` tracks the last budget, and `RetryPolicy` waits a
//!   short `Retry-After` out but not a long one;
//! - webhooks: `webhooks::sign` is HMAC-SHA256 in lowercase hex, `receive`
//!   accepts exactly the signed, fresh (millisecond timestamps, 300 s
//!   tolerance), known events (also with a `sha256=` prefix), and the generated
//!   `webhook_receiver` answers 200/401/400/500 over real HTTP and hands the
//!   typed event to the `ClawgetWebhooks` implementation.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, Utc};
use clawget_v1::auth::{AuthError, Credentials, Operation};
use clawget_v1::client::{Client, ClientError, RetryPolicy};
use clawget_v1::errors::*;
use clawget_v1::rate_limit::{RateLimit, RateLimitDecision};
use clawget_v1::server::{self, ClawgetApi, ClawgetWebhooks, RequestContext};
use clawget_v1::types::*;
use clawget_v1::webhooks::{self, Event, WebhookError};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// All seven scopes; soul_alice (wallet 100.00 USDT, spending limit 50.00).
const FULL_KEY: &str = "clg_live_full";
/// All scopes; soul_k9m2x7, the seller of `listing_abc123`.
const SELLER_KEY: &str = "clg_live_seller";
/// Only the read scopes; soul_carol.
const READONLY_KEY: &str = "clg_live_readonly";
/// All scopes; soul_bob, whose wallet holds 10.50 USDT (the docs' example).
const POOR_KEY: &str = "clg_live_poor";
/// All scopes, soul_alice, but a budget of [`LIMITED_BUDGET`] requests per hour.
const LIMITED_KEY: &str = "clg_live_limited";
/// All scopes, soul_alice, one request per second.
const BURST_KEY: &str = "clg_live_burst";
/// A key the server never issued.
const UNKNOWN_KEY: &str = "clg_live_doesnotexist";

const LIMITED_BUDGET: u64 = 3;
const PRO_BUDGET: u64 = 1000;
/// The budget of requests that present no valid key (the Free tier).
const ANONYMOUS_BUDGET: u64 = 100;
const HOUR: Duration = Duration::from_secs(3600);

/// The server's logical clock starts here; every change advances it a minute.
const BASE_CLOCK: &str = "2025-02-03T14:30:00Z";
const INVALID_KEY_MESSAGE: &str = "API key invalid or expired";
const PERMISSION_MESSAGE: &str = "Operation not permitted by key scope";
const WEBHOOK_SECRET: &str = "webhook_secret_key";

const ALL_SCOPES: [Scope; 7] = [
    Scope::ListingsRead,
    Scope::ListingsWrite,
    Scope::PurchasesWrite,
    Scope::SoulsRead,
    Scope::ActivityRead,
    Scope::WebhooksManage,
    Scope::KeysManage,
];
const READ_SCOPES: [Scope; 3] = [Scope::ListingsRead, Scope::SoulsRead, Scope::ActivityRead];

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 literal")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn cents(price: f64) -> i64 {
    (price * 100.0).round() as i64
}

/// An amount in USDT cents.
const fn usd(units: i64, cents: i64) -> i64 {
    units * 100 + cents
}

/// A USDT decimal string, as the spec's `DecimalAmount`.
fn usdt(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970")
}

fn error_body(code: ErrorCode, message: impl Into<String>, details: &[(&str, Value)]) -> ErrorResponse {
    let mut detail = ErrorDetail::new(code, message);
    if !details.is_empty() {
        detail = detail.details(details.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect());
    }
    ErrorResponse::new(false, detail)
}

/// Whole seconds from now until `at` (rounded up; 0 once past).
fn seconds_from_now(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis() - i64::try_from(unix_now().as_millis()).expect("a sane clock"))
        .map_or(0, |millis| millis.div_ceil(1000))
}

fn listing_not_found(id: &str) -> ErrorResponse {
    error_body(ErrorCode::ListingNotFound, "Listing ID doesn't exist", &[("listingId", json!(id))])
}

fn not_found(what: &str) -> ErrorResponse {
    error_body(ErrorCode::Other("NOT_FOUND".to_owned()), format!("{what} not found"), &[])
}

fn not_yours() -> ErrorResponse {
    error_body(ErrorCode::InsufficientPermissions, "Only the seller may change this listing", &[])
}

fn validation_error(field: &str, reason: &str) -> ErrorResponse {
    error_body(
        ErrorCode::Other("VALIDATION_ERROR".to_owned()),
        format!("Invalid parameter: {field} {reason}"),
        &[("field", json!(field)), ("reason", json!(reason))],
    )
}

/// A 400 the generated router answers: the documented example's required parts, with its own message.
fn router_validation_error(message: &str) -> ErrorResponse {
    error_body(ErrorCode::Other("VALIDATION_ERROR".to_owned()), message, &[])
}

fn internal_error() -> ErrorResponse {
    error_body(ErrorCode::Other("INTERNAL_ERROR".to_owned()), "Internal server error", &[])
}

/// The spec's `listingId` pattern `^listing_[A-Za-z0-9]+$`.
fn is_listing_id(id: &str) -> bool {
    id.strip_prefix("listing_").is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|byte| byte.is_ascii_alphanumeric()))
}

fn paginate<T>(items: Vec<T>, page: i64, limit: i64) -> (Vec<T>, PaginationMeta) {
    let total = i64::try_from(items.len()).expect("a small store");
    let size = usize::try_from(limit).unwrap_or(0);
    let skip = usize::try_from(page - 1).unwrap_or(0).saturating_mul(size);
    (items.into_iter().skip(skip).take(size).collect(), PaginationMeta::new(page, limit, total))
}

// ---------------------------------------------------------------------------
// The in-memory implementation
// ---------------------------------------------------------------------------

struct KeyRecord {
    secret: String,
    soul_id: String,
    meta: ApiKey,
    /// Requests per window, and the window.
    budget: (u64, Duration),
}

struct Wallet {
    balance: i64,
    /// The most one purchase may cost.
    spending_limit: i64,
}

struct WebhookRecord {
    soul_id: String,
    secret: String,
    webhook: Webhook,
}

/// One signed webhook delivery the server would POST to `url`.
#[derive(Debug, Clone)]
struct Delivery {
    url: String,
    body: Vec<u8>,
    signature: String,
    timestamp_ms: u128,
}

/// A rate-limit window of one key.
struct Window {
    limit: u64,
    length: Duration,
    started: Instant,
    started_unix: u64,
    used: u64,
}

#[derive(Default, Clone, Copy)]
struct Usage {
    api_requests: i64,
    rate_limited: i64,
}

struct Store {
    /// Minutes since [`BASE_CLOCK`].
    tick: i64,
    counter: u32,
    listings: BTreeMap<String, Listing>,
    souls: BTreeMap<String, Soul>,
    wallets: HashMap<String, Wallet>,
    purchases: Vec<Purchase>,
    /// (soul, transaction)
    transactions: Vec<(String, Transaction)>,
    activity: Vec<SoulActivity>,
    webhooks: Vec<WebhookRecord>,
    keys: Vec<KeyRecord>,
    /// Per presented key (`""` when none).
    windows: HashMap<String, Window>,
    /// Per soul (`""` for requests without a valid key).
    usage: HashMap<String, Usage>,
    outbox: Vec<Delivery>,
}

impl Store {
    fn current(&self) -> DateTime<Utc> {
        at(BASE_CLOCK) + TimeDelta::minutes(self.tick)
    }

    /// Advances the logical clock: every change gets its own minute.
    fn now(&mut self) -> DateTime<Utc> {
        self.tick += 1;
        self.current()
    }

    fn next_number(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn valid_key(&self, secret: Option<&str>) -> Option<&KeyRecord> {
        let secret = secret?;
        let now = self.current();
        self.keys
            .iter()
            .find(|key| key.secret == secret && key.meta.revoked_at.is_none() && key.meta.expires_at.is_none_or(|expires| expires > now))
    }

    fn caller_key(&self, credentials: &Credentials) -> &KeyRecord {
        self.valid_key(credentials.api_key_auth.as_deref()).expect("authorize admitted this caller before the operation ran")
    }

    fn caller(&self, credentials: &Credentials) -> String {
        self.caller_key(credentials).soul_id.clone()
    }

    fn with_listing_count(&self, soul: &Soul) -> Soul {
        let count = self.listings.values().filter(|l| l.seller_id == soul.id && l.status == ListingStatus::Active).count();
        {
            let mut value = soul.clone();
            value.listing_count = i64::try_from(count).expect("small");
            value
        }
    }

    fn record_activity(&mut self, soul_id: &str, type_: SoulActivityType, listing_id: Option<&str>, summary: String) {
        let number = self.next_number();
        let occurred_at = self.current();
        self.activity.push({
            let mut value = SoulActivity::new(format!("act_{number:04}"), soul_id.to_owned(), type_, summary, occurred_at);
            value.listing_id = listing_id.map(str::to_owned);
            value
        });
    }

    fn record_transaction(&mut self, soul_id: &str, type_: TransactionType, amount: i64, reference: &str, description: String) {
        let number = self.next_number();
        let created_at = self.current();
        let wallet = self.wallets.get(soul_id).expect("every soul has a wallet");
        let direction = if matches!(type_, TransactionType::Sale | TransactionType::Deposit | TransactionType::Refund) {
            TransactionDirection::Credit
        } else {
            TransactionDirection::Debit
        };
        let transaction = Transaction::new(
            format!("txn_{number:04}"),
            type_,
            direction,
            usdt(amount),
            Currency::Usdt,
            usdt(wallet.balance),
            TransactionStatus::Completed,
            created_at,
        )
        .reference(reference.to_owned())
        .description(description);
        self.transactions.push((soul_id.to_owned(), transaction));
    }

    /// Signs a `purchase.completed` delivery for every subscribed endpoint of the buyer and the seller.
    fn queue_purchase_event(&mut self, purchase: &Purchase) {
        let event = PurchaseCompletedEvent::new(
            PurchaseCompletedEventEvent::PurchaseCompleted,
            purchase.created_at,
            PurchaseCompletedData::new(
                purchase.id.clone(),
                purchase.listing_id.clone(),
                purchase.buyer_id.clone(),
                purchase.amount.clone(),
                purchase.currency.clone(),
                purchase.license_key.clone(),
            ),
        );
        let body = serde_json::to_vec(&event).expect("the event serializes");
        let timestamp_ms = unix_now().as_millis();
        let deliveries: Vec<Delivery> = self
            .webhooks
            .iter()
            .filter(|hook| hook.soul_id == purchase.buyer_id || hook.soul_id == purchase.seller_id)
            .filter(|hook| hook.webhook.active && hook.webhook.events.contains(&WebhookEventType::PurchaseCompleted))
            .map(|hook| Delivery {
                url: hook.webhook.url.clone(),
                body: body.clone(),
                signature: webhooks::sign(hook.secret.as_bytes(), &body),
                timestamp_ms,
            })
            .collect();
        self.outbox.extend(deliveries);
    }

    fn issue_key(&mut self, soul_id: &str, name: &str, environment: ApiKeyEnvironment, scopes: Vec<Scope>) -> (String, ApiKey) {
        let number = self.next_number();
        let created_at = self.now();
        let secret = format!("clg_{environment}_k{number:04}x7f3q9z2m");
        let meta = ApiKey::new(format!("key_gen{number:04}"), name.to_owned(), secret[..12].to_owned(), environment, scopes, created_at);
        self.keys.push(KeyRecord { secret: secret.clone(), soul_id: soul_id.to_owned(), meta: meta.clone(), budget: (PRO_BUDGET, HOUR) });
        (secret, meta)
    }
}

struct Inner {
    store: Mutex<Store>,
    /// When set, the payment ledger fails and purchases answer 500.
    ledger_down: AtomicBool,
    authorize_calls: AtomicUsize,
    /// Calls of the operations themselves (not of the hooks).
    operation_calls: AtomicUsize,
}

#[derive(Clone)]
struct InMemoryClawget(Arc<Inner>);

impl InMemoryClawget {
    fn seeded() -> Self {
        let store = Store {
            tick: 0,
            counter: 0,
            listings: seed_listings().into_iter().map(|listing| (listing.id.clone(), listing)).collect(),
            souls: seed_souls().into_iter().map(|soul| (soul.id.clone(), soul)).collect(),
            wallets: [
                ("soul_alice", usd(100, 0), usd(50, 0)),
                ("soul_bob", usd(10, 50), usd(100, 0)),
                ("soul_carol", 0, usd(100, 0)),
                ("soul_k9m2x7", 0, usd(100, 0)),
                ("soul_m3n8b1", 0, usd(100, 0)),
            ]
            .into_iter()
            .map(|(soul, balance, spending_limit)| (soul.to_owned(), Wallet { balance, spending_limit }))
            .collect(),
            purchases: Vec::new(),
            transactions: vec![
                ("soul_alice".to_owned(), deposit("txn_seed1", usd(100, 0), "2025-01-15T09:00:00Z")),
                ("soul_bob".to_owned(), deposit("txn_seed2", usd(10, 50), "2025-01-16T09:00:00Z")),
            ],
            activity: seed_listings()
                .iter()
                .filter(|listing| listing.status == ListingStatus::Active)
                .map(|listing| {
                    SoulActivity::new(
                        format!("act_seed_{}", listing.id),
                        listing.seller_id.clone(),
                        SoulActivityType::ListingPublished,
                        format!("Published {}", listing.title),
                        listing.created_at,
                    )
                    .listing_id(listing.id.clone())
                })
                .collect(),
            webhooks: Vec::new(),
            keys: seed_keys(),
            windows: HashMap::new(),
            usage: HashMap::new(),
            outbox: Vec::new(),
        };
        Self(Arc::new(Inner {
            store: Mutex::new(store),
            ledger_down: AtomicBool::new(false),
            authorize_calls: AtomicUsize::new(0),
            operation_calls: AtomicUsize::new(0),
        }))
    }

    /// Locks the store for an operation, counting the call.
    fn enter(&self) -> MutexGuard<'_, Store> {
        self.0.operation_calls.fetch_add(1, Ordering::SeqCst);
        self.store()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.0.store.lock().expect("store lock")
    }

    fn operation_calls(&self) -> usize {
        self.0.operation_calls.load(Ordering::SeqCst)
    }

    fn authorize_calls(&self) -> usize {
        self.0.authorize_calls.load(Ordering::SeqCst)
    }

    fn balance(&self, soul: &str) -> i64 {
        self.store().wallets.get(soul).expect("a wallet").balance
    }

    fn outbox(&self) -> Vec<Delivery> {
        self.store().outbox.clone()
    }

    fn set_ledger_down(&self, down: bool) {
        self.0.ledger_down.store(down, Ordering::SeqCst);
    }
}

fn deposit(id: &str, amount: i64, when: &str) -> Transaction {
    Transaction::new(
        id.to_owned(),
        TransactionType::Deposit,
        TransactionDirection::Credit,
        usdt(amount),
        Currency::Usdt,
        usdt(amount),
        TransactionStatus::Completed,
        at(when),
    )
    .reference("trc20_0xabc".to_owned())
    .description("USDT deposit (TRC-20)".to_owned())
}

fn seed_keys() -> Vec<KeyRecord> {
    let key = |secret: &str, id: &str, soul: &str, scopes: &[Scope], budget: (u64, Duration), created: &str| KeyRecord {
        secret: secret.to_owned(),
        soul_id: soul.to_owned(),
        meta: ApiKey::new(
            id.to_owned(),
            format!("{id} agent"),
            secret[..12].to_owned(),
            ApiKeyEnvironment::Live,
            scopes.to_vec(),
            at(created),
        ),
        budget,
    };
    vec![
        key(FULL_KEY, "key_full", "soul_alice", &ALL_SCOPES, (PRO_BUDGET, HOUR), "2025-01-01T10:00:00Z"),
        key(SELLER_KEY, "key_seller", "soul_k9m2x7", &ALL_SCOPES, (PRO_BUDGET, HOUR), "2025-01-02T10:00:00Z"),
        key(READONLY_KEY, "key_readonly", "soul_carol", &READ_SCOPES, (PRO_BUDGET, HOUR), "2025-01-03T10:00:00Z"),
        key(POOR_KEY, "key_poor", "soul_bob", &ALL_SCOPES, (PRO_BUDGET, HOUR), "2025-01-04T10:00:00Z"),
        key(LIMITED_KEY, "key_limited", "soul_alice", &ALL_SCOPES, (LIMITED_BUDGET, HOUR), "2025-01-05T10:00:00Z"),
        key(BURST_KEY, "key_burst", "soul_alice", &ALL_SCOPES, (1, Duration::from_secs(1)), "2025-01-06T10:00:00Z"),
    ]
}

#[allow(clippy::too_many_arguments)]
fn listing(
    id: &str,
    title: &str,
    description: &str,
    category: &str,
    price: f64,
    seller: &str,
    rating: f64,
    featured: bool,
    created: &str,
) -> Listing {
    Listing::new(
        id.to_owned(),
        title.to_owned(),
        description.to_owned(),
        category.to_owned(),
        price,
        Currency::Usdt,
        PricingModel::OneTime,
        seller.to_owned(),
        rating,
        10,
        100,
        featured,
        Vec::new(),
        ListingStatus::Active,
        at(created),
        at(created),
    )
}

/// Six active listings and a draft. Automation: abc123 (25.00, 4.7), scrapelite
/// (5.00, 3.6), pipeline (75.00, 4.9). Productivity, featured: xyz (12.00 monthly),
/// p7q2r9 (12.50 monthly), notes (8.00).
fn seed_listings() -> Vec<Listing> {
    let abc = {
        let mut value = listing(
            "listing_abc123",
            "Web Scraper Pro",
            "Headless scraping agent with rotating proxies, CAPTCHA handoff and structured JSON output.",
            "automation",
            25.0,
            "soul_k9m2x7",
            4.7,
            false,
            "2024-09-14T08:00:00Z",
        );
        value.review_count = 318;
        value.purchase_count = 2411;
        value.tags = strings(&["web-scraping", "data-extraction"]);
        value.thumbnail_url = Some("https://cdn.clawget.io/listings/listing_abc123/thumb.png".to_owned());
        value.updated_at = at("2025-01-30T11:20:00Z");
        value
    };
    let xyz = {
        let mut value = listing(
            "listing_xyz",
            "Inbox Zero Agent",
            "Triages email, drafts replies and keeps your inbox empty.",
            "productivity",
            12.0,
            "soul_k9m2x7",
            4.4,
            true,
            "2024-11-02T08:00:00Z",
        );
        value.pricing_model = PricingModel::Subscription;
        value.billing_period = Some(BillingPeriod::Monthly);
        value.tags = strings(&["email"]);
        value
    };
    let calendar = {
        let mut value = listing(
            "listing_p7q2r9",
            "Calendar Concierge",
            "Schedules meetings across time zones.",
            "productivity",
            12.5,
            "soul_m3n8b1",
            4.1,
            true,
            "2024-12-10T08:00:00Z",
        );
        value.pricing_model = PricingModel::Subscription;
        value.billing_period = Some(BillingPeriod::Monthly);
        value
    };
    let draft = {
        let mut value = listing(
            "listing_draft01",
            "Unreleased Agent",
            "Work in progress.",
            "productivity",
            3.0,
            "soul_k9m2x7",
            0.0,
            false,
            "2025-01-25T08:00:00Z",
        );
        value.status = ListingStatus::Draft;
        value
    };
    vec![
        abc,
        xyz,
        calendar,
        listing(
            "listing_scrapelite",
            "Scraping Lite",
            "Minimal web scraping for static pages.",
            "automation",
            5.0,
            "soul_m3n8b1",
            3.6,
            false,
            "2025-01-05T08:00:00Z",
        ),
        listing(
            "listing_pipeline",
            "Enterprise Data Pipeline",
            "Web scraping at scale with scheduling, storage and alerting.",
            "automation",
            75.0,
            "soul_k9m2x7",
            4.9,
            false,
            "2024-10-01T08:00:00Z",
        ),
        listing(
            "listing_notes",
            "Meeting Notes Summarizer",
            "Turns transcripts into action items.",
            "productivity",
            8.0,
            "soul_m3n8b1",
            4.8,
            true,
            "2025-01-20T08:00:00Z",
        ),
        draft,
    ]
}

fn seed_souls() -> Vec<Soul> {
    let soul = |id: &str, handle: &str, name: &str, capabilities: &[&str], verified: bool, rating: f64, joined: &str| {
        Soul::new(id.to_owned(), handle.to_owned(), name.to_owned(), strings(capabilities), verified, rating, 0, at(joined))
    };
    vec![
        soul("soul_alice", "alice", "Alice Agent", &["purchasing", "research"], true, 4.5, "2024-06-01T00:00:00Z"),
        soul("soul_bob", "bob", "Bob Bot", &["purchasing"], false, 3.9, "2024-07-01T00:00:00Z"),
        soul("soul_carol", "carol", "Carol Analyst", &["research", "analytics"], true, 4.2, "2024-08-01T00:00:00Z"),
        {
            let mut value =
                soul("soul_k9m2x7", "scraperworks", "ScraperWorks", &["web-scraping", "automation"], true, 4.8, "2023-05-01T00:00:00Z")
                    .bio("Scraping agents since 2023.".to_owned());
            value.avatar_url = Some("https://cdn.clawget.io/souls/soul_k9m2x7.png".to_owned());
            value
        },
        soul("soul_m3n8b1", "tidyops", "TidyOps", &["productivity", "automation"], false, 4.2, "2024-02-01T00:00:00Z"),
    ]
}

fn scope_catalogue() -> Vec<ScopeInfo> {
    let describe = |scope: Scope| match scope {
        Scope::ListingsRead => "Browse, search and read listings, list a soul's listings.",
        Scope::ListingsWrite => "Create, update and delete your own listings.",
        Scope::PurchasesWrite => "Purchase listings with your wallet.",
        Scope::SoulsRead => "Soul directory, profiles and activity streams.",
        Scope::ActivityRead => "Purchase history, transactions, usage analytics, listing stats.",
        Scope::WebhooksManage => "Create, list and delete webhook endpoints.",
        Scope::KeysManage => "Create, list and revoke API keys.",
        _ => "A scope this test does not know.",
    };
    ALL_SCOPES.iter().map(|scope| ScopeInfo::new(scope.clone(), describe(scope.clone()).to_owned())).collect()
}

fn period_days(period: &StatsPeriod) -> Option<i64> {
    match period {
        StatsPeriod::V7d => Some(7),
        StatsPeriod::V30d => Some(30),
        StatsPeriod::V90d => Some(90),
        _ => None,
    }
}

impl ClawgetApi for InMemoryClawget {
    type Identity = Credentials;

    async fn authorize(
        &self,
        operation: Operation,
        credentials: &Credentials,
        _request: &RequestContext,
    ) -> Result<Credentials, AuthError> {
        self.0.authorize_calls.fetch_add(1, Ordering::SeqCst);
        let mut store = self.store();
        let now = store.current();
        let Some(secret) = store.valid_key(credentials.api_key_auth.as_deref()).map(|key| key.secret.clone()) else {
            return Err(AuthError::Unauthenticated(INVALID_KEY_MESSAGE.to_owned()));
        };
        let key = store.keys.iter_mut().find(|key| key.secret == secret).expect("the key just found");
        key.meta.last_used_at = Some(now);
        let granted: Vec<&str> = key.meta.scopes.iter().map(Scope::as_str).collect();
        // Any one alternative suffices; within it, every scheme's scopes are needed.
        let allowed = operation.security().iter().any(|alternative| {
            alternative.iter().all(|(scheme, scopes)| *scheme == "ApiKeyAuth" && scopes.iter().all(|scope| granted.contains(scope)))
        });
        if allowed { Ok(credentials.clone()) } else { Err(AuthError::Forbidden(PERMISSION_MESSAGE.to_owned())) }
    }

    async fn rate_limit(&self, _operation: Operation, credentials: &Credentials, _request: &RequestContext) -> RateLimitDecision {
        let mut store = self.store();
        let presented = credentials.api_key_auth.clone().unwrap_or_default();
        let (budget, soul) = match store.valid_key(Some(&presented)) {
            Some(key) => (key.budget, key.soul_id.clone()),
            None => ((ANONYMOUS_BUDGET, HOUR), String::new()),
        };
        let window = store.windows.entry(presented).or_insert_with(|| Window {
            limit: budget.0,
            length: budget.1,
            started: Instant::now(),
            started_unix: unix_now().as_secs(),
            used: 0,
        });
        if window.started.elapsed() >= window.length {
            window.started = Instant::now();
            window.started_unix = unix_now().as_secs();
            window.used = 0;
        }
        let reset = window.started_unix + window.length.as_secs();
        let decision = if window.used >= window.limit {
            let wait = window.length.saturating_sub(window.started.elapsed()).as_secs_f64().ceil().max(1.0);
            RateLimitDecision::Refuse {
                rate_limit: Some(RateLimit { limit: Some(window.limit), remaining: Some(0), reset: Some(reset) }),
                retry_after: wait as u64,
            }
        } else {
            window.used += 1;
            RateLimitDecision::Allow(Some(RateLimit {
                limit: Some(window.limit),
                remaining: Some(window.limit - window.used),
                reset: Some(reset),
            }))
        };
        let usage = store.usage.entry(soul).or_default();
        match decision {
            RateLimitDecision::Allow(_) => usage.api_requests += 1,
            RateLimitDecision::Refuse { .. } => usage.rate_limited += 1,
        }
        decision
    }

    async fn list_listings(&self, _cx: RequestContext<Credentials>, query: ListListingsQuery) -> Result<ListingPage, ListListingsError> {
        let store = self.enter();
        let mut items: Vec<Listing> = store
            .listings
            .values()
            .filter(|l| l.status == ListingStatus::Active)
            .filter(|l| query.category.as_ref().is_none_or(|category| *category == l.category))
            .filter(|l| query.featured.is_none_or(|featured| featured == l.featured))
            .cloned()
            .collect();
        match query.sort.unwrap_or(ListingSort::Newest) {
            ListingSort::Newest => items.sort_by_key(|item| Reverse(item.created_at)),
            ListingSort::Popular => items.sort_by_key(|item| Reverse(item.purchase_count)),
            ListingSort::Rating => items.sort_by(|a, b| b.rating.total_cmp(&a.rating)),
            ListingSort::PriceAsc => items.sort_by(|a, b| a.price.total_cmp(&b.price)),
            ListingSort::PriceDesc => items.sort_by(|a, b| b.price.total_cmp(&a.price)),
            _ => {}
        }
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(ListingPage::new(true, data, meta))
    }

    async fn create_listing(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: ListingCreate,
    ) -> Result<ListingEnvelope, CreateListingError> {
        let mut store = self.enter();
        if body.pricing_model == PricingModel::Subscription && body.billing_period.is_none() {
            return Err(CreateListingError::BadRequest(validation_error("billingPeriod", "is required for subscriptions").into()));
        }
        let seller = store.caller(&credentials);
        let number = store.next_number();
        let now = store.now();
        let listing = {
            let mut value = Listing::new(
                format!("listing_new{number:04}"),
                body.title,
                body.description,
                body.category,
                body.price,
                Currency::Usdt,
                body.pricing_model,
                seller.clone(),
                0.0,
                0,
                0,
                false,
                body.tags.unwrap_or_default(),
                body.status,
                now,
                now,
            );
            value.billing_period = body.billing_period;
            value.thumbnail_url = body.thumbnail_url;
            value
        };
        store.listings.insert(listing.id.clone(), listing.clone());
        if listing.status == ListingStatus::Active {
            store.record_activity(&seller, SoulActivityType::ListingPublished, Some(&listing.id), format!("Published {}", listing.title));
        }
        Ok(ListingEnvelope::new(true, listing))
    }

    async fn search_listings(
        &self,
        _cx: RequestContext<Credentials>,
        query: SearchListingsQuery,
    ) -> Result<ListingPage, SearchListingsError> {
        let store = self.enter();
        let terms: Vec<String> = query.query.split_whitespace().map(str::to_lowercase).collect();
        let mut scored: Vec<(usize, Listing)> = store
            .listings
            .values()
            .filter(|l| l.status == ListingStatus::Active)
            .filter(|l| query.category.as_ref().is_none_or(|category| *category == l.category))
            .filter(|l| query.max_price.is_none_or(|max| l.price <= max))
            .filter(|l| query.min_rating.is_none_or(|min| l.rating >= min))
            .filter_map(|l| {
                let title = l.title.to_lowercase();
                let haystack = format!("{title} {} {}", l.description.to_lowercase(), l.tags.join(" ").to_lowercase());
                terms.iter().all(|term| haystack.contains(term.as_str())).then(|| {
                    let relevance = terms.iter().filter(|term| title.contains(term.as_str())).count();
                    (relevance, l.clone())
                })
            })
            .collect();
        scored.sort_by(|(ra, a), (rb, b)| rb.cmp(ra).then(b.rating.total_cmp(&a.rating)));
        let (data, meta) = paginate(scored.into_iter().map(|(_, l)| l).collect(), query.page, query.limit);
        Ok(ListingPage::new(true, data, meta))
    }

    async fn get_listing(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        listing_id: String,
    ) -> Result<ListingEnvelope, GetListingError> {
        let store = self.enter();
        let caller = store.caller(&credentials);
        match store.listings.get(&listing_id) {
            Some(l) if l.status == ListingStatus::Active || l.seller_id == caller => Ok(ListingEnvelope::new(true, l.clone())),
            _ => Err(GetListingError::NotFound(listing_not_found(&listing_id).into())),
        }
    }

    async fn delete_listing(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        listing_id: String,
    ) -> Result<DeletionEnvelope, DeleteListingError> {
        let mut store = self.enter();
        let caller = store.caller(&credentials);
        let listing = store.listings.get(&listing_id).ok_or_else(|| DeleteListingError::NotFound(listing_not_found(&listing_id).into()))?;
        if listing.seller_id != caller {
            return Err(DeleteListingError::Forbidden(not_yours().into()));
        }
        let removed = store.listings.remove(&listing_id).expect("just found");
        store.now();
        store.record_activity(&caller, SoulActivityType::ListingRemoved, Some(&listing_id), format!("Removed {}", removed.title));
        Ok(DeletionEnvelope::new(true, Deletion::new(listing_id, true)))
    }

    async fn update_listing(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        listing_id: String,
        body: ListingUpdate,
    ) -> Result<ListingEnvelope, UpdateListingError> {
        let mut store = self.enter();
        let caller = store.caller(&credentials);
        let seller = store.listings.get(&listing_id).map(|l| l.seller_id.clone());
        match seller {
            None => return Err(UpdateListingError::NotFound(listing_not_found(&listing_id).into())),
            Some(seller) if seller != caller => return Err(UpdateListingError::Forbidden(not_yours().into())),
            Some(_) => {}
        }
        let now = store.now();
        let listing = store.listings.get_mut(&listing_id).expect("just found");
        let ListingUpdate { title, description, category, price, billing_period, tags, thumbnail_url, status, .. } = body;
        listing.title = title.unwrap_or(listing.title.clone());
        listing.description = description.unwrap_or(listing.description.clone());
        listing.category = category.unwrap_or(listing.category.clone());
        listing.price = price.unwrap_or(listing.price);
        listing.billing_period = billing_period.or(listing.billing_period.clone());
        listing.tags = tags.unwrap_or(listing.tags.clone());
        listing.thumbnail_url = thumbnail_url.or(listing.thumbnail_url.clone());
        listing.status = status.unwrap_or(listing.status.clone());
        listing.updated_at = now;
        let updated = listing.clone();
        store.record_activity(&caller, SoulActivityType::ListingUpdated, Some(&listing_id), format!("Updated {}", updated.title));
        Ok(ListingEnvelope::new(true, updated))
    }

    async fn purchase_listing(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        listing_id: String,
    ) -> Result<PurchaseEnvelope, PurchaseListingError> {
        let mut store = self.enter();
        if !is_listing_id(&listing_id) {
            return Err(PurchaseListingError::BadRequest(validation_error("listingId", "must match ^listing_[A-Za-z0-9]+$").into()));
        }
        let buyer = store.caller(&credentials);
        let listing = match store.listings.get(&listing_id) {
            Some(l) if l.status == ListingStatus::Active => l.clone(),
            _ => return Err(PurchaseListingError::NotFound(listing_not_found(&listing_id).into())),
        };
        if let Some(owned) =
            store.purchases.iter().find(|p| p.buyer_id == buyer && p.listing_id == listing_id && p.status == PurchaseStatus::Completed)
        {
            return Err(PurchaseListingError::BadRequest(
                error_body(
                    ErrorCode::AlreadyPurchased,
                    "User already owns license",
                    &[("listingId", json!(listing_id)), ("purchaseId", json!(owned.id))],
                )
                .into(),
            ));
        }
        let price = cents(listing.price);
        let wallet = store.wallets.get(&buyer).expect("every soul has a wallet");
        if price > wallet.spending_limit {
            return Err(PurchaseListingError::Forbidden(
                error_body(
                    ErrorCode::SpendingLimitExceeded,
                    "Transaction exceeds configured limits",
                    &[
                        ("amount", json!(format!("{} USDT", usdt(price)))),
                        ("limit", json!(format!("{} USDT", usdt(wallet.spending_limit)))),
                        ("window", json!("per purchase")),
                    ],
                )
                .into(),
            ));
        }
        if price > wallet.balance {
            return Err(PurchaseListingError::BadRequest(
                error_body(
                    ErrorCode::InsufficientBalance,
                    "Wallet balance below transaction requirement",
                    &[("required", json!(format!("{} USDT", usdt(price)))), ("available", json!(format!("{} USDT", usdt(wallet.balance))))],
                )
                .into(),
            ));
        }
        if self.0.ledger_down.load(Ordering::SeqCst) {
            return Err(PurchaseListingError::InternalServerError(internal_error().into()));
        }
        let number = store.next_number();
        let created_at = store.now();
        let purchase = {
            let mut value = Purchase::new(
                format!("purch_{number:04}"),
                listing_id.clone(),
                buyer.clone(),
                listing.seller_id.clone(),
                usdt(price),
                Currency::Usdt,
                format!("lic_{number:04}{}", &listing_id["listing_".len()..]),
                listing.pricing_model.clone(),
                PurchaseStatus::Completed,
                created_at,
            );
            value.subscription_id = (listing.pricing_model == PricingModel::Subscription).then(|| format!("sub_{number:04}"));
            value
        };
        store.wallets.get_mut(&buyer).expect("buyer wallet").balance -= price;
        store.wallets.get_mut(&listing.seller_id).expect("seller wallet").balance += price;
        let description = format!("Purchase of {listing_id} ({})", listing.title);
        store.record_transaction(&buyer, TransactionType::Purchase, price, &purchase.id, description);
        store.record_transaction(&listing.seller_id, TransactionType::Sale, price, &purchase.id, format!("Sale of {listing_id}"));
        store.listings.get_mut(&listing_id).expect("listing").purchase_count += 1;
        store.record_activity(&buyer, SoulActivityType::PurchaseCompleted, Some(&listing_id), format!("Purchased {}", listing.title));
        store.purchases.push(purchase.clone());
        store.queue_purchase_event(&purchase);
        Ok(PurchaseEnvelope::new(true, purchase))
    }

    async fn list_souls(&self, _cx: RequestContext<Credentials>, query: ListSoulsQuery) -> Result<SoulPage, ListSoulsError> {
        let store = self.enter();
        let souls: Vec<Soul> = store
            .souls
            .values()
            .filter(|soul| query.capability.as_ref().is_none_or(|capability| soul.capabilities.contains(capability)))
            .filter(|soul| query.verified.is_none_or(|verified| verified == soul.verified))
            .map(|soul| store.with_listing_count(soul))
            .collect();
        let (data, meta) = paginate(souls, query.page, query.limit);
        Ok(SoulPage::new(true, data, meta))
    }

    async fn get_soul(&self, _cx: RequestContext<Credentials>, soul_id: String) -> Result<SoulEnvelope, GetSoulError> {
        let store = self.enter();
        let soul = store.souls.get(&soul_id).ok_or_else(|| GetSoulError::NotFound(not_found("Soul").into()))?;
        Ok(SoulEnvelope::new(true, store.with_listing_count(soul)))
    }

    async fn list_soul_listings(
        &self,
        _cx: RequestContext<Credentials>,
        soul_id: String,
        query: ListSoulListingsQuery,
    ) -> Result<ListingPage, ListSoulListingsError> {
        let store = self.enter();
        if !store.souls.contains_key(&soul_id) {
            return Err(ListSoulListingsError::NotFound(not_found("Soul").into()));
        }
        let mut items: Vec<Listing> =
            store.listings.values().filter(|l| l.seller_id == soul_id && l.status == ListingStatus::Active).cloned().collect();
        items.sort_by_key(|item| Reverse(item.created_at));
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(ListingPage::new(true, data, meta))
    }

    async fn list_soul_activity(
        &self,
        _cx: RequestContext<Credentials>,
        soul_id: String,
        query: ListSoulActivityQuery,
    ) -> Result<SoulActivityPage, ListSoulActivityError> {
        let store = self.enter();
        if !store.souls.contains_key(&soul_id) {
            return Err(ListSoulActivityError::NotFound(not_found("Soul").into()));
        }
        let mut items: Vec<SoulActivity> = store.activity.iter().filter(|a| a.soul_id == soul_id).cloned().collect();
        items.sort_by_key(|item| Reverse(item.occurred_at));
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(SoulActivityPage::new(true, data, meta))
    }

    async fn list_purchases(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListPurchasesQuery,
    ) -> Result<PurchasePage, ListPurchasesError> {
        let store = self.enter();
        let buyer = store.caller(&credentials);
        let mut items: Vec<Purchase> = store
            .purchases
            .iter()
            .filter(|p| p.buyer_id == buyer)
            .filter(|p| query.listing_id.as_ref().is_none_or(|id| *id == p.listing_id))
            .cloned()
            .collect();
        items.sort_by_key(|item| Reverse(item.created_at));
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(PurchasePage::new(true, data, meta))
    }

    async fn list_transactions(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListTransactionsQuery,
    ) -> Result<TransactionPage, ListTransactionsError> {
        let store = self.enter();
        let soul = store.caller(&credentials);
        let mut items: Vec<Transaction> = store
            .transactions
            .iter()
            .filter(|(owner, _)| *owner == soul)
            .map(|(_, t)| t)
            .filter(|t| query.type_.as_ref().is_none_or(|type_| *type_ == t.type_))
            .filter(|t| query.from.is_none_or(|from| t.created_at >= from))
            .filter(|t| query.to.is_none_or(|to| t.created_at < to))
            .cloned()
            .collect();
        items.sort_by_key(|item| Reverse(item.created_at));
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(TransactionPage::new(true, data, meta))
    }

    async fn get_usage_analytics(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: GetUsageAnalyticsQuery,
    ) -> Result<UsageAnalyticsEnvelope, GetUsageAnalyticsError> {
        let store = self.enter();
        let key = store.caller_key(&credentials);
        let soul = key.soul_id.clone();
        let limit = key.budget.0;
        let period = query.period.unwrap_or(StatsPeriod::V30d);
        let period_end = store.current();
        let period_start = match period_days(&period) {
            Some(days) => period_end - TimeDelta::days(days),
            None => store.souls.get(&soul).expect("a soul").joined_at,
        };
        let bought: Vec<&Purchase> =
            store.purchases.iter().filter(|p| p.buyer_id == soul && p.created_at >= period_start && p.created_at <= period_end).collect();
        let usage = store.usage.get(&soul).copied().unwrap_or_default();
        let data = UsageAnalytics::new(
            period,
            period_start,
            period_end,
            match limit {
                0..=100 => Tier::Free,
                101..=1000 => Tier::Pro,
                _ => Tier::Enterprise,
            },
            i64::try_from(limit).expect("small"),
            usage.api_requests,
            usage.rate_limited,
            i64::try_from(bought.len()).expect("small"),
            usdt(bought.iter().map(|p| cents(p.amount.parse().expect("a decimal amount"))).sum()),
            Currency::Usdt,
            i64::try_from(store.purchases.iter().filter(|p| p.buyer_id == soul && p.status == PurchaseStatus::Completed).count())
                .expect("small"),
        );
        Ok(UsageAnalyticsEnvelope::new(true, data))
    }

    async fn get_listing_stats(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        listing_id: String,
        query: GetListingStatsQuery,
    ) -> Result<ListingStatsEnvelope, GetListingStatsError> {
        let store = self.enter();
        let caller = store.caller(&credentials);
        // Only the seller sees a listing's revenue; to anyone else it does not exist.
        let listing = store
            .listings
            .get(&listing_id)
            .filter(|l| l.seller_id == caller)
            .ok_or_else(|| GetListingStatsError::NotFound(listing_not_found(&listing_id).into()))?;
        let period = query.period.unwrap_or(StatsPeriod::V30d);
        let end = store.current();
        let sold: Vec<&Purchase> = store
            .purchases
            .iter()
            .filter(|p| p.listing_id == listing_id)
            .filter(|p| period_days(&period).is_none_or(|days| p.created_at >= end - TimeDelta::days(days)))
            .collect();
        let data = ListingStats::new(
            listing_id.clone(),
            period,
            usdt(sold.iter().map(|p| cents(p.amount.parse().expect("a decimal amount"))).sum()),
            Currency::Usdt,
            i64::try_from(sold.len()).expect("small"),
            i64::try_from(sold.iter().filter(|p| p.status == PurchaseStatus::Completed).count()).expect("small"),
            listing.rating,
        );
        Ok(ListingStatsEnvelope::new(true, data))
    }

    async fn list_webhooks(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListWebhooksQuery,
    ) -> Result<WebhookPage, ListWebhooksError> {
        let store = self.enter();
        let soul = store.caller(&credentials);
        let items: Vec<Webhook> = store.webhooks.iter().filter(|hook| hook.soul_id == soul).map(|hook| hook.webhook.clone()).collect();
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(WebhookPage::new(true, data, meta))
    }

    async fn create_webhook(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: WebhookCreate,
    ) -> Result<WebhookEnvelope, CreateWebhookError> {
        let mut store = self.enter();
        if !body.url.starts_with("https://") {
            return Err(CreateWebhookError::BadRequest(validation_error("url", "must be an HTTPS URL").into()));
        }
        // The event names are an open enum: the router lets new ones through, this implementation knows three.
        if let Some(WebhookEventType::Other(name)) = body.events.iter().find(|event| matches!(event, WebhookEventType::Other(_))) {
            return Err(CreateWebhookError::BadRequest(validation_error("events", &format!("has the unknown event {name}")).into()));
        }
        let soul = store.caller(&credentials);
        let number = store.next_number();
        let created_at = store.now();
        let webhook = Webhook::new(format!("wh_{number:04}"), body.url, body.events, true, created_at);
        store.webhooks.push(WebhookRecord { soul_id: soul, secret: body.secret, webhook: webhook.clone() });
        Ok(WebhookEnvelope::new(true, webhook))
    }

    async fn delete_webhook(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        webhook_id: String,
    ) -> Result<DeletionEnvelope, DeleteWebhookError> {
        let mut store = self.enter();
        let soul = store.caller(&credentials);
        let index = store
            .webhooks
            .iter()
            .position(|hook| hook.webhook.id == webhook_id && hook.soul_id == soul)
            .ok_or_else(|| DeleteWebhookError::NotFound(not_found("Webhook endpoint").into()))?;
        store.webhooks.remove(index);
        Ok(DeletionEnvelope::new(true, Deletion::new(webhook_id, true)))
    }

    async fn list_api_keys(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListApiKeysQuery,
    ) -> Result<ApiKeyPage, ListApiKeysError> {
        let store = self.enter();
        let soul = store.caller(&credentials);
        let mut items: Vec<ApiKey> = store.keys.iter().filter(|key| key.soul_id == soul).map(|key| key.meta.clone()).collect();
        items.sort_by_key(|item| Reverse(item.created_at));
        let (data, meta) = paginate(items, query.page, query.limit);
        Ok(ApiKeyPage::new(true, data, meta))
    }

    async fn create_api_key(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: ApiKeyCreate,
    ) -> Result<ApiKeySecretEnvelope, CreateApiKeyError> {
        let mut store = self.enter();
        let soul = store.caller(&credentials);
        let (key, meta) = store.issue_key(&soul, &body.name, body.environment, body.scopes);
        let record = store.keys.last_mut().expect("just issued");
        record.meta.expires_at = body.expires_at;
        let data = {
            let mut value = ApiKeyWithSecret::new(meta.id, meta.name, meta.prefix, meta.environment, meta.scopes, meta.created_at, key);
            value.expires_at = body.expires_at;
            value
        };
        Ok(ApiKeySecretEnvelope::new(true, data))
    }

    async fn revoke_api_key(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        key_id: String,
    ) -> Result<ApiKeyEnvelope, RevokeApiKeyError> {
        let mut store = self.enter();
        let soul = store.caller(&credentials);
        let now = store.now();
        let key = store
            .keys
            .iter_mut()
            .find(|key| key.meta.id == key_id && key.soul_id == soul)
            .ok_or_else(|| RevokeApiKeyError::NotFound(not_found("API key").into()))?;
        key.meta.revoked_at.get_or_insert(now);
        Ok(ApiKeyEnvelope::new(true, key.meta.clone()))
    }

    async fn list_scopes(&self, _cx: RequestContext<Credentials>) -> Result<ScopeListEnvelope, ListScopesError> {
        let _store = self.enter();
        Ok(ScopeListEnvelope::new(true, scope_catalogue()))
    }

    async fn refresh_token(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<TokenRefreshEnvelope, RefreshTokenError> {
        let mut store = self.enter();
        let old = store.caller_key(&credentials);
        let (soul, name, environment, scopes, old_id, old_secret) = (
            old.soul_id.clone(),
            old.meta.name.clone(),
            old.meta.environment.clone(),
            old.meta.scopes.clone(),
            old.meta.id.clone(),
            old.secret.clone(),
        );
        let (key, api_key) = store.issue_key(&soul, &name, environment, scopes);
        let grace_end = api_key.created_at + TimeDelta::hours(24);
        store.keys.iter_mut().find(|k| k.secret == old_secret).expect("the old key").meta.expires_at = Some(grace_end);
        Ok(TokenRefreshEnvelope::new(true, TokenRefresh::new(key, api_key, old_id, grace_end)))
    }
}

// ---------------------------------------------------------------------------
// The webhook receiver
// ---------------------------------------------------------------------------

/// The `purchaseId` for which the receiver fails (to provoke the 500).
const FAILING_PURCHASE: &str = "purch_fail";

/// Records every event the generated receiver hands over.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.0.lock().expect("recorder lock").clone()
    }

    fn push(&self, event: Event) {
        self.0.lock().expect("recorder lock").push(event);
    }
}

impl ClawgetWebhooks for Recorder {
    async fn purchase_completed(&self, event: PurchaseCompletedEvent, _raw_body: axum::body::Bytes) -> Result<(), String> {
        if event.data.purchase_id == FAILING_PURCHASE {
            return Err("the ledger is unavailable".to_owned());
        }
        self.push(Event::PurchaseCompleted(event));
        Ok(())
    }

    async fn subscription_renewed(&self, event: SubscriptionRenewedEvent, _raw_body: axum::body::Bytes) -> Result<(), String> {
        self.push(Event::SubscriptionRenewed(event));
        Ok(())
    }

    async fn subscription_cancelled(&self, event: SubscriptionCancelledEvent, _raw_body: axum::body::Bytes) -> Result<(), String> {
        self.push(Event::SubscriptionCancelled(event));
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

struct TestServer {
    /// `http://127.0.0.1:PORT`
    url: String,
    /// `127.0.0.1:PORT`
    addr: String,
    /// HTTP requests that reached the server, whatever their outcome.
    http_requests: Arc<AtomicUsize>,
    api: InMemoryClawget,
}

impl TestServer {
    fn client(&self, key: &str) -> Client {
        Client::new(&self.url).with_api_key_auth(key)
    }

    fn http_requests(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }

    async fn raw(&self, method: &str, target: &str, key: Option<&str>, body: &str) -> RawResponse {
        let bearer = key.map(|key| format!("Bearer {key}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(bearer) = &bearer {
            headers.push(("Authorization", bearer));
        }
        raw_request(&self.addr, method, target, &headers, body.as_bytes()).await
    }
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
    let addr = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    addr
}

/// Serves the generated router with a fresh in-memory implementation on an ephemeral port.
async fn spawn_server() -> TestServer {
    let api = InMemoryClawget::seeded();
    let http_requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&http_requests);
    let app = server::router(api.clone()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        },
    ));
    let addr = serve(app).await;
    TestServer { url: format!("http://{addr}"), addr, http_requests, api }
}

/// Where the receiver is mounted.
const RECEIVER_PATH: &str = "/webhooks/clawget";

/// Serves the generated webhook receiver under [`RECEIVER_PATH`]; returns its address.
async fn spawn_receiver(secret: &str, recorder: Recorder) -> String {
    serve(axum::Router::new().nest(RECEIVER_PATH, server::webhook_receiver(secret, recorder))).await
}

struct RawResponse {
    status: u16,
    /// Lower-cased header names.
    headers: HashMap<String, String>,
    body: String,
}

impl RawResponse {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("the body is JSON ({error}): {:?}", self.body))
    }

    /// Asserts the body is the spec's error envelope and returns `error.code`.
    fn error_code(&self) -> String {
        assert!(
            self.headers.get("content-type").is_some_and(|value| value.starts_with("application/json")),
            "error answers are JSON, got headers {:?}",
            self.headers
        );
        let body = self.json();
        assert_eq!(body["success"], false, "{}", self.body);
        assert!(body["error"]["message"].as_str().is_some_and(|message| !message.is_empty()), "{}", self.body);
        body["error"]["code"].as_str().unwrap_or_else(|| panic!("`error.code` is a string: {}", self.body)).to_owned()
    }

    fn header_u64(&self, name: &str) -> u64 {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("header {name} in {:?}", self.headers))
            .parse()
            .unwrap_or_else(|_| panic!("header {name} is a number: {:?}", self.headers))
    }

    /// The `X-RateLimit-*` headers, which must all be there.
    fn rate_limit(&self) -> RateLimit {
        RateLimit {
            limit: Some(self.header_u64("x-ratelimit-limit")),
            remaining: Some(self.header_u64("x-ratelimit-remaining")),
            reset: Some(self.header_u64("x-ratelimit-reset")),
        }
    }
}

/// Sends one raw HTTP/1.1 request (`Connection: close`) and reads the whole answer.
async fn raw_request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect to the server");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.expect("send the request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read the answer");
    let text = String::from_utf8(answer).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status =
        status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("a status code in {status_line:?}"));
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    assert!(!headers.contains_key("transfer-encoding"), "this helper only reads length-delimited bodies: {headers:?}");
    RawResponse { status, headers, body: body.to_owned() }
}

/// The typed API error of a call that must have failed with a documented status.
fn api_error<T: Debug, E: Debug>(result: Result<T, ClientError<E>>) -> E {
    match result {
        Err(ClientError::Api { error, .. }) => error,
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

fn missing_credentials<T: Debug, E: Debug>(result: Result<T, ClientError<E>>) -> &'static str {
    match result {
        Err(ClientError::MissingCredentials { operation }) => operation,
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
}

fn list_query(category: Option<&str>, featured: Option<bool>, sort: Option<ListingSort>, page: i64, limit: i64) -> ListListingsQuery {
    {
        let mut value = ListListingsQuery::default().page(page).limit(limit);
        value.category = category.map(str::to_owned);
        value.featured = featured;
        value.sort = sort;
        value
    }
}

fn search_query(query: &str, category: Option<&str>, max_price: Option<f64>, min_rating: Option<f64>) -> SearchListingsQuery {
    {
        let mut value = SearchListingsQuery::new(query.to_owned()).page(1).limit(20);
        value.category = category.map(str::to_owned);
        value.max_price = max_price;
        value.min_rating = min_rating;
        value
    }
}

fn ids<'a>(listings: impl IntoIterator<Item = &'a Listing>) -> Vec<&'a str> {
    listings.into_iter().map(|l| l.id.as_str()).collect()
}

fn new_listing(title: &str, price: f64) -> ListingCreate {
    ListingCreate::new(title.to_owned(), "Tracks competitor prices and alerts on drops.".to_owned(), "automation".to_owned(), price)
        .pricing_model(PricingModel::OneTime)
        .tags(strings(&["prices", "monitoring"]))
        .status(ListingStatus::Active)
}

fn webhook_create(url: &str, events: &[WebhookEventType], secret: &str) -> WebhookCreate {
    WebhookCreate::new(url.to_owned(), events.to_vec(), secret.to_owned())
}

const CREATE_LISTING_JSON: &str = r#"{"title":"Raw Agent","description":"Made on the wire.","category":"automation","price":1.5}"#;
const CREATE_WEBHOOK_JSON: &str =
    r#"{"url":"https://hooks.example/clawget","events":["purchase.completed"],"secret":"webhook_secret_key"}"#;
const CREATE_KEY_JSON: &str = r#"{"name":"raw","scopes":["listings:read"]}"#;

/// Every operation with a request that the server can route; the `match` keeps
/// this list in step with the generated `Operation` enum.
fn route(operation: Operation) -> (&'static str, &'static str, &'static str) {
    match operation {
        Operation::ListListings => ("GET", "/listings", ""),
        Operation::CreateListing => ("POST", "/listings", CREATE_LISTING_JSON),
        Operation::SearchListings => ("GET", "/listings/search?query=scraper", ""),
        Operation::GetListing => ("GET", "/listings/listing_abc123", ""),
        Operation::DeleteListing => ("DELETE", "/listings/listing_abc123", ""),
        Operation::UpdateListing => ("PATCH", "/listings/listing_abc123", r#"{"price":22.5}"#),
        Operation::PurchaseListing => ("POST", "/listings/listing_abc123/purchase", ""),
        Operation::ListSouls => ("GET", "/souls", ""),
        Operation::GetSoul => ("GET", "/souls/soul_alice", ""),
        Operation::ListSoulListings => ("GET", "/souls/soul_k9m2x7/listings", ""),
        Operation::ListSoulActivity => ("GET", "/souls/soul_k9m2x7/activity", ""),
        Operation::ListPurchases => ("GET", "/activity/purchases", ""),
        Operation::ListTransactions => ("GET", "/activity/transactions", ""),
        Operation::GetUsageAnalytics => ("GET", "/activity/usage", ""),
        Operation::GetListingStats => ("GET", "/activity/listings/listing_abc123/stats", ""),
        Operation::ListWebhooks => ("GET", "/webhooks", ""),
        Operation::CreateWebhook => ("POST", "/webhooks", CREATE_WEBHOOK_JSON),
        Operation::DeleteWebhook => ("DELETE", "/webhooks/wh_0001", ""),
        Operation::ListApiKeys => ("GET", "/auth/keys", ""),
        Operation::CreateApiKey => ("POST", "/auth/keys", CREATE_KEY_JSON),
        Operation::RevokeApiKey => ("DELETE", "/auth/keys/key_full", ""),
        Operation::ListScopes => ("GET", "/auth/scopes", ""),
        Operation::RefreshToken => ("POST", "/auth/refresh", ""),
        _ => panic!("an operation this test does not route: {}", operation.id()),
    }
}

/// All 23 operations (refreshToken last: it rotates the calling key).
const ALL_OPERATIONS: [Operation; 23] = [
    Operation::ListListings,
    Operation::CreateListing,
    Operation::SearchListings,
    Operation::GetListing,
    Operation::UpdateListing,
    Operation::PurchaseListing,
    Operation::DeleteListing,
    Operation::ListSouls,
    Operation::GetSoul,
    Operation::ListSoulListings,
    Operation::ListSoulActivity,
    Operation::ListPurchases,
    Operation::ListTransactions,
    Operation::GetUsageAnalytics,
    Operation::GetListingStats,
    Operation::ListWebhooks,
    Operation::CreateWebhook,
    Operation::DeleteWebhook,
    Operation::ListApiKeys,
    Operation::CreateApiKey,
    Operation::RevokeApiKey,
    Operation::ListScopes,
    Operation::RefreshToken,
];

// ---------------------------------------------------------------------------
// 1. Listings: create, get, update, list, delete, search
// ---------------------------------------------------------------------------

#[tokio::test]
async fn listings_crud_round_trips_through_the_client() {
    let server = spawn_server().await;
    let seller = server.client(SELLER_KEY);

    let created = seller.create_listing(&new_listing("Price Watcher", 9.99)).await.expect("a 201 listing");
    assert!(created.success);
    let listing = created.data;
    assert!(is_listing_id(&listing.id), "{}", listing.id);
    assert_eq!(listing.title, "Price Watcher");
    assert_eq!(listing.seller_id, "soul_k9m2x7", "the seller is the soul behind the key");
    assert_eq!(listing.price, 9.99);
    assert_eq!(listing.currency, Currency::Usdt);
    assert_eq!(listing.pricing_model, PricingModel::OneTime);
    assert_eq!(listing.status, ListingStatus::Active);
    assert_eq!(listing.tags, ["prices", "monitoring"]);
    assert_eq!((listing.review_count, listing.purchase_count, listing.featured), (0, 0, false));
    assert_eq!(listing.created_at, listing.updated_at);
    assert!(listing.created_at > at(BASE_CLOCK));

    // On the wire: 201, the envelope, and the server-side defaults of the body.
    let raw = server.raw("POST", "/listings", Some(SELLER_KEY), CREATE_LISTING_JSON).await;
    assert_eq!(raw.status, 201, "{}", raw.body);
    let body = raw.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["data"]["pricingModel"], "one_time", "the schema default");
    assert_eq!(body["data"]["status"], "active", "the schema default");
    assert_eq!(body["data"]["sellerId"], "soul_k9m2x7");
    assert!(body.get("meta").is_none(), "single objects carry no meta: {body}");
    let raw_id = body["data"]["id"].as_str().expect("an id").to_owned();

    // Anyone with listings:read sees it.
    let fetched = server.client(FULL_KEY).get_listing(&listing.id).await.expect("a 200 listing");
    assert!(fetched.success);
    assert_eq!(fetched.data, listing);

    // Fields left out of the update keep their value.
    let update = ListingUpdate::default().price(7.5).tags(strings(&["prices"]));
    let updated = seller.update_listing(&listing.id, &update).await.expect("a 200 listing").data;
    assert_eq!(updated.price, 7.5);
    assert_eq!(updated.tags, ["prices"]);
    assert_eq!(updated.title, listing.title);
    assert_eq!(updated.description, listing.description);
    assert_eq!(updated.created_at, listing.created_at);
    assert!(updated.updated_at > listing.updated_at);
    assert_eq!(seller.get_listing(&listing.id).await.expect("a 200 listing").data, updated);

    // Both new listings lead their category, newest first.
    let page = seller.list_listings(&list_query(Some("automation"), None, None, 1, 20)).await.expect("a 200 page");
    assert_eq!(ids(&page.data), [raw_id.as_str(), &listing.id, "listing_scrapelite", "listing_pipeline", "listing_abc123"]);
    assert_eq!(page.meta, PaginationMeta::new(1, 20, 5));

    let deleted = seller.delete_listing(&listing.id).await.expect("a 200 deletion");
    assert!(deleted.success);
    assert_eq!(deleted.data, Deletion::new(listing.id.clone(), true));
    let error = api_error(seller.get_listing(&listing.id).await);
    assert_eq!(error.status(), 404);
    assert_eq!(error, GetListingError::NotFound(listing_not_found(&listing.id).into()));
    let error = api_error(seller.delete_listing(&listing.id).await);
    assert!(
        matches!(&error, DeleteListingError::NotFound(ErrorBody::Decoded(body)) if body.error.code == ErrorCode::ListingNotFound),
        "{error:?}"
    );

    // The seller's activity stream tells the story, newest first.
    let activity = seller.list_soul_activity("soul_k9m2x7", &ListSoulActivityQuery::default().page(1).limit(4)).await.expect("a 200 page");
    let story: Vec<(SoulActivityType, Option<&str>)> = activity.data.iter().map(|a| (a.type_.clone(), a.listing_id.as_deref())).collect();
    assert_eq!(
        story,
        [
            (SoulActivityType::ListingRemoved, Some(listing.id.as_str())),
            (SoulActivityType::ListingUpdated, Some(listing.id.as_str())),
            (SoulActivityType::ListingPublished, Some(raw_id.as_str())),
            (SoulActivityType::ListingPublished, Some(listing.id.as_str())),
        ]
    );
    assert_eq!(activity.meta, PaginationMeta::new(1, 4, 7), "plus the three seeded publications");
}

#[tokio::test]
async fn listing_writes_are_validated_and_limited_to_the_seller() {
    let server = spawn_server().await;
    let alice = server.client(FULL_KEY);

    // abc123 belongs to soul_k9m2x7, not to alice.
    let cut = ListingUpdate::default().price(1.0);
    let error = api_error(alice.update_listing("listing_abc123", &cut).await);
    assert_eq!(error.status(), 403);
    assert_eq!(error, UpdateListingError::Forbidden(not_yours().into()));
    let error = api_error(alice.delete_listing("listing_abc123").await);
    assert_eq!(error, DeleteListingError::Forbidden(not_yours().into()));
    let error = api_error(alice.update_listing("listing_nope", &cut).await);
    assert_eq!(error, UpdateListingError::NotFound(listing_not_found("listing_nope").into()));
    assert_eq!(alice.get_listing("listing_abc123").await.expect("still there").data.price, 25.0, "nothing changed");

    // Drafts are visible to their seller only.
    let error = api_error(alice.get_listing("listing_draft01").await);
    assert_eq!(error, GetListingError::NotFound(listing_not_found("listing_draft01").into()));
    let draft = server.client(SELLER_KEY).get_listing("listing_draft01").await.expect("the seller sees the draft");
    assert_eq!(draft.data.status, ListingStatus::Draft);

    // The generated validation (minLength, minimum, maxItems) answers 400 before the implementation runs.
    let calls = server.api.operation_calls();
    let too_many_tags = new_listing("Tags", 1.0).tags((0..11).map(|i| format!("tag{i}")).collect());
    for (body, field) in [(new_listing("", 1.0), "title"), (new_listing("Negative", -1.0), "price"), (too_many_tags, "tags")] {
        match api_error(alice.create_listing(&body).await) {
            CreateListingError::BadRequest(ErrorBody::Decoded(error)) => {
                assert_eq!(error.error.code, ErrorCode::Other("VALIDATION_ERROR".to_owned()));
                assert!(error.error.message.contains(field), "{field}: {}", error.error.message);
            }
            other => panic!("{field}: expected BadRequest, got {other:?}"),
        }
    }
    let raw = server.raw("POST", "/listings", Some(FULL_KEY), r#"{"title":"#).await;
    assert_eq!(raw.status, 400, "{}", raw.body);
    assert_eq!(raw.error_code(), "VALIDATION_ERROR");
    let raw = server.raw("PATCH", "/listings/listing_abc123", Some(SELLER_KEY), r#"{"price":"cheap"}"#).await;
    assert_eq!(raw.status, 400, "{}", raw.body);
    assert_eq!(raw.error_code(), "VALIDATION_ERROR");
    assert_eq!(server.api.operation_calls(), calls, "invalid bodies never reach the implementation");

    // The implementation's own rule: a subscription needs a billing period.
    let subscription = new_listing("Monthly Digest", 3.0).pricing_model(PricingModel::Subscription);
    let error = api_error(alice.create_listing(&subscription).await);
    assert_eq!(error, CreateListingError::BadRequest(validation_error("billingPeriod", "is required for subscriptions").into()));
    let monthly = {
        let mut value = subscription;
        value.billing_period = Some(BillingPeriod::Monthly);
        value
    };
    let created = alice.create_listing(&monthly).await.expect("a 201 subscription listing").data;
    assert_eq!((created.pricing_model, created.billing_period), (PricingModel::Subscription, Some(BillingPeriod::Monthly)));
    assert_eq!(created.seller_id, "soul_alice");
}

#[tokio::test]
async fn list_listings_filters_sorts_and_paginates() {
    let server = spawn_server().await;
    let client = server.client(READONLY_KEY);

    let all = client.list_listings(&ListListingsQuery::default()).await.expect("a 200 page");
    assert!(all.success);
    assert_eq!(
        ids(&all.data),
        ["listing_notes", "listing_scrapelite", "listing_p7q2r9", "listing_xyz", "listing_pipeline", "listing_abc123"],
        "active listings only, newest first"
    );
    assert_eq!(all.meta, PaginationMeta::new(1, 20, 6));

    // The docs' marketplace-embedding example: featured: true, limit: 6, category: 'productivity'.
    let featured = client.list_listings(&list_query(Some("productivity"), Some(true), None, 1, 6)).await.expect("a 200 page");
    assert_eq!(ids(&featured.data), ["listing_notes", "listing_p7q2r9", "listing_xyz"]);
    assert!(featured.data.iter().all(|l| l.featured && l.category == "productivity"));
    assert_eq!(featured.meta, PaginationMeta::new(1, 6, 3));

    let not_featured = client.list_listings(&list_query(None, Some(false), None, 1, 20)).await.expect("a 200 page");
    assert_eq!(ids(&not_featured.data), ["listing_scrapelite", "listing_pipeline", "listing_abc123"]);

    let second = client.list_listings(&list_query(Some("productivity"), Some(true), None, 2, 2)).await.expect("a 200 page");
    assert_eq!(ids(&second.data), ["listing_xyz"]);
    assert_eq!(second.meta, PaginationMeta::new(2, 2, 3));
    let beyond = client.list_listings(&list_query(Some("productivity"), Some(true), None, 3, 2)).await.expect("a 200 page");
    assert!(beyond.data.is_empty());
    assert_eq!(beyond.meta.total, 3);

    let cheapest = client.list_listings(&list_query(None, None, Some(ListingSort::PriceAsc), 1, 20)).await.expect("a 200 page");
    assert_eq!(
        ids(&cheapest.data),
        ["listing_scrapelite", "listing_notes", "listing_xyz", "listing_p7q2r9", "listing_abc123", "listing_pipeline"]
    );
    let dearest = client.list_listings(&list_query(None, None, Some(ListingSort::PriceDesc), 1, 1)).await.expect("a 200 page");
    assert_eq!(ids(&dearest.data), ["listing_pipeline"]);
    let best = client.list_listings(&list_query(None, None, Some(ListingSort::Rating), 1, 3)).await.expect("a 200 page");
    assert_eq!(ids(&best.data), ["listing_pipeline", "listing_notes", "listing_abc123"]);
    let popular = client.list_listings(&list_query(None, None, Some(ListingSort::Popular), 1, 1)).await.expect("a 200 page");
    assert_eq!(ids(&popular.data), ["listing_abc123"]);

    // The same on the wire, with the spec's names (`price_asc`, `meta`).
    let raw = server.raw("GET", "/listings?featured=true&category=productivity&limit=6&sort=price_asc", Some(READONLY_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    let body = raw.json();
    let raw_ids: Vec<&str> = body["data"].as_array().expect("data").iter().filter_map(|l| l["id"].as_str()).collect();
    assert_eq!(raw_ids, ["listing_notes", "listing_xyz", "listing_p7q2r9"]);
    assert_eq!(body["meta"], json!({"page": 1, "limit": 6, "total": 3}));

    // Out-of-range and malformed queries are 400 before the implementation runs.
    let calls = server.api.operation_calls();
    let error = api_error(client.list_listings(&list_query(None, None, None, 1, 101)).await);
    assert!(
        matches!(&error, ListListingsError::BadRequest(ErrorBody::Decoded(body)) if body.error.code == ErrorCode::Other("VALIDATION_ERROR".to_owned())),
        "{error:?}"
    );
    for target in ["/listings?limit=0", "/listings?page=0", "/listings?featured=maybe"] {
        let raw = server.raw("GET", target, Some(READONLY_KEY), "").await;
        assert_eq!(raw.status, 400, "{target}: {}", raw.body);
        assert_eq!(raw.error_code(), "VALIDATION_ERROR", "{target}");
    }
    assert_eq!(server.api.operation_calls(), calls);
    // The sort orders are designed, so the enum is open: an unknown one reaches the implementation.
    let raw = server.raw("GET", "/listings?sort=cheapest", Some(READONLY_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(server.api.operation_calls(), calls + 1);
}

#[tokio::test]
async fn search_listings_matches_the_docs_example() {
    let server = spawn_server().await;
    let client = server.client(FULL_KEY);

    // The docs' autonomous-purchasing example.
    let example = search_query("web scraping", Some("automation"), Some(50.0), Some(4.0));
    let results = client.search_listings(&example).await.expect("a 200 page");
    assert!(results.success);
    assert_eq!(ids(&results.data), ["listing_abc123"]);
    assert_eq!(results.meta, PaginationMeta::new(1, 20, 1));
    assert!(results.data[0].price <= 50.0);

    // Each filter matters.
    let unfiltered = client.search_listings(&search_query("web scraping", None, None, None)).await.expect("a 200 page");
    assert_eq!(ids(&unfiltered.data), ["listing_abc123", "listing_scrapelite", "listing_pipeline"], "title matches first, then rating");
    let cheap = client.search_listings(&search_query("web scraping", None, Some(10.0), None)).await.expect("a 200 page");
    assert_eq!(ids(&cheap.data), ["listing_scrapelite"]);
    let top = client.search_listings(&search_query("web scraping", None, None, Some(4.8))).await.expect("a 200 page");
    assert_eq!(ids(&top.data), ["listing_pipeline"]);
    let productivity = client.search_listings(&search_query("web scraping", Some("productivity"), None, None)).await.expect("a 200 page");
    assert!(productivity.data.is_empty());
    assert_eq!(productivity.meta.total, 0);

    // On the wire, with the spec's parameter names.
    let raw = server.raw("GET", "/listings/search?query=web%20scraping&maxPrice=50&minRating=4.0", Some(FULL_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.json()["data"][0]["id"], "listing_abc123");
    assert_eq!(raw.json()["meta"]["total"], 1);

    // `query` is required and has minLength 1; minRating is at most 5.
    let raw = server.raw("GET", "/listings/search", Some(FULL_KEY), "").await;
    assert_eq!(raw.status, 400, "{}", raw.body);
    assert_eq!(raw.error_code(), "VALIDATION_ERROR");
    let error = api_error(client.search_listings(&search_query("", None, None, None)).await);
    assert!(
        matches!(&error, SearchListingsError::BadRequest(ErrorBody::Decoded(body)) if body.error.message.contains("query")),
        "{error:?}"
    );
    let error = api_error(client.search_listings(&search_query("agent", None, None, Some(5.5))).await);
    assert!(
        matches!(&error, SearchListingsError::BadRequest(ErrorBody::Decoded(body)) if body.error.message.contains("minRating")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------
// 2. Purchases, wallets and the activity they leave
// ---------------------------------------------------------------------------

#[tokio::test]
async fn purchase_debits_the_wallet_and_feeds_history_stats_and_analytics() {
    let server = spawn_server().await;
    let alice = server.client(FULL_KEY);
    let seller = server.client(SELLER_KEY);

    let first = alice.purchase_listing("listing_abc123").await.expect("a 201 purchase");
    assert!(first.success);
    let first = first.data;
    assert!(first.id.starts_with("purch_"), "{}", first.id);
    assert_eq!(first.listing_id, "listing_abc123");
    assert_eq!(first.buyer_id, "soul_alice");
    assert_eq!(first.seller_id, "soul_k9m2x7");
    assert_eq!(first.amount, "25.00");
    assert_eq!(first.currency, Currency::Usdt);
    assert!(first.license_key.starts_with("lic_") && first.license_key.len() > 4, "{}", first.license_key);
    assert_eq!(first.pricing_model, PricingModel::OneTime);
    assert_eq!(first.subscription_id, None);
    assert_eq!(first.status, PurchaseStatus::Completed);

    let second = alice.purchase_listing("listing_xyz").await.expect("a 201 purchase").data;
    assert_eq!(second.amount, "12.00");
    assert_eq!(second.pricing_model, PricingModel::Subscription);
    assert!(second.subscription_id.as_deref().is_some_and(|id| id.starts_with("sub_")), "{second:?}");
    assert_ne!(second.license_key, first.license_key);
    assert!(second.created_at > first.created_at);

    assert_eq!(server.api.balance("soul_alice"), usd(63, 0), "100.00 - 25.00 - 12.00");
    assert_eq!(server.api.balance("soul_k9m2x7"), usd(37, 0), "the seller is credited");

    // Purchase history, newest first, and its listingId filter.
    let history = alice.list_purchases(&ListPurchasesQuery::default()).await.expect("a 200 page");
    assert_eq!(history.data, [second.clone(), first.clone()]);
    assert_eq!(history.meta, PaginationMeta::new(1, 20, 2));
    let only_abc = ListPurchasesQuery::default().listing_id("listing_abc123".to_owned());
    assert_eq!(alice.list_purchases(&only_abc).await.expect("a 200 page").data, std::slice::from_ref(&first));
    assert!(seller.list_purchases(&ListPurchasesQuery::default()).await.expect("a 200 page").data.is_empty(), "the seller bought nothing");

    // Transaction log: two debits after the seeded deposit, with running balances.
    let log = alice.list_transactions(&ListTransactionsQuery::default()).await.expect("a 200 page");
    let rows: Vec<(TransactionType, TransactionDirection, &str, &str)> =
        log.data.iter().map(|t| (t.type_.clone(), t.direction.clone(), t.amount.as_str(), t.balance_after.as_str())).collect();
    assert_eq!(
        rows,
        [
            (TransactionType::Purchase, TransactionDirection::Debit, "12.00", "63.00"),
            (TransactionType::Purchase, TransactionDirection::Debit, "25.00", "75.00"),
            (TransactionType::Deposit, TransactionDirection::Credit, "100.00", "100.00"),
        ]
    );
    assert_eq!(log.data[0].reference.as_deref(), Some(second.id.as_str()));
    assert_eq!(log.meta.total, 3);
    let purchases_only = ListTransactionsQuery::default().type_(TransactionType::Purchase);
    assert_eq!(alice.list_transactions(&purchases_only).await.expect("a 200 page").meta.total, 2);
    let since = ListTransactionsQuery::default().from(at("2025-02-01T00:00:00Z"));
    assert_eq!(alice.list_transactions(&since).await.expect("a 200 page").meta.total, 2);
    let before = ListTransactionsQuery::default().to(at("2025-02-01T00:00:00Z"));
    let before = alice.list_transactions(&before).await.expect("a 200 page");
    assert_eq!(before.data.len(), 1);
    assert_eq!(before.data[0].type_, TransactionType::Deposit);
    let sales = seller.list_transactions(&ListTransactionsQuery::default()).await.expect("a 200 page");
    let sales: Vec<(TransactionType, &str, &str)> =
        sales.data.iter().map(|t| (t.type_.clone(), t.amount.as_str(), t.balance_after.as_str())).collect();
    assert_eq!(sales, [(TransactionType::Sale, "12.00", "37.00"), (TransactionType::Sale, "25.00", "25.00")]);

    // The listing counts the sale, and the seller's stats report it (the docs' listingStats call).
    assert_eq!(alice.get_listing("listing_abc123").await.expect("a 200 listing").data.purchase_count, 2412);
    let thirty_days = GetListingStatsQuery::default().period(StatsPeriod::V30d);
    let stats = seller.get_listing_stats("listing_abc123", &thirty_days).await.expect("a 200 stats");
    assert!(stats.success);
    assert_eq!(
        stats.data,
        ListingStats::new("listing_abc123".to_owned(), StatsPeriod::V30d, "25.00".to_owned(), Currency::Usdt, 1, 1, 4.7)
    );
    let untouched = seller.get_listing_stats("listing_pipeline", &GetListingStatsQuery::default()).await.expect("a 200 stats").data;
    assert_eq!((untouched.period, untouched.purchases, untouched.revenue.as_str()), (StatsPeriod::V30d, 0, "0.00"));
    // Only the seller sees a listing's revenue.
    let error = api_error(alice.get_listing_stats("listing_abc123", &thirty_days).await);
    assert_eq!(error, GetListingStatsError::NotFound(listing_not_found("listing_abc123").into()));

    // The buyer's activity stream has both purchases.
    let activity = alice.list_soul_activity("soul_alice", &ListSoulActivityQuery::default()).await.expect("a 200 page");
    let story: Vec<(SoulActivityType, Option<&str>)> = activity.data.iter().map(|a| (a.type_.clone(), a.listing_id.as_deref())).collect();
    assert_eq!(
        story,
        [(SoulActivityType::PurchaseCompleted, Some("listing_xyz")), (SoulActivityType::PurchaseCompleted, Some("listing_abc123"))]
    );

    // Usage analytics count soul_alice's requests, this one included: 2 purchases, 3 purchase
    // lists, 5 transaction lists... by alice: 2 + 2 + 4 + 1 (getListing) + 1 (stats) + 1 (activity) + 1 (this).
    let usage = alice.get_usage_analytics(&GetUsageAnalyticsQuery::default()).await.expect("a 200 analytics");
    assert!(usage.success);
    let usage = usage.data;
    assert_eq!(usage.period, StatsPeriod::V30d, "the documented default period");
    assert_eq!(usage.period_end - usage.period_start, TimeDelta::days(30));
    assert_eq!((usage.tier, usage.rate_limit_per_hour), (Tier::Pro, 1000));
    assert_eq!((usage.purchases, usage.total_spent.as_str(), usage.active_licenses), (2, "37.00", 2));
    assert_eq!((usage.api_requests, usage.rate_limited_requests), (12, 0));
    let all_time =
        alice.get_usage_analytics(&GetUsageAnalyticsQuery::default().period(StatsPeriod::All)).await.expect("a 200 analytics").data;
    assert_eq!(all_time.period, StatsPeriod::All);
    assert_eq!(all_time.period_start, at("2024-06-01T00:00:00Z"), "since alice joined");
    assert_eq!(all_time.api_requests, 13);
}

#[tokio::test]
async fn purchase_business_errors_carry_the_documented_codes() {
    let server = spawn_server().await;
    let alice = server.client(FULL_KEY);
    let bob = server.client(POOR_KEY);

    // 400: the listingId pattern, checked by the generated router before the implementation runs.
    let calls = server.api.operation_calls();
    let error = api_error(alice.purchase_listing("abc123").await);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error,
        PurchaseListingError::BadRequest(router_validation_error("listingId: must match the pattern ^listing_[A-Za-z0-9]+$").into())
    );
    assert_eq!(server.api.operation_calls(), calls, "the router refused it");
    // 400 from the generated path decoding, before the implementation runs.
    let calls = server.api.operation_calls();
    let raw = server.raw("POST", "/listings/%FF/purchase", Some(FULL_KEY), "").await;
    assert_eq!(raw.status, 400, "{}", raw.body);
    assert_eq!(raw.error_code(), "VALIDATION_ERROR");
    assert_eq!(server.api.operation_calls(), calls);

    // INSUFFICIENT_BALANCE, the docs' example exactly: 25.00 required, 10.50
    // available. The docs give it no status; the spec documents it under 400.
    let error = api_error(bob.purchase_listing("listing_abc123").await);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error,
        PurchaseListingError::BadRequest(
            error_body(
                ErrorCode::InsufficientBalance,
                "Wallet balance below transaction requirement",
                &[("required", json!("25.00 USDT")), ("available", json!("10.50 USDT"))],
            )
            .into()
        )
    );
    assert_eq!(server.api.balance("soul_bob"), usd(10, 50));
    let cheap = bob.purchase_listing("listing_scrapelite").await.expect("5.00 is affordable").data;
    assert_eq!(cheap.amount, "5.00");
    assert_eq!(server.api.balance("soul_bob"), usd(5, 50));

    // 403: 75.00 is over alice's 50.00 spending limit although her balance covers it.
    let error = api_error(alice.purchase_listing("listing_pipeline").await);
    assert_eq!(error.status(), 403);
    match &error {
        PurchaseListingError::Forbidden(ErrorBody::Decoded(body)) => {
            assert_eq!(body.error.code, ErrorCode::SpendingLimitExceeded);
            let details = body.error.details.as_ref().expect("details");
            assert_eq!(details["amount"], "75.00 USDT");
            assert_eq!(details["limit"], "50.00 USDT");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }

    // 404: unknown, and drafts are not for sale.
    for id in ["listing_nope", "listing_draft01"] {
        let error = api_error(alice.purchase_listing(id).await);
        assert_eq!(error.status(), 404, "{id}");
        assert_eq!(error, PurchaseListingError::NotFound(listing_not_found(id).into()));
    }

    // ALREADY_PURCHASED: a second license for the same buyer (400, as above).
    let owned = alice.purchase_listing("listing_abc123").await.expect("a 201 purchase").data;
    let error = api_error(alice.purchase_listing("listing_abc123").await);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error,
        PurchaseListingError::BadRequest(
            error_body(
                ErrorCode::AlreadyPurchased,
                "User already owns license",
                &[("listingId", json!("listing_abc123")), ("purchaseId", json!(owned.id))],
            )
            .into()
        )
    );

    // 500: the ledger fails; nothing is debited, and the next attempt works.
    server.api.set_ledger_down(true);
    let error = api_error(alice.purchase_listing("listing_xyz").await);
    assert_eq!(error.status(), 500);
    assert_eq!(error, PurchaseListingError::InternalServerError(internal_error().into()));
    let raw = server.raw("POST", "/listings/listing_xyz/purchase", Some(FULL_KEY), "").await;
    assert_eq!(raw.status, 500, "{}", raw.body);
    assert_eq!(raw.error_code(), "INTERNAL_ERROR");
    assert_eq!(server.api.balance("soul_alice"), usd(75, 0));
    server.api.set_ledger_down(false);
    alice.purchase_listing("listing_xyz").await.expect("the ledger is back");

    // Only the three successful purchases left a trace.
    let history = alice.list_purchases(&ListPurchasesQuery::default()).await.expect("a 200 page");
    assert_eq!(history.meta.total, 2);
    assert_eq!(server.api.balance("soul_alice"), usd(63, 0));
    assert_eq!(bob.list_purchases(&ListPurchasesQuery::default()).await.expect("a 200 page").data, [cheap]);
}

#[tokio::test]
async fn purchase_auth_and_rate_limit_errors_carry_the_documented_codes() {
    let server = spawn_server().await;

    // 401: a key the server never issued.
    let error = api_error(server.client(UNKNOWN_KEY).purchase_listing("listing_abc123").await);
    assert_eq!(error.status(), 401);
    assert_eq!(error, PurchaseListingError::Unauthorized(error_body(ErrorCode::InvalidApiKey, INVALID_KEY_MESSAGE, &[]).into()));
    // 401: no key at all (the typed client refuses to send, so on the wire).
    let raw = server.raw("POST", "/listings/listing_abc123/purchase", None, "").await;
    assert_eq!(raw.status, 401, "{}", raw.body);
    assert_eq!(raw.error_code(), "INVALID_API_KEY");

    // 403: a valid key without purchases:write.
    let error = api_error(server.client(READONLY_KEY).purchase_listing("listing_abc123").await);
    assert_eq!(error.status(), 403);
    assert_eq!(error, PurchaseListingError::Forbidden(error_body(ErrorCode::InsufficientPermissions, PERMISSION_MESSAGE, &[]).into()));

    // 429: the limited key spends its budget of three, then the purchase is refused.
    let limited = server.client(LIMITED_KEY);
    for _ in 0..LIMITED_BUDGET {
        limited.list_scopes().await.expect("within budget");
    }
    let error = api_error(limited.purchase_listing("listing_abc123").await);
    assert_eq!(error.status(), 429);
    match &error {
        PurchaseListingError::TooManyRequests(ErrorBody::Decoded(body)) => {
            assert!(!body.success);
            assert_eq!(body.error.code, ErrorCode::RateLimitExceeded);
            let wait = seconds_from_now(body.error.details.reset_at);
            assert!((3589..=3600).contains(&wait), "until the hour window resets: {wait}");
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }

    assert_eq!(server.api.operation_calls(), 3, "only the three listScopes calls reached the implementation");
    assert_eq!(server.api.balance("soul_alice"), usd(100, 0), "nothing was bought");
    assert_eq!(server.api.balance("soul_carol"), 0);
}

// ---------------------------------------------------------------------------
// 3. Souls
// ---------------------------------------------------------------------------

#[tokio::test]
async fn souls_directory_profiles_listings_and_activity() {
    let server = spawn_server().await;
    let client = server.client(READONLY_KEY);

    let all = client.list_souls(&ListSoulsQuery::default()).await.expect("a 200 page");
    assert!(all.success);
    let handles: Vec<&str> = all.data.iter().map(|s| s.handle.as_str()).collect();
    assert_eq!(handles, ["alice", "bob", "carol", "scraperworks", "tidyops"]);
    assert_eq!(all.meta, PaginationMeta::new(1, 20, 5));

    let automation = ListSoulsQuery::default().capability("automation".to_owned());
    let automation = client.list_souls(&automation).await.expect("a 200 page");
    let souls: Vec<&str> = automation.data.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(souls, ["soul_k9m2x7", "soul_m3n8b1"]);
    let verified = ListSoulsQuery::default().verified(true).page(1).limit(2);
    let verified = client.list_souls(&verified).await.expect("a 200 page");
    let souls: Vec<&str> = verified.data.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(souls, ["soul_alice", "soul_carol"]);
    assert_eq!(verified.meta, PaginationMeta::new(1, 2, 3));

    let profile = client.get_soul("soul_k9m2x7").await.expect("a 200 soul").data;
    assert_eq!(profile.display_name, "ScraperWorks");
    assert_eq!(profile.capabilities, ["web-scraping", "automation"]);
    assert!(profile.verified);
    assert_eq!(profile.listing_count, 3, "abc123, xyz and pipeline; the draft does not count");
    assert_eq!(profile.bio.as_deref(), Some("Scraping agents since 2023."));
    assert_eq!(profile.joined_at, at("2023-05-01T00:00:00Z"));
    let error = api_error(client.get_soul("soul_nobody").await);
    assert_eq!(error.status(), 404);
    assert_eq!(error, GetSoulError::NotFound(not_found("Soul").into()));

    let listings = client.list_soul_listings("soul_k9m2x7", &ListSoulListingsQuery::default()).await.expect("a 200 page");
    assert_eq!(ids(&listings.data), ["listing_xyz", "listing_pipeline", "listing_abc123"]);
    assert!(listings.data.iter().all(|l| l.seller_id == "soul_k9m2x7"));
    let last = client.list_soul_listings("soul_k9m2x7", &ListSoulListingsQuery::default().page(3).limit(1)).await.expect("a 200 page");
    assert_eq!(ids(&last.data), ["listing_abc123"]);
    assert_eq!(last.meta, PaginationMeta::new(3, 1, 3));
    let error = api_error(client.list_soul_listings("soul_nobody", &ListSoulListingsQuery::default()).await);
    assert!(
        matches!(&error, ListSoulListingsError::NotFound(ErrorBody::Decoded(body)) if body.error.code == ErrorCode::Other("NOT_FOUND".to_owned())),
        "{error:?}"
    );

    let activity = client.list_soul_activity("soul_m3n8b1", &ListSoulActivityQuery::default()).await.expect("a 200 page");
    let published: Vec<(SoulActivityType, Option<&str>)> =
        activity.data.iter().map(|a| (a.type_.clone(), a.listing_id.as_deref())).collect();
    assert_eq!(
        published,
        [
            (SoulActivityType::ListingPublished, Some("listing_notes")),
            (SoulActivityType::ListingPublished, Some("listing_scrapelite")),
            (SoulActivityType::ListingPublished, Some("listing_p7q2r9")),
        ]
    );
    assert!(activity.data.windows(2).all(|pair| pair[0].occurred_at > pair[1].occurred_at), "newest first");
    let error = api_error(client.list_soul_activity("soul_nobody", &ListSoulActivityQuery::default()).await);
    assert!(matches!(&error, ListSoulActivityError::NotFound(_)), "{error:?}");

    // On the wire, the activity type keeps its dotted name.
    let raw = server.raw("GET", "/souls/soul_m3n8b1/activity?limit=1", Some(READONLY_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.json()["data"][0]["type"], "listing.published");
    assert_eq!(raw.json()["meta"], json!({"page": 1, "limit": 1, "total": 3}));
}

// ---------------------------------------------------------------------------
// 4. Webhook registry and API keys
// ---------------------------------------------------------------------------

#[tokio::test]
async fn webhook_endpoints_are_created_listed_without_secret_and_deleted() {
    let server = spawn_server().await;
    let seller = server.client(SELLER_KEY);
    let events = [WebhookEventType::PurchaseCompleted, WebhookEventType::SubscriptionRenewed, WebhookEventType::SubscriptionCancelled];

    // The docs' `client.webhooks.create` call.
    let created = seller.create_webhook(&webhook_create("https://yourapp.com/webhooks/clawget", &events, WEBHOOK_SECRET)).await;
    let created = created.expect("a 201 webhook");
    assert!(created.success);
    let hook = created.data;
    assert!(hook.id.starts_with("wh_"), "{}", hook.id);
    assert_eq!(hook.url, "https://yourapp.com/webhooks/clawget");
    assert_eq!(hook.events, events);
    assert!(hook.active);

    let listed = seller.list_webhooks(&ListWebhooksQuery::default()).await.expect("a 200 page");
    assert_eq!(listed.data, std::slice::from_ref(&hook));
    assert_eq!(listed.meta, PaginationMeta::new(1, 20, 1));
    let raw = server.raw("GET", "/webhooks", Some(SELLER_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert!(
        !raw.body.contains(WEBHOOK_SECRET) && raw.json()["data"][0].get("secret").is_none(),
        "secrets are never returned: {}",
        raw.body
    );
    assert_eq!(raw.json()["data"][0]["events"], json!(["purchase.completed", "subscription.renewed", "subscription.cancelled"]));
    assert!(server.client(FULL_KEY).list_webhooks(&ListWebhooksQuery::default()).await.expect("a 200 page").data.is_empty(), "per soul");

    // Plain HTTP (the `^https://` pattern), repeated events (`uniqueItems`), a short secret
    // or no event are refused by the generated validation before the implementation runs.
    let error = api_error(seller.create_webhook(&webhook_create("http://yourapp.com/hook", &events, WEBHOOK_SECRET)).await);
    assert_eq!(error, CreateWebhookError::BadRequest(router_validation_error("url: must match the pattern ^https://").into()));
    let twice = [WebhookEventType::PurchaseCompleted, WebhookEventType::PurchaseCompleted];
    let error = api_error(seller.create_webhook(&webhook_create("https://yourapp.com/hook", &twice, WEBHOOK_SECRET)).await);
    assert_eq!(
        error,
        CreateWebhookError::BadRequest(router_validation_error("events: items 0 and 1 are equal; items must be unique").into())
    );
    let calls = server.api.operation_calls();
    for (body, field) in [
        (webhook_create("https://yourapp.com/hook", &events, "short"), "secret"),
        (webhook_create("https://yourapp.com/hook", &[], WEBHOOK_SECRET), "events"),
    ] {
        match api_error(seller.create_webhook(&body).await) {
            CreateWebhookError::BadRequest(ErrorBody::Decoded(error)) => {
                assert!(error.error.message.contains(field), "{field}: {}", error.error.message)
            }
            other => panic!("{field}: expected BadRequest, got {other:?}"),
        }
    }
    let raw = server
        .raw("POST", "/webhooks", Some(SELLER_KEY), r#"{"url":"https://x.example","events":["order.shipped"],"secret":"0123456789abcdef"}"#)
        .await;
    assert_eq!(raw.status, 400, "unknown event names: {}", raw.body);
    assert_eq!(raw.error_code(), "VALIDATION_ERROR");
    assert_eq!(server.api.operation_calls(), calls + 1, "an open enum: the implementation refuses names it does not know");

    // Someone else cannot delete it; the owner can, once.
    let error = api_error(server.client(FULL_KEY).delete_webhook(&hook.id).await);
    assert_eq!(error, DeleteWebhookError::NotFound(not_found("Webhook endpoint").into()));
    let deleted = seller.delete_webhook(&hook.id).await.expect("a 200 deletion");
    assert_eq!(deleted.data, Deletion::new(hook.id.clone(), true));
    assert!(seller.list_webhooks(&ListWebhooksQuery::default()).await.expect("a 200 page").data.is_empty());
    let error = api_error(seller.delete_webhook(&hook.id).await);
    assert_eq!(error.status(), 404);
}

#[tokio::test]
async fn api_keys_are_shown_once_scoped_revocable_and_refreshable() {
    let server = spawn_server().await;
    let alice = server.client(FULL_KEY);

    let keys = alice.list_api_keys(&ListApiKeysQuery::default()).await.expect("a 200 page");
    let key_ids: Vec<&str> = keys.data.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(key_ids, ["key_burst", "key_limited", "key_full"], "soul_alice's keys, newest first");
    assert_eq!(keys.data[2].prefix, "clg_live_ful");
    assert!(keys.data[2].last_used_at.is_some(), "this very request used it");

    // Create: the secret is in this answer only.
    let request = ApiKeyCreate::new("ci agent".to_owned(), vec![Scope::ListingsRead]).environment(ApiKeyEnvironment::Dev);
    let created = alice.create_api_key(&request).await.expect("a 201 key");
    assert!(created.success);
    let created = created.data;
    assert!(created.key.starts_with("clg_dev_"), "{}", created.key);
    assert_eq!(created.prefix, created.key[..12]);
    assert_eq!(
        (created.name.as_str(), created.environment, created.scopes.as_slice()),
        ("ci agent", ApiKeyEnvironment::Dev, &[Scope::ListingsRead][..])
    );
    let raw = server.raw("GET", "/auth/keys", Some(FULL_KEY), "").await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert!(!raw.body.contains(&created.key), "listing never shows a secret: {}", raw.body);
    assert_eq!(raw.json()["data"][0]["id"], created.id.as_str());
    assert_eq!(raw.json()["data"][0]["scopes"], json!(["listings:read"]));
    assert_eq!(raw.json()["meta"]["total"], 4);
    // The default environment is `live`.
    let raw = server.raw("POST", "/auth/keys", Some(FULL_KEY), CREATE_KEY_JSON).await;
    assert_eq!(raw.status, 201, "{}", raw.body);
    assert_eq!(raw.json()["data"]["environment"], "live");

    // The new key works, within its scope only.
    let ci = server.client(&created.key);
    assert_eq!(ci.list_listings(&ListListingsQuery::default()).await.expect("listings:read suffices").meta.total, 6);
    let error = api_error(ci.purchase_listing("listing_abc123").await);
    assert!(
        matches!(&error, PurchaseListingError::Forbidden(ErrorBody::Decoded(body)) if body.error.code == ErrorCode::InsufficientPermissions),
        "{error:?}"
    );

    // Revoked keys are 401 INVALID_API_KEY from then on.
    let revoked = alice.revoke_api_key(&created.id).await.expect("a 200 key").data;
    assert_eq!(revoked.id, created.id);
    assert!(revoked.revoked_at.is_some_and(|when| when > created.created_at), "{revoked:?}");
    let error = api_error(ci.list_listings(&ListListingsQuery::default()).await);
    assert_eq!(error, ListListingsError::Unauthorized(error_body(ErrorCode::InvalidApiKey, INVALID_KEY_MESSAGE, &[]).into()));
    let error = api_error(alice.revoke_api_key("key_seller").await);
    assert_eq!(error, RevokeApiKeyError::NotFound(not_found("API key").into()), "another account's key");
    let error = api_error(
        alice
            .create_api_key(&{
                let mut value = request;
                value.scopes = Vec::new();
                value
            })
            .await,
    );
    assert!(
        matches!(&error, CreateApiKeyError::BadRequest(ErrorBody::Decoded(body)) if body.error.message.contains("scopes")),
        "minItems 1: {error:?}"
    );

    // Listing scopes needs no scope.
    let scopes = server.client(READONLY_KEY).list_scopes().await.expect("a 200 list");
    assert!(scopes.success);
    assert_eq!(scopes.data, scope_catalogue());
    let raw = server.raw("GET", "/auth/scopes", Some(READONLY_KEY), "").await;
    assert!(raw.json().get("meta").is_none(), "the catalogue is not paginated: {}", raw.body);
    assert_eq!(raw.json()["data"][2]["name"], "purchases:write");

    // Refresh: a new key with the same scopes; the old one keeps working for 24 hours.
    let refreshed = server.client(SELLER_KEY).refresh_token().await.expect("a 200 refresh");
    assert!(refreshed.success);
    let refreshed = refreshed.data;
    assert_ne!(refreshed.key, SELLER_KEY);
    assert!(refreshed.key.starts_with("clg_live_"), "{}", refreshed.key);
    assert_eq!(refreshed.previous_key_id, "key_seller");
    assert_eq!(refreshed.api_key.scopes, ALL_SCOPES);
    assert_eq!(refreshed.api_key.name, "key_seller agent");
    assert_eq!(refreshed.previous_key_expires_at, refreshed.api_key.created_at + TimeDelta::hours(24));
    let fresh = server.client(&refreshed.key);
    assert_eq!(fresh.get_soul("soul_k9m2x7").await.expect("the new key works").data.handle, "scraperworks");
    let old = server.client(SELLER_KEY).list_api_keys(&ListApiKeysQuery::default()).await.expect("the old key still works");
    let old_meta = old.data.iter().find(|k| k.id == "key_seller").expect("the old key is listed");
    assert_eq!(old_meta.expires_at, Some(refreshed.previous_key_expires_at));
    assert_eq!(old.data[0].id, refreshed.api_key.id, "the new key is the newest");
}

// ---------------------------------------------------------------------------
// 5. Authentication and scopes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_without_a_key_sends_nothing() {
    let server = spawn_server().await;
    let c = Client::new(&server.url);
    let operations = [
        missing_credentials(c.list_listings(&ListListingsQuery::default()).await),
        missing_credentials(c.create_listing(&new_listing("x", 1.0)).await),
        missing_credentials(c.search_listings(&search_query("x", None, None, None)).await),
        missing_credentials(c.get_listing("listing_abc123").await),
        missing_credentials(c.update_listing("listing_abc123", &ListingUpdate::default()).await),
        missing_credentials(c.purchase_listing("listing_abc123").await),
        missing_credentials(c.delete_listing("listing_abc123").await),
        missing_credentials(c.list_souls(&ListSoulsQuery::default()).await),
        missing_credentials(c.get_soul("soul_alice").await),
        missing_credentials(c.list_soul_listings("soul_alice", &ListSoulListingsQuery::default()).await),
        missing_credentials(c.list_soul_activity("soul_alice", &ListSoulActivityQuery::default()).await),
        missing_credentials(c.list_purchases(&ListPurchasesQuery::default()).await),
        missing_credentials(c.list_transactions(&ListTransactionsQuery::default()).await),
        missing_credentials(c.get_usage_analytics(&GetUsageAnalyticsQuery::default()).await),
        missing_credentials(c.get_listing_stats("listing_abc123", &GetListingStatsQuery::default()).await),
        missing_credentials(c.list_webhooks(&ListWebhooksQuery::default()).await),
        missing_credentials(
            c.create_webhook(&webhook_create("https://x.example", &[WebhookEventType::PurchaseCompleted], WEBHOOK_SECRET)).await,
        ),
        missing_credentials(c.delete_webhook("wh_0001").await),
        missing_credentials(c.list_api_keys(&ListApiKeysQuery::default()).await),
        missing_credentials(
            c.create_api_key(&ApiKeyCreate::new("x".to_owned(), vec![Scope::ListingsRead]).environment(ApiKeyEnvironment::Live)).await,
        ),
        missing_credentials(c.revoke_api_key("key_full").await),
        missing_credentials(c.list_scopes().await),
        missing_credentials(c.refresh_token().await),
    ];
    let expected: Vec<&str> = ALL_OPERATIONS.iter().map(Operation::id).collect();
    assert_eq!(operations.to_vec(), expected, "each refusal names its operation");
    assert_eq!(server.http_requests(), 0, "nothing reached the server");
    assert_eq!(c.rate_limit(), None);

    // Control: the counter does count requests.
    server.client(FULL_KEY).list_scopes().await.expect("a 200 list");
    assert_eq!(server.http_requests(), 1);
}

#[tokio::test]
async fn every_route_without_a_key_is_a_401_envelope_with_rate_limit_headers() {
    let server = spawn_server().await;
    let window_end = unix_now().as_secs() + HOUR.as_secs();
    for (index, operation) in ALL_OPERATIONS.into_iter().enumerate() {
        let (method, target, body) = route(operation);
        let response = server.raw(method, target, None, body).await;
        assert_eq!(response.status, 401, "{}: {}", operation.id(), response.body);
        assert_eq!(response.error_code(), "INVALID_API_KEY", "{}", operation.id());
        assert_eq!(response.json()["error"]["message"], INVALID_KEY_MESSAGE);
        // Requests without a key share the Free budget.
        let budget = response.rate_limit();
        assert_eq!(budget.limit, Some(ANONYMOUS_BUDGET), "{}", operation.id());
        assert_eq!(budget.remaining, Some(ANONYMOUS_BUDGET - 1 - index as u64), "{}", operation.id());
        assert!(budget.reset.is_some_and(|reset| reset.abs_diff(window_end) <= 2), "{}: {budget:?}", operation.id());
    }
    // A malformed Authorization header is no key either.
    for header in ["Basic Y2xnX2xpdmVfZnVsbDo=", "Bearer ", "clg_live_full"] {
        let response = raw_request(&server.addr, "GET", "/auth/scopes", &[("Authorization", header)], b"").await;
        assert_eq!(response.status, 401, "{header:?}: {}", response.body);
        assert_eq!(response.error_code(), "INVALID_API_KEY");
    }
    assert_eq!(server.api.authorize_calls(), 0, "no key, no authorize call");
    assert_eq!(server.api.operation_calls(), 0);
}

#[tokio::test]
async fn unknown_keys_are_401_and_the_bearer_scheme_is_case_insensitive() {
    let server = spawn_server().await;
    let stranger = server.client(UNKNOWN_KEY);
    let invalid = || error_body(ErrorCode::InvalidApiKey, INVALID_KEY_MESSAGE, &[]);

    assert_eq!(api_error(stranger.list_listings(&ListListingsQuery::default()).await), ListListingsError::Unauthorized(invalid().into()));
    assert_eq!(api_error(stranger.list_scopes().await), ListScopesError::Unauthorized(invalid().into()));
    assert_eq!(api_error(stranger.refresh_token().await), RefreshTokenError::Unauthorized(invalid().into()));
    assert_eq!(
        api_error(stranger.get_usage_analytics(&GetUsageAnalyticsQuery::default()).await),
        GetUsageAnalyticsError::Unauthorized(invalid().into())
    );
    assert_eq!(server.api.authorize_calls(), 4);
    assert_eq!(server.api.operation_calls(), 0);

    let response = raw_request(&server.addr, "GET", "/auth/scopes", &[("Authorization", "bearer clg_live_full")], b"").await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn read_only_key_is_refused_exactly_the_operations_its_scopes_lack() {
    let server = spawn_server().await;
    // The scopes come from the generated security table.
    assert_eq!(Operation::PurchaseListing.security(), &[&[("ApiKeyAuth", &["purchases:write"][..])][..]]);
    assert_eq!(Operation::ListScopes.security(), &[&[("ApiKeyAuth", &[][..])][..]]);
    let expected_refusals = [
        Operation::CreateListing,
        Operation::UpdateListing,
        Operation::PurchaseListing,
        Operation::DeleteListing,
        Operation::ListWebhooks,
        Operation::CreateWebhook,
        Operation::DeleteWebhook,
        Operation::ListApiKeys,
        Operation::CreateApiKey,
        Operation::RevokeApiKey,
    ];
    for operation in ALL_OPERATIONS {
        let lacks_a_scope = operation
            .security()
            .iter()
            .flat_map(|alternative| alternative.iter())
            .flat_map(|(_, scopes)| scopes.iter())
            .any(|scope| !READ_SCOPES.iter().any(|granted| granted.as_str() == *scope));
        assert_eq!(lacks_a_scope, expected_refusals.contains(&operation), "{}", operation.id());

        let calls = server.api.operation_calls();
        let (method, target, body) = route(operation);
        let response = server.raw(method, target, Some(READONLY_KEY), body).await;
        assert!(response.rate_limit().limit == Some(PRO_BUDGET), "{}", operation.id());
        if lacks_a_scope {
            assert_eq!(response.status, 403, "{}: {}", operation.id(), response.body);
            assert_eq!(response.error_code(), "INSUFFICIENT_PERMISSIONS", "{}", operation.id());
            assert_eq!(response.json()["error"]["message"], PERMISSION_MESSAGE);
            assert_eq!(server.api.operation_calls(), calls, "{}: refused before the implementation", operation.id());
        } else {
            // Carol sells nothing, so she sees no listing's stats.
            let expected = if operation == Operation::GetListingStats { 404 } else { 200 };
            assert_eq!(response.status, expected, "{}: {}", operation.id(), response.body);
            assert_eq!(server.api.operation_calls(), calls + 1, "{}", operation.id());
        }
    }
    // The refused writes changed nothing.
    let full = server.client(FULL_KEY);
    let listing = full.get_listing("listing_abc123").await.expect("not deleted").data;
    assert_eq!((listing.price, listing.purchase_count), (25.0, 2411));
    assert_eq!(full.list_listings(&ListListingsQuery::default()).await.expect("a 200 page").meta.total, 6);
    assert!(full.list_api_keys(&ListApiKeysQuery::default()).await.expect("key_full was not revoked").success);
}

// ---------------------------------------------------------------------------
// 6. Rate limits
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rate_limit_headers_come_with_successes_and_errors_and_the_client_tracks_them() {
    let server = spawn_server().await;
    let window_end = unix_now().as_secs() + HOUR.as_secs();

    let ok = server.raw("GET", "/listings", Some(FULL_KEY), "").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let budget = ok.rate_limit();
    assert_eq!((budget.limit, budget.remaining), (Some(PRO_BUDGET), Some(999)));
    let reset = budget.reset.expect("a reset time");
    assert!(reset.abs_diff(window_end) <= 2, "the end of the hour window in Unix seconds: {reset} vs {window_end}");

    let missing = server.raw("GET", "/listings/listing_nope", Some(FULL_KEY), "").await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(missing.error_code(), "LISTING_NOT_FOUND");
    assert_eq!(missing.rate_limit(), RateLimit { limit: Some(PRO_BUDGET), remaining: Some(998), reset: Some(reset) });
    let invalid = server.raw("GET", "/listings?limit=0", Some(FULL_KEY), "").await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);
    assert_eq!(invalid.rate_limit().remaining, Some(997));

    let client = server.client(FULL_KEY);
    assert_eq!(client.rate_limit(), None, "no answer yet");
    client.list_listings(&ListListingsQuery::default()).await.expect("a 200 page");
    assert_eq!(client.rate_limit(), Some(RateLimit { limit: Some(PRO_BUDGET), remaining: Some(996), reset: Some(reset) }));
    let _ = api_error(client.get_listing("listing_nope").await);
    assert_eq!(client.rate_limit().and_then(|budget| budget.remaining), Some(995), "error answers update it too");
    client.purchase_listing("listing_abc123").await.expect("a 201 purchase");
    assert_eq!(client.rate_limit().and_then(|budget| budget.remaining), Some(994), "and so do 201s");

    // Budgets are per key.
    let seller = server.client(SELLER_KEY);
    seller.list_scopes().await.expect("a 200 list");
    assert_eq!(seller.rate_limit().and_then(|budget| budget.remaining), Some(999));
    assert_eq!(client.rate_limit().and_then(|budget| budget.remaining), Some(994), "each client keeps its own");
}

#[tokio::test]
async fn an_exhausted_budget_is_a_documented_429_on_every_route() {
    let server = spawn_server().await;
    let limited = server.client(LIMITED_KEY);
    for remaining in (0..LIMITED_BUDGET).rev() {
        limited.list_scopes().await.expect("within budget");
        assert_eq!(limited.rate_limit().and_then(|budget| budget.limit), Some(LIMITED_BUDGET));
        assert_eq!(limited.rate_limit().and_then(|budget| budget.remaining), Some(remaining));
    }

    let error = api_error(limited.list_scopes().await);
    match &error {
        ListScopesError::TooManyRequests(ErrorBody::Decoded(body)) => {
            assert_eq!(body.error.code, ErrorCode::RateLimitExceeded);
            let wait = seconds_from_now(body.error.details.reset_at);
            assert!((3589..=3600).contains(&wait), "{wait}");
            assert!(body.error.details.limit.is_none_or(|limit| limit == i64::try_from(LIMITED_BUDGET).expect("small")), "{body:?}");
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
    assert_eq!(limited.rate_limit().map(|budget| (budget.limit, budget.remaining)), Some((Some(LIMITED_BUDGET), Some(0))));

    for operation in ALL_OPERATIONS {
        let (method, target, body) = route(operation);
        let response = server.raw(method, target, Some(LIMITED_KEY), body).await;
        assert_eq!(response.status, 429, "{}: {}", operation.id(), response.body);
        assert_eq!(response.error_code(), "RATE_LIMIT_EXCEEDED", "{}", operation.id());
        // The seed's 429 body: `details` with `resetAt`, `limit` and `window`, and no Retry-After header.
        assert!(!response.headers.contains_key("retry-after"), "{}: {:?}", operation.id(), response.headers);
        let details = &response.json()["error"]["details"];
        let reset_at: DateTime<Utc> = details["resetAt"].as_str().and_then(|text| text.parse().ok()).expect("an RFC 3339 resetAt");
        let wait = seconds_from_now(reset_at);
        assert!((3589..=3600).contains(&wait), "{}: {wait}", operation.id());
        assert!(details["limit"].is_null() || details["limit"] == LIMITED_BUDGET, "{}: {details}", operation.id());
        let budget = response.rate_limit();
        assert_eq!((budget.limit, budget.remaining), (Some(LIMITED_BUDGET), Some(0)), "{}", operation.id());
    }
    assert_eq!(server.api.operation_calls(), 3, "refused requests never reach the implementation");
    assert_eq!(server.api.authorize_calls(), 3, "nor authorization");

    // The soul's other key is unaffected, and its analytics count the refusals.
    let usage = server.client(FULL_KEY).get_usage_analytics(&GetUsageAnalyticsQuery::default()).await.expect("a 200 analytics").data;
    assert_eq!((usage.api_requests, usage.rate_limited_requests), (4, 24));
}

#[tokio::test]
async fn the_retry_policy_waits_out_a_short_retry_after_but_not_a_long_one() {
    let server = spawn_server().await;
    let burst = server.client(BURST_KEY);
    burst.list_scopes().await.expect("the one request of this second");
    let error = api_error(burst.list_scopes().await);
    match &error {
        ListScopesError::TooManyRequests(ErrorBody::Decoded(body)) => {
            assert!(seconds_from_now(body.error.details.reset_at) <= 1, "{error:?}")
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }

    let patient =
        burst.clone().with_retry_policy(RetryPolicy { max_retries: 2, max_wait: Duration::from_secs(5), ..RetryPolicy::default() });
    let requests = server.http_requests();
    let started = Instant::now();
    let scopes = patient.list_scopes().await.expect("the retry at the body's resetAt succeeds");
    assert_eq!(scopes.data.len(), 7);
    assert!(started.elapsed() >= Duration::from_millis(900), "the client waited until details.resetAt: {:?}", started.elapsed());
    assert_eq!(server.http_requests() - requests, 2, "one refusal, one retry");

    // An hour is longer than max_wait: the 429 comes back at once.
    let limited = server.client(LIMITED_KEY).with_retry_policy(RetryPolicy::default());
    for _ in 0..LIMITED_BUDGET {
        limited.list_scopes().await.expect("within budget");
    }
    let requests = server.http_requests();
    let started = Instant::now();
    let error = api_error(limited.list_scopes().await);
    assert_eq!(error.status(), 429);
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(server.http_requests() - requests, 1);
}

// ---------------------------------------------------------------------------
// 7. Webhooks: signatures and the generated receiver
// ---------------------------------------------------------------------------

/// The `purchase.completed` payload of the docs.
const PURCHASE_EVENT: &str = r#"{"event":"purchase.completed","timestamp":"2025-02-03T14:30:00Z","data":{"purchaseId":"purch_abc123","listingId":"listing_xyz","buyerId":"soul_def456","amount":"25.00","currency":"USDT","licenseKey":"lic_789xyz"},"signature":"sha256_signature_here"}"#;
const RENEWED_EVENT: &str = r#"{"event":"subscription.renewed","timestamp":"2025-03-03T14:30:00Z","data":{"subscriptionId":"sub_q4w8e2","listingId":"listing_p7q2r9","buyerId":"soul_def456","amount":"12.50","currency":"USDT","currentPeriodStart":"2025-03-03T14:30:00Z","currentPeriodEnd":"2025-04-03T14:30:00Z"}}"#;
const CANCELLED_EVENT: &str = r#"{"event":"subscription.cancelled","timestamp":"2025-03-03T14:30:00Z","data":{"subscriptionId":"sub_q4w8e2","listingId":"listing_p7q2r9","buyerId":"soul_def456","amount":"12.50","currency":"USDT","cancelledAt":"2025-03-03T14:30:00Z","accessEndsAt":"2025-03-03T14:30:00Z","reason":"payment_failed"}}"#;
const UNKNOWN_EVENT: &str = r#"{"event":"order.shipped","timestamp":"2025-03-03T14:30:00Z","data":{"orderId":"ord_1"}}"#;

fn expected_purchase_event() -> PurchaseCompletedEvent {
    PurchaseCompletedEvent::new(
        PurchaseCompletedEventEvent::PurchaseCompleted,
        at("2025-02-03T14:30:00Z"),
        PurchaseCompletedData::new(
            "purch_abc123".to_owned(),
            "listing_xyz".to_owned(),
            "soul_def456".to_owned(),
            "25.00".to_owned(),
            Currency::Usdt,
            "lic_789xyz".to_owned(),
        ),
    )
    .signature("sha256_signature_here".to_owned())
}

#[test]
fn webhook_receive_accepts_only_signed_fresh_known_events() {
    // HMAC-SHA256 (RFC 4231, test case 2), lowercase hex.
    assert_eq!(
        webhooks::sign(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!((webhooks::SIGNATURE_HEADER, webhooks::TIMESTAMP_HEADER), ("X-Clawget-Signature", "X-Clawget-Timestamp"));
    assert_eq!(webhooks::TOLERANCE, Duration::from_secs(300));

    let secret = WEBHOOK_SECRET.as_bytes();
    let now = UNIX_EPOCH + Duration::from_secs(1_738_593_000);
    let now_ms: u64 = 1_738_593_000_000;
    let body = PURCHASE_EVENT.as_bytes();
    let signature = webhooks::sign(secret, body);
    assert_eq!(signature.len(), 64);
    assert!(signature.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)), "{signature}");
    let fresh = (now_ms - 10_000).to_string();

    // Valid.
    let event = webhooks::receive(secret, body, Some(&signature), Some(&fresh), now).expect("a valid delivery");
    assert_eq!(event, Event::PurchaseCompleted(expected_purchase_event()));
    assert_eq!(event.webhook(), "purchase.completed");
    // The `sha256=` prefix is accepted.
    let prefixed = format!("sha256={signature}");
    assert_eq!(webhooks::receive(secret, body, Some(&prefixed), Some(&fresh), now), Ok(event.clone()));

    // Tampered body.
    let tampered = PURCHASE_EVENT.replace("25.00", "2.50");
    assert_eq!(webhooks::receive(secret, tampered.as_bytes(), Some(&signature), Some(&fresh), now), Err(WebhookError::InvalidSignature));
    assert_eq!(webhooks::check_signature(secret, tampered.as_bytes(), Some(&prefixed)), Err(WebhookError::InvalidSignature));
    // Wrong secret, either way round.
    assert_eq!(webhooks::receive(b"another_secret_value", body, Some(&signature), Some(&fresh), now), Err(WebhookError::InvalidSignature));
    let foreign = webhooks::sign(b"another_secret_value", body);
    assert_eq!(webhooks::receive(secret, body, Some(&foreign), Some(&fresh), now), Err(WebhookError::InvalidSignature));
    // Stale: more than five minutes old, in milliseconds (the seed's receiver).
    let stale = (now_ms - 301_000).to_string();
    assert_eq!(webhooks::receive(secret, body, Some(&signature), Some(&stale), now), Err(WebhookError::Stale { age_seconds: 301 }));
    assert_eq!(webhooks::check_timestamp(Some(&(now_ms - 299_000).to_string()), now), Ok(()), "within the tolerance");
    // Ahead of the receiver's clock: the seed's check accepts any future time; the
    // spec allows a bounded skew (`future-skew-seconds: 300`) and refuses beyond it.
    assert_eq!(webhooks::FUTURE_SKEW, Duration::from_secs(300));
    assert_eq!(webhooks::check_timestamp(Some(&(now_ms + 1_000).to_string()), now), Ok(()), "a sender's clock a second fast");
    let ahead = (now_ms + 299_000).to_string();
    assert_eq!(webhooks::receive(secret, body, Some(&signature), Some(&ahead), now), Ok(event.clone()), "within the skew");
    let future = (now_ms + 301_000).to_string();
    assert_eq!(webhooks::check_timestamp(Some(&future), now), Err(WebhookError::Early { ahead_seconds: 301 }));
    assert!(
        matches!(webhooks::check_timestamp(Some(&(now_ms / 1000).to_string()), now), Err(WebhookError::Stale { .. })),
        "seconds are not milliseconds"
    );

    // Missing or malformed headers.
    assert_eq!(webhooks::receive(secret, body, None, Some(&fresh), now), Err(WebhookError::MissingSignature));
    assert_eq!(webhooks::check_signature(secret, body, Some("not-hex")), Err(WebhookError::InvalidSignature));
    assert_eq!(webhooks::check_signature(secret, body, Some(&signature[..62])), Err(WebhookError::InvalidSignature));
    assert_eq!(webhooks::receive(secret, body, Some(&signature), None, now), Err(WebhookError::MissingTimestamp));
    assert_eq!(webhooks::receive(secret, body, Some(&signature), Some("yesterday"), now), Err(WebhookError::InvalidTimestamp));
    // The signature is checked before the timestamp.
    assert_eq!(webhooks::receive(secret, tampered.as_bytes(), Some(&signature), Some(&stale), now), Err(WebhookError::InvalidSignature));

    // A signed but unknown payload.
    let unknown = webhooks::sign(secret, UNKNOWN_EVENT.as_bytes());
    assert!(
        matches!(
            webhooks::receive(secret, UNKNOWN_EVENT.as_bytes(), Some(&unknown), Some(&fresh), now),
            Err(WebhookError::InvalidPayload(_))
        ),
        "unknown events are refused"
    );

    // The other two payloads decode into their own variants.
    let renewed =
        webhooks::receive(secret, RENEWED_EVENT.as_bytes(), Some(&webhooks::sign(secret, RENEWED_EVENT.as_bytes())), Some(&fresh), now);
    match renewed {
        Ok(Event::SubscriptionRenewed(event)) => {
            assert_eq!(event.data.subscription_id, "sub_q4w8e2");
            assert_eq!(event.data.current_period_end, at("2025-04-03T14:30:00Z"));
        }
        other => panic!("expected SubscriptionRenewed, got {other:?}"),
    }
    let cancelled =
        webhooks::receive(secret, CANCELLED_EVENT.as_bytes(), Some(&webhooks::sign(secret, CANCELLED_EVENT.as_bytes())), Some(&fresh), now);
    match cancelled {
        Ok(event @ Event::SubscriptionCancelled(_)) => {
            assert_eq!(event.webhook(), "subscription.cancelled");
            assert!(matches!(&event, Event::SubscriptionCancelled(e) if e.data.reason == CancellationReason::PaymentFailed));
        }
        other => panic!("expected SubscriptionCancelled, got {other:?}"),
    }
}

/// The seed's sender signs `JSON.stringify(payload)`: compact, and with the
/// keys in the order the sender's object has them, which need not be the
/// generated struct's. The receiver must verify the bytes as received.
#[tokio::test]
async fn a_javascript_json_stringify_body_verifies_as_received() {
    // What `JSON.stringify` writes for an object built in this key order.
    const JS_BODY: &str = r#"{"timestamp":"2025-02-03T14:30:00Z","event":"purchase.completed","data":{"licenseKey":"lic_789xyz","currency":"USDT","amount":"25.00","buyerId":"soul_def456","listingId":"listing_xyz","purchaseId":"purch_abc123"},"signature":"sha256_signature_here"}"#;
    let secret = WEBHOOK_SECRET.as_bytes();
    let js_signature = webhooks::sign(secret, JS_BODY.as_bytes());
    let now = UNIX_EPOCH + Duration::from_secs(1_738_593_000);
    let fresh = (1_738_593_000_000u64 - 1_000).to_string();

    let event = webhooks::receive(secret, JS_BODY.as_bytes(), Some(&js_signature), Some(&fresh), now).expect("the sender's bytes verify");
    assert_eq!(event, Event::PurchaseCompleted(expected_purchase_event()));

    // Re-encoding the decoded event does not give the sender's bytes back, so
    // its signature would not match: only the raw body verifies.
    let Event::PurchaseCompleted(decoded) = &event else { panic!("a purchase event") };
    let reencoded = serde_json::to_vec(decoded).expect("serialisable");
    assert_ne!(reencoded, JS_BODY.as_bytes(), "serde's key order is not the sender's");
    assert_eq!(
        webhooks::check_signature(secret, &reencoded, Some(&js_signature)),
        Err(WebhookError::InvalidSignature),
        "a re-encoding is not what was signed"
    );

    // Over HTTP the generated receiver hashes the body it received, byte for byte.
    let recorder = Recorder::default();
    let addr = spawn_receiver(WEBHOOK_SECRET, recorder.clone()).await;
    let now_ms = || unix_now().as_millis();
    let response = deliver(&addr, JS_BODY.as_bytes(), Some(&js_signature), Some(now_ms())).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(recorder.events(), [Event::PurchaseCompleted(expected_purchase_event())]);
    // A sender whose clock runs a minute fast is within the skew; ten minutes is not.
    let response = deliver(&addr, JS_BODY.as_bytes(), Some(&js_signature), Some(now_ms() + 60_000)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let response = deliver(&addr, JS_BODY.as_bytes(), Some(&js_signature), Some(now_ms() + 600_000)).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(recorder.events().len(), 2);
}

/// POSTs one delivery to the receiver over raw HTTP.
async fn deliver(addr: &str, body: &[u8], signature: Option<&str>, timestamp_ms: Option<u128>) -> RawResponse {
    let timestamp = timestamp_ms.map(|ms| ms.to_string());
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(signature) = signature {
        headers.push((webhooks::SIGNATURE_HEADER, signature));
    }
    if let Some(timestamp) = &timestamp {
        headers.push((webhooks::TIMESTAMP_HEADER, timestamp));
    }
    raw_request(addr, "POST", RECEIVER_PATH, &headers, body).await
}

#[tokio::test]
async fn webhook_receiver_over_http_accepts_only_valid_deliveries() {
    let recorder = Recorder::default();
    let addr = spawn_receiver(WEBHOOK_SECRET, recorder.clone()).await;
    let secret = WEBHOOK_SECRET.as_bytes();
    let body = PURCHASE_EVENT.as_bytes();
    let signature = webhooks::sign(secret, body);
    let now_ms = || unix_now().as_millis();

    // Valid: 200, and the typed event reached the receiver.
    let response = deliver(&addr, body, Some(&signature), Some(now_ms())).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(recorder.events(), [Event::PurchaseCompleted(expected_purchase_event())]);

    // Tampered body, wrong secret, no signature: 401, and nothing reaches the receiver.
    let tampered = PURCHASE_EVENT.replace("lic_789xyz", "lic_forged");
    let foreign = webhooks::sign(b"another_secret_value", body);
    for (case, body, signature) in [
        ("tampered", tampered.as_bytes(), Some(signature.as_str())),
        ("wrong secret", body, Some(foreign.as_str())),
        ("unsigned", body, None),
    ] {
        let response = deliver(&addr, body, signature, Some(now_ms())).await;
        assert_eq!(response.status, 401, "{case}: {}", response.body);
        assert!(response.json()["error"].as_str().is_some_and(|message| message.contains("signature")), "{case}: {}", response.body);
    }
    // Six minutes old (in milliseconds): 400.
    let response = deliver(&addr, body, Some(&signature), Some(now_ms() - 360_000)).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert!(response.json()["error"].as_str().is_some_and(|message| message.contains("seconds")), "{}", response.body);
    let response = deliver(&addr, body, Some(&signature), None).await;
    assert_eq!(response.status, 400, "no timestamp: {}", response.body);
    // Signed but unknown: 400.
    let response = deliver(&addr, UNKNOWN_EVENT.as_bytes(), Some(&webhooks::sign(secret, UNKNOWN_EVENT.as_bytes())), Some(now_ms())).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(recorder.events().len(), 1, "no refused delivery reached the receiver");

    // The receiver's own failure: 500 with its message.
    let failing = PURCHASE_EVENT.replace("purch_abc123", FAILING_PURCHASE);
    let response = deliver(&addr, failing.as_bytes(), Some(&webhooks::sign(secret, failing.as_bytes())), Some(now_ms())).await;
    assert_eq!(response.status, 500, "{}", response.body);
    assert_eq!(response.json()["error"], "the ledger is unavailable");

    // The other events, one with the `sha256=` prefix.
    let renewed = format!("sha256={}", webhooks::sign(secret, RENEWED_EVENT.as_bytes()));
    assert_eq!(deliver(&addr, RENEWED_EVENT.as_bytes(), Some(&renewed), Some(now_ms())).await.status, 200);
    let cancelled = webhooks::sign(secret, CANCELLED_EVENT.as_bytes());
    assert_eq!(deliver(&addr, CANCELLED_EVENT.as_bytes(), Some(&cancelled), Some(now_ms())).await.status, 200);
    let kinds: Vec<&str> = recorder.events().iter().map(Event::webhook).collect();
    assert_eq!(kinds, ["purchase.completed", "subscription.renewed", "subscription.cancelled"]);
}

#[tokio::test]
async fn a_purchase_is_delivered_signed_to_the_sellers_endpoint() {
    let server = spawn_server().await;
    let seller = server.client(SELLER_KEY);
    let alice = server.client(FULL_KEY);
    const SELLER_SECRET: &str = "seller_whsec_0123456789";
    const ALICE_SECRET: &str = "alice_whsec_0123456789";

    let hook = seller
        .create_webhook(&webhook_create("https://seller.example/hooks/clawget", &[WebhookEventType::PurchaseCompleted], SELLER_SECRET))
        .await
        .expect("a 201 webhook")
        .data;
    alice
        .create_webhook(&webhook_create("https://alice.example/hooks", &[WebhookEventType::SubscriptionRenewed], ALICE_SECRET))
        .await
        .expect("a 201 webhook");

    let purchase = alice.purchase_listing("listing_abc123").await.expect("a 201 purchase").data;
    let outbox = server.api.outbox();
    assert_eq!(outbox.len(), 1, "only the seller's endpoint subscribes to purchase.completed: {outbox:?}");
    let delivery = &outbox[0];
    assert_eq!(delivery.url, "https://seller.example/hooks/clawget");

    // Forward it to the generated receiver over HTTP.
    let recorder = Recorder::default();
    let addr = spawn_receiver(SELLER_SECRET, recorder.clone()).await;
    let response = deliver(&addr, &delivery.body, Some(&delivery.signature), Some(delivery.timestamp_ms)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let expected = PurchaseCompletedEvent::new(
        PurchaseCompletedEventEvent::PurchaseCompleted,
        purchase.created_at,
        PurchaseCompletedData::new(
            purchase.id.clone(),
            "listing_abc123".to_owned(),
            "soul_alice".to_owned(),
            "25.00".to_owned(),
            Currency::Usdt,
            purchase.license_key.clone(),
        ),
    );
    assert_eq!(recorder.events(), [Event::PurchaseCompleted(expected)]);

    // Another endpoint's secret does not verify it.
    let other = spawn_receiver(ALICE_SECRET, Recorder::default()).await;
    assert_eq!(deliver(&other, &delivery.body, Some(&delivery.signature), Some(delivery.timestamp_ms)).await.status, 401);

    // Once the endpoint is deleted, purchases queue nothing more.
    seller.delete_webhook(&hook.id).await.expect("a 200 deletion");
    alice.purchase_listing("listing_xyz").await.expect("a 201 purchase");
    assert_eq!(server.api.outbox().len(), 1);
}

// ---------------------------------------------------------------------------
// 8. Reproductions of generator bugs (ignored until the generator is fixed;
//    run with `cargo test --test e2e_clawget -- --ignored`)
// ---------------------------------------------------------------------------

/// The server's own 429 copies `error.details` from the spec's example
/// (`limit: 1000`, `resetAt: 2025-02-03T15:00:00Z`, `window: 1h`) instead of the
/// budget the `rate_limit` hook refused with, so body and headers contradict.
#[tokio::test]
async fn generator_bug_rate_limit_details_contradict_the_headers() {
    let server = spawn_server().await;
    let limited = server.client(LIMITED_KEY);
    for _ in 0..LIMITED_BUDGET {
        limited.list_scopes().await.expect("within budget");
    }
    let response = server.raw("GET", "/auth/scopes", Some(LIMITED_KEY), "").await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.header_u64("x-ratelimit-limit"), LIMITED_BUDGET);
    let details = &response.json()["error"]["details"];
    // Absent is not a contradiction: `limit` is optional, and the server leaves out what it cannot fill.
    assert!(
        details.is_null() || details["limit"].is_null() || details["limit"] == json!(LIMITED_BUDGET),
        "details must not contradict X-RateLimit-Limit {LIMITED_BUDGET}: {}",
        response.body
    );
}

/// Every 400 the generated server produces (query, path or body) carries the
/// spec example's `details: {field: "limit", reason: "must be between 1 and 100"}`,
/// whatever actually failed.
#[tokio::test]
async fn generator_bug_validation_details_name_the_wrong_field() {
    let server = spawn_server().await;
    for (method, target, body, field) in [
        ("GET", "/listings?page=0", "", "page"),
        ("POST", "/listings", r#"{"title":"","description":"d","category":"c","price":1}"#, "title"),
        ("POST", "/listings/%FF/purchase", "", "listingId"),
    ] {
        let response = server.raw(method, target, Some(FULL_KEY), body).await;
        assert_eq!(response.status, 400, "{target}: {}", response.body);
        let details = &response.json()["error"]["details"];
        assert!(details.is_null() || details["field"] == field, "{method} {target}: details name another field: {}", response.body);
    }
}

/// `pattern` is not validated: the `listingId`/`soulId` path patterns and
/// `WebhookCreate.url` (`^https://`) reach the implementation unchecked, so an
/// implementation that relies on the documented 400 accepts invalid input.
#[tokio::test]
async fn generator_gap_patterns_are_not_enforced() {
    let server = spawn_server().await;
    for (method, target, body) in [
        ("GET", "/listings/not-a-listing-id", ""),
        ("GET", "/souls/alice", ""),
        ("POST", "/webhooks", r#"{"url":"http://plain.example","events":["purchase.completed"],"secret":"0123456789abcdef"}"#),
    ] {
        let calls = server.api.operation_calls();
        let response = server.raw(method, target, Some(FULL_KEY), body).await;
        assert_eq!(response.status, 400, "{method} {target}: {}", response.body);
        assert_eq!(server.api.operation_calls(), calls, "{method} {target} reached the implementation");
    }
}
