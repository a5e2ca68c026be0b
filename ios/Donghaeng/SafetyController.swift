import Foundation

/// The safety session of one visit, as the safety screen shows it. Every command runs on
/// `Facade.safety`; every event of the session is recorded in the encrypted store by the core (and
/// synced), so a killed app resumes it (`resume`). A command that makes something due at once (an SOS
/// alarm, an all-clear) is ticked in the same call. Silent (duress) actions never change what this
/// object shows: a duress check-out looks exactly like a normal one.
@MainActor
final class SafetyController: ObservableObject, Identifiable {
    let id = UUID()
    let session: SafetySession
    let workerId: String
    private let listener: SafetyListener
    private weak var model: AppModel?
    private var lastTickMs: Int64 = 0

    @Published private(set) var status: SafetyStatus?
    @Published private(set) var prompt: String?
    @Published private(set) var sosEventId: String?
    @Published private(set) var receipt: String?
    @Published private(set) var error: UiError?
    @Published private(set) var unsavedEvents: UInt64 = 0
    @Published var context: VisitContext?
    /// The core's next deadline (the listener's): the screen's timer ticks when it is reached.
    @Published var wakeMs: Int64?

    private init(session: SafetySession, listener: SafetyListener, workerId: String, model: AppModel) {
        self.session = session
        self.listener = listener
        self.workerId = workerId
        self.model = model
        listener.session = session
        listener.controller = self
        // The deadline announced while the session was being built (resume) is scheduled now.
        Facade.safety.async { listener.reschedule() }
    }

    /// A new, unstarted session for this phone.
    static func create(store: DonghaengStore, workerId: String, model: AppModel) async throws -> SafetyController {
        let listener = SafetyListener(outbox: model.outbox)
        let session = try await Facade.run(on: Facade.safety) {
            try SafetySession(deviceId: try store.deviceId(), listener: listener)
        }
        return SafetyController(session: session, listener: listener, workerId: workerId, model: model)
    }

    /// This phone's session rebuilt from the store, or nil if it has none that may still owe something.
    static func resume(store: DonghaengStore, workerId: String, model: AppModel) async throws -> SafetyController? {
        let listener = SafetyListener(outbox: model.outbox)
        let session = try await Facade.run(on: Facade.safety) {
            try resumeSafetySession(store: store, deviceId: try store.deviceId(), listener: listener, nowMs: nowMs())
        }
        guard let session else { return nil }
        let controller = SafetyController(session: session, listener: listener, workerId: workerId, model: model)
        await controller.refresh()
        return controller
    }

    // MARK: commands

    func start(store: DonghaengStore, request: SafetyStartRequest, pin: String, duressPin: String?) async throws {
        let session = self.session, worker = workerId
        let status = try await Facade.run(on: Facade.safety) { () -> SafetyStatus in
            if !pin.isEmpty {
                try session.setPins(workerId: worker, normalPin: pin, duressPin: duressPin)
            }
            return try session.start(store: store, request: request, nowMs: nowMs())
        }
        show(status, unsaved: 0)
        model?.requestSyncSoon()
    }

    /// Runs `body`, ticks at once if that made something due, then shows the new status and asks for
    /// a sync (`sync`). Nil on a failure, which is shown.
    private func command<R>(sync: Bool = true,
                            _ body: @escaping @Sendable (SafetySession, Int64) throws -> R) async -> R? {
        let session = self.session
        do {
            let (value, status, unsaved) = try await Facade.run(on: Facade.safety) { () -> (R, SafetyStatus, UInt64) in
                let now = nowMs()
                let value = try body(session, now)
                if let due = try session.nextDeadlineMs(nowMs: now), due <= now {
                    _ = try session.tick(nowMs: now)
                }
                return (value, try session.status(nowMs: now), session.unsavedEvents())
            }
            show(status, unsaved: unsaved)
            if sync { model?.requestSyncSoon() }
            return value
        } catch {
            self.error = UiError(error)
            return nil
        }
    }

    /// "I am safe": a check-in, or the answer to the prompt.
    func checkIn() async {
        let worker = workerId
        if await command({ s, now in try s.checkIn(workerId: worker, nowMs: now) }) != nil {
            prompt = nil
        }
    }

    /// More time at the household.
    func extend(minutes: Int64) async {
        let worker = workerId
        _ = await command { s, now in
            let current = try s.status(nowMs: now).expectedReturnMs ?? now
            return try s.extendReturn(workerId: worker, expectedReturnMs: max(current, now) + minutes * 60_000, nowMs: now)
        }
    }

    /// SOS: recorded at once, the alarm goes out in the same call (SMS compose, and the server
    /// through the sync that follows).
    func sos() async {
        let worker = workerId
        if let raised = await command({ s, now in try s.sos(workerId: worker, nowMs: now) }) {
            sosEventId = raised
        }
    }

    func cancelSos() async {
        guard let sos = sosEventId else { return }
        let worker = workerId, reason = tr("safety.sos_cancel_reason")
        if await command({ s, now in
            try s.cancelSos(workerId: worker, sosEventId: sos, reason: reason, nowMs: now)
        }) != nil {
            sosEventId = nil
        }
    }

    /// Check-out with the PIN. A duress PIN gives the same receipt; its silent alarm goes to the
    /// server by the sync that follows every check-out.
    func checkOut(pin: String) async {
        let worker = workerId
        let entered: String? = pin.isEmpty ? nil : pin
        if let message = await command({ s, now in try s.checkOut(workerId: worker, pin: entered, nowMs: now) }) {
            receipt = pick(ko: message.messageKo, en: message.messageEn)
            prompt = nil
        }
    }

    /// What is due now (notification, foreground, background task, the screen's timer at a deadline).
    /// At most one tick every 5 seconds from the timer.
    func tick(force: Bool = true) async {
        let now = nowMs()
        if !force && now - lastTickMs < 5_000 { return }
        lastTickMs = now
        // A tick syncs only if it issued something (the listener asks for that).
        _ = await command(sync: false) { s, now in try s.tick(nowMs: now) }
    }

    /// Re-reads the status without ticking.
    func refresh() async {
        let session = self.session
        let read = try? await Facade.run(on: Facade.safety) { () -> (SafetyStatus, UInt64) in
            (try session.status(nowMs: nowMs()), session.unsavedEvents())
        }
        if let read {
            show(read.0, unsaved: read.1)
        }
    }

    // MARK: from the listener

    func showPrompt(_ text: String) {
        prompt = text
    }

    func report(_ error: UiError) {
        self.error = error
    }

    func actionHappened() {
        model?.requestSyncSoon()
    }

    private func show(_ s: SafetyStatus, unsaved: UInt64) {
        status = s
        unsavedEvents = unsaved
        error = nil
        if s.status == .open || s.status == .closed { prompt = nil }
        if let sos = sosEventId, !s.openSos.contains(sos) { sosEventId = nil }
    }
}
