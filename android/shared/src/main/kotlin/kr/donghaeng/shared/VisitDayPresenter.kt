package kr.donghaeng.shared

import kr.donghaeng.core.AgendaItem
import kr.donghaeng.core.ContactMode
import kr.donghaeng.core.VisitOutcome
import kr.donghaeng.core.VisitStatus
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.crisisLevelLabel
import kr.donghaeng.ffi.safetyContactsNeeded

/** One row of today's agenda, ready to show. */
data class VisitRow(
    val visitId: String,
    val householdId: String,
    val time: String,
    val headName: String,
    val address: String,
    val crisis: String,
    val crisisLevel: Int,
    val risks: List<String>,
    val partners: List<String>,
    val purpose: String,
    val status: VisitStatus,
    val statusLabel: String,
    /** A home visit not yet finished: the app opens a safety session before the door. */
    val needsSafetySession: Boolean,
)

data class VisitDayState(
    val day: String = "",
    val rows: List<VisitRow> = emptyList(),
    val loading: Boolean = false,
    val error: UiError? = null,
    /** The pre-visit form asks for the team lead and 동장: no escalation ladder is published for the team. */
    val askSafetyContacts: Boolean = true,
)

/** 오늘의 방문 (the visit day): the worker's agenda from the store, and the visit's life cycle. */
class VisitDayPresenter(
    private val store: DonghaengStore,
    private val workerId: String,
    private val clock: Clock = Clock.SYSTEM,
) {
    val state = Observable(VisitDayState())

    fun load(day: String = kstDate(clock.nowMs())) {
        state.update { it.copy(day = day, loading = true, error = null) }
        val (items, ask) = attempt({ e -> state.update { it.copy(loading = false, error = e) } }) {
            store.agendaForWorker(workerId, day) to safetyContactsNeeded(store, workerId)
        } ?: return
        state.set(VisitDayState(day = day, rows = items.map(::row), askSafetyContacts = ask))
    }

    private fun row(a: AgendaItem): VisitRow {
        val v = a.visit
        val finished = v.status == VisitStatus.COMPLETED || v.status == VisitStatus.CANCELLED || v.status == VisitStatus.MISSED
        return VisitRow(
            visitId = v.id,
            householdId = v.householdId,
            time = "${kstTime(v.window.startMs)}–${kstTime(v.window.endMs)}",
            headName = a.headName,
            address = a.address,
            crisis = crisisLevelLabel(a.crisisLevel.toLong()).ko,
            crisisLevel = a.crisisLevel.toInt(),
            risks = a.riskFlags.map { it.labelKo() },
            partners = a.partners.map { it.name },
            purpose = v.purpose.labelKo(),
            status = v.status,
            statusLabel = v.status.labelKo(),
            needsSafetySession = v.contactMode == ContactMode.HOME && !finished,
        )
    }

    /** 방문 시작. */
    fun start(visitId: String) = change { store.startVisit(visitId, clock.nowMs()) }

    /** 방문 완료 with the outcome. */
    fun complete(visitId: String, outcome: VisitOutcome, note: String? = null) =
        change { store.completeVisit(visitId, clock.nowMs(), outcome, note?.takeIf { it.isNotBlank() }) }

    private fun change(block: () -> Unit): Boolean {
        attempt({ e -> state.update { it.copy(error = e) } }, block) ?: return false
        load(state.value.day)
        return true
    }
}
