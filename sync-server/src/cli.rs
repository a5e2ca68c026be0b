//! The command line (명령줄): `serve` (the default) and `admin` subcommands. Every serve option can be
//! given by flag or environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::{CoreError, CoreResult};

use crate::clock::Clock;
use crate::state::{AppState, ServerConfig};
use crate::store::postgres::{PgStore, DEFAULT_MAX_CONNECTIONS};
use crate::store::sqlite::SqliteStore;
use crate::store::AuthStore;

#[derive(Debug, Parser)]
#[command(
    name = "donghaeng-sync-server",
    version,
    about = "Donghaeng sync server (동행 동기화 서버)"
)]
pub struct Cli {
    /// The embedded SQLite database file; created and migrated if missing.
    #[arg(
        long,
        env = "DONGHAENG_DB",
        default_value = "./donghaeng-server.db",
        global = true
    )]
    pub db: PathBuf,
    /// A PostgreSQL database instead of the SQLite file, for several server nodes sharing one
    /// database (`postgres://user:password@host:port/database`); the schema is created or migrated
    /// on start. Prefer the environment variable: a password on the command line is visible to
    /// every user of the machine.
    #[arg(
        long,
        env = "DONGHAENG_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub postgres: Option<String>,
    /// Connections this node keeps at most to PostgreSQL.
    #[arg(long, env = "DONGHAENG_PG_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS, global = true)]
    pub pg_max_connections: usize,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Where the server keeps its data.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// The embedded SQLite file (the default).
    Sqlite(PathBuf),
    /// A PostgreSQL database shared by several nodes.
    Postgres { url: String, max_connections: usize },
}

impl Cli {
    /// PostgreSQL when a URL is given, the SQLite file otherwise.
    pub fn store_choice(&self) -> StoreChoice {
        match &self.postgres {
            Some(url) if !url.trim().is_empty() => StoreChoice::Postgres {
                url: url.clone(),
                max_connections: self.pg_max_connections,
            },
            _ => StoreChoice::Sqlite(self.db.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API (the default).
    Serve,
    /// Administration on the database file: org units, users, enrolment codes, devices.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DONGHAENG_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// How far ahead of this server's clock a change may be stamped, in seconds (default 5 minutes;
    /// see docs/sync.md "Clock skew").
    #[arg(long, env = "DONGHAENG_MAX_FUTURE_DRIFT_S", default_value_t = 300)]
    pub max_future_drift_s: u64,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "DONGHAENG_TOKEN_TTL_S", default_value_t = 900)]
    pub token_ttl_s: i64,
    /// Largest request body, in bytes.
    #[arg(long, env = "DONGHAENG_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
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
    },
    /// Issue a one-time enrolment code for a user (valid 24 hours); prints it once.
    IssueEnrolmentCode {
        #[arg(long)]
        user: Uuid,
    },
    /// Revoke a device: it is refused from now on and told to wipe its data.
    RevokeDevice {
        #[arg(long)]
        device: Uuid,
    },
}

impl ServeArgs {
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            max_body_bytes: self.max_body_bytes,
            token_ttl_ms: self.token_ttl_s.saturating_mul(1000),
            ..ServerConfig::default()
        }
    }

    pub fn skew(&self) -> SkewPolicy {
        SkewPolicy {
            max_future_drift_ms: self.max_future_drift_s.saturating_mul(1000),
        }
    }
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(choice: StoreChoice, args: ServeArgs) -> CoreResult<()> {
    let state = match choice {
        StoreChoice::Sqlite(db) => {
            let store = SqliteStore::open(&db, args.skew())?;
            AppState::new(store, args.config(), Clock::system())
        }
        StoreChoice::Postgres {
            url,
            max_connections,
        } => {
            let store = PgStore::connect(&url, args.skew(), max_connections).await?;
            tracing::info!(store = "postgres", "database schema current");
            AppState::new(store, args.config(), Clock::system())
        }
    };
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CoreError::storage(format!("cannot listen on {}: {e}", args.addr)))?;
    let bound = listener.local_addr().unwrap_or(args.addr);
    tracing::info!(addr = %bound, "serving");
    axum::serve(listener, crate::build_app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| CoreError::storage(format!("server failed: {e}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Runs an admin command on the database (SQLite file or PostgreSQL) and returns what to print
/// (JSON).
pub async fn admin(choice: StoreChoice, cmd: AdminCommand) -> CoreResult<serde_json::Value> {
    let store: Box<dyn AuthStore> = match choice {
        StoreChoice::Sqlite(db) => Box::new(SqliteStore::open(&db, SkewPolicy::default())?),
        // One connection is all a single admin command needs.
        StoreChoice::Postgres { url, .. } => {
            Box::new(PgStore::connect(&url, SkewPolicy::default(), 1).await?)
        }
    };
    let clock = Clock::system();
    let config = ServerConfig::default();
    Ok(match cmd {
        AdminCommand::CreateUnit { kind, name, parent } => {
            let id = store.create_unit(kind, name, parent).await?;
            json!({"unit_id": id, "kind": kind})
        }
        AdminCommand::CreateUser { unit, name, role } => {
            let user = store.create_user(unit, name, role).await?;
            json!({"user_id": user.id, "unit_id": user.unit_id, "role": user.role})
        }
        AdminCommand::IssueEnrolmentCode { user } => {
            let code = store
                .issue_enrolment_code(user, clock.now_ms(), config.enrolment_ttl_ms)
                .await?;
            json!({"code": code.code, "user_id": code.user_id, "expires_at_ms": code.expires_at_ms})
        }
        AdminCommand::RevokeDevice { device } => {
            store.revoke_device(device, clock.now_ms()).await?;
            json!({"revoked": device})
        }
    })
}
