import SwiftUI
import VisionKit

/// The enrolment QR code through VisionKit's `DataScannerViewController` (iOS 16, a device with a
/// camera; Info.plist needs `NSCameraUsageDescription`). Optional: pasting the QR text does the same.
struct QRScannerView: UIViewControllerRepresentable {
    let onScanned: (String) -> Void

    @MainActor static var isAvailable: Bool {
        DataScannerViewController.isSupported && DataScannerViewController.isAvailable
    }

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: [.qr])], qualityLevel: .balanced,
            recognizesMultipleItems: false, isHighFrameRateTrackingEnabled: false, isHighlightingEnabled: true)
        scanner.delegate = context.coordinator
        return scanner
    }

    func updateUIViewController(_ scanner: DataScannerViewController, context: Context) {
        if !scanner.isScanning {
            try? scanner.startScanning()
        }
    }

    func makeCoordinator() -> Coordinator { Coordinator(onScanned: onScanned) }

    @MainActor
    final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let onScanned: (String) -> Void
        private var done = false

        init(onScanned: @escaping (String) -> Void) {
            self.onScanned = onScanned
        }

        func dataScanner(_ scanner: DataScannerViewController, didAdd addedItems: [RecognizedItem],
                         allItems: [RecognizedItem]) {
            for item in addedItems {
                if case let .barcode(code) = item, let text = code.payloadStringValue, !done {
                    done = true
                    scanner.stopScanning()
                    onScanned(text)
                    return
                }
            }
        }
    }
}
