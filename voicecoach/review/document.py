"""The report document: ``report.json`` (schema ``voicecoach.report/1``), built and read here.

``report.json`` holds ``audio``, ``roles``, ``summary``, ``events`` (sorted by ``start_s``,
all closed), ``tracks`` (the cache's path and keys, :mod:`voicecoach.review.tracks`),
``config`` (the language), and from review ``call`` (stem, agent, date) and ``stats``; a
what-if report adds ``whatif``; a live session's adds ``live``.

:func:`build_report` makes the document from a finished pipeline, :func:`report_dict`
from its parts, and :func:`read_report` is the one reader of ``report.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import SourceError
from ..events import Event, event_to_dict, final_events
from ..privacy import open_private, shown_path
from .tracks import TRACKS_FILE, analysis_key

if TYPE_CHECKING:
    from ..pipeline import CallAnalyzer
    from .calls import Call

__all__ = [
    "REPORT_FILE",
    "REPORT_SCHEMA",
    "build_report",
    "call_meta",
    "count_nudges",
    "discover_reports",
    "is_report_folder",
    "read_report",
    "report_dict",
    "summary_line",
    "write_json",
]

REPORT_SCHEMA = "voicecoach.report/1"
REPORT_FILE = "report.json"


def is_report_folder(folder: Path) -> bool:
    """True for a review's output folder (``report.json`` + ``tracks.npy``).

    Parameters
    ----------
    folder : Path

    Returns
    -------
    bool
    """
    return (folder / REPORT_FILE).is_file() and (folder / TRACKS_FILE).is_file()


def read_report(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``folder/report.json``.

    Parameters
    ----------
    folder : path-like
        A report folder.

    Returns
    -------
    dict
        The ``voicecoach.report/1`` document.

    Raises
    ------
    SourceError
        If the file is missing or unreadable, is not JSON, or is not a
        ``voicecoach.report/1`` document.
    """
    path = Path(folder) / REPORT_FILE
    try:
        rep = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise SourceError(f"cannot read {str(path)!r} ({e})") from None
    if not isinstance(rep, dict) or rep.get("schema") != REPORT_SCHEMA:
        raise SourceError(
            f"{str(path)!r} is not a voicecoach report (schema {REPORT_SCHEMA!r}); "
            f"review the audio again"
        )
    return rep


