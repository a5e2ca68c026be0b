//! Starting a session: the pre-visit safety assessment (안전사정), pairs, companions, advisories.

use crate::fixtures;

use donghaeng_core::model::{ContactMode, RiskFlag, Role};
use donghaeng_core::safety::{DisasterAdvisory, EventKind, SafetyMonitor};
use fixtures::*;

fn try_start(
    flags: Vec<RiskFlag>,
    workers: Vec<donghaeng_core::model::Worker>,
) -> Result<(), donghaeng_core::CoreError> {
    let hh = household(flags);
    let cfg = config();
    let req = request(&hh, &workers, &cfg, t(11, 0, 0));
    let mut m = SafetyMonitor::new(DEVICE);
    m.start(&req, &planner_actor(), t(9, 0, 0)).map(|_| ())
}

#[test]
fn a_one_person_home_visit_is_refused() {
    let err = try_start(vec![], vec![planner()]).unwrap_err();
    assert_eq!(err.code, "safety_pair_required");
    assert_eq!(err.field.as_deref(), Some("session.participants"));
    assert!(err.ko.contains("2인 1조"));
}

#[test]
fn the_same_worker_twice_is_not_a_pair() {
    let err = try_start(vec![], vec![planner(), planner()]).unwrap_err();
    assert_eq!(err.code, "participant_duplicate");
}

#[test]
fn mental_health_high_risk_without_consent_needs_a_mental_health_officer() {
    let flags = vec![RiskFlag::MentalHealthHighRiskNoConsent];
    let err = try_start(flags.clone(), vec![planner(), nurse()]).unwrap_err();
    assert_eq!(err.code, "safety_companion_required");
    assert!(err.ko.contains("정신건강전문요원 동행 필요"), "{}", err.ko);
    assert!(err.en.contains("mental-health officer"));
    let mho = worker(3, "오요원", Role::MentalHealthOfficer, None);
    try_start(flags, vec![planner(), mho]).unwrap();
}

#[test]
fn a_refused_age_3_child_survey_needs_police() {
    let flags = vec![RiskFlag::ChildSurveyRefused, RiskFlag::Dog];
    let err = try_start(flags.clone(), vec![planner(), nurse()]).unwrap_err();
    assert_eq!(err.code, "safety_companion_required");
    assert!(err.ko.contains("학대예방경찰관 동행 필요"), "{}", err.ko);
    let police = worker(4, "강경위", Role::PoliceOfficer, None);
    try_start(flags, vec![planner(), police]).unwrap();
}

#[test]
fn two_volunteers_need_a_staff_member() {
    let err = try_start(vec![], vec![volunteer(5), volunteer(6)]).unwrap_err();
    assert_eq!(err.code, "safety_staff_required");
    try_start(vec![], vec![planner(), volunteer(5)]).unwrap();
}

#[test]
fn an_escort_with_a_volunteer_is_not_a_staffed_pair() {
    let escort = worker(7, "윤요원", Role::Escort, None);
    let err = try_start(vec![], vec![escort.clone(), volunteer(5)]).unwrap_err();
    assert_eq!(err.code, "safety_staff_required");
    assert!(err.ko.contains("사회복무요원"), "{}", err.ko);
    // With staff, an escort is a welcome third person.
    try_start(vec![], vec![planner(), escort, volunteer(5)]).unwrap();
}

