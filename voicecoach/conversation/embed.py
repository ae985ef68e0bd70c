"""Speaker embeddings for the mono review's two-voice clustering.

The encoder is Resemblyzer's GE2E speaker encoder (Resemble AI, Apache-2.0; three LSTM layers
of 256 units over 40 linear mel bands, a 256-d unit vector out), exported to ONNX from the
weights its PyPI wheel ships (``scripts/export_ge2e.py``; outputs within 5e-7 of the PyTorch
model) and run by onnxruntime, so no PyTorch is needed. Its licence is
``voicecoach/models/LICENSE-resemblyzer``.

Samples are the clock: :class:`SpeakerMels` turns a 16 kHz stream into one mel frame per
10 ms hop (any whole number of hops at a time, the same frames whatever the cut), and
:class:`SpeakerEncoder` embeds stretches of those frames.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import ParameterError

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "ge2e_resemblyzer.onnx"
"""The GE2E encoder as ONNX (input ``mels`` (batch, frames, 40), output ``embedding``
(batch, 256))."""

N_MELS = 40
"""Mel bands of the encoder's input."""

WIN = 400
"""Frame length, samples at 16 kHz (25 ms), periodic Hann window, 400-point FFT."""

PARTIAL_FRAMES = 160
"""The encoder's partial utterance, hops (1.6 s): longer stretches are embedded as partials
hopped by half of it, averaged and normalised (as Resemblyzer embeds an utterance)."""

NORM_DBFS = -30.0
"""A stretch quieter than this (mean power, dBFS) is raised to it before embedding (the
encoder's training level; louder stretches are left as they are, as in Resemblyzer)."""


def _hz_to_mel(f_hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f_hz, np.float64)
    lin = f / (200.0 / 3)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0)
                    / (np.log(6.4) / 27.0), lin)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)),
                    m * (200.0 / 3))


