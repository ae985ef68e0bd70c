"""The laryngograph-referenced pitch benchmark (benchmarks/pitch_egg.py): reading, checking,
installing and scoring the FDA database, on small generated stand-ins (and on the real files
when ``$VOICECOACH_SPEECH_DIR/fda`` holds them)."""

from __future__ import annotations

import hashlib
import json
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
    """read_reference: frame k at k x 15 ms, 0 Hz read as NaN (unvoiced)."""
    (tmp_path / "rl001.f0ref").write_text("0\n0\n120.5\n121\n0\n")
    t, f = pe.read_reference(tmp_path / "rl001.f0ref")
    assert t == pytest.approx([0.0, 0.015, 0.03, 0.045, 0.06])
    assert np.isnan(f[[0, 1, 4]]).all() and f[2] == pytest.approx(120.5)


def test_files_pairs_each_recording_with_its_reference(tmp_path: Path) -> None:
    """files lists only the rl/sb recordings with a .f0ref beside them, by speaker."""
    for name in ("rl001", "sb002"):
        _write_item(tmp_path, name, 150.0)
    sf.write(tmp_path / "rl003.wav", np.zeros(100, np.float32), SR)  # no .f0ref: left out
    (tmp_path / "xx001.wav").write_bytes(b"")  # not a speaker of the database
    assert [(s, p.name) for s, p in pe.files(tmp_path)] == [("rl", "rl001.wav"),
                                                          ("sb", "sb002.wav")]


def test_verify_names_missing_and_changed_files(tmp_path: Path) -> None:
    """verify names every manifest file missing from an empty folder, and a changed file as a
    checksum mismatch."""
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
    """fetch installs only the manifest's files from a git source; a source with a differing file is
    refused with nothing installed; a failed clone is a clear error."""
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
    """A steady harmonic complex scores 0 % GPE, a median error under 5 cents and voicing recall
    over 0.9 for both speakers."""
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


def test_default_root_is_the_fda_folder_of_the_speech_dir(monkeypatch) -> None:
    """``$VOICECOACH_SPEECH_DIR/fda``; None when the variable is unset or empty."""
    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", "/some/where")
    assert pe.default_root() == Path("/some/where/fda")
    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", "")
    assert pe.default_root() is None
    monkeypatch.delenv("VOICECOACH_SPEECH_DIR")
    assert pe.default_root() is None


def test_fine_error_is_in_cents_over_frames_within_20_percent() -> None:
    """_fine: |1200 log2(est / ref)| over the frames both call voiced and within 20 % of the
    reference (the others are gross errors), mean and 90th percentile, pooled over files."""
    cents = np.array([10.0, -20.0, 35.0, 250.0, -300.0])  # all within 20 %
    ref1 = np.array([100.0, 100.0, 150.0, 200.0, 220.0, 100.0, np.nan, 100.0])
    est1 = np.concatenate([ref1[:5] * 2 ** (cents / 1200), [121.0, 130.0, np.nan]])
    ref2 = np.array([90.0, 90.0, 90.0])
    est2 = np.array([90.0 * 2 ** (-15 / 1200), 90.0 * 1.4, 90.0 * 0.79])  # 1.4, 0.79: gross
    got = pe._fine([est1, est2], [ref1, ref2])
    want = np.abs(np.concatenate([cents, [-15.0]]))
    assert got["mean_abs_cents"] == pytest.approx(want.mean(), abs=1e-9)
    assert got["p90_abs_cents"] == pytest.approx(np.percentile(want, 90), abs=1e-9)
    empty = pe._fine([np.array([np.nan, 200.0])], [np.array([100.0, 100.0])])
    assert np.isnan(empty["mean_abs_cents"]) and np.isnan(empty["p90_abs_cents"])


def _offset_tracks(cents: float, n: int = 300) -> dict[str, list[np.ndarray]]:
    ref = 100.0 + 50.0 * np.sin(np.arange(n) / 20.0)
    return {"ref": [ref], "m": [ref * 2 ** (cents / 1200)]}


def test_table_scores_per_speaker_per_condition_and_pooled() -> None:
    """table: a score per condition and speaker present, each condition pooled over its
    speakers, and "all" pooled over both conditions (conditions in the benchmark's order)."""
    tracks = {("tel", "rl"): _offset_tracks(50.0), ("wide", "sb"): _offset_tracks(30.0),
              ("wide", "rl"): _offset_tracks(10.0)}
    res = pe.table(tracks)
    assert list(res) == ["wide", "tel", "all"]
    assert list(res["wide"]) == ["rl", "sb", "pooled"] and list(res["tel"]) == ["rl", "pooled"]
    mean = {(k, s): v["m"]["mean_abs_cents"] for k, d in res.items() for s, v in d.items()}
    assert mean == pytest.approx({("wide", "rl"): 10.0, ("wide", "sb"): 30.0,
                                  ("wide", "pooled"): 20.0, ("tel", "rl"): 50.0,
                                  ("tel", "pooled"): 50.0, ("all", "pooled"): 30.0})
    assert res["all"]["pooled"]["m"]["median_abs_cents"] == pytest.approx(30.0)
    assert res["wide"]["pooled"]["m"]["n_both_voiced"] == 600


