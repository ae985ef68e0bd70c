"""The compact coach (``--display compact``): what it shows, on a real X server (Xvfb).

:func:`strip_state` (what to show) is tested on hand-made snapshots, with no display. The
Tk strip itself runs in this process on a private Xvfb server: it is fed the demo call
(agent calibrated at 120 Hz) up to 31 s, where the agent has just interrupted the customer
(29.1 s) and "Laissez-le finir" is on screen (29.6 s, for 4 s), and a screen grab of the
strip is checked for its size and for the colours at the nudge, the lights and the gauges.
Draw costs and CPU are measured by ``python -m benchmarks.compact_display``, not here.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from voicecoach.analysis.echo import EchoStatus
from voicecoach.baseline import calibrate_array
from voicecoach.config import load_config
from voicecoach.errors import DisplayError, ParameterError
from voicecoach.pipeline import CallAnalyzer
from voicecoach.sinks import compact
from voicecoach.sinks.compact import (
    C_AGENT,
    C_ALERT,
    C_CALM,
    C_LINE,
    C_NUDGE_BG,
    C_OFF,
    HEIGHT_PX,
    WIDTH_PX,
    CompactDisplay,
    gauge_x,
    strip_state,
)
from voicecoach.sinks.display import choose_display
from voicecoach.sinks.model import DisplayModel, Snapshot
from voicecoach.sinks.terminal import TerminalDisplay
from voicecoach.sinks.window import NO_DISPLAY
from voicecoach.sources.synthetic import demo_script, synth_call, synth_speech

SR = 16000
HOP = 160
BLOCK = 2 * HOP  # the live path's 20 ms blocks
NUDGE_ON_S = 31.0  # "Laissez-le finir" shown at 29.6 s, for 4 s; interruption at 29.1 s
END_S = 40.0  # both gone


# ---------------------------------------------------------------------------- pure state
def snapshot(**kw) -> Snapshot:
    """A 2 s snapshot ending at 10 s: nobody speaking, thresholds set, calibrated."""
    t = 8.0 + np.arange(200) * 0.01
    nan = np.full(t.size, np.nan)
    base = {
        "now_s": 10.0,
        "history_s": 30.0,
        "t_s": t,
        "pitch_delta_st": nan,
        "rate_delta_pct": nan,
        "loudness_db": nan,
        "loudness_delta_db": nan,
        "agent_speech": np.zeros(t.size, bool),
        "customer_speech": np.zeros(t.size, bool),
        "overlaps": [],
        "interruptions": [],
        "nudge": None,
        "thresholds": {"pitch_st": 2.0, "rate_pct": 15.0, "loudness_db": 4.0},
        "baseline": "calibrated",
    }
    base.update(kw)
    return Snapshot(**base)


def tail(value: float, n: int = 200, last: int = 20) -> np.ndarray:
    """NaN, then ``value`` over the last ``last`` hops."""
    out = np.full(n, np.nan)
    out[-last:] = value
    return out


def speech_until(end_s: float) -> np.ndarray:
    """Speech from 9.0 s up to ``end_s`` on the 8.0-10.0 s axis."""
    t = 8.0 + np.arange(200) * 0.01
    return (t >= 9.0) & (t < end_s)


def test_gauges_show_the_latest_value_against_the_band():
    s = strip_state(
        snapshot(
            pitch_delta_st=tail(2.5),
            rate_delta_pct=tail(-10.0),
            loudness_delta_db=tail(4.0),
        ),
        "fr",
        4.0,
    )
    # French: a decimal comma
    assert (s.pitch.value, s.pitch.band, s.pitch.text, s.pitch.alert) == (2.5, 2.0, "+2,5 dt", True)
    assert (s.rate.value, s.rate.text, s.rate.alert) == (-10.0, "-10 %", False)
    assert (s.loudness.text, s.loudness.alert) == ("+4 dB", False)  # at the threshold: calm
    en = strip_state(snapshot(pitch_delta_st=tail(-1.04)), "en", 4.0)
    assert en.pitch.text == "-1.0 st" and not en.pitch.alert
    # values older than half a second, or no baseline: no marker, no band
    old = strip_state(
        snapshot(pitch_delta_st=np.r_[np.full(100, 1.0), np.full(100, np.nan)], thresholds={}),
        "fr",
        4.0,
    )
    assert math.isnan(old.pitch.value) and old.pitch.text == "–" and not old.pitch.alert
    assert math.isnan(old.pitch.band)


def test_gauge_x_is_centred_and_clipped():
    x0, x1 = compact._TRACK_X
    assert gauge_x(0.0, 6.0) == round((x0 + x1) / 2)
    assert gauge_x(-6.0, 6.0) == gauge_x(-60.0, 6.0) == x0
    assert gauge_x(6.0, 6.0) == gauge_x(1e9, 6.0) == x1
    assert gauge_x(3.0, 6.0) == round(x0 + 0.75 * (x1 - x0))


@pytest.mark.parametrize(
    ("kw", "light", "text"),
    [
        ({}, "off", "chevauchement"),
        ({"overlaps": [(9.5, 9.8, "customer")]}, "off", "chevauchement"),  # ended
        ({"overlaps": [(9.5, None, "customer")]}, "overlap", "chevauchement"),
        ({"interruptions": [(7.0, "agent", "customer")]}, "agent", "agent→client"),
        ({"interruptions": [(9.9, "customer", "agent")]}, "customer", "client→agent"),
        # the newest interruption wins; one older than show_s (4 s) no longer lights
        (
            {"interruptions": [(8.0, "customer", "agent"), (9.0, "agent", "customer")]},
            "agent",
            "agent→client",
        ),
        (
            {"interruptions": [(5.9, "agent", "customer")], "overlaps": [(9.0, None, "agent")]},
            "overlap",
            "chevauchement",
        ),
        # decided but not confirmed (it may turn out a long backchannel): the overlap's
        # colour and a question mark
        (
            {"interruptions": [(9.0, "agent", "customer")],
             "tentative": [(9.0, "agent", "customer")]},
            "overlap",
            "agent→client\u202f?",
        ),
        (
            {"interruptions": [(8.0, "customer", "agent"), (9.0, "agent", "customer")],
             "tentative": [(8.0, "customer", "agent")]},
            "agent",
            "agent→client",
        ),
    ],
)
def test_overlap_light(kw, light, text):
    s = strip_state(snapshot(**kw), "fr", 4.0)
    assert (s.light, s.light_text) == (light, text)


def test_speaking_lights_hint_nudge_and_footer():
    s = strip_state(
        snapshot(
            agent_speech=speech_until(10.0),
            customer_speech=speech_until(9.6),  # stopped 0.4 s ago: off
            nudge=("Laissez-le finir", "interrupting", 9.5),
            baseline="forming",
            status={"echo": EchoStatus("converged", 31.6, 0.04, 12.0)},
        ),
        "fr",
        4.0,
    )
    assert s.agent_speaking and not s.customer_speaking
    assert s.nudge == "Laissez-le finir"
    assert s.hint == "référence en cours de constitution…"
    assert s.footer == "Écho\u00a0: annulé (40 ms, 32 dB)" and not s.footer_alert
    assert strip_state(snapshot(customer_speech=speech_until(9.8)), "fr", 4.0).customer_speaking
    bad = strip_state(
        snapshot(status={"degraded": "far lost", "echo": "off"}, deescalating=True), "en", 4.0
    )
    assert (bad.footer, bad.footer_alert, bad.hint) == ("⚠ far lost", True, "")
    calm = strip_state(snapshot(status={"echo": "off"}, deescalating=True), "en", 4.0)
    assert calm.footer == "Echo: no canceller  ·  de-escalation: tighter thresholds"
    empty = snapshot(t_s=np.zeros(0), agent_speech=np.zeros(0, bool))
    assert strip_state(empty, "en", 4.0).hint == "waiting for audio…"


def test_compact_module_imports_no_gui_toolkit():
    code = (
        "import sys, voicecoach.sinks.display, voicecoach.sinks.compact;"
        "print('tkinter' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_compact_without_a_screen(monkeypatch):
    model = DisplayModel(30.0, 0.01, 4.0)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(DisplayError) as err:
        choose_display("compact", model, "fr")
    assert str(err.value) == NO_DISPLAY
    assert isinstance(choose_display("auto", model, "fr"), TerminalDisplay)
    with pytest.raises(ParameterError, match=r"fps must be in \(0, 240\]"):
        CompactDisplay(model, fps=-1.0)
    cfg = load_config(overrides={"live": {"compact_fps_max": 5.0}})
    assert CompactDisplay(model, config=cfg).fps == 5.0  # min(fps = 20, compact_fps_max)
    assert CompactDisplay(model).fps == 10.0


# ---------------------------------------------------------------------------- on Xvfb
def _need(what: str) -> None:
    msg = f"compact display test needs {what}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{msg} (CI=true: install xvfb and python3-tk)")
    pytest.skip(msg)


@pytest.fixture(scope="module")
def xserver():
    """A private Xvfb server; DISPLAY points at it for this module's tests."""
    exe = shutil.which("Xvfb")
    if exe is None:
        _need("Xvfb (apt-get install xvfb)")
    pytest.importorskip("tkinter")  # as the TkAgg window test: not every Python has Tk
    r, w = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        _need("a working Xvfb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISPLAY", f":{number}")
        mp.delenv("WAYLAND_DISPLAY", raising=False)
        yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)


