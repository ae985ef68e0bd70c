#!/usr/bin/env bash
# Set up, start the private PulseAudio rig for the live tests, run ruff and the whole
# pytest suite. Fails when anything fails (pytest exit code 5, no tests, included).
# The rig is private to one temporary folder and only the PIDs it started are stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test] %s\n' "$*"; }

bash scripts/setup.sh

# Live tests: two at a time by default, each pytest-xdist worker on its own PulseAudio rig
# (the fixture starts one in a temporary folder); VOICECOACH_LIVE_WORKERS=1 runs them one at
# a time on the rig this script starts.
LIVE_WORKERS=${VOICECOACH_LIVE_WORKERS:-2}

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
if [[ $LIVE_WORKERS -le 1 ]]; then
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
else
  unset VOICECOACH_PULSE_RIG  # each live worker starts its own rig
fi

# Run both, so one report shows lint and test failures; fail if either failed.
say "ruff check ."
ruff_rc=0
.venv/bin/ruff check . || ruff_rc=$?

# Two pytest runs, so that the suite fits a 2-core CI machine in well under 15 minutes:
# 1. every test not marked `live`, spread over one worker per core (at most 8) by pytest-xdist
#    (`--dist loadfile`: a module's fixtures are built once);
# 2. then the tests marked `live` (real-time audio through PulseAudio), two at a time
#    (LIVE_WORKERS, above; they mostly wait for real-time audio: 4 min 20 s one at a time,
#    2 min 50 s two at a time, session 42), on a machine the first run no longer loads: run
#    alongside it (session 41, even with its workers at `nice -n 19`), a live test failed.
# Extra arguments go to both runs (e.g. `bash scripts/test.sh -q tests/test_coach.py`); a run
# whose selection holds no test (pytest exit code 5) is fine as long as the other ran some.
# One worker per core, at most 8 (a worker peaks near 0.5 GB); VOICECOACH_TEST_WORKERS=N overrides.
CORES=$(nproc 2>/dev/null || echo 2)
WORKERS=${VOICECOACH_TEST_WORKERS:-$((CORES < 8 ? CORES : 8))}
say "pytest -m 'not live' -n $WORKERS"
rc=0
.venv/bin/python -m pytest -p no:cacheprovider -n "$WORKERS" --dist loadfile -m "not live" "$@" \
  || rc=$?
live_rc=0
if [[ $LIVE_WORKERS -le 1 ]]; then
  say "pytest -m live"
  .venv/bin/python -m pytest -p no:cacheprovider -m live "$@" || live_rc=$?
else
  say "pytest -m live -n $LIVE_WORKERS"
  .venv/bin/python -m pytest -p no:cacheprovider -n "$LIVE_WORKERS" --dist loadfile -m live "$@" \
    || live_rc=$?
fi

if [[ $rc -eq 5 && $live_rc -eq 5 ]]; then
  say "FAILED: pytest collected no tests"
  exit 1
fi
failed=0
for pair in "not-live:$rc" "live:$live_rc"; do
  code=${pair#*:}
  if [[ $code -ne 0 && $code -ne 5 ]]; then
    say "FAILED: pytest (${pair%%:*} tests) exit code $code"
    failed=$code
  fi
done
if [[ $failed -ne 0 ]]; then
  exit "$failed"
fi
if [[ $ruff_rc -ne 0 ]]; then
  say "FAILED: ruff check (tests passed)"
  exit "$ruff_rc"
fi
say "all passed"
