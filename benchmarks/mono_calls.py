"""Mono calls with two voices, on real voices (issue #13 item 1 and the swapped channels of 4).

Two-party calls are assembled from real recordings by :func:`benchmarks.realcalls.assemble_call`
(exact truth of who speaks when), and summed into one channel: ``mono = agent + customer``
(plus a -65 dBFS white floor), at 16 kHz and as an 8 kHz telephone channel (300-3400 Hz band,
8 kHz, 8-bit mu-law, back to 16 kHz). Each voice's clips are split first: about a third (up
to :data:`CALIBRATION_S`) is the agent's *calibration* recording (its profile and voice model,
:func:`voicecoach.baseline.calibrate_array`), the rest is placed in the calls, so the profile
never hears the call's own audio.

Measured per condition (16 kHz, 8 kHz):

* ``attributed_profile`` / ``attributed_clustering``: fraction of the speech hops (the
  analysis' speech decisions) where exactly one party truly speaks that go to the right
  party, with the agent's voice model / by clustering with the agent named by who speaks
  first (the calls always start with the agent). ``purity_clustering``: the same with the
  better of the two namings (the clustering alone). Per-call medians and pooled;
* ``as_reviewed_clustering`` (``_two``): the right-party fraction as the review applies
  the clustering, a call not detected as two voices going to the agent whole (under
  ``[mono] voices = "two"``: attributed whenever two voice models were learned); pooled,
  and the worst call (``_min``);
* ``two_voices``: fraction of the mono calls detected as two voices (without a profile);
  ``false_two_voices``: fraction of single-speaker real recordings (60 s of one voice's
  clips, pauses between) detected as two voices; ``false_two_voices_expressive``: the same
  on hard negatives, one Czech actor's calm and agitated lines (:func:`expressive_lines`)
  alternated or calm then agitated, 60 s, 16 and 8 kHz (8 files per split);
* ``first_wrong`` / ``first_wrong_flagged`` / ``first_unsure``: calls where "the first
  speaker" named the customer (under half right), how many of those the report flagged as
  unsure (``first_sure`` false), and how many calls were flagged at all;
* ``nudges``: agent nudge count of the mono call (the full ``voicecoach review`` path, with
  the profile) against the same call reviewed as stereo; the fraction within +-1. In the 8 kHz
  condition both are reviewed as 8 kHz files (:func:`telephone8`: the mono mix, and each
  stereo leg over its own line), as a telephone recorder exports them;
* ``interruptions_profile`` / ``interruptions_clustering``: every jump the mono interruption
  detector scores (:func:`voicecoach.conversation.mono_overlap.interruption_events`), per
  score threshold: precision and recall with the stereo scoring (onset within
  :data:`benchmarks.realcalls.MATCH_S`, ``by``/``of`` right) and at event level (a true
  interruption by the same party of the same party starts inside the event's span);
  ``nudges_within_1_alt``: the nudge agreement with the detector's review setting flipped;
* ``swap``: stereo calls reviewed with the agent's profile (16 kHz, and 8 kHz files in the
  8 kHz condition): how often the swapped-channel note fires on the right file and on the
  same file with its channels swapped.

Splits (tune on dev, report test): ``test`` = the pairs of
:data:`benchmarks.realcalls.SPLITS` ``test`` (Czech actors v/m of the 104 ``expressive``
lines, June, LibriVox: v-m, m-june (female pair), librivox-v (male pair), june-librivox).
``dev`` = Allison (``asterisk_en_all``), Armelle (``armelle_fr``), the ve9qrp HF-radio
monologue (male) and the expressive actors' *other* lines (``expressive_cs`` minus the 104):
allison-ve9qrp, armelle-allison (female pair), v-ve9qrp (male pair), m-armelle (female pair).
dev and test share no recording; they share the two Czech actors (different lines).
``holdout`` (session 46) = the pairs of :data:`benchmarks.realcalls.SPLITS` ``holdout``: four
IVR voices nothing was tuned or chosen on (carlo-ru, menardi-carlo, july-menardi and ru-july,
two female pairs), no hard negatives (no actors).

Command line::

    python -m benchmarks.mono_calls [--split dev|test|holdout] [--calls N] [--out FILE.json]
    python -m benchmarks.mono_calls --split dev --extended [--calls 0]   # + 84 one-voice files
    python -m benchmarks.mono_calls --recount FILE.json --stability-min 0.9   # what-if, no run
    python -m benchmarks.mono_calls --split test --strict-test   # without tuning audio

``--strict-test`` leaves out the test recordings that tuned the pitch tracker, the speech
decisions, the mono detector (this benchmark's dev: 9 of the 104 expressive lines are also
``expressive_cs`` lines under ``share/``) and, with the nudges, the coach
(:mod:`benchmarks.splits`).

``--extended`` (dev only, :func:`extended_negatives`): 84 more one-voice files from dev
material (other seeds and prompts of the dev voices; the actors' MD5-dev calm and agitated
lines), at 16 and 8 kHz, to measure false "two voices" on dev, where the 18 files above have
none; ``--calls 0`` skips the calls.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.config import Config, load_config

from .realcalls import (
    MATCH_S,
    SPLITS,
    SR,
    Call,
    Clip,
    Voice,
    _file_clips,
    _load_voices,
    _voice,
    assemble_call,
    telephone8,
)

__all__ = ["CONDITIONS", "MONO_SPLITS", "TARGETS", "main", "run", "stricter_detections"]

CALIBRATION_S = 30.0
"""Longest calibration recording per voice, s."""
STRICT_MIN_S = 20.0
"""``--strict-test``: a voice the drop brings under this many seconds of clips is not used."""
CONDITIONS = ("mono16", "mono8")
TARGETS = {"attributed_profile": 0.90, "attributed_clustering": 0.85, "nudges_within_1": 1.0}

MONO_SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    "dev": (("allison", "ve9qrp"), ("armelle", "allison"), ("v", "ve9qrp"), ("m", "armelle")),
    "test": SPLITS["test"].pairs,
    "holdout": SPLITS["holdout"].pairs,
}


def _log(msg: str) -> None:
    print(f"[mono_calls] {msg}", file=sys.stderr, flush=True)


def dev_utterances(extended: bool = True) -> dict[str, list[Any]]:
    """The dev recordings, ``{group: [datasets.Utterance, ...]}``: the dev voices of the calls
    (``allison``, ``armelle``, ``ve9qrp``, ``v``, ``m``), the actors' lines of the dev hard
    negatives (``expressive_v``, ``expressive_m``: :func:`expressive_utterances`) and, with
    ``extended``, those of :func:`extended_negatives` (``extended_*``). This benchmark's split
    rule; :mod:`benchmarks.splits` reads it from here."""
    from . import datasets as ds
    from .coach_bench import split_of

    en = sorted(ds.fetch("asterisk_en_all"), key=lambda u: u.id)
    fr = sorted(ds.fetch("armelle_fr"), key=lambda u: u.id)
    out: dict[str, list[Any]] = {"allison": en[::4], "armelle": fr[::2],
                                 "ve9qrp": list(ds.fetch("codec2_monologue"))}
    rest = _expressive_rest()
    for spk in ("v", "m"):
        out[spk] = _dev_only(rest[spk][::3])
    for spk, lines in expressive_utterances("dev").items():
        out[f"expressive_{spk}"] = lines
    if extended:
        out["extended_allisonB"] = en[1::4]
        out["extended_allisonC"] = en[2::4]
        out["extended_armelleB"] = fr[1::2]
        for spk in ("v", "m"):
            out[f"extended_expressive_{spk}"] = _dev_only([u for u in rest[spk]
                                                           if split_of(u.id) == "dev"])
    return out


def _expressive_rest() -> dict[str, list[Any]]:
    """Each actor's ``expressive_cs`` lines outside the 104 ``expressive`` test lines.

    A line that is a test line under another name (``expressive_cs`` ships some recordings
    twice, e.g. under ``share/<level>/``: 9 of the 104, found by :mod:`benchmarks.splits`) is
    kept in the list, so that the strides over it select the same lines as before, but marked:
    :func:`_dev_only` removes it from whatever is selected for dev.
    """
    from . import datasets as ds

    held = {u.id.split("/", 1)[1] for u in ds.fetch("expressive")}
    cs = sorted(ds.fetch("expressive_cs"), key=lambda u: u.id)
    return {spk: [u for u in cs if u.speaker == spk
                  and u.id.split("/", 1)[1].replace("/", "-") not in held]
            for spk in ("v", "m")}


@functools.lru_cache(maxsize=1)
def _test_digests() -> frozenset[str]:
    """SHA-256 of the 104 ``expressive`` test lines' files."""
    from . import datasets as ds

    return frozenset(hashlib.sha256(Path(u.path).read_bytes()).hexdigest()
                     for u in ds.fetch("expressive"))


