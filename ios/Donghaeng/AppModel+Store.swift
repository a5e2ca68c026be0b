import Foundation

extension AppModel {
    /// Opens the encrypted store with the key from the Keychain (a plain file from an earlier version
    /// is encrypted by the core on this open). If the key no longer opens the file (the Keychain item
    /// was lost), the file is kept aside, never deleted, and a fresh store is opened; its data come
    /// back from the server at the next sync. The file is excluded from backups and protected by iOS
    /// Data Protection on top of SQLCipher. Blocking: call it through `Facade`.
    nonisolated static func openStore(dir: URL) throws -> (DonghaengStore, URL?) {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var file = dir.appendingPathComponent("donghaeng.db")
        let key = try KeychainKey.getOrCreate()
        let store: DonghaengStore
        var aside: URL?
        do {
            store = try DonghaengStore.open(path: file.path, key: key)
        } catch DonghaengError.WrongKey(_, _, _, _) {
            let moved = dir.appendingPathComponent("donghaeng.db.unreadable-\(nowMs())")
            try FileManager.default.moveItem(at: file, to: moved)
            for suffix in ["-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: file.path + suffix)
            }
            aside = moved
            store = try DonghaengStore.open(path: file.path, key: key)
        }
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? file.setResourceValues(values)
        return (store, aside)
    }
}
