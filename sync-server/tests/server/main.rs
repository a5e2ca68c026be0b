//! Sync server integration tests: one test binary (fewer, smaller binaries to link).

mod admin_cli;
mod admin_errors;
mod admin_listing;
mod authz_matrix;
mod common;
mod convergence;
mod dashboard_auth;
mod dashboard_authz;
mod dashboard_fixture;
mod enrol_retry;
mod forged_pushes;
mod http_auth;
mod http_bad_input;
mod http_ops;
mod http_sync;
mod pg_concurrency;
mod pg_convergence;
mod pg_harness;
mod pg_process;
mod pg_store;
mod process_restart;
mod pull_pages;
mod safety;
mod server_logs;
mod store_restart;
mod tls;
