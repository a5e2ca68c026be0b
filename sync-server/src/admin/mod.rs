//! The admin command line (관리 명령): org units, users, enrolment codes, configuration, devices and
//! web logins on the server's database, and the listings an operator finds ids with. The commands
//! that change something print one JSON line; the listings print a table for people, or JSON with
//! `--json`. Errors print in the format of every Donghaeng command
//! (`donghaeng_core::CoreError::cli_report`).

mod listing;
mod table;

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::config_docs::ConfigKind;
use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::{CoreError, CoreResult};

use crate::cli::StoreChoice;
use crate::clock::Clock;
use crate::scope::publish;
use crate::state::ServerConfig;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{AuthStore, ChangeStore, Directory};

/// What an admin command prints on stdout.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminOutput {
    /// One JSON document (on one line).
    Json(serde_json::Value),
    /// Text for people (a table), newline-terminated.
    Text(String),
}

impl AdminOutput {
    /// The text to print, always newline-terminated (a script reading JSON line by line gets the
    /// whole document).
    pub fn render(&self) -> String {
        match self {
            AdminOutput::Json(v) => format!("{v}\n"),
            AdminOutput::Text(t) if t.ends_with('\n') => t.clone(),
            AdminOutput::Text(t) => format!("{t}\n"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an org unit (city, district, dong, team); prints its id.
    CreateUnit {
        #[arg(long)]
        kind: OrgUnitKind,
        #[arg(long)]
        name: String,
        /// The parent unit (required except for a city).
        #[arg(long)]
        parent: Option<Uuid>,
    },
    /// Create a user in a unit with a role; prints the user.
    CreateUser {
        #[arg(long)]
        unit: Uuid,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Role,
        /// The user's work mobile number (optional; digits, dashes, spaces, a leading +): the
        /// dashboard's board offers it as a tap-to-call link during a visit.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Issue a one-time enrolment code for a user (valid 24 hours); prints it once.
    IssueEnrolmentCode {
        #[arg(long)]
        user: Uuid,
        /// The address phones reach this server at: the answer then carries `link`, the payload of
        /// the QR code the phone's enrolment screen scans (`donghaeng://enrol?server=…&code=…`).
        #[arg(long)]
        server_url: Option<String>,
    },
    /// Publish configuration to the devices of a unit and below: a cadence table, a team's safety
    /// ladder, a disaster advisory or an eligibility parameter set (JSON file, checked first).
    PublishConfig {
        /// cadence | safety_ladder | disaster_advisory | eligibility_params
        #[arg(long)]
        kind: ConfigKind,
        #[arg(long)]
        unit: Uuid,
        /// The JSON document.
        #[arg(long)]
        file: PathBuf,
    },
    /// Revoke a device: it is refused from now on and told to wipe its data.
    RevokeDevice {
        #[arg(long)]
        device: Uuid,
    },
    /// Set a user's privilege on the dashboard and the alarm API: field | supervisor | admin.
    SetPrivilege {
        #[arg(long)]
        user: Uuid,
        #[arg(long)]
        privilege: crate::store::Privilege,
    },
    /// Set a user's web login name and password (hashed with argon2id). The password is read from
    /// a file (`--password-file path`) or from standard input (`--password-file -`), never from the
    /// command line, where every user of the machine could see it.
    SetLogin {
        #[arg(long)]
        user: Uuid,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password_file: PathBuf,
    },
    /// List the org units (id, kind, name, parent): a table, or JSON with --json.
    ListUnits {
        /// One JSON document for scripts instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// List the users (id, name, login, role, privilege, unit) of every unit or of one: a table,
    /// or JSON with --json. Passwords and their hashes are never shown.
    ListUsers {
        /// Only the users of this unit.
        #[arg(long)]
        unit: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// List the enrolled devices (id, user, enrolled, revoked) of every user or of one: a table,
    /// or JSON with --json. Device secrets and their hashes are never shown.
    ListDevices {
        /// Only the devices of this user.
        #[arg(long)]
        user: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
}

/// Runs an admin command on the database (SQLite file or PostgreSQL) and returns what to print.
pub async fn admin(choice: StoreChoice, cmd: AdminCommand) -> CoreResult<AdminOutput> {
    // The sides of one store: the auth records, the change log the admin's units, users and
    // configuration are published into, and the operator's listings.
    type Sides = (Box<dyn AuthStore>, Box<dyn ChangeStore>, Box<dyn Directory>);
    let (store, changes, directory): Sides = match choice {
        StoreChoice::Sqlite(db) => {
            let s = SqliteStore::open(&db, SkewPolicy::default())?;
            (Box::new(s.clone()), Box::new(s.clone()), Box::new(s))
        }
        // One connection is all a single admin command needs.
        StoreChoice::Postgres { url, .. } => {
            let s = PgStore::connect(&url, SkewPolicy::default(), 1).await?;
            (Box::new(s.clone()), Box::new(s.clone()), Box::new(s))
        }
    };
    let clock = Clock::system();
    let config = ServerConfig::default();
    Ok(AdminOutput::Json(match cmd {
        // Units and users also go into the change log, so that devices and scopes know them.
        AdminCommand::CreateUnit { kind, name, parent } => {
            let id = store.create_unit(kind, name.clone(), parent).await?;
            publish::unit(changes.as_ref(), id, kind, &name, parent, clock.now_ms()).await?;
            json!({"unit_id": id, "kind": kind})
        }
        AdminCommand::CreateUser {
            unit,
            name,
            role,
            phone,
        } => {
            // The number is checked before the user is made, so a typo leaves nothing behind.
            donghaeng_core::model::validate::optional_phone("phone", phone.as_deref())?;
            let user = store.create_user(unit, name, role).await?;
            publish::user_with_phone(changes.as_ref(), &user, phone.as_deref(), clock.now_ms())
                .await?;
            json!({"user_id": user.id, "unit_id": user.unit_id, "role": user.role})
        }
        AdminCommand::IssueEnrolmentCode { user, server_url } => {
            let code = store
                .issue_enrolment_code(user, clock.now_ms(), config.enrolment_ttl_ms)
                .await?;
            let mut answer = json!({"code": code.code, "user_id": code.user_id, "expires_at_ms": code.expires_at_ms});
            if let Some(url) = server_url {
                answer["link"] = json!(donghaeng_core::sync::enrolment::enrolment_link(
                    &url, &code.code
                ));
            }
            answer
        }
        AdminCommand::PublishConfig { kind, unit, file } => {
            let body = std::fs::read_to_string(&file).map_err(|e| {
                CoreError::invalid(
                    "config_file_unreadable",
                    "file",
                    format!("설정 파일을 읽을 수 없습니다: {} ({e})", file.display()),
                    format!(
                        "cannot read the configuration file {} ({e})",
                        file.display()
                    ),
                )
            })?;
            let id = publish::config_document(changes.as_ref(), kind, unit, &body, clock.now_ms())
                .await?;
            json!({"document_id": id, "kind": kind, "unit_id": unit})
        }
        AdminCommand::RevokeDevice { device } => {
            store.revoke_device(device, clock.now_ms()).await?;
            json!({"revoked": device})
        }
        AdminCommand::SetPrivilege { user, privilege } => {
            store.set_privilege(user, privilege).await?;
            json!({"user_id": user, "privilege": privilege})
        }
        AdminCommand::SetLogin {
            user,
            login,
            password_file,
        } => {
            let raw = read_password(&password_file)?;
            let password = crate::accounts::password::checked_new_password(&raw)?.to_owned();
            let phc =
                tokio::task::spawn_blocking(move || crate::accounts::password::hash(&password))
                    .await
                    .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))??;
            store.set_web_login(user, login.clone(), phc).await?;
            json!({"user_id": user, "login": login.trim().to_lowercase()})
        }
        AdminCommand::ListUnits { json } => {
            return Ok(listing::units(&directory.list_units().await?, json));
        }
        AdminCommand::ListUsers { unit, json } => {
            let units = directory.list_units().await?;
            if let Some(u) = unit {
                if !units.iter().any(|x| x.unit_id == u) {
                    return Err(CoreError::not_found("org_unit", u));
                }
            }
            let users = directory.list_users(unit).await?;
            return Ok(listing::users(&users, &units, json));
        }
        AdminCommand::ListDevices { user, json } => {
            let users = directory.list_users(None).await?;
            if let Some(u) = user {
                if !users.iter().any(|x| x.user_id == u) {
                    return Err(CoreError::not_found("user", u));
                }
            }
            let devices = directory.list_devices(user).await?;
            return Ok(listing::devices(&devices, &users, json));
        }
    }))
}

/// The password from a file, or from stdin for `-` (first line).
fn read_password(path: &std::path::Path) -> CoreResult<String> {
    let unreadable = |e: std::io::Error| {
        CoreError::invalid(
            "password_file_unreadable",
            "password_file",
            format!("비밀번호 파일을 읽을 수 없습니다: {e}"),
            format!("cannot read the password file: {e}"),
        )
    };
    if path == std::path::Path::new("-") {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(unreadable)?;
        return Ok(line);
    }
    std::fs::read_to_string(path).map_err(unreadable)
}
