"""Configuration: typed, frozen sections loaded from ``config/voicecoach.toml``.

The TOML file shipped with voicecoach is the **one source of defaults**: the dataclasses
below declare names and types only, never default values. Two files may override any
subset of keys, in this order:

1. the **user configuration** (:func:`user_config_path`: ``$VOICECOACH_CONFIG``, else
   ``config.toml`` in the user configuration folder, ``~/.config/voicecoach/config.toml``
   on Linux), written by ``voicecoach setup`` and read by every command
   (``load_config(user=True)``);
2. a file passed with ``--config`` (or ``load_config(path)``).

Unknown keys are errors that suggest the closest known key.

Examples
--------
>>> from voicecoach.config import load_config
>>> cfg = load_config()
>>> cfg.pitch.fmin_hz
60.0
>>> cfg = load_config(overrides={"pitch": {"fmin_hz": 75.0}})
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError, ParameterError, not_utf8

__all__ = [
    "USER_CONFIG_ENV",
    "AnalysisConfig",
    "AnalyzeConfig",
    "BaselineConfig",
    "CoachConfig",
    "Config",
    "ConversationConfig",
    "LiveConfig",
    "MonoConfig",
    "NoiseFloorConfig",
    "PitchConfig",
    "ReviewConfig",
    "RuleConfig",
    "SetupConfig",
    "SyllableConfig",
    "VadConfig",
    "default_config_path",
    "load_config",
    "read_user_config",
    "save_user_config",
    "user_config_path",
]

#: Environment variable naming the user configuration file (see :func:`user_config_path`).
USER_CONFIG_ENV = "VOICECOACH_CONFIG"


#: The live display kinds (``[live] display``, ``live/setup --display``).
DISPLAY_KINDS = ("auto", "compact", "window", "terminal", "none")

@dataclass(frozen=True)
class AnalysisConfig:
    """Sampling of the analysis core.

    The keys of ``[analysis]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    sample_rate : int
        Internal analysis rate, Hz; inputs at other rates are resampled to it.
    hop_s : float
        Hop length: one feature row per hop, s.
    min_input_rate : int
        Lowest accepted input sample rate, Hz.
    max_input_rate : int
        Highest accepted input sample rate, Hz (higher studio and headset rates are resampled
        in a stream).
    """

    sample_rate: int
    hop_s: float
    min_input_rate: int
    max_input_rate: int

    @property
    def hop_size(self) -> int:
        """Samples per hop at :attr:`sample_rate`."""
        return round(self.sample_rate * self.hop_s)


@dataclass(frozen=True)
class PitchConfig:
    """YIN pitch tracker settings (see :mod:`voicecoach.analysis.pitch`).

    The keys of ``[pitch]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    fmin_hz, fmax_hz : float
        Lowest and highest F0 searched, Hz.
    window_s : float
        Integration window of the difference function (the lag range is added to it), s.
    octave_bias : float
        Added to the normalised difference per octave of period above ``1 / fmax_hz`` when
        choosing the voicing decision's lag: favours the period over its multiples.
    max_aperiodicity : float
        A hop starts voicing when the normalised difference at its period is under this.
    hold_aperiodicity : float
        After a voiced hop, voicing holds while the normalised difference is under this.
    max_contrast : float
        ... and only while YIN's ``d(period) / mean d(1..period)`` is under this (noise has
        no dip: about 1).
    min_level_db : float
        Hops quieter than this (RMS over the pitch frame), dBFS, are unvoiced.
    min_snr_db : float
        Hops within this many dB of the adaptive noise floor are unvoiced.
    max_below_peak_db : float
        Hops this many dB below the loudest pitch frame of the last ``peak_window_s`` are
        unvoiced.
    peak_window_s : float
        Length of that running peak's window, s.
    path_octave_bias : float
        Viterbi path over period candidates: a candidate's local cost is its normalised
        difference plus this per octave of period.
    jump_cost : float
        Path cost per octave of change between consecutive voiced hops.
    path_cost_cap : float
        Cap on a candidate's path cost relative to the best, so that a wrong path is left
        within a few hops.
    path_candidates : int
        Period candidates per hop: the lowest local minima of the local cost.
    path_lookahead_s : float
        Fixed lookahead of the reported (live) path, s in whole hops: each hop reports the
        frame this long before its own.
    memory_s : float
        The path is carried across unvoiced gaps up to this long, s; after a longer gap it
        starts afresh.
    settled_lookahead_s : float
        Lookahead of the second, settled path for offline readers (``f0_settled_hz``), s in
        whole hops.
    settled_jump_cost : float
        The settled path's cost per octave of change between consecutive voiced hops.
    settled_cost_cap : float
        The settled path's cap on path costs (1.0: no effective cap).
    harmonic_check : {"auto", "far", "on", "off"}
        Which channels run the harmonic check for telephone-band voices
        (:func:`harmonic_check_on`).
    band_scan_s : float
        ``"auto"`` also takes a channel recorded above 8000 Hz for telephone audio when its
        first this-many seconds are telephone band, s; 0: by rate only.
    telephone_band_db : float
        Telephone band: the 4.3-7 kHz energy at most this many dB relative to the 0.3-3.4 kHz
        energy (negative).
    harmonic_weight : float
        When the check is on, the share (0..1] of the path's local cost taken from the
        normalised difference of the squared, band-passed input.
    harmonic_low_hz, harmonic_high_hz : float
        That band-pass's edges, Hz.
    harmonic_fir_taps : int
        Taps of its linear-phase FIR (odd).
    """

    fmin_hz: float
    fmax_hz: float
    window_s: float
    octave_bias: float
    max_aperiodicity: float
    hold_aperiodicity: float
    max_contrast: float
    min_level_db: float
    min_snr_db: float
    max_below_peak_db: float
    peak_window_s: float
    path_octave_bias: float
    jump_cost: float
    path_cost_cap: float
    path_candidates: int
    path_lookahead_s: float
    memory_s: float
    settled_lookahead_s: float
    settled_jump_cost: float
    settled_cost_cap: float
    harmonic_check: str
    band_scan_s: float
    telephone_band_db: float
    harmonic_weight: float
    harmonic_low_hz: float
    harmonic_high_hz: float
    harmonic_fir_taps: int


#: ``[pitch] harmonic_check`` values (see :func:`harmonic_check_on`)
HARMONIC_CHECK_MODES = ("auto", "far", "on", "off")
#: the highest source rate ``"auto"`` takes for a telephone line (G.711, AMR-NB: 8000 Hz)
TELEPHONE_RATE_HZ = 8000


def harmonic_check_on(pitch: PitchConfig, source_rate_hz: float | None, far_end: bool) -> bool:
    """Whether a channel's pitch tracker runs the harmonic check (``[pitch] harmonic_check``).

    Parameters
    ----------
    pitch : PitchConfig
    source_rate_hz : float or None
        The channel's rate before resampling to the analysis rate, Hz (None: unknown); for
        files, :func:`voicecoach.io.source_rate_hz` (8000 for telephone-band audio saved at
        a higher rate).
    far_end : bool
        Whether the channel is the far end (the customer).

    Returns
    -------
    bool
        ``"on"``: always; ``"off"``: never; ``"auto"``: when the source is at most
        :data:`TELEPHONE_RATE_HZ` (a telephone line's band); ``"far"``: as ``"auto"``, and
        always for the far end.
    """
    mode = pitch.harmonic_check
    if mode in ("on", "off"):
        return mode == "on"
    if mode == "far" and far_end:
        return True
    return source_rate_hz is not None and source_rate_hz <= TELEPHONE_RATE_HZ


def mono_interruptions_on(mono: MonoConfig, source_rate_hz: float | None) -> bool:
    """Whether a mono call's review runs the interruption detector (``[mono] interruptions``).

    Parameters
    ----------
    mono : MonoConfig
    source_rate_hz : float or None
        The mono channel's rate before resampling, Hz (None: unknown), as
        :func:`voicecoach.io.source_rate_hz` gives it (8000 for telephone-band audio saved
        at a higher rate).

    Returns
    -------
    bool
        ``true`` / ``false``: as set; ``"auto"``: only above :data:`TELEPHONE_RATE_HZ`
        (wideband audio: on held-out telephone-band calls the detector's precision is under
        issue #13's 0.8, on wideband ones over it). An unknown rate: off.
    """
    if isinstance(mono.interruptions, bool):
        return mono.interruptions
    return source_rate_hz is not None and source_rate_hz > TELEPHONE_RATE_HZ


@dataclass(frozen=True)
class VadConfig:
    """Voice-activity decision settings (see :mod:`voicecoach.analysis.vad`).

    The keys of ``[vad]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    backend : {"silero", "webrtc"}
        The voice-activity network: Silero VAD v5 on onnxruntime, or webrtcvad.
    webrtc_mode : int
        webrtcvad aggressiveness, 0..3.
    silero_threshold : float
        (silero) Speech probability that starts speech.
    silero_hold_threshold : float
        (silero) Speech probability that holds it.
    double_talk_start_threshold : float
        (silero) Silero probability on the double-talk hold's signal (``[echo]``) that starts
        the agent's speech on the canceller's output (1: the hold only holds).
    double_talk_start_aec_threshold : float
        (silero) ... while Silero on the canceller's own output is at least this.
    double_talk_start_margin_db : float
        (silero) ... and the hold's signal is within this many dB of the speaker's own level.
    double_talk_start_near_margin_db : float
        (silero) The hold's signal also starts speech when it is within this many dB of the
        speaker's own level (0 = off) ...
    double_talk_start_near_aec_threshold : float
        (silero) ... while Silero on the canceller's own output is at least this (laxer than
        ``double_talk_start_aec_threshold``: the agent's full voice in the milder signal).
    double_talk_keep_margin_db : float
        (silero) The hold's signal holds speech within this many dB of the speaker's own
        level.
    double_talk_keep_threshold : float
        (silero) ... while Silero on it is at least this (0: no Silero condition).
    double_talk_keep_level_margin_db : float
        (silero) ... or within this many dB of the speaker's own level on level conditions
        alone, without Silero; 0 = off.
    min_level_db : float
        (silero) A hop quieter than this, dBFS, never starts speech (the network is
        level-blind).
    keep_level_drop_db : float
        (silero) Speech is held down to ``min_level_db`` minus this, dB (word tails).
    own_level_margin_db : float
        (silero) A hop more than this many dB under the loud end of the speaker's own speech
        never starts speech (babble, a colleague, a leaking far end).
    own_level_keep_db : float
        (silero) ... and speech is held down to ``own_level_margin_db`` plus this, dB.
    own_level_s : float
        (silero) Decay time constant of the speaker's own level, s of speech (it rises to
        louder speech at once).
    own_level_rejected_s : float
        (silero) Its decay time constant over the hops the gate rejects, s.
    own_level_init_db : float
        (silero) The speaker's own level before their first speech, dBFS.
    own_level_quiet_db : float
        (silero, telephone-band channels) Over a quiet background the gate lets a hop start
        (and hold) speech down to this many dB over the background (the mean level, dB, of
        the hops it does not keep), when that is lower than ``own_level_margin_db`` under the
        speaker's loud end; 0 = off.
    own_level_quiet_max_db : float
        (silero) ... at most this many dB lower than the margins would (the widening's cap).
    own_level_quiet_s : float
        (silero) ... time constant of the background's mean level, s of hops it does not keep.
    own_level_steady_db : float
        (silero, telephone-band channels) Over a steady background the margins widen by
        ``own_level_quiet_max_db``: when the mean excess, dB, of the hops the gate does not
        keep over the noise floor (time constant ``own_level_quiet_s``) is under this. A
        steady noise holds nothing that could be taken for the speaker's soft sounds, a
        babble or a leaking voice rises and falls well over the floor; 0 = off.
    own_level_steady_far_s : float
        (silero) ... not on the agent's hops within this many seconds after far-end activity
        (a leak of the far end into the microphone follows it), nor where uncancelled echo
        may be present.
    snr_margin_db : float
        A hop can start speech only this many dB above the adaptive noise floor.
    keep_margin_db : float
        Once in speech, hops this many dB above the floor hold it.
    require_voicing : bool
        (webrtc) Speech can only start on a voiced hop.
    onset_s : float
        Candidate speech must persist this long to start a segment, s.
    hangover_s : float
        Speech is held this long after the last candidate hop, s.
    """

    backend: str
    webrtc_mode: int
    silero_threshold: float
    silero_hold_threshold: float
    double_talk_start_threshold: float
    double_talk_start_aec_threshold: float
    double_talk_start_margin_db: float
    double_talk_start_near_margin_db: float
    double_talk_start_near_aec_threshold: float
    double_talk_keep_margin_db: float
    double_talk_keep_threshold: float
    double_talk_keep_level_margin_db: float
    min_level_db: float
    keep_level_drop_db: float
    own_level_margin_db: float
    own_level_s: float
    own_level_rejected_s: float
    own_level_keep_db: float
    own_level_init_db: float
    own_level_quiet_db: float
    own_level_quiet_max_db: float
    own_level_quiet_s: float
    own_level_steady_db: float
    own_level_steady_far_s: float
    snr_margin_db: float
    keep_margin_db: float
    require_voicing: bool
    onset_s: float
    hangover_s: float


@dataclass(frozen=True)
class EchoConfig:
    """Echo canceller settings (see :mod:`voicecoach.analysis.echo`).

    The keys of ``[echo]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    enabled : bool
        Run the canceller (WebRTC AEC3, the far end as its reference) on the agent microphone;
        false: the bleed gate alone judges far-end copies.
    bypass_after_s : float
        The far end silent this long, s: the microphone is passed through unchanged.
    far_active_db : float
        A far-end hop this loud, dBFS (and 6 dB over its floor), is far-end activity.
    erle_smooth_s : float
        Time constant of the ERLE average, s of far-end activity.
    converged_erle_db : float
        The canceller is "converged" (echo proven present) once its smoothed ERLE reaches
        this, dB.
    diverged_db : float
        ... and "diverged" when its output is this many dB louder than its input (smoothed).
    echo_corr_on : float
        Echo is present once the far end's and the microphone's loudness envelopes
        correlate this well at some delay up to ``[conversation] bleed_max_delay_s``.
    echo_corr_off : float
        ... and absent ("no_echo": the microphone passed through) while under this and never
        over ``echo_corr_on``.
    no_echo_min_far_s : float
        "no_echo" is concluded only after the far end has been active this long, s.
    echo_corr_coherence_min : float
        Over the far end's first ``no_echo_min_far_s``, the correlation (``echo_corr_on``)
        concludes echo only while the microphone's coherence with the far end, once known,
        is at least this: two independent babbles correlate over ``echo_corr_on`` by chance
        over their first seconds, with a coherence near 0; 0 = off.
    detector_update_s : float
        The echo detector's estimate is refreshed this often, s.
    double_talk_hold : bool
        Run a second, milder canceller (speexdsp's, pyaec) whose output may only hold the
        agent's speech that AEC3's output started.
    double_talk_filter_s : float
        Length of that canceller's adaptive filter (the echo path's delay plus its tail), s.
    double_talk_tail_s : float
        It runs while the far end is active and this long after, s.
    linear_check_db : float
        Until the canceller has taken over, an agent hop that speexdsp's adaptive filter
        alone lowers by this many dB is the far end's (rejected by the bleed gate); 0 = off.
    echo_linear_db : float
        A far-end-active hop, the microphone 6 dB over its floor, that the linear check's
        filter lowers by this many dB is evidence of echo.
    echo_linear_share : float
        Echo is present (latched, as by ``echo_corr_on``) once the share of such hops among
        the far-end-active hops on which the microphone is over its floor reaches this (0 to
        1), once the far end has been active ``no_echo_min_far_s``; 0 = off.
    echo_linear_smooth_s : float
        Time constant of that share (an average from 0), s of those hops.
    echo_linear_max_far_s : float
        After "no_echo" is concluded, the linear check's filter keeps gathering that evidence
        until the far end has been active this long in all, s.
    coherence_smooth_s : float
        Time constant of the microphone's coherence with the far end (where the linear check
        runs), s of those hops; 0 = off.
    coherence_min_s : float
        That coherence is unknown (NaN) until this many seconds of those hops were averaged.
    coherence_max_far_s : float
        ... and estimated until the far end has been active this long in all, s (then the
        last estimate holds).
    echo_coherence_min, echo_coherence_max : float
        Echo is present (latched, as by ``echo_corr_on``) once that coherence, known, lies in
        ``[echo_coherence_min, echo_coherence_max)``: the far end's copy mixed with as much
        of another sound (an agent talking over the far end from its first words); 0 = off.
    echo_coherence_min_s : float
        ... once it was averaged over this many seconds of hops (its first estimates run
        high), s.
    """

    enabled: bool
    bypass_after_s: float
    far_active_db: float
    erle_smooth_s: float
    converged_erle_db: float
    diverged_db: float
    echo_corr_on: float
    echo_corr_off: float
    no_echo_min_far_s: float
    echo_corr_coherence_min: float
    detector_update_s: float
    double_talk_hold: bool
    double_talk_filter_s: float
    double_talk_tail_s: float
    linear_check_db: float
    echo_linear_db: float
    echo_linear_share: float
    echo_linear_smooth_s: float
    echo_linear_max_far_s: float
    coherence_smooth_s: float
    coherence_min_s: float
    coherence_max_far_s: float
    echo_coherence_min: float
    echo_coherence_max: float
    echo_coherence_min_s: float


@dataclass(frozen=True)
class NoiseFloorConfig:
    """Adaptive noise-floor tracker settings.

    The keys of ``[noise_floor]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    rise_db_per_s : float
        How fast the floor may climb while the level stays up, dB per s (it drops at once to
        any quieter hop).
    min_db : float
        The floor never drops below this, dBFS.
    """

    rise_db_per_s: float
    min_db: float


@dataclass(frozen=True)
class SyllableConfig:
    """Syllable-nucleus detector settings (see :mod:`voicecoach.analysis.syllables`).

    The keys of ``[syllables]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    window_s : float
        Rolling window of ``syllable_rate`` and ``articulation_rate``, s.
    dip_db : float
        A nucleus needs an intensity dip of at least this many dB before and after its peak.
    lookahead_s : float
        A peak is confirmed at the latest this long after it, s.
    smooth_s : float
        Length of the intensity smoothing (causal moving average), s.
    min_prominence_db : float
        Peaks must stand this many dB above the noise floor.
    min_gap_s : float
        Minimum distance between two nuclei, s.
    min_speech_s : float
        ``articulation_rate`` is NaN with less speech than this in the window, s.
    """

    window_s: float
    dip_db: float
    lookahead_s: float
    smooth_s: float
    min_prominence_db: float
    min_gap_s: float
    min_speech_s: float


@dataclass(frozen=True)
class ConversationConfig:
    """Two-party conversation tracker settings (see :mod:`voicecoach.conversation`).

    The keys of ``[conversation]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    min_overlap_s : float
        B must overlap A this long for an interruption, s; decided at once.
    backchannel_max_s : float
        B's utterance inside A's turn, at most this long with A keeping the floor, is a
        backchannel, s.
    turn_end_s : float
        B starting within this long of A's stop is a turn-end overlap, s.
    simultaneous_start_s : float
        B starting within this long of A's turn start is a simultaneous start, not an
        intrusion, s.
    speech_onset_s : float
        A party's segment starts once its raw VAD has fired this long, s.
    speech_hangover_s : float
        ... and ends after this long without raw VAD, s.
    double_talk_hangover_s : float
        The agent's hangover while the customer's segment is on, s; 0 = off.
    double_talk_hangover_after_s : float
        ... applied once the agent's segment has lasted this long, s.
    double_talk_hangover_mic_db : float
        ... and while the microphone is this many dB louder than the far end's predicted echo.
    speech_onset_gap_s : float
        The raw VAD run of ``speech_onset_s`` may have gaps this long, s (a stop consonant's
        closure).
    turn_gap_s : float
        A party keeps the floor through its own pauses shorter than this, s.
    retract_gap_s : float
        An interruption whose interrupter stopped within ``backchannel_max_s`` while the other
        still speaks is retracted once the interrupter stays silent this long, s.
    retract_if_other_stopped : bool
        Retract at once if the other party stopped before the interrupter speaks again.
    retract_join_by_speech : bool
        An interrupter speaking again within ``retract_gap_s`` goes on with the same intrusion,
        measured by its speech against ``backchannel_max_s``; false: it stands at once.
    hold_decided_interruptions : bool
        The interrupted party pausing after the decision keeps its turn if it speaks again
        within ``turn_gap_s``; false: the pause gives the floor away at once.
    far_intrusion_join_s : float
        The customer's pause inside the agent's turn, before an interruption was decided, up to
        this long keeps one intrusion open, s.
    intrusion_max_bleed_fraction : float
        The agent's speech in the customer's turn is no interruption while this fraction or
        more of its raw hops were judged the far end's copy; 1 = off.
    echo_suspect_max_ratio_db : float
        An agent intrusion's leading raw hops at the far end's F0 and at most this many dB
        above the loudest far-end hop are echo-suspect (not counted against
        ``backchannel_max_s``); -120 = off.
    intrusion_min_snr_db : float
        An agent intrusion's raw hops less than this many dB over the microphone's noise floor
        neither lengthen it nor count as speaking at a decision; 0 = off.
    intrusion_max_drop_db : float
        ... nor do its raw hops more than this many dB under its loudest hop so far, before the
        canceller takes over; 0 = off.
    far_onset_backtrack_s : float
        A far-end segment's onset is moved back, up to this long, s, over the hops just before
        it that are ``far_onset_backtrack_db`` over the far end's background.
    far_onset_backtrack_db : float
        That margin over the far end's background (90th percentile of its non-speech hops in
        the 3 s before), dB.
    far_onset_backtrack_gap_s : float
        The backtrack also crosses a dip under that margin of at most this long, s, when a
        louder hop lies before it (a closure after a short first sound); 0 = off.
    agent_onset_backtrack_s : float
        On a telephone-band agent channel, an agent segment's onset is moved back, up to this
        long, s, over the hops just before it that are ``agent_onset_backtrack_db`` over the
        agent's background (across a dip of at most ``far_onset_backtrack_gap_s``), never
        into its previous segment, only over hops where the echo canceller holds no
        uncancelled echo; 0 = off.
    agent_onset_backtrack_db : float
        That margin over the agent's background (90th percentile of its non-speech hops in the
        3 s before), dB.
    agent_onset_pad_s : float
        An agent segment's onset is moved back this long, s, over hops not judged the far
        end's copy, never into its previous segment; 0 = off.
    decision_bridge_s : float
        At a decision instant a party still counts as speaking if its raw VAD fired within
        this long, s.
    jump_in_s : float
        A response gap shorter than this (negative: overlap) is a jump-in, s.
    mutual_silence_s : float
        Mutual silences longer than this are reported, s.
    far_delay_s : float
        Known lag of the far-end channel behind what the agent heard, s; the agent rows are
        held back this long.
    bleed_max_ratio_db : float
        Before the bleed delay is known: agent hops at most this many dB relative to the
        loudest far-end hop of the last ``bleed_max_delay_s``, at the far end's F0, are bleed.
    bleed_self_margin_db : float
        ... and this many dB below the agent's own average speech level (twice at an octave).
    bleed_max_delay_s : float
        Longest lag of the far-end copy in the agent microphone searched for, s.
    bleed_corr_min : float
        Loudness-envelope correlation needed to accept a bleed delay estimate.
    bleed_window_s : float
        Sliding window of the bleed delay and gain estimate, s.
    bleed_update_s : float
        The estimate is refreshed this often, s.
    bleed_min_active_s : float
        ... when the far end spoke at least this long within the window, s.
    bleed_margin_db : float
        Agent hops up to this many dB above the predicted bleed level are bleed.
    bleed_pitch_st : float
        Voiced agent hops within this many semitones of the far end's F0 at the lag are bleed.
    bleed_copy_hops : int
        Before the delay is known: this many consecutive voiced agent hops at a far-end F0 of
        the lag range are bleed (a loudspeaker copy's contour); 0 = off.
    bleed_copy_max_ratio_db : float
        ... when each is at most this many dB above the loudest far-end hop of the lag range.
    bleed_copy_far_s : float
        ... only over the call's first this-many seconds of far-end speech, s.
    bleed_copy_unvoiced_db : float
        ... unvoiced agent hops keep such a run going while no more than this many dB louder,
        against the far end, than its loudest voiced hop; -120 = off.
    bleed_copy_coherence_min : float
        ... and neither the copy rule nor the echo's early window applies while the
        microphone's coherence with the far end (``[echo] coherence_smooth_s``) is known and
        under this (0 to 1); 0 = off.
    speech_onset_echo_s : float
        The agent's ``speech_onset_s`` on copy-like hops in the echo's early window, s.
    """

    min_overlap_s: float
    backchannel_max_s: float
    turn_end_s: float
    simultaneous_start_s: float
    speech_onset_s: float
    speech_hangover_s: float
    double_talk_hangover_s: float
    double_talk_hangover_after_s: float
    double_talk_hangover_mic_db: float
    speech_onset_gap_s: float
    turn_gap_s: float
    retract_gap_s: float
    retract_if_other_stopped: bool
    retract_join_by_speech: bool
    hold_decided_interruptions: bool
    far_intrusion_join_s: float
    intrusion_max_bleed_fraction: float
    echo_suspect_max_ratio_db: float
    intrusion_min_snr_db: float
    intrusion_max_drop_db: float
    far_onset_backtrack_s: float
    far_onset_backtrack_db: float
    far_onset_backtrack_gap_s: float
    agent_onset_backtrack_s: float
    agent_onset_backtrack_db: float
    agent_onset_pad_s: float
    decision_bridge_s: float
    jump_in_s: float
    mutual_silence_s: float
    far_delay_s: float
    bleed_max_ratio_db: float
    bleed_self_margin_db: float
    bleed_max_delay_s: float
    bleed_corr_min: float
    bleed_window_s: float
    bleed_update_s: float
    bleed_min_active_s: float
    bleed_margin_db: float
    bleed_pitch_st: float
    bleed_copy_hops: int
    bleed_copy_max_ratio_db: float
    bleed_copy_far_s: float
    bleed_copy_unvoiced_db: float
    bleed_copy_coherence_min: float
    speech_onset_echo_s: float


@dataclass(frozen=True)
class BaselineConfig:
    """Calm-baseline settings (see :mod:`voicecoach.baseline`).

    The keys of ``[baseline]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    provisional_s : float
        Without a profile, a party's first this-many seconds of speech (VAD hops) form its
        baseline, s.
    pitch_window_s : float
        Pitch measure: a low quantile of the last this-many seconds of voiced hops, s.
    pitch_min_voiced_s : float
        ... NaN until this many voiced seconds were heard (in the calibration, whose calm
        excursion sets the threshold), s.
    pitch_call_min_voiced_s : float
        ... in a call (live and review, :class:`~voicecoach.baseline.BaselineTracker`): NaN
        until this many voiced seconds (at most ``pitch_window_s``) were heard, s.
    pitch_octave_band_st : float
        ... taken over the window's values within this many semitones of its plain median
        (octave-robust).
    pitch_quantile : float
        ... the quantile taken (the low part of the range).
    pitch_track : {"live", "settled"}
        Which pitch the measures and the profile read: ``f0_hz`` (live) or ``f0_settled_hz``.
    loudness_window_s : float
        Loudness measure: power mean of the last this-many seconds of speech hops, s.
    loudness_min_speech_s : float
        ... NaN until this many speech seconds were heard, s.
    rate_intervals : int
        Pace measure: a tempo from the last this-many intervals between syllable nuclei (NaN
        until that many were heard).
    rate_max_interval_s : float
        ... an interval counts when both nuclei are in one run of speech and it is at most this
        long, s.
    rate_trim : float
        ... rate = 1 / the mean interval without this fraction of the shortest and the longest.
    utterance_gap_s : float
        Utterance measures (the customer agitation flag): a pause this long starts a new
        utterance, s.
    utterance_min_voiced_s : float
        ... its pitch is NaN until this many voiced seconds, s.
    calm_quantile : float
        A profile's calm excursion of each measure: this quantile of its delta on calm speech.
    telephone_references : bool
        A telephone-rate agent channel is judged against the profile's telephone-band
        references (:meth:`voicecoach.baseline.Profile.for_rate`); false: its own.
    line_lows_db : float
        ... in review, only when the channel's 60-200 Hz energy is this many dB (or less)
        under its 0.3-3.4 kHz energy (a line cut its lows), dB.
    adapt_s : float
        Time constant of the in-call references the pitch and loudness deltas are taken
        against, s of measured speech; 0 = the profile's reference, fixed.
    adapt_pitch_band_st : float
        The pitch reference moves only on rows whose delta is within +-this, semitones.
    adapt_loudness_band_db : float
        The loudness reference moves only on rows whose delta is within +-this, dB.
    min_calibration_voiced_s : float
        Calibration refuses recordings with less voiced speech than this, s.
    clip_fraction_max : float
        Calibration refuses recordings with a larger fraction of clipped samples.
    clip_level : float
        A sample at or above this magnitude (full scale 1.0) counts as clipped.
    silence_peak_db : float
        Calibration calls a recording silent if its peak is below this, dBFS.
    """

    provisional_s: float
    pitch_window_s: float
    pitch_min_voiced_s: float
    pitch_call_min_voiced_s: float
    pitch_octave_band_st: float
    pitch_quantile: float
    pitch_track: str
    loudness_window_s: float
    loudness_min_speech_s: float
    rate_intervals: int
    rate_max_interval_s: float
    rate_trim: float
    utterance_gap_s: float
    utterance_min_voiced_s: float
    calm_quantile: float
    telephone_references: bool
    line_lows_db: float
    adapt_s: float
    adapt_pitch_band_st: float
    adapt_loudness_band_db: float
    min_calibration_voiced_s: float
    clip_fraction_max: float
    clip_level: float
    silence_peak_db: float


@dataclass(frozen=True)
class RuleConfig:
    """One coaching rule: a threshold held for ``sustain_s``, released below
    ``threshold - hysteresis``, then silent for ``cooldown_s``.

    The keys of ``[coach.rules.NAME]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    threshold : float
        The condition turns on when the rule's value reaches this (monotony: falls under it),
        in the rule's unit (st, %, dB, count, s); for measured rules, the floor of the personal
        threshold.
    sustain_s : float
        The condition must be on for this many seconds of measured hops before a nudge fires, s.
    hysteresis : float
        The condition turns off below ``threshold - hysteresis`` (monotony: the other way
        round), in the rule's unit.
    cooldown_s : float
        At most one nudge of this rule per this long, from nudge start, s.
    enabled : bool
        Whether the rule can fire.
    deescalate : bool
        Tighten the threshold by ``[coach] deescalation_factor`` while the customer is
        agitated.
    """

    threshold: float
    sustain_s: float
    hysteresis: float
    cooldown_s: float
    enabled: bool
    deescalate: bool


@dataclass(frozen=True)
class CoachConfig:
    """Coach settings and its rules, keyed by rule name.

    The keys of ``[coach]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    lang : {"fr", "en"}
        Language of the nudges.
    global_gap_s : float
        Minimum gap between the starts of any two nudges, s.
    display_s : float
        How long a nudge stays on screen, s (one at a time).
    episode_gap_s : float
        A pitch, pace or loudness condition not yet nudged ends after this long without agent
        speech, s (0: off).
    deescalation_factor : float
        Rules with ``deescalate`` multiply their threshold (and release level) by this while the
        customer is agitated.
    agitation_pitch_st : float
        The customer is agitated when their current utterance is this many semitones ...
    agitation_loudness_db : float
        ... and this many dB above their own baseline (their first ``[baseline]
        provisional_s`` of speech; see ``agitation_rule``).
    agitation_rule : {"both", "either"}
        Pitch and loudness together (a raised voice), or one of them.
    agitation_release_st : float
        Once on, the flag holds until the pitch cue falls this many semitones below
        ``agitation_pitch_st`` ...
    agitation_release_db : float
        ... or the loudness cue this many dB below ``agitation_loudness_db``, or the utterance
        ends.
    agitation_sustain_s : float
        The agitation cues must hold for this many measured seconds, s.
    agitation_hold_s : float
        De-escalation stays on this long after the customer's last agitated hop, s.
    agitation_carry_gap_s : float
        The flag carries through a pause shorter than this into the next utterance until that
        one's pitch is measured, s of non-speech hops.
    jump_in_window_s : float
        The ``jump_in`` rule counts jump-ins within this window, s.
    monotony_spread_st : float
        Pitch spread (p90 - p10 of voiced F0), semitones, under which speech is monotonous.
    monotony_window_s : float
        Window of that pitch spread, s.
    monotony_min_voiced_s : float
        The spread is NaN with fewer voiced seconds than this in the window, s.
    pitch_calm_margin_st : float
        ``pitch_high``: margin over the profile's calm excursion, semitones.
    pitch_threshold_max_st : float
        ... cap of the personal threshold, semitones.
    pitch_calm_prior_st : float
        ``pitch_high``: the calm excursion used is ``(1 - w) * pitch_calm_st + w *`` this
        prior, semitones ...
    pitch_calm_prior_weight : float
        ... with this ``w`` (0: the profile's own).
    rate_calm_margin_pct : float
        ``rate_high``: margin over the calm excursion, %.
    rate_threshold_max_pct : float
        ... cap of the personal threshold, %.
    loudness_calm_margin_db : float
        ``loudness_high``: margin over the calm excursion, dB.
    loudness_threshold_max_db : float
        ... cap of the personal threshold, dB.
    min_baseline_s : float
        A measured rule stays silent when its measure was defined on less calm speech than
        this in the profile, s.
    max_baseline_drift : float
        ... or when the profile's two halves disagree by more than this fraction of the rule's
        threshold.
    incall_s : float
        In-call condition: the median of the measure over this many seconds of the speaker's
        speech in this call, s; 0 = off.
    incall_lag_s : float
        ... the in-call history ends this many seconds of speech ago, s.
    incall_min_s : float
        ... and is used once it holds this many seconds of speech, s.
    incall_loudness : bool
        The in-call condition is on for the loudness rule.
    incall_pitch : bool
        ... for the pitch rule.
    incall_rate : bool
        ... for the pace rule.
    incall_loudness_margin_db : float
        The loudness delta vs the in-call median, plus this, dB.
    incall_pitch_margin_st : float
        The pitch delta vs the in-call median, plus this, semitones.
    incall_rate_margin_pct : float
        The pace delta vs the in-call median tempo, plus this, %.
    repeat_window_s : float
        For this long after a prosody nudge starts, s, its rule fires again only above a
        threshold raised by the repeat step (per nudge of the rule in the window); 0 = off.
    repeat_pitch_st : float
        ... the repeat step of the pitch rule, semitones.
    repeat_rate_pct : float
        ... of the pace rule, %.
    repeat_loudness_db : float
        ... of the loudness rule, dB.
    rules : dict of str to RuleConfig
        The coaching rules by name (``pitch_high``, ``rate_high``, ``loudness_high``,
        ``interrupting``, ``monologue``, ``jump_in``, ``monotony``).
    """

    lang: str
    global_gap_s: float
    display_s: float
    episode_gap_s: float
    deescalation_factor: float
    agitation_pitch_st: float
    agitation_loudness_db: float
    agitation_rule: str
    agitation_release_st: float
    agitation_release_db: float
    agitation_sustain_s: float
    agitation_hold_s: float
    agitation_carry_gap_s: float
    jump_in_window_s: float
    monotony_spread_st: float
    monotony_window_s: float
    monotony_min_voiced_s: float
    pitch_calm_margin_st: float
    pitch_threshold_max_st: float
    pitch_calm_prior_st: float
    pitch_calm_prior_weight: float
    rate_calm_margin_pct: float
    rate_threshold_max_pct: float
    loudness_calm_margin_db: float
    loudness_threshold_max_db: float
    min_baseline_s: float
    max_baseline_drift: float
    incall_s: float
    incall_lag_s: float
    incall_min_s: float
    incall_loudness: bool
    incall_pitch: bool
    incall_rate: bool
    incall_loudness_margin_db: float
    incall_pitch_margin_st: float
    incall_rate_margin_pct: float
    repeat_window_s: float
    repeat_pitch_st: float
    repeat_rate_pct: float
    repeat_loudness_db: float
    rules: dict[str, RuleConfig]


@dataclass(frozen=True)
class LiveConfig:
    """Live-mode settings.

    The keys of ``[live]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    blocksize_hops : int
        Capture block length, hops.
    batch_hops : int
        The analysis takes at least this many hops per call (fewer are held back).
    queue_max_s : float
        A capture backlog beyond this is reported, s.
    display : {"auto", "compact", "window", "terminal", "none"}
        The live display ("auto": the compact strip when a screen exists, else the terminal).
    fps : float
        Display refresh rate, frames per s.
    history_s : float
        Length of the history the display keeps and plots, s.
    record_format : str
        Format of ``--record`` audio: ``"WAV"`` or ``"FLAC"``.
    terminal_fps_max : float
        The terminal dashboard refreshes at ``min(fps, this)``, per s.
    compact_fps_max : float
        The compact strip redraws at ``min(fps, this)``, per s.
    window_text_fps : float
        The full chart redraws its numbers and status line at most this often, per s of call
        time.
    calibrate_s : float
        Seconds of calm speech ``calibrate --mic`` and ``setup`` record, s.
    replay_speed : float
        ``live --replay`` and ``demo`` playback speed (1 = real time, inf: as fast as
        possible).
    record_dir : str
        Parent folder of the session folders written by ``--record``.
    far_backend : {"auto", "sounddevice", "soundcard"}
        How the far end is captured ("auto": PortAudio, else a monitor / loopback through
        soundcard).
    latency : {"low", "high"}
        PortAudio stream latency.
    prefer_rate : int
        Devices are opened at this rate when they accept it, Hz (0: at their default rate).
    min_channels : int
        Every device is opened with at least this many channels.
    mic : str
        ``live`` microphone when ``--mic`` is not given: index or name ("": the default
        input).
    far : str
        ``live`` far end when ``--far`` is not given: a monitor / loopback ("": none).
    profile : str
        ``live`` calm profile when ``--profile`` is not given: name or ``.toml`` path ("":
        none).
    stall_timeout_s : float
        No audio for this long marks a device stalled, s.
    start_timeout_s : float
        How long the start alignment waits for every device's first block, s.
    drift_correction : bool
        Correct the far device's clock drift by dropping or repeating a sample now and then.
    drift_min_window_s : float
        ... once the drift was measured over this long, s.
    drift_min_ppm : float
        ... and is at least this large, ppm (and 4 standard errors).
    drift_min_ppm_untimed : float
        ... or this large when a stream gives arrival times only, ppm.
    realign_ms : float
        Shift the far stream back into line beyond this misalignment, ms (0: off).
    """

    blocksize_hops: int
    batch_hops: int
    queue_max_s: float
    display: str
    fps: float
    history_s: float
    record_format: str
    terminal_fps_max: float
    compact_fps_max: float
    window_text_fps: float
    calibrate_s: float
    replay_speed: float
    record_dir: str
    far_backend: str
    latency: str
    prefer_rate: int
    min_channels: int
    mic: str
    far: str
    profile: str
    stall_timeout_s: float
    start_timeout_s: float
    drift_correction: bool
    drift_min_window_s: float
    drift_min_ppm: float
    drift_min_ppm_untimed: float
    realign_ms: float


@dataclass(frozen=True)
class SetupConfig:
    """``voicecoach setup`` (the guided first run) settings.

    The keys of ``[setup]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    levels_s : float
        The level check shows both inputs' meters this long, s.
    meter_fps : float
        Level meters redraw this often, per s.
    meter_floor_db : float
        A meter's empty end, dBFS (its full end is 0 dBFS).
    heard_db : float
        An input is "heard" when its 20 ms level reaches this, dBFS ...
    heard_s : float
        ... for this long in total during the check, s.
    keep_audio : bool
        Keep the calibration speech beside the profile so that a later setup can add to it.
    """

    levels_s: float
    meter_fps: float
    meter_floor_db: float
    heard_db: float
    heard_s: float
    keep_audio: bool


@dataclass(frozen=True)
class ReviewConfig:
    """``voicecoach review`` settings.

    The keys of ``[review]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    agent_channel : int
        The agent's channel of a stereo call, 0 or 1 (the other is the customer).
    jobs : int
        Local worker processes.
    audio_copy : {"ogg", "flac", "link", "none"}
        The HTML report's playback audio.
    name_pattern : str
        Regular expression taking ``agent`` and ``date`` from a call's name ('' for none).
    identical_check_s : float
        A stereo file is checked over its first this-many seconds for identical channels, s.
    identical_below_db : float
        ... identical: the channels' difference at least this many dB below their level.
    full_paths : bool
        Reports and profiles store the source file's absolute path, not its name only.
    """

    agent_channel: int
    jobs: int
    audio_copy: str
    name_pattern: str
    identical_check_s: float
    identical_below_db: float
    full_paths: bool


@dataclass(frozen=True)
class MonoConfig:
    """Two voices on one channel (mono calls) and swapped stereo channels (review).

    The keys of ``[mono]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    enabled : bool
        Review: look for two voices on a mono call and attribute each stretch to a party.
    agent : {"first", "second"}
        Without a profile voice model, the agent is the voice that speaks first or second.
    voices : {"detect", "two"}
        ``"detect"``: two voices only when the detection tests pass (``two_voices_min``,
        ``consistency_min``, ``stability_min``, ``profile_fit_min``, ``min_share``);
        ``"two"``: the trainer says every mono call holds two voices, and they are
        attributed whenever two voice models can be learned.
    n_ceps : int
        Cepstral coefficients per hop of the voice features.
    fmin_hz, fmax_hz : float
        Band of the voice features, Hz.
    min_model_s : float
        Calibration stores a voice model in the profile when it has this much speech, s.
    agent_components : int
        Gaussians of the agent's voice model (stored in the profile).
    components : int
        Gaussians of each voice model learned in a call.
    min_speech_s : float
        A mono call with less speech than this is not searched for a second voice, s.
    pause_s : float
        A pause this long splits speech into separate stretches, s ...
    max_stretch_s : float
        ... and no stretch is longer than this, s.
    iterations : int
        Times the two voice models are re-learnt from the attribution.
    evidence_scale : float
        Per-stretch evidence: mean log-likelihood ratio times sqrt(hops) times this.
    switch_cost : float
        Cost of a speaker change between stretches with no pause between them, nats of
        evidence ...
    pause_switch_cost : float
        ... and after a pause, nats.
    customer_init_quantile : float
        With a profile: this fraction of stretches, those fitting the agent's model worst,
        seed the customer's model.
    pitch_weight : float
        Weight of the pitch likelihood against the cepstral one.
    pitch_clip_sd : float
        A hop further than this many spreads from a voice's pitch median counts as this far.
    deltas : bool
        Without a profile, the call's voice models also see the cepstra's change over +-2
        hops.
    embedding_weight : float
        Without a profile: the attribution comes from a run started from 2-means on the
        stretches' speaker embeddings (GE2E, :mod:`voicecoach.conversation.embed`), each
        refinement adding this times (cosine to voice A's centroid minus to B's) to a
        stretch's evidence; the two-voice tests stay on the cepstral starts; 0 = off.
    embedding_min_s : float
        Stretches shorter than this, s, get no embedding evidence.
    starts : int
        Without a profile: how many starting splits are clustered from (the one the voice
        models fit best is kept).
    first_speech_s : float
        Without a profile, "speaks first" is decided on this much of the first speech, s.
    first_sure : float
        ... under this fraction of those hops favouring that voice, who speaks first is
        reported unsure.
    two_voices_min : float
        Two voices without a profile: held-out separation of the two models at least this,
        nats per hop ...
    consistency_min : float
        ... and at least this fraction of held-out stretches go where the attribution put
        them ...
    stability_min : float
        ... and the other starting splits end at least this close to the kept one (fraction of
        speech hops alike).
    profile_fit_min : float
        Two voices with a profile's model: the agent's stretches fit it this much better than
        the customer's, nats per hop ...
    min_share : float
        ... and each voice holds at least this fraction of the speech.
    other_party_db : float
        Each party's channel keeps the other party's stretches at this gain, dB.
    swap_check_s : float
        Stereo review with a profile: the profile's voice is compared with both channels over
        this many seconds, s ...
    swap_margin : float
        ... the channels look swapped when channel 1 fits the profile this much better than
        channel 0, nats per hop.
    interruptions : bool or {"auto"}
        Report interruptions on mono calls where the attribution jumps between voices and the
        detector's score reaches ``interruption_min_confidence``. ``"auto"``: only on
        wideband audio, a channel whose source rate (:func:`voicecoach.io.source_rate_hz`,
        which reads a telephone call saved at a higher rate as 8000 Hz) is above
        :data:`TELEPHONE_RATE_HZ` (on telephone-band audio the detector's precision is under
        issue #13's 0.8; see :func:`mono_interruptions_on`).
    interruption_window_s : float
        B's onset is looked for over this much of A's speech before the jump, s.
    interruption_max_gap_s : float
        A jump: the other voice's first hop at most this long after the first voice's last,
        s.
    interruption_min_confidence : float
        The detector's score (0-1) an event needs.
    interruption_weights : dict of str to float
        The detector's logistic weights per feature (``bias`` and
        :mod:`voicecoach.conversation.mono_overlap` ``FEATURES``).
    interruption_onset_weights : dict of str to float
        The onset model's conditional-logit weights per candidate-hop feature
        (``ONSET_FEATURES``).
    """

    enabled: bool
    agent: str
    voices: str
    n_ceps: int
    fmin_hz: float
    fmax_hz: float
    min_model_s: float
    agent_components: int
    components: int
    min_speech_s: float
    pause_s: float
    max_stretch_s: float
    iterations: int
    evidence_scale: float
    switch_cost: float
    pause_switch_cost: float
    customer_init_quantile: float
    pitch_weight: float
    pitch_clip_sd: float
    deltas: bool
    embedding_weight: float
    embedding_min_s: float
    starts: int
    first_speech_s: float
    first_sure: float
    two_voices_min: float
    consistency_min: float
    stability_min: float
    profile_fit_min: float
    min_share: float
    other_party_db: float
    swap_check_s: float
    swap_margin: float
    interruptions: bool | str
    interruption_window_s: float
    interruption_max_gap_s: float
    interruption_min_confidence: float
    interruption_weights: dict[str, float]
    interruption_onset_weights: dict[str, float]


@dataclass(frozen=True)
class AnalyzeConfig:
    """``voicecoach analyze`` output settings.

    The keys of ``[analyze]``; ``config/voicecoach.toml`` holds their defaults and notes.

    Attributes
    ----------
    channel : str
        Channel index to analyse, or ``"all"``.
    format : {"csv", "json"}
        Output format.
    """

    channel: str
    format: str


@dataclass(frozen=True)
class Config:
    """The whole configuration. Build it with :func:`load_config`.

    Attributes
    ----------
    analysis : AnalysisConfig
        ``[analysis]``: sampling of the analysis core.
    pitch : PitchConfig
        ``[pitch]``: the pitch tracker.
    vad : VadConfig
        ``[vad]``: voice-activity decisions.
    echo : EchoConfig
        ``[echo]``: the echo canceller.
    noise_floor : NoiseFloorConfig
        ``[noise_floor]``: the adaptive noise floor.
    syllables : SyllableConfig
        ``[syllables]``: the syllable-nucleus detector.
    conversation : ConversationConfig
        ``[conversation]``: the two-party conversation tracker.
    baseline : BaselineConfig
        ``[baseline]``: measures and calm baselines.
    coach : CoachConfig
        ``[coach]`` and ``[coach.rules.*]``: the coach and its rules.
    live : LiveConfig
        ``[live]``: live mode and capture.
    setup : SetupConfig
        ``[setup]``: the guided first run.
    review : ReviewConfig
        ``[review]``: batch review.
    analyze : AnalyzeConfig
        ``[analyze]``: ``voicecoach analyze`` output.
    mono : MonoConfig
        ``[mono]``: two voices on one channel, swapped channels.
    """

    analysis: AnalysisConfig
    pitch: PitchConfig
    vad: VadConfig
    echo: EchoConfig
    noise_floor: NoiseFloorConfig
    syllables: SyllableConfig
    conversation: ConversationConfig
    baseline: BaselineConfig
    coach: CoachConfig
    live: LiveConfig
    setup: SetupConfig
    review: ReviewConfig
    analyze: AnalyzeConfig
    mono: MonoConfig

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as nested plain dicts (TOML-shaped).

        Returns
        -------
        dict
            Section name to its keys (``coach`` holds ``rules``, a dict per rule).
        """
        return dataclasses.asdict(self)

    def replace(self, **sections: dict[str, Any]) -> Config:
        """Return a copy with some keys overridden, e.g. ``cfg.replace(pitch={"fmin_hz": 75})``.

        Parameters
        ----------
        **sections : dict
            Section name to the keys to change (nested for ``coach={"rules": {...}}``).

        Returns
        -------
        Config
            Validated like a loaded file.

        Raises
        ------
        ConfigError
            For an unknown section or key ("did you mean ..."), a wrong type or an invalid
            value.
        """
        return _build(Config, _merge(self.to_dict(), sections), "")


def config_or_default(config: Any) -> Config:
    """``config`` itself when it is a :class:`Config`, the defaults for None; anything else is
    a :class:`ParameterError` that says how to make one (public classes take ``config=``).

    Parameters
    ----------
    config : Config or None

    Returns
    -------
    Config
        ``config``, or the defaults of ``config/`` for None (not the user file).

    Raises
    ------
    ParameterError
        For anything else (e.g. a path: load it with :func:`load_config`).
    """
    if config is None:
        return load_config()
    if isinstance(config, Config):
        return config
    hint = (f"load_config({str(config)!r})" if isinstance(config, str | os.PathLike)
            else "load_config() or load_config(path)")
    raise ParameterError(
        f"config must be a voicecoach Config, got {type(config).__name__} {config!r:.60}; "
        f"make one with voicecoach.config.{hint}"
    )


def default_config_path() -> Path:
    """Path of the default ``voicecoach.toml`` (the repository's ``config/`` in a
    source checkout, the copy inside the installed wheel otherwise).

    Returns
    -------
    Path
    """
    repo = Path(__file__).resolve().parents[1] / "config" / "voicecoach.toml"
    if repo.is_file():
        return repo
    return Path(str(resources.files("voicecoach") / "_defaults" / "voicecoach.toml"))


def user_config_path() -> Path:
    """Path of the user configuration file (it may not exist).

    ``$VOICECOACH_CONFIG`` when set, else ``config.toml`` in the user configuration folder
    (``platformdirs.user_config_dir("voicecoach")``: ``$XDG_CONFIG_HOME/voicecoach`` or
    ``~/.config/voicecoach`` on Linux), the parent of the default profile folder.

    Returns
    -------
    Path
    """
    env = os.environ.get(USER_CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base).expanduser() / "voicecoach" / "config.toml"
    return Path(platformdirs.user_config_dir("voicecoach")) / "config.toml"


def read_user_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The user configuration file's keys as nested dicts (``{}`` when there is none).

    Parameters
    ----------
    path : path-like, optional
        Default: :func:`user_config_path`.

    Returns
    -------
    dict
        The file's tables as written (not merged with the defaults nor validated).

    Raises
    ------
    ConfigError
        If the file is not valid UTF-8 TOML, or the path is a folder.
    OSError
        If it exists but cannot be read.
    """
    p = Path(path) if path is not None else user_config_path()
    if not p.exists():
        return {}
    return _read_toml(p)  # a folder or a file that is not UTF-8 TOML: ConfigError


_USER_HEADER = (
    "# voicecoach user configuration: these keys override config/voicecoach.toml, where every\n"
    "# key is listed with its meaning. Written by `voicecoach setup`; edit freely (setup keeps\n"
    "# your keys when it writes this file again, but not your comments).\n"
)


def save_user_config(
    updates: dict[str, Any], path: str | os.PathLike[str] | None = None
) -> Path:
    """Merge ``updates`` into the user configuration file and write it (mode 0600).

    Parameters
    ----------
    updates : dict
        Nested keys to set, e.g. ``{"live": {"mic": "USB"}, "coach": {"lang": "en"}}``.
        The file's other keys are kept.
    path : path-like, optional
        Defaults to :func:`user_config_path`. Its folder is created with mode 0700.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        When the existing file is not valid TOML, or the result is not a valid
        configuration (an unknown key, a bad value); nothing is written then.
    """
    from .privacy import open_private, private_dir

    p = Path(path) if path is not None else user_config_path()
    current = read_user_config(p)
    merged = _merge_new(current, updates)
    _build(Config, _merge(_defaults(), merged), "")  # valid before anything is written
    private_dir(p.parent, own=False)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    with open_private(tmp, "w", encoding="utf-8") as f:
        f.write(_USER_HEADER + _toml_dump(merged))
    os.replace(tmp, p)
    return p


def _merge_new(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Like :func:`_merge`, but keys need not exist in ``base`` (checked later)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_new(out[key], value)
        else:
            out[key] = value
    return out


def _toml_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        import json

        return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_scalar(x) for x in v) + "]"
    raise ConfigError(f"cannot write {v!r} ({type(v).__name__}) to a TOML file")


def _toml_key(k: str) -> str:
    import re

    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_scalar(k)


def _toml_dump(d: dict[str, Any], prefix: str = "") -> str:
    """TOML text of nested dicts of scalars (tables after the keys of each level)."""
    lines = [f"{_toml_key(k)} = {_toml_scalar(v)}" for k, v in d.items()
             if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in d.items():
        if isinstance(v, dict):
            name = f"{prefix}{_toml_key(k)}"
            body = _toml_dump(v, name + ".")
            has_keys = any(not isinstance(x, dict) for x in v.values())
            out += ("\n" if out else "") + (f"[{name}]\n" if has_keys or not v else "") + body
    return out


_DEFAULTS: dict[str, Any] | None = None


def _defaults() -> dict[str, Any]:
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = _read_toml(default_config_path())
    return copy.deepcopy(_DEFAULTS)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file {str(path)!r} does not exist; give an existing .toml file "
            f"(see config/voicecoach.toml for every key)"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"configuration file {str(path)!r} is a folder; give a .toml file (see "
            f"config/voicecoach.toml for every key)"
        ) from None
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"{not_utf8(f'configuration file {str(path)!r}', e)}; TOML files are UTF-8: save "
            f"it as UTF-8, or give the .toml file itself"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"configuration file {str(path)!r} is not valid TOML: {e}") from None


def _merge(base: dict[str, Any], over: dict[str, Any], where: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key not in base:
            _unknown(key, base.keys(), where)
        if isinstance(value, dict) and isinstance(base[key], dict):
            out[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


def _unknown(key: str, known: typing.Iterable[str], where: str) -> typing.NoReturn:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {where}{close[0]!r}?" if close else ""
    raise ConfigError(
        f"unknown configuration key {where}{key!r}{hint} "
        f"Known keys here: {', '.join(sorted(known))}"
    )


def _coerce(value: Any, tp: Any, name: str) -> Any:
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"configuration section {name!r} must be a table, got {value!r}")
        return _build(tp, value, name + ".")
    origin = typing.get_origin(tp)
    if origin is dict:
        _, vtp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"configuration key {name!r} must be a table, got {value!r}")
        return {k: _coerce(v, vtp, f"{name}.{k}") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"configuration key {name!r} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"configuration key {name!r} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"configuration key {name!r} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"configuration key {name!r} must be a string, got {value!r}")
        return value
    if isinstance(tp, types.UnionType):  # pragma: no cover - not used yet
        return value
    raise ConfigError(f"unsupported type {tp!r} for {name!r}")  # pragma: no cover


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            _unknown(key, fields, where)
    missing = fields - data.keys()
    if missing:
        raise ConfigError(
            f"configuration section {where.rstrip('.') or 'top level'!r} lacks "
            f"{', '.join(sorted(missing))}; add them (see config/voicecoach.toml)"
        )
    kwargs = {name: _coerce(data[name], hints[name], f"{where}{name}") for name in fields}
    obj = cls(**kwargs)
    _validate(obj, where)
    return obj


def _validate(obj: Any, where: str) -> None:
    def bad(msg: str) -> typing.NoReturn:
        raise ConfigError(f"{where.rstrip('.')}: {msg}")

    if isinstance(obj, AnalysisConfig):
        if obj.sample_rate != 16000 or abs(obj.hop_s - 0.01) > 1e-12:
            bad(
                f"the analysis core runs at sample_rate=16000 and hop_s=0.01, got "
                f"{obj.sample_rate} and {obj.hop_s}; inputs at other rates are resampled"
            )
        if not 0 < obj.min_input_rate <= obj.max_input_rate:
            bad(
                f"need 0 < min_input_rate <= max_input_rate, got {obj.min_input_rate} and "
                f"{obj.max_input_rate} (the defaults accept 8000 to 192000 Hz)"
            )
    elif isinstance(obj, BaselineConfig):
        if not (obj.adapt_s >= 0.0 and obj.adapt_pitch_band_st >= 0.0
                and obj.adapt_loudness_band_db >= 0.0):
            bad(
                f"need adapt_s >= 0 (0 = off) and adapt_pitch_band_st, adapt_loudness_band_db "
                f">= 0 (0: that reference stays the profile's), got {obj.adapt_s}, "
                f"{obj.adapt_pitch_band_st}, {obj.adapt_loudness_band_db}"
            )
        if obj.pitch_track not in ("settled", "live"):
            bad(
                f"pitch_track must be \"settled\" or \"live\", got {obj.pitch_track!r} "
                f"(\"live\", the default, is the display's pitch)"
            )
    elif isinstance(obj, PitchConfig):
        if not 30.0 <= obj.fmin_hz < obj.fmax_hz <= 1000.0:
            bad(
                f"need 30 <= fmin_hz < fmax_hz <= 1000, got fmin_hz={obj.fmin_hz}, "
                f"fmax_hz={obj.fmax_hz}"
            )
        if not 0.0 <= obj.octave_bias < 1.0:
            bad(f"octave_bias must be in [0, 1), got {obj.octave_bias}")
        if obj.harmonic_check not in HARMONIC_CHECK_MODES:
            bad(
                f"harmonic_check must be one of {', '.join(map(repr, HARMONIC_CHECK_MODES))}, "
                f"got {obj.harmonic_check!r} (\"auto\", the default, checks telephone-rate "
                f"sources)"
            )
        if not (0.0 <= obj.band_scan_s <= 3600.0 and -200.0 < obj.telephone_band_db < 0.0):
            bad(
                f"need band_scan_s in [0, 3600] s and telephone_band_db in (-200, 0) dB, got "
                f"{obj.band_scan_s}, {obj.telephone_band_db} (the defaults: 60, -35)"
            )
        if not (0.0 < obj.harmonic_weight <= 1.0
                and 0.0 < obj.harmonic_low_hz < obj.harmonic_high_hz < 8000.0
                and 3 <= obj.harmonic_fir_taps <= 4001 and obj.harmonic_fir_taps % 2 == 1):
            bad(
                f"need harmonic_weight in (0, 1], 0 < harmonic_low_hz < harmonic_high_hz "
                f"< 8000 and an odd harmonic_fir_taps in 3..4001, got {obj.harmonic_weight}, "
                f"{obj.harmonic_low_hz}, {obj.harmonic_high_hz}, {obj.harmonic_fir_taps} "
                f"(the defaults: 0.3, 50, 600, 161)"
            )
        if not 0.0 < obj.max_aperiodicity <= obj.hold_aperiodicity < 2.0:
            bad(
                f"need 0 < max_aperiodicity <= hold_aperiodicity < 2, got "
                f"{obj.max_aperiodicity} and {obj.hold_aperiodicity}"
            )
        if not 0.005 <= obj.window_s <= 0.1:
            bad(f"window_s must be in [0.005, 0.1] s, got {obj.window_s}")
        if not 1 <= obj.path_candidates <= 20:
            bad(f"path_candidates must be an integer in [1, 20], got {obj.path_candidates}")
        if not 0.0 <= obj.path_octave_bias < 1.0:
            bad(f"path_octave_bias must be in [0, 1), got {obj.path_octave_bias}")
        if not 0.0 <= obj.path_lookahead_s <= 0.1:
            bad(f"path_lookahead_s must be in [0, 0.1] s, got {obj.path_lookahead_s}")
        if obj.jump_cost < 0.0 or obj.path_cost_cap <= 0.0:
            bad(
                f"need jump_cost >= 0 and path_cost_cap > 0, got {obj.jump_cost} and "
                f"{obj.path_cost_cap}"
            )
        if not 0.0 <= obj.settled_lookahead_s <= 0.5:
            bad(f"settled_lookahead_s must be in [0, 0.5] s, got {obj.settled_lookahead_s}")
        if obj.settled_jump_cost < 0.0 or obj.settled_cost_cap <= 0.0:
            bad(
                f"need settled_jump_cost >= 0 and settled_cost_cap > 0, got "
                f"{obj.settled_jump_cost} and {obj.settled_cost_cap}"
            )
    elif isinstance(obj, VadConfig):
        if obj.backend not in ("webrtc", "silero"):
            bad(f"backend must be 'webrtc' or 'silero', got {obj.backend!r}")
        if not 0.0 < obj.silero_hold_threshold <= obj.silero_threshold < 1.0:
            bad(
                f"need 0 < silero_hold_threshold <= silero_threshold < 1, got "
                f"{obj.silero_hold_threshold} and {obj.silero_threshold}"
            )
        if not 0.0 < obj.double_talk_start_threshold <= 1.0:
            bad(
                f"double_talk_start_threshold must be in (0, 1] (1 = the double-talk hold "
                f"never starts speech), got {obj.double_talk_start_threshold}"
            )
        if not 0.0 <= obj.double_talk_start_aec_threshold <= 1.0:
            bad(
                f"double_talk_start_aec_threshold must be in [0, 1], got "
                f"{obj.double_talk_start_aec_threshold}"
            )
        if not 0.0 <= obj.double_talk_start_near_aec_threshold <= 1.0:
            bad(f"double_talk_start_near_aec_threshold must be in [0, 1], got "
                f"{obj.double_talk_start_near_aec_threshold}")
        if not 0.0 <= obj.double_talk_start_near_margin_db <= obj.double_talk_start_margin_db:
            bad(f"need 0 <= double_talk_start_near_margin_db <= double_talk_start_margin_db (0 = "
                f"off), got {obj.double_talk_start_near_margin_db} and "
                f"{obj.double_talk_start_margin_db}")
        if not 0.0 <= obj.double_talk_keep_threshold <= 1.0:
            bad(f"double_talk_keep_threshold must be in [0, 1] (0 = no Silero condition), got "
                f"{obj.double_talk_keep_threshold}")
        if not 0.0 <= obj.double_talk_start_margin_db <= obj.double_talk_keep_margin_db:
            bad(f"need 0 <= double_talk_start_margin_db <= double_talk_keep_margin_db, got "
                f"{obj.double_talk_start_margin_db} and {obj.double_talk_keep_margin_db}")
        if not 0.0 <= obj.double_talk_keep_level_margin_db <= obj.double_talk_keep_margin_db:
            bad(f"need 0 <= double_talk_keep_level_margin_db <= double_talk_keep_margin_db (0 = "
                f"off), got {obj.double_talk_keep_level_margin_db} and "
                f"{obj.double_talk_keep_margin_db}")
        if obj.webrtc_mode not in (0, 1, 2, 3):
            bad(f"webrtc_mode must be 0, 1, 2 or 3, got {obj.webrtc_mode}")
        if obj.onset_s < 0 or obj.hangover_s < 0:
            bad("onset_s and hangover_s must be >= 0")
        if (obj.own_level_quiet_db < 0 or obj.own_level_quiet_max_db < 0
                or obj.own_level_quiet_s <= 0):
            bad(f"own_level_quiet_db (0 = off) and own_level_quiet_max_db must be >= 0 dB and "
                f"own_level_quiet_s > 0 s, got {obj.own_level_quiet_db}, "
                f"{obj.own_level_quiet_max_db} and {obj.own_level_quiet_s}")
        if obj.own_level_steady_db < 0 or obj.own_level_steady_far_s < 0:
            bad(f"own_level_steady_db (0 = off) and own_level_steady_far_s must be >= 0, got "
                f"{obj.own_level_steady_db} dB and {obj.own_level_steady_far_s} s")
    elif isinstance(obj, EchoConfig):
        if not 0.0 < obj.echo_corr_off <= obj.echo_corr_on <= 1.0:
            bad(
                f"need 0 < echo_corr_off <= echo_corr_on <= 1, got {obj.echo_corr_off} and "
                f"{obj.echo_corr_on}"
            )
        if obj.bypass_after_s <= 0 or obj.erle_smooth_s <= 0:
            bad("bypass_after_s and erle_smooth_s must be > 0 s")
        if obj.no_echo_min_far_s < 0:
            bad(f"no_echo_min_far_s must be >= 0 s, got {obj.no_echo_min_far_s}")
        if not 0.0 <= obj.echo_corr_coherence_min < 1.0:
            bad(f"echo_corr_coherence_min must be in [0, 1) (0 = off), got "
                f"{obj.echo_corr_coherence_min}")
        if obj.double_talk_tail_s < obj.double_talk_filter_s:
            bad(f"double_talk_tail_s must be at least double_talk_filter_s (the echo path the "
                f"hold's canceller models), got {obj.double_talk_tail_s} < "
                f"{obj.double_talk_filter_s}")
        if obj.linear_check_db < 0:
            bad(f"linear_check_db must be >= 0 dB (0 = off), got {obj.linear_check_db}")
        if not 0.0 <= obj.echo_linear_share <= 1.0:
            bad(f"echo_linear_share must be in [0, 1] (0 = off), got {obj.echo_linear_share}")
        if (obj.echo_linear_db <= 0 or obj.echo_linear_smooth_s <= 0
                or obj.echo_linear_max_far_s < 0):
            bad(f"echo_linear_db and echo_linear_smooth_s must be > 0 and "
                f"echo_linear_max_far_s >= 0 s, got {obj.echo_linear_db}, "
                f"{obj.echo_linear_smooth_s} and {obj.echo_linear_max_far_s}")
        if obj.coherence_smooth_s < 0 or obj.coherence_min_s < 0 or obj.coherence_max_far_s < 0:
            bad(f"coherence_smooth_s (0 = off), coherence_min_s and coherence_max_far_s must be "
                f">= 0 s, got {obj.coherence_smooth_s}, {obj.coherence_min_s} and "
                f"{obj.coherence_max_far_s}")
        if not 0.0 <= obj.echo_coherence_min <= obj.echo_coherence_max <= 1.0:
            bad(f"echo_coherence_min and echo_coherence_max must satisfy 0 <= min <= max <= 1 "
                f"(echo_coherence_min = 0: off), got {obj.echo_coherence_min} and "
                f"{obj.echo_coherence_max}")
        if obj.echo_coherence_min_s < obj.coherence_min_s:
            bad(f"echo_coherence_min_s must be at least coherence_min_s (the coherence is "
                f"unknown before), got {obj.echo_coherence_min_s} < {obj.coherence_min_s}")
        if not 0.01 <= obj.double_talk_filter_s <= 0.5:
            bad(f"double_talk_filter_s must be in [0.01, 0.5] s (the echo path's delay plus "
                f"its tail), got {obj.double_talk_filter_s}")
    elif isinstance(obj, SyllableConfig):
        if not 0.5 <= obj.window_s <= 30.0:
            bad(f"window_s must be in [0.5, 30] s, got {obj.window_s}")
        if not 0.0 <= obj.lookahead_s <= 0.1:
            bad(f"lookahead_s must be in [0, 0.1] s (the stated lookahead), got {obj.lookahead_s}")
    elif isinstance(obj, ConversationConfig):
        for name in ("min_overlap_s", "turn_gap_s", "retract_gap_s", "bleed_window_s",
                     "bleed_update_s", "speech_onset_s", "speech_hangover_s"):
            if getattr(obj, name) <= 0:
                bad(f"{name} must be > 0 s, got {getattr(obj, name)}")
        for name in ("backchannel_max_s", "turn_end_s", "simultaneous_start_s",
                     "decision_bridge_s", "jump_in_s", "mutual_silence_s", "far_delay_s",
                     "bleed_max_delay_s", "bleed_min_active_s", "far_onset_backtrack_s",
                     "far_onset_backtrack_gap_s", "agent_onset_pad_s", "agent_onset_backtrack_s",
                     "far_intrusion_join_s", "double_talk_hangover_s",
                     "double_talk_hangover_after_s", "double_talk_hangover_mic_db"):
            if getattr(obj, name) < 0:
                bad(f"{name} must be >= 0 s, got {getattr(obj, name)}")
        if not 0.0 <= obj.bleed_copy_coherence_min <= 1.0:
            bad(f"bleed_copy_coherence_min must be in [0, 1] (0 = off), got "
                f"{obj.bleed_copy_coherence_min}")
        if obj.bleed_window_s < 2 * obj.bleed_max_delay_s:
            bad(f"bleed_window_s ({obj.bleed_window_s} s) must be at least twice "
                f"bleed_max_delay_s ({obj.bleed_max_delay_s} s); lengthen the window")
    elif isinstance(obj, CoachConfig):
        if obj.lang not in ("fr", "en"):
            bad(f"lang must be 'fr' or 'en', got {obj.lang!r}")
        if not obj.episode_gap_s >= 0.0:
            bad(f"episode_gap_s must be >= 0 s (0: off), got {obj.episode_gap_s}")
        if not (obj.incall_s >= 0.0 and obj.incall_lag_s >= 0.0 and obj.incall_min_s >= 0.0):
            bad(
                f"need incall_s >= 0 (0 = off), incall_lag_s >= 0 and incall_min_s >= 0, got "
                f"{obj.incall_s}, {obj.incall_lag_s}, {obj.incall_min_s}"
            )
        steps = (obj.repeat_pitch_st, obj.repeat_rate_pct, obj.repeat_loudness_db)
        if not (obj.repeat_window_s >= 0.0 and all(x >= 0.0 for x in steps)):
            bad(
                f"need repeat_window_s >= 0 s (0 = off) and repeat_pitch_st, repeat_rate_pct, "
                f"repeat_loudness_db >= 0 (the rule's unit), got {obj.repeat_window_s}, "
                f"{', '.join(str(x) for x in steps)}"
            )
    elif isinstance(obj, LiveConfig):
        if obj.display not in DISPLAY_KINDS:
            bad(f"display must be auto, compact, window, terminal or none, got {obj.display!r}")
        if obj.far_backend not in ("auto", "sounddevice", "soundcard"):
            bad(f"far_backend must be 'auto', 'sounddevice' or 'soundcard', "
                f"got {obj.far_backend!r}")
        if not obj.replay_speed > 0:
            bad(f"replay_speed must be > 0 (inf: as fast as possible), got {obj.replay_speed}")
    elif isinstance(obj, SetupConfig):
        if not obj.levels_s > 0 or not obj.meter_fps > 0 or not obj.heard_s >= 0:
            bad(f"need levels_s > 0, meter_fps > 0 and heard_s >= 0, got {obj.levels_s}, "
                f"{obj.meter_fps} and {obj.heard_s}")
        if not obj.meter_floor_db < obj.heard_db <= 0:
            bad(f"need meter_floor_db < heard_db <= 0 dBFS, got {obj.meter_floor_db} and "
                f"{obj.heard_db}")
    elif isinstance(obj, ReviewConfig):
        if obj.agent_channel not in (0, 1):
            bad(f"agent_channel must be 0 or 1, got {obj.agent_channel}")
        if obj.jobs < 1:
            bad(f"jobs must be >= 1, got {obj.jobs}")
        if obj.audio_copy not in ("ogg", "flac", "link", "none"):
            bad(f"audio_copy must be ogg, flac, link or none, got {obj.audio_copy!r}")
    elif isinstance(obj, MonoConfig):
        if obj.agent not in ("first", "second"):
            bad(f"agent must be 'first' or 'second', got {obj.agent!r}")
        if obj.voices not in ("detect", "two"):
            bad(f"voices must be \"detect\" (the detector decides) or \"two\" (every mono "
                f"call holds two voices), got {obj.voices!r}")
        if not (isinstance(obj.interruptions, bool) or obj.interruptions == "auto"):
            bad(
                f"interruptions must be true, false or \"auto\" (wideband calls only), got "
                f"{obj.interruptions!r}"
            )
        if not 0 < obj.fmin_hz < obj.fmax_hz <= 4000:
            bad(f"need 0 < fmin_hz < fmax_hz <= 4000, got {obj.fmin_hz}, {obj.fmax_hz}")
        if not 1 <= obj.n_ceps <= 23:
            bad(f"n_ceps must be 1..23, got {obj.n_ceps}")
        if obj.components < 1 or obj.agent_components < 1 or obj.iterations < 1:
            bad("components, agent_components and iterations must be >= 1")
        if not 0 < obj.customer_init_quantile < 1 or not 0 <= obj.min_share < 0.5:
            bad("need 0 < customer_init_quantile < 1 and 0 <= min_share < 0.5")
        if obj.starts < 1 or obj.pitch_clip_sd <= 0 or obj.first_speech_s <= 0:
            bad(f"need starts >= 1, pitch_clip_sd > 0 and first_speech_s > 0, got "
                f"{obj.starts}, {obj.pitch_clip_sd}, {obj.first_speech_s}")
        if not 0.5 <= obj.first_sure <= 1:
            bad(f"first_sure must be 0.5..1, got {obj.first_sure}")
        if not (obj.embedding_weight >= 0 and obj.embedding_min_s >= 0):
            bad(f"need embedding_weight >= 0 (0 = off) and embedding_min_s >= 0 s, got "
                f"{obj.embedding_weight} and {obj.embedding_min_s}")
        if not 0 <= obj.interruption_min_confidence <= 1:
            bad(f"interruption_min_confidence must be 0..1, got "
                f"{obj.interruption_min_confidence}")
        if obj.interruption_window_s < 0.5 or obj.interruption_max_gap_s < 0:
            bad(f"need interruption_window_s >= 0.5 and interruption_max_gap_s >= 0, got "
                f"{obj.interruption_window_s} and {obj.interruption_max_gap_s}")
    elif isinstance(obj, AnalyzeConfig) and obj.format not in ("csv", "json"):
        bad(f"format must be 'csv' or 'json', got {obj.format!r}")


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    user: bool = False,
) -> Config:
    """Load the configuration.

    Parameters
    ----------
    path : path-like, optional
        A user TOML file whose keys override the defaults. Any subset of keys may be given.
    overrides : dict, optional
        Nested dict of further overrides, applied after ``path``.
    user : bool
        Apply the user configuration file (:func:`user_config_path`, when it exists) on top
        of the defaults, before ``path``. The command line does; the library does not
        unless asked, so that a program's results do not depend on the user's file.

    Returns
    -------
    Config
        The frozen configuration.

    Raises
    ------
    ConfigError
        For a missing or invalid file, an unknown key (with a suggestion) or a bad value.
    """
    data = _defaults()
    if user:
        up = user_config_path()
        if up.exists():  # a folder there is an error, not "no user configuration"
            try:
                data = _merge(data, _read_toml(up))
                _build(Config, data, "")
            except ConfigError as e:
                raise ConfigError(
                    f"user configuration {str(up)!r}: {e}; fix it, or delete it and run "
                    f"voicecoach setup again"
                ) from None
    if path is not None:
        data = _merge(data, _read_toml(Path(path)))
    if overrides:
        data = _merge(data, overrides)
    return _build(Config, data, "")
