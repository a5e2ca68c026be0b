package kr.donghaeng.app.ui

import android.os.Handler
import android.os.Looper
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kr.donghaeng.shared.Observable
import kr.donghaeng.shared.UiError

private val mainThread = Handler(Looper.getMainLooper())

/** An [Observable] of :shared as Compose state. Listeners run on the thread that changed the state
 *  (often a background one), so every change is posted to the main thread. */
@Composable
fun <T> Observable<T>.collect(): T {
    var v by remember(this) { mutableStateOf(value) }
    DisposableEffect(this) {
        val stop = observe { next -> mainThread.post { v = next } }
        onDispose { stop() }
    }
    return v
}

/** Runs blocking facade calls (store, session, sync, enrolment) on Dispatchers.IO; [then] runs on the
 *  main thread with the result, unless the screen has gone. */
class Background(private val scope: CoroutineScope) {
    fun <T> run(block: () -> T, then: (T) -> Unit = {}) {
        scope.launch {
            val r = withContext(Dispatchers.IO) { block() }
            then(r)
        }
    }
}

@Composable
fun rememberBackground(): Background {
    val scope = rememberCoroutineScope()
    return remember(scope) { Background(scope) }
}

/** Texts the core gives in both languages are shown in English only on an English phone (the default
 *  resources are Korean, so every other locale sees Korean as well). */
@Composable
fun useEnglish(): Boolean = LocalConfiguration.current.locales[0].language == "en"

/** The core's (or a presenter's) error text, shown as given. */
@Composable
fun ErrorText(error: UiError?) {
    if (error != null) Text(error.ko, color = MaterialTheme.colorScheme.error)
}

/** The errors that name [field] (under that field). */
@Composable
fun FieldErrors(errors: List<UiError>, field: String) {
    errors.filter { it.field == field }.forEach { ErrorText(it) }
}

@Composable
fun Title(text: String) {
    Text(text, style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(vertical = 8.dp))
}

/** A labelled checkbox row. */
@Composable
fun CheckRow(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(verticalAlignment = Alignment.CenterVertically) {
        Checkbox(checked, onChange)
        Text(label)
    }
}

/** A warning card (offline, permissions, errors that need a step from the worker). */
@Composable
fun Banner(title: String, body: String? = null, content: @Composable () -> Unit = {}) {
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer),
        modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
    ) {
        Column(Modifier.padding(12.dp)) {
            Text(title, style = MaterialTheme.typography.titleSmall)
            if (body != null) Text(body)
            content()
        }
    }
}
