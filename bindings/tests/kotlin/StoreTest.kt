// JVM tests of the generated Kotlin bindings of donghaeng-ffi (run by bindings/scripts/test.sh).
// Every public facade method is called at least once; every DonghaengException variant is caught once.

import java.io.File
import java.nio.file.Files
import java.time.LocalDate
import java.time.ZoneId
import java.time.ZonedDateTime
import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import kr.donghaeng.core.*
import kr.donghaeng.ffi.*
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test

private val KST: ZoneId = ZoneId.of("Asia/Seoul")

/** Milliseconds since the epoch of a Korean wall-clock time. */
fun kst(y: Int, mo: Int, d: Int, h: Int, mi: Int = 0): Long =
    ZonedDateTime.of(y, mo, d, h, mi, 0, 0, KST).toInstant().toEpochMilli()

/** Runs [block] and returns the exception of type [T] it must throw. */
inline fun <reified T : Throwable> expect(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.java.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.java.simpleName}, nothing was thrown")
}

class DonghaengStoreTest {
    private lateinit var dir: File
    private lateinit var store: DonghaengStore
    private lateinit var dong: OrgUnit
    private lateinit var team: OrgUnit
    private lateinit var planner: Worker
    private lateinit var nurse: Worker
    private lateinit var volunteer: Worker

    @Before
    fun setUp() {
        dir = Files.createTempDirectory("donghaeng-kt").toFile()
        store = DonghaengStore.open(File(dir, "app.db").path, KEY)
        val city = store.createOrgUnit(OrgUnitKind.CITY, "서울특별시", null)
        val district = store.createOrgUnit(OrgUnitKind.DISTRICT, "강남구", city.id)
        dong = store.createOrgUnit(OrgUnitKind.DONG, "역삼1동", district.id)
        team = store.createOrgUnit(OrgUnitKind.TEAM, "맞춤형복지팀", dong.id)
        planner = store.createWorker(NewWorker(teamId = team.id, name = "박복지", roles = listOf(Role.WELFARE_PLANNER), phone = "010-1234-5678"))
        nurse = store.createWorker(NewWorker(teamId = team.id, name = "이간호", roles = listOf(Role.VISITING_NURSE)))
        volunteer = store.createWorker(NewWorker(teamId = team.id, name = "최보라", roles = listOf(Role.VOLUNTEER_BORAMI)))
    }

    @After
    fun tearDown() {
        store.closeStore()
        store.destroy()
        dir.deleteRecursively()
    }

    private fun household(head: String = "김영희", level: Long = 3): Household =
        store.createHousehold(
            NewHousehold(dongId = dong.id, headName = head, address = "서울특별시 강남구 테헤란로 123, 101동 1004호", crisisLevel = level)
        )

    private inline fun expectCode(code: String, block: () -> Unit): DonghaengException {
        val e = expect<DonghaengException>(block)
        val actual = when (e) {
            is DonghaengException.Invalid -> e.code
            is DonghaengException.NotFound -> e.code
            is DonghaengException.InvalidTransition -> e.code
            is DonghaengException.Conflict -> e.code
            is DonghaengException.SchemaTooNew -> e.code
            is DonghaengException.Storage -> e.code
            is DonghaengException.WrongKey -> e.code
            is DonghaengException.Closed -> e.code
        }
        assertEquals(e.toString(), code, actual)
        return e
    }

    // ------------------------------------------------------------------------------------ opening

    @Test
    fun openSchemaIntegrity() {
        assertEquals(16L, store.schemaVersion()) // the latest migration (core/src/store/sql)
        assertEquals("ok", store.integrityCheck())
        assertFalse(store.isClosed())
        // Reopening the same file keeps the data.
        store.closeStore()
        store = DonghaengStore.open(File(dir, "app.db").path, KEY)
        assertEquals("역삼1동", store.getOrgUnit(dong.id).name)
    }

    @Test
    fun orgUnits() {
        val d = store.getOrgUnit(dong.id)
        assertEquals(OrgUnitKind.DONG, d.kind)
        val children = store.orgUnitChildren(dong.id)
        assertEquals(listOf("맞춤형복지팀"), children.map { it.name })
        assertEquals(dong.id, children[0].parentId)
        // A team needs a 동 as its parent: the core's rule, a typed error.
        val e = expectCode("wrong_org_unit_kind") { store.createOrgUnit(OrgUnitKind.TEAM, "팀", team.id) }
        assertTrue(e is DonghaengException.Invalid)
    }

    @Test
    fun workers() {
        assertEquals(planner, store.getWorker(planner.id))
        assertEquals(listOf("박복지", "이간호", "최보라"), store.workersByTeam(team.id).map { it.name })
        store.setWorkerActive(nurse.id, false)
        assertFalse(store.getWorker(nurse.id).active)
        val h = household()
        val e = expectCode("worker_inactive") {
            store.planVisit(NewVisit(householdId = h.id, purpose = VisitPurpose.WELLNESS_CHECK, contactMode = ContactMode.HOME,
                windowStartMs = kst(2026, 3, 2, 10), windowEndMs = kst(2026, 3, 2, 11), assigned = listOf(planner.id, nurse.id)))
        } as DonghaengException.Invalid
        assertEquals("visit.assigned", e.field)
        expectCode("role_required") { store.createWorker(NewWorker(teamId = team.id, name = "무역할", roles = emptyList())) }
    }

    // -------------------------------------------------------------------------------- households

    @Test
    fun koreanTextRoundTrips() {
        val note = "식사 거르심 🍚\n약 복용 확인 필요 — \"다음 주\" 재방문"
        val created = store.createHouseholdWithMembers(
            NewHousehold(dongId = dong.id, headName = "  김영희  ", address = "서울특별시 강남구 테헤란로 123, 101동 1004호",
                crisisLevel = 4, tags = listOf(HouseholdTag.LIVES_ALONE, HouseholdTag.ELDERLY), riskFlags = listOf(RiskFlag.DOG),
                phone = "02-123-4567", location = GeoPoint(37.5, 127.036)),
            listOf(NewMember(name = "김영희", birthDate = "1948-02-29", sex = Sex.FEMALE, relation = Relation.HEAD, disability = Disability.MILD))
        )
        assertEquals("김영희", created.household.headName) // trimmed by the core
        assertEquals("1948-02-29", created.members[0].birthDate)
        val got = store.getHousehold(created.household.id)
        assertEquals(created.household, got.household)
        assertNull(got.lastContactAtMs)
        assertEquals(listOf(HouseholdTag.LIVES_ALONE, HouseholdTag.ELDERLY).sortedBy { it.ordinal }, got.household.tags.sortedBy { it.ordinal })
        val visit = store.planVisit(NewVisit(householdId = created.household.id, purpose = VisitPurpose.WELLNESS_CHECK,
            contactMode = ContactMode.PHONE, windowStartMs = kst(2026, 3, 2, 10), windowEndMs = kst(2026, 3, 2, 11), note = note))
        assertEquals(note, store.getVisit(visit.id).note)
        assertEquals(1, store.searchHouseholds(dong.id, "김", 10u).size)
        assertEquals(1, store.searchHouseholds(dong.id, "테헤란로", 10u).size)
        assertEquals(0, store.searchHouseholds(dong.id, "이", 10u).size)
    }

