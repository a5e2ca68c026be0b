//! Convergence property test (issue 7, "Done when"): several device replicas and a server, random
//! creates / field edits / deletes / assignments / appends across several entities, random sync order,
//! lost responses (the server committed, the device never heard), duplicated and reordered pushes,
//! phone clocks off by up to ±3 days → after a final full exchange every replica's canonical dump
//! equals the server's, nothing made on a device is lost and nothing is stored twice.

use std::collections::HashSet;

use donghaeng_core::sync::restamp;
use donghaeng_core::sync::validate::validate_change;
use donghaeng_core::sync::*;
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// 2026-01-01T00:00:00Z: where true time starts.
const T0_MS: i64 = 1_767_225_600_000;

/// Deterministic UUID v7 ids: the time part from the caller, the rest from a counter.
#[derive(Default)]
struct Ids(u64);

impl Ids {
    fn next(&mut self, ms: u64) -> Uuid {
        self.0 += 1;
        let mut bytes = [0u8; 10];
        bytes[2..].copy_from_slice(&self.0.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
    }
}

/// A fixed pool of worker ids for visit assignments (so that devices assign the same workers).
fn worker_ids() -> Vec<Uuid> {
    (1..=4u128)
        .map(|n| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
        .collect()
}

struct Device {
    id: Uuid,
    /// How wrong this phone's clock is (ms; +3 days = ahead).
    skew_ms: i64,
    correction: ClockOffset,
    clock: HybridClock,
    replica: Replica,
    outbox: Vec<Change>,
    cursor: u64,
    /// The greatest stamp of this device's changes the server acknowledged.
    acked_max: Option<HlcTimestamp>,
    /// The greatest stamp received in any pull (persisted with the cursor on a real device).
    received_max: Option<HlcTimestamp>,
}

impl Device {
    fn new(id: Uuid, skew_ms: i64) -> Self {
        Device {
            id,
            skew_ms,
            correction: ClockOffset::default(),
            clock: HybridClock::new(id),
            replica: Replica::new(),
            outbox: Vec::new(),
            cursor: 0,
            acked_max: None,
            received_max: None,
        }
    }

    /// What the phone's own clock reads at true time `t`.
    fn local_now(&self, t: i64) -> i64 {
        t + self.skew_ms
    }

    /// The corrected clock the device stamps with.
    fn stamp_now(&self, t: i64) -> i64 {
        self.correction.corrected(self.local_now(t))
    }

    /// A local write: stamp, validate, apply locally, queue in the outbox (one transaction on a real
    /// device).
    fn write(
        &mut self,
        ids: &mut Ids,
        t: i64,
        entity: &str,
        record_id: Uuid,
        op: Op,
        log: &mut Made,
    ) {
        let hlc = self.clock.send(self.stamp_now(t));
        let change = Change {
            id: ids.next(hlc.wall_ms),
            entity: entity.to_owned(),
            record_id,
            op,
            hlc,
            device_id: self.id,
        };
        validate_change(&change, "change").unwrap();
        self.replica.apply(&change).unwrap();
        log.made.push(change.id);
        self.outbox.push(change);
    }

    fn push(
        &mut self,
        server: &mut MemoryServer,
        ids: &mut Ids,
        t: i64,
        p: &PushStep,
        log: &mut Made,
    ) {
        let n = self.outbox.len().min(p.max);
        if n == 0 {
            return;
        }
        let mut batch: Vec<Change> = self.outbox[..n].to_vec();
        if p.reorder {
            batch.reverse();
            batch.rotate_left(n / 2);
        }
        let req = PushRequest {
            protocol_version: ProtocolVersion::CURRENT,
            device_id: self.id,
            changes: batch,
        };
        let resp = server.push(&req, t).unwrap();
        if p.duplicate {
            // The proxy delivered the request twice: the second answer is the one the device sees.
            let again = server.push(&req, t).unwrap();
            assert!(
                again.accepted.is_empty(),
                "a re-push stored something twice"
            );
            self.handle_push(again, ids, t, log);
        } else if !p.lose_response {
            self.handle_push(resp, ids, t, log);
        }
    }

    fn handle_push(&mut self, resp: PushResponse, ids: &mut Ids, t: i64, log: &mut Made) {
        let Made { made, retired } = log;
        self.correction
            .learn(resp.server_time_ms, self.local_now(t));
        let acked: HashSet<Uuid> = resp
            .accepted
            .iter()
            .chain(&resp.duplicates)
            .copied()
            .collect();
        for c in self.outbox.iter().filter(|c| acked.contains(&c.id)) {
            self.acked_max = self.acked_max.max(Some(c.hlc));
        }
        let refused: HashSet<Uuid> = resp
            .rejected
            .iter()
            .map(|r| {
                assert_eq!(r.code, "clock_ahead", "unexpected rejection {r:?}");
                r.id
            })
            .collect();
        let selected = restamp::select(&self.outbox, &refused, &acked);
        self.outbox.retain(|c| !acked.contains(&c.id));
        if selected.is_empty() {
            return;
        }
        let floor = restamp::floor(self.received_max, self.acked_max, &self.outbox, &selected)
            .unwrap_or(HlcTimestamp::zero(self.id));
        let now = self.stamp_now(t);
        let map = restamp::restamp(
            &mut self.outbox,
            &selected,
            &floor,
            &mut self.clock,
            now,
            |ms| ids.next(ms),
        );
        for (old, (_, new_hlc)) in &map {
            assert!(new_hlc.wall_ms as i64 <= t + SkewPolicy::default().max_future_drift_ms as i64);
            retired.insert(*old);
        }
        made.extend(map.values().map(|(new_id, _)| *new_id));
        self.replica.restamp(&map);
    }

    /// `reverse` applies the page backwards: the merge must not depend on the order within a page.
    fn pull(
        &mut self,
        server: &MemoryServer,
        t: i64,
        limit: u32,
        lose_response: bool,
        reverse: bool,
    ) -> bool {
        let req = PullRequest {
            protocol_version: ProtocolVersion::CURRENT,
            after_seq: self.cursor,
            limit,
            resume: None,
        };
        let resp = server.pull(&req, t).unwrap();
        if lose_response {
            return true;
        }
        self.correction
            .learn(resp.server_time_ms, self.local_now(t));
        // Applying the page and moving the cursor is one transaction on a real device.
        let mut page: Vec<&Change> = resp.changes.iter().map(|c| &c.change).collect();
        if reverse {
            page.reverse();
        }
        for c in page {
            self.replica.apply(c).unwrap();
        }
        if let Some(max) = resp.changes.iter().map(|c| c.change.hlc).max() {
            self.received_max = self.received_max.max(Some(max));
            self.clock.receive(&max, self.stamp_now(t));
        }
        self.cursor = resp.next_seq;
        resp.has_more
    }
}

/// Every change id a device made (re-stamped successors included) and the ids a re-stamp retired.
#[derive(Default)]
struct Made {
    made: Vec<Uuid>,
    retired: HashSet<Uuid>,
}

#[derive(Debug, Clone)]
struct PushStep {
    max: usize,
    reorder: bool,
    lose_response: bool,
    duplicate: bool,
}

#[derive(Debug, Clone)]
enum Step {
    Advance {
        minutes: u32,
    },
    Create {
        dev: usize,
        kind: u8,
        v: u8,
    },
    Edit {
        dev: usize,
        kind: u8,
        pick: usize,
        field: u8,
        v: u8,
    },
    Delete {
        dev: usize,
        kind: u8,
        pick: usize,
    },
    Assign {
        dev: usize,
        pick: usize,
        worker: usize,
        on: bool,
    },
    Append {
        dev: usize,
        kind: u8,
        v: u8,
    },
    Push {
        dev: usize,
        p: PushStep,
    },
    Pull {
        dev: usize,
        limit: u32,
        lose_response: bool,
        reverse: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let dev = 0..5usize;
    prop_oneof![
        1 => (0..240u32).prop_map(|minutes| Step::Advance { minutes }),
        3 => (dev.clone(), 0..2u8, any::<u8>()).prop_map(|(dev, kind, v)| Step::Create { dev, kind, v }),
        5 => (dev.clone(), 0..2u8, any::<usize>(), 0..3u8, 0..4u8)
            .prop_map(|(dev, kind, pick, field, v)| Step::Edit { dev, kind, pick, field, v }),
        1 => (dev.clone(), 0..2u8, any::<usize>()).prop_map(|(dev, kind, pick)| Step::Delete { dev, kind, pick }),
        2 => (dev.clone(), any::<usize>(), 0..4usize, any::<bool>())
            .prop_map(|(dev, pick, worker, on)| Step::Assign { dev, pick, worker, on }),
        2 => (dev.clone(), 0..3u8, any::<u8>()).prop_map(|(dev, kind, v)| Step::Append { dev, kind, v }),
        3 => (dev.clone(), 1..6usize, any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.1))
            .prop_map(|(dev, max, reorder, lose_response, duplicate)| Step::Push {
                dev,
                p: PushStep { max, reorder, lose_response, duplicate },
            }),
        3 => (dev, 1..8u32, prop::bool::weighted(0.2), any::<bool>())
            .prop_map(|(dev, limit, lose_response, reverse)| Step::Pull { dev, limit, lose_response, reverse }),
    ]
}

/// Phone clock errors: right, a little off (inside the skew limit), or days off either way.
fn skew() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        -240_000..240_000i64,
        Just(3 * DAY_MS),
        Just(-3 * DAY_MS),
        -3 * DAY_MS..3 * DAY_MS,
    ]
}

