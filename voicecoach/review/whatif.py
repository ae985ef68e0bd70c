"""What-if: re-coach a reviewed call from its cached tracks with another configuration.

:func:`recoach_call` re-reads ``tracks.npy`` in chunks and runs again only what the new
configuration changes: the coach always; the baselines unless their settings and the
profile are unchanged (``measures_key``); the conversation tracker unless ``[conversation]``
is unchanged (``conversation_key``: its cached event stream is replayed). A change to the
analysis settings (``analysis_key``) raises :class:`~voicecoach.errors.StaleTracksError`:
the audio must be analysed again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

from ..baseline.profile import Profile
from ..config import Config, load_config
from ..errors import SourceError, StaleTracksError
from ..events import Event, Nudge
from ..i18n import resolve_lang
from ..pipeline import PARTIES, CallAnalyzer
from ..privacy import private_dir, private_file
from .calls import call_from_report
from .document import REPORT_FILE, call_meta, count_nudges, read_report, report_dict, write_json
from .mono import (
    MonoTracker,
    apply_attribution,
    band_check,
    detected_interruptions,
    is_withheld,
)
from .tracks import (
    CHUNK_HOPS,
    FINISH_BLOCK,
    STREAM_FILE,
    TRACKS_FILE,
    TrackReader,
    analysis_key,
    conversation_key,
    echo_of,
    features_of,
    measures_key,
    measures_of,
    read_stream,
    write_stream,
)

__all__ = ["StaleTracksError", "recoach_call"]


def _link_or_copy(src: Path, dst: Path) -> None:
    if dst.exists() and dst.resolve() == src.resolve():
        return
    with contextlib.suppress(FileNotFoundError):
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, private_file(dst))


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
    stem : str, optional
        The new report's folder name and ``call.stem`` (default: ``report_dir``'s name).

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
    old = read_report(src)
    tinfo = old.get("tracks") or {}
    if not tinfo.get("path"):
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
    call = call_from_report(old)
    dest = src if out_dir is None else Path(out_dir) / (stem or src.name)
    private_dir(dest)

    reuse_measures = reader.has_rel and tinfo.get("measures_key") == measures_key(cfg, profile)
    stream_path = src / (tinfo.get("events") or STREAM_FILE)
    cached: list[tuple[int, Event]] | None = None
    if reader.parties == 2 and stream_path.is_file():
        key, items = read_stream(stream_path)
        if key == tinfo.get("conversation_key") == conversation_key(cfg):
            cached = items
    by_block: dict[int, list[Event]] = {}
    if cached is not None:
        for b, ev in cached:
            by_block.setdefault(b, []).append(ev)

    # the call's pipeline, re-run from the cached rows: the tracker only when its cached
    # stream does not hold, the baselines only when the cached measures do not
    # a mono call split into two voices: overlaps stay unmeasured (voicecoach.review.mono),
    # and each hop is one party's (no agent onset pad, as in the first pass)
    mono_split = call.kind == "mono" and reader.parties == 2
    pipe_cfg = (cfg.replace(conversation={"agent_onset_pad_s": 0.0,
                                          "agent_onset_backtrack_s": 0.0})
                if mono_split else cfg)
    # each column's source rate, as the first pass had it: a telephone-rate agent channel is
    # judged against the profile's telephone-band references there and here alike
    rates = (old.get("audio") or {}).get("source_rates_hz")
    lows = (old.get("audio") or {}).get("agent_lows_cut")
    pipe = CallAnalyzer(pipe_cfg, profile=profile, lang=lang, parties=reader.parties,
                        source_rates_hz=rates if isinstance(rates, list)
                        and len(rates) == reader.parties else None,
                        agent_lows_cut=lows if isinstance(lows, bool) else None)
    if reuse_measures and profile is None:
        # the baseline trackers do not run, so the provisional profile they formed in the
        # first pass never forms here: the personal thresholds and verdicts come from it
        # (without it every measured rule would judge at its floor)
        formed = ((old.get("summary") or {}).get("coach") or {}).get("baseline") or {}
        if formed.get("agent") is not None:
            pipe.coach.set_threshold_profile(Profile.from_dict(formed["agent"]))
    fresh_tracker = pipe.tracker is not None and cached is None
    # ... except the interruptions the mono detector found in the first pass (kept as found)
    mono_interruptions = detected_interruptions(old.get("events") or []) if mono_split else None
    if mono_interruptions is not None and fresh_tracker and pipe.tracker is not None:
        pipe.tracker = MonoTracker(pipe.tracker, mono_interruptions, cfg.analysis.hop_s)
    new_stream: list[tuple[int, Event]] = []
    events: list[Event] = []
    parties = PARTIES[: reader.parties]
    for s, rows in reader.chunks(CHUNK_HOPS, cuts=[b for b in by_block if b >= 0]):
        feats = [features_of(rows, p) for p in parties]
        rel = [measures_of(rows, p) for p in parties] if reuse_measures else None
        step = pipe.process_rows(
            feats[0],
            feats[1] if len(feats) == 2 else None,
            events=None if fresh_tracker else by_block.get(s, []),
            measures=None if rel is None else (rel[0], rel[1] if len(rel) == 2 else None),
            echo=echo_of(rows),
        )
        if mono_split:
            step = dataclasses.replace(
                step, events=[e for e in step.events if not is_withheld(e)]
            )
        if fresh_tracker:
            new_stream.extend((s, e) for e in step.events if not isinstance(e, Nudge))
        events.extend(step.events)
    tail = pipe.finish(events=None if fresh_tracker else by_block.get(FINISH_BLOCK, []))
    if mono_split:
        tail = [e for e in tail if not is_withheld(e)]
    if fresh_tracker:
        new_stream.extend((FINISH_BLOCK, e) for e in tail if not isinstance(e, Nudge))
    events.extend(tail)

    if fresh_tracker:
        summary = pipe.tracker.summary()
        echo = (old["summary"].get("conversation") or {}).get("echo")
        if echo is not None:  # the analysis, echo canceller included, is the cached one
            summary["conversation"]["echo"] = echo
    else:  # the conversation did not run here: its cached summary holds
        summary = {k: old["summary"][k] for k in ("agent", "customer", "conversation")}
    if mono_split and fresh_tracker:
        apply_attribution(summary, mono_interruptions)
    summary["coach"] = pipe.coach.summary()
    if reuse_measures:  # the baselines did not run here; they are the cached ones
        judged = summary["coach"]["baseline"]  # ... but the verdicts are this coach's
        summary["coach"]["baseline"] = {
            **old["summary"]["coach"]["baseline"],
            **{k: judged[k] for k in ("verdicts", "in_call_rules")},
        }
    a = old["audio"]
    report = report_dict(
        call,
        summary,
        pipe.coach.lang,
        events,
        a["duration_s"],
        a["sample_rate"],
        a["channels"],
        cfg,
        reader.n_hops,
        TRACKS_FILE,
    )
    report["audio"]["playback"] = a.get("playback")
    if "source_rates_hz" in a:
        report["audio"]["source_rates_hz"] = a["source_rates_hz"]
    report["call"] = old.get("call") or call_meta(call)
    if stem:
        report["call"] = {**report["call"], "stem": stem}
    report["stats"] = old.get("stats")
    for key in ("mono", "channels"):  # what the first pass found about the voices
        if key in old:
            report[key] = old[key]
    # the profile's band against the agent channel's (this what-if's profile)
    a_rate = (a.get("source_rates_hz") or [a["sample_rate"]])[0]
    band = band_check(profile, None if a_rate is None else float(a_rate),
                      resolve_lang(lang, cfg),
                      cfg.baseline.telephone_references and lows is True)
    if band is not None:
        report["band"] = band
    if mono_split:
        report["roles"] = old.get("roles", report["roles"])
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
        "nudges_before": count_nudges(old),
        "nudges": count_nudges(report),
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
    if fresh_tracker:
        write_stream(dest / STREAM_FILE, conversation_key(cfg), new_stream)
    write_json(dest / REPORT_FILE, report)
    if render:
        from ..sinks.report import render_report

        render_report(dest, report, cfg, profile)
    return report, old
