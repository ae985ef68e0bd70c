"""benchmarks.splits: matching recordings across benchmarks, and what --strict-test drops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import splits
from benchmarks.splits import AudioFile, match, name_key


def _f(path: str, sha: str, seconds: float = 1.0) -> AudioFile:
    return AudioFile(path, sha, name_key(path), seconds)


def test_name_key_makes_the_copies_of_one_recording_one():
    one = {
        name_key("/c/datasets/expressive/airplane-let-m-oko.ogg"),
        name_key("/c/datasets/expressive_cs/airplane/let-m-oko.ogg"),
        name_key("/c/datasets/expressive_cs/share/airplane/let-m-oko.ogg"),
        name_key("/speech/expressive/airplane/let-m-oko.ogg"),
    }
    assert one == {"fillets_cs/airplane/let-m-oko"}
    assert (name_key("/c/asterisk_en_all/demo-congrats.wav")
            == name_key("/speech/dev/asterisk_en/demo-congrats.wav")
            == name_key("/c/asterisk_en/demo-congrats.wav"))
    k = name_key
    assert k("/c/asterisk_fr/demo-congrats.wav") != k("/c/asterisk_en/demo-congrats.wav")
    lv = "/speech/dev/pocketsphinx_librivox/sense_and_sensibility_01_austen_64kb-0870.wav"
    assert k(lv) == k("/c/librivox/0870.wav") == "librivox/0870"
    assert k("/c/klettres_fr/ad-0.ogg") == k("/speech/dev/klettres_fr/syllab/ad-0.ogg")
    assert k("/c/codec2_monologue/ve9qrp.wav") == k("/speech/dev/codec2/ve9qrp.wav")
    assert k("/c/arctic/awb_arctic_a0007.wav") == k("/d/cmu_arctic/awb_arctic_a0007.wav")
    # other lines, other actors, other levels stay apart
    assert k("/c/expressive/airplane-let-v-oko.ogg") != k("/c/expressive/airplane-let-m-oko.ogg")
    assert k("/c/expressive/wreck-let-m-oko.ogg") != k("/c/expressive/airplane-let-m-oko.ogg")


def test_match_by_content_then_by_name_in_order():
    test = [_f("/c/expressive/airplane-let-m-oko.ogg", "aa"),        # same name, other bytes
            _f("/c/asterisk_fr/renamed-copy.wav", "bb"),              # same bytes, other name
            _f("/c/librivox/0870.wav", "cc"),                          # nowhere
            _f("/c/klettres_fr/ad-0.ogg", "")]                         # no hash: name only
    tuning = [_f("/s/expressive/airplane/let-m-oko.ogg", "a2"),
              _f("/s/dev/asterisk_fr/demo-nogo.wav", "bb"),
              _f("/s/dev/klettres_fr/syllab/ad-0.ogg", "dd"),
              _f("/s/dev/librivox/0880.wav", "cc2")]
    got = match(test, tuning)
    assert [(a.path, b.path) for a, b in got] == [
        ("/c/expressive/airplane-let-m-oko.ogg", "/s/expressive/airplane/let-m-oko.ogg"),
        ("/c/asterisk_fr/renamed-copy.wav", "/s/dev/asterisk_fr/demo-nogo.wav"),
        ("/c/klettres_fr/ad-0.ogg", "/s/dev/klettres_fr/syllab/ad-0.ogg"),
    ]
    assert match(test, []) == [] and match([], tuning) == []
    # an empty hash never matches an empty hash
    assert match([AudioFile("/x/a.wav", "", "", 1.0)], [AudioFile("/y/b.wav", "", "", 1.0)]) == []


def test_dependencies():
    assert set(splits.COMPONENTS.values()) <= set(splits.BENCHMARKS)
    assert all("pitch" in d for d in splits.DEPENDS.values())
    assert "coach" in splits.depends("mono_calls")
    assert "coach" not in splits.depends("mono_calls", nudges=False)
    assert splits.depends("realcalls") == ("pitch", "speech")
    assert "mono" not in splits.depends("coach_bench")


def test_strict_drop_on_synthetic_splits(monkeypatch):
    """The union over the components a benchmark depends on, counted in files and seconds;
    a component the benchmark does not depend on drops nothing."""
    cat = {
        ("realcalls", "test"): [_f("/t/a.wav", "a", 2.0), _f("/t/b.wav", "b", 3.0),
                                _f("/t/c.wav", "c", 4.0), _f("/t/d.wav", "d", 5.0)],
        ("pitch_real", "dev"): [_f("/p/a.wav", "a"), _f("/p/x.wav", "x")],
        ("realcalls", "dev"): [_f("/r/b.wav", "b"), _f("/r/a.wav", "a")],
        ("coach_bench", "dev"): [_f("/k/c.wav", "c")],      # realcalls does not use the coach
        ("mono_calls", "dev"): [],
    }
    monkeypatch.setattr(splits, "split_files", lambda bench, split: cat[(bench, split)])
    splits._strict_drop.cache_clear()
    try:
        per = splits.tuned_test_files("realcalls")
        assert {c: [a.path for a, _ in p] for c, p in per.items()} == {
            "pitch": ["/t/a.wav"], "speech": ["/t/a.wav", "/t/b.wav"]}
        gone, info = splits.strict_drop("realcalls")
        assert gone == {"/t/a.wav", "/t/b.wav"}
        assert info["strict"] is True and info["components"] == ["pitch", "speech"]
        assert info["dropped"] == {"files": 2, "seconds": 5.0}
        assert info["kept"] == {"files": 2, "seconds": 9.0}
        assert info["dropped_by_component"]["speech"] == {"files": 2, "seconds": 5.0}
        gone, _ = splits.strict_drop("realcalls", components=["coach"])
        assert gone == {"/t/c.wav"}
    finally:
        splits._strict_drop.cache_clear()


def test_audio_file_hashes_and_times(tmp_path: Path):
    import numpy as np
    import soundfile as sf

    p = tmp_path / "asterisk_en" / "demo-x.wav"
    p.parent.mkdir()
    sf.write(p, np.zeros(8000, np.float32), 8000)
    f = splits.audio_file(p)
    assert f.name == "asterisk_en/demo-x" and abs(f.seconds - 1.0) < 1e-6 and len(f.sha256) == 64
    q = tmp_path / "asterisk_en_all" / "renamed.wav"
    q.parent.mkdir()
    q.write_bytes(p.read_bytes())
    assert match([splits.audio_file(q)], [f])


@pytest.mark.skipif(not os.environ.get("VOICECOACH_SPEECH_DIR"),
                    reason="needs $VOICECOACH_SPEECH_DIR and the fetched datasets")
def test_real_overlaps_are_found():
    """The audit's finding: most of the expressive test lines of realcalls are pitch_real dev."""
    per = splits.tuned_test_files("realcalls")
    expressive = [a for a, _ in per["pitch"] if "/expressive/" in a.path]
    assert len(expressive) >= 60
    assert per["speech"] == []  # realcalls' own dev and test share nothing
    assert splits.tuned_test_files("coach_bench", ["coach"])["coach"] == []


