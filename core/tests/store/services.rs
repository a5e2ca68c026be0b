//! Services provided (서비스 제공 기록): shapes per item, corrections and voids, the yearly usage a
//! worker checks against the limits, and the sync change each record makes.

use donghaeng_core::model::{QuantityUnit, ServiceItem};
use donghaeng_core::store::services::{ItemUsage, NewServiceProvision};
use donghaeng_core::sync::Op;

use crate::common::{date, fixture, Fixture};

fn new(f: &Fixture, household: uuid::Uuid, item: ServiceItem) -> NewServiceProvision {
    NewServiceProvision {
        household_id: household,
        case_id: None,
        item,
        provided_on: date(2024, 5, 2),
        quantity: None,
        amount_won: None,
        recorded_by: f.planner.id,
        note: None,
        corrects: None,
    }
}

#[test]
fn each_item_takes_the_values_its_program_has_and_refuses_the_rest() {
    let f = fixture();
    let h = f.household("김영수", "서울 강남구 역삼로 1", 3).id;
    let s = f.store.services();
    // 일시재가 4 hours; 식사지원 10 meals with its fee (8,400원 × 10, 001 §9).
    let care = s
        .record(NewServiceProvision {
            quantity: Some(240),
            ..new(&f, h, ServiceItem::TemporaryHomeCare)
        })
        .unwrap();
    assert_eq!(care.item.program().code(), "care_sos");
    s.record(NewServiceProvision {
        quantity: Some(10),
        amount_won: Some(84_000),
        ..new(&f, h, ServiceItem::Meals)
    })
    .unwrap();
    // 안부확인 is linked: counted only.
    s.record(new(&f, h, ServiceItem::WellbeingCheck)).unwrap();
    // 연료비 106,700원 (001 §7).
    s.record(NewServiceProvision {
        amount_won: Some(106_700),
        ..new(&f, h, ServiceItem::Fuel)
    })
    .unwrap();

    let refused = |n: NewServiceProvision| s.record(n).unwrap_err();
    let cases = [
        (new(&f, h, ServiceItem::ShortStay), "quantity_required"),
        (
            NewServiceProvision {
                amount_won: Some(10_000),
                ..new(&f, h, ServiceItem::CaseManagement)
            },
            "linked_service_has_no_amount",
        ),
        (new(&f, h, ServiceItem::Medical), "amount_required"),
        (
            NewServiceProvision {
                amount_won: Some(300_000),
                quantity: Some(1),
                ..new(&f, h, ServiceItem::Living)
            },
            "quantity_not_applicable",
        ),
        (
            NewServiceProvision {
                amount_won: Some(-1),
                ..new(&f, h, ServiceItem::Living)
            },
            "amount_out_of_range",
        ),
        (
            NewServiceProvision {
                quantity: Some(0),
                ..new(&f, h, ServiceItem::Escort)
            },
            "quantity_out_of_range",
        ),
        (
            NewServiceProvision {
                provided_on: date(2024, 5, 21),
                amount_won: Some(300_000),
                ..new(&f, h, ServiceItem::Living)
            },
            "date_in_future",
        ),
    ];
    let before = f.store.outbox_len().unwrap();
    for (n, code) in cases {
        let e = refused(n);
        assert_eq!(e.code, code);
        assert!(!e.ko.is_empty() && !e.en.is_empty());
    }
    let e = refused(NewServiceProvision {
        household_id: uuid::Uuid::now_v7(),
        amount_won: Some(1),
        ..new(&f, h, ServiceItem::Living)
    });
    assert_eq!(e.code, "household_not_found");
    assert_eq!(f.store.outbox_len().unwrap(), before, "nothing written");
    assert_eq!(s.for_household(h).unwrap().len(), 4);
}

