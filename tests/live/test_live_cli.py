"""`voicecoach live` under bad conditions, through the real capture path."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.sources.synthetic import synth_speech

pytestmark = pytest.mark.live

SR = 16000


def _live(rig, *args: str, timeout: float = 60) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "voicecoach", "live", "--display", "none", *args]
    return subprocess.Popen(
        cmd, env=rig.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_wrong_device_name_is_a_clear_error(pulse_rig) -> None:
    p = _live(pulse_rig, "--mic", "no-such-mic", "--far", "vc_far", "--duration", "1")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("Error: no input device matches 'no-such-mic'"), err
    assert any("vc_mic" in s for s in lines[1:])  # the candidates are listed
    assert "voicecoach devices" in lines[-1], err  # and how to choose one
    assert "Traceback" not in err


def test_far_end_lost_mid_call_keeps_recording_the_mic(pulse_rig, tmp_path: Path) -> None:
    speech, _ = synth_speech(duration_s=6, snr_db=30, seed=2)
    far, _ = synth_speech(duration_s=6, snr_db=30, seed=3)  # speech from 0.25 s to 2.75 s
    p = _live(
        pulse_rig, "--mic", "vc_mic", "--far", "vc_far", "--duration", "5",
        "--record", str(tmp_path), "--lang", "en",
    )  # fmt: skip
    assert "listening" in (p.stdout.readline() if p.stdout else "")
    player = pulse_rig.play("vc_mic", speech)
    far_player = pulse_rig.play("vc_far", far)  # the customer talks until the far end is lost
    killer = threading.Timer(2.0, lambda: pulse_rig.kill_source_outputs("vc_far.monitor"))
    killer.start()
    out, err = p.communicate(timeout=60)
    player.wait(timeout=30)
    far_player.wait(timeout=30)
    killer.join()
    assert p.returncode == 0, err
    (session,) = [d for d in tmp_path.iterdir() if d.is_dir()]
    agent, _ = sf.read(session / "agent.wav", dtype="float32")
    customer, _ = sf.read(session / "customer.wav", dtype="float32")
    assert len(agent) / SR == len(customer) / SR >= 4.9  # both files go on to the end
    assert np.abs(agent[int(2.5 * SR) :]).max() > 0.05  # the mic kept recording
    # the far end was recorded until it was lost (else the silence below proves nothing)
    assert np.abs(customer[int(0.5 * SR) : int(1.5 * SR)]).max() > 0.05
    # the lost far end is silence (the far speech went on: 3.5-5.75 s)
    assert np.all(customer[int(3.5 * SR) :] == 0)
    report = json.loads((session / "report.json").read_text())
    assert "customer=lost" in report["live"]["capture"]  # the far end, not the mic
    assert "customer=lost" in out  # the final status line says so


def test_silent_far_end_is_not_an_error(pulse_rig, tmp_path: Path) -> None:
    speech, _ = synth_speech(duration_s=4, snr_db=30, seed=5)
    events = tmp_path / "e.jsonl"
    p = _live(
        pulse_rig, "--mic", "vc_mic", "--far", "vc_far", "--duration", "4",
        "--events", str(events), "--lang", "en",
    )  # fmt: skip
    assert "listening" in (p.stdout.readline() if p.stdout else "")
    time.sleep(0.2)
    pulse_rig.play("vc_mic", speech).wait(timeout=30)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    evs = [json.loads(s) for s in events.read_text().splitlines()]
    kinds = [e["kind"] for e in evs]
    # the agent was heard, and only the agent: the silent far end has no speech
    assert {e["party"] for e in evs if e["kind"] == "speech"} == {"agent"}
    assert "interruption" not in kinds and "overlap" not in kinds



def test_calibrate_from_the_microphone(pulse_rig, tmp_path: Path) -> None:
    """`voicecoach calibrate --mic` records calm speech into a profile that records the
    rate the device was read at (opened at its own rate here, and resampled): the band the
    profile's pitch was measured on."""
    from voicecoach.profiles import ProfileStore

    speech, _ = synth_speech(duration_s=26, f0_hz=120.0, snr_db=30, seed=8)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[live]\nprefer_rate = 0\n")  # the device's own rate (PulseAudio: 44.1/48k)
    p = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "calibrate", "--profile", "mic", "--mic", "vc_mic",
         "--seconds", "24", "--profiles-dir", str(tmp_path / "p"), "--config", str(cfg),
         "--lang", "en"],
        env=pulse_rig.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # the device is open before the speech starts
    pulse_rig.play("vc_mic", speech).wait(timeout=60)
    _, err = p.communicate(timeout=90)
    assert p.returncode == 0, err
    prof = ProfileStore(tmp_path / "p").load("mic")
    assert prof.source == "mic vc_mic"
    assert abs(prof.f0_median_hz - 120.0) < 5.0
    assert prof.calibration_rate_hz in (44100.0, 48000.0), prof.calibration_rate_hz
