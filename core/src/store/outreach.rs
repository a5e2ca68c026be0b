//! Universal-visit outreach repository (보편방문 안내·접촉 시도): record an attempt to reach a
//! household and what came of it, correct it with a new record, read a household's attempts.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::conv::{date, get_date, get_id, get_opt_id};
use super::Store;
use crate::clock::local_date;
use crate::model::outreach::{
    OutreachAttempt, OutreachCampaign, OutreachMode, OutreachResult, RefusalReason,
};
use crate::model::{new_id, Id};
use crate::{CoreError, CoreResult};

pub struct Outreach<'a>(pub(super) &'a Store);

/// An attempt to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewOutreachAttempt {
    pub household_id: Id,
    pub campaign: OutreachCampaign,
    pub attempted_on: NaiveDate,
    pub mode: OutreachMode,
    pub result: OutreachResult,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub refusal_reason: Option<RefusalReason>,
    pub worker_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub corrects: Option<Id>,
}

pub(crate) const COLUMNS: &str =
    "id, household_id, campaign, attempted_on, mode, result, refusal_reason, worker_id, corrects";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutreachAttempt> {
    Ok(OutreachAttempt {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        campaign: r.get(2)?,
        attempted_on: get_date(r, 3)?,
        mode: r.get(4)?,
        result: r.get(5)?,
        refusal_reason: r.get(6)?,
        worker_id: get_id(r, 7)?,
        corrects: get_opt_id(r, 8)?,
    })
}

fn get(conn: &Connection, id: Id) -> CoreResult<Option<OutreachAttempt>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outreach_attempts WHERE id = ?1"
        ))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

fn invalid(code: &'static str, field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid(code, field, ko, en)
}

/// The rules of one attempt on its own: the result fits the mode, a refusal says why and only a
/// refusal does, the day is not after `today`.
pub fn check(a: &NewOutreachAttempt, today: NaiveDate) -> CoreResult<()> {
    if !a.result.fits(a.mode) {
        return Err(invalid(
            "outreach_result_not_for_mode",
            "outreach.result",
            format!(
                "{} 시도의 결과로 '{}'은(는) 맞지 않습니다",
                a.mode.label_ko(),
                a.result.label_ko()
            ),
            format!(
                "'{}' is not a result of a {} attempt",
                a.result.label_en(),
                a.mode.label_en()
            ),
        ));
    }
    match (a.result, a.refusal_reason) {
        (OutreachResult::Refused, None) => {
            return Err(invalid(
                "refusal_reason_required",
                "outreach.refusal_reason",
                "거부 사유를 선택하세요".into(),
                "give the reason for the refusal".into(),
            ))
        }
        (r, Some(_)) if r != OutreachResult::Refused => {
            return Err(invalid(
                "refusal_reason_not_applicable",
                "outreach.refusal_reason",
                "거부 사유는 거부한 경우에만 기록합니다".into(),
                "a refusal reason goes with a refusal only".into(),
            ))
        }
        _ => {}
    }
    if a.attempted_on > today {
        return Err(invalid(
            "date_in_future",
            "outreach.attempted_on",
            format!("시도일 {}은(는) 오늘({today}) 이후입니다", a.attempted_on),
            format!(
                "the attempt's day, {}, is after today ({today})",
                a.attempted_on
            ),
        ));
    }
    Ok(())
}

