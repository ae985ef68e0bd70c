"""Reading audio files in blocks and analysing them with the streaming core.

Files are streamed with :func:`soundfile.SoundFile.blocks`, resampled and re-blocked by
:class:`~voicecoach.analysis.BlockAdapter` and fed to the same
:class:`~voicecoach.analysis.ChannelAnalyzer` that live mode uses, so memory does not grow
with file length (only the returned rows do: 11 small arrays, about 40 bytes per hop).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from .analysis import Analyzer, BlockAdapter, Features
from .config import Config, config_or_default, harmonic_check_on
from .errors import AudioFormatError, ParameterError, SourceError, TruncatedAudio

__all__ = [
    "AudioInfo",
    "analyze_file",
    "audio_info",
    "iter_features",
    "iter_hops",
    "select_channels",
    "source_rate_hz",
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
        ``"FORMAT/SUBTYPE"`` from libsndfile (``WAV/GSM610``, ``OGG/OPUS``...) or
        ``"ffmpeg/CODEC"`` for files decoded by ffmpeg (``ffmpeg/aac``). For ffmpeg files
        ``frames`` is estimated from the container's duration.
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


#: Extensions decoded by ffmpeg when libsndfile cannot read them (AAC in MP4/M4A, and Opus
#: or MP3 where the installed libsndfile lacks them).
FFMPEG_EXTENSIONS = (".m4a", ".mp4", ".aac", ".opus", ".mp3", ".ogg", ".webm", ".wma", ".amr")


def _check_path(p: Path) -> None:
    if not p.exists():
        raise SourceError(f"audio file {str(p)!r} does not exist; check the path")
    if p.is_dir():
        raise SourceError(
            f"{str(p)!r} is a folder; give an audio file (WAV, FLAC, OGG, Opus, MP3, M4A)"
        )
    if p.stat().st_size == 0:
        raise SourceError(f"audio file {str(p)!r} is empty (0 bytes); record or copy it again")
    try:
        with p.open("rb"):
            pass
    except PermissionError:
        raise SourceError(
            f"audio file {str(p)!r} cannot be read: permission denied; make it readable "
            f"(e.g. `chmod u+r {p.name}`, or copy it as the user who owns it)"
        ) from None


class _SndReader:
    """A file read by libsndfile, block by block (also non-seekable codecs such as GSM 6.10)."""

    def __init__(self, f) -> None:
        self.f = f
        self.sample_rate = int(f.samplerate)
        self.channels = int(f.channels)
        self.frames = int(f.frames)
        self.format = f"{f.format}/{f.subtype}"

    def blocks(self, n: int) -> Iterator[np.ndarray]:
        # SoundFile.blocks() needs `frames` on non-seekable files (GSM 6.10 WAV); read() does not
        while True:
            b = self.f.read(n, dtype="float32", always_2d=True)
            if b.shape[0] == 0:
                return
            yield b

    def close(self) -> None:
        self.f.close()


class _FfmpegReader:
    """A file decoded by an ``ffmpeg`` subprocess to float32 at its own rate, through a pipe."""

    def __init__(self, path: Path, ffmpeg: str) -> None:
        self.path = path
        self.ffmpeg = ffmpeg
        rate, channels, duration_s, codec = _ffprobe(path, ffmpeg)
        self.sample_rate = rate
        self.channels = channels
        self.frames = round(duration_s * rate)
        self.format = f"ffmpeg/{codec}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None

    def blocks(self, n: int) -> Iterator[np.ndarray]:
        # "file:" keeps ffmpeg from treating the name as a URL: nothing is fetched over a network
        argv = [
            self.ffmpeg,
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            f"file:{self.path}",
            "-map",
            "0:a:0",
            "-vn",
            "-f",
            "f32le",
            "-acodec",
            "pcm_f32le",
            "pipe:1",
        ]
        # stderr goes to a file: a pipe nobody reads could fill up and stall ffmpeg
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._err)
        assert self.proc.stdout is not None
        frame_bytes = 4 * self.channels
        rest = b""
        while True:
            chunk = self.proc.stdout.read(n * frame_bytes)
            if not chunk:
                break
            buf = rest + chunk
            k = len(buf) // frame_bytes * frame_bytes
            rest = buf[k:]
            if k:
                yield np.frombuffer(buf[:k], np.float32).reshape(-1, self.channels)
        if self.proc.wait() != 0:
            self._err.seek(0)
            err = self._err.read(65536).decode(errors="replace").strip()
            last = err.splitlines()[-1] if err else "?"
            raise SourceError(f"ffmpeg could not decode {str(self.path)!r}: {last}")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._err is not None:
            self._err.close()

    def __enter__(self) -> _FfmpegReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ffprobe(path: Path, ffmpeg: str) -> tuple[int, int, float, str]:
    probe = shutil.which("ffprobe") or str(Path(ffmpeg).with_name("ffprobe"))
    argv = [
        probe,
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "stream=sample_rate,channels,codec_name,duration:format=duration",
        "-of",
        "json",
        f"file:{path}",
    ]
    try:
        out = subprocess.run(argv, capture_output=True, check=False, timeout=60)
    except OSError as e:
        raise SourceError(f"cannot run ffprobe (part of ffmpeg) on {str(path)!r}: {e}") from None
    try:
        doc = json.loads(out.stdout or b"{}")
        st = doc["streams"][0]
        rate, channels = int(st["sample_rate"]), int(st["channels"])
        dur = st.get("duration") or doc.get("format", {}).get("duration") or 0.0
        return rate, channels, float(dur), str(st.get("codec_name", "?"))
    except (ValueError, KeyError, IndexError, TypeError):
        msg = out.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(
            f"cannot read {str(path)!r} as audio (ffmpeg: {msg[-1] if msg else 'no audio stream'})"
            f"; the file is corrupt or not audio: check it plays, or export it again as WAV or "
            f"FLAC"
        ) from None


_CUT_SHORT_WARNED: set[tuple[str, int, int]] = set()


def _warn_if_cut_short(p: Path, f: Any) -> None:
    """Warn (:class:`TruncatedAudio`) when libsndfile reports a WAV data chunk larger than
    the file holds: a recording or a copy cut short, read up to where it stops."""
    info = getattr(f, "extra_info", "") or ""
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", info, re.M)
    align = re.search(r"Block Align\s*:\s*(\d+)", info)
    if not (m and align) or int(m[1]) <= int(m[2]) or not int(align[1]):
        return
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key in _CUT_SHORT_WARNED:  # once per file (it is opened for its header, then read)
        return
    _CUT_SHORT_WARNED.add(key)
    declared_s = int(m[1]) / int(align[1]) / f.samplerate
    warnings.warn(
        f"{str(p)!r} is cut short: its header declares {declared_s:.1f} s of audio but the file "
        f"holds {f.frames / f.samplerate:.1f} s (a recording or a copy interrupted?); what is "
        f"there is analysed",
        TruncatedAudio,
        stacklevel=3,
    )


def _open(path: str | os.PathLike[str]) -> _SndReader | _FfmpegReader:
    import soundfile as sf

    if not isinstance(path, str | os.PathLike):
        raise ParameterError(
            f"an audio file path (str or pathlib.Path) is needed, got {type(path).__name__}; "
            f"for samples already in memory use voicecoach.analysis.ChannelAnalyzer()"
            f".process(samples) (16 kHz) or BlockAdapter to resample"
        )
    p = Path(path)
    _check_path(p)
    try:
        f = sf.SoundFile(str(p))
    except (sf.LibsndfileError, RuntimeError) as e:
        if p.suffix.lower() not in FFMPEG_EXTENSIONS:
            raise SourceError(
                f"cannot read {str(p)!r} as audio ({e}); supported formats are WAV, FLAC, OGG, "
                f"Opus, MP3 and M4A/AAC (the last through ffmpeg). Convert it, e.g. "
                f"`ffmpeg -i {p.name} out.wav`"
            ) from None
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise SourceError(
                f"{str(p)!r} ({p.suffix.lower()[1:].upper()}) needs ffmpeg to be decoded and "
                f"ffmpeg is not installed; install it (`sudo apt install ffmpeg`, or "
                f"scripts/setup.sh) or convert the file to WAV or FLAC on another machine"
            ) from None
        r: _SndReader | _FfmpegReader = _FfmpegReader(p, ffmpeg)
    else:
        r = _SndReader(f)
        _warn_if_cut_short(p, f)
    if r.frames == 0 and not isinstance(r, _FfmpegReader):
        r.close()
        raise SourceError(f"audio file {str(p)!r} holds no samples; nothing to analyse")
    return r


def audio_info(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe an audio file without reading its samples.

    Parameters
    ----------
    path : path-like
        An audio file (the formats of :func:`analyze_file`).

    Returns
    -------
    AudioInfo
        Its path, sample rate (Hz), channels, frames and format.

    Raises
    ------
    SourceError
        If it is missing, empty or not readable audio.
    """
    r = _open(path)
    try:
        return AudioInfo(str(path), r.sample_rate, r.channels, r.frames, r.format)
    finally:
        r.close()


