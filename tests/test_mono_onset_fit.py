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
    """On jumps where one feature peaks at the true onset, fit_onset weights it most and finds >= 90
    % of held-out onsets within 0.3 s; without it, under 70 %."""
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
    """fit_event recovers known raw-feature weights and bias (one feature offset and scaled) within
    35 %."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 2)) * [1.0, 5.0] + [0.0, 10.0]
    z = 2.0 * x[:, 0] - 0.4 * (x[:, 1] - 10.0)
    y = (rng.random(400) < 1 / (1 + np.exp(-z))).astype(float)
    w = fit.fit_event(x, y, ("u", "v"), l2=0.01)
    assert w["u"] == pytest.approx(2.0, rel=0.35)
    assert w["v"] == pytest.approx(-0.4, rel=0.35)
    assert w["bias"] == pytest.approx(4.0, rel=0.35)  # -0.4 * -10 folded into the bias


def test_strict_scoring_is_one_to_one_with_parties_and_0_3_s() -> None:
    """_evaluate: an onset within 0.3 s is a hit, a second detection of it is false, wrong parties
    never hit, scores under the threshold are dropped, 0.31 s off is a miss."""
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


def test_onset_target_and_strict_use_0_3_s_inclusive() -> None:
    """A candidate exactly 30 hops (0.3 s) from a true onset is right, 31 is not; a jump
    without a true onset, or with none in reach, has no target."""
    rng = np.random.default_rng(2)
    j = _jump(rng, 0, 200)
    ok = fit._onset_target(j)
    assert ok is not None
    np.testing.assert_array_equal(j["cand_t"][ok], np.arange(170, 231))
    assert fit._onset_target({**j, "truth_hops": []}) is None
    assert fit._onset_target({**j, "truth_hops": [400]}) is None
    assert fit._onset_target({**j, "truth_hops": [400, 120]}).sum() == 51  # 100..150
    assert fit._strict(j, 230) and fit._strict(j, 170)
    assert not fit._strict(j, 231) and not fit._strict(j, 169)


def _onset_reference(jumps: list[dict], names: tuple[str, ...], l2: float) -> np.ndarray:
    """The conditional logit written out here: minimise (l2/2 |w|^2 - sum over jumps of
    log P(a candidate within 30 hops of a true onset)) / n_jumps, numeric gradient."""
    from scipy.optimize import minimize

    idx = [ONSET_FEATURES.index(n) for n in names]
    data = []
    for j in jumps:
        near = np.zeros(len(j["cand_t"]), bool)
        for h in j["truth_hops"]:
            near |= np.abs(j["cand_t"] - h) <= 30
        if near.any():
            data.append((j["cand_x"][:, idx], near))

    def nll(w: np.ndarray) -> float:
        tot = 0.5 * l2 * float(w @ w)
        for x, near in data:
            z = x @ w
            logp = z - z.max() - np.log(np.exp(z - z.max()).sum())
            tot -= float(np.log(np.exp(logp[near]).sum()))
        return tot / len(data)

    return minimize(nll, np.zeros(len(idx)), method="Nelder-Mead",
                    options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 4000}).x


@pytest.mark.parametrize("l2", [0.05, 3.0])
def test_fit_onset_maximises_the_written_out_objective(l2: float) -> None:
    """fit_onset's weights are the optimum of the conditional logit with its L2 penalty,
    averaged over the jumps with a true onset in reach (a jump out of reach is ignored)."""
    rng = np.random.default_rng(3)
    names = ("r_step25", "lev_step10")
    jumps = [_jump(rng, i, int(rng.integers(130, 280))) for i in range(12)]
    jumps.append({**_jump(rng, 12, 200), "truth_hops": [900]})  # out of reach
    jumps.append({**_jump(rng, 13, 200), "truth_hops": []})
    w = fit.fit_onset(jumps, names, l2)
    ref = _onset_reference(jumps, names, l2)
    np.testing.assert_allclose([w[n] for n in names], ref, atol=2e-3)


@pytest.mark.parametrize("l2", [0.01, 5.0])
def test_fit_event_is_penalised_logistic_regression_on_standardised_features(l2: float
                                                                              ) -> None:
    """fit_event minimises (logistic loss + l2/2 |w|^2, intercept not penalised) / n on
    population-standardised features and maps the optimum back to raw-feature weights
    (checked against the objective written out here, numeric gradient)."""
    from scipy.optimize import minimize
    from scipy.special import expit

    rng = np.random.default_rng(4)
    x = rng.standard_normal((300, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -3.0]
    # mostly positives: the intercept is far from 0, so penalising it would show
    z = 1.5 + 1.5 * x[:, 0] - 0.3 * (x[:, 1] - 10.0) + 2.0 * (x[:, 2] + 3.0)
    y = (rng.random(300) < expit(z)).astype(float)
    w = fit.fit_event(x, y, ("u", "v", "s"), l2=l2)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    xs = (x - mu) / sd

    def objective(v: np.ndarray) -> float:
        p = expit(v[0] + xs @ v[1:])
        ll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
        return (ll + 0.5 * l2 * float(v[1:] @ v[1:])) / len(y)

    v = minimize(objective, np.zeros(4), method="BFGS", options={"gtol": 1e-9}).x
    raw = v[1:] / sd
    np.testing.assert_allclose([w["u"], w["v"], w["s"]], raw, atol=2e-3, rtol=1e-3)
    assert w["bias"] == pytest.approx(v[0] - raw @ mu, abs=3e-3)


def test_confidence_is_the_logistic_of_bias_plus_weighted_features() -> None:
    """_confidence = 1 / (1 + exp(-(bias + sum w_n f_n))), only the named features."""
    w = {"bias": -1.0, "u": 2.0, "v": -0.5, "ignored": 100.0}
    f = {"u": 1.5, "v": 2.0, "ignored": 1.0}
    assert fit._confidence(f, w, ("u", "v")) == pytest.approx(1 / (1 + np.exp(-1.0)))
    assert fit._confidence(f, {**w, "bias": 1.0}, ("u", "v")) == pytest.approx(
        1 / (1 + np.exp(-3.0)))


def test_evaluate_threshold_boundaries_and_one_detection_per_truth() -> None:
    """A score equal to the threshold counts; an onset exactly 0.3 s off is a hit; one
    detection between two true onsets takes only one of them and leaves the other to a
    later detection; precision and recall are tp / detections and tp / truths."""
    base = {"call": 0, "cond": "mono16", "method": "clustering", "by": "agent",
            "of": "customer"}
    truth = {(0, "mono16", "clustering"): (0, [(500, "agent", "customer"),
                                               (520, "agent", "customer"),
                                               (900, "agent", "customer")]),
             (1, "mono16", "clustering"): (0, [(100, "agent", "customer")])}
    rows = [(base, {"onset": 510}, 0.85),  # at the threshold, near two truths: takes one
            (base, {"onset": 545}, 0.9),  # near 520 only: takes it
            (base, {"onset": 870}, 0.99),  # exactly 30 hops early: a hit
            (base, {"onset": 2000}, 0.9)]  # nothing there
    ev = fit._evaluate(rows, truth, 0.85)
    assert (ev["tp"], ev["n_det"]) == (3, 4)
    assert ev["pooled_precision"] == pytest.approx(3 / 4)
    assert ev["recall"] == pytest.approx(3 / 4)
    assert ev["per_condition"] == {"mono16 clustering": "3/4 = 0.75 prec, rec 0.75"}


def test_truth_and_jumps_read_the_cache_in_hops_with_the_right_parties(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached call's true onsets become 10 ms hop indices for both methods; a jump from
    cluster a to cluster b is "b interrupts a", named by which cluster is the agent."""
    import json

    from voicecoach.config import load_config
    from voicecoach.conversation import mono_overlap as mo

    cfg = load_config()
    truth = [{"start_s": 5.0, "by": "customer", "of": "agent"},
             {"start_s": 12.34, "by": "agent", "of": "customer"}]
    common = {"ceps": np.zeros((10, 2), np.float32), "level": np.zeros(10),
              "truth": json.dumps(truth), "pair": "p-q"}
    np.savez_compressed(tmp_path / "call003_mono8.npz", **common,
                        labels_profile=np.zeros(10, int), agent_profile=1)
    got = fit._truth_by_group(tmp_path, cfg)
    want = [(500, "customer", "agent"), (1234, "agent", "customer")]
    assert got == {(3, "mono8", "profile"): (0, want), (3, "mono8", "clustering"): (0, want)}

    def fake_switches(labels, ceps, level, cfg, keep, aperiodicity):
        return [{"a": 0, "b": 1}, {"a": 1, "b": 0}]

    monkeypatch.setattr(mo, "switch_features", fake_switches)
    js = fit._jumps(tmp_path, cfg)
    assert [(j["call"], j["cond"], j["method"], j["narrowband"]) for j in js] == [
        (3, "mono8", "profile", 1.0)] * 2  # no clustering labels cached
    # cluster 1 is the agent: a jump 0 -> 1 is the agent interrupting the customer
    assert [(j["by"], j["of"], j["truth_hops"]) for j in js] == [
        ("agent", "customer", [1234]), ("customer", "agent", [500])]


