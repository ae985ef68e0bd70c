"""Trainer review: report contract, input kinds, bad files, what-if re-runs and the index.

Test audio is the synthetic demo call (``demo_script`` through ``synth_call``, seeded, so
the files are the same on every run): 89.5 s with an agent interruption at 29 s and a
fast stretch at 49–57 s (default thresholds give two nudges: "interrupting" and
"rate_high"). Shorter inputs are its first 30 s.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.cli import main
from voicecoach.config import load_config
from voicecoach.errors import ParameterError, SourceError
from voicecoach.review.calls import Call, assign_meta, discover_calls
from voicecoach.review.document import REPORT_SCHEMA
from voicecoach.review.one_call import review_call
from voicecoach.review.tracks import TrackReader, analysis_key
from voicecoach.review.whatif import recoach_call
from voicecoach.sinks.index import call_metrics, collect

SR = 16000
STRICT = """
[coach]
global_gap_s = 4.0
[coach.rules.monologue]
threshold = 8.0
[coach.rules.rate_high]
threshold = 5.0
"""


@pytest.fixture(scope="module")
def demo_audio() -> np.ndarray:
    from voicecoach.sources.synthetic import demo_script, synth_call

    x, _ = synth_call(demo_script()[0])
    return x


@pytest.fixture(scope="module")
def demo_wav(tmp_path_factory: pytest.TempPathFactory, demo_audio: np.ndarray) -> Path:
    p = tmp_path_factory.mktemp("audio") / "alice_2025-01-10_demo.wav"
    sf.write(p, demo_audio, SR)
    return p


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory, demo_wav: Path) -> Path:
    """The demo call reviewed once with the default configuration (English)."""
    out = tmp_path_factory.mktemp("reports")
    calls, failures = discover_calls([demo_wav])
    assert not failures
    review_call(assign_meta(calls)[0], out, load_config(), lang="en")
    return out / demo_wav.stem


def _load(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def _strip(rep: dict) -> dict:
    """The parts that must agree between two reviews of the same audio."""
    return {"summary": rep["summary"], "events": rep["events"]}


# ----------------------------------------------------------------------------- contract


def test_report_contract(demo_report: Path) -> None:
    rep = _load(demo_report)
    assert rep["schema"] == REPORT_SCHEMA
    assert {"path", "duration_s", "sample_rate", "channels"} <= set(rep["audio"])
    assert rep["audio"]["duration_s"] == pytest.approx(89.5, abs=0.01)
    assert rep["audio"]["channels"] == 2
    assert rep["roles"] == {"agent": 0, "customer": 1}
    assert {"agent", "customer", "conversation", "coach"} <= set(rep["summary"])
    starts = [e["start_s"] for e in rep["events"]]
    assert starts == sorted(starts)
    nudges = [e for e in rep["events"] if e["kind"] == "nudge"]
    assert [n["rule"] for n in nudges] == ["interrupting", "rate_high"]
    assert all(e["end_s"] is not None for e in rep["events"])
    assert rep["call"] == {"stem": demo_report.name, "agent": "alice", "date": "2025-01-10"}
    # the tracks: one row per hop, features and relative measures of both parties
    tracks = np.load(demo_report / "tracks.npy")
    assert tracks.shape == (rep["tracks"]["n_hops"],)
    assert rep["tracks"]["n_hops"] == round(89.5 / 0.01)
    assert {"t_s", "agent.f0_hz", "customer.speech", "rel.agent.pitch_delta_st"} <= set(
        tracks.dtype.names
    )
    np.testing.assert_allclose(np.diff(tracks["t_s"]), 0.01, atol=1e-9)
    assert rep["tracks"]["analysis_key"] == analysis_key(load_config())
    # chunked reads give the same rows as numpy's reader
    rd = TrackReader(demo_report / "tracks.npy")
    parts = [rows for _, rows in rd.chunks(1000)]
    assert np.concatenate(parts).tobytes() == tracks.tobytes()  # NaN-safe, bit-exact
    # playback audio: what was analysed, stereo 16 kHz, the call's length
    info = sf.info(demo_report / rep["audio"]["playback"])
    assert (info.samplerate, info.channels) == (SR, 2)
    assert info.duration == pytest.approx(89.5, abs=0.05)


def test_report_html_and_timeline(demo_report: Path) -> None:
    rep = _load(demo_report)
    png = demo_report / "timeline.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (demo_report / "report.html").read_text()
    assert '<audio id="audio"' in page and 'src="audio.ogg"' in page
    assert 'src="timeline.png"' in page
    rows = re.findall(r'data-kind="(\w+)" data-start="([\d.]+)"', page)
    assert len(rows) == len(rep["events"])
    nudge_starts = [float(s) for k, s in rows if k == "nudge"]
    want = [e["start_s"] for e in rep["events"] if e["kind"] == "nudge"]
    assert nudge_starts == pytest.approx(want, abs=1e-3)
    for term in ("Calm baseline", "Interruption", "Talk ratio", "Response gap", "Nudge"):
        assert f"<dt>{term}</dt>" in page
    assert "Time above the pitch threshold" in page
    # the thresholds shown are those the seconds above were counted against (personal)
    from voicecoach.sinks.report import personal_thresholds

    thr = personal_thresholds(rep, load_config())
    assert f"threshold +{thr['pitch_high']:.2g} st" in page
    assert f"time above the threshold +{thr['rate_high']:.3g} %: " in page


def test_report_says_when_the_baseline_cannot_judge(demo_report: Path, tmp_path: Path) -> None:
    from voicecoach.sinks.report import render_html

    rep = _load(demo_report)
    verdicts = rep["summary"]["coach"]["baseline"]["verdicts"]
    assert set(verdicts) == {"pitch_high", "rate_high", "loudness_high"}
    page = (demo_report / "report.html").read_text()
    assert ("Not judged" in page) == any(verdicts.values())
    why = "baseline too thin to judge: 8.0 s of calm speech measured (15 s needed)"
    rep["summary"]["coach"]["baseline"]["verdicts"]["rate_high"] = why
    render_html(tmp_path / "r.html", rep, None)
    page = (tmp_path / "r.html").read_text()
    assert f"Not judged, no nudge (Slow down): {why}" in page
    assert "s of calm speech)" in page


def test_report_says_which_rules_read_the_calls_own_level(
    demo_report: Path, tmp_path: Path
) -> None:
    """``[coach] incall_*``: the summary lists the rules judged against the call's own
    earlier level too (none by default) and the HTML report says so when there are some."""
    from voicecoach.coach import Coach
    from voicecoach.config import load_config
    from voicecoach.sinks.report import render_html

    rep = _load(demo_report)
    assert rep["summary"]["coach"]["baseline"]["in_call_rules"] == []
    assert "earlier level" not in (demo_report / "report.html").read_text()
    cfg = load_config(overrides={"coach": {"incall_rate": True, "incall_loudness": True}})
    rules = Coach(cfg).summary()["baseline"]["in_call_rules"]
    assert rules == ["loudness_high", "rate_high"]  # RULE_ORDER
    rep["summary"]["coach"]["baseline"]["in_call_rules"] = rules
    render_html(tmp_path / "r.html", rep, None)
    page = (tmp_path / "r.html").read_text()
    import html

    want = "Also judged against this call's own earlier level: Speak softer, Slow down"
    assert html.escape(want) in page


def test_report_counts_the_repeats_held_back(demo_report: Path, tmp_path: Path) -> None:
    """``[coach] repeat_window_s``: the summary counts, per prosody rule, the excursions the
    repeat raise kept quiet, and the HTML report's nudge row names them when there are some."""
    import html

    from voicecoach.sinks.report import render_html

    rep = _load(demo_report)
    held = rep["summary"]["coach"]["held_back"]
    assert set(held) == {"pitch_high", "rate_high", "loudness_high"}
    page = (demo_report / "report.html").read_text()
    assert ("repeats held back (no further" in page) == any(held.values())
    rep["summary"]["coach"]["held_back"] = {"pitch_high": 0, "rate_high": 0, "loudness_high": 2}
    render_html(tmp_path / "r.html", rep, None)
    page = (tmp_path / "r.html").read_text()
    assert html.escape("repeats held back (no further than a recent nudge): loudness 2") in page


