"""Every format a call recorder exports, at any rate from 8 to 192 kHz (issue #13 item 2).

Each kind is generated small in a temporary folder from one signal (a 180 Hz buzz after quiet
noise); its analysis must last as long and find the same pitch as the 16 kHz PCM original.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach import analyze_file
from voicecoach.cli import main
from voicecoach.errors import SourceError
from voicecoach.io import audio_info, iter_hops

F0_HZ = 180.0
DURATION_S = 2.0
HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAS_FFMPEG, reason="ffmpeg is not installed")


def buzz(rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(DURATION_S * rate)) / rate
    x = 0.2 * np.sign(np.sin(2 * np.pi * F0_HZ * t)) * (t > 0.3) + rng.normal(0, 1e-3, t.size)
    return x.astype(np.float32)


# name: (sample rate, libsndfile format, subtype)
SNDFILE_KINDS = {
    "pcm16.wav": (16000, "WAV", "PCM_16"),
    "ulaw.wav": (8000, "WAV", "ULAW"),
    "alaw.wav": (8000, "WAV", "ALAW"),
    "gsm.wav": (8000, "WAV", "GSM610"),
    "float.wav": (44100, "WAV", "FLOAT"),
    "hi88.wav": (88200, "WAV", "PCM_24"),
    "hi96.wav": (96000, "WAV", "PCM_24"),
    "hi192.wav": (192000, "WAV", "PCM_16"),
    "call.flac": (48000, "FLAC", "PCM_16"),
    "call.ogg": (22050, "OGG", "VORBIS"),
    "call.opus": (48000, "OGG", "OPUS"),
    "call.mp3": (44100, "MP3", "MPEG_LAYER_III"),
}


def median_cents(path: Path) -> tuple[int, float]:
    (rows,) = analyze_file(path)
    f0 = rows.f0_hz[rows.voiced]
    assert f0.size > 50, f"{path.name}: only {f0.size} voiced hops"
    return len(rows), float(np.median(1200 * np.log2(f0 / F0_HZ)))


@pytest.mark.parametrize("name", sorted(SNDFILE_KINDS))
def test_libsndfile_kinds(name: str, tmp_path: Path, rng: np.random.Generator) -> None:
    rate, fmt, sub = SNDFILE_KINDS[name]
    p = tmp_path / name
    try:
        sf.write(p, buzz(rate, rng), rate, format=fmt, subtype=sub)
    except (sf.LibsndfileError, ValueError, TypeError) as e:  # an old libsndfile without MP3/Opus
        pytest.skip(f"this libsndfile cannot write {fmt}/{sub}: {e}")
    assert audio_info(p).sample_rate == rate
    n, cents = median_cents(p)
    assert abs(n - DURATION_S * 100) <= 8, n  # codec priming (MP3, Opus) adds a few ms
    assert abs(cents) < 30, cents


def test_gsm_wav_analyses_without_traceback(tmp_path: Path, rng: np.random.Generator) -> None:
    """GSM 6.10 WAV is not seekable: soundfile's blocks() raised "frames must be specified"."""
    p = tmp_path / "gsm.wav"
    sf.write(p, buzz(8000, rng), 8000, format="WAV", subtype="GSM610")
    assert main(["analyze", str(p), "--out", str(tmp_path / "f.csv")]) == 0
    assert (tmp_path / "f.csv").read_text().count("\n") > 150


@pytest.mark.parametrize("rate", [88200, 192000])
def test_high_rates_are_block_invariant(rate: int, tmp_path: Path, rng) -> None:
    p = tmp_path / "hi.wav"
    sf.write(p, buzz(rate, rng), rate, subtype="FLOAT")
    a = np.concatenate(list(iter_hops(p, [0], read_block=65536)))
    b = np.concatenate(list(iter_hops(p, [0], read_block=777)))
    np.testing.assert_array_equal(a, b)
    assert abs(a.shape[0] - DURATION_S * 16000) <= 160


def ffmpeg_encode(src: Path, dst: Path, *args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), *args, str(dst)], check=True
    )


@needs_ffmpeg
@pytest.mark.parametrize(("name", "args"), [("call.m4a", ["-c:a", "aac"]), ("call.aac", [])])
def test_aac_through_ffmpeg(name: str, args: list[str], tmp_path: Path, rng) -> None:
    src = tmp_path / "src.wav"
    sf.write(src, np.stack([buzz(44100, rng), buzz(44100, rng) * 0.5], 1), 44100)
    p = tmp_path / name
    ffmpeg_encode(src, p, *args)
    info = audio_info(p)
    assert (info.sample_rate, info.channels) == (44100, 2)
    assert info.format.startswith("ffmpeg/aac")
    (rows,) = analyze_file(p, channel=0)
    f0 = rows.f0_hz[rows.voiced]
    assert abs(len(rows) - DURATION_S * 100) <= 8
    assert abs(np.median(1200 * np.log2(f0 / F0_HZ))) < 30
    # the pipe is read in blocks: the cut does not change what is analysed
    a = np.concatenate(list(iter_hops(p, [0, 1], read_block=65536)))
    b = np.concatenate(list(iter_hops(p, [0, 1], read_block=1000)))
    np.testing.assert_array_equal(a, b)


