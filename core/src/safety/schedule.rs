//! Deadlines: which alerts a session owes at `now`, and when the next one falls due.
//!
//! Pure: a function of the folded state, the origin asking (each origin — a phone, the server — issues
//! each alert once), and `now`. For the current overdue episode with deadline `D`:
//!
//! - at `D`: the prompt "are you safe?" ([`ActionKey::Prompt`]);
//! - unless acknowledged, at `D + grace`: ladder step 1, and step `k + 1` at step `k`'s time plus step
//!   `k`'s delay;
//! - after the last step, a repeat every last-step delay until acknowledged (only the latest repeat is
//!   issued when ticks were missed, so a phone waking after an hour does not send twelve texts).
//!
//! An SOS is due at once and repeats every `alarm_repeat_secs` until acknowledged; a duress check-out
//! likewise (silently). When an escalated episode ends because the worker showed up, or an SOS is
//! withdrawn, an all-clear is due to those who were alerted.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::event::{ActionKey, AlarmRef};
use super::state::SessionState;
use super::timeops::add_secs;

/// An alert due at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub key: ActionKey,
}

/// What is due now (in order of time) and when the next thing falls due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub due: Vec<Due>,
    pub next: Option<DateTime<Utc>>,
}

struct Builder<'a> {
    /// The alerts this origin has issued for the session (looked up once).
    issued: Option<&'a HashSet<ActionKey>>,
    now: DateTime<Utc>,
    out: Schedule,
}

impl Builder<'_> {
    fn consider(&mut self, at: DateTime<Utc>, key: ActionKey) {
        if self.has_issued(&key) {
            return;
        }
        if at <= self.now {
            self.out.due.push(Due { at, key });
        } else {
            self.later(at);
        }
    }

    fn has_issued(&self, key: &ActionKey) -> bool {
        self.issued.is_some_and(|s| s.contains(key))
    }

    fn later(&mut self, at: DateTime<Utc>) {
        if self.out.next.is_none_or(|n| at < n) {
            self.out.next = Some(at);
        }
    }

    /// Repeats of `alarm` every `every` after `base`: the latest one due, and the next one.
    fn repeats(&mut self, base: DateTime<Utc>, every_secs: i64, alarm: AlarmRef) {
        let secs = every_secs.max(1);
        let n = if self.now > base {
            ((self.now - base).num_seconds() / secs).max(1)
        } else {
            1
        };
        let at = add_secs(base, secs.saturating_mul(n));
        let key = ActionKey::Repeat {
            alarm,
            n: u32::try_from(n).unwrap_or(u32::MAX),
        };
        // Once this repeat is issued (or due now), the one after it is the next deadline. Checking
        // `issued` too keeps the deadline right when asked with a `now` older than the last tick.
        let issued = self.has_issued(&key);
        self.consider(at, key);
        if at <= self.now || issued {
            self.later(add_secs(at, secs));
        }
    }
}

/// The alerts `origin` owes for this session at `now`, and its next deadline.
pub fn schedule(st: &SessionState, origin: &str, now: DateTime<Utc>) -> Schedule {
    let mut b = Builder {
        issued: st.issued.get(origin),
        now,
        out: Schedule::default(),
    };
    let Some(plan) = &st.plan else {
        // Without the start we know no contacts; the start is synced before anything else of the session.
        return b.out;
    };
    let cfg = &plan.config;

    if let Some(due) = st.due_at() {
        b.consider(due, ActionKey::Prompt { due });
        if !st.acknowledged_overdue.contains(&due) {
            let mut t = add_secs(due, cfg.grace_secs);
            let last = cfg.ladder.len();
            for (i, step) in cfg.ladder.iter().enumerate() {
                let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
                b.consider(t, ActionKey::Escalation { due, step: n });
                if i + 1 < last {
                    t = add_secs(t, step.delay_secs);
                }
            }
            if let Some(step) = cfg.ladder.last() {
                b.repeats(t, step.delay_secs, AlarmRef::Overdue { due });
            }
        }
    }

    for ep in &st.resolved_episodes {
        let first = ActionKey::Escalation {
            due: ep.due,
            step: 1,
        };
        if b.has_issued(&first) {
            b.consider(
                ep.resolved_at,
                ActionKey::AllClear {
                    alarm: AlarmRef::Overdue { due: ep.due },
                },
            );
        }
    }

    for a in &st.alarms {
        let first = match a.alarm {
            AlarmRef::Sos { event_id } => ActionKey::Sos { event_id },
            AlarmRef::Duress { event_id } => ActionKey::Silent { event_id },
            AlarmRef::Overdue { .. } => continue,
        };
        match &a.ended {
            None => {
                b.consider(a.raised_at, first);
                if a.acknowledged_at.is_none() {
                    b.repeats(a.raised_at, cfg.alarm_repeat_secs, a.alarm);
                }
            }
            Some((ended_at, _)) => {
                // A withdrawn SOS is announced to those alerted; a duress alarm ends only by a supervisor,
                // who needs no all-clear.
                if matches!(a.alarm, AlarmRef::Sos { .. }) && b.has_issued(&first) {
                    b.consider(*ended_at, ActionKey::AllClear { alarm: a.alarm });
                }
            }
        }
    }

    b.out.due.sort_by_key(|d| d.at);
    b.out
}
