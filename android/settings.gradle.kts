// Donghaeng reference Android app. Open this folder in Android Studio (see README.md).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "donghaeng-android"
include(":shared", ":app")
