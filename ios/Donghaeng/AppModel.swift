import Foundation
import SwiftUI

/// Where the app is: opening the store, enrolment, or the working day of the enrolled user.
enum AppPhase {
    case opening
    case failed(UiError)
    case enrolment(DonghaengStore)
    case ready(DonghaengStore, EnrolledUser)
}

/// The process's one store, account and safety session. Screens read it on the main actor; every
/// blocking call goes through `Facade`.
@MainActor
final class AppModel: ObservableObject {
    static let shared = AppModel()

    @Published private(set) var phase: AppPhase = .opening
    /// The account of the enrolled phone (its server, its credential in the Keychain).
    @Published private(set) var account: DeviceAccount?
    /// The safety session this phone may still owe something (ticked on every wake-up).
    @Published var safety: SafetyController?
    /// The session shown over the tabs (nil once the worker closed the screen after check-out).
    @Published var presentedSafety: SafetyController?
    /// Set when the Keychain key no longer opened the file and it was kept aside (see `openStore`).
    @Published private(set) var unreadableFile: URL?
    @Published private(set) var syncing = false

    let outbox = SmsOutbox()
    private let vault = KeychainVault()
    private var store: DonghaengStore?
    private var launching: Task<Void, Never>?
    private var syncAgain = false

    private init() {
        launching = Task { await launch() }
    }

    /// Waits until the store is open and the account read (a background task may wake the app).
    func launched() async {
        await launching?.value
    }

    /// Opens the store (wiping it first if a revocation left that undone), reads the account and
    /// resumes this phone's safety session.
    func launch() async {
        phase = .opening
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        let defaults = UserDefaults.standard
        let vault = self.vault
        do {
            var (store, aside) = try await Facade.run { try AppModel.openStore(dir: dir) }
            if defaults.bool(forKey: SettingsKey.wipeRequired) {
                let revoked = store
                try await Facade.run { try revoked.wipe() }
                (store, aside) = try await Facade.run { try AppModel.openStore(dir: dir) }
                defaults.removeObject(forKey: SettingsKey.wipeRequired)
            }
            self.store = store
            unreadableFile = aside ?? unreadableFile
            guard let url = defaults.string(forKey: SettingsKey.serverUrl) else {
                phase = .enrolment(store)
                return
            }
            let (account, user) = try await Facade.run { () -> (DeviceAccount, EnrolledUser?) in
                let a = try DeviceAccount(serverUrl: url, timeoutSecs: nil, rootsPem: nil, vault: vault)
                return (a, try a.enrolledUser())
            }
            self.account = account
            guard let user else {
                phase = .enrolment(store)
                return
            }
            phase = .ready(store, user)
            await resumeSafety(store: store, user: user)
            BackgroundSync.schedule()
        } catch {
            phase = .failed(UiError(error))
        }
    }

    /// Enrols with the team lead's code; the credential goes to the Keychain through the core.
    func enrol(serverUrl: String, code: String) async throws {
        guard case let .enrolment(store) = phase else { return }
        let vault = self.vault
        let (account, user) = try await Facade.run(on: Facade.network) { () -> (DeviceAccount, EnrolledUser) in
            let a = try DeviceAccount(serverUrl: serverUrl, timeoutSecs: nil, rootsPem: nil, vault: vault)
            return (a, try a.enrol(store: store, code: code))
        }
        UserDefaults.standard.set(account.serverUrl(), forKey: SettingsKey.serverUrl)
        self.account = account
        phase = .ready(store, user)
        BackgroundSync.schedule()
    }

    /// One sync now. `nil`: one was already running (it is run once more after it). A revoked phone
    /// wipes its data and returns to enrolment; the error is rethrown for the screen.
    @discardableResult
    func syncNow(progress: SyncProgressListener? = nil) async throws -> SyncReport? {
        guard case let .ready(store, _) = phase, let account else { return nil }
        if syncing {
            syncAgain = true
            return nil
        }
        syncing = true
        defer { syncing = false }
        do {
            let report = try await Facade.run(on: Facade.network) {
                try account.syncNow(store: store, listener: progress)
            }
            if syncAgain {
                syncAgain = false
                Task { try? await self.syncNow() }
            }
            return report
        } catch {
            switch errorCode(error) {
            case "device_revoked": await wipeAfterRevocation()
            case "not_enrolled": phase = .enrolment(store)
            default: break
            }
            throw error
        }
    }

    /// After a safety event: a sync soon, so that the server (which escalates and relays silent
    /// alarms on its own) knows at once. Failures are left to the sync screen and the next try.
    func requestSyncSoon() {
        Task { try? await self.syncNow() }
    }

    /// The background task's sync: true when it ran to the end (or there was nothing to do).
    func backgroundSync() async -> Bool {
        await launched()
        guard case .ready = phase else { return true }
        do {
            _ = try await syncNow()
            return true
        } catch {
            return false
        }
    }

    /// `device_revoked` (the core has cleared the Keychain credential): the store is closed and its
    /// file deleted, then enrolment is shown. The flag survives a kill between the two steps, and
    /// `launch` finishes the wipe.
    func wipeAfterRevocation() async {
        UserDefaults.standard.set(true, forKey: SettingsKey.wipeRequired)
        UserDefaults.standard.removeObject(forKey: SettingsKey.safetyVisit)
        presentedSafety = nil
        safety = nil
        account = nil
        outbox.clear()
        SafetyNotifications.cancel()
        if let store {
            for _ in 0..<10 {
                do {
                    try await Facade.run { try store.wipe() }
                    UserDefaults.standard.removeObject(forKey: SettingsKey.wipeRequired)
                    break
                } catch let error where errorCode(error) == "store_busy" {
                    // Another call on the store is still running: try again when it returns.
                    try? await Task.sleep(nanoseconds: 500_000_000)
                } catch {
                    break
                }
            }
        }
        store = nil
        await launch()
    }
}
