//! Rust-side tests of the facade's own rules and conversions (the Kotlin and Python tests go through
//! the generated bindings, where ids, days and instants cross as text and numbers:
//! `bindings/scripts/test.sh`).

use chrono::{DateTime, NaiveDate, Utc};
use donghaeng_core::model::{self as m, *};
use donghaeng_core::store::persons::NewPerson;
use donghaeng_core::store::services::ItemUsage;
use donghaeng_core::CoreError;
use donghaeng_ffi::eligibility::{EligibilityDecision, EnteredCrisis, EnteredFacts};
use donghaeng_ffi::*;
use uuid::Uuid;

fn day(text: &str) -> NaiveDate {
    text.parse().expect("day")
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("instant")
}

fn field_of(e: &DonghaengError) -> Option<&str> {
    match e {
        DonghaengError::Invalid { field, .. }
        | DonghaengError::NotFound { field, .. }
        | DonghaengError::InvalidTransition { field, .. }
        | DonghaengError::Conflict { field, .. }
        | DonghaengError::SchemaTooNew { field, .. }
        | DonghaengError::Storage { field, .. }
        | DonghaengError::WrongKey { field, .. }
        | DonghaengError::Closed { field, .. } => field.as_deref(),
    }
}

fn code_of(e: &DonghaengError) -> &str {
    match e {
        DonghaengError::Invalid { code, .. }
        | DonghaengError::NotFound { code, .. }
        | DonghaengError::InvalidTransition { code, .. }
        | DonghaengError::Conflict { code, .. }
        | DonghaengError::SchemaTooNew { code, .. }
        | DonghaengError::Storage { code, .. }
        | DonghaengError::WrongKey { code, .. }
        | DonghaengError::Closed { code, .. } => code,
    }
}

const KEY: [u8; 32] = [7; 32];

fn open() -> (tempfile::TempDir, std::sync::Arc<DonghaengStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = DonghaengStore::open(dir.path().join("t.db").display().to_string(), KEY.to_vec())
        .expect("open");
    (dir, store)
}

#[test]
fn every_core_error_kind_maps_to_its_variant() {
    type Is = fn(&DonghaengError) -> bool;
    let cases: [(CoreError, Is); 7] = [
        (
            CoreError::invalid("x", "f", "ko", "en"),
            |e| matches!(e, DonghaengError::Invalid { field, .. } if field.as_deref() == Some("f")),
        ),
        (CoreError::not_found("visit", 1), |e| {
            matches!(e, DonghaengError::NotFound { .. })
        }),
        (CoreError::invalid_transition("t", "ko", "en"), |e| {
            matches!(e, DonghaengError::InvalidTransition { .. })
        }),
        (CoreError::conflict("c", "ko", "en"), |e| {
            matches!(e, DonghaengError::Conflict { .. })
        }),
        (CoreError::schema_too_new(9, 3), |e| {
            matches!(e, DonghaengError::SchemaTooNew { .. })
        }),
        (CoreError::storage("disk"), |e| {
            matches!(e, DonghaengError::Storage { .. })
        }),
        // The core's `Invalid` for a wrong database key gets its own variant.
        (
            donghaeng_core::store::encryption::wrong_key(),
            |e| matches!(e, DonghaengError::WrongKey { field, .. } if field.as_deref() == Some("key")),
        ),
    ];
    for (core, is) in cases {
        let f = DonghaengError::from(core.clone());
        assert!(is(&f), "{core} became {f:?}");
        assert_eq!(code_of(&f), core.code);
        // Display is the core's "[code] ko (en)".
        assert_eq!(f.to_string(), core.to_string());
    }
}

