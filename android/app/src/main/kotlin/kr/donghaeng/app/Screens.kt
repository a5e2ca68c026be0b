package kr.donghaeng.app

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import kotlinx.coroutines.delay
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SafetyStartRequest
import kr.donghaeng.shared.EligibilityCalculator
import kr.donghaeng.shared.Observable
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.SyncStatusViewModel
import kr.donghaeng.shared.SyncUi
import kr.donghaeng.shared.VisitDayPresenter

/** An [Observable] of :shared as Compose state. */
@Composable
fun <T> Observable<T>.collect(): T {
    var v by remember { mutableStateOf(value) }
    DisposableEffect(this) { val stop = observe { v = it }; onDispose { stop() } }
    return v
}

@Composable
fun VisitDayScreen(p: VisitDayPresenter, modifier: Modifier, onStartSession: (SafetyStartRequest) -> Unit) {
    val s = p.state.collect()
    LazyColumn(modifier) {
        s.error?.let { item { Text(it.ko, color = MaterialTheme.colorScheme.error) } }
        items(s.rows) { row ->
            Card {
                Text("${row.time}  ${row.headName} (${row.crisis})", style = MaterialTheme.typography.titleMedium)
                Text(row.address)
                Text("${row.purpose} · 동행: ${row.partners.joinToString()} · ${row.statusLabel}")
                if (row.risks.isNotEmpty()) Text("주의: ${row.risks.joinToString()}", color = MaterialTheme.colorScheme.error)
                Row {
                    Button(onClick = { p.start(row.visitId) }) { Text("방문 시작") }
                    // The pre-visit assessment dialog builds the request (omitted in this skeleton).
                }
            }
        }
    }
}

@Composable
fun SafetyScreen(vm: SafetySessionViewModel, modifier: Modifier, onClosed: () -> Unit) {
    val s = vm.state.collect()
    var pin by remember { mutableStateOf("") }
    LaunchedEffect(vm) { while (true) { vm.refresh(); delay(1000) } }
    Column(modifier) {
        Text(s.statusLabel, style = MaterialTheme.typography.headlineMedium)
        s.remainingMs?.let { Text("복귀까지 ${it / 60_000}분") }
        s.prompt?.let { Text(it); Button(onClick = vm::checkIn) { Text("안전합니다") } }
        // SOS is always on screen while the session runs.
        Button(onClick = vm::sos, colors = ButtonDefaults.buttonColors(containerColor = Color.Red)) { Text("SOS 긴급호출") }
        if (s.sosEventId != null) Button(onClick = { vm.cancelSos("오조작") }) { Text("SOS 취소") }
        OutlinedTextField(pin, { pin = it }, label = { Text("PIN") })
        Button(onClick = { if (vm.checkOut(pin)) onClosed() }) { Text("복귀 처리") }
        s.error?.let { Text(it.ko, color = MaterialTheme.colorScheme.error) }
    }
}

@Composable
fun EligibilityScreen(c: EligibilityCalculator, modifier: Modifier) {
    val s = c.state.collect()
    LazyColumn(modifier) {
        item {
            OutlinedTextField(s.form.size, { v -> c.edit { it.copy(size = v) } }, label = { Text("가구원 수") })
            OutlinedTextField(s.form.monthlyIncome, { v -> c.edit { it.copy(monthlyIncome = v) } }, label = { Text("월 소득(원)") })
            OutlinedTextField(s.form.property, { v -> c.edit { it.copy(property = v) } }, label = { Text("재산(원)") })
            OutlinedTextField(s.form.financialAssets, { v -> c.edit { it.copy(financialAssets = v) } }, label = { Text("금융재산(원)") })
            Button(onClick = { c.evaluate() }) { Text("판정") }
            s.errors.forEach { Text(it.ko, color = MaterialTheme.colorScheme.error) }
        }
        items(s.cards) { card ->
            Card {
                Text("${card.title}: ${card.decisionLabel}", style = MaterialTheme.typography.titleMedium)
                if (card.provisional) Text("⚠ 잠정 기준: 구청에 확인하세요")
                card.amounts.forEach { Text("→ $it") }
                card.checks.forEach { Text(it) }
                card.notes.forEach { Text("※ $it") }
            }
        }
    }
}