def thresholds(ca: CallAnalyzer) -> dict[str, float]:
    c = ca.coach
    return {
        "pitch_st": c.effective_threshold("pitch_high"),
        "rate_pct": c.effective_threshold("rate_high"),
        "loudness_db": c.effective_threshold("loudness_high"),
    }


@pytest.fixture(scope="module")
def calls():
    """The demo call and a calibrated analyzer factory."""
    cfg = load_config()
    calm, _ = synth_speech(duration_s=40, f0_hz=120.0, snr_db=30, seed=3)
    profile = calibrate_array(calm, SR, cfg, name="agent")
    x, _ = synth_call(demo_script()[0], snr_db=20)
    return x, lambda lang="fr": CallAnalyzer(cfg, profile=profile, lang=lang)


@pytest.fixture(scope="module")
def models(calls) -> dict[float, DisplayModel]:
    """Models fed with the demo call up to 31 s (nudge on) and up to 40 s (nudge gone)."""
    x, analyzer = calls
    ca = analyzer()
    out = {t: DisplayModel(30.0, ca.hop_s, ca.config.coach.display_s) for t in (NUDGE_ON_S, END_S)}
    for i in range(0, int(END_S * SR), 50 * HOP):
        step = ca.process(x[i : i + 50 * HOP])
        for t, m in out.items():
            if i + 50 * HOP <= t * SR:
                m.push(step, thresholds=thresholds(ca), baseline="calibrated")
    for m in out.values():
        m.set_status(summary="replay", degraded=None, echo="off")
    return out


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def near(px: np.ndarray, colour: str, tol: int = 6) -> np.ndarray:
    """Mask of the pixels within ``tol`` of ``colour`` on every channel."""
    return (np.abs(px.astype(int) - np.array(rgb(colour))) <= tol).all(axis=-1)


