//! The planner's compiled view of the input: indices instead of ids, seconds instead of instants, and a
//! travel-time matrix computed once. Validation lives here so that nothing downstream can panic.

use chrono::{DateTime, Utc};

use super::input::{PlanInput, PlanRules, PlanVisit, PlanWorker};
use super::roles::{self, RoleClause};
use super::travel::TravelTime;
use crate::model::worker::is_volunteer_pair;
use crate::model::{ContactMode, GeoPoint, Id, Role, VisitPurpose};
use crate::{CoreError, CoreResult};

/// Seconds of "travel" that leaving one visit of crisis level 1 out costs, per priority step (28 h: more
/// than any route, so the planner always prefers placing a visit).
pub(crate) const UNPLANNED_PENALTY_S: i64 = 100_000;
/// Largest penalty of one visit: 600 of them plus every route still add up within an `i64`.
const PENALTY_CAP_S: i64 = i64::MAX / (4 * MAX_VISITS as i64);
/// Cost of a visit with none of last time's workers (our choice: worth 10 minutes of walking).
pub(crate) const CONTINUITY_PENALTY_S: i64 = 600;
/// Load-balance weight: a team with n stops costs this × n² (our choice: one minute; the marginal cost of
/// the k-th stop grows by two minutes, so a 5-minute detour to an idle team is taken over a 10-stop team).
pub(crate) const BALANCE_WEIGHT_S: i64 = 60;
/// Longest single visit accepted (12 h): anything longer is a data-entry mistake.
const MAX_DURATION_MIN: u32 = 12 * 60;
/// Largest day accepted by one call (our choice: a busy 동 has well under a hundred contacts a day; a
/// whole district is planned 동 by 동 with [`super::plan_district`]).
const MAX_VISITS: usize = 600;
const MAX_WORKERS: usize = 60;

pub(crate) struct VisitC {
    pub id: Id,
    pub dur: i64,
    pub ws: i64,
    pub we: i64,
    /// Travel location (`None`: phone, or centre contact without a place).
    pub loc: Option<usize>,
    /// Home visit (2인 1조).
    pub home: bool,
    pub missing_location: bool,
    pub clauses: Vec<RoleClause>,
    pub penalty: i64,
    /// 위기도 1–5 and urgency within it: the visit's rank when the day is short.
    pub level: u8,
    pub priority: u8,
    pub last: Vec<usize>,
    pub regular_volunteer: Option<usize>,
    pub wellness: bool,
}

pub(crate) struct WorkerC {
    pub id: Id,
    pub roles: Vec<Role>,
    /// May be the staff member of a home visit ([`Role::leads_home_visit`]).
    pub staff: bool,
    /// 우리동네돌봄단 / 보라미 ([`Role::is_visiting_volunteer`]).
    pub volunteer: bool,
    pub hs: i64,
    pub he: i64,
    pub start: usize,
    pub end: usize,
    pub max_visits: usize,
}

pub(crate) struct Ctx {
    pub visits: Vec<VisitC>,
    pub workers: Vec<WorkerC>,
    pub rules: PlanRules,
    n_loc: usize,
    tt: Vec<i64>,
}

impl Ctx {
    #[inline]
    pub fn tt(&self, a: usize, b: usize) -> i64 {
        self.tt.get(a * self.n_loc + b).copied().unwrap_or(0)
    }

    pub fn worker_index(&self, id: Id) -> Option<usize> {
        self.workers.iter().position(|w| w.id == id)
    }

    pub fn visit_index(&self, id: Id) -> Option<usize> {
        self.visits.iter().position(|v| v.id == id)
    }

