"""The live-process CPU benchmark's checks (benchmarks.live_cpu), without an audio server.

The benchmark itself runs through the PulseAudio rig (``python -m benchmarks --only
live_cpu``); here its audio-loss detection, its rows and its behaviour without a rig.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import live_cpu
from benchmarks.report import summary_rows

SR = 16000


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(
        np.float32)


def test_window_lags_find_a_constant_lag():
    ref = _noise(30.0)
    rec = np.concatenate([np.zeros(1234, np.float32), ref])
    a = live_cpu._window_lags(ref, rec)
    assert a["windows"] >= 5
    assert a["lag_samples"] == pytest.approx(1234, abs=0.1)
    assert a["lag_spread_samples"] < 0.1 and a["min_corr"] > 0.999


def test_window_lags_ignore_what_the_server_resampler_removes():
    """White noise low-passed at 7 kHz (as after 16 -> 48 -> 16 kHz) is no loss."""
    import scipy.signal as ss

    ref = _noise(30.0, seed=2)
    rec = ss.sosfilt(ss.butter(8, 7000, fs=SR, output="sos"), ref).astype(np.float32)
    a = live_cpu._window_lags(ref, rec)
    assert a["min_corr"] > 0.99 and a["lag_spread_samples"] < 0.5


def test_window_lags_see_one_lost_block():
    ref = _noise(30.0, seed=1)
    rec = np.concatenate([np.zeros(500, np.float32), ref])
    rec = np.delete(rec, np.s_[15 * SR:15 * SR + 320])  # 20 ms of audio never delivered
    a = live_cpu._window_lags(ref, rec)
    assert a["lag_spread_samples"] == pytest.approx(320, abs=1)
    assert a["net_shift_samples"] == pytest.approx(-320, abs=1)  # later windows come earlier
    assert a["min_corr"] < 0.999 < a["median_corr"]  # the window holding the gap matches less
    row = {"capture": {"devices": {"m": {"silence_filled_s": 0.0, "status": "ok"}}},
           "audio": {"agent": a}}
    assert live_cpu._lost(row) is True


def _row(filled: float = 0.0, status: str = "ok", overflows: int = 0, backlog: int = 0) -> dict:
    return {"capture": {"overflows": overflows, "backlog_exceeded": backlog, "devices": {
        "vc_mic": {"silence_filled_s": 0.0, "status": "ok"},
        "vc_far monitor": {"silence_filled_s": filled, "status": status}}}}


def test_lost_from_the_capture_counters():
    assert live_cpu._lost(_row()) is False
    assert live_cpu._lost(_row(filled=0.3)) is True
    assert live_cpu._lost(_row(status="lost")) is True
    assert live_cpu._lost(_row(overflows=1)) is True
    assert live_cpu._lost(_row(backlog=2)) is True
    assert live_cpu._lost(_row(filled=0.05)) is False  # the tolerance itself
    assert live_cpu._lost(_row(status="closed")) is False  # closed at the session's end
    assert live_cpu._lost(_row(status="stalled")) is True
    assert live_cpu._lost({}) is None


def test_rows_skip_only_what_could_not_run():
    tree = {"live_cpu": {
        "none": {"display": "none", "cpu_pct_of_one_core": {"median": 8.0, "p90": 9.0,
                                                            "target": 10.0}},
        "window": {"display": "window", "cpu_pct_of_one_core": {"median": 25.0, "p90": 27.0,
                                                                "target": 20.0}},
        "compact": {"skipped": "--display compact is not in this build"},
        "loaded": {**_row(), "display": "terminal", "duration_s": 600.0, "audio_lost": False,
                   "cpu_pct_of_one_core": {"median": 9.0, "p90": 9.5, "target": 10.0}},
        "info": {},
    }}
    rows = {r[0]: r for r in summary_rows(tree)}
    assert rows["live process CPU %, --display none"][1:] == ("8.0", "p90 9.0", "<= 10", "ok")
    assert rows["live process CPU %, --display window"][4] == "MISS"
    assert rows["live process CPU %, --display compact"][1] == "skipped"
    assert rows["live process CPU %, --display terminal + hog, 600 s"][4] == "ok"
    assert rows["  audio lost under load"][1:] == ("False", "", "False", "ok")


def test_no_rig_gives_one_note(monkeypatch, tmp_path):
    from voicecoach.testing import pulserig

    def no_rig(*a, **k):
        raise pulserig.RigError("missing pulseaudio")

    monkeypatch.delenv(pulserig.RIG_ENV, raising=False)
    monkeypatch.setattr(live_cpu.tempfile, "mkdtemp", lambda **k: str(tmp_path / "rig"))
    monkeypatch.setattr(pulserig.PulseRig, "start", classmethod(lambda cls, *a, **k: no_rig()))
    res = live_cpu.run_live_cpu(1.0, 0.0)
    assert res == {"live_cpu": {"skipped": "PulseAudio rig unavailable: missing pulseaudio"}}
    rows = summary_rows(res)
    assert rows == [("live process CPU", "skipped", "", "",
                     "PulseAudio rig unavailable: missing pulseaudio")]


def test_display_kinds_of_this_build():
    """The ``live --display`` choices read from the CLI's parser (``auto`` included), every
    kind the benchmark measures among them."""
    kinds = live_cpu._supported_displays()
    assert set(kinds) == {*live_cpu.DISPLAYS, "auto"}


def test_cpu_figures_are_better_lower():
    from benchmarks.compare import direction

    assert direction("live_cpu.window.cpu_pct_of_one_core.median") == "lower"
    assert direction("live_cpu.loaded.cpu_pct_of_one_core.p90") == "lower"


def test_corrected_column_is_judged_on_its_clean_windows():
    """Samples the drift corrector repeated move the lag by as many: not a loss."""
    ref = _noise(40.0, seed=3)
    rec = np.concatenate([np.zeros(300, np.float32), ref])
    for k in range(6):  # 6 repeated samples, one every 5 s
        i = (5 + 5 * k) * SR + 2500
        rec = np.insert(rec, i, rec[i])
    a = live_cpu._window_lags(rec, np.concatenate([np.zeros(300, np.float32), ref]))
    assert 3.0 <= abs(a["net_shift_samples"]) <= 6.5  # first vs last windows
    row = _row()
    row["capture"]["devices"]["vc_far monitor"].update(parties=["customer"], drift_dropped=0,
                                                       drift_repeated=6)
    row["audio"] = {"customer": a}
    assert live_cpu._lost(row) is False
    row["capture"]["devices"]["vc_far monitor"]["drift_repeated"] = 0
    assert live_cpu._lost(row) is True  # the same shift without corrections is a loss


def test_one_odd_window_is_not_a_loss():
    """A window placed a pitch period away (then back) leaves the net shift at 0."""
    a = {"windows": 20, "net_shift_samples": 0.0, "lag_spread_samples": 140.0,
         "min_corr": 0.92, "median_corr": 1.0}
    row = _row()
    row["audio"] = {"agent": a}
    assert live_cpu._lost(row) is False


def test_window_lags_check_the_last_whole_window():
    """A block lost in the recording's last 5 s window shifts that window: it is checked too
    (when the reference is a whole number of windows long, as a recording of whole seconds)."""
    ref = _noise(15.0, seed=6)
    rec = np.concatenate([np.zeros(1000, np.float32), ref, _noise(1.0, seed=7)])
    rec = np.delete(rec, np.s_[1000 + 12 * SR:1000 + 12 * SR + 320])  # lost at 12 s
    a = live_cpu._window_lags(ref, rec)
    assert a["windows"] == 3  # 0, 5 and 10 s
    assert a["net_shift_samples"] == pytest.approx(-320, abs=1)
    assert live_cpu._lost({**_row(), "audio": {"agent": a}}) is True


def _lags(net: float = 0.0, median_corr: float = 1.0, windows: int = 20) -> dict:
    return {"windows": windows, "net_shift_samples": net, "lag_spread_samples": abs(net),
            "min_corr": median_corr, "median_corr": median_corr}


def test_lost_from_the_recordings():
    """The recordings' check: a lasting shift or a poor match is a loss; the player's side
    (``*_vs_played``) and a recording too short to hold a window are not judged."""
    def lost(**audio: dict) -> bool | None:
        return live_cpu._lost({**_row(), "audio": audio})

    assert lost(agent=_lags(), customer=_lags()) is False
    assert lost(agent=_lags(), customer=_lags(net=3.0)) is True
    assert lost(agent=_lags(net=-2.5)) is True
    assert lost(agent=_lags(net=2.0)) is False  # within 2 samples: the fractional lag's noise
    assert lost(agent=_lags(median_corr=0.95)) is True  # not the audio that was played
    assert lost(agent=_lags(), agent_server_vs_played=_lags(net=500.0, median_corr=0.5)) is False
    too_short = {"windows": 0, "lag_spread_samples": None, "min_corr": None}
    assert lost(agent=too_short, customer=_lags()) is False


def test_drift_corrections_excuse_only_their_own_party():
    """Samples the drift corrector repeated on the microphone do not excuse a shift of the
    customer's recording (the far device made none)."""
    row = _row()
    devs = row["capture"]["devices"]
    devs["vc_mic"].update(parties=["agent"], drift_dropped=3, drift_repeated=3)
    devs["vc_far monitor"].update(parties=["customer"], drift_dropped=0, drift_repeated=0)
    row["audio"] = {"agent": _lags(net=6.0), "customer": _lags()}
    assert live_cpu._lost(row) is False
    row["audio"] = {"agent": _lags(), "customer": _lags(net=6.0)}
    assert live_cpu._lost(row) is True


