//! The device sync client over real sockets: a tiny HTTP/1.1 server written here with
//! `std::net::TcpListener` on 127.0.0.1, with the reference `MemoryServer` behind it, and faults on
//! demand — a refused token, a revoked device, an old protocol, a server error, a slow answer, a
//! response lost after the server committed. It inflates gzip request bodies and, like a server of
//! before snapshots, answers `/v1/snapshot` with 404: every new phone here falls back to the feed.

use crate::device_common as sync_device_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Duration as Days;
use donghaeng_core::clock::FixedClock;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient, SyncPhase};
use donghaeng_core::sync::protocol::{ErrorBody, PullRequest, PushRequest};
use donghaeng_core::sync::*;
use sync_device_common as w;

const TOKEN: &str = "device-token-1";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    Status(u16, &'static str),
    Slow,
    /// Commit the push, then close the connection without answering (once).
    DropPushResponse,
}

struct Fake {
    server: MemoryServer,
    fault: Fault,
    requests: usize,
    /// The body size of every push received.
    push_bytes: Vec<usize>,
}

type Shared = Arc<Mutex<Fake>>;

fn server_now() -> i64 {
    w::t0().timestamp_millis()
}

fn start() -> (Shared, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let shared: Shared = Arc::new(Mutex::new(Fake {
        server: MemoryServer::new(SkewPolicy::default()),
        fault: Fault::None,
        requests: 0,
        push_bytes: Vec::new(),
    }));
    let s = shared.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let s = s.clone();
            std::thread::spawn(move || {
                let _ = serve(conn, &s);
            });
        }
    });
    (shared, addr)
}

fn respond(mut conn: TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    conn.flush()
}

fn error_json(code: &str) -> String {
    serde_json::to_string(&ErrorBody {
        code: code.into(),
        field: None,
        ko: "거부".into(),
        en: "refused".into(),
        server_time_ms: Some(server_now()),
        refused: Vec::new(),
    })
    .unwrap()
}