    @Test
    fun viewingAHouseholdIsRecordedInTheAuditTrail() {
        val h = household()
        val before = store.pendingChanges()
        val shown = store.viewHousehold(h.id, nurse.id)
        assertEquals(h, shown.household)
        // One audit entry waits to sync; a plain lookup records nothing.
        assertEquals(before + 1uL, store.pendingChanges())
        store.getHousehold(h.id)
        assertEquals(before + 1uL, store.pendingChanges())
        expectCode("invalid_id") { store.viewHousehold(h.id, "nobody") }
    }

    @Test
    fun householdsPersonsMonitoring() {
        val h = household()
        val p = store.addPerson(NewPerson(householdId = h.id, name = "김철수", birthDate = "1980-05-01", sex = Sex.MALE,
            relation = Relation.CHILD, disability = Disability.NONE))
        store.addPerson(NewPerson(householdId = h.id, name = "김할매", birthDate = "1940-01-01", sex = Sex.FEMALE,
            relation = Relation.PARENT, disability = Disability.SEVERE))
        assertEquals(listOf("김할매", "김철수"), store.personsOfHousehold(h.id).map { it.name })
        assertEquals(h.id, p.householdId)
        // Search finds a household by a member's name.
        assertEquals(h.id, store.searchHouseholds(dong.id, "철수", 5u).single().household.id)

        val u = store.updateHousehold(h.id, HouseholdUpdate(crisisLevel = 5, location = GeoPoint(37.5, 127.03), phone = "010-9999-0000",
            tags = listOf(HouseholdTag.LONELY_DEATH_RISK), riskFlags = listOf(RiskFlag.ALCOHOL, RiskFlag.DOG)))
        assertEquals(5, u.crisisLevel.toInt())
        assertEquals("010-9999-0000", u.phone)
        val cleared = store.updateHousehold(h.id, HouseholdUpdate(clearPhone = true, clearLocation = true, headName = "김영순"))
        assertNull(cleared.phone)
        assertNull(cleared.location)
        assertEquals("김영순", cleared.headName)
        expectCode("value_and_clear") { store.updateHousehold(h.id, HouseholdUpdate(phone = "010-1111-2222", clearPhone = true)) }
        val archived = store.updateHousehold(h.id, HouseholdUpdate(archived = true))
        assertTrue(archived.archived)
        store.updateHousehold(h.id, HouseholdUpdate(archived = false))

        // Never contacted: due today.
        val due = store.householdsDueForMonitoring(dong.id, "2026-03-02", 0u, null)
        assertEquals(h.id, due.single().household.id)
        assertEquals("2026-03-02", due.single().dueOn)
        assertEquals(0L, due.single().daysOverdue)
        // With custom intervals too.
        val due2 = store.householdsDueForMonitoring(dong.id, "2026-03-02", 7u, MonitoringIntervals(crisisDays = 3u))
        assertEquals(1, due2.size)
        expectCode("days_out_of_range") { store.householdsDueForMonitoring(dong.id, "2026-03-02", UInt.MAX_VALUE, null) }
        expectCode("days_out_of_range") { store.householdsDueForMonitoring(dong.id, "2026-03-02", 1u, MonitoringIntervals(stableDays = 4_000_000_000u)) }
        assertEquals("위기", crisisLevelLabel(5).ko)
        assertEquals("stable", crisisLevelLabel(1).en)
        expectCode("crisis_level_out_of_range") { crisisLevelLabel(0) }
    }

    @Test
    fun dueTodayFromTheRecords() {
        // A member turning 65 on 2026-12-03 and a 위기 household never contacted: both due today.
        val (senior, _) = store.createHouseholdWithMembers(
            NewHousehold(dongId = dong.id, headName = "이순자", address = "서울특별시 강남구 역삼로 1", crisisLevel = 1),
            listOf(NewMember(name = "이순자", birthDate = "1961-12-03", sex = Sex.FEMALE, relation = Relation.HEAD, disability = Disability.NONE)),
        )
        val crisis = household(head = "정위기", level = 5)
        val a = store.dueToday(dong.id, "2026-12-03")
        assertEquals("2026-12-03", a.today)
        val u65 = a.dueToday.single { it.reason == DueReason.UNIVERSAL65 }
        assertEquals(senior.id, u65.householdId)
        assertEquals(0L, u65.daysOverdue)
        val c = a.dueToday.single { it.householdId == crisis.id && it.reason == DueReason.CRISIS_MONITORING }
        assertEquals(5.toUByte(), c.crisisLevel)
        expectCode("wrong_org_unit_kind") { store.dueToday(team.id, "2026-12-03") }
        expectCode("invalid_date") { store.dueToday(dong.id, "2026-02-30") }
    }

    // ------------------------------------------------------------------------------------- visits

