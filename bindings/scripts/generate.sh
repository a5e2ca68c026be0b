#!/usr/bin/env bash
# Builds libdonghaeng_ffi (debug) and generates the Kotlin, Swift and Python bindings from it into
# target/bindings/{kotlin,swift,python}.
#
# The library and the uniffi-bindgen binary come from the workspace's test build
# (scripts/build-for-tests.sh), which every test step shares; uniffi's `cli` feature is merged into the
# library there, which changes nothing in its exported metadata. The phones' libraries are built apart
# (android/, ios/). Bindings are generated from the unstripped library (library mode reads its
# metadata); strip only a shipped copy.
# `--no-format`: no ktlint / swiftformat on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET/bindings"
LIB="$TARGET/debug/libdonghaeng_ffi.so"

echo "== build the facade library and uniffi-bindgen (the workspace's test build)"
scripts/build-for-tests.sh

for lang in kotlin swift python; do
  rm -rf "$OUT/$lang"
  mkdir -p "$OUT/$lang"
  echo "== generate $lang"
  "$TARGET/debug/uniffi-bindgen" generate "$LIB" --language "$lang" --out-dir "$OUT/$lang" --no-format
done
# Python imports the module from next to the library.
cp "$LIB" "$OUT/python/"
find "$OUT" -type f | sort
