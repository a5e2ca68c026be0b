package kr.donghaeng.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import kr.donghaeng.ffi.SyncClient
import kr.donghaeng.shared.SyncRemedy
import kr.donghaeng.shared.SyncStatusViewModel
import kr.donghaeng.shared.SyncUi

/** Periodic sync when a network is there. The server URL and token come from enrolment (settings). */
class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    override fun doWork(): Result {
        val app = applicationContext as DonghaengApp
        val settings = applicationContext.getSharedPreferences("sync", Context.MODE_PRIVATE)
        val url = settings.getString("server_url", null) ?: return Result.success()
        val token = settings.getString("access_token", null)
        val vm = SyncStatusViewModel(app.store, { SyncClient(url, token, null) })
        if (vm.syncNow()) return Result.success()
        val failed = vm.state.value.sync as? SyncUi.Failed ?: return Result.retry()
        return if (failed.remedy == SyncRemedy.RETRY_LATER) Result.retry() else Result.failure()
    }

    companion object {
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("donghaeng-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
