import Foundation

/// The app's own text for a key of Localizable.strings (ko.lproj, en.lproj), formatted with `args`.
/// Screens use keys only: no user-facing literal lives in Swift.
func tr(_ key: String, _ args: CVarArg...) -> String {
    let format = String(localized: String.LocalizationValue(key))
    return args.isEmpty ? format : String(format: format, locale: Locale.current, arguments: args)
}

/// Whether the screens are in Korean: the localisation the bundle picked, so that the core's texts
/// (which come in both languages) follow the app's own.
var screensInKorean: Bool {
    (Bundle.main.preferredLocalizations.first ?? "ko").hasPrefix("ko")
}

/// A text the core gives in both languages, as given, in the screens' language.
func pick(ko: String, en: String) -> String {
    screensInKorean ? ko : en
}

/// An amount of won for people ("181,470 won" / Korean form), from the strings files.
func won(_ amount: Int64) -> String {
    tr("format.won", amount.formatted(.number.grouping(.automatic)))
}

/// The core's enums answer their own labels; this picks the screens' language.
protocol CoreLabelled {
    func labelKo() -> String
    func labelEn() -> String
}

extension CoreLabelled {
    var label: String { pick(ko: labelKo(), en: labelEn()) }
}

extension VisitPurpose: CoreLabelled {}
extension VisitStatus: CoreLabelled {}
extension VisitOutcome: CoreLabelled {}
extension RiskFlag: CoreLabelled {}
extension HouseholdTag: CoreLabelled {}
extension Relation: CoreLabelled {}
extension Role: CoreLabelled {}
extension Observation: CoreLabelled {}
extension CaseStage: CoreLabelled {}
extension CrisisReason: CoreLabelled {}
extension SupportKind: CoreLabelled {}
extension ServiceItem: CoreLabelled {}
extension ServiceProgram: CoreLabelled {}
extension QuantityUnit: CoreLabelled {}
extension SafetySessionStatus: CoreLabelled {}

/// The crisis level's label (1-5), or the bare number if the core refuses it.
func crisisLabel(_ level: UInt8) -> String {
    guard let l = try? crisisLevelLabel(level: Int64(level)) else { return "\(level)" }
    return pick(ko: l.ko, en: l.en)
}

/// An error as a screen shows it: the core's stable code, its text in the screens' language, and
/// the input field it names (to show it under that field).
struct UiError: Identifiable, Equatable {
    let id = UUID()
    let code: String
    let text: String
    let field: String?

    init(code: String, text: String, field: String? = nil) {
        self.code = code
        self.text = text
        self.field = field
    }

    init(_ error: Error) {
        guard let e = error as? DonghaengError else {
            self.init(code: "unexpected", text: tr("error.unexpected"))
            return
        }
        switch e {
        case let .Invalid(code, field, ko, en),
             let .NotFound(code, field, ko, en),
             let .InvalidTransition(code, field, ko, en),
             let .Conflict(code, field, ko, en),
             let .SchemaTooNew(code, field, ko, en),
             let .Storage(code, field, ko, en),
             let .WrongKey(code, field, ko, en),
             let .Closed(code, field, ko, en):
            self.init(code: code, text: pick(ko: ko, en: en), field: field)
        }
    }

    /// What the core advises after this error (next step, title, body).
    var advice: Advice { Advice(code: code) }
}

/// The core's advice after a failure (`adviceFor(code:)`), in the screens' language.
struct Advice: Equatable {
    let step: NextStep
    let title: String
    let body: String

    init(code: String) {
        let a = adviceFor(code: code)
        step = a.step
        title = pick(ko: a.titleKo, en: a.titleEn)
        body = pick(ko: a.bodyKo, en: a.bodyEn)
    }
}

/// The stable code of a facade error, if it is one.
func errorCode(_ error: Error) -> String? {
    guard let e = error as? DonghaengError else { return nil }
    return UiError(e).code
}

/// A number as typed in a form ("1,500,000", "3 days"): separators, spaces and a trailing unit word
/// dropped. Empty: nil and no error; not a number: the form's own error on `field`.
func typedNumber(_ text: String, field: String) -> (Int64?, UiError?) {
    if text.trimmingCharacters(in: .whitespaces).isEmpty { return (nil, nil) }
    let digits = text.filter { !$0.isWhitespace && $0 != "," }.prefix(while: { $0.isNumber || $0 == "-" })
    guard let n = Int64(digits) else {
        return (nil, UiError(code: "not_a_number", text: tr("form.not_a_number", text), field: field))
    }
    return (n, nil)
}
