//! eligibility integration tests, one test binary for the area (fewer, smaller binaries to link).

mod cli;
mod figures;
mod input;
mod params;
mod props;
mod rules;
