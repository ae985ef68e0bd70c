"""Batch review: the same per-call task here, in local processes or on a Dask cluster.

A :class:`Task` reviews a call (or re-coaches it from the cached tracks of an earlier
report in the output folder, when they fit), or re-coaches a report folder (what-if).
:func:`review_task` runs one task and turns a failure into a :class:`TaskResult`;
:func:`run_batch` runs them all in this process, in ``jobs`` spawned processes (one pool,
single-threaded BLAS/OpenMP in each) or on a Dask distributed cluster. The reports are
identical whichever path runs them; the batch carries on past a call that fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..baseline.profile import Profile
from ..config import Config
from ..errors import (
    ParameterError,
    SourceError,
    StaleTracksError,
    VoiceCoachError,
    error_message,
)
from .calls import Call, call_from_report, source_sig
from .document import agent_role, count_nudges, read_report, summary_line
from .one_call import Progress, review_call
from .tracks import TRACKS_FILE, analysis_key
from .whatif import recoach_call

__all__ = ["ProgressSink", "ReviewOptions", "Task", "TaskResult", "review_task", "run_batch"]


@dataclass(frozen=True)
class ReviewOptions:
    """What every per-call task needs (picklable: sent to worker processes and Dask).

    Attributes
    ----------
    out_dir : str
    config : Config
    profile : Profile or None
    lang : str or None
    render : bool
        Write ``timeline.png`` and ``report.html``.
    audio : {"ogg", "flac", "link", "none"}
    reuse : bool
        Re-coach from cached tracks in ``out_dir`` when they fit (same audio, same
        analysis settings) instead of analysing again.
    """

    out_dir: str
    config: Config
    profile: Profile | None = None
    lang: str | None = None
    render: bool = True
    audio: str = "ogg"
    reuse: bool = True


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one per-call task.

    Attributes
    ----------
    name : str
        The call's stem (or report folder name).
    source : str
        The input (audio path(s) or report folder), for failure messages.
    ok : bool
    error : str
        Why it failed ("" if ok).
    folder : str or None
        The report folder written.
    summary : str
        One line for the terminal.
    nudges, nudges_before : int or None
        Nudges in the new report, and in the report it replaced or was derived from.
    nudge_messages : tuple of str
        The new report's nudges, in order, as shown to the agent.
    mode : {"analysed", "reused", ""}
    duration_s, wall_s : float
        Audio length and wall-clock time of the task, s (not part of any report).
    """

    name: str
    source: str
    ok: bool
    error: str = ""
    folder: str | None = None
    summary: str = ""
    nudges: int | None = None
    nudges_before: int | None = None
    nudge_messages: tuple[str, ...] = ()
    mode: str = ""
    duration_s: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True)
class Task:
    """One unit of batch work: review a call, or re-coach a report folder.

    Attributes
    ----------
    name : str
        Label of the task in progress lines and results (the call's stem or the folder's
        name).
    call : Call or None
        The call to review; None for a re-coach.
    report_dir : str or None
        The report folder to re-coach; None for a review.
    """

    name: str
    call: Call | None = None
    report_dir: str | None = None

    @property
    def source(self) -> str:
        if self.call is not None:
            return " + ".join(str(p) for p in self.call.paths)
        return str(self.report_dir)


def _cached_report(call: Call, folder: Path, cfg: Config) -> dict[str, Any] | None:
    """The report in ``folder`` if its tracks can serve ``call`` with ``cfg``."""
    try:
        old = read_report(folder)
        t = old["tracks"]
        ok = (
            t.get("analysis_key") == analysis_key(cfg)
            and t.get("source") == source_sig(call)
            and (folder / (t.get("path") or TRACKS_FILE)).is_file()
            and old["audio"].get("kind") == call.kind
            and old.get("roles", {}).get("agent") == agent_role(call, cfg.review.full_paths)
        )
    except (SourceError, OSError, KeyError, TypeError, AttributeError):
        return None
    return old if ok else None


