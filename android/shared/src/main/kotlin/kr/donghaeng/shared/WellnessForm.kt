package kr.donghaeng.shared

import kr.donghaeng.core.ContactMode
import kr.donghaeng.core.NewWellnessCheck
import kr.donghaeng.core.Observation
import kr.donghaeng.core.WellnessCheck
import kr.donghaeng.core.WellnessChecklist
import kr.donghaeng.ffi.DonghaengStore

/** The items of the 안부 확인 checklist, in screen order (field names as the core's). */
enum class WellnessItem(val field: String) {
    MEALS("meals"),
    HEALTH("health"),
    MOOD("mood"),
    MOBILITY("mobility"),
    HOUSING("housing"),
    HEATING_COOLING("heating_cooling"),
    LONELINESS("loneliness");

    /** The item's label in the app's language ([Messages.locale]): 식사, 건강 … (a function: kotlinc
     *  2.4 refuses getter-only properties in this enum). */
    fun displayName(): String = Messages.text("wellness.item.$field")
}

/** Longest note the form takes (a screenful; longer notes go in a case note). */
const val MAX_WELLNESS_NOTE = 2000

data class WellnessFormState(
    val answers: Map<WellnessItem, Observation> = emptyMap(),
    val arrearsSigns: Boolean = false,
    val utilityCutoffSigns: Boolean = false,
    val needsReferral: Boolean = false,
    val note: String = "",
    val errors: List<UiError> = emptyList(),
    /** After saving: the core's judgement that something calls for action today. */
    val saved: WellnessCheck? = null,
)

/**
 * The wellness check form (안부 확인). The form checks only what a form can (every item answered —
 * "확인 못 함" is an answer —, the note's length); everything else is the core's, whose errors come back
 * on the field they name.
 */
class WellnessForm(
    private val store: DonghaengStore,
    private val householdId: String,
    private val workerId: String,
    private val visitId: String?,
    private val contactMode: ContactMode = ContactMode.HOME,
    private val clock: Clock = Clock.SYSTEM,
) {
    val state = Observable(WellnessFormState())

    fun answer(item: WellnessItem, value: Observation) = state.update { it.copy(answers = it.answers + (item to value), errors = it.errors.filter { e -> e.field != "checklist.${item.field}" }) }
    fun setArrearsSigns(v: Boolean) = state.update { it.copy(arrearsSigns = v) }
    fun setUtilityCutoffSigns(v: Boolean) = state.update { it.copy(utilityCutoffSigns = v) }
    fun setNeedsReferral(v: Boolean) = state.update { it.copy(needsReferral = v) }
    fun setNote(v: String) = state.update { it.copy(note = v) }

    /** Errors of the form itself, one per field. */
    fun validate(s: WellnessFormState = state.value): List<UiError> {
        val errors = WellnessItem.values().filter { it !in s.answers }.map {
            UiError("required", Messages.text("wellness.item_required", it.displayName()), "checklist.${it.field}")
        }.toMutableList()
        if (s.note.length > MAX_WELLNESS_NOTE) {
            errors += UiError("too_long", Messages.text("wellness.note_too_long", MAX_WELLNESS_NOTE.toString(), s.note.length.toString()), "note")
        }
        return errors
    }

    /** Validates, then records the check in the store. */
    fun submit(): Boolean {
        val s = state.value
        val errors = validate(s)
        if (errors.isNotEmpty()) {
            state.update { it.copy(errors = errors) }
            return false
        }
        val a = s.answers
        val checklist = WellnessChecklist(
            meals = a.getValue(WellnessItem.MEALS), health = a.getValue(WellnessItem.HEALTH),
            mood = a.getValue(WellnessItem.MOOD), mobility = a.getValue(WellnessItem.MOBILITY),
            housing = a.getValue(WellnessItem.HOUSING), heatingCooling = a.getValue(WellnessItem.HEATING_COOLING),
            loneliness = a.getValue(WellnessItem.LONELINESS),
            arrearsSigns = s.arrearsSigns, utilityCutoffSigns = s.utilityCutoffSigns, needsReferral = s.needsReferral,
        )
        val saved = attempt({ e -> state.update { it.copy(errors = listOf(e)) } }) {
            store.recordWellnessCheck(
                NewWellnessCheck(
                    householdId = householdId, workerId = workerId, checkedAtMs = clock.nowMs(),
                    contactMode = contactMode, checklist = checklist, visitId = visitId,
                    note = s.note.trim().takeIf { it.isNotEmpty() },
                )
            )
        } ?: return false
        state.update { it.copy(errors = emptyList(), saved = saved) }
        return true
    }
}
