"""Batch review: the same reports whichever path runs the per-call tasks.

In this process (``--jobs 1``), in two spawned processes (``--jobs 2``) and on a Dask
``LocalCluster`` with two worker processes, the report.json files must be identical, and a
bad file must fail alone.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
import soundfile as sf

from voicecoach.cli import main
from voicecoach.config import load_config
from voicecoach.errors import ParameterError
from voicecoach.review.batch import ReviewOptions, Task, run_batch
from voicecoach.review.calls import discover_calls

SR = 16000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from voicecoach.sources.synthetic import demo_script, synth_call

    x, _ = synth_call(demo_script()[0])
    d = tmp_path_factory.mktemp("batch")
    sf.write(d / "ann_2025-01-02_one.wav", x[: 20 * SR], SR)
    sf.write(d / "ann_2025-01-03_two.flac", x[20 * SR : 45 * SR], SR)
    sf.write(d / "ben_2025-01-02_three.wav", x[45 * SR : 60 * SR, 0], SR)
    (d / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    return d


def _reports(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))}


def _run(corpus: Path, out: Path, *extra: str) -> int:
    return main(
        ["review", str(corpus), "--out", str(out), "--lang", "en", "--audio-copy", "none", *extra]
    )


def test_jobs_and_dask_give_identical_reports(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(corpus, tmp_path / "j1", "--jobs", "1") == 1  # the broken file fails
    one = _reports(tmp_path / "j1")
    assert sorted(one) == ["ann_2025-01-02_one", "ann_2025-01-03_two", "ben_2025-01-02_three"]
    out = capsys.readouterr()
    assert "[1/3] ann_2025-01-02_one: 20.0 s" in out.out  # plain lines when not a terminal
    assert "broken.wav" in out.err
    # --jobs 2 and Dask must run the tasks in worker processes, not fall back to this one
    import voicecoach.review.batch as batch

    here: list[str] = []

    def counted(task: Task, *a: object, **k: object) -> object:
        here.append(task.name)
        return real(task, *a, **k)

    real = batch.review_task
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch, "review_task", counted)
        assert _run(corpus, tmp_path / "j2", "--jobs", "2") == 1
    assert here == []
    assert _reports(tmp_path / "j2") == one
    assert "broken.wav" in capsys.readouterr().err
    for stem in one:  # the HTML reports were rendered in the workers too
        assert (tmp_path / "j2" / stem / "report.html").is_file()
    assert (tmp_path / "j2" / "index.html").is_file()

    distributed = pytest.importorskip("distributed", reason="voicecoach[cluster] not installed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch, "review_task", counted)
        assert _run(corpus, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 1
    assert here == []
    assert _reports(tmp_path / "dask") == one


def test_run_batch_api_order_and_failures(corpus: Path, tmp_path: Path) -> None:
    calls, failures = discover_calls([corpus])
    assert [f[0] for f in failures] == [str(corpus / "broken.wav")]
    # a call that goes bad after discovery fails alone, in its place, and the batch carries on
    (tmp_path / "in").mkdir()
    gone = tmp_path / "in" / "gone_2025-01-04_x.wav"
    sf.write(gone, sf.read(corpus / "ben_2025-01-02_three.wav")[0][:SR], SR)
    (bad,), _ = discover_calls([gone])
    gone.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    tasks = [Task(c.stem, call=c) for c in calls]
    tasks.insert(1, Task(bad.stem, call=bad))
    opts = ReviewOptions(str(tmp_path / "out"), load_config(), lang="en", render=False,
                         audio="none")
    seen: list[tuple[str, float, float]] = []
    res = run_batch(tasks, opts, on_progress=lambda n, d, t: seen.append((n, d, t)))
    assert [r.name for r in res] == [t.name for t in tasks]
    assert not res[1].ok and str(gone) in res[1].error and res[1].folder is None
    del res[1]
    assert all(r.ok and r.mode == "analysed" for r in res)
    last = {n: (d, t) for n, d, t in seen}
    assert set(last) == {c.stem for c in calls}
    assert all(d == pytest.approx(t) for d, t in last.values())
    # again: re-coached from the cached tracks, whose progress still reaches the end
    seen.clear()
    (again,) = run_batch(tasks[:1], opts, on_progress=lambda n, d, t: seen.append((n, d, t)))
    assert again.ok and again.mode == "reused" and again.nudges_before == res[0].nudges
    assert seen[-1] == (calls[0].stem, 20.0, 20.0)


def test_cached_tracks_serve_only_the_same_audio(corpus: Path, tmp_path: Path) -> None:
    import os

    y, _ = sf.read(corpus / "ann_2025-01-02_one.wav")
    p = tmp_path / "in" / "redo.wav"
    p.parent.mkdir()
    sf.write(p, y[: 3 * SR], SR)
    opts = ReviewOptions(str(tmp_path / "out"), load_config(), lang="en", render=False,
                         audio="none")

    def mode(agent_channel: int = 0) -> str:
        (call,), _ = discover_calls([p], agent_channel)
        (r,) = run_batch([Task(call.stem, call=call)], opts)
        assert r.ok, r.error
        return r.mode

    assert [mode(), mode()] == ["analysed", "reused"]
    # the same name and size, other audio (a re-export): analysed again
    sf.write(p, y[3 * SR : 6 * SR], SR)
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**10))  # whatever the clock's grain
    assert [mode(), mode()] == ["analysed", "reused"]
    # the same audio, the agent on the other channel: analysed again
    assert [mode(1), mode(1)] == ["analysed", "reused"]


def test_a_report_folder_task_recoaches_or_analyses_again_under_its_name(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    y, _ = sf.read(corpus / "ann_2025-01-02_one.wav")
    (tmp_path / "in").mkdir()
    sf.write(tmp_path / "in" / "c.wav", y[: 3 * SR], SR)
    (call,), _ = discover_calls([tmp_path / "in" / "c.wav"])
    cfg = load_config()
    (first,) = run_batch([Task(call.stem, call=call)],
                         ReviewOptions(str(tmp_path / "a"), cfg, lang="en", render=False,
                                       audio="none"))
    src = str(tmp_path / "a" / "c")

    def whatif(out: str, config) -> object:
        (r,) = run_batch([Task("w", report_dir=src)],
                         ReviewOptions(str(tmp_path / out), config, lang="en", render=False,
                                       audio="none"))
        assert r.ok, r.error
        assert r.name == "w" and r.folder == str(tmp_path / out / "w")
        assert (tmp_path / out / "w" / "report.json").is_file()
        assert r.nudges_before == first.nudges
        return r.mode

    assert whatif("same", cfg) == "reused"
    # other analysis settings: the cached tracks are stale, the audio (found by its name
    # from the current folder) is analysed again, into the task's folder
    monkeypatch.chdir(tmp_path / "in")
    assert whatif("other", cfg.replace(pitch={"fmin_hz": 70.0})) == "analysed"


def test_scheduler_without_dask_is_a_clear_error(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    calls, _ = discover_calls([corpus / "ann_2025-01-02_one.wav"])
    with pytest.raises(ParameterError, match=r"pip install 'voicecoach\[cluster\]'"):
        run_batch(
            [Task(calls[0].stem, call=calls[0])],
            ReviewOptions(str(tmp_path), load_config()),
            scheduler="tcp://127.0.0.1:1",
        )
    rc = _run(corpus / "ann_2025-01-02_one.wav", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:1")
    assert rc == 2


def test_bad_jobs_value(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"--jobs must be >= 1, got 0"):
        run_batch([], ReviewOptions(str(tmp_path), load_config()), jobs=0)


def test_empty_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    assert _run(tmp_path / "in", tmp_path / "o") == 1
    assert "holds no audio files" in capsys.readouterr().err


def test_whatif_progress_line_lists_the_nudges_and_names_the_echo_state() -> None:
    from voicecoach.review.batch import TaskResult
    from voicecoach.review.document import summary_line
    from voicecoach.review.progress import _result_line

    rep = {
        "audio": {"duration_s": 117.9},
        "summary": {"conversation": {"overlap_s": 3.46, "echo": {"enabled": True,
                                                                  "state": "no_echo"}}},
        "events": [{"kind": "nudge", "message": "Ralentissez"},
                   {"kind": "nudge", "message": "Baissez le ton"}],
    }
    # the report's language by default (French when it names none), or the one asked
    fr = summary_line("demo_call", rep)
    assert fr == ("demo_call\u00a0: 117,9 s, interruptions 0, acquiescements 0, chevauchement "
                  "3,46 s, conseils 2 (Ralentissez, Baissez le ton), pas d'écho (casque)"), fr
    assert summary_line("demo_call", rep, "en") == summary_line(
        "demo_call", {**rep, "config": {"lang": "en"}})
    rep["config"] = {"lang": "en"}
    line = summary_line("demo_call", rep)
    assert line.endswith("nudges 2 (Ralentissez, Baissez le ton), no echo (headset)"), line
    rep["summary"]["conversation"]["echo"] = {"enabled": True, "state": "bypassed",
                                              "far_active_s": 45.6, "delay_s": None}
    assert summary_line("c", rep).endswith(
        ", no echo found, canceller bypassed at the end (far end silent)")
    rep["summary"]["conversation"]["echo"].update(delay_s=0.03)
    assert summary_line("c", rep).endswith(", echo found (30 ms), canceller bypassed at the end "
                                           "(far end silent)")
    r = TaskResult(name="demo_call", source="x", ok=True, error="", folder=None, summary=line,
                   nudges=2, nudges_before=3, mode="reused", duration_s=1.0, wall_s=1.0,
                   nudge_messages=("Ralentissez", "Baissez le ton"))
    assert _result_line(r) == "demo_call: 2 nudges (was 3): Ralentissez, Baissez le ton"
    assert _result_line(r, "fr") == ("demo_call\u00a0: 2 conseils (avant\u00a0: 3)\u00a0: "
                                     "Ralentissez, Baissez le ton")
    rep["events"] = []
    quiet = summary_line("demo_call", rep)
    assert "(" in quiet  # the echo words' parentheses are not taken for a nudge list
    r = dataclasses.replace(r, summary=quiet, nudges=0, nudges_before=0, nudge_messages=())
    assert _result_line(r) == "demo_call: 0 nudges (was 0)"
    # a failure names its error, in English like all errors, whatever the display's language
    bad = TaskResult(name="c", source="c.wav", ok=False, error="cannot read 'c.wav'")
    assert _result_line(bad, "fr") == "c: FAILED (cannot read 'c.wav')"
    # an analysed call (no report before it): its summary line
    assert _result_line(dataclasses.replace(r, nudges_before=None), "fr") == quiet


def test_a_one_party_call_line_says_its_conversation_counts_are_not_available() -> None:
    from voicecoach.review.document import summary_line

    rep = {
        "audio": {"duration_s": 4.0},
        "summary": {"conversation": {"available": False, "reason": "single-party recording"}},
        "events": [],
    }
    assert summary_line("solo", rep) == ("solo\u00a0: 4,0 s, interruptions n.d., acquiescements "
                                         "n.d., chevauchement n.d., conseils 0")
    rep["config"] = {"lang": "en"}
    line = summary_line("solo", rep)
    assert line == "solo: 4.0 s, interruptions n/a, backchannels n/a, overlap n/a, nudges 0", line
    rep["summary"]["conversation"] = {"overlap_s": 1.5, "interruptions": 1, "backchannels": 0}
    # counted from the events, less an interruption retracted (it turned out a backchannel)
    rep["events"] = [{"kind": "interruption"}, {"kind": "interruption", "retracted": True}]
    assert summary_line("duo", rep).startswith(
        "duo: 4.0 s, interruptions 1, backchannels 0, overlap 1.5 s, nudges 0")


def test_pool_plumbing_threads_and_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers start with single-threaded BLAS/OpenMP unless the user chose; progress is
    throttled but always reaches the end, and none is forwarded for a finished task."""
    import os
    import queue

    from voicecoach.review import batch

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    for k in batch._WORKER_THREAD_ENV[1:]:
        monkeypatch.delenv(k, raising=False)
    with batch._worker_environ():
        assert {k: os.environ.get(k) for k in batch._WORKER_THREAD_ENV} == {
            "OMP_NUM_THREADS": "3", **{k: "1" for k in batch._WORKER_THREAD_ENV[1:]}}
    assert os.environ["OMP_NUM_THREADS"] == "3"
    assert not any(k in os.environ for k in batch._WORKER_THREAD_ENV[1:])

    sent: list[tuple] = []
    prog = batch._Throttled("c", sent.append, every_s=3600.0)
    for d in (1.0, 2.0, 3.0, 4.0):
        prog(d, 4.0)
    assert sent == [("c", 1.0, 4.0), ("c", 4.0, 4.0)]

    q: queue.Queue = queue.Queue()
    for item in [("a", 1.0, 2.0), ("b", 1.0, 3.0), ("a", 2.0, 2.0)]:
        q.put(item)
    got: list[tuple] = []
    batch._drain(q, lambda *a: got.append(a), finished={"a"})
    assert got == [("b", 1.0, 3.0)] and q.empty()
