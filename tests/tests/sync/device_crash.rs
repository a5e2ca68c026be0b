//! A phone's process is SIGKILLed while it applies pulled pages: reopened, it resumes from its
//! cursor and ends equal to the server, with nothing applied twice or half.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;

use crate::harness::{server_dump, settle, Device, Org, ServerProcess, DEVICE_EXE};

#[test]
fn a_device_killed_mid_apply_resumes_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let org = Org::create(&db);
    let url = server.url();
    let busy = Device::enrol(
        dir.path().join("busy.db"),
        None,
        &url,
        &org.enrolment_code(&db, "welfare_planner"),
        &url,
    );
    // The org tree and the users (as workers) come from the admin, through sync.
    busy.sync_until_ok(3);
    let mut rng = Rng::new(3);
    for _ in 0..1_500 {
        let _ = workload::step(&busy.store, rng.byte(), rng.byte(), rng.byte());
    }
    busy.sync_until_ok(3);

    let fresh = Device::enrol(
        dir.path().join("fresh.db"),
        None,
        &url,
        &org.enrolment_code(&db, "visiting_nurse"),
        &url,
    );
    let token = fresh.client.bearer_token().unwrap();
    let path = fresh.path.clone();
    drop(fresh);

    for kill_after in [2usize, 5, 9] {
        let mut child = Command::new(DEVICE_EXE)
            .arg(&path)
            .arg(&url)
            .arg(&token)
            .arg("25")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut pulls = 0;
        while let Some(Ok(line)) = lines.next() {
            if line.starts_with("progress Pull") {
                pulls += 1;
                if pulls == kill_after {
                    break;
                }
            }
        }
        // SIGKILL while it is applying the next page.
        let _ = child.kill();
        let _ = child.wait();
    }

    let reopened = Device::reopen(path, &token, &url);
    // Pages of its snapshot (docs/sync.md "Snapshot") or of the feed after it.
    let before = reopened.store.sync_state().unwrap();
    assert!(
        before.cursor > 0 || before.snapshot.is_some(),
        "the killed runs applied some pages"
    );
    let dump = settle(&[reopened, busy], &db);
    assert_eq!(dump, server_dump(&db));
}
