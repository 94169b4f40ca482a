#!/usr/bin/env bash
# The production topology on one machine, from Debian's packages (no Docker): PostgreSQL,
# Redis, N hub replicas and M Rasa servers with their action servers, behind HAProxy.
#
# Usage:
#   scripts/cluster.sh start [--fresh]   start everything (--fresh: empty databases, and the
#                                        corpus and index copied and built again)
#   scripts/cluster.sh stop              stop everything this script started
#   scripts/cluster.sh status            what runs, and where
#   scripts/cluster.sh kill NAME         SIGKILL one process (hub-2, rasa-1, redis, ...)
#   scripts/cluster.sh restart NAME      start one stopped process again
#
# Settings (environment): CLUSTER_HUBS (3), CLUSTER_RASAS (2), CLUSTER_DIR (var/cluster),
# CLUSTER_PORT (8080: the hub's balanced address; Rasa's is +1, the action servers' +2,
# HAProxy's status page +3), CLUSTER_PORT_BASE (8100: replicas' own ports count up from
# it), CLUSTER_DB (tandem_cluster: database names are <it>_hub and <it>_rasa),
# CLUSTER_MODE (demo).
# Secrets come from the environment (TANDEM_SECRET_KEY, TANDEM_SERVICE_TOKEN,
# CLUSTER_PG_PASSWORD, CLUSTER_REDIS_PASSWORD, and TANDEM_DEMO_PASSWORD for the demo's
# panel accounts); any left unset is generated once into $CLUSTER_DIR/secrets.env (mode
# 600), never committed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HUBS=${CLUSTER_HUBS:-3}
RASAS=${CLUSTER_RASAS:-2}
DIR=$(realpath -m "${CLUSTER_DIR:-var/cluster}")
PORT=${CLUSTER_PORT:-8080}
BASE=${CLUSTER_PORT_BASE:-8100}
DB=${CLUSTER_DB:-tandem_cluster}
MODE=${CLUSTER_MODE:-demo}
MODEL=${CLUSTER_RASA_MODEL:-$ROOT/models/rasa/tandem.tar.gz}
RASA_LB=$((PORT + 1))
ACTIONS_LB=$((PORT + 2))
STATS=$((PORT + 3))
REDIS_PORT=$((BASE + 79))
APP=$ROOT/.venv/bin
RASA_BIN=$ROOT/.venv-rasa/bin/rasa

log() { echo "==> $*" >&2; }
hub_port() { echo $((BASE + $1)); }
rasa_port() { echo $((BASE + 20 + $1)); }
action_port() { echo $((BASE + 40 + $1)); }
pidfile() { echo "$DIR/pids/$1.pid"; }

