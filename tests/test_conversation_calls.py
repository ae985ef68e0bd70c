"""Conversation tracker on generated two-party calls with exact truth
(:func:`voicecoach.sources.synthetic.synth_call`): interruption F1 and attribution,
backchannels, turn-end overlaps, far-end bleed and noise.

Truth events come from the script (``CallTruth.events``). A detected event matches a truth
event of the same kind whose onset is within ``MATCH_S``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.analysis import Analyzer
from voicecoach.config import load_config
from voicecoach.conversation import ConversationTracker
from voicecoach.events import final_events
from voicecoach.pipeline import CallAnalyzer
from voicecoach.sources.synthetic import Utterance, demo_script, synth_call
from voicecoach.sources.synthetic import random_call_script as random_script

# The tracker's logic on generated voices with exact truth. The analysis in front of it is the
# webrtc backend: the Silero network (the default) was trained on real speech, which the
# generator only approximates; the default pipeline's figures on real voices are
# benchmarks/realcalls.py's, and the demo call below runs the default pipeline.
CFG = load_config(overrides={"vad": {"backend": "webrtc"}})
MATCH_S = 0.3
#: Most a decision may come after true onset + min_overlap_s: the VAD onset (20 ms) and
#: the tracker's speech onset (60 ms) plus the decision bridge (0.1 s), s.
LATENCY_MAX_S = 0.2
#: A backchannel this much shorter than ``min_overlap_s`` (s) is never shown as an
#: interruption, even live (the onset backtrack finds its first sound on time).
SHORT_MARGIN_S = 0.05


def analyze(y: np.ndarray):
    fa, fc = Analyzer(2, CFG).process(y)
    return fa, fc


def track(fa, fc, config=None):
    tr = ConversationTracker(config or CFG)
    evs = tr.process(fa, fc)
    return tr, evs


def match(truth_events, detected, kind):
    """Greedy onset matching; returns (tp pairs, n_truth, n_detected)."""
    ref = [e for e in truth_events if e["kind"] == kind]
    det = [e for e in detected if e.kind == kind]
    used: set[int] = set()
    pairs = []
    for r in ref:
        best = None
        for j, d in enumerate(det):
            if j in used or abs(d.start_s - r["start_s"]) > MATCH_S:
                continue
            err = abs(d.start_s - r["start_s"])
            if best is None or err < abs(det[best].start_s - r["start_s"]):
                best = j
        if best is not None:
            used.add(best)
            pairs.append((r, det[best]))
    return pairs, len(ref), len(det)


def f1(tp: int, n_ref: int, n_det: int) -> float:
    return 1.0 if n_ref == n_det == 0 else 2 * tp / (n_ref + n_det)


CONDITIONS = {
    "snr20": dict(snr_db=20.0),
    "bleed-20dB-200ms": dict(snr_db=20.0, bleed_db=-20.0, bleed_delay_s=0.2),
    "bleed-10dB-400ms": dict(snr_db=20.0, bleed_db=-10.0, bleed_delay_s=0.4),
}


@pytest.fixture(scope="module")
def calls():
    """Three random scripts and the demo script under each condition (features cached)."""
    out = {}
    scripts = [random_script(s) for s in (1, 2, 3)] + [demo_script()[0]]
    for cname, kw in CONDITIONS.items():
        for i, script in enumerate(scripts):
            y, truth = synth_call(script, seed=10 + i, **kw)
            out[cname, i] = (analyze(y), truth)
    return out


@pytest.mark.parametrize("cname", list(CONDITIONS))
def test_interruption_f1_and_attribution(calls, cname):
    tp = n_ref = n_det = 0
    for (c, _), ((fa, fc), truth) in calls.items():
        if c != cname:
            continue
        _, evs = track(fa, fc)
        fin = [e for e in final_events(evs) if e.closed]
        pairs, r, d = match(truth.events, fin, "interruption")
        tp, n_ref, n_det = tp + len(pairs), n_ref + r, n_det + d
        for ref, det in pairs:
            assert (det.by, det.of) == (ref["by"], ref["of"]), (ref, det)
    assert n_ref >= 10
    assert f1(tp, n_ref, n_det) >= 0.95, (tp, n_ref, n_det)


@pytest.mark.parametrize("cname", list(CONDITIONS))
def test_backchannels_are_never_interruptions(calls, cname):
    n_bc = n_found = n_short = 0
    for (c, _), ((fa, fc), truth) in calls.items():
        if c != cname:
            continue
        _, evs = track(fa, fc)
        fin = final_events(evs)
        for bc in (e for e in truth.events if e["kind"] == "backchannel"):
            n_bc += 1
            near = [e for e in fin if abs(e.start_s - bc["start_s"]) <= MATCH_S
                    and e.kind in ("interruption", "backchannel", "turn_end_overlap")]
            # the final record: the backchannel, by its speaker; an interruption shown live
            # is retracted
            assert all(e.kind == "backchannel" or getattr(e, "retracted", False)
                       for e in near), (bc, near)
            assert all(e.by == bc["by"] for e in near), (bc, near)
            # live: an interruption is decided min_overlap_s into the overlap, before a
            # backchannel that long can be told apart (then retracted); a shorter one is
            # never shown as an interruption, even for a moment
            if bc["end_s"] - bc["start_s"] < CFG.conversation.min_overlap_s - SHORT_MARGIN_S:
                n_short += 1
                assert not any(e.kind == "interruption" for e in near), (bc, near)
            n_found += any(e.kind == "backchannel" for e in near)
    assert n_bc >= 5
    assert n_short >= 0.5 * n_bc
    assert n_found >= 0.9 * n_bc


@pytest.mark.parametrize("cname", list(CONDITIONS))
def test_turn_end_overlaps(calls, cname):
    tp = n_ref = n_det = 0
    for (c, _), ((fa, fc), truth) in calls.items():
        if c != cname:
            continue
        _, evs = track(fa, fc)
        pairs, r, d = match(truth.events, final_events(evs), "turn_end_overlap")
        tp, n_ref, n_det = tp + len(pairs), n_ref + r, n_det + d
        assert all((det.by, det.of) == (ref["by"], ref["of"]) for ref, det in pairs)
    assert n_ref >= 4
    assert f1(tp, n_ref, n_det) >= 0.85, (tp, n_ref, n_det)


def test_decision_latency(calls):
    """From the interrupter's true onset (the script) plus ``min_overlap_s`` to the live
    decision: the VAD's onset delay plus the decision bridge, never early."""
    lat = []
    for (fa, fc), truth in calls.values():
        _, evs = track(fa, fc)
        first = [e for e in evs if e.kind == "interruption" and e.end_s is None]
        pairs, _, _ = match(truth.events, first, "interruption")
        for ref, det in pairs:
            lat.append(det.decided_s - (ref["start_s"] + CFG.conversation.min_overlap_s))
    print(f"decision latency: median {np.median(lat):.3f} s, max {max(lat):.3f} s")
    assert len(lat) >= 30
    assert min(lat) >= 0.0
    assert max(lat) <= LATENCY_MAX_S


