//! When the day is short: the planner drops by crisis level first, then lateness, then travel, and says
//! why; and who makes a staffed pair (an escort with a volunteer does not; volunteer pairs only on their
//! own regular visits).

use crate::support;

use donghaeng_core::model::{ContactMode, CrisisLevel, Id, Role, TimeWindow, VisitPurpose};
use donghaeng_core::schedule::{
    plan_day, HaversineTravel, PlanInput, PlanRules, PlanVisit, PlanWorker, UnplannedCode,
};
use proptest::prelude::*;
use support::*;

fn worker(n: u64, roles: &[Role], max_visits: u32) -> PlanWorker {
    PlanWorker {
        id: id(1000 + n),
        roles: roles.to_vec(),
        hours: TimeWindow::new(at(0), at(540)).unwrap(),
        start: centre(),
        end: centre(),
        max_visits,
    }
}

fn visit(n: u64, level: i64, priority: u8) -> PlanVisit {
    let mut rng = Rng(n);
    PlanVisit {
        id: id(n),
        household_id: id(5000 + n),
        purpose: VisitPurpose::CrisisMonitoring,
        contact_mode: ContactMode::Home,
        location: Some(near(&mut rng, 0.5)),
        window: TimeWindow::new(at(0), at(540)).unwrap(),
        duration_min: 30,
        required: Vec::new(),
        risk_flags: Vec::new(),
        crisis_level: CrisisLevel::new(level).unwrap(),
        priority,
        last_workers: Vec::new(),
        regular_volunteer: None,
    }
}

fn input(visits: Vec<PlanVisit>, workers: Vec<PlanWorker>) -> PlanInput {
    PlanInput {
        visits,
        workers,
        rules: PlanRules::default(),
        travel: HaversineTravel::walking(),
    }
}

fn planned(plan: &donghaeng_core::schedule::Plan) -> Vec<Id> {
    let mut v: Vec<Id> = plan
        .teams
        .iter()
        .flat_map(|t| t.stops.iter().map(|s| s.visit_id))
        .collect();
    v.sort();
    v
}

#[test]
fn a_crisis_household_due_today_outranks_a_65_visit_ten_days_late() {
    // One pair, room for one visit: the 위기 household due today (urgency 1) against a level-1
    // household's visit ten days late (urgency 3, `PlanVisit::from_due_item`).
    let workers = vec![
        worker(0, &[Role::WelfarePlanner], 1),
        worker(1, &[Role::VisitingNurse], 1),
    ];
    let mut late = visit(1, 1, 3);
    late.purpose = VisitPurpose::UniversalVisit;
    let crisis = visit(2, 5, 1);
    let inp = input(vec![late, crisis], workers);
    let plan = plan_day(&inp).unwrap();
    check_plan(&inp, &plan).unwrap();
    assert_eq!(planned(&plan), vec![id(2)]);
    assert_eq!(plan.unplanned.len(), 1);
    let u = &plan.unplanned[0];
    assert_eq!(u.visit_id, id(1));
    assert_eq!(u.code, UnplannedCode::TeamsFullyBooked);
    assert_eq!(u.crisis_level, 1);
    assert_eq!(
        u.priority_ko,
        "위기도 1(안정)·긴급도 3 방문입니다. 일정이 부족해 위기도가 높은 방문, 같은 위기도에서는 더 늦어진 방문을 먼저 배정했고, 이 방문을 할 수 있는 팀은 모두 위기도·긴급도가 같거나 높은 방문으로 찼습니다"
    );
    assert!(u
        .priority_en
        .starts_with("a visit of crisis level 1 (stable), urgency 3; the day is short"));
}

#[test]
fn many_lower_visits_never_outweigh_one_crisis_visit() {
    // One long 위기 visit takes the pair's whole day; five short level-4 visits a week late would fit
    // instead. The 위기 visit stays.
    let workers = vec![
        worker(0, &[Role::WelfarePlanner], 8),
        worker(1, &[Role::VisitingNurse], 8),
    ];
    let mut crisis = visit(1, 5, 0);
    crisis.duration_min = 520;
    let mut visits = vec![crisis];
    for n in 2..7 {
        visits.push(visit(n, 4, 3));
    }
    let inp = input(visits, workers);
    let plan = plan_day(&inp).unwrap();
    check_plan(&inp, &plan).unwrap();
    assert_eq!(planned(&plan), vec![id(1)]);
    assert_eq!(plan.unplanned.len(), 5);
    assert!(plan.unplanned.iter().all(|u| u.crisis_level == 4));
}

#[test]
fn within_a_level_the_later_visit_stays_and_a_reason_that_is_not_capacity_only_states_the_rank() {
    let workers = vec![
        worker(0, &[Role::WelfarePlanner], 1),
        worker(1, &[Role::VisitingNurse], 1),
    ];
    let inp = input(vec![visit(1, 3, 1), visit(2, 3, 2)], workers.clone());
    let plan = plan_day(&inp).unwrap();
    assert_eq!(planned(&plan), vec![id(2)]);
    // A home visit with nobody on duty: the reason is the people, the note only the rank.
    let inp = input(vec![visit(3, 4, 0)], vec![workers[0].clone()]);
    let plan = plan_day(&inp).unwrap();
    assert_eq!(plan.unplanned[0].code, UnplannedCode::RoleUnavailable);
    assert_eq!(
        plan.unplanned[0].priority_ko,
        "위기도 4(경계)·긴급도 0 방문입니다"
    );
    assert_eq!(
        plan.unplanned[0].priority_en,
        "a visit of crisis level 4 (alert), urgency 0"
    );
}

