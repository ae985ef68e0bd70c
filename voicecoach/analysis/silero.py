"""Streaming Silero VAD backend (v5 ONNX model) that runs without torch.

The official ``silero-vad`` package runs its ONNX model through
``silero_vad.utils_vad.OnnxWrapper``, which needs torch only to hold tensors.
This module re-implements just that ONNX call path with numpy:

* the model consumes chunks of :data:`CHUNK_SIZE` = 512 samples (32 ms at 16 kHz);
* each chunk is prefixed with the last :data:`CONTEXT_SIZE` = 64 samples of the
  previous one (zeros before the first chunk), so the model input is ``(1, 576)``;
* the recurrent state is a float32 tensor of shape ``(2, 1, 128)`` fed back on
  every call, and ``sr`` is a scalar int64 (16000);
* the output is one speech probability per chunk, shape ``(1, 1)``.

Mapping 32 ms chunks onto 10 ms hops
------------------------------------
Samples are buffered across calls to :meth:`SileroVad.process`.  The probability
reported for a hop is that of the most recent 512-sample chunk *completed by the
end of that hop* (0.0 until the first chunk completes, i.e. for the first three
hops).  This is strictly causal and depends only on the signal, never on how it
is cut into blocks, so the per-hop output is bitwise identical whatever the block
sizes.

Latency
-------
Hop ``i`` (0-based, counted since the last reset) ends at sample ``160 * (i + 1)``;
its probability covers the audio window ending at the last multiple of 512 at or
before that sample.  That window therefore ends 0 to 480 samples (0 to 30 ms, on
average 15 ms) before the end of the hop; the worst case, 30 ms, is
:attr:`SileroVad.delay_s`.  There is no lookahead.  Note that each decision is
based on a 32 ms window (36 ms with the context), so a change in the signal
affects the output after at most 32 ms + 8 ms of hop rounding = 40 ms, plus
whatever time the model itself takes to become confident.

The model file is located in the installed ``silero_vad`` wheel *without*
importing the ``silero_vad`` package (its ``__init__`` imports torch); the file
lives at ``silero_vad/data/silero_vad.onnx``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import ParameterError

__all__ = ["CHUNK_SIZE", "CONTEXT_SIZE", "INSTALL_HINT", "SileroVad", "default_model_path"]

#: Samples per model call at 16 kHz (32 ms).
CHUNK_SIZE = 512
#: Samples of the previous chunk prepended to each model input.
CONTEXT_SIZE = 64
#: Shape of the recurrent state tensor of the v5 model.
STATE_SHAPE = (2, 1, 128)
#: File name of the default model inside ``silero_vad/data``.
MODEL_NAME = "silero_vad.onnx"

INSTALL_HINT = (
    "install it with `pip install 'voicecoach[silero]'` (for onnxruntime) and "
    "`pip install --no-deps silero-vad` (for the model file, without torch)"
)


def default_model_path() -> Path:
    """Return the path of ``silero_vad.onnx`` shipped by the ``silero-vad`` wheel.

    The package is located with :func:`importlib.util.find_spec`, which does not
    execute ``silero_vad/__init__.py`` (that file imports torch, which is not
    installed).  ``importlib.resources.files('silero_vad.data')`` would import it.

    Returns
    -------
    Path
        ``<silero_vad package>/data/silero_vad.onnx``.

    Raises
    ------
    ParameterError
        When the silero-vad package is not installed, or has no model file.
    """
    try:
        spec = importlib.util.find_spec("silero_vad")
    except (ImportError, ValueError):  # pragma: no cover - broken installation
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "data" / MODEL_NAME
        if candidate.is_file():
            return candidate
    if not locations:
        raise ParameterError(f"The Silero VAD model needs the silero-vad package; {INSTALL_HINT}.")
    raise ParameterError(
        f"The silero-vad package is installed at {locations[0]} but has no data/{MODEL_NAME}; "
        f"reinstall it with `pip install --force-reinstall --no-deps silero-vad`, "
        f"or pass model_path= explicitly."
    )


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ParameterError(f"The Silero VAD backend needs onnxruntime; {INSTALL_HINT}.") from exc
    return onnxruntime


#: Loaded sessions by (model file, threads): a session holds no stream state (the recurrent
#: state is an input), so the streams of one process share it, and with it the weights in the
#: CPU caches (two channels' runs on one session cost less than on two).
_SESSIONS: dict[tuple[str, int], Any] = {}
_SESSIONS_LOCK = threading.Lock()


def _session(path: Path, threads: int) -> Any:
    """The onnxruntime session of ``path`` with ``threads`` intra-op threads (loaded once)."""
    ort = _import_onnxruntime()
    key = (str(Path(path).resolve()), threads)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is not None:
            return session
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no "removing initializer" warnings
        try:
            session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own, non-public exception types
            raise ParameterError(f"Cannot load {str(path)!r} as an ONNX model: {exc}") from exc
        _SESSIONS[key] = session
        return session


class SileroVad:
    """Streaming Silero VAD (v5 ONNX) giving one speech probability per 10 ms hop.

    Feed 16 kHz mono float audio with :meth:`process`, in blocks holding a whole
    number of 160-sample hops; get one probability per hop.  See the module
    docstring for how 32 ms chunks map onto 10 ms hops and for the latency.

    Parameters
    ----------
    model_path : path-like, optional
        ONNX model file.  Defaults to ``silero_vad.onnx`` shipped by the
        ``silero-vad`` wheel (installed with ``--no-deps``, torch is not needed).
    threads : int
        ``intra_op_num_threads`` of the onnxruntime session (>= 1).

    Raises
    ------
    ParameterError
        For ``threads`` that is not an int >= 1, a ``model_path`` that is not an existing
        file, or no model to default to (:func:`default_model_path`).
    """

    hop_size = 160
    sample_rate = 16000

    def __init__(self, *, model_path: str | os.PathLike | None = None, threads: int = 1) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int | np.integer):
            raise ParameterError(
                f"threads must be an int >= 1, got {threads!r} ({type(threads).__name__})."
            )
        if threads < 1:
            raise ParameterError(f"threads must be an int >= 1, got {threads}.")
        if model_path is None:
            path = default_model_path()
        else:
            if not isinstance(model_path, str | os.PathLike):
                raise ParameterError(
                    f"model_path must be a str or os.PathLike, got {type(model_path).__name__}."
                )
            path = Path(model_path)
            if not path.is_file():
                raise ParameterError(
                    f"model_path {str(path)!r} is not an existing file; pass the path of a "
                    f"Silero VAD v5 ONNX model, or None to use the one of the silero-vad package."
                )
        session = _session(path, int(threads))
        inputs = {i.name for i in session.get_inputs()}
        outputs = [o.name for o in session.get_outputs()]
        if not {"input", "state"} <= inputs or outputs[:2] != ["output", "stateN"]:
            raise ParameterError(
                f"{str(path)!r} is not a streaming Silero VAD v5 model: it has inputs "
                f"{sorted(inputs)} and outputs {outputs}, expected inputs input, state "
                f"(and optionally sr) and outputs output, stateN."
            )
        self._session = session
        self._output_names = ["output", "stateN"]
        self._sr = np.array(self.sample_rate, dtype=np.int64) if "sr" in inputs else None
        self.model_path = path
        self.threads = int(threads)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget all audio: restore the state right after construction."""
        self._state = np.zeros(STATE_SHAPE, dtype=np.float32)
        # Model input of the next chunk: CONTEXT_SIZE samples of context, then
        # the `_filled` samples of the current, incomplete chunk.
        self._buffer = np.zeros(CONTEXT_SIZE + CHUNK_SIZE, dtype=np.float32)
        self._filled = 0
        self._last_prob = np.float32(0.0)

    @property
    def delay_s(self) -> float:
        """Worst-case lag (s) between the end of a hop and the end of the audio its value covers.

        The value of a hop is the probability of the last 512-sample chunk completed
        by the end of the hop, so it describes audio ending 0 to 30 ms (mean 15 ms)
        before the hop end; this returns that maximum, 0.030 s.  The decision is
        causal (no lookahead) and is made on a 32 ms window.
        """
        return (CHUNK_SIZE - gcd(CHUNK_SIZE, self.hop_size)) / self.sample_rate

    # -------------------------------------------------------------- processing
    def _check_block(self, block: object) -> np.ndarray:
        if not isinstance(block, np.ndarray):
            raise ParameterError(
                f"block must be a 1-D numpy array of float32 or float64, "
                f"got {type(block).__name__}."
            )
        if block.dtype not in (np.float32, np.float64):
            raise ParameterError(
                f"block has dtype {block.dtype}; allowed dtypes are float32 and float64 "
                f"(convert integer PCM with e.g. x.astype(np.float32) / 32768)."
            )
        if block.ndim != 1:
            raise ParameterError(
                f"block must be 1-D (mono), got shape {block.shape}; mix or select a channel."
            )
        if block.size % self.hop_size:
            raise ParameterError(
                f"block has {block.size} samples; it must hold a whole number of "
                f"{self.hop_size}-sample hops (a multiple of {self.hop_size})."
            )
        if block.dtype == np.float32:  # nothing to convert (nor to overflow)
            x = np.ascontiguousarray(block)
        else:
            with np.errstate(over="ignore"):  # float64 overflow -> inf, reported below
                x = np.ascontiguousarray(block, dtype=np.float32)
        if not np.isfinite(x).all():
            bad = int(np.flatnonzero(~np.isfinite(x))[0])
            raise ParameterError(
                f"block contains a non-finite value ({x[bad]} at index {bad}"
                f"{', after conversion to float32' if block.dtype == np.float64 else ''}); "
                f"all samples must be finite."
            )
        return x

    def _run_chunk(self, model_input: np.ndarray) -> np.float32:
        feeds = {"input": model_input.reshape(1, -1), "state": self._state}
        if self._sr is not None:
            feeds["sr"] = self._sr
        out, state = self._session.run(self._output_names, feeds)
        self._state = state
        return out.reshape(-1)[0]

    def process(self, block: np.ndarray, *, checked: bool = False) -> np.ndarray:
        """Analyse a block of 16 kHz mono audio and return one probability per hop.

        Parameters
        ----------
        block : np.ndarray, shape (n_hops * 160,)
            1-D float32 (or float64, converted) samples, finite, ``len(block)`` a
            multiple of 160.  Empty blocks are allowed.
        checked : bool
            The block is already 1-D float32, finite, of whole hops (a caller's own checked
            signal): it is not checked again.

        Returns
        -------
        numpy.ndarray
            float32 array of shape ``(len(block) // 160,)`` with values in [0, 1]: for
            each hop, the speech probability of the latest 512-sample chunk completed
            by the end of the hop (0.0 before the first chunk completes).

        Raises
        ------
        ParameterError
            For a non-array, another dtype, more than one dimension, a partial hop or a
            non-finite sample.
        """
        x = block if checked else self._check_block(block)
        stream, n_chunks = self._stream(x)
        if not n_chunks:
            return self._buffered(x)
        probs = np.empty(n_chunks + 1, dtype=np.float32)
        probs[0] = self._last_prob
        width = CONTEXT_SIZE + CHUNK_SIZE
        for k in range(n_chunks):  # sequential: the RNN state links the chunks
            offset = k * CHUNK_SIZE
            probs[k + 1] = self._run_chunk(stream[offset : offset + width])
        return self._complete(x, stream, probs)

    @staticmethod
    def process_many(
        vads: Sequence[SileroVad], blocks: Sequence[np.ndarray], *, checked: bool = False
    ) -> list[np.ndarray]:
        """:meth:`process` of several streams at once: ``[v.process(b) for v, b in ...]``.

        Streams that share a session (same model file and threads) go through the model
        together: one run per chunk index for all the streams that complete that many
        chunks in this call, with a batch of inputs and states, whatever each stream's
        position within a chunk and its block's length (the channels of one call, and the
        double-talk hold's own stream, which advances on some hops only). The model treats
        the rows of a batch independently; the output is bitwise identical to running each
        stream alone (``tests/test_silero.py``), at about half the cost per stream on a live
        thread (the weights are read once per chunk). A stream given twice, or streams on
        different sessions, are run one by one.

        Parameters
        ----------
        vads : sequence of SileroVad
        blocks : sequence of numpy.ndarray
            One block per stream (see :meth:`process`).
        checked : bool
            The blocks are already 1-D float32, finite, of whole hops (the analysis core's
            own, checked on entry): they are not checked again.

        Returns
        -------
        list of numpy.ndarray
            Per stream, what :meth:`process` returns.
        """
        if len(vads) != len(blocks):
            raise ParameterError(
                f"process_many needs one block per stream: got {len(vads)} streams and "
                f"{len(blocks)} blocks."
            )
        xs = list(blocks) if checked else [v._check_block(b) for v, b in zip(vads, blocks,
                                                                               strict=True)]
        first = vads[0] if vads else None
        if (len(vads) < 2 or first is None or first._sr is None
                or len({id(v) for v in vads}) != len(vads)
                or any(v._session is not first._session for v in vads)):
            return [v.process(x) for v, x in zip(vads, xs, strict=True)]
        made = [v._stream(x) for v, x in zip(vads, xs, strict=True)]
        counts = [c for _, c in made]
        k_max = max(counts)
        if not k_max:  # no chunk completed: buffer only
            return [v._buffered(x) for v, x in zip(vads, xs, strict=True)]
        probs = [np.empty(c + 1, dtype=np.float32) for c in counts]
        for p, v in zip(probs, vads, strict=True):
            p[0] = v._last_prob
        states = [v._state for v in vads]
        width = CONTEXT_SIZE + CHUNK_SIZE
        # streams in step (the channels of one call): their inputs sliced from one array
        sizes = {st.shape[0] for st, c in made if c}
        stacked = (np.stack([st for st, c in made if c]) if len(sizes) == 1
                   and all(counts) else None)
        feeds = {"sr": first._sr}
        run = first._session.run
        names = first._output_names
        active: list[int] = []
        state = None
        for k in range(k_max):
            now = [i for i, c in enumerate(counts) if c > k]
            if now != active:  # the batch changes: its rows' states back, the new batch's in
                for j, i in enumerate(active):
                    states[i] = state[:, j : j + 1]
                active = now
                state = (states[now[0]] if len(now) == 1
                         else np.concatenate([states[i] for i in now], axis=1))
            offset = k * CHUNK_SIZE
            if stacked is not None:
                feeds["input"] = stacked[:, offset : offset + width]
            else:
                feeds["input"] = np.stack([made[i][0][offset : offset + width] for i in active])
            feeds["state"] = state
            out, state = run(names, feeds)
            values = out.reshape(-1).tolist()
            for j, i in enumerate(active):
                probs[i][k + 1] = values[j]
        for j, i in enumerate(active):
            states[i] = state[:, j : j + 1]
        out_list = []
        for i, (v, x) in enumerate(zip(vads, xs, strict=True)):
            if not counts[i]:
                out_list.append(v._buffered(x))
                continue
            v._state = np.ascontiguousarray(states[i])
            out_list.append(v._complete(x, made[i][0], probs[i]))
        return out_list

    def _stream(self, x: np.ndarray) -> tuple[np.ndarray | None, int]:
        """The model input stream of a checked block (context, pending, block) and the
        number of chunks it completes (None and 0 when it completes none)."""
        total = self._filled + x.size
        n_chunks = total // CHUNK_SIZE
        if not n_chunks:
            return None, 0
        # Model input of chunk k (context + chunk) is stream[k * 512 : k * 512 + 576].
        start = self._filled
        stream = np.empty(CONTEXT_SIZE + total, dtype=np.float32)
        stream[: CONTEXT_SIZE + start] = self._buffer[: CONTEXT_SIZE + start]
        stream[CONTEXT_SIZE + start :] = x
        return stream, n_chunks

    def _buffered(self, x: np.ndarray) -> np.ndarray:
        """A block that completes no chunk: buffer its samples, repeat the last value."""
        start = self._filled
        total = start + x.size
        self._buffer[CONTEXT_SIZE + start : CONTEXT_SIZE + total] = x
        self._filled = total
        out = np.empty(x.size // self.hop_size, np.float32)
        out.fill(self._last_prob)
        return out

    def _complete(self, x: np.ndarray, stream: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """Keep the incomplete chunk and map chunk values (``probs[0]``: the last value
        before the block) onto the block's hops."""
        start = self._filled
        total = start + x.size
        consumed = (probs.shape[0] - 1) * CHUNK_SIZE
        self._filled = total - consumed
        self._buffer[: CONTEXT_SIZE + self._filled] = stream[consumed:]
        self._last_prob = probs[-1]
        # Chunks completed by the end of each hop (within this block): index into probs.
        n_hops = x.size // self.hop_size
        if n_hops == 1:  # a live hop: its one index, without the index arrays
            i = (start + self.hop_size) // CHUNK_SIZE
            return probs[i : i + 1].copy()
        hop_ends = start + self.hop_size * np.arange(1, n_hops + 1)
        return probs[hop_ends // CHUNK_SIZE]
