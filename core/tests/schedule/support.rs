//! Shared helpers for the schedule tests: a fixed-seed instance generator, an independent checker of the
//! planner's hard rules and reasons, and an exact solver for small days. Included by the `schedule_*`
//! tests with `#[path]`; compiled alone it has no tests.
#![allow(dead_code, clippy::needless_range_loop)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use donghaeng_core::model::{
    ContactMode, CrisisLevel, GeoPoint, Id, RiskFlag, Role, TimeWindow, VisitPurpose,
};
use donghaeng_core::schedule::roles::{universal_65, universal_70};
use donghaeng_core::schedule::{
    HaversineTravel, Plan, PlanInput, PlanRules, PlanVisit, PlanWorker, RoleClause, TravelTime,
    UnplannedCode,
};

/// splitmix64: tiny, deterministic, good enough to make test instances.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn id(n: u64) -> Id {
    Id::from_u64_pair(0x0190_0000_0000_7000, n)
}

/// 09:00 KST on 2026-11-24 = 00:00 UTC.
pub fn day_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0)
        .single()
        .unwrap()
}

pub fn at(min: i64) -> DateTime<Utc> {
    day_start() + Duration::minutes(min)
}

pub fn centre() -> GeoPoint {
    GeoPoint::new(37.5665, 126.9780).unwrap()
}

pub fn near(rng: &mut Rng, km: f64) -> GeoPoint {
    let c = centre();
    let dlat = (rng.f() - 0.5) * km / 111.0;
    let dlon = (rng.f() - 0.5) * km / 88.0;
    GeoPoint::new(c.lat + dlat, c.lon + dlon).unwrap()
}

pub struct GenSpec {
    pub visits: usize,
    pub workers: usize,
    pub area_km: f64,
}

/// A random but plausible 동 day: mostly home visits, some phone and centre contacts, cohort roles,
/// risk-flag companions, time windows of the whole day or a slot, workers with mixed roles and hours.
pub fn generate(seed: u64, spec: &GenSpec) -> PlanInput {
    let mut rng = Rng(seed);
    let mut workers = Vec::new();
    for i in 0..spec.workers {
        let roles = match (i, rng.below(10)) {
            (0, _) => vec![Role::WelfarePlanner],
            (1, _) => vec![Role::VisitingNurse],
            (_, 0..=2) => vec![Role::WelfarePlanner],
            (_, 3..=4) => vec![Role::VisitingNurse],
            (_, 5) => vec![Role::Escort],
            (_, 6) => vec![Role::CaseManager],
            (_, 7) => vec![Role::VolunteerNeighborhoodCare],
            (_, 8) => vec![Role::PoliceOfficer],
            _ => vec![Role::MentalHealthOfficer, Role::CaseManager],
        };
        let (s, e) = match rng.below(6) {
            0 => (0, 240),
            1 => (240, 540),
            _ => (0, 540),
        };
        let start = if rng.chance(80) {
            centre()
        } else {
            near(&mut rng, spec.area_km)
        };
        workers.push(PlanWorker {
            id: id(1000 + i as u64),
            roles,
            hours: TimeWindow::new(at(s), at(e)).unwrap(),
            start,
            end: centre(),
            max_visits: 5 + rng.below(6) as u32,
        });
    }
    let mut visits = Vec::new();
    for i in 0..spec.visits {
        let mode = match rng.below(20) {
            0..=12 => ContactMode::Home,
            13..=17 => ContactMode::Phone,
            _ => ContactMode::Centre,
        };
        let location = match mode {
            ContactMode::Home => Some(near(&mut rng, spec.area_km)),
            ContactMode::Centre => Some(centre()),
            ContactMode::Phone => None,
        };
        let duration = 20 + rng.below(5) as u32 * 10;
        let window = if rng.chance(60) {
            TimeWindow::new(at(0), at(540)).unwrap()
        } else {
            let s = rng.below(7) as i64 * 60;
            TimeWindow::new(at(s), at(s + 120 + rng.below(3) as i64 * 60)).unwrap()
        };
        let (purpose, required) = match rng.below(10) {
            0 => (VisitPurpose::UniversalVisit, universal_65()),
            1 => (VisitPurpose::UniversalVisit, universal_70()),
            2 => (
                VisitPurpose::UniversalVisit,
                vec![RoleClause::one(Role::VisitingNurse)],
            ),
            3 => (VisitPurpose::WellnessCheck, Vec::new()),
            4 => (
                VisitPurpose::AfterCare,
                vec![RoleClause::one(Role::CaseManager)],
            ),
            _ => (VisitPurpose::CrisisMonitoring, Vec::new()),
        };
        let mut risk_flags = Vec::new();
        if rng.chance(5) {
            risk_flags.push(RiskFlag::DomesticViolenceReported);
        }
        if rng.chance(5) {
            risk_flags.push(RiskFlag::MentalHealthHighRiskNoConsent);
        }
        if rng.chance(10) {
            risk_flags.push(RiskFlag::Dog);
        }
        let last_workers = if rng.chance(40) && spec.workers > 0 {
            vec![id(1000 + rng.below(spec.workers as u64))]
        } else {
            Vec::new()
        };
        let regular_volunteer = if purpose == VisitPurpose::WellnessCheck && spec.workers > 0 {
            workers
                .iter()
                .find(|w| w.roles.iter().any(|r| r.is_volunteer()))
                .map(|w| w.id)
        } else {
            None
        };
        visits.push(PlanVisit {
            id: id(i as u64 + 1),
            household_id: id(5000 + i as u64),
            purpose,
            contact_mode: mode,
            location,
            window,
            duration_min: duration,
            required,
            risk_flags,
            crisis_level: CrisisLevel::STABLE,
            priority: rng.below(3) as u8,
            last_workers,
            regular_volunteer,
        });
    }
    PlanInput {
        visits,
        workers,
        rules: PlanRules {
            allow_volunteer_pairs: rng.chance(50),
            max_team_size: 3,
        },
        travel: HaversineTravel::walking(),
    }
}

