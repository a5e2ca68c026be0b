// JVM tests of the eligibility, schedule, safety and sync parts of the generated Kotlin bindings (run by
// bindings/scripts/test.sh). Every public method of these objects and every top-level function is
// called at least once (checked by everyFacadeMethodIsCovered).

import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kr.donghaeng.core.*
import kr.donghaeng.ffi.*
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

/** The household of the core's worked example: 2 people in Seoul, job loss, on 2022-06-15. */
fun exampleHousehold(asOf: String = "2022-06-15", income: Long = 1_500_000): String = """
    {"as_of": "$asOf", "residence": "seoul",
     "household": {"size": 2, "members": [{"birth_date": "1950-03-02", "disabled": false}],
                   "monthly_income_won": $income, "property_won": 120000000, "financial_assets_won": 3000000,
                   "lonely_death_risk": false, "receiving": [], "health_insurance_bottom_20pct": false},
     "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]},
     "history": [{"program": "seoul_emergency_welfare", "reason": "job_loss", "date": "2021-12-01"}]}
""".trimIndent()

/** The code of any facade error. */
fun codeOf(e: DonghaengException): String = when (e) {
    is DonghaengException.Invalid -> e.code
    is DonghaengException.NotFound -> e.code
    is DonghaengException.InvalidTransition -> e.code
    is DonghaengException.Conflict -> e.code
    is DonghaengException.SchemaTooNew -> e.code
    is DonghaengException.Storage -> e.code
    is DonghaengException.WrongKey -> e.code
    is DonghaengException.Closed -> e.code
}

inline fun <reified T : DonghaengException> expectError(code: String, block: () -> Unit): T {
    val e = expect<DonghaengException>(block)
    assertTrue("expected ${T::class.java.simpleName}, got $e", e is T)
    assertEquals(e.toString(), code, codeOf(e))
    return e as T
}

const val MIN = 60_000L

/** The test database key (the app takes 32 random bytes from Android Keystore). */
val KEY: ByteArray = ByteArray(32) { (it * 7 + 1).toByte() }

class EligibilityTest {
    private val engine = EligibilityEngine()

    @After
    fun tearDown() = engine.destroy()

    @Test
    fun programsAreTheCoresSix() {
        val programs = eligibilityPrograms()
        assertEquals(
            listOf("seoul_emergency_welfare", "seoul_basic_security", "care_sos", "seoul_safety_income",
                "visiting_health_care", "elderly_basic_care"),
            programs.map { it.code },
        )
        assertEquals("서울형 긴급복지", programs[0].labelKo)
    }

    @Test
    fun theWorkedExampleIsEligibleWithEveryCheckExplained() {
        val r = engine.evaluate(exampleHousehold())
        assertEquals("2022-06-15", r.asOf)
        assertEquals(6, r.programs.size)
        val ew = r.programs.first { it.program.code == "seoul_emergency_welfare" }
        assertEquals(EligibilityDecision.ELIGIBLE, ew.decision)
        assertEquals("지원 가능", ew.decisionKo)
        assertEquals(1, ew.support.size)
        assertEquals("living", ew.support[0].itemCode)
        assertEquals(500_000L, ew.support[0].maxAmountWon)
        assertEquals(1L, ew.support[0].extraPaymentsAllowed)
        val income = ew.checks.first { it.code == "income" }
        assertTrue(income.passed)
        assertEquals(1_500_000L, income.value)
        assertEquals(3_260_085L, income.limit)
        assertEquals(
            "소득 1,500,000원 ≤ 기준 3,260,085원 (2인 가구 2022년 기준 중위소득 100%; 코로나19 한시 완화 85% → 100%)",
            income.ko,
        )
        assertEquals("seoul_emergency_welfare 2022-01-01 (001 §7)", ew.parameters)
        assertFalse(ew.provisional)
        // The rendered text is the core's, with the decision and the check in Korean.
        assertTrue(r.text, r.text.contains("■ 서울형 긴급복지 (Seoul emergency welfare): 지원 가능"))
        assertTrue(r.text, r.text.contains("✓ 소득 1,500,000원"))
        // The JSON export says the same.
        val json = engine.evaluateJson(exampleHousehold())
        assertTrue(json.contains("\"max_amount_won\": 500000"))
    }

    @Test
    fun oneWonOverTheLineChangesTheDecision() {
        val r = engine.evaluate(exampleHousehold(income = 3_260_086))
        val ew = r.programs.first { it.program.code == "seoul_emergency_welfare" }
        assertEquals(EligibilityDecision.CASE_CONFERENCE, ew.decision)
        assertFalse(ew.checks.first { it.code == "income" }.passed)
    }

