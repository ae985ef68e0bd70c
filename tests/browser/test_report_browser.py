"""The HTML review report in a real headless browser (Debian chromium + chromedriver).

Checks: the page loads from disk (``file://``, as a trainer opens the folder) without
console errors; the timeline image is shown with a non-zero size and the audio loads; the
events table lists the report's events with their times; clicking an event row plays the
audio from the event's start and highlights the rows the audio is in; the minor rows
(speech, turns, gaps) are hidden until "show all" is ticked; clicking the timeline seeks to
the time clicked and the playhead follows the audio as it plays.

Needs ``chromium``, ``chromium-driver`` (apt) and ``selenium`` (pip). Skipped when they are
missing, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import soundfile as sf

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
)


def _find(*names: str) -> str | None:
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def _need(what: str) -> None:
    msg = f"browser test needs {what}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{msg} (CI=true: install chromium chromium-driver and selenium)")
    pytest.skip(msg)


@pytest.fixture(scope="module")
def driver():
    chrome = _find("chromium", "chromium-browser", "google-chrome")
    chromedriver = _find("chromedriver")
    if chrome is None or chromedriver is None:
        _need("chromium and chromedriver (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium (pip install selenium)")
    profile = tempfile.mkdtemp(prefix="vc-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for f in CHROMIUM_FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
    drv.set_page_load_timeout(30)
    drv.set_window_size(1400, 1000)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from voicecoach.cli import main
    from voicecoach.sources.synthetic import demo_script, synth_call

    x, _ = synth_call(demo_script()[0])
    d = tmp_path_factory.mktemp("browser")
    sf.write(d / "alice_2025-01-10_demo.wav", x, 16000)
    assert (
        main(
            [
                "review",
                str(d / "alice_2025-01-10_demo.wav"),
                "--out",
                str(d / "out"),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    return d / "out"


def _wait(fn, timeout_s: float = 10.0, what: str = "condition"):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


PAGE = ("alice_2025-01-10_demo", "report.html")


def _open(driver, report_dir: Path) -> None:
    """Load the page from disk and wait until it is ready (console log drained before)."""
    driver.get_log("browser")  # read and cleared: what follows is this page's
    driver.get(report_dir.joinpath(*PAGE).resolve().as_uri())
    _wait(
        lambda: driver.execute_script("return document.readyState") == "complete", what="page load"
    )


def _console_errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _audio(driver, prop: str):
    return driver.execute_script(f"return document.getElementById('audio').{prop}")


def _seeked_time(driver, what: str) -> float:
    """The audio's time once a seek has completed (the time has left 0)."""
    return _wait(
        lambda: (
            driver.execute_script(
                "var a = document.getElementById('audio'); return a.seeking ? null : a.currentTime;"
            )
            or None
        ),
        what=what,
    )


def _events(report_dir: Path) -> list[dict]:
    return json.loads((report_dir / PAGE[0] / "report.json").read_text())["events"]


def test_report_page_loads_with_timeline_and_audio(driver, report_dir: Path) -> None:
    _open(driver, report_dir)
    # the timeline image is loaded and shown
    w, h, nat = driver.execute_script(
        "var i = document.getElementById('timeline');"
        "return [i.clientWidth, i.clientHeight, i.complete ? i.naturalWidth : 0];"
    )
    assert w > 0 and h > 0 and nat > 0
    # the audio loads (metadata) from the folder
    _wait(lambda: _audio(driver, "readyState") >= 1, what="audio metadata")
    assert _audio(driver, "duration") == pytest.approx(89.5, abs=0.1)
    assert _console_errors(driver) == []


ROWS_JS = (
    "return Array.prototype.map.call(document.querySelectorAll('#events tr[data-start]'),"
    " function(r){ return {kind: r.dataset.kind, start: r.dataset.start, end: r.dataset.end,"
    " cells: Array.prototype.map.call(r.cells, function(c){ return c.textContent; }),"
    " shown: getComputedStyle(r).display !== 'none',"
    " current: r.classList.contains('current')}; });"
)


def test_event_rows_are_the_reports_events(driver, report_dir: Path) -> None:
    """One row per event of report.json, in order, with its kind, start and end (the row's
    data, which a click seeks to, and the start shown as m:ss and seconds)."""
    _open(driver, report_dir)
    events = _events(report_dir)
    rows = driver.execute_script(ROWS_JS)
    assert len(rows) == len(events) > 20
    for row, e in zip(rows, events, strict=True):
        start = e["start_s"]
        end = e["end_s"] if e.get("end_s") is not None else start
        assert row["kind"] == e["kind"]
        assert float(row["start"]) == pytest.approx(start, abs=5e-4)
        assert float(row["end"]) == pytest.approx(end, abs=5e-4)
        assert row["cells"][1] == f"{int(start // 60)}:{int(start % 60):02d} ({start:.2f} s)", (
            row, e)
    assert [e["kind"] for e in events].count("nudge") == 2


