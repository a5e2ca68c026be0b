//! Households repository: create, update, search by a fragment of a Korean name or address, and the
//! households due or overdue for monitoring.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::conv::{canonical, codes, get_codes, get_id, get_opt_time};
use super::Store;
use crate::clock::local_date;
use crate::model::validate::{optional_phone, required_text, ADDRESS_MAX_CHARS, NAME_MAX_CHARS};
use crate::model::{
    new_id, CrisisLevel, GeoPoint, Household, HouseholdTag, Id, OrgUnitKind, RiskFlag,
};
use crate::{CoreError, CoreResult};

pub struct Households<'a>(pub(super) &'a Store);

/// What is needed to register a household. `crisis_level` is checked (1–5), `location` too.
#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub dong_id: Id,
    pub head_name: String,
    pub address: String,
    /// (latitude, longitude), WGS84.
    pub location: Option<(f64, f64)>,
    pub crisis_level: i64,
    pub tags: Vec<HouseholdTag>,
    pub risk_flags: Vec<RiskFlag>,
    pub phone: Option<String>,
}

/// A change to a household; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct HouseholdUpdate {
    pub head_name: Option<String>,
    pub address: Option<String>,
    pub location: Option<Option<(f64, f64)>>,
    pub crisis_level: Option<i64>,
    pub tags: Option<Vec<HouseholdTag>>,
    pub risk_flags: Option<Vec<RiskFlag>>,
    pub phone: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// A household found by search or listed as due, with what a list row shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HouseholdSummary {
    pub household: Household,
    #[cfg_attr(feature = "uniffi", uniffi(name = "last_contact_at_ms"))]
    pub last_contact_at: Option<DateTime<Utc>>,
}

/// A household due or overdue for monitoring (모니터링 도래).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MonitoringDue {
    pub household: Household,
    #[cfg_attr(feature = "uniffi", uniffi(name = "last_contact_at_ms"))]
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Last contact + the interval of its crisis level; today if never contacted.
    pub due_on: NaiveDate,
    /// Days past due (0 = due today).
    pub days_overdue: i64,
}

/// Days between monitoring contacts, by crisis level 1..=5.
///
/// 위기 (5) weekly and 경계 (4) monthly are the seed's minimums (001 §4); the lower levels are **our
/// choice, configurable per district** (domain.md): quarterly, half-yearly, yearly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringIntervals(pub [u32; 5]);

impl Default for MonitoringIntervals {
    fn default() -> Self {
        // One source for the intervals: the district cadence defaults of the scheduler.
        MonitoringIntervals(crate::schedule::CadenceConfig::default().crisis_interval_days)
    }
}

impl MonitoringIntervals {
    pub fn days(&self, level: CrisisLevel) -> u32 {
        self.0[level.value() as usize - 1]
    }

    /// The day monitoring falls due: the last contact's day plus the level's interval; a household
    /// never contacted is due `today`. Past the end of the calendar means "not due in any horizon
    /// we can ask for". One rule for the phone's list and the dashboard's.
    pub fn due_on(
        &self,
        level: CrisisLevel,
        last_contact: Option<NaiveDate>,
        today: NaiveDate,
    ) -> NaiveDate {
        match last_contact {
            Some(d) => d
                .checked_add_days(Days::new(u64::from(self.days(level))))
                .unwrap_or(NaiveDate::MAX),
            None => today,
        }
    }
}

pub(crate) const COLUMNS: &str =
    "id, dong_id, head_name, address, lat, lon, crisis_level, tags, risk_flags, phone, archived, last_contact_at";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HouseholdSummary> {
    let lat: Option<f64> = r.get(4)?;
    let lon: Option<f64> = r.get(5)?;
    let level: i64 = r.get(6)?;
    Ok(HouseholdSummary {
        household: Household {
            id: get_id(r, 0)?,
            dong_id: get_id(r, 1)?,
            head_name: r.get(2)?,
            address: r.get(3)?,
            location: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            crisis_level: CrisisLevel::new(level).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Integer,
                    e.en.into(),
                )
            })?,
            tags: get_codes(r, 7)?,
            risk_flags: get_codes(r, 8)?,
            phone: r.get(9)?,
            archived: r.get(10)?,
        },
        last_contact_at: get_opt_time(r, 11)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<HouseholdSummary>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM households WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

