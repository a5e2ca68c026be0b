// The reference iOS app: thin SwiftUI screens over the generated bindings (module donghaeng_ffi, from
// DonghaengFFI.xcframework). Every rule, text and deadline comes from the Rust core.

import BackgroundTasks
import SwiftUI

@main
struct DonghaengApp: App {
    @StateObject private var model = AppModel()

    init() {
        SyncTask.register()
    }

    var body: some Scene {
        WindowGroup {
            TabView {
                VisitDayView(model: model).tabItem { Text("오늘 방문") }
                EligibilityView(model: model).tabItem { Text("자격 판정") }
                SyncView(model: model).tabItem { Text("동기화") }
            }
            .fullScreenCover(item: $model.safety) { session in
                SafetyView(controller: session)
            }
        }
    }
}

/// The process's store and engine, opened once.
final class AppModel: ObservableObject {
    let store: DonghaengStore
    let eligibility: EligibilityEngine
    let workerId: String
    @Published var safety: SafetyController?

    init() {
        // Kept in the Keychain; handed to the store once encryption at rest lands in the core (issue 10).
        _ = try? KeychainKey.getOrCreate()
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            store = try DonghaengStore.open(path: dir.appendingPathComponent("donghaeng.db").path)
            eligibility = try EligibilityEngine()
        } catch {
            fatalError("cannot open the local store: \(error)")
        }
        workerId = UserDefaults.standard.string(forKey: "worker_id") ?? ""
    }
}

/// Milliseconds since the epoch, as every instant crosses the boundary.
func nowMs() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}

/// The Korean message of a facade error.
func koreanMessage(_ error: Error) -> String {
    switch error {
    case let DonghaengError.Invalid(_, _, ko, _): return ko
    case let DonghaengError.NotFound(_, _, ko, _): return ko
    case let DonghaengError.InvalidTransition(_, _, ko, _): return ko
    case let DonghaengError.Conflict(_, _, ko, _): return ko
    case let DonghaengError.SchemaTooNew(_, _, ko, _): return ko
    case let DonghaengError.Storage(_, _, ko, _): return ko
    case let DonghaengError.Closed(_, _, ko, _): return ko
    default: return "\(error)"
    }
}
