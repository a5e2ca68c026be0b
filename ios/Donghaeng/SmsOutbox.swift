import MessageUI
import SwiftUI

/// One text the core composed for the safety contacts.
struct OutgoingSms: Identifiable, Equatable {
    let id = UUID()
    let recipients: [SafetyContact]
    let text: String
}

/// The texts waiting to be sent from this phone. iOS lets an app send an SMS only through
/// `MFMessageComposeViewController`, which the user confirms, in the foreground: the queue is drained
/// one compose sheet at a time while the app is active (`smsOutbox` below). Never silent texts: those
/// are not queued at all. Fallback: every action is also a recorded safety event that reaches the
/// server at the next sync, and the server runs the same ladder and pages its SMS gateway, so an
/// unsent, cancelled or impossible text (no SIM) still reaches the contacts from there.
@MainActor
final class SmsOutbox: ObservableObject {
    @Published private(set) var queue: [OutgoingSms] = []

    /// From the safety listener, on any thread.
    nonisolated func enqueue(recipients: [SafetyContact], text: String) {
        let sms = OutgoingSms(recipients: recipients, text: text)
        Task { @MainActor in self.queue.append(sms) }
    }

    /// The compose sheet finished (sent, cancelled or failed): the next one comes up.
    func finished(_ sms: OutgoingSms) {
        queue.removeAll { $0.id == sms.id }
    }

    func clear() {
        queue.removeAll()
    }

    static var canSend: Bool { MFMessageComposeViewController.canSendText() }
}

/// `MFMessageComposeViewController` with the core's recipients and text.
struct MessageComposeView: UIViewControllerRepresentable {
    let sms: OutgoingSms
    let onFinish: () -> Void

    func makeUIViewController(context: Context) -> MFMessageComposeViewController {
        let controller = MFMessageComposeViewController()
        controller.recipients = sms.recipients.map(\.phone)
        controller.body = sms.text
        controller.messageComposeDelegate = context.coordinator
        return controller
    }

    func updateUIViewController(_ controller: MFMessageComposeViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onFinish: onFinish) }

    final class Coordinator: NSObject, MFMessageComposeViewControllerDelegate {
        let onFinish: () -> Void

        init(onFinish: @escaping () -> Void) {
            self.onFinish = onFinish
        }

        func messageComposeViewController(_ controller: MFMessageComposeViewController,
                                          didFinishWith result: MessageComposeResult) {
            onFinish()
        }
    }
}

/// Presents the outbox's next text while the app is active. Attached to the top-most screen only
/// (`enabled`), so that two sheets never compete.
struct SmsOutboxModifier: ViewModifier {
    @ObservedObject var outbox: SmsOutbox
    let enabled: Bool
    @Environment(\.scenePhase) private var scenePhase

    private var next: Binding<OutgoingSms?> {
        Binding(
            get: { enabled && scenePhase == .active && SmsOutbox.canSend ? outbox.queue.first : nil },
            set: { _ in })
    }

    func body(content: Content) -> some View {
        content
            .sheet(item: next) { sms in
                MessageComposeView(sms: sms) { outbox.finished(sms) }
                    .interactiveDismissDisabled()
            }
            .overlay(alignment: .top) {
                if enabled && !outbox.queue.isEmpty && !SmsOutbox.canSend {
                    // No SMS on this phone: the server sends these once the events are synced.
                    Text("sms.cannot_send")
                        .font(.footnote)
                        .padding(8)
                        .background(.yellow.opacity(0.9), in: RoundedRectangle(cornerRadius: 8))
                        .onTapGesture { outbox.clear() }
                }
            }
    }
}

extension View {
    func smsOutbox(_ outbox: SmsOutbox, enabled: Bool) -> some View {
        modifier(SmsOutboxModifier(outbox: outbox, enabled: enabled))
    }
}
