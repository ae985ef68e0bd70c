"""Mono calls with two voices and swapped stereo channels (issue #13), on espeak voices.

The calls are built from espeak-ng sentences by two voices (a male ``en`` voice and a
female ``en+f4`` variant, or two male variants) placed turn by turn, so who speaks when is
known exactly. The agent's profile is calibrated on other sentences of the agent's voice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import SR, espeak
from voicecoach.baseline import calibrate_array
from voicecoach.config import load_config
from voicecoach.conversation.diarize import DiagGMM, VoiceFeatures, diarize, speech_stretches
from voicecoach.errors import ConfigError
from voicecoach.profiles import profile_from_toml, profile_to_toml
from voicecoach.review.calls import _file_call
from voicecoach.review.document import summary_line
from voicecoach.review.mono import scan, split_block
from voicecoach.review.one_call import review_call

HOP = 160

AGENT_LINES = [
    "Good morning, thank you for calling, how can I help you today?",
    "I see, let me check your account for a moment please.",
    "Your order was shipped on Monday and should arrive tomorrow.",
    "Is there anything else I can do for you today?",
    "I understand, I will send you a new confirmation by email.",
    "Thank you for your patience, the refund is now on its way.",
]
CUSTOMER_LINES = [
    "Hello, I am calling about my order, it has not arrived yet.",
    "It was supposed to come last week and I am still waiting.",
    "Could you tell me when exactly it will be delivered?",
    "Yes, I would also like to change my delivery address.",
    "That is fine, thank you very much for your help.",
    "Perfect, have a nice day, goodbye.",
]
CALIBRATION_LINES = (
    "The north wind and the sun were disputing which was the stronger, when a traveller "
    "came along wrapped in a warm cloak. They agreed that the one who first succeeded in "
    "making the traveller take his cloak off should be considered stronger than the other. "
    "Then the north wind blew as hard as he could, but the more he blew the more closely "
    "did the traveller fold his cloak around him."
)

_CACHE: dict[tuple[str, str], np.ndarray] = {}


def say(text: str, voice: str) -> np.ndarray:
    key = (text, voice)
    if key not in _CACHE:
        x = espeak(text, voice)
        a = np.flatnonzero(np.abs(x) > 0.01)  # trim espeak's silence: the truth is the span
        x = x[a[0] : a[-1] + 1] if a.size else x
        _CACHE[key] = (0.3 * x / (np.max(np.abs(x)) + 1e-9)).astype(np.float32)
    return _CACHE[key]


def build_call(first: str, second: str, first_lines: list[str], second_lines: list[str],
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(stereo [first voice, second voice] signal, per-hop truth: 0 first, 1 second, -1)."""
    rng = np.random.default_rng(seed)
    parts: list[tuple[int, np.ndarray]] = []
    for a, b in zip(first_lines, second_lines, strict=True):
        parts += [(0, say(a, first)), (1, say(b, second))]
    n = sum(len(x) for _, x in parts) + SR * len(parts)
    y = np.zeros((n, 2), np.float32)
    truth = np.full(n // HOP, -1, np.int8)
    t = round(0.5 * SR)
    for who, x in parts:
        y[t : t + len(x), who] = x
        truth[t // HOP : (t + len(x)) // HOP] = who
        t += len(x) + round(float(rng.uniform(0.3, 0.7)) * SR)
    n = t // HOP * HOP
    y = y[:n] + rng.standard_normal((n, 2)).astype(np.float32) * 1e-4
    return y, truth[: n // HOP]


def right_fraction(labels: np.ndarray, truth: np.ndarray, agent_truth: int, agent: int) -> float:
    """Fraction of the truly spoken hops flagged as speech that go to the right party."""
    m = (truth >= 0) & (labels >= 0)
    got_agent = labels[m] == agent
    return float(np.mean(got_agent == (truth[m] == agent_truth)))


def blocks(x: np.ndarray) -> list[np.ndarray]:
    n = len(x) // HOP * HOP
    return [x[i : min(i + SR, n)] for i in range(0, n, SR)]


@pytest.fixture(scope="module")
def male_female() -> tuple[np.ndarray, np.ndarray]:
    return build_call("en", "en+f4", AGENT_LINES, CUSTOMER_LINES)


@pytest.fixture(scope="module")
def agent_profile():
    x = say(CALIBRATION_LINES, "en")
    return calibrate_array(np.concatenate([x, x[::-1] * 0, x]), SR, name="agent")


# ----------------------------------------------------------------------------- core


def test_voice_features_are_band_limited_and_streaming() -> None:
    cfg = load_config()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SR).astype(np.float32) * 0.1
    whole = VoiceFeatures(cfg).process(x)
    vf = VoiceFeatures(cfg)
    parts = np.concatenate([vf.process(x[: 37 * HOP]), vf.process(x[37 * HOP :])])
    assert whole.shape == (100, cfg.mono.n_ceps)
    np.testing.assert_allclose(parts, whole, atol=1e-4)
    # energy above fmax_hz does not move the features
    t = np.arange(SR) / SR
    hi = x + 0.3 * np.sin(2 * np.pi * 6000 * t).astype(np.float32)
    np.testing.assert_allclose(VoiceFeatures(cfg).process(hi)[5:], whole[5:], atol=0.05)
    with pytest.raises(ValueError, match="whole hops"):
        VoiceFeatures(cfg).process(x[:100])


def test_gmm_separates_two_clouds() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, (2000, 3))
    b = rng.normal(4, 1, (2000, 3))
    ga, gb = DiagGMM.fit(a, 2), DiagGMM.fit(b, 2)
    assert np.mean(ga.loglik(a) > gb.loglik(a)) > 0.99
    assert np.mean(gb.loglik(b) > ga.loglik(b)) > 0.99
    g2 = DiagGMM.from_dict(json.loads(json.dumps(ga.to_dict())))
    np.testing.assert_allclose(g2.loglik(a[:10]), ga.loglik(a[:10]), atol=1e-2)


def test_stretches_cut_at_pauses_and_length() -> None:
    sp = np.zeros(500, bool)
    sp[10:60] = True  # 0.5 s
    sp[80:330] = True  # 2.5 s: cut into 3 pieces of <= 1 s
    assert speech_stretches(sp, 0.01, 0.15, 1.0) == [(10, 60), (80, 163), (163, 247),
                                                     (247, 330)]
    sp[62:64] = True  # a 20 ms gap is bridged (shorter than pause_s)
    assert speech_stretches(sp, 0.01, 0.15, 1.0)[0] == (10, 64)


# ----------------------------------------------------------------------------- diarize


def test_two_voices_detected_and_attributed_without_profile(male_female) -> None:
    y, truth = male_female
    cfg = load_config()
    ceps, speech, f0 = scan(blocks(y.sum(axis=1)), cfg)
    d = diarize(ceps, speech, f0, cfg)
    assert d.two_voices and d.method == "clustering"
    assert d.agent == 0 and d.agent_by == "first"  # voice A speaks first: the agent
    assert right_fraction(d.labels, truth, 0, d.agent) >= 0.9
    assert d.voices[0]["first_s"] < d.voices[1]["first_s"]
    assert d.voices[0]["pitch_median_hz"] < d.voices[1]["pitch_median_hz"]  # male first
    assert all(0.5 <= s["confidence"] <= 1.0 for s in d.stretches)
    assert d.stability >= cfg.mono.stability_min  # every starting split finds these voices
    assert d.first_sure and d.first_confidence >= cfg.mono.first_sure
    # the trainer picks the other voice
    d2 = diarize(ceps, speech, f0, cfg, agent_first=False)
    assert d2.agent == 1 and d2.agent_by == "second"
    assert right_fraction(d2.labels, truth, 1, d2.agent) >= 0.9


def _cloud_call(first_mixed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic cepstra of two voices (clouds 3 apart in 16 dimensions), 1 s stretches with
    0.3 s pauses, voice 0 and voice 1 alternating in turns of two stretches, voice 0 first.
    ``first_mixed``: the first second of speech is half voice 1, half voice 0."""
    rng = np.random.default_rng(5)
    turns = [0, 0, 1, 1] * 12
    ceps, speech, who = [], [], []
    for v in turns:
        ceps.append(rng.standard_normal((100, 16)) + 3.0 * v)
        who.append(np.full(100, v))
        ceps.append(rng.standard_normal((30, 16)))
        speech += [np.ones(100, bool), np.zeros(30, bool)]
        who.append(np.full(30, -1))
    c, w = np.concatenate(ceps), np.concatenate(who)
    if first_mixed:
        c[:50] += 3.0  # the first half-second sounds like voice 1
        w[:50] = 1
    return c, np.concatenate(speech), w


DETECT = {"mono": {"voices": "detect"}}  # the detector's own verdict decides (not the default)


def _ring_voice(n_modes: int = 6, radius: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic cepstra of ONE varied voice: 48 stretches of 1 s (0.3 s pauses), each in one
    of ``n_modes`` styles evenly spaced on a circle of ``radius`` in two dimensions (calm,
    raised, ... with no style opposite to one voice more than another)."""
    rng = np.random.default_rng(5)
    ceps, speech = [], []
    for m in rng.integers(n_modes, size=48):
        c = rng.standard_normal((100, 16))
        a = 2 * np.pi * m / n_modes
        c[:, 0] += radius * np.cos(a)
        c[:, 1] += radius * np.sin(a)
        ceps += [c, rng.standard_normal((30, 16))]
        speech += [np.ones(100, bool), np.zeros(30, bool)]
    return np.concatenate(ceps), np.concatenate(speech)


@pytest.mark.parametrize("n_modes", [4, 6])
def test_one_varied_voice_is_not_two_voices(n_modes: int) -> None:
    """Styles of one voice split into two clusters that separate well on held-out stretches
    (the separation and consistency tests pass), but every starting split cuts the circle
    elsewhere: the stability test rejects them. Two real voices split one way from any start
    (the male-female call and the cloud calls keep two voices)."""
    cfg = load_config(overrides=DETECT)
    assert cfg.mono.stability_min > 0.5
    ceps, speech = _ring_voice(n_modes)
    d = diarize(ceps, speech, None, cfg)
    assert d.separation >= cfg.mono.two_voices_min
    assert d.consistency >= cfg.mono.consistency_min
    assert d.stability < cfg.mono.stability_min
    assert not d.two_voices and d.agent is None
    off = load_config(overrides={"mono": {"stability_min": 0.0, "voices": "detect"}})
    assert diarize(ceps, speech, None, off).two_voices  # without the stability test: fooled


def test_first_speaker_named_by_the_first_speech_with_a_confidence() -> None:
    cfg = load_config()
    ceps, speech, who = _cloud_call(False)
    d = diarize(ceps, speech, None, cfg)
    assert d.two_voices and d.agent == 0
    assert np.mean(d.labels[who >= 0] == who[who >= 0]) >= 0.95  # voice A = voice 0
    assert d.first_confidence is not None and d.first_confidence >= 0.95 and d.first_sure
    # the first second of speech is split between the voices: still named, but unsure
    ceps, speech, who = _cloud_call(True)
    d = diarize(ceps, speech, None, cfg)
    assert d.two_voices and d.first_confidence is not None
    assert 0.3 <= d.first_confidence < cfg.mono.first_sure and not d.first_sure
    assert d.to_dict()["first_sure"] is False
    from voicecoach.review.mono import mono_notes

    assert "who speaks first is unsure" in mono_notes(d, None, cfg)["note"]
    # first_speech_s = 1 by default: one second, in words (was "des 1 premières secondes")
    assert cfg.mono.first_speech_s == 1
    assert "% de la première seconde de parole correspond mieux" in mono_notes(
        d, None, cfg, "fr")["note"]
    assert "% of the first second of speech" in mono_notes(d, None, cfg)["note"]
    cfg2 = load_config(overrides={"mono": {"first_speech_s": 1.5}})
    assert "des 1,5 premières secondes" in mono_notes(d, None, cfg2, "fr")["note"]


def test_a_voice_with_too_small_a_share_is_not_declared() -> None:
    """``[mono] min_share``: two clearly separate voices, the second holding 6 s of 48 (12.5
    %): not two voices at the default 0.2, two at 0.1."""
    rng = np.random.default_rng(5)
    ceps, speech = [], []
    for v in ([0] * 14 + [1, 1]) * 3:
        ceps += [rng.standard_normal((100, 16)) + 3.0 * v, rng.standard_normal((30, 16))]
        speech += [np.ones(100, bool), np.zeros(30, bool)]
    c, sp = np.concatenate(ceps), np.concatenate(speech)
    cfg = load_config(overrides=DETECT)
    assert cfg.mono.min_share == pytest.approx(0.2)
    d = diarize(c, sp, None, cfg)
    assert [v["speech_s"] for v in d.voices] == [42.0, 6.0]  # split right, each voice whole
    assert d.separation >= cfg.mono.two_voices_min and d.stability >= cfg.mono.stability_min
    assert not d.two_voices and d.agent is None
    assert diarize(c, sp, None, cfg.replace(mono={"min_share": 0.1})).two_voices


def test_two_voices_assumed_by_the_trainer() -> None:
    """``[mono] voices = "two"`` (the default since session 40; ``review --mono-voices``):
    the call that the detector leaves as one voice (the second voice holds 12.5 % of the
    speech, under ``min_share``) is attributed, right, and ``detected`` keeps what the
    detector alone found; under ``"detect"`` it stays one voice."""
    rng = np.random.default_rng(5)
    ceps, speech, who = [], [], []
    for v in ([0] * 14 + [1, 1]) * 3:
        ceps += [rng.standard_normal((100, 16)) + 3.0 * v, rng.standard_normal((30, 16))]
        speech += [np.ones(100, bool), np.zeros(30, bool)]
        who += [np.full(100, v), np.full(30, -1)]
    c, sp, w = np.concatenate(ceps), np.concatenate(speech), np.concatenate(who)
    assert load_config().mono.voices == "two"
    cfg = load_config(overrides=DETECT)
    d = diarize(c, sp, None, cfg)
    assert not d.two_voices and not d.detected and d.agent is None
    two = diarize(c, sp, None, load_config())
    assert two.two_voices and not two.detected and two.agent == 0
    assert two.to_dict()["detected"] is False
    assert np.mean(two.labels[sp] == w[sp]) > 0.99
    # a call the detector finds anyway: detected either way, the same attribution
    c2, sp2, _ = _cloud_call(False)
    a, b = diarize(c2, sp2, None, cfg), diarize(c2, sp2, None, cfg.replace(mono={"voices": "two"}))
    assert a.two_voices and a.detected and b.detected
    np.testing.assert_array_equal(a.labels, b.labels)


def test_deltas_are_the_local_slope() -> None:
    from voicecoach.conversation.diarize import _deltas

    x = np.outer(np.arange(50.0), [1.0, -2.0])
    np.testing.assert_allclose(_deltas(x)[2:-2], np.tile([1.0, -2.0], (46, 1)))


def test_one_voice_is_not_two() -> None:
    cfg = load_config(overrides=DETECT)
    y, _ = build_call("en", "en", AGENT_LINES, CUSTOMER_LINES)  # one voice, turn after turn
    ceps, speech, f0 = scan(blocks(y.sum(axis=1)), cfg)
    d = diarize(ceps, speech, f0, cfg)
    assert not d.two_voices and d.agent is None
    # the default assumes two voices: split, but the detector's verdict is kept
    two = diarize(ceps, speech, f0, load_config())
    assert two.two_voices and not two.detected


def test_profile_names_the_agent_whoever_speaks_first(male_female, agent_profile) -> None:
    assert agent_profile.voice is not None and agent_profile.voice["pitch_st"] is not None
    cfg = load_config()
    # the customer (female) speaks first: the clustering would call her the agent
    y, truth = build_call("en+f4", "en", CUSTOMER_LINES, AGENT_LINES, seed=3)
    ceps, speech, f0 = scan(blocks(y.sum(axis=1)), cfg)
    d = diarize(ceps, speech, f0, cfg, agent_model=agent_profile.voice)
    assert d.two_voices and d.method == "profile" and d.agent_by == "profile"
    assert d.profile_fit is not None and d.profile_fit >= cfg.mono.profile_fit_min
    assert right_fraction(d.labels, truth, 1, d.agent) >= 0.9
    dc = diarize(ceps, speech, f0, cfg)  # without the profile: the first voice, wrongly
    assert right_fraction(dc.labels, truth, 1, dc.agent) < 0.2


@pytest.mark.parametrize("cuts", [[1], [3], [410], [7, 1, 100, 2, 33]])
def test_split_block_gives_the_same_columns_for_any_cut(cuts) -> None:
    """The gains at a block's edges take the neighbouring hops' labels (first_hop): a mono
    call reviewed in 410-hop blocks (about review's read size) used to differ from one
    block on 2 hops, in 3-hop blocks on 170."""
    cfg = load_config()
    rng = np.random.default_rng(3)
    n = 2000
    x = rng.standard_normal((n * HOP, 1)).astype(np.float32)
    lab = np.repeat(rng.integers(-1, 2, n // 5), 5).astype(np.int8)
    lab[rng.random(n) < 0.05] = -1  # single-hop changes too
    whole = split_block(x, lab, 1, cfg, first_hop=0)
    np.testing.assert_array_equal(whole, split_block(x, lab, 1, cfg))
    parts, i, k = [], 0, 0
    while i < n:
        m = min(cuts[k % len(cuts)], n - i)
        parts.append(split_block(x[i * HOP:(i + m) * HOP], lab, 1, cfg, first_hop=i))
        i, k = i + m, k + 1
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    if cuts == [3]:  # each block as a call of its own: its edges differ
        alone = [split_block(x[i * HOP:(i + 3) * HOP], lab[i:i + 3], 1, cfg)
                 for i in range(0, n, 3)]
        assert not np.array_equal(np.concatenate(alone), whole)


def test_split_block_keeps_each_party_on_its_column() -> None:
    cfg = load_config()
    x = np.ones((10 * HOP, 1), np.float32)
    lab = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1], np.int8)
    y = split_block(x, lab, 0, cfg)
    assert y.shape == (10 * HOP, 2)
    g = 10 ** (cfg.mono.other_party_db / 20)
    assert np.allclose(y[HOP : 2 * HOP, 0], 1) and np.allclose(y[HOP : 2 * HOP, 1], g)
    assert np.allclose(y[6 * HOP : 7 * HOP, 1], 1) and np.allclose(y[6 * HOP : 7 * HOP, 0], g)
    assert np.allclose(y[-HOP // 2 :], 1)  # no speech: both columns keep the signal
    # voice 1 as the agent: the columns follow the agent, not the voice numbers
    np.testing.assert_array_equal(split_block(x, lab, 1, cfg), y[:, ::-1])


# ----------------------------------------------------------------------------- profile file


def test_profile_file_keeps_the_voice_model(agent_profile) -> None:
    text = profile_to_toml(agent_profile)
    assert "[voice.gmm]" in text
    back = profile_from_toml(text)
    assert back.voice == agent_profile.voice  # every field, weights and variances too
    # a profile written before voice models (and before the end-line announcement) still
    # loads, without one
    old = "\n".join(line for line in text.split("\n[voice")[0].splitlines()
                    if not line.startswith("# A whole file ends with"))
    assert profile_from_toml(old).voice is None


# ----------------------------------------------------------------------------- review


def test_review_mono_call_attributes_and_says_so(tmp_path: Path, male_female,
                                                 agent_profile) -> None:
    y, _ = male_female
    path = tmp_path / "mixed.wav"
    sf.write(path, y.sum(axis=1), SR)
    cfg = load_config()
    call = _file_call(path, 0, cfg)
    rep = review_call(call, tmp_path / "out", cfg, profile=agent_profile, render=True,
                      audio="none", lang="en")
    assert "two voices detected" in (tmp_path / "out" / "mixed" / "report.html").read_text()
    m = rep["mono"]
    assert m["two_voices"] and m["method"] == "profile" and m["agent_voice"] == "A"
    assert "two voices detected" in m["note"] and "profile" in m["note"]
    assert "overlap detection unavailable in mono" in m["note"]
    # the agent's loudness hears both voices where they overlap (README, which rules disagree)
    assert "the agent's loudness also hears the customer" in m["note"]
    assert rep["roles"]["attribution"] == "profile"
    conv = rep["summary"]["conversation"]
    assert conv["overlap_available"] is False and conv["overlap_s"] is None
    assert rep["stats"]["customer"]["pitch_median_hz"] > rep["stats"]["agent"][
        "pitch_median_hz"] * 1.3  # the female customer's pitch is not the agent's
    assert not any(e["kind"] in ("interruption", "overlap") for e in rep["events"])
    line = summary_line("mixed", rep)
    assert "mono file with two voices detected" in line and "overlap n/a" in line
    assert "interruptions n/a, backchannels n/a" in line
    assert conv["backchannels"] is None and rep["summary"]["agent"]["backchannels"] is None
    page = (tmp_path / "out" / "mixed" / "report.html").read_text()
    assert ">None<" not in page and "| None" not in page and "0.0 / 10 min" not in page
    assert "None ×" not in page  # the overlap row says why it is not measured
    from voicecoach.i18n import texts

    assert texts(rep["config"]["lang"]).REPORT["overlap_mono"] in page
    # without a profile: by clustering, and the note says how to pick the other voice;
    # each column keeps the other party at -10 dB here, loud enough for the tracker to
    # find overlaps and interruptions in the columns: they are withheld all the same
    cfg10 = load_config(overrides={"mono": {"other_party_db": -10.0}})
    rep2 = review_call(_file_call(path, 0, cfg10), tmp_path / "out2", cfg10, render=False,
                       audio="none")
    assert rep2["mono"]["method"] == "clustering" and rep2["mono"]["agent_by"] == "first"
    assert rep2["summary"]["customer"]["talk_s"] > 5
    assert not any(e["kind"] in ("interruption", "overlap", "turn_end_overlap")
                   for e in rep2["events"])
    # the note speaks the report's language (here the configuration's, French)
    assert rep2["mono"]["note"].startswith("fichier mono avec deux voix détectées\u00a0:")
    assert "--mono-agent second" in rep2["mono"]["note"]


def test_split_columns_take_the_mix_speech_probabilities(tmp_path: Path, male_female,
                                                         agent_profile, monkeypatch) -> None:
    """A split mono call's columns are judged by one Silero network run on the mix
    (review.mono.mix_vad), not by a network on each attenuated column: a network that
    hears no speech in the mix leaves neither party any talk time."""
    from voicecoach.review import one_call

    class Deaf:
        def process(self, block: np.ndarray) -> np.ndarray:
            return np.zeros(block.size // HOP, np.float32)

    y, _ = male_female
    path = tmp_path / "mixed.wav"
    sf.write(path, y.sum(axis=1), SR)
    cfg = load_config()
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "a", cfg, profile=agent_profile,
                      render=False, audio="none")
    assert rep["mono"]["two_voices"] and rep["summary"]["agent"]["talk_s"] > 5
    monkeypatch.setattr(one_call, "mix_vad", lambda config: Deaf())
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "b", cfg, profile=agent_profile,
                      render=False, audio="none")
    assert rep["mono"]["two_voices"]
    assert not rep["summary"]["agent"]["talk_s"] and not rep["summary"]["customer"]["talk_s"]


def test_review_single_voice_mono_stays_single_party(tmp_path: Path) -> None:
    """Under ``--mono-voices detect`` a one-voice file is reviewed as the agent alone, with
    the hint for mixed recorders; under the default (``two``) it is split, and the note says
    the detector found one voice and how to review it whole."""
    y, _ = build_call("en", "en", AGENT_LINES[:4], CUSTOMER_LINES[:4])
    path = tmp_path / "alone.wav"
    sf.write(path, y.sum(axis=1), SR)
    cfg = load_config(overrides=DETECT)
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "out", cfg, render=False,
                      audio="none", lang="en")
    assert rep["mono"]["two_voices"] is False
    assert rep["stats"]["customer"] is None
    assert rep["summary"]["conversation"]["available"] is False
    assert "one voice detected" in rep["mono"]["note"]
    assert "review with --mono-voices two" in rep["mono"]["note"]
    cfg = load_config()
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "out2", cfg, render=False,
                      audio="none", lang="en")
    m = rep["mono"]
    assert m["two_voices"] is True and m["detected"] is False
    assert m["note"].startswith("mono file with two voices assumed (--mono-voices two, the "
                                "default; the detector alone found one: if the file holds one "
                                "voice, review with --mono-voices detect)")
    assert rep["stats"]["customer"] is not None


def test_a_profile_from_another_band_is_noted(tmp_path: Path, male_female,
                                             agent_profile) -> None:
    """A wideband profile on an 8 kHz recording (or the reverse): the report, its console
    line and a what-if with that profile say that pitch and pace read differently there;
    the same band, an unknown band or no profile: no note."""
    import soxr

    from voicecoach.analysis.band import TelephoneLine
    from voicecoach.review.whatif import recoach_call

    y, _ = male_female
    assert agent_profile.calibration_rate_hz == SR
    line = np.column_stack([TelephoneLine(SR).process(y[:, c]) for c in range(y.shape[1])])
    sf.write(tmp_path / "tel.wav", soxr.resample(line, SR, 8000), 8000)  # over a line
    sf.write(tmp_path / "voip.wav", soxr.resample(y, SR, 8000), 8000)  # 8 kHz, lows kept
    sf.write(tmp_path / "wide.wav", y, SR)
    cfg = load_config(overrides={"baseline": {"telephone_references": True}})
    rep = review_call(_file_call(tmp_path / "tel.wav", 0, cfg), tmp_path / "o", cfg,
                      profile=agent_profile, render=False, audio="none", lang="en")
    band = rep["band"]
    assert band["profile_rate_hz"] == SR and band["call_rate_hz"] == 8000
    assert band["note"].startswith("the profile was calibrated on wideband audio (16 kHz) "
                                   "and the agent's channel is telephone audio (8 kHz)")
    assert band["note"] in summary_line("tel", rep)
    # judged against the profile's telephone-band references, and said so
    assert band["reference"] == "telephone" and "telephone-band references" in band["note"]
    assert rep["audio"]["agent_lows_cut"] is True
    assert rep["summary"]["coach"]["baseline"]["agent"]["loudness_level_db"] == pytest.approx(
        agent_profile.for_rate(8000).loudness_level_db, abs=1e-3)
    # 8 kHz audio that kept its lows (VoIP): the profile's own references fit it
    voip = review_call(_file_call(tmp_path / "voip.wav", 0, cfg), tmp_path / "o4", cfg,
                       profile=agent_profile, render=False, audio="none", lang="en")
    assert voip["audio"]["agent_lows_cut"] is False
    assert voip["band"]["reference"] == "profile"
    assert voip["summary"]["coach"]["baseline"]["agent"]["loudness_level_db"] == pytest.approx(
        agent_profile.loudness_level_db, abs=1e-3)
    old = review_call(_file_call(tmp_path / "tel.wav", 0, cfg), tmp_path / "o2", cfg,
                      profile=agent_profile.replace(telephone=None), render=False,
                      audio="none", lang="en")  # a profile made before the references
    assert old["band"]["reference"] == "profile" and "may be false" in old["band"]["note"]
    off = load_config()  # the default: telephone_references = false
    own = review_call(_file_call(tmp_path / "tel.wav", 0, off), tmp_path / "o3", off,
                      profile=agent_profile, render=False, audio="none", lang="en")
    assert own["band"]["reference"] == "profile" and own["audio"]["agent_lows_cut"] is None
    assert own["summary"]["coach"]["baseline"]["agent"]["loudness_level_db"] == pytest.approx(
        agent_profile.loudness_level_db, abs=1e-3)
    new, _ = recoach_call(tmp_path / "o" / "tel", tmp_path / "w", cfg, profile=agent_profile,
                          render=False, lang="fr")
    assert new["band"]["note"].startswith("le profil a été calibré sur un enregistrement "
                                          "large bande (16 kHz)")
    assert new["band"]["reference"] == "telephone"  # the what-if keeps the call's rates
    assert new["summary"]["coach"]["baseline"]["agent"] == rep["summary"]["coach"][
        "baseline"]["agent"]
    new, _ = recoach_call(tmp_path / "o" / "tel", tmp_path / "w2", cfg, render=False)
    assert "band" not in new  # no profile: the call's own baseline, on its own band
    unknown = agent_profile.replace(calibration_rate_hz=None)  # a profile made before it
    for path, prof in (("wide.wav", agent_profile), ("tel.wav", unknown),
                       ("tel.wav", agent_profile.replace(calibration_rate_hz=8000.0))):
        rep = review_call(_file_call(tmp_path / path, 0, cfg), tmp_path / "o", cfg,
                          profile=prof, render=False, audio="none")
        assert "band" not in rep, (path, prof.calibration_rate_hz)


def test_swapped_channels_are_noted(tmp_path: Path, male_female, agent_profile) -> None:
    y, _ = male_female
    cfg = load_config()
    right, swapped = tmp_path / "right.wav", tmp_path / "swapped.wav"
    sf.write(right, y, SR)
    sf.write(swapped, y[:, ::-1], SR)
    rep = review_call(_file_call(right, 0, cfg), tmp_path / "o1", cfg, profile=agent_profile,
                      render=False, audio="none")
    assert rep["channels"]["swapped"] is False and rep["channels"]["note"] is None
    assert rep["channels"]["fit"][0] > rep["channels"]["fit"][1]
    rep = review_call(_file_call(swapped, 0, cfg), tmp_path / "o2", cfg, profile=agent_profile,
                      render=False, audio="none", lang="en")
    assert rep["channels"]["swapped"] is True
    assert "--agent-channel 1" in rep["channels"]["note"]
    assert "channels may be swapped" in summary_line("swapped", rep)
    # the agent said to be on channel 1 of the right file: that is the swap
    from voicecoach.review.mono import channel_check

    got = channel_check(_file_call(right, 1, cfg), cfg, agent_profile, "en")
    assert got["swapped"] is True and "--agent-channel 0" in got["note"]
    # no voice model: no check
    rep = review_call(_file_call(swapped, 0, cfg), tmp_path / "o3", cfg,
                      profile=agent_profile.replace(voice=None), render=False, audio="none")
    assert "channels" not in rep


def test_cli_mono_agent_option(tmp_path: Path, male_female, capsys) -> None:
    from voicecoach.cli import main

    y, _ = male_female
    path = tmp_path / "mixed.wav"
    sf.write(path, y.sum(axis=1), SR)
    rc = main(["review", str(path), "--out", str(tmp_path / "out"), "--no-html",
               "--audio-copy", "none", "--mono-agent", "second", "--lang", "en"])
    assert rc == 0
    rep = json.loads((tmp_path / "out" / "mixed" / "report.json").read_text())
    assert rep["mono"]["agent_voice"] == "B" and rep["mono"]["agent_by"] == "second"
    assert "--mono-agent first" in rep["mono"]["note"]
    assert rep["stats"]["agent"]["pitch_median_hz"] > rep["stats"]["customer"][
        "pitch_median_hz"] * 1.3  # the agent's column holds the second (female) voice
    err = capsys.readouterr()
    assert "two voices detected" in err.out + err.err


def test_cli_mono_voices_option(tmp_path: Path, capsys) -> None:
    """``review --mono-voices two`` on a one-voice mono file: attributed as two voices, and
    the note says the detector alone found one (the trainer's claim, not a detection)."""
    from voicecoach.cli import main

    y, _ = build_call("en", "en", AGENT_LINES[:4], CUSTOMER_LINES[:4])
    path = tmp_path / "alone.wav"
    sf.write(path, y.sum(axis=1), SR)
    for voices in ("detect", "two"):
        rc = main(["review", str(path), "--out", str(tmp_path / voices), "--no-html",
                   "--audio-copy", "none", "--mono-voices", voices, "--lang", "en"])
        assert rc == 0
        rep = json.loads((tmp_path / voices / "alone" / "report.json").read_text())
        assert rep["mono"]["detected"] is False
        assert rep["mono"]["two_voices"] is (voices == "two")
        assert ("assumed (--mono-voices two, the default; the detector alone found one"
                in rep["mono"]["note"]) is (voices == "two")
        assert (rep["stats"]["customer"] is None) is (voices == "detect")
        assert "--mono-voices two" in rep["mono"]["note"]  # detect: the hint, two: the claim


def test_mono_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="first"):
        load_config(overrides={"mono": {"agent": "third"}})
    with pytest.raises(ConfigError, match="fmin_hz"):
        load_config(overrides={"mono": {"fmin_hz": 3000.0, "fmax_hz": 2000.0}})
    with pytest.raises(ConfigError, match="starts"):
        load_config(overrides={"mono": {"starts": 0}})
    with pytest.raises(ConfigError, match="first_sure"):
        load_config(overrides={"mono": {"first_sure": 0.3}})
    with pytest.raises(ConfigError, match="voices must be"):
        load_config(overrides={"mono": {"voices": "three"}})
    assert math.isfinite(load_config().mono.swap_margin)


