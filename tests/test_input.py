"""Input handling: dtypes, shapes, rates, channels, bad files, with clear messages."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from voicecoach import analyze_file
from voicecoach.analysis import BlockAdapter, ChannelAnalyzer, Features
from voicecoach.errors import AudioFormatError, ParameterError, SourceError, VoiceCoachError
from voicecoach.io import iter_hops

from .conftest import SR, vowelish


def test_error_hierarchy() -> None:
    assert issubclass(AudioFormatError, ParameterError)
    assert issubclass(ParameterError, ValueError)
    assert issubclass(SourceError, OSError)
    assert issubclass(SourceError, VoiceCoachError)


@pytest.mark.parametrize(
    ("block", "msg"),
    [
        (np.zeros(160, np.int32), r"dtype int32; allowed dtypes are int16, float32, float64"),
        (np.full(160, np.nan, np.float32), r"160 NaN or infinite sample\(s\).*must be finite"),
        (np.r_[np.zeros(159), np.inf].astype(np.float32), r"the first at sample 159\)"),
        (np.r_[np.zeros(159), 30.0].astype(np.float32),
         r"float samples up to 30 \(first beyond 16 at sample 159\).*samples / 32768"),
        (np.full(160, 1e39), r"float samples up to 1e\+39"),  # finite, inf as float32
        (np.zeros(160, np.uint8), r"\(samples.astype\(np.float32\) - 128\) / 128"),
        (np.zeros(160, np.complex64), r"audio is real-valued"),
        (np.zeros(100, np.float32), r"100 samples, not a whole number of 160-sample hops"),
        (np.zeros((160, 2), np.float32), r"shape \(160, 2\); one channel takes a 1-D array"),
        ([0.0] * 160, r"must be a numpy array, got list"),
    ],
)
def test_process_rejects_bad_blocks(block: object, msg: str) -> None:
    with pytest.raises(AudioFormatError, match=msg):
        ChannelAnalyzer().process(block)  # type: ignore[arg-type]


def test_float_headroom_and_byte_order_are_accepted(rng: np.random.Generator) -> None:
    x = vowelish(0.5, 150.0, rng)
    x[100] = 1.9  # a mix's overshoot, under MAX_FLOAT_PEAK
    x[200] = -2.1  # two voices summed in float (the mono-call benchmark's mix reached 2.1)
    x[300] = 15.9
    a = ChannelAnalyzer().process(x)
    b = ChannelAnalyzer().process(x.astype(">f4"))  # big-endian float32 is float32
    assert a.equals(b)


def test_nan_in_a_file_names_the_file_the_time_and_the_channel(tmp_path) -> None:
    x = np.zeros((8 * SR, 2), np.float32)
    x[6 * SR + 5, 1] = np.nan
    p = tmp_path / "late_nan.wav"
    sf.write(p, x, SR, subtype="FLOAT")
    with pytest.raises(AudioFormatError,
                       match=r"'.*late_nan.wav': .*1 NaN .*sample 96005 \(6.00 s\), channel 1"):
        analyze_file(p)
    sf.write(p, x[:, :1] * 0 + 40.0, SR, subtype="FLOAT")  # int16-range values stored as float
    with pytest.raises(AudioFormatError, match=r"late_nan.wav': .*up to 40 .*look like PCM"):
        analyze_file(p)


@pytest.mark.parametrize("channel", [1.7, True, "1.0", "x"])
def test_a_channel_must_be_a_whole_index(tmp_path, channel: object) -> None:
    p = tmp_path / "st.wav"
    sf.write(p, np.zeros((SR, 2), np.float32), SR)
    with pytest.raises(AudioFormatError, match=r"is not valid; give a whole index 0..1 or 'all'"):
        analyze_file(p, channel=channel)  # type: ignore[arg-type]


def test_calibration_needs_one_channel_of_a_stereo_file(tmp_path) -> None:
    from voicecoach.baseline import Calibrator

    p = tmp_path / "st.wav"
    sf.write(p, np.zeros((SR, 2), np.float32), SR)
    with pytest.raises(AudioFormatError, match=r"one channel, the one that holds the speaker"):
        Calibrator().feed_file(p, "all")  # type: ignore[arg-type]


def test_a_rejected_block_leaves_state_untouched(rng: np.random.Generator) -> None:
    x = vowelish(1.0, 150.0, rng)
    an = ChannelAnalyzer()
    a = an.process(x[:8000])
    with pytest.raises(AudioFormatError):
        an.process(np.full(160, np.nan, np.float32))
    b = an.process(x[8000:])
    assert Features.concat([a, b]).equals(ChannelAnalyzer().process(x))


def test_a_float_rate_says_so() -> None:
    with pytest.raises(AudioFormatError, match=r"44100.0 is a float; .*Pass int\(44100.0\)"):
        BlockAdapter(44100.0, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [7999, 192001, 384000, 16000.5])
def test_rates_out_of_range(rate: float) -> None:
    with pytest.raises(
        AudioFormatError, match=r"out of range; allowed are whole rates from 8000 to 192000"
    ):
        BlockAdapter(rate, 1)  # type: ignore[arg-type]


def test_channel_out_of_range() -> None:
    with pytest.raises(AudioFormatError, match=r"channel 2 was requested but the audio has 2"):
        BlockAdapter(16000, 2, [2])


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 88200, 96000, 192000])
def test_resampling_is_block_invariant_and_keeps_pitch(rate: int, rng: np.random.Generator) -> None:
    n = int(2.0 * rate)
    t = np.arange(n) / rate
    # a 180 Hz buzz after 0.3 s of quiet noise (the adaptive floor needs to see the noise)
    x = 0.2 * np.sign(np.sin(2 * np.pi * 180.0 * t)) * (t > 0.3) + rng.normal(0, 1e-3, n)
    x = x.astype(np.float32)
    whole = BlockAdapter(rate, 1)
    ref = np.concatenate([whole.push(x), whole.flush()])
    cut = BlockAdapter(rate, 1)
    parts, pos = [], 0
    for size in rng.integers(1, 3000, 200):
        parts.append(cut.push(x[pos : pos + size]))
        pos += int(size)
        if pos >= n:
            break
    parts.append(cut.push(x[pos:]))
    parts.append(cut.flush())
    got = np.concatenate(parts)
    assert got.shape == ref.shape and got.shape[0] % 160 == 0
    np.testing.assert_array_equal(got, ref)
    assert abs(got.shape[0] - 2.0 * SR) <= 160  # at most the last partial hop is dropped
    rows = ChannelAnalyzer().process(got[:, 0])
    f0 = np.nanmedian(rows.f0_hz[rows.voiced])
    assert abs(1200 * np.log2(f0 / 180.0)) < 10  # cents


def test_files_in_every_format_and_rate(tmp_path, rng: np.random.Generator) -> None:
    x = vowelish(2.0, 150.0, rng)
    ref = ChannelAnalyzer().process(x)
    for name, fmt, subtype in [
        ("a.wav", "WAV", "FLOAT"),
        ("b.wav", "WAV", "PCM_16"),
        ("a.flac", "FLAC", "PCM_24"),
        ("a.ogg", "OGG", "VORBIS"),
    ]:
        p = tmp_path / name
        sf.write(p, np.stack([x, 0.5 * x], 1), SR, format=fmt, subtype=subtype)
        rows = analyze_file(p)
        assert len(rows) == 2
        assert abs(len(rows[0]) - len(ref)) <= 1
        if subtype == "FLOAT":  # bit-exact: identical rows
            assert rows[0].equals(ref[: len(rows[0])])
        v = rows[0].voiced & ref.voiced[: len(rows[0])]
        cents = 1200 * np.abs(np.log2(rows[0].f0_hz[v] / ref.f0_hz[: len(rows[0])][v]))
        assert np.median(cents) < 5


def test_int16_file_and_channel_choice(tmp_path, rng: np.random.Generator) -> None:
    x = vowelish(1.0, 150.0, rng)
    p = tmp_path / "s.wav"
    sf.write(p, np.stack([np.zeros_like(x), x], 1), SR, subtype="PCM_16")
    (one,) = analyze_file(p, channel=1)
    assert one.voiced.any()
    (zero,) = analyze_file(p, channel=0)
    assert not zero.voiced.any() and not zero.speech.any()
    assert np.all(zero.loudness_db == -120.0)


def test_read_block_size_does_not_change_rows(tmp_path, rng: np.random.Generator) -> None:
    x = vowelish(2.0, 150.0, rng)
    p = tmp_path / "r.wav"
    sf.write(p, x, 22050)
    a = np.concatenate(list(iter_hops(p, [0], read_block=1000)))
    b = np.concatenate(list(iter_hops(p, [0], read_block=65536)))
    np.testing.assert_array_equal(a, b)


def test_bad_files(tmp_path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        analyze_file(tmp_path / "missing.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(SourceError, match=r"is empty \(0 bytes\)"):
        analyze_file(tmp_path / "empty.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x00\x00garbage" * 10)
    with pytest.raises(SourceError, match=r"cannot read .* supported formats are WAV, FLAC, OGG"):
        analyze_file(tmp_path / "junk.wav")
    sf.write(tmp_path / "nosamples.wav", np.zeros(0), SR)
    with pytest.raises(SourceError, match="holds no samples"):
        analyze_file(tmp_path / "nosamples.wav")
    with pytest.raises(SourceError, match="is a folder"):
        analyze_file(tmp_path)
    sf.write(tmp_path / "hi.wav", np.zeros(960), 384000)
    with pytest.raises(AudioFormatError, match=r"hi.wav.: sample rate 384000 Hz is out of range"):
        analyze_file(tmp_path / "hi.wav")
    sf.write(tmp_path / "st.wav", np.zeros((1600, 2)), SR)
    with pytest.raises(AudioFormatError, match=r"channel 5 .* 2 channel\(s\)"):
        analyze_file(tmp_path / "st.wav", channel=5)


def test_truncated_file_keeps_what_is_there(tmp_path, rng: np.random.Generator) -> None:
    x = vowelish(1.0, 150.0, rng)
    p = tmp_path / "t.wav"
    sf.write(p, x, SR, subtype="PCM_16")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])  # header says 1 s, half the data is there
    from voicecoach.errors import TruncatedAudio

    with pytest.warns(TruncatedAudio, match=r"declares 1.0 s of audio but the file holds 0.5 s"):
        (rows,) = analyze_file(p)
    # the 0.5 s that is there, whole hops only: neither padded to the 1 s declared nor less
    assert len(rows) == sf.info(p).frames // 160 == (len(data) // 2 - 44) // 2 // 160


@pytest.mark.parametrize("ms", [0.5, 5])
def test_less_than_one_hop_of_audio_is_an_error(tmp_path, ms: float) -> None:
    p = tmp_path / "tiny.wav"
    sf.write(p, np.full(max(1, round(ms * SR / 1000)), 0.3, np.float32), SR)
    with pytest.raises(AudioFormatError, match=rf"holds {ms:.0f} ms of audio, less than one "
                       r"10 ms hop: nothing to analyse"):
        analyze_file(p)


def test_an_unreadable_file_says_permission_not_format(tmp_path, monkeypatch) -> None:
    from pathlib import Path

    p = tmp_path / "locked.wav"
    sf.write(p, np.zeros(SR, np.float32), SR)
    real_open = Path.open

    def denied(self, *a, **k):  # root reads anything: simulate the owner's chmod 000
        if self == p:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(SourceError, match=r"cannot be read: permission denied; make it readable"):
        analyze_file(p)


def test_a_wav_cut_short_is_analysed_with_one_warning(tmp_path) -> None:
    from voicecoach.errors import TruncatedAudio

    p = tmp_path / "cut.wav"
    sf.write(p, np.zeros(8 * SR, np.float32), SR, subtype="PCM_16")
    p.write_bytes(p.read_bytes()[: 44 + 2 * 3 * SR])  # the header still says 8 s
    with pytest.warns(TruncatedAudio, match=r"cut short: its header declares 8.0 s of audio "
                      r"but the file holds 3.0 s") as got:
        rows = analyze_file(p)
    assert len(got) == 1 and len(rows[0]) == 300
    full = tmp_path / "whole.wav"
    sf.write(full, np.zeros(SR, np.float32), SR, subtype="PCM_16")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedAudio)
        analyze_file(full)


@pytest.mark.parametrize("path", [None, 3, b"call.wav", np.zeros(160, np.float32)])
def test_analyze_file_takes_a_path(path: object) -> None:
    with pytest.raises(ParameterError, match=r"an audio file path \(str or pathlib.Path\) is "
                       r"needed, got .*ChannelAnalyzer\(\).process\(samples\)"):
        analyze_file(path)  # type: ignore[arg-type]


@pytest.mark.parametrize("config", ["x.toml", {"pitch": {}}, 3])
def test_a_config_that_is_not_a_config_says_how_to_make_one(config: object) -> None:
    from voicecoach.pipeline import CallAnalyzer

    for make in (lambda: ChannelAnalyzer(config=config), lambda: CallAnalyzer(config)):
        with pytest.raises(ParameterError, match=r"config must be a voicecoach Config, got "
                           r".*make one with voicecoach.config.load_config\("):
            make()  # type: ignore[arg-type]
