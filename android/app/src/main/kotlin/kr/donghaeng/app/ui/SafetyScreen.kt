package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.delay
import kr.donghaeng.app.R
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.kstTime

/**
 * The open safety session: SOS first and always on screen, the timer, the check-in prompt, more time,
 * and check-out with the PIN. A duress PIN gives the same receipt and the same screen (docs/safety.md):
 * nothing here may differ after one.
 */
@Composable
fun SafetyScreen(vm: SafetySessionViewModel, modifier: Modifier, onClosed: () -> Unit) {
    val s = vm.state.collect()
    val bg = rememberBackground()
    var pin by remember { mutableStateOf("") }
    var checkedOut by remember { mutableStateOf(false) }
    LaunchedEffect(vm) {
        while (true) {
            bg.run({ vm.refresh() })
            delay(1000)
        }
    }
    Column(modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SosButton(onSos = { bg.run({ vm.sos() }) })
        if (s.sosEventId != null) {
            val reason = stringResource(R.string.safety_sos_cancel_reason)
            OutlinedButton(onClick = { bg.run({ vm.cancelSos(reason) }) }) { Text(stringResource(R.string.safety_sos_cancel)) }
        }
        Title(s.statusLabel)
        s.expectedReturnMs?.let { Text(stringResource(R.string.safety_expected_return, kstTime(it))) }
        s.remainingMs?.let { ms ->
            val text = if (ms >= 0) stringResource(R.string.safety_remaining, ms / 60_000, (ms / 1000) % 60)
            else stringResource(R.string.safety_overdue, -ms / 60_000)
            Text(text, style = MaterialTheme.typography.headlineMedium)
        }
        s.prompt?.let { CheckInPrompt(it, onSafe = { bg.run({ vm.checkIn() }) }) }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = { bg.run({ vm.extend(15) }) }) { Text(stringResource(R.string.safety_extend, 15)) }
            OutlinedButton(onClick = { bg.run({ vm.extend(30) }) }) { Text(stringResource(R.string.safety_extend, 30)) }
        }
        if (s.unsavedEvents > 0) Banner(stringResource(R.string.safety_unsaved))
        ExactAlarmBanner()
        CheckOut(pin, { pin = it }, enabled = !checkedOut, onCheckOut = {
            bg.run({ vm.checkOut(pin.ifBlank { null }) }) { ok -> if (ok) { checkedOut = true; pin = "" } }
        })
        ErrorText(s.error)
        if (checkedOut) {
            s.receipt?.let { Text(it, style = MaterialTheme.typography.titleMedium) }
            Button(onClick = onClosed, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.safety_done)) }
        }
    }
}

/** SOS: one tap, recorded at once; the alarm goes out in the same call. */
@Composable
private fun SosButton(onSos: () -> Unit) {
    Button(
        onClick = onSos,
        colors = ButtonDefaults.buttonColors(containerColor = Color(0xFFC62828), contentColor = Color.White),
        modifier = Modifier.fillMaxWidth().height(72.dp),
    ) { Text(stringResource(R.string.safety_sos), style = MaterialTheme.typography.headlineSmall) }
}

/** The core's "are you safe?" question (its text, as given) while it waits for an answer. */
@Composable
fun CheckInPrompt(question: String, onSafe: () -> Unit) {
    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.tertiaryContainer), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp)) {
            Text(stringResource(R.string.safety_prompt_title), style = MaterialTheme.typography.titleMedium)
            Text(question)
            Button(onClick = onSafe, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.safety_i_am_safe)) }
        }
    }
}

/** Check-out (복귀) with the PIN; the PIN is never shown. */
@Composable
private fun CheckOut(pin: String, onPin: (String) -> Unit, enabled: Boolean, onCheckOut: () -> Unit) {
    Text(stringResource(R.string.safety_check_out_title), style = MaterialTheme.typography.titleMedium)
    OutlinedTextField(
        pin, { onPin(it.filter(Char::isDigit).take(12)) }, label = { Text(stringResource(R.string.safety_pin)) },
        visualTransformation = PasswordVisualTransformation(), singleLine = true, enabled = enabled,
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
    )
    Button(onClick = onCheckOut, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.safety_check_out)) }
}
