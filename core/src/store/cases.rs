//! Integrated case management (통합사례관리) repository: stages move forward one at a time.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{date, get_date, get_id, get_opt_date, opt_date};
use super::Store;
use crate::model::{
    new_id, Case, CaseClassification, CaseStage, ClosureCategory, ClosureReason, Id,
};
use crate::{CoreError, CoreResult};

pub struct Cases<'a>(pub(super) &'a Store);

pub(crate) const COLUMNS: &str =
    "id, household_id, manager_id, stage, classification, opened_on, closed_on, closure_reason";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Case> {
    Ok(Case {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        manager_id: get_id(r, 2)?,
        stage: r.get(3)?,
        classification: r.get(4)?,
        opened_on: get_date(r, 5)?,
        closed_on: get_opt_date(r, 6)?,
        closure_reason: r.get(7)?,
    })
}

pub(crate) fn require(conn: &Connection, id: Id) -> CoreResult<Case> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM cases WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .ok_or_else(|| CoreError::not_found("case", id))
}

fn save(conn: &Connection, c: &Case) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE cases SET stage = ?2, classification = ?3, closed_on = ?4, closure_reason = ?5 WHERE id = ?1",
    )?
    .execute(params![
        c.id.to_string(),
        c.stage,
        c.classification,
        opt_date(c.closed_on),
        c.closure_reason
    ])?;
    Ok(())
}

fn not_closed(c: &Case) -> CoreResult<()> {
    if c.stage == CaseStage::Closed {
        return Err(CoreError::invalid_transition(
            "case_closed",
            "종결된 사례입니다",
            "the case is closed",
        ));
    }
    Ok(())
}

impl Cases<'_> {
    /// Opens a case at intake (접수) for a household that has no open case.
    pub fn open(&self, household_id: Id, manager_id: Id, opened_on: NaiveDate) -> CoreResult<Case> {
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, household_id)?;
            super::workers::require(tx, manager_id)?;
            let open: i64 = tx.query_row(
                "SELECT count(*) FROM cases WHERE household_id = ?1 AND stage <> 'closed'",
                [household_id.to_string()],
                |r| r.get(0),
            )?;
            if open > 0 {
                return Err(CoreError::conflict(
                    "case_already_open",
                    "이 가구에는 진행 중인 사례가 있습니다",
                    "the household already has an open case",
                ));
            }
            let c = Case {
                id: new_id(),
                household_id,
                manager_id,
                stage: CaseStage::Intake,
                classification: None,
                opened_on,
                closed_on: None,
                closure_reason: None,
            };
            tx.execute(
                &format!(
                    "INSERT INTO cases ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, NULL, ?5, NULL, NULL)"
                ),
                params![
                    c.id.to_string(),
                    household_id.to_string(),
                    manager_id.to_string(),
                    c.stage,
                    date(opened_on)
                ],
            )?;
            cap.upsert(tx, "cases", c.id, None)?;
            Ok(c)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<Case> {
        self.0.read(|tx| require(tx, id))
    }

    /// Sets the classification (대상 구분); only at the classification stage.
    pub fn classify(&self, id: Id, classification: CaseClassification) -> CoreResult<Case> {
        self.0.write_synced(|tx, cap| {
            let mut c = require(tx, id)?;
            let before = cap.before(tx, "cases", id)?;
            if c.stage != CaseStage::Classification {
                return Err(CoreError::invalid_transition(
                    "not_at_classification",
                    format!(
                        "대상 구분은 '대상 구분' 단계에서만 할 수 있습니다 (현재: {})",
                        c.stage.label_ko()
                    ),
                    format!(
                        "classification happens at the classification stage (now: {})",
                        c.stage.label_en()
                    ),
                ));
            }
            c.classification = Some(classification);
            save(tx, &c)?;
            cap.upsert(tx, "cases", id, before)?;
            Ok(c)
        })
    }

    /// Moves to the next stage. Leaving classification needs a classification; an excluded household
    /// (사업대상제외) is closed, not advanced; closure goes through [`Cases::close`].
    pub fn advance(&self, id: Id) -> CoreResult<Case> {
        self.0.write_synced(|tx, cap| {
            let mut c = require(tx, id)?;
            let before = cap.before(tx, "cases", id)?;
            not_closed(&c)?;
            if c.stage == CaseStage::Classification {
                match c.classification {
                    None => {
                        return Err(CoreError::invalid_transition(
                            "classification_required",
                            "다음 단계로 가기 전에 대상을 구분하세요",
                            "classify the household before moving on",
                        ))
                    }
                    Some(CaseClassification::Excluded) => {
                        return Err(CoreError::invalid_transition(
                            "excluded_case_must_close",
                            "사업대상제외가구는 종결해야 합니다",
                            "an excluded household's case is closed, not advanced",
                        ))
                    }
                    Some(_) => {}
                }
            }
            match c.stage.next() {
                Some(CaseStage::Closed) | None => {
                    return Err(CoreError::invalid_transition(
                        "use_close",
                        "종결은 종결 사유와 함께 처리하세요",
                        "close a case with a closure reason",
                    ))
                }
                Some(next) => c.stage = next,
            }
            save(tx, &c)?;
            cap.upsert(tx, "cases", id, before)?;
            Ok(c)
        })
    }

    /// Closes a case with a reason. Positive reasons (goals met, improved) need the case to have
    /// reached delivery; circumstantial and institutional ones may close it at any stage.
    pub fn close(&self, id: Id, on: NaiveDate, reason: ClosureReason) -> CoreResult<Case> {
        self.0.write_synced(|tx, cap| {
            let mut c = require(tx, id)?;
            let before = cap.before(tx, "cases", id)?;
            not_closed(&c)?;
            if on < c.opened_on {
                return Err(CoreError::invalid(
                    "closed_before_opened",
                    "case.closed_on",
                    format!("종결일({on})이 접수일({})보다 빠릅니다", c.opened_on),
                    format!(
                        "the closure date ({on}) is before the opening date ({})",
                        c.opened_on
                    ),
                ));
            }
            if reason.category() == ClosureCategory::Positive && c.stage != CaseStage::Delivery {
                return Err(CoreError::invalid_transition(
                    "positive_closure_needs_delivery",
                    "목표 달성 종결은 서비스 제공 단계 이후에만 할 수 있습니다",
                    "a goal-met closure needs the case to have reached delivery",
                ));
            }
            c.stage = CaseStage::Closed;
            c.closed_on = Some(on);
            c.closure_reason = Some(reason);
            save(tx, &c)?;
            cap.upsert(tx, "cases", id, before)?;
            Ok(c)
        })
    }

    /// A household's cases, newest first.
    pub fn of_household(&self, household_id: Id) -> CoreResult<Vec<Case>> {
        self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM cases WHERE household_id = ?1 ORDER BY opened_on DESC, id DESC"
            ))?;
            let rows = st.query_map([household_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
