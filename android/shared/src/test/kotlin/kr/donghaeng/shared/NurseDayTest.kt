package kr.donghaeng.shared

import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
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

/** A real donghaeng-sync-server process on loopback over its own SQLite file, set up with the admin
 *  commands a district's administrator runs. */
class TestServer(private val dir: File, vararg serveArgs: String) : AutoCloseable {
    val bin: String = System.getProperty("donghaeng.syncServer") ?: "target/debug/donghaeng-sync-server"
    val db: String = File(dir, "server.db").path
    val port: Int = ServerSocket(0).use { it.localPort }
    val base = "http://127.0.0.1:$port"
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    private val serveArgs = serveArgs.toList()
    private var process: Process? = null

    init {
        assertTrue("build it: cargo build -p donghaeng-sync-server ($bin)", File(bin).canExecute())
    }

    fun admin(vararg args: String): String {
        val p = ProcessBuilder(listOf(bin, "admin", "--db", db) + args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(30, TimeUnit.SECONDS))
        assertEquals(out, 0, p.exitValue())
        return out
    }

    fun start() {
        process = ProcessBuilder(listOf(bin, "--db", db, "--addr", "127.0.0.1:$port") + serveArgs)
            .redirectOutput(File(dir, "server.log")).redirectErrorStream(true).start()
        // A bounded wait for start-up (not a timing assertion).
        val up = (0 until 300).any {
            val ok = try { get("/healthz", null).statusCode() == 200 } catch (e: java.io.IOException) { false }
            if (!ok) Thread.sleep(100)
            ok
        }
        assertTrue("server did not start: " + File(dir, "server.log").readText(), up)
    }

    fun get(path: String, token: String?): HttpResponse<String> {
        val b = HttpRequest.newBuilder(URI.create(base + path))
        if (token != null) b.header("Authorization", "Bearer $token")
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString())
    }

    override fun close() {
        process?.destroy()
        process?.waitFor(10, TimeUnit.SECONDS)
    }

    companion object {
        fun field(json: String, name: String): String =
            Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: throw AssertionError("no $name in $json")
    }
}

/**
 * A visiting nurse's first day, through the facade and `android/shared` as the app drives them,
 * against a real sync server process: she enrols with the QR her team lead's administrator printed,
 * syncs, sees her visit with her partner, opens the household, starts the visit after the pre-visit
 * check, raises an SOS that her team lead sees on the server's alarm API, checks out with her PIN,
 * records the wellness check and syncs; her access token expires during the day and sync goes on.
 * At the end the phone is revoked: it clears its credential, wipes its data and asks for enrolment.
 */
class NurseDayTest {
    private companion object {
        const val LADDER_LEAD = "010-7777-8888"
        const val LADDER_HEAD = "010-9999-0000"
    }

    private lateinit var dir: File
    private lateinit var server: TestServer

    @Before
    fun setUp() {
        dir = Files.createTempDirectory("donghaeng-day").toFile()
        // Tokens of 3 s so that one expires mid-day; the safety monitor ticks every second.
        server = TestServer(dir, "--token-ttl-s", "3", "--safety-tick-secs", "1")
    }

    @After
    fun tearDown() {
        server.close()
        dir.deleteRecursively()
    }

    private data class Org(val dong: String, val district: String, val nurse: String, val lead: String)

    /** The team's escalation ladder as the administrator publishes it: its own numbers, 5-minute grace. */
    private fun ladder(lead: String, head: String) = """
        {"grace_secs": 300, "overdue_recheck_secs": 900, "alarm_repeat_secs": 300, "ladder": [
          {"target": "partner", "contacts": [], "delay_secs": 300},
          {"target": "team_lead", "contacts": [{"name": "최팀장", "phone": "$lead"}], "delay_secs": 300},
          {"target": "dong_head", "contacts": [{"name": "정동장", "phone": "$head"}], "delay_secs": 300},
          {"target": "emergency", "contacts": [{"name": "최팀장", "phone": "$lead"}], "delay_secs": 300}]}
    """.trimIndent()

