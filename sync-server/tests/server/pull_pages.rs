//! Pull pages bounded in bytes (docs/sync.md, "Pull pages"), on both stores: a log of large and
//! small changes is read whole, page by page, with every page equal to the reference's
//! (`MemoryServer` with the same budget) and none over the budget unless it holds one change; a
//! backfill larger than a page continues over later pages (protocol 2's resume point) without loss,
//! and a version-1 device still gets everything.

use std::collections::{BTreeMap, BTreeSet};

use donghaeng_core::model::Role;
use donghaeng_core::sync::validate::{encoded_len, PageBudget, MAX_CHANGE_BYTES};
use donghaeng_core::sync::{
    Change, MemoryServer, Op, PullRequest, PullResponse, PullResume, SkewPolicy,
};
use donghaeng_sync_server::scope::publish;
use donghaeng_sync_server::store::{AuthStore, ChangeStore};
use donghaeng_sync_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{self, upsert, v7, Backend, TestDevice, TestServer};

/// A deterministic mix of sizes: mostly small, some large (up to the ~48 KB three text fields of a
/// household hold).
fn sizes(n: usize) -> Vec<usize> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 4 {
                0 => 30_000 + (x as usize >> 8) % 17_000,
                1 => 5_000 + (x as usize >> 8) % 10_000,
                _ => (x as usize >> 8) % 300,
            }
        })
        .collect()
}

/// A household edit of about `bytes` bytes (in up to three text fields of ≤ 15,900 bytes; the code
/// fields hold codes only).
fn sized_change(dev: &mut TestDevice, now: i64, bytes: usize) -> Change {
    let mut fields = serde_json::Map::new();
    let mut left = bytes;
    for name in ["head_name", "address", "phone"] {
        let n = left.min(15_900);
        fields.insert(name.into(), json!("가".repeat(n / 3 + 1)));
        left -= n;
        if left == 0 {
            break;
        }
    }
    let c = upsert(dev, now, v7(), Value::Object(fields));
    assert!(encoded_len(&c) <= MAX_CHANGE_BYTES);
    c
}

/// Pushes `changes` in batches, each accepted whole, and mirrors them into `mem`.
async fn push_all(srv: &TestServer, dev: &TestDevice, mem: &mut MemoryServer, changes: &[Change]) {
    for batch in changes.chunks(40) {
        let a = srv.push(dev, batch).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body["accepted"].as_array().unwrap().len(), batch.len());
        let req = donghaeng_core::sync::PushRequest {
            protocol_version: donghaeng_core::sync::ProtocolVersion::CURRENT,
            device_id: dev.id,
            changes: batch.to_vec(),
        };
        mem.push(&req, srv.now_ms()).unwrap();
    }
}

fn page_cost(page: &PullResponse) -> usize {
    page.changes
        .iter()
        .map(|c| PageBudget::cost(encoded_len(&c.change)))
        .sum()
}

