"""The dev fitting script of the mono interruption detector (benchmarks/mono_onset_fit.py):
its onset model and event score fits and its strict, one-to-one scoring."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import mono_onset_fit as fit
from voicecoach.conversation.mono_overlap import ONSET_FEATURES, finish_switch


def _jump(rng: np.random.Generator, call: int, truth: int, cond: str = "mono16") -> dict:
    """A synthetic jump: 200 candidate hops, ``r_step25`` peaks at the true onset, the
    other features are noise."""
    t = np.arange(100, 300)
    x = rng.standard_normal((len(t), len(ONSET_FEATURES))) * 0.5
    x[:, ONSET_FEATURES.index("r_step25")] += 3.0 * np.exp(-(((t - truth) / 8.0) ** 2))
    return {"call": call, "cond": cond, "method": "profile", "by": "customer",
            "of": "agent", "truth_hops": [truth], "a": 0, "b": 1, "cand_t": t, "cand_x": x,
            "cusum_onset": 200, "end": 290, "drop_hop": 295}


def test_fit_onset_learns_the_marking_feature_and_finds_the_onsets() -> None:
    rng = np.random.default_rng(0)
    jumps = [_jump(rng, i, int(rng.integers(130, 280))) for i in range(40)]
    w = fit.fit_onset(jumps, ONSET_FEATURES)
    assert max(w, key=lambda k: abs(w[k])) == "r_step25" and w["r_step25"] > 0
    held = [_jump(rng, 99, int(rng.integers(130, 280))) for _ in range(20)]
    hits = [fit._strict(j, finish_switch(j, w, 0.01)["onset"]) for j in held]
    assert np.mean(hits) >= 0.9
    # without the marking feature the onsets are chance
    w0 = fit.fit_onset(jumps, tuple(n for n in ONSET_FEATURES if n != "r_step25"))
    hits0 = [fit._strict(j, finish_switch(j, w0, 0.01)["onset"]) for j in held]
    assert np.mean(hits0) < 0.7


def test_fit_event_returns_raw_feature_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 2)) * [1.0, 5.0] + [0.0, 10.0]
    z = 2.0 * x[:, 0] - 0.4 * (x[:, 1] - 10.0)
    y = (rng.random(400) < 1 / (1 + np.exp(-z))).astype(float)
    w = fit.fit_event(x, y, ("u", "v"), l2=0.01)
    assert w["u"] == pytest.approx(2.0, rel=0.35)
    assert w["v"] == pytest.approx(-0.4, rel=0.35)
    assert w["bias"] == pytest.approx(4.0, rel=0.35)  # -0.4 * -10 folded into the bias


def test_strict_scoring_is_one_to_one_with_parties_and_0_3_s() -> None:
    truth = {(0, "mono8", "profile"): (0, [(500, "customer", "agent")])}
    base = {"call": 0, "cond": "mono8", "method": "profile", "by": "customer", "of": "agent"}
    rows = [(base, {"onset": 520}, 0.9),  # within 0.3 s: a hit
            (base, {"onset": 510}, 0.9),  # a second detection of the same onset: false
            ({**base, "by": "agent", "of": "customer"}, {"onset": 500}, 0.9),  # wrong parties
            (base, {"onset": 540}, 0.5)]  # under the threshold
    ev = fit._evaluate(rows, truth, 0.85)
    assert (ev["tp"], ev["n_det"]) == (1, 3)
    assert ev["recall"] == 1.0
    far = fit._evaluate([(base, {"onset": 531}, 0.9)], truth, 0.85)
    assert far["tp"] == 0
    wrong = fit._evaluate([({**base, "by": "agent", "of": "customer"}, {"onset": 500}, 0.9)],
                          truth, 0.85)
    assert (wrong["tp"], wrong["n_det"]) == (0, 1)
