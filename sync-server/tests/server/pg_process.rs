//! The real binary on PostgreSQL: the admin command with `--postgres URL` makes a user, two server
//! processes started with `DONGHAENG_DATABASE_URL` on the same database serve one phone that goes
//! from one to the other; one node is killed with SIGKILL after a push whose answer "was lost", and
//! the retry on the other node stores nothing twice; the killed node restarts and serves it all.

use std::process::{Command, Stdio};
use std::time::Duration;

use donghaeng_core::model::new_id;
use donghaeng_core::sync::{Change, HybridClock, Op, PushRequest};
use serde_json::{json, Value};

use crate::pg_harness::PgTestDb;
use crate::server_process::{free_port, Server};

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

fn admin(url: &str, args: &[&str]) -> Result<Value, String> {
    let out = Command::new(BIN)
        .arg("--postgres")
        .arg(url)
        .arg("admin")
        .args(args)
        .env_remove("DONGHAENG_DATABASE_URL")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn start(url: &str, port: u16, client: &reqwest::Client) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(BIN)
        // A SQLite path that must stay unused: the URL wins.
        .arg("--db")
        .arg(dir.path().join("unused.db"))
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .env("DONGHAENG_DATABASE_URL", url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    // Readiness, not a timing assertion: up to ~20 s on a loaded machine.
    for _ in 0..800 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status().is_success() {
                assert!(
                    !dir.path().join("unused.db").exists(),
                    "the SQLite file was created although PostgreSQL was chosen"
                );
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not start");
}

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: &Value) -> Value {
    let mut rq = client.post(url).json(body);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    rq.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn two_server_processes_on_one_database_serve_a_phone_and_survive_sigkill() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let city = admin(
        &db.url,
        &["create-unit", "--kind", "city", "--name", "서울"],
    )
    .unwrap();
    let city = city["unit_id"].as_str().unwrap().to_owned();
    let err = admin(
        &db.url,
        &[
            "create-unit",
            "--kind",
            "dong",
            "--name",
            "길음1동",
            "--parent",
            &city,
        ],
    )
    .unwrap_err();
    assert!(err.contains("unit_parent_kind"), "{err}");
    let user = admin(
        &db.url,
        &[
            "create-user",
            "--unit",
            &city,
            "--name",
            "김",
            "--role",
            "welfare_planner",
        ],
    )
    .unwrap();
    let code = admin(
        &db.url,
        &[
            "issue-enrolment-code",
            "--user",
            user["user_id"].as_str().unwrap(),
        ],
    )
    .unwrap();

    let client = reqwest::Client::new();
    let (port_a, port_b) = (free_port(), free_port());
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let mut node_a = start(&db.url, port_a, &client).await;
    let _node_b = start(&db.url, port_b, &client).await;

    // Enrol on A, take the token from B: the nodes share the credentials.
    let cred = post(
        &client,
        format!("{base_a}/v1/enrol"),
        None,
        &json!({"code": code["code"]}),
    )
    .await;
    let device: uuid::Uuid = cred["device_id"].as_str().unwrap().parse().unwrap();
    let token_req = json!({"device_id": device, "device_secret": cred["device_secret"]});
    let t = post(&client, format!("{base_b}/v1/token"), None, &token_req).await;
    let token = t["access_token"].as_str().unwrap().to_owned();

    let mut clock = HybridClock::new(device);
    let now = chrono::Utc::now().timestamp_millis();
    let mut batch = |n: usize, tag: &str| PushRequest {
        protocol_version: 1,
        device_id: device,
        changes: (0..n)
            .map(|i| Change {
                id: new_id(),
                entity: "households".into(),
                record_id: new_id(),
                op: Op::Upsert {
                    // The user sits in the city unit: households of that unit are in scope.
                    fields: [
                        ("head_name".to_owned(), json!(format!("{tag}{i}"))),
                        ("dong_id".to_owned(), json!(city)),
                    ]
                    .into_iter()
                    .collect(),
                },
                hlc: clock.send(now),
                device_id: device,
            })
            .collect::<Vec<Change>>(),
    };
    let first = batch(40, "가구");
    let push_body = serde_json::to_value(&first).unwrap();
    let r = post(
        &client,
        format!("{base_a}/v1/push"),
        Some(&token),
        &push_body,
    )
    .await;
    assert_eq!(r["accepted"].as_array().unwrap().len(), 40, "{r}");

    // A dies with SIGKILL; the phone never saw the answer and retries on B.
    node_a.0.kill().unwrap();
    node_a.0.wait().unwrap();
    drop(node_a);
    let r = post(
        &client,
        format!("{base_b}/v1/push"),
        Some(&token),
        &push_body,
    )
    .await;
    assert_eq!(r["accepted"], json!([]));
    assert_eq!(r["duplicates"].as_array().unwrap().len(), 40);
    // The admin command published the city unit and the user ahead of the phone's changes.
    const PUBLISHED: u64 = 2;
    // Each household's audit entry was stored with the first push, after its 40 changes.
    assert_eq!(r["server_seq"], json!(PUBLISHED + 40 + 40));
    let second = serde_json::to_value(batch(10, "새가구")).unwrap();
    let r = post(&client, format!("{base_b}/v1/push"), Some(&token), &second).await;
    assert_eq!(r["server_seq"], json!(PUBLISHED + 100), "{r}");

    // A starts again on the same database and serves everything, in order, once, to another
    // phone of the same user (a phone is never sent its own changes).
    let _node_a = start(&db.url, port_a, &client).await;
    let code = admin(
        &db.url,
        &[
            "issue-enrolment-code",
            "--user",
            user["user_id"].as_str().unwrap(),
        ],
    )
    .unwrap();
    let cred = post(
        &client,
        format!("{base_a}/v1/enrol"),
        None,
        &json!({"code": code["code"]}),
    )
    .await;
    let token_req = json!({"device_id": cred["device_id"], "device_secret": cred["device_secret"]});
    let t = post(&client, format!("{base_b}/v1/token"), None, &token_req).await;
    let reader = t["access_token"].as_str().unwrap().to_owned();
    let pull = json!({"protocol_version": 1, "after_seq": 0, "limit": 1000});
    let page = post(&client, format!("{base_a}/v1/pull"), Some(&reader), &pull).await;
    let seqs: Vec<u64> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    // A phone does not receive the audit entries (seqs 43–82 and 93–102).
    let own: Vec<u64> = (1..=PUBLISHED + 40).chain(83..=92).collect();
    assert_eq!(seqs, own);
    assert_eq!(
        page["changes"][PUBLISHED as usize]["change"]["id"],
        push_body["changes"][0]["id"]
    );
}

/// A database that does not answer: the admin command and the server fail at once with a storage
/// error (the server does not start serving without its store), and never print the password.
#[test]
fn an_unreachable_database_fails_clearly_without_echoing_the_password() {
    let url = format!("postgres://donghaeng:s3cret@127.0.0.1:{}/none", free_port());
    let err = admin(&url, &["create-unit", "--kind", "city", "--name", "서울"]).unwrap_err();
    assert!(err.contains("storage"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let out = Command::new(BIN)
        .arg("--addr")
        .arg(format!("127.0.0.1:{}", free_port()))
        .env("DONGHAENG_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("storage"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}
