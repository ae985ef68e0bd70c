"""Calm baseline: profile statistics, calibration errors, and streaming relative measures.

Signals come from :func:`voicecoach.sources.synthetic.synth_speech` (known F0 and rate).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.analysis import ChannelAnalyzer, Features
from voicecoach.baseline import (
    PROFILE_SCHEMA,
    BaselineTracker,
    CalibrationError,
    Calibrator,
    ClippedSignalError,
    Profile,
    RelativeMeasures,
    SilentSignalError,
    TooLittleSpeechError,
    calibrate_array,
    calibrate_file,
    coached_pitch,
    hz_to_st,
    profile_from_features,
    st_to_hz,
)
from voicecoach.baseline.rolling import _RollingQuantiles
from voicecoach.config import load_config
from voicecoach.errors import ConfigError, ParameterError
from voicecoach.sources.synthetic import synth_speech

SR = 16000
F0 = 120.0
RATE = 5.0


def speech(duration_s: float, seed: int, f0=F0, rate=RATE, level_db=-20.0):
    y, truth = synth_speech(
        duration_s=duration_s, f0_hz=f0, syllable_rate=rate, snr_db=30.0, level_db=level_db,
        seed=seed,
    )
    return y, truth


@pytest.fixture(scope="module")
def calm() -> tuple[np.ndarray, object, Features]:
    y, truth = speech(40.0, seed=11)
    return y, truth, ChannelAnalyzer().process(y)


@pytest.fixture(scope="module")
def profile(calm) -> Profile:
    y, _, _ = calm
    return calibrate_array(y, SR, name="calm", source="synth")


# --------------------------------------------------------------------------- units


def test_semitone_scale() -> None:
    assert hz_to_st(55.0) == 0.0
    assert hz_to_st(110.0) == pytest.approx(12.0)
    assert st_to_hz(hz_to_st(123.4)) == pytest.approx(123.4)
    assert math.isnan(hz_to_st(np.nan))


# --------------------------------------------------------------------------- profile


def test_profile_matches_truth(calm, profile: Profile) -> None:
    _, truth, rows = calm
    t = rows.t_s + 0.005
    true_st = hz_to_st(truth.f0_at(t[truth.voiced_at(t)]))
    # median F0 within 20 cents of the rendered F0's median
    assert abs(profile.f0_median_st - np.median(true_st)) < 0.2
    assert profile.f0_median_hz == pytest.approx(st_to_hz(profile.f0_median_st))
    assert profile.f0_spread_st == pytest.approx(profile.f0_p90_st - profile.f0_p10_st)
    assert 0.5 < profile.f0_spread_st < 3.0  # declination 2 st + glides 1 st
    # articulation rate within 8 % of the rendered rate
    assert abs(profile.articulation_rate_median / truth.syllable_rate() - 1) < 0.08
    assert profile.syllable_rate_median < profile.articulation_rate_median  # pauses count
    assert -24.0 < profile.loudness_db < -16.0  # rendered at -20 dBFS RMS
    assert profile.voiced_s > 10.0 and profile.speech_s > profile.voiced_s
    assert not profile.provisional and profile.name == "calm" and profile.created_utc
    # the windowed measures: references near the hop statistics, how much speech, stability
    # pitch: the windowed pitch_quantile (0.3) of the voiced semitones, below the median
    assert profile.f0_p10_st < profile.pitch_level_st < profile.f0_median_st - 0.1
    assert abs(profile.rate_level_sps / truth.syllable_rate() - 1) < 0.1
    assert abs(profile.loudness_level_db - profile.loudness_db) < 1.0
    for m in ("pitch", "rate", "loudness"):
        measured = getattr(profile, f"{m}_measured_s")
        assert 15.0 < measured <= profile.speech_s, m
        assert getattr(profile, f"{m}_calm_{ {'pitch': 'st', 'rate': 'pct'}.get(m, 'db')}") > 0
    assert profile.pitch_drift_st < 0.5 and profile.rate_drift_pct < 5 and (
        profile.loudness_drift_db < 1.0
    )


def test_profile_dict_round_trip(profile: Profile) -> None:
    d = profile.to_dict()
    assert d["schema"] == PROFILE_SCHEMA
    back = Profile.from_dict(d)
    for f in Profile.__dataclass_fields__:
        a, b = getattr(profile, f), getattr(back, f)
        assert a == pytest.approx(b, abs=1e-4) if isinstance(a, float) else a == b


def test_profile_nan_round_trip() -> None:
    p = profile_from_features(Features.empty())
    assert math.isnan(p.f0_median_hz) and p.speech_s == 0.0
    d = p.to_dict()
    d["f0_median_st"] = None  # JSON writes NaN as null
    assert math.isnan(Profile.from_dict(d).f0_median_st)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"f0_medianhz": 1.0}, r"unknown profile key 'f0_medianhz'; did you mean 'f0_median_hz'"),
        ({"schema": "voicecoach.profile/9"}, r"schema 'voicecoach.profile/9' is not supported"),
        ({"f0_median_hz": "high"}, r"'f0_median_hz' must be a number, got 'high'"),
        ({"provisional": 1}, r"'provisional' must be true/false"),
    ],
)
def test_profile_from_dict_errors(profile: Profile, change: dict, match: str) -> None:
    d = {**profile.to_dict(), **change}
    with pytest.raises(ParameterError, match=match):
        Profile.from_dict(d)


def test_profile_from_dict_missing_key(profile: Profile) -> None:
    d = profile.to_dict()
    del d["loudness_db"]
    with pytest.raises(ParameterError, match="profile lacks loudness_db; calibrate again"):
        Profile.from_dict(d)


# --------------------------------------------------------------------------- calibration


def test_calibrate_file_equals_array(tmp_path, calm, profile: Profile) -> None:
    y, _, _ = calm
    noise = (np.random.default_rng(1).normal(0, 0.01, y.shape[0])).astype(np.float32)
    path = tmp_path / "two.wav"
    sf.write(path, np.stack([noise, y], axis=1), SR, subtype="FLOAT")
    with pytest.raises(ParameterError, match=r"has 2 channels; say which one .*channel=N"):
        calibrate_file(path)
    p = calibrate_file(path, channel=1, name="calm")
    assert p.source == f"{path} (channel 1)"
    assert p.replace(source="synth", created_utc="") == profile.replace(created_utc="")


def test_calibrate_resamples(calm, profile: Profile) -> None:
    import soxr

    y, _, _ = calm
    y48 = soxr.resample(y, SR, 48000).astype(np.float32)
    p = calibrate_array(y48, 48000)
    assert abs(p.f0_median_st - profile.f0_median_st) < 0.05
    assert abs(p.loudness_db - profile.loudness_db) < 0.5


def test_telephone_calibration_reads_pitch_as_its_review_does(tmp_path, calm) -> None:
    """An 8 kHz recording is calibrated with the harmonic check its review runs ("auto")."""
    import soxr

    y, _, _ = calm
    y8 = soxr.resample(y, SR, 8000).astype(np.float32)
    by_mode = {m: calibrate_array(y8, 8000, load_config(overrides={"pitch": {
        "harmonic_check": m}})).replace(created_utc="") for m in ("auto", "on", "off")}
    assert by_mode["on"] != by_mode["off"]  # the check changes this voice's profile
    assert by_mode["auto"] == by_mode["on"]
    # ... but not its voice model, whose pitch the mono first pass compares with a call's
    # pitch read without the check (review.mono.scan)
    on, off = by_mode["on"].voice, by_mode["off"].voice
    assert on is not None and on["pitch_st"] is not None and on == off
    assert by_mode["on"].replace(voice=None) != by_mode["off"].replace(voice=None)
    sf.write(tmp_path / "tel.wav", y8, 8000, subtype="FLOAT")
    from_file = calibrate_file(tmp_path / "tel.wav")
    assert from_file.calibration_rate_hz == 8000.0
    assert from_file.replace(created_utc="", source="") == by_mode["auto"].replace(source="")
    # wideband audio runs without it (its telephone-band references, read as an 8 kHz call
    # is, with it); a calibrator switches per recording
    assert calibrate_array(y, SR).replace(created_utc="", telephone=None) == calibrate_array(
        y, SR, load_config(overrides={"pitch": {"harmonic_check": "off"}})).replace(
        created_utc="", telephone=None)
    cal = Calibrator()
    cal.feed_array(y8, 8000, source="tel")
    assert cal.analyzer.harmonic
    cal.feed_array(y, SR, source="wide")
    assert not cal.analyzer.harmonic
    cal.feed_file(tmp_path / "tel.wav", source_rate_hz=16000.0)  # a resampled wideband copy
    assert not cal.analyzer.harmonic


def test_calibrator_over_several_recordings_is_one_calibration(calm) -> None:
    """Recordings fed one after another give the profile of the same audio joined."""
    y, _, _ = calm
    y = y[: y.size // 320 * 320]
    half = y.size // 2
    joined = calibrate_array(y, SR, name="calm")
    cal = Calibrator(keep_audio=True)
    cal.feed_array(y[:half], SR, source="monday")
    cal.feed_array(y[half:], SR, source="tuesday")
    assert cal.seconds == y.size / SR
    np.testing.assert_array_equal(cal.audio, y.astype(np.float32))
    p = cal.finish(name="calm")
    assert p.source == "monday + tuesday"
    assert p.replace(source="", created_utc="") == joined.replace(source="", created_utc="")
    # a silent take among good ones is judged with the whole; nothing fed is silent
    quiet = Calibrator()
    quiet.feed_array(np.zeros(SR, np.float32), SR, source="a")
    quiet.feed_array(np.zeros(SR, np.float32), SR, source="b")
    with pytest.raises(SilentSignalError, match=r"^the calibration speech \(a \+ b\) is silent"):
        quiet.finish()
    with pytest.raises(ParameterError, match=r"keep_audio=False.*keep_audio=True"):
        _ = quiet.audio


def test_calibrate_refuses_a_recording_shorter_than_a_second() -> None:
    x = np.random.default_rng(0).normal(0, 0.3, SR // 100).astype(np.float32)  # 10 ms, loud
    with pytest.raises(TooLittleSpeechError, match=r"^the .* is only 0.01 s long; a calibration "
                       r"needs at least 10 s of voiced speech"):
        calibrate_array(x, SR, source="microphone")


def test_calibrate_refuses_silence() -> None:
    x = np.random.default_rng(0).normal(0, 1e-4, 20 * SR).astype(np.float32)
    with pytest.raises(SilentSignalError) as e:
        calibrate_array(x, SR, source="microphone")
    assert isinstance(e.value, CalibrationError) and isinstance(e.value, ValueError)
    assert str(e.value).startswith("the microphone recording is silent: its peak is -")
    assert "below -50 dBFS" in str(e.value) and "check the input level" in str(e.value)


def test_calibrate_refuses_clipping(calm) -> None:
    """Twice the allowed fraction of clipped samples (0.20 % for 0.10 %) is refused."""
    y, _, _ = calm
    y = y.copy()
    clipped = np.random.default_rng(2).choice(y.size, y.size // 500, replace=False)
    y[clipped] = 0.995
    with pytest.raises(ClippedSignalError, match=r"is clipped: 0\.20 % of samples reach "
                       r"±0.99 full scale \(at most 0.10 % allowed\); lower the input gain"):
        calibrate_array(y, SR)


def test_calibrate_refuses_too_little_speech() -> None:
    y, _ = speech(12.0, seed=3)
    with pytest.raises(TooLittleSpeechError, match=r"has only \d+\.\d s of voiced speech in "
                       r"12\.0 s \(10 s needed\); record at least 30 s"):
        calibrate_array(y, SR)


# --------------------------------------------------------------------------- rolling windows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(1, 40),
    min_count=st.integers(1, 10),
    data=st.lists(st.one_of(st.just(math.nan), st.floats(-50, 50, width=32)), max_size=120),
)
def test_rolling_quantiles_match_numpy(size: int, min_count: int, data: list[float]) -> None:
    x = np.asarray(data, np.float32)
    med, p90 = _RollingQuantiles(size, min_count, (0.5, 0.9)).process(x)
    for i in range(x.size):
        w = x[max(0, i - size + 1) : i + 1]
        w = w[~np.isnan(w)].astype(np.float64)
        if w.size < min_count:
            assert np.isnan(med[i]) and np.isnan(p90[i])
        else:
            assert med[i] == pytest.approx(np.quantile(w, 0.5), abs=1e-5)
            assert p90[i] == pytest.approx(np.quantile(w, 0.9), abs=1e-5)


# --------------------------------------------------------------------------- tracker


def run_cut(tracker: BaselineTracker, rows: Features, sizes: list[int]) -> RelativeMeasures:
    parts, pos, i = [], 0, 0
    while pos < len(rows):
        k = sizes[i % len(sizes)]
        parts.append(tracker.process(rows[pos : pos + k]))
        pos += k
        i += 1
    return RelativeMeasures.concat(parts)


@pytest.mark.parametrize("with_profile", [False, True])
def test_tracker_block_invariance_triad(calm, profile: Profile, with_profile: bool) -> None:
    _, _, rows = calm
    tr = BaselineTracker(profile=profile if with_profile else None)
    whole = tr.process(rows)
    assert np.isfinite(whole.pitch_delta_st).any()
    tr.reset()
    assert run_cut(tr, rows, [1, 7, 160, 3, 999]).equals(whole)  # any cutting, same rows
    tr.reset()
    assert tr.process(rows).equals(whole)  # reset returns to the start
    with pytest.raises(ParameterError, match=r"expected .* feed consecutive blocks"):
        tr.process(rows)  # the same rows again without a reset: not the stream's next rows
    later = dataclasses.replace(rows, t_s=rows.t_s + len(rows) * tr.hop_s)
    again = tr.process(later)  # without a reset the state carries on
    assert not again.equals(whole)


def test_provisional_baseline(calm) -> None:
    _, _, rows = calm
    cfg = load_config()
    tr = BaselineTracker(cfg, party="customer")
    m = tr.process(rows)
    assert tr.ready and tr.provisional and tr.profile.provisional
    assert tr.profile.source == "first 30 s of customer speech in the call"
    # ready exactly at the hop completing provisional_s of speech hops
    need = round(cfg.baseline.provisional_s / cfg.analysis.hop_s)
    j = int(np.flatnonzero(np.cumsum(rows.speech) == need)[0])
    assert tr.ready_s == rows.t_s[j]
    assert np.isnan(m.pitch_delta_st[:j]).all() and np.isnan(m.rate_delta_pct[:j]).all()
    assert np.isfinite(m.pitch_delta_st[j:][rows.speech[j:]]).mean() > 0.8
    # the provisional profile is profile_from_features on those speech hops
    expect = profile_from_features(rows[: j + 1], provisional=True, source=tr.profile.source)
    assert tr.profile == expect
    # calm speech sits on its own baseline
    assert abs(np.nanmedian(m.pitch_delta_st)) < 0.6  # only the last 3.5 s: a phrase or two
    assert abs(np.nanmedian(m.rate_delta_pct)) < 5.0
    assert abs(np.nanmedian(m.loudness_delta_db)) < 1.0


def test_relative_measures_track_known_changes(profile: Profile) -> None:
    """+3 st, 25 % faster and +6 dB segments are measured within 0.2 st, 5 % and 1 dB."""

    def seg(t, a, b, inside, outside):
        return np.where((t >= a) & (t < b), inside, outside)

    y, _ = speech(
        36.0, seed=5,
        f0=lambda t: seg(t, 4, 12, F0 * 2 ** (3 / 12), F0),
        rate=lambda t: seg(t, 16, 26, RATE * 1.25, RATE),
    )
    t = np.arange(y.shape[0]) / SR
    y = (y * seg(t, 29, 36, 10 ** (6 / 20), 1.0)).astype(np.float32)
    m = BaselineTracker(profile=profile).process(ChannelAnalyzer().process(y))

    def med(field, a, b):
        s = (m.t_s >= a) & (m.t_s < b)
        return float(np.nanmedian(getattr(m, field)[s]))

    assert med("pitch_delta_st", 6, 12) == pytest.approx(3.0, abs=0.2)
    assert med("pitch_delta_st", 14, 28) == pytest.approx(0.0, abs=0.3)
    assert med("rate_delta_pct", 19, 26) == pytest.approx(25.0, abs=5.0)
    assert med("rate_delta_pct", 4, 12) == pytest.approx(0.0, abs=5.0)
    assert med("loudness_delta_db", 31, 36) == pytest.approx(6.0, abs=1.0)
    assert med("loudness_delta_db", 16, 26) == pytest.approx(0.0, abs=1.0)


def test_relative_measures_from_arrays() -> None:
    m = RelativeMeasures.from_arrays(np.arange(3) * 0.01, pitch_delta_st=2.5, speech=True)
    assert m.pitch_delta_st.tolist() == [2.5] * 3 and m.speech.all()
    assert np.isnan(m.rate_delta_pct).all()
    with pytest.raises(ParameterError, match=r"unknown measure.*pitch_delta"):
        RelativeMeasures.from_arrays([0.0], pitch_delta=1.0)


def test_tracker_rejects_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="party must be 'agent' or 'customer', got 'boss'"):
        BaselineTracker(party="boss")
    with pytest.raises(ParameterError, match=r"profile must be a voicecoach\.baseline\.Profile"):
        BaselineTracker(profile={"f0_median_hz": 100})  # type: ignore[arg-type]
    cfg = load_config(overrides={"baseline": {"pitch_window_s": 0.0}})
    with pytest.raises(ParameterError, match=r"baseline.pitch_window_s must be in \[0.01, 3600\]"):
        BaselineTracker(cfg)


def feature_rows(f0_hz, speech, nucleus=None, loudness_db=-20.0) -> Features:
    """Hand-made feature rows (voiced wherever f0 is finite)."""
    f0 = np.asarray(f0_hz, np.float32)
    n = f0.shape[0]
    sp = np.broadcast_to(np.asarray(speech, bool), (n,)).copy()
    nu = np.zeros(n, bool) if nucleus is None else np.asarray(nucleus, bool)
    lv = np.broadcast_to(np.asarray(loudness_db, np.float32), (n,)).copy()
    return Features(
        t_s=np.arange(n) * 0.01, f0_hz=f0, voiced=np.isfinite(f0) & sp, speech=sp,
        loudness_db=lv, syllable_rate=np.full(n, np.nan, np.float32),
        articulation_rate=np.full(n, np.nan, np.float32),
        noise_floor_db=np.full(n, -60.0, np.float32), aperiodicity=np.zeros(n, np.float32),
        vad_raw=sp.copy(), nucleus=nu, f0_settled_hz=f0,
    )


def test_utterance_deltas_are_against_the_profile_levels() -> None:
    """The utterance deltas (the customer agitation flag's cues) are taken against the
    profile's windowed levels, ``pitch_level_st`` (a low quantile, not the median F0) and
    ``loudness_level_db``: a voice alternating between two pitches a semitone apart reads 0
    on the lower one when calm, +3 st and +6 dB when raised by that much."""
    alt = np.where(np.arange(3000) % 2 == 0, 120.0, 120.0 * 2 ** (1 / 12))
    prof = profile_from_features(feature_rows(alt, True, loudness_db=-20.0), hop_s=0.01)
    assert prof.f0_median_st - prof.pitch_level_st == pytest.approx(0.5, abs=0.01)
    a = alt[:1000]
    rows = Features.concat([
        feature_rows(a, True, loudness_db=-20.0),
        feature_rows(np.full(100, np.nan), False, loudness_db=-60.0),  # a pause: a new one
        feature_rows(a * 2 ** (3 / 12), True, loudness_db=-14.0),
    ])
    m = BaselineTracker(profile=prof).process(rows)
    for name, calm, raised in (("utterance_pitch_delta_st", 0.0, 3.0),
                               ("utterance_loudness_delta_db", 0.0, 6.0)):
        v = getattr(m, name)
        assert np.isfinite(v[500:1000]).all() and np.isfinite(v[1600:]).all(), name
        assert v[500:1000] == pytest.approx(calm, abs=0.05), name
        assert v[1600:] == pytest.approx(raised, abs=0.05), name


def test_profile_windowed_statistics() -> None:
    """The profile's level, calm excursion, drift and measured seconds of each windowed
    measure: the median of the measure on the speech hops, the ``calm_quantile`` of the
    deltas from it, the difference of the two halves' medians (pace: in percent of the
    level), and the seconds measured. On ramps (+2 st, a quadratic +4 dB, 5 to 6.25 syl/s)
    with a pause, against numpy and against the ramps."""
    rng = np.random.default_rng(8)
    n = 6000
    ramp = np.linspace(0.0, 1.0, n)
    f0 = 120.0 * 2 ** ((2.0 * ramp + rng.normal(0, 0.3, n)) / 12)
    pos = np.cumsum(np.round(20 - 4 * np.linspace(0, 1, 330)).astype(int))
    nuc = np.zeros(n, bool)
    nuc[pos[pos < n]] = True
    sp = np.ones(n, bool)
    sp[2900:3100] = False
    loud = -22.0 + 4.0 * ramp**2 + rng.normal(0, 0.5, n)
    rows = feature_rows(np.where(sp, f0, np.nan), sp, nuc, loud)
    cfg = load_config()
    m = BaselineTracker(cfg)._core.measures(rows)
    p = profile_from_features(rows, hop_s=0.01, config=cfg)
    q = cfg.baseline.calm_quantile
    # (measure, profile prefix, relative, expected calm excursion and drift, tolerance)
    for measure, pre, rel, calm, drift, tol in (
        ("pitch_st", "pitch", False, 0.9, 1.0, 0.25),
        ("rate_sps", "rate", True, 12.5, 11.0, 3.0),
        ("loudness_db", "loudness", False, 2.5, 2.0, 0.4),
    ):
        unit = {"pitch": "st", "rate": "pct", "loudness": "db"}[pre]
        level = {"pitch": "pitch_level_st", "rate": "rate_level_sps",
                 "loudness": "loudness_level_db"}[pre]
        x = np.asarray(getattr(m, measure), np.float64)
        x = x[sp & np.isfinite(x)]
        ref = np.median(x)
        d = 100.0 * (x / ref - 1.0) if rel else x - ref
        h = x.size // 2
        dd = np.median(x[:h]) - np.median(x[h:])
        assert getattr(p, level) == pytest.approx(ref, abs=1e-5), pre
        assert getattr(p, f"{pre}_calm_{unit}") == pytest.approx(np.quantile(d, q), abs=1e-4)
        assert getattr(p, f"{pre}_drift_{unit}") == pytest.approx(
            abs(100.0 * dd / ref if rel else dd), abs=1e-4), pre
        assert getattr(p, f"{pre}_measured_s") == pytest.approx(x.size * 0.01), pre
        assert getattr(p, f"{pre}_calm_{unit}") == pytest.approx(calm, abs=tol), pre
        assert getattr(p, f"{pre}_drift_{unit}") == pytest.approx(drift, abs=tol), pre


def test_measures_are_speech_weighted() -> None:
    """Pauses neither dilute nor age the windows; the measures are NaN in them."""
    rng = np.random.default_rng(4)
    n = 1500
    f0 = 120.0 * 2 ** (rng.normal(0, 1.0, n) / 12)
    nuc = np.arange(n) % 20 == 5  # a steady 5 syllables/s
    a = feature_rows(f0, True, nuc, rng.normal(-20, 3, n))
    both = Features.concat([a[:1000], feature_rows(np.full(700, np.nan), False), a[1000:]])
    cfg = load_config()
    ma = BaselineTracker(cfg)._core.measures(a)
    mb = BaselineTracker(cfg)._core.measures(both)
    keep = np.r_[np.arange(1000), np.arange(1700, 2200)]
    for name in ("pitch_st", "loudness_db", "rate_sps"):
        va, vb = getattr(ma, name), getattr(mb, name)
        assert np.array_equal(va, vb[keep], equal_nan=True), name
        assert np.isnan(vb[1000:1700]).all(), name
    # the rate: 1 / (trimmed) mean interval between nuclei, from the rate_intervals-th one
    k = cfg.baseline.rate_intervals
    first = 5 + 20 * k  # the nucleus that closes the k-th interval
    assert np.isnan(ma.rate_sps[:first]).all()
    assert ma.rate_sps[first:] == pytest.approx(5.0)


def test_loudness_waits_for_a_full_window() -> None:
    """With ``loudness_min_speech_s = 3.0`` (session 38's default, a setting since session
    39) the loudness measure is NaN until the party has spoken its whole window, pauses not
    counted; from the full window on it is the power mean of the last 3 s."""
    assert load_config().baseline.loudness_min_speech_s == 1.0  # the default (session 39)
    cfg = load_config().replace(baseline={"loudness_min_speech_s": 3.0})
    b = cfg.baseline
    assert b.loudness_min_speech_s == b.loudness_window_s == 3.0
    # 1.5 s of speech at -12 dBFS, a 2 s pause, then calm speech at -20 dBFS
    lv = np.r_[np.full(150, -12.0), np.full(200, np.nan), np.full(600, -20.0)]
    sp = np.isfinite(lv)
    m = BaselineTracker(cfg)._core.measures(feature_rows(np.full(950, 120.0), sp, None, lv))
    full = 150 + 200 + 150 - 1  # the 300th speech hop
    assert np.isnan(m.loudness_db[:full]).all()
    power = (10 ** (-1.2) * 150 + 10 ** (-2.0) * 150) / 300
    assert m.loudness_db[full] == pytest.approx(10 * np.log10(power), abs=1e-3)
    assert m.loudness_db[-1] == pytest.approx(-20.0, abs=1e-3)
    # with the default 1 s minimum the loud opening is a measure of its own (+8 dB)
    early = BaselineTracker(cfg.replace(baseline={"loudness_min_speech_s": 1.0}))._core.measures(
        feature_rows(np.full(950, 120.0), sp, None, lv))
    assert early.loudness_db[99] == pytest.approx(-12.0, abs=1e-3)


def test_pitch_in_a_call_waits_for_a_full_window() -> None:
    """In a call (BaselineTracker: live and review) the pitch measure is NaN until
    ``pitch_call_min_voiced_s`` voiced seconds, pauses not counted; the calibration's measure
    (whose calm excursion sets the threshold) starts at ``pitch_min_voiced_s``, as before."""
    from voicecoach.baseline.measures import _MeasureCore

    assert load_config().baseline.pitch_call_min_voiced_s == 1.0  # the default: no wait
    cfg = load_config().replace(baseline={"pitch_call_min_voiced_s": 3.5})
    b = cfg.baseline
    assert b.pitch_min_voiced_s == 1.0 and b.pitch_call_min_voiced_s == b.pitch_window_s == 3.5
    # 2 s voiced at 200 Hz, a 1 s pause, then voiced at 150 Hz
    f0 = np.r_[np.full(200, 200.0), np.full(100, np.nan), np.full(400, 150.0)]
    sp = np.isfinite(f0)
    rows = feature_rows(f0, sp)
    call = BaselineTracker(cfg).process(rows)
    full = 200 + 100 + 150 - 1  # the 350th voiced hop
    assert np.isnan(call.pitch_st[:full]).all() and np.isnan(call.pitch_delta_st[:full]).all()
    assert np.isfinite(call.pitch_st[full])
    calib = _MeasureCore(cfg).measures(rows)
    assert np.isnan(calib.pitch_st[:99]).all() and np.isfinite(calib.pitch_st[99])
    # once full, the two read the same window: the same value
    np.testing.assert_array_equal(call.pitch_st[full:], calib.pitch_st[full:])
    # live hop by hop, or in uneven blocks: the same
    for cuts in ([1] * 700, [3, 1, 96, 250, 1, 349]):
        tr, parts, a = BaselineTracker(cfg), [], 0
        for k in cuts:
            parts.append(tr.process(rows[a : a + k]).pitch_st)
            a += k
        np.testing.assert_array_equal(np.concatenate(parts), call.pitch_st)
    # the provisional baseline (no profile: the call's first 30 s) gathers the calibration's
    # measure, so its calm excursion is the calibration's
    long = feature_rows(np.tile(f0, 6), np.tile(sp, 6))
    tr = BaselineTracker(cfg)
    tr.process(long)
    need = round(b.provisional_s / cfg.analysis.hop_s)
    j = int(np.flatnonzero(np.cumsum(long.speech) == need)[0])
    expect = profile_from_features(long[: j + 1], provisional=True, source=tr.profile.source)
    for key in ("pitch_level_st", "pitch_calm_st", "pitch_drift_st", "pitch_measured_s"):
        assert getattr(tr.profile, key) == getattr(expect, key), key
    # (test_provisional_baseline checks the whole profile on real rows)
    with pytest.raises(ParameterError, match="pitch_call_min_voiced_s"):
        BaselineTracker(cfg.replace(baseline={"pitch_call_min_voiced_s": -1.0}))
    # a shorter window (a what-if) is waited for whole, not refused
    short = BaselineTracker(cfg.replace(baseline={"pitch_window_s": 1.5})).process(rows)
    assert np.isnan(short.pitch_st[:149]).all() and np.isfinite(short.pitch_st[149])


def test_interval_rate_is_a_tempo() -> None:
    """The rate measure: 1 / trimmed mean of the last N nucleus intervals within speech.

    Checked against a direct computation on random intervals; a x1.25 tempo gives x1.25
    (a count per second of speech would not: pauses and VAD hangovers do not shrink); an
    interval that spans a pause or is longer than rate_max_interval_s is not counted; the
    output does not depend on the block cutting.
    """
    from voicecoach.baseline.rolling import _IntervalRate

    rng = np.random.default_rng(11)
    gaps = rng.integers(12, 35, 300)  # hops between nuclei, 0.12-0.34 s
    pos = np.cumsum(gaps)
    n = int(pos[-1]) + 10
    nuc = np.zeros(n, bool)
    nuc[pos] = True
    sp = np.ones(n, bool)
    size, trim = 40, 0.25
    rate = _IntervalRate(size, 60, trim, 0.01).process(sp, nuc)
    iv = np.diff(pos)
    for j in (size, 100, 298):  # the value right after nucleus j
        w = np.sort(iv[j - size : j])[10:30]
        assert rate[pos[j]] == pytest.approx(1.0 / (w.mean() * 0.01), rel=1e-6)
    assert np.isnan(rate[: pos[size]]).all()
    # block invariance
    r2 = _IntervalRate(size, 60, trim, 0.01)
    parts, i = [], 0
    while i < n:
        k = int(rng.choice([1, 2, 7, 300, 2000]))
        parts.append(r2.process(sp[i : i + k], nuc[i : i + k]))
        i += k
    assert np.array_equal(np.concatenate(parts), rate, equal_nan=True)
    # a 25 % faster tempo: intervals x 0.8
    fast_pos = np.cumsum(np.round(gaps * 0.8).astype(int))
    fast = np.zeros(int(fast_pos[-1]) + 10, bool)
    fast[fast_pos] = True
    rf = _IntervalRate(size, 60, trim, 0.01).process(np.ones(fast.shape[0], bool), fast)
    assert np.nanmedian(rf) / np.nanmedian(rate) == pytest.approx(1.25, abs=0.03)
    # a non-speech hop between two nuclei, or a gap over max_hops: that interval is dropped
    sp2 = sp.copy()
    sp2[pos[200] + 3] = False
    r3 = _IntervalRate(size, 60, trim, 0.01).process(sp2, nuc)
    w = np.sort(np.r_[iv[200 - size + 1 : 200], iv[201:202]])[10:30]
    assert r3[pos[202]] == pytest.approx(1.0 / (w.mean() * 0.01), rel=1e-6)
    r4 = _IntervalRate(size, 20, trim, 0.01).process(sp, nuc)  # intervals <= 0.2 s only
    short = iv[iv <= 20]
    assert np.nanmin(r4) >= 1.0 / (short.max() * 0.01) - 1e-6
    with pytest.raises(ParameterError, match=r"interval trim must be in \[0, 0.5\)"):
        _IntervalRate(size, 60, 0.5, 0.01)


def test_pitch_measure_is_a_banded_low_quantile() -> None:
    """pitch_st: the [baseline] pitch_quantile of the window's voiced semitones within the
    octave band of its median, against numpy; 0.5 gives the banded median."""
    from voicecoach.baseline.rolling import _RollingQuantiles

    rng = np.random.default_rng(9)
    x = rng.normal(12.0, 1.5, 900).astype(np.float32)
    x[rng.random(900) < 0.2] += 12.0  # octave slips up
    x[rng.random(900) < 0.1] = np.nan
    for q in (0.3, 0.5):
        roll = _RollingQuantiles(200, 50, (q,), band=6.0)
        small = np.concatenate([roll.process(x[i : i + 3])[0] for i in range(0, 450, 3)])
        big = roll.process(x[450:])[0]
        got = np.concatenate([small, big])
        for k in (300, 600, 899):
            w = x[k - 199 : k + 1].astype(np.float64)
            w = w[np.isfinite(w)]
            m = np.median(w)
            ref = np.quantile(w[np.abs(w - m) <= 6.0], q)
            assert got[k] == pytest.approx(ref, abs=1e-5), (q, k)
    with pytest.raises(ParameterError, match="one quantile"):
        _RollingQuantiles(10, 1, (0.1, 0.9), band=6.0)


def test_octave_slips_do_not_move_the_pitch_measure() -> None:
    """30 % of voiced hops an octave up (or down) move the pitch measure by < 0.05 st."""
    rng = np.random.default_rng(5)
    n = 1200
    f0 = 120.0 * 2 ** (rng.normal(0, 1.0, n) / 12)
    slips = rng.random(n) < 0.3
    cfg = load_config()
    clean = BaselineTracker(cfg)._core.measures(feature_rows(f0, True)).pitch_st
    ok = np.isfinite(clean)
    assert ok.sum() > 800
    for factor in (2.0, 0.5):
        slipped = BaselineTracker(cfg)._core.measures(
            feature_rows(np.where(slips, f0 * factor, f0), True)
        ).pitch_st
        d = slipped[ok] - clean[ok]
        assert np.abs(np.median(d)) < 0.05 and np.abs(d).max() < 0.5, factor
    # a plain quantile (a band wide enough to keep the slips) is moved by them
    wide = load_config(overrides={"baseline": {"pitch_octave_band_st": 24.0}})
    for factor, sign in ((2.0, 1), (0.5, -1)):
        moved = BaselineTracker(wide)._core.measures(
            feature_rows(np.where(slips, f0 * factor, f0), True)
        ).pitch_st
        assert sign * np.median(moved[ok] - clean[ok]) > 0.25, factor


def test_the_measures_read_the_configured_pitch_track() -> None:
    """``[baseline] pitch_track``: the windowed measures, the calibrated profile and the
    provisional baseline read the live pitch by default, the settled path's on request;
    the utterance measures (the agitation flag) read the live pitch either way.

    The live track here holds a 4 s octave error (longer than the 3.5 s window: the band
    cannot absorb it) that the settled track does not have, as when the settled path's
    lookahead corrects a whole phrase the live path started an octave off.
    """
    rng = np.random.default_rng(14)
    n = 4000
    f0 = 120.0 * 2 ** (rng.normal(0, 1.0, n) / 12)
    live = f0.copy()
    live[2000:2400] *= 2.0
    import dataclasses

    sp = np.ones(n, bool)
    sp[1900:2000] = False  # a 1 s pause: the octave error opens an utterance
    rows = dataclasses.replace(
        feature_rows(f0, sp, loudness_db=rng.normal(-20, 2, n)), f0_hz=live.astype(np.float32)
    )
    clean = BaselineTracker(load_config())._core.measures(feature_rows(f0, sp)).pitch_st
    live_cfg = load_config()
    assert live_cfg.baseline.pitch_track == "live"
    cfg = load_config(overrides={"baseline": {"pitch_track": "settled"}})
    settled = BaselineTracker(cfg)._core.measures(rows).pitch_st
    assert np.array_equal(settled, clean, equal_nan=True)
    moved = BaselineTracker(live_cfg)._core.measures(rows).pitch_st
    assert np.nanmax(moved[2000:2800] - clean[2000:2800]) > 6.0
    # the utterance measures (the agitation flag's, 0.25 s) keep the live pitch
    u_settled = BaselineTracker(cfg)._core.process(rows)[5]
    u_live = BaselineTracker(live_cfg)._core.process(rows)[5]
    assert np.array_equal(u_settled, u_live, equal_nan=True)
    assert np.nanmax(u_live[2000:2400]) - np.nanmax(u_live[:2000]) > 6.0
    f, v = coached_pitch(rows, cfg)
    assert np.array_equal(f, rows.f0_settled_hz.astype(np.float64)) and np.array_equal(v, sp)
    # the profile (calibration and the provisional baseline alike) reads the same track
    prof = profile_from_features(rows, hop_s=0.01, config=cfg)
    prof_live = profile_from_features(rows, hop_s=0.01, config=live_cfg)
    ref = np.median(12 * np.log2(f0[sp] / 55.0))
    assert prof.f0_median_st == pytest.approx(ref, abs=0.01)
    assert prof_live.f0_p90_st - prof.f0_p90_st > 1.0
    tr = BaselineTracker(
        load_config(overrides={"baseline": {"provisional_s": 30.0, "pitch_track": "settled"}})
    )
    tr.process(rows)
    assert tr.profile is not None and tr.profile.f0_median_st == pytest.approx(
        np.median(12 * np.log2(f0[:3100][sp[:3100]] / 55.0)), abs=0.01
    )
    with pytest.raises(ConfigError, match=r'pitch_track must be "settled" or "live", got .tenor'):
        load_config(overrides={"baseline": {"pitch_track": "tenor"}})


@pytest.mark.parametrize("with_profile", [False, True])
def test_in_call_references_follow_calm_offsets_not_changes(
    calm, profile: Profile, with_profile: bool
) -> None:
    """``[baseline] adapt_s``: the pitch and loudness deltas are taken against references
    that start at the profile's and follow the measure only while its delta is inside the
    band: a calm offset (another microphone: +2 dB) fades with the time constant, a change
    (+6 dB, +3 st) stays. Off (0), the references are the profile's; on, the output still
    does not depend on the block cutting."""
    import dataclasses

    n = 6000
    rng = np.random.default_rng(3)
    f0 = 120.0 * 2 ** (rng.normal(0, 0.7, n) / 12)
    base = feature_rows(f0, True, loudness_db=rng.normal(-20, 1.5, n))
    cfg = load_config(overrides={"baseline": {"adapt_s": 10.0}})
    own = profile_from_features(base[:3000], hop_s=0.01)  # calibrated on this very voice
    fixed = BaselineTracker(load_config(), profile=own)
    adapt = BaselineTracker(cfg, profile=own)
    # a calm offset of +2 dB (within the 3.5 dB band): it fades with the 10 s time constant
    up2 = dataclasses.replace(base, loudness_db=(base.loudness_db + 2.0).astype(np.float32))
    d_fix = fixed.process(up2).loudness_delta_db
    d_ad = adapt.process(up2).loudness_delta_db
    assert np.nanmedian(d_fix[-1000:]) == pytest.approx(2.0, abs=0.2)
    assert np.nanmedian(d_ad[200:400]) > 1.5  # the first seconds: still the profile's level
    assert abs(np.nanmedian(d_ad[-1000:])) < 0.1  # after ~55 s of speech: today's level
    # a change outside the bands (+6 dB, +3 st) is not absorbed
    for name, field, shift in (("loudness_delta_db", "loudness_db", 6.0),
                               ("pitch_delta_st", "f0_hz", 2 ** (3 / 12))):
        v = getattr(base, field)
        moved = dataclasses.replace(
            base, **{field: (v * shift if field == "f0_hz" else v + shift).astype(np.float32)},
            f0_settled_hz=(base.f0_hz * (shift if field == "f0_hz" else 1.0)).astype(np.float32),
        )
        adapt.reset()
        fixed.reset()
        d_a = getattr(adapt.process(moved), name)
        d_f = getattr(fixed.process(moved), name)
        assert np.nanmedian(d_a[-1000:]) == pytest.approx(np.nanmedian(d_f[-1000:]), abs=0.05)
    # off: the profile's references, bit for bit; on: block-cutting invariant
    _, _, rows = calm
    prof = profile if with_profile else None
    tr = BaselineTracker(cfg, profile=prof)
    whole = tr.process(rows)
    tr.reset()
    assert run_cut(tr, rows, [1, 7, 160, 3, 999]).equals(whole)
    off = BaselineTracker(load_config(overrides={"baseline": {"adapt_s": 0.0}}), profile=prof)
    assert off.process(rows).equals(BaselineTracker(profile=prof).process(rows))
    with pytest.raises(ConfigError, match=r"need adapt_s >= 0 \(0 = off\).*got -1.0"):
        load_config(overrides={"baseline": {"adapt_s": -1.0}})


def test_pitch_spread_is_p90_minus_p10_over_the_monotony_window() -> None:
    """The monotony measure: p90 - p10 of the voiced pitch (semitones) over the last
    ``monotony_window_s`` of time (pauses included, so a pause ages it), NaN with fewer than
    ``monotony_min_voiced_s`` voiced seconds in it; the same in one block or hop by hop."""
    rng = np.random.default_rng(12)
    cfg = load_config()
    c = cfg.coach
    win, need = round(c.monotony_window_s / 0.01), round(c.monotony_min_voiced_s / 0.01)
    n = 3000
    st = np.where(np.arange(n) < 1500, rng.normal(0, 0.3, n), rng.normal(0, 2.0, n))
    voiced = np.ones(n, bool)
    voiced[2000:2600] = False  # a 6 s pause: the window keeps only 1 s of voice at its end
    f0 = np.where(voiced, 120.0 * 2 ** (st / 12), np.nan)
    rows = feature_rows(f0, voiced, np.arange(n) % 20 == 5, np.full(n, -20.0))
    got = BaselineTracker(cfg)._core.measures(rows).pitch_spread_st
    want = np.full(n, np.nan)
    for i in range(n):
        w = st[max(0, i - win + 1) : i + 1][voiced[max(0, i - win + 1) : i + 1]]
        if w.size >= need:
            want[i] = np.quantile(w, 0.9) - np.quantile(w, 0.1)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.isfinite(want)
    assert np.nanmax(np.abs(got[ok] - want[ok])) < 0.05  # semitones
    # a flat voice reads monotonous, a varied one does not (1.2 st: the rule's threshold)
    assert got[1400] < 1.0 and got[1999] > 3.0
    assert np.isnan(got[2550])  # the pause left under 2 s of voice in the window
    core = BaselineTracker(cfg)._core
    parts = [core.measures(rows[i : i + 1]).pitch_spread_st for i in range(400)]
    assert np.array_equal(np.concatenate(parts), got[:400], equal_nan=True)
