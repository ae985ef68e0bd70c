"""Input validation, conversion to float32, streaming resampling and re-blocking into hops.

This is the boundary between audio as it arrives (any rate from 8 to 192 kHz, int16 or
float, mono or multichannel, blocks of any length) and the analysis core, which takes
whole 10 ms hops of float32 at 16 kHz.
"""

from __future__ import annotations

import numpy as np

from ..errors import AudioFormatError

__all__ = ["BlockAdapter", "check_block", "to_float32"]

_DTYPES = ("int16", "float32", "float64")


#: Float samples beyond this magnitude (+24 dB over full scale) are refused: float audio is full
#: scale at 1.0, and such values are PCM stored unscaled (16-bit speech peaks in the thousands),
#: not a mix's headroom. A float mix of two voices can pass 2.0 (the mono-call benchmark's did).
MAX_FLOAT_PEAK = 16.0


def _dtype_hint(dtype: np.dtype) -> str:
    """How to convert samples of ``dtype`` to float32 at full scale 1.0."""
    if dtype.kind == "f":
        return "samples.astype(np.float32)"
    if dtype.kind == "i":
        return f"samples.astype(np.float32) / 2**{8 * dtype.itemsize - 1} for {dtype} PCM"
    if dtype.kind == "u":
        half = 2 ** (8 * dtype.itemsize - 1)
        return f"(samples.astype(np.float32) - {half}) / {half} for unsigned {dtype} PCM"
    if dtype.kind == "c":
        return "audio is real-valued: pass the real signal, not its spectrum or analytic form"
    return "np.asarray(samples, dtype=np.float32) from numeric PCM samples"


def to_float32(block: np.ndarray, what: str = "audio block", *, offset: int = 0,
               sample_rate: int | None = None) -> np.ndarray:
    """Validate dtype and values and convert to float32 in [-1, 1] full scale.

    Parameters
    ----------
    block : np.ndarray
        int16 (full scale 32768), float32 or float64 (full scale 1.0), shape (n,) or
        (n, channels).
    what : str
        Name used in error messages.
    offset : int
        Index in the stream of the block's first frame (error messages name the frame).
    sample_rate : int, optional
        Rate of the stream, Hz (error messages then give the time too).

    Returns
    -------
    np.ndarray, float32, same shape as ``block``
        The samples, full scale 1.0 (the input itself when it is already float32).

    Raises
    ------
    AudioFormatError
        For another dtype, NaN / inf values, or float samples beyond :data:`MAX_FLOAT_PEAK`.
    """
    if not isinstance(block, np.ndarray):
        raise AudioFormatError(
            f"{what} must be a numpy array, got {type(block).__name__}; "
            f"pass np.asarray(samples, dtype=np.float32)"
        )
    if block.dtype == np.int16:
        return block.astype(np.float32) / np.float32(32768.0)
    if block.dtype.kind != "f" or block.dtype.itemsize not in (4, 8):
        raise AudioFormatError(
            f"{what} has dtype {block.dtype}; allowed dtypes are {', '.join(_DTYPES)}. "
            f"Convert it, e.g. {_dtype_hint(block.dtype)}"
        )
    # one reduction checks both: NaN propagates through max, inf stays inf (np.max's own
    # reduction, without its Python wrapper)
    peak = float(np.maximum.reduce(np.abs(block), axis=None)) if block.size else 0.0
    if peak <= MAX_FLOAT_PEAK:
        return np.asarray(block, np.float32)

    def where(flat: int) -> str:
        cols = block.shape[1] if block.ndim == 2 else 1
        frame, ch = divmod(flat, cols)
        at = f"sample {offset + frame}"
        if sample_rate:
            at += f" ({(offset + frame) / sample_rate:.2f} s)"
        return at + (f", channel {ch}" if block.ndim == 2 else "")

    flat_block = block.reshape(-1)
    if not np.isfinite(peak):
        bad = np.flatnonzero(~np.isfinite(flat_block))
        raise AudioFormatError(
            f"{what} contains {bad.size} NaN or infinite sample(s) (the first at "
            f"{where(int(bad[0]))}); audio must be finite. Re-export the recording, or replace "
            f"them, e.g. np.nan_to_num(samples)"
        )
    first = int(np.flatnonzero(np.abs(flat_block) > MAX_FLOAT_PEAK)[0])
    raise AudioFormatError(
        f"{what} has float samples up to {peak:.4g} (first beyond {MAX_FLOAT_PEAK:g} at "
        f"{where(first)}), {20 * np.log10(peak):+.0f} dB over full scale; float audio is full "
        f"scale at 1.0, so these look like PCM stored unscaled. Scale them, e.g. samples / "
        f"32768 for 16-bit values (or normalise: samples / np.abs(samples).max())"
    )


