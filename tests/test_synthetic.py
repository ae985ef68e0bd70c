"""Tests of the synthetic speech generator: the truth must agree with the signal.

Where possible the signal is measured here with independent estimators (normalised
autocorrelation for the period, a smoothed intensity curve for syllable nuclei,
cross-correlation for bleed) rather than trusting the generator's bookkeeping.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal as sps

from voicecoach.sources.synthetic import (
    F0_MAX_HZ,
    F0_MIN_HZ,
    SpeechTruth,
    Utterance,
    demo_script,
    derive_events,
    synth_call,
    synth_speech,
)

SR = 16000


# ------------------------------------------------------------------ helpers


def nccf_f0(x: np.ndarray, sr: int = SR, window: int = 480) -> tuple[float, float]:
    """F0 (Hz) and period (samples) of ``x[:window]`` by normalised cross-correlation.

    Takes the first local maximum reaching 85 % of the best correlation over lags
    for 60–500 Hz, refined by parabolic interpolation. ``x`` must hold at least
    ``window + sr / 60 + 2`` samples.
    """
    lmin, lmax = int(sr / 500), math.ceil(sr / 60) + 1
    seg = x[:window].astype(float)
    e0 = float(seg @ seg)
    r = np.empty(lmax - lmin + 1)
    for j, lag in enumerate(range(lmin, lmax + 1)):
        other = x[lag : lag + window].astype(float)
        r[j] = float(seg @ other) / math.sqrt(e0 * float(other @ other) + 1e-30)
    thr = 0.85 * r.max()
    i = next(
        i for i in range(1, len(r) - 1) if r[i] >= thr and r[i] >= r[i - 1] and r[i] >= r[i + 1]
    )
    a, b, c = r[i - 1], r[i], r[i + 1]
    period = lmin + i + 0.5 * (a - c) / (a - 2 * b + c)
    return sr / period, period


def cents(f: float | np.ndarray, ref: float | np.ndarray) -> np.ndarray:
    return 1200.0 * np.log2(np.asarray(f) / np.asarray(ref))


def rms_db(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return 10.0 * math.log10(float(np.mean(x * x)))


def sample_times(n: int) -> np.ndarray:
    return np.arange(n) / SR


def f0_errors_cents(y: np.ndarray, truth: SpeechTruth, window: int = 480) -> np.ndarray:
    """Measured-vs-truth F0 error (cents) on windows stepping through every nucleus."""
    need = window + math.ceil(SR / 60) + 3
    errs = []
    for s in truth.syllables:
        a, b = round(s.start_s * SR), round(s.end_s * SR)
        for n0 in range(a + 80, b - need, 200):
            f, period = nccf_f0(y[n0 : n0 + need], window=window)
            t_c = (n0 + (window + period) / 2) / SR
            errs.append(float(cents(f, truth.f0_at(t_c))))
    return np.abs(np.array(errs))


# ------------------------------------------------------------------ single voice


@pytest.fixture(scope="module")
def steady():
    return synth_speech(duration_s=6.0, f0_hz=137.0, glide_st=0.0, declination_st=0.0, seed=5)


@pytest.fixture(scope="module")
def intoned():
    return synth_speech(duration_s=8.0, seed=11, f0_jitter_st=1.0)


def test_output_shape_dtype_range(intoned):
    """The signal is float32, duration x rate samples, finite and within [-1, 1]; the truth carries
    the rate, the duration, several phrases and syllables."""
    y, truth = intoned
    assert y.dtype == np.float32
    assert y.shape == (8 * SR,)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 1.0
    assert truth.sample_rate == SR and truth.duration_s == pytest.approx(8.0)
    assert len(truth.phrases) >= 2 and len(truth.syllables) >= 10


def test_steady_syllables_have_exact_period(steady):
    """A steady 137 Hz voice: every nucleus window measured by normalised cross-correlation is
    within 2 cents of the truth (median under 0.5)."""
    y, truth = steady
    assert {s.f0_start_hz for s in truth.syllables} == {137.0}
    errs = f0_errors_cents(y, truth)
    assert len(errs) > 30
    # measured: median 0.05, max 0.84 cents; a 5-cent slip of the period must show
    assert errs.max() < 2.0, errs.max()
    assert np.median(errs) < 0.5


def test_gliding_syllables_follow_truth(intoned):
    """Jittered, gliding syllables (glides over 50 cents): the measured F0 follows the truth's
    contour within 10 cents, median under 2."""
    y, truth = intoned
    glides = [abs(cents(s.f0_end_hz, s.f0_start_hz)) for s in truth.syllables]
    assert max(glides) > 50.0  # the contour really moves
    errs = f0_errors_cents(y, truth)
    assert len(errs) > 30
    # measured: median 0.74, max 4.3 cents; a 5-cent slip of the glide's phase must show
    assert errs.max() < 10.0, errs.max()
    assert np.median(errs) < 2.0, np.median(errs)


def test_callable_f0_raises_pitch_three_semitones():
    """A callable baseline 3 semitones up between 4 and 10 s: the truth says so, and the measured
    median F0 inside is 300 +- 10 cents over outside."""
    high = 120.0 * 2 ** (3 / 12)

    def contour(t):
        return np.where((t >= 4.0) & (t < 10.0), high, 120.0)

    y, truth = synth_speech(
        duration_s=14.0, f0_hz=contour, glide_st=0.0, declination_st=0.0, seed=2
    )
    inside = [s for s in truth.syllables if s.start_s >= 4.0 and s.end_s < 10.0]
    outside = [s for s in truth.syllables if s.end_s < 4.0 or s.start_s >= 10.0]
    assert len(inside) > 10 and len(outside) > 10
    assert all(s.f0_start_hz == pytest.approx(high) for s in inside)
    measured = {}
    for name, group in (("in", inside), ("out", outside)):
        fs = []
        for s in group:
            a = round((s.start_s + s.end_s) / 2 * SR) - 400
            fs.append(nccf_f0(y[a : a + 480 + 270])[0])
        measured[name] = np.median(fs)
    assert cents(measured["in"], measured["out"]) == pytest.approx(300.0, abs=10.0)


@pytest.mark.parametrize("level_db", [-40.0, -26.0, -20.0])
def test_level_and_silence(level_db):
    """Speech RMS over phrase time is level_db (+-0.5 dB); pauses are digital silence; every nucleus
    sounds and every consonant gap is >= 10 dB under its nucleus."""
    y, truth = synth_speech(duration_s=8.0, level_db=level_db, seed=7)
    t = sample_times(len(y))
    speech = truth.speech_at(t)
    assert rms_db(y[speech]) == pytest.approx(level_db, abs=0.5)
    assert not np.any(y[~speech])  # no noise requested: pauses are digital silence
    voiced = truth.voiced_at(t)
    assert np.all(speech[voiced])
    # every nucleus carries sound, and every consonant gap is >= 10 dB below its nucleus
    for s in truth.syllables:
        a, b = round(s.start_s * SR), round(s.end_s * SR)
        assert np.all(y[a + 1 : b - 1] != 0.0)
    gaps = speech & ~voiced
    labels = np.cumsum(np.diff(np.concatenate(([0], gaps.astype(np.int8)))) == 1) * gaps
    for k in range(1, labels.max() + 1):
        idx = np.flatnonzero(labels == k)
        nxt = idx[-1] + 1
        syl = next(s for s in truth.syllables if round(s.start_s * SR) == nxt)
        nuc = y[nxt : round(syl.end_s * SR)]
        gap = y[idx]
        if np.any(gap):
            assert rms_db(gap) <= rms_db(nuc) - 10.0


@pytest.mark.parametrize("noise", ["white", "pink"])
def test_snr_and_noise_colour(noise):
    """The added noise is snr_db under the speech (+-0.5 dB), covers the pauses, is zero-mean, and
    its octave-band power rises 3 dB per octave (white) or stays flat (pink); the truth is the
    clean one's."""
    clean, truth = synth_speech(duration_s=10.0, seed=3)
    noisy, truth2 = synth_speech(duration_s=10.0, seed=3, snr_db=12.0, noise=noise)
    assert truth2 == truth
    n = noisy.astype(float) - clean.astype(float)
    speech = truth.speech_at(sample_times(len(clean)))
    snr = rms_db(clean[speech]) - rms_db(n)
    assert snr == pytest.approx(12.0, abs=0.5)
    assert np.any(n[~speech] != 0.0)  # noise covers the pauses too
    assert abs(n.mean()) < 1e-3 * n.std()  # zero-mean
    f, p = sps.welch(n, fs=SR, nperseg=4096)
    octave = [p[(f >= lo) & (f < 2 * lo)].sum() for lo in (125.0, 500.0, 2000.0)]
    slope_db = 10 * np.log10(octave[2] / octave[0]) / 4  # per octave
    expect = 0.0 if noise == "pink" else 3.0
    assert slope_db == pytest.approx(expect, abs=0.6)


