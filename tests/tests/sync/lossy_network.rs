//! Devices sync through a proxy that drops requests, drops answers after the server committed,
//! sends requests twice and delays them: nothing is lost, nothing duplicated, all converge.

use donghaeng_e2e::proxy::{Counts, FaultProxy, Faults};
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;

use crate::harness::{settle, Device, Org, ServerProcess};

use chrono::{Duration, Utc};
use donghaeng_core::model::{HouseholdTag, Id, Worker};
use donghaeng_core::safety::{
    Actor, Contact, SafetyAssessment, SafetyMonitor, StartRequest, TeamSafetyConfig,
};
use donghaeng_core::store::households::NewHousehold;

/// Starts, checks in and checks out a two-person safety session on `d` (a household of its own, the
/// phone's user and `nurse`, the visiting nurse enrolled in the same round: an earlier round's
/// random writes may have set an older one inactive), recording each event in the store as the
/// phone's user. Returns the session id and its event ids in order.
fn safety_session(d: &Device, nurse: Id, district: Id) -> (Id, Vec<Id>) {
    let store = &d.store;
    let dong = crate::harness::first_id(store, "SELECT id FROM org_units WHERE kind = 'dong'");
    let household = store
        .households()
        .create(NewHousehold {
            dong_id: dong,
            head_name: "안전세션".into(),
            address: "서울 강남구 시험로 1".into(),
            location: Some((37.5, 127.03)),
            crisis_level: 5,
            tags: vec![HouseholdTag::LivesAlone],
            risk_flags: vec![],
            phone: None,
        })
        .unwrap();
    let workers: Vec<Worker> = [d.user_id.unwrap(), nurse]
        .into_iter()
        .map(|id| store.workers().get(id).unwrap())
        .collect();
    let config = TeamSafetyConfig::standard(
        Contact::new("팀장", "010-1000-2000"),
        Contact::new("동장", "010-3000-4000"),
    );
    // The phone records its events under its own (enrolled) device id, as the app does.
    let device = store.device_id().unwrap().to_string();
    let mut monitor = SafetyMonitor::new(device.clone());
    let actor = Actor::new(workers[0].id, device);
    let now = Utc::now();
    let started = monitor
        .start(
            &StartRequest {
                session_id: None,
                visit_id: None,
                household: &household,
                district_id: district,
                contact_mode: donghaeng_core::model::ContactMode::Home,
                workers: &workers,
                expected_return: now + Duration::hours(1),
                checkin_interval_secs: None,
                assessment: SafetyAssessment::complete(),
                advisory_override: None,
                config: &config,
                regular_volunteer: None,
                advisories: &[],
            },
            &actor,
            now,
        )
        .unwrap();
    let sid = started.event.session_id;
    let checked_in = monitor
        .check_in(sid, &actor, now + Duration::minutes(20))
        .unwrap();
    let (_, checked_out) = monitor
        .check_out(sid, &actor, None, None, now + Duration::minutes(40))
        .unwrap();
    let events = [started.event, checked_in.event, checked_out.event];
    for e in &events {
        assert!(store.safety_events().record(e).unwrap());
    }
    (sid, events.iter().map(|e| e.id).collect())
}

#[test]
fn devices_converge_through_a_network_that_drops_duplicates_and_delays() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let org = Org::create(&db);
    for seed in [11_u64, 12] {
        let proxy = FaultProxy::start(
            server.addr,
            Faults {
                drop_request: 12,
                drop_response: 15,
                duplicate: 12,
                delay: 10,
            },
            seed,
        )
        .unwrap();
        let devices: Vec<Device> = ["welfare_planner", "visiting_nurse", "care_manager"]
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let code = org.enrolment_code(&db, role);
                let path = dir.path().join(format!("phone-{seed}-{i}.db"));
                Device::enrol(path, None, &server.url(), &code, &proxy.url())
            })
            .collect();
        // The org tree and the users (as workers) come from the admin, through sync.
        for d in &devices {
            d.sync_until_ok(30);
        }
        // A safety session on the first phone (start, check-in, check-out), pushed through the
        // same lossy network: every phone must end with each of its events exactly once.
        let nurse = devices[1].user_id.expect("an enrolled nurse");
        let session_events = safety_session(&devices[0], nurse, org.district);
        let mut rng = Rng::new(seed);
        for _round in 0..30 {
            for d in &devices {
                for _ in 0..rng.below(8) {
                    // A refused write (invalid transition, missing record) leaves nothing behind.
                    let _ = workload::step(&d.store, rng.byte(), rng.byte(), rng.byte());
                }
            }
            let d = &devices[rng.below(devices.len() as u64) as usize];
            // Failures are expected; whatever failed is retried by a later sync.
            let _ = d.sync();
        }
        proxy.set_faults(Faults::NONE);
        let dump = settle(&devices, &db);
        for (i, d) in devices.iter().enumerate() {
            let held = d.store.safety_events().session(session_events.0).unwrap();
            let ids: Vec<_> = held.iter().map(|e| e.id).collect();
            assert_eq!(
                ids, session_events.1,
                "phone {i}: safety events lost or doubled"
            );
        }
        let c = proxy.counts();
        eprintln!(
            "seed {seed}: {} records; proxy passed {}, dropped {} requests and {} answers, \
             duplicated {}, delayed {}",
            dump.lines().count(),
            Counts::get(&c.passed),
            Counts::get(&c.dropped_requests),
            Counts::get(&c.dropped_responses),
            Counts::get(&c.duplicated),
            Counts::get(&c.delayed),
        );
        // No personal data in the server's logs: none of the workload's names or addresses.
        for line in server.log.lock().unwrap().iter() {
            for pii in [
                "김영수",
                "이순자",
                "박민호",
                "정미란",
                "최동욱",
                "한지민",
                "역삼동 ",
            ] {
                assert!(!line.contains(pii), "personal data in a log line: {line}");
            }
        }
        // The faults really happened (else this test proves nothing).
        assert!(Counts::get(&c.dropped_requests) > 0);
        assert!(Counts::get(&c.dropped_responses) > 0);
        assert!(Counts::get(&c.duplicated) > 0);
    }
}
