import Foundation
import MessageUI
import UserNotifications

/// The safety session of one visit. It is the session's listener: the next deadline becomes a local
/// notification (the app ticks when it is opened from it or comes to the foreground), prompts go to
/// the screen, SMS actions to the SMS queue. Silent (duress) actions never change what the screen shows.
final class SafetyController: ObservableObject, Identifiable, SafetyAlarmListener, @unchecked Sendable {
    let id = UUID()
    private(set) var session: SafetySession!
    private let workerId: String
    @Published var status: SafetyStatus?
    @Published var prompt: String?
    @Published var sosEventId: String?
    @Published var message: String?
    /// Texts to send; silent ones are sent by the server relay without any trace on the phone.
    private(set) var outbox: [(recipients: [SafetyContact], text: String, silent: Bool)] = []

    /// This phone's session resumed from the store if the app was killed during a visit (the core
    /// records every event of the session in the encrypted store, which also syncs them), else a new one.
    init(store: DonghaengStore, workerId: String) throws {
        self.workerId = workerId
        let deviceId = try store.deviceId()
        if let resumed = try resumeSafetySession(store: store, deviceId: deviceId, listener: self, nowMs: nowMs()) {
            session = resumed
            status = try? session.status(nowMs: nowMs())
        } else {
            session = try SafetySession(deviceId: deviceId, listener: self)
        }
    }

    func onNextDeadline(deadlineMs: Int64?) throws {
        let center = UNUserNotificationCenter.current()
        center.removePendingNotificationRequests(withIdentifiers: ["safety-deadline"])
        guard let ms = deadlineMs else { return }
        let content = UNMutableNotificationContent()
        content.title = "안전 확인"
        content.body = "복귀 예정 시각입니다. 앱을 열어 응답해 주세요."
        content.interruptionLevel = .timeSensitive
        let seconds = max(1, Double(ms - nowMs()) / 1000)
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: seconds, repeats: false)
        center.add(UNNotificationRequest(identifier: "safety-deadline", content: content, trigger: trigger))
    }

    func onAction(action: SafetyAction) throws {
        switch action.kind {
        case let .promptWorker(_, messageKo, _):
            DispatchQueue.main.async { self.prompt = messageKo }
        case let .escalationStep(_, _, recipients, smsText, _):
            outbox.append((recipients, smsText, action.silent))
        case let .sosAlarm(recipients, smsText):
            outbox.append((recipients, smsText, action.silent))
        case let .silentAlarm(recipients, smsText):
            outbox.append((recipients, smsText, true))
        case let .repeatAlert(_, _, silent, recipients, smsText):
            outbox.append((recipients, smsText, silent || action.silent))
        case let .allClear(_, recipients, smsText):
            outbox.append((recipients, smsText, action.silent))
        }
    }

    private func run(_ body: () throws -> Void) {
        do {
            try body()
            status = try session.status(nowMs: nowMs())
            // Events the store could not take yet (retried by the core after every command and tick).
            message = session.unsavedEvents() > 0 ? "안전 기록을 아직 저장하지 못했습니다. 앱을 닫지 마세요." : nil
        } catch {
            message = koreanMessage(error)
        }
    }

    func start(store: DonghaengStore, request: SafetyStartRequest) {
        run { status = try session.start(store: store, request: request, nowMs: nowMs()) }
    }

    func tick() { run { _ = try session.tick(nowMs: nowMs()) } }

    func checkIn() {
        run { _ = try session.checkIn(workerId: workerId, nowMs: nowMs()) }
        prompt = nil
    }

    func sos() {
        run {
            sosEventId = try session.sos(workerId: workerId, nowMs: nowMs())
            _ = try session.tick(nowMs: nowMs())
        }
    }

    func checkOut(pin: String) {
        run {
            let receipt = try session.checkOut(workerId: workerId, pin: pin, nowMs: nowMs())
            _ = try session.tick(nowMs: nowMs())
            message = receipt.messageKo
        }
    }
}
