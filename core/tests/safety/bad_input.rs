//! Bad input: clear typed errors naming the field, never a panic, and no safety event dropped because
//! another input was bad.

use crate::fixtures;

use donghaeng_core::safety::{Actor, EventKind, SafetyEvent, SafetyMonitor};
use fixtures::*;

#[test]
fn check_out_with_no_open_session() {
    let mut m = SafetyMonitor::new(DEVICE);
    let err = m
        .check_out(id(4242), &planner_actor(), None, None, t(10, 0, 0))
        .unwrap_err();
    assert_eq!(err.code, "no_open_session");
    let mut m = started(None);
    m.check_out(id(SESSION), &planner_actor(), None, None, t(10, 0, 0))
        .unwrap();
    let err = m
        .check_out(id(SESSION), &nurse_actor(), None, None, t(10, 1, 0))
        .unwrap_err();
    assert_eq!(err.code, "no_open_session");
    assert_eq!(m.events(id(SESSION)).len(), 2);
}

#[test]
fn expected_return_in_the_past_or_beyond_12_hours() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    for (ret, code) in [
        (t(8, 59, 0), "expected_return_in_past"),
        (t(9, 0, 0), "expected_return_in_past"),
        (t(21, 0, 1), "expected_return_too_far"),
    ] {
        let req = request(&hh, &workers, &cfg, ret);
        let err = SafetyMonitor::new(DEVICE)
            .start(&req, &planner_actor(), t(9, 0, 0))
            .unwrap_err();
        assert_eq!(err.code, code);
        assert_eq!(err.field.as_deref(), Some("session.expected_return"));
    }
    // Exactly 12 h is allowed.
    let req = request(&hh, &workers, &cfg, t(21, 0, 0));
    SafetyMonitor::new(DEVICE)
        .start(&req, &planner_actor(), t(9, 0, 0))
        .unwrap();
    let mut m = started(None);
    let err = m
        .extend_return(id(SESSION), &planner_actor(), t(10, 0, 0), t(10, 30, 0))
        .unwrap_err();
    assert_eq!(err.code, "expected_return_in_past");
}

#[test]
fn check_in_interval_bounds() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    for iv in [0, 299, 12 * 3600 + 1, -5] {
        let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
        req.checkin_interval_secs = Some(iv);
        let err = SafetyMonitor::new(DEVICE)
            .start(&req, &planner_actor(), t(9, 0, 0))
            .unwrap_err();
        assert_eq!(err.code, "checkin_interval_out_of_range");
    }
}

#[test]
fn a_check_in_from_a_worker_not_in_the_session_is_refused_and_others_still_count() {
    let mut m = started(None);
    let stranger = Actor::new(id(99), "phone-x");
    let err = m.check_in(id(SESSION), &stranger, t(9, 30, 0)).unwrap_err();
    assert_eq!(err.code, "worker_not_in_session");
    assert_eq!(err.field.as_deref(), Some("worker_id"));
    m.check_in(id(SESSION), &nurse_actor(), t(9, 31, 0))
        .unwrap();
    assert_eq!(m.session(id(SESSION)).unwrap().last_life, Some(t(9, 31, 0)));
}

#[test]
fn an_invalid_location_never_drops_an_sos() {
    let mut m = started(None);
    let rec = m
        .sos(
            id(SESSION),
            &planner_actor().at(f64::NAN, 500.0),
            t(10, 0, 0),
        )
        .unwrap();
    assert_eq!(rec.event.location, None);
    assert_eq!(rec.warnings.len(), 1);
    assert_eq!(rec.warnings[0].code, "latitude_out_of_range");
    assert_eq!(m.tick(t(10, 0, 0)).len(), 1, "the SOS alarm still goes out");
}

#[test]
fn a_malformed_event_in_a_batch_does_not_drop_the_others() {
    let device = started(None);
    let start = device.events(id(SESSION))[0].clone();
    let bad = SafetyEvent {
        id: id(5000),
        session_id: id(SESSION),
        at: t(9, 10, 0),
        worker_id: Some(id(1)),
        device_id: "  ".to_owned(),
        location: None,
        kind: EventKind::CheckedIn,
    };
    let sos = SafetyEvent {
        id: id(5001),
        session_id: id(SESSION),
        at: t(9, 20, 0),
        worker_id: Some(id(2)),
        device_id: "phone-nurse".to_owned(),
        location: None,
        kind: EventKind::Sos,
    };
    let mut server = SafetyMonitor::new(SERVER);
    let results = server.ingest_all(vec![sos.clone(), bad, start.clone(), sos]);
    assert!(results[0].as_ref().unwrap());
    assert_eq!(results[1].as_ref().unwrap_err().code, "device_id_required");
    assert!(results[2].as_ref().unwrap());
    assert!(!results[3].as_ref().unwrap(), "duplicate by id stored once");
    assert_eq!(server.events(id(SESSION)).len(), 2);
    assert_eq!(server.tick(t(9, 20, 0)).len(), 1);
}