pub(crate) fn require(conn: &Connection, id: Id) -> CoreResult<Household> {
    Ok(get(conn, id)?
        .ok_or_else(|| CoreError::not_found("household", id))?
        .household)
}

fn location(v: Option<(f64, f64)>) -> CoreResult<Option<GeoPoint>> {
    v.map(|(lat, lon)| GeoPoint::new(lat, lon)).transpose()
}

/// Rebuilds the search text (head's name, address, members' names) of one household.
pub(crate) fn refresh_search_text(conn: &Connection, id: Id) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE households SET search_text = head_name || ' ' || address || ' ' ||
             COALESCE((SELECT group_concat(name, ' ') FROM persons p WHERE p.household_id = households.id), '')
         WHERE id = ?1",
    )?
    .execute([id.to_string()])?;
    Ok(())
}

/// Moves a household's last contact forward to `at` (never backward: late syncs can bring older ones).
pub(crate) fn note_contact(conn: &Connection, id: Id, at: DateTime<Utc>) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE households SET last_contact_at = max(COALESCE(last_contact_at, ?2), ?2) WHERE id = ?1",
    )?
    .execute(params![id.to_string(), at.timestamp_millis()])?;
    Ok(())
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
fn like_pattern(fragment: &str) -> String {
    let mut p = String::with_capacity(fragment.len() + 2);
    p.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Upper bound of a search's result list.
pub const SEARCH_MAX_RESULTS: u32 = 200;

impl Households<'_> {
    pub fn create(&self, new: NewHousehold) -> CoreResult<Household> {
        Ok(self.create_with_members(new, Vec::new())?.0)
    }

    /// Registers a household and its members in one transaction (intake): all of it or nothing.
    pub fn create_with_members(
        &self,
        new: NewHousehold,
        members: Vec<super::persons::NewMember>,
    ) -> CoreResult<(Household, Vec<crate::model::Person>)> {
        let household = validate(new)?;
        let persons = members
            .into_iter()
            .map(|m| super::persons::validate(self.0, household.id, m))
            .collect::<CoreResult<Vec<_>>>()?;
        self.0.write_synced(|tx, cap| {
            super::org::require(
                tx,
                household.dong_id,
                OrgUnitKind::Dong,
                "household.dong_id",
            )?;
            insert(tx, &household)?;
            cap.upsert(tx, "households", household.id, None)?;
            for p in &persons {
                super::persons::insert(tx, p)?;
                cap.upsert(tx, "persons", p.id, None)?;
            }
            refresh_search_text(tx, household.id)?;
            Ok((household, persons))
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<HouseholdSummary> {
        self.0
            .read(|tx| get(tx, id))?
            .ok_or_else(|| CoreError::not_found("household", id))
    }

    /// Applies `update`; every field is validated before anything is written.
    pub fn update(&self, id: Id, update: HouseholdUpdate) -> CoreResult<Household> {
        let head_name = update
            .head_name
            .map(|v| required_text("household.head_name", &v, NAME_MAX_CHARS))
            .transpose()?;
        let address = update
            .address
            .map(|v| required_text("household.address", &v, ADDRESS_MAX_CHARS))
            .transpose()?;
        let loc = update.location.map(location).transpose()?;
        let level = update.crisis_level.map(CrisisLevel::new).transpose()?;
        let phone = update
            .phone
            .map(|p| optional_phone("household.phone", p.as_deref()))
            .transpose()?;
        self.0.write_synced(|tx, cap| {
            let mut h = require(tx, id)?;
            let before = cap.before(tx, "households", id)?;
            if let Some(v) = head_name {
                h.head_name = v;
            }
            if let Some(v) = address {
                h.address = v;
            }
            if let Some(v) = loc {
                h.location = v;
            }
            if let Some(v) = level {
                h.crisis_level = v;
            }
            if let Some(v) = update.tags {
                h.tags = canonical(&v);
            }
            if let Some(v) = update.risk_flags {
                h.risk_flags = canonical(&v);
            }
            if let Some(v) = phone {
                h.phone = v;
            }
            if let Some(v) = update.archived {
                h.archived = v;
            }
            tx.execute(
                "UPDATE households SET head_name = ?2, address = ?3, lat = ?4, lon = ?5, crisis_level = ?6,
                     tags = ?7, risk_flags = ?8, phone = ?9, archived = ?10 WHERE id = ?1",
                params![
                    h.id.to_string(),
                    h.head_name,
                    h.address,
                    h.location.map(|l| l.lat),
                    h.location.map(|l| l.lon),
                    h.crisis_level.value(),
                    codes(&h.tags),
                    codes(&h.risk_flags),
                    h.phone,
                    h.archived
                ],
            )?;
            cap.upsert(tx, "households", h.id, before)?;
            refresh_search_text(tx, h.id)?;
            Ok(h)
        })
    }

    /// Households of a 동 whose head's name, members' names or address contain `fragment`
    /// (e.g. "김", "역삼"), archived ones last, then by name. At most `limit` (≤ 200) results.
    pub fn search(
        &self,
        dong_id: Id,
        fragment: &str,
        limit: u32,
    ) -> CoreResult<Vec<HouseholdSummary>> {
        let fragment = fragment.trim();
        if fragment.is_empty() {
            return Ok(Vec::new());
        }
        if fragment.chars().count() > NAME_MAX_CHARS {
            return Err(CoreError::invalid(
                "too_long",
                "search.query",
                format!("검색어는 최대 {NAME_MAX_CHARS}자입니다"),
                format!("a search is at most {NAME_MAX_CHARS} characters"),
            ));
        }
        let limit = limit.clamp(1, SEARCH_MAX_RESULTS);
        self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM households
                  WHERE dong_id = ?1 AND search_text LIKE ?2 ESCAPE '\\'
                  ORDER BY archived, head_name, id LIMIT ?3"
            ))?;
            let rows = st.query_map(
                params![dong_id.to_string(), like_pattern(fragment), limit],
                from_row,
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Households of a 동 due for monitoring on or before `today + horizon_days`, most overdue first,
    /// then highest crisis level. Archived households are left out.
    pub fn due_for_monitoring(
        &self,
        dong_id: Id,
        today: NaiveDate,
        horizon_days: u32,
        intervals: MonitoringIntervals,
    ) -> CoreResult<Vec<MonitoringDue>> {
        let horizon = today
            .checked_add_days(Days::new(horizon_days as u64))
            .ok_or_else(|| {
                CoreError::invalid(
                    "horizon_out_of_range",
                    "monitoring.horizon_days",
                    format!("조회 기간이 너무 깁니다 ({horizon_days}일)"),
                    format!("the horizon is too long ({horizon_days} days)"),
                )
            })?;
        let all = self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM households WHERE dong_id = ?1 AND archived = 0"
            ))?;
            let rows = st.query_map([dong_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let mut due: Vec<MonitoringDue> = all
            .into_iter()
            .filter_map(|s| {
                let due_on = intervals.due_on(
                    s.household.crisis_level,
                    s.last_contact_at.map(local_date),
                    today,
                );
                (due_on <= horizon).then(|| MonitoringDue {
                    days_overdue: (today - due_on).num_days(),
                    due_on,
                    last_contact_at: s.last_contact_at,
                    household: s.household,
                })
            })
            .collect();
        due.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then(b.household.crisis_level.cmp(&a.household.crisis_level))
                .then(a.household.id.cmp(&b.household.id))
        });
        Ok(due)
    }
}

pub(crate) fn validate(new: NewHousehold) -> CoreResult<Household> {
    Ok(Household {
        id: new_id(),
        dong_id: new.dong_id,
        head_name: required_text("household.head_name", &new.head_name, NAME_MAX_CHARS)?,
        address: required_text("household.address", &new.address, ADDRESS_MAX_CHARS)?,
        location: location(new.location)?,
        crisis_level: CrisisLevel::new(new.crisis_level)?,
        tags: canonical(&new.tags),
        risk_flags: canonical(&new.risk_flags),
        phone: optional_phone("household.phone", new.phone.as_deref())?,
        archived: false,
    })
}

pub(crate) fn insert(tx: &Connection, h: &Household) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO households (id, dong_id, head_name, address, lat, lon, crisis_level, tags, risk_flags,
             phone, archived, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?3 || ' ' || ?4)",
    )?
    .execute(params![
        h.id.to_string(),
        h.dong_id.to_string(),
        h.head_name,
        h.address,
        h.location.map(|l| l.lat),
        h.location.map(|l| l.lon),
        h.crisis_level.value(),
        codes(&h.tags),
        codes(&h.risk_flags),
        h.phone,
        h.archived
    ])?;
    Ok(())
}
