//! Wellness checks (안부확인) repository. Append-only: recorded, never edited.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{get_id, get_opt_id, get_time, ms};
use super::Store;
use crate::model::validate::optional_note;
use crate::model::{new_id, ContactMode, Id, WellnessCheck, WellnessChecklist};
use crate::{CoreError, CoreResult};

pub struct WellnessChecks<'a>(pub(super) &'a Store);

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewWellnessCheck {
    pub household_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub visit_id: Option<Id>,
    pub worker_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(name = "checked_at_ms"))]
    pub checked_at: DateTime<Utc>,
    pub contact_mode: ContactMode,
    pub checklist: WellnessChecklist,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub corrects: Option<Id>,
}

pub(crate) const COLUMNS: &str = "id, household_id, visit_id, worker_id, checked_at, contact_mode, meals, health,
     mood, mobility, housing, heating_cooling, loneliness, arrears_signs, cutoff_signs, needs_referral, note, corrects";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WellnessCheck> {
    Ok(WellnessCheck {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        visit_id: get_opt_id(r, 2)?,
        worker_id: get_id(r, 3)?,
        checked_at: get_time(r, 4)?,
        contact_mode: r.get(5)?,
        checklist: WellnessChecklist {
            meals: r.get(6)?,
            health: r.get(7)?,
            mood: r.get(8)?,
            mobility: r.get(9)?,
            housing: r.get(10)?,
            heating_cooling: r.get(11)?,
            loneliness: r.get(12)?,
            arrears_signs: r.get(13)?,
            utility_cutoff_signs: r.get(14)?,
            needs_referral: r.get(15)?,
        },
        note: r.get(16)?,
        corrects: get_opt_id(r, 17)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<WellnessCheck>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM wellness_checks WHERE id = ?1"
        ))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

impl WellnessChecks<'_> {
    /// Records a wellness check. The household, worker, visit (of that household) and the check it
    /// corrects (of that household) must exist. A check counts as contact with the household.
    pub fn record(&self, new: NewWellnessCheck) -> CoreResult<WellnessCheck> {
        let id = new_id();
        self.0.write_synced(|tx, cap| record_in(tx, cap, id, new))
    }

    pub fn get(&self, id: Id) -> CoreResult<WellnessCheck> {
        self.0
            .read(|tx| get(tx, id))?
            .ok_or_else(|| CoreError::not_found("wellness_check", id))
    }
}

pub(crate) fn insert(tx: &Connection, c: &WellnessCheck) -> CoreResult<()> {
    let l = &c.checklist;
    tx.prepare_cached(&format!(
        "INSERT INTO wellness_checks ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))?
    .execute(params![
        c.id.to_string(),
        c.household_id.to_string(),
        c.visit_id.map(|v| v.to_string()),
        c.worker_id.to_string(),
        ms(c.checked_at),
        c.contact_mode,
        l.meals,
        l.health,
        l.mood,
        l.mobility,
        l.housing,
        l.heating_cooling,
        l.loneliness,
        l.arrears_signs,
        l.utility_cutoff_signs,
        l.needs_referral,
        c.note,
        c.corrects.map(|v| v.to_string())
    ])?;
    Ok(())
}

/// Checks and records a wellness check under `id` inside a sync-captured transaction (the rule of
/// [`WellnessChecks::record`], shared with the bulk import).
pub(crate) fn record_in(
    tx: &Connection,
    cap: &mut super::device_sync::capture::Capture,
    id: Id,
    new: NewWellnessCheck,
) -> CoreResult<WellnessCheck> {
    let note = optional_note("wellness.note", new.note.as_deref())?;
    super::households::require(tx, new.household_id)?;
    super::workers::require(tx, new.worker_id)?;
    if let Some(visit_id) = new.visit_id {
        let v = super::visits::require(tx, visit_id)?;
        if v.household_id != new.household_id {
            return Err(CoreError::invalid(
                "visit_of_other_household",
                "wellness.visit_id",
                "다른 가구의 방문입니다",
                "the visit belongs to another household",
            ));
        }
    }
    if let Some(old) = new.corrects {
        let o = get(tx, old)?.ok_or_else(|| CoreError::not_found("wellness_check", old))?;
        if o.household_id != new.household_id {
            return Err(CoreError::invalid(
                "correction_of_other_household",
                "wellness.corrects",
                "다른 가구의 안부확인은 정정할 수 없습니다",
                "a correction must concern the same household",
            ));
        }
    }
    let check = WellnessCheck {
        id,
        household_id: new.household_id,
        visit_id: new.visit_id,
        worker_id: new.worker_id,
        checked_at: new.checked_at,
        contact_mode: new.contact_mode,
        checklist: new.checklist,
        note,
        corrects: new.corrects,
    };
    insert(tx, &check)?;
    cap.append(tx, "wellness_checks", check.id)?;
    super::households::note_contact(tx, check.household_id, check.checked_at)?;
    Ok(check)
}
