package kr.donghaeng.app

import android.content.Context
import android.util.Base64
import kr.donghaeng.core.DeviceCredential
import kr.donghaeng.core.Role
import kr.donghaeng.ffi.CredentialVault
import kr.donghaeng.ffi.ListenerException
import org.json.JSONObject

/**
 * The device credential (device id, secret, user, role) for the core's [DeviceAccount][kr.donghaeng.ffi.DeviceAccount]:
 * JSON sealed with AES-GCM by a non-exportable Android Keystore key (as [DatabaseKey]), kept in private
 * app preferences (not backed up: `allowBackup="false"`). Failures throw [ListenerException.Failed]
 * with a reason that never contains the credential.
 */
class KeystoreVault(context: Context) : CredentialVault {
    private val prefs = context.applicationContext.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    private val seal = KeystoreSeal(ALIAS)

    /** Runs [block]; any failure becomes [ListenerException.Failed] naming only the step and the exception type. */
    private inline fun <T> guarded(step: String, block: () -> T): T = try {
        block()
    } catch (e: ListenerException) {
        throw e
    } catch (e: Exception) {
        throw ListenerException.Failed("credential vault: $step failed (${e.javaClass.simpleName})")
    }

    override fun load(): DeviceCredential? {
        val sealed = prefs.getString(ENTRY, null) ?: return null
        return guarded("load") {
            val json = JSONObject(String(seal.open(Base64.decode(sealed, Base64.NO_WRAP)), Charsets.UTF_8))
            val roleCode = json.getString("role")
            DeviceCredential(
                deviceId = json.getString("device_id"),
                deviceSecret = json.getString("device_secret"),
                userId = json.getString("user_id"),
                role = Role.entries.firstOrNull { it.code() == roleCode }
                    ?: throw ListenerException.Failed("credential vault: unknown role code"),
            )
        }
    }

    override fun save(credential: DeviceCredential) = guarded<Unit>("save") {
        val json = JSONObject()
            .put("device_id", credential.deviceId)
            .put("device_secret", credential.deviceSecret)
            .put("user_id", credential.userId)
            .put("role", credential.role.code())
            .toString()
        val sealed = seal.seal(json.toByteArray(Charsets.UTF_8))
        // commit(), not apply(): the credential must be on disk before the core relies on it.
        if (!prefs.edit().putString(ENTRY, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()) {
            throw ListenerException.Failed("credential vault: could not write the preferences")
        }
    }

    override fun clear() = guarded<Unit>("clear") {
        if (!prefs.edit().remove(ENTRY).commit()) throw ListenerException.Failed("credential vault: could not write the preferences")
    }

    /** The enrolled user's id without going through the core (alarm and boot receivers); null if none. */
    fun userIdOrNull(): String? = try {
        load()?.userId
    } catch (e: ListenerException) {
        null
    }

    private companion object {
        const val ALIAS = "donghaeng-credential-wrap"
        const val PREFS = "donghaeng-credential"
        const val ENTRY = "sealed"
    }
}
