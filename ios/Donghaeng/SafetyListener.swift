import Foundation

/// The session's `SafetyAlarmListener`, called by the core on the facade queue. It holds the
/// session and the controller weakly (the session holds it), so a finished session is freed.
///
/// - The next deadline becomes one local notification while the phone shows the session running.
///   Once the phone shows it closed, none is scheduled: after a duress check-out an alarm may still
///   be ticking, and nothing may show it (the server sends that alarm itself).
/// - Prompts go to the screen; SMS actions to the outbox, which the user sends in the foreground.
/// - Silent actions leave no trace on the phone: the core has recorded them as events, the sync
///   that every action asks for brings them to the server, which escalates and relays on its own.
final class SafetyListener: SafetyAlarmListener, @unchecked Sendable {
    weak var session: SafetySession?
    weak var controller: SafetyController?
    private let outbox: SmsOutbox
    private let lock = NSLock()
    private var deadlineMs: Int64?

    init(outbox: SmsOutbox) {
        self.outbox = outbox
    }

    func onNextDeadline(deadlineMs: Int64?) throws {
        lock.lock()
        self.deadlineMs = deadlineMs
        lock.unlock()
        reschedule()
    }

    /// Schedules (or cancels) the deadline notification. Called outside the core's lock, so it may
    /// read the session's status.
    func reschedule() {
        lock.lock()
        let deadline = deadlineMs
        lock.unlock()
        let controller = self.controller
        Task { @MainActor in controller?.wakeMs = deadline }
        let shownClosed = (try? session?.status(nowMs: nowMs()))?.status == .closed
        if let deadline, !shownClosed {
            SafetyNotifications.schedule(atMs: deadline)
        } else {
            SafetyNotifications.cancel()
        }
    }

    func onAction(action: SafetyAction) throws {
        let controller = self.controller
        Task { @MainActor in controller?.actionHappened() }
        if action.silent { return }
        switch action.kind {
        case let .promptWorker(_, messageKo, messageEn):
            let text = pick(ko: messageKo, en: messageEn)
            Task { @MainActor in controller?.showPrompt(text) }
        case let .escalationStep(_, _, recipients, smsText, _):
            outbox.enqueue(recipients: recipients, text: smsText)
        case let .sosAlarm(recipients, smsText):
            outbox.enqueue(recipients: recipients, text: smsText)
        case .silentAlarm:
            return
        case let .repeatAlert(_, _, silent, recipients, smsText):
            if !silent { outbox.enqueue(recipients: recipients, text: smsText) }
        case let .allClear(_, recipients, smsText):
            outbox.enqueue(recipients: recipients, text: smsText)
        }
    }
}