def review_task(task: Task, opts: ReviewOptions, progress: Progress | None = None) -> TaskResult:
    """Run one task; failures become a :class:`TaskResult` with ``ok=False``, never raise.

    Spawn-safe and picklable: the same function runs in this process, in a process pool
    and on Dask workers.

    Parameters
    ----------
    task : Task
        A call to review (or whose cached tracks to re-coach, with ``opts.reuse``) or a
        report folder to re-coach.
    opts : ReviewOptions
    progress : callable, optional
        ``progress(done_s, total_s)``, seconds of audio, after each block.

    Returns
    -------
    TaskResult
    """
    t0 = time.perf_counter()
    try:
        if task.call is not None:
            call = task.call
            folder = Path(opts.out_dir) / call.stem
            old = _cached_report(call, folder, opts.config) if opts.reuse else None
            if old is not None:
                rep, _ = recoach_call(
                    folder,
                    None,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                )
                mode = "reused"
                before: int | None = count_nudges(old)
            else:
                rep = review_call(
                    call,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    audio=opts.audio,
                    progress=progress,
                )
                mode, before = "analysed", None
            name = call.stem
        else:
            assert task.report_dir is not None
            src = Path(task.report_dir)
            try:
                rep, old = recoach_call(
                    src,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    stem=task.name,
                )
                mode = "reused"
            except StaleTracksError:
                old = read_report(src)
                call = dataclasses.replace(call_from_report(old), stem=task.name)
                gone = [p for p in call.paths if not p.is_file()]
                if gone:
                    raise SourceError(
                        f"the analysis settings changed, so the audio must be analysed again, "
                        f"and {str(gone[0])!r} was not found: the report stores the file's name "
                        f"only (--full-paths stores the whole path), looked up from the current "
                        f"folder; run from the audio's folder, or review the audio itself with "
                        f"--config"
                    ) from None
                rep = review_call(
                    call,
                    opts.out_dir,
                    opts.config,
                    profile=opts.profile,
                    lang=opts.lang,
                    render=opts.render,
                    audio=opts.audio,
                    progress=progress,
                )
                mode = "analysed"
            before = count_nudges(old)
            name = task.name
            folder = Path(opts.out_dir) / task.name
        if progress is not None:
            progress(rep["audio"]["duration_s"], rep["audio"]["duration_s"])
        return TaskResult(
            name=name,
            source=task.source,
            ok=True,
            folder=str(folder),
            summary=summary_line(name, rep),
            nudges=count_nudges(rep),
            nudges_before=before,
            nudge_messages=tuple(
                str(e["message"]) for e in rep.get("events", []) if e.get("kind") == "nudge"
            ),
            mode=mode,
            duration_s=float(rep["audio"]["duration_s"]),
            wall_s=time.perf_counter() - t0,
        )
    except (VoiceCoachError, OSError) as e:  # a bad file, a full disk, a permission
        err = error_message(e)
    except (ValueError, RuntimeError, KeyError, MemoryError) as e:
        err = f"{type(e).__name__}: {e}"
    return TaskResult(task.name, task.source, False, err, wall_s=time.perf_counter() - t0)


