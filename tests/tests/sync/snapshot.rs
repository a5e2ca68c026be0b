//! Snapshot initial sync (docs/sync.md "Snapshot") over a real server process and real phones: a
//! phone that took a snapshot holds exactly what a phone that read the whole feed holds — for staff
//! and for a volunteer, whose fields are limited — and goes on converging through the feed; a
//! snapshot cut by a lossy network and a killed server, while colleagues keep writing, converges;
//! a snapshot begun by an older app (records by entity name) is finished in its own order.

use std::path::Path;
use std::thread;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use donghaeng_core::model::*;
use donghaeng_core::store::households::HouseholdUpdate;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::sync::device::{Routes, SyncClient};
use donghaeng_core::sync::snapshot::SnapshotOrder;
use donghaeng_core::sync::{SnapshotRequest, SnapshotResponse};
use donghaeng_e2e::proxy::{FaultProxy, Faults};
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;
use uuid::Uuid;

use crate::harness::{admin, household, settle, user, without_audit, Device, Org, ServerProcess};

/// A phone of `user` (a fresh enrolment code), reading the feed from the start when `feed_only`.
fn phone(dir: &Path, name: &str, url: &str, db: &Path, user: Uuid, feed_only: bool) -> Device {
    let code = admin(db, &["issue-enrolment-code", "--user", &user.to_string()])["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut d = Device::enrol(dir.join(format!("{name}.db")), None, url, &code, url);
    if feed_only {
        d.client = SyncClient::new(Routes::new(url, d.client.bearer_token()))
            .unwrap()
            .with_batches(40, 60)
            .without_snapshot();
    }
    d
}

/// A visit through its life cycle (planned with two workers, started, completed) and its check.
fn visited(d: &Device, h: Uuid, pair: [Uuid; 2]) -> Uuid {
    let start = Utc::now() - chrono::Duration::hours(3);
    let v = d
        .store
        .visits()
        .plan(NewVisit {
            household_id: h,
            purpose: VisitPurpose::WellnessCheck,
            contact_mode: ContactMode::Home,
            window_start: start,
            window_end: start + chrono::Duration::hours(2),
            required_roles: vec![],
            assigned: if pair[0] == pair[1] {
                vec![pair[0]]
            } else {
                pair.to_vec()
            },
            note: None,
        })
        .unwrap();
    d.store.visits().start(v.id, start).unwrap();
    d.store
        .visits()
        .complete(
            v.id,
            start + chrono::Duration::minutes(30),
            VisitOutcome::Met,
            None,
        )
        .unwrap();
    d.store
        .wellness()
        .record(NewWellnessCheck {
            household_id: h,
            visit_id: Some(v.id),
            worker_id: pair[0],
            checked_at: start + chrono::Duration::minutes(20),
            contact_mode: ContactMode::Home,
            checklist: WellnessChecklist::all_good(),
            note: Some("식사 잘 하심".into()),
            corrects: None,
        })
        .unwrap();
    v.id
}

fn dump(d: &Device) -> String {
    without_audit(&d.store.sync_dump().unwrap())
}

#[test]
fn a_snapshot_phone_holds_what_a_feed_phone_holds_for_staff_and_for_a_volunteer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let url = server.url();
    let org = Org::create(&db);
    let (planner_id, _) = user(&db, org.team, "welfare_planner");
    let (vol_id, _) = user(&db, org.team, "volunteer_neighborhood_care");
    let planner = phone(dir.path(), "planner", &url, &db, planner_id, false);
    planner.sync_until_ok(3);

    // A season of the planner's work: random repository writes (creates, edits, deletes, life
    // cycles), and households visited with the volunteer.
    let mut rng = Rng::new(11);
    for _ in 0..400 {
        let _ = workload::step(&planner.store, rng.byte(), rng.byte(), rng.byte());
    }
    // The random writes may have set either worker inactive; the visits below need both.
    for w in [planner_id, vol_id] {
        planner.store.workers().set_active(w, true).unwrap();
    }
    let shared: Vec<Uuid> = (0..3)
        .map(|i| household(&planner, org.dong, &format!("공유{i}")))
        .collect();
    for h in &shared {
        visited(&planner, *h, [planner_id, vol_id]);
    }
    // Case work on a shared household: staff only.
    planner
        .store
        .cases()
        .open(
            shared[0],
            planner_id,
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        )
        .unwrap();
    planner.sync_until_ok(3);
    // Corrections after the fact: the feed holds the history, the snapshot only the outcome.
    for h in &shared[..2] {
        planner
            .store
            .households()
            .update(
                *h,
                HouseholdUpdate {
                    crisis_level: Some(5),
                    phone: Some(Some("010-9999-0000".into())),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    planner.sync_until_ok(3);

    // Another 동's nurse and her household: neither path may bring it to this 동's phones.
    let (dong_b, team_b) = Org::dong_with_team(&db, org.district, "역삼2동");
    let (nurse_id, _) = user(&db, team_b, "visiting_nurse");
    let nurse = phone(dir.path(), "nurse", &url, &db, nurse_id, false);
    nurse.sync_until_ok(3);
    let other = household(&nurse, dong_b, "다른동");
    visited(&nurse, other, [nurse_id, nurse_id]);
    nurse.sync_until_ok(3);

    let (staff_id, _) = user(&db, org.team, "welfare_planner");
    let pairs = [(staff_id, "staff"), (vol_id, "volunteer")];
    for (who, name) in pairs {
        let snap = phone(dir.path(), &format!("{name}-snap"), &url, &db, who, false);
        let feed = phone(dir.path(), &format!("{name}-feed"), &url, &db, who, true);
        let took = snap.sync_until_ok(3);
        let read = feed.sync_until_ok(3);
        assert!(took.snapshot_records > 0, "{name}: no snapshot taken");
        assert_eq!(
            read.snapshot_records, 0,
            "{name}: the feed phone took a snapshot"
        );
        assert!(
            took.pulled < read.pulled,
            "{name}: the snapshot phone read {} feed changes, the feed phone {}",
            took.pulled,
            read.pulled
        );
        assert_eq!(dump(&snap), dump(&feed), "{name}: the two paths disagree");
        assert!(snap.store.sync_mismatches().unwrap().is_empty());
        assert!(
            !dump(&snap).contains(&other.to_string()),
            "{name} holds another 동's household"
        );
        let cases = dump(&snap).contains(r#""entity":"cases""#);
        if name == "volunteer" {
            // Only the households she visits, and none of their case work.
            for h in &shared {
                assert!(dump(&snap).contains(&h.to_string()));
            }
            assert!(!cases, "a volunteer got case work");
            assert!(dump(&snap).lines().count() < dump(&planner).lines().count());
        } else {
            assert!(cases);
            assert!(dump(&snap).contains("010-9999-0000"));
        }
        // Both go on through the feed alike.
        planner
            .store
            .households()
            .update(
                shared[2],
                HouseholdUpdate {
                    head_name: Some(format!("고친이름-{name}")),
                    ..Default::default()
                },
            )
            .unwrap();
        visited(&planner, shared[2], [planner_id, vol_id]);
        planner.sync_until_ok(3);
        snap.sync_until_ok(3);
        feed.sync_until_ok(3);
        assert_eq!(dump(&snap), dump(&feed), "{name}: apart after the snapshot");
        assert!(dump(&snap).contains(&format!("고친이름-{name}")));
    }
}

#[test]
fn a_snapshot_cut_by_faults_and_a_server_kill_while_colleagues_write_converges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let mut server = ServerProcess::start(&db);
    let org = Org::create(&db);
    let proxy = FaultProxy::start(server.addr, Faults::NONE, 3).unwrap();
    let writer = Device::enrol(
        dir.path().join("writer.db"),
        None,
        &server.url(),
        &org.enrolment_code(&db, "welfare_planner"),
        &proxy.url(),
    );
    writer.sync_until_ok(5);
    let mut rng = Rng::new(5);
    for _ in 0..600 {
        let _ = workload::step(&writer.store, rng.byte(), rng.byte(), rng.byte());
    }
    writer.sync_until_ok(20);

    let fresh = Device::enrol(
        dir.path().join("fresh.db"),
        None,
        &server.url(),
        &org.enrolment_code(&db, "visiting_nurse"),
        &proxy.url(),
    );
    proxy.set_faults(Faults {
        drop_request: 10,
        drop_response: 15,
        duplicate: 10,
        delay: 5,
    });
    let mut cut = 0;
    for round in 0..3u64 {
        // The colleague keeps writing while the new phone takes its snapshot page by page.
        for _ in 0..60 {
            let _ = workload::step(&writer.store, rng.byte(), rng.byte(), rng.byte());
        }
        cut += thread::scope(|s| {
            let first = s.spawn(|| fresh.sync().is_err());
            let other = s.spawn(|| writer.sync().is_err());
            thread::sleep(Duration::from_millis(10 + round * 30));
            server.kill();
            usize::from(first.join().unwrap()) + usize::from(other.join().unwrap())
        });
        server = ServerProcess::start(&db);
        proxy.set_upstream(server.addr);
    }
    proxy.set_faults(Faults::NONE);
    let state = fresh.store.sync_state().unwrap();
    eprintln!(
        "{cut} syncs cut; the new phone's cursor {} (snapshot under way: {})",
        state.cursor,
        state.snapshot.is_some()
    );
    let all = settle(&[writer, fresh], &db);
    assert!(
        all.lines().count() > 100,
        "too little data to mean anything"
    );
}

/// A phone part way through a snapshot when its app is updated: the older app read its pages by
/// entity name (an assignment before its visit); the updated one asks for parents first, but goes
/// on with the progress it holds in the order it began in. Had it resumed in the new order from
/// an assignment, it would never receive the visits (they come before assignments there).
#[test]
fn a_snapshot_begun_by_an_older_app_is_finished_in_its_own_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let url = server.url();
    let org = Org::create(&db);
    let (planner_id, _) = user(&db, org.team, "welfare_planner");
    let (nurse_id, _) = user(&db, org.team, "visiting_nurse");
    let planner = phone(dir.path(), "planner", &url, &db, planner_id, false);
    planner.sync_until_ok(3);
    let homes: Vec<Uuid> = (0..4)
        .map(|i| household(&planner, org.dong, &format!("가구{i}")))
        .collect();
    for h in &homes {
        visited(&planner, *h, [planner_id, nurse_id]);
    }
    planner.sync_until_ok(3);

    let (staff_id, _) = user(&db, org.team, "welfare_planner");
    let snap = phone(dir.path(), "snap", &url, &db, staff_id, false);
    let feed = phone(dir.path(), "feed", &url, &db, staff_id, true);
    // The older app: pages by name (it names no order), applied until one ends on an assignment.
    let http = reqwest::blocking::Client::new();
    let token = snap.client.bearer_token().unwrap();
    let mut req = SnapshotRequest {
        order: SnapshotOrder::ByName,
        ..SnapshotRequest::first(3)
    };
    assert!(!serde_json::to_string(&req).unwrap().contains("order"));
    loop {
        let body = http
            .post(format!("{url}/v1/snapshot"))
            .bearer_auth(&token)
            .json(&req)
            .send()
            .unwrap()
            .text()
            .unwrap();
        // The page an older app reads: no field it does not know.
        assert!(!body.contains("\"order\""), "{body}");
        let page: SnapshotResponse = serde_json::from_str(&body).unwrap();
        assert!(page.has_more, "the snapshot ended before any assignment");
        snap.store.apply_snapshot(&page).unwrap();
        req.after = page.after.clone();
        req.feed_from = Some(page.feed_from);
        if page.after.as_ref().unwrap().entity == "visit_workers" {
            break;
        }
    }
    let held = snap.store.sync_state().unwrap().snapshot.unwrap();
    assert_eq!(held.order, SnapshotOrder::ByName);
    assert_eq!(held.after.unwrap().entity, "visit_workers");
    let visits_held = |d: &Device| {
        d.store
            .read(|tx| Ok(tx.query_row("SELECT count(*) FROM visits", [], |r| r.get::<_, i64>(0))?))
            .unwrap()
    };
    assert_eq!(
        visits_held(&snap),
        0,
        "by name, visits come after assignments"
    );

    // The updated app finishes it.
    let took = snap.sync_until_ok(3);
    assert!(took.snapshot_records > 0);
    assert!(snap.store.sync_state().unwrap().snapshot.is_none());
    feed.sync_until_ok(3);
    assert_eq!(visits_held(&snap), homes.len() as i64);
    assert_eq!(
        dump(&snap),
        dump(&feed),
        "the resumed snapshot lost records"
    );
    assert!(snap.store.sync_mismatches().unwrap().is_empty());
}
