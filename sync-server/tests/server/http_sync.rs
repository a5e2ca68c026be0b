//! Push and pull over HTTP against a real server on loopback, each test on SQLite and again on
//! PostgreSQL (a fresh database each): round trip, idempotent re-push, a reused change id, paging,
//! the skew limit, stored state equal to the in-memory reference, concurrent pushes in order.

use crate::common;

use common::{upsert, v7, Backend, TestServer};
use donghaeng_core::sync::{MemoryServer, PullResponse, PushRequest, PushResponse, SkewPolicy};
use reqwest::StatusCode;
use serde_json::json;

async fn push_then_pull_round_trips_changes_with_sequence_numbers(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut a = srv.device().await;
    let b = srv.device().await;
    let hh = v7();
    let now = srv.now_ms();
    let c1 = upsert(
        &mut a,
        now,
        hh,
        json!({"head_name": "박순자", "crisis_level": 4}),
    );
    let c2 = upsert(&mut a, now, hh, json!({"crisis_level": 5}));
    let ans = srv.push(&a, &[c1.clone(), c2.clone()]).await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.body);
    let resp: PushResponse = serde_json::from_value(ans.body).unwrap();
    assert_eq!(resp.accepted, vec![c1.id, c2.id]);
    assert!(resp.duplicates.is_empty() && resp.rejected.is_empty());
    assert_eq!(resp.server_seq, 2);

    let ans = srv.pull(&b, 0, 100).await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.body);
    let page: PullResponse = serde_json::from_value(ans.body).unwrap();
    let got: Vec<_> = page
        .changes
        .iter()
        .map(|s| (s.seq, s.change.clone()))
        .collect();
    assert_eq!(got, vec![(1, c1), (2, c2)]);
    assert_eq!(page.next_seq, 2);
    assert!(!page.has_more);
    assert!(page.server_time_ms > 0);

    // The merged state holds the later crisis level.
    let dump = srv.store_dump().await;
    assert!(dump.contains("\"crisis_level\":{\"value\":5"), "{dump}");
}

async fn a_repeated_push_is_a_duplicate_and_stores_nothing_twice(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut a = srv.device().await;
    let now = srv.now_ms();
    let c = upsert(&mut a, now, v7(), json!({"head_name": "이영희"}));
    let first = srv.push(&a, std::slice::from_ref(&c)).await;
    assert_eq!(first.body["accepted"], json!([c.id]));
    let again = srv.push(&a, std::slice::from_ref(&c)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["accepted"], json!([]));
    assert_eq!(again.body["duplicates"], json!([c.id]));
    assert_eq!(again.body["server_seq"], json!(1));
    // Another phone reads it once; the writer never gets its own change back.
    let b = srv.device().await;
    let page = srv.pull(&b, 0, 10).await;
    assert_eq!(page.body["changes"].as_array().unwrap().len(), 1);
    let own = srv.pull(&a, 0, 10).await;
    assert_eq!(own.body["changes"], json!([]));
    assert_eq!(own.body["next_seq"], json!(1));
}

async fn a_change_id_reused_with_other_content_is_rejected_alone(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut a = srv.device().await;
    let now = srv.now_ms();
    let hh = v7();
    let c = upsert(&mut a, now, hh, json!({"head_name": "이영희"}));
    srv.push(&a, std::slice::from_ref(&c)).await;
    let mut forged = c.clone();
    forged.op = upsert(&mut a, now, hh, json!({"head_name": "최철수"})).op;
    let fresh = upsert(&mut a, now, hh, json!({"phone": "010-0000-0000"}));
    let ans = srv.push(&a, &[forged, fresh.clone()]).await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.body);
    assert_eq!(ans.body["rejected"][0]["id"], json!(c.id));
    assert_eq!(ans.body["rejected"][0]["code"], json!("change_id_reused"));
    assert_eq!(ans.body["accepted"], json!([fresh.id]));
    let dump = srv.store_dump().await;
    assert!(
        dump.contains("이영희") && !dump.contains("최철수"),
        "{dump}"
    );
}

async fn pulls_page_by_sequence_number_without_gaps_or_repeats(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut a = srv.device().await;
    let now = srv.now_ms();
    let changes: Vec<_> = (0..23)
        .map(|i| upsert(&mut a, now, v7(), json!({"head_name": format!("가구{i}")})))
        .collect();
    let ans = srv.push(&a, &changes).await;
    assert_eq!(ans.body["server_seq"], json!(23));
    // Read by another phone (the writer is never sent its own changes).
    let a = srv.device().await;
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page: PullResponse =
            serde_json::from_value(srv.pull(&a, cursor, 5).await.body).unwrap();
        pages += 1;
        assert!(page.changes.len() <= 5);
        seen.extend(page.changes.iter().map(|s| (s.seq, s.change.id)));
        cursor = page.next_seq;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(pages, 5);
    let want: Vec<_> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1, c.id))
        .collect();
    assert_eq!(seen, want);
    // Past the end: an empty page keeps the cursor.
    let end: PullResponse = serde_json::from_value(srv.pull(&a, 23, 5).await.body).unwrap();
    assert!(end.changes.is_empty() && !end.has_more);
    assert_eq!(end.next_seq, 23);
}

