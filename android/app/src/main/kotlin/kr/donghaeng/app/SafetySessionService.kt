package kr.donghaeng.app

import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import kotlin.concurrent.thread
import kr.donghaeng.core.SafetySessionStatus
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.attempt

/** The open session of this phone (one visit at a time). Its events are in the encrypted store (and
 *  synced), so a killed app gets it back from there when the alarm fires or the phone restarts. */
object ActiveSession {
    @Volatile
    var viewModel: SafetySessionViewModel? = null
        private set
    private var stopWatching: (() -> Unit)? = null

    /** A new, unstarted session (the previous one, checked out, is closed). Blocking (store). */
    @Synchronized
    fun create(context: Context, workerId: String): SafetySessionViewModel? {
        finish()
        val app = context.applicationContext as DonghaengApp
        val deviceId = attempt({}) { app.store.deviceId() } ?: return null
        return SafetySessionViewModel(deviceId, app.store, workerId, ExactAlarms(context), IntentSms(context))
            .also { watch(context, it) }
    }

    /** The session, resumed from the store if the process was killed since (null: none). Blocking. */
    @Synchronized
    fun current(context: Context, workerId: String): SafetySessionViewModel? = viewModel ?: run {
        val app = context.applicationContext as DonghaengApp
        val deviceId = attempt({}) { app.store.deviceId() } ?: return null
        SafetySessionViewModel.resumeOrNull(deviceId, app.store, workerId, ExactAlarms(context), IntentSms(context))
            ?.also { watch(context, it) }
    }

    /** The worker id for receivers and the service (no screen around): from the vault. */
    fun workerId(context: Context): String? {
        val app = context.applicationContext as DonghaengApp
        return app.account.value.user?.userId ?: app.vault.userIdOrNull()
    }

    fun isOpen(vm: SafetySessionViewModel): Boolean =
        vm.state.value.started && vm.state.value.status != SafetySessionStatus.CLOSED

    /** The "are you safe?" prompt as a notification too (the worker may be in another app). */
    private fun watch(context: Context, vm: SafetySessionViewModel) {
        viewModel = vm
        var shown: String? = null
        stopWatching = vm.state.observe { s ->
            val prompt = s.prompt
            if (prompt != shown) {
                shown = prompt
                if (prompt != null) Notifications.checkInPrompt(context, prompt) else Notifications.cancelCheckInPrompt(context)
            }
        }
    }

    /** Closes the session object (after a revocation or before the next visit). A checked-out session is
     *  kept until then: silent repeats after a duress check-out still tick on its alarm. */
    @Synchronized
    fun finish() {
        stopWatching?.invoke()
        stopWatching = null
        viewModel?.close()
        viewModel = null
    }
}

/** Starts the foreground service that keeps the process alive while a session is open. */
fun startSafetyService(context: Context) {
    try {
        context.startForegroundService(Intent(context, SafetySessionService::class.java))
    } catch (e: IllegalStateException) {
        // ForegroundServiceStartNotAllowedException (API 31+): the alarm still wakes the app.
    }
}

/**
 * Keeps the process alive while a session is open, so ticks, prompts and SOS always run. Type
 * `specialUse` (the subtype is declared in the manifest): a lone-worker safety timer fits no other type.
 */
class SafetySessionService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val n = Notifications.ongoingSession(this)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.UPSIDE_DOWN_CAKE) {
            startForeground(Notifications.ONGOING_ID, n, ServiceInfo.FOREGROUND_SERVICE_TYPE_SPECIAL_USE)
        } else {
            startForeground(Notifications.ONGOING_ID, n)
        }
        if (intent == null) {
            // Restarted by the system after the process died: pick the session up from the store.
            thread(name = "donghaeng-safety-resume") {
                val vm = ActiveSession.workerId(this)?.let { ActiveSession.current(this, it) }
                if (vm == null || !ActiveSession.isOpen(vm)) stopSelf() else vm.onAlarm()
            }
        }
        return START_STICKY
    }
}