/// One request per connection (the answer says `connection: close`).
fn serve(conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let (mut len, mut auth, mut gzip) = (0usize, String::new(), false);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap_or((h, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => len = value.trim().parse().unwrap_or(0),
            "authorization" => auth = value.trim().to_owned(),
            "content-encoding" => gzip = value.trim().eq_ignore_ascii_case("gzip"),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    if gzip {
        // The client gzips bodies of 1 KiB and more (docs/sync.md "Compression").
        let mut inflated = Vec::new();
        if flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut inflated)
            .is_err()
        {
            return respond(conn, 400, &error_json("body_unreadable"));
        }
        body = inflated;
    }
    let fault = {
        let mut f = shared.lock().unwrap();
        f.requests += 1;
        f.fault
    };
    match fault {
        Fault::Status(status, code) => return respond(conn, status, &error_json(code)),
        Fault::Slow => {
            std::thread::sleep(Duration::from_millis(1500));
        }
        _ => {}
    }
    if auth != format!("Bearer {TOKEN}") {
        return respond(conn, 401, &error_json("token_invalid"));
    }
    let mut f = shared.lock().unwrap();
    if path == "/v1/push" {
        f.push_bytes.push(body.len());
    }
    let answer = match path.as_str() {
        "/v1/push" => match serde_json::from_slice::<PushRequest>(&body) {
            Ok(req) => f
                .server
                .push(&req, server_now())
                .map(|r| serde_json::to_string(&r).unwrap()),
            Err(_) => return respond(conn, 400, &error_json("malformed_json")),
        },
        "/v1/pull" => match serde_json::from_slice::<PullRequest>(&body) {
            Ok(req) => f
                .server
                .pull(&req, server_now())
                .map(|r| serde_json::to_string(&r).unwrap()),
            Err(_) => return respond(conn, 400, &error_json("malformed_json")),
        },
        _ => return respond(conn, 404, &error_json("not_found")),
    };
    if fault == Fault::DropPushResponse && path.ends_with("push") {
        f.fault = Fault::None;
        return Ok(()); // committed, never answered: the connection just closes
    }
    match answer {
        Ok(json) => respond(conn, 200, &json),
        Err(e) => respond(
            conn,
            400,
            &serde_json::to_string(&ErrorBody::from(&e)).unwrap(),
        ),
    }
}

fn client(addr: &str) -> SyncClient {
    let mut routes = Routes::new(addr, Some(TOKEN.to_owned()));
    routes.timeout = Duration::from_millis(700);
    SyncClient::new(routes).unwrap().with_batches(7, 11)
}

/// A day of long case notes (the longest a phone accepts, 4,000 characters of Korean: ~12 KiB each)
/// goes up in pushes of at most `PUSH_BATCH_BYTES` — well under the server's body limit, so no
/// batch is refused for ever — and every note arrives.
#[test]
fn long_notes_are_pushed_in_batches_under_the_byte_limit() {
    use donghaeng_core::store::notes::NewCaseNote;
    use donghaeng_core::sync::device::client::PUSH_BATCH_BYTES;
    let (shared, addr) = start();
    let a = w::store();
    w::seed_org(&a);
    w::step(&a, 0, 1, 1).unwrap();
    let household = w::pick(&a, "households", "1", 0).unwrap();
    let author = w::pick(&a, "workers", "1", 0).unwrap();
    let body: String = "가".repeat(donghaeng_core::model::validate::NOTE_MAX_CHARS);
    for _ in 0..400 {
        a.notes()
            .add(NewCaseNote {
                household_id: household,
                case_id: None,
                visit_id: None,
                author_id: author,
                written_at: w::t0(),
                body: body.clone(),
                corrects: None,
            })
            .unwrap();
    }
    let mut routes = Routes::new(&addr, Some(TOKEN.to_owned()));
    routes.timeout = Duration::from_secs(20);
    let c = SyncClient::new(routes).unwrap();
    c.sync(&a, &mut ()).unwrap();
    assert_eq!(a.outbox_len().unwrap(), 0);
    let f = shared.lock().unwrap();
    assert!(f.push_bytes.len() >= 2, "{:?}", f.push_bytes);
    // The request envelope adds a few hundred bytes to the changes themselves.
    assert!(
        f.push_bytes.iter().all(|&n| n <= PUSH_BATCH_BYTES + 4096),
        "{:?}",
        f.push_bytes
    );
    let notes = f.server.state().live_ids("case_notes").len();
    assert_eq!(notes, 400);
}

#[test]
fn two_devices_sync_through_http_and_converge_with_progress() {
    let (shared, addr) = start();
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    for k in 0..60u8 {
        let _ = w::step(&a, k % 17, k, k.wrapping_mul(7));
    }
    let c = client(&addr);
    let mut seen = Vec::new();
    let ra = c.sync(&a, &mut seen).unwrap();
    assert_eq!(a.outbox_len().unwrap(), 0);
    assert!(ra.pushed > 20);
    let push: Vec<_> = seen.iter().filter(|p| p.0 == SyncPhase::Push).collect();
    assert!(push.len() > 2, "several batches");
    assert!(
        push.windows(2).all(|p| p[0].1 < p[1].1),
        "done grows: {push:?}"
    );
    assert_eq!(
        push.last().map(|p| (p.1, p.2)),
        Some((ra.pushed, ra.pushed))
    );
    for _ in 0..20u8 {
        let _ = w::step(&b, 3, 1, 2);
    }
    let mut seen_b = Vec::new();
    let rb = c.sync(&b, &mut seen_b).unwrap();
    let pull: Vec<_> = seen_b.iter().filter(|p| p.0 == SyncPhase::Pull).collect();
    assert!(pull.len() > 2, "several pages");
    assert!(
        pull.iter().all(|p| p.1 <= p.2),
        "done never exceeds total: {pull:?}"
    );
    assert_eq!(pull.last().map(|p| p.1), pull.last().map(|p| p.2));
    assert_eq!(rb.cursor, shared.lock().unwrap().server.last_seq());
    c.sync(&a, &mut ()).unwrap();
    let expected = shared.lock().unwrap().server.state().canonical_dump();
    assert_eq!(a.sync_dump().unwrap(), expected);
    assert_eq!(b.sync_dump().unwrap(), expected);
    assert!(b.sync_mismatches().unwrap().is_empty());
}

#[test]
fn a_response_lost_after_the_server_committed_costs_a_repeat_not_a_duplicate() {
    let (shared, addr) = start();
    let a = w::store();
    w::seed_org(&a);
    let made = a.outbox_len().unwrap();
    shared.lock().unwrap().fault = Fault::DropPushResponse;
    let c = client(&addr);
    let err = c.sync(&a, &mut ()).unwrap_err();
    assert_eq!(err.code, "offline", "{err}");
    // The first batch is on the server, but the device never heard: its outbox still holds it.
    assert_eq!(a.outbox_len().unwrap(), made);
    assert_eq!(shared.lock().unwrap().server.last_seq(), 7);
    c.sync(&a, &mut ()).unwrap();
    assert_eq!(a.outbox_len().unwrap(), 0);
    assert_eq!(
        shared.lock().unwrap().server.last_seq(),
        made,
        "nothing stored twice"
    );
    assert_eq!(
        a.sync_dump().unwrap(),
        shared.lock().unwrap().server.state().canonical_dump()
    );
}

#[test]
fn a_phone_three_days_ahead_is_refused_then_restamps_and_converges() {
    let (shared, addr) = start();
    let ahead =
        Store::open_in_memory_with_clock(Arc::new(FixedClock(w::t0() + Days::days(3)))).unwrap();
    w::seed_org(&ahead);
    let first = ahead.outbox(1).unwrap()[0].clone();
    let c = client(&addr);
    let report = c.sync(&ahead, &mut ()).unwrap();
    assert!(report.restamped > 0);
    assert_eq!(ahead.outbox_len().unwrap(), 0);
    let fake = shared.lock().unwrap();
    assert_eq!(
        ahead.sync_dump().unwrap(),
        fake.server.state().canonical_dump()
    );
    // The org unit arrived under a new change id with a sane stamp.
    let pulled = fake
        .server
        .pull(
            &PullRequest {
                protocol_version: 1,
                after_seq: 0,
                limit: 5000,
                resume: None,
            },
            server_now(),
        )
        .unwrap();
    assert!(pulled.changes.iter().all(|c| c.change.id != first.id));
    assert!(pulled
        .changes
        .iter()
        .all(|c| c.change.hlc.wall_ms <= server_now() as u64 + 300_000));
    drop(fake);
    // Later writes stamp with the corrected clock: accepted at once.
    w::step(&ahead, 0, 1, 1).unwrap();
    assert_eq!(c.sync(&ahead, &mut ()).unwrap().restamped, 0);
}

#[test]
fn each_failure_kind_has_its_own_code_and_nothing_is_lost() {
    let (shared, addr) = start();
    let a = w::store();
    w::seed_org(&a);
    let made = a.outbox_len().unwrap();
    let c = client(&addr);
    for (fault, code) in [
        (Fault::Status(401, "token_expired"), "unauthorised"),
        (Fault::Status(403, "device_revoked"), "device_revoked"),
        (
            Fault::Status(426, "protocol_version_unsupported"),
            "incompatible_version",
        ),
        (
            Fault::Status(400, "protocol_version_unsupported"),
            "incompatible_version",
        ),
        (Fault::Status(413, "push_too_large"), "server_refused"),
        (Fault::Status(500, "internal"), "server_refused"),
        (Fault::Slow, "timeout"),
    ] {
        shared.lock().unwrap().fault = fault;
        let err = c.sync(&a, &mut ()).unwrap_err();
        assert_eq!(err.code, code, "{fault:?}: {err}");
        assert!(!err.ko.is_empty() && !err.en.is_empty());
        assert_eq!(a.outbox_len().unwrap(), made, "{fault:?}");
    }
    // A wrong token: the fake server's own 401.
    shared.lock().unwrap().fault = Fault::None;
    let bad = SyncClient::new(Routes::new(&addr, Some("wrong".into()))).unwrap();
    assert_eq!(bad.sync(&a, &mut ()).unwrap_err().code, "unauthorised");
    // Nobody listening: offline.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = SyncClient::new(Routes::new(format!("http://127.0.0.1:{port}"), None)).unwrap();
    assert_eq!(nowhere.sync(&a, &mut ()).unwrap_err().code, "offline");
    // And once the server answers again, everything goes through.
    c.sync(&a, &mut ()).unwrap();
    assert_eq!(a.outbox_len().unwrap(), 0);
}

#[test]
fn a_phone_three_days_behind_is_accepted_learns_the_offset_and_converges() {
    let (shared, addr) = start();
    let behind =
        Store::open_in_memory_with_clock(Arc::new(FixedClock(w::t0() - Days::days(3)))).unwrap();
    let other = w::store();
    w::seed_org(&behind);
    let c = client(&addr);
    let report = c.sync(&behind, &mut ()).unwrap();
    assert_eq!(report.restamped, 0, "old stamps are merely old");
    let offset = behind.sync_state().unwrap().offset.offset_ms;
    assert_eq!(offset, Days::days(3).num_milliseconds());
    // Its next write stamps near true time, above everything it pulled.
    w::step(&behind, 0, 1, 1).unwrap();
    let newest = behind.outbox(usize::MAX).unwrap().pop().unwrap();
    assert!(newest.hlc.wall_ms >= server_now() as u64);
    c.sync(&behind, &mut ()).unwrap();
    c.sync(&other, &mut ()).unwrap();
    let expected = shared.lock().unwrap().server.state().canonical_dump();
    assert_eq!(behind.sync_dump().unwrap(), expected);
    assert_eq!(other.sync_dump().unwrap(), expected);
}
