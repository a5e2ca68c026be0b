//! The command line (명령줄): `serve` (the default) and `admin` subcommands. Every serve option can be
//! given by flag or environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use donghaeng_core::error::CLI_ERROR_EXIT;
use donghaeng_core::sync::validate::DEFAULT_PULL_PAGE_BYTES;
use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::{CoreError, CoreResult};

pub use crate::admin::{admin, AdminCommand, AdminOutput};
use crate::clock::Clock;
use crate::safety::{Leadership, RetryPolicy, SafetyHub, WebhookNotifier};
use crate::state::{AppState, ServerConfig};
use crate::store::postgres::{PgStore, DEFAULT_MAX_CONNECTIONS};
use crate::store::sqlite::SqliteStore;

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
    /// Log lines on stderr: `text` for a person (the default) or `json`, one JSON object per line
    /// for a log collector. Either way no personal data: ids, routes, statuses, counts.
    #[arg(long, env = "DONGHAENG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The format of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// How often the safety monitor checks deadlines, in seconds (1–30; issue 5: a dead phone's
    /// overdue alarm within one tick of expected return + grace).
    #[arg(long, env = "DONGHAENG_SAFETY_TICK_SECS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=30))]
    pub safety_tick_secs: u64,
    /// POST every safety alarm notice as JSON to this URL (an SMS gateway, a paging system); retried
    /// with backoff. See docs/safety.md for the body.
    #[arg(long, env = "DONGHAENG_ALARM_WEBHOOK")]
    pub alarm_webhook: Option<String>,
    /// This server node's name: its safety alerts are recorded under a device id derived from it, so
    /// keep it stable across restarts and distinct per node.
    #[arg(long, env = "DONGHAENG_NODE", default_value = "server")]
    pub node: String,
    /// Serve HTTPS with this certificate chain (PEM: the server's certificate, then intermediates).
    /// Needs --tls-key. Without both, plain HTTP (for a reverse proxy that does TLS, or loopback).
    /// SIGHUP re-reads both files after a renewal. See docs/security-transport.md.
    #[arg(long, env = "DONGHAENG_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "DONGHAENG_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Byte budget of one pull page, backfill included (at least one change per page, however
    /// large; docs/sync.md "Pull pages").
    #[arg(long, env = "DONGHAENG_PULL_PAGE_BYTES", default_value_t = DEFAULT_PULL_PAGE_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub pull_page_bytes: u64,
    /// The scope index's own database file (derived from the log: ids and stamps only, rebuilt
    /// from the log whenever it is missing or stale; docs/sync.md "Costs"). Default: beside the
    /// SQLite database (`<db>.scope-index`); with PostgreSQL, in memory unless given (a node's
    /// local disk: each node keeps its own).
    #[arg(long, env = "DONGHAENG_SCOPE_INDEX")]
    pub scope_index: Option<PathBuf>,
    /// How long a client may take to send a request's headers (also an idle keep-alive
    /// connection's lifetime), in seconds.
    #[arg(long, env = "DONGHAENG_HEADER_TIMEOUT_S", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_s: u64,
    /// How long a request's body may take to arrive after its headers, in seconds (408
    /// body_timeout beyond).
    #[arg(long, env = "DONGHAENG_BODY_TIMEOUT_S", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_s: u64,
    /// Most connections open at once, TLS handshakes included; beyond it new connections wait in
    /// the listen queue. Lowered at start-up to fit the open-file limit (64 kept for the server).
    #[arg(long, env = "DONGHAENG_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// The dashboard map's tiles: a URL template of the district's own tile server with {z}, {x}
    /// and {y} (e.g. https://map.example.go.kr/tiles/{z}/{x}/{y}.png). Default none: the map
    /// shows its markers on a plain background and asks no map service for anything.
    #[arg(long, env = "DONGHAENG_MAP_TILE_URL")]
    pub map_tile_url: Option<String>,
    /// The attribution the tiles' licence asks for, shown in the map's corner.
    #[arg(
        long,
        env = "DONGHAENG_MAP_TILE_ATTRIBUTION",
        requires = "map_tile_url"
    )]
    pub map_tile_attribution: Option<String>,
}

