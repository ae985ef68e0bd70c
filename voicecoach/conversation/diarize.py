"""Two voices on one channel: detect them and attribute each stretch of speech (issue #13).

A mixed mono recording (an older recorder, many VoIP systems) holds the agent and the
customer on one channel. This module is pure analysis on per-hop rows:

* :class:`VoiceFeatures` turns 16 kHz hops into one cepstral vector per 10 ms hop (mel
  cepstrum over 250-3500 Hz, so an 8 kHz telephone recording and a 16 kHz one give the
  same features), streaming;
* :class:`DiagGMM` is a small diagonal Gaussian mixture (numpy EM), the voice model;
* :func:`diarize` splits the speech hops into *stretches* (speech runs cut at pauses and
  at ``max_stretch_s``), then

  - with the agent's voice model (stored in the profile at calibration): scores every hop
    against it and against a customer model learned from the stretches that fit the agent
    worst, re-learned from the attribution two or three times;
  - without one: clusters the stretches into two voices from ``[mono] starts`` starting
    splits (k-means on per-stretch cepstral means, spreads and pitch; the same without
    pitch; reseeded), refines each the same way with one model per voice and keeps the
    split the models fit best; the voice whose models the first ``first_speech_s`` of
    speech fits better is voice A (speaks first), with a confidence;

  and smooths the per-hop decisions with a two-state Viterbi pass (a speaker change costs
  ``switch_cost``, less across a pause). Whether the channel holds two voices at all is
  decided on the first start's split: the separation of the two voice models measured on
  held-out hops (:attr:`Diarization.separation`, nats per hop), the held-out consistency,
  and the stability (the other starts end on the same split), tuned on real single-speaker
  recordings (including one actor's calm and agitated lines) and real two-party mixes
  (``benchmarks/mono_calls.py``).

Overlapping speech is not separated: each hop goes to one party. Interruptions and
overlaps are therefore not measured on a mono recording (the report says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import ParameterError
from ..events import Interruption
from .embed import hop_frames, mel_filters, stretch_embeddings

__all__ = [
    "DiagGMM",
    "Diarization",
    "VoiceFeatures",
    "diarize",
    "mel_filters",
    "profile_match",
    "speech_stretches",
    "voice_model",
]

#: Schema tag of a voice model stored in a profile.
VOICE_SCHEMA = "voicecoach.voice/1"


# ----------------------------------------------------------------------------- features


class VoiceFeatures:
    """Streaming mel cepstrum, one vector per hop.

    Parameters
    ----------
    config : Config, optional
        ``[analysis]`` (rate, hop) and ``[mono]`` (``n_ceps``, band edges).

    Notes
    -----
    Each hop's frame is the 25 ms ending at the hop's last sample (Hann window, 512-point
    FFT), 24 mel bands between ``[mono] fmin_hz`` and ``fmax_hz``, log power, DCT-II;
    coefficients 1..``n_ceps`` are kept (c0, the level, is dropped: a voice is not its
    loudness).
    """

    WIN = 400
    N_FFT = 512
    N_MELS = 24

    def __init__(self, config: Config | None = None) -> None:
        cfg = config or load_config()
        self.sr = cfg.analysis.sample_rate
        self.hop = cfg.analysis.hop_size
        self.n_ceps = cfg.mono.n_ceps
        self.fb = mel_filters(self.sr, self.N_FFT, self.N_MELS, cfg.mono.fmin_hz,
                              cfg.mono.fmax_hz)
        self.window = np.hanning(self.WIN)
        from scipy.fft import dct

        self.dct = dct(np.eye(self.N_MELS), type=2, norm="ortho", axis=0)[1 : self.n_ceps + 1]
        self.reset()

    def reset(self) -> None:
        """Forget the past samples."""
        self.tail = np.zeros(self.WIN - self.hop)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Cepstra of a block of whole hops.

        Parameters
        ----------
        x : np.ndarray, shape (n_hops * hop_size,)
            16 kHz samples.

        Returns
        -------
        np.ndarray, shape (n_hops, n_ceps), float32
        """
        frames, self.tail = hop_frames(self.tail, x, self.hop, self.WIN, "VoiceFeatures")
        if not len(frames):
            return np.zeros((0, self.n_ceps), np.float32)
        frames = frames * self.window
        spec = np.abs(np.fft.rfft(frames, self.N_FFT, axis=1)) ** 2
        mel = np.log(spec @ self.fb.T + 1e-10)
        return (mel @ self.dct.T).astype(np.float32)


# ----------------------------------------------------------------------------- GMM


