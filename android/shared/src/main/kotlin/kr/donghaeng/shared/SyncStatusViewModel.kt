package kr.donghaeng.shared

import kr.donghaeng.ffi.DonghaengException
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SyncClient
import kr.donghaeng.ffi.SyncPhase
import kr.donghaeng.ffi.SyncProgressListener

/** What the app should do after a failed sync, from the core's error code. */
enum class SyncRemedy { RETRY_LATER, SIGN_IN, WIPE_DEVICE, UPDATE_APP }

sealed class SyncUi {
    object Idle : SyncUi()
    data class Running(val phase: SyncPhase, val done: Long, val total: Long) : SyncUi() {
        /** 0–100 for the progress bar. */
        val percent: Int get() = if (total <= 0) 0 else ((done * 100) / total).toInt().coerceIn(0, 100)
    }
    data class Done(val atMs: Long, val pushed: Long, val pulled: Long) : SyncUi()
    data class Failed(val error: UiError, val remedy: SyncRemedy) : SyncUi()
}

data class SyncStatusState(
    /** Changes made here and not yet on the server. */
    val pending: Long = 0,
    val sync: SyncUi = SyncUi.Idle,
    val lastSuccessMs: Long? = null,
)

/**
 * Sync status: pending changes, a running sync's progress (it is the [SyncProgressListener]), and what
 * to do after a failure. `syncNow` blocks: call it from WorkManager / a background thread.
 */
class SyncStatusViewModel(
    private val store: DonghaengStore,
    private val client: () -> SyncClient,
    private val clock: Clock = Clock.SYSTEM,
) : SyncProgressListener {
    val state = Observable(SyncStatusState())

    override fun onProgress(phase: SyncPhase, done: ULong, total: ULong) =
        state.update { it.copy(sync = SyncUi.Running(phase, done.toLong(), total.toLong())) }

    fun refreshPending() {
        val n = attempt({ e -> state.update { it.copy(sync = SyncUi.Failed(e, SyncRemedy.RETRY_LATER)) } }) { store.pendingChanges() } ?: return
        state.update { it.copy(pending = n.toLong()) }
    }

    /** One sync; true when it went through. */
    fun syncNow(): Boolean {
        state.update { it.copy(sync = SyncUi.Running(SyncPhase.PUSH, 0, 0)) }
        val ok = try {
            val r = client().use { it.syncNow(store, this) }
            val now = clock.nowMs()
            state.update { it.copy(sync = SyncUi.Done(now, r.pushed.toLong(), (r.pulled + r.snapshotRecords).toLong()), lastSuccessMs = now) }
            true
        } catch (e: DonghaengException) {
            val err = UiError.of(e)
            state.update { it.copy(sync = SyncUi.Failed(err, remedyFor(err.code))) }
            false
        }
        refreshPending()
        return ok
    }

    companion object {
        /** The core's sync error codes (core/src/sync/device/errors.rs) to what the app does. */
        fun remedyFor(code: String): SyncRemedy = when (code) {
            "unauthorised" -> SyncRemedy.SIGN_IN
            "device_revoked" -> SyncRemedy.WIPE_DEVICE
            "incompatible_version" -> SyncRemedy.UPDATE_APP
            else -> SyncRemedy.RETRY_LATER
        }
    }
}
