"""The call pipeline: analysis → conversation tracker → baselines and coach.

:class:`CallAnalyzer` is the single object behind ``voicecoach live`` (fed 1–3 hops at a
time from the capture thread), ``voicecoach review`` (fed seconds at a time from
disk), what-if re-runs (fed a reviewed call's cached rows, :meth:`CallAnalyzer.process_rows`)
and the benchmarks' live loop. It is pure: no I/O, no clocks. Samples are the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import Analyzer, Features
from .baseline import Profile, RelativeMeasures
from .coach import Coach
from .config import Config, load_config
from .conversation import ConversationTracker
from .errors import ParameterError
from .events import Event

__all__ = ["PARTIES", "CallAnalyzer", "Step"]

PARTIES = ("agent", "customer")

#: Nudge ids start here so that they never collide with the tracker's ids.
NUDGE_FIRST_ID = 1_000_000


@dataclass(frozen=True)
class Step:
    """What one block produced.

    Attributes
    ----------
    agent, customer : Features
        Per-hop rows (``customer`` is None for a single-party recording).
    agent_rel, customer_rel : RelativeMeasures
        Per-hop measures against each party's baseline.
    events : list of Event
        Conversation events and nudges decided in this block, in decision order.
    """

    agent: Features
    customer: Features | None
    agent_rel: RelativeMeasures
    customer_rel: RelativeMeasures | None
    events: list[Event]


class CallAnalyzer:
    """Analyse a call (two parties) or a single-party recording, block by block.

    Parameters
    ----------
    config : Config, optional
    profile : Profile, optional
        The agent's calibrated calm baseline (else a provisional one from the first
        ``[baseline] provisional_s`` of the agent's speech).
    lang : {"fr", "en"}, optional
        Nudge language (default ``[coach] lang``).
    parties : {1, 2}
        2: columns are ``[agent, customer]``; 1: the agent only (no conversation
        tracking; overlap metrics are unavailable).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        profile: Profile | None = None,
        lang: str | None = None,
        parties: int = 2,
    ) -> None:
        if parties not in (1, 2):
            raise ParameterError(f"parties must be 1 or 2, got {parties!r}")
        self.config = config if config is not None else load_config()
        self.parties = parties
        self.analyzer = Analyzer(parties, self.config)
        self.tracker = ConversationTracker(self.config) if parties == 2 else None
        self.coach = Coach(self.config, lang, profile, first_id=NUDGE_FIRST_ID)
        self.hop_size = self.analyzer.hop_size
        self.hop_s = self.config.analysis.hop_s
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state (the profile is kept)."""
        self.analyzer.reset()
        if self.tracker is not None:
            self.tracker.reset()
        self.coach.reset()
        self.n_hops = 0
        self._finished = False

    @property
    def t_s(self) -> float:
        """Stream time processed so far, s."""
        return self.n_hops * self.hop_s

    def process(self, block: np.ndarray) -> Step:
        """Analyse a block of whole hops.

        Parameters
        ----------
        block : np.ndarray, shape (n_hops * 160, parties)
            16 kHz samples, columns ``[agent, customer]``.

        Returns
        -------
        Step
        """
        rows = self.analyzer.process(block)
        return self.process_rows(rows[0], rows[1] if self.parties == 2 else None)

    def process_rows(
        self,
        agent: Features,
        customer: Features | None = None,
        *,
        events: Sequence[Event] | None = None,
        measures: tuple[RelativeMeasures, RelativeMeasures | None] | None = None,
    ) -> Step:
        """Run the rest of the pipeline on analysis rows (e.g. cached features).

        :meth:`process` is the analysis followed by this. A what-if re-run feeds it the
        rows of a reviewed call, and may skip stages whose cached output still holds.

        Parameters
        ----------
        agent, customer : Features
            One block of rows of each party (``customer`` None for one party).
        events : sequence of Event, optional
            The conversation tracker's cached events for these hops: the tracker is not run.
        measures : (RelativeMeasures, RelativeMeasures or None), optional
            Cached relative measures of these hops: the baseline trackers are not run.

        Returns
        -------
        Step
        """
        out: list[Event] = []
        if events is not None:
            out.extend(events)
        elif self.tracker is not None and customer is not None:
            out.extend(self.tracker.process(agent, customer))
        if measures is not None:
            nudges = self.coach.process_measures(measures[0], measures[1], out)
        else:
            nudges = self.coach.process(agent, customer, out)
        out.extend(nudges)
        self.n_hops += len(agent)
        return Step(agent, customer, self.coach.last_agent, self.coach.last_customer, out)

    def finish(self, *, events: Sequence[Event] | None = None) -> list[Event]:
        """Close what is still open at the end of the stream (idempotent).

        Parameters
        ----------
        events : sequence of Event, optional
            The tracker's cached closing events (as with :meth:`process_rows`): the
            tracker is not asked.

        Returns
        -------
        list of Event
            Closed versions of open events (nudges still on, turns, segments).
        """
        if self._finished:
            return []
        self._finished = True
        out: list[Event] = []
        if events is not None:
            out.extend(events)
        elif self.tracker is not None and hasattr(self.tracker, "finish"):
            out.extend(self.tracker.finish())
        out.extend(self.coach.finish())
        return out

    def summary(self) -> dict[str, Any]:
        """Per-party and conversation metrics plus the coach's statistics."""
        if self.tracker is not None:
            out = self.tracker.summary()
        else:
            out = {
                "agent": {},
                "customer": None,
                "conversation": {
                    "available": False,
                    "reason": "single-party recording: overlap and interruptions need both parties",
                },
            }
        out["coach"] = self.coach.summary()
        return out