    @Test
    fun badInputIsATypedErrorNamingTheField() {
        val e = expectError<DonghaengException.Invalid>("negative_amount") {
            engine.evaluate(exampleHousehold(income = -1))
        }
        assertEquals("household.monthly_income_won", e.field)
        assertTrue(e.ko.contains("음수"))
        // A date without tables is not bad input: each program without one is NOT_EVALUATED.
        val late = engine.evaluate(exampleHousehold(asOf = "2031-01-01"))
        val ew = late.programs.first { it.program.code == "seoul_emergency_welfare" }
        assertEquals(EligibilityDecision.NOT_EVALUATED, ew.decision)
        assertEquals("no_parameters_for_date", ew.notes.first().code)
        expectError<DonghaengException.Invalid>("json_syntax") { engine.evaluate("{") }
        expectError<DonghaengException.Invalid>("invalid_date") { engine.evaluate(exampleHousehold(asOf = "2022-02-30")) }
        expectError<DonghaengException.Invalid>("unknown_field") { engine.evaluateJson("""{"as_of": "2022-06-15", "x": 1}""") }
    }

    @Test
    fun parameterTablesLoadOrAreRefusedWhole() {
        // A valid table (the built-in median rows again) is accepted.
        engine.loadParameterTable(File("core/src/eligibility/params/median_income.json").readText())
        // A refused table adds nothing: the evaluation is unchanged.
        val before = engine.evaluate(exampleHousehold())
        expectError<DonghaengException.Invalid>("param_unknown_table") {
            engine.loadParameterTable("""{"table": "no_such_program", "sets": []}""")
        }
        assertEquals(before, engine.evaluate(exampleHousehold()))
    }
}

class ScheduleTest {
    private val hCrisis = UUID.randomUUID().toString()
    private val hStable = UUID.randomUUID().toString()
    private val planner = UUID.randomUUID().toString()
    private val nurse = UUID.randomUUID().toString()
    private val centre = GeoPoint(37.5006, 127.0364)

    private fun request() = CadenceRequest(
        today = "2026-11-02",
        households = listOf(
            // 위기 (5): weekly; last contact 10 days ago → due 7 days after, 3 days overdue.
            CadenceHousehold(id = hCrisis, crisisLevel = 5u, lastContact = "2026-10-23", location = GeoPoint(37.5010, 127.0390)),
            // 안정 (1): yearly; contacted last month → nothing within the horizon.
            CadenceHousehold(id = hStable, crisisLevel = 1u, lastContact = "2026-10-01"),
        ),
    )

    @Test
    fun cadenceSaysWhatIsDueAndWhy() {
        val a = cadenceAgenda(request())
        assertEquals("2026-11-02", a.today)
        val item = a.overdue.single()
        assertEquals(hCrisis, item.householdId)
        assertEquals(DueReason.CRISIS_MONITORING, item.reason)
        assertEquals("crisis_monitoring", item.reason.code())
        assertEquals("위기도 정기 모니터링", item.reason.labelKo())
        assertEquals(VisitPurpose.CRISIS_MONITORING, item.purpose)
        assertEquals("2026-10-30", item.due)
        assertEquals(3L, item.daysOverdue)
        assertTrue(item.ko, item.ko.isNotBlank())
        assertTrue(a.dueToday.isEmpty())
        assertTrue(a.upcoming.none { it.householdId == hStable })
    }

    @Test
    fun cadenceRefusesBadInput() {
        expectError<DonghaengException.Invalid>("crisis_level_out_of_range") {
            cadenceAgenda(request().copy(households = listOf(CadenceHousehold(id = hCrisis, crisisLevel = 9u))))
        }
        val e = expectError<DonghaengException.Invalid>("invalid_id") {
            cadenceAgenda(request().copy(households = listOf(CadenceHousehold(id = "nope", crisisLevel = 3u))))
        }
        // Refused as the id crosses, before the call runs: the message quotes the value.
        assertTrue(e.en, e.en.contains("\"nope\""))
    }

