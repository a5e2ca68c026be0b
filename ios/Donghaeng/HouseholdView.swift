import SwiftUI

/// The household's detail (recorded in the audit trail by `viewHousehold`): head, address, crisis
/// level, tags and risk flags, members, the open case, its history a page at a time, and the forms
/// of a visit.
struct HouseholdView: View {
    let store: DonghaengStore
    let user: EnrolledUser
    let householdId: String
    let visitId: String?
    @State private var summary: HouseholdSummary?
    @State private var members: [Person] = []
    @State private var openCase: Case?
    @State private var history: [HistoryItem] = []
    @State private var next: HistoryCursor?
    @State private var hasMore = false
    @State private var error: UiError?

    var body: some View {
        List {
            if let error { ErrorText(error: error) }
            if let h = summary?.household {
                Section {
                    Text(h.headName).font(.title2)
                    Text(h.address)
                    LabeledContent("household.crisis", value: crisisLabel(h.crisisLevel))
                    if let last = summary?.lastContactAtMs {
                        LabeledContent("household.last_contact", value: shortDateTime(last))
                    }
                    if !h.tags.isEmpty {
                        Text(h.tags.map(\.label).joined(separator: ", "))
                    }
                    if !h.riskFlags.isEmpty {
                        Text(tr("agenda.risks", h.riskFlags.map(\.label).joined(separator: ", ")))
                            .foregroundColor(.red)
                    }
                    if let c = openCase {
                        LabeledContent("household.open_case", value: "\(c.stage.label) (\(c.openedOn)~)")
                    }
                }
                Section("household.members") {
                    ForEach(members, id: \.id) { p in
                        Text(verbatim: "\(p.name) (\(p.birthDate), \(p.relation.label))")
                    }
                }
                Section("household.actions") {
                    NavigationLink("household.wellness") {
                        WellnessView(store: store, user: user, householdId: householdId, visitId: visitId)
                    }
                    NavigationLink("household.service") {
                        ServiceRecordView(store: store, user: user, householdId: householdId)
                    }
                    NavigationLink("household.eligibility") {
                        EligibilityView(store: store, householdId: householdId)
                    }
                }
                Section("household.history") {
                    ForEach(Array(history.enumerated()), id: \.offset) { _, item in
                        HistoryRow(item: item)
                    }
                    if hasMore {
                        Button("household.more") { Task { await loadMore() } }
                    }
                }
            }
        }
        .navigationTitle("household.title")
        .task { await load() }
        .refreshable { await load() }
    }

    private func load() async {
        let id = householdId, viewer = user.userId
        do {
            let (s, m, c) = try await Facade.run { () -> (HouseholdSummary, [Person], Case?) in
                (try store.viewHousehold(id: id, viewerId: viewer),
                 try store.personsOfHousehold(householdId: id),
                 try store.casesOfHousehold(householdId: id).first { $0.closedOn == nil })
            }
            summary = s
            members = m
            openCase = c
            history = []
            next = nil
            error = nil
            await loadMore()
        } catch {
            self.error = UiError(error)
        }
    }

    private func loadMore() async {
        let id = householdId, after = next
        do {
            let page = try await Facade.run { try store.historyPage(householdId: id, after: after, limit: 20) }
            history += page.entries
            next = page.next
            hasMore = page.next != nil
        } catch {
            self.error = UiError(error)
        }
    }
}

/// One entry of the history, newest first.
struct HistoryRow: View {
    let item: HistoryItem

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(verbatim: "\(seoulDay(Date(timeIntervalSince1970: Double(item.atMs) / 1000))) | \(kind)")
                .font(.caption)
            Text(text)
        }
    }

    private var kind: String {
        switch item.entry {
        case .visitEntry: return tr("history.visit")
        case .wellnessEntry: return tr("history.wellness")
        case .noteEntry: return tr("history.note")
        case .serviceEntry: return tr("history.service")
        }
    }

    private var text: String {
        switch item.entry {
        case let .visitEntry(visit):
            let outcome = visit.outcome.map { " | \($0.label)" } ?? ""
            return "\(visit.purpose.label) | \(visit.status.label)\(outcome)"
        case let .wellnessEntry(check):
            let verdict = check.checklist.isUrgent() ? tr("history.wellness_urgent") : tr("history.wellness_ok")
            return verdict + (check.note.map { " | \($0)" } ?? "")
        case let .noteEntry(note):
            return note.body
        case let .serviceEntry(service):
            return serviceLine(service)
        }
    }
}

/// A service record in one line: item, quantity with its unit, amount; corrections and voids said.
func serviceLine(_ p: ServiceProvision) -> String {
    let name = p.item.label
    if p.voided {
        return tr("history.service_voided", name, p.note ?? "")
    }
    var parts: [String] = []
    if let q = p.quantity {
        parts.append("\(q.formatted()) \(serviceItemInfo(item: p.item).unit?.label ?? "")")
    }
    if let amount = p.amountWon {
        parts.append(won(amount))
    }
    let body = parts.isEmpty ? name : "\(name) \(parts.joined(separator: " | "))"
    return p.corrects == nil ? body : tr("history.service_corrected", body)
}
