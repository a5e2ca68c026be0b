//! The scope index's own file (docs/sync.md, "Costs"), on both stores: a node restarted on its file
//! starts at the position it saved and reads only the log after it — and answers pulls and judges
//! pushes exactly as before. A file ahead of the log (another database, or one restored from an
//! older backup) or made under other index rules is read again from the log: the log is the truth.

use donghaeng_core::model::Role;
use donghaeng_core::sync::{Change, SkewPolicy};
use donghaeng_sync_server::store::ChangeStore;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{scoped_config, upsert, v7, Backend, TestDevice, TestServer};

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

async fn a_node_restarted_on_its_file_reads_only_the_log_after_it(backend: Backend) {
    let Some(first) = TestServer::on_with(backend, scoped_config(), SkewPolicy::default()).await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.scope-index");
    let (dong_a, nurse_a) = first.make_published_user(Role::VisitingNurse).await;
    let (_dong_b, nurse_b) = first.make_published_user(Role::VisitingNurse).await;
    let mut a1 = first.device_for(nurse_a.id).await;
    let a2 = first.device_for(nurse_a.id).await;
    let mut b1 = first.device_for(nurse_b.id).await;

    let node = first.another_node_on_index(scoped_config(), &file).await;
    let mine = households(&node, &mut a1, dong_a, 80).await;
    let seen_before = pull_all(&node, &a2).await;
    assert_eq!(households_in(&seen_before), mine);
    let saved = node.state.scope.read().await.last_seq();
    assert_eq!(saved, first.store.last_seq().await.unwrap());
    node.shut_down().await;

    // Changes while it is down: the restarted node reads them from the log, and only them.
    let more = households(&first, &mut a1, dong_a, 3).await;
    let restarted = first.another_node_on_index(scoped_config(), &file).await;
    assert_eq!(
        restarted.state.scope.read().await.last_seq(),
        saved,
        "the restarted node opened its file at the saved position"
    );
    let seen_after = pull_all(&restarted, &a2).await;
    let log_end = first.store.last_seq().await.unwrap();
    assert_eq!(restarted.state.scope.read().await.last_seq(), log_end);
    assert_eq!(households_in(&seen_after), [&mine[..], &more[..]].concat());
    assert_eq!(seen_after[..seen_before.len()], seen_before[..]);

    // It knows where each household is: another 동's phone may not take one (a forged push).
    let forged = upsert(
        &mut b1,
        restarted.now_ms(),
        mine[0],
        json!({"head_name": "김철수"}),
    );
    let a = restarted.push(&b1, &[forged]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert_eq!(a.code(), "out_of_scope");
    let moved = upsert(
        &mut b1,
        restarted.now_ms(),
        more[0],
        json!({"dong_id": v7()}),
    );
    assert_eq!(
        restarted.push(&b1, &[moved]).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor does the other 동's phone receive this 동's households.
    assert!(households_in(&pull_all(&restarted, &b1).await).is_empty());
}

async fn a_file_of_another_log_or_of_other_rules_is_read_again(backend: Backend) {
    let Some(first) = TestServer::on_with(backend, scoped_config(), SkewPolicy::default()).await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.scope-index");
    let (dong_a, nurse_a) = first.make_published_user(Role::VisitingNurse).await;
    let mut a1 = first.device_for(nurse_a.id).await;
    let a2 = first.device_for(nurse_a.id).await;
    let node = first.another_node_on_index(scoped_config(), &file).await;
    let theirs = households(&node, &mut a1, dong_a, 30).await;
    assert_eq!(households_in(&pull_all(&node, &a2).await), theirs);
    let saved = node.state.scope.read().await.last_seq();
    node.shut_down().await;

    // Another database with a shorter log: the change the file read last is not in it, so the
    // file is read again, and the first database's households are not this one's.
    let Some(other) = TestServer::on_with(backend, scoped_config(), SkewPolicy::default()).await
    else {
        return;
    };
    let (dong_c, nurse_c) = other.make_published_user(Role::VisitingNurse).await;
    let mut c1 = other.device_for(nurse_c.id).await;
    let c2 = other.device_for(nurse_c.id).await;
    let ours = households(&other, &mut c1, dong_c, 2).await;
    let end = other.store.last_seq().await.unwrap();
    assert!(
        end < saved,
        "the file ({saved}) is ahead of this log ({end})"
    );
    let on_old_file = other.another_node_on_index(scoped_config(), &file).await;
    assert_eq!(households_in(&pull_all(&on_old_file, &c2).await), ours);
    assert_eq!(on_old_file.state.scope.read().await.last_seq(), end);
    assert!(theirs.iter().all(|h| !ours.contains(h)));
    on_old_file.shut_down().await;

    // The file now holds the other log, at a position the first log has too, but under another
    // change: a node of the first database on it reads its own log again.
    let back = first.another_node_on_index(scoped_config(), &file).await;
    assert_eq!(households_in(&pull_all(&back, &a2).await), theirs);
    assert_eq!(back.state.scope.read().await.last_seq(), saved);
    back.shut_down().await;

    // A file made under other rules (its fingerprint differs) starts empty and reads the log.
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute("UPDATE meta SET value = 1 WHERE key = 'fingerprint'", [])
        .unwrap();
    drop(conn);
    let on_foreign_file = other.another_node_on_index(scoped_config(), &file).await;
    assert_eq!(on_foreign_file.state.scope.read().await.last_seq(), 0);
    assert_eq!(households_in(&pull_all(&on_foreign_file, &c2).await), ours);
    assert_eq!(on_foreign_file.state.scope.read().await.last_seq(), end);
}

crate::on_both_stores!(
    a_node_restarted_on_its_file_reads_only_the_log_after_it,
    a_file_of_another_log_or_of_other_rules_is_read_again,
);
