//! Feed by scope (docs/sync.md, "Feed by scope"), on both stores: a pull reads its device's share
//! of the log through the feed keys — pages of other 동' changes are never read, so a 동's pull
//! takes as many requests whatever the rest of the city does — and never the device's own changes;
//! a push judged on a log that has moved on is stored only after it is judged again.

use std::collections::BTreeSet;

use donghaeng_core::model::Role;
use donghaeng_core::sync::{
    Change, HybridClock, Op, ProtocolVersion, PullRequest, PullResponse, PushRequest, SkewPolicy,
};
use donghaeng_sync_server::store::{ChangeStore, Feed, KeyedPush, EVERYONE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{scoped_config, upsert, v7, Backend, TestDevice, TestServer};

/// `n` new households in `dong`, pushed by `dev` in batches.
async fn households(srv: &TestServer, dev: &mut TestDevice, dong: Uuid, n: usize) -> Vec<Uuid> {
    let now = srv.now_ms();
    let ids: Vec<Uuid> = (0..n).map(|_| v7()).collect();
    let changes: Vec<Change> = ids
        .iter()
        .map(|h| {
            upsert(
                dev,
                now,
                *h,
                json!({"dong_id": dong, "head_name": "홍길동", "address": "성북로 1"}),
            )
        })
        .collect();
    for batch in changes.chunks(100) {
        let a = srv.push(dev, batch).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    ids
}

/// Pulls from `cursor` to the end with pages of `limit`: every change, the page count, the end.
async fn pull_to_end(srv: &TestServer, dev: &TestDevice, limit: u32) -> (Vec<Value>, usize, u64) {
    let (mut all, mut pages, mut cursor) = (Vec::new(), 0, 0);
    loop {
        let a = srv.pull(dev, cursor, limit).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        pages += 1;
        all.extend(a.body["changes"].as_array().unwrap().iter().cloned());
        cursor = a.body["next_seq"].as_u64().unwrap();
        if !a.body["has_more"].as_bool().unwrap() {
            return (all, pages, cursor);
        }
        assert!(pages < 1_000, "the pull does not end");
    }
}

fn record_ids(changes: &[Value], entity: &str) -> BTreeSet<Uuid> {
    changes
        .iter()
        .filter(|c| c["change"]["entity"] == entity)
        .map(|c| c["change"]["record_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn a_pull_reads_its_share_and_never_its_own_changes(backend: Backend) {
    let Some(srv) = TestServer::on_with(backend, scoped_config(), SkewPolicy::default()).await
    else {
        return;
    };
    let (dong_a, nurse_a) = srv.make_published_user(Role::VisitingNurse).await;
    let (dong_b, nurse_b) = srv.make_published_user(Role::VisitingNurse).await;
    let mut a1 = srv.device_for(nurse_a.id).await;
    let a2 = srv.device_for(nurse_a.id).await;
    let mut b1 = srv.device_for(nurse_b.id).await;

    let mine = households(&srv, &mut a1, dong_a, 5).await;
    // What a2 reads before the rest of the city is busy.
    let (quiet, quiet_pages, _) = pull_to_end(&srv, &a2, 10).await;
    let theirs = households(&srv, &mut b1, dong_b, 300).await;
    let (busy, busy_pages, end) = pull_to_end(&srv, &a2, 10).await;

    assert_eq!(
        record_ids(&busy, "households"),
        mine.iter().copied().collect()
    );
    assert_eq!(
        quiet.len(),
        busy.len(),
        "the other 동's 300 households changed a2's feed"
    );
    assert_eq!(
        quiet_pages, busy_pages,
        "a pull of 동 A takes as many pages whatever 동 B writes"
    );
    assert_eq!(
        end,
        srv.store.last_seq().await.unwrap(),
        "the cursor reaches the log's end"
    );
    assert!(theirs
        .iter()
        .all(|h| !record_ids(&busy, "households").contains(h)));

    // The writer's own changes never come back to it; its colleague's do.
    let (own, _, own_end) = pull_to_end(&srv, &a1, 50).await;
    assert!(
        own.iter().all(|c| c["change"]["device_id"] != json!(a1.id)),
        "a device was sent its own changes"
    );
    assert!(record_ids(&own, "households").is_empty());
    assert_eq!(own_end, end);
    households(&srv, &mut b1, dong_b, 1).await;
    let a = srv.pull(&a1, own_end, 50).await;
    assert_eq!(a.body["changes"], json!([]), "{}", a.body);
    // The new household and its audit entry: a1 reads neither, but its cursor passes them.
    let end = srv.store.last_seq().await.unwrap();
    assert!(end > own_end);
    assert_eq!(a.body["next_seq"].as_u64().unwrap(), end);
}

/// Stores `changes` of `device` under `keys`, one list per change.
async fn push_keyed(srv: &TestServer, device: Uuid, changes: Vec<Change>, keys: Vec<Vec<Uuid>>) {
    let req = PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: device,
        changes,
    };
    let push = KeyedPush {
        req,
        keys,
        attached: Vec::new(),
        judged_at: None,
    };
    let resp = srv.store.push_keyed(push, srv.now_ms()).await.unwrap();
    assert!(resp.rejected.is_empty(), "{resp:?}");
}

fn change(device: Uuid, clock: &mut HybridClock, now: i64) -> Change {
    Change {
        id: v7(),
        entity: "households".into(),
        record_id: v7(),
        op: Op::Upsert {
            fields: [("address".to_owned(), json!("성북로 1"))].into(),
        },
        hlc: clock.send(now),
        device_id: device,
    }
}

async fn the_store_reads_a_feed_by_its_keys(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let now = srv.now_ms();
    let (k1, k2, me, other) = (v7(), v7(), v7(), v7());
    let mut mine = HybridClock::new(me);
    let mut theirs = HybridClock::new(other);
    // seq 1: k1; 2: k2; 3: everyone; 4: nobody; 5: k1 and k2; 6: k1 by `me`.
    let cs: Vec<Change> = (0..5).map(|_| change(other, &mut theirs, now)).collect();
    let ids: Vec<Uuid> = cs.iter().map(|c| c.id).collect();
    push_keyed(
        &srv,
        other,
        cs,
        vec![vec![k1], vec![k2], vec![EVERYONE], vec![], vec![k1, k2]],
    )
    .await;
    let own = change(me, &mut mine, now);
    let own_id = own.id;
    push_keyed(&srv, me, vec![own], vec![vec![k1]]).await;

    let read = |keys: Option<Vec<Uuid>>, except: Option<Uuid>, after: u64, limit: u32| {
        let store = srv.store.clone();
        async move {
            let feed = Feed {
                keys,
                except_device: except,
            };
            store
                .pull_feed(PullRequest::new(after, limit), feed, 4 << 20, now)
                .await
                .unwrap()
        }
    };
    let ids_of =
        |p: &PullResponse| -> Vec<Uuid> { p.changes.iter().map(|c| c.change.id).collect() };
    let p = read(Some(vec![EVERYONE, k1]), None, 0, 100).await;
    assert_eq!(ids_of(&p), vec![ids[0], ids[2], ids[4], own_id]);
    assert_eq!((p.next_seq, p.has_more), (6, false));
    let p = read(Some(vec![EVERYONE, k1]), Some(me), 0, 100).await;
    assert_eq!(ids_of(&p), vec![ids[0], ids[2], ids[4]]);
    assert_eq!(
        p.next_seq, 6,
        "past the last change it reads: to the log's end"
    );
    // A page of two: it stops at its last change, and more follow.
    let p = read(Some(vec![k2, k1]), None, 0, 2).await;
    assert_eq!(ids_of(&p), vec![ids[0], ids[1]]);
    assert_eq!((p.next_seq, p.has_more), (2, true));
    let p = read(Some(vec![k2]), None, 2, 100).await;
    assert_eq!(ids_of(&p), vec![ids[4]]);
    assert_eq!((p.next_seq, p.has_more), (6, false));
    // Nothing under its keys: an empty page that still moves the cursor to the end.
    let p = read(Some(vec![v7()]), None, 0, 100).await;
    assert!(p.changes.is_empty());
    assert_eq!((p.next_seq, p.has_more), (6, false));
    // Without keys, the whole log (the change under no key included), but never `me`'s.
    let p = read(None, Some(me), 0, 100).await;
    assert_eq!(ids_of(&p), ids);
    assert_eq!(p.next_seq, 6);
    // The plain page is the whole log, as the reference's.
    let p = srv.store.pull(PullRequest::new(0, 100), now).await.unwrap();
    assert_eq!(p.changes.len(), 6);
}

async fn a_push_judged_on_an_older_log_is_not_stored(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let now = srv.now_ms();
    let device = v7();
    let mut clock = HybridClock::new(device);
    push_keyed(
        &srv,
        device,
        vec![change(device, &mut clock, now)],
        vec![vec![EVERYONE]],
    )
    .await;
    let before = srv.store.canonical_dump().await.unwrap();
    let late = change(device, &mut clock, now);
    let push = |judged_at| KeyedPush {
        req: PushRequest {
            protocol_version: ProtocolVersion::CURRENT,
            device_id: device,
            changes: vec![late.clone()],
        },
        keys: vec![vec![EVERYONE]],
        attached: Vec::new(),
        judged_at: Some(judged_at),
    };
    let err = srv.store.push_keyed(push(0), now).await.unwrap_err();
    assert_eq!(err.code, "judged_stale");
    assert_eq!(srv.store.last_seq().await.unwrap(), 1);
    assert_eq!(srv.store.canonical_dump().await.unwrap(), before);
    let ok = srv.store.push_keyed(push(1), now).await.unwrap();
    assert_eq!(ok.accepted, vec![late.id]);
    // A key list per change, or nothing is stored.
    let mut bad = push(2);
    bad.keys.clear();
    assert!(srv.store.push_keyed(bad, now).await.is_err());
    assert_eq!(srv.store.last_seq().await.unwrap(), 2);
}

crate::on_both_stores!(
    a_pull_reads_its_share_and_never_its_own_changes,
    the_store_reads_a_feed_by_its_keys,
    a_push_judged_on_an_older_log_is_not_stored,
);