def _dev_only(lines: list[Any]) -> list[Any]:
    """``lines`` without the recordings that are byte for byte a test line (dev and test
    share no audio; until session 21 they shared 9 lines, 21 s)."""
    test = _test_digests()
    return [u for u in lines if hashlib.sha256(Path(u.path).read_bytes()).hexdigest() not in test]


def expressive_utterances(split: str) -> dict[str, list[Any]]:
    """Per actor, the lines of the split's hard negatives (:func:`expressive_lines`)."""
    from . import datasets as ds

    if split == "test":
        held = ds.fetch("expressive")
        return {spk: sorted((u for u in held if u.speaker == spk), key=lambda u: u.id)
                for spk in ("v", "m")}
    return {spk: _dev_only([u for i, u in enumerate(lines) if i % 3 != 0])
            for spk, lines in _expressive_rest().items()}


def _dev_voices() -> dict[str, Voice]:
    src = dev_utterances(extended=False)
    out: dict[str, Voice] = {}
    out["allison"] = _voice("allison", "f", [c for u in src["allison"]
                                             for c in _file_clips(u.path)])
    clips: list[Clip] = []
    for u in src["armelle"]:
        try:
            clips += _file_clips(u.path)
        except Exception:
            continue
    out["armelle"] = _voice("armelle", "f", clips)
    (mono,) = src["ve9qrp"]
    out["ve9qrp"] = _voice("ve9qrp", "m", _file_clips(mono.path))
    for spk, sex in (("v", "m"), ("m", "f")):
        out[spk] = _voice(spk, sex, [c for u in src[spk] for c in _file_clips(u.path)])
    return out


def voices(split: str, drop: frozenset[str] = frozenset()) -> dict[str, Voice]:
    """The split's voices (see the module notes); ``drop``: resolved paths left out."""
    if split == "dev":
        return _dev_voices()
    if split in ("test", "holdout"):
        return dict(_load_voices(split, drop))
    raise ValueError(f"unknown split {split!r}; use dev, test or holdout")


def split_voice(v: Voice) -> tuple[Voice, np.ndarray]:
    """(the voice for calls, its calibration recording): every third clip goes to the
    calibration (0.4 s pauses between) until :data:`CALIBRATION_S`, at most 40 % of it."""
    total = sum(c.duration_s for c in v.turns)
    cal: list[Clip] = []
    rest: list[Clip] = []
    got = 0.0
    for i, c in enumerate(v.turns):
        if i % 3 == 1 and got < min(CALIBRATION_S, 0.4 * total):
            cal.append(c)
            got += c.duration_s
        else:
            rest.append(c)
    pause = np.zeros(round(0.4 * SR), np.float32)
    x = np.concatenate([np.concatenate([c.x, pause]) for c in cal]) if cal else np.zeros(0)
    return dataclasses.replace(v, turns=rest or v.turns), x


