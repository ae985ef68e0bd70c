"""Fit the mono interruption detector's onset model and event score on dev (issue #13).

Two steps, both on the dev split of :mod:`benchmarks.mono_calls` only (the test split is
never read here):

``cache``
    builds ``--calls`` dev calls (the benchmark's dev pairs and seeds, ``--calls 47`` as
    the shipped weights), mixes each into one channel at 16 kHz and as an 8 kHz telephone
    channel, and stores per call and condition what the detector sees (the voice features,
    the per-hop level, the attribution with the agent's profile and by clustering) and the
    truth's interruptions, one ``.npz`` per call and condition under ``--cache DIR``.
``fit``
    nested cross-validation by call (``--folds`` outer folds; calls, not jumps, are held
    out): in every outer fold the onset model (the conditional logit over candidate hops of
    :func:`voicecoach.conversation.mono_overlap.onset_candidates`) is fitted on the
    training calls, the event score is fitted on the training calls' jumps with onsets from
    *inner* folds (as on a new call), and the held-out calls are scored at the detector's
    threshold with the benchmark's strict rule (onset within 0.3 s, by/of right, one-to-one).
    Prints the pooled precision / recall and the onsets' accuracy per condition, and with
    ``--final`` the weights fitted on all the calls (TOML lines for ``[mono]``).

Command line::

    python -m benchmarks.mono_onset_fit cache --cache DIR [--calls 47]
    python -m benchmarks.mono_onset_fit fit --cache DIR [--folds 8] [--final] [--set k=v]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.config import Config, load_config

__all__ = ["build_cache", "fit_event", "fit_onset", "main"]

MATCH_HOPS = 30
"""The benchmark's 0.3 s match window, in 10 ms hops."""


def _log(msg: str) -> None:
    print(f"[mono_onset_fit] {msg}", file=sys.stderr, flush=True)


def build_cache(folder: Path, n_calls: int, config: Config | None = None) -> None:
    """Store the detector's inputs for ``n_calls`` dev calls at both rates (see the notes)."""
    from voicecoach.baseline import calibrate_array
    from voicecoach.conversation.diarize import diarize
    from voicecoach.review.mono import scan_arrays

    from . import mono_calls as mc
    from .realcalls import SR, assemble_call

    cfg = config or load_config()
    dcfg = cfg.replace(mono={"voices": "detect"})  # fitted on the calls the detector finds
    truth_cfg = load_config().conversation
    folder.mkdir(parents=True, exist_ok=True)
    vs = mc.voices("dev")
    pairs = mc.MONO_SPLITS["dev"]
    names = sorted({p for pair in pairs for p in pair})
    call_voice, profiles = {}, {}
    for nm in names:
        call_voice[nm], cal = mc.split_voice(vs[nm])
        try:
            profiles[nm] = calibrate_array(cal, SR, cfg, name=nm, source=f"{nm} calibration")
        except ValueError:
            profiles[nm] = None
    for i in range(n_calls):
        a, c = pairs[i % len(pairs)]
        done = [folder / f"call{i:03d}_{cond}.npz" for cond in mc.CONDITIONS]
        if all(p.exists() for p in done):
            continue
        for seed in range(100 + i, 10_000, 1000):  # as benchmarks.mono_calls.run
            try:
                call = assemble_call(call_voice[a], call_voice[c], seed, duration_s=60.0,
                                     min_overlap_s=truth_cfg.min_overlap_s,
                                     turn_end_s=truth_cfg.turn_end_s)
                break
            except ValueError:
                continue
        ints = [e for e in call.truth if e["kind"] == "interruption"]
        for cond, path in zip(mc.CONDITIONS, done, strict=True):
            x = mc.mono_of(call, cond, i)
            ceps, speech, f0, level, aper = scan_arrays(mc._blocks(x), cfg)
            arrays: dict[str, Any] = {"ceps": ceps.astype(np.float32), "level": level,
                                      "speech": speech, "f0": f0, "aper": aper}
            prof = profiles[a]
            if prof is not None and prof.voice is not None:
                dp = diarize(ceps, speech, f0, dcfg, agent_model=prof.voice)
                if dp.two_voices and dp.agent is not None:
                    arrays["labels_profile"] = dp.labels
                    arrays["agent_profile"] = dp.agent
            dc = diarize(ceps, speech, f0, dcfg, agent_first=True)
            if dc.two_voices and dc.agent is not None:
                arrays["labels_clustering"] = dc.labels
                arrays["agent_clustering"] = dc.agent
            arrays["truth"] = json.dumps([{k: e[k] for k in ("start_s", "by", "of")}
                                          for e in ints])
            arrays["pair"] = f"{a}-{c}"
            np.savez_compressed(path, **arrays)
            _log(f"call {i} {cond} {a}-{c}: {len(ints)} interruptions, methods "
                 f"{[k for k in arrays if k.startswith('labels_')]}")