def test_mono_dev_leaves_out_a_test_line_stored_under_another_name(tmp_path, monkeypatch):
    """mono_calls' dev lines never include a recording that is byte for byte a test line
    (expressive_cs ships 9 of the 104 test lines again under share/<level>/)."""
    import hashlib
    from types import SimpleNamespace

    from benchmarks import mono_calls

    test_line = tmp_path / "kor-v-a.ogg"
    test_line.write_bytes(b"the same recording")
    copy, other = tmp_path / "share-kor-v-a.ogg", tmp_path / "kor-v-b.ogg"
    copy.write_bytes(b"the same recording")
    other.write_bytes(b"another recording")
    monkeypatch.setattr(mono_calls, "_test_digests", lambda: frozenset(
        {hashlib.sha256(test_line.read_bytes()).hexdigest()}))
    lines = [SimpleNamespace(path=str(copy)), SimpleNamespace(path=str(other))]
    assert [u.path for u in mono_calls._dev_only(lines)] == [str(other)]


def test_coach_bench_fda_voices_are_in_its_test_split_only(tmp_path, monkeypatch):
    """The optional FDA voices (``$VOICECOACH_SPEECH_DIR/fda/``) are coach_bench test files
    when there, and never dev files."""
    import numpy as np
    import soundfile as sf

    from benchmarks import coach_bench

    monkeypatch.setattr(coach_bench.datasets, "fetch", lambda name: [])  # the fetched voices
    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", str(tmp_path))
    (tmp_path / "fda").mkdir()
    for k, name in enumerate(("rl001", "sb001")):  # other bytes: a copy would count once
        sf.write(tmp_path / "fda" / f"{name}.wav", np.full(40000, 0.01 * (k + 1)), 20000,
                 subtype="PCM_16")
    splits._split_files.cache_clear()
    try:
        test = splits.split_files("coach_bench", "test")
        assert sorted(f.name for f in test) == ["fda/rl001", "fda/sb001"]
        assert all(f.seconds == 2.0 for f in test)
        assert splits.split_files("coach_bench", "dev") == []
    finally:
        splits._split_files.cache_clear()
