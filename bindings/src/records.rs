//! The few records whose shape on the boundary differs from the core's. Every other record and enum
//! crosses as the core's own type (`donghaeng_core::ffi`: ids as text, days as `"YYYY-MM-DD"`,
//! instants as `i64` milliseconds in fields named `…_ms`).
//!
//! What is left here, and why: a new household's location as a point (the core takes a pair), a
//! household update's "clear this field" (the core's `Option<Option<…>>` has no uniffi form),
//! monitoring intervals as named fields (the core keeps an array by level), a service record with
//! its emergency-support reason (the core takes it beside the record), a history entry (the core's
//! variants share their records' names, which would hide them in Kotlin and Swift) and counts that
//! the core keeps as `usize`.

use chrono::{DateTime, Utc};
use donghaeng_core::model as m;
use donghaeng_core::store as s;
use uuid::Uuid;

use crate::error::{invalid, FfiResult};

/// A new household. The core checks the crisis level (1–5) and the location.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewHousehold {
    pub dong_id: Uuid,
    pub head_name: String,
    pub address: String,
    /// Checked by the core (1–5).
    pub crisis_level: i64,
    #[uniffi(default)]
    pub location: Option<m::GeoPoint>,
    #[uniffi(default)]
    pub tags: Vec<m::HouseholdTag>,
    #[uniffi(default)]
    pub risk_flags: Vec<m::RiskFlag>,
    #[uniffi(default)]
    pub phone: Option<String>,
}

impl From<NewHousehold> for s::households::NewHousehold {
    fn from(h: NewHousehold) -> Self {
        s::households::NewHousehold {
            dong_id: h.dong_id,
            head_name: h.head_name,
            address: h.address,
            location: h.location.map(|p| (p.lat, p.lon)),
            crisis_level: h.crisis_level,
            tags: h.tags,
            risk_flags: h.risk_flags,
            phone: h.phone,
        }
    }
}

/// A change to a household: a `null` field is left as it is. To remove the location or the phone, set
/// `clear_location` / `clear_phone` (and leave the value `null`).
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct HouseholdUpdate {
    #[uniffi(default)]
    pub head_name: Option<String>,
    #[uniffi(default)]
    pub address: Option<String>,
    #[uniffi(default)]
    pub location: Option<m::GeoPoint>,
    #[uniffi(default)]
    pub clear_location: bool,
    #[uniffi(default)]
    pub crisis_level: Option<i64>,
    #[uniffi(default)]
    pub tags: Option<Vec<m::HouseholdTag>>,
    #[uniffi(default)]
    pub risk_flags: Option<Vec<m::RiskFlag>>,
    #[uniffi(default)]
    pub phone: Option<String>,
    #[uniffi(default)]
    pub clear_phone: bool,
    #[uniffi(default)]
    pub archived: Option<bool>,
}

/// `Some(v)` sets, `clear` removes, neither leaves the field; both is an error naming the field.
fn set_or_clear<T>(field: &str, value: Option<T>, clear: bool) -> FfiResult<Option<Option<T>>> {
    match (value, clear) {
        (Some(_), true) => Err(invalid(
            "value_and_clear",
            field,
            format!("{field}: 값과 삭제를 함께 지정할 수 없습니다"),
            format!("{field}: give a value or clear it, not both"),
        )),
        (Some(v), false) => Ok(Some(Some(v))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

impl HouseholdUpdate {
    pub fn into_core(self) -> FfiResult<s::households::HouseholdUpdate> {
        let location = self.location.map(|p| (p.lat, p.lon));
        Ok(s::households::HouseholdUpdate {
            location: set_or_clear("household.location", location, self.clear_location)?,
            phone: set_or_clear("household.phone", self.phone, self.clear_phone)?,
            head_name: self.head_name,
            address: self.address,
            crisis_level: self.crisis_level,
            tags: self.tags,
            risk_flags: self.risk_flags,
            archived: self.archived,
        })
    }
}

/// Days between monitoring contacts by crisis level; the defaults are the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct MonitoringIntervals {
    #[uniffi(default = 365)]
    pub stable_days: u32,
    #[uniffi(default = 182)]
    pub watch_days: u32,
    #[uniffi(default = 91)]
    pub caution_days: u32,
    #[uniffi(default = 30)]
    pub alert_days: u32,
    #[uniffi(default = 7)]
    pub crisis_days: u32,
}

/// The largest monitoring interval or horizon passed on (ten years): the core adds them to dates, and
/// a date past the calendar's end would abort the call.
pub const MAX_DAYS: u32 = 3660;

pub fn check_days(field: &str, days: u32) -> FfiResult<u32> {
    if days > MAX_DAYS {
        return Err(invalid(
            "days_out_of_range",
            field,
            format!("{field}: 최대 {MAX_DAYS}일입니다 (입력: {days})"),
            format!("{field}: at most {MAX_DAYS} days (got {days})"),
        ));
    }
    Ok(days)
}

impl MonitoringIntervals {
    pub fn into_core(self) -> FfiResult<s::households::MonitoringIntervals> {
        Ok(s::households::MonitoringIntervals([
            check_days("intervals.stable_days", self.stable_days)?,
            check_days("intervals.watch_days", self.watch_days)?,
            check_days("intervals.caution_days", self.caution_days)?,
            check_days("intervals.alert_days", self.alert_days)?,
            check_days("intervals.crisis_days", self.crisis_days)?,
        ]))
    }
}

/// The Korean and English labels of a value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    pub ko: String,
    pub en: String,
}

/// A household registered with its members.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdWithMembers {
    pub household: m::Household,
    pub members: Vec<m::Person>,
}

