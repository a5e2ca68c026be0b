//! The server is SIGKILLed while devices push, then restarted on the same file: every change a
//! device made reaches everyone exactly once.

use std::thread;
use std::time::Duration;

use donghaeng_e2e::proxy::{FaultProxy, Faults};
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;

use crate::harness::{settle, Device, Org, ServerProcess};

#[test]
fn a_server_killed_mid_push_restarts_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let mut server = ServerProcess::start(&db);
    let org = Org::create(&db);
    let proxy = FaultProxy::start(server.addr, Faults::NONE, 1).unwrap();
    let devices: Vec<Device> = (0..3)
        .map(|i| {
            let code = org.enrolment_code(&db, "welfare_planner");
            let path = dir.path().join(format!("phone-{i}.db"));
            Device::enrol(path, None, &server.url(), &code, &proxy.url())
        })
        .collect();
    // The org tree and the users (as workers) come from the admin, through sync.
    for d in &devices {
        d.sync_until_ok(5);
    }
    let mut rng = Rng::new(7);
    let mut interrupted = 0;
    for round in 0..3u64 {
        // A day offline: hundreds of writes per phone, so the push takes many requests.
        for d in &devices {
            for _ in 0..250 {
                let _ = workload::step(&d.store, rng.byte(), rng.byte(), rng.byte());
            }
        }
        let failures = thread::scope(|s| {
            let syncs: Vec<_> = devices.iter().map(|d| s.spawn(|| d.sync())).collect();
            // Kill at a different moment each round (no assertion depends on when).
            thread::sleep(Duration::from_millis(5 + round * 40));
            server.kill();
            syncs
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|r| r.is_err())
                .count()
        });
        interrupted += failures;
        server = ServerProcess::start(&db);
        proxy.set_upstream(server.addr);
    }
    let dump = settle(&devices, &db);
    eprintln!(
        "{} records converged; {interrupted} syncs were cut by a kill",
        dump.lines().count()
    );
}
