#!/usr/bin/env bash
# Binding tests: generates the bindings, then
#   - Kotlin on the JVM: compiles the generated Kotlin into a jar (cached under target/bindings/jar by a
#     hash of the generated source), compiles bindings/tests/kotlin/*.kt and runs them with JUnit 4
#     (the sync test starts a real donghaeng-sync-server on loopback);
#   - the Android shared module (android/shared): compiled against that jar, its JUnit tests run too;
#   - Python: pytest over the generated module (bindings/tests/python);
#   - Swift (no compiler here): tree-sitter syntax check of the generated Swift and of ios/**/*.swift;
#   - the generated C header: gcc -fsyntax-only.
# Runs every step, exits non-zero if any failed. The last line sums up the Kotlin tests (bindings and
# Android shared module):
# "N passed, N failed". Needs bindings/scripts/install-deps.sh to have run once.
set -uo pipefail
cd "$(dirname "$0")/../.."

K=node_modules/kotlin-compiler
JNA=/usr/share/java/jna.jar
JUNIT=/usr/share/java/junit4.jar:/usr/share/java/hamcrest.jar
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET/bindings"
failures=()

bindings/scripts/generate.sh || { echo "generate.sh failed"; echo "0 passed, 1 failed"; exit 1; }
# The Kotlin sync test runs a real sync server on loopback: generate.sh's test build made it.

# --- Kotlin -----------------------------------------------------------------------------------------
KT_SRC=$(find "$OUT/kotlin" -name '*.kt' | sort)
mkdir -p "$OUT/jar"
bind_hash=$(cat $KT_SRC | sha256sum | cut -c1-16)
BIND_JAR="$OUT/jar/bindings-$bind_hash.jar"
if [ ! -f "$BIND_JAR" ]; then
  echo "== kotlinc generated bindings -> $BIND_JAR"
  rm -f "$OUT"/jar/bindings-*.jar
  "$K/bin/kotlinc" -nowarn -cp "$JNA" $KT_SRC -d "$BIND_JAR.tmp.jar" && mv "$BIND_JAR.tmp.jar" "$BIND_JAR" \
    || failures+=("kotlin bindings compile")
else
  echo "== generated bindings jar up to date ($BIND_JAR)"
fi
TEST_SRC=$(find bindings/tests/kotlin -name '*.kt' | sort)
test_hash=$( (echo "$bind_hash"; cat $TEST_SRC) | sha256sum | cut -c1-16)
TEST_JAR="$OUT/jar/tests-$test_hash.jar"
kt_passed=0
kt_failed=0
if [ -f "$BIND_JAR" ]; then
  if [ ! -f "$TEST_JAR" ]; then
    echo "== kotlinc tests -> $TEST_JAR"
    rm -f "$OUT"/jar/tests-*.jar
    "$K/bin/kotlinc" -cp "$BIND_JAR:$JNA:$JUNIT" $TEST_SRC -d "$TEST_JAR.tmp.jar" && mv "$TEST_JAR.tmp.jar" "$TEST_JAR" \
      || failures+=("kotlin tests compile")
  else
    echo "== Kotlin tests jar up to date ($TEST_JAR)"
  fi
fi
# Runs every class whose name ends in Test in jar $1 with JUnit, classpath $2; adds to the counts.
run_junit() {
  local jar=$1 cp=$2 label=$3 classes log junit_rc ok run total failed
  classes=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$jar" | grep -E '^[A-Za-z0-9_/]*Test\.class$' | sed 's/\.class$//; s#/#.#g' | sort)
  echo "== JUnit ($label): $(echo $classes)"
  log=$(mktemp)
  java -Djna.library.path="$TARGET/debug" -Ddonghaeng.syncServer="$TARGET/debug/donghaeng-sync-server" \
    -cp "$jar:$cp" org.junit.runner.JUnitCore $classes 2>&1 | tee "$log"
  junit_rc=${PIPESTATUS[0]}
  if ok=$(grep -oE '^OK \(([0-9]+) tests?\)' "$log"); then
    kt_passed=$((kt_passed + $(echo "$ok" | grep -oE '[0-9]+')))
  elif run=$(grep -oE '^Tests run: [0-9]+,  Failures: [0-9]+' "$log"); then
    total=$(echo "$run" | sed -E 's/Tests run: ([0-9]+),.*/\1/')
    failed=$(echo "$run" | sed -E 's/.*Failures: ([0-9]+)/\1/')
    kt_failed=$((kt_failed + failed))
    kt_passed=$((kt_passed + total - failed))
  else
    kt_failed=$((kt_failed + 1))
  fi
  rm -f "$log"
  [ "$junit_rc" = 0 ] || failures+=("$label")
}

