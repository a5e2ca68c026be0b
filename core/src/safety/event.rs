//! The append-only safety event log (안전 이벤트 기록).
//!
//! Every state change of a safety session is one [`SafetyEvent`]; nothing is ever edited. Sync takes the
//! union of the logs of every device and the server (by event id), and the session state is a pure fold
//! over the log sorted by `(at, id)` ([`super::state::SessionState::fold`]), so every replica that holds
//! the same events holds the same state, whatever order they arrived in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::assessment::SafetyAssessment;
use super::config::TeamSafetyConfig;
use crate::model::{GeoPoint, Id, Role};

/// One record of the safety log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyEvent {
    /// UUID v7, made on the device, or derived (see [`super::ids::derive_id`]).
    pub id: Id,
    pub session_id: Id,
    /// When it happened, by the clock of the device that recorded it.
    pub at: DateTime<Utc>,
    /// The worker who acted; `None` for alerts the system issued by itself.
    pub worker_id: Option<Id>,
    /// The device (or `server:…` node) that recorded the event.
    pub device_id: String,
    pub location: Option<GeoPoint>,
    pub kind: EventKind,
}

/// What happened. Serialized with a `type` tag in snake case; the tag is part of the sync format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// 방문업무 시작: the session opens with its plan.
    Started(Box<SessionPlan>),
    /// A check-in (정기 안부 확인) or the worker's "I am safe" answer to a prompt: proof of life.
    CheckedIn,
    /// 복귀시간 연장: a new expected return. Also proof of life.
    ReturnExtended { expected_return: DateTime<Utc> },
    /// 복귀 (check-out): the session closes.
    CheckedOut,
    /// A check-out with the duress PIN (강요 상황). On the phone it must look exactly like
    /// [`EventKind::CheckedOut`]; it closes the session *and* opens a silent alarm that the server raises
    /// loudly to supervisors.
    DuressCheckedOut,
    /// 긴급호출 (SOS).
    Sos,
    /// An SOS withdrawn. From the device that raised it, only with a reason (else ignored by the fold).
    SosCancelled {
        sos_event_id: Id,
        reason: Option<String>,
    },
    /// Someone (partner, team lead …) acknowledged an alarm: its escalation stops.
    Acknowledged {
        alarm: AlarmRef,
        note: Option<String>,
    },
    /// A supervisor closed an SOS or duress alarm after confirming the worker is safe (상황 종료).
    AlarmResolved { alarm: AlarmRef, note: String },
    /// The recording device (or server) issued an alert; keeps each alert exactly once per origin.
    AlertIssued { key: ActionKey },
}

impl EventKind {
    /// Stable name of the kind, for logs and the server's feed.
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Started(_) => "started",
            EventKind::CheckedIn => "checked_in",
            EventKind::ReturnExtended { .. } => "return_extended",
            EventKind::CheckedOut => "checked_out",
            EventKind::DuressCheckedOut => "duress_checked_out",
            EventKind::Sos => "sos",
            EventKind::SosCancelled { .. } => "sos_cancelled",
            EventKind::Acknowledged { .. } => "acknowledged",
            EventKind::AlarmResolved { .. } => "alarm_resolved",
            EventKind::AlertIssued { .. } => "alert_issued",
        }
    }
}

/// A person on the visit, as known when the session started (a snapshot, so that alerts can be
/// composed offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub worker_id: Id,
    pub name: String,
    pub roles: Vec<Role>,
    pub phone: Option<String>,
}

/// The household as an alert needs it, and no more: an address and a masked name (김○○).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRef {
    pub household_id: Id,
    pub address: String,
    /// Head of household's name with all but the first character masked.
    pub masked_name: String,
}

/// An advisory that was overridden at start, with the reason given (자연재해 방문 자제 권고 무시 사유).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryOverride {
    pub advisory_id: Id,
    pub advisory_reason: String,
    pub override_reason: String,
}

