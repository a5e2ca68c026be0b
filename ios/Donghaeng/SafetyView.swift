import SwiftUI

/// The safety session of the visit: status, the time left to the next deadline, the "are you safe?"
/// prompt, more time, the visit's forms, and check-out with the PIN. The SOS button is pinned below
/// every screen of this stack (also the wellness and service forms opened from here) until the
/// phone shows the session closed.
struct SafetyView: View {
    @ObservedObject var controller: SafetyController
    @ObservedObject var model: AppModel
    let store: DonghaengStore
    let user: EnrolledUser
    @State private var pin = ""
    @State private var now = nowMs()
    private let timer = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    private var closed: Bool { controller.status?.status == .closed }

    var body: some View {
        NavigationStack {
            List {
                statusSection
                if let prompt = controller.prompt {
                    Section {
                        Text(prompt).font(.headline)
                        Button("safety.im_safe") { Task { await controller.checkIn() } }
                            .buttonStyle(.borderedProminent)
                    }
                }
                if !closed {
                    Section("safety.more_time") {
                        HStack {
                            Button("safety.extend_15") { Task { await controller.extend(minutes: 15) } }
                            Spacer()
                            Button("safety.extend_30") { Task { await controller.extend(minutes: 30) } }
                        }
                        .buttonStyle(.bordered)
                        Button("safety.check_in") { Task { await controller.checkIn() } }
                    }
                }
                if let context = controller.context {
                    Section("safety.visit") {
                        NavigationLink("safety.household") {
                            HouseholdView(store: store, user: user, householdId: context.householdId,
                                          visitId: context.visitId)
                        }
                        NavigationLink("safety.wellness") {
                            WellnessView(store: store, user: user, householdId: context.householdId,
                                         visitId: context.visitId)
                        }
                        NavigationLink("safety.service") {
                            ServiceRecordView(store: store, user: user, householdId: context.householdId)
                        }
                    }
                }
                checkOutSection
                if let error = controller.error {
                    Section { ErrorText(error: error) }
                }
                if controller.unsavedEvents > 0 {
                    Section { Text("safety.unsaved").foregroundColor(.orange) }
                }
            }
            .navigationTitle("safety.title")
        }
        .safeAreaInset(edge: .bottom) {
            if !closed { sosBar }
        }
        .smsOutbox(model.outbox, enabled: true)
        .onReceive(timer) { _ in
            now = nowMs()
            if let wake = controller.wakeMs, wake <= now {
                Task { await controller.tick(force: false) }
            }
        }
        .task { await controller.refresh() }
    }

    private var statusSection: some View {
        Section {
            Text(controller.status?.status.label ?? "").font(.title2)
            if let due = controller.status?.nextDueMs, !closed {
                let left = due - now
                Text(left >= 0 ? tr("safety.remaining", clock(left)) : tr("safety.overdue", clock(-left)))
                    .font(.title3.monospacedDigit())
                    .foregroundColor(left >= 0 ? .primary : .red)
            }
            if let back = controller.status?.expectedReturnMs {
                Text(tr("safety.expected_return", seoulTime(back)))
            }
            if controller.sosEventId != nil {
                Text("safety.sos_sent").foregroundColor(.red)
                Button("safety.sos_cancel") { Task { await controller.cancelSos() } }
            }
        }
    }

    @ViewBuilder
    private var checkOutSection: some View {
        Section("safety.checkout") {
            if let receipt = controller.receipt {
                Text(receipt)
                Button("safety.close") { model.dismissSafety() }
                    .buttonStyle(.borderedProminent)
            } else {
                SecureField("safety.pin", text: $pin).keyboardType(.numberPad)
                Button("safety.checkout_button") {
                    let entered = pin
                    pin = ""
                    Task { await controller.checkOut(pin: entered) }
                }
            }
        }
    }

    private var sosBar: some View {
        Button {
            Task { await controller.sos() }
        } label: {
            Text("safety.sos")
                .font(.title2.bold())
                .frame(maxWidth: .infinity, minHeight: 56)
        }
        .foregroundColor(.white)
        .background(Color.red)
        .accessibilityHint(Text("safety.sos_hint"))
    }

    /// "mm:ss", or "h:mm:ss" past an hour.
    private func clock(_ ms: Int64) -> String {
        let s = ms / 1000
        let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60)
        return h > 0 ? String(format: "%lld:%02lld:%02lld", h, m, sec) : String(format: "%02lld:%02lld", m, sec)
    }
}
