#!/usr/bin/env bash
# On-demand benchmark (not part of .ci/run): this bot against Rasa's `rasa init` baseline under the same
# Locust load. Sets up what is missing (the bot's environment and model, and a separate small
# environment .venv-bench with the pinned Locust of scripts/benchmark.lock), then runs
# scripts/benchmark.py with the given options. Takes about 25 minutes with the defaults.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_env
prepare_pipeline
train_if_needed

BENCH="$ROOT/.venv-bench"
STAMP="$BENCH/.lock.sha256"
want="$(sha256sum scripts/benchmark.lock | cut -d' ' -f1)"
if [ ! -x "$BENCH/bin/locust" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "Locust installeren in .venv-bench (scripts/benchmark.lock)"
  "$(find_python)" -m venv "$BENCH"
  "$BENCH/bin/pip" install -q --disable-pip-version-check -r scripts/benchmark.lock
  "$BENCH/bin/pip" check
  echo "$want" > "$STAMP"
fi

exec "$VENV/bin/python" scripts/benchmark.py "$@"
