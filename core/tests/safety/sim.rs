//! Simulation tests with an injected clock: a whole visit day in microseconds.

use crate::fixtures;

use chrono::Duration;
use donghaeng_core::safety::{
    ActionKey, ActionKind, AlarmRef, DeviceView, EventKind, LadderTarget, SafetyAction,
    SafetyMonitor, SafetySessionStatus, ServerView,
};
use fixtures::*;

fn session() -> donghaeng_core::model::Id {
    id(SESSION)
}

/// Ticks every second from `from` to `to` inclusive, collecting actions.
fn run(
    m: &mut SafetyMonitor,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Vec<SafetyAction> {
    let mut out = Vec::new();
    let mut now = from;
    while now <= to {
        out.extend(m.tick(now));
        now += Duration::seconds(1);
    }
    out
}

fn phones(kind: &ActionKind) -> Vec<String> {
    let r = match kind {
        ActionKind::EscalationStep { recipients, .. }
        | ActionKind::SosAlarm { recipients, .. }
        | ActionKind::SilentAlarm { recipients, .. }
        | ActionKind::RepeatAlert { recipients, .. }
        | ActionKind::AllClear { recipients, .. } => recipients.clone(),
        ActionKind::PromptWorker { .. } => vec![],
    };
    let mut p: Vec<String> = r.into_iter().map(|c| c.phone).collect();
    p.sort();
    p
}

#[test]
fn on_time_check_out_raises_nothing() {
    let mut m = started(None);
    assert_eq!(m.next_deadline(t(9, 0, 0)), Some(t(11, 0, 0)));
    assert!(run(&mut m, t(9, 0, 0), t(10, 54, 59)).is_empty());
    m.check_out(session(), &planner_actor(), None, None, t(10, 55, 0))
        .unwrap();
    assert_eq!(m.next_deadline(t(10, 55, 0)), None);
    assert!(run(&mut m, t(10, 55, 0), t(13, 0, 0)).is_empty());
    let st = m.session(session()).unwrap();
    assert_eq!(st.status_at(t(13, 0, 0)), SafetySessionStatus::Closed);
}

#[test]
fn overdue_prompt_exactly_at_the_deadline_and_not_a_second_before() {
    let mut m = started(None);
    assert!(m.tick(t(10, 59, 59)).is_empty());
    assert_eq!(
        m.session(session()).unwrap().status_at(t(10, 59, 59)),
        SafetySessionStatus::Open
    );
    let acts = m.tick(t(11, 0, 0));
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].key, ActionKey::Prompt { due: t(11, 0, 0) });
    match &acts[0].kind {
        ActionKind::PromptWorker {
            worker_ids,
            message_ko,
            ..
        } => {
            assert_eq!(worker_ids, &vec![id(1), id(2)]);
            assert!(message_ko.contains("안전하신가요"));
        }
        other => panic!("expected a prompt, got {other:?}"),
    }
    // The OS alarm may fire twice: the second tick at the same instant yields nothing.
    assert!(m.tick(t(11, 0, 0)).is_empty());
    assert_eq!(
        m.session(session()).unwrap().status_at(t(11, 0, 0)),
        SafetySessionStatus::CheckInDue
    );
    // The prompt is in the log.
    assert!(m.events(session()).iter().any(|e| matches!(
        e.kind,
        EventKind::AlertIssued {
            key: ActionKey::Prompt { .. }
        }
    )));
}

