//! The due list from stored records (`schedule::records`): each reason from typed records, with dates,
//! on today's date (2026-12-03); the result does not depend on the records' order.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use donghaeng_core::clock::kst;
use donghaeng_core::model::discharge::DischargeReferral;
use donghaeng_core::model::outreach::{
    OutreachAttempt, OutreachCampaign, OutreachMode, OutreachResult, RefusalReason,
};
use donghaeng_core::model::*;
use donghaeng_core::schedule::roles::universal_65;
use donghaeng_core::schedule::{
    cadence_input, due_agenda, Agenda, CadenceConfig, DueItem, DueReason, DueRecords, RoleClause,
};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn kst_at(y: i32, m: u32, day: u32, h: u32) -> DateTime<Utc> {
    kst()
        .with_ymd_and_hms(y, m, day, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn id(n: u64) -> Id {
    Id::from_u64_pair(9, n)
}

fn today() -> NaiveDate {
    d(2026, 12, 3)
}

fn household(n: u64, level: i64, tags: Vec<HouseholdTag>) -> Household {
    Household {
        id: id(n),
        dong_id: id(900),
        head_name: format!("가구{n}"),
        address: format!("역삼로 {n}"),
        location: None,
        crisis_level: CrisisLevel::new(level).unwrap(),
        tags,
        risk_flags: Vec::new(),
        phone: None,
        archived: false,
    }
}

fn person(n: u64, household: u64, birth: NaiveDate) -> Person {
    Person {
        id: id(100 + n),
        household_id: id(household),
        name: format!("가구원{n}"),
        birth_date: birth,
        sex: Sex::Female,
        relation: Relation::Head,
        disability: Disability::None,
    }
}

fn visit(
    n: u64,
    household: u64,
    purpose: VisitPurpose,
    done: DateTime<Utc>,
    outcome: VisitOutcome,
    assigned: Vec<Id>,
) -> Visit {
    Visit {
        id: id(200 + n),
        household_id: id(household),
        purpose,
        contact_mode: ContactMode::Home,
        window: TimeWindow::new(done - chrono::Duration::hours(1), done).unwrap(),
        required_roles: Vec::new(),
        assigned,
        status: VisitStatus::Completed,
        started_at: Some(done - chrono::Duration::hours(1)),
        completed_at: Some(done),
        outcome: Some(outcome),
        note: None,
    }
}

fn check(n: u64, household: u64, worker: Id, at: DateTime<Utc>) -> WellnessCheck {
    WellnessCheck {
        id: id(300 + n),
        household_id: id(household),
        visit_id: None,
        worker_id: worker,
        checked_at: at,
        contact_mode: ContactMode::Home,
        checklist: WellnessChecklist::all_good(),
        note: None,
        corrects: None,
    }
}

fn case(n: u64, household: u64, opened: NaiveDate) -> Case {
    Case {
        id: id(400 + n),
        household_id: id(household),
        manager_id: id(800),
        stage: CaseStage::Delivery,
        classification: Some(CaseClassification::CaseManaged),
        opened_on: opened,
        closed_on: None,
        closure_reason: None,
    }
}

fn referral(n: u64, household: u64, target: ReferralTarget, on: NaiveDate) -> Referral {
    Referral {
        id: id(500 + n),
        household_id: id(household),
        case_id: None,
        referred_by: id(800),
        target,
        agency: "보건소".into(),
        referred_on: on,
        reason: "상담".into(),
        first_reply_on: None,
        service_ended_on: None,
        final_reply_on: None,
        reply_note: None,
    }
}

fn attempt(
    n: u64,
    household: u64,
    campaign: OutreachCampaign,
    on: NaiveDate,
    result: OutreachResult,
) -> OutreachAttempt {
    OutreachAttempt {
        id: id(300 + n),
        household_id: id(household),
        campaign,
        attempted_on: on,
        mode: OutreachMode::Phone,
        result,
        refusal_reason: (result == OutreachResult::Refused).then_some(RefusalReason::Privacy),
        worker_id: id(0),
        corrects: None,
    }
}

fn worker(n: u64, role: Role) -> Worker {
    Worker {
        id: id(800 + n),
        team_id: id(901),
        name: format!("직원{n}"),
        roles: vec![role],
        phone: None,
        active: true,
    }
}

struct Owned {
    households: Vec<Household>,
    persons: Vec<Person>,
    visits: Vec<Visit>,
    wellness_checks: Vec<WellnessCheck>,
    cases: Vec<Case>,
    referrals: Vec<Referral>,
    outreach: Vec<OutreachAttempt>,
    discharges: Vec<DischargeReferral>,
    workers: Vec<Worker>,
}

impl Owned {
    fn records(&self) -> DueRecords<'_> {
        DueRecords {
            households: &self.households,
            persons: &self.persons,
            visits: &self.visits,
            wellness_checks: &self.wellness_checks,
            cases: &self.cases,
            referrals: &self.referrals,
            outreach: &self.outreach,
            discharges: &self.discharges,
            workers: &self.workers,
        }
    }
}

/// One household per reason (1–8) and the records that make or stop each item.
fn dong() -> Owned {
    let planner = worker(0, Role::WelfarePlanner);
    let volunteer = worker(1, Role::VolunteerBorami);
    let reporter = worker(2, Role::CommunityReporter);
    let mut closed = case(1, 5, d(2026, 1, 5));
    closed.stage = CaseStage::Closed;
    closed.closed_on = Some(d(2026, 6, 3));
    closed.closure_reason = Some(ClosureReason::ShortTermGoalMet);
    let mut excluded = case(2, 6, d(2026, 2, 1));
    excluded.stage = CaseStage::Closed;
    excluded.classification = Some(CaseClassification::Excluded);
    excluded.closed_on = Some(d(2026, 3, 1));
    excluded.closure_reason = Some(ClosureReason::Refusal);
    Owned {
        households: vec![
            household(1, 5, vec![]),
            household(2, 1, vec![]),
            household(3, 1, vec![]),
            household(4, 2, vec![HouseholdTag::NewBirth]),
            household(5, 1, vec![]),
            household(6, 3, vec![]),
            household(7, 2, vec![HouseholdTag::LonelyDeathRisk]),
            household(8, 4, vec![]),
            household(9, 1, vec![]),
            household(10, 1, vec![]),
            household(11, 1, vec![]),
            household(12, 1, vec![]),
            household(13, 1, vec![]),
            household(14, 1, vec![]),
            household(15, 1, vec![]),
            household(16, 1, vec![]),
        ],
        persons: vec![
            // 65 on 2026-12-03 (today).
            person(1, 2, d(1961, 12, 3)),
            // 70 on 2026-03-10, visited on 2026-04-02: done.
            person(2, 3, d(1956, 3, 10)),
            // Born 2026-11-10: the new-birth visit is due 30 days later.
            person(3, 4, d(2026, 11, 10)),
            person(4, 4, d(1994, 5, 1)),
            // Children who turn 3 in 2026 (households 9–11), and one who turned 3 in 2025.
            person(5, 9, d(2023, 12, 20)),
            person(6, 10, d(2023, 2, 1)),
            person(7, 11, d(2023, 7, 7)),
            person(8, 9, d(2022, 6, 1)),
        ],
        visits: vec![
            // Household 1 (위기): met on 2026-11-25; a visit on 12-01 found nobody home (no contact).
            visit(
                1,
                1,
                VisitPurpose::CrisisMonitoring,
                kst_at(2026, 11, 25, 10),
                VisitOutcome::Met,
                vec![planner.id],
            ),
            visit(
                2,
                1,
                VisitPurpose::CrisisMonitoring,
                kst_at(2026, 12, 1, 10),
                VisitOutcome::NotHome,
                vec![planner.id],
            ),
            visit(
                3,
                3,
                VisitPurpose::UniversalVisit,
                kst_at(2026, 4, 2, 14),
                VisitOutcome::Met,
                vec![planner.id],
            ),
        ],
        wellness_checks: vec![
            // The 보라미 volunteer at household 7's door on 2026-11-26; a reporter's check does not
            // make the reporter its volunteer.
            check(1, 7, volunteer.id, kst_at(2026, 11, 26, 15)),
            check(2, 7, reporter.id, kst_at(2026, 11, 27, 15)),
        ],
        cases: vec![closed, excluded, case(3, 8, d(2026, 8, 1))],
        referrals: vec![
            referral(1, 6, ReferralTarget::MentalHealth, d(2026, 11, 20)),
            // A crisis report's referral to the 동 team itself waits for no reply.
            referral(2, 6, ReferralTarget::DongTeam, d(2026, 11, 20)),
            // Households 12 and 13 in the 소나무 센터's follow-up; 13's centre has replied finally.
            {
                let mut r = referral(3, 12, ReferralTarget::CrisisFamilyCentre, d(2026, 10, 1));
                r.first_reply_on = Some(d(2026, 10, 6));
                r
            },
            {
                let mut r = referral(4, 13, ReferralTarget::CrisisFamilyCentre, d(2026, 6, 1));
                r.first_reply_on = Some(d(2026, 6, 5));
                r.service_ended_on = Some(d(2026, 9, 1));
                r.final_reply_on = Some(d(2026, 9, 3));
                r
            },
        ],
        outreach: vec![
            // Household 9: letter in September (before the survey), a call unanswered in October.
            attempt(
                1,
                9,
                OutreachCampaign::Age3Survey,
                d(2026, 9, 20),
                OutreachResult::Responded,
            ),
            attempt(
                2,
                9,
                OutreachCampaign::Age3Survey,
                d(2026, 10, 12),
                OutreachResult::NoAnswer,
            ),
            // Household 10 refused on 11-05.
            attempt(
                3,
                10,
                OutreachCampaign::Age3Survey,
                d(2026, 11, 5),
                OutreachResult::Refused,
            ),
            // Household 11: recorded as refused, corrected to answered.
            attempt(
                4,
                11,
                OutreachCampaign::Age3Survey,
                d(2026, 11, 6),
                OutreachResult::Refused,
            ),
            {
                let mut a = attempt(
                    5,
                    11,
                    OutreachCampaign::Age3Survey,
                    d(2026, 11, 6),
                    OutreachResult::Responded,
                );
                a.corrects = Some(id(304));
                a
            },
            // Household 12: reached on 11-10, unanswered on 11-20.
            attempt(
                6,
                12,
                OutreachCampaign::CrisisFamily,
                d(2026, 11, 10),
                OutreachResult::Responded,
            ),
            attempt(
                7,
                12,
                OutreachCampaign::CrisisFamily,
                d(2026, 11, 20),
                OutreachResult::NoAnswer,
            ),
        ],
        discharges: vec![
            // Household 14: assigned 12-01, discharged 12-02: the plan was due by the discharge.
            discharge(1, 14, d(2026, 12, 1), Some(d(2026, 12, 2))),
            // Household 15: planned 11-25, the patient comes home 12-05: services from then.
            DischargeReferral {
                care_plan_on: Some(d(2026, 11, 25)),
                ..discharge(2, 15, d(2026, 11, 20), Some(d(2026, 12, 5)))
            },
            // Household 16: services started: the rest is the district's.
            DischargeReferral {
                care_plan_on: Some(d(2026, 11, 12)),
                service_started_on: Some(d(2026, 11, 14)),
                ..discharge(3, 16, d(2026, 11, 10), None)
            },
        ],
        workers: vec![planner, volunteer, reporter],
    }
}

fn discharge(
    n: u64,
    household: u64,
    assigned: NaiveDate,
    discharge_on: Option<NaiveDate>,
) -> DischargeReferral {
    DischargeReferral {
        id: id(600 + n),
        household_id: id(household),
        person_id: id(100 + household),
        hospital: "서울의료원".into(),
        referred_on: assigned - chrono::Days::new(1),
        discharge_on,
        assigned_by: id(850),
        assigned_on: assigned,
        care_plan_on: None,
        service_started_on: None,
        service_ended_on: None,
        confirmed_on: None,
        reported_on: None,
    }
}

fn agenda() -> Agenda {
    due_agenda(&dong().records(), today(), CadenceConfig::default()).unwrap()
}

fn all(a: &Agenda) -> Vec<&DueItem> {
    a.overdue
        .iter()
        .chain(&a.due_today)
        .chain(&a.upcoming)
        .collect()
}

fn items(a: &Agenda, reason: DueReason) -> Vec<&DueItem> {
    all(a).into_iter().filter(|i| i.reason == reason).collect()
}

#[test]
fn crisis_cadence_counts_only_contacts_that_met_the_household() {
    let a = agenda();
    let c: Vec<_> = items(&a, DueReason::CrisisMonitoring)
        .into_iter()
        .filter(|i| i.household_id == id(1))
        .collect();
    assert_eq!(c.len(), 1);
    // Weekly (001 §4) from the visit that met them on 11-25, not the 12-01 visit nobody answered.
    assert_eq!(c[0].due, d(2026, 12, 2));
    assert_eq!(c[0].days_overdue, 1);
    assert_eq!(c[0].crisis_level, CrisisLevel::CRISIS);
    assert!(a.overdue.contains(c[0]));
    assert_eq!(
        c[0].ko,
        "위기도 5(위기) 가구: 7일마다 모니터링, 최근 접촉 2026-11-25"
    );
}

#[test]
fn the_65_cohort_comes_from_a_members_birth_date_and_a_universal_visit_closes_the_70() {
    let a = agenda();
    let u65 = items(&a, DueReason::Universal65);
    assert_eq!(u65.len(), 1);
    assert_eq!(u65[0].household_id, id(2));
    assert_eq!(u65[0].due, today());
    assert!(a.due_today.contains(u65[0]));
    assert_eq!(u65[0].required, universal_65());
    // The member of household 3 turned 70 on 03-10 and was visited on 04-02.
    assert!(items(&a, DueReason::Universal70).is_empty());
    let input = cadence_input(&dong().records(), today(), CadenceConfig::default());
    let h3 = input.households.iter().find(|h| h.id == id(3)).unwrap();
    assert_eq!(h3.member_birth_dates, vec![d(1956, 3, 10)]);
    assert_eq!(h3.last_contact, Some(d(2026, 4, 2)));
    // Without the visit the 70 item is back, 268 days overdue.
    let mut o = dong();
    o.visits.retain(|v| v.household_id != id(3));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    let u70 = items(&a, DueReason::Universal70);
    assert_eq!(u70.len(), 1);
    assert_eq!((u70[0].due, u70[0].days_overdue), (d(2026, 3, 10), 268));
}

#[test]
fn a_birth_is_due_thirty_days_after_for_the_visiting_nurse() {
    let a = agenda();
    let b = items(&a, DueReason::NewBirth);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].household_id, id(4));
    assert_eq!(b[0].due, d(2026, 12, 10));
    assert_eq!(b[0].days_overdue, -7);
    assert!(a.upcoming.contains(b[0]));
    assert_eq!(b[0].required, vec![RoleClause::one(Role::VisitingNurse)]);
}

