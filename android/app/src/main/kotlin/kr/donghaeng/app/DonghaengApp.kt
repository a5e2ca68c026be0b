package kr.donghaeng.app

import android.app.Application
import android.content.Intent
import android.content.res.Configuration
import java.io.File
import java.util.Locale
import kotlin.concurrent.thread
import kr.donghaeng.core.DonghaengException
import kr.donghaeng.core.EnrolledUser
import kr.donghaeng.ffi.DeviceAccount
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.EligibilityEngine
import kr.donghaeng.shared.Messages
import kr.donghaeng.shared.Observable

/** Who the phone is enrolled for. [loaded] false: still reading the vault (show a spinner). */
data class AccountState(val loaded: Boolean = false, val account: DeviceAccount? = null, val user: EnrolledUser? = null)

/** Holds the one open store, engine and account of the process. All logic lives in :shared and the core. */
class DonghaengApp : Application() {
    /** Replaced by a fresh, empty store after a revoked phone wiped its data ([wipeAndReset]). */
    @Volatile
    lateinit var store: DonghaengStore
        private set
    val eligibility: EligibilityEngine by lazy { EligibilityEngine() }
    val vault: KeystoreVault by lazy { KeystoreVault(this) }
    val account = Observable(AccountState())

    /** Set when the key no longer opened the file and it was put aside (see [openStore]). */
    var unreadableFile: File? = null
        private set

    private val accountPrefs get() = getSharedPreferences("account", MODE_PRIVATE)

    override fun onCreate() {
        super.onCreate()
        useLanguage(resources.configuration)
        // Earlier versions kept the server URL and a bearer token here in plain text.
        deleteSharedPreferences("sync")
        store = openStore()
        Notifications.createChannels(this)
        SyncWorker.schedule(this)
        thread(name = "donghaeng-account") { loadAccount() }
    }

    override fun onConfigurationChanged(newConfig: Configuration) {
        super.onConfigurationChanged(newConfig)
        useLanguage(newConfig)
    }

    /** The presenters' own texts follow the phone: English on an English phone, Korean otherwise
     *  (as the app's resources: values/ is Korean, values-en/ English). */
    private fun useLanguage(config: Configuration) {
        Messages.locale = if (config.locales[0].language == "en") Locale.ENGLISH else Locale.KOREAN
    }

    /** The account for [serverUrl] over the Keystore vault (a credential already there is used at once). */
    fun accountFor(serverUrl: String): DeviceAccount = DeviceAccount(serverUrl, null, null, vault)

    /** Blocking (Keystore, the core): the enrolled account, or null (show enrolment). Read once. */
    @Synchronized
    fun loadAccount(): DeviceAccount? {
        account.value.takeIf { it.loaded }?.let { return it.account }
        var a: DeviceAccount? = null
        var user: EnrolledUser? = null
        val url = accountPrefs.getString(SERVER_URL, null)
        if (url != null) {
            try {
                a = accountFor(url)
                user = a.enrolledUser()
            } catch (e: DonghaengException) {
                // A bad address or an unreadable vault: enrol again (a new credential overwrites the old).
                user = null
            }
        }
        account.set(AccountState(loaded = true, account = a.takeIf { user != null }, user = user))
        return account.value.account
    }

    /** After enrolment (blocking: writes preferences): remember the server address, show the day. */
    @Synchronized
    fun enrolled(a: DeviceAccount, user: EnrolledUser) {
        accountPrefs.edit().putString(SERVER_URL, a.serverUrl()).commit()
        account.set(AccountState(loaded = true, account = a, user = user))
    }

    /**
     * The phone was revoked (`device_revoked`; the core has already cleared the vault): stop the safety
     * session, delete the store file, open a fresh empty store and go back to enrolment. Blocking.
     */
    @Synchronized
    fun wipeAndReset() {
        ActiveSession.finish()
        stopService(Intent(this, SafetySessionService::class.java))
        ExactAlarms(this).schedule(null)
        wipeStore()
        try { vault.clear() } catch (e: kr.donghaeng.ffi.ListenerException) { /* the core cleared it already */ }
        accountPrefs.edit().remove(SERVER_URL).commit()
        store = openStore()
        account.set(AccountState(loaded = true))
    }

    /** `store.wipe()` (Kotlin's name of the facade's store deletion), retried while another call runs. */
    private fun wipeStore() {
        repeat(40) {
            try {
                store.wipe()
                return
            } catch (e: DonghaengException.Conflict) {
                if (e.code != "store_busy") throw e
                Thread.sleep(250) // a screen's call is still running
            } catch (e: DonghaengException.Closed) {
                return
            }
        }
        // Still busy after ten seconds: close it and delete the files ourselves.
        store.closeStore()
        val file = File(filesDir, DB_FILE)
        for (suffix in listOf("", "-wal", "-shm")) File(file.path + suffix).delete()
    }

    /**
     * Opens the encrypted store with the key from Android Keystore. A plain file from an earlier
     * version is encrypted by the core on this open. If the key no longer opens the file (the
     * Keystore entry was lost, e.g. after a backup restored onto another phone), the file is kept
     * aside, never deleted, and a fresh store is opened; its data come back from the server at the
     * next sync, and the screen tells the worker that changes not yet synced could not be read.
     */
    private fun openStore(): DonghaengStore {
        val file = File(filesDir, DB_FILE)
        val key = DatabaseKey.getOrCreate(this)
        try {
            return try {
                DonghaengStore.open(file.path, key)
            } catch (e: DonghaengException.WrongKey) {
                val aside = File(filesDir, "$DB_FILE.unreadable-${System.currentTimeMillis()}")
                file.renameTo(aside)
                for (suffix in listOf("-wal", "-shm")) File(file.path + suffix).delete()
                unreadableFile = aside
                DonghaengStore.open(file.path, key)
            }
        } finally {
            key.fill(0) // the core keeps its own copy, wiped when the store closes
        }
    }

    private companion object {
        const val DB_FILE = "donghaeng.db"
        const val SERVER_URL = "server_url"
    }
}
