#!/usr/bin/env bash
# (Re)creates web/vendor/rasa-webchat-<version>/ from the npm registry, and checks it.
# Idempotent: with the pinned file in place (right SHA-256) it does nothing and needs no node/npm.
# Otherwise it needs npm: `npm pack` fetches the package tarball (npm checks the registry's sha512
# integrity), then only the prebuilt browser bundle lib/index.js and the LICENSE are kept, with one
# change to the bundle: its CSS imports the Inter font from fonts.googleapis.com (11 times); those
# @import rules are removed, so the chat makes no request to a third party (privacy, AVG/GDPR) and
# uses the system font. Nothing else is touched; both hashes are checked.
# To move to another version: change VERSION, run with UPDATE=1, check the page, update the hashes below
# and web/vendor/README.md.
set -euo pipefail

VERSION="1.0.1"
INTEGRITY="sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w=="
BUNDLE_SHA256="bfedd788e4bd7df12f64b5bf2963e634f84bac1cb176b6cede60c507d3553f1e"   # lib/index.js as published
SERVED_SHA256="2b6db63b33513a91c0764996ee19a0764b7c548d7a9cc81134775afb870e1837"   # web/vendor/.../index.js (without the font @imports)
FONT_IMPORT='@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/rasa-webchat-$VERSION"

if [ -z "${UPDATE:-}" ] && [ -f "$dest/index.js" ] && [ -f "$dest/LICENSE.txt" ] \
   && echo "$SERVED_SHA256  $dest/index.js" | sha256sum --check --status; then
  echo "rasa-webchat $VERSION staat klaar in $dest"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "npm is nodig om rasa-webchat $VERSION op te halen" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "rasa-webchat@$VERSION" >/dev/null)
tarball="$work/rasa-webchat-$VERSION.tgz"
have="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$have" != "$INTEGRITY" ]; then
  echo "rasa-webchat $VERSION: integriteit klopt niet ($have)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/lib/index.js package/LICENSE
if [ -z "${UPDATE:-}" ] && ! echo "$BUNDLE_SHA256  $work/package/lib/index.js" | sha256sum --check --status; then
  echo "rasa-webchat $VERSION: lib/index.js heeft een andere SHA-256 dan vastgelegd" >&2
  exit 1
fi
# Remove the font imports (a literal string; awk's index() needs no escaping).
awk -v imp="$FONT_IMPORT" '{
  out = ""; line = $0
  while ((i = index(line, imp)) > 0) { out = out substr(line, 1, i - 1); line = substr(line, i + length(imp)) }
  print out line
}' "$work/package/lib/index.js" > "$work/index.js"
if grep -q "fonts.googleapis.com" "$work/index.js"; then
  echo "rasa-webchat $VERSION: de font-imports zijn niet allemaal verwijderd" >&2
  exit 1
fi
if [ -z "${UPDATE:-}" ] && ! echo "$SERVED_SHA256  $work/index.js" | sha256sum --check --status; then
  echo "rasa-webchat $VERSION: het aangepaste index.js heeft een andere SHA-256 dan vastgelegd" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$work/index.js" "$dest/index.js"
cp "$work/package/LICENSE" "$dest/LICENSE.txt"
echo "rasa-webchat $VERSION opgehaald naar $dest (sha256 $(sha256sum "$dest/index.js" | cut -d' ' -f1))"