#[test]
fn bad_team_configuration_is_refused_naming_the_field() {
    let mut cfg = config();
    cfg.ladder[1].delay_secs = 0;
    let err = cfg.validate().unwrap_err();
    assert_eq!(err.code, "ladder_delay_out_of_range");
    assert_eq!(
        err.field.as_deref(),
        Some("safety_config.ladder[1].delay_secs")
    );
    let mut cfg = config();
    cfg.ladder[2].contacts[0].phone = "call me".to_owned();
    assert_eq!(cfg.validate().unwrap_err().code, "contact_phone_invalid");
    let mut cfg = config();
    cfg.ladder.clear();
    assert_eq!(cfg.validate().unwrap_err().code, "ladder_empty");
    let mut cfg = config();
    cfg.grace_secs = -1;
    assert_eq!(cfg.validate().unwrap_err().code, "grace_out_of_range");
}

#[test]
fn acknowledging_or_resolving_an_unknown_alarm() {
    use donghaeng_core::safety::AlarmRef;
    let mut m = started(None);
    let lead = Actor::new(id(77), "phone-lead");
    let err = m
        .acknowledge(
            id(SESSION),
            &lead,
            AlarmRef::Sos { event_id: id(1) },
            None,
            t(10, 0, 0),
        )
        .unwrap_err();
    assert_eq!(err.code, "alarm_not_found");
    // An overdue episode that has not happened yet cannot be acknowledged.
    let err = m
        .acknowledge(
            id(SESSION),
            &lead,
            AlarmRef::Overdue { due: t(11, 0, 0) },
            None,
            t(10, 0, 0),
        )
        .unwrap_err();
    assert_eq!(err.code, "alarm_not_found");
    let err = m
        .resolve(
            id(SESSION),
            &lead,
            AlarmRef::Overdue { due: t(11, 0, 0) },
            "x",
            t(12, 0, 0),
        )
        .unwrap_err();
    assert_eq!(err.code, "alarm_not_resolvable");
}

#[test]
fn unknown_codes_in_synced_json_are_errors_not_panics() {
    let json = r#"{"id":"00000000-0000-0000-0000-000000000001","session_id":"00000000-0000-0000-0000-000000000002","at":"2026-11-23T10:00:00Z","worker_id":null,"device_id":"d","location":null,"kind":{"type":"teleported"}}"#;
    assert!(serde_json::from_str::<SafetyEvent>(json).is_err());
}

#[test]
fn absurd_synced_times_are_refused_or_saturate_never_panic() {
    use chrono::{DateTime, Utc};
    let device = started(None);
    let mut start = device.events(id(SESSION))[0].clone();
    if let EventKind::Started(plan) = &mut start.kind {
        plan.expected_return = DateTime::<Utc>::MAX_UTC;
    }
    let mut server = SafetyMonitor::new(SERVER);
    assert_eq!(
        server.ingest(start.clone()).unwrap_err().code,
        "expected_return_out_of_range"
    );
    if let EventKind::Started(plan) = &mut start.kind {
        plan.expected_return = t(11, 0, 0);
        plan.checkin_interval_secs = Some(i64::MAX);
    }
    assert_eq!(
        server.ingest(start).unwrap_err().code,
        "checkin_interval_out_of_range"
    );
    // Events at the edges of time, and ticks there, do not panic.
    let mut m = started(None);
    for (n, at) in [
        (1u128, DateTime::<Utc>::MAX_UTC),
        (2, DateTime::<Utc>::MIN_UTC),
    ] {
        let sos = SafetyEvent {
            id: id(7000 + n),
            session_id: id(SESSION),
            at,
            worker_id: Some(id(1)),
            device_id: DEVICE.to_owned(),
            location: None,
            kind: EventKind::Sos,
        };
        m.ingest(sos).unwrap();
    }
    let acts = m.tick(DateTime::<Utc>::MAX_UTC);
    assert!(!acts.is_empty());
    assert!(m.tick(DateTime::<Utc>::MAX_UTC).is_empty());
    let _ = m.next_deadline(DateTime::<Utc>::MAX_UTC);
}
