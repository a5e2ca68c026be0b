import SwiftUI

/// The sync screen: the offline banner, changes waiting, last success and try (`store.syncStatus()`),
/// "sync now" with its progress, and after a failure the core's advice (`adviceFor(code:)`).
struct SyncView: View {
    @ObservedObject var model: AppModel
    let store: DonghaengStore
    @StateObject private var progress = SyncProgressRelay()
    @State private var status: SyncStatus?
    @State private var report: SyncReport?
    @State private var error: UiError?

    var body: some View {
        NavigationStack {
            List {
                if status?.offline == true {
                    Section {
                        SwiftUI.Label("sync.offline", systemImage: "wifi.slash").foregroundColor(.orange)
                    }
                }
                if let aside = model.unreadableFile {
                    Section { Text(tr("sync.unreadable_kept", aside.lastPathComponent)).font(.footnote) }
                }
                Section {
                    LabeledContent("sync.pending", value: "\(status?.pending ?? 0)")
                    LabeledContent("sync.last_success", value: status?.lastSuccessMs.map(shortDateTime) ?? tr("sync.never"))
                    if let attempt = status?.lastAttemptMs {
                        LabeledContent("sync.last_attempt", value: shortDateTime(attempt))
                    }
                    if let server = model.account?.serverUrl() {
                        LabeledContent("sync.server", value: server)
                    }
                }
                Section {
                    Button {
                        Task { await sync() }
                    } label: {
                        if model.syncing { ProgressView() } else { Text("sync.now") }
                    }
                    .disabled(model.syncing)
                    if let line = progress.line { Text(line).font(.footnote) }
                    if let report {
                        Text(tr("sync.done", "\(report.pushed)", "\(report.pulled)"))
                        ForEach(report.refused, id: \.changeId) { r in
                            Text(pick(ko: r.ko, en: r.en)).font(.footnote).foregroundColor(.orange)
                        }
                    }
                }
                // The latest failure: this screen's, or the one recorded by a background sync.
                if let code = error?.code ?? status?.lastErrorCode {
                    Section("sync.problem") {
                        if let error { ErrorText(error: error) }
                        AdviceView(advice: Advice(code: code))
                    }
                }
            }
            .navigationTitle("sync.title")
            .task { await refresh() }
            .refreshable { await refresh() }
        }
    }

    private func refresh() async {
        status = try? await Facade.run { try store.syncStatus() }
    }

    private func sync() async {
        progress.line = nil
        do {
            if let done = try await model.syncNow(progress: progress) {
                report = done
            }
            error = nil
        } catch {
            self.error = UiError(error)
        }
        await refresh()
    }
}

/// The core's progress callbacks (on the network queue) as a line for the screen.
final class SyncProgressRelay: ObservableObject, SyncProgressListener, @unchecked Sendable {
    @Published var line: String?

    func onProgress(phase: SyncPhase, done: UInt64, total: UInt64) throws {
        let key = phase == .push ? "sync.progress_push" : "sync.progress_pull"
        let text = tr(key, "\(done)", "\(total)")
        DispatchQueue.main.async { self.line = text }
    }
}
