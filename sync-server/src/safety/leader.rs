//! Which server node runs the safety deadlines (감시 담당 노드). With several nodes on one PostgreSQL,
//! every node follows the change log and computes the same alarms for its own live feed, but only
//! the **leader** stores the alerts it issues and sends them to the notifier (webhook), so an alarm
//! is stored and paged once, not once per node. The leader is whoever holds a PostgreSQL session
//! advisory lock; when its process or connection dies the database releases the lock and another
//! node takes over at its next tick. The embedded SQLite server is a single node: always leader.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::Mutex;

/// Decides, at each tick, whether this node is the leader.
pub trait Leadership: Send + Sync {
    /// Whether this node leads now (tries to become leader if nobody does).
    fn lead(&self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>>;
}

/// A single node: always the leader.
pub struct SingleNode;

impl Leadership for SingleNode {
    fn lead(&self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async { true })
    }
}

/// The advisory lock's key: any fixed number no other application on the database uses ("동행안전").
pub const ADVISORY_LOCK_KEY: i64 = 0x0d0e_a11e_5afe_0001;

/// Leadership through a PostgreSQL session advisory lock held on a connection of its own (not a
/// pooled one: the lock belongs to the session, so the session must live as long as the lead).
pub struct PgAdvisoryLease {
    config: tokio_postgres::Config,
    held: Mutex<Option<tokio_postgres::Client>>,
}

impl PgAdvisoryLease {
    pub fn new(config: tokio_postgres::Config) -> Self {
        PgAdvisoryLease {
            config,
            held: Mutex::new(None),
        }
    }

    async fn try_lead(&self) -> bool {
        let mut held = self.held.lock().await;
        if let Some(client) = held.as_ref() {
            // Still our session? A broken connection has lost the lock with it.
            if !client.is_closed() && client.simple_query("SELECT 1").await.is_ok() {
                return true;
            }
            *held = None;
            tracing::warn!("safety leadership lost (database session ended)");
        }
        let client = match self.config.connect(tokio_postgres::NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
            Err(e) => {
                // The code only: connection errors may quote the host, never data.
                tracing::warn!(error = %e, "safety leadership: cannot reach the database");
                return false;
            }
        };
        let got = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&ADVISORY_LOCK_KEY])
            .await
            .ok()
            .and_then(|row| row.try_get::<_, bool>(0).ok())
            .unwrap_or(false);
        if got {
            tracing::info!("safety leadership taken: this node stores and pages alarms");
            *held = Some(client);
        }
        got
    }
}

impl Leadership for PgAdvisoryLease {
    fn lead(&self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(self.try_lead())
    }
}
