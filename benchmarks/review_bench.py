"""Review benchmarks: batch throughput, what-if speedup and peak memory against call length.

``run_review_benchmarks(quick)`` returns a JSON-ready dict (nothing is asserted):

* ``throughput``: ``voicecoach review`` of a batch of synthetic calls with the default
  outputs (report.json, tracks, OGG playback copy, timeline.png, report.html), for
  ``jobs=1`` (in this process) and ``jobs=2`` (spawned processes, start-up included), with
  a progress sink as the CLI has: calls per minute, × real time, CPU seconds used and
  ``core_share`` (CPU seconds / (wall × jobs)): well under 1 means other work on the
  machine took the cores (it skews the jobs=2 figure most);
* ``whatif``: a fresh analysis (``review_call`` without rendering or audio copy) against a
  re-coach from the cached tracks with other coach thresholds (``recoach_call`` without
  rendering), median of a few runs, and the ratio;
* ``memory``: peak resident memory (``VmHWM`` of a child process that only reviews one
  call) for two call lengths, and their ratio (flat means ≈ 1).

Calls are the synthetic demo call (``synth_call(demo_script())``, 89.5 s) rendered with
different seeds and concatenated into FLAC files, generated once and cached under
``$TMPDIR/voicecoach-review-bench``. The full run uses 10-minute and 1-hour calls for the
memory test; ``quick`` uses 2 and 12 minutes (said in the output).

Run alone: ``python -m benchmarks.review_bench [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["make_call", "run_review_benchmarks"]

SR = 16000
STRICT = {"rate_high": {"threshold": 5.0}, "pitch_high": {"threshold": 0.5}}


def _cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "voicecoach-review-bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def make_call(seconds: float, seed: int = 0) -> Path:
    """A cached synthetic stereo FLAC call of ``seconds`` (demo call segments, 16 kHz)."""
    import soundfile as sf

    from voicecoach.sources.synthetic import demo_script, synth_call

    path = _cache_dir() / f"call_{int(seconds)}s_seed{seed}.flac"
    if path.is_file():
        return path
    tmp = path.with_suffix(".tmp.flac")
    n_total = round(seconds * SR)
    script = demo_script()[0]
    written = 0
    k = 0
    with sf.SoundFile(str(tmp), "w", SR, 2, format="FLAC", subtype="PCM_16") as f:
        while written < n_total:
            x, _ = synth_call(script, seed=seed * 1000 + k)
            x = x[: n_total - written]
            f.write(x)
            written += x.shape[0]
            k += 1
    os.replace(tmp, path)
    return path


def _throughput(files: list[Path], jobs: int, out: Path) -> dict[str, Any]:
    from voicecoach.config import load_config
    from voicecoach.review.batch import ReviewOptions, Task, run_batch
    from voicecoach.review.calls import discover_calls

    calls, failures = discover_calls(files)
    assert not failures, failures
    opts = ReviewOptions(str(out), load_config(), lang="en", reuse=False)
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    # with a progress sink, as `voicecoach review` runs it
    res = run_batch([Task(c.stem, call=c) for c in calls], opts, jobs=jobs, on_progress=_noop)
    wall = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    bad = [r.error for r in res if not r.ok]
    audio_s = sum(r.duration_s for r in res)
    return {
        "jobs": jobs,
        "calls": len(res),
        "failed": bad,
        "audio_s": round(audio_s, 1),
        "wall_s": round(wall, 2),
        "calls_per_min": round(60.0 * len(res) / wall, 1),
        "x_real_time": round(audio_s / wall, 1),
        # CPU seconds of this process and its workers, and the share of its cores it got
        "cpu_s": round(cpu, 2),
        "core_share": round(cpu / (wall * min(jobs, os.cpu_count() or 1)), 2),
    }


def _noop(*_: Any) -> None:
    pass


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its waited-for children."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _whatif(path: Path, out: Path, repeats: int) -> dict[str, Any]:
    from voicecoach.config import load_config
    from voicecoach.review.calls import discover_calls
    from voicecoach.review.one_call import review_call
    from voicecoach.review.whatif import recoach_call

    cfg = load_config()
    strict = cfg.replace(coach={"rules": STRICT})
    (call,), _ = discover_calls([path])
    fresh, again = [], []
    nudges = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        rep = review_call(call, out, cfg, lang="en", render=False, audio="none")
        fresh.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        new, _ = recoach_call(out / call.stem, out / "whatif", strict, lang="en", render=False)
        again.append(time.perf_counter() - t0)
        nudges = {"before": new["whatif"]["nudges_before"], "after": new["whatif"]["nudges"]}
    f, a = statistics.median(fresh), statistics.median(again)
    return {
        "call_s": rep["audio"]["duration_s"],
        "repeats": repeats,
        "fresh_analysis_s": round(f, 3),
        "recoach_s": round(a, 4),
        "speedup": round(f / a, 1),
        "nudges": nudges,
        "note": "fresh = review_call(render=False, audio='none'); recoach = recoach_call("
        "render=False) with stricter pitch/rate thresholds (tracker events and baselines "
        "reused from the cache)",
    }


def _rss_child(path: Path, out: Path) -> dict[str, Any]:
    code = (
        "import json, sys, time\n"
        "from benchmarks.review_bench import _child_main\n"
        "_child_main(sys.argv[1], sys.argv[2])\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run(
        [sys.executable, "-c", code, str(path), str(out)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=str(root),
    )
    if r.returncode != 0:
        return {"error": r.stderr.strip().splitlines()[-1:] or ["child failed"]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _child_main(path: str, out: str) -> None:
    """Review one call with the default outputs; print peak RSS (VmHWM) as JSON."""
    from voicecoach.review.calls import assign_meta, discover_calls
    from voicecoach.review.one_call import review_call

    t0 = time.perf_counter()
    (call,), _ = discover_calls([path])
    rep = review_call(assign_meta([call])[0], out, lang="en")
    wall = time.perf_counter() - t0
    peak = None
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024.0
    if peak is None:  # pragma: no cover - not Linux
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "call_s": rep["audio"]["duration_s"],
                "peak_rss_mb": round(peak, 1),
                "wall_s": round(wall, 2),
                "x_real_time": round(rep["audio"]["duration_s"] / wall, 1),
            }
        )
    )


def run_review_benchmarks(quick: bool = False) -> dict[str, Any]:
    """Run the review benchmarks (see the module notes); returns a JSON-ready dict."""
    n_calls = 4 if quick else 8
    lengths = (120.0, 720.0) if quick else (600.0, 3600.0)
    whatif_len = 180.0 if quick else 600.0
    files = [make_call(89.5, seed=i + 1) for i in range(n_calls)]
    with tempfile.TemporaryDirectory(prefix="vc-review-bench-") as tmp:
        t = Path(tmp)
        thr = [_throughput(files, j, t / f"j{j}") for j in (1, 2)]
        wi = _whatif(make_call(whatif_len, seed=99), t / "whatif", 3)
        mem = {}
        for s in lengths:
            mem[f"{int(s)}s"] = _rss_child(make_call(s, seed=7), t / f"rss{int(s)}")
    peaks = [m.get("peak_rss_mb") for m in mem.values()]
    return {
        "quick": quick,
        "note": (
            "quick mode: memory measured on 2- and 12-minute calls instead of 10 minutes and "
            "1 hour; fewer calls in the throughput batch"
            if quick
            else "memory on 10-minute and 1-hour calls"
        ),
        "throughput": {
            "call_s": 89.5,
            "outputs": "report.json, tracks.npy, audio.ogg, timeline.png, report.html",
            "runs": thr,
            "jobs2_over_jobs1": round(thr[1]["calls_per_min"] / thr[0]["calls_per_min"], 2),
        },
        "whatif": wi,
        "memory": {
            "by_length": mem,
            "long_over_short": round(peaks[1] / peaks[0], 3)
            if all(isinstance(p, float) for p in peaks)
            else None,
        },
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
    }


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run_review_benchmarks("--quick" in sys.argv[1:]), indent=1))