def test_cpu_seconds_are_the_process_user_and_system_time():
    """``_cpu_s`` reads utime + stime of /proc/PID/stat: this process' own CPU time, to a
    clock tick (after at least 0.5 s of it, mostly user time)."""
    import os
    import time

    while time.process_time() < 0.5:  # run alone, the test first uses some CPU
        sum(range(10_000))
    ours, ref = live_cpu._cpu_s(os.getpid()), time.process_time()
    assert ours == pytest.approx(ref, abs=0.05)


def test_one_failing_row_loses_only_itself(monkeypatch, tmp_path):
    """With a rig (a stand-in here): a display kind this build lacks and a row that raises
    become notes, the other rows run, the loaded run takes the lightest display there is
    and checks the audio, and the rig the benchmark started is stopped."""
    from voicecoach.testing import pulserig

    stopped = []

    class Rig:
        base = tmp_path / "rig"

        def stop(self):
            stopped.append(True)

    calls = []

    def run_one(rig, display, duration_s, far, **kw):
        calls.append((display, duration_s, kw.get("loaded", False), kw.get("check_audio", False)))
        if display == "window":
            raise RuntimeError("Xvfb is not installed")
        return {"display": display, "cpu_pct_of_one_core": {"median": 1.0}}

    monkeypatch.delenv(pulserig.RIG_ENV, raising=False)
    monkeypatch.setattr(live_cpu.tempfile, "mkdtemp", lambda **k: str(tmp_path / "rig"))
    monkeypatch.setattr(pulserig.PulseRig, "start", classmethod(lambda cls, *a, **k: Rig()))
    monkeypatch.setattr(live_cpu, "_supported_displays", lambda: ("auto", "none", "terminal",
                                                                   "window"))
    monkeypatch.setattr(live_cpu, "run_one", run_one)
    res = live_cpu.run_live_cpu(2.0, 3.0, ("none", "window", "compact"), far="vc_far")["live_cpu"]
    assert res["none"] == {"display": "none", "cpu_pct_of_one_core": {"median": 1.0}}
    assert res["window"] == {"skipped": "RuntimeError: Xvfb is not installed"}
    assert res["compact"]["skipped"].startswith("--display compact is not in this build")
    assert res["loaded"]["display"] == "terminal"
    assert calls == [("none", 2.0, False, False), ("window", 2.0, False, False),
                     ("terminal", 3.0, True, True)]
    assert stopped == [True]
