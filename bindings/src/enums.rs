//! Enums cross as uniffi enums that mirror the core's, variant for variant (Kotlin `enum class`, Swift
//! `enum`, Python `enum.Enum`): typed, exhaustive `when`/`switch` in the shells, no stringly-typed codes.
//! Both conversions are exhaustive matches, so a variant added in the core is a compile error here until
//! it is mirrored. Each enum has `code()` (the stable code the core stores and syncs), `label_ko()` and
//! `label_en()`, all answered by the core.

use donghaeng_core::model as m;

macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $name:ident => $core:ident { $($variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($variant),+
        }

        impl From<m::$core> for $name {
            fn from(v: m::$core) -> Self {
                match v {
                    $(m::$core::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for m::$core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => m::$core::$variant),+
                }
            }
        }

        #[uniffi::export]
        impl $name {
            /// The stable code stored and synced for this value.
            pub fn code(&self) -> String {
                m::$core::from(*self).code().to_owned()
            }

            /// Korean label for people.
            pub fn label_ko(&self) -> String {
                m::$core::from(*self).label_ko().to_owned()
            }

            /// English label for people.
            pub fn label_en(&self) -> String {
                m::$core::from(*self).label_en().to_owned()
            }
        }
    };
}

mirror_enum! {
    /// Level of an organisation unit: city (시) → district (구) → 동 → team (팀).
    OrgUnitKind => OrgUnitKind { City, District, Dong, Team }
}

mirror_enum! {
    /// What a person does on a visit.
    Role => Role {
        WelfarePlanner, VisitingNurse, CareManager, CaseManager, Escort, MentalHealthOfficer,
        PoliceOfficer, VolunteerNeighborhoodCare, VolunteerBorami, CommunityReporter,
    }
}

mirror_enum! {
    /// What a household is known for.
    HouseholdTag => HouseholdTag {
        LonelyDeathRisk, LivesAlone, Disability, ChildRearing, NewBirth, Elderly, BasicLivelihood,
        NearPoor, MiddleAgedSingle, DomesticViolenceConcern,
    }
}

mirror_enum! {
    /// What a visitor must know before going in.
    RiskFlag => RiskFlag {
        AggressionHistory, Dog, InfectionRisk, MentalHealthHighRiskNoConsent, ChildSurveyRefused,
        DomesticViolenceReported, Alcohol, Hoarding,
    }
}

mirror_enum! {
    /// 성별.
    Sex => Sex { Female, Male }
}

mirror_enum! {
    /// Relation to the head of household.
    Relation => Relation { Head, Spouse, Child, Parent, Grandchild, Sibling, Other }
}

mirror_enum! {
    /// Disability (장애 정도).
    Disability => Disability { None, Mild, Severe }
}

mirror_enum! {
    /// Why a visit is made.
    VisitPurpose => VisitPurpose {
        UniversalVisit, CrisisMonitoring, CaseWork, CareSos, AfterCare, WellnessCheck, ReferralFollowUp,
    }
}

mirror_enum! {
    /// How the household is contacted.
    ContactMode => ContactMode { Home, Centre, Phone }
}

mirror_enum! {
    /// The life cycle of a visit.
    VisitStatus => VisitStatus { Planned, InProgress, Completed, Cancelled, Missed }
}

mirror_enum! {
    /// What came of a visit.
    VisitOutcome => VisitOutcome { Met, NotHome, Refused, Moved, Deceased, Hospitalised, Unreachable }
}

mirror_enum! {
    /// One observation on the wellness checklist.
    Observation => Observation { Good, Concern, Urgent, NotChecked }
}

mirror_enum! {
    /// Stages of a case, in order.
    CaseStage => CaseStage {
        Intake, NeedsAssessment, Classification, CaseConference, ServicePlan, Delivery, Closed,
    }
}

mirror_enum! {
    /// 대상 구분 after the needs assessment.
    CaseClassification => CaseClassification { CaseManaged, ServiceLinked, Excluded }
}

mirror_enum! {
    /// 종결 사유.
    ClosureReason => ClosureReason {
        LongTermGoalMet, ShortTermGoalMet, SituationImproved, MovedOut, Death, Refusal, GaveUp,
        NoContactThreeMonths, SupportLimits,
    }
}

mirror_enum! {
    /// The three groups of closure reasons.
    ClosureCategory => ClosureCategory { Positive, Circumstantial, Institutional }
}

mirror_enum! {
    /// Who a household is referred to.
    ReferralTarget => ReferralTarget {
        DongTeam, MentalHealth, CareSos, PublicHealthCentre, CrisisFamilyCentre, CaseManagementTeam,
        CommunityAgency,
    }
}

mirror_enum! {
    /// What a crisis reporter saw.
    CrisisSign => CrisisSign {
        Arrears, UtilityCutoff, NoFood, Illness, Isolation, MailPilingUp, Hoarding, AbuseSigns, JobLoss,
        Other,
    }
}

mirror_enum! {
    /// Status of a crisis report.
    CrisisReportStatus => CrisisReportStatus { Referred, Handled }
}

mirror_enum! {
    /// What was provided (서비스 제공 기록): the 10 돌봄SOS services (5 paid, 5 linked) and the 서울형
    /// 긴급복지 support items, one list. Its program and what a record of it carries:
    /// `service_item_info`.
    ServiceItem => ServiceItem {
        TemporaryHomeCare, ShortStay, Escort, HousingHelp, Meals,
        WellbeingCheck, HealthSupport, CareSystem, CaseManagement, EmergencyLink,
        Living, Medical, Housing, CareSos, EducationElementary, EducationMiddle, EducationHigh, Fuel,
        Childbirth, Funeral, Electricity,
    }
}

mirror_enum! {
    /// The program a service item belongs to: 돌봄SOS or 서울형 긴급복지.
    ServiceProgram => ServiceProgram { CareSos, SeoulEmergencyWelfare }
}

mirror_enum! {
    /// A crisis reason (위기사유) of 긴급복지지원법 §2, the Seoul ordinance, or recognised by a 동/구 case
    /// conference: what a 서울형 긴급복지 payment was for, and today's crisis in `EnteredFacts`.
    CrisisReason => CrisisReason {
        MainEarnerLoss, SeriousIllness, AbuseNeglect, DomesticViolence, FireDisaster, JobLoss,
        BusinessClosure, UtilityCutoff, HeatColdWave, CaseConferenceRecognised,
    }
}

mirror_enum! {
    /// A 서울형 긴급복지 payment to its crisis episode: `New` (first support or 재지원, barred within 3
    /// months of the last for the same crisis) or `Extra` (추가지원: a further payment in the episode).
    SupportKind => SupportKind { New, Extra }
}

mirror_enum! {
    /// What the quantity of a paid 돌봄SOS service counts: minutes, days or meals.
    QuantityUnit => QuantityUnit { Minutes, Days, Meals }
}

/// Which reply of a referral is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ReplyKind {
    /// 1차 회신: 10 days after the referral.
    First,
    /// 최종 회신: 5 days after the service ended.
    Final,
}

/// Converts a list of facade enum values to the core's.
pub fn to_core<F: Copy, C: From<F>>(values: &[F]) -> Vec<C> {
    values.iter().map(|v| C::from(*v)).collect()
}

/// Converts a list of core enum values to the facade's.
pub fn from_core<C: Copy, F: From<C>>(values: &[C]) -> Vec<F> {
    values.iter().map(|v| F::from(*v)).collect()
}
