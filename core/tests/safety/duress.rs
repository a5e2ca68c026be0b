//! Duress PIN: salted argon2id hashes; a duress check-out looks like a normal one on the phone and
//! raises a silent alarm that the server sees.

use crate::fixtures;

use donghaeng_core::safety::{
    ActionKind, AlarmRef, DeviceView, EventKind, PinParams, SafetyMonitor, SafetySessionStatus,
    ServerView, WorkerPins,
};
use fixtures::*;

const SALTS: [[u8; 16]; 2] = [[1; 16], [2; 16]];

fn pins() -> WorkerPins {
    WorkerPins::with_salts(id(1), "2580", Some("1379"), PinParams::for_tests(), SALTS).unwrap()
}

#[test]
fn pins_are_stored_only_as_salted_argon2id_hashes() {
    let p = pins();
    assert!(p.normal_hash.starts_with("$argon2id$"));
    let d = p.duress_hash.clone().unwrap();
    assert!(d.starts_with("$argon2id$"));
    assert!(!p.normal_hash.contains("2580") && !d.contains("1379"));
    let json = serde_json::to_string(&p).unwrap();
    assert!(!json.contains("\"2580\"") && !json.contains("\"1379\""));
    // Same PIN, different salt: different hash.
    let other = WorkerPins::with_salts(
        id(1),
        "2580",
        None,
        PinParams::for_tests(),
        [[3; 16], [4; 16]],
    )
    .unwrap();
    assert_ne!(other.normal_hash, p.normal_hash);
    // Random salts from the OS differ between two settings.
    let r1 = WorkerPins::new(id(1), "2580", None, PinParams::for_tests()).unwrap();
    let r2 = WorkerPins::new(id(1), "2580", None, PinParams::for_tests()).unwrap();
    assert_ne!(r1.normal_hash, r2.normal_hash);
}

#[test]
fn the_default_cost_is_owasp_minimum_and_verifies() {
    let p =
        WorkerPins::with_salts(id(1), "2580", Some("1379"), PinParams::default(), SALTS).unwrap();
    assert!(
        p.normal_hash.contains("m=19456,t=2,p=1"),
        "{}",
        p.normal_hash
    );
    assert_eq!(
        p.verify("1379").unwrap(),
        donghaeng_core::safety::pin::PinMatch::Duress
    );
}

#[test]
fn verify_tells_normal_duress_and_wrong() {
    use donghaeng_core::safety::pin::PinMatch;
    let p = pins();
    assert_eq!(p.verify("2580").unwrap(), PinMatch::Normal);
    assert_eq!(p.verify("1379").unwrap(), PinMatch::Duress);
    assert_eq!(p.verify("0000").unwrap_err().code, "pin_incorrect");
}

#[test]
fn duress_pin_equal_to_normal_pin_is_refused() {
    let err = WorkerPins::with_salts(id(1), "2580", Some("2580"), PinParams::for_tests(), SALTS)
        .unwrap_err();
    assert_eq!(err.code, "duress_pin_equals_pin");
    assert_eq!(err.field.as_deref(), Some("pin.duress"));
    let err =
        WorkerPins::with_salts(id(1), "12a4", None, PinParams::for_tests(), SALTS).unwrap_err();
    assert_eq!(err.code, "pin_format_invalid");
}

#[test]
fn duress_check_out_looks_normal_on_the_phone_and_is_loud_on_the_server() {
    let p = pins();
    let mut normal = started(None);
    let mut duress = started(None);
    let now = t(10, 30, 0);
    let (r_normal, _) = normal
        .check_out(id(SESSION), &planner_actor(), Some("2580"), Some(&p), now)
        .unwrap();
    let (r_duress, rec) = duress
        .check_out(id(SESSION), &planner_actor(), Some("1379"), Some(&p), now)
        .unwrap();
    // Same type, same values.
    assert_eq!(r_normal, r_duress);
    assert_eq!(
        DeviceView::of(normal.session(id(SESSION)).unwrap(), now),
        DeviceView::of(duress.session(id(SESSION)).unwrap(), now)
    );
    assert_eq!(
        DeviceView::of(duress.session(id(SESSION)).unwrap(), now).status,
        SafetySessionStatus::Closed
    );
    assert!(rec.event.kind == EventKind::DuressCheckedOut);

    // The phone issues a silent alarm to the team lead only (never the partner standing next to them).
    let acts = duress.tick(now);
    assert_eq!(acts.len(), 1);
    assert!(acts[0].kind.is_silent());
    match &acts[0].kind {
        ActionKind::SilentAlarm {
            recipients,
            sms_text,
        } => {
            let phones: Vec<&str> = recipients.iter().map(|c| c.phone.as_str()).collect();
            assert_eq!(phones, vec![TEAM_LEAD_PHONE]);
            assert!(sms_text.contains("무음 경보"));
        }
        other => panic!("{other:?}"),
    }
    assert!(normal.tick(now).is_empty());

    // The server, fed the same events, sees the duress alarm.
    let mut server = SafetyMonitor::new(SERVER);
    for e in duress.events(id(SESSION)) {
        server.ingest(e.clone()).unwrap();
    }
    let view = ServerView::of(server.session(id(SESSION)).unwrap(), now);
    assert!(view.duress);
    assert_eq!(view.alarms.len(), 1);
    assert_eq!(view.alarms[0].kind, "duress");
    let server_acts = server.tick(now);
    assert!(matches!(
        server_acts[0].kind,
        ActionKind::SilentAlarm { .. }
    ));
    // Repeats (silently) until a supervisor acknowledges.
    let rep = duress.tick(t(10, 35, 0));
    assert_eq!(rep.len(), 1);
    assert!(rep[0].kind.is_silent());
    let lead = donghaeng_core::safety::Actor::new(id(77), "phone-lead");
    let ev = rec.event.id;
    server
        .resolve(
            id(SESSION),
            &lead,
            AlarmRef::Duress { event_id: ev },
            "경찰 동행 확인, 안전",
            t(10, 50, 0),
        )
        .unwrap();
    assert!(server.tick(t(11, 30, 0)).is_empty());
}

#[test]
fn wrong_pin_leaves_the_session_open() {
    let p = pins();
    let mut m = started(None);
    let err = m
        .check_out(
            id(SESSION),
            &planner_actor(),
            Some("9999"),
            Some(&p),
            t(10, 0, 0),
        )
        .unwrap_err();
    assert_eq!(err.code, "pin_incorrect");
    let err = m
        .check_out(id(SESSION), &planner_actor(), None, Some(&p), t(10, 0, 0))
        .unwrap_err();
    assert_eq!(err.code, "pin_required");
    assert!(!m.session(id(SESSION)).unwrap().is_closed());
    assert_eq!(m.events(id(SESSION)).len(), 1);
}
