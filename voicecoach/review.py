"""Trainer review: analyse recorded calls with the same pipeline as live mode.

A *call* is one of

* a stereo file with a role mapping (``agent_channel``; the other channel is the customer),
* a pair of mono files (``--agent FILE --customer FILE``, or ``NAME_agent.wav`` +
  ``NAME_customer.wav`` side by side in a folder; ``.``, ``_`` or ``-`` before the role),
* a live session folder (``agent.wav`` + ``customer.wav`` written by ``voicecoach live
  --record``),
* a mono file: single-party metrics, with conversation metrics marked unavailable.

For each call, :func:`review_call` writes into ``OUT/<call-stem>/``

* ``report.json`` (schema ``voicecoach.report/1``: ``audio``, ``roles``, ``summary``,
  ``events`` sorted by ``start_s``, plus ``call`` (agent, date), ``stats`` and ``tracks``);
* ``tracks.npy``: one row per hop for both parties, fields ``t_s``, ``agent.<Features
  field>``, ``customer.<Features field>`` and the relative measures ``rel.agent.<name>``,
  ``rel.customer.<name>`` (:data:`REL_FIELDS`), for what-if re-runs and the timeline;
* ``tracker_events.jsonl``: the conversation tracker's event stream (every version, full
  precision, with the hop of the block it came with), for what-if re-runs;
* ``audio.ogg`` (or ``.flac``): what was analysed, 16 kHz, agent left, customer right, for
  the report's player; and ``timeline.png`` + ``report.html`` (:mod:`voicecoach.sinks.report`).

Audio is read in blocks, and tracks, events and audio are written as they come, so memory
stays flat with call length.

What-if (:func:`recoach_call`): with another configuration whose analysis part is unchanged
(:func:`analysis_key`), the cached tracks are re-read in chunks and only the baselines
(unless their settings are unchanged too), the conversation tracker (unless ``[conversation]``
is unchanged: its cached stream is replayed) and the coach run again.

Batch (:func:`run_batch`): the same per-call task (:func:`review_task`) runs in this process,
in local processes (``jobs``) or on a Dask cluster (``scheduler``); the reports are identical
whichever path runs them. A call that fails is reported in its :class:`TaskResult`; the
batch carries on.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .analysis import Features
from .baseline import Profile, RelativeMeasures
from .config import Config, load_config
from .errors import AudioFormatError, ParameterError, SourceError, VoiceCoachError
from .events import Event, Nudge, event_from_dict, event_to_dict, final_events
from .io import audio_info, iter_hops
from .pipeline import NUDGE_FIRST_ID, PARTIES, CallAnalyzer

__all__ = [
    "AUDIO_EXTENSIONS",
    "DEFAULT_NAME_PATTERN",
    "REL_FIELDS",
    "REPORT_SCHEMA",
    "Call",
    "ReviewOptions",
    "TaskResult",
    "TrackReader",
    "analysis_key",
    "assign_meta",
    "build_report",
    "discover_calls",
    "discover_reports",
    "iter_call_blocks",
    "recoach_call",
    "review_call",
    "review_task",
    "run_batch",
]

REPORT_SCHEMA = "voicecoach.report/1"
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
SESSION_FILES = ("agent.wav", "customer.wav")
#: Default ``--name-pattern``: ``AGENT_DATE...`` with the date as YYYY-MM-DD or YYYYMMDD.
DEFAULT_NAME_PATTERN = r"(?P<agent>[^_]+)_(?P<date>\d{4}-?\d{2}-?\d{2})"
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
_PAIR_RE = re.compile(r"^(?P<prefix>.+?)[._-](?P<role>agent|customer)$", re.IGNORECASE)
_FINISH = -1  # block marker of events returned by finish()


# ----------------------------------------------------------------------------- calls


@dataclass(frozen=True)
class Call:
    """One call to review.

    Attributes
    ----------
    stem : str
        Name of the output folder.
    kind : {"stereo", "pair", "session", "mono"}
    paths : tuple of Path
        One file (stereo, mono) or two (agent, customer).
    agent_channel : int
        For stereo files: the agent's channel (the other is the customer).
    meta : dict
        ``agent`` and ``date`` (from the name pattern or the manifest), ``folder`` of a
        session. Not compared.
    """

    stem: str
    kind: str
    paths: tuple[Path, ...]
    agent_channel: int = 0
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def parties(self) -> int:
        """1 for a mono recording, else 2."""
        return 1 if self.kind == "mono" else 2


def _session_files(folder: Path) -> tuple[Path, Path] | None:
    for ext in (".wav", ".flac"):
        a, c = folder / f"agent{ext}", folder / f"customer{ext}"
        if a.is_file() and c.is_file():
            return a, c
    return None


def _is_report_folder(folder: Path) -> bool:
    return (folder / "report.json").is_file() and (folder / TRACKS_FILE).is_file()


def _file_call(path: Path, agent_channel: int) -> Call:
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise SourceError(
            f"{str(path)!r} is not a supported audio file (extension {path.suffix or 'none'!r});"
            f" give WAV, FLAC, OGG or MP3"
        )
    info = audio_info(path)
    if info.channels == 1:
        return Call(path.stem, "mono", (path,))
    if info.channels != 2:
        raise AudioFormatError(
            f"{str(path)!r} has {info.channels} channels; a call needs 2 (agent and customer) "
            f"or 1 (agent only). Extract two channels, or pass --agent/--customer files"
        )
    if agent_channel not in (0, 1):
        raise AudioFormatError(f"--agent-channel must be 0 or 1, got {agent_channel}")
    return Call(path.stem, "stereo", (path,), agent_channel)


def _pair_call(agent: Path, customer: Path, stem: str) -> Call:
    for p in (agent, customer):
        info = audio_info(p)
        if info.channels != 1:
            raise AudioFormatError(
                f"{str(p)!r} has {info.channels} channels; each file of an agent/customer pair "
                f"must be mono. Review it as a stereo call instead"
            )
    return Call(stem, "pair", (agent, customer))


def discover_calls(
    paths: Sequence[str | os.PathLike[str]],
    agent_channel: int = 0,
    *,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> tuple[list[Call], list[tuple[str, str]]]:
    """Turn command-line paths (files and folders) into calls.

    Folders are searched recursively; a folder holding ``agent.wav`` and ``customer.wav``
    is one live session; ``X_agent.EXT`` and ``X_customer.EXT`` in one folder are a pair.
    Report folders (``report.json`` + ``tracks.npy``) and the ``exclude`` folders are
    skipped.

    Returns
    -------
    calls : list of Call
    failures : list of (path, reason)
        Inputs that cannot be reviewed (missing, unreadable, wrong channel count).
    """
    calls: list[Call] = []
    failures: list[tuple[str, str]] = []
    excluded = {Path(e).resolve() for e in exclude}

    def skipped(p: Path) -> bool:
        rp = p.resolve()
        return any(rp == e or e in rp.parents for e in excluded)

    def add_files(files: list[Path]) -> None:
        pairs: dict[tuple[Path, str], dict[str, Path]] = {}
        for f in files:
            m = _PAIR_RE.match(f.stem)
            if m:
                pairs.setdefault((f.parent, m["prefix"]), {})[m["role"].lower()] = f
        paired: set[Path] = set()
        for roles in pairs.values():
            if len(roles) == 2:
                paired.update(roles.values())
        done_pairs: set[tuple[Path, str]] = set()
        for f in files:
            if f in paired:
                m = _PAIR_RE.match(f.stem)
                assert m is not None
                key = (f.parent, m["prefix"])
                if key in done_pairs:
                    continue
                done_pairs.add(key)
                roles = pairs[key]
                try:
                    calls.append(_pair_call(roles["agent"], roles["customer"], m["prefix"]))
                except (SourceError, AudioFormatError) as e:
                    failures.append((f"{roles['agent']} + {roles['customer']}", str(e)))
                continue
            try:
                calls.append(_file_call(f, agent_channel))
            except (SourceError, AudioFormatError) as e:
                failures.append((str(f), str(e)))

    loose: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            failures.append((str(p), f"{str(p)!r} does not exist"))
        elif p.is_dir():
            pair = _session_files(p)
            if pair is not None:
                calls.append(Call(p.name, "session", pair, meta={"folder": str(p)}))
                continue
            found = False
            files: list[Path] = []
            for sub in sorted(p.rglob("*")):
                if skipped(sub) or any(_is_report_folder(a) for a in sub.parents if p in a.parents):
                    continue
                if sub.is_dir():
                    if _is_report_folder(sub):
                        continue
                    pair = _session_files(sub)
                    if pair is not None:
                        calls.append(Call(sub.name, "session", pair, meta={"folder": str(sub)}))
                        found = True
                elif (
                    sub.is_file()
                    and sub.suffix.lower() in AUDIO_EXTENSIONS
                    and _session_files(sub.parent) is None
                    and not _is_report_folder(sub.parent)
                ):
                    files.append(sub)
                    found = True
            add_files(files)
            if not found:
                failures.append((str(p), f"folder {str(p)!r} holds no audio files"))
        else:
            loose.append(p)
    add_files(loose)
    # unique output names
    seen: dict[str, int] = {}
    out = []
    for c in calls:
        n = seen.get(c.stem, 0)
        seen[c.stem] = n + 1
        out.append(c if n == 0 else dataclasses.replace(c, stem=f"{c.stem}-{n + 1}"))
    return out, failures


def _norm_date(s: str | None) -> str | None:
    if not s:
        return None
    s = s.strip()
    m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", s)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else s


def assign_meta(
    calls: Sequence[Call],
    name_pattern: str | None = DEFAULT_NAME_PATTERN,
    manifest: str | os.PathLike[str] | None = None,
) -> list[Call]:
    """Attach ``agent`` and ``date`` to calls, from a manifest or the naming pattern.

    Parameters
    ----------
    calls : sequence of Call
    name_pattern : str, optional
        A regular expression searched in the call's stem, with named groups ``agent``
        and/or ``date`` (YYYY-MM-DD or YYYYMMDD is normalised to YYYY-MM-DD).
    manifest : path-like, optional
        CSV with a header ``path,agent,date``; ``path`` is a file of the call (or a session
        folder), absolute or relative to the manifest. Manifest rows win over the pattern.

    Raises
    ------
    ParameterError
        For a pattern that does not compile or a manifest without the columns.
    """
    rx = None
    if name_pattern:
        try:
            rx = re.compile(name_pattern)
        except re.error as e:
            raise ParameterError(
                f"--name-pattern {name_pattern!r} is not a valid regular expression ({e}); "
                f"use named groups, e.g. {DEFAULT_NAME_PATTERN!r}"
            ) from None
        if not {"agent", "date"} & set(rx.groupindex):
            raise ParameterError(
                f"--name-pattern {name_pattern!r} has no named group 'agent' or 'date'; "
                f"e.g. {DEFAULT_NAME_PATTERN!r}"
            )
    rows: dict[Path, dict[str, str]] = {}
    if manifest is not None:
        mp = Path(manifest)
        if not mp.is_file():
            raise SourceError(f"manifest {str(mp)!r} does not exist; give a CSV path,agent,date")
        with open(mp, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            cols = {c.strip().lower() for c in (reader.fieldnames or [])}
            if "path" not in cols or not {"agent", "date"} & cols:
                raise ParameterError(
                    f"manifest {str(mp)!r} has columns {sorted(cols)}; it needs a header "
                    f"'path,agent,date'"
                )
            for r in reader:
                r = {k.strip().lower(): (v or "").strip() for k, v in r.items() if k}
                p = Path(r["path"])
                if not p.is_absolute():
                    p = mp.parent / p
                rows[p.resolve()] = r
    out = []
    for c in calls:
        meta = dict(c.meta)
        if rx is not None:
            m = rx.search(c.stem)
            if m:
                gd = m.groupdict()
                if gd.get("agent"):
                    meta["agent"] = gd["agent"]
                if gd.get("date"):
                    meta["date"] = _norm_date(gd["date"])
        keys = [p.resolve() for p in c.paths]
        if "folder" in meta:
            keys.insert(0, Path(meta["folder"]).resolve())
        for k in keys:
            if k in rows:
                r = rows[k]
                if r.get("agent"):
                    meta["agent"] = r["agent"]
                if r.get("date"):
                    meta["date"] = _norm_date(r["date"])
                break
        out.append(dataclasses.replace(c, meta=meta))
    return out


# ----------------------------------------------------------------------------- blocks


def _pair_blocks(a: Path, c: Path, config: Config) -> Iterator[np.ndarray]:
    """Two mono files in lockstep; the shorter one is padded with silence."""
    ga, gc = iter_hops(a, [0], config), iter_hops(c, [0], config)
    ba = np.zeros(0, np.float32)
    bc = np.zeros(0, np.float32)
    done_a = done_c = False
    while not (done_a and done_c):
        if not done_a and ba.size <= bc.size:
            nxt = next(ga, None)
            if nxt is None:
                done_a = True
            else:
                ba = np.concatenate([ba, nxt[:, 0]])
        elif not done_c:
            nxt = next(gc, None)
            if nxt is None:
                done_c = True
            else:
                bc = np.concatenate([bc, nxt[:, 0]])
        else:
            nxt = next(ga, None)
            if nxt is None:
                done_a = True
            else:
                ba = np.concatenate([ba, nxt[:, 0]])
        n = min(ba.size, bc.size)
        if done_a and done_c:
            n = max(ba.size, bc.size)
            ba = np.pad(ba, (0, n - ba.size))
            bc = np.pad(bc, (0, n - bc.size))
        if n:
            yield np.stack([ba[:n], bc[:n]], axis=1)
            ba, bc = ba[n:], bc[n:]


def iter_call_blocks(call: Call, config: Config | None = None) -> Iterator[np.ndarray]:
    """Blocks of whole 16 kHz hops, columns ``[agent, customer]`` (or ``[agent]``)."""
    cfg = config or load_config()
    if call.kind == "mono":
        yield from iter_hops(call.paths[0], [0], cfg)
    elif call.kind == "stereo":
        a = call.agent_channel
        yield from iter_hops(call.paths[0], [a, 1 - a], cfg)
    else:
        yield from _pair_blocks(call.paths[0], call.paths[1], cfg)


# ----------------------------------------------------------------------------- cache keys


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def analysis_key(config: Config) -> str:
    """Hash of the configuration sections that change the per-hop rows."""
    d = config.to_dict()
    sub = {k: d[k] for k in ("analysis", "pitch", "vad", "noise_floor", "syllables")}
    return hashlib.sha256(json.dumps(sub, sort_keys=True).encode()).hexdigest()[:16]


def conversation_key(config: Config) -> str:
    """Hash of what the conversation tracker's event stream depends on."""
    return _hash([analysis_key(config), config.to_dict()["conversation"]])


