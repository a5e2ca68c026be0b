//! eligibility integration tests, one test binary for the area (fewer, smaller binaries to link).

mod after_2022;
mod cli;
mod docs;
mod figures;
mod fixtures;
mod household;
mod income_concepts;
mod input;
mod living_allowance;
mod params;
mod props;
mod rules;
mod schema;
