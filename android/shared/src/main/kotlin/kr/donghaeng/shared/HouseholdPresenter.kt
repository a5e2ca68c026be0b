package kr.donghaeng.shared

import kr.donghaeng.core.HistoryCursor
import kr.donghaeng.core.ServiceProvision
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.HistoryEntry
import kr.donghaeng.ffi.crisisLevelLabel
import kr.donghaeng.ffi.serviceItemInfo

/** "일시재가 240분 · 76,780원", "생계비 500,000원 (정정)", "연료비 (취소: 중복 입력)". */
internal fun serviceLine(p: ServiceProvision): String {
    val name = p.item.labelKo()
    if (p.voided) return p.note?.let { Messages.text("history.service.voided_note", name, it) }
        ?: Messages.text("history.service.voided", name)
    val parts = listOfNotNull(
        p.quantity?.let { q -> "%,d%s".format(q, serviceItemInfo(p.item).unit?.labelKo() ?: "") },
        p.amountWon?.let { Messages.text("amount.won", "%,d".format(it)) },
    )
    val body = if (parts.isEmpty()) name else "$name ${parts.joinToString(" · ")}"
    return if (p.corrects != null) Messages.text("history.service.corrected", body) else body
}

/** One line of a household's history, newest first. */
data class HistoryLine(val atMs: Long, val date: String, val kind: String, val text: String)

data class HouseholdState(
    val headName: String = "",
    val address: String = "",
    val crisis: String = "",
    val tags: List<String> = emptyList(),
    val risks: List<String> = emptyList(),
    /** "김영희 (1948-05-01, 본인)" … */
    val members: List<String> = emptyList(),
    val openCase: String? = null,
    val history: List<HistoryLine> = emptyList(),
    val hasMore: Boolean = false,
    val error: UiError? = null,
)

/** 가구 상세: the household, its members and open case, and its history a page at a time. */
class HouseholdPresenter(
    private val store: DonghaengStore,
    private val householdId: String,
    private val pageSize: Int = 20,
) {
    val state = Observable(HouseholdState())
    private var next: HistoryCursor? = null

    private fun fail(e: UiError) = state.update { it.copy(error = e) }

    fun load() {
        next = null
        val s = attempt(::fail) {
            val h = store.getHousehold(householdId).household
            val members = store.personsOfHousehold(householdId)
            val open = store.casesOfHousehold(householdId).firstOrNull { it.closedOn == null }
            HouseholdState(
                headName = h.headName,
                address = h.address,
                crisis = crisisLevelLabel(h.crisisLevel.toLong()).ko,
                tags = h.tags.map { it.labelKo() },
                risks = h.riskFlags.map { it.labelKo() },
                members = members.map { "${it.name} (${it.birthDate}, ${it.relation.labelKo()})" },
                openCase = open?.let { "${it.stage.labelKo()} (${it.openedOn}~)" },
            )
        } ?: return
        state.set(s)
        loadMore()
    }

    /** The next (older) page of history. */
    fun loadMore() {
        val page = attempt(::fail) { store.historyPage(householdId, next, pageSize.toUInt()) } ?: return
        next = page.next
        val lines = page.entries.map { item ->
            val (kind, text) = when (val e = item.entry) {
                is HistoryEntry.VisitEntry -> Messages.text("history.kind.visit") to "${e.visit.purpose.labelKo()} · ${e.visit.status.labelKo()}" +
                    (e.visit.outcome?.let { " · ${it.labelKo()}" } ?: "")
                is HistoryEntry.WellnessEntry -> Messages.text("history.kind.wellness") to Messages.text(if (e.check.checklist.isUrgent()) "history.wellness.urgent" else "history.wellness.ok") +
                    (e.check.note?.let { " · $it" } ?: "")
                is HistoryEntry.NoteEntry -> Messages.text("history.kind.note") to e.note.body
                is HistoryEntry.ServiceEntry -> Messages.text("history.kind.service") to serviceLine(e.service)
            }
            HistoryLine(item.atMs, kstDate(item.atMs), kind, text)
        }
        state.update { it.copy(history = it.history + lines, hasMore = page.next != null, error = null) }
    }
}