def measures_key(config: Config, profile: Profile | None) -> str:
    """Hash of what the relative measures (baselines) depend on."""
    c = config.coach
    return _hash(
        [
            analysis_key(config),
            config.to_dict()["baseline"],
            [c.monotony_window_s, c.monotony_min_voiced_s],
            None if profile is None else profile.to_dict(),
        ]
    )


def _source_sig(call: Call) -> str:
    parts = []
    for p in call.paths:
        st = p.stat()
        parts.append([str(p.resolve()), st.st_size, st.st_mtime_ns])
    return _hash(parts)


# ----------------------------------------------------------------------------- tracks file


def _tracks_dtype(parties: int) -> np.dtype:
    fields: list[tuple[str, Any]] = [("t_s", np.float64)]
    proto = Features.empty()
    for p in PARTIES[:parties]:
        for name in Features.field_names()[1:]:
            fields.append((f"{p}.{name}", getattr(proto, name).dtype))
    for p in PARTIES[:parties]:
        for name in REL_FIELDS:
            fields.append((f"rel.{p}.{name}", np.float32))
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


class _TracksWriter:
    """Append structured rows to a ``.npy`` file with sequential writes (no memory map)."""

    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.path, self.dtype = path, dtype
        self.f = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.f.write(_npy_header(dtype, 0))
        self.n = 0

    def write(self, rows: np.ndarray) -> None:
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
        """Yield ``(first_hop, rows)`` in chunks of at most ``size``, also cut at ``cuts``."""
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
    """The :class:`Features` of one party from structured track rows."""
    return Features(
        **{
            n: np.ascontiguousarray(rows["t_s"] if n == "t_s" else rows[f"{party}.{n}"])
            for n in Features.field_names()
        }
    )


