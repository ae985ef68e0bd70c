"""Is a recording telephone audio, whatever rate it was saved at?

A telephone line (G.711, AMR-NB, GSM) carries 0.3-3.4 kHz. A call saved at 16 kHz or more
keeps that band: next to nothing above 4 kHz, where wideband speech (fricatives, the upper
formants) keeps -5 to -20 dB of its 0.3-3.4 kHz energy. The pitch tracker's harmonic check
(``[pitch] harmonic_check = "auto"``) is meant for exactly that audio, so the readers of
files ask :func:`telephone_band` besides the file's rate.

Pure: a function of the samples (numpy and scipy), no I/O.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LINE_BAND_HZ", "LOWS_BAND_HZ", "UPPER_BAND_HZ", "BandMeter", "TelephoneLine",
    "band_ratio_db", "telephone_band",
]

#: the telephone line's band, Hz
LINE_BAND_HZ = (300.0, 3400.0)
#: the band a telephone line removes and wideband speech keeps, Hz (capped at 0.9 Nyquist)
UPPER_BAND_HZ = (4300.0, 7000.0)
#: the lowest sample rate whose upper band is wide enough to judge, Hz
MIN_RATE_HZ = 12000
#: the band under the line band that a public-network line cuts and a VoIP path at 8 kHz may
#: keep (the fundamental of most voices), Hz
LOWS_BAND_HZ = (60.0, 200.0)


class BandMeter:
    """The long-term spectrum of a stream, block by block (constant memory).

    Parameters
    ----------
    sample_rate : int
        Hz.

    Examples
    --------
    >>> import numpy as np
    >>> m = BandMeter(16000)
    >>> m.push(np.random.default_rng(0).standard_normal(16000))  # white: 2.7 / 3.1 kHz
    >>> round(m.ratio_db())
    -1
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = int(sample_rate)
        self.nperseg = 1024 if self.sample_rate <= 24000 else 2048
        self._sum: np.ndarray | None = None
        self._f: np.ndarray | None = None
        self._tail = np.zeros(0)
        self._count = 0  # samples in the spectrum

    def push(self, samples: np.ndarray) -> None:
        """Add samples of one channel (a partial segment waits for the next block).

        Parameters
        ----------
        samples : np.ndarray, shape (n_samples,)
            float, full scale 1.0.
        """
        from scipy.signal import welch

        x = np.concatenate((self._tail, np.asarray(samples, np.float64).ravel()))
        n = x.size // self.nperseg * self.nperseg
        self._tail = x[n:]
        if n == 0:
            return
        f, p = welch(x[:n], self.sample_rate, nperseg=self.nperseg)
        self._f = f
        self._sum = p * n if self._sum is None else self._sum + p * n
        self._count += n

    def lows_db(self) -> float:
        """Energy in :data:`LOWS_BAND_HZ` relative to :data:`LINE_BAND_HZ` so far, dB.

        Speech keeps -3 to -26 dB there (the benchmark voices, wideband or 8 kHz studio
        prompts; a voice whose fundamental lies above 200 Hz least); after a line that
        cuts below 300 Hz (:class:`TelephoneLine`) -42 to -52 dB.

        Returns
        -------
        float
            dB; NaN when the line band holds no energy or too few samples were pushed.
        """
        if self._sum is None or self._f is None:
            return float("nan")
        f, p = self._f, self._sum
        line = float(p[(f >= LINE_BAND_HZ[0]) & (f <= LINE_BAND_HZ[1])].sum())
        lows = float(p[(f >= LOWS_BAND_HZ[0]) & (f <= LOWS_BAND_HZ[1])].sum())
        if not line / self._count > 1e-14:
            return float("nan")
        return 10.0 * float(np.log10(max(lows / line, 1e-30)))

    def ratio_db(self) -> float:
        """Energy in :data:`UPPER_BAND_HZ` relative to :data:`LINE_BAND_HZ` so far, dB.

        Returns
        -------
        float
            dB; NaN when the line band holds no energy (silence; white noise under about
            -125 dBFS), when fewer than ``nperseg`` samples were pushed, or when the rate is under
            :data:`MIN_RATE_HZ`.
        """
        if self._sum is None or self._f is None or self.sample_rate < MIN_RATE_HZ:
            return float("nan")
        f, p = self._f, self._sum
        line = float(p[(f >= LINE_BAND_HZ[0]) & (f <= LINE_BAND_HZ[1])].sum())
        top = min(UPPER_BAND_HZ[1], 0.45 * self.sample_rate)
        upper = float(p[(f >= UPPER_BAND_HZ[0]) & (f <= top)].sum())
        if not line / self._count > 1e-14:  # the mean spectrum's line band: nothing to judge
            return float("nan")
        return 10.0 * float(np.log10(max(upper / line, 1e-30)))


