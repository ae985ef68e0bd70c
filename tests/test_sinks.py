"""Event log and recorder: incremental, crash-safe, same schema as the report."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from voicecoach.errors import SourceError
from voicecoach.events import Backchannel, Interruption, Nudge, event_to_dict
from voicecoach.sinks.eventlog import EventLog, read_events


def test_event_log_round_trip_keeps_last_version(tmp_path) -> None:
    p = tmp_path / "events.jsonl"
    with EventLog(p) as log:
        log.write([Interruption(1.0, None, 1.55, id=7, by="agent", of="customer")])
        log.write([Backchannel(2.0, 2.4, 2.5, by="customer")])
        log.write([Interruption(1.0, 2.2, 2.25, id=7, by="agent", of="customer")])
        log.write([Nudge(3.0, None, 3.0, id=9, rule="pitch_high", value=2.4, threshold=2.0)])
    lines = [json.loads(s) for s in p.read_text().splitlines()]
    assert len(lines) == 4 and lines[0]["end_s"] is None
    evs = read_events(p)
    assert [e.kind for e in evs] == ["interruption", "backchannel", "nudge"]
    assert evs[0].end_s == 2.2 and evs[0].by == "agent"
    assert evs[0].decided_s == 1.55  # when it was first shown, not when it was last updated
    assert event_to_dict(evs[2])["rule"] == "pitch_high"
    assert len(read_events(p, final=False)) == 4


def test_event_log_is_flushed_per_event_and_survives_a_crash(tmp_path) -> None:
    p = tmp_path / "events.jsonl"
    code = (
        "import os\n"
        "from voicecoach.events import Backchannel\n"
        "from voicecoach.sinks.eventlog import EventLog\n"
        f"log = EventLog({str(p)!r})\n"
        "log.write([Backchannel(1.0, 1.5, 1.6, by='customer')])\n"
        "os._exit(3)\n"  # no close, no flush of Python's buffer: only write() flushed it
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 3
    with p.open("a") as f:  # the crash cut the next line short
        f.write('{"kind": "backch')
    (ev,) = read_events(p)
    assert ev.kind == "backchannel" and ev.end_s == 1.5


def test_event_log_rejects_garbage_in_the_middle(tmp_path) -> None:
    p = tmp_path / "e.jsonl"
    p.write_text('{"kind": "nope"}\n{"kind": "backchannel", "start_s": 1, "end_s": 2}\n')
    with pytest.raises(SourceError, match="line 1 is not a voicecoach event"):
        read_events(p)
    with pytest.raises(SourceError, match="does not exist"):
        read_events(tmp_path / "missing.jsonl")


def test_recorder_loses_at_most_the_last_second_on_a_crash(tmp_path) -> None:
    code = (
        "import os, numpy as np\n"
        "from voicecoach.sinks.recorder import Recorder\n"
        f"r = Recorder({str(tmp_path)!r})\n"
        "t = np.arange(160) / 16000\n"
        "for i in range(300):\n"  # 3 s in 10 ms blocks
        "    r.write(np.stack([0.1 * np.sin(2e3 * t + i), 0.2 * np.sin(3e3 * t)], 1))\n"
        "os._exit(1)\n"  # no close: a crash
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    for name in ("agent.wav", "customer.wav"):
        x, sr = sf.read(tmp_path / name)
        assert sr == 16000
        assert 2.0 <= len(x) / sr <= 3.0


def test_recorder_keeps_the_wav_header_current_on_each_flush(tmp_path, monkeypatch) -> None:
    # a copy of the still-open files is what a kill -9 leaves: its header must give the
    # frames flushed so far (before, it said 0 and Python's wave refused the file)
    import shutil
    import wave

    from voicecoach.sinks import recorder as rec_mod

    calls = []
    real = rec_mod._update_header
    monkeypatch.setattr(rec_mod, "_update_header", lambda f: (calls.append(1), real(f)))
    r = rec_mod.Recorder(tmp_path / "s", 16000, flush_s=0.5)
    block = np.full((160, 2), 1000, np.int16)  # 10 ms blocks, as the live path writes
    for n_blocks, flushed in ((100, 16000), (50, 24000)):
        for _ in range(n_blocks):
            r.write_pcm(block)
        for name in ("agent", "customer"):
            copy = tmp_path / f"copy-{name}.wav"
            shutil.copyfile(tmp_path / "s" / f"{name}.wav", copy)
            with wave.open(str(copy)) as w:
                assert w.getnframes() == flushed
            assert sf.info(copy).frames == flushed
    # the header is rewritten once per file per flush (every 0.5 s), never per block
    assert len(calls) == 2 * 3
    r.close()
    with wave.open(str(tmp_path / "s" / "agent.wav")) as w:
        assert w.getnframes() == 24000


def test_recorder_round_trip(tmp_path) -> None:
    from voicecoach.sinks.recorder import Recorder

    rng = np.random.default_rng(0)
    block = rng.uniform(-0.5, 0.5, (1600, 2)).astype(np.float32)
    with Recorder(tmp_path, format="FLAC") as r:
        r.write(block)
        r.write(block)
    a, _ = sf.read(tmp_path / "agent.flac", dtype="float32")
    np.testing.assert_allclose(a, np.r_[block[:, 0], block[:, 0]], atol=1 / 32768)
    c, _ = sf.read(tmp_path / "customer.flac", dtype="float32")
    np.testing.assert_allclose(c, np.r_[block[:, 1], block[:, 1]], atol=1 / 32768)
