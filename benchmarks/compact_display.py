"""What a live display costs: the whole live process' CPU with each display, on Xvfb.

``python -m benchmarks.compact_display [--seconds S] [--repeats N] [--displays KIND ...]``

Each run is a fresh process that replays the bundled demo call (two channels, default
configuration: Silero VAD, echo canceller on) through :class:`~voicecoach.session.LiveSession`
in real time, with one display: ``none``, ``compact`` (the Tk strip at its default
``min([live] fps, compact_fps_max)``), ``compact20`` (the strip at 20 frames/s) or
``window`` (the matplotlib chart, TkAgg, ``[live] fps``). Runs of the different displays
are interleaved, on one private Xvfb server started here; the figures are medians over
the repeats. Measured, from the start of the session to its end (imports excluded):

* ``process_cpu_pct``: the live process' CPU, % of one core (analysis + display + capture);
* ``display_cpu_pct``: the drawing (main) thread's CPU, % of one core;
* ``xserver_cpu_pct``: the X server's CPU over the run (what the display costs there);
* ``draw_ms`` p50/p99 and ``fps`` (frames drawn per second);
* ``process_cpu_over_none_pct``: the median over repeats of the process' CPU minus that of
  the ``none`` run of the same repeat (the display's cost, net of the machine's drift).

Needs Linux, ``Xvfb`` and tkinter. Writes ``--out`` (default
``benchmarks/results/compact_display.json``) with the machine's description.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("none", "compact", "compact20", "window")


def _child(kind: str, seconds: float) -> dict[str, Any]:
    """One live session replaying the demo call with display ``kind`` (in this process)."""
    from voicecoach.config import load_config
    from voicecoach.review.calls import discover_calls
    from voicecoach.session import LiveSession
    from voicecoach.sources.replay import ReplaySource

    cfg = load_config()
    demo = Path(__file__).resolve().parents[1] / "recordings" / "demo_call.flac"
    calls, failures = discover_calls([str(demo)], 0, config=cfg)
    if failures:
        raise SystemExit(f"cannot read the demo call: {failures[0][1]}")
    session = LiveSession(ReplaySource(calls[0], cfg, speed=1.0), cfg, duration_s=seconds)
    display: Any = None
    if kind.startswith("compact"):
        from voicecoach.sinks.compact import CompactDisplay

        display = CompactDisplay(session.model, fps=20.0 if kind == "compact20" else None)
        display.open()
    elif kind == "window":
        from voicecoach.sinks.window import WindowDisplay

        display = WindowDisplay(session.model, backend="TkAgg")
        display.open()
    wall0, cpu0 = time.monotonic(), time.process_time()
    res = session.run(display)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    out: dict[str, Any] = {
        "kind": kind,
        "seconds": res.duration_s,
        "process_cpu_pct": 100.0 * cpu / wall,
        "analysis_ms_p50": res.analysis_ms["p50"],
    }
    if display is not None:
        st = display.stats()
        out.update(
            display_cpu_pct=st["cpu_pct"],
            fps=st["fps"],
            max_fps=st["max_fps"],
            draw_ms_p50=st["draw_ms"]["p50"],
            draw_ms_p99=st["draw_ms"]["p99"],
            frames_late=st["frames_late"],
        )
    return out


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, s (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _xvfb() -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("Xvfb")
    if exe is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb)")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        return proc, ":" + f.readline().strip()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.compact_display",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--seconds", type=float, default=30.0, help="audio replayed per run, s")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--displays", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--out", type=Path, default=RESULTS / "compact_display.json")
    ap.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.seconds)))
        return 0

    from .machine import describe_machine

    xvfb, display = _xvfb()
    env = {**os.environ, "DISPLAY": display}
    env.pop("MPLBACKEND", None)
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in args.displays}
    try:
        for rep in range(args.repeats):
            for kind in args.displays:
                x0 = _cpu_s(xvfb.pid)
                t0 = time.monotonic()
                cmd = [sys.executable, "-m", "benchmarks.compact_display", "--child", kind]
                res = subprocess.run(
                    [*cmd, "--seconds", str(args.seconds)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=Path(__file__).resolve().parents[1],
                    timeout=args.seconds * 4 + 120,
                )
                if res.returncode != 0:
                    print(res.stderr[-2000:], file=sys.stderr)
                    return 1
                r = json.loads(res.stdout.strip().splitlines()[-1])
                # the X server over the child's whole life (start-up included: an upper bound)
                r["xserver_cpu_pct"] = 100.0 * (_cpu_s(xvfb.pid) - x0) / (time.monotonic() - t0)
                runs[kind].append(r)
                print(f"[{rep + 1}/{args.repeats}] {kind}: " + json.dumps(r), file=sys.stderr)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)

    keys = (
        "process_cpu_pct",
        "display_cpu_pct",
        "xserver_cpu_pct",
        "fps",
        "max_fps",
        "draw_ms_p50",
        "draw_ms_p99",
        "analysis_ms_p50",
    )
    summary = {
        kind: {
            k: round(statistics.median(r[k] for r in rs), 2)
            for k in keys
            if all(k in r for r in rs)
        }
        for kind, rs in runs.items()
    }
    if "none" in runs:  # paired by repeat: the display's cost net of the machine's drift
        for kind, rs in runs.items():
            if kind != "none":
                pairs = zip(rs, runs["none"], strict=True)
                d = [r["process_cpu_pct"] - n["process_cpu_pct"] for r, n in pairs]
                summary[kind]["process_cpu_over_none_pct"] = round(statistics.median(d), 2)
    print(f"{'display':<10} " + " ".join(f"{k:>16}" for k in keys))
    for kind, s in summary.items():
        print(f"{kind:<10} " + " ".join(f"{s.get(k, float('nan')):>16.2f}" for k in keys))
    for kind, s in summary.items():
        if "process_cpu_over_none_pct" in s:
            over = s["process_cpu_over_none_pct"]
            print(f"{kind}: process CPU over none, paired median {over} %")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "compact_display",
        "seconds": args.seconds,
        "repeats": args.repeats,
        "summary": summary,
        "runs": runs,
        "machine": describe_machine(),
    }
    args.out.write_text(json.dumps(doc, indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
