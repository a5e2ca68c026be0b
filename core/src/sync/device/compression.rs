//! Compression of request bodies (요청 본문 압축). Answers are inflated by reqwest's `gzip` feature,
//! which also asks for them compressed; a push of 1,000 changes is mostly repeated ids and stamps and
//! shrinks several times, which counts on a weak mobile network (docs/sync.md, "Compression").

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

/// Request bodies from this size on are sent gzip-compressed (our choice: 1 KiB; below it the
/// gzip header and the work are not worth it — a pull request or a token request stays plain).
pub const GZIP_REQUEST_MIN_BYTES: usize = 1024;

/// The body as it goes on the wire, and its `Content-Encoding` when compressed. Level 1 (fastest):
/// JSON of changes compresses well at any level, and the phone's CPU and battery matter more than
/// the last few percent.
pub fn request_body(json: Vec<u8>) -> (Vec<u8>, Option<&'static str>) {
    if json.len() < GZIP_REQUEST_MIN_BYTES {
        return (json, None);
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
    // Writing into a Vec cannot fail; if it somehow did, the plain body is still correct.
    match enc.write_all(&json).and_then(|()| enc.finish()) {
        Ok(gz) => (gz, Some("gzip")),
        Err(_) => (json, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn small_bodies_stay_plain_and_large_ones_round_trip_through_gzip() {
        let small = br#"{"protocol_version":2,"after_seq":0,"limit":5000}"#.to_vec();
        assert_eq!(request_body(small.clone()), (small, None));

        let large: Vec<u8> = (0..200)
            .flat_map(|i| format!(r#"{{"id":"0192f0c4-0000-7000-8000-{i:012}"}},"#).into_bytes())
            .collect();
        let (gz, encoding) = request_body(large.clone());
        assert_eq!(encoding, Some("gzip"));
        assert!(gz.len() * 3 < large.len(), "{} → {}", large.len(), gz.len());
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, large);
    }
}
