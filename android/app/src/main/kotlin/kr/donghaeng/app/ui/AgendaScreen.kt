package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.core.VisitOutcome
import kr.donghaeng.core.VisitStatus
import kr.donghaeng.shared.VisitDayPresenter
import kr.donghaeng.shared.VisitRow

/**
 * Today's visits (오늘의 방문). "Start visit" on a home visit goes through the pre-visit assessment and
 * opens the safety session ([onStartSafety]); other visits start at once.
 */
@Composable
fun AgendaScreen(
    p: VisitDayPresenter,
    modifier: Modifier,
    onStartSafety: (VisitRow) -> Unit,
    onHousehold: (VisitRow) -> Unit,
    onWellness: (VisitRow) -> Unit,
) {
    val s = p.state.collect()
    val bg = rememberBackground()
    LaunchedEffect(p) { bg.run({ p.load() }) }
    LazyColumn(modifier.padding(horizontal = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item {
            Title(stringResource(R.string.agenda_title, s.day))
            TextButton(onClick = { bg.run({ p.load(s.day) }) }) { Text(stringResource(R.string.action_refresh)) }
            ErrorText(s.error)
            if (!s.loading && s.rows.isEmpty()) Text(stringResource(R.string.agenda_empty))
        }
        items(s.rows, key = { it.visitId }) { row ->
            VisitCard(
                row,
                onStart = { if (row.needsSafetySession) onStartSafety(row) else bg.run({ p.start(row.visitId) }) },
                onComplete = { outcome -> bg.run({ p.complete(row.visitId, outcome) }) },
                onHousehold = { onHousehold(row) },
                onWellness = { onWellness(row) },
            )
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun VisitCard(
    row: VisitRow,
    onStart: () -> Unit,
    onComplete: (VisitOutcome) -> Unit,
    onHousehold: () -> Unit,
    onWellness: () -> Unit,
) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp)) {
            Text("${row.time}  ${row.headName}", style = MaterialTheme.typography.titleMedium)
            Text(row.crisis, color = if (row.crisisLevel >= 4) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface)
            Text(row.address)
            Text("${row.purpose} · ${row.statusLabel}")
            if (row.partners.isNotEmpty()) Text(stringResource(R.string.agenda_partners, row.partners.joinToString()))
            if (row.risks.isNotEmpty()) {
                Text(stringResource(R.string.agenda_risks, row.risks.joinToString()), color = MaterialTheme.colorScheme.error)
            }
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                if (row.status == VisitStatus.PLANNED) Button(onClick = onStart) { Text(stringResource(R.string.agenda_start_visit)) }
                if (row.status == VisitStatus.IN_PROGRESS) CompleteButton(onComplete)
                OutlinedButton(onClick = onHousehold) { Text(stringResource(R.string.agenda_household)) }
                OutlinedButton(onClick = onWellness) { Text(stringResource(R.string.agenda_wellness)) }
            }
        }
    }
}

/** "Complete visit" with the outcome picked from the core's list. */
@Composable
private fun CompleteButton(onComplete: (VisitOutcome) -> Unit) {
    var open by remember { mutableStateOf(false) }
    val en = useEnglish()
    Box {
        Button(onClick = { open = true }) { Text(stringResource(R.string.agenda_complete_visit)) }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            VisitOutcome.entries.forEach { o ->
                DropdownMenuItem(
                    text = { Text(if (en) o.labelEn() else o.labelKo()) },
                    onClick = { open = false; onComplete(o) },
                )
            }
        }
    }
}