impl Outreach<'_> {
    /// Records an attempt (or, with `corrects`, the correction of one of the same household). The
    /// household and the worker must exist.
    pub fn record(&self, new: NewOutreachAttempt) -> CoreResult<OutreachAttempt> {
        check(&new, local_date(self.0.clock().now()))?;
        let a = OutreachAttempt {
            id: new_id(),
            household_id: new.household_id,
            campaign: new.campaign,
            attempted_on: new.attempted_on,
            mode: new.mode,
            result: new.result,
            refusal_reason: new.refusal_reason,
            worker_id: new.worker_id,
            corrects: new.corrects,
        };
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, a.household_id)?;
            super::workers::require(tx, a.worker_id)?;
            if let Some(old) = a.corrects {
                let o = get(tx, old)?.ok_or_else(|| CoreError::not_found("outreach_attempt", old))?;
                if o.household_id != a.household_id {
                    return Err(invalid(
                        "correction_of_other_household",
                        "outreach.corrects",
                        "다른 가구의 기록은 정정할 수 없습니다".into(),
                        "a correction must concern the same household".into(),
                    ));
                }
            }
            tx.prepare_cached(&format!(
                "INSERT INTO outreach_attempts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                a.id.to_string(),
                a.household_id.to_string(),
                a.campaign,
                date(a.attempted_on),
                a.mode,
                a.result,
                a.refusal_reason,
                a.worker_id.to_string(),
                a.corrects.map(|c| c.to_string()),
            ])?;
            cap.append(tx, "outreach_attempts", a.id)?;
            Ok(a)
        })
    }

    /// The household's attempts that count (each correction chain's latest), newest first.
    pub fn for_household(&self, household_id: Id) -> CoreResult<Vec<OutreachAttempt>> {
        let all = self.0.read(|tx| {
            super::households::require(tx, household_id)?;
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outreach_attempts WHERE household_id = ?1"
            ))?;
            let rows = st.query_map([household_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        Ok(crate::model::outreach::current(all))
    }
}

/// A text for the shell to send (문자 안내): to whom, why, and the words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FollowUpText {
    pub household_id: Id,
    pub campaign: OutreachCampaign,
    /// The household's number, as recorded.
    pub phone: String,
    /// The attempt that went unanswered or was refused.
    pub after_attempt: Id,
    pub text_ko: String,
    pub text_en: String,
}

impl Outreach<'_> {
    /// The texts to send today (001 §10, and universal visits not reached): for each household of
    /// the 동 with a phone and each campaign, when its latest attempt of the `days` before `today`
    /// (today included) was a call or a visit that [`crate::model::outreach::texted_after`] answers
    /// for. A text once sent is recorded as an attempt by text, which ends the household's turn.
    pub fn follow_up_texts(
        &self,
        dong_id: Id,
        today: NaiveDate,
        days: u32,
    ) -> CoreResult<Vec<FollowUpText>> {
        let since = today
            .checked_sub_days(chrono::Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MIN);
        let (dong, rows) = self.0.read(|tx| {
            let dong =
                super::org::require(tx, dong_id, crate::model::OrgUnitKind::Dong, "outreach.dong_id")?;
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outreach_attempts
                  WHERE household_id IN (SELECT id FROM households WHERE dong_id = ?1 AND archived = 0)"
            ))?;
            let rows = st.query_map([dong_id.to_string()], from_row)?;
            Ok((dong, rows.collect::<Result<Vec<_>, _>>()?))
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        // Newest first: the first attempt of a (household, campaign) is its latest.
        for a in crate::model::outreach::current(rows) {
            if !seen.insert((a.household_id, a.campaign)) {
                continue;
            }
            let due = (since..=today).contains(&a.attempted_on)
                && a.mode != OutreachMode::Text
                && a.mode != OutreachMode::Letter
                && crate::model::outreach::texted_after(a.campaign, a.result);
            if !due {
                continue;
            }
            let Some(phone) = self
                .0
                .households()
                .get(a.household_id)?
                .household
                .phone
                .filter(|p| !p.trim().is_empty())
            else {
                continue;
            };
            let (text_ko, text_en) = crate::model::outreach::follow_up_text(a.campaign, &dong.name);
            out.push(FollowUpText {
                household_id: a.household_id,
                campaign: a.campaign,
                phone,
                after_attempt: a.id,
                text_ko,
                text_en,
            });
        }
        out.sort_by_key(|t| (t.household_id, t.campaign.code()));
        Ok(out)
    }
}
