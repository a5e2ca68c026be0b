//! Two server nodes on one PostgreSQL database, hit at the same time: sequence numbers stay gap-free
//! and commit in order across nodes (a puller never skips a change), a retried push that lands on
//! both nodes at once is stored once, and an enrolment code raced on both nodes works once.

use std::collections::HashSet;
use std::sync::Arc;

use crate::common::{upsert, v7, TestServer};
use crate::pg_harness::PgTestDb;
use donghaeng_core::model::Role;
use donghaeng_core::sync::{Change, Op, PullResponse, Replica};
use donghaeng_sync_server::store::ChangeStore;
use reqwest::StatusCode;
use serde_json::json;

async fn two_nodes() -> Option<Arc<[TestServer; 2]>> {
    let db = PgTestDb::create().await?;
    Some(Arc::new([
        TestServer::start_pg(&db).await,
        TestServer::start_pg(&db).await,
    ]))
}

/// Pushers on both nodes while pullers alternate between the nodes: every page starts right after
/// the puller's cursor with no gap, and each puller ends having seen every change exactly once. A
/// node that let seq *n* become visible before a smaller seq had committed on the other node would
/// make a puller skip that change for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_on_two_nodes_are_seen_in_sequence_order_without_gaps() {
    let Some(nodes) = two_nodes().await else {
        return;
    };
    const PUSHERS: usize = 6;
    const BATCHES: usize = 15;
    const PER_BATCH: usize = 5;
    let total = PUSHERS * BATCHES * PER_BATCH;
    let mut pushers = Vec::new();
    for p in 0..PUSHERS {
        let nodes = Arc::clone(&nodes);
        let mut dev = nodes[p % 2].device().await;
        pushers.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                // Half of the pushers stay on one node, the others alternate.
                let node = if p < PUSHERS / 2 { p % 2 } else { b % 2 };
                let now = nodes[node].now_ms();
                let batch: Vec<_> = (0..PER_BATCH)
                    .map(|i| upsert(&mut dev, now, v7(), json!({"head_name": format!("{i}")})))
                    .collect();
                let a = nodes[node].push(&dev, &batch).await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.body);
                assert_eq!(a.body["accepted"].as_array().unwrap().len(), PER_BATCH);
            }
        }));
    }
    let mut pullers = Vec::new();
    for p in 0..2 {
        let nodes = Arc::clone(&nodes);
        let dev = nodes[p].device().await;
        pullers.push(tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut ids = HashSet::new();
            let mut turn = p;
            while ids.len() < total {
                turn += 1;
                let ans = nodes[turn % 2].pull(&dev, cursor, 7).await;
                assert_eq!(ans.status, StatusCode::OK, "{}", ans.body);
                let page: PullResponse = serde_json::from_value(ans.body).unwrap();
                for (k, sc) in page.changes.iter().enumerate() {
                    assert_eq!(sc.seq, cursor + 1 + k as u64, "a gap or a repeat in seq");
                    assert!(ids.insert(sc.change.id), "a change seen twice");
                }
                cursor = page.next_seq;
                tokio::task::yield_now().await;
            }
            cursor
        }));
    }
    for p in pushers {
        p.await.unwrap();
    }
    for p in pullers {
        assert_eq!(p.await.unwrap(), total as u64);
    }
    for node in nodes.iter() {
        assert_eq!(node.store.last_seq().await.unwrap(), total as u64);
    }
    assert_eq!(nodes[0].store_dump().await, nodes[1].store_dump().await);
}

