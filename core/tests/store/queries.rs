//! The queries the app needs: Korean search, agenda order, history paging, monitoring due, and the
//! smaller aggregates (volunteer months, referral replies, crisis-report inbox).

use crate::common;

use std::collections::HashSet;

use chrono::Duration;
use common::{date, fixture, kst_time, now};
use donghaeng_core::model::*;
use donghaeng_core::store::crisis_reports::NewCrisisReport;
use donghaeng_core::store::history::HistoryCursor;
use donghaeng_core::store::households::{HouseholdUpdate, MonitoringIntervals, NewHousehold};
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::persons::NewPerson;
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::referrals::ReplyKind;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::volunteers::NewVolunteerActivity;
use donghaeng_core::store::wellness::NewWellnessCheck;

fn names(found: &[donghaeng_core::store::households::HouseholdSummary]) -> Vec<String> {
    found
        .iter()
        .map(|h| h.household.head_name.clone())
        .collect()
}

#[test]
fn korean_search_by_name_fragment_member_and_address() {
    let f = fixture();
    let kim = f.household("김철수", "서울 강남구 역삼로 12, 101호", 3);
    f.household("이영희", "서울 강남구 논현로 5", 3);
    f.household("박김순", "서울 강남구 테헤란로 100", 2);
    let lee = f.household("최민수", "서울 강남구 역삼로 30", 4);
    f.store
        .persons()
        .add(NewPerson {
            household_id: lee.id,
            name: "김하늘".into(),
            birth_date: date(2010, 1, 1),
            sex: Sex::Female,
            relation: Relation::Child,
            disability: Disability::None,
        })
        .unwrap();
    let hs = f.store.households();
    assert_eq!(
        names(&hs.search(f.dong.id, "김", 50).unwrap()),
        ["김철수", "박김순", "최민수"]
    );
    assert_eq!(
        names(&hs.search(f.dong.id, "역삼", 50).unwrap()),
        ["김철수", "최민수"]
    );
    assert_eq!(
        names(&hs.search(f.dong.id, "하늘", 50).unwrap()),
        ["최민수"]
    );
    assert_eq!(
        names(&hs.search(f.dong.id, "101호", 50).unwrap()),
        ["김철수"]
    );
    assert_eq!(
        names(&hs.search(f.dong.id, " 철수 ", 50).unwrap()),
        ["김철수"]
    );
    assert!(hs.search(f.dong.id, "홍", 50).unwrap().is_empty());
    // LIKE wildcards in the query are literal characters.
    assert!(hs.search(f.dong.id, "%", 50).unwrap().is_empty());
    assert!(hs.search(f.dong.id, "_", 50).unwrap().is_empty());
    assert!(hs.search(f.dong.id, "", 50).unwrap().is_empty());
    assert_eq!(hs.search(f.dong.id, "김", 1).unwrap().len(), 1);
    // Renaming updates the search text.
    hs.update(
        kim.id,
        HouseholdUpdate {
            head_name: Some("강철수".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        names(&hs.search(f.dong.id, "김", 50).unwrap()),
        ["박김순", "최민수"]
    );
    // Another 동's households are not found.
    let other_dong = f
        .store
        .org()
        .create(OrgUnitKind::Dong, "역삼2동", Some(f.district.id))
        .unwrap();
    f.store
        .households()
        .create(NewHousehold {
            dong_id: other_dong.id,
            head_name: "김다른".into(),
            address: "서울 강남구 역삼로 99".into(),
            location: None,
            crisis_level: 1,
            tags: vec![],
            risk_flags: vec![],
            phone: None,
        })
        .unwrap();
    assert_eq!(
        names(&hs.search(f.dong.id, "김", 50).unwrap()),
        ["박김순", "최민수"]
    );
}

fn visit(
    f: &common::Fixture,
    h: Id,
    start: chrono::DateTime<chrono::Utc>,
    workers: Vec<Id>,
) -> Visit {
    f.store
        .visits()
        .plan(NewVisit {
            household_id: h,
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Home,
            window_start: start,
            window_end: start + Duration::hours(1),
            required_roles: vec![Role::VisitingNurse],
            assigned: workers,
            note: None,
        })
        .unwrap()
}

#[test]
fn agenda_is_the_days_visits_in_time_order_with_partners() {
    let f = fixture();
    let a = f.household("김철수", "역삼로 1", 5);
    let b = f.household("이영희", "역삼로 2", 4);
    let pair = vec![f.planner.id, f.nurse.id];
    let v14 = visit(&f, a.id, kst_time(2024, 5, 20, 14, 0), pair.clone());
    let v9 = visit(&f, b.id, kst_time(2024, 5, 20, 9, 0), pair.clone());
    let v11 = visit(
        &f,
        a.id,
        kst_time(2024, 5, 20, 11, 0),
        vec![f.planner.id, f.volunteer.id],
    );
    // 00:00 KST belongs to the day; 23:59 KST too; the day before and after do not.
    let v_midnight = visit(&f, b.id, kst_time(2024, 5, 20, 0, 0), pair.clone());
    let v_late = visit(&f, b.id, kst_time(2024, 5, 20, 23, 59), pair.clone());
    visit(&f, b.id, kst_time(2024, 5, 19, 23, 59), pair.clone());
    visit(&f, b.id, kst_time(2024, 5, 21, 0, 0), pair.clone());
    let cancelled = visit(&f, a.id, kst_time(2024, 5, 20, 10, 0), pair.clone());
    f.store.visits().cancel(cancelled.id, "가구 요청").unwrap();
    // Someone else's visit.
    visit(
        &f,
        b.id,
        kst_time(2024, 5, 20, 12, 0),
        vec![f.nurse.id, f.volunteer.id],
    );

    let agenda = f
        .store
        .agenda()
        .for_worker(f.planner.id, date(2024, 5, 20))
        .unwrap();
    let ids: Vec<Id> = agenda.iter().map(|i| i.visit.id).collect();
    assert_eq!(ids, [v_midnight.id, v9.id, v11.id, v14.id, v_late.id]);
    assert_eq!(agenda[1].head_name, "이영희");
    assert_eq!(agenda[1].crisis_level, CrisisLevel::ALERT);
    assert_eq!(
        agenda[1]
            .partners
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["이수진"]
    );
    assert_eq!(agenda[2].partners[0].roles, [Role::VolunteerBorami]);
    assert_eq!(agenda[1].visit.assigned.len(), 2);
}

#[test]
fn history_pages_newest_first_without_gaps_or_repeats() {
    let f = fixture();
    let h = f.household("김철수", "역삼로 1", 5);
    let other = f.household("이영희", "역삼로 2", 5);
    let mut expected = HashSet::new();
    for i in 0..9 {
        let start = kst_time(2024, 1, 1, 9, 0) + Duration::days(i * 7);
        let v = visit(&f, h.id, start, vec![f.planner.id, f.nurse.id]);
        expected.insert(v.id);
        let c = f
            .store
            .wellness()
            .record(NewWellnessCheck {
                household_id: h.id,
                visit_id: Some(v.id),
                worker_id: f.nurse.id,
                checked_at: start + Duration::minutes(20),
                contact_mode: ContactMode::Home,
                checklist: WellnessChecklist::all_good(),
                note: None,
                corrects: None,
            })
            .unwrap();
        expected.insert(c.id);
        let n = f
            .store
            .notes()
            .add(NewCaseNote {
                household_id: h.id,
                case_id: None,
                visit_id: Some(v.id),
                author_id: f.planner.id,
                // Same instant for every third note as the check: ties break by id.
                written_at: if i % 3 == 0 {
                    start + Duration::minutes(20)
                } else {
                    start + Duration::minutes(50)
                },
                body: format!("상담 {i}"),
                corrects: None,
            })
            .unwrap();
        expected.insert(n.id);
    }
    visit(&f, other.id, kst_time(2024, 1, 2, 9, 0), vec![f.planner.id]);

    let hist = f.store.history();
    let mut seen = Vec::new();
    let mut cursor: Option<HistoryCursor> = None;
    let mut pages = 0;
    loop {
        let page = hist.page(h.id, cursor, 10).unwrap();
        pages += 1;
        if pages == 1 {
            // Something recorded after the first page was read must not shift later pages.
            let newest = kst_time(2024, 6, 1, 9, 0);
            visit(&f, h.id, newest, vec![f.planner.id, f.nurse.id]);
        }
        seen.extend(page.entries.iter().map(|(at, e)| (*at, e.id())));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3, "27 entries in pages of 10");
    assert_eq!(seen.len(), 27);
    let ids: HashSet<Id> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, expected, "every entry once, none of another household");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");
    // A page of exactly the remainder says there is no next page.
    let all = hist.page(h.id, None, 28).unwrap();
    assert_eq!(all.entries.len(), 28);
    assert!(all.next.is_none());
}

#[test]
fn households_due_for_monitoring_by_crisis_level() {
    let f = fixture();
    let today = date(2024, 5, 20);
    let crisis = f.household("위기가구", "역삼로 1", 5);
    let alert = f.household("경계가구", "역삼로 2", 4);
    let never = f.household("미접촉", "역삼로 3", 1);
    let archived = f.household("보관", "역삼로 4", 5);
    f.store
        .households()
        .update(
            archived.id,
            HouseholdUpdate {
                archived: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let contact = |h: Id, at| {
        f.store
            .wellness()
            .record(NewWellnessCheck {
                household_id: h,
                visit_id: None,
                worker_id: f.volunteer.id,
                checked_at: at,
                contact_mode: ContactMode::Phone,
                checklist: WellnessChecklist::all_good(),
                note: None,
                corrects: None,
            })
            .unwrap()
    };
    contact(crisis.id, kst_time(2024, 5, 12, 10, 0)); // 8 days ago: weekly → due 05-19, 1 day overdue
    contact(alert.id, kst_time(2024, 5, 10, 10, 0)); // monthly → due 06-09
                                                     // An older contact synced late does not move the last contact back.
    contact(crisis.id, kst_time(2024, 5, 1, 10, 0));

    let due = f
        .store
        .households()
        .due_for_monitoring(f.dong.id, today, 0, MonitoringIntervals::default())
        .unwrap();
    let got: Vec<(Id, chrono::NaiveDate, i64)> = due
        .iter()
        .map(|d| (d.household.id, d.due_on, d.days_overdue))
        .collect();
    assert_eq!(
        got,
        [(crisis.id, date(2024, 5, 19), 1), (never.id, today, 0)]
    );

    let within_month = f
        .store
        .households()
        .due_for_monitoring(f.dong.id, today, 30, MonitoringIntervals::default())
        .unwrap();
    let last = within_month.last().unwrap();
    assert_eq!(
        (last.household.id, last.due_on, last.days_overdue),
        (alert.id, date(2024, 6, 9), -20)
    );
}

#[test]
fn volunteer_month_against_borami_terms() {
    let f = fixture();
    let vs = f.store.volunteers();
    for day in 1..=13 {
        vs.record(NewVolunteerActivity {
            worker_id: f.volunteer.id,
            day: date(2024, 5, day),
            minutes: 4 * 60,
            household_id: None,
            note: None,
        })
        .unwrap();
    }
    // Two records on one day count one day.
    vs.record(NewVolunteerActivity {
        worker_id: f.volunteer.id,
        day: date(2024, 5, 13),
        minutes: 30,
        household_id: None,
        note: None,
    })
    .unwrap();
    vs.record(NewVolunteerActivity {
        worker_id: f.volunteer.id,
        day: date(2024, 6, 1),
        minutes: 120,
        household_id: None,
        note: None,
    })
    .unwrap();
    let may = vs.month(f.volunteer.id, 2024, 5).unwrap();
    assert_eq!((may.days, may.minutes), (13, 13 * 240 + 30));
    assert!(may.over_day_limit && may.over_hour_limit);
    assert_eq!(may.pay_won, 400_000, "capped at 400,000원");
    let june = vs.month(f.volunteer.id, 2024, 6).unwrap();
    assert_eq!(
        (
            june.days,
            june.minutes,
            june.over_day_limit,
            june.over_hour_limit
        ),
        (1, 120, false, false)
    );
    assert_eq!(june.pay_won, 33_333, "400,000 × 1/12 rounded down");
    let july = vs.month(f.volunteer.id, 2024, 7).unwrap();
    assert_eq!((july.days, july.pay_won), (0, 0));
    // Exactly 12 days and 48 hours is within the terms.
    assert!(!VolunteerMonth::new(f.volunteer.id, 2024, 8, 12, 48 * 60).over_hour_limit);
    assert_eq!(
        VolunteerMonth::new(f.volunteer.id, 2024, 8, 12, 48 * 60).pay_won,
        400_000
    );
}

#[test]
fn referral_replies_due_ten_and_five_days() {
    let f = fixture();
    let h = f.household("김철수", "역삼로 1", 4);
    let r = f
        .store
        .referrals()
        .create(NewReferral {
            household_id: h.id,
            case_id: None,
            referred_by: f.planner.id,
            target: ReferralTarget::MentalHealth,
            agency: "정신건강복지센터".into(),
            referred_on: date(2024, 5, 1),
            reason: "우울".into(),
        })
        .unwrap();
    assert_eq!(r.first_reply_due(), date(2024, 5, 11));
    let rs = f.store.referrals();
    assert!(rs.replies_due(date(2024, 5, 10)).unwrap().is_empty());
    let due = rs.replies_due(date(2024, 5, 11)).unwrap();
    assert_eq!(
        (due.len(), due[0].which, due[0].due_on),
        (1, ReplyKind::First, date(2024, 5, 11))
    );
    rs.record_first_reply(r.id, date(2024, 5, 9), Some("상담 시작"))
        .unwrap();
    rs.record_service_end(r.id, date(2024, 7, 1)).unwrap();
    let due = rs.replies_due(date(2024, 7, 6)).unwrap();
    assert_eq!(
        (due.len(), due[0].which, due[0].due_on),
        (1, ReplyKind::Final, date(2024, 7, 6))
    );
    rs.record_final_reply(r.id, date(2024, 7, 3), None).unwrap();
    assert!(rs.replies_due(date(2025, 1, 1)).unwrap().is_empty());
}

#[test]
fn crisis_report_reaches_the_team_as_a_referral() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 2);
    let cr = f.store.crisis_reports();
    let known = cr
        .report(NewCrisisReport {
            dong_id: f.dong.id,
            reporter_id: f.volunteer.id,
            household_id: Some(h.id),
            address: None,
            signs: vec![
                CrisisSign::UtilityCutoff,
                CrisisSign::Arrears,
                CrisisSign::Arrears,
            ],
            note: Some("전기 끊김".into()),
            reported_at: now(),
        })
        .unwrap();
    assert_eq!(
        known.signs,
        [CrisisSign::Arrears, CrisisSign::UtilityCutoff]
    );
    assert_eq!(known.address, "서울 강남구 역삼로 1");
    let referral = f.store.referrals().get(known.referral_id.unwrap()).unwrap();
    assert_eq!(
        (referral.target, referral.household_id),
        (ReferralTarget::DongTeam, h.id)
    );
    assert_eq!(referral.referred_on, date(2024, 5, 20));
    assert!(referral.reason.contains("단전"), "{}", referral.reason);

    let unknown = cr
        .report(NewCrisisReport {
            dong_id: f.dong.id,
            reporter_id: f.volunteer.id,
            household_id: None,
            address: Some("역삼로 50 지하".into()),
            signs: vec![CrisisSign::MailPilingUp],
            note: None,
            reported_at: now() + Duration::hours(1),
        })
        .unwrap();
    assert!(unknown.referral_id.is_none());
    let inbox: Vec<Id> = cr.inbox(f.dong.id).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(inbox, [unknown.id, known.id]);
    cr.mark_handled(unknown.id).unwrap();
    assert_eq!(cr.inbox(f.dong.id).unwrap().len(), 1);
}
