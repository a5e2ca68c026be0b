//! The end-to-end suite on PostgreSQL: two server processes share one database; phones alternate
//! between them through lossy proxies, one node is SIGKILLed while phones push and comes back; all
//! converge with the database's merged state. Needs `DONGHAENG_TEST_PG` (`scripts/pg-test-server.sh`;
//! `.ci/run` starts it); `DONGHAENG_SKIP_PG=1` skips on purpose.

use std::thread;
use std::time::Duration;

use donghaeng_e2e::proxy::{Counts, FaultProxy, Faults};
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;

use crate::harness::{server_dump, settle, Backend, Device, Org, ServerProcess};

/// A fresh database on the test PostgreSQL server; `None` when skipped on purpose.
fn fresh_database() -> Option<String> {
    let Ok(url) = std::env::var("DONGHAENG_TEST_PG") else {
        if std::env::var("DONGHAENG_SKIP_PG").as_deref() == Ok("1") {
            return None;
        }
        panic!(
            "DONGHAENG_TEST_PG is not set: start the test server with \
             export DONGHAENG_TEST_PG=\"$(scripts/pg-test-server.sh)\" (or DONGHAENG_SKIP_PG=1)"
        );
    };
    let name = format!("dh_e2e_{}", uuid::Uuid::now_v7().simple());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect to DONGHAENG_TEST_PG");
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
    });
    let (head, _) = url.rsplit_once('/').expect("a postgres://…/database URL");
    Some(format!("{head}/{name}"))
}

const LOSSY: Faults = Faults {
    drop_request: 10,
    drop_response: 15,
    duplicate: 10,
    delay: 10,
};

#[test]
fn two_nodes_on_one_postgres_with_a_lossy_network_and_a_killed_node_converge() {
    let Some(url) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pg = Backend::Postgres(url);
    let mut node_a = ServerProcess::start(&pg);
    let node_b = ServerProcess::start(&pg);
    let org = Org::create(&pg);
    let proxy_a = FaultProxy::start(node_a.addr, LOSSY, 31).unwrap();
    let proxy_b = FaultProxy::start(node_b.addr, LOSSY, 32).unwrap();
    let devices: Vec<Device> = ["welfare_planner", "visiting_nurse", "care_manager"]
        .iter()
        .enumerate()
        .map(|(i, role)| {
            let code = org.enrolment_code(&pg, role);
            let path = dir.path().join(format!("phone-{i}.db"));
            Device::enrol(path, None, &node_a.url(), &code, &proxy_a.url())
        })
        .collect();
    let via_b: Vec<_> = devices
        .iter()
        .map(|d| d.client_for(&proxy_b.url()))
        .collect();
    for d in &devices {
        d.sync_until_ok(30);
    }
    let mut rng = Rng::new(33);
    for round in 0..24u64 {
        for d in &devices {
            for _ in 0..rng.below(10) {
                let _ = workload::step(&d.store, rng.byte(), rng.byte(), rng.byte());
            }
        }
        if round == 12 {
            // Node A dies with SIGKILL while every phone pushes through it, and comes back.
            for d in &devices {
                for _ in 0..150 {
                    let _ = workload::step(&d.store, rng.byte(), rng.byte(), rng.byte());
                }
            }
            thread::scope(|s| {
                for d in &devices {
                    s.spawn(|| {
                        let _ = d.sync();
                    });
                }
                thread::sleep(Duration::from_millis(30));
                node_a.kill();
            });
            node_a = ServerProcess::start(&pg);
            proxy_a.set_upstream(node_a.addr);
            continue;
        }
        // Each phone syncs through one node or the other: devices alternate between them.
        let i = rng.below(devices.len() as u64) as usize;
        let _ = if rng.chance(50) {
            devices[i].sync()
        } else {
            via_b[i].sync(&devices[i].store, &mut ())
        };
    }
    proxy_a.set_faults(Faults::NONE);
    proxy_b.set_faults(Faults::NONE);
    let dump = settle(&devices, &pg);
    let faults = |p: &FaultProxy| {
        let c = p.counts();
        Counts::get(&c.dropped_requests)
            + Counts::get(&c.dropped_responses)
            + Counts::get(&c.duplicated)
    };
    eprintln!(
        "{} records converged on PostgreSQL; faults injected: node A {}, node B {}",
        dump.lines().count(),
        faults(&proxy_a),
        faults(&proxy_b)
    );
    assert!(faults(&proxy_a) > 0 && faults(&proxy_b) > 0);
    // Both nodes serve the same: a fresh phone pulling from B holds what the database holds.
    let code = org.enrolment_code(&pg, "welfare_planner");
    let fresh = Device::enrol(
        dir.path().join("fresh.db"),
        None,
        &node_b.url(),
        &code,
        &node_b.url(),
    );
    fresh.sync_until_ok(3);
    assert_eq!(fresh.store.sync_dump().unwrap(), server_dump(&pg));
}
