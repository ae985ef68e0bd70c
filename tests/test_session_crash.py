"""Crash safety of a live session's folder: what a kill, a full disk or a collision leaves.

The session folder (``--record DIR``) holds ``session.json``, written at the start with
``"running": true`` and rewritten at the end; these tests pin that what is on disk stays
whole and says what happened.
"""

from __future__ import annotations

import errno
import json
import os

import pytest

from voicecoach import session as session_mod
from voicecoach.config import load_config
from voicecoach.session import LiveSession


class _NoSource:
    """A source that is never started (the tests call the session's writers directly)."""

    def start(self) -> None:  # pragma: no cover - not run
        pass

    def read(self, timeout: float):  # pragma: no cover - not run
        return None

    def stop(self) -> None:  # pragma: no cover - not run
        pass


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def test_session_json_is_replaced_atomically(tmp_path, cfg, monkeypatch) -> None:
    # a full disk while rewriting session.json at the end: the start's version stays whole
    s = LiveSession(_NoSource(), cfg, record_dir=tmp_path)
    s._write_session_json(running=True)
    path = s.folder / "session.json"
    before = path.read_text()

    class _FullDisk:
        def __init__(self, f):
            self._f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

        def write(self, text):
            self._f.write(text[:10])
            self._f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    real = session_mod.open_private
    monkeypatch.setattr(session_mod, "open_private",
                        lambda *a, **k: _FullDisk(real(*a, **k)))
    with pytest.raises(OSError, match="No space left"):
        s._write_session_json(False, {"duration_s": 12.0})
    assert path.read_text() == before
    assert json.loads(before)["running"] is True
    assert sorted(p.name for p in s.folder.iterdir()) == ["session.json"]  # no temp file left
    monkeypatch.setattr(session_mod, "open_private", real)
    s._write_session_json(False, {"duration_s": 12.0})
    assert json.loads(path.read_text())["running"] is False
    assert sorted(p.name for p in s.folder.iterdir()) == ["session.json"]


def _session_folder(folder, running: bool | None, seconds: float = 2.0):
    """A recorded session: two mono WAV files and, unless None, a session.json."""
    import numpy as np
    import soundfile as sf

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("agent", "customer"):
        sf.write(folder / f"{name}.wav", 0.01 * rng.standard_normal(int(seconds * 16000)),
                 16000, subtype="PCM_16")
    if running is not None:
        (folder / "session.json").write_text(json.dumps(
            {"schema": "voicecoach.session/1", "started": "2026-01-01T10:00:00",
             "running": running}))
    return folder


def test_a_session_that_never_ended_is_said_cut_short(tmp_path) -> None:
    from voicecoach.review.calls import discover_calls

    killed = _session_folder(tmp_path / "rec" / "20260101-100000", running=True)
    ended = _session_folder(tmp_path / "rec" / "20260101-110000", running=False)
    old = _session_folder(tmp_path / "rec" / "20260101-120000", running=None)
    (call,), _ = discover_calls([killed])
    assert call.kind == "session"
    assert "the live session was cut short" in call.meta["note"]
    calls, _ = discover_calls([tmp_path / "rec"])  # a folder of sessions: the same
    notes = {c.stem: c.meta.get("note") for c in calls}
    assert "cut short" in notes[killed.name]
    assert notes[ended.name] is None and notes[old.name] is None
    (killed / "session.json").write_text('{"schema": "voicecoach.session/1", "star')  # torn
    (call,), _ = discover_calls([killed])
    assert "cut short" in call.meta["note"]


def test_review_of_a_killed_session_says_so_in_the_report_and_console(tmp_path, capsys) -> None:
    from voicecoach.cli import main

    killed = _session_folder(tmp_path / "20260101-100000", running=True)
    assert main(["review", str(killed), "--out", str(tmp_path / "out"), "--no-html"]) == 0
    err = capsys.readouterr().err
    lines = [s for s in err.splitlines() if "cut short" in s]
    assert lines == [f"Note: {killed.name}: the live session was cut short: its session.json "
                     "says it never ended cleanly (killed, crashed or still recording), so the "
                     "recording stops where it was cut and the session wrote no report of its "
                     "own"]
    rep = json.loads((tmp_path / "out" / killed.name / "report.json").read_text())
    assert "the live session was cut short" in rep["call"]["note"]
    assert rep["call"]["note_id"] == "cut_short"
    # the HTML report says it too, in the report's language
    assert main(["review", str(killed), "--out", str(tmp_path / "fr"), "--lang", "fr",
                 "--audio-copy", "none"]) == 0
    page = (tmp_path / "fr" / killed.name / "report.html").read_text()
    assert "la séance en direct a été interrompue" in page


def test_an_existing_event_log_is_refused_before_anything_is_recorded(
        tmp_path, cfg, capsys) -> None:
    from voicecoach.cli import main
    from voicecoach.errors import ParameterError

    log = tmp_path / "events.jsonl"
    log.write_text('{"kind": "backchannel"}\n')  # an earlier session's events
    call = _session_folder(tmp_path / "call", running=False)
    rc = main(["live", "--replay", str(call), "--speed", "inf", "--display", "none",
               "--record", str(tmp_path / "rec"), "--events", str(log)])
    out, err = capsys.readouterr()
    assert rc == 2
    assert err.strip().splitlines() == [
        f"Error: the event log {str(log)!r} already exists (24 bytes) and a session would "
        f"overwrite it; give another file name (e.g. --events "
        f"{str(tmp_path / 'events-2.jsonl')!r}) or remove it first"]
    assert "listening" not in out and "replaying" not in out
    assert log.read_text() == '{"kind": "backchannel"}\n'
    assert not (tmp_path / "rec").exists()  # nothing recorded
    with pytest.raises(ParameterError, match="already exists"):
        LiveSession(_NoSource(), cfg, events_path=log, record_dir=tmp_path / "rec")
    assert not (tmp_path / "rec").exists()
    empty = tmp_path / "empty.jsonl"
    empty.touch()  # an empty file (mktemp) and a device are written to
    LiveSession(_NoSource(), cfg, events_path=empty)
    LiveSession(_NoSource(), cfg, events_path="/dev/null")


