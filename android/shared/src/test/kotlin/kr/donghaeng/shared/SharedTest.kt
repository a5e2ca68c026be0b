package kr.donghaeng.shared

import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
import java.time.ZoneId
import java.time.ZonedDateTime
import java.util.concurrent.CopyOnWriteArrayList
import kr.donghaeng.core.*
import kr.donghaeng.ffi.*
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

fun kstMs(y: Int, mo: Int, d: Int, h: Int, mi: Int = 0): Long =
    ZonedDateTime.of(y, mo, d, h, mi, 0, 0, ZoneId.of("Asia/Seoul")).toInstant().toEpochMilli()

const val MINUTE = 60_000L

/** The store's key (the app's comes from Android Keystore: DatabaseKey in :app). */
val DB_KEY: ByteArray = ByteArray(32) { (31 - it).toByte() }

/** A clock the test moves. */
class TestClock(var now: Long) : Clock {
    override fun nowMs() = now
}

/** A small 동 in a real store file: a planner and a nurse of one team, one household. */
open class WithStore {
    lateinit var dir: File
    lateinit var store: DonghaengStore
    lateinit var district: OrgUnit
    lateinit var dong: OrgUnit
    lateinit var planner: Worker
    lateinit var nurse: Worker
    lateinit var household: Household

    @Before
    fun openStore() {
        dir = Files.createTempDirectory("donghaeng-shared").toFile()
        store = DonghaengStore.open(File(dir, "app.db").path, DB_KEY)
        val city = store.createOrgUnit(OrgUnitKind.CITY, "서울특별시", null)
        district = store.createOrgUnit(OrgUnitKind.DISTRICT, "강남구", city.id)
        dong = store.createOrgUnit(OrgUnitKind.DONG, "역삼1동", district.id)
        val team = store.createOrgUnit(OrgUnitKind.TEAM, "맞춤형복지팀", dong.id)
        planner = store.createWorker(NewWorker(team.id, "박복지", listOf(Role.WELFARE_PLANNER), "010-0000-0001"))
        nurse = store.createWorker(NewWorker(team.id, "이간호", listOf(Role.VISITING_NURSE), "010-0000-0002"))
        household = store.createHousehold(
            NewHousehold(dongId = dong.id, headName = "김영희", address = "테헤란로 123", crisisLevel = 5, riskFlags = listOf(RiskFlag.DOG))
        )
    }

    @After
    fun closeStore() {
        store.closeStore()
        store.destroy()
        dir.deleteRecursively()
    }
}

class VisitDayPresenterTest : WithStore() {
    @Test
    fun agendaRowsAndTheVisitLifeCycle() {
        val clock = TestClock(kstMs(2026, 11, 2, 8))
        val v = store.planVisit(
            NewVisit(householdId = household.id, purpose = VisitPurpose.CRISIS_MONITORING, contactMode = ContactMode.HOME,
                windowStartMs = kstMs(2026, 11, 2, 10), windowEndMs = kstMs(2026, 11, 2, 11), assigned = listOf(planner.id, nurse.id))
        )
        val p = VisitDayPresenter(store, nurse.id, clock)
        p.load()
        val s = p.state.value
        assertEquals("2026-11-02", s.day)
        assertNull(s.error)
        // No ladder published for the team in this store: the assessment asks for the contacts.
        assertTrue(s.askSafetyContacts)
        val row = s.rows.single()
        assertEquals("10:00–11:00", row.time)
        assertEquals("김영희", row.headName)
        assertEquals(crisisLevelLabel(5).ko, row.crisis)
        assertEquals(listOf(RiskFlag.DOG.labelKo()), row.risks)
        assertEquals(listOf("박복지"), row.partners)
        assertTrue(row.needsSafetySession)
        clock.now = kstMs(2026, 11, 2, 10, 5)
        assertTrue(p.start(v.id))
        assertEquals(VisitStatus.IN_PROGRESS, p.state.value.rows.single().status)
        clock.now = kstMs(2026, 11, 2, 10, 50)
        assertTrue(p.complete(v.id, VisitOutcome.MET, "안부 확인"))
        val done = p.state.value.rows.single()
        assertEquals(VisitStatus.COMPLETED, done.status)
        assertFalse(done.needsSafetySession)
        // Completing twice is the core's refusal, shown as an error; the rows stay.
        assertFalse(p.complete(v.id, VisitOutcome.MET))
        assertEquals("visit_transition_not_allowed", p.state.value.error?.code)
        assertEquals(1, p.state.value.rows.size)
    }

    @Test
    fun aBadDayIsShownNotThrown() {
        val p = VisitDayPresenter(store, nurse.id)
        p.load("2026-02-30")
        assertEquals("invalid_date", p.state.value.error?.code)
        assertFalse(p.state.value.loading)
    }
}

