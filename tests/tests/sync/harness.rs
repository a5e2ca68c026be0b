//! Real parts for the end-to-end suites: server processes on loopback (own SQLite file, killable),
//! device stores on files enrolled through the server's HTTP API, and the server's merged state read
//! back for comparison.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use donghaeng_core::clock::Clock;
use donghaeng_core::model::{Disability, HouseholdTag, Relation, Sex};
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient, SyncReport};
use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::CoreResult;
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::ChangeStore;
use serde_json::Value;
use uuid::Uuid;

pub const SERVER_EXE: &str = env!("CARGO_BIN_EXE_e2e-sync-server");

/// Where a server keeps its data: an embedded SQLite file, or a PostgreSQL database that several
/// server processes share.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

/// Anything that names a backend: a SQLite file path, or a [`Backend`].
pub trait AsBackend {
    fn backend(&self) -> Backend;
}

impl AsBackend for Path {
    fn backend(&self) -> Backend {
        Backend::Sqlite(self.to_owned())
    }
}

impl AsBackend for PathBuf {
    fn backend(&self) -> Backend {
        Backend::Sqlite(self.clone())
    }
}

impl AsBackend for Backend {
    fn backend(&self) -> Backend {
        self.clone()
    }
}

impl Backend {
    /// The server's command-line arguments that choose this backend.
    fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Backend::Sqlite(p) => vec!["--db".into(), p.clone().into()],
            Backend::Postgres(url) => vec!["--postgres".into(), url.into()],
        }
    }
}
pub const DEVICE_EXE: &str = env!("CARGO_BIN_EXE_e2e-device");

/// A sync-server process serving one SQLite file. Killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    /// Every line the server logged (stderr), for log checks.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts a server on a free loopback port and waits until it listens.
    pub fn start(db: &(impl AsBackend + ?Sized)) -> ServerProcess {
        Self::start_with(db, &[])
    }

    /// [`ServerProcess::start`] with more command-line flags (limits, timeouts).
    pub fn start_with(db: &(impl AsBackend + ?Sized), extra: &[&str]) -> ServerProcess {
        let mut child = Command::new(SERVER_EXE)
            .args(db.backend().args())
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            // Everything the server logs, for the checks that no personal data is in it.
            .env("DONGHAENG_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the sync server");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("addr=").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(addr);
                }
                if line.contains("DEBUG") {
                    eprintln!("{line}");
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start: {:?}", log.lock().unwrap()));
        ServerProcess {
            child,
            addr: addr.parse().expect("a socket address in the log"),
            log,
        }
    }

    /// Waits up to `limit` for the process to exit by itself; its status, or `None` if it still
    /// runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The server process's id (to read its memory in `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no shutdown, no flush, as a power cut or the OOM killer would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs an admin command of the server binary on its database file; returns its JSON answer.
pub fn admin(db: &(impl AsBackend + ?Sized), args: &[&str]) -> Value {
    let out = Command::new(SERVER_EXE)
        .args(db.backend().args())
        .arg("admin")
        .args(args)
        .output()
        .expect("run the admin command");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("admin prints JSON")
}