def telephone(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """:func:`telephone8` back at 16 kHz, the length of ``x`` (the attribution scans)."""
    from scipy.signal import resample_poly

    return resample_poly(telephone8(x), 2, 1, axis=0)[: len(x)].astype(np.float32)


def _mix(call: Call, seed: int) -> np.ndarray:
    """The call's two channels summed, plus a -65 dBFS white floor (float64, 16 kHz)."""
    rng = np.random.default_rng(seed + 31)
    x = call.y[:, 0].astype(np.float64) + call.y[:, 1]
    return x + rng.standard_normal(len(x)) * 10 ** (-65 / 20)


def mono_of(call: Call, condition: str, seed: int) -> np.ndarray:
    """The call's mono mix under a condition, at 16 kHz."""
    x = _mix(call, seed)
    if condition == "mono8":
        return telephone(x, np.random.default_rng(seed + 31))
    return x.astype(np.float32)


def _blocks(x: np.ndarray, hop: int = 160, block: int = 16000) -> list[np.ndarray]:
    n = len(x) // hop * hop
    return [x[i : min(i + block, n)] for i in range(0, n, block)]


def attribution_scores(call: Call, labels: np.ndarray, agent: int | None) -> dict[str, Any]:
    """Right-party fraction over the speech hops where exactly one party truly speaks."""
    n = len(labels)
    ta, tc = call.speech_mask("agent", n), call.speech_mask("customer", n)
    single = (ta ^ tc) & (labels >= 0)
    if agent is None or not single.any():
        return {"attributed": None, "purity": None, "n_hops": int(single.sum())}
    truth = np.where(ta, 0, 1)[single]
    got = labels[single]
    right = float(np.mean(got == (truth if agent == 0 else 1 - truth)))
    purity = max(float(np.mean(got == truth)), float(np.mean(got != truth)))
    covered = float(np.mean(labels[ta ^ tc] >= 0)) if (ta ^ tc).any() else None
    return {"attributed": round(right, 4), "purity": round(purity, 4),
            "n_hops": int(single.sum()), "speech_coverage": covered}


def _agent_share_two(d: Any) -> float:
    """A one-voice file under ``[mono] voices = "two"``: the fraction of its speech hops left
    on the agent (1.0 when no two voice models could be learned)."""
    sp = d.labels >= 0
    if not d.voices or not sp.any():
        return 1.0
    return round(float(np.mean(d.labels[sp] == 0)), 4)  # agent = the voice speaking first


def _median(v: list[float | None]) -> float | None:
    w = [x for x in v if x is not None]
    return round(float(np.median(w)), 4) if w else None


INTERRUPTION_THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
"""Detector scores at which the interruption precision-recall curve is measured."""


def interruption_scores(truth: tuple[dict[str, Any], ...], events: list[Any],
                        match_s: float = MATCH_S) -> dict[str, Any]:
    """Score a mono call's detected interruptions (every scored switch) against the truth.

    Per threshold of :data:`INTERRUPTION_THRESHOLDS` (events with ``confidence`` at least
    it): ``tp`` = detections matched one-to-one to a true interruption whose onset is within
    ``match_s`` and whose ``by``/``of`` agree (the stereo scoring of
    :func:`benchmarks.realcalls.score_call`, attribution required); ``tp_span`` = detections
    whose span (onset - ``match_s`` to end + ``match_s``) holds a true interruption onset by
    the same party of the same party (the event is real, its onset may be off).
    """
    ref = [e for e in truth if e["kind"] == "interruption"]
    out: dict[str, Any] = {"n_truth": len(ref), "by_threshold": {}}
    for thr in INTERRUPTION_THRESHOLDS:
        det = [e for e in events if (e.confidence or 0.0) >= thr]
        pairs = sorted((abs(d.start_s - r["start_s"]), i, j) for i, r in enumerate(ref)
                       for j, d in enumerate(det) if abs(d.start_s - r["start_s"]) <= match_s
                       and (d.by, d.of) == (r["by"], r["of"]))
        ur: set[int] = set()
        ud: set[int] = set()
        for _, i, j in pairs:
            if i not in ur and j not in ud:
                ur.add(i)
                ud.add(j)
        span = sum(any(d.start_s - match_s <= r["start_s"] <= d.end_s + match_s
                       and (d.by, d.of) == (r["by"], r["of"]) for r in ref) for d in det)
        out["by_threshold"][str(thr)] = {"n_detected": len(det), "tp": len(ud),
                                         "tp_span": span}
    return out


def _interruptions(d: Any, ceps: np.ndarray, level: np.ndarray, call: Call, cfg: Config,
                   aper: np.ndarray | None = None) -> dict[str, Any]:
    """:func:`interruption_scores` of every switch the mono detector scores on a call."""
    from voicecoach.conversation.mono_overlap import interruption_events

    evs = ([] if not d.two_voices or d.agent is None else interruption_events(
        d.labels, ceps, level, d.agent, cfg, min_confidence=0.0, aperiodicity=aper))
    return interruption_scores(call.truth, evs)


OVERLAP_RULES = ("interrupting",)
"""Nudge rules fed by overlap events, which a mono call does not measure."""


def _nudges(rep: dict[str, Any], skip: tuple[str, ...] = ()) -> int:
    return sum(1 for e in rep["events"] if e["kind"] == "nudge" and e.get("rule") not in skip)


def _talk(rep: dict[str, Any]) -> float | None:
    return (rep["summary"].get("agent") or {}).get("talk_s")


def review_counts(y: np.ndarray, stem: str, cfg: Config, profile: Any, folder: Path,
                  sample_rate: int = SR) -> dict[str, Any]:
    """Review ``y`` (n,) mono or (n, 2) stereo, a file at ``sample_rate`` Hz, through
    :func:`review_call` (an 8 kHz file is reviewed as a telephone recording is)."""
    import soundfile as sf

    from voicecoach.review.calls import _file_call
    from voicecoach.review.one_call import review_call

    path = folder / f"{stem}.wav"
    sf.write(path, np.clip(y, -1, 1), sample_rate, subtype="FLOAT")
    call = _file_call(path, 0, cfg)
    rep = review_call(call, folder / "out", cfg, profile=profile, render=False, audio="none")
    path.unlink()
    return rep


def single_speaker(v: Voice, seed: int, duration_s: float = 60.0) -> np.ndarray:
    """About ``duration_s`` of one voice: its clips end to end with 0.2-0.9 s pauses."""
    rng = np.random.default_rng(seed)
    parts = []
    t = 0.0
    order = rng.permutation(len(v.turns))
    k = 0
    while t < duration_s and len(v.turns):
        c = v.turns[order[k % len(order)]]
        k += 1
        gap = np.zeros(round(float(rng.uniform(0.2, 0.9)) * SR), np.float32)
        parts += [c.x * 10 ** (float(rng.uniform(-2, 2)) / 20), gap]
        t += c.duration_s + len(gap) / SR
        if k > 4 * len(order):
            break
    x = np.concatenate(parts).astype(np.float64)
    x += rng.standard_normal(len(x)) * 10 ** (-65 / 20)
    return x.astype(np.float32)


def expressive_lines(split: str, config: Config, drop: frozenset[str] = frozenset()
                     ) -> dict[str, tuple[list[np.ndarray], list[np.ndarray]]]:
    """Per Czech actor (``v``, ``m``): (calm lines, agitated lines), 16 kHz.

    ``test``: the 104 held-out ``expressive`` lines; ``dev``: the actor's other lines that the
    dev calls do not use (``expressive_cs`` minus the 104, minus every third line). A line's
    score is z(median F0) + z(active level) over the actor's lines of the split; calm = the
    bottom third, agitated = the top third (whispers and lines under half voiced dropped).
    ``drop``: resolved paths left out (``--strict-test``).
    """
    from .coach_bench import _line_stats
    from .realcalls import _read16

    out: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for spk, lines in expressive_utterances(split).items():
        lines = [u for u in lines if str(Path(u.path).resolve()) not in drop]
        audio = [_read16(u.path).astype(np.float32) for u in lines]
        stats = [_line_stats(x, config) for x in audio]
        keep = [i for i, (f, lv, vf) in enumerate(stats) if vf >= 0.5 and math.isfinite(f + lv)]
        if len(keep) < 3:
            out[spk] = ([], [])
            continue
        f0 = np.array([stats[i][0] for i in keep])
        lv = np.array([stats[i][1] for i in keep])
        score = (f0 - f0.mean()) / f0.std() + (lv - lv.mean()) / lv.std()
        lo, hi = np.quantile(score, [1 / 3, 2 / 3])
        out[spk] = ([audio[i] for i, z in zip(keep, score, strict=True) if z <= lo],
                    [audio[i] for i, z in zip(keep, score, strict=True) if z >= hi])
    return out


def expressive_single(calm: list[np.ndarray], agitated: list[np.ndarray], seed: int,
                      order: str, duration_s: float = 60.0) -> np.ndarray:
    """One actor alone for about ``duration_s``: calm and agitated lines with 0.2-0.9 s
    pauses, ``order`` ``"alternate"`` (calm, agitated, calm, ...) or ``"calm_then_agitated"``
    (half the time each). A hard negative for "two voices": one voice, two deliveries."""
    rng = np.random.default_rng(seed)
    pools = [list(rng.permutation(len(calm))), list(rng.permutation(len(agitated)))]
    src = (calm, agitated)
    parts: list[np.ndarray] = []
    t = 0.0
    k = [0, 0]
    while t < duration_s:
        which = (len(parts) // 2) % 2 if order == "alternate" else int(t >= duration_s / 2)
        p = pools[which]
        x = src[which][p[k[which] % len(p)]]
        k[which] += 1
        gap = np.zeros(round(float(rng.uniform(0.2, 0.9)) * SR), np.float32)
        parts += [x, gap]
        t += (len(x) + len(gap)) / SR
    y = np.concatenate(parts).astype(np.float64)
    y += rng.standard_normal(len(y)) * 10 ** (-65 / 20)
    return y.astype(np.float32)


def extended_negatives(config: Config) -> list[tuple[str, str, np.ndarray]]:
    """More dev-only one-voice recordings: ``(name, group, 16 kHz signal)``, about 60 s each.

    The 10 single speakers and 8 hard negatives of :func:`run` are too few to show a false
    "two voices" on dev (0 of 18 before issue #13's stability default), so dev gets more,
    from dev material only (for 16 and 8 kHz, 84 files):

    * ``single``: each dev voice of the calls (Allison, Armelle, ve9qrp, the actors v and m)
      with three other seeds (other clip orders and pauses), and two voices the calls do not
      use: Allison's prompts ``[1::4]`` and ``[2::4]`` (the calls use ``[::4]``) and Armelle's
      ``[1::2]`` (the calls use ``[::2]``), two seeds each. The actress m is counted apart
      (``single_m``): her dev lines mix calm and agitated delivery;
    * ``expressive``: one actor's calm (bottom third of z(F0) + z(level)) and agitated (top
      third) lines, alternated or calm then agitated, 4 seeds per actor and order, from the
      actor's lines that are ``dev`` by :func:`benchmarks.coach_bench.split_of` (the MD5 rule)
      and outside the 104 held-out ``expressive`` test lines.
    """
    from .coach_bench import _line_stats
    from .realcalls import _read16

    out: list[tuple[str, str, np.ndarray]] = []
    vs = _dev_voices()
    for k, nm in enumerate(sorted(vs)):
        for s in (1, 2, 3):
            out.append((f"{nm}_s{s}", "single_m" if nm == "m" else "single",
                        single_speaker(vs[nm], 900 + 17 * s + k)))
    src = dev_utterances(extended=True)
    fr_clips: list[Clip] = []
    for u in src["extended_armelleB"]:
        try:
            fr_clips += _file_clips(u.path)
        except Exception:
            continue
    extra = {nm: _voice("allison", "f", [c for u in src[f"extended_{nm}"]
                                         for c in _file_clips(u.path)])
             for nm in ("allisonB", "allisonC")}
    extra["armelleB"] = _voice("armelle", "f", fr_clips)
    for k, (nm, v) in enumerate(extra.items()):
        for s in (0, 1):
            out.append((f"{nm}_s{s}", "single", single_speaker(v, 1300 + 7 * s + k)))
    for spk in ("v", "m"):
        lines = src[f"extended_expressive_{spk}"]
        audio = [_read16(u.path).astype(np.float32) for u in lines]
        stats = [_line_stats(x, config) for x in audio]
        keep = [i for i, (f, lv, vf) in enumerate(stats) if vf >= 0.5 and math.isfinite(f + lv)]
        f0 = np.array([stats[i][0] for i in keep])
        lv = np.array([stats[i][1] for i in keep])
        score = (f0 - f0.mean()) / f0.std() + (lv - lv.mean()) / lv.std()
        lo, hi = np.quantile(score, [1 / 3, 2 / 3])
        calm = [audio[i] for i, z in zip(keep, score, strict=True) if z <= lo]
        agit = [audio[i] for i, z in zip(keep, score, strict=True) if z >= hi]
        for s in range(4):
            for order in ("alternate", "calm_then_agitated"):
                x = expressive_single(calm, agit, 2000 + 31 * s + (spk == "m"), order)
                out.append((f"{spk}_{order}_s{s}", f"expressive_{spk}", x))
    return out


def run(split: str = "dev", n_calls: int = 8, duration_s: float = 60.0,
        config: Config | None = None, nudges: bool = True, progress: Any = _log,
        extended: bool = False, strict: bool = False) -> dict[str, Any]:
    """Run the benchmark on a split; see the module notes for what is measured.

    ``extended`` (dev only): also the 84 one-voice files of :func:`extended_negatives`.
    ``n_calls = 0`` skips the calls (the one-voice files only). ``strict`` (test only,
    ``--strict-test``): leave out every test recording that tuned a component these figures
    depend on (:func:`benchmarks.splits.strict_drop`: the pitch tracker, the speech
    decisions, the mono detector and, with ``nudges``, the coach); a voice the drop brings
    under :data:`STRICT_MIN_S` of clips is not used, and the result's ``strict`` says so."""
    if extended and split != "dev":
        raise ValueError("the extended one-voice files are dev material: use --split dev")
    if strict and split != "test":
        raise ValueError("strict drops tuning audio from the test split: use split test")
    from voicecoach.baseline import calibrate_array
    from voicecoach.conversation.diarize import diarize
    from voicecoach.review.mono import scan_arrays, scan_levels, scan_mels

    cfg = config or load_config()

    def _mels(x: np.ndarray) -> np.ndarray | None:
        """The speaker encoder's frames, when the clustering uses embeddings."""
        return scan_mels(_blocks(x), cfg) if cfg.mono.embedding_weight > 0 else None

    # the detection figures are the detector's own verdict ([mono] voices = "detect"); the
    # "_two" figures and the review path (nudges) follow ``cfg`` (the default: "two")
    dcfg = cfg.replace(mono={"voices": "detect"})
    truth_cfg = load_config().conversation
    t0 = time.perf_counter()
    drop: frozenset[str] = frozenset()
    strict_info: dict[str, Any] = {"strict": False}
    if strict:
        from .splits import strict_drop

        drop, strict_info = strict_drop("mono_calls", nudges=nudges)
    vs = voices(split, drop)
    pairs = MONO_SPLITS[split]
    names = sorted({p for pair in pairs for p in pair})
    call_voice: dict[str, Voice] = {}
    profiles: dict[str, Any] = {}
    for nm in names:
        call_voice[nm], cal = split_voice(vs[nm])
        try:
            profiles[nm] = calibrate_array(cal, SR, cfg, name=nm, source=f"{nm} calibration")
        except ValueError as e:  # too little speech: no profile for this voice
            progress(f"{nm}: no profile ({e})")
            profiles[nm] = None
        progress(f"{nm}: {len(call_voice[nm].turns)} clips for calls, "
                 f"{len(cal) / SR:.1f} s calibration, voice model "
                 f"{'yes' if profiles[nm] is not None and profiles[nm].voice else 'no'}")
    out: dict[str, Any] = {"split": split, "pairs": [list(p) for p in pairs], "conditions": {},
                           "strict": strict_info}
    thin: set[str] = set()
    if strict:
        full = voices(split)

        def turn_s(v: Voice) -> float:
            return sum(c.duration_s for c in v.turns)

        # a voice the drop brought under STRICT_MIN_S of clips (before its calibration)
        thin = {nm for nm in names if turn_s(vs[nm]) < min(STRICT_MIN_S, turn_s(full[nm]))}
        strict_info["voices_turn_s"] = {nm: [round(turn_s(full[nm]), 1), round(turn_s(vs[nm]), 1)]
                                        for nm in names}
        strict_info["voices_call_s"] = {nm: round(sum(c.duration_s for c in call_voice[nm].turns),
                                                  1) for nm in names}
        if thin:
            strict_info["too_little_audio"] = {
                nm: f"under {STRICT_MIN_S:g} s of clips left: its pairs and one-voice "
                    "files not run" for nm in sorted(thin)}
            progress(f"strict: too little audio left for {sorted(thin)}")
    calls = []
    for i in range(n_calls):
        a, c = pairs[i % len(pairs)]
        if a in thin or c in thin:
            continue
        for seed in range(100 + i, 10_000, 1000):  # a few seeds trip realcalls' track lengths
            try:
                call = assemble_call(call_voice[a], call_voice[c], seed,
                                     duration_s=duration_s,
                                     min_overlap_s=truth_cfg.min_overlap_s,
                                     turn_end_s=truth_cfg.turn_end_s)
                break
            except ValueError:
                continue
        calls.append((a, c, call))
    tmp = Path(tempfile.mkdtemp(prefix="mono_calls_"))
    for cond in CONDITIONS if calls else ():
        rows = []
        for i, (a, c, call) in enumerate(calls):
            x = mono_of(call, cond, i)
            ceps, speech, f0, level, aper = scan_arrays(_blocks(x), cfg)
            mels = _mels(x)
            prof = profiles[a]
            row: dict[str, Any] = {"call": call.name, "pair": f"{a}-{c}",
                                   "same_sex": vs[a].sex == vs[c].sex}

            if prof is not None and prof.voice is not None:
                dp = diarize(ceps, speech, f0, dcfg, agent_model=prof.voice)
                row["profile"] = {**attribution_scores(call, dp.labels, 0),
                                  "two_voices": dp.two_voices,
                                  "separation": round(dp.separation, 3),
                                  "profile_fit": dp.profile_fit,
                                  "interruptions": _interruptions(dp, ceps, level, call, cfg, aper)}
            dc = diarize(ceps, speech, f0, dcfg, agent_first=True, mels=mels, level_db=level)
            row["clustering"] = {**attribution_scores(call, dc.labels, 0),
                                 "interruptions": _interruptions(dc, ceps, level, call, cfg, aper),
                                 "two_voices": dc.two_voices,
                                 "separation": round(dc.separation, 3),
                                 "consistency": round(dc.consistency, 3),
                                 "stability": round(dc.stability, 3),
                                 "first_confidence": dc.first_confidence,
                                 "first_sure": dc.first_sure}
            # as the review applies it: a call left as one voice goes to the agent whole;
            # [mono] voices = "two" attributes whenever two voice models were learned
            alone = attribution_scores(call, np.where(dc.labels >= 0, 0, -1), 0)["attributed"]
            got = row["clustering"]["attributed"]
            row["clustering"]["applied"] = got if dc.two_voices else alone
            row["clustering"]["applied_two"] = got if dc.voices else alone
            if nudges:
                # 8 kHz: both the stereo call (each leg over its own line) and the mono mix
                # are reviewed as 8 kHz files, as a telephone recorder exports them
                y_st, x_rev, rate = call.y + 0, x, SR
                if cond == "mono8":
                    y_st, rate = telephone8(call.y), 8000
                    x_rev = telephone8(_mix(call, i))
                st = review_counts(y_st, f"s{i}", cfg, prof, tmp, rate)
                mo = review_counts(x_rev, f"m{i}", cfg, prof, tmp, rate)
                # the other setting of the mono interruption detector
                alt_cfg = cfg.replace(mono={"interruptions": not cfg.mono.interruptions})
                mo_alt = review_counts(x_rev, f"a{i}", alt_cfg, prof, tmp, rate)
                row["nudges"] = {"stereo": _nudges(st), "mono": _nudges(mo),
                                 "stereo_other": _nudges(st, OVERLAP_RULES),
                                 "mono_other": _nudges(mo, OVERLAP_RULES),
                                 "rules_stereo": sorted(e.get("rule") for e in st["events"]
                                                        if e["kind"] == "nudge"),
                                 "rules_mono": sorted(e.get("rule") for e in mo["events"]
                                                      if e["kind"] == "nudge"),
                                 "mono_alt": _nudges(mo_alt),
                                 "rules_mono_alt": sorted(e.get("rule") for e in mo_alt["events"]
                                                          if e["kind"] == "nudge"),
                                 "mono_interruptions": (mo.get("mono") or {}).get(
                                     "interruptions"),
                                 "agent_talk_s": [_talk(st), _talk(mo)],
                                 "mono_two_voices": (mo.get("mono") or {}).get("two_voices")}
                sw = review_counts(y_st[:, ::-1] + 0, f"w{i}", cfg, prof, tmp, rate)
                row["swap"] = {
                    "right_note": bool((st.get("channels") or {}).get("swapped")),
                    "swapped_note": bool((sw.get("channels") or {}).get("swapped")),
                    "fit": (st.get("channels") or {}).get("fit"),
                }
            rows.append(row)
            rp, rc = row.get("profile") or {}, row["clustering"]
            progress(f"{cond} {call.name}: profile {rp.get('attributed')} (fit "
                     f"{rp.get('profile_fit')}) clustering {rc['attributed']} (purity "
                     f"{rc['purity']}, sep {rc['separation']}, consistency "
                     f"{rc['consistency']}) nudges {row.get('nudges')} swap {row.get('swap')}")
        out["conditions"][cond] = _summary(rows)
    # single speakers: false "two voices"
    singles = []
    for j, nm in enumerate(names):
        if nm in thin:
            continue
        for cond in CONDITIONS:
            x = single_speaker(call_voice[nm], 500 + j)
            if cond == "mono8":
                x = telephone(x.astype(np.float64), np.random.default_rng(j))
            ceps, speech, f0, lv = scan_levels(_blocks(x), cfg)
            d = diarize(ceps, speech, f0, dcfg, mels=_mels(x), level_db=lv)
            pf = None
            if profiles[nm] is not None and profiles[nm].voice is not None:
                dp = diarize(ceps, speech, f0, dcfg, agent_model=profiles[nm].voice)
                pf = dp.profile_fit
            singles.append({"voice": nm, "condition": cond, "two_voices": d.two_voices,
                            "stability": round(d.stability, 3),
                            "two_voices_profile": None if pf is None else dp.two_voices,
                            "separation": round(d.separation, 3),
                            "consistency": round(d.consistency, 3),
                            "profile_fit": pf,
                            "agent_share_two": _agent_share_two(d),
                            "seconds": round(len(x) / SR, 1)})
            progress(f"single {nm} {cond}: two voices {d.two_voices} sep {d.separation:.3f} "
                     f"consistency {d.consistency:.3f} profile fit {pf}")
    # hard negatives: one actor's calm and agitated lines (one voice, two deliveries); the
    # holdout split has no actors
    lines = expressive_lines(split, cfg, drop) if split != "holdout" else {}
    if split == "holdout":
        strict_info["no_expressive"] = "the holdout split has no actors: no hard negatives"
    for j, spk in enumerate(("v", "m") if lines else ()):
        if not (lines[spk][0] and lines[spk][1]):
            strict_info.setdefault("too_little_audio", {})[f"expressive_{spk}"] = (
                "too few lines left for calm and agitated: its hard negatives not run")
            continue
        for order in ("alternate", "calm_then_agitated"):
            x0 = expressive_single(*lines[spk], 700 + j, order)
            for cond in CONDITIONS:
                x = x0 if cond == "mono16" else telephone(x0.astype(np.float64),
                                                          np.random.default_rng(j))
                ceps, speech, f0, lv = scan_levels(_blocks(x), cfg)
                d = diarize(ceps, speech, f0, dcfg, mels=_mels(x), level_db=lv)
                singles.append({"voice": spk, "order": order, "condition": cond,
                                "expressive": True, "two_voices": d.two_voices,
                                "two_voices_profile": None,
                                "separation": round(d.separation, 3),
                                "consistency": round(d.consistency, 3),
                                "stability": round(d.stability, 3),
                                "agent_share_two": _agent_share_two(d),
                                "seconds": round(len(x) / SR, 1)})
                progress(f"expressive {spk} {order} {cond}: two voices {d.two_voices} sep "
                         f"{d.separation:.3f} consistency {d.consistency:.3f} stability "
                         f"{d.stability:.3f}")
    with_prof = [s["two_voices_profile"] for s in singles if s["two_voices_profile"] is not None]
    plain = [s["two_voices"] for s in singles if not s.get("expressive")]
    expr = [s["two_voices"] for s in singles if s.get("expressive")]
    out["single_speaker"] = {
        "false_two_voices": round(float(np.mean(plain)), 3),
        "false_two_voices_profile": round(float(np.mean(with_prof)), 3) if with_prof else None,
        "n": len(plain),
        "false_two_voices_expressive": round(float(np.mean(expr)), 3) if expr else None,
        # under [mono] voices = "two": the share of a single voice's speech left on the agent
        "agent_share_two": _median([e["agent_share_two"] for e in singles
                                    if not e.get("expressive")]),
        "agent_share_two_expressive": _median([e["agent_share_two"] for e in singles
                                               if e.get("expressive")]),
        "n_expressive": len(expr),
        "per_file": singles,
    }
    if extended:
        ext: list[dict[str, Any]] = []
        for j, (name, group, x0) in enumerate(extended_negatives(cfg)):
            for cond in CONDITIONS:
                x = x0 if cond == "mono16" else telephone(x0.astype(np.float64),
                                                          np.random.default_rng(40 + j))
                ceps, speech, f0, lv = scan_levels(_blocks(x), cfg)
                d = diarize(ceps, speech, f0, dcfg, mels=_mels(x), level_db=lv)
                ext.append({"name": name, "group": group, "condition": cond,
                            "agent_share_two": _agent_share_two(d),
                            "two_voices": d.two_voices, "separation": round(d.separation, 3),
                            "consistency": round(d.consistency, 3),
                            "stability": round(d.stability, 3)})
                progress(f"extended {name} {cond}: two voices {d.two_voices} sep "
                         f"{d.separation:.3f} consistency {d.consistency:.3f} stability "
                         f"{d.stability:.3f}")
        counts: dict[str, list[int]] = {}
        for e in ext:
            n = counts.setdefault(f"{e['group']} {e['condition']}", [0, 0])
            n[0] += bool(e["two_voices"])
            n[1] += 1
        out["extended_negatives"] = {k: f"{a}/{b}" for k, (a, b) in sorted(counts.items())}
        out["extended_agent_share_two"] = _median([e["agent_share_two"] for e in ext])
        out["extended_negatives_per_file"] = ext
    out["interruptions"] = (
        f"mono detector {'on' if cfg.mono.interruptions else 'off'} in the review (threshold "
        f"{cfg.mono.interruption_min_confidence}); curves above score every switch")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def pooled(key: str, field: str = "attributed") -> float | None:
        num = den = 0.0
        for r in rows:
            s = r.get(key) or {}
            if s.get(field) is not None:
                num += s[field] * s["n_hops"]
                den += s["n_hops"]
        return round(num / den, 4) if den else None

    out: dict[str, Any] = {
        "attributed_profile": pooled("profile"),
        "attributed_profile_median": _median([(r.get("profile") or {}).get("attributed")
                                              for r in rows]),
        "attributed_profile_min": min([r["profile"]["attributed"] for r in rows
                                       if r.get("profile") and r["profile"]["attributed"]
                                       is not None], default=None),
        "attributed_clustering": pooled("clustering"),
        "attributed_clustering_median": _median([r["clustering"]["attributed"] for r in rows]),
        "purity_clustering": pooled("clustering", "purity"),
        # the right-party fraction as the review applies it, [mono] voices "detect" / "two"
        "as_reviewed_clustering": pooled("clustering", "applied"),
        "as_reviewed_clustering_two": pooled("clustering", "applied_two"),
        "as_reviewed_clustering_min": min([r["clustering"]["applied"] for r in rows
                                           if r["clustering"]["applied"] is not None],
                                          default=None),
        "as_reviewed_clustering_two_min": min([r["clustering"]["applied_two"] for r in rows
                                               if r["clustering"]["applied_two"] is not None],
                                              default=None),
        "same_sex_profile": _median([(r.get("profile") or {}).get("attributed") for r in rows
                                     if r["same_sex"]]),
        "same_sex_clustering": _median([r["clustering"]["attributed"] for r in rows
                                        if r["same_sex"]]),
        "two_voices": round(float(np.mean([r["clustering"]["two_voices"] for r in rows])), 3),
        # "first speaker" named wrong (under half right), and of those flagged unsure
        "first_wrong": sum(1 for r in rows if (r["clustering"]["attributed"] or 1) < 0.5),
        "first_wrong_flagged": sum(1 for r in rows if (r["clustering"]["attributed"] or 1) < 0.5
                                   and not r["clustering"]["first_sure"]),
        "first_unsure": sum(1 for r in rows if not r["clustering"]["first_sure"]),
        "two_voices_profile": round(float(np.mean([r["profile"]["two_voices"] for r in rows
                                                   if r.get("profile")])), 3)
        if any(r.get("profile") for r in rows) else None,
        "n_calls_profile": sum(1 for r in rows if r.get("profile")),
        "n_calls": len(rows),
    }
    for key in ("profile", "clustering"):
        agg: dict[str, Any] = {}
        n_truth = 0
        for r in rows:
            sc = (r.get(key) or {}).get("interruptions")
            if key == "profile" and not r.get(key):
                continue
            if sc is None:
                continue
            n_truth += sc["n_truth"]
            for thr, v in sc["by_threshold"].items():
                a = agg.setdefault(thr, {"n_detected": 0, "tp": 0, "tp_span": 0})
                for k in a:
                    a[k] += v[k]
        out[f"interruptions_{key}"] = {
            thr: {**a,
                  "precision": round(a["tp"] / a["n_detected"], 3) if a["n_detected"] else None,
                  "recall": round(a["tp"] / n_truth, 3) if n_truth else None,
                  "precision_span": round(a["tp_span"] / a["n_detected"], 3)
                  if a["n_detected"] else None,
                  "recall_span": round(a["tp_span"] / n_truth, 3) if n_truth else None}
            for thr, a in agg.items()}
        out[f"interruptions_{key}_n_truth"] = n_truth
    nd = [r["nudges"] for r in rows if "nudges" in r]
    if nd:
        diffs = [d["mono"] - d["stereo"] for d in nd]
        out["nudges_within_1"] = round(float(np.mean([abs(d) <= 1 for d in diffs])), 3)
        out["nudges_stereo_mono"] = [[d["stereo"], d["mono"]] for d in nd]
        out["nudges_within_1_alt"] = round(float(np.mean(
            [abs(d["mono_alt"] - d["stereo"]) <= 1 for d in nd])), 3)
        out["nudges_within_1_non_overlap"] = round(float(np.mean(
            [abs(d["mono_other"] - d["stereo_other"]) <= 1 for d in nd])), 3)
        ratio = [d["agent_talk_s"][1] / d["agent_talk_s"][0] for d in nd
                 if d["agent_talk_s"][0] and d["agent_talk_s"][1] is not None]
        out["agent_talk_mono_over_stereo"] = _median(ratio)
    sw = [r["swap"] for r in rows if "swap" in r and r.get("profile")]  # needs a voice model
    if sw:
        out["swap_detected"] = round(float(np.mean([s["swapped_note"] for s in sw])), 3)
        out["swap_false_note"] = round(float(np.mean([s["right_note"] for s in sw])), 3)
    out["per_call"] = rows
    return out


def stricter_detections(res: dict[str, Any], stability_min: float) -> dict[str, str]:
    """Two-voice counts of a :func:`run` result (or its JSON) at a stricter ``[mono]
    stability_min`` than the run's, without re-running (issue #13, the actress m).

    A file is declared two voices at the stricter threshold when it was at the run's and its
    stability is at least ``stability_min`` (stability only ever removes declarations; the
    attribution itself does not depend on it). Valid only for ``stability_min`` at least the
    run's value. Returns ``"detected/n"`` per condition for the calls without a profile
    (``calls``), the single speakers (``single``), the actors' calm + agitated lines
    (``expressive``) and, with ``--extended``, the extended groups (``ext <group>``).
    """
    def keep(e: dict[str, Any]) -> bool:
        return bool(e["two_voices"]) and e["stability"] >= stability_min

    counts: dict[str, list[int]] = {}

    def add(key: str, hit: bool) -> None:
        c = counts.setdefault(key, [0, 0])
        c[0] += hit
        c[1] += 1

    for cond, r in res.get("conditions", {}).items():
        for row in r["per_call"]:
            add(f"calls {cond}", keep(row["clustering"]))
    for s in (res.get("single_speaker") or {}).get("per_file", []):
        add(f"{'expressive' if s.get('expressive') else 'single'} {s['condition']}", keep(s))
    for e in res.get("extended_negatives_per_file", []):
        add(f"ext {e['group']} {e['condition']}", keep(e))
    return {k: f"{a}/{b}" for k, (a, b) in sorted(counts.items())}


def format_table(res: dict[str, Any]) -> str:
    """A plain-text table of a :func:`run` result."""
    lines = [f"mono calls, split {res['split']} ({res['seconds']} s)"]
    for cond, r in res["conditions"].items():
        lines.append(
            f"  {cond}: right party with profile {r['attributed_profile']} (median "
            f"{r['attributed_profile_median']}, min {r['attributed_profile_min']}, same-sex "
            f"{r['same_sex_profile']}); clustering {r['attributed_clustering']} (median "
            f"{r['attributed_clustering_median']}, purity {r['purity_clustering']}, same-sex "
            f"{r['same_sex_clustering']}; first speaker named wrong {r['first_wrong']}, of "
            f"them flagged unsure {r['first_wrong_flagged']}, unsure in all "
            f"{r['first_unsure']}); two voices detected {r['two_voices']} without a "
            f"profile, {r['two_voices_profile']} with it; as reviewed without a profile "
            f"{r.get('as_reviewed_clustering')} (worst call "
            f"{r.get('as_reviewed_clustering_min')}), with --mono-voices two "
            f"{r.get('as_reviewed_clustering_two')} ({r.get('as_reviewed_clustering_two_min')})"
            + (f"; nudges within +-1 {r['nudges_within_1']} {r['nudges_stereo_mono']}, without "
               f"the overlap rule {r['nudges_within_1_non_overlap']}; agent talk mono/stereo "
               f"{r['agent_talk_mono_over_stereo']}" if "nudges_within_1" in r else "")
            + (f"; swap detected {r['swap_detected']}, false note {r['swap_false_note']}"
               if "swap_detected" in r else "")
        )
    s = res["single_speaker"]
    lines.append(f"  single speaker: false two voices {s['false_two_voices']} without profile, "
                 f"{s['false_two_voices_profile']} with the speaker's profile (n={s['n']}); "
                 f"expressive actors calm + agitated {s['false_two_voices_expressive']} "
                 f"(n={s['n_expressive']}); under --mono-voices two the agent keeps "
                 f"{s.get('agent_share_two')} of a single voice's speech (median; expressive "
                 f"{s.get('agent_share_two_expressive')})")
    if "extended_negatives" in res:
        lines.append("  extended dev one-voice files taken for two voices: " + ", ".join(
            f"{k} {v}" for k, v in res["extended_negatives"].items()))
    for cond, r in res["conditions"].items():
        for key in ("profile", "clustering"):
            cur = r.get(f"interruptions_{key}") or {}
            pts = " ".join(f"{thr}: {v['n_detected']} det, P {v['precision']} R {v['recall']} "
                           f"(span P {v['precision_span']} R {v['recall_span']})"
                           for thr, v in cur.items())
            lines.append(f"  interruptions {cond} {key} (n={r.get(f'interruptions_{key}_n_truth')})"
                         f": {pts}")
        if "nudges_within_1_alt" in r:
            lines.append(f"  {cond}: nudges within +-1 with the other interruption setting "
                         f"{r['nudges_within_1_alt']}")
    lines.append(f"  interruptions: {res['interruptions']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mono_calls", description=__doc__
                                .split("\n\n")[0])
    p.add_argument("--split", choices=("dev", "test", "holdout"), default="dev",
                   help="dev to tune, test to report, holdout: voices nothing was tuned on")
    p.add_argument("--calls", type=int, default=8)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--no-nudges", action="store_true", help="skip the review-path runs")
    p.add_argument("--extended", action="store_true",
                   help="dev only: also 84 more one-voice files (false two voices)")
    p.add_argument("--config", metavar="TOML")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a configuration key (tuning on dev)")
    p.add_argument("--out", metavar="JSON")
    p.add_argument("--recount", metavar="JSON",
                   help="no run: two-voice counts of a saved --out result at --stability-min")
    p.add_argument("--stability-min", type=float, default=None,
                   help="with --recount: a stricter [mono] stability_min than the run's")
    p.add_argument("--strict-test", action="store_true",
                   help="test only: leave out every recording that tuned a component these "
                   "figures depend on (benchmarks.splits); the JSON records what went")
    a = p.parse_args(argv)
    if a.strict_test and a.split != "test":
        p.error("--strict-test drops tuning audio from the test split: use --split test")
    if a.extended and a.split != "dev":
        p.error("--extended adds dev material (one-voice files): use it with --split dev")
    if a.recount:
        res = json.loads(Path(a.recount).read_text())
        thr = load_config().mono.stability_min if a.stability_min is None else a.stability_min
        for k, v in stricter_detections(res, thr).items():
            print(f"{k}: {v} two voices at stability_min {thr}")
        return 0
    from .realcalls import parse_overrides

    cfg = load_config(a.config, parse_overrides(a.set))
    res = run(a.split, a.calls, a.duration, cfg, nudges=not a.no_nudges, extended=a.extended,
              strict=a.strict_test)
    print(format_table(res))
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1, default=lambda o: None
                                          if isinstance(o, float) and math.isnan(o) else o))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
