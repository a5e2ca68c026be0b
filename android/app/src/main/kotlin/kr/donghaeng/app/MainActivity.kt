package kr.donghaeng.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kr.donghaeng.app.ui.AgendaScreen
import kr.donghaeng.app.ui.AssessmentScreen
import kr.donghaeng.app.ui.Banner
import kr.donghaeng.app.ui.EligibilityScreen
import kr.donghaeng.app.ui.EnrolmentScreen
import kr.donghaeng.app.ui.HouseholdScreen
import kr.donghaeng.app.ui.NotificationPermissionRequest
import kr.donghaeng.app.ui.SafetyScreen
import kr.donghaeng.app.ui.ServiceRecordScreen
import kr.donghaeng.app.ui.SyncScreen
import kr.donghaeng.app.ui.WellnessScreen
import kr.donghaeng.app.ui.collect
import kr.donghaeng.app.ui.rememberBackground
import kr.donghaeng.core.ContactMode
import kr.donghaeng.core.EnrolledUser
import kr.donghaeng.ffi.DeviceAccount
import kr.donghaeng.shared.EligibilityCalculator
import kr.donghaeng.shared.EnrolmentViewModel
import kr.donghaeng.shared.HouseholdPresenter
import kr.donghaeng.shared.HouseholdSource
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.ServiceForm
import kr.donghaeng.shared.SyncStatusViewModel
import kr.donghaeng.shared.UiError
import kr.donghaeng.shared.VisitDayPresenter
import kr.donghaeng.shared.VisitRow
import kr.donghaeng.shared.WellnessForm
import kr.donghaeng.shared.attempt

/** Screens opened over the tabs (the back button returns). */
private sealed interface Route {
    data class Household(val householdId: String) : Route
    data class Assessment(val row: VisitRow) : Route
    data class Wellness(val householdId: String, val visitId: String?) : Route
    data class Service(val householdId: String) : Route
    data class HouseholdEligibility(val householdId: String) : Route
}

private enum class Tab(val label: Int) { AGENDA(R.string.tab_agenda), ELIGIBILITY(R.string.tab_eligibility), SYNC(R.string.tab_sync) }

/**
 * Enrolment while the phone is not enrolled (or after it was revoked and wiped); otherwise the tabs
 * (today's visits, eligibility, sync) with detail screens over them, and the safety screen over
 * everything while a session is open.
 */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as DonghaengApp
        setContent { MaterialTheme { Root(app) } }
    }

    override fun onResume() {
        super.onResume()
        AppForeground.resumed = true
        // Back from another app (or a notification): run what fell due meanwhile.
        ActiveSession.viewModel?.let { vm -> Thread { vm.onAlarm() }.start() }
    }

    override fun onPause() {
        AppForeground.resumed = false
        super.onPause()
    }
}

@Composable
private fun Root(app: DonghaengApp) {
    val state = app.account.collect()
    val account = state.account
    val user = state.user
    when {
        !state.loaded -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
        account == null || user == null -> {
            val store = app.store
            val bg = rememberBackground()
            val vm = remember(store) { EnrolmentViewModel(store, app::accountFor) }
            Scaffold { padding ->
                EnrolmentScreen(vm, Modifier.padding(padding), onEnrolled = { a, u -> bg.run({ app.enrolled(a, u) }) })
            }
        }
        else -> key(user.userId, app.store) { Shell(app, account, user) }
    }
}

