"""Candidate pace measures on the coach benchmark's real voices (measurement notes, issue #11).

``python -m benchmarks.pace_candidates [--split dev|test] [--cache DIR] [--out FILE.json]
[--seeds 11-40] [--rule] [--config FILE.toml]``

Offline and vectorised (a measuring bench, not the streaming product code): each candidate
maps a stream's :class:`~voicecoach.analysis.Features` rows to one absolute tempo value per
speech hop (NaN elsewhere), from the rows only (hop loudness, speech, nuclei), so the
analysis rows of :mod:`benchmarks.coach_bench` are reused through its cache. The streams are
the coach benchmark's: per voice, 45 s of calm lines calibrate (the reference is the
candidate's median there, its calm excursion the p95 of its % delta there), other calm
lines are reviewed, and after 20 s of them the same held-out lines follow unmodified
(``same``), sped up x1.08 and x1.25 (cached PSOLA output).

Reported per voice and candidate, in % against the calibration median:

* ``cal_p95``: the calm excursion the personal threshold is built on;
* ``calm_p99``, ``calm_max``: the held-out calm speech;
* ``same_steady``, ``x108_steady``, ``x125_steady``: the median from 10 s after the switch
  (window refilled); ``x125_over_same`` and ``x108_over_same`` (ratios, %): the candidate's
  own response to a uniform speed-up of the very same lines (+25 and +8 for an unbiased one);
* ``same_4_6s``, ``x125_4_6s``: the median 4-6 s after the switch, what a rule sees at the
  6 s deadline.

Candidates (windows in seconds of speech, or in intervals):

* ``interval40`` / ``interval20`` (with ``--rule`` also 30, 50, 60): the shipped tempo
  (``1 / trimmed mean`` of the last 40 or 20 intervals between the core's syllable nuclei
  within speech runs, at most 0.6 s, 25 % trimmed at each end);
* ``modspec_shift``: the log-frequency shift (1/24 octave steps, ±1/2 octave, parabolic
  refinement) that best matches the speech-only loudness envelope's modulation spectrum
  (Welch, 2 s Hann segments, 6 s of speech, 1-16 Hz, smoothed over ±1/3 octave) to the
  calibration's: a uniform speed-up is a pure shift, so it is unbiased in principle;
* ``variogram_shift``: the lag scale that best maps the envelope's variogram
  ``D(tau) = mean (L[t + tau] - L[t])**2`` (pairs within one run of speech, 10-120 ms,
  5 s of speech) onto the calibration's, with a free gain;
* ``centroid``: the log-frequency centroid of the envelope's modulation spectrum
  (2-10 Hz, 5 s of speech).

* ``split40``: ``interval40`` where an interval at least 1.5 times the window's median
  interval counts as ``round(interval / median)`` syllables (a merged pair of nuclei as two);
* ``voiced_rate``: nuclei per voiced second over the last 4 s of voiced speech hops (PSOLA
  shortens voiced time exactly: 1.24-1.30 times fewer voiced hops at x1.25).

The envelope is the hop level in dB, floored 30 dB under its median over the stream (an
offline simplification: a live version would need a running level).

``--seeds A-B`` replays other calibration / review shuffles of the lines (as
``coach_bench --seed``). ``--rule`` also runs the shipped coach's ``rate_high`` rule on each
candidate (:func:`rule_replay`: the candidate's calibration median, calm excursion, drift and
measured seconds go into the profile exactly as :func:`~voicecoach.baseline.calibration.
profile_from_features` computes them for the shipped tempo; the coach's personal threshold,
verdicts, sustain and hysteresis then decide) and prints, pooled over voices and seeds: calm
``rate_high`` nudges (and per 10 min), x1.08 streams without any ``rate_high``, x1.25 streams
with one within 6 s (none before the switch), within 10 s, and the median delay (a miss
counts as infinite). ``--config`` changes the rule (floor, margin, cap, sustain).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from voicecoach.analysis import Features
from voicecoach.config import Config, load_config

from . import coach_bench as cb

Measure = Callable[[Features], np.ndarray]

HOP_S = 0.01
_NFFT = 512
_GRID = np.arange(-1.0, 5.0 + 1e-9, 1 / 24)  # log2 Hz, 0.5-32 Hz in 1/24 octave
_CORE = (24, 121)  # 1-16 Hz on _GRID


def _carry(rows: Features, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per hop: the value set at the last hop of ``at`` at or before it; NaN off speech."""
    v = np.full(len(rows), np.nan)
    v[at] = values
    idx = np.where(np.isfinite(v), np.arange(v.shape[0]), -1)
    last = np.maximum.accumulate(idx)
    out = np.where(last >= 0, v[np.maximum(last, 0)], np.nan)
    return np.where(np.asarray(rows.speech, bool), out, np.nan)


