//! gzip on the wire (docs/sync.md, "Compression"): answers compressed for a client that accepts it,
//! gzip request bodies inflated before the body limit counts them, and every bad body a 4xx with
//! the protocol's error body — nothing stored, the server still serving.

use std::io::{Read, Write};

use crate::common;

use common::{upsert, v7, TestServer};
use donghaeng_core::sync::{ErrorBody, ProtocolVersion, PullResponse, PushRequest, PushResponse};
use donghaeng_sync_server::ServerConfig;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::StatusCode;
use serde_json::json;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// What came back: the status, whether the body came gzipped and how many bytes crossed the wire,
/// and the body as the server meant it (inflated).
struct Answer {
    status: StatusCode,
    gzipped: bool,
    wire_bytes: usize,
    body: Vec<u8>,
}

/// A POST with a chosen `Content-Encoding`, from a client that accepts gzip but inflates nothing by
/// itself.
async fn post(
    srv: &TestServer,
    path: &str,
    token: &str,
    body: Vec<u8>,
    encoding: Option<&str>,
) -> Answer {
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let mut rq = client
        .post(format!("{}{path}", srv.base))
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .bearer_auth(token)
        .body(body);
    if let Some(e) = encoding {
        rq = rq.header("content-encoding", e);
    }
    let resp = rq.send().await.unwrap();
    let status = resp.status();
    let gzipped = resp
        .headers()
        .get("content-encoding")
        .is_some_and(|e| e == "gzip");
    let raw = resp.bytes().await.unwrap().to_vec();
    Answer {
        status,
        gzipped,
        wire_bytes: raw.len(),
        body: if gzipped { gunzip(&raw) } else { raw },
    }
}

fn refusal(a: &Answer, want: StatusCode, code: &str) {
    assert_eq!(a.status, want, "{}", String::from_utf8_lossy(&a.body));
    let e: ErrorBody = serde_json::from_slice(&a.body).expect("the protocol's error body");
    assert_eq!(e.code, code);
    assert!(!e.ko.is_empty() && !e.en.is_empty());
}

#[tokio::test]
async fn gzip_both_ways_and_every_bad_body_is_a_clear_refusal() {
    let srv = TestServer::start_with(
        ServerConfig {
            max_body_bytes: 64 * 1024,
            ..common::protocol_config()
        },
        Default::default(),
    )
    .await;
    let mut dev = srv.device().await;
    let now = srv.now_ms();
    let changes: Vec<_> = (0..120)
        .map(|i| {
            upsert(
                &mut dev,
                now,
                v7(),
                json!({"head_name": format!("가구주{i}")}),
            )
        })
        .collect();
    let plain = serde_json::to_vec(&PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: dev.id,
        changes,
    })
    .unwrap();

    // A gzip push is inflated and stored.
    let a = post(&srv, "/v1/push", &dev.token, gzip(&plain), Some("gzip")).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let pushed: PushResponse = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(pushed.accepted.len(), 120);

    // The pull answer comes gzipped to a client that accepts it, several times smaller (read by
    // another phone: the writer is never sent its own changes).
    let reader = srv.device().await;
    let pull = json!({"protocol_version": ProtocolVersion::CURRENT, "after_seq": 0, "limit": 5000});
    let a = post(
        &srv,
        "/v1/pull",
        &reader.token,
        serde_json::to_vec(&pull).unwrap(),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.gzipped);
    let page: PullResponse = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(page.changes.len(), 120);
    assert!(
        a.wire_bytes * 3 < a.body.len(),
        "{} bytes gzipped from {}",
        a.wire_bytes,
        a.body.len()
    );
    let stored = page.next_seq;

    // gzip that does not inflate.
    let mut broken = gzip(&plain);
    let mid = broken.len() / 2;
    broken[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    let a = post(&srv, "/v1/push", &dev.token, broken, Some("gzip")).await;
    refusal(&a, StatusCode::BAD_REQUEST, "body_unreadable");

    // A small body that inflates past the limit (1 MiB of spaces is ~1 KiB of gzip).
    let bomb = gzip(&vec![b' '; 1024 * 1024]);
    assert!(bomb.len() < 8 * 1024);
    let a = post(&srv, "/v1/push", &dev.token, bomb, Some("gzip")).await;
    refusal(&a, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    // An encoding the server does not speak.
    let a = post(&srv, "/v1/push", &dev.token, plain.clone(), Some("br")).await;
    refusal(
        &a,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_encoding",
    );

    // Nothing of the refused bodies was stored, and the server still answers plain requests.
    let next =
        json!({"protocol_version": ProtocolVersion::CURRENT, "after_seq": stored, "limit": 10});
    let a = post(
        &srv,
        "/v1/pull",
        &dev.token,
        serde_json::to_vec(&next).unwrap(),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let page: PullResponse = serde_json::from_slice(&a.body).unwrap();
    assert!(page.changes.is_empty());
    assert_eq!(page.next_seq, stored);
}
