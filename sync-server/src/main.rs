//! `donghaeng-sync-server`: serves the sync API on an embedded SQLite file (default) or on PostgreSQL
//! (`--postgres URL`, several nodes), or runs an admin command. See `sync-server/README.md`; the
//! body is [`donghaeng_sync_server::cli::main`] so that the end-to-end tests can build the same
//! process under their own binary name.

fn main() -> std::process::ExitCode {
    donghaeng_sync_server::cli::main()
}