def test_reports_do_not_carry_the_voice_model(agent_profile) -> None:
    assert "voice" not in agent_profile.to_dict(voice=False)
    assert agent_profile.to_dict()["voice"] == agent_profile.voice
    from voicecoach.coach import Coach

    summary = Coach(load_config(), "en", agent_profile).summary()
    assert "voice" not in summary["baseline"]["agent"]  # the report stays small
    from voicecoach.profiles import format_profile

    assert "16 Gaussians" in format_profile(agent_profile)
    assert "none (calibrate again" in format_profile(agent_profile.replace(voice=None))


def test_whatif_keeps_the_mono_attribution(tmp_path: Path, male_female) -> None:
    from voicecoach.cli import main

    y, _ = male_female
    path = tmp_path / "mixed.wav"
    sf.write(path, y.sum(axis=1), SR)
    # each column keeps the other party at -10 dB: the tracker finds overlaps in them
    first = tmp_path / "first.toml"
    first.write_text("[mono]\nother_party_db = -10.0\n")
    assert main(["review", str(path), "--out", str(tmp_path / "out"), "--no-html",
                 "--audio-copy", "none", "--config", str(first)]) == 0
    user = tmp_path / "other.toml"  # re-runs the tracker too
    user.write_text("[mono]\nother_party_db = -10.0\n[conversation]\nmin_overlap_s = 0.3\n"
                    "[coach.rules.jump_in]\nthreshold = 1\n")
    assert main(["review", "--reuse", str(tmp_path / "out" / "mixed"), "--config", str(user),
                 "--out", str(tmp_path / "w"), "--no-html"]) == 0
    rep = json.loads((tmp_path / "w" / "mixed" / "report.json").read_text())
    assert rep["whatif"]["reused"]["conversation"] is False
    assert rep["mono"]["two_voices"] and rep["roles"]["attribution"] == "clustering"
    assert rep["summary"]["conversation"]["overlap_s"] is None
    assert rep["summary"]["customer"]["talk_s"] > 5
    assert not any(e["kind"] in ("interruption", "overlap", "turn_end_overlap")
                   for e in rep["events"])


