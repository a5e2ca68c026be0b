import SwiftUI

/// Eligibility of a stored household (`evaluateHousehold`): members, their ages and disability, the
/// lonely-death tag, recorded emergency support and this year's Care SOS use come from the store; the
/// worker enters here what the store cannot know (money, support received elsewhere, today's crisis,
/// a Care SOS request). Never stored. Below: the core's decision per program with every check.
struct EligibilityView: View {
    let store: DonghaengStore
    let householdId: String

    @State private var asOf = Date()
    @State private var seoul = true
    @State private var householdSize = ""
    @State private var income = ""
    @State private var recognisedIncome = ""
    @State private var property = ""
    @State private var financialAssets = ""
    @State private var bottom20 = false
    @State private var receiving: Set<String> = []
    @State private var reasons: Set<CrisisReason> = []
    @State private var requestedItems: Set<String> = []
    @State private var extraPayment = false
    @State private var homeCareHours = ""
    @State private var shortStayDays = ""
    @State private var escortMinutes = ""
    @State private var housingHelpMinutes = ""
    @State private var meals = ""
    @State private var errors: [UiError] = []
    @State private var result: EligibilityResult?
    @State private var busy = false

    /// Every crisis reason, in the core's order (the generated enum is not CaseIterable).
    static let crisisReasons: [CrisisReason] = [
        .mainEarnerLoss, .seriousIllness, .abuseNeglect, .domesticViolence, .fireDisaster, .jobLoss,
        .businessClosure, .utilityCutoff, .heatColdWave, .caseConferenceRecognised,
    ]
    /// Codes of support received beyond the household's tags (the core's `Receiving`).
    private static let receivingCodes = [
        "national_basic_livelihood", "near_poor", "national_emergency_welfare", "seoul_emergency_welfare",
        "seoul_basic_security", "care_sos", "seoul_safety_income", "visiting_health_care", "elderly_basic_care",
    ]

    var body: some View {
        Form {
            Section {
                DatePicker("elig.as_of", selection: $asOf, displayedComponents: [.date])
                Toggle("elig.seoul", isOn: $seoul)
                amountField("elig.household_size", $householdSize, "facts.household_size")
            }
            Section("elig.money") {
                amountField("elig.income", $income, "facts.monthly_income_won")
                amountField("elig.recognised_income", $recognisedIncome, "facts.recognised_income_won")
                amountField("elig.property", $property, "facts.property_won")
                amountField("elig.financial_assets", $financialAssets, "facts.financial_assets_won")
                Toggle("elig.bottom20", isOn: $bottom20)
            }
            Section("elig.receiving") {
                ForEach(Self.receivingCodes, id: \.self) { code in
                    Toggle(tr("receiving.\(code)"), isOn: member(code, of: $receiving))
                }
            }
            Section("elig.crisis") {
                ForEach(Self.crisisReasons, id: \.self) { r in
                    Toggle(r.label, isOn: member(r, of: $reasons))
                }
                if !reasons.isEmpty {
                    Toggle("elig.extra_payment", isOn: $extraPayment)
                    ForEach(serviceItems(program: .seoulEmergencyWelfare), id: \.code) { i in
                        Toggle(tr("elig.request_item", pick(ko: i.labelKo, en: i.labelEn)),
                               isOn: member(i.code, of: $requestedItems))
                    }
                }
            }
            Section("elig.care_sos") {
                amountField("elig.home_care_hours", $homeCareHours, "care_sos_request.temporary_home_care_hours")
                amountField("elig.short_stay_days", $shortStayDays, "care_sos_request.short_stay_days")
                amountField("elig.escort_minutes", $escortMinutes, "care_sos_request.escort_minutes")
                amountField("elig.housing_help_minutes", $housingHelpMinutes, "care_sos_request.housing_help_minutes")
                amountField("elig.meals", $meals, "care_sos_request.meals")
            }
            Section {
                ForEach(errors.filter { $0.field == nil }) { ErrorText(error: $0) }
                Button("elig.evaluate") { Task { await evaluate() } }.disabled(busy)
            }
            if let result {
                ForEach(result.programs, id: \.program.code) { p in
                    ProgramDecisionSection(decision: p)
                }
            }
        }
        .navigationTitle("elig.title")
    }

    private func amountField(_ key: String, _ text: Binding<String>, _ field: String) -> some View {
        VStack(alignment: .leading) {
            TextField(LocalizedStringKey(key), text: text).keyboardType(.numberPad)
            ForEach(errors.filter { $0.field == field }) { ErrorText(error: $0) }
        }
    }

    private func member<T: Hashable>(_ value: T, of set: Binding<Set<T>>) -> Binding<Bool> {
        Binding(
            get: { set.wrappedValue.contains(value) },
            set: { on in
                if on { set.wrappedValue.insert(value) } else { set.wrappedValue.remove(value) }
            })
    }