def _wrong_highlights(driver) -> list[int]:
    """Rows whose highlight disagrees with the audio's time (a shown row is highlighted
    exactly while the time is within its start and end)."""
    t = _audio(driver, "currentTime")
    return [
        i for i, r in enumerate(driver.execute_script(ROWS_JS))
        if r["current"] != (r["shown"] and float(r["start"]) <= t <= float(r["end"]))
    ]


def test_clicking_an_event_row_plays_from_its_start(driver, report_dir: Path) -> None:
    """A click on a row seeks to the event's start and plays; the rows the audio is in are
    highlighted (checked once the audio is paused)."""
    from selenium.webdriver.common.by import By

    _open(driver, report_dir)
    _wait(lambda: _audio(driver, "readyState") >= 1, what="audio metadata")
    nudges = [e for e in _events(report_dir) if e["kind"] == "nudge"]
    rows = driver.find_elements(By.CSS_SELECTOR, "#events tr[data-kind='nudge']")
    assert len(rows) == len(nudges) == 2
    highlighted = 0
    for row, e in zip(rows, nudges, strict=True):
        start = e["start_s"]
        row.click()
        t = _seeked_time(driver, "seek")
        assert abs(t - start) < 0.5, (t, start)
        # it plays from there
        _wait(lambda start=start: (not _audio(driver, "paused")
                                   and _audio(driver, "currentTime") > start + 0.1),
              what="playback after the click")
        driver.execute_script("document.getElementById('audio').pause()")
        _wait(lambda: not _wrong_highlights(driver), what="the highlighted rows")
        if _audio(driver, "currentTime") <= e["end_s"]:
            assert "current" in row.get_attribute("class").split()
            highlighted += 1
    assert highlighted >= 1  # the second nudge lasts 14 s: its row was highlighted
    assert _console_errors(driver) == []


def test_minor_rows_are_hidden_until_show_all(driver, report_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_dir)
    rows = driver.execute_script(ROWS_JS)
    minor = [r["kind"] in ("speech", "turn", "response_gap") for r in rows]
    assert 0 < sum(minor) < len(rows)

    def shown() -> list[bool]:
        return [r["shown"] for r in driver.execute_script(ROWS_JS)]

    assert shown() == [not m for m in minor]
    box = driver.find_element(By.ID, "show-all")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    assert box.is_selected() and all(shown())
    box.click()
    assert not box.is_selected() and shown() == [not m for m in minor]
    assert _console_errors(driver) == []


def test_clicking_the_timeline_seeks_and_the_playhead_follows(driver, report_dir: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open(driver, report_dir)
    _wait(lambda: _audio(driver, "readyState") >= 1, what="audio metadata")
    img = driver.find_element(By.ID, "timeline")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", img)
    m = driver.execute_script(
        "return JSON.parse(document.getElementById('timeline-map').textContent)"
    )

    def x_of(t: float) -> float:
        return (m["x0"] + (t - m["t0"]) / (m["t1"] - m["t0"]) * (m["x1"] - m["x0"])) * img.size[
            "width"]

    def t_of(x: float) -> float:
        return m["t0"] + (x / img.size["width"] - m["x0"]) / (m["x1"] - m["x0"]) * (
            m["t1"] - m["t0"])

    want = 60.0
    x = x_of(want)
    ActionChains(driver).move_to_element_with_offset(
        img, int(x - img.size["width"] / 2), 0
    ).click().perform()
    t = _seeked_time(driver, "timeline seek")
    assert abs(t - want) < 0.5, (t, want)
    head = driver.execute_script("return document.getElementById('playhead').offsetLeft")
    assert abs(head - x) < 5
    # the click plays, and the playhead follows the audio as it plays
    _wait(lambda: not _audio(driver, "paused") and _audio(driver, "currentTime") > want + 1.5,
          what="playback after the click")
    now, head = driver.execute_script(
        "return [document.getElementById('audio').currentTime,"
        " document.getElementById('playhead').offsetLeft];"
    )
    driver.execute_script("document.getElementById('audio').pause()")
    # (timeupdate comes every 15-250 ms of playback; a pixel is 0.1 s)
    assert want + 0.5 < t_of(head) < now + 0.2, (t_of(head), now)
    # and a seek made in the player itself, paused, moves it too
    driver.execute_script("document.getElementById('audio').currentTime = 40.0")
    _wait(lambda: abs(t_of(driver.execute_script(
        "return document.getElementById('playhead').offsetLeft")) - 40.0) < 0.2,
        what="the playhead at 40 s")
    assert _console_errors(driver) == []