    private fun org(): Org {
        val f = TestServer::field
        val city = f(server.admin("create-unit", "--kind", "city", "--name", "서울특별시"), "unit_id")
        val district = f(server.admin("create-unit", "--kind", "district", "--name", "강남구", "--parent", city), "unit_id")
        val dong = f(server.admin("create-unit", "--kind", "dong", "--name", "역삼1동", "--parent", district), "unit_id")
        val team = f(server.admin("create-unit", "--kind", "team", "--name", "복지1팀", "--parent", dong), "unit_id")
        val nurse = f(server.admin("create-user", "--unit", team, "--name", "김간호", "--role", "visiting_nurse", "--phone", "010-1111-2222"), "user_id")
        val lead = f(server.admin("create-user", "--unit", team, "--name", "최팀장", "--role", "welfare_planner", "--phone", "010-3333-4444"), "user_id")
        server.admin("set-privilege", "--user", lead, "--privilege", "supervisor")
        val ladderFile = File(dir, "ladder.json").apply { writeText(ladder(LADDER_LEAD, LADDER_HEAD)) }
        server.admin("publish-config", "--kind", "safety_ladder", "--unit", team, "--file", ladderFile.path)
        return Org(dong, district, nurse, lead)
    }

    /** The team lead's access token, from her own enrolled phone (the alarm API takes device tokens). */
    private fun leadToken(lead: String, store: DonghaengStore): Pair<SyncClient, DeviceCredential> {
        val code = TestServer.field(server.admin("issue-enrolment-code", "--user", lead), "code")
        val client = SyncClient(server.base, null, 10u)
        return client to client.enrol(store, code)
    }

