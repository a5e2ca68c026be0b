//! `Store::due_today`: the 동's due list made from what the phone stores, on today's date (2026-12-03).

use std::sync::Arc;

use donghaeng_core::clock::FixedClock;
use donghaeng_core::model::*;
use donghaeng_core::schedule::DueReason;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;

use crate::common::{date, fixture_with, kst_time, Fixture};

fn today_fixture() -> Fixture {
    let now = kst_time(2026, 12, 3, 9, 0);
    fixture_with(Store::open_in_memory_with_clock(Arc::new(FixedClock(now))).unwrap())
}

fn household(
    f: &Fixture,
    level: i64,
    tags: Vec<HouseholdTag>,
    members: Vec<NewMember>,
) -> Household {
    f.store
        .households()
        .create_with_members(
            NewHousehold {
                dong_id: f.dong.id,
                head_name: "김하나".into(),
                address: "역삼로 1".into(),
                location: Some((37.5, 127.03)),
                crisis_level: level,
                tags,
                risk_flags: vec![],
                phone: None,
            },
            members,
        )
        .unwrap()
        .0
}

#[test]
fn the_phones_due_list_comes_from_its_records() {
    let f = today_fixture();
    // 위기 household met on 2026-11-25 (KST): weekly, so due 12-02, one day overdue.
    let crisis = household(&f, 5, vec![], vec![]);
    let v = f
        .store
        .visits()
        .plan(NewVisit {
            household_id: crisis.id,
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Home,
            window_start: kst_time(2026, 11, 25, 10, 0),
            window_end: kst_time(2026, 11, 25, 12, 0),
            required_roles: vec![],
            assigned: vec![f.planner.id, f.nurse.id],
            note: None,
        })
        .unwrap();
    f.store
        .visits()
        .start(v.id, kst_time(2026, 11, 25, 10, 5))
        .unwrap();
    f.store
        .visits()
        .complete(
            v.id,
            kst_time(2026, 11, 25, 10, 50),
            VisitOutcome::Met,
            None,
        )
        .unwrap();
    // A member turning 65 today.
    let senior = household(
        &f,
        1,
        vec![],
        vec![NewMember {
            name: "이순자".into(),
            birth_date: date(1961, 12, 3),
            sex: Sex::Female,
            relation: Relation::Head,
            disability: Disability::None,
        }],
    );
    // A 고독사 위험 household the 보라미 volunteer checked at the door on 11-26.
    let lonely = household(&f, 2, vec![HouseholdTag::LonelyDeathRisk], vec![]);
    f.store
        .wellness()
        .record(NewWellnessCheck {
            household_id: lonely.id,
            visit_id: None,
            worker_id: f.volunteer.id,
            checked_at: kst_time(2026, 11, 26, 15, 0),
            contact_mode: ContactMode::Home,
            checklist: WellnessChecklist::all_good(),
            note: None,
            corrects: None,
        })
        .unwrap();
    // A mental-health referral of 11-20 with no reply: due 11-30.
    let referred = household(&f, 3, vec![], vec![]);
    let r = f
        .store
        .referrals()
        .create(NewReferral {
            household_id: referred.id,
            case_id: None,
            referred_by: f.planner.id,
            target: ReferralTarget::MentalHealth,
            agency: "강남구 정신건강복지센터".into(),
            referred_on: date(2026, 11, 20),
            reason: "우울감".into(),
        })
        .unwrap();

    let a = f.store.due_today(f.dong.id, date(2026, 12, 3)).unwrap();
    assert_eq!(a.today, date(2026, 12, 3));
    let find = |h: Id, reason: DueReason| {
        a.overdue
            .iter()
            .chain(&a.due_today)
            .chain(&a.upcoming)
            .find(|i| i.household_id == h && i.reason == reason)
            .cloned()
    };
    let c = find(crisis.id, DueReason::CrisisMonitoring).unwrap();
    assert_eq!((c.due, c.days_overdue), (date(2026, 12, 2), 1));
    let s = find(senior.id, DueReason::Universal65).unwrap();
    assert_eq!((s.due, s.days_overdue), (date(2026, 12, 3), 0));
    assert!(a.due_today.contains(&s));
    let l = find(lonely.id, DueReason::VolunteerRegular).unwrap();
    assert_eq!(l.due, date(2026, 12, 3));
    assert_eq!(l.assigned_worker, Some(f.volunteer.id));
    let rr = find(referred.id, DueReason::ReferralFirstReply).unwrap();
    assert_eq!((rr.due, rr.related_id), (date(2026, 11, 30), Some(r.id)));
    // Households never contacted are due for monitoring today.
    assert_eq!(
        find(senior.id, DueReason::CrisisMonitoring).unwrap().due,
        date(2026, 12, 3)
    );
}

