//! A fault-injecting HTTP/1.1 proxy on loopback (결함 주입 프록시). Devices talk to it instead of the
//! server; per request it passes, drops the request, drops the response after the server has
//! committed, sends the request twice, or delays it — chosen by a seeded generator, so a failing run
//! replays from its seed.
//!
//! One request per connection (`connection: close` both ways) keeps the byte handling simple: the
//! proxy reads the request head and its `content-length` body, and the upstream answer up to EOF.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::rng::Rng;

/// Chances, in percent, of each fault per request (the rest pass untouched).
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub drop_request: u64,
    pub drop_response: u64,
    pub duplicate: u64,
    pub delay: u64,
}

impl Faults {
    pub const NONE: Faults = Faults {
        drop_request: 0,
        drop_response: 0,
        duplicate: 0,
        delay: 0,
    };
}

/// What the proxy did, counted.
#[derive(Debug, Default)]
pub struct Counts {
    pub passed: AtomicU64,
    pub dropped_requests: AtomicU64,
    pub dropped_responses: AtomicU64,
    pub duplicated: AtomicU64,
    pub delayed: AtomicU64,
    /// Requests the proxy could not hand to the server (it was down).
    pub upstream_down: AtomicU64,
}

impl Counts {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    plan: Mutex<(Faults, Rng)>,
    counts: Counts,
    stop: AtomicBool,
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

enum Fault {
    Pass,
    DropRequest,
    DropResponse,
    Duplicate,
    Delay(Duration),
}

impl FaultProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream`.
    pub fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            plan: Mutex::new((faults, Rng::new(seed))),
            counts: Counts::default(),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                thread::spawn(move || {
                    let _ = handle(conn, &s);
                });
            }
        });
        Ok(FaultProxy { addr, shared })
    }

    /// `http://127.0.0.1:port`, for the device's sync client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the proxy at a restarted server.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().unwrap() = upstream;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.plan.lock().unwrap().0 = faults;
    }

    pub fn counts(&self) -> &Counts {
        &self.shared.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn choose(shared: &Shared) -> Fault {
    let mut plan = shared.plan.lock().unwrap();
    let (f, rng) = &mut *plan;
    let roll = rng.below(100);
    let mut edge = f.drop_request;
    if roll < edge {
        return Fault::DropRequest;
    }
    edge += f.drop_response;
    if roll < edge {
        return Fault::DropResponse;
    }
    edge += f.duplicate;
    if roll < edge {
        return Fault::Duplicate;
    }
    edge += f.delay;
    if roll < edge {
        return Fault::Delay(Duration::from_millis(rng.below(40)));
    }
    Fault::Pass
}

fn handle(client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = read_request(&client)?;
    let fault = choose(shared);
    let upstream = *shared.upstream.lock().unwrap();
    let counts = &shared.counts;
    let answer = match fault {
        Fault::DropRequest => {
            counts.dropped_requests.fetch_add(1, Ordering::Relaxed);
            return client.shutdown(Shutdown::Both);
        }
        Fault::Pass => forward(upstream, &request),
        Fault::Delay(d) => {
            counts.delayed.fetch_add(1, Ordering::Relaxed);
            thread::sleep(d);
            forward(upstream, &request)
        }
        Fault::DropResponse => {
            // The server does the work; the device never hears of it.
            if forward(upstream, &request).is_ok() {
                counts.dropped_responses.fetch_add(1, Ordering::Relaxed);
            }
            return client.shutdown(Shutdown::Both);
        }
        Fault::Duplicate => {
            let first = forward(upstream, &request);
            if first.is_ok() {
                counts.duplicated.fetch_add(1, Ordering::Relaxed);
            }
            forward(upstream, &request)
        }
    };
    match answer {
        Ok(bytes) => {
            if matches!(fault, Fault::Pass) {
                counts.passed.fetch_add(1, Ordering::Relaxed);
            }
            (&client).write_all(&bytes)?;
            client.shutdown(Shutdown::Both)
        }
        Err(_) => {
            counts.upstream_down.fetch_add(1, Ordering::Relaxed);
            client.shutdown(Shutdown::Both)
        }
    }
}

/// Reads one request: the head (with any `connection` header replaced by `connection: close`) and
/// its body.
fn read_request(conn: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut reader = BufReader::new(conn);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") {
            continue;
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v
                .trim()
                .parse()
                .map_err(|_| std::io::ErrorKind::InvalidData)?;
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    head.extend_from_slice(&body);
    Ok(head)
}

/// Sends `request` to the server and reads its whole answer (the server closes after it).
fn forward(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    conn.write_all(request)?;
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer)?;
    if answer.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(answer)
}
