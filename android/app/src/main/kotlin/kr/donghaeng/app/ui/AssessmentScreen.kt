package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.core.SafetyAssessment
import kr.donghaeng.core.SafetyContact
import kr.donghaeng.shared.UiError
import kr.donghaeng.shared.VisitRow

/** What the assessment screen hands to the session start. */
data class AssessmentInput(
    val assessment: SafetyAssessment,
    val expectedMinutes: Int,
    val teamLead: SafetyContact,
    val dongHead: SafetyContact,
)

/**
 * The pre-visit safety assessment (안전사정) before the door. Every item must be confirmed: the core
 * refuses otherwise and says which item ([error]). The escalation contacts are asked for only while no
 * ladder is published for the team ([askContacts], from the core), and remembered between visits.
 */
@Composable
fun AssessmentScreen(
    row: VisitRow,
    askContacts: Boolean,
    teamLead: SafetyContact,
    dongHead: SafetyContact,
    busy: Boolean,
    error: UiError?,
    modifier: Modifier,
    onConfirmed: (AssessmentInput) -> Unit,
) {
    var risks by remember { mutableStateOf(false) }
    var shared by remember { mutableStateOf(false) }
    var phone by remember { mutableStateOf(false) }
    var exit by remember { mutableStateOf(false) }
    var concerns by remember { mutableStateOf("") }
    var minutes by remember { mutableStateOf("60") }
    var leadName by remember { mutableStateOf(teamLead.name) }
    var leadPhone by remember { mutableStateOf(teamLead.phone) }
    var headName by remember { mutableStateOf(dongHead.name) }
    var headPhone by remember { mutableStateOf(dongHead.phone) }
    Column(modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Title(stringResource(R.string.assessment_title))
        Text("${row.time}  ${row.headName} · ${row.address}")
        if (row.risks.isNotEmpty()) {
            Text(stringResource(R.string.agenda_risks, row.risks.joinToString()), color = MaterialTheme.colorScheme.error)
        }
        CheckRow(stringResource(R.string.assessment_risks_reviewed), risks) { risks = it }
        CheckRow(stringResource(R.string.assessment_plan_shared), shared) { shared = it }
        CheckRow(stringResource(R.string.assessment_phone_ready), phone) { phone = it }
        CheckRow(stringResource(R.string.assessment_exit_plan), exit) { exit = it }
        OutlinedTextField(concerns, { concerns = it }, label = { Text(stringResource(R.string.assessment_concerns)) }, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(
            minutes, { minutes = it.filter(Char::isDigit) }, label = { Text(stringResource(R.string.assessment_expected_minutes)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), singleLine = true,
        )
        if (askContacts) {
            Text(stringResource(R.string.assessment_contacts), style = MaterialTheme.typography.titleMedium)
            ContactFields(stringResource(R.string.assessment_team_lead), leadName, leadPhone, { leadName = it }, { leadPhone = it })
            ContactFields(stringResource(R.string.assessment_dong_head), headName, headPhone, { headName = it }, { headPhone = it })
        }
        ExactAlarmBanner()
        ErrorText(error)
        Button(
            onClick = {
                onConfirmed(
                    AssessmentInput(
                        SafetyAssessment(risks, shared, phone, exit, concerns.trim().ifBlank { null }),
                        minutes.toIntOrNull() ?: 60,
                        SafetyContact(leadName.trim(), leadPhone.trim()),
                        SafetyContact(headName.trim(), headPhone.trim()),
                    )
                )
            },
            enabled = !busy,
            modifier = Modifier.fillMaxWidth().padding(top = 12.dp),
        ) { Text(stringResource(R.string.agenda_start_visit)) }
    }
}

@Composable
private fun ContactFields(title: String, name: String, phone: String, onName: (String) -> Unit, onPhone: (String) -> Unit) {
    Text(title)
    OutlinedTextField(name, onName, label = { Text(stringResource(R.string.contact_name)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
    OutlinedTextField(
        phone, onPhone, label = { Text(stringResource(R.string.contact_phone)) }, singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone), modifier = Modifier.fillMaxWidth(),
    )
}
