# shellcheck shell=bash
# Helpers shared by deploy/local/kafka.sh and deploy/local/mongo.sh. Source it; do not run it.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this file
CACHE_DIR="${MENTORNET_CACHE:-$HOME/.cache/mentornet}"
# shellcheck disable=SC2034
STATE_DIR="${MENTORNET_STATE:-$REPO_ROOT/.state}"

# log NAME MESSAGE... — a short progress line on stderr.
log() {
  local name="$1"
  shift
  printf '%s: %s\n' "$name" "$*" >&2
}

die() {
  log "$@"
  exit 1
}

# now — seconds since the epoch with milliseconds, for elapsed-time messages.
now() {
  date +%s.%N
}

# elapsed START — seconds since START, one decimal.
elapsed() {
  awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'
}

# port_open HOST PORT — true when something accepts TCP connections there.
port_open() {
  # shellcheck disable=SC2016  # $1 and $2 expand in the inner bash
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# sha256_of FILE... — one hash over the files' names and contents.
sha256_of() {
  local f
  for f in "$@"; do
    printf '%s\n' "$(basename "$f")"
    cat "$f"
  done | sha256sum | cut -d' ' -f1
}

# pid_alive PIDFILE PATTERN — print the pid and succeed when the pid file names a live process
# whose command line contains PATTERN (so a recycled pid is not mistaken for ours).
pid_alive() {
  local pidfile="$1" pattern="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # grep without -q reads to the end: tr never meets a closed pipe (SIGPIPE under pipefail).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$pattern" >/dev/null || return 1
  printf '%s\n' "$pid"
}

# pid_running PIDFILE — succeed while the pid file names a live process, whatever it runs yet.
# During a start this is the liveness check: just after spawn the pid may still be the shell
# that is about to exec the server, whose command line does not name it (pid_alive's pattern
# would fail and a healthy start would be given up).
pid_running() {
  local pidfile="$1" pid state
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)"
  [[ "$state" != Z ]]
}

# stop_pid NAME PIDFILE PATTERN [TIMEOUT] — SIGTERM, wait up to TIMEOUT seconds (default 15),
# then SIGKILL. Harmless when not running.
stop_pid() {
  local name="$1" pidfile="$2" pattern="$3" timeout="${4:-15}" pid i
  if ! pid="$(pid_alive "$pidfile" "$pattern")"; then
    rm -f "$pidfile"
    log "$name" "not running"
    return 0
  fi
  local start
  start="$(now)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name" "still running after ${timeout}s, sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name" "stopped (pid $pid) in $(elapsed "$start")s"
}

# spawn PIDFILE OUTFILE CMD... — run CMD detached from this shell (own session, stdin from
# /dev/null, stdout+stderr to OUTFILE) and write its pid to PIDFILE. Returns once that pid runs
# CMD (the forked shell has exec'd it), or has exited, so that checks which look for the
# server's command line in /proc/PID/cmdline see the server's, not the shell's.
spawn() {
  local pidfile="$1" outfile="$2" pid i
  shift 2
  if command -v setsid >/dev/null 2>&1; then
    # exec: the pid of the background job becomes setsid's, then CMD's (setsid execs it:
    # a background job of a script is not a process group leader, so it need not fork).
    nohup setsid "$@" </dev/null >"$outfile" 2>&1 &
  else
    nohup "$@" </dev/null >"$outfile" 2>&1 &
  fi
  pid="$!"
  printf '%s\n' "$pid" >"$pidfile"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$1" >/dev/null && return 0
    sleep 0.05
  done
}

# go_tool_built TOOL HOME VERSION — whether HOME/TOOL is built at VERSION. A source build reports
# no release version of its own, so a stamp beside the binary (HOME/TOOL.version) says which.
go_tool_built() {
  local tool="$1" home="$2" version="$3"
  [[ -x "$home/$tool" && "$(cat "$home/$tool.version" 2>/dev/null)" == "$version" ]]
}

# go_tool_install TOOL PACKAGE VERSION HOME ABOUT — build PACKAGE@vVERSION with `go install` into
# HOME/TOOL once (ABOUT says how long the first build takes); harmless when already built.
go_tool_install() {
  local tool="$1" package="$2" version="$3" home="$4" about="$5" start build
  if go_tool_built "$tool" "$home" "$version"; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "$tool" "go not found on PATH (needed once to build $tool)"
  start="$(now)"
  log "$tool" "building $tool v$version (first run only, $about)…"
  mkdir -p "$home"
  # Into a scratch folder first, so an interrupted build never leaves a half-written binary.
  build="$(mktemp -d "$home/build.XXXXXX")"
  if ! (cd "$build" && GOBIN="$build" go install "$package@v$version") >"$home/build.log" 2>&1; then
    cat "$home/build.log" >&2
    rm -rf "$build"
    die "$tool" "$tool build failed (log above, also in $home/build.log)"
  fi
  mv -f "$build/$tool" "$home/$tool"
  printf '%s\n' "$version" >"$home/$tool.version"
  rm -rf "$build"
  log "$tool" "built $home/$tool in $(elapsed "$start")s"
}
