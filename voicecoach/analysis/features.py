"""The per-hop feature rows produced by the analysis core."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CSV_COLUMNS", "PUBLIC_FIELDS", "Features", "RowClock", "Rows", "fast_init"]

#: The columns of ``voicecoach analyze --format csv``, in order.
CSV_COLUMNS = (
    "channel",
    "t_s",
    "f0_hz",
    "voiced",
    "speech",
    "loudness_db",
    "syllable_rate",
    "articulation_rate",
    "f0_settled_hz",
)
#: Feature names that are part of the public output contract (CSV / JSON).
PUBLIC_FIELDS = CSV_COLUMNS[1:]


class RowClock:
    """Checks that blocks of rows follow each other, from their times (samples are the clock).

    A stateful consumer of feature rows (the conversation tracker, a baseline tracker, the
    coach) keeps one and calls :meth:`check` before any of its state moves on, so that a
    skipped, repeated or reordered block is an error rather than silently wrong measures.

    Parameters
    ----------
    hop_s : float
        The rows' hop, seconds.
    who : str
        The consumer's name in error messages (e.g. ``"the coach"``).
    """

    def __init__(self, hop_s: float, who: str) -> None:
        self.hop_s = hop_s
        self.who = who
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the next block may start anywhere."""
        self._next: int | None = None

    def check(self, t_s: np.ndarray) -> None:
        """Accept a block whose rows have times ``t_s`` if it follows the previous one.

        Parameters
        ----------
        t_s : np.ndarray, shape (n_rows,), float
            The block's row times, seconds (an empty block is always accepted).

        Raises
        ------
        ParameterError
            When the block does not start where the previous one ended.
        """
        n = len(t_s)
        if n == 0:
            return
        first = round(float(t_s[0]) / self.hop_s)
        if self._next is not None and first != self._next:
            from ..errors import ParameterError

            raise ParameterError(
                f"rows start at t_s={float(t_s[0]):.3f} s but {self.who} expected "
                f"{self._next * self.hop_s:.3f} s; feed consecutive blocks, or call reset() "
                f"for a new call"
            )
        self._next = first + n


def fast_init(kind: type) -> type:
    """Give a frozen dataclass an ``__init__`` that fills the instance's dict in one update.

    The generated one sets each field through ``object.__setattr__`` (a frozen class's own
    ``__setattr__`` refuses), which on a live hop costs more than the row's values do. The
    new one takes the same parameters, with the same defaults and annotations, and makes the
    same instance; the class stays frozen. Apply it above ``@dataclass``; for classes
    without ``__post_init__``, slots or default factories (checked).

    Parameters
    ----------
    kind : type
        A frozen dataclass.

    Returns
    -------
    type
        ``kind``, its ``__init__`` replaced.
    """
    fields = dataclasses.fields(kind)
    if (hasattr(kind, "__post_init__") or "__slots__" in kind.__dict__
            or any(f.default_factory is not dataclasses.MISSING or not f.init or f.kw_only
                   for f in fields)):
        raise TypeError(f"fast_init does not handle {kind.__name__}")  # pragma: no cover
    params = ", ".join(f.name if f.default is dataclasses.MISSING else f"{f.name}=_d_{f.name}"
                       for f in fields)
    items = ", ".join(f"{f.name!r}: {f.name}" for f in fields)
    ns: dict[str, Any] = {f"_d_{f.name}": f.default for f in fields
                          if f.default is not dataclasses.MISSING}
    exec(f"def __init__(self, {params}):\n    self.__dict__.update({{{items}}})\n", ns)
    init = ns["__init__"]
    init.__qualname__ = f"{kind.__qualname__}.__init__"
    init.__module__ = kind.__module__
    init.__annotations__ = dict(kind.__init__.__annotations__)  # type: ignore[misc]
    kind.__init__ = init  # type: ignore[misc]
    return kind