const MUTABLE: [&str; 2] = ["households", "visits"];
const APPEND: [&str; 3] = ["wellness_checks", "case_notes", "safety_events"];

fn mutable_fields(kind: u8) -> [&'static str; 3] {
    match kind {
        0 => ["head_name", "crisis_level", "archived"],
        _ => ["status", "note", "window_start"],
    }
}

fn value(field: &str, v: u8) -> serde_json::Value {
    match field {
        "crisis_level" => json!(1 + v % 5),
        "archived" => json!(v % 2 == 1),
        "window_start" => json!(T0_MS + i64::from(v) * 3_600_000),
        // A code field holds one of its codes (the server refuses any other).
        "status" => {
            let all = donghaeng_core::model::VisitStatus::ALL;
            json!(all[usize::from(v) % all.len()].code())
        }
        _ => json!(format!("{field}-{v}")),
    }
}

fn run(skews: &[i64], steps: &[Step]) -> Result<(), TestCaseError> {
    let mut ids = Ids::default();
    let mut server = MemoryServer::new(SkewPolicy::default());
    let mut devices: Vec<Device> = skews
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            Device::new(
                Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1000 + i as u128),
                s,
            )
        })
        .collect();
    let workers = worker_ids();
    let mut made = Made::default();
    let mut t = T0_MS;
    for s in steps {
        t += 1_000; // every step takes a second of true time
        let n = devices.len();
        match s.clone() {
            Step::Advance { minutes } => t += i64::from(minutes) * 60_000,
            Step::Create { dev, kind, v } => {
                let d = &mut devices[dev % n];
                let entity = MUTABLE[usize::from(kind)];
                let fields = mutable_fields(kind)
                    .iter()
                    .map(|f| (f.to_string(), value(f, v)))
                    .collect();
                let record_id = ids.next(t as u64);
                d.write(
                    &mut ids,
                    t,
                    entity,
                    record_id,
                    Op::Upsert { fields },
                    &mut made,
                );
            }
            Step::Edit {
                dev,
                kind,
                pick,
                field,
                v,
            } => {
                let d = &mut devices[dev % n];
                let entity = MUTABLE[usize::from(kind)];
                let live = d.replica.live_ids(entity);
                if let Some(&record_id) = live.get(pick % live.len().max(1)) {
                    let f = mutable_fields(kind)[usize::from(field)];
                    let fields = [(f.to_owned(), value(f, v))].into_iter().collect();
                    d.write(
                        &mut ids,
                        t,
                        entity,
                        record_id,
                        Op::Upsert { fields },
                        &mut made,
                    );
                }
            }
            Step::Delete { dev, kind, pick } => {
                let d = &mut devices[dev % n];
                let entity = MUTABLE[usize::from(kind)];
                let live = d.replica.live_ids(entity);
                if let Some(&record_id) = live.get(pick % live.len().max(1)) {
                    d.write(&mut ids, t, entity, record_id, Op::Delete, &mut made);
                }
            }
            Step::Assign {
                dev,
                pick,
                worker,
                on,
            } => {
                let d = &mut devices[dev % n];
                let visits = d.replica.live_ids("visits");
                if let Some(&visit) = visits.get(pick % visits.len().max(1)) {
                    let fields = [(workers[worker].hyphenated().to_string(), json!(on))]
                        .into_iter()
                        .collect();
                    d.write(
                        &mut ids,
                        t,
                        "visit_workers",
                        visit,
                        Op::Upsert { fields },
                        &mut made,
                    );
                }
            }
            Step::Append { dev, kind, v } => {
                let d = &mut devices[dev % n];
                let record: Fields = match kind {
                    0 => [
                        (
                            "mood".to_owned(),
                            json!(donghaeng_core::model::Observation::ALL
                                [usize::from(v) % donghaeng_core::model::Observation::ALL.len()]
                            .code()),
                        ),
                        ("checked_at".to_owned(), json!(t)),
                    ]
                    .into(),
                    1 => [("body".to_owned(), json!(format!("메모 {v}")))].into(),
                    _ => [
                        ("kind".to_owned(), json!("check_in")),
                        ("at".to_owned(), json!(t)),
                    ]
                    .into(),
                };
                let record_id = ids.next(t as u64);
                d.write(
                    &mut ids,
                    t,
                    APPEND[usize::from(kind)],
                    record_id,
                    Op::Append { record },
                    &mut made,
                );
            }
            Step::Push { dev, p } => devices[dev % n].push(&mut server, &mut ids, t, &p, &mut made),
            Step::Pull {
                dev,
                limit,
                lose_response,
                reverse,
            } => {
                devices[dev % n].pull(&server, t, limit, lose_response, reverse);
            }
        }
    }

    // Final full exchange: everyone pushes until the outbox is empty (a re-stamp may need a second
    // round), then everyone pulls to the end.
    let flush = PushStep {
        max: usize::MAX,
        reorder: false,
        lose_response: false,
        duplicate: false,
    };
    for d in &mut devices {
        for _ in 0..3 {
            t += 1_000;
            d.push(&mut server, &mut ids, t, &flush, &mut made);
        }
        prop_assert!(
            d.outbox.is_empty(),
            "device {} still has {} changes",
            d.id,
            d.outbox.len()
        );
    }
    for d in &mut devices {
        t += 1_000;
        while d.pull(&server, t, 7, false, true) {}
    }

    let expected = server.state().canonical_dump();
    for d in &devices {
        prop_assert_eq!(
            &d.replica.canonical_dump(),
            &expected,
            "device {} (skew {} ms) differs",
            d.id,
            d.skew_ms
        );
    }
    // Nothing lost, nothing twice: the server's log holds each change made (or its re-stamped
    // successor) exactly once.
    let log = {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = server
                .pull(
                    &PullRequest {
                        protocol_version: ProtocolVersion::CURRENT,
                        after_seq: after,
                        limit: 1000,
                        resume: None,
                    },
                    t,
                )
                .unwrap();
            all.extend(page.changes.into_iter().map(|c| c.change));
            after = page.next_seq;
            if !page.has_more {
                break;
            }
        }
        all
    };
    let stored: HashSet<Uuid> = log.iter().map(|c| c.id).collect();
    prop_assert_eq!(stored.len(), log.len(), "a change was stored twice");
    // Order independence on its own: the server's log replayed backwards, every change twice,
    // gives the server's state.
    let mut replay = Replica::new();
    for c in log.iter().rev() {
        replay.apply(c).unwrap();
        replay.apply(c).unwrap();
    }
    prop_assert_eq!(
        replay.canonical_dump(),
        expected.clone(),
        "merge depends on order"
    );
    let kept: HashSet<Uuid> = made
        .made
        .iter()
        .filter(|id| !made.retired.contains(id))
        .copied()
        .collect();
    prop_assert_eq!(
        stored,
        kept,
        "the server must hold exactly the changes made (re-stamped ones by their successor)"
    );
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_to_the_server(
        skews in prop::collection::vec(skew(), 2..=5),
        steps in prop::collection::vec(step(), 1..160),
    ) {
        run(&skews, &steps)?;
    }
}

