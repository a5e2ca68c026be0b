//! The server's log lines on the real binary: `--log-format json` gives one JSON object per line
//! with the request's fields at the top level; both formats round `latency_ms` to 0.1 ms; neither
//! carries a path parameter.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::server_process::{free_port, Server};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

/// Starts the server with `extra` arguments, makes a few requests (one to a route with a path
/// parameter), stops it and returns its stderr.
async fn logs_of(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let port = free_port();
    let child = Command::new(BIN)
        .arg("--db")
        .arg(dir.path().join("server.db"))
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .env_remove("DONGHAENG_DATABASE_URL")
        .env_remove("DONGHAENG_LOG_FORMAT")
        .env("DONGHAENG_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let server = Server(child);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    // Readiness, not a timing assertion: up to ~20 s on a loaded machine.
    let mut up = false;
    for _ in 0..800 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                up = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "the server did not start");
    let r = client
        .post(format!(
            "{base}/v1/safety/alarms/0197a6f0-0000-7000-8000-00000000beef/ack"
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    drop(server);
    std::fs::read_to_string(&log).unwrap()
}

/// A latency as logged: a number with at most one decimal.
fn assert_rounded(latency: &str, line: &str) {
    let (_, decimals) = latency.split_once('.').unwrap_or((latency, ""));
    assert!(
        decimals.len() <= 1,
        "latency_ms not rounded to 0.1 ms: {line}"
    );
    assert!(latency.parse::<f64>().is_ok(), "{line}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_rounded_latency() {
    let text = logs_of(&["--log-format", "json"]).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "serving" && l["level"] == "INFO"),
        "{text}"
    );
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert!(requests.len() >= 2, "{text}");
    for r in &requests {
        for key in ["request_id", "method", "route", "status", "timestamp"] {
            assert!(!r[key].is_null(), "{key} missing: {r}");
        }
        let latency = r["latency_ms"].as_f64().unwrap_or_else(|| panic!("{r}"));
        assert_rounded(&latency.to_string(), &r.to_string());
    }
    // The route pattern, never the path with its id.
    assert!(!text.contains("beef"), "{text}");
}

#[tokio::test]
async fn text_logs_round_latency_too() {
    let text = logs_of(&[]).await;
    let requests: Vec<&str> = text.lines().filter(|l| l.contains(" request ")).collect();
    assert!(requests.len() >= 2, "{text}");
    for line in requests {
        assert!(!line.starts_with('{'), "{line}");
        let latency = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("latency_ms="))
            .unwrap_or_else(|| panic!("{line}"));
        assert_rounded(latency, line);
    }
    assert!(!text.contains("beef"), "{text}");
}
