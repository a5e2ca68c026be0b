//! store integration tests, one test binary for the area (fewer, smaller binaries to link).

mod audit;
mod common;
mod crash;
mod discharge;
mod due;
mod encryption;
mod migrations;
mod outreach;
mod queries;
mod services;
mod synthetic;
mod validation;
