#!/usr/bin/env bash
# The query engine that proves a publish: PySpark with Hive support, reading the stack's metastore and S3.
#
#   infra/spark.sh [ensure]   installs once per machine (seconds to minutes), then returns at once
#   infra/spark.sh env        ensures, then prints SPARK_* settings as KEY=VALUE lines (read by
#                             test/support/spark.ts, so the version lives only here)
#
# Cached per user and keyed by version, like the stack's other tools: $CACHE/pyspark-<version>/ holds
#   venv/   a Python venv with pyspark from PyPI (marked complete by venv/.complete)
#   jars/   hadoop-aws of pyspark's own Hadoop version + its AWS SDK bundle, and hive-hcatalog-core of
#           Spark's built-in Hive, for spark.jars (resolved by infra/spark/pom.xml)
#   hive-metastore-<version>/
#           the Hive Metastore client Spark talks to the stack's metastore with, for
#           spark.sql.hive.metastore.jars=path (resolved by infra/spark/metastore-client/pom.xml)
# Each jar folder's .complete holds a hash of its pom and versions, so a changed pom re-resolves it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${LAKE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lake-catalog}

# Newest 4.x that runs on Java 17 and Python 3.11 here.
PYSPARK_VERSION=4.3.0
SPARK_CACHE=$CACHE/pyspark-$PYSPARK_VERSION
VENV=$SPARK_CACHE/venv
JARS=$SPARK_CACHE/jars
POM=$ROOT/infra/spark/pom.xml
# Spark's built-in Hive 2.3 client calls Thrift methods the stack's Hive 4.1 metastore removed (get_table);
# Spark 4.3 supports a 4.1 client loaded from jars. Keep this at the stack's metastore version.
METASTORE_CLIENT_VERSION=4.1.0
METASTORE_CLIENT_JARS=$SPARK_CACHE/hive-metastore-$METASTORE_CLIENT_VERSION
METASTORE_CLIENT_POM=$ROOT/infra/spark/metastore-client/pom.xml

say() { printf '[spark] %s\n' "$*" >&2; }
die() { printf '[spark] ERROR: %s\n' "$*" >&2; exit 1; }

java_major() { # java_major JAVA_BIN → 17, 21, … (empty when it does not run)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

# Spark 4 needs Java 17 or later: $JAVA_HOME if set, else the `java` on PATH, else a JDK under /usr/lib/jvm.
find_java_home() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  for c in /usr/lib/jvm/*; do [ -x "$c/bin/java" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    local major; major=$(java_major "$c/bin/java" || true)
    if [ -n "$major" ] && [ "$major" -ge 17 ]; then echo "$c"; return 0; fi
  done
  return 1
}

pyspark_dir() { echo "$VENV/lib/python$("$VENV/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')/site-packages/pyspark"; }

ensure_venv() {
  [ -f "$VENV/.complete" ] && return 0
  local python=${LAKE_PYTHON:-python3}
  command -v "$python" >/dev/null || die "Python 3.10+ is needed for pyspark ($python not found; set LAKE_PYTHON)"
  "$python" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die "$python is older than 3.10 or lacks the venv module (apt-get install python3-venv)"
  say "installing pyspark $PYSPARK_VERSION from PyPI (first run only, cached in $VENV)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV" || die "could not create a venv in $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" >&2 \
    || die "pip install pyspark==$PYSPARK_VERSION failed"
  touch "$VENV/.complete"
}

# The Hadoop version Spark was built with, from the name of its shaded client jar.
spark_hadoop_version() {
  local jar
  jar=$(ls "$(pyspark_dir)"/jars/hadoop-client-api-*.jar 2>/dev/null | head -n 1)
  [ -n "$jar" ] || die "no hadoop-client-api-*.jar in $(pyspark_dir)/jars"
  basename "$jar" .jar | sed 's/^hadoop-client-api-//'
}

# resolve_jars DIR POM WHAT MVN_ARGS...: copies POM's dependencies into DIR unless DIR is complete for them.
resolve_jars() {
  local dir=$1 pom=$2 what=$3; shift 3
  local stamp; stamp="$* pom=$(sha256sum "$pom" | cut -c1-16)"
  [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ] && return 0
  command -v mvn >/dev/null || die "Maven is needed to fetch $what"
  say "resolving $what from Maven Central (first run only, cached in $dir)"
  rm -rf "$dir"; mkdir -p "$dir"
  mvn -B -q -f "$pom" dependency:copy-dependencies "$@" -DoutputDirectory="$dir" >&2 \
    || die "mvn dependency:copy-dependencies -f $pom failed"
  echo "$stamp" >"$dir/.complete"
}

ensure_jars() {
  local hadoop; hadoop=$(spark_hadoop_version)
  resolve_jars "$JARS" "$POM" "hadoop-aws $hadoop + AWS SDK and hive-hcatalog-core" -Dhadoop.version="$hadoop"
  ls "$JARS"/hadoop-aws-"$hadoop".jar "$JARS"/hive-hcatalog-core-*.jar "$JARS"/json-serde-*.jar >/dev/null \
    || die "hadoop-aws-$hadoop or hive-hcatalog-core is missing from $JARS (delete it to resolve again)"
  resolve_jars "$METASTORE_CLIENT_JARS" "$METASTORE_CLIENT_POM" "the Hive Metastore $METASTORE_CLIENT_VERSION client" \
    -Dhive.version="$METASTORE_CLIENT_VERSION"
  ls "$METASTORE_CLIENT_JARS"/hive-exec-"$METASTORE_CLIENT_VERSION".jar >/dev/null \
    || die "hive-exec-$METASTORE_CLIENT_VERSION is missing from $METASTORE_CLIENT_JARS (delete it to resolve again)"
}

ensure() {
  mkdir -p "$CACHE"
  # Two callers at once (stack up and a test run) must not build into the same folder.
  exec 9>"$CACHE/pyspark-$PYSPARK_VERSION.lock"
  flock 9
  ensure_venv
  ensure_jars
  flock -u 9
}

print_env() {
  local java_home jars
  java_home=$(find_java_home) || die "Spark $PYSPARK_VERSION needs Java 17 or later (set JAVA_HOME)"
  jars=$(ls "$JARS"/*.jar | paste -sd, -)
  echo "SPARK_PYSPARK_VERSION=$PYSPARK_VERSION"
  echo "SPARK_PYTHON=$VENV/bin/python"
  echo "SPARK_JAVA_HOME=$java_home"
  echo "SPARK_EXTRA_JARS=$jars"
  echo "SPARK_HIVE_METASTORE_VERSION=$METASTORE_CLIENT_VERSION"
  echo "SPARK_HIVE_METASTORE_JARS=file://$METASTORE_CLIENT_JARS/*.jar"
  echo "SPARK_QUERY_SCRIPT=$ROOT/infra/spark/query.py"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  env) ensure; print_env ;;
  *) die "usage: infra/spark.sh [ensure|env]" ;;
esac
