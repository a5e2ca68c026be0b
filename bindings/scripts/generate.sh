#!/usr/bin/env bash
# Builds libdonghaeng_ffi (debug) and generates the Kotlin, Swift and Python bindings from it into
# target/bindings/{kotlin,swift,python}.
#
# The library and the uniffi-bindgen binary are built in two cargo invocations: built together, cargo
# would merge uniffi's features (the bindgen's `cli`) into the library and rebuild it. Bindings are
# generated from the unstripped library (library mode reads its metadata); strip only a shipped copy.
# `--no-format`: no ktlint / swiftformat on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO_JOBS="${CARGO_JOBS:-1}"
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET/bindings"
LIB="$TARGET/debug/libdonghaeng_ffi.so"

echo "== build donghaeng-ffi (cdylib)"
cargo build -j "$CARGO_JOBS" --locked -p donghaeng-ffi
echo "== build uniffi-bindgen"
cargo build -j "$CARGO_JOBS" --locked -p uniffi-bindgen

for lang in kotlin swift python; do
  rm -rf "$OUT/$lang"
  mkdir -p "$OUT/$lang"
  echo "== generate $lang"
  "$TARGET/debug/uniffi-bindgen" generate "$LIB" --language "$lang" --out-dir "$OUT/$lang" --no-format
done
# Python imports the module from next to the library.
cp "$LIB" "$OUT/python/"
find "$OUT" -type f | sort