/// Devices on both nodes edit and delete the same few records at the same time. Whatever order the
/// pushes ran in, the merged state each node holds must be the log replayed in sequence order: an
/// edit merged against a stale read of the record (two nodes merging at once) would leave a state
/// no order of the log produces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_of_the_same_records_on_two_nodes_equal_the_log_replayed() {
    let Some(nodes) = two_nodes().await else {
        return;
    };
    let records: Arc<Vec<uuid::Uuid>> = Arc::new((0..3).map(|_| v7()).collect());
    let mut tasks = Vec::new();
    for p in 0..4usize {
        let nodes = Arc::clone(&nodes);
        let records = Arc::clone(&records);
        let mut dev = nodes[p % 2].device().await;
        tasks.push(tokio::spawn(async move {
            for b in 0..15usize {
                let now = nodes[0].now_ms();
                let batch: Vec<Change> = (0..4usize)
                    .map(|i| {
                        let rec = records[(b + i + p) % records.len()];
                        if (b * 4 + i + p) % 13 == 0 {
                            Change {
                                id: v7(),
                                entity: "households".into(),
                                record_id: rec,
                                op: Op::Delete,
                                hlc: dev.clock.send(now),
                                device_id: dev.id,
                            }
                        } else {
                            let fields = if i % 2 == 0 {
                                json!({"head_name": format!("{p}-{b}-{i}"), "crisis_level": 1 + i})
                            } else {
                                json!({"phone": format!("010-{p}{b:02}{i}")})
                            };
                            upsert(&mut dev, now, rec, fields)
                        }
                    })
                    .collect();
                let a = nodes[(p + b) % 2].push(&dev, &batch).await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.body);
                assert_eq!(a.body["accepted"].as_array().unwrap().len(), batch.len());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let reader = nodes[1].device().await;
    let page: PullResponse =
        serde_json::from_value(nodes[1].pull(&reader, 0, 5000).await.body).unwrap();
    assert_eq!(page.changes.len(), 4 * 15 * 4);
    let mut replayed = Replica::new();
    for sc in &page.changes {
        replayed.apply(&sc.change).unwrap();
    }
    let want = replayed.canonical_dump();
    assert!(want.contains("households"), "{want}");
    assert_eq!(
        nodes[0].store_dump().await,
        want,
        "node 0 ≠ the log replayed"
    );
    assert_eq!(
        nodes[1].store_dump().await,
        want,
        "node 1 ≠ the log replayed"
    );
}

/// A device whose push timed out retries; the load balancer sends the retry to the other node
/// while the first is still working on it. Whichever commits first stores the batch; the other
/// answers "duplicate" for every change. Nothing is stored twice and no number is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_push_on_both_nodes_at_once_is_stored_once() {
    let Some(nodes) = two_nodes().await else {
        return;
    };
    let mut dev = nodes[0].device().await;
    let rounds = 12;
    let mut stored = 0u64;
    for _ in 0..rounds {
        let now = nodes[0].now_ms();
        let batch: Vec<_> = (0..8)
            .map(|i| upsert(&mut dev, now, v7(), json!({"crisis_level": 1 + i % 5})))
            .collect();
        let (a, b) = tokio::join!(nodes[0].push(&dev, &batch), nodes[1].push(&dev, &batch));
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(b.status, StatusCode::OK, "{}", b.body);
        let ids: Vec<_> = batch.iter().map(|c| json!(c.id)).collect();
        let (won, lost) = if a.body["accepted"].as_array().unwrap().is_empty() {
            (b, a)
        } else {
            (a, b)
        };
        assert_eq!(won.body["accepted"], json!(ids));
        assert_eq!(lost.body["accepted"], json!([]));
        assert_eq!(lost.body["duplicates"], json!(ids));
        stored += 8;
        assert_eq!(won.body["server_seq"], json!(stored));
        assert_eq!(lost.body["server_seq"], json!(stored));
    }
    // Read by another phone (a phone is never sent its own changes).
    let reader = nodes[1].device().await;
    let page: PullResponse =
        serde_json::from_value(nodes[1].pull(&reader, 0, 1000).await.body).unwrap();
    let seqs: Vec<u64> = page.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=stored).collect::<Vec<_>>());
    let unique: HashSet<_> = page.changes.iter().map(|c| c.change.id).collect();
    assert_eq!(unique.len() as u64, stored);
}

/// Two phones type the same enrolment code at the same moment, each reaching another node: exactly
/// one gets a device credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_code_raced_on_both_nodes_works_once() {
    let Some(nodes) = two_nodes().await else {
        return;
    };
    for _ in 0..5 {
        let user = nodes[0].make_user(Role::CaseManager).await;
        let code = nodes[0].enrolment_code(user).await;
        let body = json!({"code": code});
        let (a, b) = tokio::join!(
            nodes[0].post("/v1/enrol", None, &body),
            nodes[1].post("/v1/enrol", None, &body)
        );
        let ok = [&a, &b]
            .iter()
            .filter(|x| x.status == StatusCode::OK)
            .count();
        assert_eq!(ok, 1, "{} / {}", a.body, b.body);
        let refused = if a.status == StatusCode::OK { &b } else { &a };
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused.code(), "enrolment_code_invalid");
    }
}
