//! Referrals (의뢰) repository: the referral, its replies and the replies that are due.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::conv::{date, get_date, get_id, get_opt_date, get_opt_id, opt_date};
use super::Store;
use crate::model::validate::{optional_note, required_text, NAME_MAX_CHARS, NOTE_MAX_CHARS};
use crate::model::{new_id, Id, Referral, ReferralTarget};
use crate::{CoreError, CoreResult};

pub struct Referrals<'a>(pub(super) &'a Store);

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewReferral {
    pub household_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub case_id: Option<Id>,
    pub referred_by: Id,
    pub target: ReferralTarget,
    pub agency: String,
    pub referred_on: NaiveDate,
    pub reason: String,
}

crate::code_enum! {
    /// Which reply of a referral is due.
    pub enum ReplyKind: "referral.reply" {
        /// 1차 회신: 10 days after the referral.
        First = ("first", "1차 회신", "first reply"),
        /// 최종 회신: 5 days after the service ended.
        Final = ("final", "최종 회신", "final reply"),
    }
}

/// A reply that is due (or overdue) on a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReplyDue {
    pub referral: Referral,
    pub which: ReplyKind,
    pub due_on: NaiveDate,
}

pub(crate) const COLUMNS: &str =
    "id, household_id, case_id, referred_by, target, agency, referred_on, reason,
     first_reply_on, service_ended_on, final_reply_on, reply_note";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Referral> {
    Ok(Referral {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        case_id: get_opt_id(r, 2)?,
        referred_by: get_id(r, 3)?,
        target: r.get(4)?,
        agency: r.get(5)?,
        referred_on: get_date(r, 6)?,
        reason: r.get(7)?,
        first_reply_on: get_opt_date(r, 8)?,
        service_ended_on: get_opt_date(r, 9)?,
        final_reply_on: get_opt_date(r, 10)?,
        reply_note: r.get(11)?,
    })
}

pub(crate) fn require(conn: &Connection, id: Id) -> CoreResult<Referral> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM referrals WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .ok_or_else(|| CoreError::not_found("referral", id))
}

pub(crate) fn insert(conn: &Connection, r: &Referral) -> CoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO referrals ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        r.id.to_string(),
        r.household_id.to_string(),
        r.case_id.map(|v| v.to_string()),
        r.referred_by.to_string(),
        r.target,
        r.agency,
        date(r.referred_on),
        r.reason,
        opt_date(r.first_reply_on),
        opt_date(r.service_ended_on),
        opt_date(r.final_reply_on),
        r.reply_note
    ])?;
    Ok(())
}

fn save(conn: &Connection, r: &Referral) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE referrals SET first_reply_on = ?2, service_ended_on = ?3, final_reply_on = ?4, reply_note = ?5
          WHERE id = ?1",
    )?
    .execute(params![
        r.id.to_string(),
        opt_date(r.first_reply_on),
        opt_date(r.service_ended_on),
        opt_date(r.final_reply_on),
        r.reply_note
    ])?;
    Ok(())
}

fn not_before(
    field: &str,
    d: NaiveDate,
    earliest: NaiveDate,
    what_ko: &str,
    what_en: &str,
) -> CoreResult<()> {
    if d < earliest {
        return Err(CoreError::invalid(
            "date_before_referral",
            field,
            format!("{field}: {d}은(는) {what_ko}({earliest})보다 빠릅니다"),
            format!("{field}: {d} is before the {what_en} ({earliest})"),
        ));
    }
    Ok(())
}