# --------------------------------------------------------------------------- fitting data


def _jumps(folder: Path, cfg: Config) -> list[dict[str, Any]]:
    """Every jump of every cached call/condition/method with its candidate features, its
    event features at the candidate level, and the truth."""
    from voicecoach.conversation import mono_overlap as mo

    out = []
    for path in sorted(folder.glob("call*_mono*.npz")):
        z = np.load(path, allow_pickle=False)
        call = int(path.stem[4:7])
        cond = path.stem.split("_")[1]
        truth = json.loads(str(z["truth"]))
        for method in ("profile", "clustering"):
            if f"labels_{method}" not in z:
                continue
            labels = z[f"labels_{method}"]
            agent = int(z[f"agent_{method}"])
            names = ("agent", "customer") if agent == 0 else ("customer", "agent")
            aper = z.get("aper")
            for f in mo.switch_features(labels, z["ceps"], z["level"], cfg, keep=True,
                                        aperiodicity=aper):
                by, of = names[f["b"]], names[f["a"]]
                ons = [round(e["start_s"] / cfg.analysis.hop_s) for e in truth
                       if (e["by"], e["of"]) == (by, of)]
                out.append({"call": call, "pair": str(z["pair"]), "cond": cond,
                            "narrowband": float(cond == "mono8"),
                            "method": method,
                            "by": by, "of": of, "truth_hops": ons, **f})
    return out


def _onset_target(j: dict[str, Any]) -> np.ndarray | None:
    """Candidates within 0.3 s of a true onset by B of A (None when none is in reach)."""
    ts = j["cand_t"]
    if len(ts) == 0 or not j["truth_hops"]:
        return None
    ok = np.zeros(len(ts), bool)
    for h in j["truth_hops"]:
        ok |= np.abs(ts - h) <= MATCH_HOPS
    return ok if ok.any() else None


def fit_onset(jumps: list[dict[str, Any]], names: tuple[str, ...], l2: float = 1.0
              ) -> dict[str, float]:
    """Conditional logit over each jump's candidates maximising the log posterior mass
    within 0.3 s of the true onset (jumps with a true onset in reach only)."""
    from scipy.optimize import minimize

    from voicecoach.conversation.mono_overlap import ONSET_FEATURES

    idx = [ONSET_FEATURES.index(n) for n in names]
    data = []
    for j in jumps:
        ok = _onset_target(j)
        if ok is not None:
            data.append((j["cand_x"][:, idx], ok))
    d = len(names)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        tot, g = 0.5 * l2 * float(w @ w), l2 * w.copy()
        for x, ok in data:
            z = x @ w
            z = z - z.max()
            e = np.exp(z)
            p = e / e.sum()
            m = p[ok].sum() + 1e-12
            tot -= float(np.log(m))
            q = np.where(ok, p, 0.0) / m
            g -= (q - p) @ x
        return tot / len(data), g / len(data)

    w0 = np.zeros(d)
    r = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return {k: round(float(v), 4) for k, v in zip(names, r.x, strict=True)}


def fit_event(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], l2: float = 1.0
              ) -> dict[str, float]:
    """L2 logistic regression on standardized features, returned as raw-feature weights."""
    from scipy.optimize import minimize

    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mu) / sd
    xs = np.column_stack([np.ones(len(xs)), xs])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xs @ w
        p = 1 / (1 + np.exp(-np.clip(z, -50, 50)))
        ll = -np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        reg = 0.5 * l2 * float(w[1:] @ w[1:])
        g = xs.T @ (p - y)
        g[1:] += l2 * w[1:]
        return (ll + reg) / len(y), g / len(y)

    r = minimize(loss, np.zeros(xs.shape[1]), jac=True, method="L-BFGS-B",
                 options={"maxiter": 500})
    w = r.x[1:] / sd
    bias = r.x[0] - float(w @ mu)
    return {"bias": round(float(bias), 4),
            **{k: round(float(v), 4) for k, v in zip(names, w, strict=True)}}


def _apply_onset(j: dict[str, Any], w: dict[str, float], cfg: Config) -> dict[str, Any]:
    """The jump's event features with the onset chosen by onset weights ``w``."""
    from voicecoach.conversation import mono_overlap as mo

    return mo.finish_switch(j, w, cfg.analysis.hop_s)


