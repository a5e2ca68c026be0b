//! `donghaeng demo`: a demo device. Builds (or reopens) a synthetic 동 in a local database file and walks
//! through a visiting nurse's morning: today's agenda (each visit's pair with their roles), the 동's due
//! list with its reasons (made by the core from the stored records), a visit with
//! its wellness check, and the household's history — all offline, on the real store.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use donghaeng_core::clock::{kst, local_date};
use donghaeng_core::model::*;
use donghaeng_core::schedule::{DueItem, DueReason};
use donghaeng_core::store::history::HistoryEntry;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;
use donghaeng_core::synthetic::{generate, SyntheticConfig};
use donghaeng_core::CoreResult;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The demo device's database file (created with a synthetic 동 if it does not exist).
    #[arg(long, default_value = "donghaeng-demo.db")]
    pub db: PathBuf,
    /// Delete the file first and build a fresh synthetic 동.
    #[arg(long)]
    pub fresh: bool,
}

pub fn run(args: &DemoArgs) -> CoreResult<()> {
    if args.fresh {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = args.db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    let existed = args.db.exists();
    let store = Store::open(&args.db)?;
    let today = local_date(Utc::now());
    let dong_count: i64 = store.read(|tx| {
        Ok(tx.query_row(
            "SELECT count(*) FROM org_units WHERE kind = 'dong'",
            [],
            |r| r.get(0),
        )?)
    })?;
    if !existed || dong_count == 0 {
        println!("합성 동 데이터를 만드는 중… / generating a synthetic 동…");
        let d = generate(&store, &SyntheticConfig::dong(today))?;
        println!(
            "  가구 {} · 가구원 {} · 직원·봉사자 {} · 방문 {} · 안부확인 {}  (households, members, workers, visits, wellness checks)",
            d.household_ids.len(),
            d.persons,
            d.workers.len(),
            d.visits,
            d.wellness_checks
        );
    }
    let dong_id: String = store.read(|tx| {
        Ok(tx.query_row(
            "SELECT id FROM org_units WHERE kind = 'dong' LIMIT 1",
            [],
            |r| r.get(0),
        )?)
    })?;
    let dong_id = Id::parse_str(&dong_id).map_err(donghaeng_core::CoreError::storage)?;
    let dong = store.org().get(dong_id)?;
    println!("\n== {} · {} ({})", dong.name, today, args.db.display());

    // The nurse with the fullest day, today if anyone has visits today, else the next such day.
    let nurses: Vec<Worker> = store
        .org()
        .children(dong.id)?
        .iter()
        .map(|t| store.workers().by_team(t.id))
        .collect::<CoreResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .filter(|w| w.has_role(Role::VisitingNurse))
        .collect();
    let mut best: Option<(Worker, chrono::NaiveDate, usize)> = None;
    'days: for i in 0..14 {
        let day = today + chrono::Days::new(i);
        for n in &nurses {
            let len = store.agenda().for_worker(n.id, day)?.len();
            if len > 0 && best.as_ref().is_none_or(|b| len > b.2) {
                best = Some((n.clone(), day, len));
            }
        }
        if best.is_some() {
            break 'days;
        }
    }
    let Some((nurse, day, _)) = best else {
        println!("앞으로 2주간 방문간호사 일정이 없습니다 / no nurse visits in the next two weeks");
        return Ok(());
    };
    let agenda = store.agenda().for_worker(nurse.id, day)?;
    println!(
        "\n-- {} 방문간호사 {}의 일정 / agenda of visiting nurse {}",
        day, nurse.name, nurse.name
    );
    for item in &agenda {
        let t = item
            .visit
            .window
            .start
            .with_timezone(&kst())
            .format("%H:%M");
        // 2인 1조: each partner with their roles.
        let partners: Vec<String> = item
            .partners
            .iter()
            .map(|p| {
                let roles: Vec<&str> = p.roles.iter().map(|r| r.label_ko()).collect();
                format!("{}({})", p.name, roles.join("·"))
            })
            .collect();
        let flags: Vec<&str> = item.risk_flags.iter().map(|f| f.label_ko()).collect();
        println!(
            "  {t}  {} [{}] {}  위기도 {}({})  동행: {}{}",
            item.visit.purpose.label_ko(),
            item.visit.contact_mode.label_ko(),
            item.head_name,
            item.crisis_level.value(),
            item.crisis_level.label_ko(),
            if partners.is_empty() {
                "-".to_string()
            } else {
                partners.join(", ")
            },
            if flags.is_empty() {
                String::new()
            } else {
                format!("  ⚠ {}", flags.join(", "))
            }
        );
    }

    // A home visit made in pairs (2인 1조): the next one on any nurse's agenda, both people with
    // their roles.
    'pair: for i in 0..14 {
        let day = today + chrono::Days::new(i);
        for n in &nurses {
            let items = store.agenda().for_worker(n.id, day)?;
            let Some(item) = items
                .iter()
                .find(|i| i.visit.contact_mode == ContactMode::Home && !i.partners.is_empty())
            else {
                continue;
            };
            let who = |name: &str, roles: &[Role]| {
                let roles: Vec<&str> = roles.iter().map(|r| r.label_ko()).collect();
                format!("{name}({})", roles.join("·"))
            };
            let mut people = vec![who(&n.name, &n.roles)];
            people.extend(item.partners.iter().map(|p| who(&p.name, &p.roles)));
            println!(
                "\n-- 2인 1조 가정방문 / a paired home visit: {} {}  {} {} — {}",
                day,
                item.visit
                    .window
                    .start
                    .with_timezone(&kst())
                    .format("%H:%M"),
                item.visit.purpose.label_ko(),
                item.head_name,
                people.join(" + ")
            );
            break 'pair;
        }
    }

    // The 동's due list, made by the core from the stored records (the function the dashboard
    // calls on its copy of the same records).
    let due = store.due_today(dong.id, today)?;
    let all: Vec<&DueItem> = due
        .overdue
        .iter()
        .chain(&due.due_today)
        .chain(&due.upcoming)
        .collect();
    println!(
        "\n-- 오늘의 방문 도래 목록 / due list: 지연 {} · 오늘 {} · 예정 {} (overdue · today · upcoming)",
        due.overdue.len(),
        due.due_today.len(),
        due.upcoming.len()
    );
    for reason in DueReason::ALL {
        let n = all.iter().filter(|i| i.reason == *reason).count();
        if n > 0 {
            println!("  {} / {}: {n}", reason.label_ko(), reason.label_en());
        }
    }
    // One example of each reason other than the crisis cadence (65/70세, births, after-care …),
    // most urgent first.
    let mut shown = std::collections::HashSet::new();
    for item in all
        .iter()
        .filter(|i| i.reason != DueReason::CrisisMonitoring)
    {
        if shown.insert(item.reason) {
            println!(
                "  · {} (기한 {}): {}",
                item.reason.label_ko(),
                item.due,
                item.ko
            );
        }
    }

    // Walk through the first planned visit: start, complete, wellness check.
    if let Some(item) = agenda
        .iter()
        .find(|i| day == today && i.visit.status == VisitStatus::Planned)
    {
        let now = Utc::now();
        let visits = store.visits();
        visits.start(item.visit.id, now)?;
        visits.complete(
            item.visit.id,
            now + Duration::minutes(35),
            VisitOutcome::Met,
            Some("데모 방문"),
        )?;
        let mut checklist = WellnessChecklist::all_good();
        checklist.heating_cooling = Observation::Concern;
        store.wellness().record(NewWellnessCheck {
            household_id: item.visit.household_id,
            visit_id: Some(item.visit.id),
            worker_id: nurse.id,
            checked_at: now + Duration::minutes(35),
            contact_mode: item.visit.contact_mode,
            checklist,
            note: Some("난방 상태 주의, 다음 방문 때 재확인".into()),
            corrects: None,
        })?;
        println!(
            "\n-- {} 가구 방문 완료, 안부확인 기록 / visit done, wellness check recorded",
            item.head_name
        );
        let page = store.history().page(item.visit.household_id, None, 5)?;
        for (at, entry) in &page.entries {
            let at = at.with_timezone(&kst()).format("%Y-%m-%d %H:%M");
            match entry {
                HistoryEntry::Visit(v) => println!(
                    "  {at}  방문 {} · {}",
                    v.purpose.label_ko(),
                    v.outcome.map_or(v.status.label_ko(), |o| o.label_ko())
                ),
                HistoryEntry::Wellness(w) => println!(
                    "  {at}  안부확인{}",
                    if w.checklist.is_urgent() {
                        " (긴급)"
                    } else {
                        ""
                    }
                ),
                HistoryEntry::Note(_) => println!("  {at}  상담 기록"),
                HistoryEntry::Service(p) => println!("  {at}  서비스 제공 {}", p.item.label_ko()),
            }
        }
    }
    // At the kitchen table: a household that just lost its income (the built-in figures are 2022's).
    let sample = r#"{
        "as_of": "2022-06-15", "residence": "seoul",
        "household": {"size": 2, "members": [{"birth_date": "1950-03-02", "disabled": false}],
                      "monthly_income_won": 1500000, "property_won": 120000000,
                      "financial_assets_won": 3000000, "lonely_death_risk": false, "receiving": [],
                      "health_insurance_bottom_20pct": false},
        "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]}
    }"#;
    let input = donghaeng_core::eligibility::EvaluationInput::from_json(sample)?;
    let out = donghaeng_core::eligibility::evaluate(&input)?;
    // The demo's date is fixed so that its output does not change from day to day; 2022 is the year
    // whose figures are the seed's own (not provisional). `eligibility evaluate` takes any date.
    println!("\n-- 복지 자격 판정 예시 / eligibility example (2인 가구, 실직)");
    println!(
        "   기준일 2022-06-15: 시드 문서(2022년 계획)의 확정 수치로 보여 줍니다 / evaluated on 2022-06-15, the year of the seed's confirmed figures"
    );
    for line in donghaeng_core::eligibility::render_text(&out).lines() {
        println!("  {line}");
    }
    println!("\n데모 끝 / demo done. 데이터 파일: {}", args.db.display());
    Ok(())
}
