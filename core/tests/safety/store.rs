//! Safety events in the device store: a restart rebuilds the same sessions, each event is captured
//! once in the outbox, and events applied from sync (even twice) are stored once.

use donghaeng_core::safety::{SafetyEvent, SafetyMonitor, ServerView};
use donghaeng_core::store::safety_events::{from_fields, to_fields, ENTITY};
use donghaeng_core::store::Store;
use donghaeng_core::sync::{Change, Op};

use crate::fixtures::*;

/// Every event of every session the monitor holds, in fold order.
fn all_events(m: &SafetyMonitor) -> Vec<SafetyEvent> {
    let mut ids: Vec<_> = m.session_ids().collect();
    ids.sort();
    ids.iter().flat_map(|s| m.events(*s).to_vec()).collect()
}

fn safety_changes(store: &Store) -> Vec<Change> {
    store
        .outbox(10_000)
        .unwrap()
        .into_iter()
        .filter(|c| c.entity == ENTITY)
        .collect()
}

#[test]
fn restart_rebuilds_the_same_sessions_and_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let mut m = started(Some(30 * 60));
    m.check_in(id(SESSION), &nurse_actor(), t(9, 20, 0))
        .unwrap();
    // Overdue at 09:50 (check-in due), prompt issued; then escalation step 1 at 10:00.
    let actions = m.tick(t(10, 0, 0));
    assert_eq!(actions.len(), 2, "prompt and step 1: {actions:?}");
    let before = all_events(&m);
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.safety_events().record_all(&before).unwrap(),
            before.len()
        );
    }
    let store = Store::open(&path).unwrap();
    let rebuilt = store
        .safety_events()
        .rebuild_monitor(DEVICE, t(10, 0, 0))
        .unwrap();
    assert!(rebuilt.refused.is_empty(), "{:?}", rebuilt.refused);
    let mut r = rebuilt.monitor;
    assert_eq!(all_events(&r), before);
    assert_eq!(
        ServerView::of(r.session(id(SESSION)).unwrap(), t(10, 0, 0)),
        ServerView::of(m.session(id(SESSION)).unwrap(), t(10, 0, 0))
    );
    assert_eq!(r.next_deadline(t(10, 0, 0)), m.next_deadline(t(10, 0, 0)));
    // Already-issued alerts are not issued again after the restart; the next step still comes.
    assert!(r.tick(t(10, 0, 0)).is_empty());
    let later_r = r.tick(t(10, 5, 0));
    let later_m = m.tick(t(10, 5, 0));
    assert_eq!(later_r, later_m);
    assert_eq!(later_r.len(), 1);
}

#[test]
fn closed_sessions_leave_the_rebuilt_monitor_after_two_days_but_stay_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("d.db")).unwrap();
    let mut m = started(None);
    m.check_out(id(SESSION), &planner_actor(), None, None, t(10, 30, 0))
        .unwrap();
    store.safety_events().record_all(&all_events(&m)).unwrap();
    let soon = store
        .safety_events()
        .rebuild_monitor(DEVICE, t(12, 0, 0))
        .unwrap();
    assert!(soon.monitor.session(id(SESSION)).is_some());
    let later = t(12, 0, 0) + chrono::Duration::days(3);
    let late = store
        .safety_events()
        .rebuild_monitor(DEVICE, later)
        .unwrap();
    assert!(late.monitor.session(id(SESSION)).is_none());
    assert_eq!(store.safety_events().session(id(SESSION)).unwrap().len(), 2);
}

#[test]
fn an_open_sos_keeps_an_old_session_in_the_rebuilt_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("d.db")).unwrap();
    let mut m = started(None);
    m.sos(id(SESSION), &planner_actor(), t(9, 30, 0)).unwrap();
    m.check_out(id(SESSION), &planner_actor(), None, None, t(10, 30, 0))
        .unwrap();
    store.safety_events().record_all(&all_events(&m)).unwrap();
    let later = t(12, 0, 0) + chrono::Duration::days(10);
    let r = store
        .safety_events()
        .rebuild_monitor(DEVICE, later)
        .unwrap();
    let st = r.monitor.session(id(SESSION)).expect("open SOS keeps it");
    assert_eq!(st.active_alarms().count(), 1);
}

#[test]
fn each_event_is_captured_once_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("d.db")).unwrap();
    let m = started(None);
    let events = all_events(&m);
    assert_eq!(events.len(), 1);
    assert!(store.safety_events().record(&events[0]).unwrap());
    // A retried write (the app crashed before it knew the write committed) adds nothing.
    assert!(!store.safety_events().record(&events[0]).unwrap());
    assert_eq!(store.safety_events().record_all(&events).unwrap(), 0);
    let changes = safety_changes(&store);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].record_id, events[0].id);
    // The change carries the event whole: the server reads back exactly the event.
    let Op::Append { record } = &changes[0].op else {
        panic!("an append, got {:?}", changes[0].op)
    };
    assert_eq!(&from_fields(events[0].id, record).unwrap(), &events[0]);
    assert_eq!(store.safety_events().count().unwrap(), 1);
}

#[test]
fn events_applied_from_sync_twice_are_stored_once_and_not_pushed_back() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path().join("a.db")).unwrap();
    let b = Store::open(dir.path().join("b.db")).unwrap();
    let mut m = started(None);
    m.sos(id(SESSION), &planner_actor(), t(9, 30, 0)).unwrap();
    m.tick(t(9, 30, 0));
    let events = all_events(&m);
    assert_eq!(events.len(), 3, "start, SOS, SOS alert");
    a.safety_events().record_all(&events).unwrap();
    let changes = safety_changes(&a);
    assert_eq!(changes.len(), 3);
    let first = b.apply_page(&changes, 3).unwrap();
    assert_eq!(first.changed, 3);
    let again = b.apply_page(&changes, 3).unwrap();
    assert_eq!((again.changed, again.unchanged), (0, 3));
    assert_eq!(b.safety_events().count().unwrap(), 3);
    assert!(
        safety_changes(&b).is_empty(),
        "pulled events are not pushed back"
    );
    // The phone's own monitor then records what it already heard: no new row, no change.
    assert_eq!(b.safety_events().record_all(&events).unwrap(), 0);
    assert!(safety_changes(&b).is_empty());
    assert!(b.sync_mismatches().unwrap().is_empty());
    let rebuilt = b
        .safety_events()
        .rebuild_monitor("phone-b", t(9, 31, 0))
        .unwrap();
    assert_eq!(all_events(&rebuilt.monitor), events);
}

#[test]
fn malformed_sync_records_are_refused_with_a_typed_error() {
    let m = started(None);
    let e = &m.events(id(SESSION))[0];
    let good = to_fields(e).unwrap();
    let mut wrong_kind = good.clone();
    wrong_kind.insert("kind".into(), "sos".into());
    let err = from_fields(e.id, &wrong_kind).unwrap_err();
    assert_eq!(err.code, "safety_event_invalid");
    assert_eq!(err.field.as_deref(), Some("safety_events.kind"));
    let mut bad_payload = good.clone();
    bad_payload.insert("payload".into(), "{\"type\":\"nope\"}".into());
    assert_eq!(
        from_fields(e.id, &bad_payload)
            .unwrap_err()
            .field
            .as_deref(),
        Some("safety_events.payload")
    );
    let mut no_session = good;
    no_session.remove("session_id");
    assert!(from_fields(e.id, &no_session).is_err());
}
