"""Acoustic echo cancellation of the agent microphone, with the far end as reference.

With a loudspeaker (or a leaky headset), the customer's voice comes back into the agent's
microphone as a delayed, filtered, reverberant and non-linear copy, often only a few dB below
the agent's own voice during double talk. A gate on level or pitch cannot separate that copy
from the agent talking at the same time; an adaptive echo canceller can. :class:`EchoCanceller`
runs WebRTC's AEC3 (the reference design, through the ``livekit`` wheel's
``rtc.AudioProcessingModule``, which ships it prebuilt for Linux, macOS and Windows) hop by hop:

* every 10 ms hop, the far-end hop is given to the canceller as its reference
  (``process_reverse_stream``), then the microphone hop is cleaned (``process_stream``);
* only echo cancellation is enabled: no noise suppression, no gain control, no high-pass
  filter, so the agent's level, pitch and pace are measured on the agent's own voice;
* AEC3 returns each hop 128 samples (8 ms at 16 kHz) later than it received it (its 4 ms
  blocks). The far end is delayed by the same 128 samples (:meth:`EchoCanceller.delay_far`),
  so both parties keep their alignment, and the cleaned signal is what the analysis sees;
* **bypass**: while the far end has been silent for ``bypass_after_s`` (or has not spoken
  yet, or is missing), the output is the microphone itself, delayed by the same 128 samples,
  so a call with a muted or lost far end is analysed exactly as recorded.

The canceller's state is measured from levels only, on far-end-active hops (the far-end hop at
least ``far_active_db`` dBFS and 6 dB above its own noise floor):

``bypassed``
    the far end is silent: the microphone is passed through;
``no_echo``
    the far end speaks but the microphone hears nothing of it (a headset): on fewer than
    ``echo_present_fraction`` of the far-end-active hops is the microphone 6 dB above its
    floor (its own speech during double talk included; the fraction is an exponential
    average with time constant ``erle_smooth_s`` that starts at 1, so a call is assumed to
    have echo until the far end has been heard without it);
``converging``
    echo is present and the echo return loss enhancement (ERLE, microphone level minus
    output level, averaged in dB over echo hops with a time constant of ``erle_smooth_s``) is
    below ``converged_erle_db``;
``converged``
    the ERLE reached ``converged_erle_db`` (latched: double talk lowers the measured ERLE,
    not the canceller's convergence; only a divergence or a reset clears it);
``diverged``
    the output is louder than the input by ``diverged_db`` on average (the canceller adds
    energy instead of removing it).

The echo path delay is estimated from the raw microphone and far-end loudness envelopes by the
same estimator as the bleed gate (:class:`voicecoach.conversation.bleed.BleedGate`'s delay
search), and reported with the state.

Everything runs at fixed hop indices, in order, so the output does not depend on how the
stream is cut into blocks. AEC3 itself is deterministic for a given input sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import EchoConfig, NoiseFloorConfig
from ..errors import EchoCancellerUnavailableError
from .loudness import SILENCE_DB, NoiseFloor, hop_loudness_db

__all__ = [
    "AEC_LATENCY_SAMPLES",
    "ECHO_STATES",
    "INSTALL_HINT",
    "EchoCanceller",
    "EchoHops",
    "EchoStatus",
    "echo_canceller_available",
]

#: Samples by which AEC3 delays the microphone at 16 kHz (measured, fixed: its 64-sample
#: blocks inside 160-sample frames).
AEC_LATENCY_SAMPLES = 128
#: The canceller states, in the order of their integer codes in :class:`EchoHops`.
ECHO_STATES = ("bypassed", "no_echo", "converging", "converged", "diverged")
INSTALL_HINT = "install it with `pip install 'voicecoach[aec]'` (the livekit wheel)"

_BYPASSED, _NO_ECHO, _CONVERGING, _CONVERGED, _DIVERGED = range(5)
_EXCESS_DB = 6.0  # a hop this far above its floor has energy (far end active / echo present)
_ERLE_CLIP_DB = (-20.0, 60.0)


def _load_apm() -> Any:
    try:
        from livekit import rtc
    except ImportError as exc:
        raise EchoCancellerUnavailableError(
            f"the echo canceller needs the livekit package (WebRTC AEC3); {INSTALL_HINT}, "
            f"or set [echo] enabled = false"
        ) from exc
    return rtc


def echo_canceller_available() -> bool:
    """Whether the echo canceller's library (livekit) can be imported."""
    try:
        _load_apm()
    except EchoCancellerUnavailableError:
        return False
    return True


