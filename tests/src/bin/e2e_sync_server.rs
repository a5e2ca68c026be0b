//! The sync server process, built under this package so that the end-to-end tests can start, kill
//! and restart it (`CARGO_BIN_EXE_e2e-sync-server`).

fn main() -> std::process::ExitCode {
    donghaeng_sync_server::cli::main()
}
