//! Change capture on the device (issue 7 item 2): every syncable repository write stores its row
//! and its change in one transaction, and the store's merge state agrees with the in-memory
//! reference `Replica` fed the same changes.

use crate::device_common as sync_device_common;

use donghaeng_core::model::*;
use donghaeng_core::store::households::HouseholdUpdate;
use donghaeng_core::store::Store;
use donghaeng_core::sync::validate::validate_change;
use donghaeng_core::sync::{Op, Replica};
use proptest::prelude::*;
use serde_json::json;
use sync_device_common as w;

fn all_changes(store: &Store) -> Vec<donghaeng_core::sync::Change> {
    store.outbox(usize::MAX).unwrap()
}

fn run(steps: &[(u8, u8, u8)]) -> Result<(), TestCaseError> {
    let store = w::store();
    w::seed_org(&store);
    let device = store.device_id().unwrap();
    for &(op, a, b) in steps {
        let before_len = store.outbox_len().unwrap();
        let before_dump = store.sync_dump().unwrap();
        if w::step(&store, op, a, b).is_err() {
            // A refused write leaves no change and no merge state behind.
            prop_assert_eq!(store.outbox_len().unwrap(), before_len);
            prop_assert_eq!(store.sync_dump().unwrap(), before_dump);
        }
    }
    let changes = all_changes(&store);
    let mut replica = Replica::new();
    for (i, c) in changes.iter().enumerate() {
        validate_change(c, &format!("outbox[{i}]"))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(c.device_id, device);
        prop_assert_eq!(c.hlc.node, device);
        replica.apply(c).unwrap();
    }
    // Stamps strictly increase in outbox order: the clock never repeats or goes back.
    prop_assert!(changes.windows(2).all(|p| p[0].hlc < p[1].hlc));
    prop_assert_eq!(store.sync_dump().unwrap(), replica.canonical_dump());
    let wrong = store.sync_mismatches().unwrap();
    prop_assert!(wrong.is_empty(), "{:?}", wrong);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]
    #[test]
    fn random_repository_writes_agree_with_the_reference_replica(
        steps in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..80)
    ) {
        run(&steps)?;
    }
}

#[test]
fn a_create_sends_every_field_and_an_edit_only_what_changed() {
    let store = w::store();
    w::seed_org(&store);
    w::step(&store, 0, 2, 0).unwrap();
    let h = w::pick(&store, "households", "1", 0).unwrap();
    let n = store.outbox_len().unwrap();
    let create = all_changes(&store).into_iter().last().unwrap();
    assert_eq!(create.entity, "households");
    let Op::Upsert { fields } = &create.op else {
        panic!("create is an upsert")
    };
    assert_eq!(fields.len(), 10, "every synced column: {fields:?}");
    assert!(!fields.contains_key("search_text") && !fields.contains_key("last_contact_at"));

    store
        .households()
        .update(
            h,
            HouseholdUpdate {
                crisis_level: Some(5),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), n + 1);
    let edit = all_changes(&store).into_iter().last().unwrap();
    assert_eq!(
        edit.op,
        Op::Upsert {
            fields: [("crisis_level".to_owned(), json!(5))]
                .into_iter()
                .collect()
        }
    );
    // The same value again changes nothing, so nothing travels.
    store
        .households()
        .update(
            h,
            HouseholdUpdate {
                crisis_level: Some(5),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), n + 1);
}

#[test]
fn assignments_travel_as_worker_fields_and_appends_whole() {
    let store = w::store();
    w::seed_org(&store);
    w::step(&store, 0, 1, 0).unwrap();
    let h = w::pick(&store, "households", "1", 0).unwrap();
    let a = w::pick(&store, "workers", "1", 0).unwrap();
    let b = w::pick(&store, "workers", "1", 1).unwrap();
    let v = store
        .visits()
        .plan(donghaeng_core::store::visits::NewVisit {
            household_id: h,
            purpose: VisitPurpose::CrisisMonitoring,
            contact_mode: ContactMode::Home,
            window_start: w::t0(),
            window_end: w::t0() + chrono::Duration::hours(1),
            required_roles: vec![],
            assigned: vec![a],
            note: None,
        })
        .unwrap();
    store.visits().assign(v.id, &[b]).unwrap();
    let last = all_changes(&store).into_iter().last().unwrap();
    assert_eq!(last.entity, "visit_workers");
    assert_eq!(last.record_id, v.id);
    assert_eq!(
        last.op,
        Op::Upsert {
            fields: [(a.to_string(), json!(false)), (b.to_string(), json!(true))]
                .into_iter()
                .collect()
        }
    );
    w::step(&store, 9, 0, 1).unwrap();
    let check = all_changes(&store).into_iter().last().unwrap();
    assert_eq!(check.entity, "wellness_checks");
    let Op::Append { record } = &check.op else {
        panic!("a wellness check is appended")
    };
    assert_eq!(record.len(), 17);
    assert_eq!(record["needs_referral"], json!(0));
}

