import Foundation

/// Every call into the Rust core that may block (SQLite, the network, the Keychain) runs on one of
/// these serial queues, never on the main actor. Three queues, so that an SOS never waits behind a
/// sync or a list load on the app's side (the core serialises store access itself).
enum Facade {
    /// Store reads and writes of the screens.
    static let store = DispatchQueue(label: "kr.donghaeng.facade.store", qos: .userInitiated)
    /// The safety session: check-in, SOS, check-out, ticks.
    static let safety = DispatchQueue(label: "kr.donghaeng.facade.safety", qos: .userInteractive)
    /// Enrolment and sync (network, up to the core's 30 s per request).
    static let network = DispatchQueue(label: "kr.donghaeng.facade.network", qos: .utility)

    /// Runs `body` on `queue` and resumes the caller with its result or error.
    /// `body` is `@Sendable`: it never inherits the caller's (main) actor, so it may run elsewhere.
    static func run<T>(on queue: DispatchQueue = store, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// Milliseconds since the epoch, as every instant crosses the boundary.
func nowMs() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}

/// Korean time: the core's calendar days are days in Seoul.
let seoulTimeZone = TimeZone(identifier: "Asia/Seoul")!

private func seoulFormatter(_ format: String) -> DateFormatter {
    let f = DateFormatter()
    f.calendar = Calendar(identifier: .gregorian)
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = seoulTimeZone
    f.dateFormat = format
    return f
}

private let dayFormatter = seoulFormatter("yyyy-MM-dd")
private let timeFormatter = seoulFormatter("HH:mm")

/// "YYYY-MM-DD" in Seoul, as the core takes a day.
func seoulDay(_ date: Date = Date()) -> String {
    dayFormatter.string(from: date)
}

/// "HH:mm" in Seoul, as field workers read times.
func seoulTime(_ ms: Int64) -> String {
    timeFormatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

/// A date and time for people, in the phone's locale.
func shortDateTime(_ ms: Int64) -> String {
    Date(timeIntervalSince1970: Double(ms) / 1000).formatted(date: .abbreviated, time: .shortened)
}

/// Keys of the app's few plain settings (no secrets, no personal data: those are in the Keychain
/// and the encrypted store).
enum SettingsKey {
    static let serverUrl = "server_url"
    static let wipeRequired = "wipe_required"
    static let safetyVisit = "safety_visit"
    static let teamLeadName = "team_lead_name"
    static let teamLeadPhone = "team_lead_phone"
    static let dongHeadName = "dong_head_name"
    static let dongHeadPhone = "dong_head_phone"
}
