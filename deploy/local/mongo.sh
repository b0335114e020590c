#!/usr/bin/env bash
# Local MongoDB wire-protocol server for development and CI: mongod when it is on PATH,
# otherwise FerretDB v1.24.2 (SQLite backend) built from deploy/local/ferretdb. See --help.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

FERRETDB_VERSION="1.24.2"
MONGO_HOST="127.0.0.1"
MONGO_PORT="${MONGO_PORT:-27017}"
MONGO_DATA_DIR="$(realpath -m "${MONGO_DATA_DIR:-$STATE_DIR/mongo}")"
MONGO_SERVER="${MONGO_SERVER:-auto}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-warn}"
FERRETDB_SYNCHRONOUS="${FERRETDB_SYNCHRONOUS:-normal}"
MONGO_START_TIMEOUT="${MONGO_START_TIMEOUT:-30}"
MONGO_STOP_TIMEOUT="${MONGO_STOP_TIMEOUT:-15}"

FERRETDB_SRC="$LOCAL_DIR/ferretdb"
FERRETDB_HOME="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb"
FERRETDB_STAMP="$FERRETDB_HOME/ferretdb.src-sha256" # hash of main.go, go.mod, go.sum, patches

PIDFILE="$MONGO_DATA_DIR/mongo.pid"
LOGFILE="$MONGO_DATA_DIR/mongo.log"

usage() {
  cat <<EOF
Usage: deploy/local/mongo.sh {fetch|start|stop|status|--help}

A MongoDB wire-protocol server on $MONGO_HOST: mongod if it is on PATH, otherwise
FerretDB v$FERRETDB_VERSION with its SQLite backend (our own embedding in deploy/local/ferretdb,
with the patches in its patches/ folder, built once with Go into the cache; rebuilt when
main.go, go.mod, go.sum or a patch changes).

  fetch    build FerretDB into the cache if needed (about a minute the first time;
           nothing to do when mongod is used)
  start    fetch if needed, start in the background and wait until the port accepts
           connections; harmless when it already runs
  stop     SIGTERM, wait up to MONGO_STOP_TIMEOUT seconds, then SIGKILL; harmless when stopped
  status   print "running" and exit 0 when the server is up, else exit 1

Environment (defaults in brackets):
  MONGO_PORT           listen port [27017]
  MONGO_DATA_DIR       databases, pid file and log [\${MENTORNET_STATE}/mongo]
  MONGO_SERVER         auto | mongod | ferretdb [auto: mongod when on PATH, else ferretdb]
  MENTORNET_STATE      state root [<repo>/.state]
  MENTORNET_CACHE      download/build cache [\$HOME/.cache/mentornet]; binary in ferretdb-$FERRETDB_VERSION/
  FERRETDB_LOG_LEVEL   debug | info | warn | error [warn]
  FERRETDB_SYNCHRONOUS normal | full [normal]: SQLite syncs its log at checkpoints, or at
                       every commit (see deploy/local/ferretdb/main.go)
  MONGO_START_TIMEOUT  seconds to wait for the port at start [30]
  MONGO_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL [15]

Connection string: mongodb://$MONGO_HOST:\$MONGO_PORT/ . Log: \$MONGO_DATA_DIR/mongo.log.
FerretDB has no transactions, no change streams, and filters scan (see docs/decisions.md 3).
Requires go (1.24+) to build FerretDB the first time.
EOF
}

# server_kind — mongod or ferretdb, from MONGO_SERVER (checked once, at the bottom of this file).
server_kind() {
  case "$MONGO_SERVER" in
  auto) if command -v mongod >/dev/null 2>&1; then echo mongod; else echo ferretdb; fi ;;
  *) echo "$MONGO_SERVER" ;;
  esac
}

