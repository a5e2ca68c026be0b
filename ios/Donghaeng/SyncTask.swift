import BackgroundTasks
import Foundation

/// Background sync as a `BGAppRefreshTask` (short, frequent, no charger needed; a processing task
/// could wait for the night). The system picks the moment; the task also ticks the safety session.
/// `kr.donghaeng.sync` must be in `BGTaskSchedulerPermittedIdentifiers` of Info.plist, with the
/// Background Modes capability "Background fetch" (see ios/README.md).
enum BackgroundSync {
    static let identifier = "kr.donghaeng.sync"

    /// Called in `application(_:didFinishLaunchingWithOptions:)`, before launch ends.
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            guard let refresh = task as? BGAppRefreshTask else {
                task.setTaskCompleted(success: false)
                return
            }
            handle(refresh)
        }
    }

    /// Asks for the next run in 15 minutes at the earliest.
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    private static func handle(_ task: BGAppRefreshTask) {
        schedule()
        let completion = Completion(task)
        let work = Task { @MainActor in
            await AppModel.shared.tickSafety()
            completion.finish(await AppModel.shared.backgroundSync())
        }
        // Out of time: the task is reported unfinished. The core's sync is safe to interrupt; what
        // it did not finish is done at the next sync.
        task.expirationHandler = {
            work.cancel()
            completion.finish(false)
        }
    }

    /// Reports the task's end exactly once (the work and the expiration handler may both try).
    private final class Completion: @unchecked Sendable {
        private let task: BGTask
        private let lock = NSLock()
        private var done = false

        init(_ task: BGTask) {
            self.task = task
        }

        func finish(_ success: Bool) {
            lock.lock()
            defer { lock.unlock() }
            guard !done else { return }
            done = true
            task.setTaskCompleted(success: success)
        }
    }
}
