//! A real server process for the tests that start the binary: a guard that kills it, and a free
//! loopback port to give it.

use std::process::Child;

/// Kills the child on drop so a failing test leaves no server behind.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `donghaeng-sync-server --db DB admin ARGS…`: its standard output, or its standard error
/// when it fails.
pub fn run_admin(db: &std::path::Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_donghaeng-sync-server"))
        .arg("--db")
        .arg(db)
        .arg("admin")
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
