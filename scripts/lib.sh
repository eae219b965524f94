# Shared set-up of scripts/run.sh and scripts/test.sh: source it, then call the functions.
# Finds Python 3.10, makes .venv, installs the lock, prepares the Dutch spaCy pipeline, trains.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
MODEL="$ROOT/models/bot.tar.gz"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"   # TensorFlow start-up chatter
export PYTHONHASHSEED="${PYTHONHASHSEED:-0}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Python 3.10 (Rasa 3.6 supports 3.8-3.10; the lock is made on 3.10). $PYTHON wins if set.
find_python() {
  local cand
  for cand in "${PYTHON:-}" python3.10 \
      "$(command -v pyenv >/dev/null 2>&1 && ls -d "$(pyenv root)"/versions/3.10.*/bin/python3 2>/dev/null | sort -V | tail -n 1)" \
      /usr/bin/python3.10 /usr/local/bin/python3.10 python3; do
    [ -n "$cand" ] || continue
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
      command -v "$cand" 2>/dev/null || echo "$cand"
      return 0
    fi
  done
  echo "Python 3.10 niet gevonden. Installeer Python 3.10 (bijv. 'pyenv install 3.10.13') of zet PYTHON=/pad/naar/python3.10." >&2
  return 1
}

ensure_env() {
  if [ ! -x "$PY" ]; then
    local base; base="$(find_python)"
    say "Virtuele omgeving maken in .venv met $base"
    "$base" -m venv "$VENV"
  fi
  local want have=""
  want="$(cat requirements.lock scripts/lib.sh | sha256sum | cut -d' ' -f1)"
  [ -f "$VENV/.lock-sha256" ] && have="$(cat "$VENV/.lock-sha256")"
  if [ "$want" != "$have" ]; then
    say "Pakketten installeren uit requirements.lock (de eerste keer duurt dit enkele minuten)"
    "$PY" -m pip install -q --upgrade "pip==24.0"
    "$PY" -m pip install -q -r requirements.lock
    "$PY" -m pip check
    echo "$want" > "$VENV/.lock-sha256"
  fi
  ensure_spacy_model
}

# nl_core_news_sm (3.4 release) where the network allows; otherwise the declared fallback.
ensure_spacy_model() {
  if "$PY" -c 'import spacy,sys; sys.exit(0 if spacy.util.is_package("nl_core_news_sm") else 1)' 2>/dev/null; then
    return 0
  fi
  local marker="$VENV/.spacy-download-tried"
  if [ -f "$marker" ] && [ -z "${BOT_RETRY_MODEL_DOWNLOAD:-}" ]; then
    return 0  # tried before in this environment; BOT_RETRY_MODEL_DOWNLOAD=1 tries again
  fi
  say "spaCy-model nl_core_news_sm downloaden (spaCy 3.4)"
  if timeout 180 "$PY" -m spacy download nl_core_news_sm >"$VENV/.spacy-download.log" 2>&1; then
    say "nl_core_news_sm geïnstalleerd"
  else
    say "nl_core_news_sm kon niet worden gedownload (zie .venv/.spacy-download.log): de bot gebruikt de fallback-pipeline"
  fi
  touch "$marker"
}

prepare_pipeline() {
  "$PY" -m bot.nlp prepare >&2
}

# Fingerprint of everything training reads, plus the spaCy pipeline in use.
training_fingerprint() {
  {
    cat config.yml
    find domain data/nlu data/rules data/stories -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.txt' \) 2>/dev/null | LC_ALL=C sort | xargs -r cat
    cat .spacy/nl_pipeline/meta.json
    # the custom NLU components are part of the model (a changed guard means a new model)
    LC_ALL=C ls bot/nlu/*.py | xargs cat
    "$PY" -c 'import rasa; print(rasa.__version__)'
  } | sha256sum | cut -d' ' -f1
}

train_if_needed() {
  local want have="" pipe_now pipe_then=""
  want="$(training_fingerprint)"
  [ -f models/.fingerprint ] && have="$(cat models/.fingerprint)"
  if [ -f "$MODEL" ] && [ "$want" = "$have" ] && [ -z "${BOT_FORCE_TRAIN:-}" ]; then
    say "Model is actueel ($MODEL)"
    return 0
  fi
  pipe_now="$(sha256sum .spacy/nl_pipeline/meta.json | cut -d' ' -f1)"
  [ -f models/.pipeline ] && pipe_then="$(cat models/.pipeline)"
  local force=()
  # Rasa's training cache keys SpacyNLP by its path only: retrain fully when the pipeline changed.
  [ "$pipe_now" != "$pipe_then" ] && force=(--force)
  say "Trainen (data of pipeline veranderd)"
  local t0=$SECONDS
  "$VENV/bin/rasa" train --config config.yml --domain domain --data data \
    --out models --fixed-model-name bot "${force[@]}" --quiet
  say "Training klaar in $((SECONDS - t0)) s"
  echo "$want" > models/.fingerprint
  echo "$pipe_now" > models/.pipeline
}
