#!/usr/bin/env bash
# What the browser tests (tests/browser/, marker `browser`) need beyond requirements.lock: Debian's
# Chromium at /usr/bin/chromium, driven by Playwright for Python (in requirements.lock; it never
# downloads a browser of its own: the tests launch /usr/bin/chromium). Idempotent: with Chromium in
# place it does nothing. Needs root (or sudo) for apt-get; scripts/test.sh calls it.
#
# The chat itself needs none of this: the widget is vendored in web/vendor/ (no node/npm at run time).
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; then
  echo "Chromium staat klaar: $("$CHROMIUM" --version 2>/dev/null)" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium ontbreekt ($CHROMIUM) en apt-get is er niet: installeer Chromium zelf, of zet CHROMIUM=/pad/naar/chromium." >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Root of sudo nodig om Chromium te installeren." >&2; exit 1; }
  sudo=(sudo)
fi

echo "Chromium installeren (Debian-pakket chromium)..." >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null
"${sudo[@]}" apt-get install -y -q chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version >&2
