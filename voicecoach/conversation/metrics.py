"""Conversation metrics computed from events alone, so a report can be rebuilt from a log."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import Any

from ..config import Config, load_config
from ..events import (
    Backchannel,
    Event,
    Interruption,
    MutualSilence,
    Overlap,
    ResponseGap,
    SpeechSegment,
    Turn,
    TurnEndOverlap,
    final_events,
)

__all__ = ["summarize"]

_PARTIES = ("agent", "customer")


def _dur(ev: Event, duration_s: float) -> float:
    end = duration_s if ev.end_s is None else ev.end_s
    return max(0.0, end - ev.start_s)


def _r(x: float | None, nd: int = 3) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(x, nd)


def summarize(
    events: Iterable[Event], duration_s: float, config: Config | None = None
) -> dict[str, Any]:
    """Conversation metrics from tracker events.

    Parameters
    ----------
    events : iterable of Event
        Tracker events in any order; several versions of one ``id`` may be present (the
        last one counts, :func:`voicecoach.events.final_events`). Events still open are
        taken to end at ``duration_s``.
    duration_s : float
        Length of the call (or of the part tracked so far), s.
    config : Config, optional
        For ``conversation.jump_in_s`` (defaults: :func:`voicecoach.config.load_config`).

    Returns
    -------
    dict
        ``{"agent": {...}, "customer": {...}, "conversation": {...}}``. Per party:
        ``talk_s`` (speech segments, s), ``talk_ratio`` (of both parties' talk time),
        ``turns``, ``longest_turn_s`` (the longest monologue: a turn, pauses shorter than
        ``turn_gap_s`` included), ``interruptions_made`` (``by``), ``interrupted`` (``of``),
        ``backchannels`` (``by``), ``turn_end_overlaps`` (``by``), ``response_gaps`` (count of
        this party's turns taken over from the other, interruptions excluded),
        ``response_gap_median_s`` (negative = overlapping), ``jump_ins`` (gaps under
        ``jump_in_s``). Conversation: ``duration_s``, ``overlap_s`` and ``overlaps`` (all
        overlaps), ``interruptions``, ``backchannels``, ``turn_end_overlaps``,
        ``mutual_silences`` and ``mutual_silence_s`` (count and total of silences longer than
        ``mutual_silence_s``). Times are rounded to ms; a median over no gap is None.
    """
    cfg = (config if config is not None else load_config()).conversation
    evs = final_events(list(events))
    talk = dict.fromkeys(_PARTIES, 0.0)
    party: dict[str, dict[str, Any]] = {
        p: {"turns": 0, "longest_turn_s": 0.0, "interruptions_made": 0, "interrupted": 0,
            "backchannels": 0, "turn_end_overlaps": 0}
        for p in _PARTIES
    }
    gaps: dict[str, list[float]] = {p: [] for p in _PARTIES}
    conv = {"duration_s": duration_s, "overlap_s": 0.0, "overlaps": 0, "interruptions": 0,
            "backchannels": 0, "turn_end_overlaps": 0, "mutual_silences": 0,
            "mutual_silence_s": 0.0}
    for ev in evs:
        if isinstance(ev, SpeechSegment):
            talk[ev.party] += _dur(ev, duration_s)
        elif isinstance(ev, Turn):
            party[ev.party]["turns"] += 1
            party[ev.party]["longest_turn_s"] = max(party[ev.party]["longest_turn_s"],
                                                    _dur(ev, duration_s))
        elif isinstance(ev, Interruption):
            if ev.retracted:  # a backchannel after all (counted as one below)
                continue
            party[ev.by]["interruptions_made"] += 1
            party[ev.of]["interrupted"] += 1
            conv["interruptions"] += 1
        elif isinstance(ev, Backchannel):
            party[ev.by]["backchannels"] += 1
            conv["backchannels"] += 1
        elif isinstance(ev, TurnEndOverlap):
            party[ev.by]["turn_end_overlaps"] += 1
            conv["turn_end_overlaps"] += 1
        elif isinstance(ev, Overlap):
            conv["overlaps"] += 1
            conv["overlap_s"] += _dur(ev, duration_s)
        elif isinstance(ev, ResponseGap):
            gaps[ev.party].append(ev.gap_s)
        elif isinstance(ev, MutualSilence):
            conv["mutual_silences"] += 1
            conv["mutual_silence_s"] += _dur(ev, duration_s)
    total = talk["agent"] + talk["customer"]
    out: dict[str, Any] = {}
    for p in _PARTIES:
        g = gaps[p]
        d = party[p]
        out[p] = {
            "talk_s": _r(talk[p]),
            "talk_ratio": _r(talk[p] / total if total > 0 else math.nan, 4),
            "turns": d["turns"],
            "longest_turn_s": _r(d["longest_turn_s"]),
            "interruptions_made": d["interruptions_made"],
            "interrupted": d["interrupted"],
            "backchannels": d["backchannels"],
            "turn_end_overlaps": d["turn_end_overlaps"],
            "response_gaps": len(g),
            "response_gap_median_s": _r(statistics.median(g)) if g else None,
            "jump_ins": sum(1 for x in g if x < cfg.jump_in_s),
        }
    out["conversation"] = {k: (_r(v) if isinstance(v, float) else v) for k, v in conv.items()}
    return out