#[test]
fn after_care_six_months_after_a_closed_case_managed_case() {
    let a = agenda();
    let ac = items(&a, DueReason::AfterCare);
    // 사례관리가구 closed 2026-06-03: 6 months = today (the 12-month one is beyond the horizon);
    // the 사업대상제외 closure of household 6 has none (003).
    assert_eq!(ac.len(), 1);
    assert_eq!(ac[0].household_id, id(5));
    assert_eq!(ac[0].related_id, Some(id(401)));
    assert_eq!(ac[0].due, today());
    assert_eq!(
        ac[0].ko,
        "사례관리가구 종결(2026-06-03) 후 6개월 사후관리 (1/2회)"
    );
    // An after-care visit that met them on 12-01 makes it the second one, due 2027-06-03.
    let mut o = dong();
    o.visits.push(visit(
        9,
        5,
        VisitPurpose::AfterCare,
        kst_at(2026, 12, 1, 11),
        VisitOutcome::Met,
        vec![],
    ));
    let input = cadence_input(&o.records(), today(), CadenceConfig::default());
    assert_eq!(input.closures.len(), 1);
    assert_eq!(input.closures[0].after_care_done, vec![d(2026, 12, 1)]);
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::AfterCare).is_empty());
    // A newer case for the household ends the old closure's after-care.
    let mut o = dong();
    o.cases.push(case(4, 5, d(2026, 7, 1)));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::AfterCare).is_empty());
}

