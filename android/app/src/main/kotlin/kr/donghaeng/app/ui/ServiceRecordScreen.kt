package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
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
import kr.donghaeng.core.CrisisReason
import kr.donghaeng.core.ServiceProgram
import kr.donghaeng.core.SupportKind
import kr.donghaeng.shared.ServiceForm

/**
 * The service record (서비스 제공 기록): pick the program and the item; the item (the core's catalogue)
 * decides which fields are shown. Every rule is the core's; its errors come back under their field.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ServiceRecordScreen(form: ServiceForm, modifier: Modifier, onDone: () -> Unit) {
    val s = form.state.collect()
    val bg = rememberBackground()
    val en = useEnglish()
    var program by remember { mutableStateOf(s.item?.program ?: ServiceProgram.CARE_SOS) }
    Column(modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Title(stringResource(R.string.service_title))
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            ServiceProgram.entries.forEach { p ->
                FilterChip(selected = program == p, onClick = { program = p }, label = { Text(if (en) p.labelEn() else p.labelKo()) })
            }
        }
        Text(stringResource(R.string.service_item), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            form.items(program).forEach { info ->
                FilterChip(
                    selected = s.item?.item == info.item, onClick = { form.choose(info.item) },
                    label = { Text(if (en) info.labelEn else info.labelKo) },
                )
            }
        }
        FieldErrors(s.errors, "service.item")
        OutlinedTextField(
            s.providedOn, form::setProvidedOn, label = { Text(stringResource(R.string.service_provided_on)) },
            singleLine = true, modifier = Modifier.fillMaxWidth(),
        )
        FieldErrors(s.errors, "service.provided_on")
        if (s.showsQuantity) {
            val unit = s.item?.unit?.let { if (en) it.labelEn() else it.labelKo() } ?: ""
            OutlinedTextField(
                s.quantity, form::setQuantity, label = { Text(stringResource(R.string.service_quantity, unit)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), singleLine = true, modifier = Modifier.fillMaxWidth(),
            )
            FieldErrors(s.errors, "service.quantity")
        }
        if (s.showsAmount) {
            val label = if (s.amountRequired) R.string.service_amount_required else R.string.service_amount
            OutlinedTextField(
                s.amount, form::setAmount, label = { Text(stringResource(label)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), singleLine = true, modifier = Modifier.fillMaxWidth(),
            )
            FieldErrors(s.errors, "service.amount_won")
        }
        if (s.showsCrisis) {
            Text(stringResource(R.string.service_crisis_reason), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                CrisisReason.entries.forEach { r ->
                    FilterChip(
                        selected = s.crisisReason == r, onClick = { form.setCrisis(r, s.supportKind) },
                        label = { Text(if (en) r.labelEn() else r.labelKo()) },
                    )
                }
            }
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                SupportKind.entries.forEach { k ->
                    FilterChip(
                        selected = s.supportKind == k, onClick = { form.setCrisis(s.crisisReason, k) },
                        label = { Text(if (en) k.labelEn() else k.labelKo()) },
                    )
                }
            }
            FieldErrors(s.errors, "service.crisis_reason")
        }
        OutlinedTextField(s.note, form::setNote, label = { Text(stringResource(R.string.service_note)) }, modifier = Modifier.fillMaxWidth())
        val shown = setOf("service.item", "service.provided_on", "service.quantity", "service.amount_won", "service.crisis_reason")
        s.errors.filter { it.field !in shown }.forEach { ErrorText(it) }
        if (s.saved == null) {
            Button(onClick = { bg.run({ form.submit() }) }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.action_save)) }
        } else {
            Text(stringResource(R.string.service_saved))
            Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.action_done)) }
        }
    }
}
