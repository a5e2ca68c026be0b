//! The PostgreSQL store itself: state, sequence numbers and idempotency survive a node's restart
//! (a new pool on the same database), the schema is created once when several nodes start together
//! on an empty database, and a database from a newer server is refused untouched.

use donghaeng_core::model::new_id;
use donghaeng_core::sync::{
    Change, HlcTimestamp, HybridClock, Op, PullRequest, PushRequest, Replica, SkewPolicy,
};
use donghaeng_sync_server::store::postgres::{steps_before_packing, PgStore, SCHEMA_VERSION};
use donghaeng_sync_server::store::ChangeStore;
use serde_json::json;

use crate::pg_harness::PgTestDb;

/// The schema version the database records.
async fn schema_version(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .unwrap()
        .get(0)
}

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
    assert_eq!(schema_version(&client).await, SCHEMA_VERSION);
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
        .batch_execute("UPDATE schema_version SET version = 99; DROP TABLE change_scopes")
        .await
        .unwrap();
    let err = PgStore::connect(&db.url, SkewPolicy::default(), 1)
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code, "schema_too_new");
    assert_eq!(schema_version(&client).await, 99);
    let recreated: Option<String> = client
        .query_one("SELECT to_regclass('change_scopes')::text", &[])
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

/// A database as it was before the merged state was packed (a row per field of a live record; a
/// tombstone's and an appended record's stamp, id and record in columns) is converted when a node
/// starts on it, and holds exactly what the reference replica holds for the same changes.
#[tokio::test]
async fn a_database_with_the_per_field_merged_state_is_packed_when_a_node_starts() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let client = db.client().await;
    let steps = steps_before_packing();
    for sql in steps {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .execute(
            "CREATE TABLE schema_version (
                 id boolean PRIMARY KEY DEFAULT true CHECK (id), version bigint NOT NULL)",
            &[],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO schema_version (id, version) VALUES (true, $1)",
            &[&(steps.len() as i64)],
        )
        .await
        .unwrap();
    let node = new_id();
    let stamp = |ms: u64| HlcTimestamp {
        wall_ms: 1_767_225_600_000 + ms,
        counter: 0,
        node,
    };
    let (household, visit, check) = (new_id(), new_id(), new_id());
    let (c1, c2, c3, c4) = (new_id(), new_id(), new_id(), new_id());
    let record = json!({"household_id": household, "checked_at": 5});
    let changes = [
        (
            c1,
            "households",
            household,
            Op::Upsert {
                fields: [("head_name".to_owned(), json!("김영수"))]
                    .into_iter()
                    .collect(),
            },
            stamp(1),
        ),
        (
            c2,
            "households",
            household,
            Op::Upsert {
                fields: [("crisis_level".to_owned(), json!(4))]
                    .into_iter()
                    .collect(),
            },
            stamp(2),
        ),
        (c3, "visits", visit, Op::Delete, stamp(3)),
        (
            c4,
            "wellness_checks",
            check,
            Op::Append {
                record: serde_json::from_value(record.clone()).unwrap(),
            },
            stamp(4),
        ),
    ];
    let mut reference = Replica::new();
    for (id, entity, record_id, op, hlc) in changes {
        reference
            .apply(&Change {
                id,
                entity: entity.into(),
                record_id,
                op,
                hlc,
                device_id: node,
            })
            .unwrap();
    }
    let put = "INSERT INTO merged_records (entity, record_id, state, hlc, change_id, record)
               VALUES ($1, $2, $3, $4, $5, $6)";
    let none: Option<String> = None;
    let no_id: Option<uuid::Uuid> = None;
    client
        .execute(
            put,
            &[&"households", &household, &"live", &none, &no_id, &none],
        )
        .await
        .unwrap();
    for (field, value, hlc, cid) in [
        ("head_name", "\"김영수\"", stamp(1), c1),
        ("crisis_level", "4", stamp(2), c2),
    ] {
        client
            .execute(
                "INSERT INTO merged_fields (entity, record_id, field, value, hlc, change_id)
                 VALUES ('households', $1, $2, $3, $4, $5)",
                &[&household, &field, &value, &hlc.encode(), &cid],
            )
            .await
            .unwrap();
    }
    client
        .execute(
            put,
            &[
                &"visits",
                &visit,
                &"deleted",
                &Some(stamp(3).encode()),
                &Some(c3),
                &none,
            ],
        )
        .await
        .unwrap();
    client
        .execute(
            put,
            &[
                &"wellness_checks",
                &check,
                &"appended",
                &Some(stamp(4).encode()),
                &Some(c4),
                &Some(record.to_string()),
            ],
        )
        .await
        .unwrap();

    let store = db.store(SkewPolicy::default()).await;

    assert_eq!(
        store.canonical_dump().await.unwrap(),
        reference.canonical_dump()
    );
    assert_eq!(schema_version(&client).await, SCHEMA_VERSION);
    let fields_table: Option<String> = client
        .query_one("SELECT to_regclass('merged_fields')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(fields_table, None, "the per-field form is dropped");
    // The converted records merge on as any other: a later edit of the household lands.
    let mut clock = HybridClock::new(node);
    let edit = Change {
        id: new_id(),
        entity: "households".into(),
        record_id: household,
        op: Op::Upsert {
            fields: [("crisis_level".to_owned(), json!(5))]
                .into_iter()
                .collect(),
        },
        hlc: clock.send(1_767_225_700_000),
        device_id: node,
    };
    reference.apply(&edit).unwrap();
    let pushed = store
        .push(
            PushRequest {
                protocol_version: 1,
                device_id: node,
                changes: vec![edit],
            },
            1_767_225_700_000,
        )
        .await
        .unwrap();
    assert_eq!(pushed.accepted.len(), 1);
    assert_eq!(
        store.canonical_dump().await.unwrap(),
        reference.canonical_dump()
    );
}