    @Test
    fun aDueItemIsPlannedForAPairAndAMissingRoleIsExplained() {
        val item = cadenceAgenda(request()).overdue.single()
        val start = kst(2026, 11, 2, 10)
        val visit = dayVisitForDueItem(UUID.randomUUID().toString(), item, GeoPoint(37.5010, 127.0390), start, start + 120 * MIN, 30u)
        assertEquals(hCrisis, visit.householdId)
        assertEquals(2.toUByte(), visit.priority) // overdue by 3 days: the core's "overdue" urgency
        assertEquals(5.toUByte(), item.crisisLevel)
        assertEquals(5.toUByte(), visit.crisisLevel) // ranked first by crisis level when the day is short
        assertEquals(ContactMode.HOME, visit.contactMode)
        val needsPolice = DayVisit(
            id = UUID.randomUUID().toString(), householdId = hStable, purpose = VisitPurpose.CASE_WORK,
            contactMode = ContactMode.HOME, location = GeoPoint(37.4990, 127.0330),
            windowStartMs = start, windowEndMs = start + 120 * MIN, durationMin = 30u,
            required = listOf(RoleRequirement(listOf(Role.POLICE_OFFICER))),
        )
        val day = kst(2026, 11, 2, 9)
        val workers = listOf(
            DayWorker(planner, listOf(Role.WELFARE_PLANNER), day, day + 8 * 60 * MIN, centre, centre, 6u),
            DayWorker(nurse, listOf(Role.VISITING_NURSE), day, day + 8 * 60 * MIN, centre, centre, 6u),
        )
        val plan = planDay(DayPlanRequest(visits = listOf(visit, needsPolice), workers = workers))
        val team = plan.teams.single()
        assertEquals(setOf(planner, nurse), team.workerIds.toSet())
        val stop = team.stops.single()
        assertEquals(visit.id, stop.visitId)
        assertTrue(stop.startMs >= start && stop.endMs <= start + 120 * MIN)
        assertEquals(30 * MIN, stop.endMs - stop.startMs)
        val left = plan.unplanned.single()
        assertEquals(needsPolice.id, left.visitId)
        assertEquals(UnplannedCode.ROLE_UNAVAILABLE, left.code)
        assertTrue(left.ko.isNotBlank())
        assertEquals(1.toUByte(), left.crisisLevel) // the default level of a hand-made visit
        assertEquals("위기도 1(안정)·긴급도 0 방문입니다", left.priorityKo)
        // A window that ends before it starts is refused before planning.
        expectError<DonghaengException.Invalid>("window_ends_before_start") {
            planDay(DayPlanRequest(visits = listOf(visit.copy(windowEndMs = start - MIN)), workers = workers))
        }
    }
}

/** Records what the session tells the app. */
class RecordingAlarms(private val throwing: Boolean = false) : SafetyAlarmListener {
    val actions = CopyOnWriteArrayList<SafetyAction>()
    val deadlines = CopyOnWriteArrayList<Long?>()
    override fun onAction(action: SafetyAction) {
        actions.add(action)
        if (throwing) throw IllegalStateException("the UI crashed")
    }
    override fun onNextDeadline(deadlineMs: Long?) {
        deadlines.add(deadlineMs)
        // The declared error type, as an app would throw it on purpose.
        if (throwing) throw ListenerException.Failed("the alarm manager is gone")
    }
}

class SafetySessionTest {
    private lateinit var dir: File
    private lateinit var store: DonghaengStore
    private lateinit var district: OrgUnit
    private lateinit var planner: Worker
    private lateinit var nurse: Worker
    private lateinit var household: Household
    private val now = kst(2026, 11, 2, 10)

    @Before
    fun setUp() {
        dir = Files.createTempDirectory("donghaeng-safety").toFile()
        store = DonghaengStore.open(File(dir, "app.db").path, KEY)
        val city = store.createOrgUnit(OrgUnitKind.CITY, "서울특별시", null)
        district = store.createOrgUnit(OrgUnitKind.DISTRICT, "강남구", city.id)
        val dong = store.createOrgUnit(OrgUnitKind.DONG, "역삼1동", district.id)
        val team = store.createOrgUnit(OrgUnitKind.TEAM, "맞춤형복지팀", dong.id)
        planner = store.createWorker(NewWorker(team.id, "박복지", listOf(Role.WELFARE_PLANNER), "010-0000-0001"))
        nurse = store.createWorker(NewWorker(team.id, "이간호", listOf(Role.VISITING_NURSE), "010-0000-0002"))
        household = store.createHousehold(NewHousehold(dongId = dong.id, headName = "김영희", address = "테헤란로 123", crisisLevel = 4))
    }

    @After
    fun tearDown() {
        store.closeStore()
        store.destroy()
        dir.deleteRecursively()
    }

    private fun request(workers: List<String> = listOf(planner.id, nurse.id), returnMs: Long = now + 60 * MIN) = SafetyStartRequest(
        householdId = household.id, workerIds = workers, starterId = planner.id,
        expectedReturnMs = returnMs, assessment = SafetyAssessment(true, true, true, true, "대형견 있음"),
        teamLead = SafetyContact("최팀장", "010-0000-0100"), dongHead = SafetyContact("정동장", "010-0000-0200"),
        contactMode = ContactMode.HOME,
    )