def _confidence(f: dict[str, Any], w: dict[str, float], names: tuple[str, ...]) -> float:
    z = w["bias"] + sum(w[n] * float(f[n]) for n in names)
    return 1.0 / (1.0 + float(np.exp(-np.clip(z, -50, 50))))


def _strict(j: dict[str, Any], onset: int) -> bool:
    return any(abs(onset - h) <= MATCH_HOPS for h in j["truth_hops"])


def _evaluate(rows: list[tuple[dict[str, Any], dict[str, Any], float]], truth_n: dict,
              thr: float) -> dict[str, Any]:
    per: dict[str, list[int]] = {}
    groups: dict[tuple, list] = {}
    for j, f, p in rows:
        if p >= thr:
            groups.setdefault((j["call"], j["cond"], j["method"]), []).append((j, f))
    for key, n_truth in truth_n.items():
        det = groups.get(key, [])
        truth = n_truth[1]
        pairs = sorted((abs(f["onset"] - h), i, k) for k, (j, f) in enumerate(det)
                       for i, (h, by, of) in enumerate(truth)
                       if abs(f["onset"] - h) <= MATCH_HOPS and (j["by"], j["of"]) == (by, of))
        ur, ud = set(), set()
        for _, i, k in pairs:
            if i not in ur and k not in ud:
                ur.add(i)
                ud.add(k)
        c = per.setdefault(f"{key[1]} {key[2]}", [0, 0, 0])
        c[0] += len(det)
        c[1] += len(ud)
        c[2] += len(truth)
    tot = [sum(v[i] for v in per.values()) for i in range(3)]
    fmt = {k: f"{v[1]}/{v[0]} = {v[1] / max(v[0], 1):.2f} prec, rec {v[1] / max(v[2], 1):.2f}"
           for k, v in sorted(per.items())}
    return {"pooled_precision": tot[1] / max(tot[0], 1), "tp": tot[1], "n_det": tot[0],
            "recall": tot[1] / max(tot[2], 1), "per_condition": fmt}


def _truth_by_group(folder: Path, cfg: Config) -> dict[tuple, tuple[int, list]]:
    """The true interruptions (hop, by, of) per call, condition and method, on every call
    (as the benchmark: a call found to hold one voice misses them all; every dev agent has
    a profile)."""
    out = {}
    for path in sorted(folder.glob("call*_mono*.npz")):
        z = np.load(path, allow_pickle=False)
        call = int(path.stem[4:7])
        cond = path.stem.split("_")[1]
        truth = json.loads(str(z["truth"]))
        for method in ("profile", "clustering"):
            out[(call, cond, method)] = (0, [(round(e["start_s"] / cfg.analysis.hop_s),
                                              e["by"], e["of"]) for e in truth])
    return out