def test_mono_split_has_no_agent_onset_pad(tmp_path: Path, male_female, agent_profile,
                                          monkeypatch) -> None:
    """Each hop of a split mono call is one party's: the agent's onset pad (which would
    overlap the customer's last hops, a turn-end overlap instead of a jump-in) is off in the
    review and in a what-if that re-runs the tracker, and on for a stereo call."""
    from voicecoach.pipeline import CallAnalyzer
    from voicecoach.review import one_call, whatif

    seen: list[tuple[int, float]] = []

    class Recording(CallAnalyzer):
        def __init__(self, config, *args, **kwargs) -> None:
            super().__init__(config, *args, **kwargs)
            seen.append((kwargs.get("parties", 1), config.conversation.agent_onset_pad_s))

    monkeypatch.setattr(one_call, "CallAnalyzer", Recording)
    monkeypatch.setattr(whatif, "CallAnalyzer", Recording)
    y, _ = male_female
    sf.write(tmp_path / "mixed.wav", y.sum(axis=1), SR)
    sf.write(tmp_path / "stereo.wav", y, SR)
    cfg = load_config()
    assert cfg.conversation.agent_onset_pad_s > 0
    rep = review_call(_file_call(tmp_path / "mixed.wav", 0, cfg), tmp_path / "o", cfg,
                      profile=agent_profile, render=False, audio="none")
    assert rep["mono"]["two_voices"] and seen == [(2, 0.0)]
    cfg2 = cfg.replace(conversation={"min_overlap_s": 0.3})  # re-runs the tracker
    new, _ = whatif.recoach_call(tmp_path / "o" / "mixed", tmp_path / "w", cfg2,
                                 profile=agent_profile, render=False)
    assert new["whatif"]["reused"]["conversation"] is False
    assert seen[-1] == (2, 0.0)
    review_call(_file_call(tmp_path / "stereo.wav", 0, cfg), tmp_path / "s", cfg,
                profile=agent_profile, render=False, audio="none")
    assert seen[-1] == (2, cfg.conversation.agent_onset_pad_s)


