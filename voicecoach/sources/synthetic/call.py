"""The two-party call generator and the event rules derived from its script.

Two-party calls (:func:`synth_call`)
------------------------------------
Time base: script times (``Utterance.start_s``) are *agent-side acoustic
time*, i.e. when the agent speaks into the microphone and when the customer is
heard at the agent's loudspeaker. Column 0 (agent microphone) and the agent
truth are in that time base. Column 1 (far end) is the customer rendered at
script time and then delayed by ``far_delay_s`` (rounded to whole samples);
``CallTruth.customer`` refers to column 1 as recorded (script time +
``far_delay_s``). Bleed is the customer as heard (script time), band-passed
300–3400 Hz (zero phase), convolved with a short room response (direct path of
gain 1 plus four decaying reflections 3–40 ms later), scaled so that its energy
is ``bleed_db`` relative to the customer's clean energy, and added to column 0
``bleed_delay_s`` (rounded to whole samples) after script time. So in column 0
the bleed's direct path lags column 1 by ``bleed_delay_s - far_delay_s``. The
agent truth never includes bleed. Each utterance is one phrase whose span is
exactly ``[start_s, start_s + duration_s)`` (rounded to samples) and whose
speech-portion RMS is the utterance's ``level_db`` (else the party's level).
Noise on each channel is independent, with RMS over the whole channel equal to
the party's nominal level minus ``snr_db``.

Event rules (the specification for the conversation tracker)
------------------------------------------------------------
Events are derived from the script alone (:func:`derive_events`), in script
time, for every pair of utterances by different parties. Let ``A`` be a
``"turn"`` and ``B`` an utterance by the other party with
``A.start_s < B.start_s < A.end_s`` (B starts while A is in progress; equal
onsets give no event). Let ``overlap_end = min(A.end_s, B.end_s)``.

* ``B.kind == "backchannel"`` → ``{"kind": "backchannel", "start_s": B.start_s,
  "end_s": B.end_s, "by": B.party, "of": A.party}``.
* ``B.kind == "turn"`` and ``B.start_s <= A.end_s - turn_end_s`` and
  ``overlap_end - B.start_s >= min_overlap_s`` → ``"interruption"`` with
  ``start_s = B.start_s``, ``end_s = overlap_end``, ``by = B.party``,
  ``of = A.party``.
* any other ``"turn"`` B (starts within the last ``turn_end_s`` of A, or
  overlaps it by less than ``min_overlap_s``) → ``"turn_end_overlap"`` with
  ``start_s = B.start_s``, ``end_s = overlap_end``, ``by``, ``of``.

Backchannels outside the other party's turns, and utterances that start in
silence, produce no event. Defaults: ``min_overlap_s=0.5``, ``turn_end_s=0.3``.
Comparisons use the script's float values exactly. Events are sorted by
``start_s`` (then ``end_s``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

from voicecoach.errors import ParameterError

from .speech import (
    _KINDS,
    _PARTIES,
    _PARTY_DECLINATION_ST,
    _PARTY_FORMANT_SCALE,
    F0_MAX_HZ,
    F0_MIN_HZ,
    RATE_MAX,
    RATE_MIN,
    VOWEL_FORMANTS,
    FloatArray,
    SpeechTruth,
    _check_number,
    _check_sample_rate,
    _clip_check,
    _make_truth,
    _noise,
    _render_phrase,
    _vary_periods,
    _Voice,
)


@dataclass(frozen=True)
class Utterance:
    """One scripted utterance of a two-party call.

    Attributes
    ----------
    party : {"agent", "customer"}
    start_s : float
        Onset in script (agent-side) time, s.
    duration_s : float
        Length, s (a backchannel is at most 1 s).
    kind : {"turn", "backchannel"}
        A backchannel ("mm-hmm") is rendered as 1–2 voiced syllables.
    f0_hz : float or None
        Baseline F0 override for this utterance, Hz (None: the party's).
    syllable_rate : float or None
        Rate override, syllables/s (None: the party's).
    level_db : float or None
        Speech RMS override, dBFS (None: the party's).
    """

    party: str
    start_s: float
    duration_s: float
    kind: str = "turn"
    f0_hz: float | None = None
    syllable_rate: float | None = None
    level_db: float | None = None

    @property
    def end_s(self) -> float:
        """``start_s + duration_s``, s."""
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class CallTruth:
    """Exact ground truth of a rendered two-party call.

    Attributes
    ----------
    sample_rate : int
    duration_s : float
        Call length, s.
    agent : SpeechTruth
        Agent voice in column 0 (script time), without bleed.
    customer : SpeechTruth
        Customer voice as recorded in column 1 (script time + ``far_delay_s``).
    utterances : tuple of Utterance
        The script, sorted by ``start_s``.
    events : tuple of dict
        Expected conversation events (see module docstring), script time.
    bleed_db : float or None
        Bleed energy relative to the customer's, dB (None: no bleed).
    bleed_delay_s : float
        Delay of the bleed's direct path after script time, s (whole samples).
    far_delay_s : float
        Delay of column 1 after script time, s (whole samples).
    """

    sample_rate: int
    duration_s: float
    agent: SpeechTruth
    customer: SpeechTruth
    utterances: tuple[Utterance, ...]
    events: tuple[dict[str, Any], ...]
    bleed_db: float | None
    bleed_delay_s: float
    far_delay_s: float = 0.0


def derive_events(
    script: Sequence[Utterance], *, min_overlap_s: float = 0.5, turn_end_s: float = 0.3
) -> tuple[dict[str, Any], ...]:
    """Expected conversation events of a script (rules in the module docstring).

    Parameters
    ----------
    script : sequence of Utterance
    min_overlap_s : float, default 0.5
        Minimum overlap, s, for a turn starting inside another to be an interruption.
    turn_end_s : float, default 0.3
        A turn starting within this many seconds of the end of the other party's
        turn is a turn-end overlap, not an interruption.

    Returns
    -------
    tuple of dict
        ``{"kind", "start_s", "end_s", "by", "of"}``, sorted by ``start_s``, then ``end_s``.
    """
    min_overlap_s = _check_number("min_overlap_s", min_overlap_s, 0.0, 60.0, " s")
    turn_end_s = _check_number("turn_end_s", turn_end_s, 0.0, 60.0, " s")
    events: list[dict[str, Any]] = []
    for a in script:
        if a.kind != "turn":
            continue
        a_end = a.start_s + a.duration_s
        for b in script:
            if b.party == a.party or not (a.start_s < b.start_s < a_end):
                continue
            b_end = b.start_s + b.duration_s
            ov_end = min(a_end, b_end)
            if b.kind == "backchannel":
                kind, end = "backchannel", b_end
            elif b.start_s <= a_end - turn_end_s and ov_end - b.start_s >= min_overlap_s:
                kind, end = "interruption", ov_end
            else:
                kind, end = "turn_end_overlap", ov_end
            events.append(
                {"kind": kind, "start_s": b.start_s, "end_s": end, "by": b.party, "of": a.party}
            )
    events.sort(key=lambda ev: (ev["start_s"], ev["end_s"]))
    return tuple(events)


def _check_script(script: Sequence[Utterance]) -> tuple[Utterance, ...]:
    try:
        utts = tuple(script)
    except TypeError:
        raise ParameterError(f"script must be a sequence of Utterance, got {script!r}") from None
    if not utts:
        raise ParameterError("script must contain at least one Utterance, got an empty script")
    for i, u in enumerate(utts):
        if not isinstance(u, Utterance):
            raise ParameterError(f"script[{i}] must be an Utterance, got {u!r}")
        if u.party not in _PARTIES:
            raise ParameterError(f"script[{i}].party must be one of {_PARTIES}, got {u.party!r}")
        if u.kind not in _KINDS:
            raise ParameterError(f"script[{i}].kind must be one of {_KINDS}, got {u.kind!r}")
        _check_number(f"script[{i}].start_s", u.start_s, 0.0, 3600.0, " s")
        hi = 1.0 if u.kind == "backchannel" else 600.0
        _check_number(f"script[{i}].duration_s ({u.kind})", u.duration_s, 0.15, hi, " s")
        if u.f0_hz is not None:
            _check_number(f"script[{i}].f0_hz", u.f0_hz, F0_MIN_HZ, F0_MAX_HZ, " Hz")
        if u.syllable_rate is not None:
            _check_number(
                f"script[{i}].syllable_rate", u.syllable_rate, RATE_MIN, RATE_MAX, " syllables/s"
            )
        if u.level_db is not None:
            _check_number(f"script[{i}].level_db", u.level_db, -80.0, -6.0, " dBFS")
    for party in _PARTIES:
        mine = sorted((u for u in utts if u.party == party), key=lambda u: u.start_s)
        for u, v in itertools.pairwise(mine):
            if v.start_s < u.end_s:
                raise ParameterError(
                    f"{party} utterances overlap: {u} ends at {u.end_s:g} s but {v} starts at"
                    f" {v.start_s:g} s; one party cannot speak twice at once"
                )
    return tuple(sorted(utts, key=lambda u: (u.start_s, u.party)))


def synth_call(
    script: Sequence[Utterance],
    *,
    duration_s: float | None = None,
    agent_f0_hz: float = 120.0,
    customer_f0_hz: float = 210.0,
    agent_rate: float = 5.0,
    customer_rate: float = 4.5,
    agent_level_db: float = -20.0,
    customer_level_db: float = -20.0,
    snr_db: float | None = 20.0,
    noise: str = "white",
    bleed_db: float | None = None,
    bleed_delay_s: float = 0.2,
    far_delay_s: float = 0.0,
    min_overlap_s: float = 0.5,
    turn_end_s: float = 0.3,
    sample_rate: int = 16000,
    seed: int = 0,
) -> tuple[NDArray[np.float32], CallTruth]:
    """Render a scripted two-party call (agent microphone + far end) with exact truth.

    Parameters
    ----------
    script : sequence of Utterance
        Who speaks when, in script (agent-side) time; one party's utterances
        must not overlap each other.
    duration_s : float or None, default None
        Call length, s; None: last end (after delays) + 0.5 s. Must cover every
        utterance (customer ones shifted by `far_delay_s`).
    agent_f0_hz, customer_f0_hz : float, default 120.0, 210.0
        Baseline F0 per party, Hz, in [60, 500].
    agent_rate, customer_rate : float, default 5.0, 4.5
        Syllable rate per party, syllables/s, in [1, 9]. Each utterance holds
        ``max(1, round(duration_s * rate))`` syllables (1–2 for a backchannel)
        filling it exactly, so the realised rate is within rounding of this.
    agent_level_db, customer_level_db : float, default -20.0
        Speech-portion RMS per party, dBFS, in [-80, -6].
    snr_db : float or None, default 20.0
        Per channel: party level over the RMS of independent noise across the
        whole channel, dB; None adds no noise.
    noise : {"white", "pink"}, default "white"
    bleed_db : float or None, default None
        Loudspeaker bleed of the customer into column 0, energy relative to the
        customer's clean energy, dB, in [-80, 0]; None: no bleed.
    bleed_delay_s : float, default 0.2
        Bleed direct-path delay after script time, s, in [0, 2].
    far_delay_s : float, default 0.0
        Delay of column 1 after script time, s, in [0, 2].
    min_overlap_s, turn_end_s : float, default 0.5, 0.3
        Event thresholds, see :func:`derive_events`.
    sample_rate : int, default 16000
    seed : int, default 0

    Returns
    -------
    y : numpy.ndarray of float32, shape (n_samples, 2)
        Column 0: agent microphone; column 1: customer (far end). Within [-1, 1].
    truth : CallTruth
    """
    sr = _check_sample_rate(sample_rate)
    utts = _check_script(script)
    far_delay_s = _check_number("far_delay_s", far_delay_s, 0.0, 2.0, " s")
    bleed_delay_s = _check_number("bleed_delay_s", bleed_delay_s, 0.0, 2.0, " s")
    if bleed_db is not None:
        bleed_db = _check_number("bleed_db", bleed_db, -80.0, 0.0, " dB")
    if snr_db is not None:
        snr_db = _check_number("snr_db", snr_db, -20.0, 100.0, " dB")
    if noise not in ("white", "pink"):
        raise ParameterError(f"noise must be 'white' or 'pink', got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ParameterError(f"seed must be an int, got {seed!r}")
    party_f0 = {
        "agent": _check_number("agent_f0_hz", agent_f0_hz, F0_MIN_HZ, F0_MAX_HZ, " Hz"),
        "customer": _check_number("customer_f0_hz", customer_f0_hz, F0_MIN_HZ, F0_MAX_HZ, " Hz"),
    }
    party_rate = {
        "agent": _check_number("agent_rate", agent_rate, RATE_MIN, RATE_MAX, " syllables/s"),
        "customer": _check_number(
            "customer_rate", customer_rate, RATE_MIN, RATE_MAX, " syllables/s"
        ),
    }
    party_level = {
        "agent": _check_number("agent_level_db", agent_level_db, -80.0, -6.0, " dBFS"),
        "customer": _check_number("customer_level_db", customer_level_db, -80.0, -6.0, " dBFS"),
    }
    events = derive_events(utts, min_overlap_s=min_overlap_s, turn_end_s=turn_end_s)

    d_far = round(far_delay_s * sr)
    d_bleed = round(bleed_delay_s * sr)
    last = max(u.end_s + (d_far / sr if u.party == "customer" else 0.0) for u in utts)
    if duration_s is None:
        # independent of bleed_db, so calls with and without bleed align sample for sample
        last_customer = max((u.end_s for u in utts if u.party == "customer"), default=0.0)
        duration_s = max(last, last_customer + d_bleed / sr + 0.05) + 0.5
    else:
        duration_s = _check_number("duration_s", duration_s, 0.5, 7200.0, " s")
        if duration_s + 1e-9 < last:
            raise ParameterError(
                f"duration_s={duration_s:g} s is shorter than the script, which needs at least"
                f" {last:.3f} s (customer utterances shifted by far_delay_s); give a longer"
                " duration_s or None"
            )
    n = round(duration_s * sr)

    rngs = np.random.default_rng(seed).spawn(5)
    party_rng = {"agent": rngs[0], "customer": rngs[1]}
    noise_rng = {"agent": rngs[2], "customer": rngs[3]}
    rng_room = rngs[4]

    clean: dict[str, FloatArray] = {}
    truths: dict[str, SpeechTruth] = {}
    for party in _PARTIES:
        buf = np.zeros(n)
        nuclei: list[tuple[int, int, float, float, int]] = []
        spans: list[tuple[int, int]] = []
        for u in utts:
            if u.party != party:
                continue
            rate = u.syllable_rate if u.syllable_rate is not None else party_rate[party]
            f0 = u.f0_hz if u.f0_hz is not None else party_f0[party]
            voice = _Voice(
                sample_rate=sr,
                f0_fn=lambda t, f0=f0: f0,
                rate_fn=lambda t, rate=rate: rate,
                formant_scale=_PARTY_FORMANT_SCALE[party],
                vowels=tuple(VOWEL_FORMANTS),
                f0_jitter_st=0.0,
                glide_st=1.0,
                declination_st=_PARTY_DECLINATION_ST[party] if u.kind == "turn" else 0.0,
            )
            a, e = round(u.start_s * sr), round(u.end_s * sr)
            n_syl = max(1, round(u.duration_s * rate))
            if u.kind == "backchannel":
                n_syl = min(n_syl, 2)
            rng = party_rng[party]
            periods = _vary_periods(np.full(n_syl, (e - a) / n_syl), rng)
            bounds = np.round(np.concatenate(([0.0], np.cumsum(periods)))).astype(np.int64)
            bounds[-1] = e - a
            local = np.zeros(e - a)
            syl = _render_phrase(local, bounds, voice, rng)
            level = u.level_db if u.level_db is not None else party_level[party]
            local *= 10.0 ** (level / 20.0) / math.sqrt(float(np.mean(local * local)))
            buf[a:e] += local
            nuclei += [(s + a, t + a, f0s, f0e, p + a) for s, t, f0s, f0e, p in syl]
            spans.append((a, e))
        clean[party] = buf
        offset = d_far if party == "customer" else 0
        truths[party] = _make_truth(sr, n, nuclei, spans, offset=offset)

    heard = clean["customer"]
    col0 = clean["agent"].copy()
    col1 = np.zeros(n)
    col1[d_far:] = heard[: n - d_far]
    if bleed_db is not None and np.any(heard):
        hi = min(3400.0, 0.45 * sr)
        sos = sps.butter(4, [300.0, hi], btype="bandpass", fs=sr, output="sos")
        bp = sps.sosfiltfilt(sos, heard)
        delays = np.sort(rng_room.uniform(0.003, 0.040, 4))
        rir = np.zeros(round(0.041 * sr) + 1)
        rir[0] = 1.0
        for dly in delays:
            rir[round(dly * sr)] += 0.7 * math.exp(-dly / 0.015) * rng_room.choice([-1.0, 1.0])
        bl = sps.fftconvolve(bp, rir)[:n]
        gain = math.sqrt(float(np.sum(heard**2)) / float(np.sum(bl**2))) * 10.0 ** (bleed_db / 20)
        col0[d_bleed:] += gain * bl[: n - d_bleed]
    if snr_db is not None:
        col0 += _noise(
            n, noise, 10.0 ** ((party_level["agent"] - snr_db) / 20), sr, noise_rng["agent"]
        )
        col1 += _noise(
            n, noise, 10.0 ** ((party_level["customer"] - snr_db) / 20), sr, noise_rng["customer"]
        )
    y = np.stack([col0, col1], axis=1)
    _clip_check(y, "synth_call output")
    truth = CallTruth(
        sample_rate=sr,
        duration_s=n / sr,
        agent=truths["agent"],
        customer=truths["customer"],
        utterances=utts,
        events=events,
        bleed_db=bleed_db,
        bleed_delay_s=d_bleed / sr,
        far_delay_s=d_far / sr,
    )
    return y.astype(np.float32), truth
