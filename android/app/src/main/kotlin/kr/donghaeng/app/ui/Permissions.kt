package kr.donghaeng.app.ui

import android.Manifest
import android.app.AlarmManager
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.provider.Settings
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import kotlinx.coroutines.delay
import kr.donghaeng.app.R

/** Exact alarms need the user's grant from API 31 (SCHEDULE_EXACT_ALARM; no USE_EXACT_ALARM). */
fun canScheduleExactAlarms(context: Context): Boolean =
    Build.VERSION.SDK_INT < Build.VERSION_CODES.S ||
        context.getSystemService(AlarmManager::class.java).canScheduleExactAlarms()

/** Asks for POST_NOTIFICATIONS once on API 33+ (check-in prompts and SMS hand-offs in the background). */
@Composable
fun NotificationPermissionRequest() {
    if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) return
    val context = LocalContext.current
    val launcher = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { }
    LaunchedEffect(Unit) {
        if (context.checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED) {
            launcher.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }
}

/** Shown while exact alarms are not allowed: the session's deadlines would fire late. The button opens
 *  the system page for this app; the grant is re-checked every two seconds. */
@Composable
fun ExactAlarmBanner() {
    val context = LocalContext.current
    var allowed by remember { mutableStateOf(canScheduleExactAlarms(context)) }
    LaunchedEffect(Unit) {
        while (true) {
            allowed = canScheduleExactAlarms(context)
            delay(2000)
        }
    }
    if (allowed || Build.VERSION.SDK_INT < Build.VERSION_CODES.S) return
    Banner(stringResource(R.string.exact_alarm_title), stringResource(R.string.exact_alarm_body)) {
        Button(onClick = {
            context.startActivity(
                Intent(Settings.ACTION_REQUEST_SCHEDULE_EXACT_ALARM, Uri.parse("package:" + context.packageName))
            )
        }) { Text(stringResource(R.string.exact_alarm_button)) }
    }
}
