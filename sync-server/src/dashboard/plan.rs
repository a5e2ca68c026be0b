//! Today's plan per team (오늘의 방문 계획): the visits of a day in a unit from synced records — the
//! pairs already assigned with their progress, and the visits nobody is assigned to yet, for which
//! the core's day planner (`donghaeng_core::schedule::plan_day`) proposes pairs and routes, or says
//! why it cannot (no location, no one with the required role, everyone booked).
//!
//! Our choices where the records are silent: workers are on duty 09:00–18:00 KST and start and end at
//! the households' centre point (the 동 주민센터's location is not synced); at most 8 contacts a
//! worker; a contact lasts 60 min at home, 30 at the centre, 15 by phone.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use donghaeng_core::clock::day_start_ms;
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::model::{ContactMode, GeoPoint, Household, TimeWindow, VisitStatus, Worker};
use donghaeng_core::schedule::roles::RoleClause;
use donghaeng_core::schedule::{plan_day, PlanInput, PlanRules, PlanVisit, PlanWorker};
use donghaeng_core::store::records::DongRecords;

use super::due::DueHousehold;

/// A visit of the day as the plan shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DayVisit {
    pub visit_id: Uuid,
    pub household_id: Uuid,
    pub address: Option<String>,
    pub purpose: String,
    pub contact_mode: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub status: String,
}

/// A team (the workers assigned together) and its visits of the day, in window order.
#[derive(Debug, Clone, Serialize)]
pub struct AssignedTeam {
    pub workers: Vec<String>,
    pub visits: Vec<DayVisit>,
    /// Visits by status (`planned`, `in_progress`, `completed`, `missed`).
    pub progress: BTreeMap<String, u32>,
}

