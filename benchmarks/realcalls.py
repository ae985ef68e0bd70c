"""Conversation tracking on calls assembled from real recorded voices (issue #10).

The instrument the echo canceller and the VAD default are tuned and judged with. Two-party
calls are assembled from real recordings by a seeded script (interruptions by both parties
0.8-2 s into the other's turn, backchannels of 0.2-0.9 s, turn-end overlaps, pauses inside
turns), run through the project's public object
(:class:`voicecoach.pipeline.CallAnalyzer`, 1 s blocks of ``[agent mic, far end]``) and
scored like turn-taking benchmarks (TurnBench).

Truth
-----
Every recording is resampled to 16 kHz and cut into *clips*: its speech, trimmed to the
10 ms hops within :data:`TRIM_DB` dB of its own active level (the RMS of the hops within 30 dB
of its loudest hop), split wherever it pauses for :data:`SPLIT_PAUSE_S` or longer, and scaled
to -20 dBFS active level. A clip's true speech extent is therefore its whole span. A turn is
one or two clips of one voice (with a 0.25-0.4 s pause inside, shorter than
``turn_gap_s``); an interrupted turn stops at the quietest 10 ms (a word boundary) 0.7-1.6 s
after the interrupter's onset. The expected events come from
:func:`voicecoach.sources.synthetic.derive_events` on the placed turns and backchannels with
``min_overlap_s`` and ``turn_end_s`` of the shipped ``config/voicecoach.toml`` (the truth
does not move with ``--set``).

Scoring
-------
A detected interruption matches the truth interruption (by onset, greedy, nearest first)
whose onset is within :data:`MATCH_S` of its ``start_s``. ``recall`` = matched / true
interruptions; ``precision`` = matched / detected; ``attribution`` = matched events whose
``by``/``of`` are right / matched; ``fa_backchannel`` and ``fa_turn_end`` = true backchannels
(turn-end overlaps) with an unmatched detected interruption within :data:`MATCH_S` of their
onset / their number (TurnBench's false alarms on non-interruptions); ``latency`` =
``decided_s`` of a matched event - the TRUE onset (p50/p90, s). Per condition the counts are
pooled over the calls and the per-call medians of recall and precision are given too;
backchannel false alarms are also split at :data:`LONG_BACKCHANNEL_S`. Every call condition
also scores the tracker's speech segments per party against the placed clips
(:func:`speech_scores`): recall while the party speaks alone and while both speak (double
talk), and false speech per minute. The calls (voices, script, seed) are the same in every
condition, so the conditions are paired.

Real echo (``$VOICECOACH_ECHO_DATA``)
-------------------------------------
``pure_echo``: the echo-only microphone recordings (msa-dpcrn ``N_echo.wav`` with their far
end ``N_lpb.wav``; DTLN-aec far-end single talk) fed as ``[mic, far end]``, each recording
its own call from a cold canceller (``steady``: the msa recordings concatenated into one
call): agent speech seconds per minute (the tracker's agent speech segments) and
agent events (interruptions, backchannels, turn-end overlaps by the agent, agent turns).
``echo_agent``: calls whose customer is the msa far-end files (clean ``lpb`` as the far-end
column and as the customer's truth) with the real echo recordings in the agent microphone and
a real agent voice at +6 dB over the echo (``--echo-agent-db``). ``double_talk``:
mediastreamer2 stems, mic = near end + echo, truth = the near end's speech (clean stem):
agent speech recall over hops where both talk (the dev split's simple-talk stems never
overlap, so their near end is moved, circularly, to where it overlaps the far end most).
``nkf_double_talk`` (test): AEC-Challenge real double talk, where no clean near end exists;
the rough truth is the residual of an offline least-squares echo path (a 64 ms FIR from the
far end to the mic over the whole file), thresholded like a clip. ``msa_double_talk``: the
split's msa pairs (10 s of far end and its real echo each, like an AEC-Challenge double-talk
file) with the split's agent clips added at -20 dBFS and the echo scaled to 0, 5 or 10 dB
over them: exact-truth double talk over real loudspeaker echo (:func:`msa_double_talk`).

``$VOICECOACH_ECHO_DATA`` holds ``dtln/`` (``*_{mic,lpb}.wav``), ``nkf/``
(``*_{mic,lpb}.wav``), ``msa/`` (``{N}_{echo,lpb}.wav``) and ``ms2/``
(``{nearend,farend,echo}_{simple,double}_talk.wav``) from the GitHub repositories and commits
listed in the README (Benchmarks, Real-voice calls); the echo conditions are skipped with a
note when it is not set.

Splits (never tune and score on the same audio)
-----------------------------------------------
``dev``: CMU ARCTIC awb, slt and the asterisk English prompts (Allison); backchannels from the
counting words, the alsa prompts and cut from the voices; babble from codec2 sentences and the
other dev voices; msa pairs 0-19, DTLN far-end single talk, mediastreamer2 simple talk.
``test``: see :data:`SPLITS` (the Czech expressive actors, asterisk French, LibriVox; msa
pairs 20-39, NKF real double talk, mediastreamer2 double talk).
``holdout``: four IVR voices that nothing was tuned or chosen on, and msa pairs 120-139
(read before as a held-out check set of the echo work) (:data:`SPLITS`); no DTLN,
mediastreamer2 or NKF recordings.

Command line::

    python -m benchmarks.realcalls [--quick] [--split dev|devm|test|holdout] [--conditions ...]
        [--config FILE] [--set section.key=value ...] [--vad webrtc|silero] [--out FILE.json]
        [--strict-test] [--lead-samples 0,40,80,120] [--telephone]
    python -m benchmarks.realcalls --fetch-devm CLONE   # devm's male readers (README)

``--lead-samples`` reviews every call of the call conditions at each hop phase (that many
samples of silence before both channels, the truth shifted by lead / 16000 s:
:func:`lead_call`) and gives each phase's figures and their median, min and max over the
phases (:func:`phase_spread`); the default ``0`` is the single-phase run.

``--strict-test`` (test only) leaves out the test recordings that tuned the pitch tracker
(``pitch_real`` dev) or the speech decisions (this benchmark's dev): :mod:`benchmarks.splits`.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.config import Config, load_config
from voicecoach.events import Event, final_events
from voicecoach.sources.synthetic import Utterance, derive_events

__all__ = [
    "CALL_CONDITIONS",
    "CONDITIONS",
    "MATCH_S",
    "PHASE_FIGURES",
    "SPLITS",
    "TARGETS",
    "Call",
    "Clip",
    "Split",
    "Voice",
    "assemble_call",
    "clips_from_signal",
    "double_talk",
    "echo_root",
    "format_table",
    "lead_call",
    "loudspeaker_echo",
    "main",
    "nkf_double_talk",
    "parse_leads",
    "parse_overrides",
    "phase_spread",
    "pure_echo",
    "render",
    "review_events",
    "run_calls",
    "run_pipeline",
    "run_realcalls",
    "score_call",
    "speech_scores",
    "summarize",
    "telephone8",
]

SR = 16000
HOP = 160
HOP_S = HOP / SR
BLOCK = 100 * HOP  # 1 s blocks into the pipeline
MATCH_S = 0.3
"""A detection matches a truth event whose onset is within this many seconds of its own."""
LONG_BACKCHANNEL_S = 0.5
"""Backchannels at least this long (s) outlast ``min_overlap_s``: scored apart as well."""
TRIM_DB = 25.0
"""Clips keep the hops within this many dB of their own active level."""
FLOOR_MARGIN_DB = 12.0
"""... and at least this far over the recording's noise floor (breath and room noise out)."""
SPLIT_PAUSE_S = 0.4
"""A recording is cut into separate clips wherever it pauses this long (s) or longer."""
VOICED_EDGE_S = [0.25]
"""A clip starts at most this long (s) before its first voiced 10 ms frame and ends at most
this long after its last (Praat's autocorrelation voicing, through parselmouth): the
unvoiced consonants that open or close a word (an /s/, /st/, /str/ lasts 0.1-0.25 s) stay
speech, while a click, a breath or a low rumble before or after it, 20-25 dB under the
voice, no longer counts as its speech. ``[0]`` turns the rule off (the truth before it);
``--voiced-edge-s`` sets it."""
ECHO_AGENT_DB = [6.0]
"""``echo_agent``: the agent voice's active level over the echo's, dB (``[0]``; the issue's
+6 dB). ``--echo-agent-db`` sets it: 0 to -10 dB gives the harder double talk of a loud
loudspeaker (the mediastreamer2 stems' echo is as loud as their near end)."""
LEVEL_DBFS = -20.0
NOISE_FLOOR_DBFS = -65.0
ECHO_ENV = "VOICECOACH_ECHO_DATA"
STRICT_MIN_S = 20.0
"""``--strict-test``: a voice needs this much turn audio (s) after the drop to be used."""
_DROP: list[frozenset[str]] = [frozenset()]
"""Resolved paths of the recordings ``--strict-test`` leaves out of the voices."""
TELEPHONE = [False]
"""``--telephone`` (``[0]``): every call reviewed as an 8 kHz G.711 stereo recording
(:func:`telephone8` on each channel, written as a mu-law WAV and read back through
``voicecoach review``'s path: :func:`review_events`)."""

CONDITIONS = (
    "clean",
    "white20",
    "babble20",
    "bleed20_200ms",
    "bleed15_350ms",
    "echo_agent",
    "pure_echo",
    "double_talk",
    "nkf_double_talk",
    "msa_double_talk",
)
"""Every condition; the call conditions are those before ``pure_echo``."""
CALL_CONDITIONS = CONDITIONS[:6]

TARGETS = {
    "recall_clean": 0.95,
    "recall_other": 0.90,
    "precision": 0.95,
    "fa_backchannel": 0.05,
    "pure_echo_agent_s_per_min": 1.0,
    "double_talk_recall": 0.90,
    "latency_p90_s": 0.65,
}
"""Targets of issue #10 (medians over the sets)."""

PHASE_FIGURES = ("recall", "precision", "attribution", "fa_backchannel", "latency_p50_s",
                 "latency_p90_s")
"""The figures ``--lead-samples`` gives the spread of over hop phases."""


