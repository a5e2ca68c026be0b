//! Property test with **two server nodes** on one PostgreSQL database, each with its own connection
//! pool, as two servers behind a load balancer: simulated devices (core's `Replica` as the device
//! model) make random creates, edits, deletes, assignment changes and appends, and every request a
//! device makes goes to the other node than its previous one. Every push and pull answer must equal
//! the in-memory reference `MemoryServer`'s, and after a final exchange the canonical dumps of both
//! nodes, of the reference and of every device are the same.

use std::collections::{BTreeMap, HashSet};

use crate::common::{v7, TestDevice, TestServer};
use crate::pg_harness::PgTestDb;
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
    /// The node this device's next request goes to; it alternates.
    node: usize,
}

impl Sim {
    fn next_node(&mut self) -> usize {
        let n = self.node;
        self.node = 1 - n;
        n
    }
}

struct World {
    nodes: [TestServer; 2],
    mem: MemoryServer,
    sims: Vec<Sim>,
    households: Vec<Uuid>,
    workers: Vec<Uuid>,
}

impl World {
    fn make(&mut self, d: usize, entity: &str, record_id: Uuid, op: Op) {
        let now = self.nodes[0].now_ms();
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
        let req = PushRequest {
            protocol_version: 1,
            device_id: self.sims[d].dev.id,
            changes: self.sims[d].outbox[..n].to_vec(),
        };
        // A repeat is a retry whose answer was lost: it goes to the other node.
        for _ in 0..if repeat { 2 } else { 1 } {
            let node = self.sims[d].next_node();
            let ans = self.nodes[node].push(&self.sims[d].dev, &req.changes).await;
            let got: PushResponse = serde_json::from_value(ans.body).unwrap();
            let want = self.mem.push(&req, got.server_time_ms).unwrap();
            assert_eq!(
                got, want,
                "push answer of node {node} differs from the reference"
            );
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
        let node = self.sims[d].next_node();
        let ans = self.nodes[node]
            .pull(&self.sims[d].dev, cursor, limit)
            .await;
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
        assert_eq!(
            got, want,
            "pull answer of node {node} differs from the reference"
        );
        let now = self.nodes[node].now_ms();
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
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let nodes = [
        TestServer::start_pg(&db).await,
        TestServer::start_pg(&db).await,
    ];
    let mut sims = Vec::new();
    for (i, skew_ms) in skews.into_iter().enumerate() {
        // Enrolled on one node, the credential works on the other: they share the database.
        sims.push(Sim {
            dev: nodes[i % 2].device().await,
            skew_ms,
            replica: Replica::new(),
            outbox: Vec::new(),
            cursor: 0,
            node: (i + 1) % 2,
        });
    }
    let mut w = World {
        nodes,
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
                let rid = w.households[rec];
                w.make(dev % n, "households", rid, Op::Upsert { fields });
            }
            Step::Delete { dev, rec } => {
                let rid = w.households[rec];
                w.make(dev % n, "households", rid, Op::Delete);
            }
            Step::Assign {
                dev,
                rec,
                worker,
                on,
            } => {
                let key = w.workers[worker].hyphenated().to_string();
                let fields = BTreeMap::from([(key, json!(on))]);
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
    for d in 0..n {
        while !w.sims[d].outbox.is_empty() {
            w.push(d, 1000, false).await;
        }
    }
    for d in 0..n {
        while w.pull(d, 7).await {}
    }
    let first = w.nodes[0].store_dump().await;
    let second = w.nodes[1].store_dump().await;
    assert_eq!(first, second, "the two nodes see different states");
    assert_eq!(
        first,
        w.mem.state().canonical_dump(),
        "stored state ≠ reference"
    );
    for sim in &w.sims {
        assert_eq!(
            sim.replica.canonical_dump(),
            first,
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
    fn devices_alternating_between_two_nodes_converge_to_the_reference(
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