    @Test
    fun fullVisitFlow() {
        val h = household(level = 5)
        val start = kst(2026, 3, 2, 10)
        val visit = store.planVisit(NewVisit(householdId = h.id, purpose = VisitPurpose.CRISIS_MONITORING, contactMode = ContactMode.HOME,
            windowStartMs = start, windowEndMs = kst(2026, 3, 2, 11), requiredRoles = listOf(Role.VISITING_NURSE),
            assigned = listOf(planner.id)))
        assertEquals(VisitStatus.PLANNED, visit.status)
        val assigned = store.assignVisit(visit.id, listOf(planner.id, nurse.id))
        assertEquals(setOf(planner.id, nurse.id), assigned.assigned.toSet())

        // The planner's agenda for that Korean day shows the visit with the nurse as partner.
        val agenda = store.agendaForWorker(planner.id, "2026-03-02")
        assertEquals(1, agenda.size)
        assertEquals("김영희", agenda[0].headName)
        assertEquals(listOf("이간호"), agenda[0].partners.map { it.name })
        assertEquals(5, agenda[0].crisisLevel.toInt())
        assertTrue(store.agendaForWorker(planner.id, "2026-03-03").isEmpty())

        val started = store.startVisit(visit.id, start + 5 * 60_000)
        assertEquals(VisitStatus.IN_PROGRESS, started.status)
        val check = store.recordWellnessCheck(NewWellnessCheck(householdId = h.id, visitId = visit.id, workerId = nurse.id,
            checkedAtMs = start + 20 * 60_000, contactMode = ContactMode.HOME,
            checklist = WellnessChecklist(meals = Observation.CONCERN, health = Observation.GOOD, mood = Observation.GOOD,
                mobility = Observation.URGENT, housing = Observation.GOOD, heatingCooling = Observation.NOT_CHECKED,
                loneliness = Observation.CONCERN, needsReferral = true),
            note = "거동 불편, 낙상 위험"))
        assertTrue(check.checklist.isUrgent())
        assertEquals(check, store.getWellnessCheck(check.id))
        val done = store.completeVisit(visit.id, start + 50 * 60_000, VisitOutcome.MET, "안부 확인 완료")
        assertEquals(VisitStatus.COMPLETED, done.status)
        assertEquals(VisitOutcome.MET, done.outcome)
        assertEquals(done, store.getVisit(visit.id))
        assertEquals(start + 50 * 60_000, store.getHousehold(h.id).lastContactAtMs)
        val note = store.addCaseNote(NewCaseNote(householdId = h.id, authorId = planner.id, writtenAtMs = start + 60 * 60_000,
            body = "보건소 연계 예정", visitId = visit.id))
        assertEquals("보건소 연계 예정", note.body)

        // A completed visit cannot start again.
        val e = expectCode("visit_transition_not_allowed") { store.startVisit(visit.id, start) }
        assertTrue(e is DonghaengException.InvalidTransition)
        assertTrue(e.message!!.contains("visit_transition_not_allowed"))

        // Cancel one, miss and re-plan another.
        val v2 = store.planVisit(NewVisit(householdId = h.id, purpose = VisitPurpose.WELLNESS_CHECK, contactMode = ContactMode.PHONE,
            windowStartMs = kst(2026, 3, 3, 10), windowEndMs = kst(2026, 3, 3, 10, 30), assigned = listOf(planner.id)))
        assertEquals(VisitStatus.CANCELLED, store.cancelVisit(v2.id, "가구 요청으로 취소").status)
        val v3 = store.planVisit(NewVisit(householdId = h.id, purpose = VisitPurpose.WELLNESS_CHECK, contactMode = ContactMode.CENTRE,
            windowStartMs = kst(2026, 3, 4, 10), windowEndMs = kst(2026, 3, 4, 11)))
        assertEquals(VisitStatus.MISSED, store.markVisitMissed(v3.id).status)
        val replanned = store.replanVisit(v3.id, kst(2026, 3, 9, 14), kst(2026, 3, 9, 15))
        assertEquals(VisitStatus.PLANNED, replanned.status)
        assertEquals(kst(2026, 3, 9, 14), replanned.window.startMs)
        expectCode("window_ends_before_start") { store.replanVisit(v3.id, kst(2026, 3, 9, 15), kst(2026, 3, 9, 14)) }

        // History, newest first, in pages of two: 3 visits + 1 check + 1 note.
        val seen = mutableListOf<HistoryEntry>()
        var page = store.historyPage(h.id, null, 2u)
        seen += page.entries.map { it.entry }
        while (page.next != null) {
            page = store.historyPage(h.id, page.next, 2u)
            seen += page.entries.map { it.entry }
        }
        assertEquals(5, seen.size)
        assertEquals(1, seen.count { it is HistoryEntry.WellnessEntry })
        assertEquals(1, seen.count { it is HistoryEntry.NoteEntry })
        assertEquals(3, seen.count { it is HistoryEntry.VisitEntry })
        val first = seen.first() as HistoryEntry.VisitEntry
        assertEquals(v3.id, first.visit.id) // planned for 3/9: the newest
        expectCode("page_size_out_of_range") { store.historyPage(h.id, null, 0u) }
        expectCode("invalid_id") { store.historyPage(h.id, HistoryCursor(atMs = 0, id = "x"), 2u) }
    }

    // -------------------------------------------------------------------------------------- cases

    @Test
    fun caseLifeCycle() {
        val h = household()
        val c = store.openCase(h.id, planner.id, "2026-01-05")
        assertEquals(CaseStage.INTAKE, c.stage)
        assertEquals(CaseStage.NEEDS_ASSESSMENT, store.advanceCase(c.id).stage)
        assertEquals(CaseStage.CLASSIFICATION, store.advanceCase(c.id).stage)
        expectCode("classification_required") { store.advanceCase(c.id) }
        assertEquals(CaseClassification.CASE_MANAGED, store.classifyCase(c.id, CaseClassification.CASE_MANAGED).classification)
        assertEquals(CaseStage.CASE_CONFERENCE, store.advanceCase(c.id).stage)
        // Another open case for the same household: a conflict.
        val e = expectCode("case_already_open") { store.openCase(h.id, planner.id, "2026-01-06") }
        assertTrue(e is DonghaengException.Conflict)
        val closed = store.closeCase(c.id, "2026-02-01", ClosureReason.MOVED_OUT)
        assertEquals(CaseStage.CLOSED, closed.stage)
        assertEquals("2026-02-01", closed.closedOn)
        assertEquals(ClosureCategory.CIRCUMSTANTIAL, closed.closureReason?.category())
        assertEquals(closed, store.getCase(c.id))
        assertEquals(listOf(c.id), store.casesOfHousehold(h.id).map { it.id })
        expectCode("case_closed") { store.advanceCase(c.id) }
    }

    // ---------------------------------------------------------------------------------- referrals

    @Test
    fun referrals() {
        val h = household()
        val r = store.createReferral(NewReferral(householdId = h.id, referredBy = planner.id, target = ReferralTarget.MENTAL_HEALTH,
            agency = "강남구 정신건강복지센터", referredOn = "2026-03-02", reason = "우울감 호소"))
        assertEquals("2026-03-12", r.firstReplyDue())
        assertNull(r.finalReplyDue())
        assertEquals(r, store.getReferral(r.id))
        val due = store.referralRepliesDue("2026-03-12")
        assertEquals(ReplyKind.FIRST, due.single().which)
        assertTrue(store.referralRepliesDue("2026-03-11").isEmpty())
        expectCode("service_not_ended") { store.recordReferralFinalReply(r.id, "2026-03-20", null) }
        assertEquals("2026-03-05", store.recordReferralFirstReply(r.id, "2026-03-05", "상담 시작").firstReplyOn)
        val ended = store.recordReferralServiceEnd(r.id, "2026-04-30")
        assertEquals("2026-05-05", ended.finalReplyDue())
        assertEquals(ReplyKind.FINAL, store.referralRepliesDue("2026-05-05").single().which)
        val fin = store.recordReferralFinalReply(r.id, "2026-05-02", "서비스 종결")
        assertEquals("서비스 종결", fin.replyNote)
        assertTrue(store.referralRepliesDue("2026-12-31").isEmpty())
        expectCode("date_before_referral") { store.recordReferralFirstReply(r.id, "2026-03-01", null) }
    }

    // ----------------------------------------------------------------------------- crisis reports

