#!/usr/bin/env bash
# A real, single-node Apache Kafka broker (KRaft, broker+controller) on 127.0.0.1, for tests
# and development. Kafka comes from Maven Central (org.apache.kafka:kafka_2.13 and its runtime
# dependencies, via `mvn dependency:copy-dependencies`) into a cache outside the repo; once cached,
# starting needs no network.
#
#   scripts/kafka.sh start    # prints KAFKA_BROKERS=127.0.0.1:<port>; eval "$(scripts/kafka.sh start)"
#   scripts/kafka.sh status   # exit 0 and the address when running
#   scripts/kafka.sh stop     # stops it and deletes its data
#   scripts/kafka.sh fetch    # only download
#
# Environment: RECOMART_KAFKA_CACHE (default ~/.cache/recomart), RECOMART_KAFKA_STATE
# (default ${TMPDIR:-/tmp}/recomart-kafka-$UID), KAFKA_HEAP (default 512m).
set -euo pipefail

VERSION=3.9.1
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${RECOMART_KAFKA_CACHE:-$HOME/.cache/recomart}/kafka-$VERSION"
LIBS="$CACHE/libs"
STATE="${RECOMART_KAFKA_STATE:-${TMPDIR:-/tmp}/recomart-kafka-$(id -u)}"
# shellcheck source=serverLib.sh
. "$(dirname "$0")/serverLib.sh"
say() { echo "kafka.sh: $*" >&2; }

fetch() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  command -v java >/dev/null || { say "java is required (a JDK 17+)"; exit 3; }
  command -v mvn >/dev/null || { say "mvn is required to fetch Kafka from Maven Central"; exit 3; }
  say "fetching Apache Kafka $VERSION from Maven Central into $LIBS"
  rm -rf "$LIBS"
  mvn -q -B -f "$HERE/kafka/pom.xml" -Dkafka.version="$VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$LIBS" -DincludeScope=runtime >&2
  touch "$LIBS/.complete"
}



answers() {
  node -e "
    const s = require('net').connect(Number(process.argv[1]), '127.0.0.1');
    s.on('connect', () => { s.end(); process.exit(0); });
    s.on('error', () => process.exit(1));" "$1"
}

start() {
  if running; then
    echo "KAFKA_BROKERS=$(cat "$STATE/brokers")"
    return 0
  fi
  fetch
  rm -rf "$STATE"
  mkdir -p "$STATE/data"
  local port cport cluster
  port=$(free_port)
  cport=$(free_port)
  while [ "$cport" = "$port" ]; do cport=$(free_port); done
  cat > "$STATE/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=1000000
PROPS
  cat > "$STATE/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, file
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
  echo "log4j.appender.file.File=$STATE/broker.log" >> "$STATE/log4j.properties"
  local cp="$LIBS/*"
  local jvm=(-Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC "-Dlog4j.configuration=file:$STATE/log4j.properties")
  cluster=$(java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster" -c "$STATE/server.properties" >"$STATE/format.log" 2>&1 \
    || { say "formatting KRaft storage failed:"; cat "$STATE/format.log" >&2; exit 3; }
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$STATE/server.properties" >"$STATE/stdout.log" 2>&1 &
  echo $! > "$STATE/pid"
  echo "127.0.0.1:$port" > "$STATE/brokers"
  for _ in $(seq 1 120); do
    if ! running; then say "the broker exited during start-up:"; tail -n 30 "$STATE/stdout.log" "$STATE/broker.log" >&2 || true; exit 3; fi
    if answers "$port" && grep -q "Kafka Server started" "$STATE/stdout.log" "$STATE/broker.log" 2>/dev/null; then
      say "broker up on 127.0.0.1:$port (pid $(cat "$STATE/pid"), data in $STATE)"
      echo "KAFKA_BROKERS=127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  say "the broker did not answer within 60 s; see $STATE/stdout.log"
  exit 3
}


dispatch kafka.sh KAFKA_BROKERS brokers broker "$@"
