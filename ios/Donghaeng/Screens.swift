import SwiftUI

struct VisitDayView: View {
    @ObservedObject var model: AppModel
    @State private var items: [AgendaItem] = []
    @State private var error: String?

    var body: some View {
        List {
            if let error { Text(error).foregroundColor(.red) }
            ForEach(items, id: \.visit.id) { item in
                VStack(alignment: .leading) {
                    Text("\(item.headName) · \(item.visit.purpose.labelKo())").font(.headline)
                    Text(item.address)
                    Text("동행: " + item.partners.map(\.name).joined(separator: ", "))
                    if !item.riskFlags.isEmpty {
                        Text("주의: " + item.riskFlags.map { $0.labelKo() }.joined(separator: ", ")).foregroundColor(.red)
                    }
                    Button("방문 시작") {
                        do { _ = try model.store.startVisit(id: item.visit.id, atMs: nowMs()) } catch { self.error = koreanMessage(error) }
                    }
                }
            }
        }
        .onAppear(perform: load)
    }

    private func load() {
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "Asia/Seoul")!, formatOptions: [.withFullDate])
        do { items = try model.store.agendaForWorker(workerId: model.workerId, day: today) } catch { self.error = koreanMessage(error) }
    }
}

struct SafetyView: View {
    @ObservedObject var controller: SafetyController
    @State private var pin = ""

    var body: some View {
        VStack(spacing: 16) {
            Text(controller.status?.status.labelKo() ?? "").font(.title)
            if let prompt = controller.prompt {
                Text(prompt)
                Button("안전합니다") { controller.checkIn() }
            }
            // SOS is always on screen while the session runs.
            Button("SOS 긴급호출") { controller.sos() }.foregroundColor(.white).padding().background(Color.red)
            SecureField("PIN", text: $pin).keyboardType(.numberPad)
            Button("복귀 처리") { controller.checkOut(pin: pin) }
            if let message = controller.message { Text(message) }
        }
        .padding()
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in
            controller.tick()
        }
    }
}

struct EligibilityView: View {
    @ObservedObject var model: AppModel
    @State private var json = ""
    @State private var result: EligibilityResult?
    @State private var error: String?

    var body: some View {
        Form {
            TextEditor(text: $json).frame(minHeight: 120)
            Button("판정") {
                do { result = try model.eligibility.evaluate(inputJson: json); error = nil } catch { self.error = koreanMessage(error) }
            }
            if let error { Text(error).foregroundColor(.red) }
            if let result {
                ForEach(result.programs, id: \.program.code) { p in
                    Section(header: Text("\(p.program.labelKo): \(p.decisionKo)")) {
                        if p.provisional { Text("⚠ 잠정 기준: 구청에 확인하세요") }
                        ForEach(p.support, id: \.itemCode) { s in Text("→ \(s.labelKo) 최대 \(s.maxAmountWon)원") }
                        ForEach(p.checks, id: \.code) { c in Text((c.passed ? "✓ " : "✗ ") + c.ko) }
                    }
                }
            }
        }
    }
}

struct SyncView: View {
    @ObservedObject var model: AppModel
    @State private var pending: UInt64 = 0

    var body: some View {
        VStack {
            Text("보내지 않은 변경: \(pending)건")
            Button("지금 동기화") { SyncTask.runNow(store: model.store) }
        }
        .onAppear { pending = (try? model.store.pendingChanges()) ?? 0 }
    }
}