def _log(msg: str) -> None:
    print(f"[realcalls] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- material


@dataclass(frozen=True)
class Clip:
    """A stretch of one voice's real speech, ready to place.

    Attributes
    ----------
    x : np.ndarray, shape (n,)
        16 kHz float32 samples; speech from the first to the last sample (the true extent).
    echo : np.ndarray or None, shape (m,)
        What the agent microphone picked up while ``x`` played at the far end (real
        loudspeaker echo), aligned to start with ``x``; ``m >= n`` (the echo's tail).
    """

    x: np.ndarray
    echo: np.ndarray | None = None

    @property
    def duration_s(self) -> float:
        """Length, s."""
        return len(self.x) / SR


@dataclass(frozen=True)
class Voice:
    """One speaker's clips.

    Attributes
    ----------
    name : str
    sex : str
        ``"m"``, ``"f"`` or ``"?"``.
    turns : list of Clip
        Clips for turns (at least 1 s).
    short : list of Clip
        Clips of 0.2-0.9 s for backchannels (the same voice's own words).
    """

    name: str
    sex: str
    turns: list[Clip]
    short: list[Clip] = field(default_factory=list)


def _hop_db(x: np.ndarray) -> np.ndarray:
    n = len(x) // HOP
    return 10 * np.log10(np.mean(x[: n * HOP].reshape(n, HOP).astype(np.float64) ** 2, axis=1)
                         + 1e-14)


def _active_db(db: np.ndarray) -> float:
    """Active level of hop levels ``db``: the power mean of hops within 30 dB of the loudest."""
    act = db[db > db.max() - 30.0]
    return float(10 * np.log10(np.mean(10 ** (act / 10))))


def _threshold_db(db: np.ndarray) -> float:
    """Speech threshold of a recording's hop levels: :data:`TRIM_DB` under its active level,
    and at least :data:`FLOOR_MARGIN_DB` over its noise floor (the 10th percentile)."""
    return max(_active_db(db) - TRIM_DB, float(np.percentile(db, 10)) + FLOOR_MARGIN_DB)


def _speech_runs(db: np.ndarray, thr_db: float, bridge_hops: int) -> list[tuple[int, int]]:
    """Runs of hops above ``thr_db`` (hop indices ``[a, b)``), bridging gaps < bridge_hops."""
    on = np.flatnonzero(db > thr_db)
    if not len(on):
        return []
    runs = []
    a = prev = int(on[0])
    for i in on[1:]:
        i = int(i)
        if i - prev > bridge_hops:
            runs.append((a, prev + 1))
            a = i
        prev = i
    runs.append((a, prev + 1))
    return runs


def clips_from_signal(
    x: np.ndarray,
    sr: int = SR,
    *,
    echo: np.ndarray | None = None,
    min_s: float = 0.2,
    level_dbfs: float | None = LEVEL_DBFS,
    echo_tail_s: float = 0.3,
) -> list[Clip]:
    """Cut a recording into clips of continuous speech.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        Mono samples at ``sr``.
    sr : int
        Sample rate, Hz (resampled to 16 kHz).
    echo : np.ndarray, optional, shape (n,)
        A 16 kHz signal recorded alongside ``x`` (its loudspeaker echo); it is cut at the same
        samples (plus ``echo_tail_s``) and scaled by the same gain.
    min_s : float
        Shortest clip kept, s.
    level_dbfs : float or None
        Scale every clip to this active level (dBFS); None keeps the recording's level.
    echo_tail_s : float
        Echo kept after the end of each clip, s.

    Returns
    -------
    list of Clip
        Speech runs above (active level - :data:`TRIM_DB`), cut at pauses of
        :data:`SPLIT_PAUSE_S` or longer.
    """
    x = _resample(np.asarray(x, dtype=np.float64), sr)
    db = _hop_db(x)
    if not len(db) or db.max() < -90:
        return []
    level = _active_db(db)
    out = []
    tail = round(echo_tail_s * SR)
    for a, b in _speech_runs(db, _threshold_db(db), round(SPLIT_PAUSE_S / HOP_S)):
        if (b - a) * HOP_S < min_s or db[a:b].max() < level - 15.0:
            continue
        a, b = _voiced_edges(x, db, a, b, _threshold_db(db))
        if (b - a) * HOP_S < min_s:
            continue
        seg = x[a * HOP : b * HOP]
        g = 1.0 if level_dbfs is None else 10 ** ((level_dbfs - _active_db(_hop_db(seg))) / 20)
        e = None
        if echo is not None:
            e = (echo[a * HOP : b * HOP + tail] * g).astype(np.float32)
        out.append(Clip((seg * g).astype(np.float32), e))
    return out


def _voiced_edges(x: np.ndarray, db: np.ndarray, a: int, b: int, thr_db: float
                  ) -> tuple[int, int]:
    """Hops ``[a, b)`` of a speech run narrowed to :data:`VOICED_EDGE_S` around its voiced
    frames, each edge on a hop over ``thr_db``; unchanged when nothing in it is voiced."""
    edge = round(VOICED_EDGE_S[0] / HOP_S)
    if edge <= 0:
        return a, b
    import parselmouth

    snd = parselmouth.Sound(x[a * HOP : b * HOP], SR)
    pitch = snd.to_pitch_ac(time_step=HOP_S, pitch_floor=60.0, pitch_ceiling=600.0)
    f0 = pitch.selected_array["frequency"]
    if not (f0 > 0).any():
        return a, b
    times = pitch.xs()
    v = np.flatnonzero(f0 > 0)
    v0 = a + int(times[v[0]] / HOP_S)
    v1 = a + int(times[v[-1]] / HOP_S) + 1
    loud = np.flatnonzero(db[a:b] > thr_db) + a
    lo = loud[loud >= v0 - edge]
    hi = loud[loud < v1 + edge]
    if not len(lo) or not len(hi):
        return a, b
    na, nb = int(lo[0]), int(hi[-1]) + 1
    return (na, nb) if nb > na else (a, b)


def _resample(x: np.ndarray, sr: int) -> np.ndarray:
    if sr == SR:
        return x
    from scipy.signal import resample_poly

    g = math.gcd(int(sr), SR)
    return resample_poly(x, SR // g, int(sr) // g)


def _read(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    x, sr = sf.read(path, dtype="float64", always_2d=True)
    return x.mean(axis=1), int(sr)


def _file_clips(path: Path, **kw: Any) -> list[Clip]:
    x, sr = _read(path)
    return clips_from_signal(x, sr, **kw)


def _words(clips: Iterable[Clip], lo_s: float = 0.2, hi_s: float = 0.9,
           per_clip: int = 2) -> list[Clip]:
    """Fragments of 0.2-0.9 s cut from clips at word boundaries (energy dips >= 12 dB under
    the clip's active level): one or two words; per clip at most ``per_clip`` shorter than
    :data:`LONG_BACKCHANNEL_S` and ``per_clip`` longer."""
    out = []
    for c in clips:
        if lo_s <= c.duration_s <= hi_s:
            out.append(c)
            continue
        db = _hop_db(c.x)
        if len(db) < 5:
            continue
        sm = np.convolve(db, np.ones(3) / 3, mode="same")
        level = _active_db(db)
        dips = [i for i in range(2, len(sm) - 2)
                if sm[i] <= sm[i - 1] and sm[i] <= sm[i + 1] and sm[i] < level - 12.0]
        edges = [0, *dips, len(db)]
        got = {False: 0, True: 0}
        seen: set[tuple[int, int]] = set()
        for k in range(len(edges) - 1):
            for span in (1, 2):
                if k + span >= len(edges):
                    continue
                a, b = edges[k], edges[k + span]
                run = np.flatnonzero(db[a:b] > level - TRIM_DB)
                if not len(run):
                    continue
                a, b = a + int(run[0]), a + int(run[-1]) + 1
                d = (b - a) * HOP_S
                long = d >= LONG_BACKCHANNEL_S
                if (a, b) in seen or not lo_s <= d <= hi_s or got[long] >= per_clip:
                    continue
                seen.add((a, b))
                got[long] += 1
                out.append(Clip(c.x[a * HOP : b * HOP]))
    return out


def _voice(name: str, sex: str, clips: list[Clip], extra_short: Sequence[Clip] = ()) -> Voice:
    turns = [c for c in clips if c.duration_s >= 1.0]
    return Voice(name, sex, turns, [*_words(clips), *extra_short])


# ----------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """Which recordings a split uses (the two splits share none).

    Attributes
    ----------
    voices : tuple of str
        Voice names (see :func:`_load_voices`).
    pairs : tuple of (str, str)
        ``(agent, customer)`` voice pairs, cycled over the calls.
    babble : tuple of str
        Voices summed into babble noise (besides the two voices of the call).
    msa : range
        msa-dpcrn pair numbers (pure echo; customer of ``echo_agent``).
    dtln : bool
        Include DTLN-aec's far-end single-talk recording in ``pure_echo``.
    ms2 : str
        mediastreamer2 stems for ``double_talk`` (``"simple"`` or ``"double"``; ``""``: none,
        the condition is skipped).
    nkf : bool
        Include the NKF-AEC real double-talk pairs.
    """

    voices: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    babble: tuple[str, ...]
    msa: range
    dtln: bool
    ms2: str
    nkf: bool


SPLITS: dict[str, Split] = {
    "dev": Split(
        voices=("awb", "slt", "allison"),
        pairs=(("allison", "awb"), ("slt", "allison"), ("awb", "slt")),
        babble=("codec2", "counting", "alsa"),
        msa=range(20),
        dtln=True,
        ms2="simple",
        nkf=False,
    ),
    "test": Split(
        voices=("v", "m", "june", "librivox"),
        pairs=(("v", "m"), ("m", "june"), ("librivox", "v"), ("june", "librivox")),
        babble=("klettres",),
        msa=range(20, 40),
        dtln=False,
        ms2="double",
        nkf=True,
    ),
    "devm": Split(
        voices=("ls2033", "ls2414", "ls3005", "allison"),
        pairs=(("ls2033", "ls2414"), ("ls3005", "allison"), ("ls2414", "ls3005"),
               ("allison", "ls2033")),
        babble=("codec2", "counting", "alsa"),
        msa=range(20),
        dtln=True,
        ms2="simple",
        nkf=False,
    ),
    "holdout": Split(
        voices=("carlo", "ru", "menardi", "july"),
        pairs=(("carlo", "ru"), ("menardi", "carlo"), ("july", "menardi"), ("ru", "july")),
        babble=(),
        msa=range(120, 140),
        dtln=False,
        ms2="",
        nkf=False,
    ),
}
"""dev: tune here. test: report these figures. holdout (session 46): four IVR voices that no
benchmark was tuned or chosen on (Carlo, Italian, male; the Russian IVR voice; Menardi,
Italian; July E. Jimenez, Colombian Spanish, GSM; all 8 kHz prompts, the same recordings as
``coach_bench --split holdout``) and msa pairs 120-139 (not new: a held-out check set of
the echo work in earlier sessions, as is every msa pair past 39); babble from the two voices
not in the call. Each question on it is written down before it is run, once. devm (session
48): a second dev split for male voices, which dev lacks (one 3 s ARCTIC sentence): three
male LibriSpeech test-other readers (:data:`DEVM_SPEAKERS`, CC-BY 4.0, from
``$VOICECOACH_SPEECH_DIR/librispeech_m``; README *A dev split with male voices*) and Allison;
dev's babble and echo. Tuning audio, like dev."""

DEVM_DIR = "librispeech_m"
"""The devm voices' folder under ``$VOICECOACH_SPEECH_DIR``: ``<speaker>/*.flac`` (16 kHz)."""

DEVM_SPEAKERS = {"ls2033": "2033", "ls2414": "2414", "ls3005": "3005"}
"""devm's male voices: LibriSpeech test-other readers 2033, 2414 and 3005 (each 66-83 s)."""

HOLDOUT_DATASETS = {"carlo": ("asterisk_it_all", "m"), "ru": ("asterisk_ru_all", "f"),
                    "menardi": ("menardi_it", "f"), "july": ("es_co", "f")}
"""The holdout split's voices: their :mod:`benchmarks.datasets` names and sexes."""


def voice_utterances(split: str) -> dict[str, list[Any]]:
    """The recordings of each voice (and babble or backchannel source) of a split, in the
    order :func:`_load_voices` reads them: ``{name: [datasets.Utterance, ...]}``.

    The split rule of this benchmark (which dataset files are dev, which test);
    :mod:`benchmarks.splits` reads it from here.
    """
    from . import datasets as ds

    if split == "dev":
        out: dict[str, list[Any]] = {u.speaker: [u] for u in ds.fetch("arctic")}
        out["allison"] = sorted(ds.fetch("asterisk_en"), key=lambda u: u.id)
        out["counting"] = list(ds.fetch("vad_counting"))
        out["alsa"] = list(ds.fetch("alsa"))
        out["codec2"] = list(ds.fetch("codec2"))
        return out
    if split == "test":
        out = {"june": sorted(ds.fetch("asterisk_fr"), key=lambda u: u.id)}
        expressive = ds.fetch("expressive")
        for spk in ("v", "m"):
            out[spk] = sorted((u for u in expressive if u.speaker == spk), key=lambda u: u.id)
        out["librivox"] = sorted(ds.fetch("librivox"), key=lambda u: u.id)
        out["klettres"] = list(ds.fetch("klettres_fr"))
        return out
    if split == "holdout":
        return {k: sorted(ds.fetch(name), key=lambda u: u.id)
                for k, (name, _) in HOLDOUT_DATASETS.items()}
    if split == "devm":
        dev = voice_utterances("dev")
        out = {k: dev[k] for k in ("allison", "counting", "alsa", "codec2")}
        out.update(devm_utterances())
        return out
    raise ValueError(f"unknown split {split!r}; use one of {sorted(SPLITS)}")


def devm_utterances() -> dict[str, list[Any]]:
    """devm's male voices (:data:`DEVM_SPEAKERS`): ``{name: [datasets.Utterance, ...]}``.

    Raises
    ------
    FileNotFoundError
        When ``$VOICECOACH_SPEECH_DIR/librispeech_m/<speaker>/`` holds no FLAC file (the
        message says how to fetch them).
    """
    from .datasets.utterance import Utterance
    from .pitch_real import SPEECH_ENV

    root = Path(os.environ.get(SPEECH_ENV, "")) / DEVM_DIR
    out: dict[str, list[Any]] = {}
    for name, spk in DEVM_SPEAKERS.items():
        files = sorted((root / spk).glob("*.flac"))
        if not files:
            raise FileNotFoundError(
                f"split devm needs the LibriSpeech readers in {root}/<speaker>/*.flac (none for "
                f"{spk}); set ${SPEECH_ENV} and fetch them as the README says (*A dev split "
                "with male voices*)")
        out[name] = [Utterance(id=f"librispeech_m/{f.stem}", path=f, dataset="librispeech_m",
                               language="en", speaker=spk, sex="m", text=None,
                               syllables=None, segments=None, licence=root / "LICENSE.TXT")
                     for f in files]
    return out


DEVM_SOURCE = ("resemble-ai/Resemblyzer", "15d828edebe06bc72b9cabc8ef8ca5ab2cb457ce",
               "audio_data/librispeech_test-other")
"""Where devm's readers are checked in: (GitHub repository, commit, folder)."""

DEVM_DIGEST = "b9db7d2594043a0b3af5ddc88e947cf842157e7604c77fab880f4c70eaf9a9d2"
"""SHA-256 of the sorted ``"<speaker>/<file>.flac <sha256>"`` lines of devm's 30 files."""


def fetch_devm(src: str | Path, dest: str | Path | None = None) -> Path:
    """Copy devm's readers from a checkout of :data:`DEVM_SOURCE` and check their digest.

    Parameters
    ----------
    src : str or Path
        A clone of the repository at that commit (``git clone
        https://github.com/resemble-ai/Resemblyzer``), or any folder holding its
        ``audio_data/librispeech_test-other/``.
    dest : str or Path, optional
        Default ``$VOICECOACH_SPEECH_DIR/librispeech_m``.

    Returns
    -------
    Path
        The folder written (``<speaker>/*.flac``, ``LICENSE.TXT``, ``SPEAKERS.TXT``).

    Raises
    ------
    FileNotFoundError
        When ``src`` lacks the folder, or ``dest`` is not given and the variable is unset.
    ValueError
        When the files' digest is not :data:`DEVM_DIGEST` (another commit or damaged files);
        nothing is written then.
    """
    import hashlib
    import shutil

    from .pitch_real import SPEECH_ENV

    folder = Path(src) / DEVM_SOURCE[2]
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is missing: clone https://github.com/"
                                f"{DEVM_SOURCE[0]} (commit {DEVM_SOURCE[1][:7]}) and pass the "
                                "clone's folder")
    if dest is None:
        root = os.environ.get(SPEECH_ENV)
        if not root:
            raise FileNotFoundError(f"set ${SPEECH_ENV} (or pass dest) for devm's readers")
        dest = Path(root) / DEVM_DIR
    files = [f for spk in sorted(DEVM_SPEAKERS.values())
             for f in sorted((folder / spk).glob("*.flac"))]
    lines = [f"{f.parent.name}/{f.name} {hashlib.sha256(f.read_bytes()).hexdigest()}"
             for f in files]
    got = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    if got != DEVM_DIGEST:
        raise ValueError(f"devm's {len(files)} files in {folder} have digest {got[:12]}..., "
                         f"not {DEVM_DIGEST[:12]}... (commit {DEVM_SOURCE[1][:7]}'s 30 files)")
    dest = Path(dest)
    for f in files:
        (dest / f.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest / f.parent.name / f.name)
    for name in ("LICENSE.TXT", "SPEAKERS.TXT"):
        if (folder / name).is_file():
            shutil.copyfile(folder / name, dest / name)
    return dest


def echo_files(split: str) -> list[Path]:
    """The real echo recordings (``$VOICECOACH_ECHO_DATA``) a split reads; [] without them."""
    root = echo_root()
    if root is None:
        return []
    sp = SPLITS[split]
    out = [root / "msa" / f"{n}_{k}.wav" for n in sp.msa for k in ("lpb", "echo")]
    if sp.dtln:
        out += sorted((root / "dtln").glob("*_farend_singletalk_*.wav"))
    if sp.ms2:
        out += [root / "ms2" / f"{s}_{sp.ms2}_talk.wav" for s in ("nearend", "echo", "farend")]
    if sp.nkf:
        out += sorted((root / "nkf").glob("*.wav"))
    return [p for p in out if p.is_file()]


def _kept(utts: Iterable[Any], drop: frozenset[str]) -> list[Any]:
    return [u for u in utts if str(Path(u.path).resolve()) not in drop] if drop else list(utts)


@functools.lru_cache(maxsize=4)
def _load_voices(split: str, drop: frozenset[str] = frozenset()) -> dict[str, Voice]:
    """The split's voices (and babble sources) from the benchmark dataset cache.

    ``drop``: resolved paths of recordings left out (``--strict-test``)."""
    src = {k: _kept(v, drop) for k, v in voice_utterances(split).items()}
    out: dict[str, Voice] = {}
    if split == "dev":
        for k in ("awb", "slt"):
            sex = (src[k][0].sex or "?") if src[k] else "?"
            out[k] = _voice(k, sex, [c for u in src[k] for c in _file_clips(u.path)])
        out["allison"] = _voice("allison", "f", [c for u in src["allison"]
                                                 for c in _file_clips(u.path)])
        words = []
        for u in src["counting"]:
            x, sr = _read(u.path)
            for a, b in u.segments or ():
                words += clips_from_signal(x[round(a * sr) : round(b * sr)], sr)
        out["counting"] = _voice("counting", "?", words)
        out["alsa"] = _voice("alsa", "?", [c for u in src["alsa"] for c in _file_clips(u.path)])
        out["codec2"] = _voice("codec2", "?", [c for u in src["codec2"]
                                               for c in _file_clips(u.path)])
        # backchannels: the voices' own words plus the counting words and alsa prompts
        pool = [*out["counting"].short, *out["alsa"].short]
        for k in ("awb", "slt", "allison"):
            out[k] = replace(out[k], short=[*out[k].short, *pool])
        return out
    if split == "holdout":
        return {k: _voice(k, sex, [c for u in src[k] for c in _file_clips(u.path)])
                for k, (_, sex) in HOLDOUT_DATASETS.items()}
    if split == "devm":
        dev = _load_voices("dev", drop)
        out = {k: dev[k] for k in ("allison", "counting", "alsa", "codec2")}
        pool = [*dev["counting"].short, *dev["alsa"].short]
        for k in DEVM_SPEAKERS:
            v = _voice(k, "m", [c for u in src[k] for c in _file_clips(u.path)])
            out[k] = replace(v, short=[*v.short, *pool])
        return out
    return _load_test_voices(src)


def _load_test_voices(src: dict[str, list[Any]]) -> dict[str, Voice]:
    out: dict[str, Voice] = {}
    out["june"] = _voice("june", "f", [c for u in src["june"] for c in _file_clips(u.path)])
    for spk, sex in (("v", "m"), ("m", "f")):
        out[spk] = _voice(spk, sex, [c for u in src[spk] for c in _file_clips(u.path)])
    out["librivox"] = _voice("librivox", "m", [c for u in src["librivox"]
                                               for c in _file_clips(u.path)])
    kl = [c for u in src["klettres"] for c in _file_clips(u.path)]
    out["klettres"] = Voice("klettres", "?", [], [c for c in kl if 0.2 <= c.duration_s <= 0.9])
    pool = out["klettres"].short
    for k in ("june", "librivox"):
        out[k] = replace(out[k], short=[*out[k].short, *pool])
    return out


def echo_root() -> Path | None:
    """The folder of real echo recordings (``$VOICECOACH_ECHO_DATA``), or None if absent."""
    env = os.environ.get(ECHO_ENV)
    if not env:
        return None
    p = Path(env).expanduser()
    return p if p.is_dir() else None


def _read16(path: Path) -> np.ndarray:
    x, sr = _read(path)
    return _resample(x, sr)


@functools.lru_cache(maxsize=4)
def _msa_voice(split: str) -> Voice | None:
    """The split's msa far-end files as a customer voice whose clips carry their real echo."""
    root = echo_root()
    if root is None or not (root / "msa").is_dir():
        return None
    clips: list[Clip] = []
    for n in SPLITS[split].msa:
        lpb, mic = root / "msa" / f"{n}_lpb.wav", root / "msa" / f"{n}_echo.wav"
        if not (lpb.is_file() and mic.is_file()):
            continue
        far, echo = _read16(lpb), _read16(mic)
        m = min(len(far), len(echo))
        echo = np.concatenate([echo, np.zeros(SR)])
        clips += clips_from_signal(far[:m], SR, echo=echo)
    if not clips:
        return None
    return Voice("msa", "?", [c for c in clips if c.duration_s >= 1.0])


# ----------------------------------------------------------------------------- assembly


@dataclass
class Call:
    """An assembled call and its truth.

    Attributes
    ----------
    name : str
    y : np.ndarray, shape (n, 2)
        float32 ``[agent mic, far end]`` at 16 kHz.
    script : list of Utterance
        Placed turns and backchannels (true speech extents).
    truth : tuple of dict
        :func:`derive_events` of the script.
    speech : dict
        ``{"agent": [(start_s, end_s), ...], "customer": [...]}``: every placed clip (the
        pause inside a two-clip turn is not speech).
    """

    name: str
    y: np.ndarray
    script: list[Utterance]
    truth: tuple[dict[str, Any], ...]
    speech: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def speech_mask(self, party: str, n_hops: int) -> np.ndarray:
        """Per-hop truth of a party's speech (10 ms hops)."""
        m = np.zeros(n_hops, bool)
        for a, b in self.speech.get(party, ()):
            m[round(a / HOP_S) : round(b / HOP_S)] = True
        return m


@dataclass
class _Track:
    """One party's clean signal under construction."""

    x: np.ndarray
    echo: np.ndarray

    def add(self, start: int, c: Clip, gain: float) -> None:
        n = len(c.x)
        self._grow(start + n)
        self.x[start : start + n] += c.x * gain
        if c.echo is not None:
            m = len(c.echo)
            self._grow(start + m)
            self.echo[start : start + m] += c.echo * gain

    def _grow(self, n: int) -> None:
        if n > len(self.x):
            extra = n - len(self.x) + 10 * SR
            self.x = np.concatenate([self.x, np.zeros(extra, np.float32)])
            self.echo = np.concatenate([self.echo, np.zeros(extra, np.float32)])


def _cut(c: Clip, n: int) -> Clip:
    """The first ``n`` samples of a clip (less a quiet end) with a 10 ms fade-out; its echo
    keeps a 0.12 s tail."""
    db = _hop_db(c.x[:n])
    if len(db):
        loud = np.flatnonzero(db > _active_db(_hop_db(c.x)) - TRIM_DB)
        if len(loud):
            n = min(n, (int(loud[-1]) + 1) * HOP)
    x = c.x[:n].copy()
    f = min(HOP, n)
    x[n - f :] *= np.linspace(1.0, 0.0, f, dtype=np.float32)
    e = None
    if c.echo is not None:
        m = min(len(c.echo), n + round(0.12 * SR))
        e = c.echo[:m].copy()
        t = min(m - n, round(0.12 * SR))
        if t > 0:
            e[m - t :] *= np.linspace(1.0, 0.0, t, dtype=np.float32)
    return Clip(x, e)


def _speaks(x: np.ndarray, a: int, b: int, max_gap_s: float = 0.1) -> bool:
    """Whether clip ``x`` speaks from sample a to b: its first hop there is within 20 dB of
    the clip's active level and no run of hops below that lasts more than ``max_gap_s``."""
    db = _hop_db(x)
    ha, hb = a // HOP, -(-b // HOP)
    if ha < 0 or hb > len(db) or hb <= ha:
        return False
    on = db[ha:hb] > _active_db(db) - 20.0
    if not on[0]:
        return False
    gap = longest = 0
    for v in on:
        gap = 0 if v else gap + 1
        longest = max(longest, gap)
    return longest * HOP_S <= max_gap_s


def _quietest(x: np.ndarray, a: int, b: int) -> int:
    """Sample index of the quietest 10 ms hop of ``x`` between samples a and b."""
    a, b = max(0, a), min(len(x), b)
    if b - a < 2 * HOP:
        return b
    db = _hop_db(x[a:b])
    return a + int(np.argmin(db)) * HOP


MOVES = ("interrupt", "backchannel", "interrupt", "turn_end", "interrupt", "gap", "interrupt",
         "backchannel", "interrupt")
"""The script's moves, cycled (an odd number, so that both parties interrupt)."""


def assemble_call(
    agent: Voice,
    customer: Voice,
    seed: int,
    *,
    duration_s: float = 60.0,
    min_overlap_s: float = 0.5,
    turn_end_s: float = 0.3,
    level_jitter_db: float = 2.0,
    agent_gain_db: float = 0.0,
    name: str | None = None,
) -> Call:
    """Place real clips of two voices by a seeded script and derive the expected events.

    The moves cycle through :data:`MOVES` (each replaced by a gap with probability 0.15):
    ``interrupt`` (the next speaker starts 0.8-2 s into the turn's first clip, at least 0.5 s
    after its own last words, where the turn's voice speaks on for 0.7 s without a pause over
    0.1 s and spoke in the 0.5 s before without a pause over 0.3 s (a longer pause just
    before would end the turn by the tracker's definitions, making the start a simultaneous
    one), and the interrupted turn stops at a word boundary, the quietest 10 ms 0.7-1.6 s
    later), ``turn_end`` (starts 0.05-0.25 s before the turn's end),
    ``backchannel`` (a 0.2-0.9 s word of the listener, at least 0.5 s long with probability
    0.5 when the voice has such, inside the turn, >= 0.8 s after its start and >= 0.4 s before
    the end of its clip, while the turn's voice speaks, then a gap), ``gap`` (0.2-0.9 s of
    silence; a backchannel inside the turn with probability 0.5). A turn to be interrupted
    starts with a clip of >= 1.8 s, an interrupter's with one of >= 2 s (when the voice has
    one). A turn is one clip, or two with a 0.25-0.4 s pause inside (probability 0.35 after a
    clip shorter than 4 s).

    Parameters
    ----------
    agent, customer : Voice
    seed : int
    duration_s : float
        The script stops adding turns after this many seconds.
    min_overlap_s, turn_end_s : float
        The definitions passed to :func:`derive_events`.
    level_jitter_db : float
        Each clip's level varies uniformly within +- this (dB).
    agent_gain_db : float
        Gain of the agent's voice, dB (the clips are at -20 dBFS).
    name : str, optional

    Returns
    -------
    Call
        ``y`` holds the clean voices (column 0 also the customer clips' real echo, if any);
        :func:`render` adds the condition's noise and bleed.
    """
    rng = np.random.default_rng(seed)
    voices = {"agent": agent, "customer": customer}
    order = {p: list(rng.permutation(len(v.turns))) for p, v in voices.items()}
    tracks = {p: _Track(np.zeros(int(duration_s * SR) + 20 * SR, np.float32),
                        np.zeros(int(duration_s * SR) + 20 * SR, np.float32)) for p in voices}
    gain0 = {"agent": 10 ** (agent_gain_db / 20), "customer": 1.0}

    def next_clip(p: str, min_s: float = 0.0) -> Clip:
        """The next unused clip (in a seeded order) lasting >= min_s, else a random one of
        those, else the longest."""
        v = voices[p]
        if not order[p]:
            order[p] = list(rng.permutation(len(v.turns)))
        for k, j in enumerate(order[p]):
            if v.turns[j].duration_s >= min_s:
                return v.turns[order[p].pop(k)]
        ok = [c for c in v.turns if c.duration_s >= min_s]
        if ok:
            return ok[int(rng.integers(len(ok)))]
        return max(v.turns, key=lambda c: c.duration_s)

    def gain(p: str) -> float:
        return gain0[p] * 10 ** (float(rng.uniform(-level_jitter_db, level_jitter_db)) / 20)

    def build_turn(p: str, start: int, min_first_s: float) -> list[tuple[int, Clip, float]]:
        first = next_clip(p, min_first_s)
        parts = [(start, first, gain(p))]
        if first.duration_s < 4.0 and rng.random() < 0.35:
            pause = round(float(rng.uniform(0.25, 0.4)) * SR)
            parts.append((start + len(first.x) + pause, next_clip(p), gain(p)))
        return parts

    moves = [MOVES[k % len(MOVES)] if rng.random() >= 0.15 else "gap" for k in range(400)]
    script: list[Utterance] = []
    spans: dict[str, list[tuple[float, float]]] = {"agent": [], "customer": []}
    last_end = {"agent": 0, "customer": 0}
    who, other = "agent", "customer"
    start = round(0.5 * SR)
    parts = build_turn(who, start, 1.8 if moves[0] == "interrupt" else 0.0)
    i = 0
    while True:
        move = moves[i]
        last = (start / SR) > duration_s or i + 1 >= len(moves)
        nxt_start = 0
        if move == "interrupt" and not last:
            # the next speaker starts 0.8-2 s into this turn's first clip, while it speaks
            first_start, first, g = parts[0]
            room = first.duration_s - 1.0  # keep >= 0.7 s of overlap and a word to cut at
            # ... and the interrupter's own last words (if it was just interrupted) >= 0.5 s ago
            lo = max(0.8, (last_end[other] - first_start) / SR + 0.5)
            # ... where the interrupted voice speaks on for 0.7 s (no pause > 0.1 s)
            offs = [float(o) for o in rng.uniform(lo, min(2.0, room), 30)] if min(
                2.0, room) >= lo else []
            offs = [o for o in offs if _speaks(first.x, round(o * SR), round((o + 0.7) * SR))
                    # ... and spoke in the 0.5 s before it (no pause over 0.3 s): a pause of
                    # turn_gap_s just before would end the turn, and a start within
                    # simultaneous_start_s of its resumption is no interruption (the README's
                    # definitions)
                    and _speaks(first.x, round((o - 0.5) * SR), round(o * SR), 0.3)]
            if offs:
                off = offs[0]
                onset = first_start + round(off * SR)
                cut_at = _quietest(first.x, onset - first_start + round(0.7 * SR),
                                   onset - first_start + round(1.6 * SR))
                parts = [(first_start, _cut(first, cut_at), g)]
                nxt_start = onset
            else:
                move = "gap"
        end = max(s + len(c.x) for s, c, _ in parts)
        if move == "turn_end":
            nxt_start = end - round(float(rng.uniform(0.05, 0.25)) * SR)
        elif move in ("gap", "backchannel"):
            nxt_start = end + round(float(rng.uniform(0.2, 0.9)) * SR)
        for s, c, g in parts:
            tracks[who].add(s, c, g)
            spans[who].append((s / SR, (s + len(c.x)) / SR))
        t0 = parts[0][0]
        script.append(Utterance(who, t0 / SR, (end - t0) / SR))
        last_end[who] = end
        if (move == "backchannel" or (move == "gap" and rng.random() < 0.5)) and voices[
                other].short:
            pool = voices[other].short
            longer = [c for c in pool if c.duration_s >= LONG_BACKCHANNEL_S]
            if longer and rng.random() < 0.5:
                pool = longer
            bc = pool[int(rng.integers(len(pool)))]
            # inside the turn's speech, >= 0.8 s after its start, >= 0.4 s before the end of
            # its clip, >= 0.5 s after the listener's own last speech
            lo = max(t0 + round(0.8 * SR), last_end[other] + round(0.5 * SR))
            ok = [(max(a, lo), a + len(c.x) - round(0.4 * SR) - len(bc.x)) for a, c, _ in parts]
            cands = [(int(rng.integers(a, b)), c0, c) for (a, b), (c0, c, _) in zip(
                ok, parts, strict=True) if b > a for _ in range(10)]
            # while the turn's voice speaks (no pause > 0.1 s under the backchannel)
            cands = [t for t, c0, c in cands if _speaks(c.x, t - c0, t - c0 + len(bc.x))]
            if cands:
                s = cands[int(rng.integers(len(cands)))]
                tracks[other].add(s, bc, gain(other))
                spans[other].append((s / SR, (s + len(bc.x)) / SR))
                script.append(Utterance(other, s / SR, len(bc.x) / SR, kind="backchannel"))
                last_end[other] = s + len(bc.x)
        if last:
            break
        who, other = other, who
        start = nxt_start
        # a turn to be interrupted has room for it (>= 1.8 s); an interrupter speaks >= 2 s
        min_s = 1.8 if moves[i + 1] == "interrupt" else 2.0 if move == "interrupt" else 0.0
        if move == "interrupt" and moves[i + 1] == "interrupt":
            min_s = 2.0
        parts = build_turn(who, start, min_s)
        i += 1
    n = max(round(script[-1].end_s * SR), *(round(u.end_s * SR) for u in script)) + SR
    y = np.zeros((n, 2), np.float32)
    for t in tracks.values():  # a party whose last words end early has a shorter track
        t._grow(n)
    y[:, 0] = tracks["agent"].x[:n] + tracks["customer"].echo[:n]
    y[:, 1] = tracks["customer"].x[:n]
    script.sort(key=lambda u: (u.start_s, u.party))
    truth = derive_events(script, min_overlap_s=min_overlap_s, turn_end_s=turn_end_s)
    return Call(name or f"{agent.name}-{customer.name}-{seed}", y, script, truth, spans)


# ----------------------------------------------------------------------------- conditions


def _babble(sources: Sequence[Voice], n: int, rng: np.random.Generator, talkers: int = 5
            ) -> np.ndarray:
    """A sum of ``talkers`` streams of real speech (clips end to end), unit RMS."""
    clips = [c for v in sources for c in [*v.turns, *v.short] if c.duration_s >= 0.5]
    out = np.zeros(n)
    for _ in range(talkers):
        t = int(rng.integers(0, SR))
        while t < n:
            c = clips[int(rng.integers(len(clips)))].x
            m = min(len(c), n - t)
            out[t : t + m] += c[:m]
            t += m + int(rng.integers(0, SR // 4))
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def _bleed(cust: np.ndarray, db: float, delay_s: float, rng: np.random.Generator) -> np.ndarray:
    """The customer as the agent's mic hears it: 300-3400 Hz, a little room, delayed, at db."""
    from scipy.signal import butter, fftconvolve, sosfiltfilt

    sos = butter(4, [300, 3400], btype="band", fs=SR, output="sos")
    b = sosfiltfilt(sos, cust.astype(np.float64))
    m = round(0.08 * SR)
    ir = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.02 * SR)) * 0.3
    ir[0] = 1.0
    b = fftconvolve(b, ir)[: len(cust)]
    act = _hop_db(cust)
    mask = act > _active_db(act) - TRIM_DB if len(act) else act
    ref = np.sqrt(np.mean(10 ** (act[mask] / 10))) if mask.any() else 1.0
    bdb = _hop_db(b)
    got = np.sqrt(np.mean(10 ** (bdb[mask] / 10))) if mask.any() else 1.0
    b *= 10 ** (db / 20) * ref / (got + 1e-12)
    d = round(delay_s * SR)
    return np.concatenate([np.zeros(d), b])[: len(cust)]


def loudspeaker_echo(far: np.ndarray, rel_db: float, delay_s: float, seed: int) -> np.ndarray:
    """A simulated loudspeaker echo of ``far`` (16 kHz), for the agent's microphone.

    Overdriven (tanh), ``delay_s`` late, through a room response decaying with a 30 ms time
    constant (seeded), its active level ``rel_db`` relative to the far end's. The ``echoN``
    calls of ``tests/test_real_voices.py`` and ``benchmarks.realcalls_live`` add it, N dB
    under the far end, to ``white20``'s microphone.

    Parameters
    ----------
    far : np.ndarray, shape (n,)
        The far end at 16 kHz.
    rel_db : float
        The echo's active level relative to the far end's, dB (e.g. -6).
    delay_s : float
        The echo path's delay, s.
    seed : int
        Seeds the room response.

    Returns
    -------
    np.ndarray, shape (n,)
        float64.
    """
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    m = round(0.15 * SR)
    ir = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.03 * SR)) * 0.5
    ir[0] = 1.0
    e = fftconvolve(np.tanh(3.0 * far.astype(np.float64)) / 3.0, ir)[: len(far)]
    d = round(delay_s * SR)
    e = np.concatenate([np.zeros(d), e])[: len(far)]
    far_db = _active_db(_hop_db(far))
    echo_db = _active_db(_hop_db(e.astype(np.float32)))
    return e * 10 ** ((far_db + rel_db - echo_db) / 20)


