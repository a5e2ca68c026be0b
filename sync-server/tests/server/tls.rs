//! HTTPS served by the server process itself (`serve --tls-cert --tls-key`), over real loopback
//! with a self-signed certificate made here: the device's sync client that trusts it enrols and
//! syncs; one that does not is refused with a clear error; a stalled handshake holds up no one; a
//! renewed certificate is picked up on SIGHUP and a broken renewal is refused while the old one
//! keeps serving; bad TLS files stop the server before it listens.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient};
use serde_json::Value;

use crate::server_process::run_admin;

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

/// Kills the child on drop so a failing test leaves no server behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn admin(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run_admin(db, args).unwrap_or_else(|e| panic!("{e}"))).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate for `localhost` and 127.0.0.1: (certificate PEM, key PEM).
fn self_signed() -> (String, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

fn write_pair(dir: &Path, cert: &str, key: &str) -> (PathBuf, PathBuf) {
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert).unwrap();
    std::fs::write(&k, key).unwrap();
    (c, k)
}

fn serve_args(db: &Path, port: u16, cert: &Path, key: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--db")
        .arg(db)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key);
    cmd
}

/// A blocking client that trusts only `root_pem` (no public roots), as a strict check of which
/// certificate the server presents.
fn strict_client(root_pem: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn healthy(client: &reqwest::blocking::Client, port: u16) -> bool {
    client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .is_ok_and(|r| r.status().is_success())
}

/// Waits until the server answers over HTTPS (readiness, not a timing assertion); up to ~20 s on
/// a loaded machine.
fn start(mut cmd: Command, port: u16, root_pem: &str) -> Server {
    let server = Server(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = strict_client(root_pem);
    for _ in 0..800 {
        if healthy(&client, port) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the TLS server did not start");
}

/// An org with one visiting nurse; returns her one-time enrolment code.
fn enrolment_code(db: &Path) -> String {
    let city = admin(
        db,
        &["create-unit", "--kind", "city", "--name", "서울특별시"],
    );
    let gu = admin(
        db,
        &[
            "create-unit",
            "--kind",
            "district",
            "--name",
            "성북구",
            "--parent",
            city["unit_id"].as_str().unwrap(),
        ],
    );
    let user = admin(
        db,
        &[
            "create-user",
            "--unit",
            gu["unit_id"].as_str().unwrap(),
            "--name",
            "간호사",
            "--role",
            "visiting_nurse",
        ],
    );
    let code = admin(
        db,
        &[
            "issue-enrolment-code",
            "--user",
            user["user_id"].as_str().unwrap(),
        ],
    );
    code["code"].as_str().unwrap().to_owned()
}

#[test]
fn a_device_trusting_the_servers_certificate_enrols_and_syncs_over_https_and_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let (cert, key) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &cert, &key);
    let code = enrolment_code(&db);
    let port = free_port();
    let _server = start(serve_args(&db, port, &cert_path, &key_path), port, &cert);
    let base = format!("https://localhost:{port}");

    // A connection that never starts its handshake holds up no one.
    let _stalled = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();

    // A device that does not trust the certificate learns why, before sending anything.
    let phone = Store::open(dir.path().join("phone.db")).unwrap();
    let untrusting = SyncClient::new(Routes::new(base.clone(), None)).unwrap();
    let e = untrusting.enrol(&phone, &code).unwrap_err();
    assert_eq!(e.code, "server_certificate_untrusted", "{e}");
    assert!(
        e.ko.contains("인증서") && e.en.contains("certificate"),
        "{e}"
    );

    // The same device with the deployment's root enrols (the code was not spent above) and syncs.
    let client =
        SyncClient::with_root_certificates(Routes::new(base.clone(), None), cert.as_bytes())
            .unwrap();
    let cred = client.enrol(&phone, &code).unwrap();
    let token = client.request_token(&phone, &cred).unwrap();
    client.set_bearer_token(token.access_token);
    let report = client.sync(&phone, &mut ()).unwrap();
    // A new phone takes them as a snapshot (docs/sync.md "Snapshot").
    assert!(
        report.snapshot_records + report.pulled >= 2 && report.cursor >= 2,
        "the org unit and user published by the admin arrive: {report:?}"
    );

    // The same address over plain HTTP gets no answer: the port speaks only TLS.
    let plain = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert!(plain
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .is_err());

    // Another certificate's root does not validate this server.
    let (other, _) = self_signed();
    let stranger =
        SyncClient::with_root_certificates(Routes::new(base, None), other.as_bytes()).unwrap();
    let e = stranger.enrol(&phone, "ABCD-EFGH").unwrap_err();
    assert_eq!(e.code, "server_certificate_untrusted", "{e}");
}

#[test]
fn a_renewed_certificate_is_served_after_sighup_and_a_broken_renewal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let (old_cert, old_key) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &old_cert, &old_key);
    let port = free_port();
    let server = start(
        serve_args(&db, port, &cert_path, &key_path),
        port,
        &old_cert,
    );
    let hup = |pid: u32| {
        let status = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };

    // Renewal: new files, then SIGHUP. New connections get the new certificate.
    let (new_cert, new_key) = self_signed();
    write_pair(dir.path(), &new_cert, &new_key);
    hup(server.0.id());
    let trusts_new = strict_client(&new_cert);
    let mut renewed = false;
    // The signal is handled asynchronously: wait for it (readiness, up to ~20 s).
    for _ in 0..800 {
        if healthy(&trusts_new, port) {
            renewed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(renewed, "the renewed certificate is served after SIGHUP");
    assert!(!healthy(&strict_client(&old_cert), port));

    // A broken renewal (a key that belongs to another certificate) is refused: the server keeps
    // serving the certificate it had, and keeps running.
    let (_, stray_key) = self_signed();
    std::fs::write(&key_path, stray_key).unwrap();
    hup(server.0.id());
    std::thread::sleep(Duration::from_millis(200));
    assert!(healthy(&trusts_new, port));
}

#[test]
fn bad_tls_files_stop_the_server_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &cert, &key);
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    // A certificate without its key is a usage error.
    let err = run(Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .arg("--tls-cert")
        .arg(&cert_path));
    assert!(err.contains("--tls-key"), "{err}");

    // A key that does not belong to the certificate.
    let mismatched = dir.path().join("other-key.pem");
    std::fs::write(&mismatched, other_key).unwrap();
    let err = run(&mut serve_args(&db, free_port(), &cert_path, &mismatched));
    assert!(err.contains("tls_config_invalid"), "{err}");

    // A missing file and a file that is not PEM.
    let err = run(&mut serve_args(
        &db,
        free_port(),
        &dir.path().join("absent.pem"),
        &key_path,
    ));
    assert!(
        err.contains("tls_config_invalid") && err.contains("absent.pem"),
        "{err}"
    );
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let err = run(&mut serve_args(&db, free_port(), &garbage, &key_path));
    assert!(err.contains("tls_config_invalid"), "{err}");
}

