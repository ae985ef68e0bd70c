"""The cold-start benchmark's pure parts (benchmarks/cold_start.py): the cut's truth and the
summary. The benchmark itself reviews 49 cuts per condition and start (minutes): it is run
by hand, its figures are in the README. One of its cuts, on the repository's real voices,
checks the coherence veto of the bleed gate's copy rule."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import realcalls as rc
from benchmarks.cold_start import AFTER_S, HOP, SR, cut_truth, signal, summary, voices
from voicecoach.config import load_config


def test_cut_truth_moves_the_events_onto_the_cuts_clock_and_keeps_those_inside() -> None:
    truth = [
        {"kind": "interruption", "start_s": 9.0, "end_s": 10.0, "by": "agent"},  # 0.5 s before
        {"kind": "interruption", "start_s": 9.6, "end_s": 11.0, "by": "agent"},  # just before
        {"kind": "backchannel", "start_s": 12.5, "end_s": 12.9, "by": "customer"},
        {"kind": "interruption", "start_s": 17.0, "end_s": 18.0, "by": "customer"},  # after
    ]
    got = cut_truth(truth, 10.0, 7.0)
    assert [e["kind"] for e in got] == ["interruption", "backchannel"]
    assert [(e["start_s"], e["end_s"]) for e in got] == [
        (pytest.approx(-0.4), pytest.approx(1.0)), (pytest.approx(2.5), pytest.approx(2.9))]
    assert got[0]["by"] == "agent" and truth[1]["start_s"] == 9.6  # a copy, not the original


def test_summary_counts_per_start() -> None:
    rows = [{"before_s": 1.0, "found": 1, "attributed": 1, "false": 0},
            {"before_s": 1.0, "found": 0, "attributed": 0, "false": 2},
            {"before_s": 5.0, "found": 1, "attributed": 0, "false": 1}]
    assert summary(rows, [1.0, 5.0, 10.0]) == {
        "1.0": {"n": 2, "found": 1, "attributed": 1, "false": 2},
        "5.0": {"n": 1, "found": 1, "attributed": 0, "false": 1},
        "10.0": {"n": 0, "found": 0, "attributed": 0, "false": 0}}


@pytest.mark.parametrize("before_s", [1.0, 2.5])
def test_a_session_started_during_a_headset_call_keeps_a_same_pitch_interruption(
        before_s: float) -> None:
    """slt (the agent) cuts in on Allison, two women's voices of one pitch range, on a headset
    call (no echo) reviewed from ``before_s`` before the interruption. In the far end's first
    3 s of speech the bleed gate's copy rule takes such double talk for a loudspeaker copy
    (each agent hop within 1 st of some far-end F0 of the last 0.6 s): the microphone's
    coherence with the far end (a copy's is 0.1-0.8, another voice's about 0.02-0.06) turns
    the rule off, and the interruption is found; without it, it is missed."""
    v = voices()
    call = rc.assemble_call(v["slt"], v["allison"], 0, name="slt-allison-0")
    truth = [e for e in call.truth if e["kind"] == "interruption" and e["by"] == "agent"
             and abs(e["start_s"] - 32.06) < 0.05]
    assert len(truth) == 1
    y = signal(call, "clean", 0)
    i0 = round((truth[0]["start_s"] - before_s) * SR / HOP) * HOP
    seg = y[i0 : i0 + round((before_s + AFTER_S) * SR)]
    found = {}
    for veto in (0.1, 0.0):
        config = load_config(overrides={"conversation": {"bleed_copy_coherence_min": veto}})
        events = rc.run_pipeline(np.ascontiguousarray(seg), config)
        one = rc.score_call(cut_truth(truth, i0 / SR, len(seg) / SR), events)
        found[veto] = (one["tp"], one["attributed"])
    assert found[0.1] == (1, 1)
    assert found[0.0] == (0, 0)  # the copy rule alone: the agent's speech taken for a copy
