package kr.donghaeng.shared

import kr.donghaeng.core.SafetyActionKind
import kr.donghaeng.core.SafetyContact
import kr.donghaeng.core.SafetySessionStatus
import kr.donghaeng.core.SafetyStatus
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SafetyAction
import kr.donghaeng.ffi.SafetyAlarmListener
import kr.donghaeng.ffi.SafetySession
import kr.donghaeng.ffi.SafetyStartRequest
import kr.donghaeng.ffi.resumeSafetySession

/** Sets the one OS alarm (Android: AlarmManager exact alarm; iOS: a local notification). */
fun interface AlarmScheduler {
    /** Wake the app at [atMs] and call [SafetySessionViewModel.onAlarm]; null cancels. */
    fun schedule(atMs: Long?)
}

/** Sends the SMS texts the core composed. `silent`: no sound, no notification, no trace on the phone. */
fun interface SmsSender {
    fun send(recipients: List<SafetyContact>, text: String, silent: Boolean)
}

data class SafetyUiState(
    val started: Boolean = false,
    val status: SafetySessionStatus? = null,
    val statusLabel: String = "",
    val expectedReturnMs: Long? = null,
    /** Time left to the next deadline (negative: overdue); null when closed. */
    val remainingMs: Long? = null,
    /** The core's "are you safe?" question while it waits for an answer. */
    val prompt: String? = null,
    /** The SOS raised from this phone, while it is open (to cancel it). */
    val sosEventId: String? = null,
    val receipt: String? = null,
    /** Events of the session not yet in the store (the store was closed or a write failed; retried). */
    val unsavedEvents: Long = 0,
    val error: UiError? = null,
)

/**
 * The safety session screen: timer, check-in, SOS (always reachable), check-out with PIN. It is the
 * session's [SafetyAlarmListener]: the deadline goes to the OS alarm, SMS actions to the sender, prompts
 * to the screen. Silent (duress) actions go to the SMS sender only and never change what the screen
 * shows, so a duress check-out looks exactly like a normal one.
 *
 * Every event of the session is recorded in the (encrypted) store by the core as it happens, so it
 * syncs and survives the process being killed: [resumeOrNull] gets the session back from the store
 * (the alarm receiver does this before it ticks). No file of the app's own.
 *
 * [resume]: pick up this device's session from the store if there is one (else a new, unstarted one).
 */
class SafetySessionViewModel(
    deviceId: String,
    private val store: DonghaengStore,
    private val workerId: String,
    private val alarms: AlarmScheduler,
    private val sms: SmsSender,
    private val clock: Clock = Clock.SYSTEM,
    resume: Boolean = false,
) : SafetyAlarmListener {
    val state = Observable(SafetyUiState())
    val session: SafetySession =
        (if (resume) attempt(::fail) { resumeSafetySession(store, deviceId, this, clock.nowMs()) } else null)
            ?: SafetySession(deviceId, this)

    init {
        if (session.sessionId() != null) refresh()
    }

    companion object {
        /** This device's session from the store after the process was killed, or null if it has none. */
        fun resumeOrNull(
            deviceId: String,
            store: DonghaengStore,
            workerId: String,
            alarms: AlarmScheduler,
            sms: SmsSender,
            clock: Clock = Clock.SYSTEM,
        ): SafetySessionViewModel? {
            val vm = SafetySessionViewModel(deviceId, store, workerId, alarms, sms, clock, resume = true)
            if (vm.session.sessionId() != null) return vm
            vm.close()
            return null
        }
    }

    override fun onNextDeadline(deadlineMs: Long?) = alarms.schedule(deadlineMs)

    override fun onAction(action: SafetyAction) {
        when (val k = action.kind) {
            is SafetyActionKind.PromptWorker -> state.update { it.copy(prompt = k.messageKo) }
            is SafetyActionKind.EscalationStep -> sms.send(k.recipients, k.smsText, action.silent)
            is SafetyActionKind.SosAlarm -> sms.send(k.recipients, k.smsText, action.silent)
            is SafetyActionKind.SilentAlarm -> sms.send(k.recipients, k.smsText, true)
            is SafetyActionKind.RepeatAlert -> sms.send(k.recipients, k.smsText, action.silent || k.silent)
            is SafetyActionKind.AllClear -> sms.send(k.recipients, k.smsText, action.silent)
        }
    }

    private fun show(s: SafetyStatus, now: Long) = state.update {
        it.copy(
            started = true,
            status = s.status,
            statusLabel = s.status.labelKo(),
            expectedReturnMs = s.expectedReturnMs,
            remainingMs = s.nextDueMs?.let { due -> due - now },
            sosEventId = it.sosEventId?.takeIf { id -> id in s.openSos },
            prompt = if (s.status == SafetySessionStatus.OPEN || s.status == SafetySessionStatus.CLOSED) null else it.prompt,
            error = null,
        )
    }

    private fun fail(e: UiError) = state.update { it.copy(error = e) }

    /** A command may make something due at once (an all-clear after an answer, an SOS alarm): the core
     *  says so with a deadline at or before now, and it is sent in the same call rather than on the
     *  next alarm. */
    private fun settle(now: Long) {
        val due = attempt(::fail) { session.nextDeadlineMs(now) } ?: return
        if (due <= now) attempt(::fail) { session.tick(now) }
    }

    /** 방문 시작, after the pre-visit assessment. */
    fun start(request: SafetyStartRequest): Boolean {
        val now = clock.nowMs()
        val s = attempt(::fail) { session.start(store, request, now) } ?: return false
        show(s, now)
        return true
    }

    /** The OS alarm fired (or the app came back): run what is due. */
    fun onAlarm() {
        val now = clock.nowMs()
        attempt(::fail) { session.tick(now) } ?: return
        refresh()
    }

    /** Re-reads the status for the timer (once a second while the screen is visible). */
    fun refresh() {
        val now = clock.nowMs()
        val s = attempt(::fail) { session.status(now) } ?: return
        show(s, now)
        val unsaved = session.unsavedEvents()
        state.update { it.copy(unsavedEvents = unsaved.toLong()) }
    }

    /** "안전합니다" / 안부 확인. */
    fun checkIn() {
        val now = clock.nowMs()
        attempt(::fail) { session.checkIn(workerId, now) } ?: return
        state.update { it.copy(prompt = null) }
        settle(now)
        refresh()
    }

    /** More time at the household. */
    fun extend(minutes: Int) {
        val now = clock.nowMs()
        attempt(::fail) { session.extendReturn(workerId, now + minutes * 60_000L, now) } ?: return
        settle(now)
        refresh()
    }

    /** SOS: recorded at once, the alarm goes out in the same call. */
    fun sos() {
        val now = clock.nowMs()
        val id = attempt(::fail) { session.sos(workerId, now) } ?: return
        state.update { it.copy(sosEventId = id) }
        settle(now)
        refresh()
    }

    fun cancelSos(reason: String) {
        val id = state.value.sosEventId ?: return
        val now = clock.nowMs()
        attempt(::fail) { session.cancelSos(workerId, id, reason, now) } ?: return
        state.update { it.copy(sosEventId = null) }
        settle(now)
        refresh()
    }

    /** 복귀 with the PIN. A duress PIN gives the same receipt; its silent alarm goes out now. */
    fun checkOut(pin: String?): Boolean {
        val now = clock.nowMs()
        val r = attempt(::fail) { session.checkOut(workerId, pin, now) } ?: return false
        settle(now)
        refresh()
        state.update { it.copy(receipt = r.messageKo, remainingMs = null) }
        return true
    }

    fun close() = session.close()
}