def _check_channel(path: str | os.PathLike[str], channel: int, channels: int) -> None:
    if not 0 <= channel < channels:
        raise ParameterError(f"{str(path)!r} has {channels} channel(s); channel "
                             f"{channel!r} is not one of 0..{channels - 1}")


def _scan_band(path: str | os.PathLike[str], channel: int, seconds: float) -> tuple[Any, float]:
    """The long-term spectrum (:class:`~voicecoach.analysis.band.BandMeter`) of a file
    channel's first ``seconds``, streamed in constant memory, and the seconds read."""
    from .analysis.band import BandMeter

    r = _open(path)
    try:
        _check_channel(path, channel, r.channels)
        need = round(seconds * r.sample_rate)
        meter, got = BandMeter(r.sample_rate), 0
        try:
            for b in r.blocks(READ_BLOCK):  # streamed: constant memory at any rate
                x = b[: need - got, channel]
                got += x.shape[0]
                # NaN and inf: the analysis refuses them later, with the file's name
                meter.push(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0))
                if got >= need:
                    break
        except RuntimeError as e:  # libsndfile decode errors mid-file
            raise SourceError(f"{str(path)!r} is corrupt after some samples: {e}") from None
        return meter, got / r.sample_rate
    finally:
        r.close()


def source_rate_hz(path: str | os.PathLike[str], channel: int = 0,
                   config: Config | None = None) -> float:
    """The rate a file's channel was recorded at, as the harmonic check's "auto" rule reads it.

    The file's sample rate, or 8000 Hz (a telephone line) when the channel's first
    ``[pitch] band_scan_s`` seconds are telephone band although the file is saved at a
    higher rate (:func:`voicecoach.analysis.band.telephone_band`; a call recorder's 16 kHz
    export of an 8 kHz call).

    Parameters
    ----------
    path : path-like
        An audio file (the formats of :func:`analyze_file`).
    channel : int
        The channel, 0-based.
    config : Config, optional
        Its ``[pitch]`` gives ``band_scan_s`` (0: the file's rate alone) and
        ``telephone_band_db``.

    Returns
    -------
    float
        Hz.

    Raises
    ------
    SourceError
        If the file is missing, unreadable or corrupt.
    """
    from .config import TELEPHONE_RATE_HZ

    cfg = config_or_default(config)
    info = audio_info(path)
    _check_channel(path, channel, info.channels)
    rate = float(info.sample_rate)
    if rate <= TELEPHONE_RATE_HZ or cfg.pitch.band_scan_s <= 0:
        return rate
    meter, _ = _scan_band(path, channel, cfg.pitch.band_scan_s)
    return float(TELEPHONE_RATE_HZ) if meter.ratio_db() <= cfg.pitch.telephone_band_db else rate


