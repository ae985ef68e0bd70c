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

__all__ = ["LINE_BAND_HZ", "UPPER_BAND_HZ", "band_ratio_db", "telephone_band"]

#: the telephone line's band, Hz
LINE_BAND_HZ = (300.0, 3400.0)
#: the band a telephone line removes and wideband speech keeps, Hz (capped at 0.9 Nyquist)
UPPER_BAND_HZ = (4300.0, 7000.0)
#: the lowest sample rate whose upper band is wide enough to judge, Hz
MIN_RATE_HZ = 12000


def band_ratio_db(samples: np.ndarray, sample_rate: int) -> float:
    """Energy in :data:`UPPER_BAND_HZ` relative to :data:`LINE_BAND_HZ`, dB.

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,)
        One channel, float, full scale 1.0; at least 1024 samples.
    sample_rate : int
        Hz, at least :data:`MIN_RATE_HZ`.

    Returns
    -------
    float
        ``10 log10(E_upper / E_line)`` of the Welch spectrum (1024-sample segments at up to
        24 kHz, 2048 above); NaN when the line band holds no energy (silence) or the
        signal is too short or the rate too low to tell.
    """
    from scipy.signal import welch

    x = np.asarray(samples, np.float64)
    if x.ndim != 1 or sample_rate < MIN_RATE_HZ:
        return float("nan")
    nper = 1024 if sample_rate <= 24000 else 2048
    if x.size < nper:
        return float("nan")
    f, p = welch(x, sample_rate, nperseg=nper)
    line = float(p[(f >= LINE_BAND_HZ[0]) & (f <= LINE_BAND_HZ[1])].sum())
    top = min(UPPER_BAND_HZ[1], 0.45 * sample_rate)
    upper = float(p[(f >= UPPER_BAND_HZ[0]) & (f <= top)].sum())
    if not line > 1e-14:  # under about -110 dBFS in the line band: nothing to judge
        return float("nan")
    return 10.0 * float(np.log10(max(upper / line, 1e-30)))


def telephone_band(samples: np.ndarray, sample_rate: int, threshold_db: float) -> bool:
    """Whether ``samples`` hold telephone-band audio (see :func:`band_ratio_db`).

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,)
        One channel (tens of seconds of the call: a long-term spectrum).
    sample_rate : int
        Hz. At most 8000 Hz is telephone audio by its rate alone (True).
    threshold_db : float
        ``[pitch] telephone_band_db``: telephone band when the ratio is at or under it.

    Returns
    -------
    bool
        False when it cannot tell (silence, too short, a rate between 8 and 12 kHz).
    """
    if sample_rate <= 8000:
        return True
    r = band_ratio_db(samples, sample_rate)
    return bool(r <= threshold_db)  # NaN: False
