#!/usr/bin/env bash
# End-to-end browser tests of Plenum in Debian's headless Chromium.
# Installs Chromium (and CJK fonts, so screenshots show the Chinese pages) with apt
# when missing, installs playwright-core from the lock file, builds the plenum
# binary, and runs `node --test`. A missing Chromium fails the run: never skipped.
# Screenshots go to e2e/artifacts/. Extra arguments are passed to `node --test`.
set -euo pipefail
cd "$(dirname "$0")"

CHROMIUM="${PLENUM_E2E_CHROMIUM:-/usr/bin/chromium}"
need=()
[ -x "$CHROMIUM" ] || need+=(chromium chromium-driver)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -n1)" ]; then
  need+=(fonts-noto-cjk)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${need[@]}"
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is missing at $CHROMIUM after trying to install it: the end-to-end tests cannot run." >&2
  exit 1
fi
echo "== $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js (20 or later) with npm is needed for the end-to-end tests." >&2
  exit 1
fi
echo "== npm (node $(node --version))"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

# The phone seals secret ballots with seal.wasm, which the build makes only where
# the WebAssembly target is installed; these tests need it.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
export PLENUM_REQUIRE_SEAL_WASM=1
echo "== cargo build -p plenum"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/plenum/target}"
(cd .. && cargo build -p plenum)
export PLENUM_BIN="$CARGO_TARGET_DIR/debug/plenum"
[ -x "$PLENUM_BIN" ] || { echo "no plenum binary at $PLENUM_BIN" >&2; exit 1; }

echo "== node --test (screenshots in e2e/artifacts/)"
mkdir -p artifacts
exec node --test "$@" tests/
