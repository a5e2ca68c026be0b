//! `donghaeng sync-demo`: two phones and the sync server. A welfare planner's phone enrols, receives
//! the org tree the admin made, records households, plans visits (one with a volunteer) and a wellness
//! check, and syncs; then the volunteer's phone enrols and receives only the household she is assigned
//! to, without its case records. Last, the planner's phone starts two safety sessions (visits on
//! the way), one overdue and one with an SOS, so that the supervisor's board shows what it is for.
//! Prints counts, never personal data.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, Utc};
use donghaeng_core::model::*;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient, SyncPhase, SyncProgress};
use donghaeng_core::{CoreError, CoreResult};

#[derive(Debug, clap::Args)]
pub struct SyncDemoArgs {
    /// The sync server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub server: String,
    /// A welfare planner's one-time enrolment code (`admin issue-enrolment-code`).
    #[arg(long)]
    pub planner_code: String,
    /// A volunteer's one-time enrolment code (same team).
    #[arg(long)]
    pub volunteer_code: String,
    /// Where the two phones' database files go (replaced on every run: codes work once).
    #[arg(long, default_value = "donghaeng-phones")]
    pub dir: PathBuf,
}

struct Printed;

impl SyncProgress for Printed {
    fn progress(&mut self, phase: SyncPhase, done: u64, total: u64) {
        let (ko, en) = match phase {
            SyncPhase::Push => ("보내기", "push"),
            SyncPhase::Pull => ("받기", "pull"),
        };
        println!("    {ko} / {en}: {done}/{total}");
    }
}

