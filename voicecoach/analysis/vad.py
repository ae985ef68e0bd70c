"""Voice-activity decision: a frame classifier, a noise-floor gate, and hysteresis.

Raw decision per 10 ms hop
    * ``webrtc`` backend: webrtcvad (mode ``webrtc_mode``) **and** the hop level at least
      ``snr_margin_db`` above the adaptive noise floor. webrtcvad alone marks nearly every
      hop as speech at 10 dB SNR; the floor gate removes the pauses, whose level sits on the
      floor. With ``require_voicing`` a segment can only start on a hop the pitch tracker
      calls voiced, which rejects non-stationary noise (pink noise, clicks) that webrtcvad
      and the floor gate let through. Once in speech, the laxer ``keep_margin_db`` holds
      it (a Schmitt trigger), so decaying syllable tails and short consonant gaps stay
      speech.
    * ``silero`` backend (the default): the Silero VAD v5 probability (ONNX, no torch) at
      least ``silero_threshold`` to start and ``silero_hold_threshold`` to hold, **and** a
      level condition, because the network is level-blind (it calls a residual echo or a
      distant voice at -60 dBFS speech): to start, the hop ``snr_margin_db`` above the noise
      floor and at least ``min_level_db``; to hold, ``keep_margin_db`` above the floor and at
      least ``min_level_db - keep_level_drop_db``; and near the speaker's own level
      (:class:`SpeakerLevelGate`: within ``own_level_margin_db`` of the average level of its
      speech so far), so that babble, a colleague or a leaking far end 20 dB under the
      speaker is not speech. It holds real voices in noise far better
      than webrtcvad (see the README's real-voice conversation figures). When onnxruntime or
      the silero-vad wheel is missing, a :class:`~voicecoach.errors.VadBackendUnavailable`
      warning names what to install and the webrtc backend is used.

Double-talk hold (silero backend, the agent microphone behind an echo canceller)
    On the hops whose signal is AEC3's output (speaker-level gate 0), the pipeline may give a
    second signal, the milder speexdsp canceller's output (see
    :mod:`voicecoach.analysis.echo`). It never *starts* speech. Speech that AEC3's output
    started is *held* on a hop where that signal passes the hold's level conditions
    (``keep_margin_db`` over its own noise floor, at least ``min_level_db -
    keep_level_drop_db``, and within ``double_talk_keep_margin_db`` (36 dB) of the
    speaker's level) and, with ``double_talk_keep_threshold`` over 0 (0.7) and the
    hold's Silero running (below), Silero on it reaches that threshold, **or** it passes
    those level conditions within ``double_talk_keep_level_margin_db`` (0 = off, the
    default; e.g. 22 dB, the hold's first rule, no Silero condition): the union of the two
    rules, so that neither cuts what the other holds. Off by default: on the test split it
    also held on the residual echo after a false early-call agent segment (README, *The
    double-talk hold's two keep rules*): a Schmitt trigger
    across the two signals, the start on AEC3's output (Silero and every level
    condition), the hold on the milder one's level and Silero. AEC3's suppressor sinks the
    agent's voice 13-40 dB during double talk over a loud echo; the milder canceller keeps
    it (a near end 10 dB under the echo 20-25 dB under its own level: hence the wide
    margin), and its louder residual echo cannot open a segment alone, nor hold one where
    Silero on it does not hear speech.

    With ``double_talk_start_threshold`` under 1, the milder signal may also *start* speech
    on those hops, when Silero on it reaches that threshold (a second network, fed the gate
    0 hops only, in order), its level passes the start's level conditions (``snr_margin_db``
    over its own floor, at least ``min_level_db``, within ``double_talk_start_margin_db``
    (14 dB, as ``own_level_margin_db``) of the speaker's level) **and** Silero on AEC3's
    own output is at least ``double_talk_start_aec_threshold`` (0.1): where AEC3's
    suppressor sank an agent's onset, its output still hints at the voice (Silero
    0.1-0.4), while on the echo alone it reads under 0.06 at p90 even where Silero on the
    milder signal's residual echo reaches 0.5.
    Without that guard the milder signal's residual echo opened agent segments (measured:
    see the README's double-talk hold). Where the milder signal holds the agent's full
    voice, within ``double_talk_start_near_margin_db`` (4 dB) of the speaker's level, a
    laxer guard applies, ``double_talk_start_near_aec_threshold`` (0.02): AEC3's suppressor
    sinks the first syllables of an agent who talks over the customer, and Silero on its
    output can stay under the strict guard there, while the milder signal's residual echo
    (the echo alone about 15 dB down in it) rarely comes that close to the agent's own level
    (held-out msa pairs: see the README's *Onsets under the suppressor*).

Hysteresis
    A segment starts once the start decision has held for ``onset_s`` and ends after
    ``hangover_s`` without the hold decision. Both are causal: the decision for hop ``k``
    uses hops up to ``k`` only, so onsets are reported ``onset_s`` late and offsets
    ``hangover_s`` late.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from ..config import NoiseFloorConfig, VadConfig
from ..errors import ParameterError, VadBackendUnavailable
from .loudness import NoiseFloor, hop_loudness_db

__all__ = ["Hysteresis", "SpeakerLevelGate", "SpeechDetector"]


class Hysteresis:
    """Onset/hangover smoothing of a boolean per-hop decision.

    Parameters
    ----------
    onset_hops : int
        Consecutive true hops needed to switch on (>= 1).
    hangover_hops : int
        Consecutive false hops needed to switch off (>= 1).
    """

    def __init__(self, onset_hops: int, hangover_hops: int) -> None:
        self.onset_hops = max(1, int(onset_hops))
        self.hangover_hops = max(1, int(hangover_hops))
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state (off)."""
        self._on = False
        self._run = 0
        #: The Schmitt-trigger decision of the last block (``keep`` while on, else ``start``).
        self.last_raw = np.empty(0, bool)

    def process(self, start: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """Smooth a block of raw decisions.

        Parameters
        ----------
        start : np.ndarray, shape (n_hops,), bool
            Raw decision that can switch the output on.
        keep : np.ndarray, shape (n_hops,), bool, optional
            Laxer decision that holds it on (default: ``start``). A Schmitt trigger.

        Returns
        -------
        np.ndarray, shape (n_hops,), bool
        """
        s = start.tolist()
        raw, out = self.run(s, s if keep is None else keep.tolist())
        self.last_raw = np.array(raw, bool)
        return np.array(out, bool)

    def run(self, start: list[bool], keep: list[bool]) -> tuple[list[bool], list[bool]]:
        """:meth:`process` on lists (the detector's own path); :attr:`last_raw` is left to
        the caller.

        Parameters
        ----------
        start, keep : list of bool
            One value per hop, as :meth:`process`'s (``keep`` given).

        Returns
        -------
        raw : list of bool
            The Schmitt trigger's decision per hop (``keep`` while on, else ``start``).
        out : list of bool
            The smoothed decision per hop.
        """
        raw = [False] * len(start)
        out = [False] * len(start)
        on, run = self._on, self._run
        need_on, need_off = self.onset_hops, self.hangover_hops
        for i, (s, k) in enumerate(zip(start, keep, strict=True)):
            r = k if on else s
            raw[i] = r
            if r != on:
                run += 1
                if run >= (need_off if on else need_on):
                    on, run = not on, 0
            else:
                run = 0
            out[i] = on
        self._on, self._run = on, run
        return raw, out


class SpeakerLevelGate:
    """Keep only hops near the channel's own speech level (the Silero backend's level gate).

    A background voice 20 dB under the speaker (babble, a colleague, a residual echo, a
    leaking far end) is speech to a neural VAD. This gate tracks the loud end of the
    speaker's speech (a peak follower in dB over the hops the VAD calls speech: it rises
    to a louder hop within about 0.1 s and decays with time constant ``own_level_s`` over
    the hops it accepts, with ``own_level_rejected_s`` over those it rejects, so a speaker
    who becomes quieter is followed) and lets a hop start speech only within
    ``own_level_margin_db`` of it, and hold it within ``own_level_margin_db +
    own_level_keep_db``. It starts from
    ``own_level_init_db``, a typical speech level, so a background voice before the speaker
    has said anything is not taken for them. It runs hop by hop, in order, so it does not
    depend on how the stream is cut into blocks.

    On a telephone-band channel (``telephone``) with ``own_level_quiet_db`` > 0, the gate
    also follows the background: the mean level in dB (time constant
    ``own_level_quiet_s``, starting at ``own_level_init_db``) of the hops it does not keep.
    Where that background lies far under the speaker, both margins widen by the room
    between ``own_level_margin_db`` under the speaker's loud end and ``own_level_quiet_db``
    over the background, at most ``own_level_quiet_max_db``. A line sinks a voice's soft
    consonants and word ends further under its loud vowels, and over a quiet background
    there is nothing at that level that could be taken for them; over noise or babble 20 dB
    under the speaker the margins stay as they are.

    With ``own_level_steady_db`` > 0 (telephone band too) the gate also follows how far the
    hops it does not keep lie over the noise floor (their mean excess in dB, same time
    constant, starting at 20 dB). While that excess is under ``own_level_steady_db`` the
    background is a steady noise, which holds nothing that could be taken for the speaker's
    soft sounds, and both margins widen by ``own_level_quiet_max_db``; a babble or a
    leaking voice rises and falls well over the floor and leaves them as they are.

    Parameters
    ----------
    config : VadConfig
    hop_s : float
        Hop duration, s.
    telephone : bool, optional
        The channel carries telephone-band audio (the pitch tracker's harmonic check is on):
        the quiet-background widening applies.
    """

    _RISE_S = 0.1
    _STEADY_INIT_DB = 20.0

    def __init__(self, config: VadConfig, hop_s: float, telephone: bool = False) -> None:
        self.margin_db = float(config.own_level_margin_db)
        self.keep_margin_db = float(config.own_level_margin_db + config.own_level_keep_db)
        self.hold_margin_db = float(config.double_talk_start_margin_db)
        self.hold_keep_margin_db = float(config.double_talk_keep_margin_db)
        self.hold_level_margin_db = float(config.double_talk_keep_level_margin_db)
        self.hold_near_margin_db = float(config.double_talk_start_near_margin_db)
        self.up = min(1.0, hop_s / self._RISE_S)
        self.down = min(1.0, hop_s / max(config.own_level_s, hop_s))
        self.down_rejected = min(1.0, hop_s / max(config.own_level_rejected_s, hop_s))
        self.init_db = float(config.own_level_init_db)
        self.quiet_db = float(config.own_level_quiet_db)
        self.quiet_max_db = float(config.own_level_quiet_max_db)
        self.quiet_a = min(1.0, hop_s / max(config.own_level_quiet_s, hop_s))
        self.steady_db = float(config.own_level_steady_db)
        self.telephone = bool(telephone)
        self.reset()

    @property
    def quiet(self) -> bool:
        """Whether the quiet-background widening applies (telephone band, setting on)."""
        return self.telephone and self.quiet_db > 0.0 and self.quiet_max_db > 0.0

    @property
    def steady(self) -> bool:
        """Whether the steady-background widening applies (telephone band, setting on)."""
        return self.telephone and self.steady_db > 0.0 and self.quiet_max_db > 0.0

    def reset(self) -> None:
        """Forget the speaker's level (and the background's)."""
        self.own_db = self.init_db
        self.background_db = self.init_db
        self.background_excess_db = self._STEADY_INIT_DB

    def process(
        self,
        start: np.ndarray,
        keep: np.ndarray,
        level_db: np.ndarray,
        gate: np.ndarray | None = None,
        hold: np.ndarray | None = None,
        hold_db: np.ndarray | None = None,
        hold_start: np.ndarray | None = None,
        hold_level: np.ndarray | None = None,
        hold_start_near: np.ndarray | None = None,
        floor_db: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gate a block of raw ``start`` and ``keep`` decisions, shape (n_hops,) bool each.

        ``gate`` (shape (n_hops,), int8, default all 2) says per hop: 2 gate the hop and
        learn the speaker's level from it, 1 gate it without learning (an agent microphone
        still carrying uncancelled echo must not teach it the echo's level), 0 pass it
        ungated (an echo canceller's output, whose suppressor lowers the agent's own voice
        by 10-40 dB during double talk), 3 as 2 but without the steady-background widening
        (the far end spoke within ``own_level_steady_far_s``: a leak of it may be there);
        only 2 hops widen over a steady background.

        ``hold`` and ``hold_db`` (shape (n_hops,), bool and dBFS, optional): on the gate 0
        hops, a second signal's hold decision and level (the double-talk hold, see the
        module notes); such a hop also keeps speech when ``hold`` is true and ``hold_db``
        is within ``double_talk_keep_margin_db`` of the speaker's level. ``hold_start``
        (shape (n_hops,), bool, optional): on those hops, the second signal's start
        decision, which starts speech within ``double_talk_start_margin_db`` of it.
        ``hold_level`` (shape (n_hops,), bool, optional): on those hops, the second
        signal's hold decision on its level conditions alone (no Silero condition), which
        also keeps speech within ``double_talk_keep_level_margin_db`` of it (0: never).
        ``hold_start_near`` (shape (n_hops,), bool, optional): on those hops, the second
        signal's start decision under the laxer guard, which starts speech within
        ``double_talk_start_near_margin_db`` of it (0: never).

        Parameters
        ----------
        start, keep : np.ndarray, shape (n_hops,), bool
            The raw decisions to gate.
        level_db : np.ndarray, shape (n_hops,)
            Each hop's level, dBFS (compared with the learnt speaker level ``own_db``).
        gate, hold, hold_db, hold_start, hold_level, hold_start_near : np.ndarray, optional
            Shape (n_hops,) each, as described above (``hold_db`` in dBFS).
        floor_db : np.ndarray, shape (n_hops,), optional
            The noise floor after each hop, dBFS (the steady-background widening reads it;
            without it that widening is off).

        Returns
        -------
        start, keep : np.ndarray, shape (n_hops,), bool
            The gated decisions (updates ``own_db``).
        """
        hlm = self.hold_level_margin_db
        hnm = self.hold_near_margin_db
        s_out, k_out = self.run(
            start.tolist(), keep.tolist(), level_db.tolist(),
            None if gate is None else gate.tolist(),
            None if hold is None or hold_db is None else hold.tolist(),
            None if hold_db is None else hold_db.tolist(),
            None if hold_start is None or hold_db is None else hold_start.tolist(),
            (None if hold_level is None or hold_db is None or hlm <= 0.0
             else hold_level.tolist()),
            (None if hold_start_near is None or hold_db is None or hnm <= 0.0
             else hold_start_near.tolist()),
            None if floor_db is None else floor_db.tolist(),
        )
        return np.array(s_out, bool), np.array(k_out, bool)

    def run(
        self,
        start: list[bool],
        keep: list[bool],
        level_db: list[float],
        gate: list[int] | None = None,
        hold: list[bool] | None = None,
        hold_db: list[float] | None = None,
        hold_start: list[bool] | None = None,
        hold_level: list[bool] | None = None,
        hold_start_near: list[bool] | None = None,
        floor_db: list[float] | None = None,
    ) -> tuple[list[bool], list[bool]]:
        """:meth:`process` on lists (the detector's own path).

        Parameters
        ----------
        start, keep : list of bool
            The raw decisions to gate, one per hop.
        level_db : list of float
            Each hop's level, dBFS.
        gate : list of int, optional
            As :meth:`process`'s; None: 2 for every hop.
        hold, hold_db, hold_start, hold_level, hold_start_near : list, optional
            As :meth:`process`'s; None: that input is missing (no hold input is read
            without ``hold_db``, nor ``hold_level`` when ``double_talk_keep_level_margin_db``
            is 0, nor ``hold_start_near`` when ``double_talk_start_near_margin_db`` is 0).
        floor_db : list of float, optional
            The noise floor after each hop, dBFS; None: the steady-background widening is off.

        Returns
        -------
        start, keep : list of bool
            The gated decisions (updates ``own_db``).
        """
        n = len(start)
        s_out = [False] * n
        k_out = [False] * n
        own, m, km = self.own_db, self.margin_db, self.keep_margin_db
        hm, hkm = self.hold_margin_db, self.hold_keep_margin_db
        hlm, hnm = self.hold_level_margin_db, self.hold_near_margin_db
        up, down, down_r = self.up, self.down, self.down_rejected
        no = [False] * n
        gate_l = [2] * n if gate is None else gate
        hold_l = no if hold is None or hold_db is None else hold
        hold_db_l = no if hold_db is None else hold_db
        hs_l = no if hold_start is None or hold_db is None else hold_start
        hv_l = no if hold_level is None or hold_db is None or hlm <= 0.0 else hold_level
        hn_l = (no if hold_start_near is None or hold_db is None or hnm <= 0.0
                else hold_start_near)
        quiet = self.quiet
        steady = self.steady and floor_db is not None
        wide = quiet or steady
        fl_l = floor_db if steady else level_db
        bg, qd, qmax, qa = self.background_db, self.quiet_db, self.quiet_max_db, self.quiet_a
        ex, sd = self.background_excess_db, self.steady_db
        for i, (st, kp, lv, g, hk, hl, hs, hv, hn, fl) in enumerate(
            zip(start, keep, level_db, gate_l, hold_l, hold_db_l, hs_l, hv_l, hn_l, fl_l,
                strict=True)
        ):
            if not g:
                s_out[i] = st or (hs and hl >= own - hm) or (hn and hl >= own - hnm)
                k_out[i] = kp or (hk and hl >= own - hkm) or (hv and hl >= own - hlm)
                continue
            ok_s = st and lv >= own - m
            if wide:
                w = 0.0
                if quiet:
                    # the room between the margin under the speaker and quiet_db over the
                    # background
                    w = own - m - bg - qd
                    w = 0.0 if w < 0.0 else qmax if w > qmax else w
                ws = w
                if steady and ex < sd and g >= 2:
                    # a steady background: nothing in it sounds like the speaker; a start
                    # only where no leak of the far end can be there (gate 2, not 3)
                    w = qmax
                    if g == 2:
                        ws = qmax
                s_out[i] = st and lv >= own - m - ws
                ok_k = kp and lv >= own - km - w
                if not ok_k:
                    bg += qa * (lv - bg)
                    if steady and fl == fl:
                        ex += qa * (lv - fl - ex)
            else:
                s_out[i] = ok_s
                ok_k = kp and lv >= own - km
            if st and g >= 2:
                own += (up if lv > own else down if ok_s else down_r) * (lv - own)
            k_out[i] = ok_k
        self.own_db = own
        self.background_db = bg
        self.background_excess_db = ex
        return s_out, k_out


class SpeechDetector:
    """Per-hop speech decision for one channel.

    Parameters
    ----------
    config : VadConfig
    sample_rate : int
        16000 in the analysis core.
    hop_size : int
        160 samples (10 ms).
    noise_floor : NoiseFloorConfig, optional
        The noise-floor settings of the double-talk hold's signal (needed to give
        :meth:`raw` a ``hold`` signal).
    telephone : bool, optional
        The channel carries telephone-band audio: the speaker-level gate's quiet-background
        widening applies (see :class:`SpeakerLevelGate`).
    """

    def __init__(
        self,
        config: VadConfig,
        sample_rate: int,
        hop_size: int,
        noise_floor: NoiseFloorConfig | None = None,
        telephone: bool = False,
    ) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        hop_s = hop_size / sample_rate
        # the double-talk hold's own noise floor (over the hold signal's gate 0 hops)
        self._hold_floor = None if noise_floor is None else NoiseFloor(noise_floor, hop_s)
        self._hyst = Hysteresis(round(config.onset_s / hop_s), round(config.hangover_s / hop_s))
        self._own = SpeakerLevelGate(config, hop_s, telephone)
        self._hold_silero = None  # Silero on the double-talk hold's signal (it may start)
        self._backend = config.backend
        # the Silero decision's thresholds as the float32 comparisons of the block path
        # see them, for the one-hop path of :meth:`raw` (numpy scalars, not 1-row arrays)
        self._thr32 = tuple(np.float32(v) for v in (
            config.silero_threshold, config.snr_margin_db, config.min_level_db,
            config.silero_hold_threshold, config.keep_margin_db,
            config.min_level_db - config.keep_level_drop_db))
        # and the double-talk hold's (keep, start, start on AEC3's output, the same near
        # the speaker's level)
        self._hold32 = tuple(np.float32(v) for v in (
            config.double_talk_keep_threshold, config.double_talk_start_threshold,
            config.double_talk_start_aec_threshold, config.double_talk_start_near_aec_threshold))
        if config.backend == "webrtc":
            import webrtcvad

            self._webrtc = webrtcvad.Vad(config.webrtc_mode)
            self._silero = None
        elif config.backend == "silero":
            from .silero import SileroVad

            try:
                self._silero = SileroVad()
            except ParameterError as exc:  # onnxruntime or the model file is missing
                warnings.warn(
                    f"{exc} Using the webrtc VAD backend instead (weaker on real voices in "
                    f"noise); set [vad] backend = \"webrtc\" to silence this warning.",
                    VadBackendUnavailable,
                    stacklevel=3,
                )
                self._silero = None
                self._backend = "webrtc"
            import webrtcvad

            self._webrtc = webrtcvad.Vad(config.webrtc_mode) if self._silero is None else None
            if self._silero is not None and config.double_talk_start_threshold < 1.0:
                self._hold_silero = SileroVad()
        else:  # pragma: no cover - config validation rejects this first
            raise ParameterError(f"unknown VAD backend {config.backend!r}; use webrtc or silero")
        self.reset()

    def set_telephone(self, telephone: bool) -> None:
        """Say whether the channel carries telephone-band audio (between recordings).

        Parameters
        ----------
        telephone : bool
            Telephone-band audio: the speaker-level gate's quiet-background widening applies.
        """
        self._own.telephone = bool(telephone)

    @staticmethod
    def silero_batch(
        detectors: Sequence[SpeechDetector], blocks: Sequence[np.ndarray],
        gates: Sequence[np.ndarray | None] | None = None,
        holds: Sequence[np.ndarray | None] | None = None,
    ) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
        """Run the Silero networks of several detectors on their blocks in one batch.

        ``blocks`` are the analysis core's checked hops (1-D float32, finite, whole hops):
        not checked again. With ``gates`` and ``holds`` (what :meth:`process` will be given),
        a detector's double-talk hold runs its own network on its signal's gate 0 hops in the
        same batch. Returns, per detector, the probabilities to give :meth:`process` as
        ``prob`` and ``hold_prob`` (advancing the networks' states), or None where nothing
        was run here (webrtc, no hold, a hold signal :meth:`process` will refuse): the same
        values as each network running alone
        (:meth:`voicecoach.analysis.silero.SileroVad.process_many`), at a lower cost. With
        fewer than two networks to run nothing is run and every entry is None (each detector
        then runs its own in :meth:`process`).

        Parameters
        ----------
        detectors : sequence of SpeechDetector
        blocks : sequence of np.ndarray, shape (n_hops * hop_size,), float32
            One block per detector.
        gates, holds : sequence of (np.ndarray or None), optional
            Per detector, the ``gate`` (shape (n_hops,)) and ``hold`` (shape
            (n_hops * hop_size,)) it will be given.

        Returns
        -------
        prob, hold_prob : list of (np.ndarray, float32, or None)
            One entry per detector each: shape (n_hops,) for ``prob``, one value per gate 0
            hop for ``hold_prob``.
        """
        out: list[np.ndarray | None] = [None] * len(detectors)
        hout: list[np.ndarray | None] = [None] * len(detectors)
        vads, xs, slots = [], [], []
        for i, d in enumerate(detectors):
            if d._silero is None:
                continue
            vads.append(d._silero)
            xs.append(blocks[i])
            slots.append((out, i))
            if d._hold_silero is None or gates is None or holds is None:
                continue
            hh = d._hold_hops(holds[i], gates[i], blocks[i].shape[0] // d.hop_size)
            if hh is not None and hh.dtype == np.float32 and bool(np.isfinite(hh).all()):
                vads.append(d._hold_silero)
                xs.append(hh.reshape(-1))
                slots.append((hout, i))
        if len(vads) < 2:
            return out, hout
        # (SileroVad.process_many, through an instance: no import on every hop)
        probs = vads[0].process_many(vads, xs, checked=True)
        for (dest, i), p in zip(slots, probs, strict=True):
            dest[i] = p
        return out, hout

    def _hold_hops(self, hold: np.ndarray | None, gate: np.ndarray | None, n: int
                   ) -> np.ndarray | None:
        """The hold signal's gate 0 hops, shape (n_on, hop_size), on which :meth:`_hold` runs
        its floor and network (None: it runs nothing, or will refuse the signal)."""
        if hold is None or gate is None or self._hold_floor is None:
            return None
        if hold.shape != (n * self.hop_size,) or np.shape(gate) != (n,):
            return None
        if n == 1:  # a live hop: its one gate value
            return hold.reshape(1, self.hop_size) if gate.tolist()[0] == 0 else None
        on = gate == 0
        return hold.reshape(n, self.hop_size)[on] if on.any() else None

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._hyst.reset()
        self._own.reset()
        if self._webrtc is not None:
            import webrtcvad

            self._webrtc = webrtcvad.Vad(self.config.webrtc_mode)
        if self._silero is not None:
            self._silero.reset()
        if self._hold_floor is not None:
            self._hold_floor.reset()
        if self._hold_silero is not None:
            self._hold_silero.reset()

    def _hold(
        self, hold: np.ndarray | None, gate: np.ndarray | None, n: int, p: np.ndarray,
        hold_prob: np.ndarray | None = None,
    ) -> tuple[list[bool] | None, list[float] | None, list[bool] | None, list[bool] | None,
               list[bool] | None]:
        """The double-talk hold's per-hop hold decision, level, start decision (with ``p``,
        Silero on the channel's own signal, over ``double_talk_start_aec_threshold``), hold
        decision on its level conditions alone and start decision under the laxer guard
        (``p`` over ``double_talk_start_near_aec_threshold``), on the gate 0 hops (lists for
        the speaker-level gate's :meth:`SpeakerLevelGate.run`)."""
        none = None, None, None, None, None
        if hold is None or gate is None or self._silero is None:
            return none
        if self._hold_floor is None:
            raise ParameterError(
                "a double-talk hold signal needs the noise-floor settings: build the "
                "SpeechDetector with noise_floor=config.noise_floor"
            )
        if hold.shape != (n * self.hop_size,):
            raise ParameterError(
                f"the hold signal must have the block's {n * self.hop_size} samples, "
                f"got shape {hold.shape}"
            )
        if n == 1:  # a live hop: its one gate value, and the hop itself when it is 0
            if gate.tolist()[0] != 0:
                return none
            on = None
            hops = hold.reshape(1, self.hop_size)
        else:
            on = gate == 0
            if not on.any():
                return none
            # only the gate 0 hops, in order: its floor (and its Silero, when the hold may
            # start speech) runs over the canceller's output alone, whatever the block cuts
            hops = hold.reshape(n, self.hop_size)[on]
        level = hop_loudness_db(hops)
        floor = self._hold_floor.process(level)
        ph = None
        if hold_prob is not None:  # run with the channels' batch (:meth:`silero_batch`)
            ph = hold_prob
        elif self._hold_silero is not None:
            # whole hops; float32 and finite (a level is finite only when its hop is) as the
            # canceller's hold signal is: what Silero would check
            ok = hops.dtype == np.float32 and all(map(math.isfinite, level.tolist()))
            ph = self._hold_silero.process(hops.reshape(-1), checked=ok)
        c = self.config
        if n == 1 and p.dtype == np.float32:
            # one live hop: the block path's float32 comparisons on numpy scalars
            _, t_snr, t_lvl, _, t_keep, t_keep_lvl = self._thr32
            t_dtk, t_dts, t_aec, t_near = self._hold32
            lv = level[0]
            snr = lv - floor[0]
            level_ok = bool(snr > t_keep and lv >= t_keep_lvl)
            ok, start1, near1 = level_ok, None, None
            if ph is not None:
                if c.double_talk_keep_threshold > 0.0:
                    ok = ok and bool(ph[0] >= t_dtk)
                s1 = bool(ph[0] >= t_dts and snr > t_snr and lv >= t_lvl)
                start1 = [s1 and bool(p[0] >= t_aec)]
                near1 = [s1 and bool(p[0] >= t_near)]
            return [ok], [float(lv)], start1, [level_ok], near1
        if on is None:
            on = gate == 0
        ok = (level - floor > c.keep_margin_db) & (level >= c.min_level_db - c.keep_level_drop_db)
        db = np.full(n, -np.inf, np.float32)
        db[on] = level
        level_keep = np.zeros(n, bool)
        level_keep[on] = ok  # before any Silero condition
        start = near = None
        if ph is not None:
            if c.double_talk_keep_threshold > 0.0:
                ok &= ph >= c.double_talk_keep_threshold
            start = np.zeros(n, bool)
            start[on] = ((ph >= c.double_talk_start_threshold) & (level - floor > c.snr_margin_db)
                         & (level >= c.min_level_db))
            near = start & (p >= c.double_talk_start_near_aec_threshold)
            start &= p >= c.double_talk_start_aec_threshold  # AEC3's output hints at speech
        keep = np.zeros(n, bool)
        keep[on] = ok
        return (keep.tolist(), db.tolist(), None if start is None else start.tolist(),
                level_keep.tolist(), None if near is None else near.tolist())

    def raw(
        self,
        hops: np.ndarray,
        level_db: np.ndarray,
        floor_db: np.ndarray,
        voiced: np.ndarray | None = None,
        gate: np.ndarray | None = None,
        hold: np.ndarray | None = None,
        prob: np.ndarray | None = None,
        hold_prob: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw (unsmoothed) per-hop decisions ``(start, keep)``.

        Parameters
        ----------
        hops : np.ndarray, shape (n_hops * hop_size,), float32
        level_db, floor_db : np.ndarray, shape (n_hops,)
            Each hop's level and the noise floor after it, dBFS.
        voiced : np.ndarray, shape (n_hops,), bool, optional
            The pitch tracker's voicing; with ``require_voicing`` a segment can only start
            on a voiced hop.
        gate : np.ndarray, shape (n_hops,), int8, optional
            (silero) Per hop, how the speaker-level gate treats it (see
            :meth:`SpeakerLevelGate.process`); default: gate and learn every hop.
        hold : np.ndarray, shape (n_hops * hop_size,), float32, optional
            (silero) The double-talk hold's signal (see the module notes): on the gate 0
            hops it may hold speech, never start it.
        prob : np.ndarray, shape (n_hops,), float32, optional
            (silero) The network's probabilities of these hops, when the caller already ran
            it on ``hops`` (:meth:`silero_batch`); default: run it here.
        hold_prob : np.ndarray, shape (n_gate_0_hops,), float32, optional
            (silero) The hold's own network's probabilities of the hold signal's gate 0 hops,
            when the caller already ran it (:meth:`silero_batch`); default: run it here.

        Returns
        -------
        start, keep : np.ndarray, shape (n_hops,), bool
            ``start`` may open a segment, ``keep`` holds it open.
        """
        start, keep = self._decide(hops, level_db, floor_db, voiced, gate, hold, prob,
                                   hold_prob)
        return np.array(start, bool), np.array(keep, bool)

    def _decide(
        self,
        hops: np.ndarray,
        level_db: np.ndarray,
        floor_db: np.ndarray,
        voiced: np.ndarray | None,
        gate: np.ndarray | None,
        hold: np.ndarray | None,
        prob: np.ndarray | None,
        hold_prob: np.ndarray | None = None,
    ) -> tuple[list[bool], list[bool]]:
        """:meth:`raw` as lists (what the speaker-level gate and the hysteresis take)."""
        n = level_db.shape[0]
        c = self.config
        if self._silero is not None:
            p = self._silero.process(hops) if prob is None else prob
            if n == 1 and p.dtype == level_db.dtype == floor_db.dtype == np.float32:
                # a live hop: the same float32 comparisons on numpy scalars
                t_on, t_snr, t_lvl, t_hold, t_keep, t_keep_lvl = self._thr32
                pv, lv = p[0], level_db[0]
                snr1 = lv - floor_db[0]
                start = [bool(pv >= t_on and snr1 > t_snr and lv >= t_lvl)]
                keep = [bool(pv >= t_hold and snr1 > t_keep and lv >= t_keep_lvl)]
            else:
                snr = level_db - floor_db
                start_a = (p >= c.silero_threshold) & (snr > c.snr_margin_db)
                start_a &= level_db >= c.min_level_db
                keep_a = (p >= c.silero_hold_threshold) & (snr > c.keep_margin_db)
                keep_a &= level_db >= c.min_level_db - c.keep_level_drop_db
                start, keep = start_a.tolist(), keep_a.tolist()
            return self._own.run(start, keep, level_db.tolist(),
                                 None if gate is None else gate.tolist(),
                                 *self._hold(hold, gate, n, p, hold_prob),
                                 floor_db.tolist() if self._own.steady else None)
        pcm = np.minimum(np.maximum(np.rint(hops * 32768.0), -32768.0), 32767.0)
        pcm = pcm.astype("<i2").tobytes()
        step = 2 * self.hop_size
        is_speech = self._webrtc.is_speech  # type: ignore[union-attr]
        rate = self.sample_rate
        vad = np.fromiter(
            (is_speech(pcm[i * step : (i + 1) * step], rate) for i in range(n)), bool, n
        )
        snr = level_db - floor_db
        start_w = vad & (snr > self.config.snr_margin_db)
        if self.config.require_voicing and voiced is not None:
            start_w &= voiced
        return start_w.tolist(), (vad & (snr > self.config.keep_margin_db)).tolist()

    def process(
        self,
        hops: np.ndarray,
        level_db: np.ndarray,
        floor_db: np.ndarray,
        voiced: np.ndarray | None = None,
        gate: np.ndarray | None = None,
        hold: np.ndarray | None = None,
        prob: np.ndarray | None = None,
        hold_prob: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(raw, speech)`` per hop, both shape (n_hops,) bool.

        ``raw`` is the decision before the onset and hangover timing: ``start`` for webrtc;
        for Silero the Schmitt trigger's (``keep`` inside speech, ``start`` outside), since
        its speaker-level gate makes ``start`` alone drop the quiet stretches of a sentence.

        Parameters
        ----------
        hops, level_db, floor_db, voiced, gate, hold, prob, hold_prob
            As :meth:`raw`.

        Returns
        -------
        raw, speech : np.ndarray, shape (n_hops,), bool
            ``speech`` is the decision after onset hysteresis and hangover.
        """
        start, keep = self._decide(hops, level_db, floor_db, voiced, gate, hold, prob,
                                   hold_prob)
        raw, speech = self._hyst.run(start, keep)
        self._hyst.last_raw = np.array(raw, bool)
        return (self._hyst.last_raw if self._silero is not None
                else np.array(start, bool)), np.array(speech, bool)
