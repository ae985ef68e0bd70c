"""The laryngograph-referenced pitch benchmark (benchmarks/pitch_egg.py): reading, checking,
installing and scoring the FDA database, on small generated stand-ins (and on the real files
when ``$VOICECOACH_SPEECH_DIR/fda`` holds them)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from benchmarks import pitch_egg as pe

SR = 20000


def _voice(f0_hz: float, dur_s: float, sr: int = SR) -> np.ndarray:
    """A steady harmonic complex (10 harmonics, 1/k amplitudes) between two silences."""
    t = np.arange(round(dur_s * sr)) / sr
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 11))
    x = 0.3 * x / np.max(np.abs(x))
    pad = np.zeros(round(0.3 * sr))
    return np.concatenate([pad, x, pad]).astype(np.float32)


def _write_item(folder: Path, name: str, f0_hz: float) -> None:
    x = _voice(f0_hz, 1.2)
    sf.write(folder / f"{name}.wav", x, SR, subtype="PCM_16")
    n = x.shape[0] // round(pe.FRAME_S * SR) + 1
    t = np.arange(n) * pe.FRAME_S
    ref = np.where((t > 0.35) & (t < 1.45), f0_hz, 0.0)
    (folder / f"{name}.f0ref").write_text("".join(f"{v:g}\n" for v in ref))


def test_reference_frames_are_15_ms_apart_and_zero_is_unvoiced(tmp_path: Path) -> None:
    (tmp_path / "rl001.f0ref").write_text("0\n0\n120.5\n121\n0\n")
    t, f = pe.read_reference(tmp_path / "rl001.f0ref")
    assert t == pytest.approx([0.0, 0.015, 0.03, 0.045, 0.06])
    assert np.isnan(f[[0, 1, 4]]).all() and f[2] == pytest.approx(120.5)


def test_files_pairs_each_recording_with_its_reference(tmp_path: Path) -> None:
    for name in ("rl001", "sb002"):
        _write_item(tmp_path, name, 150.0)
    sf.write(tmp_path / "rl003.wav", np.zeros(100, np.float32), SR)  # no .f0ref: left out
    (tmp_path / "xx001.wav").write_bytes(b"")  # not a speaker of the database
    assert [(s, p.name) for s, p in pe.files(tmp_path)] == [("rl", "rl001.wav"),
                                                          ("sb", "sb002.wav")]


def test_verify_names_missing_and_changed_files(tmp_path: Path) -> None:
    problems = pe.verify(tmp_path)
    assert len(problems) == 200 and all(p.startswith("missing: ") for p in problems)
    (tmp_path / "rl001.wav").write_bytes(b"not the recording")
    assert f"checksum differs: {tmp_path / 'rl001.wav'}" in pe.verify(tmp_path)


def _git_repo_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    repo = tmp_path / "upstream"
    d = repo / pe.SOURCE_DIR
    d.mkdir(parents=True)
    for name, data in files.items():
        (d / name).write_bytes(data)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "data"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env)
    return repo


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fetch_installs_only_files_matching_the_manifest(tmp_path: Path, monkeypatch) -> None:
    files = {"rl001.wav": b"a", "rl001.f0ref": b"0\n"}
    manifest = tmp_path / "m.sha256"
    manifest.write_text("".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n"
                                for k, v in files.items()))
    monkeypatch.setattr(pe, "MANIFEST", manifest)
    repo = _git_repo_with(tmp_path, {**files, "other.txt": b"x"})
    dest = pe.fetch(tmp_path / "fda", str(repo))
    assert sorted(p.name for p in dest.iterdir()) == ["rl001.f0ref", "rl001.wav"]
    assert pe.verify(dest) == []
    # a source whose file differs: a clear error, nothing installed
    bad = _git_repo_with(tmp_path / "b", {"rl001.wav": b"changed", "rl001.f0ref": b"0\n"})
    with pytest.raises(RuntimeError, match=r"differ from m\.sha256.*nothing was installed"):
        pe.fetch(tmp_path / "fda2", str(bad))
    assert not (tmp_path / "fda2").exists()
    with pytest.raises(RuntimeError, match=r"git clone .* failed"):
        pe.fetch(tmp_path / "fda3", str(tmp_path / "no-such-repo"))


def test_scores_a_steady_voice_against_its_reference(tmp_path: Path) -> None:
    _write_item(tmp_path, "rl001", 120.0)
    _write_item(tmp_path, "sb001", 240.0)
    methods = pe._methods([])
    res = pe.table(pe.run(tmp_path, methods, conditions=("wide",)))
    assert set(res) == {"wide", "all"} and set(res["wide"]) == {"rl", "sb", "pooled"}
    for spk in ("rl", "sb"):
        s = res["wide"][spk]["ours"]
        assert s["gpe_pct"] == 0.0
        assert s["median_abs_cents"] < 5.0  # a steady harmonic complex
        assert s["voicing_recall"] > 0.9
        assert s["mean_abs_cents"] >= 0.0 and s["p90_abs_cents"] >= s["median_abs_cents"]


def test_cli_without_data_is_a_clear_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("VOICECOACH_SPEECH_DIR", raising=False)
    assert pe.main([]) == 2
    assert "VOICECOACH_SPEECH_DIR" in capsys.readouterr().err
    assert pe.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "does not hold the FDA database" in err and "--fetch" in err


def _real_root() -> Path | None:
    root = pe.default_root()
    return root if root is not None and root.is_dir() and not pe.verify(root) else None


@pytest.mark.skipif(_real_root() is None,
                    reason="the FDA database is not in $VOICECOACH_SPEECH_DIR/fda")
def test_live_pitch_is_within_25_cents_of_the_laryngograph_on_real_speech(tmp_path) -> None:
    """Issue #11's EGG target on a few real sentences of each speaker (the whole database:
    ``python -m benchmarks.pitch_egg``)."""
    root = _real_root()
    assert root is not None
    for name in ("rl001", "rl002", "rl003", "sb001", "sb002", "sb003"):
        for ext in (".wav", ".f0ref"):
            shutil.copyfile(root / f"{name}{ext}", tmp_path / f"{name}{ext}")
    s = pe.table(pe.run(tmp_path, pe._methods([]), conditions=("wide",)))["wide"]["pooled"]
    assert s["ours"]["median_abs_cents"] <= 25.0
    assert s["ours"]["gpe_pct"] <= 5.0
    assert s["ours"]["voicing_recall"] >= 0.85
