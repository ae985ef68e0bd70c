#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for voicecoach: system packages, .venv, the package.
# Idempotent: apt is skipped when every package is already installed, the venv is reused.
# Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Required system packages (libportaudio2: sounddevice on Linux; libasound2-plugins: ALSA's
# pulse plugin; pulseaudio*: the live-test rig; libpulse0: soundcard's monitors (--far
# "<sink> monitor"); espeak-ng/sox: demo and test audio; xvfb: display tests). ffmpeg (extra
# input formats) and python3-tk (the compact live strip, for a system Python) are optional and
# installed if available.
PKGS=(libportaudio2 libsndfile1 espeak-ng sox pulseaudio pulseaudio-utils libpulse0
      libasound2-plugins xvfb chromium chromium-driver)
OPTIONAL_PKGS=(ffmpeg python3-tk)

missing=()
for p in "${PKGS[@]}" "${OPTIONAL_PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} as root"
    SUDO=(sudo)
  fi
  say "apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    || die "apt-get update failed"
  required=()
  for p in "${missing[@]}"; do [[ " ${OPTIONAL_PKGS[*]} " == *" $p "* ]] || required+=("$p"); done
  if ((${#required[@]})); then
    say "installing ${required[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${required[@]}" >/dev/null || die "apt-get install ${required[*]} failed"
  fi
  for p in "${OPTIONAL_PKGS[@]}"; do
    if [[ " ${missing[*]} " == *" $p "* ]]; then
      say "installing optional $p"
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$p" >/dev/null || say "optional $p not installed (continuing)"
    fi
  done
else
  say "system packages present"
fi

# Python 3.11+ for the venv
PY=""
for cand in python3.11 python3; do
  if command -v "$cand" >/dev/null \
     && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY=$cand; break
  fi
done
[[ -n $PY ]] || die "Python 3.11 or newer not found (apt-get install python3.11 python3.11-venv)"

if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $($PY --version 2>&1)"
  "$PY" -m venv .venv || die "python -m venv failed (Debian: apt-get install python3-venv)"
fi

# The tested versions (scripts/constraints.txt); VOICECOACH_UNPINNED=1 takes PyPI's newest
# releases within pyproject.toml's ranges instead (to refresh the constraints).
PIN=(-c scripts/constraints.txt)
[[ ${VOICECOACH_UNPINNED:-0} == 1 ]] && PIN=()
stamp=.venv/.voicecoach-setup
if [[ -f $stamp && $stamp -nt pyproject.toml && $stamp -nt scripts/constraints.txt \
      && ${VOICECOACH_UNPINNED:-0} != 1 ]] && .venv/bin/python -c 'import voicecoach' 2>/dev/null; then
  say ".venv up to date"
else
  say "pip install -e '.[dev]' ${PIN[*]}"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null || die "pip upgrade failed"
  .venv/bin/python -m pip install -q "${PIN[@]}" -e '.[dev]' \
    || die "pip install -e '.[dev]' failed (if pip names a conflict with a pinned version, \
scripts/constraints.txt is older than pyproject.toml: refresh it, see README 'Development')"
  # silero-vad's wheel depends on torch; voicecoach loads its ONNX model with onnxruntime,
  # so install it without dependencies.
  say "pip install --no-deps silero-vad"
  .venv/bin/python -m pip install -q "${PIN[@]}" --no-deps silero-vad || die "pip install silero-vad failed"
  touch "$stamp"
fi
.venv/bin/python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torch") is not None)' \
  || say "warning: torch is installed in .venv (not needed; silero-vad runs on onnxruntime)"
say "done"
