package kr.donghaeng.app

import android.annotation.SuppressLint
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import java.util.concurrent.atomic.AtomicInteger

/** The app's notifications: the ongoing session, the check-in prompt, SMS texts to send. Every text is
 *  a resource, except the core's (the prompt and the SMS body), shown as given. */
object Notifications {
    const val ONGOING_ID = 1
    private const val PROMPT_ID = 2
    private const val CH_SESSION = "safety_session"
    private const val CH_ALERT = "safety_alert"
    private val smsIds = AtomicInteger(100)

    fun createChannels(context: Context) {
        val nm = context.getSystemService(NotificationManager::class.java)
        nm.createNotificationChannel(
            NotificationChannel(CH_SESSION, context.getString(R.string.channel_session), NotificationManager.IMPORTANCE_LOW)
        )
        nm.createNotificationChannel(
            NotificationChannel(CH_ALERT, context.getString(R.string.channel_alert), NotificationManager.IMPORTANCE_HIGH)
        )
    }

    private fun openApp(context: Context): PendingIntent = PendingIntent.getActivity(
        context, 0,
        Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_NEW_TASK),
        PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
    )

    /** The foreground service's notification while a session is open (it never shows a deadline). */
    fun ongoingSession(context: Context): Notification = Notification.Builder(context, CH_SESSION)
        .setContentTitle(context.getString(R.string.notif_session_title))
        .setContentText(context.getString(R.string.notif_session_text))
        .setSmallIcon(android.R.drawable.ic_lock_idle_alarm)
        .setContentIntent(openApp(context))
        .setOngoing(true)
        .build()

    /** The core's "are you safe?" question; tapping opens the safety screen. */
    fun checkInPrompt(context: Context, question: String) = notify(
        context, PROMPT_ID,
        Notification.Builder(context, CH_ALERT)
            .setContentTitle(context.getString(R.string.safety_prompt_title))
            .setContentText(question)
            .setStyle(Notification.BigTextStyle().bigText(question))
            .setSmallIcon(android.R.drawable.ic_dialog_alert)
            .setCategory(Notification.CATEGORY_ALARM)
            .setContentIntent(openApp(context))
            .setAutoCancel(true)
            .build(),
    )

    fun cancelCheckInPrompt(context: Context) = context.getSystemService(NotificationManager::class.java).cancel(PROMPT_ID)

    /** An SMS the worker must send: tapping opens the messaging app with it filled in. */
    fun smsToSend(context: Context, to: String, text: String, sendIntent: Intent) {
        val id = smsIds.incrementAndGet()
        val pi = PendingIntent.getActivity(context, id, sendIntent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE)
        notify(
            context, id,
            Notification.Builder(context, CH_ALERT)
                .setContentTitle(context.getString(R.string.notif_sms_title, to))
                .setContentText(text)
                .setStyle(Notification.BigTextStyle().bigText(text))
                .setSmallIcon(android.R.drawable.stat_notify_chat)
                .setCategory(Notification.CATEGORY_ALARM)
                .setContentIntent(pi)
                .setAutoCancel(true)
                .build(),
        )
    }

    /** Dropped by the system when POST_NOTIFICATIONS was refused (API 33+); never throws for that. */
    @SuppressLint("MissingPermission")
    private fun notify(context: Context, id: Int, n: Notification) {
        try {
            context.getSystemService(NotificationManager::class.java).notify(id, n)
        } catch (e: SecurityException) {
            // Permission refused: the screen still shows the prompt / opens the messaging app.
        }
    }
}
