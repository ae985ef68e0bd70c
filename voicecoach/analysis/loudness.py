"""Per-hop loudness (RMS dBFS) and an adaptive noise floor.

Loudness is ``20 log10(rms)`` of each 10 ms hop with full scale = 1.0, so a full-scale
square wave reads 0 dBFS and a full-scale sine -3.01 dBFS. Digital silence reads
:data:`SILENCE_DB`.

The noise floor follows the quietest recent hop: it drops at once to any quieter hop and
climbs at most ``rise_db_per_s`` while the level stays up. It is the recurrence
``floor[k] = max(min_db, min(level[k], floor[k-1] + rise))``, evaluated exactly in
order so that every way of cutting a signal into blocks gives the same floor.
"""

from __future__ import annotations

import math

import numpy as np

from ..config import NoiseFloorConfig

__all__ = ["SILENCE_DB", "NoiseFloor", "hop_loudness_db", "power_to_db"]

# numpy's C einsum without its Python wrapper: np.einsum hands its arguments to this very
# function when it does not optimise (never here), so the sums are the same; on a live hop's
# one or two rows the wrapper costs more than the sum
try:
    from numpy._core.multiarray import c_einsum as row_einsum
except ImportError:  # pragma: no cover - numpy 1.x
    try:
        from numpy.core.multiarray import c_einsum as row_einsum
    except ImportError:
        row_einsum = np.einsum

#: Level reported for digital silence (dBFS).
SILENCE_DB = -120.0


def hop_loudness_db(hops: np.ndarray) -> np.ndarray:
    """RMS level of each hop.

    Parameters
    ----------
    hops : np.ndarray, shape (n_hops, hop_size), float32
        Samples in [-1, 1].

    Returns
    -------
    np.ndarray, shape (n_hops,), float32
        RMS dBFS, at least :data:`SILENCE_DB`.
    """
    power = row_einsum("ij,ij->i", hops, hops, dtype=np.float64) / hops.shape[1]
    return power_to_db(power)


#: Power of :data:`SILENCE_DB` (full scale 1.0).
_SILENCE_POWER = 10.0 ** (SILENCE_DB / 10.0)


def power_to_db(power: np.ndarray) -> np.ndarray:
    """Level of each hop from its mean power, as :func:`hop_loudness_db` reports it.

    Parameters
    ----------
    power : np.ndarray, shape (n_hops,), float64
        Mean square of each hop's samples (full scale 1.0).

    Returns
    -------
    np.ndarray, shape (n_hops,), float32
        dBFS, at least :data:`SILENCE_DB`.
    """
    return (10.0 * np.log10(np.maximum(power, _SILENCE_POWER))).astype(np.float32)


class NoiseFloor:
    """Causal adaptive noise-floor tracker over per-hop levels.

    Parameters
    ----------
    config : NoiseFloorConfig
        ``rise_db_per_s`` and ``min_db``. The first hop's level sets the initial floor.
    hop_s : float
        Hop duration in seconds.
    initial_db : float, optional
        Start from this floor (dBFS) instead of the first hop's level: for a signal that may
        already carry speech at its first hop (a recording or a live session started
        mid-sentence), whose first level is no noise floor. The floor then rises from it at
        ``rise_db_per_s`` and drops at once to any quieter hop, as usual.
    """

    def __init__(
        self, config: NoiseFloorConfig, hop_s: float, initial_db: float | None = None
    ) -> None:
        self._rise_db = float(config.rise_db_per_s * hop_s)
        self._min_db = float(config.min_db)
        self._initial_db = math.inf if initial_db is None else float(initial_db)
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._floor_db = self._initial_db  # inf: the first hop sets the floor

    def process(self, level_db: np.ndarray) -> np.ndarray:
        """Update the floor with a block of hop levels.

        Parameters
        ----------
        level_db : np.ndarray, shape (n_hops,)
            Hop levels in dBFS.

        Returns
        -------
        np.ndarray, shape (n_hops,), float32
            The floor after each hop, in dBFS.
        """
        out = level_db.tolist()
        f, rise, lo = self._floor_db, self._rise_db, self._min_db
        for i, x in enumerate(out):
            f = max(lo, min(x, f + rise))
            out[i] = f
        self._floor_db = f
        return np.array(out, np.float32)  # (each value rounded to float32 as it is stored)

    def process_one(self, level_db: float) -> float:
        """:meth:`process` of a single hop, on Python floats (a live hop).

        Parameters
        ----------
        level_db : float
            The hop's level, dBFS.

        Returns
        -------
        float
            The floor after the hop, dBFS, rounded to float32 (the value :meth:`process`
            stores in its array; the state keeps the unrounded one, as there).
        """
        f = self._floor_db = max(self._min_db, min(level_db, self._floor_db + self._rise_db))
        return float(np.float32(f))
