"""The coach's voice checks on espeak-ng voices, from the repository alone (no network).

(Named ``test_coach_real_voice.py`` until session 28: these voices are synthetic; the real
voices are in ``tests/test_real_voices.py``.)

espeak-ng (a Debian package installed by ``scripts/setup.sh``) speaks 21 varied
call-centre sentences (~60 s) per voice, French and English, male and female variants. The
coach is calibrated on the even sentences, then reviews the odd ones (never seen by the
calibration). A unit test, not a result: the real-voice figures are in
``benchmarks/coach_bench.py``.

* unmodified: no nudge at all;
* ``librosa.effects.pitch_shift(+3 st)``: ``pitch_high`` (and no ``rate_high``);
* ``librosa.effects.time_stretch(rate=1.4, n_fft=512)``: ``rate_high`` (and no
  ``pitch_high``) unless the profile's verdict says the pace baseline cannot judge (too
  thin, unstable or too variable on ~25 s of calibration), and then no ``rate_high``.
  x1.4, not x1.25: through the phase vocoder a x1.25 stretch of these voices measures
  only +10 to +19 % on the pace measure (interval tempo), under the 22 % floor of
  ``rate_high`` for one of the four voices; the benchmark reports x1.25 on real voices.
  With librosa's default ``n_fft=2048`` (128 ms frames) the phase vocoder smears the
  intensity dips between syllables and fewer nuclei are found;
* ``pitch_shift(+1 st)``: no ``pitch_high``;
* ``time_stretch(rate=1.08)`` (the issue's "no nudge" speed-up) and ``rate=1.15``: no
  ``rate_high``. These voices' calm excursion plus margin is 12-15 %, so the 22 % floor of
  the rule is what keeps x1.15 quiet (a floor of 12-17 % nudges it on two or three voices).

espeak-ng is required in CI (``CI`` set); elsewhere the test is skipped without it.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from benchmarks.coach_bench import EN_SENTENCES, FR_SENTENCES, join_utterances, render_espeak
from voicecoach.analysis import ChannelAnalyzer
from voicecoach.baseline import calibrate_array
from voicecoach.coach import Coach
from voicecoach.events import final_events

SR = 16000
HOP = 160
N_CAL = 11  # sentences used for calibration; the rest are reviewed

VOICES = {
    "fr": ("fr", FR_SENTENCES),
    "fr+f3": ("fr+f3", FR_SENTENCES),
    "en-gb-scotland+m5": ("en-gb-scotland+m5", EN_SENTENCES),
    "en-gb+f2": ("en-gb+f2", EN_SENTENCES),
}


@pytest.fixture(scope="module")
def espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is required in CI (scripts/setup.sh installs it)")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    return exe


def whole_hops(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, np.float32), -1.0, 1.0)
    return np.ascontiguousarray(x[: x.shape[0] // HOP * HOP])


def features(x: np.ndarray):
    return ChannelAnalyzer().process(whole_hops(x))


def rules_of(feats, profile) -> list[str]:
    coach = Coach(profile=profile)
    out = coach.process(feats) + coach.finish()
    return sorted(n.rule for n in final_events(out))


def rules_in(x: np.ndarray, profile) -> list[str]:
    return rules_of(features(x), profile)


@pytest.mark.parametrize("voice", list(VOICES))
def test_calibrate_then_review_modified_copies(espeak: str, voice: str) -> None:
    import librosa

    name, sentences = VOICES[voice]
    utts = render_espeak(name, sentences, exe=espeak)
    rng = np.random.default_rng(5)
    cal = join_utterances(utts[0::2], rng)  # interleaved: no systematic content difference
    rest = join_utterances(utts[1::2], rng)
    assert cal.shape[0] / SR > 25.0 and rest.shape[0] / SR > 25.0
    profile = calibrate_array(cal, SR, name=voice, source=f"espeak-ng {name}")
    verdicts = Coach(profile=profile).summary()["baseline"]["verdicts"]

    fast = features(librosa.effects.time_stretch(rest, rate=1.4, n_fft=512))
    got = {
        "orig": rules_in(rest, profile),
        "+3st": rules_in(librosa.effects.pitch_shift(rest, sr=SR, n_steps=3), profile),
        "x1.4": rules_of(fast, profile),
        "+1st": rules_in(librosa.effects.pitch_shift(rest, sr=SR, n_steps=1), profile),
        "x1.08": rules_in(librosa.effects.time_stretch(rest, rate=1.08, n_fft=512), profile),
        "x1.15": rules_in(librosa.effects.time_stretch(rest, rate=1.15, n_fft=512), profile),
    }
    assert got["orig"] == [], got
    assert "pitch_high" in got["+3st"] and "rate_high" not in got["+3st"], got
    # a rule whose baseline cannot judge (thin, unstable or too variable) stays silent
    if verdicts["rate_high"] is None:
        assert "rate_high" in got["x1.4"], (got, verdicts)
    else:
        assert "rate_high" not in got["x1.4"], (got, verdicts)
    assert "pitch_high" not in got["x1.4"], got
    assert "pitch_high" not in got["+1st"], got
    assert got["x1.08"] == [] and got["x1.15"] == [], got
    # (every voice here judges its pace: the branch above never drew the silent case) the
    # same copy against the profile with a pace baseline too thin to judge: no rate_high
    thin = profile.replace(rate_measured_s=Coach().config.coach.min_baseline_s / 2)
    assert Coach(profile=thin).baseline_verdict("rate_high") is not None
    assert "rate_high" not in rules_of(fast, thin), verdicts