    @Test
    fun aNursesWholeDay() {
        val o = org()
        val link = TestServer.field(server.admin("issue-enrolment-code", "--user", o.nurse, "--server-url", server.base), "link")
        server.start()

        // Enrolment: the app knows no server yet; the QR names it.
        val phonePath = File(dir, "nurse.db").path
        var store = DonghaengStore.open(phonePath, DB_KEY)
        val vault = MemoryVault()
        val enrolment = EnrolmentViewModel(store, { url -> DeviceAccount(url, 10u, null, vault) })
        enrolment.onScanned(link)
        assertEquals(server.base, enrolment.state.value.serverUrl)
        val account = enrolment.enrol()
        assertNotNull(enrolment.state.value.error?.ko, account)
        account!!
        assertEquals(EnrolledUser(o.nurse, Role.VISITING_NURSE, store.deviceId()), enrolment.state.value.enrolled)
        assertEquals(store.deviceId(), vault.credential?.deviceId)
        assertEquals(account.enrolledUser(), enrolment.state.value.enrolled)
        // The code is spent: a second phone with the same QR is refused, with the step to take.
        val other = DonghaengStore.open(File(dir, "other.db").path, DB_KEY)
        val again = EnrolmentViewModel(other, { url -> DeviceAccount(url, 10u, null, MemoryVault()) })
        again.onScanned(link)
        assertNull(again.enrol())
        assertEquals("enrolment_code_refused", again.state.value.error?.code)
        assertEquals(NextStep.ENTER_NEW_CODE, again.state.value.advice?.step)
        other.closeStore()

        // First sync: her 동's org units and both workers reach the phone.
        var revoked = 0
        val sync = SyncStatusViewModel(store, { account }, onRevoked = { revoked++ })
        sync.refresh()
        assertNull(sync.state.value.lastSuccessMs)
        assertTrue(sync.syncNow())
        assertTrue(sync.state.value.lastSuccessMs != null)
        assertFalse(sync.state.value.offline)
        assertEquals(0L, sync.state.value.pending)
        assertEquals("최팀장", store.getWorker(o.lead).name)

        // Her morning: a household of the 동 and a two-person visit now.
        val now = System.currentTimeMillis()
        val household = store.createHousehold(
            NewHousehold(dongId = o.dong, headName = "박순자", address = "서울특별시 강남구 역삼로 7", crisisLevel = 4, riskFlags = listOf(RiskFlag.DOG)),
        )
        val visit = store.planVisit(
            NewVisit(householdId = household.id, purpose = VisitPurpose.CRISIS_MONITORING, contactMode = ContactMode.HOME,
                windowStartMs = now, windowEndMs = now + 60 * MINUTE, assigned = listOf(o.nurse, o.lead)),
        )
        val day = VisitDayPresenter(store, o.nurse)
        day.load()
        val row = day.state.value.rows.single()
        assertEquals(visit.id, row.visitId)
        assertEquals("박순자", row.headName)
        assertEquals(listOf("최팀장"), row.partners)
        assertTrue(row.needsSafetySession)
        // The team's ladder came with the first sync: the assessment does not ask for contacts.
        assertFalse(day.state.value.askSafetyContacts)

        val detail = HouseholdPresenter(store, household.id)
        detail.load()
        assertNull(detail.state.value.error)
        assertEquals("서울특별시 강남구 역삼로 7", detail.state.value.address)

        // 방문 시작: the pre-visit check, then the safety session and the visit.
        val sent = CopyOnWriteArrayList<Pair<List<String>, Boolean>>()
        val alarms = CopyOnWriteArrayList<Long?>()
        val safety = SafetySessionViewModel(store.deviceId(), store, o.nurse, { alarms.add(it) }, { r, _, silent -> sent.add(r.map { it.phone } to silent) })
        safety.session.setPins(o.nurse, "2468", "1357")
        assertTrue(safety.state.value.error?.ko, safety.start(
            SafetyStartRequest(
                householdId = household.id, workerIds = listOf(o.nurse, o.lead), starterId = o.nurse,
                expectedReturnMs = now + 60 * MINUTE, assessment = SafetyAssessment(true, true, true, true, null),
                // No contacts typed: the core takes the team's published ladder from the store.
                contactMode = ContactMode.HOME,
            ),
        ))
        assertTrue(day.start(visit.id))
        assertEquals(SafetySessionStatus.OPEN, safety.state.value.status)
        assertTrue(alarms.last() != null)

        // SOS: the phone's own alarm goes at once to the team lead of the published ladder, and the
        // server's once synced.
        safety.sos()
        assertNull(safety.state.value.error)
        assertTrue(sent.toString(), sent.any { (to, _) -> LADDER_LEAD in to })
        assertTrue(sync.syncNow())
        val sessionId = safety.session.sessionId()!!
        val leadStore = DonghaengStore.open(File(dir, "lead.db").path, DB_KEY)
        val (leadClient, leadCredential) = leadToken(o.lead, leadStore)
        val token = leadClient.requestToken(leadStore, leadCredential).accessToken
        // A bounded wait for the server's monitor to take the pushed SOS (not a timing assertion).
        var listed = ""
        for (i in 0 until 100) {
            val r = server.get("/v1/safety/alarms", token)
            assertEquals(r.body(), 200, r.statusCode())
            listed = r.body()
            if (listed.contains(sessionId) && listed.contains("\"sos\"")) break
            Thread.sleep(100)
        }
        assertTrue(listed, listed.contains(sessionId) && listed.contains("\"sos\""))
        // The nurse herself is no supervisor: the alarm API refuses her token.
        val nurseToken = SyncClient(server.base, null, 10u).requestToken(store, vault.credential!!).accessToken
        assertEquals(403, server.get("/v1/safety/alarms", nurseToken).statusCode())

        // The lead cancels nothing here; the nurse is safe: SOS cancelled, check-out with her PIN.
        safety.cancelSos("오조작")
        assertNull(safety.state.value.sosEventId)
        assertTrue(safety.checkOut("2468"))
        assertEquals(SafetySessionStatus.CLOSED, safety.state.value.status)
        assertNotNull(safety.state.value.receipt)
        safety.close()

        // The wellness check, then the visit completed.
        val wellness = WellnessForm(store, household.id, o.nurse, visit.id)
        assertFalse(wellness.submit())
        WellnessItem.values().forEach { wellness.answer(it, Observation.GOOD) }
        wellness.setNote("식사 잘 하심")
        assertTrue(wellness.state.value.errors.toString(), wellness.submit())
        val check = wellness.state.value.saved!!
        assertTrue(day.complete(visit.id, VisitOutcome.MET))
        sync.refresh()
        assertTrue(sync.state.value.pending > 0)

        // Her token (3 s) runs out while she works; the next sync renews it by itself.
        Thread.sleep(3_500)
        assertEquals(401, server.get("/v1/safety/alarms", token).statusCode())
        assertTrue((sync.state.value.sync as? SyncUi.Failed)?.error?.ko, sync.syncNow())
        assertEquals(0L, sync.state.value.pending)
        // The records reached the server: her team lead's phone receives the check and the visit.
        leadClient.useCredential(leadCredential)
        leadClient.syncNow(leadStore, null)
        assertEquals("식사 잘 하심", leadStore.getWellnessCheck(check.id).note)
        assertEquals(VisitStatus.COMPLETED, leadStore.getVisit(visit.id).status)
        leadStore.closeStore()

        // The phone is lost and revoked: the next sync clears the credential and the app wipes it.
        server.admin("revoke-device", "--device", store.deviceId())
        assertFalse(sync.syncNow())
        assertEquals(NextStep.WIPE_AND_ENROL, (sync.state.value.sync as SyncUi.Failed).advice.step)
        assertEquals(1, revoked)
        assertNull(vault.credential)
        assertNull(account.enrolledUser())
        val oldDevice = store.deviceId()
        store.wipe()
        assertFalse(File(phonePath).exists())
        store = DonghaengStore.open(phonePath, DB_KEY)
        assertTrue(store.deviceId() != oldDevice)
        assertTrue(store.searchHouseholds(o.dong, "", 10u).isEmpty())
        store.closeStore()
    }
}