async fn every_page_is_the_references_and_within_the_byte_budget(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut dev = srv.device().await;
    let now = srv.now_ms();
    let log: Vec<Change> = sizes(150)
        .into_iter()
        .map(|n| sized_change(&mut dev, now, n))
        .collect();
    let mut mem = MemoryServer::new(SkewPolicy::default());
    push_all(&srv, &dev, &mut mem, &log).await;
    let want: Vec<Uuid> = log.iter().map(|c| c.id).collect();
    for (limit, budget) in [
        (5_000, 4 * 1024 * 1024),
        (5_000, 100_000),
        (7, 30_000),
        (1_000, 1),
        (3, 64 * 1024),
    ] {
        let mem = mem.clone().with_page_bytes(budget);
        let mut cursor = 0;
        let mut got = Vec::new();
        loop {
            let req = PullRequest::new(cursor, limit);
            let page = srv.store.pull_page(req, budget, now).await.unwrap();
            assert_eq!(
                page,
                mem.pull(&req, now).unwrap(),
                "limit {limit}, budget {budget}"
            );
            assert!(page.changes.len() <= limit as usize);
            assert!(
                page.changes.len() <= 1 || page_cost(&page) <= budget,
                "a page of {} changes is {} bytes, over {budget}",
                page.changes.len(),
                page_cost(&page)
            );
            assert!(page.resume.is_none(), "the store never sets a resume point");
            got.extend(page.changes.iter().map(|c| c.change.id));
            assert!(page.next_seq > cursor || !page.has_more);
            cursor = page.next_seq;
            if !page.has_more {
                break;
            }
        }
        assert_eq!(
            got, want,
            "limit {limit}, budget {budget}: every change once, in order"
        );
    }

    // Over HTTP, the page's JSON itself stays within the budget plus its envelope.
    let budget = 100_000;
    let Some(srv2) = TestServer::on_with(
        backend,
        ServerConfig {
            pull_page_bytes: budget,
            ..common::protocol_config()
        },
        SkewPolicy::default(),
    )
    .await
    else {
        return;
    };
    let mut dev2m = srv2.device().await;
    let mut mem2 = MemoryServer::new(SkewPolicy::default());
    let log2: Vec<Change> = sizes(60)
        .into_iter()
        .map(|n| sized_change(&mut dev2m, now, n))
        .collect();
    push_all(&srv2, &dev2m, &mut mem2, &log2).await;
    // Read by another phone (the writer is never sent its own changes).
    let reader = srv2.device().await;
    let (mut cursor, mut pages, mut got) = (0, 0, 0);
    loop {
        let resp = srv2
            .client
            .post(format!("{}/v1/pull", srv2.base))
            .bearer_auth(&reader.token)
            .json(&PullRequest::new(cursor, 5_000))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = resp.bytes().await.unwrap();
        let page: PullResponse = serde_json::from_slice(&bytes).unwrap();
        assert!(
            page.changes.len() <= 1 || bytes.len() <= budget + 200,
            "{} bytes on the wire",
            bytes.len()
        );
        got += page.changes.len();
        pages += 1;
        cursor = page.next_seq;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(got, log2.len());
    assert!(pages > 3, "the budget made several pages: {pages}");
}

/// A planner's household with a long history, then a volunteer assigned to it: the volunteer's
/// devices receive the history again (backfill). With a page budget far below the history, a
/// version-2 device gets it over several pages, resuming inside the backfill, each page within the
/// budget; a version-1 device gets it in one page. Both end with the same records.
async fn a_backfill_larger_than_a_page_resumes_and_an_old_device_still_converges(backend: Backend) {
    let budget = 64 * 1024;
    let Some(srv) = TestServer::on_with(
        backend,
        ServerConfig {
            pull_page_bytes: budget,
            ..common::scoped_config()
        },
        SkewPolicy::default(),
    )
    .await
    else {
        return;
    };
    let now = srv.now_ms();
    let (dong, planner) = srv.make_published_user(Role::WelfarePlanner).await;
    let volunteer = srv
        .store
        .create_user(planner.unit_id, "최봉사".into(), Role::VolunteerBorami)
        .await
        .unwrap();
    publish::user(&srv.store, &volunteer, now).await.unwrap();
    let mut staff = srv.device_for(planner.id).await;
    let fresh = srv.device_for(volunteer.id).await;
    let old = srv.device_for(volunteer.id).await;

    // Both volunteer devices are up to date before the household exists.
    let mut cursors = BTreeMap::new();
    for d in [&fresh, &old] {
        let (c, ..) = pull_all(&srv, d, 0, 2).await;
        cursors.insert(d.id, c);
    }

    let h = v7();
    let visit = v7();
    let mut history = vec![
        upsert(
            &mut staff,
            now,
            h,
            json!({"dong_id": dong.to_string(), "head_name": "김영수", "address": "길음로 1"}),
        ),
        Change {
            entity: "visits".into(),
            record_id: visit,
            ..upsert(
                &mut staff,
                now,
                visit,
                json!({"household_id": h.to_string(), "purpose": "crisis_monitoring"}),
            )
        },
    ];
    // Forty wellness checks with 4,000-character notes: ~480 KB, about eight pages of history.
    for k in 0..40 {
        let mut record: BTreeMap<String, Value> = BTreeMap::new();
        record.insert("household_id".into(), json!(h.to_string()));
        record.insert("visit_id".into(), json!(visit.to_string()));
        record.insert("worker_id".into(), json!(planner.id.to_string()));
        record.insert("checked_at".into(), json!(now + k));
        record.insert("note".into(), json!("식사 잘 하심. ".repeat(400)));
        history.push(Change {
            id: v7(),
            entity: "wellness_checks".into(),
            record_id: v7(),
            op: Op::Append { record },
            hlc: staff.clock.send(now),
            device_id: staff.id,
        });
    }
    for batch in history.chunks(10) {
        let a = srv.push(&staff, batch).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    // The volunteers see none of it yet; then they are assigned to the visit.
    for d in [&fresh, &old] {
        let c = cursors[&d.id];
        let (c, ids, ..) = pull_all(&srv, d, c, 2).await;
        assert!(ids.is_empty(), "not assigned yet: {ids:?}");
        cursors.insert(d.id, c);
    }
    let assign = Change {
        entity: "visit_workers".into(),
        record_id: visit,
        ..upsert(
            &mut staff,
            now,
            visit,
            json!({ volunteer.id.to_string(): true }),
        )
    };
    let a = srv.push(&staff, std::slice::from_ref(&assign)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    let expected: BTreeSet<Uuid> = history.iter().chain([&assign]).map(|c| c.id).collect();
    let (_, new_ids, resumed, _) = pull_all(&srv, &fresh, cursors[&fresh.id], 2).await;
    assert!(
        resumed >= 5,
        "the backfill went over several pages: {resumed} resumed"
    );
    let (_, old_ids, _, oversized) = pull_all(&srv, &old, cursors[&old.id], 1).await;
    assert_eq!(
        oversized, 1,
        "version 1: the change and its backfill in one page"
    );
    let new_set: BTreeSet<Uuid> = new_ids.iter().copied().collect();
    assert_eq!(new_ids.len(), new_set.len(), "nothing sent twice");
    assert_eq!(
        new_set, expected,
        "the version-2 device got the whole history"
    );
    let old_set: BTreeSet<Uuid> = old_ids.iter().copied().collect();
    assert_eq!(
        old_set, expected,
        "the version-1 device got the whole history"
    );
}

/// Pulls every page after `cursor` over HTTP speaking `version`, sending back each page's resume
/// point (version 2); checks each page against the budget and the progress rule. Returns the final
/// cursor, the ids received in order, and how many pages carried a resume point / were over the
/// budget with more than one change.
async fn pull_all(
    srv: &TestServer,
    dev: &TestDevice,
    mut cursor: u64,
    version: u32,
) -> (u64, Vec<Uuid>, usize, usize) {
    let budget = srv.state.config.pull_page_bytes;
    let mut resume: Option<PullResume> = None;
    let mut ids = Vec::new();
    let mut resumed = 0;
    let mut oversized = 0;
    for _ in 0..200 {
        let mut body = json!({"protocol_version": version, "after_seq": cursor, "limit": 5000});
        if let Some(r) = resume {
            body["resume"] = serde_json::to_value(r).unwrap();
        }
        let a = srv.post("/v1/pull", Some(&dev.token), &body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        if version == 1 {
            assert!(a.body.get("resume").is_none(), "never sent to version 1");
        }
        let page: PullResponse = serde_json::from_value(a.body).unwrap();
        if page.changes.len() > 1 && page_cost(&page) > budget {
            oversized += 1;
        }
        let advanced = page.next_seq > cursor || page.resume > resume;
        assert!(advanced || !page.has_more, "no progress at {cursor}");
        if let Some(r) = page.resume {
            resumed += 1;
            assert_eq!(r.seq, page.next_seq + 1);
        }
        ids.extend(page.changes.iter().map(|c| c.change.id));
        if page.next_seq > cursor {
            resume = page.resume;
        } else {
            resume = resume.max(page.resume);
        }
        cursor = cursor.max(page.next_seq);
        if !page.has_more {
            if version == 2 {
                assert_eq!(oversized, 0, "no version-2 page over the budget");
            }
            return (cursor, ids, resumed, oversized);
        }
    }
    panic!("the pull never ended");
}

crate::on_both_stores!(
    every_page_is_the_references_and_within_the_byte_budget,
    a_backfill_larger_than_a_page_resumes_and_an_old_device_still_converges,
);
