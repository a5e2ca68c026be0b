//! Households due for monitoring with no visit planned (모니터링 대상 중 방문 미계획): what the team
//! lead must still place on the day's plan. The rule is the phone's
//! (`MonitoringIntervals::due_on`): the last contact — a visit completed with the household met, or a
//! wellness check — plus the interval of the household's crisis level, from the cadence table that
//! applies to its 동 (the nearest published one up the org tree, else the built-in default).
//!
//! "Planned" means a visit of the household, not cancelled, not completed and not missed, whose
//! window starts on the plan's day or later: such a household is already in hand.

use std::collections::HashMap;
use std::convert::Infallible;

use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::clock::{day_start_ms, local_date};
use donghaeng_core::model::visit::is_contact;
use donghaeng_core::model::{CrisisLevel, VisitOutcome, VisitStatus};
use donghaeng_core::schedule::CadenceConfig;
use donghaeng_core::store::households::MonitoringIntervals;
use donghaeng_core::sync::config_docs::{ancestry, nearest, ConfigDocument, ConfigKind};

use super::projection::{int, text, uuid, Projection};

/// A household due (or overdue) on the plan's day with nothing planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueHousehold {
    pub household_id: Uuid,
    pub dong_id: Uuid,
    pub address: Option<String>,
    pub crisis_level: u8,
    pub last_contact: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// Days past due on the plan's day (0: due that day).
    pub days_overdue: i64,
}

/// The cadence table of a 동: the nearest valid published document up its org tree, newest first
/// within a unit, or the default — chosen by the core's `config_docs::nearest`, as the phone chooses.
fn cadence_of(p: &Projection, dong: Uuid) -> CadenceConfig {
    let parents: HashMap<Uuid, Uuid> = p
        .each("org_units")
        .filter_map(|(id, f)| Some((id, uuid(&f, "parent_id")?)))
        .collect();
    let chain = ancestry(dong, |u| Ok::<_, Infallible>(parents.get(&u).copied()))
        .unwrap_or_else(|never| match never {});
    let docs: Vec<ConfigDocument> = p
        .each("config_documents")
        .filter_map(|(id, f)| {
            Some(ConfigDocument {
                id,
                kind: text(&f, "kind")?.parse().ok()?,
                unit_id: uuid(&f, "unit_id")?,
                body: text(&f, "body")?.to_owned(),
                published_at: int(&f, "published_at").unwrap_or(0),
            })
        })
        .collect();
    nearest(&docs, ConfigKind::Cadence, &chain, CadenceConfig::default()).value
}

/// Households of 동 passing `dongs` due on or before `date` with no visit planned from `date` on,
/// most overdue first, then highest crisis level.
pub fn unplanned(
    p: &Projection,
    date: NaiveDate,
    dongs: &dyn Fn(Uuid) -> bool,
) -> Vec<DueHousehold> {
    let day_start = day_start_ms(date);
    let day = |ms: i64| DateTime::from_timestamp_millis(ms).map(local_date);
    let mut last: HashMap<Uuid, NaiveDate> = HashMap::new();
    let mut seen = |h: Uuid, d: Option<NaiveDate>| {
        if let Some(d) = d {
            let e = last.entry(h).or_insert(d);
            *e = (*e).max(d);
        }
    };
    let mut planned: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    for (_, f) in p.each("visits") {
        let Some(h) = uuid(&f, "household_id") else {
            continue;
        };
        let status = text(&f, "status").unwrap_or("planned");
        let outcome = text(&f, "outcome").and_then(VisitOutcome::from_code);
        if VisitStatus::from_code(status).is_some_and(|st| is_contact(st, outcome)) {
            seen(h, int(&f, "completed_at").and_then(day));
        }
        let open = matches!(status, "planned" | "in_progress");
        if open && int(&f, "window_start").is_some_and(|ws| ws >= day_start) {
            planned.insert(h);
        }
    }
    for (_, f) in p.each("wellness_checks") {
        if let Some(h) = uuid(&f, "household_id") {
            seen(h, int(&f, "checked_at").and_then(day));
        }
    }
    let mut cadence: HashMap<Uuid, MonitoringIntervals> = HashMap::new();
    let mut out: Vec<DueHousehold> = p
        .each("households")
        .filter_map(|(id, f)| {
            let dong = uuid(&f, "dong_id").filter(|d| dongs(*d))?;
            let archived = f.get("archived").and_then(|v| v.as_i64()) == Some(1);
            if archived || planned.contains(&id) {
                return None;
            }
            let level = CrisisLevel::new(int(&f, "crisis_level")?).ok()?;
            let intervals = cadence
                .entry(dong)
                .or_insert_with(|| MonitoringIntervals(cadence_of(p, dong).crisis_interval_days));
            let last_contact = last.get(&id).copied();
            let due_on = intervals.due_on(level, last_contact, date);
            (due_on <= date).then(|| DueHousehold {
                household_id: id,
                dong_id: dong,
                address: text(&f, "address").map(str::to_owned),
                crisis_level: level.value(),
                last_contact,
                due_on,
                days_overdue: (date - due_on).num_days(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.due_on
            .cmp(&b.due_on)
            .then(b.crisis_level.cmp(&a.crisis_level))
            .then(a.household_id.cmp(&b.household_id))
    });
    out
}