alive() {
  local f pid
  f=$(pidfile "$1")
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  # A killed process not yet reaped (a zombie) still answers kill -0: it is not alive.
  kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# Start a command in its own session (so stopping it stops its children too).
spawn() {
  local name=$1
  shift
  if alive "$name"; then return; fi
  mkdir -p "$DIR/pids" "$DIR/logs"
  setsid "$@" >>"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$(pidfile "$name")"
}

wait_http() {
  local url=$1 timeout=$2 name=$3 deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    if ! alive "$name"; then
      log "$name exited; the end of its log:" && tail -20 "$DIR/logs/$name.log" >&2
      return 1
    fi
    curl -fs -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.5
  done
  log "$name did not answer $url within ${timeout} s" && return 1
}

install_packages() {
  local need=()
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  [ ${#need[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]} (install them with apt as root)." >&2
    exit 1
  fi
  log "Installing ${need[*]} from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  # Debian starts the packaged services; this topology runs its own Redis and HAProxy.
  systemctl disable --now redis-server haproxy >/dev/null 2>&1 || true
}

load_secrets() {
  mkdir -p "$DIR"
  local file=$DIR/secrets.env
  if [ ! -s "$file" ]; then
    umask 077
    {
      for name in TANDEM_SECRET_KEY TANDEM_SERVICE_TOKEN CLUSTER_PG_PASSWORD CLUSTER_REDIS_PASSWORD \
        TANDEM_DEMO_PASSWORD; do
        echo "$name=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"
      done
    } >"$file"
  fi
  local line name
  while IFS= read -r line; do
    name=${line%%=*}
    [ -n "${!name:-}" ] || export "$line"
  done <"$file"
}

start_postgres() {
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1==v && $2=="main"' | grep -q . \
    || pg_createcluster "$version" main >&2
  pg_ctlcluster "$version" main start >/dev/null 2>&1 || true  # already running: fine
  PG_PORT=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  psql_() { su postgres -c "psql -q -p $PG_PORT -v ON_ERROR_STOP=1 $*" >&2; }
  local role=${DB}
  su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$role'\"" | grep -q 1 \
    || psql_ "-c \"CREATE ROLE $role LOGIN CREATEDB PASSWORD '$CLUSTER_PG_PASSWORD'\""
  psql_ "-c \"ALTER ROLE $role PASSWORD '$CLUSTER_PG_PASSWORD'\""
  for db in "${DB}_hub" "${DB}_rasa"; do
    if [ "$FRESH" = 1 ]; then psql_ "-c \"DROP DATABASE IF EXISTS $db WITH (FORCE)\""; fi
    su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
      || psql_ "-c \"CREATE DATABASE $db OWNER $role\""
  done
  export PG_PORT
}

start_redis() {
  mkdir -p "$DIR/redis"
  # Realtime fan-out and Rasa's locks only: nothing here needs to survive a restart.
  spawn redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$CLUSTER_REDIS_PASSWORD" \
    --save "" --appendonly no --dir "$DIR/redis"
  local deadline=$((SECONDS + 20))
  until REDISCLI_AUTH=$CLUSTER_REDIS_PASSWORD redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    [ $SECONDS -lt $deadline ] || { log "Redis did not start"; exit 1; }
    sleep 0.2
  done
}

hub_env() {
  local i=$1
  export TANDEM_MODE=$MODE \
    TANDEM_DATABASE_URL="postgresql+psycopg://$DB:$CLUSTER_PG_PASSWORD@127.0.0.1:$PG_PORT/${DB}_hub" \
    TANDEM_REDIS_URL="redis://:$CLUSTER_REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0" \
    TANDEM_RASA_URL="http://127.0.0.1:$RASA_LB" \
    TANDEM_ACTION_URL="http://127.0.0.1:$ACTIONS_LB/webhook" \
    TANDEM_HUB_URL="http://127.0.0.1:$PORT" \
    TANDEM_INDEX_DIR="$DIR/index" \
    TANDEM_CORPUS_DIR="$DIR/corpus" \
    TANDEM_VAR_DIR="$DIR/hub-$i" \
    TANDEM_REPLICA_NAME="hub-$i" \
    TANDEM_FORWARDED_ALLOW_IPS=127.0.0.1 \
    PYTHONPATH="$ROOT"
}

prepare_hub_data() {
  # One corpus and one index folder for all replicas; the index is built once, here, and
  # every replica starts from its latest version without embedding the corpus again
  # (embeddings are cached in models/cache, so a fresh build is quick too).
  if [ "$FRESH" = 1 ]; then rm -rf "$DIR/corpus" "$DIR/index"; fi
  [ -d "$DIR/corpus" ] || cp -r "$ROOT/knowledge/corpus" "$DIR/corpus"
  (
    hub_env 0
    log "Migrating the hub's database"
    "$APP/tandem" db init $([ "$MODE" = demo ] && echo --demo) >>"$DIR/logs/setup.log" 2>&1
    log "Building the knowledge index (embeds only what no saved version holds)"
    "$APP/tandem" knowledge build >>"$DIR/logs/setup.log" 2>&1
  )
}

start_hub() {
  local i=$1
  (
    hub_env "$i"
    spawn "hub-$i" "$APP/tandem" hub --host 127.0.0.1 --port "$(hub_port "$i")"
  )
}

rasa_endpoints() {
  # Rasa fills ${...} from the environment (unquoted: YAML resolves only plain scalars),
  # so the file holds no secret.
  cat >"$DIR/rasa-endpoints.yml" <<EOF
action_endpoint:
  url: "http://127.0.0.1:$ACTIONS_LB/webhook"
tracker_store:
  type: SQL
  dialect: "postgresql"
  url: "127.0.0.1"
  port: $PG_PORT
  db: "${DB}_rasa"
  username: "$DB"
  password: \${CLUSTER_PG_PASSWORD}
lock_store:
  type: "redis"
  url: "127.0.0.1"
  port: $REDIS_PORT
  password: \${CLUSTER_REDIS_PASSWORD}
  db: 1
  key_prefix: "tandem"
EOF
}

rasa_env() {
  export TANDEM_HUB_URL="http://127.0.0.1:$PORT" TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$ROOT"
}

start_actions() {
  local i=$1
  (
    rasa_env
    export SANIC_HOST=127.0.0.1
    spawn "actions-$i" "$RASA_BIN" run actions --port "$(action_port "$i")" --actions actions
  )
}

start_rasa() {
  local i=$1
  (
    rasa_env
    spawn "rasa-$i" "$RASA_BIN" run -m "$MODEL" --interface 127.0.0.1 --port "$(rasa_port "$i")" \
      --endpoints "$DIR/rasa-endpoints.yml" --credentials "$ROOT/credentials.yml"
  )
}

haproxy_config() {
  local servers_hub="" servers_rasa="" servers_actions="" i
  for i in $(seq 1 "$HUBS"); do
    servers_hub+="    server hub-$i 127.0.0.1:$(hub_port "$i") check"$'\n'
  done
  for i in $(seq 1 "$RASAS"); do
    servers_rasa+="    server rasa-$i 127.0.0.1:$(rasa_port "$i") check"$'\n'
    servers_actions+="    server actions-$i 127.0.0.1:$(action_port "$i") check"$'\n'
  done
  sed -e "s|@HUB_PORT@|$PORT|; s|@RASA_PORT@|$RASA_LB|; s|@ACTIONS_PORT@|$ACTIONS_LB|" \
    -e "s|@STATS_PORT@|$STATS|; s|@BIND@|127.0.0.1|g" \
    "$ROOT/deploy/haproxy.cfg" | awk -v hub="$servers_hub" -v rasa="$servers_rasa" \
    -v actions="$servers_actions" '
      /@HUB_SERVERS@/ {printf "%s", hub; next}
      /@RASA_SERVERS@/ {printf "%s", rasa; next}
      /@ACTIONS_SERVERS@/ {printf "%s", actions; next}
      {print}' >"$DIR/haproxy.cfg"
}

start_haproxy() {
  haproxy_config
  haproxy -c -q -f "$DIR/haproxy.cfg" >&2
  spawn haproxy haproxy -db -f "$DIR/haproxy.cfg"
}

stop_one() {
  local name=$1 f pid
  f=$(pidfile "$name")
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

restart_one() {
  local name=$1
  case $name in
    redis) start_redis ;;
    haproxy) start_haproxy ;;
    hub-*) start_hub "${name#hub-}" ;;
    rasa-*) start_rasa "${name#rasa-}" ;;
    actions-*) start_actions "${name#actions-}" ;;
    *) echo "unknown process: $name" >&2; exit 2 ;;
  esac
}

