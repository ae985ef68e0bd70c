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
    out = capsys.readouterr().out  # in the session's language: French by default
    assert "profil «\u00a0alice\u00a0» enregistré dans" in out and "F0 médiane" in out, out
    assert ("verdicts     rate_high reste muet avec ce profil\u00a0: référence trop courte "
            "pour juger\u00a0: 14,7 s de parole calme") in out  # 30 s: too thin for the pace
    prof = ProfileStore(profiles).load("alice")
    assert abs(12 * np.log2(prof.f0_median_hz / 140.0)) < 1.0  # within a semitone of the voice
    assert not prof.provisional

    assert main(["profile", "list"]) == 0
    assert capsys.readouterr().out.split() == ["alice"]
    assert main(["profile", "show", "alice"]) == 0
    assert "profil       alice — calibré" in capsys.readouterr().out
    assert main(["profile", "show", "alice", "--lang", "en"]) == 0
    assert "profile      alice — calibrated" in capsys.readouterr().out
    assert main(["profile", "delete", "alice", "--profiles-dir", str(profiles)]) == 0
    assert capsys.readouterr().out.startswith("supprimé\u00a0: ")
    assert ProfileStore(profiles).list() == []
    assert main(["profile", "list", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("no profiles in ")


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
    assert "of voiced speech" in err and "(10 s needed)" in err
    assert not (tmp_path / "p").exists() or ProfileStore(tmp_path / "p").list() == []


def test_missing_profile_is_a_clear_error(tmp_path, capsys) -> None:
    rc = main(["profile", "show", "nobody", "--profiles-dir", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    # the name, where it was looked for, and how to make it
    assert err == (f"Error: profile 'nobody' not found in {str(tmp_path)!r} (no profiles are "
                   f"stored there); create it with `voicecoach calibrate --profile nobody "
                   f"--input FILE`\n")


def _profile_numbers(prof) -> dict:
    return {k: v for k, v in prof.to_dict().items() if k not in ("source", "created_utc")}


def test_a_profile_keeps_the_rate_it_was_recorded_at(tmp_path, capsys) -> None:
    """calibration_rate_hz: the lowest rate of the recordings fed (8 kHz: telephone audio),
    carried through --add although the kept audio is stored at 16 kHz; written to the file."""
    import soxr

    x, _ = synth_speech(duration_s=20, f0_hz=120.0, snr_db=30, seed=10)
    tel, wide = tmp_path / "tel.wav", tmp_path / "wide.wav"
    sf.write(tel, soxr.resample(x, 16000, 8000), 8000, subtype="PCM_16")
    sf.write(wide, x, 16000, subtype="PCM_16")
    args = ["calibrate", "--profile", "bob", "--lang", "en", "--profiles-dir", str(tmp_path)]
    assert main([*args, "--input", str(tel), "--keep-audio"]) == 0
    store = ProfileStore(tmp_path)
    assert store.load("bob").calibration_rate_hz == 8000.0
    assert sf.info(tmp_path / "bob.flac").samplerate == 16000
    assert main([*args, "--input", str(wide), "--add"]) == 0
    assert store.load("bob").calibration_rate_hz == 8000.0  # the kept audio was telephone
    assert "calibration_rate_hz = 8000.0" in (tmp_path / "bob.toml").read_text()
    assert main([*args[:-2], "--profiles-dir", str(tmp_path / "w"), "--input", str(wide)]) == 0
    assert ProfileStore(tmp_path / "w").load("bob").calibration_rate_hz == 16000.0
    capsys.readouterr()


def test_several_inputs_and_a_grown_profile_are_one_calibration(tmp_path, capsys) -> None:
    """--input A --input B == calibrating on A then --add B (from the kept audio); 0600 files."""
    parts = []
    for i, f0 in enumerate((120.0, 126.0)):
        x, _ = synth_speech(duration_s=20, f0_hz=f0, snr_db=30, seed=10 + i)
        x = x[: x.size // 160 * 160]
        p = tmp_path / f"day{i}.wav"
        sf.write(p, x, 16000, subtype="PCM_16")  # the kept FLAC (PCM_16) is then lossless
        parts.append(p)
    both, grown = tmp_path / "both", tmp_path / "grown"
    args = ["calibrate", "--profile", "alice", "--lang", "en"]
    assert main([*args, "--profiles-dir", str(both), "--input", str(parts[0]),
                 "--input", str(parts[1])]) == 0
    assert "day0.wav (channel 0) + day1.wav (channel 0)" in ProfileStore(both).load("alice").source
    assert not (both / "alice.flac").exists()  # audio is kept only when asked

    assert main([*args, "--profiles-dir", str(grown), "--input", str(parts[0]),
                 "--keep-audio"]) == 0
    first = ProfileStore(grown).load("alice")
    kept = grown / "alice.flac"
    assert "kept its 20 s of calibration audio" in capsys.readouterr().out
    assert kept.stat().st_mode & 0o777 == 0o600
    assert sf.info(kept).samplerate == 16000 and abs(sf.info(kept).duration - 20.0) < 0.01
    assert main([*args, "--profiles-dir", str(grown), "--input", str(parts[1]), "--add"]) == 0
    out = capsys.readouterr().out
    assert "kept its 40 s of calibration audio" in out
    prof = ProfileStore(grown).load("alice")
    assert prof.speech_s > 1.7 * first.speech_s  # grown from both days' speech
    assert _profile_numbers(prof) == _profile_numbers(ProfileStore(both).load("alice"))
    assert kept.stat().st_mode & 0o777 == 0o600
    assert abs(sf.info(kept).duration - 40.0) < 0.01
    assert main(["profile", "show", "alice", "--profiles-dir", str(grown), "--lang", "en"]) == 0
    assert f"kept audio   {kept}" in capsys.readouterr().out
    kept.write_bytes(b"fLaC not really")  # a corrupt kept file: a clear error, nothing lost
    before = (grown / "alice.toml").read_text()
    assert main([*args, "--profiles-dir", str(grown), "--input", str(parts[1]), "--add"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "alice.flac" in err and "Traceback" not in err
    assert (grown / "alice.toml").read_text() == before
    assert main(["profile", "delete", "alice", "--profiles-dir", str(grown)]) == 0
    assert "alice.flac" in capsys.readouterr().out and not kept.exists()


def test_add_needs_a_stored_profile_with_kept_audio(tmp_path, capsys) -> None:
    x, _ = synth_speech(duration_s=20, f0_hz=130.0, snr_db=30, seed=3)
    wav = tmp_path / "calm.wav"
    sf.write(wav, x, 16000)
    args = ["calibrate", "--profile", "carol", "--profiles-dir", str(tmp_path / "p"),
            "--input", str(wav)]
    assert main([*args, "--add"]) == 2
    # not stored yet: the not-found error
    assert "profile 'carol' not found in" in capsys.readouterr().err
    assert not (tmp_path / "p" / "carol.toml").exists()
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--add"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "--keep-audio" in err and "carol.flac" in err


def test_profile_show_or_delete_without_a_name_and_list_with_one(tmp_path, capsys) -> None:
    from voicecoach.cli import main

    d = ["--profiles-dir", str(tmp_path)]
    for action in ("show", "delete"):
        assert main(["profile", action, *d]) == 2
        assert f"`voicecoach profile {action}` needs a profile name" in capsys.readouterr().err
    assert main(["profile", "list", "alice", *d]) == 2
    assert "takes no name (got 'alice')" in capsys.readouterr().err


def test_recalibrating_without_keep_audio_removes_the_old_profiles_audio(tmp_path,
                                                                         capsys) -> None:
    x, _ = synth_speech(duration_s=20, f0_hz=120.0, snr_db=30, seed=3)
    p = tmp_path / "calm.wav"
    sf.write(p, x[: x.size // 160 * 160], 16000, subtype="PCM_16")
    d = ["--profiles-dir", str(tmp_path / "pr")]
    assert main(["calibrate", "--profile", "al", *d, "--input", str(p), "--keep-audio"]) == 0
    assert (tmp_path / "pr" / "al.flac").is_file()
    capsys.readouterr()
    assert main(["calibrate", "--profile", "al", *d, "--input", str(p), "--lang", "en"]) == 0
    assert "removed al.flac, the calibration audio kept for the profile this one replaces" in (
        capsys.readouterr().out)
    assert not (tmp_path / "pr" / "al.flac").exists()


def test_a_calibration_stopped_while_keeping_its_audio_leaves_the_old_profile(
        tmp_path, monkeypatch) -> None:
    """The kept speech is written before the profile: a run stopped while writing it leaves
    the old profile with the old speech, never the new profile beside the old speech (which
    ``--add`` would grow it from)."""
    d = ["--profiles-dir", str(tmp_path / "pr")]
    paths = []
    for i, (f0, dur) in enumerate(((120.0, 20), (150.0, 24))):
        x, _ = synth_speech(duration_s=dur, f0_hz=f0, snr_db=30, seed=20 + i)
        paths.append(tmp_path / f"take{i}.wav")
        sf.write(paths[-1], x[: x.size // 160 * 160], 16000, subtype="PCM_16")
    assert main(["calibrate", "--profile", "al", *d, "--input", str(paths[0]),
                 "--keep-audio"]) == 0
    store = ProfileStore(tmp_path / "pr")
    old = store.load("al").to_dict()
    old_audio = sf.info(tmp_path / "pr" / "al.flac").frames

    def stopped(*a, **k):
        raise KeyboardInterrupt  # Ctrl-C (or a kill) while the speech is written

    monkeypatch.setattr(ProfileStore, "save_calibration_audio", stopped)
    assert main(["calibrate", "--profile", "al", *d, "--input", str(paths[1]),
                 "--keep-audio"]) != 0
    assert store.load("al").to_dict() == old
    assert sf.info(tmp_path / "pr" / "al.flac").frames == old_audio


def test_calibrate_and_show_say_which_rules_the_profile_can_judge(tmp_path, capsys) -> None:
    x, _ = synth_speech(duration_s=40, f0_hz=120.0, snr_db=30, seed=5)
    p = tmp_path / "calm.wav"
    sf.write(p, x[: x.size // 160 * 160], 16000, subtype="PCM_16")
    d = ["--profiles-dir", str(tmp_path / "pr")]
    assert main(["calibrate", "--profile", "al", *d, "--input", str(p), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "verdicts     pitch, pace and loudness nudges can judge with this profile" in out
    # a stricter cap makes the pitch rule's verdict "too variable", said by `profile show`
    strict = tmp_path / "cap.toml"
    strict.write_text("[coach]\npitch_threshold_max_st = 0.1\n")
    assert main(["profile", "show", "al", *d, "--config", str(strict), "--lang", "en"]) == 0
    assert "pitch_high stays silent with this profile: calm speech too variable" in (
        capsys.readouterr().out)
    assert main(["profile", "show", "al", *d, "--config", str(strict)]) == 0
    assert ("pitch_high reste muet avec ce profil\u00a0: parole calme trop variable pour "
            "juger") in capsys.readouterr().out