def grab(disp: CompactDisplay, path) -> np.ndarray:
    """A screen grab of the strip (X server pixels, via Pillow), also written as a PNG."""
    from PIL import Image, ImageGrab

    if disp.state is None:
        disp.render_frame()
    x, y, w, h = disp.geometry()
    disp.root.update()  # mapped and painted
    ImageGrab.grab(bbox=(x, y, x + w, y + h)).save(path, format="PNG")
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_screenshot_size_and_content(xserver, models, tmp_path):
    model = models[NUDGE_ON_S]
    snap = model.snapshot()
    assert snap.nudge is not None and snap.nudge[0] == "Laissez-le finir"
    assert snap.interruptions and snap.interruptions[-1][1] == "agent"
    disp = CompactDisplay(model)
    try:
        disp.render_frame()
        assert disp.nudge_text() == "Laissez-le finir"
        assert disp.root.attributes("-topmost") == 1
        assert disp.geometry()[2:] == (WIDTH_PX, HEIGHT_PX)
        s = disp.state
        assert s.agent_speaking and not s.customer_speaking and s.light == "agent"
        assert all(math.isfinite(g.value) for g in (s.pitch, s.rate, s.loudness))
        px = grab(disp, tmp_path / "compact.png")
    finally:
        disp.close()
    assert px.shape == (HEIGHT_PX, WIDTH_PX, 3)
    # the nudge: large red letters on their pale band, in the top 50 px only
    assert near(px[:50], C_ALERT, 40).sum() > 800  # ~1900 with DejaVu Sans Bold
    assert near(px[:50], C_NUDGE_BG).sum() > 5000
    assert near(px[50:], C_NUDGE_BG).sum() == 0
    # the lights: agent on (blue), customer off (grey), interruption by the agent (red)
    x = compact._LIGHT_X
    y_agent, y_customer, y_overlap = compact._ROWS_Y
    assert near(px[y_agent, x - 3 : x + 4], C_AGENT).all()
    assert near(px[y_customer, x - 3 : x + 4], C_OFF).all()
    assert near(px[y_overlap, x - 3 : x + 4], C_ALERT).all()
    # each gauge: the calm band shaded and its marker drawn where the value is
    for key, y in zip(("pitch", "rate", "loudness"), compact._ROWS_Y, strict=True):
        g = getattr(s, key)
        row = px[y - 3]  # above the centre tick's ends, inside the track
        assert near(row, C_CALM).sum() >= gauge_x(g.band, g.lim) - gauge_x(-g.band, g.lim) - 8
        xm = gauge_x(g.value, g.lim)
        assert near(px[y - 8 : y + 9, xm], C_ALERT if g.alert else C_LINE).all(), key


