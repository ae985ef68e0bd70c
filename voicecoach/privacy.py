"""Files and folders readable by their owner only, whatever the umask.

Recordings hold customers' voices, reports and profiles the agent's voice statistics: every
writer in voicecoach creates its files through :func:`open_private` or :func:`private_file`
(mode 0600) inside folders made by :func:`private_dir` (mode 0700). ``os.open`` and
``os.mkdir`` take the mode, and an explicit ``chmod`` makes it independent of the umask
(a umask of 000 would otherwise leave 0666 files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "Expired",
    "open_private",
    "private_dir",
    "private_file",
    "prune_recordings",
    "shown_path",
]

#: Mode of every file voicecoach writes (owner read/write).
FILE_MODE = 0o600
#: Mode of every folder voicecoach creates (owner only).
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike[str], *, own: bool = True) -> Path:
    """Create a folder (and missing parents) with mode 0700.

    Parameters
    ----------
    path : path-like
    own : bool
        Also set 0700 on ``path`` when it already exists (a folder voicecoach owns: a report,
        a session, the profile store). Existing parents are never changed.

    Returns
    -------
    Path
    """
    p = Path(path)
    missing = []
    q = p
    while not q.exists():
        missing.append(q)
        if q.parent == q:
            break
        q = q.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)
    if own and p.is_dir():
        os.chmod(p, DIR_MODE)
    return p


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create (or truncate) an empty file with mode 0600, for a library to write into.

    Libraries that open the path themselves (libsndfile, matplotlib) truncate an existing
    file and keep its mode, so creating it first makes their output private too.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        If the file cannot be created.
    """
    p = Path(path)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return p


def open_private(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file created with mode 0600.

    Parameters
    ----------
    path : path-like
    mode : {"w", "wb", "a", "ab"}
    **kwargs
        Passed to :func:`os.fdopen` (``encoding``, ``newline``).

    Returns
    -------
    file object
        Open for writing (appending for ``"a"`` modes).

    Raises
    ------
    OSError
        If the file cannot be created or opened.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def shown_path(path: str | os.PathLike[str], full: bool) -> str:
    """What a report or profile stores of a source file: its name, or with ``full`` its
    absolute path (user names and folder structure: only on explicit request).

    Parameters
    ----------
    path : path-like
    full : bool

    Returns
    -------
    str
        The file name, or with ``full`` the resolved absolute path.
    """
    p = Path(path)
    return str(p.resolve()) if full else p.name


@dataclass(frozen=True)
class Expired:
    """A recorded session past the retention period.

    Attributes
    ----------
    folder : Path
    age_days : float
        Days since its newest file was last written.
    size_bytes : int
    """

    folder: Path
    age_days: float
    size_bytes: int


def _is_session(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    return "session.json" in names or any(
        {f"agent{e}", f"customer{e}"} <= names for e in (".wav", ".flac")
    )


def prune_recordings(
    record_dir: str | os.PathLike[str],
    older_than_days: float,
    *,
    dry_run: bool = False,
    now_s: float | None = None,
) -> list[Expired]:
    """Delete the session folders of ``voicecoach live --record`` past a retention period.

    Only folders directly under ``record_dir`` that hold a session (``session.json``, or
    ``agent.wav`` + ``customer.wav``) are considered; anything else is left alone.

    Parameters
    ----------
    record_dir : path-like
        The parent of the session folders (``[live] record_dir``).
    older_than_days : float
        Sessions whose newest file is older than this many days are deleted (> 0).
    dry_run : bool
        Only list what would be deleted.
    now_s : float, optional
        The current time (epoch seconds); for tests.

    Returns
    -------
    list of Expired
        The deleted (or, with ``dry_run``, deletable) sessions, oldest first.

    Raises
    ------
    ParameterError
        ``older_than_days`` is not positive.
    SourceError
        ``record_dir`` is not a folder.
    """
    import shutil
    import time

    from .errors import ParameterError, SourceError

    if not older_than_days > 0:
        raise ParameterError(
            f"--older-than must be a positive number of days, got {older_than_days!r}; "
            f"e.g. --older-than 30"
        )
    root = Path(record_dir)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise SourceError(
            f"recordings folder {str(root)!r} {what}; give the folder of the session "
            f"folders with --dir (default: [live] record_dir; a relative one is read from "
            f"the current folder)"
        )
    now = time.time() if now_s is None else now_s
    out: list[Expired] = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if not _is_session(d):
            continue
        files = [f for f in d.rglob("*") if f.is_file()]
        newest = max((f.stat().st_mtime for f in files), default=d.stat().st_mtime)
        age_days = (now - newest) / 86400.0
        if age_days > older_than_days:
            out.append(Expired(d, age_days, sum(f.stat().st_size for f in files)))
    out.sort(key=lambda e: -e.age_days)
    if not dry_run:
        for e in out:
            shutil.rmtree(e.folder)
    return out
