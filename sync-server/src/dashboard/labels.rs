//! The labels of the program figures (실적 항목 이름), Korean and English: one table for the page
//! (sent with `GET /dashboard/api/figures` as `labels`, which app.js shows), the CSV and the xlsx
//! report. Service types, support items and referral targets keep their labels in the core's code
//! lists; these are the figures' own words.

use serde_json::{json, Map, Value};

/// The language of an export (`?lang=ko|en`, Korean by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// `None` (absent) is Korean; an unknown code is refused by the caller.
    pub fn parse(code: Option<&str>) -> Option<Lang> {
        match code {
            None | Some("ko") => Some(Lang::Ko),
            Some("en") => Some(Lang::En),
            Some(_) => None,
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }
}

/// (key, Korean, English).
const LABELS: &[(&str, &str, &str)] = &[
    (
        "contact_rate",
        "주민접촉률 (보편방문)",
        "Contact rate (universal visits)",
    ),
    ("age65", "65세", "Age 65"),
    ("age70", "70세", "Age 70"),
    ("new_birth", "출산 가구", "New birth"),
    ("child_rearing", "양육 가구", "Child-rearing"),
    ("home", "가정방문", "Home"),
    ("centre", "내방", "Centre"),
    ("phone", "전화", "Phone"),
    ("all", "전체", "All"),
    (
        "accompanied_65",
        "65세 동행방문률",
        "Age-65 accompanied-visit rate",
    ),
    ("crisis", "위기가구 발굴", "Crisis households found"),
    ("crisis_households", "가구", "households"),
    ("crisis_reports", "신고", "reports"),
    ("service_links", "서비스 연계", "Service links"),
    (
        "lonely",
        "고독사 위험가구 모니터링",
        "Lonely-death-risk households monitored",
    ),
    (
        "non_response",
        "미접촉 사유 (보편방문)",
        "Not reached (universal visits)",
    ),
    ("not_contacted", "미접촉", "not reached"),
    ("letter_delivered", "안내문 도달", "letter delivered"),
    ("letter_returned", "안내문 반송", "letter returned"),
    ("no_answer", "부재·무응답", "no answer"),
    ("refused", "거부", "refused"),
    ("responded", "응답 (방문 전)", "answered (not met yet)"),
    ("no_attempt", "시도 없음", "no attempt"),
    ("outreach_attempts", "안내·접촉 시도", "Outreach attempts"),
    (
        "birth_health_links",
        "출산 가구 보건소 연계",
        "Birth households linked to the health centre",
    ),
    ("linked", "연계", "linked"),
    (
        "accompanied_mental_health",
        "정신건강 동행방문률",
        "Mental-health accompanied-visit rate",
    ),
    ("accompanied", "동행", "accompanied"),
    (
        "private_resources",
        "민간자원 발굴·연계",
        "Private resources found and linked",
    ),
    ("links", "연계 건수", "links"),
    ("households", "가구", "households"),
    (
        "care_sos_services",
        "돌봄SOS 서비스 유형별 제공",
        "Care SOS services by type",
    ),
    (
        "emergency_support",
        "서울형 긴급복지 항목별 지원",
        "Seoul emergency welfare by item",
    ),
    ("col_figure", "구분", "Figure"),
    ("col_item", "유형·항목", "Type / item"),
    ("col_households", "가구", "Households"),
    ("col_count", "건수", "Count"),
    ("col_base", "대상", "Base"),
    ("col_rate", "비율", "Rate"),
    ("col_quantity", "제공량", "Quantity"),
    ("col_unit", "단위", "Unit"),
    ("col_amount", "금액(원)", "Amount (won)"),
    ("col_figure_code", "지표 코드", "figure code"),
    ("col_key_code", "항목 코드", "key code"),
    ("minutes", "분", "min"),
    ("days", "일", "days"),
    ("meals", "식", "meals"),
    ("monitored", "모니터링", "monitored"),
    ("no_rate", "대상 없음", "no target"),
    (
        "report_title",
        "동행 사업 실적",
        "Donghaeng program figures",
    ),
    ("report_unit", "조직", "Unit"),
    ("report_period", "기간", "Period"),
    ("report_all_units", "전체 조직", "all units"),
];

/// The label of `key` in `lang`; the key itself if it has none (a code still reads).
pub fn label(key: &str, lang: Lang) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, ko, en)| lang.pick(ko, en))
}

/// Every label, as the page reads them: `{"ko": {key: text}, "en": {key: text}}`.
pub fn all_json() -> Value {
    let of = |lang: Lang| -> Map<String, Value> {
        LABELS
            .iter()
            .map(|(k, ko, en)| ((*k).to_owned(), json!(lang.pick(ko, en))))
            .collect()
    };
    json!({"ko": of(Lang::Ko), "en": of(Lang::En)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut keys: Vec<&str> = LABELS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is listed twice");
        assert!(LABELS
            .iter()
            .all(|(_, ko, en)| !ko.is_empty() && !en.is_empty()));
        assert_eq!(label("age65", Lang::Ko), "65세");
        assert_eq!(label("age65", Lang::En), "Age 65");
        assert_eq!(label("unknown_key", Lang::Ko), "unknown_key");
    }
}