def lows_cut(path: str | os.PathLike[str], channel: int = 0,
             config: Config | None = None) -> bool | None:
    """Whether a file's channel went through a line that cut the frequencies under 300 Hz.

    Its first ``[pitch] band_scan_s`` seconds' energy in
    :data:`~voicecoach.analysis.band.LOWS_BAND_HZ` against the line band
    (:meth:`~voicecoach.analysis.band.BandMeter.lows_db`) at or under ``[baseline]
    line_lows_db``: a public-network line, whose audio the profile's telephone-band
    references stand for; above it, audio that kept its lows (a VoIP path at 8 kHz, an 8 kHz
    studio recording), which the profile's own references fit better.

    Parameters
    ----------
    path : path-like
        An audio file (the formats of :func:`analyze_file`).
    channel : int
        The channel, 0-based.
    config : Config, optional

    Returns
    -------
    bool or None
        None when it cannot tell (silence, under a second of audio, ``band_scan_s`` 0).

    Raises
    ------
    SourceError
        If the file is missing, unreadable or corrupt.
    """
    cfg = config_or_default(config)
    if cfg.pitch.band_scan_s <= 0:
        return None
    meter, got_s = _scan_band(path, channel, cfg.pitch.band_scan_s)
    if got_s < 1.0:
        return None
    lows = meter.lows_db()
    return None if lows != lows else bool(lows <= cfg.baseline.line_lows_db)


def select_channels(channel: int | str | None, channels: int, *, allow_all: bool = True
                    ) -> list[int]:
    """Turn ``--channel`` (an index, ``"all"`` or None = all) into a list of indices.

    With ``allow_all=False`` (one speaker's channel, e.g. calibration) ``"all"`` and None are
    taken only for a one-channel file.

    Parameters
    ----------
    channel : int, str or None
        An index (int or its text, e.g. ``"1"``), ``"all"`` or None.
    channels : int
        Channels in the file.
    allow_all : bool
        Whether ``"all"`` / None may select several channels.

    Returns
    -------
    list of int
        The selected indices, in order.

    Raises
    ------
    AudioFormatError
        For an index that is not a whole number or is outside 0..channels-1, or for
        ``"all"`` / None with ``allow_all=False`` and several channels.
    """
    alt = " or 'all'" if allow_all else ""
    if channel is None or channel == "all":
        if allow_all or channels == 1:
            return list(range(channels))
        raise AudioFormatError(
            f"channel {channel!r} was given for a {channels}-channel file, but one channel, the "
            f"one that holds the speaker, is needed; give an index 0..{channels - 1}"
        )
    c: int | None = None
    if isinstance(channel, str):
        c = int(channel.strip()) if channel.strip().lstrip("+-").isdigit() else None
    elif isinstance(channel, int | np.integer) and not isinstance(channel, bool | np.bool_):
        c = int(channel)
    if c is None:
        raise AudioFormatError(
            f"channel {channel!r} is not valid; give a whole index 0..{channels - 1}{alt}"
        )
    if not 0 <= c < channels:
        raise AudioFormatError(
            f"channel {c} was requested but the file has {channels} channel(s) "
            f"(0..{channels - 1}); choose one of those{alt}"
        )
    return [c]


