"""Incremental session recording: both channels to FLAC/WAV as audio arrives.

Each party goes to its own mono file (``agent.flac``, ``customer.flac``) so that a device
lost mid-call never ends the other channel's recording. Files are written through
libsndfile (``soundfile``): blocks are gathered in memory and written and flushed together
every ``flush_s`` seconds of audio (one write per file instead of one per 20-40 ms block:
the live analysis thread's time goes to analysis), so a crash or Ctrl-C loses at most the
last second. WAV is the default because a WAV file that was never closed is a valid WAV
file up to its last flush: each flush also rewrites its header (libsndfile's
``SFC_UPDATE_HEADER_NOW``: the RIFF and data sizes at the file's start, about 16 µs, once
per flush and file), so sox, Python's ``wave`` and scipy read it after a crash as well as
soundfile and ffprobe do. An unfinished FLAC file has no valid length and is not readable, so choose
FLAC only where disk space matters more than crash safety.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ParameterError, SourceError
from ..privacy import private_dir, private_file

__all__ = ["Recorder"]

#: libsndfile's ``SFC_UPDATE_HEADER_NOW`` (sndfile.h), which soundfile's cffi declarations
#: do not name: rewrite the header of a file open for writing to match the frames written.
_SFC_UPDATE_HEADER_NOW = 0x1060


def _update_header(f: object) -> None:
    """Rewrite the header of an open ``soundfile.SoundFile`` (WAV) to its current length.

    Raises
    ------
    RuntimeError
        libsndfile failed (soundfile's own errors are ``RuntimeError`` too).
    """
    import soundfile as sf

    handle = f._file  # type: ignore[attr-defined]  # soundfile's cffi SNDFILE*
    sf._snd.sf_command(handle, _SFC_UPDATE_HEADER_NOW, sf._ffi.NULL, 0)
    err = sf._snd.sf_error(handle)
    if err:
        why = sf._ffi.string(sf._snd.sf_error_number(err)).decode("utf-8", "replace")
        raise RuntimeError(f"could not update the WAV header of the recording: {why}")


class Recorder:
    """Write a two-party call incrementally.

    Parameters
    ----------
    folder : path-like
        Session folder (created).
    sample_rate : int
        Hz of the blocks written.
    parties : tuple of str
        One mono file per party, in column order of the blocks.
    format : {"FLAC", "WAV"}
    flush_s : float
        Flush to disk at least this often (seconds of audio).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        sample_rate: int = 16000,
        parties: tuple[str, ...] = ("agent", "customer"),
        format: str = "WAV",
        flush_s: float = 0.5,
    ) -> None:
        import soundfile as sf

        fmt = format.upper()
        if fmt not in ("FLAC", "WAV"):
            raise SourceError(f"recording format {format!r} is not supported; use FLAC or WAV")
        self.folder = Path(folder)
        private_dir(self.folder)
        self.sample_rate = int(sample_rate)
        self.parties = parties
        ext = ".flac" if fmt == "FLAC" else ".wav"
        self._wav = fmt == "WAV"
        subtype = "PCM_16"
        self.paths = [self.folder / f"{p}{ext}" for p in parties]
        self._files = [
            sf.SoundFile(private_file(p), "w", self.sample_rate, 1, subtype=subtype, format=fmt)
            for p in self.paths
        ]
        self._flush_every = max(1, int(flush_s * sample_rate))
        self._since_flush = 0
        self._pending: list[np.ndarray] = []  # blocks not written yet
        self.frames = 0

    def write(self, block: np.ndarray) -> None:
        """Append a block of shape (n, len(parties)), float in [-1, 1] (rounded to 16 bit).

        Parameters
        ----------
        block : np.ndarray, shape (n, len(parties)), float
            Full scale 1.0; clipped.

        Raises
        ------
        ParameterError
            For another shape.
        """
        pcm = np.clip(np.rint(np.asarray(block) * 32768.0), -32768, 32767).astype(np.int16)
        self.write_pcm(pcm)

    def write_pcm(self, block: np.ndarray) -> None:
        """Append 16-bit samples of shape (n, len(parties)), written as they are.

        Parameters
        ----------
        block : np.ndarray, shape (n, len(parties)), int16
            Copied; flushed to disk every ``flush_s`` seconds of audio.

        Raises
        ------
        ParameterError
            For another shape.
        """
        if block.ndim != 2 or block.shape[1] != len(self._files):
            raise ParameterError(
                f"recorder block has shape {block.shape}; expected (n, {len(self._files)})"
            )
        self._pending.append(np.array(block, np.int16))  # a copy: the caller may reuse it
        self.frames += block.shape[0]
        self._since_flush += block.shape[0]
        if self._since_flush >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the gathered blocks, rewrite a WAV header to the new length, and push them
        to disk (called every ``flush_s`` seconds of audio, not per block)."""
        if self._pending:
            pcm = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending = []
            for c, f in enumerate(self._files):
                f.write(np.ascontiguousarray(pcm[:, c]))
                if self._wav:  # a file cut by a crash then says how long it is
                    _update_header(f)
        for f in self._files:
            f.flush()
        self._since_flush = 0

    def close(self) -> None:
        """Write what is gathered and finish the files (idempotent)."""
        if self._pending and not any(f.closed for f in self._files):
            self.flush()
        for f in self._files:
            if not f.closed:
                f.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
