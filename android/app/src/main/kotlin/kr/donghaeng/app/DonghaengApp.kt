package kr.donghaeng.app

import android.app.Application
import java.io.File
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.EligibilityEngine

/** Holds the one open store and engine for the process. All logic lives in :shared and the core. */
class DonghaengApp : Application() {
    lateinit var store: DonghaengStore
        private set
    val eligibility: EligibilityEngine by lazy { EligibilityEngine() }

    override fun onCreate() {
        super.onCreate()
        // The key is created once and kept in Android Keystore; the store takes it when encryption at
        // rest lands in the core (issue 10). Until then it only proves the Keystore path works.
        DatabaseKey.getOrCreate(this)
        store = DonghaengStore.open(File(filesDir, "donghaeng.db").path)
        SyncWorker.schedule(this)
    }
}
