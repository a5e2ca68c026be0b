//! The serve loop (연결 관리): accepts connections under a cap and serves each over HTTP/1.1 with a
//! header read timeout; the body read deadline is a layer of the router ([`body_deadline`]).
//!
//! `axum::serve` cannot set hyper's header read timeout nor cap connections, so the loop is ours,
//! on hyper's own HTTP/1 connection builder (the router speaks HTTP/1.1 only):
//!
//! - **connection cap**: a slot (semaphore permit) is taken *before* `accept`, and held by the
//!   connection — TLS handshake included — until it closes. At the cap the server stops accepting;
//!   new clients wait in the kernel's listen queue and are taken as slots free up. Accepted
//!   connections keep being served, and the process never runs out of file descriptors for its
//!   own database files (the cap is lowered to fit the open-file limit, [`effective_max_connections`]);
//! - **header read timeout** (`ServerConfig::header_timeout`): a client that has not sent a whole
//!   request head within it — from the moment the connection is ready for one, so an idle
//!   keep-alive connection too — is dropped;
//! - **body read deadline** (`ServerConfig::body_timeout`): measured from the end of the headers
//!   for the whole body, so a client that trickles a byte now and then is cut as surely as one that
//!   sends nothing (an idle-gap timeout such as tower-http's `RequestBodyTimeout` would let the
//!   trickle hold its slot for ever); answered 408 `body_timeout`, then the connection closes;
//! - **graceful shutdown**: on the signal the loop stops accepting, every connection finishes its
//!   request in flight and closes, and the call returns when all have.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tower_service::Service;

use crate::state::ServerConfig;

/// File descriptors kept for the server itself beyond its connections: the database files and
/// their journals, the connection pool, the listener, the alarm webhook's client, the runtime.
pub const RESERVED_FILES: usize = 64;

/// The connection settings of the serve loop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn of(config: &ServerConfig) -> Limits {
        Limits {
            header_timeout: config.header_timeout,
            max_connections: config.max_connections.max(1),
        }
    }
}

/// One accepted connection, holding its slot until it is dropped.
pub struct Accepted<I> {
    pub io: I,
    pub peer: SocketAddr,
    pub slot: OwnedSemaphorePermit,
}

/// The slots of the connection cap.
pub fn slots(limits: &Limits) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(limits.max_connections))
}

/// Takes a free slot, saying so in the log when the server is full (it then waits for one).
pub async fn take_slot(slots: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return slot;
    }
    tracing::warn!("connection limit reached: new connections wait until one closes");
    match slots.clone().acquire_owned().await {
        Ok(slot) => slot,
        // The semaphore is never closed; if it were, nothing more could be served.
        Err(_) => std::future::pending().await,
    }
}

/// Serves `app` on plain TCP until `shutdown` resolves, then shuts down gracefully.
pub async fn serve_plain(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = slots(&limits);
    let (tx, rx) = mpsc::channel(1);
    let accept = tokio::spawn(accept_plain(listener, slots, tx));
    run(rx, app, limits.header_timeout, shutdown, |peer| peer).await;
    accept.abort();
}

/// Serves `app` over TLS (`crate::tls`) until `shutdown` resolves, then shuts down gracefully.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let incoming = crate::tls::accept_tls(listener, tls, slots(&limits));
    run(
        incoming,
        app,
        limits.header_timeout,
        shutdown,
        crate::tls::PeerAddr,
    )
    .await;
}

async fn accept_plain(
    listener: TcpListener,
    slots: Arc<Semaphore>,
    tx: mpsc::Sender<Accepted<TcpStream>>,
) {
    loop {
        let slot = tokio::select! {
            () = tx.closed() => return,
            s = take_slot(&slots) => s,
        };
        let (io, peer) = tokio::select! {
            () = tx.closed() => return,
            a = accept_tcp(&listener) => a,
        };
        if tx.send(Accepted { io, peer, slot }).await.is_err() {
            return;
        }
    }
}

/// The next TCP connection; a failed accept (out of file descriptors and the like) is retried
/// after a short pause, as axum's own listener does.
pub async fn accept_tcp(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((io, peer)) => {
                let _ = io.set_nodelay(true);
                return (io, peer);
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves every connection `incoming` yields until `shutdown` resolves or `incoming` ends; then
/// stops accepting (drops `incoming`), lets each connection finish its request in flight, and
/// returns when all are closed. `peer_info` makes the `ConnectInfo` the handlers see.
pub async fn run<I, P>(
    mut incoming: mpsc::Receiver<Accepted<I>>,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send,
    peer_info: fn(SocketAddr) -> P,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    P: Clone + Send + Sync + 'static,
{
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let conn = tokio::select! {
            () = &mut shutdown => break,
            c = incoming.recv() => match c {
                Some(c) => c,
                None => break,
            },
        };
        let info = ConnectInfo(peer_info(conn.peer));
        let app = app.clone();
        let stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            serve_one(conn, app, info, header_timeout, stop).await;
            drop(done);
        });
    }
    drop(incoming);
    // Every connection task sees the change and shuts its connection down gracefully.
    let _ = stop_tx.send(());
    drop(done_rx);
    done_tx.closed().await;
}

async fn serve_one<I, P>(
    conn: Accepted<I>,
    app: Router,
    info: ConnectInfo<P>,
    header_timeout: Duration,
    mut stop: watch::Receiver<()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    P: Clone + Send + Sync + 'static,
{
    let Accepted { io, slot, .. } = conn;
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(info.clone());
        let mut app = app.clone();
        async move {
            let resp: Result<Response, Infallible> = app.call(req.map(Body::new)).await;
            resp
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                // A timed-out or reset client: normal life on the internet, not an error of ours.
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection closed");
                }
                break;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    drop(slot);
}

/// The connection cap that fits this process's open-file limit: `wanted`, lowered (with a
/// warning) so that the connections and [`RESERVED_FILES`] together stay within the soft limit.
/// Where the limit cannot be read, `wanted`.
pub fn effective_max_connections(wanted: usize) -> usize {
    let wanted = wanted.max(1);
    let Some(soft) = open_file_limit() else {
        return wanted;
    };
    let fits = soft.saturating_sub(RESERVED_FILES).max(1);
    if wanted > fits {
        tracing::warn!(
            wanted,
            open_file_limit = soft,
            max_connections = fits,
            "the open-file limit is too low for the connection cap: lowered (raise the limit, e.g. systemd LimitNOFILE, to serve more)"
        );
        return fits;
    }
    wanted
}

/// The soft limit on open files (`Max open files` of `/proc/self/limits`; Linux).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The error a request body gives when its deadline passed before it arrived.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimedOut(pub Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body not received within {:?}", self.0)
    }
}

impl std::error::Error for BodyTimedOut {}

/// Middleware: the request body must arrive whole within `limit` of the end of its headers.
pub async fn body_deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let body = Body::new(DeadlineBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep(limit)),
        limit,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// A body that fails with [`BodyTimedOut`] once its deadline passes while it waits for data.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        // Data already there is taken even past the deadline: only waiting is cut.
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            let limit = self.limit;
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut(limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an error (a body extractor's rejection) comes from a body deadline.
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at = Some(e);
    while let Some(e) = at {
        if e.is::<BodyTimedOut>() {
            return true;
        }
        at = e.source();
    }
    false
}
