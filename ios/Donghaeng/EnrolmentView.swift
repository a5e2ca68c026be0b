import SwiftUI
import UIKit

/// Enrolment: the server address and the team lead's one-time code, typed, pasted as the QR text
/// (`donghaeng://enrol?server=...&code=...`, read by the core's `parseEnrolmentInput`) or scanned.
struct EnrolmentView: View {
    @ObservedObject var model: AppModel
    let store: DonghaengStore
    @State private var serverUrl = UserDefaults.standard.string(forKey: SettingsKey.serverUrl) ?? ""
    @State private var code = ""
    @State private var busy = false
    @State private var error: UiError?
    @State private var scanning = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text("enrol.intro")
                }
                Section("enrol.server") {
                    TextField("enrol.server_placeholder", text: $serverUrl)
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    fieldError("server_url")
                }
                Section("enrol.code") {
                    TextField("enrol.code_placeholder", text: $code)
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                        .onSubmit { read(code) }
                    fieldError("code")
                    Button("enrol.paste") { read(UIPasteboard.general.string ?? "") }
                    if QRScannerView.isAvailable {
                        Button("enrol.scan") { scanning = true }
                    }
                }
                Section {
                    Button {
                        Task { await enrol() }
                    } label: {
                        if busy { ProgressView() } else { Text("enrol.submit") }
                    }
                    .disabled(busy || code.isEmpty)
                }
                if let error, error.field == nil || !["server_url", "code"].contains(error.field!) {
                    Section {
                        ErrorText(error: error)
                    }
                }
                if let error {
                    Section { AdviceView(advice: error.advice) }
                }
            }
            .navigationTitle("enrol.title")
            .sheet(isPresented: $scanning) {
                QRScannerView { text in
                    scanning = false
                    read(text)
                }
            }
        }
    }

    @ViewBuilder
    private func fieldError(_ field: String) -> some View {
        if let error, error.field == field {
            ErrorText(error: error)
        }
    }

    /// A QR payload fills both fields; a bare code is normalised by the core.
    private func read(_ text: String) {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        do {
            let input = try parseEnrolmentInput(text: text)
            if let url = input.serverUrl { serverUrl = url }
            code = input.code
            error = nil
        } catch {
            self.error = UiError(error)
        }
    }

    private func enrol() async {
        busy = true
        defer { busy = false }
        do {
            // What was typed may be the whole QR text: the core reads it either way.
            let input = try parseEnrolmentInput(text: code)
            let url = input.serverUrl ?? serverUrl.trimmingCharacters(in: .whitespacesAndNewlines)
            try await model.enrol(serverUrl: url, code: input.code)
        } catch {
            self.error = UiError(error)
        }
    }
}
