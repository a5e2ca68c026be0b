//! What every request handler shares (공유 상태): the stores, metrics, the clock and the settings.

use std::sync::Arc;

use std::time::Duration;

use donghaeng_core::sync::validate::{DEFAULT_PULL_PAGE_BYTES, MAX_PUSH_CHANGES};

use crate::audit::AuditLog;
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::safety::SafetyHub;
use crate::scope::ScopeIndex;
use crate::store::{AuthStore, ChangeStore};

/// Settings the handlers use (the command line fills them; tests set them directly).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body. Default 16 MiB (our choice): a full push of 1,000 changes of typical
    /// size (a visit ~400 bytes, a 4,000-character note ~12 KiB) is well under it, and a body past
    /// it is refused before it is parsed, bounding memory per request.
    pub max_body_bytes: usize,
    /// Lifetime of an access token. Default 15 minutes (our choice): short enough that a revoked or
    /// stolen token soon stops working, long enough to cover one long initial sync.
    pub token_ttl_ms: i64,
    /// Lifetime of an enrolment code. Default 24 hours (our choice): the admin hands the code over
    /// in person or by phone the same day.
    pub enrolment_ttl_ms: i64,
    /// Partial replication per role (`crate::scope`). Always on in the server process; tests of the
    /// protocol mechanics that push records without an org tree turn it off.
    pub role_scopes: bool,
    /// How often the server's safety monitor runs its deadlines (default 15 s, at most 30 s: a dead
    /// phone's overdue alarm is raised within one tick of expected return + grace).
    pub safety_tick: std::time::Duration,
    /// Record the audit trail (`crate::audit`): refusals and each push's changes per household.
    /// Always on in the server process; tests of the protocol's mechanics, which count stored
    /// changes, turn it off.
    pub audit: bool,
    /// Request rate limits of enrolment, tokens and the dashboard login (`crate::throttle`).
    pub rate_limits: crate::throttle::RateLimits,
    /// Failed dashboard logins one client address may make per window (100 per 15 minutes by
    /// default, `crate::accounts::lockout`).
    pub login_address_budget: crate::accounts::AddressBudget,
    /// Byte budget of one pull page, backfill included (core's `PageBudget`: at least one change
    /// per page, however large). Default `DEFAULT_PULL_PAGE_BYTES`, 4 MiB: see its reasons there.
    pub pull_page_bytes: usize,
    /// How long a client may take to send a request's headers, from the moment the connection is
    /// ready for one (also bounds an idle keep-alive connection). Default 10 s (our choice): a phone
    /// sends its ~1 KB of headers in one packet; a client that trickles them is holding a slot.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive, from the end of its headers. Default 60 s (our
    /// choice): twice the phone's own 30 s request timeout, so no request a phone still waits for
    /// is cut; a client that declares a body and sends it slowly or never is answered 408
    /// `body_timeout` and dropped.
    pub body_timeout: Duration,
    /// Most connections open at once (TLS handshakes included); beyond it the server stops
    /// accepting until one closes, and new clients wait in the listen queue. Default 512 (our
    /// choice): far above what one district's phones open at once, and with the reserve the server
    /// keeps for its own files it fits the common 1,024 open-file limit; at start-up it is lowered
    /// to fit the process's actual limit (`crate::serve`).
    pub max_connections: usize,
    /// The dashboard map's tile source (`--map-tile-url`): a district's own tile server, or `None`
    /// (the default): markers on a plain background, and no request to any map service.
    pub map_tiles: Option<crate::dashboard::map::MapTiles>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: 16 * 1024 * 1024,
            token_ttl_ms: 15 * 60 * 1000,
            enrolment_ttl_ms: 24 * 60 * 60 * 1000,
            role_scopes: true,
            safety_tick: crate::safety::DEFAULT_TICK,
            audit: true,
            rate_limits: crate::throttle::RateLimits::default(),
            login_address_budget: crate::accounts::AddressBudget::default(),
            pull_page_bytes: DEFAULT_PULL_PAGE_BYTES,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 512,
            map_tiles: None,
        }
    }
}

// A push at the protocol's batch limit must fit the default body limit with room to spare
// (~16 KiB per change on average).
const _: () = assert!(16 * 1024 * 1024 / MAX_PUSH_CHANGES >= 16 * 1024);

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub changes: Arc<dyn ChangeStore>,
    pub auth: Arc<dyn AuthStore>,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    pub config: Arc<ServerConfig>,
    /// What each record belongs to, learnt from the change log (`crate::scope`).
    pub scope: Arc<tokio::sync::RwLock<ScopeIndex>>,
    /// The server's safety monitor and alarm feed (issue 5).
    pub safety: Arc<SafetyHub>,
    /// The server's audit writer (issue 10).
    pub audit: Arc<AuditLog>,
    /// The supervisor dashboard's sessions settings, login throttle and record projection.
    pub dashboard: Arc<crate::dashboard::DashboardState>,
    /// Request rate limits (`crate::throttle`).
    pub throttles: Arc<crate::throttle::Throttles>,
}

impl AppState {
    /// Brings the scope index up to the change log before anything is decided on it (several
    /// nodes: what the others stored too). An index whose database failed a read refuses (see
    /// `ScopeIndex::check`); one read from another log is read again (`ScopeIndex::catch_up`).
    pub async fn catch_up_scope(&self) -> donghaeng_core::CoreResult<()> {
        let last = self.changes.last_seq().await?;
        {
            let ix = self.scope.read().await;
            ix.check()?;
            // Beyond `last`: another request read further meanwhile (or the index is of another
            // log, which its first catch-up finds).
            if ix.last_seq() >= last && ix.verified() {
                return Ok(());
            }
        }
        let mut ix = self.scope.write().await;
        ix.catch_up(self.changes.as_ref(), self.clock.now_ms())
            .await
    }

    /// The same state over the scope index kept in the file at `path` (`crate::scope::index`):
    /// opened at the position it saved, or emptied if it was made under other rules.
    pub fn with_scope_index(mut self, path: &std::path::Path) -> donghaeng_core::CoreResult<Self> {
        self.scope = Arc::new(tokio::sync::RwLock::new(ScopeIndex::open(Some(path))?));
        Ok(self)
    }

    /// State over one store that implements both traits (the SQLite store does).
    pub fn new<S>(store: S, config: ServerConfig, clock: Clock) -> Self
    where
        S: ChangeStore + AuthStore + Clone + 'static,
    {
        let changes: Arc<dyn ChangeStore> = Arc::new(store.clone());
        AppState {
            safety: Arc::new(SafetyHub::new(changes.clone(), "server")),
            audit: Arc::new(AuditLog::new(
                changes.clone(),
                clock.clone(),
                "server",
                config.audit,
            )),
            changes,
            auth: Arc::new(store),
            metrics: Arc::new(Metrics::default()),
            throttles: Arc::new(crate::throttle::Throttles::new(&config.rate_limits, &clock)),
            dashboard: Arc::new(crate::dashboard::DashboardState::with_address_budget(
                config.login_address_budget,
            )),
            clock,
            config: Arc::new(config),
            scope: Arc::default(),
        }
    }
}