    @Test
    fun crisisReports() {
        val h = household()
        val known = store.reportCrisis(NewCrisisReport(dongId = dong.id, reporterId = volunteer.id,
            signs = listOf(CrisisSign.MAIL_PILING_UP, CrisisSign.ARREARS), reportedAtMs = kst(2026, 3, 2, 9), householdId = h.id))
        assertNotNull(known.referralId)
        assertEquals(h.address, known.address)
        assertEquals(ReferralTarget.DONG_TEAM, store.getReferral(known.referralId!!).target)
        val unknown = store.reportCrisis(NewCrisisReport(dongId = dong.id, reporterId = volunteer.id,
            signs = listOf(CrisisSign.ISOLATION), reportedAtMs = kst(2026, 3, 2, 11), address = "역삼로 45 반지하", note = "인기척 없음"))
        assertNull(unknown.referralId)
        assertEquals(listOf(unknown.id, known.id), store.crisisInbox(dong.id).map { it.id })
        assertEquals(known, store.getCrisisReport(known.id))
        assertEquals(CrisisReportStatus.HANDLED, store.markCrisisReportHandled(known.id).status)
        assertEquals(listOf(unknown.id), store.crisisInbox(dong.id).map { it.id })
        expectCode("sign_required") {
            store.reportCrisis(NewCrisisReport(dongId = dong.id, reporterId = volunteer.id, signs = emptyList(), reportedAtMs = 0, address = "x"))
        }
    }

    // --------------------------------------------------------------------------------- volunteers

    @Test
    fun volunteers() {
        val h = household()
        for (day in 1..13) {
            store.recordVolunteerActivity(NewVolunteerActivity(workerId = volunteer.id, day = "2026-03-%02d".format(day), minutes = 240u,
                householdId = if (day == 1) h.id else null, note = if (day == 1) "말벗 봉사" else null))
        }
        val m = store.volunteerMonth(volunteer.id, 2026, 3u)
        assertEquals(13u, m.days)
        assertTrue(m.overDayLimit)
        assertEquals(400_000L, m.payWon)
        expectCode("not_a_volunteer") {
            store.recordVolunteerActivity(NewVolunteerActivity(workerId = planner.id, day = "2026-03-01", minutes = 60u))
        }
        expectCode("invalid_month") { store.volunteerMonth(volunteer.id, 2026, 13u) }
        expectCode("date_out_of_range") { store.volunteerMonth(volunteer.id, Int.MAX_VALUE, 1u) }
    }

    // ----------------------------------------------------------------------------------- services

    private fun service(h: Household, item: ServiceItem, quantity: Long? = null, amountWon: Long? = null, on: String = "2025-06-10") =
        NewServiceProvision(householdId = h.id, item = item, providedOn = on, recordedBy = planner.id, quantity = quantity, amountWon = amountWon)

    @Test
    fun aDischargeReferralGoesThroughItsStepsInOrder() {
        val h = household("한만수")
        val patient = store.addPerson(NewPerson(h.id, "한만수", "1944-02-02", Sex.MALE, Relation.HEAD, Disability.NONE))
        val r = store.createDischargeReferral(NewDischargeReferral(householdId = h.id, personId = patient.id,
            hospital = "서울의료원", referredOn = "2026-11-30", dischargeOn = "2026-12-03", assignedBy = planner.id,
            assignedOn = "2026-12-01"))
        // A service before the plan, or a confirmation before any service: named and refused.
        expectCode("discharge_step_skipped") {
            store.recordDischargeStep(r.id, DischargeStep.CONFIRMED, "2026-12-02")
        }
        store.recordDischargeStep(r.id, DischargeStep.CARE_PLAN, "2026-12-02")
        expectCode("discharge_step_before_previous") {
            store.recordDischargeStep(r.id, DischargeStep.SERVICE_STARTED, "2026-12-01")
        }
        val started = store.recordDischargeStep(r.id, DischargeStep.SERVICE_STARTED, "2026-12-03")
        assertEquals("2026-12-03", started.serviceStartedOn)
        val moved = store.recordDischargeDay(r.id, "2026-12-04")
        assertEquals(listOf(moved), store.dischargeReferralsOfHousehold(h.id))
        expectCode("discharge_before_referral") { store.recordDischargeDay(r.id, "2026-11-01") }
        assertEquals("결과 확인·수가 지급", DischargeStep.CONFIRMED.labelKo())
    }

    @Test
    fun outreachAttemptsAreRecordedWithTheirReasonAndCorrected() {
        val h = household("정미숙")
        val letter = NewOutreachAttempt(householdId = h.id, campaign = OutreachCampaign.AGE65, attemptedOn = "2026-03-10",
            mode = OutreachMode.LETTER, result = OutreachResult.RETURNED, workerId = planner.id)
        val returned = store.recordOutreachAttempt(letter)
        // A refusal must say why; the call recorded as unanswered is corrected to a refusal.
        expectCode("refusal_reason_required") {
            store.recordOutreachAttempt(letter.copy(mode = OutreachMode.PHONE, result = OutreachResult.REFUSED))
        }
        expectCode("outreach_result_not_for_mode") {
            store.recordOutreachAttempt(letter.copy(result = OutreachResult.NO_ANSWER))
        }
        val call = store.recordOutreachAttempt(letter.copy(attemptedOn = "2026-03-20", mode = OutreachMode.PHONE,
            result = OutreachResult.NO_ANSWER))
        val refusal = store.recordOutreachAttempt(letter.copy(attemptedOn = "2026-03-20", mode = OutreachMode.PHONE,
            result = OutreachResult.REFUSED, refusalReason = RefusalReason.ALREADY_SERVED, corrects = call.id))
        assertEquals(listOf(refusal.id, returned.id), store.outreachOfHousehold(h.id).map { it.id })
        assertEquals("다른 서비스 이용 중", RefusalReason.ALREADY_SERVED.labelKo())
        // A universal visit's refusal is respected: no text. An unanswered call to a household with
        // a number gets one, in the 동's name.
        assertEquals(emptyList<FollowUpText>(), store.outreachFollowUpTexts(dong.id, "2026-03-25", 30u))
        val reachable = store.createHousehold(NewHousehold(dongId = dong.id, headName = "한민수", address = "역삼로 9",
            crisisLevel = 2, phone = "010-2222-3333"))
        store.recordOutreachAttempt(letter.copy(householdId = reachable.id, attemptedOn = "2026-03-21",
            mode = OutreachMode.PHONE, result = OutreachResult.NO_ANSWER))
        val texts = store.outreachFollowUpTexts(dong.id, "2026-03-25", 30u)
        assertEquals(listOf(reachable.id), texts.map { it.householdId })
        assertEquals("010-2222-3333", texts.single().phone)
        assertTrue(texts.single().textKo, texts.single().textKo.contains("역삼1동"))
    }