/// A service to record. Which of `quantity` and `amount_won` an item takes: `service_item_info`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewServiceProvision {
    pub household_id: Uuid,
    pub item: m::ServiceItem,
    pub provided_on: chrono::NaiveDate,
    pub recorded_by: Uuid,
    #[uniffi(default)]
    pub quantity: Option<i64>,
    #[uniffi(default)]
    pub amount_won: Option<i64>,
    #[uniffi(default)]
    pub case_id: Option<Uuid>,
    #[uniffi(default)]
    pub note: Option<String>,
    /// The earlier record of the same household this one corrects.
    #[uniffi(default)]
    pub corrects: Option<Uuid>,
    /// 서울형 긴급복지 items: the crisis reason the support is paid for (what the repeat-support
    /// rules of `evaluate_household` read).
    #[uniffi(default)]
    pub crisis_reason: Option<m::CrisisReason>,
    /// 서울형 긴급복지 items, with `crisis_reason`: new support (the default) or an extra payment
    /// in the same episode (추가지원).
    #[uniffi(default)]
    pub support_kind: Option<m::SupportKind>,
}

impl NewServiceProvision {
    /// The core's new record and, for an emergency support item, what it was paid for.
    pub fn into_core(
        self,
    ) -> FfiResult<(
        s::services::NewServiceProvision,
        Option<m::EmergencySupport>,
    )> {
        let emergency = match (self.crisis_reason, self.support_kind) {
            (Some(crisis_reason), kind) => Some(m::EmergencySupport {
                crisis_reason,
                support_kind: kind.unwrap_or(m::SupportKind::New),
            }),
            (None, Some(_)) => {
                return Err(invalid(
                    "crisis_reason_required",
                    "service.crisis_reason",
                    "지원 종류(신규·재지원/추가지원)를 기록하려면 위기사유도 입력하세요".to_owned(),
                    "a support kind (new or extra) needs the crisis reason too".to_owned(),
                ))
            }
            (None, None) => None,
        };
        let new = s::services::NewServiceProvision {
            household_id: self.household_id,
            case_id: self.case_id,
            item: self.item,
            provided_on: self.provided_on,
            quantity: self.quantity,
            amount_won: self.amount_won,
            recorded_by: self.recorded_by,
            note: self.note,
            corrects: self.corrects,
        };
        Ok((new, emergency))
    }
}

/// One entry of a household's history. (Variants are not named `Visit`, `WellnessCheck`, `CaseNote`:
/// in Kotlin and Swift a nested type of that name would hide the record of the same name.)
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HistoryEntry {
    VisitEntry {
        visit: m::Visit,
    },
    WellnessEntry {
        check: m::WellnessCheck,
    },
    NoteEntry {
        note: m::CaseNote,
    },
    /// A service provided, as recorded (corrections and voids included).
    ServiceEntry {
        service: m::ServiceProvision,
    },
}

impl From<s::history::HistoryEntry> for HistoryEntry {
    fn from(e: s::history::HistoryEntry) -> Self {
        use s::history::HistoryEntry as E;
        match e {
            E::Visit(visit) => HistoryEntry::VisitEntry { visit },
            E::Wellness(check) => HistoryEntry::WellnessEntry { check },
            E::Note(note) => HistoryEntry::NoteEntry { note },
            E::Service(service) => HistoryEntry::ServiceEntry { service },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryItem {
    /// The time the entry is sorted by.
    pub at_ms: DateTime<Utc>,
    pub entry: HistoryEntry,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryPage {
    pub entries: Vec<HistoryItem>,
    /// Null on the last page; pass it back as it came.
    pub next: Option<s::history::HistoryCursor>,
}

impl From<s::history::HistoryPage> for HistoryPage {
    fn from(p: s::history::HistoryPage) -> Self {
        HistoryPage {
            entries: p
                .entries
                .into_iter()
                .map(|(at_ms, e)| HistoryItem {
                    at_ms,
                    entry: e.into(),
                })
                .collect(),
            next: p.next,
        }
    }
}

/// What `generate_synthetic_dong` made.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyntheticDong {
    pub city: m::OrgUnit,
    pub district: m::OrgUnit,
    pub dong: m::OrgUnit,
    pub teams: Vec<m::OrgUnit>,
    pub workers: Vec<m::Worker>,
    pub household_ids: Vec<Uuid>,
    pub visits: u64,
    pub wellness_checks: u64,
    pub persons: u64,
}

impl From<donghaeng_core::synthetic::SyntheticDong> for SyntheticDong {
    fn from(d: donghaeng_core::synthetic::SyntheticDong) -> Self {
        SyntheticDong {
            city: d.city,
            district: d.district,
            dong: d.dong,
            teams: d.teams,
            workers: d.workers,
            household_ids: d.household_ids,
            visits: d.visits as u64,
            wellness_checks: d.wellness_checks as u64,
            persons: d.persons as u64,
        }
    }
}