def mel_filters(sample_rate: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float,
                *, slaney_norm: bool = False) -> np.ndarray:
    """Triangular mel filters on the Slaney mel scale, as ``librosa.filters.mel``.

    Parameters
    ----------
    sample_rate : int
        Hz.
    n_fft : int
        FFT length, samples.
    n_mels : int
        Number of filters.
    fmin_hz, fmax_hz : float
        Lower edge of the first and upper edge of the last filter, Hz.
    slaney_norm : bool
        False: peak 1 (``norm=None``); True: unit area on the Hz axis (librosa's default
        ``norm="slaney"``, the speaker encoder's front end).

    Returns
    -------
    np.ndarray, shape (n_mels, n_fft // 2 + 1)
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin_hz), _hz_to_mel(fmax_hz), n_mels + 2))
    fb = np.zeros((n_mels, freqs.size))
    for i in range(n_mels):
        lo = (freqs - edges[i]) / (edges[i + 1] - edges[i])
        hi = (edges[i + 2] - freqs) / (edges[i + 2] - edges[i + 1])
        fb[i] = np.maximum(0.0, np.minimum(lo, hi))
    if slaney_norm:
        fb *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return fb


def hop_frames(tail: np.ndarray, x: np.ndarray, hop: int, win: int, who: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """The ``win``-sample frame ending at each hop's last sample, over a stream.

    Parameters
    ----------
    tail : np.ndarray, shape (win - hop,)
        The stream's last ``win - hop`` samples before ``x`` (zeros at its start).
    x : np.ndarray, shape (n_hops * hop,)
        The next samples, whole hops.
    hop, win : int
        Hop and frame lengths, samples.
    who : str
        The caller's name, for the error message.

    Returns
    -------
    frames : np.ndarray, shape (n_hops, win), float64
    tail : np.ndarray, shape (win - hop,)
        The tail to pass with the next block.

    Raises
    ------
    ParameterError
        When ``x`` is not a whole number of hops.
    """
    x = np.asarray(x, np.float64).reshape(-1)
    n = x.size // hop
    if x.size != n * hop:
        raise ParameterError(f"{who} takes whole hops of {hop} samples, got {x.size} samples")
    buf = np.concatenate([tail, x])
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    return buf[idx], buf[buf.size - (win - hop) :]


class SpeakerMels:
    """Streaming linear mel power, one 40-band frame per hop (the encoder's input).

    Parameters
    ----------
    config : Config, optional
        ``[analysis]`` (16 kHz, 160-sample hops).

    Notes
    -----
    Each hop's frame is the 25 ms ending at the hop's last sample (periodic Hann window,
    400-point FFT, power), through Slaney-normalised :func:`mel_filters` from 0 Hz to Nyquist:
    Resemblyzer's front end (``librosa.filters.mel`` and ``melspectrogram``), whose
    frames are centred on the hop instead (the same features 40 samples later).
    """

    def __init__(self, config: Config | None = None) -> None:
        cfg = config or load_config()
        self.sr = cfg.analysis.sample_rate
        self.hop = cfg.analysis.hop_size
        if self.sr != 16000:
            raise ParameterError(f"SpeakerMels runs at 16000 Hz, got {self.sr} Hz; resample the "
                                 f"audio to 16 kHz first (the analysis' rate)")
        self.fb = mel_filters(self.sr, WIN, N_MELS, 0.0, self.sr / 2.0, slaney_norm=True)
        self.window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(WIN) / WIN)
        self.reset()

    def reset(self) -> None:
        """Forget the past samples."""
        self.tail = np.zeros(WIN - self.hop)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Mel frames of a block of whole hops.

        Parameters
        ----------
        x : np.ndarray, shape (n_hops * hop_size,)
            16 kHz samples, full scale 1.

        Returns
        -------
        np.ndarray, shape (n_hops, 40), float32
            Mel band power per hop.
        """
        frames, self.tail = hop_frames(self.tail, x, self.hop, WIN, "SpeakerMels")
        if not len(frames):
            return np.zeros((0, N_MELS), np.float32)
        spec = np.abs(np.fft.rfft(frames * self.window, WIN, axis=1)) ** 2
        return (spec @ self.fb.T).astype(np.float32)


class SpeakerEncoder:
    """GE2E speaker embeddings of stretches of :class:`SpeakerMels` frames.

    Parameters
    ----------
    model_path : str or Path, optional
        The ONNX encoder (default :data:`MODEL_PATH`).

    Raises
    ------
    ImportError
        When onnxruntime is missing (install ``voicecoach[silero]``).
    """

    def __init__(self, model_path: str | Path | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as e:  # pragma: no cover - the default install has it
            raise ImportError(
                "speaker embeddings need onnxruntime: install it with "
                "`pip install 'voicecoach[silero]'`, or set [mono] embedding_weight = 0"
            ) from e
        path = Path(model_path) if model_path is not None else MODEL_PATH
        if not path.is_file():
            raise FileNotFoundError(f"the speaker encoder {path} is missing; reinstall "
                                    f"voicecoach, or set [mono] embedding_weight = 0")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session: Any = ort.InferenceSession(str(path), opts,
                                                  providers=["CPUExecutionProvider"])

    def embed(self, stretches: list[np.ndarray]) -> np.ndarray:
        """One embedding per stretch of mel frames.

        Parameters
        ----------
        stretches : list of np.ndarray, each shape (n_frames, 40)
            Mel frames (:class:`SpeakerMels`), at least one frame each. A stretch longer than
            :data:`PARTIAL_FRAMES` is embedded as partials of that many frames hopped by half
            of it (the last one ending with the stretch), their embeddings averaged and
            normalised.

        Returns
        -------
        np.ndarray, shape (n_stretches, 256), float32
            Unit vectors (non-negative entries).
        """
        parts: list[np.ndarray] = []
        owner: list[int] = []
        for i, m in enumerate(stretches):
            m = np.asarray(m, np.float32)
            if m.ndim != 2 or m.shape[1] != N_MELS or not len(m):
                raise ParameterError(f"a stretch must be (n_frames >= 1, {N_MELS}) mel frames, "
                                     f"got shape {m.shape}")
            n = len(m)
            if n <= PARTIAL_FRAMES:
                parts.append(m)
                owner.append(i)
                continue
            step = PARTIAL_FRAMES // 2
            starts = list(range(0, n - PARTIAL_FRAMES + 1, step))
            if starts[-1] != n - PARTIAL_FRAMES:
                starts.append(n - PARTIAL_FRAMES)
            for s in starts:
                parts.append(m[s : s + PARTIAL_FRAMES])
                owner.append(i)
        emb = np.zeros((len(parts), 256), np.float32)
        by_len: dict[int, list[int]] = {}
        for j, p in enumerate(parts):
            by_len.setdefault(len(p), []).append(j)
        for js in by_len.values():
            for k in range(0, len(js), 64):  # batches of one length
                b = js[k : k + 64]
                out = self._session.run(None, {"mels": np.stack([parts[j] for j in b])})[0]
                emb[b] = out
        res = np.zeros((len(stretches), 256), np.float64)
        np.add.at(res, np.asarray(owner, int), emb.astype(np.float64))
        norm = np.linalg.norm(res, axis=1, keepdims=True)
        return (res / np.where(norm > 0, norm, 1.0)).astype(np.float32)


def stretch_embeddings(mels: np.ndarray, level_db: np.ndarray | None, bounds: np.ndarray,
                       min_hops: int, encoder: SpeakerEncoder | None = None) -> np.ndarray:
    """Embeddings of speech stretches, NaN for those too short to embed.

    Parameters
    ----------
    mels : np.ndarray, shape (n_hops, 40)
        :class:`SpeakerMels` frames of the channel.
    level_db : np.ndarray, shape (n_hops,), optional
        Hop levels, dBFS: a stretch whose mean power is under :data:`NORM_DBFS` is raised to
        it (None: as it is).
    bounds : np.ndarray, shape (n_stretches, 2), int
        ``[start, end)`` hops of each stretch.
    min_hops : int
        Stretches shorter than this many hops get NaN rows.
    encoder : SpeakerEncoder, optional
        A loaded encoder (default: a new one).

    Returns
    -------
    np.ndarray, shape (n_stretches, 256), float32
    """
    out = np.full((len(bounds), 256), np.nan, np.float32)
    keep = [i for i, (a, b) in enumerate(bounds) if b - a >= min_hops]
    if not keep:
        return out
    segs = []
    for i in keep:
        a, b = int(bounds[i][0]), int(bounds[i][1])
        m = np.asarray(mels[a:b], np.float32)
        if level_db is not None:
            p = float(np.mean(10.0 ** (np.asarray(level_db[a:b], np.float64) / 10.0)))
            db = 10.0 * math.log10(p) if p > 0 else -120.0
            if db < NORM_DBFS:
                m = m * np.float32(10.0 ** ((NORM_DBFS - db) / 10.0))
        segs.append(m)
    enc = encoder if encoder is not None else SpeakerEncoder()
    out[keep] = enc.embed(segs)
    return out