    @Test
    fun overdueReturnPromptsThenEscalatesAndTheListenerHearsIt() {
        val alarms = RecordingAlarms()
        val s = SafetySession("phone-1", alarms)
        assertNull(s.sessionId())
        val st = s.start(store, request(), now)
        assertEquals(SafetySessionStatus.OPEN, st.status)
        assertEquals(s.sessionId(), st.sessionId)
        assertEquals(now + 60 * MIN, st.expectedReturnMs)
        // The app's OS alarm goes to the expected return.
        assertEquals(now + 60 * MIN, alarms.deadlines.last())
        assertEquals(now + 60 * MIN, s.nextDeadlineMs(now))
        assertTrue(s.tick(now + 59 * MIN).isEmpty())
        // At the return time: "are you safe?" to both workers.
        val prompt = s.tick(now + 60 * MIN).single()
        val kind = prompt.kind as SafetyActionKind.PromptWorker
        assertEquals(setOf(planner.id, nurse.id), kind.workerIds.toSet())
        assertTrue(kind.messageKo, kind.messageKo.startsWith("안전하신가요?"))
        assertFalse(prompt.silent)
        assertEquals(SafetySessionStatus.CHECK_IN_DUE, s.status(now + 61 * MIN).status)
        // Ticking again at the same time issues nothing twice.
        assertTrue(s.tick(now + 60 * MIN).isEmpty())
        // 10 minutes' grace later: step 1 of the ladder, the partner.
        val step = s.tick(now + 70 * MIN).single().kind as SafetyActionKind.EscalationStep
        assertEquals(1u, step.step)
        assertEquals(LadderTarget.PARTNER, step.target)
        assertTrue(step.recipients.any { it.phone == "010-0000-0002" })
        assertEquals(listOf(prompt.kind, step), alarms.actions.map { it.kind })
        // The team lead takes charge on the server (the supervisor routes), not on a phone; the
        // worker answers and goes on: a new return time.
        s.checkIn(planner.id, now + 72 * MIN)
        val ext = s.extendReturn(planner.id, now + 120 * MIN, now + 72 * MIN)
        assertEquals(now + 120 * MIN, ext.expectedReturnMs)
        assertEquals(SafetySessionStatus.OPEN, ext.status)
        val receipt = s.checkOut(planner.id, null, now + 90 * MIN)
        assertEquals("복귀 처리되었습니다. 수고하셨습니다.", receipt.messageKo)
        assertEquals(SafetySessionStatus.CLOSED, s.status(now + 91 * MIN).status)
        assertEquals(0uL, s.listenerFailures())
        s.destroy()
    }

    @Test
    fun withoutAPublishedLadderTheFormAsksForTheContacts() {
        // This store has no ladder for the team (the phone-and-server test sees one after sync).
        assertTrue(safetyContactsNeeded(store, planner.id))
        val e = assertThrows(DonghaengException.NotFound::class.java) {
            safetyContactsNeeded(store, UUID.randomUUID().toString())
        }
        assertEquals("worker_not_found", e.code)
        // Neither a ladder nor the contacts: a clear refusal, no session.
        val s = SafetySession("phone-1", null)
        val refused = assertThrows(DonghaengException::class.java) {
            s.start(store, request().copy(teamLead = null, dongHead = null), now)
        }
        assertTrue(refused.toString(), refused.toString().contains("safety_ladder_missing"))
        assertNull(s.sessionId())
    }

    @Test
    fun aSessionSurvivesTheAppBeingKilled() {
        val s = SafetySession("phone-1", null)
        assertNull(resumeSafetySession(store, "phone-1", null, now))
        s.start(store, request(), now)
        assertEquals(1, s.tick(now + 60 * MIN).size) // the prompt
        assertEquals(0uL, s.unsavedEvents())
        val id = s.sessionId()
        s.destroy() // the process dies; its events are in the store
        val alarms = RecordingAlarms()
        val r = resumeSafetySession(store, "phone-1", alarms, now + 61 * MIN)!!
        assertEquals(id, r.sessionId())
        assertEquals(SafetySessionStatus.CHECK_IN_DUE, r.status(now + 61 * MIN).status)
        // The prompt already issued is not issued again; the OS alarm goes to the first escalation.
        assertTrue(r.tick(now + 61 * MIN).isEmpty())
        assertEquals(now + 70 * MIN, alarms.deadlines.last())
        val step = r.tick(now + 70 * MIN).single().kind as SafetyActionKind.EscalationStep
        assertEquals(1u, step.step)
        r.checkOut(planner.id, null, now + 75 * MIN)
        // Closed sessions stay resumable for two days (a late acknowledgement), shown closed.
        assertEquals(SafetySessionStatus.CLOSED, resumeSafetySession(store, "phone-1", null, now + 76 * MIN)!!.status(now + 76 * MIN).status)
        // Another device's id does not pick up this phone's session.
        assertNull(resumeSafetySession(store, "phone-2", null, now + 76 * MIN))
        expectError<DonghaengException.Invalid>("required") { resumeSafetySession(store, " ", null, now) }
        r.destroy()
    }

