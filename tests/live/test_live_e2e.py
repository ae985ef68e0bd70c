"""End to end through a real audio server: paplay → PulseAudio → sounddevice → voicecoach live.

A scripted two-party call is played into the rig's virtual microphone (``vc_mic``) and far
end (``vc_far``) while ``voicecoach live`` reads their monitors through PortAudio, records
the session and logs events. The test checks the expected nudges and interruptions, and
that ``voicecoach review`` of the recorded session gives the same events.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.baseline import calibrate_array
from voicecoach.config import load_config
from voicecoach.events import event_to_dict
from voicecoach.profiles import ProfileStore
from voicecoach.sinks.eventlog import read_events
from voicecoach.sources.synthetic import Utterance, synth_call, synth_speech

pytestmark = pytest.mark.live

SR = 16000
AGENT_F0 = 120.0
RAISED_F0 = AGENT_F0 * 2 ** (3 / 12)  # +3 semitones

SCRIPT = [
    Utterance("customer", 0.5, 5.5),
    Utterance("agent", 6.3, 7.7, f0_hz=RAISED_F0),  # raised tone: pitch_high
    Utterance("customer", 14.4, 7.6),
    Utterance("agent", 18.5, 6.0),  # cuts the customer off: interruption + interrupting
]
DURATION_S = 25.0


def _match(found: list[dict], kind: str, near_s: float, tol_s: float, **attrs: str) -> dict:
    cands = [
        e
        for e in found
        if e["kind"] == kind
        and abs(e["start_s"] - near_s) <= tol_s
        and all(e.get(k) == v for k, v in attrs.items())
    ]
    assert cands, (
        f"no {kind} {attrs} near {near_s:.2f} s in {[(e['kind'], e['start_s']) for e in found]}"
    )
    return cands[0]


def _offset_s(recorded: np.ndarray, played: np.ndarray) -> float:
    """How much later the played signal starts in the recording (cross-correlation)."""
    n = 1 << int(np.ceil(np.log2(len(recorded) + len(played))))
    xc = np.fft.irfft(np.fft.rfft(recorded, n) * np.conj(np.fft.rfft(played, n)), n)
    lag = int(np.argmax(xc[: len(recorded)]))
    return lag / SR


def test_live_session_through_pulseaudio(pulse_rig, tmp_path: Path) -> None:
    # the agent's calm baseline, calibrated on 40 s of calm speech in the same voice
    calm, _ = synth_speech(duration_s=40, f0_hz=AGENT_F0, snr_db=30, seed=3)
    store = ProfileStore(tmp_path / "profiles")
    store.save(calibrate_array(calm, SR, name="agent"), "agent")

    x, truth = synth_call(SCRIPT, duration_s=DURATION_S, agent_f0_hz=AGENT_F0, snr_db=30, seed=4)
    expected = {e["kind"]: e for e in truth.events}
    assert expected["interruption"]["by"] == "agent"
    lead = np.zeros(int(0.2 * SR), np.float32)
    agent, customer = np.r_[lead, x[:, 0]], np.r_[lead, x[:, 1]]

    rec = tmp_path / "sessions"
    events_path = tmp_path / "events.jsonl"
    args = [
        "--mic", "vc_mic", "--far", "vc_far",
        "--duration", str(DURATION_S + 2.5),
        "--record", str(rec), "--events", str(events_path),
        "--display", "none", "--lang", "en",
        "--profile", "agent", "--profiles-dir", str(tmp_path / "profiles"),
    ]  # fmt: skip
    # once the capture is running (its first line), both parties play at once
    code, err = pulse_rig.run_live(args, [("vc_mic", agent), ("vc_far", customer)], SR,
                                   settle_s=0.5, timeout_s=60)
    assert code == 0, err

    (session,) = [p for p in rec.iterdir() if p.is_dir()]
    assert {"agent.wav", "customer.wav", "events.jsonl", "report.json"} <= {
        p.name for p in session.iterdir()
    }
    live_report = json.loads((session / "report.json").read_text())
    live_events = live_report["events"]

    # where the played call starts on the session's sample clock
    rec_agent, _ = sf.read(session / "agent.wav", dtype="float32")
    off = _offset_s(rec_agent, agent) + lead.size / SR
    rec_cust, _ = sf.read(session / "customer.wav", dtype="float32")
    assert abs(_offset_s(rec_cust, customer) + lead.size / SR - off) < 0.05  # columns aligned

    exp_int = expected["interruption"]
    inter = _match(live_events, "interruption", exp_int["start_s"] + off, 0.25, by="agent")
    assert inter["of"] == "customer"
    # decided no later than min_overlap + 150 ms after the onset (on the sample clock)
    assert inter["decided_s"] - inter["start_s"] <= 0.5 + 0.15
    # the nudge waits for the interruption to be confirmed: backchannel_max_s after its onset
    confirm_s = load_config().conversation.backchannel_max_s
    _match(live_events, "nudge", inter["start_s"] + confirm_s + 0.05, 0.3, rule="interrupting")
    pitch = _match(live_events, "nudge", 6.3 + off + 3.0, 1.0, rule="pitch_high")
    assert pitch["message"] == "Lower your tone"
    assert not [e for e in live_events if e["kind"] == "interruption" and e["by"] == "customer"]

    # the event log has the same final events as the report: every field of the last
    # version of each event (an interruption or a nudge is logged when decided, and again
    # when it closes)
    logged = [event_to_dict(e) for e in read_events(events_path) if e.end_s is not None]
    assert logged == live_events

    # voicecoach review of the recorded session gives the same events
    rv = subprocess.run(
        [
            sys.executable, "-m", "voicecoach", "review", str(session),
            "--out", str(tmp_path / "review"), "--lang", "en",
            "--profile", "agent", "--profiles-dir", str(tmp_path / "profiles"),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert rv.returncode == 0, rv.stderr
    reviewed = json.loads((tmp_path / "review" / session.name / "report.json").read_text())
    # the recording holds exactly the samples analysed live: the same events, every field
    # (tests/test_live_equals_review.py checks the same offline, at full precision)
    assert live_events == reviewed["events"]
    assert live_report["summary"] == reviewed["summary"]