impl ServeArgs {
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            max_body_bytes: self.max_body_bytes,
            token_ttl_ms: self.token_ttl_s.saturating_mul(1000),
            safety_tick: std::time::Duration::from_secs(self.safety_tick_secs.clamp(1, 30)),
            pull_page_bytes: usize::try_from(self.pull_page_bytes).unwrap_or(usize::MAX),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_s),
            body_timeout: std::time::Duration::from_secs(self.body_timeout_s),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            // Checked by `serve` before anything starts (`map_tiles`).
            map_tiles: self.map_tiles().ok().flatten(),
            ..ServerConfig::default()
        }
    }

    /// The map's tile source, checked (`None`: no tiles).
    pub fn map_tiles(&self) -> CoreResult<Option<crate::dashboard::map::MapTiles>> {
        self.map_tile_url
            .as_deref()
            .map(|url| {
                crate::dashboard::map::MapTiles::parse(url, self.map_tile_attribution.as_deref())
                    .map_err(|e| {
                        CoreError::invalid(
                            "map_tile_url_invalid",
                            "map_tile_url",
                            format!("지도 타일 주소가 올바르지 않습니다: {e}"),
                            format!("invalid map tile URL: {e}"),
                        )
                    })
            })
            .transpose()
    }

    /// The TLS files when both are given (clap refuses one without the other).
    pub fn tls_files(&self) -> Option<crate::tls::TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        }
    }

    pub fn skew(&self) -> SkewPolicy {
        SkewPolicy {
            max_future_drift_ms: self.max_future_drift_s.saturating_mul(1000),
        }
    }
}