#[test]
fn volunteers_run_their_own_regular_visit_session_escalating_to_the_dong_team() {
    let hh = household(vec![]);
    let workers = [
        volunteer(5),
        worker(6, "한보라", Role::VolunteerBorami, None),
    ];
    let cfg = config();
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.regular_volunteer = Some(id(5));
    let me = donghaeng_core::safety::Actor::new(id(5), "phone-volunteer");
    let mut m = SafetyMonitor::new(DEVICE);
    m.start(&req, &me, t(9, 0, 0)).unwrap();
    // An SOS from the volunteer reaches the 동 team lead.
    let sos = m.sos(id(SESSION), &me, t(9, 30, 0)).unwrap();
    let acts = m.tick(t(9, 30, 0));
    let phones: Vec<String> = acts
        .iter()
        .flat_map(|a| match &a.kind {
            donghaeng_core::safety::ActionKind::SosAlarm { recipients, .. } => {
                recipients.iter().map(|c| c.phone.clone()).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    assert!(
        phones.contains(&TEAM_LEAD_PHONE.to_owned()),
        "{phones:?} {sos:?}"
    );
    // The same two volunteers on a visit that is not one of their own: staff needed.
    req.regular_volunteer = None;
    let mut m = SafetyMonitor::new(DEVICE);
    assert_eq!(
        m.start(&req, &me, t(9, 0, 0)).unwrap_err().code,
        "safety_staff_required"
    );
    // An escort is not the second volunteer.
    let workers = [volunteer(5), worker(7, "윤요원", Role::Escort, None)];
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.regular_volunteer = Some(id(5));
    assert_eq!(
        m.start(&req, &me, t(9, 0, 0)).unwrap_err().code,
        "safety_staff_required"
    );
}

#[test]
fn a_volunteers_session_without_a_team_lead_to_alert_is_refused() {
    let hh = household(vec![]);
    let workers = [volunteer(5), volunteer(6)];
    let mut cfg = config();
    cfg.ladder
        .retain(|s| s.target != donghaeng_core::safety::LadderTarget::TeamLead);
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.regular_volunteer = Some(id(5));
    let me = donghaeng_core::safety::Actor::new(id(5), "phone-volunteer");
    let err = SafetyMonitor::new(DEVICE)
        .start(&req, &me, t(9, 0, 0))
        .unwrap_err();
    assert_eq!(err.code, "volunteer_session_needs_dong_team");
    assert_eq!(err.field.as_deref(), Some("session.config.ladder"));
}

#[test]
fn phone_contacts_are_not_safety_sessions() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.contact_mode = ContactMode::Phone;
    let err = SafetyMonitor::new(DEVICE)
        .start(&req, &planner_actor(), t(9, 0, 0))
        .unwrap_err();
    assert_eq!(err.code, "safety_session_not_home_visit");
}

#[test]
fn an_incomplete_assessment_is_refused_naming_the_item() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.assessment.phone_ready = false;
    let err = SafetyMonitor::new(DEVICE)
        .start(&req, &planner_actor(), t(9, 0, 0))
        .unwrap_err();
    assert_eq!(err.code, "safety_assessment_incomplete");
    assert_eq!(err.field.as_deref(), Some("assessment.phone_ready"));
}

#[test]
fn disaster_advisory_needs_an_override_reason_which_is_recorded() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    let adv =
        DisasterAdvisory::new(id(800), id(DISTRICT), "호우경보", t(6, 0, 0), t(18, 0, 0)).unwrap();
    let elsewhere =
        DisasterAdvisory::new(id(801), id(701), "대설주의보", t(6, 0, 0), t(18, 0, 0)).unwrap();
    let advisories = [adv, elsewhere];
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.advisories = &advisories;
    let mut m = SafetyMonitor::new(DEVICE);
    let err = m.start(&req, &planner_actor(), t(9, 0, 0)).unwrap_err();
    assert_eq!(err.code, "disaster_advisory_active");
    assert!(err.ko.contains("호우경보"));
    req.advisory_override = Some("   ".to_owned());
    assert_eq!(
        m.start(&req, &planner_actor(), t(9, 0, 0))
            .unwrap_err()
            .code,
        "disaster_advisory_active"
    );
    req.advisory_override = Some("독거 어르신 단전, 안부 확인 긴급".to_owned());
    let rec = m.start(&req, &planner_actor(), t(9, 0, 0)).unwrap();
    match &rec.event.kind {
        EventKind::Started(plan) => {
            assert_eq!(
                plan.advisory_overrides.len(),
                1,
                "only the district's advisory"
            );
            assert_eq!(plan.advisory_overrides[0].advisory_id, id(800));
            assert_eq!(plan.advisory_overrides[0].advisory_reason, "호우경보");
            assert_eq!(
                plan.advisory_overrides[0].override_reason,
                "독거 어르신 단전, 안부 확인 긴급"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_advisory_outside_its_period_does_not_apply() {
    let hh = household(vec![]);
    let workers = [planner(), nurse()];
    let cfg = config();
    let adv = [
        DisasterAdvisory::new(id(800), id(DISTRICT), "호우경보", t(6, 0, 0), t(9, 0, 0)).unwrap(),
    ];
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.advisories = &adv;
    // `until` is exclusive: at 09:00 it is over.
    SafetyMonitor::new(DEVICE)
        .start(&req, &planner_actor(), t(9, 0, 0))
        .unwrap();
    assert_eq!(
        DisasterAdvisory::new(id(1), id(2), " ", t(6, 0, 0), t(9, 0, 0))
            .unwrap_err()
            .code,
        "advisory_reason_required"
    );
}

#[test]
fn the_start_event_carries_a_minimal_household_snapshot() {
    let m = started(None);
    match &m.events(id(SESSION))[0].kind {
        EventKind::Started(plan) => {
            assert_eq!(plan.household.masked_name, "최○○");
            assert_eq!(plan.participants.len(), 2);
            assert_eq!(plan.config, config());
        }
        other => panic!("{other:?}"),
    }
}
