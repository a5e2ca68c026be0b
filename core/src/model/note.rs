//! Case notes (상담 기록): free text about a household. Append-only, like wellness checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Id;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseNote {
    pub id: Id,
    pub household_id: Id,
    pub case_id: Option<Id>,
    pub visit_id: Option<Id>,
    pub author_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(name = "written_at_ms"))]
    pub written_at: DateTime<Utc>,
    pub body: String,
    /// The earlier note this one corrects.
    pub corrects: Option<Id>,
}
