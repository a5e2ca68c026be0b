//! Why a visit was left out. Each reason is checked against the facts in this order, and the first that
//! holds is given, so every reason is true of the input and the plan:
//! 1. a home visit with no location;
//! 2. no team of at most `max_team_size` people could be formed from **everyone on duty** (a role nobody
//!    has, no staff member, fewer than two people);
//! 3. such a team exists, but not from the people whose hours cover the window;
//! 4. no team of today's plan has the required make-up;
//! 5. otherwise every qualified team is fully booked: it cannot take the visit at any point of its route
//!    (time, travel, hours or visit limit). The planner guarantees this by trying every left-out visit in
//!    every team at the end.
//!
//! Every reason also says the visit's rank (위기도, then urgency) and, when the day was short, how the
//! visits the qualified teams do make rank against it (crisis level first, then lateness, then travel).

use super::ctx::{instant, Ctx};
use super::kst_hm;
use super::output::{UnplannedCode, UnplannedVisit};
use super::roles::{self, RoleClause};
use super::route::Team;
use crate::model::CrisisLevel;

/// `routes[t]`: the visits team `t` makes in the plan.
pub(crate) fn reason(ctx: &Ctx, teams: &[Team], routes: &[Vec<usize>], v: usize) -> UnplannedVisit {
    let vc = &ctx.visits[v];
    let (roles_ko, roles_en) = roles::clauses_label(&vc.clauses);
    let window = format!("{}–{}", kst_hm(instant(vc.ws)), kst_hm(instant(vc.we)));
    let make = |code, roles: Vec<RoleClause>, ko: String, en: String| {
        let (priority_ko, priority_en) = priority_note(ctx, teams, routes, v, code);
        UnplannedVisit {
            visit_id: vc.id,
            code,
            roles,
            ko,
            en,
            crisis_level: vc.level,
            priority_ko,
            priority_en,
        }
    };
    if vc.missing_location {
        return make(
            UnplannedCode::MissingLocation,
            Vec::new(),
            "가정방문인데 위치 정보가 없어 동선을 짤 수 없습니다".into(),
            "home visit without a location: no route can include it".into(),
        );
    }
    let everyone: Vec<usize> = (0..ctx.workers.len()).collect();
    if !team_possible(ctx, &everyone, v) {
        if let Some(c) = vc
            .clauses
            .iter()
            .find(|c| !ctx.workers.iter().any(|w| c.met_by(&w.roles)))
        {
            return make(
                UnplannedCode::RoleUnavailable,
                vec![c.clone()],
                format!("오늘 근무자 중 {}이(가) 없습니다", c.label_ko()),
                format!("nobody on duty today is a {}", c.label_en()),
            );
        }
        let (ko, en) = if vc.home && ctx.workers.len() < 2 {
            (
                "근무자가 2명 미만이라 2인 1조 가정방문을 할 수 없습니다".to_owned(),
                "fewer than two people on duty: no two-person home visit".to_owned(),
            )
        } else if vc.home && !ctx.workers.iter().any(|w| w.staff) {
            (
                "근무자 중 공무원·전담인력이 없어 가정방문 팀을 꾸릴 수 없습니다".to_owned(),
                "no staff member on duty to lead a home visit".to_owned(),
            )
        } else {
            (
                format!("필요한 역할({roles_ko})을 각기 다른 사람으로 채울 팀을 만들 수 없습니다"),
                format!("no team can cover the required roles ({roles_en}) with different people"),
            )
        };
        return make(UnplannedCode::RoleUnavailable, vc.clauses.clone(), ko, en);
    }
    let in_hours: Vec<usize> = (0..ctx.workers.len())
        .filter(|m| {
            let w = &ctx.workers[*m];
            vc.ws.max(w.hs) + vc.dur <= vc.we.min(w.he)
        })
        .collect();
    let who_ko = if vc.clauses.is_empty() {
        "2인 1조 팀".to_owned()
    } else {
        format!("{roles_ko} 포함 팀")
    };
    let who_en = if vc.clauses.is_empty() {
        "two-person team".to_owned()
    } else {
        format!("team with {roles_en}")
    };
    if !team_possible(ctx, &in_hours, v) {
        return make(
            UnplannedCode::NoneInHours,
            vc.clauses.clone(),
            format!("{window}에 근무하는 인력으로는 {who_ko}을 꾸릴 수 없습니다"),
            format!("nobody on duty {window} can form a {who_en}"),
        );
    }
    if !teams.iter().any(|t| t.qual[v]) {
        return make(
            UnplannedCode::NoQualifiedTeam,
            vc.clauses.clone(),
            format!("오늘 편성된 팀 중 {who_ko}이 없습니다"),
            format!("no {who_en} in today's teams"),
        );
    }
    make(
        UnplannedCode::TeamsFullyBooked,
        vc.clauses.clone(),
        format!("{who_ko}이 {window}에 모두 일정이 차 있습니다"),
        format!("no {who_en} free {window}"),
    )
}

