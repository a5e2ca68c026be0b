package kr.donghaeng.shared

import java.io.InputStreamReader
import java.text.MessageFormat
import java.util.Locale
import java.util.PropertyResourceBundle
import java.util.ResourceBundle

/**
 * The presenters' own texts (labels, typing errors, history lines), from the resource bundle
 * `kr/donghaeng/shared/messages.properties` (Korean, the default) and `messages_en.properties` (English).
 * The core's texts (its errors, decisions, checks) come through the bindings as they are.
 *
 * A pattern is a [MessageFormat]: `{0}`, `{1}` … are the arguments and `'` is doubled (`''`). Pass
 * numbers already formatted as strings ("%,d".format(n)): a number argument would be formatted by
 * MessageFormat with the locale's grouping.
 */
object Messages {
    private const val BUNDLE = "kr.donghaeng.shared.messages"

    /** The app's language; Korean unless the app sets another (English: `Locale.ENGLISH`). */
    @Volatile
    var locale: Locale = Locale.KOREAN

    /** The text of [key] in [locale], its `{n}` replaced by [args]. */
    fun text(key: String, vararg args: Any?): String = textIn(locale, key, *args)

    /** The text of [key] in the given language, whatever [Messages.locale] is. */
    fun textIn(locale: Locale, key: String, vararg args: Any?): String {
        val pattern = ResourceBundle.getBundle(BUNDLE, locale, Messages::class.java.classLoader, Utf8Properties).getString(key)
        return MessageFormat(pattern, locale).format(args)
    }

    /**
     * Reads the .properties files as UTF-8 on every JVM (Java 8 and Android read them as ISO-8859-1
     * otherwise), and falls back to the Korean default, never to the JVM's default locale (an
     * English-speaking machine would otherwise get messages_en for Locale.KOREAN).
     */
    private object Utf8Properties : ResourceBundle.Control() {
        override fun getFormats(baseName: String): List<String> = ResourceBundle.Control.FORMAT_PROPERTIES

        override fun getFallbackLocale(baseName: String, locale: Locale): Locale? = null

        override fun newBundle(baseName: String, locale: Locale, format: String, loader: ClassLoader, reload: Boolean): ResourceBundle? {
            val resource = toResourceName(toBundleName(baseName, locale), "properties")
            val stream = loader.getResourceAsStream(resource) ?: return null
            return stream.use { PropertyResourceBundle(InputStreamReader(it, Charsets.UTF_8)) }
        }
    }
}

/** 원: stripped from typed amounts ("181,470원") in every language. */
internal const val WON_SIGN = "\uC6D0"
