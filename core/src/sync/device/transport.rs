//! Transport security of the device's sync client (전송 보안): which server addresses it may talk to,
//! and the certificates it trusts.
//!
//! The payloads are health, income and family records, so the client speaks HTTPS to any real
//! server. Plain `http://` is allowed only to this phone itself (127.0.0.0/8, `::1`, `localhost`):
//! tests, the demo, and a local reverse proxy that does the TLS. A private deployment whose server
//! certificate is signed by its own authority adds that authority's certificate (PEM) as a trusted
//! root; the public web roots stay trusted too.

use std::net::{IpAddr, Ipv6Addr};

use reqwest::Url;

use crate::{CoreError, CoreResult};

/// Checks the server address: `https://` anywhere, `http://` only to loopback.
pub fn check_server_url(base_url: &str) -> CoreResult<()> {
    let url = Url::parse(base_url.trim()).map_err(|e| {
        CoreError::invalid(
            "server_url_invalid",
            "base_url",
            format!("서버 주소를 읽을 수 없습니다: {base_url:?} ({e})"),
            format!("the server address cannot be read: {base_url:?} ({e})"),
        )
    })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(CoreError::invalid(
            "insecure_server_url",
            "base_url",
            format!(
                "암호화되지 않은 http:// 주소로는 동기화할 수 없습니다: {base_url:?}. \
                 https:// 주소를 쓰세요 (http://는 이 기기 자신(127.0.0.1, ::1, localhost)에만 허용)."
            ),
            format!(
                "refusing to sync over unencrypted http:// to {base_url:?}: use an https:// address \
                 (http:// is allowed only to this device itself: 127.0.0.1, ::1, localhost)"
            ),
        )),
        _ => Err(CoreError::invalid(
            "server_url_invalid",
            "base_url",
            format!("서버 주소는 https://로 시작해야 합니다: {base_url:?}"),
            format!("the server address must start with https://: {base_url:?}"),
        )),
    }
}

/// Whether the URL's host is this device: 127.0.0.0/8, `::1`, or the name `localhost` (which the
/// system resolves locally; a `*.localhost` subdomain is not trusted to).
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // The URL parser has already normalised the host: IPv4 in dotted form, IPv6 in brackets.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Reads one or more PEM certificates to trust as roots. Bytes with no certificate are refused:
/// silently trusting nothing extra would surface later as an obscure TLS failure.
pub fn parse_roots(pem: &[u8]) -> CoreResult<Vec<reqwest::Certificate>> {
    let bad = |detail: String| {
        CoreError::invalid(
            "root_certificate_invalid",
            "root_certificate",
            format!("신뢰할 루트 인증서(PEM)를 읽을 수 없습니다: {detail}"),
            format!("the trusted root certificate (PEM) cannot be read: {detail}"),
        )
    };
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no CERTIFICATE block".to_owned()));
    }
    Ok(certs)
}

/// Whether a failed request failed on the server's certificate (unknown authority, expired, wrong
/// name): then "try again later" is the wrong advice, the operator must fix the certificate.
pub fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("unknownissuer") {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The error for a server whose certificate this device does not trust.
pub fn untrusted_server(detail: impl std::fmt::Display) -> CoreError {
    CoreError::conflict(
        "server_certificate_untrusted",
        format!(
            "서버 인증서를 신뢰할 수 없어 연결하지 않았습니다. 관리자에게 서버 인증서를 확인해 달라고 하세요. ({detail})"
        ),
        format!(
            "the sync server's certificate is not trusted, so the connection was refused; ask the \
             administrator to check the server certificate ({detail})"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(url: &str) -> Option<&'static str> {
        check_server_url(url).err().map(|e| e.code)
    }

    #[test]
    fn https_is_allowed_to_any_host() {
        assert_eq!(code("https://sync.gangnam.example.kr"), None);
        assert_eq!(code("https://10.1.2.3:8443/"), None);
        assert_eq!(code("https://[2001:db8::1]"), None);
    }

    #[test]
    fn plain_http_is_allowed_to_loopback_only() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.255.0.9",
            "http://localhost:3000/",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert_eq!(code(ok), None, "{ok}");
        }
        for refused in [
            "http://sync.gangnam.example.kr",
            "http://10.0.0.5:8080",
            "http://192.168.0.2",
            "http://128.0.0.1",
            "http://0.0.0.0:8080",
            "http://[::2]",
            "http://[::ffff:127.0.0.1]",
            "http://localhost.example.kr",
            "http://evil.localhost",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(code(refused), Some("insecure_server_url"), "{refused}");
        }
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        for bad in [
            "ftp://127.0.0.1",
            "sync.example.kr",
            "",
            "https://",
            "file:///etc",
        ] {
            assert_eq!(code(bad), Some("server_url_invalid"), "{bad:?}");
        }
    }

    #[test]
    fn the_refusal_explains_itself_in_both_languages() {
        let e = check_server_url("http://sync.example.kr").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("base_url"));
        assert!(e.ko.contains("https://") && e.en.contains("https://"));
    }

    #[test]
    fn bytes_without_a_certificate_are_refused() {
        let e = parse_roots(b"not a certificate").unwrap_err();
        assert_eq!(e.code, "root_certificate_invalid");
        let e = parse_roots(b"").unwrap_err();
        assert_eq!(e.code, "root_certificate_invalid");
    }
}