def test_old_profile_gets_a_voice_model_from_kept_calibration_audio(tmp_path: Path,
                                                                     agent_profile) -> None:
    from voicecoach.profiles import ProfileStore
    from voicecoach.review.mono import with_voice_model

    cfg = load_config()
    store = ProfileStore(tmp_path / "profiles")
    old = agent_profile.replace(voice=None)  # calibrated before voice models
    store.save(old, "alice")
    assert with_voice_model(store.load("alice"), "alice", cfg, str(store.directory)).voice is None
    sf.write(store.path("alice").with_suffix(".wav"), say(CALIBRATION_LINES, "en"), SR)
    got = with_voice_model(store.load("alice"), "alice", cfg, str(store.directory))
    assert got.voice is not None and got.voice["pitch_st"] is not None
    # ... as good as the stored one: it tells the agent on a mono call
    y, truth = build_call("en+f4", "en", CUSTOMER_LINES, AGENT_LINES, seed=3)
    ceps, speech, f0 = scan(blocks(y.sum(axis=1)), cfg)
    d = diarize(ceps, speech, f0, cfg, agent_model=got.voice)
    assert d.two_voices and right_fraction(d.labels, truth, 1, d.agent) >= 0.9
    # a .toml path finds the audio beside it too
    path = store.path("alice")
    assert with_voice_model(old, str(path), cfg).voice is not None


