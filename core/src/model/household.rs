//! Households (가구): address, location, crisis level (위기도), tags and visitor risk flags.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::{CoreError, CoreResult};

/// 위기도: crisis level 1–5 of Seoul's 5-level classification (위기도 분류표 5단계, 001 §4).
///
/// The seed names the two highest levels, 위기 and 경계, but not the numbering; **our choice**: a higher
/// number is a higher risk, 5 = 위기 (crisis), 4 = 경계 (alert), 3 = 주의 (caution), 2 = 관심 (watch),
/// 1 = 안정 (stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct CrisisLevel(u8);

impl CrisisLevel {
    pub const STABLE: CrisisLevel = CrisisLevel(1);
    pub const WATCH: CrisisLevel = CrisisLevel(2);
    pub const CAUTION: CrisisLevel = CrisisLevel(3);
    /// 경계: monitored at least monthly.
    pub const ALERT: CrisisLevel = CrisisLevel(4);
    /// 위기: monitored at least weekly.
    pub const CRISIS: CrisisLevel = CrisisLevel(5);

    pub fn new(level: i64) -> CoreResult<Self> {
        if (1..=5).contains(&level) {
            Ok(CrisisLevel(level as u8))
        } else {
            Err(CoreError::invalid(
                "crisis_level_out_of_range",
                "household.crisis_level",
                format!("위기도는 1~5 사이여야 합니다 (입력: {level})"),
                format!("crisis level must be between 1 and 5 (got {level})"),
            ))
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn label_ko(self) -> &'static str {
        ["안정", "관심", "주의", "경계", "위기"][self.0 as usize - 1]
    }

    pub fn label_en(self) -> &'static str {
        ["stable", "watch", "caution", "alert", "crisis"][self.0 as usize - 1]
    }
}

impl TryFrom<u8> for CrisisLevel {
    type Error = CoreError;
    fn try_from(v: u8) -> CoreResult<Self> {
        CrisisLevel::new(v as i64)
    }
}

impl From<CrisisLevel> for u8 {
    fn from(c: CrisisLevel) -> u8 {
        c.0
    }
}

crate::code_enum! {
    /// What a household is known for; drives cadence and who visits.
    pub enum HouseholdTag: "household.tags" {
        /// 고독사 위험군.
        LonelyDeathRisk = ("lonely_death_risk", "고독사 위험", "lonely-death risk"),
        /// 1인 가구.
        LivesAlone = ("lives_alone", "1인 가구", "lives alone"),
        /// 장애인 가구.
        Disability = ("disability", "장애", "disability"),
        /// 양육 가구.
        ChildRearing = ("child_rearing", "양육 가구", "child-rearing"),
        /// 출산 가구.
        NewBirth = ("new_birth", "출산 가구", "new birth"),
        /// 노인 가구.
        Elderly = ("elderly", "어르신 가구", "older people"),
        /// 기초생활수급 가구.
        BasicLivelihood = ("basic_livelihood", "기초생활수급", "basic-livelihood recipient"),
        /// 차상위 가구.
        NearPoor = ("near_poor", "차상위", "near-poor"),
        /// 중장년 1인 가구 (만 50세 이상).
        MiddleAgedSingle = ("middle_aged_single", "중장년 1인 가구", "middle-aged single"),
        /// 가정폭력·학대 우려 (소나무 센터).
        DomesticViolenceConcern = ("domestic_violence_concern", "가정폭력·학대 우려", "domestic-violence concern"),
    }
}

crate::code_enum! {
    /// What a visitor must know before going in (방문인력 안전: 안전사정).
    pub enum RiskFlag: "household.risk_flags" {
        /// 폭언·폭력 이력.
        AggressionHistory = ("aggression_history", "폭언·폭력 이력", "history of aggression"),
        /// 개 등 동물.
        Dog = ("dog", "개(동물) 있음", "dog on premises"),
        /// 감염 위험.
        InfectionRisk = ("infection_risk", "감염 위험", "infection risk"),
        /// 정신건강 고위험군 (서비스 미동의자): visit with a 정신건강전문요원 (001 §11).
        MentalHealthHighRiskNoConsent = ("mental_health_high_risk_no_consent", "정신건강 고위험(미동의)", "mental-health high risk, no consent"),
        /// 만 3세 전수조사 거부: visit with police (001 §5).
        ChildSurveyRefused = ("child_survey_refused", "만 3세 전수조사 거부", "age-3 child survey refused"),
        /// 가정폭력 신고 이력: joint visit with police (001 §10).
        DomesticViolenceReported = ("domestic_violence_reported", "가정폭력 신고 이력", "domestic violence reported"),
        /// 알코올 문제.
        Alcohol = ("alcohol", "음주 문제", "alcohol problem"),
        /// 저장강박·위생 불량.
        Hoarding = ("hoarding", "저장강박·위생 불량", "hoarding or poor hygiene"),
    }
}

impl RiskFlag {
    /// The companion role this flag requires on a home visit, if any (domain.md, Two-person visits).
    pub fn required_companion(self) -> Option<super::Role> {
        match self {
            RiskFlag::MentalHealthHighRiskNoConsent => Some(super::Role::MentalHealthOfficer),
            RiskFlag::ChildSurveyRefused | RiskFlag::DomesticViolenceReported => {
                Some(super::Role::PoliceOfficer)
            }
            _ => None,
        }
    }
}

/// A WGS84 point. Validated: latitude in [-90, 90], longitude in [-180, 180] — also when read from
/// JSON, so a synced or imported point is checked like a typed one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(try_from = "RawGeoPoint")]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Deserialize)]
struct RawGeoPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawGeoPoint> for GeoPoint {
    type Error = CoreError;
    fn try_from(r: RawGeoPoint) -> CoreResult<Self> {
        GeoPoint::new(r.lat, r.lon)
    }
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> CoreResult<Self> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(CoreError::invalid(
                "latitude_out_of_range",
                "location.lat",
                format!("위도는 -90~90 사이여야 합니다 (입력: {lat})"),
                format!("latitude must be within -90..90 (got {lat})"),
            ));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(CoreError::invalid(
                "longitude_out_of_range",
                "location.lon",
                format!("경도는 -180~180 사이여야 합니다 (입력: {lon})"),
                format!("longitude must be within -180..180 (got {lon})"),
            ));
        }
        Ok(GeoPoint { lat, lon })
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        const R: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * R * a.sqrt().min(1.0).asin()
    }
}

/// A household (가구) that the 동 team monitors or visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Household {
    pub id: Id,
    /// The 동 (org unit) responsible for the household.
    pub dong_id: Id,
    /// Name of the head of household, as shown in lists (대표자).
    pub head_name: String,
    /// Road-name address (도로명주소) including the unit.
    pub address: String,
    pub location: Option<GeoPoint>,
    pub crisis_level: CrisisLevel,
    pub tags: Vec<HouseholdTag>,
    pub risk_flags: Vec<RiskFlag>,
    pub phone: Option<String>,
    /// Set when the household left monitoring (moved, deceased …); kept for history.
    pub archived: bool,
}
