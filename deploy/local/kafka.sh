#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) for development and CI,
# from the jars on Maven Central. No Docker, no release tarball. See --help.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

KAFKA_VERSION="4.1.1"
KAFKA_HOST="127.0.0.1"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA_DIR="$(realpath -m "${KAFKA_DATA_DIR:-$STATE_DIR/kafka}")"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-15}"
KAFKA_AUTH="${KAFKA_AUTH:-scram}"

KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_HOME/lib"
POM="$LOCAL_DIR/kafka/pom.xml"
LOG4J_CONFIG="$LOCAL_DIR/kafka/log4j2.properties"

PIDFILE="$KAFKA_DATA_DIR/kafka.pid"
OUTFILE="$KAFKA_DATA_DIR/kafka.out"   # the JVM's stdout/stderr
LOGFILE="$KAFKA_DATA_DIR/server.log"  # log4j2 (see kafka/log4j2.properties)
PROPS="$KAFKA_DATA_DIR/server.properties"
LOG_DIRS="$KAFKA_DATA_DIR/kraft-logs" # partitions and the cluster metadata log
USERS_DIR="$KAFKA_DATA_DIR/users"     # one file per Kafka user holding its password (0600)
# The Kafka users (KAFKA_AUTH=scram): admin (super user: provisioning, ACLs, tests) and one per
# service; deploy/localnet/kafka_users.py grants each service its ACLs per topic prefix.
KAFKA_USERS=(admin registry matching sessions evaluation notifications)
STARTED_LINE="Kafka Server started"

usage() {
  cat <<EOF
Usage: deploy/local/kafka.sh {fetch|start|stop|status|--help}

Apache Kafka $KAFKA_VERSION in KRaft mode: one combined broker+controller node on $KAFKA_HOST.

  fetch    download the jars from Maven Central into the cache (first run only;
           redone when deploy/local/kafka/pom.xml changes)
  start    fetch if needed, format the data dir if new, start in the background and
           wait until the broker is up; harmless when it already runs
  stop     SIGTERM, wait up to KAFKA_STOP_TIMEOUT seconds, then SIGKILL; harmless when stopped
  status   print "running" and exit 0 when the broker is up, else exit 1

Environment (defaults in brackets):
  KAFKA_PORT             broker listener port [9092]
  KAFKA_CONTROLLER_PORT  KRaft controller listener port [9093]
  KAFKA_DATA_DIR         data, server.properties, pid file and logs [\${MENTORNET_STATE}/kafka]
  MENTORNET_STATE        state root [<repo>/.state]
  MENTORNET_CACHE        download/build cache [\$HOME/.cache/mentornet]; jars in kafka-$KAFKA_VERSION/lib
  KAFKA_HEAP_OPTS        JVM heap options [-Xmx1G -Xms256m]
  KAFKA_START_TIMEOUT    seconds to wait for the broker at start [90]
  KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL [15]
  KAFKA_AUTH             scram: clients sign in (SASL_PLAINTEXT, SCRAM-SHA-512) as a user of
                         \$KAFKA_DATA_DIR/users/ and ACLs authorize them; none: PLAINTEXT, no
                         login, no ACLs (a data dir keeps the mode it was formatted with) [scram]

Bootstrap servers: $KAFKA_HOST:\$KAFKA_PORT. Broker log: \$KAFKA_DATA_DIR/server.log.
With KAFKA_AUTH=scram, the users' passwords are made when the data dir is formatted, one file
each in \$KAFKA_DATA_DIR/users/ (admin, and one per service), readable by you only.
Topics are not auto-created (auto.create.topics.enable=false); new topics get 6 partitions.
Requires java (17+); fetch also requires mvn.
EOF
}

fetched() {
  [[ -f "$KAFKA_LIB/.complete" ]] && [[ "$(cat "$KAFKA_LIB/.complete")" == "$(sha256_of "$POM")" ]]
}

