import Foundation
import Security

/// The database key: 32 random bytes in the Keychain, this device only, readable after first unlock
/// (background sync and safety alarms run while the phone is locked), handed to `DonghaengStore.open`.
/// `ThisDeviceOnly`: never in iCloud Keychain or a backup, so a copied database cannot be opened elsewhere.
enum KeychainKey {
    private static let account = "donghaeng-db-key"

    static func getOrCreate() throws -> Data {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
        ]
        var item: CFTypeRef?
        let found = SecItemCopyMatching(query as CFDictionary, &item)
        if found == errSecSuccess, let data = item as? Data, data.count == 32 {
            return data
        }
        // Only a missing item makes a new key: any other failure (e.g. before the first unlock after a
        // restart) must not replace the key of an existing database.
        guard found == errSecItemNotFound else {
            throw NSError(domain: "KeychainKey", code: Int(found))
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes) == errSecSuccess else {
            throw NSError(domain: "KeychainKey", code: 1)
        }
        let data = Data(bytes)
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: data,
        ]
        let status = SecItemAdd(add as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw NSError(domain: "KeychainKey", code: Int(status))
        }
        return data
    }
}