/// Runs an admin command that must fail; returns what it printed on stderr.
pub fn admin_fails(db: &(impl AsBackend + ?Sized), args: &[&str]) -> String {
    let out = Command::new(SERVER_EXE)
        .args(db.backend().args())
        .arg("admin")
        .args(args)
        .output()
        .expect("run the admin command");
    assert!(!out.status.success(), "admin {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// City → district → 동 → team, made by the admin command; users are created in a team.
pub struct Org {
    pub district: Uuid,
    pub dong: Uuid,
    pub team: Uuid,
}

impl Org {
    pub fn create(db: &(impl AsBackend + ?Sized)) -> Org {
        let city = unit(db, "city", "서울특별시", None);
        let district = unit(db, "district", "강남구", Some(city));
        let (dong, team) = Org::dong_with_team(db, district, "역삼1동");
        Org {
            district,
            dong,
            team,
        }
    }

    /// Another 동 (with a team) in the same district; returns (동, team).
    pub fn dong_with_team(
        db: &(impl AsBackend + ?Sized),
        district: Uuid,
        name: &str,
    ) -> (Uuid, Uuid) {
        let dong = unit(db, "dong", name, Some(district));
        let team = unit(db, "team", "복지1팀", Some(dong));
        (dong, team)
    }

    /// A new user of `role` in this org's team and a one-time enrolment code for them.
    pub fn enrolment_code(&self, db: &(impl AsBackend + ?Sized), role: &str) -> String {
        user(db, self.team, role).1
    }
}

/// Creates an org unit with the admin command.
pub fn unit(db: &(impl AsBackend + ?Sized), kind: &str, name: &str, parent: Option<Uuid>) -> Uuid {
    let parent = parent.map(|p| p.to_string());
    let mut args = vec!["create-unit", "--kind", kind, "--name", name];
    if let Some(p) = &parent {
        args.extend(["--parent", p.as_str()]);
    }
    admin(db, &args)["unit_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Creates a user of `role` in `unit` and issues an enrolment code: (user id, code).
pub fn user(db: &(impl AsBackend + ?Sized), unit: Uuid, role: &str) -> (Uuid, String) {
    let unit = unit.to_string();
    let user = admin(
        db,
        &[
            "create-user",
            "--unit",
            &unit,
            "--name",
            "테스트 사용자",
            "--role",
            role,
        ],
    );
    let id = user["user_id"].as_str().unwrap().to_owned();
    let code = admin(db, &["issue-enrolment-code", "--user", &id]);
    (
        id.parse().unwrap(),
        code["code"].as_str().unwrap().to_owned(),
    )
}

/// A phone: its store file and a sync client with an access token.
pub struct Device {
    pub store: Store,
    pub client: SyncClient,
    pub path: PathBuf,
    /// The enrolled user (`None` for a reopened store: the test knows whose it is).
    pub user_id: Option<Uuid>,
}

impl Device {
    /// Opens a store at `path` (system clock, or `clock`), enrols it with `code` directly at the
    /// server (enrolment is not retried through faults: a lost answer would spend the code), takes a
    /// token, and then talks to `sync_url` (the server or a proxy).
    pub fn enrol(
        path: PathBuf,
        clock: Option<Arc<dyn Clock>>,
        server_url: &str,
        code: &str,
        sync_url: &str,
    ) -> Device {
        let store = match clock {
            Some(c) => Store::open_with_clock(&path, c),
            None => Store::open(&path),
        }
        .unwrap();
        let direct = SyncClient::new(Routes::new(server_url, None)).unwrap();
        let cred = direct.enrol(&store, code).unwrap();
        assert_eq!(cred.device_id, store.device_id().unwrap());
        let token = direct.request_token(&store, &cred).unwrap();
        let client = SyncClient::new(Routes::new(sync_url, Some(token.access_token)))
            .unwrap()
            .with_batches(40, 60);
        Device {
            store,
            client,
            path,
            user_id: Some(cred.user_id),
        }
    }

    /// Reopens an enrolled phone's store file (after its process died) with its access token.
    pub fn reopen(path: PathBuf, token: &str, sync_url: &str) -> Device {
        let store = Store::open(&path).unwrap();
        let client = SyncClient::new(Routes::new(sync_url, Some(token.to_owned())))
            .unwrap()
            .with_batches(40, 60);
        Device {
            store,
            client,
            path,
            user_id: None,
        }
    }

    /// A second client for the same phone and token, talking to another server node or proxy.
    pub fn client_for(&self, sync_url: &str) -> SyncClient {
        let token = self.client.bearer_token();
        SyncClient::new(Routes::new(sync_url, token))
            .unwrap()
            .with_batches(40, 60)
    }

    pub fn sync(&self) -> CoreResult<SyncReport> {
        self.client.sync(&self.store, &mut ())
    }

    /// Syncs until one sync succeeds (faults make some fail); panics after `tries`.
    /// Syncs until a sync succeeds (network failures only are retried); an honest phone's work is
    /// never refused by the server's write rules, so any refusal fails the test.
    pub fn sync_until_ok(&self, tries: usize) -> SyncReport {
        let r = self.sync_allowing_refusals(tries);
        let refused: Vec<String> = r
            .refused
            .iter()
            .map(|x| format!("{}: {}", x.code, x.en))
            .collect();
        assert!(refused.is_empty(), "the server refused: {refused:#?}");
        r
    }

    /// Like [`Device::sync_until_ok`], for a phone that pushes what it may not write.
    pub fn sync_allowing_refusals(&self, tries: usize) -> SyncReport {
        let mut last = None;
        for _ in 0..tries {
            match self.sync() {
                Ok(r) => return r,
                Err(e) => {
                    assert!(
                        matches!(e.code, "offline" | "timeout"),
                        "only network failures are expected here, got {e}"
                    );
                    last = Some(e);
                }
            }
        }
        panic!("no sync succeeded in {tries} tries: {last:?}");
    }
}

/// The id in the first row of `sql` (one text column), e.g. a unit or worker the admin published.
pub fn first_id(store: &Store, sql: &str) -> Uuid {
    let s: String = store
        .read(|tx| Ok(tx.query_row(sql, [], |r| r.get(0))?))
        .unwrap();
    s.parse().unwrap()
}

/// The server's merged state, in the canonical dump format (read from its database file).
pub fn server_dump(db: &(impl AsBackend + ?Sized)) -> String {
    without_audit(&server_dump_all(db))
}

/// The server's whole merged state, the audit trail included.
pub fn server_dump_all(db: &(impl AsBackend + ?Sized)) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match db.backend() {
        Backend::Sqlite(path) => {
            let store = SqliteStore::open(&path, SkewPolicy::default()).unwrap();
            rt.block_on(store.canonical_dump()).unwrap()
        }
        Backend::Postgres(url) => rt.block_on(async {
            let store = PgStore::connect(&url, SkewPolicy::default(), 1)
                .await
                .unwrap();
            store.canonical_dump().await.unwrap()
        }),
    }
}

/// Whether a canonical dump line is an audit entry.
pub fn is_audit_line(line: &str) -> bool {
    line.contains("\"audit_entries\"")
}

/// A dump without the audit trail: the server keeps every device's entries and its own, and sends
/// none of them to phones, so the trail is compared apart (each phone's entries reach the server).
pub fn without_audit(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    for line in dump.lines().filter(|l| !is_audit_line(l)) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every device pulls until all hold the same as the server; returns the server's dump. Two passes:
/// the first hands everything over, the second takes in what others handed over after.
pub fn settle(devices: &[Device], db: &(impl AsBackend + ?Sized)) -> String {
    for _ in 0..2 {
        for d in devices {
            d.sync_until_ok(20);
        }
    }
    let all = server_dump_all(db);
    let server = without_audit(&all);
    assert!(!server.is_empty(), "the server holds nothing");
    let server_audit: std::collections::HashSet<&str> =
        all.lines().filter(|l| is_audit_line(l)).collect();
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(d.store.outbox_len().unwrap(), 0, "device {i} kept changes");
        let full = d.store.sync_dump().unwrap();
        for line in full.lines().filter(|l| is_audit_line(l)) {
            assert!(
                server_audit.contains(line),
                "device {i}: an audit entry did not reach the server: {line}"
            );
        }
        let dump = without_audit(&full);
        if dump != server {
            panic!(
                "device {i} differs from the server:\n{}",
                diff(&dump, &server)
            );
        }
        assert!(
            d.store.sync_mismatches().unwrap().is_empty(),
            "device {i}: tables disagree with the synced records"
        );
    }
    server
}

/// The first lines where two dumps differ (a readable failure instead of two megabytes).
fn diff(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (sa, sb): (
        std::collections::BTreeSet<&str>,
        std::collections::BTreeSet<&str>,
    ) = (la.iter().copied().collect(), lb.iter().copied().collect());
    let mut out = format!("{} lines vs {} lines\n", la.len(), lb.len());
    for x in sa.difference(&sb).take(3) {
        out.push_str(&format!("- device only: {x}\n"));
    }
    for y in sb.difference(&sa).take(3) {
        out.push_str(&format!("+ server only: {y}\n"));
    }
    out
}

/// A household of a lonely older person with one member, created on `d` in `dong`.
pub fn household(d: &Device, dong: Uuid, head: &str) -> Uuid {
    d.store
        .households()
        .create_with_members(
            NewHousehold {
                dong_id: dong,
                head_name: head.into(),
                address: format!("서울 강남구 {head}로 1"),
                location: Some((37.5, 127.03)),
                crisis_level: 4,
                tags: vec![HouseholdTag::LivesAlone],
                risk_flags: vec![],
                phone: Some("010-1234-5678".into()),
            },
            vec![NewMember {
                name: format!("{head} 배우자"),
                birth_date: NaiveDate::from_ymd_opt(1950, 5, 1).unwrap(),
                sex: Sex::Female,
                relation: Relation::Spouse,
                disability: Disability::None,
            }],
        )
        .unwrap()
        .0
        .id
}
