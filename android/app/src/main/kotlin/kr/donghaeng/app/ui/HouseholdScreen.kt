package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.shared.HouseholdPresenter

/** Household detail (가구 상세) and its history, newest first, a page at a time. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun HouseholdScreen(
    p: HouseholdPresenter,
    modifier: Modifier,
    onWellness: () -> Unit,
    onService: () -> Unit,
    onEligibility: () -> Unit,
) {
    val s = p.state.collect()
    val bg = rememberBackground()
    LaunchedEffect(p) { bg.run({ p.load() }) }
    LazyColumn(modifier.padding(horizontal = 12.dp)) {
        item {
            Title(s.headName)
            Text(s.address)
            Text(s.crisis)
            if (s.tags.isNotEmpty()) Text(s.tags.joinToString(" · "))
            if (s.risks.isNotEmpty()) {
                Text(stringResource(R.string.agenda_risks, s.risks.joinToString()), color = MaterialTheme.colorScheme.error)
            }
            ErrorText(s.error)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = onWellness) { Text(stringResource(R.string.agenda_wellness)) }
                OutlinedButton(onClick = onService) { Text(stringResource(R.string.household_record_service)) }
                OutlinedButton(onClick = onEligibility) { Text(stringResource(R.string.household_eligibility)) }
            }
            Text(stringResource(R.string.household_members), style = MaterialTheme.typography.titleMedium)
            s.members.forEach { Text(it) }
            Text(stringResource(R.string.household_open_case), style = MaterialTheme.typography.titleMedium)
            Text(s.openCase ?: stringResource(R.string.household_no_open_case))
            Text(stringResource(R.string.household_history), style = MaterialTheme.typography.titleMedium)
        }
        items(s.history) { line ->
            Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
                Column(Modifier.padding(8.dp)) {
                    Text("${line.date} · ${line.kind}", style = MaterialTheme.typography.labelLarge)
                    Text(line.text)
                }
            }
        }
        item {
            HorizontalDivider()
            if (s.hasMore) OutlinedButton(onClick = { bg.run({ p.loadMore() }) }) { Text(stringResource(R.string.household_more)) }
        }
    }
}