#[test]
fn the_store_needs_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("k.db").display().to_string();
    let store = DonghaengStore::open(path.clone(), KEY.to_vec()).expect("open");
    store.rekey([8; 32].to_vec()).expect("rekey");
    store.close();
    drop(store);
    assert!(!is_plain_database(path.clone()).expect("header"));
    let e = DonghaengStore::open(path.clone(), KEY.to_vec()).unwrap_err();
    assert!(matches!(e, DonghaengError::WrongKey { .. }), "{e:?}");
    let e = DonghaengStore::open(path.clone(), vec![1; 16]).unwrap_err();
    assert!(matches!(e, DonghaengError::Invalid { .. }), "{e:?}");
    assert_eq!(code_of(&e), "store_key_invalid");
    assert!(DonghaengStore::open(path, [8; 32].to_vec()).is_ok());
}

#[test]
fn closed_store_fails_with_closed() {
    let (_dir, store) = open();
    assert_eq!(
        store.schema_version(),
        Ok(donghaeng_core::store::migrations::latest_version())
    );
    store.close();
    store.close();
    assert!(store.is_closed());
    let e = store.schema_version().unwrap_err();
    assert!(matches!(e, DonghaengError::Closed { .. }));
    assert_eq!(code_of(&e), "closed");
}

#[test]
fn the_facades_own_limits_are_typed_errors_not_panics() {
    let (_dir, store) = open();
    let team = store
        .generate_synthetic_dong(1, 3, 2, 5, day("2026-11-01"))
        .expect("synthetic");
    let dong = team.dong.id;
    let worker = team.workers[0].id;

    let e = store
        .households_due_for_monitoring(dong, day("2026-01-01"), u32::MAX, None)
        .unwrap_err();
    assert_eq!(code_of(&e), "days_out_of_range");
    // The last representable day still works (the core adds a day to it).
    assert!(store.agenda_for_worker(worker, day("9999-12-31")).is_ok());
    assert!(store
        .households_due_for_monitoring(dong, day("9999-12-31"), 3660, None)
        .is_ok());
    for year in [0, 10_000, i32::MIN] {
        let e = store.volunteer_month(worker, year, 1).unwrap_err();
        assert_eq!(code_of(&e), "date_out_of_range");
    }
    let e = store
        .generate_synthetic_dong(2, 0, 0, 1, day("2026-11-01"))
        .unwrap_err();
    assert_eq!(code_of(&e), "visits_need_households_and_workers");
    let e = store
        .update_household(
            team.household_ids[0],
            HouseholdUpdate {
                phone: Some("010-1234-5678".into()),
                clear_phone: true,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        (code_of(&e), field_of(&e)),
        ("value_and_clear", Some("household.phone"))
    );
    let e = store.start_visit(worker, at(0)).unwrap_err();
    assert!(matches!(e, DonghaengError::NotFound { .. }), "{e:?}");
}

#[test]
fn the_service_catalogue_is_the_cores() {
    let care = service_items(ServiceProgram::CareSos);
    let money = service_items(ServiceProgram::SeoulEmergencyWelfare);
    assert_eq!((care.len(), money.len()), (10, 11));
    // Every item once, in the core's order, with the core's program, shape and unit.
    let all: Vec<ServiceItem> = care.iter().chain(&money).map(|i| i.item).collect();
    let core: Vec<ServiceItem> = m::ServiceItem::ALL.to_vec();
    assert_eq!(all, core);
    for info in care.iter().chain(&money) {
        assert_eq!(*info, service_item_info(info.item));
        let c = info.item;
        assert_eq!(info.code, c.code());
        assert_eq!(c.program(), info.program);
        match c.shape() {
            m::ItemShape::Paid(u) => {
                assert_eq!(info.shape, ServiceItemShape::Paid);
                assert_eq!(info.unit, Some(u));
            }
            m::ItemShape::Linked => {
                assert_eq!((info.shape, info.unit), (ServiceItemShape::Linked, None))
            }
            m::ItemShape::Money => {
                assert_eq!((info.shape, info.unit), (ServiceItemShape::Money, None))
            }
        }
    }
    assert_eq!(
        care.iter()
            .filter(|i| i.shape == ServiceItemShape::Paid)
            .count(),
        5
    );
    let stay = service_item_info(ServiceItem::ShortStay);
    assert_eq!(
        (stay.label_ko.as_str(), stay.unit),
        ("단기시설", Some(QuantityUnit::Days))
    );
    assert_eq!(QuantityUnit::Days.label_ko(), "일");
    assert_eq!(ServiceItem::Living.label_ko(), "생계비");
}

#[test]
fn services_cross_both_ways_and_errors_name_their_field() {
    let (_dir, store) = open();
    let dong = store
        .generate_synthetic_dong(3, 0, 2, 0, day("2026-11-01"))
        .expect("synthetic");
    let worker = dong.workers[0].id;
    let h = store
        .create_household(NewHousehold {
            dong_id: dong.dong.id,
            head_name: "김영수".into(),
            address: "서울 강남구 역삼로 1".into(),
            crisis_level: 3,
            location: None,
            tags: vec![],
            risk_flags: vec![],
            phone: None,
        })
        .expect("household")
        .id;
    let new = |item, quantity, amount_won| NewServiceProvision {
        household_id: h,
        item,
        provided_on: day("2025-06-10"),
        recorded_by: worker,
        quantity,
        amount_won,
        case_id: None,
        note: None,
        corrects: None,
        crisis_reason: None,
        support_kind: None,
    };
    let stay = store
        .record_service(NewServiceProvision {
            note: Some("단기 보호 3일".into()),
            ..new(ServiceItem::ShortStay, Some(3), Some(3 * 60_490))
        })
        .expect("short stay");
    assert_eq!(
        (stay.item, stay.quantity, stay.amount_won, stay.voided),
        (ServiceItem::ShortStay, Some(3), Some(181_470), false)
    );
    assert_eq!(stay.provided_on, day("2025-06-10"));
    assert_eq!((stay.household_id, stay.recorded_by), (h, worker));
    assert_eq!(store.get_service(stay.id), Ok(stay.clone()));
    let living = store
        .record_service(new(ServiceItem::Living, None, Some(300_000)))
        .expect("living");
    let fixed = store
        .record_service(NewServiceProvision {
            corrects: Some(living.id),
            ..new(ServiceItem::Living, None, Some(500_000))
        })
        .expect("correction");
    assert_eq!(fixed.corrects, Some(living.id));
    let void = store
        .void_service(stay.id, worker, "다른 가구에 입력".into())
        .expect("void");
    assert!(void.voided);
    assert_eq!(void.corrects, Some(stay.id));
    let counted: Vec<Uuid> = store
        .services_of_household(h)
        .expect("list")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(counted, vec![fixed.id]);
    assert_eq!(
        store.service_year_usage(h, 2025).expect("usage"),
        vec![ItemUsage {
            item: ServiceItem::Living,
            count: 1,
            quantity: 0,
            unit: None,
            amount_won: 500_000,
        }]
    );
    // A year far from any record is an empty answer, not an error.
    assert_eq!(store.service_year_usage(h, i32::MIN), Ok(vec![]));

    // The core's refusals keep their code and field.
    let e = store
        .record_service(new(ServiceItem::ShortStay, None, None))
        .unwrap_err();
    assert!(matches!(e, DonghaengError::Invalid { .. }), "{e:?}");
    assert_eq!(
        (code_of(&e), field_of(&e)),
        ("quantity_required", Some("service.quantity"))
    );
    let e = store
        .get_service(Uuid::from_u128(0x0190d5a0_0000_7000_8000_000000000000))
        .unwrap_err();
    assert!(matches!(e, DonghaengError::NotFound { .. }), "{e:?}");
    assert_eq!(code_of(&e), "service_provision_not_found");
}

#[test]
fn evaluate_household_reads_the_records_and_names_the_support_it_counted() {
    let (_dir, store) = open();
    let dong = store
        .generate_synthetic_dong(3, 0, 2, 0, day("2026-11-01"))
        .expect("synthetic");
    let worker = dong.workers[0].id;
    let h = store
        .create_household(NewHousehold {
            dong_id: dong.dong.id,
            head_name: "김영수".into(),
            address: "서울 강남구 역삼로 1".into(),
            crisis_level: 4,
            location: None,
            tags: vec![HouseholdTag::LonelyDeathRisk, HouseholdTag::LivesAlone],
            risk_flags: vec![],
            phone: None,
        })
        .expect("household")
        .id;
    store
        .add_person(NewPerson {
            household_id: h,
            name: "김영수".into(),
            birth_date: day("1958-02-01"),
            sex: Sex::Male,
            relation: Relation::Head,
            disability: Disability::None,
        })
        .expect("member");
    let living = |on: &str, kind| {
        store
            .record_service(NewServiceProvision {
                household_id: h,
                item: ServiceItem::Living,
                provided_on: day(on),
                recorded_by: worker,
                quantity: None,
                amount_won: Some(300_000),
                case_id: None,
                note: None,
                corrects: None,
                crisis_reason: Some(CrisisReason::UtilityCutoff),
                support_kind: kind,
            })
            .expect("living")
    };
    let first = living("2026-09-01", None);
    assert_eq!(
        (first.crisis_reason, first.support_kind),
        (Some(CrisisReason::UtilityCutoff), Some(SupportKind::New))
    );
    let second = living("2026-10-01", Some(SupportKind::Extra));
    assert_eq!(store.get_service(second.id), Ok(second.clone()));
    let facts = |kind| EnteredFacts {
        monthly_income_won: 1_000_000,
        property_won: 50_000_000,
        financial_assets_won: 1_000_000,
        recognised_income_won: None,
        residence: "seoul".into(),
        household_size: None,
        receiving: vec![],
        health_insurance_bottom_20pct: false,
        crisis: Some(EnteredCrisis {
            reasons: vec![CrisisReason::UtilityCutoff],
            requested_items: vec!["living".into()],
            support_kind: kind,
        }),
        care_sos_request: None,
        programs: Some(vec!["seoul_emergency_welfare".into()]),
    };
    // The third payment of a lonely-death-risk single household: an extra payment is left.
    let r = store
        .evaluate_household(h, day("2026-11-02"), facts(SupportKind::Extra))
        .expect("evaluate");
    let ew = &r.programs[0];
    assert_eq!(ew.decision, EligibilityDecision::Eligible);
    let c = ew
        .checks
        .iter()
        .find(|c| c.code == "extra_payments")
        .unwrap();
    assert!(c.passed);
    assert!(c.ko.contains(&second.id.to_string()), "{}", c.ko);
    assert!(r.text.contains(&first.id.to_string()), "{}", r.text);
    // New support within 3 months of the last payment: refused.
    let r = store
        .evaluate_household(h, day("2026-11-02"), facts(SupportKind::New))
        .expect("evaluate");
    assert_eq!(r.programs[0].decision, EligibilityDecision::Ineligible);

    // A kind without a reason, an unknown code, an unknown household: typed errors with the field.
    let e = store
        .record_service(NewServiceProvision {
            household_id: h,
            item: ServiceItem::Living,
            provided_on: day("2026-10-01"),
            recorded_by: worker,
            quantity: None,
            amount_won: Some(300_000),
            case_id: None,
            note: None,
            corrects: None,
            crisis_reason: None,
            support_kind: Some(SupportKind::Extra),
        })
        .unwrap_err();
    assert_eq!(
        (code_of(&e), field_of(&e)),
        ("crisis_reason_required", Some("service.crisis_reason"))
    );
    let e = store
        .evaluate_household(
            h,
            day("2026-11-02"),
            EnteredFacts {
                receiving: vec!["nope".into()],
                ..facts(SupportKind::New)
            },
        )
        .unwrap_err();
    assert_eq!(field_of(&e), Some("facts.receiving[0]"));
    let e = store
        .evaluate_household(
            Uuid::from_u128(0x0190a000_0000_7000_8000_000000000000),
            day("2026-11-02"),
            facts(SupportKind::New),
        )
        .unwrap_err();
    assert_eq!(code_of(&e), "household_not_found");
}