def test_block_invariance_on_a_call_with_bleed(calls, rng):
    (fa, fc), _ = calls["bleed-10dB-400ms", 3]
    n = 6000  # one minute: covers the bleed estimator's warm-up and tracking
    fa, fc = fa[:n], fc[:n]
    _, whole = track(fa, fc)
    tr = ConversationTracker(CFG)
    cuts = np.sort(rng.choice(np.arange(1, n), size=300, replace=False))
    evs = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True):
        evs += tr.process(fa[lo:hi], fc[lo:hi])
    assert evs == whole
    assert tr.bleed_delay_s == pytest.approx(0.4, abs=0.02)


@pytest.mark.parametrize("bleed_db, delay_s", [(-20.0, 0.2), (-10.0, 0.2), (-10.0, 0.5)])
def test_bleed_alone_credits_nothing_to_the_agent(bleed_db, delay_s):
    # the customer talks, the agent is silent: only the loudspeaker copy reaches the mic
    script = [Utterance("customer", 0.5 + 6.0 * i, float(4.0 + i % 3)) for i in range(8)]
    y, _ = synth_call(script, snr_db=20.0, bleed_db=bleed_db, bleed_delay_s=delay_s, seed=3)
    fa, fc = analyze(y)
    assert fa.vad_raw.sum() > 100  # the copy does reach the agent's VAD
    tr, evs = track(fa, fc)
    fin = final_events(evs)
    by_agent = [e for e in fin if getattr(e, "by", None) == "agent"
                or getattr(e, "party", None) == "agent"]
    assert by_agent == [], by_agent[:5]
    s = tr.summary()
    assert s["agent"]["talk_s"] == 0.0
    assert s["conversation"]["overlaps"] == 0
    assert s["conversation"]["bleed"]["delay_s"] == pytest.approx(delay_s, abs=0.02)


