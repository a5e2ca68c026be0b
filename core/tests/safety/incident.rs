//! Incident reports and half-year statistics per district.

use crate::fixtures;

use chrono::{TimeZone, Utc};
use donghaeng_core::safety::incident::{FollowUp, IncidentSeverity};
use donghaeng_core::safety::{half_year_stats, HalfYear, IncidentReport, IncidentType};
use fixtures::*;

fn report(n: u128, district: u128, at: chrono::DateTime<Utc>, ty: IncidentType) -> IncidentReport {
    IncidentReport {
        id: id(n),
        session_id: None,
        district_id: id(district),
        occurred_at: at,
        reported_at: at,
        reporter_id: id(1),
        affected_workers: vec![id(1)],
        incident_type: ty,
        severity: IncidentSeverity::Minor,
        injuries: None,
        police_called: false,
        ambulance_119_called: false,
        follow_ups: vec![],
        description: "현관에서 폭언".to_owned(),
    }
}

#[test]
fn half_years_follow_the_korean_calendar() {
    // 2026-06-30 15:30 UTC is 2026-07-01 00:30 KST: second half.
    let h = HalfYear::of(Utc.with_ymd_and_hms(2026, 6, 30, 15, 30, 0).unwrap());
    assert_eq!(
        h,
        HalfYear {
            year: 2026,
            half: 2
        }
    );
    let h = HalfYear::of(Utc.with_ymd_and_hms(2026, 6, 30, 14, 59, 59).unwrap());
    assert_eq!(
        h,
        HalfYear {
            year: 2026,
            half: 1
        }
    );
    // 2025-12-31 15:00 UTC is already 2026-01-01 in Korea.
    let h = HalfYear::of(Utc.with_ymd_and_hms(2025, 12, 31, 15, 0, 0).unwrap());
    assert_eq!(
        h,
        HalfYear {
            year: 2026,
            half: 1
        }
    );
    assert_eq!(h.label_ko(), "2026년 상반기");
}

#[test]
fn statistics_per_district_and_half_year() {
    let jan = Utc.with_ymd_and_hms(2026, 1, 10, 1, 0, 0).unwrap();
    let aug = Utc.with_ymd_and_hms(2026, 8, 10, 1, 0, 0).unwrap();
    let mut bite = report(3, 700, jan, IncidentType::AnimalBite);
    bite.injuries = Some("왼손 교상".to_owned());
    bite.ambulance_119_called = true;
    bite.severity = IncidentSeverity::Moderate;
    bite.follow_ups = vec![
        FollowUp::Treatment,
        FollowUp::Compensation,
        FollowUp::Treatment,
    ];
    let mut assault = report(4, 700, jan, IncidentType::PhysicalAssault);
    assault.police_called = true;
    assault.follow_ups = vec![FollowUp::LegalAction];
    let incidents = vec![
        report(1, 700, jan, IncidentType::VerbalAbuse),
        report(2, 700, aug, IncidentType::VerbalAbuse),
        bite,
        assault,
        report(5, 701, jan, IncidentType::Threat),
    ];
    let stats = half_year_stats(&incidents);
    assert_eq!(stats.len(), 3);
    let h1 = &stats[&(
        id(700),
        HalfYear {
            year: 2026,
            half: 1,
        },
    )];
    assert_eq!(h1.total, 3);
    assert_eq!(h1.by_type[&IncidentType::VerbalAbuse], 1);
    assert_eq!(h1.by_type[&IncidentType::AnimalBite], 1);
    assert_eq!(h1.with_injury, 1);
    assert_eq!(h1.police_called, 1);
    assert_eq!(h1.ambulance_119_called, 1);
    assert_eq!(
        h1.by_follow_up[&FollowUp::Treatment],
        1,
        "counted once per incident"
    );
    assert_eq!(h1.by_follow_up[&FollowUp::LegalAction], 1);
    assert_eq!(h1.by_severity[&IncidentSeverity::Minor], 2);
    let h2 = &stats[&(
        id(700),
        HalfYear {
            year: 2026,
            half: 2,
        },
    )];
    assert_eq!(h2.total, 1);
    assert_eq!(
        stats[&(
            id(701),
            HalfYear {
                year: 2026,
                half: 1
            }
        )]
            .total,
        1
    );
}

#[test]
fn incident_validation() {
    let at = Utc.with_ymd_and_hms(2026, 1, 10, 1, 0, 0).unwrap();
    let mut r = report(1, 700, at, IncidentType::Other);
    r.validate().unwrap();
    r.description = " ".to_owned();
    assert_eq!(
        r.validate().unwrap_err().code,
        "incident_description_required"
    );
    let mut r = report(1, 700, at, IncidentType::Threat);
    r.reported_at = at - chrono::Duration::hours(1);
    assert_eq!(
        r.validate().unwrap_err().code,
        "incident_reported_before_occurred"
    );
    let mut r = report(1, 700, at, IncidentType::Threat);
    r.affected_workers.clear();
    assert_eq!(r.validate().unwrap_err().code, "incident_affected_required");
    // Types are stable codes in JSON.
    let json = serde_json::to_string(&report(1, 700, at, IncidentType::SexualHarassment)).unwrap();
    assert!(json.contains("\"sexual_harassment\""));
}
