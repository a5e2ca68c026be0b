package kr.donghaeng.shared

import kr.donghaeng.core.DonghaengException
import kr.donghaeng.core.EnrolledUser
import kr.donghaeng.ffi.DeviceAccount
import kr.donghaeng.ffi.DonghaengStore
import kr.donghaeng.ffi.SyncAdvice
import kr.donghaeng.ffi.adviceFor
import kr.donghaeng.ffi.parseEnrolmentInput

data class EnrolmentState(
    val serverUrl: String = "",
    val code: String = "",
    val busy: Boolean = false,
    val error: UiError? = null,
    /** The next step after a failure (new code, check the address, retry later), from the core. */
    val advice: SyncAdvice? = null,
    val enrolled: EnrolledUser? = null,
)

/**
 * The enrolment screen (기기 등록): the server address and the code from the team lead, typed or read
 * from the admin's QR. Every check is the core's (the code's form before a request is spent; what the
 * server answered); this holds the form and turns the outcome into state. [enrol] blocks: call it off
 * the main thread.
 *
 * @param accountFor the app's account for a server address (its vault over Keystore / Keychain).
 */
class EnrolmentViewModel(
    private val store: DonghaengStore,
    private val accountFor: (String) -> DeviceAccount,
    defaultServerUrl: String = "",
) {
    val state = Observable(EnrolmentState(serverUrl = defaultServerUrl))

    fun onServerUrlChanged(url: String) = state.update { it.copy(serverUrl = url, error = null, advice = null) }

    fun onCodeChanged(code: String) = state.update { it.copy(code = code, error = null, advice = null) }

    /** The QR payload (`donghaeng://enrol?server=…&code=…`) or a pasted code. */
    fun onScanned(text: String) {
        try {
            val input = parseEnrolmentInput(text)
            state.update { it.copy(serverUrl = input.serverUrl ?: it.serverUrl, code = input.code, error = null, advice = null) }
        } catch (e: DonghaengException) {
            fail(UiError.of(e))
        }
    }

    /** Enrols; the account (holding the new credential) on success, null with the error shown. */
    fun enrol(): DeviceAccount? {
        val form = state.value
        state.update { it.copy(busy = true, error = null, advice = null) }
        return try {
            val account = accountFor(form.serverUrl.trim())
            val user = account.enrol(store, form.code)
            state.update { it.copy(busy = false, enrolled = user) }
            account
        } catch (e: DonghaengException) {
            fail(UiError.of(e))
            null
        }
    }

    private fun fail(error: UiError) =
        state.update { it.copy(busy = false, error = error, advice = adviceFor(error.code)) }
}
