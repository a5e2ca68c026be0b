package kr.donghaeng.shared

import kr.donghaeng.core.DonghaengException

/**
 * A value the screens observe. Plain Kotlin (no coroutines, no Android): Compose wraps it in a
 * `mutableStateOf`, SwiftUI would use the generated bindings directly. Listeners are called on the
 * thread that changed the state; the Android layer posts to the main thread.
 */
class Observable<T>(initial: T) {
    @Volatile
    var value: T = initial
        private set
    private val listeners = java.util.concurrent.CopyOnWriteArrayList<(T) -> Unit>()

    fun set(next: T) {
        value = next
        listeners.forEach { it(next) }
    }

    fun update(change: (T) -> T) = synchronized(this) { set(change(value)) }

    /** Calls [listener] now and on every change; returns the unsubscribe function. */
    fun observe(listener: (T) -> Unit): () -> Unit {
        listeners.add(listener)
        listener(value)
        return { listeners.remove(listener) }
    }
}

/** The clock the presenters read (the real one on the phone, a fixed one in tests). */
fun interface Clock {
    fun nowMs(): Long

    companion object {
        val SYSTEM = Clock { System.currentTimeMillis() }
    }
}

/** An error as a screen shows it: the core's stable code, the Korean text, the input field if any. */
data class UiError(val code: String, val ko: String, val field: String? = null) {
    companion object {
        fun of(e: DonghaengException): UiError = when (e) {
            is DonghaengException.Invalid -> UiError(e.code, e.ko, e.field)
            is DonghaengException.NotFound -> UiError(e.code, e.ko, e.field)
            is DonghaengException.InvalidTransition -> UiError(e.code, e.ko, e.field)
            is DonghaengException.Conflict -> UiError(e.code, e.ko, e.field)
            is DonghaengException.SchemaTooNew -> UiError(e.code, e.ko, e.field)
            is DonghaengException.Storage -> UiError(e.code, e.ko, e.field)
            is DonghaengException.WrongKey -> UiError(e.code, e.ko, e.field)
            is DonghaengException.Closed -> UiError(e.code, e.ko, e.field)
        }
    }
}

/** Runs a facade call; a facade error becomes a [UiError] (anything else is a bug and propagates). */
inline fun <T> attempt(onError: (UiError) -> Unit, block: () -> T): T? = try {
    block()
} catch (e: DonghaengException) {
    onError(UiError.of(e))
    null
}

private val KST: java.time.ZoneId = java.time.ZoneId.of("Asia/Seoul")
private val HM = java.time.format.DateTimeFormatter.ofPattern("HH:mm")

/** `HH:mm` in Korean time, as field workers read times. */
fun kstTime(ms: Long): String = HM.format(java.time.Instant.ofEpochMilli(ms).atZone(KST))

/** Today's date in Seoul as the core takes it. */
fun kstDate(ms: Long): String = java.time.Instant.ofEpochMilli(ms).atZone(KST).toLocalDate().toString()