/// Everything a session needs to run its deadlines anywhere, carried in the start event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPlan {
    pub visit_id: Option<Id>,
    pub household: HouseholdRef,
    pub participants: Vec<Participant>,
    /// 복귀 예정 시각.
    pub expected_return: DateTime<Utc>,
    /// Periodic check-in interval in seconds (5 min – 12 h), if the team asked for check-ins.
    pub checkin_interval_secs: Option<i64>,
    pub assessment: SafetyAssessment,
    pub advisory_overrides: Vec<AdvisoryOverride>,
    pub config: TeamSafetyConfig,
}

/// An alarm a session can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SafetyAlarmRef"))]
pub enum AlarmRef {
    /// The overdue episode whose deadline (복귀 또는 안부확인 기한) was `due`.
    Overdue {
        #[cfg_attr(feature = "uniffi", uniffi(name = "due_ms"))]
        due: DateTime<Utc>,
    },
    /// The SOS raised by this event.
    Sos { event_id: Id },
    /// The duress check-out recorded by this event.
    Duress { event_id: Id },
}

/// The identity of an alert: the same key is issued at most once per origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionKey {
    /// "Are you safe?" asked of the workers for the episode due at `due`.
    Prompt { due: DateTime<Utc> },
    /// Escalation step `step` (1-based) of the episode due at `due`.
    Escalation { due: DateTime<Utc>, step: u32 },
    /// The SOS alarm.
    Sos { event_id: Id },
    /// The silent alarm of a duress check-out.
    Silent { event_id: Id },
    /// The `n`-th repetition (1-based) of an unacknowledged alarm.
    Repeat { alarm: AlarmRef, n: u32 },
    /// All clear: an escalated alarm ended (late check-in or check-out, SOS withdrawn).
    AllClear { alarm: AlarmRef },
}

impl ActionKey {
    /// Bytes that identify the key, for derived ids. A compact, fixed layout (tag byte, then the fields
    /// big-endian): derived ids are stored and synced, so this layout must never change.
    pub(crate) fn id_bytes(&self) -> KeyBytes {
        fn time(v: &mut KeyBytes, t: DateTime<Utc>) {
            v.extend_from_slice(&t.timestamp().to_be_bytes());
            v.extend_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
        }
        fn alarm(v: &mut KeyBytes, a: &AlarmRef) {
            match a {
                AlarmRef::Overdue { due } => {
                    v.push(1);
                    time(v, *due);
                }
                AlarmRef::Sos { event_id } => {
                    v.push(2);
                    v.extend_from_slice(event_id.as_bytes());
                }
                AlarmRef::Duress { event_id } => {
                    v.push(3);
                    v.extend_from_slice(event_id.as_bytes());
                }
            }
        }
        let mut v = KeyBytes::default();
        match self {
            ActionKey::Prompt { due } => {
                v.push(1);
                time(&mut v, *due);
            }
            ActionKey::Escalation { due, step } => {
                v.push(2);
                time(&mut v, *due);
                v.extend_from_slice(&step.to_be_bytes());
            }
            ActionKey::Sos { event_id } => {
                v.push(3);
                v.extend_from_slice(event_id.as_bytes());
            }
            ActionKey::Silent { event_id } => {
                v.push(4);
                v.extend_from_slice(event_id.as_bytes());
            }
            ActionKey::Repeat { alarm: a, n } => {
                v.push(5);
                alarm(&mut v, a);
                v.extend_from_slice(&n.to_be_bytes());
            }
            ActionKey::AllClear { alarm: a } => {
                v.push(6);
                alarm(&mut v, a);
            }
        }
        v
    }
}

/// The bytes of an [`ActionKey`] on the stack (at most 1 + 1 + 16 + 4 = 22 bytes), so that deriving an
/// alert's id allocates nothing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyBytes {
    buf: [u8; 32],
    len: usize,
}

impl KeyBytes {
    fn push(&mut self, b: u8) {
        self.extend_from_slice(&[b]);
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        // The layout above never exceeds the buffer; `get_mut` keeps this panic-free regardless.
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