def test_same_seed_same_output_different_seed_differs():
    """The same seed gives the same signal and truth; another seed changes both."""
    y1, t1 = synth_speech(duration_s=4.0, seed=9, snr_db=20.0)
    y2, t2 = synth_speech(duration_s=4.0, seed=9, snr_db=20.0)
    y3, t3 = synth_speech(duration_s=4.0, seed=10, snr_db=20.0)
    assert np.array_equal(y1, y2) and t1 == t2
    assert not np.array_equal(y1, y3)
    assert t1 != t3


@pytest.mark.parametrize("rate", [3.0, 5.0, 8.0])
def test_syllable_count_per_phrase_matches_rate(rate):
    """At a constant rate r each phrase holds round(duration x r) syllables, the last ending at the
    phrase end; the truth's rate is r; slots vary within +-15 %."""
    _, truth = synth_speech(duration_s=15.0, syllable_rate=rate, seed=4)
    assert truth.syllable_rate() == pytest.approx(rate, rel=1e-3)
    slots = []
    for p0, p1 in truth.phrases:
        syl = [s for s in truth.syllables if p0 <= s.start_s < p1]
        dur = p1 - p0
        assert len(syl) == round(dur * rate)
        assert abs(len(syl) - dur * rate) < 1.0 / SR * rate * 2  # exact up to a sample
        assert syl[-1].end_s == p1
        ends = np.array([p0] + [s.end_s for s in syl])
        slots += list(np.diff(ends) * rate)
    slots = np.array(slots)
    assert slots.min() >= 0.85 - 1e-3 and slots.max() <= 1.15 + 1e-3
    assert slots.std() > 0.02  # the variation is really there


