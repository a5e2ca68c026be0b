package kr.donghaeng.app.ui

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.core.EnrolledUser
import kr.donghaeng.ffi.DeviceAccount
import kr.donghaeng.shared.EnrolmentViewModel

/** The action of a barcode scanner app (ZXing-compatible); its result extra holds the QR text. */
private const val SCAN_ACTION = "com.google.zxing.client.android.SCAN"
private const val SCAN_RESULT = "SCAN_RESULT"

/**
 * Enrolment (기기 등록): the code from the team lead and the server address, typed, or both from the
 * QR code (`donghaeng://enrol?server=...&code=...`) scanned by a scanner app or pasted as text.
 */
@Composable
fun EnrolmentScreen(vm: EnrolmentViewModel, modifier: Modifier, onEnrolled: (DeviceAccount, EnrolledUser) -> Unit) {
    val s = vm.state.collect()
    val bg = rememberBackground()
    val en = useEnglish()
    var pasted by remember { mutableStateOf("") }
    var noScanner by remember { mutableStateOf(false) }
    val scan = rememberLauncherForActivityResult(ActivityResultContracts.StartActivityForResult()) { r ->
        val text = r.data?.getStringExtra(SCAN_RESULT)
        if (r.resultCode == Activity.RESULT_OK && text != null) vm.onScanned(text)
    }
    Column(modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Title(stringResource(R.string.enrol_title))
        Text(stringResource(R.string.enrol_intro))
        OutlinedTextField(
            s.serverUrl, vm::onServerUrlChanged, label = { Text(stringResource(R.string.enrol_server_url)) },
            singleLine = true, modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            s.code, vm::onCodeChanged, label = { Text(stringResource(R.string.enrol_code)) },
            singleLine = true, modifier = Modifier.fillMaxWidth(),
        )
        if (s.error?.field != null) ErrorText(s.error)
        OutlinedButton(onClick = {
            try {
                scan.launch(Intent(SCAN_ACTION).putExtra("SCAN_MODE", "QR_CODE_MODE"))
            } catch (e: ActivityNotFoundException) {
                noScanner = true
            }
        }) { Text(stringResource(R.string.enrol_scan_qr)) }
        if (noScanner) Text(stringResource(R.string.enrol_no_scanner))
        OutlinedTextField(
            pasted, { pasted = it }, label = { Text(stringResource(R.string.enrol_paste_qr)) },
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedButton(onClick = { vm.onScanned(pasted.trim()) }, enabled = pasted.isNotBlank()) {
            Text(stringResource(R.string.enrol_use_pasted))
        }
        Button(
            onClick = {
                bg.run({ vm.enrol()?.let { a -> vm.state.value.enrolled?.let { u -> a to u } } }) { done ->
                    if (done != null) onEnrolled(done.first, done.second)
                }
            },
            enabled = !s.busy && s.code.isNotBlank() && s.serverUrl.isNotBlank(),
            modifier = Modifier.fillMaxWidth().padding(top = 12.dp),
        ) { Text(stringResource(R.string.enrol_button)) }
        if (s.busy) CircularProgressIndicator()
        if (s.error?.field == null) ErrorText(s.error)
        s.advice?.let { a ->
            Banner(if (en) a.titleEn else a.titleKo, if (en) a.bodyEn else a.bodyKo)
        }
    }
}