class SafetySessionViewModelTest : WithStore() {
    private val alarms = CopyOnWriteArrayList<Long?>()
    private val sent = CopyOnWriteArrayList<Triple<List<String>, String, Boolean>>()
    private val start = kstMs(2026, 11, 2, 10)

    private fun vm(clock: TestClock, worker: Worker = planner) = SafetySessionViewModel(
        "phone-1", store, worker.id, { alarms.add(it) }, { r, text, silent -> sent.add(Triple(r.map { it.phone }, text, silent)) }, clock,
    )

    private fun request() = SafetyStartRequest(
        householdId = household.id, workerIds = listOf(planner.id, nurse.id), starterId = planner.id,
        expectedReturnMs = start + 60 * MINUTE, assessment = SafetyAssessment(true, true, true, true, null),
        teamLead = SafetyContact("최팀장", "010-0000-0100"), dongHead = SafetyContact("정동장", "010-0000-0200"),
        contactMode = ContactMode.HOME,
    )

    @Test
    fun timerPromptAndEscalationReachTheAlarmAndSms() {
        val clock = TestClock(start)
        val vm = vm(clock)
        assertTrue(vm.start(request()))
        assertEquals(SafetySessionStatus.OPEN, vm.state.value.status)
        assertEquals(60 * MINUTE, vm.state.value.remainingMs)
        // The OS alarm is set to the core's next deadline: the expected return.
        assertEquals(start + 60 * MINUTE, alarms.last())
        clock.now = start + 45 * MINUTE
        vm.refresh()
        assertEquals(15 * MINUTE, vm.state.value.remainingMs)
        // The alarm fires: the screen asks "are you safe?".
        clock.now = start + 60 * MINUTE
        vm.onAlarm()
        assertTrue(vm.state.value.prompt!!.startsWith("안전하신가요?"))
        assertEquals(SafetySessionStatus.CHECK_IN_DUE, vm.state.value.status)
        assertTrue(sent.isEmpty())
        // No answer within the grace period: the partner gets the SMS.
        clock.now = start + 70 * MINUTE
        vm.onAlarm()
        assertEquals(SafetySessionStatus.ESCALATING, vm.state.value.status)
        assertTrue(sent.single().first.contains("010-0000-0002"))
        assertFalse(sent.single().third)
        // "I am safe" answers the prompt; the partner is told at once that all is clear.
        vm.checkIn()
        assertNull(vm.state.value.prompt)
        assertEquals(2, sent.size)
        assertTrue(sent[1].second, sent[1].second.contains("상황 해제"))
        vm.extend(30)
        assertEquals(start + 100 * MINUTE, vm.state.value.expectedReturnMs)
        assertEquals(start + 100 * MINUTE, alarms.last())
        vm.close()
    }

    @Test
    fun aKilledAppResumesTheSessionFromTheStore() {
        val clock = TestClock(start)
        val sms = SmsSender { r, t, s -> sent.add(Triple(r.map { it.phone }, t, s)) }
        assertNull(SafetySessionViewModel.resumeOrNull("phone-1", store, planner.id, { alarms.add(it) }, sms, clock))
        val vm = SafetySessionViewModel("phone-1", store, planner.id, { alarms.add(it) }, { _, _, _ -> }, clock)
        vm.start(request())
        clock.now = start + 60 * MINUTE
        vm.onAlarm()
        assertNotNull(vm.state.value.prompt)
        assertEquals(0L, vm.state.value.unsavedEvents)
        vm.close() // the process is killed; the store is opened again by the new process
        store.closeStore()
        store = DonghaengStore.open(File(dir, "app.db").path, DB_KEY)
        alarms.clear()
        clock.now = start + 65 * MINUTE
        val back = SafetySessionViewModel.resumeOrNull("phone-1", store, planner.id, { alarms.add(it) }, sms, clock)!!
        assertEquals(SafetySessionStatus.CHECK_IN_DUE, back.state.value.status)
        // The OS alarm is set again, to the first escalation step (the prompt is not repeated).
        assertEquals(start + 70 * MINUTE, alarms.last())
        clock.now = start + 70 * MINUTE
        back.onAlarm()
        assertEquals(SafetySessionStatus.ESCALATING, back.state.value.status)
        assertEquals(1, sent.size)
        back.close()
    }

    /** Without a published ladder for the team, the contacts must be given; neither: a clear error. */
    @Test
    fun withoutALadderOrContactsTheSessionDoesNotStart() {
        val vm = vm(TestClock(start))
        assertFalse(vm.start(request().copy(teamLead = null, dongHead = null)))
        assertEquals("safety_ladder_missing", vm.state.value.error?.code)
        assertEquals(null, vm.session.sessionId())
        assertTrue(vm.start(request()))
        vm.close()
    }

