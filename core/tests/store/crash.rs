//! Crash safety for real: a child process writes household intakes (a household and its members in one
//! transaction) in a loop and is killed with SIGKILL at an arbitrary moment; the file is reopened and
//! must hold every intake the child reported committed, and no half-written one.
//!
//! The child is this same test binary, re-run with an environment variable (no extra binary needed).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use donghaeng_core::model::*;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::Store;

const CHILD_ENV: &str = "DONGHAENG_CRASH_CHILD_DB";
const MEMBERS: usize = 40;

/// Runs only as the child: writes intakes forever, printing each committed one.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not the child: nothing to do.
    };
    let store = Store::open(&path).unwrap();
    let dong_id = store
        .read(|tx| {
            Ok(
                tx.query_row("SELECT id FROM org_units WHERE kind = 'dong'", [], |r| {
                    r.get::<_, String>(0)
                })?,
            )
        })
        .unwrap();
    let dong_id = Id::parse_str(&dong_id).unwrap();
    for i in 0.. {
        let members = (0..MEMBERS)
            .map(|m| NewMember {
                name: format!("가구원{i}-{m}"),
                birth_date: NaiveDate::from_ymd_opt(1950 + (m as i32 % 50), 1, 1).unwrap(),
                sex: Sex::Female,
                relation: Relation::Other,
                disability: Disability::None,
            })
            .collect();
        let (h, _) = store
            .households()
            .create_with_members(
                NewHousehold {
                    dong_id,
                    head_name: format!("가구{i}"),
                    address: format!("서울 강남구 역삼로 {i}"),
                    location: None,
                    crisis_level: 3,
                    tags: vec![],
                    risk_flags: vec![],
                    phone: None,
                },
                members,
            )
            .unwrap();
        // Flushed before the next intake begins, so at most one commit can ever go unreported.
        let mut out = std::io::stdout().lock();
        writeln!(out, "committed {}", h.id).unwrap();
        out.flush().unwrap();
    }
}

/// The id in a "committed <id>" line. libtest may print "test crash_child_writer ... " on the same line
/// before the first one, so the marker is searched, not expected at the start.
fn committed_id(line: &str) -> Option<&str> {
    line.split_once("committed ").map(|(_, id)| id.trim())
}

#[test]
fn killed_mid_write_leaves_old_or_new_state_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    {
        let store = Store::open(&path).unwrap();
        let city = store
            .org()
            .create(OrgUnitKind::City, "서울특별시", None)
            .unwrap();
        let gu = store
            .org()
            .create(OrgUnitKind::District, "강남구", Some(city.id))
            .unwrap();
        store
            .org()
            .create(OrgUnitKind::Dong, "역삼1동", Some(gu.id))
            .unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    // libtest names a test by its module path inside the test binary (`crash::crash_child_writer`).
    let child_test = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::crash_child_writer"),
        None => "crash_child_writer".to_string(),
    };
    let mut reported: Vec<Id> = Vec::new();
    for round in 0..6 {
        let mut child = Command::new(&exe)
            .args(["--exact", &child_test, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Let it commit a few intakes (a different number each round), then kill it while it writes.
        let wanted = 3 + round * 2;
        let mut seen = 0;
        while seen < wanted {
            let line = lines.next().expect("child ended early").unwrap();
            if let Some(id) = committed_id(&line) {
                reported.push(Id::parse_str(id).unwrap());
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Lines the child printed before dying are commits too.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = committed_id(&line) {
                reported.push(Id::parse_str(id).unwrap());
            }
        }

        let store = Store::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        let (households, bad): (i64, i64) = store
            .read(|tx| {
                Ok(tx.query_row(
                    "SELECT count(*), count(*) FILTER (WHERE n <> ?1) FROM (
                         SELECT h.id, (SELECT count(*) FROM persons p WHERE p.household_id = h.id) AS n
                           FROM households h)",
                    [MEMBERS as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(
            bad, 0,
            "round {round}: a household with some of its members"
        );
        for id in &reported {
            assert!(
                store.households().get(*id).is_ok(),
                "round {round}: committed intake {id} lost"
            );
        }
        // At most one intake may have committed after the last line was printed.
        assert!(
            households as usize == reported.len() || households as usize == reported.len() + 1,
            "round {round}: {households} households, {} reported",
            reported.len()
        );
        if households as usize == reported.len() + 1 {
            // Adopt the silent commit so the next round's count stays exact.
            let extra: Vec<Id> = store
                .read(|tx| {
                    let mut st = tx.prepare("SELECT id FROM households")?;
                    let ids = st
                        .query_map([], |r| r.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(ids)
                })
                .unwrap()
                .into_iter()
                .map(|s| Id::parse_str(&s).unwrap())
                .filter(|id| !reported.contains(id))
                .collect();
            reported.extend(extra);
        }
    }
}