def test_rate_contour_callable():
    """A callable rate (4 then 5 syllables/s from 8 s): every phrase wholly on one side of the
    change has that side's rate."""
    _, truth = synth_speech(
        duration_s=16.0,
        syllable_rate=lambda t: np.where(t < 8.0, 4.0, 5.0),
        phrase_s=(1.5, 2.5),
        seed=6,
    )
    checked = {4.0: 0, 5.0: 0}
    for p0, p1 in truth.phrases:
        n = sum(1 for s in truth.syllables if p0 <= s.start_s < p1)
        if p1 <= 8.0 or p0 >= 8.0:
            rate = 4.0 if p1 <= 8.0 else 5.0
            assert n / (p1 - p0) == pytest.approx(rate, rel=1e-3)
            checked[rate] += 1
    assert min(checked.values()) >= 2


def test_intensity_peaks_match_syllable_nuclei():
    """De Jong & Wempe style: voiced intensity peaks with dips on both sides."""
    y, truth = synth_speech(duration_s=12.0, syllable_rate=6.0, snr_db=30.0, seed=8)
    x = y.astype(float)
    hop = 80
    win = np.hanning(512)
    intensity_db = 10 * np.log10(np.convolve(x * x, win / win.sum(), mode="same")[::hop] + 1e-12)
    peaks, _ = sps.find_peaks(intensity_db, prominence=3.0)
    voiced_peaks = []
    for k in peaks:
        c = k * hop
        seg = x[c - 400 : c + 400]
        if len(seg) < 800:
            continue
        ac = np.correlate(seg, seg, mode="full")[len(seg) - 1 :]
        lo, hi = SR // 500, SR // 60
        if ac[lo:hi].max() / ac[0] > 0.5:  # periodic → voiced
            voiced_peaks.append(c / SR)
    truth_peaks = np.array([s.peak_s for s in truth.syllables])
    found = np.array(voiced_peaks)
    assert len(found) == len(truth_peaks)
    assert np.max(np.abs(found - truth_peaks)) < 0.012


def test_hops_agree_with_pointwise_truth(intoned):
    """hops(): floor(duration / hop) hops at k x hop with the truth taken at the hop centres, F0 NaN
    exactly where unvoiced; a syllable's mid F0 is the geometric mean of its ends and its end is
    unvoiced."""
    _, truth = intoned
    h = truth.hops(0.01)
    n = len(h["t_s"])
    assert n == 800
    assert all(len(v) == n for v in h.values())
    np.testing.assert_allclose(h["t_s"], np.arange(n) * 0.01)
    c = h["t_s"] + 0.005
    np.testing.assert_array_equal(h["voiced"], truth.voiced_at(c))
    np.testing.assert_array_equal(np.isnan(h["f0_hz"]), ~h["voiced"])
    assert np.all(h["speech"][h["voiced"]])
    assert h["voiced"].mean() > 0.3 and (~h["speech"]).mean() > 0.05
    s = truth.syllables[3]
    mid = (s.start_s + s.end_s) / 2
    assert truth.f0_at(mid) == pytest.approx(math.sqrt(s.f0_start_hz * s.f0_end_hz))
    assert np.isnan(truth.f0_at(s.end_s)) and not truth.voiced_at(s.end_s)  # [start, end)


