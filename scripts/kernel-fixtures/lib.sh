# Shell helpers shared by scripts/gen-kernel-fixtures.sh and scripts/gen-kernel-fixtures-app.sh.
# The sourcing script sets LOG_TAG, CLI_NS, SRV_NS and WORK, and defines teardown_scenario.

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stops a process we started: the given signal, then SIGKILL if it has not gone in 5 s.
stop_pid() {
  local pid=$1 signal=$2 i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The EXIT/INT/TERM trap: tear the scenario down (namespaces, processes), remove the work folder.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  teardown_scenario
  [[ -n "$WORK" && -d "$WORK" ]] && rm -rf "$WORK"
  exit "$status"
}

in_cli() { ip netns exec "$CLI_NS" "$@"; }
in_srv() { ip netns exec "$SRV_NS" "$@"; }

# wait_for WHAT SECONDS COMMAND...: polls COMMAND every 50 ms; dies after SECONDS.
wait_for() {
  local what=$1 limit=$2 i
  shift 2
  for ((i = 0; i < limit * 20; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  die "timed out after ${limit}s waiting for $what"
}
