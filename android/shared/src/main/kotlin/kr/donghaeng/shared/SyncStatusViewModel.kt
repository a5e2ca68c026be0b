package kr.donghaeng.shared

import kr.donghaeng.core.DonghaengException
import kr.donghaeng.core.NextStep
import kr.donghaeng.ffi.DeviceAccount
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SyncAdvice
import kr.donghaeng.ffi.SyncPhase
import kr.donghaeng.ffi.SyncProgressListener
import kr.donghaeng.ffi.adviceFor

sealed class SyncUi {
    object Idle : SyncUi()
    data class Running(val phase: SyncPhase, val done: Long, val total: Long) : SyncUi() {
        /** 0–100 for the progress bar. */
        val percent: Int get() = if (total <= 0) 0 else ((done * 100) / total).toInt().coerceIn(0, 100)
    }
    data class Done(val atMs: Long, val pushed: Long, val pulled: Long) : SyncUi()
    /** The failure and what to do about it (the core's advice for its code). */
    data class Failed(val error: UiError, val advice: SyncAdvice) : SyncUi()
}

data class SyncStatusState(
    /** Changes made here and not yet on the server. */
    val pending: Long = 0,
    val sync: SyncUi = SyncUi.Idle,
    /** When a sync last went through (epoch ms), as the store recorded it; null: never. */
    val lastSuccessMs: Long? = null,
    /** The last try failed for the network: show the offline banner. */
    val offline: Boolean = false,
)

/**
 * The sync screen and the offline banner: the store's sync status (pending changes, last success,
 * offline — recorded by the core at every sync), a running sync's progress (it is the
 * [SyncProgressListener]), and the core's advice after a failure. [syncNow] blocks: call it from
 * WorkManager / a background task.
 *
 * @param account the enrolled account; null before enrolment (the sync then says `not_enrolled`).
 * @param onRevoked called after the server revoked the phone (the core has cleared the vault): the
 *   app wipes the store and shows enrolment.
 */
class SyncStatusViewModel(
    private val store: DonghaengStore,
    private val account: () -> DeviceAccount?,
    private val clock: Clock = Clock.SYSTEM,
    private val onRevoked: () -> Unit = {},
) : SyncProgressListener {
    val state = Observable(SyncStatusState())

    override fun onProgress(phase: SyncPhase, done: ULong, total: ULong) =
        state.update { it.copy(sync = SyncUi.Running(phase, done.toLong(), total.toLong())) }

    /** Reads the store's status. */
    fun refresh() {
        try {
            val s = store.syncStatus()
            state.update { it.copy(pending = s.pending.toLong(), lastSuccessMs = s.lastSuccessMs, offline = s.offline) }
        } catch (e: DonghaengException) {
            failed(UiError.of(e))
        }
    }

    /** One sync; true when it went through. */
    fun syncNow(): Boolean {
        val a = account()
        if (a == null) {
            val advice = adviceFor("not_enrolled")
            state.update { it.copy(sync = SyncUi.Failed(UiError("not_enrolled", advice.bodyKo), advice)) }
            return false
        }
        state.update { it.copy(sync = SyncUi.Running(SyncPhase.PUSH, 0, 0)) }
        try {
            val r = a.syncNow(store, this)
            state.update { it.copy(sync = SyncUi.Done(clock.nowMs(), r.pushed.toLong(), (r.pulled + r.snapshotRecords).toLong())) }
        } catch (e: DonghaengException) {
            val error = UiError.of(e)
            val advice = adviceFor(error.code)
            state.update { it.copy(sync = SyncUi.Failed(error, advice)) }
            if (advice.step == NextStep.WIPE_AND_ENROL) {
                onRevoked()
                return false
            }
            refresh()
            return false
        }
        refresh()
        return true
    }

    private fun failed(error: UiError) = state.update { it.copy(sync = SyncUi.Failed(error, adviceFor(error.code))) }
}
