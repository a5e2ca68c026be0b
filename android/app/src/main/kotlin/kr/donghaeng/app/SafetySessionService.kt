package kr.donghaeng.app

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.os.IBinder
import android.telephony.SmsManager
import kr.donghaeng.shared.AlarmScheduler
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.SmsSender

/** The open session of this phone (one visit at a time). Its events are in the encrypted store (and
 *  synced), so a killed app gets it back from there when the alarm fires. */
object ActiveSession {
    @Volatile
    var viewModel: SafetySessionViewModel? = null

    fun create(context: Context, workerId: String): SafetySessionViewModel {
        val app = context.applicationContext as DonghaengApp
        return SafetySessionViewModel(app.store.deviceId(), app.store, workerId, ExactAlarms(context), PhoneSms(context))
            .also { viewModel = it }
    }

    fun finish(@Suppress("UNUSED_PARAMETER") context: Context) {
        viewModel?.close()
        viewModel = null
    }

    /** The session, resumed from the store if the process was killed since (null: none). */
    fun current(context: Context, workerId: String): SafetySessionViewModel? = viewModel ?: run {
        val app = context.applicationContext as DonghaengApp
        SafetySessionViewModel.resumeOrNull(app.store.deviceId(), app.store, workerId, ExactAlarms(context), PhoneSms(context))
            ?.also { viewModel = it }
    }
}

/** An exact alarm at the core's next deadline; it wakes [SafetyAlarmReceiver]. */
class ExactAlarms(private val context: Context) : AlarmScheduler {
    override fun schedule(atMs: Long?) {
        val am = context.getSystemService(AlarmManager::class.java)
        val pi = PendingIntent.getBroadcast(
            context, 0, Intent(context, SafetyAlarmReceiver::class.java),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        if (atMs == null) am.cancel(pi) else am.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, atMs, pi)
    }
}

/** SMS through the phone's own SIM; silent messages leave no notification (the SMS app is not used). */
class PhoneSms(private val context: Context) : SmsSender {
    override fun send(recipients: List<kr.donghaeng.ffi.SafetyContact>, text: String, silent: Boolean) {
        val sms = context.getSystemService(SmsManager::class.java)
        val parts = sms.divideMessage(text)
        recipients.forEach { sms.sendMultipartTextMessage(it.phone, null, parts, null, null) }
    }
}

class SafetyAlarmReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val workerId = context.getSharedPreferences("sync", Context.MODE_PRIVATE).getString("worker_id", "") ?: ""
        ActiveSession.current(context, workerId)?.onAlarm()
    }
}

/** Keeps the process alive while a session is open (so ticks and SOS always run). */
class SafetySessionService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val nm = getSystemService(NotificationManager::class.java)
        nm.createNotificationChannel(NotificationChannel("safety", "안전 세션", NotificationManager.IMPORTANCE_LOW))
        val n = Notification.Builder(this, "safety")
            .setContentTitle("방문 중 — 안전 세션")
            .setContentText("복귀하면 앱에서 복귀 처리를 해 주세요")
            .setSmallIcon(android.R.drawable.ic_lock_idle_alarm)
            .setOngoing(true)
            .build()
        startForeground(1, n)
        return START_STICKY
    }
}
