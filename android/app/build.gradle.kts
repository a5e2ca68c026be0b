// The reference app: thin Compose screens over :shared. Not built on the Linux CI machine (no Android
// SDK there); see android/README.md.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "kr.donghaeng.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "kr.donghaeng.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    // cargo-ndk writes the .so files here (see buildRustLibraries below).
    sourceSets["main"].jniLibs.srcDir(layout.buildDirectory.dir("rustJniLibs"))
}

dependencies {
    implementation(project(":shared")) {
        exclude(group = "net.java.dev.jna", module = "jna")
    }
    implementation("net.java.dev.jna:jna:5.13.0@aar")
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
    // Dispatchers.IO for the blocking facade calls, Dispatchers.Main for their results.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}

// The Rust library for every ABI, with cargo-ndk (`cargo install cargo-ndk`, `rustup target add
// aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`, ANDROID_NDK_HOME set).
val buildRustLibraries by tasks.registering(Exec::class) {
    workingDir = rootProject.file("..")
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", layout.buildDirectory.dir("rustJniLibs").get().asFile.path,
        "build", "--release", "-p", "donghaeng-ffi",
    )
}
tasks.named("preBuild") { dependsOn(buildRustLibraries) }
