"""A session started during a call: interruptions in the first seconds of a cold analysis.

Every call of :mod:`benchmarks.realcalls` is reviewed from its first sample, so the canceller,
the bleed gate and the tracker start with the call. A live session started during a call
starts them in the middle of the talk. This benchmark cuts each call of the repository's own
real voices (``tests/data/real_voices``: the calls of ``tests/test_real_voices.py``, three
pairs of Allison, awb and slt, two seeds, 49 interruptions) to start ``d`` seconds before one
of its interruptions, reviews the cut through the whole pipeline
(:func:`~benchmarks.realcalls.run_pipeline`, shipped defaults or ``--set`` overrides) up to
:data:`AFTER_S` past it, and counts:

* whether that interruption is found (onset within :data:`~benchmarks.realcalls.MATCH_S`)
  and attributed to the right party;
* the cut's false interruptions (detected, matching no true interruption of the cut).

These are the ``realcalls`` **dev** voices (the speech decisions were tuned on them): a
measurement of behaviour, not a held-out result. Run::

    python -m benchmarks.cold_start [--conditions clean echo6] [--before 1 2.5 5 10]
                                    [--set conversation.bleed_copy_hops=0] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import realcalls as rc

__all__ = ["AFTER_S", "CONDITIONS", "PAIRS", "SEEDS", "cut_truth", "main", "run", "signal",
           "voices"]

#: The repository's real voices (licences and provenance in its README).
DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "real_voices"
#: (agent, customer) pairs and script seeds of the calls.
PAIRS = (("allison", "awb"), ("slt", "allison"), ("awb", "slt"))
SEEDS = (0, 1)
#: Conditions: ``realcalls.render``'s, or ``echoN`` (``white20`` plus a loudspeaker echo N dB
#: under the far end, 40 ms late).
CONDITIONS = ("clean", "white20", "bleed15_350ms", "echo6", "echo0")
#: Seconds reviewed past the interruption's onset.
AFTER_S = 6.0
SR = 16000
HOP = 160


def voices() -> dict[str, rc.Voice]:
    """The repository's real voices as :class:`~benchmarks.realcalls.Voice` (clips at 16 kHz).

    Returns
    -------
    dict of str to Voice
        ``allison`` (17 IVR prompts, 8 kHz), ``awb`` and ``slt`` (CMU ARCTIC).
    """
    allison = [c for p in sorted((DATA / "allison_en").glob("*.flac"))
               for c in rc._file_clips(p)]
    return {
        "allison": rc._voice("allison", "f", allison),
        "awb": rc._voice("awb", "m", rc._file_clips(DATA / "cmu_arctic" / "awb_arctic_a0007.flac")),
        "slt": rc._voice("slt", "f", rc._file_clips(DATA / "cmu_arctic" / "slt_arctic_a0009.flac")),
    }


def signal(call: rc.Call, condition: str, seed: int) -> np.ndarray:
    """The two-channel signal of ``call`` in ``condition``.

    Parameters
    ----------
    call : Call
    condition : str
        One of :data:`CONDITIONS`.
    seed : int

    Returns
    -------
    np.ndarray
        Shape (n_samples, 2) (agent, customer), float32, 16 kHz.
    """
    if condition.startswith("echo"):
        y = rc.render(call, "white20", [], seed).astype(np.float64)
        y[:, 0] += rc.loudspeaker_echo(call.y[:, 1], -float(condition[4:]), 0.04, seed)
        return y.astype(np.float32)
    return rc.render(call, condition, [], seed)


def cut_truth(truth: Sequence[dict[str, Any]], start_s: float, duration_s: float
              ) -> list[dict[str, Any]]:
    """The truth events of a cut of a call, on the cut's clock.

    Parameters
    ----------
    truth : sequence of dict
        The call's truth (``start_s``, ``end_s`` in s on the call's clock).
    start_s, duration_s : float
        Where the cut starts in the call and how long it is, s.

    Returns
    -------
    list of dict
        The events starting inside the cut (or up to 0.5 s before it), times minus
        ``start_s``.
    """
    return [{**e, "start_s": e["start_s"] - start_s, "end_s": e["end_s"] - start_s}
            for e in truth if -0.5 < e["start_s"] - start_s < duration_s]


def run(condition: str, before_s: Sequence[float], config: Any) -> list[dict[str, Any]]:
    """Every interruption of every call, each cut ``d`` s before it for each ``d``.

    Parameters
    ----------
    condition : str
    before_s : sequence of float
        Seconds between the cut's start and the interruption's onset.
    config : Config

    Returns
    -------
    list of dict
        One row per (interruption, d) that fits in its call: ``call``, ``onset_s``, ``by``,
        ``before_s``, ``found``, ``attributed``, ``false`` (false interruptions in the cut).
    """
    v = voices()
    rows = []
    for agent, customer in PAIRS:
        for seed in SEEDS:
            call = rc.assemble_call(v[agent], v[customer], seed,
                                    name=f"{agent}-{customer}-{seed}")
            y = signal(call, condition, seed)
            for e in (x for x in call.truth if x["kind"] == "interruption"):
                for d in before_s:
                    if e["start_s"] - d < 0:
                        continue
                    i0 = round((e["start_s"] - d) * SR / HOP) * HOP  # on a hop boundary
                    t0 = i0 / SR
                    seg = y[i0:i0 + round((d + AFTER_S) * SR)]
                    events = rc.run_pipeline(seg, config)
                    one = rc.score_call(cut_truth([e], t0, len(seg) / SR), events)
                    all_ = rc.score_call(cut_truth(call.truth, t0, len(seg) / SR), events)
                    rows.append({"call": call.name, "onset_s": round(e["start_s"], 3),
                                 "by": e["by"], "before_s": d, "found": one["tp"],
                                 "attributed": one["attributed"],
                                 "false": all_["n_detected"] - all_["tp"]})
    return rows


def summary(rows: Sequence[dict[str, Any]], before_s: Sequence[float]) -> dict[str, Any]:
    """Per ``d``: interruptions found / cut, attributed, false interruptions."""
    out = {}
    for d in before_s:
        r = [x for x in rows if x["before_s"] == d]
        out[str(d)] = {"n": len(r), "found": sum(x["found"] for x in r),
                       "attributed": sum(x["attributed"] for x in r),
                       "false": sum(x["false"] for x in r)}
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: print found / cut (false) per condition and ``d``."""
    from voicecoach.config import load_config

    ap = argparse.ArgumentParser(prog="python -m benchmarks.cold_start", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=["clean", "echo6"])
    ap.add_argument("--before", nargs="+", type=float, default=[1.0, 2.5, 5.0, 10.0],
                    metavar="S", help="seconds between a cut's start and its interruption")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="a configuration override, e.g. conversation.bleed_copy_hops=0")
    ap.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    args = ap.parse_args(argv)
    config = load_config(overrides=rc.parse_overrides(args.sets) if args.sets else None)
    result = {"sets": args.sets, "conditions": {}}
    print("interruptions found / cut (false interruptions), a cut starting d s before each"
          + (f"; {' '.join(args.sets)}" if args.sets else ""))
    print(f"{'condition':<14}" + "".join(f"{f'd={d:g} s':>16}" for d in args.before))
    for cond in args.conditions:
        rows = run(cond, args.before, config)
        s = summary(rows, args.before)
        result["conditions"][cond] = {"summary": s, "rows": rows}
        cells = ["{found}/{n} ({false})".format(**c) for c in s.values()]
        print(f"{cond:<14}" + "".join(f"{c:>16}" for c in cells), flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
