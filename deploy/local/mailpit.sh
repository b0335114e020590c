#!/usr/bin/env bash
# Local SMTP server with a web inbox and an HTTP API, for development and the tests: Mailpit
# v1.33.1, built once with Go into the cache. See --help.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

MAILPIT_VERSION="1.33.1"
MAILPIT_HOST="127.0.0.1"
MAILPIT_HTTP_PORT="${MAILPIT_HTTP_PORT:-8025}"
MAILPIT_SMTP_PORT="${MAILPIT_SMTP_PORT:-1025}"
MAILPIT_DATA_DIR="$(realpath -m "${MAILPIT_DATA_DIR:-$STATE_DIR/mailpit}")"
MAILPIT_MAX_MESSAGES="${MAILPIT_MAX_MESSAGES:-20000}"
MAILPIT_START_TIMEOUT="${MAILPIT_START_TIMEOUT:-30}"
MAILPIT_STOP_TIMEOUT="${MAILPIT_STOP_TIMEOUT:-15}"

MAILPIT_HOME="$CACHE_DIR/mailpit-$MAILPIT_VERSION"
MAILPIT_BIN="$MAILPIT_HOME/mailpit"

PIDFILE="$MAILPIT_DATA_DIR/mailpit.pid"
LOGFILE="$MAILPIT_DATA_DIR/mailpit.log"

usage() {
  cat <<EOF
Usage: deploy/local/mailpit.sh {fetch|start|stop|status|--help}

Mailpit v$MAILPIT_VERSION on $MAILPIT_HOST: an SMTP server that keeps every message it is sent,
a web inbox to read them, and an HTTP API (GET /api/v1/messages, GET /api/v1/message/{ID}) the
tests read them back with. Built once with \`go install\` into the cache.

  fetch    build Mailpit into the cache if needed (about a minute the first time)
  start    fetch if needed, start in the background and wait until both ports accept
           connections; harmless when it already runs
  stop     SIGTERM, wait up to MAILPIT_STOP_TIMEOUT seconds, then SIGKILL; harmless when stopped
  status   print "running" and exit 0 when the server is up, else exit 1

Environment (defaults in brackets):
  MAILPIT_HTTP_PORT      web inbox and API [8025]
  MAILPIT_SMTP_PORT      SMTP [1025]
  MAILPIT_DATA_DIR       its database, pid file and log [\${MENTORNET_STATE}/mailpit]
  MAILPIT_MAX_MESSAGES   messages kept before the oldest go [20000]
  MENTORNET_STATE        state root [<repo>/.state]
  MENTORNET_CACHE        build cache [\$HOME/.cache/mentornet]; binary in mailpit-$MAILPIT_VERSION/
  MAILPIT_START_TIMEOUT  seconds to wait for the ports at start [30]
  MAILPIT_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL [15]

Web inbox: http://$MAILPIT_HOST:\$MAILPIT_HTTP_PORT/ . SMTP: $MAILPIT_HOST:\$MAILPIT_SMTP_PORT (no
TLS, any or no login). Log: \$MAILPIT_DATA_DIR/mailpit.log. Requires go (1.24+) the first time.
EOF
}

# A source build reports its version as "dev", so a stamp beside the binary says which it is.
built() {
  go_tool_built mailpit "$MAILPIT_HOME" "$MAILPIT_VERSION"
}

fetch() {
  go_tool_install mailpit "github.com/axllent/mailpit" "$MAILPIT_VERSION" "$MAILPIT_HOME" "about a minute"
}

healthy() {
  pid_alive "$PIDFILE" "$MAILPIT_DATA_DIR" >/dev/null &&
    port_open "$MAILPIT_HOST" "$MAILPIT_HTTP_PORT" &&
    port_open "$MAILPIT_HOST" "$MAILPIT_SMTP_PORT"
}

wait_healthy() {
  local deadline=$((SECONDS + MAILPIT_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if healthy; then
      return 0
    fi
    # Alive is enough here (see pid_running): our own spawn wrote this pid.
    if ! pid_running "$PIDFILE"; then
      tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
      die mailpit "exited during start (log: $LOGFILE)"
    fi
    sleep 0.1
  done
  tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
  die mailpit "ports not open after ${MAILPIT_START_TIMEOUT}s (pid $(cat "$PIDFILE"), log: $LOGFILE); stop it with: $0 stop"
}

start() {
  local start port
  start="$(now)"
  if pid_alive "$PIDFILE" "$MAILPIT_DATA_DIR" >/dev/null; then
    if ! healthy; then
      log mailpit "already starting (pid $(cat "$PIDFILE")), waiting…"
      wait_healthy
    fi
    log mailpit "running: web inbox http://$MAILPIT_HOST:$MAILPIT_HTTP_PORT/, SMTP $MAILPIT_HOST:$MAILPIT_SMTP_PORT (pid $(cat "$PIDFILE"))"
    return 0
  fi
  for port in "$MAILPIT_HTTP_PORT" "$MAILPIT_SMTP_PORT"; do
    if port_open "$MAILPIT_HOST" "$port"; then
      die mailpit "port $MAILPIT_HOST:$port is already in use by another process (not ours: no live pid in $PIDFILE); stop it or set MAILPIT_HTTP_PORT/MAILPIT_SMTP_PORT"
    fi
  done
  fetch
  mkdir -p "$MAILPIT_DATA_DIR"
  if [[ -s "$LOGFILE" ]]; then
    mv -f "$LOGFILE" "$LOGFILE.prev"
  fi
  # The data dir is in the command line, so pid_alive can tell our process from another.
  spawn "$PIDFILE" "$LOGFILE" "$MAILPIT_BIN" --listen "$MAILPIT_HOST:$MAILPIT_HTTP_PORT" \
    --smtp "$MAILPIT_HOST:$MAILPIT_SMTP_PORT" --database "$MAILPIT_DATA_DIR/mailpit.db" \
    --max "$MAILPIT_MAX_MESSAGES" --smtp-auth-accept-any --smtp-auth-allow-insecure \
    --disable-version-check
  wait_healthy
  log mailpit "started in $(elapsed "$start")s: web inbox http://$MAILPIT_HOST:$MAILPIT_HTTP_PORT/, SMTP $MAILPIT_HOST:$MAILPIT_SMTP_PORT (pid $(cat "$PIDFILE"), data $MAILPIT_DATA_DIR)"
}

status() {
  if healthy; then
    echo "running (pid $(cat "$PIDFILE"), web http://$MAILPIT_HOST:$MAILPIT_HTTP_PORT/, SMTP $MAILPIT_HOST:$MAILPIT_SMTP_PORT)"
    return 0
  fi
  if pid_alive "$PIDFILE" "$MAILPIT_DATA_DIR" >/dev/null; then
    echo "starting or unhealthy (pid $(cat "$PIDFILE"))"
  elif port_open "$MAILPIT_HOST" "$MAILPIT_SMTP_PORT"; then
    echo "not running (port $MAILPIT_HOST:$MAILPIT_SMTP_PORT is used by another process)"
  else
    echo "not running"
  fi
  return 1
}

case "${1:-}" in
fetch) fetch ;;
start) start ;;
stop) stop_pid mailpit "$PIDFILE" "$MAILPIT_DATA_DIR" "$MAILPIT_STOP_TIMEOUT" ;;
status) status ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