@needs_ffmpeg
def test_review_of_an_m4a_call(tmp_path: Path, rng: np.random.Generator) -> None:
    src = tmp_path / "src.wav"
    sf.write(src, np.stack([buzz(16000, rng), 0.3 * buzz(16000, rng)], 1), 16000)
    ffmpeg_encode(src, tmp_path / "call.m4a")
    assert main(["review", str(tmp_path / "call.m4a"), "--out", str(tmp_path / "r")]) == 0
    rep = json.loads((tmp_path / "r" / "call" / "report.json").read_text())
    audio = rep["audio"]  # both channels, 2 s: not a mono mix or interleaved frames
    assert (audio["kind"], audio["channels"], audio["sample_rate"]) == ("stereo", 2, 16000)
    assert abs(audio["duration_s"] - DURATION_S) < 0.05, audio


@needs_ffmpeg
def test_review_takes_every_extension_analyze_decodes(tmp_path: Path, rng) -> None:
    """A WebM or MP4 call that ``analyze`` reads was refused by ``review`` ("not a supported
    audio file"), and skipped without a word in a folder."""
    from voicecoach.io import FFMPEG_EXTENSIONS
    from voicecoach.review.calls import AUDIO_EXTENSIONS

    assert set(FFMPEG_EXTENSIONS) <= set(AUDIO_EXTENSIONS)
    src = tmp_path / "src.wav"
    sf.write(src, np.stack([buzz(16000, rng), 0.3 * buzz(16000, rng)], 1), 16000)
    calls = tmp_path / "calls"
    calls.mkdir()
    ffmpeg_encode(src, calls / "a.webm", "-c:a", "libopus")
    ffmpeg_encode(src, calls / "b.mp4", "-c:a", "aac")
    assert main(["analyze", str(calls / "a.webm"), "--out", str(tmp_path / "a.csv")]) == 0
    out = tmp_path / "r"
    assert main(["review", str(calls), "--out", str(out), "--no-html", "--audio-copy",
                 "none"]) == 0
    for stem in ("a", "b"):
        rep = json.loads((out / stem / "report.json").read_text())
        assert (rep["audio"]["kind"], rep["audio"]["channels"]) == ("stereo", 2), stem