#[test]
fn a_referral_reply_is_due_ten_days_after_and_the_dong_teams_own_referral_is_not() {
    let a = agenda();
    let r = items(&a, DueReason::ReferralFirstReply);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].related_id, Some(id(501)));
    assert_eq!((r[0].due, r[0].days_overdue), (d(2026, 11, 30), 3));
    assert_eq!(r[0].suggested_mode, ContactMode::Phone);
    // Service ended 12-01, first reply made: the second reply is due 5 days after (001 §11).
    let mut o = dong();
    o.referrals[0].first_reply_on = Some(d(2026, 11, 25));
    o.referrals[0].service_ended_on = Some(d(2026, 12, 1));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::ReferralFirstReply).is_empty());
    let r2 = items(&a, DueReason::ReferralSecondReply);
    assert_eq!(r2.len(), 1);
    assert_eq!(r2[0].due, d(2026, 12, 6));
}

#[test]
fn a_designated_household_is_due_its_volunteers_weekly_visit() {
    let a = agenda();
    let v = items(&a, DueReason::VolunteerRegular);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].household_id, id(7));
    assert_eq!(v[0].assigned_worker, Some(id(801)));
    assert_eq!(v[0].due, today());
    assert_eq!(v[0].ko, "돌봄단 정기방문 (7일 주기, 최근 방문 2026-11-26)");
    // Without the tag (the 동 has not designated it) there is no regular visit.
    let mut o = dong();
    o.households[6].tags.clear();
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::VolunteerRegular).is_empty());
    // The district's table sets the interval.
    let cfg = CadenceConfig {
        volunteer_visit_interval_days: 14,
        ..CadenceConfig::default()
    };
    let a = due_agenda(&dong().records(), today(), cfg).unwrap();
    assert_eq!(
        items(&a, DueReason::VolunteerRegular)[0].due,
        d(2026, 12, 10)
    );
}