// ---------------------------------------------------------------------------------------------------
// Independent model of the rules (written from the docs, not from the planner's code).

pub const UNPLANNED_PENALTY_S: i64 = 100_000;
pub const CONTINUITY_PENALTY_S: i64 = 600;
pub const BALANCE_WEIGHT_S: i64 = 60;

pub fn clauses_of(v: &PlanVisit) -> Vec<RoleClause> {
    let mut c = v.required.clone();
    if v.contact_mode == ContactMode::Home {
        let mut roles: Vec<Role> = v
            .risk_flags
            .iter()
            .filter_map(|f| f.required_companion())
            .collect();
        roles.sort();
        roles.dedup();
        for r in roles {
            let cl = RoleClause::one(r);
            if !c.contains(&cl) {
                c.push(cl);
            }
        }
    }
    c
}

/// Every assignment of clauses to distinct members, by brute force over permutations.
fn distinct_cover(clauses: &[RoleClause], members: &[&PlanWorker]) -> bool {
    fn rec(clauses: &[RoleClause], members: &[&PlanWorker], used: &mut Vec<bool>) -> bool {
        match clauses.split_first() {
            None => true,
            Some((c, rest)) => (0..members.len()).any(|i| {
                if used[i] || !c.any_of.iter().any(|r| members[i].roles.contains(r)) {
                    return false;
                }
                used[i] = true;
                let ok = rec(rest, members, used);
                used[i] = false;
                ok
            }),
        }
    }
    rec(clauses, members, &mut vec![false; members.len()])
}

pub fn team_qualifies(input: &PlanInput, members: &[&PlanWorker], v: &PlanVisit) -> bool {
    if members.is_empty() {
        return false;
    }
    if v.contact_mode == ContactMode::Home {
        if v.location.is_none() || members.len() < 2 {
            return false;
        }
        // A staffed pair needs someone who may lead a visit: not an escort or police officer (001 §6).
        let staff = members.iter().any(|m| {
            m.roles.iter().any(|r| {
                matches!(
                    r,
                    Role::WelfarePlanner
                        | Role::VisitingNurse
                        | Role::CareManager
                        | Role::CaseManager
                        | Role::MentalHealthOfficer
                )
            })
        });
        let visiting_volunteer = |m: &PlanWorker| {
            m.roles
                .iter()
                .any(|r| matches!(r, Role::VolunteerNeighborhoodCare | Role::VolunteerBorami))
        };
        let vol_pair = input.rules.allow_volunteer_pairs
            && v.purpose == VisitPurpose::WellnessCheck
            && v.regular_volunteer.is_some_and(|r| {
                members.iter().any(|m| m.id == r)
                    && members.iter().any(|m| m.id != r && visiting_volunteer(m))
            });
        if !staff && !vol_pair {
            return false;
        }
    }
    distinct_cover(&clauses_of(v), members)
}