def test_a_value_above_its_band_is_drawn_red(xserver, models, tmp_path):
    """The demo call at 31 s has no value above its band, so the screenshot above never
    shows the alert colours: here the pitch goes above its band and its marker and its
    number turn red, while the other gauges stay calm."""
    disp = CompactDisplay(models[NUDGE_ON_S])
    try:
        disp.render_frame()
        s = disp.state
        assert not (s.pitch.alert or s.rate.alert or s.loudness.alert)
        calm = grab(disp, tmp_path / "calm.png")
        hot = dataclasses.replace(s.pitch, value=4.0, text="+4,0 dt", alert=True)
        disp._apply(dataclasses.replace(s, pitch=hot))
        px = grab(disp, tmp_path / "hot.png")
    finally:
        disp.close()
    y_pitch, y_rate, _ = compact._ROWS_Y
    assert near(px[y_pitch - 8 : y_pitch + 9, gauge_x(4.0, 6.0)], C_ALERT).all()
    number = (slice(y_pitch - 8, y_pitch + 9), slice(compact._VALUE_X, compact._LIGHT_X - 10))
    assert near(calm[number], C_ALERT, 40).sum() == 0
    assert near(px[number], C_ALERT, 40).sum() > 20
    assert near(px[y_rate - 8 : y_rate + 9, gauge_x(s.rate.value, s.rate.lim)], C_LINE).all()


def test_screen_grab_sees_a_change(xserver, models, tmp_path):
    """Only changed items are redrawn, and nothing stale stays: a strip that showed the
    31 s state then the 40 s one looks exactly like a fresh strip showing the 40 s one."""
    fresh = CompactDisplay(models[END_S])
    try:
        fresh.render_frame()
        assert fresh.nudge_text() == "" and fresh.state.light == "off"
        reference = grab(fresh, tmp_path / "fresh.png")
    finally:
        fresh.close()
    disp = CompactDisplay(models[NUDGE_ON_S])
    try:
        disp.render_frame()
        before = grab(disp, tmp_path / "before.png")
        disp.model = models[END_S]
        disp.render_frame()
        after = grab(disp, tmp_path / "after.png")
    finally:
        disp.close()
    assert (np.abs(before.astype(int) - reference.astype(int)) > 8).any(axis=-1).sum() > 1000
    diff = (np.abs(after.astype(int) - reference.astype(int)) > 8).any(axis=-1)
    assert diff.sum() == 0, f"{diff.sum()} pixels differ"
    assert near(after[:50], C_NUDGE_BG).sum() == 0  # the nudge is gone


def test_english_and_a_long_nudge_fits(xserver, calls, models):
    x, analyzer = calls
    ca = analyzer("en")
    model = DisplayModel(30.0, ca.hop_s, 4.0)
    for i in range(0, int(NUDGE_ON_S * SR), 50 * HOP):
        model.push(ca.process(x[i : i + 50 * HOP]), thresholds=thresholds(ca))
    disp = CompactDisplay(model, lang="en")
    try:
        disp.render_frame()
        assert disp.nudge_text() == "Let them finish"
        assert disp.state.light_text == "agent→customer"
        c = disp.canvas
        texts = {c.itemcget(i, "text") for i in c.find_all() if c.type(i) == "text"}
        assert {"Pitch", "Rate", "Loudness", "Agent", "Customer"} <= texts
        # a message wider than the strip is drawn smaller, and fits
        long = "Speak more slowly and lower your voice"
        disp._apply(dataclasses.replace(disp.state, nudge=long))
        left, _top, right, _bottom = c.bbox(disp._items["nudge"])
        assert disp.nudge_text() == long
        assert left >= 0 and right <= WIDTH_PX
    finally:
        disp.close()