def test_two_voices_the_profile_cannot_tell_apart_are_warned(tmp_path: Path, male_female) -> None:
    x = say(CALIBRATION_LINES, "en+m3")  # a third voice: the profile fits neither clearly
    other = calibrate_array(np.concatenate([x, x]), SR, name="other")
    y, _ = male_female
    path = tmp_path / "mixed.wav"
    sf.write(path, y.sum(axis=1), SR)
    cfg = load_config(overrides=DETECT)
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "out", cfg, profile=other,
                      render=False, audio="none", lang="en")
    m = rep["mono"]
    assert m["two_voices"] is False and m["unattributed"] is True
    assert "two voices may be present" in m["note"] and "not attributed" in m["note"]
    assert rep["stats"]["customer"] is None  # nothing was attributed
    # the default assumes two voices: the profile names the agent, weakly, and says so
    cfg = load_config()
    rep = review_call(_file_call(path, 0, cfg), tmp_path / "out2", cfg, profile=other,
                      render=False, audio="none", lang="en")
    m = rep["mono"]
    assert m["two_voices"] is True and m["profile_unfit"] is True and not m["unattributed"]
    assert m["method"] == "profile" and m["detected"] is False
    assert ("attributed by the profile's voice model (weakly: the profile's voice model does "
            "not make either voice stand out") in m["note"]
    assert rep["stats"]["customer"] is not None


