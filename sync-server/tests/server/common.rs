//! Test harness: a real server on 127.0.0.1:0 (its own SQLite file in a temporary directory, or its
//! own PostgreSQL database), driven over HTTP with reqwest, and helpers to enrol devices and make
//! changes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::{
    Change, HybridClock, Op, ProtocolVersion, PullRequest, PullResponse, PushRequest, PushResponse,
    SkewPolicy,
};
use donghaeng_sync_server::accounts::LockPolicy;
use donghaeng_sync_server::scope::publish;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::{
    AuthStore, ChangeStore, DeviceCredential, EnrolmentCode, Feed, IssuedToken, KeyedPush,
    LoginAttempt, LoginState, Privilege, StoreFuture, TokenOwner, UserInfo, WebAccount, WebSession,
};
use donghaeng_sync_server::{build_app, AppState, Clock, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// The settings for tests of the protocol's mechanics, which push records without an org tree:
/// role scopes off (`scopes.rs` tests them with scopes on, as the server process always runs).
pub fn protocol_config() -> ServerConfig {
    ServerConfig {
        role_scopes: false,
        audit: false,
        ..ServerConfig::default()
    }
}

/// The settings the server process runs with.
pub fn scoped_config() -> ServerConfig {
    ServerConfig::default()
}

/// `config` without request rate limits or an address failure budget, for tests that send many
/// bogus credentials on purpose to check something else (the throttle has its own tests).
pub fn unthrottled(config: ServerConfig) -> ServerConfig {
    use donghaeng_sync_server::throttle::{RateLimit, RateLimits};
    let free = RateLimit::new(u32::MAX, 1);
    ServerConfig {
        rate_limits: RateLimits {
            enrol_per_address: free,
            enrol_per_code: free,
            token_per_address: free,
            token_per_device: free,
            login_per_address: free,
            login_per_account: free,
        },
        login_address_budget: donghaeng_sync_server::accounts::AddressBudget {
            failures: u32::MAX,
            window_ms: 1,
        },
        ..config
    }
}

use crate::pg_harness::PgTestDb;

/// Both storage traits: what a server's store is, whichever the backend.
pub trait ServerStore: ChangeStore + AuthStore {}
impl<T: ChangeStore + AuthStore> ServerStore for T {}

/// A test server's store, SQLite or PostgreSQL, used through the storage traits as the server
/// uses it.
#[derive(Clone)]
pub struct AnyStore(Arc<dyn ServerStore>);

impl ChangeStore for AnyStore {
    fn push_keyed(&self, push: KeyedPush, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        self.0.push_keyed(push, now_ms)
    }
    fn pull_feed(
        &self,
        req: PullRequest,
        feed: Feed,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        self.0.pull_feed(req, feed, max_bytes, now_ms)
    }
    fn last_seq(&self) -> StoreFuture<'_, u64> {
        self.0.last_seq()
    }
    fn pull_entity(
        &self,
        entity: &'static str,
        after_seq: u64,
        limit: u32,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        self.0.pull_entity(entity, after_seq, limit, now_ms)
    }
    fn records(
        &self,
        keys: Vec<donghaeng_core::sync::RecordRef>,
    ) -> StoreFuture<
        '_,
        Vec<(
            donghaeng_core::sync::RecordRef,
            donghaeng_core::sync::packed::StoredState,
        )>,
    > {
        self.0.records(keys)
    }
    fn canonical_dump(&self) -> StoreFuture<'_, String> {
        self.0.canonical_dump()
    }
}

