"""The HTML review report in a real headless browser (Debian chromium + chromedriver).

Checks: the page loads from disk (``file://``, as a trainer opens the folder) without
console errors; the timeline image is shown with a non-zero size; clicking an event row
seeks the audio to the event's start (``audio.currentTime`` within 0.5 s).

Needs ``chromium``, ``chromium-driver`` (apt) and ``selenium`` (pip). Skipped when they are
missing, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

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


def test_report_page_in_chromium(driver, report_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    page = report_dir / "alice_2025-01-10_demo" / "report.html"
    driver.get(page.resolve().as_uri())
    _wait(
        lambda: driver.execute_script("return document.readyState") == "complete", what="page load"
    )
    # the timeline image is loaded and shown
    w, h, nat = driver.execute_script(
        "var i = document.getElementById('timeline');"
        "return [i.clientWidth, i.clientHeight, i.complete ? i.naturalWidth : 0];"
    )
    assert w > 0 and h > 0 and nat > 0
    # the audio loads (metadata) from the folder
    _wait(
        lambda: driver.execute_script("return document.getElementById('audio').readyState") >= 1,
        what="audio metadata",
    )
    duration = driver.execute_script("return document.getElementById('audio').duration")
    assert duration == pytest.approx(89.5, abs=0.1)
    # clicking an event row seeks the audio to the event's start
    rows = driver.find_elements(By.CSS_SELECTOR, "#events tr[data-kind='nudge']")
    assert len(rows) == 2
    for row in rows:
        start = float(row.get_attribute("data-start"))
        row.click()
        t = _wait(
            lambda: (
                driver.execute_script(
                    "var a = document.getElementById('audio'); return a.seeking ? null : "
                    "a.currentTime;"
                )
                or None
            ),
            what="seek",
        )
        assert abs(t - start) < 0.5, (t, start)
        driver.execute_script("document.getElementById('audio').pause()")
    # clicking the timeline seeks to the clicked time (and the playhead follows)
    from selenium.webdriver.common.action_chains import ActionChains

    img = driver.find_element(By.ID, "timeline")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", img)
    m = driver.execute_script(
        "return JSON.parse(document.getElementById('timeline-map').textContent)"
    )
    want = 60.0
    x = (m["x0"] + (want - m["t0"]) / (m["t1"] - m["t0"]) * (m["x1"] - m["x0"])) * img.size["width"]
    ActionChains(driver).move_to_element_with_offset(
        img, int(x - img.size["width"] / 2), 0
    ).click().perform()
    t = _wait(
        lambda: (
            driver.execute_script(
                "var a = document.getElementById('audio'); return a.seeking ? null : a.currentTime;"
            )
            or None
        ),
        what="timeline seek",
    )
    assert abs(t - want) < 0.5, (t, want)
    head = driver.execute_script("return document.getElementById('playhead').offsetLeft")
    assert abs(head - x) < 5
    # the page made no console errors
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == []
