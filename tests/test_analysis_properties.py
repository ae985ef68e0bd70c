"""Streaming properties of the analysis core (the madmom triad, plus channel independence)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.analysis import Analyzer, ChannelAnalyzer, Features
from voicecoach.config import load_config

from .conftest import HOP, espeak, vowelish


@pytest.fixture(scope="module")
def signal() -> np.ndarray:
    # harmonic bursts (webrtc and pitch paths) then a spoken sentence (the Silero VAD, the
    # default, calls only speech-like sound speech), with noise throughout
    rng = np.random.default_rng(7)
    speech = espeak("Bonjour, je vous appelle au sujet de votre facture du mois dernier.")
    speech = 0.3 * speech / np.abs(speech).max() + rng.normal(0, 0.002, speech.shape)
    x = np.concatenate([vowelish(6.0, 140.0, rng), speech.astype(np.float32)])
    return x[: x.shape[0] // HOP * HOP]


@pytest.fixture(scope="module")
def whole(signal: np.ndarray) -> Features:
    return ChannelAnalyzer().process(signal)


def run_cut(signal: np.ndarray, sizes_hops: list[int]) -> Features:
    an = ChannelAnalyzer()
    parts, pos = [], 0
    n_hops = signal.shape[0] // HOP
    i = 0
    while pos < n_hops:
        k = min(sizes_hops[i % len(sizes_hops)], n_hops - pos)
        parts.append(an.process(signal[pos * HOP : (pos + k) * HOP]))
        pos += k
        i += 1
    return Features.concat(parts)


def test_whole_signal_has_every_feature(whole: Features) -> None:
    # the fixture must exercise what the invariance tests compare
    assert whole.voiced.any() and (~whole.voiced).any()
    assert whole.speech.any() and (~whole.speech).any()
    assert whole.nucleus.sum() > 5
    assert np.isfinite(whole.syllable_rate).any()


@pytest.mark.parametrize("hops", [1, 7, 100])
def test_fixed_block_sizes_equal_whole(signal: np.ndarray, whole: Features, hops: int) -> None:
    assert run_cut(signal, [hops]).equals(whole)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=12))
def test_any_cutting_equals_whole(signal: np.ndarray, whole: Features, sizes: list[int]) -> None:
    sizes = [s for s in sizes if s > 0] or [1]
    assert run_cut(signal, sizes).equals(whole)


def test_empty_block_is_a_no_op(signal: np.ndarray, whole: Features) -> None:
    an = ChannelAnalyzer()
    first = an.process(signal[: 50 * HOP])
    assert len(an.process(signal[:0])) == 0
    rest = an.process(signal[50 * HOP :])
    assert Features.concat([first, rest]).equals(whole)


def test_reset_restores_initial_state(signal: np.ndarray, whole: Features) -> None:
    an = ChannelAnalyzer()
    an.process(signal)
    an.reset()
    assert an.samples_seen == 0
    assert an.process(signal).equals(whole)
    # reset in the middle of voiced speech (the signal's end is noise, which hides state
    # left in the pitch tracker and the speech hysteresis)
    mid = np.flatnonzero(whole.voiced & whole.speech)
    k = int(mid[mid.size // 2]) + 1
    an.reset()
    an.process(signal[: k * HOP])
    an.reset()
    assert an.process(signal).equals(whole)


def test_state_is_carried_without_reset(signal: np.ndarray, whole: Features) -> None:
    an = ChannelAnalyzer()
    an.process(signal)
    again = an.process(signal)
    assert again.t_s[0] == pytest.approx(len(whole) * 0.01)
    # carried state (noise floor, history, rolling windows) makes the rows differ
    assert not np.array_equal(again.syllable_rate, whole.syllable_rate, equal_nan=True)


def test_two_channels_equal_each_alone(signal: np.ndarray, whole: Features) -> None:
    other = vowelish(signal.shape[0] / 16000, 220.0, np.random.default_rng(8))[: signal.shape[0]]
    both = Analyzer(2).process(np.stack([signal, other], axis=1))
    assert both[0].equals(whole)
    assert both[1].equals(ChannelAnalyzer().process(other))


def test_times_come_from_the_sample_count(whole: Features) -> None:
    np.testing.assert_allclose(whole.t_s, np.arange(len(whole)) * 0.01, rtol=0, atol=1e-12)


def test_int16_and_float64_inputs_match_float32(signal: np.ndarray) -> None:
    pcm = np.clip(np.round(signal * 32768), -32768, 32767).astype(np.int16)
    a = ChannelAnalyzer().process(pcm)
    b = ChannelAnalyzer().process(pcm.astype(np.float32) / 32768)
    assert a.equals(b)
    c = ChannelAnalyzer().process(signal.astype(np.float64))
    assert c.equals(ChannelAnalyzer().process(signal))


@pytest.mark.parametrize("sizes", [[1], [2, 1], [7, 100, 3]])
def test_harmonic_check_cutting_equals_whole(signal: np.ndarray, sizes: list[int]) -> None:
    # the harmonic check's band-pass carries its filter state across blocks
    cfg = load_config().replace(pitch={"harmonic_check": "on"})
    whole = ChannelAnalyzer(cfg).process(signal)
    an = ChannelAnalyzer(cfg)
    parts, pos, i, n_hops = [], 0, 0, signal.shape[0] // HOP
    while pos < n_hops:
        k = min(sizes[i % len(sizes)], n_hops - pos)
        parts.append(an.process(signal[pos * HOP : (pos + k) * HOP]))
        pos, i = pos + k, i + 1
    assert Features.concat(parts).equals(whole)
    assert not whole.equals(ChannelAnalyzer().process(signal))  # the check is in use
    both = Analyzer(2, cfg).process(np.stack([signal, signal[::-1].copy()], axis=1))
    assert both[0].equals(whole)


def test_channels_with_and_without_the_harmonic_check(signal: np.ndarray, whole: Features) -> None:
    # the call pipeline's columns can differ (a telephone-rate far end, a wideband agent):
    # each channel still equals itself alone, with one kernel per channel
    both = Analyzer(2, None, [False, True]).process(np.stack([signal, signal], axis=1))
    assert both[0].equals(whole)
    assert both[1].equals(ChannelAnalyzer(harmonic=True).process(signal))
    assert not both[1].equals(whole)


def test_given_speech_probabilities_replace_a_channels_network(signal: np.ndarray,
                                                               whole: Features) -> None:
    # the mono review gives both split columns the network's judgment of the mix
    # (Analyzer.process vad_prob): the network's own values reproduce the channel exactly,
    # zeros silence it, and the other channel still runs its own network
    from voicecoach.analysis.silero import SileroVad
    from voicecoach.errors import ParameterError

    own = SileroVad().process(signal)
    x2 = np.stack([signal, signal], axis=1)
    a, b = Analyzer(2).process(x2, vad_prob=[own, None])
    assert a.equals(whole) and b.equals(whole)
    assert whole.speech.any()
    a, b = Analyzer(2).process(x2, vad_prob=[np.zeros_like(own), None])
    assert not a.speech.any() and b.equals(whole)
    with pytest.raises(ParameterError, match="vad_prob needs one entry per channel"):
        Analyzer(2).process(x2, vad_prob=[own[:-1], None])
    # the given channel's network does not advance: a later block without given values
    # reads it as it was (fresh here), as if that block's own fresh run had been given
    mid = np.flatnonzero(whole.speech)
    k = int(mid[mid.size // 2])  # within speech: a fresh network and an advanced one differ
    first = [np.zeros(k, np.float32), None]
    ran, gave = Analyzer(2), Analyzer(2)
    ran.process(x2[: k * HOP], vad_prob=first)
    gave.process(x2[: k * HOP], vad_prob=first)
    fresh = SileroVad().process(signal[k * HOP :])
    a_ran, _ = ran.process(x2[k * HOP :])
    a_gave, _ = gave.process(x2[k * HOP :], vad_prob=[fresh, None])
    assert a_ran.equals(a_gave)


def test_harmonic_check_follows_the_source_rate() -> None:
    from voicecoach.config import harmonic_check_on
    from voicecoach.pipeline import CallAnalyzer

    cfg = load_config()
    assert cfg.pitch.harmonic_check == "auto"
    assert CallAnalyzer(cfg, source_rates_hz=[16000, 8000]).harmonic == [False, True]
    assert CallAnalyzer(cfg, source_rates_hz=[8000, 8000]).harmonic == [True, True]
    assert CallAnalyzer(cfg).harmonic == [False, False]  # live: rates unknown
    far = cfg.replace(pitch={"harmonic_check": "far"})
    assert CallAnalyzer(far).harmonic == [False, True]
    assert CallAnalyzer(far, parties=1, source_rates_hz=[48000]).harmonic == [False]
    assert not harmonic_check_on(cfg.replace(pitch={"harmonic_check": "off"}).pitch, 8000, True)
    assert harmonic_check_on(cfg.replace(pitch={"harmonic_check": "on"}).pitch, 48000, False)
    with pytest.raises(ValueError, match="one rate"):
        CallAnalyzer(cfg, source_rates_hz=[8000])
