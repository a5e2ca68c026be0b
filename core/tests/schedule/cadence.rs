//! Cadence: every rule's due date and reason, the agenda split, the date convention, bad config.

use chrono::{NaiveDate, TimeZone, Utc};
use donghaeng_core::model::{CrisisLevel, HouseholdTag, Id, RiskFlag, Role};
use donghaeng_core::schedule::roles::{universal_65, universal_70};
use donghaeng_core::schedule::{
    agenda, due_items, seoul_today, AfterCareClass, CadenceConfig, CadenceHousehold, CadenceInput,
    CaseClosure, DueItem, DueReason, Referral, RoleClause, UniversalCohort, UniversalVisitRecord,
    VolunteerAssignment,
};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn id(n: u64) -> Id {
    Id::from_u64_pair(7, n)
}

fn today() -> NaiveDate {
    d(2026, 11, 24)
}

fn household(n: u64, level: i64) -> CadenceHousehold {
    CadenceHousehold {
        id: id(n),
        crisis_level: CrisisLevel::new(level).unwrap(),
        tags: Vec::new(),
        risk_flags: Vec::new(),
        location: None,
        member_birth_dates: Vec::new(),
        last_contact: Some(today()),
        monitored_since: None,
        universal_visits: Vec::new(),
        open_case_since: None,
        outreach: Vec::new(),
        crisis_family_since: None,
        archived: false,
    }
}

fn input(households: Vec<CadenceHousehold>) -> CadenceInput {
    CadenceInput {
        today: today(),
        households,
        closures: Vec::new(),
        referrals: Vec::new(),
        volunteer_assignments: Vec::new(),
        discharges: Vec::new(),
        config: CadenceConfig::default(),
    }
}

fn only(items: &[DueItem], reason: DueReason) -> Vec<&DueItem> {
    items.iter().filter(|i| i.reason == reason).collect()
}

#[test]
fn crisis_levels_follow_the_district_intervals() {
    let mut hs = Vec::new();
    for level in 1..=5 {
        let mut h = household(level as u64, level);
        h.last_contact = Some(d(2026, 11, 10));
        hs.push(h);
    }
    let items = due_items(&input(hs.clone())).unwrap();
    let crisis = only(&items, DueReason::CrisisMonitoring);
    let due_of = |n: u64| crisis.iter().find(|i| i.household_id == id(n)).unwrap().due;
    assert_eq!(due_of(5), d(2026, 11, 17), "위기: weekly");
    assert_eq!(due_of(4), d(2026, 12, 10), "경계: monthly (30 days)");
    assert_eq!(due_of(3), d(2027, 2, 9), "주의: quarterly (91 days)");
    assert_eq!(due_of(2), d(2027, 5, 11), "관심: half-yearly (182 days)");
    assert_eq!(due_of(1), d(2027, 11, 10), "안정: yearly");
    let weekly = crisis.iter().find(|i| i.household_id == id(5)).unwrap();
    assert_eq!(weekly.days_overdue, 7);
    assert!(weekly.ko.contains("위기") && weekly.en.contains("crisis"));
    // A district may choose other intervals.
    let mut inp = input(hs);
    inp.config.crisis_interval_days[2] = 60;
    let items = due_items(&inp).unwrap();
    let due3 = items.iter().find(|i| i.household_id == id(3)).unwrap().due;
    assert_eq!(due3, d(2027, 1, 9));
}

#[test]
fn never_contacted_is_due_from_the_start_of_monitoring() {
    let mut h = household(1, 5);
    h.last_contact = None;
    h.monitored_since = Some(d(2026, 11, 1));
    let items = due_items(&input(vec![h.clone()])).unwrap();
    assert_eq!(items[0].due, d(2026, 11, 1));
    h.monitored_since = None;
    let items = due_items(&input(vec![h])).unwrap();
    assert_eq!(items[0].due, today());
}

