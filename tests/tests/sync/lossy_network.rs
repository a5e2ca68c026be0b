//! Devices sync through a proxy that drops requests, drops answers after the server committed,
//! sends requests twice and delays them: nothing is lost, nothing duplicated, all converge.

use donghaeng_e2e::proxy::{Counts, FaultProxy, Faults};
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;

use crate::harness::{settle, Device, Org, ServerProcess};

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