class _Throttled:
    """Forward progress at most every ``every_s`` seconds of wall time (and at the end)."""

    def __init__(self, name: str, put: Callable[[Any], None], every_s: float = 0.25) -> None:
        self.name, self.put, self.every_s = name, put, every_s
        self.last = -math.inf

    def __call__(self, done_s: float, total_s: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s or done_s >= total_s:
            self.last = now
            with contextlib.suppress(Exception):  # progress is best effort, never fatal
                self.put((self.name, done_s, total_s))


def _pool_task(task: Task, opts: ReviewOptions, queue: Any) -> TaskResult:
    """Process-pool / Dask entry point: progress goes through ``queue`` (may be None)."""
    prog = _Throttled(task.name, queue.put) if queue is not None else None
    return review_task(task, opts, prog)


#: Native thread pools (BLAS, OpenMP) of a pool worker: one thread each (unless the user set
#: them), so ``jobs`` workers use ``jobs`` cores instead of ``jobs`` × cores threads. Read
#: when numpy is imported, before any initializer runs: so set in the spawn environment.
_WORKER_THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_worker_queue: Any = None  # the progress queue of this pool worker (set by _init_worker)


@contextlib.contextmanager
def _worker_environ() -> Iterator[None]:
    """Set the unset :data:`_WORKER_THREAD_ENV` variables to 1 while workers are spawned."""
    added = [k for k in _WORKER_THREAD_ENV if k not in os.environ]
    for k in added:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


def _init_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue
    if queue is not None:
        queue.cancel_join_thread()  # progress is best effort: never block a worker's exit


def _local_task(task: Task, opts: ReviewOptions) -> TaskResult:
    """Process-pool entry point: progress goes through the worker's queue."""
    return _pool_task(task, opts, _worker_queue)


ProgressSink = Callable[[str, float, float], None]


def run_batch(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    *,
    jobs: int = 1,
    scheduler: str | Any | None = None,
    on_progress: ProgressSink | None = None,
    on_start: Callable[[Task], None] | None = None,
    on_done: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run tasks here (``jobs=1``), in ``jobs`` spawned processes (one pool for the batch,
    single-threaded BLAS/OpenMP in each), or on a Dask cluster.

    Parameters
    ----------
    tasks : sequence of Task
    opts : ReviewOptions
    jobs : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str or distributed.Client, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``), or a client.
    on_progress : callable, optional
        ``on_progress(name, done_s, total_s)``, called in this thread.
    on_start, on_done : callable, optional
        Called in this thread when a task is submitted / finished.

    Returns
    -------
    list of TaskResult
        In the order of ``tasks``.
    """
    if jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, got {jobs}")
    results: dict[int, TaskResult] = {}

    def done(i: int, r: TaskResult) -> None:
        results[i] = r
        if on_done is not None:
            on_done(r)

    if scheduler is not None:
        _run_dask(tasks, opts, scheduler, on_progress, on_start, done)
    elif jobs == 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            if on_start is not None:
                on_start(t)
            prog = None
            if on_progress is not None:
                name = t.name

                def prog(d: float, tot: float, name: str = name) -> None:
                    on_progress(name, d, tot)  # type: ignore[misc]

            done(i, review_task(t, opts, prog))
    else:
        _run_pool(tasks, opts, jobs, on_progress, on_start, done)
    return [results[i] for i in range(len(tasks))]


def _drain(q: Any, on_progress: ProgressSink | None, finished: Container[str] = ()) -> None:
    """Forward queued progress, but not for ``finished`` tasks: a worker's last progress
    may arrive after its result."""
    import queue as _queue

    while True:
        try:
            name, d, tot = q.get_nowait()
        except (_queue.Empty, EOFError, OSError):
            return
        if on_progress is not None and name not in finished:
            on_progress(name, d, tot)


def _run_pool(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    jobs: int,
    on_progress: ProgressSink | None,
    on_start: Callable[[Task], None] | None,
    done: Callable[[int, TaskResult], None],
) -> None:
    import concurrent.futures as cf
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    # One pool for the whole batch; progress goes through a plain queue handed to each
    # worker at start (a Manager would be one more process to spawn, and a round trip
    # per update); workers start with single-threaded BLAS/OpenMP (_worker_environ).
    q = ctx.Queue() if on_progress is not None else None
    workers = min(jobs, len(tasks))
    with cf.ProcessPoolExecutor(workers, ctx, initializer=_init_worker, initargs=(q,)) as ex:
        futs: dict[cf.Future[TaskResult], int] = {}
        with _worker_environ():  # workers are spawned on the first submissions
            for i, t in enumerate(tasks):
                futs[ex.submit(_local_task, t, opts)] = i
                if on_start is not None:
                    on_start(t)
        pending = set(futs)
        ended: set[str] = set()
        while pending:
            finished, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            if q is not None:
                _drain(q, on_progress, ended)
            for f in finished:
                i = futs[f]
                try:
                    r = f.result()
                except Exception as e:
                    r = TaskResult(
                        tasks[i].name,
                        tasks[i].source,
                        False,
                        f"worker failed: {type(e).__name__}: {e}",
                    )
                ended.add(tasks[i].name)
                done(i, r)
    if q is not None:
        _drain(q, None)
        q.close()
        q.join_thread()


def _dask_client(scheduler: str | Any) -> tuple[Any, bool]:
    try:
        import distributed
    except ImportError:
        raise ParameterError(
            "--scheduler needs Dask distributed, which is not installed; install the optional "
            "extra: pip install 'voicecoach[cluster]'"
        ) from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(scheduler, timeout="10s"), True
    except (OSError, TimeoutError) as e:
        raise SourceError(
            f"cannot connect to the Dask scheduler at {scheduler!r} ({e}); check the address "
            f"(e.g. tcp://host:8786) and that `dask scheduler` is running"
        ) from None


def _run_dask(
    tasks: Sequence[Task],
    opts: ReviewOptions,
    scheduler: str | Any,
    on_progress: ProgressSink | None,
    on_start: Callable[[Task], None] | None,
    done: Callable[[int, TaskResult], None],
) -> None:
    """Dask path. Per-file progress is coarse here (submitted, finished): remote tasks get
    no progress channel back to this process."""
    client, own = _dask_client(scheduler)
    import distributed

    try:
        futs = {}
        stamp = time.time_ns()
        for i, t in enumerate(tasks):
            f = client.submit(
                _pool_task, t, opts, None, pure=False, key=f"voicecoach-review-{stamp}-{i}"
            )
            futs[f] = i
            if on_start is not None:
                on_start(t)
        for f in distributed.as_completed(list(futs)):
            i = futs[f]
            try:
                r = f.result()
            except Exception as e:
                r = TaskResult(
                    tasks[i].name,
                    tasks[i].source,
                    False,
                    f"dask task failed: {type(e).__name__}: {e}",
                )
            done(i, r)
    finally:
        if own:
            client.close()


# ----------------------------------------------------------------------------- progress UI