    @Test
    fun aSessionSurvivesReopeningTheEncryptedStoreAndItsEventsAreSynced() {
        val path = File(dir, "app.db").path
        val before = store.pendingChanges()
        val s = SafetySession(store.deviceId(), null)
        s.start(store, request(), now)
        val sosId = s.sos(nurse.id, now + 5 * MIN)
        assertEquals(1, s.tick(now + 5 * MIN).size) // the SOS alarm
        val id = s.sessionId()
        // Start, SOS and the alarm issued: three safety events waiting for the next sync.
        assertEquals(before + 3uL, store.pendingChanges())
        s.destroy()
        store.closeStore()
        store = DonghaengStore.open(path, KEY)
        val r = resumeSafetySession(store, store.deviceId(), null, now + 6 * MIN)!!
        assertEquals(id, r.sessionId())
        assertEquals(listOf(sosId), r.status(now + 6 * MIN).openSos)
        // The SOS alarm went out before the restart: not again.
        assertTrue(r.tick(now + 6 * MIN).isEmpty())
        r.cancelSos(nurse.id, sosId, "오작동", now + 7 * MIN)
        assertEquals(0uL, r.unsavedEvents())
        // The store closed while the session goes on: the check-in still counts, and its event waits
        // in memory (counted, retried), not lost.
        store.closeStore()
        assertEquals(SafetySessionStatus.OPEN, r.checkIn(planner.id, now + 8 * MIN).status)
        assertEquals(1uL, r.unsavedEvents())
        r.destroy()
    }

    @Test
    fun sosGoesToPartnerAndLeadAndCanBeCancelled() {
        val s = SafetySession("phone-1", null)
        s.start(store, request(), now)
        val sosId = s.sos(nurse.id, now + 5 * MIN)
        assertEquals(listOf(sosId), s.status(now + 5 * MIN).openSos)
        // The alarm is due at once.
        assertEquals(now + 5 * MIN, s.nextDeadlineMs(now + 5 * MIN))
        val sos = s.tick(now + 5 * MIN).single().kind as SafetyActionKind.SosAlarm
        assertEquals(setOf("010-0000-0001", "010-0000-0100"), sos.recipients.map { it.phone }.toSet())
        assertTrue(sos.smsText, sos.smsText.contains("SOS"))
        val st = s.cancelSos(nurse.id, sosId, "오조작", now + 6 * MIN)
        assertTrue(st.openSos.isEmpty())
        val clear = s.tick(now + 6 * MIN).single().kind
        assertTrue(clear is SafetyActionKind.AllClear)
        s.destroy()
    }

    @Test
    fun duressCheckOutLooksNormalButRaisesASilentAlarm() {
        val s = SafetySession("phone-1", null)
        s.start(store, request(), now)
        s.setPins(planner.id, "1234", "9999")
        expectError<DonghaengException.Invalid>("pin_required") { s.checkOut(planner.id, null, now + 30 * MIN) }
        expectError<DonghaengException.Invalid>("pin_incorrect") { s.checkOut(planner.id, "0000", now + 30 * MIN) }
        expectError<DonghaengException.Invalid>("pin_format_invalid") { s.setPins(nurse.id, "12", null) }
        val duress = s.checkOut(planner.id, "9999", now + 30 * MIN)
        assertEquals("복귀 처리되었습니다. 수고하셨습니다.", duress.messageKo)
        assertEquals(SafetySessionStatus.CLOSED, s.status(now + 30 * MIN).status)
        val silent = s.tick(now + 30 * MIN).single()
        assertTrue(silent.silent)
        val kind = silent.kind as SafetyActionKind.SilentAlarm
        assertEquals(listOf("010-0000-0100"), kind.recipients.map { it.phone })
        s.destroy()
    }

    @Test
    fun aThrowingListenerNeverLosesAnAction() {
        val alarms = RecordingAlarms(throwing = true)
        val s = SafetySession("phone-1", alarms)
        s.start(store, request(), now) // onNextDeadline throws: the session still starts
        val actions = s.tick(now + 60 * MIN)
        assertEquals(1, actions.size)
        assertEquals(1, alarms.actions.size)
        assertTrue(s.listenerFailures() >= 3uL)
        assertEquals(SafetySessionStatus.CHECK_IN_DUE, s.status(now + 60 * MIN).status)
        s.destroy()
    }

    @Test
    fun refusalsAreTypedErrors() {
        val s = SafetySession("phone-1", null)
        expectError<DonghaengException.InvalidTransition>("no_open_session") { s.checkIn(planner.id, now) }
        expectError<DonghaengException.InvalidTransition>("no_open_session") { s.status(now) }
        expectError<DonghaengException.Invalid>("safety_pair_required") { s.start(store, request(workers = listOf(planner.id)), now) }
        expectError<DonghaengException.Invalid>("expected_return_in_past") { s.start(store, request(returnMs = now - MIN), now) }
        expectError<DonghaengException.Invalid>("safety_assessment_incomplete") {
            s.start(store, request().copy(assessment = SafetyAssessment(true, false, true, true, null)), now)
        }
        expectError<DonghaengException.NotFound>("household_not_found") {
            s.start(store, request().copy(householdId = UUID.randomUUID().toString()), now)
        }
        s.start(store, request(), now)
        expectError<DonghaengException.Conflict>("session_already_started") { s.start(store, request(), now) }
        expectError<DonghaengException.Invalid>("worker_not_in_session") { s.checkIn(UUID.randomUUID().toString(), now) }
        expectError<DonghaengException.Invalid>("timestamp_out_of_range") { s.tick(Long.MAX_VALUE) }
        expectError<DonghaengException.Invalid>("required") { SafetySession(" ", null) }
        store.closeStore()
        expectError<DonghaengException.Closed>("closed") { SafetySession("phone-2", null).start(store, request(), now) }
        s.destroy()
    }
}