fetch() {
  if fetched; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die kafka "mvn not found on PATH (needed once to fetch the jars)"
  local start tmp
  start="$(now)"
  log kafka "fetching jars from Maven Central (first run only)…"
  mkdir -p "$KAFKA_HOME"
  tmp="$(mktemp -d "$KAFKA_HOME/lib.tmp.XXXXXX")"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_HOME/fetch.log" 2>&1; then
    rm -rf "$tmp"
    cat "$KAFKA_HOME/fetch.log" >&2
    die kafka "fetch failed (log above, also in $KAFKA_HOME/fetch.log)"
  fi
  sha256_of "$POM" >"$tmp/.complete"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  log kafka "fetched $(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_LIB" | cut -f1)) in $(elapsed "$start")s into $KAFKA_LIB"
}

# java_cmd ARGS... — run java with our heap, log4j2 config and the Kafka classpath.
java_cmd() {
  command -v java >/dev/null 2>&1 || die kafka "java not found on PATH (Java 17+ is required)"
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  exec_or_spawn java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$KAFKA_DATA_DIR" \
    -cp "$KAFKA_LIB/*" "$@"
}

# exec_or_spawn CMD... — run CMD in the foreground, or detached (see spawn) when SPAWN=1.
SPAWN=0
exec_or_spawn() {
  if ((SPAWN)); then
    spawn "$PIDFILE" "$OUTFILE" "$@"
  else
    "$@"
  fi
}

# listener_properties — the listeners: plain text with no login (KAFKA_AUTH=none), or every
# connection signed in and every request authorized by ACLs (scram).
listener_properties() {
  if [[ "$KAFKA_AUTH" == none ]]; then
    cat <<EOF
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
    return 0
  fi
  local admin
  admin="$(cat "$USERS_DIR/admin")"
  # Clients: SCRAM-SHA-512, credentials in the metadata log (added at format). The controller
  # listener cannot use SCRAM (it serves before that log is read): PLAIN, whose only user is
  # admin, so nobody reaches the controller without admin's password either.
  cat <<EOF
listeners=SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=SASL_PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
EOF
}

write_properties() {
  # It holds admin's password (KAFKA_AUTH=scram): readable by you only.
  (
    umask 077
    cat >"$PROPS" <<EOF
# Written by deploy/local/kafka.sh at each start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
$(listener_properties)
log.dirs=$LOG_DIRS

# single node
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true

num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.segment.bytes=104857600
# The log cleaner zero-fills its whole dedupe buffer before cleaning each partition: at the
# default 128 MiB that was ~1.5 GB of memset for the contacts and keys topics' partitions
# (rolled and compacted every 30 s), a whole core for a second each time. 8 MiB holds the
# offsets of ~350,000 keys per pass; a bigger log is cleaned over several passes.
log.cleaner.dedupe.buffer.size=8388608
EOF
  )
  chmod 600 "$PROPS"
}

# ensure_users — on a data dir still to be formatted, a new password for each user (KAFKA_AUTH=
# scram); on a formatted one, check that it was formatted in the mode asked for.
ensure_users() {
  local user
  [[ "$KAFKA_AUTH" == scram || "$KAFKA_AUTH" == none ]] ||
    die kafka "KAFKA_AUTH must be scram or none, not '$KAFKA_AUTH'"
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then
    if [[ "$KAFKA_AUTH" == scram && ! -s "$USERS_DIR/admin" ]]; then
      die kafka "$KAFKA_DATA_DIR was formatted without Kafka users: delete it (./mentornet up --fresh) or start with KAFKA_AUTH=none"
    fi
    if [[ "$KAFKA_AUTH" == none && -s "$USERS_DIR/admin" ]]; then
      die kafka "$KAFKA_DATA_DIR was formatted with Kafka users: start it with KAFKA_AUTH=scram"
    fi
    return 0
  fi
  rm -rf "$USERS_DIR"
  [[ "$KAFKA_AUTH" == scram ]] || return 0
  (
    umask 077
    mkdir -p "$USERS_DIR"
    for user in "${KAFKA_USERS[@]}"; do
      # 32 letters and digits: nothing to quote in the JAAS line or the --add-scram argument.
      LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 >"$USERS_DIR/$user" || true
      [[ "$(wc -c <"$USERS_DIR/$user")" -eq 32 ]] || die kafka "could not make a password for $user"
    done
  )
}

format_if_new() {
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  log kafka "formatting new data dir $KAFKA_DATA_DIR"
  cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$OUTFILE" | tail -n1)"
  [[ -n "$cluster_id" ]] || die kafka "StorageTool random-uuid printed nothing (see $OUTFILE)"
  local scram=() user
  if [[ "$KAFKA_AUTH" == scram ]]; then
    for user in "${KAFKA_USERS[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$USERS_DIR/$user")]")
    done
  fi
  java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" ${scram[@]+"${scram[@]}"} \
    >>"$OUTFILE" 2>&1 || die kafka "StorageTool format failed (see $OUTFILE)"
}

# healthy — our process is alive, the broker port accepts connections and the broker said it started.
healthy() {
  pid_alive "$PIDFILE" "$KAFKA_DATA_DIR" >/dev/null &&
    port_open "$KAFKA_HOST" "$KAFKA_PORT" &&
    grep -qF "$STARTED_LINE" "$LOGFILE" 2>/dev/null
}

wait_healthy() {
  local start="$1" deadline
  deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if healthy; then
      return 0
    fi
    # Alive is enough here (see pid_running): our own spawn wrote this pid.
    if ! pid_running "$PIDFILE"; then
      tail -n 30 "$OUTFILE" "$LOGFILE" >&2 2>/dev/null || true
      die kafka "exited during start (logs: $OUTFILE, $LOGFILE)"
    fi
    sleep 0.2
  done
  tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
  die kafka "not up after ${KAFKA_START_TIMEOUT}s (pid $(cat "$PIDFILE"), logs: $OUTFILE, $LOGFILE); stop it with: $0 stop"
}

start() {
  local start port
  start="$(now)"
  if pid_alive "$PIDFILE" "$KAFKA_DATA_DIR" >/dev/null; then
    if healthy; then
      log kafka "already running on $KAFKA_HOST:$KAFKA_PORT (pid $(cat "$PIDFILE"))"
      return 0
    fi
    log kafka "already starting (pid $(cat "$PIDFILE")), waiting…"
    wait_healthy "$start"
    log kafka "started on $KAFKA_HOST:$KAFKA_PORT in $(elapsed "$start")s"
    return 0
  fi
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_HOST" "$port"; then
      die kafka "port $KAFKA_HOST:$port is already in use by another process (not ours: no live pid in $PIDFILE); stop it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
    fi
  done
  fetch
  mkdir -p "$KAFKA_DATA_DIR"
  : >"$OUTFILE"
  if [[ -s "$LOGFILE" ]]; then
    mv -f "$LOGFILE" "$LOGFILE.prev"
  fi
  ensure_users
  write_properties
  format_if_new
  SPAWN=1 java_cmd kafka.Kafka "$PROPS"
  wait_healthy "$start"
  log kafka "started on $KAFKA_HOST:$KAFKA_PORT in $(elapsed "$start")s (pid $(cat "$PIDFILE"), data $KAFKA_DATA_DIR, clients: $(client_login))"
}

# client_login — how clients connect, for the start message.
client_login() {
  if [[ "$KAFKA_AUTH" == scram ]]; then
    echo "SASL_PLAINTEXT, SCRAM-SHA-512, users in $USERS_DIR"
  else
    echo "PLAINTEXT, no login"
  fi
}

status() {
  if healthy; then
    echo "running (pid $(cat "$PIDFILE"), $KAFKA_HOST:$KAFKA_PORT)"
    return 0
  fi
  if pid_alive "$PIDFILE" "$KAFKA_DATA_DIR" >/dev/null; then
    echo "starting or unhealthy (pid $(cat "$PIDFILE"), $KAFKA_HOST:$KAFKA_PORT)"
  elif port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    echo "not running (port $KAFKA_HOST:$KAFKA_PORT is used by another process)"
  else
    echo "not running"
  fi
  return 1
}

case "${1:-}" in
fetch) fetch ;;
start) start ;;
stop) stop_pid kafka "$PIDFILE" "$KAFKA_DATA_DIR" "$KAFKA_STOP_TIMEOUT" ;;
status) status ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
