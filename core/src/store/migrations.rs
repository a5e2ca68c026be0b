//! Forward-only schema migrations, recorded in the file.
//!
//! The schema version is SQLite's `user_version`; each applied migration is also a row of
//! `schema_migrations` (version, name, time) for support staff. A migration and its version bump commit
//! together, so a crash mid-migration leaves the previous version intact.

use rusqlite::Connection;

use crate::{CoreError, CoreResult};

/// `PRAGMA application_id`: marks the file as Donghaeng's ("DNGH").
pub const APPLICATION_ID: i64 = 0x444E_4748;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Never edit a released one: add a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "base",
        sql: include_str!("sql/0001_base.sql"),
    },
    Migration {
        version: 2,
        name: "cases_referrals",
        sql: include_str!("sql/0002_cases_referrals.sql"),
    },
    Migration {
        version: 3,
        name: "search",
        sql: include_str!("sql/0003_search.sql"),
    },
    Migration {
        version: 4,
        name: "sync",
        sql: include_str!("sql/0004_sync.sql"),
    },
    Migration {
        version: 5,
        name: "safety",
        sql: include_str!("sql/0005_safety.sql"),
    },
    Migration {
        version: 6,
        name: "audit",
        sql: include_str!("sql/0006_audit.sql"),
    },
    Migration {
        version: 7,
        name: "service_provisions",
        sql: include_str!("sql/0007_service_provisions.sql"),
    },
    Migration {
        version: 8,
        name: "enrol_retry_key",
        sql: include_str!("sql/0008_enrol_retry_key.sql"),
    },
    Migration {
        version: 9,
        name: "pull_resume",
        sql: include_str!("sql/0009_pull_resume.sql"),
    },
    Migration {
        version: 10,
        name: "service_emergency_support",
        sql: include_str!("sql/0010_service_emergency_support.sql"),
    },
    Migration {
        version: 11,
        name: "snapshot_progress",
        sql: include_str!("sql/0011_snapshot_progress.sql"),
    },
    Migration {
        version: 12,
        name: "sync_outcome",
        sql: include_str!("sql/0012_sync_outcome.sql"),
    },
    Migration {
        version: 13,
        name: "safety_pins",
        sql: include_str!("sql/0013_safety_pins.sql"),
    },
    Migration {
        version: 14,
        name: "outreach_attempts",
        sql: include_str!("sql/0014_outreach_attempts.sql"),
    },
    Migration {
        version: 15,
        name: "discharge_referrals",
        sql: include_str!("sql/0015_discharge_referrals.sql"),
    },
    Migration {
        version: 16,
        name: "packed_merge_state",
        sql: include_str!("sql/0016_packed_merge_state.sql"),
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The schema version recorded in the file (0 for a new, empty file).
pub fn current_version(conn: &Connection) -> CoreResult<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuses, before anything is written, a file this build cannot safely open.
pub fn check_openable(conn: &Connection) -> CoreResult<()> {
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(CoreError::conflict(
            "not_a_donghaeng_file",
            "동행 앱의 데이터 파일이 아닙니다. 파일은 변경하지 않았습니다.",
            "This is not a Donghaeng data file. The file was left untouched.",
        ));
    }
    let found = current_version(conn)?;
    if found > latest_version() {
        return Err(CoreError::schema_too_new(found, latest_version()));
    }
    Ok(())
}

/// Applies every migration above the file's version, up to `target`, in one transaction: a crash
/// mid-way leaves the file at its old version, and a new file pays for one commit, not one per step.
pub fn migrate_to(conn: &mut Connection, target: i64, now_ms: i64) -> CoreResult<()> {
    check_openable(conn)?;
    let from = current_version(conn)?;
    let pending: Vec<&Migration> = MIGRATIONS
        .iter()
        .filter(|m| m.version > from && m.version <= target)
        .collect();
    let Some(last) = pending.last() else {
        return Ok(());
    };
    let tx = conn.transaction()?;
    if from == 0 {
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID};"))?;
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL
         ) STRICT;",
    )?;
    for m in &pending {
        tx.execute_batch(m.sql).map_err(|e| {
            CoreError::storage(format!("migration {} ({}) failed: {e}", m.version, m.name))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now_ms],
        )?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {};", last.version))?;
    tx.commit()?;
    Ok(())
}