    /** The PINs survive the kill too: the resumed session still asks for the PIN, and the duress PIN
     *  still raises the silent alarm behind a normal-looking receipt. */
    @Test
    fun aResumedSessionKeepsThePinsAndTheDuressPin() {
        val clock = TestClock(start)
        val sms = SmsSender { r, t, s -> sent.add(Triple(r.map { it.phone }, t, s)) }
        val vm = vm(clock)
        vm.session.setPins(planner.id, "2468", "1357")
        assertTrue(vm.start(request()))
        vm.close()
        store.closeStore()
        store = DonghaengStore.open(File(dir, "app.db").path, DB_KEY)
        clock.now = start + 20 * MINUTE
        val back = SafetySessionViewModel.resumeOrNull("phone-1", store, planner.id, { alarms.add(it) }, sms, clock)!!
        assertFalse(back.checkOut(null))
        assertEquals("pin_required", back.state.value.error?.code)
        assertFalse(back.checkOut("0000"))
        assertEquals(SafetySessionStatus.OPEN, back.state.value.status)
        assertTrue(back.checkOut("1357"))
        assertEquals("복귀 처리되었습니다. 수고하셨습니다.", back.state.value.receipt)
        // The duress check-out's alarm went out silently, to the team lead.
        val (to, _, silent) = sent.single()
        assertTrue(silent)
        assertTrue("010-0000-0100" in to)
        back.close()
    }

    @Test
    fun sosIsSentAtOnceAndCanBeWithdrawn() {
        val clock = TestClock(start + 5 * MINUTE)
        val vm = vm(clock)
        vm.start(request())
        vm.sos()
        assertNotNull(vm.state.value.sosEventId)
        val (to, text, silent) = sent.single()
        assertEquals(setOf("010-0000-0002", "010-0000-0100"), to.toSet())
        assertTrue(text.contains("SOS"))
        assertFalse(silent)
        vm.cancelSos("오조작")
        assertNull(vm.state.value.sosEventId)
        assertEquals(2, sent.size) // the all-clear
        vm.close()
    }

    @Test
    fun duressCheckOutLooksExactlyLikeANormalOne() {
        fun run(pin: String): Pair<SafetyUiState, List<Triple<List<String>, String, Boolean>>> {
            sent.clear()
            val clock = TestClock(start)
            val vm = vm(clock)
            vm.start(request())
            vm.session.setPins(planner.id, "1234", "9999")
            clock.now = start + 40 * MINUTE
            assertFalse(vm.checkOut("1111"))
            assertEquals("pin_incorrect", vm.state.value.error?.code)
            assertTrue(vm.checkOut(pin))
            val s = vm.state.value
            vm.close()
            return s.copy(error = null) to sent.toList()
        }
        val (normal, normalSms) = run("1234")
        val (duress, duressSms) = run("9999")
        assertEquals("복귀 처리되었습니다. 수고하셨습니다.", normal.receipt)
        assertEquals(SafetySessionStatus.CLOSED, normal.status)
        // What the screen shows is the same, field for field.
        assertEquals(normal, duress)
        assertTrue(normalSms.isEmpty())
        // The duress alarm went out silently to the team lead.
        val (to, _, silent) = duressSms.single()
        assertEquals(listOf("010-0000-0100"), to)
        assertTrue(silent)
    }

    @Test
    fun refusalsAreShownAsErrors() {
        val vm = vm(TestClock(start))
        assertFalse(vm.start(request().copy(workerIds = listOf(planner.id))))
        assertEquals("safety_pair_required", vm.state.value.error?.code)
        assertFalse(vm.state.value.started)
        vm.checkIn()
        assertEquals("no_open_session", vm.state.value.error?.code)
        vm.close()
    }
}

class WellnessFormTest : WithStore() {
    @Test
    fun everyItemMustBeAnsweredThenTheCoreJudges() {
        val f = WellnessForm(store, household.id, nurse.id, null, ContactMode.HOME, TestClock(kstMs(2026, 11, 2, 10)))
        assertFalse(f.submit())
        assertEquals(WellnessItem.values().map { "checklist.${it.field}" }, f.state.value.errors.map { it.field })
        WellnessItem.values().forEach { f.answer(it, Observation.GOOD) }
        f.answer(WellnessItem.HEALTH, Observation.URGENT)
        f.setNote("x".repeat(MAX_WELLNESS_NOTE + 1))
        assertFalse(f.submit())
        assertEquals(listOf("note"), f.state.value.errors.map { it.field })
        f.setNote("  어지럼증 호소  ")
        f.setNeedsReferral(true)
        assertTrue(f.submit())
        val saved = f.state.value.saved!!
        assertEquals("어지럼증 호소", saved.note)
        assertTrue(saved.checklist.isUrgent()) // the core's judgement, not the form's
        assertTrue(saved.checklist.needsReferral)
        assertEquals(saved, store.getWellnessCheck(saved.id))
    }