    @Test
    fun evaluateHouseholdCountsTheRecordedSupport() {
        val h = store.createHousehold(NewHousehold(dongId = dong.id, headName = "박순자", address = "역삼로 5", crisisLevel = 4,
            tags = listOf(HouseholdTag.LIVES_ALONE)))
        store.addPerson(NewPerson(h.id, "박순자", "1958-02-01", Sex.FEMALE, Relation.HEAD, Disability.NONE))
        val first = store.recordService(service(h, ServiceItem.LIVING, amountWon = 300_000, on = "2026-08-01")
            .copy(crisisReason = CrisisReason.UTILITY_CUTOFF))
        assertEquals(SupportKind.NEW, first.supportKind)
        val facts = EnteredFacts(monthlyIncomeWon = 1_000_000, propertyWon = 50_000_000, financialAssetsWon = 1_000_000,
            crisis = EnteredCrisis(listOf(CrisisReason.UTILITY_CUTOFF), listOf("living"), SupportKind.NEW),
            programs = listOf("seoul_emergency_welfare"))
        // A second living-cost payment for the same crisis: refused before the 3 months are over, allowed on the day.
        val before = store.evaluateHousehold(h.id, "2026-10-31", facts).programs.single()
        assertEquals(EligibilityDecision.INELIGIBLE, before.decision)
        val bar = before.checks.single { it.code == "resupport_interval" }
        assertFalse(bar.passed)
        assertTrue(bar.ko, bar.ko.contains(first.id) && bar.ko.contains("2026-11-01부터 재지원 가능"))
        assertEquals(EligibilityDecision.ELIGIBLE, store.evaluateHousehold(h.id, "2026-11-01", facts).programs.single().decision)
        expectCode("household_not_found") { store.evaluateHousehold("0190a000-0000-7000-8000-000000000000", "2026-11-01", facts) }
        expectCode("crisis_reason_required") {
            store.recordService(service(h, ServiceItem.LIVING, amountWon = 300_000, on = "2026-08-01").copy(supportKind = SupportKind.EXTRA))
        }
    }

    @Test
    fun serviceCatalogue() {
        val care = serviceItems(ServiceProgram.CARE_SOS)
        val money = serviceItems(ServiceProgram.SEOUL_EMERGENCY_WELFARE)
        // 001 §9: 5 paid and 5 linked 돌봄SOS services; §7 ④: 11 긴급복지 support items.
        assertEquals(5, care.count { it.shape == ServiceItemShape.PAID })
        assertEquals(5, care.count { it.shape == ServiceItemShape.LINKED })
        assertEquals(11, money.size)
        assertTrue(money.all { it.shape == ServiceItemShape.MONEY && it.unit == null && it.program == ServiceProgram.SEOUL_EMERGENCY_WELFARE })
        assertEquals(ServiceItem.values().toList(), (care + money).map { it.item })
        // A unit exactly for the paid services.
        assertTrue(care.all { (it.unit != null) == (it.shape == ServiceItemShape.PAID) })
        val stay = serviceItemInfo(ServiceItem.SHORT_STAY)
        assertEquals(listOf("short_stay", "단기시설", "short stay"), listOf(stay.code, stay.labelKo, stay.labelEn))
        assertEquals(QuantityUnit.DAYS, stay.unit)
        assertEquals(QuantityUnit.MINUTES, serviceItemInfo(ServiceItem.TEMPORARY_HOME_CARE).unit)
        assertEquals(QuantityUnit.MEALS, serviceItemInfo(ServiceItem.MEALS).unit)
        assertEquals("돌봄SOS", serviceItemInfo(ServiceItem.WELLBEING_CHECK).program.labelKo())
        assertEquals("생계비", ServiceItem.LIVING.labelKo())
        assertEquals("일", QuantityUnit.DAYS.labelKo())
    }

    @Test
    fun servicesOfEachShape() {
        val h = household()
        val before = store.pendingChanges()
        // 일시재가 4 hours; 식사지원 10 meals with its fee (8,400원 × 10); 안부확인 (linked: counted only);
        // 연료비 106,700원.
        val care = store.recordService(service(h, ServiceItem.TEMPORARY_HOME_CARE, quantity = 240).copy(providedOn = "2025-06-01"))
        val meals = store.recordService(service(h, ServiceItem.MEALS, quantity = 10, amountWon = 84_000).copy(providedOn = "2025-06-02"))
        val check = store.recordService(service(h, ServiceItem.WELLBEING_CHECK).copy(providedOn = "2025-06-03", note = "전화 안부 확인"))
        val fuel = store.recordService(service(h, ServiceItem.FUEL, amountWon = 106_700).copy(providedOn = "2025-06-04"))
        assertEquals(240L, care.quantity)
        assertNull(care.amountWon)
        assertEquals(listOf(10L, 84_000L), listOf(meals.quantity, meals.amountWon))
        assertNull(check.quantity)
        assertNull(check.amountWon)
        assertEquals("전화 안부 확인", check.note)
        assertEquals(106_700L, fuel.amountWon)
        assertNull(fuel.quantity)
        assertFalse(fuel.voided)
        assertEquals(h.id, fuel.householdId)
        assertEquals(planner.id, fuel.recordedBy)
        assertEquals("2025-06-04", fuel.providedOn)
        assertEquals(fuel, store.getService(fuel.id))
        // Newest first; each record one change waiting to sync.
        assertEquals(listOf(fuel, check, meals, care), store.servicesOfHousehold(h.id))
        assertEquals(before + 4uL, store.pendingChanges())
        // A record tied to the household's case.
        val c = store.openCase(h.id, planner.id, "2025-05-01")
        val escort = store.recordService(service(h, ServiceItem.ESCORT, quantity = 90).copy(caseId = c.id))
        assertEquals(c.id, escort.caseId)
    }