/** Records sync progress. */
class RecordingProgress(private val throwing: Boolean = false) : SyncProgressListener {
    val calls = CopyOnWriteArrayList<Triple<SyncPhase, ULong, ULong>>()
    override fun onProgress(phase: SyncPhase, done: ULong, total: ULong) {
        calls.add(Triple(phase, done, total))
        if (throwing) throw RuntimeException("progress bar gone")
    }
}

class SyncClientTest {
    private lateinit var dir: File
    private var server: Process? = null

    @Before
    fun setUp() {
        dir = Files.createTempDirectory("donghaeng-sync").toFile()
    }

    @After
    fun tearDown() {
        server?.let { it.destroy(); it.waitFor(10, TimeUnit.SECONDS) }
        dir.deleteRecursively()
    }

    @Test
    fun connectionRefusedIsTheOfflineError() {
        val port = ServerSocket(0).use { it.localPort } // closed again: nothing listens there
        val store = DonghaengStore.open(File(dir, "app.db").path, KEY)
        store.createOrgUnit(OrgUnitKind.CITY, "서울특별시", null)
        assertTrue(store.pendingChanges() > 0uL)
        val progress = RecordingProgress()
        val client = SyncClient("http://127.0.0.1:$port", "token", 5u)
        assertEquals("http://127.0.0.1:$port", client.serverUrl())
        val e = expectError<DonghaengException.Conflict>("offline") { client.syncNow(store, progress) }
        assertTrue(e.ko, e.ko.startsWith("서버에 연결할 수 없습니다"))
        assertTrue(progress.calls.isEmpty())
        // Nothing was lost: the change still waits in the outbox.
        assertTrue(store.pendingChanges() > 0uL)
        store.closeStore()
        expectError<DonghaengException.Closed>("closed") { client.syncNow(store, null) }
        store.destroy()
        client.destroy()
    }

