//! Alert texts, composed offline (the shell only sends them).
//!
//! Korean first, English beside it. Only what a responder needs: who (names and roles of the workers),
//! where (address; the head of household's name masked), since when, and for an SOS the position. No
//! risk flags, health or welfare data. Times are shown in Korea Standard Time (UTC+9, no daylight saving).

use std::fmt;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use super::event::SessionPlan;
use crate::model::GeoPoint;

/// `11-23 14:05` in KST, written straight into the surrounding `format!` (no intermediate string).
pub fn kst(t: DateTime<Utc>) -> Kst {
    Kst(t)
}

/// A time shown in Korea Standard Time as `MM-DD HH:MM`.
#[derive(Debug, Clone, Copy)]
pub struct Kst(pub DateTime<Utc>);

impl fmt::Display for Kst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain integer formatting: several times faster than `format("%m-%d %H:%M")`, which parses the
        // pattern on every call, and a busy server tick composes thousands of these.
        let l = self.0 + Duration::hours(9);
        write!(
            f,
            "{:02}-{:02} {:02}:{:02}",
            l.month(),
            l.day(),
            l.hour(),
            l.minute()
        )
    }
}

/// Masks all but the first character of a name: 김민수 → 김○○.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            let mut s = String::from(first);
            s.extend(std::iter::repeat_n('○', rest));
            s
        }
        None => "○○".to_owned(),
    }
}

fn workers(plan: &SessionPlan, ko: bool) -> String {
    plan.participants
        .iter()
        .map(|p| match p.roles.first() {
            Some(r) => format!(
                "{}({})",
                p.name,
                if ko { r.label_ko() } else { r.label_en() }
            ),
            None => p.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body shared by every alert: a headline, the workers, the place, when it started, guidance.
pub struct AlertText<'a> {
    pub plan: &'a SessionPlan,
    pub headline_ko: String,
    pub headline_en: String,
    pub since_ko: String,
    pub since_en: String,
    pub location: Option<GeoPoint>,
    pub emergency_guidance: bool,
}

impl AlertText<'_> {
    pub fn compose(&self) -> String {
        let place_ko = format!(
            "{} ({} 가구)",
            self.plan.household.address, self.plan.household.masked_name
        );
        let place_en = format!(
            "{} (household {})",
            self.plan.household.address, self.plan.household.masked_name
        );
        let mut s = format!(
            "[동행 안전] {}\n직원: {}\n장소: {}\n{}\n",
            self.headline_ko,
            workers(self.plan, true),
            place_ko,
            self.since_ko
        );
        if let Some(p) = self.location {
            s.push_str(&format!("위치: {:.5}, {:.5}\n", p.lat, p.lon));
        }
        if self.emergency_guidance {
            s.push_str("즉시 112(경찰)·119(구급) 신고를 검토하세요.\n");
        }
        s.push_str(&format!(
            "[Donghaeng safety] {}\nWorkers: {}\nPlace: {}\n{}",
            self.headline_en,
            workers(self.plan, false),
            place_en,
            self.since_en
        ));
        if let Some(p) = self.location {
            s.push_str(&format!("\nPosition: {:.5}, {:.5}", p.lat, p.lon));
        }
        if self.emergency_guidance {
            s.push_str("\nConsider calling 112 (police) / 119 (fire, ambulance) now.");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names_and_formats_kst() {
        assert_eq!(mask_name("김민수"), "김○○");
        assert_eq!(mask_name("이"), "이○");
        assert_eq!(mask_name(""), "○○");
        let t = DateTime::parse_from_rfc3339("2026-11-23T05:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(kst(t).to_string(), "11-23 14:05");
    }
}