def render(call: Call, condition: str, babble_sources: Sequence[Voice], seed: int
           ) -> np.ndarray:
    """The two-channel signal of a call under a condition (see :data:`CONDITIONS`).

    ``white20``/``babble20``: independent white / babble noise on each channel, 20 dB below
    speech (-40 dBFS). ``bleedD_Tms``: the customer, band-passed 300-3400 Hz with a short
    room response, at D dB and T ms late in the agent mic, plus white noise 20 dB below.
    All conditions add a -65 dBFS white floor.
    """
    rng = np.random.default_rng(seed + 7919)
    y = call.y.astype(np.float64)
    n = len(y)
    noise_db = LEVEL_DBFS - 20.0
    if condition in ("white20",) or condition.startswith("bleed"):
        y += rng.standard_normal((n, 2)) * 10 ** (noise_db / 20)
    if condition == "babble20":
        for ch in range(2):
            y[:, ch] += _babble(babble_sources, n, rng) * 10 ** (noise_db / 20)
    if condition.startswith("bleed"):
        db_s, ms = condition[5:].split("_")
        y[:, 0] += _bleed(call.y[:, 1], -float(db_s), float(ms[:-2]) / 1000, rng)
    y += rng.standard_normal((n, 2)) * 10 ** (NOISE_FLOOR_DBFS / 20)
    return y.astype(np.float32)