def nested_cv(jumps: list[dict[str, Any]], truth_n: dict, cfg: Config, folds: int,
              onset_names: tuple[str, ...], event_names: tuple[str, ...], thr: float,
              l2_onset: float = 1.0, l2_event: float = 1.0, by_pair: bool = False
              ) -> dict[str, Any]:
    """Outer folds by call (``by_pair``: one fold per voice pair, the held-out calls' voices
    pairing unseen in training, closer to test's new voices); inside each, the event score
    is trained on the training calls' jumps with onsets from inner folds."""
    calls = sorted({j["call"] for j in jumps} | {k[0] for k in truth_n})
    fold_of = {c: i % folds for i, c in enumerate(calls)}
    if by_pair:
        from .mono_calls import MONO_SPLITS

        pairs = MONO_SPLITS["dev"]  # call i is pairs[i % 4], as in the benchmark
        folds = len(pairs)
        fold_of = {c: c % folds for c in calls}
    rows = []
    onset_hits = {}
    for k in range(folds):
        train = [j for j in jumps if fold_of[j["call"]] != k]
        test = [j for j in jumps if fold_of[j["call"]] == k]
        w_on = fit_onset(train, onset_names, l2_onset)
        # inner: out-of-fold onsets for the training jumps
        inner_feats = []
        tr_calls = sorted({j["call"] for j in train})
        inner_of = {c: i % (folds - 1) for i, c in enumerate(tr_calls)}
        if by_pair:
            tr_folds = sorted({fold_of[c] for c in tr_calls})
            inner_of = {c: tr_folds.index(fold_of[c]) for c in tr_calls}
        for m in range(folds - 1):
            w_in = fit_onset([j for j in train if inner_of[j["call"]] != m], onset_names,
                             l2_onset)
            for j in train:
                if inner_of[j["call"]] == m:
                    f = _apply_onset(j, w_in, cfg)
                    inner_feats.append((j, f))
        x = np.array([[f[n] for n in event_names] for _, f in inner_feats])
        y = np.array([float(_strict(j, f["onset"])) for j, f in inner_feats])
        w_ev = fit_event(x, y, event_names, l2_event)
        for j in test:
            f = _apply_onset(j, w_on, cfg)
            rows.append((j, f, _confidence(f, w_ev, event_names)))
            if _onset_target(j) is not None:
                key = j["cond"]
                h = onset_hits.setdefault(key, [0, 0])
                h[0] += _strict(j, f["onset"])
                h[1] += 1
    return {"rows": rows, "onset_within_0.3s": {k: f"{a}/{b} = {a / b:.3f}"
                                                 for k, (a, b) in sorted(onset_hits.items())}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mono_onset_fit",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("step", choices=("cache", "fit"))
    p.add_argument("--cache", required=True, type=Path)
    p.add_argument("--calls", type=int, default=47)
    p.add_argument("--folds", type=int, default=8)
    p.add_argument("--threshold", type=float, default=None)
    p.add_argument("--l2-onset", type=float, default=1.0)
    p.add_argument("--l2-event", type=float, default=1.0)
    p.add_argument("--narrowband", action="store_true",
                   help="the event score also knows whether the call is narrowband")
    p.add_argument("--verbose", action="store_true", help="per condition at every threshold")
    p.add_argument("--by-pair", action="store_true",
                   help="outer and inner folds by voice pair instead of by call")
    p.add_argument("--final", action="store_true",
                   help="also fit on all the calls and print the [mono] weights")
    p.add_argument("--onset-features", default="",
                   help="comma-separated onset features (default: the shipped weights' keys)")
    p.add_argument("--drop-event", default="", help="comma-separated event features left out")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    a = p.parse_args(argv)
    from voicecoach.conversation import mono_overlap as mo

    from .realcalls import parse_overrides

    cfg = load_config(None, parse_overrides(a.set))
    if a.step == "cache":
        build_cache(a.cache, a.calls, cfg)
        return 0
    thr = cfg.mono.interruption_min_confidence if a.threshold is None else a.threshold
    jumps = _jumps(a.cache, cfg)
    truth_n = _truth_by_group(a.cache, cfg)
    onset_names = tuple(a.onset_features.split(",")) if a.onset_features else tuple(
        cfg.mono.interruption_onset_weights)
    if a.onset_features.startswith("+"):
        onset_names = (*cfg.mono.interruption_onset_weights, *a.onset_features[1:].split(","))
    drop = set(a.drop_event.split(",")) - {""}
    event_names = tuple(n for n in mo.FEATURES if n not in drop)
    if a.narrowband:
        event_names += ("narrowband",)
    _log(f"onset features: {onset_names}")
    _log(f"{len(jumps)} jumps, {sum(_onset_target(j) is not None for j in jumps)} with a true "
         f"onset in reach")
    res = nested_cv(jumps, truth_n, cfg, a.folds, onset_names, event_names, thr, a.l2_onset,
                    a.l2_event, a.by_pair)
    print("onsets within 0.3 s (outer folds):", res["onset_within_0.3s"])
    for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        ev = _evaluate(res["rows"], truth_n, t)
        print(f"score >= {t}: pooled precision {ev['pooled_precision']:.3f} "
              f"({ev['tp']}/{ev['n_det']}), recall {ev['recall']:.3f}")
        if abs(t - thr) < 1e-9 or a.verbose:
            for k, v in ev["per_condition"].items():
                print(f"    {k}: {v}")
    if a.final:
        w_on = fit_onset(jumps, onset_names, a.l2_onset)
        calls = sorted({j["call"] for j in jumps})
        of = {c: i % a.folds for i, c in enumerate(calls)}
        feats = []
        for m in range(a.folds):
            w_in = fit_onset([j for j in jumps if of[j["call"]] != m], onset_names, a.l2_onset)
            feats += [(j, _apply_onset(j, w_in, cfg)) for j in jumps if of[j["call"]] == m]
        x = np.array([[f[n] for n in event_names] for _, f in feats])
        y = np.array([float(_strict(j, f["onset"])) for j, f in feats])
        w_ev = fit_event(x, y, event_names, a.l2_event)
        print("interruption_onset_weights = {"
              + ", ".join(f"{k} = {v}" for k, v in w_on.items()) + " }")
        print("interruption_weights = {" + ", ".join(f"{k} = {v}" for k, v in w_ev.items())
              + " }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
