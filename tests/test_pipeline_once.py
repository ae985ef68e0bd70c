"""The call pipeline is wired once (voicecoach.pipeline.CallAnalyzer) and re-runs from cached
rows: live, review, what-if and the benchmarks' live loop all run that object.

* fed its own rows back (``process_rows``), a fresh pipeline gives the same events and
  measures as from audio; fed the tracker's events and the relative measures too (what-if
  with a cached stream and cached baselines), the same nudges;
* the benchmarks' live loop is the pipeline (its events are the pipeline's, bit for bit);
* nowhere else in voicecoach/ or benchmarks/stages.py is a tracker or coach built.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from voicecoach.config import load_config
from voicecoach.pipeline import CallAnalyzer, Step
from voicecoach.sources.synthetic import demo_script, synth_call

ROOT = Path(__file__).resolve().parents[1]
BLOCK = 160 * 37  # an odd block size: the re-run must not depend on it


@pytest.fixture(scope="module")
def steps() -> tuple[list[Step], list]:
    x, _ = synth_call(demo_script()[0])
    x = x[: x.shape[0] // BLOCK * BLOCK]
    pipe = CallAnalyzer(load_config(), lang="en")
    out = [pipe.process(x[i : i + BLOCK]) for i in range(0, x.shape[0], BLOCK)]
    return out, pipe.finish()


def _events(steps: list[Step]) -> list:
    return [e for s in steps for e in s.events]


def test_rerun_from_rows_is_identical(steps) -> None:
    first, tail = steps
    again = CallAnalyzer(load_config(), lang="en")
    second = [again.process_rows(s.agent, s.customer, echo=s.echo) for s in first]
    assert _events(second) == _events(first)
    assert again.finish() == tail
    for a, b in zip(first, second, strict=True):
        for name in ("pitch_delta_st", "rate_delta_pct", "loudness_delta_db"):
            np.testing.assert_array_equal(getattr(a.agent_rel, name), getattr(b.agent_rel, name))
    assert {e.kind for e in _events(first)} >= {"interruption", "nudge", "backchannel"}


def test_rerun_from_rows_carries_the_echo_state() -> None:
    """The demo call has no echo, so the re-run above passes without its ``echo=``: here the
    far end bleeds into the agent's microphone (-6 dB), and the tracker's events depend on
    the echo canceller's per-hop state, which the rows alone do not hold."""
    script = [u for u in demo_script()[0] if u.start_s + u.duration_s < 30]
    x, _ = synth_call(script, bleed_db=-6.0)
    x = x[: x.shape[0] // BLOCK * BLOCK]
    pipe = CallAnalyzer(load_config(), lang="en")
    first = [pipe.process(x[i : i + BLOCK]) for i in range(0, x.shape[0], BLOCK)]
    again = CallAnalyzer(load_config(), lang="en")
    second = [again.process_rows(s.agent, s.customer, echo=s.echo) for s in first]
    assert _events(second) == _events(first)
    blind = CallAnalyzer(load_config(), lang="en")  # the same rows without the echo state
    third = [blind.process_rows(s.agent, s.customer) for s in first]
    assert _events(third) != _events(first)


def test_rerun_from_cached_events_and_measures_gives_the_same_nudges(steps) -> None:
    first, tail = steps
    cached = CallAnalyzer(load_config(), lang="en")
    out = []
    for s in first:
        tracker_events = [e for e in s.events if e.kind != "nudge"]
        out.append(
            cached.process_rows(
                s.agent,
                s.customer,
                events=tracker_events,
                measures=(s.agent_rel, s.customer_rel),
            )
        )
    assert _events(out) == _events(first)
    closing = [e for e in tail if e.kind != "nudge"]
    assert cached.finish(events=closing) == tail
    # the tracker and the baselines did not run
    assert cached.tracker.summary()["conversation"]["duration_s"] == 0
    assert cached.coach.agent_baseline.profile is None


def test_other_settings_change_the_rerun(steps) -> None:
    """The re-run really runs the coach: a 5 s monologue limit gives more nudges."""
    first, _ = steps
    strict = load_config(overrides={"coach": {"rules": {"monologue": {"threshold": 5.0}}}})
    pipe = CallAnalyzer(strict, lang="en")
    out = [pipe.process_rows(s.agent, s.customer) for s in first]
    n = lambda evs: sum(1 for e in evs if e.kind == "nudge" and e.end_s is None)  # noqa: E731
    assert n(_events(out)) > n(_events(first))


def test_the_benchmark_live_loop_is_the_pipeline(steps) -> None:
    from benchmarks.stages import LiveLoop

    first, _ = steps
    x, _ = synth_call(demo_script()[0])
    loop = LiveLoop(load_config())
    got = []
    for i in range(0, len(first) * BLOCK, BLOCK):
        got += loop.step(x[i : i + BLOCK])
    assert loop.included["via"] == "voicecoach.pipeline.CallAnalyzer"
    # the coach's language differs (the loop uses [coach] lang): compare all but the text
    strip = lambda evs: [  # noqa: E731
        dataclasses.replace(e, message="") if e.kind == "nudge" else e for e in evs
    ]
    assert strip(got) == strip(_events(first))
    assert any(e.kind == "nudge" for e in got)  # the coach ran: its nudges are compared too


def _constructions(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("ConversationTracker", "Coach"):
                out.append(f"{name}@{node.lineno}")
    return out


def test_the_pipeline_is_built_in_one_place() -> None:
    found = {}
    files = [*sorted((ROOT / "voicecoach").rglob("*.py")), ROOT / "benchmarks" / "stages.py"]
    for p in files:
        hits = _constructions(p)
        if hits:
            found[p.relative_to(ROOT).as_posix()] = hits
    assert list(found) == ["voicecoach/pipeline.py"], found
