"""Coach benchmark: false nudges on calm real speech, detection of shifted and sped-up copies.

``python -m benchmarks.coach_bench [--quick] [--out FILE.json]``

For each speaker, the utterances are joined with 0.4–0.7 s pauses into one calm recording
(each utterance normalised to the same active level). A profile is calibrated on

* ``self``: the whole recording, which is then reviewed;
* ``split``: every other utterance, and the *other* half is reviewed (both ways round; the
  full run reviews three shuffled orders of each half, ``--quick`` one).

The reviewed copies are: ``orig`` (unmodified: every nudge is false), ``+3st``
(``librosa.effects.pitch_shift``, must give ``pitch_high``), ``+1st`` (must not give
``pitch_high``), ``x1.25`` (``librosa.effects.time_stretch(rate=1.25)``, librosa's default
``n_fft=2048``, must give ``rate_high``) and ``x1.25_n512`` (the same with ``n_fft=512``:
the 128 ms default frames smear the intensity dips between syllables, so fewer nuclei are
found and the measured speed-up is smaller).

Speakers: ``asterisk_fr`` and ``asterisk_en`` (17 IVR prompts each, ~90 s, one female
speaker each); ``arctic`` awb and slt and ``codec2`` male and female hold only 3–5 s per
speaker, too little to calibrate (10 s of voiced speech needed), so they are *looped* (the
same utterances repeated 16 times, self-calibrated only: a sanity check, not an independent
test); espeak-ng voices (3 French, 3 English, 21 varied call-centre sentences each) when
``espeak-ng`` is installed.

Both the current defaults and ``legacy`` (the rules before personal thresholds and the
rate's minimum-speech mask: ``pitch_spread_k = rate_spread_k = 0``,
``rate_min_speech_s = 0``) run on the same feature rows.

``synthetic`` gives the nudge lag beyond the rule's sustain on generated speech
(:func:`voicecoach.sources.synthetic.synth_speech`): a +25 % rate step and a +3 st step,
lag = nudge start - first syllable at or after the step - ``sustain_s``; and the nudges in
5 minutes of calm generated speech.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.analysis import ChannelAnalyzer, Features
from voicecoach.baseline import Profile, calibrate_array, profile_from_features
from voicecoach.coach import Coach
from voicecoach.config import Config, load_config
from voicecoach.events import Nudge, final_events

from .suite import _load16, _resample16

__all__ = [
    "EN_SENTENCES",
    "ESPEAK_VOICES",
    "FR_SENTENCES",
    "LEGACY_OVERRIDES",
    "join_utterances",
    "render_espeak",
    "run_coach_benchmarks",
]

SR = 16000
HOP = 160
HOP_S = 0.01

#: Overrides that give the rules as they were before personal thresholds.
LEGACY_OVERRIDES: dict[str, Any] = {
    "baseline": {"rate_min_speech_s": 0.0},
    "coach": {"pitch_spread_k": 0.0, "rate_spread_k": 0.0},
}

FR_SENTENCES = (
    "Bonjour madame, je comprends tout à fait votre situation.",
    "Je vais regarder votre dossier avec attention.",
    "Votre commande a été expédiée lundi dernier, elle devrait arriver dans les prochains jours.",
    "Si elle n'arrive pas avant vendredi, je vous propose de me rappeler.",
    "Nous ouvrirons alors une réclamation auprès du transporteur.",
    "En attendant, je vous envoie un courriel avec le numéro de suivi.",
    "Vous pourrez ainsi suivre votre colis en temps réel sur le site.",
    "Est-ce que cela vous convient?",
    "Très bien.",
    "Je note également votre nouvelle adresse pour les prochaines livraisons.",
    "Avez-vous d'autres questions concernant votre contrat ou votre facture?",
    "Je reste à votre disposition.",
    "Le montant de votre dernière facture est de quarante-deux euros.",
    "Il comprend l'abonnement mensuel et deux appels vers l'étranger.",
    "Je peux vous proposer un échéancier si vous le souhaitez.",
    "Un conseiller vous rappellera demain matin entre neuf heures et midi.",
    "Merci de votre patience, je vérifie cela tout de suite.",
    "Votre demande a bien été enregistrée sous la référence que je vous communique.",
    "Je suis désolée pour ce contretemps.",
    "Nous allons faire le nécessaire rapidement.",
    "Bonne journée, au revoir.",
)
EN_SENTENCES = (
    "Good morning, I completely understand your situation.",
    "Let me take a careful look at your account.",
    "Your order was shipped last Monday and should arrive within the next few days.",
    "If it has not arrived by Friday, please call us back.",
    "We will then open a claim with the carrier.",
    "In the meantime, I am sending you an email with the tracking number.",
    "You will be able to follow your parcel in real time on our website.",
    "Does that work for you?",
    "Very well.",
    "I am also updating your new address for future deliveries.",
    "Do you have any other questions about your contract or your bill?",
    "I remain at your disposal.",
    "The amount of your last bill is forty two dollars.",
    "It includes the monthly plan and two international calls.",
    "I can offer you a payment plan if you wish.",
    "An adviser will call you back tomorrow morning between nine and noon.",
    "Thank you for your patience, I am checking that right now.",
    "Your request has been recorded under the reference I am giving you.",
    "I am sorry for the inconvenience.",
    "We will sort this out quickly.",
    "Have a nice day, goodbye.",
)
#: espeak-ng voices (language + variant) per language.
ESPEAK_VOICES = {
    "fr": ("fr", "fr+f3", "fr-be+m3"),
    "en": ("en-us", "en-gb+f2", "en-gb-scotland+m5"),
}
VARIANTS = ("orig", "+3st", "+1st", "x1.25", "x1.25_n512")


def _log(msg: str) -> None:
    print(f"[coach_bench] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- audio




def render_espeak(voice: str, sentences: Sequence[str], exe: str | None = None) -> list[np.ndarray]:
    """One 16 kHz float32 array per sentence, spoken by espeak-ng ``voice`` (e.g. "fr+f3")."""
    import soundfile as sf

    exe = exe or shutil.which("espeak-ng")
    if exe is None:
        raise FileNotFoundError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = []
    for text in sentences:
        wav = subprocess.run(
            [exe, "-v", voice, "--stdout", text], check=True, capture_output=True, timeout=60
        ).stdout
        y, sr = sf.read(io.BytesIO(wav), dtype="float32")
        out.append(_resample16(y, int(sr)))
    return out


def join_utterances(
    utts: Sequence[np.ndarray],
    rng: np.random.Generator,
    pause_s: tuple[float, float] = (0.4, 0.7),
    level_db: float = -26.0,
) -> np.ndarray:
    """Utterances normalised to ``level_db`` active RMS, joined with random pauses, cut to
    whole hops (float32, 16 kHz)."""
    parts = []
    for y in utts:
        y = np.asarray(y, np.float64)
        active = np.abs(y) > 0.02 * (np.abs(y).max() or 1.0)
        rms = math.sqrt(float(np.mean(y[active] ** 2))) if active.any() else 1.0
        parts.append((y * 10 ** (level_db / 20) / max(rms, 1e-9)).astype(np.float32))
        parts.append(np.zeros(round(rng.uniform(*pause_s) * SR), np.float32))
    x = np.concatenate(parts)
    return np.ascontiguousarray(x[: x.shape[0] // HOP * HOP])


def _variant(x: np.ndarray, name: str) -> np.ndarray:
    import librosa

    if name == "orig":
        y = x
    elif name.endswith("st"):
        y = librosa.effects.pitch_shift(x, sr=SR, n_steps=float(name[:-2]))
    elif name == "x1.25":
        y = librosa.effects.time_stretch(x, rate=1.25)
    elif name == "x1.25_n512":
        y = librosa.effects.time_stretch(x, rate=1.25, n_fft=512)
    else:  # pragma: no cover
        raise ValueError(name)
    y = np.clip(np.asarray(y, np.float32), -1.0, 1.0)
    return np.ascontiguousarray(y[: y.shape[0] // HOP * HOP])


# ----------------------------------------------------------------------------- coach


def coach_rows(
    rows: Features, profile: Profile | None, config: Config
) -> tuple[list[Nudge], Coach]:
    """Final nudges of a coach fed ``rows`` (one block) and the coach itself."""
    coach = Coach(config, profile=profile)
    out = coach.process(rows) + coach.finish()
    return final_events(out), coach


def _recordings(quick: bool, with_espeak: bool) -> list[dict[str, Any]]:
    from .datasets import fetch

    recs: list[dict[str, Any]] = []
    for name in ("asterisk_fr", "asterisk_en"):
        try:
            us = fetch(name)
        except Exception as e:
            _log(f"{name} not available: {e}")
            continue
        recs.append({"name": name, "kind": "real", "speaker": us[0].speaker,
                     "utts": [_load16(u.path) for u in us]})
    for name, key in (("arctic", "speaker"), ("codec2", "sex")):
        try:
            us = fetch(name)
        except Exception as e:
            _log(f"{name} not available: {e}")
            continue
        for val in sorted({getattr(u, key) for u in us}):
            sel = [u for u in us if getattr(u, key) == val]
            recs.append({"name": f"{name}_{val}", "kind": "looped",
                         "speaker": "+".join(u.speaker for u in sel),
                         "utts": [_load16(u.path) for u in sel]})
    if with_espeak and shutil.which("espeak-ng"):
        for lang, voices in ESPEAK_VOICES.items():
            text = FR_SENTENCES if lang == "fr" else EN_SENTENCES
            for v in voices[: 1 if quick else None]:
                recs.append({"name": f"espeak_{v}", "kind": "espeak", "speaker": v,
                             "utts": render_espeak(v, text)})
    elif with_espeak:
        _log("espeak-ng not installed: espeak voices skipped")
    return recs


def _plans(rec: dict[str, Any], quick: bool, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Calibration and review signals: ``self`` and, for non-looped sets, two splits."""
    utts = rec["utts"]
    if rec["kind"] == "looped":
        seq = [utts[i % len(utts)] for i in range(16)]
        x = join_utterances(seq, rng, (0.4, 0.9))
        return [{"mode": "self", "cal": x, "reviews": [x]}]
    x = join_utterances(utts, rng)
    plans = [{"mode": "self", "cal": x, "reviews": [x]}]
    halves = (utts[0::2], utts[1::2])
    for tag, (a, b) in (("split_even_odd", halves), ("split_odd_even", halves[::-1])):
        cal = join_utterances(a, rng)
        reviews = []
        for _ in range(1 if quick else 3):
            order = rng.permutation(len(b))
            reviews.append(join_utterances([b[i] for i in order], rng))
        plans.append({"mode": tag, "cal": cal, "reviews": reviews})
    return plans