def band_ratio_db(samples: np.ndarray, sample_rate: int) -> float:
    """Energy in :data:`UPPER_BAND_HZ` relative to :data:`LINE_BAND_HZ`, dB.

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,)
        One channel, float, full scale 1.0; at least 1024 samples (2048 above 24 kHz).
    sample_rate : int
        Hz, at least :data:`MIN_RATE_HZ`.

    Returns
    -------
    float
        ``10 log10(E_upper / E_line)`` of the Welch spectrum (1024-sample segments at up to
        24 kHz, 2048 above; :class:`BandMeter`); NaN when the line band holds no energy
        (silence) or the signal is too short or the rate too low to tell.
    """
    x = np.asarray(samples)
    if x.ndim != 1:
        return float("nan")
    m = BandMeter(sample_rate)
    m.push(x)
    return m.ratio_db()


def telephone_band(samples: np.ndarray, sample_rate: int, threshold_db: float) -> bool:
    """Whether ``samples`` hold telephone-band audio (see :func:`band_ratio_db`).

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,)
        One channel (tens of seconds of the call: a long-term spectrum).
    sample_rate : int
        Hz. At most 8000 Hz is telephone audio by its rate alone (True).
    threshold_db : float
        ``[pitch] telephone_band_db``, dB: telephone band when the ratio is at or under it.

    Returns
    -------
    bool
        False when it cannot tell (silence, too short, a rate between 8 and 12 kHz).
    """
    if sample_rate <= 8000:
        return True
    r = band_ratio_db(samples, sample_rate)
    return bool(r <= threshold_db)  # NaN: False


class TelephoneLine:
    """A simulated telephone line, streamed: wideband speech as an 8 kHz G.711 call carries it.

    A 6th-order Butterworth band-pass over :data:`LINE_BAND_HZ` (0.3-3.4 kHz, what a
    narrowband line keeps) and 8-bit mu-law companding (G.711's quantisation), at the
    stream's own rate (the band-limited signal needs no resampling to stand for an 8 kHz
    one). The calibration runs the speaker's calm speech through it to give a wideband
    profile the references an 8 kHz recording of the same voice reads against: over the
    line the level reads 1.4-2.2 dB lower and the pitch median up to 4 st higher on the
    benchmark voices (README, *A wideband profile on a telephone recording*). The filter's
    state carries across blocks, so any cutting of a stream gives the same samples.

    Parameters
    ----------
    sample_rate : int
        Hz (at least 8000).

    Examples
    --------
    >>> import numpy as np
    >>> line = TelephoneLine(16000)
    >>> t = np.arange(16000) / 16000
    >>> low, mid = (line.process(np.sin(2 * np.pi * f * t).astype(np.float32)) for f in (100, 1000))
    >>> bool(np.abs(low[8000:]).max() < 0.05 < 0.9 < np.abs(mid[8000:]).max())
    True
    """

    MU = 255.0

    def __init__(self, sample_rate: int) -> None:
        from scipy.signal import butter, sosfilt_zi

        if sample_rate < 8000:
            raise ValueError(f"a telephone line needs a sample rate of at least 8000 Hz, "
                             f"got {sample_rate!r}")
        hi = min(LINE_BAND_HZ[1], 0.45 * sample_rate)
        self._sos = butter(6, [LINE_BAND_HZ[0], hi], btype="band", fs=sample_rate,
                           output="sos")
        self._zi0 = sosfilt_zi(self._sos) * 0.0
        self.reset()

    def reset(self) -> None:
        """Start a new stream (an idle line)."""
        self._zi = self._zi0.copy()

    def process(self, x: np.ndarray) -> np.ndarray:
        """The line's output for the next samples.

        Parameters
        ----------
        x : np.ndarray, shape (n,)
            Samples at full scale 1.0.

        Returns
        -------
        np.ndarray, shape (n,), float32
        """
        from scipy.signal import sosfilt

        y, self._zi = sosfilt(self._sos, np.asarray(x, np.float64), zi=self._zi)
        mu = self.MU
        c = np.sign(y) * np.log1p(mu * np.minimum(np.abs(y), 1.0)) / np.log1p(mu)
        c = np.round(c * 127.0) / 127.0
        return (np.sign(c) * np.expm1(np.abs(c) * np.log1p(mu)) / mu).astype(np.float32)