# ----------------------------------------------------------------------------- benchmark


def test_benchmark_scores_and_calibration_split() -> None:
    from benchmarks import mono_calls as mc
    from benchmarks.realcalls import Call as RCall
    from benchmarks.realcalls import Clip, Voice

    call = RCall("x", np.zeros((100 * HOP, 2), np.float32), [], (),
                 {"agent": [(0.0, 0.4)], "customer": [(0.3, 0.8)]})
    labels = np.full(100, -1, np.int8)
    labels[0:30] = 0  # agent alone 0-0.3 s: right
    labels[30:40] = 1  # both speak: not scored
    labels[40:60] = 1  # customer alone: right
    labels[60:80] = 0  # customer alone: wrong
    s = mc.attribution_scores(call, labels, 0)
    assert s["n_hops"] == 70 and s["attributed"] == pytest.approx(50 / 70, abs=1e-3)
    assert mc.attribution_scores(call, labels, 1)["attributed"] == pytest.approx(20 / 70, abs=1e-3)
    assert s["purity"] == pytest.approx(50 / 70, abs=1e-3)
    # as the review applies a one-voice verdict: everything on the agent (30 of the 70)
    alone = mc.attribution_scores(call, np.where(labels >= 0, 0, -1), 0)["attributed"]
    assert alone == pytest.approx(30 / 70, abs=1e-3)
    from voicecoach.conversation.diarize import Diarization

    d = Diarization(labels, False, 0.0, "clustering", None, "first", voices=[{}, {}])
    assert mc._agent_share_two(d) == pytest.approx(50 / 80, abs=1e-3)
    assert mc._agent_share_two(Diarization(labels, False, 0.0, "clustering", None, "none")) == 1
    clips = [Clip(np.full(SR * 2, i, np.float32)) for i in range(30)]
    v, cal = mc.split_voice(Voice("v", "m", clips))
    used = {float(c.x[0]) for c in v.turns}
    assert len(cal) / SR <= mc.CALIBRATION_S + 2.4 and len(v.turns) + len(cal) // (SR * 2) >= 30
    assert not used & set(np.unique(cal[cal > 0]).tolist())  # no clip in both


