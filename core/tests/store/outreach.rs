//! Universal-visit outreach (보편방문 안내·접촉 시도, 001 §5): what may be recorded, corrections, and
//! what a bad record does — a typed error naming the field, nothing written, nothing to sync.

use donghaeng_core::model::new_id;
use donghaeng_core::model::outreach::{
    OutreachCampaign, OutreachMode, OutreachResult, RefusalReason,
};
use donghaeng_core::store::outreach::NewOutreachAttempt;

use crate::common::{date, fixture, Fixture};

fn attempt(f: &Fixture, household: donghaeng_core::model::Id) -> NewOutreachAttempt {
    NewOutreachAttempt {
        household_id: household,
        campaign: OutreachCampaign::Age65,
        attempted_on: date(2024, 5, 2),
        mode: OutreachMode::Letter,
        result: OutreachResult::Delivered,
        refusal_reason: None,
        worker_id: f.planner.id,
        corrects: None,
    }
}

#[test]
fn attempts_are_recorded_corrected_and_read_newest_first() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 2);
    let letter = f.store.outreach().record(attempt(&f, h.id)).unwrap();
    let call = f
        .store
        .outreach()
        .record(NewOutreachAttempt {
            attempted_on: date(2024, 5, 10),
            mode: OutreachMode::Phone,
            result: OutreachResult::NoAnswer,
            ..attempt(&f, h.id)
        })
        .unwrap();
    // The call was in fact a refusal: a new record corrects it.
    let fixed = f
        .store
        .outreach()
        .record(NewOutreachAttempt {
            attempted_on: date(2024, 5, 10),
            mode: OutreachMode::Phone,
            result: OutreachResult::Refused,
            refusal_reason: Some(RefusalReason::AlreadyServed),
            corrects: Some(call.id),
            ..attempt(&f, h.id)
        })
        .unwrap();
    let held: Vec<_> = f
        .store
        .outreach()
        .for_household(h.id)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(held, vec![fixed.id, letter.id]);
    // Each is a change for the server (append-only records).
    let outbox = f.store.outbox(100).unwrap();
    let ours = outbox
        .iter()
        .filter(|c| c.entity == "outreach_attempts")
        .count();
    assert_eq!(ours, 3);
}

#[test]
fn a_bad_attempt_names_its_field_and_writes_nothing() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 2);
    let other = f.household("김하나", "길음로 2", 2);
    let theirs = f.store.outreach().record(attempt(&f, other.id)).unwrap();
    let before = f.store.outbox_len().unwrap();
    let cases: Vec<(NewOutreachAttempt, &str, &str)> = vec![
        (
            NewOutreachAttempt {
                result: OutreachResult::NoAnswer,
                ..attempt(&f, h.id)
            },
            "outreach_result_not_for_mode",
            "outreach.result",
        ),
        (
            NewOutreachAttempt {
                mode: OutreachMode::Home,
                result: OutreachResult::Refused,
                ..attempt(&f, h.id)
            },
            "refusal_reason_required",
            "outreach.refusal_reason",
        ),
        (
            NewOutreachAttempt {
                refusal_reason: Some(RefusalReason::Privacy),
                ..attempt(&f, h.id)
            },
            "refusal_reason_not_applicable",
            "outreach.refusal_reason",
        ),
        (
            NewOutreachAttempt {
                attempted_on: date(2024, 5, 21),
                ..attempt(&f, h.id)
            },
            "date_in_future",
            "outreach.attempted_on",
        ),
        (
            NewOutreachAttempt {
                corrects: Some(theirs.id),
                ..attempt(&f, h.id)
            },
            "correction_of_other_household",
            "outreach.corrects",
        ),
    ];
    for (bad, code, field) in cases {
        let e = f.store.outreach().record(bad).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{e}");
        assert!(!e.ko.is_empty() && !e.en.is_empty());
    }
    let e = f
        .store
        .outreach()
        .record(attempt(&f, new_id()))
        .unwrap_err();
    assert_eq!(e.code, "household_not_found");
    assert_eq!(f.store.outbox_len().unwrap(), before, "nothing to sync");
    assert_eq!(f.store.outreach().for_household(h.id).unwrap(), vec![]);
}

