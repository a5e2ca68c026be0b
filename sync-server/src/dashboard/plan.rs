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

use donghaeng_core::model::{
    ContactMode, CrisisLevel, GeoPoint, RiskFlag, Role, TimeWindow, VisitPurpose,
};
use donghaeng_core::schedule::roles::RoleClause;
use donghaeng_core::schedule::{plan_day, PlanInput, PlanRules, PlanVisit, PlanWorker};

use super::projection::{codes, int, text, uuid, Projection};

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
    pub due_unplanned: Vec<super::due::DueHousehold>,
    /// Set when the planner itself refused the input (its message), never a crash.
    pub planner_error: Option<String>,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The plan of `date` (a KST day) over households whose 동 passes `dongs`.
pub fn day_plan(p: &Projection, date: NaiveDate, dongs: &dyn Fn(Uuid) -> bool) -> DayPlan {
    let day_start = day_start_ms(date);
    let day_end = day_start + 86_400_000;
    struct Hh {
        address: Option<String>,
        location: Option<GeoPoint>,
        flags: Vec<RiskFlag>,
        level: CrisisLevel,
    }
    let households: HashMap<Uuid, Hh> = p
        .each("households")
        .filter(|(_, f)| uuid(f, "dong_id").is_some_and(dongs))
        .map(|(id, f)| {
            let lat = f.get("lat").and_then(|v| v.as_f64());
            let lon = f.get("lon").and_then(|v| v.as_f64());
            (
                id,
                Hh {
                    address: text(&f, "address").map(str::to_owned),
                    location: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
                    flags: codes(text(&f, "risk_flags")),
                    // The planner ranks by crisis level first (core `schedule::ctx::level_weights`).
                    level: int(&f, "crisis_level")
                        .and_then(|l| CrisisLevel::new(l).ok())
                        .unwrap_or(CrisisLevel::STABLE),
                },
            )
        })
        .collect();
    let mut assigned: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (visit, f) in p.each("visit_workers") {
        let mut w: Vec<Uuid> = f
            .iter()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .filter_map(|(k, _)| Uuid::try_parse(k).ok())
            .collect();
        w.sort();
        assigned.insert(visit, w);
    }
    struct Wk {
        name: String,
        roles: Vec<Role>,
        active: bool,
        team: Option<Uuid>,
    }
    let workers: HashMap<Uuid, Wk> = p
        .each("workers")
        .map(|(id, f)| {
            (
                id,
                Wk {
                    name: text(&f, "name").unwrap_or("?").to_owned(),
                    roles: codes(text(&f, "roles")),
                    active: f.get("active").and_then(|v| v.as_i64()) != Some(0),
                    team: uuid(&f, "team_id"),
                },
            )
        })
        .collect();
    let name = |w: &Uuid| {
        workers
            .get(w)
            .map_or_else(|| w.to_string(), |x| x.name.clone())
    };
    let mut teams: BTreeMap<Vec<Uuid>, AssignedTeam> = BTreeMap::new();
    let mut unassigned = Vec::new();
    let mut plan_visits = Vec::new();
    let mut team_members: HashSet<Uuid> = HashSet::new();
    for (id, f) in p.each("visits") {
        let (Some(h), Some(ws), Some(we)) = (
            uuid(&f, "household_id"),
            int(&f, "window_start"),
            int(&f, "window_end"),
        ) else {
            continue;
        };
        let status = text(&f, "status").unwrap_or("planned");
        if ws >= day_end || ws < day_start || status == "cancelled" {
            continue;
        }
        let Some(hh) = households.get(&h) else {
            continue;
        };
        let dv = DayVisit {
            visit_id: id,
            household_id: h,
            address: hh.address.clone(),
            purpose: text(&f, "purpose").unwrap_or("").to_owned(),
            contact_mode: text(&f, "contact_mode").unwrap_or("").to_owned(),
            window_start: time(ws),
            window_end: time(we),
            status: status.to_owned(),
        };
        match assigned.get(&id).filter(|w| !w.is_empty()) {
            Some(ws) => {
                team_members.extend(ws.iter().copied());
                let t = teams.entry(ws.clone()).or_insert_with(|| AssignedTeam {
                    workers: ws.iter().map(name).collect(),
                    visits: Vec::new(),
                    progress: BTreeMap::new(),
                });
                *t.progress.entry(dv.status.clone()).or_default() += 1;
                t.visits.push(dv);
            }
            None => {
                let mode: ContactMode = dv.contact_mode.parse().unwrap_or(ContactMode::Home);
                let purpose: Option<VisitPurpose> = dv.purpose.parse().ok();
                if let (Some(purpose), Ok(window)) = (purpose, TimeWindow::new(time(ws), time(we)))
                {
                    let duration_min = match mode {
                        ContactMode::Home => 60,
                        ContactMode::Centre => 30,
                        ContactMode::Phone => 15,
                    };
                    plan_visits.push(PlanVisit {
                        id,
                        household_id: h,
                        purpose,
                        contact_mode: mode,
                        location: if mode == ContactMode::Phone {
                            None
                        } else {
                            hh.location
                        },
                        window,
                        duration_min,
                        required: codes::<Role>(text(&f, "required_roles"))
                            .into_iter()
                            .map(RoleClause::one)
                            .collect(),
                        risk_flags: hh.flags.clone(),
                        crisis_level: hh.level,
                        priority: 1,
                        last_workers: Vec::new(),
                        regular_volunteer: None,
                    });
                }
                unassigned.push(dv);
            }
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
        Ok(hours) => workers
            .iter()
            .filter(|(id, w)| w.active && !w.roles.is_empty() && !team_members.contains(id))
            // `dongs` walks up the org tree, so a team inside the unit passes.
            .filter(|(_, w)| w.team.is_some_and(dongs))
            .map(|(id, w)| PlanWorker {
                id: *id,
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
        due_unplanned: super::due::unplanned(p, date, dongs),
        planner_error,
    }
}
