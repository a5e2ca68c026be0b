import BackgroundTasks
import Foundation

/// BGTaskScheduler sync: the system runs it when a network is there; the core's errors say what next.
enum SyncTask {
    static let identifier = "kr.donghaeng.sync"

    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule()
            let store = AppModel().store
            task.expirationHandler = { task.setTaskCompleted(success: false) }
            task.setTaskCompleted(success: runNow(store: store))
        }
        schedule()
    }

    static func schedule() {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    @discardableResult
    static func runNow(store: DonghaengStore) -> Bool {
        let defaults = UserDefaults.standard
        guard let url = defaults.string(forKey: "server_url") else { return true }
        do {
            let client = try SyncClient(serverUrl: url, accessToken: defaults.string(forKey: "access_token"), timeoutSecs: nil)
            _ = try client.syncNow(store: store, listener: nil)
            return true
        } catch let DonghaengError.Conflict(code, _, _, _) where code == "device_revoked" {
            defaults.set(true, forKey: "wipe_required")
            return false
        } catch {
            return false
        }
    }
}
