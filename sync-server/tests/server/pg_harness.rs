//! PostgreSQL for the tests: each test gets a fresh database of its own on the server named by
//! `DONGHAENG_TEST_PG` (so tests run in parallel), dropped when the test ends.
//!
//! Without `DONGHAENG_TEST_PG` the PostgreSQL tests fail and say how to start a server, because a
//! silently skipped test proves nothing; `DONGHAENG_SKIP_PG=1` skips them explicitly.

use std::str::FromStr;

use donghaeng_core::sync::SkewPolicy;
use donghaeng_sync_server::store::postgres::PgStore;

/// The environment variable naming the test server (a `postgres://` URL of a role with CREATEDB).
pub const TEST_PG_ENV: &str = "DONGHAENG_TEST_PG";

/// The test server's URL; `None` only when skipping was asked for explicitly.
pub fn test_pg_url() -> Option<String> {
    match std::env::var(TEST_PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("DONGHAENG_SKIP_PG").is_ok_and(|v| v == "1") => {
            eprintln!("skipped: DONGHAENG_SKIP_PG=1 (PostgreSQL tests not run)");
            None
        }
        _ => panic!(
            "{TEST_PG_ENV} is not set, so the PostgreSQL store cannot be tested. Start the test \
             server and export its URL:\n\n    export {TEST_PG_ENV}=\"$(scripts/pg-test-server.sh)\"\n\n\
             (scripts/test.sh does this itself). To skip these tests on purpose, set \
             DONGHAENG_SKIP_PG=1."
        ),
    }
}

/// A fresh database, dropped (with any connection still open) when the last holder lets go.
pub struct PgTestDb {
    /// The URL of this database (same server, role and options as the test server's URL).
    pub url: String,
    name: String,
    admin_url: String,
}

impl PgTestDb {
    /// Creates a database of its own; `None` when PostgreSQL tests are skipped on purpose.
    pub async fn create() -> Option<std::sync::Arc<Self>> {
        let admin_url = test_pg_url()?;
        let name = format!("dh_t_{}", donghaeng_core::model::new_id().simple());
        let client = connect(&admin_url).await;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
        Some(std::sync::Arc::new(PgTestDb {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }))
    }

    /// A new store (its own pool: one server node) on this database.
    pub async fn store(&self, skew: SkewPolicy) -> PgStore {
        PgStore::connect(&self.url, skew, 8).await.unwrap()
    }

    /// A plain connection to this database, to look at or tamper with what the store wrote.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on its own futures: a short-lived
        // thread with a runtime of its own drops the database.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let client = connect(&admin_url).await;
                let _ = client.batch_execute(&sql).await;
            });
        });
        let _ = done.join();
    }
}

/// Connects without TLS and drives the connection on the current runtime.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let config = tokio_postgres::Config::from_str(url)
        .unwrap_or_else(|e| panic!("{TEST_PG_ENV} is not a valid PostgreSQL URL: {e}"));
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to the PostgreSQL test server ({e}); is it running? Start it with \
                 scripts/pg-test-server.sh"
            )
        });
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// `url` with its database name replaced by `db` (a `postgres://…/name?options` URL).
pub fn with_database(url: &str, db: &str) -> String {
    let start = url
        .find("://")
        .map(|i| i + 3)
        .unwrap_or_else(|| panic!("{TEST_PG_ENV} must be a postgres:// URL"));
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let after = &rest[authority_end..];
    let query = after.find('?').map_or("", |q| &after[q..]);
    format!("{}{}/{db}{query}", &url[..start], &rest[..authority_end])
}

#[test]
fn a_database_name_is_replaced_keeping_credentials_and_options() {
    assert_eq!(
        with_database("postgres://u:p@h:5/old?sslmode=disable", "new"),
        "postgres://u:p@h:5/new?sslmode=disable"
    );
    assert_eq!(with_database("postgresql://h", "new"), "postgresql://h/new");
    assert_eq!(
        with_database("postgres://h?x=1", "new"),
        "postgres://h/new?x=1"
    );
}
