//! A household's history: visits, wellness checks, notes and services provided, newest first, in
//! pages.
//!
//! Keyset paging (the cursor is the last entry's time and id), so a page costs the same at the start and
//! deep in a long history, and entries synced in meanwhile never shift or repeat a page.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::conv::{from_ms, get_id, ms};
use super::Store;
use crate::model::{CaseNote, Id, ServiceProvision, Visit, WellnessCheck};
use crate::{CoreError, CoreResult};

pub struct History<'a>(pub(super) &'a Store);

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEntry {
    Visit(Visit),
    Wellness(WellnessCheck),
    Note(CaseNote),
    /// Every record as written, corrections and voids included (`corrects`, `voided` say which):
    /// the history shows what happened; `Store::services().for_household` gives what counts.
    Service(ServiceProvision),
}

impl HistoryEntry {
    /// The id of the record the entry shows.
    pub fn id(&self) -> Id {
        match self {
            HistoryEntry::Visit(v) => v.id,
            HistoryEntry::Wellness(w) => w.id,
            HistoryEntry::Note(n) => n.id,
            HistoryEntry::Service(p) => p.id,
        }
    }
}

/// Where the next page starts: strictly older than this (time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryCursor {
    #[cfg_attr(feature = "uniffi", uniffi(name = "at_ms"))]
    pub at: DateTime<Utc>,
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// Each entry with the time it is sorted by (a visit: completed, else started, else planned start;
    /// a service: the start of its day in Korea).
    pub entries: Vec<(DateTime<Utc>, HistoryEntry)>,
    /// `None` on the last page.
    pub next: Option<HistoryCursor>,
}

impl History<'_> {
    /// One page of at most `limit` (1–100) entries, older than `after` if given.
    pub fn page(
        &self,
        household_id: Id,
        after: Option<HistoryCursor>,
        limit: u32,
    ) -> CoreResult<HistoryPage> {
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(CoreError::invalid(
                "page_size_out_of_range",
                "history.limit",
                format!("한 번에 1~{MAX_PAGE_SIZE}건까지 볼 수 있습니다 (입력: {limit})"),
                format!("page size must be 1..={MAX_PAGE_SIZE} (got {limit})"),
            ));
        }
        self.0.read(|tx| {
            super::households::require(tx, household_id)?;
            let mut st = tx.prepare_cached(
                "SELECT kind, id, at FROM (
                     SELECT 'visit' AS kind, id, COALESCE(completed_at, started_at, window_start) AS at
                       FROM visits WHERE household_id = ?1
                     UNION ALL
                     SELECT 'wellness', id, checked_at FROM wellness_checks WHERE household_id = ?1
                     UNION ALL
                     SELECT 'note', id, written_at FROM case_notes WHERE household_id = ?1
                     UNION ALL
                     -- Midnight KST of the day provided, in ms (julianday 2440587.5 = the epoch;
                     -- ?5 is KST's offset from crate::clock, the one place it is written).
                     SELECT 'service', id,
                            CAST(round((julianday(provided_on) - 2440587.5) * 86400000) AS INTEGER) - ?5
                       FROM service_provisions WHERE household_id = ?1)
                  WHERE ?2 IS NULL OR at < ?2 OR (at = ?2 AND id < ?3)
                  ORDER BY at DESC, id DESC LIMIT ?4",
            )?;
            let rows = st
                .query_map(
                    params![
                        household_id.to_string(),
                        after.map(|c| ms(c.at)),
                        after.map(|c| c.id.to_string()),
                        limit + 1,
                        i64::from(crate::clock::kst().local_minus_utc()) * 1000
                    ],
                    |r| Ok((r.get::<_, String>(0)?, get_id(r, 1)?, r.get::<_, i64>(2)?)),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let more = rows.len() > limit as usize;
            let mut entries = Vec::with_capacity(limit as usize);
            for (kind, id, at) in rows.into_iter().take(limit as usize) {
                let entry = match kind.as_str() {
                    "visit" => HistoryEntry::Visit(super::visits::require(tx, id)?),
                    "wellness" => HistoryEntry::Wellness(
                        super::wellness::get(tx, id)?.ok_or_else(|| CoreError::not_found("wellness_check", id))?,
                    ),
                    "service" => HistoryEntry::Service(super::services::get(tx, id)?.ok_or_else(
                        || CoreError::not_found("service_provision", id),
                    )?),
                    _ => HistoryEntry::Note(
                        super::notes::get(tx, id)?.ok_or_else(|| CoreError::not_found("note", id))?,
                    ),
                };
                entries.push((from_ms(at), entry));
            }
            let next = if more {
                entries.last().map(|(at, e)| HistoryCursor {
                    at: *at,
                    id: e.id(),
                })
            } else {
                None
            };
            Ok(HistoryPage { entries, next })
        })
    }
}
