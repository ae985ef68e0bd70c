"""Reading audio files in blocks and analysing them with the streaming core.

Files are streamed with :func:`soundfile.SoundFile.blocks`, resampled and re-blocked by
:class:`~voicecoach.analysis.BlockAdapter` and fed to the same
:class:`~voicecoach.analysis.ChannelAnalyzer` that live mode uses, so memory does not grow
with file length (only the returned rows do: 11 small arrays, about 40 bytes per hop).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .analysis import Analyzer, BlockAdapter, Features
from .config import Config, load_config
from .errors import AudioFormatError, SourceError

__all__ = [
    "AudioInfo",
    "analyze_file",
    "audio_info",
    "iter_features",
    "iter_hops",
    "select_channels",
]

#: Samples read per block from disk (at the file's rate).
READ_BLOCK = 65536


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds.

    Attributes
    ----------
    path : str
    sample_rate : int
        Hz.
    channels : int
    frames : int
        Samples per channel.
    format : str
        libsndfile format name (WAV, FLAC, OGG, MP3...).
    """

    path: str
    sample_rate: int
    channels: int
    frames: int
    format: str

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _open(path: str | os.PathLike[str]):
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise SourceError(f"audio file {str(p)!r} does not exist; check the path")
    if p.is_dir():
        raise SourceError(f"{str(p)!r} is a folder; give an audio file (WAV, FLAC, OGG, MP3)")
    if p.stat().st_size == 0:
        raise SourceError(f"audio file {str(p)!r} is empty (0 bytes); record or copy it again")
    try:
        f = sf.SoundFile(str(p))
    except (sf.LibsndfileError, RuntimeError) as e:
        raise SourceError(
            f"cannot read {str(p)!r} as audio ({e}); supported formats are WAV, FLAC, OGG and "
            f"MP3. Convert it, e.g. `ffmpeg -i {p.name} out.wav`"
        ) from None
    if f.frames == 0:
        f.close()
        raise SourceError(f"audio file {str(p)!r} holds no samples; nothing to analyse")
    return f


def audio_info(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe an audio file without reading its samples.

    Raises
    ------
    SourceError
        If it is missing, empty or not readable audio.
    """
    with _open(path) as f:
        return AudioInfo(str(path), int(f.samplerate), int(f.channels), int(f.frames), f.format)


def select_channels(channel: int | str | None, channels: int) -> list[int]:
    """Turn ``--channel`` (an index, ``"all"`` or None = all) into a list of indices."""
    if channel is None or channel == "all":
        return list(range(channels))
    try:
        c = int(channel)
    except (TypeError, ValueError):
        raise AudioFormatError(
            f"channel {channel!r} is not valid; give an index 0..{channels - 1} or 'all'"
        ) from None
    if not 0 <= c < channels:
        raise AudioFormatError(
            f"channel {c} was requested but the file has {channels} channel(s) "
            f"(0..{channels - 1}); choose one of those or 'all'"
        )
    return [c]


def iter_hops(
    path: str | os.PathLike[str],
    select: list[int] | None = None,
    config: Config | None = None,
    read_block: int = READ_BLOCK,
) -> Iterator[np.ndarray]:
    """Stream a file as blocks of whole 16 kHz hops.

    Yields
    ------
    np.ndarray, shape (n_hops * 160, len(select)), float32
    """
    cfg = config or load_config()
    a = cfg.analysis
    with _open(path) as f:
        adapter = BlockAdapter(
            int(f.samplerate),
            int(f.channels),
            select,
            target_rate=a.sample_rate,
            hop_size=a.hop_size,
            min_rate=a.min_input_rate,
            max_rate=a.max_input_rate,
        )
        try:
            for block in f.blocks(blocksize=read_block, dtype="float32", always_2d=True):
                out = adapter.push(block)
                if out.shape[0]:
                    yield out
        except RuntimeError as e:  # libsndfile decode errors mid-file
            raise SourceError(f"{str(path)!r} is corrupt after some samples: {e}") from None
        out = adapter.flush()
        if out.shape[0]:
            yield out


def analyze_file(
    path: str | os.PathLike[str],
    channel: int | str | None = None,
    config: Config | None = None,
) -> list[Features]:
    """Analyse an audio file with the streaming core.

    Parameters
    ----------
    path : path-like
        WAV, FLAC, OGG (or MP3 where libsndfile supports it), 8–48 kHz.
    channel : int, "all" or None
        Channel to analyse; None or "all" analyses every channel.
    config : Config, optional

    Returns
    -------
    list of Features
        One per selected channel, one row per 10 ms hop.

    Raises
    ------
    SourceError
        Missing, empty, unreadable or corrupt file.
    AudioFormatError
        Sample rate out of range, bad channel.
    """
    parts: list[list[Features]] | None = None
    for rows in iter_features(path, channel, config):
        if parts is None:
            parts = [[] for _ in rows]
        for i, r in enumerate(rows):
            parts[i].append(r)
    return [Features.concat(p) for p in (parts or [])]


def iter_features(
    path: str | os.PathLike[str],
    channel: int | str | None = None,
    config: Config | None = None,
) -> Iterator[list[Features]]:
    """Stream the analysis of a file block by block (constant memory).

    Yields
    ------
    list of Features
        For each block read from disk, one :class:`Features` per selected channel.
    """
    cfg = config or load_config()
    info = audio_info(path)
    select = select_channels(channel, info.channels)
    an = Analyzer(len(select), cfg)
    for block in iter_hops(path, select, cfg):
        yield an.process(block)
