//! HTTPS served by the server itself (전송 암호화): rustls with the `ring` provider (the one the
//! HTTP client already uses, so no second crypto library and no cmake / nasm to build), TLS 1.2
//! and 1.3, certificate and key read from PEM files.
//!
//! - [`TlsFiles`]: where the PEM files are; [`CertStore`] holds the certificate in use and swaps
//!   in a renewed one on [`CertStore::reload`] (the serve loop calls it on `SIGHUP`), without a
//!   restart and without dropping connections; a renewed pair that does not load is refused and
//!   the old certificate keeps serving;
//! - [`accept_tls`]: accepts TCP connections under the connection cap (`crate::serve`) and hands
//!   the serve loop only finished TLS streams. Handshakes run in their own tasks with a time
//!   limit, so a client that connects and says nothing holds up no one else.
//!
//! Plain HTTP stays the default for a server behind a reverse proxy that does the TLS (see
//! `docs/security-transport.md`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use donghaeng_core::{CoreError, CoreResult};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::serve::{accept_tcp, take_slot, Accepted};

/// How long a client may take to finish the TLS handshake (our choice: generous for a phone on a
/// slow link, short enough that idle half-open connections do not pile up).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// Finished handshakes waiting for axum to take them.
const READY_QUEUE: usize = 64;

/// The certificate chain and private key files (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate first, then any intermediates (e.g. a `fullchain.pem`).
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

fn tls_error(field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid("tls_config_invalid", field, ko, en)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path, field: &str) -> CoreResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        tls_error(
            field,
            format!("TLS 파일을 읽을 수 없습니다: {} ({e})", path.display()),
            format!("cannot read the TLS file {} ({e})", path.display()),
        )
    })
}

impl TlsFiles {
    /// Reads and checks the pair: at least one certificate, a private key, and the key belongs to
    /// the first certificate.
    pub fn load(&self) -> CoreResult<Arc<CertifiedKey>> {
        let cert_pem = read(&self.cert, "tls_cert")?;
        let certs = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                tls_error(
                    "tls_cert",
                    format!(
                        "인증서 PEM을 읽을 수 없습니다: {} ({e})",
                        self.cert.display()
                    ),
                    format!(
                        "cannot read the certificate PEM {} ({e})",
                        self.cert.display()
                    ),
                )
            })?;
        if certs.is_empty() {
            return Err(tls_error(
                "tls_cert",
                format!(
                    "인증서 파일에 CERTIFICATE가 없습니다: {}",
                    self.cert.display()
                ),
                format!(
                    "the certificate file has no CERTIFICATE block: {}",
                    self.cert.display()
                ),
            ));
        }
        let key_pem = read(&self.key, "tls_key")?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            tls_error(
                "tls_key",
                format!(
                    "개인 키 PEM을 읽을 수 없습니다: {} ({e})",
                    self.key.display()
                ),
                format!(
                    "cannot read the private key PEM {} ({e})",
                    self.key.display()
                ),
            )
        })?;
        let certified = CertifiedKey::from_der(certs, key, &provider()).map_err(|e| {
            tls_error(
                "tls_key",
                format!("개인 키가 인증서와 맞지 않거나 지원하지 않는 형식입니다 ({e})"),
                format!("the private key does not match the certificate or is not supported ({e})"),
            )
        })?;
        Ok(Arc::new(certified))
    }
}

/// The certificate in use, replaceable while serving.
pub struct CertStore {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertStore {
    /// Loads the pair once; an error here stops the server before it listens.
    pub fn open(files: TlsFiles) -> CoreResult<Arc<CertStore>> {
        let current = RwLock::new(files.load()?);
        Ok(Arc::new(CertStore { files, current }))
    }

    /// Reads the files again (after a renewal). New connections get the new certificate; on any
    /// error the old one stays in use and the error is returned.
    pub fn reload(&self) -> CoreResult<()> {
        let fresh = self.files.load()?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    /// The rustls configuration serving this store's certificate (HTTP/1.1 only, as the router).
    pub fn server_config(self: &Arc<Self>) -> CoreResult<Arc<rustls::ServerConfig>> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| CoreError::storage(format!("TLS set-up failed: {e}")))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

/// Accepts TCP connections on `tcp` under the connection cap and yields them once their TLS
/// handshake has finished. A slot is taken before `accept` and travels with the connection, so
/// handshakes in progress count against the cap too. Handshakes run in their own tasks with a time
/// limit, so a client that connects and says nothing holds up no one else. The accept task ends
/// when the receiver is dropped.
pub fn accept_tls(
    tcp: TcpListener,
    config: Arc<rustls::ServerConfig>,
    slots: Arc<Semaphore>,
) -> mpsc::Receiver<Accepted<TlsStream<TcpStream>>> {
    let (tx, ready) = mpsc::channel(READY_QUEUE);
    tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), slots, tx));
    ready
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    slots: Arc<Semaphore>,
    tx: mpsc::Sender<Accepted<TlsStream<TcpStream>>>,
) {
    loop {
        let slot = tokio::select! {
            () = tx.closed() => return,
            s = take_slot(&slots) => s,
        };
        let (stream, peer) = tokio::select! {
            () = tx.closed() => return,
            a = accept_tcp(&tcp) => a,
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(io)) => {
                    let _ = tx.send(Accepted { io, peer, slot }).await;
                }
                // A failed handshake (a scanner, plain HTTP on the TLS port, an untrusting client)
                // is logged without the peer's address: no personal data in logs.
                Ok(Err(e)) => tracing::info!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::info!("TLS handshake timed out"),
            }
        });
    }
}

/// Reloads the certificate on every `SIGHUP` (after a renewal, e.g. from certbot's deploy hook).
pub fn reload_on_hangup(store: Arc<CertStore>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot watch SIGHUP: the TLS certificate reloads only on restart");
            return;
        };
        while hup.recv().await.is_some() {
            match store.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(e) => {
                    tracing::warn!(code = e.code, error = %e.en, "TLS certificate reload refused; the previous certificate stays in use")
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = store;
}

/// The client's address on a TLS connection: what `ConnectInfo<SocketAddr>` is on plain TCP (the
/// dashboard's per-address login throttle reads either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);
