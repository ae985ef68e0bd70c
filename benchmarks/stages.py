"""The live loop of the benchmark: analysis, baseline, conversation tracker and coach per hop.

:class:`LiveLoop` runs what the live mode runs for each 10 ms block of a two-channel call
(agent microphone, far end): :class:`~voicecoach.analysis.Analyzer` on both channels,
one :class:`~voicecoach.baseline.BaselineTracker` per party and, when their modules
import, the conversation tracker and the coach. :meth:`LiveLoop.step` is what is timed.

:func:`profile_stages` runs the same analysis with a timer around each stage of
:meth:`Analyzer.process` (noise floor, pitch frames, the batched YIN kernel, pitch
decision, VAD, syllables, the rest) by wrapping the core's sub-objects with timers, so the
core runs its own code.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from voicecoach.analysis import Analyzer
from voicecoach.baseline import BaselineTracker
from voicecoach.config import Config

__all__ = [
    "LiveLoop",
    "PipelineLoop",
    "make_live_loop",
    "optional_components",
    "profile_stages",
    "time_live",
]


def _construct(cls: type, config: Config) -> Any:
    """Build ``cls`` with the config, whatever its parameter is called."""
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        params = {}
    if "config" in params:
        return cls(config=config)
    if "cfg" in params:
        return cls(cfg=config)
    return cls(config)


def optional_components() -> dict[str, Any]:
    """Which optional live components import: ``{"tracker": cls|reason, "coach": cls|reason}``."""
    out: dict[str, Any] = {}
    try:
        from voicecoach.conversation import ConversationTracker

        out["tracker"] = ConversationTracker
    except ImportError as e:
        out["tracker"] = f"not included: {e}"
    try:
        from voicecoach.coach import Coach

        out["coach"] = Coach
    except ImportError as e:
        out["coach"] = f"not included: {e}"
    return out


def _call_process(obj: Any, *args: Any) -> Any:
    return obj.process(*args)


class PipelineLoop:
    """The product's own per-block object, :class:`voicecoach.pipeline.CallAnalyzer`.

    ``LiveLoop`` composes the same parts by hand (for the stage breakdown and for trees
    where the pipeline module does not exist yet); this one times exactly what
    ``voicecoach live`` runs per block in its analysis thread.
    """

    def __init__(self, config: Config) -> None:
        from voicecoach.pipeline import CallAnalyzer

        self.pipe = CallAnalyzer(config)
        self.analyzer = self.pipe.analyzer
        self.included = {"analysis": True, "baseline": True, "tracker": True, "coach": True,
                         "via": "voicecoach.pipeline.CallAnalyzer"}
        self.events: list[Any] = []

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self.pipe.reset()
        self.events = []

    def step(self, block: np.ndarray) -> list[Any]:
        """Process one block of shape (n_hops * 160, 2); returns the events emitted."""
        return self.pipe.process(block).events


def make_live_loop(config: Config) -> PipelineLoop | LiveLoop:
    """The pipeline if ``voicecoach.pipeline`` imports, else the hand-made composition."""
    try:
        return PipelineLoop(config)
    except ImportError:
        return LiveLoop(config)


class LiveLoop:
    """Everything the live mode runs per block, for two channels (agent, far end).

    Parameters
    ----------
    config : Config
    with_tracker, with_coach : bool
        Include the conversation tracker / coach if they import.

    Attributes
    ----------
    included : dict
        ``{"analysis": True, "baseline": True, "tracker": bool|str, "coach": bool|str}``
        (a string says why a component is missing).
    """

    def __init__(self, config: Config, with_tracker: bool = True, with_coach: bool = True) -> None:
        self.config = config
        self.analyzer = Analyzer(2, config)
        self.baselines = (
            BaselineTracker(config, party="agent"),
            BaselineTracker(config, party="customer"),
        )
        comps = optional_components()
        self.included: dict[str, Any] = {"analysis": True, "baseline": True}
        self.tracker = self.coach = None
        self._tracker_step: Callable[..., Any] | None = None
        self._coach_step: Callable[..., Any] | None = None
        if with_tracker and not isinstance(comps["tracker"], str):
            try:
                self.tracker = _construct(comps["tracker"], config)
                self._tracker_step = self._make_tracker_step(self.tracker)
                self.included["tracker"] = True
            except (TypeError, ValueError, AttributeError) as e:
                self.included["tracker"] = f"not included: cannot drive it ({e})"
        else:
            self.included["tracker"] = comps["tracker"] if with_tracker else "disabled"
        if with_coach and not isinstance(comps["coach"], str):
            try:
                self.coach = _construct(comps["coach"], config)
                self._coach_step = self._make_coach_step(self.coach)
                self.included["coach"] = True
            except (TypeError, ValueError, AttributeError) as e:
                self.included["coach"] = f"not included: cannot drive it ({e})"
        else:
            self.included["coach"] = comps["coach"] if with_coach else "disabled"
        self.events: list[Any] = []

    # The tracker and coach are written in parallel with this suite; these adapters
    # follow their ``process`` signatures by parameter count.
    @staticmethod
    def _make_tracker_step(tracker: Any) -> Callable[..., Any]:
        n = len(inspect.signature(tracker.process).parameters)
        if n >= 2:
            return lambda agent, far: tracker.process(agent, far)
        return lambda agent, far: tracker.process((agent, far))

    def _make_coach_step(self, coach: Any) -> Callable[..., Any]:
        """The coach's own baseline trackers replace the loop's (so none runs twice)."""
        if hasattr(coach, "process_measures") and hasattr(coach, "agent_baseline"):
            self.baselines = (coach.agent_baseline, coach.customer_baseline)
            return lambda rows, rel, events: coach.process_measures(rel[0], rel[1], events)
        self.baselines = ()
        return lambda rows, rel, events: coach.process(rows[0], rows[1], events)

    def reset(self) -> None:
        """Return every component to its just-constructed state."""
        self.analyzer.reset()
        for b in self.baselines:
            b.reset()
        for c in (self.tracker, self.coach):
            if c is not None and hasattr(c, "reset"):
                c.reset()  # the coach resets its own baselines too
        self.events = []

    def step(self, block: np.ndarray) -> list[Any]:
        """Process one block of shape (n_hops * 160, 2); returns the events emitted."""
        rows = self.analyzer.process(block)
        rel = tuple(b.process(r) for b, r in zip(self.baselines, rows, strict=False))
        events: list[Any] = []
        if self._tracker_step is not None:
            events = list(self._tracker_step(rows[0], rows[1]) or [])
        if self._coach_step is not None:
            nudges = self._coach_step(rows, rel, events)
            if nudges:
                events = [*events, *nudges]
        return events


def time_live(
    loop: LiveLoop | PipelineLoop, audio: np.ndarray, hops_per_block: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``loop`` over ``audio`` one block at a time.

    Returns
    -------
    wall_us, cpu_us : np.ndarray, shape (n_blocks,)
        Wall-clock time and this thread's CPU time per block, µs. On a shared machine the
        difference is time the thread spent descheduled.
    """
    hop = loop.analyzer.hop_size * hops_per_block
    n = audio.shape[0] // hop
    wall = np.empty(n)
    cpu = np.empty(n)
    clock = time.perf_counter_ns
    tclock = time.thread_time_ns
    step = loop.step
    events = loop.events
    for i in range(n):
        block = audio[i * hop : (i + 1) * hop]
        c0 = tclock()
        t0 = clock()
        ev = step(block)
        t1 = clock()
        c1 = tclock()
        wall[i] = (t1 - t0) / 1000.0
        cpu[i] = (c1 - c0) / 1000.0
        if ev:
            events.extend(ev)
    return wall, cpu


