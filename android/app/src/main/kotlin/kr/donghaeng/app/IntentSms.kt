package kr.donghaeng.app

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import kr.donghaeng.core.SafetyContact
import kr.donghaeng.shared.SmsSender

/** Whether a screen of the app is in front (set by MainActivity): an activity may be started then. */
object AppForeground {
    @Volatile
    var resumed: Boolean = false
}

/**
 * The core's SMS texts without the SEND_SMS permission: the messaging app opens with the recipients and
 * the text filled in and the worker presses send (`ACTION_SENDTO`, `smsto:`). In the background (no
 * activity may be started) a notification carries the same intent.
 *
 * Silent actions (a duress check-out, its repeats) are never shown on the phone: the event is already in
 * the store, an immediate sync pushes it, and the server sends the silent alarm (docs/safety.md).
 * Every alarm also reaches the server with that sync; the phone's SMS is the fallback when it cannot.
 */
class IntentSms(context: Context) : SmsSender {
    private val context = context.applicationContext

    override fun send(recipients: List<SafetyContact>, text: String, silent: Boolean) {
        SyncWorker.syncSoon(context)
        if (silent || recipients.isEmpty()) return
        val to = recipients.joinToString(";") { Uri.encode(it.phone) }
        val intent = Intent(Intent.ACTION_SENDTO, Uri.parse("smsto:$to"))
            .putExtra("sms_body", text)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        // The notification stays until it is tapped or the text is sent from the messaging app.
        Notifications.smsToSend(context, recipients.joinToString { it.name }, text, intent)
        if (AppForeground.resumed) {
            try {
                context.startActivity(intent)
            } catch (e: ActivityNotFoundException) {
                // No messaging app: the notification remains, and the server has the alarm after sync.
            }
        }
    }
}