#[test]
fn texts_go_to_the_unreached_and_for_the_crisis_centre_to_refusals_in_neutral_words() {
    use donghaeng_core::model::HouseholdTag;
    use donghaeng_core::store::households::NewHousehold;
    let f = fixture();
    let with_phone = |head: &str, phone: Option<&str>| {
        f.store
            .households()
            .create(NewHousehold {
                dong_id: f.dong.id,
                head_name: head.into(),
                address: "역삼로 1".into(),
                location: None,
                crisis_level: 3,
                tags: vec![HouseholdTag::LivesAlone],
                risk_flags: vec![],
                phone: phone.map(str::to_owned),
            })
            .unwrap()
    };
    let call = |h: donghaeng_core::model::Id,
                campaign: OutreachCampaign,
                on: (u32, u32),
                mode: OutreachMode,
                result: OutreachResult| {
        f.store
            .outreach()
            .record(NewOutreachAttempt {
                household_id: h,
                campaign,
                attempted_on: date(2024, on.0, on.1),
                mode,
                result,
                refusal_reason: (result == OutreachResult::Refused).then_some(RefusalReason::Other),
                worker_id: f.planner.id,
                corrects: None,
            })
            .unwrap()
    };
    use OutreachCampaign::{Age65, CrisisFamily};
    use OutreachMode::{Phone, Text};
    use OutreachResult::{NoAnswer, Refused};
    let refused_centre = with_phone("가", Some("010-1111-0001"));
    call(refused_centre.id, CrisisFamily, (5, 15), Phone, Refused);
    let refused_visit = with_phone("나", Some("010-1111-0002"));
    call(refused_visit.id, Age65, (5, 15), Phone, Refused);
    let unreached = with_phone("다", Some("010-1111-0003"));
    call(unreached.id, Age65, (5, 18), Phone, NoAnswer);
    let no_phone = with_phone("라", None);
    call(no_phone.id, Age65, (5, 18), Phone, NoAnswer);
    let texted = with_phone("마", Some("010-1111-0005"));
    call(texted.id, CrisisFamily, (5, 10), Phone, NoAnswer);
    call(texted.id, CrisisFamily, (5, 11), Text, NoAnswer);
    let long_ago = with_phone("바", Some("010-1111-0006"));
    call(long_ago.id, Age65, (3, 1), Phone, NoAnswer);

    let texts = f
        .store
        .outreach()
        .follow_up_texts(f.dong.id, date(2024, 5, 20), 30)
        .unwrap();
    let mut to: Vec<_> = texts.iter().map(|t| (t.household_id, t.campaign)).collect();
    to.sort_by_key(|(h, _)| *h);
    let mut want = vec![(refused_centre.id, CrisisFamily), (unreached.id, Age65)];
    want.sort_by_key(|(h, _)| *h);
    assert_eq!(to, want);
    let centre = texts.iter().find(|t| t.campaign == CrisisFamily).unwrap();
    assert_eq!(centre.phone, "010-1111-0001");
    assert!(centre.text_ko.contains(&f.dong.name), "{}", centre.text_ko);
    for word in ["폭력", "학대", "소나무", "위기가정"] {
        assert!(
            !centre.text_ko.contains(word),
            "{word} in {}",
            centre.text_ko
        );
    }
    let visit = texts.iter().find(|t| t.campaign == Age65).unwrap();
    assert!(visit.text_ko.contains("만 65세") && visit.text_ko.contains("보편방문"));
    assert!(!visit.text_en.is_empty());
    // A unit that is not a 동 is a clear error.
    let e = f
        .store
        .outreach()
        .follow_up_texts(f.team.id, date(2024, 5, 20), 30)
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("outreach.dong_id"));
}
