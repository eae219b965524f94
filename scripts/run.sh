#!/usr/bin/env bash
# Run the bot: set up what is missing, train when the data changed, start the action server and
# the Rasa server, print where to talk to it. Ctrl-C stops both.
#
# Environment (all optional):
#   BOT_HOST (127.0.0.1)  BOT_PORT (5005)    interface and port of the Rasa server
#   ACTION_PORT (5055)                       action server port (always bound to 127.0.0.1)
#   RASA_API_TOKEN                           set it to switch Rasa's HTTP API on, protected by this token
#   BOT_ENDPOINTS (endpoints.yml)            another endpoints file (e.g. for PostgreSQL/Redis)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_env
prepare_pipeline
train_if_needed
mkdir -p data/db logs

HOST="${BOT_HOST:-127.0.0.1}"
PORT="${BOT_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
ENDPOINTS="${BOT_ENDPOINTS:-endpoints.yml}"
if [ "$ACTION_PORT" != 5055 ] && [ -z "${BOT_ENDPOINTS:-}" ]; then
  ENDPOINTS="$(mktemp --suffix=.yml)"
  sed "s#127.0.0.1:5055#127.0.0.1:$ACTION_PORT#" endpoints.yml > "$ENDPOINTS"
fi

# Report links are signed by the action server and checked by the Rasa server: one secret for both.
export BOT_REPORT_SECRET="${BOT_REPORT_SECRET:-$("$PY" -c 'import secrets; print(secrets.token_hex(32))')}"
export BOT_PUBLIC_URL="${BOT_PUBLIC_URL:-http://$HOST:$PORT}"

# Websites allowed to embed the chat (socket.io and CORS): an allow-list, never '*'.
CORS="${BOT_CORS_ORIGINS:-http://127.0.0.1:$PORT,http://localhost:$PORT}"
export BOT_CORS_ORIGINS="$CORS" BOT_PORT="$PORT"
IFS=',' read -r -a cors <<< "${CORS//[[:space:]]/}"

api=()
if [ -n "${RASA_API_TOKEN:-}" ]; then
  api=(--enable-api --auth-token "$RASA_API_TOKEN")
fi

pids=()
stop() {
  trap - INT TERM EXIT
  say "Stoppen..."
  [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  say "Gestopt."
}
trap stop INT TERM EXIT

say "Actieserver starten op 127.0.0.1:$ACTION_PORT"
SANIC_HOST=127.0.0.1 "$PY" -m rasa_sdk --actions actions --port "$ACTION_PORT" &
pids+=($!)

say "Rasa-server starten op $HOST:$PORT ($(basename "$MODEL"), $("$PY" -m bot.nlp describe 2>/dev/null))"
"$PY" -m bot.serve run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "$HOST" --port "$PORT" --cors "${cors[@]}" "${api[@]}" &
pids+=($!)

for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$PORT/webhooks/status/" >/dev/null 2>&1; then break; fi
  kill -0 "${pids[1]}" 2>/dev/null || break
  sleep 1
done
# The action server builds the knowledge base's indexes and classifiers and trains the conclusion
# engine's learned layer before it listens (about 20 s);
# "De bot draait" only when both answer, so the first owner gets a real answer, not the apology.
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1; then break; fi
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 1
done
if curl -fsS "http://127.0.0.1:$PORT/webhooks/status/" >/dev/null 2>&1 \
  && curl -fsS "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1; then
  cat <<MSG

  De bot draait.
  - $("$PY" -m bot.nlp describe 2>/dev/null)
  - Chat:    http://$HOST:$PORT/webhooks/web/
  - Status:  curl http://$HOST:$PORT/webhooks/status/
  - REST:    curl -X POST http://$HOST:$PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
               -d '{"sender": "eigenaar-1", "message": "Hoi, wat kun je?"}'
  - HTTP-API: $([ -n "${RASA_API_TOKEN:-}" ] && echo "aan, met token (RASA_API_TOKEN)" || echo "uit (zet RASA_API_TOKEN om hem aan te zetten)")
  Stoppen: Ctrl-C

MSG
fi
wait -n "${pids[@]}" || true
