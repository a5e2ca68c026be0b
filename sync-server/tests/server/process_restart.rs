//! The real binary as a separate process: serve with no set-up beyond the admin command, push, kill
//! the server with SIGKILL, start it again on the same file (or PostgreSQL database), retry the
//! push (its answer "was lost") → nothing stored twice, nothing lost, sequence numbers continue,
//! and every stored change has its audit entry.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use donghaeng_core::model::new_id;
use donghaeng_core::sync::{
    Change, HybridClock, Op, ProtocolVersion, PullRequest, PushRequest, SkewPolicy,
};
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::ChangeStore;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::pg_harness::PgTestDb;
use crate::server_process::{free_port, Server};

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

/// The admin command puts the unit and the user it creates into the change log (as an `org_units`
/// and a `workers` record), ahead of any device's change. The households pushed below name that
/// unit as their 동, so that the user's scope (the unit) allows them.
const PUBLISHED: u64 = 2;

/// Where a server process keeps its data.
enum Db {
    Sqlite(PathBuf),
    Postgres(Arc<PgTestDb>),
}

impl Db {
    /// The server's arguments and environment for this store.
    fn configure<'c>(&self, cmd: &'c mut Command, unused: &Path) -> &'c mut Command {
        match self {
            Db::Sqlite(path) => cmd
                .arg("--db")
                .arg(path)
                .env_remove("DONGHAENG_DATABASE_URL"),
            Db::Postgres(db) => cmd
                .arg("--db")
                .arg(unused.join("unused.db"))
                .env("DONGHAENG_DATABASE_URL", &db.url),
        }
    }

    fn admin(&self, args: &[&str]) -> Value {
        let dir = tempfile::tempdir().unwrap();
        let out = self
            .configure(&mut Command::new(BIN), dir.path())
            .arg("admin")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The store itself, opened beside (or after) the server process.
    async fn store(&self) -> Box<dyn ChangeStore> {
        match self {
            Db::Sqlite(path) => Box::new(SqliteStore::open(path, SkewPolicy::default()).unwrap()),
            Db::Postgres(db) => Box::new(
                PgStore::connect(&db.url, SkewPolicy::default(), 2)
                    .await
                    .unwrap(),
            ),
        }
    }
}

/// How many audit entries the store holds for each household.
async fn audit_entries_per_household(db: &Db) -> HashMap<Uuid, usize> {
    let store = db.store().await;
    let mut out = HashMap::new();
    let mut after = 0;
    loop {
        let page = store
            .pull(
                PullRequest {
                    protocol_version: ProtocolVersion::CURRENT,
                    after_seq: after,
                    limit: 5000,
                    resume: None,
                },
                chrono::Utc::now().timestamp_millis(),
            )
            .await
            .unwrap();
        for c in &page.changes {
            if let (true, Op::Append { record }) =
                (c.change.entity == "audit_entries", &c.change.op)
            {
                if let Some(h) = record["household_id"].as_str() {
                    *out.entry(h.parse().unwrap()).or_default() += 1;
                }
            }
        }
        after = page.next_seq;
        if !page.has_more {
            return out;
        }
    }
}

async fn start_on(db: &Db, port: u16, client: &reqwest::Client) -> Server {
    let unused = tempfile::tempdir().unwrap();
    let child = db
        .configure(&mut Command::new(BIN), unused.path())
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    // Wait until it answers (readiness, not a timing assertion).
    // Up to ~20 s: a loaded CI machine may be slow to start a process.
    for _ in 0..800 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not start");
}

