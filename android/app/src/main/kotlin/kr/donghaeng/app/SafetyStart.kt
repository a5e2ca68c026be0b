package kr.donghaeng.app

import android.content.Context
import kr.donghaeng.app.ui.AssessmentInput
import kr.donghaeng.core.SafetyContact
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SafetyStartRequest
import kr.donghaeng.shared.SafetySessionViewModel
import kr.donghaeng.shared.UiError
import kr.donghaeng.shared.VisitDayPresenter
import kr.donghaeng.shared.VisitRow
import kr.donghaeng.shared.attempt

/** The escalation contacts (team lead, 동장) the worker typed last time; not secret, app-private. */
object SafetyContacts {
    private fun prefs(context: Context) = context.getSharedPreferences("safety_contacts", Context.MODE_PRIVATE)

    fun teamLead(context: Context) = prefs(context).let { SafetyContact(it.getString("lead_name", "") ?: "", it.getString("lead_phone", "") ?: "") }
    fun dongHead(context: Context) = prefs(context).let { SafetyContact(it.getString("head_name", "") ?: "", it.getString("head_phone", "") ?: "") }

    fun save(context: Context, lead: SafetyContact, head: SafetyContact) {
        prefs(context).edit()
            .putString("lead_name", lead.name).putString("lead_phone", lead.phone)
            .putString("head_name", head.name).putString("head_phone", head.phone)
            .apply()
    }
}

/** The core's start request for [row]: everyone assigned to the visit. The core reads the district,
 *  the team's published ladder and the advisories from the store; the typed contacts are used only
 *  while no ladder is published for the team. */
private fun startRequest(store: DonghaengStore, row: VisitRow, workerId: String, input: AssessmentInput, nowMs: Long): SafetyStartRequest {
    val visit = store.getVisit(row.visitId)
    return SafetyStartRequest(
        householdId = row.householdId,
        workerIds = (listOf(workerId) + visit.assigned).distinct(),
        starterId = workerId,
        expectedReturnMs = nowMs + input.expectedMinutes * 60_000L,
        assessment = input.assessment,
        teamLead = input.teamLead.takeIf { it.phone.isNotBlank() },
        dongHead = input.dongHead.takeIf { it.phone.isNotBlank() },
        visitId = row.visitId,
        checkinIntervalSecs = null,
        advisoryOverride = null,
        regularVolunteer = null,
        contactMode = visit.contactMode,
    )
}

/**
 * 방문 시작 of a home visit, blocking: opens the safety session (the core checks the assessment), marks
 * the visit started and starts the foreground service. Returns the session, or the error to show.
 */
fun startVisitWithSession(
    context: Context,
    store: DonghaengStore,
    visitDay: VisitDayPresenter,
    row: VisitRow,
    workerId: String,
    input: AssessmentInput,
): Pair<SafetySessionViewModel?, UiError?> {
    var error: UiError? = null
    val request = attempt({ error = it }) { startRequest(store, row, workerId, input, System.currentTimeMillis()) }
        ?: return null to error
    val vm = ActiveSession.create(context, workerId) ?: return null to error
    if (!vm.start(request)) {
        val e = vm.state.value.error
        ActiveSession.finish()
        return null to e
    }
    SafetyContacts.save(context, input.teamLead, input.dongHead)
    visitDay.start(row.visitId) // its error, if any, shows on the agenda
    startSafetyService(context)
    return vm to null
}