@Composable
fun SyncScreen(store: DonghaengStore, modifier: Modifier) {
    val vm = remember { SyncStatusViewModel(store, { error("sync runs in SyncWorker") }).also { it.refreshPending() } }
    val s = vm.state.collect()
    Column(modifier) {
        Text("보내지 않은 변경: ${s.pending}건")
        when (val st = s.sync) {
            is SyncUi.Running -> LinearProgressIndicator(progress = { st.percent / 100f })
            is SyncUi.Failed -> Text(st.error.ko, color = MaterialTheme.colorScheme.error)
            is SyncUi.Done -> Text("동기화 완료: 받음 ${st.pulled}건, 보냄 ${st.pushed}건")
            SyncUi.Idle -> Text("대기 중")
        }
    }
}

/** 안부 확인: one row of choices per item; the form's and the core's errors under their fields. */
@Composable
fun WellnessScreen(form: kr.donghaeng.shared.WellnessForm, modifier: Modifier, onSaved: () -> Unit) {
    val s = form.state.collect()
    LazyColumn(modifier) {
        items(kr.donghaeng.shared.WellnessItem.values().toList()) { item ->
            Text(item.ko, style = MaterialTheme.typography.titleSmall)
            Row {
                kr.donghaeng.ffi.Observation.values().forEach { o ->
                    Button(onClick = { form.answer(item, o) }, enabled = s.answers[item] != o) { Text(o.labelKo()) }
                }
            }
            s.errors.filter { it.field == "checklist.${item.field}" }.forEach { Text(it.ko, color = MaterialTheme.colorScheme.error) }
        }
        item {
            OutlinedTextField(s.note, form::setNote, label = { Text("메모") })
            s.errors.filter { it.field == null || !it.field.startsWith("checklist.") }.forEach { Text(it.ko, color = MaterialTheme.colorScheme.error) }
            Button(onClick = { if (form.submit()) onSaved() }) { Text("저장") }
            s.saved?.takeIf { it.isUrgent }?.let { Text("긴급: 오늘 조치가 필요합니다", color = MaterialTheme.colorScheme.error) }
        }
    }
}

/** The pre-visit safety assessment; every item must be confirmed before the session starts (the core
 *  refuses otherwise, and says which item). */
@Composable
fun AssessmentScreen(modifier: Modifier, onConfirmed: (kr.donghaeng.ffi.SafetyAssessment) -> Unit) {
    var risks by remember { mutableStateOf(false) }
    var shared by remember { mutableStateOf(false) }
    var phone by remember { mutableStateOf(false) }
    var exit by remember { mutableStateOf(false) }
    var concerns by remember { mutableStateOf("") }
    Column(modifier) {
        listOf(
            "가구 위험 요인 확인" to risks, "팀장에게 방문 계획 공유" to shared,
            "휴대전화 충전·통신 확인" to phone, "비상 대피·연락 방법 확인" to exit,
        ).forEachIndexed { i, (label, checked) ->
            Row {
                androidx.compose.material3.Checkbox(checked, { v ->
                    when (i) { 0 -> risks = v; 1 -> shared = v; 2 -> phone = v; else -> exit = v }
                })
                Text(label)
            }
        }
        OutlinedTextField(concerns, { concerns = it }, label = { Text("우려 사항 (예: 대형견)") })
        Button(onClick = { onConfirmed(kr.donghaeng.ffi.SafetyAssessment(risks, shared, phone, exit, concerns.ifBlank { null })) }) {
            Text("방문 시작")
        }
    }
}