@dataclass
class DiagGMM:
    """A diagonal-covariance Gaussian mixture.

    Attributes
    ----------
    weights : np.ndarray, shape (k,)
    means, variances : np.ndarray, shape (k, d)
    """

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    VAR_FLOOR = 1e-3

    @classmethod
    def fit(cls, x: np.ndarray, k: int, *, iters: int = 12, seed: int = 0,
            init: DiagGMM | None = None, max_frames: int = 20000) -> DiagGMM:
        """Maximum-likelihood fit by EM.

        Parameters
        ----------
        x : np.ndarray, shape (n, d)
        k : int
            Components (fewer when there are few frames: at least 20 frames each).
        iters : int
        seed : int
            Picks the initial means and the subsample.
        init : DiagGMM, optional
            Start from this model (its k).
        max_frames : int
            Frames beyond this are subsampled (evenly, seeded).

        Returns
        -------
        DiagGMM
        """
        x = np.asarray(x, np.float64)
        rng = np.random.default_rng(seed)
        if len(x) > max_frames:
            x = x[np.sort(rng.choice(len(x), max_frames, replace=False))]
        n, d = x.shape
        var0 = np.maximum(x.var(axis=0), cls.VAR_FLOOR) if n > 1 else np.ones(d)
        if init is not None:
            g = cls(init.weights.copy(), init.means.copy(), init.variances.copy())
        else:
            k = max(1, min(k, n // 20))
            g = cls(np.full(k, 1.0 / k), x[rng.choice(n, k, replace=False)].copy(),
                    np.tile(var0, (k, 1)))
        for _ in range(iters):
            lp = g._comp_logp(x)
            m = lp.max(axis=1, keepdims=True)
            r = np.exp(lp - m)
            r /= r.sum(axis=1, keepdims=True)
            nk = r.sum(axis=0) + 1e-9
            g.weights = nk / nk.sum()
            g.means = (r.T @ x) / nk[:, None]
            g.variances = np.maximum((r.T @ (x * x)) / nk[:, None] - g.means**2,
                                     cls.VAR_FLOOR * var0)
        return g

    def _comp_logp(self, x: np.ndarray) -> np.ndarray:
        iv = 1.0 / self.variances
        const = np.log(self.weights) - 0.5 * (
            np.sum(np.log(2 * np.pi * self.variances), axis=1) + np.sum(self.means**2 * iv, axis=1)
        )
        return const[None, :] - 0.5 * ((x * x) @ iv.T) + x @ (self.means * iv).T

    def loglik(self, x: np.ndarray) -> np.ndarray:
        """Per-frame log density, shape (n,).

        Parameters
        ----------
        x : np.ndarray, shape (n, d)
            Feature frames (``d`` as the model's means).

        Returns
        -------
        np.ndarray, shape (n,), float64
            Natural log of the mixture density.
        """
        x = np.asarray(x, np.float64)
        if not len(x):
            return np.zeros(0)
        lp = self._comp_logp(x)
        m = lp.max(axis=1)
        return m + np.log(np.exp(lp - m[:, None]).sum(axis=1))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists (for a profile file): weights and variances to 5 decimals, means to 4.

        Returns
        -------
        dict
            ``weights`` (k,), ``means`` (k, d) and ``variances`` (k, d), as nested lists.
        """
        return {
            "weights": [round(float(v), 5) for v in self.weights],
            "means": [[round(float(v), 4) for v in row] for row in self.means],
            "variances": [[round(float(v), 5) for v in row] for row in self.variances],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DiagGMM:
        """Inverse of :meth:`to_dict`; raises :class:`ParameterError` for bad shapes.

        Parameters
        ----------
        d : dict
            With ``weights``, ``means`` and ``variances``.

        Returns
        -------
        DiagGMM
            Its weights normalised to sum 1.

        Raises
        ------
        ParameterError
            For a missing key, non-numeric values, mismatched shapes or a variance <= 0.
        """
        try:
            w = np.asarray(d["weights"], np.float64)
            m = np.asarray(d["means"], np.float64)
            v = np.asarray(d["variances"], np.float64)
        except (KeyError, TypeError, ValueError) as e:
            raise ParameterError(f"voice model is malformed ({e}); calibrate again") from None
        if m.ndim != 2 or v.shape != m.shape or w.shape != (m.shape[0],) or not (v > 0).all():
            raise ParameterError(
                f"voice model has weights {w.shape}, means {m.shape}, variances {v.shape}; "
                f"they must be (k,), (k, d), (k, d) with positive variances; calibrate again"
            )
        return cls(w / w.sum(), m, v)


def voice_model(ceps: np.ndarray, speech: np.ndarray, f0_hz: np.ndarray | None = None,
                config: Config | None = None) -> dict[str, Any] | None:
    """The voice model stored in a profile: a GMM of the speech hops' cepstra.

    Parameters
    ----------
    ceps : np.ndarray, shape (n_hops, n_ceps)
        :class:`VoiceFeatures` of a calibration recording.
    speech : np.ndarray of bool, shape (n_hops,)
        The analysis' speech decisions.
    f0_hz : np.ndarray, shape (n_hops,), optional
        Pitch, Hz (NaN where unvoiced): the model keeps its median and spread in semitones.
    config : Config, optional

    Returns
    -------
    dict or None
        ``{"schema", "n_ceps", "fmin_hz", "fmax_hz", "gmm": {...}, "pitch_st": [median,
        sd]}``; None with under ``[mono] min_model_s`` of speech.
    """
    cfg = config or load_config()
    x = np.asarray(ceps)[np.asarray(speech, bool)]
    if len(x) * cfg.analysis.hop_s < cfg.mono.min_model_s:
        return None
    g = DiagGMM.fit(x, cfg.mono.agent_components, iters=20)
    out: dict[str, Any] = {
        "schema": VOICE_SCHEMA,
        "n_ceps": int(x.shape[1]),
        "fmin_hz": cfg.mono.fmin_hz,
        "fmax_hz": cfg.mono.fmax_hz,
        "gmm": g.to_dict(),
        "pitch_st": None,
    }
    if f0_hz is not None:
        st = _st(np.asarray(f0_hz)[np.asarray(speech, bool)])
        st = st[np.isfinite(st)]
        if st.size >= 50:
            med = float(np.median(st))
            sd = float(np.subtract(*np.percentile(st, [84, 16])) / 2)
            out["pitch_st"] = [round(med, 3), round(max(sd, 0.5), 3)]
    return out


def _st(f0_hz: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, np.float64) / 55.0)


def _model_gmm(model: dict[str, Any], n_ceps: int) -> DiagGMM:
    if not isinstance(model, dict) or model.get("schema") != VOICE_SCHEMA:
        raise ParameterError(
            f"the profile's voice model is not a {VOICE_SCHEMA!r} table; calibrate again"
        )
    g = DiagGMM.from_dict(model.get("gmm") or {})
    if g.means.shape[1] != n_ceps:
        raise ParameterError(
            f"the profile's voice model has {g.means.shape[1]} cepstra, the configuration "
            f"{n_ceps} ([mono] n_ceps); calibrate again or set n_ceps = {g.means.shape[1]}"
        )
    return g


# ----------------------------------------------------------------------------- stretches


def speech_stretches(speech: np.ndarray, hop_s: float, pause_s: float,
                     max_stretch_s: float) -> list[tuple[int, int]]:
    """Runs of speech hops cut at pauses and into pieces of at most ``max_stretch_s``.

    Parameters
    ----------
    speech : np.ndarray of bool, shape (n_hops,)
    hop_s : float
        Hop duration, s.
    pause_s : float
        Non-speech runs at least this long (s) separate runs; shorter ones are bridged.
    max_stretch_s : float
        Longest stretch, s (a longer run is cut into equal pieces).

    Returns
    -------
    list of (start, end)
        Hop indices, end exclusive.
    """
    sp = np.asarray(speech, bool)
    on = np.flatnonzero(sp)
    if not on.size:
        return []
    gap = max(1, round(pause_s / hop_s))
    runs: list[tuple[int, int]] = []
    a = prev = int(on[0])
    for i in on[1:]:
        i = int(i)
        if i - prev > gap:
            runs.append((a, prev + 1))
            a = i
        prev = i
    runs.append((a, prev + 1))
    out = []
    m = max(1, round(max_stretch_s / hop_s))
    for a, b in runs:
        k = -(-(b - a) // m)
        edges = np.linspace(a, b, k + 1).round().astype(int)
        out += [(int(edges[j]), int(edges[j + 1])) for j in range(k)]
    return out


# ----------------------------------------------------------------------------- diarization


@dataclass
class Diarization:
    """Who speaks when on one channel.

    Attributes
    ----------
    labels : np.ndarray of int8, shape (n_hops,)
        -1 no speech, 0 voice A / the agent, 1 voice B / the customer.
    two_voices : bool
        Whether the channel holds two voices: with a profile, :attr:`profile_fit` at least
        ``[mono] profile_fit_min``; without, :attr:`separation`, :attr:`consistency` and
        :attr:`stability` at least ``[mono] two_voices_min``, ``consistency_min`` and
        ``stability_min``; and each voice at least ``[mono] min_share`` of the speech. With
        ``[mono] voices = "two"``: whenever two voice models could be learned.
    separation : float
        Held-out log-likelihood ratio of the two voice models on their own hops, nats per
        hop (about 0 for one voice).
    method : {"profile", "clustering"}
    agent : int or None
        Which voice is the agent (0 or 1), None when undecided.
    agent_by : str
        How the agent was named: ``"profile"``, ``"first"`` (the voice speaking first),
        ``"second"``.
    stretches : list of dict
        ``start_s``, ``end_s``, ``voice`` (0/1), ``confidence`` (0.5-1) per stretch.
    voices : list of dict
        Per voice: ``speech_s``, ``first_s`` (first speech), ``pitch_median_hz``.
    profile_fit : float or None
        With a profile: mean agent-model log-likelihood ratio (vs the call's own model) on
        the agent's hops minus the customer's, nats per hop.
    consistency : float
        Fraction of stretches whose held-out decision agrees with the attribution (first
        start's split).
    stability : float
        Without a profile: the lowest agreement (fraction of speech hops, either naming) of
        any starting split's result with the kept one; 1 with one start or a profile.
    speech_s : float
        Speech in the channel, s (under ``[mono] min_speech_s`` nothing is attempted).
    unattributed : bool
        With a profile: the profile found one voice, but clustering finds two (the profile's
        voice model cannot tell them apart): a warning, nothing is attributed (under
        ``[mono] voices = "detect"``).
    profile_unfit : bool
        Under ``[mono] voices = "two"``, with a profile: its voice model does not make the
        agent's voice stand out (:attr:`profile_fit` under ``[mono] profile_fit_min``); the
        voices are attributed by it all the same, and the note says so.
    first_confidence : float or None
        Without a profile: the fraction of the hops of the first ``[mono] first_speech_s``
        of speech that fit voice A (the voice named as speaking first) better than voice B;
        None with a profile.
    first_sure : bool
        ``first_confidence`` is at least ``[mono] first_sure`` (always True with a profile).
    detected : bool
        What the detection tests alone found (:attr:`two_voices` under ``[mono] voices =
        "detect"``; under ``"two"`` the report says when they found one voice).
    interruptions : list of Interruption or None
        Set by the review when ``[mono] interruptions`` is on
        (:func:`~voicecoach.conversation.mono_overlap.interruption_events`); None when
        interruptions were not looked for.
    """

    labels: np.ndarray
    two_voices: bool
    separation: float
    method: str
    agent: int | None
    agent_by: str
    stretches: list[dict[str, Any]] = field(default_factory=list)
    voices: list[dict[str, Any]] = field(default_factory=list)
    profile_fit: float | None = None
    consistency: float = 0.0
    speech_s: float = 0.0
    unattributed: bool = False
    profile_unfit: bool = False
    first_confidence: float | None = None
    first_sure: bool = True
    stability: float = 1.0
    detected: bool = False
    interruptions: list[Interruption] | None = None

    def party_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """(agent, customer) per-hop speech masks (agent = voice :attr:`agent`).

        Returns
        -------
        agent, customer : np.ndarray, shape (n_hops,), bool
            From :attr:`labels`; voice A is the agent while :attr:`agent` is None.
        """
        a = 0 if self.agent is None else self.agent
        return self.labels == a, self.labels == 1 - a

    def to_dict(self) -> dict[str, Any]:
        """The report's summary of the attribution (no per-hop arrays).

        Returns
        -------
        dict
            The summary attributes, rounded (``speech_s`` in s), ``agent_voice`` as ``"A"``,
            ``"B"`` or None, and ``n_stretches``.
        """
        return {
            "two_voices": self.two_voices,
            "separation": round(self.separation, 4),
            "consistency": round(self.consistency, 4),
            "method": self.method,
            "agent_voice": None if self.agent is None else "AB"[self.agent],
            "agent_by": self.agent_by,
            "profile_fit": None if self.profile_fit is None else round(self.profile_fit, 4),
            "voices": self.voices,
            "n_stretches": len(self.stretches),
            "speech_s": round(self.speech_s, 2),
            "unattributed": self.unattributed,
            "profile_unfit": self.profile_unfit,
            "first_confidence": None if self.first_confidence is None
            else round(self.first_confidence, 3),
            "first_sure": self.first_sure,
            "stability": round(self.stability, 4),
            "detected": self.detected,
        }


def _viterbi(llr: np.ndarray, starts: np.ndarray, switch: float, pause_switch: float
             ) -> np.ndarray:
    """Two-state path over stretch scores: state 0 when llr > 0; a change costs ``switch``
    (``pause_switch`` where ``starts`` marks a stretch beginning after a pause)."""
    n = len(llr)
    if not n:
        return np.zeros(0, np.int8)
    cost = np.array([-llr[0] / 2, llr[0] / 2])
    back = np.zeros((n, 2), np.int8)
    for t in range(1, n):
        sw = pause_switch if starts[t] else switch
        e0, e1 = -llr[t] / 2, llr[t] / 2
        c0 = (cost[0], cost[1] + sw)
        c1 = (cost[1], cost[0] + sw)
        b0 = 0 if c0[0] <= c0[1] else 1
        b1 = 1 if c1[0] <= c1[1] else 0
        cost = np.array([min(c0) + e0, min(c1) + e1])
        back[t] = (b0, b1)
    path = np.zeros(n, np.int8)
    path[-1] = int(np.argmin(cost))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _seg_sums(v: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(v)])
    return c[bounds[:, 1]] - c[bounds[:, 0]]


def _kmeans2(f: np.ndarray, w: np.ndarray, seed: int = 0, restarts: int = 8) -> np.ndarray:
    """Weighted 2-means; the labelling with the lowest inertia over seeded restarts."""
    rng = np.random.default_rng(seed)
    best, best_in = np.zeros(len(f), np.int8), math.inf
    for r in range(restarts):
        if r == 0:  # the farthest pair from the mean
            d = np.sum((f - np.average(f, axis=0, weights=w)) ** 2, axis=1)
            i = int(np.argmax(d))
            j = int(np.argmax(np.sum((f - f[i]) ** 2, axis=1)))
            c = f[[i, j]].copy()
        else:
            c = f[rng.choice(len(f), 2, replace=False)].copy()
        lab = np.zeros(len(f), np.int8)
        for _ in range(30):
            d = np.stack([np.sum((f - c[k]) ** 2, axis=1) for k in range(2)], axis=1)
            new = np.argmin(d, axis=1).astype(np.int8)
            if (new == lab).all() and _ > 0:
                break
            lab = new
            for k in range(2):
                if (lab == k).any():
                    c[k] = np.average(f[lab == k], axis=0, weights=w[lab == k])
        inertia = float(np.sum(w * d[np.arange(len(f)), lab]))
        if inertia < best_in and 0 < lab.sum() < len(lab):
            best, best_in = lab, inertia
    return best


def _deltas(ceps: np.ndarray, n: int = 2) -> np.ndarray:
    """Regression deltas of per-hop cepstra over +-``n`` hops (edges repeated), shape of
    ``ceps``."""
    c = np.pad(np.asarray(ceps, np.float64), ((n, n), (0, 0)), mode="edge")
    t = len(ceps)
    num = sum(k * (c[n + k : n + k + t] - c[n - k : n - k + t]) for k in range(1, n + 1))
    return num / (2 * sum(k * k for k in range(1, n + 1)))


def _stretch_feats(ceps: np.ndarray, st: np.ndarray, bounds: np.ndarray,
                   pitch_factor: float = 3.0) -> np.ndarray:
    rows = []
    gmed = float(np.nanmedian(st)) if np.isfinite(st).any() else 0.0
    for a, b in bounds:
        c = ceps[a:b]
        p = st[a:b]
        p = p[np.isfinite(p)]
        rows.append(np.concatenate([c.mean(axis=0), c.std(axis=0),
                                    [float(np.median(p)) if p.size >= 3 else gmed]]))
    f = np.asarray(rows)
    sd = f.std(axis=0)
    f = (f - f.mean(axis=0)) / np.where(sd > 1e-9, sd, 1.0)
    f[:, -1] *= pitch_factor  # pitch: a strong cue (one dimension against 2 * n_ceps)
    return f


def diarize(
    ceps: np.ndarray,
    speech: np.ndarray,
    f0_hz: np.ndarray | None = None,
    config: Config | None = None,
    *,
    agent_model: dict[str, Any] | None = None,
    agent_first: bool = True,
    mels: np.ndarray | None = None,
    level_db: np.ndarray | None = None,
) -> Diarization:
    """Detect two voices on one channel and attribute each stretch of speech.

    Parameters
    ----------
    ceps : np.ndarray, shape (n_hops, n_ceps)
        :class:`VoiceFeatures` of the channel.
    speech : np.ndarray of bool, shape (n_hops,)
        The analysis' speech decisions.
    f0_hz : np.ndarray, shape (n_hops,), optional
        Pitch per hop, Hz (NaN where unvoiced).
    config : Config, optional
        ``[mono]`` settings.
    agent_model : dict, optional
        The agent's voice model (:func:`voice_model`, stored in the profile).
    agent_first : bool
        Without a model: the agent is the voice that speaks first (else the other).
    mels : np.ndarray, shape (n_hops, 40), optional
        :class:`voicecoach.conversation.embed.SpeakerMels` frames of the channel: with
        ``[mono] embedding_weight`` > 0 and no ``agent_model``, the attribution comes from
        the stretches' speaker embeddings and the voice models together, while the two-voice
        tests (separation, consistency, stability, share) stay on the cepstral starts
        (None: cepstra and pitch alone).
    level_db : np.ndarray, shape (n_hops,), optional
        Hop levels, dBFS (the embeddings' level normalisation; None: none).

    Returns
    -------
    Diarization
    """
    cfg = config or load_config()
    mc = cfg.mono
    hop_s = cfg.analysis.hop_s
    ceps = np.asarray(ceps, np.float64)
    sp = np.asarray(speech, bool)
    n = len(sp)
    if ceps.shape[0] != n:
        raise ParameterError(f"ceps has {ceps.shape[0]} rows and speech {n}; give one per hop")
    st = _st(f0_hz) if f0_hz is not None else np.full(n, np.nan)
    labels = np.full(n, -1, np.int8)
    bounds = np.asarray(speech_stretches(sp, hop_s, mc.pause_s, mc.max_stretch_s), int)
    method = "profile" if agent_model is not None else "clustering"
    speech_s = float(sp.sum() * hop_s)
    if len(bounds) < 4 or speech_s < mc.min_speech_s:
        return Diarization(labels, False, 0.0, method, None, "none", speech_s=speech_s)
    starts = np.ones(len(bounds), bool)
    starts[1:] = bounds[1:, 0] - bounds[:-1, 1] >= round(mc.pause_s / hop_s)
    idx = np.concatenate([np.arange(a, b) for a, b in bounds])
    xs = ceps[idx]
    lens = (bounds[:, 1] - bounds[:, 0]).astype(np.float64)
    local = np.stack([np.searchsorted(idx, bounds[:, 0]), np.searchsorted(idx, bounds[:, 0])
                      + (bounds[:, 1] - bounds[:, 0])], axis=1)
    k = mc.components

    def pitch_ll(mu_sd: tuple[float, float] | None, tgt: np.ndarray) -> np.ndarray:
        if mu_sd is None:
            return np.zeros(len(tgt))
        p = st[idx]
        z = np.minimum(np.abs(p - mu_sd[0]) / mu_sd[1], mc.pitch_clip_sd)
        out = -0.5 * z**2 - math.log(mu_sd[1])
        return np.where(np.isfinite(out), out, 0.0)

    def pitch_of(mask: np.ndarray) -> tuple[float, float] | None:
        p = st[idx][mask]
        p = p[np.isfinite(p)]
        if p.size < 30:
            return None
        return float(np.median(p)), max(float(np.subtract(*np.percentile(p, [84, 16])) / 2), 0.7)

    emb = None
    if agent_model is None and mels is not None and mc.embedding_weight > 0:
        if len(mels) != n:
            raise ParameterError(f"mels has {len(mels)} rows and speech {n}; give one per hop")
        emb = stretch_embeddings(mels, level_db, bounds,
                                 max(1, round(mc.embedding_min_s / hop_s))).astype(np.float64)
        if int(np.isfinite(emb[:, 0]).sum()) < 4:
            emb = None
    emb_ok = np.isfinite(emb[:, 0]) if emb is not None else None

    def emb_evidence(lab: np.ndarray) -> np.ndarray:
        """Per stretch: embedding_weight x (cosine to voice 0's centroid - to voice 1's)."""
        out = np.zeros(len(lab))
        if emb is None:
            return out
        cs = []
        for v in (0, 1):
            m = emb_ok & (lab == v)
            if not m.any():
                return out
            c = np.sum(emb[m] * lens[m, None], axis=0)
            cs.append(c / max(float(np.linalg.norm(c)), 1e-12))
        e = np.where(emb_ok[:, None], emb, 0.0)
        return np.where(emb_ok, mc.embedding_weight * (e @ cs[0] - e @ cs[1]), 0.0)

    def decide(llr_hop: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
        s = _seg_sums(llr_hop, local) / np.sqrt(lens)  # per-stretch evidence
        if lab is not None:
            s = s + emb_evidence(lab)
        return _viterbi(s * mc.evidence_scale, starts, mc.switch_cost, mc.pause_switch_cost)

    agent_gmm = None
    agent_pitch = None
    feats = xs
    inits: list[np.ndarray] = []
    if agent_model is not None:
        agent_gmm = _model_gmm(agent_model, ceps.shape[1])
        ps = agent_model.get("pitch_st")
        agent_pitch = (float(ps[0]), float(ps[1])) if ps else None
        ubm = DiagGMM.fit(xs, k)
        base = agent_gmm.loglik(xs) - ubm.loglik(xs)
        s = _seg_sums(base, local) / lens
        inits.append((s < np.quantile(s, mc.customer_init_quantile)).astype(np.int8))
    else:
        if mc.deltas:
            feats = np.hstack([xs, _deltas(ceps)[idx]])
        inits.append(_kmeans2(_stretch_feats(ceps, st, bounds), lens))
        for j in range(1, mc.starts):
            # further starts: the cepstra alone (pitch may be wrong, e.g. on a telephone
            # band), then reseeded k-means
            pf = 0.0 if j == 1 else 3.0
            inits.append(_kmeans2(_stretch_feats(ceps, st, bounds, pf), lens, seed=j))
    seg_len = bounds[:, 1] - bounds[:, 0]

    def refine(lab: np.ndarray, use_emb: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
        """Re-learn the two voice models from the attribution ``iterations`` times:
        (stretch labels, hop labels, per-hop llr, total log-likelihood), None when a voice
        runs out of hops. ``use_emb``: each stretch's evidence also holds the embeddings'."""
        hop_lab = np.repeat(lab, seg_len)
        llr = np.zeros(len(xs))
        total = 0.0
        for it in range(mc.iterations):
            models = []
            for v in (0, 1):
                m = hop_lab == v
                if m.sum() < 100:
                    return None
                models.append(DiagGMM.fit(feats[m], k, seed=it))
            ll = [models[v].loglik(feats) for v in (0, 1)]
            llr = ll[0] - ll[1]
            w = mc.pitch_weight
            if agent_gmm is not None:
                llr = 0.5 * llr + 0.5 * (agent_gmm.loglik(xs) - ll[1])
                llr += w * (pitch_ll(agent_pitch, xs) - pitch_ll(pitch_of(hop_lab == 1), xs))
            else:
                llr += w * (pitch_ll(pitch_of(hop_lab == 0), xs)
                            - pitch_ll(pitch_of(hop_lab == 1), xs))
            lab = decide(llr, lab if use_emb else None)
            hop_lab = np.repeat(lab, seg_len)
            total = float(np.sum(np.where(hop_lab == 0, ll[0], ll[1])))
        return lab, hop_lab, llr, total

    runs = [refine(lab0) for lab0 in inits]
    first_run = runs[0]
    if first_run is None:
        return Diarization(labels, False, 0.0, method, None, "none", speech_s=speech_s)
    # whether there are two voices is judged on the first start's split (held-out): picking
    # the best-fitting of several splits would make one varied voice look more like two
    sep, consistency = _held_out(feats, first_run[1], first_run[0], local, k)
    lab, hop_lab, llr, _ = max((r for r in runs if r is not None), key=lambda r: r[3])
    agree = [1.0 if r is None else max(float(np.mean(r[1] == hop_lab)),
                                       float(np.mean(r[1] != hop_lab))) for r in runs]
    stability = min(agree)
    # each voice's share of the speech (a detection test too): on the cepstral split
    share = float(np.sum(lens[lab == 1]) / np.sum(lens))
    if emb is not None and emb_ok is not None:
        # the attribution (not the detection tests above): from 2-means on the stretches'
        # embeddings, refined with the embeddings' evidence; a stretch too short for one
        # starts with the label of the stretch before it
        el = np.zeros(len(bounds), np.int8)
        el[emb_ok] = _kmeans2(emb[emb_ok], lens[emb_ok])
        for j in range(len(el)):
            if not emb_ok[j]:
                el[j] = el[j - 1] if j else el[int(np.argmax(emb_ok))]
        emb_run = refine(el, use_emb=True)
        if emb_run is not None:
            lab, hop_lab, llr, _ = emb_run
    conf = 1.0 / (1.0 + np.exp(-np.abs(_seg_sums(llr, local) / np.sqrt(lens))
                               * mc.evidence_scale))
    first = [float(bounds[lab == v][0, 0] * hop_s) if (lab == v).any() else math.inf
             for v in (0, 1)]
    profile_fit = None
    first_conf = None
    if agent_gmm is not None:
        agent = 0
        agent_by = "profile"
        fit = agent_gmm.loglik(xs) - ubm.loglik(xs)
        fa, fc = fit[hop_lab == 0], fit[hop_lab == 1]
        profile_fit = float(fa.mean() - fc.mean()) if fa.size and fc.size else None
        two = profile_fit is not None and profile_fit >= mc.profile_fit_min
    else:
        # name the voices A (speaks first) and B: the voice the first speech fits better
        # (summed over its first ``first_speech_s``, not one stretch's label)
        nf = max(1, min(len(llr), round(mc.first_speech_s / hop_s)))
        if float(np.sum(llr[:nf])) < 0:
            lab = 1 - lab
            hop_lab = 1 - hop_lab
            llr = -llr
            first = first[::-1]
        first_conf = float(np.mean(llr[:nf] > 0))
        agent = 0 if agent_first else 1
        agent_by = "first" if agent_first else "second"
        two = (sep >= mc.two_voices_min and consistency >= mc.consistency_min
               and stability >= mc.stability_min)
    two = two and min(share, 1 - share) >= mc.min_share
    detected = bool(two)
    if mc.voices == "two":  # the trainer says the call holds two voices
        two = True
    labels[idx] = hop_lab
    stretches = [
        {"start_s": round(a * hop_s, 2), "end_s": round(b * hop_s, 2), "voice": int(v),
         "confidence": round(float(c), 3)}
        for (a, b), v, c in zip(bounds, lab, conf, strict=True)
    ]
    voices = []
    for v in (0, 1):
        m = hop_lab == v
        p = st[idx][m]
        p = p[np.isfinite(p)]
        voices.append({
            "voice": "AB"[v],
            "speech_s": round(float(m.sum() * hop_s), 2),
            "first_s": None if not m.any() else round(first[v], 2),
            "pitch_median_hz": None if not p.size else round(float(55 * 2 ** (np.median(p) / 12)),
                                                              1),
        })
    return Diarization(labels, bool(two), float(sep), method, agent if two else None, agent_by,
                       stretches, voices, profile_fit, consistency, speech_s,
                       first_confidence=first_conf, stability=stability,
                       first_sure=first_conf is None or first_conf >= mc.first_sure,
                       detected=detected)


def _held_out(xs: np.ndarray, hop_lab: np.ndarray, lab: np.ndarray, local: np.ndarray,
              k: int) -> tuple[float, float]:
    """(separation, consistency) of an attribution, on held-out stretches.

    Voice models fitted on the even stretches' hops score the odd stretches and vice
    versa. *separation*: mean log-likelihood ratio of each hop's own voice model over the
    other's, nats per hop, each voice weighing the same (a tiny cluster cannot carry it);
    about 0 for one voice split in two. *consistency*: the fraction of stretches whose
    held-out decision (no smoothing) agrees with the attribution.
    """
    seg = np.repeat(np.arange(len(lab)), local[:, 1] - local[:, 0])
    raw = np.zeros(len(lab), np.int8)
    tot = 0.0
    for fold in (0, 1):
        tr = seg % 2 == fold
        ms = []
        for v in (0, 1):
            m = tr & (hop_lab == v)
            if m.sum() < 100:
                return 0.0, 0.0
            ms.append(DiagGMM.fit(xs[m], k, seed=7))
        d = ms[0].loglik(xs) - ms[1].loglik(xs)
        te = np.arange(len(lab)) % 2 != fold
        raw[te] = (_seg_sums(d, local)[te] < 0).astype(np.int8)
        for v in (0, 1):
            m = ~tr & (hop_lab == v)
            if m.any():
                tot += float(np.mean(d[m] if v == 0 else -d[m])) / 4
    return tot, float(np.mean(raw == lab))


def profile_match(ceps: list[np.ndarray], speech: list[np.ndarray], agent_model: dict[str, Any],
                  config: Config | None = None) -> list[float | None]:
    """How well each channel's speech fits the agent's voice model.

    Parameters
    ----------
    ceps, speech : list of np.ndarray
        Per channel: :class:`VoiceFeatures` rows and speech flags.
    agent_model : dict
    config : Config, optional

    Returns
    -------
    list of float or None
        Per channel, the mean log-likelihood ratio of the agent model over a model of both
        channels' speech, nats per hop (None for a channel with under 3 s of speech).
    """
    cfg = config or load_config()
    g = _model_gmm(agent_model, ceps[0].shape[1])
    xs = [np.asarray(c, np.float64)[np.asarray(s, bool)] for c, s in zip(ceps, speech,
                                                                         strict=True)]
    pooled = np.concatenate(xs)
    if len(pooled) < 300:
        return [None for _ in xs]
    ubm = DiagGMM.fit(pooled, cfg.mono.components)
    return [float(np.mean(g.loglik(x) - ubm.loglik(x))) if len(x) >= 300 else None for x in xs]

