package kr.donghaeng.shared

import kr.donghaeng.core.CrisisReason
import kr.donghaeng.core.ServiceItem
import kr.donghaeng.core.ServiceProgram
import kr.donghaeng.core.ServiceProvision
import kr.donghaeng.core.SupportKind
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.NewServiceProvision
import kr.donghaeng.ffi.ServiceItemInfo
import kr.donghaeng.ffi.ServiceItemShape
import kr.donghaeng.ffi.serviceItemInfo
import kr.donghaeng.ffi.serviceItems

/** What the worker fills in. Quantity and amount are text as typed ("3일", "181,470원"). */
data class ServiceFormState(
    /** The chosen item with its program, shape and unit (the core's catalogue). */
    val item: ServiceItemInfo? = null,
    val providedOn: String = "",
    val quantity: String = "",
    val amount: String = "",
    val note: String = "",
    /** 서울형 긴급복지 items: the crisis reason paid for, and new support or 추가지원 (the repeat-support rules read them). */
    val crisisReason: CrisisReason? = null,
    val supportKind: SupportKind = SupportKind.NEW,
    val errors: List<UiError> = emptyList(),
    val saved: ServiceProvision? = null,
) {
    /** Paid 돌봄SOS services: how much, in [quantityUnit] (required). */
    val showsQuantity: Boolean get() = item?.shape == ServiceItemShape.PAID

    /** "일", "분", "식": the label beside the quantity field. */
    val quantityUnit: String? get() = item?.unit?.labelKo()

    /** Paid services (the fee, optional) and 긴급복지 items (the amount, required); linked services have none. */
    val showsAmount: Boolean get() = item != null && item.shape != ServiceItemShape.LINKED
    val amountRequired: Boolean get() = item?.shape == ServiceItemShape.MONEY

    /** 서울형 긴급복지 items: the crisis reason (위기사유) and new support / 추가지원. */
    val showsCrisis: Boolean get() = item?.shape == ServiceItemShape.MONEY
}

/**
 * The 서비스 제공 기록 form: a 돌봄SOS service delivered or a 서울형 긴급복지 support item paid. The chosen
 * item decides which fields are shown (the core's catalogue); the form checks only typing (an item is
 * chosen, numbers are numbers). Every rule — quantity or amount required, ranges, no future day — is the
 * core's, whose errors come back on the field they name (`service.quantity`, `service.amount_won` …).
 *
 * Given [corrects], the form starts from that record and saves a correction of it.
 */
class ServiceForm(
    private val store: DonghaengStore,
    private val householdId: String,
    private val workerId: String,
    private val caseId: String? = null,
    private val corrects: ServiceProvision? = null,
    clock: Clock = Clock.SYSTEM,
) {
    val state = Observable(
        corrects?.let { c ->
            ServiceFormState(
                item = serviceItemInfo(c.item), providedOn = c.providedOn, quantity = c.quantity?.toString() ?: "",
                amount = c.amountWon?.toString() ?: "", note = c.note ?: "",
                crisisReason = c.crisisReason, supportKind = c.supportKind ?: SupportKind.NEW,
            )
        } ?: ServiceFormState(providedOn = kstDate(clock.nowMs())),
    )

    /** The picker's items of one program, in the core's order. */
    fun items(program: ServiceProgram): List<ServiceItemInfo> = serviceItems(program)

    /** Chooses the item; a field the new item does not show is emptied, so nothing hidden is saved. */
    fun choose(item: ServiceItem) = state.update {
        val next = it.copy(item = serviceItemInfo(item), errors = emptyList())
        next.copy(quantity = if (next.showsQuantity) it.quantity else "", amount = if (next.showsAmount) it.amount else "",
            crisisReason = if (next.showsCrisis) it.crisisReason else null)
    }

    fun setProvidedOn(v: String) = state.update { it.copy(providedOn = v.trim()) }
    fun setQuantity(v: String) = state.update { it.copy(quantity = v) }
    fun setAmount(v: String) = state.update { it.copy(amount = v) }
    fun setNote(v: String) = state.update { it.copy(note = v) }
    fun setCrisis(reason: CrisisReason?, kind: SupportKind = SupportKind.NEW) =
        state.update { it.copy(crisisReason = reason, supportKind = kind) }

    /** A number as typed, without thousands separators and the unit word ("181,470원", "3 일"). */
    private fun number(text: String, unit: String?, field: String, label: String, errors: MutableList<UiError>): Long? {
        var t = text.replace(",", "").replace(" ", "")
        if (unit != null) t = t.removeSuffix(unit)
        if (t.isEmpty()) return null
        return t.toLongOrNull() ?: run {
            errors += UiError("not_a_number", Messages.text("input.not_a_number", label, text), field)
            null
        }
    }

    /** Validates the typing, then records the service (or the correction) in the store. */
    fun submit(): Boolean {
        val s = state.value
        val item = s.item ?: run {
            state.update { it.copy(errors = listOf(UiError("required", Messages.text("service.item_required"), "service.item"))) }
            return false
        }
        val errors = mutableListOf<UiError>()
        val quantity = number(s.quantity, s.quantityUnit, "service.quantity", Messages.text("service.label.quantity"), errors)
        val amount = number(s.amount, WON_SIGN, "service.amount_won", Messages.text("service.label.amount"), errors)
        if (errors.isNotEmpty()) {
            state.update { it.copy(errors = errors) }
            return false
        }
        val saved = attempt({ e -> state.update { it.copy(errors = listOf(e)) } }) {
            store.recordService(
                NewServiceProvision(
                    householdId = householdId, item = item.item, providedOn = s.providedOn, recordedBy = workerId,
                    quantity = quantity, amountWon = amount, caseId = caseId ?: corrects?.caseId,
                    note = s.note.trim().takeIf { it.isNotEmpty() }, corrects = corrects?.id,
                    crisisReason = s.crisisReason.takeIf { s.showsCrisis },
                    supportKind = s.supportKind.takeIf { s.showsCrisis && s.crisisReason != null },
                )
            )
        } ?: return false
        state.update { it.copy(errors = emptyList(), saved = saved) }
        return true
    }
}
