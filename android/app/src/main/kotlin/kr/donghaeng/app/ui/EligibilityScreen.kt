package kr.donghaeng.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import kr.donghaeng.app.R
import kr.donghaeng.core.CrisisReason
import kr.donghaeng.core.ServiceProgram
import kr.donghaeng.ffi.serviceItems
import kr.donghaeng.shared.EligibilityCalculator
import kr.donghaeng.shared.EligibilityForm
import kr.donghaeng.shared.UiError

/** Support already received (`household.receiving`), the core's codes (docs/eligibility.md). */
private val RECEIVING = listOf(
    "national_basic_livelihood" to R.string.receiving_national_basic_livelihood,
    "near_poor" to R.string.receiving_near_poor,
    "national_emergency_welfare" to R.string.receiving_national_emergency_welfare,
    "seoul_emergency_welfare" to R.string.receiving_seoul_emergency_welfare,
    "seoul_basic_security" to R.string.receiving_seoul_basic_security,
    "care_sos" to R.string.receiving_care_sos,
    "seoul_safety_income" to R.string.receiving_seoul_safety_income,
    "visiting_health_care" to R.string.receiving_visiting_health_care,
    "elderly_basic_care" to R.string.receiving_elderly_basic_care,
)

private fun <T> Set<T>.toggle(v: T) = if (v in this) this - v else this + v

/**
 * The eligibility calculator (자격 판정) as a form. For a stored household ([storedHousehold]) the members,
 * disability and lonely-death risk come from its records; otherwise they are typed here. The decision
 * cards show every check the core made.
 */