#: Methods of each channel's sub-objects timed by :func:`profile_stages` (stage, attr path).
STAGE_HOOKS = (
    ("noise_floor", "_floor", "process"),
    ("pitch_frames", "_pitch", "frames"),
    ("pitch_kernel", "_pitch", "kernel"),
    ("pitch_decide", "_pitch", "decide"),
    ("vad", "_vad", "process"),
    ("syllables", "_syl", "process"),
)


def _hook(analyzer: Analyzer, acc: dict[str, int]) -> list[str]:
    """Wrap the sub-objects' methods of ``analyzer`` with timers adding into ``acc`` (ns)."""
    clock = time.perf_counter_ns
    missing = []
    for stage, part, meth in STAGE_HOOKS:
        acc[stage] = 0
        for a in analyzer.analyzers:
            obj = getattr(a, part, None)
            fn = getattr(obj, meth, None) if obj is not None else None
            if fn is None:
                missing.append(f"{part}.{meth}")
                continue

            def timed(*args: Any, _fn: Any = fn, _st: str = stage, **kw: Any) -> Any:
                t0 = clock()
                r = _fn(*args, **kw)
                acc[_st] += clock() - t0
                return r

            setattr(obj, meth, timed)
    return sorted(set(missing))


def profile_stages(config: Config, audio: np.ndarray) -> dict[str, Any]:
    """Per-stage cost of the live loop, one hop at a time.

    The core's sub-objects (noise floor, pitch frames/kernel/decision, VAD, syllables) of a
    fresh loop are wrapped with timers, so ``Analyzer.process`` runs its own code; the rest
    of the analysis (input checks, levels, row assembly) is ``analysis_other``. The
    baseline trackers, conversation tracker and coach are timed around their calls.

    Returns
    -------
    dict
        ``{"stages_us": {stage: per-hop µs array}, "note": str}``.
    """
    loop = LiveLoop(config)
    hop = loop.analyzer.hop_size
    n = audio.shape[0] // hop
    inner: dict[str, int] = {}
    missing = _hook(loop.analyzer, inner)
    note = "core sub-objects wrapped with timers"
    if missing:
        note += f"; not found (counted in analysis_other): {', '.join(missing)}"
    stages = [st for st, _, _ in STAGE_HOOKS]
    acc: dict[str, list[float]] = {s: [] for s in (*stages, "analysis_other", "baseline",
                                                   "tracker", "coach")}
    clock = time.perf_counter_ns
    for i in range(n):
        b = audio[i * hop : (i + 1) * hop]
        for k in inner:
            inner[k] = 0
        t0 = clock()
        rows = loop.analyzer.process(b)
        t1 = clock()
        rel = tuple(bt.process(r) for bt, r in zip(loop.baselines, rows, strict=False))
        t2 = clock()
        events: list[Any] = []
        if loop._tracker_step is not None:
            events = list(loop._tracker_step(rows[0], rows[1]) or [])
        t3 = clock()
        if loop._coach_step is not None:
            loop._coach_step(rows, rel, events)
        t4 = clock()
        for st in stages:
            acc[st].append(inner[st] / 1e3)
        acc["analysis_other"].append((t1 - t0 - sum(inner.values())) / 1e3)
        acc["baseline"].append((t2 - t1) / 1e3)
        if loop._tracker_step is not None:
            acc["tracker"].append((t3 - t2) / 1e3)
        if loop._coach_step is not None:
            acc["coach"].append((t4 - t3) / 1e3)
    return {"stages_us": {k: np.asarray(v) for k, v in acc.items() if v}, "note": note,
            "included": loop.included}
