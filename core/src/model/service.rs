//! Services provided (서비스 제공 기록): a 돌봄SOS service delivered to a household, or a 서울형
//! 긴급복지 support item paid to it. These are the records behind two figures Seoul asks of every 동
//! (`domain.md` "Figures the programs report"): *돌봄SOS services delivered by type* and *emergency
//! support by item (households, amount)*.
//!
//! Append-only like wellness checks: a record is never edited. A mistake is mended by a new record
//! that `corrects` the old one (or voids it); see [`current`] for which record of a chain counts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Id;
use crate::eligibility::codes::{CareService, CrisisReason, SupportItem, SupportKind};

crate::code_enum! {
    /// What was provided. One code list for both programs (every code is distinct), so a record
    /// needs a single field and can never name an item of one program under the other.
    ///
    /// 돌봄SOS (001 §9): 5 paid services (수가 서비스, the codes of [`CareService`]) and 5 linked
    /// services (연계 서비스). 서울형 긴급복지 (001 §7 ④): the support items of [`SupportItem`].
    pub enum ServiceItem: "service.item" {
        // 돌봄SOS, paid.
        TemporaryHomeCare = ("temporary_home_care", "일시재가", "temporary home care"),
        ShortStay = ("short_stay", "단기시설", "short stay"),
        Escort = ("escort", "동행지원", "escort"),
        HousingHelp = ("housing_help", "주거편의", "housing help"),
        Meals = ("meals", "식사지원", "meals"),
        // 돌봄SOS, linked.
        WellbeingCheck = ("wellbeing_check", "안부확인", "wellbeing check"),
        HealthSupport = ("health_support", "건강지원", "health support"),
        CareSystem = ("care_system", "돌봄제도", "care system link"),
        CaseManagement = ("case_management", "사례관리", "case management"),
        EmergencyLink = ("emergency_link", "긴급지원", "emergency support link"),
        // 서울형 긴급복지.
        Living = ("living", "생계비", "living costs"),
        Medical = ("medical", "의료비", "medical costs"),
        Housing = ("housing", "주거비", "housing costs"),
        CareSos = ("care_sos", "돌봄SOS 돌봄서비스", "Care SOS services"),
        EducationElementary = ("education_elementary", "교육비(초)", "education (elementary)"),
        EducationMiddle = ("education_middle", "교육비(중)", "education (middle school)"),
        EducationHigh = ("education_high", "교육비(고)", "education (high school)"),
        Fuel = ("fuel", "연료비", "fuel"),
        Childbirth = ("childbirth", "해산비", "childbirth"),
        Funeral = ("funeral", "장제비", "funeral"),
        Electricity = ("electricity", "전기요금", "electricity bill"),
    }
}

crate::code_enum! {
    /// The program a service belongs to (a [`crate::eligibility::codes::ProgramCode`] code).
    pub enum ServiceProgram: "service.program" {
        CareSos = ("care_sos", "돌봄SOS", "Care SOS"),
        SeoulEmergencyWelfare = ("seoul_emergency_welfare", "서울형 긴급복지", "Seoul emergency welfare"),
    }
}

crate::code_enum! {
    /// What a record's `quantity` counts.
    pub enum QuantityUnit: "service.quantity" {
        Minutes = ("minutes", "분", "minutes"),
        Days = ("days", "일", "days"),
        Meals = ("meals", "식", "meals"),
    }
}

/// What the record of an item must and must not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemShape {
    /// A paid 돌봄SOS service: how much (`quantity` in the unit) is required, the fee (`amount_won`)
    /// optional (the district confirms and pays it later, 001 §9).
    Paid(QuantityUnit),
    /// A linked 돌봄SOS service: counted, no quantity and no amount (another program pays).
    Linked,
    /// An emergency support item: money, so `amount_won` is required and there is no quantity.
    Money,
}