    @Test
    fun serviceRefusalsSayWhyInBothLanguages() {
        val h = household()
        val other = household(head = "이영자")
        val living = store.recordService(service(other, ServiceItem.LIVING, amountWon = 300_000))
        val otherCase = store.openCase(other.id, planner.id, "2025-05-01")
        val before = store.pendingChanges()
        val e = expectCode("quantity_required") { store.recordService(service(h, ServiceItem.SHORT_STAY, amountWon = 60_490)) }
            as DonghaengException.Invalid
        assertEquals("service.quantity", e.field)
        assertTrue(e.ko, e.ko.contains("단기시설") && e.ko.contains("일"))
        assertTrue(e.en, e.en.contains("short stay") && e.en.contains("days"))
        val tomorrow = LocalDate.now(KST).plusDays(2).toString()
        val refusals = listOf(
            "linked_service_has_no_amount" to service(h, ServiceItem.CASE_MANAGEMENT, amountWon = 10_000),
            "amount_required" to service(h, ServiceItem.MEDICAL),
            "quantity_not_applicable" to service(h, ServiceItem.LIVING, quantity = 1, amountWon = 300_000),
            "amount_out_of_range" to service(h, ServiceItem.LIVING, amountWon = -1),
            "quantity_out_of_range" to service(h, ServiceItem.ESCORT, quantity = 0),
            "date_in_future" to service(h, ServiceItem.LIVING, amountWon = 300_000, on = tomorrow),
            "correction_of_other_household" to service(h, ServiceItem.LIVING, amountWon = 500_000).copy(corrects = living.id),
            "case_of_other_household" to service(h, ServiceItem.FUEL, amountWon = 106_700).copy(caseId = otherCase.id),
            "invalid_date" to service(h, ServiceItem.FUEL, amountWon = 106_700, on = "2025-02-29"),
            "invalid_id" to service(h, ServiceItem.FUEL, amountWon = 106_700).copy(recordedBy = "누구"),
        )
        for ((code, new) in refusals) {
            val r = expectCode(code) { store.recordService(new) } as DonghaengException.Invalid
            assertTrue(code, r.ko.isNotBlank() && r.en.isNotBlank() && r.ko != r.en)
            // The core's own checks name the field; a value that cannot cross (a day, an id) is
            // quoted instead.
            if (code == "invalid_date" || code == "invalid_id") assertNull(r.field)
            else assertTrue("$code: ${r.field}", r.field!!.startsWith("service."))
        }
        val linked = expectCode("linked_service_has_no_amount") { store.recordService(service(h, ServiceItem.CASE_MANAGEMENT, quantity = 1)) }
            as DonghaengException.Invalid
        assertTrue(linked.ko, linked.ko.contains("사례관리") && linked.ko.contains("연계"))
        assertTrue(linked.en, linked.en.contains("case management") && linked.en.contains("linked service"))
        val missing = expectCode("service_provision_not_found") { store.getService(UUID.randomUUID().toString()) }
        assertTrue(missing is DonghaengException.NotFound)
        expectCode("household_not_found") { store.recordService(service(h, ServiceItem.FUEL, amountWon = 1).copy(householdId = UUID.randomUUID().toString())) }
        // Nothing was written by any refusal.
        assertEquals(before, store.pendingChanges())
        assertTrue(store.servicesOfHousehold(h.id).isEmpty())
    }

    @Test
    fun serviceVoidAndYearUsage() {
        val h = household()
        // 생계비 30만원, corrected: the household has two members, 50만원 (001 §7).
        val living = store.recordService(service(h, ServiceItem.LIVING, amountWon = 300_000))
        val fixed = store.recordService(service(h, ServiceItem.LIVING, amountWon = 500_000).copy(corrects = living.id))
        assertEquals(living.id, fixed.corrects)
        // 단기시설 3 days at 60,490원 a day.
        val stay = store.recordService(service(h, ServiceItem.SHORT_STAY, quantity = 3, amountWon = 3 * 60_490L))
        // 일시재가 entered for the wrong household: voided, with a reason.
        val wrong = store.recordService(service(h, ServiceItem.TEMPORARY_HOME_CARE, quantity = 120))
        expectCode("required") { store.voidService(wrong.id, nurse.id, "   ") }
        val void = store.voidService(wrong.id, nurse.id, "다른 가구에 입력")
        assertTrue(void.voided)
        assertEquals(wrong.id, void.corrects)
        assertEquals(nurse.id, void.recordedBy)
        assertEquals("다른 가구에 입력", void.note)
        assertNull(void.quantity)
        assertNull(void.amountWon)
        expectCode("service_provision_not_found") { store.voidService(UUID.randomUUID().toString(), nurse.id, "x") }
        // Last year's meals do not count for this year; two more meals this year add up.
        store.recordService(service(h, ServiceItem.MEALS, quantity = 5, on = "2024-12-30"))
        store.recordService(service(h, ServiceItem.MEALS, quantity = 4, amountWon = 4 * 8_400L, on = "2025-01-03"))
        store.recordService(service(h, ServiceItem.MEALS, quantity = 6, on = "2025-02-03"))

        assertEquals(setOf(fixed.id, stay.id), store.servicesOfHousehold(h.id).filter { it.item != ServiceItem.MEALS }.map { it.id }.toSet())
        assertEquals(
            listOf(
                ServiceItemUsage(item = ServiceItem.SHORT_STAY, count = 1uL, quantity = 3, unit = QuantityUnit.DAYS, amountWon = 181_470),
                ServiceItemUsage(item = ServiceItem.MEALS, count = 2uL, quantity = 10, unit = QuantityUnit.MEALS, amountWon = 33_600),
                ServiceItemUsage(item = ServiceItem.LIVING, count = 1uL, quantity = 0, unit = null, amountWon = 500_000),
            ),
            store.serviceYearUsage(h.id, 2025),
        )
        assertEquals(
            listOf(ServiceItemUsage(item = ServiceItem.MEALS, count = 1uL, quantity = 5, unit = QuantityUnit.MEALS, amountWon = 0)),
            store.serviceYearUsage(h.id, 2024),
        )
        assertTrue(store.serviceYearUsage(h.id, 2023).isEmpty())
        expectCode("household_not_found") { store.serviceYearUsage(UUID.randomUUID().toString(), 2025) }
        expectCode("invalid_id") { store.servicesOfHousehold("x") }
    }

    // ---------------------------------------------------------------------------------- synthetic

    @Test
    fun syntheticDong() {
        val other = DonghaengStore.open(File(dir, "synthetic.db").path, KEY)
        try {
            val d = other.generateSyntheticDong(7uL, 40u, 10u, 300u, "2026-11-01")
            assertEquals("역삼1동", d.dong.name)
            assertEquals(40, d.householdIds.size)
            assertEquals(10, d.workers.size)
            assertTrue(d.visits > 0uL && d.persons >= 40uL)
            assertTrue(other.searchHouseholds(d.dong.id, "김", 200u).isNotEmpty())
            assertEquals(d.teams.map { it.id }.toSet(), other.orgUnitChildren(d.dong.id).map { it.id }.toSet())
            // Some worker has visits on some day of the two weeks ahead.
            val days = (0L..13L).map { LocalDate.of(2026, 11, 1).plusDays(it).toString() }
            val items = d.workers.flatMap { w -> days.flatMap { day -> other.agendaForWorker(w.id, day) } }
            assertTrue(items.isNotEmpty())
            // The same seed again collides with its own ids: a storage error, nothing half-written.
            expect<DonghaengException.Storage> { other.generateSyntheticDong(7uL, 40u, 10u, 300u, "2026-11-01") }
            expectCode("visits_need_households_and_workers") { other.generateSyntheticDong(8uL, 0u, 1u, 10u, "2026-11-01") }
            expectCode("too_many") { other.generateSyntheticDong(8uL, UInt.MAX_VALUE, 1u, 10u, "2026-11-01") }
        } finally {
            other.closeStore()
        }
    }

    // ------------------------------------------------------------------------------------- errors