def measures_of(rows: np.ndarray, party: str) -> RelativeMeasures:
    """The stored :class:`RelativeMeasures` of one party from structured track rows."""
    kw = {n: np.ascontiguousarray(rows[f"rel.{party}.{n}"]) for n in REL_FIELDS}
    return RelativeMeasures(
        t_s=np.ascontiguousarray(rows["t_s"]),
        speech=np.ascontiguousarray(rows[f"{party}.speech"]),
        **kw,
    )


def _fill_rows(
    rows: np.ndarray,
    feats: Sequence[Features | None],
    rels: Sequence[RelativeMeasures | None],
) -> None:
    rows["t_s"] = feats[0].t_s  # type: ignore[union-attr]
    for p, fr, rel in zip(PARTIES, feats, rels, strict=False):
        if fr is None:
            continue
        for name in Features.field_names()[1:]:
            rows[f"{p}.{name}"] = getattr(fr, name)
        for name in REL_FIELDS:
            rows[f"rel.{p}.{name}"] = np.nan if rel is None else getattr(rel, name)


# ----------------------------------------------------------------------------- event stream


def _ev_full(ev: Event) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": ev.kind}
    for f in dataclasses.fields(ev):
        d[f.name] = getattr(ev, f.name)
    return d


def _write_stream(path: Path, key: str, items: Sequence[tuple[int, Event]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps({"schema": "voicecoach.tracker-events/1", "key": key}) + "\n")
        for block, ev in items:
            f.write(json.dumps({"b": block, "e": _ev_full(ev)}) + "\n")
    os.replace(tmp, path)  # never write through a hard link shared with another report


def _read_stream(path: Path) -> tuple[str, list[tuple[int, Event]]]:
    items: list[tuple[int, Event]] = []
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline() or "{}")
        for line in f:
            d = json.loads(line)
            items.append((int(d["b"]), event_from_dict(d["e"])))
    return str(head.get("key", "")), items


class _StreamWriter:
    def __init__(self, path: Path, key: str) -> None:
        self.f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.f.write(json.dumps({"schema": "voicecoach.tracker-events/1", "key": key}) + "\n")

    def write(self, block: int, ev: Event) -> None:
        self.f.write(json.dumps({"b": block, "e": _ev_full(ev)}) + "\n")

    def close(self) -> None:
        self.f.close()


# ----------------------------------------------------------------------------- stats


class _MedianHist:
    """Streaming median on a fixed grid (flat memory)."""

    def __init__(self, lo: float, hi: float, step: float) -> None:
        self.lo, self.step = lo, step
        self.counts = np.zeros(round((hi - lo) / step) + 1, np.int64)

    def add(self, x: np.ndarray) -> None:
        x = x[np.isfinite(x)]
        if x.size:
            i = np.clip(np.rint((x - self.lo) / self.step), 0, self.counts.size - 1)
            self.counts += np.bincount(i.astype(np.intp), minlength=self.counts.size)

    def median(self) -> float | None:
        total = int(self.counts.sum())
        if not total:
            return None
        k = int(np.searchsorted(np.cumsum(self.counts), (total + 1) / 2))
        return round(self.lo + k * self.step, 3)