/// Over TLS too, the connection cap and the header timeout hold (here 3 connections, 1 s): three
/// clients that finish the handshake and send nothing fill the server; a fourth waits, and is
/// answered once they are dropped by the header timeout.
#[test]
fn over_tls_silent_clients_are_dropped_by_the_header_timeout_and_the_cap_lets_others_in() {
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let (cert, key) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &cert, &key);
    let port = free_port();
    let mut cmd = serve_args(&db, port, &cert_path, &key_path);
    cmd.args(["--header-timeout-s", "1", "--max-connections", "3"]);
    let _server = start(cmd, port, &cert);

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(cert.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let silent = rt.block_on(async {
        let mut open = Vec::new();
        for _ in 0..3 {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            let name = ServerName::try_from("localhost").unwrap();
            open.push(connector.connect(name, tcp).await.unwrap());
        }
        open
    });
    let opened = std::time::Instant::now();
    assert!(
        healthy(&strict_client(&cert), port),
        "a newcomer is answered once the silent ones are dropped"
    );
    rt.block_on(async {
        for mut s in silent {
            let mut buf = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await;
            let closed = match read {
                Ok(Ok(0)) | Ok(Err(_)) => true,
                Ok(Ok(_)) | Err(_) => false,
            };
            assert!(closed, "a silent TLS client was not dropped: {read:?}");
        }
    });
    assert!(opened.elapsed() < Duration::from_secs(60));
}