src_hash() {
  sha256_of "$FERRETDB_SRC/main.go" "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_SRC"/patches/*.patch
}

# patched_module DIR — FerretDB's module source copied into DIR with our patches applied, and
# the build in DIR pointed at it (see deploy/local/ferretdb/patches: why each one exists).
patched_module() {
  local build="$1" module
  module="$(cd "$build" && go mod download -json "github.com/FerretDB/FerretDB@v$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module" ]] || return 1
  cp -R "$module" "$build/FerretDB"
  chmod -R u+w "$build/FerretDB"
  local p
  for p in "$FERRETDB_SRC"/patches/*.patch; do
    patch -s -p1 -d "$build/FerretDB" <"$p" || return 1
  done
  (cd "$build" && go mod edit -replace "github.com/FerretDB/FerretDB=./FerretDB")
}

built() {
  [[ -x "$FERRETDB_BIN" && -f "$FERRETDB_STAMP" ]] && [[ "$(cat "$FERRETDB_STAMP")" == "$(src_hash)" ]]
}

fetch() {
  if [[ "$(server_kind)" == mongod ]]; then
    command -v mongod >/dev/null 2>&1 || die mongo "MONGO_SERVER=mongod but mongod is not on PATH"
    return 0
  fi
  if built; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die mongo "go not found on PATH (needed once to build FerretDB)"
  local start build hash
  start="$(now)"
  hash="$(src_hash)"
  log mongo "building FerretDB v$FERRETDB_VERSION (first run only, about a minute)…"
  mkdir -p "$FERRETDB_HOME"
  # Build from a copy, so the repository tree is never written to.
  build="$(mktemp -d "$FERRETDB_HOME/build.XXXXXX")"
  cp "$FERRETDB_SRC/main.go" "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$build/"
  if ! { patched_module "$build" && (cd "$build" && go mod tidy && go build -trimpath -o "$build/ferretdb" .); } >"$FERRETDB_HOME/build.log" 2>&1; then
    cat "$FERRETDB_HOME/build.log" >&2
    rm -rf "$build"
    die mongo "FerretDB build failed (log above, also in $FERRETDB_HOME/build.log)"
  fi
  mv -f "$build/ferretdb" "$FERRETDB_BIN"
  printf '%s\n' "$hash" >"$FERRETDB_STAMP"
  rm -rf "$build"
  log mongo "built $FERRETDB_BIN in $(elapsed "$start")s"
}

healthy() {
  pid_alive "$PIDFILE" "$MONGO_DATA_DIR" >/dev/null && port_open "$MONGO_HOST" "$MONGO_PORT"
}

wait_healthy() {
  local deadline=$((SECONDS + MONGO_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if healthy; then
      return 0
    fi
    # Alive is enough here (see pid_running): our own spawn wrote this pid.
    if ! pid_running "$PIDFILE"; then
      tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
      die mongo "exited during start (log: $LOGFILE)"
    fi
    sleep 0.1
  done
  tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
  die mongo "port $MONGO_HOST:$MONGO_PORT not open after ${MONGO_START_TIMEOUT}s (pid $(cat "$PIDFILE"), log: $LOGFILE); stop it with: $0 stop"
}

start() {
  local start kind
  start="$(now)"
  if pid_alive "$PIDFILE" "$MONGO_DATA_DIR" >/dev/null; then
    if healthy; then
      log mongo "already running on $MONGO_HOST:$MONGO_PORT (pid $(cat "$PIDFILE"))"
      return 0
    fi
    log mongo "already starting (pid $(cat "$PIDFILE")), waiting…"
    wait_healthy
    log mongo "started on $MONGO_HOST:$MONGO_PORT in $(elapsed "$start")s"
    return 0
  fi
  if port_open "$MONGO_HOST" "$MONGO_PORT"; then
    die mongo "port $MONGO_HOST:$MONGO_PORT is already in use by another process (not ours: no live pid in $PIDFILE); stop it or set MONGO_PORT"
  fi
  kind="$(server_kind)"
  fetch
  mkdir -p "$MONGO_DATA_DIR"
  if [[ -s "$LOGFILE" ]]; then
    mv -f "$LOGFILE" "$LOGFILE.prev"
  fi
  if [[ "$kind" == mongod ]]; then
    mkdir -p "$MONGO_DATA_DIR/db"
    spawn "$PIDFILE" "$LOGFILE" mongod --bind_ip "$MONGO_HOST" --port "$MONGO_PORT" \
      --dbpath "$MONGO_DATA_DIR/db"
  else
    mkdir -p "$MONGO_DATA_DIR/sqlite"
    spawn "$PIDFILE" "$LOGFILE" "$FERRETDB_BIN" -listen "$MONGO_HOST:$MONGO_PORT" \
      -data-dir "$MONGO_DATA_DIR/sqlite" -log-level "$FERRETDB_LOG_LEVEL" \
      -synchronous "$FERRETDB_SYNCHRONOUS"
  fi
  wait_healthy
  log mongo "$kind started on $MONGO_HOST:$MONGO_PORT in $(elapsed "$start")s (pid $(cat "$PIDFILE"), data $MONGO_DATA_DIR)"
}

status() {
  if healthy; then
    echo "running (pid $(cat "$PIDFILE"), $MONGO_HOST:$MONGO_PORT)"
    return 0
  fi
  if pid_alive "$PIDFILE" "$MONGO_DATA_DIR" >/dev/null; then
    echo "starting or unhealthy (pid $(cat "$PIDFILE"), $MONGO_HOST:$MONGO_PORT)"
  elif port_open "$MONGO_HOST" "$MONGO_PORT"; then
    echo "not running (port $MONGO_HOST:$MONGO_PORT is used by another process)"
  else
    echo "not running"
  fi
  return 1
}

case "$MONGO_SERVER" in
auto | mongod | ferretdb) ;;
*) die mongo "MONGO_SERVER must be auto, mongod or ferretdb (got '$MONGO_SERVER')" ;;
esac

case "${1:-}" in
fetch) fetch ;;
start) start ;;
stop) stop_pid mongo "$PIDFILE" "$MONGO_DATA_DIR" "$MONGO_STOP_TIMEOUT" ;;
status) status ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
