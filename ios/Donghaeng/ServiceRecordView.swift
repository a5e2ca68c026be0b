import SwiftUI

/// The service record: a Care SOS service delivered or a Seoul emergency welfare item paid. The chosen
/// item decides the fields (the core's catalogue: quantity in its unit for paid services, the amount
/// for paid and money items, the crisis reason for money items); the form checks only that numbers
/// are numbers. Every rule is the core's, whose errors come back under the field they name. Below:
/// what each item came to this year.
struct ServiceRecordView: View {
    let store: DonghaengStore
    let user: EnrolledUser
    let householdId: String
    @State private var program: ServiceProgram = .careSos
    @State private var item: ServiceItem?
    @State private var providedOn = Date()
    @State private var quantity = ""
    @State private var amount = ""
    @State private var note = ""
    @State private var crisisReason: CrisisReason?
    @State private var extraPayment = false
    @State private var errors: [UiError] = []
    @State private var saved: ServiceProvision?
    @State private var usage: [ServiceItemUsage] = []

    private static let programs: [ServiceProgram] = [.careSos, .seoulEmergencyWelfare]
    private static let shownFields: Set<String> = ["service.item", "service.quantity", "service.amount_won"]

    private var items: [ServiceItemInfo] { serviceItems(program: program) }
    private var info: ServiceItemInfo? { item.map { serviceItemInfo(item: $0) } }

    var body: some View {
        Form {
            Section {
                Picker("service.program", selection: $program) {
                    ForEach(Self.programs, id: \.self) { p in Text(p.label).tag(p) }
                }
                .onChange(of: program) { _ in choose(nil) }
                Picker("service.item", selection: Binding(get: { item }, set: choose)) {
                    Text("service.choose").tag(ServiceItem?.none)
                    ForEach(items, id: \.code) { i in Text(pick(ko: i.labelKo, en: i.labelEn)).tag(Optional(i.item)) }
                }
                errorsOf("service.item")
                DatePicker("service.provided_on", selection: $providedOn, in: ...Date(), displayedComponents: [.date])
            }
            if let info {
                Section {
                    if info.shape == .paid {
                        TextField(tr("service.quantity", info.unit?.label ?? ""), text: $quantity)
                            .keyboardType(.numberPad)
                        errorsOf("service.quantity")
                    }
                    if info.shape != .linked {
                        TextField(LocalizedStringKey(info.shape == .money ? "service.amount_required" : "service.amount_fee"),
                                  text: $amount)
                            .keyboardType(.numberPad)
                        errorsOf("service.amount_won")
                    }
                    if info.shape == .money {
                        Picker("service.crisis_reason", selection: $crisisReason) {
                            Text("service.none").tag(CrisisReason?.none)
                            ForEach(EligibilityView.crisisReasons, id: \.self) { r in Text(r.label).tag(Optional(r)) }
                        }
                        Toggle("service.extra_payment", isOn: $extraPayment)
                    }
                    TextField("service.note", text: $note, axis: .vertical)
                }
            }
            Section {
                ForEach(errors.filter { !Self.shownFields.contains($0.field ?? "") }) { ErrorText(error: $0) }
                Button("service.save") { Task { await save() } }
                if let saved { Text(tr("service.saved", serviceLine(saved))).foregroundColor(.green) }
            }
            if !usage.isEmpty {
                Section("service.year_usage") {
                    ForEach(usage, id: \.item) { u in
                        Text(tr("service.usage_line", u.item.label, "\(u.count)", "\(u.quantity) \(u.unit?.label ?? "")", won(u.amountWon)))
                    }
                }
            }
        }
        .navigationTitle("service.title")
        .task { await loadUsage() }
    }

    @ViewBuilder
    private func errorsOf(_ field: String) -> some View {
        ForEach(errors.filter { $0.field == field }) { ErrorText(error: $0) }
    }

    /// Chooses the item; a field the new item does not show is emptied, so nothing hidden is saved.
    private func choose(_ next: ServiceItem?) {
        item = next
        errors = []
        let shape = next.map { serviceItemInfo(item: $0).shape }
        if shape != .paid { quantity = "" }
        if shape == nil || shape == .linked { amount = "" }
        if shape != .money { crisisReason = nil; extraPayment = false }
    }

    private func save() async {
        guard let info else {
            errors = [UiError(code: "required", text: tr("service.item_required"), field: "service.item")]
            return
        }
        let (q, qError) = typedNumber(quantity, field: "service.quantity")
        let (a, aError) = typedNumber(amount, field: "service.amount_won")
        let typing = [qError, aError].compactMap { $0 }
        guard typing.isEmpty else {
            errors = typing
            return
        }
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        let money = info.shape == .money
        let record = NewServiceProvision(
            householdId: householdId, item: info.item, providedOn: seoulDay(providedOn), recordedBy: user.userId,
            quantity: q, amountWon: a, caseId: nil, note: trimmed.isEmpty ? nil : trimmed, corrects: nil,
            crisisReason: money ? crisisReason : nil,
            supportKind: money && crisisReason != nil ? (extraPayment ? .extra : .new) : nil)
        do {
            saved = try await Facade.run { try store.recordService(service: record) }
            errors = []
            await loadUsage()
        } catch {
            errors = [UiError(error)]
        }
    }

    private func loadUsage() async {
        let id = householdId
        let year = Int32(seoulDay().prefix(4)) ?? 0
        usage = (try? await Facade.run { try store.serviceYearUsage(householdId: id, year: year) }) ?? []
    }
}