    @Test
    fun invalidInputIsATypedError() {
        val h = household()
        // Ids, days and instants are refused as they cross, before the call runs: no field to name,
        // the value is quoted.
        val e = expectCode("invalid_id") { store.getHousehold("not-an-id") } as DonghaengException.Invalid
        assertNull(e.field)
        assertTrue(e.en, e.en.contains("\"not-an-id\""))
        val d = expectCode("invalid_date") { store.openCase(h.id, planner.id, "2023-02-30") } as DonghaengException.Invalid
        assertNull(d.field)
        assertTrue(d.ko.contains("올바른 날짜가 아닙니다") && d.ko.contains("\"2023-02-30\""))
        assertTrue(d.en.contains("not a valid date"))
        // message is readable (every field named); toString() is the core's "[code] ko (en)".
        assertTrue(d.message, d.message.startsWith("code=invalid_date, field=null, ko="))
        assertTrue(d.toString().startsWith("[invalid_date] 올바른 날짜가 아닙니다"))
        // A record's field: the core still names what it checks itself.
        val q = expectCode("crisis_level_out_of_range") { household(level = 9) } as DonghaengException.Invalid
        assertEquals("household.crisis_level", q.field)
        expectCode("invalid_date") { store.openCase(h.id, planner.id, "10000-01-01") }
        expectCode("date_out_of_range") { store.openCase(h.id, planner.id, "0000-12-31") }
        expectCode("timestamp_out_of_range") { store.startVisit(UUID.randomUUID().toString(), Long.MAX_VALUE) }
        expectCode("crisis_level_out_of_range") { household(level = 9) }
        expectCode("birth_date_out_of_range") {
            store.addPerson(NewPerson(householdId = h.id, name = "미래", birthDate = "2999-01-01", sex = Sex.MALE, relation = Relation.CHILD, disability = Disability.NONE))
        }
        expectCode("latitude_out_of_range") { store.updateHousehold(h.id, HouseholdUpdate(location = GeoPoint(Double.NaN, 0.0))) }
        expectCode("required") { household(head = "   ") }
        // Nothing half-written: the household list is as before.
        assertEquals(1, store.searchHouseholds(dong.id, "김", 10u).size)
    }

    @Test
    fun notFound() {
        val e = expectCode("household_not_found") { store.getHousehold(UUID.randomUUID().toString()) }
        assertTrue(e is DonghaengException.NotFound)
        expectCode("visit_not_found") { store.getVisit(UUID.randomUUID().toString()) }
        expectCode("org_unit_not_found") { store.getOrgUnit(UUID.randomUUID().toString()) }
        expectCode("worker_not_found") { store.getWorker(UUID.randomUUID().toString()) }
        expectCode("case_not_found") { store.getCase(UUID.randomUUID().toString()) }
        expectCode("crisis_report_not_found") { store.getCrisisReport(UUID.randomUUID().toString()) }
        expectCode("wellness_check_not_found") { store.getWellnessCheck(UUID.randomUUID().toString()) }
    }

    @Test
    fun closedStoreFailsWithClosed() {
        val h = household()
        store.closeStore()
        assertTrue(store.isClosed())
        val e = expectCode("closed") { store.getHousehold(h.id) }
        assertTrue(e is DonghaengException.Closed)
        assertTrue((e as DonghaengException.Closed).ko.isNotEmpty())
        expectCode("closed") { store.schemaVersion() }
        expectCode("closed") { store.createHousehold(NewHousehold(dongId = dong.id, headName = "x", address = "y", crisisLevel = 1)) }
        store.closeStore() // idempotent
        // Bad input is still reported as such before the store is needed.
        expectCode("invalid_id") { store.getVisit("nope") }
    }

    @Test
    fun freedHandleIsAnExceptionNotACrash() {
        // Kotlin's AutoCloseable close() (not closeStore()) frees the native handle: later calls throw.
        val s = DonghaengStore.open(File(dir, "freed.db").path, KEY)
        s.close()
        val e = expect<IllegalStateException> { s.schemaVersion() }
        assertTrue(e.message!!.contains("destroyed"))
        s.close() // twice is harmless
    }

    @Test
    fun closeWhileOtherThreadsWork() {
        val h = household()
        val ok = AtomicInteger()
        val closed = AtomicInteger()
        val threads = (1..4).map {
            Thread {
                repeat(200) {
                    try {
                        store.searchHouseholds(dong.id, "김", 10u)
                        store.getHousehold(h.id)
                        ok.incrementAndGet()
                    } catch (e: DonghaengException.Closed) {
                        closed.incrementAndGet()
                    }
                }
            }
        }
        threads.forEach { it.start() }
        Thread.sleep(20)
        store.closeStore()
        threads.forEach { it.join() }
        assertEquals(800, ok.get() + closed.get())
        assertTrue(store.isClosed())
    }

    @Test
    fun schemaTooNew() {
        // A plain file (as an earlier or, here, a newer app wrote it): refused untouched, not encrypted.
        val path = File(dir, "newer.db").path
        val p = ProcessBuilder("sqlite3", path, "PRAGMA application_id = 1145980744; PRAGMA user_version = 99; CREATE TABLE t(x);")
            .redirectErrorStream(true).start()
        assertEquals(0, p.waitFor())
        val e = expectCode("schema_too_new") { DonghaengStore.open(path, KEY) }
        assertTrue(e is DonghaengException.SchemaTooNew)
        assertTrue((e as DonghaengException.SchemaTooNew).en.contains("schema 99"))
        assertTrue(isPlainDatabase(path))
    }

    @Test
    fun storageErrors() {
        // Not a database: SQLCipher cannot tell it from a file under another key.
        val notDb = File(dir, "notes.txt")
        notDb.writeText("이것은 데이터베이스가 아닙니다. ".repeat(100))
        assertTrue(expectCode("store_key_wrong") { DonghaengStore.open(notDb.path, KEY) } is DonghaengException.WrongKey)
        val e = expectCode("storage") { DonghaengStore.open(File(dir, "no/such/dir/app.db").path, KEY) }
        assertTrue(e is DonghaengException.Storage)
        expectCode("storage") { DonghaengStore.open(dir.path, KEY) }
        expectCode("required") { DonghaengStore.open("  ", KEY) }
        // A SQLite file of another app: refused untouched.
        val foreign = File(dir, "foreign.db").path
        assertEquals(0, ProcessBuilder("sqlite3", foreign, "PRAGMA application_id = 42; CREATE TABLE t(x);").start().waitFor())
        assertTrue(expectCode("not_a_donghaeng_file") { DonghaengStore.open(foreign, KEY) } is DonghaengException.Conflict)
        assertTrue(isPlainDatabase(foreign))
    }

    // --------------------------------------------------------------------------------- encryption

    @Test
    fun theFileIsEncryptedAndNeedsItsKey() {
        household()
        store.closeStore()
        val path = File(dir, "app.db").path
        val bytes = File(path).readBytes()
        assertFalse(isPlainDatabase(path))
        for (secret in listOf("김영희", "SQLite format 3")) {
            assertFalse(secret, String(bytes, Charsets.ISO_8859_1).contains(String(secret.toByteArray(), Charsets.ISO_8859_1)))
        }
        // The system sqlite3 cannot read it either.
        val p = ProcessBuilder("sqlite3", path, "SELECT count(*) FROM households;").redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(out, p.waitFor() != 0 && out.contains("not a database"))

        val wrong = ByteArray(32) { 9 }
        val e = expectCode("store_key_wrong") { DonghaengStore.open(path, wrong) } as DonghaengException.WrongKey
        assertEquals("key", e.field)
        assertTrue(e.ko, e.ko.contains("키"))
        assertTrue(expectCode("store_key_invalid") { DonghaengStore.open(path, ByteArray(16)) } is DonghaengException.Invalid)
        store = DonghaengStore.open(path, KEY)
        assertEquals("역삼1동", store.getOrgUnit(dong.id).name)
    }

