"""Tests for the hop-phase option of benchmarks.realcalls (``--lead-samples``).

The pure part only: the lead put before a call and its shifted truth (:func:`lead_call`),
the median, min and max over phases (:func:`phase_spread`), the option's parsing and the
table's phase rows. No pipeline runs, no dataset.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import realcalls as rc
from voicecoach.events import Interruption, SpeechSegment
from voicecoach.sources.synthetic import Utterance

SR = rc.SR


def _call() -> rc.Call:
    y = np.arange(2 * SR * 2, dtype=np.float32).reshape(-1, 2) / (4 * SR)
    truth = (
        {"kind": "interruption", "start_s": 0.5, "end_s": 1.2, "by": "customer", "of": "agent"},
        {"kind": "backchannel", "start_s": 1.4, "end_s": 1.7, "by": "agent", "of": "customer"},
    )
    script = [Utterance("agent", 0.1, 1.0), Utterance("customer", 0.5, 0.7)]
    return rc.Call("c", y, script, truth, {"agent": [(0.1, 1.1)], "customer": [(0.5, 1.2)]})


def test_lead_puts_silence_first_and_moves_every_true_time_alike() -> None:
    """``lead`` zeros before both channels of the call and of its rendered signal; truth
    events, script onsets and speech spans move by lead / 16000 s, nothing else changes."""
    call = _call()
    y = call.y + 0.5
    led, y_led = rc.lead_call(call, y, 40)
    dt = 40 / SR
    assert y_led.shape == (len(y) + 40, 2) and y_led.dtype == y.dtype
    assert not y_led[:40].any() and np.array_equal(y_led[40:], y)
    assert not led.y[:40].any() and np.array_equal(led.y[40:], call.y)
    for a, b in zip(call.truth, led.truth, strict=True):
        assert b["start_s"] == pytest.approx(a["start_s"] + dt)
        assert b["end_s"] == pytest.approx(a["end_s"] + dt)
        assert (b["kind"], b["by"], b["of"]) == (a["kind"], a["by"], a["of"])
    assert [u.start_s for u in led.script] == pytest.approx([0.1 + dt, 0.5 + dt])
    assert [u.duration_s for u in led.script] == [1.0, 0.7]
    assert led.speech["agent"] == [pytest.approx((0.1 + dt, 1.1 + dt))]
    assert led.speech["customer"] == [pytest.approx((0.5 + dt, 1.2 + dt))]
    assert call.truth[0]["start_s"] == 0.5  # the unled call is left as it was
    same, y0 = rc.lead_call(call, y, 0)
    assert same is call and y0 is y
    with pytest.raises(ValueError, match="lead"):
        rc.lead_call(call, y, -1)


def test_detections_moved_with_the_lead_score_as_the_unled_ones() -> None:
    """The shifted truth keeps the scores comparable: the same detections, later by the
    lead, give the unled call's counts and latencies (and speech hops, a hop's lead)."""
    call = _call()
    det = [Interruption(start_s=0.62, end_s=1.2, decided_s=1.05, id=0, by="customer",
                        of="agent"),
           Interruption(start_s=1.45, end_s=1.7, decided_s=1.8, id=1, by="agent",
                        of="customer")]  # on the backchannel: a false alarm
    base = rc.score_call(call.truth, det)
    for lead in (40, 80, 120, 160):
        dt = lead / SR
        led, _ = rc.lead_call(call, call.y, lead)
        moved = [Interruption(start_s=d.start_s + dt, end_s=d.end_s + dt,
                              decided_s=d.decided_s + dt, id=d.id, by=d.by, of=d.of)
                 for d in det]
        s = rc.score_call(led.truth, moved)
        for k in ("n_truth", "n_detected", "tp", "attributed", "n_backchannel",
                  "n_backchannel_fa"):
            assert s[k] == base[k], (lead, k)
        assert s["latency_s"] == pytest.approx(base["latency_s"], abs=1e-3)
        # and left where they were, the detections are late by the lead
        late = rc.score_call(led.truth, det)
        assert late["latency_s"] == pytest.approx([x - dt for x in base["latency_s"]],
                                                  abs=1e-3)
    seg = [SpeechSegment(0.1, 1.1, 0.2, party="agent")]
    led, _ = rc.lead_call(call, call.y, 160)  # a whole hop: the masks move by one hop
    s0 = rc.speech_scores(call, seg)
    s1 = rc.speech_scores(led, [SpeechSegment(0.11, 1.11, 0.21, party="agent")])
    assert s1["hops"] == s0["hops"] + 1
    assert {k: v for k, v in s1.items() if k != "hops"} == {
        k: v for k, v in s0.items() if k != "hops"}


def _phase(lead: int, **kw: object) -> dict:
    base = dict.fromkeys(rc.PHASE_FIGURES, 0.0)
    return {"lead_samples": lead, **base, **kw}


def test_spread_is_median_min_and_max_over_phases() -> None:
    """phase_spread: each figure's median (of an even count: halfway), min and max over the
    phases, a phase without the figure (no latency: None) left out of it."""
    phases = [_phase(0, recall=1.0, precision=0.98, latency_p90_s=0.6),
              _phase(40, recall=0.96, precision=0.92, latency_p90_s=None),
              _phase(80, recall=0.98, precision=0.94, latency_p90_s=0.7),
              _phase(120, recall=0.9796, precision=0.93, latency_p90_s=0.62)]
    sp = rc.phase_spread(phases)
    assert set(sp) == set(rc.PHASE_FIGURES)
    assert sp["recall"] == {"median": pytest.approx(0.9798), "min": 0.96, "max": 1.0, "n": 4}
    assert sp["precision"] == {"median": pytest.approx(0.935), "min": 0.92, "max": 0.98,
                               "n": 4}
    assert sp["latency_p90_s"] == {"median": 0.62, "min": 0.6, "max": 0.7, "n": 3}
    none = rc.phase_spread([_phase(0, attribution=None)], ("attribution",))
    assert none == {"attribution": {"median": None, "min": None, "max": None, "n": 0}}


def test_lead_samples_parse_as_distinct_samples() -> None:
    assert rc.parse_leads("0") == [0]
    assert rc.parse_leads("0,40,80,120") == [0, 40, 80, 120]
    assert rc.parse_leads(" 80, 0 ,") == [80, 0]
    for bad in ("", "0,-40", "0,0", "a", "0.5"):
        with pytest.raises(ValueError, match="lead-samples"):
            rc.parse_leads(bad)


def _summary(recall: float) -> dict:
    s = rc.summarize([{**dict.fromkeys(
        ("n_truth", "n_detected", "tp", "attributed", "n_backchannel", "n_backchannel_fa",
         "n_backchannel_fa_live", "n_backchannel_long", "n_backchannel_long_fa",
         "n_turn_end", "n_turn_end_fa"), 0), "latency_s": [0.5]}])
    return {**s, "n_truth": 50, "recall": recall, "precision": 1.0}


def test_table_gives_each_phase_and_the_spread_only_when_asked() -> None:
    """format_table: with phases, a row per condition and lead and 'median [min-max]' per
    figure; a single-phase result prints no phase section."""
    phases = [{"lead_samples": lead, **_summary(r)} for lead, r in ((0, 1.0), (40, 0.94),
                                                                    (80, 0.98))]
    cond = {**_summary(1.0), "lead_samples": 0, "phases": phases,
            "phase_spread": rc.phase_spread(phases)}
    res = {"split": "test", "vad_backend": "silero", "calls_per_condition": 6, "call_s": 60.0,
           "conditions": {"clean": cond}}
    text = rc.format_table(res)
    assert "hop phases: every call led by 0, 40, 80 samples" in text
    rows = [ln for ln in text.splitlines() if ln.startswith("clean@")]
    assert [r.split()[0] for r in rows] == ["clean@0", "clean@40", "clean@80"]
    assert rows[1].split()[2] == "0.94"
    spread = [ln for ln in text.splitlines() if ln.startswith("clean ")][-1]
    assert spread.split()[1:3] == ["0.98", "[0.94-1.00]"]
    plain = rc.format_table({**res, "conditions": {"clean": _summary(1.0)}})
    assert "hop phases" not in plain and "@" not in plain
