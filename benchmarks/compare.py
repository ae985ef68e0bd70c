"""Compare two benchmark result files figure by figure.

Every numeric leaf of the result JSON is a *figure* unless it sits under a key in
:data:`SKIP_KEYS` (spreads, counts, sizes, the machine description...). Its direction
comes from its path (:func:`direction`):

* lower is better for times (``_ms``, ``_us``, ``_s``), real-time factors (``rtf``),
  memory (``rss``, ``_mb``), errors (``gpe``, ``error``, ``cents``) and ratios to a peer
  (``_over_``);
* higher is better for ``f1``, ``agreement``, ``precision``, ``recall``;
* anything else is shown but never flagged.

A figure is flagged when it got worse by more than ``threshold`` (10 %): for
lower-is-better ``new > old * 1.10``, for higher-is-better ``new < old / 1.10``. Error
percentages close to zero are noisy in relative terms, so a change must also exceed
:data:`MIN_ABS` in absolute terms for figures whose path names one of its keys.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "GENERIC",
    "MIN_ABS",
    "SKIP_KEYS",
    "Change",
    "compare_results",
    "direction",
    "flatten",
    "format_changes",
    "load",
]

#: Subtrees that hold no figures.
SKIP_KEYS = frozenset(
    {
        "spread",
        "machine",
        "info",
        "n",
        "repeats",
        "schema",
        "created",
        "args",
        "sizes",
        "target",
        "targets",
        "skipped",
        "run_s",
        "timings_s",
        "included",
    }
)

_HIGHER = re.compile(r"(^|_)(f1|agreement|precision|recall)($|_)")
_LOWER = re.compile(
    r"((_ms|_us|_s|(^|_)rtf|rss|_mb|gpe|error|cents)($|_))|_over_|false_voicing|octave_(up|down)"
    r"|(^|_)cpu_pct"
)
#: Leaf names that say nothing themselves: their direction is their parent's.
GENERIC = frozenset({"median", "mean", "value", "p50", "p90", "p99", "max", "min", "pooled"})

#: Absolute change (in the figure's unit) below which a figure is never flagged.
MIN_ABS = {
    "gpe": 0.2,
    "error_pct": 1.0,
    "cents": 1.0,
    "f1": 0.005,
    "agreement": 0.005,
    "growth_mb": 2.0,
    "decision_latency_ms": 10.0,
}


@dataclass(frozen=True)
class Change:
    """One figure in both files.

    Attributes
    ----------
    path : str
        Dotted path of the figure in the JSON.
    old, new : float
    ratio : float
        ``new / old`` (NaN when old is 0 or either is not finite).
    better : str or None
        ``"lower"``, ``"higher"`` or None (not judged).
    worse_pct : float
        How much worse, in % (negative = better; NaN when not judged).
    flagged : bool
        True when worse by more than the threshold.
    """

    path: str
    old: float
    new: float
    ratio: float
    better: str | None
    worse_pct: float
    flagged: bool


def load(path: str | Path) -> dict[str, Any]:
    """Read a result JSON file."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def flatten(tree: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a result tree as ``{"a.b.c": value}`` (skipping :data:`SKIP_KEYS`)."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k in SKIP_KEYS:
                continue
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(tree, bool) or tree is None:
        pass
    elif isinstance(tree, int | float):
        out[prefix] = float(tree)
    return out


def direction(path: str) -> str | None:
    """``"lower"``, ``"higher"`` or None: which way is better for the figure at ``path``.

    The leaf name decides (``gpe_pct``, ``f1``, ``review_rtf``...). Generic leaves
    (``median``, ``p99``, ``max``...), ``per_*`` containers and the keys inside them
    (dataset, voice or stage names) take the direction of the nearest ancestor that has
    one; any other name without a direction stops the search (None: shown, never flagged).
    Signed biases are named ``*_bias*`` and have no direction.
    """
    parts = path.split(".")
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if "bias" in part:
            return None
        if _HIGHER.search(part):
            return "higher"
        if _LOWER.search(part):
            return "lower"
        parent = parts[i - 1] if i else ""
        transparent = (
            part in GENERIC
            or part.startswith("per_")
            or parent.startswith("per_")
            or parent in GENERIC
        )
        if not transparent:
            return None
    return None


def _min_abs(path: str) -> float:
    return max((v for k, v in MIN_ABS.items() if k in path), default=0.0)


def compare_results(
    old: dict[str, Any], new: dict[str, Any], threshold: float = 0.10
) -> list[Change]:
    """Figures present in both results, with their ratio and a regression flag.

    Parameters
    ----------
    old, new : dict
        Result trees (as written by ``python -m benchmarks``).
    threshold : float
        Relative worsening that is flagged (0.10 = 10 %).

    Returns
    -------
    list of Change
        In the order of ``new``.
    """
    a, b = flatten(old), flatten(new)
    changes = []
    for path, nv in b.items():
        if path not in a:
            continue
        ov = a[path]
        finite = math.isfinite(ov) and math.isfinite(nv)
        ratio = nv / ov if finite and ov != 0 else float("nan")
        better = direction(path)
        worse = float("nan")
        flagged = False
        if better is not None and finite:
            if ov != 0:
                worse = 100.0 * ((nv - ov) / abs(ov) if better == "lower" else (ov - nv) / abs(ov))
            elif nv != ov:
                worse = math.inf if (nv > ov) == (better == "lower") else -math.inf
            else:
                worse = 0.0
            big_enough = abs(nv - ov) > _min_abs(path)
            flagged = worse > 100.0 * threshold and big_enough
        changes.append(Change(path, ov, nv, ratio, better, worse, flagged))
    for path, ov in a.items():  # a judged figure that B lost (a step failed or was skipped)
        if path not in b and direction(path) is not None:
            nan = float("nan")
            changes.append(Change(path, ov, nan, nan, direction(path), nan, True))
    return changes


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1000 or abs(x) < 0.001:
        return f"{x:.3g}"
    return f"{x:.4g}"


def format_changes(changes: list[Change], only_judged: bool = False) -> str:
    """Plain-text table of changes: path, old, new, ratio, worse %, flag."""
    rows = [c for c in changes if c.better is not None or not only_judged]
    w = max([len(c.path) for c in rows] + [6])
    lines = [f"{'figure':<{w}}  {'A':>10}  {'B':>10}  {'B/A':>7}  {'worse':>8}  better"]
    for c in rows:
        worse = f"{c.worse_pct:+.1f}%" if math.isfinite(c.worse_pct) else "-"
        flag = ("  << MISSING in B" if c.flagged and c.new != c.new
                else "  << WORSE >10%" if c.flagged else "")
        lines.append(
            f"{c.path:<{w}}  {_fmt(c.old):>10}  {_fmt(c.new):>10}  {_fmt(c.ratio):>7}  "
            f"{worse:>8}  {c.better or '-'}{flag}"
        )
    n = sum(c.flagged for c in changes)
    lost = sum(c.flagged and c.new != c.new for c in changes)
    lines.append(f"{n - lost} figure(s) worse by more than 10 %, {lost} missing in B"
                 if n else "no figure worse by >10 %, none missing")
    return "\n".join(lines)
