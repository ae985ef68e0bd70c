"""A candidate against the shipped defaults on the same real-voice calls: the rule, with
paired bootstrap intervals over the calls.

``python -m benchmarks.realcalls_compare BASE.json CANDIDATE.json [--max-precision-drop 0.01]
[--max-backchannel-fa 0.05] [--max-false-speech-rise 0.5] [--boot 2000] [--json OUT]``

Both files are :mod:`benchmarks.realcalls` results (``--out``) of the same split, the same
calls and the same path (``--telephone`` or not), one with the shipped settings and one with
the candidate's. A candidate is judged by the rule the sessions have written down before
each run (issue #10, README *Calls recorded at 8 kHz*), checked here the same way every time:

* the mean recall over the conditions is higher;
* no condition's precision is more than ``max_precision_drop`` lower;
* no condition calls more than ``max_backchannel_fa`` of its backchannels interruptions;
* in the bleed conditions the agent's false speech rises by at most
  ``max_false_speech_rise`` s per minute.

A dev set of 12-30 calls holds 100-235 interruptions, so one event moves a precision by
0.004-0.01: the rule is often decided by one or two events. Each condition's change is
therefore also given with a 90 % interval from a paired bootstrap over the calls (the same
resampled calls for both results), and with the events that changed (false and missed
onsets, per call), so that a reader sees whether a verdict rests on noise. The verdict
itself is the rule's, never the interval's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .realcalls import summarize

__all__ = ["compare", "format_comparison", "load_result", "main"]

#: The rule's thresholds, as the sessions wrote them down (README, *Calls recorded at 8 kHz*).
RULE = {"max_precision_drop": 0.01, "max_backchannel_fa": 0.05, "max_false_speech_rise": 0.5}


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a :mod:`benchmarks.realcalls` result file.

    Parameters
    ----------
    path : str or Path
        A JSON written by ``python -m benchmarks.realcalls --out``.

    Returns
    -------
    dict
        The result, with its ``conditions``.

    Raises
    ------
    ValueError
        When the file is not such a result (no ``conditions``).
    """
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("conditions"), dict):
        raise ValueError(f"{path}: not a benchmarks.realcalls result (no 'conditions'); "
                         "write one with `python -m benchmarks.realcalls --out FILE`")
    return doc


def _paired_conditions(base: dict[str, Any], cand: dict[str, Any]) -> list[str]:
    """The call conditions both results scored on the same calls (checked)."""
    for key in ("split", "telephone"):
        if base.get(key) != cand.get(key):
            raise ValueError(f"the two results differ in {key!r}: {base.get(key)!r} against "
                             f"{cand.get(key)!r}; compare runs of the same split and path")
    names = []
    for c, b in base["conditions"].items():
        k = cand["conditions"].get(c)
        if not isinstance(b, dict) or "per_call" not in b or not isinstance(k, dict) \
                or "per_call" not in k:
            continue  # skipped, or not a call condition (pure echo, double talk)
        cb = [s["call"] for s in b["per_call"]]
        ck = [s["call"] for s in k["per_call"]]
        if cb != ck:
            raise ValueError(f"condition {c!r}: the two results hold different calls "
                             f"({len(cb)} against {len(ck)}; first difference "
                             f"{next((x for x in zip(cb, ck, strict=False) if x[0] != x[1]), None)}"
                             "); run both with the same --split and --calls")
        names.append(c)
    if not names:
        raise ValueError("the two results share no call condition with per-call scores")
    return names


def _figures(scores: Sequence[dict[str, Any]]) -> tuple[float, float, float]:
    """Pooled recall, precision and latency p90 of some calls (NaN where undefined)."""
    s = summarize(scores)

    def f(v: Any) -> float:
        return float("nan") if v is None else float(v)

    return f(s["recall"]), f(s["precision"]), f(s["latency_p90_s"])