#[test]
fn an_escort_with_a_volunteer_is_not_a_staffed_pair() {
    let workers = vec![
        worker(0, &[Role::Escort], 8),
        worker(1, &[Role::VolunteerNeighborhoodCare], 8),
    ];
    let inp = input(vec![visit(1, 3, 0)], workers);
    let plan = plan_day(&inp).unwrap();
    check_plan(&inp, &plan).unwrap();
    assert_eq!(plan.unplanned.len(), 1);
    assert_eq!(plan.unplanned[0].code, UnplannedCode::RoleUnavailable);
    check_reasons(&inp, &plan).unwrap();
    // With a welfare planner instead of the escort, the same visit is made.
    let inp = input(
        vec![visit(1, 3, 0)],
        vec![
            worker(0, &[Role::WelfarePlanner], 8),
            worker(1, &[Role::VolunteerNeighborhoodCare], 8),
        ],
    );
    assert!(plan_day(&inp).unwrap().unplanned.is_empty());
}

#[test]
fn volunteer_pairs_make_their_own_regular_visit_but_an_escort_is_not_the_second_volunteer() {
    let mut regular = visit(1, 2, 1);
    regular.purpose = VisitPurpose::WellnessCheck;
    regular.regular_volunteer = Some(id(1000));
    let pair = |second: Role| {
        let mut inp = input(
            vec![regular.clone()],
            vec![
                worker(0, &[Role::VolunteerBorami], 8),
                worker(1, &[second], 8),
            ],
        );
        inp.rules.allow_volunteer_pairs = true;
        inp
    };
    let inp = pair(Role::VolunteerNeighborhoodCare);
    let plan = plan_day(&inp).unwrap();
    check_plan(&inp, &plan).unwrap();
    assert!(plan.unplanned.is_empty(), "{:?}", plan.unplanned);
    let inp = pair(Role::Escort);
    let plan = plan_day(&inp).unwrap();
    check_plan(&inp, &plan).unwrap();
    assert_eq!(plan.unplanned.len(), 1);
    check_reasons(&inp, &plan).unwrap();
    // Not their own regular visit: a crisis visit needs staff even for two volunteers.
    let mut other = pair(Role::VolunteerNeighborhoodCare);
    other.visits[0].purpose = VisitPurpose::CrisisMonitoring;
    assert_eq!(plan_day(&other).unwrap().unplanned.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// One pair with room for `k` visits, every visit fitting otherwise: the visits kept are the top
    /// `k` by (crisis level, urgency) — no visit left out ranks above one placed.
    #[test]
    fn the_visits_kept_are_the_highest_ranked(
        k in 1u32..4,
        ranks in proptest::collection::vec((1i64..=5, 0u8..4), 2..8),
    ) {
        let workers = vec![
            worker(0, &[Role::WelfarePlanner], k),
            worker(1, &[Role::VisitingNurse], k),
        ];
        let visits: Vec<PlanVisit> = ranks
            .iter()
            .enumerate()
            .map(|(i, (l, p))| visit(i as u64 + 1, *l, *p))
            .collect();
        let inp = input(visits.clone(), workers);
        let plan = plan_day(&inp).unwrap();
        check_plan(&inp, &plan).unwrap();
        let kept = planned(&plan);
        prop_assert_eq!(kept.len(), (k as usize).min(visits.len()));
        let rank = |vid: Id| {
            let v = visits.iter().find(|v| v.id == vid).unwrap();
            (v.crisis_level, v.priority)
        };
        let lowest_kept = kept.iter().map(|v| rank(*v)).min().unwrap();
        for u in &plan.unplanned {
            prop_assert!(rank(u.visit_id) <= lowest_kept, "left out {:?} above kept {:?}", rank(u.visit_id), lowest_kept);
            prop_assert_eq!(u.crisis_level, rank(u.visit_id).0.value());
        }
    }

    /// Random days of the shared generator with crisis levels drawn at random keep every hard rule and
    /// give true reasons (the level weights change which visits stay, never the rules).
    #[test]
    fn random_days_with_levels_keep_the_hard_rules_and_true_reasons(seed in 0u64..10_000) {
        let mut inp = generate(seed, &GenSpec { visits: 10, workers: 4, area_km: 2.0 });
        let mut rng = Rng(seed ^ 0xC0FFEE);
        for v in &mut inp.visits {
            v.crisis_level = CrisisLevel::new(1 + rng.below(5) as i64).unwrap();
        }
        let plan = plan_day(&inp).unwrap();
        check_plan(&inp, &plan).unwrap();
        check_reasons(&inp, &plan).unwrap();
    }
}
