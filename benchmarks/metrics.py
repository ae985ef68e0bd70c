"""Accuracy metrics and summary statistics of the benchmark suite (pure numpy, no I/O).

Conventions
-----------
* Pitch tracks are arrays of F0 in Hz with NaN (or 0) where unvoiced.
* Gross pitch error (GPE) is the percentage of frames that *both* trackers call voiced
  whose F0 differs by more than 20 % from the reference.
* Fine error is measured in cents (``1200 * log2(f / f_ref)``) on the both-voiced frames
  that are not gross errors.
* Frame-level F1 treats speech (or voicing) as the positive class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "GROSS_RATIO",
    "align_track",
    "binary_scores",
    "pitch_scores",
    "spread",
    "summarize",
]

#: Relative deviation beyond which a pitch estimate is a gross error.
GROSS_RATIO = 0.2


def _voiced(f0: np.ndarray) -> np.ndarray:
    f = np.asarray(f0, np.float64)
    return np.isfinite(f) & (f > 0)


def pitch_scores(
    f0_hz: np.ndarray, ref_f0_hz: np.ndarray, gross_ratio: float = GROSS_RATIO
) -> dict[str, float]:
    """Compare a pitch track with a reference on the same frames.

    Parameters
    ----------
    f0_hz, ref_f0_hz : np.ndarray, shape (n_frames,)
        F0 in Hz; NaN or <= 0 means unvoiced.
    gross_ratio : float
        ``|f0 / ref - 1|`` above this is a gross error (0.2 = 20 %).

    Returns
    -------
    dict
        ``gpe_pct`` (gross errors in % of both-voiced frames, NaN if there are none),
        ``median_abs_cents`` and ``median_cents`` (fine error and its bias, cents, on
        both-voiced frames without gross errors), ``voicing_agreement`` (fraction of all
        frames with the same voiced/unvoiced decision), ``voicing_recall`` and
        ``voicing_precision`` (ours against the reference), and the counts
        ``n_frames``, ``n_both_voiced``, ``n_gross``.
    """
    f = np.asarray(f0_hz, np.float64)
    r = np.asarray(ref_f0_hz, np.float64)
    if f.shape != r.shape:
        raise ValueError(f"pitch tracks differ in shape: {f.shape} vs {r.shape}; align them first")
    v, vr = _voiced(f), _voiced(r)
    both = v & vr
    nb = int(both.sum())
    ratio = f[both] / r[both]
    gross = np.abs(ratio - 1.0) > gross_ratio
    cents = 1200.0 * np.log2(ratio[~gross]) if nb else np.empty(0)
    n = int(f.size)
    return {
        "gpe_pct": 100.0 * float(gross.sum()) / nb if nb else float("nan"),
        "median_abs_cents": float(np.median(np.abs(cents))) if cents.size else float("nan"),
        "median_cents": float(np.median(cents)) if cents.size else float("nan"),
        "voicing_agreement": float(np.mean(v == vr)) if n else float("nan"),
        "voicing_recall": float(both.sum() / vr.sum()) if vr.any() else float("nan"),
        "voicing_precision": float(both.sum() / v.sum()) if v.any() else float("nan"),
        "n_frames": n,
        "n_both_voiced": nb,
        "n_gross": int(gross.sum()),
    }


def binary_scores(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Frame-level precision, recall, F1 and agreement of a boolean decision.

    Parameters
    ----------
    pred, truth : np.ndarray of bool, shape (n_frames,)

    Returns
    -------
    dict
        ``f1``, ``precision``, ``recall``, ``agreement`` (fraction of equal frames),
        ``positive_rate`` (fraction of frames predicted positive) and ``n_frames``.
        Undefined ratios are NaN (F1 is 1.0 when both are all negative).
    """
    p = np.asarray(pred, bool)
    t = np.asarray(truth, bool)
    if p.shape != t.shape:
        raise ValueError(f"decisions differ in shape: {p.shape} vs {t.shape}")
    tp = int(np.sum(p & t))
    fp = int(np.sum(p & ~t))
    fn = int(np.sum(~p & t))
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 1.0 if tp + fp + fn == 0 else 2.0 * tp / (2.0 * tp + fp + fn)
    return {
        "f1": float(f1),
        "precision": float(prec),
        "recall": float(rec),
        "agreement": float(np.mean(p == t)) if p.size else float("nan"),
        "positive_rate": float(np.mean(p)) if p.size else float("nan"),
        "n_frames": int(p.size),
    }