def test_m4a_without_ffmpeg_names_ffmpeg(tmp_path: Path, monkeypatch, capsys) -> None:
    p = tmp_path / "call.m4a"
    p.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(200))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(
        SourceError, match=r"needs ffmpeg to be decoded and ffmpeg is not installed"
    ):
        audio_info(p)
    assert main(["analyze", str(p)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "apt install ffmpeg" in err and "Traceback" not in err


@needs_ffmpeg
def test_undecodable_m4a_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "junk.m4a"
    p.write_bytes(b"not audio at all" * 20)
    with pytest.raises(SourceError, match=r"cannot read .*junk.m4a.* as audio \(ffmpeg: "):
        analyze_file(p)


# ------------------------------------------------------------------ bad input (item 4)


def speech(seed: int, f0_hz: float) -> np.ndarray:
    from voicecoach.sources.synthetic import synth_speech

    x, _ = synth_speech(duration_s=6, f0_hz=f0_hz, snr_db=30, seed=seed)
    return x


def test_review_out_naming_a_file_or_the_input_folder(tmp_path: Path, capsys) -> None:
    sf.write(tmp_path / "call.wav", np.stack([speech(3, 130.0), speech(4, 210.0)], 1), 16000)
    (tmp_path / "afile").write_text("x")
    assert main(["review", str(tmp_path / "call.wav"), "--out", str(tmp_path / "afile")]) == 2
    assert "is a file; reports go to a folder" in capsys.readouterr().err
    # the reports written into the folder under review: its audio is still found
    assert main(["review", str(tmp_path), "--out", str(tmp_path), "--no-html"]) == 0
    assert (tmp_path / "call" / "report.json").is_file()
    assert "holds no audio files" not in capsys.readouterr().err


def test_identical_channels_are_reviewed_as_mono(tmp_path: Path, capsys) -> None:
    from voicecoach.review.calls import discover_calls, identical_channels

    a, c = speech(3, 130.0), speech(4, 210.0)
    sf.write(tmp_path / "dup.wav", np.stack([a, a], 1), 16000)  # a mono call saved as stereo
    sf.write(tmp_path / "dup.mp3", np.stack([a, a], 1), 16000)  # ...and through a codec
    sf.write(tmp_path / "call.wav", np.stack([a, c], 1), 16000)
    sf.write(tmp_path / "bleed.wav", np.stack([a, a + 0.1 * c], 1), 16000)  # -20 dB of the other
    sf.write(tmp_path / "silent.wav", np.zeros((16000, 2)), 16000)  # proves nothing
    got = {p.stem + p.suffix: identical_channels(p) for p in sorted(tmp_path.iterdir())}
    assert got == {
        "bleed.wav": False,
        "call.wav": False,
        "dup.mp3": True,
        "dup.wav": True,
        "silent.wav": False,
    }
    calls, failures = discover_calls([tmp_path / "dup.wav", tmp_path / "call.wav"])
    assert failures == []
    assert [(c.stem, c.kind) for c in calls] == [("dup", "mono"), ("call", "stereo")]
    out = tmp_path / "r"
    assert main(["review", str(tmp_path / "dup.wav"), "--out", str(out), "--no-html"]) == 0
    err = capsys.readouterr().err
    assert "Note: dup.wav: its two channels are identical" in err
    assert "its two voices are looked for" in err and "the agent alone" not in err

    rep = json.loads((out / "dup" / "report.json").read_text())
    assert rep["audio"]["kind"] == "mono" and rep["roles"]["customer"] is None
    assert "mono call saved as stereo" in rep["call"]["note"]


def test_mono_file_with_agent_channel_1_says_so(tmp_path: Path, capsys) -> None:
    sf.write(tmp_path / "m.wav", speech(3, 130.0), 16000)
    argv = ["review", str(tmp_path / "m.wav"), "--agent-channel", "1", "--no-html"]
    assert main([*argv, "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "Note: m.wav: the file is mono: --agent-channel 1 does not apply" in err
    assert (tmp_path / "r" / "m" / "report.json").is_file()
    # a mono call is searched for two voices: the note said "reviewed as the agent
    # (conversation metrics unavailable)" even when two voices were found and attributed
    assert "its two voices are looked for" in err and "metrics unavailable" not in err
    rep = json.loads((tmp_path / "r" / "m" / "report.json").read_text())
    assert rep["call"]["note_id"] == "mono_agent_channel_search"
    # with [mono] enabled = false the one channel is the agent alone, as the note says
    off = tmp_path / "off.toml"
    off.write_text("[mono]\nenabled = false\n")
    assert main([*argv, "--config", str(off), "--out", str(tmp_path / "r2")]) == 0
    err = capsys.readouterr().err
    assert "its one channel is reviewed as the agent (conversation metrics unavailable)" in err


@needs_ffmpeg
def test_truncated_m4a_and_early_stop(tmp_path: Path, rng: np.random.Generator,
                                      monkeypatch) -> None:
    src = tmp_path / "src.wav"
    sf.write(src, buzz(16000, rng), 16000)
    ffmpeg_encode(src, tmp_path / "ok.m4a", "-movflags", "+faststart")
    data = (tmp_path / "ok.m4a").read_bytes()
    (tmp_path / "cut.m4a").write_bytes(data[: len(data) * 2 // 3])
    try:  # what is there is analysed, or one clear error: no traceback, no hang
        (rows,) = analyze_file(tmp_path / "cut.m4a")
        # two thirds of the bytes hold about two thirds of the 2 s: not just a first block
        assert DURATION_S * 100 / 2 < len(rows) <= DURATION_S * 100 + 8, len(rows)
    except SourceError as e:
        assert "cut.m4a" in str(e)
    # a reader stopped early kills its ffmpeg child (2 s of f32 overfill the pipe: it would
    # still be blocked writing)
    children: list[subprocess.Popen] = []

    class Recorded(subprocess.Popen):
        def __init__(self, *a, **kw) -> None:
            super().__init__(*a, **kw)
            children.append(self)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    gen = iter_hops(tmp_path / "ok.m4a", [0], read_block=256)
    next(gen)
    (proc,) = [c for c in children if "pipe:1" in c.args]
    assert proc.poll() is None  # still decoding when the reader stops
    gen.close()
    assert proc.returncode is not None  # reaped by close(), not left running


def test_an_agent_customer_pair_is_checked_and_a_length_mismatch_noted(tmp_path: Path,
                                                                       capsys) -> None:
    a, c = speech(3, 130.0), speech(4, 210.0)
    sf.write(tmp_path / "st.wav", np.stack([a, a], 1), 16000)
    sf.write(tmp_path / "ag.wav", np.r_[a, a, a], 16000)
    sf.write(tmp_path / "cu.wav", c[: len(c) // 2], 16000)
    out = str(tmp_path / "r")
    assert main(["review", "--agent", str(tmp_path / "st.wav"), "--customer",
                 str(tmp_path / "cu.wav"), "--out", out]) == 1
    assert "'st.wav' has 2 channels" in capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert main(["review", "--agent", str(tmp_path / "ag.wav"), "--customer",
                 str(tmp_path / "cu.wav"), "--out", out, "--no-html"]) == 0
    err = capsys.readouterr().err
    assert "Note: ag.wav + cu.wav: the agent file holds" in err
    assert "the customer's is padded with silence" in err