class _Stats:
    """Per-party call statistics for the report and the index."""

    def __init__(self, parties: int) -> None:
        self.parts = [
            {
                "rate": _MedianHist(0.0, 20.0, 0.01),
                "pitch": _MedianHist(0.0, 60.0, 0.01),
                "pow": 0.0,
                "n_speech": 0,
            }
            for _ in range(parties)
        ]

    def add(self, feats: Sequence[Features | None]) -> None:
        from .baseline import hz_to_st

        for st, fr in zip(self.parts, feats, strict=False):
            if fr is None:
                continue
            sp = np.asarray(fr.speech, bool)
            st["rate"].add(np.asarray(fr.articulation_rate, np.float64)[sp])
            v = sp & np.asarray(fr.voiced, bool)
            st["pitch"].add(hz_to_st(np.asarray(fr.f0_hz, np.float64)[v]))
            ld = np.asarray(fr.loudness_db, np.float64)[sp]
            st["pow"] += float(np.sum(10.0 ** (ld[np.isfinite(ld)] / 10.0)))
            st["n_speech"] += int(sp.sum())

    def result(self) -> dict[str, Any]:
        from .baseline import st_to_hz

        out: dict[str, Any] = {}
        for p, st in zip(PARTIES, self.parts, strict=False):
            pm = st["pitch"].median()
            out[p] = {
                "articulation_rate_median": st["rate"].median(),
                "pitch_median_st": pm,
                "pitch_median_hz": None if pm is None else round(float(st_to_hz(pm)), 2),
                "speech_level_db": round(10 * math.log10(st["pow"] / st["n_speech"]), 2)
                if st["n_speech"] and st["pow"] > 0
                else None,
            }
        if len(self.parts) == 1:
            out["customer"] = None
        return out


# ----------------------------------------------------------------------------- audio copy


class _AudioWriter:
    """Write what is analysed (16 kHz, agent left, customer right) for the report's player."""

    FORMATS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "ogg": ("OGG", "VORBIS", "audio.ogg"),
        "flac": ("FLAC", "PCM_16", "audio.flac"),
    }

    def __init__(self, folder: Path, fmt: str, sample_rate: int, channels: int) -> None:
        import soundfile as sf

        major, sub, name = self.FORMATS[fmt]
        self.path = folder / name
        kw = {"compression_level": 0.9} if fmt == "ogg" else {}
        self.f = sf.SoundFile(
            str(self.path), "w", sample_rate, channels, format=major, subtype=sub, **kw
        )

    def write(self, block: np.ndarray) -> None:
        self.f.write(np.clip(block, -1.0, 1.0))

    def close(self) -> None:
        self.f.close()


AUDIO_MODES = ("ogg", "flac", "link", "none")


def _playback_link(call: Call, folder: Path) -> str | None:
    if len(call.paths) != 1:
        return None
    return os.path.relpath(call.paths[0].resolve(), folder.resolve()).replace(os.sep, "/")


# ----------------------------------------------------------------------------- review


def _durations(call: Call) -> tuple[float, int, int]:
    infos = [audio_info(p) for p in call.paths]
    return max(i.duration_s for i in infos), infos[0].sample_rate, sum(i.channels for i in infos)


Progress = Callable[[float, float], None]