def lead_call(call: Call, y: np.ndarray, lead: int) -> tuple[Call, np.ndarray]:
    """A call and its rendered signal led by ``lead`` samples of silence (hop phase).

    Where the 10 ms hops fall on the signal is arbitrary (live, it depends on when capture
    starts): ``lead`` zeros are put before both channels of ``y`` and every true time (the
    events' ``start_s``/``end_s``, the script's onsets and the placed speech spans) moves by
    ``lead / SR``, so that the scores stay comparable with the unled call's.

    Parameters
    ----------
    call : Call
    y : np.ndarray, shape (n, 2)
        ``call`` rendered in a condition (:func:`render`).
    lead : int
        Samples of silence, >= 0; 0 returns ``call`` and ``y`` themselves.

    Returns
    -------
    (Call, np.ndarray)
        The shifted call (its ``y`` led too) and ``y`` led, shape (lead + n, 2).
    """
    if lead < 0:
        raise ValueError(f"lead {lead}: give samples of silence >= 0")
    if lead == 0:
        return call, y
    dt = lead / SR
    pad = np.zeros((lead, y.shape[1]), y.dtype)
    truth = tuple({**e, "start_s": e["start_s"] + dt, "end_s": e["end_s"] + dt}
                  for e in call.truth)
    speech = {p: [(a + dt, b + dt) for a, b in spans] for p, spans in call.speech.items()}
    script = [replace(u, start_s=u.start_s + dt) for u in call.script]
    cy = np.concatenate([np.zeros((lead, call.y.shape[1]), call.y.dtype), call.y])
    return (Call(name=call.name, y=cy, script=script, truth=truth, speech=speech),
            np.concatenate([pad, y]))