impl ServiceItem {
    pub fn program(self) -> ServiceProgram {
        match self.shape() {
            ItemShape::Money => ServiceProgram::SeoulEmergencyWelfare,
            _ => ServiceProgram::CareSos,
        }
    }

    pub fn shape(self) -> ItemShape {
        use ServiceItem::*;
        match self {
            // Time-based fees (per 2 hours in 2022, per 30 minutes in 2026; per hour for escort and
            // housing help): minutes serve every fee table.
            TemporaryHomeCare | Escort | HousingHelp => ItemShape::Paid(QuantityUnit::Minutes),
            ShortStay => ItemShape::Paid(QuantityUnit::Days),
            Meals => ItemShape::Paid(QuantityUnit::Meals),
            WellbeingCheck | HealthSupport | CareSystem | CaseManagement | EmergencyLink => {
                ItemShape::Linked
            }
            Living | Medical | Housing | CareSos | EducationElementary | EducationMiddle
            | EducationHigh | Fuel | Childbirth | Funeral | Electricity => ItemShape::Money,
        }
    }

    /// The items of one program, in declaration order.
    pub fn of(program: ServiceProgram) -> impl Iterator<Item = ServiceItem> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |i| i.program() == program)
    }
}

impl From<CareService> for ServiceItem {
    fn from(s: CareService) -> Self {
        match s {
            CareService::TemporaryHomeCare => ServiceItem::TemporaryHomeCare,
            CareService::ShortStay => ServiceItem::ShortStay,
            CareService::Escort => ServiceItem::Escort,
            CareService::HousingHelp => ServiceItem::HousingHelp,
            CareService::Meals => ServiceItem::Meals,
        }
    }
}

impl From<SupportItem> for ServiceItem {
    fn from(s: SupportItem) -> Self {
        match s {
            SupportItem::Living => ServiceItem::Living,
            SupportItem::Medical => ServiceItem::Medical,
            SupportItem::Housing => ServiceItem::Housing,
            SupportItem::CareSos => ServiceItem::CareSos,
            SupportItem::EducationElementary => ServiceItem::EducationElementary,
            SupportItem::EducationMiddle => ServiceItem::EducationMiddle,
            SupportItem::EducationHigh => ServiceItem::EducationHigh,
            SupportItem::Fuel => ServiceItem::Fuel,
            SupportItem::Childbirth => ServiceItem::Childbirth,
            SupportItem::Funeral => ServiceItem::Funeral,
            SupportItem::Electricity => ServiceItem::Electricity,
        }
    }
}

/// What a 서울형 긴급복지 payment was for, as the repeat-support rules need it (001 §7 ④): the crisis
/// reason, and whether it opened an episode (`new`: first support or 재지원) or was a further payment
/// in the same episode (`extra`: 추가지원).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencySupport {
    pub crisis_reason: CrisisReason,
    pub support_kind: SupportKind,
}

/// One service delivered or support item paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceProvision {
    pub id: Id,
    pub household_id: Id,
    pub case_id: Option<Id>,
    pub item: ServiceItem,
    /// The day the service was delivered or the support paid (Korean calendar day).
    pub provided_on: NaiveDate,
    /// How much, in the item's unit ([`ItemShape::Paid`] only).
    pub quantity: Option<i64>,
    /// Won paid or charged.
    pub amount_won: Option<i64>,
    pub recorded_by: Id,
    pub note: Option<String>,
    /// The earlier record this one corrects or voids.
    pub corrects: Option<Id>,
    /// This record withdraws the one it corrects (entered in error): the delivery no longer counts.
    pub voided: bool,
    /// 서울형 긴급복지 items only: the crisis reason the support was paid for. `None` on records
    /// written before it was recorded (they cannot be matched to a crisis; `evaluate_household`
    /// says so).
    #[serde(default)]
    pub crisis_reason: Option<CrisisReason>,
    /// 서울형 긴급복지 items only: new support (`new`) or an extra payment in the same episode
    /// (`extra`). `None` with a reason: taken as `new`.
    #[serde(default)]
    pub support_kind: Option<SupportKind>,
}

