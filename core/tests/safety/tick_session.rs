//! `SafetyMonitor::tick_session`: one session's deadlines at its own time, the others untouched (the
//! server raises an SOS stamped by a phone whose clock runs ahead without escalating anyone early).

use donghaeng_core::safety::ActionKind;

use crate::fixtures::*;

#[test]
fn tick_session_runs_one_session_and_leaves_the_others() {
    // Session SESSION is due back at 11:00; another (from the same fixture, new id) has an SOS.
    let mut m = started(None);
    let mut other = started(None);
    let sos = other
        .sos(id(SESSION), &planner_actor(), t(11, 20, 0))
        .unwrap();
    // Move the SOS session into `m` under another id, as the server would hear it.
    for mut e in other.events(id(SESSION)).to_vec() {
        e.session_id = id(SESSION + 1);
        m.ingest(e).unwrap();
    }
    // At 11:20 both sessions owe their overdue alerts; only the SOS session is ticked.
    let actions = m.tick_session(id(SESSION + 1), t(11, 20, 0));
    assert!(actions.iter().all(|a| a.session_id == id(SESSION + 1)));
    assert!(actions
        .iter()
        .any(|a| matches!(a.kind, ActionKind::SosAlarm { .. }) && a.due_at == sos.event.at));
    // The first session's alerts are still owed, and a normal tick issues them (nothing of the SOS
    // session again).
    let later = m.tick(t(11, 20, 0));
    assert!(!later.is_empty());
    assert!(
        later.iter().all(|a| a.session_id == id(SESSION)),
        "{later:?}"
    );
    assert!(m.tick_session(id(SESSION + 1), t(11, 20, 0)).is_empty());
}