    @Test
    fun rekeyThenOnlyTheNewKeyOpens() {
        val h = household()
        val newKey = ByteArray(32) { (255 - it).toByte() }
        expectCode("store_key_invalid") { store.rekey(ByteArray(31)) }
        store.rekey(newKey)
        store.closeStore()
        val path = File(dir, "app.db").path
        expectCode("store_key_wrong") { DonghaengStore.open(path, KEY) }
        store = DonghaengStore.open(path, newKey)
        assertEquals(h.headName, store.getHousehold(h.id).household.headName)
        assertEquals("ok", store.integrityCheck())
        store.closeStore()
        expectCode("closed") { store.rekey(KEY) }
    }

    @Test
    fun aPlainFileFromAnEarlierVersionIsEncryptedWithoutLoss() {
        // An earlier version's file, written in plain SQLite by the system sqlite3: a Donghaeng file
        // with no tables yet (version 0) and one row of its own that must survive.
        val path = File(dir, "old.db").path
        val p = ProcessBuilder("sqlite3", path, "PRAGMA application_id = 1145980744; CREATE TABLE legacy(x TEXT); INSERT INTO legacy VALUES ('김옛날');")
            .redirectErrorStream(true).start()
        assertEquals(0, p.waitFor())
        assertTrue(isPlainDatabase(path))
        expectCode("store_key_invalid") { encryptPlainDatabase(path, ByteArray(3)) }
        assertTrue(encryptPlainDatabase(path, KEY))
        assertFalse(isPlainDatabase(path))
        assertFalse(encryptPlainDatabase(path, KEY)) // already encrypted: nothing to do
        val old = DonghaengStore.open(path, KEY)
        try {
            assertEquals(16L, old.schemaVersion())
            assertEquals("ok", old.integrityCheck())
        } finally {
            old.closeStore()
        }
        assertFalse(String(File(path).readBytes(), Charsets.UTF_8).contains("김옛날"))
        expectCode("required") { isPlainDatabase(" ") }
    }

    // -------------------------------------------------------------------------------------- enums

    @Test
    fun enumsHaveCodesAndLabels() {
        val all: List<List<Any>> = listOf(
            OrgUnitKind.values().toList(), Role.values().toList(), HouseholdTag.values().toList(), RiskFlag.values().toList(),
            Sex.values().toList(), Relation.values().toList(), Disability.values().toList(), VisitPurpose.values().toList(),
            ContactMode.values().toList(), VisitStatus.values().toList(), VisitOutcome.values().toList(),
            Observation.values().toList(), CaseStage.values().toList(), CaseClassification.values().toList(),
            ClosureReason.values().toList(), ClosureCategory.values().toList(), ReferralTarget.values().toList(),
            CrisisSign.values().toList(), CrisisReportStatus.values().toList(), ServiceItem.values().toList(),
            ServiceProgram.values().toList(), QuantityUnit.values().toList(),
        )
        var n = 0
        for (values in all) {
            val codes = values.map { v ->
                val (code, ko, en) = when (v) {
                    is OrgUnitKind -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is Role -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is HouseholdTag -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is RiskFlag -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is Sex -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is Relation -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is Disability -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is VisitPurpose -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ContactMode -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is VisitStatus -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is VisitOutcome -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is Observation -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is CaseStage -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is CaseClassification -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ClosureReason -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ClosureCategory -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ReferralTarget -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is CrisisSign -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is CrisisReportStatus -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ServiceItem -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is ServiceProgram -> Triple(v.code(), v.labelKo(), v.labelEn())
                    is QuantityUnit -> Triple(v.code(), v.labelKo(), v.labelEn())
                    else -> throw AssertionError("unexpected $v")
                }
                assertTrue(code.matches(Regex("[a-z0-9_]+")))
                assertTrue(ko.isNotBlank() && en.isNotBlank())
                n++
                code
            }
            assertEquals(codes.size, codes.toSet().size)
        }
        assertTrue(n > 100)
        assertEquals("visiting_nurse", Role.VISITING_NURSE.code())
        assertEquals("방문간호사", Role.VISITING_NURSE.labelKo())
        assertEquals("no_contact_3_months", ClosureReason.NO_CONTACT_THREE_MONTHS.code())
        assertEquals("위기가구 모니터링", VisitPurpose.CRISIS_MONITORING.labelKo())
    }

    /** Guards the rule "every public facade method is called from a Kotlin test": a new method fails
     *  here until a test calls it and it is added to this list. */
    @Test
    fun everyStoreMethodIsCovered() {
        val covered = setOf(
            "closeStore", "isClosed", "wipe", "syncStatus", "rekey", "schemaVersion", "integrityCheck", "deviceId", "pendingChanges",
            "createOrgUnit", "getOrgUnit", "orgUnitChildren",
            "createWorker", "getWorker", "workersByTeam", "setWorkerActive",
            "createHousehold", "createHouseholdWithMembers", "getHousehold", "viewHousehold", "updateHousehold", "searchHouseholds",
            "householdsDueForMonitoring", "addPerson", "personsOfHousehold",
            "planVisit", "getVisit", "assignVisit", "startVisit", "completeVisit", "cancelVisit", "markVisitMissed", "replanVisit",
            "recordWellnessCheck", "getWellnessCheck", "addCaseNote",
            "openCase", "getCase", "classifyCase", "advanceCase", "closeCase", "casesOfHousehold",
            "createReferral", "getReferral", "recordReferralFirstReply", "recordReferralServiceEnd", "recordReferralFinalReply",
            "referralRepliesDue", "reportCrisis", "getCrisisReport", "crisisInbox", "markCrisisReportHandled",
            "recordVolunteerActivity", "volunteerMonth", "recordOutreachAttempt", "outreachOfHousehold", "outreachFollowUpTexts",
            "createDischargeReferral", "recordDischargeStep", "recordDischargeDay", "dischargeReferralsOfHousehold", "dueToday", "agendaForWorker", "historyPage", "generateSyntheticDong",
            "recordService", "voidService", "getService", "servicesOfHousehold", "serviceYearUsage",
            "evaluateHousehold",
        )
        // Kotlin mangles the names of methods with unsigned parameters ("searchHouseholds-jXDDuk8").
        val declared = DonghaengStoreInterface::class.java.declaredMethods.map { it.name.substringBefore("-") }.toSet()
        assertEquals(covered, declared)
    }
}
