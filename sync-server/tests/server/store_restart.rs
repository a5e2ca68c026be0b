//! The SQLite store across a restart: state, sequence numbers and idempotency survive reopening the
//! file (a server killed and started again must not store a retried push twice or reuse a seq).

use donghaeng_core::model::new_id;
use donghaeng_core::sync::{Change, HybridClock, Op, PullRequest, PushRequest, SkewPolicy};
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::ChangeStore;
use serde_json::json;

fn change(clock: &mut HybridClock, now: i64, name: &str) -> Change {
    Change {
        id: new_id(),
        entity: "households".into(),
        record_id: new_id(),
        op: Op::Upsert {
            fields: [("head_name".to_owned(), json!(name))]
                .into_iter()
                .collect(),
        },
        hlc: clock.send(now),
        device_id: clock.node(),
    }
}

#[tokio::test]
async fn reopening_the_file_keeps_state_sequence_numbers_and_idempotency() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let device = new_id();
    let mut clock = HybridClock::new(device);
    let now = chrono::Utc::now().timestamp_millis();
    let first = PushRequest {
        protocol_version: 1,
        device_id: device,
        changes: vec![change(&mut clock, now, "가"), change(&mut clock, now, "나")],
    };
    let dump = {
        let store = SqliteStore::open(&path, SkewPolicy::default()).unwrap();
        let r = store.push(first.clone(), now).await.unwrap();
        assert_eq!(r.server_seq, 2);
        store.canonical_dump().await.unwrap()
    };
    let store = SqliteStore::open(&path, SkewPolicy::default()).unwrap();
    assert_eq!(store.canonical_dump().await.unwrap(), dump);
    assert_eq!(store.last_seq().await.unwrap(), 2);
    // The retried push (its answer was lost when the server died) is recognised.
    let again = store.push(first.clone(), now).await.unwrap();
    assert!(again.accepted.is_empty());
    assert_eq!(again.duplicates.len(), 2);
    // New changes continue the sequence.
    let next = PushRequest {
        protocol_version: 1,
        device_id: device,
        changes: vec![change(&mut clock, now, "다")],
    };
    assert_eq!(store.push(next, now).await.unwrap().server_seq, 3);
    let page = store
        .pull(
            PullRequest {
                protocol_version: 1,
                after_seq: 0,
                limit: 10,
                resume: None,
            },
            now,
        )
        .await
        .unwrap();
    let seqs: Vec<u64> = page.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(page.changes[0].change, first.changes[0]);
}

#[tokio::test]
async fn a_file_from_a_newer_server_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteStore::open(&path, SkewPolicy::default()).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path, SkewPolicy::default())
        .err()
        .expect("refused");
    assert_eq!(err.code, "schema_too_new");
}
