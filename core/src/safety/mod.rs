//! Worker safety (방문인력 안전관리): sessions, check-ins, overdue, SOS, duress, escalation, incidents
//! (issue 5, core part). See `docs/safety.md`.
//!
//! The design is a pure, deterministic state machine over an append-only event log:
//!
//! - [`commands`] validate input and produce [`SafetyEvent`]s;
//! - [`state::SessionState::fold`] rebuilds a session from its events in any order;
//! - [`schedule::schedule`] says which alerts are due at `now` and when the next one is;
//! - [`SafetyMonitor`] holds many sessions indexed by next deadline, for a phone or the server.
//!
//! No SQLite and no clock: every function takes `now`.

pub mod action;
pub mod advisory;
pub mod assessment;
pub mod commands;
pub mod config;
pub mod event;
pub mod ids;
pub mod incident;
pub mod monitor;
pub mod pin;
pub mod schedule;
pub mod sms;
pub mod state;
pub mod timeops;
pub mod view;

pub use action::{ActionKind, SafetyAction};
pub use advisory::DisasterAdvisory;
pub use assessment::{check_team, SafetyAssessment};
pub use commands::{Actor, CheckOutReceipt, Recorded, StartRequest};
pub use config::{Contact, LadderStep, LadderTarget, TeamSafetyConfig};
pub use event::{ActionKey, AlarmRef, EventKind, SafetyEvent, SessionPlan};
pub use incident::{half_year_stats, HalfYear, IncidentReport, IncidentStats, IncidentType};
pub use monitor::SafetyMonitor;
pub use pin::{PinParams, WorkerPins};
pub use state::{SafetySessionStatus, SessionState};
pub use view::{DeviceView, ServerView};