def test_a_slow_frame_drops_frames_and_never_delays_analysis(xserver, calls):
    """While a frame takes long to draw, the analysis keeps pushing: the model is locked
    only to copy a snapshot, never while drawing. If drawing held the analysis up, the
    frame below would wait for pushes that cannot happen and time out."""
    x, analyzer = calls
    ca = analyzer()
    model = DisplayModel(30.0, ca.hop_s, 4.0)
    steps = [ca.process(x[i : i + BLOCK]) for i in range(0, SR, BLOCK)]  # 50 blocks, 1 s
    model.push(steps[0])
    disp = CompactDisplay(model, fps=50.0)
    in_frame, pushed = threading.Event(), threading.Event()
    waited: list[bool] = []
    apply = disp._apply

    def slow_apply(state):
        if not waited:
            in_frame.set()
            waited.append(pushed.wait(10.0))  # the frame lasts until analysis is done
        apply(state)

    disp._apply = slow_apply
    push_ms: list[float] = []
    stop = threading.Event()

    def analysis() -> None:
        in_frame.wait(10.0)
        for step in steps[1:]:
            t0 = time.perf_counter()
            model.push(step)
            push_ms.append((time.perf_counter() - t0) * 1000.0)
            time.sleep(0.01)
        pushed.set()
        time.sleep(0.3)
        stop.set()

    th = threading.Thread(target=analysis)
    th.start()
    disp.run(stop, until=time.monotonic() + 20.0)
    th.join()
    st = disp.stats()
    assert waited == [True]
    assert len(push_ms) == len(steps) - 1
    assert max(push_ms) < 100.0  # a copy of a few floats, never a frame's wait
    # 49 pushes during one frame: they were dropped, and the next frame is the newest
    assert st["frames_drawn"] == 2
    assert st["frames_late"] >= 1  # the slow frame overran its 20 ms tick
    assert st["frames_skipped"] >= 5  # then nothing new: ticks without drawing
    assert st["latency"][-1][0] == pytest.approx(model.snapshot().now_s)


def test_run_draws_at_its_own_rate_and_stops_when_closed(xserver, calls, tmp_path):
    x, analyzer = calls
    ca = analyzer()
    model = DisplayModel(30.0, ca.hop_s, 4.0)
    steps = [ca.process(x[i : i + BLOCK]) for i in range(0, 2 * SR, BLOCK)]
    stop = threading.Event()

    def analysis() -> None:  # real time: one 20 ms block every 20 ms, 50 pushes a second
        t0 = time.monotonic()
        for k, step in enumerate(steps):
            model.push(step)
            if stop.wait(max(0.0, t0 + (k + 1) * 0.02 - time.monotonic())):
                return

    disp = CompactDisplay(model)  # min(fps 20, compact_fps_max 10) = 10 frames/s
    disp.open()  # before the deadline is set: opening Tk is not part of the 1.5 s run
    th = threading.Thread(target=analysis, daemon=True)
    th.start()
    disp.run(stop, until=time.monotonic() + 1.5)
    stop.set()
    th.join()
    st = disp.stats()
    assert st["backend"] == "compact-tk" and st["max_fps"] == 10.0
    assert st["elapsed_s"] >= 1.45
    assert 5 <= st["frames_drawn"] <= 10.0 * st["elapsed_s"] + 2  # 50 pushes/s, 10 frames/s
    assert disp.root is None  # run closes the strip
    with pytest.raises(DisplayError, match="the compact strip is closed"):
        grab(disp, tmp_path / "closed.png")
    disp.render_frame()  # a no-op: no second window
    assert disp.root is None

    # the window manager's close button ends the session (the stop event is set)
    disp = CompactDisplay(model)
    disp.open()
    disp.root.tk.call(disp.root.protocol("WM_DELETE_WINDOW"))
    stop = threading.Event()
    disp.run(stop, until=time.monotonic() + 5.0)
    assert stop.is_set() and disp.stats()["elapsed_s"] < 1.0


def test_auto_and_compact_choose_the_strip_on_a_screen(xserver, models):
    for kind in ("auto", "compact"):
        disp = choose_display(kind, models[END_S], "en")
        try:
            assert isinstance(disp, CompactDisplay) and disp.lang == "en"
        finally:
            disp.close()