    @Test
    fun aCoreRefusalComesBackOnItsField() {
        // A visit of another household: the core refuses it on the form's visit field.
        val other = store.createHousehold(NewHousehold(dongId = dong.id, headName = "박철수", address = "역삼로 7", crisisLevel = 2))
        val visit = store.planVisit(
            NewVisit(householdId = other.id, purpose = VisitPurpose.CRISIS_MONITORING, contactMode = ContactMode.HOME,
                windowStartMs = kstMs(2026, 11, 2, 10), windowEndMs = kstMs(2026, 11, 2, 11), assigned = listOf(planner.id, nurse.id))
        )
        val f = WellnessForm(store, household.id, nurse.id, visit.id)
        WellnessItem.values().forEach { f.answer(it, Observation.NOT_CHECKED) }
        assertFalse(f.submit())
        assertEquals("wellness.visit_id", f.state.value.errors.single().field)
        assertNull(f.state.value.saved)
    }
}

class ServiceFormTest : WithStore() {
    private val today = TestClock(kstMs(2026, 11, 2, 10))

    @Test
    fun theItemDecidesTheFieldsAndTheCoreChecksTheRest() {
        val f = ServiceForm(store, household.id, nurse.id, clock = today)
        assertEquals("2026-11-02", f.state.value.providedOn)
        assertFalse(f.submit())
        assertEquals(listOf("service.item"), f.state.value.errors.map { it.field })
        assertEquals(10, f.items(ServiceProgram.CARE_SOS).size)

        // 단기시설: days, with the fee: 3 × 60,490원.
        f.choose(ServiceItem.SHORT_STAY)
        assertTrue(f.state.value.showsQuantity && f.state.value.showsAmount && !f.state.value.amountRequired)
        assertEquals("일", f.state.value.quantityUnit)
        f.setQuantity("3일")
        f.setAmount("백팔십일만원")
        assertFalse(f.submit())
        assertEquals(listOf("service.amount_won"), f.state.value.errors.map { it.field })
        f.setAmount("181,470원")
        assertTrue(f.submit())
        val stay = f.state.value.saved!!
        assertEquals(listOf(3L, 181_470L), listOf(stay.quantity, stay.amountWon))
        assertEquals("2026-11-02", stay.providedOn)

        // 생계비: the quantity typed for the stay is emptied, not saved with it; an empty amount is the
        // core's refusal, shown on its field in Korean.
        f.choose(ServiceItem.LIVING)
        assertEquals("", f.state.value.quantity)
        assertFalse(f.state.value.showsQuantity)
        assertTrue(f.state.value.amountRequired)
        f.setAmount("")
        assertFalse(f.submit())
        val e = f.state.value.errors.single()
        assertEquals(listOf("amount_required", "service.amount_won"), listOf(e.code, e.field))
        assertTrue(e.ko, e.ko.contains("생계비"))
        // A day after today is the core's refusal too.
        f.setAmount("300,000")
        f.setProvidedOn("2999-01-01")
        assertFalse(f.submit())
        assertEquals("date_in_future", f.state.value.errors.single().code)

        // 안부확인 (linked): nothing but the day.
        f.choose(ServiceItem.WELLBEING_CHECK)
        assertFalse(f.state.value.showsQuantity || f.state.value.showsAmount)
        f.setProvidedOn("2026-11-02")
        f.setNote("  전화로 안부 확인  ")
        assertTrue(f.submit())
        val check = f.state.value.saved!!
        assertEquals(listOf(null, null), listOf(check.quantity, check.amountWon))
        assertEquals("전화로 안부 확인", check.note)
        // Only the two saved records, newest first: the refused attempts wrote nothing.
        assertEquals(listOf(check.id, stay.id), store.servicesOfHousehold(household.id).map { it.id })
    }

    @Test
    fun aCorrectionStartsFromTheRecordAndReplacesIt() {
        val living = store.recordService(NewServiceProvision(householdId = household.id, item = ServiceItem.LIVING, providedOn = "2026-10-05",
            recordedBy = planner.id, amountWon = 300_000))
        val f = ServiceForm(store, household.id, planner.id, corrects = living, clock = today)
        assertEquals(listOf("2026-10-05", "300000"), listOf(f.state.value.providedOn, f.state.value.amount))
        assertEquals(ServiceItem.LIVING, f.state.value.item?.item)
        // Two members: 50만원, not 30만원.
        f.setAmount("500,000")
        assertTrue(f.submit())
        val fixed = f.state.value.saved!!
        assertEquals(living.id, fixed.corrects)
        assertEquals(listOf(fixed), store.servicesOfHousehold(household.id))
        val usage = store.serviceYearUsage(household.id, 2026).single()
        assertEquals(listOf(1uL, 500_000L), listOf(usage.count, usage.amountWon))
    }
}

