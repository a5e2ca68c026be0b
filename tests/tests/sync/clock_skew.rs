//! Phones whose clocks are three days behind and three days ahead sync with a real server: the one
//! ahead is refused (`clock_ahead`), re-stamps and converges; the server stores nothing stamped
//! beyond its limit. A phone learns its clock's offset from every answer, so the clocks jump after
//! the first sync (someone sets the date by hand, or a dead battery resets it) to make the phones
//! stamp changes with a wrong time the offset they learnt does not cover.

use std::sync::Arc;

use chrono::{Duration, Utc};
use donghaeng_core::clock::SkewedClock;
use donghaeng_core::sync::HlcTimestamp;
use donghaeng_e2e::rng::Rng;
use donghaeng_e2e::workload;
use serde_json::Value;

use crate::harness::{settle, Device, Org, ServerProcess};

#[test]
fn phones_three_days_behind_and_ahead_converge_and_nothing_is_stamped_beyond_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let org = Org::create(&db);
    let url = server.url();
    let phone = |name: &str| {
        let clock = Arc::new(SkewedClock::default());
        let device = Device::enrol(
            dir.path().join(format!("{name}.db")),
            Some(clock.clone()),
            &url,
            &org.enrolment_code(&db, "welfare_planner"),
            &url,
        );
        // The org tree and the users (as workers) come from the admin, through sync.
        device.sync_until_ok(2);
        (device, clock)
    };
    let (behind, behind_clock) = phone("behind");
    let (ahead, ahead_clock) = phone("ahead");
    let (right, _) = phone("right");
    behind_clock.set(Duration::days(-3));
    ahead_clock.set(Duration::days(3));
    let mut rng = Rng::new(5);
    let mut restamped = 0;
    for _ in 0..6 {
        for d in [&behind, &ahead, &right] {
            for _ in 0..20 {
                let _ = workload::step(&d.store, rng.byte(), rng.byte(), rng.byte());
            }
            restamped += d.sync_until_ok(2).restamped;
        }
    }
    assert!(restamped > 0, "the phone ahead was refused and re-stamped");
    let dump = settle(&[behind, ahead, right], &db);
    let stamps: usize = dump.lines().map(|l| wall_times(l).len()).sum();
    assert!(stamps > 100, "the dump carries stamps to check ({stamps})");
    // The server's default limit is 5 minutes ahead of its own clock.
    let limit = (Utc::now() + Duration::minutes(5)).timestamp_millis();
    for line in dump.lines() {
        for wall in wall_times(line) {
            assert!(wall <= limit, "a stamp beyond the limit was stored: {line}");
        }
    }
}

/// The wall time of every HLC stamp (`"hlc": "…"`) anywhere in one canonical dump line.
fn wall_times(line: &str) -> Vec<i64> {
    fn walk(v: &Value, out: &mut Vec<i64>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("hlc", Value::String(s)) => {
                            let stamp: HlcTimestamp = s.parse().expect("a valid stamp");
                            out.push(stamp.wall_ms as i64);
                        }
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::from_str(line).expect("a JSON line"), &mut out);
    out
}
