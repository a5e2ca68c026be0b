//! schedule integration tests, one test binary for the area (fewer, smaller binaries to link).

mod cadence;
mod exact;
mod planner;
mod priority;
mod records;
mod replan;
mod support;