class EligibilityCalculatorTest {
    private val engine = EligibilityEngine()

    @After
    fun tearDown() = engine.destroy()

    private fun example(c: EligibilityCalculator) = c.edit {
        it.copy(asOf = "2022-06-15", size = "2", memberBirthDates = listOf("1950-03-02"), monthlyIncome = "1,500,000",
            property = "120,000,000", financialAssets = "3000000원", crisisReasons = setOf("job_loss"), requestedItems = setOf("living"))
    }

    @Test
    fun theFormBecomesTheCoresInputAndTheDecisionCards() {
        val c = EligibilityCalculator(engine)
        example(c)
        assertTrue(c.evaluate())
        val s = c.state.value
        assertTrue(s.errors.isEmpty())
        val ew = s.cards.first { it.title == "서울형 긴급복지" }
        assertEquals(EligibilityDecision.ELIGIBLE, ew.decision)
        assertTrue(ew.amounts.toString(), ew.amounts.contains("생계비 최대 500,000원"))
        assertTrue(ew.checks.any { it.startsWith("✓ 소득 1,500,000원 ≤ 기준 3,260,085원") })
        assertTrue(s.text.contains("자격 판정 기준일 / evaluated on: 2022-06-15"))
        // One won over the line: the core's answer changes, the calculator only shows it.
        c.edit { it.copy(monthlyIncome = "3,260,086") }
        c.evaluate()
        assertEquals(EligibilityDecision.CASE_CONFERENCE, c.state.value.cards.first { it.title == "서울형 긴급복지" }.decision)
    }

    @Test
    fun todayEvaluatesEveryProgramWithProvisionalFiguresFlagged() {
        // The calculator defaults to today (this used to fail for every program).
        val c = EligibilityCalculator(engine, Clock { 1_796_266_800_000L }) // 2026-12-03 12:00 KST
        assertEquals("2026-12-03", c.state.value.form.asOf)
        c.edit { it.copy(size = "2", memberBirthDates = listOf("1950-03-02"), monthlyIncome = "1,500,000",
            recognisedIncome = "1,700,000", property = "120,000,000", financialAssets = "3,000,000") }
        assertTrue(c.state.value.errors.toString(), c.evaluate())
        val cards = c.state.value.cards
        assertEquals(6, cards.size)
        assertTrue(cards.none { it.decision == EligibilityDecision.NOT_EVALUATED })
        val bs = cards.first { it.title == "서울형 기초보장" }
        assertTrue(bs.provisional)
        assertTrue(bs.checks.toString(), bs.checks.any { it.contains("소득인정액 1,700,000원") })
        assertTrue(bs.notes.any { it.startsWith("잠정 기준") })
    }

    @Test
    fun typingErrorsAndCoreErrorsLandOnTheirFields() {
        val c = EligibilityCalculator(engine)
        example(c)
        c.edit { it.copy(monthlyIncome = "백만원", size = "two") }
        assertFalse(c.evaluate())
        assertEquals(setOf("household.size", "household.monthly_income_won"), c.state.value.errors.map { it.field }.toSet())
        c.edit { it.copy(monthlyIncome = "-5", size = "2") }
        assertFalse(c.evaluate())
        val e = c.state.value.errors.single()
        assertEquals("household.monthly_income_won", e.field)
        assertTrue(c.state.value.cards.isEmpty())
    }
}

/** The calculator on a stored household: `evaluateHousehold` reads its members and recorded support. */
class HouseholdEligibilityTest : WithStore() {
    private val engine = EligibilityEngine()

    @After
    fun closeEngine() = engine.destroy()

    private fun living(h: String, on: String, kind: SupportKind) = store.recordService(
        NewServiceProvision(householdId = h, item = ServiceItem.LIVING, providedOn = on, recordedBy = planner.id,
            amountWon = 300_000, crisisReason = CrisisReason.UTILITY_CUTOFF, supportKind = kind)
    )

    private fun EligibilityCalculator.enterMoney(extra: Boolean) = edit {
        it.copy(monthlyIncome = "1,000,000", property = "50,000,000", financialAssets = "1,000,000",
            crisisReasons = setOf("utility_cutoff"), requestedItems = setOf("living"), extraPayment = extra)
    }