#[test]
fn a_store_reopened_keeps_its_device_id_and_never_stamps_lower() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let (device, last) = {
        let store = Store::open(&path).unwrap();
        w::seed_org(&store);
        let st = store.sync_state().unwrap();
        (st.device_id, st.last_hlc.unwrap())
    };
    assert_eq!(device.get_version_num(), 7);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.device_id().unwrap(), device);
    w::step(&store, 16, 0, 3).unwrap();
    let newest = all_changes(&store).into_iter().last().unwrap();
    assert!(newest.hlc > last);
}

#[test]
fn a_file_from_before_sync_is_migrated_and_its_records_captured_once() {
    use donghaeng_core::store::migrations::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to(&mut conn, 3, 0).unwrap();
        conn.execute_batch(
            "INSERT INTO org_units VALUES ('018f0000-0000-7000-8000-000000000010', 'dong', '역삼1동', NULL);
             INSERT INTO households (id, dong_id, head_name, address, crisis_level)
                  VALUES ('018f0000-0000-7000-8000-0000000000a1', '018f0000-0000-7000-8000-000000000010',
                          '김영수', '역삼동 1', 5);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        donghaeng_core::store::migrations::latest_version()
    );
    let changes = all_changes(&store);
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].entity, "org_units");
    assert_eq!(changes[1].entity, "households");
    drop(store);
    // Opening again captures nothing more.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 2);
    assert!(store.sync_mismatches().unwrap().is_empty());
}

#[test]
fn the_workload_reaches_every_syncable_table() {
    let steps: Vec<(u8, u8, u8)> = (0..600u32)
        .map(|i| ((i % 17) as u8, (i * 7 % 251) as u8, (i * 13 % 253) as u8))
        .collect();
    run(&steps).unwrap();
    let store = w::store();
    w::seed_org(&store);
    for &(op, a, b) in &steps {
        let _ = w::step(&store, op, a, b);
    }
    let mut entities: Vec<String> = all_changes(&store).into_iter().map(|c| c.entity).collect();
    entities.sort();
    entities.dedup();
    assert_eq!(
        entities,
        [
            "audit_entries",
            "case_notes",
            "cases",
            "crisis_reports",
            "households",
            "org_units",
            "persons",
            "referrals",
            "service_provisions",
            "visit_workers",
            "visits",
            "volunteer_activity",
            "wellness_checks",
            "workers"
        ]
    );
    // Edits, not only creates: some change sets fewer fields than a create.
    let edits = all_changes(&store)
        .into_iter()
        .filter(|c| c.entity == "visits")
        .filter(|c| matches!(&c.op, Op::Upsert { fields } if fields.len() < 5))
        .count();
    assert!(edits > 10, "{edits} visit edits");
}

/// The widest record a phone writes — a referral with the longest reason and reply note, every
/// character a 4-byte one — makes changes well under `MAX_CHANGE_BYTES`; one character more is
/// refused by the repository (`too_long`, naming the field) before any change exists.
#[test]
fn the_widest_record_a_phone_writes_fits_one_change_and_longer_text_is_refused_first() {
    use donghaeng_core::store::referrals::NewReferral;
    use donghaeng_core::sync::validate::{encoded_len, MAX_CHANGE_BYTES};
    let store = w::store();
    w::seed_org(&store);
    w::step(&store, 0, 1, 0).unwrap();
    let h = w::pick(&store, "households", "1", 0).unwrap();
    let worker = w::pick(&store, "workers", "1", 0).unwrap();
    let longest = "🙂".repeat(donghaeng_core::model::validate::NOTE_MAX_CHARS);
    let new = |reason: &str| NewReferral {
        household_id: h,
        case_id: None,
        referred_by: worker,
        target: ReferralTarget::ALL[0],
        agency: "가".repeat(donghaeng_core::model::validate::NAME_MAX_CHARS),
        referred_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        reason: reason.to_owned(),
    };
    let r = store.referrals().create(new(&longest)).unwrap();
    store
        .referrals()
        .record_first_reply(
            r.id,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            Some(&longest),
        )
        .unwrap();
    let widest = all_changes(&store).iter().map(encoded_len).max().unwrap();
    assert!(
        widest > 16_000,
        "the longest text is in the change: {widest}"
    );
    assert!(widest * 2 < MAX_CHANGE_BYTES, "{widest} bytes");

    let before = store.outbox_len().unwrap();
    let longer = format!("{longest}🙂");
    let e = store.referrals().create(new(&longer)).unwrap_err();
    assert_eq!(e.code, "too_long");
    assert_eq!(e.field.as_deref(), Some("referral.reason"));
    assert!(!e.ko.is_empty() && !e.en.is_empty());
    assert_eq!(store.outbox_len().unwrap(), before, "nothing captured");
}
