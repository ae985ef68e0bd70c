"""Check that a refactor changed no output: review, what-if and live replay, old vs new.

Usage::

    python scripts/check_same_reports.py BASE_REV [--keep DIR] [--quick]

Exports ``BASE_REV`` of this repository (``git archive``) to a temporary folder, then runs
the same commands with the base tree and with this working tree (each first on
``PYTHONPATH``, same interpreter, same configuration):

* ``voicecoach review`` of the demo call (``recordings/demo_call.flac``), two generated
  calls (``random_call_script`` seeds 3 and 7, one with far-end bleed) and a mono call,
  in English; the two generated calls again in French;
* a what-if run (``review --reuse ... --config`` with stricter coach thresholds);
* ``voicecoach live --replay CALL --speed inf --display none --record`` of one generated call.

and compares byte for byte: every ``report.json``, ``tracks.npy``,
``tracker_events.jsonl`` and ``report.html``; the live session's ``events.jsonl``,
``agent.wav``/``customer.wav`` and ``report.json`` (without its wall-clock ``live`` block).
Exit status 0 when all are identical, 1 otherwise (the differing files are listed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STRICT = """
[coach]
global_gap_s = 4.0
[coach.rules.pitch_high]
threshold = 0.5
[coach.rules.rate_high]
threshold = 5.0
"""


def _make_inputs(folder: Path, quick: bool) -> list[Path]:
    import numpy as np
    import soundfile as sf

    sys.path.insert(0, str(ROOT))
    from voicecoach.sources.synthetic import random_call_script, synth_call

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if not quick:
        out.append(ROOT / "recordings" / "demo_call.flac")
    # written once: their size and mtime are part of the reports (tracks.source)
    for seed, bleed in ((3, None), (7, -20.0)):
        p = folder / f"gen{seed}.wav"
        if not p.exists():
            x, _ = synth_call(random_call_script(seed, n_turns=8), bleed_db=bleed, seed=seed)
            sf.write(p, x, 16000, subtype="PCM_16")
        out.append(p)
    mono = folder / "mono.wav"
    if not mono.exists():
        x, _ = synth_call(random_call_script(11, n_turns=4), seed=11)
        sf.write(mono, np.ascontiguousarray(x[:, 0]), 16000, subtype="PCM_16")
    out.append(mono)
    return out


def _run(tree: Path, args: list[str], cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    env.pop("DISPLAY", None)
    r = subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    if r.returncode not in (0, 1):
        raise SystemExit(f"{tree}: voicecoach {' '.join(args)} failed:\n{r.stderr}")


def _produce(tree: Path, work: Path, inputs: list[Path], strict: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    out = work / "review"
    _run(tree, ["review", *map(str, inputs), "--out", str(out), "--lang", "en"], work)
    gen = [str(p) for p in inputs if p.name.startswith("gen")]
    _run(tree, ["review", *gen, "--out", str(work / "review_fr"), "--lang", "fr"], work)
    reports = sorted(str(p) for p in out.iterdir() if (p / "report.json").is_file())
    _run(
        tree,
        ["review", "--reuse", *reports, "--config", str(strict), "--out", str(work / "whatif")],
        work,
    )
    replay = next(p for p in inputs if p.name == "gen7.wav")
    _run(
        tree,
        [
            "live",
            "--replay",
            str(replay),
            "--speed",
            "inf",
            "--display",
            "none",
            "--record",
            str(work / "live"),
        ],
        work,
    )


def _files(work: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for p in sorted(work.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(work)
        parts = list(rel.parts)
        data = p.read_bytes()
        if parts[0] == "live":
            parts[1] = "SESSION"  # a timestamp
            if p.name == "session.json":
                continue
            # the session's own paths (its folder name is a timestamp)
            data = data.replace(str(p.parent).encode(), b"SESSION")
            if p.name == "report.json":
                d = json.loads(data)
                d.pop("live", None)  # wall-clock latencies
                data = json.dumps(d, sort_keys=True).encode()
        if p.suffix in (".png", ".ogg"):
            continue  # encoder metadata; the rows they draw are in tracks.npy
        out["/".join(parts)] = data
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", help="git revision to compare against (e.g. main)")
    ap.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    ap.add_argument("--quick", action="store_true", help="skip the 2-minute demo call")
    a = ap.parse_args(argv)
    tmp = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="vc-same-"))
    tmp.mkdir(parents=True, exist_ok=True)
    base = tmp / "base-tree"
    if not base.exists():
        base.mkdir()
        arch = tmp / "base.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(arch), a.base], check=True)
        with tarfile.open(arch) as t:
            t.extractall(base, filter="data")
    inputs = _make_inputs(tmp / "inputs", a.quick)
    strict = tmp / "strict.toml"
    strict.write_text(STRICT)
    results = {}
    for name, tree in (("base", base), ("new", ROOT)):
        work = tmp / name
        if name == "new" and work.exists():
            shutil.rmtree(work)
        if not work.exists():  # the base outputs are kept between runs with --keep
            _produce(tree, work, inputs, strict)
        results[name] = _files(work)
    old, new = results["base"], results["new"]
    bad = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    print(f"compared {len(old)} files of {a.base} with {len(new)} of the working tree in {tmp}")
    for k in bad:
        print(f"  DIFFERS: {k}" if k in old and k in new else f"  ONLY IN ONE: {k}")
    print("identical" if not bad else f"{len(bad)} file(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
