#!/usr/bin/env bash
# A real MLflow tracking server on 127.0.0.1 (SQLite store, proxied artifacts), for the test that
# logs train and evaluate runs through MLflow's REST API and reads them back. MLflow comes from
# PyPI into a virtual environment outside the repo; the product itself never runs Python.
#
#   scripts/mlflow.sh start    # prints MLFLOW_TEST_URI=http://127.0.0.1:<port>; eval "$(scripts/mlflow.sh start)"
#   scripts/mlflow.sh status   # exit 0 and the address when running
#   scripts/mlflow.sh stop     # stops it and deletes its data
#   scripts/mlflow.sh fetch    # only install
#
# Environment: RECOMART_MLFLOW_CACHE (default ~/.cache/recomart), RECOMART_MLFLOW_STATE
# (default ${TMPDIR:-/tmp}/recomart-mlflow-$UID), MLFLOW_PIP_SPEC (default mlflow>=3,<4).
set -euo pipefail

CACHE="${RECOMART_MLFLOW_CACHE:-$HOME/.cache/recomart}"
VENV="$CACHE/mlflow-venv"
STATE="${RECOMART_MLFLOW_STATE:-${TMPDIR:-/tmp}/recomart-mlflow-$(id -u)}"
SPEC="${MLFLOW_PIP_SPEC:-mlflow>=3,<4}"
# shellcheck source=serverLib.sh
. "$(dirname "$0")/serverLib.sh"
say() { echo "mlflow.sh: $*" >&2; }

fetch() {
  if [ -x "$VENV/bin/mlflow" ] && [ -f "$VENV/.complete" ]; then return 0; fi
  command -v python3 >/dev/null || { say "python3 is required to run the MLflow server"; exit 3; }
  install_venv "$VENV" "$SPEC"
}



start() {
  if running; then
    echo "MLFLOW_TEST_URI=$(cat "$STATE/uri")"
    return 0
  fi
  fetch
  rm -rf "$STATE"
  mkdir -p "$STATE/artifacts"
  local port
  port=$(free_port)
  nohup "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "sqlite:///$STATE/mlflow.db" --artifacts-destination "$STATE/artifacts" \
    >"$STATE/server.log" 2>&1 &
  echo $! > "$STATE/pid"
  echo "http://127.0.0.1:$port" > "$STATE/uri"
  for _ in $(seq 1 240); do
    if ! running; then say "the server exited during start-up:"; tail -n 30 "$STATE/server.log" >&2 || true; exit 3; fi
    if node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" \
      "http://127.0.0.1:$port/health"; then
      say "server up on http://127.0.0.1:$port (pid $(cat "$STATE/pid"), data in $STATE)"
      echo "MLFLOW_TEST_URI=http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  say "the server did not answer within 120 s; see $STATE/server.log"
  exit 3
}


dispatch mlflow.sh MLFLOW_TEST_URI uri server "$@"
