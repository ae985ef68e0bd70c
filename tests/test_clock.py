"""Device clocks (voicecoach.sources.clock): clock fit, drift trust, correction, running min.

Generated callback times with a known clock rate, late bursts and jitter; no audio device.
"""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.sources.clock import (
    CLOCK_WARMUP_S,
    DriftCorrector,
    RunningMin,
    drift_linear,
    drift_parts,
    drift_trusted,
    fit_clock,
)

RATE = 48000
BLOCK = 480  # 10 ms callbacks


def _callbacks(
    ppm: float, seconds: float, rng: np.random.Generator, late_ms: float = 3.0
) -> list[tuple[float, int]]:
    """(arrival, frames so far) of a device whose clock runs ``ppm`` fast.

    Each callback arrives after its last sample was captured, late by 0 to ``late_ms``
    (exponential), and every 50th callback is held back 40 ms (a burst), never early.
    """
    n = int(seconds * RATE / BLOCK)
    frames = np.arange(1, n + 1) * BLOCK
    t_capture = frames / (RATE * (1 + ppm * 1e-6))
    late = rng.exponential(late_ms / 3, n) / 1000.0
    late[::50] += 0.040
    arrival = 100.0 + t_capture + late
    return list(zip(arrival.tolist(), frames.tolist(), strict=True))


@pytest.mark.parametrize("ppm", [-150.0, 0.0, 40.0, 120.0])
def test_fit_clock_recovers_rate(ppm: float) -> None:
    rng = np.random.default_rng(5)
    pts = _callbacks(ppm, 60.0, rng)
    got = fit_clock(pts, RATE, pts[0][0] + CLOCK_WARMUP_S)
    assert got is not None
    est, se, window = got
    assert est == pytest.approx(ppm, abs=3.0)  # ppm
    assert 0 < se < 3.0
    assert window == pytest.approx(59.0, abs=0.1)  # 60 s minus the warm-up


def test_fit_clock_ignores_late_bursts() -> None:
    """Bursts only delay callbacks: the lower envelope is not biased by them."""
    rng = np.random.default_rng(1)
    quiet = fit_clock(_callbacks(80.0, 40.0, rng, late_ms=0.5), RATE, 0.0)
    noisy = fit_clock(_callbacks(80.0, 40.0, rng, late_ms=8.0), RATE, 0.0)
    assert quiet is not None and noisy is not None
    assert noisy[0] == pytest.approx(quiet[0], abs=5.0)