def test_run_samples_each_method_on_the_reference_frames_of_each_condition(
        tmp_path: Path) -> None:
    """run: every method gets the recording at 16 kHz (``wide``) or through the telephone
    path (``tel``: nothing above 4 kHz), and is sampled on the reference frames shifted by
    ``lag_s``; the trackers that take a condition are told which; "ref" is the reference."""
    _write_item(tmp_path, "rl001", 450.0)  # harmonics up to 4.5 kHz
    seen: list[tuple[str, np.ndarray]] = []

    def times(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return t.copy()

    def by_cond(x: np.ndarray, t: np.ndarray, cond: str) -> np.ndarray:
        seen.append((cond, x))
        return np.full(t.shape, 1.0)

    by_cond.by_condition = True  # type: ignore[attr-defined]
    out = pe.run(tmp_path, {"t": times, "c": by_cond}, lag_s=0.0025)
    t_ref, f_ref = pe.read_reference(tmp_path / "rl001.f0ref")
    assert set(out) == {("wide", "rl"), ("tel", "rl")}
    for cond in ("wide", "tel"):
        acc = out[(cond, "rl")]
        np.testing.assert_array_equal(acc["ref"][0], f_ref)
        np.testing.assert_allclose(acc["t"][0], t_ref + 0.0025)
    assert [c for c, _ in seen] == ["wide", "tel"]
    x20, _ = sf.read(tmp_path / "rl001.wav", dtype="float32")

    def hf_share(x: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / 16000)
        return float(spec[f > 4100].sum() / spec.sum())

    wide, tel = seen[0][1], seen[1][1]
    assert abs(len(wide) - len(x20) * 16000 / 20000) <= 1
    assert hf_share(wide) > 1e-3 and hf_share(tel) < 1e-5


def test_methods_are_ours_live_and_settled_with_the_pitch_overrides(monkeypatch) -> None:
    """_methods: our live and settled trackers built with ``--set pitch.KEY=VALUE`` applied,
    and each named peer (librosa's as ``librosa_<name>``)."""
    made = []

    def fake_ours(cfg, settled=False):
        made.append((cfg.pitch.harmonic_weight, settled))
        return lambda x, t: t

    monkeypatch.setattr(pe.pr, "ours", fake_ours)
    m = pe._methods(["praat", "pyin"], {"harmonic_weight": 0.2})
    assert list(m) == ["ours", "settled", "praat", "librosa_pyin"]
    assert made == [(0.2, False), (0.2, True)]
    made.clear()
    pe._methods([])
    assert [s for _, s in made] == [False, True] and made[0][0] != 0.2


def test_cli_without_data_is_a_clear_error(tmp_path: Path, capsys, monkeypatch) -> None:
    """The CLI without $VOICECOACH_SPEECH_DIR, or on a root without the database, exits 2 saying
    what to do."""
    monkeypatch.delenv("VOICECOACH_SPEECH_DIR", raising=False)
    assert pe.main([]) == 2
    assert "VOICECOACH_SPEECH_DIR" in capsys.readouterr().err
    assert pe.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "does not hold the FDA database" in err and "--fetch" in err


def test_cli_scores_the_chosen_conditions_with_the_overrides(tmp_path: Path, capsys,
                                                             monkeypatch) -> None:
    """main on a checked root: the ``--cond`` conditions only, ``--set pitch.KEY=VALUE`` given
    to our tracker, ``--peers`` with no name runs ours alone, ``--json`` gets the table."""
    for name, f0 in (("rl001", 120.0), ("sb001", 240.0)):
        _write_item(tmp_path, name, f0)
    monkeypatch.setattr(pe, "verify", lambda root: [])
    asked = []
    real = pe._methods

    def spy(peers, pitch=None):
        asked.append((list(peers), pitch))
        return real(peers, pitch)

    monkeypatch.setattr(pe, "_methods", spy)
    out = tmp_path / "res.json"
    assert pe.main(["--root", str(tmp_path), "--cond", "wide", "--peers", "--set",
                    "pitch.harmonic_weight=0.2", "--json", str(out)]) == 0
    assert asked == [([], {"harmonic_weight": 0.2})]
    res = json.loads(out.read_text())
    assert list(res) == ["wide", "all"] and set(res["wide"]) == {"rl", "sb", "pooled"}
    assert set(res["all"]["pooled"]) == {"ours", "settled"}
    assert res["wide"]["rl"]["ours"]["gpe_pct"] == 0.0
    assert "wide       rl       ours" in capsys.readouterr().out


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
