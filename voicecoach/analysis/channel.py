"""The per-channel streaming analyzer and its multichannel wrapper.

:class:`ChannelAnalyzer` is the one implementation behind live capture and file review:
live mode feeds it one or two hops at a time, review feeds seconds at a time, and the rows
are identical (``tests/test_analysis_properties.py`` checks this with hypothesis).

Lookahead of each feature relative to a row's ``t_s`` (the hop start):

============================  ===============================================================
feature                       what row ``k`` uses
============================  ===============================================================
``loudness_db``               the hop itself (10 ms)
``f0_hz``, ``voiced``         the frame ``path_lookahead_s`` (20 ms) before the hop's own,
                              chosen on the pitch path through the frames since: the hop's
                              frame is the last ``frame_size`` samples up to the hop end
                              (46.7 ms at 60 Hz fmin), no sample after the hop
``f0_settled_hz``             the frame ``settled_lookahead_s`` (100 ms) before the hop's
                              own, on the settled path through the frames since
``speech``                    hops up to ``k`` (onset reported ``onset_s`` late, offset
                              ``hangover_s`` late)
``syllable_rate`` and         nuclei confirmed by the end of hop ``k``; a nucleus is
``articulation_rate``         confirmed at most ``lookahead_s`` (100 ms) after its peak
============================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..config import Config, config_or_default
from ..errors import ParameterError
from .blocks import check_block
from .features import Features
from .loudness import NoiseFloor, power_to_db, row_einsum
from .pitch import YinTracker
from .syllables import SyllableTracker
from .vad import SpeechDetector

__all__ = ["Analyzer", "ChannelAnalyzer"]


class ChannelAnalyzer:
    """Streaming per-hop analysis of one channel at 16 kHz.

    Parameters
    ----------
    config : Config, optional
        Defaults to :func:`voicecoach.config.load_config`.
    harmonic : bool, optional
        Run the pitch tracker's harmonic check for telephone-band audio (default: only
        when ``[pitch] harmonic_check = "on"``; see
        :func:`voicecoach.config.harmonic_check_on` for ``"auto"`` and ``"far"``).

    Examples
    --------
    >>> import numpy as np
    >>> from voicecoach.analysis import ChannelAnalyzer
    >>> an = ChannelAnalyzer()
    >>> rows = an.process(np.zeros(1600, np.float32))   # ten 10 ms hops
    >>> len(rows), float(rows.t_s[-1])
    (10, 0.09)
    """

    def __init__(self, config: Config | None = None, harmonic: bool | None = None) -> None:
        self.config = config_or_default(config)
        a = self.config.analysis
        self.sample_rate = a.sample_rate
        self.hop_size = a.hop_size
        self.hop_s = a.hop_s
        self._floor = NoiseFloor(self.config.noise_floor, self.hop_s)
        self._pitch = YinTracker(self.config.pitch, self.sample_rate, self.hop_size, harmonic)
        self._vad = SpeechDetector(
            self.config.vad, self.sample_rate, self.hop_size, self.config.noise_floor,
            telephone=self._pitch.harmonic,
        )
        self._syl = SyllableTracker(self.config.syllables, self.hop_s)
        self.reset()

    @property
    def harmonic(self) -> bool:
        """Whether the pitch tracker runs the harmonic check (telephone-band audio)."""
        return self._pitch.harmonic

    def set_harmonic(self, harmonic: bool) -> None:
        """Turn the pitch tracker's harmonic check on or off between recordings.

        For one analyser fed recordings of different bands (a calibration from several
        files): when the flag changes, the pitch tracker is replaced by a fresh one (its
        history starts silent, as at a recording's start); the other stages keep their
        state, except that the speech detector's speaker-level gate takes the new band
        (its quiet-background widening is for telephone-band audio). Nothing happens when the
        flag is already ``harmonic``.

        Parameters
        ----------
        harmonic : bool
            Run the check (see :func:`voicecoach.config.harmonic_check_on`).
        """
        if bool(harmonic) != self._pitch.harmonic:
            self._pitch = YinTracker(self.config.pitch, self.sample_rate, self.hop_size,
                                     bool(harmonic))
            self._vad.set_telephone(bool(harmonic))

    @property
    def pitch_center_offset_s(self) -> float:
        """Centre of the pitch window relative to each row's ``t_s`` (negative = past)."""
        return self._pitch.center_offset_s

    @property
    def pitch_settled_center_offset_s(self) -> float:
        """Like :attr:`pitch_center_offset_s`, for ``f0_settled_hz``."""
        return self._pitch.settled_center_offset_s

    @property
    def pitch_frame_s(self) -> float:
        """Length of the pitch analysis frame in seconds."""
        return self._pitch.frame_size / self.sample_rate

    @property
    def syllable_lookahead_s(self) -> float:
        """Longest delay from a syllable peak to its confirmation, in seconds."""
        return self._syl.lookahead_s

    @property
    def samples_seen(self) -> int:
        """Samples processed since construction or the last :meth:`reset`."""
        return self._n_samples

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._n_samples = 0
        self._floor.reset()
        self._pitch.reset()
        self._vad.reset()
        self._syl.reset()

    def process(
        self,
        block: np.ndarray,
        gate: np.ndarray | None = None,
        hold: np.ndarray | None = None,
    ) -> Features:
        """Analyse a block of whole hops.

        Parameters
        ----------
        block : np.ndarray, shape (n_hops * 160,)
            Samples at 16 kHz; float32, float64 (full scale 1.0) or int16. ``n_hops`` may be
            0 or any positive integer.
        gate : np.ndarray, shape (n_hops,), int8, optional
            How the speech detector's speaker-level gate treats each hop (2: gate and learn
            the speaker's level, 1: gate only, 0: no gate; see
            :meth:`voicecoach.analysis.vad.SpeakerLevelGate.process`). Default 2. The call
            pipeline derives it from the echo canceller's state for the agent.
        hold : np.ndarray, shape (n_hops * 160,), float32, optional
            The echo canceller's double-talk hold signal for the agent (see
            :meth:`voicecoach.analysis.vad.SpeechDetector.raw`): on the gate 0 hops it may
            hold speech, never start it.

        Returns
        -------
        Features
            ``n_hops`` rows.

        Raises
        ------
        AudioFormatError
            For a wrong dtype, shape, partial hop, NaN or inf.
        """
        x = check_block(block, self.hop_size)
        if x.shape[0] == 0:
            return Features.empty()
        n = x.shape[0] // self.hop_size
        for name, v in (("gate", gate), ("hold", hold)):
            if v is not None and np.shape(v) != (n,):  # checked before any state moves on
                raise ParameterError(
                    f"{name} must have one value per hop, shape ({n},), got {np.shape(v)}"
                )
        ctx = self._begin(x)
        return self._finish(ctx, self._pitch.kernel(ctx[3]), gate, hold)

    def _begin(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """First stage: levels, noise floor and pitch frames (updates state)."""
        n = x.shape[0] // self.hop_size
        hops = x.reshape(n, self.hop_size)
        power = row_einsum("ij,ij->i", hops, hops, dtype=np.float64) / self.hop_size
        level = power_to_db(power)  # hop_loudness_db(hops), from the same power
        floor = self._floor.process(level)
        frames = self._pitch.frames(x)
        mask, frame_db = self._pitch.gate(frames, floor)
        if n == 1:  # a live hop's frame, or none (the frames are this call's own array)
            return x, power, level, frames if mask[0] else frames[:0], floor, mask, frame_db
        return x, power, level, frames[mask], floor, mask, frame_db

    def _finish(
        self,
        ctx: tuple[np.ndarray, ...],
        kout: tuple[np.ndarray | list, ...],
        gate: np.ndarray | None = None,
        hold: np.ndarray | None = None,
        vad_prob: np.ndarray | None = None,
        hold_prob: np.ndarray | None = None,
    ) -> Features:
        """Second stage, after the (possibly multichannel) pitch kernel (and Silero, when
        the caller ran it for several channels at once: ``vad_prob``, ``hold_prob``)."""
        x, power, level, _, floor, mask, frame_db = ctx
        n = level.shape[0]
        if gate is not None and gate.shape != (n,):
            raise ParameterError(
                f"gate must have one value per hop, shape ({n},), got {gate.shape}"
            )
        pitch = self._pitch.decide(kout, mask, frame_db)
        raw, speech = self._vad.process(x, level, floor, pitch.voiced_current, gate, hold,
                                        vad_prob, hold_prob)
        srate, arate, nucleus = self._syl.process(power, pitch.voiced_current, speech, floor)
        h0 = self._n_samples // self.hop_size
        if n == 1:  # the same float64 value: an exact product, one correctly rounded division
            t = np.array(((h0 * self.hop_size) / self.sample_rate,))
        else:
            t = (np.arange(h0, h0 + n, dtype=np.float64) * self.hop_size) / self.sample_rate
        self._n_samples += x.shape[0]
        return Features(
            t_s=t,
            f0_hz=pitch.f0_hz,
            voiced=pitch.voiced,
            speech=speech,
            loudness_db=level,
            syllable_rate=srate,
            articulation_rate=arate,
            noise_floor_db=floor,
            aperiodicity=pitch.aperiodicity,
            vad_raw=raw,
            nucleus=nucleus,
            f0_settled_hz=pitch.f0_settled_hz,
        )


class Analyzer:
    """Independent :class:`ChannelAnalyzer` per channel, fed together.

    The channels' pitch frames go through one batched YIN kernel, and their Silero chunks
    through one batched network run, which halves the per-call overhead of the live path;
    the rows are identical to each channel alone.

    Parameters
    ----------
    channels : int
        Number of channels in each block.
    config : Config, optional
    harmonic : sequence of bool, optional
        Per channel, whether its pitch tracker runs the harmonic check (``harmonic`` of
        :class:`ChannelAnalyzer`; default: from ``[pitch] harmonic_check`` alone).
    """

    def __init__(
        self,
        channels: int,
        config: Config | None = None,
        harmonic: Sequence[bool | None] | None = None,
    ) -> None:
        if not isinstance(channels, int) or channels < 1:
            raise ParameterError(f"channels must be a positive integer, got {channels!r}")
        flags = [None] * channels if harmonic is None else list(harmonic)
        if len(flags) != channels:
            raise ParameterError(
                f"harmonic needs one flag per channel ({channels}), got {len(flags)}"
            )
        self.config = config_or_default(config)
        self.channels = channels
        self.analyzers = [ChannelAnalyzer(self.config, h) for h in flags]
        # one batched pitch kernel for all channels when they all run the same kernel
        self._one_kernel = len({a._pitch.harmonic for a in self.analyzers}) == 1
        self.hop_size = self.analyzers[0].hop_size

    def reset(self) -> None:
        """Reset every channel."""
        for a in self.analyzers:
            a.reset()

    def process(
        self,
        block: np.ndarray,
        gate: Sequence[np.ndarray | None] | None = None,
        hold: Sequence[np.ndarray | None] | None = None,
        vad_prob: Sequence[np.ndarray | None] | None = None,
    ) -> list[Features]:
        """Analyse a block of shape (n_hops * 160, channels); one :class:`Features` per channel.

        ``gate``, optional, gives per channel the speaker-level gate's treatment of each hop,
        and ``hold`` the double-talk hold signal (see :meth:`ChannelAnalyzer.process`).
        ``vad_prob`` gives per channel the Silero probabilities to use instead of running
        the channel's own network (the mono review's split columns: the network judges the
        mix they come from, see :mod:`voicecoach.review.mono`).

        Parameters
        ----------
        block : np.ndarray, shape (n_hops * 160, channels)
            Samples at 16 kHz; float32, float64 (full scale 1.0) or int16. A 1-D block is
            accepted when ``channels`` is 1. ``n_hops`` may be 0.
        gate : sequence of (np.ndarray, shape (n_hops,), int8, or None), optional
            One entry per channel, as ``gate`` of :meth:`ChannelAnalyzer.process`.
        hold : sequence of (np.ndarray, shape (n_hops * 160,), float32, or None), optional
            One entry per channel, as ``hold`` of :meth:`ChannelAnalyzer.process`.
        vad_prob : sequence of (np.ndarray, shape (n_hops,), float32, or None), optional
            One entry per channel: speech probabilities in [0, 1] that replace the channel's
            Silero network for this block (its network does not advance); None runs it.
            Ignored by the webrtc backend.

        Returns
        -------
        list of Features
            One per channel, ``n_hops`` rows each.

        Raises
        ------
        AudioFormatError
            For a bad dtype or values, a shape other than (n_samples, channels), or a
            length that is not a whole number of hops (:func:`.blocks.check_block`).
        """
        x = check_block(block, self.hop_size, self.channels)
        if x.shape[0] == 0:
            return [Features.empty() for _ in self.analyzers]
        return self.process_checked([np.ascontiguousarray(x[:, c]) for c in range(self.channels)],
                                    gate, hold, vad_prob)

    def process_checked(
        self,
        columns: Sequence[np.ndarray],
        gate: Sequence[np.ndarray | None] | None = None,
        hold: Sequence[np.ndarray | None] | None = None,
        vad_prob: Sequence[np.ndarray | None] | None = None,
    ) -> list[Features]:
        """:meth:`process` of a block already checked and split into its channels.

        Parameters
        ----------
        columns : sequence of np.ndarray, shape (n_hops * 160,), float32, C-contiguous
            One column per channel, all the same length (a whole number of hops, at least
            one), finite: what :func:`voicecoach.analysis.blocks.check_block` accepts and
            returns, split. Not checked again (the call pipeline's path, which checked
            the block before its echo canceller).
        gate, hold, vad_prob
            As :meth:`process`.

        Returns
        -------
        list of Features
            One per channel, ``n_hops`` rows each.
        """
        given = [None] * self.channels if vad_prob is None else list(vad_prob)
        n = columns[0].shape[0] // self.hop_size
        if len(given) != self.channels or any(
                p is not None and np.shape(p) != (n,) for p in given):
            raise ParameterError(
                f"vad_prob needs one entry per channel ({self.channels}), each None or "
                f"shape ({n},), got {[None if p is None else np.shape(p) for p in given]}"
            )
        ctxs = [a._begin(col) for a, col in zip(self.analyzers, columns, strict=True)]
        bounds = [0]
        for c in ctxs:
            bounds.append(bounds[-1] + c[3].shape[0])
        if self._one_kernel:
            # one batched pitch kernel for all channels: rows are independent
            kout = self.analyzers[0]._pitch.kernel(np.concatenate([c[3] for c in ctxs]))
        else:  # channels with and without the harmonic check: one kernel each
            parts = [a._pitch.kernel(c[3]) for a, c in zip(self.analyzers, ctxs, strict=True)]
            kout = tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        gates = [None] * self.channels if gate is None else list(gate)
        holds = [None] * self.channels if hold is None else list(hold)
        # one batched Silero run per 32 ms chunk for the channels without given
        # probabilities and their double-talk holds (identical values to each running its
        # own)
        run = [i for i, p in enumerate(given) if p is None]
        probs = given
        hprobs: list[np.ndarray | None] = [None] * self.channels
        batch, hbatch = SpeechDetector.silero_batch(
            [self.analyzers[i]._vad for i in run], [ctxs[i][0] for i in run],
            [gates[i] for i in run], [holds[i] for i in run])
        for i, p, hp in zip(run, batch, hbatch, strict=True):
            probs[i] = p
            hprobs[i] = hp
        # the kernel's output as lists once (what the pitch decision reads), each channel
        # its rows
        klists = [k.tolist() for k in kout]
        return [
            a._finish(ctx, tuple([k[bounds[i] : bounds[i + 1]] for k in klists]), gates[i],
                      holds[i], probs[i], hprobs[i])
            for i, (a, ctx) in enumerate(zip(self.analyzers, ctxs, strict=True))
        ]
