#!/usr/bin/env bash
# Run every test suite: set up what is missing, validate the data, train, lint, run the Rasa test
# stories, then pytest (unit tests of bot/ and actions/, and end-to-end tests against real servers).
# Ends with pytest's summary line. .ci/run calls this script.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_env
prepare_pipeline

say "Systeempakketten voor browser- en scale-outtests (Debian; niets als ze er al zijn)"
bash scripts/install_browser_deps.sh
bash scripts/install_scaleout_deps.sh

say "Trainingsdata valideren (rasa data validate, waarschuwingen zijn fouten)"
"$VENV/bin/rasa" data validate --domain domain --data data --config config.yml --fail-on-warnings

train_if_needed

say "Lint (ruff)"
"$VENV/bin/ruff" check bot actions tests scripts

say "Rasa-teststories (--fail-on-prediction-errors)"
rm -rf results/stories
"$VENV/bin/rasa" test core --model "$MODEL" --stories tests/stories --out results/stories \
  --fail-on-prediction-errors --quiet

say "pytest"
set +e
"$PY" -m pytest tests "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here, never a silent pass.
exit "$status"
