"""Where calls come from: files, agent/customer pairs, live session folders, reports.

A *call* is one of

* a stereo file with a role mapping (``agent_channel``; the other channel is the customer),
* a pair of mono files (``--agent FILE --customer FILE``, or ``NAME_agent.wav`` +
  ``NAME_customer.wav`` side by side in a folder; ``.``, ``_`` or ``-`` before the role),
* a live session folder (``agent.wav`` + ``customer.wav`` written by ``voicecoach live
  --record``),
* a mono file: single-party metrics, with conversation metrics marked unavailable.

:func:`discover_calls` turns command-line paths into calls, :func:`assign_meta` attaches the
agent and the date (name pattern or manifest), :func:`iter_call_blocks` reads a call as
blocks of whole 16 kHz hops, columns ``[agent, customer]``, and :func:`call_from_report`
gives back the call a report was made from.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import AudioFormatError, ParameterError, SourceError, not_utf8
from ..io import FFMPEG_EXTENSIONS, audio_info, iter_hops, source_rate_hz
from .document import is_report_folder
from .tracks import hash_of

__all__ = [
    "AUDIO_EXTENSIONS",
    "Call",
    "assign_meta",
    "call_from_report",
    "discover_calls",
    "iter_call_blocks",
    "pair_call",
    "source_rates",
    "source_sig",
]

#: What review takes as a call: libsndfile's formats and every extension ``analyze`` decodes
#: through ffmpeg (``FFMPEG_EXTENSIONS``: .mp4, .webm, .wma and .amr were refused before).
AUDIO_EXTENSIONS = (".wav", ".flac", *FFMPEG_EXTENSIONS)
SESSION_FILES = ("agent.wav", "customer.wav")
_PAIR_RE = re.compile(r"^(?P<prefix>.+?)[._-](?P<role>agent|customer)$", re.IGNORECASE)


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


def _session_call(folder: Path, pair: tuple[Path, Path]) -> Call:
    """The call of a live session folder; a ``note`` in its meta when its ``session.json``
    shows that the session never ended cleanly (still ``"running": true``, as a session
    killed, crashed or still recording leaves it; or unreadable)."""
    import json

    meta: dict[str, Any] = {"folder": str(folder)}
    path = folder / "session.json"
    if path.is_file():  # a folder written by hand, or by a session killed at once, has none
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            running = bool(doc.get("running")) if isinstance(doc, dict) else True
            rates = doc.get("source_rates_hz") if isinstance(doc, dict) else None
        except (OSError, ValueError):
            running, rates = True, None
        if isinstance(rates, list) and len(rates) == 2 and all(
                r is None or isinstance(r, int | float) for r in rates):
            meta["source_rates_hz"] = [None if r is None else float(r) for r in rates]
        if running:
            meta["note_id"] = "cut_short"
            meta["note"] = (
                "the live session was cut short: its session.json says it never ended "
                "cleanly (killed, crashed or still recording), so the recording stops where "
                "it was cut and the session wrote no report of its own"
            )
    return Call(folder.name, "session", pair, meta=meta)


def identical_channels(path: Path, config: Config | None = None) -> bool:
    """Whether a stereo file's two channels hold the same audio (a mono call saved as stereo).

    The first ``[review] identical_check_s`` seconds are read; the channels are identical
    when their difference is ``identical_below_db`` dB or more below their level. Digital
    silence proves nothing (False).

    Parameters
    ----------
    path : Path
        An audio file.
    config : Config, optional
        Its ``[review]`` section.

    Returns
    -------
    bool
        False for a file that does not have exactly two channels.

    Raises
    ------
    SourceError
        If the file is missing or not readable audio.
    """
    from ..io import _open

    cfg = config or load_config()
    r = _open(path)
    try:
        if r.channels != 2:
            return False
        budget = int(cfg.review.identical_check_s * r.sample_rate)
        level = diff = 0.0
        for b in r.blocks(min(budget, 65536)):
            b = b[:budget].astype(np.float64)
            level += float(np.sum(b * b)) / 2
            diff += float(np.sum((b[:, 0] - b[:, 1]) ** 2))
            budget -= b.shape[0]
            if budget <= 0:
                break
    finally:
        r.close()
    return level > 0 and diff <= level * 10 ** (-cfg.review.identical_below_db / 10)


def _file_call(path: Path, agent_channel: int, config: Config | None = None) -> Call:
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise SourceError(
            f"{str(path)!r} is not a supported audio file (extension {path.suffix or 'none'!r});"
            f" give WAV, FLAC, OGG, Opus, MP3, or M4A/AAC, MP4, WebM, WMA or AMR (through ffmpeg)"
        )
    info = audio_info(path)
    if info.channels == 1:
        meta = {}
        if agent_channel == 1:
            # a mono call is searched for two voices unless [mono] enabled = false: then
            # --mono-agent (or the profile's voice model) says which is the agent, not the channel
            if (config or load_config()).mono.enabled:
                meta["note_id"] = "mono_agent_channel_search"
                meta["note"] = (
                    "the file is mono: --agent-channel 1 does not apply; its two voices are "
                    "looked for (see the summary; --mono-agent or the profile's voice model "
                    "says which one is the agent)"
                )
            else:
                meta["note_id"] = "mono_agent_channel"
                meta["note"] = (
                    "the file is mono: --agent-channel 1 does not apply; its one channel is "
                    "reviewed as the agent (conversation metrics unavailable)"
                )
        return Call(path.stem, "mono", (path,), meta=meta)
    if info.channels != 2:
        raise AudioFormatError(
            f"{str(path)!r} has {info.channels} channels; a call needs 2 (agent and customer) "
            f"or 1 (agent only). Extract two channels, or pass --agent/--customer files"
        )
    if agent_channel not in (0, 1):
        raise AudioFormatError(f"--agent-channel must be 0 or 1, got {agent_channel}")
    if identical_channels(path, config):
        searched = (config or load_config()).mono.enabled
        note = (
            "its two channels are identical (a mono call saved as stereo): reviewed as a mono "
            + ("call (its two voices are looked for: see the summary)" if searched else
               "call, the agent alone (conversation metrics unavailable; [mono] enabled = "
               "false)")
        )
        note_id = "identical_search" if searched else "identical_alone"
        return Call(path.stem, "mono", (path,), meta={"note": note, "note_id": note_id})
    return Call(path.stem, "stereo", (path,), agent_channel)


def pair_call(agent: Path, customer: Path, stem: str) -> Call:
    """The call of an agent file and a customer file (each mono); a ``note`` in its meta
    when their lengths differ by more than a second (the shorter is padded with silence).

    Parameters
    ----------
    agent, customer : Path
        The two mono files.
    stem : str
        The call's name (its output folder).

    Returns
    -------
    Call
        Of kind ``"pair"``.

    Raises
    ------
    AudioFormatError
        If a file is not mono.
    SourceError
        If a file is missing or not readable audio.
    """
    durations = []
    for p in (agent, customer):
        info = audio_info(p)
        if info.channels != 1:
            raise AudioFormatError(
                f"{str(p)!r} has {info.channels} channels; each file of an agent/customer pair "
                f"must be mono. Review it as a stereo call instead, or extract one channel"
            )
        durations.append(info.duration_s)
    meta = {}
    if abs(durations[0] - durations[1]) > 1.0:
        short = "agent" if durations[0] < durations[1] else "customer"
        meta["note_id"] = "pair_lengths"
        meta["note_args"] = {"agent_s": durations[0], "customer_s": durations[1],
                             "short": short}
        meta["note"] = (
            f"the agent file holds {durations[0]:.1f} s and the customer file "
            f"{durations[1]:.1f} s: the {short}'s is padded with silence to the other's end "
            f"(check that the two files are the same call)"
        )
    return Call(stem, "pair", (agent, customer), meta=meta)


def discover_calls(
    paths: Sequence[str | os.PathLike[str]],
    agent_channel: int = 0,
    *,
    exclude: Sequence[str | os.PathLike[str]] = (),
    config: Config | None = None,
) -> tuple[list[Call], list[tuple[str, str]]]:
    """Turn command-line paths (files and folders) into calls.

    Folders are searched recursively; a folder holding ``agent.wav`` and ``customer.wav``
    is one live session; ``X_agent.EXT`` and ``X_customer.EXT`` in one folder are a pair.
    Report folders (``report.json`` + ``tracks.npy``) and the ``exclude`` folders are
    skipped.

    Parameters
    ----------
    paths : sequence of path-like
        Audio files and folders.
    agent_channel : int
        The agent's channel in stereo files (0 or 1).
    exclude : sequence of path-like
        Folders to skip (e.g. the output folder).
    config : Config, optional

    Returns
    -------
    calls : list of Call
    failures : list of (path, reason)
        Inputs that cannot be reviewed (missing, unreadable, wrong channel count).
    """
    calls: list[Call] = []
    failures: list[tuple[str, str]] = []
    excluded = {Path(e).resolve() for e in exclude}

    def skipped(p: Path, within: Path | None = None) -> bool:
        """``p`` lies in an excluded folder (one that is not ``within`` or around it: an
        output folder that is the input folder itself excludes only its report folders)."""
        rp = p.resolve()
        outer = set() if within is None else {within.resolve(), *within.resolve().parents}
        return any((rp == e or e in rp.parents) and e not in outer for e in excluded)

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
                    calls.append(pair_call(roles["agent"], roles["customer"], m["prefix"]))
                except (SourceError, AudioFormatError) as e:
                    failures.append((f"{roles['agent']} + {roles['customer']}", str(e)))
                continue
            try:
                calls.append(_file_call(f, agent_channel, config))
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
                calls.append(_session_call(p, pair))
                continue
            found = False
            files: list[Path] = []
            for sub in sorted(p.rglob("*")):
                if skipped(sub, p) or any(is_report_folder(a) for a in sub.parents
                                          if p in a.parents):
                    continue
                if sub.is_dir():
                    if is_report_folder(sub):
                        continue
                    pair = _session_files(sub)
                    if pair is not None:
                        calls.append(_session_call(sub, pair))
                        found = True
                elif (
                    sub.is_file()
                    and sub.suffix.lower() in AUDIO_EXTENSIONS
                    and _session_files(sub.parent) is None
                    and not is_report_folder(sub.parent)
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
    name_pattern: str | None = None,
    manifest: str | os.PathLike[str] | None = None,
    *,
    config: Config | None = None,
) -> list[Call]:
    """Attach ``agent`` and ``date`` to calls, from a manifest or the naming pattern.

    Parameters
    ----------
    calls : sequence of Call
    name_pattern : str, optional
        A regular expression searched in the call's stem, with named groups ``agent``
        and/or ``date`` (YYYY-MM-DD or YYYYMMDD is normalised to YYYY-MM-DD). Default
        ``[review] name_pattern``; ``""``: none.
    manifest : path-like, optional
        CSV with a header ``path,agent,date``; ``path`` is a file of the call (or a session
        folder), absolute or relative to the manifest. Manifest rows win over the pattern.
    config : Config, optional

    Returns
    -------
    list of Call
        Copies of the calls, in order, with ``meta["agent"]`` / ``meta["date"]`` set where
        found.

    Raises
    ------
    ParameterError
        For a pattern that does not compile or a manifest without the columns.
    """
    example = load_config().review.name_pattern  # the shipped one, for the messages
    if name_pattern is None:
        name_pattern = (config or load_config()).review.name_pattern
    rx = None
    if name_pattern:
        try:
            rx = re.compile(name_pattern)
        except re.error as e:
            raise ParameterError(
                f"--name-pattern {name_pattern!r} is not a valid regular expression ({e}); "
                f"use named groups, e.g. {example!r}"
            ) from None
        if not {"agent", "date"} & set(rx.groupindex):
            raise ParameterError(
                f"--name-pattern {name_pattern!r} has no named group 'agent' or 'date'; "
                f"e.g. {example!r}"
            )
    rows: dict[Path, dict[str, str]] = {}
    if manifest is not None:
        mp = Path(manifest)
        if mp.is_dir():
            raise SourceError(f"manifest {str(mp)!r} is a folder; give a CSV file "
                              f"path,agent,date")
        if not mp.is_file():
            raise SourceError(f"manifest {str(mp)!r} does not exist; give a CSV path,agent,date")
        try:
            text = mp.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise SourceError(
                f"{not_utf8(f'manifest {str(mp)!r}', e)}; save the CSV as UTF-8 "
                f"(path,agent,date)"
            ) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
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
    used: set[Path] = set()
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
                used.add(k)
                r = rows[k]
                if r.get("agent"):
                    meta["agent"] = r["agent"]
                if r.get("date"):
                    meta["date"] = _norm_date(r["date"])
                break
        out.append(dataclasses.replace(c, meta=meta))
    unused = [p for p in rows if p not in used]
    if unused:  # a typo, or a path relative to the wrong folder: say so, do not drop silently
        shown = ", ".join(repr(str(p)) for p in unused[:3]) + (" ..." if len(unused) > 3 else "")
        warnings.warn(
            f"manifest {str(manifest)!r}: {len(unused)} of {len(rows)} row(s) match no call "
            f"under review ({shown}); a row's path must name a file of the call (or its "
            f"session folder), absolute or relative to the manifest's folder",
            stacklevel=2,
        )
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


def source_rates(call: Call, parties: int, config: Config | None = None
                 ) -> list[float | None]:
    """Each analysed column's source rate, before resampling to 16 kHz.

    What :class:`~voicecoach.pipeline.CallAnalyzer` takes as ``source_rates_hz``, so that
    review and live replay of the same file run the same pitch tracker (the harmonic check
    of telephone-rate sources).

    Parameters
    ----------
    call : Call
    parties : int
        Analysed columns: 2 (``[agent, customer]``) or 1 (the agent alone).
    config : Config, optional
        ``[pitch] band_scan_s`` and ``telephone_band_db``
        (:func:`voicecoach.io.source_rate_hz`).

    Returns
    -------
    list of float (or None)
        Hz, one per column: the file's rate, or 8000 Hz for a channel whose audio is
        telephone band although saved at a higher rate. A live session folder gives the
        rates its session ran with (``session.json``; None where the session had none),
        or, for a session recorded before they were kept or cut short, its files' rates:
        its review judges the audio as the agent saw it judged.
    """
    if call.kind == "session":  # the rates the live session ran with: what the agent saw
        rates = call.meta.get("source_rates_hz") or [
            float(audio_info(p).sample_rate) for p in call.paths]
        return list(rates[:parties])
    if len(call.paths) == 2:  # a pair: one file per party
        cols = [(call.paths[0], 0), (call.paths[1], 0)]
    elif call.kind == "mono" or audio_info(call.paths[0]).channels == 1:
        cols = [(call.paths[0], 0)] * 2  # a mono call split in two columns reads one channel
    else:
        a = call.agent_channel
        cols = [(call.paths[0], a), (call.paths[0], 1 - a)]
    cache: dict[tuple[Path, int], float] = {}
    for col in cols[:parties]:
        if col not in cache:
            cache[col] = source_rate_hz(col[0], col[1], config)
    return [cache[col] for col in cols[:parties]]


def agent_lows_cut(call: Call, config: Config | None = None) -> bool | None:
    """Whether the agent's column went through a line that cut its lows (under 300 Hz).

    :func:`voicecoach.io.lows_cut` of the column :func:`source_rates` reads for the agent:
    with ``[baseline] telephone_references``, a telephone-rate agent channel is judged
    against the profile's telephone-band references unless this is False (audio that kept
    its lows). A live session folder gives None: its review judges it as the session did,
    by the rate alone.

    Parameters
    ----------
    call : Call
    config : Config, optional

    Returns
    -------
    bool or None
        None when it cannot tell.
    """
    from ..io import lows_cut

    if call.kind == "session":
        return None
    channel = 0 if len(call.paths) == 2 or call.kind == "mono" else call.agent_channel
    if len(call.paths) != 2 and call.kind != "mono" and audio_info(call.paths[0]).channels == 1:
        channel = 0
    return lows_cut(call.paths[0], channel, config)


def iter_call_blocks(call: Call, config: Config | None = None) -> Iterator[np.ndarray]:
    """Blocks of whole 16 kHz hops, columns ``[agent, customer]`` (or ``[agent]``).

    Parameters
    ----------
    call : Call
        A pair's (or session's) shorter file is padded with silence to the other's end.
    config : Config, optional

    Yields
    ------
    np.ndarray, shape (n_hops * 160, call.parties), float32

    Raises
    ------
    SourceError, AudioFormatError
        As :func:`voicecoach.io.iter_hops`.
    """
    cfg = config or load_config()
    if call.kind == "mono":
        yield from iter_hops(call.paths[0], [0], cfg)
    elif call.kind == "stereo":
        a = call.agent_channel
        yield from iter_hops(call.paths[0], [a, 1 - a], cfg)
    else:
        yield from _pair_blocks(call.paths[0], call.paths[1], cfg)


# ----------------------------------------------------------------------------- identity


def source_sig(call: Call) -> str:
    """A key of the call's files as they are now (path, size, modification time).

    Parameters
    ----------
    call : Call

    Returns
    -------
    str
        16 hex digits (:func:`~voicecoach.review.tracks.hash_of`).

    Raises
    ------
    OSError
        If a file does not exist.
    """
    parts = []
    for p in call.paths:
        st = p.stat()
        parts.append([str(p.resolve()), st.st_size, st.st_mtime_ns])
    return hash_of(parts)


def call_from_report(rep: dict[str, Any]) -> Call:
    """The call a report was made from (its ``audio``, ``roles`` and ``call`` sections).

    Parameters
    ----------
    rep : dict
        A ``voicecoach.report/1`` document.

    Returns
    -------
    Call
        Paths as stored (file names only unless the review kept full paths).

    Raises
    ------
    KeyError
        If the report has no ``audio.path``.
    """
    a = rep["audio"]
    kind = a.get("kind", "stereo")
    paths = tuple(Path(p) for p in (a["path"] if isinstance(a["path"], list) else [a["path"]]))
    agent_channel = rep.get("roles", {}).get("agent", 0)
    meta = {k: v for k, v in (rep.get("call") or {}).items() if k in ("agent", "date")}
    stem = (rep.get("call") or {}).get("stem") or paths[0].stem
    return Call(
        stem, kind, paths, agent_channel if isinstance(agent_channel, int) else 0, meta=meta
    )