#[test]
fn an_open_case_without_contact_for_three_months_suggests_closure() {
    let a = agenda();
    let s = items(&a, DueReason::SuggestClosure);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].household_id, id(8));
    assert_eq!((s[0].due, s[0].days_overdue), (d(2026, 11, 1), 32));
    assert_eq!(s[0].crisis_level, CrisisLevel::ALERT);
    // A contact on 09-15 moves it to 12-15: not yet a fact, not listed.
    let mut o = dong();
    o.wellness_checks
        .push(check(3, 8, id(800), kst_at(2026, 9, 15, 10)));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::SuggestClosure).is_empty());
}

#[test]
fn the_age_3_survey_runs_october_to_december_and_a_refusal_is_visited_with_the_police() {
    let a = agenda();
    let survey = items(&a, DueReason::Age3Survey);
    // Household 9: due from 1 October, still due after the unanswered call (a September letter
    // is before the survey); 11 answered (its refusal was corrected); 10 refused.
    assert_eq!(survey.len(), 1, "{survey:?}");
    assert_eq!(survey[0].household_id, id(9));
    assert_eq!(survey[0].due, d(2026, 10, 1));
    assert_eq!(survey[0].days_overdue, 63);
    assert_eq!(survey[0].suggested_mode, ContactMode::Home);
    assert!(
        survey[0].ko.contains("2026-10-12 부재·무응답"),
        "{}",
        survey[0].ko
    );
    let police = items(&a, DueReason::Age3PoliceVisit);
    assert_eq!(police.len(), 1, "{police:?}");
    assert_eq!(
        (police[0].household_id, police[0].due),
        (id(10), d(2026, 11, 5))
    );
    assert_eq!(police[0].purpose, VisitPurpose::UniversalVisit);
    assert_eq!(
        police[0].required,
        vec![
            RoleClause::one(Role::WelfarePlanner),
            RoleClause::one(Role::PoliceOfficer)
        ]
    );
    // Before October there is no survey; in the next year the children are 4.
    for day in [d(2026, 9, 30), d(2027, 1, 4)] {
        let early = due_agenda(&dong().records(), day, CadenceConfig::default()).unwrap();
        assert!(items(&early, DueReason::Age3Survey).is_empty(), "{day}");
        assert!(
            items(&early, DueReason::Age3PoliceVisit).is_empty(),
            "{day}"
        );
    }
}

