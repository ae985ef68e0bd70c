"""Crash safety of a live session's folder: what a kill, a full disk or a collision leaves.

The session folder (``--record DIR``) holds ``session.json``, written at the start with
``"running": true`` and rewritten at the end; these tests pin that what is on disk stays
whole and says what happened.
"""

from __future__ import annotations

import errno
import json

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
