//! End-to-end test of the generated `oneclaw_v1` crate (from `specs/1claw.yaml`,
//! 96 operations).
//!
//! Each test starts the GENERATED axum server (`oneclaw_v1::server::router`) on
//! 127.0.0.1 with an in-memory, Mutex-guarded implementation of `OneclawApi`
//! that has real behaviour where it matters: opaque JWT-like bearer tokens that
//! are issued (signup, password, MFA, Google, device flow, personal API key,
//! agent key), tracked and revoked; vaults; secrets at wildcard paths with
//! versions and soft deletion; agents with key rotation and the
//! `intents_api_enabled` flag; shares with acceptance, expiry, revocation and a
//! maximum access count; a per-user secret read/write quota (the billing stage);
//! and a per-token request budget in the `rate_limit` hook. Everything else
//! (admin, organization, MFA, device flow, billing v2, audit, chains, IP rules,
//! CMEK, policies) has small but consistent state. The GENERATED typed client
//! (`oneclaw_v1::client::Client`) calls it over real HTTP; a raw TCP helper
//! checks the wire.
//!
//! What this proves about the generated code:
//! - every one of the 96 operations round-trips its request (path, query,
//!   header and body parameters) and its typed success answer, including the
//!   two-success operations (`createToken` 200/202, `putSecret` 201/200) and the
//!   204s; the implementation records each operation it served and the walk
//!   asserts all 96 were reached;
//! - secret paths are wildcard routes: multi-segment paths, and segments with
//!   spaces, `%` or non-ASCII characters, reach the implementation unchanged
//!   through the client's `encode_path`, and come back unchanged;
//! - the request pipeline: the `rate_limit` hook runs first (429 with
//!   `X-RateLimit-*` and no retry header, as the seed names none; before
//!   authentication), `authorize`
//!   is never called for public operations, a missing token is a
//!   `MissingCredentials` on the client and a 401 on the wire, unknown or
//!   revoked tokens are 401, insufficient permissions are 403, an exhausted
//!   quota is 402, and `X-RateLimit-*` headers are on every answer and surface
//!   through `Client::rate_limit()`;
//! - documented errors reach the client as their typed variants (400, 401, 402,
//!   403, 404, 409, 410, 422, 429) with the spec's `{"error", "message"}` body,
//!   e.g. `POST /v1/auth/refresh` → 400 "Refresh tokens not yet implemented".

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use oneclaw_v1::auth::{AuthError, Credentials, Operation};
use oneclaw_v1::client::{Client, ClientError};
use oneclaw_v1::errors::*;
use oneclaw_v1::rate_limit::{RateLimit, RateLimitDecision};
use oneclaw_v1::server::{self, OneclawApi, RequestContext};
use oneclaw_v1::types::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/// The server's fixed clock.
const CLOCK: &str = "2026-03-01T12:00:00Z";
/// `X-RateLimit-Reset` of every answer (Unix seconds).
const RESET_AT: u64 = 1_772_409_600;
/// Requests per window of a token without an explicit budget.
const DEFAULT_RATE_LIMIT: u64 = 10_000;
const RETRY_AFTER_SECS: u64 = 30;
/// Secret reads and writes per period of a user without an explicit quota.
const DEFAULT_SECRET_QUOTA: i64 = 1_000;
/// The only TOTP code the in-memory MFA accepts.
const MFA_CODE: &str = "123456";
const ADMIN_EMAIL: &str = "ops@1claw.xyz";
const ADMIN_PASSWORD: &str = "operator-password-42";
const PASSWORD: &str = "correct-horse-battery-staple";
/// Calldata whose simulation reverts.
const FAILING_CALLDATA: &str = "0xdeadbeef";

const INVALID_TOKEN: &str = "Invalid, expired or revoked token";
const MISSING_TOKEN: &str = "Missing or invalid bearer token";
const ADMIN_REQUIRED: &str = "Platform administrator privileges required";
const USER_TOKEN_REQUIRED: &str = "This operation requires a user token";
const INTENTS_DISABLED: &str = "The Intents API is not enabled for this agent";
const QUOTA_EXCEEDED: &str = "Plan quota exceeded for this billing period; upgrade your plan or add credits";
const REFRESH_NOT_IMPLEMENTED: &str = "Refresh tokens not yet implemented";
const SHARE_GONE: &str = "This share has expired or reached its access limit";
const POLICY_DENIED: &str = "Access policy denies this action on the secret path";

/// A deterministic `format: uuid` id: the record kind's short prefix (e.g.
/// `vlt`, ASCII) in the first group and a serial number in the last 64 bits,
/// so `tagged("vlt", 3)` is `00766c74-0000-0000-0000-000000000003`.
const fn tagged(prefix: &str, serial: u64) -> Uuid {
    let bytes = prefix.as_bytes();
    assert!(!bytes.is_empty() && bytes.len() <= 4, "a prefix of 1 to 4 bytes");
    let mut tag: u128 = 0;
    let mut i = 0;
    while i < bytes.len() {
        tag = (tag << 8) | bytes[i] as u128;
        i += 1;
    }
    Uuid::from_u128((tag << 96) | serial as u128)
}

/// The serial number of a `tagged` id (any uuid has one: its last 64 bits).
const fn serial(id: &Uuid) -> u64 {
    id.as_u64_pair().1
}

/// An id of kind `prefix` that no record has: the counter never gets that far.
const fn unknown(prefix: &str) -> Uuid {
    tagged(prefix, 9999)
}

/// The id of the chain record with EIP-155 chain ID `chain_id`.
const fn chain_uuid(chain_id: i64) -> Uuid {
    tagged("chn", chain_id as u64)
}

fn clock() -> DateTime<Utc> {
    CLOCK.parse().expect("a valid clock")
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a valid date-time literal")
}

fn err(code: &str, message: impl Into<String>) -> Error {
    Error::new(code.to_owned(), message.into())
}

fn not_found(what: &str) -> Error {
    err("not_found", format!("{what} not found"))
}

fn bad_request(message: impl Into<String>) -> Error {
    err("invalid_request", message)
}

/// The agent as `GET /v1/agents/me` shows it: with `created_by`, which the seed promises there.
fn profile(agent: Agent) -> AgentProfile {
    {
        let mut value = AgentProfile::new(
            agent.id,
            agent.org_id,
            agent.name,
            agent.is_active,
            agent.intents_api_enabled,
            agent.vault_ids,
            agent.key_prefix,
            agent.created_by.expect("every stored agent has its creator"),
            agent.created_at,
            agent.updated_at,
        );
        value.description = agent.description;
        value.last_active_at = agent.last_active_at;
        value
    }
}

fn unauthorized() -> Error {
    err("unauthorized", MISSING_TOKEN)
}

fn forbidden(message: &str) -> Error {
    err("forbidden", message)
}

fn payment_required() -> Error {
    err("payment_required", QUOTA_EXCEEDED)
}

/// One page of `items` after the opaque `cursor` (an offset).
fn page<T>(items: Vec<T>, limit: i64, cursor: Option<&str>) -> Result<(Vec<T>, Option<String>), Error> {
    let offset: usize = match cursor {
        None => 0,
        Some(cursor) => cursor.parse().map_err(|_| bad_request(format!("cursor: invalid value `{cursor}`")))?,
    };
    let limit = usize::try_from(limit).unwrap_or(0);
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + limit < total).then(|| (offset + limit).to_string());
    Ok((items, next))
}

// ---------------------------------------------------------------------------
// The in-memory implementation
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    User(Uuid),
    Agent(Uuid),
}

struct UserRecord {
    user: User,
    password: String,
    platform_admin: bool,
    mfa_pending_secret: Option<String>,
    mfa_enrolled_at: Option<DateTime<Utc>>,
    backup_codes: Vec<String>,
    secret_reads: i64,
    secret_writes: i64,
    read_quota: i64,
    write_quota: i64,
}

struct AgentRecord {
    agent: Agent,
    api_key: String,
}

struct SecretRecord {
    /// Every version, oldest first.
    versions: Vec<Secret>,
    deleted: bool,
}

impl SecretRecord {
    fn current(&self) -> &Secret {
        self.versions.last().expect("a secret has a version")
    }
}

struct ShareRecord {
    share: Share,
    vault_id: Uuid,
}

struct ApiKeyRecord {
    key: ApiKey,
    secret: String,
    user_id: Uuid,
}

struct DeviceRecord {
    device_code: String,
    status: DeviceCodeStatus,
    approved_by: Option<Uuid>,
}

struct InvitationRecord {
    invitation: Invitation,
    org_id: Uuid,
}

/// One secret-path parameter as the implementation received it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReceivedPath {
    operation: &'static str,
    vault_id: Uuid,
    path: String,
}

#[derive(Default)]
struct State {
    next_id: u64,
    users: BTreeMap<Uuid, UserRecord>,
    tokens: HashMap<String, Principal>,
    /// MFA token → user.
    mfa_challenges: HashMap<String, Uuid>,
    api_keys: BTreeMap<Uuid, ApiKeyRecord>,
    devices: BTreeMap<String, DeviceRecord>,
    vaults: BTreeMap<Uuid, Vault>,
    cmek: HashMap<Uuid, CmekConfig>,
    cmek_jobs: HashMap<Uuid, CmekRotationJob>,
    secrets: BTreeMap<(Uuid, String), SecretRecord>,
    received_paths: Vec<ReceivedPath>,
    policies: BTreeMap<Uuid, Policy>,
    agents: BTreeMap<Uuid, AgentRecord>,
    enrollments: Vec<EnrollAgentRequest>,
    shares: BTreeMap<Uuid, ShareRecord>,
    chains: BTreeMap<Uuid, Chain>,
    transactions: BTreeMap<Uuid, Transaction>,
    tiers: HashMap<Uuid, BillingTier>,
    overage: HashMap<Uuid, OverageMethod>,
    credits: HashMap<Uuid, i64>,
    credit_ledger: Vec<(Uuid, CreditTransaction)>,
    webhook_events: Vec<String>,
    audit: Vec<AuditEvent>,
    invitations: BTreeMap<Uuid, InvitationRecord>,
    ip_rules: BTreeMap<Uuid, (Uuid, IpRule)>,
    settings: BTreeMap<String, Setting>,
    x402: Option<X402Config>,
    org_limits: HashMap<Uuid, OrgLimits>,
    /// Per-token request budgets (rate-limit hook); absent means the default.
    rate_limits: HashMap<String, u64>,
    requests: HashMap<String, u64>,
    /// The operations whose implementation ran.
    served: BTreeSet<&'static str>,
    /// The operations `authorize` was asked about, in order.
    authorized: Vec<Operation>,
    /// The operations the rate-limit hook saw, in order.
    rate_limited: Vec<Operation>,
}

impl State {
    fn seeded() -> Self {
        let mut state = Self::default();
        let admin = state.create_user(ADMIN_EMAIL, ADMIN_PASSWORD, Some("Platform Ops".to_owned()), false, UserAuthProvider::Password);
        state.users.get_mut(&admin).expect("the admin").platform_admin = true;
        for (name, display_name, chain_id, symbol, explorer, is_testnet) in [
            ("base", "Base", 8453, "ETH", "https://basescan.org", false),
            ("ethereum", "Ethereum", 1, "ETH", "https://etherscan.io", false),
            ("sepolia", "Sepolia", 11_155_111, "ETH", "https://sepolia.etherscan.io", true),
        ] {
            let id = chain_uuid(chain_id);
            state.chains.insert(
                id,
                Chain::new(
                    id,
                    name.to_owned(),
                    display_name.to_owned(),
                    chain_id,
                    NativeCurrency::new(symbol.to_owned(), 18),
                    is_testnet,
                    true,
                )
                .explorer_url(explorer.to_owned()),
            );
        }
        state.settings.insert(
            "signup_enabled".to_owned(),
            Setting::new("signup_enabled".to_owned(), "true".to_owned(), clock())
                .description("Whether self-service signup is open".to_owned()),
        );
        state.x402 = Some(X402Config::new(
            false,
            "base".to_owned(),
            "USDC".to_owned(),
            "0x1c1a000000000000000000000000000000000001".to_owned(),
            "https://x402.org/facilitator".to_owned(),
            "0.001".to_owned(),
            clock(),
        ));
        state
    }

    /// A new id for the ids the spec types as plain strings (MFA tokens, checkout sessions).
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_{:04}", self.next_id)
    }

    /// A new `format: uuid` id of kind `prefix`.
    fn uuid(&mut self, prefix: &str) -> Uuid {
        self.next_id += 1;
        tagged(prefix, self.next_id)
    }

    fn create_user(
        &mut self,
        email: &str,
        password: &str,
        display_name: Option<String>,
        marketing_opt_in: bool,
        auth_provider: UserAuthProvider,
    ) -> Uuid {
        let id = self.uuid("usr");
        // An invited email joins the inviting organization with the invited role.
        let invited = self.invitations.iter().find(|(_, record)| record.invitation.email == email).map(|(id, _)| *id);
        let (org_id, role) = match invited.and_then(|invitation| self.invitations.remove(&invitation)) {
            Some(record) => (record.org_id, record.invitation.role),
            None => (self.uuid("org"), OrgRole::Owner),
        };
        let user = {
            let mut value = User::new(id, email.to_owned(), org_id, role, false, marketing_opt_in, auth_provider, clock());
            value.display_name = display_name;
            value
        };
        self.users.insert(
            id,
            UserRecord {
                user,
                password: password.to_owned(),
                platform_admin: false,
                mfa_pending_secret: None,
                mfa_enrolled_at: None,
                backup_codes: Vec::new(),
                secret_reads: 0,
                secret_writes: 0,
                read_quota: DEFAULT_SECRET_QUOTA,
                write_quota: DEFAULT_SECRET_QUOTA,
            },
        );
        id
    }

    fn user_by_email(&self, email: &str) -> Option<&UserRecord> {
        self.users.values().find(|record| record.user.email == email)
    }

    fn issue(&mut self, principal: Principal) -> TokenResponse {
        self.next_id += 1;
        let subject = match &principal {
            Principal::User(id) => format!("user.{id}"),
            Principal::Agent(id) => format!("agent.{id}"),
        };
        let access_token = format!("eyJhbGciOiJFZERTQSJ9.{subject}.sig{:06}", self.next_id * 7919);
        self.tokens.insert(access_token.clone(), principal);
        TokenResponse::new(access_token, TokenResponseTokenType::Bearer, 3600)
    }

    fn principal(&self, credentials: &Credentials) -> Option<Principal> {
        credentials.bearer_jwt.as_ref().and_then(|token| self.tokens.get(token)).cloned()
    }

    /// The calling user (the operations that need one refuse agents in `authorize`).
    fn user_id(&self, credentials: &Credentials) -> Result<Uuid, Error> {
        match self.principal(credentials) {
            Some(Principal::User(id)) if self.users.contains_key(&id) => Ok(id),
            _ => Err(unauthorized()),
        }
    }

    fn user(&self, id: &Uuid) -> &UserRecord {
        self.users.get(id).expect("a known user")
    }

    fn user_mut(&mut self, id: &Uuid) -> &mut UserRecord {
        self.users.get_mut(id).expect("a known user")
    }

    fn org_of(&self, principal: &Principal) -> Uuid {
        match principal {
            Principal::User(id) => self.user(id).user.org_id,
            Principal::Agent(id) => self.agents[id].agent.org_id,
        }
    }

    /// The user whose quota a principal's metered actions use.
    fn payer(&self, principal: &Principal) -> Uuid {
        match principal {
            Principal::User(id) => *id,
            Principal::Agent(id) => self.agents[id].agent.created_by.expect("every stored agent has its creator"),
        }
    }

    /// The vault, if it exists and the principal may see it.
    fn visible_vault(&self, principal: &Principal, vault_id: &Uuid) -> Option<&Vault> {
        let vault = self.vaults.get(vault_id)?;
        if vault.org_id != self.org_of(principal) {
            return None;
        }
        Some(vault)
    }

    /// Agents only reach the vaults they were given.
    fn agent_may_use(&self, principal: &Principal, vault_id: &Uuid) -> bool {
        match principal {
            Principal::User(_) => true,
            Principal::Agent(id) => self.agents[id].agent.vault_ids.contains(vault_id),
        }
    }

    fn audit(&mut self, principal: &Principal, action: &str, secret: &Secret) {
        let id = self.uuid("evt");
        let (actor_type, actor_id) = match principal {
            Principal::User(id) => (ActorType::User, *id),
            Principal::Agent(id) => (ActorType::Agent, *id),
        };
        let org_id = self.org_of(principal);
        self.audit.push(
            AuditEvent::new(id, org_id, action.to_owned(), actor_type, "secret".to_owned(), AuditOutcome::Success, clock())
                .actor_id(actor_id)
                .vault_id(secret.vault_id)
                .details(BTreeMap::from([("path".to_owned(), secret.path.clone())]))
                .resource_id(secret.id.to_string()),
        );
    }

    fn usage(&self, user_id: &Uuid) -> UsageSummary {
        let record = self.user(user_id);
        let org = &record.user.org_id;
        let vaults = self.vaults.values().filter(|v| &v.org_id == org).count();
        let agents = self.agents.values().filter(|a| &a.agent.org_id == org).count();
        let transactions =
            self.transactions.values().filter(|tx| self.agents.get(&tx.agent_id).is_some_and(|a| &a.agent.org_id == org)).count();
        let count = |n: usize| i64::try_from(n).expect("small counts");
        UsageSummary::new(
            self.tiers.get(org).cloned().unwrap_or(BillingTier::Free),
            at("2026-03-01T00:00:00Z"),
            at("2026-04-01T00:00:00Z"),
            UsageMeter::new(0),
            UsageMeter::new(record.secret_reads).limit(record.read_quota),
            UsageMeter::new(record.secret_writes).limit(record.write_quota),
            UsageMeter::new(count(transactions)).limit(100),
            UsageMeter::new(count(vaults)).limit(5),
            UsageMeter::new(count(agents)).limit(10),
        )
    }

    fn credit_balance(&self, org: &Uuid) -> CreditBalance {
        CreditBalance::new(self.credits.get(org).copied().unwrap_or(0), CreditBalanceCurrency::Usd, Vec::new())
    }

    /// The agent an Intents API call acts for, if the caller may act for it.
    fn intents_agent(&self, credentials: &Credentials, agent_id: &Uuid) -> Result<Agent, (u16, Error)> {
        match self.principal(credentials) {
            Some(Principal::Agent(id)) if id == *agent_id => {
                let agent = &self.agents[&id].agent;
                if agent.intents_api_enabled { Ok(agent.clone()) } else { Err((403, err("intents_api_disabled", INTENTS_DISABLED))) }
            }
            _ if self.agents.contains_key(agent_id) => Err((403, err("intents_api_disabled", "The caller may not act for this agent"))),
            _ => Err((404, not_found("Agent"))),
        }
    }

    /// Every chain, listed by name (their ids follow the EIP-155 chain ID).
    fn chains_by_name(&self) -> Vec<Chain> {
        let mut chains: Vec<Chain> = self.chains.values().cloned().collect();
        chains.sort_by(|a, b| a.name.cmp(&b.name));
        chains
    }

    fn simulate(&self, request: &SimulationRequest) -> Result<SimulationResult, Error> {
        let chain = self
            .chains
            .values()
            .find(|chain| chain.name == request.chain && chain.enabled)
            .ok_or_else(|| bad_request(format!("chain: unknown chain `{}`", request.chain)))?;
        let success = request.data != FAILING_CALLDATA;
        Ok({
            let mut value = SimulationResult::new(
                success,
                21_000 + i64::try_from(request.data.len()).expect("short calldata") * 16,
                vec![{
                    let mut value = BalanceChange::new(request.to.clone(), "native".to_owned(), request.value.clone());
                    value.symbol = Some(chain.native_currency.symbol.clone());
                    value
                }],
            )
            .simulation_url(format!("https://dashboard.tenderly.co/1claw/simulator/{}", request.chain));
            value.revert_reason = (!success).then(|| "execution reverted".to_owned());
            value
        })
    }
}

/// A share as `GET /v1/share/{id}` may serve it, or why not.
enum ShareAccess {
    Served(SharedSecret),
    NotFound,
    Gone,
    PaymentRequired,
}

#[derive(Clone)]
struct InMemoryOneclaw(Arc<Shared>);

struct Shared {
    state: Mutex<State>,
    authorize_calls: AtomicUsize,
}

/// The operations agents may call; every other authenticated one needs a user.
/// The Stripe webhook signing secret the in-memory server checks deliveries against.
const STRIPE_SECRET: &[u8] = b"whsec_test_1claw";
/// The delivery time the tests sign (Unix seconds); the server does not check freshness.
const STRIPE_TIMESTAMP: u64 = 1_772_366_400;

/// Stripe's signature scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
fn stripe_signature(secret: &[u8], timestamp: u64, raw_body: &[u8]) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(raw_body);
    let hex: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// The signature of `event` as the generated client sends it (`serde_json::to_vec`).
fn stripe_signature_of(event: &StripeEvent) -> String {
    stripe_signature(STRIPE_SECRET, STRIPE_TIMESTAMP, &serde_json::to_vec(event).expect("the event serialises"))
}