def interval_tempo(rows: Features, size: int, trim: float = 0.25, max_hops: int = 60) -> np.ndarray:
    """The shipped tempo (see ``voicecoach.baseline.rolling._IntervalRate``), offline."""
    sp = np.asarray(rows.speech, bool)
    nuc = np.flatnonzero(np.asarray(rows.nucleus, bool) & sp)
    pauses = np.concatenate([[0], np.cumsum(~sp)])
    iv = np.diff(nuc)
    ok = (pauses[nuc[1:]] == pauses[nuc[:-1]]) & (iv <= max_hops)
    ivs, at = iv[ok], nuc[1:][ok]
    if ivs.shape[0] < size:
        return np.full(len(rows), np.nan)
    win = np.sort(sliding_window_view(ivs, size), axis=1)
    cut = math.floor(trim * size)
    mid = win[:, cut : size - cut]
    return _carry(rows, at[size - 1 :], mid.shape[1] / (mid.sum(1) * HOP_S))


def _envelope(rows: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(speech hop indices, floored dB envelope of speech hops, run id of each)."""
    idx = np.flatnonzero(np.asarray(rows.speech, bool))
    lv = np.asarray(rows.loudness_db, np.float64)[idx]
    if lv.size:
        lv = np.maximum(lv, np.median(lv) - 30.0)
    run = np.cumsum(np.concatenate([[1], np.diff(idx) != 1])) if idx.size else idx
    return idx, lv, run


def _band_log_power(p: np.ndarray) -> np.ndarray:
    f = np.log2(np.clip(np.fft.rfftfreq(_NFFT, HOP_S), 1e-3, None))
    out = np.zeros((p.shape[0], _GRID.shape[0]))
    for i, g in enumerate(_GRID):
        m = np.abs(f - g) <= 1 / 3
        if m.any():
            out[:, i] = np.log(p[:, m].mean(1) + 1e-12)
    return out


def _welch(lv: np.ndarray, seg: int = 200) -> tuple[np.ndarray, np.ndarray]:
    win = sliding_window_view(lv, seg)[:: seg // 2]
    x = (win - win.mean(1, keepdims=True)) * np.hanning(seg)
    ends = np.arange(seg - 1, lv.shape[0])[:: seg // 2]
    return np.abs(np.fft.rfft(x, _NFFT, axis=1)) ** 2, ends


def _best_shift(cur: np.ndarray, tmpl: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Per row of ``cur`` (log spectra on ``_GRID``): the shift, in grid steps, best matching
    ``tmpl`` shifted (least squares after removing each one's mean), parabola-refined."""
    lo, hi = _CORE
    a = cur[:, lo:hi] - cur[:, lo:hi].mean(1, keepdims=True)
    costs = []
    for s in shifts.tolist():
        b = tmpl[lo - s : hi - s]
        costs.append(((a - (b - b.mean())) ** 2).mean(1))
    c = np.stack(costs, 1)
    j = np.clip(np.argmin(c, 1), 1, shifts.shape[0] - 2)
    r = np.arange(j.shape[0])
    c0, c1, c2 = c[r, j - 1], c[r, j], c[r, j + 1]
    den = c0 - 2 * c1 + c2
    off = np.where(den > 0, 0.5 * (c0 - c2) / np.where(den > 0, den, 1.0), 0.0)
    return shifts[j] + np.clip(off, -1.0, 1.0)


def modspec_shift(cal: Features, n_seg: int = 5) -> Measure:
    """``modspec_shift`` against ``cal``'s modulation spectrum (see the module notes)."""
    _, lv, _ = _envelope(cal)
    p, _ = _welch(lv)
    tmpl = _band_log_power(p.mean(0, keepdims=True))[0]
    shifts = np.arange(-12, 13)

    def measure(rows: Features) -> np.ndarray:
        idx, lv, _ = _envelope(rows)
        if lv.shape[0] < 200 * (n_seg + 1) // 2:
            return np.full(len(rows), np.nan)
        p, ends = _welch(lv)
        if p.shape[0] < n_seg:
            return np.full(len(rows), np.nan)
        c = np.cumsum(np.concatenate([np.zeros((1, p.shape[1])), p]), 0)
        pm = (c[n_seg:] - c[:-n_seg]) / n_seg
        ratio = 2.0 ** (_best_shift(_band_log_power(pm), tmpl, shifts) / 24.0)
        return _carry(rows, idx[ends[n_seg - 1 :]], 5.0 * ratio)

    return measure


def _variograms(rows: Features, size: int, max_lag: int, step: int = 5) -> tuple[np.ndarray, ...]:
    idx, lv, run = _envelope(rows)
    n = lv.shape[0]
    ends = np.arange(size - 1, n, step)
    d = np.zeros((ends.shape[0], max_lag + 1))
    for t in range(1, max_lag + 1):
        same = run[t:] == run[:-t]
        sq = np.zeros(n)
        ok = np.zeros(n)
        sq[:-t] = np.where(same, (lv[t:] - lv[:-t]) ** 2, 0.0)
        ok[:-t] = same
        cs = np.concatenate([[0.0], np.cumsum(sq)])
        co = np.concatenate([[0.0], np.cumsum(ok)])
        a, b = ends - size + 1, ends - t + 1
        d[:, t] = (cs[b] - cs[a]) / np.maximum(co[b] - co[a], 1.0)
    return idx, ends, d


def variogram_shift(cal: Features, size: int = 500, lags: tuple[int, int] = (1, 12)) -> Measure:
    """``variogram_shift`` against ``cal``'s pooled variogram (see the module notes)."""
    _, lv, run = _envelope(cal)
    tmpl = np.zeros(41)
    for t in range(1, 41):
        same = run[t:] == run[:-t]
        tmpl[t] = np.mean((lv[t:] - lv[:-t])[same] ** 2)
    lag = np.arange(lags[0], lags[1] + 1, dtype=np.float64)
    scales = np.exp(np.linspace(math.log(0.55), math.log(1.8), 241))
    xc, lc = np.log(np.arange(1, 41)), np.log(np.maximum(tmpl[1:], 1e-6))
    pred = np.stack([np.interp(np.log(r * lag), xc, lc) for r in scales])
    pred -= pred.mean(1, keepdims=True)

    def measure(rows: Features) -> np.ndarray:
        idx, ends, d = _variograms(rows, size, lags[1])
        if not ends.size:
            return np.full(len(rows), np.nan)
        y = np.log(np.maximum(d[:, lags[0] : lags[1] + 1], 1e-6))
        y -= y.mean(1, keepdims=True)
        cost = ((y[:, None, :] - pred[None, :, :]) ** 2).sum(2)
        return _carry(rows, idx[ends], 5.0 * scales[np.argmin(cost, 1)])

    return measure


def centroid(
    rows: Features, size: int = 500, band_hz: tuple[float, float] = (2.0, 10.0)
) -> np.ndarray:
    """``centroid``: 2 ** (log2-frequency centroid of the envelope's modulation power)."""
    idx, lv, _ = _envelope(rows)
    if lv.shape[0] < size:
        return np.full(len(rows), np.nan)
    win = sliding_window_view(lv, size)[::5]
    ends = np.arange(size - 1, lv.shape[0])[::5]
    x = (win - win.mean(1, keepdims=True)) * np.hanning(size)
    nfft = 1 << math.ceil(math.log2(2 * size))
    p = np.abs(np.fft.rfft(x, nfft, axis=1)) ** 2
    f = np.fft.rfftfreq(nfft, HOP_S)
    m = (f >= band_hz[0]) & (f <= band_hz[1])
    w = p[:, m] * f[m]
    c = (w * np.log2(f[m])).sum(1) / w.sum(1)
    return _carry(rows, idx[ends], 2.0**c)


def split_tempo(
    rows: Features, size: int = 40, trim: float = 0.25, max_hops: int = 60, ratio: float = 1.5
) -> np.ndarray:
    """``split40``: the interval tempo with merged nuclei counted back (see the module notes).

    In each window of ``size`` intervals, an interval at least ``ratio`` times the window's
    median holds ``k = round(interval / median)`` syllables; the ``trim`` fraction of the
    shortest and longest per-syllable intervals (``interval / k``) is left out and the rate
    is ``sum(k) / sum(interval)`` over the rest.
    """
    sp = np.asarray(rows.speech, bool)
    nuc = np.flatnonzero(np.asarray(rows.nucleus, bool) & sp)
    pauses = np.concatenate([[0], np.cumsum(~sp)])
    iv = np.diff(nuc)
    ok = (pauses[nuc[1:]] == pauses[nuc[:-1]]) & (iv <= max_hops)
    ivs, at = iv[ok].astype(np.float64), nuc[1:][ok]
    if ivs.shape[0] < size:
        return np.full(len(rows), np.nan)
    win = sliding_window_view(ivs, size)
    med = np.median(win, 1, keepdims=True)
    k = np.where(win >= ratio * med, np.round(win / med), 1.0)
    order = np.argsort(win / k, 1)
    cut = math.floor(trim * size)
    sel = order[:, cut : size - cut]
    ks, ws = np.take_along_axis(k, sel, 1), np.take_along_axis(win, sel, 1)
    return _carry(rows, at[size - 1 :], ks.sum(1) / (ws.sum(1) * HOP_S))


def voiced_rate(rows: Features, voiced_hops: int = 400) -> np.ndarray:
    """``voiced_rate``: nuclei per second of the last ``voiced_hops`` voiced speech hops."""
    sp = np.asarray(rows.speech, bool)
    vo = np.asarray(rows.voiced, bool) & sp
    n = sp.shape[0]
    cv = np.cumsum(vo)
    cn = np.cumsum(np.asarray(rows.nucleus, bool) & sp)
    vidx = np.flatnonzero(vo)
    k = cv - voiced_hops
    ok = k >= 1
    start = np.where(ok, vidx[np.maximum(k - 1, 0)] if vidx.size else 0, 0)
    out = np.full(n, np.nan)
    out[ok] = (cn - cn[start])[ok] / (voiced_hops * HOP_S)
    return np.where(sp, out, np.nan)


def rule_replay(
    streams: dict[str, Any], measure: Measure, config: Config
) -> dict[str, Any]:
    """The shipped ``rate_high`` rule on one candidate, for one voice and shuffle.

    The profile of the calibration rows (:func:`profile_from_features`) gets the candidate's
    ``rate_level_sps``, ``rate_calm_pct``, ``rate_drift_pct`` and ``rate_measured_s`` (the
    statistics the calibration computes for the shipped tempo); the coach then judges
    ``rate_delta_pct`` of each stream through :meth:`Coach.process_measures`.
    """
    import dataclasses

    from voicecoach.baseline import RelativeMeasures, profile_from_features
    from voicecoach.baseline.calibration import _level_stats
    from voicecoach.coach import Coach
    from voicecoach.events import final_events

    cal = streams["cal"]
    mc = measure(cal)
    mc = mc[np.isfinite(mc)]
    ref, calm, drift, measured = _level_stats(
        mc.astype(np.float64), config.baseline.calm_quantile, HOP_S, True
    )
    profile = dataclasses.replace(
        profile_from_features(cal, hop_s=HOP_S, name="pace", source="pace", config=config),
        rate_level_sps=ref, rate_calm_pct=calm, rate_drift_pct=drift, rate_measured_s=measured,
    )

    def starts(rows: Features) -> list[float]:
        coach = Coach(config, profile=profile)
        x = measure(rows)
        m = RelativeMeasures.from_arrays(
            rows.t_s, rate_delta_pct=100.0 * (x / ref - 1.0), speech=np.asarray(rows.speech)
        )
        out = coach.process_measures(m) + coach.finish()
        return [n.start_s for n in final_events(out) if n.rule == "rate_high"]

    calm_rows = streams["calm"]
    res: dict[str, Any] = {
        "threshold": round(Coach(config, profile=profile).personal_threshold("rate_high"), 2),
        "verdict": Coach(config, profile=profile).baseline_verdict("rate_high"),
        "calm_nudges": len(starts(calm_rows)),
        "calm_s": len(calm_rows) * HOP_S,
    }
    rows, sw = streams["x1.08"]
    res["x108_nudges"] = len(starts(rows))
    rows, sw = streams["x1.25"]
    s = starts(rows)
    post = [a - sw for a in s if a >= sw]
    res["x125_before"] = sum(a < sw for a in s)
    res["x125_delay_s"] = round(post[0], 2) if post else None
    return res


def pool_replay(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled figures of :func:`rule_replay` over voices and shuffles."""
    delays = [
        r["x125_delay_s"] if r["x125_delay_s"] is not None and not r["x125_before"] else math.inf
        for r in results
    ]
    calm = sum(r["calm_nudges"] for r in results)
    minutes = sum(r["calm_s"] for r in results) / 60.0
    return {
        "cases": len(results),
        "silent": sum(r["verdict"] is not None for r in results),
        "calm_nudges": calm,
        "calm_per_10_min": round(10.0 * calm / minutes, 2) if minutes else None,
        "x108_quiet": sum(r["x108_nudges"] == 0 for r in results),
        "x125_within_6s": sum(d <= 6.0 for d in delays),
        "x125_within_10s": sum(d <= 10.0 for d in delays),
        "x125_median_delay_s": float(np.median(delays)) if delays else None,
    }


def _streams(v: cb.Voice, config: Config, seed: int = 11) -> dict[str, Any]:
    """The coach benchmark's streams of one voice (the protocol of ``_voice_results``)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(v.calm))
    lines = [v.calm[i][1] for i in order]
    n_cal, acc = 0, 0.0
    while n_cal < len(lines) and acc < cb.CAL_S:
        acc += lines[n_cal].shape[0] / cb.SR
        n_cal += 1
    cal, held = lines[:n_cal], lines[n_cal:]
    keep, held_s = [], 0.0
    for y in held:
        if held_s >= cb.REVIEW_MAX_S:
            break
        keep.append(y)
        held_s += y.shape[0] / cb.SR
    held = keep
    cal_x, _ = cb._join(cal, rng, (0.3, 0.7))
    out: dict[str, Any] = {"cal": cb._rows(cal_x, config)}
    x, _ = cb._join(held, rng, (0.3, 0.7))
    out["calm"] = cb._rows(x, config)
    k, t = 0, 0.0
    while k < len(held) and t < cb.SWITCH_S:
        t += held[k].shape[0] / cb.SR
        k += 1
    before, after = held[:k], held[k : k + max(8, len(held) // 2)]
    for c in ("same", "x1.08", "x1.25"):
        mod, pause_f = (after, 1.0) if c == "same" else cb._modify(after, c)
        xa, _ = cb._join(before, np.random.default_rng(seed + 1), (0.3, 0.7))
        xb, _ = cb._join(mod, np.random.default_rng(seed + 2), (0.3 * pause_f, 0.7 * pause_f))
        out[c] = (cb._rows(cb._whole(np.concatenate([xa, xb])), config), xa.shape[0] / cb.SR)
    return out


def _median_pct(x: np.ndarray, t: np.ndarray, a: float, b: float) -> float | None:
    s = np.isfinite(x) & (t >= a) & (t < b)
    return round(float(np.median(x[s])), 1) if s.any() else None


def evaluate(streams: dict[str, Any], measure: Measure) -> dict[str, float | None]:
    """The figures of the module notes for one voice and one candidate."""
    mc = measure(streams["cal"])
    mc = mc[np.isfinite(mc)]
    if not mc.size:
        return {}
    ref = float(np.median(mc))
    res: dict[str, float | None] = {
        "cal_p95": round(float(np.quantile(100 * (mc / ref - 1), 0.95)), 1)
    }
    h = measure(streams["calm"])
    h = 100 * (h[np.isfinite(h)] / ref - 1)
    res["calm_p99"] = round(float(np.quantile(h, 0.99)), 1) if h.size else None
    res["calm_max"] = round(float(h.max()), 1) if h.size else None
    steady = {}
    for c, key in (("same", "same"), ("x1.08", "x108"), ("x1.25", "x125")):
        rows, sw = streams[c]
        x = 100 * (measure(rows) / ref - 1)
        steady[key] = _median_pct(x, rows.t_s, sw + 10.0, math.inf)
        res[f"{key}_steady"] = steady[key]
        if key != "x108":
            res[f"{key}_4_6s"] = _median_pct(x, rows.t_s, sw + 4.0, sw + 6.0)
    for key in ("x108", "x125"):
        a, b = steady["same"], steady[key]
        res[f"{key}_over_same"] = (
            None if a is None or b is None else round(100 * ((100 + b) / (100 + a) - 1), 1)
        )
    return res


def _candidates(s: dict[str, Any], with_spectral: bool = True) -> dict[str, Measure]:
    cands: dict[str, Measure] = {
        "interval40": lambda r: interval_tempo(r, 40),
        "interval20": lambda r: interval_tempo(r, 20),
        "split40": lambda r: split_tempo(r, 40),
        "voiced_rate": voiced_rate,
    }
    if not with_spectral:  # the rule replay: the window's length as well
        cands.update({f"interval{k}": functools.partial(interval_tempo, size=k)
                      for k in (30, 50, 60)})
    else:
        cands.update({
            "modspec_shift": modspec_shift(s["cal"]),
            "variogram_shift": variogram_shift(s["cal"]),
            "centroid": centroid,
        })
    return cands


def run(
    splits: tuple[str, ...],
    cache: Path | None,
    seeds: tuple[int, ...] = (11,),
    rule: bool = False,
    config: Config | None = None,
) -> dict[str, Any]:
    """All candidates on every voice of ``splits`` (and, with ``rule``, the pooled replay)."""
    config = config if config is not None else load_config()
    cb._CACHE[0] = cache
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    voices, _ = cb.load_voices(splits, config)
    out: dict[str, Any] = {}
    replays: dict[str, list[dict[str, Any]]] = {}
    for seed in seeds:
        for v in voices:
            if len(v.calm) < 4:
                continue
            s = _streams(v, config, seed)
            cands = _candidates(s, with_spectral=not rule)
            key = f"{v.name}/{v.split}" + ("" if len(seeds) == 1 else f"/{seed}")
            if not rule:
                out[key] = {n: evaluate(s, m) for n, m in cands.items()}
            else:
                for n, m in cands.items():
                    replays.setdefault(n, []).append(rule_replay(s, m, config))
            print(f"[pace_candidates] {key}", file=sys.stderr, flush=True)
    if rule:
        out["rule"] = {n: pool_replay(r) for n, r in replays.items()}
    return out


def _seeds(text: str) -> tuple[int, ...]:
    if "-" in text:
        a, b = text.split("-", 1)
        return tuple(range(int(a), int(b) + 1))
    return tuple(int(x) for x in text.split(","))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m benchmarks.pace_candidates``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pace_candidates", description=__doc__)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--cache", type=Path, default=None, help="the coach benchmark's cache folder")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON results here")
    ap.add_argument("--seeds", type=_seeds, default=(11,),
                    help="shuffles of the calm lines, e.g. 11-40 or 11,12 (default 11)")
    ap.add_argument("--rule", action="store_true",
                    help="replay the rate_high rule on the interval candidates (pooled)")
    ap.add_argument("--config", type=Path, default=None,
                    help="a TOML file overriding config/voicecoach.toml (the rule's settings)")
    args = ap.parse_args(argv)
    config = load_config(args.config) if args.config is not None else None
    res = run((args.split,), args.cache, args.seeds, args.rule, config)
    if args.out is not None:
        args.out.write_text(json.dumps(res, indent=1), encoding="utf-8")
    if args.rule:
        for name, r in res["rule"].items():
            print(f"{name:14s} " + " ".join(f"{k} {v}" for k, v in r.items()))
        return 0
    cols = ("cal_p95", "calm_p99", "calm_max", "x108_over_same", "x125_over_same",
            "same_4_6s", "x125_4_6s", "x125_steady")
    print(f"{'voice':14s} {'candidate':16s} " + " ".join(f"{c:>14s}" for c in cols))
    for voice, per in res.items():
        for name, r in per.items():
            cells = " ".join(
                f"{'-' if r.get(c) is None else format(r[c], '+.1f'):>14s}" for c in cols
            )
            print(f"{voice:14s} {name:16s} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
