//! Alert texts, composed offline (the shell only sends them).
//!
//! Korean first, English beside it. Only what a responder needs: who (names and roles of the workers),
//! where (address; the head of household's name masked), since when, and for an SOS the position. No
//! risk flags, health or welfare data. Times are shown in Korea Standard Time (UTC+9, no daylight saving).

use std::fmt::{self, Write as _};

use chrono::{DateTime, Datelike, Timelike, Utc};

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
        let l = self.0.with_timezone(&crate::clock::kst());
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

/// Writes "김민지(복지플래너), 이수정(방문간호사)" without intermediate strings.
fn write_workers(out: &mut String, plan: &SessionPlan, ko: bool) {
    for (i, p) in plan.participants.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&p.name);
        if let Some(r) = p.roles.first() {
            out.push('(');
            out.push_str(if ko { r.label_ko() } else { r.label_en() });
            out.push(')');
        }
    }
}

/// The body shared by every alert: a headline, the workers, the place, when it started, guidance.
pub struct AlertText<'a> {
    pub plan: &'a SessionPlan,
    /// Set for the `n`-th repetition of an alert.
    pub repeat: Option<u32>,
    pub headline_ko: String,
    pub headline_en: String,
    pub since_ko: String,
    pub since_en: String,
    pub location: Option<GeoPoint>,
    pub emergency_guidance: bool,
}

impl AlertText<'_> {
    /// One string, written in place (a busy server tick composes thousands).
    pub fn compose(&self) -> String {
        let hh = &self.plan.household;
        let mut s = String::with_capacity(512);
        // `write!` into a `String` cannot fail.
        if let Some(n) = self.repeat {
            let _ = write!(s, "[재알림 {n} / repeat {n}] ");
        }
        let _ = write!(s, "[동행 안전] {}\n직원: ", self.headline_ko);
        write_workers(&mut s, self.plan, true);
        let _ = write!(s, "\n장소: {} ({} 가구)\n", hh.address, hh.masked_name);
        if !self.since_ko.is_empty() {
            s.push_str(&self.since_ko);
            s.push('\n');
        }
        if let Some(p) = self.location {
            let _ = writeln!(s, "위치: {:.5}, {:.5}", p.lat, p.lon);
        }
        if self.emergency_guidance {
            s.push_str("즉시 112(경찰)·119(구급) 신고를 검토하세요.\n");
        }
        let _ = write!(s, "[Donghaeng safety] {}\nWorkers: ", self.headline_en);
        write_workers(&mut s, self.plan, false);
        let _ = write!(s, "\nPlace: {} (household {})", hh.address, hh.masked_name);
        if !self.since_en.is_empty() {
            s.push('\n');
            s.push_str(&self.since_en);
        }
        if let Some(p) = self.location {
            let _ = write!(s, "\nPosition: {:.5}, {:.5}", p.lat, p.lon);
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