#[test]
fn corrections_replace_voids_withdraw_and_the_year_usage_follows() {
    let f = fixture();
    let h = f.household("김영수", "서울 강남구 역삼로 1", 3).id;
    let other = f.household("이영자", "서울 강남구 역삼로 2", 3).id;
    let s = f.store.services();
    let living = s
        .record(NewServiceProvision {
            amount_won: Some(300_000),
            ..new(&f, h, ServiceItem::Living)
        })
        .unwrap();
    // The household has two members: 50만원, not 30만원 (001 §7).
    let fixed = s
        .record(NewServiceProvision {
            amount_won: Some(500_000),
            corrects: Some(living.id),
            ..new(&f, h, ServiceItem::Living)
        })
        .unwrap();
    let stay = s
        .record(NewServiceProvision {
            quantity: Some(3),
            amount_won: Some(3 * 60_490),
            ..new(&f, h, ServiceItem::ShortStay)
        })
        .unwrap();
    let wrong = s
        .record(NewServiceProvision {
            quantity: Some(120),
            ..new(&f, h, ServiceItem::TemporaryHomeCare)
        })
        .unwrap();
    let void = s.void(wrong.id, f.nurse.id, "다른 가구에 입력").unwrap();
    assert!(void.voided && void.corrects == Some(wrong.id));
    assert_eq!((void.quantity, void.amount_won), (None, None));
    // Last year's meals do not count for this year.
    s.record(NewServiceProvision {
        provided_on: date(2023, 12, 30),
        quantity: Some(5),
        ..new(&f, h, ServiceItem::Meals)
    })
    .unwrap();

    let current: Vec<_> = s
        .for_household(h)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(current.len(), 3);
    assert!(current.contains(&fixed.id) && current.contains(&stay.id));
    assert!(!current.contains(&living.id) && !current.contains(&wrong.id));
    assert_eq!(
        s.year_usage(h, 2024).unwrap(),
        vec![
            ItemUsage {
                item: ServiceItem::ShortStay,
                count: 1,
                quantity: 3,
                unit: Some(QuantityUnit::Days),
                amount_won: 181_470,
            },
            ItemUsage {
                item: ServiceItem::Living,
                count: 1,
                quantity: 0,
                unit: None,
                amount_won: 500_000,
            },
        ]
    );
    // A correction must stay with its household; voiding needs a reason.
    let e = s
        .record(NewServiceProvision {
            amount_won: Some(1),
            corrects: Some(fixed.id),
            ..new(&f, other, ServiceItem::Living)
        })
        .unwrap_err();
    assert_eq!(e.code, "correction_of_other_household");
    assert_eq!(
        s.void(stay.id, f.nurse.id, "  ").unwrap_err().code,
        "required"
    );
    assert_eq!(
        s.void(uuid::Uuid::now_v7(), f.nurse.id, "x")
            .unwrap_err()
            .code,
        "service_provision_not_found"
    );
}

#[test]
fn each_record_is_one_append_change_with_every_field() {
    let f = fixture();
    let h = f.household("김영수", "서울 강남구 역삼로 1", 3).id;
    let p = f
        .store
        .services()
        .record(NewServiceProvision {
            amount_won: Some(800_000),
            note: Some("장례 지원".into()),
            ..new(&f, h, ServiceItem::Funeral)
        })
        .unwrap();
    let outbox = f.store.outbox(10_000).unwrap();
    let change = outbox
        .iter()
        .find(|c| c.entity == "service_provisions")
        .unwrap();
    assert_eq!(change.record_id, p.id);
    let Op::Append { record } = &change.op else {
        panic!("{:?}", change.op)
    };
    // Every synced column, the emergency-support pair (schema 10) included, null when not given.
    assert_eq!(record.len(), 12);
    assert_eq!(record["item"], "funeral");
    assert_eq!(record["amount_won"], 800_000);
    assert_eq!(record["provided_on"], "2024-05-02");
    assert_eq!(record["voided"], 0);
    assert!(record["crisis_reason"].is_null());
    assert!(record["support_kind"].is_null());

    let living = f
        .store
        .services()
        .record_with(
            NewServiceProvision {
                amount_won: Some(300_000),
                ..new(&f, h, ServiceItem::Living)
            },
            Some(donghaeng_core::model::EmergencySupport {
                crisis_reason: donghaeng_core::model::CrisisReason::UtilityCutoff,
                support_kind: donghaeng_core::model::SupportKind::Extra,
            }),
        )
        .unwrap();
    let outbox = f.store.outbox(10_000).unwrap();
    let change = outbox.iter().find(|c| c.record_id == living.id).unwrap();
    let Op::Append { record } = &change.op else {
        panic!("{:?}", change.op)
    };
    assert_eq!(record["crisis_reason"], "utility_cutoff");
    assert_eq!(record["support_kind"], "extra");
    donghaeng_core::sync::validate::validate_change(change, "change").unwrap();
}

#[test]
fn the_household_history_shows_each_service_record_on_its_day() {
    use donghaeng_core::store::history::HistoryEntry;
    let f = fixture();
    let h = f.household("김영수", "서울 강남구 역삼로 1", 3).id;
    let s = f.store.services();
    let fuel = s
        .record(NewServiceProvision {
            provided_on: date(2024, 5, 1),
            amount_won: Some(106_700),
            ..new(&f, h, ServiceItem::Fuel)
        })
        .unwrap();
    let void = s.void(fuel.id, f.planner.id, "중복 입력").unwrap();
    let page = f.store.history().page(h, None, 10).unwrap();
    let services: Vec<_> = page
        .entries
        .iter()
        .filter_map(|(at, e)| match e {
            HistoryEntry::Service(p) => Some((*at, p.id, p.voided)),
            _ => None,
        })
        .collect();
    // Both records, newest first by id on the same day, at 2024-05-01 00:00 KST (= 04-30 15:00 UTC).
    let midnight = crate::common::kst_time(2024, 5, 1, 0, 0);
    assert_eq!(
        services,
        vec![(midnight, void.id, true), (midnight, fuel.id, false)]
    );
}
