import Foundation
import UserNotifications

/// The one local notification of a safety session: at the core's next deadline (expected return or
/// check-in), time-sensitive so that Focus modes let it through. Opening the app from it, or its
/// arrival in the foreground, ticks the session (`AppDelegate`).
enum SafetyNotifications {
    static let deadlineId = "safety-deadline"

    /// Asked once, at the first session start (not at launch: the worker sees why).
    static func requestAuthorisationOnce() async {
        let center = UNUserNotificationCenter.current()
        let settings = await center.notificationSettings()
        guard settings.authorizationStatus == .notDetermined else { return }
        _ = try? await center.requestAuthorization(options: [.alert, .sound, .badge])
    }

    static func schedule(atMs deadlineMs: Int64) {
        let center = UNUserNotificationCenter.current()
        center.removePendingNotificationRequests(withIdentifiers: [deadlineId])
        let content = UNMutableNotificationContent()
        content.title = tr("notify.deadline.title")
        content.body = tr("notify.deadline.body")
        content.sound = .default
        content.interruptionLevel = .timeSensitive
        let seconds = max(1, Double(deadlineMs - nowMs()) / 1000)
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: seconds, repeats: false)
        center.add(UNNotificationRequest(identifier: deadlineId, content: content, trigger: trigger))
    }

    static func cancel() {
        let center = UNUserNotificationCenter.current()
        center.removePendingNotificationRequests(withIdentifiers: [deadlineId])
        center.removeDeliveredNotifications(withIdentifiers: [deadlineId])
    }
}
