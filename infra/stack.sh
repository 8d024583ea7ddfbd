#!/usr/bin/env bash
# The local stack of lake catalog, without Docker: Temporal dev server (+ Web UI), PostgreSQL 15,
# versitygw (S3), Hive Metastore 4.1.0, Apache Kafka 4.4.0 (KRaft, one node).
#
#   infra/stack.sh up [service]|down [service]|status|logs [service]|restart
#
# Binaries and jars are built once per machine into a per-user cache keyed by version
# ($LAKE_CACHE_DIR, default ~/.cache/lake-catalog); data, logs and pid files live in the checkout's
# git-ignored .stack/ folder ($LAKE_STACK_DIR). Every step is idempotent: `up` twice is harmless, a stale
# pid file is cleaned up, a service already answering is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${LAKE_STACK_DIR:-$ROOT/.stack}
CACHE=${LAKE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lake-catalog}
LOGS=$STACK/logs
RUN=$STACK/run

TEMPORAL_CLI_VERSION=1.5.1
VERSITYGW_VERSION=1.7.0
HIVE_VERSION=4.1.0
KAFKA_VERSION=4.4.0
PG_MAJOR=15

TEMPORAL_BIN=$CACHE/bin/temporal-$TEMPORAL_CLI_VERSION/temporal
VERSITYGW_BIN=$CACHE/bin/versitygw-$VERSITYGW_VERSION/versitygw
METASTORE_LIB=$CACHE/metastore-$HIVE_VERSION/lib
KAFKA_LIB=$CACHE/kafka-$KAFKA_VERSION/libs
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

ensure_node_modules() {
  if [ ! -x "$ROOT/node_modules/.bin/tsx" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund >&2)
  fi
}

load_settings() {
  ensure_node_modules
  local env
  env=$(cd "$ROOT" && node_modules/.bin/tsx infra/stack-env.ts) || die "configuration is invalid (see above)"
  eval "$env"
  mkdir -p "$STACK" "$LOGS" "$RUN" "$CACHE"
}

health() { (cd "$ROOT" && node_modules/.bin/tsx infra/health.ts "$@"); }

# --- process helpers -------------------------------------------------------------------------------

# Alive means running: a killed daemon may linger as a zombie until its new parent reaps it.
pid_alive() {
  [ -f "$RUN/$1.pid" ] || return 1
  local pid; pid=$(cat "$RUN/$1.pid")
  kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ]
}

# start_daemon NAME CMD...: starts CMD in its own session, output to .stack/logs/NAME.log.
start_daemon() {
  local name=$1; shift
  # a daemon started with other flags (an older checkout of this script) is restarted with these
  if pid_alive "$name" && [ "$(cat "$RUN/$name.cmd" 2>/dev/null)" != "$*" ]; then
    say "$name runs with other flags; restarting it"
    stop_daemon "$name"
  fi
  if pid_alive "$name"; then return 0; fi
  rm -f "$RUN/$name.pid"  # stale: the process it names is gone
  say "starting $name (log: $LOGS/$name.log)"
  printf '\n===== %s: starting %s =====\n' "$(date -Is)" "$name" >>"$LOGS/$name.log"
  nohup setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  printf '%s' "$*" >"$RUN/$name.cmd"
}

