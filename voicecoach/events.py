"""Typed events shared by every layer: live display, event log, report and benchmarks.

Events carry times from the sample count (seconds since the first sample of the call),
never from the wall clock, so they mean the same in live mode and in review.

Every event has

* ``kind``: its type name in the report schema;
* ``start_s`` / ``end_s``: the span it describes (``end_s`` is None while still open);
* ``decided_s``: the stream time at which the event was emitted, i.e. when its decision
  became known. ``decided_s - start_s`` is the decision latency.

An event that is emitted while still open (an interruption is decided ``min_overlap_s``
after its onset, long before the overlap ends) is emitted again, with the same ``id`` and
``end_s`` set, when it closes. Consumers keep the last version of each ``id``; the report
holds only closed versions. :func:`event_to_dict` gives the report-schema dict.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "Backchannel",
    "Event",
    "Interruption",
    "MutualSilence",
    "Nudge",
    "Overlap",
    "ResponseGap",
    "SpeechSegment",
    "Turn",
    "TurnEndOverlap",
    "event_from_dict",
    "event_to_dict",
    "final_events",
]

PARTIES = ("agent", "customer")


@dataclass(frozen=True)
class Event:
    """Base of all events (see the module notes for the fields).

    Times are in seconds since the call's first sample, from the sample count.

    Attributes
    ----------
    start_s : float
        Start of the span the event describes, s.
    end_s : float or None
        End of that span, s; None while the event is still open.
    decided_s : float
        Stream time at which this version was emitted (its decision became known), s.
    id : int
        Shared by the versions of one event (open, then closed); 0 for an event emitted
        once (all such are kept by :func:`final_events`). Not compared.
    """

    kind: ClassVar[str] = "event"
    start_s: float
    end_s: float | None
    decided_s: float
    id: int = field(default=0, compare=False)

    @property
    def closed(self) -> bool:
        """True once ``end_s`` is known."""
        return self.end_s is not None

    @property
    def duration_s(self) -> float:
        """``end_s - start_s`` (NaN while open)."""
        return math.nan if self.end_s is None else self.end_s - self.start_s


@dataclass(frozen=True)
class SpeechSegment(Event):
    """A party's speech from onset to offset (after VAD hysteresis and bleed rejection).

    Attributes
    ----------
    start_s : float
        Onset: the start of the segment's first raw VAD hop, s.
    end_s : float or None
        Offset: the end of its last raw VAD hop, s; None while the party speaks.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    party : {"agent", "customer"}
        Who speaks.
    """

    kind: ClassVar[str] = "speech"
    party: str = "agent"


@dataclass(frozen=True)
class Turn(Event):
    """A party holding the floor: speech segments joined across pauses < ``turn_gap_s``.

    Attributes
    ----------
    start_s : float
        Start of the turn's first speech segment, s.
    end_s : float or None
        End of the turn, s; None while the party holds the floor.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    party : {"agent", "customer"}
        Who holds the floor.
    """

    kind: ClassVar[str] = "turn"
    party: str = "agent"


@dataclass(frozen=True)
class Overlap(Event):
    """Both parties speaking at once. ``by`` started second, ``of`` held the floor.

    Attributes
    ----------
    start_s : float
        When both parties were first speaking, s.
    end_s : float or None
        When one of them stopped, s; None while both speak.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    by : {"agent", "customer"}
        The party that started second.
    of : {"agent", "customer"}
        The party that held the floor.
    """

    kind: ClassVar[str] = "overlap"
    by: str = "customer"
    of: str = "agent"


@dataclass(frozen=True)
class Interruption(Event):
    """``by`` started while ``of`` held the floor mid-turn and overlapped >= min_overlap_s.

    ``start_s`` is the interrupter's onset and ``end_s`` the end of the overlap.
    ``retracted`` is True on the closing version of an interruption that turned out to be a
    backchannel: ``by`` stopped within ``backchannel_max_s`` of its onset while ``of`` was
    still speaking (a :class:`Backchannel` is emitted with it). The live decision, taken
    ``min_overlap_s`` into the overlap, cannot know that yet; the trainer's record can.
    ``confirmed`` is True on the versions emitted once it can no longer be retracted: ``by``
    outlasted ``backchannel_max_s`` (an open version is emitted then), ``of`` gave way, or
    ``by`` spoke again within ``retract_gap_s``. The coach's "interrupting" nudge waits for
    it, so a long backchannel shown live for a moment never draws a nudge.
    ``confidence`` is None from the two-channel tracker (each party measured on its own
    channel); on a mixed mono call (:mod:`voicecoach.conversation.mono_overlap`) it is the
    detector's score, 0-1, of an interruption inferred from one channel.

    Attributes
    ----------
    start_s : float
        The interrupter's onset, s.
    end_s : float or None
        End of the overlap, s; None while it lasts.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    by : {"agent", "customer"}
        The interrupter.
    of : {"agent", "customer"}
        The party interrupted (it held the floor).
    retracted : bool
        The closing version of an interruption that turned out to be a backchannel.
    confirmed : bool
        This version can no longer be retracted (what the coach's nudge waits for).
    confidence : float or None
        Detector score, 0-1, on a mono call; None from the two-channel tracker.
    """

    kind: ClassVar[str] = "interruption"
    by: str = "agent"
    of: str = "customer"
    retracted: bool = False
    confirmed: bool = False
    confidence: float | None = None


@dataclass(frozen=True)
class Backchannel(Event):
    """A short utterance (<= backchannel_max_s) by ``by`` inside ``of``'s turn.

    Attributes
    ----------
    start_s : float
        Onset of the utterance, s.
    end_s : float or None
        Its end, s (emitted closed).
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    by : {"agent", "customer"}
        Who said it.
    of : {"agent", "customer"}
        Who kept the floor.
    """

    kind: ClassVar[str] = "backchannel"
    by: str = "customer"
    of: str = "agent"


@dataclass(frozen=True)
class TurnEndOverlap(Event):
    """``by`` started within turn_end_s of ``of``'s turn end, or as ``of`` stopped.

    Attributes
    ----------
    start_s : float
        Onset of ``by``'s speech, s.
    end_s : float or None
        When ``of`` stopped, s (emitted closed).
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    by : {"agent", "customer"}
        The party that started.
    of : {"agent", "customer"}
        The party whose turn was ending.
    """

    kind: ClassVar[str] = "turn_end_overlap"
    by: str = "agent"
    of: str = "customer"


@dataclass(frozen=True)
class ResponseGap(Event):
    """Silence between the end of ``after``'s turn and the start of ``party``'s turn.

    ``gap_s`` is ``party``'s turn start minus ``after``'s turn end, s: negative when
    ``party`` started before ``after`` stopped (a turn-end overlap). ``start_s``/``end_s``
    are the earlier and the later of the two instants.

    Attributes
    ----------
    start_s : float
        The earlier of ``after``'s turn end and ``party``'s turn start, s.
    end_s : float or None
        The later of the two, s (emitted closed).
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    party : {"agent", "customer"}
        The party that responded (its turn starts).
    after : {"agent", "customer"}
        The party whose turn ended.
    gap_s : float
        ``party``'s turn start minus ``after``'s turn end, s (negative: an overlap).
    """

    kind: ClassVar[str] = "response_gap"
    party: str = "agent"
    after: str = "customer"
    gap_s: float = 0.0


@dataclass(frozen=True)
class MutualSilence(Event):
    """Neither party speaking for longer than mutual_silence_s.

    Attributes
    ----------
    start_s : float
        When the last party stopped speaking, s.
    end_s : float or None
        When a party spoke again (or the stream ended), s; None while the silence lasts.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    """

    kind: ClassVar[str] = "mutual_silence"


@dataclass(frozen=True)
class Nudge(Event):
    """A coaching cue shown to the agent.

    ``start_s`` is when it was shown; ``end_s`` when the rule's condition cleared;
    ``recovered_after_s`` = ``end_s - start_s`` if the metric came back within threshold.
    ``value`` is, for a measured rule, the most extreme value of its measure over the episode
    that fired it; ``threshold`` the one in force when it fired.

    Attributes
    ----------
    start_s : float
        When the nudge was shown, s.
    end_s : float or None
        When the rule's condition cleared (or the stream ended), s; None while it holds.
    decided_s : float
        As in :class:`Event`: when this version was emitted, s.
    id : int
        As in :class:`Event`: shared by the versions of one event, 0 for none.
    rule : str
        The rule that fired (a ``[coach.rules]`` name: ``"pitch_high"``, ``"jump_in"``...).
    party : str
        Who is coached: ``"agent"``.
    value : float
        The rule's measure (most extreme over the episode), in the rule's unit (st, %, dB,
        count, s); NaN when not given.
    threshold : float
        The threshold in force when it fired, in the same unit.
    message : str
        The cue's text in the coach's language.
    recovered_after_s : float or None
        ``end_s - start_s``, s, when the condition cleared; None while open or never
        recovered.
    """

    kind: ClassVar[str] = "nudge"
    rule: str = ""
    party: str = "agent"
    value: float = math.nan
    threshold: float = math.nan
    message: str = ""
    recovered_after_s: float | None = None


_KINDS: dict[str, type[Event]] = {
    c.kind: c
    for c in (
        SpeechSegment,
        Turn,
        Overlap,
        Interruption,
        Backchannel,
        TurnEndOverlap,
        ResponseGap,
        MutualSilence,
        Nudge,
    )
}


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 3)
    return v


def event_to_dict(ev: Event) -> dict[str, Any]:
    """The report-schema dict of an event: ``{"kind", "start_s", "end_s", ...}``.

    Parameters
    ----------
    ev : Event
        Any event class of this module.

    Returns
    -------
    dict
        ``"kind"`` then every field of the event by name; floats (times in s, values in
        their rule's unit) rounded to 3 decimals, NaN as None.
    """
    d: dict[str, Any] = {"kind": ev.kind}
    for f in dataclasses.fields(ev):
        d[f.name] = _round(getattr(ev, f.name))
    return d


def event_from_dict(d: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_dict` (unknown kinds raise ``KeyError``).

    Parameters
    ----------
    d : dict
        With ``"kind"`` and the fields of that kind's event; other keys are ignored, and
        None for ``value`` or ``threshold`` is read as NaN.

    Returns
    -------
    Event
        An instance of the class of ``d["kind"]``.

    Raises
    ------
    KeyError
        For a missing or unknown ``"kind"``.
    TypeError
        When a field of that kind is missing.
    """
    cls = _KINDS[d["kind"]]
    names = {f.name for f in dataclasses.fields(cls)}
    kw = {k: (math.nan if v is None and k in ("value", "threshold") else v) for k, v in d.items()}
    return cls(**{k: v for k, v in kw.items() if k in names})


def final_events(events: list[Event]) -> list[Event]:
    """Keep the last version of each ``(kind, id)`` (ids of 0 are all kept), sorted by start.

    The kept version takes the ``decided_s`` of the *first* version: the moment the
    decision was shown, which is what latency figures and the trainer's review need.

    Parameters
    ----------
    events : list of Event
        In the order they were emitted (updates of one event follow its first version).

    Returns
    -------
    list of Event
        A new list sorted by ``(start_s, kind)``; the input is not changed.
    """
    last: dict[tuple[str, int], Event] = {}
    first_decided: dict[tuple[str, int], float] = {}
    anon: list[Event] = []
    for ev in events:
        if ev.id:
            key = (ev.kind, ev.id)
            first_decided.setdefault(key, ev.decided_s)
            last[key] = dataclasses.replace(ev, decided_s=first_decided[key])
        else:
            anon.append(ev)
    return sorted([*anon, *last.values()], key=lambda e: (e.start_s, e.kind))