fn loc_of(v: &PlanVisit) -> Option<GeoPoint> {
    match v.contact_mode {
        ContactMode::Phone => None,
        _ => v.location,
    }
}

/// Simulates a team's route from the start of their hours: (person-seconds of travel, feasible).
/// Returns `None` if infeasible.
pub fn simulate(input: &PlanInput, members: &[&PlanWorker], seq: &[&PlanVisit]) -> Option<i64> {
    let tt = |a: GeoPoint, b: GeoPoint| input.travel.seconds(a, b);
    let max_stops = members.iter().map(|m| m.max_visits as usize).min()?;
    if seq.len() > max_stops {
        return None;
    }
    let mut t = members.iter().map(|m| m.hours.start.timestamp()).max()?;
    let mut pos: Option<GeoPoint> = None;
    let mut travel = 0;
    for v in seq {
        if !team_qualifies(input, members, v) {
            return None;
        }
        let arrive = match loc_of(v) {
            Some(l) => {
                let leg = match pos {
                    Some(p) => {
                        travel += tt(p, l) * members.len() as i64;
                        tt(p, l)
                    }
                    None => members
                        .iter()
                        .map(|m| {
                            travel += tt(m.start, l);
                            tt(m.start, l)
                        })
                        .max()
                        .unwrap_or(0),
                };
                pos = Some(l);
                t + leg
            }
            None => t,
        };
        let start = arrive.max(v.window.start.timestamp());
        let end = start + i64::from(v.duration_min) * 60;
        if end > v.window.end.timestamp() {
            return None;
        }
        t = end;
    }
    if !seq.is_empty() {
        for m in members {
            let back = pos.map_or(0, |p| tt(p, m.end));
            if t + back > m.hours.end.timestamp() {
                return None;
            }
            travel += back;
        }
    }
    Some(travel)
}

pub fn route_cost(input: &PlanInput, members: &[&PlanWorker], seq: &[&PlanVisit]) -> Option<i64> {
    let travel = simulate(input, members, seq)?;
    let cont: i64 = seq
        .iter()
        .filter(|v| {
            !v.last_workers.is_empty() && !members.iter().any(|m| v.last_workers.contains(&m.id))
        })
        .count() as i64
        * CONTINUITY_PENALTY_S;
    let n = seq.len() as i64;
    Some(travel + cont + BALANCE_WEIGHT_S * n * n)
}

pub fn penalty(v: &PlanVisit) -> i64 {
    UNPLANNED_PENALTY_S * (1 + i64::from(v.priority))
}

fn worker(input: &PlanInput, id: Id) -> &PlanWorker {
    input
        .workers
        .iter()
        .find(|w| w.id == id)
        .expect("plan names a worker of the input")
}

fn visit(input: &PlanInput, id: Id) -> &PlanVisit {
    input
        .visits
        .iter()
        .find(|v| v.id == id)
        .expect("plan names a visit of the input")
}

/// Checks every hard rule of a day plan; returns the first broken one. Also recomputes the cost.
pub fn check_plan(input: &PlanInput, plan: &Plan) -> Result<i64, String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut in_team = std::collections::BTreeSet::new();
    let mut total = 0;
    for (ti, t) in plan.teams.iter().enumerate() {
        for w in &t.workers {
            if !in_team.insert(*w) {
                return Err(format!("worker {w} in two teams"));
            }
        }
        let members: Vec<&PlanWorker> = t.workers.iter().map(|w| worker(input, *w)).collect();
        let seq: Vec<&PlanVisit> = t.stops.iter().map(|s| visit(input, s.visit_id)).collect();
        for (s, v) in t.stops.iter().zip(&seq) {
            if !seen.insert(v.id) {
                return Err(format!("visit {} planned twice", v.id));
            }
            if !team_qualifies(input, &members, v) {
                return Err(format!("team {ti} does not qualify for visit {}", v.id));
            }
            if s.start < v.window.start || s.end > v.window.end {
                return Err(format!("visit {} outside its window", v.id));
            }
            if s.end - s.start != Duration::minutes(i64::from(v.duration_min)) || s.arrive > s.start
            {
                return Err(format!("visit {} timing inconsistent", v.id));
            }
        }
        for w in 1..t.stops.len() {
            if t.stops[w].arrive < t.stops[w - 1].end {
                return Err(format!("team {ti} arrives before it left"));
            }
        }
        // Timing and hours: the independent simulation must accept the route in this order, and its
        // earliest times must not be later than the plan's (the plan may not start a visit early).
        let Some(_) = simulate(input, &members, &seq) else {
            return Err(format!(
                "team {ti}: route breaks windows, hours, travel or visit limits"
            ));
        };
        for s in &t.stops {
            for m in &members {
                if s.start < m.hours.start || s.end > m.hours.end {
                    return Err(format!("team {ti}: visit outside a member's hours"));
                }
            }
        }
        total += route_cost(input, &members, &seq).unwrap_or(0);
    }
    for u in &plan.unplanned {
        if !seen.insert(u.visit_id) {
            return Err(format!("visit {} both planned and unplanned", u.visit_id));
        }
        total += penalty(visit(input, u.visit_id));
    }
    if seen.len() != input.visits.len() {
        return Err(format!(
            "{} visits accounted for, {} given",
            seen.len(),
            input.visits.len()
        ));
    }
    Ok(total)
}

