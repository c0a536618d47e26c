#!/usr/bin/env bash
# The local stack behind `make run / up / down`: the Oura emulator, the five services and
# nginx, as background processes with pid files and logs under deploy/local/run/.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN=deploy/local/run
BIN=${WEARHOUSE_BIN:-target/debug}
BASE=http://127.0.0.1:8000
CREDS=deploy/local/demo-credentials.json
SERVICES=(auth-service:8001 webhook-receiver:8002 poller:8003 normalizer:8004 query-api:8005)
PG_ADMIN=postgres://postgres:postgres@127.0.0.1:5432/postgres

mkdir -p "$RUN/logs" "$RUN/pids" "$RUN/nginx/tmp"

alive() { [ -f "$RUN/pids/$1.pid" ] && kill -0 "$(cat "$RUN/pids/$1.pid")" 2>/dev/null; }

secrets() {
  # Generated once per checkout, never committed (deploy/local/run is git-ignored).
  if [ ! -f "$RUN/secrets.env" ]; then
    umask 077
    {
      echo "WEARHOUSE__SECURITY__ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)"
      echo "WEARHOUSE__SECURITY__JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
      echo "WEARHOUSE__PROVIDERS__OURA__WEBHOOK_VERIFICATION_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    } > "$RUN/secrets.env"
  fi
  # One local secret for the webhook URL tokens and verification codes of the emulated providers.
  if ! grep -q LOCAL_WEBHOOK_TOKEN "$RUN/secrets.env"; then
    echo "LOCAL_WEBHOOK_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> "$RUN/secrets.env"
  fi
  if ! grep -q JWT_SECRET "$RUN/secrets.env"; then
    echo "WEARHOUSE__SECURITY__JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')" >> "$RUN/secrets.env"
  fi
  set -a
  # shellcheck disable=SC1091
  . "$RUN/secrets.env"
  set +a
  export WEARHOUSE__DATABASE__URL=postgres://postgres:postgres@127.0.0.1:5432/wearhouse
  export WEARHOUSE__PROVIDERS__OURA__CLIENT_ID=wearhouse-local
  export WEARHOUSE__PROVIDERS__OURA__CLIENT_SECRET=wearhouse-local-secret
  export WEARHOUSE__PROVIDERS__OURA__AUTHORIZE_URL=http://127.0.0.1:9100/oura/oauth/authorize
  export WEARHOUSE__PROVIDERS__OURA__TOKEN_URL=http://127.0.0.1:9100/oura/oauth/token
  export WEARHOUSE__PROVIDERS__OURA__API_BASE_URL=http://127.0.0.1:9100/oura
  # Every emulated provider: the default app of the deployment points at the emulator.
  local emu=http://127.0.0.1:9100 p
  for p in OURA GARMIN WHOOP POLAR STRAVA FITBIT WITHINGS; do
    export "WEARHOUSE__PROVIDERS__${p}__CLIENT_ID=wearhouse-local"
    export "WEARHOUSE__PROVIDERS__${p}__CLIENT_SECRET=wearhouse-local-secret"
  done
  export WEARHOUSE__PROVIDERS__GARMIN__AUTHORIZE_URL=$emu/garmin/oauth2Confirm
  export WEARHOUSE__PROVIDERS__GARMIN__TOKEN_URL=$emu/garmin/di-oauth2-service/oauth/token
  export WEARHOUSE__PROVIDERS__GARMIN__API_BASE_URL=$emu/garmin
  export WEARHOUSE__PROVIDERS__GARMIN__WEBHOOK_SECRETS="wearhouse-local:$LOCAL_WEBHOOK_TOKEN"
  export WEARHOUSE__PROVIDERS__WHOOP__AUTHORIZE_URL=$emu/whoop/oauth/oauth2/auth
  export WEARHOUSE__PROVIDERS__WHOOP__TOKEN_URL=$emu/whoop/oauth/oauth2/token
  export WEARHOUSE__PROVIDERS__WHOOP__API_BASE_URL=$emu/whoop/developer
  export WEARHOUSE__PROVIDERS__POLAR__AUTHORIZE_URL=$emu/polar/oauth2/authorization
  export WEARHOUSE__PROVIDERS__POLAR__TOKEN_URL=$emu/polar/v2/oauth2/token
  export WEARHOUSE__PROVIDERS__POLAR__API_BASE_URL=$emu/polar
  export WEARHOUSE__PROVIDERS__STRAVA__AUTHORIZE_URL=$emu/strava/oauth/authorize
  export WEARHOUSE__PROVIDERS__STRAVA__TOKEN_URL=$emu/strava/oauth/token
  export WEARHOUSE__PROVIDERS__STRAVA__API_BASE_URL=$emu/strava/api/v3
  export WEARHOUSE__PROVIDERS__STRAVA__WEBHOOK_VERIFICATION_TOKEN=$LOCAL_WEBHOOK_TOKEN
  export WEARHOUSE__PROVIDERS__STRAVA__WEBHOOK_SECRETS=$LOCAL_WEBHOOK_TOKEN
  export WEARHOUSE__PROVIDERS__FITBIT__CLIENT_ID=23WHLO  # Fitbit-style client id of the emulator
  export WEARHOUSE__PROVIDERS__FITBIT__AUTHORIZE_URL=$emu/fitbit/oauth2/authorize
  export WEARHOUSE__PROVIDERS__FITBIT__TOKEN_URL=$emu/fitbit/oauth2/token
  export WEARHOUSE__PROVIDERS__FITBIT__API_BASE_URL=$emu/fitbit
  export WEARHOUSE__PROVIDERS__FITBIT__WEBHOOK_VERIFICATION_TOKEN=$LOCAL_WEBHOOK_TOKEN
  export WEARHOUSE__PROVIDERS__WITHINGS__AUTHORIZE_URL=$emu/withings/oauth2_user/authorize2
  export WEARHOUSE__PROVIDERS__WITHINGS__TOKEN_URL=$emu/withings/v2/oauth2
  export WEARHOUSE__PROVIDERS__WITHINGS__API_BASE_URL=$emu/withings
  export WEARHOUSE__OAUTH__PUBLIC_BASE_URL=$BASE
  export WEARHOUSE__WEBHOOKS__PUBLIC_BASE_URL=$BASE
  export WEARHOUSE__POLLER__PUBLIC_BASE_URL=$BASE
}

create_database() {
  if ! psql "$PG_ADMIN" -tAc "SELECT 1 FROM pg_database WHERE datname = 'wearhouse'" | grep -q 1; then
    psql "$PG_ADMIN" -qc "CREATE DATABASE wearhouse"
  fi
}

start() { # name port command...
  local name=$1 port=$2; shift 2
  if alive "$name"; then return 0; fi
  WEARHOUSE__HTTP__PORT=$port nohup "$@" >> "$RUN/logs/$name.log" 2>&1 &
  echo $! > "$RUN/pids/$name.pid"
}

wait_ready() { # name url
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$2"; then return 0; fi
    if ! alive "$1"; then echo "error: $1 exited; see $RUN/logs/$1.log" >&2; tail -n 20 "$RUN/logs/$1.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "error: $1 not ready at $2; see $RUN/logs/$1.log" >&2
  exit 1
}

json_field() { sed -nE "s/.*\"$1\" *: *\"?([^\",}]*)\"?.*/\1/p" | head -n 1; }

up() {
  secrets
  create_database
  "$BIN/auth-service" migrate >> "$RUN/logs/migrate.log" 2>&1
  EMULATOR_ADDR=127.0.0.1:9100 start provider-emulator 9100 "$BIN/provider-emulator"
  for entry in "${SERVICES[@]}"; do
    start "${entry%%:*}" "${entry##*:}" "$BIN/${entry%%:*}"
  done
  local user_line=""
  if [ "$(id -u)" = "0" ]; then user_line="user root;"; fi
  sed -e "s#@RUN@#$PWD/$RUN#g" -e "s#@USER@#$user_line#" deploy/local/nginx.conf.template > "$RUN/nginx/nginx.conf"
  if ! alive nginx; then
    /usr/sbin/nginx -p "$PWD/$RUN/nginx" -c "$PWD/$RUN/nginx/nginx.conf" -g "daemon on;"
    sleep 0.3
    cp "$RUN/nginx/nginx.pid" "$RUN/pids/nginx.pid"
  fi
  wait_ready provider-emulator http://127.0.0.1:9100/_emulator/oura/users
  for entry in "${SERVICES[@]}"; do
    wait_ready "${entry%%:*}" "http://127.0.0.1:${entry##*:}/health/ready"
  done
  wait_ready nginx "$BASE/health"

  # Providers whose webhook URL is set in their developer portal: tell the emulator.
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
    -d "{\"url\":\"$BASE/api/v1/providers/garmin/webhooks?token=$LOCAL_WEBHOOK_TOKEN\"}" http://127.0.0.1:9100/_emulator/garmin/webhook-target
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
    -d "{\"url\":\"$BASE/api/v1/providers/whoop/webhooks\"}" http://127.0.0.1:9100/_emulator/whoop/webhook-target
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
    -d "{\"url\":\"$BASE/api/v1/providers/fitbit/webhooks\",\"verification_code\":\"$LOCAL_WEBHOOK_TOKEN\"}" \
    http://127.0.0.1:9100/_emulator/fitbit/webhook-target
  # Providers with a subscription API. Polar issues its signing secret once, at creation:
  # keep it and restart the receiver with it.
  local registered polar_secret
  registered=$("$BIN/webhook-receiver" register-webhooks 2>> "$RUN/logs/register-webhooks.log")
  echo "$registered" | grep -v "SECRETS=" >> "$RUN/logs/register-webhooks.log" || true
  polar_secret=$(echo "$registered" | sed -nE 's/.*WEBHOOK_SECRETS=(.*)$/\1/p')
  if [ -n "$polar_secret" ]; then
    sed -i '/WEARHOUSE__PROVIDERS__POLAR__WEBHOOK_SECRETS/d' "$RUN/secrets.env"
    echo "WEARHOUSE__PROVIDERS__POLAR__WEBHOOK_SECRETS=$polar_secret" >> "$RUN/secrets.env"
    export WEARHOUSE__PROVIDERS__POLAR__WEBHOOK_SECRETS=$polar_secret
    kill -TERM "$(cat "$RUN/pids/webhook-receiver.pid")" 2>/dev/null || true
    for _ in $(seq 1 60); do alive webhook-receiver || break; sleep 0.5; done
    start webhook-receiver 8002 "$BIN/webhook-receiver"
    wait_ready webhook-receiver http://127.0.0.1:8002/health/ready
  fi
  local seeded api_key user_id
  seeded=$("$BIN/auth-service" seed-demo --admin-email admin@wearhouse.local --admin-password "$ADMIN_PASSWORD" 2>> "$RUN/logs/seed.log")
  api_key=$(echo "$seeded" | json_field api_key)
  user_id=$(echo "$seeded" | json_field user_id)
  umask 077
  printf '{\n  "admin_email": "admin@wearhouse.local",\n  "admin_password": "%s",\n  "api_key": "%s",\n  "user_id": "%s"\n}\n' \
    "$ADMIN_PASSWORD" "$api_key" "$user_id" > "$CREDS"

  # Connect the demo user to the emulated Oura like a browser would (the emulator auto-approves).
  if ! curl -fsS -H "X-Open-Wearables-API-Key: $api_key" "$BASE/api/v1/users/$user_id/connections" | grep -q '"oura"'; then
    local url
    url=$(curl -fsS -H "X-Open-Wearables-API-Key: $api_key" \
      "$BASE/api/v1/oauth/oura/authorize?user_id=$user_id&redirect_uri=$BASE/api/v1/oauth/success" | json_field authorization_url)
    curl -fsSL -o /dev/null "$url"
  fi
  local start end
  start=$(date -u -d '-30 days' +%F); end=$(date -u +%F)
  for _ in $(seq 1 120); do
    if curl -fsS -H "X-Open-Wearables-API-Key: $api_key" \
      "$BASE/api/v1/users/$user_id/events/sleep?start_date=$start&end_date=$end&limit=1" | grep -q '"start_time"'; then
      break
    fi
    sleep 0.5
  done
  cat <<MSG
Wearhouse is up at $BASE (demo credentials: $CREDS; logs: $RUN/logs/).

  KEY=$api_key
  USER=$user_id

  # The demo user's connections
  curl -s -H "X-Open-Wearables-API-Key: \$KEY" $BASE/api/v1/users/\$USER/connections
  # Their sleep, with stages
  curl -s -H "X-Open-Wearables-API-Key: \$KEY" "$BASE/api/v1/users/\$USER/events/sleep?start_date=$start&end_date=$end"
  # Their heart rate
  curl -s -H "X-Open-Wearables-API-Key: \$KEY" "$BASE/api/v1/users/\$USER/timeseries?start_time=${end}T00:00:00Z&end_time=$(date -u -d '+1 day' +%F)T00:00:00Z&types=heart_rate"
  # Their workouts
  curl -s -H "X-Open-Wearables-API-Key: \$KEY" "$BASE/api/v1/users/\$USER/events/workouts?start_date=$start&end_date=$end"
  # Connect the same user to another emulated provider (garmin, whoop, polar, strava, fitbit,
  # withings): open the URL
  curl -s -H "X-Open-Wearables-API-Key: \$KEY" "$BASE/api/v1/oauth/whoop/authorize?user_id=\$USER"
  # Make Oura announce a new sleep through a signed webhook, then read sleep again
  curl -s -X POST http://127.0.0.1:9100/_emulator/oura/users/\$(curl -s -H "X-Open-Wearables-API-Key: \$KEY" $BASE/api/v1/users/\$USER/connections | sed -nE 's/.*"provider_user_id":"([^"]*)".*/\1/p')/sleep
MSG
}

down() {
  if [ -f "$RUN/nginx/nginx.pid" ]; then
    /usr/sbin/nginx -p "$PWD/$RUN/nginx" -c "$PWD/$RUN/nginx/nginx.conf" -s quit 2>/dev/null || true
  fi
  for pidfile in "$RUN"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$RUN"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  echo "Wearhouse stopped."
}

follow() {
  trap 'echo; down; exit 0' INT TERM
  echo "Following logs; Ctrl-C stops the stack."
  tail -n 0 -F "$RUN"/logs/*.log &
  wait
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  follow) follow ;;
  *) echo "usage: $0 up|down|follow" >&2; exit 2 ;;
esac
