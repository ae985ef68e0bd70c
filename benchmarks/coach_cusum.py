"""A CUSUM change detector for the pitch and loudness rules, offline (measurement notes, #11).

``python -m benchmarks.coach_cusum [--split dev|test|holdout] [--cache DIR] [--seeds 11-40]
[--pitch HEAD,K,H ...] [--loudness HEAD,K,H ...] [--verdicts] [--out FILE.json]``

A measuring bench, not product code. The shipped rules read a windowed measure (the pitch
rule a low quantile of the last 3.5 s of voiced hops, the loudness rule a power mean of the
last 3 s of speech) against a threshold held for ``sustain_s``. The textbook detector of a
lasting shift in a noisy series is Page's CUSUM, which integrates the excess over a reference
value, so a large shift is told sooner than a marginal one; its fast initial response (a
head start, Lucas and Crosier 1982) tells a shift present from the first word sooner.

Here, on the coach benchmark's own streams (:mod:`benchmarks.coach_bench`: per voice and
shuffle, 45 s of calm lines calibrate, other calm lines are reviewed, and after 20 s of them
the same held-out lines follow shifted +1 / +3 st, sped up x1.08, or 6 dB louder; the +3 st
and +6 dB lines also from the call's first word), two detectors run in one simulator:

* ``current``: the shipped windowed measure (``pitch_delta_st``, ``loudness_delta_db`` of
  :class:`~voicecoach.baseline.BaselineTracker`) against the voice's personal threshold
  (:meth:`~voicecoach.coach.Coach.personal_threshold`), held for the rule's ``sustain_s``,
  released ``hysteresis`` below (:func:`sustain_alarms`);
* ``cusum``: :func:`cusum_alarms` on every voiced hop's pitch in semitones minus the
  profile's ``f0_median_st`` (pitch), or on every speech hop's level minus the profile's
  ``loudness_level_db`` (loudness), with reference ``k`` and decision interval ``h``
  (st * s, dB * s), starting at ``head * h``.

Neither has the coach's other gates (repeat rule, episode gap, global gap, baseline
verdicts), so both read more calm alarms than the coach: compare them with each other.
``--verdicts`` adds the last of them: both detectors are silenced where the coach's baseline
verdict silences the rule for the stream's profile (:func:`with_verdicts`).

Reported, pooled over voices and shuffles: calm alarms per 10 min; ``quiet``: +1 st streams
with no pitch alarm (pitch), +1 st and x1.08 streams with no loudness alarm (loudness);
``within``: +3 st (+6 dB) streams alarmed within 6 s (5 s) of the switch and not before;
``from_start``: the same change from the first word, alarmed within the deadline; the median
delay (a miss counts as infinite).

``--rate`` adds the pace rule: the shipped ``rate_delta_pct`` against its personal
threshold, 2 s sustain, and a CUSUM over syllable intervals (the shipped measure's: two
consecutive nuclei of one run of speech, at most ``rate_max_interval_s`` apart), each
``x = 100 ln(ref / interval)`` in %, clipped to +-``RATE_CLIP_PCT``, with ``ref = 1 /``
the profile's ``rate_level_sps``; ``k`` in %, ``h`` in % times intervals. ``quiet``: x1.08
streams with no pace alarm; ``within``: x1.25 within 6 s.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.baseline import BaselineTracker, profile_from_features
from voicecoach.coach import Coach
from voicecoach.config import Config, load_config

from . import coach_bench as cb

HOP_S = 0.01
COOLDOWN_S = 20.0
#: rule -> (change, deadline s, the quiet changes)
TARGETS = {"pitch": ("+3st", 6.0, ("+1st",)), "loudness": ("+6dB", 5.0, ("+1st", "x1.08")),
           "rate": ("x1.25", 6.0, ("x1.08",))}
#: the pace CUSUM's observations are clipped to +-this (%): one merged or split pair of nuclei
#: is one interval, not a change of tempo
RATE_CLIP_PCT = 60.0


def sustain_alarms(
    t_s: np.ndarray, x: np.ndarray, threshold: float, sustain_s: float, hysteresis: float,
    cooldown_s: float = COOLDOWN_S, hop_s: float = HOP_S,
) -> list[float]:
    """Alarm times of a threshold rule held for ``sustain_s`` (the shipped rules' shape).

    Parameters
    ----------
    t_s : ndarray, shape (n_hops,)
        Hop times, s.
    x : ndarray, shape (n_hops,)
        The measure in the rule's unit, NaN where it is not measured (skipped: the hold
        counts measured hops only).
    threshold, hysteresis : float
        On at ``x >= threshold``, off below ``threshold - hysteresis`` (the rule's unit).
    sustain_s : float
        Measured seconds the condition must hold before the alarm (once per episode).
    cooldown_s : float
        Minimum time between alarms, s.
    hop_s : float
        Hop duration, s.

    Returns
    -------
    list of float
        Alarm times, s.
    """
    out: list[float] = []
    on = fired = False
    held, last = 0.0, -math.inf
    for t, v in zip(t_s.tolist(), x.tolist(), strict=True):
        if v != v:
            continue
        if not on and v >= threshold:
            on, fired, held = True, False, 0.0
        elif on and v < threshold - hysteresis:
            on = False
        if on:
            held += hop_s
            if not fired and held >= sustain_s - 1e-9 and t - last >= cooldown_s:
                out.append(t)
                fired, last = True, t
    return out


def cusum_alarms(
    t_s: np.ndarray, x: np.ndarray, k: float, h: float, head: float = 0.0,
    cooldown_s: float = COOLDOWN_S, hop_s: float = HOP_S,
) -> list[float]:
    """Alarm times of a one-sided CUSUM (Page) with a fast initial response.

    ``S = max(0, S + (x - k) * hop_s)`` over the measured hops, from ``S = head * h``;
    an alarm when ``S >= h`` (at most one per ``cooldown_s``), after which ``S = 0``.

    Parameters
    ----------
    t_s : ndarray, shape (n_hops,)
        Hop times, s.
    x : ndarray, shape (n_hops,)
        Observations relative to the calm reference (st or dB), NaN where not measured.
    k : float
        Reference value (the allowance), in ``x``'s unit: the drift per measured second is
        ``x - k``.
    h : float
        Decision interval, in ``x``'s unit times seconds.
    head : float
        Head start as a fraction of ``h`` (0: plain CUSUM).
    cooldown_s, hop_s : float
        Minimum time between alarms and hop duration, s.

    Returns
    -------
    list of float
        Alarm times, s.
    """
    out: list[float] = []
    s, last = head * h, -math.inf
    for t, v in zip(t_s.tolist(), x.tolist(), strict=True):
        if v != v:
            continue
        s = max(0.0, s + (v - k) * hop_s)
        if s >= h and t - last >= cooldown_s:
            out.append(t)
            s, last = 0.0, t
    return out


def syllable_intervals(speech: np.ndarray, nucleus: np.ndarray, max_hops: int) -> np.ndarray:
    """The shipped pace measure's intervals, each at its closing nucleus.

    Parameters
    ----------
    speech, nucleus : ndarray of bool, shape (n_hops,)
        The core's speech decisions and syllable nuclei.
    max_hops : int
        Longest interval counted, hops (``rate_max_interval_s`` / 0.01).

    Returns
    -------
    ndarray, shape (n_hops,)
        At the second nucleus of two consecutive nuclei of one run of speech (no non-speech
        hop between them) at most ``max_hops`` apart: their distance, s; NaN elsewhere.
    """
    nuc = np.flatnonzero(nucleus & speech)
    pauses = np.concatenate([[0], np.cumsum(~speech)])
    iv = np.diff(nuc)
    ok = (pauses[nuc[1:]] == pauses[nuc[:-1]]) & (iv <= max_hops)
    out = np.full(speech.shape[0], np.nan)
    out[nuc[1:][ok]] = iv[ok] * HOP_S
    return out


def _case(x: np.ndarray, profile: Any, config: Config) -> dict[str, np.ndarray]:
    rows = cb._rows(x, config)
    m = BaselineTracker(config, profile).process(rows)
    f0 = np.asarray(rows.f0_hz, np.float64)
    voiced = np.asarray(rows.voiced, bool) & (f0 > 0)
    speech = np.asarray(rows.speech, bool)
    interval_s = syllable_intervals(speech, np.asarray(rows.nucleus, bool),
                                    round(config.baseline.rate_max_interval_s / HOP_S))
    return {
        "t_s": np.asarray(rows.t_s, np.float64),
        "pitch_st": np.where(voiced, 12.0 * np.log2(np.where(voiced, f0, 1.0) / 55.0), np.nan),
        "level_db": np.where(speech, np.asarray(rows.loudness_db, np.float64), np.nan),
        "pitch_win": np.where(m.speech, np.asarray(m.pitch_delta_st, np.float64), np.nan),
        "loudness_win": np.where(m.speech, np.asarray(m.loudness_delta_db, np.float64), np.nan),
        "rate_win": np.where(m.speech, np.asarray(m.rate_delta_pct, np.float64), np.nan),
        "interval_s": interval_s,
    }


def streams(v: cb.Voice, config: Config, seed: int) -> dict[str, Any]:
    """One voice's streams under one shuffle, as :mod:`benchmarks.coach_bench` builds them.

    Parameters
    ----------
    v : benchmarks.coach_bench.Voice
        The voice.
    config : Config
        Analysis and baseline settings.
    seed : int
        The shuffle.

    Returns
    -------
    dict
        ``profile`` (its dict), ``thresholds`` (the personal ones, rule name -> value),
        ``calm`` and each change (``+1st``, ``+3st``, ``x1.08``, ``x1.25``, ``+6dB``,
        ``start+3st``, ``start+6dB``): per-hop arrays (``t_s``, ``pitch_st``, ``level_db``,
        ``interval_s``, ``pitch_win``, ``loudness_win``, ``rate_win``) and ``switch_s``.
    """
    rng = np.random.default_rng(seed)
    lines = [v.calm[i][1] for i in rng.permutation(len(v.calm))]
    cal, held, _ = cb._split_lines(lines, cb.CAL_S)
    cal_x, _ = cb._join(cal, rng, (0.3, 0.7))
    profile = profile_from_features(cb._rows(cal_x, config), hop_s=cb.HOP_S, name=v.name,
                                    source=f"{v.name} calm", config=config)
    coach = Coach(config, profile=profile)
    out: dict[str, Any] = {
        "profile": profile.to_dict(),
        "thresholds": {r: coach.personal_threshold(r) for r in cb.PROSODY},
        # the rules the coach's baseline verdict silences for this profile (calm speech too
        # variable to judge): ``--verdicts`` silences both detectors there
        "silenced": {r: coach.baseline_verdict(r) is not None for r in cb.PROSODY},
    }
    x, _ = cb._join(held, rng, (0.3, 0.7))
    out["calm"] = {**_case(x, profile, config), "switch_s": math.inf}
    k, t = 0, 0.0
    while k < len(held) and t < cb.SWITCH_S:
        t += held[k].shape[0] / cb.SR
        k += 1
    before, after = held[:k], held[k : k + max(8, len(held) // 2)]
    for c in ("+1st", "+3st", "x1.08", "x1.25", "+6dB"):
        mod, pause_f = cb._modify(after, c)
        xa, _ = cb._join(before, np.random.default_rng(seed + 1), (0.3, 0.7))
        xb, _ = cb._join(mod, np.random.default_rng(seed + 2), (0.3 * pause_f, 0.7 * pause_f))
        out[c] = {**_case(cb._whole(np.concatenate([xa, xb])), profile, config),
                  "switch_s": xa.shape[0] / cb.SR}
        if c in cb.FROM_START:
            out["start" + c] = {**_case(cb._whole(xb), profile, config), "switch_s": 0.0}
    return out


def _detector(rule: str, kind: str, point: tuple[float, float, float] | None, config: Config):
    c = config.coach.rules[f"{rule}_high"]
    if kind == "current":
        def run(s: dict[str, Any], case: dict[str, Any]) -> list[float]:
            return sustain_alarms(case["t_s"], case[f"{rule}_win"],
                                  s["thresholds"][f"{rule}_high"], c.sustain_s, c.hysteresis)
        return run
    head, k, h = point  # type: ignore[misc]
    if rule == "rate":
        def run_rate(s: dict[str, Any], case: dict[str, Any]) -> list[float]:
            ref_s = 1.0 / s["profile"]["rate_level_sps"]
            x = np.clip(100.0 * np.log(ref_s / case["interval_s"]), -RATE_CLIP_PCT,
                        RATE_CLIP_PCT)
            return cusum_alarms(case["t_s"], x, k, h, head, hop_s=1.0)
        return run_rate
    ref_key, x_key = (("f0_median_st", "pitch_st") if rule == "pitch"
                      else ("loudness_level_db", "level_db"))

    def run_cusum(s: dict[str, Any], case: dict[str, Any]) -> list[float]:
        return cusum_alarms(case["t_s"], case[x_key] - s["profile"][ref_key], k, h, head)
    return run_cusum


def score(all_streams: Sequence[dict[str, Any]], rule: str, det: Any) -> dict[str, Any]:
    """Pooled figures of one detector for ``rule``.

    Parameters
    ----------
    all_streams : sequence of dict
        :func:`streams` outputs.
    rule : str
        ``"pitch"``, ``"loudness"`` or ``"rate"``.
    det : callable
        ``det(streams, case) -> alarm times`` (s).

    Returns
    -------
    dict
        ``calm_per_10_min``, ``quiet``, ``within``, ``from_start`` (``"n/N"``) and
        ``median_delay_s`` (inf when most are missed).
    """
    change, deadline, quiet_changes = TARGETS[rule]
    calm_n, calm_s, quiet, within, start = 0, 0.0, 0, 0, 0
    delays = []
    for s in all_streams:
        calm_n += len(det(s, s["calm"]))
        calm_s += float(s["calm"]["t_s"][-1])
        quiet += all(not det(s, s[c]) for c in quiet_changes)
        case = s[change]
        a = det(s, case)
        pre = [t for t in a if t < case["switch_s"]]
        post = [t - case["switch_s"] for t in a if t >= case["switch_s"]]
        within += not pre and bool(post) and post[0] <= deadline
        delays.append(post[0] if post else math.inf)
        if "start" + change in s:
            a = det(s, s["start" + change])
            start += bool(a) and a[0] <= deadline
    n = len(all_streams)
    return {
        "calm_per_10_min": round(calm_n * 600.0 / calm_s, 2) if calm_s else None,
        "quiet": f"{quiet}/{n}",
        "within": f"{within}/{n}",
        "from_start": f"{start}/{n}" if change in cb.FROM_START else None,
        "median_delay_s": round(float(np.median(delays)), 1) if delays else None,
    }


def with_verdicts(det: Any, rule: str) -> Any:
    """``det`` silenced on the streams whose profile the coach's baseline verdict silences
    for ``rule`` (``--verdicts``: as the coach does).

    Parameters
    ----------
    det : callable
        ``det(streams, case) -> alarm times`` (s), as :func:`score` takes it.
    rule : str
        ``"pitch"``, ``"loudness"`` or ``"rate"``.

    Returns
    -------
    callable
        The same detector, returning no alarm where ``streams["silenced"]`` says the rule
        is silenced.
    """
    def gated(s: dict[str, Any], case: dict[str, Any]) -> list[float]:
        return [] if s["silenced"][f"{rule}_high"] else det(s, case)
    return gated


def _point(text: str) -> tuple[float, float, float]:
    try:
        head, k, h = (float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a CUSUM point is HEAD,K,H (three numbers, e.g. 0.5,2.25,7), got {text!r}"
        ) from None
    return head, k, h


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m benchmarks.coach_cusum``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.coach_cusum", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "holdout"), default="dev")
    ap.add_argument("--cache", type=Path, default=None, help="the coach benchmark's cache folder")
    ap.add_argument("--seeds", type=cb._parse_seeds, default=[11],
                    help="shuffles of the calm lines, e.g. 11-40 (default 11)")
    ap.add_argument("--pitch", type=_point, nargs="*", default=[(0.5, 2.25, 7.0)],
                    help="CUSUM points HEAD,K,H for the pitch rule (st, st*s)")
    ap.add_argument("--loudness", type=_point, nargs="*", default=[(0.5, -0.5, 6.0)],
                    help="CUSUM points HEAD,K,H for the loudness rule (dB, dB*s)")
    ap.add_argument("--rate", type=_point, nargs="*", default=[],
                    help="CUSUM points HEAD,K,H for the pace rule (%%, %% * intervals)")
    ap.add_argument("--verdicts", action="store_true",
                    help="silence both detectors where the coach's baseline verdict silences "
                    "the rule (as the coach does; by default neither is silenced)")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON results here")
    args = ap.parse_args(argv)
    config = load_config()
    cb._CACHE[0] = args.cache
    cb._LINE[0] = None
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    voices, _ = cb.load_voices((args.split,), config)
    all_streams = []
    for seed in args.seeds:
        for v in voices:
            if len(v.calm) >= 4:
                all_streams.append(streams(v, config, seed))
                print(f"[coach_cusum] {v.name}/{seed}", file=sys.stderr, flush=True)
    res: dict[str, Any] = {"split": args.split, "seeds": args.seeds, "cases": len(all_streams),
                           "verdicts": args.verdicts}
    for rule, points in (("pitch", args.pitch), ("loudness", args.loudness),
                         ("rate", args.rate)):
        def gate(det: Any, rule: str = rule) -> Any:
            return with_verdicts(det, rule) if args.verdicts else det
        rows = {"current": score(all_streams, rule,
                                 gate(_detector(rule, "current", None, config)))}
        for p in points:
            name = "cusum head {:g} k {:g} h {:g}".format(*p)
            rows[name] = score(all_streams, rule, gate(_detector(rule, "cusum", p, config)))
        res[rule] = rows
    if args.out is not None:
        args.out.write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"{args.split}: {len(all_streams)} voice-shuffles")
    for rule in ("pitch", "loudness", "rate"):
        for name, r in res[rule].items():
            print(f"{rule:9s} {name:28s} " + " ".join(f"{k} {v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