fn in_hours(w: &PlanWorker, v: &PlanVisit) -> bool {
    let s = v.window.start.max(w.hours.start);
    let e = v.window.end.min(w.hours.end);
    s + Duration::minutes(i64::from(v.duration_min)) <= e
}

fn some_group(input: &PlanInput, pool: &[&PlanWorker], v: &PlanVisit) -> bool {
    let n = pool.len();
    let max = usize::from(input.rules.max_team_size);
    (1u32..(1u32 << n.min(20))).any(|mask| {
        if mask.count_ones() as usize > max {
            return false;
        }
        let g: Vec<&PlanWorker> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| pool[i])
            .collect();
        team_qualifies(input, &g, v)
    })
}

/// Checks that every left-out visit's reason is true.
pub fn check_reasons(input: &PlanInput, plan: &Plan) -> Result<(), String> {
    for u in &plan.unplanned {
        let v = visit(input, u.visit_id);
        let all: Vec<&PlanWorker> = input.workers.iter().collect();
        let ok = match u.code {
            UnplannedCode::MissingLocation => {
                v.contact_mode == ContactMode::Home && v.location.is_none()
            }
            UnplannedCode::RoleUnavailable => !some_group(input, &all, v),
            UnplannedCode::NoneInHours => {
                let pool: Vec<&PlanWorker> =
                    all.iter().copied().filter(|w| in_hours(w, v)).collect();
                some_group(input, &all, v) && !some_group(input, &pool, v)
            }
            UnplannedCode::NoQualifiedTeam => plan.teams.iter().all(|t| {
                let m: Vec<&PlanWorker> = t.workers.iter().map(|w| worker(input, *w)).collect();
                !team_qualifies(input, &m, v)
            }),
            UnplannedCode::TeamsFullyBooked => {
                let mut any_qualified = false;
                let mut none_fits = true;
                for t in &plan.teams {
                    let m: Vec<&PlanWorker> = t.workers.iter().map(|w| worker(input, *w)).collect();
                    if !team_qualifies(input, &m, v) {
                        continue;
                    }
                    any_qualified = true;
                    let seq: Vec<&PlanVisit> =
                        t.stops.iter().map(|s| visit(input, s.visit_id)).collect();
                    for p in 0..=seq.len() {
                        let mut s2 = seq.clone();
                        s2.insert(p, v);
                        if simulate(input, &m, &s2).is_some() {
                            none_fits = false;
                        }
                    }
                }
                any_qualified && none_fits
            }
        };
        if !ok {
            return Err(format!(
                "reason {:?} for visit {} is not true ({})",
                u.code, u.visit_id, u.en
            ));
        }
        if u.ko.is_empty() || u.en.is_empty() {
            return Err("empty reason text".into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Exact solver for small days (≤ 8 visits, ≤ 4 workers).

fn partitions(n: usize, max: usize) -> Vec<Vec<Vec<usize>>> {
    fn rec(
        i: usize,
        n: usize,
        max: usize,
        cur: &mut Vec<Vec<usize>>,
        out: &mut Vec<Vec<Vec<usize>>>,
    ) {
        if i == n {
            out.push(cur.clone());
            return;
        }
        for b in 0..cur.len() {
            if cur[b].len() < max {
                cur[b].push(i);
                rec(i + 1, n, max, cur, out);
                cur[b].pop();
            }
        }
        cur.push(vec![i]);
        rec(i + 1, n, max, cur, out);
        cur.pop();
    }
    let mut out = Vec::new();
    rec(0, n, max, &mut Vec::new(), &mut out);
    out
}

/// Best route cost for every subset of visits (by bitmask) for one team: brute force over all orders.
fn best_by_subset(input: &PlanInput, members: &[&PlanWorker]) -> Vec<Option<i64>> {
    let n = input.visits.len();
    let mut best = vec![None; 1 << n];
    best[0] = Some(0);
    let mut seq: Vec<&PlanVisit> = Vec::new();
    fn dfs<'a>(
        input: &'a PlanInput,
        members: &[&PlanWorker],
        seq: &mut Vec<&'a PlanVisit>,
        mask: usize,
        best: &mut Vec<Option<i64>>,
    ) {
        for i in 0..input.visits.len() {
            if mask & (1 << i) != 0 {
                continue;
            }
            seq.push(&input.visits[i]);
            // A prefix that breaks a window stays broken whatever follows; the return leg is checked in
            // full by route_cost, so only the prefix without its return leg is used to prune.
            if prefix_ok(input, members, seq) {
                if let Some(c) = route_cost(input, members, seq) {
                    let m = mask | (1 << i);
                    if best[m].is_none_or(|b| c < b) {
                        best[m] = Some(c);
                    }
                }
                dfs(input, members, seq, mask | (1 << i), best);
            }
            seq.pop();
        }
    }
    dfs(input, members, &mut seq, 0, &mut best);
    best
}

/// Windows, qualification and visit limit of a prefix (no return leg).
fn prefix_ok(input: &PlanInput, members: &[&PlanWorker], seq: &[&PlanVisit]) -> bool {
    let mut relaxed: Vec<PlanWorker> = members.iter().map(|m| (*m).clone()).collect();
    for m in &mut relaxed {
        m.hours = TimeWindow::new(m.hours.start, m.hours.start + Duration::days(2)).unwrap();
        m.end = m.start;
    }
    let refs: Vec<&PlanWorker> = relaxed.iter().collect();
    // With far-away deadlines and ends at the starts, only windows, roles and the limit can fail, and
    // those stay broken whatever is appended: a sound pruning rule.
    simulate(input, &refs, seq).is_some()
}

/// The optimum (total cost, of which penalties for visits left out) over every team formation, visit
/// assignment and order.
pub fn exact_optimum(input: &PlanInput) -> (i64, i64) {
    let n = input.visits.len();
    let full = (1usize << n) - 1;
    let pen: Vec<i64> = (0..=full)
        .map(|mask| {
            (0..n)
                .filter(|i| mask & (1 << i) == 0)
                .map(|i| penalty(&input.visits[i]))
                .sum()
        })
        .collect();
    let nw = input.workers.len();
    let mut cache: std::collections::BTreeMap<Vec<usize>, Vec<Option<i64>>> = Default::default();
    let mut best = (i64::MAX, 0);
    for part in partitions(nw, usize::from(input.rules.max_team_size)) {
        // f[mask]: cheapest routes covering exactly `mask` with the teams so far.
        let mut f: Vec<Option<i64>> = vec![None; full + 1];
        f[0] = Some(0);
        for team in &part {
            let table = cache
                .entry(team.clone())
                .or_insert_with(|| {
                    let m: Vec<&PlanWorker> = team.iter().map(|i| &input.workers[*i]).collect();
                    best_by_subset(input, &m)
                })
                .clone();
            let mut g = f.clone();
            for mask in 0..=full {
                let Some(base) = f[mask] else { continue };
                let rest = full & !mask;
                let mut sub = rest;
                while sub > 0 {
                    if let Some(c) = table[sub] {
                        let m = mask | sub;
                        if g[m].is_none_or(|x| base + c < x) {
                            g[m] = Some(base + c);
                        }
                    }
                    sub = (sub - 1) & rest;
                }
            }
            f = g;
        }
        for mask in 0..=full {
            if let Some(c) = f[mask] {
                if c + pen[mask] < best.0 {
                    best = (c + pen[mask], pen[mask]);
                }
            }
        }
    }
    best
}
