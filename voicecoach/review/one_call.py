"""Reviewing one call: audio in, report folder out.

:func:`review_call` runs the call through :class:`~voicecoach.pipeline.CallAnalyzer`, the
same object as live mode, and writes into ``OUT/<call-stem>/``

* ``report.json`` (:mod:`voicecoach.review.document`);
* ``tracks.npy`` and ``tracker_events.jsonl`` (:mod:`voicecoach.review.tracks`), for what-if
  re-runs and the timeline;
* ``audio.ogg`` (or ``.flac``): what was analysed, 16 kHz, agent left, customer right, for
  the report's player; and ``timeline.png`` + ``report.html`` (:mod:`voicecoach.sinks.report`).

Audio is read in blocks, and tracks, events and audio are written as they come, so memory
stays flat with call length. A call that fails leaves no half-written report behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..analysis import Features
from ..baseline.profile import Profile
from ..config import TELEPHONE_RATE_HZ, Config, load_config
from ..errors import ParameterError
from ..events import Event, Interruption, Nudge
from ..i18n import resolve_lang
from ..io import audio_info
from ..pipeline import PARTIES, CallAnalyzer
from ..privacy import private_dir, private_file
from .calls import Call, agent_lows_cut, iter_call_blocks, source_rates, source_sig
from .document import REPORT_FILE, build_report, call_meta, write_json
from .mono import (
    MonoTracker,
    apply_attribution,
    attribute,
    band_check,
    channel_check,
    is_withheld,
    mix_vad,
    mono_notes,
    split_block,
)
from .tracks import (
    FINISH_BLOCK,
    STREAM_FILE,
    TRACKS_FILE,
    StreamWriter,
    TracksWriter,
    conversation_key,
    fill_rows,
    measures_key,
    tracks_dtype,
)

__all__ = ["AUDIO_MODES", "Progress", "review_call"]


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
        from ..baseline.profile import hz_to_st

        for st, fr in zip(self.parts, feats, strict=False):
            if fr is None:
                continue
            sp = np.asarray(fr.speech, bool)
            st["rate"].add(np.asarray(fr.articulation_rate, np.float64)[sp])
            # the settled path's pitch (fewer octave errors on telephone speech; its rows
            # describe frames 80 ms earlier than f0_hz's, which a call's median ignores)
            f0 = np.asarray(fr.f0_settled_hz, np.float64)
            st["pitch"].add(hz_to_st(f0[sp & np.isfinite(f0)]))
            ld = np.asarray(fr.loudness_db, np.float64)[sp]
            st["pow"] += float(np.sum(10.0 ** (ld[np.isfinite(ld)] / 10.0)))
            st["n_speech"] += int(sp.sum())

    def result(self) -> dict[str, Any]:
        from ..baseline.profile import st_to_hz

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
            str(private_file(self.path)),
            "w",
            sample_rate,
            channels,
            format=major,
            subtype=sub,
            **kw,
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
    created = not folder.exists()
    private_dir(folder)
    written: list[Path] = []
    try:
        return _review_call(call, folder, cfg, profile, lang, render, audio, progress, written)
    except BaseException:
        for p in written:  # do not leave a half-written report behind
            with contextlib.suppress(OSError):
                p.unlink()
        if created:  # nor an empty folder per failed call (rmdir: only if nothing is left)
            with contextlib.suppress(OSError):
                folder.rmdir()
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
    parties = call.parties
    pipe_cfg = cfg
    mono_info: dict[str, Any] | None = None
    split: tuple[np.ndarray, int] | None = None
    mono_interruptions: list[Interruption] | None = None
    if call.kind == "mono" and cfg.mono.enabled:
        # first pass: does the one channel hold two voices, and who speaks when?
        mono_rate = source_rates(call, 1, cfg)[0]  # "auto" interruptions: wideband only
        d = attribute(call, cfg, profile, mono_rate)
        mono_info = mono_notes(d, profile, cfg, resolve_lang(lang, cfg), mono_rate)
        if d.two_voices and d.agent is not None:
            split, parties = (d.labels, d.agent), 2
            # one channel: no far end, and each hop is one party's (an agent onset moved
            # back would overlap the customer's last hops: a turn-end overlap, no jump-in)
            pipe_cfg = cfg.replace(echo={"enabled": False},
                                   conversation={"agent_onset_pad_s": 0.0,
                                                 "agent_onset_backtrack_s": 0.0})
            mono_interruptions = d.interruptions
    channels_info = channel_check(call, cfg, profile, resolve_lang(lang, cfg))
    rates = source_rates(call, parties, cfg)
    # a telephone-rate agent channel: did a line cut its lows? (which references fit it)
    lows = (agent_lows_cut(call, cfg) if cfg.baseline.telephone_references
            and profile is not None and profile.telephone is not None
            and rates[0] is not None and rates[0] <= TELEPHONE_RATE_HZ else None)
    band_info = band_check(profile, rates[0], resolve_lang(lang, cfg),
                           cfg.baseline.telephone_references and lows is True)
    pipe = CallAnalyzer(pipe_cfg, profile=profile, lang=lang, parties=parties,
                        source_rates_hz=rates, agent_lows_cut=lows)
    if mono_interruptions is not None and pipe.tracker is not None:
        # the mono detector's interruptions replace the tracker's overlap events
        pipe.tracker = MonoTracker(pipe.tracker, mono_interruptions, cfg.analysis.hop_s)
    # unlink first: what-if folders may hold hard links to these files
    for name in (
        REPORT_FILE,
        "timeline.png",
        "report.html",
        TRACKS_FILE,
        STREAM_FILE,
        *[v[2] for v in _AudioWriter.FORMATS.values()],
    ):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    dtype = tracks_dtype(parties)
    tracks = TracksWriter(folder / TRACKS_FILE, dtype)
    written.append(tracks.path)
    stream = StreamWriter(folder / STREAM_FILE, conversation_key(cfg))
    written.append(folder / STREAM_FILE)
    fmt = audio
    playback: str | None = None
    if fmt == "link":
        playback = _playback_link(call, folder)
        fmt = "none" if playback is not None else "ogg"
    aw = None
    if fmt != "none":
        aw = _AudioWriter(folder, fmt, cfg.analysis.sample_rate, parties)
        written.append(aw.path)
        playback = aw.path.name
    stats = _Stats(parties)
    events: list[Event] = []
    n = 0
    try:
        # a split mono call: one Silero network judges the mix for both columns
        vad = mix_vad(cfg) if split is not None else None
        for block in iter_call_blocks(call, cfg):
            prob = None
            if split is not None:
                labels, agent = split
                if vad is not None:
                    p = vad.process(np.asarray(block, np.float32).reshape(-1))
                    prob = (p, p)
                block = split_block(block, labels, agent, cfg, first_hop=n)
            step = pipe.process(block, vad_prob=prob)
            if split is not None:  # overlaps are not measured on one channel
                step = dataclasses.replace(
                    step, events=[e for e in step.events if not is_withheld(e)]
                )
            k = len(step.agent)
            rows = np.empty(k, dtype)
            feats = (step.agent, step.customer)
            fill_rows(rows, feats, (step.agent_rel, step.customer_rel), step.echo)
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
            if split is not None and is_withheld(ev):
                continue
            if not isinstance(ev, Nudge):
                stream.write(FINISH_BLOCK, ev)
            events.append(ev)
    finally:
        tracks.close()
        stream.close()
        if aw is not None:
            aw.close()
    report = build_report(call, pipe, events, duration_s, sample_rate, channels, cfg, n)
    report["audio"]["playback"] = playback
    # per analysed column, the rate its pitch tracker took (telephone band: 8000)
    report["audio"]["source_rates_hz"] = rates
    report["audio"]["agent_lows_cut"] = lows
    report["call"] = call_meta(call)
    report["stats"] = stats.result()
    if mono_info is not None:
        report["mono"] = mono_info
        if split is not None:
            report["roles"] = {"agent": 0, "customer": 0, "attribution": mono_info["method"]}
            apply_attribution(report["summary"], mono_interruptions)
    if channels_info is not None:
        report["channels"] = channels_info
    if band_info is not None:
        report["band"] = band_info
    report["tracks"].update(
        {
            "measures_key": measures_key(cfg, profile),
            "conversation_key": conversation_key(cfg),
            "events": STREAM_FILE,
            "source": source_sig(call),
        }
    )
    write_json(folder / REPORT_FILE, report)
    written.append(folder / REPORT_FILE)
    if render:
        from ..sinks.report import render_report

        written.extend(render_report(folder, report, cfg, profile))
    return report
