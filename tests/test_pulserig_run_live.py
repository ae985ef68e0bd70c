"""``PulseRig.run_live`` without PulseAudio: a stand-in for ``voicecoach live`` (a small
script put where ``sys.executable`` is) and for the players. The rig's real use is in
``tests/live`` (the live e2e and real-voice tests) and ``benchmarks.realcalls_live``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.testing import pulserig
from voicecoach.testing.pulserig import PulseRig, RigError


def _fake_python(tmp_path: Path, body: str) -> str:
    """An executable that ignores ``-m voicecoach live ...`` and runs ``body`` (sh)."""
    exe = tmp_path / "fake-python"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return str(exe)


def test_run_live_plays_once_listening_and_returns_the_status(tmp_path, monkeypatch):
    played = []
    exe = _fake_python(tmp_path, 'echo "listening on vc_duo"; echo "a warning" >&2; exit 0')
    monkeypatch.setattr(pulserig.sys, "executable", exe)
    rig = PulseRig(base=tmp_path, env={})

    def play(sink, audio, sample_rate=16000, wait=False):
        played.append((sink, audio, sample_rate))
        return subprocess.Popen(["true"], stderr=subprocess.PIPE)

    monkeypatch.setattr(rig, "play", play)
    code, err = rig.run_live(["--display", "none"], [("vc_mic", "a.wav"), ("vc_far", "b.wav")],
                             sample_rate=8000, settle_s=0.0, timeout_s=10)
    assert (code, err.strip()) == (0, "a warning")
    assert played == [("vc_mic", "a.wav", 8000), ("vc_far", "b.wav", 8000)]


def test_run_live_says_why_the_session_did_not_start(tmp_path, monkeypatch):
    exe = _fake_python(tmp_path, 'echo "cannot open input device vc_duo" >&2; exit 2')
    monkeypatch.setattr(pulserig.sys, "executable", exe)
    rig = PulseRig(base=tmp_path, env={})
    monkeypatch.setattr(rig, "play", lambda *a, **k: pytest.fail("played before listening"))
    with pytest.raises(RigError, match=r"did not start.*cannot open input device vc_duo"):
        rig.run_live([], [("vc_duo", "c.wav")], settle_s=0.0, timeout_s=10)


def test_run_live_names_a_failed_player(tmp_path, monkeypatch):
    python = sys.executable  # sys is pulserig.sys: take the real one before the stand-in
    exe = _fake_python(tmp_path, 'echo listening; sleep 0.2; exit 0')
    monkeypatch.setattr(pulserig.sys, "executable", exe)
    rig = PulseRig(base=tmp_path, env={})
    monkeypatch.setattr(rig, "play", lambda sink, audio, sample_rate=16000: subprocess.Popen(
        [python, "-c", "import sys; sys.stderr.write('no such sink'); sys.exit(1)"],
        stderr=subprocess.PIPE))
    with pytest.raises(RigError, match="paplay into vc_far failed with status 1: no such sink"):
        rig.run_live([], [("vc_far", "d.wav")], settle_s=0.0, timeout_s=10)


def test_stop_gives_back_the_environment_apply_env_replaced(tmp_path, monkeypatch):
    """A benchmark step that starts, uses and stops its own rig must not leave the next step
    pointed at the stopped server (the full suite's ``live_cpu`` used to attach to ``e2e``'s
    stopped rig and be skipped)."""
    monkeypatch.setenv("PULSE_SERVER", "unix:/elsewhere")
    monkeypatch.delenv(pulserig.RIG_ENV, raising=False)
    rig = PulseRig(base=tmp_path, env={"PULSE_SERVER": f"unix:{tmp_path}/pulse.sock",
                                       pulserig.RIG_ENV: str(tmp_path)}, owned=True)
    rig.apply_env()
    rig.apply_env()  # twice: the first values are the ones kept
    assert pulserig.os.environ[pulserig.RIG_ENV] == str(tmp_path)
    rig.stop()
    assert pulserig.os.environ["PULSE_SERVER"] == "unix:/elsewhere"
    assert pulserig.RIG_ENV not in pulserig.os.environ
