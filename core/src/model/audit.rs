//! What an audit entry records (감사 기록의 종류): the codes the phones, the server and the
//! dashboard share (`crate::store::audit` keeps the entries).

use crate::{CoreError, CoreResult};

/// What an entry records. Codes are stable (they are stored and synced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A record was shown to the user (a household's detail, a case).
    Viewed,
    /// Records were exported (a CSV of figures, a printout).
    Exported,
    /// Records were changed (the server records this for each accepted push).
    Changed,
    /// A request was refused (bad token, revoked device, outside scope …): `detail` holds the code.
    Refused,
    /// A supervisor or admin signed in to the dashboard.
    SignedIn,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Viewed,
        AuditAction::Exported,
        AuditAction::Changed,
        AuditAction::Refused,
        AuditAction::SignedIn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Viewed => "viewed",
            AuditAction::Exported => "exported",
            AuditAction::Changed => "changed",
            AuditAction::Refused => "refused",
            AuditAction::SignedIn => "signed_in",
        }
    }

    pub fn parse(code: &str) -> CoreResult<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.code() == code)
            .ok_or_else(|| {
                CoreError::invalid(
                    "audit_action_unknown",
                    "action",
                    format!("알 수 없는 감사 기록 종류입니다: {code}"),
                    format!("unknown audit action: {code}"),
                )
            })
    }
}
