#!/usr/bin/env python3
"""Render the bundled demo call: a hard French customer-service call, espeak-ng voices.

Output: a stereo 16 kHz 16-bit FLAC (channel 0 = agent microphone, channel 1 = customer,
i.e. the call's far end) and its ground truth as JSON (``<out>.truth.json`` unless
``--truth`` says otherwise)::

    python scripts/make_demo_call.py --out recordings/demo_call.flac

Needs ``espeak-ng`` and ``sox`` on PATH (Debian packages of the same names).

How it is built
---------------
Each utterance of :data:`SCRIPT` is rendered alone: ``espeak-ng -v VOICE -s WPM -w x.wav TEXT``
(22.05 kHz, the party's calm words per minute), then
``sox x.wav -D -e floating-point -b 32 y.wav [pitch CENTS] [tempo -s T] rate -v 16000``.
``pitch`` changes F0 by exactly ``CENTS`` (time-scale modification then resampling by
``2 ** (CENTS / 1200)``) and keeps the tempo; ``tempo`` speeds everything up by exactly ``T``
and keeps the pitch. The 16 kHz float signal is scaled to an active speech level of -20 dBFS
(RMS over the 10 ms frames within 30 dB of the loudest), trimmed to its non-silent extent (10 ms
moving RMS above -50 dBFS, i.e. 30 dB under the speech level, found to the sample; 3 ms half-Hann
fades at both ends), given the utterance's level offset, and passed through a look-ahead peak
limiter at -1 dBFS (only the angry customer, at +4 dB, reaches it).

Utterances are placed by rules relative to those already rendered, because espeak durations are
only known after rendering: ``after`` (gap after an utterance's end, negative for an overlap),
``into`` (offset after an utterance's start, moved later in 10 ms steps until the host talks
without a pause from 0.15 s before the onset to 0.15 s after a backchannel's end, or 0.9 s after an
interruption's onset) and ``after_all`` (gap after the end of everything so far, for the mutual
silence). An utterance that interrupts another can cut it off: the interrupted one stops
``cut_after_s`` after the interruption starts (20 ms fade-out, then trimmed again).

The clean channels are exactly zero outside the utterance spans, so the truth spans are exact
(to the sample) for the clean speech. Independent seeded pink (-3 dB/octave) Gaussian noise is
added to each channel at -58 dBFS RMS (38 dB under the nominal -20 dBFS speech level; white noise
at 35 dB would not fit the FLAC in 4 MB). The result is quantised to 16 bits without dither. Same
espeak-ng/sox/numpy versions and seed → bit-identical FLAC.

The events in the truth are :func:`voicecoach.sources.synthetic.derive_events` applied to the
rendered spans (with ``[conversation]`` defaults min_overlap_s = 0.5, turn_end_s = 0.3).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from scipy.ndimage import minimum_filter1d
from scipy.signal import lfilter

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voicecoach.sources.synthetic import Utterance, derive_events  # noqa: E402

SCHEMA = "voicecoach.demo_truth/1"
SR = 16000
SEED = 20250605
VOICES = {"agent": "fr+m3", "customer": "fr+f4"}
WPM = {"agent": 160, "customer": 165}
"""Calm words per minute (espeak ``-s``); an utterance's ``tempo`` multiplies it."""
SPEECH_DBFS = -20.0
"""Active speech level of a level_db = 0 utterance."""
TRIM_BELOW_DB = 30.0
"""Trim threshold: this many dB under the speech level (so -50 dBFS)."""
SNR_DB = 38.0
LIMIT_DBFS = -1.0
"""Peak ceiling of the look-ahead limiter (only the angry customer lines reach it)."""
TAIL_S = 0.6
"""Silence after the last utterance."""
LEAD_S = 0.6
"""Silence before the first utterance."""
MIN_OVERLAP_S = 0.5
TURN_END_S = 0.3

AG, CU = "agent", "customer"