/// The clock-skew bullet, deterministically: one phone 3 days ahead and one 3 days behind
/// edit the same household offline; both converge with the server, and the ahead phone's refused
/// changes come back re-stamped near true time instead of winning every conflict for 3 days.
#[test]
fn three_days_ahead_and_behind_converge() {
    let ahead = Step::Push {
        dev: 0,
        p: PushStep {
            max: 10,
            reorder: false,
            lose_response: false,
            duplicate: false,
        },
    };
    let behind = Step::Push {
        dev: 1,
        p: PushStep {
            max: 10,
            reorder: false,
            lose_response: false,
            duplicate: false,
        },
    };
    let steps = vec![
        Step::Create {
            dev: 0,
            kind: 0,
            v: 1,
        },
        ahead.clone(),
        Step::Pull {
            dev: 1,
            limit: 10,
            lose_response: false,
            reverse: false,
        },
        Step::Edit {
            dev: 0,
            kind: 0,
            pick: 0,
            field: 1,
            v: 3,
        },
        Step::Advance { minutes: 10 },
        Step::Edit {
            dev: 1,
            kind: 0,
            pick: 0,
            field: 1,
            v: 0,
        },
        behind,
        ahead,
    ];
    run(&[3 * DAY_MS, -3 * DAY_MS], &steps).unwrap();
}

