#!/usr/bin/env bash
# Installs what the binding tests (bindings/scripts/test.sh) need on a fresh Debian 12 machine, and
# skips what is there already. Runs unattended (root, or sudo without a password).
#
#   Debian: libjna-java (JNA for the generated Kotlin), junit4 (+ hamcrest), openssl (the CLI makes a
#           private authority for the TLS test), sqlite3 (the CLI the
#           Kotlin test uses to write plain files and to show it cannot read an encrypted one), a JDK,
#           gcc (C header check), node + npm; perl (with its modules, not only perl-base) and make,
#           which the Rust build needs to compile the vendored OpenSSL under SQLCipher
#   npm:    kotlin-compiler, pinned in the root package.json / package-lock.json (`npm ci`)
#   PyPI:   pytest, tree-sitter, tree-sitter-swift, pinned in bindings/tests/python/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/../.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi

# --- Debian packages --------------------------------------------------------------------------------
need_apt=()
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java)
[ -f /usr/share/java/junit4.jar ] && [ -f /usr/share/java/hamcrest.jar ] || need_apt+=(junit4 libhamcrest-java)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v java >/dev/null || need_apt+=(default-jdk-headless)
command -v gcc >/dev/null || need_apt+=(gcc libc6-dev)
perl -MIPC::Cmd -MFile::Compare -e 1 2>/dev/null || need_apt+=(perl)
command -v make >/dev/null || need_apt+=(make)
command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
else
  echo "== Debian packages: present"
fi

# --- kotlinc from npm -------------------------------------------------------------------------------
want_kotlin="$(python3 -c 'import json; print(json.load(open("package.json"))["devDependencies"]["kotlin-compiler"])')"
have_kotlin="$(python3 -c 'import json; print(json.load(open("node_modules/kotlin-compiler/package.json"))["version"])' 2>/dev/null || true)"
if [ "$have_kotlin" != "$want_kotlin" ] || [ ! -x node_modules/kotlin-compiler/bin/kotlinc ]; then
  echo "== npm ci (kotlin-compiler $want_kotlin)"
  npm ci --no-audit --no-fund
else
  echo "== kotlin-compiler $have_kotlin: present"
fi

# --- Python test tools ------------------------------------------------------------------------------
REQ=bindings/tests/python/requirements.txt
if python3 - "$REQ" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        ok &= version(name) == want
    except PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
PY
then
  echo "== Python test tools: present"
else
  echo "== pip install -r $REQ"
  python3 -m pip install -q --disable-pip-version-check -r "$REQ" \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages -r "$REQ"
fi
echo "== binding test dependencies ready"