def test_f0_clipped_to_allowed_range():
    """With extreme jitter and declination near 60 and 500 Hz every syllable's F0 is clipped into
    [F0_MIN_HZ, F0_MAX_HZ], and the clip was reached."""
    for f0 in (62.0, 480.0):
        _, truth = synth_speech(
            duration_s=6.0, f0_hz=f0, f0_jitter_st=6.0, declination_st=12.0, seed=1
        )
        f = np.array([[s.f0_start_hz, s.f0_end_hz] for s in truth.syllables])
        assert f.min() >= F0_MIN_HZ and f.max() <= F0_MAX_HZ
        assert np.any(np.isin(f, [F0_MIN_HZ, F0_MAX_HZ]))  # the clip was actually needed


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": 0.5}, r"duration_s .*0\.5"),
        ({"f0_hz": 40.0}, r"f0_hz .*\[60, 500\].*40"),
        ({"f0_hz": lambda t: 100.0 + 200.0 * t}, r"f0_hz callable .*got"),
        ({"syllable_rate": 12.0}, r"syllable_rate .*\[1, 9\].*12"),
        ({"noise": "brown"}, r"noise .*'brown'"),
        ({"level_db": 0.0}, r"level_db .*-6"),
        ({"snr_db": float("nan")}, r"snr_db"),
        ({"phrase_s": (3.0, 1.0)}, r"phrase_s .*\(3\.0, 1\.0\)"),
        ({"pause_s": 0.5}, r"pause_s"),
        ({"sample_rate": 16000.0}, r"sample_rate .*integer"),
        ({"vowels": ("a", "y")}, r"vowels .*'y'"),
        ({"seed": 1.5}, r"seed"),
    ],
)
def test_invalid_speech_parameters(kwargs, match):
    """Each out-of-range synth_speech parameter raises ValueError naming the parameter and the value
    given."""
    args = {"duration_s": 3.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        synth_speech(**args)


def test_level_that_would_clip_is_refused():
    """A level and SNR whose result would clip raise instead of clipping."""
    with pytest.raises(ValueError, match="clip"):
        synth_speech(duration_s=3.0, level_db=-6.0, snr_db=-5.0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    f0=st.floats(60.0, 500.0),
    rate=st.floats(1.0, 9.0),
    seed=st.integers(0, 2**32 - 1),
    duration=st.floats(2.0, 3.5),
)
def test_truth_invariants_property(f0, rate, seed, duration):
    # -26 dBFS: at 60 Hz the crest factor reaches ~19 dB, so -20 dBFS can clip
    """For any F0, rate, seed and duration: the signal is finite within [-1, 1], voiced time lies in
    speech, there is silence outside speech, syllables are ordered and disjoint with their peaks
    inside, F0 stays in range."""
    y, truth = synth_speech(
        duration_s=duration, f0_hz=f0, syllable_rate=rate, level_db=-26.0, seed=seed
    )
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 1.0
    t = sample_times(len(y))
    speech = truth.speech_at(t)
    voiced = truth.voiced_at(t)
    assert np.all(speech[voiced])
    assert not np.any(y[~speech])
    starts = np.array([s.start_s for s in truth.syllables])
    ends = np.array([s.end_s for s in truth.syllables])
    assert np.all(ends > starts) and np.all(starts[1:] >= ends[:-1])
    peaks = np.array([s.peak_s for s in truth.syllables])
    assert np.all((peaks > starts) & (peaks < ends))
    f = truth.f0_at(t[voiced])
    assert np.all((f >= F0_MIN_HZ) & (f <= F0_MAX_HZ))


# ------------------------------------------------------------------ calls


SHORT_SCRIPT = [
    Utterance("agent", 0.3, 3.0),
    Utterance("customer", 3.5, 4.0),
    Utterance("agent", 5.0, 0.4, kind="backchannel"),
    Utterance("agent", 7.7, 3.0, level_db=-30.0),
    Utterance("customer", 9.0, 2.5),
]


@pytest.fixture(scope="module")
def short_calls():
    """The short script rendered clean with and without bleed."""
    kw = {"snr_db": None, "seed": 21, "bleed_delay_s": 0.15}
    with_bleed = synth_call(SHORT_SCRIPT, bleed_db=-12.0, **kw)
    without = synth_call(SHORT_SCRIPT, **kw)
    return with_bleed, without


@pytest.fixture(scope="module")
def demo_call():
    script, info = demo_script()
    y, truth = synth_call(script, snr_db=None, seed=1)
    return script, info, y, truth


def test_call_shape_and_phrases_match_script(short_calls):
    """A call is float32 (n, 2) within [-1, 1]; each party's phrases are its utterances to a sample;
    the 0.4 s backchannel has 1-2 syllables; median F0 is 120 Hz (agent) and 210 Hz (customer)."""
    (y, truth), _ = short_calls
    assert y.dtype == np.float32 and y.ndim == 2 and y.shape[1] == 2
    assert y.shape[0] == round(truth.duration_s * SR)
    assert np.max(np.abs(y)) <= 1.0
    for party, tr in (("agent", truth.agent), ("customer", truth.customer)):
        spans = [(u.start_s, u.end_s) for u in SHORT_SCRIPT if u.party == party]
        assert len(tr.phrases) == len(spans)
        np.testing.assert_allclose(np.array(tr.phrases), np.array(spans), atol=1.0 / SR)
    backchannel = [s for s in truth.agent.syllables if 5.0 <= s.start_s < 5.4]
    assert 1 <= len(backchannel) <= 2
    f_agent = np.nanmedian(truth.agent.hops()["f0_hz"])
    f_cust = np.nanmedian(truth.customer.hops()["f0_hz"])
    assert f_agent == pytest.approx(120.0, rel=0.08)
    assert f_cust == pytest.approx(210.0, rel=0.08)


def test_call_levels_per_utterance(short_calls):
    """Each utterance's RMS on its party's channel is its level (override or -20 dBFS) within 0.5
    dB; each channel is silent outside its party's speech."""
    _, (y, truth) = short_calls
    for u in SHORT_SCRIPT:
        col = 0 if u.party == "agent" else 1
        seg = y[round(u.start_s * SR) : round(u.end_s * SR), col]
        want = u.level_db if u.level_db is not None else -20.0
        assert rms_db(seg) == pytest.approx(want, abs=0.5)
    t = sample_times(len(y))
    assert not np.any(y[~truth.agent.speech_at(t), 0])
    assert not np.any(y[~truth.customer.speech_at(t), 1])


def test_bleed_delay_and_level(short_calls):
    """Bleed changes column 0 only: the customer at bleed_db (+-0.5 dB) of its energy, band-limited
    to about 300-3400 Hz, from bleed_delay_s after the customer's first onset."""
    (yb, _), (y0, _) = short_calls
    bleed = yb[:, 0].astype(float) - y0[:, 0].astype(float)
    cust = y0[:, 1].astype(float)
    assert np.array_equal(yb[:, 1], y0[:, 1])
    level = 10 * math.log10(float(bleed @ bleed) / float(cust @ cust))
    assert level == pytest.approx(-12.0, abs=0.5)
    # band-limited: little energy outside ~300–3400 Hz
    f, p = sps.welch(bleed, fs=SR, nperseg=2048)
    inband = p[(f >= 400) & (f <= 3000)].sum()
    assert p[f < 120].sum() < 0.01 * inband and p[f > 5000].sum() < 0.01 * inband
    # ... and the transfer from the customer falls >= 20 dB from 1-2 kHz to 4.5-5.5 kHz
    _, pc = sps.welch(cust, fs=SR, nperseg=2048)
    gain_db = {band: 10 * np.log10(p[(f >= lo) & (f < hi)].sum() / pc[(f >= lo) & (f < hi)].sum())
               for band, (lo, hi) in {"mid": (1000, 2000), "high": (4500, 5500)}.items()}
    assert gain_db["high"] < gain_db["mid"] - 20.0, gain_db
    # nothing leaks before the customer's first onset plus the delay (the zero-phase
    # band-pass rings ahead by a few ms at about -100 dB)
    first = round((3.5 + 0.15) * SR)
    assert np.max(np.abs(bleed[: first - SR // 50])) < 1e-5 * np.max(np.abs(bleed))
    assert np.max(np.abs(bleed[first : first + SR // 10])) > 0.05 * np.max(np.abs(bleed))


def test_bleed_found_by_cross_correlation_in_noisy_mix():
    """In a noisy call the cross-correlation of the two columns peaks at the bleed delay (+-5 ms);
    the truth records bleed_db and the delay."""
    y, truth = synth_call(SHORT_SCRIPT, bleed_db=-10.0, bleed_delay_s=0.2, snr_db=20.0, seed=4)
    x0, x1 = y[:, 0].astype(float), y[:, 1].astype(float)
    xc = sps.correlate(x0, x1, mode="full", method="fft")
    lags = sps.correlation_lags(len(x0), len(x1), mode="full")
    keep = (lags >= 0) & (lags <= SR)
    lag_s = lags[keep][np.argmax(np.abs(xc[keep]))] / SR
    assert lag_s == pytest.approx(0.2, abs=0.005)
    assert truth.bleed_db == -10.0 and truth.bleed_delay_s == pytest.approx(0.2)


def test_agent_truth_ignores_bleed(short_calls):
    """Bleed changes neither party's truth: while only the customer speaks the agent's truth is
    silence."""
    (_, tb), (_, t0) = short_calls
    assert tb.agent == t0.agent
    assert tb.customer == t0.customer
    # during customer-only speech the agent truth says silence, bleed or not
    h = tb.agent.hops()
    c = h["t_s"] + 0.005
    cust_only = tb.customer.speech_at(c) & (c > 3.8) & (c < 5.0)
    assert cust_only.sum() > 50 and not np.any(h["speech"][cust_only])


def test_far_delay_shifts_customer_channel_and_truth():
    """far_delay_s delays column 1 and the customer's truth by whole samples, leaving column 0, the
    agent and the events alone; with bleed the columns then correlate at bleed delay minus far
    delay."""
    kw = {"snr_db": None, "seed": 3, "duration_s": 13.0}
    y0, t0 = synth_call(SHORT_SCRIPT, **kw)
    y1, t1 = synth_call(SHORT_SCRIPT, far_delay_s=0.1, **kw)
    d = round(0.1 * SR)
    np.testing.assert_array_equal(y1[d:, 1], y0[:-d, 1])
    np.testing.assert_array_equal(y1[:, 0], y0[:, 0])
    assert t1.agent == t0.agent and t1.events == t0.events
    for a, b in zip(t1.customer.syllables, t0.customer.syllables, strict=True):
        assert a.start_s == pytest.approx(b.start_s + 0.1, abs=1e-9)
        assert a.peak_s == pytest.approx(b.peak_s + 0.1, abs=1e-9)
    y2, _ = synth_call(SHORT_SCRIPT, far_delay_s=0.05, bleed_db=-6.0, bleed_delay_s=0.2, **kw)
    xc = sps.correlate(y2[:, 0].astype(float), y2[:, 1].astype(float), method="fft")
    lags = sps.correlation_lags(len(y2), len(y2))
    keep = np.abs(lags) < SR
    assert lags[keep][np.argmax(np.abs(xc[keep]))] / SR == pytest.approx(0.15, abs=0.005)


def test_call_noise_per_channel_independent():
    """Each channel's noise is snr_db under its own party's level, independent of the other."""
    kw = {"seed": 8, "customer_level_db": -30.0}
    clean, _ = synth_call(SHORT_SCRIPT, snr_db=None, **kw)
    noisy, _ = synth_call(SHORT_SCRIPT, snr_db=15.0, **kw)
    n = noisy.astype(float) - clean.astype(float)
    for col, level in ((0, -20.0), (1, -30.0)):
        assert level - rms_db(n[:, col]) == pytest.approx(15.0, abs=0.5)
    assert abs(np.corrcoef(n[:, 0], n[:, 1])[0, 1]) < 0.02


def test_call_deterministic():
    """The same seed gives the same call; another seed another signal."""
    a = synth_call(SHORT_SCRIPT, bleed_db=-15.0, seed=2)
    b = synth_call(SHORT_SCRIPT, bleed_db=-15.0, seed=2)
    c = synth_call(SHORT_SCRIPT, bleed_db=-15.0, seed=3)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    assert not np.array_equal(a[0], c[0])


def test_demo_script_events(demo_call):
    """The demo script's truth holds interruptions by both parties, >= 2 backchannels and a turn-end
    overlap, sorted, in a 60-95 s call."""
    _, _, _, truth = demo_call
    ev = truth.events
    kinds = [(e["kind"], e["by"]) for e in ev]
    assert ("interruption", "agent") in kinds
    assert ("interruption", "customer") in kinds
    assert sum(k == "backchannel" for k, _ in kinds) >= 2
    assert sum(k == "turn_end_overlap" for k, _ in kinds) >= 1
    assert [e["start_s"] for e in ev] == sorted(e["start_s"] for e in ev)
    assert 60.0 <= truth.duration_s <= 95.0
    for e in ev:
        assert e["end_s"] > e["start_s"] and e["of"] != e["by"]


def test_demo_script_coaching_truth(demo_call):
    """The demo's marked spans hold what the coach must find: > 3 s of mutual silence (digital
    silence in the signal), a >= 6 s span 3 semitones up (+-10 cents), a 25 % faster span and a
    >= 10 s monologue."""
    script, info, y, truth = demo_call
    h = truth.agent.hops()
    c = h["t_s"] + 0.005
    # a mutual silence of more than 3 s, in the truth and in the (noise-free) signal
    both = h["speech"] | truth.customer.speech_at(c)
    run = best = 0
    for s in both:
        run = 0 if s else run + 1
        best = max(best, run)
    assert best * 0.01 > 3.0
    s0, s1 = info["mutual_silence"]
    assert not np.any(y[round(s0 * SR) : round(s1 * SR)])
    # pitch: +3 semitones in the marked span against the rest of the agent's speech
    p0, p1 = info["pitch_high"]
    assert p1 - p0 >= 6.0
    inside = (c >= p0) & (c < p1)
    f_in = np.nanmedian(h["f0_hz"][inside])
    f_out = np.nanmedian(h["f0_hz"][~inside])
    # the truth's own F0 (no estimator): 301.4 cents when written; 50 cents let a +2.5 st span pass
    assert cents(f_in, f_out) == pytest.approx(300.0, abs=10.0)
    # rate: 25 % faster in the marked span
    r0, r1 = info["rate_high"]
    assert r1 - r0 >= 6.0
    n_fast = sum(1 for s in truth.agent.syllables if r0 <= s.start_s < r1)
    slow = [
        u for u in script if u.party == "agent" and u.kind == "turn" and u.syllable_rate is None
    ]
    n_slow = sum(1 for s in truth.agent.syllables for u in slow if u.start_s <= s.start_s < u.end_s)
    rate_slow = n_slow / sum(u.duration_s for u in slow)
    assert (n_fast / (r1 - r0)) / rate_slow == pytest.approx(1.25, abs=0.05)
    m0, m1 = info["monologue"]
    assert m1 - m0 >= 10.0
    assert np.all(truth.agent.speech_at(np.arange(m0 + 0.01, m1 - 0.01, 0.1)))


@pytest.mark.parametrize(
    ("b", "expect"),
    [
        (Utterance("customer", 2.0, 2.0), ("interruption", 2.0, 4.0)),
        (Utterance("customer", 4.5, 2.5), ("interruption", 4.5, 5.0)),
        (Utterance("customer", 4.6, 2.5), ("turn_end_overlap", 4.6, 5.0)),
        (Utterance("customer", 4.8, 2.5), ("turn_end_overlap", 4.8, 5.0)),
        (Utterance("customer", 2.0, 0.4), ("turn_end_overlap", 2.0, 2.4)),
        (Utterance("customer", 1.0, 0.4, kind="backchannel"), ("backchannel", 1.0, 1.4)),
        (Utterance("customer", 5.2, 2.0), None),
        (Utterance("customer", 6.0, 0.4, kind="backchannel"), None),
        (Utterance("customer", 0.0, 2.0), None),  # a simultaneous start is no event
        # a backchannel's event lasts as long as the backchannel, past the turn's end
        (Utterance("customer", 4.8, 0.4, kind="backchannel"), ("backchannel", 4.8, 5.2)),
    ],
)
def test_event_rules(b, expect):
    """derive_events on an agent turn 0-5 s and one customer utterance: interruption, turn-end
    overlap, backchannel or nothing, with the events' spans."""
    a = Utterance("agent", 0.0, 5.0)
    ev = derive_events([a, b])
    if expect is None:
        assert ev == ()
    else:
        (e,) = ev
        assert (e["kind"], e["start_s"], e["end_s"]) == pytest.approx(expect)
        assert e["by"] == "customer" and e["of"] == "agent"


def test_event_thresholds_are_parameters():
    """min_overlap_s and turn_end_s change the classification (both interruption bounds inclusive),
    and synth_call passes them on."""
    script = [Utterance("agent", 0.0, 5.0), Utterance("customer", 4.0, 2.0)]
    assert derive_events(script)[0]["kind"] == "interruption"
    assert derive_events(script, min_overlap_s=1.5)[0]["kind"] == "turn_end_overlap"
    assert derive_events(script, turn_end_s=1.5)[0]["kind"] == "turn_end_overlap"
    # both boundaries are inclusive for interruptions
    a = Utterance("agent", 0.0, 5.0)
    at = [a, Utterance("customer", 4.5, 2.0)]
    after = [a, Utterance("customer", 4.5 + 1e-6, 2.0)]
    assert derive_events(at, turn_end_s=0.5, min_overlap_s=0.25)[0]["kind"] == "interruption"
    assert derive_events(after, turn_end_s=0.5, min_overlap_s=0.25)[0]["kind"] == (
        "turn_end_overlap"
    )
    _, truth = synth_call(script, min_overlap_s=1.5, snr_db=None)
    assert truth.events[0]["kind"] == "turn_end_overlap"


@pytest.mark.parametrize(
    ("script", "kwargs", "match"),
    [
        ([], {}, "at least one"),
        ([Utterance("boss", 0.0, 1.0)], {}, r"party .*'boss'"),
        ([Utterance("agent", 0.0, 1.0, kind="shout")], {}, r"kind .*'shout'"),
        ([Utterance("agent", 0.0, 1.5, kind="backchannel")], {}, r"duration_s .*1\.5"),
        ([Utterance("agent", 0.0, 2.0), Utterance("agent", 1.0, 2.0)], {}, "overlap"),
        ([Utterance("agent", 0.0, 2.0), Utterance("agent", 1.95, 2.0)], {}, "overlap"),
        ([Utterance("agent", 0.0, 2.0, f0_hz=30.0)], {}, r"f0_hz .*30"),
        ([Utterance("agent", 0.0, 2.0)], {"duration_s": 1.0}, "shorter than the script"),
        ([Utterance("agent", 0.0, 2.0)], {"bleed_db": 3.0}, r"bleed_db .*3\.0"),
        ([Utterance("agent", 0.0, 2.0)], {"far_delay_s": -0.1}, "far_delay_s"),
        (["agent"], {}, "Utterance"),
    ],
)
def test_invalid_call_inputs(script, kwargs, match):
    """Each invalid script or synth_call parameter raises ValueError naming it."""
    with pytest.raises(ValueError, match=match):
        synth_call(script, **kwargs)


@pytest.mark.parametrize("scale", [0.9, 1.15])
def test_formant_scale_stretches_spectral_envelope(scale):
    """Same seed, same syllables: the smoothed log spectrum is stretched by ``scale``."""
    ref, _ = synth_speech(duration_s=6.0, seed=2)
    scaled, _ = synth_speech(duration_s=6.0, seed=2, formant_scale=scale)
    f, p_ref = sps.welch(ref.astype(float), fs=SR, nperseg=128)  # smears harmonics
    _, p_scaled = sps.welch(scaled.astype(float), fs=SR, nperseg=128)
    grid = np.linspace(400.0, 3500.0, 200)
    target = np.interp(grid, f, np.log(p_scaled))
    candidates = np.arange(0.8, 1.4, 0.005)
    score = [np.corrcoef(np.interp(grid / c, f, np.log(p_ref)), target)[0, 1] for c in candidates]
    assert candidates[int(np.argmax(score))] == pytest.approx(scale, abs=0.02)


# ------------------------------------------------------------------ exact construction rules


def test_f0_follows_declination_and_symmetric_glides_exactly():
    """Without jitter a syllable's log-F0 centre is the baseline plus the declination at its
    two ends (+D/2 at phrase start falling linearly to -D/2 at phrase end); the glide is
    symmetric about it."""
    d = 6.0
    _, truth = synth_speech(duration_s=8.0, f0_hz=150.0, glide_st=2.0, declination_st=d,
                            seed=3)
    checked = 0
    for p0, p1 in truth.phrases:
        a0, span = round(p0 * SR), round(p1 * SR) - round(p0 * SR)
        for s in truth.syllables:
            if p0 <= s.start_s < p1:
                a, e = round(s.start_s * SR), round(s.end_s * SR)
                decl = d * (0.5 - (a - a0) / span) + d * (0.5 - (e - a0) / span)
                centre = math.sqrt(s.f0_start_hz * s.f0_end_hz)
                assert centre == pytest.approx(150.0 * 2 ** (decl / 24), rel=1e-9)
                checked += 1
    assert checked == len(truth.syllables) > 20


def test_phrases_open_with_a_burst_after_a_lead_in():
    """The lead-in is half a pause (at most 10 % of the signal); every phrase's first
    consonant is a noise burst (the phrase starts with sound)."""
    y, truth = synth_speech(duration_s=15.0, phrase_s=(1.0, 2.0), pause_s=(0.4, 1.0), seed=12)
    assert 0.2 - 1 / SR <= truth.phrases[0][0] <= 0.5 + 1 / SR
    assert len(truth.phrases) >= 6
    for p0, _ in truth.phrases:
        first = next(s for s in truth.syllables if s.start_s >= p0)
        a, b = round(p0 * SR), round(first.start_s * SR)
        assert b > a and np.count_nonzero(y[a:b]) > 0.9 * (b - a)
    _, short = synth_speech(duration_s=2.0, pause_s=(0.4, 1.0), seed=12)
    assert short.phrases[0][0] <= 0.2 + 1 / SR


@pytest.mark.parametrize("rate", [3.0, 7.0])
def test_consonant_gaps_follow_the_rule(rate):
    """Every consonant gap lasts 30 ms to max(30 ms, min(80 ms, 35 % of its slot)) (at 3
    syllables/s the 80 ms cap binds, at 7 the 35 %), and the gaps really span that range."""
    _, truth = synth_speech(duration_s=15.0, syllable_rate=rate, seed=12)
    starts = sorted(round(p0 * SR) for p0, _ in truth.phrases)
    prev, ratios = None, []
    for s in truth.syllables:
        a, e = round(s.start_s * SR), round(s.end_s * SR)
        s0 = max(p for p in starts if p <= a)
        if prev is not None and prev > s0:
            s0 = prev
        gap, slot = (a - s0) / SR, (e - s0) / SR
        hi = max(0.030, min(0.080, 0.35 * slot))
        assert 0.030 - 1 / SR <= gap <= hi + 1 / SR
        ratios.append((gap - 0.030) / (hi - 0.030))
        prev = e
    assert min(ratios) < 0.2 and max(ratios) > 0.8


def test_nuclei_rise_from_and_fall_to_silence():
    """A nucleus envelope starts at exactly zero and stays under 10 % of the nucleus peak
    over its first and last 2.5 ms (the attack and release ramps)."""
    y, truth = synth_speech(duration_s=4.0, seed=13)
    for s in truth.syllables:
        a, e = round(s.start_s * SR), round(s.end_s * SR)
        top = np.max(np.abs(y[a:e]))
        assert y[a] == 0.0
        assert np.max(np.abs(y[a : a + 40])) < 0.1 * top
        assert np.max(np.abs(y[e - 40 : e])) < 0.1 * top


def test_phrase_duration_is_the_sum_of_nominal_slots_under_a_rate_contour():
    """The slot variation keeps every phrase's length: a phrase straddling a rate change
    lasts the sum of 1 / rate at each nominal slot onset (to a sample)."""
    def rate(t):
        return np.where(t < 8.0, 4.0, 5.0)

    # 6 s phrases: the second one always holds the change at 8 s
    _, truth = synth_speech(duration_s=16.0, syllable_rate=rate, phrase_s=(6.0, 6.0), seed=6)
    straddle = 0
    for p0, p1 in truth.phrases:
        n = sum(1 for s in truth.syllables if p0 <= s.start_s < p1)
        tt, total = p0, 0.0
        for _ in range(n):
            step = 1.0 / float(rate(np.array([tt]))[0])
            total, tt = total + step, tt + step
        assert p1 - p0 == pytest.approx(total, abs=1.5 / SR)
        straddle += p0 < 8.0 < p1 and rate(np.array([p0]))[0] != rate(np.array([tt]))[0]
    assert straddle >= 1


def test_output_that_would_clip_by_a_little_is_refused():
    """The clip check refuses a peak of 1.2 (not just gross overloads) and passes 0.97."""
    y, _ = synth_speech(duration_s=3.0, seed=0, level_db=-30.0)
    peak = float(np.max(np.abs(y)))
    with pytest.raises(ValueError, match="clip"):
        synth_speech(duration_s=3.0, seed=0, level_db=-30.0 + 20 * math.log10(1.2 / peak))
    ok, _ = synth_speech(duration_s=3.0, seed=0, level_db=-30.0 + 20 * math.log10(0.97 / peak))
    assert np.max(np.abs(ok)) == pytest.approx(0.97, abs=1e-4)


def test_empty_truth_has_no_speech_and_zero_rate():
    """A truth without phrases: rate 0.0, no speech, no voicing, NaN F0 on every hop."""
    truth = SpeechTruth(sample_rate=SR, duration_s=2.0, syllables=(), phrases=())
    assert truth.syllable_rate() == 0.0 and truth.speech_s() == 0.0
    h = truth.hops()
    assert len(h["t_s"]) == 200
    assert not h["voiced"].any() and not h["speech"].any() and np.isnan(h["f0_hz"]).all()


def test_call_utterances_syllables_f0_duration_and_delays():
    """Per utterance: round(duration * rate) syllables (at most 2 for a backchannel, which
    has no declination: its log-F0 centres sit on the party's F0; turns decline 2 st for
    the agent, 2.5 st for the customer); the default length covers the bleed of the last
    customer words plus 0.55 s; the delays are whole samples."""
    script = [Utterance("agent", 0.2, 3.5), Utterance("customer", 1.0, 1.0, kind="backchannel"),
              Utterance("customer", 4.0, 3.5), Utterance("agent", 5.0, 0.9, kind="backchannel")]
    _, truth = synth_call(script, snr_db=None, bleed_db=-20.0, bleed_delay_s=0.70003, seed=5)
    assert truth.duration_s == pytest.approx(7.5 + 0.7 + 0.05 + 0.5)
    assert truth.bleed_delay_s == 0.7
    f0 = {"agent": 120.0, "customer": 210.0}
    rate = {"agent": 5.0, "customer": 4.5}
    decl = {"agent": 2.0, "customer": 2.5}
    for u in script:
        tr = truth.agent if u.party == "agent" else truth.customer
        syl = [s for s in tr.syllables if u.start_s <= s.start_s < u.end_s]
        want = round(u.duration_s * rate[u.party])
        assert len(syl) == (min(want, 2) if u.kind == "backchannel" else want)
        a0, span = round(u.start_s * SR), round(u.end_s * SR) - round(u.start_s * SR)
        for s in syl:
            a, e = round(s.start_s * SR), round(s.end_s * SR)
            d = 0.0 if u.kind == "backchannel" else decl[u.party]
            st = d * (0.5 - (a - a0) / span) + d * (0.5 - (e - a0) / span)
            assert math.sqrt(s.f0_start_hz * s.f0_end_hz) == pytest.approx(
                f0[u.party] * 2 ** (st / 24), rel=1e-9)
    # utterances of one party may touch
    synth_call([Utterance("agent", 0.0, 2.0), Utterance("agent", 2.0, 1.0)], snr_db=None)


def test_customer_formants_are_15_percent_higher():
    """At the same F0 and rate, the customer's smoothed log spectrum is the agent's
    stretched by 1.15 (the party formant scale)."""
    script = [Utterance("agent", 0.0, 10.0), Utterance("customer", 10.5, 10.0)]
    y, _ = synth_call(script, agent_f0_hz=150.0, customer_f0_hz=150.0, agent_rate=5.0,
                      customer_rate=5.0, snr_db=None, seed=1)
    f, pa = sps.welch(y[: 10 * SR, 0].astype(float), fs=SR, nperseg=128)
    _, pc = sps.welch(y[round(10.5 * SR) : round(20.5 * SR), 1].astype(float), fs=SR,
                      nperseg=128)
    grid = np.linspace(400.0, 3500.0, 200)
    target = np.interp(grid, f, np.log(pc))
    candidates = np.arange(0.8, 1.4, 0.005)
    score = [np.corrcoef(np.interp(grid / c, f, np.log(pa)), target)[0, 1] for c in candidates]
    assert candidates[int(np.argmax(score))] == pytest.approx(1.15, abs=0.03)
