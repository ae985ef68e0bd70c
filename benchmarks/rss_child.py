"""Child process of the memory benchmark: analyse one file, print peak RSS as JSON.

Usage: ``python -m benchmarks.rss_child FILE {iter_features|analyze_file}``

``iter_features`` streams the file and keeps nothing but a hop count (the review path's
constant-memory mode); ``analyze_file`` keeps all rows, as the public API returns them.
The peak resident set of this process, imports included, is read from ``VmHWM`` in
``/proc/self/status``: the high-water mark of this process's own address space.
``getrusage(RUSAGE_SELF).ru_maxrss`` is printed too, but on Linux it carries over the
parent's resident size at fork/exec (the benchmark parent holds Praat, librosa and the
datasets, ~0.5 GB), so it is not a measure of the child.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else _maxrss_mb()


def main(argv: list[str] | None = None) -> int:
    """Analyse ``argv[0]`` in mode ``argv[1]``; print one JSON line."""
    args = sys.argv[1:] if argv is None else argv
    path, mode = args[0], args[1]
    import soundfile as sf

    from voicecoach.io import analyze_file, iter_features

    info = sf.info(path)
    before = _status_mb("VmRSS") or _peak_mb()
    t0 = time.perf_counter()
    hops = 0
    if mode == "iter_features":
        for rows in iter_features(path):
            hops += len(rows[0])
    elif mode == "analyze_file":
        rows = analyze_file(path)
        hops = len(rows[0])
    else:
        print(f"Error: unknown mode {mode!r}; use iter_features or analyze_file", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    audio_s = info.frames / info.samplerate
    print(
        json.dumps(
            {
                "rss_after_imports_mb": round(before, 1),
                "peak_rss_mb": round(_peak_mb(), 1),
                "ru_maxrss_mb": round(_maxrss_mb(), 1),
                "audio_s": audio_s,
                "channels": info.channels,
                "hops": hops,
                "wall_s": round(wall, 2),
                "rtf_per_channel": round(wall / audio_s / info.channels, 6),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