def test_benchmark_holdout_split_is_the_realcalls_holdout(monkeypatch) -> None:
    """``mono_calls --split holdout`` pairs the voices of ``realcalls``' holdout split and
    loads them through it (one definition of what the holdout voices are)."""
    from benchmarks import mono_calls as mc
    from benchmarks import realcalls as rc

    assert mc.MONO_SPLITS["holdout"] == rc.SPLITS["holdout"].pairs
    seen: list[tuple[str, frozenset]] = []
    monkeypatch.setattr(mc, "_load_voices", lambda split, drop: seen.append((split, drop)) or {})
    assert mc.voices("holdout") == {}
    assert seen == [("holdout", frozenset())]
    with pytest.raises(ValueError, match="dev, test or holdout"):
        mc.voices("other")


def test_benchmark_telephone_channel_is_8khz_per_leg() -> None:
    """benchmarks.mono_calls.telephone8: the 8 kHz files the 8 kHz nudge comparison reviews.
    Each stereo leg goes over its own line (no crosstalk), the band is 300-3400 Hz, and the
    16 kHz copy the attribution scans keeps the input's length."""
    from benchmarks import mono_calls as mc

    t = np.arange(SR * 2) / SR
    tone_1k = 0.3 * np.sin(2 * np.pi * 1000 * t)
    tone_100 = 0.3 * np.sin(2 * np.pi * 100 * t)
    y = mc.telephone8(np.stack([tone_1k, np.zeros_like(t)], axis=1))
    assert y.shape == (SR, 2) and y.dtype == np.float32
    assert np.max(np.abs(y[:, 1])) < 1e-6  # the silent leg stays silent
    np.testing.assert_array_equal(y[:, 0], mc.telephone8(tone_1k))

    def rms_db(x: np.ndarray) -> float:
        return 10 * np.log10(np.mean(x[2000:-2000] ** 2) + 1e-20)  # 100 Hz leaves digital silence

    assert abs(rms_db(y[:, 0]) - rms_db(tone_1k)) < 1.0  # in band: within 1 dB (mu-law)
    assert rms_db(mc.telephone8(tone_100)) < rms_db(tone_100) - 20  # 100 Hz: out of band
    assert mc.telephone(tone_1k, np.random.default_rng(0)).shape == tone_1k.shape