#[test]
fn universal_cohorts_65_70_and_new_births_with_their_roles() {
    let mut h = household(1, 1);
    h.member_birth_dates = vec![d(1961, 3, 5), d(1956, 12, 1), d(1990, 1, 1)];
    h.risk_flags = vec![RiskFlag::MentalHealthHighRiskNoConsent];
    let items = due_items(&input(vec![h.clone()])).unwrap();
    let u65 = only(&items, DueReason::Universal65);
    assert_eq!(u65.len(), 1);
    assert_eq!(u65[0].due, d(2026, 3, 5));
    let mut want = universal_65();
    want.push(RoleClause::one(Role::MentalHealthOfficer));
    assert_eq!(
        u65[0].required, want,
        "cohort roles plus the risk-flag companion"
    );
    let u70 = only(&items, DueReason::Universal70);
    assert_eq!(u70[0].due, d(2026, 12, 1));
    assert_eq!(u70[0].required[..2], universal_70()[..]);
    // Done this year → no longer due; a visit last year does not count.
    h.universal_visits = vec![
        UniversalVisitRecord {
            cohort: UniversalCohort::Age65,
            date: d(2026, 4, 1),
        },
        UniversalVisitRecord {
            cohort: UniversalCohort::Age70,
            date: d(2025, 4, 1),
        },
    ];
    let items = due_items(&input(vec![h])).unwrap();
    assert!(only(&items, DueReason::Universal65).is_empty());
    assert_eq!(only(&items, DueReason::Universal70).len(), 1);

    let mut b = household(2, 1);
    b.member_birth_dates = vec![d(2026, 11, 1)];
    let items = due_items(&input(vec![b.clone()])).unwrap();
    let nb = only(&items, DueReason::NewBirth);
    assert_eq!(nb[0].due, d(2026, 12, 1), "30 days after the birth");
    assert_eq!(nb[0].required, vec![RoleClause::one(Role::VisitingNurse)]);
    b.universal_visits = vec![UniversalVisitRecord {
        cohort: UniversalCohort::NewBirth,
        date: d(2026, 11, 20),
    }];
    assert!(only(&due_items(&input(vec![b])).unwrap(), DueReason::NewBirth).is_empty());
    // Tagged as a birth household without a date: due today.
    let mut t = household(3, 1);
    t.tags = vec![HouseholdTag::NewBirth];
    assert_eq!(
        only(&due_items(&input(vec![t])).unwrap(), DueReason::NewBirth)[0].due,
        today()
    );
}

#[test]
fn after_care_twice_for_case_managed_once_for_service_linked() {
    let mut inp = input(Vec::new());
    inp.closures = vec![
        CaseClosure {
            case_id: id(100),
            household_id: id(1),
            classification: AfterCareClass::CaseManaged,
            closed_on: d(2026, 5, 24),
            after_care_done: Vec::new(),
        },
        CaseClosure {
            case_id: id(101),
            household_id: id(2),
            classification: AfterCareClass::ServiceLinked,
            closed_on: d(2026, 8, 31),
            after_care_done: Vec::new(),
        },
    ];
    let items = due_items(&inp).unwrap();
    let ac = only(&items, DueReason::AfterCare);
    let dues: Vec<(Id, NaiveDate)> = ac.iter().map(|i| (i.household_id, i.due)).collect();
    assert!(dues.contains(&(id(1), d(2026, 11, 24))));
    assert!(dues.contains(&(id(1), d(2027, 5, 24))));
    assert!(
        dues.contains(&(id(2), d(2027, 2, 28))),
        "31 Aug + 6 months clamps to 28 Feb: {dues:?}"
    );
    assert_eq!(ac.len(), 3);
    assert!(ac.iter().all(|i| i.related_id.is_some()));
    // One after-care done → only the second remains.
    inp.closures[0].after_care_done = vec![d(2026, 11, 20)];
    let items = due_items(&inp).unwrap();
    let left: Vec<NaiveDate> = only(&items, DueReason::AfterCare)
        .iter()
        .filter(|i| i.household_id == id(1))
        .map(|i| i.due)
        .collect();
    assert_eq!(left, vec![d(2027, 5, 24)]);
}

