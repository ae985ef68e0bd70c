"""Real voices through a real audio server: who interrupted whom, live, over a loudspeaker echo.

Issue #10 saw real-voice calls miss the same interruptions live, through PulseAudio, as in
review. Here a call assembled from two real recorded voices (``tests/data/real_voices``: the
CMU ARCTIC speakers awb as the agent and slt as the customer; the script gives the exact
truth) is played as one stereo stream into the rig's ``vc_duo`` sink: the far end on its left
channel, the agent's microphone on its right, the microphone holding the agent **and a
simulated loudspeaker echo of the customer** (overdriven, 40 ms late, a decaying room
response; :func:`benchmarks.realcalls.loudspeaker_echo`), so the two columns stay sample
synchronous as a real call's do. ``voicecoach live`` reads the two channels through PortAudio
(two streams on the monitor, resampled from the device's 48 kHz) with the shipped defaults:
the echo canceller, Silero, the tracker.

It is the ``awb-slt-1`` call of ``tests/test_real_voices.py`` from 7 to 45 s: dense double
talk, the call whose echo the envelope correlation alone missed (README, "A real echo under
dense double talk"); three interruptions by each party, scored from 5 s into the excerpt
(:data:`WARM_S`: the canceller starts cold under the customer's first words). These are
``realcalls`` **dev** voices: a unit test on real voices, not a result. Held to issue #10's
targets where one call can be: every interruption found and attributed, no false one (but at
most one of the two backchannels), decided about 0.5 s after its onset; the echo taken for
the agent and the agent's speech kept in double talk as offline (the bounds below); and
``voicecoach review`` of the recorded session gives the same events.

The test found that a channel named with ``--far-channel`` / ``--mic-channel`` was read
from a one-channel stream, which PulseAudio fills with the **down-mix** of the source's
channels: the far-end reference held the agent's microphone too, and the echo was 20 s of
agent speech (``tests/live/test_capture_live.py``, the named channel test).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from benchmarks import realcalls as rc
from voicecoach.events import final_events
from voicecoach.sinks.eventlog import read_events

pytestmark = pytest.mark.live

SR = rc.SR
CALL = ("awb", "slt", 1)  # agent, customer, the script's seed
START_S, END_S = 7.0, 45.0  # the excerpt played
EDGE_S = 1.5  # truth and detections this close to the excerpt's end are not scored
#: Nor those in the excerpt's first seconds: the canceller starts cold under the customer's
#: first words and finds the echo after 4 s of far-end activity (``[echo] no_echo_min_far_s``);
#: until then borderline decisions flip with the hop phase and the resampling (a false agent
#: interruption at 4.0 s in 1 of 7 live runs; an interruption 1.6 s into a cold start is lost
#: at some hop phases offline too). ``tests/test_real_voices.py`` scores whole calls.
WARM_S = 5.0
LEAD_S = 0.3  # silence played before the call
#: Agent speech away from the agent's true speech in the scored window (31.5 s), s: #10's 1 s
#: per minute of pure echo; offline at eight hop phases (0-140 samples of lead) 0-1.01 s. With
#: the far column down-mixed with the microphone (before the capture's fix for named
#: channels), 27 s of agent talk in the 38 s excerpt.
MAX_ECHO_AS_AGENT_S = 1.5
#: The agent's speech kept while both talk: #10's target (offline at the eight phases
#: 0.928-0.977).
MIN_DOUBLE_TALK = 0.90


def _excerpt() -> tuple[rc.Call, np.ndarray, list[dict]]:
    """The call, its ``echo6`` excerpt (n, 2) and the scored window's truth (times from
    :data:`WARM_S` into the excerpt)."""
    from tests.test_real_voices import signal, voices

    v = voices()
    agent, customer, seed = CALL
    call = rc.assemble_call(v[agent], v[customer], seed, name=f"{agent}-{customer}-{seed}")
    y = signal(call, "echo6", seed)[round(START_S * SR) : round(END_S * SR)]
    t0_s = START_S + WARM_S
    truth = [
        {**e, "start_s": e["start_s"] - t0_s, "end_s": e["end_s"] - t0_s}
        for e in call.truth
        if t0_s <= e["start_s"] <= END_S - EDGE_S
    ]
    return call, y, truth


def _scores(call: rc.Call, y: np.ndarray, truth: list[dict], logged: list, off_s: float
            ) -> tuple[dict, dict]:
    """Interruption and speech scores of the scored window (from :data:`WARM_S` into the
    excerpt to :data:`EDGE_S` before its end), for events whose clock puts the excerpt's
    start at ``off_s``."""
    t0_s = off_s + WARM_S
    events = [
        dataclasses.replace(e, start_s=e.start_s - t0_s, decided_s=e.decided_s - t0_s,
                            end_s=None if e.end_s is None else e.end_s - t0_s)
        for e in final_events(logged)
    ]
    window_s = END_S - START_S - WARM_S - EDGE_S
    score = rc.score_call(truth, [e for e in events if -0.5 <= e.start_s <= window_s])
    t_call_s = START_S + WARM_S
    window = rc.Call(
        name="window", y=y[round(WARM_S * SR) :], script=[], truth=tuple(truth),
        speech={p: [(max(a - t_call_s, 0.0), b - t_call_s) for a, b in spans if b > t_call_s]
                for p, spans in call.speech.items()},
    )
    # (the masks take times >= 0: a span or segment ending before the window is left out)
    return score, rc.speech_scores(window, [e for e in events if e.end_s is None or e.end_s > 0])


def _offset_s(recorded: np.ndarray, played: np.ndarray) -> float:
    """How much later ``played`` starts in ``recorded`` (cross-correlation, s)."""
    n = 1 << int(np.ceil(np.log2(len(recorded) + len(played))))
    xc = np.fft.irfft(np.fft.rfft(recorded, n) * np.conj(np.fft.rfft(played, n)), n)
    return int(np.argmax(xc[: len(recorded)])) / SR


def test_real_voices_over_a_loudspeaker_echo_live(pulse_rig, tmp_path: Path) -> None:
    call, y, truth = _excerpt()
    ints = [e for e in truth if e["kind"] == "interruption"]
    assert sorted(e["by"] for e in ints) == ["agent"] * 3 + ["customer"] * 3, ints
    lead = np.zeros((round(LEAD_S * SR), 2), np.float32)
    played = np.concatenate([lead, y])
    path = pulse_rig.base / "real-call.wav"
    # vc_duo: front-left is the far end, front-right the microphone
    sf.write(path, np.clip(played[:, ::-1], -1, 1), SR, subtype="PCM_16")

    rec, events_path = tmp_path / "sessions", tmp_path / "events.jsonl"
    duration_s = len(played) / SR + 2.0
    args = [
        "--mic", "vc_duo", "--mic-channel", "1", "--far", "vc_duo_b", "--far-channel", "0",
        "--duration", f"{duration_s:.1f}", "--record", str(rec), "--events", str(events_path),
        "--display", "none", "--lang", "en",
    ]  # fmt: skip
    code, err = pulse_rig.run_live(args, [("vc_duo", path)])
    assert code == 0, err

    (session,) = [p for p in rec.iterdir() if p.is_dir()]
    # where the excerpt starts on the session's sample clock, from the far end's column
    # (the echo is not in it), and the microphone's column aligned with it
    rec_far, _ = sf.read(session / "customer.wav", dtype="float32")
    rec_mic, _ = sf.read(session / "agent.wav", dtype="float32")
    off_s = _offset_s(rec_far, played[:, 1]) + LEAD_S
    assert abs(_offset_s(rec_mic, played[:, 0]) + LEAD_S - off_s) < 0.015

    score, speech = _scores(call, y, truth, read_events(events_path, final=False), off_s)
    print(f"\nlive, offset {off_s:.3f} s: {score}")
    print(f"agent speech on the echo {speech['agent_false_hops'] * rc.HOP_S:.2f} s, kept in "
          f"double talk {speech['agent_overlap_hit'] / speech['agent_overlap_hops']:.3f}")
    assert score["tp"] == score["n_truth"] == 6, score
    assert score["attributed"] == 6, score  # by whom, of whom
    # no other interruption, but at most one on a backchannel: the agent's 0.75 s one, 0.6 s
    # after an overlap, was called one in 1 of 7 live runs (not offline)
    assert score["n_backchannel"] == 2 and score["n_backchannel_fa"] <= 1, score
    assert len(score["false"]) == score["n_backchannel_fa"], score
    # decided within 0.65 s of the true onset (#10's p90, pooled over calls); one of these
    # six is decided 0.56-0.81 s after it depending on the hop phase (offline, eight phases)
    assert np.median(score["latency_s"]) <= 0.6 and max(score["latency_s"]) <= 0.85, score

    # the echo is not the agent: agent speech away from the agent's true speech
    assert speech["agent_false_hops"] * rc.HOP_S <= MAX_ECHO_AS_AGENT_S, speech
    # and the agent's speech is kept while the customer talks over it
    assert speech["agent_overlap_hit"] >= MIN_DOUBLE_TALK * speech["agent_overlap_hops"], speech

    # voicecoach review of the recorded session gives the same events
    rv = subprocess.run(
        [sys.executable, "-m", "voicecoach", "review", str(session),
         "--out", str(tmp_path / "review"), "--lang", "en"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert rv.returncode == 0, rv.stderr
    live_report = json.loads((session / "report.json").read_text())
    reviewed = json.loads((tmp_path / "review" / session.name / "report.json").read_text())
    assert live_report["events"] == reviewed["events"]
    # vc_duo and vc_duo_b read one sink's monitor, one clock: nothing to correct (before the
    # clock fit cut the envelope at latency jumps: 527 ppm in 1 of 3 runs, 203 samples dropped)
    cs = live_report["live"]["capture_stats"]
    assert not cs["drift_corrected"], cs
    assert all(d["drift_dropped"] == d["drift_repeated"] == 0 for d in cs["devices"]), cs
