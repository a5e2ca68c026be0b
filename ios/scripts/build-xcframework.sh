#!/usr/bin/env bash
# Builds DonghaengFFI.xcframework (device + simulator static libraries, the generated Swift, header and
# module map) for the iOS app. Runs on a Mac with Xcode and rustup:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   ios/scripts/build-xcframework.sh            # → ios/build/DonghaengFFI.xcframework, ios/build/swift/
# The Swift bindings are generated from the host library (library mode reads its metadata), then the
# static libraries are built per target in release mode.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=ios/build
LIB=libdonghaeng_ffi.a
rm -rf "$OUT"
mkdir -p "$OUT/headers" "$OUT/swift" "$OUT/sim"

echo "== generate Swift"
cargo build -p donghaeng-ffi
cargo build -p uniffi-bindgen
host_lib=target/debug/libdonghaeng_ffi.dylib
target/debug/uniffi-bindgen generate "$host_lib" --language swift --out-dir "$OUT/swift" --no-format
# Two C modules: the core's records and enums (donghaeng_core) and the facade (donghaeng_ffi), both in
# the one library. Xcode looks for one module.modulemap inside the framework's headers.
cp "$OUT/swift/donghaeng_coreFFI.h" "$OUT/swift/donghaeng_ffiFFI.h" "$OUT/headers/"
{ cat "$OUT/swift/donghaeng_coreFFI.modulemap"; echo; cat "$OUT/swift/donghaeng_ffiFFI.modulemap"; } \
  >"$OUT/headers/module.modulemap"

echo "== build static libraries"
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --release --locked -p donghaeng-ffi --target "$t"
done

echo "== simulator: one fat library (arm64 + x86_64)"
lipo -create \
  "target/aarch64-apple-ios-sim/release/$LIB" \
  "target/x86_64-apple-ios/release/$LIB" \
  -output "$OUT/sim/$LIB"

echo "== xcframework"
xcodebuild -create-xcframework \
  -library "target/aarch64-apple-ios/release/$LIB" -headers "$OUT/headers" \
  -library "$OUT/sim/$LIB" -headers "$OUT/headers" \
  -output "$OUT/DonghaengFFI.xcframework"

echo "Add $OUT/DonghaengFFI.xcframework, $OUT/swift/donghaeng_core.swift and $OUT/swift/donghaeng_ffi.swift to the Xcode target."
