//! safety integration tests, one test binary for the area (fewer, smaller binaries to link).

mod bad_input;
mod duress;
mod fixtures;
mod incident;
mod incident_store;
mod props;
mod sim;
mod start;
mod store;
mod tick_session;
