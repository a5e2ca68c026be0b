//! Hospital-discharge referrals (돌봄SOS 퇴원환자 연계, 001 §9): the steps in order, each on its day or
//! after the one before, none ahead of today; every bad write a typed error naming the field, with
//! nothing written and nothing to sync.

use donghaeng_core::model::discharge::{written_by, DischargeStep, Office};
use donghaeng_core::model::{new_id, Disability, Household, Id, Relation, Sex};
use donghaeng_core::store::discharge::NewDischargeReferral;
use donghaeng_core::store::persons::NewPerson;

use crate::common::{date, fixture, Fixture};

fn patient(f: &Fixture, h: &Household) -> Id {
    f.store
        .persons()
        .add(NewPerson {
            household_id: h.id,
            name: "최영호".into(),
            birth_date: date(1950, 3, 1),
            sex: Sex::Male,
            relation: Relation::Head,
            disability: Disability::None,
        })
        .unwrap()
        .id
}

fn referral(f: &Fixture, h: &Household, person: Id) -> NewDischargeReferral {
    NewDischargeReferral {
        household_id: h.id,
        person_id: person,
        hospital: "서울의료원".into(),
        referred_on: date(2024, 5, 10),
        discharge_on: Some(date(2024, 5, 24)),
        assigned_by: f.planner.id,
        assigned_on: date(2024, 5, 13),
    }
}

#[test]
fn a_referral_goes_from_the_hospital_through_the_dong_to_the_district() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 3);
    let p = patient(&f, &h);
    let store = f.store.discharge_referrals();
    let r = store.create(referral(&f, &h, p)).unwrap();
    assert_eq!(r.stage(), None);
    let steps = [
        (DischargeStep::CarePlan, date(2024, 5, 14)),
        (DischargeStep::ServiceStarted, date(2024, 5, 16)),
        (DischargeStep::ServiceEnded, date(2024, 5, 18)),
        (DischargeStep::Confirmed, date(2024, 5, 19)),
        (DischargeStep::Reported, date(2024, 5, 20)),
    ];
    for (step, on) in steps {
        let r = store.record_step(r.id, step, Some(on)).unwrap();
        assert_eq!((r.stage(), r.step_on(step)), (Some(step), Some(on)));
    }
    let r = store.record_discharge_day(r.id, date(2024, 5, 15)).unwrap();
    assert_eq!(store.get(r.id).unwrap(), r);
    assert_eq!(store.for_household(h.id).unwrap(), vec![r.clone()]);
    assert_eq!(r.confirmed_on, Some(date(2024, 5, 19)));
    // One upsert per write, each a change for the server (a mutable record).
    let ours = f
        .store
        .outbox(100)
        .unwrap()
        .into_iter()
        .filter(|c| c.entity == "discharge_referrals")
        .count();
    assert_eq!(ours, 7);
    // The 동's steps and the district's, as the server enforces them.
    assert_eq!(DischargeStep::CarePlan.office(), Office::Dong);
    assert_eq!(DischargeStep::ServiceEnded.office(), Office::Dong);
    assert_eq!(DischargeStep::Confirmed.office(), Office::District);
    assert_eq!(DischargeStep::Reported.office(), Office::District);
    assert_eq!(written_by("assigned_on"), Some(Office::District));
    assert_eq!(written_by("discharge_on"), Some(Office::Dong));
    assert_eq!(written_by("note"), None);
}

#[test]
fn a_step_out_of_order_or_ahead_of_today_names_its_field_and_writes_nothing() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 3);
    let other = f.household("김하나", "길음로 2", 2);
    let p = patient(&f, &h);
    let theirs = patient(&f, &other);
    let store = f.store.discharge_referrals();
    let r = store.create(referral(&f, &h, p)).unwrap();
    store
        .record_step(r.id, DischargeStep::CarePlan, Some(date(2024, 5, 14)))
        .unwrap();
    let before = f.store.outbox_len().unwrap();
    let held = store.get(r.id).unwrap();
    let steps = [
        // Confirmed before any service.
        (
            DischargeStep::Confirmed,
            Some(date(2024, 5, 15)),
            "discharge_step_skipped",
            "discharge_referral.confirmed_on",
        ),
        // Service before the plan.
        (
            DischargeStep::ServiceStarted,
            Some(date(2024, 5, 13)),
            "discharge_step_before_previous",
            "discharge_referral.service_started_on",
        ),
        // Tomorrow.
        (
            DischargeStep::ServiceStarted,
            Some(date(2024, 5, 21)),
            "date_in_future",
            "discharge_referral.service_started_on",
        ),
    ];
    for (step, on, code, field) in steps {
        let e = store.record_step(r.id, step, on).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{e}");
        assert!(!e.ko.is_empty() && !e.en.is_empty());
    }
    // The plan cannot be withdrawn while a service stands on it.
    store
        .record_step(r.id, DischargeStep::ServiceStarted, Some(date(2024, 5, 15)))
        .unwrap();
    let e = store
        .record_step(r.id, DischargeStep::CarePlan, None)
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (
            "discharge_step_skipped",
            Some("discharge_referral.service_started_on")
        )
    );
    store
        .record_step(r.id, DischargeStep::ServiceStarted, None)
        .unwrap();
    assert_eq!(store.get(r.id).unwrap(), held);
    assert_eq!(f.store.outbox_len().unwrap(), before + 2);

    let before = f.store.outbox_len().unwrap();
    let bad: Vec<(NewDischargeReferral, &str, &str)> = vec![
        (
            NewDischargeReferral {
                hospital: "  ".into(),
                ..referral(&f, &h, p)
            },
            "required",
            "discharge_referral.hospital",
        ),
        (
            NewDischargeReferral {
                assigned_on: date(2024, 5, 9),
                ..referral(&f, &h, p)
            },
            "discharge_step_before_previous",
            "discharge_referral.assigned_on",
        ),
        (
            NewDischargeReferral {
                referred_on: date(2024, 5, 21),
                assigned_on: date(2024, 5, 21),
                ..referral(&f, &h, p)
            },
            "date_in_future",
            "discharge_referral.referred_on",
        ),
        (
            NewDischargeReferral {
                discharge_on: Some(date(2024, 5, 1)),
                ..referral(&f, &h, p)
            },
            "discharge_before_referral",
            "discharge_referral.discharge_on",
        ),
        (
            referral(&f, &h, theirs),
            "person_of_other_household",
            "discharge_referral.person_id",
        ),
    ];
    for (new, code, field) in bad {
        let e = store.create(new).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{e}");
    }
    let e = store.create(referral(&f, &h, new_id())).unwrap_err();
    assert_eq!(e.code, "person_not_found");
    let e = store
        .record_step(new_id(), DischargeStep::CarePlan, Some(date(2024, 5, 14)))
        .unwrap_err();
    assert_eq!(e.code, "discharge_referral_not_found");
    assert_eq!(f.store.outbox_len().unwrap(), before, "nothing to sync");
    assert_eq!(store.for_household(h.id).unwrap().len(), 1);
    // A planned discharge may be ahead of today.
    store.record_discharge_day(r.id, date(2024, 6, 1)).unwrap();
}