impl Referrals<'_> {
    pub fn create(&self, new: NewReferral) -> CoreResult<Referral> {
        let agency = required_text("referral.agency", &new.agency, NAME_MAX_CHARS)?;
        let reason = required_text("referral.reason", &new.reason, NOTE_MAX_CHARS)?;
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, new.household_id)?;
            super::workers::require(tx, new.referred_by)?;
            if let Some(case_id) = new.case_id {
                super::cases::require(tx, case_id)?;
            }
            let r = Referral {
                id: new_id(),
                household_id: new.household_id,
                case_id: new.case_id,
                referred_by: new.referred_by,
                target: new.target,
                agency,
                referred_on: new.referred_on,
                reason,
                first_reply_on: None,
                service_ended_on: None,
                final_reply_on: None,
                reply_note: None,
            };
            insert(tx, &r)?;
            cap.upsert(tx, "referrals", r.id, None)?;
            Ok(r)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<Referral> {
        self.0.read(|tx| require(tx, id))
    }

    /// Records the first reply (1차 회신).
    pub fn record_first_reply(
        &self,
        id: Id,
        on: NaiveDate,
        note: Option<&str>,
    ) -> CoreResult<Referral> {
        let note = optional_note("referral.reply_note", note)?;
        self.0.write_synced(|tx, cap| {
            let mut r = require(tx, id)?;
            let before = cap.before(tx, "referrals", id)?;
            not_before(
                "referral.first_reply_on",
                on,
                r.referred_on,
                "의뢰일",
                "referral date",
            )?;
            r.first_reply_on = Some(on);
            if note.is_some() {
                r.reply_note = note;
            }
            save(tx, &r)?;
            cap.upsert(tx, "referrals", id, before)?;
            Ok(r)
        })
    }

    /// Records that the service ended; the final reply becomes due 5 days later.
    pub fn record_service_end(&self, id: Id, on: NaiveDate) -> CoreResult<Referral> {
        self.0.write_synced(|tx, cap| {
            let mut r = require(tx, id)?;
            let before = cap.before(tx, "referrals", id)?;
            not_before(
                "referral.service_ended_on",
                on,
                r.referred_on,
                "의뢰일",
                "referral date",
            )?;
            r.service_ended_on = Some(on);
            save(tx, &r)?;
            cap.upsert(tx, "referrals", id, before)?;
            Ok(r)
        })
    }

    /// Records the final reply (2차 회신); the service must have ended.
    pub fn record_final_reply(
        &self,
        id: Id,
        on: NaiveDate,
        note: Option<&str>,
    ) -> CoreResult<Referral> {
        let note = optional_note("referral.reply_note", note)?;
        self.0.write_synced(|tx, cap| {
            let mut r = require(tx, id)?;
            let before = cap.before(tx, "referrals", id)?;
            let Some(ended) = r.service_ended_on else {
                return Err(CoreError::invalid_transition(
                    "service_not_ended",
                    "서비스 종결 후에 최종 회신을 기록하세요",
                    "record the final reply after the service has ended",
                ));
            };
            not_before(
                "referral.final_reply_on",
                on,
                ended,
                "서비스 종결일",
                "service end date",
            )?;
            r.final_reply_on = Some(on);
            if note.is_some() {
                r.reply_note = note;
            }
            save(tx, &r)?;
            cap.upsert(tx, "referrals", id, before)?;
            Ok(r)
        })
    }

    /// Replies still missing whose due date is on or before `by`, earliest first.
    pub fn replies_due(&self, by: NaiveDate) -> CoreResult<Vec<ReplyDue>> {
        let all = self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM referrals
                  WHERE first_reply_on IS NULL OR (service_ended_on IS NOT NULL AND final_reply_on IS NULL)"
            ))?;
            let rows = st.query_map([], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let mut due = Vec::new();
        for r in all {
            if r.first_reply_on.is_none() && r.first_reply_due() <= by {
                due.push(ReplyDue {
                    due_on: r.first_reply_due(),
                    which: ReplyKind::First,
                    referral: r.clone(),
                });
            }
            if let (Some(d), None) = (r.final_reply_due(), r.final_reply_on) {
                if d <= by {
                    due.push(ReplyDue {
                        due_on: d,
                        which: ReplyKind::Final,
                        referral: r,
                    });
                }
            }
        }
        due.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then(a.referral.id.cmp(&b.referral.id))
        });
        Ok(due)
    }
}
