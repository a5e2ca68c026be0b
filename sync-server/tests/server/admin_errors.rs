//! Every admin subcommand, given bad input, fails in the one error format of the Donghaeng
//! commands (`CoreError::cli_report`, as `donghaeng` prints): `오류: <Korean>`, `error: <English>`,
//! `code: <code>[, field: <field>]`, each on its own line, nothing on stdout, exit status 2.

use std::process::Command;

use clap::Subcommand;
use donghaeng_sync_server::admin::AdminCommand;

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

/// A random id no store holds.
const NOBODY: &str = "0197a6f0-0000-7000-8000-00000000dead";

/// (subcommand and its bad arguments, the code it must report, the field if any).
fn bad_inputs() -> Vec<(Vec<&'static str>, &'static str, Option<&'static str>)> {
    vec![
        (
            vec!["create-unit", "--kind", "dong", "--name", "길음1동"],
            "unit_parent_required",
            Some("parent_id"),
        ),
        (
            vec!["create-unit", "--kind", "planet", "--name", "x"],
            "usage_invalid",
            Some("kind"),
        ),
        (
            vec![
                "create-user",
                "--unit",
                NOBODY,
                "--name",
                "김",
                "--role",
                "visiting_nurse",
            ],
            "org_unit_not_found",
            None,
        ),
        (
            vec!["create-user", "--unit", NOBODY, "--name", "김"],
            "usage_invalid",
            Some("role"),
        ),
        (
            vec!["issue-enrolment-code", "--user", NOBODY],
            "user_not_found",
            None,
        ),
        (
            vec!["issue-enrolment-code", "--user", "nope"],
            "usage_invalid",
            Some("user"),
        ),
        (
            vec![
                "publish-config",
                "--kind",
                "cadence",
                "--unit",
                NOBODY,
                "--file",
                "/nonexistent/x.json",
            ],
            "config_file_unreadable",
            Some("file"),
        ),
        (
            vec!["revoke-device", "--device", NOBODY],
            "device_not_found",
            None,
        ),
        (
            vec!["set-privilege", "--user", NOBODY, "--privilege", "admin"],
            "user_not_found",
            None,
        ),
        (
            vec!["set-privilege", "--user", NOBODY, "--privilege", "king"],
            "usage_invalid",
            Some("privilege"),
        ),
        (
            vec![
                "set-login",
                "--user",
                NOBODY,
                "--login",
                "kim",
                "--password-file",
                "/nonexistent/pw",
            ],
            "password_file_unreadable",
            Some("password_file"),
        ),
        (
            vec!["list-units", "--bogus"],
            "usage_invalid",
            Some("bogus"),
        ),
        (
            vec!["list-users", "--unit", NOBODY],
            "org_unit_not_found",
            None,
        ),
        (
            vec!["list-devices", "--user", NOBODY, "--json"],
            "user_not_found",
            None,
        ),
        (vec!["no-such-command"], "usage_invalid", None),
    ]
}

/// Checks one failure's stderr line by line.
fn assert_common_format(stderr: &str, code: &str, field: Option<&str>, what: &str) {
    assert!(
        stderr.ends_with('\n'),
        "{what}: not newline-terminated: {stderr:?}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{what}: three lines: {stderr}");
    let ko = lines[0]
        .strip_prefix("오류: ")
        .unwrap_or_else(|| panic!("{what}: {stderr}"));
    assert!(
        ko.chars().any(|c| ('가'..='힣').contains(&c)),
        "{what}: the first line is Korean: {stderr}"
    );
    let en = lines[1]
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{what}: {stderr}"));
    assert!(!en.trim().is_empty(), "{what}: {stderr}");
    let expected = match field {
        Some(f) => format!("code: {code}, field: {f}"),
        None => format!("code: {code}"),
    };
    assert_eq!(lines[2], expected, "{what}: {stderr}");
}

#[test]
fn every_admin_subcommand_reports_bad_input_in_the_common_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let cases = bad_inputs();
    // Every subcommand has a case, so a new one cannot escape the check.
    let all = AdminCommand::augment_subcommands(clap::Command::new("admin"));
    for sub in all.get_subcommands() {
        assert!(
            cases.iter().any(|(args, _, _)| args[0] == sub.get_name()),
            "no bad-input case for `admin {}`",
            sub.get_name()
        );
    }
    for (args, code, field) in cases {
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .arg("admin")
            .args(&args)
            .env_remove("DONGHAENG_DATABASE_URL")
            .output()
            .unwrap();
        let what = format!("admin {}", args.join(" "));
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(out.stdout.is_empty(), "{what}: printed on stdout");
        assert_common_format(&String::from_utf8(out.stderr).unwrap(), code, field, &what);
    }
}

#[test]
fn a_server_that_cannot_start_reports_in_the_common_format_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--db")
        .arg(dir.path().join("server.db"))
        .args(["--alarm-webhook", "not a url"])
        .env_remove("DONGHAENG_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    // Log lines may come first; the report is the last three lines.
    let lines: Vec<&str> = stderr.lines().collect();
    let report = lines[lines.len().saturating_sub(3)..].join("\n") + "\n";
    assert_common_format(
        &report,
        "alarm_webhook_invalid",
        Some("alarm_webhook"),
        "serve",
    );
}