def phase_spread(phases: Sequence[dict[str, Any]],
                 figures: Sequence[str] = PHASE_FIGURES) -> dict[str, Any]:
    """Median, min and max over hop phases of each figure of :func:`summarize` results.

    Parameters
    ----------
    phases : sequence of dict
        One :func:`summarize` result per lead.
    figures : sequence of str
        Keys to aggregate (a phase where a figure is None, e.g. no latency, is left out of
        that figure).

    Returns
    -------
    dict
        ``{figure: {"median", "min", "max", "n"}}`` (rounded to 4 places; all None and n 0
        when no phase has the figure).
    """
    out: dict[str, Any] = {}
    for k in figures:
        v = [float(p[k]) for p in phases if p.get(k) is not None]
        out[k] = ({"median": round(float(np.median(v)), 4), "min": round(min(v), 4),
                   "max": round(max(v), 4), "n": len(v)} if v else
                  {"median": None, "min": None, "max": None, "n": 0})
    return out


def parse_leads(text: str) -> list[int]:
    """``--lead-samples`` ``"0,40,80,120"`` as a list of distinct samples >= 0, in order."""
    try:
        leads = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--lead-samples {text!r}: give samples as integers, "
                         "e.g. 0,40,80,120") from None
    if not leads or any(v < 0 for v in leads) or len(set(leads)) != len(leads):
        raise ValueError(f"--lead-samples {text!r}: give distinct samples >= 0, "
                         "e.g. 0,40,80,120")
    return leads


# ----------------------------------------------------------------------------- pipeline


def telephone8(x: np.ndarray) -> np.ndarray:
    """An 8 kHz G.711-like channel of 16 kHz ``x`` (n,) or (n, channels), each channel on
    its own: 300-3400 Hz, 8 kHz, 8-bit mu-law. Returns float32 at 8 kHz, (ceil(n / 2), ...)."""
    from scipy.signal import butter, resample_poly, sosfiltfilt

    sos = butter(6, [300, 3400], btype="band", fs=SR, output="sos")
    y = resample_poly(sosfiltfilt(sos, x.astype(np.float64), axis=0), 1, 2, axis=0)
    mu = 255.0
    c = np.sign(y) * np.log1p(mu * np.minimum(np.abs(y), 1.0)) / np.log1p(mu)
    c = np.round(c * 127) / 127
    return (np.sign(c) * np.expm1(np.abs(c) * np.log1p(mu)) / mu).astype(np.float32)


def review_events(y: np.ndarray, config: Config, *, telephone: bool = True) -> list[Event]:
    """The tracker's events of ``y`` (n, 2) at 16 kHz reviewed as a file, as a trainer does.

    With ``telephone`` each channel goes over its own G.711 line first (:func:`telephone8`)
    and the call is written as an 8 kHz mu-law WAV, what a telephone call recorder exports;
    else as a 16 kHz float WAV. The file goes through ``voicecoach review``'s own path
    (:func:`voicecoach.review.one_call.review_call`: reading, resampling to the analysis
    rate, the telephone-band pitch handling), no profile; its ``tracker_events.jsonl`` holds
    every version of every event.

    Returns
    -------
    list of Event
        :func:`final_events` of the review's tracker events.
    """
    import json
    import tempfile

    import soundfile as sf

    from voicecoach.events import event_from_dict
    from voicecoach.review.calls import _file_call
    from voicecoach.review.one_call import review_call

    with tempfile.TemporaryDirectory(prefix="realcalls-") as tmp:
        path = Path(tmp) / "call.wav"
        if telephone:
            sf.write(path, np.clip(telephone8(y), -1, 1), 8000, subtype="ULAW")
        else:
            sf.write(path, np.clip(y, -1, 1), SR, subtype="FLOAT")
        call = _file_call(path, 0, config)
        review_call(call, Path(tmp) / "out", config, render=False, audio="none")
        lines = (Path(tmp) / "out" / call.stem / "tracker_events.jsonl").read_text()
    events = [event_from_dict(json.loads(ln)["e"]) for ln in lines.splitlines()[1:] if ln]
    return final_events(events)


def run_pipeline(y: np.ndarray, config: Config) -> list[Event]:
    """Feed ``y`` (n, 2) to :class:`~voicecoach.pipeline.CallAnalyzer` in 1 s blocks.

    Returns
    -------
    list of Event
        :func:`final_events` of everything emitted, including ``finish()``.
    """
    from voicecoach.pipeline import CallAnalyzer

    n = len(y) // HOP * HOP
    y = np.ascontiguousarray(y[:n], dtype=np.float32)
    ca = CallAnalyzer(config, parties=2)
    events: list[Event] = []
    for i in range(0, n, BLOCK):
        events.extend(ca.process(y[i : i + BLOCK]).events)
    events.extend(ca.finish())
    return final_events(events)


# ----------------------------------------------------------------------------- scoring


def score_call(truth: Sequence[dict[str, Any]], events: Sequence[Event],
               match_s: float = MATCH_S) -> dict[str, Any]:
    """Score one call's interruptions (TurnBench style).

    Parameters
    ----------
    truth : sequence of dict
        :func:`derive_events` output.
    events : sequence of Event
        The pipeline's final events (only ``interruption`` events are used).
    match_s : float
        Onset tolerance, s.

    Returns
    -------
    dict
        Counts ``n_truth``, ``n_detected``, ``tp``, ``attributed``, ``n_backchannel``,
        ``n_backchannel_fa`` (backchannels called interruptions in the final record; the
        live display also showed the retracted ones: ``n_backchannel_fa_live``; and of those
        lasting >= :data:`LONG_BACKCHANNEL_S`:
        ``n_backchannel_long``, ``n_backchannel_long_fa``), ``n_turn_end``, ``n_turn_end_fa``
        and ``latency_s`` (decided_s - true onset of each matched event), plus ``missed`` /
        ``false`` onsets (s) for reading.
    """
    ref = sorted((e for e in truth if e["kind"] == "interruption"), key=lambda e: e["start_s"])
    shown = [e for e in events if e.kind == "interruption"]  # every live decision
    det = [e for e in shown if not getattr(e, "retracted", False)]  # the final record
    pairs = sorted((abs(d.start_s - r["start_s"]), i, j) for i, r in enumerate(ref)
                   for j, d in enumerate(det) if abs(d.start_s - r["start_s"]) <= match_s)
    used_r: set[int] = set()
    used_d: set[int] = set()
    matched = []
    for _, i, j in pairs:
        if i in used_r or j in used_d:
            continue
        used_r.add(i)
        used_d.add(j)
        matched.append((ref[i], det[j]))
    attributed = sum((d.by, d.of) == (r["by"], r["of"]) for r, d in matched)
    free = [d for j, d in enumerate(det) if j not in used_d]

    def fa(kind: str) -> tuple[int, int]:
        evs = [e for e in truth if e["kind"] == kind]
        hit = sum(any(abs(d.start_s - e["start_s"]) <= match_s for d in free) for e in evs)
        return len(evs), hit

    n_bc, fa_bc = fa("backchannel")
    long_bc = [e for e in truth if e["kind"] == "backchannel"
               and e["end_s"] - e["start_s"] >= LONG_BACKCHANNEL_S]
    fa_long = sum(any(abs(d.start_s - e["start_s"]) <= match_s for d in free) for e in long_bc)
    n_te, fa_te = fa("turn_end_overlap")
    # live: a retracted interruption was shown to the agent before the backchannel ended
    retracted = [d for d in shown if getattr(d, "retracted", False)]
    fa_live = sum(any(abs(d.start_s - e["start_s"]) <= match_s for d in [*free, *retracted])
                  for e in truth if e["kind"] == "backchannel")
    return {
        "n_truth": len(ref),
        "n_detected": len(det),
        "tp": len(matched),
        "attributed": attributed,
        "n_backchannel": n_bc,
        "n_backchannel_fa": fa_bc,
        "n_backchannel_fa_live": fa_live,
        "n_backchannel_long": len(long_bc),
        "n_backchannel_long_fa": fa_long,
        "n_turn_end": n_te,
        "n_turn_end_fa": fa_te,
        "latency_s": [round(d.decided_s - r["start_s"], 3) for r, d in matched],
        "missed": [r["start_s"] for i, r in enumerate(ref) if i not in used_r],
        "false": [round(d.start_s, 2) for d in free],
    }


FALSE_SPEECH_MARGIN_S = 0.3
"""Detected speech within this long (s) of a party's true speech is not counted as false."""


