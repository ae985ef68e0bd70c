"""``python -m benchmarks [--quick] [--compare A.json B.json] [--out DIR] [--only STEP...]``.

Runs the benchmark suite (speed, memory, accuracy, peers side by side), prints a table,
writes ``DIR/<timestamp>.json`` and ``DIR/latest.json`` (default DIR:
``benchmarks/results``) and PNG plots next to them. ``--compare A.json B.json`` prints
every figure's change as a ratio and flags those worse by more than 10 % (exit status 1
when any is flagged).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None  # strict JSON: NaN/inf become null
    return x


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    from .suite import FULL, QUICK, STEPS

    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="voicecoach benchmark suite: live per-hop cost, review speed vs Praat and "
        "librosa, peak memory, pitch/VAD/rate accuracy on real and synthetic speech.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    ap.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                    help="compare two result files (B against A) and exit")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for results and plots")
    ap.add_argument("--only", nargs="+", choices=[n for n, _ in STEPS], default=None,
                    help="run only these steps")
    ap.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    ap.add_argument("--all-figures", action="store_true",
                    help="with --compare: also list figures without a better direction")
    args = ap.parse_args(argv)

    if args.compare:
        from .compare import compare_results, format_changes, load

        try:
            a, b = load(args.compare[0]), load(args.compare[1])
        except (OSError, json.JSONDecodeError) as e:
            print(f"Error: cannot read results: {e}", file=sys.stderr)
            return 2
        for name, doc in zip(args.compare, (a, b), strict=True):
            if not (isinstance(doc, dict)
                    and str(doc.get("schema", "")).startswith("voicecoach.bench")):
                print(f"Error: {name!r} is not a benchmark result (no 'schema': "
                      f"'voicecoach.bench/...'); give two files written by python -m benchmarks",
                      file=sys.stderr)
                return 2
        changes = compare_results(a, b)
        print(f"A = {args.compare[0]} ({a.get('created', '?')}, "
              f"{'quick' if a.get('quick') else 'full'})")
        print(f"B = {args.compare[1]} ({b.get('created', '?')}, "
              f"{'quick' if b.get('quick') else 'full'})")
        if a.get("quick") != b.get("quick"):
            print("warning: comparing a quick run with a full run; sizes differ")
        print(format_changes(changes, only_judged=not args.all_figures))
        return 1 if any(c.flagged for c in changes) else 0

    from .plots import write_plots
    from .report import print_table
    from .suite import run_suite

    out: Path = args.out
    try:  # before the run, so a bad --out does not cost the results
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as e:
        print(f"Error: --out {str(out)!r} is not a writable folder ({e.strerror or e}); give "
              f"another folder", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    result, store = run_suite(QUICK if args.quick else FULL, tuple(args.only or ()))
    stem = time.strftime("%Y%m%dT%H%M%S") + ("-quick" if args.quick else "")
    if not args.no_plots:
        try:
            result["plots"] = write_plots(store, result, out, stem)
        except Exception as e:  # a plot failure must not lose the results
            result["plots"] = [f"failed: {type(e).__name__}: {e}"]
    result["run_s"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(_jsonable(result), indent=1, allow_nan=False)
    print_table(result)  # first: a failed write below still shows the figures
    try:
        (out / f"{stem}.json").write_text(text + "\n", encoding="utf-8")
        (out / "latest.json").write_text(text + "\n", encoding="utf-8")
    except OSError as e:
        print(f"Error: cannot write the results to {str(out)!r}: {e.strerror or e}",
              file=sys.stderr)
        return 2
    print(f"wrote {out / (stem + '.json')} and {out / 'latest.json'}"
          + (f"; plots: {', '.join(result.get('plots', []))}" if result.get("plots") else ""))
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
