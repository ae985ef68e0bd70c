"""The description of the machine a benchmark ran on (written into every result file)."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["REQUIRED_KEYS", "describe_machine"]

#: Keys every machine description has.
REQUIRED_KEYS = (
    "cpu_model",
    "cores_logical",
    "cores_usable",
    "python",
    "numpy",
    "blas",
    "platform",
    "packages",
    "load_avg",
    "git",
)

_PACKAGES = (
    "numpy",
    "scipy",
    "soundfile",
    "soxr",
    "webrtcvad-wheels",
    "onnxruntime",
    "silero-vad",
    "praat-parselmouth",
    "librosa",
    "matplotlib",
    "threadpoolctl",
    "voicecoach",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_mhz() -> float | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("cpu mhz"):
                return float(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def _blas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        from threadpoolctl import threadpool_info

        out["threadpools"] = [
            {k: v for k, v in d.items() if k in ("user_api", "internal_api", "version",
                                                 "num_threads", "architecture", "prefix")}
            for d in threadpool_info()
        ]
    except ImportError:
        out["threadpools"] = "threadpoolctl not installed"
    try:
        import numpy as np

        cfg = np.show_config(mode="dicts")
        deps = cfg.get("Build Dependencies", {})
        out["numpy_build"] = {
            k: {kk: deps[k].get(kk) for kk in ("name", "version", "found") if kk in deps[k]}
            for k in ("blas", "lapack")
            if k in deps
        }
        simd = cfg.get("SIMD Extensions", {})
        out["simd_found"] = simd.get("found")
    except (TypeError, ValueError, AttributeError):  # older numpy: text only
        import numpy as np

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        out["numpy_build"] = buf.getvalue()[:2000]
    return out


def _git() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if rev.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": rev.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def describe_machine() -> dict[str, Any]:
    """CPU, cores, Python, numpy, BLAS, package versions, load and git revision.

    Returns
    -------
    dict
        Has at least the keys in :data:`REQUIRED_KEYS`.
    """
    import numpy as np

    pkgs = {}
    for p in _PACKAGES:
        try:
            pkgs[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pkgs[p] = None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        mem_gb = None
    return {
        "cpu_model": _cpu_model(),
        "cpu_mhz": _cpu_mhz(),
        "cores_logical": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": mem_gb,
        "python": sys.version.split()[0],
        "python_impl": platform.python_implementation(),
        "numpy": np.__version__,
        "blas": _blas(),
        "platform": platform.platform(),
        "packages": pkgs,
        "load_avg": load,
        "git": _git(),
    }
