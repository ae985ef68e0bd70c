"""Contracts of the streaming objects that the block-invariance tests do not cover: a failed
call changes nothing, nothing is accepted after finish(), and a step's events come in
decision order whatever the cut."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.analysis import ChannelAnalyzer, Features
from voicecoach.baseline.calibration import Calibrator
from voicecoach.coach import Coach
from voicecoach.conversation.tracker import ConversationTracker
from voicecoach.errors import AudioFormatError, ParameterError
from voicecoach.pipeline import CallAnalyzer

from .conftest import vowelish

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo_call.flac"
HOP = 160


@pytest.fixture(scope="module")
def demo() -> np.ndarray:
    x, sr = sf.read(DEMO, dtype="float32")
    assert sr == 16000
    n = 75 * 16000  # the interruption by the agent and the first nudges
    return x[:n]


def _events(cuts: list[int], x: np.ndarray) -> list[tuple]:
    ca = CallAnalyzer()
    out, i, k = [], 0, 0
    while i < x.shape[0]:
        n = cuts[k % len(cuts)] * HOP
        out += ca.process(x[i:i + n]).events
        i, k = i + n, k + 1
    return [(type(e).__name__, e.id, e.decided_s, getattr(e, "end_s", None)) for e in out]


def test_a_steps_events_come_in_decision_order_whatever_the_cut(demo) -> None:
    whole = _events([demo.shape[0] // HOP], demo)
    assert any(k == "Nudge" for k, *_ in whole)
    times = [d for _, _, d, _ in whole]
    assert times == sorted(times)
    assert _events([1], demo[: 70 * 16000]) == _events([7000], demo[: 70 * 16000])
    assert _events([37, 0, 250], demo) == whole


def test_nothing_is_accepted_after_finish(demo) -> None:
    ca = CallAnalyzer()
    ca.process(demo[: 20 * 16000])
    closing = ca.finish()
    assert {type(e).__name__ for e in closing} >= {"SpeechSegment", "Turn"}  # open at 20 s
    with pytest.raises(ParameterError, match=r"finished.*reset"):
        ca.process(demo[20 * 16000: 21 * 16000])
    # finishing again closes nothing more, even handed the tracker's closing events
    assert ca.finish() == [] and ca.finish(events=closing) == []
    ca.reset()
    assert ca.process(demo[:16000]).agent.t_s[0] == 0.0
    tr = ConversationTracker()
    tr.finish()
    with pytest.raises(ParameterError, match=r"finished.*reset"):
        tr.process(Features.empty(), Features.empty())


def test_a_refused_gate_changes_nothing(rng) -> None:
    x = vowelish(2.0, 140.0, rng)
    ref = ChannelAnalyzer()
    a = ChannelAnalyzer()
    with pytest.raises(ParameterError, match=r"gate must have one value per hop, shape \(100,\)"):
        a.process(x[:16000], gate=np.ones(3, bool))
    assert a.process(x[:16000]).equals(ref.process(x[:16000]))
    assert a.process(x[16000:]).equals(ref.process(x[16000:]))


def test_refused_tracker_inputs_leave_the_block_to_be_fed_again(rng) -> None:
    an = ChannelAnalyzer(), ChannelAnalyzer()
    rows = [a.process(vowelish(1.0, f, rng)) for a, f in zip(an, (120.0, 220.0), strict=True)]
    tr = ConversationTracker()
    with pytest.raises(ParameterError, match="cancelled has 3 values for 100 rows"):
        tr.process(rows[0], rows[1], cancelled=np.zeros(3, bool))
    tr.process(rows[0], rows[1])  # the same block again: accepted


def test_a_refused_event_list_changes_nothing(demo) -> None:
    an = ChannelAnalyzer(), ChannelAnalyzer()
    first = [a.process(demo[: 10 * 16000, k]) for k, a in enumerate(an)]
    then = [a.process(demo[10 * 16000: 40 * 16000, k]) for k, a in enumerate(an)]
    ref, c = Coach(), Coach()
    with pytest.raises(ParameterError, match=r"events must be voicecoach\.events\.Event"):
        c.process(first[0], first[1], ["x"])  # type: ignore[list-item]
    for coach in (ref, c):  # the baselines must not have taken the refused block
        coach.process(*first)
        coach.process(*then)
    for f in dataclasses.fields(ref.last_agent):
        np.testing.assert_array_equal(getattr(c.last_agent, f.name),
                                      getattr(ref.last_agent, f.name), err_msg=f.name)


def test_calibrator_takes_int16_and_counts_nothing_of_a_refused_block(rng) -> None:
    x = vowelish(3.0, 130.0, rng)
    pcm = np.round(x * 16000).astype(np.int16)
    a, b = Calibrator(), Calibrator()
    a.feed(pcm)
    b.feed(pcm.astype(np.float32) / 32768)
    assert a.peak == b.peak and a.n_clipped == b.n_clipped == 0
    bad = np.full(pcm.shape, 0.999, np.float32)  # a clipping block, refused for its NaN
    bad[5] = np.nan
    with pytest.raises(AudioFormatError, match="NaN"):
        a.feed(bad)
    assert (a.n_samples, a.peak, a.n_clipped) == (b.n_samples, b.peak, 0)