def _evaluate(rec: dict[str, Any], quick: bool, configs: dict[str, Config]) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    analysis_cfg = next(iter(configs.values()))
    out: dict[str, Any] = {"kind": rec["kind"], "speaker": rec["speaker"], "modes": {}}
    for plan in _plans(rec, quick, rng):
        cal_rows = ChannelAnalyzer(analysis_cfg).process(plan["cal"])
        prof = profile_from_features(cal_rows, hop_s=HOP_S, name=rec["name"])
        rows: dict[str, list[Features]] = {}
        for v in VARIANTS:
            sigs = plan["reviews"] if v == "orig" else plan["reviews"][:1]
            rows[v] = [ChannelAnalyzer(analysis_cfg).process(_variant(s, v)) for s in sigs]
        mode: dict[str, Any] = {
            "calibration_s": round(plan["cal"].shape[0] / SR, 2),
            "review_s": round(sum(len(r) for r in rows["orig"]) * HOP_S, 2),
            "profile": {"f0_spread_st": round(prof.f0_spread_st, 3),
                        "rate_spread_pct": round(100 * prof.articulation_rate_spread
                                                 / prof.articulation_rate_median, 2)},
        }
        for cname, cfg in configs.items():
            res: dict[str, Any] = {}
            false = {"pitch_high": 0, "rate_high": 0, "loudness_high": 0}
            for r in rows["orig"]:
                nudges, coach = coach_rows(r, prof, cfg)
                for n in nudges:
                    false[n.rule] = false.get(n.rule, 0) + 1
            res["thresholds"] = {k: round(coach.personal_threshold(k), 3)
                                 for k in ("pitch_high", "rate_high")}
            res["false_nudges"] = false
            res["false_total"] = sum(false.values())
            for v in VARIANTS[1:]:
                nudges, _ = coach_rows(rows[v][0], prof, cfg)
                res[v] = {rule: sum(n.rule == rule for n in nudges)
                          for rule in ("pitch_high", "rate_high")}
            mode[cname] = res
        out["modes"][plan["mode"]] = mode
    return out