@dataclass(frozen=True)
class Line:
    """One scripted utterance and its placement rule.

    ``rule`` is ``("start", t)``, ``("after", ref, gap_s)``, ``("into", ref, offset_s)`` or
    ``("after_all", gap_s)``; ``ref`` names an earlier line. ``cut_after_s`` (with an ``into``
    rule) cuts the referenced utterance off that long after this one starts. ``tempo`` is a
    speed factor applied by sox (1.25: 25 % faster), ``level_db`` is added to the -20 dBFS
    speech level.
    """

    id: str
    party: str
    text: str
    rule: tuple[Any, ...]
    kind: str = "turn"
    pitch_shift_st: float = 0.0
    tempo: float = 1.0
    level_db: float = 0.0
    cut_after_s: float | None = None
    note: str = ""


# Customer escalation: calm-ish words at first (their provisional baseline), then angry:
# +4 semitones, +4 dB, 10 % faster; calming down at the end.
ANGRY = {"pitch_shift_st": 4.0, "level_db": 4.0, "tempo": 1.1}

SCRIPT: tuple[Line, ...] = (
    # ---- calm opening: the agent's first ~35 s of speech (A1-A5) and the customer's first
    # ~25 s (C1-C3) form the provisional baselines
    Line(
        "A1",
        AG,
        "Service clients, bonjour, Julien à l'appareil. Que puis-je faire pour vous ?",
        ("start", LEAD_S),
        note="calm",
    ),
    Line(
        "C1",
        CU,
        "Bonjour monsieur. Je viens de recevoir ma facture d'électricité du mois de mai, et on "
        "me prélève quatre cent vingt euros, au lieu de quarante-deux comme d'habitude. Je ne "
        "comprends pas.",
        ("after", "A1", 0.45),
    ),
    Line(
        "A2",
        AG,
        "Je comprends tout à fait, et je vous remercie de nous avoir appelés aussitôt. "
        "Pouvez-vous me donner votre numéro de client, s'il vous plaît ?",
        ("after", "C1", 0.4),
        note="calm",
    ),
    Line("B1", CU, "oui", ("into", "A2", 2.6), kind="backchannel"),
    Line(
        "C2",
        CU,
        "Oui, bien sûr. C'est le zéro quatre, douze, trente-cinq, soixante-huit, au nom de "
        "Lefèvre.",
        ("after", "A2", 0.55),
    ),
    Line(
        "A3",
        AG,
        "Merci, madame Lefèvre. Je vais être direct avec vous : l'erreur vient de chez nous. "
        "Un zéro de trop a été ajouté à votre facture, et le prélèvement est déjà parti. "
        "C'est notre faute.",
        ("after", "C2", 0.12),
        note="calm; jump-in (gap < 0.2 s); bad news early, owns it",
    ),
    Line(
        "C3",
        CU,
        "Déjà parti ? Mais comment est-ce possible ? Personne ne vérifie les montants avant "
        "de prélever les gens ? J'ai toujours payé mes factures à l'heure, moi.",
        ("after", "A3", 0.5),
    ),
    Line(
        "A4",
        AG,
        "Vous avez raison, ce montant aurait dû être vérifié. Voici ce que je vous propose : "
        "j'annule la facture erronée, et je lance le remboursement dès aujourd'hui.",
        ("after", "C3", 0.35),
        note="calm",
    ),
    Line("B2", CU, "d'accord", ("into", "A4", 4.3), kind="backchannel", tempo=1.25),
    # ---- escalation
    Line(
        "C4",
        CU,
        "Et en attendant, je fais comment, moi ? Mon compte est à découvert, j'ai des frais "
        "bancaires, et mon loyer part la semaine prochaine !",
        ("after", "A4", 0.3),
        **ANGRY,
    ),
    Line(
        "A5",
        AG,
        "Je vous arrête tout de suite madame : les frais bancaires seront pris en charge, eux "
        "aussi.",
        ("into", "C4", 3.6),
        cut_after_s=1.3,
        note="calm voice; the agent interrupts the customer",
    ),
    Line(
        "C5",
        CU,
        "Pris en charge ? On me l'a déjà promis l'année dernière, et je n'ai jamais rien reçu.",
        ("after", "A5", 0.4),
        **ANGRY,
    ),
    Line(
        "A6",
        AG,
        "Mais ce n'est pas possible, je n'étais pas là l'année dernière, moi. Je vous dis "
        "que c'est pris en charge, je vous l'ai déjà dit deux fois, et je ne peux pas faire "
        "mieux que ça.",
        ("after", "C5", 0.3),
        pitch_shift_st=3.0,
        note="raised pitch, +3 st",
    ),
    Line("C6", CU, "Ne me parlez pas sur ce ton, s'il vous plaît.", ("after", "A6", 0.45), **ANGRY),
    Line(
        "A7",
        AG,
        "Oui, pardon, alors je reprends, le remboursement part aujourd'hui, vous le recevrez "
        "sous cinq jours ouvrés, les frais bancaires seront remboursés sur présentation du "
        "relevé, et vous recevrez un courriel de confirmation avec votre numéro de dossier, "
        "que vous pourrez conserver.",
        ("after", "C6", 0.3),
        tempo=1.25,
        note="25 % faster",
    ),
    Line(
        "C7",
        CU,
        "Attendez, vous allez beaucoup trop vite, je n'ai rien compris.",
        ("into", "A7", 8.0),
        cut_after_s=1.1,
        note="customer interrupts the agent",
        **ANGRY,
    ),
    # ---- mutual silence, then the agent recovers
    Line(
        "A8",
        AG,
        "Vous avez raison, je suis allé trop vite. Je reprends calmement.",
        ("after_all", 3.5),
        note="calm again, after a mutual silence",
    ),
    Line(
        "C8",
        CU,
        "Merci. Le remboursement, c'est pour quand ?",
        ("after", "A8", -0.18),
        pitch_shift_st=2.0,
        level_db=2.0,
        note="turn-end overlap (starts 0.18 s before the agent stops)",
    ),
    Line(
        "A9",
        AG,
        "Il part aujourd'hui, et vous le verrez sur votre compte sous cinq jours ouvrés. "
        "Envoyez-nous simplement votre relevé pour les frais.",
        ("after", "C8", 0.4),
        note="calm",
    ),
    Line("B3", CU, "ouais", ("into", "A9", 3.4), kind="backchannel"),
    Line("C9", CU, "Bon. Merci, et désolée de m'être emportée.", ("after", "A9", 0.5)),
    Line(
        "A10",
        AG,
        "C'est bien normal. Merci de votre patience, et bonne journée.",
        ("after", "C9", 0.35),
        note="calm",
    ),
)


