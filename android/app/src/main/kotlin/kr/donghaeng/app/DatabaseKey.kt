package kr.donghaeng.app

import android.content.Context
import android.util.Base64
import java.security.SecureRandom

/**
 * The database key: 32 random bytes, stored only wrapped (AES-GCM) by a non-exportable Android Keystore
 * key (hardware-backed where the phone has it). The wrapped bytes live in private app storage; the raw
 * key exists in memory only, is handed to `DonghaengStore.open` and wiped by the caller.
 *
 * The app is not backed up (`allowBackup="false"` in the manifest): the wrapped key restored onto
 * another phone could not be unwrapped anyway, and the database must not leave the phone.
 */
object DatabaseKey {
    private const val ALIAS = "donghaeng-db-wrap"
    private const val PREFS = "donghaeng-key"

    private val seal = KeystoreSeal(ALIAS)

    fun getOrCreate(context: Context): ByteArray {
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        val stored = prefs.getString("wrapped", null)
        if (stored != null) {
            return seal.open(Base64.decode(stored, Base64.NO_WRAP))
        }
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val wrapped = seal.seal(key)
        // commit(), not apply(): the key must be on disk before the first encrypted write uses it.
        check(prefs.edit().putString("wrapped", Base64.encodeToString(wrapped, Base64.NO_WRAP)).commit()) {
            "cannot save the wrapped database key"
        }
        return key
    }
}