@Composable
fun EligibilityScreen(c: EligibilityCalculator, storedHousehold: Boolean, modifier: Modifier) {
    val s = c.state.collect()
    val bg = rememberBackground()
    val en = useEnglish()
    val f = s.form
    val edit = c::edit
    LazyColumn(modifier.padding(horizontal = 12.dp)) {
        item {
            Title(stringResource(R.string.eligibility_title))
            TextInput(f.asOf, R.string.eligibility_as_of, "as_of", s.errors, number = false) { v -> edit { it.copy(asOf = v) } }
            CheckRow(stringResource(R.string.eligibility_residence_seoul), f.residenceSeoul) { v -> edit { it.copy(residenceSeoul = v) } }
            if (storedHousehold) {
                TextInput(f.householdSizeOverride, R.string.eligibility_size_override, "facts.household_size", s.errors) { v -> edit { it.copy(householdSizeOverride = v) } }
            } else {
                TextInput(f.size, R.string.eligibility_size, "household.size", s.errors) { v -> edit { it.copy(size = v) } }
                Members(f, edit)
                CheckRow(stringResource(R.string.eligibility_lonely_death_risk), f.lonelyDeathRisk) { v -> edit { it.copy(lonelyDeathRisk = v) } }
            }
            TextInput(f.monthlyIncome, R.string.eligibility_monthly_income, "household.monthly_income_won", s.errors) { v -> edit { it.copy(monthlyIncome = v) } }
            TextInput(f.recognisedIncome, R.string.eligibility_recognised_income, "household.recognised_income_won", s.errors) { v -> edit { it.copy(recognisedIncome = v) } }
            TextInput(f.property, R.string.eligibility_property, "household.property_won", s.errors) { v -> edit { it.copy(property = v) } }
            TextInput(f.financialAssets, R.string.eligibility_financial_assets, "household.financial_assets_won", s.errors) { v -> edit { it.copy(financialAssets = v) } }
            CheckRow(stringResource(R.string.eligibility_health_insurance_bottom_20), f.healthInsuranceBottom20) { v -> edit { it.copy(healthInsuranceBottom20 = v) } }
            Choices(
                R.string.eligibility_receiving, RECEIVING.map { (code, res) -> code to stringResource(res) }, f.receiving,
            ) { code -> edit { it.copy(receiving = it.receiving.toggle(code)) } }
            Choices(
                R.string.eligibility_crisis_reasons, CrisisReason.entries.map { it.code() to (if (en) it.labelEn() else it.labelKo()) },
                f.crisisReasons,
            ) { code -> edit { it.copy(crisisReasons = it.crisisReasons.toggle(code)) } }
            Choices(
                R.string.eligibility_requested_items,
                serviceItems(ServiceProgram.SEOUL_EMERGENCY_WELFARE).map { it.code to (if (en) it.labelEn else it.labelKo) },
                f.requestedItems,
            ) { code -> edit { it.copy(requestedItems = it.requestedItems.toggle(code)) } }
            CheckRow(stringResource(R.string.eligibility_extra_payment), f.extraPayment) { v -> edit { it.copy(extraPayment = v) } }
            if (storedHousehold) {
                TextInput(f.careHomeHours, R.string.eligibility_care_home_hours, "care_sos_request.temporary_home_care_hours", s.errors) { v -> edit { it.copy(careHomeHours = v) } }
                TextInput(f.careMeals, R.string.eligibility_care_meals, "care_sos_request.meals", s.errors) { v -> edit { it.copy(careMeals = v) } }
            }
            Button(onClick = { bg.run({ c.evaluate() }) }, modifier = Modifier.fillMaxWidth().padding(vertical = 8.dp)) {
                Text(stringResource(R.string.eligibility_evaluate))
            }
            // Errors the fields above do not show (the core's, on fields of its own).
            s.errors.filter { it.field !in SHOWN_FIELDS }.forEach { ErrorText(it) }
        }
        items(s.cards) { card ->
            Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
                Column(Modifier.padding(12.dp)) {
                    Text("${card.title}: ${card.decisionLabel}", style = MaterialTheme.typography.titleMedium)
                    if (card.provisional) Text(stringResource(R.string.eligibility_provisional), color = MaterialTheme.colorScheme.error)
                    card.amounts.forEach { Text(it) }
                    (if (en && card.checksEn.isNotEmpty()) card.checksEn else card.checks).forEach { Text(it) }
                    (if (en && card.notesEn.isNotEmpty()) card.notesEn else card.notes).forEach {
                        Text(it, style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
        }
    }
}

private val SHOWN_FIELDS = setOf(
    "as_of", "facts.household_size", "household.size", "household.monthly_income_won", "household.recognised_income_won",
    "household.property_won", "household.financial_assets_won", "care_sos_request.temporary_home_care_hours", "care_sos_request.meals",
)

@Composable
private fun TextInput(value: String, label: Int, field: String, errors: List<UiError>, number: Boolean = true, onChange: (String) -> Unit) {
    OutlinedTextField(
        value, onChange, label = { Text(stringResource(label)) }, singleLine = true, modifier = Modifier.fillMaxWidth(),
        keyboardOptions = KeyboardOptions(keyboardType = if (number) KeyboardType.Number else KeyboardType.Text),
        isError = errors.any { it.field == field },
    )
    FieldErrors(errors, field)
}

/** Chips over codes: a set of the core's codes, each with its label. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Choices(title: Int, options: List<Pair<String, String>>, selected: Set<String>, onToggle: (String) -> Unit) {
    Text(stringResource(title), style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(top = 8.dp))
    FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
        options.forEach { (code, label) ->
            FilterChip(selected = code in selected, onClick = { onToggle(code) }, label = { Text(label) })
        }
    }
}

/** Members typed by hand (not a stored household): birth date and disability of each. */
@Composable
private fun Members(f: EligibilityForm, edit: ((EligibilityForm) -> EligibilityForm) -> Unit) {
    Text(stringResource(R.string.eligibility_members), style = MaterialTheme.typography.titleSmall)
    f.memberBirthDates.forEachIndexed { i, birth ->
        Row {
            OutlinedTextField(
                birth, { v -> edit { it.copy(memberBirthDates = it.memberBirthDates.toMutableList().also { l -> l[i] = v }) } },
                label = { Text(stringResource(R.string.eligibility_birth_date)) }, singleLine = true, modifier = Modifier.weight(1f),
            )
            CheckRow(stringResource(R.string.eligibility_disabled), i in f.disabledMembers) { v ->
                edit { it.copy(disabledMembers = if (v) it.disabledMembers + i else it.disabledMembers - i) }
            }
        }
    }
    Row {
        TextButton(onClick = { edit { it.copy(memberBirthDates = it.memberBirthDates + "") } }) { Text(stringResource(R.string.eligibility_add_member)) }
        if (f.memberBirthDates.isNotEmpty()) {
            TextButton(onClick = {
                edit { it.copy(memberBirthDates = it.memberBirthDates.dropLast(1), disabledMembers = it.disabledMembers - it.memberBirthDates.lastIndex) }
            }) { Text(stringResource(R.string.eligibility_remove_member)) }
        }
    }
}
