//! Incident reports in the device store: stored whole, captured once, corrections replace the report
//! they correct in the statistics, and a second replica that receives them by sync counts the same.

use chrono::Duration;
use donghaeng_core::safety::incident::{FollowUp, IncidentSeverity};
use donghaeng_core::safety::{half_year_stats, IncidentReport, IncidentType};
use donghaeng_core::store::Store;

use crate::fixtures::*;

fn report(n: u128, ty: IncidentType) -> IncidentReport {
    IncidentReport {
        id: id(n),
        session_id: Some(id(SESSION)),
        district_id: id(DISTRICT),
        occurred_at: t(10, 0, 0),
        reported_at: t(10, 30, 0),
        reporter_id: id(1),
        affected_workers: vec![id(2), id(1)],
        incident_type: ty,
        severity: IncidentSeverity::Serious,
        injuries: Some("왼손 교상".to_owned()),
        police_called: false,
        ambulance_119_called: true,
        follow_ups: vec![FollowUp::Treatment, FollowUp::Compensation],
        description: "현관에서 개에게 물림".to_owned(),
    }
}

fn incident_changes(store: &Store) -> Vec<donghaeng_core::sync::Change> {
    store
        .outbox(1000)
        .unwrap()
        .into_iter()
        .filter(|c| c.entity == "incidents")
        .collect()
}

#[test]
fn an_incident_is_stored_whole_once_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("d.db")).unwrap();
    let r = report(1, IncidentType::AnimalBite);
    assert!(store.incidents().add(&r, None).unwrap());
    assert!(
        !store.incidents().add(&r, None).unwrap(),
        "idempotent by id"
    );
    assert_eq!(incident_changes(&store).len(), 1);
    let got = store.incidents().get(r.id).unwrap().unwrap();
    let mut expected = r.clone();
    expected.affected_workers.sort();
    expected.follow_ups.sort();
    assert_eq!(got.report, expected);
    let window = (t(0, 0, 0), t(23, 0, 0));
    assert_eq!(
        store
            .incidents()
            .half_year_stats(window.0, window.1)
            .unwrap(),
        half_year_stats(&[r])
    );
}

#[test]
fn a_bad_report_writes_nothing_and_a_correction_replaces_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("d.db")).unwrap();
    let mut bad = report(1, IncidentType::Threat);
    bad.reported_at = bad.occurred_at - Duration::minutes(1);
    let e = store.incidents().add(&bad, None).unwrap_err();
    assert_eq!(e.code, "incident_reported_before_occurred");
    assert!(incident_changes(&store).is_empty());
    let e = store
        .incidents()
        .add(&report(2, IncidentType::Threat), Some(id(99)))
        .unwrap_err();
    assert_eq!(e.code, "record_not_found");

    let first = report(3, IncidentType::Threat);
    store.incidents().add(&first, None).unwrap();
    let mut fixed = report(4, IncidentType::PhysicalAssault);
    fixed.police_called = true;
    store.incidents().add(&fixed, Some(first.id)).unwrap();
    let current = store
        .incidents()
        .current_between(t(0, 0, 0), t(23, 0, 0))
        .unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, fixed.id);
    let stats = store
        .incidents()
        .half_year_stats(t(0, 0, 0), t(23, 0, 0))
        .unwrap();
    let s = stats.values().next().unwrap();
    assert_eq!((s.total, s.police_called), (1, 1));
    // The original stays stored: nothing is lost.
    assert!(store.incidents().get(first.id).unwrap().is_some());
    // A second correction of the same original (made offline on another phone): still one report.
    let also = report(5, IncidentType::Threat);
    store.incidents().add(&also, Some(first.id)).unwrap();
    let current = store
        .incidents()
        .current_between(t(0, 0, 0), t(23, 0, 0))
        .unwrap();
    assert_eq!(current.len(), 1, "{current:?}");
    assert_eq!(current[0].id, also.id, "the greater id of the two tips");
}

#[test]
fn incidents_received_by_sync_give_the_same_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path().join("a.db")).unwrap();
    let b = Store::open(dir.path().join("b.db")).unwrap();
    a.incidents()
        .add(&report(1, IncidentType::AnimalBite), None)
        .unwrap();
    a.incidents()
        .add(&report(2, IncidentType::VerbalAbuse), None)
        .unwrap();
    let changes = incident_changes(&a);
    b.apply_page(&changes, 2).unwrap();
    let again = b.apply_page(&changes, 2).unwrap();
    assert_eq!(again.changed, 0);
    assert!(b.sync_mismatches().unwrap().is_empty());
    let window = (t(0, 0, 0), t(23, 0, 0));
    assert_eq!(
        b.incidents().half_year_stats(window.0, window.1).unwrap(),
        a.incidents().half_year_stats(window.0, window.1).unwrap()
    );
    assert_eq!(
        b.incidents()
            .get(id(1))
            .unwrap()
            .unwrap()
            .report
            .affected_workers,
        vec![id(1), id(2)]
    );
}
