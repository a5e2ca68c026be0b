//! A snapshot page written by the server (스냅숏 페이지): each record's JSON appended as it is
//! written from its stored state (`sync::packed::PackedRecord`), weighed, and kept or taken back,
//! then the page closed around them — the JSON of a [`super::SnapshotResponse`], with no record encoded
//! twice or held as a tree.

use serde::Serialize;

use super::SnapshotOrder;
use crate::sync::change::RecordRef;
use crate::{CoreError, CoreResult};

/// The records of a page as JSON text, comma-separated.
#[derive(Debug, Default)]
pub struct PageWriter {
    records: Vec<u8>,
    count: usize,
    /// Where the last record kept starts (before its comma), until it is taken back.
    last: Option<usize>,
}

/// The fields after `records`, in the order [`super::SnapshotResponse`] writes them.
#[derive(Serialize)]
struct Tail<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<&'a RecordRef>,
    has_more: bool,
    feed_from: u64,
    server_time_ms: i64,
    #[serde(skip_serializing_if = "SnapshotOrder::is_by_name")]
    order: SnapshotOrder,
}

impl PageWriter {
    pub fn new() -> PageWriter {
        PageWriter::default()
    }

    /// Records kept so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends the record `write` writes, and returns its size in bytes; `None` (and nothing kept)
    /// when it writes nothing and says so. A failed write leaves the page as it was.
    pub fn push(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> CoreResult<bool>,
    ) -> CoreResult<Option<usize>> {
        let start = self.records.len();
        if self.count > 0 {
            self.records.push(b',');
        }
        let body = self.records.len();
        match write(&mut self.records) {
            Ok(true) => {
                self.count += 1;
                self.last = Some(start);
                Ok(Some(self.records.len() - body))
            }
            other => {
                self.records.truncate(start);
                other.map(|_| None)
            }
        }
    }

    /// Takes back the record the last [`PageWriter::push`] kept (it did not fit the page); only
    /// that one: a second call takes back nothing.
    pub fn pop(&mut self) {
        if let Some(start) = self.last.take() {
            self.records.truncate(start);
            self.count -= 1;
        }
    }

    /// The page's JSON.
    pub fn finish(
        self,
        after: Option<&RecordRef>,
        has_more: bool,
        feed_from: u64,
        server_time_ms: i64,
        order: SnapshotOrder,
    ) -> CoreResult<Vec<u8>> {
        let tail = serde_json::to_vec(&Tail {
            after,
            has_more,
            feed_from,
            server_time_ms,
            order,
        })
        .map_err(|e| CoreError::storage(format!("cannot encode a snapshot page: {e}")))?;
        let mut out = Vec::with_capacity(self.records.len() + tail.len() + 16);
        out.extend_from_slice(b"{\"records\":[");
        out.extend_from_slice(&self.records);
        out.extend_from_slice(b"],");
        // `tail` is an object with at least `has_more`: its own brace is replaced by the comma.
        out.extend_from_slice(&tail[1..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::sync::replica::RecordState;
    use crate::sync::snapshot::SnapshotResponse;
    use crate::sync::{HlcTimestamp, SnapshotRecord};

    fn record(n: u128) -> SnapshotRecord {
        SnapshotRecord::of(
            "visits",
            Uuid::from_u128(n),
            &RecordState::Deleted {
                hlc: HlcTimestamp {
                    wall_ms: n as u64,
                    counter: 0,
                    node: Uuid::from_u128(1),
                },
                change_id: Uuid::from_u128(n),
            },
        )
    }

    #[test]
    fn a_page_reads_back_as_the_response_of_the_records_kept() {
        for (n, after, has_more, order) in [
            (0, None, false, SnapshotOrder::ByName),
            (1, None, false, SnapshotOrder::ParentsFirst),
            (3, Some(7), true, SnapshotOrder::ParentsFirst),
        ] {
            let mut page = PageWriter::new();
            let records: Vec<SnapshotRecord> = (0..n).map(record).collect();
            for r in &records {
                let size = page
                    .push(|out| {
                        serde_json::to_writer(&mut *out, r).unwrap();
                        Ok(true)
                    })
                    .unwrap();
                assert_eq!(size, Some(serde_json::to_vec(r).unwrap().len()));
            }
            // One that writes nothing, one that fails, and one taken back leave no trace.
            assert_eq!(page.push(|_| Ok(false)).unwrap(), None);
            page.push(|out| {
                out.extend_from_slice(b"half");
                Err(CoreError::storage("broken"))
            })
            .unwrap_err();
            page.push(|out| {
                out.extend_from_slice(b"{}");
                Ok(true)
            })
            .unwrap();
            page.pop();
            page.pop();
            assert_eq!(page.len(), records.len());
            let after = after.map(|n: u128| RecordRef {
                entity: "visits".into(),
                record_id: Uuid::from_u128(n),
            });
            let bytes = page
                .finish(after.as_ref(), has_more, 42, -5, order)
                .unwrap();
            let read: SnapshotResponse = serde_json::from_slice(&bytes).unwrap();
            let expected = SnapshotResponse {
                records,
                after,
                has_more,
                feed_from: 42,
                server_time_ms: -5,
                order,
            };
            assert_eq!(read, expected);
            assert_eq!(bytes, serde_json::to_vec(&expected).unwrap());
        }
    }
}
