"""Public real-speech recordings for voicecoach benchmarks.

The command line (``python -m benchmarks.datasets``): ``fetch [NAMES...]``, ``list`` and
(maintainers) ``record-checksums``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .cache import _sha256, cache_root
from .download import _fetch_many
from .sources import MANIFEST
from .specs import _SPECS, available
from .utterance import DatasetError


def _dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m benchmarks.datasets``)."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.datasets", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--cache-dir", type=Path, default=None, help="cache folder")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="fetch (or verify) datasets and list their files")
    f.add_argument("names", nargs="*", help=f"datasets (default: all of {available()})")
    f.add_argument("--force", action="store_true", help="re-download even if the cache is valid")
    sub.add_parser("list", help="list the datasets")
    r = sub.add_parser("record-checksums", help="(maintainers) fetch unverified, print CHECKSUMS")
    r.add_argument("names", nargs="*")
    args = ap.parse_args(argv)

    if args.cmd == "list":
        for n in available():
            print(f"{n:14s} {_SPECS[n].description}")
        return 0
    names = args.names or available()
    root = cache_root(args.cache_dir)
    t0 = time.monotonic()
    try:
        if args.cmd == "record-checksums":
            _fetch_many(names, root, force=True, check=False)
            print("CHECKSUMS: dict[str, str] = {")
            for n in names:
                dests = [m.dest for m in _SPECS[n].members]
                if _SPECS[n].bundle is not None:
                    dests.append(MANIFEST)
                for d in dests:
                    print(f'    "{n}/{d}": "{_sha256(root / n / d)}",')
            print("}")
            return 0
        got = _fetch_many(names, root, force=args.force)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    dt = time.monotonic() - t0
    for n, utts in got.items():
        print(f"{n}: {len(utts)} utterances, {_dir_size(root / n) / 1e6:.2f} MB in {root / n}")
        for u in utts:
            extra = []
            if u.syllables is not None:
                extra.append(f"{u.syllables} syl")
            if u.segments is not None:
                extra.append(f"{len(u.segments)} segments")
            sex = u.sex or "?"
            print(f"  {u.id:42s} {u.language or '-':2s} {sex} {', '.join(extra)}")
    downloaded = getattr(_fetch_many, "bytes_downloaded", 0)
    print(f"downloaded {downloaded / 1e6:.1f} MB in {dt:.1f} s; cache {root}")
    return 0