    private fun EligibilityCalculator.emergency() = state.value.cards.first { it.title == "서울형 긴급복지" }

    @Test
    fun aLonelyDeathSingleHouseholdGetsAThirdPaymentNotAFourth() {
        val lonely = store.createHousehold(
            NewHousehold(dongId = dong.id, headName = "박순자", address = "역삼로 5", crisisLevel = 4,
                tags = listOf(HouseholdTag.LONELY_DEATH_RISK, HouseholdTag.LIVES_ALONE))
        )
        store.addPerson(NewPerson(lonely.id, "박순자", "1958-02-01", Sex.FEMALE, Relation.HEAD, Disability.NONE))
        // The first payment through the service form, with its crisis reason.
        val form = ServiceForm(store, lonely.id, planner.id)
        form.choose(ServiceItem.LIVING)
        assertTrue(form.state.value.showsCrisis)
        form.setProvidedOn("2026-09-01")
        form.setAmount("300,000원")
        form.setCrisis(CrisisReason.UTILITY_CUTOFF)
        assertTrue(form.state.value.errors.toString(), form.submit())
        val first = form.state.value.saved!!
        assertEquals(CrisisReason.UTILITY_CUTOFF, store.getService(first.id).crisisReason)
        assertEquals(SupportKind.NEW, first.supportKind)
        val second = living(lonely.id, "2026-10-01", SupportKind.EXTRA)
        val c = EligibilityCalculator(engine, Clock { kstMs(2026, 11, 2, 10) }, HouseholdSource(store, lonely.id))
        assertEquals("2026-11-02", c.state.value.form.asOf)
        c.enterMoney(extra = true)
        assertTrue(c.state.value.errors.toString(), c.evaluate())
        var ew = c.emergency()
        assertEquals(EligibilityDecision.ELIGIBLE, ew.decision)
        assertTrue(ew.checks.toString(), ew.checks.any { it.startsWith("✓ 추가지원 가능") && it.contains("생계비 추가지원 1/2회 사용") && it.contains(second.id) })
        assertTrue(ew.checksEn.toString(), ew.checksEn.any { it.startsWith("✓ extra payment possible") })
        assertTrue(ew.notes.toString(), ew.notes.any { it.startsWith("서비스 제공 기록에서 반영한") && it.contains(first.id) })
        assertTrue(ew.amounts.contains("생계비 최대 300,000원"))

        // The third payment recorded: a fourth is refused, as an extra payment and as new support.
        living(lonely.id, "2026-11-02", SupportKind.EXTRA)
        assertTrue(c.evaluate())
        ew = c.emergency()
        assertEquals(EligibilityDecision.INELIGIBLE, ew.decision)
        assertTrue(ew.checks.toString(), ew.checks.any { it.startsWith("✗ 추가지원 불가") && it.contains("2/2회") })
        c.enterMoney(extra = false)
        assertTrue(c.evaluate())
        ew = c.emergency()
        assertEquals(EligibilityDecision.INELIGIBLE, ew.decision)
        assertTrue(ew.checks.toString(), ew.checks.any { it.startsWith("✗ 같은 위기사유") && it.contains("2027-02-02부터 재지원 가능") })
    }

    @Test
    fun careSosCountsTheMealsUsedEarlierInTheYear() {
        store.addPerson(NewPerson(household.id, "김영희", "1950-03-02", Sex.FEMALE, Relation.HEAD, Disability.NONE))
        store.recordService(NewServiceProvision(householdId = household.id, item = ServiceItem.MEALS, providedOn = "2026-03-10",
            recordedBy = planner.id, quantity = 20, amountWon = 208_000))
        val c = EligibilityCalculator(engine, Clock { kstMs(2026, 12, 3, 10) }, HouseholdSource(store, household.id))
        c.edit { it.copy(monthlyIncome = "1,000,000", property = "50,000,000", financialAssets = "1,000,000", careMeals = "15") }
        assertTrue(c.state.value.errors.toString(), c.evaluate())
        val care = c.state.value.cards.first { it.title == "돌봄SOS" }
        assertEquals(EligibilityDecision.ELIGIBLE, care.decision)
        // 30 meals a year, 20 used: 10 × 10,400원 (2026).
        assertTrue(care.amounts.toString(), care.amounts.contains("돌봄SOS 지원 합계 104,000원"))
        assertTrue(care.notes.toString(), care.notes.any { it.contains("식사지원 20식") })
    }

