"""Voice-activity decision: a frame classifier, a noise-floor gate, and hysteresis.

Raw decision per 10 ms hop
    * ``webrtc`` backend: webrtcvad (mode ``webrtc_mode``) **and** the hop level at least
      ``snr_margin_db`` above the adaptive noise floor. webrtcvad alone marks nearly every
      hop as speech at 10 dB SNR; the floor gate removes the pauses, whose level sits on the
      floor.
    * ``silero`` backend: the Silero VAD v5 probability (ONNX, no torch) at least
      ``silero_threshold``.

Hysteresis
    A segment starts once the raw decision has held for ``onset_s`` and ends after
    ``hangover_s`` without it. Both are causal: the decision for hop ``k`` uses hops up to
    ``k`` only, so onsets are reported ``onset_s`` late and offsets ``hangover_s`` late.
"""

from __future__ import annotations

import numpy as np

from ..config import VadConfig
from ..errors import ParameterError

__all__ = ["Hysteresis", "SpeechDetector"]


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

    def process(self, raw: np.ndarray) -> np.ndarray:
        """Smooth a block of raw decisions, shape (n_hops,) -> (n_hops,) bool."""
        out = np.empty(raw.shape[0], bool)
        on, run = self._on, self._run
        need_on, need_off = self.onset_hops, self.hangover_hops
        for i, r in enumerate(raw.tolist()):
            if r != on:
                run += 1
                if run >= (need_off if on else need_on):
                    on, run = not on, 0
            else:
                run = 0
            out[i] = on
        self._on, self._run = on, run
        return out


class SpeechDetector:
    """Per-hop speech decision for one channel.

    Parameters
    ----------
    config : VadConfig
    sample_rate : int
        16000 in the analysis core.
    hop_size : int
        160 samples (10 ms).
    """

    def __init__(self, config: VadConfig, sample_rate: int, hop_size: int) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        hop_s = hop_size / sample_rate
        self._hyst = Hysteresis(round(config.onset_s / hop_s), round(config.hangover_s / hop_s))
        self._backend = config.backend
        if config.backend == "webrtc":
            import webrtcvad

            self._webrtc = webrtcvad.Vad(config.webrtc_mode)
            self._silero = None
        elif config.backend == "silero":
            from .silero import SileroVad

            self._webrtc = None
            self._silero = SileroVad()
        else:  # pragma: no cover - config validation rejects this first
            raise ParameterError(f"unknown VAD backend {config.backend!r}; use webrtc or silero")
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._hyst.reset()
        if self._webrtc is not None:
            import webrtcvad

            self._webrtc = webrtcvad.Vad(self.config.webrtc_mode)
        if self._silero is not None:
            self._silero.reset()

    def raw(self, hops: np.ndarray, level_db: np.ndarray, floor_db: np.ndarray) -> np.ndarray:
        """Raw (unsmoothed) per-hop decision.

        Parameters
        ----------
        hops : np.ndarray, shape (n_hops * hop_size,), float32
        level_db, floor_db : np.ndarray, shape (n_hops,)

        Returns
        -------
        np.ndarray, shape (n_hops,), bool
        """
        n = level_db.shape[0]
        if self._silero is not None:
            return self._silero.process(hops) >= self.config.silero_threshold
        pcm = np.minimum(np.maximum(np.rint(hops * 32768.0), -32768.0), 32767.0)
        pcm = pcm.astype("<i2").tobytes()
        step = 2 * self.hop_size
        is_speech = self._webrtc.is_speech  # type: ignore[union-attr]
        rate = self.sample_rate
        vad = np.fromiter(
            (is_speech(pcm[i * step : (i + 1) * step], rate) for i in range(n)), bool, n
        )
        return vad & (level_db > floor_db + self.config.snr_margin_db)

    def process(
        self, hops: np.ndarray, level_db: np.ndarray, floor_db: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(raw, speech)`` per hop, both shape (n_hops,) bool."""
        raw = self.raw(hops, level_db, floor_db)
        return raw, self._hyst.process(raw)