/// The visit's rank, and for a full day whether the qualified teams are full with visits ranked at
/// least as high (true of the plan: it compares the visits they make).
fn priority_note(
    ctx: &Ctx,
    teams: &[Team],
    routes: &[Vec<usize>],
    v: usize,
    code: UnplannedCode,
) -> (String, String) {
    let vc = &ctx.visits[v];
    let level = CrisisLevel::new(i64::from(vc.level)).unwrap_or(CrisisLevel::STABLE);
    let rank_ko = format!(
        "위기도 {}({})·긴급도 {}",
        level.value(),
        level.label_ko(),
        vc.priority
    );
    let rank_en = format!(
        "crisis level {} ({}), urgency {}",
        level.value(),
        level.label_en(),
        vc.priority
    );
    if code != UnplannedCode::TeamsFullyBooked {
        return (
            format!("{rank_ko} 방문입니다"),
            format!("a visit of {rank_en}"),
        );
    }
    let rank = |u: usize| (ctx.visits[u].level, ctx.visits[u].priority);
    let lower = teams
        .iter()
        .zip(routes)
        .filter(|(t, _)| t.qual.get(v).copied().unwrap_or(false))
        .flat_map(|(_, r)| r.iter())
        .any(|u| rank(*u) < rank(v));
    if lower {
        (
            format!("{rank_ko} 방문입니다. 이 방문을 할 수 있는 팀에 순위가 낮은 방문도 있으나 시간대·동선이 맞지 않아 바꿀 수 없었습니다"),
            format!("a visit of {rank_en}; the teams that could make it also make lower-ranked visits, but swapping one for it does not fit the times or routes"),
        )
    } else {
        (
            format!("{rank_ko} 방문입니다. 일정이 부족해 위기도가 높은 방문, 같은 위기도에서는 더 늦어진 방문을 먼저 배정했고, 이 방문을 할 수 있는 팀은 모두 위기도·긴급도가 같거나 높은 방문으로 찼습니다"),
            format!("a visit of {rank_en}; the day is short, so higher crisis levels, then longer overdue visits were placed first, and every team that could make it is full with visits ranked the same or higher"),
        )
    }
}

/// Whether some group of at most `max_team_size` people from `pool` qualifies for visit `v`.
///
/// People who meet none of the visit's role clauses only fill a seat (as staff or not), so a few of each
/// kind are enough to try: that keeps the search small on large pools without changing its answer.
fn team_possible(ctx: &Ctx, pool: &[usize], v: usize) -> bool {
    let max = usize::from(ctx.rules.max_team_size);
    let vc = &ctx.visits[v];
    // Filler kinds: other, visiting volunteer (a volunteer pair's second), staff.
    let mut fillers = [0usize; 3];
    let reduced: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|m| {
            let w = &ctx.workers[*m];
            if vc.clauses.iter().any(|c| c.met_by(&w.roles)) || vc.regular_volunteer == Some(*m) {
                return true;
            }
            let kind = if w.staff { 2 } else { usize::from(w.volunteer) };
            fillers[kind] += 1;
            fillers[kind] <= max
        })
        .collect();
    let mut group = Vec::with_capacity(max);
    any_group(ctx, &reduced, 0, max, &mut group, v)
}

fn any_group(
    ctx: &Ctx,
    pool: &[usize],
    from: usize,
    max: usize,
    group: &mut Vec<usize>,
    v: usize,
) -> bool {
    if !group.is_empty() && ctx.qualifies(group, v) {
        return true;
    }
    if group.len() == max {
        return false;
    }
    for i in from..pool.len() {
        group.push(pool[i]);
        let found = any_group(ctx, pool, i + 1, max, group, v);
        group.pop();
        if found {
            return true;
        }
    }
    false
}