def _interval(base: Sequence[dict[str, Any]], cand: Sequence[dict[str, Any]], n_boot: int,
              rng: np.random.Generator) -> dict[str, list[float]]:
    """90 % paired-bootstrap intervals of the changes in recall, precision and latency p90."""
    n = len(base)
    d = np.full((n_boot, 3), np.nan)
    for i in range(n_boot):
        idx = rng.integers(0, n, n)
        fb = _figures([base[j] for j in idx])
        fc = _figures([cand[j] for j in idx])
        d[i] = np.subtract(fc, fb)
    out = {}
    for j, k in enumerate(("recall", "precision", "latency_p90_s")):
        v = d[:, j][~np.isnan(d[:, j])]
        out[k] = ([round(float(np.percentile(v, 5)), 4), round(float(np.percentile(v, 95)), 4)]
                  if len(v) else [float("nan"), float("nan")])
    return out


def _changed_events(base: Sequence[dict[str, Any]], cand: Sequence[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """Per call, the false and missed onsets that differ between the two results."""
    out = []
    for b, c in zip(base, cand, strict=True):
        if b.get("false") != c.get("false") or b.get("missed") != c.get("missed"):
            out.append({"call": b["call"],
                        "false": [b.get("false", []), c.get("false", [])],
                        "missed": [b.get("missed", []), c.get("missed", [])]})
    return out


def compare(base: dict[str, Any], cand: dict[str, Any], *,
            max_precision_drop: float = RULE["max_precision_drop"],
            max_backchannel_fa: float = RULE["max_backchannel_fa"],
            max_false_speech_rise: float = RULE["max_false_speech_rise"],
            n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Judge a candidate against the shipped settings on the same calls.

    Parameters
    ----------
    base, cand : dict
        :mod:`benchmarks.realcalls` results (:func:`load_result`) of the same split, calls
        and path.
    max_precision_drop : float
        Largest precision fall allowed in any condition (a fraction, 0.01 = one point).
    max_backchannel_fa : float
        Largest fraction of backchannels called interruptions allowed in any condition.
    max_false_speech_rise : float
        Largest rise of the agent's false speech allowed in a bleed condition, s per minute.
    n_boot : int
        Bootstrap resamples of the calls (0: no intervals).
    seed : int
        The bootstrap's seed (the intervals are reproducible).

    Returns
    -------
    dict
        ``conditions``: per condition ``base`` and ``candidate`` figures (recall, precision,
        backchannels called interruptions, agent false speech s/min, latency p90 s), their
        ``change``, ``interval_90`` (paired bootstrap of the recall, precision and latency
        changes), ``changed_events`` and ``failures`` (the rule's clauses it breaks);
        ``mean_recall`` (base, candidate); ``failures`` (every broken clause); ``passed``
        (bool); ``rule`` (the thresholds).

    Raises
    ------
    ValueError
        When the two results are not of the same split, path or calls.
    """
    names = _paired_conditions(base, cand)
    rng = np.random.default_rng(seed)
    keys = ("recall", "precision", "fa_backchannel", "agent_false_speech_s_per_min",
            "latency_p90_s")
    conds: dict[str, Any] = {}
    failures: list[str] = []
    for c in names:
        pb, pc = base["conditions"][c]["per_call"], cand["conditions"][c]["per_call"]
        sb, sc = summarize(pb), summarize(pc)
        fb = {k: sb.get(k) for k in keys}
        fc = {k: sc.get(k) for k in keys}
        change = {k: (None if fb[k] is None or fc[k] is None else round(fc[k] - fb[k], 4))
                  for k in keys}
        fails = []
        if change["precision"] is not None and change["precision"] < -max_precision_drop - 1e-9:
            fails.append(f"{c}: precision {fb['precision']} -> {fc['precision']} "
                         f"(more than {max_precision_drop} lower)")
        if fc["fa_backchannel"] is not None and fc["fa_backchannel"] > max_backchannel_fa + 1e-9:
            fails.append(f"{c}: backchannels called interruptions {fc['fa_backchannel']} "
                         f"(over {max_backchannel_fa})")
        rise = change["agent_false_speech_s_per_min"]
        if c.startswith("bleed") and rise is not None and rise > max_false_speech_rise + 1e-9:
            fails.append(f"{c}: agent false speech +{rise} s/min (over "
                         f"+{max_false_speech_rise})")
        failures += fails
        conds[c] = {"base": fb, "candidate": fc, "change": change,
                    "interval_90": _interval(pb, pc, n_boot, rng) if n_boot > 0 else None,
                    "changed_events": _changed_events(pb, pc), "failures": fails}
    rb = [conds[c]["base"]["recall"] for c in names]
    rc_ = [conds[c]["candidate"]["recall"] for c in names]
    mean_b = round(float(np.mean([r for r in rb if r is not None])), 4)
    mean_c = round(float(np.mean([r for r in rc_ if r is not None])), 4)
    if not mean_c > mean_b:
        failures.insert(0, f"mean recall {mean_b} -> {mean_c} (not higher)")
    return {"conditions": conds, "mean_recall": [mean_b, mean_c], "failures": failures,
            "passed": not failures,
            "rule": {"max_precision_drop": max_precision_drop,
                     "max_backchannel_fa": max_backchannel_fa,
                     "max_false_speech_rise": max_false_speech_rise},
            "calls": {c: len(base["conditions"][c]["per_call"]) for c in names}}


def _f(v: Any, fmt: str = ".3f") -> str:
    return "-" if v is None else format(v, fmt)


def format_comparison(res: dict[str, Any]) -> str:
    """A table of :func:`compare`'s result, the changed events and the verdict.

    Parameters
    ----------
    res : dict
        :func:`compare`'s result.

    Returns
    -------
    str
        Lines for a terminal (no final newline).
    """
    head = (f"{'condition':15s} {'recall':>15s} {'90% CI':>17s} {'precision':>15s} "
            f"{'90% CI':>17s} {'bc FA':>6s} {'false s/min':>13s} {'lat p90 s':>13s}")
    lines = [head, "-" * len(head)]
    for c, r in res["conditions"].items():
        b, k, ci = r["base"], r["candidate"], r["interval_90"] or {}

        def pair(key: str, fmt: str = ".3f", b: dict = b, k: dict = k) -> str:
            return f"{_f(b[key], fmt)}->{_f(k[key], fmt)}"

        def iv(key: str, ci: dict = ci) -> str:
            v = ci.get(key)
            return "-" if not v else f"[{v[0]:+.3f},{v[1]:+.3f}]"

        lines.append(f"{c:15s} {pair('recall'):>15s} {iv('recall'):>17s} "
                     f"{pair('precision'):>15s} {iv('precision'):>17s} "
                     f"{_f(k['fa_backchannel'], '.3f'):>6s} "
                     f"{pair('agent_false_speech_s_per_min', '.2f'):>13s} "
                     f"{pair('latency_p90_s', '.2f'):>13s}")
    mb, mc = res["mean_recall"]
    lines.append(f"mean recall {mb:.4f} -> {mc:.4f}")
    for c, r in res["conditions"].items():
        for e in r["changed_events"]:
            lines.append(f"  {c} {e['call']}: false {e['false'][0]} -> {e['false'][1]}, "
                         f"missed {e['missed'][0]} -> {e['missed'][1]}")
    if res["passed"]:
        lines.append("verdict: PASS")
    else:
        lines.append("verdict: FAIL")
        lines += [f"  {f}" for f in res["failures"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line; returns 0 when the candidate passes, 1 when it fails, 2 on bad input."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.realcalls_compare",
        description="A candidate's realcalls result against the shipped settings' on the same "
        "calls: the rule, with paired bootstrap intervals over the calls.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("base", help="the shipped settings' result (realcalls --out)")
    ap.add_argument("candidate", help="the candidate's result, same split, calls and path")
    ap.add_argument("--max-precision-drop", type=float, default=RULE["max_precision_drop"])
    ap.add_argument("--max-backchannel-fa", type=float, default=RULE["max_backchannel_fa"])
    ap.add_argument("--max-false-speech-rise", type=float,
                    default=RULE["max_false_speech_rise"], help="s per minute, bleed conditions")
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples (0: none)")
    ap.add_argument("--json", type=Path, help="also write the comparison here")
    args = ap.parse_args(argv)
    try:
        res = compare(load_result(args.base), load_result(args.candidate),
                      max_precision_drop=args.max_precision_drop,
                      max_backchannel_fa=args.max_backchannel_fa,
                      max_false_speech_rise=args.max_false_speech_rise, n_boot=args.boot)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_comparison(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0 if res["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
