//! Case notes (상담 기록) repository. Append-only.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{get_id, get_opt_id, get_time, ms};
use super::Store;
use crate::model::validate::required_note;
use crate::model::{new_id, CaseNote, Id};
use crate::{CoreError, CoreResult};

pub struct CaseNotes<'a>(pub(super) &'a Store);

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewCaseNote {
    pub household_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub case_id: Option<Id>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub visit_id: Option<Id>,
    pub author_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(name = "written_at_ms"))]
    pub written_at: DateTime<Utc>,
    pub body: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub corrects: Option<Id>,
}

pub(crate) const COLUMNS: &str =
    "id, household_id, case_id, visit_id, author_id, written_at, body, corrects";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseNote> {
    Ok(CaseNote {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        case_id: get_opt_id(r, 2)?,
        visit_id: get_opt_id(r, 3)?,
        author_id: get_id(r, 4)?,
        written_at: get_time(r, 5)?,
        body: r.get(6)?,
        corrects: get_opt_id(r, 7)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<CaseNote>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM case_notes WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

fn same_household(field: &str, found: Id, expected: Id) -> CoreResult<()> {
    if found == expected {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "other_household",
            field,
            format!("{field}: 다른 가구의 기록입니다"),
            format!("{field}: belongs to another household"),
        ))
    }
}

impl CaseNotes<'_> {
    pub fn add(&self, new: NewCaseNote) -> CoreResult<CaseNote> {
        let body = required_note("note.body", &new.body)?;
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, new.household_id)?;
            super::workers::require(tx, new.author_id)?;
            if let Some(id) = new.case_id {
                let c = super::cases::require(tx, id)?;
                same_household("note.case_id", c.household_id, new.household_id)?;
            }
            if let Some(id) = new.visit_id {
                let v = super::visits::require(tx, id)?;
                same_household("note.visit_id", v.household_id, new.household_id)?;
            }
            if let Some(id) = new.corrects {
                let n = get(tx, id)?.ok_or_else(|| CoreError::not_found("note", id))?;
                same_household("note.corrects", n.household_id, new.household_id)?;
            }
            let note = CaseNote {
                id: new_id(),
                household_id: new.household_id,
                case_id: new.case_id,
                visit_id: new.visit_id,
                author_id: new.author_id,
                written_at: new.written_at,
                body,
                corrects: new.corrects,
            };
            tx.prepare_cached(&format!(
                "INSERT INTO case_notes ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))?
            .execute(params![
                note.id.to_string(),
                note.household_id.to_string(),
                note.case_id.map(|v| v.to_string()),
                note.visit_id.map(|v| v.to_string()),
                note.author_id.to_string(),
                ms(note.written_at),
                note.body,
                note.corrects.map(|v| v.to_string())
            ])?;
            cap.append(tx, "case_notes", note.id)?;
            Ok(note)
        })
    }
}