    @Test
    fun errorsLandOnTheirFields() {
        // The fixture's household has no member recorded: the size must be entered.
        val c = EligibilityCalculator(engine, Clock { kstMs(2026, 12, 3, 10) }, HouseholdSource(store, household.id))
        c.enterMoney(extra = false)
        assertFalse(c.evaluate())
        assertEquals("facts.household_size", c.state.value.errors.single().field)
        c.edit { it.copy(householdSizeOverride = "한 명") }
        assertFalse(c.evaluate())
        assertEquals("facts.household_size", c.state.value.errors.single().field)
        c.edit { it.copy(householdSizeOverride = "1") }
        assertTrue(c.state.value.errors.toString(), c.evaluate())
        assertEquals(EligibilityDecision.ELIGIBLE, c.emergency().decision)
        val unknown = EligibilityCalculator(engine, Clock { kstMs(2026, 12, 3, 10) },
            HouseholdSource(store, "0190a000-0000-7000-8000-000000000000"))
        unknown.enterMoney(extra = false)
        assertFalse(unknown.evaluate())
        assertEquals("household_not_found", unknown.state.value.errors.single().code)
    }
}

/** The app's credential vault (Keystore / Keychain on the phone) in memory. */
class MemoryVault(@Volatile var credential: DeviceCredential? = null) : CredentialVault {
    var cleared = 0
    override fun load() = credential
    override fun save(credential: DeviceCredential) { this.credential = credential }
    override fun clear() { credential = null; cleared++ }
}

class SyncStatusViewModelTest : WithStore() {
    @Test
    fun offlineSyncKeepsTheChangesShowsTheBannerAndSaysRetryLater() {
        val port = ServerSocket(0).use { it.localPort }
        val vault = MemoryVault(DeviceCredential(store.deviceId(), "secret", nurse.id, Role.VISITING_NURSE))
        val account = DeviceAccount("http://127.0.0.1:$port", 5u, null, vault)
        val vm = SyncStatusViewModel(store, { account }, onRevoked = { throw AssertionError("not revoked") })
        vm.refresh()
        val pending = vm.state.value.pending
        assertTrue(pending > 0)
        assertFalse(vm.state.value.offline)
        assertFalse(vm.syncNow())
        val failed = vm.state.value.sync as SyncUi.Failed
        assertEquals("offline", failed.error.code)
        assertEquals(NextStep.RETRY_LATER, failed.advice.step)
        assertEquals(pending, vm.state.value.pending)
        assertNull(vm.state.value.lastSuccessMs)
        assertTrue(vm.state.value.offline)
        // The outcome is the store's: a new screen over the same store shows the banner too.
        val again = SyncStatusViewModel(store, { account })
        again.refresh()
        assertTrue(again.state.value.offline)
        assertEquals(0, vault.cleared)
    }

    @Test
    fun withoutEnrolmentSyncSaysEnrolFirst() {
        val vm = SyncStatusViewModel(store, { null })
        assertFalse(vm.syncNow())
        val failed = vm.state.value.sync as SyncUi.Failed
        assertEquals("not_enrolled", failed.error.code)
        assertEquals(NextStep.ENROL_AGAIN, failed.advice.step)
        // An account with an empty vault says the same, through the core.
        val account = DeviceAccount("http://127.0.0.1:9", 5u, null, MemoryVault())
        assertNull(account.enrolledUser())
        val viaCore = SyncStatusViewModel(store, { account })
        assertFalse(viaCore.syncNow())
        assertEquals("not_enrolled", (viaCore.state.value.sync as SyncUi.Failed).error.code)
    }

    @Test
    fun progressAndAdvice() {
        val vm = SyncStatusViewModel(store, { throw AssertionError("not used") })
        val seen = mutableListOf<SyncUi>()
        vm.state.observe { seen.add(it.sync) }
        vm.onProgress(SyncPhase.PULL, 2500uL, 10000uL)
        assertEquals(25, (vm.state.value.sync as SyncUi.Running).percent)
        assertEquals(listOf(SyncUi.Idle, SyncUi.Running(SyncPhase.PULL, 2500, 10000)), seen)
        assertEquals(NextStep.ENROL_AGAIN, adviceFor("unauthorised").step)
        assertEquals(NextStep.WIPE_AND_ENROL, adviceFor("device_revoked").step)
        assertEquals(NextStep.UPDATE_APP, adviceFor("incompatible_version").step)
        assertEquals(NextStep.RETRY_LATER, adviceFor("timeout").step)
        assertEquals(NextStep.ENTER_NEW_CODE, adviceFor("enrolment_code_refused").step)
        assertEquals(NextStep.CONTACT_SUPPORT, adviceFor("something_new").step)
        assertTrue(adviceFor("offline").titleKo.isNotBlank() && adviceFor("offline").bodyEn.isNotBlank())
    }
}