impl AuthStore for AnyStore {
    fn create_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, Uuid> {
        self.0.create_unit(kind, name, parent_id)
    }
    fn create_user(&self, unit_id: Uuid, name: String, role: Role) -> StoreFuture<'_, UserInfo> {
        self.0.create_user(unit_id, name, role)
    }
    fn issue_enrolment_code(
        &self,
        user_id: Uuid,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, EnrolmentCode> {
        self.0.issue_enrolment_code(user_id, now_ms, ttl_ms)
    }
    fn enrol(
        &self,
        code: String,
        device_id: Option<Uuid>,
        retry_key: Option<String>,
        now_ms: i64,
    ) -> StoreFuture<'_, DeviceCredential> {
        self.0.enrol(code, device_id, retry_key, now_ms)
    }
    fn issue_token(
        &self,
        device_id: Uuid,
        secret: String,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, IssuedToken> {
        self.0.issue_token(device_id, secret, now_ms, ttl_ms)
    }
    fn authenticate(&self, token: String, now_ms: i64) -> StoreFuture<'_, TokenOwner> {
        self.0.authenticate(token, now_ms)
    }
    fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> StoreFuture<'_, ()> {
        self.0.revoke_device(device_id, now_ms)
    }
    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, ()> {
        self.0.set_privilege(user_id, privilege)
    }
    fn set_web_login(&self, user_id: Uuid, login: String, hash: String) -> StoreFuture<'_, ()> {
        self.0.set_web_login(user_id, login, hash)
    }
    fn web_account(&self, login: String) -> StoreFuture<'_, Option<WebAccount>> {
        self.0.web_account(login)
    }
    fn user_account(&self, user_id: Uuid) -> StoreFuture<'_, Option<WebAccount>> {
        self.0.user_account(user_id)
    }
    fn reserve_login_attempt(
        &self,
        user_id: Uuid,
        seen: LoginState,
        policy: LockPolicy,
        now_ms: i64,
    ) -> StoreFuture<'_, LoginAttempt> {
        self.0.reserve_login_attempt(user_id, seen, policy, now_ms)
    }
    fn record_login_success(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        self.0.record_login_success(user_id)
    }
    fn create_web_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()> {
        self.0.create_web_session(token_hash, user_id, csrf, now_ms)
    }
    fn web_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        idle_ttl_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        self.0.web_session(token_hash, now_ms, idle_ttl_ms)
    }
    fn end_web_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        self.0.end_web_session(token_hash)
    }
}

/// What a test server's data lives in; kept until the server is dropped.
enum Backing {
    Dir(tempfile::TempDir),
    Pg(Arc<PgTestDb>),
    /// Another node's: the first node keeps it.
    Shared,
}

/// Which store a behaviour test runs its server on: every test of `http_sync` and `http_auth` runs
/// on both (see [`on_both_stores!`](crate::on_both_stores)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each named `async fn name(backend: Backend)` of the calling module, one test on
/// SQLite (`on_sqlite::name`) and one on PostgreSQL (`on_postgres::name`).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

pub struct TestServer {
    pub base: String,
    pub store: AnyStore,
    pub state: AppState,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
    _backing: Backing,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What an HTTP answer brought: status and JSON body (Null if not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// An enrolled device with a fresh access token and its own clock.
pub struct TestDevice {
    pub id: Uuid,
    pub secret: String,
    pub token: String,
    pub clock: HybridClock,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(protocol_config(), SkewPolicy::default()).await
    }

    pub async fn start_with(config: ServerConfig, skew: SkewPolicy) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.db"), skew).unwrap();
        Self::serve(store, config, Backing::Dir(dir)).await
    }

    /// A server on `backend` with the protocol-mechanics settings; `None` when PostgreSQL tests are
    /// skipped on purpose (`DONGHAENG_SKIP_PG=1`).
    pub async fn on(backend: Backend) -> Option<Self> {
        Self::on_with(backend, protocol_config(), SkewPolicy::default()).await
    }

