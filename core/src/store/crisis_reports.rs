//! Crisis reports (위기가구 발굴 제보) repository: reports reach the 동 team's inbox, and a report about a
//! known household becomes a referral to the team in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{canonical, codes, get_codes, get_id, get_opt_id, get_time, ms};
use super::Store;
use crate::clock::local_date;
use crate::model::validate::{optional_note, required_text, ADDRESS_MAX_CHARS};
use crate::model::{
    new_id, CrisisReport, CrisisReportStatus, CrisisSign, Id, OrgUnitKind, Referral, ReferralTarget,
};
use crate::{CoreError, CoreResult};

pub struct CrisisReports<'a>(pub(super) &'a Store);

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewCrisisReport {
    pub dong_id: Id,
    pub reporter_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub household_id: Option<Id>,
    /// Required when `household_id` is `None`; for a known household its address is used.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub address: Option<String>,
    pub signs: Vec<CrisisSign>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "reported_at_ms"))]
    pub reported_at: DateTime<Utc>,
}

pub(crate) const COLUMNS: &str =
    "id, dong_id, reporter_id, household_id, address, signs, note, reported_at, status, referral_id";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CrisisReport> {
    Ok(CrisisReport {
        id: get_id(r, 0)?,
        dong_id: get_id(r, 1)?,
        reporter_id: get_id(r, 2)?,
        household_id: get_opt_id(r, 3)?,
        address: r.get(4)?,
        signs: get_codes(r, 5)?,
        note: r.get(6)?,
        reported_at: get_time(r, 7)?,
        status: r.get(8)?,
        referral_id: get_opt_id(r, 9)?,
    })
}

fn require(conn: &Connection, id: Id) -> CoreResult<CrisisReport> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM crisis_reports WHERE id = ?1"
    ))?
    .query_row([id.to_string()], from_row)
    .optional()?
    .ok_or_else(|| CoreError::not_found("crisis_report", id))
}

impl CrisisReports<'_> {
    pub fn report(&self, new: NewCrisisReport) -> CoreResult<CrisisReport> {
        if new.signs.is_empty() {
            return Err(CoreError::invalid(
                "sign_required",
                "crisis_report.signs",
                "본 것(위기 징후)을 하나 이상 선택하세요",
                "choose at least one sign of crisis",
            ));
        }
        let note = optional_note("crisis_report.note", new.note.as_deref())?;
        let given_address = new
            .address
            .as_deref()
            .map(|a| required_text("crisis_report.address", a, ADDRESS_MAX_CHARS))
            .transpose()?;
        self.0.write_synced(|tx, cap| {
            super::org::require(tx, new.dong_id, OrgUnitKind::Dong, "crisis_report.dong_id")?;
            super::workers::require(tx, new.reporter_id)?;
            let (address, referral_id) = match new.household_id {
                Some(hid) => {
                    let h = super::households::require(tx, hid)?;
                    let referral = Referral {
                        id: new_id(),
                        household_id: hid,
                        case_id: None,
                        referred_by: new.reporter_id,
                        target: ReferralTarget::DongTeam,
                        agency: "동 주민센터".to_owned(),
                        referred_on: local_date(new.reported_at),
                        reason: format!(
                            "위기가구 제보: {}",
                            new.signs.iter().map(|s| s.label_ko()).collect::<Vec<_>>().join(", ")
                        ),
                        first_reply_on: None,
                        service_ended_on: None,
                        final_reply_on: None,
                        reply_note: None,
                    };
                    super::referrals::insert(tx, &referral)?;
                    cap.upsert(tx, "referrals", referral.id, None)?;
                    (given_address.clone().unwrap_or(h.address), Some(referral.id))
                }
                None => {
                    let a = given_address.clone().ok_or_else(|| {
                        CoreError::invalid(
                            "required",
                            "crisis_report.address",
                            "모르는 가구는 주소(위치)를 입력하세요",
                            "give the address for a household the 동 does not know yet",
                        )
                    })?;
                    (a, None)
                }
            };
            let report = CrisisReport {
                id: new_id(),
                dong_id: new.dong_id,
                reporter_id: new.reporter_id,
                household_id: new.household_id,
                address,
                signs: canonical(&new.signs),
                note,
                reported_at: new.reported_at,
                status: CrisisReportStatus::Referred,
                referral_id,
            };
            tx.prepare_cached(&format!(
                "INSERT INTO crisis_reports ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?
            .execute(params![
                report.id.to_string(),
                report.dong_id.to_string(),
                report.reporter_id.to_string(),
                report.household_id.map(|v| v.to_string()),
                report.address,
                codes(&report.signs),
                report.note,
                ms(report.reported_at),
                report.status,
                report.referral_id.map(|v| v.to_string())
            ])?;
            cap.upsert(tx, "crisis_reports", report.id, None)?;
            Ok(report)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<CrisisReport> {
        self.0.read(|tx| require(tx, id))
    }

    /// The 동 team's inbox: reports not yet handled, newest first.
    pub fn inbox(&self, dong_id: Id) -> CoreResult<Vec<CrisisReport>> {
        self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM crisis_reports WHERE dong_id = ?1 AND status = 'referred'
                  ORDER BY reported_at DESC, id DESC"
            ))?;
            let rows = st.query_map([dong_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    pub fn mark_handled(&self, id: Id) -> CoreResult<CrisisReport> {
        self.0.write_synced(|tx, cap| {
            let mut r = require(tx, id)?;
            let before = cap.before(tx, "crisis_reports", id)?;
            r.status = CrisisReportStatus::Handled;
            tx.execute(
                "UPDATE crisis_reports SET status = ?2 WHERE id = ?1",
                params![id.to_string(), r.status],
            )?;
            cap.upsert(tx, "crisis_reports", id, before)?;
            Ok(r)
        })
    }
}
