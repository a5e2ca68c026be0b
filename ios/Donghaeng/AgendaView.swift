import SwiftUI

extension AgendaItem: Identifiable {
    public var id: String { visit.id }
}

/// Today's visits of the worker (Seoul day): time, household, crisis level, purpose, partners and
/// the risk flags to know at the door. A home visit starts with the pre-visit assessment and its
/// safety session; the household opens with its detail and history.
struct AgendaView: View {
    @ObservedObject var model: AppModel
    let store: DonghaengStore
    let user: EnrolledUser
    @State private var items: [AgendaItem] = []
    @State private var error: UiError?
    @State private var loaded = false
    @State private var assessing: AgendaItem?
    @State private var completing: AgendaItem?

    var body: some View {
        NavigationStack {
            List {
                if let error { ErrorText(error: error) }
                if loaded && items.isEmpty { Text("agenda.empty") }
                ForEach(items) { item in
                    VStack(alignment: .leading, spacing: 6) {
                        NavigationLink {
                            HouseholdView(store: store, user: user, householdId: item.visit.householdId,
                                          visitId: item.visit.id)
                        } label: {
                            AgendaRow(item: item)
                        }
                        actions(item)
                    }
                }
            }
            .navigationTitle("agenda.title")
            .refreshable { await load() }
            .task { await load() }
            .onChange(of: model.presentedSafety == nil) { _ in Task { await load() } }
            .sheet(item: $assessing, onDismiss: { model.presentRunningSafety() }) { item in
                AssessmentView(model: model, item: item) { Task { await load() } }
            }
            .sheet(item: $completing) { item in
                CompleteVisitSheet(model: model, item: item) { Task { await load() } }
            }
        }
    }

    @ViewBuilder
    private func actions(_ item: AgendaItem) -> some View {
        HStack {
            switch item.visit.status {
            case .planned:
                Button("agenda.start") { start(item) }.buttonStyle(.borderedProminent)
            case .inProgress:
                Button("agenda.complete") { completing = item }.buttonStyle(.bordered)
            case .completed, .cancelled, .missed:
                EmptyView()
            }
        }
    }

    private func start(_ item: AgendaItem) {
        if item.visit.contactMode == .home {
            assessing = item
        } else {
            Task {
                do {
                    try await model.startVisitWithoutSession(item)
                } catch {
                    self.error = UiError(error)
                }
                await load()
            }
        }
    }

    private func load() async {
        let worker = user.userId, day = seoulDay()
        do {
            items = try await Facade.run { try store.agendaForWorker(workerId: worker, day: day) }
            error = nil
        } catch {
            self.error = UiError(error)
        }
        loaded = true
    }
}

/// One visit as the list shows it.
struct AgendaRow: View {
    let item: AgendaItem

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: "\(seoulTime(item.visit.window.startMs))-\(seoulTime(item.visit.window.endMs))  \(item.headName)")
                .font(.headline)
            Text(verbatim: "\(item.visit.purpose.label) | \(crisisLabel(item.crisisLevel)) | \(item.visit.status.label)")
                .font(.subheadline)
            Text(item.address).font(.subheadline)
            if !item.partners.isEmpty {
                Text(tr("agenda.partners", item.partners.map(partnerText).joined(separator: ", ")))
                    .font(.subheadline)
            }
            if !item.riskFlags.isEmpty {
                Text(tr("agenda.risks", item.riskFlags.map(\.label).joined(separator: ", ")))
                    .font(.subheadline)
                    .foregroundColor(.red)
            }
        }
    }

    private func partnerText(_ p: Partner) -> String {
        guard let role = p.roles.first else { return p.name }
        return "\(p.name) (\(role.label))"
    }
}

/// Completing a visit with its outcome.
struct CompleteVisitSheet: View {
    @ObservedObject var model: AppModel
    let item: AgendaItem
    let onDone: () -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var outcome: VisitOutcome = .met
    @State private var note = ""
    @State private var error: UiError?

    private let outcomes: [VisitOutcome] = [.met, .notHome, .refused, .moved, .deceased, .hospitalised, .unreachable]

    var body: some View {
        NavigationStack {
            Form {
                Picker("visit.outcome", selection: $outcome) {
                    ForEach(outcomes, id: \.self) { o in Text(o.label).tag(o) }
                }
                TextField("visit.note", text: $note, axis: .vertical)
                if let error { ErrorText(error: error) }
                Button("visit.complete") { Task { await complete() } }
            }
            .navigationTitle("visit.complete_title")
            .toolbar { Button("common.cancel") { dismiss() } }
        }
    }

    private func complete() async {
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            try await model.completeVisit(item, outcome: outcome, note: trimmed.isEmpty ? nil : trimmed)
            onDone()
            dismiss()
        } catch {
            self.error = UiError(error)
        }
    }
}
