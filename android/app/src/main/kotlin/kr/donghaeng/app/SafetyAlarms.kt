package kr.donghaeng.app

import android.app.AlarmManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.os.Build
import kotlin.concurrent.thread
import kr.donghaeng.app.ui.canScheduleExactAlarms
import kr.donghaeng.shared.AlarmScheduler
import kr.donghaeng.shared.attempt

/**
 * The one OS alarm at the core's next deadline; it wakes [SafetyAlarmReceiver]. Exact only with the
 * user's grant of SCHEDULE_EXACT_ALARM (the screens ask for it); until then an inexact alarm, which
 * Doze may delay by minutes.
 */
class ExactAlarms(context: Context) : AlarmScheduler {
    private val context = context.applicationContext

    override fun schedule(atMs: Long?) {
        val am = context.getSystemService(AlarmManager::class.java)
        val pi = PendingIntent.getBroadcast(
            context, 0, Intent(context, SafetyAlarmReceiver::class.java),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        when {
            atMs == null -> am.cancel(pi)
            canScheduleExactAlarms(context) -> am.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, atMs, pi)
            else -> am.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, atMs, pi)
        }
    }
}

/** Runs [block] off the main thread, keeping the broadcast alive until it returns. */
private fun BroadcastReceiver.inBackground(block: () -> Unit) {
    val pending = goAsync()
    thread(name = "donghaeng-receiver") {
        try {
            block()
        } finally {
            pending.finish()
        }
    }
}

/** The deadline came: resume the session from the store if the process was killed, then tick. */
class SafetyAlarmReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) = inBackground {
        val workerId = ActiveSession.workerId(context) ?: return@inBackground
        ActiveSession.current(context, workerId)?.onAlarm()
    }
}

/**
 * Alarms do not survive a restart: after boot (and when the user grants exact alarms) the session is
 * resumed from the store and its next deadline armed again; one that passed while the phone was off is
 * ticked at once. The foreground service comes back with it.
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val known = intent.action == Intent.ACTION_BOOT_COMPLETED ||
            (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S &&
                intent.action == AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED)
        if (!known) return
        inBackground {
            val workerId = ActiveSession.workerId(context) ?: return@inBackground
            val vm = ActiveSession.current(context, workerId) ?: return@inBackground
            if (!ActiveSession.isOpen(vm)) return@inBackground
            val now = System.currentTimeMillis()
            val due = attempt({}) { vm.session.nextDeadlineMs(now) }
            when {
                due == null -> {}
                due <= now -> vm.onAlarm()
                else -> ExactAlarms(context).schedule(due)
            }
            startSafetyService(context)
        }
    }
}
