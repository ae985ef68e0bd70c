"""Event log: one JSON object per line, flushed per event.

The objects are the report schema's events (:func:`voicecoach.events.event_to_dict`), so a
live session's log and ``report.json`` mean the same. Open events (an interruption decided
before its overlap ends) are written when decided and again, with the same ``id``, when
they close: a reader keeps the last line of each id (:func:`read_events`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from ..errors import ParameterError, SourceError
from ..events import Event, event_from_dict, event_to_dict, final_events
from ..privacy import open_private, private_dir

__all__ = ["EventLog", "read_events", "refuse_existing_log"]


def refuse_existing_log(path: str | os.PathLike[str]) -> Path:
    """Raise :class:`ParameterError` if ``path`` is a regular file that is not empty.

    A live session's ``--events`` log is opened for writing, which would truncate it: an
    earlier session's events would be lost. An empty file and a device (``/dev/stdout``)
    are accepted. Called before the session starts, so nothing is recorded on a refusal.

    Parameters
    ----------
    path : path-like
        The ``--events`` log.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        For an existing, non-empty regular file, a folder, or a file in a folder that does not
        exist (the message names it and the fixes).
    """
    p = Path(path)
    if p.is_dir():
        raise ParameterError(
            f"the event log {str(p)!r} is a folder; give a file name (e.g. --events "
            f"{str(p / 'events.jsonl')!r})"
        )
    if not p.parent.is_dir():
        raise ParameterError(
            f"the event log's folder {str(p.parent)!r} does not exist (or is not a folder); "
            f"create it first, or give a file in an existing folder"
        )
    try:
        size = p.stat().st_size if p.is_file() else 0
    except OSError:
        size = 0  # unreadable: opening it reports the real problem
    if size > 0:
        raise ParameterError(
            f"the event log {str(p)!r} already exists ({size} bytes) and a session would "
            f"overwrite it; give another file name (e.g. --events "
            f"{str(p.with_name(p.stem + '-2' + p.suffix))!r}) or remove it first"
        )
    return p


class EventLog:
    """Append events to a JSON-lines file, flushing (and fsync-ing) each one.

    Parameters
    ----------
    path : path-like
        Created (with parent folders) or truncated (a live session first refuses an
        existing log: :func:`refuse_existing_log`).
    fsync : bool
        Also ``os.fsync`` after each line, so a crash loses nothing written.
    """

    def __init__(self, path: str | os.PathLike[str], fsync: bool = True) -> None:
        self.path = Path(path)
        private_dir(self.path.parent, own=False)  # a user's folder (--events PATH): left as is
        self._f: IO[str] | None = open_private(self.path, "w", encoding="utf-8")
        self._fsync = fsync
        self.count = 0

    def write(self, events: Iterable[Event]) -> None:
        """Write events (in order) and flush.

        Parameters
        ----------
        events : iterable of Event
            One JSON line each (:func:`~voicecoach.events.event_to_dict`).

        Raises
        ------
        ParameterError
            If the log is closed.
        OSError
            If the write fails (e.g. a full disk).
        """
        if self._f is None:
            raise ParameterError(f"event log {self.path} is closed; open a new EventLog")
        wrote = False
        for ev in events:
            self._f.write(json.dumps(event_to_dict(ev), allow_nan=False) + "\n")
            self.count += 1
            wrote = True
        if wrote:
            self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_events(path: str | os.PathLike[str], final: bool = True) -> list[Event]:
    """Read a JSON-lines event log.

    Parameters
    ----------
    path : path-like
    final : bool
        Keep only the last version of each event id (see module notes).

    Returns
    -------
    list of Event

    Raises
    ------
    SourceError
        Missing file, or a line that is not an event (a truncated last line, as a crash
        can leave, is ignored).
    """
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"event log {str(p)!r} does not exist")
    lines = p.read_text(encoding="utf-8").splitlines()
    events: list[Event] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            events.append(event_from_dict(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            if i == len(lines) - 1:
                break  # a line cut short by a crash
            raise SourceError(f"{str(p)!r} line {i + 1} is not a voicecoach event: {e}") from None
    return final_events(events) if final else events