def test_bleed_does_not_hide_the_agent(calls):
    # the agent's own speech keeps its talk time under -10 dB bleed: against the truth, and
    # within 0.3 s (~1 %) of the same call without bleed (the gate rejects the copy only; a
    # gate taking the agent's double talk for bleed loses 0.5-0.7 s of it on these calls)
    for i in range(4):
        (fa, fc), truth = calls["bleed-10dB-400ms", i]
        talk = track(fa, fc)[0].summary()["agent"]["talk_s"]
        true_talk = sum(u.duration_s for u in truth.utterances if u.party == "agent")
        assert talk == pytest.approx(true_talk, rel=0.1)
        clean = track(*calls["snr20", i][0])[0].summary()["agent"]["talk_s"]
        assert talk == pytest.approx(clean, abs=0.3), i


def test_far_delay_setting_on_a_generated_call():
    script = random_script(4)
    y, truth = synth_call(script, snr_db=20.0, far_delay_s=0.3, bleed_db=-20.0,
                          bleed_delay_s=0.45, seed=4)
    fa, fc = analyze(y)
    cfg = CFG.replace(conversation={"far_delay_s": 0.3})
    tr, evs = track(fa, fc, cfg)
    fin = [e for e in final_events(evs) if e.closed]
    pairs, r, d = match(truth.events, fin, "interruption")
    assert r >= 3 and len(pairs) == r == d
    assert all((det.by, det.of) == (ref["by"], ref["of"]) for ref, det in pairs)
    assert tr.bleed_delay_s == pytest.approx(0.45, abs=0.02)  # after alignment


# ----------------------------------------------------------------------------- regressions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo_call.flac"


def test_demo_call_events_match_truth():
    # a clean stereo call (no bleed) where the angry customer is ~4 dB louder than the agent
    # and about an octave above it: double talk must stay the agent's
    x, _ = sf.read(DEMO, dtype="float32", always_2d=True)
    pipe = CallAnalyzer()  # the default pipeline, as `voicecoach demo` runs it
    evs = pipe.process(x[: len(x) // 160 * 160]).events + pipe.finish()
    tr = pipe.tracker
    truth = json.loads(DEMO.with_suffix(".truth.json").read_text(encoding="utf-8"))["events"]
    fin = [e for e in final_events(evs) if e.kind in ("interruption", "backchannel",
                                                      "turn_end_overlap")]
    assert len(fin) == len(truth) == 6
    for ref, det in zip(truth, fin, strict=True):
        assert (det.kind, det.by, det.of) == (ref["kind"], ref["by"], ref["of"]), (ref, det)
        assert abs(det.start_s - ref["start_s"]) <= 0.15, (ref, det)
        assert abs(det.end_s - ref["end_s"]) <= 0.15, (ref, det)
    assert tr.summary()["conversation"]["bleed"]["rejected_fraction"] < 0.01


def test_louder_customer_an_octave_up_is_not_bleed():
    # no bleed; the customer 3 dB louder at exactly twice the agent's F0
    y, truth = synth_call(random_script(1), snr_db=20.0, agent_f0_hz=110.0,
                          customer_f0_hz=220.0, customer_level_db=-17.0, seed=5)
    tr, evs = track(*analyze(y))
    fin = [e for e in final_events(evs) if e.closed]
    pairs, r, d = match(truth.events, fin, "interruption")
    assert r >= 3 and len(pairs) == r == d
    assert all((det.by, det.of) == (ref["by"], ref["of"]) for ref, det in pairs)
    assert tr.summary()["conversation"]["bleed"]["rejected_fraction"] < 0.01


def _dataset_cache_present() -> bool:
    try:
        from benchmarks.datasets import cache_root
    except ImportError:  # pragma: no cover
        return False
    root = cache_root()
    return all((root / n).is_dir() for n in ("asterisk_en", "asterisk_fr", "arctic",
                                             "vad_counting"))


@pytest.mark.skipif(not _dataset_cache_present(),
                    reason="benchmark dataset cache absent (python -m benchmarks.datasets)")
def test_calls_from_real_utterances():
    from benchmarks.tracker_bench import real_calls, score_interruptions

    calls = real_calls()
    assert calls is not None
    tot = {"tp": 0, "n_truth": 0, "n_detected": 0, "attributed": 0}
    for _name, y, truth_events in calls:
        _, evs = track(*analyze(y[: len(y) // 160 * 160].astype(np.float32)))
        c = score_interruptions(truth_events, evs)
        tot = {k: tot[k] + c[k] for k in tot}
    assert tot["n_truth"] >= 6
    assert tot["attributed"] == tot["tp"]
    assert 2 * tot["tp"] / (tot["n_truth"] + tot["n_detected"]) >= 0.9, tot
