"""The track cache of a reviewed call: ``tracks.npy``, ``tracker_events.jsonl`` and their keys.

``tracks.npy`` holds one row per hop for both parties, fields ``t_s``, ``agent.<Features
field>``, ``customer.<Features field>`` and the relative measures ``rel.agent.<name>``,
``rel.customer.<name>`` (:data:`REL_FIELDS`). It is written block by block with sequential
writes (:class:`TracksWriter`) and re-read in chunks (:class:`TrackReader`), so memory stays
flat with call length.

``tracker_events.jsonl`` is the conversation tracker's event stream (every version, full
precision, with the hop of the block it came with), so a what-if run can replay it instead
of running the tracker again.

The cache keys say what a cached part depends on: :func:`analysis_key` (the per-hop rows),
:func:`conversation_key` (the tracker's stream), :func:`measures_key` (the baselines).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Features
from ..analysis.echo import ECHO_STATES, EchoHops
from ..baseline.measures import RelativeMeasures
from ..baseline.profile import Profile
from ..config import Config
from ..errors import ParameterError, SourceError
from ..events import Event, event_from_dict
from ..pipeline import PARTIES
from ..privacy import open_private

__all__ = [
    "CHUNK_HOPS",
    "FINISH_BLOCK",
    "REL_FIELDS",
    "STREAM_FILE",
    "TRACKS_FILE",
    "StreamWriter",
    "TrackReader",
    "TracksWriter",
    "analysis_key",
    "conversation_key",
    "features_of",
    "fill_rows",
    "measures_key",
    "measures_of",
    "read_stream",
    "tracks_dtype",
    "write_stream",
]

#: Relative measures stored in ``tracks.npy`` as ``rel.<party>.<name>``.
REL_FIELDS = (
    "pitch_st",
    "pitch_delta_st",
    "rate_delta_pct",
    "loudness_db",
    "loudness_delta_db",
    "pitch_spread_st",
    "rate_sps",
    "utterance_pitch_delta_st",
    "utterance_loudness_delta_db",
)
#: Hops per chunk when tracks are re-read (what-if, timeline): bounds memory.
CHUNK_HOPS = 8192
TRACKS_FILE = "tracks.npy"
STREAM_FILE = "tracker_events.jsonl"
#: Block marker of the events returned by ``finish()`` in the event stream.
FINISH_BLOCK = -1


# ----------------------------------------------------------------------------- cache keys


def hash_of(obj: Any) -> str:
    """A short stable hash of a JSON-able value (keys sorted; other values as ``str``).

    Parameters
    ----------
    obj : object

    Returns
    -------
    str
        The first 16 hex digits of its SHA-256.
    """
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def analysis_key(config: Config) -> str:
    """Hash of the configuration sections that change the per-hop rows.

    Parameters
    ----------
    config : Config

    Returns
    -------
    str
        16 hex digits.
    """
    d = config.to_dict()
    sub = {k: d[k] for k in ("analysis", "pitch", "vad", "echo", "noise_floor", "syllables")}
    # the echo canceller's detector is the bleed gate's delay search
    sub["echo_detector"] = {k: v for k, v in d["conversation"].items() if k.startswith("bleed_")}
    # what the rows mean beyond the configuration: 2 = the linear check's drop against
    # speexdsp's notched microphone (echo.linear_ref_db); 3 = the coherence with the far end
    # (echo.coherence); tracks written before differ
    sub["rows_version"] = 3
    return hashlib.sha256(json.dumps(sub, sort_keys=True).encode()).hexdigest()[:16]


def conversation_key(config: Config) -> str:
    """Hash of what the conversation tracker's event stream depends on.

    Parameters
    ----------
    config : Config

    Returns
    -------
    str
        16 hex digits (:func:`analysis_key` and ``[conversation]``).
    """
    return hash_of([analysis_key(config), config.to_dict()["conversation"]])


def measures_key(config: Config, profile: Profile | None) -> str:
    """Hash of what the relative measures (baselines) depend on.

    Parameters
    ----------
    config : Config
    profile : Profile or None
        The agent's profile (its voice model does not count).

    Returns
    -------
    str
        16 hex digits.
    """
    c = config.coach
    return hash_of(
        [
            analysis_key(config),
            config.to_dict()["baseline"],
            [c.monotony_window_s, c.monotony_min_voiced_s],
            None if profile is None else profile.to_dict(voice=False),
        ]
    )


def tracks_dtype(parties: int) -> np.dtype:
    """The structured row of ``tracks.npy`` (see the module notes).

    Parameters
    ----------
    parties : int
        1 (agent only) or 2; with 2 the echo canceller's ``echo.*`` fields are added.

    Returns
    -------
    np.dtype
        ``t_s``, then ``<party>.<Features field>`` and ``rel.<party>.<REL_FIELDS name>``.
    """
    fields: list[tuple[str, Any]] = [("t_s", np.float64)]
    proto = Features.empty()
    for p in PARTIES[:parties]:
        for name in Features.field_names()[1:]:
            fields.append((f"{p}.{name}", getattr(proto, name).dtype))
    for p in PARTIES[:parties]:
        for name in REL_FIELDS:
            fields.append((f"rel.{p}.{name}", np.float32))
    if parties == 2:  # the echo canceller's per-hop state (EchoHops)
        fields += [("echo.state", np.int8), ("echo.mic_db", np.float32),
                   ("echo.out_db", np.float32), ("echo.linear_db", np.float32),
                   ("echo.linear_ref_db", np.float32), ("echo.coherence", np.float32)]
    return np.dtype(fields)


def _npy_header(dtype: np.dtype, n: int) -> bytes:
    """A version-1.0 ``.npy`` header of fixed length whatever ``n`` (so it can be rewritten)."""
    d = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (n,)}
    text = repr(d)
    longest = len(repr({**d, "shape": (10**15,)}))
    total = 10 + longest + 1
    total += -total % 64
    text = text + " " * (total - 10 - len(text) - 1) + "\n"
    hlen = len(text)
    if hlen > 65535:  # pragma: no cover - would need thousands of fields
        raise ParameterError("tracks header too long for .npy version 1.0")
    return b"\x93NUMPY\x01\x00" + hlen.to_bytes(2, "little") + text.encode("latin1")


class TracksWriter:
    """Append structured rows to a ``.npy`` file with sequential writes (no memory map).

    The header is rewritten with the row count by :meth:`close`.

    Parameters
    ----------
    path : Path
        Created (mode 0600) or truncated.
    dtype : np.dtype
        :func:`tracks_dtype`.
    """

    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.path, self.dtype = path, dtype
        self.f = open_private(path, "wb")
        self.f.write(_npy_header(dtype, 0))
        self.n = 0

    def write(self, rows: np.ndarray) -> None:
        """Append rows.

        Parameters
        ----------
        rows : np.ndarray, shape (n_hops,), of :attr:`dtype`
        """
        self.f.write(rows.tobytes())
        self.n += rows.shape[0]

    def close(self) -> None:
        if self.f.closed:
            return
        self.f.seek(0)
        self.f.write(_npy_header(self.dtype, self.n))
        self.f.close()


class TrackReader:
    """Read ``tracks.npy`` in chunks with plain file reads (flat memory, no memory map).

    Parameters
    ----------
    path : path-like

    Attributes
    ----------
    n_hops : int
    dtype : np.dtype
    parties : int
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"tracks {str(self.path)!r} do not exist; review the call first")
        with open(self.path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
                read = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read(f)
            except ValueError as e:
                raise SourceError(f"tracks {str(self.path)!r} are not readable ({e})") from None
            self.offset = f.tell()
        self.dtype = dtype
        self.n_hops = int(shape[0])
        names = set(dtype.names or ())
        self.parties = 2 if "customer.speech" in names else 1
        self.has_rel = "rel.agent.pitch_delta_st" in names

    def chunks(
        self, size: int = CHUNK_HOPS, cuts: Sequence[int] = ()
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_hop, rows)`` in chunks of at most ``size``, also cut at ``cuts``.

        Parameters
        ----------
        size : int
            Hops per chunk at most.
        cuts : sequence of int
            Hop indices where a chunk must start as well.

        Yields
        ------
        first_hop : int
        rows : np.ndarray, shape (n,), of :attr:`dtype`

        Raises
        ------
        SourceError
            If the file holds fewer rows than its header says.
        """
        bounds = sorted(
            {0, self.n_hops, *range(0, self.n_hops, size)}
            | {c for c in cuts if 0 < c < self.n_hops}
        )
        with open(self.path, "rb") as f:
            for s, e in itertools.pairwise(bounds):
                f.seek(self.offset + s * self.dtype.itemsize)
                rows = np.fromfile(f, dtype=self.dtype, count=e - s)
                if rows.shape[0] != e - s:
                    raise SourceError(f"tracks {str(self.path)!r} are truncated at hop {s}")
                yield s, rows


def features_of(rows: np.ndarray, party: str) -> Features:
    """The :class:`Features` of one party from structured track rows.

    Parameters
    ----------
    rows : np.ndarray, shape (n_hops,), structured
        Rows of ``tracks.npy``.
    party : {"agent", "customer"}

    Returns
    -------
    Features
        ``n_hops`` rows (``f0_settled_hz`` is ``f0_hz`` in tracks written before it existed).
    """
    names = rows.dtype.names or ()

    def col(n: str) -> np.ndarray:
        if n == "t_s":
            return rows["t_s"]
        if n == "f0_settled_hz" and f"{party}.{n}" not in names:
            return rows[f"{party}.f0_hz"]  # tracks written before the settled pitch existed
        return rows[f"{party}.{n}"]

    return Features(**{n: np.ascontiguousarray(col(n)) for n in Features.field_names()})


def measures_of(rows: np.ndarray, party: str) -> RelativeMeasures:
    """The stored :class:`RelativeMeasures` of one party from structured track rows.

    Parameters
    ----------
    rows : np.ndarray, shape (n_hops,), structured
    party : {"agent", "customer"}

    Returns
    -------
    RelativeMeasures
    """
    kw = {n: np.ascontiguousarray(rows[f"rel.{party}.{n}"]) for n in REL_FIELDS}
    return RelativeMeasures(
        t_s=np.ascontiguousarray(rows["t_s"]),
        speech=np.ascontiguousarray(rows[f"{party}.speech"]),
        **kw,
    )


def echo_of(rows: np.ndarray) -> EchoHops | None:
    """The echo canceller's per-hop state from structured track rows (None if not kept).

    Parameters
    ----------
    rows : np.ndarray, shape (n_hops,), structured

    Returns
    -------
    EchoHops or None
        Without the linear check's levels when the tracks have none.
    """
    if rows.dtype.names is None or "echo.state" not in rows.dtype.names:
        return None
    # the linear check's levels, with the reference its drop is measured against (tracks
    # written before the reference kept no usable drop: read as without the check)
    linear = ("echo.linear_ref_db" in rows.dtype.names
              and not np.isnan(rows["echo.linear_db"]).all())
    return EchoHops(
        state=np.ascontiguousarray(rows["echo.state"]),
        mic_db=np.ascontiguousarray(rows["echo.mic_db"]),
        out_db=np.ascontiguousarray(rows["echo.out_db"]),
        linear_db=np.ascontiguousarray(rows["echo.linear_db"]) if linear else None,
        linear_ref_db=np.ascontiguousarray(rows["echo.linear_ref_db"]) if linear else None,
        coherence=(np.ascontiguousarray(rows["echo.coherence"])
                   if "echo.coherence" in rows.dtype.names else None),
    )


def fill_rows(
    rows: np.ndarray,
    feats: Sequence[Features | None],
    rels: Sequence[RelativeMeasures | None],
    echo: EchoHops | None = None,
) -> None:
    """Fill structured track rows from one block's analysis (in place).

    Parameters
    ----------
    rows : np.ndarray, shape (n_hops,), of :func:`tracks_dtype`
    feats : sequence of (Features or None)
        Per party (agent first); the agent's must be given (its ``t_s`` is used).
    rels : sequence of (RelativeMeasures or None)
        Per party; None stores NaN.
    echo : EchoHops, optional
        For two-party rows; None stores "bypassed" with the agent's level.
    """
    rows["t_s"] = feats[0].t_s  # type: ignore[union-attr]
    for p, fr, rel in zip(PARTIES, feats, rels, strict=False):
        if fr is None:
            continue
        for name in Features.field_names()[1:]:
            rows[f"{p}.{name}"] = getattr(fr, name)
        for name in REL_FIELDS:
            rows[f"rel.{p}.{name}"] = np.nan if rel is None else getattr(rel, name)
    if rows.dtype.names is not None and "echo.state" in rows.dtype.names:
        if echo is None:  # no canceller: every hop passed through
            rows["echo.state"] = ECHO_STATES.index("bypassed")
            rows["echo.mic_db"] = rows["echo.out_db"] = rows["agent.loudness_db"]
            for name in ("echo.linear_db", "echo.linear_ref_db", "echo.coherence"):
                if name in rows.dtype.names:
                    rows[name] = np.nan
        else:
            rows["echo.state"] = echo.state
            rows["echo.mic_db"] = echo.mic_db
            rows["echo.out_db"] = echo.out_db
            for name, v in (("echo.linear_db", echo.linear_db),
                            ("echo.linear_ref_db", echo.linear_ref_db),
                            ("echo.coherence", echo.coherence)):
                if name in rows.dtype.names:
                    rows[name] = np.nan if v is None else v


# ----------------------------------------------------------------------------- event stream


def event_fields(ev: Event) -> dict[str, Any]:
    """An event as a dict at full precision (unlike :func:`event_to_dict`).

    Parameters
    ----------
    ev : Event

    Returns
    -------
    dict
        ``kind`` and every field.
    """
    d: dict[str, Any] = {"kind": ev.kind}
    for f in dataclasses.fields(ev):
        d[f.name] = getattr(ev, f.name)
    return d


def write_stream(path: Path, key: str, items: Sequence[tuple[int, Event]]) -> None:
    """Write a tracker event stream (``tracker_events.jsonl``) atomically, mode 0600.

    Parameters
    ----------
    path : Path
    key : str
        :func:`conversation_key` of the stream.
    items : sequence of (int, Event)
        Each event with the first hop of the block it came with (:data:`FINISH_BLOCK` for
        ``finish()``).
    """
    tmp = path.with_name(path.name + ".tmp")
    with open_private(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps({"schema": "voicecoach.tracker-events/1", "key": key}) + "\n")
        for block, ev in items:
            f.write(json.dumps({"b": block, "e": event_fields(ev)}) + "\n")
    os.replace(tmp, path)  # never write through a hard link shared with another report


def read_stream(path: Path) -> tuple[str, list[tuple[int, Event]]]:
    """Read a tracker event stream.

    Parameters
    ----------
    path : Path

    Returns
    -------
    key : str
        The stream's key ("" if the header has none).
    items : list of (int, Event)
        As given to :func:`write_stream`.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If a line is not JSON.
    """
    items: list[tuple[int, Event]] = []
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline() or "{}")
        for line in f:
            d = json.loads(line)
            items.append((int(d["b"]), event_from_dict(d["e"])))
    return str(head.get("key", "")), items


class StreamWriter:
    """Write a tracker event stream event by event (a live review's pass).

    Parameters
    ----------
    path : Path
        Created (mode 0600) or truncated.
    key : str
        :func:`conversation_key` of the stream.
    """

    def __init__(self, path: Path, key: str) -> None:
        self.f = open_private(path, "w", encoding="utf-8")
        self.f.write(json.dumps({"schema": "voicecoach.tracker-events/1", "key": key}) + "\n")

    def write(self, block: int, ev: Event) -> None:
        """Append one event.

        Parameters
        ----------
        block : int
            The first hop of the block the event came with (:data:`FINISH_BLOCK`: finish).
        ev : Event
        """
        self.f.write(json.dumps({"b": block, "e": event_fields(ev)}) + "\n")

    def close(self) -> None:
        self.f.close()


# ----------------------------------------------------------------------------- stats