def test_bad_session_arguments_are_refused_before_anything_is_recorded(tmp_path, cfg) -> None:
    """Until session 21 a folder given as --events ran the whole session and lost its events
    at the end ("Is a directory"), --duration -3 ran a session of nothing, and a file given as
    --record said "Not a directory" about a path the user never typed."""
    from voicecoach.errors import ParameterError

    with pytest.raises(ParameterError, match=r"the event log .* is a folder; give a file name"):
        LiveSession(_NoSource(), cfg, events_path=tmp_path)
    with pytest.raises(ParameterError, match=r"event log's folder .*nowhere' does not exist"):
        LiveSession(_NoSource(), cfg, events_path=tmp_path / "nowhere" / "e.jsonl")
    for bad in (-3.0, 0.0, float("nan")):
        with pytest.raises(ParameterError, match="duration must be a positive number of seconds"):
            LiveSession(_NoSource(), cfg, duration_s=bad, record_dir=tmp_path / "rec")
    assert not (tmp_path / "rec").exists()
    f = tmp_path / "notes.txt"
    f.write_text("x")
    for rec in (f, f / "sub"):
        with pytest.raises(ParameterError, match=r"notes.txt' is a file, not a folder; give a "
                           r"folder for --record"):
            LiveSession(_NoSource(), cfg, record_dir=rec)


def test_sessions_started_in_the_same_second_get_their_own_folders(
        tmp_path, cfg, monkeypatch) -> None:
    from datetime import datetime

    class _Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 1, 10, 0, 0)

    monkeypatch.setattr(session_mod, "datetime", _Frozen)
    (tmp_path / "rec" / "20260101-100000-2").mkdir(parents=True)  # a name already taken
    # a umask that strips the owner's bits from mkdir's mode: only the chmod gives 0700
    old_umask = os.umask(0o277)
    try:
        a = LiveSession(_NoSource(), cfg, record_dir=tmp_path / "rec")
        b = LiveSession(_NoSource(), cfg, record_dir=tmp_path / "rec")  # before a has run
        c = LiveSession(_NoSource(), cfg, record_dir=tmp_path / "rec")
    finally:
        os.umask(old_umask)
    assert [s.folder.name for s in (a, b, c)] == [
        "20260101-100000", "20260101-100000-3", "20260101-100000-4"]
    for s in (a, b, c):
        assert s.folder.is_dir() and (s.folder.stat().st_mode & 0o777) == 0o700


def test_a_display_that_cannot_open_leaves_no_empty_session_folder(
        tmp_path, monkeypatch, capsys) -> None:
    from voicecoach import cli
    from voicecoach.errors import DisplayError

    def no_display(*a, **k):
        raise DisplayError("no display: set DISPLAY or use --display terminal")

    monkeypatch.setattr(cli, "_display", no_display)
    call = _session_folder(tmp_path / "call", running=False)
    rc = cli.main(["live", "--replay", str(call), "--speed", "inf", "--display", "window",
                   "--record", str(tmp_path / "rec")])
    assert rc == 2 and "Error: no display" in capsys.readouterr().err
    assert list((tmp_path / "rec").iterdir()) == []


def test_a_second_ctrl_c_while_finishing_does_not_lose_the_report(
        tmp_path, cfg, monkeypatch, capfd) -> None:
    import math
    import signal

    from voicecoach.review.calls import discover_calls
    from voicecoach.sources.replay import ReplaySource

    call_dir = _session_folder(tmp_path / "call", running=False, seconds=3.0)
    (call,), _ = discover_calls([call_dir])

    def ctrl_c() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    class Impatient(ReplaySource):
        def stop(self) -> None:  # Ctrl-C again while the session stops...
            ctrl_c()
            super().stop()

    real_write_json = session_mod.write_json

    def write_json(path, doc):  # ... and while it writes report.json
        ctrl_c()
        real_write_json(path, doc)

    class FirstCtrlC:
        def run(self, stop_event) -> None:
            stop_event.wait(5.0)  # the replay (at full speed) ends the session
            ctrl_c()
            stop_event.wait(5.0)

    monkeypatch.setattr(session_mod, "write_json", write_json)
    before = signal.getsignal(signal.SIGINT)
    s = LiveSession(Impatient(call, cfg, speed=math.inf), cfg, lang="en",
                    record_dir=tmp_path / "rec")
    try:
        res = s.run(FirstCtrlC())
    except KeyboardInterrupt:
        pytest.fail("a second Ctrl-C aborted the end of the session")
    assert res.error is None
    assert (s.folder / "report.json").is_file()
    assert json.loads((s.folder / "session.json").read_text())["running"] is False
    assert capfd.readouterr().err.count("finishing the report…") == 2
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C interrupts again after