#[test]
fn referral_replies_10_days_after_referral_and_5_after_service_end() {
    let mut inp = input(Vec::new());
    inp.referrals = vec![Referral {
        id: id(9),
        household_id: id(1),
        referred_on: d(2026, 11, 20),
        first_reply_on: None,
        service_ended_on: Some(d(2026, 11, 22)),
        second_reply_on: None,
    }];
    let items = due_items(&inp).unwrap();
    assert_eq!(
        only(&items, DueReason::ReferralFirstReply)[0].due,
        d(2026, 11, 30)
    );
    assert_eq!(
        only(&items, DueReason::ReferralSecondReply)[0].due,
        d(2026, 11, 27)
    );
    inp.referrals[0].first_reply_on = Some(d(2026, 11, 21));
    inp.referrals[0].second_reply_on = Some(d(2026, 11, 23));
    assert!(due_items(&inp).unwrap().is_empty());
}

#[test]
fn volunteer_regular_visits_name_the_volunteer() {
    let mut inp = input(Vec::new());
    inp.volunteer_assignments = vec![VolunteerAssignment {
        volunteer_id: id(50),
        household_id: id(1),
        interval_days: 7,
        since: d(2026, 1, 1),
        last_visit: Some(d(2026, 11, 20)),
    }];
    let items = due_items(&inp).unwrap();
    assert_eq!(items[0].reason, DueReason::VolunteerRegular);
    assert_eq!(items[0].due, d(2026, 11, 27));
    assert_eq!(items[0].assigned_worker, Some(id(50)));
}

#[test]
fn three_months_without_contact_suggests_closure() {
    let mut h = household(1, 3);
    h.open_case_since = Some(d(2026, 1, 1));
    h.last_contact = Some(d(2026, 8, 1));
    let items = due_items(&input(vec![h.clone()])).unwrap();
    let s = only(&items, DueReason::SuggestClosure);
    assert_eq!(s[0].due, d(2026, 11, 1));
    assert!(s[0].ko.contains("연락 두절"));
    h.last_contact = Some(d(2026, 10, 1));
    assert!(only(
        &due_items(&input(vec![h])).unwrap(),
        DueReason::SuggestClosure
    )
    .is_empty());
}

#[test]
fn archived_households_are_not_due() {
    let mut h = household(1, 5);
    h.archived = true;
    let mut inp = input(vec![h]);
    inp.referrals = vec![Referral {
        id: id(9),
        household_id: id(1),
        referred_on: d(2026, 11, 20),
        first_reply_on: None,
        service_ended_on: None,
        second_reply_on: None,
    }];
    assert!(due_items(&inp).unwrap().is_empty());
}

#[test]
fn agenda_splits_overdue_today_upcoming_within_the_horizon() {
    let mut a = household(1, 5);
    a.last_contact = Some(d(2026, 11, 10)); // due 11-17: overdue
    let mut b = household(2, 5);
    b.last_contact = Some(d(2026, 11, 17)); // due today
    let mut c = household(3, 5);
    c.last_contact = Some(d(2026, 11, 20)); // due 11-27: upcoming
    let e = household(4, 1); // due next year: beyond the horizon
    let ag = agenda(&input(vec![c, b, a, e])).unwrap();
    assert_eq!(
        ag.overdue
            .iter()
            .map(|i| i.household_id)
            .collect::<Vec<_>>(),
        vec![id(1)]
    );
    assert_eq!(
        ag.due_today
            .iter()
            .map(|i| i.household_id)
            .collect::<Vec<_>>(),
        vec![id(2)]
    );
    assert_eq!(
        ag.upcoming
            .iter()
            .map(|i| i.household_id)
            .collect::<Vec<_>>(),
        vec![id(3)]
    );
}

#[test]
fn today_is_the_seoul_date() {
    // 15:30 UTC on 23 Nov is 00:30 on 24 Nov in Seoul.
    let t = Utc
        .with_ymd_and_hms(2026, 11, 23, 15, 30, 0)
        .single()
        .unwrap();
    assert_eq!(seoul_today(t), d(2026, 11, 24));
    let t = Utc
        .with_ymd_and_hms(2026, 11, 23, 14, 59, 0)
        .single()
        .unwrap();
    assert_eq!(seoul_today(t), d(2026, 11, 23));
}