    pub fn build(input: &PlanInput, travel: &dyn TravelTime) -> CoreResult<Ctx> {
        validate(input)?;
        let rules = input.rules.clone();
        let mut points: Vec<GeoPoint> = Vec::new();
        let mut workers = Vec::with_capacity(input.workers.len());
        for w in &input.workers {
            points.push(w.start);
            let start = points.len() - 1;
            points.push(w.end);
            let end = points.len() - 1;
            workers.push(WorkerC {
                id: w.id,
                roles: w.roles.clone(),
                staff: w.roles.iter().any(|r| r.leads_home_visit()),
                volunteer: w.roles.iter().any(|r| r.is_visiting_volunteer()),
                hs: secs(w.hours.start),
                he: secs(w.hours.end),
                start,
                end,
                max_visits: w.max_visits as usize,
            });
        }
        let mut visits = Vec::with_capacity(input.visits.len());
        for v in &input.visits {
            let home = v.contact_mode.needs_pair();
            let loc = match (v.contact_mode, v.location) {
                (ContactMode::Phone, _) | (_, None) => None,
                (_, Some(p)) => {
                    points.push(p);
                    Some(points.len() - 1)
                }
            };
            let clauses = if home {
                roles::merge(v.required.clone(), roles::companions(&v.risk_flags))
            } else {
                v.required.clone()
            };
            visits.push(VisitC {
                id: v.id,
                dur: i64::from(v.duration_min) * 60,
                ws: secs(v.window.start),
                we: secs(v.window.end),
                loc,
                home,
                missing_location: home && v.location.is_none(),
                clauses,
                penalty: 0,
                level: v.crisis_level.value(),
                priority: v.priority,
                last: v
                    .last_workers
                    .iter()
                    .filter_map(|id| input.workers.iter().position(|w| w.id == *id))
                    .collect(),
                regular_volunteer: v
                    .regular_volunteer
                    .and_then(|id| input.workers.iter().position(|w| w.id == id)),
                wellness: v.purpose == VisitPurpose::WellnessCheck,
            });
        }
        let weights = level_weights(&input.visits);
        for vc in &mut visits {
            let w = weights[usize::from(vc.level.clamp(1, 5)) - 1];
            vc.penalty = w
                .saturating_mul(1 + i64::from(vc.priority))
                .min(PENALTY_CAP_S);
        }
        let n_loc = points.len();
        let mut tt = vec![0; n_loc * n_loc];
        for (i, a) in points.iter().enumerate() {
            for (j, b) in points.iter().enumerate() {
                if i != j {
                    // A custom model's odd values are clamped (0 to ~11.5 days) so that time sums cannot overflow.
                    tt[i * n_loc + j] = travel.seconds(*a, *b).clamp(0, 1_000_000);
                }
            }
        }
        Ok(Ctx {
            visits,
            workers,
            rules,
            n_loc,
            tt,
        })
    }

    /// Whether a team made of `members` may make visit `v`: pair and staff rule for home visits, and
    /// every role clause by a different member.
    pub fn qualifies(&self, members: &[usize], v: usize) -> bool {
        let Some(vc) = self.visits.get(v) else {
            return false;
        };
        if vc.missing_location || members.is_empty() {
            return false;
        }
        if vc.home {
            if members.len() < 2 {
                return false;
            }
            let staff = members.iter().any(|m| self.workers[*m].staff);
            // A volunteer's own regular visit, where the district allows it.
            let volunteer_pair = self.rules.allow_volunteer_pairs
                && vc.wellness
                && vc.regular_volunteer.is_some_and(|r| {
                    is_volunteer_pair(
                        self.workers[r].id,
                        members
                            .iter()
                            .map(|m| (self.workers[*m].id, self.workers[*m].roles.as_slice())),
                    )
                });
            if !staff && !volunteer_pair {
                return false;
            }
        }
        let roles: Vec<&[Role]> = members
            .iter()
            .map(|m| self.workers[*m].roles.as_slice())
            .collect();
        roles::clauses_covered(&vc.clauses, &roles)
    }
}

/// The cost of leaving out one visit of each crisis level (index 0 = level 1) at urgency 0; a visit of
/// urgency p costs (1 + p) times its level's weight. Each level's weight is one more than leaving out
/// **every** visit of the lower levels at the day's highest urgency, so no plan drops a visit to place
/// lower levels only: crisis level first, then urgency, then travel. Exact for days whose weights stay
/// under the cap (every day of up to 300 visits with urgencies 0–3).
fn level_weights(visits: &[PlanVisit]) -> [i64; 5] {
    let top = visits
        .iter()
        .map(|v| i64::from(v.priority))
        .max()
        .unwrap_or(0)
        + 1;
    let mut count = [0i64; 5];
    for v in visits {
        count[usize::from(v.crisis_level.value().clamp(1, 5)) - 1] += 1;
    }
    let mut w = [UNPLANNED_PENALTY_S; 5];
    for l in 1..5 {
        w[l] = w[l - 1]
            .saturating_mul(count[l - 1].saturating_mul(top).saturating_add(1))
            .min(PENALTY_CAP_S);
    }
    w
}

