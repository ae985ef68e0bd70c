"""The call pipeline: echo canceller → analysis → conversation tracker → baselines and coach.

:class:`CallAnalyzer` is the single object behind ``voicecoach live`` (fed 1–3 hops at a
time from the capture thread), ``voicecoach review`` (fed seconds at a time from
disk), what-if re-runs (fed a reviewed call's cached rows, :meth:`CallAnalyzer.process_rows`)
and the benchmarks' live loop. It is pure: no I/O, no clocks. Samples are the clock.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import Analyzer, Features
from .analysis.blocks import check_block
from .analysis.echo import EchoCanceller, EchoHops, EchoStatus
from .analysis.features import fast_init
from .baseline.measures import RelativeMeasures
from .baseline.profile import Profile
from .coach import Coach
from .config import Config, config_or_default, harmonic_check_on
from .conversation import ConversationTracker
from .conversation.bleed import BleedGate
from .errors import EchoCancellerUnavailable, EchoCancellerUnavailableError, ParameterError
from .events import Event

__all__ = ["PARTIES", "CallAnalyzer", "Step", "make_echo_canceller"]

PARTIES = ("agent", "customer")

#: Nudge ids start here so that they never collide with the tracker's ids.
NUDGE_FIRST_ID = 1_000_000


@fast_init
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
    echo : EchoHops or None
        The echo canceller's per-hop state (None without a canceller).
    """

    agent: Features
    customer: Features | None
    agent_rel: RelativeMeasures
    customer_rel: RelativeMeasures | None
    events: list[Event]
    echo: EchoHops | None = None


def make_coach(config: Config, profile: Profile | None = None, lang: str | None = None) -> Coach:
    """The coach of a call pipeline (also used alone, e.g. to ask a profile's verdicts).

    Parameters
    ----------
    config : Config
    profile : Profile, optional
        The agent's calm baseline.
    lang : str, optional
        Nudge language (default: the config's).

    Returns
    -------
    Coach
        Its nudge ids start at ``NUDGE_FIRST_ID``.

    Raises
    ------
    ParameterError
        For an unsupported ``lang`` or an invalid ``[coach]`` rule set.
    """
    return Coach(config, lang, profile, first_id=NUDGE_FIRST_ID)


def make_echo_canceller(config: Config) -> EchoCanceller:
    """The agent microphone's echo canceller for ``config``, with the bleed gate's envelope
    correlation (delays accepted at ``[echo] echo_corr_off``) as its echo detector and delay
    estimate.

    Parameters
    ----------
    config : Config
        Its ``[echo]``, ``[noise_floor]``, ``[conversation]`` and ``[analysis]`` sections.

    Returns
    -------
    EchoCanceller
        For 16 kHz, 10 ms hops (``[analysis]``).

    Raises
    ------
    EchoCancellerUnavailableError
        When livekit is not installed.
    """
    detector = BleedGate(
        dataclasses.replace(
            config.conversation,
            bleed_corr_min=config.echo.echo_corr_off,
            bleed_update_s=config.echo.detector_update_s,
        ),
        config.analysis.hop_s,
    )
    return EchoCanceller(
        config.echo,
        config.noise_floor,
        delay_estimator=detector,
        sample_rate=config.analysis.sample_rate,
        hop_size=config.analysis.hop_size,
    )


