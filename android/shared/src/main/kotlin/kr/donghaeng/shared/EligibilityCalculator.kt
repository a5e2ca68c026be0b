package kr.donghaeng.shared

import kr.donghaeng.core.CrisisReason
import kr.donghaeng.core.SupportKind
import kr.donghaeng.ffi.CareSosRequestInput
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.EligibilityDecision
import kr.donghaeng.ffi.EligibilityEngine
import kr.donghaeng.ffi.EligibilityResult
import kr.donghaeng.ffi.EnteredCrisis
import kr.donghaeng.ffi.EnteredFacts

/**
 * What the worker types at the kitchen table. Amounts are text as typed ("1,500,000"). For a stored
 * household ([HouseholdSource]) the members, their disability and the lonely-death risk come from its
 * records, so [size], [memberBirthDates], [disabledMembers] and [lonelyDeathRisk] are not read; the size
 * may be overridden with [householdSizeOverride].
 */
data class EligibilityForm(
    val asOf: String = "",
    val residenceSeoul: Boolean = true,
    val size: String = "1",
    val memberBirthDates: List<String> = emptyList(),
    val disabledMembers: Set<Int> = emptySet(),
    /** 소득 (monthly income): 긴급복지, 돌봄SOS, 안심소득. */
    val monthlyIncome: String = "",
    /** 소득인정액 (recognised income): 서울형 기초보장; left empty, the core uses the income and says so. */
    val recognisedIncome: String = "",
    val property: String = "",
    val financialAssets: String = "",
    val lonelyDeathRisk: Boolean = false,
    val healthInsuranceBottom20: Boolean = false,
    /** Codes of support already received (`national_basic_livelihood` …). */
    val receiving: Set<String> = emptySet(),
    /** Crisis reasons (`job_loss` …); empty: no crisis. */
    val crisisReasons: Set<String> = emptySet(),
    val requestedItems: Set<String> = emptySet(),
    /** 추가지원: an extra payment in the episode of the latest recorded support for the same crisis. */
    val extraPayment: Boolean = false,
    /** Stored household only: the size when it differs from the members recorded; empty: the records. */
    val householdSizeOverride: String = "",
    /** 돌봄SOS request, as typed (hours of 일시재가, meals); empty: not requested. */
    val careHomeHours: String = "",
    val careMeals: String = "",
)

/** A household of the phone's store: the calculator evaluates it from its own records. */
data class HouseholdSource(val store: DonghaengStore, val householdId: String)

/** One program's answer as a card. */
data class ProgramCard(
    val title: String,
    val decision: EligibilityDecision,
    val decisionLabel: String,
    /** "생계비 최대 500,000원" … and the monthly benefit. */
    val amounts: List<String>,
    /** "✓ …" / "✗ …", the core's sentences. */
    val checks: List<String>,
    val notes: List<String>,
    val provisional: Boolean,
    /** The same checks and notes in English, beside the Korean. */
    val checksEn: List<String> = emptyList(),
    val notesEn: List<String> = emptyList(),
)

data class EligibilityUiState(
    val form: EligibilityForm = EligibilityForm(),
    val errors: List<UiError> = emptyList(),
    val cards: List<ProgramCard> = emptyList(),
    /** The core's whole explanation, to share or print. */
    val text: String = "",
)

private fun won(n: Long) = Messages.text("amount.won", "%,d".format(n))

/**
 * The eligibility calculator (자격 판정 계산기): turns the form into the core's input document, shows the
 * core's decision per program with every check. Only typing is checked here (numbers are numbers);
 * every limit and rule is the core's, whose errors come back on the field they name.
 */
