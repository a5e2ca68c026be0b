//! `donghaeng-sync-server`: serves the sync API on an embedded SQLite file (default) or on PostgreSQL
//! (`--postgres URL`, several nodes), or runs an admin command. See `sync-server/README.md`.

use std::process::ExitCode;

use clap::Parser;

use donghaeng_sync_server::cli::{self, Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        // Colour codes only for a person at a terminal, never in collected log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let args = Cli::parse();
    let choice = args.store_choice();
    let result = match args.command {
        Some(Command::Admin(cmd)) => cli::admin(choice, cmd).await.map(|out| {
            println!("{out}");
        }),
        Some(Command::Serve) | None => cli::serve(choice, args.serve).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
