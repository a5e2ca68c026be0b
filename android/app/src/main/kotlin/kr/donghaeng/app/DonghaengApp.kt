package kr.donghaeng.app

import android.app.Application
import java.io.File
import kr.donghaeng.ffi.DonghaengException
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.EligibilityEngine

/** Holds the one open store and engine for the process. All logic lives in :shared and the core. */
class DonghaengApp : Application() {
    lateinit var store: DonghaengStore
        private set
    val eligibility: EligibilityEngine by lazy { EligibilityEngine() }

    /** Set when the key no longer opened the file and it was put aside (see [openStore]). */
    var unreadableFile: File? = null
        private set

    override fun onCreate() {
        super.onCreate()
        store = openStore()
        SyncWorker.schedule(this)
    }

    /**
     * Opens the encrypted store with the key from Android Keystore. A plain file from an earlier
     * version is encrypted by the core on this open. If the key no longer opens the file (the
     * Keystore entry was lost, e.g. after a backup restored onto another phone), the file is kept
     * aside, never deleted, and a fresh store is opened; its data come back from the server at the
     * next sync, and the screen tells the worker that changes not yet synced could not be read.
     */
    private fun openStore(): DonghaengStore {
        val file = File(filesDir, "donghaeng.db")
        val key = DatabaseKey.getOrCreate(this)
        try {
            return try {
                DonghaengStore.open(file.path, key)
            } catch (e: DonghaengException.WrongKey) {
                val aside = File(filesDir, "donghaeng.db.unreadable-${System.currentTimeMillis()}")
                file.renameTo(aside)
                for (suffix in listOf("-wal", "-shm")) File(file.path + suffix).delete()
                unreadableFile = aside
                DonghaengStore.open(file.path, key)
            }
        } finally {
            key.fill(0) // the core keeps its own copy, wiped when the store closes
        }
    }
}
