//! The PostgreSQL store (PostgreSQL 저장소): several server nodes behind a load balancer share one
//! database. It behaves exactly like the embedded SQLite store and `MemoryServer`; the tests run the
//! same behaviour checks on both.
//!
//! Concurrency: each node has its own connection pool. A push is one READ COMMITTED transaction that
//! first locks the single-row sequence counter, so pushes from all nodes are serialised at the
//! database and sequence numbers commit strictly in order (see `changes.rs`). A pull is one
//! statement, so it reads one committed snapshot: it never sees seq *n* without every seq below it.

mod auth;
mod changes;
mod directory;
mod legacy;
mod schema;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};

use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::{CoreError, CoreResult};

pub use schema::NEWEST as SCHEMA_VERSION;

/// The SQL of the schema steps before the merged state was packed, for the test that builds such a
/// database and checks its conversion (`tests/server/pg_store.rs`). Not an interface.
#[doc(hidden)]
pub fn steps_before_packing() -> &'static [&'static str] {
    &schema::MIGRATIONS[..schema::PACK_STEP as usize]
}

/// Connections one node keeps at most (our choice: pushes are serialised at the database anyway, so
/// more connections only help concurrent pulls and auth; PostgreSQL's default limit is 100, which
/// leaves room for several nodes).
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// How long a request waits for a pooled connection, or for a new one, before it fails with a
/// storage error the device retries (a database that is down must not hang requests for ever).
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL implementation of [`super::ChangeStore`] and [`super::AuthStore`]. Cheap to clone
/// (the pool is shared).
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    skew: SkewPolicy,
    /// For connections of their own (the safety leader's advisory lock).
    config: tokio_postgres::Config,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or key=value form), creates
    /// or migrates the schema, and keeps a pool of at most `max_connections` connections.
    pub async fn connect(url: &str, skew: SkewPolicy, max_connections: usize) -> CoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            // The message of a parse error never repeats the URL (it may hold a password).
            CoreError::invalid(
                "database_url_invalid",
                "postgres",
                format!("PostgreSQL 주소를 읽을 수 없습니다: {e}"),
                format!("cannot parse the PostgreSQL URL: {e}"),
            )
        })?;
        let mut config = config;
        // A node that stops talking in the middle of a push (a network partition; a killed process
        // is noticed at once) would hold the sequence counter's lock and stall every node's
        // pushes: the database ends such a session after a minute. A push waiting that long for
        // the lock fails with a storage error the device retries, rather than hanging.
        let session = "-c idle_in_transaction_session_timeout=60s -c lock_timeout=30s";
        let options = match config.get_options() {
            Some(given) => format!("{given} {session}"),
            None => session.to_owned(),
        };
        config.options(&options);
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig {
                // A connection whose server side died is found on first use and the request fails
                // with a retryable storage error; `Fast` skips a round trip per checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| CoreError::storage(format!("cannot build the connection pool: {e}")))?;
        let store = PgStore { pool, skew, config };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    /// The safety monitor's leadership among the nodes on this database (`crate::safety::leader`).
    pub fn safety_leadership(&self) -> crate::safety::PgAdvisoryLease {
        crate::safety::PgAdvisoryLease::new(self.config.clone())
    }

    /// A pooled connection.
    async fn client(&self) -> CoreResult<Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => pg_error(e),
            other => CoreError::storage(format!("no database connection: {other}")),
        })
    }
}

/// A storage error from PostgreSQL. Only the SQLSTATE and the primary message are kept: the message
/// names tables and constraints, whereas the DETAIL line can quote row values (personal data).
pub(crate) fn pg_error(e: tokio_postgres::Error) -> CoreError {
    match e.as_db_error() {
        Some(db) => CoreError::storage(format!("postgres {}: {}", db.code().code(), db.message())),
        // "error connecting to server" alone does not say why: add the cause (an I/O error such
        // as "Connection refused", or the server's authentication refusal).
        None => match std::error::Error::source(&e) {
            Some(cause) => CoreError::storage(format!("postgres: {e}: {cause}")),
            None => CoreError::storage(format!("postgres: {e}")),
        },
    }
}
