//! Properties: the state is a pure fold (any order of the same events gives the same state), and a
//! monitor never issues the same alert twice, however its ticks fall.

use crate::fixtures;

use std::collections::HashSet;

use chrono::Duration;
use donghaeng_core::safety::{AlarmRef, EventKind, SafetyEvent, SafetyMonitor, SessionState};
use fixtures::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    CheckIn(u8),
    Extend(u8, u16),
    CheckOut(u8),
    Duress(u8),
    Sos(u8),
    CancelSos(u8, bool),
    AckOverdue(u16),
    AckSos,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3).prop_map(Op::CheckIn),
        1 => (0u8..3, 10u16..300).prop_map(|(w, m)| Op::Extend(w, m)),
        1 => (0u8..3).prop_map(Op::CheckOut),
        1 => (0u8..3).prop_map(Op::Duress),
        1 => (0u8..3).prop_map(Op::Sos),
        1 => (0u8..3, any::<bool>()).prop_map(|(w, r)| Op::CancelSos(w, r)),
        1 => (0u16..400).prop_map(Op::AckOverdue),
        1 => Just(Op::AckSos),
    ]
}

/// Builds a log: the start, then ops at the given minute offsets. Workers 0 and 1 are on the visit,
/// worker 2 is not. Ids are derived from the index, so a few collide in time but never in id.
fn build_log(ops: &[(u16, Op)]) -> Vec<SafetyEvent> {
    let mut log = started(Some(45 * 60)).events(id(SESSION)).to_vec();
    let mut sos_ids = Vec::new();
    for (i, (minute, op)) in ops.iter().enumerate() {
        let at = t(9, 0, 0) + Duration::minutes(i64::from(*minute));
        let worker = |w: u8| id(u128::from(w) + 1);
        let device = |w: u8| format!("dev-{w}");
        let (w, kind) = match op {
            Op::CheckIn(w) => (*w, EventKind::CheckedIn),
            Op::Extend(w, m) => (
                *w,
                EventKind::ReturnExtended {
                    expected_return: at + Duration::minutes(i64::from(*m)),
                },
            ),
            Op::CheckOut(w) => (*w, EventKind::CheckedOut),
            Op::Duress(w) => (*w, EventKind::DuressCheckedOut),
            Op::Sos(w) => {
                sos_ids.push((id(10_000 + i as u128), device(*w)));
                (*w, EventKind::Sos)
            }
            Op::CancelSos(w, with_reason) => match sos_ids.last() {
                Some((sid, _)) => (
                    *w,
                    EventKind::SosCancelled {
                        sos_event_id: *sid,
                        reason: with_reason.then(|| "오작동".to_owned()),
                    },
                ),
                None => (*w, EventKind::CheckedIn),
            },
            Op::AckOverdue(m) => (
                2,
                EventKind::Acknowledged {
                    alarm: AlarmRef::Overdue {
                        due: t(9, 0, 0) + Duration::minutes(i64::from(*m)),
                    },
                    note: None,
                },
            ),
            Op::AckSos => match sos_ids.first() {
                Some((sid, _)) => (
                    2,
                    EventKind::Acknowledged {
                        alarm: AlarmRef::Sos { event_id: *sid },
                        note: None,
                    },
                ),
                None => (2, EventKind::CheckedIn),
            },
        };
        log.push(SafetyEvent {
            id: id(10_000 + i as u128),
            session_id: id(SESSION),
            at,
            worker_id: Some(worker(w)),
            device_id: device(w),
            location: None,
            kind,
        });
    }
    log
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn fold_of_a_shuffled_log_equals_fold_of_the_log(
        ops in proptest::collection::vec((0u16..600, op()), 0..40),
        seed in any::<u64>(),
    ) {
        let log = build_log(&ops);
        let expected = SessionState::fold(id(SESSION), &log);
        let mut shuffled = log.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(&SessionState::fold(id(SESSION), &shuffled), &expected);
        // Duplicates (the same event from two sources) change nothing.
        let mut doubled = shuffled.clone();
        doubled.extend(log.iter().cloned());
        prop_assert_eq!(&SessionState::fold(id(SESSION), &doubled), &expected);
        // A monitor fed the shuffled events one by one arrives at the same state.
        let mut m = SafetyMonitor::new(SERVER);
        for e in shuffled {
            m.ingest(e).unwrap();
        }
        prop_assert_eq!(m.session(id(SESSION)).unwrap(), &expected);
    }

    #[test]
    fn tick_never_issues_the_same_alert_twice(
        ops in proptest::collection::vec((0u16..600, op()), 0..30),
        ticks in proptest::collection::vec(0u16..720, 1..60),
    ) {
        let log = build_log(&ops);
        let mut m = SafetyMonitor::new(SERVER);
        let mut ticks = ticks;
        ticks.sort_unstable();
        // Events arrive interleaved with ticks, in time order of arrival.
        let mut pending: Vec<SafetyEvent> = log;
        pending.sort_by_key(|e| e.at);
        let mut seen = HashSet::new();
        for minute in ticks {
            let now = t(9, 0, 0) + Duration::minutes(i64::from(minute));
            while pending.first().is_some_and(|e| e.at <= now) {
                let e = pending.remove(0);
                m.ingest(e).unwrap();
            }
            for a in m.tick(now) {
                prop_assert!(a.due_at <= now);
                prop_assert!(seen.insert(a.key), "issued twice: {:?}", a.key);
            }
            // The OS alarm firing twice at the same instant yields nothing new.
            prop_assert!(m.tick(now).is_empty());
            if let Some(next) = m.next_deadline(now) {
                prop_assert!(next > now, "a due alert was left behind at {now}: {next}");
            }
        }
    }
}