#[test]
fn a_unit_that_is_not_a_dong_is_a_clear_error() {
    let f = today_fixture();
    let e = f.store.due_today(f.team.id, date(2026, 12, 3)).unwrap_err();
    assert_eq!(e.code, "wrong_org_unit_kind");
    assert_eq!(e.field.as_deref(), Some("due.dong_id"));
    let e = f.store.due_today(new_id(), date(2026, 12, 3)).unwrap_err();
    assert_eq!(e.code, "org_unit_not_found");
}

#[test]
fn a_synced_row_with_an_unknown_code_is_left_out_and_counted_not_an_error() {
    use donghaeng_core::sync::{Change, HlcTimestamp, Op};
    let f = today_fixture();
    let h = household(&f, 3, vec![], vec![]);
    // A peer (newer, or faulty) syncs a member whose sex code this version does not know.
    let fields = serde_json::from_value(serde_json::json!({
        "household_id": h.id.to_string(), "name": "최영호", "birth_date": "1961-05-01",
        "sex": "x", "relation": "head", "disability": "none",
    }))
    .unwrap();
    let node = new_id();
    f.store
        .apply_page(
            &[Change {
                id: new_id(),
                entity: "persons".into(),
                record_id: new_id(),
                op: Op::Upsert { fields },
                hlc: HlcTimestamp {
                    wall_ms: 1,
                    counter: 0,
                    node,
                },
                device_id: node,
            }],
            1,
        )
        .unwrap();
    let r = f.store.dong_records(&[f.dong.id]).unwrap();
    assert_eq!(
        (r.households.len(), r.persons.len(), r.unreadable),
        (1, 0, 1)
    );
    // The due list still answers, from the rest.
    let due = f.store.due_today(f.dong.id, date(2026, 12, 3)).unwrap();
    assert!(due.due_today.iter().any(|i| i.household_id == h.id));
}

#[test]
fn due_unplanned_leaves_out_households_with_a_visit_planned_from_the_day_on() {
    let f = today_fixture();
    let (planned, left, later) = (
        household(&f, 5, vec![], vec![]),
        household(&f, 4, vec![], vec![]),
        household(&f, 1, vec![], vec![]),
    );
    // `later` was met yesterday: a 관심 household is not due again for a year.
    let v = f
        .store
        .visits()
        .plan(NewVisit {
            household_id: later.id,
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Phone,
            window_start: kst_time(2026, 12, 2, 10, 0),
            window_end: kst_time(2026, 12, 2, 11, 0),
            required_roles: vec![],
            assigned: vec![],
            note: None,
        })
        .unwrap();
    f.store
        .visits()
        .start(v.id, kst_time(2026, 12, 2, 10, 0))
        .unwrap();
    f.store
        .visits()
        .complete(v.id, kst_time(2026, 12, 2, 10, 30), VisitOutcome::Met, None)
        .unwrap();
    f.store
        .visits()
        .plan(NewVisit {
            household_id: planned.id,
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Home,
            window_start: kst_time(2026, 12, 3, 14, 0),
            window_end: kst_time(2026, 12, 3, 15, 0),
            required_roles: vec![],
            assigned: vec![],
            note: None,
        })
        .unwrap();
    let due: Vec<Id> = f
        .store
        .due_unplanned(f.dong.id, date(2026, 12, 3))
        .unwrap()
        .into_iter()
        .map(|d| d.household.id)
        .collect();
    assert_eq!(due, vec![left.id], "never contacted, nothing planned");
    // Seen from the next day, the planned visit (today) no longer counts as in hand.
    let due: Vec<Id> = f
        .store
        .due_unplanned(f.dong.id, date(2026, 12, 4))
        .unwrap()
        .into_iter()
        .map(|d| d.household.id)
        .collect();
    assert_eq!(due, vec![planned.id, left.id], "위기 first among equals");
}
