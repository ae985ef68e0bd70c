"""The coach: sparse, short nudges from the agent's measures and the conversation events.

Rules (``[coach.rules.NAME]`` in ``config/voicecoach.toml``; defaults in brackets)
--------------------------------------------------------------------------------
=================  =====================================================  =====================
rule               condition                                              message (fr / en)
=================  =====================================================  =====================
``pitch_high``     agent ``pitch_delta_st`` >= personal threshold         Baissez le ton /
                   [+2.5 to +3.25 st, below] for sustain [2 s]            Lower your tone
``rate_high``      agent ``rate_delta_pct`` >= personal threshold         Ralentissez /
                   [+22 to +25 %, below] for sustain [2 s]                Slow down
``loudness_high``  agent ``loudness_delta_db`` >= personal threshold      Parlez moins fort /
                   [+3.5 to +4.5 dB, below] for sustain [0.5 s]           Speak softer
``interrupting``   an :class:`~voicecoach.events.Interruption` by the     Laissez-le finir /
                   agent of the customer (the threshold-th [1st] since    Let them finish
                   the last such nudge), at once
``monologue``      the agent's open :class:`~voicecoach.events.Turn`      Laissez-le parler /
                   has lasted threshold [40 s]                            Let them talk
``jump_in``        threshold [3] agent response gaps (after a customer    Marquez une pause /
                   turn) under ``[conversation] jump_in_s``               Take a pause
                   [0.2 s] within ``jump_in_window_s`` [60 s]
``monotony``       agent ``pitch_spread_st`` < threshold [1.2 st] for     Variez le ton /
                   sustain [7 s]; **disabled by default** (a metric)      Vary your tone
=================  =====================================================  =====================

Personal thresholds, calibrated on the very measure each rule reads: the agent's profile
(:attr:`Coach.threshold_profile`) holds the calm excursion of each windowed measure (its
``[baseline] calm_quantile`` [p95] on the calm calibration speech, in the rule's unit; see
:mod:`voicecoach.baseline`), and ::

    threshold_eff = max(threshold, min(threshold_max, calm excursion + margin))

with ``[coach] pitch_calm_margin_st`` [1 st] / ``pitch_threshold_max_st`` [3 st],
``rate_calm_margin_pct`` [8 %] / ``rate_threshold_max_pct`` [25 %] and
``loudness_calm_margin_db`` [1 dB] / ``loudness_threshold_max_db`` [4.5 dB]; ``threshold``
is the floor. For ``pitch_high`` the calm excursion is first shrunk toward a prior,
``(1 - pitch_calm_prior_weight) * own + pitch_calm_prior_weight * pitch_calm_prior_st``
[0.5, 2 st] (:meth:`Coach.calm_excursion`); the verdict uses it too. Without a profile
(a provisional baseline not formed yet) the configured
threshold applies; the rule cannot fire then anyway, the deltas being NaN. Hysteresis,
de-escalation (which multiplies ``threshold_eff``) and the nudge's ``threshold`` field all
use ``threshold_eff``.

A baseline that cannot judge keeps its rule silent (:meth:`Coach.baseline_verdict`, also in
``summary()["baseline"]["verdicts"]`` and the report): the measure was defined on less than
``min_baseline_s`` [15 s] of the profile's speech (too thin); its two halves differ by more
than ``max_baseline_drift`` [0.75] of the threshold (unstable); or the calm excursion plus
the margin exceeds the cap (calm speech too variable for the rule to tell a real change).

Measured rules (the first three and ``monotony``) follow one state machine:

* the condition turns **on** at the first measured hop with value >= threshold and **off**
  at the first measured hop with value < threshold - hysteresis (monotony: on below the
  threshold, off at >= threshold + hysteresis). NaN hops (nothing measurable: the measures
  are defined on the agent's speech hops only) neither turn it on nor off;
* a nudge is due once the condition has been on for ``sustain_s`` of measured hops: "held
  for 2 s" means 2 s of measured speech with the value above the release level, no credit
  for the measure's window. The delay from a real change is therefore the time the
  speech-weighted window needs to cross the threshold plus ``sustain_s``. The 2 s must come
  within one stretch of talk: ``episode_gap_s`` [2 s] of hops with no measure (a turn
  change, not a breath) ends an episode not nudged yet, so a nudge never lands on a new
  turn for what the previous one did (the windowed measure still holds the old turn's
  speech when the new one starts: the demo call's fast turn, cut off by the customer, drew
  "Ralentissez" 6 s later on the calm turn after it);
* a due nudge is shown as soon as the gates allow (below) while the condition is still on;
  there is at most one nudge per episode (until the condition turns off);
* the nudge closes when the condition turns off: ``end_s`` = the end of that hop (always
  after ``start_s``: no zero-length nudge) and ``recovered_after_s = end_s - start_s``
  (the efficacy measure).

Gates (sparseness): a nudge is shown only if ``max(global_gap_s, display_s)`` [8 s] have
passed since the last nudge of any rule started (so one is on screen at a time), and
``cooldown_s`` [20 s] since the last nudge of the same rule started. When several rules
are due on the same hop the order is: interrupting, loudness_high, pitch_high, rate_high,
jump_in, monologue, monotony. An immediate rule (interrupting) that is gated is dropped
and counted in ``summary()["suppressed"]``.

Repeat only if worse: for ``repeat_window_s`` [300 s] after a prosody nudge starts, a new
episode of that rule is judged against its threshold raised by ``repeat_pitch_st`` [1 st],
``repeat_rate_pct`` [8 %] or ``repeat_loudness_db`` [2 dB], once per nudge of the rule in
the window (so a third nudge needs two steps). The same excursion again draws no second
nudge, a larger one does, and the plain threshold is back once the window is over. The
episode that fired keeps the threshold and release level it started with (its nudge
closes as before); :meth:`Coach.effective_threshold` includes the raise.

De-escalation: the customer is *agitated* (the agitation flag, :attr:`Coach.last_agitated`)
once their current utterance's ``utterance_pitch_delta_st >= agitation_pitch_st`` [3 st]
and (``agitation_rule = "both"``; ``"either"``: or) ``utterance_loudness_delta_db >=
agitation_loudness_db`` [3.5 dB] (against their own first-30-s baseline) has held for
``agitation_sustain_s`` [0.25 s] of measured hops; once on, it holds (hysteresis) until a
cue falls ``agitation_release_st`` [1 st] / ``agitation_release_db`` [1 dB] below its
threshold or a pause of ``agitation_carry_gap_s`` [0.65 s of non-speech hops] ends it. A
shorter pause (over ``[baseline] utterance_gap_s``) restarts the utterance measures but
carries the flag into the next utterance until that one's pitch is measured, and then the
release levels decide: a raised voice pausing for breath stays flagged (on the benchmark's
dev voices the flag's coverage of agitated lines went from 0.88 / 0.83 to 0.94 / 0.87). Both cues
together: a calm utterance is often high *or* loud for a moment (a question, an emphasis, a
start close to the microphone), a raised voice is both. On the benchmark's acted calm lines
"either" at +4 st / +6 dB was on for 3-8 s per ~100 s, "both" at +3 st / +3.5 dB for 0 s
(dev) and 0.85-1.4 s (test).
De-escalation lasts until ``agitation_hold_s`` [20 s] after the last agitated hop.
Meanwhile every rule with ``deescalate = true`` multiplies its (personal) threshold and
release level by ``deescalation_factor`` [0.5], and the monologue rule's 40 s becomes 20 s.

Event-driven rules use the events of :mod:`voicecoach.events`:

* ``interrupting``: an ``Interruption(by="agent", of="customer")``, on its first
  *confirmed* version (open or closed: the agent outlasted ``backchannel_max_s``, the
  customer gave way, or the agent spoke again after stopping; an anonymous event counts at
  once). The tracker decides an interruption ``min_overlap_s`` into the overlap, before a
  long backchannel can be told apart; waiting for confirmation keeps such a backchannel,
  later retracted, from drawing a nudge, at the price of about 0.5 s more nudge latency.
  The nudge closes when the interruption's closed version arrives (``end_s`` = end of
  the overlap);
* ``monologue``: needs the tracker to emit an agent ``Turn`` when it opens (``end_s``
  None) and again, same ``id``, when it closes; the nudge closes with the turn;
* ``jump_in``: agent ``ResponseGap`` events with ``after="customer"`` and ``gap_s <
  jump_in_s`` (negative gaps, i.e. starting before the customer stopped, count too, as
  in the tracker's ``jump_ins`` metric); the nudge closes at the next agent response gap
  of at least ``jump_in_s`` (the agent paused), ``end_s`` = that gap's ``end_s``.

Timing: rows are processed in time order; an event is applied at the hop that starts at
or just before its ``decided_s`` (events decided on a block boundary belong to the next
block; an event that arrives late is applied at the first hop of the block it comes
with). A nudge decided on hop ``k`` has ``start_s = decided_s = t_s[k] + hop_s`` (the
end of the hop). Everything depends only on the rows and events, not on the block
cutting.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .analysis import Features
from .analysis.features import RowClock
from .baseline.measures import RelativeMeasures
from .baseline.profile import Profile
from .baseline.tracker import BaselineTracker
from .config import CoachConfig, Config, RuleConfig, load_config
from .errors import ParameterError
from .events import Event, Interruption, Nudge, ResponseGap, Turn
from .i18n import check_lang, message, number, texts

__all__ = ["MEASURED_RULES", "RULES", "RULE_ORDER", "Coach"]

#: Every rule, in priority order (earlier wins when several are due on one hop).
RULE_ORDER = (
    "interrupting",
    "loudness_high",
    "pitch_high",
    "rate_high",
    "jump_in",
    "monologue",
    "monotony",
)
RULES = frozenset(RULE_ORDER)
#: Measured rules: the measure they read and the direction (+1: high is bad, -1: low).
MEASURED_RULES: dict[str, tuple[str, int]] = {
    "pitch_high": ("pitch_delta_st", +1),
    "rate_high": ("rate_delta_pct", +1),
    "loudness_high": ("loudness_delta_db", +1),
    "monotony": ("pitch_spread_st", -1),
}
_EPS = 1e-6
#: Personal threshold of each calibrated rule: (profile calm excursion, margin key, cap key,
#: profile measured seconds, profile drift, unit).
_CALM: dict[str, tuple[str, str, str, str, str, str]] = {
    "pitch_high": (
        "pitch_calm_st", "pitch_calm_margin_st", "pitch_threshold_max_st",
        "pitch_measured_s", "pitch_drift_st", "st",
    ),
    "rate_high": (
        "rate_calm_pct", "rate_calm_margin_pct", "rate_threshold_max_pct",
        "rate_measured_s", "rate_drift_pct", "%",
    ),
    "loudness_high": (
        "loudness_calm_db", "loudness_calm_margin_db", "loudness_threshold_max_db",
        "loudness_measured_s", "loudness_drift_db", "dB",
    ),
}


@dataclass
class _Rule:
    """Mutable state of one rule."""

    name: str
    cfg: RuleConfig
    on: bool = False
    on_hops: int = 0
    silenced: bool = False
    episode_fired: bool = False
    due: bool = False
    nudge: Nudge | None = None
    last_fire_s: float = -math.inf
    fired: int = 0
    suppressed: int = 0
    measured_hops: int = 0
    above_hops: int = 0
    last_value: float = math.nan  # the last measured value (a nudge may fire on a pause hop)
    gap_hops: int = 0  # hops since the last measured one
    peak_value: float = math.nan  # the most extreme value of the condition's current episode
    recovered: list[float] = field(default_factory=list)
    unrecovered: int = 0
    # starts of this rule's nudges within [coach] repeat_window_s (repeat only if worse)
    recent: deque[float] = field(default_factory=deque)
    repeat_step: float = 0.0  # the raise per nudge in the window (rule's unit; 0: off)
    ep_raise: float = 0.0  # the raise in force for the condition's current episode
    held_hops: int = 0  # measured hops over the plain threshold while the raise keeps it off
    held_back: int = 0  # such excursions that held for sustain_s (a repeat not told)


def _repeat_raise(r: _Rule, now: float, window_s: float) -> float:
    """The raise of ``r``'s threshold at ``now`` (repeat only if worse), rule's unit."""
    recent = r.recent
    while recent and now - recent[0] >= window_s - _EPS:
        recent.popleft()
    return r.repeat_step * len(recent)


class Coach:
    """Turn the agent's and customer's features and the conversation events into nudges.

    Parameters
    ----------
    config : Config, optional
        Defaults to :func:`~voicecoach.config.load_config`.
    lang : {"fr", "en"}, optional
        Message language; defaults to ``[coach] lang``.
    profile : Profile, optional
        The agent's calibrated baseline. Without it the agent's first
        ``provisional_s`` of speech form a provisional one. The customer always gets
        the provisional baseline.
    first_id : int
        Id of the first nudge; later nudges count up from it. The conversation tracker
        also numbers its events from 1, and :func:`~voicecoach.events.final_events` keys
        on ``id`` alone, so give the coach a separate range (e.g. ``10**6``) when both
        streams go into one list.

    Examples
    --------
    >>> import numpy as np
    >>> from voicecoach.baseline import RelativeMeasures
    >>> coach = Coach(lang="en")
    >>> t = np.arange(600) * 0.01
    >>> rows = RelativeMeasures.from_arrays(t, pitch_delta_st=np.where(t >= 1.0, 3.0, 0.0))
    >>> [(n.rule, n.message) for n in coach.process_measures(rows)]
    [('pitch_high', 'Lower your tone')]
    """

    def __init__(
        self,
        config: Config | None = None,
        lang: str | None = None,
        profile: Profile | None = None,
        *,
        first_id: int = 1,
    ) -> None:
        self.config = config if config is not None else load_config()
        c = self.config.coach
        self.lang = check_lang(lang if lang is not None else c.lang)
        unknown = set(c.rules) - RULES
        if unknown:
            raise ParameterError(
                f"unknown coach rule(s) {', '.join(sorted(unknown))}; known: "
                f"{', '.join(RULE_ORDER)}"
            )
        missing = RULES - set(c.rules)
        if missing:
            raise ParameterError(
                f"[coach.rules] lacks {', '.join(sorted(missing))}; see config/voicecoach.toml"
            )
        for name, r in c.rules.items():
            if r.sustain_s < 0 or r.cooldown_s < 0 or r.hysteresis < 0:
                raise ParameterError(
                    f"coach.rules.{name}: sustain_s, cooldown_s and hysteresis must be >= 0, "
                    f"got {r.sustain_s}, {r.cooldown_s}, {r.hysteresis}"
                )
        if not 0.0 < c.deescalation_factor <= 1.0:
            raise ParameterError(
                f"coach.deescalation_factor must be in (0, 1] (1 = no tightening), "
                f"got {c.deescalation_factor}"
            )
        if c.global_gap_s < 0 or c.display_s < 0 or c.jump_in_window_s <= 0:
            raise ParameterError(
                "coach.global_gap_s and display_s must be >= 0 and jump_in_window_s > 0"
            )
        if not isinstance(first_id, int) or first_id < 1:
            raise ParameterError(f"first_id must be a positive integer, got {first_id!r}")
        self.hop_s = self.config.analysis.hop_s
        for key in ("pitch_calm_margin_st", "rate_calm_margin_pct", "loudness_calm_margin_db"):
            if not 0.0 <= getattr(c, key) <= 100.0:
                raise ParameterError(
                    f"coach.{key} must be in [0, 100] (the rule's unit), got {getattr(c, key)}"
                )
        if not (0.0 <= c.pitch_calm_prior_weight <= 1.0 and 0.0 <= c.pitch_calm_prior_st <= 24.0):
            raise ParameterError(
                f"coach.pitch_calm_prior_weight must be in [0, 1] and pitch_calm_prior_st in "
                f"[0, 24] st, got {c.pitch_calm_prior_weight} and {c.pitch_calm_prior_st}"
            )
        if not (0.0 <= c.agitation_release_st <= 24.0 and 0.0 <= c.agitation_release_db <= 40.0):
            raise ParameterError(
                f"coach.agitation_release_st must be in [0, 24] st and agitation_release_db in "
                f"[0, 40] dB, got {c.agitation_release_st} and {c.agitation_release_db}"
            )
        if not 0.0 <= c.agitation_carry_gap_s <= 10.0:
            raise ParameterError(
                f"coach.agitation_carry_gap_s must be in [0, 10] s (0: no carry), got "
                f"{c.agitation_carry_gap_s!r}"
            )
        if c.agitation_rule not in ("both", "either"):
            raise ParameterError(
                f"coach.agitation_rule must be 'both' (pitch and loudness) or 'either', got "
                f"{c.agitation_rule!r}"
            )
        if c.min_baseline_s < 0 or c.max_baseline_drift <= 0:
            raise ParameterError(
                f"coach.min_baseline_s must be >= 0 and max_baseline_drift > 0, got "
                f"{c.min_baseline_s} and {c.max_baseline_drift}"
            )
        self.first_id = first_id
        self._threshold_profile: Profile | None = None
        self._thr_cache: tuple[Profile | None, dict[str, float], dict[str, bool]] | None = None
        self.agent_baseline = BaselineTracker(self.config, profile, "agent")
        self.customer_baseline = BaselineTracker(self.config, None, "customer")
        self._clock = RowClock(self.hop_s, "the coach")
        self.reset()

    # ------------------------------------------------------------------ state

    def reset(self) -> None:
        """Return to the just-constructed state (the agent's profile is kept)."""
        c = self.config.coach
        self._clock.reset()
        self.agent_baseline.reset()
        self.customer_baseline.reset()
        self._rules = {
            name: _Rule(name, c.rules[name]) for name in RULE_ORDER
        }
        if c.repeat_window_s > 0:
            for name, step in (("pitch_high", c.repeat_pitch_st), ("rate_high", c.repeat_rate_pct),
                               ("loudness_high", c.repeat_loudness_db)):
                self._rules[name].repeat_step = step
        self._next_id = self.first_id
        self._last_any_s = -math.inf
        self._pending: list[tuple[int, int, Event]] = []  # (hop index, seq, event)
        self._seq = 0
        self._seen_interruptions: set[int] = set()
        self._interruption_nudge: dict[int, Nudge] = {}
        self._interruptions_since = 0
        self._agent_turn: tuple[int, float] | None = None  # (id, start_s)
        self._turn_fired = False
        self._jump_ins: deque[float] = deque()
        self._agit_hops = 0
        self._agit_on = False
        self._agit_pause = 0
        self._agit_carry = False
        self._agit_until = -math.inf
        self._deesc_hops = 0
        self._agitated_hops = 0
        self._mono_hops = 0
        c_on = c.incall_s > 0.0
        self._incall: dict[str, tuple[_InCallReference, str, float]] = {}
        for rule, flag, measure, margin in (
            ("loudness_high", c.incall_loudness, "loudness_db", c.incall_loudness_margin_db),
            ("pitch_high", c.incall_pitch, "pitch_st", c.incall_pitch_margin_st),
            ("rate_high", c.incall_rate, "rate_sps", c.incall_rate_margin_pct),
        ):
            if c_on and flag:
                self._incall[rule] = (_InCallReference(c, self.hop_s), measure, margin)
        self.last_rule_values: dict[str, np.ndarray] = {}
        self._mono_measured = 0
        self._hops = 0
        self._now = 0.0
        self.last_agent: RelativeMeasures = RelativeMeasures.empty()
        #: Per hop of the last block: the customer was agitated (their pitch or loudness
        #: delta beyond the agitation thresholds for ``agitation_sustain_s``).
        self.last_agitated: np.ndarray = np.zeros(0, bool)
        self.last_customer: RelativeMeasures | None = None

    @property
    def deescalating(self) -> bool:
        """True while de-escalation mode is on (as of the last processed hop)."""
        return self._now <= self._agit_until

    @property
    def threshold_profile(self) -> Profile | None:
        """The profile the personal thresholds come from.

        The one given to :meth:`set_threshold_profile`, else the agent's baseline in use
        (the calibrated profile, or the provisional one once formed; None before).
        """
        if self._threshold_profile is not None:
            return self._threshold_profile
        return self.agent_baseline.profile

    def set_threshold_profile(self, profile: Profile | None) -> None:
        """Take the personal thresholds from ``profile`` (None: back to the agent baseline).

        For :meth:`process_measures` on stored measures made against a provisional
        baseline (the coach's own baseline tracker does not run then).

        Parameters
        ----------
        profile : Profile or None

        Raises
        ------
        ParameterError
            When ``profile`` is neither a :class:`~voicecoach.baseline.Profile` nor None.
        """
        if profile is not None and not isinstance(profile, Profile):
            raise ParameterError(
                f"profile must be a voicecoach.baseline.Profile, got {type(profile).__name__}"
            )
        self._threshold_profile = profile

    def personal_threshold(self, rule: str) -> float:
        """Threshold of ``rule`` before de-escalation: the configured one, or higher for a
        speaker whose calm measure wanders more (see the module notes).

        Parameters
        ----------
        rule : str
            A name of :data:`RULE_ORDER`.

        Returns
        -------
        float
            In the rule's unit (``pitch_high`` semitones, ``rate_high`` percent,
            ``loudness_high`` dB; the others as ``[coach.rules.<rule>] threshold``). For the
            three calibrated rules with a threshold profile: calm excursion plus margin,
            capped at ``*_threshold_max_*`` and never below the configured threshold.

        Raises
        ------
        KeyError
            For an unknown rule.
        """
        thr = self._rules[rule].cfg.threshold
        p = self.threshold_profile
        if p is None or rule not in _CALM:
            return thr
        c = self.config.coach
        _, margin_key, cap_key = _CALM[rule][:3]
        personal = self.calm_excursion(rule) + getattr(c, margin_key)
        cap = getattr(c, cap_key)
        return max(thr, min(cap, personal)) if math.isfinite(personal) else thr

    def calm_excursion(self, rule: str) -> float:
        """The calm excursion the personal threshold of ``rule`` is built on (NaN: none).

        The profile's own (``pitch_calm_st``, ...), except for ``pitch_high``: there it is
        shrunk toward a population prior, ``(1 - w) * own + w * pitch_calm_prior_st`` with
        ``w = pitch_calm_prior_weight``. 45 s of calm speech hold only ten or so independent
        3.5 s windows, so their p95 is noisy (0.7 to 4.2 st over shuffles of the same voices'
        dev lines); a low draw gave the floor threshold and calm false nudges.

        Parameters
        ----------
        rule : str
            A rule name; only ``pitch_high``, ``rate_high`` and ``loudness_high`` have one.

        Returns
        -------
        float
            Semitones, percent or dB (the rule's unit); NaN for another rule, without a
            threshold profile, or when the profile has no value.
        """
        p = self.threshold_profile
        if p is None or rule not in _CALM:
            return math.nan
        own = float(getattr(p, _CALM[rule][0]))
        if rule != "pitch_high" or not math.isfinite(own):
            return own
        c = self.config.coach
        w = c.pitch_calm_prior_weight
        return (1.0 - w) * own + w * c.pitch_calm_prior_st

    def baseline_verdict(self, rule: str) -> str | None:
        """Why ``rule`` cannot judge against the threshold profile, or None when it can.

        A measured rule (pitch, rate, loudness) is silent when its measure was defined on
        less than ``[coach] min_baseline_s`` of the profile's speech ("too thin"), when its
        calm excursion plus margin exceeds the rule's cap (``*_threshold_max_*``: "too
        variable"), or when the profile's two halves disagree by more than
        ``max_baseline_drift`` of the rule's threshold ("unstable"). None also while no
        profile exists yet, and for the other rules.

        Parameters
        ----------
        rule : str
            A rule name.

        Returns
        -------
        str or None
            The reason, one sentence in the coach's language (``lang``), or None.
        """
        p = self.threshold_profile
        if p is None or rule not in _CALM:
            return None
        c = self.config.coach
        vt = texts(self.lang).VERDICTS  # in the coach's language, like its nudges

        def num(x: float) -> Any:  # the language's decimal mark (a decimal comma in French)
            return number(float(x), self.lang)

        _, _, _, measured_field, drift_field, unit = _CALM[rule]
        measured = getattr(p, measured_field)
        if not measured >= c.min_baseline_s:
            return vt["thin"].format(measured=num(measured), needed=num(c.min_baseline_s))
        calm_field, margin_key, cap_key = _CALM[rule][:3]
        need = self.calm_excursion(rule) + getattr(c, margin_key)
        cap = getattr(c, cap_key)
        if not need <= cap:
            return vt["variable"].format(
                calm=num(getattr(p, calm_field)), unit=vt[unit],
                source=vt["provisional" if p.provisional else "calibration"],
                q=100 * self.config.baseline.calm_quantile, need=num(need), cap=num(cap),
            )
        drift = getattr(p, drift_field)
        lim = c.max_baseline_drift * self.personal_threshold(rule)
        if math.isfinite(drift) and drift > lim:
            return vt["unstable"].format(drift=num(drift), lim=num(lim), unit=vt[unit])
        return None

    def effective_threshold(self, rule: str, deescalating: bool | None = None) -> float:
        """Threshold of ``rule`` now (or with/without de-escalation), in the rule's unit.

        Parameters
        ----------
        rule : str
            A name of :data:`RULE_ORDER`.
        deescalating : bool, optional
            Default: the coach's current de-escalation state.

        Returns
        -------
        float
            :meth:`personal_threshold`, plus the repeat raise while a nudge of the rule is
            recent (``[coach] repeat_window_s``; a condition already on keeps the raise it
            started with), times ``[coach] deescalation_factor`` when
            de-escalating and the rule has ``deescalate`` set.

        Raises
        ------
        KeyError
            For an unknown rule.
        """
        r = self._rules[rule]
        d = self.deescalating if deescalating is None else deescalating
        c = self.config.coach
        f = c.deescalation_factor if (d and r.cfg.deescalate) else 1.0
        if r.on:
            up = r.ep_raise
        else:
            up = _repeat_raise(r, self._now, c.repeat_window_s) if r.recent else 0.0
        return (self.personal_threshold(rule) + up) * f

    def _rule_values(self, agent: RelativeMeasures) -> dict[str, np.ndarray]:
        """The values the measured rules read for a block: the deltas against the profile,
        bounded by the in-call condition for the rules it covers (``[coach] incall_*``)."""
        out: dict[str, np.ndarray] = {}
        for name, (m, _) in MEASURED_RULES.items():
            v = np.asarray(getattr(agent, m))
            ic = self._incall.get(name)
            if ic is not None:
                ref_obj, measure, margin = ic
                raw = np.asarray(getattr(agent, measure), np.float64)
                ref = ref_obj.process(np.asarray(agent.speech, bool), raw)
                with np.errstate(divide="ignore", invalid="ignore"):
                    inc = 100.0 * (raw / ref - 1.0) if name == "rate_high" else raw - ref
                v = _bounded(v, inc, margin)
            out[name] = v
        return out

    # ------------------------------------------------------------------ processing

    def process(
        self,
        agent: Features,
        customer: Features | None = None,
        events: Sequence[Event] = (),
    ) -> list[Nudge]:
        """Coach one block.

        Parameters
        ----------
        agent : Features
            The agent's rows for this block (any number of hops).
        customer : Features, optional
            The customer's rows for the same hops (None for a mono recording: no
            de-escalation).
        events : sequence of Event
            The conversation tracker's events emitted for this block (any kinds; the
            coach reads Interruption, Turn and ResponseGap).

        Returns
        -------
        list of Nudge
            Nudges shown during the block (``end_s`` None) and nudges closed during it
            (same ``id``, ``end_s`` set), in decision order.
        """
        if customer is not None and len(customer) != len(agent):
            raise ParameterError(
                f"agent and customer blocks must cover the same hops, got {len(agent)} and "
                f"{len(customer)} rows"
            )
        _check_events(events)  # before the baselines take the block
        am = self.agent_baseline.process(agent)
        cm = self.customer_baseline.process(customer) if customer is not None else None
        return self.process_measures(am, cm, events)

    def process_measures(
        self,
        agent: RelativeMeasures,
        customer: RelativeMeasures | None = None,
        events: Sequence[Event] = (),
    ) -> list[Nudge]:
        """Coach one block of relative measures (skips the baseline trackers).

        Use either :meth:`process` or this method on one coach, not both.

        Parameters
        ----------
        agent, customer : RelativeMeasures
            As :meth:`process`, already relative to the baselines.
        events : sequence of Event

        Returns
        -------
        list of Nudge

        Raises
        ------
        ParameterError
            For blocks of different lengths or times, rows that do not follow the previous
            block (call :meth:`reset` for a new call), or events that are not Events.
        """
        n = len(agent)
        if customer is not None and len(customer) != n:
            raise ParameterError(
                f"agent and customer measures must cover the same hops, got {n} and "
                f"{len(customer)} rows"
            )
        if customer is not None and not agent.same_times(customer):
            raise ParameterError(
                "agent and customer measures have different t_s; give rows of the same hops"
            )
        _check_events(events)  # all of them before any is queued
        self._clock.check(agent.t_s)
        for ev in events:
            self._seq += 1
            bisect.insort(
                self._pending, (math.floor(ev.decided_s / self.hop_s + _EPS), self._seq, ev)
            )
        self.last_agent, self.last_customer = agent, customer
        out: list[Nudge] = []
        if n == 0:
            self.last_agitated = np.zeros(0, bool)
            return out
        hop = self.hop_s
        c = self.config.coach
        t = agent.t_s.tolist()
        rule_values = self._rule_values(agent)
        self.last_rule_values = rule_values
        vals = {name: v.tolist() for name, v in rule_values.items()}
        if customer is not None:
            cp = customer.utterance_pitch_delta_st.tolist()
            cl = customer.utterance_loudness_delta_db.tolist()
        rules = self._rules
        measured = [rules[r] for r in RULE_ORDER if r in MEASURED_RULES]
        factor = c.deescalation_factor
        prof = self.threshold_profile
        if self._thr_cache is None or self._thr_cache[0] is not prof:
            self._thr_cache = (
                prof,
                {name: self.personal_threshold(name) for name in MEASURED_RULES},
                {name: self.baseline_verdict(name) is not None for name in _CALM},
            )
        base = self._thr_cache[1]
        for name, silenced in self._thr_cache[2].items():
            rules[name].silenced = silenced
        agit_need = max(1, round(c.agitation_sustain_s / hop))
        rwin = c.repeat_window_s
        need = {r.name: max(1, math.ceil(r.cfg.sustain_s / hop - _EPS)) for r in measured}
        gap_end = round(c.episode_gap_s / hop) if c.episode_gap_s > 0 else -1
        both = c.agitation_rule == "both"
        rel_p = c.agitation_pitch_st - c.agitation_release_st
        rel_q = c.agitation_loudness_db - c.agitation_release_db
        agit_gap = max(1, round(self.config.baseline.utterance_gap_s / hop))
        agit_carry = max(agit_gap, round(c.agitation_carry_gap_s / hop))
        agitated = np.zeros(n, bool)
        self.last_agitated = agitated
        for k in range(n):
            now = t[k] + hop
            self._now = now
            hidx = round(t[k] / hop)
            while self._pending and self._pending[0][0] <= hidx:
                _, seq, ev = self._pending.pop(0)
                self._apply_event(ev, seq, now, out)

            # customer agitation -> de-escalation
            if customer is not None:
                p, q = cp[k], cl[k]
                if p != p and q != q:  # the customer is not speaking
                    self._agit_pause += 1
                    if self._agit_pause >= agit_gap:  # the utterance ended
                        self._agit_hops = 0
                        if self._agit_pause >= agit_carry:
                            self._agit_on, self._agit_carry = False, False
                        elif self._agit_on:  # a short pause: carried into the next one
                            self._agit_carry = True
                elif self._agit_on and self._agit_carry and p != p:
                    # a new utterance after a short pause, its pitch not measured yet: held
                    self._agit_pause = 0
                else:
                    self._agit_pause = 0
                    self._agit_carry = False
                    if self._agit_on:  # held until a cue falls below its release level
                        hi_p, hi_q = p >= rel_p, q >= rel_q
                        if (hi_p and hi_q) if both else (hi_p or hi_q):
                            self._agit_until = now + c.agitation_hold_s
                        else:
                            self._agit_on, self._agit_hops = False, 0
                    else:
                        hi_p, hi_q = p >= c.agitation_pitch_st, q >= c.agitation_loudness_db
                        if (hi_p and hi_q) if both else (hi_p or hi_q):
                            self._agit_hops += 1
                            if self._agit_hops >= agit_need:
                                self._agit_on = True
                                self._agit_until = now + c.agitation_hold_s
                        else:
                            self._agit_hops = 0
            deesc = now <= self._agit_until
            self._hops += 1
            if deesc:
                self._deesc_hops += 1
            if self._agit_on:
                self._agitated_hops += 1
                agitated[k] = True

            # measured rules: update conditions
            for r in measured:
                x = vals[r.name][k]
                if x != x:
                    r.gap_hops += 1
                    if r.gap_hops == gap_end and r.on and r.nudge is None:
                        # a turn change, not a breath: an episode not nudged yet ends here
                        r.on = False
                        if r.due:
                            r.suppressed += 1
                        r.due = False
                    continue
                r.gap_hops = 0
                cfg = r.cfg
                f = factor if (deesc and cfg.deescalate) else 1.0
                if not r.on:  # a new episode is judged against the threshold raised now
                    r.ep_raise = _repeat_raise(r, now, rwin) if r.recent else 0.0
                thr = base[r.name] + r.ep_raise
                r.measured_hops += 1
                r.last_value = x
                if MEASURED_RULES[r.name][1] > 0:
                    above = x >= thr * f
                    below = x < (thr - cfg.hysteresis) * f
                else:
                    above = x < thr * f
                    below = x >= (thr + cfg.hysteresis) * f
                if above:
                    r.above_hops += 1
                was_on = r.on
                self._step_measured(r, above, below, now, out)
                if r.ep_raise > 0.0 and not r.on:
                    # an excursion over the plain threshold that the raise keeps quiet
                    base_thr = base[r.name] * f
                    if x >= base_thr:
                        r.held_hops += 1
                        if r.held_hops == need[r.name]:
                            r.held_back += 1
                    elif x < base_thr - cfg.hysteresis * f:
                        r.held_hops = 0
                else:
                    r.held_hops = 0
                if r.on:  # the nudge reports the episode's peak, not a value in hysteresis
                    if not was_on or r.peak_value != r.peak_value:
                        r.peak_value = x
                    elif MEASURED_RULES[r.name][1] > 0:
                        r.peak_value = max(r.peak_value, x)
                    else:
                        r.peak_value = min(r.peak_value, x)
            sp = vals["monotony"][k]
            if sp == sp:
                self._mono_measured += 1
                if sp < c.monotony_spread_st:
                    self._mono_hops += 1

            # event-driven conditions that can wait for the gates
            jr = rules["jump_in"]
            win = c.jump_in_window_s
            while self._jump_ins and self._jump_ins[0] < now - win - _EPS:
                self._jump_ins.popleft()
            jr.due = len(self._jump_ins) >= jr.cfg.threshold
            mr = rules["monologue"]
            if self._agent_turn is not None and not self._turn_fired:
                f = factor if (deesc and mr.cfg.deescalate) else 1.0
                mr.due = now - self._agent_turn[1] >= mr.cfg.threshold * f - _EPS
            else:
                mr.due = False

            # fire at most one due rule, in priority order
            for name in RULE_ORDER:
                r = rules[name]
                if not r.due or not r.cfg.enabled:
                    continue
                if not self._gates_open(r, now):
                    continue
                if name in MEASURED_RULES:
                    value = r.peak_value if r.peak_value == r.peak_value else r.last_value
                    thr = (base[name] + r.ep_raise) * (
                        factor if (deesc and r.cfg.deescalate) else 1.0)
                elif name == "jump_in":
                    value = float(len(self._jump_ins))
                    thr = r.cfg.threshold
                    self._jump_ins.clear()
                else:  # monologue
                    assert self._agent_turn is not None
                    value = now - self._agent_turn[1]
                    thr = r.cfg.threshold * (factor if (deesc and r.cfg.deescalate) else 1.0)
                    self._turn_fired = True
                r.due = False
                out.append(self._fire(r, now, value, thr))
                break
        return out

    def _step_measured(
        self, r: _Rule, above: bool, below: bool, now: float, out: list[Nudge]
    ) -> None:
        """Advance one measured rule by one measured hop."""
        if not r.on:
            if not above:
                return
            r.on, r.on_hops, r.episode_fired = True, 0, False
        elif below:
            r.on = False
            if r.due:
                r.suppressed += 1  # the episode ended before the gates let it through
            r.due = False
            if r.nudge is not None:
                out.append(self._close(r, now, now))
            return
        r.on_hops += 1
        if (
            not r.episode_fired
            and not r.due
            and not r.silenced
            and r.on_hops * self.hop_s >= r.cfg.sustain_s - _EPS
        ):
            r.due = True

    def _gates_open(self, r: _Rule, now: float) -> bool:
        c = self.config.coach
        gap = max(c.global_gap_s, c.display_s)
        return (
            now - self._last_any_s >= gap - _EPS and now - r.last_fire_s >= r.cfg.cooldown_s - _EPS
        )

    def _fire(self, r: _Rule, now: float, value: float, thr: float) -> Nudge:
        nudge = Nudge(
            start_s=now,
            end_s=None,
            decided_s=now,
            id=self._next_id,
            rule=r.name,
            party="agent",
            value=float(value),
            threshold=float(thr),
            message=message(r.name, self.lang),
        )
        self._next_id += 1
        self._last_any_s = now
        r.last_fire_s = now
        r.fired += 1
        r.nudge = nudge
        r.episode_fired = True
        if r.repeat_step > 0:
            r.recent.append(now)
        return nudge

    def _close(self, r: _Rule, now: float, end_s: float | None) -> Nudge:
        assert r.nudge is not None
        n = r.nudge
        if end_s is None:
            closed = replace(n, end_s=max(n.start_s, now), decided_s=now, recovered_after_s=None)
            r.unrecovered += 1
        else:
            end = max(n.start_s, end_s)
            closed = replace(n, end_s=end, decided_s=now, recovered_after_s=end - n.start_s)
            r.recovered.append(end - n.start_s)
        r.nudge = None
        return closed

    def _apply_event(self, ev: Event, seq: int, now: float, out: list[Nudge]) -> None:
        rules = self._rules
        if isinstance(ev, Interruption):
            if ev.by != "agent" or ev.of != "customer":
                return
            r = rules["interrupting"]
            key = ev.id if ev.id else -seq  # anonymous events cannot be matched later
            if not ev.confirmed and ev.id:
                return  # it may still turn out a long backchannel (retracted): wait
            if key not in self._seen_interruptions:
                self._seen_interruptions.add(key)
                self._interruptions_since += 1
                if r.cfg.enabled and self._interruptions_since >= r.cfg.threshold:
                    if self._gates_open(r, now):
                        self._interruptions_since = 0
                        nudge = self._fire(r, now, 1.0, r.cfg.threshold)
                        if ev.end_s is None:
                            out.append(nudge)
                            self._interruption_nudge[key] = nudge
                        else:
                            out.append(self._close(r, now, ev.end_s))
                        return
                    r.suppressed += 1
                return
            if ev.end_s is not None and key in self._interruption_nudge:
                nudge = self._interruption_nudge.pop(key)
                if r.nudge is not None and r.nudge.id == nudge.id:
                    out.append(self._close(r, now, ev.end_s))
        elif isinstance(ev, Turn):
            if ev.party != "agent":
                return
            mr = rules["monologue"]
            if ev.end_s is None:
                if self._agent_turn is None or self._agent_turn[0] != ev.id:
                    self._agent_turn = (ev.id, ev.start_s)
                    self._turn_fired = False
                return
            if self._agent_turn is not None and (not ev.id or self._agent_turn[0] == ev.id):
                self._agent_turn = None
                self._turn_fired = False
            if mr.nudge is not None:
                out.append(self._close(mr, now, ev.end_s))
        elif isinstance(ev, ResponseGap):
            if ev.party != "agent" or ev.after != "customer":
                return
            gap = ev.gap_s  # negative after a turn-end overlap: also a jump-in
            jr = rules["jump_in"]
            if gap < self.config.conversation.jump_in_s:
                self._jump_ins.append(now)
            elif jr.nudge is not None:
                out.append(self._close(jr, now, ev.end_s))

    def finish(self) -> list[Nudge]:
        """Close the nudges still open at the end of the stream (``recovered_after_s`` None).

        Returns
        -------
        list of Nudge
            The closed versions, ``end_s`` = the end of the last processed hop.
        """
        out = []
        for name in RULE_ORDER:
            r = self._rules[name]
            if r.nudge is not None:
                out.append(self._close(r, self._now, None))
        self._interruption_nudge.clear()
        return out

    # ------------------------------------------------------------------ summary

    def summary(self) -> dict[str, Any]:
        """Session statistics of the coach.

        Returns
        -------
        dict
            JSON-ready (NaN as None). ``baseline``: agent and customer profiles
            (dicts, None if never formed), whether the agent's is provisional, the
            stream time each baseline came into use (``*_ready_s``), and ``verdicts``:
            per calibrated rule, None when the profile can judge it, else why it stays
            silent (:meth:`baseline_verdict`), and ``in_call_rules``: the rules judged
            against the speaker's own level earlier in the call too (``[coach] incall_*``,
            none by default); ``above_threshold_s`` /
            ``measured_s``: per measured rule, seconds with the value beyond its
            (effective) threshold and seconds with a value at all; ``monotony``: seconds
            and fraction of measured time with pitch spread under
            ``monotony_spread_st``; ``nudges`` and ``suppressed`` per rule;
            ``held_back``: per prosody rule, excursions over its plain threshold held for
            ``sustain_s`` that the repeat raise kept quiet (``[coach] repeat_window_s``);
            ``efficacy`` per rule: nudges closed as recovered, their median and mean
            ``recovered_after_s``, and nudges never recovered; ``deescalation_s`` and
            ``customer_agitated_s``; ``duration_s``.
        """
        hop = self.hop_s
        ab, cb = self.agent_baseline, self.customer_baseline
        eff: dict[str, dict[str, Any]] = {}
        for name in RULE_ORDER:
            r = self._rules[name]
            rec = r.recovered
            eff[name] = {
                "nudges": r.fired,
                "recovered": len(rec),
                "not_recovered": r.unrecovered,
                "open": int(r.nudge is not None),
                "median_recovered_after_s": _r3(float(np.median(rec))) if rec else None,
                "mean_recovered_after_s": _r3(float(np.mean(rec))) if rec else None,
            }
        def prof(p: Profile | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {
                k: None if isinstance(v, float) and not math.isfinite(v) else v
                for k, v in p.to_dict(voice=False).items()
            }

        return {
            "baseline": {
                "agent": prof(ab.profile),
                "agent_provisional": ab.provisional,
                "agent_ready_s": ab.ready_s,
                "customer": prof(cb.profile),
                "customer_ready_s": cb.ready_s,
                "verdicts": {n: self.baseline_verdict(n) for n in _CALM},
                "in_call_rules": [n for n in RULE_ORDER if n in self._incall],
            },
            "duration_s": _r3(self._hops * hop),
            "above_threshold_s": {
                n: _r3(self._rules[n].above_hops * hop) for n in MEASURED_RULES if n != "monotony"
            },
            "measured_s": {
                n: _r3(self._rules[n].measured_hops * hop)
                for n in MEASURED_RULES
                if n != "monotony"
            },
            "monotony": {
                "spread_st": self.config.coach.monotony_spread_st,
                "window_s": self.config.coach.monotony_window_s,
                "monotonous_s": _r3(self._mono_hops * hop),
                "measured_s": _r3(self._mono_measured * hop),
                "fraction": _r3(self._mono_hops / self._mono_measured)
                if self._mono_measured
                else None,
            },
            "nudges": {n: self._rules[n].fired for n in RULE_ORDER},
            "suppressed": {n: self._rules[n].suppressed for n in RULE_ORDER},
            "held_back": {n: self._rules[n].held_back for n in _CALM},
            "efficacy": eff,
            "deescalation_s": _r3(self._deesc_hops * hop),
            "customer_agitated_s": _r3(self._agitated_hops * hop),
        }


def _check_events(events: Sequence[Event]) -> None:
    for ev in events:
        if not isinstance(ev, Event):
            raise ParameterError(
                f"events must be voicecoach.events.Event instances, got {type(ev).__name__}"
            )


def _r3(x: float) -> float:
    return round(float(x), 3)


class _InCallReference:
    """The speaker's own level earlier in the call: the in-call condition of a rule.

    Every ``step`` speech rows (0.5 s of speech) the row's windowed measure is kept; the
    reference is the median of the kept values from ``incall_s + incall_lag_s`` to
    ``incall_lag_s`` seconds of speech ago, once at least ``incall_min_s`` of them are
    finite. :func:`_bounded` turns a rule's delta against the profile into ``min(that delta,
    the delta against the reference + margin)``: the rule fires only when the measure is over
    its threshold against the calm profile *and* against the speaker's level of the last
    minute or so (a tempo or level that lasts, such as other material than the calibration's
    or another microphone placement, stops counting once it is in that history). Sequential
    over the speech rows, so block-cutting invariant.
    """

    STEP_S = 0.5

    def __init__(self, c: CoachConfig, hop_s: float) -> None:
        self.step = max(1, round(self.STEP_S / hop_s))
        self.lag = round(c.incall_lag_s / self.STEP_S)
        self.window = max(1, round(c.incall_s / self.STEP_S))
        self.min_n = max(1, round(c.incall_min_s / self.STEP_S))
        self._kept: deque[float] = deque(maxlen=self.window + self.lag)
        self._count = 0  # speech rows seen
        self._ref = math.nan

    def _update(self) -> None:
        hist = list(self._kept)[: max(0, len(self._kept) - self.lag)]
        vals = [v for v in hist if v == v]
        self._ref = float(np.median(vals)) if len(vals) >= self.min_n else math.nan

    def process(self, speech: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The reference in force at each row (float64, NaN while the history is too short).

        ``speech`` (bool) and ``values`` (the windowed measure) are the block's rows.
        """
        n = len(values)
        ref = np.empty(n, np.float64)
        counts = self._count + np.cumsum(speech)
        keep = np.flatnonzero(speech & (counts % self.step == 0))
        start = 0
        for i in keep.tolist():
            ref[start:i] = self._ref
            self._kept.append(float(values[i]))
            self._update()
            start = i
        ref[start:] = self._ref
        if n:
            self._count = int(counts[-1])
        return ref


def _bounded(deltas: np.ndarray, incall: np.ndarray, margin: float) -> np.ndarray:
    """``min(deltas, incall + margin)`` where the in-call delta is defined, else ``deltas``
    (float32; a NaN delta stays NaN)."""
    inc = np.asarray(incall, np.float64) + margin
    return np.where(np.isnan(inc), deltas, np.minimum(deltas, inc)).astype(np.float32)
