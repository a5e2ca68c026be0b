package kr.donghaeng.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.foundation.layout.padding
import kr.donghaeng.shared.EligibilityCalculator
import kr.donghaeng.shared.VisitDayPresenter

/** Tabs: today's visits, eligibility, sync. The safety screen opens over them while a session runs. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as DonghaengApp
        val workerId = getSharedPreferences("sync", MODE_PRIVATE).getString("worker_id", "") ?: ""
        val visitDay = VisitDayPresenter(app.store, workerId).also { it.load() }
        val calculator = EligibilityCalculator(app.eligibility)
        setContent {
            MaterialTheme {
                var tab by remember { mutableStateOf(0) }
                var safety by remember { mutableStateOf(ActiveSession.current(this, workerId)) }
                Scaffold(bottomBar = {
                    NavigationBar {
                        listOf("오늘 방문", "자격 판정", "동기화").forEachIndexed { i, label ->
                            NavigationBarItem(selected = tab == i, onClick = { tab = i }, icon = {}, label = { Text(label) })
                        }
                    }
                }) { padding ->
                    val m = Modifier.padding(padding)
                    val open = safety
                    when {
                        open != null -> SafetyScreen(open, m, onClosed = {
                            stopService(Intent(this, SafetySessionService::class.java))
                            ActiveSession.finish(this)
                            safety = null
                        })
                        tab == 0 -> VisitDayScreen(visitDay, m, onStartSession = { request ->
                            val vm = ActiveSession.create(this, workerId)
                            if (vm.start(request)) {
                                startForegroundService(Intent(this, SafetySessionService::class.java))
                                safety = vm
                            } else {
                                ActiveSession.finish(this)
                            }
                        })
                        tab == 1 -> EligibilityScreen(calculator, m)
                        else -> SyncScreen(app.store, m)
                    }
                }
            }
        }
    }
}