/// A phone: a fresh store file, enrolled; its client fetches and renews access tokens itself.
fn phone(args: &SyncDemoArgs, name: &str, code: &str) -> CoreResult<(Store, SyncClient, Id)> {
    std::fs::create_dir_all(&args.dir).map_err(CoreError::storage)?;
    let path = args.dir.join(format!("{name}.db"));
    remove_db(&path);
    let store = Store::open(&path)?;
    let client = SyncClient::new(Routes::new(args.server.clone(), None))?;
    let cred = client.enrol(&store, code)?;
    let user_id = cred.user_id;
    client.use_credential(cred);
    Ok((store, client, user_id))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn count(store: &Store, table: &str) -> CoreResult<i64> {
    store.read(|tx| Ok(tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
}

fn first_id(store: &Store, sql: &str) -> CoreResult<Id> {
    let s: String = store.read(|tx| Ok(tx.query_row(sql, [], |r| r.get(0))?))?;
    Id::parse_str(&s).map_err(CoreError::storage)
}

pub fn run(args: &SyncDemoArgs) -> CoreResult<()> {
    println!("\n== 동기화 시연 / sync demo ({})", args.server);
    let (planner, client, planner_id) = phone(args, "planner", &args.planner_code)?;
    println!("  복지플래너 기기 등록 / planner's phone enrolled; first sync:");
    client.sync(&planner, &mut Printed)?;
    println!(
        "  조직 {} · 직원 {}  (org units, workers from the admin)",
        count(&planner, "org_units")?,
        count(&planner, "workers")?
    );
    // The planner's team and 동 are where the admin put her (her worker id is her user id).
    let team = first_id(
        &planner,
        &format!("SELECT team_id FROM workers WHERE id = '{planner_id}'"),
    )?;
    let dong = first_id(
        &planner,
        &format!("SELECT parent_id FROM org_units WHERE id = '{team}'"),
    )?;
    let volunteer_id = first_id(
        &planner,
        &format!(
            "SELECT id FROM workers WHERE team_id = '{team}' AND roles LIKE '%volunteer%' LIMIT 1"
        ),
    )?;

    // A morning's work, offline: three households, two visits (one with the volunteer), a check and
    // a case note.
    let mut households = Vec::new();
    let mut records = Vec::new();
    for (i, head) in ["김영수", "이순자", "박민호"].iter().enumerate() {
        let (h, _) = planner.households().create_with_members(
            NewHousehold {
                dong_id: dong,
                head_name: (*head).into(),
                address: format!("시연로 {}길 {}", i + 1, 10 + i),
                location: Some((37.50 + i as f64 / 1000.0, 127.03)),
                crisis_level: 5 - i as i64,
                tags: vec![HouseholdTag::LivesAlone],
                // One household with what a visitor must know (the board shows it).
                risk_flags: if i == 0 { vec![RiskFlag::Dog] } else { vec![] },
                phone: None,
            },
            vec![NewMember {
                name: format!("{head} 가족"),
                birth_date: NaiveDate::from_ymd_opt(1948 + i as i32, 3, 1).unwrap_or_default(),
                sex: Sex::Female,
                relation: Relation::Spouse,
                disability: Disability::None,
            }],
        )?;
        households.push(h.id);
        records.push(h);
    }
    let start = Utc::now() + Duration::hours(2);
    for (h, team) in [
        (households[0], vec![planner_id, volunteer_id]),
        (households[1], vec![planner_id]),
    ] {
        planner.visits().plan(NewVisit {
            household_id: h,
            purpose: VisitPurpose::WellnessCheck,
            contact_mode: ContactMode::Home,
            window_start: start,
            window_end: start + Duration::hours(1),
            required_roles: vec![],
            assigned: team,
            note: None,
        })?;
    }
    planner.wellness().record(NewWellnessCheck {
        household_id: households[0],
        visit_id: None,
        worker_id: planner_id,
        checked_at: Utc::now(),
        contact_mode: ContactMode::Phone,
        checklist: WellnessChecklist::all_good(),
        note: None,
        corrects: None,
    })?;
    planner.notes().add(NewCaseNote {
        household_id: households[0],
        case_id: None,
        visit_id: None,
        author_id: planner_id,
        written_at: Utc::now(),
        body: "시연용 상담 기록".into(),
        corrects: None,
    })?;
    let sessions = safety_sessions(&planner, &records, planner_id, volunteer_id, dong)?;
    println!("  안전 세션 {sessions}건 시작: 복귀 지연 1, SOS 1 / {sessions} safety sessions: one overdue, one SOS");
    println!("  기록 후 동기화 / sync after the morning's records:");
    let report = client.sync(&planner, &mut Printed)?;
    println!(
        "  보냄 {} · 거부 {}  (pushed, refused)",
        report.pushed,
        report.refused.len()
    );

    let (volunteer, vclient, _) = phone(args, "volunteer", &args.volunteer_code)?;
    println!("  봉사자 기기 등록 / volunteer's phone enrolled; first sync:");
    vclient.sync(&volunteer, &mut Printed)?;
    println!(
        "  복지플래너: 가구 {} · 상담기록 {}  |  봉사자: 가구 {} · 상담기록 {} · 안부확인 {}",
        count(&planner, "households")?,
        count(&planner, "case_notes")?,
        count(&volunteer, "households")?,
        count(&volunteer, "case_notes")?,
        count(&volunteer, "wellness_checks")?
    );
    println!(
        "  (planner: households, case notes | volunteer: only the assigned household, no case notes)"
    );
    Ok(())
}

/// Two home visits on the way, recorded on the planner's phone with the volunteer: one started 70
/// minutes ago and due back 15 minutes ago (overdue past the 10-minute grace: the server
/// escalates it), one started now whose planner pressed SOS. Returns how many were started.
fn safety_sessions(
    planner: &Store,
    households: &[Household],
    planner_id: Id,
    volunteer_id: Id,
    dong: Id,
) -> CoreResult<usize> {
    use donghaeng_core::safety::{
        Actor, Contact, SafetyAssessment, SafetyMonitor, StartRequest, TeamSafetyConfig,
    };
    let district = first_id(
        planner,
        &format!("SELECT parent_id FROM org_units WHERE id = '{dong}'"),
    )?;
    let workers = [
        planner.workers().get(planner_id)?,
        planner.workers().get(volunteer_id)?,
    ];
    // Synthetic contacts (the demo's ladder; a team publishes its own with `admin publish-config`).
    let config = TeamSafetyConfig::standard(
        Contact::new("시연팀장", "010-0000-0001"),
        Contact::new("시연동장", "010-0000-0002"),
    );
    let device = planner.device_id()?.to_string();
    let actor = Actor::new(planner_id, device.clone());
    let mut monitor = SafetyMonitor::new(device);
    let now = Utc::now();
    let mut events = Vec::new();
    for (household, started, back) in [
        (
            &households[1],
            now - Duration::minutes(70),
            now - Duration::minutes(15),
        ),
        (&households[0], now, now + Duration::minutes(60)),
    ] {
        let req = StartRequest {
            session_id: None,
            visit_id: None,
            household,
            district_id: district,
            contact_mode: ContactMode::Home,
            workers: &workers,
            expected_return: back,
            checkin_interval_secs: None,
            assessment: SafetyAssessment::complete(),
            advisory_override: None,
            config: &config,
            regular_volunteer: None,
            advisories: &[],
        };
        events.push(monitor.start(&req, &actor, started)?.event);
    }
    let sos_session = events[1].session_id;
    events.push(monitor.sos(sos_session, &actor, now)?.event);
    planner.safety_events().record_all(&events)?;
    Ok(2)
}