class EnrolmentViewModelTest : WithStore() {
    @Test
    fun aScannedQrFillsTheFormAndABadCodeSendsNothing() {
        val asked = mutableListOf<String>()
        val vm = EnrolmentViewModel(store, { url -> asked.add(url); DeviceAccount(url, 5u, null, MemoryVault()) }, "https://sync.example.kr")
        vm.onScanned("donghaeng://enrol?server=https%3A%2F%2Fsync.gangnam.example.kr&code=7KQ2-M9XD-4B")
        assertEquals("https://sync.gangnam.example.kr", vm.state.value.serverUrl)
        assertEquals("7KQ2M9XD4B", vm.state.value.code)
        vm.onScanned("not a code")
        assertEquals("enrolment_code_malformed", vm.state.value.error?.code)
        assertEquals(NextStep.ENTER_NEW_CODE, vm.state.value.advice?.step)
        vm.onCodeChanged("12")
        assertNull(vm.state.value.error)
        assertNull(vm.enrol())
        assertEquals("enrolment_code_malformed", vm.state.value.error?.code)
        assertEquals("code", vm.state.value.error?.field)
        assertFalse(vm.state.value.busy)
        assertNull(vm.state.value.enrolled)
        // A well-formed code to a server that is not there: offline, retry later.
        vm.onServerUrlChanged("http://127.0.0.1:${ServerSocket(0).use { it.localPort }}")
        vm.onCodeChanged("7KQ2M9XD4B")
        assertNull(vm.enrol())
        assertEquals("offline", vm.state.value.error?.code)
        assertEquals(NextStep.RETRY_LATER, vm.state.value.advice?.step)
    }
}

class HouseholdPresenterTest : WithStore() {
    @Test
    fun detailMembersCaseAndHistoryPageByPage() {
        store.addPerson(NewPerson(householdId = household.id, name = "김영희", birthDate = "1948-05-01", sex = Sex.FEMALE, relation = Relation.HEAD, disability = Disability.NONE))
        store.openCase(household.id, planner.id, "2026-10-01")
        // Three notes a day apart: a page of 2, then the last one.
        for (d in 1..3) {
            store.addCaseNote(NewCaseNote(householdId = household.id, authorId = planner.id, writtenAtMs = kstMs(2026, 10, d, 9), body = "메모 $d"))
        }
        val p = HouseholdPresenter(store, household.id, pageSize = 2)
        p.load()
        val s = p.state.value
        assertNull(s.error)
        assertEquals("김영희", s.headName)
        assertEquals(crisisLevelLabel(5).ko, s.crisis)
        assertEquals(listOf(RiskFlag.DOG.labelKo()), s.risks)
        assertEquals(listOf("김영희 (1948-05-01, ${Relation.HEAD.labelKo()})"), s.members)
        assertNotNull(s.openCase)
        assertEquals(listOf("메모 3", "메모 2"), s.history.map { it.text })
        assertTrue(s.hasMore)
        p.loadMore()
        assertEquals(listOf("메모 3", "메모 2", "메모 1"), p.state.value.history.map { it.text })
        assertFalse(p.state.value.hasMore)
        assertEquals("2026-10-01", p.state.value.history.last().date)
    }

    @Test
    fun servicesProvidedShowInTheHistoryAsTheyWereRecorded() {
        val base = NewServiceProvision(householdId = household.id, item = ServiceItem.TEMPORARY_HOME_CARE, providedOn = "2026-10-01",
            recordedBy = planner.id, quantity = 240, amountWon = 76_780)
        store.recordService(base)
        val living = store.recordService(base.copy(item = ServiceItem.LIVING, providedOn = "2026-10-02", quantity = null, amountWon = 300_000))
        store.recordService(base.copy(item = ServiceItem.LIVING, providedOn = "2026-10-02", quantity = null, amountWon = 500_000, corrects = living.id))
        val fuel = store.recordService(base.copy(item = ServiceItem.FUEL, providedOn = "2026-10-03", quantity = null, amountWon = 106_700))
        store.voidService(fuel.id, planner.id, "중복 입력")
        val p = HouseholdPresenter(store, household.id)
        p.load()
        assertNull(p.state.value.error)
        val lines = p.state.value.history.filter { it.kind == "서비스 제공" }.map { it.date to it.text }
        assertEquals(
            listOf(
                "2026-10-03" to "연료비 (취소: 중복 입력)",
                "2026-10-03" to "연료비 106,700원",
                "2026-10-02" to "생계비 500,000원 (정정)",
                "2026-10-02" to "생계비 300,000원",
                "2026-10-01" to "일시재가 240분 · 76,780원",
            ),
            lines,
        )
    }

    @Test
    fun anUnknownHouseholdIsAnError() {
        val p = HouseholdPresenter(store, java.util.UUID.randomUUID().toString())
        p.load()
        assertEquals("household_not_found", p.state.value.error?.code)
    }
}
