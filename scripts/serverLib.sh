# Shared by scripts/kafka.sh, scripts/mlflow.sh and scripts/spark.sh (sourced, not run): a local
# server whose pid and address live in $STATE (the sourcing script sets STATE and defines say,
# fetch and start), and a PyPI package installed into a virtual environment.

# install_venv <venv> <pip spec>: a fresh venv with the package, marked complete only when pip
# succeeded (a half-installed venv is rebuilt on the next try).
install_venv() {
  local venv=$1 spec=$2
  say "installing $spec from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$spec" >&2
  touch "$venv/.complete"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

running() {
  [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null
}

# stop_server <what>: TERM (the process and its children), then KILL after 10 s; deletes $STATE.
stop_server() {
  if running; then
    local pid
    pid=$(cat "$STATE/pid")
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped $1 pid $pid"
  fi
  rm -rf "$STATE"
}

# dispatch <script name> <VARIABLE> <file in $STATE holding its value> <what> "$@"
dispatch() {
  local name=$1 variable=$2 file=$3 what=$4
  shift 4
  case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop_server "$what" ;;
    status)
      if running; then echo "$variable=$(cat "$STATE/$file")"; else say "not running"; exit 1; fi ;;
    *) say "usage: scripts/$name start|stop|status|fetch"; exit 2 ;;
  esac
}