def check_block(block: np.ndarray, hop_size: int, channels: int | None = None) -> np.ndarray:
    """Validate a block for ``process``: whole hops, 1-D (or 2-D with ``channels``).

    Parameters
    ----------
    block : np.ndarray, shape (n_samples,) or (n_samples, channels)
        int16, float32 or float64 samples (see :func:`to_float32`).
    hop_size : int
        Samples per hop (160 at 16 kHz); the block's length must be a multiple of it.
    channels : int, optional
        None: a 1-D block of one channel. Otherwise a 2-D block of shape
        (n_samples, channels); with ``channels == 1`` a 1-D block is also accepted.

    Returns
    -------
    np.ndarray, float32
        Shape (n_hops * hop_size,) without ``channels``, else (n_hops * hop_size, channels).

    Raises
    ------
    AudioFormatError
        For a bad dtype or values (:func:`to_float32`), the wrong number of dimensions or
        channels, or a length that is not a whole number of hops.
    """
    x = to_float32(block)
    if channels is None:
        if x.ndim != 1:
            raise AudioFormatError(
                f"audio block has shape {x.shape}; one channel takes a 1-D array of "
                f"n_hops * {hop_size} samples. Select a channel first (block[:, c])"
            )
    else:
        if x.ndim == 1 and channels == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != channels:
            raise AudioFormatError(
                f"audio block has shape {x.shape}; this analyzer takes (n_samples, {channels})"
            )
    if x.shape[0] % hop_size:
        raise AudioFormatError(
            f"audio block has {x.shape[0]} samples, not a whole number of {hop_size}-sample "
            f"hops; pass n_hops * {hop_size} samples (BlockAdapter re-blocks any length)"
        )
    return x


class BlockAdapter:
    """Turn arbitrary incoming blocks into whole hops of float32 at the analysis rate.

    Parameters
    ----------
    sample_rate : int
        Rate of the incoming audio, Hz (``min_sample_rate`` to ``max_sample_rate``).
    channels : int
        Channels of the incoming audio.
    select : sequence of int, optional
        Which channels to keep (default: all).
    target_sample_rate : int
        Analysis rate, Hz (16000).
    hop_size : int
        Samples per hop at ``target_sample_rate`` (160).
    min_sample_rate, max_sample_rate : int
        Accepted input rates, Hz.

    Notes
    -----
    Resampling uses ``soxr.ResampleStream`` (streaming, stateful), so the output does not
    depend on how the input was cut into blocks. A trailing partial hop is held back until
    more samples arrive; :meth:`flush` drains the resampler and drops the last partial hop
    (at most 10 ms).
    """

    def __init__(
        self,
        sample_rate: int,
        channels: int,
        select: list[int] | tuple[int, ...] | None = None,
        *,
        target_sample_rate: int = 16000,
        hop_size: int = 160,
        min_sample_rate: int = 8000,
        max_sample_rate: int = 192000,
    ) -> None:
        if (isinstance(sample_rate, float | np.floating) and float(sample_rate).is_integer()
                and min_sample_rate <= sample_rate <= max_sample_rate):
            raise AudioFormatError(
                f"sample rate {sample_rate!r} is a float; rates are whole numbers of Hz "
                f"({min_sample_rate} to {max_sample_rate}). Pass int({sample_rate!r})"
            )
        if (not isinstance(sample_rate, int | np.integer)
                or not min_sample_rate <= sample_rate <= max_sample_rate):
            raise AudioFormatError(
                f"sample rate {sample_rate!r} Hz is out of range; allowed are whole rates from "
                f"{min_sample_rate} to {max_sample_rate} Hz. Resample the audio (e.g. with sox "
                f"or soxr) first"
            )
        if channels < 1:
            raise AudioFormatError(f"audio has {channels} channels; at least 1 is needed")
        sel = tuple(range(channels)) if select is None else tuple(int(c) for c in select)
        for c in sel:
            if not 0 <= c < channels:
                raise AudioFormatError(
                    f"channel {c} was requested but the audio has {channels} channel(s) "
                    f"(0..{channels - 1}); choose one of those"
                )
        self.sample_rate = int(sample_rate)
        self.channels = channels
        self.select = sel
        self.target_sample_rate = target_sample_rate
        self.hop_size = hop_size
        self._resampler = None
        if self.sample_rate != target_sample_rate:
            import soxr

            self._resampler = soxr.ResampleStream(
                self.sample_rate, target_sample_rate, len(sel), dtype="float32", quality="HQ"
            )
        self._pending = np.zeros((0, len(sel)), np.float32)
        self._frames_in = 0  # frames pushed so far (error messages name a frame's time)

    def push(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """Add samples; return the whole hops now available.

        Parameters
        ----------
        block : np.ndarray, shape (n,) or (n, channels)
            int16, float32 or float64 samples at :attr:`sample_rate`.
        last : bool
            True for the final block: drains the resampler.

        Returns
        -------
        np.ndarray, shape (n_hops * hop_size, len(select)), float32
        """
        x = to_float32(block, offset=self._frames_in, sample_rate=self.sample_rate)
        self._frames_in += int(block.shape[0]) if block.ndim else 0
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.channels:
            raise AudioFormatError(
                f"audio block has shape {block.shape}; expected (n_samples, {self.channels})"
                + (" or (n_samples,)" if self.channels == 1 else "")
            )
        x = x[:, self.select]
        if self._resampler is not None:
            x = self._resampler.resample_chunk(np.ascontiguousarray(x), last=last)
            x = np.asarray(x, np.float32).reshape(-1, len(self.select))
        buf = np.concatenate([self._pending, x]) if self._pending.size else x
        n = (buf.shape[0] // self.hop_size) * self.hop_size
        self._pending = buf[n:].copy()
        return np.ascontiguousarray(buf[:n])

    def flush(self) -> np.ndarray:
        """Drain the resampler at the end of the stream; return the last whole hops.

        Returns
        -------
        np.ndarray, shape (n_hops * hop_size, len(select)), float32
            As :meth:`push` with ``last=True``; a remainder shorter than a hop is not
            returned.
        """
        return self.push(np.zeros((0, self.channels), np.float32), last=True)
