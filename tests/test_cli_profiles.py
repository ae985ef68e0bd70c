"""`voicecoach calibrate` and `voicecoach profile list|show|delete` from the command line."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from voicecoach.cli import main
from voicecoach.profiles import ProfileStore
from voicecoach.sources.synthetic import synth_speech


def test_calibrate_then_list_show_delete(tmp_path, capsys, monkeypatch) -> None:
    x, _ = synth_speech(duration_s=30, f0_hz=140.0, snr_db=30, seed=1)
    wav = tmp_path / "calm.wav"
    sf.write(wav, x, 16000)
    profiles = tmp_path / "profiles"
    monkeypatch.setenv("VOICECOACH_PROFILES", str(profiles))
    assert main(["calibrate", "--profile", "alice", "--input", str(wav)]) == 0
    out = capsys.readouterr().out
    assert "saved profile 'alice'" in out
    prof = ProfileStore(profiles).load("alice")
    assert abs(12 * np.log2(prof.f0_median_hz / 140.0)) < 1.0  # within a semitone of the voice
    assert not prof.provisional

    assert main(["profile", "list"]) == 0
    assert capsys.readouterr().out.split() == ["alice"]
    assert main(["profile", "show", "alice"]) == 0
    assert "alice" in capsys.readouterr().out
    assert main(["profile", "delete", "alice", "--profiles-dir", str(profiles)]) == 0
    assert ProfileStore(profiles).list() == []


def test_calibrate_refuses_silence_and_short_speech(tmp_path, capsys) -> None:
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000 * 20, np.float32), 16000)
    args = ["calibrate", "--profile", "bob", "--profiles-dir", str(tmp_path / "p")]
    assert main([*args, "--input", str(silent)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "silent" in err.lower()

    x, _ = synth_speech(duration_s=6, snr_db=30, seed=2)  # well under 10 s of voiced speech
    short = tmp_path / "short.wav"
    sf.write(short, x, 16000)
    assert main([*args, "--input", str(short)]) == 2
    err = capsys.readouterr().err
    assert "voiced" in err and "10" in err
    assert not (tmp_path / "p").exists() or ProfileStore(tmp_path / "p").list() == []


def test_missing_profile_is_a_clear_error(tmp_path, capsys) -> None:
    rc = main(["profile", "show", "nobody", "--profiles-dir", str(tmp_path)])
    assert rc == 2
    assert capsys.readouterr().err.startswith("Error: ")
