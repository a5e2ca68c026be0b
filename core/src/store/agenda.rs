//! A worker's agenda for a day: their visits in time order, with what they need at the door.

use chrono::NaiveDate;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::conv::{get_codes, get_id};
use super::Store;
use crate::clock::day_bounds;
use crate::model::{CrisisLevel, GeoPoint, Id, RiskFlag, Role, Visit};
use crate::CoreResult;

pub struct Agenda<'a>(pub(super) &'a Store);

/// A colleague on the same visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Partner {
    pub id: Id,
    pub name: String,
    pub roles: Vec<Role>,
}

/// One visit on the agenda.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AgendaItem {
    pub visit: Visit,
    pub head_name: String,
    pub address: String,
    pub location: Option<GeoPoint>,
    pub crisis_level: CrisisLevel,
    pub risk_flags: Vec<RiskFlag>,
    /// The other workers assigned (2인 1조).
    pub partners: Vec<Partner>,
}

impl Agenda<'_> {
    /// The worker's visits whose window starts on `day` (Korean date), cancelled ones left out,
    /// ordered by start time (then id, so the order is stable).
    pub fn for_worker(&self, worker_id: Id, day: NaiveDate) -> CoreResult<Vec<AgendaItem>> {
        let (start, end) = day_bounds(day);
        self.0.read(|tx| {
            super::workers::require(tx, worker_id)?;
            let mut st = tx.prepare_cached(
                "SELECT v.id, h.head_name, h.address, h.lat, h.lon, h.crisis_level, h.risk_flags
                   FROM visit_workers vw
                   JOIN visits v ON v.id = vw.visit_id
                   JOIN households h ON h.id = v.household_id
                  WHERE vw.worker_id = ?1 AND vw.window_start >= ?2 AND vw.window_start < ?3
                    AND v.status <> 'cancelled'
                  ORDER BY vw.window_start, v.id",
            )?;
            let heads = st
                .query_map(
                    params![worker_id.to_string(), start.timestamp_millis(), end.timestamp_millis()],
                    |r| {
                        let lat: Option<f64> = r.get(3)?;
                        let lon: Option<f64> = r.get(4)?;
                        let level: i64 = r.get(5)?;
                        Ok((
                            get_id(r, 0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
                            level,
                            get_codes::<RiskFlag>(r, 6)?,
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let mut partners_st = tx.prepare_cached(
                "SELECT w.id, w.name, w.roles FROM visit_workers vw JOIN workers w ON w.id = vw.worker_id
                  WHERE vw.visit_id = ?1 AND vw.worker_id <> ?2 ORDER BY w.name, w.id",
            )?;
            let mut items = Vec::with_capacity(heads.len());
            for (visit_id, head_name, address, location, level, risk_flags) in heads {
                let visit = super::visits::require(tx, visit_id)?;
                let partners = partners_st
                    .query_map(params![visit_id.to_string(), worker_id.to_string()], |r| {
                        Ok(Partner {
                            id: get_id(r, 0)?,
                            name: r.get(1)?,
                            roles: get_codes(r, 2)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                items.push(AgendaItem {
                    visit,
                    head_name,
                    address,
                    location,
                    crisis_level: CrisisLevel::new(level)?,
                    risk_flags,
                    partners,
                });
            }
            Ok(items)
        })
    }
}
