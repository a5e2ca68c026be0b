package kr.donghaeng.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import kr.donghaeng.core.NextStep
import kr.donghaeng.shared.SyncStatusViewModel
import kr.donghaeng.shared.SyncUi

/**
 * Sync in the background when a network is there: every 15 minutes, and at once after a safety alarm
 * ([syncSoon]). The account (server address, credential in the Keystore vault, tokens renewed by the
 * core) is the enrolled [kr.donghaeng.ffi.DeviceAccount]; a revoked phone wipes its store here and the
 * next launch shows enrolment.
 */
class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    override fun doWork(): Result {
        val app = applicationContext as DonghaengApp
        val account = app.loadAccount() ?: return Result.success() // not enrolled: nothing to do
        val vm = SyncStatusViewModel(app.store, { account }, onRevoked = { app.wipeAndReset() })
        if (vm.syncNow()) return Result.success()
        val failed = vm.state.value.sync as? SyncUi.Failed ?: return Result.retry()
        return if (failed.advice.step == NextStep.RETRY_LATER) Result.retry() else Result.failure()
    }

    companion object {
        private val NETWORK = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES).setConstraints(NETWORK).build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("donghaeng-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /** One sync as soon as there is a network (a safety alarm is to reach the server now). */
        fun syncSoon(context: Context) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>().setConstraints(NETWORK).build()
            WorkManager.getInstance(context)
                .enqueueUniqueWork("donghaeng-sync-now", ExistingWorkPolicy.APPEND_OR_REPLACE, request)
        }
    }
}