/// A pair the planner proposes for unassigned visits.
#[derive(Debug, Clone, Serialize)]
pub struct ProposedTeam {
    pub workers: Vec<String>,
    pub stops: Vec<(Uuid, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unplaceable {
    pub visit_id: Uuid,
    pub code: String,
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayPlan {
    pub date: NaiveDate,
    pub teams: Vec<AssignedTeam>,
    pub unassigned: Vec<DayVisit>,
    pub proposed: Vec<ProposedTeam>,
    pub cannot_place: Vec<Unplaceable>,
    /// Households due for monitoring by the day with no visit planned ([`super::due`]).
    pub due_unplanned: Vec<DueHousehold>,
    /// Set when the planner itself refused the input (its message), never a crash.
    pub planner_error: Option<String>,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The plan of `date` (a KST day) over the records of a set of 동 (`dongs` also says which teams'
/// workers are free to propose), with the households due that nothing is planned for.
pub fn day_plan(
    r: &DongRecords,
    date: NaiveDate,
    dongs: &dyn Fn(Uuid) -> bool,
    due_unplanned: Vec<DueHousehold>,
) -> DayPlan {
    let day_start = day_start_ms(date);
    let day_end = day_start + 86_400_000;
    let households: HashMap<Uuid, &Household> = r.households.iter().map(|h| (h.id, h)).collect();
    let workers: HashMap<Uuid, &Worker> = r.workers.iter().map(|w| (w.id, w)).collect();
    let name = |w: &Uuid| {
        workers
            .get(w)
            .map_or_else(|| w.to_string(), |x| x.name.clone())
    };
    let mut teams: BTreeMap<Vec<Uuid>, AssignedTeam> = BTreeMap::new();
    let mut unassigned = Vec::new();
    let mut plan_visits = Vec::new();
    let mut team_members: HashSet<Uuid> = HashSet::new();
    for v in &r.visits {
        let ws = v.window.start.timestamp_millis();
        if ws >= day_end || ws < day_start || v.status == VisitStatus::Cancelled {
            continue;
        }
        let Some(hh) = households.get(&v.household_id) else {
            continue;
        };
        let dv = DayVisit {
            visit_id: v.id,
            household_id: v.household_id,
            address: Some(hh.address.clone()),
            purpose: v.purpose.code().to_owned(),
            contact_mode: v.contact_mode.code().to_owned(),
            window_start: v.window.start,
            window_end: v.window.end,
            status: v.status.code().to_owned(),
        };
        let mut assigned = v.assigned.clone();
        assigned.sort();
        if assigned.is_empty() {
            let mode = v.contact_mode;
            plan_visits.push(PlanVisit {
                id: v.id,
                household_id: v.household_id,
                purpose: v.purpose,
                contact_mode: mode,
                location: if mode == ContactMode::Phone {
                    None
                } else {
                    hh.location
                },
                window: v.window,
                duration_min: match mode {
                    ContactMode::Home => 60,
                    ContactMode::Centre => 30,
                    ContactMode::Phone => 15,
                },
                required: v
                    .required_roles
                    .iter()
                    .copied()
                    .map(RoleClause::one)
                    .collect(),
                risk_flags: hh.risk_flags.clone(),
                // The planner ranks by crisis level first (core `schedule::ctx::level_weights`).
                crisis_level: hh.crisis_level,
                priority: 1,
                last_workers: Vec::new(),
                regular_volunteer: None,
            });
            unassigned.push(dv);
        } else {
            team_members.extend(assigned.iter().copied());
            let t = teams
                .entry(assigned.clone())
                .or_insert_with(|| AssignedTeam {
                    workers: assigned.iter().map(name).collect(),
                    visits: Vec::new(),
                    progress: BTreeMap::new(),
                });
            *t.progress.entry(dv.status.clone()).or_default() += 1;
            t.visits.push(dv);
        }
    }
    let mut teams: Vec<AssignedTeam> = teams.into_values().collect();
    for t in &mut teams {
        t.visits.sort_by_key(|v| (v.window_start, v.visit_id));
    }
    unassigned.sort_by_key(|v| (v.window_start, v.visit_id));
    // Workers of the unit free today: not already in an assigned team.
    let locs: Vec<GeoPoint> = households.values().filter_map(|h| h.location).collect();
    let centre = if locs.is_empty() {
        GeoPoint {
            lat: 37.5665,
            lon: 126.9780,
        }
    } else {
        let n = locs.len() as f64;
        GeoPoint {
            lat: locs.iter().map(|g| g.lat).sum::<f64>() / n,
            lon: locs.iter().map(|g| g.lon).sum::<f64>() / n,
        }
    };
    let hours = TimeWindow::new(
        time(day_start + 9 * 3_600_000),
        time(day_start + 18 * 3_600_000),
    );
    let free: Vec<PlanWorker> = match hours {
        Ok(hours) => r
            .workers
            .iter()
            .filter(|w| w.active && !w.roles.is_empty() && !team_members.contains(&w.id))
            // `dongs` walks up the org tree, so a team inside the unit passes.
            .filter(|w| dongs(w.team_id))
            .map(|w| PlanWorker {
                id: w.id,
                roles: w.roles.clone(),
                hours,
                start: centre,
                end: centre,
                max_visits: 8,
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let (mut proposed, mut cannot_place, mut planner_error) = (Vec::new(), Vec::new(), None);
    if !plan_visits.is_empty() {
        let input = PlanInput {
            visits: plan_visits,
            workers: free,
            rules: PlanRules::default(),
            travel: Default::default(),
        };
        match plan_day(&input) {
            Ok(plan) => {
                proposed = plan
                    .teams
                    .iter()
                    .filter(|t| !t.stops.is_empty())
                    .map(|t| ProposedTeam {
                        workers: t.workers.iter().map(name).collect(),
                        stops: t.stops.iter().map(|s| (s.visit_id, s.start)).collect(),
                    })
                    .collect();
                cannot_place = plan
                    .unplanned
                    .iter()
                    .map(|u| Unplaceable {
                        visit_id: u.visit_id,
                        code: u.code.code().to_owned(),
                        ko: u.ko.clone(),
                        en: u.en.clone(),
                    })
                    .collect();
            }
            Err(e) => planner_error = Some(e.en),
        }
    }
    DayPlan {
        date,
        teams,
        unassigned,
        proposed,
        cannot_place,
        due_unplanned,
        planner_error,
    }
}