RUN_CP="$BIND_JAR:$JNA:$K/lib/kotlin-stdlib.jar:$JUNIT"
if [ -f "$TEST_JAR" ]; then
  run_junit "$TEST_JAR" "$RUN_CP" "kotlin binding tests"
else
  kt_failed=$((kt_failed + 1))
fi

# --- Android shared module (pure Kotlin presenters over the bindings) ------------------------------
# Compiled like the tests: a jar per hash of its sources and resources (and of the bindings it is built
# on). Its resources (the messages*.properties bundles) go on the run classpath as a directory.
SHARED_SRC=$(find android/shared/src/main/kotlin -name '*.kt' | sort)
SHARED_RES_DIR=android/shared/src/main/resources
SHARED_RES=$(find "$SHARED_RES_DIR" -type f 2>/dev/null | sort)
SHARED_TEST_SRC=$(find android/shared/src/test/kotlin -name '*.kt' | sort)
shared_hash=$( (echo "$bind_hash"; cat $SHARED_SRC; for f in $SHARED_RES; do echo "$f"; cat "$f"; done) | sha256sum | cut -c1-16)
SHARED_JAR="$OUT/jar/android-shared-$shared_hash.jar"
shared_test_hash=$( (echo "$shared_hash"; cat $SHARED_TEST_SRC) | sha256sum | cut -c1-16)
SHARED_TEST_JAR="$OUT/jar/android-tests-$shared_test_hash.jar"
if [ -f "$BIND_JAR" ] && [ ! -f "$SHARED_JAR" ]; then
  echo "== kotlinc android/shared -> $SHARED_JAR"
  rm -f "$OUT"/jar/android-shared-*.jar
  "$K/bin/kotlinc" -cp "$BIND_JAR:$JNA" $SHARED_SRC -d "$SHARED_JAR.tmp.jar" && mv "$SHARED_JAR.tmp.jar" "$SHARED_JAR" \
    || failures+=("android shared compile")
fi
if [ -f "$SHARED_JAR" ] && [ ! -f "$SHARED_TEST_JAR" ]; then
  echo "== kotlinc android/shared tests -> $SHARED_TEST_JAR"
  rm -f "$OUT"/jar/android-tests-*.jar
  "$K/bin/kotlinc" -cp "$SHARED_JAR:$BIND_JAR:$JNA:$JUNIT" $SHARED_TEST_SRC -d "$SHARED_TEST_JAR.tmp.jar" \
    && mv "$SHARED_TEST_JAR.tmp.jar" "$SHARED_TEST_JAR" || failures+=("android shared tests compile")
fi
if [ -f "$SHARED_TEST_JAR" ]; then
  run_junit "$SHARED_TEST_JAR" "$SHARED_JAR:$SHARED_RES_DIR:$RUN_CP" "android shared tests"
else
  kt_failed=$((kt_failed + 1))
fi

# --- Python -----------------------------------------------------------------------------------------
echo "== pytest bindings/tests/python"
DONGHAENG_PY_BINDINGS="$(cd "$OUT/python" && pwd)" python3 -m pytest -q -p no:cacheprovider bindings/tests/python || failures+=("python tests")

# --- Swift and the C header -------------------------------------------------------------------------
echo "== Swift syntax (tree-sitter-swift)"
mapfile -t swift_files < <( (find "$OUT/swift" bindings/tests/swift -name '*.swift'; [ -d ios ] && find ios -name '*.swift') | sort)
python3 bindings/tests/swift/check_swift.py "${swift_files[@]}" || failures+=("swift syntax")
echo "== C header (gcc -fsyntax-only)"
for h in "$OUT"/swift/*.h; do
  printf '#include <stdint.h>\n#include <stdbool.h>\n#include "%s"\n' "$(basename "$h")" \
    | gcc -fsyntax-only -Wall -Wextra -Werror -D_Nonnull= -D_Nullable= -I "$(dirname "$h")" -x c - \
    && echo "$h: ok" || failures+=("C header $h")
done

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
fi
echo "$kt_passed passed, $kt_failed failed"
[ ${#failures[@]} -eq 0 ]