/// The whole server process: logs to stderr (no personal data: ids, routes, counts), then serve or
/// an admin command as the command line says. Every failure, an unreadable command line included,
/// prints in the one format of the Donghaeng commands ([`CoreError::cli_report`]).
pub fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_failure(e),
    };
    init_logs(args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return failure(&CoreError::storage(format!(
                "cannot start the async runtime: {e}"
            )))
        }
    };
    let choice = args.store_choice();
    let result = runtime.block_on(async {
        match args.command {
            Some(Command::Admin(cmd)) => admin(choice, cmd).await.map(|out| {
                print!("{}", out.render());
            }),
            Some(Command::Serve) | None => serve(choice, args.serve).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure(&e),
    }
}

/// Log lines to stderr in the chosen format. DONGHAENG_LOG=error|warn|info|debug|trace (default
/// info); every level is free of personal data (the end-to-end log check runs at debug).
fn init_logs(format: LogFormat) {
    let level = std::env::var("DONGHAENG_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let base = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only for a person at a terminal, never in collected log files.
        LogFormat::Text => base
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // The event's fields at the top level of each object (`"latency_ms":1.2`), no span
        // context (the server opens no spans).
        LogFormat::Json => base
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

/// Prints a failure in the common format and gives the common exit status.
fn failure(e: &CoreError) -> ExitCode {
    eprint!("{}", e.cli_report());
    ExitCode::from(CLI_ERROR_EXIT)
}

/// A command line clap could not read: help and version print as clap does; anything else (an
/// unknown subcommand or option, a malformed id, a missing argument) is a `usage_invalid` error in
/// the common format.
fn usage_failure(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    failure(&usage_error(&e))
}

/// The [`CoreError`] of a clap error: clap's own explanation (its first paragraph, on one line)
/// and the argument concerned as the field (`unit` for `--unit <UNIT>`).
pub fn usage_error(e: &clap::Error) -> CoreError {
    use clap::error::{ContextKind, ContextValue};
    let rendered = e.render().to_string();
    let detail = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let detail = detail.strip_prefix("error: ").unwrap_or(&detail).to_owned();
    let field = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => Some(arg.clone()),
        Some(ContextValue::Strings(args)) => args.first().cloned(),
        _ => None,
    }
    .map(|arg| {
        arg.split_whitespace()
            .next()
            .unwrap_or("")
            .trim_start_matches('-')
            .to_owned()
    })
    .filter(|f| !f.is_empty());
    CoreError::usage(field.as_deref(), detail)
}

/// The scope index's default file for a SQLite database: beside it, `<db>.scope-index`.
pub fn scope_index_beside(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".scope-index");
    PathBuf::from(name)
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(choice: StoreChoice, args: ServeArgs) -> CoreResult<()> {
    // A bad webhook URL is refused before anything starts.
    let hook = match &args.alarm_webhook {
        Some(url) => Some(WebhookNotifier::new(url.as_str()).map_err(|e| {
            CoreError::invalid(
                "alarm_webhook_invalid",
                "alarm_webhook",
                format!("경보 웹훅 주소가 올바르지 않습니다: {e}"),
                e,
            )
        })?),
        None => None,
    };
    // So is a bad map tile template.
    args.map_tiles()?;
    // A bad certificate or key is refused before anything starts, like a bad webhook.
    let tls = match args.tls_files() {
        Some(files) => Some(crate::tls::CertStore::open(files)?),
        None => None,
    };
    let mut index_file = args.scope_index.clone();
    let (mut state, leadership): (AppState, Option<Arc<dyn Leadership>>) = match choice {
        StoreChoice::Sqlite(db) => {
            let store = SqliteStore::open(&db, args.skew())?;
            index_file.get_or_insert_with(|| scope_index_beside(&db));
            (AppState::new(store, args.config(), Clock::system()), None)
        }
        StoreChoice::Postgres {
            url,
            max_connections,
        } => {
            let store = PgStore::connect(&url, args.skew(), max_connections).await?;
            tracing::info!(store = "postgres", "database schema current");
            let lease: Arc<dyn Leadership> = Arc::new(store.safety_leadership());
            (
                AppState::new(store, args.config(), Clock::system()),
                Some(lease),
            )
        }
    };
    state.safety = Arc::new(SafetyHub::new(state.changes.clone(), &args.node));
    if let Some(l) = leadership {
        // Several nodes may share the database: one of them stores and pages the alarms.
        state.safety.set_leadership(l);
    }
    state.safety.rebuild(state.clock.now_ms()).await?;
    // The scope index is ready before the first request: its file at the position it saved, and
    // the log after it.
    if index_file.is_none() {
        tracing::info!("scope index in memory (no --scope-index): read from the log at each start");
    }
    if let Some(file) = &index_file {
        state = state.with_scope_index(file)?;
    }
    if state.config.role_scopes {
        let started = std::time::Instant::now();
        state.catch_up_scope().await?;
        let seq = state.scope.read().await.last_seq();
        tracing::info!(
            seq,
            ms = started.elapsed().as_millis() as u64,
            "scope index ready"
        );
    }
    if let Some(hook) = hook {
        state
            .safety
            .set_notifier(Arc::new(hook), RetryPolicy::default());
    }
    state
        .safety
        .spawn_ticker(state.clock.clone(), state.config.safety_tick);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CoreError::storage(format!("cannot listen on {}: {e}", args.addr)))?;
    let bound = listener.local_addr().unwrap_or(args.addr);
    tracing::info!(addr = %bound, tls = tls.is_some(), "serving");
    let hub = state.safety.clone();
    // Served over TLS, the dashboard's session cookie is marked Secure.
    state
        .dashboard
        .secure_cookies
        .store(tls.is_some(), std::sync::atomic::Ordering::Relaxed);
    let limits = crate::serve::Limits {
        max_connections: crate::serve::effective_max_connections(state.config.max_connections),
        ..crate::serve::Limits::of(&state.config)
    };
    let app = crate::build_app(state);
    let shutdown = async move {
        shutdown_signal().await;
        // Live alarm feeds never end by themselves: end them so the shutdown completes.
        hub.close();
    };
    match tls {
        Some(certs) => {
            let config = certs.server_config()?;
            crate::tls::reload_on_hangup(certs);
            // The peer address (`tls::PeerAddr`) feeds the dashboard's per-address login throttle.
            crate::serve::serve_tls(listener, config, app, limits, shutdown).await;
        }
        None => crate::serve::serve_plain(listener, app, limits, shutdown).await,
    }
    Ok(())
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
