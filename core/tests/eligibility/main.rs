//! eligibility integration tests, one test binary for the area (fewer, smaller binaries to link).

mod after_2022;
mod cli;
mod figures;
mod input;
mod living_allowance;
mod params;
mod props;
mod rules;
