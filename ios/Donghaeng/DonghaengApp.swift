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

    /// Set when the Keychain key no longer opened the file and it was kept aside (see `openStore`).
    private(set) var unreadableFile: URL?

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            var aside: URL?
            store = try AppModel.openStore(dir: dir, aside: &aside)
            unreadableFile = aside
            eligibility = try EligibilityEngine()
        } catch {
            fatalError("cannot open the local store: \(koreanMessage(error))")
        }
        workerId = UserDefaults.standard.string(forKey: "worker_id") ?? ""
    }
}

extension AppModel {
    /// Opens the encrypted store with the key from the Keychain (a plain file from an earlier version is
    /// encrypted by the core on this open). If the key no longer opens the file (the Keychain item was
    /// lost), the file is kept aside, never deleted, and a fresh store is opened; its data come back
    /// from the server at the next sync. The file is excluded from backups and protected by iOS Data
    /// Protection on top of SQLCipher.
    static func openStore(dir: URL, aside: inout URL?) throws -> DonghaengStore {
        var file = dir.appendingPathComponent("donghaeng.db")
        let key = try KeychainKey.getOrCreate()
        let store: DonghaengStore
        do {
            store = try DonghaengStore.open(path: file.path, key: key)
        } catch DonghaengError.WrongKey(_, _, _, _) {
            let moved = dir.appendingPathComponent("donghaeng.db.unreadable-\(nowMs())")
            try FileManager.default.moveItem(at: file, to: moved)
            for suffix in ["-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: file.path + suffix)
            }
            aside = moved
            store = try DonghaengStore.open(path: file.path, key: key)
        }
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? file.setResourceValues(values)
        return store
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
    case let DonghaengError.WrongKey(_, _, ko, _): return ko
    case let DonghaengError.Closed(_, _, ko, _): return ko
    default: return "\(error)"
    }
}
