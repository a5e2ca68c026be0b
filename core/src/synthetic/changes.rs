//! A synthetic year of sync changes for one 동 (~50,000: households and members, a year of visits
//! with status edits and assignments, wellness checks and notes), for the sync benchmarks of the
//! device, the in-memory reference and the server. Deterministic for a given device and start.

use serde_json::json;
use uuid::Uuid;

use crate::sync::{Change, Fields, HybridClock, Op};

/// Makes changes as one device would: ids in UUID v7 layout, stamps from a hybrid logical clock.
pub struct ChangeGen {
    n: u64,
    clock: HybridClock,
    device: Uuid,
    t0_ms: u64,
}

impl ChangeGen {
    /// A generator for `device` whose year of changes starts at `t0_ms` (Unix milliseconds).
    pub fn new(device: Uuid, t0_ms: u64) -> Self {
        ChangeGen {
            n: 0,
            clock: HybridClock::new(device),
            device,
            t0_ms,
        }
    }

    /// Lets this device's clock see a stamp from elsewhere (so its next changes come after it).
    pub fn receive(&mut self, remote: &crate::sync::HlcTimestamp) {
        self.clock.receive(remote, 0);
    }

    /// A fresh, unique id with the UUID v7 time `ms`.
    pub fn id(&mut self, ms: u64) -> Uuid {
        self.n += 1;
        let mut b = [0u8; 10];
        b[2..].copy_from_slice(&self.n.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(ms, &b).into_uuid()
    }

    /// A change made at `at_ms`, stamped by this device's clock.
    pub fn change(&mut self, at_ms: u64, entity: &str, record_id: Uuid, op: Op) -> Change {
        let hlc = self.clock.send(at_ms as i64);
        Change {
            id: self.id(hlc.wall_ms),
            entity: entity.to_owned(),
            record_id,
            op,
            hlc,
            device_id: self.device,
        }
    }
}

/// Fields of an upsert from (name, value) pairs.
pub fn fields(pairs: Vec<(&str, serde_json::Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// About 50,000 changes of one 동 over a year, in stamp order, with the store's column values
/// (booleans as 0 / 1), and the household ids.
pub fn dong_year(g: &mut ChangeGen) -> (Vec<Change>, Vec<Uuid>) {
    let t0 = g.t0_ms;
    let mut out = Vec::with_capacity(52_000);
    let dong = g.id(t0);
    let workers: Vec<Uuid> = (0..12).map(|_| g.id(t0)).collect();
    let mut households = Vec::new();
    for i in 0..700u64 {
        let t = t0 + i * 1_000;
        let hh = g.id(t);
        households.push(hh);
        let f = fields(vec![
            ("dong_id", json!(dong.to_string())),
            ("head_name", json!(format!("가구주{i}"))),
            (
                "address",
                json!(format!("서울특별시 강남구 역삼로 {i}길 12")),
            ),
            ("lat", json!(37.5 + i as f64 * 1e-4)),
            ("lon", json!(127.03 + i as f64 * 1e-4)),
            ("crisis_level", json!(1 + i % 5)),
            ("tags", json!("lonely_death_risk")),
            ("risk_flags", json!("")),
            ("phone", json!(null)),
            ("archived", json!(0)),
        ]);
        out.push(g.change(t, "households", hh, Op::Upsert { fields: f }));
        for m in 0..2 {
            let p = g.id(t);
            let f = fields(vec![
                ("household_id", json!(hh.to_string())),
                ("name", json!(format!("가구원{i}-{m}"))),
                ("birth_date", json!("1950-03-01")),
                ("sex", json!("female")),
                ("relation", json!(if m == 0 { "head" } else { "spouse" })),
                ("disability", json!("none")),
            ]);
            out.push(g.change(t, "persons", p, Op::Upsert { fields: f }));
        }
    }
    let mut t = t0 + 1_000_000;
    let mut k = 0u64;
    while out.len() < 50_000 {
        k += 1;
        t += 3_400_000;
        let hh = households[(k * 7 % 700) as usize];
        let visit = g.id(t);
        let f = fields(vec![
            ("household_id", json!(hh.to_string())),
            ("purpose", json!("crisis_monitoring")),
            ("contact_mode", json!("home")),
            ("window_start", json!(t)),
            ("window_end", json!(t + 3_600_000)),
            ("required_roles", json!("")),
            ("status", json!("planned")),
        ]);
        out.push(g.change(t, "visits", visit, Op::Upsert { fields: f }));
        let pair = fields(vec![
            (
                &workers[(k % 12) as usize].hyphenated().to_string(),
                json!(true),
            ),
            (
                &workers[((k + 5) % 12) as usize].hyphenated().to_string(),
                json!(true),
            ),
        ]);
        out.push(g.change(t, "visit_workers", visit, Op::Upsert { fields: pair }));
        let done = fields(vec![
            ("status", json!("completed")),
            ("completed_at", json!(t + 1_800_000)),
            ("outcome", json!("met")),
        ]);
        out.push(g.change(t + 1_800_000, "visits", visit, Op::Upsert { fields: done }));
        let check = g.id(t + 1_800_000);
        let f = fields(vec![
            ("household_id", json!(hh.to_string())),
            ("visit_id", json!(visit.to_string())),
            ("worker_id", json!(workers[(k % 12) as usize].to_string())),
            ("checked_at", json!(t + 1_800_000)),
            ("contact_mode", json!("home")),
            ("meals", json!("good")),
            ("health", json!("good")),
            ("mood", json!("good")),
            ("mobility", json!("good")),
            ("housing", json!("good")),
            ("heating_cooling", json!("good")),
            ("loneliness", json!("concern")),
            ("arrears_signs", json!(0)),
            ("cutoff_signs", json!(0)),
            ("needs_referral", json!(0)),
        ]);
        out.push(g.change(
            t + 1_800_000,
            "wellness_checks",
            check,
            Op::Append { record: f },
        ));
        if k % 3 == 0 {
            let note = g.id(t + 1_800_000);
            let f = fields(vec![
                ("household_id", json!(hh.to_string())),
                ("author_id", json!(workers[(k % 12) as usize].to_string())),
                ("written_at", json!(t + 1_800_000)),
                (
                    "body",
                    json!("어르신 건강 양호, 난방비 부담 호소. 다음 방문 시 에너지바우처 안내."),
                ),
            ]);
            out.push(g.change(t + 1_800_000, "case_notes", note, Op::Append { record: f }));
        }
    }
    (out, households)
}
