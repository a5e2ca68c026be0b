import Foundation

/// What the worker confirmed and entered before the door (AssessmentView).
struct VisitSafetyPlan {
    let assessment: SafetyAssessment
    let teamLead: SafetyContact
    let dongHead: SafetyContact
    let expectedReturnMs: Int64
    /// Check-out PIN (4-12 digits; empty: none) and the optional duress PIN.
    let pin: String
    let duressPin: String?
}

/// The visit a session belongs to, for the links of the safety screen (ids only: kept in the plain
/// settings so that a resumed session still has them).
struct VisitContext: Codable, Equatable {
    let visitId: String
    let householdId: String
}

extension AppModel {
    /// Whether the assessment asks for the team lead and 동장: only while no escalation ladder is
    /// published for the worker's team (the core's answer; asked if it cannot tell).
    func needsSafetyContacts() async -> Bool {
        guard case let .ready(store, user) = phase else { return true }
        let worker = user.userId
        return (try? await Facade.run { try safetyContactsNeeded(store: store, workerId: worker) }) ?? true
    }

    /// Starting a home visit: the safety session first (so that no one is at the door without one),
    /// then the visit itself (planned -> in progress). Notification permission is asked here, at the
    /// first session.
    func startVisit(_ item: AgendaItem, plan: VisitSafetyPlan) async throws {
        guard case let .ready(store, user) = phase else { return }
        let visit = item.visit
        // One session at a time on this phone: a running one is shown again rather than replaced.
        if let running = safety, running.status?.status != .closed { return }
        await SafetyNotifications.requestAuthorisationOnce()
        let controller = try await SafetyController.create(store: store, workerId: user.userId, model: self)
        let workers = visit.assigned.contains(user.userId) ? visit.assigned : [user.userId] + visit.assigned
        // The core reads the district, the team's published ladder and the advisories from the
        // store; the typed contacts count only while no ladder is published for the team.
        let request = SafetyStartRequest(
            householdId: visit.householdId, workerIds: workers, starterId: user.userId,
            expectedReturnMs: plan.expectedReturnMs, assessment: plan.assessment,
            teamLead: plan.teamLead.phone.isEmpty ? nil : plan.teamLead,
            dongHead: plan.dongHead.phone.isEmpty ? nil : plan.dongHead, visitId: visit.id,
            checkinIntervalSecs: nil, advisoryOverride: nil, regularVolunteer: nil,
            contactMode: visit.contactMode)
        try await controller.start(store: store, request: request, pin: plan.pin, duressPin: plan.duressPin)
        let context = VisitContext(visitId: visit.id, householdId: visit.householdId)
        controller.context = context
        if let data = try? JSONEncoder().encode(context) {
            UserDefaults.standard.set(data, forKey: SettingsKey.safetyVisit)
        }
        safety = controller
        if visit.status == .planned {
            // The session runs whatever happens here; a refusal is shown on the safety screen.
            do {
                _ = try await Facade.run { try store.startVisit(id: visit.id, atMs: nowMs()) }
            } catch {
                controller.report(UiError(error))
            }
        }
    }

    /// Shows the running session once the assessment sheet is gone (two presentations at once
    /// would fail).
    func presentRunningSafety() {
        guard presentedSafety == nil, let running = safety, running.status?.status != .closed else { return }
        presentedSafety = running
    }

    /// A visit without a session (phone or centre contact): planned -> in progress.
    func startVisitWithoutSession(_ item: AgendaItem) async throws {
        guard case let .ready(store, _) = phase else { return }
        _ = try await Facade.run { try store.startVisit(id: item.visit.id, atMs: nowMs()) }
    }

    func completeVisit(_ item: AgendaItem, outcome: VisitOutcome, note: String?) async throws {
        guard case let .ready(store, _) = phase else { return }
        _ = try await Facade.run {
            try store.completeVisit(id: item.visit.id, atMs: nowMs(), outcome: outcome, note: note)
        }
    }

    /// This phone's session from the store after the app was killed; shown again unless the phone
    /// shows it closed (it is still ticked then: an alarm may not be over).
    func resumeSafety(store: DonghaengStore, user: EnrolledUser) async {
        guard safety == nil else { return }
        guard let controller = try? await SafetyController.resume(store: store, workerId: user.userId, model: self)
        else { return }
        if let data = UserDefaults.standard.data(forKey: SettingsKey.safetyVisit) {
            controller.context = try? JSONDecoder().decode(VisitContext.self, from: data)
        }
        safety = controller
        if controller.status?.status != .closed {
            presentedSafety = controller
        }
    }

    /// The app came to the foreground, a deadline notification arrived, or a background task ran.
    func tickSafety() async {
        await launched()
        await safety?.tick()
    }

    /// The worker closed the safety screen after check-out; the session is still ticked while the
    /// app runs.
    func dismissSafety() {
        presentedSafety = nil
        UserDefaults.standard.removeObject(forKey: SettingsKey.safetyVisit)
    }
}
