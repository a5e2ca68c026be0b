//! The sync status the phone shows (동기화 상태): changes waiting to go, when a sync last went
//! through, and whether the last try failed for the network (the offline banner). The sync client
//! records each sync's outcome here ([`Store::record_sync_outcome`]), so every shell reads the same.

use rusqlite::OptionalExtension;

use crate::store::Store;
use crate::CoreResult;

use super::outbox;

/// Error codes of a sync that failed because the network or the server could not be reached.
const NETWORK_FAILURES: [&str; 2] = ["offline", "timeout"];

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncStatus {
    /// Changes made here and not yet acknowledged by the server.
    pub pending: u64,
    /// When a sync last went through (epoch ms); `None`: never.
    pub last_success_ms: Option<i64>,
    /// When a sync was last tried.
    pub last_attempt_ms: Option<i64>,
    /// The error code of the last try, if it failed.
    pub last_error_code: Option<String>,
    /// The last try failed for the network: the app shows its offline banner until a sync goes
    /// through.
    pub offline: bool,
}

impl Store {
    /// Records how a sync ended at `at_ms`: `error` is the failure's code, `None` for success.
    pub fn record_sync_outcome(&self, at_ms: i64, error: Option<&str>) -> CoreResult<()> {
        // The next sync writes it again: it need not wait for the disk.
        self.write_durable(crate::store::Durability::Replayable, |tx| {
            tx.prepare_cached(
                "UPDATE sync_state SET last_attempt_ms = ?1, last_error_code = ?2,
                 last_success_ms = CASE WHEN ?2 IS NULL THEN ?1 ELSE last_success_ms END
                 WHERE id = 1",
            )?
            .execute(rusqlite::params![at_ms, error])?;
            Ok(())
        })
    }

    /// The status for the sync screen and the offline banner.
    pub fn sync_status(&self) -> CoreResult<SyncStatus> {
        self.read(|tx| {
            let pending = outbox::len(tx)?;
            let row: Option<(Option<i64>, Option<i64>, Option<String>)> = tx
                .prepare_cached(
                    "SELECT last_success_ms, last_attempt_ms, last_error_code FROM sync_state WHERE id = 1",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (last_success_ms, last_attempt_ms, last_error_code) = row.unwrap_or_default();
            let offline = last_error_code
                .as_deref()
                .is_some_and(|c| NETWORK_FAILURES.contains(&c));
            Ok(SyncStatus {
                pending,
                last_success_ms,
                last_attempt_ms,
                last_error_code,
                offline,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_follows_each_outcome() {
        let store = Store::open_in_memory().unwrap();
        let s = store.sync_status().unwrap();
        assert_eq!(
            (s.last_success_ms, s.last_attempt_ms, s.offline),
            (None, None, false)
        );
        store.record_sync_outcome(1_000, None).unwrap();
        store.record_sync_outcome(2_000, Some("offline")).unwrap();
        let s = store.sync_status().unwrap();
        assert_eq!(
            (
                s.last_success_ms,
                s.last_attempt_ms,
                s.last_error_code.as_deref(),
                s.offline
            ),
            (Some(1_000), Some(2_000), Some("offline"), true)
        );
        // A refusal is not the network: no offline banner, the code stays for the advice.
        store
            .record_sync_outcome(3_000, Some("device_revoked"))
            .unwrap();
        assert!(!store.sync_status().unwrap().offline);
        store.record_sync_outcome(4_000, None).unwrap();
        let s = store.sync_status().unwrap();
        assert_eq!(
            (s.last_success_ms, s.last_error_code, s.offline),
            (Some(4_000), None, false)
        );
    }
}