status() {
  local f name
  for f in "$DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if alive "$name"; then echo "$name running (pid $(cat "$f"))"; else echo "$name stopped"; fi
  done
  echo "hubs: http://127.0.0.1:$PORT  rasa: http://127.0.0.1:$RASA_LB  haproxy: http://127.0.0.1:$STATS/"
}

start() {
  install_packages
  load_secrets
  [ -s "$MODEL" ] || { echo "No Rasa model at $MODEL: run \`make setup\` and \`tandem train\`." >&2; exit 1; }
  mkdir -p "$DIR/logs" "$DIR/pids"
  start_postgres
  # For tools on this machine that read the hub's database (bench/soak.py --cluster).
  (umask 077 && hub_env 0 && echo "$TANDEM_DATABASE_URL" >"$DIR/database.url")
  start_redis
  rasa_endpoints
  start_haproxy
  for i in $(seq 1 "$RASAS"); do start_actions "$i"; done
  prepare_hub_data
  for i in $(seq 1 "$HUBS"); do start_hub "$i"; done
  # One Rasa first: it creates the tracker tables, which two at once would race on.
  start_rasa 1
  wait_http "http://127.0.0.1:$(rasa_port 1)/" 600 rasa-1
  for i in $(seq 2 "$RASAS"); do start_rasa "$i"; done
  for i in $(seq 1 "$RASAS"); do
    wait_http "http://127.0.0.1:$(action_port "$i")/health" 300 "actions-$i"
    wait_http "http://127.0.0.1:$(rasa_port "$i")/" 600 "rasa-$i"
  done
  for i in $(seq 1 "$HUBS"); do wait_http "http://127.0.0.1:$(hub_port "$i")/healthz" 180 "hub-$i"; done
  log "Cluster up: $HUBS hubs at http://127.0.0.1:$PORT, $RASAS Rasa servers (logs in $DIR/logs)"
  [ "$MODE" != demo ] || log "Demo accounts (linh, minh, ha, ...): password TANDEM_DEMO_PASSWORD in $DIR/secrets.env"
}

main() {
  FRESH=0
  case ${1:-} in
    start)
      [ "${2:-}" = --fresh ] && FRESH=1
      start
      ;;
    stop)
      for f in "$DIR"/pids/*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
      log "Cluster stopped"
      ;;
    status) status ;;
    kill)
      f=$(pidfile "${2:?which process}")
      pid=$(cat "$f")
      kill -KILL -- "-$pid" 2>/dev/null || true
      # Return once it is gone, so that a `restart` right after does not find it alive.
      for _ in $(seq 1 100); do alive "$2" || break; sleep 0.1; done
      ;;
    restart)
      load_secrets
      start_postgres >/dev/null
      restart_one "${2:?which process}"
      ;;
    *)
      awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
      exit 2
      ;;
  esac
}

# One line, read whole before it runs: editing this file while a start is under way cannot
# make the running shell read half a command.
main "$@"; exit $?
