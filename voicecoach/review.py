"""Trainer review: analyse recorded calls with the same pipeline as live mode.

A *call* is one of

* a stereo file with a role mapping (``agent_channel``; the other channel is the customer),
* a pair of mono files (``--agent FILE --customer FILE``),
* a live session folder (``agent.wav`` + ``customer.wav`` written by ``voicecoach live
  --record``),
* a mono file: single-party metrics, with conversation metrics marked unavailable.

For each call, :func:`review_call` writes ``OUT/<call-stem>/report.json`` (schema
``voicecoach.report/1``) and ``tracks.npy`` (the per-hop rows, for what-if re-runs). Audio is
read in blocks and tracks are written to a memory-mapped file, so memory stays flat with
call length.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import Features
from .baseline import Profile
from .config import Config, load_config
from .errors import AudioFormatError, SourceError
from .events import Event, event_to_dict, final_events
from .io import audio_info, iter_hops
from .pipeline import PARTIES, CallAnalyzer

__all__ = [
    "AUDIO_EXTENSIONS",
    "REPORT_SCHEMA",
    "Call",
    "discover_calls",
    "iter_call_blocks",
    "review_call",
]

REPORT_SCHEMA = "voicecoach.report/1"
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
SESSION_FILES = ("agent.wav", "customer.wav")


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


def _file_call(path: Path, agent_channel: int) -> Call:
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


def discover_calls(
    paths: list[str | os.PathLike[str]],
    agent_channel: int = 0,
) -> tuple[list[Call], list[tuple[str, str]]]:
    """Turn command-line paths (files and folders) into calls.

    Folders are searched recursively; a folder holding ``agent.wav`` and ``customer.wav``
    is one live session.

    Returns
    -------
    calls : list of Call
    failures : list of (path, reason)
        Inputs that cannot be reviewed (missing, unreadable, wrong channel count).
    """
    calls: list[Call] = []
    failures: list[tuple[str, str]] = []

    def add_file(p: Path) -> None:
        try:
            calls.append(_file_call(p, agent_channel))
        except (SourceError, AudioFormatError) as e:
            failures.append((str(p), str(e)))

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
            for sub in sorted(p.rglob("*")):
                if sub.is_dir() and _session_files(sub) is not None:
                    pair = _session_files(sub)
                    assert pair is not None
                    calls.append(Call(sub.name, "session", pair, meta={"folder": str(sub)}))
                    found = True
                elif (
                    sub.is_file()
                    and sub.suffix.lower() in AUDIO_EXTENSIONS
                    and _session_files(sub.parent) is None
                ):
                    add_file(sub)
                    found = True
            if not found:
                failures.append((str(p), f"folder {str(p)!r} holds no audio files"))
        else:
            add_file(p)
    # unique output names
    seen: dict[str, int] = {}
    out = []
    for c in calls:
        n = seen.get(c.stem, 0)
        seen[c.stem] = n + 1
        out.append(c if n == 0 else Call(f"{c.stem}-{n + 1}", c.kind, c.paths, c.agent_channel))
    return out, failures


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


def analysis_key(config: Config) -> str:
    """Hash of the configuration sections that change the per-hop rows."""
    d = config.to_dict()
    sub = {k: d[k] for k in ("analysis", "pitch", "vad", "noise_floor", "syllables")}
    return hashlib.sha256(json.dumps(sub, sort_keys=True).encode()).hexdigest()[:16]


def _tracks_dtype(parties: int) -> np.dtype:
    fields: list[tuple[str, Any]] = [("t_s", np.float64)]
    proto = Features.empty()
    for p in PARTIES[:parties]:
        for name in Features.field_names()[1:]:
            fields.append((f"{p}.{name}", getattr(proto, name).dtype))
    return np.dtype(fields)


def _durations(call: Call) -> tuple[float, int, int]:
    infos = [audio_info(p) for p in call.paths]
    return max(i.duration_s for i in infos), infos[0].sample_rate, sum(i.channels for i in infos)


def review_call(
    call: Call,
    out_dir: str | os.PathLike[str],
    config: Config | None = None,
    *,
    profile: Profile | None = None,
    lang: str | None = None,
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

    Returns
    -------
    dict
        The report (also written as ``report.json``).
    """
    cfg = config or load_config()
    folder = Path(out_dir) / call.stem
    folder.mkdir(parents=True, exist_ok=True)
    duration_s, sample_rate, channels = _durations(call)
    pipe = CallAnalyzer(cfg, profile=profile, lang=lang, parties=call.parties)
    n_est = int(np.ceil(duration_s / cfg.analysis.hop_s)) + 4
    tracks = np.lib.format.open_memmap(
        folder / "tracks.npy", mode="w+", dtype=_tracks_dtype(call.parties), shape=(n_est,)
    )
    events: list[Event] = []
    n = 0
    for block in iter_call_blocks(call, cfg):
        step = pipe.process(block)
        k = len(step.agent)
        if n + k > tracks.shape[0]:  # pragma: no cover - resampling rounding beyond the slack
            raise SourceError(f"{call.paths[0]} produced more hops than its header announces")
        tracks["t_s"][n : n + k] = step.agent.t_s
        for p, rows in zip(PARTIES, (step.agent, step.customer), strict=False):
            if rows is None:
                continue
            for name in Features.field_names()[1:]:
                tracks[f"{p}.{name}"][n : n + k] = getattr(rows, name)
        n += k
        events.extend(step.events)
    events.extend(pipe.finish())
    tracks.flush()
    del tracks
    report = build_report(call, pipe, events, duration_s, sample_rate, channels, cfg, n)
    (folder / "report.json").write_text(json.dumps(report, indent=1, allow_nan=False))
    return report


def build_report(
    call: Call,
    pipe: CallAnalyzer,
    events: list[Event],
    duration_s: float,
    sample_rate: int,
    channels: int,
    config: Config,
    n_hops: int,
    tracks: str | None = "tracks.npy",
) -> dict[str, Any]:
    """The ``voicecoach.report/1`` dict for a finished call."""
    closed = [e for e in final_events(events) if e.end_s is not None]
    summary = pipe.summary()
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
        "config": {"lang": pipe.coach.lang},
    }