def call_meta(call: Call) -> dict[str, Any]:
    """The report's ``call`` section.

    Parameters
    ----------
    call : Call

    Returns
    -------
    dict
        ``stem``, ``agent`` and ``date`` (None when unknown), and ``note`` when the call
        has one (English), with ``note_id`` and ``note_args``, from which the report shows
        it in its own language (:data:`voicecoach.locale.en.NOTES`).
    """
    out = {"stem": call.stem, "agent": call.meta.get("agent"), "date": call.meta.get("date")}
    if call.meta.get("note"):
        out["note"] = call.meta["note"]  # English, as on the console
        for k in ("note_id", "note_args"):  # what the report shows, in its language
            if call.meta.get(k) is not None:
                out[k] = call.meta[k]
    return out


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (through ``path.tmp``), mode 0600.

    Parameters
    ----------
    path : Path
    obj : object
        JSON-serialisable, without NaN or infinity.

    Raises
    ------
    ValueError
        For NaN or infinite floats.
    OSError
        If the file cannot be written.
    """
    tmp = path.with_name(path.name + ".tmp")
    with open_private(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=1, allow_nan=False))
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
    """The ``voicecoach.report/1`` dict for a finished call.

    Parameters
    ----------
    call : Call
    pipe : CallAnalyzer
        The finished pipeline (its :meth:`~CallAnalyzer.summary` and coach language).
    events, duration_s, sample_rate, channels, config, n_hops, tracks
        As :func:`report_dict`.

    Returns
    -------
    dict
        See :func:`report_dict`.
    """
    return report_dict(
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


def report_dict(
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
    """The ``voicecoach.report/1`` dict from a call's summary and events.

    Parameters
    ----------
    call : Call
    summary : dict
        :meth:`CallAnalyzer.summary` (or its what-if equivalent).
    lang : str
        The nudges' language.
    events : list of Event
        Every event version emitted; reduced with :func:`final_events`, events still open
        end at the end of the stream.
    duration_s : float
        The audio's length, s.
    sample_rate, channels : int
        Of the source audio (Hz; channels in the file).
    config : Config
    n_hops : int
        Hops analysed (10 ms each).
    tracks : str or None
        The tracks file's name in the folder.

    Returns
    -------
    dict
        ``schema``, ``audio``, ``roles``, ``summary``, ``events`` (sorted by start),
        ``tracks`` and ``config``.
    """
    # events still open when the stream ended (a turn, a segment) end with the stream
    stream_end_s = round(n_hops * config.analysis.hop_s, 3)
    closed = [
        e if e.end_s is not None else dataclasses.replace(e, end_s=max(e.start_s, stream_end_s))
        for e in final_events(events)
    ]
    # the file's name only, unless asked: absolute paths hold user names and folder structure
    shown = [shown_path(p, config.review.full_paths) for p in call.paths]
    roles: dict[str, Any]
    if call.kind == "stereo":
        roles = {"agent": call.agent_channel, "customer": 1 - call.agent_channel}
    elif call.kind == "mono":
        roles = {"agent": 0, "customer": None}
    else:
        roles = {"agent": shown[0], "customer": shown[1]}
    return {
        "schema": REPORT_SCHEMA,
        "audio": {
            "path": shown[0] if len(call.paths) == 1 else shown,
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


def agent_role(call: Call, full_paths: bool = False) -> Any:
    """``roles.agent`` of the call's report: a channel, or the agent file as stored.

    Parameters
    ----------
    call : Call
    full_paths : bool
        Store the agent file's absolute path instead of its name.

    Returns
    -------
    int or str
        The agent's channel (stereo, mono: 0) or file (pair, session).
    """
    if call.kind == "stereo":
        return call.agent_channel
    if call.kind == "mono":
        return 0
    return shown_path(call.paths[0], full_paths)


def _echo_words(echo: dict[str, Any], tx: dict[str, str]) -> str:
    """The echo canceller's outcome in words (``tx``: the language's ``REVIEW_LINE``): its
    last state (:data:`voicecoach.analysis.echo.ECHO_STATES`), and for a call whose far end
    fell silent at the end (bypassed) what it found before."""
    state = echo.get("state")
    if state == "bypassed" and (echo.get("far_active_s") or 0) > 0:
        delay = echo.get("delay_s")
        found = (tx["not_found"] if delay is None
                 else tx["found_delay"].format(ms=f"{1000 * delay:.0f}")
                 if isinstance(delay, int | float) else tx["found"])
        return tx["bypassed_at_end"].format(found=found)
    return tx.get(str(state)) or tx["unknown"].format(state=state)


def summary_line(stem: str, rep: dict[str, Any], lang: str | None = None) -> str:
    """One line per call: duration, interruptions, backchannels, overlap, nudges.

    Parameters
    ----------
    stem : str
        The call's name, first on the line.
    rep : dict
        Its report.
    lang : {"fr", "en"}, optional
        Default: the report's own language (its nudges are in it), else French.

    Returns
    -------
    str
        Without a newline (duration and overlap in s, with the language's decimal mark; echo
        and mono / channel notes when present).
    """
    from ..i18n import LANGS, check_lang, number, texts

    if lang is None:
        lang = (rep.get("config") or {}).get("lang")
        lang = lang if lang in LANGS else "fr"
    tx = texts(check_lang(lang)).REVIEW_LINE
    semi = texts(lang).REPORT["semicolon"]
    conv = rep["summary"].get("conversation") or {}
    kinds: dict[str, int] = {}
    for e in rep["events"]:
        if e.get("retracted"):  # an interruption that turned out a backchannel
            continue
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    nudges = [e["message"] for e in rep["events"] if e["kind"] == "nudge"]
    echo = conv.get("echo") or {}

    def counted(key: str, n: int) -> Any:
        # n (counted from the events), or n/a when the summary withholds key (a mono call's
        # two voices) or has no conversation at all (one party: available false)
        if conv.get("available") is False or (key in conv and conv[key] is None):
            return tx["na"]
        return n

    overlap = conv.get("overlap_s")
    line = tx["line"].format(
        stem=stem,
        duration=f"{number(float(rep['audio']['duration_s']), lang):.1f}",
        interruptions=counted("interruptions", kinds.get("interruption", 0)),
        backchannels=counted("backchannels", kinds.get("backchannel", 0)),
        overlap=tx["na"] if overlap is None else tx["seconds"].format(
            v=number(overlap, lang)),
        nudges=len(nudges),
    )
    return (
        line
        + (f" ({', '.join(nudges)})" if nudges else "")
        + (f", {_echo_words(echo, tx)}" if echo.get("enabled") else "")
        + (f", {tx['no_canceller']}" if echo and not echo.get("enabled") else "")
        + (f"{semi}{rep['mono']['note']}" if (rep.get("mono") or {}).get("note") else "")
        + (f"{semi}{rep['channels']['note']}" if (rep.get("channels") or {}).get("note")
           else "")
        + (f"{semi}{rep['band']['note']}" if (rep.get("band") or {}).get("note") else "")
    )


def count_nudges(rep: dict[str, Any]) -> int:
    """The number of nudges in a report.

    Parameters
    ----------
    rep : dict

    Returns
    -------
    int
    """
    return sum(1 for e in rep.get("events", []) if e.get("kind") == "nudge")


def discover_reports(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Report folders (``report.json`` + ``tracks.npy``) at or under ``paths``.

    Parameters
    ----------
    paths : sequence of path-like
        Report folders, or folders whose direct subfolders are searched.

    Returns
    -------
    list of Path
        Sorted per given path, in the order of ``paths``, each folder once.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if is_report_folder(p):
            out.append(p)
        elif p.is_dir():
            out.extend(
                sorted(q.parent for q in p.glob("*/report.json") if is_report_folder(q.parent))
            )
    seen: set[Path] = set()
    uniq = []
    for p in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            uniq.append(p)
    return uniq


# ----------------------------------------------------------------------------- batch