impl ServiceProvision {
    /// The emergency-support facts of the record, where it has a crisis reason.
    pub fn emergency(&self) -> Option<EmergencySupport> {
        self.crisis_reason.map(|crisis_reason| EmergencySupport {
            crisis_reason,
            support_kind: self.support_kind.unwrap_or_default(),
        })
    }
}

/// The records that count: one per delivery, the tip of its correction chain
/// ([`super::correction::current_ids`]), unless that record voids it. Newest first.
pub fn current(records: &[ServiceProvision]) -> Vec<&ServiceProvision> {
    let ids = super::correction::current_ids(records.iter().map(|r| (r.id, r.corrects)));
    let mut out: Vec<&ServiceProvision> = records
        .iter()
        .filter(|r| ids.contains(&r.id) && !r.voided)
        .collect();
    out.sort_by(|a, b| b.provided_on.cmp(&a.provided_on).then(b.id.cmp(&a.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn rec(n: u128, corrects: Option<u128>, voided: bool, amount: i64) -> ServiceProvision {
        ServiceProvision {
            id: Uuid::from_u128(n),
            household_id: Uuid::from_u128(1000),
            case_id: None,
            item: ServiceItem::Living,
            provided_on: NaiveDate::from_ymd_opt(2022, 3, 1).unwrap(),
            quantity: None,
            amount_won: Some(amount),
            recorded_by: Uuid::from_u128(2000),
            note: None,
            corrects: corrects.map(Uuid::from_u128),
            voided,
            crisis_reason: None,
            support_kind: None,
        }
    }

    fn amounts(rs: &[ServiceProvision]) -> Vec<i64> {
        let mut v: Vec<i64> = current(rs).iter().filter_map(|r| r.amount_won).collect();
        v.sort();
        v
    }

    #[test]
    fn every_code_belongs_to_one_program_and_the_eligibility_codes_map_onto_it() {
        assert_eq!(
            ServiceItem::of(ServiceProgram::CareSos).count(),
            10,
            "001 §9: 10 services"
        );
        for s in CareService::ALL {
            let item = ServiceItem::from(*s);
            assert_eq!(item.code(), s.code());
            assert!(matches!(item.shape(), ItemShape::Paid(_)));
        }
        for s in SupportItem::ALL {
            let item = ServiceItem::from(*s);
            assert_eq!(item.code(), s.code());
            assert_eq!(item.program(), ServiceProgram::SeoulEmergencyWelfare);
        }
        assert_eq!(
            ServiceItem::of(ServiceProgram::SeoulEmergencyWelfare).count(),
            SupportItem::ALL.len()
        );
    }

    #[test]
    fn a_correction_replaces_and_a_void_withdraws() {
        // 1 corrected by 2; 3 voided by 4; 5 alone.
        let rs = vec![
            rec(1, None, false, 300_000),
            rec(2, Some(1), false, 500_000),
            rec(3, None, false, 1_000_000),
            rec(4, Some(3), true, 0),
            rec(5, None, false, 106_700),
        ];
        assert_eq!(amounts(&rs), vec![106_700, 500_000]);
    }

    #[test]
    fn two_offline_corrections_of_one_record_count_once_whatever_the_order() {
        let mut rs = vec![
            rec(1, None, false, 300_000),
            rec(7, Some(1), false, 700_000),
            rec(6, Some(1), false, 600_000),
            rec(8, Some(6), false, 800_000),
        ];
        assert_eq!(amounts(&rs), vec![800_000], "the latest of the group");
        rs.reverse();
        assert_eq!(amounts(&rs), vec![800_000]);
    }

    #[test]
    fn a_correction_whose_original_has_not_arrived_counts_alone() {
        let rs = vec![rec(9, Some(1), false, 500_000)];
        assert_eq!(amounts(&rs), vec![500_000]);
    }
}