/// Whether a `Stripe-Signature` header signs `raw_body` under [`STRIPE_SECRET`]:
/// any `v1` entry may match (Stripe sends one per active secret), compared in constant time.
fn stripe_signature_matches(header: &str, raw_body: &[u8]) -> bool {
    use hmac::Mac as _;
    let entries: Vec<(&str, &str)> = header.split(',').filter_map(|entry| entry.trim().split_once('=')).collect();
    let Some(timestamp) = entries.iter().find(|(key, _)| *key == "t").map(|(_, value)| *value) else { return false };
    entries.iter().filter(|(key, _)| *key == "v1").any(|(_, hex)| {
        let Some(expected) =
            (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect::<Option<Vec<u8>>>()
        else {
            return false;
        };
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(STRIPE_SECRET).expect("HMAC takes any key");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(raw_body);
        mac.verify_slice(&expected).is_ok()
    })
}

const AGENT_OPERATIONS: &[Operation] = &[
    Operation::RevokeToken,
    Operation::GetCurrentAgent,
    Operation::ListVaults,
    Operation::GetVault,
    Operation::ListSecrets,
    Operation::GetSecret,
    Operation::PutSecret,
    Operation::DeleteSecret,
    Operation::ListInboundShares,
    Operation::AcceptShare,
    Operation::DeclineShare,
    Operation::ListTransactions,
    Operation::SubmitTransaction,
    Operation::GetTransaction,
    Operation::SimulateTransaction,
    Operation::SimulateTransactionBundle,
];

/// Platform-operator operations.
const ADMIN_OPERATIONS: &[Operation] = &[
    Operation::ListAdminSettings,
    Operation::UpdateAdminSetting,
    Operation::DeleteAdminSetting,
    Operation::GetX402Config,
    Operation::UpdateX402Config,
    Operation::ListAdminUsers,
    Operation::DeleteAdminUser,
    Operation::ListAdminChains,
    Operation::CreateAdminChain,
    Operation::UpdateAdminChain,
    Operation::DeleteAdminChain,
    Operation::GetOrgLimits,
    Operation::UpdateOrgLimits,
    Operation::SetOrgBillingTier,
];

impl InMemoryOneclaw {
    fn seeded() -> Self {
        Self(Arc::new(Shared { state: Mutex::new(State::seeded()), authorize_calls: AtomicUsize::new(0) }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().expect("state lock")
    }

    /// Locks the state and records that `operation`'s implementation ran.
    fn serve(&self, operation: Operation) -> MutexGuard<'_, State> {
        let mut state = self.lock();
        state.served.insert(operation.id());
        state
    }

    fn authorize_calls(&self) -> usize {
        self.0.authorize_calls.load(Ordering::SeqCst)
    }

    fn served(&self) -> BTreeSet<&'static str> {
        self.lock().served.clone()
    }

    fn has_served(&self, operation: Operation) -> bool {
        self.lock().served.contains(operation.id())
    }

    fn authorized(&self) -> Vec<Operation> {
        self.lock().authorized.clone()
    }

    fn rate_limited(&self) -> Vec<Operation> {
        self.lock().rate_limited.clone()
    }

    fn received_paths(&self) -> Vec<ReceivedPath> {
        self.lock().received_paths.clone()
    }

    /// Gives `token` a budget of `limit` requests per window.
    fn limit_token(&self, token: &str, limit: u64) {
        self.lock().rate_limits.insert(token.to_owned(), limit);
    }

    /// Sets the secret read and write quota of the user with `email`.
    fn set_quota(&self, email: &str, reads: i64, writes: i64) {
        let mut state = self.lock();
        let id = state.user_by_email(email).expect("a known user").user.id;
        let record = state.user_mut(&id);
        record.read_quota = reads;
        record.write_quota = writes;
    }

    fn access_share_inner(state: &mut State, share_id: &Uuid) -> ShareAccess {
        let Some(record) = state.shares.get(share_id) else { return ShareAccess::NotFound };
        let share = &record.share;
        let addressed = matches!(share.recipient_type, RecipientType::User | RecipientType::Agent);
        match share.status {
            ShareStatus::Revoked | ShareStatus::Expired | ShareStatus::Declined => return ShareAccess::Gone,
            ShareStatus::Pending if addressed => return ShareAccess::NotFound,
            _ => {}
        }
        if share.expires_at <= clock() || share.max_access_count.is_some_and(|max| share.access_count >= max) {
            return ShareAccess::Gone;
        }
        let key = (record.vault_id, share.secret_path.clone());
        let Some(secret) = state.secrets.get(&key).filter(|s| !s.deleted && s.current().id == share.secret_id) else {
            return ShareAccess::Gone;
        };
        let secret = secret.current().clone();
        let payer = share.created_by;
        let creator = state.user_mut(&payer);
        if creator.secret_reads >= creator.read_quota {
            return ShareAccess::PaymentRequired;
        }
        creator.secret_reads += 1;
        let share = &mut state.shares.get_mut(share_id).expect("the share").share;
        share.access_count += 1;
        share.last_accessed_at = Some(clock());
        ShareAccess::Served({
            let mut value = SharedSecret::new(share.id, secret.path, secret.type_, secret.value, share.expires_at, share.access_count);
            value.max_access_count = share.max_access_count;
            value
        })
    }
}

impl OneclawApi for InMemoryOneclaw {
    type Identity = Credentials;

    async fn authorize(
        &self,
        operation: Operation,
        credentials: &Credentials,
        _request: &RequestContext,
    ) -> Result<Credentials, AuthError> {
        self.0.authorize_calls.fetch_add(1, Ordering::SeqCst);
        let mut state = self.lock();
        state.authorized.push(operation);
        let principal = state.principal(credentials).ok_or_else(|| AuthError::Unauthenticated(INVALID_TOKEN.to_owned()))?;
        match &principal {
            Principal::User(id) => {
                let user = state.users.get(id).ok_or_else(|| AuthError::Unauthenticated(INVALID_TOKEN.to_owned()))?;
                if ADMIN_OPERATIONS.contains(&operation) && !user.platform_admin {
                    return Err(AuthError::Forbidden(ADMIN_REQUIRED.to_owned()));
                }
            }
            Principal::Agent(id) => {
                if !state.agents.get(id).is_some_and(|record| record.agent.is_active) {
                    return Err(AuthError::Unauthenticated(INVALID_TOKEN.to_owned()));
                }
                if !AGENT_OPERATIONS.contains(&operation) {
                    return Err(AuthError::Forbidden(USER_TOKEN_REQUIRED.to_owned()));
                }
            }
        }
        Ok(credentials.clone())
    }

    async fn rate_limit(&self, operation: Operation, credentials: &Credentials, _request: &RequestContext) -> RateLimitDecision {
        let mut state = self.lock();
        state.rate_limited.push(operation);
        let key = credentials.bearer_jwt.clone().unwrap_or_else(|| "anonymous".to_owned());
        let limit = state.rate_limits.get(&key).copied().unwrap_or(DEFAULT_RATE_LIMIT);
        let used = state.requests.entry(key).or_default();
        if *used >= limit {
            let rate_limit = RateLimit { limit: Some(limit), remaining: Some(0), reset: Some(RESET_AT) };
            return RateLimitDecision::Refuse { rate_limit: Some(rate_limit), retry_after: RETRY_AFTER_SECS };
        }
        *used += 1;
        RateLimitDecision::Allow(Some(RateLimit { limit: Some(limit), remaining: Some(limit - *used), reset: Some(RESET_AT) }))
    }

    // --- Public --------------------------------------------------------------

    async fn get_health(&self, _cx: RequestContext) -> Result<HealthStatus, GetHealthError> {
        let _state = self.serve(Operation::GetHealth);
        Ok(HealthStatus::new(HealthStatusStatus::Ok, "1.0.0".to_owned(), clock()))
    }

    async fn get_hsm_health(&self, _cx: RequestContext) -> Result<HsmHealth, GetHsmHealthError> {
        let _state = self.serve(Operation::GetHsmHealth);
        Ok(HsmHealth::new(HsmHealthStatus::Ok, true, clock()).latency_ms(4))
    }

    async fn access_share(&self, _cx: RequestContext, share_id: Uuid) -> Result<SharedSecret, AccessShareError> {
        let mut state = self.serve(Operation::AccessShare);
        match Self::access_share_inner(&mut state, &share_id) {
            ShareAccess::Served(secret) => Ok(secret),
            ShareAccess::NotFound => Err(AccessShareError::NotFound(not_found("Share").into())),
            ShareAccess::Gone => Err(AccessShareError::Gone(err("share_expired", SHARE_GONE).into())),
            ShareAccess::PaymentRequired => Err(AccessShareError::PaymentRequired(payment_required().into())),
        }
    }

    async fn revoke_share(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        share_id: Uuid,
    ) -> Result<(), RevokeShareError> {
        let mut state = self.serve(Operation::RevokeShare);
        let me = state.user_id(&credentials).map_err(|error| RevokeShareError::Unauthorized(error.into()))?;
        let record = state.shares.get_mut(&share_id).ok_or_else(|| RevokeShareError::NotFound(not_found("Share").into()))?;
        if record.share.created_by != me {
            return Err(RevokeShareError::Forbidden(forbidden("Only the creator of this share can revoke it").into()));
        }
        record.share.status = ShareStatus::Revoked;
        Ok(())
    }

    // --- Authentication --------------------------------------------------------

    async fn signup(&self, _cx: RequestContext, body: SignupRequest) -> Result<TokenResponse, SignupError> {
        let mut state = self.serve(Operation::Signup);
        if !body.email.contains('@') {
            return Err(SignupError::BadRequest(bad_request("email: not an email address").into()));
        }
        if state.user_by_email(&body.email).is_some() {
            return Err(SignupError::Conflict(err("email_taken", "An account with this email already exists").into()));
        }
        let id = state.create_user(&body.email, &body.password, body.display_name, body.marketing_opt_in, UserAuthProvider::Password);
        Ok(state.issue(Principal::User(id)))
    }

    async fn create_token(&self, _cx: RequestContext, body: LoginRequest) -> Result<CreateTokenResponse, CreateTokenError> {
        let mut state = self.serve(Operation::CreateToken);
        let Some(record) = state.user_by_email(&body.email).filter(|r| r.password == body.password && !r.password.is_empty()) else {
            return Err(CreateTokenError::Unauthorized(err("invalid_credentials", "Invalid email or password").into()));
        };
        let id = record.user.id;
        if record.user.mfa_enabled {
            let mfa_token = state.id("mfa");
            state.mfa_challenges.insert(mfa_token.clone(), id);
            return Ok(CreateTokenResponse::Accepted(MfaChallenge::new(true, mfa_token, 300)));
        }
        Ok(CreateTokenResponse::Ok(state.issue(Principal::User(id))))
    }

    async fn revoke_token(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<(), RevokeTokenError> {
        let mut state = self.serve(Operation::RevokeToken);
        let token = credentials.bearer_jwt.unwrap_or_default();
        state.tokens.remove(&token).map(|_| ()).ok_or_else(|| RevokeTokenError::Unauthorized(unauthorized().into()))
    }

    async fn create_agent_token(&self, _cx: RequestContext, body: AgentTokenRequest) -> Result<TokenResponse, CreateAgentTokenError> {
        let mut state = self.serve(Operation::CreateAgentToken);
        let Some(record) = state.agents.get(&body.agent_id).filter(|r| r.api_key == body.api_key) else {
            return Err(CreateAgentTokenError::Unauthorized(err("invalid_credentials", "Invalid agent ID or API key").into()));
        };
        if !record.agent.is_active {
            return Err(CreateAgentTokenError::Forbidden(err("agent_inactive", "This agent has been deactivated").into()));
        }
        Ok(state.issue(Principal::Agent(body.agent_id)))
    }

    async fn create_api_key_token(&self, _cx: RequestContext, body: ApiKeyTokenRequest) -> Result<TokenResponse, CreateApiKeyTokenError> {
        let mut state = self.serve(Operation::CreateApiKeyToken);
        let user_id = state
            .api_keys
            .values()
            .find(|r| r.secret == body.api_key && r.key.expires_at.is_none_or(|expiry| expiry > clock()))
            .map(|r| r.user_id)
            .ok_or_else(|| CreateApiKeyTokenError::Unauthorized(err("invalid_credentials", "Invalid or revoked API key").into()))?;
        Ok(state.issue(Principal::User(user_id)))
    }

    async fn sign_in_with_google(
        &self,
        _cx: RequestContext,
        body: GoogleSignInRequest,
    ) -> Result<SignInWithGoogleResponse, SignInWithGoogleError> {
        let mut state = self.serve(Operation::SignInWithGoogle);
        // The in-memory "Google" signs tokens as `google:<email>`.
        let Some(email) = body.id_token.strip_prefix("google:").filter(|email| email.contains('@')) else {
            return Err(SignInWithGoogleError::Unauthorized(err("invalid_id_token", "The Google ID token could not be verified").into()));
        };
        let id = match state.user_by_email(email) {
            Some(record) => record.user.id,
            None => state.create_user(email, "", None, false, UserAuthProvider::Google),
        };
        Ok(SignInWithGoogleResponse::Ok(state.issue(Principal::User(id))))
    }

    async fn change_password(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: ChangePasswordRequest,
    ) -> Result<(), ChangePasswordError> {
        let mut state = self.serve(Operation::ChangePassword);
        let me = state.user_id(&credentials).map_err(|error| ChangePasswordError::Unauthorized(error.into()))?;
        let record = state.user_mut(&me);
        if record.password != body.current_password {
            return Err(ChangePasswordError::Forbidden(err("invalid_current_password", "The current password is incorrect").into()));
        }
        record.password = body.new_password;
        Ok(())
    }

    async fn refresh_token(&self, _cx: RequestContext) -> Result<(), RefreshTokenError> {
        let _state = self.serve(Operation::RefreshToken);
        Err(RefreshTokenError::BadRequest(err("not_implemented", REFRESH_NOT_IMPLEMENTED).into()))
    }

    // --- Account ---------------------------------------------------------------

    async fn get_current_user(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<User, GetCurrentUserError> {
        let state = self.serve(Operation::GetCurrentUser);
        let me = state.user_id(&credentials).map_err(|error| GetCurrentUserError::Unauthorized(error.into()))?;
        Ok(state.user(&me).user.clone())
    }

    async fn delete_current_user(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<(), DeleteCurrentUserError> {
        let mut state = self.serve(Operation::DeleteCurrentUser);
        let me = state.user_id(&credentials).map_err(|error| DeleteCurrentUserError::Unauthorized(error.into()))?;
        state.users.remove(&me);
        state.tokens.retain(|_, principal| *principal != Principal::User(me));
        Ok(())
    }

    async fn update_current_user(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: UpdateUserRequest,
    ) -> Result<User, UpdateCurrentUserError> {
        let mut state = self.serve(Operation::UpdateCurrentUser);
        let me = state.user_id(&credentials).map_err(|error| UpdateCurrentUserError::Unauthorized(error.into()))?;
        let user = &mut state.user_mut(&me).user;
        if let Some(display_name) = body.display_name {
            user.display_name = Some(display_name);
        }
        if let Some(marketing_opt_in) = body.marketing_opt_in {
            user.marketing_opt_in = marketing_opt_in;
        }
        Ok(user.clone())
    }

    // --- MFA -------------------------------------------------------------------

    async fn get_mfa_status(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<MfaStatus, GetMfaStatusError> {
        let state = self.serve(Operation::GetMfaStatus);
        let me = state.user_id(&credentials).map_err(|error| GetMfaStatusError::Unauthorized(error.into()))?;
        let record = state.user(&me);
        let enabled = record.user.mfa_enabled;
        Ok({
            let mut value = MfaStatus::new(enabled);
            value.method = enabled.then_some(MfaStatusMethod::Totp);
            value.enrolled_at = record.mfa_enrolled_at;
            value.backup_codes_remaining = enabled.then(|| i64::try_from(record.backup_codes.len()).expect("few codes"));
            value
        })
    }

    async fn setup_mfa(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<MfaSetup, SetupMfaError> {
        let mut state = self.serve(Operation::SetupMfa);
        let me = state.user_id(&credentials).map_err(|error| SetupMfaError::Unauthorized(error.into()))?;
        let record = state.user_mut(&me);
        if record.user.mfa_enabled {
            return Err(SetupMfaError::Conflict(err("mfa_already_enabled", "MFA is already enabled").into()));
        }
        let secret = "JBSWY3DPEHPK3PXP".to_owned();
        record.mfa_pending_secret = Some(secret.clone());
        let otpauth_uri = format!("otpauth://totp/1claw:{}?secret={secret}&issuer=1claw", record.user.email);
        Ok(MfaSetup::new(secret, otpauth_uri))
    }

    async fn verify_mfa_setup(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: MfaCodeRequest,
    ) -> Result<MfaEnabled, VerifyMfaSetupError> {
        let mut state = self.serve(Operation::VerifyMfaSetup);
        let me = state.user_id(&credentials).map_err(|error| VerifyMfaSetupError::Unauthorized(error.into()))?;
        let record = state.user_mut(&me);
        if record.mfa_pending_secret.is_none() || body.code != MFA_CODE {
            return Err(VerifyMfaSetupError::BadRequest(err("invalid_code", "The code is invalid or has expired").into()));
        }
        record.mfa_pending_secret = None;
        record.user.mfa_enabled = true;
        record.mfa_enrolled_at = Some(clock());
        record.backup_codes = (1..=8).map(|n| format!("bk{n:02}-{:04}", serial(&me))).collect();
        Ok(MfaEnabled::new(true, record.backup_codes.clone()))
    }

    async fn verify_mfa(&self, _cx: RequestContext, body: MfaVerifyRequest) -> Result<TokenResponse, VerifyMfaError> {
        let mut state = self.serve(Operation::VerifyMfa);
        let user_id = state
            .mfa_challenges
            .get(&body.mfa_token)
            .cloned()
            .ok_or_else(|| VerifyMfaError::Unauthorized(err("unauthorized", "Unknown or expired MFA token").into()))?;
        let record = state.user_mut(&user_id);
        if body.code != MFA_CODE {
            let Some(position) = record.backup_codes.iter().position(|code| *code == body.code) else {
                return Err(VerifyMfaError::BadRequest(err("invalid_code", "The code is invalid or has expired").into()));
            };
            record.backup_codes.remove(position);
        }
        state.mfa_challenges.remove(&body.mfa_token);
        Ok(state.issue(Principal::User(user_id)))
    }

    async fn disable_mfa(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: DisableMfaRequest,
    ) -> Result<(), DisableMfaError> {
        let mut state = self.serve(Operation::DisableMfa);
        let me = state.user_id(&credentials).map_err(|error| DisableMfaError::Unauthorized(error.into()))?;
        let record = state.user_mut(&me);
        let proven = match (&body.code, &body.password) {
            (None, None) => return Err(DisableMfaError::BadRequest(bad_request("code or password is required").into())),
            (code, password) => code.as_deref() == Some(MFA_CODE) || password.as_deref() == Some(record.password.as_str()),
        };
        if !proven {
            return Err(DisableMfaError::Forbidden(forbidden("The code or password is incorrect").into()));
        }
        record.user.mfa_enabled = false;
        record.mfa_enrolled_at = None;
        record.backup_codes.clear();
        Ok(())
    }

    // --- Device authorization ----------------------------------------------------

    async fn request_device_code(
        &self,
        _cx: RequestContext,
        body: DeviceCodeRequest,
    ) -> Result<DeviceAuthorization, RequestDeviceCodeError> {
        let mut state = self.serve(Operation::RequestDeviceCode);
        let n = state.devices.len() + 1;
        let user_code = format!("WDJB-{n:04}");
        let device_code = format!("dc_{}_{n}", body.client_id);
        state.devices.insert(
            user_code.clone(),
            DeviceRecord {
                device_code: device_code.clone(),
                status: DeviceCodeStatus::new(user_code.clone(), DeviceCodeState::Pending, body.client_id, at("2026-03-01T12:15:00Z")),
                approved_by: None,
            },
        );
        let complete = format!("https://1claw.xyz/device?code={user_code}");
        Ok(DeviceAuthorization::new(device_code, user_code, "https://1claw.xyz/device", 900, 5).verification_uri_complete(complete))
    }

    async fn poll_device_token(&self, _cx: RequestContext, body: DeviceTokenRequest) -> Result<TokenResponse, PollDeviceTokenError> {
        let mut state = self.serve(Operation::PollDeviceToken);
        let record = state
            .devices
            .values()
            .find(|r| r.device_code == body.device_code && r.status.client_id == body.client_id)
            .ok_or_else(|| PollDeviceTokenError::BadRequest(bad_request("Unknown device code").into()))?;
        match (record.status.status.clone(), record.approved_by) {
            (DeviceCodeState::Approved, Some(user_id)) => Ok(state.issue(Principal::User(user_id))),
            (DeviceCodeState::Pending, _) => {
                Err(PollDeviceTokenError::BadRequest(err("authorization_pending", "The user has not approved this device yet").into()))
            }
            _ => Err(PollDeviceTokenError::BadRequest(err("access_denied", "The device login was denied or expired").into())),
        }
    }

    async fn get_device_code_status(&self, _cx: RequestContext, user_code: String) -> Result<DeviceCodeStatus, GetDeviceCodeStatusError> {
        let state = self.serve(Operation::GetDeviceCodeStatus);
        state
            .devices
            .get(&user_code)
            .map(|r| r.status.clone())
            .ok_or_else(|| GetDeviceCodeStatusError::NotFound(not_found("Device code").into()))
    }

    async fn approve_device(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: DeviceDecisionRequest,
    ) -> Result<DeviceCodeStatus, ApproveDeviceError> {
        let mut state = self.serve(Operation::ApproveDevice);
        let me = state.user_id(&credentials).map_err(|error| ApproveDeviceError::Unauthorized(error.into()))?;
        let record = state.devices.get_mut(&body.user_code).ok_or_else(|| ApproveDeviceError::NotFound(not_found("Device code").into()))?;
        if record.status.status != DeviceCodeState::Pending {
            return Err(ApproveDeviceError::BadRequest(bad_request("The device code is no longer pending").into()));
        }
        record.status.status = DeviceCodeState::Approved;
        record.approved_by = Some(me);
        Ok(record.status.clone())
    }

    async fn deny_device(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: DeviceDecisionRequest,
    ) -> Result<DeviceCodeStatus, DenyDeviceError> {
        let mut state = self.serve(Operation::DenyDevice);
        state.user_id(&credentials).map_err(|error| DenyDeviceError::Unauthorized(error.into()))?;
        let record = state.devices.get_mut(&body.user_code).ok_or_else(|| DenyDeviceError::NotFound(not_found("Device code").into()))?;
        if record.status.status != DeviceCodeState::Pending {
            return Err(DenyDeviceError::BadRequest(bad_request("The device code is no longer pending").into()));
        }
        record.status.status = DeviceCodeState::Denied;
        Ok(record.status.clone())
    }

    // --- Personal API keys ---------------------------------------------------------

    async fn list_api_keys(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<ApiKeyList, ListApiKeysError> {
        let state = self.serve(Operation::ListApiKeys);
        let me = state.user_id(&credentials).map_err(|error| ListApiKeysError::Unauthorized(error.into()))?;
        let keys = state.api_keys.values().filter(|r| r.user_id == me).map(|r| r.key.clone()).collect();
        Ok(ApiKeyList::new(keys))
    }

    async fn create_api_key(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, CreateApiKeyError> {
        let mut state = self.serve(Operation::CreateApiKey);
        let me = state.user_id(&credentials).map_err(|error| CreateApiKeyError::Unauthorized(error.into()))?;
        let id = state.uuid("key");
        let secret = format!("1ck_{:04}_{}", serial(&id), body.name.len() * 7919);
        let key = {
            let mut value = ApiKey::new(id, body.name, secret[..8].to_owned(), clock());
            value.expires_at = body.expires_at;
            value
        };
        state.api_keys.insert(id, ApiKeyRecord { key: key.clone(), secret: secret.clone(), user_id: me });
        Ok({
            let mut value = CreatedApiKey::new(id, key.name, secret, key.key_prefix, key.created_at);
            value.expires_at = key.expires_at;
            value
        })
    }

    async fn revoke_api_key(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        key_id: Uuid,
    ) -> Result<(), RevokeApiKeyError> {
        let mut state = self.serve(Operation::RevokeApiKey);
        let me = state.user_id(&credentials).map_err(|error| RevokeApiKeyError::Unauthorized(error.into()))?;
        if state.api_keys.get(&key_id).is_none_or(|r| r.user_id != me) {
            return Err(RevokeApiKeyError::NotFound(not_found("API key").into()));
        }
        state.api_keys.remove(&key_id);
        Ok(())
    }

    // --- Vaults --------------------------------------------------------------------

    async fn list_vaults(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<VaultList, ListVaultsError> {
        let state = self.serve(Operation::ListVaults);
        let me = state.principal(&credentials).ok_or_else(|| ListVaultsError::Unauthorized(unauthorized().into()))?;
        let org = state.org_of(&me);
        let vaults = state.vaults.values().filter(|v| v.org_id == org && state.agent_may_use(&me, &v.id)).cloned().collect();
        Ok(VaultList::new(vaults))
    }

    async fn create_vault(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: CreateVaultRequest,
    ) -> Result<Vault, CreateVaultError> {
        let mut state = self.serve(Operation::CreateVault);
        let me = state.user_id(&credentials).map_err(|error| CreateVaultError::Unauthorized(error.into()))?;
        let org_id = state.user(&me).user.org_id;
        if state.vaults.values().any(|v| v.org_id == org_id && v.name == body.name) {
            return Err(CreateVaultError::Conflict(err("vault_name_taken", "A vault with this name already exists").into()));
        }
        let id = state.uuid("vlt");
        let vault = {
            let mut value = Vault::new(id, org_id, body.name, me, false, 0, clock(), clock());
            value.description = body.description;
            value
        };
        state.vaults.insert(id, vault.clone());
        Ok(vault)
    }

    async fn get_vault(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
    ) -> Result<Vault, GetVaultError> {
        let state = self.serve(Operation::GetVault);
        let me = state.principal(&credentials).ok_or_else(|| GetVaultError::Unauthorized(unauthorized().into()))?;
        let vault = state.visible_vault(&me, &vault_id).cloned().ok_or_else(|| GetVaultError::NotFound(not_found("Vault").into()))?;
        if !state.agent_may_use(&me, &vault_id) {
            return Err(GetVaultError::Forbidden(forbidden(POLICY_DENIED).into()));
        }
        Ok(vault)
    }

    async fn delete_vault(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
    ) -> Result<(), DeleteVaultError> {
        let mut state = self.serve(Operation::DeleteVault);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| DeleteVaultError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| DeleteVaultError::NotFound(not_found("Vault").into()))?;
        state.vaults.remove(&vault_id);
        state.secrets.retain(|(vault, _), _| *vault != vault_id);
        Ok(())
    }

    // --- CMEK ----------------------------------------------------------------------

    async fn enable_cmek(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        body: EnableCmekRequest,
    ) -> Result<CmekConfig, EnableCmekError> {
        let mut state = self.serve(Operation::EnableCmek);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| EnableCmekError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| EnableCmekError::NotFound(not_found("Vault").into()))?;
        if state.cmek.contains_key(&vault_id) {
            return Err(EnableCmekError::Conflict(err("cmek_already_enabled", "CMEK is already enabled on this vault").into()));
        }
        let config = CmekConfig::new(vault_id, true, body.provider, body.key_uri, clock());
        state.cmek.insert(vault_id, config.clone());
        state.vaults.get_mut(&vault_id).expect("the vault").cmek_enabled = true;
        Ok(config)
    }

    async fn disable_cmek(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
    ) -> Result<(), DisableCmekError> {
        let mut state = self.serve(Operation::DisableCmek);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| DisableCmekError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| DisableCmekError::NotFound(not_found("Vault").into()))?;
        state
            .cmek
            .remove(&vault_id)
            .ok_or_else(|| DisableCmekError::Conflict(err("cmek_not_enabled", "CMEK is not enabled on this vault").into()))?;
        state.vaults.get_mut(&vault_id).expect("the vault").cmek_enabled = false;
        Ok(())
    }

    async fn start_cmek_rotation(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        body: CmekRotationRequest,
    ) -> Result<CmekRotationJob, StartCmekRotationError> {
        let mut state = self.serve(Operation::StartCmekRotation);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| StartCmekRotationError::Unauthorized(error.into()))?);
        let total_secrets =
            state.visible_vault(&me, &vault_id).ok_or_else(|| StartCmekRotationError::NotFound(not_found("Vault").into()))?.secret_count;
        let config = state
            .cmek
            .get_mut(&vault_id)
            .ok_or_else(|| StartCmekRotationError::Conflict(err("cmek_not_enabled", "CMEK is not enabled on this vault").into()))?;
        if let Some(new_key_uri) = body.new_key_uri {
            config.key_uri = new_key_uri;
        }
        let id = state.uuid("job");
        let job = CmekRotationJob::new(id, vault_id, JobStatus::Queued, total_secrets, 0, clock());
        state.cmek_jobs.insert(id, job.clone());
        Ok(job)
    }

    async fn get_cmek_rotation_job(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        job_id: Uuid,
    ) -> Result<CmekRotationJob, GetCmekRotationJobError> {
        let mut state = self.serve(Operation::GetCmekRotationJob);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| GetCmekRotationJobError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| GetCmekRotationJobError::NotFound(not_found("Vault").into()))?;
        let job = state
            .cmek_jobs
            .get_mut(&job_id)
            .filter(|job| job.vault_id == vault_id)
            .ok_or_else(|| GetCmekRotationJobError::NotFound(not_found("Rotation job").into()))?;
        // The in-memory rotation finishes as soon as someone looks.
        job.status = JobStatus::Completed;
        job.processed_secrets = job.total_secrets;
        job.completed_at = Some(clock());
        Ok(job.clone())
    }

    // --- Secrets ---------------------------------------------------------------------

    async fn list_secrets(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        query: ListSecretsQuery,
    ) -> Result<SecretList, ListSecretsError> {
        let state = self.serve(Operation::ListSecrets);
        let me = state.principal(&credentials).ok_or_else(|| ListSecretsError::Unauthorized(unauthorized().into()))?;
        state.visible_vault(&me, &vault_id).ok_or_else(|| ListSecretsError::NotFound(not_found("Vault").into()))?;
        if !state.agent_may_use(&me, &vault_id) {
            return Err(ListSecretsError::Forbidden(forbidden(POLICY_DENIED).into()));
        }
        let secrets = state
            .secrets
            .iter()
            .filter(|((vault, path), record)| {
                *vault == vault_id
                    && !record.deleted
                    && query.prefix.as_deref().is_none_or(|prefix| path.starts_with(prefix))
                    && query.type_.as_ref().is_none_or(|type_| record.current().type_ == *type_)
            })
            .map(|(_, record)| metadata(record.current()))
            .collect();
        Ok(SecretList::new(secrets))
    }

    async fn get_secret(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        path: String,
        query: GetSecretQuery,
    ) -> Result<Secret, GetSecretError> {
        let mut state = self.serve(Operation::GetSecret);
        state.received_paths.push(ReceivedPath { operation: "getSecret", vault_id, path: path.clone() });
        let me = state.principal(&credentials).ok_or_else(|| GetSecretError::Unauthorized(unauthorized().into()))?;
        // The billing stage comes before the handler's own answers.
        let payer = state.payer(&me);
        let quota = state.user(&payer);
        if quota.secret_reads >= quota.read_quota {
            return Err(GetSecretError::PaymentRequired(payment_required().into()));
        }
        state.visible_vault(&me, &vault_id).ok_or_else(|| GetSecretError::NotFound(not_found("Vault").into()))?;
        if !state.agent_may_use(&me, &vault_id) {
            return Err(GetSecretError::Forbidden(forbidden(POLICY_DENIED).into()));
        }
        let record = state
            .secrets
            .get(&(vault_id, path))
            .filter(|record| !record.deleted)
            .ok_or_else(|| GetSecretError::NotFound(not_found("Secret").into()))?;
        let secret = match query.version {
            None => record.current().clone(),
            Some(version) => record
                .versions
                .iter()
                .find(|secret| secret.version == version)
                .cloned()
                .ok_or_else(|| GetSecretError::NotFound(not_found("Secret version").into()))?,
        };
        if let Principal::Agent(id) = &me {
            if state.agents[id].agent.intents_api_enabled && matches!(secret.type_, SecretType::PrivateKey | SecretType::SshKey) {
                return Err(GetSecretError::Forbidden(forbidden(POLICY_DENIED).into()));
            }
        }
        state.user_mut(&payer).secret_reads += 1;
        state.audit(&me, "secret.read", &secret);
        Ok(secret)
    }

    async fn put_secret(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        path: String,
        body: PutSecretRequest,
    ) -> Result<PutSecretResponse, PutSecretError> {
        let mut state = self.serve(Operation::PutSecret);
        state.received_paths.push(ReceivedPath { operation: "putSecret", vault_id, path: path.clone() });
        let me = state.principal(&credentials).ok_or_else(|| PutSecretError::Unauthorized(unauthorized().into()))?;
        let payer = state.payer(&me);
        let quota = state.user(&payer);
        if quota.secret_writes >= quota.write_quota {
            return Err(PutSecretError::PaymentRequired(payment_required().into()));
        }
        state.visible_vault(&me, &vault_id).ok_or_else(|| PutSecretError::NotFound(not_found("Vault").into()))?;
        if !state.agent_may_use(&me, &vault_id) {
            return Err(PutSecretError::Forbidden(forbidden(POLICY_DENIED).into()));
        }
        let key = (vault_id, path.clone());
        let previous = state.secrets.get(&key).filter(|record| !record.deleted).map(|record| record.current().clone());
        let secret = match &previous {
            Some(previous) => {
                let mut value = previous.clone();
                value.type_ = body.type_;
                value.value = body.value;
                value.version = previous.version + 1;
                value.metadata = body.metadata;
                value.updated_at = clock();
                value.expires_at = body.expires_at;
                value
            }
            None => {
                let mut value = Secret::new(state.uuid("sec"), vault_id, path, body.type_, body.value, 1, clock(), clock());
                value.metadata = body.metadata;
                value.expires_at = body.expires_at;
                value
            }
        };
        match state.secrets.get_mut(&key) {
            Some(record) if previous.is_some() => record.versions.push(secret.clone()),
            _ => {
                state.secrets.insert(key, SecretRecord { versions: vec![secret.clone()], deleted: false });
                state.vaults.get_mut(&vault_id).expect("the vault").secret_count += 1;
            }
        }
        state.user_mut(&payer).secret_writes += 1;
        state.audit(&me, "secret.write", &secret);
        Ok(if previous.is_some() { PutSecretResponse::Ok(metadata(&secret)) } else { PutSecretResponse::Created(metadata(&secret)) })
    }

    async fn delete_secret(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        path: String,
    ) -> Result<(), DeleteSecretError> {
        let mut state = self.serve(Operation::DeleteSecret);
        state.received_paths.push(ReceivedPath { operation: "deleteSecret", vault_id, path: path.clone() });
        let me = state.principal(&credentials).ok_or_else(|| DeleteSecretError::Unauthorized(unauthorized().into()))?;
        state.visible_vault(&me, &vault_id).ok_or_else(|| DeleteSecretError::NotFound(not_found("Vault").into()))?;
        if !state.agent_may_use(&me, &vault_id) {
            return Err(DeleteSecretError::Forbidden(forbidden(POLICY_DENIED).into()));
        }
        let record = state
            .secrets
            .get_mut(&(vault_id, path))
            .filter(|record| !record.deleted)
            .ok_or_else(|| DeleteSecretError::NotFound(not_found("Secret").into()))?;
        record.deleted = true;
        let secret = record.current().clone();
        state.vaults.get_mut(&vault_id).expect("the vault").secret_count -= 1;
        state.audit(&me, "secret.delete", &secret);
        Ok(())
    }

    // --- Policies ----------------------------------------------------------------------

    async fn list_policies(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
    ) -> Result<PolicyList, ListPoliciesError> {
        let state = self.serve(Operation::ListPolicies);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| ListPoliciesError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| ListPoliciesError::NotFound(not_found("Vault").into()))?;
        let policies = state.policies.values().filter(|p| p.vault_id == vault_id).cloned().collect();
        Ok(PolicyList::new(policies))
    }

    async fn create_policy(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        body: PolicyRequest,
    ) -> Result<Policy, CreatePolicyError> {
        let mut state = self.serve(Operation::CreatePolicy);
        let me = state.user_id(&credentials).map_err(|error| CreatePolicyError::Unauthorized(error.into()))?;
        state.visible_vault(&Principal::User(me), &vault_id).ok_or_else(|| CreatePolicyError::NotFound(not_found("Vault").into()))?;
        let id = state.uuid("pol");
        let policy = {
            let mut value = Policy::new(
                id,
                vault_id,
                body.secret_path_pattern,
                body.principal_type,
                body.principal_id,
                body.permissions,
                me,
                clock(),
                clock(),
            );
            value.conditions = body.conditions;
            value.expires_at = body.expires_at;
            value
        };
        state.policies.insert(id, policy.clone());
        Ok(policy)
    }

    async fn update_policy(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        policy_id: Uuid,
        body: PolicyRequest,
    ) -> Result<Policy, UpdatePolicyError> {
        let mut state = self.serve(Operation::UpdatePolicy);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| UpdatePolicyError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| UpdatePolicyError::NotFound(not_found("Vault").into()))?;
        let policy = state
            .policies
            .get_mut(&policy_id)
            .filter(|p| p.vault_id == vault_id)
            .ok_or_else(|| UpdatePolicyError::NotFound(not_found("Policy").into()))?;
        policy.secret_path_pattern = body.secret_path_pattern;
        policy.principal_type = body.principal_type;
        policy.principal_id = body.principal_id;
        policy.permissions = body.permissions;
        policy.conditions = body.conditions;
        policy.expires_at = body.expires_at;
        policy.updated_at = at("2026-03-01T12:30:00Z");
        Ok(policy.clone())
    }

    async fn delete_policy(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        vault_id: Uuid,
        policy_id: Uuid,
    ) -> Result<(), DeletePolicyError> {
        let mut state = self.serve(Operation::DeletePolicy);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| DeletePolicyError::Unauthorized(error.into()))?);
        state.visible_vault(&me, &vault_id).ok_or_else(|| DeletePolicyError::NotFound(not_found("Vault").into()))?;
        if state.policies.get(&policy_id).is_none_or(|p| p.vault_id != vault_id) {
            return Err(DeletePolicyError::NotFound(not_found("Policy").into()));
        }
        state.policies.remove(&policy_id);
        Ok(())
    }

    // --- Agents --------------------------------------------------------------------------

    async fn enroll_agent(&self, _cx: RequestContext, body: EnrollAgentRequest) -> Result<EnrollmentResponse, EnrollAgentError> {
        let mut state = self.serve(Operation::EnrollAgent);
        if !body.human_email.contains('@') {
            return Err(EnrollAgentError::BadRequest(bad_request("human_email: not an email address").into()));
        }
        let agent_id = state.uuid("agt");
        let message = format!("Enrollment of {} is pending; credentials will be emailed to {}", body.name, body.human_email);
        state.enrollments.push(body);
        Ok(EnrollmentResponse::new(agent_id, EnrollmentResponseStatus::PendingApproval, message))
    }

    async fn list_agents(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<AgentList, ListAgentsError> {
        let state = self.serve(Operation::ListAgents);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| ListAgentsError::Unauthorized(error.into()))?);
        let org = state.org_of(&me);
        let agents = state.agents.values().filter(|r| r.agent.org_id == org).map(|r| r.agent.clone()).collect();
        Ok(AgentList::new(agents))
    }

    async fn create_agent(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: CreateAgentRequest,
    ) -> Result<CreatedAgent, CreateAgentError> {
        let mut state = self.serve(Operation::CreateAgent);
        let me = state.user_id(&credentials).map_err(|error| CreateAgentError::Unauthorized(error.into()))?;
        let org_id = state.user(&me).user.org_id;
        let vault_ids = body.vault_ids.unwrap_or_default();
        if let Some(unknown) = vault_ids.iter().find(|id| state.vaults.get(*id).is_none_or(|v| v.org_id != org_id)) {
            return Err(CreateAgentError::BadRequest(bad_request(format!("vault_ids: unknown vault `{unknown}`")).into()));
        }
        let id = state.uuid("agt");
        let api_key = format!("ocv_{:04}_{}", serial(&id), state.next_id * 104_729);
        let agent = {
            let mut value =
                Agent::new(id, org_id, body.name, true, body.intents_api_enabled, vault_ids, api_key[..8].to_owned(), clock(), clock())
                    .created_by(me);
            value.description = body.description;
            value
        };
        state.agents.insert(id, AgentRecord { agent: agent.clone(), api_key: api_key.clone() });
        Ok(CreatedAgent::new(agent, api_key))
    }

    async fn get_current_agent(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<AgentProfile, GetCurrentAgentError> {
        let state = self.serve(Operation::GetCurrentAgent);
        match state.principal(&credentials) {
            Some(Principal::Agent(id)) => Ok(profile(state.agents[&id].agent.clone())),
            Some(Principal::User(_)) => {
                Err(GetCurrentAgentError::Forbidden(err("agent_token_required", "This operation requires an agent token").into()))
            }
            None => Err(GetCurrentAgentError::Unauthorized(unauthorized().into())),
        }
    }

    async fn get_agent(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
    ) -> Result<Agent, GetAgentError> {
        let state = self.serve(Operation::GetAgent);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| GetAgentError::Unauthorized(error.into()))?);
        let org = state.org_of(&me);
        state
            .agents
            .get(&agent_id)
            .filter(|r| r.agent.org_id == org)
            .map(|r| r.agent.clone())
            .ok_or_else(|| GetAgentError::NotFound(not_found("Agent").into()))
    }

    async fn deactivate_agent(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
    ) -> Result<(), DeactivateAgentError> {
        let mut state = self.serve(Operation::DeactivateAgent);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| DeactivateAgentError::Unauthorized(error.into()))?);
        let org = state.org_of(&me);
        let record = state
            .agents
            .get_mut(&agent_id)
            .filter(|r| r.agent.org_id == org)
            .ok_or_else(|| DeactivateAgentError::NotFound(not_found("Agent").into()))?;
        record.agent.is_active = false;
        Ok(())
    }

    async fn update_agent(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        body: UpdateAgentRequest,
    ) -> Result<Agent, UpdateAgentError> {
        let mut state = self.serve(Operation::UpdateAgent);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| UpdateAgentError::Unauthorized(error.into()))?);
        let org = state.org_of(&me);
        let agent = &mut state
            .agents
            .get_mut(&agent_id)
            .filter(|r| r.agent.org_id == org)
            .ok_or_else(|| UpdateAgentError::NotFound(not_found("Agent").into()))?
            .agent;
        if let Some(name) = body.name {
            agent.name = name;
        }
        if let Some(description) = body.description {
            agent.description = Some(description);
        }
        if let Some(enabled) = body.intents_api_enabled {
            agent.intents_api_enabled = enabled;
        }
        agent.updated_at = at("2026-03-01T12:30:00Z");
        Ok(agent.clone())
    }

    async fn rotate_agent_key(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
    ) -> Result<RotatedAgentKey, RotateAgentKeyError> {
        let mut state = self.serve(Operation::RotateAgentKey);
        let me = Principal::User(state.user_id(&credentials).map_err(|error| RotateAgentKeyError::Unauthorized(error.into()))?);
        let org = state.org_of(&me);
        state.next_id += 1;
        let api_key = format!("ocv_{:04}_{}", serial(&agent_id), state.next_id * 104_729);
        let record = state
            .agents
            .get_mut(&agent_id)
            .filter(|r| r.agent.org_id == org)
            .ok_or_else(|| RotateAgentKeyError::NotFound(not_found("Agent").into()))?;
        record.api_key = api_key.clone();
        record.agent.key_prefix = api_key[..8].to_owned();
        Ok(RotatedAgentKey::new(agent_id, api_key, record.agent.key_prefix.clone(), clock()))
    }

    // --- Sharing ---------------------------------------------------------------------------

    async fn create_share(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        secret_id: Uuid,
        body: CreateShareRequest,
    ) -> Result<Share, CreateShareError> {
        let mut state = self.serve(Operation::CreateShare);
        let me = state.user_id(&credentials).map_err(|error| CreateShareError::Unauthorized(error.into()))?;
        let org = state.user(&me).user.org_id;
        let (vault_id, secret_path) = state
            .secrets
            .iter()
            .find(|((vault, _), record)| {
                !record.deleted && record.current().id == secret_id && state.vaults.get(vault).is_some_and(|v| v.org_id == org)
            })
            .map(|((vault, path), _)| (*vault, path.clone()))
            .ok_or_else(|| CreateShareError::NotFound(not_found("Secret").into()))?;
        match body.recipient_type {
            RecipientType::User | RecipientType::Agent if body.recipient_id.is_none() => {
                return Err(CreateShareError::BadRequest(bad_request("recipient_id: required for user and agent shares").into()));
            }
            RecipientType::ExternalEmail if body.recipient_email.is_none() => {
                return Err(CreateShareError::BadRequest(bad_request("recipient_email: required for external_email shares").into()));
            }
            _ => {}
        }
        let id = state.uuid("shr");
        let share = {
            let mut value =
                Share::new(id, secret_id, secret_path, me, body.recipient_type, ShareStatus::Pending, body.expires_at, 0, clock())
                    .url(format!("https://1claw.xyz/share/{id}"));
            value.recipient_id = body.recipient_id;
            value.recipient_email = body.recipient_email;
            value.max_access_count = body.max_access_count;
            value
        };
        state.shares.insert(id, ShareRecord { share: share.clone(), vault_id });
        Ok(share)
    }

    async fn list_outbound_shares(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListOutboundSharesQuery,
    ) -> Result<ShareList, ListOutboundSharesError> {
        let state = self.serve(Operation::ListOutboundShares);
        let me = state.user_id(&credentials).map_err(|error| ListOutboundSharesError::Unauthorized(error.into()))?;
        let shares = state
            .shares
            .values()
            .map(|r| &r.share)
            .filter(|s| s.created_by == me && query.status.as_ref().is_none_or(|status| s.status == *status))
            .cloned()
            .collect();
        Ok(ShareList::new(shares))
    }

    async fn list_inbound_shares(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListInboundSharesQuery,
    ) -> Result<ShareList, ListInboundSharesError> {
        let state = self.serve(Operation::ListInboundShares);
        let me = state.principal(&credentials).ok_or_else(|| ListInboundSharesError::Unauthorized(unauthorized().into()))?;
        let shares = state
            .shares
            .values()
            .map(|r| &r.share)
            .filter(|s| is_recipient(&state, &me, s) && query.status.as_ref().is_none_or(|status| s.status == *status))
            .cloned()
            .collect();
        Ok(ShareList::new(shares))
    }

    async fn accept_share(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        share_id: Uuid,
    ) -> Result<Share, AcceptShareError> {
        let mut state = self.serve(Operation::AcceptShare);
        let me = state.principal(&credentials).ok_or_else(|| AcceptShareError::Unauthorized(unauthorized().into()))?;
        let share =
            state.shares.get(&share_id).map(|r| r.share.clone()).ok_or_else(|| AcceptShareError::NotFound(not_found("Share").into()))?;
        if !is_recipient(&state, &me, &share) {
            return Err(AcceptShareError::Forbidden(forbidden("Only the recipient of this share can accept it").into()));
        }
        if share.status != ShareStatus::Pending {
            return Err(AcceptShareError::Conflict(err("share_not_pending", "This share is no longer pending").into()));
        }
        let share = &mut state.shares.get_mut(&share_id).expect("the share").share;
        share.status = ShareStatus::Accepted;
        Ok(share.clone())
    }

    async fn decline_share(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        share_id: Uuid,
    ) -> Result<Share, DeclineShareError> {
        let mut state = self.serve(Operation::DeclineShare);
        let me = state.principal(&credentials).ok_or_else(|| DeclineShareError::Unauthorized(unauthorized().into()))?;
        let share =
            state.shares.get(&share_id).map(|r| r.share.clone()).ok_or_else(|| DeclineShareError::NotFound(not_found("Share").into()))?;
        if !is_recipient(&state, &me, &share) {
            return Err(DeclineShareError::Forbidden(forbidden("Only the recipient of this share can decline it").into()));
        }
        if share.status != ShareStatus::Pending {
            return Err(DeclineShareError::Conflict(err("share_not_pending", "This share is no longer pending").into()));
        }
        let share = &mut state.shares.get_mut(&share_id).expect("the share").share;
        share.status = ShareStatus::Declined;
        Ok(share.clone())
    }

    // --- Chains (public) ---------------------------------------------------------------------

    async fn list_chains(&self, _cx: RequestContext) -> Result<ChainList, ListChainsError> {
        let state = self.serve(Operation::ListChains);
        let chains = state.chains_by_name().into_iter().filter(|c| c.enabled).collect();
        Ok(ChainList::new(chains))
    }

    async fn get_chain(&self, _cx: RequestContext, identifier: String) -> Result<Chain, GetChainError> {
        let state = self.serve(Operation::GetChain);
        state
            .chains
            .values()
            .find(|c| {
                c.enabled
                    && (identifier.parse::<Uuid>().is_ok_and(|id| id == c.id)
                        || c.name == identifier
                        || c.chain_id.to_string() == identifier)
            })
            .cloned()
            .ok_or_else(|| GetChainError::NotFound(not_found("Chain").into()))
    }

    // --- Transactions (Intents API) --------------------------------------------------------------

    async fn list_transactions(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        query: ListTransactionsQuery,
    ) -> Result<TransactionList, ListTransactionsError> {
        let state = self.serve(Operation::ListTransactions);
        state.intents_agent(&credentials, &agent_id).map_err(|(status, body)| match status {
            403 => ListTransactionsError::Forbidden(body.into()),
            _ => ListTransactionsError::NotFound(body.into()),
        })?;
        let transactions = state
            .transactions
            .values()
            .filter(|tx| {
                tx.agent_id == agent_id
                    && query.status.as_ref().is_none_or(|status| tx.status == *status)
                    && query.chain.as_deref().is_none_or(|chain| tx.chain == chain)
            })
            .cloned()
            .collect();
        Ok(TransactionList::new(transactions))
    }

    async fn submit_transaction(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        body: TransactionRequest,
    ) -> Result<Transaction, SubmitTransactionError> {
        let mut state = self.serve(Operation::SubmitTransaction);
        let agent = state.intents_agent(&credentials, &agent_id).map_err(|(status, body)| match status {
            403 => SubmitTransactionError::Forbidden(body.into()),
            _ => SubmitTransactionError::NotFound(body.into()),
        })?;
        // The signing key must be a private key in one of the agent's vaults; it is never read out.
        if let Some(key_path) = &body.signing_key_path {
            let held = agent.vault_ids.iter().any(|vault| {
                state
                    .secrets
                    .get(&(*vault, key_path.clone()))
                    .is_some_and(|record| !record.deleted && record.current().type_ == SecretType::PrivateKey)
            });
            if !held {
                return Err(SubmitTransactionError::NotFound(not_found("Signing key").into()));
            }
        }
        let request = {
            let mut value = SimulationRequest::new(body.chain.clone(), body.to.clone()).value(body.value.clone()).data(body.data.clone());
            value.gas_limit = body.gas_limit;
            value
        };
        let simulation = state.simulate(&request).map_err(|error| SubmitTransactionError::BadRequest(error.into()))?;
        if body.simulate_first && !simulation.success {
            return Err(SubmitTransactionError::UnprocessableEntity(
                err("simulation_failed", "The simulation reverted: execution reverted").into(),
            ));
        }
        let chain_id = state.chains.values().find(|c| c.name == body.chain).map(|c| c.chain_id).expect("a simulated chain");
        let id = state.uuid("tx");
        let transaction = {
            let mut value = Transaction::new(
                id,
                agent_id,
                body.chain,
                chain_id,
                format!("0x{:040x}", serial(&agent.id) * 4_099),
                body.to,
                body.value,
                body.data,
                body.simulate_first,
                TransactionStatus::Broadcast,
                clock(),
                clock(),
            )
            .tx_hash(format!("0x{:064x}", state.next_id * 15_485_863));
            value.simulation = body.simulate_first.then_some(simulation);
            value
        };
        state.transactions.insert(id, transaction.clone());
        Ok(transaction)
    }

    async fn get_transaction(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        tx_id: Uuid,
    ) -> Result<Transaction, GetTransactionError> {
        let state = self.serve(Operation::GetTransaction);
        state.intents_agent(&credentials, &agent_id).map_err(|(status, body)| match status {
            403 => GetTransactionError::Forbidden(body.into()),
            _ => GetTransactionError::NotFound(body.into()),
        })?;
        state
            .transactions
            .get(&tx_id)
            .filter(|tx| tx.agent_id == agent_id)
            .cloned()
            .ok_or_else(|| GetTransactionError::NotFound(not_found("Transaction").into()))
    }

    async fn simulate_transaction(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        body: SimulationRequest,
    ) -> Result<SimulationResult, SimulateTransactionError> {
        let state = self.serve(Operation::SimulateTransaction);
        state.intents_agent(&credentials, &agent_id).map_err(|(status, body)| match status {
            403 => SimulateTransactionError::Forbidden(body.into()),
            _ => SimulateTransactionError::NotFound(body.into()),
        })?;
        state.simulate(&body).map_err(|error| SimulateTransactionError::BadRequest(error.into()))
    }

    async fn simulate_transaction_bundle(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        agent_id: Uuid,
        body: BundleSimulationRequest,
    ) -> Result<BundleSimulationResult, SimulateTransactionBundleError> {
        let state = self.serve(Operation::SimulateTransactionBundle);
        state.intents_agent(&credentials, &agent_id).map_err(|(status, body)| match status {
            403 => SimulateTransactionBundleError::Forbidden(body.into()),
            _ => SimulateTransactionBundleError::NotFound(body.into()),
        })?;
        let results = body
            .transactions
            .iter()
            .map(|tx| state.simulate(tx))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| SimulateTransactionBundleError::BadRequest(error.into()))?;
        Ok(BundleSimulationResult::new(results.iter().all(|r| r.success), results))
    }

    // --- Billing & usage ---------------------------------------------------------------------------

    async fn get_usage_summary(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<UsageSummary, GetUsageSummaryError> {
        let state = self.serve(Operation::GetUsageSummary);
        let me = state.user_id(&credentials).map_err(|error| GetUsageSummaryError::Unauthorized(error.into()))?;
        Ok(state.usage(&me))
    }

    async fn get_usage_history(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<UsageHistory, GetUsageHistoryError> {
        let state = self.serve(Operation::GetUsageHistory);
        let me = state.user_id(&credentials).map_err(|error| GetUsageHistoryError::Unauthorized(error.into()))?;
        let usage = state.usage(&me);
        let periods = vec![
            UsagePeriod::new(
                usage.period_start,
                usage.period_end,
                0,
                usage.secret_reads.used,
                usage.secret_writes.used,
                usage.transactions.used,
                0,
            ),
            UsagePeriod::new(at("2026-02-01T00:00:00Z"), at("2026-03-01T00:00:00Z"), 0, 0, 0, 0, 0),
        ];
        Ok(UsageHistory::new(periods))
    }

    async fn create_subscription_checkout(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: SubscribeRequest,
    ) -> Result<CheckoutSession, CreateSubscriptionCheckoutError> {
        let mut state = self.serve(Operation::CreateSubscriptionCheckout);
        let me = state.user_id(&credentials).map_err(|error| CreateSubscriptionCheckoutError::Unauthorized(error.into()))?;
        let org = state.user(&me).user.org_id;
        let wanted = match body.tier {
            SubscribeRequestTier::Pro => BillingTier::Pro,
            SubscribeRequestTier::Business => BillingTier::Business,
            tier => {
                return Err(CreateSubscriptionCheckoutError::BadRequest(bad_request(format!("Unknown tier {tier}")).into()));
            }
        };
        if state.tiers.get(&org) == Some(&wanted) {
            return Err(CreateSubscriptionCheckoutError::Conflict(
                err("already_subscribed", "The organization already has this plan").into(),
            ));
        }
        let session_id = state.id("cs_test");
        Ok(CheckoutSession::new(format!("https://checkout.stripe.com/c/pay/{session_id}?interval={}", body.interval), session_id))
    }

    async fn create_billing_portal_session(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: PortalRequest,
    ) -> Result<PortalSession, CreateBillingPortalSessionError> {
        let state = self.serve(Operation::CreateBillingPortalSession);
        let me = state.user_id(&credentials).map_err(|error| CreateBillingPortalSessionError::Unauthorized(error.into()))?;
        let org = &state.user(&me).user.org_id;
        Ok(PortalSession::new(format!("https://billing.stripe.com/p/session/{org}?return_url={}", body.return_url)))
    }

    async fn get_subscription(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<SubscriptionSummary, GetSubscriptionError> {
        let state = self.serve(Operation::GetSubscription);
        let me = state.user_id(&credentials).map_err(|error| GetSubscriptionError::Unauthorized(error.into()))?;
        let org = state.user(&me).user.org_id;
        let usage = state.usage(&me);
        let paid = usage.tier != BillingTier::Free;
        let status = if paid { SubscriptionStatus::Active } else { SubscriptionStatus::None };
        let overage = state.overage.get(&org).cloned().unwrap_or(OverageMethod::Credits);
        let summary = SubscriptionSummary::new(usage.tier.clone(), status, false, overage, usage.clone(), state.credit_balance(&org));
        Ok(if paid { summary.interval(BillingInterval::Month).current_period_end(usage.period_end) } else { summary })
    }

    async fn create_credit_topup(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: TopupRequest,
    ) -> Result<CheckoutSession, CreateCreditTopupError> {
        let mut state = self.serve(Operation::CreateCreditTopup);
        state.user_id(&credentials).map_err(|error| CreateCreditTopupError::Unauthorized(error.into()))?;
        let session_id = state.id("cs_topup");
        Ok(CheckoutSession::new(format!("https://checkout.stripe.com/c/pay/{session_id}?amount={}", body.amount_cents), session_id))
    }

    async fn get_credit_balance(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<CreditBalance, GetCreditBalanceError> {
        let state = self.serve(Operation::GetCreditBalance);
        let me = state.user_id(&credentials).map_err(|error| GetCreditBalanceError::Unauthorized(error.into()))?;
        Ok(state.credit_balance(&state.user(&me).user.org_id))
    }

    async fn list_credit_transactions(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListCreditTransactionsQuery,
    ) -> Result<CreditTransactionList, ListCreditTransactionsError> {
        let state = self.serve(Operation::ListCreditTransactions);
        let me = state.user_id(&credentials).map_err(|error| ListCreditTransactionsError::Unauthorized(error.into()))?;
        let org = &state.user(&me).user.org_id;
        let ledger = state.credit_ledger.iter().filter(|(o, _)| o == org).map(|(_, tx)| tx.clone()).collect();
        let (items, next_cursor) =
            page(ledger, query.limit, query.cursor.as_deref()).map_err(|error| ListCreditTransactionsError::BadRequest(error.into()))?;
        Ok({
            let mut value = CreditTransactionList::new(items);
            value.next_cursor = next_cursor;
            value
        })
    }

    async fn set_overage_method(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: OverageMethodRequest,
    ) -> Result<OverageMethodResponse, SetOverageMethodError> {
        let mut state = self.serve(Operation::SetOverageMethod);
        let me = state.user_id(&credentials).map_err(|error| SetOverageMethodError::Unauthorized(error.into()))?;
        let org = state.user(&me).user.org_id;
        state.overage.insert(org, body.overage_method.clone());
        Ok(OverageMethodResponse::new(body.overage_method, clock()))
    }

    async fn handle_stripe_webhook(
        &self,
        _cx: RequestContext,
        stripe_signature: String,
        body: StripeEvent,
        raw_body: axum::body::Bytes,
    ) -> Result<WebhookAck, HandleStripeWebhookError> {
        let mut state = self.serve(Operation::HandleStripeWebhook);
        if !stripe_signature_matches(&stripe_signature, &raw_body) {
            return Err(HandleStripeWebhookError::BadRequest(
                err("invalid_signature", "The Stripe signature could not be verified").into(),
            ));
        }
        // A completed top-up credits the organization named in its metadata.
        if body.type_ == "checkout.session.completed" {
            let org = body
                .data
                .object
                .get("metadata")
                .and_then(|m| m.get("org_id"))
                .and_then(serde_json::Value::as_str)
                .and_then(|org| org.parse::<Uuid>().ok());
            let amount = body.data.object.get("amount_total").and_then(serde_json::Value::as_i64);
            if let (Some(org), Some(amount)) = (org, amount) {
                let balance = state.credits.entry(org).or_default();
                *balance += amount;
                let balance_after_cents = *balance;
                let id = state.uuid("ctx");
                state.credit_ledger.push((
                    org,
                    CreditTransaction::new(
                        id,
                        CreditTransactionType::Topup,
                        amount,
                        balance_after_cents,
                        format!("Top-up via Stripe event {}", body.id),
                        clock(),
                    ),
                ));
            }
        }
        state.webhook_events.push(body.id);
        Ok(WebhookAck::new(true))
    }

    // --- Audit ---------------------------------------------------------------------------------------

    async fn list_audit_events(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListAuditEventsQuery,
    ) -> Result<AuditEventList, ListAuditEventsError> {
        let state = self.serve(Operation::ListAuditEvents);
        let me = state.user_id(&credentials).map_err(|error| ListAuditEventsError::Unauthorized(error.into()))?;
        let org = &state.user(&me).user.org_id;
        let events = state
            .audit
            .iter()
            .filter(|e| {
                &e.org_id == org
                    && query.action.as_deref().is_none_or(|action| e.action == action)
                    && query.actor_type.as_ref().is_none_or(|actor_type| e.actor_type == *actor_type)
                    && query.actor_id.as_ref().is_none_or(|actor| e.actor_id.as_ref() == Some(actor))
                    && query.resource_type.as_deref().is_none_or(|resource_type| e.resource_type == resource_type)
                    && query.resource_id.as_ref().is_none_or(|resource| e.resource_id.as_ref() == Some(resource))
                    && query.vault_id.as_ref().is_none_or(|vault| e.vault_id.as_ref() == Some(vault))
                    && query.outcome.as_ref().is_none_or(|outcome| e.outcome == *outcome)
                    && query.from.is_none_or(|from| e.created_at >= from)
                    && query.to.is_none_or(|to| e.created_at <= to)
            })
            .cloned()
            .collect();
        Ok(AuditEventList::new(events))
    }

    // --- Organization ------------------------------------------------------------------------------------

    async fn list_org_members(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<OrgMemberList, ListOrgMembersError> {
        let state = self.serve(Operation::ListOrgMembers);
        let me = state.user_id(&credentials).map_err(|error| ListOrgMembersError::Unauthorized(error.into()))?;
        let org = &state.user(&me).user.org_id;
        let mut members: Vec<OrgMember> = state
            .users
            .values()
            .filter(|r| &r.user.org_id == org)
            .map(|r| {
                let mut value =
                    OrgMember::new(r.user.id, r.user.email.clone(), r.user.role.clone(), MemberStatus::Active).joined_at(r.user.created_at);
                value.display_name = r.user.display_name.clone();
                value
            })
            .collect();
        members.extend(
            state
                .invitations
                .values()
                .filter(|r| &r.org_id == org)
                .map(|r| OrgMember::new(r.invitation.id, r.invitation.email.clone(), r.invitation.role.clone(), MemberStatus::Invited)),
        );
        Ok(OrgMemberList::new(members))
    }

    async fn invite_org_member(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: InviteRequest,
    ) -> Result<Invitation, InviteOrgMemberError> {
        let mut state = self.serve(Operation::InviteOrgMember);
        let me = state.user_id(&credentials).map_err(|error| InviteOrgMemberError::Unauthorized(error.into()))?;
        let inviter = state.user(&me).user.clone();
        if inviter.role == OrgRole::Member {
            return Err(InviteOrgMemberError::Forbidden(forbidden("Only owners and admins can invite members").into()));
        }
        if state.user_by_email(&body.email).is_some_and(|r| r.user.org_id == inviter.org_id) {
            return Err(InviteOrgMemberError::Conflict(err("already_member", "This email already belongs to a member").into()));
        }
        let id = state.uuid("inv");
        let invitation = Invitation::new(id, body.email, body.role, me, clock(), at("2026-03-08T12:00:00Z"));
        state.invitations.insert(id, InvitationRecord { invitation: invitation.clone(), org_id: inviter.org_id });
        Ok(invitation)
    }

    async fn remove_org_member(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        user_id: Uuid,
    ) -> Result<(), RemoveOrgMemberError> {
        let mut state = self.serve(Operation::RemoveOrgMember);
        let me = state.user_id(&credentials).map_err(|error| RemoveOrgMemberError::Unauthorized(error.into()))?;
        let actor = state.user(&me).user.clone();
        if state.users.get(&user_id).is_none_or(|r| r.user.org_id != actor.org_id) {
            return Err(RemoveOrgMemberError::NotFound(not_found("Member").into()));
        }
        if actor.role == OrgRole::Member || user_id == me {
            return Err(RemoveOrgMemberError::Forbidden(forbidden("Insufficient permissions for this operation").into()));
        }
        // The removed member keeps the account, in an organization of its own.
        let own_org = state.uuid("org");
        let removed = &mut state.user_mut(&user_id).user;
        removed.org_id = own_org;
        removed.role = OrgRole::Owner;
        Ok(())
    }

    async fn update_org_member_role(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        user_id: Uuid,
        body: UpdateMemberRoleRequest,
    ) -> Result<OrgMember, UpdateOrgMemberRoleError> {
        let mut state = self.serve(Operation::UpdateOrgMemberRole);
        let me = state.user_id(&credentials).map_err(|error| UpdateOrgMemberRoleError::Unauthorized(error.into()))?;
        let actor = state.user(&me).user.clone();
        if state.users.get(&user_id).is_none_or(|r| r.user.org_id != actor.org_id) {
            return Err(UpdateOrgMemberRoleError::NotFound(not_found("Member").into()));
        }
        if actor.role != OrgRole::Owner {
            return Err(UpdateOrgMemberRoleError::Forbidden(forbidden("Only owners can change roles").into()));
        }
        let user = &mut state.user_mut(&user_id).user;
        user.role = body.role;
        Ok({
            let mut value = OrgMember::new(user_id, user.email.clone(), user.role.clone(), MemberStatus::Active).joined_at(user.created_at);
            value.display_name = user.display_name.clone();
            value
        })
    }

    // --- Security (IP rules) -------------------------------------------------------------------------------

    async fn list_ip_rules(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<IpRuleList, ListIpRulesError> {
        let state = self.serve(Operation::ListIpRules);
        let me = state.user_id(&credentials).map_err(|error| ListIpRulesError::Unauthorized(error.into()))?;
        let org = &state.user(&me).user.org_id;
        let rules = state.ip_rules.values().filter(|(o, _)| o == org).map(|(_, rule)| rule.clone()).collect();
        Ok(IpRuleList::new(rules))
    }

    async fn create_ip_rule(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: CreateIpRuleRequest,
    ) -> Result<IpRule, CreateIpRuleError> {
        let mut state = self.serve(Operation::CreateIpRule);
        let me = state.user_id(&credentials).map_err(|error| CreateIpRuleError::Unauthorized(error.into()))?;
        let valid =
            body.cidr.split_once('/').is_some_and(|(ip, bits)| ip.parse::<std::net::IpAddr>().is_ok() && bits.parse::<u8>().is_ok());
        if !valid {
            return Err(CreateIpRuleError::BadRequest(bad_request(format!("cidr: `{}` is not a CIDR block", body.cidr)).into()));
        }
        let org = state.user(&me).user.org_id;
        let id = state.uuid("ipr");
        let rule = {
            let mut value = IpRule::new(id, body.cidr, body.action, me, clock());
            value.description = body.description;
            value
        };
        state.ip_rules.insert(id, (org, rule.clone()));
        Ok(rule)
    }

    async fn delete_ip_rule(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        rule_id: Uuid,
    ) -> Result<(), DeleteIpRuleError> {
        let mut state = self.serve(Operation::DeleteIpRule);
        let me = state.user_id(&credentials).map_err(|error| DeleteIpRuleError::Unauthorized(error.into()))?;
        let org = state.user(&me).user.org_id;
        if state.ip_rules.get(&rule_id).is_none_or(|(o, _)| *o != org) {
            return Err(DeleteIpRuleError::NotFound(not_found("IP rule").into()));
        }
        state.ip_rules.remove(&rule_id);
        Ok(())
    }

    // --- Admin (platform operators; `authorize` refuses everyone else) ------------------------------------------

    async fn list_admin_settings(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<SettingList, ListAdminSettingsError> {
        let state = self.serve(Operation::ListAdminSettings);
        let _ = credentials;
        let settings = state.settings.values().cloned().collect();
        Ok(SettingList::new(settings))
    }

    async fn update_admin_setting(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        key: String,
        body: UpdateSettingRequest,
    ) -> Result<Setting, UpdateAdminSettingError> {
        let mut state = self.serve(Operation::UpdateAdminSetting);
        let me = state.user_id(&credentials).map_err(|error| UpdateAdminSettingError::Unauthorized(error.into()))?;
        let setting = {
            let mut value = Setting::new(key.clone(), body.value, clock()).updated_by(me);
            value.description = body.description;
            value
        };
        state.settings.insert(key, setting.clone());
        Ok(setting)
    }

    async fn delete_admin_setting(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        key: String,
    ) -> Result<(), DeleteAdminSettingError> {
        let mut state = self.serve(Operation::DeleteAdminSetting);
        let _ = credentials;
        state.settings.remove(&key).map(|_| ()).ok_or_else(|| DeleteAdminSettingError::NotFound(not_found("Setting").into()))
    }

    async fn get_x402_config(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<X402Config, GetX402ConfigError> {
        let state = self.serve(Operation::GetX402Config);
        let _ = credentials;
        Ok(state.x402.clone().expect("a seeded x402 config"))
    }

    async fn update_x402_config(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: X402ConfigUpdate,
    ) -> Result<X402Config, UpdateX402ConfigError> {
        let mut state = self.serve(Operation::UpdateX402Config);
        let _ = credentials;
        let config = X402Config::new(
            body.enabled,
            body.network,
            body.asset,
            body.pay_to,
            body.facilitator_url,
            body.price_per_request_usd,
            at("2026-03-01T12:30:00Z"),
        );
        state.x402 = Some(config.clone());
        Ok(config)
    }

    async fn list_admin_users(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        query: ListAdminUsersQuery,
    ) -> Result<AdminUserList, ListAdminUsersError> {
        let state = self.serve(Operation::ListAdminUsers);
        let _ = credentials;
        let users = state
            .users
            .values()
            .filter(|r| query.email.as_deref().is_none_or(|email| r.user.email.contains(email)))
            .map(|r| {
                let mut value = AdminUser::new(
                    r.user.id,
                    r.user.email.clone(),
                    r.user.org_id,
                    r.user.role.clone(),
                    r.platform_admin,
                    r.user.mfa_enabled,
                    r.user.created_at,
                );
                value.display_name = r.user.display_name.clone();
                value
            })
            .collect();
        Ok(AdminUserList::new(users))
    }

    async fn delete_admin_user(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        user_id: Uuid,
    ) -> Result<(), DeleteAdminUserError> {
        let mut state = self.serve(Operation::DeleteAdminUser);
        let _ = credentials;
        state.users.remove(&user_id).ok_or_else(|| DeleteAdminUserError::NotFound(not_found("User").into()))?;
        state.tokens.retain(|_, principal| *principal != Principal::User(user_id));
        Ok(())
    }

    async fn list_admin_chains(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
    ) -> Result<ChainList, ListAdminChainsError> {
        let state = self.serve(Operation::ListAdminChains);
        let _ = credentials;
        let chains = state.chains_by_name();
        Ok(ChainList::new(chains))
    }

    async fn create_admin_chain(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        body: ChainRequest,
    ) -> Result<Chain, CreateAdminChainError> {
        let mut state = self.serve(Operation::CreateAdminChain);
        let _ = credentials;
        if state.chains.values().any(|c| c.name == body.name || c.chain_id == body.chain_id) {
            return Err(CreateAdminChainError::Conflict(err("chain_exists", "A chain with this name or chain_id already exists").into()));
        }
        let chain = chain_from(chain_uuid(body.chain_id), body);
        state.chains.insert(chain.id, chain.clone());
        Ok(chain)
    }

    async fn update_admin_chain(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        chain_id: String,
        body: ChainRequest,
    ) -> Result<Chain, UpdateAdminChainError> {
        let mut state = self.serve(Operation::UpdateAdminChain);
        let _ = credentials;
        let id = admin_chain(&state, &chain_id).ok_or_else(|| UpdateAdminChainError::NotFound(not_found("Chain").into()))?;
        let chain = chain_from(id, body);
        state.chains.insert(id, chain.clone());
        Ok(chain)
    }

    async fn delete_admin_chain(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        chain_id: String,
    ) -> Result<(), DeleteAdminChainError> {
        let mut state = self.serve(Operation::DeleteAdminChain);
        let _ = credentials;
        let id = admin_chain(&state, &chain_id).ok_or_else(|| DeleteAdminChainError::NotFound(not_found("Chain").into()))?;
        state.chains.remove(&id);
        Ok(())
    }

    async fn get_org_limits(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        org_id: Uuid,
    ) -> Result<OrgLimits, GetOrgLimitsError> {
        let state = self.serve(Operation::GetOrgLimits);
        let _ = credentials;
        org_limits(&state, &org_id).ok_or_else(|| GetOrgLimitsError::NotFound(not_found("Organization").into()))
    }

    async fn update_org_limits(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        org_id: Uuid,
        body: OrgLimitsUpdate,
    ) -> Result<OrgLimits, UpdateOrgLimitsError> {
        let mut state = self.serve(Operation::UpdateOrgLimits);
        let _ = credentials;
        let mut limits = org_limits(&state, &org_id).ok_or_else(|| UpdateOrgLimitsError::NotFound(not_found("Organization").into()))?;
        limits.max_vaults = body.max_vaults.or(limits.max_vaults);
        limits.max_secrets = body.max_secrets.or(limits.max_secrets);
        limits.max_agents = body.max_agents.or(limits.max_agents);
        limits.max_api_calls_per_month = body.max_api_calls_per_month.or(limits.max_api_calls_per_month);
        limits.max_transactions_per_month = body.max_transactions_per_month.or(limits.max_transactions_per_month);
        limits.rate_limit_per_minute = body.rate_limit_per_minute.or(limits.rate_limit_per_minute);
        limits.updated_at = at("2026-03-01T12:30:00Z");
        state.org_limits.insert(org_id, limits.clone());
        Ok(limits)
    }

    async fn set_org_billing_tier(
        &self,
        RequestContext { identity: credentials, .. }: RequestContext<Credentials>,
        org_id: Uuid,
        body: BillingTierRequest,
    ) -> Result<OrgBillingTier, SetOrgBillingTierError> {
        let mut state = self.serve(Operation::SetOrgBillingTier);
        let _ = credentials;
        if !state.users.values().any(|r| r.user.org_id == org_id) {
            return Err(SetOrgBillingTierError::NotFound(not_found("Organization").into()));
        }
        state.tiers.insert(org_id, body.tier.clone());
        if let Some(limits) = state.org_limits.get_mut(&org_id) {
            limits.tier = body.tier.clone();
        }
        Ok(OrgBillingTier::new(org_id, body.tier, clock()))
    }
}

fn metadata(secret: &Secret) -> SecretMetadata {
    {
        let mut value = SecretMetadata::new(
            secret.id,
            secret.vault_id,
            secret.path.clone(),
            secret.type_.clone(),
            secret.version,
            secret.created_at,
            secret.updated_at,
        );
        value.metadata = secret.metadata.clone();
        value.expires_at = secret.expires_at;
        value
    }
}

fn is_recipient(state: &State, principal: &Principal, share: &Share) -> bool {
    match principal {
        Principal::User(id) => {
            (share.recipient_type == RecipientType::User && share.recipient_id.as_ref() == Some(id))
                || (share.recipient_type == RecipientType::ExternalEmail
                    && share.recipient_email.as_deref() == state.users.get(id).map(|r| r.user.email.as_str()))
        }
        Principal::Agent(id) => share.recipient_type == RecipientType::Agent && share.recipient_id.as_ref() == Some(id),
    }
}

/// The record an admin path names: by its `id` or by its EIP-155 `chain_id`.
fn admin_chain(state: &State, identifier: &str) -> Option<Uuid> {
    state
        .chains
        .values()
        .find(|c| identifier.parse::<Uuid>().is_ok_and(|id| id == c.id) || c.chain_id.to_string() == identifier)
        .map(|c| c.id)
}

fn chain_from(id: Uuid, body: ChainRequest) -> Chain {
    {
        let mut value = Chain::new(id, body.name, body.display_name, body.chain_id, body.native_currency, body.is_testnet, body.enabled);
        value.explorer_url = body.explorer_url;
        value
    }
}

fn org_limits(state: &State, org_id: &Uuid) -> Option<OrgLimits> {
    if let Some(limits) = state.org_limits.get(org_id) {
        return Some(limits.clone());
    }
    state.users.values().any(|r| r.user.org_id == *org_id).then(|| {
        OrgLimits::new(*org_id, state.tiers.get(org_id).cloned().unwrap_or(BillingTier::Free), clock())
            .max_vaults(5)
            .max_secrets(500)
            .max_agents(10)
            .max_api_calls_per_month(100_000)
            .rate_limit_per_minute(60)
            .max_transactions_per_month(100)
    })
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
    /// The request targets (path and query) as they arrived, before any decoding.
    targets: Arc<Mutex<Vec<String>>>,
    api: InMemoryOneclaw,
}

impl TestServer {
    fn client(&self) -> Client {
        Client::new(&self.url)
    }

    fn client_with(&self, token: &str) -> Client {
        Client::new(&self.url).with_bearer_jwt(token)
    }

    fn http_requests(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("targets lock").clone()
    }

    /// Signs a new user up; returns its client, token and profile.
    async fn user(&self, email: &str) -> (Client, String, User) {
        let token = self.client().signup(&signup_request(email)).await.expect("a 201 signup").access_token;
        let client = self.client_with(&token);
        let user = client.get_current_user().await.expect("the new user's profile");
        (client, token, user)
    }

    /// Signs the seeded platform administrator in.
    async fn admin(&self) -> (Client, User) {
        let request = LoginRequest::new(ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned());
        let CreateTokenResponse::Ok(token) = self.client().create_token(&request).await.expect("the admin signs in") else {
            panic!("the admin has no MFA");
        };
        let client = self.client_with(&token.access_token);
        let user = client.get_current_user().await.expect("the admin's profile");
        (client, user)
    }
}

/// Serves the generated router with a fresh in-memory implementation on an
/// ephemeral port.
async fn spawn_server() -> TestServer {
    let api = InMemoryOneclaw::seeded();
    let http_requests = Arc::new(AtomicUsize::new(0));
    let targets = Arc::new(Mutex::new(Vec::new()));
    let (counter, seen) = (Arc::clone(&http_requests), Arc::clone(&targets));
    let app = server::router(api.clone()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            let target = request.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
            seen.lock().expect("targets lock").push(target);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
    let addr = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    TestServer { url: format!("http://{addr}"), addr, http_requests, targets, api }
}

struct RawResponse {
    status: u16,
    /// Lower-cased header names.
    headers: HashMap<String, String>,
    body: String,
}

impl RawResponse {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("the body is JSON ({e}): {:?}", self.body))
    }

    /// Asserts the body is the spec's `{"error", "message"}` and returns both.
    fn error(&self) -> (String, String) {
        assert!(
            self.headers.get("content-type").is_some_and(|value| value.starts_with("application/json")),
            "error responses are JSON, got headers {:?}",
            self.headers
        );
        let value = self.json();
        let object = value.as_object().unwrap_or_else(|| panic!("the error body is an object: {}", self.body));
        assert_eq!(object.len(), 2, "exactly `error` and `message`: {}", self.body);
        let text = |name: &str| {
            object.get(name).and_then(serde_json::Value::as_str).unwrap_or_else(|| panic!("`{name}` is a string: {}", self.body)).to_owned()
        };
        (text("error"), text("message"))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The `X-RateLimit-*` headers as numbers.
    fn rate_limit(&self) -> (u64, u64, u64) {
        let read = |name: &str| {
            self.header(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("`{name}` on the {} answer: {:?}", self.status, self.headers))
        };
        (read("x-ratelimit-limit"), read("x-ratelimit-remaining"), read("x-ratelimit-reset"))
    }
}

/// Sends one raw HTTP/1.1 request (`Connection: close`) and reads the whole answer.
async fn raw_request(server: &TestServer, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(&server.addr).await.expect("connect to the server");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr);
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if matches!(method, "POST" | "PUT" | "PATCH") {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read the answer");
    let text = String::from_utf8(bytes).expect("a UTF-8 answer");
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

/// Asserts the call failed on the client with `MissingCredentials` for `operation`.
fn assert_missing_credentials<T: Debug, E: Debug>(result: Result<T, ClientError<E>>, operation: &str) {
    match result {
        Err(ClientError::MissingCredentials { operation: named }) => assert_eq!(named, operation),
        other => panic!("expected MissingCredentials for {operation}, got {other:?}"),
    }
}

fn signup_request(email: &str) -> SignupRequest {
    SignupRequest::new(email.to_owned(), PASSWORD.to_owned()).marketing_opt_in(false)
}

fn secret_request(type_: SecretType, value: &str) -> PutSecretRequest {
    PutSecretRequest::new(type_, value.to_owned())
}

fn vault_request(name: &str) -> CreateVaultRequest {
    CreateVaultRequest::new(name.to_owned())
}

fn agent_request(name: &str, vault_ids: Vec<Uuid>, intents_api_enabled: bool) -> CreateAgentRequest {
    CreateAgentRequest::new(name.to_owned()).vault_ids(vault_ids).intents_api_enabled(intents_api_enabled)
}

fn share_request(
    recipient_type: RecipientType,
    recipient_id: Option<&Uuid>,
    expires_at: &str,
    max_access_count: Option<i64>,
) -> CreateShareRequest {
    {
        let mut value = CreateShareRequest::new(recipient_type, at(expires_at));
        value.recipient_id = recipient_id.copied();
        value.max_access_count = max_access_count;
        value
    }
}

fn transaction_request(data: &str, signing_key_path: Option<&str>) -> TransactionRequest {
    let request = TransactionRequest::new("base", "0x4200000000000000000000000000000000000006")
        .gas_limit(60_000)
        .simulate_first(true)
        .value("0")
        .data(data);
    match signing_key_path {
        Some(path) => request.signing_key_path(path),
        None => request,
    }
}

fn simulation_request(value: &str, data: &str) -> SimulationRequest {
    SimulationRequest::new("base", "0x4200000000000000000000000000000000000006").value(value).data(data)
}

fn paths(list: &SecretList) -> Vec<&str> {
    list.items.iter().map(|item| item.path.as_str()).collect()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

// ---------------------------------------------------------------------------
// 1. Every operation, once, through the typed client
// ---------------------------------------------------------------------------

/// Walks all 96 operations in a realistic order, checking each success answer,
/// and finally that the implementation served every one of them.
#[tokio::test]
async fn every_operation_round_trips_through_the_typed_client() {
    let server = spawn_server().await;
    let anon = server.client();
    let new_password = "tr0ub4dor-and-3-more-words";

    // --- Public -------------------------------------------------------------
    let health = anon.get_health().await.expect("getHealth");
    assert_eq!(health.status, HealthStatusStatus::Ok);
    assert_eq!(health.version, "1.0.0");
    assert_eq!(health.timestamp, clock());
    let hsm = anon.get_hsm_health().await.expect("getHsmHealth");
    assert_eq!((hsm.status, hsm.connected, hsm.latency_ms), (HsmHealthStatus::Ok, true, Some(4)));

    // --- Authentication and account -------------------------------------------
    let signup = anon
        .signup(
            &SignupRequest::new("ada@example.com".to_owned(), PASSWORD.to_owned())
                .marketing_opt_in(false)
                .display_name("Ada Lovelace".to_owned()),
        )
        .await
        .expect("signup");
    assert_eq!((signup.token_type, signup.expires_in, signup.refresh_token.as_deref()), (TokenResponseTokenType::Bearer, 3600, None));
    let ada = server.client_with(&signup.access_token);
    let me = ada.get_current_user().await.expect("getCurrentUser");
    assert_eq!(me.email, "ada@example.com");
    assert_eq!(me.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        (me.role, me.auth_provider, me.mfa_enabled, me.marketing_opt_in),
        (OrgRole::Owner, UserAuthProvider::Password, false, false)
    );

    let updated = ada
        .update_current_user(&UpdateUserRequest::default().marketing_opt_in(true).display_name("Ada L.".to_owned()))
        .await
        .expect("updateCurrentUser");
    assert_eq!((updated.display_name.as_deref(), updated.marketing_opt_in), (Some("Ada L."), true));
    assert_eq!(updated.id, me.id);

    let login = |password: &str| LoginRequest::new("ada@example.com".to_owned(), password.to_owned());
    match anon.create_token(&login(PASSWORD)).await.expect("createToken") {
        CreateTokenResponse::Ok(token) => {
            assert_ne!(token.access_token, signup.access_token, "a fresh token");
            let again = server.client_with(&token.access_token).get_current_user().await.expect("the new token works");
            assert_eq!(again.id, me.id);
            assert_eq!(again.display_name.as_deref(), Some("Ada L."), "the profile update persisted");
        }
        other => panic!("expected a token, got {other:?}"),
    }

    ada.change_password(&ChangePasswordRequest::new(PASSWORD.to_owned(), new_password.to_owned())).await.expect("changePassword");
    let error = api_error(anon.create_token(&login(PASSWORD)).await);
    assert_eq!(
        error,
        CreateTokenError::Unauthorized(err("invalid_credentials", "Invalid email or password").into()),
        "the old password is gone"
    );

    // --- MFA ---------------------------------------------------------------------
    let status = ada.get_mfa_status().await.expect("getMfaStatus");
    assert_eq!(status, MfaStatus::new(false));
    let setup = ada.setup_mfa().await.expect("setupMfa");
    assert_eq!(setup.secret, "JBSWY3DPEHPK3PXP");
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/1claw:ada@example.com?secret=JBSWY3DPEHPK3PXP"), "{}", setup.otpauth_uri);
    let enabled = ada.verify_mfa_setup(&MfaCodeRequest::new(MFA_CODE.to_owned())).await.expect("verifyMfaSetup");
    assert!(enabled.enabled);
    assert_eq!(enabled.backup_codes.len(), 8);
    let challenge = match anon.create_token(&login(new_password)).await.expect("createToken with MFA") {
        CreateTokenResponse::Accepted(challenge) => challenge,
        other => panic!("expected the 202 MFA challenge, got {other:?}"),
    };
    assert!(challenge.mfa_required);
    assert_eq!(challenge.expires_in, 300);
    let mfa_token = anon.verify_mfa(&MfaVerifyRequest::new(challenge.mfa_token.clone(), MFA_CODE.to_owned())).await.expect("verifyMfa");
    assert_eq!(server.client_with(&mfa_token.access_token).get_current_user().await.expect("the MFA token works").id, me.id);
    ada.disable_mfa(&DisableMfaRequest::default().code(MFA_CODE.to_owned())).await.expect("disableMfa");
    assert!(!ada.get_current_user().await.expect("profile").mfa_enabled, "MFA is off again");

    // --- Google --------------------------------------------------------------------
    let google =
        match anon.sign_in_with_google(&GoogleSignInRequest::new("google:grace@example.com".to_owned())).await.expect("signInWithGoogle") {
            SignInWithGoogleResponse::Ok(token) => token,
            other => panic!("expected a token, got {other:?}"),
        };
    let grace = server.client_with(&google.access_token);
    let grace_user = grace.get_current_user().await.expect("Grace's profile");
    assert_eq!((grace_user.email.as_str(), grace_user.auth_provider), ("grace@example.com", UserAuthProvider::Google));

    // --- Device authorization --------------------------------------------------------
    let device_request = DeviceCodeRequest::new("1claw-cli".to_owned()).scope("vaults:read".to_owned());
    let device = anon.request_device_code(&device_request).await.expect("requestDeviceCode");
    assert_eq!((device.interval, device.expires_in), (5, 900));
    assert_eq!(device.verification_uri_complete.as_deref(), Some(format!("https://1claw.xyz/device?code={}", device.user_code).as_str()));
    let pending = anon.get_device_code_status(&device.user_code).await.expect("getDeviceCodeStatus");
    assert_eq!(
        (pending.status, pending.client_id.as_str(), pending.user_code.as_str()),
        (DeviceCodeState::Pending, "1claw-cli", device.user_code.as_str())
    );
    let approved = ada.approve_device(&DeviceDecisionRequest::new(device.user_code.clone())).await.expect("approveDevice");
    assert_eq!(approved.status, DeviceCodeState::Approved);
    let poll = |device_code: &str| {
        DeviceTokenRequest::new(
            DeviceTokenRequestGrantType::UrnIetfParamsOauthGrantTypeDeviceCode,
            device_code.to_owned(),
            "1claw-cli".to_owned(),
        )
    };
    let cli_token = anon.poll_device_token(&poll(&device.device_code)).await.expect("pollDeviceToken");
    assert_eq!(server.client_with(&cli_token.access_token).get_current_user().await.expect("the CLI token works").id, me.id);
    let second = anon.request_device_code(&device_request).await.expect("a second device code");
    let denied = ada.deny_device(&DeviceDecisionRequest::new(second.user_code.clone())).await.expect("denyDevice");
    assert_eq!(denied.status, DeviceCodeState::Denied);
    let error = api_error(anon.poll_device_token(&poll(&second.device_code)).await);
    assert!(matches!(&error, PollDeviceTokenError::BadRequest(ErrorBody::Decoded(body)) if body.error == "access_denied"), "{error:?}");

    // --- Personal API keys -------------------------------------------------------------
    let key = ada.create_api_key(&CreateApiKeyRequest::new("ci".to_owned())).await.expect("createApiKey");
    assert!(key.key.starts_with("1ck_"), "{}", key.key);
    assert_eq!(key.key_prefix, key.key[..8]);
    let keys = ada.list_api_keys().await.expect("listApiKeys");
    assert_eq!(keys.items.len(), 1);
    assert_eq!((keys.items[0].id, keys.items[0].name.as_str(), keys.items[0].key_prefix.as_str()), (key.id, "ci", key.key_prefix.as_str()));
    let key_token = anon.create_api_key_token(&ApiKeyTokenRequest::new(key.key.clone())).await.expect("createApiKeyToken");
    assert_eq!(server.client_with(&key_token.access_token).get_current_user().await.expect("the key token works").id, me.id);
    ada.revoke_api_key(&key.id).await.expect("revokeApiKey");
    assert!(ada.list_api_keys().await.expect("keys").items.is_empty());
    let error = api_error(anon.create_api_key_token(&ApiKeyTokenRequest::new(key.key.clone())).await);
    assert_eq!(error.status(), 401, "a revoked key no longer signs in");

    // --- Vaults -------------------------------------------------------------------------
    let vault = ada
        .create_vault(&CreateVaultRequest::new("production".to_owned()).description("Prod credentials".to_owned()))
        .await
        .expect("createVault");
    assert_eq!((vault.org_id, vault.created_by, vault.cmek_enabled, vault.secret_count), (me.org_id, me.id, false, 0));
    assert_eq!(vault.description.as_deref(), Some("Prod credentials"));
    let vaults = ada.list_vaults().await.expect("listVaults");
    assert_eq!(vaults.items, std::slice::from_ref(&vault));
    assert_eq!(ada.get_vault(&vault.id).await.expect("getVault"), vault);

    // --- CMEK (part 1) ---------------------------------------------------------------------
    let key_uri = "gcp-kms://projects/acme/locations/global/keyRings/1claw/cryptoKeys/vault";
    let cmek = ada.enable_cmek(&vault.id, &EnableCmekRequest::new(CmekProvider::GcpKms, key_uri.to_owned())).await.expect("enableCmek");
    assert_eq!((cmek.vault_id, cmek.enabled, cmek.provider, cmek.key_uri.as_str()), (vault.id, true, CmekProvider::GcpKms, key_uri));
    assert!(ada.get_vault(&vault.id).await.expect("vault").cmek_enabled);

    // --- Secrets ------------------------------------------------------------------------------
    let openai = PutSecretRequest::new(SecretType::ApiKey, "sk-proj-4f9Kx2mQ8vT1nL7pR3wZ".to_owned())
        .metadata(BTreeMap::from([("provider".to_owned(), "openai".to_owned())]));
    let created = match ada.put_secret(&vault.id, "api-keys/openai", &openai).await.expect("putSecret") {
        PutSecretResponse::Created(created) => created,
        other => panic!("expected 201 Created, got {other:?}"),
    };
    assert_eq!((created.path.as_str(), created.version, created.type_.clone()), ("api-keys/openai", 1, SecretType::ApiKey));
    let secret = ada.get_secret(&vault.id, "api-keys/openai", &GetSecretQuery::default()).await.expect("getSecret");
    assert_eq!((secret.id, secret.value.as_str(), secret.version), (created.id, "sk-proj-4f9Kx2mQ8vT1nL7pR3wZ", 1));
    assert_eq!(secret.metadata, openai.metadata);
    let listed = ada.list_secrets(&vault.id, &ListSecretsQuery::default()).await.expect("listSecrets");
    assert_eq!(listed.items, std::slice::from_ref(&created));

    // --- CMEK (part 2) ----------------------------------------------------------------------------
    let rotation = CmekRotationRequest::default().new_key_uri(format!("{key_uri}-v2"));
    let job = ada.start_cmek_rotation(&vault.id, &rotation).await.expect("startCmekRotation");
    assert_eq!((job.status, job.total_secrets, job.processed_secrets, job.vault_id), (JobStatus::Queued, 1, 0, vault.id));
    let done = ada.get_cmek_rotation_job(&vault.id, &job.id).await.expect("getCmekRotationJob");
    assert_eq!((done.id, done.status, done.processed_secrets, done.completed_at), (job.id, JobStatus::Completed, 1, Some(clock())));
    ada.disable_cmek(&vault.id).await.expect("disableCmek");
    assert!(!ada.get_vault(&vault.id).await.expect("vault").cmek_enabled);

    // --- Policies -----------------------------------------------------------------------------------
    let policy_request = |permissions: Vec<Permission>| {
        // An agent that only this policy names (it is never created).
        PolicyRequest::new("api-keys/*", PrincipalType::Agent, tagged("agt", 0x7ead), permissions)
            .conditions(PolicyConditions::default().ip_cidrs(vec!["10.0.0.0/8".to_owned()]))
            .expires_at(at("2026-12-31T23:59:59Z"))
    };
    let policy = ada.create_policy(&vault.id, &policy_request(vec![Permission::Read])).await.expect("createPolicy");
    assert_eq!((policy.vault_id, policy.secret_path_pattern.as_str(), policy.created_by), (vault.id, "api-keys/*", me.id));
    assert_eq!(policy.conditions, Some(PolicyConditions::default().ip_cidrs(vec!["10.0.0.0/8".to_owned()])));
    assert_eq!(ada.list_policies(&vault.id).await.expect("listPolicies").items, std::slice::from_ref(&policy));
    let widened =
        ada.update_policy(&vault.id, &policy.id, &policy_request(vec![Permission::Read, Permission::List])).await.expect("updatePolicy");
    assert_eq!(widened.permissions, [Permission::Read, Permission::List]);
    assert_eq!((widened.id, widened.created_at), (policy.id, policy.created_at));
    assert!(widened.updated_at > policy.updated_at);
    ada.delete_policy(&vault.id, &policy.id).await.expect("deletePolicy");
    assert!(ada.list_policies(&vault.id).await.expect("policies").items.is_empty());

    // --- Agents ----------------------------------------------------------------------------------------
    let enrolled =
        anon.enroll_agent(&EnrollAgentRequest::new("ci-bot".to_owned(), "ops@example.com".to_owned())).await.expect("enrollAgent");
    assert_eq!(enrolled.status, EnrollmentResponseStatus::PendingApproval);
    assert!(enrolled.message.contains("ops@example.com"), "{}", enrolled.message);
    let created_agent = ada
        .create_agent(
            &CreateAgentRequest::new("trader".to_owned())
                .vault_ids(vec![vault.id])
                .intents_api_enabled(true)
                .description("Swaps on Base".to_owned()),
        )
        .await
        .expect("createAgent");
    let agent_id = created_agent.agent.id;
    assert!(created_agent.agent.is_active && created_agent.agent.intents_api_enabled);
    assert_eq!((created_agent.agent.vault_ids.clone(), created_agent.agent.created_by), (vec![vault.id], Some(me.id)));
    assert_eq!(created_agent.agent.key_prefix, created_agent.api_key[..8]);
    assert_eq!(ada.list_agents().await.expect("listAgents").items, std::slice::from_ref(&created_agent.agent));
    assert_eq!(ada.get_agent(&agent_id).await.expect("getAgent"), created_agent.agent);
    let renamed =
        ada.update_agent(&agent_id, &UpdateAgentRequest::default().description("Swaps and bridges".to_owned())).await.expect("updateAgent");
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_deref(), renamed.intents_api_enabled),
        ("trader", Some("Swaps and bridges"), true)
    );
    let agent_login = |api_key: &str| AgentTokenRequest::new(agent_id, api_key.to_owned());
    let agent_token = anon.create_agent_token(&agent_login(&created_agent.api_key)).await.expect("createAgentToken");
    let agent = server.client_with(&agent_token.access_token);
    let agent_me = agent.get_current_agent().await.expect("getCurrentAgent");
    assert_eq!((agent_me.id, agent_me.created_by, agent_me.description.as_deref()), (agent_id, me.id, Some("Swaps and bridges")));
    let rotated = ada.rotate_agent_key(&agent_id).await.expect("rotateAgentKey");
    assert_eq!(rotated.agent_id, agent_id);
    assert_ne!(rotated.api_key, created_agent.api_key);
    assert_eq!(rotated.key_prefix, rotated.api_key[..8]);
    assert_eq!(api_error(anon.create_agent_token(&agent_login(&created_agent.api_key)).await).status(), 401, "the old key is dead");
    anon.create_agent_token(&agent_login(&rotated.api_key)).await.expect("the new key signs in");

    // --- Chains ------------------------------------------------------------------------------------------
    let chains = anon.list_chains().await.expect("listChains");
    assert_eq!(chains.items.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["base", "ethereum", "sepolia"]);
    let base = anon.get_chain("8453").await.expect("getChain by chain_id");
    assert_eq!((base.name.as_str(), base.native_currency.symbol.as_str(), base.is_testnet), ("base", "ETH", false));

    // --- Transactions (Intents API) --------------------------------------------------------------------------
    ada.put_secret(
        &vault.id,
        "keys/base-hot-wallet",
        &secret_request(SecretType::PrivateKey, "0x4c0883a69102937d6231471b5dbb6204fe512961708279f2"),
    )
    .await
    .expect("a signing key");
    let error = api_error(agent.get_secret(&vault.id, "keys/base-hot-wallet", &GetSecretQuery::default()).await);
    assert_eq!(error, GetSecretError::Forbidden(forbidden(POLICY_DENIED).into()), "an Intents agent cannot read private keys");
    let simulation = agent.simulate_transaction(&agent_id, &simulation_request("1000", "0x")).await.expect("simulateTransaction");
    assert!(simulation.success);
    assert_eq!(simulation.gas_used, 21_032);
    assert_eq!(simulation.balance_changes[0].delta, "1000");
    assert_eq!(simulation.balance_changes[0].symbol.as_deref(), Some("ETH"));
    let bundle = agent
        .simulate_transaction_bundle(
            &agent_id,
            &BundleSimulationRequest::new(vec![simulation_request("0", "0x095ea7b3"), simulation_request("0", FAILING_CALLDATA)]),
        )
        .await
        .expect("simulateTransactionBundle");
    assert!(!bundle.success, "one step reverts");
    assert_eq!(bundle.results.iter().map(|r| r.success).collect::<Vec<_>>(), [true, false]);
    assert_eq!(bundle.results[1].revert_reason.as_deref(), Some("execution reverted"));
    let tx = agent
        .submit_transaction(&agent_id, &transaction_request("0xa9059cbb", Some("keys/base-hot-wallet")))
        .await
        .expect("submitTransaction");
    assert_eq!((tx.agent_id, tx.chain.as_str(), tx.chain_id, tx.status.clone()), (agent_id, "base", 8453, TransactionStatus::Broadcast));
    assert!(tx.tx_hash.as_ref().is_some_and(|hash| hash.len() == 66), "{:?}", tx.tx_hash);
    assert!(tx.simulation.as_ref().is_some_and(|s| s.success), "simulate_first attaches the simulation");
    let txs =
        agent.list_transactions(&agent_id, &ListTransactionsQuery::default().chain("base".to_owned())).await.expect("listTransactions");
    assert_eq!(txs.items, std::slice::from_ref(&tx));
    assert_eq!(agent.get_transaction(&agent_id, &tx.id).await.expect("getTransaction"), tx);

    // --- Sharing ----------------------------------------------------------------------------------------------
    let (bob, _, bob_user) = server.user("bob@example.com").await;
    let share = ada
        .create_share(&secret.id, &share_request(RecipientType::User, Some(&bob_user.id), "2026-03-08T12:00:00Z", Some(3)))
        .await
        .expect("createShare");
    assert_eq!(
        (share.secret_path.as_str(), share.created_by, share.status, share.access_count),
        ("api-keys/openai", me.id, ShareStatus::Pending, 0)
    );
    assert_eq!((share.recipient_id, share.max_access_count), (Some(bob_user.id), Some(3)));
    let unwanted = ada
        .create_share(&secret.id, &share_request(RecipientType::User, Some(&bob_user.id), "2026-03-08T12:00:00Z", None))
        .await
        .expect("a second share");
    let share_ids = |list: &ShareList| list.items.iter().map(|s| s.id).collect::<Vec<_>>();
    let outbound = ada.list_outbound_shares(&ListOutboundSharesQuery::default()).await.expect("listOutboundShares");
    assert_eq!(share_ids(&outbound), [share.id, unwanted.id]);
    let inbound = bob.list_inbound_shares(&ListInboundSharesQuery::default()).await.expect("listInboundShares");
    assert_eq!(share_ids(&inbound), [share.id, unwanted.id]);
    assert_eq!(bob.accept_share(&share.id).await.expect("acceptShare").status, ShareStatus::Accepted);
    assert_eq!(bob.decline_share(&unwanted.id).await.expect("declineShare").status, ShareStatus::Declined);
    let shared = anon.access_share(&share.id).await.expect("accessShare");
    assert_eq!((shared.share_id, shared.path.as_str(), shared.type_), (share.id, "api-keys/openai", SecretType::ApiKey));
    assert_eq!((shared.value.as_str(), shared.access_count, shared.max_access_count), ("sk-proj-4f9Kx2mQ8vT1nL7pR3wZ", 1, Some(3)));
    ada.revoke_share(&share.id).await.expect("revokeShare");
    assert_eq!(api_error(anon.access_share(&share.id).await), AccessShareError::Gone(err("share_expired", SHARE_GONE).into()));

    // --- Billing & usage -----------------------------------------------------------------------------------------
    let usage = ada.get_usage_summary().await.expect("getUsageSummary");
    assert_eq!(usage.tier, BillingTier::Free);
    assert_eq!(usage.secret_reads, UsageMeter::new(2).limit(DEFAULT_SECRET_QUOTA), "getSecret plus the share access");
    assert_eq!(usage.secret_writes, UsageMeter::new(2).limit(DEFAULT_SECRET_QUOTA));
    assert_eq!((usage.vaults.used, usage.agents.used, usage.transactions.used), (1, 1, 1));
    let history = ada.get_usage_history().await.expect("getUsageHistory");
    assert_eq!(history.items.len(), 2);
    assert_eq!((history.items[0].secret_reads, history.items[0].secret_writes, history.items[0].transactions), (2, 2, 1));
    let checkout = ada
        .create_subscription_checkout(&SubscribeRequest::new(
            SubscribeRequestTier::Pro,
            BillingInterval::Month,
            "https://1claw.xyz/billing/success".to_owned(),
            "https://1claw.xyz/billing/cancel".to_owned(),
        ))
        .await
        .expect("createSubscriptionCheckout");
    assert_eq!(checkout.checkout_url, format!("https://checkout.stripe.com/c/pay/{}?interval=month", checkout.session_id));
    let portal = ada
        .create_billing_portal_session(&PortalRequest::new("https://1claw.xyz/settings/billing".to_owned()))
        .await
        .expect("createBillingPortalSession");
    assert_eq!(
        portal.portal_url,
        format!("https://billing.stripe.com/p/session/{}?return_url=https://1claw.xyz/settings/billing", me.org_id)
    );
    let topup = ada
        .create_credit_topup(&TopupRequest::new(
            2500,
            "https://1claw.xyz/billing/success".to_owned(),
            "https://1claw.xyz/billing/cancel".to_owned(),
        ))
        .await
        .expect("createCreditTopup");
    assert!(topup.checkout_url.ends_with("?amount=2500"), "{}", topup.checkout_url);
    let event = {
        let mut value = StripeEvent::new(
            "evt_1PaidTopup".to_owned(),
            StripeEventObject::Event,
            "checkout.session.completed".to_owned(),
            1_772_366_400,
            false,
            StripeEventData::new(BTreeMap::from([
                ("amount_total".to_owned(), serde_json::json!(2500)),
                ("metadata".to_owned(), serde_json::json!({ "org_id": me.org_id })),
            ])),
        );
        value.additional_properties = BTreeMap::from([("api_version".to_owned(), serde_json::json!("2024-06-20"))]);
        value
    };
    let ack = anon.handle_stripe_webhook(&stripe_signature_of(&event), &event).await.expect("handleStripeWebhook");
    assert!(ack.received);
    let balance = ada.get_credit_balance().await.expect("getCreditBalance");
    assert_eq!((balance.balance_cents, balance.currency), (2500, CreditBalanceCurrency::Usd), "the webhook credited the organization");
    let ledger = ada.list_credit_transactions(&ListCreditTransactionsQuery::default()).await.expect("listCreditTransactions");
    assert_eq!(ledger.items.len(), 1);
    assert_eq!(
        (ledger.items[0].type_.clone(), ledger.items[0].amount_cents, ledger.items[0].balance_after_cents),
        (CreditTransactionType::Topup, 2500, 2500)
    );
    assert!(ledger.items[0].description.contains("evt_1PaidTopup"));
    let overage = ada.set_overage_method(&OverageMethodRequest::new(OverageMethod::X402)).await.expect("setOverageMethod");
    assert_eq!(overage.overage_method, OverageMethod::X402);
    let subscription = ada.get_subscription().await.expect("getSubscription");
    assert_eq!(
        (subscription.tier, subscription.status, subscription.overage_method),
        (BillingTier::Free, SubscriptionStatus::None, OverageMethod::X402)
    );
    assert_eq!((subscription.credits.balance_cents, subscription.usage.secret_writes.used), (2500, 2));

    // --- Audit ------------------------------------------------------------------------------------------------------
    let reads = ada
        .list_audit_events(&ListAuditEventsQuery::default().vault_id(vault.id).action("secret.read".to_owned()))
        .await
        .expect("listAuditEvents");
    assert_eq!(reads.items.len(), 1, "one successful read through the secrets API");
    let event = &reads.items[0];
    assert_eq!(
        (event.actor_type.clone(), event.actor_id, event.resource_id.as_deref()),
        (ActorType::User, Some(me.id), Some(secret.id.to_string().as_str()))
    );
    assert_eq!(event.details.as_ref().and_then(|d| d.get("path")).map(String::as_str), Some("api-keys/openai"));

    // --- Organization ---------------------------------------------------------------------------------------------------
    let invitation =
        ada.invite_org_member(&InviteRequest::new("carol@example.com".to_owned(), OrgRole::Member)).await.expect("inviteOrgMember");
    assert_eq!((invitation.email.as_str(), invitation.role, invitation.invited_by), ("carol@example.com", OrgRole::Member, me.id));
    let (carol, _, carol_user) = server.user("carol@example.com").await;
    assert_eq!((carol_user.org_id, carol_user.role), (me.org_id, OrgRole::Member), "the invitation placed Carol in Ada's org");
    let members = ada.list_org_members().await.expect("listOrgMembers");
    let emails: Vec<&str> = members.items.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "carol@example.com"]);
    assert!(members.items.iter().all(|m| m.status == MemberStatus::Active));
    let promoted =
        ada.update_org_member_role(&carol_user.id, &UpdateMemberRoleRequest::new(OrgRole::Admin)).await.expect("updateOrgMemberRole");
    assert_eq!((promoted.user_id, promoted.role), (carol_user.id, OrgRole::Admin));
    ada.remove_org_member(&carol_user.id).await.expect("removeOrgMember");
    assert_ne!(carol.get_current_user().await.expect("Carol still exists").org_id, me.org_id, "Carol left Ada's org");

    // --- Security (IP rules) -------------------------------------------------------------------------------------------------
    let rule = ada
        .create_ip_rule(&CreateIpRuleRequest::new("203.0.113.0/24".to_owned(), IpRuleAction::Block).description("scanner".to_owned()))
        .await
        .expect("createIpRule");
    assert_eq!((rule.cidr.as_str(), rule.action.clone(), rule.created_by), ("203.0.113.0/24", IpRuleAction::Block, me.id));
    assert_eq!(ada.list_ip_rules().await.expect("listIpRules").items, std::slice::from_ref(&rule));
    ada.delete_ip_rule(&rule.id).await.expect("deleteIpRule");
    assert!(ada.list_ip_rules().await.expect("rules").items.is_empty());

    // --- Admin ------------------------------------------------------------------------------------------------------------------
    let (admin, admin_user) = server.admin().await;
    let settings = admin.list_admin_settings().await.expect("listAdminSettings");
    assert_eq!(settings.items.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["signup_enabled"]);
    let setting = admin
        .update_admin_setting("maintenance_mode", &UpdateSettingRequest::new("on".to_owned()).description("Read-only mode".to_owned()))
        .await
        .expect("updateAdminSetting");
    assert_eq!((setting.key.as_str(), setting.value.as_str(), setting.updated_by), ("maintenance_mode", "on", Some(admin_user.id)));
    admin.delete_admin_setting("maintenance_mode").await.expect("deleteAdminSetting");
    assert_eq!(admin.list_admin_settings().await.expect("settings").items.len(), 1);
    let x402 = admin.get_x402_config().await.expect("getX402Config");
    assert_eq!((x402.enabled, x402.network.as_str(), x402.asset.as_str()), (false, "base", "USDC"));
    let x402 = admin
        .update_x402_config(&X402ConfigUpdate::new(
            true,
            "base-sepolia".to_owned(),
            x402.asset,
            x402.pay_to,
            x402.facilitator_url,
            "0.002".to_owned(),
        ))
        .await
        .expect("updateX402Config");
    assert_eq!((x402.enabled, x402.network.as_str(), x402.price_per_request_usd.as_str()), (true, "base-sepolia", "0.002"));
    let users = admin.list_admin_users(&ListAdminUsersQuery::default().email("grace@".to_owned())).await.expect("listAdminUsers");
    assert_eq!(users.items.iter().map(|u| u.id).collect::<Vec<_>>(), [grace_user.id]);
    assert!(!users.items[0].is_platform_admin);
    admin.delete_admin_user(&grace_user.id).await.expect("deleteAdminUser");
    assert_eq!(api_error(grace.get_current_user().await).status(), 401, "the deleted user's token is dead");
    let admin_chains = admin.list_admin_chains().await.expect("listAdminChains");
    assert_eq!(admin_chains.items.len(), 3);
    let optimism =
        ChainRequest::new("optimism".to_owned(), "Optimism".to_owned(), 10, NativeCurrency::new("ETH".to_owned(), 18), false, true)
            .explorer_url("https://optimistic.etherscan.io".to_owned());
    let chain = admin.create_admin_chain(&optimism).await.expect("createAdminChain");
    assert_eq!((chain.id, chain.chain_id), (chain_uuid(10), 10));
    assert_eq!(anon.get_chain("optimism").await.expect("the new chain is public").id, chain.id);
    let disabled = admin
        .update_admin_chain(&chain.id.to_string(), &{
            let mut value = optimism.clone();
            value.display_name = "OP Mainnet".to_owned();
            value.enabled = false;
            value
        })
        .await
        .expect("updateAdminChain");
    assert_eq!((disabled.display_name.as_str(), disabled.enabled), ("OP Mainnet", false));
    assert_eq!(
        api_error(anon.get_chain("optimism").await),
        GetChainError::NotFound(not_found("Chain").into()),
        "disabled chains are hidden"
    );
    assert_eq!(
        admin
            .update_admin_chain("10", &{
                let mut value = optimism.clone();
                value.display_name = "Optimism".to_owned();
                value
            })
            .await
            .expect("by EIP-155 id")
            .id,
        chain.id,
        "the admin path takes the EIP-155 chain_id too"
    );
    admin.delete_admin_chain(&chain.id.to_string()).await.expect("deleteAdminChain");
    let limits = admin.get_org_limits(&me.org_id).await.expect("getOrgLimits");
    assert_eq!((limits.org_id, limits.tier, limits.max_vaults, limits.max_agents), (me.org_id, BillingTier::Free, Some(5), Some(10)));
    let raised = admin.update_org_limits(&me.org_id, &OrgLimitsUpdate::default().max_vaults(20)).await.expect("updateOrgLimits");
    assert_eq!((raised.max_vaults, raised.max_agents), (Some(20), Some(10)), "only the given limit changed");
    let tier = admin.set_org_billing_tier(&me.org_id, &BillingTierRequest::new(BillingTier::Business)).await.expect("setOrgBillingTier");
    assert_eq!((tier.org_id, tier.tier), (me.org_id, BillingTier::Business));
    assert_eq!(ada.get_usage_summary().await.expect("usage").tier, BillingTier::Business);

    // --- Tear-down: the remaining deletes and revocations --------------------------------------------------------------------------
    let error = api_error(anon.refresh_token().await);
    assert_eq!(
        error,
        RefreshTokenError::BadRequest(err("not_implemented", REFRESH_NOT_IMPLEMENTED).into()),
        "refreshToken's only answer today"
    );
    ada.delete_secret(&vault.id, "api-keys/openai").await.expect("deleteSecret");
    assert_eq!(
        api_error(ada.get_secret(&vault.id, "api-keys/openai", &GetSecretQuery::default()).await),
        GetSecretError::NotFound(not_found("Secret").into())
    );
    ada.deactivate_agent(&agent_id).await.expect("deactivateAgent");
    assert!(!ada.get_agent(&agent_id).await.expect("agent").is_active);
    assert_eq!(api_error(agent.get_current_agent().await).status(), 401, "a deactivated agent's token is refused");
    ada.delete_vault(&vault.id).await.expect("deleteVault");
    assert_eq!(api_error(ada.get_vault(&vault.id).await), GetVaultError::NotFound(not_found("Vault").into()));
    bob.delete_current_user().await.expect("deleteCurrentUser");
    assert_eq!(api_error(bob.get_current_user().await).status(), 401);
    ada.revoke_token().await.expect("revokeToken");
    assert_eq!(api_error(ada.get_current_user().await).status(), 401, "the revoked token is dead");

    // --- Every operation reached the implementation ------------------------------------------------------------------------------------
    let served = server.api.served();
    assert_eq!(served.len(), 96, "served: {served:?}");
}

// ---------------------------------------------------------------------------
// 2. Secret paths are wildcard routes
// ---------------------------------------------------------------------------

/// Multi-segment paths, spaces, `%`, and non-ASCII characters reach the
/// implementation exactly as the caller wrote them, and come back unchanged.
#[tokio::test]
async fn secret_paths_with_several_segments_round_trip_unchanged() {
    let server = spawn_server().await;
    let (ada, token, _) = server.user("ada@example.com").await;
    let vault = ada.create_vault(&vault_request("paths")).await.expect("a vault");
    let written = ["config/prod/db", "a/b/c/d", "team space/db password", "100%/raw%41%2F", "ünïcode/ключ/🔑", "v1.2/x?y=z#frag", "single"];

    for (i, path) in written.iter().enumerate() {
        match ada.put_secret(&vault.id, path, &secret_request(SecretType::Password, &format!("value {i}"))).await.expect("a new secret") {
            PutSecretResponse::Created(meta) => assert_eq!((meta.path.as_str(), meta.version), (*path, 1), "{path}"),
            other => panic!("{path}: expected 201, got {other:?}"),
        }
    }
    let received: Vec<(&str, Uuid, String)> = server.api.received_paths().into_iter().map(|r| (r.operation, r.vault_id, r.path)).collect();
    let expected: Vec<(&str, Uuid, String)> = written.iter().map(|p| ("putSecret", vault.id, (*p).to_owned())).collect();
    assert_eq!(received, expected, "the implementation received every path verbatim");
    // On the wire the client kept the slashes and percent-encoded the rest of each segment.
    let put_targets: Vec<String> =
        server.targets().into_iter().filter(|target| target.starts_with(&format!("/v1/vaults/{}/secrets/", vault.id))).collect();
    let encoded = [
        "config/prod/db",
        "a/b/c/d",
        "team%20space/db%20password",
        "100%25/raw%2541%252F",
        "%C3%BCn%C3%AFcode/%D0%BA%D0%BB%D1%8E%D1%87/%F0%9F%94%91",
        "v1.2/x%3Fy%3Dz%23frag",
        "single",
    ];
    let expected_targets: Vec<String> = encoded.iter().map(|path| format!("/v1/vaults/{}/secrets/{path}", vault.id)).collect();
    assert_eq!(put_targets, expected_targets);

    for (i, path) in written.iter().enumerate() {
        let secret = ada.get_secret(&vault.id, path, &GetSecretQuery::default()).await.unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!((secret.path.as_str(), secret.value.as_str()), (*path, format!("value {i}").as_str()));
    }
    assert_eq!(server.api.received_paths().last().map(|r| (r.operation, r.path.clone())), Some(("getSecret", "single".to_owned())));

    let listed = ada.list_secrets(&vault.id, &ListSecretsQuery::default()).await.expect("the list");
    let mut sorted = written.to_vec();
    sorted.sort_unstable();
    assert_eq!(paths(&listed), sorted, "the list shows every path");
    let under_a = ada.list_secrets(&vault.id, &ListSecretsQuery::default().prefix("a/".to_owned())).await.expect("a prefix");
    assert_eq!(paths(&under_a), ["a/b/c/d"]);

    // A second write is a new version (200); older versions stay readable.
    match ada.put_secret(&vault.id, "config/prod/db", &secret_request(SecretType::Password, "rotated")).await.expect("an update") {
        PutSecretResponse::Ok(meta) => assert_eq!((meta.path.as_str(), meta.version), ("config/prod/db", 2)),
        other => panic!("expected 200 for an existing secret, got {other:?}"),
    }
    let current = ada.get_secret(&vault.id, "config/prod/db", &GetSecretQuery::default()).await.expect("current");
    assert_eq!((current.value.as_str(), current.version), ("rotated", 2));
    let first = ada.get_secret(&vault.id, "config/prod/db", &GetSecretQuery::default().version(1)).await.expect("version 1");
    assert_eq!((first.value.as_str(), first.version), ("value 0", 1));

    // On the wire: slashes stay separators, encoded spaces decode once.
    let auth = bearer(&token);
    let response = raw_request(
        &server,
        "GET",
        &format!("/v1/vaults/{}/secrets/team%20space/db%20password", vault.id),
        &[("Authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["path"], "team space/db password");
    let response =
        raw_request(&server, "GET", &format!("/v1/vaults/{}/secrets/100%25/raw%2541%252F", vault.id), &[("Authorization", &auth)], "")
            .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["path"], "100%/raw%41%2F", "percent signs are decoded exactly once");
    let response = raw_request(&server, "GET", &format!("/v1/vaults/{}/secrets", vault.id), &[("Authorization", &auth)], "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let items = response.json()["items"].as_array().cloned().expect("items");
    assert_eq!(items.len(), written.len());
    assert!(
        items.iter().all(|item| item.get("value").is_none() && item.get("path").is_some()),
        "the list carries metadata only: {items:?}"
    );

    // Soft deletion: the path stops resolving and leaves the list.
    ada.delete_secret(&vault.id, "a/b/c/d").await.expect("a 204 delete");
    assert_eq!(server.api.received_paths().last().map(|r| (r.operation, r.path.clone())), Some(("deleteSecret", "a/b/c/d".to_owned())));
    let error = api_error(ada.get_secret(&vault.id, "a/b/c/d", &GetSecretQuery::default()).await);
    assert_eq!(error, GetSecretError::NotFound(not_found("Secret").into()));
    assert!(!paths(&ada.list_secrets(&vault.id, &ListSecretsQuery::default()).await.expect("list")).contains(&"a/b/c/d"));
    assert_eq!(
        api_error(ada.delete_secret(&vault.id, "a/b/c/d").await),
        DeleteSecretError::NotFound(not_found("Secret").into()),
        "deleted once"
    );
    // Its parent prefix was never a secret of its own.
    assert_eq!(api_error(ada.get_secret(&vault.id, "a/b/c", &GetSecretQuery::default()).await).status(), 404);
}

// ---------------------------------------------------------------------------
// 3. Authentication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn public_operations_work_without_credentials_and_never_call_authorize() {
    let server = spawn_server().await;
    let anon = server.client();

    anon.get_health().await.expect("getHealth");
    anon.get_hsm_health().await.expect("getHsmHealth");
    assert_eq!(anon.list_chains().await.expect("listChains").items.len(), 3);
    assert_eq!(anon.get_chain("base").await.expect("getChain").chain_id, 8453);
    let device = anon.request_device_code(&DeviceCodeRequest::new("cli".to_owned())).await.expect("requestDeviceCode");
    anon.get_device_code_status(&device.user_code).await.expect("getDeviceCodeStatus");
    anon.enroll_agent(&EnrollAgentRequest::new("bot".to_owned(), "h@example.com".to_owned())).await.expect("enrollAgent");
    anon.signup(&signup_request("ada@example.com")).await.expect("signup");
    let login = LoginRequest::new("ada@example.com".to_owned(), PASSWORD.to_owned());
    assert!(matches!(anon.create_token(&login).await.expect("createToken"), CreateTokenResponse::Ok(_)));
    let event = {
        let mut value = StripeEvent::new(
            "evt_x".to_owned(),
            StripeEventObject::Event,
            "invoice.paid".to_owned(),
            1,
            false,
            StripeEventData::new(BTreeMap::new()),
        );
        value.additional_properties = BTreeMap::new();
        value
    };
    assert!(anon.handle_stripe_webhook(&stripe_signature_of(&event), &event).await.expect("handleStripeWebhook").received);

    assert_eq!(server.api.authorize_calls(), 0, "public operations never call authorize");
    let hooked = server.api.rate_limited();
    assert_eq!(hooked.len(), 10, "but every one went through the rate-limit hook: {hooked:?}");
    assert!(hooked.contains(&Operation::GetHealth) && hooked.contains(&Operation::HandleStripeWebhook), "{hooked:?}");
    for operation in [Operation::GetHealth, Operation::ListChains, Operation::Signup, Operation::CreateToken, Operation::EnrollAgent] {
        assert!(operation.security().is_empty(), "{operation:?} is public in the spec");
    }

    // The first authenticated call does call it.
    let (ada, _, _) = server.user("bob@example.com").await;
    ada.list_vaults().await.expect("listVaults");
    assert_eq!(server.api.authorized(), [Operation::GetCurrentUser, Operation::ListVaults]);
    assert!(!Operation::ListVaults.security().is_empty());
}

#[tokio::test]
async fn missing_token_is_missing_credentials_on_the_client_and_401_on_the_wire() {
    let server = spawn_server().await;
    let anon = server.client();

    assert_missing_credentials(anon.list_vaults().await, "listVaults");
    let vault_id = tagged("vlt", 1);
    assert_missing_credentials(anon.get_secret(&vault_id, "config/prod/db", &GetSecretQuery::default()).await, "getSecret");
    assert_missing_credentials(anon.put_secret(&vault_id, "a/b", &secret_request(SecretType::Note, "x")).await, "putSecret");
    assert_missing_credentials(anon.revoke_token().await, "revokeToken");
    assert_missing_credentials(anon.revoke_share(&tagged("shr", 1)).await, "revokeShare");
    assert_missing_credentials(anon.list_admin_settings().await, "listAdminSettings");
    assert_eq!(server.http_requests(), 0, "nothing was sent");

    let secret_target = format!("/v1/vaults/{vault_id}/secrets/config/prod/db");
    for (method, target, body) in [
        ("GET", "/v1/vaults", ""),
        ("GET", secret_target.as_str(), ""),
        ("PUT", secret_target.as_str(), r#"{"type":"password","value":"x"}"#),
        ("DELETE", "/v1/auth/token", ""),
        ("GET", "/v1/admin/settings", ""),
    ] {
        let response = raw_request(&server, method, target, &[("Content-Type", "application/json")], body).await;
        assert_eq!(response.status, 401, "{method} {target}: {}", response.body);
        assert_eq!(response.error(), ("unauthorized".to_owned(), MISSING_TOKEN.to_owned()), "{method} {target}");
        assert_eq!(
            response.rate_limit(),
            (DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT - server.http_requests() as u64, RESET_AT),
            "{method} {target}"
        );
    }
    // Other schemes are not a bearer token.
    let response = raw_request(&server, "GET", "/v1/vaults", &[("Authorization", "Basic YWRhOnB3")], "").await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(server.api.authorize_calls(), 0, "no token, no authorize call");
    assert!(server.api.served().is_empty(), "no implementation ran");
}

#[tokio::test]
async fn unknown_and_revoked_tokens_are_401() {
    let server = spawn_server().await;
    let invalid = || err("unauthorized", INVALID_TOKEN);

    let stranger = server.client_with(&format!("eyJhbGciOiJFZERTQSJ9.user.{}.sig000001", unknown("usr")));
    assert_eq!(api_error(stranger.list_vaults().await), ListVaultsError::Unauthorized(invalid().into()));
    assert_eq!(api_error(stranger.get_current_user().await), GetCurrentUserError::Unauthorized(invalid().into()));
    assert_eq!(api_error(stranger.revoke_token().await), RevokeTokenError::Unauthorized(invalid().into()));

    let (ada, token, _) = server.user("ada@example.com").await;
    let vault = ada.create_vault(&vault_request("v")).await.expect("the token works before revocation");
    ada.revoke_token().await.expect("revokeToken");
    assert_eq!(api_error(ada.get_current_user().await), GetCurrentUserError::Unauthorized(invalid().into()));
    assert_eq!(api_error(ada.get_vault(&vault.id).await), GetVaultError::Unauthorized(invalid().into()));
    assert_eq!(api_error(ada.revoke_token().await), RevokeTokenError::Unauthorized(invalid().into()), "revoked once");
    let response = raw_request(&server, "GET", &format!("/v1/vaults/{}", vault.id), &[("Authorization", &bearer(&token))], "").await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(response.error(), ("unauthorized".to_owned(), INVALID_TOKEN.to_owned()));

    // Other tokens of the same user are unaffected.
    let login = LoginRequest::new("ada@example.com".to_owned(), PASSWORD.to_owned());
    let CreateTokenResponse::Ok(fresh) = server.client().create_token(&login).await.expect("sign in again") else { panic!("no MFA") };
    assert_eq!(server.client_with(&fresh.access_token).get_vault(&vault.id).await.expect("a fresh token works").id, vault.id);
    assert!(!server.api.has_served(Operation::ListVaults), "refused calls never reach the implementation");
}

#[tokio::test]
async fn insufficient_permissions_are_403() {
    let server = spawn_server().await;
    let (ada, ada_token, me) = server.user("ada@example.com").await;

    // A user token on a platform-admin operation: refused by `authorize`.
    let error = api_error(ada.list_admin_settings().await);
    assert_eq!(error, ListAdminSettingsError::Forbidden(err("admin_required", ADMIN_REQUIRED).into()));
    let error = api_error(ada.set_org_billing_tier(&me.org_id, &BillingTierRequest::new(BillingTier::Business)).await);
    assert!(matches!(&error, SetOrgBillingTierError::Forbidden(ErrorBody::Decoded(body)) if body.message == ADMIN_REQUIRED), "{error:?}");
    let response = raw_request(&server, "GET", "/v1/admin/users", &[("Authorization", &bearer(&ada_token))], "").await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(response.error(), ("admin_required".to_owned(), ADMIN_REQUIRED.to_owned()));
    assert!(!server.api.has_served(Operation::ListAdminSettings) && !server.api.has_served(Operation::SetOrgBillingTier));
    let (admin, _) = server.admin().await;
    admin.list_admin_settings().await.expect("the platform admin is allowed");

    // An agent without the Intents API: the handler's 403.
    let vault = ada.create_vault(&vault_request("v")).await.expect("a vault");
    let created = ada.create_agent(&agent_request("reader", vec![vault.id], false)).await.expect("an agent");
    let agent_id = created.agent.id;
    let token = server.client().create_agent_token(&AgentTokenRequest::new(agent_id, created.api_key)).await.expect("agent token");
    let agent = server.client_with(&token.access_token);
    let disabled = || err("intents_api_disabled", INTENTS_DISABLED);
    assert_eq!(
        api_error(agent.submit_transaction(&agent_id, &transaction_request("0x", None)).await),
        SubmitTransactionError::Forbidden(disabled().into())
    );
    assert_eq!(
        api_error(agent.list_transactions(&agent_id, &ListTransactionsQuery::default()).await),
        ListTransactionsError::Forbidden(disabled().into())
    );
    assert_eq!(
        api_error(agent.simulate_transaction(&agent_id, &simulation_request("0", "0x")).await),
        SimulateTransactionError::Forbidden(disabled().into())
    );
    let response = raw_request(
        &server,
        "POST",
        &format!("/v1/agents/{agent_id}/transactions"),
        &[("Authorization", &bearer(&token.access_token)), ("Content-Type", "application/json")],
        r#"{"chain":"base","to":"0x4200000000000000000000000000000000000006"}"#,
    )
    .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(response.error(), ("intents_api_disabled".to_owned(), INTENTS_DISABLED.to_owned()));
    // Turning the flag on is what makes the difference (same token).
    ada.update_agent(&agent_id, &UpdateAgentRequest::default().intents_api_enabled(true)).await.expect("enable intents");
    let tx = agent.submit_transaction(&agent_id, &transaction_request("0x", None)).await.expect("now allowed");
    assert_eq!(tx.agent_id, agent_id);
    // A simulation that reverts refuses to sign (422).
    let error = api_error(agent.submit_transaction(&agent_id, &transaction_request(FAILING_CALLDATA, None)).await);
    assert!(
        matches!(&error, SubmitTransactionError::UnprocessableEntity(ErrorBody::Decoded(body)) if body.error == "simulation_failed"),
        "{error:?}"
    );
    // A user may not act for the agent.
    let error = api_error(ada.submit_transaction(&agent_id, &transaction_request("0x", None)).await);
    assert!(
        matches!(&error, SubmitTransactionError::Forbidden(ErrorBody::Decoded(body)) if body.message == "The caller may not act for this agent"),
        "{error:?}"
    );

    // An agent token on a user-only operation, and outside its vaults.
    let error = api_error(agent.list_agents().await);
    assert!(matches!(&error, ListAgentsError::Forbidden(ErrorBody::Decoded(body)) if body.message == USER_TOKEN_REQUIRED), "{error:?}");
    let other = ada.create_vault(&vault_request("other")).await.expect("another vault");
    ada.put_secret(&other.id, "db/password", &secret_request(SecretType::Password, "hunter2")).await.expect("a secret");
    let error = api_error(agent.get_secret(&other.id, "db/password", &GetSecretQuery::default()).await);
    assert_eq!(error, GetSecretError::Forbidden(forbidden(POLICY_DENIED).into()));

    // Only the recipient may accept a share; only the creator may revoke it.
    let (bob, _, bob_user) = server.user("bob@example.com").await;
    let (carol, _, _) = server.user("carol@example.com").await;
    let secret = ada.get_secret(&other.id, "db/password", &GetSecretQuery::default()).await.expect("the secret");
    let share = ada
        .create_share(&secret.id, &share_request(RecipientType::User, Some(&bob_user.id), "2026-03-08T00:00:00Z", None))
        .await
        .expect("a share");
    assert!(matches!(api_error(carol.accept_share(&share.id).await), AcceptShareError::Forbidden(_)));
    assert!(matches!(api_error(bob.revoke_share(&share.id).await), RevokeShareError::Forbidden(_)));
    bob.accept_share(&share.id).await.expect("the recipient accepts");
    assert!(
        matches!(api_error(bob.accept_share(&share.id).await), AcceptShareError::Conflict(ErrorBody::Decoded(body)) if body.error == "share_not_pending")
    );
}

// ---------------------------------------------------------------------------
// 4. Billing: 402
// ---------------------------------------------------------------------------

#[tokio::test]
async fn exhausted_secret_quota_is_402() {
    let server = spawn_server().await;
    let (ada, ada_token, _) = server.user("ada@example.com").await;
    let vault = ada.create_vault(&vault_request("metered")).await.expect("a vault");
    server.api.set_quota("ada@example.com", 2, 2);

    ada.put_secret(&vault.id, "one", &secret_request(SecretType::Note, "1")).await.expect("write 1 of 2");
    ada.put_secret(&vault.id, "two", &secret_request(SecretType::Note, "2")).await.expect("write 2 of 2");
    let error = api_error(ada.put_secret(&vault.id, "three", &secret_request(SecretType::Note, "3")).await);
    assert_eq!(error, PutSecretError::PaymentRequired(payment_required().into()));
    assert_eq!(
        paths(&ada.list_secrets(&vault.id, &ListSecretsQuery::default()).await.expect("list")),
        ["one", "two"],
        "nothing was stored"
    );

    ada.get_secret(&vault.id, "one", &GetSecretQuery::default()).await.expect("read 1 of 2");
    let secret = ada.get_secret(&vault.id, "two", &GetSecretQuery::default()).await.expect("read 2 of 2");
    let error = api_error(ada.get_secret(&vault.id, "one", &GetSecretQuery::default()).await);
    assert_eq!(error, GetSecretError::PaymentRequired(payment_required().into()));
    // Billing comes before the handler: even a missing secret is a 402 now.
    let error = api_error(ada.get_secret(&vault.id, "no/such/secret", &GetSecretQuery::default()).await);
    assert_eq!(error.status(), 402);
    let response =
        raw_request(&server, "GET", &format!("/v1/vaults/{}/secrets/one", vault.id), &[("Authorization", &bearer(&ada_token))], "").await;
    assert_eq!(response.status, 402, "{}", response.body);
    assert_eq!(response.error(), ("payment_required".to_owned(), QUOTA_EXCEEDED.to_owned()));

    // A public share access is a read of the sharing user.
    let share = ada
        .create_share(&secret.id, &share_request(RecipientType::AnyoneWithLink, None, "2026-03-08T00:00:00Z", None))
        .await
        .expect("a link share");
    assert_eq!(api_error(server.client().access_share(&share.id).await), AccessShareError::PaymentRequired(payment_required().into()));

    let usage = ada.get_usage_summary().await.expect("usage");
    assert_eq!((usage.secret_reads, usage.secret_writes), (UsageMeter::new(2).limit(2), UsageMeter::new(2).limit(2)));

    // The quota is per user: someone else's account still works, and so does a raise.
    let (bob, _, _) = server.user("bob@example.com").await;
    let bob_vault = bob.create_vault(&vault_request("mine")).await.expect("a vault");
    bob.put_secret(&bob_vault.id, "x", &secret_request(SecretType::Note, "x")).await.expect("Bob is not metered by Ada's quota");
    server.api.set_quota("ada@example.com", 10, 10);
    ada.put_secret(&vault.id, "three", &secret_request(SecretType::Note, "3")).await.expect("within the raised quota");
    assert_eq!(server.client().access_share(&share.id).await.expect("now served").value, "2");
}

// ---------------------------------------------------------------------------
// 5. 404 and 410
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unknown_or_invisible_resources_are_404() {
    let server = spawn_server().await;
    let (ada, ada_token, _) = server.user("ada@example.com").await;
    let (bob, _, _) = server.user("bob@example.com").await;
    let vault = ada.create_vault(&vault_request("private")).await.expect("a vault");
    let secret = ada.put_secret(&vault.id, "db/password", &secret_request(SecretType::Password, "pw")).await.expect("a secret");
    let PutSecretResponse::Created(secret) = secret else { panic!("a new secret is 201") };

    assert_eq!(api_error(ada.get_vault(&unknown("vlt")).await), GetVaultError::NotFound(not_found("Vault").into()));
    assert_eq!(
        api_error(bob.get_vault(&vault.id).await),
        GetVaultError::NotFound(not_found("Vault").into()),
        "another org's vault is invisible"
    );
    assert_eq!(
        api_error(bob.get_secret(&vault.id, "db/password", &GetSecretQuery::default()).await),
        GetSecretError::NotFound(not_found("Vault").into())
    );
    assert_eq!(
        api_error(ada.get_secret(&vault.id, "db/user", &GetSecretQuery::default()).await),
        GetSecretError::NotFound(not_found("Secret").into())
    );
    assert_eq!(
        api_error(ada.get_secret(&vault.id, "db/password", &GetSecretQuery::default().version(7)).await),
        GetSecretError::NotFound(not_found("Secret version").into())
    );
    assert_eq!(
        api_error(ada.put_secret(&unknown("vlt"), "x", &secret_request(SecretType::Note, "x")).await),
        PutSecretError::NotFound(not_found("Vault").into())
    );
    assert_eq!(
        api_error(ada.list_secrets(&unknown("vlt"), &ListSecretsQuery::default()).await),
        ListSecretsError::NotFound(not_found("Vault").into())
    );
    assert_eq!(api_error(ada.delete_vault(&unknown("vlt")).await), DeleteVaultError::NotFound(not_found("Vault").into()));
    assert_eq!(api_error(ada.get_agent(&unknown("agt")).await), GetAgentError::NotFound(not_found("Agent").into()));
    assert_eq!(
        api_error(ada.get_cmek_rotation_job(&vault.id, &unknown("job")).await),
        GetCmekRotationJobError::NotFound(not_found("Rotation job").into())
    );
    assert_eq!(
        api_error(
            ada.create_share(
                &tagged("xxx", serial(&secret.id)),
                &share_request(RecipientType::AnyoneWithLink, None, "2026-03-08T00:00:00Z", None)
            )
            .await
        ),
        CreateShareError::NotFound(not_found("Secret").into())
    );
    assert_eq!(
        api_error(bob.create_share(&secret.id, &share_request(RecipientType::AnyoneWithLink, None, "2026-03-08T00:00:00Z", None)).await),
        CreateShareError::NotFound(not_found("Secret").into())
    );
    assert_eq!(api_error(server.client().access_share(&unknown("shr")).await), AccessShareError::NotFound(not_found("Share").into()));
    assert_eq!(api_error(ada.revoke_share(&unknown("shr")).await), RevokeShareError::NotFound(not_found("Share").into()));
    assert_eq!(api_error(server.client().get_chain("solana").await), GetChainError::NotFound(not_found("Chain").into()));
    assert_eq!(
        api_error(server.client().get_device_code_status("NOPE-0000").await),
        GetDeviceCodeStatusError::NotFound(not_found("Device code").into())
    );
    assert_eq!(api_error(ada.revoke_api_key(&unknown("key")).await), RevokeApiKeyError::NotFound(not_found("API key").into()));

    let response =
        raw_request(&server, "DELETE", &format!("/v1/vaults/{}", unknown("vlt")), &[("Authorization", &bearer(&ada_token))], "").await;
    assert_eq!(response.status, 404, "{}", response.body);
    assert_eq!(response.error(), ("not_found".to_owned(), "Vault not found".to_owned()));
    let (limit, remaining, reset) = response.rate_limit();
    assert_eq!((limit, reset), (DEFAULT_RATE_LIMIT, RESET_AT));
    assert!(remaining < limit);
}

#[tokio::test]
async fn shares_enforce_access_count_expiry_acceptance_and_revocation() {
    let server = spawn_server().await;
    let anon = server.client();
    let (ada, _, _) = server.user("ada@example.com").await;
    let (bob, _, bob_user) = server.user("bob@example.com").await;
    let vault = ada.create_vault(&vault_request("shared")).await.expect("a vault");
    ada.put_secret(&vault.id, "api-keys/openai", &secret_request(SecretType::ApiKey, "sk-1")).await.expect("a secret");
    let secret = ada.get_secret(&vault.id, "api-keys/openai", &GetSecretQuery::default()).await.expect("the secret");
    let gone = || AccessShareError::Gone(err("share_expired", SHARE_GONE).into());

    // At most two accesses.
    let link = ada
        .create_share(&secret.id, &share_request(RecipientType::AnyoneWithLink, None, "2026-03-08T00:00:00Z", Some(2)))
        .await
        .expect("a link");
    assert_eq!(link.url.as_deref(), Some(format!("https://1claw.xyz/share/{}", link.id).as_str()));
    assert_eq!(anon.access_share(&link.id).await.expect("access 1").access_count, 1);
    let second = anon.access_share(&link.id).await.expect("access 2");
    assert_eq!((second.access_count, second.value.as_str()), (2, "sk-1"));
    assert_eq!(api_error(anon.access_share(&link.id).await), gone(), "the third access is over the limit");
    let response = raw_request(&server, "GET", &format!("/v1/share/{}", link.id), &[], "").await;
    assert_eq!(response.status, 410, "{}", response.body);
    assert_eq!(response.error(), ("share_expired".to_owned(), SHARE_GONE.to_owned()));
    let outbound = ada.list_outbound_shares(&ListOutboundSharesQuery::default()).await.expect("outbound");
    assert_eq!(outbound.items[0].access_count, 2, "refused accesses are not counted");
    assert_eq!(outbound.items[0].last_accessed_at, Some(clock()));

    // Expired.
    let expired = ada
        .create_share(&secret.id, &share_request(RecipientType::AnyoneWithLink, None, "2026-02-28T00:00:00Z", None))
        .await
        .expect("an old link");
    assert_eq!(api_error(anon.access_share(&expired.id).await), gone());

    // Addressed to a user: not served until accepted, then served, then revoked.
    let direct = ada
        .create_share(&secret.id, &share_request(RecipientType::User, Some(&bob_user.id), "2026-03-08T00:00:00Z", None))
        .await
        .expect("a direct share");
    assert_eq!(api_error(anon.access_share(&direct.id).await), AccessShareError::NotFound(not_found("Share").into()));
    let pending = bob.list_inbound_shares(&ListInboundSharesQuery::default().status(ShareStatus::Pending)).await.expect("inbound");
    assert_eq!(pending.items.iter().map(|s| s.id).collect::<Vec<_>>(), [direct.id]);
    bob.accept_share(&direct.id).await.expect("accept");
    assert_eq!(anon.access_share(&direct.id).await.expect("served after acceptance").value, "sk-1");
    ada.revoke_share(&direct.id).await.expect("revoke");
    assert_eq!(api_error(anon.access_share(&direct.id).await), gone());
    let revoked = ada.list_outbound_shares(&ListOutboundSharesQuery::default().status(ShareStatus::Revoked)).await.expect("revoked");
    assert_eq!(revoked.items.iter().map(|s| s.id).collect::<Vec<_>>(), [direct.id]);

    // A soft-deleted secret's shares stop working.
    let unlimited = ada
        .create_share(&secret.id, &share_request(RecipientType::AnyoneWithLink, None, "2026-03-08T00:00:00Z", None))
        .await
        .expect("a link");
    anon.access_share(&unlimited.id).await.expect("served");
    ada.delete_secret(&vault.id, "api-keys/openai").await.expect("delete");
    assert_eq!(api_error(anon.access_share(&unlimited.id).await), gone());
}

// ---------------------------------------------------------------------------
// 6. Rate limiting: 429 from the hook, X-RateLimit-* on every answer
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rate_limit_hook_answers_429_before_authentication() {
    let server = spawn_server().await;
    let (ada, token, _) = server.user("ada@example.com").await;
    // `user` already spent one request of this token.
    server.api.limit_token(&token, 4);
    let authorized_before = server.api.authorize_calls();

    // Within the budget the answers state it, and the client remembers the last one.
    for remaining in [2, 1, 0] {
        ada.get_current_user().await.expect("within the budget");
        assert_eq!(ada.rate_limit(), Some(RateLimit { limit: Some(4), remaining: Some(remaining), reset: Some(RESET_AT) }));
    }
    let limited = || Error::new("rate_limited".to_owned(), format!("Rate limit exceeded. Retry after {RETRY_AFTER_SECS} seconds."));
    let error = api_error(ada.get_current_user().await);
    assert_eq!(error, GetCurrentUserError::TooManyRequests(limited().into()));
    let error = api_error(ada.put_secret(&tagged("vlt", 1), "config/prod/db", &secret_request(SecretType::Note, "x")).await);
    assert_eq!(error, PutSecretError::TooManyRequests(limited().into()));
    assert_eq!(ada.rate_limit(), Some(RateLimit { limit: Some(4), remaining: Some(0), reset: Some(RESET_AT) }));

    // On the wire.
    let response = raw_request(&server, "GET", "/v1/auth/me", &[("Authorization", &bearer(&token))], "").await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.header("retry-after"), None, "the seed documents no retry header");
    assert_eq!(response.rate_limit(), (4, 0, RESET_AT));
    let body = limited();
    assert_eq!(response.error(), (body.error, body.message));
    assert_eq!(server.api.authorize_calls(), authorized_before + 3, "429s are answered before authorization");

    // The hook runs first: an unknown token with no budget is a 429, not a 401.
    server.api.limit_token("not-a-token", 0);
    let response = raw_request(&server, "GET", "/v1/vaults", &[("Authorization", "Bearer not-a-token")], "").await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.header("retry-after"), None, "the seed documents no retry header");
    assert_eq!(server.api.authorize_calls(), authorized_before + 3);

    // Other tokens have their own budget.
    let (bob, bob_token, _) = server.user("bob@example.com").await;
    let vault = bob.create_vault(&vault_request("v")).await.expect("Bob is not limited");
    assert_eq!(bob.rate_limit().and_then(|r| r.limit), Some(DEFAULT_RATE_LIMIT));
    // And every answer carries the headers: 201, 200, 204, 404, 401.
    let auth = bearer(&bob_token);
    let mut last_remaining = u64::MAX;
    for (method, target, body, status) in [
        ("PUT", format!("/v1/vaults/{}/secrets/a/b", vault.id), r#"{"type":"note","value":"x"}"#, 201),
        ("GET", format!("/v1/vaults/{}/secrets/a/b", vault.id), "", 200),
        ("DELETE", format!("/v1/vaults/{}/secrets/a/b", vault.id), "", 204),
        ("GET", format!("/v1/vaults/{}/secrets/a/b", vault.id), "", 404),
    ] {
        let response = raw_request(&server, method, &target, &[("Authorization", &auth), ("Content-Type", "application/json")], body).await;
        assert_eq!(response.status, status, "{method} {target}: {}", response.body);
        let (limit, remaining, reset) = response.rate_limit();
        assert_eq!((limit, reset), (DEFAULT_RATE_LIMIT, RESET_AT), "{method} {target}");
        assert!(remaining < last_remaining, "the budget shrinks with each request");
        last_remaining = remaining;
        assert!(response.header("retry-after").is_none(), "only a 429 carries Retry-After");
    }
    let response = raw_request(&server, "GET", "/v1/vaults", &[("Authorization", "Bearer unknown")], "").await;
    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(response.rate_limit(), (DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT - 1, RESET_AT));

    // Public operations are rate limited too (anonymous budget; Ada's and
    // Bob's signups were the first two anonymous requests).
    server.api.limit_token("anonymous", 3);
    let anon = server.client();
    anon.get_health().await.expect("the last anonymous request of the budget");
    assert_eq!(anon.rate_limit(), Some(RateLimit { limit: Some(3), remaining: Some(0), reset: Some(RESET_AT) }));
    assert_eq!(api_error(anon.get_health().await), GetHealthError::TooManyRequests(limited().into()));
    assert_eq!(api_error(anon.signup(&signup_request("carol@example.com")).await).status(), 429);
}

// ---------------------------------------------------------------------------
// 7. Refresh tokens are not implemented
// ---------------------------------------------------------------------------

#[tokio::test]
async fn refresh_token_is_400_not_implemented() {
    let server = spawn_server().await;
    // The seed: "exists but returns 400 with 'Refresh tokens not yet implemented'";
    // it shows no request body and no success, so the client sends none.
    let error = api_error(server.client().refresh_token().await);
    assert_eq!(error.status(), 400);
    match &error {
        RefreshTokenError::BadRequest(ErrorBody::Decoded(body)) => {
            assert_eq!(body.message, "Refresh tokens not yet implemented");
            assert_eq!(body.error, "not_implemented");
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    let response =
        raw_request(&server, "POST", "/v1/auth/refresh", &[("Content-Type", "application/json")], r#"{"refresh_token":"rt_x"}"#).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.error(), ("not_implemented".to_owned(), REFRESH_NOT_IMPLEMENTED.to_owned()));
    let response = raw_request(&server, "POST", "/v1/auth/refresh", &[], "").await;
    assert_eq!(response.status, 400, "without a body too: {}", response.body);
    assert_eq!(response.error(), ("not_implemented".to_owned(), REFRESH_NOT_IMPLEMENTED.to_owned()));
    assert!(server.api.has_served(Operation::RefreshToken));
    assert_eq!(server.api.authorize_calls(), 0, "a public operation");
}

// ---------------------------------------------------------------------------
// 8. Known generator bugs (ignored reproducers; they pass once fixed)
// ---------------------------------------------------------------------------

/// A path parameter that does not decode names no resource. Operations that
/// document a 404 but no 400 answer it with their documented 404 (code
/// `not_found`), so that the status stays one the spec lists; the message
/// still says what was wrong.
#[tokio::test]
async fn undecodable_path_parameters_get_the_documented_404() {
    let server = spawn_server().await;
    let (_, token, _) = server.user("ada@example.com").await;
    let auth = bearer(&token);
    for (method, target) in
        [("GET", "/v1/share/%FF"), ("DELETE", "/v1/share/%FF"), ("GET", "/v1/auth/device/code/%FF"), ("GET", "/v1/chains/%FF")]
    {
        let response = raw_request(&server, method, target, &[("Authorization", &auth)], "").await;
        assert_eq!(response.status, 404, "{method} {target}: {}", response.body);
        let (code, message) = response.error();
        assert!(message.contains("UTF-8"), "{method} {target}: {message}");
        assert_eq!(code, "not_found", "{method} {target}: a 404 carries the 404's code");
    }
    // An operation that documents a 400 keeps answering 400, with the 400's code.
    let response = raw_request(&server, "GET", "/v1/vaults/not-a-uuid/policies", &[("Authorization", &auth)], "").await;
    assert_eq!(response.status, 400, "GET /v1/vaults/not-a-uuid/policies: {}", response.body);
    assert_eq!(response.error().0, "invalid_request");
}

/// A secret path with `.` or `..` segments would be resolved by URL parsing
/// (even percent-encoded) and reach a different secret; an empty path would
/// match no route. The client refuses all of them before sending anything.
#[tokio::test]
async fn unsendable_secret_paths_are_refused_by_the_client() {
    let server = spawn_server().await;
    let (ada, _, _) = server.user("ada@example.com").await;
    let vault = ada.create_vault(&vault_request("dots")).await.expect("a vault");
    let before = server.api.received_paths().len();
    for path in ["a/../b", "./x", "c/./d", "..", "", "a//b", "trailing/"] {
        let result = ada.put_secret(&vault.id, path, &secret_request(SecretType::Note, "v")).await;
        assert!(matches!(&result, Err(ClientError::InvalidParameter { name: "path", .. })), "{path:?}: {result:?}");
        let result = ada.get_secret(&vault.id, path, &GetSecretQuery::default()).await;
        assert!(matches!(&result, Err(ClientError::InvalidParameter { name: "path", .. })), "{path:?}: {result:?}");
    }
    assert_eq!(server.api.received_paths().len(), before, "nothing was sent");
    assert!(paths(&ada.list_secrets(&vault.id, &ListSecretsQuery::default()).await.expect("list")).is_empty());
    // The same paths without the dots still work.
    ada.put_secret(&vault.id, "a/b", &secret_request(SecretType::Note, "v")).await.expect("a plain nested path");
}

/// The Stripe webhook gets the body's exact bytes beside the decoded event
/// (`x-clawgen-raw-body`), so a real Stripe signature can be checked: Stripe
/// signs its own serialisation (indentation, key order), which decoding and
/// re-encoding the event would not reproduce.
#[tokio::test]
async fn stripe_signatures_are_checked_over_the_raw_body() {
    let server = spawn_server().await;
    let delivery = "{\n  \"id\": \"evt_1RawBytes\",\n  \"object\": \"event\",\n  \"api_version\": \"2024-06-20\",\n  \"created\": 1772366400,\n  \"data\": {\n    \"object\": {\n      \"id\": \"sub_1P2q3R4s5T6u\",\n      \"object\": \"subscription\"\n    }\n  },\n  \"livemode\": false,\n  \"type\": \"customer.subscription.updated\"\n}";
    let signature = stripe_signature(STRIPE_SECRET, STRIPE_TIMESTAMP, delivery.as_bytes());
    let json = ("Content-Type", "application/json");

    let accepted = raw_request(&server, "POST", "/v1/billing/webhooks", &[json, ("Stripe-Signature", &signature)], delivery).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&accepted.body).expect("JSON"), serde_json::json!({ "received": true }));

    // The same event re-encoded (compact, as serde writes it) does not carry Stripe's signature.
    let event: StripeEvent = serde_json::from_str(delivery).expect("a Stripe event");
    let reencoded = serde_json::to_string(&event).expect("the event serialises");
    assert_ne!(reencoded, delivery);
    let refused = raw_request(&server, "POST", "/v1/billing/webhooks", &[json, ("Stripe-Signature", &signature)], &reencoded).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&refused.body).expect("JSON")["error"], "invalid_signature");

    // A signature under another secret, and a tampered body, are refused too.
    let foreign = stripe_signature(b"whsec_other", STRIPE_TIMESTAMP, delivery.as_bytes());
    let refused = raw_request(&server, "POST", "/v1/billing/webhooks", &[json, ("Stripe-Signature", &foreign)], delivery).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let tampered = delivery.replace("evt_1RawBytes", "evt_1RawBytez");
    let refused = raw_request(&server, "POST", "/v1/billing/webhooks", &[json, ("Stripe-Signature", &signature)], &tampered).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
}