pub(crate) fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn instant(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn check_point(p: GeoPoint, field: String) -> CoreResult<()> {
    GeoPoint::new(p.lat, p.lon)
        .map(|_| ())
        .map_err(|e| CoreError::invalid(e.code, &field, e.ko, e.en))
}

/// Rejects malformed input with an error naming the field. Things that are merely impossible to plan
/// (a role nobody has, a worker with no hours) are not errors: they come back as reasons.
pub(crate) fn validate(input: &PlanInput) -> CoreResult<()> {
    input.travel.validate()?;
    if !(2..=4).contains(&input.rules.max_team_size) {
        return Err(CoreError::invalid(
            "max_team_size_out_of_range",
            "rules.max_team_size",
            format!(
                "팀 최대 인원은 2~4명이어야 합니다 (입력: {})",
                input.rules.max_team_size
            ),
            format!(
                "the largest team must be 2 to 4 people (got {})",
                input.rules.max_team_size
            ),
        ));
    }
    // One 동's day; the travel matrix grows with the square of the places, so cap the sizes.
    if input.visits.len() > MAX_VISITS || input.workers.len() > MAX_WORKERS {
        return Err(CoreError::invalid(
            "plan_too_large",
            if input.visits.len() > MAX_VISITS { "visits" } else { "workers" },
            format!(
                "한 번에 계획할 수 있는 규모를 넘었습니다 (방문 {}건/최대 {MAX_VISITS}, 인력 {}명/최대 {MAX_WORKERS}). 동별로 나누어 계획하세요",
                input.visits.len(),
                input.workers.len()
            ),
            format!(
                "too large to plan at once ({} visits of at most {MAX_VISITS}, {} workers of at most {MAX_WORKERS}); plan each 동 separately",
                input.visits.len(),
                input.workers.len()
            ),
        ));
    }
    for (i, v) in input.visits.iter().enumerate() {
        validate_visit(i, v)?;
        if input.visits[..i].iter().any(|o| o.id == v.id) {
            return Err(CoreError::invalid(
                "duplicate_visit_id",
                &format!("visits[{i}].id"),
                format!("방문 id가 중복되었습니다: {}", v.id),
                format!("duplicate visit id: {}", v.id),
            ));
        }
    }
    for (i, w) in input.workers.iter().enumerate() {
        validate_worker(i, w)?;
        if input.workers[..i].iter().any(|o| o.id == w.id) {
            return Err(CoreError::invalid(
                "duplicate_worker_id",
                &format!("workers[{i}].id"),
                format!("직원 id가 중복되었습니다: {}", w.id),
                format!("duplicate worker id: {}", w.id),
            ));
        }
    }
    Ok(())
}

fn validate_visit(i: usize, v: &PlanVisit) -> CoreResult<()> {
    if v.window.end <= v.window.start {
        return Err(CoreError::invalid(
            "window_ends_before_start",
            &format!("visits[{i}].window"),
            "방문 가능 시간의 종료가 시작보다 빠르거나 같습니다",
            "the visit window ends before (or when) it starts",
        ));
    }
    if v.duration_min == 0 || v.duration_min > MAX_DURATION_MIN {
        return Err(CoreError::invalid(
            "visit_duration_out_of_range",
            &format!("visits[{i}].duration_min"),
            format!(
                "방문 소요 시간은 1~{MAX_DURATION_MIN}분이어야 합니다 (입력: {})",
                v.duration_min
            ),
            format!(
                "visit duration must be 1 to {MAX_DURATION_MIN} minutes (got {})",
                v.duration_min
            ),
        ));
    }
    if let Some(p) = v.location {
        check_point(p, format!("visits[{i}].location"))?;
    }
    if v.required.iter().any(|c| c.any_of.is_empty()) {
        return Err(CoreError::invalid(
            "role_clause_empty",
            &format!("visits[{i}].required"),
            "필요 역할 조건에 역할이 하나도 없습니다",
            "a required-role clause lists no role",
        ));
    }
    Ok(())
}

fn validate_worker(i: usize, w: &PlanWorker) -> CoreResult<()> {
    // Start == end is allowed: a worker with no hours today simply takes no visit.
    if w.hours.end < w.hours.start {
        return Err(CoreError::invalid(
            "worker_hours_end_before_start",
            &format!("workers[{i}].hours"),
            "근무 종료 시각이 시작 시각보다 빠릅니다",
            "the working hours end before they start",
        ));
    }
    check_point(w.start, format!("workers[{i}].start"))?;
    check_point(w.end, format!("workers[{i}].end"))?;
    Ok(())
}