def test_nested_cv_never_fits_on_the_calls_it_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outer folds hold calls out of the onset fit that scores them; the event score's
    training onsets come from inner fits that did not see their call; by pair, the folds
    are the four dev voice pairs (call i is pair i % 4)."""
    from voicecoach.config import load_config

    cfg = load_config()
    rng = np.random.default_rng(5)
    jumps = [_jump(rng, c, int(rng.integers(130, 280))) for c in range(8) for _ in range(2)]
    fits: list[tuple[dict, set[int]]] = []
    real_fit = fit.fit_onset

    def spy(js, names, l2=1.0):
        w = real_fit(js, names, l2)
        fits.append((w, {j["call"] for j in js}))
        return w

    applied: list[tuple[int, set[int]]] = []
    real_apply = fit._apply_onset

    def spy_apply(j, w, cfg):
        applied.append((j["call"], next(seen for v, seen in fits if v is w)))
        return real_apply(j, w, cfg)

    monkeypatch.setattr(fit, "fit_onset", spy)
    monkeypatch.setattr(fit, "_apply_onset", spy_apply)
    names, ev_names = ("r_step25",), ("onset_mass",)
    for by_pair, folds in ((False, 4), (True, 4)):
        fits.clear()
        applied.clear()
        res = fit.nested_cv(jumps, {}, cfg, folds, names, ev_names, 0.5, by_pair=by_pair)
        assert len(res["rows"]) == len(jumps)  # every jump scored once, held out
        assert all(call not in seen for call, seen in applied)
        # each jump gets one inner (training) onset per outer fold it trains in, + one test
        assert len(applied) == len(jumps) * folds
        outer = [s for _, s in fits if len(s) == 6]
        assert len(outer) == folds
        if by_pair:
            assert sorted(sorted(set(range(8)) - s) for s in outer) == [[0, 4], [1, 5],
                                                                         [2, 6], [3, 7]]