#[test]
fn a_zero_interval_is_a_clear_error() {
    let mut inp = input(vec![household(1, 5)]);
    inp.config.crisis_interval_days[4] = 0;
    let e = due_items(&inp).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (
            "cadence_interval_zero",
            Some("cadence.crisis_interval_days")
        )
    );
}

#[test]
fn inputs_and_outputs_round_trip_through_json() {
    let mut h = household(1, 4);
    h.member_birth_dates = vec![d(1961, 3, 5)];
    let inp = input(vec![h]);
    let json = serde_json::to_string(&inp).unwrap();
    let back: CadenceInput = serde_json::from_str(&json).unwrap();
    assert_eq!(back, inp);
    let ag = agenda(&inp).unwrap();
    let json = serde_json::to_value(&ag).unwrap();
    assert_eq!(json["overdue"][0]["reason"], "universal_65");
}

#[test]
fn a_due_item_becomes_a_plan_visit_with_its_roles_and_urgency() {
    use donghaeng_core::model::TimeWindow;
    use donghaeng_core::schedule::PlanVisit;
    let mut h = household(1, 5);
    h.last_contact = Some(d(2026, 11, 1)); // due 11-08: 16 days overdue
    h.member_birth_dates = vec![d(1961, 12, 1)]; // 65 on 12-01: upcoming
    let items = due_items(&input(vec![h])).unwrap();
    let start = Utc
        .with_ymd_and_hms(2026, 11, 24, 0, 0, 0)
        .single()
        .unwrap();
    let window = TimeWindow::new(start, start + chrono::Duration::hours(9)).unwrap();
    let crisis = items
        .iter()
        .find(|i| i.reason == DueReason::CrisisMonitoring)
        .unwrap();
    let v = PlanVisit::from_due_item(id(90), crisis, None, window, 40);
    assert_eq!(v.priority, 3, "a week or more overdue");
    let u65 = items
        .iter()
        .find(|i| i.reason == DueReason::Universal65)
        .unwrap();
    let v = PlanVisit::from_due_item(id(91), u65, None, window, 40);
    assert_eq!(v.priority, 0);
    assert_eq!(v.required, universal_65());
    assert_eq!(
        v.purpose,
        donghaeng_core::model::VisitPurpose::UniversalVisit
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any history: no panic, every item lands in exactly one bucket, buckets respect their dates.
    #[test]
    fn agenda_buckets_are_consistent(
        level in 1i64..=5,
        last in proptest::option::of(0i64..2000),
        birth_days in proptest::collection::vec(0i64..40_000, 0..4),
        closed in proptest::option::of(0i64..800),
        horizon in 0u32..60,
    ) {
        let base = d(2020, 1, 1);
        let day = |n: i64| base + chrono::Duration::days(n);
        let mut h = household(1, level);
        h.last_contact = last.map(day);
        h.member_birth_dates = birth_days.iter().map(|n| d(1920, 1, 1) + chrono::Duration::days(*n)).collect();
        h.open_case_since = Some(base);
        let mut inp = input(vec![h]);
        inp.config.agenda_horizon_days = horizon;
        if let Some(c) = closed {
            inp.closures.push(CaseClosure {
                case_id: id(5),
                household_id: id(1),
                classification: AfterCareClass::CaseManaged,
                closed_on: day(c),
                after_care_done: Vec::new(),
            });
        }
        let all = due_items(&inp).unwrap();
        let ag = agenda(&inp).unwrap();
        let horizon_end = today() + chrono::Duration::days(i64::from(horizon));
        prop_assert!(ag.overdue.iter().all(|i| i.due < today() && i.days_overdue > 0));
        prop_assert!(ag.due_today.iter().all(|i| i.due == today() && i.days_overdue == 0));
        prop_assert!(ag.upcoming.iter().all(|i| i.due > today() && i.due <= horizon_end));
        let listed = ag.overdue.len() + ag.due_today.len() + ag.upcoming.len();
        prop_assert_eq!(listed, all.iter().filter(|i| i.due <= horizon_end).count());
        prop_assert!(all.windows(2).all(|w| w[0].due <= w[1].due), "sorted by due date");
        prop_assert!(all.iter().all(|i| !i.ko.is_empty() && !i.en.is_empty()));
    }
}