class EligibilityCalculator(
    private val engine: EligibilityEngine,
    private val clock: Clock = Clock.SYSTEM,
    /** A stored household: evaluated through `evaluateHousehold` (members, recorded support, this year's 돌봄SOS use). */
    private val household: HouseholdSource? = null,
) {
    val state = Observable(EligibilityUiState(form = EligibilityForm(asOf = kstDate(clock.nowMs()))))

    fun edit(change: (EligibilityForm) -> EligibilityForm) = state.update { it.copy(form = change(it.form)) }

    /** The amount in won, or an error for the field ("1,500,000" and "1500000" are the same). */
    private fun amount(text: String, field: String, label: String, errors: MutableList<UiError>): Long {
        val digits = text.replace(",", "").replace(" ", "").removeSuffix(WON_SIGN)
        if (digits.isEmpty()) return 0
        return digits.toLongOrNull() ?: run {
            errors += UiError("not_a_number", Messages.text("input.not_a_number", label, text), field)
            0
        }
    }

    private fun quote(s: String) = "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
    private fun list(items: Collection<String>) = items.sorted().joinToString(",", "[", "]") { quote(it) }

    /** The core's input document, or the form's own errors. */
    fun inputJson(f: EligibilityForm = state.value.form): Pair<String?, List<UiError>> {
        val errors = mutableListOf<UiError>()
        val size = f.size.trim().toLongOrNull()
        if (size == null) errors += UiError("not_a_number", Messages.text("eligibility.size.not_a_number"), "household.size")
        val income = amount(f.monthlyIncome, "household.monthly_income_won", Messages.text("eligibility.label.monthly_income"), errors)
        val recognised = if (f.recognisedIncome.isBlank()) null
        else amount(f.recognisedIncome, "household.recognised_income_won", Messages.text("eligibility.label.recognised_income"), errors)
        val property = amount(f.property, "household.property_won", Messages.text("eligibility.label.property"), errors)
        val assets = amount(f.financialAssets, "household.financial_assets_won", Messages.text("eligibility.label.financial_assets"), errors)
        if (errors.isNotEmpty()) return null to errors
        val members = f.memberBirthDates.mapIndexed { i, b -> """{"birth_date": ${quote(b)}, "disabled": ${i in f.disabledMembers}}""" }
        val crisis = if (f.crisisReasons.isEmpty() && f.requestedItems.isEmpty()) "null"
        else """{"reasons": ${list(f.crisisReasons)}, "requested_items": ${list(f.requestedItems)}}"""
        val json = """
            {"as_of": ${quote(f.asOf)}, "residence": ${quote(if (f.residenceSeoul) "seoul" else "other")},
             "household": {"size": $size, "members": ${members.joinToString(",", "[", "]")},
                           "monthly_income_won": $income,${recognised?.let { " \"recognised_income_won\": $it," } ?: ""} "property_won": $property, "financial_assets_won": $assets,
                           "lonely_death_risk": ${f.lonelyDeathRisk}, "receiving": ${list(f.receiving)},
                           "health_insurance_bottom_20pct": ${f.healthInsuranceBottom20}},
             "crisis": $crisis}
        """.trimIndent()
        return json to emptyList()
    }

    /** A count as typed, or an error for the field; empty is `null`. */
    private fun count(text: String, field: String, label: String, errors: MutableList<UiError>): Long? {
        val t = text.replace(",", "").trim()
        if (t.isEmpty()) return null
        return t.toLongOrNull() ?: run {
            errors += UiError("not_a_number", Messages.text("eligibility.count.not_a_number", label, text), field)
            null
        }
    }

    /** What the worker entered for a stored household (the core's `EnteredFacts`), or the form's own errors. */
    fun enteredFacts(f: EligibilityForm = state.value.form): Pair<EnteredFacts?, List<UiError>> {
        val errors = mutableListOf<UiError>()
        val size = count(f.householdSizeOverride, "facts.household_size", Messages.text("eligibility.label.household_size"), errors)
        val income = amount(f.monthlyIncome, "household.monthly_income_won", Messages.text("eligibility.label.monthly_income"), errors)
        val recognised = if (f.recognisedIncome.isBlank()) null
        else amount(f.recognisedIncome, "household.recognised_income_won", Messages.text("eligibility.label.recognised_income"), errors)
        val property = amount(f.property, "household.property_won", Messages.text("eligibility.label.property"), errors)
        val assets = amount(f.financialAssets, "household.financial_assets_won", Messages.text("eligibility.label.financial_assets"), errors)
        val hours = count(f.careHomeHours, "care_sos_request.temporary_home_care_hours", Messages.text("eligibility.label.care_home_hours"), errors)
        val meals = count(f.careMeals, "care_sos_request.meals", Messages.text("eligibility.label.care_meals"), errors)
        val reasons = f.crisisReasons.sorted().mapNotNull { code ->
            CrisisReason.entries.firstOrNull { it.code() == code } ?: run {
                errors += UiError("unknown_code", Messages.text("eligibility.unknown_crisis_reason", code), "facts.crisis.reasons")
                null
            }
        }
        if (errors.isNotEmpty()) return null to errors
        val crisis = if (f.crisisReasons.isEmpty() && f.requestedItems.isEmpty()) null
        else EnteredCrisis(reasons, f.requestedItems.sorted(), if (f.extraPayment) SupportKind.EXTRA else SupportKind.NEW)
        val care = if (hours == null && meals == null) null
        else CareSosRequestInput(temporaryHomeCareHours = hours ?: 0L, meals = meals ?: 0L)
        return EnteredFacts(
            monthlyIncomeWon = income,
            propertyWon = property,
            financialAssetsWon = assets,
            recognisedIncomeWon = recognised,
            residence = if (f.residenceSeoul) "seoul" else "other",
            householdSize = size,
            receiving = f.receiving.sorted(),
            healthInsuranceBottom20pct = f.healthInsuranceBottom20,
            crisis = crisis,
            careSosRequest = care,
        ) to emptyList()
    }

    private fun fail(errors: List<UiError>): Boolean {
        state.update { it.copy(errors = errors, cards = emptyList(), text = "") }
        return false
    }

    /** Evaluates: a stored household from its records and the entered facts, otherwise the typed form. */
    fun evaluate(): Boolean {
        val h = household
        if (h != null) {
            val (facts, errors) = enteredFacts()
            if (facts == null) return fail(errors)
            val r = attempt({ e -> fail(listOf(e)) }) {
                h.store.evaluateHousehold(h.householdId, state.value.form.asOf, facts)
            } ?: return false
            state.update { it.copy(errors = emptyList(), cards = cards(r), text = r.text) }
            return true
        }
        val (json, errors) = inputJson()
        if (json == null) {
            state.update { it.copy(errors = errors, cards = emptyList(), text = "") }
            return false
        }
        val r = attempt({ e -> state.update { it.copy(errors = listOf(e), cards = emptyList(), text = "") } }) {
            engine.evaluate(json)
        } ?: return false
        state.update { it.copy(errors = emptyList(), cards = cards(r), text = r.text) }
        return true
    }

    private fun cards(r: EligibilityResult) = r.programs.map { p ->
        val amounts = p.support.map { Messages.text("eligibility.card.support_max", it.labelKo, won(it.maxAmountWon)) } +
            listOfNotNull(p.monthlyBenefitWon?.let { Messages.text("eligibility.card.monthly_benefit", won(it)) }) +
            listOfNotNull(p.careSosCost?.let { Messages.text("eligibility.card.care_sos_total", won(it.coveredTotalWon)) })
        ProgramCard(
            title = p.program.labelKo,
            decision = p.decision,
            decisionLabel = p.decisionKo,
            amounts = amounts,
            checks = p.checks.map { (if (it.passed) "✓ " else "✗ ") + it.ko },
            notes = p.notes.map { it.ko },
            provisional = p.provisional,
            checksEn = p.checks.map { (if (it.passed) "✓ " else "✗ ") + it.en },
            notesEn = p.notes.map { it.en },
        )
    }
}