async fn a_change_stamped_beyond_the_skew_limit_is_refused_with_clock_ahead(backend: Backend) {
    let skew = SkewPolicy {
        max_future_drift_ms: 60_000,
    };
    let Some(srv) = TestServer::on_with(backend, common::protocol_config(), skew).await else {
        return;
    };
    let mut a = srv.device().await;
    let now = srv.now_ms();
    let ok = upsert(&mut a, now + 30_000, v7(), json!({"head_name": "정상"}));
    let ahead = upsert(
        &mut a,
        now + 3 * 24 * 3_600_000,
        v7(),
        json!({"head_name": "미래"}),
    );
    let ans = srv.push(&a, &[ok.clone(), ahead.clone()]).await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.body);
    assert_eq!(ans.body["accepted"], json!([ok.id]));
    let rej = &ans.body["rejected"][0];
    assert_eq!(rej["id"], json!(ahead.id));
    assert_eq!(rej["code"], json!("clock_ahead"));
    assert!(rej["ko"].as_str().unwrap().contains("앞서"));
    assert!(rej["en"].as_str().unwrap().contains("ahead"));
    let dump = srv.store_dump().await;
    assert!(
        !dump.contains("미래"),
        "a refused change must not be merged"
    );
    // A device 3 days behind is merely old: accepted. (A fresh device: `a`'s clock never goes back
    // below the stamp it issued 3 days ahead.)
    let mut c = srv.device().await;
    let behind = upsert(
        &mut c,
        now - 3 * 24 * 3_600_000,
        v7(),
        json!({"head_name": "과거"}),
    );
    let ans = srv.push(&c, std::slice::from_ref(&behind)).await;
    assert_eq!(ans.body["accepted"], json!([behind.id]));
}

async fn stored_state_matches_the_in_memory_reference_for_the_same_pushes(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut a = srv.device().await;
    let mut b = srv.device().await;
    let mut mem = MemoryServer::new(SkewPolicy::default());
    let hh = v7();
    let now = srv.now_ms();
    let batches = vec![
        (
            a.id,
            vec![upsert(
                &mut a,
                now,
                hh,
                json!({"head_name": "A", "phone": "1"}),
            )],
        ),
        (
            b.id,
            vec![upsert(&mut b, now + 5, hh, json!({"head_name": "B"}))],
        ),
        (
            a.id,
            vec![upsert(&mut a, now + 1, hh, json!({"phone": null}))],
        ),
    ];
    for (dev_id, changes) in batches {
        let dev = if dev_id == a.id { &a } else { &b };
        let ans = srv.push(dev, &changes).await;
        let resp: PushResponse = serde_json::from_value(ans.body).unwrap();
        let req = PushRequest {
            protocol_version: 1,
            device_id: dev_id,
            changes,
        };
        let want = mem.push(&req, resp.server_time_ms).unwrap();
        assert_eq!(resp, want);
    }
    assert_eq!(srv.store_dump().await, mem.state().canonical_dump());
}

/// Concurrent pushes from several devices while other devices pull: every page a puller sees starts
/// right after its cursor and has no gap, and in the end each puller saw every change exactly once.
/// A server that made a sequence number visible before a smaller one had committed would make a
/// puller skip that change for ever.
async fn concurrent_pushes_become_visible_in_sequence_order_without_gaps(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let srv = std::sync::Arc::new(srv);
    let mut pushers = Vec::new();
    for _ in 0..4 {
        let srv = std::sync::Arc::clone(&srv);
        let mut dev = srv.device().await;
        pushers.push(tokio::spawn(async move {
            for _ in 0..20 {
                let now = srv.now_ms();
                let batch: Vec<_> = (0..5)
                    .map(|i| upsert(&mut dev, now, v7(), json!({"head_name": format!("{i}")})))
                    .collect();
                let a = srv.push(&dev, &batch).await;
                assert_eq!(a.body["accepted"].as_array().unwrap().len(), 5);
            }
        }));
    }
    let total = 4 * 20 * 5;
    let mut pullers = Vec::new();
    for _ in 0..2 {
        let srv = std::sync::Arc::clone(&srv);
        let dev = srv.device().await;
        pullers.push(tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut ids = std::collections::HashSet::new();
            while ids.len() < total {
                let page: PullResponse =
                    serde_json::from_value(srv.pull(&dev, cursor, 7).await.body).unwrap();
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
}

crate::on_both_stores!(
    push_then_pull_round_trips_changes_with_sequence_numbers,
    a_repeated_push_is_a_duplicate_and_stores_nothing_twice,
    a_change_id_reused_with_other_content_is_rejected_alone,
    pulls_page_by_sequence_number_without_gaps_or_repeats,
    a_change_stamped_beyond_the_skew_limit_is_refused_with_clock_ahead,
    stored_state_matches_the_in_memory_reference_for_the_same_pushes,
    concurrent_pushes_become_visible_in_sequence_order_without_gaps,
);
