"""The cache folder and its verification against the recorded checksums."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .checksums import CHECKSUMS
from .sources import MANIFEST
from .specs import _spec


def cache_root(cache_dir: Path | str | None = None) -> Path:
    """The cache folder: `cache_dir`, else ``$VOICECOACH_DATA``, else the default.

    Parameters
    ----------
    cache_dir : path-like, optional
        Explicit cache folder.

    Returns
    -------
    Path
        ``cache_dir``, ``$VOICECOACH_DATA`` or ``~/.cache/voicecoach/datasets``.
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("VOICECOACH_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "voicecoach" / "datasets"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(
    name: str, cache_dir: Path | str | None = None, checksums: dict[str, str] | None = None
) -> list[str]:
    """Check a cached dataset against the recorded checksums.

    Parameters
    ----------
    name : str
        Dataset name.
    cache_dir : path-like, optional
        Cache folder (see :func:`cache_root`).
    checksums : dict, optional
        ``{"<dataset>/<file>": sha256}``; defaults to :data:`CHECKSUMS`.

    Returns
    -------
    list of str
        Problems found (missing file, no recorded checksum, mismatch); empty
        when the dataset is complete and intact.
    """
    spec = _spec(name)
    sums = CHECKSUMS if checksums is None else checksums
    root = cache_root(cache_dir)
    problems = []
    dests = [m.dest for m in spec.members]
    if spec.bundle is not None:
        dests.append(MANIFEST)
    for dest in dests:
        key = f"{name}/{dest}"
        path = root / key
        if key not in sums:
            problems.append(f"{key}: no recorded checksum")
        elif not path.is_file():
            problems.append(f"{key}: missing")
        elif _sha256(path) != sums[key]:
            problems.append(f"{key}: checksum mismatch")
    if spec.bundle is not None and not problems:
        problems = [f"{name}/{p}" for p in _manifest_problems(root / name)]
    return problems


def _manifest_problems(d: Path) -> list[str]:
    """Files of a bundle's folder that are missing or differ from its manifest."""
    problems = []
    for line in (d / MANIFEST).read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        f = d / rel
        if not f.is_file():
            problems.append(f"{rel}: missing")
        elif _sha256(f) != digest:
            problems.append(f"{rel}: checksum mismatch")
    return problems