def align_track(t_src: np.ndarray, f0_src: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Resample a pitch track onto other frame times.

    The voicing decision at each destination time is that of the nearest source frame.
    Where that frame is voiced, F0 is interpolated linearly in log-frequency between the
    two neighbouring source frames if both are voiced, else taken from the nearest one.
    Destination times outside the source's span (by more than half a frame) are NaN.

    Parameters
    ----------
    t_src : np.ndarray, shape (n,)
        Increasing, regularly or irregularly spaced frame times, s.
    f0_src : np.ndarray, shape (n,)
        F0 in Hz, NaN or <= 0 when unvoiced.
    t_dst : np.ndarray, shape (m,)
        Times to evaluate at, s.

    Returns
    -------
    np.ndarray, shape (m,), float64
        F0 in Hz, NaN when unvoiced or out of range.
    """
    ts = np.asarray(t_src, np.float64)
    fs = np.asarray(f0_src, np.float64)
    td = np.asarray(t_dst, np.float64)
    out = np.full(td.shape, np.nan)
    if ts.size == 0:
        return out
    v = _voiced(fs)
    logf = np.where(v, np.log2(np.where(v, fs, 1.0)), np.nan)
    hi = np.clip(np.searchsorted(ts, td), 1, max(ts.size - 1, 1))
    lo = hi - 1
    if ts.size == 1:
        lo = hi = np.zeros(td.shape, np.intp)
    d_lo = np.abs(td - ts[lo])
    d_hi = np.abs(ts[hi] - td)
    near = np.where(d_hi < d_lo, hi, lo)
    step = np.median(np.diff(ts)) if ts.size > 1 else 0.0
    inside = (td >= ts[0] - step / 2 - 1e-9) & (td <= ts[-1] + step / 2 + 1e-9)
    span = ts[hi] - ts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(span > 0, (td - ts[lo]) / span, 0.0)
    w = np.clip(w, 0.0, 1.0)
    both = v[lo] & v[hi]
    interp = (1.0 - w) * np.where(both, logf[lo], 0.0) + w * np.where(both, logf[hi], 0.0)
    val = np.where(both, interp, logf[near])
    ok = inside & v[near]
    out[ok] = 2.0 ** val[ok]
    return out


def spread(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Spread of repeated measurements: min, quartiles, max (NaNs ignored)."""
    a = np.asarray(values, np.float64)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"min": float("nan"), "q1": float("nan"), "q3": float("nan"), "max": float("nan")}
    q1, q3 = np.percentile(a, [25, 75])
    return {"min": float(a.min()), "q1": float(q1), "q3": float(q3), "max": float(a.max())}


def summarize(values: Sequence[float] | np.ndarray, digits: int = 6) -> dict[str, Any]:
    """Median of repeated measurements with its spread: ``{"median", "spread", "n"}``."""
    a = np.asarray(values, np.float64)
    med = float(np.nanmedian(a)) if np.isfinite(a).any() else float("nan")
    sp = {k: _round(v, digits) for k, v in spread(a).items()}
    return {"median": _round(med, digits), "spread": sp, "n": int(a.size)}


def _round(x: float, digits: int) -> float:
    if not np.isfinite(x):
        return x
    if x == 0:
        return 0.0
    mag = int(np.floor(np.log10(abs(x))))
    return float(round(x, max(digits - 1 - mag, 0)))