class Rows:
    """Row-table behaviour shared by per-hop dataclasses whose fields are equal-length arrays
    (:class:`Features`, :class:`voicecoach.baseline.RelativeMeasures`)."""

    t_s: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def same_times(self, other: Rows) -> bool:
        """Whether ``other``'s rows have the same times (``np.array_equal`` of the two
        ``t_s``, compared as lists: numpy's wrapper costs more than a live hop's one row).

        Parameters
        ----------
        other : Rows
            Rows of another party or measure (normally of the same hops).

        Returns
        -------
        bool
            True when both ``t_s`` have the same length and equal values (a NaN time equals
            nothing).
        """
        return self.t_s.tolist() == other.t_s.tolist()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of all fields, in order.

        Returns
        -------
        tuple of str
        """
        return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    @classmethod
    def empty(cls) -> Any:  # pragma: no cover - each subclass defines its dtypes
        """Zero rows with the right dtypes (defined by each subclass).

        Returns
        -------
        Rows
            An instance of ``cls`` whose fields all have shape (0,).
        """
        raise NotImplementedError

    @classmethod
    def concat(cls, parts: Sequence[Any]) -> Any:
        """Concatenate consecutive blocks of rows.

        Parameters
        ----------
        parts : sequence of Rows
            Instances of ``cls``, in time order (their ``t_s`` is not rewritten).

        Returns
        -------
        Rows
            An instance of ``cls`` with ``sum(len(p) for p in parts)`` rows; :meth:`empty`
            when ``parts`` is empty.
        """
        if not parts:
            return cls.empty()
        names = cls.field_names()
        return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})

    def __getitem__(self, index: slice | np.ndarray) -> Any:
        """Select rows (a slice or a boolean/index array)."""
        return type(self)(**{n: getattr(self, n)[index] for n in self.field_names()})

    def equals(self, other: Any) -> bool:
        """Exact equality of every field (NaN equals NaN).

        Parameters
        ----------
        other : Rows
            Rows with the same fields (normally the same class).

        Returns
        -------
        bool
            True when both have the same number of rows and every field is equal.
        """
        return len(self) == len(other) and all(
            np.array_equal(getattr(self, n), getattr(other, n), equal_nan=True)
            for n in self.field_names()
        )


@fast_init
@dataclass(frozen=True, eq=False)
class Features(Rows):
    """One row per 10 ms hop; every field is an array of shape (n_hops,).

    Attributes
    ----------
    t_s : float64
        Hop start, seconds from the first sample analysed (sample count / sample rate).
        Behind an echo canceller (:class:`voicecoach.pipeline.CallAnalyzer`), that is the
        cancelled signal, ``latency_s`` (8 ms) behind the input.
    f0_hz : float32
        Fundamental frequency in Hz, NaN when unvoiced.
    voiced : bool
        Pitch tracker's voicing decision.
    speech : bool
        Voice-activity decision with onset hysteresis and hangover.
    loudness_db : float32
        RMS level of the hop, dBFS (full scale 1.0 = 0 dB; digital silence -120).
    syllable_rate : float32
        Syllable nuclei per second over the rolling window (NaN at the very start).
    articulation_rate : float32
        Syllable nuclei per second of speech in the window (NaN with too little speech).
    noise_floor_db : float32
        Adaptive noise floor, dBFS.
    aperiodicity : float32
        Normalised difference at the pitch period, d(T) / (e_0 + e_T) (0 = periodic, ~1 = noise).
    vad_raw : bool
        Speech decision before hysteresis.
    nucleus : bool
        True at the hop where a syllable nucleus was confirmed.
    f0_settled_hz : float32
        F0 from the pitch tracker's settled path, Hz (``settled_lookahead_s``, 100 ms: fewer
        octave errors on telephone speech), NaN when unvoiced; it describes the frame
        ``settled_lookahead_s - path_lookahead_s`` (8 rows) before ``f0_hz``'s, whose voicing
        it repeats (see ``ChannelAnalyzer.pitch_settled_center_offset_s``). For offline
        readers: the report's median pitch and ``voicecoach analyze``.
    """

    t_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray
    loudness_db: np.ndarray
    syllable_rate: np.ndarray
    articulation_rate: np.ndarray
    noise_floor_db: np.ndarray
    aperiodicity: np.ndarray
    vad_raw: np.ndarray
    nucleus: np.ndarray
    f0_settled_hz: np.ndarray

    @classmethod
    def empty(cls) -> Features:
        """Zero rows with the right dtypes.

        Returns
        -------
        Features
            Every field of shape (0,).
        """
        f32 = np.empty(0, np.float32)
        b = np.empty(0, bool)
        return cls(np.empty(0), f32, b, b, f32, f32, f32, f32, f32, b, b, f32)

    def to_dict(self, public: bool = True) -> dict[str, list[Any]]:
        """Return plain lists (NaN -> None), only public fields unless ``public=False``.

        Parameters
        ----------
        public : bool
            True: only :data:`PUBLIC_FIELDS` (the CSV / JSON contract); False: every field.

        Returns
        -------
        dict of str to list
            Field name to one value per hop: bool fields as 0/1, the others as floats
            rounded to 6 decimals, NaN as None. Units as the fields (s, Hz, dBFS, 1/s).
        """
        names = PUBLIC_FIELDS if public else self.field_names()
        out: dict[str, list[Any]] = {}
        for n in names:
            a = getattr(self, n)
            if a.dtype == bool:
                out[n] = a.astype(int).tolist()
            else:
                vals = np.round(a.astype(np.float64), 6)
                out[n] = [None if v != v else v for v in vals.tolist()]
        return out