def review_call(
    call: Call,
    out_dir: str | os.PathLike[str],
    config: Config | None = None,
    *,
    profile: Profile | None = None,
    lang: str | None = None,
    render: bool = True,
    audio: str = "ogg",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Analyse one call and write its report folder.

    Parameters
    ----------
    call : Call
    out_dir : path-like
        The report goes to ``out_dir / call.stem``.
    config : Config, optional
    profile : Profile, optional
        The agent's calm baseline.
    lang : {"fr", "en"}, optional
    render : bool
        Also write ``timeline.png`` and ``report.html``.
    audio : {"ogg", "flac", "link", "none"}
        The report's playback audio: a compact copy of what was analysed (``ogg``: Vorbis,
        about 17 MB per hour; ``flac``: lossless, faster, about 8× bigger), a relative
        link to the original file (``link``; pairs and sessions get ``ogg``), or none.
    progress : callable, optional
        Called as ``progress(done_s, total_s)`` after each block.

    Returns
    -------
    dict
        The report (also written as ``report.json``).
    """
    if audio not in AUDIO_MODES:
        raise ParameterError(f"audio must be one of {', '.join(AUDIO_MODES)}, got {audio!r}")
    cfg = config or load_config()
    folder = Path(out_dir) / call.stem
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        return _review_call(call, folder, cfg, profile, lang, render, audio, progress, written)
    except BaseException:
        for p in written:  # do not leave a half-written report behind
            with contextlib.suppress(OSError):
                p.unlink()
        raise


def _review_call(
    call: Call,
    folder: Path,
    cfg: Config,
    profile: Profile | None,
    lang: str | None,
    render: bool,
    audio: str,
    progress: Progress | None,
    written: list[Path],
) -> dict[str, Any]:
    duration_s, sample_rate, channels = _durations(call)
    pipe = CallAnalyzer(cfg, profile=profile, lang=lang, parties=call.parties)
    # unlink first: what-if folders may hold hard links to these files
    for name in (
        "report.json",
        "timeline.png",
        "report.html",
        TRACKS_FILE,
        STREAM_FILE,
        *[v[2] for v in _AudioWriter.FORMATS.values()],
    ):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    dtype = _tracks_dtype(call.parties)
    tracks = _TracksWriter(folder / TRACKS_FILE, dtype)
    written.append(tracks.path)
    stream = _StreamWriter(folder / STREAM_FILE, conversation_key(cfg))
    written.append(folder / STREAM_FILE)
    fmt = audio
    playback: str | None = None
    if fmt == "link":
        playback = _playback_link(call, folder)
        fmt = "none" if playback is not None else "ogg"
    aw = None
    if fmt != "none":
        aw = _AudioWriter(folder, fmt, cfg.analysis.sample_rate, call.parties)
        written.append(aw.path)
        playback = aw.path.name
    stats = _Stats(call.parties)
    events: list[Event] = []
    n = 0
    try:
        for block in iter_call_blocks(call, cfg):
            step = pipe.process(block)
            k = len(step.agent)
            rows = np.empty(k, dtype)
            feats = (step.agent, step.customer)
            _fill_rows(rows, feats, (step.agent_rel, step.customer_rel))
            tracks.write(rows)
            stats.add(feats)
            if aw is not None:
                aw.write(block)
            for ev in step.events:
                if not isinstance(ev, Nudge):
                    stream.write(n, ev)
            events.extend(step.events)
            n += k
            if progress is not None:
                progress(n * cfg.analysis.hop_s, duration_s)
        for ev in pipe.finish():
            if not isinstance(ev, Nudge):
                stream.write(_FINISH, ev)
            events.append(ev)
    finally:
        tracks.close()
        stream.close()
        if aw is not None:
            aw.close()
    report = build_report(call, pipe, events, duration_s, sample_rate, channels, cfg, n)
    report["audio"]["playback"] = playback
    report["call"] = _call_meta(call)
    report["stats"] = stats.result()
    report["tracks"].update(
        {
            "measures_key": measures_key(cfg, profile),
            "conversation_key": conversation_key(cfg),
            "events": STREAM_FILE,
            "source": _source_sig(call),
        }
    )
    _write_json(folder / "report.json", report)
    written.append(folder / "report.json")
    if render:
        from .sinks.report import render_report

        written.extend(render_report(folder, report, cfg, profile))
    return report


def _call_meta(call: Call) -> dict[str, Any]:
    return {"stem": call.stem, "agent": call.meta.get("agent"), "date": call.meta.get("date")}


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, allow_nan=False))
    os.replace(tmp, path)


def build_report(
    call: Call,
    pipe: CallAnalyzer,
    events: list[Event],
    duration_s: float,
    sample_rate: int,
    channels: int,
    config: Config,
    n_hops: int,
    tracks: str | None = TRACKS_FILE,
) -> dict[str, Any]:
    """The ``voicecoach.report/1`` dict for a finished call."""
    return _report_dict(
        call,
        pipe.summary(),
        pipe.coach.lang,
        events,
        duration_s,
        sample_rate,
        channels,
        config,
        n_hops,
        tracks,
    )


def _report_dict(
    call: Call,
    summary: dict[str, Any],
    lang: str,
    events: list[Event],
    duration_s: float,
    sample_rate: int,
    channels: int,
    config: Config,
    n_hops: int,
    tracks: str | None,
) -> dict[str, Any]:
    # events still open when the stream ended (a turn, a segment) end with the stream
    stream_end_s = round(n_hops * config.analysis.hop_s, 3)
    closed = [
        e if e.end_s is not None else dataclasses.replace(e, end_s=max(e.start_s, stream_end_s))
        for e in final_events(events)
    ]
    roles: dict[str, Any]
    if call.kind == "stereo":
        roles = {"agent": call.agent_channel, "customer": 1 - call.agent_channel}
    elif call.kind == "mono":
        roles = {"agent": 0, "customer": None}
    else:
        roles = {"agent": str(call.paths[0]), "customer": str(call.paths[1])}
    return {
        "schema": REPORT_SCHEMA,
        "audio": {
            "path": str(call.paths[0]) if len(call.paths) == 1 else [str(p) for p in call.paths],
            "duration_s": round(duration_s, 3),
            "sample_rate": sample_rate,
            "channels": channels,
            "kind": call.kind,
        },
        "roles": roles,
        "summary": summary,
        "events": [event_to_dict(e) for e in sorted(closed, key=lambda e: (e.start_s, e.kind))],
        "tracks": {"path": tracks, "n_hops": n_hops, "analysis_key": analysis_key(config)},
        "config": {"lang": lang},
    }


# ----------------------------------------------------------------------------- what-if


class StaleTracksError(SourceError):
    """Cached tracks cannot serve this configuration (analysis settings or audio changed)."""


def _call_from_report(rep: dict[str, Any]) -> Call:
    a = rep["audio"]
    kind = a.get("kind", "stereo")
    paths = tuple(Path(p) for p in (a["path"] if isinstance(a["path"], list) else [a["path"]]))
    agent_channel = rep.get("roles", {}).get("agent", 0)
    meta = {k: v for k, v in (rep.get("call") or {}).items() if k in ("agent", "date")}
    stem = (rep.get("call") or {}).get("stem") or paths[0].stem
    return Call(
        stem, kind, paths, agent_channel if isinstance(agent_channel, int) else 0, meta=meta
    )


def _link_or_copy(src: Path, dst: Path) -> None:
    if dst.exists() and dst.resolve() == src.resolve():
        return
    with contextlib.suppress(FileNotFoundError):
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def recoach_call(
    report_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    config: Config | None = None,
    *,
    profile: Profile | None = None,
    lang: str | None = None,
    render: bool = True,
    stem: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What-if: re-run the baselines, tracker and coach on a reviewed call's cached tracks.

    Parameters
    ----------
    report_dir : path-like
        A report folder written by :func:`review_call` (``report.json`` + ``tracks.npy``).
    out_dir : path-like, optional
        The new report goes to ``out_dir / stem``; None: back into ``report_dir``.
    config : Config, optional
        Must have the same analysis part (:func:`analysis_key`) as the cached tracks.
    profile, lang, render
        As :func:`review_call`.

    Returns
    -------
    report, previous : dict
        The new report and the one it was derived from.

    Raises
    ------
    StaleTracksError
        If the tracks were made with other analysis settings (analyse the audio again).
    """
    cfg = config or load_config()
    src = Path(report_dir)
    try:
        old = json.loads((src / "report.json").read_text())
    except (OSError, ValueError) as e:
        raise SourceError(f"cannot read {str(src / 'report.json')!r} ({e})") from None
    tinfo = old.get("tracks") or {}
    if old.get("schema") != REPORT_SCHEMA or not tinfo.get("path"):
        raise SourceError(f"{str(src)!r} is not a review report folder with cached tracks")
    if tinfo.get("analysis_key") != analysis_key(cfg):
        raise StaleTracksError(
            f"the tracks in {str(src)!r} were made with other analysis settings "
            f"([analysis], [pitch], [vad], [noise_floor] or [syllables]); analyse the audio "
            f"again"
        )
    reader = TrackReader(src / tinfo["path"])
    if reader.n_hops != tinfo.get("n_hops", reader.n_hops):
        raise SourceError(
            f"tracks in {str(src)!r} hold {reader.n_hops} hops, report says "
            f"{tinfo.get('n_hops')}; review the call again"
        )
    call = _call_from_report(old)
    dest = src if out_dir is None else Path(out_dir) / (stem or src.name)
    dest.mkdir(parents=True, exist_ok=True)

    reuse_measures = reader.has_rel and tinfo.get("measures_key") == measures_key(cfg, profile)
    stream_path = src / (tinfo.get("events") or STREAM_FILE)
    cached: list[tuple[int, Event]] | None = None
    if reader.parties == 2 and stream_path.is_file():
        key, items = _read_stream(stream_path)
        if key == tinfo.get("conversation_key") == conversation_key(cfg):
            cached = items
    by_block: dict[int, list[Event]] = {}
    if cached is not None:
        for b, ev in cached:
            by_block.setdefault(b, []).append(ev)

    from .coach import Coach
    from .conversation import ConversationTracker

    tracker = ConversationTracker(cfg) if (reader.parties == 2 and cached is None) else None
    coach = Coach(cfg, lang, profile, first_id=NUDGE_FIRST_ID)
    new_stream: list[tuple[int, Event]] = []
    events: list[Event] = []
    parties = PARTIES[: reader.parties]
    for s, rows in reader.chunks(CHUNK_HOPS, cuts=[b for b in by_block if b >= 0]):
        feats = [features_of(rows, p) for p in parties]
        if cached is not None:
            evs = by_block.get(s, [])
        elif tracker is not None:
            evs = tracker.process(feats[0], feats[1])
            new_stream.extend((s, e) for e in evs)
        else:
            evs = []
        customer = feats[1] if len(feats) == 2 else None
        if reuse_measures:
            rel = [measures_of(rows, p) for p in parties]
            nudges = coach.process_measures(rel[0], rel[1] if len(rel) == 2 else None, evs)
        else:
            nudges = coach.process(feats[0], customer, evs)
        events.extend(evs)
        events.extend(nudges)
    if cached is not None:
        events.extend(by_block.get(_FINISH, []))
    events.extend(coach.finish())

    if tracker is not None:
        summary = tracker.summary()
    elif reader.parties == 2:
        summary = {k: old["summary"][k] for k in ("agent", "customer", "conversation")}
    else:
        summary = {k: old["summary"][k] for k in ("agent", "customer", "conversation")}
    summary["coach"] = coach.summary()
    if reuse_measures:  # the baselines did not run here; they are the cached ones
        summary["coach"]["baseline"] = old["summary"]["coach"]["baseline"]
    a = old["audio"]
    report = _report_dict(
        call,
        summary,
        coach.lang,
        events,
        a["duration_s"],
        a["sample_rate"],
        a["channels"],
        cfg,
        reader.n_hops,
        TRACKS_FILE,
    )
    report["audio"]["playback"] = a.get("playback")
    report["call"] = old.get("call") or _call_meta(call)
    if stem:
        report["call"] = {**report["call"], "stem": stem}
    report["stats"] = old.get("stats")
    report["tracks"].update(
        {
            "measures_key": tinfo.get("measures_key"),
            "conversation_key": conversation_key(cfg)
            if cached is None
            else tinfo.get("conversation_key"),
            "events": STREAM_FILE if reader.parties == 2 else None,
            "source": tinfo.get("source"),
        }
    )
    report["whatif"] = {
        "from": os.path.relpath(src.resolve(), dest.resolve()).replace(os.sep, "/"),
        "nudges_before": _count_nudges(old),
        "nudges": _count_nudges(report),
        "reused": {
            "tracks": True,
            "measures": bool(reuse_measures),
            "conversation": cached is not None,
        },
    }
    if dest.resolve() != src.resolve():
        _link_or_copy(src / tinfo["path"], dest / TRACKS_FILE)
        pb = a.get("playback")
        if pb and (src / pb).is_file() and "/" not in pb:
            _link_or_copy(src / pb, dest / pb)
        elif pb:
            link = os.path.relpath((src / pb).resolve(), dest.resolve()).replace(os.sep, "/")
            report["audio"]["playback"] = link
        if cached is not None:
            _link_or_copy(stream_path, dest / STREAM_FILE)
    if tracker is not None:
        _write_stream(dest / STREAM_FILE, conversation_key(cfg), new_stream)
    _write_json(dest / "report.json", report)
    if render:
        from .sinks.report import render_report

        render_report(dest, report, cfg, profile)
    return report, old