/// Another phone of `user`, enrolled with a fresh code: its access token. A phone is never sent
/// its own changes, so what one phone pushed is read back through another.
async fn reader_token(db: &Db, user: &str, base: &str, client: &reqwest::Client) -> String {
    let code = db.admin(&["issue-enrolment-code", "--user", user]);
    let cred: Value = client
        .post(format!("{base}/v1/enrol"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tok: Value = client
        .post(format!("{base}/v1/token"))
        .json(&json!({"device_id": cred["device_id"], "device_secret": cred["device_secret"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tok["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_server_killed_with_sigkill_restarts_and_a_retried_push_is_not_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let db = Db::Sqlite(db);
    let city = db.admin(&["create-unit", "--kind", "city", "--name", "서울"]);
    let unit = city["unit_id"].as_str().unwrap().to_owned();
    let user = db.admin(&[
        "create-user",
        "--unit",
        &unit,
        "--name",
        "김",
        "--role",
        "welfare_planner",
    ]);
    let code = db.admin(&[
        "issue-enrolment-code",
        "--user",
        user["user_id"].as_str().unwrap(),
    ]);

    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start_on(&db, port, &client).await;
    let cred: Value = client
        .post(format!("{base}/v1/enrol"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device: uuid::Uuid = cred["device_id"].as_str().unwrap().parse().unwrap();
    let token_req = json!({"device_id": device, "device_secret": cred["device_secret"]});
    let token = |v: Value| v["access_token"].as_str().unwrap().to_owned();
    let t1 = token(
        client
            .post(format!("{base}/v1/token"))
            .json(&token_req)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    let mut clock = HybridClock::new(device);
    let now = chrono::Utc::now().timestamp_millis();
    let changes: Vec<Change> = (0..50)
        .map(|i| Change {
            id: new_id(),
            entity: "households".into(),
            record_id: new_id(),
            op: Op::Upsert {
                fields: [
                    ("head_name".to_owned(), json!(format!("가구{i}"))),
                    ("dong_id".to_owned(), json!(unit)),
                ]
                .into_iter()
                .collect(),
            },
            hlc: clock.send(now),
            device_id: device,
        })
        .collect();
    let push = PushRequest {
        protocol_version: 1,
        device_id: device,
        changes,
    };
    let r: Value = client
        .post(format!("{base}/v1/push"))
        .bearer_auth(&t1)
        .json(&push)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["accepted"].as_array().unwrap().len(), 50);

    // SIGKILL: no graceful shutdown, no chance to flush anything more.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    drop(server);
    let _server = start_on(&db, port, &client).await;

    // The token survives the restart (it is stored, hashed); the retried push is all duplicates.
    let r: Value = client
        .post(format!("{base}/v1/push"))
        .bearer_auth(&t1)
        .json(&push)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["accepted"], json!([]));
    assert_eq!(r["duplicates"].as_array().unwrap().len(), 50);
    // Each household's audit entry was stored with the push, after its 50 changes.
    assert_eq!(r["server_seq"], json!(PUBLISHED + 50 + 50));
    let reader = reader_token(&db, user["user_id"].as_str().unwrap(), &base, &client).await;
    let page: Value = client
        .post(format!("{base}/v1/pull"))
        .bearer_auth(&reader)
        .json(&json!({"protocol_version": 1, "after_seq": 0, "limit": 1000}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seqs: Vec<u64> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=PUBLISHED + 50).collect::<Vec<u64>>());
}

/// SIGKILL while pushes are in flight: every push acknowledged before the kill is durable (a retry
/// finds it duplicate), a push cut off is stored whole or not at all, and after retrying every batch
/// the server holds each change exactly once under gap-free sequence numbers — each with its audit
/// entry, stored in the push's own transaction (none lost with the process, none added twice).
async fn sigkill_mid_push_loses_no_acknowledged_change_and_stores_none_twice(db: Db) {
    let city = db.admin(&["create-unit", "--kind", "city", "--name", "서울"]);
    let unit = city["unit_id"].as_str().unwrap().to_owned();
    let user = db.admin(&[
        "create-user",
        "--unit",
        &unit,
        "--name",
        "김",
        "--role",
        "welfare_planner",
    ]);
    let code = db.admin(&[
        "issue-enrolment-code",
        "--user",
        user["user_id"].as_str().unwrap(),
    ]);
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start_on(&db, port, &client).await;
    let cred: Value = client
        .post(format!("{base}/v1/enrol"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device: uuid::Uuid = cred["device_id"].as_str().unwrap().parse().unwrap();
    let token_req = json!({"device_id": device, "device_secret": cred["device_secret"]});
    let tok: Value = client
        .post(format!("{base}/v1/token"))
        .json(&token_req)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().unwrap().to_owned();

    let mut clock = HybridClock::new(device);
    let now = chrono::Utc::now().timestamp_millis();
    let batches: Vec<PushRequest> = (0..30)
        .map(|b| PushRequest {
            protocol_version: 1,
            device_id: device,
            changes: (0..100)
                .map(|i| Change {
                    id: new_id(),
                    entity: "households".into(),
                    record_id: new_id(),
                    op: Op::Upsert {
                        fields: [
                            ("head_name".to_owned(), json!(format!("{b}-{i}"))),
                            ("dong_id".to_owned(), json!(unit)),
                        ]
                        .into_iter()
                        .collect(),
                    },
                    hlc: clock.send(now),
                    device_id: device,
                })
                .collect(),
        })
        .collect();

    // Push concurrently from a task; kill the server once a few pushes were acknowledged.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let pusher = {
        let client = client.clone();
        let base = base.clone();
        let token = token.clone();
        let batches = batches.clone();
        tokio::spawn(async move {
            for (i, b) in batches.iter().enumerate() {
                let sent = client
                    .post(format!("{base}/v1/push"))
                    .bearer_auth(&token)
                    .json(b)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let _ = tx.send(i);
                    }
                    _ => break,
                }
            }
        })
    };
    let mut acked = Vec::new();
    while let Some(i) = rx.recv().await {
        acked.push(i);
        if acked.len() == 5 {
            server.0.kill().unwrap();
            server.0.wait().unwrap();
            break;
        }
    }
    pusher.await.unwrap();
    while let Ok(i) = rx.try_recv() {
        acked.push(i);
    }
    drop(server);
    let _server = start_on(&db, port, &client).await;
    // What the killed process acknowledged has its audit entries already.
    let audited = audit_entries_per_household(&db).await;
    for &i in &acked {
        for c in &batches[i].changes {
            assert_eq!(
                audited.get(&c.record_id),
                Some(&1),
                "batch {i}: no audit entry"
            );
        }
    }

    let mut stored_now = 0;
    for (i, b) in batches.iter().enumerate() {
        let r: Value = client
            .post(format!("{base}/v1/push"))
            .bearer_auth(&token)
            .json(b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (acc, dup) = (
            r["accepted"].as_array().unwrap().len(),
            r["duplicates"].as_array().unwrap().len(),
        );
        // Whole or nothing: a batch is never partly stored.
        assert!(
            (acc, dup) == (100, 0) || (acc, dup) == (0, 100),
            "batch {i}: {acc} accepted, {dup} duplicates"
        );
        if acked.contains(&i) {
            assert_eq!(dup, 100, "an acknowledged batch {i} was lost");
        }
        stored_now += acc;
    }
    assert!(stored_now <= 25 * 100);
    let reader = reader_token(&db, user["user_id"].as_str().unwrap(), &base, &client).await;
    let mut cursor = 0u64;
    let mut ids = HashSet::new();
    loop {
        let page: Value = client
            .post(format!("{base}/v1/pull"))
            .bearer_auth(&reader)
            .json(&json!({"protocol_version": 1, "after_seq": cursor, "limit": 1000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // A phone does not receive the audit trail: the changes come in ascending order.
        for c in page["changes"].as_array().unwrap() {
            let seq = c["seq"].as_u64().unwrap();
            assert!(seq > cursor);
            cursor = seq;
            assert!(ids.insert(c["change"]["id"].as_str().unwrap().to_owned()));
        }
        cursor = page["next_seq"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(ids.len() as u64, PUBLISHED + 30 * 100);
    // Gap-free: the changes, the published org tree and one audit entry per household.
    assert_eq!(cursor, PUBLISHED + 2 * 3000);
    let audited = audit_entries_per_household(&db).await;
    for b in &batches {
        for c in &b.changes {
            assert_eq!(audited.get(&c.record_id), Some(&1), "one audit entry each");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_push_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sigkill_mid_push_loses_no_acknowledged_change_and_stores_none_twice(Db::Sqlite(
        dir.path().join("server.db"),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_push_on_postgres() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    sigkill_mid_push_loses_no_acknowledged_change_and_stores_none_twice(Db::Postgres(db)).await;
}
