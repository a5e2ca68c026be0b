import SwiftUI

/// The wellness check (checklist of seven observations, signs, referral, note). The form checks only
/// that every item is answered ("not checked" is an answer); the rest is the core's, whose errors
/// come back under the field they name. After saving, the core's judgement that something calls for
/// action today is shown.
struct WellnessView: View {
    let store: DonghaengStore
    let user: EnrolledUser
    let householdId: String
    let visitId: String?
    @State private var answers: [String: Observation] = [:]
    @State private var arrears = false
    @State private var utilityCutoff = false
    @State private var needsReferral = false
    @State private var note = ""
    @State private var errors: [UiError] = []
    @State private var saved: WellnessCheck?
    @State private var busy = false

    /// The checklist in screen order: the core's field names, which also name the strings.
    private static let items = ["meals", "health", "mood", "mobility", "housing", "heating_cooling", "loneliness"]
    private static let options: [Observation] = [.good, .concern, .urgent, .notChecked]
    /// Fields whose errors are shown under them; any other error is shown above the button.
    private static let shownFields = Set(items.map { "checklist.\($0)" } + ["note"])

    var body: some View {
        Form {
            ForEach(Self.items, id: \.self) { field in
                Section(tr("wellness.\(field)")) {
                    Picker(tr("wellness.\(field)"), selection: binding(field)) {
                        ForEach(Self.options, id: \.self) { o in Text(o.label).tag(Optional(o)) }
                    }
                    .pickerStyle(.segmented)
                    .labelsHidden()
                    errorsOf("checklist.\(field)")
                }
            }
            Section("wellness.signs") {
                Toggle("wellness.arrears", isOn: $arrears)
                Toggle("wellness.utility_cutoff", isOn: $utilityCutoff)
                Toggle("wellness.needs_referral", isOn: $needsReferral)
            }
            Section("wellness.note") {
                TextField("wellness.note_placeholder", text: $note, axis: .vertical)
                errorsOf("note")
            }
            Section {
                ForEach(errors.filter { !Self.shownFields.contains($0.field ?? "") }) { ErrorText(error: $0) }
                Button("wellness.save") { Task { await save() } }.disabled(busy || saved != nil)
                if let saved {
                    Text(LocalizedStringKey(saved.checklist.isUrgent() ? "wellness.saved_urgent" : "wellness.saved"))
                        .foregroundColor(saved.checklist.isUrgent() ? .red : .green)
                }
            }
        }
        .navigationTitle("wellness.title")
    }

    private func binding(_ field: String) -> Binding<Observation?> {
        Binding(
            get: { answers[field] },
            set: { value in
                answers[field] = value
                errors.removeAll { $0.field == "checklist.\(field)" }
            })
    }

    @ViewBuilder
    private func errorsOf(_ field: String) -> some View {
        ForEach(errors.filter { $0.field == field }) { ErrorText(error: $0) }
    }

    private func save() async {
        let missing = Self.items.filter { answers[$0] == nil }
        guard missing.isEmpty else {
            errors = missing.map {
                UiError(code: "required", text: tr("wellness.required"), field: "checklist.\($0)")
            }
            return
        }
        let a = answers
        let checklist = WellnessChecklist(
            meals: a["meals"]!, health: a["health"]!, mood: a["mood"]!, mobility: a["mobility"]!,
            housing: a["housing"]!, heatingCooling: a["heating_cooling"]!, loneliness: a["loneliness"]!,
            arrearsSigns: arrears, utilityCutoffSigns: utilityCutoff, needsReferral: needsReferral)
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        let check = NewWellnessCheck(
            householdId: householdId, visitId: visitId, workerId: user.userId, checkedAtMs: nowMs(),
            contactMode: .home, checklist: checklist, note: trimmed.isEmpty ? nil : trimmed, corrects: nil)
        busy = true
        defer { busy = false }
        do {
            saved = try await Facade.run { try store.recordWellnessCheck(check: check) }
            errors = []
        } catch {
            errors = [UiError(error)]
        }
    }
}