#[test]
fn the_crisis_family_centres_households_are_due_monthly_from_the_last_reached_attempt() {
    let a = agenda();
    let due = items(&a, DueReason::CrisisFamilyMonitoring);
    // Household 12: reached on 11-10, so due 30 days later (the unanswered call of 11-20 does
    // not complete the cycle); household 13's follow-up ended with the centre's final reply.
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!((due[0].household_id, due[0].due), (id(12), d(2026, 12, 10)));
    assert_eq!(due[0].suggested_mode, ContactMode::Phone);
    assert_eq!(due[0].purpose, VisitPurpose::CrisisMonitoring);
    assert!(
        due[0].ko.contains("2026-11-20 부재·무응답"),
        "{}",
        due[0].ko
    );
    // Never reached: due 30 days after the referral. A refusal completes the cycle.
    let mut o = dong();
    o.outreach.retain(|x| x.household_id != id(12));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert_eq!(
        items(&a, DueReason::CrisisFamilyMonitoring)[0].due,
        d(2026, 10, 31)
    );
    o.outreach.push(attempt(
        8,
        12,
        OutreachCampaign::CrisisFamily,
        d(2026, 11, 30),
        OutreachResult::Refused,
    ));
    // (Seen from 12-20: 12-30 is beyond the horizon of 12-03.)
    let a = due_agenda(&o.records(), d(2026, 12, 20), CadenceConfig::default()).unwrap();
    assert_eq!(
        items(&a, DueReason::CrisisFamilyMonitoring)[0].due,
        d(2026, 12, 30)
    );
    let cfg = CadenceConfig {
        crisis_family_monitoring_days: 0,
        ..CadenceConfig::default()
    };
    let e = due_agenda(&o.records(), today(), cfg).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("cadence.crisis_family_monitoring_days")
    );
}