# ----------------------------------------------------------------------------- inputs


def _review(paths: list, out: Path, *extra: str) -> int:
    return main(
        [
            "review",
            *map(str, paths),
            "--out",
            str(out),
            "--lang",
            "en",
            "--no-html",
            "--audio-copy",
            "none",
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def short_audio(demo_audio: np.ndarray) -> np.ndarray:
    return demo_audio[: 30 * SR]


@pytest.fixture(scope="module")
def short_reference(tmp_path_factory: pytest.TempPathFactory, short_audio: np.ndarray) -> dict:
    d = tmp_path_factory.mktemp("ref")
    sf.write(d / "ref.wav", short_audio, SR)
    assert _review([d / "ref.wav"], d / "out") == 0
    return _load(d / "out" / "ref")


@pytest.mark.parametrize("fmt", ["FLAC", "OGG", "MP3"])
def test_compressed_formats(
    tmp_path: Path, short_audio: np.ndarray, short_reference: dict, fmt: str
) -> None:
    if fmt not in sf.available_formats():
        pytest.skip(f"libsndfile {sf.__libsndfile_version__} cannot write {fmt}")
    ext = {"FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}[fmt]
    p = tmp_path / f"call.{ext}"
    data = short_audio
    if fmt == "FLAC":  # the reference WAV's own 16-bit samples (libsndfile rounds float to
        # PCM differently for WAV and FLAC: half the samples would differ by one LSB)
        sf.write(tmp_path / "pcm.wav", short_audio, SR)
        data, _ = sf.read(tmp_path / "pcm.wav", dtype="int16")
    try:
        sf.write(p, data, SR, format=fmt)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:  # pragma: no cover
        pytest.skip(f"libsndfile cannot write {fmt}: {e}")
    assert _review([p], tmp_path / "out") == 0
    rep = _load(tmp_path / "out" / "call")
    assert rep["audio"]["channels"] == 2
    assert rep["audio"]["duration_s"] == pytest.approx(30.0, abs=0.1)
    if fmt == "FLAC":  # lossless: the very same analysis as the WAV
        assert _strip(rep) == _strip(short_reference)
    else:  # lossy: the same conversation structure
        ref = short_reference["summary"]["conversation"]
        got = rep["summary"]["conversation"]
        assert got["interruptions"] == ref["interruptions"]
        assert got["overlap_s"] == pytest.approx(ref["overlap_s"], abs=0.3)


def test_agent_channel_swaps_roles(
    tmp_path: Path, short_audio: np.ndarray, short_reference: dict
) -> None:
    p = tmp_path / "swapped.wav"
    sf.write(p, short_audio[:, ::-1], SR)
    assert _review([p], tmp_path / "out", "--agent-channel", "1") == 0
    rep = _load(tmp_path / "out" / "swapped")
    assert rep["roles"] == {"agent": 1, "customer": 0}
    assert _strip(rep) == _strip(short_reference)


def test_mono_pair_session_equal_stereo(
    tmp_path: Path, short_audio: np.ndarray, short_reference: dict
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    sf.write(d / "bob_2025-02-01_agent.wav", short_audio[:, 0], SR)
    sf.write(d / "bob_2025-02-01_customer.flac", short_audio[:, 1], SR)
    sess = d / "20250201-101500"
    sess.mkdir()
    sf.write(sess / "agent.wav", short_audio[:, 0], SR)
    sf.write(sess / "customer.wav", short_audio[:, 1], SR)
    out = tmp_path / "out"
    assert _review([d], out) == 0
    pair = _load(out / "bob_2025-02-01")
    assert pair["audio"]["kind"] == "pair"
    assert pair["call"]["agent"] == "bob" and pair["call"]["date"] == "2025-02-01"
    assert _strip(pair) == _strip(short_reference)
    session = _load(out / "20250201-101500")
    assert session["audio"]["kind"] == "session"
    assert _strip(session) == _strip(short_reference)
    # explicit --agent/--customer gives the same
    assert (
        main(
            [
                "review",
                "--agent",
                str(d / "bob_2025-02-01_agent.wav"),
                "--customer",
                str(d / "bob_2025-02-01_customer.flac"),
                "--out",
                str(tmp_path / "o2"),
                "--lang",
                "en",
                "--no-html",
            ]
        )
        == 0
    )
    assert _strip(_load(tmp_path / "o2" / "bob_2025-02-01_agent")) == _strip(short_reference)


def test_mono_file(tmp_path: Path, short_audio: np.ndarray) -> None:
    p = tmp_path / "solo.wav"
    sf.write(p, short_audio[:, 0], SR)
    assert main(["review", str(p), "--out", str(tmp_path / "out"), "--lang", "en"]) == 0
    rep = _load(tmp_path / "out" / "solo")
    assert rep["roles"] == {"agent": 0, "customer": None}
    assert rep["summary"]["conversation"]["available"] is False
    assert (tmp_path / "out" / "solo" / "report.html").is_file()
    assert (tmp_path / "out" / "index.html").is_file()


# ----------------------------------------------------------------------------- bad files


def test_bad_files_are_skipped_and_summarised(
    tmp_path: Path, short_audio: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    sf.write(d / "good.wav", short_audio[: 10 * SR], SR)
    (d / "empty.wav").write_bytes(b"")
    (d / "corrupt.flac").write_bytes(b"fLaC" + bytes(range(256)) * 8)
    sf.write(d / "three.wav", np.zeros((SR, 3), np.float32), SR)
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    rc = main(
        [
            "review",
            str(d),
            str(notes),
            str(tmp_path / "missing.wav"),
            "--out",
            str(tmp_path / "out"),
            "--no-html",
            "--lang",
            "en",
        ]
    )
    assert rc == 1
    out, err = capsys.readouterr()
    assert "1 call(s) reviewed" in out and "5 failed" in out
    assert _load(tmp_path / "out" / "good")["schema"] == REPORT_SCHEMA
    assert "5 input(s) failed" in err
    why = {line.split(": ", 1)[0].strip(): line for line in err.splitlines()[1:]}
    assert "is empty (0 bytes)" in why[str(d / "empty.wav")]
    assert "cannot read" in why[str(d / "corrupt.flac")]
    assert "has 3 channels" in why[str(d / "three.wav")]
    assert "not a supported audio file" in why[str(notes)]
    assert "does not exist" in why[str(tmp_path / "missing.wav")]
    assert not (tmp_path / "out" / "corrupt").exists()


def test_failure_mid_analysis_leaves_no_half_report(tmp_path: Path, monkeypatch) -> None:
    """A call that fails during analysis is reported; its partial files are removed."""
    import voicecoach.review.one_call as one_call
    from voicecoach.errors import SourceError
    from voicecoach.review.batch import ReviewOptions, Task, review_task

    p = tmp_path / "x.wav"
    sf.write(p, np.zeros((5 * SR, 2), np.float32), SR)

    def broken(call, config=None):
        yield np.zeros((1600, 2), np.float32)
        raise SourceError(f"{str(p)!r} is corrupt after some samples: test")

    monkeypatch.setattr(one_call, "iter_call_blocks", broken)
    calls, _ = discover_calls([p])
    res = review_task(Task("x", call=calls[0]), ReviewOptions(str(tmp_path / "o"), load_config()))
    assert not res.ok and "corrupt after some samples" in res.error
    # nor the call's folder it made (an empty folder per failed call was left in --out)
    assert not (tmp_path / "o" / "x").exists() and (tmp_path / "o").is_dir()
    # a folder that was there before (an earlier review) stays, without the partial files
    (tmp_path / "o" / "x").mkdir()
    (tmp_path / "o" / "x" / "mine.txt").write_text("kept")
    res = review_task(Task("x", call=calls[0]), ReviewOptions(str(tmp_path / "o"), load_config()))
    assert not res.ok
    assert [q.name for q in (tmp_path / "o" / "x").iterdir()] == ["mine.txt"]


# ----------------------------------------------------------------------------- what-if


def test_whatif_same_config_gives_same_report(demo_report: Path, tmp_path: Path) -> None:
    fresh = _load(demo_report)
    rep, old = recoach_call(demo_report, tmp_path, load_config(), lang="en", render=False)
    assert old == fresh
    assert _strip(rep) == _strip(fresh)
    assert rep["whatif"]["reused"] == {"tracks": True, "measures": True, "conversation": True}
    assert rep["whatif"]["nudges"] == rep["whatif"]["nudges_before"] == 2


@pytest.mark.parametrize(
    "section,change",
    [("conversation", {"min_overlap_s": 0.4}), ("baseline", {"pitch_window_s": 1.5})],
)
def test_whatif_rerun_parts_equal_fresh_analysis(
    demo_report: Path, demo_wav: Path, tmp_path: Path, section: str, change: dict
) -> None:
    """Re-running the tracker (or the baselines) on the tracks equals a fresh analysis."""
    cfg = load_config().replace(**{section: change})
    rep, _ = recoach_call(demo_report, tmp_path / "w", cfg, lang="en", render=False)
    assert rep["whatif"]["reused"]["conversation"] is (section != "conversation")
    assert rep["whatif"]["reused"]["measures"] is (section != "baseline")
    calls, _ = discover_calls([demo_wav])
    fresh = review_call(calls[0], tmp_path / "f", cfg, lang="en", render=False, audio="none")
    assert _strip(rep) == _strip(fresh)
    assert _strip(fresh) != _strip(_load(demo_report))  # the change shows in the report


@pytest.mark.parametrize(
    "change",
    [
        {"rules": {"rate_high": {"threshold": 5.0}}},
        # the demo's level is steady (calm excursion 0.46 dB): a floor under it, so the
        # personal threshold decides and the time above it (0.03 s) moves
        {"rules": {"loudness_high": {"threshold": 0.1, "hysteresis": 0.05}},
         "loudness_calm_margin_db": 0.0},
        {"rules": {"pitch_high": {"threshold": 0.5}}, "pitch_calm_margin_st": 0.0,
         "pitch_threshold_max_st": 6.0},  # the "too variable" verdict lifted
    ],
)
def test_whatif_coach_change_equals_fresh_review(
    demo_report: Path, demo_wav: Path, tmp_path: Path, change: dict
) -> None:
    """A coach-only change reuses the cached measures, and its personal thresholds and
    verdicts still come from the provisional profile the first pass formed (a what-if
    used to judge every measured rule at its floor, unchecked)."""
    cfg = load_config().replace(coach=change)
    rep, _ = recoach_call(demo_report, tmp_path / "w", cfg, lang="en", render=False)
    assert rep["whatif"]["reused"]["measures"] is True
    calls, _ = discover_calls([demo_wav])
    fresh = review_call(calls[0], tmp_path / "f", cfg, lang="en", render=False, audio="none")
    assert _strip(rep) == _strip(fresh)
    assert _strip(fresh) != _strip(_load(demo_report))  # the change shows in the report


def test_whatif_thresholds_cli(
    demo_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text(STRICT)
    before = (demo_report / "report.json").read_bytes()
    out = tmp_path / "whatif"
    rc = main(
        [
            "review",
            "--reuse",
            str(demo_report.parent),
            "--out",
            str(out),
            "--config",
            str(strict),
            "--lang",
            "en",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    got = re.search(rf"{re.escape(demo_report.name)}: (\d+) nudges \(was 2\)", text)
    assert got and int(got.group(1)) >= 3, text
    assert "re-coached from cached tracks" in text
    rep = _load(out / demo_report.name)
    assert {e["rule"] for e in rep["events"] if e["kind"] == "nudge"} == {
        "interrupting",
        "monologue",
        "rate_high",
    }
    # the conversation is unchanged, only the nudges differ
    orig = _load(demo_report)
    assert [e for e in rep["events"] if e["kind"] != "nudge"] == [
        e for e in orig["events"] if e["kind"] != "nudge"
    ]
    assert (demo_report / "report.json").read_bytes() == before  # the original is untouched
    assert (out / demo_report.name / "report.html").is_file()
    assert (out / demo_report.name / "audio.ogg").is_file()
    # a what-if of the what-if still works (the folder is self-contained)
    rep2, _ = recoach_call(
        out / demo_report.name, tmp_path / "again", load_config(), lang="en", render=False
    )
    assert _strip(rep2) == _strip(orig)


def test_out_with_cached_tracks_is_reused(
    tmp_path: Path, short_audio: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "c.wav"
    sf.write(p, short_audio, SR)
    out = tmp_path / "out"
    assert _review([p], out) == 0
    first = _load(out / "c")
    capsys.readouterr()
    assert _review([p], out) == 0
    assert "(was " in capsys.readouterr().out
    assert _strip(_load(out / "c")) == _strip(first)
    # other analysis settings: analysed again, not reused
    cfg = tmp_path / "pitch.toml"
    cfg.write_text("[pitch]\nfmin_hz = 70.0\n")
    assert _review([p], out, "--config", str(cfg)) == 0
    assert "re-coached" not in capsys.readouterr().out
    assert _load(out / "c")["tracks"]["analysis_key"] != first["tracks"]["analysis_key"]
    # --fresh forces a new analysis (the cached tracks are of these settings: reusable)
    assert _review([p], out, "--config", str(cfg), "--fresh") == 0
    assert "re-coached" not in capsys.readouterr().out


# ----------------------------------------------------------------------------- index


def test_assign_meta_pattern_and_manifest(tmp_path: Path) -> None:
    a = tmp_path / "alice_20250110_x.wav"
    b = tmp_path / "call-007.wav"
    calls = [Call(a.stem, "stereo", (a,)), Call(b.stem, "stereo", (b,))]
    got = assign_meta(calls)
    assert got[0].meta == {"agent": "alice", "date": "2025-01-10"}
    assert got[1].meta == {}
    man = tmp_path / "m.csv"
    with open(man, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "agent", "date"])
        w.writerow(["call-007.wav", "dave", "2025-03-04"])
    got = assign_meta(calls, manifest=man)
    assert got[1].meta == {"agent": "dave", "date": "2025-03-04"}
    with open(man, "a", newline="") as f:  # a typo: said, not silently dropped
        csv.writer(f).writerow(["call-07.wav", "erin", "2025-03-05"])
    with pytest.warns(UserWarning, match=r"1 of 2 row\(s\) match no call under review "
                                         r"\('.*call-07.wav'\)"):
        got = assign_meta(calls, manifest=man)
    assert got[1].meta == {"agent": "dave", "date": "2025-03-04"}
    got = assign_meta(calls, r"(?P<agent>[a-z]+)-(?P<date>\d+)")
    assert got[1].meta == {"agent": "call", "date": "007"}
    with pytest.raises(ParameterError, match=r"not a valid regular expression"):
        assign_meta(calls, "(?P<agent>")
    with pytest.raises(ParameterError, match=r"no named group 'agent' or 'date'"):
        assign_meta(calls, r"\d+")
    # a manifest saved in another encoding, or a folder: one clear error each (a
    # UnicodeDecodeError traceback / "does not exist" before session 21)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("path,agent,date\na.wav,alice,2026-12-01\n", encoding="utf-16")
    with pytest.raises(SourceError, match=r"utf16.csv' is not UTF-8 text \(byte 0"):
        assign_meta(calls, manifest=utf16)
    with pytest.raises(SourceError, match="is a folder; give a CSV file"):
        assign_meta(calls, manifest=tmp_path)


def test_index_per_agent(tmp_path: Path, short_audio: np.ndarray, demo_report: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    names = ["alice_2025-01-10_a", "alice_2025-01-12_b", "bob_2025-01-11_c"]
    for i, n in enumerate(names):
        sf.write(d / f"{n}.wav", short_audio[: (12 + 4 * i) * SR], SR)
    out = tmp_path / "out"
    assert main(["review", str(d), "--out", str(out), "--lang", "en", "--audio-copy", "none"]) == 0
    page = (out / "index.html").read_text()
    assert re.findall(r'<table class="agent-table" data-agent="([^"]+)"', page) == ["alice", "bob"]
    for h in (
        "Interruptions / 10 min",
        "Time above pitch band (%)",
        "Rate (syl/s)",
        "Talk ratio (%)",
        "Response gap (s)",
    ):
        assert h in page
    assert 'href="alice_2025-01-10_a/report.html"' in page
    assert "Trend over dates (2025-01-10 → 2025-01-12, 2)" in page
    assert "3 call(s), 2 named agent(s)." in page
    # a call whose name gives no agent: its own group, named in the page's language, and
    # not counted as an agent
    sf.write(d / "call_without_agent.wav", short_audio[: 12 * SR], SR)
    assert main(["review", str(d), "--out", str(out), "--lang", "fr", "--audio-copy", "none"]) == 0
    page = (out / "index.html").read_text()
    assert "4 appel(s), 2 agent(s) nommé(s)." in page and "<title>Revues d’appels</title>" in page
    assert '<h2 class="agent">(agent inconnu)</h2>' in page and "(unknown)<" not in page
    assert "0,2 min" in page and "0.2 min" not in page  # the index too (12 s: 0,2 min)
    call_page = (out / "call_without_agent" / "report.html").read_text()
    assert "(12,0 s)" in call_page and "(12.0 s)" not in call_page  # a French decimal comma
    assert page.count("<svg") >= 6
    rows = {r["stem"]: r for r in collect(out)}
    rep = _load(out / "alice_2025-01-12_b")
    m = call_metrics(rep)
    assert rows["alice_2025-01-12_b"]["interruptions_per_10min"] == m["interruptions_per_10min"]
    made = rep["summary"]["agent"]["interruptions_made"]
    assert m["interruptions_per_10min"] == pytest.approx(made * 600 / 16.0, rel=1e-3)
    assert m["talk_ratio_pct"] == pytest.approx(100 * rep["summary"]["agent"]["talk_ratio"])
    # these 16 s hold no interruption (made == 0 above); the whole demo call holds one
    demo = _load(demo_report)
    assert demo["summary"]["agent"]["interruptions_made"] == 1
    assert call_metrics(demo)["interruptions_per_10min"] == pytest.approx(600 / 89.5, rel=1e-3)


def test_tracks_without_the_settled_pitch_read_f0_hz_in_its_place() -> None:
    from voicecoach.analysis import Features
    from voicecoach.review.tracks import features_of, tracks_dtype

    full = tracks_dtype(1)
    old = np.dtype([(n, full.fields[n][0]) for n in full.names if n != "agent.f0_settled_hz"])
    rows = np.zeros(3, old)
    rows["agent.f0_hz"] = [np.nan, 120.0, 130.0]
    f = features_of(rows, "agent")
    assert isinstance(f, Features)
    np.testing.assert_array_equal(f.f0_settled_hz, rows["agent.f0_hz"])
    new = np.zeros(3, full)
    new["agent.f0_settled_hz"] = 99.0
    assert (features_of(new, "agent").f0_settled_hz == 99.0).all()


def test_tracks_keep_the_linear_check_levels_and_read_old_tracks_without_them() -> None:
    """And the coherence with the far end (read as None from tracks written before it)."""
    from voicecoach.analysis.echo import EchoHops
    from voicecoach.review.tracks import echo_of, tracks_dtype

    full = tracks_dtype(2)
    rows = np.zeros(3, full)
    f32 = np.float32
    echo = EchoHops(state=np.array([2, 2, 4], np.int8), mic_db=np.full(3, -20.0, f32),
                    out_db=np.full(3, -30.0, f32),
                    linear_db=np.array([-40.0, -22.0, np.nan], f32),
                    linear_ref_db=np.array([-24.0, -21.0, np.nan], f32),
                    coherence=np.array([np.nan, 0.03, 0.6], f32))
    rows["echo.state"] = echo.state
    rows["echo.mic_db"] = echo.mic_db
    rows["echo.out_db"] = echo.out_db
    rows["echo.linear_db"] = echo.linear_db
    rows["echo.linear_ref_db"] = echo.linear_ref_db
    rows["echo.coherence"] = echo.coherence
    back = echo_of(rows)
    assert back is not None and back.linear_db is not None
    np.testing.assert_array_equal(back.coherence, echo.coherence)  # the coherence too
    no_coh = np.dtype([(n, full.fields[n][0]) for n in full.names if n != "echo.coherence"])
    assert echo_of(np.zeros(3, no_coh)).coherence is None  # tracks written before it
    np.testing.assert_array_equal(back.linear_drop_db, echo.linear_drop_db)
    np.testing.assert_array_equal(back.linear_drop_db[:2], [16.0, 1.0])
    # tracks written before the linear check, or before its reference level: no check (the
    # old drop was measured against the un-notched microphone)
    for gone in (("echo.linear_db", "echo.linear_ref_db"), ("echo.linear_ref_db",)):
        old = np.dtype([(n, full.fields[n][0]) for n in full.names if n not in gone])
        old_rows = np.zeros(3, old)
        if "echo.linear_db" in old.names:
            old_rows["echo.linear_db"] = echo.linear_db
        back_old = echo_of(old_rows)
        assert back_old is not None and back_old.linear_db is None
        assert back_old.linear_drop_db is None


def test_whatif_after_an_analysis_change_says_why_the_audio_is_needed(
    demo_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    cfg = tmp_path / "webrtc.toml"
    cfg.write_text('[vad]\nbackend = "webrtc"\n')
    monkeypatch.chdir(tmp_path)  # not the audio's folder: the report stores its name only
    rc = main(["review", "--reuse", str(demo_report.parent), "--config", str(cfg),
               "--out", str(tmp_path / "w")])
    assert rc == 1
    err = capsys.readouterr().err
    assert "the analysis settings changed, so the audio must be analysed again" in err
    assert "run from the audio's folder" in err