def _count_nudges(rep: dict[str, Any]) -> int:
    return sum(1 for e in rep.get("events", []) if e.get("kind") == "nudge")


def discover_reports(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Report folders (``report.json`` + ``tracks.npy``) at or under ``paths``, sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if _is_report_folder(p):
            out.append(p)
        elif p.is_dir():
            out.extend(
                sorted(q.parent for q in p.glob("*/report.json") if _is_report_folder(q.parent))
            )
    seen: set[Path] = set()
    uniq = []
    for p in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            uniq.append(p)
    return uniq


# ----------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class ReviewOptions:
    """What every per-call task needs (picklable: sent to worker processes and Dask).

    Attributes
    ----------
    out_dir : str
    config : Config
    profile : Profile or None
    lang : str or None
    render : bool
        Write ``timeline.png`` and ``report.html``.
    audio : {"ogg", "flac", "link", "none"}
    reuse : bool
        Re-coach from cached tracks in ``out_dir`` when they fit (same audio, same
        analysis settings) instead of analysing again.
    """

    out_dir: str
    config: Config
    profile: Profile | None = None
    lang: str | None = None
    render: bool = True
    audio: str = "ogg"
    reuse: bool = True


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one per-call task.

    Attributes
    ----------
    name : str
        The call's stem (or report folder name).
    source : str
        The input (audio path(s) or report folder), for failure messages.
    ok : bool
    error : str
        Why it failed ("" if ok).
    folder : str or None
        The report folder written.
    summary : str
        One line for the terminal.
    nudges, nudges_before : int or None
        Nudges in the new report, and in the report it replaced or was derived from.
    mode : {"analysed", "reused", ""}
    duration_s, wall_s : float
        Audio length and wall-clock time of the task (not part of any report).
    """

    name: str
    source: str
    ok: bool
    error: str = ""
    folder: str | None = None
    summary: str = ""
    nudges: int | None = None
    nudges_before: int | None = None
    mode: str = ""
    duration_s: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True)
class Task:
    """One unit of batch work: review a call, or re-coach a report folder."""

    name: str
    call: Call | None = None
    report_dir: str | None = None

    @property
    def source(self) -> str:
        if self.call is not None:
            return " + ".join(str(p) for p in self.call.paths)
        return str(self.report_dir)


def _cached_report(call: Call, folder: Path, cfg: Config) -> dict[str, Any] | None:
    """The report in ``folder`` if its tracks can serve ``call`` with ``cfg``."""
    try:
        old = json.loads((folder / "report.json").read_text())
        t = old["tracks"]
        ok = (
            old.get("schema") == REPORT_SCHEMA
            and t.get("analysis_key") == analysis_key(cfg)
            and t.get("source") == _source_sig(call)
            and (folder / (t.get("path") or TRACKS_FILE)).is_file()
            and old["audio"].get("kind") == call.kind
            and old.get("roles", {}).get("agent") == _report_dict_roles(call)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return old if ok else None


def _report_dict_roles(call: Call) -> Any:
    if call.kind == "stereo":
        return call.agent_channel
    if call.kind == "mono":
        return 0
    return str(call.paths[0])


def summary_line(stem: str, rep: dict[str, Any]) -> str:
    """One line per call: duration, interruptions, backchannels, overlap, nudges."""
    conv = rep["summary"].get("conversation") or {}
    kinds: dict[str, int] = {}
    for e in rep["events"]:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    nudges = [e["message"] for e in rep["events"] if e["kind"] == "nudge"]
    return (
        f"{stem}: {rep['audio']['duration_s']:.1f} s, "
        f"interruptions {kinds.get('interruption', 0)}, "
        f"backchannels {kinds.get('backchannel', 0)}, "
        f"overlap {conv.get('overlap_s', 'n/a')} s, nudges {len(nudges)}"
        + (f" ({', '.join(nudges)})" if nudges else "")
    )


def review_task(task: Task, opts: ReviewOptions, progress: Progress | None = None) -> TaskResult:
    """Run one task; failures become a :class:`TaskResult` with ``ok=False``, never raise.

    Spawn-safe and picklable: the same function runs in this process, in a process pool
    and on Dask workers.
    """
    t0 = time.perf_counter()
    try:
        if task.call is not None:
            call = task.call
            folder = Path(opts.out_dir) / call.stem
            old = _cached_report(call, folder, opts.config) if opts.reuse else None
            if old is not None:
                rep, _ = recoach_call(
                    folder,
                    None,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                )
                mode = "reused"
                before: int | None = _count_nudges(old)
            else:
                rep = review_call(
                    call,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    audio=opts.audio,
                    progress=progress,
                )
                mode, before = "analysed", None
            name = call.stem
        else:
            assert task.report_dir is not None
            src = Path(task.report_dir)
            try:
                rep, old = recoach_call(
                    src,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    stem=task.name,
                )
                mode = "reused"
            except StaleTracksError:
                old = json.loads((src / "report.json").read_text())
                call = dataclasses.replace(_call_from_report(old), stem=task.name)
                rep = review_call(
                    call,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    audio=opts.audio,
                    progress=progress,
                )
                mode = "analysed"
            before = _count_nudges(old)
            name = task.name
            folder = Path(opts.out_dir) / task.name
        if progress is not None:
            progress(rep["audio"]["duration_s"], rep["audio"]["duration_s"])
        return TaskResult(
            name=name,
            source=task.source,
            ok=True,
            folder=str(folder),
            summary=summary_line(name, rep),
            nudges=_count_nudges(rep),
            nudges_before=before,
            mode=mode,
            duration_s=float(rep["audio"]["duration_s"]),
            wall_s=time.perf_counter() - t0,
        )
    except VoiceCoachError as e:
        err = str(e)
    except (OSError, ValueError, RuntimeError, KeyError, MemoryError) as e:
        err = f"{type(e).__name__}: {e}"
    return TaskResult(task.name, task.source, False, err, wall_s=time.perf_counter() - t0)


class _Throttled:
    """Forward progress at most every ``every_s`` seconds of wall time (and at the end)."""

    def __init__(self, name: str, put: Callable[[Any], None], every_s: float = 0.25) -> None:
        self.name, self.put, self.every_s = name, put, every_s
        self.last = -math.inf

    def __call__(self, done_s: float, total_s: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s or done_s >= total_s:
            self.last = now
            with contextlib.suppress(Exception):  # progress is best effort, never fatal
                self.put((self.name, done_s, total_s))


def _pool_task(task: Task, opts: ReviewOptions, queue: Any) -> TaskResult:
    """Process-pool / Dask entry point: progress goes through ``queue`` (may be None)."""
    prog = _Throttled(task.name, queue.put) if queue is not None else None
    return review_task(task, opts, prog)


#: Native thread pools (BLAS, OpenMP) of a pool worker: one thread each (unless the user set
#: them), so ``jobs`` workers use ``jobs`` cores instead of ``jobs`` × cores threads. Read
#: when numpy is imported, before any initializer runs: so set in the spawn environment.
_WORKER_THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_worker_queue: Any = None  # the progress queue of this pool worker (set by _init_worker)


@contextlib.contextmanager
def _worker_environ() -> Iterator[None]:
    """Set the unset :data:`_WORKER_THREAD_ENV` variables to 1 while workers are spawned."""
    added = [k for k in _WORKER_THREAD_ENV if k not in os.environ]
    for k in added:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


def _init_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue
    if queue is not None:
        queue.cancel_join_thread()  # progress is best effort: never block a worker's exit


def _local_task(task: Task, opts: ReviewOptions) -> TaskResult:
    """Process-pool entry point: progress goes through the worker's queue."""
    return _pool_task(task, opts, _worker_queue)


ProgressSink = Callable[[str, float, float], None]


def run_batch(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    *,
    jobs: int = 1,
    scheduler: str | Any | None = None,
    on_progress: ProgressSink | None = None,
    on_start: Callable[[Task], None] | None = None,
    on_done: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run tasks here (``jobs=1``), in ``jobs`` spawned processes (one pool for the batch,
    single-threaded BLAS/OpenMP in each), or on a Dask cluster.

    Parameters
    ----------
    tasks : sequence of Task
    opts : ReviewOptions
    jobs : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str or distributed.Client, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``), or a client.
    on_progress : callable, optional
        ``on_progress(name, done_s, total_s)``, called in this thread.
    on_start, on_done : callable, optional
        Called in this thread when a task is submitted / finished.

    Returns
    -------
    list of TaskResult
        In the order of ``tasks``.
    """
    if jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, got {jobs}")
    results: dict[int, TaskResult] = {}

    def done(i: int, r: TaskResult) -> None:
        results[i] = r
        if on_done is not None:
            on_done(r)

    if scheduler is not None:
        _run_dask(tasks, opts, scheduler, on_progress, on_start, done)
    elif jobs == 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            if on_start is not None:
                on_start(t)
            prog = None
            if on_progress is not None:
                name = t.name

                def prog(d: float, tot: float, name: str = name) -> None:
                    on_progress(name, d, tot)  # type: ignore[misc]

            done(i, review_task(t, opts, prog))
    else:
        _run_pool(tasks, opts, jobs, on_progress, on_start, done)
    return [results[i] for i in range(len(tasks))]


def _drain(q: Any, on_progress: ProgressSink | None, finished: Container[str] = ()) -> None:
    """Forward queued progress, but not for ``finished`` tasks: a worker's last progress
    may arrive after its result."""
    import queue as _queue

    while True:
        try:
            name, d, tot = q.get_nowait()
        except (_queue.Empty, EOFError, OSError):
            return
        if on_progress is not None and name not in finished:
            on_progress(name, d, tot)


def _run_pool(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    jobs: int,
    on_progress: ProgressSink | None,
    on_start: Callable[[Task], None] | None,
    done: Callable[[int, TaskResult], None],
) -> None:
    import concurrent.futures as cf
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    # One pool for the whole batch; progress goes through a plain queue handed to each
    # worker at start (a Manager would be one more process to spawn, and a round trip
    # per update); workers start with single-threaded BLAS/OpenMP (_worker_environ).
    q = ctx.Queue() if on_progress is not None else None
    workers = min(jobs, len(tasks))
    with cf.ProcessPoolExecutor(workers, ctx, initializer=_init_worker, initargs=(q,)) as ex:
        futs: dict[cf.Future[TaskResult], int] = {}
        with _worker_environ():  # workers are spawned on the first submissions
            for i, t in enumerate(tasks):
                futs[ex.submit(_local_task, t, opts)] = i
                if on_start is not None:
                    on_start(t)
        pending = set(futs)
        ended: set[str] = set()
        while pending:
            finished, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            if q is not None:
                _drain(q, on_progress, ended)
            for f in finished:
                i = futs[f]
                try:
                    r = f.result()
                except Exception as e:
                    r = TaskResult(
                        tasks[i].name,
                        tasks[i].source,
                        False,
                        f"worker failed: {type(e).__name__}: {e}",
                    )
                ended.add(tasks[i].name)
                done(i, r)
    if q is not None:
        _drain(q, None)
        q.close()
        q.join_thread()


def _dask_client(scheduler: str | Any) -> tuple[Any, bool]:
    try:
        import distributed
    except ImportError:
        raise ParameterError(
            "--scheduler needs Dask distributed, which is not installed; install the optional "
            "extra: pip install 'voicecoach[cluster]'"
        ) from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(scheduler, timeout="10s"), True
    except (OSError, TimeoutError) as e:
        raise SourceError(
            f"cannot connect to the Dask scheduler at {scheduler!r} ({e}); check the address "
            f"(e.g. tcp://host:8786) and that `dask scheduler` is running"
        ) from None


def _run_dask(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    scheduler: str | Any,
    on_progress: ProgressSink | None,
    on_start: Callable[[Task], None] | None,
    done: Callable[[int, TaskResult], None],
) -> None:
    """Dask path. Per-file progress is coarse here (submitted, finished): remote tasks get
    no progress channel back to this process."""
    client, own = _dask_client(scheduler)
    import distributed

    try:
        futs = {}
        stamp = time.time_ns()
        for i, t in enumerate(tasks):
            f = client.submit(
                _pool_task, t, opts, None, pure=False, key=f"voicecoach-review-{stamp}-{i}"
            )
            futs[f] = i
            if on_start is not None:
                on_start(t)
        for f in distributed.as_completed(list(futs)):
            i = futs[f]
            try:
                r = f.result()
            except Exception as e:
                r = TaskResult(
                    tasks[i].name,
                    tasks[i].source,
                    False,
                    f"dask task failed: {type(e).__name__}: {e}",
                )
            done(i, r)
    finally:
        if own:
            client.close()


# ----------------------------------------------------------------------------- progress UI


class BatchProgress:
    """A rich progress display (overall + one bar per running file), or plain lines.

    Plain lines (one per finished call) are used when ``stream`` is not a terminal.
    """

    def __init__(self, total: int, stream: Any = None, rich: bool | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stdout
        self.count = 0
        use_rich = self.stream.isatty() if rich is None else rich
        self._p: Any = None
        self._bars: dict[str, Any] = {}
        if use_rich:
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                )
            except ImportError:  # pragma: no cover - rich is a dependency
                return
            self._p = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._all = self._p.add_task("all calls", total=total)

    def __enter__(self) -> BatchProgress:
        if self._p is not None:
            self._p.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.stop()

    def start(self, task: Task) -> None:
        if self._p is not None and task.name not in self._bars:
            self._bars[task.name] = self._p.add_task(f"  {task.name}", total=None, visible=False)

    def update(self, name: str, done_s: float, total_s: float) -> None:
        if self._p is None:
            return
        tid = self._bars.get(name)
        if tid is None:
            tid = self._bars[name] = self._p.add_task(f"  {name}", total=None)
        self._p.update(
            tid, total=round(total_s), completed=round(min(done_s, total_s)), visible=True
        )

    def done(self, r: TaskResult) -> None:
        self.count += 1
        line = _result_line(r)
        if self._p is not None:
            tid = self._bars.pop(r.name, None)
            if tid is not None:
                self._p.remove_task(tid)
            self._p.advance(self._all)
            self._p.console.print(line, highlight=False, markup=False)
        else:
            print(f"[{self.count}/{self.total}] {line}", file=self.stream, flush=True)


def _result_line(r: TaskResult) -> str:
    if not r.ok:
        return f"{r.name}: FAILED ({r.error})"
    if r.nudges_before is not None:
        what = r.summary.rsplit(" nudges ", 1)[-1].split(" (", 1)
        msgs = f": {what[1].rstrip(')')}" if len(what) == 2 else ""
        return f"{r.name}: {r.nudges} nudges (was {r.nudges_before}){msgs}"
    return r.summary


def failure_summary(results: Sequence[TaskResult], early: Sequence[tuple[str, str]] = ()) -> str:
    """Text listing what failed and why (empty if nothing failed)."""
    lines = [f"  {path}: {why}" for path, why in early]
    lines += [f"  {r.source}: {r.error}" for r in results if not r.ok]
    if not lines:
        return ""
    return f"{len(lines)} input(s) failed:\n" + "\n".join(lines)


def read_report(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``folder/report.json``."""
    return json.loads((Path(folder) / "report.json").read_text())
