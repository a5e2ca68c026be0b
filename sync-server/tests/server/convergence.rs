//! Property test: several simulated devices (core's `Replica` as the device model) make random
//! creates, edits, deletes, assignment changes and appends, and push and pull over HTTP in random
//! order, batch and page sizes, with repeated pushes and clocks up to 3 days behind. Every push and
//! pull answer must equal the in-memory reference `MemoryServer`'s for the same request at the same
//! server time, and after a final exchange the server's stored state, the reference's state and
//! every device's state are the same canonical dump.

use crate::common;

use std::collections::{BTreeMap, HashSet};

use common::{v7, TestDevice, TestServer};
use donghaeng_core::sync::{
    Change, MemoryServer, Op, PullRequest, PullResponse, PushRequest, PushResponse, Replica,
    SkewPolicy,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

const DAY_MS: i64 = 24 * 3600 * 1000;
const RECORDS: usize = 4;
const FIELDS: &[&str] = &["head_name", "crisis_level", "phone", "archived"];

#[derive(Debug, Clone)]
enum Step {
    /// Sets the fields whose bit is set in `mask` (1–15): several fields per change, so that a
    /// change can win some fields and lose others.
    Edit {
        dev: usize,
        rec: usize,
        mask: u8,
        val: u8,
    },
    Delete {
        dev: usize,
        rec: usize,
    },
    Assign {
        dev: usize,
        rec: usize,
        worker: usize,
        on: bool,
    },
    Append {
        dev: usize,
        rec: usize,
        val: u8,
    },
    Push {
        dev: usize,
        max: usize,
        repeat: bool,
    },
    Pull {
        dev: usize,
        limit: u32,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let d = 0..4usize;
    let r = 0..RECORDS;
    prop_oneof![
        4 => (d.clone(), r.clone(), 1..16u8, any::<u8>())
            .prop_map(|(dev, rec, mask, val)| Step::Edit { dev, rec, mask, val }),
        1 => (d.clone(), r.clone()).prop_map(|(dev, rec)| Step::Delete { dev, rec }),
        2 => (d.clone(), r.clone(), 0..3usize, any::<bool>())
            .prop_map(|(dev, rec, worker, on)| Step::Assign { dev, rec, worker, on }),
        2 => (d.clone(), r.clone(), any::<u8>()).prop_map(|(dev, rec, val)| Step::Append { dev, rec, val }),
        3 => (d.clone(), 1..6usize, any::<bool>())
            .prop_map(|(dev, max, repeat)| Step::Push { dev, max, repeat }),
        3 => (d, 1..5u32).prop_map(|(dev, limit)| Step::Pull { dev, limit }),
    ]
}

struct Sim {
    dev: TestDevice,
    skew_ms: i64,
    replica: Replica,
    outbox: Vec<Change>,
    cursor: u64,
}

struct World {
    srv: TestServer,
    mem: MemoryServer,
    sims: Vec<Sim>,
    households: Vec<Uuid>,
    workers: Vec<Uuid>,
}

impl World {
    fn make(&mut self, d: usize, entity: &str, record_id: Uuid, op: Op) {
        let now = self.srv.now_ms();
        let sim = &mut self.sims[d];
        let change = Change {
            id: v7(),
            entity: entity.to_owned(),
            record_id,
            op,
            hlc: sim.dev.clock.send(now + sim.skew_ms),
            device_id: sim.dev.id,
        };
        sim.replica.apply(&change).unwrap();
        sim.outbox.push(change);
    }

    async fn push(&mut self, d: usize, max: usize, repeat: bool) {
        let n = max.min(self.sims[d].outbox.len());
        let batch: Vec<Change> = self.sims[d].outbox[..n].to_vec();
        let req = PushRequest {
            protocol_version: 1,
            device_id: self.sims[d].dev.id,
            changes: batch,
        };
        for _ in 0..if repeat { 2 } else { 1 } {
            let ans = self.srv.push(&self.sims[d].dev, &req.changes).await;
            let got: PushResponse = serde_json::from_value(ans.body).unwrap();
            let want = self.mem.push(&req, got.server_time_ms).unwrap();
            assert_eq!(got, want, "push answer differs from the reference");
            assert!(got.rejected.is_empty(), "{:?}", got.rejected);
            let done: HashSet<Uuid> = got
                .accepted
                .iter()
                .chain(&got.duplicates)
                .copied()
                .collect();
            self.sims[d].outbox.retain(|c| !done.contains(&c.id));
        }
    }

    async fn pull(&mut self, d: usize, limit: u32) -> bool {
        let cursor = self.sims[d].cursor;
        let ans = self.srv.pull(&self.sims[d].dev, cursor, limit).await;
        let got: PullResponse = serde_json::from_value(ans.body).unwrap();
        let req = PullRequest {
            protocol_version: 1,
            after_seq: cursor,
            limit,
            resume: None,
        };
        let want = self
            .mem
            .pull_for(self.sims[d].dev.id, &req, got.server_time_ms)
            .unwrap();
        assert_eq!(got, want, "pull answer differs from the reference");
        let now = self.srv.now_ms();
        let sim = &mut self.sims[d];
        for sc in &got.changes {
            sim.replica.apply(&sc.change).unwrap();
        }
        if let Some(max) = got.changes.iter().map(|s| s.change.hlc).max() {
            sim.dev.clock.receive(&max, now + sim.skew_ms);
        }
        sim.cursor = got.next_seq;
        got.has_more
    }
}

async fn run(skews: Vec<i64>, steps: Vec<Step>) {
    let srv = TestServer::start().await;
    let mut sims = Vec::new();
    for skew_ms in skews {
        sims.push(Sim {
            dev: srv.device().await,
            skew_ms,
            replica: Replica::new(),
            outbox: Vec::new(),
            cursor: 0,
        });
    }
    let mut w = World {
        srv,
        mem: MemoryServer::new(SkewPolicy::default()),
        sims,
        households: (0..RECORDS).map(|_| v7()).collect(),
        workers: (0..3).map(|_| v7()).collect(),
    };
    let n = w.sims.len();
    for s in steps {
        match s {
            Step::Edit {
                dev,
                rec,
                mask,
                val,
            } => {
                let mut fields = BTreeMap::new();
                for (bit, name) in FIELDS.iter().enumerate() {
                    if mask & (1 << bit) == 0 {
                        continue;
                    }
                    let value = match *name {
                        "head_name" => json!(format!("이름{val}")),
                        "crisis_level" => json!(1 + val % 5),
                        "phone" if val % 7 == 0 => Value::Null,
                        "phone" => json!(format!("010-{val:04}")),
                        _ => json!(val % 2 == 0),
                    };
                    fields.insert((*name).to_owned(), value);
                }
                w.make(
                    dev % n,
                    "households",
                    w.households[rec],
                    Op::Upsert { fields },
                );
            }
            Step::Delete { dev, rec } => {
                w.make(dev % n, "households", w.households[rec], Op::Delete);
            }
            Step::Assign {
                dev,
                rec,
                worker,
                on,
            } => {
                let key = w.workers[worker].hyphenated().to_string();
                let fields = BTreeMap::from([(key, json!(on))]);
                // One visit per household slot.
                let visit = Uuid::from_u128(w.households[rec].as_u128() ^ 1);
                w.make(dev % n, "visit_workers", visit, Op::Upsert { fields });
            }
            Step::Append { dev, rec, val } => {
                let record = BTreeMap::from([
                    ("household_id".to_owned(), json!(w.households[rec])),
                    ("note".to_owned(), json!(format!("안부 {val}"))),
                ]);
                w.make(dev % n, "wellness_checks", v7(), Op::Append { record });
            }
            Step::Push { dev, max, repeat } => w.push(dev % n, max, repeat).await,
            Step::Pull { dev, limit } => {
                w.pull(dev % n, limit).await;
            }
        }
    }
    // Final exchange: everyone pushes everything, then everyone pulls to the end.
    for d in 0..n {
        while !w.sims[d].outbox.is_empty() {
            w.push(d, 1000, false).await;
        }
    }
    for d in 0..n {
        while w.pull(d, 7).await {}
    }
    let stored = w.srv.store_dump().await;
    assert_eq!(
        stored,
        w.mem.state().canonical_dump(),
        "server state ≠ reference"
    );
    for sim in &w.sims {
        assert_eq!(
            sim.replica.canonical_dump(),
            stored,
            "a device did not converge"
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn devices_and_server_converge_to_the_reference(
        skews in prop::collection::vec(
            prop_oneof![Just(-3 * DAY_MS), Just(-3_600_000i64), Just(0i64), Just(60_000i64)],
            2..=4,
        ),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(skews, steps));
    }
}
