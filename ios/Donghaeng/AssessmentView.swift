import SwiftUI

/// The pre-visit safety assessment: every item confirmed (the core refuses otherwise and says which),
/// the expected return, who is alerted (asked only while no ladder is published for the team;
/// remembered for the next visit), and the check-out PINs. Its
/// button starts the safety session and then the visit.
struct AssessmentView: View {
    @ObservedObject var model: AppModel
    let item: AgendaItem
    let onStarted: () -> Void
    @Environment(\.dismiss) private var dismiss

    @State private var risksReviewed = false
    @State private var planShared = false
    @State private var phoneReady = false
    @State private var exitPlan = false
    @State private var concerns = ""
    @State private var expectedReturn = Date()
    @State private var leadName = UserDefaults.standard.string(forKey: SettingsKey.teamLeadName) ?? ""
    @State private var leadPhone = UserDefaults.standard.string(forKey: SettingsKey.teamLeadPhone) ?? ""
    @State private var headName = UserDefaults.standard.string(forKey: SettingsKey.dongHeadName) ?? ""
    @State private var headPhone = UserDefaults.standard.string(forKey: SettingsKey.dongHeadPhone) ?? ""
    /// The core says whether the contacts are needed (no ladder published for the team).
    @State private var askContacts = true
    @State private var pin = ""
    @State private var duressPin = ""
    @State private var busy = false
    @State private var error: UiError?

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text(verbatim: "\(item.headName) | \(item.address)")
                    if !item.riskFlags.isEmpty {
                        Text(tr("agenda.risks", item.riskFlags.map(\.label).joined(separator: ", ")))
                            .foregroundColor(.red)
                    }
                }
                Section("assess.checklist") {
                    Toggle("assess.risks_reviewed", isOn: $risksReviewed)
                    Toggle("assess.plan_shared", isOn: $planShared)
                    Toggle("assess.phone_ready", isOn: $phoneReady)
                    Toggle("assess.exit_plan", isOn: $exitPlan)
                    TextField("assess.concerns", text: $concerns, axis: .vertical)
                }
                Section("assess.return") {
                    DatePicker("assess.expected_return", selection: $expectedReturn,
                               in: Date()..., displayedComponents: [.hourAndMinute])
                }
                if askContacts {
                    Section("assess.contacts") {
                        TextField("assess.lead_name", text: $leadName)
                        TextField("assess.lead_phone", text: $leadPhone).keyboardType(.phonePad)
                        TextField("assess.head_name", text: $headName)
                        TextField("assess.head_phone", text: $headPhone).keyboardType(.phonePad)
                    }
                }
                Section {
                    SecureField("assess.pin", text: $pin).keyboardType(.numberPad)
                    SecureField("assess.duress_pin", text: $duressPin).keyboardType(.numberPad)
                } header: {
                    Text("assess.pins")
                } footer: {
                    Text("assess.pins_help")
                }
                if let error { ErrorText(error: error) }
                Button {
                    Task { await start() }
                } label: {
                    if busy { ProgressView() } else { Text("assess.start") }
                }
                .disabled(busy)
            }
            .navigationTitle("assess.title")
            .toolbar { Button("common.cancel") { dismiss() } }
            .onAppear {
                // The visit's planned end, or an hour from now if that has passed.
                let end = Date(timeIntervalSince1970: Double(item.visit.window.endMs) / 1000)
                expectedReturn = max(end, Date().addingTimeInterval(3600))
            }
            .task { askContacts = await model.needsSafetyContacts() }
        }
    }

    private func start() async {
        busy = true
        defer { busy = false }
        let defaults = UserDefaults.standard
        defaults.set(leadName, forKey: SettingsKey.teamLeadName)
        defaults.set(leadPhone, forKey: SettingsKey.teamLeadPhone)
        defaults.set(headName, forKey: SettingsKey.dongHeadName)
        defaults.set(headPhone, forKey: SettingsKey.dongHeadPhone)
        let trimmed = concerns.trimmingCharacters(in: .whitespacesAndNewlines)
        let plan = VisitSafetyPlan(
            assessment: SafetyAssessment(
                riskFlagsReviewed: risksReviewed, planSharedWithLead: planShared, phoneReady: phoneReady,
                exitPlanAgreed: exitPlan, concerns: trimmed.isEmpty ? nil : trimmed),
            teamLead: SafetyContact(name: leadName, phone: leadPhone),
            dongHead: SafetyContact(name: headName, phone: headPhone),
            expectedReturnMs: Int64((expectedReturn.timeIntervalSince1970 * 1000).rounded()),
            pin: pin, duressPin: duressPin.isEmpty ? nil : duressPin)
        do {
            try await model.startVisit(item, plan: plan)
            onStarted()
            dismiss()
        } catch {
            self.error = UiError(error)
        }
    }
}
