#!/usr/bin/env bash
# Apache Spark for the test that reads every zone of a demo lake as docs/scale-out.md says to
# (test/spark/readLake.test.ts). Spark comes from PyPI (the pyspark package carries Spark's jars and
# its `spark-sql` command) into a virtual environment outside the repo; it runs on the machine's
# Java 17. The test drives `spark-sql`, so no Python is run: the product itself never runs Python.
#
#   scripts/spark.sh start    # installs if needed, prints SPARK_SQL=<path to spark-sql>
#   scripts/spark.sh fetch    # only install
#   scripts/spark.sh stop     # nothing to stop (no server); kept for the test setup's symmetry
#
# Environment: RECOMART_SPARK_CACHE (default ~/.cache/recomart), PYSPARK_PIP_SPEC (default
# pyspark>=4,<5).
set -euo pipefail

CACHE="${RECOMART_SPARK_CACHE:-$HOME/.cache/recomart}"
VENV="$CACHE/pyspark-venv"
SPEC="${PYSPARK_PIP_SPEC:-pyspark>=4,<5}"
# shellcheck source=serverLib.sh
. "$(dirname "$0")/serverLib.sh"
say() { echo "spark.sh: $*" >&2; }

home() {
  "$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

fetch() {
  if [ -f "$VENV/.complete" ] && [ -x "$(home)/bin/spark-sql" ]; then return 0; fi
  command -v python3 >/dev/null || { say "python3 (with venv and pip) is required to install Spark from PyPI"; exit 3; }
  command -v java >/dev/null || { say "Java 17 or later is required to run Spark"; exit 3; }
  install_venv "$VENV" "$SPEC"
}

case "${1:-}" in
  start)
    fetch
    echo "SPARK_SQL=$(home)/bin/spark-sql"
    ;;
  fetch) fetch ;;
  stop) ;;
  *)
    echo "usage: scripts/spark.sh start|fetch|stop" >&2
    exit 2
    ;;
esac
