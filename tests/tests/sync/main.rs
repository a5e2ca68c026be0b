//! End-to-end sync suites (issue 7): real server processes on loopback, real device store files, a
//! fault-injecting proxy, SIGKILLed servers and devices, and phones with wrong clocks.

mod harness;

mod clock_skew;
mod config_by_sync;
mod device_crash;
mod limits;
mod lossy_network;
mod postgres_nodes;
mod scopes;
mod server_crash;
mod snapshot;