@Composable
private fun Shell(app: DonghaengApp, account: DeviceAccount, user: EnrolledUser) {
    val context = LocalContext.current
    val bg = rememberBackground()
    val store = app.store
    val workerId = user.userId
    val visitDay = remember { VisitDayPresenter(store, workerId) }
    val calculator = remember { EligibilityCalculator(app.eligibility) }
    val sync = remember { SyncStatusViewModel(store, { account }, onRevoked = { app.wipeAndReset() }) }
    var safety by remember { mutableStateOf<SafetySessionViewModel?>(null) }
    var starting by remember { mutableStateOf(false) }
    var startError by remember { mutableStateOf<UiError?>(null) }
    val stack = remember { mutableStateListOf<Route>() }
    var tab by remember { mutableStateOf(Tab.AGENDA) }

    NotificationPermissionRequest()
    // A session left open when the app was killed comes back from the store.
    LaunchedEffect(Unit) {
        bg.run({ ActiveSession.current(context, workerId)?.takeIf(ActiveSession::isOpen) }) { vm ->
            if (vm != null) { safety = vm; startSafetyService(context) }
        }
    }
    BackHandler(enabled = safety == null && stack.isNotEmpty()) { stack.removeAt(stack.lastIndex) }
    val push = { r: Route -> startError = null; stack.add(r) }

    Scaffold(
        topBar = {
            if (safety == null && stack.isNotEmpty()) {
                TextButton(onClick = { stack.removeAt(stack.lastIndex) }) { Text(stringResource(R.string.action_back)) }
            }
        },
        bottomBar = {
            if (safety == null && stack.isEmpty()) {
                NavigationBar {
                    Tab.entries.forEach { t ->
                        NavigationBarItem(selected = tab == t, onClick = { tab = t }, icon = {}, label = { Text(stringResource(t.label)) })
                    }
                }
            }
        },
    ) { padding ->
        val m = Modifier.padding(padding)
        val open = safety
        val route = stack.lastOrNull()
        when {
            open != null -> SafetyScreen(open, m, onClosed = {
                context.stopService(Intent(context, SafetySessionService::class.java))
                safety = null
                bg.run({ visitDay.load(visitDay.state.value.day) })
            })
            route is Route.Assessment -> AssessmentScreen(
                route.row, visitDay.state.value.askSafetyContacts, SafetyContacts.teamLead(context), SafetyContacts.dongHead(context),
                starting, startError, m,
                onConfirmed = { input ->
                    starting = true
                    bg.run({ startVisitWithSession(context, store, visitDay, route.row, workerId, input) }) { (vm, error) ->
                        starting = false
                        startError = error
                        if (vm != null) { stack.clear(); safety = vm }
                    }
                },
            )
            route is Route.Household -> {
                val p = remember(route) { HouseholdPresenter(store, route.householdId) }
                HouseholdScreen(
                    p, m,
                    onWellness = { push(Route.Wellness(route.householdId, null)) },
                    onService = { push(Route.Service(route.householdId)) },
                    onEligibility = { push(Route.HouseholdEligibility(route.householdId)) },
                )
            }
            route is Route.Wellness -> {
                // The contact mode is the visit's (a phone call is recorded as one); no visit: at home.
                val form by produceState<WellnessForm?>(null, route) {
                    value = withContext(Dispatchers.IO) {
                        val mode = route.visitId?.let { id -> attempt({}) { store.getVisit(id).contactMode } } ?: ContactMode.HOME
                        WellnessForm(store, route.householdId, workerId, route.visitId, mode)
                    }
                }
                form?.let { WellnessScreen(it, m, onDone = { stack.removeAt(stack.lastIndex) }) }
            }
            route is Route.Service -> {
                val form = remember(route) { ServiceForm(store, route.householdId, workerId) }
                ServiceRecordScreen(form, m, onDone = { stack.removeAt(stack.lastIndex) })
            }
            route is Route.HouseholdEligibility -> {
                val c = remember(route) { EligibilityCalculator(app.eligibility, household = HouseholdSource(store, route.householdId)) }
                EligibilityScreen(c, storedHousehold = true, modifier = m)
            }
            tab == Tab.AGENDA -> Column(m) {
                // The key no longer opened the old file: it was put aside, unsynced changes are not here.
                if (app.unreadableFile != null) {
                    Banner(stringResource(R.string.unreadable_store_title), stringResource(R.string.unreadable_store_body))
                }
                AgendaScreen(
                    visitDay, Modifier.weight(1f),
                    onStartSafety = { row -> push(Route.Assessment(row)) },
                    onHousehold = { row -> push(Route.Household(row.householdId)) },
                    onWellness = { row -> push(Route.Wellness(row.householdId, row.visitId)) },
                )
            }
            tab == Tab.ELIGIBILITY -> EligibilityScreen(calculator, storedHousehold = false, modifier = m)
            else -> SyncScreen(sync, m)
        }
    }
}
