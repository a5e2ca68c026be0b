// Pure Kotlin (no Android): presenters over the generated bindings. On Linux CI this module is compiled
// and tested by bindings/scripts/test.sh with kotlinc directly; Gradle does the same in Android Studio.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

val generated = rootProject.file("../target/bindings/kotlin")

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(generated)
}

dependencies {
    // The generated bindings load libdonghaeng_ffi through JNA (the @aar variant is used by :app).
    implementation("net.java.dev.jna:jna:5.13.0")
    testImplementation("junit:junit:4.13.2")
}

tasks.test {
    // The host build of the library for JVM tests: `cargo build -p donghaeng-ffi`.
    systemProperty("jna.library.path", rootProject.file("../target/debug").path)
    systemProperty("donghaeng.syncServer", rootProject.file("../target/debug/donghaeng-sync-server").path)
    workingDir = rootProject.file("..")
}

val generateBindings by tasks.registering(Exec::class) {
    workingDir = rootProject.file("..")
    commandLine("bindings/scripts/generate.sh")
}
tasks.named("compileKotlin") { dependsOn(generateBindings) }
