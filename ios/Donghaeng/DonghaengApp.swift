// The reference iOS app: thin SwiftUI screens over the generated bindings (module donghaeng_ffi, from
// DonghaengFFI.xcframework). Every rule, deadline and core text comes from the Rust core; the app's
// own texts are in ko.lproj / en.lproj Localizable.strings.

import SwiftUI
import UIKit
import UserNotifications

@main
struct DonghaengApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView(model: model)
        }
        .onChange(of: scenePhase) { phase in
            if phase == .active {
                Task { await model.tickSafety() }
            }
        }
    }
}

/// Registers the background task and receives the safety notifications.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        BackgroundSync.register()
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    /// A deadline reached while the app is open: tick, and show the notification anyway.
    func userNotificationCenter(_ center: UNUserNotificationCenter,
                                willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        await AppModel.shared.tickSafety()
        return [.banner, .sound, .list]
    }

    /// The worker opened the app from the notification.
    func userNotificationCenter(_ center: UNUserNotificationCenter,
                                didReceive response: UNNotificationResponse) async {
        await AppModel.shared.tickSafety()
    }
}

/// Enrolment when the phone is not enrolled, else the day's tabs; the safety screen over them
/// while a session runs.
struct RootView: View {
    @ObservedObject var model: AppModel

    var body: some View {
        switch model.phase {
        case .opening:
            ProgressView("app.opening")
        case let .failed(error):
            VStack(spacing: 16) {
                Text(error.text)
                AdviceView(advice: error.advice)
                Button("app.retry") { Task { await model.launch() } }
            }
            .padding()
        case let .enrolment(store):
            EnrolmentView(model: model, store: store)
        case let .ready(store, user):
            MainTabs(model: model, store: store, user: user)
        }
    }
}

struct MainTabs: View {
    @ObservedObject var model: AppModel
    let store: DonghaengStore
    let user: EnrolledUser

    var body: some View {
        TabView {
            AgendaView(model: model, store: store, user: user)
                .tabItem { SwiftUI.Label("tab.agenda", systemImage: "list.bullet.clipboard") }
            SyncView(model: model, store: store)
                .tabItem { SwiftUI.Label("tab.sync", systemImage: "arrow.triangle.2.circlepath") }
        }
        .smsOutbox(model.outbox, enabled: model.presentedSafety == nil)
        .fullScreenCover(item: $model.presentedSafety) { controller in
            SafetyView(controller: controller, model: model, store: store, user: user)
        }
    }
}

/// The core's advice after a failure: what to do next.
struct AdviceView: View {
    let advice: Advice

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(advice.title).font(.headline)
            Text(advice.body).font(.callout)
        }
    }
}

/// A facade error in red.
struct ErrorText: View {
    let error: UiError

    var body: some View {
        Text(error.text).foregroundColor(.red)
    }
}