class CallAnalyzer:
    """Analyse a call (two parties) or a single-party recording, block by block.

    Parameters
    ----------
    config : Config, optional
    profile : Profile, optional
        The agent's calibrated calm baseline (else a provisional one from the first
        ``[baseline] provisional_s`` of the agent's speech). An agent column from a
        telephone-rate source whose lows a line cut (``agent_lows_cut``) is judged against
        its telephone-band references (:meth:`Profile.for_rate`).
    lang : {"fr", "en"}, optional
        Nudge language (default ``[coach] lang``).
    parties : {1, 2}
        2: columns are ``[agent, customer]``; 1: the agent only (no conversation
        tracking; overlap metrics are unavailable).
    source_rates_hz : sequence of float or None, optional
        Each column's rate before resampling to 16 kHz (None: unknown): with ``[pitch]
        harmonic_check = "auto"`` (the default), columns from a telephone-rate source (at
        most 8 kHz) get the pitch tracker's harmonic check
        (:func:`voicecoach.config.harmonic_check_on`).
    agent_lows_cut : bool or None, optional
        Whether the agent column's audio went through a line that cut its frequencies under
        300 Hz (:func:`voicecoach.io.lows_cut`). True: a telephone-rate agent channel is
        judged against the profile's telephone-band references; False (audio that kept its
        lows: VoIP) or None (unknown, e.g. live) keeps the profile's own references.

    Notes
    -----
    With two parties and ``[echo] enabled``, the agent column first goes through the echo
    canceller (:class:`voicecoach.analysis.echo.EchoCanceller`, WebRTC AEC3) with the far end as
    its reference, and every agent measure and speech decision is made on the cleaned signal.
    The canceller adds :attr:`latency_s` (8 ms) to both parties. When its library is missing,
    an :class:`~voicecoach.errors.EchoCancellerUnavailable` warning is issued and the call is
    analysed without it (the summary says so).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        profile: Profile | None = None,
        lang: str | None = None,
        parties: int = 2,
        source_rates_hz: Sequence[float | None] | None = None,
        agent_lows_cut: bool | None = None,
    ) -> None:
        if parties not in (1, 2):
            raise ParameterError(f"parties must be 1 or 2, got {parties!r}")
        rates = [None] * parties if source_rates_hz is None else list(source_rates_hz)
        if len(rates) != parties:
            raise ParameterError(
                f"source_rates_hz needs one rate (or None) per party ({parties}), got {rates!r}"
            )
        self.config = config_or_default(config)
        self.parties = parties
        #: per column, whether its pitch tracker runs the harmonic check
        self.harmonic = [harmonic_check_on(self.config.pitch, r, i == 1)
                         for i, r in enumerate(rates)]
        self.analyzer = Analyzer(parties, self.config, self.harmonic)
        # a telephone-band agent channel: its onsets get the level backtrack
        self.tracker = (ConversationTracker(self.config, telephone_agent=self.harmonic[0])
                        if parties == 2 else None)
        self.echo: EchoCanceller | None = None
        self.echo_note: str | None = None
        if parties == 2 and self.config.echo.enabled:
            try:
                self.echo = make_echo_canceller(self.config)
            except EchoCancellerUnavailableError as exc:
                self.echo_note = (
                    f"{exc}. Analysing without it: loudspeaker echo may be credited to the agent"
                )
                warnings.warn(self.echo_note, EchoCancellerUnavailable, stacklevel=2)
        elif parties == 2:
            self.echo_note = "disabled ([echo] enabled = false)"
        # a telephone-rate agent channel is judged against the profile's telephone-band
        # references (Profile.for_rate), when it holds them
        if (profile is not None and self.config.baseline.telephone_references
                and agent_lows_cut is True):
            profile = profile.for_rate(rates[0])
        self.coach = make_coach(self.config, profile, lang)
        self.hop_size = self.analyzer.hop_size
        self.hop_s = self.config.analysis.hop_s
        # the agent's steady-background widening pauses while the far end may leak in
        vad = self.config.vad
        self._steady_far_hops = (round(vad.own_level_steady_far_s / self.hop_s)
                                 if vad.own_level_steady_db > 0 else -1)
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state (the profile is kept)."""
        self.analyzer.reset()
        if self.echo is not None:
            self.echo.reset()
        if self.tracker is not None:
            self.tracker.reset()
        self.coach.reset()
        self.n_hops = 0
        self._finished = False

    @property
    def latency_s(self) -> float:
        """Delay added to both parties before analysis (the echo canceller's), s."""
        return 0.0 if self.echo is None else self.echo.latency_s

    @property
    def echo_status(self) -> EchoStatus | None:
        """The echo canceller's state after the newest block (None without a canceller)."""
        return None if self.echo is None else self.echo.status

    @property
    def t_s(self) -> float:
        """Stream time processed so far, s."""
        return self.n_hops * self.hop_s

    def process(self, block: np.ndarray,
                vad_prob: Sequence[np.ndarray | None] | None = None) -> Step:
        """Analyse a block of whole hops.

        Parameters
        ----------
        block : np.ndarray, shape (n_hops * 160, parties)
            16 kHz samples, columns ``[agent, customer]``.
        vad_prob : sequence of (np.ndarray, shape (n_hops,), float32, or None), optional
            Per party, Silero probabilities that replace that column's own network (see
            :meth:`voicecoach.analysis.Analyzer.process`); the mono review's split columns.

        Returns
        -------
        Step
        """
        self._check_open()
        echo = None
        if self.echo is not None:
            x = check_block(block, self.hop_size, 2)
            far_in = x[:, 1]
            mic, echo = self.echo.process(x[:, 0], far_in)
            far = self.echo.delay_far(far_in)
            if x.shape[0]:  # checked above: the analysis takes the two columns as they are
                gate = echo.level_gate
                since = echo.far_since
                if (self._steady_far_hops >= 0 and since is not None
                        and self.analyzer.analyzers[0].harmonic):
                    # 3: gate and learn, but no steady-background widening (the far end
                    # spoke just now; only telephone-band channels widen)
                    gate = np.where((gate == 2) & (since <= self._steady_far_hops),
                                    np.int8(3), gate)
                rows = self.analyzer.process_checked(
                    (np.ascontiguousarray(mic, np.float32), np.ascontiguousarray(far, np.float32)),
                    (gate, None), (echo.hold, None), vad_prob)
            else:
                rows = self.analyzer.process(np.column_stack((mic, far)))
        else:
            rows = self.analyzer.process(block, vad_prob=vad_prob)
        return self.process_rows(rows[0], rows[1] if self.parties == 2 else None, echo=echo)

    def process_rows(
        self,
        agent: Features,
        customer: Features | None = None,
        *,
        events: Sequence[Event] | None = None,
        measures: tuple[RelativeMeasures, RelativeMeasures | None] | None = None,
        echo: EchoHops | None = None,
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
        echo : EchoHops, optional
            The echo canceller's per-hop state for these hops (from :meth:`process`, or
            cached): the tracker never rejects the agent's speech on its cancelled hops.

        Returns
        -------
        Step
        """
        self._check_open()
        out: list[Event] = []
        if events is not None:
            out.extend(events)
        elif self.tracker is not None and customer is not None:
            cancelled = None if echo is None else echo.cancelled
            drop = None if echo is None else echo.linear_drop_db
            mic = None if echo is None else echo.mic_db
            coh = None if echo is None else echo.coherence
            out.extend(self.tracker.process(agent, customer, cancelled=cancelled,
                                            echo_drop=drop, mic_db=mic, coherence=coh))
        if measures is not None:
            nudges = self.coach.process_measures(measures[0], measures[1], out)
        else:
            nudges = self.coach.process(agent, customer, out)
        out.extend(nudges)
        # decision order, whatever the cut: a block's nudges can be decided before its
        # tracker's last events (stable: the tracker's events first within a hop)
        out.sort(key=lambda e: e.decided_s)
        self.n_hops += len(agent)
        return Step(agent, customer, self.coach.last_agent, self.coach.last_customer, out,
                    echo)

    def _check_open(self) -> None:
        if self._finished:
            raise ParameterError(
                "this CallAnalyzer has finished (finish() was called: its open events are "
                "closed); call reset() before analysing another stream"
            )

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
        elif self.tracker is not None:
            out.extend(self.tracker.finish())
        out.extend(self.coach.finish())
        return out

    def summary(self) -> dict[str, Any]:
        """Per-party and conversation metrics plus the coach's statistics.

        Returns
        -------
        dict
            With both parties, :meth:`ConversationTracker.summary
            <voicecoach.conversation.tracker.ConversationTracker.summary>` plus
            ``conversation.echo`` (the canceller's settings and :class:`EchoStatus`, or
            ``{"enabled": False, "reason": ...}``); for one party ``{"agent": {},
            "customer": None, "conversation": {"available": False, "reason": ...}}``. Both
            with ``coach``: :meth:`Coach.summary`. Times in s, levels in dB.
        """
        if self.tracker is not None:
            out = self.tracker.summary()
            if self.echo is not None:
                echo = {"enabled": True, "latency_s": self.echo.latency_s,
                        "double_talk_hold": self.echo.hold_enabled,
                        "linear_check": self.echo.linear_enabled,
                        **self.echo.status.to_dict()}
            else:
                echo = {"enabled": False, "reason": self.echo_note}
            out["conversation"]["echo"] = echo
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