#[test]
fn a_discharged_patients_care_plan_is_due_within_three_days_or_by_the_discharge() {
    let a = agenda();
    let plan = items(&a, DueReason::DischargeCarePlan);
    assert_eq!(plan.len(), 1, "{plan:?}");
    assert_eq!(
        (plan[0].household_id, plan[0].due, plan[0].days_overdue),
        (id(14), d(2026, 12, 2), 1)
    );
    assert_eq!(plan[0].suggested_mode, ContactMode::Home);
    assert_eq!(plan[0].purpose, VisitPurpose::CareSos);
    assert_eq!(plan[0].required, vec![RoleClause::one(Role::CareManager)]);
    assert_eq!(plan[0].related_id, Some(id(601)));
    let service = items(&a, DueReason::DischargeService);
    assert_eq!(service.len(), 1, "{service:?}");
    assert_eq!(
        (service[0].household_id, service[0].due),
        (id(15), d(2026, 12, 5))
    );
    // No day of discharge (or one before the assignment, a slip): three days after the assignment.
    let mut o = dong();
    o.discharges[0].discharge_on = None;
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert_eq!(
        items(&a, DueReason::DischargeCarePlan)[0].due,
        d(2026, 12, 4)
    );
    o.discharges[0].discharge_on = Some(d(2026, 11, 30));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert_eq!(
        items(&a, DueReason::DischargeCarePlan)[0].due,
        d(2026, 12, 4)
    );
    // Services due from the plan when the patient is already home.
    o.discharges[1].discharge_on = Some(d(2026, 11, 22));
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert_eq!(
        items(&a, DueReason::DischargeService)[0].due,
        d(2026, 11, 25)
    );
    // A referral of a household outside the records is not listed.
    o.discharges[0].household_id = id(99);
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(items(&a, DueReason::DischargeCarePlan).is_empty());
}

#[test]
fn archived_households_and_a_zero_interval_table() {
    let mut o = dong();
    for h in &mut o.households {
        h.archived = true;
    }
    let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
    assert!(all(&a).is_empty());
    let mut cfg = CadenceConfig::default();
    cfg.crisis_interval_days[4] = 0;
    let e = due_agenda(&dong().records(), today(), cfg).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cadence.crisis_interval_days"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Records come in any order (a sync page, a database scan): the due list is the same.
    #[test]
    fn the_order_of_the_records_does_not_matter(seed in any::<u64>()) {
        let mut o = dong();
        let mut s = seed;
        let mut shuffle = |n: usize| -> Vec<usize> {
            let mut idx: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                idx.swap(i, (s >> 33) as usize % (i + 1));
            }
            idx
        };
        fn permute<T: Clone>(v: &mut Vec<T>, idx: &[usize]) {
            *v = idx.iter().map(|i| v[*i].clone()).collect();
        }
        let i = shuffle(o.households.len()); permute(&mut o.households, &i);
        let i = shuffle(o.persons.len()); permute(&mut o.persons, &i);
        let i = shuffle(o.visits.len()); permute(&mut o.visits, &i);
        let i = shuffle(o.wellness_checks.len()); permute(&mut o.wellness_checks, &i);
        let i = shuffle(o.cases.len()); permute(&mut o.cases, &i);
        let i = shuffle(o.referrals.len()); permute(&mut o.referrals, &i);
        let i = shuffle(o.outreach.len()); permute(&mut o.outreach, &i);
        let i = shuffle(o.discharges.len()); permute(&mut o.discharges, &i);
        let i = shuffle(o.workers.len()); permute(&mut o.workers, &i);
        let a = due_agenda(&o.records(), today(), CadenceConfig::default()).unwrap();
        prop_assert_eq!(a, agenda());
    }
}