def iter_hops(
    path: str | os.PathLike[str],
    select: list[int] | None = None,
    config: Config | None = None,
    read_block: int = READ_BLOCK,
) -> Iterator[np.ndarray]:
    """Stream a file as blocks of whole 16 kHz hops.

    Parameters
    ----------
    path : path-like
        An audio file (the formats of :func:`analyze_file`).
    select : list of int, optional
        Channel indices to keep (default: all).
    config : Config, optional
        Its ``[analysis]`` gives the target rate, hop size and accepted input rates.
    read_block : int
        Frames read from disk at a time (memory stays constant).

    Yields
    ------
    np.ndarray, shape (n_hops * 160, len(select)), float32
        Resampled to 16 kHz; a final part shorter than a 10 ms hop is dropped.

    Raises
    ------
    SourceError
        If the file is missing, unreadable or corrupt part-way.
    AudioFormatError
        For a sample rate or channel selection out of range, NaN / unscaled samples, or
        less than one hop of audio.
    """
    cfg = config_or_default(config)
    a = cfg.analysis
    r = _open(path)
    try:
        try:
            adapter = BlockAdapter(
                r.sample_rate,
                r.channels,
                select,
                target_sample_rate=a.sample_rate,
                hop_size=a.hop_size,
                min_sample_rate=a.min_input_rate,
                max_sample_rate=a.max_input_rate,
            )
        except AudioFormatError as e:  # its rate or channels: name the file
            raise AudioFormatError(f"{str(path)!r}: {e}") from None
        hops = 0
        try:
            for block in r.blocks(read_block):
                out = adapter.push(block)
                if out.shape[0]:
                    hops += out.shape[0] // a.hop_size
                    yield out
        except RuntimeError as e:  # libsndfile decode errors mid-file
            raise SourceError(f"{str(path)!r} is corrupt after some samples: {e}") from None
        except AudioFormatError as e:  # NaN or unscaled samples: name the file
            raise AudioFormatError(f"{str(path)!r}: {e}") from None
        out = adapter.flush()
        if out.shape[0]:
            hops += out.shape[0] // a.hop_size
            yield out
        if hops == 0:
            dur_ms = 1000.0 * r.frames / r.sample_rate if r.frames else 0.0
            raise AudioFormatError(
                f"{str(path)!r} holds {dur_ms:.0f} ms of audio, less than one "
                f"{1000 * a.hop_s:g} ms hop: nothing to analyse; give a longer recording"
            )
    finally:
        r.close()


def analyze_file(
    path: str | os.PathLike[str],
    channel: int | str | None = None,
    config: Config | None = None,
) -> list[Features]:
    """Analyse an audio file with the streaming core.

    Parameters
    ----------
    path : path-like
        WAV (PCM, float, G.711 mu-law/A-law, GSM 6.10), FLAC, OGG/Vorbis/Opus, MP3, and
        with ffmpeg installed M4A/AAC (and anything else ffmpeg decodes); 8–192 kHz.
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

    Parameters
    ----------
    path : path-like
        An audio file (the formats of :func:`analyze_file`).
    channel : int, "all" or None
        Channel to analyse; None or "all" analyses every channel.
    config : Config, optional

    Yields
    ------
    list of Features
        For each block read from disk, one :class:`Features` per selected channel (10 ms
        hops).

    Raises
    ------
    SourceError, AudioFormatError
        As :func:`iter_hops`, and for an invalid ``channel`` (:func:`select_channels`).
    """
    cfg = config_or_default(config)
    info = audio_info(path)
    select = select_channels(channel, info.channels)
    # telephone audio gets the pitch tracker's harmonic check ([pitch] harmonic_check): a
    # telephone-rate file, or a channel of telephone band saved at a higher rate
    harmonic = [harmonic_check_on(cfg.pitch, source_rate_hz(path, c, cfg), far_end=False)
                for c in select]
    an = Analyzer(len(select), cfg, harmonic)
    for block in iter_hops(path, select, cfg):
        yield an.process(block)