def _enveloped(n_bins: int, rng: np.random.Generator) -> tuple[list[tuple[float, int]],
                                                                  np.ndarray]:
    """Callbacks every 10 ms of a nominal clock whose lower envelope is known: bin j's
    earliest callback is late by m[j] (a 50 ppm trend plus up to 0.2 ms), the others later."""
    tb = (np.arange(n_bins) + 0.5) * 0.5
    m = 50e-6 * (tb - tb[0]) + rng.uniform(0.0, 2e-4, n_bins)
    m[0] = 0.0
    i = np.arange(50 * n_bins)
    extra = rng.uniform(0.0, 5e-3, i.size)
    extra[i % 50 == 25] = 0.0  # the envelope point of each bin
    extra[0] = 0.0  # nothing before the first arrival: bin j holds callbacks 50j..50j+49
    frames = (i + 1) * BLOCK
    arrival = 100.0 + frames / RATE + m[i // 50] + extra
    return list(zip(arrival.tolist(), frames.tolist(), strict=True)), m


def test_fit_clock_is_the_line_through_the_lower_envelope() -> None:
    """The fit is least squares through each 0.5 s bin's earliest callback at the bin's
    centre: slope in ppm (late arrivals growing: a slow clock, negative ppm) and its
    standard error with n - 2 degrees of freedom (not widened: these residuals are
    independent, their lag-1 correlation is not positive); bins without callbacks are left
    out."""
    from scipy.stats import linregress

    pts, m = _enveloped(20, np.random.default_rng(11))
    tb = (np.arange(20) + 0.5) * 0.5
    want = linregress(tb, m)
    ppm, se, window = fit_clock(pts, RATE, 0.0)
    assert ppm == pytest.approx(-want.slope * 1e6, rel=1e-9)
    assert -70.0 < ppm < -30.0 and 0.0 < se < 10.0  # the -50 ppm trend, with the noise
    assert se == pytest.approx(want.stderr * 1e6, rel=1e-9)
    assert window == pytest.approx(pts[-1][0] - pts[0][0], abs=1e-12)
    # a stall: only bins 0, 5, 10 and 15 hold callbacks (the fewest bins a fit takes)
    four = [p for k, p in enumerate(pts) if (k // 50) % 5 == 0]
    want4 = linregress(tb[::5], m[::5])
    ppm4, se4, _ = fit_clock(four, RATE, 0.0)
    assert ppm4 == pytest.approx(-want4.slope * 1e6, rel=1e-9)
    assert se4 == pytest.approx(want4.stderr * 1e6, rel=1e-9)
    assert fit_clock([p for k, p in enumerate(pts) if k // 50 in (0, 5, 10)], RATE, 0.0) is None


def _with_latency_steps(pts: list[tuple[float, int]], steps: dict[float, float]
                        ) -> list[tuple[float, int]]:
    """``pts`` with every callback from ``t0 + at`` on delayed by ``steps[at]`` more seconds."""
    t0 = pts[0][0]
    return [(a + sum(v for at, v in steps.items() if a - t0 >= at), f) for a, f in pts]


@pytest.mark.parametrize("ppm", [0.0, 60.0, -35.0])
def test_fit_clock_takes_a_latency_jump_for_latency_not_drift(ppm: float) -> None:
    """A stream whose buffering grows by a fragment (10 ms, 3 s in, as a PulseAudio stream
    does on the rig) and later shrinks (6 ms at 25 s) keeps its clock rate: the fit cuts the
    envelope at each jump. A straight line through it read -375 to +527 ppm between two
    streams of one clock on the rig and made the capture drop up to 203 far-end samples."""
    from scipy.stats import linregress

    rng = np.random.default_rng(7)
    pts = _with_latency_steps(_callbacks(ppm, 40.0, rng), {3.0: 0.010, 25.0: -0.006})
    got = fit_clock(pts, RATE, pts[0][0] + CLOCK_WARMUP_S)
    assert got is not None
    assert got[0] == pytest.approx(ppm, abs=3.0)  # ppm
    assert 0 < got[1] < 3.0
    # the same envelope through one straight line is far off: what the jumps cost before
    a = np.asarray(pts)
    a = a[a[:, 0] >= a[0, 0] + CLOCK_WARMUP_S]
    t = a[:, 0] - a[0, 0]
    b = (t // 0.5).astype(int)
    lo = np.full(b[-1] + 1, np.inf)
    np.minimum.at(lo, b, t - a[:, 1] / RATE)
    line = -linregress((np.arange(lo.size) + 0.5) * 0.5, lo).slope * 1e6
    assert abs(line - ppm) > 50.0


def test_fit_clock_leaves_out_a_late_bin() -> None:
    """A bin whose every callback came 5 ms late (the reader starved for half a second) is
    a piece of one bin: left out, the rate is that of the other bins."""
    rng = np.random.default_rng(8)
    pts = _callbacks(80.0, 30.0, rng)
    t0 = pts[0][0]
    late = [(a + (0.005 if 12.0 <= a - t0 < 12.5 else 0.0), f) for a, f in pts]
    clean = fit_clock(pts, RATE, t0 + CLOCK_WARMUP_S)
    got = fit_clock(late, RATE, t0 + CLOCK_WARMUP_S)
    assert clean is not None and got is not None
    assert got[0] == pytest.approx(clean[0], abs=1.0)
    assert got[0] == pytest.approx(80.0, abs=3.0)


def test_fit_clock_limits_are_inclusive() -> None:
    """50 callbacks (counted after ``since``) and a 2 s span are enough; one fewer is not."""
    pts = [(100.0 + k / 32, k * RATE // 32) for k in range(65)]  # exact: span 2.0 s
    assert fit_clock(pts, RATE, 0.0) is not None
    assert fit_clock(pts[:-1], RATE, 0.0) is None  # 1.97 s
    sparse = [(100.0 + k * 0.05, (k + 1) * 2400) for k in range(60)]  # 2.45 s for 50
    assert fit_clock(sparse[:50], RATE, 0.0) is not None
    assert fit_clock(sparse[:49], RATE, 0.0) is None
    assert fit_clock(sparse, RATE, sparse[10][0]) is not None  # 50 at or after since
    assert fit_clock(sparse, RATE, sparse[11][0]) is None


def test_fit_clock_needs_enough_data() -> None:
    rng = np.random.default_rng(2)
    assert fit_clock(_callbacks(0.0, 0.4, rng), RATE, 0.0) is None  # 40 callbacks
    pts = _callbacks(0.0, 2.5, rng)  # 250 callbacks: 1.5 s after the warm-up, < 4 bins
    assert fit_clock(pts, RATE, 100.0 + CLOCK_WARMUP_S) is None
    assert fit_clock(pts, RATE, 0.0) is not None


@pytest.mark.parametrize(
    ("ppm", "se", "window", "want"),
    [
        (50.0, 2.0, 30.0, True),
        (50.0, 2.0, 10.0, False),  # window too short
        (15.0, 1.0, 30.0, False),  # under the minimum drift
        (-50.0, 2.0, 30.0, True),
        (50.0, 13.0, 30.0, False),  # under 4 standard errors
        (20.0, 1.0, 20.0, True),  # the least window and drift are corrected
        (-20.0, 1.0, 20.0, True),
        (50.0, 12.5, 30.0, False),  # exactly 4 standard errors is not more than 4
    ],
)
def test_drift_trusted(ppm: float, se: float, window: float, want: bool) -> None:
    assert drift_trusted(ppm, se, window, min_window_s=20.0, min_ppm=20.0) is want


def _pair_verdicts(far_ppm: float, seconds: float, creep=None, seed: int = 0
                   ) -> tuple[float, bool, bool, bool]:
    """A microphone on the nominal clock and a far end ``far_ppm`` fast whose callbacks are
    also late by ``creep(t)`` s: (drift ppm, trusted by the least-squares error alone,
    trusted with the serial correlation, and with every third too)."""
    from scipy.stats import linregress

    rng = np.random.default_rng(seed)
    mic = _callbacks(0.0, seconds, rng)
    far = _callbacks(far_ppm, seconds, rng)
    if creep is not None:
        far = [(a + creep(a - far[0][0]), f) for a, f in far]
    since = 100.0 + CLOCK_WARMUP_S
    fm, ff = fit_clock(mic, RATE, since), fit_clock(far, RATE, since)
    ppm, se = ff[0] - fm[0], float(np.hypot(ff[1], fm[1]))
    window = min(ff[2], fm[2])

    def plain_se(pts: list[tuple[float, int]]) -> float:  # no jump in these envelopes
        a = np.asarray(pts)
        a = a[a[:, 0] >= since]
        t = a[:, 0] - a[0, 0]
        b = (t // 0.5).astype(int)
        lo = np.full(b.max() + 1, np.inf)
        np.minimum.at(lo, b, t - a[:, 1] / RATE)
        return linregress((np.arange(lo.size) + 0.5) * 0.5, lo).stderr * 1e6

    plain = drift_trusted(ppm, float(np.hypot(plain_se(far), plain_se(mic))), window, 20.0,
                          20.0)
    serial = drift_trusted(ppm, se, window, 20.0, 20.0)
    parts = drift_parts((mic, RATE, since), (far, RATE, since))
    return ppm, plain, serial, serial and drift_linear(ppm, parts, 20.0)


@pytest.mark.parametrize(
    ("name", "creep"),
    [
        ("0.8 ms more from 22 s", lambda t: 8e-4 * (t >= 22.0)),
        ("0.9 ms more from 15 s", lambda t: 9e-4 * (t >= 15.0)),
        ("0.95 ms more from 8 s", lambda t: 9.5e-4 * (t >= 8.0)),
        ("1.5 ms creeping up over the last 8 s", lambda t: 1.5e-3 * np.clip((t - 22) / 8, 0, 1)),
        ("0.9 ms creeping up over the middle 6 s", lambda t: 9e-4 * np.clip((t - 12) / 6, 0, 1)),
    ],
)
def test_a_latency_creeping_up_under_load_is_not_drift(name: str, creep) -> None:
    """Two streams on one clock; the far end's callbacks come later and later by less than
    a jump (a stream's buffering growing under load). A straight line through 30 s reads
    30-70 ppm of drift, past 4 least-squares standard errors: on the rig, under load, the
    capture dropped far-end samples of two streams of one sink's monitor. The residuals'
    serial correlation widens the error, and some third of the window stays flat."""
    for seed in range(3):
        ppm, _, _, linear = _pair_verdicts(0.0, 30.0, creep, seed)
        assert not linear, (name, seed, ppm)
    # the scenario is a real trap: the least-squares error alone trusts a false drift
    assert _pair_verdicts(0.0, 30.0, creep, 0)[1], name


@pytest.mark.parametrize(("far_ppm", "seconds"), [(30.0, 21.5), (-60.0, 21.5), (120.0, 40.0)])
def test_a_real_drift_is_still_corrected_from_the_least_window(far_ppm: float, seconds: float
                                                                ) -> None:
    """A clock drift is a straight line: every third of the window shows it, and the error
    of a fit with independent residuals is hardly widened, so a real drift is trusted from
    the least window (20 s) on."""
    for seed in range(5):
        ppm, _, serial, linear = _pair_verdicts(far_ppm, seconds, None, seed)
        assert ppm == pytest.approx(far_ppm, abs=6.0)
        assert serial and linear, (seed, ppm)


@pytest.mark.parametrize(
    ("parts", "want"),
    [
        ([(40.0, 2.0), (44.0, 2.0), (37.0, 2.0)], True),
        ([(28.0, 1.0), (52.0, 1.0), (40.0, 1.0)], True),  # within a quarter of the whole
        ([(25.0, 1.0), (40.0, 1.0), (40.0, 1.0)], False),  # 15 ppm off, past 4 + 10
        ([(20.0, 5.0), (60.0, 5.0), (40.0, 1.0)], True),  # ... within 4 of its errors too
        ([(1.0, 2.0), (2.0, 2.0), (118.0, 2.0)], False),  # flat, then a steep third: a creep
        ([(9.0, 9.0), (40.0, 2.0), (40.0, 2.0)], False),  # under min_ppm / 2 in one third
        ([(-40.0, 2.0), (40.0, 2.0), (40.0, 2.0)], False),  # opposite signs
        ([(40.0, 2.0), None, (40.0, 2.0)], False),  # a third too thin to fit
        ([], False),
    ],
)
def test_drift_linear(parts, want: bool) -> None:
    """Every part at least ``min_ppm / 2`` with the whole's sign, and within 4 of its
    standard errors plus a quarter of the whole of the whole (40 ppm here)."""
    assert drift_linear(40.0, parts, min_ppm=20.0) is want
    flipped = [None if p is None else (-p[0], p[1]) for p in parts]
    assert drift_linear(-40.0, flipped, min_ppm=20.0) is want


def test_the_capture_corrects_a_real_drift_not_a_creeping_latency() -> None:
    """``Capture._update_drift`` on real clock fits: a 60 ppm far end is corrected, a far end
    on the same clock whose callbacks creep 0.9 ms later from the middle of the call is
    not (the drift estimate is still reported)."""
    from types import SimpleNamespace

    from voicecoach.config import load_config
    from voicecoach.sources import capture as cap

    live = load_config().live

    def run(far_ppm: float, creep=None) -> SimpleNamespace:
        rng = np.random.default_rng(3)
        pts = [_callbacks(0.0, 30.0, rng), _callbacks(far_ppm, 30.0, rng)]
        if creep is not None:
            pts[1] = [(a + creep(a - 100.0), f) for a, f in pts[1]]
        devs = [SimpleNamespace(status=cap.OK, backend="sounddevice", drift=DriftCorrector(),
                                clock=None, points=p, rate=RATE, clock_from=None)
                for p in pts]
        stub = SimpleNamespace(devices=devs, drift_correction=True,
                               drift_min_window_s=live.drift_min_window_s,
                               drift_min_ppm=live.drift_min_ppm,
                               drift_min_ppm_untimed=live.drift_min_ppm_untimed,
                               _drift_on=False, _drift=None, _clock=cap.Capture._clock,
                               _parts=cap.Capture._parts)
        cap.Capture._update_drift(stub)
        return stub

    real = run(60.0)
    assert real._drift_on and real.devices[1].drift.rel == pytest.approx(60e-6, abs=5e-6)
    creep = run(0.0, lambda t: 9e-4 * (t >= 15.0))
    assert not creep._drift_on and creep.devices[1].drift.rel == 0.0
    assert abs(creep._drift[0]) > live.drift_min_ppm  # measured, not trusted


@pytest.mark.parametrize(("ppm", "dropped", "repeated"), [(103.0, 16, 0), (-256.0, 0, 40)])
def test_drift_corrector_drops_or_repeats_at_the_rate(
    ppm: float, dropped: int, repeated: int
) -> None:
    """10 s at 16 kHz: 103 ppm drops 16 samples, -256 ppm repeats 40, one per block at most."""
    corr = DriftCorrector()
    corr.rel = ppm * 1e-6
    x = np.arange(160_000, dtype=np.float32).reshape(-1, 1)
    out = [corr.apply(x[i : i + 320]) for i in range(0, x.shape[0], 320)]
    assert (corr.dropped, corr.repeated) == (dropped, repeated)
    assert sum(o.shape[0] for o in out) == x.shape[0] - dropped + repeated
    assert all(abs(o.shape[0] - 320) <= 1 for o in out)
    y = np.concatenate(out)[:, 0]
    # samples are only dropped or repeated: the output never goes backwards or jumps by 3
    assert np.all(np.diff(y) >= 0) and np.all(np.diff(y) <= 2)


def test_drift_corrector_drops_or_repeats_the_middle_frame_when_a_whole_sample_is_due(
) -> None:
    """At exactly 1 sample due the middle frame goes (or comes twice); a 1-frame block is
    never emptied; reset forgets the accumulated fraction."""
    x = np.arange(640, dtype=np.float32).reshape(-1, 2)  # 320 frames
    corr = DriftCorrector()
    corr.rel = 1 / 320  # one sample per block, exactly
    assert np.array_equal(corr.apply(x), np.delete(x, 160, axis=0))
    assert (corr.dropped, corr.acc) == (1, 0.0)
    corr.rel = -1 / 320
    assert np.array_equal(corr.apply(x), np.insert(x, 160, x[160], axis=0))
    assert (corr.repeated, corr.acc) == (1, 0.0)
    corr = DriftCorrector()
    corr.rel = 0.5
    assert all(corr.apply(x[:1]).shape == (1, 2) for _ in range(4))  # nothing to drop from
    assert corr.dropped == 0
    corr = DriftCorrector()
    corr.rel = 0.5 / 320
    corr.apply(x)
    corr.reset()
    assert corr.apply(x).shape[0] == 320 and corr.acc == 0.5 and corr.dropped == 0


def test_drift_corrector_off_changes_nothing() -> None:
    corr = DriftCorrector()
    x = np.ones((320, 2), np.float32)
    assert corr.apply(x) is x
    assert (corr.dropped, corr.repeated, corr.acc) == (0, 0, 0.0)


def test_running_min_window() -> None:
    rm = RunningMin(window_s=2.0)
    assert not rm
    for t, v in [(0.0, 5.0), (0.5, 3.0), (1.0, 4.0), (1.5, 6.0)]:
        rm.add(t, v)
    assert rm.value == 3.0 and rm.since == 0.0
    rm.add(2.5, 7.0)  # (0.5, 3.0) is exactly window_s old: still in
    assert rm.value == 3.0
    rm.add(2.6, 7.0)  # (0.5, 3.0) leaves the window
    assert rm.value == 4.0
    rm.add(3.7, 9.0)  # so do (1.0, 4.0) and (1.5, 6.0)
    assert rm.value == 7.0
    rm.clear()
    assert not rm and rm.since is None
    rm.add(10.0, 1.0)
    assert rm.since == 10.0


def test_drift_needs_more_evidence_when_a_stream_has_arrival_times_only():
    """A far end read through soundcard gives arrival times only: their jitter under load
    faked -21 to -24 ppm between two streams of one server clock (live_cpu), so such a pair
    is corrected only past drift_min_ppm_untimed; two PortAudio streams past drift_min_ppm."""
    from types import SimpleNamespace

    from voicecoach.config import load_config
    from voicecoach.sources import capture as cap
    from voicecoach.sources.clock import DriftCorrector

    live = load_config().live
    assert live.drift_min_ppm_untimed > live.drift_min_ppm

    def run(far_backend: str, ppm: float) -> bool:
        devs = [SimpleNamespace(status=cap.OK, backend="sounddevice", drift=DriftCorrector(),
                                clock=None, fit=(0.0, 0.5, 60.0)),
                SimpleNamespace(status=cap.OK, backend=far_backend, drift=DriftCorrector(),
                                clock=None, fit=(ppm, 0.5, 60.0))]
        stub = SimpleNamespace(devices=devs, drift_correction=True,
                               drift_min_window_s=live.drift_min_window_s,
                               drift_min_ppm=live.drift_min_ppm,
                               drift_min_ppm_untimed=live.drift_min_ppm_untimed,
                               _drift_on=False, _drift=None, _clock=lambda d: d.fit,
                               _parts=lambda m, f: [(f.fit[0] - m.fit[0], 0.7)] * 3)
        cap.Capture._update_drift(stub)
        return stub._drift_on

    fake = -23.0  # between the two thresholds
    assert run("sounddevice", fake) and not run("soundcard", fake)
    assert run("soundcard", -(live.drift_min_ppm_untimed + 10.0))