def test_mel_filters_match_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    from voicecoach.conversation.diarize import mel_filters

    want = librosa.filters.mel(sr=SR, n_fft=512, n_mels=24, fmin=250.0, fmax=3500.0, norm=None)
    np.testing.assert_allclose(mel_filters(SR, 512, 24, 250.0, 3500.0), want, atol=1e-5)


def test_stricter_stability_recount_only_removes_declarations() -> None:
    """benchmarks.mono_calls.stricter_detections: a what-if on a saved result; a file stays
    two voices at a stricter stability_min only if it was declared and is stable enough."""
    from benchmarks.mono_calls import stricter_detections

    res = {
        "conditions": {"mono16": {"per_call": [
            {"clustering": {"two_voices": True, "stability": 0.95}},
            {"clustering": {"two_voices": True, "stability": 0.87}},
            {"clustering": {"two_voices": False, "stability": 0.99}},  # refused elsewhere
        ]}},
        "single_speaker": {"per_file": [
            {"condition": "mono8", "two_voices": True, "stability": 0.89, "expressive": True},
            {"condition": "mono8", "two_voices": True, "stability": 0.93, "expressive": True},
            {"condition": "mono8", "two_voices": False, "stability": 0.5},
        ]},
        "extended_negatives_per_file": [
            {"group": "expressive_m", "condition": "mono16", "two_voices": True,
             "stability": 0.9},
        ],
    }
    assert stricter_detections(res, 0.86) == {
        "calls mono16": "2/3", "expressive mono8": "2/2", "ext expressive_m mono16": "1/1",
        "single mono8": "0/1"}
    assert stricter_detections(res, 0.9) == {
        "calls mono16": "1/3", "expressive mono8": "1/2", "ext expressive_m mono16": "1/1",
        "single mono8": "0/1"}