def speech_scores(call: Call, events: Sequence[Event]) -> dict[str, Any]:
    """Hop counts of the tracker's speech segments against a call's true speech.

    Returns
    -------
    dict
        Per party ``p`` in (``agent``, ``customer``): ``p_alone_hops`` / ``p_alone_hit`` (the
        party speaks, the other does not), ``p_overlap_hops`` / ``p_overlap_hit`` (both speak),
        ``p_false_hops`` (detected further than :data:`FALSE_SPEECH_MARGIN_S` from the party's
        true speech) and ``hops``.
    """
    n = len(call.y) // HOP
    out: dict[str, Any] = {"hops": n}
    pad = round(FALSE_SPEECH_MARGIN_S / HOP_S)
    for p, q in (("agent", "customer"), ("customer", "agent")):
        t, other = call.speech_mask(p, n), call.speech_mask(q, n)
        got = _party_activity(events, p, n)
        near = np.convolve(t, np.ones(2 * pad + 1), mode="same") > 0
        out[f"{p}_alone_hops"] = int((t & ~other).sum())
        out[f"{p}_alone_hit"] = int((t & ~other & got).sum())
        out[f"{p}_overlap_hops"] = int((t & other).sum())
        out[f"{p}_overlap_hit"] = int((t & other & got).sum())
        out[f"{p}_false_hops"] = int((got & ~near).sum())
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def summarize(scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Pool per-call scores of one condition.

    Returns
    -------
    dict
        ``recall``, ``precision``, ``attribution``, ``fa_backchannel`` (also split into
        ``fa_backchannel_short`` and ``fa_backchannel_long`` at :data:`LONG_BACKCHANNEL_S`),
        ``fa_turn_end``,
        ``fa_non_interruption`` (pooled ratios), ``recall_median``/``precision_median`` (over
        calls), ``latency_p50_s``/``latency_p90_s``, the pooled counts and, when the scores
        carry :func:`speech_scores`, per party ``<p>_speech_recall_alone``,
        ``<p>_speech_recall_overlap`` (while the other party speaks: double talk) and
        ``<p>_false_speech_s_per_min``.
    """
    tot = {k: sum(s[k] for s in scores) for k in ("n_truth", "n_detected", "tp", "attributed",
                                                    "n_backchannel", "n_backchannel_fa",
                                                    "n_backchannel_fa_live",
                                                    "n_backchannel_long",
                                                    "n_backchannel_long_fa",
                                                    "n_turn_end", "n_turn_end_fa")}
    lat = np.asarray([v for s in scores for v in s["latency_s"]])
    rec = [s["tp"] / s["n_truth"] for s in scores if s["n_truth"]]
    prec = [s["tp"] / s["n_detected"] for s in scores if s["n_detected"]]
    sp: dict[str, Any] = {}
    if all("hops" in s for s in scores) and scores:
        minutes = sum(s["hops"] for s in scores) * HOP_S / 60
        for p in ("agent", "customer"):
            c = {k: sum(s[f"{p}_{k}"] for s in scores)
                 for k in ("alone_hops", "alone_hit", "overlap_hops", "overlap_hit", "false_hops")}
            sp[f"{p}_speech_recall_alone"] = _ratio(c["alone_hit"], c["alone_hops"])
            sp[f"{p}_speech_recall_overlap"] = _ratio(c["overlap_hit"], c["overlap_hops"])
            sp[f"{p}_false_speech_s_per_min"] = round(c["false_hops"] * HOP_S / minutes, 2)
    return {
        "calls": len(scores),
        "recall": _ratio(tot["tp"], tot["n_truth"]),
        "precision": _ratio(tot["tp"], tot["n_detected"]),
        "recall_median": round(float(np.median(rec)), 4) if rec else None,
        "precision_median": round(float(np.median(prec)), 4) if prec else None,
        "attribution": _ratio(tot["attributed"], tot["tp"]),
        "fa_backchannel": _ratio(tot["n_backchannel_fa"], tot["n_backchannel"]),
        "fa_backchannel_live": _ratio(tot["n_backchannel_fa_live"], tot["n_backchannel"]),
        "fa_backchannel_short": _ratio(tot["n_backchannel_fa"] - tot["n_backchannel_long_fa"],
                                       tot["n_backchannel"] - tot["n_backchannel_long"]),
        "fa_backchannel_long": _ratio(tot["n_backchannel_long_fa"], tot["n_backchannel_long"]),
        "fa_turn_end": _ratio(tot["n_turn_end_fa"], tot["n_turn_end"]),
        "fa_non_interruption": _ratio(tot["n_backchannel_fa"] + tot["n_turn_end_fa"],
                                      tot["n_backchannel"] + tot["n_turn_end"]),
        "latency_p50_s": round(float(np.percentile(lat, 50)), 3) if len(lat) else None,
        "latency_p90_s": round(float(np.percentile(lat, 90)), 3) if len(lat) else None,
        **sp,
        **tot,
    }


# ----------------------------------------------------------------------------- echo


def _agent_activity(events: Sequence[Event], n_hops: int) -> np.ndarray:
    """Per-hop mask of the tracker's agent speech segments."""
    return _party_activity(events, "agent", n_hops)


def _party_activity(events: Sequence[Event], party: str, n_hops: int) -> np.ndarray:
    """Per-hop mask of the tracker's speech segments of ``party``."""
    m = np.zeros(n_hops, bool)
    for e in events:
        if e.kind == "speech" and getattr(e, "party", None) == party:
            a = max(0, round(e.start_s / HOP_S))
            b = n_hops if e.end_s is None else min(n_hops, round(e.end_s / HOP_S))
            m[a:b] = True
    return m


def _agent_events(events: Sequence[Event]) -> dict[str, int]:
    out = {"turns": 0, "interruptions": 0, "backchannels": 0, "turn_end_overlaps": 0}
    names = {"turn": "turns", "interruption": "interruptions", "backchannel": "backchannels",
             "turn_end_overlap": "turn_end_overlaps"}
    for e in events:
        key = names.get(e.kind)
        if key is None:
            continue
        who = getattr(e, "party", None) if e.kind == "turn" else getattr(e, "by", None)
        out[key] += who == "agent"
    return out


def _pure_echo_streams(split: str, *, cold: bool = True) -> list[tuple[str, np.ndarray]]:
    """The split's echo-only recordings as ``[mic, far end]`` streams.

    ``cold``: each recording is its own call, so every one starts with a canceller that has
    not yet found the echo path (as every real call does). Otherwise the msa recordings are
    concatenated into one stream (one start, then steady state).
    """
    root = echo_root()
    if root is None:
        return []
    sp = SPLITS[split]
    out = []
    mics, fars = [], []
    for n in sp.msa:
        lpb, mic = root / "msa" / f"{n}_lpb.wav", root / "msa" / f"{n}_echo.wav"
        if lpb.is_file() and mic.is_file():
            f, m = _read16(lpb), _read16(mic)
            k = min(len(f), len(m))
            if cold:
                out.append((f"msa_{n}", np.stack([m[:k], f[:k]], axis=1)))
            else:
                mics.append(m[:k])
                fars.append(f[:k])
    if mics:
        out.append((f"msa_{sp.msa.start}-{sp.msa.stop - 1}",
                    np.stack([np.concatenate(mics), np.concatenate(fars)], axis=1)))
    if sp.dtln:
        for mic in sorted((root / "dtln").glob("*_farend_singletalk_mic.wav")):
            lpb = mic.with_name(mic.name.replace("_mic.wav", "_lpb.wav"))
            if lpb.is_file():
                m, f = _read16(mic), _read16(lpb)
                k = min(len(f), len(m))
                out.append((f"dtln_{mic.name[:8]}", np.stack([m[:k], f[:k]], axis=1)))
    return out


def _pure_echo_run(streams: list[tuple[str, np.ndarray]], config: Config) -> dict[str, Any]:
    per = {}
    tot_s = tot_min = 0.0
    tot_ev: dict[str, int] = {}
    calls_with_event = 0
    for name, y in streams:
        y = (y + np.random.default_rng(1).standard_normal(y.shape) * 10 ** (NOISE_FLOOR_DBFS / 20))
        ev = run_pipeline(y.astype(np.float32), config)
        n_hops = len(y) // HOP
        speech_s = float(_agent_activity(ev, n_hops).sum()) * HOP_S
        minutes = n_hops * HOP_S / 60
        aev = _agent_events(ev)
        per[name] = {"minutes": round(minutes, 2), "agent_speech_s": round(speech_s, 2),
                     "agent_s_per_min": round(speech_s / minutes, 2), "agent_events": aev}
        tot_s += speech_s
        tot_min += minutes
        tot_ev = {k: tot_ev.get(k, 0) + v for k, v in aev.items()}
        calls_with_event += any(aev.values())
    return {"agent_s_per_min": round(tot_s / tot_min, 2), "minutes": round(tot_min, 2),
            "agent_events": tot_ev,
            "agent_events_total": tot_ev["interruptions"] + tot_ev["backchannels"]
            + tot_ev["turn_end_overlaps"] + tot_ev["turns"],
            "calls": len(streams), "calls_with_agent_event": calls_with_event,
            "streams": per}


def pure_echo(split: str, config: Config) -> dict[str, Any] | None:
    """Agent speech credited on real echo alone (no agent speaking at all).

    The figures are over *cold starts*: every recording is its own call (10-11 s each), so
    each one includes the first seconds in which the canceller is still looking for the echo
    path, as every real call does. ``steady`` holds the figure of the earlier protocol, the
    msa recordings concatenated into one stream (one start, then steady state).
    """
    streams = _pure_echo_streams(split)
    if not streams:
        return None
    res = _pure_echo_run(streams, config)
    res["steady"] = {k: v for k, v in _pure_echo_run(
        _pure_echo_streams(split, cold=False), config).items() if k != "streams"}
    return res


def _activity_truth(x: np.ndarray, bridge_s: float = 0.1) -> np.ndarray:
    """Per-hop speech truth of a clean signal: hops within TRIM_DB of its active level,
    bridging gaps shorter than ``bridge_s``."""
    db = _hop_db(x)
    m = np.zeros(len(db), bool)
    if not len(db) or db.max() < -90:
        return m
    level = _active_db(db)
    for a, b in _speech_runs(db, _threshold_db(db), round(bridge_s / HOP_S)):
        if db[a:b].max() >= level - 15.0:
            m[a:b] = True
    return m


def _dt_score(y: np.ndarray, near_truth: np.ndarray, far_truth: np.ndarray, config: Config
              ) -> dict[str, Any]:
    ev = run_pipeline(y.astype(np.float32), config)
    n = min(len(near_truth), len(far_truth), len(y) // HOP)
    got = _agent_activity(ev, n)
    near, far = near_truth[:n], far_truth[:n]
    both = near & far
    echo_only = far & ~near
    return {
        "seconds": round(n * HOP_S, 1),
        "double_talk_s": round(float(both.sum()) * HOP_S, 2),
        "recall_double_talk": _ratio(int((got & both).sum()), int(both.sum())),
        "recall_near_alone": _ratio(int((got & near & ~far).sum()), int((near & ~far).sum())),
        "agent_s_per_min_echo_only": round(float((got & echo_only).sum()) * HOP_S
                                           / max(echo_only.sum() * HOP_S / 60, 1e-9), 2),
        "agent_events": _agent_events(ev),
    }


def double_talk(split: str, config: Config) -> dict[str, Any] | None:
    """Agent speech recall during real-speech double talk (mediastreamer2 stems)."""
    root = echo_root()
    if root is None or not (root / "ms2").is_dir():
        return None
    kind = SPLITS[split].ms2
    if not kind:
        return None
    paths = [root / "ms2" / f"{s}_{kind}_talk.wav" for s in ("nearend", "echo", "farend")]
    if not all(p.is_file() for p in paths):
        return None
    near, echo, far = (_read16(p) for p in paths)
    k = min(len(near), len(echo), len(far))
    near, echo, far = near[:k], echo[:k], far[:k]
    shift = 0
    if kind == "simple":
        # the simple-talk stems never overlap: move the near end (circularly) to where it
        # overlaps the far end most, which keeps the truth exact
        nt, ft = _activity_truth(near), _activity_truth(far)
        shift = max(range(0, len(nt), 10), key=lambda s: int((np.roll(nt, s) & ft).sum()))
        near = np.roll(near, shift * HOP)
    rng = np.random.default_rng(3)
    y = np.stack([near + echo, far], axis=1) + rng.standard_normal((k, 2)) * 10 ** (
        NOISE_FLOOR_DBFS / 20)
    out = _dt_score(y, _activity_truth(near), _activity_truth(far), config)
    out["near_shift_s"] = round(shift * HOP_S, 2)
    out["source"] = f"mediastreamer2 {kind}_talk"
    return out


def _ls_residual(mic: np.ndarray, far: np.ndarray, taps: int = 1024) -> np.ndarray:
    """mic minus the best whole-file linear FIR prediction from far (an offline oracle-ish
    echo path), for a rough near-end truth."""
    from scipy.linalg import solve_toeplitz
    from scipy.signal import fftconvolve

    n = min(len(mic), len(far))
    mic, far = mic[:n], far[:n]
    nfft = 1 << (2 * n - 1).bit_length()
    fa = np.fft.rfft(far, nfft)
    r = np.fft.irfft(fa * np.conj(fa), nfft)[:taps]
    p = np.fft.irfft(np.fft.rfft(mic, nfft) * np.conj(fa), nfft)[:taps]
    r[0] *= 1.0 + 1e-3
    h = solve_toeplitz(r, p)
    return mic - fftconvolve(far, h)[:n]


def nkf_double_talk(config: Config) -> dict[str, Any] | None:
    """Agent speech on the NKF-AEC real double-talk pairs, against a rough truth."""
    root = echo_root()
    if root is None or not (root / "nkf").is_dir():
        return None
    per = {}
    both_tot = got_tot = 0
    for mic_p in sorted((root / "nkf").glob("*_mic.wav")):
        lpb_p = mic_p.with_name(mic_p.name.replace("_mic.wav", "_lpb.wav"))
        if not lpb_p.is_file():
            continue
        mic, far = _read16(mic_p), _read16(lpb_p)
        k = min(len(mic), len(far))
        mic, far = mic[:k], far[:k]
        near_est = _ls_residual(mic, far)
        r = _dt_score(np.stack([mic, far], axis=1), _activity_truth(near_est),
                      _activity_truth(far), config)
        per[mic_p.name[: -len("_mic.wav")]] = r
        both_tot += round(r["double_talk_s"] / HOP_S)
        got_tot += round((r["recall_double_talk"] or 0) * r["double_talk_s"] / HOP_S)
    if not per:
        return None
    rec = [r["recall_double_talk"] for r in per.values() if r["recall_double_talk"] is not None]
    return {"recall_double_talk": _ratio(got_tot, both_tot),
            "recall_double_talk_median": round(float(np.median(rec)), 4) if rec else None,
            "truth": "rough: residual of a whole-file least-squares echo path (64 ms FIR)",
            "pairs": per}


MSA_DT_LEVELS_DB = (0.0, -5.0, -10.0)
"""``msa_double_talk``: the near end's active level over the echo's, dB, cycled over the pairs."""


def msa_double_talk(split: str, config: Config) -> dict[str, Any] | None:
    """Agent speech recall in double talk over real loudspeaker echo, with exact truth.

    Each msa-dpcrn pair of the split (10 s of far end and its real echo recording, like an
    AEC-Challenge double-talk file) gets a near end: one or two of the split's agent clips
    (its voices in turn), starting 1-5 s in (seeded), at 0, -5 or -10 dB (cycled) under the
    echo's active level (the near end at -20 dBFS, the echo recording scaled over it): the
    loud-loudspeaker double talk of the NKF-AEC and mediastreamer2
    recordings, with the truth of the clean near end. Pooled over the pairs, as
    :func:`nkf_double_talk`.
    """
    root = echo_root()
    if root is None or not (root / "msa").is_dir():
        return None
    voices = _load_voices(split, _DROP[0])
    agents = [voices[a] for a, _ in SPLITS[split].pairs if a in voices and a not in _thin(voices)]
    per: dict[str, Any] = {}
    both_tot = got_tot = 0
    for i, n in enumerate(SPLITS[split].msa):
        lpb, mic = root / "msa" / f"{n}_lpb.wav", root / "msa" / f"{n}_echo.wav"
        if not (lpb.is_file() and mic.is_file()):
            continue
        far, echo = _read16(lpb), _read16(mic)
        k = min(len(far), len(echo))
        far, echo = far[:k], echo[:k]
        rng = np.random.default_rng(1000 + n)
        voice = agents[i % len(agents)]
        near = np.zeros(k, np.float32)
        t = int(rng.uniform(1.0, 5.0) * SR)
        for _ in range(2):
            c = voice.turns[int(rng.integers(len(voice.turns)))]
            m = min(len(c.x), k - t)
            if m <= SR // 2:
                break
            near[t : t + m] += c.x[:m]
            t += m + int(rng.uniform(0.3, 1.0) * SR)
        if not near.any():
            continue
        level_db = MSA_DT_LEVELS_DB[i % len(MSA_DT_LEVELS_DB)]
        # the near end at the clips' level (-20 dBFS), the echo scaled over it: the msa
        # echo recordings are quiet (-35 dBFS), which would put the near end under the
        # speech decision's level floor
        e_db, v_db = _active_db(_hop_db(echo)), _active_db(_hop_db(near))
        near *= np.float32(10 ** ((LEVEL_DBFS - v_db) / 20))
        echo = echo * np.float32(10 ** ((LEVEL_DBFS - level_db - e_db) / 20))
        y = np.stack([echo + near, far], axis=1) + rng.standard_normal((k, 2)) * 10 ** (
            NOISE_FLOOR_DBFS / 20)
        r = _dt_score(y, _activity_truth(near), _activity_truth(far), config)
        r["near_db_over_echo"] = level_db
        per[f"msa_{n}_{voice.name}"] = r
        both_tot += round(r["double_talk_s"] / HOP_S)
        got_tot += round((r["recall_double_talk"] or 0) * r["double_talk_s"] / HOP_S)
    if not per:
        return None
    rec = [r["recall_double_talk"] for r in per.values() if r["recall_double_talk"] is not None]
    by_db = {}
    for db in MSA_DT_LEVELS_DB:
        rs = [r for r in per.values() if r["near_db_over_echo"] == db]
        b = sum(round(r["double_talk_s"] / HOP_S) for r in rs)
        g = sum(round((r["recall_double_talk"] or 0) * r["double_talk_s"] / HOP_S) for r in rs)
        by_db[str(db)] = _ratio(g, b)
    echo_only = [r["agent_s_per_min_echo_only"] for r in per.values()]
    return {"recall_double_talk": _ratio(got_tot, both_tot),
            "recall_double_talk_median": round(float(np.median(rec)), 4) if rec else None,
            "recall_by_level_db": by_db,
            "agent_s_per_min_echo_only_median": round(float(np.median(echo_only)), 2),
            "truth": "exact: the clean near end added to the real echo recording",
            "pairs": per}


# ----------------------------------------------------------------------------- running


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["vad.backend=silero", "echo.enabled=false"]`` -> nested override dict.

    Values are read as TOML (``false``, ``0.5``, ``"x"``), else taken as strings.

    Raises
    ------
    ValueError
        For an item without ``=`` or without a dotted key.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, eq, raw = item.partition("=")
        if not eq or "." not in key:
            raise ValueError(f"--set needs section.key=value (e.g. vad.backend=silero), "
                             f"got {item!r}")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        cur = out
        *path, leaf = key.strip().split(".")
        for p in path:
            cur = cur.setdefault(p, {})
        cur[leaf] = value
    return out


def _calls(split: str, n_calls: int, seed0: int = 0) -> list[tuple[Voice, Voice, int]]:
    """(agent, customer, seed) of each call: the split's pairs in turn, seeds from seed0
    (under ``--strict-test``, without the calls of a voice with too little audio left)."""
    voices = _load_voices(split, _DROP[0])
    pairs = SPLITS[split].pairs
    thin = _thin(voices)
    return [(voices[pairs[i % len(pairs)][0]], voices[pairs[i % len(pairs)][1]], seed0 + i)
            for i in range(n_calls) if not thin & set(pairs[i % len(pairs)])]


def _turn_s(v: Voice) -> float:
    return sum(c.duration_s for c in v.turns)


def _thin(voices: dict[str, Voice]) -> set[str]:
    """Under ``--strict-test``: the voices that lost recordings to the drop and were left
    with under :data:`STRICT_MIN_S` of turn clips (a voice the drop did not touch keeps the
    normal protocol, however short)."""
    if not _DROP[0]:
        return set()
    full = _load_voices("test")
    return {k for k, v in voices.items() if k in SPLITS["test"].voices
            and _turn_s(v) < min(STRICT_MIN_S, _turn_s(full[k]))}


def run_calls(split: str, conditions: Sequence[str], config: Config, *, n_calls: int = 6,
              duration_s: float = 60.0, progress: Callable[[str], None] = _log,
              leads: Sequence[int] = (0,)) -> dict[str, Any]:
    """Assemble, run and score the call conditions of a split.

    ``leads`` other than ``(0,)`` reviews every call at each hop phase (:func:`lead_call`:
    that many samples of silence before both channels, the truth shifted alike).

    Returns
    -------
    dict
        ``{condition: summarize(...) + {"per_call": [...]}}``; a condition that cannot run
        (``echo_agent`` without ``$VOICECOACH_ECHO_DATA``) maps to ``{"skipped": reason}``.
        With ``leads`` other than ``(0,)``: ``{condition: summarize(first lead's calls) +
        {"lead_samples": first lead, "phases": [{"lead_samples", **summarize(...),
        "per_call"}, ...], "phase_spread": phase_spread(phases)}}``.
    """
    leads = list(leads)
    truth_cfg = load_config().conversation  # the shipped definitions: truth never moves
    voices = _load_voices(split, _DROP[0])
    sp = SPLITS[split]
    babble = [voices[k] for k in sp.babble if k in voices]
    out: dict[str, Any] = {}
    # the same calls (voices, script, seed) in every condition: the conditions are paired
    plans = _calls(split, n_calls)
    for cond in conditions:
        per_lead: dict[int, list[dict[str, Any]]] = {lead: [] for lead in leads}
        if cond == "echo_agent":
            msa = _msa_voice(split)
            if msa is None:
                out[cond] = {"skipped": f"no real echo recordings (set ${ECHO_ENV})"}
                continue
        for agent, customer, seed in plans:
            if cond == "echo_agent":
                # customer = the far-end files, their real echo in the mic; agent +6 dB over it
                msa = _msa_voice(split)
                assert msa is not None
                e_db = _active_db(_hop_db(np.concatenate([c.echo[: len(c.x)] for c in msa.turns
                                                          if c.echo is not None])))
                call = assemble_call(agent, msa, seed, duration_s=duration_s,
                                     min_overlap_s=truth_cfg.min_overlap_s,
                                     turn_end_s=truth_cfg.turn_end_s,
                                     agent_gain_db=e_db + ECHO_AGENT_DB[0] - LEVEL_DBFS,
                                     name=f"{agent.name}-msa-{seed}")
                y = render(call, "clean", babble, seed)
            else:
                call = assemble_call(agent, customer, seed, duration_s=duration_s,
                                     min_overlap_s=truth_cfg.min_overlap_s,
                                     turn_end_s=truth_cfg.turn_end_s)
                others = [v for k, v in voices.items()
                          if k in sp.voices and k not in (agent.name, customer.name)]
                y = render(call, cond, [*babble, *others], seed)
            for lead in leads:
                led, y_led = lead_call(call, y, lead)
                events = (review_events(y_led, config) if TELEPHONE[0]
                          else run_pipeline(y_led, config))
                s = score_call(led.truth, events)
                s.update(speech_scores(led, events))
                s["call"] = call.name
                s["seconds"] = round(len(y_led) / SR, 1)
                per_lead[lead].append(s)
        if leads == [0]:
            scores = per_lead[0]
            out[cond] = {**summarize(scores), "per_call": scores}
            r = out[cond]
            progress(f"{split} {cond}: recall {r['recall']} precision {r['precision']} "
                     f"FA bc {r['fa_backchannel']} (n={r['n_truth']} interruptions)")
            continue
        phases = [{"lead_samples": lead, **summarize(per_lead[lead]), "per_call": per_lead[lead]}
                  for lead in leads]
        out[cond] = {**summarize(per_lead[leads[0]]), "lead_samples": leads[0],
                     "phases": phases, "phase_spread": phase_spread(phases)}
        for r in phases:
            progress(f"{split} {cond} lead {r['lead_samples']}: recall {r['recall']} "
                     f"precision {r['precision']} FA bc {r['fa_backchannel']} "
                     f"(n={r['n_truth']} interruptions)")
    return out


def run_realcalls(
    split: str = "dev",
    conditions: Sequence[str] = CONDITIONS,
    config: Config | None = None,
    *,
    quick: bool = False,
    n_calls: int | None = None,
    strict: bool = False,
    leads: Sequence[int] = (0,),
    telephone: bool | None = None,
) -> dict[str, Any]:
    """Run every requested condition of a split.

    Parameters
    ----------
    split : {"dev", "test", "holdout"}
    conditions : sequence of str
        Names from :data:`CONDITIONS`.
    config : Config, optional
        The configuration under test (default: the shipped one).
    quick : bool
        3 calls of about 40 s instead of 6 of about 60 s.
    n_calls : int, optional
        Override the number of calls per condition.
    strict : bool
        ``--strict-test`` (test split only): leave out of the voices every recording that
        tuned a component these figures depend on (:func:`benchmarks.splits.strict_drop`:
        the pitch tracker and the speech decisions); a voice the drop brings under
        :data:`STRICT_MIN_S` of turns is not used (its calls are not run). ``strict`` in the
        result says what went.
    leads : sequence of int
        Hop phases: the call conditions review every call led by each of these many samples
        of silence (:func:`lead_call`, :func:`phase_spread`); ``(0,)``, the default, is the
        single-phase run. The echo-only conditions run unled.
    telephone : bool, optional
        Review every call as an 8 kHz G.711 stereo file (``--telephone``,
        :func:`review_events`; the echo-only conditions are skipped). None: as
        :data:`TELEPHONE` says (the command line's flag).

    Returns
    -------
    dict
        ``{"split", "conditions": {...}, "notes": [...]}``.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {sorted(SPLITS)}")
    bad = [c for c in conditions if c not in CONDITIONS]
    if bad:
        raise ValueError(f"unknown condition(s) {bad}; use some of {list(CONDITIONS)}")
    if strict and split != "test":
        raise ValueError("strict drops tuning audio from the test split: use split test")
    if telephone is not None:
        was = TELEPHONE[0]
        TELEPHONE[0] = bool(telephone)
        try:
            return run_realcalls(split, conditions, config, quick=quick, n_calls=n_calls,
                                 strict=strict, leads=leads)
        finally:
            TELEPHONE[0] = was
    config = config if config is not None else load_config()
    n = n_calls if n_calls is not None else (3 if quick else 6)
    dur = 40.0 if quick else 60.0
    t0 = time.perf_counter()
    notes = []
    strict_info: dict[str, Any] = {"strict": False}
    if strict:
        from .splits import strict_drop

        _DROP[0], strict_info = strict_drop("realcalls")
        voices = _load_voices(split, _DROP[0])
        strict_info["voices_turn_s"] = {
            k: round(sum(c.duration_s for c in voices[k].turns), 1)
            for k in SPLITS[split].voices}
        thin = _thin(voices)
        if thin:
            strict_info["too_little_audio"] = {
                k: f"under {STRICT_MIN_S:g} s of turns left: its calls not run"
                for k in sorted(thin)}
            notes.append(f"--strict-test: too little audio left for {sorted(thin)}; "
                         "their calls are not run")
    try:
        res: dict[str, Any] = run_calls(split, [c for c in conditions if c in CALL_CONDITIONS],
                                        config, n_calls=n, duration_s=dur, leads=leads)
        if TELEPHONE[0]:
            res.update({c: {"skipped": "not with --telephone (echo recordings at 16 kHz)"}
                        for c in conditions if c not in CALL_CONDITIONS})
        else:
            res.update(_echo_conditions(split, conditions, config))
    finally:
        _DROP[0] = frozenset()
    if echo_root() is None:
        notes.append(f"${ECHO_ENV} not set or not a folder: real echo conditions skipped")
    phased = list(leads) != [0]
    unled = [c for c in conditions if c not in CALL_CONDITIONS]
    if phased and unled:
        notes.append(f"lead samples {list(leads)}: {', '.join(unled)} run at lead 0 only")
    out = {"split": split, "quick": quick, "calls_per_condition": n, "call_s": dur,
           "telephone": TELEPHONE[0],
           "match_s": MATCH_S, "vad_backend": config.vad.backend, "strict": strict_info,
           "conditions": res, "targets": TARGETS, "notes": notes,
           "run_s": round(time.perf_counter() - t0, 1)}
    if phased:
        out["lead_samples"] = list(leads)
    return out


def _echo_conditions(split: str, conditions: Sequence[str], config: Config
                     ) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if "pure_echo" in conditions:
        res["pure_echo"] = pure_echo(split, config) or {"skipped": f"no msa/dtln under ${ECHO_ENV}"}
    if "double_talk" in conditions:
        res["double_talk"] = double_talk(split, config) or {
            "skipped": f"no ms2 under ${ECHO_ENV}" if SPLITS[split].ms2
            else f"not in the {split} split"}
    if "nkf_double_talk" in conditions:
        if SPLITS[split].nkf:
            res["nkf_double_talk"] = nkf_double_talk(config) or {
                "skipped": f"no nkf under ${ECHO_ENV}"}
        else:
            res["nkf_double_talk"] = {"skipped": f"not in the {split} split"}
    if "msa_double_talk" in conditions:
        res["msa_double_talk"] = msa_double_talk(split, config) or {
            "skipped": f"no msa under ${ECHO_ENV}"}
    return res


def _f(v: Any, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


def _head(first: str, width: int = 16) -> str:
    """The interruption table's header."""
    return (f"{first:{width}s} {'n_int':>5s} {'recall':>6s} {'(med)':>6s} {'prec':>6s} "
            f"{'(med)':>6s} {'FA bc':>6s} {'<0.5s/longer':>11s} {'live':>5s} {'FA te':>6s} "
            f"{'attr':>5s} "
            f"{'lat50':>6s} {'lat90':>6s}")


def _row(name: str, r: dict[str, Any], width: int = 16) -> str:
    """One condition's (or phase's) row of the interruption table."""
    return (
        f"{name:{width}s} {r['n_truth']:5d} {_f(r['recall']):>6s} {_f(r['recall_median']):>6s} "
        f"{_f(r['precision']):>6s} {_f(r['precision_median']):>6s} "
        f"{_f(r['fa_backchannel']):>6s} {_f(r['fa_backchannel_short']):>5s}/"
        f"{_f(r['fa_backchannel_long']):<5s} {_f(r.get('fa_backchannel_live')):>5s} "
        f"{_f(r['fa_turn_end']):>6s} "
        f"{_f(r['attribution']):>5s} {_f(r['latency_p50_s']):>6s} "
        f"{_f(r['latency_p90_s']):>6s}")


def _spread_cell(d: dict[str, Any]) -> str:
    if d["median"] is None:
        return "-"
    return f"{d['median']:.2f} [{d['min']:.2f}-{d['max']:.2f}]"


def _phase_lines(conds: dict[str, Any]) -> list[str]:
    """The hop-phase rows (``--lead-samples``): each phase, then median [min-max] over them."""
    named = [(n, conds[n]) for n in CALL_CONDITIONS if n in conds and "phases" in conds[n]]
    if not named:
        return []
    leads = [p["lead_samples"] for p in named[0][1]["phases"]]
    lines = ["", f"hop phases: every call led by {', '.join(map(str, leads))} samples of "
                 f"silence (truth shifted alike)"]
    rows = [(f"{n}@{p['lead_samples']}", p) for n, r in named for p in r["phases"]]
    width = max(16, *(len(name) for name, _ in rows))
    head = _head("condition@lead", width)
    lines += [head, "-" * len(head), *(_row(name, p, width) for name, p in rows)]
    cols = ("recall", "precision", "attribution", "FA bc", "lat50", "lat90")
    head = f"{'median [min-max]':16s} " + " ".join(f"{c:>15s}" for c in cols)
    lines += ["", head, "-" * len(head)]
    for n, r in named:
        sp = r["phase_spread"]
        lines.append(f"{n:16s} " + " ".join(f"{_spread_cell(sp[k]):>15s}"
                                            for k in PHASE_FIGURES))
    return lines


def format_table(result: dict[str, Any]) -> str:
    """The result of :func:`run_realcalls` as a plain-text table."""
    tel = ", 8 kHz G.711 stereo files through voicecoach review" if result.get("telephone") \
        else ""
    lines = [f"real-voice calls, split {result['split']}, vad {result['vad_backend']}, "
             f"{result['calls_per_condition']} calls x ~{result['call_s']:.0f} s per "
             f"condition{tel}"]
    head = _head("condition")
    lines += [head, "-" * len(head)]
    conds = result["conditions"]
    for name in CALL_CONDITIONS:
        r = conds.get(name)
        if r is None:
            continue
        if "skipped" in r:
            lines.append(f"{name:16s} skipped: {r['skipped']}")
            continue
        lines.append(_row(name, r))
    lines += _phase_lines(conds)
    sp_rows = [(n, conds[n]) for n in CALL_CONDITIONS
               if n in conds and "agent_speech_recall_alone" in conds[n]]
    if sp_rows:
        head = (f"{'speech (hops)':16s} {'agent alone':>11s} {'in dbl talk':>11s} "
                f"{'false s/min':>11s} {'cust. alone':>11s} {'in dbl talk':>11s} "
                f"{'false s/min':>11s}")
        lines += ["", head, "-" * len(head)]
        for n, r in sp_rows:
            lines.append(
                f"{n:16s} {_f(r['agent_speech_recall_alone']):>11s} "
                f"{_f(r['agent_speech_recall_overlap']):>11s} "
                f"{_f(r['agent_false_speech_s_per_min']):>11s} "
                f"{_f(r['customer_speech_recall_alone']):>11s} "
                f"{_f(r['customer_speech_recall_overlap']):>11s} "
                f"{_f(r['customer_false_speech_s_per_min']):>11s}")
        lines.append("")
    pe = conds.get("pure_echo")
    if pe is not None:
        if "skipped" in pe:
            lines.append(f"pure echo: skipped: {pe['skipped']}")
        else:
            worst = sorted(pe["streams"].items(), key=lambda kv: -kv[1]["agent_s_per_min"])
            per = ", ".join(f"{k} {v['agent_s_per_min']}" for k, v in worst[:5])
            lines.append(f"pure echo, each recording a call from a cold canceller: agent "
                         f"speech {pe['agent_s_per_min']} s/min over {pe['minutes']} min in "
                         f"{pe.get('calls', len(pe['streams']))} calls (worst: {per}); agent "
                         f"events {pe['agent_events']} in {pe.get('calls_with_agent_event', '?')}"
                         f" calls")
            st = pe.get("steady")
            if st:
                lines.append(f"pure echo, msa concatenated (one start): agent speech "
                             f"{st['agent_s_per_min']} s/min; agent events {st['agent_events']}")
    for key in ("double_talk", "nkf_double_talk", "msa_double_talk"):
        d = conds.get(key)
        if d is None:
            continue
        if "skipped" in d:
            lines.append(f"{key}: skipped: {d['skipped']}")
        elif key == "double_talk":
            lines.append(f"double talk ({d['source']}): agent speech recall "
                         f"{_f(d['recall_double_talk'])} over {d['double_talk_s']} s of double "
                         f"talk; near end alone {_f(d['recall_near_alone'])}; agent s/min on "
                         f"echo only {d['agent_s_per_min_echo_only']}")
        elif key == "msa_double_talk":
            lines.append(f"msa double talk (real echo + near end, exact truth): agent speech "
                         f"recall {_f(d['recall_double_talk'])} pooled, "
                         f"{_f(d['recall_double_talk_median'])} median over "
                         f"{len(d['pairs'])} pairs; by near-end level over the echo "
                         f"{d['recall_by_level_db']}; agent s/min on echo only (median) "
                         f"{d['agent_s_per_min_echo_only_median']}")
        else:
            lines.append(f"NKF real double talk (rough truth): agent speech recall "
                         f"{_f(d['recall_double_talk'])} pooled, "
                         f"{_f(d['recall_double_talk_median'])} median over "
                         f"{len(d['pairs'])} pairs")
    for note in result.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.realcalls``; returns the exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.realcalls",
        description="Conversation tracking on calls assembled from real voices (issue #10).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="3 calls of ~40 s per condition")
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev",
                    help="dev to tune, test to report, holdout: voices nothing was tuned on")
    ap.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS),
                    metavar="COND", help=f"some of {', '.join(CONDITIONS)}")
    ap.add_argument("--calls", type=int, default=None, help="calls per condition")
    ap.add_argument("--config", type=Path, default=None, help="a user voicecoach TOML")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="config override, e.g. vad.backend=silero (repeatable)")
    ap.add_argument("--vad", choices=("webrtc", "silero"), default=None,
                    help="shorthand for --set vad.backend=...")
    ap.add_argument("--out", type=Path, default=None, help="write the result as JSON here")
    ap.add_argument("--voiced-edge-s", type=float, default=VOICED_EDGE_S[0], metavar="S",
                    help="truth: a clip starts (ends) at most S before (after) its voiced "
                         "frames; 0 = the earlier truth (default %(default)s)")
    ap.add_argument("--msa", default=None, metavar="A-B",
                    help="msa-dpcrn pairs A..B (inclusive) instead of the split's, e.g. 40-79: "
                         "a further held-out echo set for reading errors without touching "
                         "the test split's 20-39")
    ap.add_argument("--echo-agent-db", type=float, default=ECHO_AGENT_DB[0], metavar="DB",
                    help="echo_agent: the agent voice's level over the echo's, dB (0 to -10: "
                         "double talk over a loud loudspeaker)")
    ap.add_argument("--lead-samples", default="0", metavar="N,N,...",
                    help="hop phases: review every call of the call conditions led by each "
                         "of these many samples of silence (truth shifted alike), e.g. "
                         "0,40,80,120; prints and writes each phase and the median, min and "
                         "max over them")
    ap.add_argument("--telephone", action="store_true",
                    help="review every call as a trainer's 8 kHz G.711 stereo recording: each "
                         "channel over its own line (300-3400 Hz, mu-law), a mu-law WAV read "
                         "through voicecoach review (call conditions only)")
    ap.add_argument("--strict-test", action="store_true",
                    help="test split only: leave out every recording that tuned the pitch "
                         "tracker or the speech decisions (benchmarks.splits); the JSON "
                         "records what went")
    ap.add_argument("--fetch-devm", metavar="CLONE",
                    help="copy split devm's male readers from a clone of "
                         f"github.com/{DEVM_SOURCE[0]} into $VOICECOACH_SPEECH_DIR/"
                         f"{DEVM_DIR} (digest checked), then exit")
    args = ap.parse_args(argv)
    if args.fetch_devm:
        try:
            print(f"wrote {fetch_devm(args.fetch_devm)}")
        except (OSError, ValueError) as e:
            print(f"Error: {e}", file=sys.stderr)
            return 2
        return 0
    if args.strict_test and args.split != "test":
        print("Error: --strict-test drops tuning audio from the test split: use --split test",
              file=sys.stderr)
        return 2
    ECHO_AGENT_DB[0] = args.echo_agent_db
    if args.voiced_edge_s < 0:
        print(f"Error: --voiced-edge-s {args.voiced_edge_s}: give 0 (off) or a positive number "
              "of seconds, e.g. 0.25", file=sys.stderr)
        return 2
    VOICED_EDGE_S[0] = args.voiced_edge_s
    TELEPHONE[0] = args.telephone
    try:
        if args.msa:
            try:
                lo, hi = (int(v) for v in args.msa.split("-"))
            except ValueError:
                print(f"Error: --msa {args.msa!r}: give two pair numbers, e.g. 40-79",
                      file=sys.stderr)
                return 2
            SPLITS[args.split] = dataclasses.replace(SPLITS[args.split], msa=range(lo, hi + 1))
        leads = parse_leads(args.lead_samples)
        over = parse_overrides(args.sets)
        if args.vad:
            over.setdefault("vad", {})["backend"] = args.vad
        config = load_config(args.config, over or None)
    except (ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    from .datasets import DatasetError

    try:
        result = run_realcalls(args.split, args.conditions, config, quick=args.quick,
                               n_calls=args.calls, strict=args.strict_test, leads=leads)
    except DatasetError as e:
        print(f"Error: the {args.split} voices cannot be had: {e} (run `python -m "
              "benchmarks.datasets fetch` where PyPI and the Debian archive are reachable)",
              file=sys.stderr)
        return 1
    result["overrides"] = over
    result["voiced_edge_s"] = VOICED_EDGE_S[0]
    result["echo_agent_db"] = ECHO_AGENT_DB[0]
    result["config_file"] = str(args.config) if args.config else None
    print(format_table(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