    /// The entered facts, or the form's own errors (numbers that are not numbers).
    private func facts() -> (EnteredFacts?, [UiError]) {
        var typing: [UiError] = []
        func n(_ text: String, _ field: String) -> Int64? {
            let (value, error) = typedNumber(text, field: field)
            if let error { typing.append(error) }
            return value
        }
        let size = n(householdSize, "facts.household_size")
        let monthly = n(income, "facts.monthly_income_won") ?? 0
        let recognised = n(recognisedIncome, "facts.recognised_income_won")
        let prop = n(property, "facts.property_won") ?? 0
        let assets = n(financialAssets, "facts.financial_assets_won") ?? 0
        let hours = n(homeCareHours, "care_sos_request.temporary_home_care_hours")
        let days = n(shortStayDays, "care_sos_request.short_stay_days")
        let escort = n(escortMinutes, "care_sos_request.escort_minutes")
        let housing = n(housingHelpMinutes, "care_sos_request.housing_help_minutes")
        let mealCount = n(meals, "care_sos_request.meals")
        guard typing.isEmpty else { return (nil, typing) }
        let ordered = Self.crisisReasons.filter { reasons.contains($0) }
        let crisis = ordered.isEmpty ? nil : EnteredCrisis(
            reasons: ordered, requestedItems: requestedItems.sorted(), supportKind: extraPayment ? .extra : .new)
        let care = [hours, days, escort, housing, mealCount].allSatisfy({ $0 == nil }) ? nil : CareSosRequestInput(
            temporaryHomeCareHours: hours ?? 0, shortStayDays: days ?? 0, escortMinutes: escort ?? 0,
            housingHelpMinutes: housing ?? 0, meals: mealCount ?? 0)
        let entered = EnteredFacts(
            monthlyIncomeWon: monthly, propertyWon: prop, financialAssetsWon: assets,
            recognisedIncomeWon: recognised, residence: seoul ? "seoul" : "other", householdSize: size,
            receiving: receiving.sorted(), healthInsuranceBottom20pct: bottom20, crisis: crisis,
            careSosRequest: care, programs: nil)
        return (entered, [])
    }

    private func evaluate() async {
        let (entered, typing) = facts()
        guard let entered else {
            errors = typing
            return
        }
        busy = true
        defer { busy = false }
        let id = householdId, day = seoulDay(asOf)
        do {
            result = try await Facade.run { try store.evaluateHousehold(householdId: id, asOf: day, facts: entered) }
            errors = []
        } catch {
            // A field the form does not show (e.g. facts.crisis.reasons[0]) is shown with the others.
            let e = UiError(error)
            errors = [UiError(code: e.code, text: e.text, field: shownField(e.field))]
            result = nil
        }
    }

    private func shownField(_ field: String?) -> String? {
        let shown: Set<String> = [
            "facts.household_size", "facts.monthly_income_won", "facts.recognised_income_won",
            "facts.property_won", "facts.financial_assets_won", "care_sos_request.temporary_home_care_hours",
            "care_sos_request.short_stay_days", "care_sos_request.escort_minutes",
            "care_sos_request.housing_help_minutes", "care_sos_request.meals",
        ]
        guard let field, shown.contains(field) else { return nil }
        return field
    }
}

/// One program's decision: the core's label, amounts, every check and note, in the screens' language.
struct ProgramDecisionSection: View {
    let decision: ProgramDecision

    var body: some View {
        let p = decision
        Section(pick(ko: p.program.labelKo, en: p.program.labelEn)) {
            Text(pick(ko: p.decisionKo, en: p.decisionEn)).font(.headline)
            if p.provisional {
                SwiftUI.Label("elig.provisional", systemImage: "exclamationmark.triangle").foregroundColor(.orange)
            }
            ForEach(p.support, id: \.itemCode) { s in
                Text(tr("elig.support_max", pick(ko: s.labelKo, en: s.labelEn), won(s.maxAmountWon)))
            }
            if let monthly = p.monthlyBenefitWon {
                Text(tr("elig.monthly_benefit", won(monthly)))
            }
            if let cost = p.careSosCost {
                Text(tr("elig.care_covered", won(cost.coveredTotalWon)))
                if cost.selfPayWon > 0 { Text(tr("elig.self_pay", won(cost.selfPayWon))) }
            }
            ForEach(Array(p.checks.enumerated()), id: \.offset) { _, c in
                SwiftUI.Label(pick(ko: c.ko, en: c.en), systemImage: c.passed ? "checkmark.circle" : "xmark.circle")
                    .foregroundColor(c.passed ? .primary : .red)
            }
            ForEach(Array(p.notes.enumerated()), id: \.offset) { _, n in
                SwiftUI.Label(pick(ko: n.ko, en: n.en), systemImage: "info.circle").font(.footnote)
            }
        }
    }
}