# ------------------------------------------------------------------------- rendering


@dataclass
class Rendered:
    line: Line
    audio: np.ndarray  # float64, trimmed, at its final level
    start: int = 0  # sample index
    cut: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.start + len(self.audio)


def _tool_version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0]


def espeak_version() -> str:
    """``espeak-ng --version`` first line, without the data path."""
    v = _tool_version(["espeak-ng", "--version"])
    return v.split("  Data at:")[0].strip()


def _moving_rms_db(x: np.ndarray, win: int) -> np.ndarray:
    """Centred moving RMS (dBFS) of ``x`` over ``win`` samples, one value per sample."""
    c = np.concatenate([[0.0], np.cumsum(x * x)])
    n = len(x)
    half = win // 2
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) - half + win, 0, n)
    ms = (c[hi] - c[lo]) / win
    return 10.0 * np.log10(np.maximum(ms, 1e-20))


def active_level_db(x: np.ndarray) -> float:
    """RMS (dBFS) over the 10 ms frames within 30 dB of the loudest frame."""
    hop = SR // 100
    n = len(x) // hop
    e = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    keep = e >= e.max() * 10 ** (-30 / 10)
    return 10.0 * math.log10(float(np.mean(e[keep])))


def _half_hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)


def trim(x: np.ndarray, thr_db: float, fade: int = 48) -> np.ndarray:
    """Cut ``x`` to its extent where the 10 ms moving RMS exceeds ``thr_db``; fade the ends."""
    db = _moving_rms_db(x, SR // 100)
    idx = np.flatnonzero(db > thr_db)
    if idx.size == 0:
        raise RuntimeError("rendered utterance is silent")
    y = x[idx[0] : idx[-1] + 1].copy()
    f = min(fade, len(y) // 2)
    y[:f] *= _half_hann(f)
    y[len(y) - f :] *= _half_hann(f)[::-1]
    return y


def limit(x: np.ndarray, ceiling_db: float = LIMIT_DBFS) -> np.ndarray:
    """Look-ahead peak limiter: smooth gain (2 ms attack and release), peaks <= ceiling."""
    ceiling = 10 ** (ceiling_db / 20)
    need = np.minimum(1.0, ceiling / np.maximum(np.abs(x), 1e-12))
    if need.min() >= 1.0:
        return x
    w = SR // 500  # 2 ms
    g = minimum_filter1d(need, 2 * w + 1, mode="nearest")
    k = np.hanning(2 * w + 1)
    g = np.convolve(np.pad(g, w, mode="edge"), k / k.sum(), mode="valid")
    return x * np.minimum(g, need)


def render(line: Line, tmp: Path) -> np.ndarray:
    """espeak-ng + sox → trimmed float signal at 16 kHz, at its final level."""
    wpm = WPM[line.party]
    raw = tmp / f"{line.id}.espeak.wav"
    out = tmp / f"{line.id}.16k.wav"
    subprocess.run(
        ["espeak-ng", "-v", VOICES[line.party], "-s", str(wpm), "-w", str(raw), line.text],
        check=True,
        capture_output=True,
    )
    effects: list[str] = []
    if line.pitch_shift_st:
        effects += ["pitch", f"{round(line.pitch_shift_st * 100)}"]
    if line.tempo != 1.0:
        effects += ["tempo", "-s", f"{line.tempo:g}"]
    effects += ["rate", "-v", str(SR)]
    subprocess.run(
        ["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", str(out), *effects],
        check=True,
        capture_output=True,
    )
    x, sr = sf.read(out, dtype="float64")
    assert sr == SR and x.ndim == 1
    x = x * 10 ** ((SPEECH_DBFS - active_level_db(x)) / 20)
    x = trim(x, SPEECH_DBFS - TRIM_BELOW_DB)
    return limit(x * 10 ** (line.level_db / 20))


def _continuous_from(
    host: np.ndarray, offset_s: float, pre_s: float, post_s: float, level_db: float
) -> float:
    """First time >= offset_s (10 ms steps) with no pause in the host in [t - pre, t + post].

    A pause is >= 60 ms with the 10 ms moving RMS under the trim threshold + 6 dB.
    """
    quiet = _moving_rms_db(host, SR // 100) < SPEECH_DBFS - TRIM_BELOW_DB + 6.0 + level_db
    run = SR * 60 // 1000
    c = np.concatenate([[0], np.cumsum(quiet)])
    paused = np.zeros(len(host) + 1, dtype=bool)  # a pause of >= run samples ends at n
    paused[run:] = (c[run:] - c[:-run]) == run
    pc = np.concatenate([[0], np.cumsum(paused)])
    for k in range(round(offset_s * 100), len(host) * 100 // SR):
        lo, hi = round((k / 100 - pre_s) * SR), round((k / 100 + post_s) * SR) + run
        if lo >= 0 and hi <= len(host) and pc[hi] == pc[lo]:
            return k / 100
    raise RuntimeError(f"no continuous stretch of speech after {offset_s} s in the host")


def place(script: tuple[Line, ...], tmp: Path) -> list[Rendered]:
    done: dict[str, Rendered] = {}
    for line in script:
        r = Rendered(line, render(line, tmp))
        rule = line.rule
        if rule[0] == "start":
            r.start = round(rule[1] * SR)
        elif rule[0] == "after":
            r.start = done[rule[1]].end + round(rule[2] * SR)
        elif rule[0] == "into":
            # no earlier than offset_s into the host, where the host is talking without a
            # pause from 0.15 s before until `hold` after this utterance's onset
            host = done[rule[1]]
            hold = len(r.audio) / SR + 0.15 if line.kind == "backchannel" else 0.9
            t = _continuous_from(host.audio, rule[2], 0.15, hold, host.line.level_db)
            r.start = host.start + round(t * SR)
        elif rule[0] == "after_all":
            r.start = max(d.end for d in done.values()) + round(rule[1] * SR)
        else:
            raise ValueError(f"unknown rule {rule!r}")
        if line.cut_after_s is not None:
            victim = done[rule[1]]
            keep = r.start + round(line.cut_after_s * SR) - victim.start
            if keep >= len(victim.audio):
                raise RuntimeError(f"{line.id} does not cut {victim.line.id}: it ends first")
            y = victim.audio[:keep].copy()
            f = SR // 50  # 20 ms fade-out where the interrupted party stops
            y[keep - f :] *= _half_hann(f)[::-1]
            thr = SPEECH_DBFS - TRIM_BELOW_DB + victim.line.level_db
            victim.audio = trim(y, thr)
            victim.cut = True
        done[line.id] = r
    return list(done.values())


def check_script(rs: list[Rendered]) -> None:
    """The scripted situations must hold on the rendered spans (fail loudly otherwise)."""
    by = {r.line.id: r for r in rs}

    def s(i: str) -> float:
        return by[i].start / SR

    def e(i: str) -> float:
        return by[i].end / SR

    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    for party in (AG, CU):
        mine = sorted((r for r in rs if r.line.party == party), key=lambda r: r.start)
        for a, b in itertools.pairwise(mine):
            need(b.start >= a.end, f"{a.line.id} and {b.line.id} overlap")
    for r in rs:
        if r.line.kind == "backchannel":
            host = by[r.line.rule[1]]
            # shorter than min_overlap_s: a tracker cannot take it for an interruption
            need(len(r.audio) / SR <= MIN_OVERLAP_S - 0.03, f"backchannel {r.line.id} too long")
            need(host.start < r.start and r.end < host.end, f"{r.line.id} not inside its host")
    calm = sum(e(i) - s(i) for i in ("A1", "A2", "A3", "A4", "A5"))
    need(calm >= 33.0, f"only {calm:.1f} s of calm agent speech before the escalation")
    calm = sum(e(i) - s(i) for i in ("C1", "C2", "C3"))
    need(calm >= 22.0, f"only {calm:.1f} s of calm customer speech before the escalation")
    need(8.0 <= e("A6") - s("A6") <= 10.5, f"pitch turn lasts {e('A6') - s('A6'):.2f} s")
    need(8.0 <= e("A7") - s("A7") <= 10.5, f"fast turn lasts {e('A7') - s('A7'):.2f} s")
    for b, a in (("A5", "C4"), ("C7", "A7")):
        need(s(b) - s(a) >= 1.0, f"{b} starts less than 1 s into {a}")
        need(s(b) <= e(a) - 0.3, f"{b} starts within the last 0.3 s of {a}")
        need(e(a) - s(b) >= 0.8, f"{b} overlaps {a} by less than 0.8 s")
    need(0.0 <= s("A3") - e("C2") < 0.2, "A3 is not a jump-in")
    need(0.0 < e("A8") - s("C8") <= 0.2, "C8 is not a turn-end overlap of A8")
    silence = s("A8") - max(r.end for r in rs if r.start < by["A8"].start) / SR
    need(silence > 3.0, f"mutual silence only {silence:.2f} s")
    if problems:
        raise RuntimeError("the rendered call does not match its script: " + "; ".join(problems))


# ------------------------------------------------------------------------- output


def pink_noise(n: int, rms: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with a -3 dB/octave spectrum (P. Kellet's 3-pole filter) at ``rms``."""
    warm = SR  # discard the filter's start-up
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1.0, -2.494956002, 2.017265875, -0.522189400]
    y = lfilter(b, a, rng.standard_normal(n + warm))[warm:]
    return y * (rms / float(np.sqrt(np.mean(y * y))))


def build(seed: int = SEED) -> tuple[np.ndarray, dict[str, Any]]:
    """Render the call. Returns the int16 (n, 2) samples and the truth dict."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found on PATH (Debian: apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix="demo_call_") as d:
        rs = place(SCRIPT, Path(d))
    check_script(rs)
    n = max(r.end for r in rs) + round(TAIL_S * SR)
    clean = np.zeros((n, 2))
    for r in rs:
        clean[r.start : r.end, 0 if r.line.party == AG else 1] += r.audio
    rng = np.random.default_rng(seed)
    noise_rms = 10 ** ((SPEECH_DBFS - SNR_DB) / 20)
    noisy = clean + np.stack([pink_noise(n, noise_rms, g) for g in rng.spawn(2)], axis=1)
    peak = float(np.max(np.abs(noisy)))
    if peak >= 1.0:
        raise RuntimeError(f"clipping: peak {peak:.3f}")
    pcm = np.clip(np.round(noisy * 32768.0), -32768, 32767).astype(np.int16)

    rs_sorted = sorted(rs, key=lambda r: (r.start, r.line.party))
    utts = [
        Utterance(r.line.party, r.start / SR, len(r.audio) / SR, kind=r.line.kind)
        for r in rs_sorted
    ]
    events = derive_events(utts, min_overlap_s=MIN_OVERLAP_S, turn_end_s=TURN_END_S)
    by = {r.line.id: r for r in rs}
    a8 = by["A8"]
    silence_start = max(r.end for r in rs if r.start < a8.start)
    truth: dict[str, Any] = {
        "schema": SCHEMA,
        "sample_rate": SR,
        "duration_s": n / SR,
        "channels": {"agent": 0, "customer": 1},
        "utterances": [
            {
                "id": r.line.id,
                "party": r.line.party,
                "start_s": r.start / SR,
                "end_s": r.end / SR,
                "kind": r.line.kind,
                "text": r.line.text,
                "pitch_shift_st": r.line.pitch_shift_st,
                "tempo": r.line.tempo,
                "level_db": SPEECH_DBFS + r.line.level_db,
                "cut_off": r.cut,
                "note": r.line.note,
            }
            for r in rs_sorted
        ],
        "events": [dict(ev) for ev in events],
        "event_params": {"min_overlap_s": MIN_OVERLAP_S, "turn_end_s": TURN_END_S},
        "coaching": {
            "pitch_high": [by["A6"].start / SR, by["A6"].end / SR],
            "rate_high": [by["A7"].start / SR, by["A7"].end / SR],
            "interrupting": [by["A5"].start / SR],
            "mutual_silence": [silence_start / SR, a8.start / SR],
        },
        "calm_agent_baseline": [by["A1"].start / SR, by["A5"].end / SR],
        "noise": {"snr_db": SNR_DB, "rms_dbfs": SPEECH_DBFS - SNR_DB, "seed": seed},
        "generator": {
            "espeak_ng_version": espeak_version(),
            "sox_version": _tool_version(["sox", "--version"]).removeprefix("sox:").strip(),
            "numpy_version": np.__version__,
            "voices": dict(VOICES),
            "words_per_minute": dict(WPM),
            "command": "python scripts/make_demo_call.py --out recordings/demo_call.flac",
            "espeak_command": "espeak-ng -v VOICE -s WPM -w OUT.wav TEXT",
            "sox_command": (
                "sox -D OUT.wav -e floating-point -b 32 OUT16k.wav "
                "[pitch round(100*pitch_shift_st)] [tempo -s TEMPO] rate -v 16000"
            ),
        },
    }
    return pcm, truth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "recordings" / "demo_call.flac")
    p.add_argument(
        "--truth", type=Path, default=None, help="truth JSON path (default: OUT with .truth.json)"
    )
    p.add_argument("--seed", type=int, default=SEED, help="noise seed")
    args = p.parse_args(argv)
    truth_path = args.truth or args.out.with_suffix(".truth.json")
    pcm, truth = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(args.out, pcm, SR, format="FLAC", subtype="PCM_16", compression_level=1.0)
    truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {truth['duration_s']:.2f} s, {args.out.stat().st_size / 1e6:.2f} MB")
    for u in truth["utterances"]:
        print(
            f"  {u['id']:>4} {u['party']:<8} {u['start_s']:7.2f}–{u['end_s']:7.2f} "
            f"{u['kind']:<11} {u['note']}"
        )
    for ev in truth["events"]:
        print(
            f"  event {ev['kind']:<16} {ev['start_s']:7.2f}–{ev['end_s']:7.2f} "
            f"by {ev['by']} of {ev['of']}"
        )
    print(f"  coaching {truth['coaching']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
