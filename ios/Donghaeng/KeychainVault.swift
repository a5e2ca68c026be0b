import Foundation
import Security

/// The device credential (what enrolment gave this phone) in the Keychain, for the core's
/// `DeviceAccount`: one generic-password item holding the credential as JSON, readable after the
/// first unlock (background sync runs while the phone is locked), this device only (never in iCloud
/// Keychain or a backup). Errors carry the OSStatus only, never the secret.
final class KeychainVault: CredentialVault, @unchecked Sendable {
    private let service = "kr.donghaeng.device-credential"
    private let account = "device-credential"

    /// The stored form: the role by its stable code (the generated records are not Codable).
    private struct Stored: Codable {
        let deviceId: String
        let deviceSecret: String
        let userId: String
        let role: String
    }

    /// Every role, to read a stored code back (the generated enum is not CaseIterable).
    private static let roles: [Role] = [
        .welfarePlanner, .visitingNurse, .careManager, .caseManager, .escort, .mentalHealthOfficer,
        .policeOfficer, .volunteerNeighborhoodCare, .volunteerBorami, .communityReporter,
    ]

    private var baseQuery: [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    private func failed(_ what: String, _ status: OSStatus) -> ListenerError {
        ListenerError.Failed(reason: "keychain \(what) failed: OSStatus \(status)")
    }

    func load() throws -> DeviceCredential? {
        var query = baseQuery
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data else { throw failed("read", status) }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data),
              let role = Self.roles.first(where: { $0.code() == stored.role })
        else {
            throw ListenerError.Failed(reason: "keychain holds an unreadable credential")
        }
        return DeviceCredential(
            deviceId: stored.deviceId, deviceSecret: stored.deviceSecret, userId: stored.userId, role: role)
    }

    func save(credential: DeviceCredential) throws {
        let stored = Stored(
            deviceId: credential.deviceId, deviceSecret: credential.deviceSecret,
            userId: credential.userId, role: credential.role.code())
        guard let data = try? JSONEncoder().encode(stored) else {
            throw ListenerError.Failed(reason: "credential could not be encoded")
        }
        // Replace: delete any earlier item, then add the new one with its protection class.
        let deleted = SecItemDelete(baseQuery as CFDictionary)
        guard deleted == errSecSuccess || deleted == errSecItemNotFound else { throw failed("replace", deleted) }
        var add = baseQuery
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        add[kSecValueData as String] = data
        let status = SecItemAdd(add as CFDictionary, nil)
        guard status == errSecSuccess else { throw failed("save", status) }
    }

    func clear() throws {
        let status = SecItemDelete(baseQuery as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw failed("delete", status) }
    }
}