#[test]
fn grace_then_every_escalation_step_in_order_at_the_exact_times() {
    let mut m = started(None);
    let due = t(11, 0, 0);
    let acts = run(&mut m, t(10, 0, 0), t(11, 40, 0));
    let timeline: Vec<(chrono::DateTime<chrono::Utc>, ActionKey)> =
        acts.iter().map(|a| (a.record.at, a.key)).collect();
    let overdue = AlarmRef::Overdue { due };
    assert_eq!(
        timeline,
        vec![
            (t(11, 0, 0), ActionKey::Prompt { due }),
            (t(11, 10, 0), ActionKey::Escalation { due, step: 1 }),
            (t(11, 15, 0), ActionKey::Escalation { due, step: 2 }),
            (t(11, 20, 0), ActionKey::Escalation { due, step: 3 }),
            (t(11, 25, 0), ActionKey::Escalation { due, step: 4 }),
            (
                t(11, 30, 0),
                ActionKey::Repeat {
                    alarm: overdue,
                    n: 1
                }
            ),
            (
                t(11, 35, 0),
                ActionKey::Repeat {
                    alarm: overdue,
                    n: 2
                }
            ),
            (
                t(11, 40, 0),
                ActionKey::Repeat {
                    alarm: overdue,
                    n: 3
                }
            ),
        ]
    );
    let targets: Vec<LadderTarget> = acts
        .iter()
        .filter_map(|a| match &a.kind {
            ActionKind::EscalationStep { target, .. } => Some(*target),
            _ => None,
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            LadderTarget::Partner,
            LadderTarget::TeamLead,
            LadderTarget::DongHead,
            LadderTarget::Emergency
        ]
    );
    assert_eq!(phones(&acts[1].kind), vec![PLANNER_PHONE, NURSE_PHONE]);
    assert_eq!(phones(&acts[2].kind), vec![TEAM_LEAD_PHONE]);
    assert_eq!(phones(&acts[3].kind), vec![DONG_HEAD_PHONE]);
    assert_eq!(
        phones(&acts[4].kind),
        vec![TEAM_LEAD_PHONE, DONG_HEAD_PHONE]
    );
    match &acts[4].kind {
        ActionKind::EscalationStep {
            emergency_numbers,
            sms_text,
            ..
        } => {
            assert_eq!(emergency_numbers, &vec!["112".to_owned(), "119".to_owned()]);
            assert!(sms_text.contains("112"));
        }
        other => panic!("{other:?}"),
    }
    match &acts[5].kind {
        ActionKind::RepeatAlert {
            sms_text, silent, ..
        } => {
            assert!(!silent);
            assert!(
                sms_text.starts_with("[재알림 1 / repeat 1] [동행 안전]"),
                "{sms_text}"
            );
            assert!(sms_text.contains("4단계"));
        }
        other => panic!("{other:?}"),
    }
    // The SMS says who, where, since when (20:00 KST = 11:00 UTC), and masks the household's name.
    match &acts[2].kind {
        ActionKind::EscalationStep { sms_text, .. } => {
            assert!(sms_text.contains("김민지"), "{sms_text}");
            assert!(sms_text.contains("이수정"));
            assert!(sms_text.contains("서울 성북구 정릉로 10, 101호"));
            assert!(sms_text.contains("11-23 20:00"));
            assert!(sms_text.contains("최○○"));
            assert!(!sms_text.contains("최영호"));
            assert!(sms_text.contains("Workers:"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_late_tick_issues_every_missed_step_in_order_and_only_the_latest_repeat() {
    let mut m = started(None);
    let acts = m.tick(t(11, 47, 0));
    let due = t(11, 0, 0);
    let keys: Vec<ActionKey> = acts.iter().map(|a| a.key).collect();
    assert_eq!(
        keys,
        vec![
            ActionKey::Prompt { due },
            ActionKey::Escalation { due, step: 1 },
            ActionKey::Escalation { due, step: 2 },
            ActionKey::Escalation { due, step: 3 },
            ActionKey::Escalation { due, step: 4 },
            ActionKey::Repeat {
                alarm: AlarmRef::Overdue { due },
                n: 4
            },
        ]
    );
    assert_eq!(m.next_deadline(t(11, 47, 0)), Some(t(11, 50, 0)));
}

#[test]
fn acknowledgement_stops_the_ladder() {
    let mut m = started(None);
    let due = t(11, 0, 0);
    let before = run(&mut m, t(11, 0, 0), t(11, 12, 0));
    assert_eq!(before.len(), 2, "prompt and step 1");
    let lead = donghaeng_core::safety::Actor::new(id(77), "phone-lead");
    m.acknowledge(
        session(),
        &lead,
        AlarmRef::Overdue { due },
        Some("통화 연결 중"),
        t(11, 12, 30),
    )
    .unwrap();
    assert_eq!(
        m.session(session()).unwrap().status_at(t(11, 13, 0)),
        SafetySessionStatus::Acknowledged
    );
    assert_eq!(m.next_deadline(t(11, 13, 0)), None);
    assert!(run(&mut m, t(11, 12, 30), t(13, 0, 0)).is_empty());
}

#[test]
fn answering_the_prompt_stops_escalation_and_rechecks_later() {
    let mut m = started(None);
    assert_eq!(m.tick(t(11, 0, 0)).len(), 1);
    m.check_in(session(), &nurse_actor(), t(11, 5, 0)).unwrap();
    // No escalation at 11:10; next ask at 11:05 + 15 min (overdue re-check).
    assert!(run(&mut m, t(11, 5, 0), t(11, 19, 59)).is_empty());
    let acts = m.tick(t(11, 20, 0));
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].key, ActionKey::Prompt { due: t(11, 20, 0) });
    // No answer this time: step 1 at 11:30 says both the missed return and the missed re-check.
    let acts = run(&mut m, t(11, 20, 1), t(11, 30, 0));
    assert_eq!(acts.len(), 1);
    match &acts[0].kind {
        ActionKind::EscalationStep {
            step: 1, sms_text, ..
        } => {
            assert!(
                sms_text.contains("복귀 예정 11-23 20:00 경과, 11-23 20:20 이후 응답 없음"),
                "{sms_text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn periodic_check_ins_move_the_deadline() {
    let mut m = started(Some(30 * 60));
    assert_eq!(m.next_deadline(t(9, 0, 0)), Some(t(9, 30, 0)));
    m.check_in(session(), &planner_actor(), t(9, 20, 0))
        .unwrap();
    assert_eq!(m.next_deadline(t(9, 20, 0)), Some(t(9, 50, 0)));
    assert!(m.tick(t(9, 49, 59)).is_empty());
    let acts = m.tick(t(9, 50, 0));
    match &acts[0].kind {
        ActionKind::PromptWorker { message_ko, .. } => assert!(message_ko.contains("정기 안부")),
        other => panic!("{other:?}"),
    }
    // No answer: step 1 at 10:00 (grace 10 min).
    let acts = run(&mut m, t(9, 50, 1), t(10, 0, 0));
    assert_eq!(acts.len(), 1);
    assert_eq!(
        acts[0].key,
        ActionKey::Escalation {
            due: t(9, 50, 0),
            step: 1
        }
    );
}

#[test]
fn extending_the_return_moves_the_deadline() {
    let mut m = started(None);
    m.extend_return(session(), &planner_actor(), t(12, 0, 0), t(10, 50, 0))
        .unwrap();
    assert!(run(&mut m, t(10, 50, 0), t(11, 59, 59)).is_empty());
    assert_eq!(m.tick(t(12, 0, 0)).len(), 1);
}

#[test]
fn late_check_out_resolves_the_alarm_sends_all_clear_and_keeps_history() {
    let mut m = started(None);
    let due = t(11, 0, 0);
    let acts = run(&mut m, t(11, 0, 0), t(11, 16, 0));
    assert_eq!(acts.len(), 3, "prompt, steps 1 and 2");
    m.check_out(session(), &planner_actor(), None, None, t(11, 17, 0))
        .unwrap();
    let acts = m.tick(t(11, 17, 30));
    assert_eq!(acts.len(), 1);
    assert_eq!(
        acts[0].key,
        ActionKey::AllClear {
            alarm: AlarmRef::Overdue { due }
        }
    );
    assert_eq!(
        phones(&acts[0].kind),
        vec![PLANNER_PHONE, NURSE_PHONE, TEAM_LEAD_PHONE]
    );
    assert_eq!(acts[0].due_at, t(11, 17, 0));
    assert!(run(&mut m, t(11, 17, 30), t(13, 0, 0)).is_empty());
    let kinds: Vec<&str> = m.events(session()).iter().map(|e| e.kind.code()).collect();
    assert_eq!(
        kinds,
        vec![
            "started",
            "alert_issued",
            "alert_issued",
            "alert_issued",
            "checked_out",
            "alert_issued"
        ]
    );
    let view = ServerView::of(m.session(session()).unwrap(), t(11, 30, 0));
    assert_eq!(view.status, SafetySessionStatus::Closed);
    assert_eq!(view.alarms.len(), 1);
    assert_eq!(view.alarms[0].kind, "overdue");
    assert_eq!(view.alarms[0].ended_at, Some(t(11, 17, 0)));
}

#[test]
fn sos_alarms_partner_and_team_lead_at_once_and_repeats_until_acknowledged() {
    let mut m = started(None);
    let sos = m
        .sos(session(), &nurse_actor().at(37.6, 127.01), t(10, 0, 0))
        .unwrap();
    assert_eq!(m.next_deadline(t(10, 0, 0)), Some(t(10, 0, 0)));
    let acts = m.tick(t(10, 0, 0));
    assert_eq!(acts.len(), 1);
    let ev = sos.event.id;
    assert_eq!(acts[0].key, ActionKey::Sos { event_id: ev });
    // The raiser is not texted; the partner and the team lead are.
    assert_eq!(phones(&acts[0].kind), vec![PLANNER_PHONE, TEAM_LEAD_PHONE]);
    match &acts[0].kind {
        ActionKind::SosAlarm { sms_text, .. } => {
            assert!(sms_text.contains("SOS"));
            assert!(sms_text.contains("이수정"));
            assert!(sms_text.contains("37.60000, 127.01000"));
        }
        other => panic!("{other:?}"),
    }
    let rep = run(&mut m, t(10, 0, 1), t(10, 5, 0));
    assert_eq!(rep.len(), 1);
    assert_eq!(
        rep[0].key,
        ActionKey::Repeat {
            alarm: AlarmRef::Sos { event_id: ev },
            n: 1
        }
    );
    let lead = donghaeng_core::safety::Actor::new(id(77), "phone-lead");
    m.acknowledge(
        session(),
        &lead,
        AlarmRef::Sos { event_id: ev },
        None,
        t(10, 6, 0),
    )
    .unwrap();
    assert!(run(&mut m, t(10, 6, 0), t(10, 30, 0)).is_empty());
}

#[test]
fn sos_cannot_be_silenced_from_its_device_without_a_reason() {
    let mut m = started(None);
    let ev = m
        .sos(session(), &planner_actor(), t(10, 0, 0))
        .unwrap()
        .event
        .id;
    m.tick(t(10, 0, 0));
    let err = m
        .cancel_sos(session(), &planner_actor(), ev, Some("  "), t(10, 1, 0))
        .unwrap_err();
    assert_eq!(err.code, "sos_cancel_reason_required");
    assert_eq!(err.field.as_deref(), Some("reason"));
    // Still active: it repeats.
    assert_eq!(m.tick(t(10, 5, 0)).len(), 1);
    m.cancel_sos(
        session(),
        &planner_actor(),
        ev,
        Some("잘못 누름"),
        t(10, 6, 0),
    )
    .unwrap();
    let acts = m.tick(t(10, 6, 0));
    assert_eq!(acts.len(), 1);
    match &acts[0].kind {
        ActionKind::AllClear { sms_text, .. } => assert!(sms_text.contains("잘못 누름")),
        other => panic!("{other:?}"),
    }
    assert!(run(&mut m, t(10, 6, 0), t(10, 30, 0)).is_empty());
}

#[test]
fn an_sos_event_without_reason_from_sync_is_kept_but_does_not_silence() {
    // A cancel without reason from the raising device, arriving by sync, is logged and ignored.
    let mut m = started(None);
    let ev = m
        .sos(session(), &planner_actor(), t(10, 0, 0))
        .unwrap()
        .event
        .id;
    let cancel = donghaeng_core::safety::SafetyEvent {
        id: id(3000),
        session_id: session(),
        at: t(10, 1, 0),
        worker_id: Some(id(1)),
        device_id: DEVICE.to_owned(),
        location: None,
        kind: EventKind::SosCancelled {
            sos_event_id: ev,
            reason: None,
        },
    };
    assert!(m.ingest(cancel).unwrap());
    let st = m.session(session()).unwrap();
    assert_eq!(st.active_alarms().count(), 1);
    assert!(st
        .ignored
        .contains(&(id(3000), "sos_cancel_reason_required")));
}

#[test]
fn dead_device_is_detected_by_the_server_from_the_start_event_alone() {
    let device = started(None);
    let start = device.events(session())[0].clone();
    let mut server = SafetyMonitor::new(SERVER);
    server.ingest(start).unwrap();
    assert_eq!(server.next_deadline(t(9, 0, 30)), Some(t(11, 0, 0)));
    // The server ticks every 30 s; the phone is silent.
    let mut acts = Vec::new();
    let mut now = t(9, 0, 0);
    while now <= t(11, 10, 0) {
        let got = server.tick(now);
        if now < t(11, 10, 0) {
            assert!(got
                .iter()
                .all(|a| !matches!(a.kind, ActionKind::EscalationStep { .. })));
        }
        acts.extend(got);
        now += Duration::seconds(30);
    }
    let step1 = acts
        .iter()
        .find(|a| matches!(a.kind, ActionKind::EscalationStep { step: 1, .. }))
        .expect("overdue raised by the server");
    assert_eq!(step1.record.at, t(11, 10, 0), "expected return + grace");
    assert_eq!(step1.record.device_id, SERVER);
}

#[test]
fn a_check_out_reaching_the_server_late_resolves_the_server_alarm() {
    let mut device = started(None);
    let mut server = SafetyMonitor::new(SERVER);
    server.ingest(device.events(session())[0].clone()).unwrap();
    let escalated = server.tick(t(11, 16, 0));
    assert_eq!(escalated.len(), 3);
    // The phone checked out at 11:12 while offline; the event reaches the server at 11:40.
    let out = device
        .check_out(session(), &planner_actor(), None, None, t(11, 12, 0))
        .unwrap()
        .1
        .event;
    server.ingest(out).unwrap();
    let acts = server.tick(t(11, 40, 0));
    assert_eq!(acts.len(), 1);
    assert!(matches!(acts[0].kind, ActionKind::AllClear { .. }));
    assert!(server.tick(t(12, 0, 0)).is_empty());
    let st = server.session(session()).unwrap();
    assert_eq!(st.status_at(t(11, 40, 0)), SafetySessionStatus::Closed);
    // Everything kept: start, prompt, steps 1–2, the late check-out, the all-clear.
    assert_eq!(server.events(session()).len(), 6);
    let view = ServerView::of(st, t(11, 40, 0));
    assert_eq!(view.alarms[0].ended_at, Some(t(11, 12, 0)));
}

#[test]
fn device_view_of_an_open_session() {
    let m = started(Some(3600));
    let v = DeviceView::of(m.session(session()).unwrap(), t(9, 30, 0));
    assert_eq!(v.status, SafetySessionStatus::Open);
    assert_eq!(v.next_due, Some(t(10, 0, 0)));
    assert_eq!(v.expected_return, Some(t(11, 0, 0)));
}

#[test]
fn the_log_survives_a_json_round_trip_and_refolds_to_the_same_state() {
    let mut m = started(Some(1800));
    m.check_in(session(), &nurse_actor().at(37.5, 127.0), t(9, 20, 0))
        .unwrap();
    m.sos(session(), &planner_actor(), t(9, 40, 0)).unwrap();
    m.tick(t(10, 0, 0));
    let json = serde_json::to_string(m.events(session())).unwrap();
    let back: Vec<donghaeng_core::safety::SafetyEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m.events(session()));
    assert_eq!(
        &donghaeng_core::safety::SessionState::fold(session(), &back),
        m.session(session()).unwrap()
    );
    assert!(json.contains("\"type\":\"started\""));
}

#[test]
fn settled_sessions_can_be_dropped_but_not_those_with_alarms() {
    let mut m = started(None);
    m.check_out(session(), &planner_actor(), None, None, t(10, 0, 0))
        .unwrap();
    assert_eq!(m.remove_settled(), vec![session()]);
    assert!(m.session(session()).is_none());
    let mut m = started(None);
    m.sos(session(), &planner_actor(), t(9, 30, 0)).unwrap();
    m.check_out(session(), &planner_actor(), None, None, t(10, 0, 0))
        .unwrap();
    assert!(m.remove_settled().is_empty(), "the SOS is still open");
}

#[test]
fn the_same_alert_from_the_same_origin_has_the_same_id_so_sync_stores_it_once() {
    let mut a = started(None);
    let mut b = started(None);
    let x = a.tick(t(11, 0, 0));
    let y = b.tick(t(11, 0, 30));
    assert_eq!(x[0].record.id, y[0].record.id);
    let mut server = SafetyMonitor::new(SERVER);
    server.ingest(a.events(session())[0].clone()).unwrap();
    let z = server.tick(t(11, 0, 0));
    assert_ne!(
        z[0].record.id, x[0].record.id,
        "another origin is another record"
    );
    // Feeding b's log into a adds nothing: the alert is already there.
    for e in b.events(session()) {
        a.ingest(e.clone()).unwrap();
    }
    assert_eq!(a.events(session()).len(), 2);
}
