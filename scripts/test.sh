#!/usr/bin/env bash
# Set up, start the private PulseAudio rig for the live tests, run ruff and the whole
# pytest suite. Fails when anything fails (pytest exit code 5, no tests, included).
# The rig is private to one temporary folder and only the PIDs it started are stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test] %s\n' "$*"; }

bash scripts/setup.sh

RIG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/voicecoach-rig.XXXXXX")
RIG_PID=""
cleanup() {
  local rc=$?
  if [[ -n $RIG_PID ]]; then
    kill -TERM "$RIG_PID" 2>/dev/null || true
    wait "$RIG_PID" 2>/dev/null || true
    # fallback: kill exactly the PIDs recorded under RIG_DIR, if any survived
    .venv/bin/python -m voicecoach.testing.pulserig stop "$RIG_DIR" 2>/dev/null || true
  fi
  rm -rf "$RIG_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Live tests must run here: when the rig cannot start they fail instead of skipping.
export VOICECOACH_REQUIRE_LIVE=1
say "starting PulseAudio rig in $RIG_DIR"
.venv/bin/python -m voicecoach.testing.pulserig run "$RIG_DIR" >"$RIG_DIR/run.log" 2>&1 &
RIG_PID=$!
for _ in $(seq 1 300); do
  [[ -f $RIG_DIR/rig.env ]] && break
  kill -0 "$RIG_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -f $RIG_DIR/rig.env ]]; then
  # PULSE_SERVER, XDG_CONFIG_HOME (ALSA config), XDG_RUNTIME_DIR, VOICECOACH_PULSE_RIG
  # shellcheck disable=SC1091
  source "$RIG_DIR/rig.env"
  say "rig up (PULSE_SERVER=$PULSE_SERVER)"
else
  say "WARNING: the PulseAudio rig did not start; live tests will fail. Log:"
  sed 's/^/    /' "$RIG_DIR/run.log" >&2 || true
fi

# Run both, so one report shows lint and test failures; fail if either failed.
say "ruff check ."
ruff_rc=0
.venv/bin/ruff check . || ruff_rc=$?

say "pytest"
rc=0
.venv/bin/python -m pytest -p no:cacheprovider "$@" || rc=$?
if [[ $rc -eq 5 ]]; then
  say "FAILED: pytest collected no tests"
  exit 1
elif [[ $rc -ne 0 ]]; then
  say "FAILED: pytest exit code $rc"
  exit "$rc"
fi
if [[ $ruff_rc -ne 0 ]]; then
  say "FAILED: ruff check (tests passed)"
  exit "$ruff_rc"
fi
say "all passed"