    pub async fn on_with(backend: Backend, config: ServerConfig, skew: SkewPolicy) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::start_with(config, skew).await),
            Backend::Postgres => {
                let db = PgTestDb::create().await?;
                Some(Self::start_pg_with(&db, config, skew).await)
            }
        }
    }

    /// A server node on the PostgreSQL test database `db`, with its own connection pool: several
    /// nodes on one `db` are several servers behind a load balancer.
    pub async fn start_pg(db: &Arc<PgTestDb>) -> Self {
        Self::start_pg_with(db, protocol_config(), SkewPolicy::default()).await
    }

    pub async fn start_pg_with(db: &Arc<PgTestDb>, config: ServerConfig, skew: SkewPolicy) -> Self {
        let store = db.store(skew).await;
        Self::serve(store, config, Backing::Pg(Arc::clone(db))).await
    }

    /// Another server node on this one's database, with its own memory (a node started later, or
    /// this one restarted): what it knows it learns from the database alone.
    pub async fn another_node(&self, config: ServerConfig) -> Self {
        let backing = match &self._backing {
            Backing::Pg(db) => Backing::Pg(Arc::clone(db)),
            Backing::Dir(_) | Backing::Shared => Backing::Shared,
        };
        Self::serve(self.store.clone(), config, backing).await
    }

    /// Stops this node and waits until its state is gone (its scope index file closed).
    pub async fn shut_down(self) {
        self.task.abort();
        let mut me = self;
        let _ = (&mut me.task).await;
    }

    /// Another node over the same database whose scope index is kept in the file `index`.
    pub async fn another_node_on_index(&self, config: ServerConfig, index: &Path) -> Self {
        let backing = match &self._backing {
            Backing::Pg(db) => Backing::Pg(Arc::clone(db)),
            Backing::Dir(_) | Backing::Shared => Backing::Shared,
        };
        let state = AppState::new(self.store.clone(), config, Clock::system())
            .with_scope_index(index)
            .unwrap();
        Self::serve_state(self.store.clone(), state, backing).await
    }

    async fn serve<S>(store: S, config: ServerConfig, backing: Backing) -> Self
    where
        S: ChangeStore + AuthStore + Clone + 'static,
    {
        let state = AppState::new(store.clone(), config, Clock::system());
        Self::serve_state(store, state, backing).await
    }

    async fn serve_state<S>(store: S, state: AppState, backing: Backing) -> Self
    where
        S: ChangeStore + AuthStore + Clone + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = build_app(state.clone());
        // With the client's address, as the server process serves (rate limits and login counters
        // per address).
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            base: format!("http://{addr}"),
            store: AnyStore(Arc::new(store)),
            state,
            client: reqwest::Client::new(),
            task,
            _backing: backing,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.state.clock.now_ms()
    }

    /// POSTs raw bytes with an optional bearer token.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut rq = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let resp = rq.send().await.unwrap();
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = resp.bytes().await.unwrap();
        Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            retry_after,
        }
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> Answer {
        self.post_raw(path, token, serde_json::to_vec(body).unwrap())
            .await
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Creates a city → district → dong → team and a user with `role`; returns the user id.
    pub async fn make_user(&self, role: Role) -> Uuid {
        let (_, team) = self.make_team().await;
        self.store
            .create_user(team, "김복지".into(), role)
            .await
            .unwrap()
            .id
    }

    /// Creates a city → district → dong → team; returns the 동's and the team's ids.
    pub async fn make_team(&self) -> (Uuid, Uuid) {
        let city = self
            .store
            .create_unit(OrgUnitKind::City, "서울특별시".into(), None)
            .await
            .unwrap();
        let gu = self
            .store
            .create_unit(OrgUnitKind::District, "성북구".into(), Some(city))
            .await
            .unwrap();
        let dong = self
            .store
            .create_unit(OrgUnitKind::Dong, "길음1동".into(), Some(gu))
            .await
            .unwrap();
        let team = self
            .store
            .create_unit(OrgUnitKind::Team, "찾아가는 복지팀".into(), Some(dong))
            .await
            .unwrap();
        (dong, team)
    }

    /// As the admin command does: a city → district → dong → team and a user with `role`, each
    /// created and published into the change log (so role scopes know the org tree). Returns the
    /// 동's id and the user.
    pub async fn make_published_user(&self, role: Role) -> (Uuid, UserInfo) {
        let now = self.now_ms();
        let mut parent = None;
        let mut dong = Uuid::nil();
        for (kind, name) in [
            (OrgUnitKind::City, "서울특별시"),
            (OrgUnitKind::District, "성북구"),
            (OrgUnitKind::Dong, "길음1동"),
            (OrgUnitKind::Team, "찾아가는 복지팀"),
        ] {
            let id = self
                .store
                .create_unit(kind, name.into(), parent)
                .await
                .unwrap();
            publish::unit(&self.store, id, kind, name, parent, now)
                .await
                .unwrap();
            if kind == OrgUnitKind::Dong {
                dong = id;
            }
            parent = Some(id);
        }
        let user = self
            .store
            .create_user(parent.unwrap(), "박간호".into(), role)
            .await
            .unwrap();
        publish::user(&self.store, &user, now).await.unwrap();
        (dong, user)
    }

    pub async fn enrolment_code(&self, user: Uuid) -> String {
        self.store
            .issue_enrolment_code(user, self.now_ms(), 3_600_000)
            .await
            .unwrap()
            .code
    }

    /// Enrols a new device over HTTP and takes a token.
    pub async fn device(&self) -> TestDevice {
        let user = self.make_user(Role::VisitingNurse).await;
        self.device_for(user).await
    }

    /// Enrols a new device of `user` over HTTP and takes a token.
    pub async fn device_for(&self, user: Uuid) -> TestDevice {
        let code = self.enrolment_code(user).await;
        let a = self.post("/v1/enrol", None, &json!({"code": code})).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let id: Uuid = a.body["device_id"].as_str().unwrap().parse().unwrap();
        let secret = a.body["device_secret"].as_str().unwrap().to_owned();
        let token = self.token(id, &secret).await;
        TestDevice {
            id,
            secret,
            token,
            clock: HybridClock::new(id),
        }
    }

    pub async fn token(&self, id: Uuid, secret: &str) -> String {
        let a = self
            .post(
                "/v1/token",
                None,
                &json!({"device_id": id, "device_secret": secret}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn push(&self, dev: &TestDevice, changes: &[Change]) -> Answer {
        let req = PushRequest {
            protocol_version: ProtocolVersion::CURRENT,
            device_id: dev.id,
            changes: changes.to_vec(),
        };
        self.post("/v1/push", Some(&dev.token), &req).await
    }

    pub async fn pull(&self, dev: &TestDevice, after_seq: u64, limit: u32) -> Answer {
        self.post(
            "/v1/pull",
            Some(&dev.token),
            &json!({"protocol_version": ProtocolVersion::CURRENT, "after_seq": after_seq, "limit": limit}),
        )
        .await
    }
}

/// A UUID v7 made now.
pub fn v7() -> Uuid {
    donghaeng_core::model::new_id()
}

/// An upsert of a household's fields, stamped by the device's clock at `now_ms`.
pub fn upsert(dev: &mut TestDevice, now_ms: i64, record: Uuid, fields: Value) -> Change {
    let fields: BTreeMap<String, Value> = serde_json::from_value(fields).unwrap();
    Change {
        id: v7(),
        entity: "households".into(),
        record_id: record,
        op: Op::Upsert { fields },
        hlc: dev.clock.send(now_ms),
        device_id: dev.id,
    }
}

impl TestServer {
    /// The server's merged state, in the reference's canonical dump format.
    pub async fn store_dump(&self) -> String {
        self.store.canonical_dump().await.unwrap()
    }

    /// The merged state without the audit trail (which records refusals too), after the queued
    /// audit entries are stored.
    pub async fn dump_without_audit(&self) -> String {
        self.state.audit.flush().await;
        let dump = self.store_dump().await;
        dump.lines()
            .filter(|l| !l.contains("\"audit_entries\""))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The audit entries stored (their fields), after the queued ones are stored.
    pub async fn audit_entries(&self) -> Vec<Value> {
        self.state.audit.flush().await;
        let page = self
            .store
            .pull(
                PullRequest {
                    protocol_version: ProtocolVersion::CURRENT,
                    after_seq: 0,
                    limit: 5000,
                    resume: None,
                },
                self.now_ms(),
            )
            .await
            .unwrap();
        page.changes
            .into_iter()
            .filter(|c| c.change.entity == "audit_entries")
            .filter_map(|c| match c.change.op {
                Op::Append { record } => Some(serde_json::to_value(record).unwrap()),
                _ => None,
            })
            .collect()
    }
}
