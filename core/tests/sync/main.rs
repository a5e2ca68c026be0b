//! sync integration tests, one test binary for the area (fewer, smaller binaries to link).

mod convergence;
mod device_apply;
mod device_capture;
mod device_client;
mod device_common;
mod hlc;
mod merge;
mod validate;