@dataclass(frozen=True)
class EchoHops:
    """Per-hop output of :meth:`EchoCanceller.process`.

    Attributes
    ----------
    state : np.ndarray, shape (n_hops,), int8
        Index into :data:`ECHO_STATES` after each hop.
    mic_db, out_db : np.ndarray, shape (n_hops,), float32
        Level of the microphone hop before and after cancellation, dBFS (both delayed by
        :data:`AEC_LATENCY_SAMPLES`, i.e. aligned with the output).
    """

    state: np.ndarray
    mic_db: np.ndarray
    out_db: np.ndarray

    @property
    def cancelled(self) -> np.ndarray:
        """Hops whose microphone signal holds no uncancelled echo (bypassed, no echo or
        converged), shape (n_hops,), bool."""
        return np.isin(self.state, (_BYPASSED, _NO_ECHO, _CONVERGED))


@dataclass(frozen=True)
class EchoStatus:
    """The canceller's state for a display or a report.

    Attributes
    ----------
    state : str
        One of :data:`ECHO_STATES`.
    erle_db : float or None
        Smoothed echo return loss enhancement, dB (None before any echo hop).
    delay_s : float or None
        Estimated echo path delay (microphone copy behind the far end), s.
    echo_fraction : float
        Fraction of far-end-active hops on which the microphone had energy (smoothed).
    far_active_s : float
        Far-end-active time seen so far, s.
    """

    state: str
    erle_db: float | None
    delay_s: float | None
    echo_fraction: float
    far_active_s: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (rounded)."""
        return {
            "state": self.state,
            "erle_db": None if self.erle_db is None else round(self.erle_db, 1),
            "delay_s": None if self.delay_s is None else round(self.delay_s, 3),
            "echo_fraction": round(self.echo_fraction, 3),
            "far_active_s": round(self.far_active_s, 2),
        }


class _Delay:
    """A fixed delay line of ``n`` samples over a stream of blocks."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reset()

    def reset(self) -> None:
        self._buf = np.zeros(self.n, np.float32)

    def process(self, x: np.ndarray) -> np.ndarray:
        y = np.concatenate((self._buf, x))
        self._buf = y[len(x) :].copy()
        return y[: len(x)]