    @Test
    fun badAddressesAndTimeoutsAreRefused() {
        expectError<DonghaengException.Invalid>("invalid_url") { SyncClient("ftp://x", null, null) }
        expectError<DonghaengException.Invalid>("invalid_url") { SyncClient("", null, null) }
        expectError<DonghaengException.Invalid>("timeout_out_of_range") { SyncClient("https://sync.example.kr", null, 0u) }
    }

    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    private fun field(json: String, name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: throw AssertionError("no $name in $json")

    private fun admin(bin: String, db: String, vararg args: String): String {
        val p = ProcessBuilder(listOf(bin, "admin", "--db", db) + args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(30, TimeUnit.SECONDS))
        assertEquals(out, 0, p.exitValue())
        return out
    }

    /** A real donghaeng-sync-server on loopback: enrol, get a token, sync a new device; a bad token is
     *  `unauthorised`. */
    private fun serverBin(): String {
        val bin = System.getProperty("donghaeng.syncServer") ?: "target/debug/donghaeng-sync-server"
        assertTrue("build it: cargo build -p donghaeng-sync-server ($bin)", File(bin).canExecute())
        return bin
    }

    /** The 동 of a nurse the admin created, her user id and her one-time enrolment code. */
    private data class Enrolment(val dong: String, val user: String, val code: String)

    /** An org tree with one nurse in a team of 역삼1동. */
    private fun nurseWithCode(bin: String, db: String): Enrolment {
        val city = field(admin(bin, db, "create-unit", "--kind", "city", "--name", "서울특별시"), "unit_id")
        val district = field(admin(bin, db, "create-unit", "--kind", "district", "--name", "강남구", "--parent", city), "unit_id")
        val dong = field(admin(bin, db, "create-unit", "--kind", "dong", "--name", "역삼1동", "--parent", district), "unit_id")
        val team = field(admin(bin, db, "create-unit", "--kind", "team", "--name", "복지1팀", "--parent", dong), "unit_id")
        val user = field(admin(bin, db, "create-user", "--unit", team, "--name", "김간호", "--role", "visiting_nurse"), "user_id")
        return Enrolment(dong, user, field(admin(bin, db, "issue-enrolment-code", "--user", user), "code"))
    }

    /** A district server whose certificate a private authority signed (as on a government network):
     *  the phone refuses it by default and trusts it once given that authority's root. */
    @Test
    fun privateAuthorityOverTls() {
        val bin = serverBin()
        val db = File(dir, "server.db").path
        val code = nurseWithCode(bin, db).code
        // A root authority and a server certificate for 127.0.0.1 signed by it (openssl CLI).
        val script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=Donghaeng test CA" 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
        """.trimIndent()
        val gen = ProcessBuilder("bash", "-c", script).directory(dir).redirectErrorStream(true).start()
        val genOut = gen.inputStream.bufferedReader().readText()
        assertTrue(gen.waitFor(60, TimeUnit.SECONDS))
        assertEquals(genOut, 0, gen.exitValue())
        val port = ServerSocket(0).use { it.localPort }
        server = ProcessBuilder(bin, "--db", db, "--addr", "127.0.0.1:$port",
            "--tls-cert", File(dir, "server.pem").path, "--tls-key", File(dir, "server.key").path)
            .redirectOutput(File(dir, "server.log")).redirectErrorStream(true).start()
        // Wait until it listens (a bounded wait for start-up, not a timing assertion).
        var up = false
        for (i in 0 until 300) {
            up = try { java.net.Socket("127.0.0.1", port).use { true } } catch (e: java.io.IOException) { false }
            if (up) break
            Thread.sleep(100)
        }
        assertTrue("server did not start: " + File(dir, "server.log").readText(), up)
        val base = "https://127.0.0.1:$port"
        val store = DonghaengStore.open(File(dir, "phone.db").path, KEY)
        val e = expectError<DonghaengException.Conflict>("server_certificate_untrusted") { SyncClient(base, null, 10u).enrol(store, code) }
        assertTrue(e.ko.isNotEmpty() && e.en.isNotEmpty())
        val roots = File(dir, "ca.pem").readText()
        val cred = SyncClient.withRootCertificates(base, null, 10u, roots).enrol(store, code)
        assertEquals(store.deviceId(), cred.deviceId)
        expectError<DonghaengException.Invalid>("root_certificate_invalid") {
            SyncClient.withRootCertificates(base, null, 10u, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        }
        expectError<DonghaengException.Invalid>("root_certificate_invalid") { SyncClient.withRootCertificates(base, null, 10u, "") }
        store.closeStore()
        store.destroy()
    }

    @Test
    fun realServerOnLoopback() {
        val bin = serverBin()
        val db = File(dir, "server.db").path
        val port = ServerSocket(0).use { it.localPort }
        val base = "http://127.0.0.1:$port"
        val (dong, user, code) = nurseWithCode(bin, db)
        server = ProcessBuilder(bin, "--db", db, "--addr", "127.0.0.1:$port")
            .redirectOutput(File(dir, "server.log")).redirectErrorStream(true).start()
        // Wait until it answers (not a timing assertion: a bounded wait for start-up).
        var up = false
        for (i in 0 until 300) {
            up = try {
                http.send(HttpRequest.newBuilder(URI.create("$base/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200
            } catch (e: java.io.IOException) { false }
            if (up) break
            Thread.sleep(100)
        }
        assertTrue("server did not start: " + File(dir, "server.log").readText(), up)
        // The phone enrols under its own device id and trades its credential for a token.
        val store = DonghaengStore.open(File(dir, "phone.db").path, KEY)
        assertEquals(0uL, store.pendingChanges())
        val anonymous = SyncClient(base, null, 10u)
        val cred = anonymous.enrol(store, code)
        assertEquals(store.deviceId(), cred.deviceId)
        assertEquals(user, cred.userId)
        assertEquals(Role.VISITING_NURSE, cred.role)
        // The same phone may enrol again (its first answer lost on the way): a fresh secret, and the
        // first one stops working.
        val retried = anonymous.enrol(store, code)
        assertEquals(cred.deviceId, retried.deviceId)
        assertTrue(retried.deviceSecret != cred.deviceSecret)
        expectError<DonghaengException.Conflict>("unauthorised") { anonymous.requestToken(store, cred) }
        val token = anonymous.requestToken(store, retried).accessToken
        // Another phone with the spent code is refused.
        val other = DonghaengStore.open(File(dir, "other.db").path, KEY)
        expectError<DonghaengException.Conflict>("unauthorised") { anonymous.enrol(other, code) }
        other.closeStore()
        other.destroy()
        // First sync: the four org units and the nurse herself (as a worker), published by the admin,
        // taken as a snapshot of the merged state (a new phone reads no change feed to get there).
        val progress = RecordingProgress(throwing = true)
        val client = SyncClient(base, token, 10u)
        val report = client.syncNow(store, progress)
        assertEquals(0uL, report.pushed)
        assertEquals(5uL, report.snapshotRecords)
        assertEquals(0uL, report.pulled)
        assertTrue(report.refused.isEmpty())
        assertEquals(listOf(SyncPhase.PULL), progress.calls.map { it.first }.distinct())
        // The listener threw on every call; the sync still finished and says so.
        assertEquals(progress.calls.size.toULong(), report.listenerFailures)
        // A household recorded offline reaches the server: pushed under the enrolled device id.
        store.createHousehold(NewHousehold(dongId = dong, headName = "김영수", address = "서울특별시 강남구 테헤란로 1", crisisLevel = 4))
        assertTrue(store.pendingChanges() > 0uL)
        val second = client.syncNow(store, null)
        assertTrue(second.pushed > 0uL)
        assertTrue(second.refused.isEmpty())
        assertEquals(0uL, store.pendingChanges())
        // A wrong token: the server says 401, the app asks the worker to sign in again.
        val e = expectError<DonghaengException.Conflict>("unauthorised") { SyncClient(base, "wrong", 10u).syncNow(store, null) }
        assertTrue(e.ko, e.ko.contains("다시 로그인"))
        // Given the credential instead of a token, a client fetches (and later renews) its own.
        val renewing = SyncClient(base, null, 10u)
        renewing.useCredential(retried)
        store.createHousehold(NewHousehold(dongId = dong, headName = "이순자", address = "서울특별시 강남구 테헤란로 2", crisisLevel = 3))
        val third = renewing.syncNow(store, null)
        assertTrue(third.pushed > 0uL)
        assertEquals(0uL, store.pendingChanges())
        expectError<DonghaengException.Invalid>("invalid_id") { renewing.useCredential(retried.copy(deviceId = "not-a-uuid")) }
        store.closeStore()
        store.destroy()
    }
}

class FacadeCoverageTest {
    /** The schedule and safety enums answer the core's codes and labels, all distinct. */
    @Test
    fun newEnumsHaveTheCoresCodesAndLabels() {
        val all: List<List<Triple<String, String, String>>> = listOf(
            DueReason.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
            UniversalCohort.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
            AfterCareClass.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
            UnplannedCode.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
            SafetySessionStatus.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
            LadderTarget.values().map { Triple(it.code(), it.labelKo(), it.labelEn()) },
        )
        for (values in all) {
            assertEquals(values.size, values.map { it.first }.toSet().size)
            values.forEach { (code, ko, en) ->
                assertTrue(code, code.matches(Regex("[a-z0-9_]+")))
                assertTrue(ko.isNotBlank() && en.isNotBlank())
            }
        }
        assertEquals("check_in_due", SafetySessionStatus.CHECK_IN_DUE.code())
        assertEquals("긴급신고 안내(112/119)", LadderTarget.EMERGENCY.labelKo())
        assertEquals("service_linked", AfterCareClass.SERVICE_LINKED.code())
        assertEquals("age_70", UniversalCohort.AGE70.code())
        assertEquals("teams_fully_booked", UnplannedCode.TEAMS_FULLY_BOOKED.code())
        assertEquals("3개월 연락 두절: 종결 검토", DueReason.SUGGEST_CLOSURE.labelKo())
    }

    private fun declared(c: Class<*>) = c.declaredMethods.map { it.name.substringBefore("-") }.toSet()

    /** Every public method of the new facade objects, and every top-level function, is called above;
     *  a new one fails here until a test calls it and it is listed. */
    @Test
    fun everyFacadeMethodIsCovered() {
        assertEquals(setOf("evaluate", "evaluateJson", "loadParameterTable"), declared(EligibilityEngineInterface::class.java))
        assertEquals(
            setOf("start", "unsavedEvents", "setPins", "checkIn", "extendReturn", "checkOut", "sos", "cancelSos", "tick",
                "nextDeadlineMs", "status", "sessionId", "listenerFailures"),
            declared(SafetySessionInterface::class.java),
        )
        assertEquals(setOf("syncNow", "serverUrl", "enrol", "requestToken", "useCredential"), declared(SyncClientInterface::class.java))
        assertEquals(setOf("enrolledUser", "enrol", "syncNow", "serverUrl"), declared(DeviceAccountInterface::class.java))
        val topLevel = Class.forName("kr.donghaeng.ffi.Donghaeng_ffiKt").declaredMethods
            .filter { java.lang.reflect.Modifier.isPublic(it.modifiers) }
            .map { it.name.substringBefore("-") }
            // Generated helpers: uniffi* and compiler accessors (access$…), and Disposable.use.
            .filter { !it.startsWith("uniffi") && !it.contains('$') && it != "use" }
            .toSet()
        assertEquals(
            setOf("eligibilityPrograms", "cadenceAgenda", "planDay", "dayVisitForDueItem", "crisisLevelLabel",
                "resumeSafetySession", "encryptPlainDatabase", "isPlainDatabase", "serviceItemInfo", "serviceItems",
                "parseEnrolmentInput", "adviceFor", "safetyContactsNeeded"),
            topLevel,
        )
    }
}
