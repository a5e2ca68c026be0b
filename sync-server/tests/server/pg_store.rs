//! The PostgreSQL store itself: state, sequence numbers and idempotency survive a node's restart
//! (a new pool on the same database), the schema is created once when several nodes start together
//! on an empty database, and a database from a newer server is refused untouched.

use donghaeng_core::model::new_id;
use donghaeng_core::sync::{Change, HybridClock, Op, PullRequest, PushRequest, SkewPolicy};
use donghaeng_sync_server::store::postgres::{PgStore, SCHEMA_VERSION};
use donghaeng_sync_server::store::ChangeStore;
use serde_json::json;

use crate::pg_harness::PgTestDb;

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
async fn a_restarted_node_keeps_state_sequence_numbers_and_idempotency() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let device = new_id();
    let mut clock = HybridClock::new(device);
    let now = chrono::Utc::now().timestamp_millis();
    let first = PushRequest {
        protocol_version: 1,
        device_id: device,
        changes: vec![change(&mut clock, now, "가"), change(&mut clock, now, "나")],
    };
    let dump = {
        let store = db.store(SkewPolicy::default()).await;
        let r = store.push(first.clone(), now).await.unwrap();
        assert_eq!(r.server_seq, 2);
        store.canonical_dump().await.unwrap()
    };
    let store = db.store(SkewPolicy::default()).await;
    assert_eq!(store.canonical_dump().await.unwrap(), dump);
    assert!(dump.contains("\"가\"") && dump.contains("\"나\""), "{dump}");
    assert_eq!(store.last_seq().await.unwrap(), 2);
    // The retried push (its answer was lost when the node died) is recognised.
    let again = store.push(first.clone(), now).await.unwrap();
    assert!(again.accepted.is_empty());
    assert_eq!(again.duplicates.len(), 2);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_on_an_empty_database_create_the_schema_once() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { PgStore::connect(&url, SkewPolicy::default(), 2).await })
        })
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().expect("every node starts"));
    }
    let client = db.client().await;
    let version: i64 = client
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, SCHEMA_VERSION);
    let counters: i64 = client
        .query_one("SELECT count(*) FROM seq_counter", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(counters, 1, "the counter row was created once");
    for s in &stores {
        assert_eq!(s.last_seq().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_database_from_a_newer_server_is_refused_untouched() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    drop(db.store(SkewPolicy::default()).await);
    let client = db.client().await;
    client
        .batch_execute("UPDATE schema_version SET version = 99; DROP TABLE merged_fields")
        .await
        .unwrap();
    let err = PgStore::connect(&db.url, SkewPolicy::default(), 1)
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code, "schema_too_new");
    let version: i64 = client
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, 99);
    let recreated: Option<String> = client
        .query_one("SELECT to_regclass('merged_fields')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(recreated, None, "nothing was created in a newer database");
}

#[tokio::test]
async fn a_database_url_that_does_not_parse_is_refused_without_echoing_it() {
    let err = PgStore::connect(
        "postgres://u:s3cret@h:notaport/db",
        SkewPolicy::default(),
        1,
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(err.code, "database_url_invalid");
    assert!(
        !err.en.contains("s3cret") && !err.ko.contains("s3cret"),
        "{}",
        err.en
    );
}
