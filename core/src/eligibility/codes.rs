//! Stable codes of the eligibility engine: programs, crisis reasons (위기사유), support items (지원항목),
//! what a household already receives, and where it lives.
//!
//! They live here rather than in `model/` because only eligibility reads them; each is written and read
//! as its stable code, so the JSON of the command line and of the bindings is the same.

crate::code_enum! {
    /// A welfare program the engine evaluates.
    pub enum ProgramCode: "program" {
        /// 서울형 긴급복지 (001 §7).
        SeoulEmergencyWelfare = ("seoul_emergency_welfare", "서울형 긴급복지", "Seoul emergency welfare"),
        /// 서울형 기초보장 (001 §8).
        SeoulBasicSecurity = ("seoul_basic_security", "서울형 기초보장", "Seoul basic security"),
        /// 돌봄SOS (001 §9).
        CareSos = ("care_sos", "돌봄SOS", "Care SOS"),
        /// 안심소득 시범사업 (001 §4).
        SeoulSafetyIncome = ("seoul_safety_income", "안심소득", "Seoul safety income"),
        /// 방문건강관리 (003).
        VisitingHealthCare = ("visiting_health_care", "방문건강관리", "visiting health care"),
        /// 노인돌봄기본서비스 (003).
        ElderlyBasicCare = ("elderly_basic_care", "노인돌봄기본서비스", "basic care for older people"),
    }
}

crate::code_enum! {
    /// A crisis reason (위기사유): those of 긴급복지지원법 §2, the Seoul ordinance, or one recognised by a
    /// 동/구 case conference (001 §7 ④).
    pub enum CrisisReason: "crisis.reasons" {
        MainEarnerLoss = ("main_earner_loss", "주소득자의 사망·가출·행방불명·구금", "loss of the main earner"),
        SeriousIllness = ("serious_illness", "중한 질병 또는 부상", "serious illness or injury"),
        AbuseNeglect = ("abuse_neglect", "방임·유기·학대", "neglect, abandonment or abuse"),
        DomesticViolence = ("domestic_violence", "가정폭력·성폭력", "domestic or sexual violence"),
        FireDisaster = ("fire_disaster", "화재·자연재해로 거주 곤란", "fire or natural disaster"),
        JobLoss = ("job_loss", "실직", "job loss"),
        BusinessClosure = ("business_closure", "휴업·폐업", "business closure"),
        UtilityCutoff = ("utility_cutoff", "단전·단수 등", "utility cut-off"),
        /// 폭염·한파 대책 특별지원 (001 §7 ④): an ordinance reason of the seed.
        HeatColdWave = ("heat_cold_wave", "폭염·한파", "heat wave or cold wave"),
        CaseConferenceRecognised = ("case_conference_recognised", "동·구 사례회의 인정", "recognised by a case conference"),
    }
}

crate::code_enum! {
    /// A support item (지원항목) of 서울형 긴급복지 (001 §7 ④).
    pub enum SupportItem: "crisis.requested_items" {
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
    /// Support a household already receives (`household.receiving`).
    pub enum Receiving: "household.receiving" {
        NationalBasicLivelihood = ("national_basic_livelihood", "국민기초생활보장 수급", "national basic livelihood security"),
        NearPoor = ("near_poor", "차상위계층", "near-poor (차상위)"),
        NationalEmergencyWelfare = ("national_emergency_welfare", "국가 긴급복지", "national emergency welfare"),
        SeoulEmergencyWelfare = ("seoul_emergency_welfare", "서울형 긴급복지", "Seoul emergency welfare"),
        SeoulBasicSecurity = ("seoul_basic_security", "서울형 기초보장", "Seoul basic security"),
        CareSos = ("care_sos", "돌봄SOS", "Care SOS"),
        SeoulSafetyIncome = ("seoul_safety_income", "안심소득", "Seoul safety income"),
        VisitingHealthCare = ("visiting_health_care", "방문건강관리", "visiting health care"),
        ElderlyBasicCare = ("elderly_basic_care", "노인돌봄기본서비스", "basic care for older people"),
    }
}

crate::code_enum! {
    /// Where the household lives: 서울형 programs apply only to residents of Seoul.
    pub enum Residence: "residence" {
        Seoul = ("seoul", "서울", "Seoul"),
        Other = ("other", "서울 외 지역", "outside Seoul"),
    }
}

crate::code_enum! {
    /// A paid 돌봄SOS service (수가 5대 서비스, 001 §9).
    pub enum CareService: "care_sos_request" {
        TemporaryHomeCare = ("temporary_home_care", "일시재가", "temporary home care"),
        ShortStay = ("short_stay", "단기시설", "short stay"),
        Escort = ("escort", "동행지원", "escort"),
        HousingHelp = ("housing_help", "주거편의", "housing help"),
        Meals = ("meals", "식사지원", "meals"),
    }
}

crate::code_enum! {
    /// What a 서울형 긴급복지 payment is to the episode of its crisis (001 §7 ④ 지원내용: the columns
    /// 추가지원 and 재지원). `new`: support that opens an episode — a first support, or a 재지원 for
    /// the same crisis again, which the 3-month rule bars; `extra`: a further payment in the same
    /// episode (추가지원: living costs once, 3 in total for a lonely-death-risk single household;
    /// medical costs once), counted against that item's extra payments. The default, `new`, is what
    /// inputs and records written before the kind existed mean.
    #[derive(Default)]
    pub enum SupportKind: "support_kind" {
        #[default]
        New = ("new", "신규·재지원", "new support or re-support"),
        Extra = ("extra", "추가지원(같은 위기의 추가 지급)", "extra payment in the same episode"),
    }
}