/// Found by the property test: a phone 7 hours ahead pulls a colleague's assignment, then
/// overwrites it offline with an edit stamped 7 hours ahead. The colleague's stamp is gone from its
/// state, but the re-stamp must still land after it (the floor counts every stamp ever received),
/// or the phone would believe its edit won while the server knows it lost.
#[test]
fn a_restamp_lands_after_a_received_stamp_it_overwrote() {
    let quiet = |dev| Step::Push {
        dev,
        p: PushStep {
            max: 2,
            reorder: false,
            lose_response: false,
            duplicate: false,
        },
    };
    let steps = vec![
        Step::Create {
            dev: 0,
            kind: 0,
            v: 0,
        },
        Step::Create {
            dev: 1,
            kind: 1,
            v: 0,
        },
        Step::Advance { minutes: 0 },
        Step::Assign {
            dev: 1,
            pick: 0,
            worker: 3,
            on: true,
        },
        quiet(1),
        Step::Pull {
            dev: 0,
            limit: 2,
            lose_response: false,
            reverse: false,
        },
        Step::Assign {
            dev: 0,
            pick: 0,
            worker: 3,
            on: false,
        },
    ];
    run(&[24_963_001, 33_001], &steps).unwrap();
}

#[test]
fn a_refused_change_is_rewritten_with_a_new_id_and_a_sane_stamp() {
    let mut ids = Ids::default();
    let mut server = MemoryServer::new(SkewPolicy::default());
    let mut d = Device::new(
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_2000),
        3 * DAY_MS,
    );
    let mut made = Made::default();
    let t = T0_MS;
    let hh = ids.next(t as u64);
    let fields: Fields = [("head_name".to_owned(), json!("김영희"))].into();
    d.write(
        &mut ids,
        t,
        "households",
        hh,
        Op::Upsert { fields },
        &mut made,
    );
    assert!(d.outbox[0].hlc.wall_ms as i64 >= t + 3 * DAY_MS);
    let p = PushStep {
        max: 10,
        reorder: false,
        lose_response: false,
        duplicate: false,
    };
    d.push(&mut server, &mut ids, t, &p, &mut made);
    assert_eq!(server.last_seq(), 0, "an ahead change must not be stored");
    assert_eq!(d.outbox.len(), 1);
    assert_ne!(
        d.outbox[0].id, made.made[0],
        "the re-stamped change has a new id"
    );
    assert!(made.retired.contains(&made.made[0]));
    assert!(
        (d.outbox[0].hlc.wall_ms as i64) < t + 60_000,
        "re-stamped near true time"
    );
    d.push(&mut server, &mut ids, t + 1_000, &p, &mut made);
    assert_eq!(server.last_seq(), 1);
    assert!(d.outbox.is_empty());
    assert_eq!(d.replica.canonical_dump(), server.state().canonical_dump());
    // Later writes are stamped with the corrected clock, not 3 days ahead.
    let fields: Fields = [("head_name".to_owned(), json!("김영수"))].into();
    d.write(
        &mut ids,
        t + 2_000,
        "households",
        hh,
        Op::Upsert { fields },
        &mut made,
    );
    assert!((d.outbox[0].hlc.wall_ms as i64) < t + 60_000);
}
