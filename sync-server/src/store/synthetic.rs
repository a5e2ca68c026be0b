//! Synthetic 동 years pushed straight into a store, for the benchmarks that measure a server with a
//! city's log (`benches/startup.rs`, `tests/benches/initial_sync.rs`; docs/sync.md "Costs"). The
//! changes bypass the judge: what is measured is the cost of a log of that size, not how its
//! changes were admitted.

use donghaeng_core::sync::{ProtocolVersion, PushRequest};
use donghaeng_core::synthetic::changes::{dong_year, ChangeGen};
use donghaeng_core::CoreResult;
use uuid::Uuid;

use super::ChangeStore;

/// Pushes the synthetic years of 동 number `from .. from + k` (about 50,000 changes each; each
/// 동's own device and ids, its year starting at `t0_ms` plus its number in milliseconds) in
/// batches of 1,000. Returns the number of changes pushed.
pub async fn seed_dong_years(
    store: &dyn ChangeStore,
    from: usize,
    k: usize,
    t0_ms: u64,
    now_ms: i64,
) -> CoreResult<usize> {
    let mut n = 0;
    for d in from..from + k {
        let device = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | d as u128);
        let mut g = ChangeGen::new(device, t0_ms + d as u64);
        let year = dong_year(&mut g).0;
        for chunk in year.chunks(1_000) {
            let r = store
                .push(
                    PushRequest {
                        protocol_version: ProtocolVersion::CURRENT,
                        device_id: device,
                        changes: chunk.to_vec(),
                    },
                    now_ms,
                )
                .await?;
            if let Some(refused) = r.rejected.first() {
                return Err(donghaeng_core::CoreError::storage(format!(
                    "synthetic year of 동 {d}: a change was refused ({})",
                    refused.code
                )));
            }
        }
        n += year.len();
    }
    Ok(n)
}
