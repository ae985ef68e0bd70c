"""Live == review, offline: a call replayed through the live session (the replay source at
unlimited speed, no audio server, no display) gives the same events as ``voicecoach review``
of the same file, field for field, bit for bit.

The live path feeds the pipeline 20 ms blocks from the replay thread through the session's
queue, quantiser, recorder and event logs; review feeds it seconds at a time from disk. The
files are 16-bit PCM, so both analyse exactly the same samples. Compared:

* the conversation tracker's whole decision stream (every version of every event, in
  order, at full precision): live as decided, review from its ``tracker_events.jsonl``;
* the reports: ``events`` (nudges included) and ``summary`` equal as JSON;
* the session's own ``events.jsonl`` and recording against the same.

The PulseAudio end-to-end test (``tests/live/test_live_e2e.py``) checks the real audio path.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import soundfile as sf

from voicecoach.config import load_config
from voicecoach.events import Nudge, event_from_dict, event_to_dict, final_events
from voicecoach.review.calls import discover_calls
from voicecoach.review.one_call import review_call
from voicecoach.review.tracks import FINISH_BLOCK, STREAM_FILE, read_stream
from voicecoach.session import LiveSession
from voicecoach.sources.replay import ReplaySource
from voicecoach.sources.synthetic import demo_script, random_call_script, synth_call

SR = 16000
#: Report parts that describe the source (a file vs a session folder), not the analysis.
SOURCE_PARTS = ("audio", "roles", "tracks", "call", "stats", "live")
#: Event kinds each call must produce, so that the comparison covers them.
KINDS = {
    "demo": {"interruption", "backchannel", "nudge", "turn", "overlap", "response_gap"},
    "bleed": {"interruption", "turn_end_overlap", "backchannel", "turn", "speech"},
    "tel": {"interruption", "backchannel", "nudge", "turn", "overlap", "response_gap"},
    "tel16": {"interruption", "backchannel", "nudge", "turn", "overlap", "response_gap"},
}
#: Each call's file rate: "tel" is the demo call as an 8 kHz telephone recording, whose
#: review and replay both run the pitch tracker's harmonic check; "tel16" is that recording
#: saved at 16 kHz (telephone band in a wideband file: the check runs too).
RATE = {"demo": SR, "bleed": SR, "tel": 8000, "tel16": SR}
#: Where the "bleed" call is cut: inside a turn (see :func:`_call`).
CUT_S = 44.0
#: Whether the harmonic check runs on both channels.
CHECKED = {"demo": False, "bleed": False, "tel": True, "tel16": True}


def _call(kind: str) -> np.ndarray:
    if kind in ("demo", "tel", "tel16"):  # interruptions, backchannels, nudges
        x, _ = synth_call(demo_script()[0])
        if kind != "demo":
            import soxr

            x = soxr.resample(x, SR, 8000)
            if kind == "tel16":
                x = soxr.resample(x, 8000, SR)
    else:  # far-end bleed into the microphone, turn-end overlaps
        x, _ = synth_call(random_call_script(4, n_turns=10), bleed_db=-18.0, seed=4)
        # cut inside the customer's last turn (42.4-46.5 s): the turn and its speech are
        # still open at the end, so the pipeline's finish() closes them (its tail is
        # compared too; the other calls end in silence, their tails are empty)
        x = x[: int(CUT_S * SR)]
    return x


@pytest.fixture(scope="module", params=["demo", "bleed", "tel", "tel16"])
def both(request, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp(f"live-review-{request.param}")
    wav = tmp / "call.wav"
    sf.write(wav, _call(request.param), RATE[request.param], subtype="PCM_16")
    cfg = load_config()
    (call,), failures = discover_calls([wav])
    assert not failures

    rep = review_call(call, tmp / "review", cfg, lang="en", render=False, audio="none")
    _, stream = read_stream(tmp / "review" / call.stem / STREAM_FILE)

    session = LiveSession(
        ReplaySource(call, cfg, speed=math.inf), cfg, lang="en", record_dir=tmp / "live"
    )
    # the replay passes each channel's band, as the review does: the check runs on
    # telephone audio only
    assert session.pipe.harmonic == [CHECKED[request.param]] * 2
    assert rep["audio"]["source_rates_hz"] == [8000.0 if CHECKED[request.param] else SR] * 2
    res = session.run(display=None)
    assert res.error is None
    live_rep = json.loads((res.folder / "report.json").read_text())
    return {
        "review": rep,
        "review_stream": [ev for _, ev in stream],
        "review_tail": [ev for block, ev in stream if block == FINISH_BLOCK],
        "live": live_rep,
        "live_result": res,
        "wav": wav,
        "name": request.param,
    }


def test_tracker_stream_is_identical(both: dict) -> None:
    """Every decision, in order, every field at full precision (dataclass equality)."""
    live = [ev for ev in both["live_result"].stream if not isinstance(ev, Nudge)]
    review = both["review_stream"]
    assert len(live) == len(review) > 20
    assert live == review
    # the cut call ends inside a turn: its closing comes from finish(), compared too
    tail = both["review_tail"]
    assert bool(tail) == (both["name"] == "bleed")
    if tail:
        assert {ev.kind for ev in tail} == {"turn", "speech"}
        assert all(ev.end_s == pytest.approx(CUT_S) for ev in tail)


def test_report_events_and_summary_are_identical(both: dict) -> None:
    live, review = both["live"], both["review"]
    assert live["events"] == review["events"]
    assert live["summary"] == review["summary"]
    assert live["config"] == review["config"]
    assert KINDS[both["name"]] <= {e["kind"] for e in review["events"]}
    rest = lambda r: {k: v for k, v in r.items() if k not in SOURCE_PARTS}  # noqa: E731
    assert rest(live) == rest(review)


def test_live_nudges_are_the_reported_ones(both: dict) -> None:
    res = both["live_result"]
    nudges = [e for e in final_events(res.stream) if isinstance(e, Nudge)]
    reported = [e for e in both["review"]["events"] if e["kind"] == "nudge"]
    assert [(n.rule, n.id) for n in nudges] == [(e["rule"], e["id"]) for e in reported]


def test_session_log_and_recording(both: dict) -> None:
    """The live event log holds the same final events; the recording is the input."""
    folder = both["live_result"].folder
    logged = [event_from_dict(json.loads(s)) for s in (folder / "events.jsonl").open()]
    # every field of every final version, as logged (a closing left out of the log keeps
    # the open version there: the same kinds)
    assert [event_to_dict(e) for e in final_events(logged)] == [
        event_to_dict(e) for e in final_events(both["live_result"].stream)]
    x, rate = sf.read(both["wav"], dtype="int16")
    for col, name in enumerate(("agent", "customer")):
        rec, rec_rate = sf.read(folder / f"{name}.wav", dtype="int16")
        assert rec_rate == SR  # what was analysed, at 16 kHz
        if rate != SR:  # resampled: the length, in whole hops
            assert abs(rec.size - x.shape[0] * SR / rate) <= 160
            continue
        n = min(rec.size, x.shape[0])
        assert n >= x.shape[0] - 160  # whole hops
        np.testing.assert_array_equal(rec[:n], x[:n, col])


def test_the_session_is_reviewed_with_the_rates_it_ran_with(both: dict, tmp_path) -> None:
    """The review of the recorded session runs the pitch trackers the session ran: its
    recordings are 16 kHz files, the rates come from its session.json."""
    folder = both["live_result"].folder
    rates = [8000.0 if CHECKED[both["name"]] else float(RATE[both["name"]])] * 2
    assert json.loads((folder / "session.json").read_text())["source_rates_hz"] == rates
    assert both["live"]["audio"]["source_rates_hz"] == rates
    (call,), failures = discover_calls([folder])
    assert not failures and call.kind == "session"
    rep = review_call(call, tmp_path, load_config(), lang="en", render=False, audio="none")
    assert rep["audio"]["source_rates_hz"] == rates
    assert rep["events"] == both["live"]["events"]
    if both["name"] == "tel16":
        # a capture at 16 kHz of a telephone line ran without the check: its review too,
        # although the recordings are telephone band
        doc = json.loads((folder / "session.json").read_text())
        copy = tmp_path / "capture"
        copy.mkdir()
        for name in ("agent.wav", "customer.wav", "events.jsonl"):
            (copy / name).write_bytes((folder / name).read_bytes())
        (copy / "session.json").write_text(json.dumps({**doc, "source_rates_hz": [SR, SR]}))
        (call,), _ = discover_calls([copy])
        rep = review_call(call, tmp_path / "o", load_config(), lang="en", render=False,
                          audio="none")
        assert rep["audio"]["source_rates_hz"] == [SR, SR]


def test_the_comparison_can_fail(both: dict) -> None:
    """A change of one event's time by a nanosecond is seen by the stream check."""
    stream = list(both["review_stream"])
    stream[3] = dataclasses.replace(stream[3], start_s=stream[3].start_s + 1e-9)
    live = [ev for ev in both["live_result"].stream if not isinstance(ev, Nudge)]
    assert live != stream


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_ends_a_session_like_ctrl_c(tmp_path, sig: str) -> None:
    """A service stop or a closed terminal writes the summary, report.json and a finished
    session.json; an --events file in an existing folder leaves that folder's mode alone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    wav = tmp_path / "call.wav"
    sf.write(wav, _call("demo"), SR, subtype="PCM_16")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    env = {**os.environ, "VOICECOACH_CONFIG": str(tmp_path / "none.toml")}
    p = subprocess.Popen(
        [sys.executable, "-c", "from voicecoach.cli import main; raise SystemExit(main())",
         "live", "--replay", str(wav), "--speed", "1",
         "--record", str(tmp_path / "rec"), "--events", str(shared / "ev.jsonl"),
         "--display", "none", "--lang", "en"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not list((tmp_path / "rec").glob("*/session.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2.0)
    p.send_signal(getattr(signal, sig))
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    (folder,) = (tmp_path / "rec").iterdir()
    doc = json.loads((folder / "session.json").read_text())
    assert doc["running"] is False
    # "started" is the session's start (the folder's name), not the time of the last write
    started = doc["started"].replace("-", "").replace(":", "").replace("T", "-")
    assert abs(int(started[-6:]) - int(folder.name[-6:])) <= 2, (started, folder.name)
    assert (folder / "report.json").is_file()
    assert (shared.stat().st_mode & 0o7777) == 0o1777
