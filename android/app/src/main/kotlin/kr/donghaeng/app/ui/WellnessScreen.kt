package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.core.Observation
import kr.donghaeng.shared.MAX_WELLNESS_NOTE
import kr.donghaeng.shared.WellnessForm
import kr.donghaeng.shared.WellnessItem

/** The checklist item's name from resources (the presenter's `ko` is Korean only). */
private fun WellnessItem.label(): Int = when (this) {
    WellnessItem.MEALS -> R.string.wellness_meals
    WellnessItem.HEALTH -> R.string.wellness_health
    WellnessItem.MOOD -> R.string.wellness_mood
    WellnessItem.MOBILITY -> R.string.wellness_mobility
    WellnessItem.HOUSING -> R.string.wellness_housing
    WellnessItem.HEATING_COOLING -> R.string.wellness_heating_cooling
    WellnessItem.LONELINESS -> R.string.wellness_loneliness
}

/** The wellness check (안부 확인): one row of choices per item; errors under the field they name. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun WellnessScreen(form: WellnessForm, modifier: Modifier, onDone: () -> Unit) {
    val s = form.state.collect()
    val bg = rememberBackground()
    val en = useEnglish()
    LazyColumn(modifier.padding(horizontal = 12.dp)) {
        item { Title(stringResource(R.string.wellness_title)) }
        items(WellnessItem.entries) { item ->
            Text(stringResource(item.label()), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Observation.entries.forEach { o ->
                    FilterChip(
                        selected = s.answers[item] == o, onClick = { form.answer(item, o) },
                        label = { Text(if (en) o.labelEn() else o.labelKo()) },
                    )
                }
            }
            FieldErrors(s.errors, "checklist.${item.field}")
        }
        item {
            CheckRow(stringResource(R.string.wellness_arrears), s.arrearsSigns, form::setArrearsSigns)
            CheckRow(stringResource(R.string.wellness_utility_cutoff), s.utilityCutoffSigns, form::setUtilityCutoffSigns)
            CheckRow(stringResource(R.string.wellness_referral), s.needsReferral, form::setNeedsReferral)
            OutlinedTextField(
                s.note, form::setNote, label = { Text(stringResource(R.string.wellness_note)) },
                supportingText = { Text("${s.note.length} / $MAX_WELLNESS_NOTE") }, modifier = Modifier.fillMaxWidth(),
            )
            s.errors.filter { it.field?.startsWith("checklist.") != true }.forEach { ErrorText(it) }
            val saved = s.saved
            if (saved == null) {
                Button(onClick = { bg.run({ form.submit() }) }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.action_save)) }
            } else {
                Text(stringResource(R.string.wellness_saved))
                if (saved.checklist.isUrgent()) Banner(stringResource(R.string.wellness_urgent))
                Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.action_done)) }
            }
        }
    }
}
