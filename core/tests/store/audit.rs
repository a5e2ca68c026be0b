//! The audit trail on the phone: a household's detail shown is recorded once, with its sync change,
//! holding ids and codes only.

use donghaeng_core::store::audit::{AuditAction, ENTITY};

use crate::common::fixture;

#[test]
fn a_household_viewed_is_recorded_with_its_sync_change_and_no_personal_data() {
    let f = fixture();
    let h = f.household("김영수", "서울 성북구 정릉로 10", 2);
    let before = f.store.outbox_len().unwrap();
    let entry = f.store.audit().household_viewed(f.nurse.id, h.id).unwrap();
    assert_eq!(entry.action, AuditAction::Viewed);
    assert_eq!(entry.actor_id, Some(f.nurse.id));
    assert_eq!(entry.household_id, Some(h.id));
    assert_eq!(entry.device_id, f.store.device_id().unwrap().to_string());

    let held = f.store.audit().for_household(h.id).unwrap();
    assert_eq!(held, vec![entry.clone()]);
    // One change in the outbox, an append of this entry, carrying no name or address.
    assert_eq!(f.store.outbox_len().unwrap(), before + 1);
    let outbox = f.store.outbox(10_000).unwrap();
    let change = outbox.iter().find(|c| c.entity == ENTITY).unwrap();
    assert_eq!(change.record_id, entry.id);
    let wire = serde_json::to_string(change).unwrap();
    assert!(
        !wire.contains("김영수") && !wire.contains("정릉로"),
        "{wire}"
    );
    assert!(wire.contains("\"viewed\""), "{wire}");
}

#[test]
fn bad_audit_entries_are_refused_and_leave_nothing() {
    let f = fixture();
    let before = f.store.outbox_len().unwrap();
    let e = f
        .store
        .audit()
        .record(
            None,
            AuditAction::Exported,
            Some("no_such_table"),
            None,
            None,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code, "audit_entity_unknown");
    let long = "x".repeat(201);
    let e = f
        .store
        .audit()
        .record(None, AuditAction::Refused, None, None, None, Some(&long))
        .unwrap_err();
    assert_eq!(e.code, "audit_detail_too_long");
    assert!(!e.ko.is_empty() && !e.en.is_empty());
    assert_eq!(f.store.outbox_len().unwrap(), before);
    assert!(AuditAction::parse("deleted").is_err());
    for a in AuditAction::ALL {
        assert_eq!(AuditAction::parse(a.code()).unwrap(), *a);
    }
}
