//! Scope-index checkpoints (docs/sync.md, "Costs"), on both stores: a node saves its index in the
//! database every so many changes, and a node started later restores it and reads only the log
//! after it — and answers pulls and judges pushes exactly as the node that read the whole log. A
//! checkpoint that does not decode is ignored: the log is the truth.

use donghaeng_core::model::Role;
use donghaeng_core::sync::{Change, SkewPolicy};
use donghaeng_sync_server::scope::checkpoint;
use donghaeng_sync_server::state::ServerConfig;
use donghaeng_sync_server::store::ChangeStore;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use uuid::Uuid;

use crate::common::{scoped_config, upsert, v7, Backend, TestDevice, TestServer};

fn every(n: u64) -> ServerConfig {
    ServerConfig {
        scope_checkpoint_every: n,
        ..scoped_config()
    }
}

/// `n` households of `dong` and a visit of each, pushed by `dev`.
async fn households(srv: &TestServer, dev: &mut TestDevice, dong: Uuid, n: usize) -> Vec<Uuid> {
    let now = srv.now_ms();
    let ids: Vec<Uuid> = (0..n).map(|_| v7()).collect();
    let mut changes: Vec<Change> = Vec::new();
    for h in &ids {
        changes.push(upsert(
            dev,
            now,
            *h,
            json!({"dong_id": dong, "head_name": "홍길동", "address": "성북로 1"}),
        ));
    }
    for batch in changes.chunks(100) {
        let a = srv.push(dev, batch).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    ids
}

/// The households among pulled changes.
fn households_in(changes: &[Value]) -> Vec<Uuid> {
    changes
        .iter()
        .filter(|c| c["change"]["entity"] == "households")
        .map(|c| c["change"]["record_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Every change a device pulls from the start, as JSON.
async fn pull_all(srv: &TestServer, dev: &TestDevice) -> Vec<Value> {
    let (mut all, mut cursor) = (Vec::new(), 0);
    for _ in 0..1_000 {
        let a = srv.pull(dev, cursor, 100).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        all.extend(a.body["changes"].as_array().unwrap().iter().cloned());
        cursor = a.body["next_seq"].as_u64().unwrap();
        if !a.body["has_more"].as_bool().unwrap() {
            return all;
        }
    }
    panic!("the pull does not end");
}

async fn a_later_node_starts_from_the_checkpoint_and_answers_as_the_first(backend: Backend) {
    let Some(first) = TestServer::on_with(backend, every(50), SkewPolicy::default()).await else {
        return;
    };
    let (dong_a, nurse_a) = first.make_published_user(Role::VisitingNurse).await;
    let (_dong_b, nurse_b) = first.make_published_user(Role::VisitingNurse).await;
    let mut a1 = first.device_for(nurse_a.id).await;
    let a2 = first.device_for(nurse_a.id).await;
    let mut b1 = first.device_for(nurse_b.id).await;
    let mine = households(&first, &mut a1, dong_a, 80).await;
    let seen_by_first = pull_all(&first, &a2).await;
    assert_eq!(households_in(&seen_by_first), mine);

    let (seq, _) = first
        .store
        .load_checkpoint(checkpoint::kind())
        .await
        .unwrap()
        .expect("the first node saved a checkpoint after 50 changes");
    assert!(seq >= 50, "checkpoint at {seq}");
    assert_eq!(first.state.scope_checkpointed.load(Ordering::SeqCst), seq);

    // Changes after the checkpoint: the later node reads them from the log.
    let more = households(&first, &mut a1, dong_a, 3).await;
    let later = first.another_node(every(0)).await;
    let seen_by_later = pull_all(&later, &a2).await;
    assert_eq!(
        later.state.scope_checkpointed.load(Ordering::SeqCst),
        seq,
        "the later node started from the checkpoint"
    );
    let log_end = later.store.last_seq().await.unwrap();
    assert_eq!(later.state.scope.read().await.last_seq(), log_end);
    assert_eq!(
        households_in(&seen_by_later),
        [&mine[..], &more[..]].concat()
    );
    assert_eq!(seen_by_later[..seen_by_first.len()], seen_by_first[..]);

    // It knows where each household is: another 동's phone may not take one (a forged push).
    let forged = upsert(
        &mut b1,
        later.now_ms(),
        mine[0],
        json!({"head_name": "김철수"}),
    );
    let a = later.push(&b1, &[forged]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert_eq!(a.code(), "out_of_scope");
    let moved = upsert(&mut b1, later.now_ms(), more[0], json!({"dong_id": v7()}));
    assert_eq!(
        later.push(&b1, &[moved]).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor does the other 동's phone receive this 동's households.
    assert!(households_in(&pull_all(&later, &b1).await).is_empty());
}

async fn a_checkpoint_that_does_not_decode_is_ignored(backend: Backend) {
    let Some(first) = TestServer::on_with(backend, every(0), SkewPolicy::default()).await else {
        return;
    };
    let (dong_a, nurse_a) = first.make_published_user(Role::VisitingNurse).await;
    let mut a1 = first.device_for(nurse_a.id).await;
    let a2 = first.device_for(nurse_a.id).await;
    let mine = households(&first, &mut a1, dong_a, 10).await;
    let end = first.store.last_seq().await.unwrap();
    first
        .store
        .save_checkpoint(checkpoint::kind(), end, vec![0xff; 64])
        .await
        .unwrap();
    let later = first.another_node(every(0)).await;
    assert_eq!(households_in(&pull_all(&later, &a2).await), mine);
    assert_eq!(later.state.scope_checkpointed.load(Ordering::SeqCst), 0);
    assert_eq!(later.state.scope.read().await.last_seq(), end);
}

crate::on_both_stores!(
    a_later_node_starts_from_the_checkpoint_and_answers_as_the_first,
    a_checkpoint_that_does_not_decode_is_ignored,
);
