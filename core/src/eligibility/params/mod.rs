//! Dated parameter tables and the registry that holds them.
//!
//! The built-in tables are the JSON files beside this module, embedded at build time and parsed and
//! validated on first use. A newer table (a city publishing next year's figures) is loaded at run time
//! with [`ParameterRegistry::load_json`]; it passes the same validation and, where it covers a date, it is
//! preferred to the built-in set (the most recently loaded table wins).

pub mod schema;

use std::sync::OnceLock;

use chrono::NaiveDate;

pub use schema::{
    BasicSecurityParams, CareSosParams, CarriedForward, Dated, ElderlyCareParams, EmergencyParams,
    HealthCareParams, MedianRow, NationalEmergencyParams, SafetyIncomeParams, ServiceParams,
};

use crate::eligibility::codes::ProgramCode;
use crate::{CoreError, CoreResult};

/// The built-in tables: (file name, JSON). The median table comes first because program tables refer
/// to its years.
const BUILTIN: &[(&str, &str)] = &[
    ("median_income.json", include_str!("median_income.json")),
    // 서울형 긴급복지: the 2022 seed figures, then 2021 and 2023–2026 in files of their own, so that the
    // 2022 file stays exactly the seed's table.
    (
        "seoul_emergency_welfare_2021.json",
        include_str!("seoul_emergency_welfare_2021.json"),
    ),
    (
        "seoul_emergency_welfare.json",
        include_str!("seoul_emergency_welfare.json"),
    ),
    (
        "seoul_emergency_welfare_2023_2026.json",
        include_str!("seoul_emergency_welfare_2023_2026.json"),
    ),
    (
        "seoul_basic_security.json",
        include_str!("seoul_basic_security.json"),
    ),
    ("care_sos.json", include_str!("care_sos.json")),
    (
        "care_sos_2023_2026.json",
        include_str!("care_sos_2023_2026.json"),
    ),
    (
        "seoul_safety_income.json",
        include_str!("seoul_safety_income.json"),
    ),
    (
        "seoul_safety_income_2023_2025.json",
        include_str!("seoul_safety_income_2023_2025.json"),
    ),
    (
        "visiting_health_care.json",
        include_str!("visiting_health_care.json"),
    ),
    (
        "elderly_basic_care.json",
        include_str!("elderly_basic_care.json"),
    ),
    (
        "national_emergency_welfare.json",
        include_str!("national_emergency_welfare.json"),
    ),
];

/// The code of the median-income table.
pub const MEDIAN_TABLE: &str = "median_income";

/// The code of the national emergency welfare table (긴급복지지원법): not a program the engine answers
/// for on its own, but the screen 서울형 긴급복지 runs first.
pub const NATIONAL_EMERGENCY_TABLE: &str = "national_emergency_welfare";

/// Every parameter set the engine knows: built-in and loaded.
#[derive(Debug, Clone, Default)]
pub struct ParameterRegistry {
    pub(crate) medians: Vec<Dated<MedianRow>>,
    pub(crate) emergency: Vec<Dated<EmergencyParams>>,
    pub(crate) basic_security: Vec<Dated<BasicSecurityParams>>,
    pub(crate) care_sos: Vec<Dated<CareSosParams>>,
    pub(crate) safety_income: Vec<Dated<SafetyIncomeParams>>,
    pub(crate) health_care: Vec<Dated<HealthCareParams>>,
    pub(crate) elderly_care: Vec<Dated<ElderlyCareParams>>,
    pub(crate) national_emergency: Vec<Dated<NationalEmergencyParams>>,
}

/// The set in force on `date`: the last one (loaded tables come after built-in ones) that covers it.
/// Built-in files of one program do not overlap (tested), so among them exactly one covers a day.
fn in_force<V>(sets: &[Dated<V>], date: NaiveDate) -> Option<&Dated<V>> {
    sets.iter().rev().find(|s| s.covers(date))
}

