package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.shared.SyncStatusViewModel
import kr.donghaeng.shared.SyncUi
import kr.donghaeng.shared.kstDate
import kr.donghaeng.shared.kstTime

private fun stamp(ms: Long) = "${kstDate(ms)} ${kstTime(ms)}"

/**
 * Sync status (동기화): the offline banner, last successful sync, changes not yet sent, "sync now" with
 * its progress, and after a failure the core's error and advice (what to do next).
 */
@Composable
fun SyncScreen(vm: SyncStatusViewModel, modifier: Modifier) {
    val s = vm.state.collect()
    val bg = rememberBackground()
    val en = useEnglish()
    LaunchedEffect(vm) { bg.run({ vm.refresh() }) }
    Column(modifier.padding(16.dp)) {
        Title(stringResource(R.string.sync_title))
        if (s.offline) Banner(stringResource(R.string.sync_offline_title), stringResource(R.string.sync_offline_body))
        Text(s.lastSuccessMs?.let { stringResource(R.string.sync_last_success, stamp(it)) } ?: stringResource(R.string.sync_never))
        Text(stringResource(R.string.sync_pending, s.pending), style = MaterialTheme.typography.titleMedium)
        when (val st = s.sync) {
            is SyncUi.Running -> {
                Text(stringResource(R.string.sync_running))
                LinearProgressIndicator(progress = { st.percent / 100f }, modifier = Modifier.fillMaxWidth())
            }
            is SyncUi.Done -> Text(stringResource(R.string.sync_done, st.pulled, st.pushed))
            is SyncUi.Failed -> {
                ErrorText(st.error)
                Banner(if (en) st.advice.titleEn else st.advice.titleKo, if (en) st.advice.bodyEn else st.advice.bodyKo)
            }
            else -> {} // idle
        }
        Button(
            onClick = { bg.run({ vm.syncNow() }) },
            enabled = s.sync !is SyncUi.Running,
            modifier = Modifier.fillMaxWidth().padding(top = 12.dp),
        ) { Text(stringResource(R.string.sync_now)) }
    }
}