stop_daemon() {
  local name=$1
  if pid_alive "$name"; then
    local pid; pid=$(cat "$RUN/$name.pid")
    say "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# wait_healthy SERVICE PORT SECONDS: waits for the real health check; on failure names port and log.
wait_healthy() {
  local svc=$1 port=$2 secs=$3
  if ! health --wait "$svc" --timeout "$secs" --pid-file "$RUN/$svc.pid" >/dev/null; then
    say "$svc did not become healthy on port $port within ${secs}s; last lines of $LOGS/$svc.log:"
    tail -n 30 "$LOGS/$svc.log" >&2 2>/dev/null || true
    die "$svc failed to start (port $port, log $LOGS/$svc.log)"
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- builds (once per machine, cached by version) ----------------------------------------------------

build_go_tool() { # build_go_tool BIN MODULE@VERSION
  local bin=$1 module=$2
  [ -x "$bin" ] && return 0
  command -v go >/dev/null || die "Go is needed to build $module (https://go.dev/dl)"
  say "building $module (first run only, cached in $(dirname "$bin"))"
  mkdir -p "$(dirname "$bin")"
  GOBIN=$(dirname "$bin") GOFLAGS=-mod=mod go install "$module" >&2 || die "go install $module failed"
}

ensure_postgres_installed() {
  [ -x "$PG_BIN/postgres" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing PostgreSQL $PG_MAJOR from Debian packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_MAJOR" >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_MAJOR" >&2; } \
      || die "apt-get install postgresql-$PG_MAJOR failed"
  else
    die "PostgreSQL $PG_MAJOR is not installed: sudo apt-get install postgresql-$PG_MAJOR"
  fi
}

# ensure_jars WHAT POM LIB [mvn args]: the jars a pom lists, copied from Maven Central into LIB once per
# version of the pom (its hash in LIB/.complete), so a changed pom fetches again.
ensure_jars() {
  local what=$1 pom=$2 lib=$3 want; shift 3
  want=$(sha256sum "$pom" | cut -c1-16)
  [ "$(cat "$lib/.complete" 2>/dev/null)" = "$want" ] && return 0
  command -v mvn >/dev/null || die "Maven is needed to fetch the $what jars"
  command -v java >/dev/null || die "Java 17 is needed to run $what"
  say "resolving $what jars from Maven Central (first run only, cached in $lib)"
  rm -rf "$lib"; mkdir -p "$lib"
  mvn -B -q -f "$pom" dependency:copy-dependencies "$@" \
    -DoutputDirectory="$lib" >&2 || die "mvn dependency:copy-dependencies failed (${pom#"$ROOT"/})"
  echo "$want" >"$lib/.complete"
}

ensure_metastore_jars() { ensure_jars "Hive Metastore $HIVE_VERSION" "$ROOT/infra/metastore/pom.xml" "$METASTORE_LIB"; }
ensure_kafka_jars() { ensure_jars "Kafka $KAFKA_VERSION" "$ROOT/infra/kafka/pom.xml" "$KAFKA_LIB" -DincludeScope=runtime; }

# --- services ----------------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: when we are root, the cluster belongs to the postgres user.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Where the cluster lives: in the checkout, unless we are root and the postgres user cannot reach the
# checkout (e.g. a clone under /root); then in a folder of its own keyed by the checkout's path.
pg_dir() {
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STACK" 2>/dev/null; then
    echo "/var/tmp/lake-catalog-postgres-$(printf '%s' "$STACK" | md5sum | cut -c1-12)"
  else
    echo "$STACK/postgres"
  fi
}

postgres_up() {
  ensure_postgres_installed
  local dir; dir=$(pg_dir)
  local data=$dir/data sock=$dir/run log=$dir/postgres.log
  mkdir -p "$dir" "$sock"
  touch "$log"
  [ "$(id -u)" = 0 ] && chown postgres "$dir" "$sock" "$log"
  ln -sfn "$log" "$LOGS/postgres.log"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating PostgreSQL cluster in $data"
    as_pg_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >>"$log" 2>&1 \
      || die "initdb failed (log $log)"
  fi
  if ! as_pg_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    port_taken "$PG_PORT" && die "port $PG_PORT is taken by another program; set LAKE_DATABASE_URL to another port"
    say "starting postgres on 127.0.0.1:$PG_PORT (log: $log)"
    as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1" start >/dev/null \
      || die "postgres failed to start (port $PG_PORT, log $log)"
  fi
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
        CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD' CREATEDB;
      END IF; END \$\$;" >/dev/null
  for db in "$PG_DATABASE" "$METASTORE_DATABASE"; do
    if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      "${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\" OWNER \"$PG_USER\"" >/dev/null
    fi
  done
}

postgres_down() {
  local data; data=$(pg_dir)/data
  [ -f "$data/PG_VERSION" ] || return 0
  if as_pg_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "stopping postgres"
    as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

temporal_up() {
  build_go_tool "$TEMPORAL_BIN" "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
  mkdir -p "$STACK/temporal"
  if ! pid_alive temporal && port_taken "$TEMPORAL_PORT"; then
    say "port $TEMPORAL_PORT already answers; using that Temporal server"
    return 0
  fi
  # The database file keeps workflows and schedules across restarts; search attributes are
  # (re)declared on every start, which the dev server accepts when they already exist.
  # The server writes each workflow task through SQLite one at a time; with SQLite's default rollback
  # journal every write waits for several fsyncs, which made 500 timers firing together close 2-4x later
  # (p99 7-16 s against 3.6 s). A write-ahead log synced at checkpoints survives a killed server;
  # only a power cut can lose the last writes, which a dev server may.
  start_daemon temporal "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --namespace "$TEMPORAL_NAMESPACE" --db-filename "$STACK/temporal/temporal.db" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --search-attribute LakeSource=Keyword --log-level warn
}

s3_up() {
  build_go_tool "$VERSITYGW_BIN" "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION"
  mkdir -p "$STACK/s3/data" "$STACK/s3/sidecar" "$STACK/s3/iam"
  if ! pid_alive s3 && port_taken "$S3_PORT"; then
    say "port $S3_PORT already answers; using that S3 server"
    return 0
  fi
  # --sidecar keeps object metadata in files, so filesystems without user xattrs work too.
  # --iam-dir keeps the principals' own S3 accounts (governance gives each its key; bucket policies
  # name them); the root key above stays with the catalog.
  start_daemon s3 "$VERSITYGW_BIN" --port "127.0.0.1:$S3_PORT" --access "$S3_ACCESS_KEY" \
    --secret "$S3_SECRET_KEY" --region "$S3_REGION" --iam-dir "$STACK/s3/iam" --quiet \
    posix --sidecar "$STACK/s3/sidecar" "$STACK/s3/data"
}

write_metastore_conf() {
  local conf=$STACK/metastore/conf
  mkdir -p "$conf" "$STACK/metastore/warehouse"
  local s3a="
  <property><name>fs.s3a.endpoint</name><value>$S3_ENDPOINT</value></property>
  <property><name>fs.s3a.endpoint.region</name><value>$S3_REGION</value></property>
  <property><name>fs.s3a.path.style.access</name><value>true</value></property>
  <property><name>fs.s3a.connection.ssl.enabled</name><value>false</value></property>
  <property><name>fs.s3a.access.key</name><value>$S3_ACCESS_KEY</value></property>
  <property><name>fs.s3a.secret.key</name><value>$S3_SECRET_KEY</value></property>
  <property><name>fs.s3a.aws.credentials.provider</name><value>org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider</value></property>
  <property><name>fs.s3a.impl</name><value>org.apache.hadoop.fs.s3a.S3AFileSystem</value></property>
  <property><name>fs.s3a.change.detection.mode</name><value>none</value></property>"
  cat >"$conf/core-site.xml" <<EOF
<?xml version="1.0"?>
<!-- generated by infra/stack.sh from the lake catalog configuration; edits are overwritten -->
<configuration>$s3a
</configuration>
EOF
  cat >"$conf/metastore-site.xml" <<EOF
<?xml version="1.0"?>
<!-- generated by infra/stack.sh from the lake catalog configuration; edits are overwritten -->
<configuration>
  <property><name>metastore.thrift.port</name><value>$METASTORE_PORT</value></property>
  <property><name>metastore.thrift.bind.host</name><value>127.0.0.1</value></property>
  <property><name>metastore.warehouse.dir</name><value>file://$STACK/metastore/warehouse</value></property>
  <property><name>metastore.warehouse.external.dir</name><value>file://$STACK/metastore/warehouse-external</value></property>
  <property><name>javax.jdo.option.ConnectionURL</name><value>jdbc:postgresql://127.0.0.1:$PG_PORT/$METASTORE_DATABASE</value></property>
  <property><name>javax.jdo.option.ConnectionDriverName</name><value>org.postgresql.Driver</value></property>
  <property><name>javax.jdo.option.ConnectionUserName</name><value>$PG_USER</value></property>
  <property><name>javax.jdo.option.ConnectionPassword</name><value>$PG_PASSWORD</value></property>
  <property><name>datanucleus.schema.autoCreateAll</name><value>true</value></property>
  <property><name>metastore.schema.verification</name><value>false</value></property>
  <property><name>hive.metastore.event.db.notification.api.auth</name><value>false</value></property>
  <property><name>metastore.metrics.enabled</name><value>false</value></property>
  <property><name>metastore.compactor.initiator.on</name><value>false</value></property>
  <property><name>metastore.compactor.cleaner.on</name><value>false</value></property>
  <property><name>metastore.compactor.worker.threads</name><value>0</value></property>
  <property><name>metastore.housekeeping.threads.on</name><value>false</value></property>
  <!-- The schema comes from DataNucleus (JDO tables only): the ACID/lock tables of Hive's SQL scripts do
       not exist, so nothing may elect a leader through Hive locks or run the ACID background tasks.
       External tables, partitions and privileges need none of them. -->
  <property><name>metastore.housekeeping.leader.election</name><value>host</value></property>
  <property><name>metastore.task.threads.always</name><value>org.apache.hadoop.hive.metastore.events.EventCleanerTask</value></property>$s3a
</configuration>
EOF
  cat >"$conf/log4j2.properties" <<'EOF'
status = WARN
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %m%n
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = console
logger.dn.name = DataNucleus
logger.dn.level = WARN
logger.dn2.name = org.datanucleus
logger.dn2.level = WARN
EOF
  # Hadoop's own logging (slf4j → reload4j)
  cat >"$conf/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %-5p %c{2}: %m%n
EOF
}

# restart_on_new_jars NAME LIB: a daemon running on jars of an older pom is restarted on the new ones.
restart_on_new_jars() {
  local name=$1 lib=$2
  if pid_alive "$name" && [ "$(cat "$RUN/$name.jars" 2>/dev/null)" != "$(cat "$lib/.complete")" ]; then
    say "$name jars changed; restarting it"
    stop_daemon "$name"
  fi
  cp "$lib/.complete" "$RUN/$name.jars"
}

metastore_up() {
  ensure_metastore_jars
  write_metastore_conf
  restart_on_new_jars metastore "$METASTORE_LIB"
  if ! pid_alive metastore && port_taken "$METASTORE_PORT"; then
    say "port $METASTORE_PORT already answers; using that metastore"
    return 0
  fi
  local java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  # Hive 4 on Java 17 needs these packages opened, as its own start scripts do.
  start_daemon metastore "$java" -Xmx1g \
    --add-opens=java.base/java.net=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    --add-opens=java.base/java.util.regex=ALL-UNNAMED \
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED \
    --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Dlog4j.configurationFile="$STACK/metastore/conf/log4j2.properties" \
    -Dmetastore.log.dir="$LOGS" \
    -cp "$STACK/metastore/conf:$METASTORE_LIB/*" \
    org.apache.hadoop.hive.metastore.HiveMetaStore
}

# Kafka in KRaft mode, one process as both broker and controller. Its settings are written on every `up`;
# a broker running on other settings is restarted on these.
write_kafka_conf() {
  local dir=$STACK/kafka
  mkdir -p "$dir/data"
  cat >"$dir/server.properties.new" <<EOF
# generated by infra/stack.sh from the lake catalog configuration; edits are overwritten
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$dir/data
num.partitions=1
# a metadata request for a topic that does not exist must not create it (the catalog only looks)
auto.create.topics.enable=false
# one node: every internal topic has one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# retention is checked every 2 s (and from 2 s after start, not 30 s), so a topic with a tiny
# retention.bytes ages its data out within seconds, as the tests of retention gaps need
log.retention.check.interval.ms=2000
log.initial.task.delay.ms=2000
EOF
  cat >"$dir/log4j2.properties" <<'EOF'
status = WARN
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = console
# every fetch session, config dump and log segment roll at INFO drowns what matters
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
  if ! cmp -s "$dir/server.properties.new" "$dir/server.properties"; then
    if pid_alive kafka; then say "kafka settings changed; restarting it"; stop_daemon kafka; fi
    mv "$dir/server.properties.new" "$dir/server.properties"
  else
    rm -f "$dir/server.properties.new"
  fi
}

# Formats the data folder once; the cluster id is kept beside it. --ignore-formatted: never reformat.
kafka_format() {
  local dir=$STACK/kafka java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  [ -f "$dir/data/meta.properties" ] && return 0
  if [ ! -s "$dir/cluster.id" ]; then
    "$java" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid >"$dir/cluster.id.new" \
      || die "kafka StorageTool random-uuid failed"
    mv "$dir/cluster.id.new" "$dir/cluster.id"
  fi
  say "formatting Kafka storage in $dir/data (cluster $(cat "$dir/cluster.id"))"
  "$java" -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
    --standalone --ignore-formatted -t "$(cat "$dir/cluster.id")" -c "$dir/server.properties" >>"$LOGS/kafka.log" 2>&1 \
    || die "kafka StorageTool format failed (log $LOGS/kafka.log)"
}

kafka_up() {
  ensure_kafka_jars
  write_kafka_conf
  restart_on_new_jars kafka "$KAFKA_LIB"
  if ! pid_alive kafka && port_taken "$KAFKA_PORT"; then
    say "port $KAFKA_PORT already answers; using that Kafka broker"
    return 0
  fi
  if ! pid_alive kafka && port_taken "$KAFKA_CONTROLLER_PORT"; then
    die "Kafka's controller port $KAFKA_CONTROLLER_PORT is taken by another program; set LAKE_KAFKA_CONTROLLER_PORT"
  fi
  kafka_format
  local java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  start_daemon kafka "$java" -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$STACK/kafka/log4j2.properties" -Dkafka.logs.dir="$LOGS" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$STACK/kafka/server.properties"
}

# --- commands ----------------------------------------------------------------------------------------

# up [kafka]: starts every service, or only Kafka (it depends on no other service).
cmd_up() {
  load_settings
  case "${1:-all}" in
    all) ;;
    kafka) kafka_up; wait_healthy kafka "$KAFKA_PORT" 60; return 0 ;;
    *) die "up starts every service, or only kafka (the others depend on each other)" ;;
  esac
  # Builds first (they are slow only once); the services start after.
  build_go_tool "$TEMPORAL_BIN" "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
  build_go_tool "$VERSITYGW_BIN" "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION"
  ensure_metastore_jars
  ensure_kafka_jars
  LAKE_CACHE_DIR="$CACHE" bash "$ROOT/infra/spark.sh" ensure || die "could not install the Spark engine (infra/spark.sh)"
  postgres_up
  temporal_up
  s3_up
  kafka_up
  wait_healthy postgres "$PG_PORT" 30
  wait_healthy s3 "$S3_PORT" 30
  (cd "$ROOT" && node_modules/.bin/tsx infra/bootstrap-s3.ts) || die "could not create the stack's buckets on port $S3_PORT"
  metastore_up
  wait_healthy temporal "$TEMPORAL_PORT" 90
  wait_healthy metastore "$METASTORE_PORT" 240
  wait_healthy kafka "$KAFKA_PORT" 60
  health
}

# down [service]: stops one service, or all of them (the metastore first: it needs Postgres and S3).
cmd_down() {
  load_settings
  case "${1:-all}" in
    all) stop_daemon kafka; stop_daemon metastore; stop_daemon s3; stop_daemon temporal; postgres_down ;;
    postgres) postgres_down ;;
    temporal|s3|metastore|kafka) stop_daemon "$1" ;;
    *) die "unknown service $1 (postgres, temporal, s3, metastore, kafka)" ;;
  esac
}

cmd_logs() {
  load_settings
  if [ $# -gt 0 ]; then tail -n 100 -f "$LOGS/$1.log"; else tail -n 20 "$LOGS"/*.log; fi
}

case "${1:-status}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  restart) cmd_down; cmd_up ;;
  status) load_settings; health ;;
  logs) shift; cmd_logs "$@" ;;
  *) die "usage: npm run stack -- up [kafka] | down [service] | restart | status | logs [service]   (services: postgres temporal s3 metastore kafka)" ;;
esac