class EchoCanceller:
    """WebRTC AEC3 on the agent microphone, hop by hop, with a state estimate.

    Parameters
    ----------
    config : EchoConfig
        Section ``[echo]``.
    noise_floor : NoiseFloorConfig
        The analysis core's noise-floor settings (for the far-end activity and echo tests).
    delay_estimator : object, optional
        An object with ``step(...)``, ``reset()`` and ``delay_s`` like
        :class:`voicecoach.conversation.bleed.BleedGate`, fed the raw microphone and far-end
        levels (hop by hop, far-end activity as its speech flag) to estimate the echo path
        delay. None: no delay estimate.
    sample_rate : int
        16000.
    hop_size : int
        160 samples (10 ms).

    Raises
    ------
    EchoCancellerUnavailableError
        When livekit is not installed.
    """

    def __init__(
        self,
        config: EchoConfig,
        noise_floor: NoiseFloorConfig,
        *,
        delay_estimator: Any = None,
        sample_rate: int = 16000,
        hop_size: int = 160,
    ) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        self.hop_s = hop_size / sample_rate
        self._rtc = _load_apm()
        self._floor_cfg = noise_floor
        self._bypass_hops = max(1, round(config.bypass_after_s / self.hop_s))
        self._alpha = min(1.0, self.hop_s / max(config.erle_smooth_s, self.hop_s))
        self._estimator = delay_estimator
        self.reset()

    @property
    def latency_s(self) -> float:
        """Delay the canceller adds to both parties, s (8 ms at 16 kHz)."""
        return AEC_LATENCY_SAMPLES / self.sample_rate

    def reset(self) -> None:
        """Return to the just-constructed state (a new canceller instance)."""
        self._apm = self._rtc.AudioProcessingModule(echo_cancellation=True)
        self._mic_delay = _Delay(AEC_LATENCY_SAMPLES)
        self._far_delay = _Delay(AEC_LATENCY_SAMPLES)
        self._floor_mic = NoiseFloor(self._floor_cfg, self.hop_s)
        self._floor_far = NoiseFloor(self._floor_cfg, self.hop_s)
        self._since_far = 10**9  # hops since the far end was last active
        self._far_hops = 0
        self._erle = math.nan
        self._gain = math.nan  # smoothed output minus input level on echo hops, dB
        self._echo_frac = 1.0  # echo is assumed until the far end is heard without it
        self._converged = False  # latched: AEC3 stays converged unless it diverges
        self._state = _BYPASSED
        if self._estimator is not None:
            self._estimator.reset()

    @property
    def status(self) -> EchoStatus:
        """The state after the newest hop."""
        est = self._estimator
        return EchoStatus(
            state=ECHO_STATES[self._state],
            erle_db=None if self._erle != self._erle else self._erle,
            delay_s=None if est is None else est.delay_s,
            echo_fraction=self._echo_frac,
            far_active_s=self._far_hops * self.hop_s,
        )

    def delay_far(self, far: np.ndarray) -> np.ndarray:
        """Delay the far-end block by the canceller's latency (keeps the parties aligned).

        Call once per block, with the same far-end block as :meth:`process`.
        """
        return self._far_delay.process(far)

    def process(self, mic: np.ndarray, far: np.ndarray) -> tuple[np.ndarray, EchoHops]:
        """Cancel the far end's echo in a block of the agent microphone.

        Parameters
        ----------
        mic, far : np.ndarray, shape (n_hops * 160,), float32
            The agent microphone and the far end at 16 kHz, full scale 1.0, same length.

        Returns
        -------
        cleaned : np.ndarray, shape (n_hops * 160,), float32
            The microphone with the echo removed (or passed through while bypassed),
            :data:`AEC_LATENCY_SAMPLES` late.
        hops : EchoHops
            The state and levels after each hop.
        """
        h = self.hop_size
        n = mic.shape[0] // h
        mic16 = np.clip(np.rint(mic * 32768.0), -32768, 32767).astype(np.int16)
        far16 = np.clip(np.rint(far * 32768.0), -32768, 32767).astype(np.int16)
        aec = np.empty(n * h, np.int16)
        frame = self._rtc.AudioFrame
        apm = self._apm
        for i in range(n):
            sl = slice(i * h, (i + 1) * h)
            apm.process_reverse_stream(frame(far16[sl].tobytes(), self.sample_rate, 1, h))
            m = frame(bytearray(mic16[sl].tobytes()), self.sample_rate, 1, h)
            apm.process_stream(m)
            aec[sl] = np.frombuffer(m.data, np.int16)
        aec_f = aec.astype(np.float32) / np.float32(32768.0)
        raw = self._mic_delay.process(np.ascontiguousarray(mic, np.float32))
        far_db = hop_loudness_db(far.reshape(n, h))
        far_floor = self._floor_far.process(far_db)
        mic_db = hop_loudness_db(mic.reshape(n, h))  # as received: the echo path's own delay
        mic_floor = self._floor_mic.process(mic_db)
        raw_db = hop_loudness_db(raw.reshape(n, h))  # aligned with the canceller's output
        aec_db = hop_loudness_db(aec_f.reshape(n, h))
        states = np.empty(n, np.int8)
        use_aec = np.empty(n, bool)
        c = self.config
        a = self._alpha
        est = self._estimator
        for i, (fd, ff, md, mf, rd, od) in enumerate(
            zip(far_db.tolist(), far_floor.tolist(), mic_db.tolist(), mic_floor.tolist(),
                raw_db.tolist(), aec_db.tolist(), strict=True)
        ):
            active = fd >= c.far_active_db and fd - ff >= _EXCESS_DB
            if est is not None:
                est.step(md, mf, False, math.nan, fd, ff, active, math.nan)
            if active:
                self._since_far = 0
                self._far_hops += 1
                echo = md - mf >= _EXCESS_DB and md > SILENCE_DB
                self._echo_frac += a * (float(echo) - self._echo_frac)
                if echo and rd > SILENCE_DB:
                    erle = min(max(rd - od, _ERLE_CLIP_DB[0]), _ERLE_CLIP_DB[1])
                    e = self._erle
                    self._erle = erle if e != e else e + a * (erle - e)
                    g = self._gain
                    self._gain = od - rd if g != g else g + a * ((od - rd) - g)
            else:
                self._since_far += 1
            if self._since_far >= self._bypass_hops:
                st = _BYPASSED
            elif self._echo_frac < c.echo_present_fraction:
                st = _NO_ECHO
            elif self._gain == self._gain and self._gain >= c.diverged_db:
                st = _DIVERGED
                self._converged = False
            elif self._converged or self._erle >= c.converged_erle_db:  # NaN compares False
                st = _CONVERGED
                self._converged = True
            else:
                st = _CONVERGING
            states[i] = st
            use_aec[i] = st != _BYPASSED
        self._state = int(states[-1]) if n else self._state
        out = np.where(np.repeat(use_aec, h), aec_f, raw)
        out_db = np.where(use_aec, aec_db, raw_db).astype(np.float32)
        return out, EchoHops(states, raw_db, out_db)
