//! Configuration travels by sync: the admin publishes a district's cadence table, a team's safety
//! ladder, a disaster advisory and an eligibility parameter set; a phone of that team receives and
//! uses them, a phone of another district receives none; a bad document is refused before it is
//! published.

use chrono::{Duration, Utc};
use donghaeng_core::model::new_id;
use donghaeng_core::safety::{Contact, DisasterAdvisory, TeamSafetyConfig};
use donghaeng_core::schedule::CadenceConfig;

use crate::harness::{admin, admin_fails, unit, user, Device, Org, ServerProcess};

#[test]
fn published_configuration_reaches_the_phones_in_scope_and_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let url = server.url();
    let org = Org::create(&db);
    let city = admin(
        &db,
        &["create-unit", "--kind", "city", "--name", "대전광역시"],
    );
    let elsewhere = unit(
        &db,
        "district",
        "유성구",
        Some(city["unit_id"].as_str().unwrap().parse().unwrap()),
    );

    let write = |name: &str, body: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let publish = |kind: &str, unit: uuid::Uuid, file: &str| {
        let unit = unit.to_string();
        admin(
            &db,
            &[
                "publish-config",
                "--kind",
                kind,
                "--unit",
                &unit,
                "--file",
                file,
            ],
        )["document_id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap()
    };

    // The district checks level-3 households every 60 days instead of quarterly.
    let cadence = CadenceConfig {
        crisis_interval_days: [365, 182, 60, 30, 7],
        ..CadenceConfig::default()
    };
    let cadence_file = write("cadence.json", serde_json::to_string(&cadence).unwrap());
    let cadence_doc = publish("cadence", org.district, &cadence_file);
    // The team's ladder with its real numbers and a 5-minute grace.
    let mut ladder = TeamSafetyConfig::standard(
        Contact::new("팀장", "010-1000-2000"),
        Contact::new("동장", "010-3000-4000"),
    );
    ladder.grace_secs = 300;
    let ladder_file = write("ladder.json", serde_json::to_string(&ladder).unwrap());
    publish("safety_ladder", org.team, &ladder_file);
    // A heavy-rain advisory for the district.
    let now = Utc::now();
    let advisory = DisasterAdvisory::new(
        new_id(),
        org.district,
        "호우경보",
        now,
        now + Duration::days(1),
    )
    .unwrap();
    let advisory_file = write("advisory.json", serde_json::to_string(&advisory).unwrap());
    publish("disaster_advisory", org.district, &advisory_file);
    // The city publishes a parameter table (here: the median-income table again).
    let params_file = write(
        "median.json",
        include_str!("../../../core/src/eligibility/params/median_income.json").to_owned(),
    );
    let params_doc = publish("eligibility_params", org.district, &params_file);

    // A document that fails its own checks is refused before it reaches anyone.
    let bad = CadenceConfig {
        crisis_interval_days: [365, 182, 0, 30, 7],
        ..CadenceConfig::default()
    };
    let bad_file = write("bad.json", serde_json::to_string(&bad).unwrap());
    let district = org.district.to_string();
    let err = admin_fails(
        &db,
        &[
            "publish-config",
            "--kind",
            "cadence",
            "--unit",
            &district,
            "--file",
            &bad_file,
        ],
    );
    assert!(err.contains("interval") || err.contains("주기"), "{err}");
    let err = admin_fails(
        &db,
        &[
            "publish-config",
            "--kind",
            "cadence",
            "--unit",
            &district,
            "--file",
            &params_file,
        ],
    );
    assert!(
        err.contains("config_body_invalid") || err.contains("cannot be read"),
        "{err}"
    );

    // A volunteer's phone of the team receives all of it (configuration is not personal data).
    let (_, code) = user(&db, org.team, "volunteer_neighborhood_care");
    let phone = Device::enrol(dir.path().join("phone.db"), None, &url, &code, &url);
    phone.sync_until_ok(2);
    let docs = phone.store.config_docs();
    let got = docs.cadence(org.team).unwrap();
    assert_eq!(got.value, cadence);
    assert_eq!(got.document, Some(cadence_doc));
    assert!(got.refused.is_empty());
    let got = docs.safety(org.team).unwrap();
    assert_eq!(got.value, Some(ladder.clone()));
    let got = docs.advisories(org.team).unwrap();
    assert_eq!(got.value, vec![advisory.clone()]);
    let got = docs.eligibility().unwrap();
    assert_eq!(got.document, Some(params_doc));
    assert!(got.refused.is_empty());

    // Republishing the cadence replaces it (one document per kind and unit).
    let cadence2 = CadenceConfig {
        crisis_interval_days: [365, 182, 45, 30, 7],
        ..CadenceConfig::default()
    };
    let cadence_file = write("cadence2.json", serde_json::to_string(&cadence2).unwrap());
    assert_eq!(publish("cadence", org.district, &cadence_file), cadence_doc);
    phone.sync_until_ok(2);
    assert_eq!(
        phone.store.config_docs().cadence(org.team).unwrap().value,
        cadence2
    );

    // Another district's phone receives none of it and keeps the defaults.
    let (other_dong, other_team) = Org::dong_with_team(&db, elsewhere, "온천1동");
    let _ = other_dong;
    let (_, code) = user(&db, other_team, "welfare_planner");
    let other = Device::enrol(dir.path().join("other.db"), None, &url, &code, &url);
    other.sync_until_ok(2);
    let docs = other.store.config_docs();
    assert!(docs.all().unwrap().is_empty());
    let got = docs.cadence(other_team).unwrap();
    assert_eq!(got.value, CadenceConfig::default());
    assert_eq!(got.document, None);
    assert_eq!(docs.safety(other_team).unwrap().value, None);
}