def _aggregate(per: dict[str, Any], cname: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    false = 0
    review = 0.0
    det = {"+3st_pitch_high": [0, 0], "+1st_no_pitch_high": [0, 0],
           "x1.25_rate_high": [0, 0], "x1.25_n512_rate_high": [0, 0]}
    by_rule = {"pitch_high": 0, "rate_high": 0, "loudness_high": 0}
    for d in per.values():
        if d["kind"] not in kinds:
            continue
        for m in d["modes"].values():
            r = m[cname]
            false += r["false_total"]
            review += m["review_s"]
            for k, v in r["false_nudges"].items():
                by_rule[k] = by_rule.get(k, 0) + v
            for key, (v, rule, want) in {
                "+3st_pitch_high": ("+3st", "pitch_high", True),
                "+1st_no_pitch_high": ("+1st", "pitch_high", False),
                "x1.25_rate_high": ("x1.25", "rate_high", True),
                "x1.25_n512_rate_high": ("x1.25_n512", "rate_high", True),
            }.items():
                det[key][0] += (r[v][rule] > 0) == want
                det[key][1] += 1
    return {
        "review_s": round(review, 1),
        "false_nudges": false,
        "false_by_rule": by_rule,
        "false_per_10min": round(600.0 * false / review, 2) if review else None,
        **{k: f"{a}/{b}" for k, (a, b) in det.items()},
    }


# ----------------------------------------------------------------------------- synthetic


def _window(t: np.ndarray, a: float, b: float, inside: float, outside: float) -> np.ndarray:
    return np.where((t >= a) & (t < b), inside, outside)


def _synthetic(configs: dict[str, Config], quick: bool) -> dict[str, Any]:
    from voicecoach.sources.synthetic import synth_speech

    f0, rate, onset = 120.0, 5.0, 15.0
    y, _ = synth_speech(duration_s=40.0, f0_hz=f0, syllable_rate=rate, snr_db=30.0, seed=21)
    prof = calibrate_array(y, SR, name="synth")
    seeds = range(1, 4 if quick else 11)
    cases: dict[str, tuple[str, Callable[[int], Any]]] = {
        "rate_x1.25": ("rate_high", lambda s: synth_speech(
            duration_s=40.0, f0_hz=f0, snr_db=30.0, seed=100 + s,
            syllable_rate=lambda t: _window(t, onset, onset + 15, rate * 1.25, rate))),
        "pitch_+3st_6s": ("pitch_high", lambda s: synth_speech(
            duration_s=30.0, syllable_rate=rate, snr_db=30.0, seed=200 + s,
            f0_hz=lambda t: _window(t, onset, onset + 6, f0 * 2 ** 0.25, f0))),
    }
    out: dict[str, Any] = {}
    signals = {name: [gen(s) for s in seeds] for name, (_, gen) in cases.items()}
    for cname, cfg in configs.items():
        res: dict[str, Any] = {}
        for name, (rule, _) in cases.items():
            sustain = cfg.coach.rules[rule].sustain_s
            lags, others = [], 0
            for y, truth in signals[name]:
                nudges, _ = coach_rows(ChannelAnalyzer(cfg).process(y), prof, cfg)
                voice_onset = min(s.start_s for s in truth.syllables if s.start_s >= onset)
                hit = [n for n in nudges if n.rule == rule]
                others += sum(n.rule != rule for n in nudges)
                lags.append(hit[0].start_s - voice_onset - sustain if hit else math.nan)
            fin = [v for v in lags if math.isfinite(v)]
            res[name] = {
                "sustain_s": sustain,
                "detected": f"{len(fin)}/{len(lags)}",
                "lag_beyond_sustain_s": [round(v, 2) for v in lags],
                "median_lag_beyond_sustain_s": round(float(np.median(fin)), 3) if fin else None,
                "max_lag_beyond_sustain_s": round(max(fin), 3) if fin else None,
                "other_nudges": others,
            }
        calm, _ = synth_speech(duration_s=300.0, f0_hz=f0, syllable_rate=rate, snr_db=25.0,
                               seed=36)
        nudges, _ = coach_rows(ChannelAnalyzer(cfg).process(calm), None, cfg)
        res["calm_5min_nudges"] = len(nudges)
        out[cname] = res
    return out


# ----------------------------------------------------------------------------- entry


def run_coach_benchmarks(quick: bool = False, with_espeak: bool = True) -> dict[str, Any]:
    """Run the coach benchmark; returns a JSON-ready dict (see the module notes).

    Parameters
    ----------
    quick : bool
        One shuffled review order per split and one espeak voice per language.
    with_espeak : bool
        Include espeak-ng voices (skipped anyway when espeak-ng is missing).
    """
    t0 = time.perf_counter()
    configs = {"current": load_config(), "legacy": load_config(overrides=LEGACY_OVERRIDES)}
    per: dict[str, Any] = {}
    for rec in _recordings(quick, with_espeak):
        _log(f"{rec['name']} ({rec['kind']}, {len(rec['utts'])} utterances)")
        per[rec["name"]] = _evaluate(rec, quick, configs)
    summary = {
        cname: {
            "real": _aggregate(per, cname, ("real",)),
            "espeak": _aggregate(per, cname, ("espeak",)),
            "looped": _aggregate(per, cname, ("looped",)),
        }
        for cname in configs
    }
    _log("synthetic lag")
    synth = _synthetic(configs, quick)
    c = configs["current"].coach
    return {
        "quick": quick,
        "defaults": {
            "pitch_spread_k": c.pitch_spread_k,
            "pitch_threshold_max_st": c.pitch_threshold_max_st,
            "rate_spread_k": c.rate_spread_k,
            "rate_threshold_max_pct": c.rate_threshold_max_pct,
            "rate_min_speech_s": configs["current"].baseline.rate_min_speech_s,
        },
        "legacy_overrides": LEGACY_OVERRIDES,
        "summary": summary,
        "synthetic": synth,
        "datasets": per,
        "elapsed_s": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.coach_bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-espeak", action="store_true")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    res = run_coach_benchmarks(a.quick, with_espeak=not a.no_espeak)
    text = json.dumps(res, indent=1, ensure_ascii=False)
    if a.out:
        a.out.write_text(text + "\n")
    print(json.dumps({"summary": res["summary"], "synthetic": res["synthetic"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
