"""Telephone audio saved at a wideband rate is read as telephone audio (the harmonic check).

Real-voice figures (README, *Pitch over a telephone line*, "A telephone call saved at a
wideband rate"): 40 s of real wideband speech reads -5 to -20 dB, its telephone copies
upsampled -48 dB or less; the default threshold is -35 dB. Here the generator's voice, whose
spectrum reaches 8 kHz.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import soxr

from voicecoach.analysis.band import BandMeter, band_ratio_db, telephone_band
from voicecoach.baseline import Calibrator, calibrate_array
from voicecoach.config import load_config
from voicecoach.errors import ParameterError
from voicecoach.io import READ_BLOCK, iter_features, source_rate_hz
from voicecoach.sources.synthetic import synth_speech

SR = 16000
THRESHOLD_DB = load_config().pitch.telephone_band_db


@pytest.fixture(scope="module")
def voices() -> dict[str, np.ndarray]:
    """A wideband voice, its telephone copy back at 16 kHz, and that copy at 8 kHz."""
    from scipy.signal import butter, sosfiltfilt

    x, _ = synth_speech(duration_s=20.0, f0_hz=110.0, snr_db=40.0, seed=3)
    sos = butter(6, [300, 3400], btype="band", fs=SR, output="sos")
    tel8 = soxr.resample(sosfiltfilt(sos, x.astype(np.float64)), SR, 8000)
    return {"wide": x.astype(np.float32), "tel16": soxr.resample(tel8, 8000, SR).astype(
        np.float32), "tel8": tel8.astype(np.float32)}


def test_the_band_ratio_tells_telephone_from_wideband(voices) -> None:
    wide, tel = band_ratio_db(voices["wide"], SR), band_ratio_db(voices["tel16"], SR)
    assert -30.0 < wide < 0.0 and tel < -60.0, (wide, tel)
    assert not telephone_band(voices["wide"], SR, THRESHOLD_DB)
    assert telephone_band(voices["tel16"], SR, THRESHOLD_DB)
    # at 48 kHz alike (the upper band is the same 4.3-7 kHz)
    tel48 = soxr.resample(voices["tel16"], SR, 48000)
    assert telephone_band(tel48, 48000, THRESHOLD_DB)
    assert not telephone_band(soxr.resample(voices["wide"], SR, 48000), 48000, THRESHOLD_DB)
    # what cannot be told is not telephone audio; 8 kHz is, by its rate
    assert math.isnan(band_ratio_db(np.zeros(SR), SR))
    assert math.isnan(band_ratio_db(voices["wide"][:500], SR))
    assert math.isnan(band_ratio_db(voices["wide"][:11025], 11025))
    assert math.isnan(band_ratio_db(np.stack([voices["wide"]] * 2, axis=1), SR))  # one channel
    assert not telephone_band(np.zeros(SR), SR, THRESHOLD_DB)
    assert telephone_band(voices["tel8"], 8000, THRESHOLD_DB)
    # "at or under" the threshold: a ratio equal to it is telephone band
    assert telephone_band(voices["tel16"], SR, tel)
    assert not telephone_band(voices["tel16"], SR, float(np.nextafter(tel, -np.inf)))


def test_the_band_edges_and_the_limits_of_what_can_be_told(voices) -> None:
    """The ratio is of power in exactly the two bands; 12 kHz, 1024 samples, -110 dBFS."""
    t = np.arange(2 * SR) / SR

    def tones(*fa: tuple[float, float], rate: int = SR) -> np.ndarray:
        tt = np.arange(2 * rate) / rate
        return sum(a * np.sin(2 * np.pi * f * tt) for f, a in fa)

    # a tone at 1/10 the line tone's amplitude in the upper band: -20 dB (power, not amplitude)
    assert abs(band_ratio_db(tones((1000, 1.0), (5000, 0.1)), SR) + 20.0) < 0.1
    # between the bands (3.6 kHz and 4.0 kHz) and above them (7.5 kHz) counts for neither
    assert abs(band_ratio_db(tones((1000, 1.0), (3600, 1.0), (5000, 0.1)), SR) + 20.0) < 0.1
    assert band_ratio_db(tones((1000, 1.0), (4000, 1.0)), SR) < -80.0
    assert band_ratio_db(tones((1000, 1.0), (7500, 1.0)), SR) < -80.0
    assert band_ratio_db(tones((1000, 1.0), (7500, 1.0), rate=48000), 48000) < -80.0
    assert abs(band_ratio_db(tones((1000, 1.0), (6800, 0.1), rate=48000), 48000) + 20.0) < 0.1
    # 12 kHz is the lowest rate told, its upper band capped at 0.45 x the rate (5.4 kHz)
    assert abs(band_ratio_db(tones((1000, 1.0), (5000, 0.1), rate=12000), 12000) + 20.0) < 0.1
    assert band_ratio_db(tones((1000, 1.0), (5700, 1.0), rate=12000), 12000) < -80.0
    wide12 = soxr.resample(voices["wide"], SR, 12000)
    assert -35.0 < band_ratio_db(wide12, 12000) < 0.0
    assert math.isnan(band_ratio_db(wide12, 11999))
    # 1024-sample segments up to 24 kHz, 2048 above
    assert math.isfinite(band_ratio_db(voices["wide"][:1500], 24000))
    assert math.isnan(band_ratio_db(voices["wide"][:1500], 24001))
    # silence: white noise at -130 dBFS holds nothing to judge, at -120 dBFS it does
    noise = np.random.default_rng(0).standard_normal(t.size)
    assert math.isnan(band_ratio_db(noise * 10 ** (-130 / 20), SR))
    assert -3.0 < band_ratio_db(noise * 10 ** (-120 / 20), SR) < 1.0


def test_a_file_channel_reads_at_its_band(tmp_path, voices) -> None:
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([voices["wide"], voices["tel16"]], axis=1), SR, subtype="FLOAT")
    assert source_rate_hz(path, 0) == SR
    assert source_rate_hz(path, 1) == 8000.0
    off = load_config(overrides={"pitch": {"band_scan_s": 0.0}})
    assert source_rate_hz(path, 1, off) == SR  # by the rate alone
    # the scan reads the first band_scan_s only: a telephone start decides
    late = tmp_path / "late.wav"
    sf.write(late, np.concatenate([voices["tel16"], voices["wide"]]), SR, subtype="FLOAT")
    short = load_config(overrides={"pitch": {"band_scan_s": 15.0}})
    assert source_rate_hz(late, 0, short) == 8000.0
    assert source_rate_hz(late, 0) == SR  # 40 s: the wideband half dominates
    # not a sample past band_scan_s: 17 s of telephone audio, then wideband from mid-block
    cut = tmp_path / "cut.wav"
    sf.write(cut, np.concatenate([voices["tel16"][: 17 * SR], voices["wide"]]), SR,
             subtype="FLOAT")
    assert source_rate_hz(cut, 0, load_config(overrides={"pitch": {"band_scan_s": 17.0}})
                          ) == 8000.0
    # at or under telephone_band_db (the ratio of the streamed scan itself) is telephone band
    meter = BandMeter(SR)
    for i in range(0, voices["tel16"].size, READ_BLOCK):
        meter.push(voices["tel16"][i : i + READ_BLOCK])
    at = meter.ratio_db()
    assert source_rate_hz(path, 1, load_config(overrides={"pitch": {
        "telephone_band_db": at}})) == 8000.0
    assert source_rate_hz(path, 1, load_config(overrides={"pitch": {
        "telephone_band_db": float(np.nextafter(at, -np.inf))}})) == SR
    # band_scan_s is seconds at the file's rate: at 48 kHz, 6 s of telephone audio then
    # wideband, a 15 s scan reads 9 s of the wideband part
    at48 = tmp_path / "at48.wav"
    sf.write(at48, soxr.resample(np.concatenate([voices["tel16"][: 6 * SR],
                                                 voices["wide"][: 10 * SR]]), SR, 48000),
             48000, subtype="FLOAT")
    assert source_rate_hz(at48, 0, short) == 48000.0
    assert source_rate_hz(at48, 0, load_config(overrides={"pitch": {"band_scan_s": 5.0}})
                          ) == 8000.0
    # a NaN sample in the scan does not make the band unknowable (read as 0)
    holed = voices["tel16"].copy()
    holed[SR] = np.nan
    sf.write(tmp_path / "holed.wav", holed, SR, subtype="FLOAT")
    assert source_rate_hz(tmp_path / "holed.wav") == 8000.0
    sf.write(tmp_path / "t8.wav", voices["tel8"], 8000, subtype="FLOAT")
    assert source_rate_hz(tmp_path / "t8.wav") == 8000.0
    with pytest.raises(ParameterError, match=r"has 2 channel\(s\); channel 2 is not one of 0..1"):
        source_rate_hz(path, 2)


def test_analyze_runs_the_check_on_a_telephone_channel(tmp_path, voices) -> None:
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([voices["wide"], voices["tel16"]], axis=1), SR, subtype="FLOAT")
    got = list(iter_features(path, "all"))
    for c, mode in ((0, "off"), (1, "on")):
        cfg = load_config(overrides={"pitch": {"harmonic_check": mode}})
        want = list(iter_features(path, c, cfg))
        np.testing.assert_array_equal(np.concatenate([g[c].f0_hz for g in got]),
                                      np.concatenate([w[0].f0_hz for w in want]))
    on = load_config(overrides={"pitch": {"harmonic_check": "on"}})
    checked = np.concatenate([w[0].f0_hz for w in iter_features(path, 0, on)])
    assert not np.array_equal(checked, np.concatenate([g[0].f0_hz for g in got]),
                              equal_nan=True)  # the check changes this voice's pitch


def test_calibration_reads_telephone_band_as_telephone_audio(tmp_path, voices) -> None:
    prof = calibrate_array(voices["tel16"], SR)
    assert prof.calibration_rate_hz == 8000.0
    on = load_config(overrides={"pitch": {"harmonic_check": "on"}})
    assert prof.replace(created_utc="") == calibrate_array(voices["tel16"], SR, on).replace(
        created_utc="")
    assert calibrate_array(voices["wide"], SR).calibration_rate_hz == SR
    sf.write(tmp_path / "tel16.wav", voices["tel16"], SR, subtype="FLOAT")
    cal = Calibrator()
    cal.feed_file(tmp_path / "tel16.wav")
    assert cal.analyzer.harmonic
    assert cal.finish().calibration_rate_hz == 8000.0


def test_the_meter_streams_in_constant_memory(voices) -> None:
    """Blocks of any size give the spectrum of the whole (within 0.5 dB: the segments)."""
    whole = band_ratio_db(voices["wide"], SR)
    for size in (1000, 4096, 65536):
        m = BandMeter(SR)
        for i in range(0, voices["wide"].size, size):
            m.push(voices["wide"][i : i + size])
        assert abs(m.ratio_db() - whole) < 0.5, size
        assert m._tail.size < m.nperseg  # only a partial segment is held


def test_the_telephone_line_streams_and_keeps_the_line_band() -> None:
    """TelephoneLine: 0.3-3.4 kHz and mu-law, the same samples whatever the block cutting."""
    from voicecoach.analysis.band import TelephoneLine

    rng = np.random.default_rng(5)
    x = (0.1 * rng.standard_normal(SR)).astype(np.float32)
    whole = TelephoneLine(SR).process(x)
    line = TelephoneLine(SR)
    parts = [line.process(x[a:b]) for a, b in ((0, 1), (1, 161), (161, 5000), (5000, SR))]
    assert np.array_equal(np.concatenate(parts), whole)
    line.reset()
    assert np.array_equal(line.process(x), whole)  # reset: an idle line again
    t = np.arange(SR) / SR
    for f_hz, lo, hi in ((100.0, 0.0, 0.02), (1000.0, 0.9, 1.1), (6000.0, 0.0, 0.02)):
        y = TelephoneLine(SR).process(np.sin(2 * np.pi * f_hz * t).astype(np.float32))
        peak = np.abs(y[SR // 2:]).max()
        assert lo <= peak <= hi, (f_hz, peak)
    with pytest.raises(ValueError, match="at least 8000 Hz"):
        TelephoneLine(4000)


def test_calibration_stores_the_references_of_a_telephone_line(tmp_path, voices) -> None:
    """A profile holds the same references over a simulated line (Profile.telephone); a
    telephone-rate channel is judged against them (for_rate, CallAnalyzer), a wideband one
    against the profile's own; files keep them ([telephone] table)."""
    from voicecoach.baseline.profile import Profile
    from voicecoach.pipeline import CallAnalyzer
    from voicecoach.profiles import profile_from_toml, profile_to_toml

    prof = calibrate_array(voices["wide"], SR, name="w")
    assert prof.telephone is not None and "name" not in prof.telephone
    tel = prof.for_rate(8000)
    assert prof.for_rate(16000) is prof and prof.for_rate(None) is prof
    assert tel.calibration_rate_hz == 8000.0 and tel.telephone is None
    assert tel.name == "w" and tel.voice == prof.voice and tel.source == prof.source
    # the line cuts this 110 Hz voice's fundamental: it reads quieter there
    assert tel.loudness_level_db < prof.loudness_level_db - 0.5
    assert tel.pitch_level_st == prof.telephone["pitch_level_st"]
    # what the line gives: the profile of the speech sent through it (without a voice model)
    from voicecoach.analysis.band import TelephoneLine

    direct = Calibrator(telephone=False)
    direct._band(8000.0)
    direct.feed(TelephoneLine(SR).process(voices["wide"][: voices["wide"].size // 160 * 160]))
    d = direct.finish(name="w", source=prof.source).replace(voice=prof.voice,
                                                           calibration_rate_hz=8000.0)
    assert tel.replace(created_utc="").to_dict() == d.replace(created_utc="").to_dict()
    # kept by the files and the dicts, checked when read
    assert Profile.from_dict(prof.to_dict()).for_rate(8000) == tel
    back = profile_from_toml(profile_to_toml(prof))
    assert "[telephone]" in profile_to_toml(prof)
    assert back.for_rate(8000).loudness_level_db == pytest.approx(tel.loudness_level_db,
                                                                 abs=1e-4)
    bad = {**prof.to_dict(), "telephone": {**prof.telephone, "pitch_level_st": "high"}}
    with pytest.raises(ParameterError, match="profile table 'telephone'"):
        Profile.from_dict(bad)
    assert Profile.from_dict({**prof.to_dict(), "telephone": None}).telephone is None
    # the pipeline takes the references of the agent channel's band
    on = load_config(overrides={"baseline": {"telephone_references": True}})
    assert CallAnalyzer(on, profile=prof, source_rates_hz=[8000.0, 8000.0],
                        agent_lows_cut=True).coach.agent_baseline.profile == tel
    for unsure in (False, None):  # lows kept (VoIP), or not known (live): its own
        assert CallAnalyzer(on, profile=prof, source_rates_hz=[8000.0, 8000.0],
                            agent_lows_cut=unsure).coach.agent_baseline.profile == prof
    assert CallAnalyzer(on, profile=prof, source_rates_hz=[16000.0, 8000.0]).coach \
        .agent_baseline.profile == prof
    assert CallAnalyzer(profile=prof, source_rates_hz=[8000.0, 8000.0],
                        agent_lows_cut=True).coach.agent_baseline.profile == prof  # default: off
    # a profile calibrated on telephone audio serves telephone calls as it is
    tel16 = calibrate_array(voices["tel16"], SR)
    assert tel16.telephone is None and tel16.for_rate(8000) is tel16
    assert prof.replace(calibration_rate_hz=8000.0).for_rate(8000).telephone is not None
    # a calibration without the line's copy: no references, judged on its own
    plain = Calibrator(telephone=False)
    plain.feed_array(voices["wide"], SR)
    assert plain.finish().telephone is None


def test_lows_tell_a_line_from_audio_that_kept_them(tmp_path, voices) -> None:
    """[baseline] line_lows_db: a line cuts the 60-200 Hz energy (-42 to -52 dB on real
    voices); wideband speech and an 8 kHz copy without that cut keep it."""
    from voicecoach.analysis.band import TelephoneLine
    from voicecoach.io import lows_cut

    x = voices["wide"]
    line = TelephoneLine(SR).process(x)
    for name, y, rate, cut in (("wide", x, SR, False), ("line", line, SR, True),
                               ("line8", soxr.resample(line, SR, 8000), 8000, True),
                               ("kept8", soxr.resample(x, SR, 8000), 8000, False)):
        m = BandMeter(rate)
        m.push(y)
        assert (m.lows_db() <= -35.0) is cut, (name, m.lows_db())
        sf.write(tmp_path / f"{name}.wav", y, rate, subtype="FLOAT")
        assert lows_cut(tmp_path / f"{name}.wav") is cut, name
    sf.write(tmp_path / "short.wav", x[:4000], SR, subtype="FLOAT")
    assert lows_cut(tmp_path / "short.wav") is None  # under a second: cannot tell
    off = load_config(overrides={"pitch": {"band_scan_s": 0.0}})
    assert lows_cut(tmp_path / "line.wav", 0, off) is None
    assert math.isnan(BandMeter(SR).lows_db())
