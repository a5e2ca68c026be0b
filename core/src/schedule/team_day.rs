//! Today's plan per team (오늘의 방문 계획): the visits of a day in a unit from its records — the
//! pairs already assigned with their progress, and the visits nobody is assigned to yet, for which
//! the day planner ([`super::plan_day`]) proposes pairs and routes, or says why it cannot (no
//! location, no one with the required role, everyone booked). The team lead's dashboard shows it;
//! any store holding the unit's records can make it.
//!
//! Our choices where the records are silent: workers are on duty 09:00–18:00 KST and start and end at
//! the households' centre point (the 동 주민센터's location is not synced); at most 8 contacts a
//! worker; a contact lasts 60 min at home, 30 at the centre, 15 by phone.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::roles::RoleClause;
use super::{plan_day, PlanInput, PlanRules, PlanVisit, PlanWorker};
use crate::clock::day_start_ms;
use crate::model::{
    ContactMode, GeoPoint, Household, Id, TimeWindow, Visit, VisitPurpose, VisitStatus, Worker,
};

/// A visit of the day as the plan shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DayVisit {
    pub visit_id: Id,
    pub household_id: Id,
    pub address: Option<String>,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub status: VisitStatus,
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
    pub stops: Vec<(Id, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unplaceable {
    pub visit_id: Id,
    pub code: String,
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamDay {
    pub date: NaiveDate,
    pub teams: Vec<AssignedTeam>,
    pub unassigned: Vec<DayVisit>,
    pub proposed: Vec<ProposedTeam>,
    pub cannot_place: Vec<Unplaceable>,
    /// Set when the planner itself refused the input (its message), never a crash.
    pub planner_error: Option<String>,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The records a team's day is made from: the unit's households with their visits (with assigned
/// workers), and the workers (those of teams inside the unit are the ones free to propose).
#[derive(Debug, Clone, Copy)]
pub struct TeamDayRecords<'a> {
    pub households: &'a [Household],
    pub visits: &'a [Visit],
    pub workers: &'a [Worker],
}

/// The plan of `date` (a KST day); `in_unit` says whether a worker's team is inside the unit.
pub fn team_day(r: &TeamDayRecords<'_>, date: NaiveDate, in_unit: &dyn Fn(Id) -> bool) -> TeamDay {
    let day_start = day_start_ms(date);
    let day_end = day_start + 86_400_000;
    let households: HashMap<Id, &Household> = r.households.iter().map(|h| (h.id, h)).collect();
    let workers: HashMap<Id, &Worker> = r.workers.iter().map(|w| (w.id, w)).collect();
    let name = |w: &Id| {
        workers
            .get(w)
            .map_or_else(|| w.to_string(), |x| x.name.clone())
    };
    let mut teams: BTreeMap<Vec<Id>, AssignedTeam> = BTreeMap::new();
    let mut unassigned = Vec::new();
    let mut plan_visits = Vec::new();
    let mut team_members: HashSet<Id> = HashSet::new();
    for v in r.visits {
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
            purpose: v.purpose,
            contact_mode: v.contact_mode,
            window_start: v.window.start,
            window_end: v.window.end,
            status: v.status,
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
            *t.progress.entry(dv.status.code().to_owned()).or_default() += 1;
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
            .filter(|w| in_unit(w.team_id))
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
    TeamDay {
        date,
        teams,
        unassigned,
        proposed,
        cannot_place,
        planner_error,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{CrisisLevel, Role, VisitOutcome};

    fn id(n: u128) -> Id {
        Id::from_u128(n)
    }

    /// `h` o'clock KST on 2026-12-07.
    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).unwrap() - chrono::Duration::hours(9)
    }

    fn household(n: u128, located: bool) -> Household {
        Household {
            id: id(n),
            dong_id: id(1),
            head_name: "최영호".into(),
            address: format!("길음로 {n}"),
            location: located.then_some(GeoPoint {
                lat: 37.60,
                lon: 127.02,
            }),
            crisis_level: CrisisLevel::new(4).unwrap(),
            tags: vec![],
            risk_flags: vec![],
            phone: None,
            archived: false,
        }
    }

    fn visit(n: u128, h: u128, start: u32, status: VisitStatus, assigned: &[u128]) -> Visit {
        Visit {
            id: id(n),
            household_id: id(h),
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Home,
            window: TimeWindow::new(at(start), at(start + 2)).unwrap(),
            required_roles: vec![Role::WelfarePlanner],
            assigned: assigned.iter().map(|w| id(*w)).collect(),
            status,
            started_at: None,
            completed_at: None,
            outcome: (status == VisitStatus::Completed).then_some(VisitOutcome::Met),
            note: None,
        }
    }

    fn worker(n: u128, team: u128, role: Role) -> Worker {
        Worker {
            id: id(n),
            team_id: id(team),
            name: format!("직원{n}"),
            roles: vec![role],
            phone: None,
            active: true,
        }
    }

    #[test]
    fn assigned_pairs_with_progress_and_the_unassigned_proposed_or_explained() {
        let households = [
            household(10, true),
            household(11, false),
            household(12, true),
        ];
        let visits = [
            visit(20, 10, 10, VisitStatus::Completed, &[2, 1]),
            visit(21, 12, 13, VisitStatus::Planned, &[1, 2]),
            // Nobody assigned: one can be placed, one has no location.
            visit(22, 12, 15, VisitStatus::Planned, &[]),
            visit(23, 11, 10, VisitStatus::Planned, &[]),
            // Cancelled, or another day: not on the plan.
            visit(24, 10, 11, VisitStatus::Cancelled, &[]),
            Visit {
                window: TimeWindow::new(
                    at(10) + chrono::Duration::days(1),
                    at(12) + chrono::Duration::days(1),
                )
                .unwrap(),
                ..visit(25, 10, 10, VisitStatus::Planned, &[])
            },
        ];
        let workers = [
            worker(1, 100, Role::WelfarePlanner),
            worker(2, 100, Role::VisitingNurse),
            worker(3, 100, Role::WelfarePlanner),
            worker(5, 100, Role::VisitingNurse),
            // Another unit's planner is never proposed.
            worker(4, 200, Role::WelfarePlanner),
        ];
        let day = team_day(
            &TeamDayRecords {
                households: &households,
                visits: &visits,
                workers: &workers,
            },
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            &|team| team == id(100),
        );
        assert_eq!(
            day.teams.len(),
            1,
            "one pair, whatever the order of its workers"
        );
        let t = &day.teams[0];
        assert_eq!(t.workers, ["직원1", "직원2"]);
        let ids: Vec<Id> = t.visits.iter().map(|v| v.visit_id).collect();
        assert_eq!(ids, [id(20), id(21)]);
        assert_eq!(t.progress.get("completed"), Some(&1));
        assert_eq!(t.progress.get("planned"), Some(&1));
        let unassigned: Vec<Id> = day.unassigned.iter().map(|v| v.visit_id).collect();
        assert_eq!(unassigned, [id(23), id(22)], "in window order");
        assert_eq!(day.cannot_place.len(), 1, "{:?}", day.cannot_place);
        assert_eq!(
            (
                day.cannot_place[0].visit_id,
                day.cannot_place[0].code.as_str()
            ),
            (id(23), "missing_location")
        );
        assert_eq!(day.proposed.len(), 1);
        let mut pair = day.proposed[0].workers.clone();
        pair.sort();
        assert_eq!(pair, ["직원3", "직원5"], "the unit's free pair, 2인 1조");
        assert_eq!(day.proposed[0].stops[0].0, id(22));
        assert_eq!(day.planner_error, None);
    }
}