impl ParameterRegistry {
    /// An empty registry (no tables at all); [`ParameterRegistry::with_builtin`] is what callers want.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in tables, parsed and validated once per process.
    pub fn builtin() -> CoreResult<&'static ParameterRegistry> {
        static BUILT: OnceLock<CoreResult<ParameterRegistry>> = OnceLock::new();
        BUILT
            .get_or_init(|| {
                let mut reg = ParameterRegistry::empty();
                for (name, json) in BUILTIN {
                    reg.load_json(json).map_err(|e| CoreError {
                        ko: format!("내장 기준표 {name} 오류: {}", e.ko),
                        en: format!("built-in parameter table {name}: {}", e.en),
                        ..e
                    })?;
                }
                Ok(reg)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A copy of the built-in tables, to which run-time tables can be added.
    pub fn with_builtin() -> CoreResult<ParameterRegistry> {
        Self::builtin().cloned()
    }

    /// Validates a table (the JSON of one file under `params/`) and adds it. Nothing is added if any
    /// part of it is refused.
    pub fn load_json(&mut self, json: &str) -> CoreResult<()> {
        let code = schema::table_code(json)?;
        if code == MEDIAN_TABLE {
            let sets = schema::parse_table::<MedianRow>(json)?;
            self.medians.extend(sets);
            return Ok(());
        }
        if code == NATIONAL_EMERGENCY_TABLE {
            let sets = schema::parse_table::<NationalEmergencyParams>(json)?;
            self.require_median_years(sets.iter().map(|s| s.values.median_year))?;
            self.national_emergency.extend(sets);
            return Ok(());
        }
        let program = ProgramCode::from_code(&code).ok_or_else(|| {
            CoreError::invalid(
                "param_unknown_table",
                "table",
                format!("알 수 없는 기준표입니다: {code:?}"),
                format!("unknown parameter table: {code:?}"),
            )
        })?;
        match program {
            ProgramCode::SeoulEmergencyWelfare => {
                let sets = schema::parse_table::<EmergencyParams>(json)?;
                self.require_median_years(sets.iter().map(|s| s.values.median_year))?;
                self.emergency.extend(sets);
            }
            ProgramCode::SeoulBasicSecurity => {
                let sets = schema::parse_table::<BasicSecurityParams>(json)?;
                self.require_median_years(
                    sets.iter().flat_map(|s| {
                        [s.values.selection_median_year, s.values.benefit_median_year]
                    }),
                )?;
                self.basic_security.extend(sets);
            }
            ProgramCode::CareSos => {
                let sets = schema::parse_table::<CareSosParams>(json)?;
                self.require_median_years(sets.iter().map(|s| s.values.median_year))?;
                self.care_sos.extend(sets);
            }
            ProgramCode::SeoulSafetyIncome => {
                let sets = schema::parse_table::<SafetyIncomeParams>(json)?;
                self.require_median_years(sets.iter().map(|s| s.values.median_year))?;
                self.safety_income.extend(sets);
            }
            ProgramCode::VisitingHealthCare => {
                let sets = schema::parse_table::<HealthCareParams>(json)?;
                self.health_care.extend(sets);
            }
            ProgramCode::ElderlyBasicCare => {
                let sets = schema::parse_table::<ElderlyCareParams>(json)?;
                self.elderly_care.extend(sets);
            }
        }
        Ok(())
    }

    fn require_median_years(&self, years: impl Iterator<Item = i32>) -> CoreResult<()> {
        for year in years {
            if self.median(year).is_none() {
                return Err(CoreError::invalid(
                    "param_median_year_missing",
                    "sets",
                    format!("{year}년 기준 중위소득 표가 없습니다: 중위소득 표를 먼저 불러오세요"),
                    format!("no median-income row for {year}: load the median_income table first"),
                ));
            }
        }
        Ok(())
    }

    /// The 기준 중위소득 row of `year` (a loaded row replaces a built-in one of the same year).
    pub fn median(&self, year: i32) -> Option<&Dated<MedianRow>> {
        self.medians.iter().rev().find(|m| m.values.year == year)
    }

    /// Whether a parameter set of `program` is in force on `date`.
    pub fn covers(&self, program: ProgramCode, date: NaiveDate) -> bool {
        match program {
            ProgramCode::SeoulEmergencyWelfare => self.emergency_on(date).is_some(),
            ProgramCode::SeoulBasicSecurity => self.basic_security_on(date).is_some(),
            ProgramCode::CareSos => self.care_sos_on(date).is_some(),
            ProgramCode::SeoulSafetyIncome => self.safety_income_on(date).is_some(),
            ProgramCode::VisitingHealthCare => self.health_care_on(date).is_some(),
            ProgramCode::ElderlyBasicCare => self.elderly_care_on(date).is_some(),
        }
    }

    pub fn emergency_on(&self, date: NaiveDate) -> Option<&Dated<EmergencyParams>> {
        in_force(&self.emergency, date)
    }
    pub fn basic_security_on(&self, date: NaiveDate) -> Option<&Dated<BasicSecurityParams>> {
        in_force(&self.basic_security, date)
    }
    pub fn care_sos_on(&self, date: NaiveDate) -> Option<&Dated<CareSosParams>> {
        in_force(&self.care_sos, date)
    }
    pub fn safety_income_on(&self, date: NaiveDate) -> Option<&Dated<SafetyIncomeParams>> {
        in_force(&self.safety_income, date)
    }
    pub fn health_care_on(&self, date: NaiveDate) -> Option<&Dated<HealthCareParams>> {
        in_force(&self.health_care, date)
    }
    pub fn elderly_care_on(&self, date: NaiveDate) -> Option<&Dated<ElderlyCareParams>> {
        in_force(&self.elderly_care, date)
    }
    pub fn national_emergency_on(
        &self,
        date: NaiveDate,
    ) -> Option<&Dated<NationalEmergencyParams>> {
        in_force(&self.national_emergency, date)
    }
}
