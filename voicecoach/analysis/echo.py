"""Acoustic echo cancellation of the agent microphone, with the far end as reference.

With a loudspeaker (or a leaky headset), the customer's voice comes back into the agent's
microphone as a delayed, filtered, reverberant and non-linear copy, often only a few dB below
the agent's own voice during double talk. A gate on level or pitch cannot separate that copy
from the agent talking at the same time; an adaptive echo canceller can. :class:`EchoCanceller`
runs WebRTC's AEC3 (the reference design, through the ``livekit`` wheel's
``rtc.AudioProcessingModule``, which ships it prebuilt for Linux, macOS and Windows) hop by hop:

* every 10 ms hop, the far-end hop is given to the canceller as its reference
  (``process_reverse_stream``), then the microphone hop is cleaned (``process_stream``);
* only echo cancellation is enabled: no noise suppression, no gain control, no high-pass
  filter, so the agent's level, pitch and pace are measured on the agent's own voice;
* AEC3 returns each hop 128 samples (8 ms at 16 kHz) later than it received it (its 4 ms
  blocks). The far end is delayed by the same 128 samples (:meth:`EchoCanceller.delay_far`),
  so both parties keep their alignment, and the cleaned signal is what the analysis sees;
* **pass-through**: unless the microphone is found to carry the far end (states below), the
  output is the microphone itself, delayed by the same 128 samples: a headset call, or a
  call whose far end is muted, lost or missing, is analysed exactly as recorded.

The canceller's state is measured from levels only, on far-end-active hops (the far-end hop at
least ``far_active_db`` dBFS and 6 dB above its own noise floor):

``bypassed``
    the far end is silent: the microphone is passed through. A far-end hop counts as heard
    (not silent) when it is 6 dB over its floor as tracked from its first hop *or* as
    tracked from the lowest floor (``[noise_floor] min_db``): a call or a live session that
    starts while the customer speaks would otherwise take that speech for the far end's floor
    and the far end for silent until its first pause, its echo credited to the agent (on the
    held-out msa echo recordings 160-359, 0.48 -> 0.26 s/min of false agent speech);
``detecting``
    the far end speaks but not yet long enough to tell whether the microphone hears it (the
    echo detector below has no estimate yet, or its first ones lie between the two
    thresholds, or over ``echo_corr_on`` before ``no_echo_min_far_s`` while the coherence
    below, once known, is under ``echo_corr_coherence_min``: two independent babbles
    correlate 0.5-0.6 by chance over their first seconds, at a coherence near 0, and a real
    copy still correlates after that wait): the microphone is passed through and the
    conversation tracker's bleed gate judges its hops;
``no_echo``
    the microphone carries no copy of the far end (a headset): the best loudness-envelope
    correlation between the far end and the microphone over the echo path delays searched
    (averaged over about a second of updates) is under ``echo_corr_off``, once the far end has
    been active for ``no_echo_min_far_s`` (an agent talking over the far end's first words
    lowers the correlation of a real echo: concluded earlier, such a call was passed through
    with its echo taken for the agent), and until the linear check's evidence (below) finds
    echo after all. The microphone is
    passed through, and its speech is never taken for the far end's: AEC3's residual echo
    suppressor would otherwise attenuate the agent's own speech by 20-50 dB whenever both
    talk during its first 10-15 s, even with no echo to remove (measured on the real-voice
    calls of ``benchmarks/realcalls.py``);
``converging``
    the microphone carries the far end (the correlation reached ``echo_corr_on`` once, or the
    linear check's evidence or the coherence (below) found it: the echo path is then kept for
    the rest of the call,
    since an agent talking over the far end lowers the correlation, not the echo) and the
    echo return loss enhancement (ERLE:
    microphone level minus output level, averaged in dB from 0 dB over the far-end-active
    hops on which the microphone is 6 dB above its floor, time constant ``erle_smooth_s``)
    is still below ``converged_erle_db``;
``converged``
    echo is present and the ERLE reached ``converged_erle_db``: the canceller removes the
    echo (latched: double talk lowers the measured ERLE, not the canceller's convergence;
    only a divergence clears it);
``diverged``
    the output is louder than the input by ``diverged_db`` on average (the canceller adds
    energy instead of removing it): the microphone is passed through.

The cleaned signal is used while converging and converged. Only the converged, no-echo and
bypassed hops are *cancelled* (:attr:`EchoHops.cancelled`): there the conversation tracker
never rejects the agent's speech as a copy of the far end.

**Double-talk hold.** AEC3's residual echo suppressor sinks the agent's own voice by 27 dB or
more on a tenth of the hops where both talk over a loud echo (up to 40 dB; the mediastreamer2
stems, whose echo is as loud as the near end): those hops fall to within a few dB of the
output's floor, where neither Silero nor any level condition can tell them from the echo alone
(measured on the dev stems: -62 dBFS median, Silero 0.17; the echo alone -64 dBFS). With
``double_talk_hold``, a second canceller runs beside AEC3 on the same hops: speexdsp's (MDF
adaptive filter plus its residual echo suppressor and denoiser, from the ``pyaec`` wheel, which
builds libspeexdsp in), whose suppressor is milder (near-end level minus output level 12 dB at
p90 over that double talk, against AEC3's 27 dB; the echo alone 15 dB down instead of 21). It
runs on the hops where echo may be present (``detecting`` to ``diverged``) while the far end
speaks or spoke within ``double_talk_tail_s`` (its echo may ring on); elsewhere, with no echo
to remove, its signal is the microphone and its cost is saved. Its output
(:attr:`EchoHops.hold`, delayed like AEC3's) never *starts* the agent's speech: AEC3's output
decides that as before. It only *holds* speech that AEC3's output started (a Schmitt
trigger across the two signals:
:meth:`voicecoach.analysis.vad.SpeechDetector.raw`), so the residual echo that the milder
suppressor leaves never opens an agent segment.

**Linear check** (``linear_check_db``, 10 dB; 0 = off). Until the canceller has taken over
(``detecting``, ``converging``, ``diverged``) and while the far end speaks or spoke within
``double_talk_tail_s``, a third canceller runs: speexdsp's adaptive filter alone, without its
suppressor (a linear filter of the far end, which can remove the echo but cannot predict the
agent's own voice). :attr:`EchoHops.linear_db` is its output level; an agent hop it lowers by
``linear_check_db`` or more is the far end's copy, and the conversation tracker's bleed gate
rejects it (:meth:`voicecoach.conversation.ConversationTracker.process`, ``echo_drop``). It
runs only in a call's first seconds (a headset call until ``no_echo``, an echo call until
``converged``). The drop is measured against the microphone as the filter sees it
(:attr:`EchoHops.linear_ref_db`): speexdsp first passes the microphone through a DC notch whose
radius it sets from its sampling rate, and the ``pyaec`` wheel leaves that at speexdsp's
default 8 kHz (radius 0.9), which at 16 kHz is a second-order high-pass near 300 Hz (-7 dB at
250 Hz, -22 dB at 100 Hz, measured on sines; the formula of ``mdf.c``'s ``filter_dc_notch16``
matches to 0.15 dB). Against the raw microphone, a low voice's own speech "dropped" by 5-25
dB with no echo at all (a headset call's agent hops: 5 % at 15 dB or more on the dev calls);
against the notched microphone the drop is the filter's echo removal alone (headset and
delayed-bleed calls: p99 under 1 dB).

**Linear evidence of echo** (``echo_linear_db``, ``echo_linear_share``,
``echo_linear_smooth_s``, ``echo_linear_max_far_s``). Under dense double talk the envelope
correlation of a real echo can stay between the thresholds, or under ``echo_corr_off``, for a
whole call (a loudspeaker echo 3-12 dB under the far end on a real-voice call: 0.24-0.38 from
3.5 to 20 s, no_echo concluded at 14 s, the echo found by the correlation only at 58 s, 8-10 s
of it taken for the agent). The linear check's filter gives a second test: on the far-end-active
hops where the microphone is 6 dB over its floor, the share (averaged from 0, time constant
``echo_linear_smooth_s`` of such hops) of hops it lowers by ``echo_linear_db`` or more; echo is
present (latched, as by the correlation) once that share reaches ``echo_linear_share`` and the
far end has been active ``no_echo_min_far_s`` (as for the correlation's no: earlier, AEC3's
ERLE is its suppressor's alone and would call it converged at once; a DTLN far-end single-talk
recording found at 0.24 s was converged 50 ms later and let a 0.18 s residual through as the
agent's speech). A linear
filter of the far end can lower the microphone only where it holds the far end: on the dev
voices' headset and delayed-bleed calls that share stays at or under 0.012, while a loudspeaker
echo 0-12 dB under the far end passes 0.05 within 3-11 s, double talk or not. The drop is
measured hop by hop on the filter's own hop (not the delayed levels reported in
:attr:`EchoHops.linear_db`), so each hop's evidence decides the next hop's state and the
output does not depend on the blocks. To let a no_echo conclusion be undone, the filter also
runs (gathering evidence only: :attr:`EchoHops.linear_db` stays NaN there) in ``no_echo``
while the far end speaks, until the far end has been active ``echo_linear_max_far_s`` in all
(a headset call's cost while it runs: ~45 us a hop, live, with its notch and levels; the
share crossed ``echo_linear_share`` within 4.8 s of far-end activity on every dev echo call).

**Coherence with the far end** (``coherence_smooth_s``, ``coherence_min_s``;
:attr:`EchoHops.coherence`). On the hops where the linear check runs and the far end is
active, the microphone's magnitude-squared coherence with the far end is estimated (32 ms
frames, 250-3500 Hz, averaged over about a second of those hops, at the best lag up to the
bleed gate's ``bleed_max_delay_s``). A loudspeaker copy is a filtered far end, coherent with
it at the echo path's lag however loud the agent is (0.07-0.29 median on the dev voices'
simulated echo under double talk, 0.5-0.8 on the real echo recordings); another voice is not,
whatever its pitch (0.02-0.06: the estimator's bias). The conversation tracker reads it: while it is
known and under ``[conversation] bleed_copy_coherence_min``, the bleed gate's copy rule and the
echo's early window do not apply, so a headset call's double talk between two voices of one
pitch range is not taken for a copy in the far end's first seconds (the rule's one fault on
real voices: a session started during a call lost up to 7 of 49 interruptions to it). It
runs only in a call's first seconds (~50 us a hop while it runs; after
``coherence_max_far_s`` of far-end activity its last estimate holds and it costs nothing).

**Echo found by the coherence** (``echo_coherence_min``, ``echo_coherence_max``,
``echo_coherence_min_s``). An agent who talks over the far end from its first words keeps the
envelope correlation of a real echo under ``echo_corr_on``, and the linear check's evidence
counts only after ``no_echo_min_far_s``: for the first 4 s the microphone is passed through,
and the bleed gate's copy rule takes the agent's hops for the echo they ride on (the pitch
tracker follows the louder echo). The coherence sees the copy inside that mix: once it has
been averaged over ``echo_coherence_min_s`` of its hops (its first estimates run high: a
headset call's babble read up to 0.43 at 0.5 s, under 0.07 from 1 s on every dev headset
call), a value in ``[echo_coherence_min, echo_coherence_max)`` latches echo present (as the
correlation does), so AEC3's output takes over from the next hop. Over the band's top the
microphone is the copy alone (0.5-0.8 on the real echo recordings): nothing of the agent's
is lost by waiting for the correlation, and a canceller taken on that early, whose ERLE is
still its suppressor's, was called converged at once and let a DTLN far-end single talk's
residual through as the agent (0.57 s). While it latches, the coherence is estimated in the
hop loop (its estimate after a hop decides the next hop's state), with the same output as
block by block.

The echo detector is the bleed gate's delay search
(:class:`voicecoach.conversation.bleed.BleedGate`) fed the raw microphone and far-end loudness
envelopes; its delay is the reported echo path delay (from the microphone as received; the
canceller's own 8 ms come on top).

Everything runs at fixed hop indices, in order, so the output does not depend on how the
stream is cut into blocks. AEC3 itself is deterministic for a given input sequence.
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import EchoConfig, NoiseFloorConfig
from ..errors import EchoCancellerUnavailable, EchoCancellerUnavailableError
from .features import fast_init
from .loudness import SILENCE_DB, NoiseFloor, hop_loudness_db

__all__ = [
    "AEC_LATENCY_SAMPLES",
    "ECHO_STATES",
    "INSTALL_HINT",
    "EchoCanceller",
    "EchoHops",
    "EchoStatus",
    "echo_canceller_available",
    "hold_canceller_available",
]

#: Samples by which AEC3 delays the microphone at 16 kHz (measured, fixed: its 64-sample
#: blocks inside 160-sample frames).
AEC_LATENCY_SAMPLES = 128
#: The canceller states, in the order of their integer codes in :class:`EchoHops`.
ECHO_STATES = ("bypassed", "no_echo", "detecting", "converging", "converged", "diverged")
INSTALL_HINT = "install it with `pip install 'voicecoach[aec]'` (the livekit wheel)"
HOLD_INSTALL_HINT = (
    "install it with `pip install 'voicecoach[aec]'` (the pyaec wheel: Linux x86_64, macOS "
    "arm64, Windows x86_64)"
)

_BYPASSED, _NO_ECHO, _DETECTING, _CONVERGING, _CONVERGED, _DIVERGED = range(6)
# per state (index = code): the canceller's output is used / no uncancelled echo / level gate
_CLEANED = np.array([False, False, False, True, True, False])
_CANCELLED = np.array([True, True, False, False, True, False])
_LEVEL_GATE = np.array([2, 2, 1, 1, 0, 1], np.int8)
_LEVEL_GATE[_CLEANED] = 0
# the double-talk hold's canceller runs (and adapts) wherever echo may be present
_HOLD_RUNS = np.array([False, False, True, True, True, True])
# the same per state as Python values, for the per-hop loop of EchoCanceller.process
_CLEANED_T = tuple(_CLEANED.tolist())
_CANCELLED_T = tuple(_CANCELLED.tolist())
_HOLD_RUNS_T = tuple(_HOLD_RUNS.tolist())
_EXCESS_DB = 6.0  # a hop this far above its floor has energy (far end active / echo present)
_ERLE_CLIP_DB = (-20.0, 60.0)
_FULL_SCALE = np.float32(32768.0)  # int16 samples to float32, full scale 1.0


def _load_apm() -> Any:
    try:
        from livekit import rtc
    except ImportError as exc:
        raise EchoCancellerUnavailableError(
            f"the echo canceller needs the livekit package (WebRTC AEC3); {INSTALL_HINT}, "
            f"or set [echo] enabled = false"
        ) from exc
    return rtc


def echo_canceller_available() -> bool:
    """Whether the echo canceller's library (livekit) can be imported.

    Returns
    -------
    bool
    """
    try:
        _load_apm()
    except EchoCancellerUnavailableError:
        return False
    return True


def _load_speex() -> Any:
    try:
        import pyaec
    except (ImportError, OSError, AttributeError) as exc:  # its lib failed: AttributeError
        raise EchoCancellerUnavailableError(
            f"the double-talk hold needs the pyaec package (speexdsp's echo canceller); "
            f"{HOLD_INSTALL_HINT}, or set [echo] double_talk_hold = false"
        ) from exc
    if getattr(pyaec, "lib", None) is None:  # pyaec prints the reason and leaves lib None
        raise EchoCancellerUnavailableError(
            f"the pyaec package is installed but its speexdsp library did not load; reinstall "
            f"it ({HOLD_INSTALL_HINT}), or set [echo] double_talk_hold = false"
        )
    return pyaec


def hold_canceller_available() -> bool:
    """Whether the double-talk hold's library (pyaec, speexdsp) can be loaded.

    Returns
    -------
    bool
    """
    try:
        _load_speex()
    except EchoCancellerUnavailableError:
        return False
    return True


class _SpeexHold:
    """speexdsp's echo canceller (MDF filter plus residual echo suppression), hop by hop.

    Through the C functions of the ``pyaec`` wheel's bundled library (``AecNew``,
    ``AecCancelEcho``, ``AecDestroy``, whose ctypes signatures pyaec declares), on three
    hop buffers made once: pyaec's list-based ``Aec.cancel_echo`` costs twice as much.
    """

    def __init__(self, filter_samples: int, sample_rate: int, hop_size: int,
                 preprocess: bool = True) -> None:
        import ctypes

        self.preprocess = preprocess

        self._lib = _load_speex().lib
        self.filter_samples = filter_samples
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        self._bufs = tuple((ctypes.c_int16 * hop_size)() for _ in range(3))  # mic, far, out
        self._views = tuple(np.frombuffer(b, np.int16) for b in self._bufs)
        self._handle: Any = None
        self._finalizer: Any = None
        self.reset()

    def reset(self) -> None:
        """A new canceller (the old one is freed)."""
        if self._finalizer is not None:
            self._finalizer()
        handle = self._lib.AecNew(self.hop_size, self.filter_samples, self.sample_rate,
                                  self.preprocess)
        if not handle:
            raise EchoCancellerUnavailableError(
                "speexdsp's echo canceller (pyaec) could not be created; "
                "set [echo] double_talk_hold = false"
            )
        self._handle = handle
        self._finalizer = weakref.finalize(self, self._lib.AecDestroy, handle)
        self._delay = _Delay(AEC_LATENCY_SAMPLES)

    def process(self, mic16: np.ndarray, far16: np.ndarray, run: list[bool]) -> np.ndarray:
        """Cancel a block of whole hops (int16, same length) on the hops where ``run`` (one
        bool per hop) is true; elsewhere the microphone passes through and the canceller
        neither runs nor adapts (no echo to follow: its cost is saved). Float32 out, delayed
        by :data:`AEC_LATENCY_SAMPLES` like AEC3's output."""
        h = self.hop_size
        if run == [True]:  # a live hop that runs: its output is the canceller's hop
            (b_mic, b_far, b_out), (v_mic, v_far, v_out) = self._bufs, self._views
            v_mic[:] = mic16
            v_far[:] = far16
            self._lib.AecCancelEcho(self._handle, b_mic, b_far, b_out, h)
            return self._delay.process(v_out.astype(np.float32) / _FULL_SCALE)
        out = np.array(mic16, np.int16)
        if any(run):
            (b_mic, b_far, b_out), (v_mic, v_far, v_out) = self._bufs, self._views
            call, handle = self._lib.AecCancelEcho, self._handle
            for i in [i for i, r in enumerate(run) if r]:
                sl = slice(i * h, (i + 1) * h)
                v_mic[:] = mic16[sl]
                v_far[:] = far16[sl]
                call(handle, b_mic, b_far, b_out, h)
                out[sl] = v_out
        return self._delay.process(out.astype(np.float32) / _FULL_SCALE)

    def hop(self, mic16: np.ndarray, far16: np.ndarray) -> np.ndarray:
        """Cancel one hop (int16, ``hop_size`` samples each): the output hop, int16, not
        delayed (a view of a buffer that the next call overwrites). With :meth:`delay`, the
        hop-by-hop form of :meth:`process`."""
        (b_mic, b_far, b_out), (v_mic, v_far, v_out) = self._bufs, self._views
        v_mic[:] = mic16
        v_far[:] = far16
        self._lib.AecCancelEcho(self._handle, b_mic, b_far, b_out, self.hop_size)
        return v_out

    def delay(self, x: np.ndarray) -> np.ndarray:
        """A block's output (float32, the microphone where the canceller did not run) through
        the :data:`AEC_LATENCY_SAMPLES` delay line."""
        return self._delay.process(x)

    def skip(self, tail: np.ndarray) -> None:
        """:meth:`process` with ``run`` all false when its output is not wanted: the
        microphone passes through its delay line, nothing else is done. ``tail``: the
        block's last :data:`AEC_LATENCY_SAMPLES` microphone samples as float32 (full scale
        1.0), all the line keeps of a block at least that long."""
        self._delay.skip(tail)


_COH_EVERY = 5  # the coherence estimate is refreshed every this many hops that run


class _Coherence:
    """Magnitude-squared coherence of the microphone with the far end, at the best echo lag.

    Per hop that runs: a 32 ms Hann frame (``frame`` samples, ending with the hop) of each
    channel; the cross- and auto-spectra of the microphone's frame with the far end's frame
    ``l`` hops earlier, for every lag ``l`` up to ``max_lag_hops``, averaged exponentially over
    the hops that run (time constant ``smooth_s``); the coherence of a lag is
    ``|Sxy|^2 / (Sxx Syy)`` averaged over the 250-3500 Hz bins, and the estimate is the best
    lag's. A loudspeaker copy of the far end is coherent with it at the echo path's lag
    (0.07-0.8 on the dev echo calls and the real echo recordings), another voice is not,
    whatever its pitch (0.02-0.06 on the dev voices: the estimator's bias over about a second
    of frames). NaN until ``min_s`` of hops have run. The last hops of both channels are kept
    (references, no copies), and a far-end spectrum is made once, when a hop within the lag
    range runs; the output does not depend on how the stream is cut.
    """

    def __init__(self, sample_rate: int, hop_size: int, max_lag_hops: int, smooth_s: float,
                 min_s: float, frame: int = 512, band_hz: tuple[float, float] = (250.0, 3500.0)
                 ) -> None:
        hop_s = hop_size / sample_rate
        self.hop_size = hop_size
        self.frame = frame
        self.lags = max(1, max_lag_hops + 1)
        f = np.fft.rfftfreq(frame, 1.0 / sample_rate)
        idx = np.flatnonzero((f >= band_hz[0]) & (f <= band_hz[1]))
        self._band = slice(int(idx[0]), int(idx[-1]) + 1)
        self._win = np.hanning(frame)
        self._alpha = min(1.0, hop_s / max(smooth_s, hop_s))
        self._min_runs = max(1, round(min_s / hop_s))
        self._frame_hops = -(-frame // hop_size)  # hops a frame spans
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        nb = self._band.stop - self._band.start
        zero = np.zeros(self.hop_size, np.float32)
        fh = self._frame_hops
        # the last hops of each channel (zeros before the stream): a frame's for the
        # microphone, the largest lag's frame's for the far end
        self._mic: deque[np.ndarray] = deque([zero] * fh, maxlen=fh)
        self._far: deque[np.ndarray] = deque([zero] * (fh + self.lags - 1),
                                             maxlen=fh + self.lags - 1)
        self._spec = np.zeros((self.lags, nb), complex)  # far spectra, ring by hop index
        self._spec_k = [-1] * self.lags  # the hop each ring slot holds
        self._sxy = np.zeros((self.lags, nb), complex)
        self._syy = np.zeros((self.lags, nb))
        self._sxx = np.zeros(nb)
        self.runs = 0  # hops that ran
        self._k = 0  # hops seen
        self.value = math.nan

    def _spectra(self, frames: list[np.ndarray]) -> np.ndarray:
        x = np.stack([f[len(f) - self.frame :] for f in frames]) * self._win
        return np.fft.rfft(x, axis=1)[:, self._band]

    def process(self, mic: np.ndarray, far: np.ndarray, run: list[bool]) -> np.ndarray:
        """Feed a block of whole hops (float32, full scale 1.0); update the estimate on the
        hops where ``run`` is true. Returns the estimate after each hop (held between the
        hops that run), float32, shape (n_hops,)."""
        h, lags, fh = self.hop_size, self.lags, self._frame_hops
        n = len(run)
        dm, df = self._mic, self._far
        k0 = self._k
        if n == 1:  # a live hop: copies (the caller's buffers may be reused)
            dm.append(np.array(mic, np.float32))
            df.append(np.array(far, np.float32))
            if not run[0]:  # kept for the hops that may run next; the estimate holds
                self._k = k0 + 1
                return np.array((self.value,), np.float32)
            hops = ((0, True),)
        else:
            mic = np.array(mic, np.float32)
            far = np.array(far, np.float32)
            hops = tuple(enumerate(run))
        out = []
        ring, ring_k = self._spec, self._spec_k
        a = self._alpha
        for i, r in hops:
            if n > 1:
                dm.append(mic[i * h : (i + 1) * h])
                df.append(far[i * h : (i + 1) * h])
            if r:
                k = k0 + i
                need = [j for j in range(max(0, k - lags + 1), k + 1) if ring_k[j % lags] != j]
                if need:
                    nd = len(df)
                    # hop j's frame: the fh hops ending with it (hop k is df's last)
                    frames = [np.concatenate([df[nd - 1 - (k - j) - q]
                                              for q in range(fh - 1, -1, -1)])
                              for j in need]
                    ring[[j % lags for j in need]] = self._spectra(frames)
                    for j in need:
                        ring_k[j % lags] = j
                x = self._spectra([np.concatenate(dm)])[0]
                y = ring[(k - np.arange(lags)) % lags]
                if k < lags - 1:  # lags before the stream's first hop: no far end
                    y[k + 1 :] = 0.0
                sxy, syy, sxx = self._sxy, self._syy, self._sxx
                sxy *= 1.0 - a
                sxy += np.conj(y, out=y) * (a * x)
                syy *= 1.0 - a
                syy += a * (y.real * y.real + y.imag * y.imag)
                sxx *= 1.0 - a
                sxx += a * (x.real * x.real + x.imag * x.imag)
                self.runs += 1
                # the estimate is refreshed every _COH_EVERY runs (fixed run indices)
                if self.runs >= self._min_runs and self.runs % _COH_EVERY == 0:
                    sxy = self._sxy
                    num = sxy.real * sxy.real + sxy.imag * sxy.imag
                    den = self._syy * self._sxx
                    coh = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
                    self.value = float(coh.mean(axis=1).max())
            out.append(self.value)
        self._k = k0 + n
        return np.array(out, np.float32)


@fast_init
@dataclass(frozen=True)
class EchoHops:
    """Per-hop output of :meth:`EchoCanceller.process`.

    Attributes
    ----------
    state : np.ndarray, shape (n_hops,), int8
        Index into :data:`ECHO_STATES` after each hop.
    mic_db, out_db : np.ndarray, shape (n_hops,), float32
        Level of the microphone hop before and after cancellation, dBFS (both delayed by
        :data:`AEC_LATENCY_SAMPLES`, i.e. aligned with the output).
    hold : np.ndarray, shape (n_hops * 160,), float32, or None
        The double-talk hold's signal (speexdsp's milder canceller, aligned with the output),
        which may only hold the agent's speech on the :attr:`level_gate` 0 hops; None
        without the hold (``[echo] double_talk_hold = false``, pyaec missing, or rows read
        back from a cache).
    linear_db : np.ndarray, shape (n_hops,), float32, or None
        Level of the linear check's output (speexdsp's adaptive filter alone, aligned with
        the output), dBFS, on the hops where it ran (echo not yet cancelled, the far end
        speaking or just stopped); NaN elsewhere; None without it (``[echo]
        linear_check_db = 0``, pyaec missing, or a cache written before it).
    linear_ref_db : np.ndarray, shape (n_hops,), float32, or None
        Level of the microphone as the linear check's filter receives it (after speexdsp's DC
        notch, :class:`_DcNotch`; aligned with the output), dBFS, where it ran; NaN
        elsewhere; None without it (as :attr:`linear_db`).
    coherence : np.ndarray, shape (n_hops,), float32, or None
        The microphone's coherence with the far end at the best echo lag (0 to 1; see
        ``[echo] coherence_smooth_s``): estimated where the linear check runs, held between,
        NaN until known; None when off (``coherence_smooth_s = 0``, or a cache written
        before it).
    far_since : np.ndarray, shape (n_hops,), int32, or None
        Hops since the far end was last active (0: active at this hop; capped at 2**30),
        what the speaker-level gate's steady-background widening reads (a leak of the far
        end into the microphone follows it by up to a few hundred ms); None when not known
        (rows read back from tracks).
    """

    state: np.ndarray
    mic_db: np.ndarray
    out_db: np.ndarray
    hold: np.ndarray | None = None
    linear_db: np.ndarray | None = None
    linear_ref_db: np.ndarray | None = None
    coherence: np.ndarray | None = None
    far_since: np.ndarray | None = None

    @property
    def linear_drop_db(self) -> np.ndarray | None:
        """How much the linear check's filter lowered each hop, dB (:attr:`linear_ref_db`
        minus :attr:`linear_db`), shape (n_hops,), float32; NaN where it did not run, None
        without it."""
        if self.linear_db is None or self.linear_ref_db is None:
            return None
        return self.linear_ref_db - self.linear_db

    @property
    def cleaned(self) -> np.ndarray:
        """Hops whose signal is the canceller's output (converging or converged), shape
        (n_hops,), bool; elsewhere the microphone is passed through."""
        return _CLEANED[self.state]

    @property
    def level_gate(self) -> np.ndarray:
        """The agent's speaker-level gate per hop (see
        :meth:`voicecoach.analysis.vad.SpeakerLevelGate.process`), shape (n_hops,), int8: no
        gate on the canceller's output (its suppressor lowers the agent's voice in double
        talk), gate without learning where uncancelled echo may be present, gate and learn
        elsewhere."""
        return _LEVEL_GATE[self.state]

    @property
    def cancelled(self) -> np.ndarray:
        """Hops whose microphone signal holds no uncancelled echo (bypassed, no echo or
        converged), shape (n_hops,), bool."""
        return _CANCELLED[self.state]


@dataclass(frozen=True)
class EchoStatus:
    """The canceller's state for a display or a report.

    Attributes
    ----------
    state : str
        One of :data:`ECHO_STATES`.
    erle_db : float or None
        Smoothed echo return loss enhancement, dB (None before any echo hop).
    delay_s : float or None
        Estimated echo path delay (microphone copy behind the far end), s.
    far_active_s : float
        Far-end-active time seen so far, s.
    """

    state: str
    erle_db: float | None
    delay_s: float | None
    far_active_s: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (rounded).

        Returns
        -------
        dict
            ``state`` (str), ``erle_db`` (dB, 0.1, or None), ``delay_s`` (s, 1 ms, or None)
            and ``far_active_s`` (s, 10 ms).
        """
        return {
            "state": self.state,
            "erle_db": None if self.erle_db is None else round(self.erle_db, 1),
            "delay_s": None if self.delay_s is None else round(self.delay_s, 3),
            "far_active_s": round(self.far_active_s, 2),
        }


def _pcm16(x: np.ndarray) -> np.ndarray:
    """Float samples (full scale 1.0) to int16, rounded and clipped (in place, by the
    ufuncs: ``np.clip``'s Python wrapper costs more than the work on a 10 ms hop)."""
    y = np.rint(x * 32768.0)
    np.maximum(y, -32768.0, out=y)
    return np.minimum(y, 32767.0, out=y).astype(np.int16)


class _Delay:
    """A fixed delay line of ``n`` samples over a stream of blocks."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reset()

    def reset(self) -> None:
        self._buf = np.zeros(self.n, np.float32)

    def process(self, x: np.ndarray) -> np.ndarray:
        y = np.concatenate((self._buf, x))
        # the line's state: a view of this block's own array, copied only out of a long
        # block (never written to: each block replaces it)
        tail = y[len(x) :]
        self._buf = tail.copy() if y.shape[0] > 4096 else tail
        return y[: len(x)]

    def skip(self, x: np.ndarray) -> None:
        """:meth:`process` whose output is not wanted: only the line's state moves on."""
        if len(x) >= self.n:
            self._buf = np.array(x[len(x) - self.n :], np.float32)
        else:  # a short (or empty) block: the line keeps what it had, shifted by len(x)
            self._buf = np.concatenate((self._buf[len(x) :], np.asarray(x, np.float32)))


def _lfilter_zi(b: np.ndarray, a: np.ndarray, x: np.ndarray, axis: int,
                zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.signal import lfilter

    return lfilter(b, a, x, axis=axis, zi=zi)


# scipy's direct-form filter without lfilter's Python wrapper: ``lfilter(b, a, x, zi=zi)``
# of 1-D float64 arrays with ``len(a) > 1`` hands these very arguments to it (on a 10 ms
# hop the wrapper costs more than the filter)
try:
    from scipy.signal._sigtools import _linear_filter
except ImportError:  # pragma: no cover - another scipy layout
    _linear_filter = _lfilter_zi


class _DcNotch:
    """speexdsp's DC notch on the microphone (``filter_dc_notch16`` of ``mdf.c``, float
    build) at the radius of its default settings (0.9: ``pyaec`` never sets the canceller's
    sampling rate), ``H(z) = r (1 - z^-1)^2 / (1 - 2 r z^-1 + d z^-2)``, ``d = r^2 +
    0.7 (1 - r)^2``: a high-pass near 300 Hz at 16 kHz. Run on the same hops as the linear
    check's canceller, so its state advances with the canceller's own notch."""

    def __init__(self, radius: float = 0.9) -> None:
        r = radius
        self._b = r * np.array([1.0, -2.0, 1.0])
        self._a = np.array([1.0, -2.0 * r, r * r + 0.7 * (1.0 - r) ** 2])
        self.reset()

    def reset(self) -> None:
        self._zi = np.zeros(2)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter a float64 block (the state carried over)."""
        y, self._zi = _linear_filter(self._b, self._a, x, -1, self._zi)
        return y


class _Apm:
    """livekit's ``AudioProcessingModule`` (echo cancellation only) on fixed 10 ms buffers.

    :meth:`hop` gives AEC3 a far-end hop (``process_reverse_stream``), then cleans a
    microphone hop (``process_stream``) in place. The public methods build, serialise and
    parse a protobuf message and wrap the data in a new ``AudioFrame`` per call; here both
    requests point at two buffers that never move, so they are serialised once and sent
    as they are (the same native calls on the same samples: the output is identical). A
    response other than the empty success reply is parsed for its error. When livekit's
    internals differ from what this expects, the public methods are used.

    Parameters
    ----------
    rtc : module
        ``livekit.rtc``.
    sample_rate, hop_size : int
        16000 and 160.
    """

    def __init__(self, rtc: Any, sample_rate: int, hop_size: int) -> None:
        self._rtc = rtc
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        self.apm = rtc.AudioProcessingModule(echo_cancellation=True)
        self._far = bytearray(2 * hop_size)
        self._mic = bytearray(2 * hop_size)
        self.far = np.frombuffer(self._far, np.int16)  # write the far-end hop here
        self.mic = np.frombuffer(self._mic, np.int16)  # the microphone hop, cleaned in place
        self._fast = None
        try:
            self._fast = self._prepare()
        except Exception:  # another livekit layout: the public path below
            self._fast = None

    def _prepare(self) -> tuple[Any, ...]:
        import ctypes

        from livekit.rtc._ffi_client import FfiClient
        from livekit.rtc._proto import ffi_pb2
        from livekit.rtc._utils import get_address

        lib = FfiClient.instance._ffi_lib
        handle = self.apm._ffi_handle.handle
        reqs = []
        for name, buf in (("apm_process_reverse_stream", self._far),
                          ("apm_process_stream", self._mic)):
            req = ffi_pb2.FfiRequest()
            r = getattr(req, name)
            r.apm_handle = handle
            r.data_ptr = get_address(buf)
            r.size = len(buf)
            r.sample_rate = self.sample_rate
            r.num_channels = 1
            data = req.SerializeToString()
            reqs.append(((ctypes.c_ubyte * len(data)).from_buffer_copy(data), len(data)))
            ok = ffi_pb2.FfiResponse()
            getattr(ok, name).SetInParent()
            reqs.append(ok.SerializeToString())
        resp_ptr = ctypes.POINTER(ctypes.c_ubyte)()
        resp_len = ctypes.c_size_t()
        return (lib.livekit_ffi_request, lib.livekit_ffi_drop_handle, ctypes.string_at,
                resp_ptr, resp_len, ctypes.byref(resp_ptr), ctypes.byref(resp_len), *reqs)

    def hop(self) -> None:
        """Feed :attr:`far` as the reference, then clean :attr:`mic` in place."""
        if self._fast is None:
            rate, h = self.sample_rate, self.hop_size
            self.apm.process_reverse_stream(self._rtc.AudioFrame(bytes(self._far), rate, 1, h))
            frame = self._rtc.AudioFrame(self._mic, rate, 1, h)
            self.apm.process_stream(frame)
            if frame.data.obj is not self._mic:  # pragma: no cover - a copy was cleaned
                self.mic[:] = np.frombuffer(frame.data, np.int16)
            return
        request, drop, string_at, ptr, length, p_ptr, p_len, rev, rev_ok, fwd, fwd_ok = \
            self._fast
        # the two requests in turn (written out: no loop over them)
        handle = request(rev[0], rev[1], p_ptr, p_len)
        resp = string_at(ptr, length.value)
        drop(handle)
        if resp != rev_ok:
            self._check(resp, "apm_process_reverse_stream")
        handle = request(fwd[0], fwd[1], p_ptr, p_len)
        resp = string_at(ptr, length.value)
        drop(handle)
        if resp != fwd_ok:
            self._check(resp, "apm_process_stream")

    @staticmethod
    def _check(resp: bytes, name: str) -> None:
        """Raise the error of a response other than the empty success reply."""
        from livekit.rtc._proto import ffi_pb2

        msg = ffi_pb2.FfiResponse()
        msg.ParseFromString(resp)
        err = getattr(msg, name).error
        if err:
            raise RuntimeError(err)


class EchoCanceller:
    """WebRTC AEC3 on the agent microphone, hop by hop, with a state estimate.

    Parameters
    ----------
    config : EchoConfig
        Section ``[echo]``.
    noise_floor : NoiseFloorConfig
        The analysis core's noise-floor settings (for the far-end activity and echo tests).
    delay_estimator : object
        An object with ``step(...)``, ``reset()``, ``best_corr`` and ``delay_s`` like
        :class:`voicecoach.conversation.bleed.BleedGate`, fed the raw microphone and far-end
        levels (hop by hop, far-end activity as its speech flag): it tells whether the
        microphone carries a copy of the far end, and the echo path delay.
    sample_rate : int
        16000.
    hop_size : int
        160 samples (10 ms).

    Raises
    ------
    EchoCancellerUnavailableError
        When livekit is not installed.

    Warns
    -----
    EchoCancellerUnavailable
        When ``[echo] double_talk_hold`` is on but pyaec is missing: AEC3 runs alone
        (:attr:`hold_note` says why).
    """

    def __init__(
        self,
        config: EchoConfig,
        noise_floor: NoiseFloorConfig,
        *,
        delay_estimator: Any,
        sample_rate: int = 16000,
        hop_size: int = 160,
    ) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        self.hop_s = hop_size / sample_rate
        self._rtc = _load_apm()
        self._floor_cfg = noise_floor
        self._bypass_hops = max(1, round(config.bypass_after_s / self.hop_s))
        self._no_echo_hops = max(0, round(config.no_echo_min_far_s / self.hop_s))
        self._linear_far_hops = round(config.echo_linear_max_far_s / self.hop_s)
        self._linear_alpha = min(1.0, self.hop_s / max(config.echo_linear_smooth_s, self.hop_s))
        self._alpha = min(1.0, self.hop_s / max(config.erle_smooth_s, self.hop_s))
        self._tail_hops = round(config.double_talk_tail_s / self.hop_s)
        # far_active_db as a float32 level array's comparison sees it (rounded to float32)
        self._far_active_db32 = float(np.float32(config.far_active_db))
        self._estimator = delay_estimator
        self._hold: _SpeexHold | None = None
        #: Why the double-talk hold is off although configured (None when on or not asked).
        self.hold_note: str | None = None
        if config.double_talk_hold:
            try:
                self._hold = _SpeexHold(
                    max(hop_size, round(config.double_talk_filter_s * sample_rate)),
                    sample_rate, hop_size,
                )
            except EchoCancellerUnavailableError as exc:
                self.hold_note = (
                    f"{exc}. Without it the agent's speech in double talk over a loud echo "
                    f"is partly lost (AEC3's suppressor alone)"
                )
                warnings.warn(self.hold_note, EchoCancellerUnavailable, stacklevel=3)
        self._linear: _SpeexHold | None = None
        self._notch = _DcNotch()
        #: Why the linear check is off although configured (None when on or not asked).
        self.linear_note: str | None = None
        if config.linear_check_db > 0:
            try:
                self._linear = _SpeexHold(
                    max(hop_size, round(config.double_talk_filter_s * sample_rate)),
                    sample_rate, hop_size, preprocess=False)
            except EchoCancellerUnavailableError as exc:
                self.linear_note = (
                    f"{exc}. Without it the linear check is off: more of a loudspeaker's echo "
                    f"may be taken for the agent in a call's first seconds"
                )
                if self.hold_note is None:  # one warning for the one missing library
                    warnings.warn(self.linear_note, EchoCancellerUnavailable, stacklevel=3)
        self._coh: _Coherence | None = None
        if config.coherence_smooth_s > 0:
            # the echo path's lags: the delay estimator's range (the bleed gate's)
            lags = getattr(delay_estimator, "max_lag", round(0.6 / self.hop_s))
            self._coh = _Coherence(sample_rate, hop_size, int(lags), config.coherence_smooth_s,
                                   config.coherence_min_s)
        self._coh_far_hops = round(config.coherence_max_far_s / self.hop_s)
        # the coherence's band in which it latches echo (None: it does not; see process)
        self._coh_latch = ((config.echo_coherence_min, config.echo_coherence_max,
                            round(config.echo_coherence_min_s / self.hop_s))
                           if self._coh is not None and config.echo_coherence_min > 0 else None)
        self.reset()

    @property
    def linear_enabled(self) -> bool:
        """Whether the linear check's filter runs (``[echo] linear_check_db`` > 0, pyaec)."""
        return self._linear is not None

    @property
    def hold_enabled(self) -> bool:
        """Whether the double-talk hold's canceller runs (see the module notes)."""
        return self._hold is not None

    @property
    def latency_s(self) -> float:
        """Delay the canceller adds to both parties, s (8 ms at 16 kHz)."""
        return AEC_LATENCY_SAMPLES / self.sample_rate

    def reset(self) -> None:
        """Return to the just-constructed state (a new canceller instance)."""
        self._apm = _Apm(self._rtc, self.sample_rate, self.hop_size)
        if self._hold is not None:
            self._hold.reset()
        if self._linear is not None:
            self._linear.reset()
        if self._coh is not None:
            self._coh.reset()
        self._coh_done = False  # the coherence's far-end time is over: its value holds
        self._notch.reset()
        self._notch_delay = _Delay(AEC_LATENCY_SAMPLES)
        self._mic_delay = _Delay(AEC_LATENCY_SAMPLES)
        self._far_delay = _Delay(AEC_LATENCY_SAMPLES)
        self._floor_mic = NoiseFloor(self._floor_cfg, self.hop_s)
        self._floor_far = NoiseFloor(self._floor_cfg, self.hop_s)
        # the same from the lowest floor, not the first hop, for the bypass only: a call (or a
        # live session) that starts while the customer speaks would otherwise take that speech
        # for the far end's floor and the far end for silent (bypassed: its echo credited to
        # the agent) until its first pause
        self._floor_far_low = NoiseFloor(self._floor_cfg, self.hop_s,
                                         initial_db=self._floor_cfg.min_db)
        self._since_far = 10**9  # hops since the far end was last active
        self._far_hops = 0
        self._erle = math.nan
        self._gain = math.nan  # smoothed output minus input level on echo hops, dB
        self._converged = False  # latched while echo is present, unless AEC3 diverges
        # share of the evidence hops (far end active, microphone over its floor) that the
        # linear check's filter lowered by echo_linear_db or more, averaged like the ERLE
        self._linear_share = 0.0
        # the microphone carries the far end: None until the detector's estimate is over
        # echo_corr_on (then True for the call) or under echo_corr_off (False until then)
        self._echo: bool | None = None
        self._state = _BYPASSED
        self._estimator.reset()

    @property
    def status(self) -> EchoStatus:
        """The state after the newest hop."""
        est = self._estimator
        return EchoStatus(
            state=ECHO_STATES[self._state],
            erle_db=None if self._erle != self._erle else self._erle,
            delay_s=est.delay_s if self._echo else None,  # None or False: no echo path
            far_active_s=self._far_hops * self.hop_s,
        )

    def delay_far(self, far: np.ndarray) -> np.ndarray:
        """Delay the far-end block by the canceller's latency (keeps the parties aligned).

        Call once per block, with the same far-end block as :meth:`process`.

        Parameters
        ----------
        far : np.ndarray, shape (n_samples,), float32
            The far-end block (normally n_hops * 160 samples at 16 kHz).

        Returns
        -------
        np.ndarray, shape (n_samples,), float32
            The far end delayed by :data:`AEC_LATENCY_SAMPLES` (128 samples, 8 ms): the
            delayed stream starts with that many zeros.
        """
        return self._far_delay.process(far)

    def process(self, mic: np.ndarray, far: np.ndarray) -> tuple[np.ndarray, EchoHops]:
        """Cancel the far end's echo in a block of the agent microphone.

        Parameters
        ----------
        mic, far : np.ndarray, shape (n_hops * 160,), float32
            The agent microphone and the far end at 16 kHz, full scale 1.0, same length.

        Returns
        -------
        cleaned : np.ndarray, shape (n_hops * 160,), float32
            The microphone with the echo removed (or passed through while bypassed),
            :data:`AEC_LATENCY_SAMPLES` late.
        hops : EchoHops
            The state and levels after each hop, and the double-talk hold's signal
            (:attr:`EchoHops.hold`).

        Notes
        -----
        The canceller is fed every hop whatever the state, so it has adapted by the time the
        far end is found in the microphone.
        """
        h = self.hop_size
        n = mic.shape[0] // h
        pcm = _pcm16(np.concatenate((mic, far)))  # both in one pass (elementwise)
        mic16, far16 = pcm[: n * h], pcm[n * h :]
        apm = self._apm
        far_buf, mic_buf, step = apm.far, apm.mic, apm.hop
        if n == 1:  # a live hop: no slices, its output converted from the buffer itself
            far_buf[:] = far16
            mic_buf[:] = mic16
            step()
            aec_f = mic_buf.astype(np.float32) / _FULL_SCALE
        else:
            aec = np.empty(n * h, np.int16)
            for i in range(n):
                sl = slice(i * h, (i + 1) * h)
                far_buf[:] = far16[sl]
                mic_buf[:] = mic16[sl]
                step()
                aec[sl] = mic_buf
            aec_f = aec.astype(np.float32) / _FULL_SCALE
        # (the delay line copies the block: a float32 column need not be made contiguous)
        raw = self._mic_delay.process(np.asarray(mic, np.float32))
        # levels of far, mic as received (the echo path's own delay), mic aligned with the
        # canceller's output, and that output: one call
        levels = hop_loudness_db(np.concatenate((far, mic, raw, aec_f)).reshape(4 * n, h))
        raw_db, aec_db = levels[2 * n : 3 * n], levels[3 * n :]
        c = self.config
        if n == 1:
            # a live hop's floors and far-end test on Python floats: the floors rounded to
            # float32 as their arrays store them, the difference rounded to float32 as the
            # float32 arrays compute it (exact: float64 holds a float32 difference's rounding
            # without double-rounding error), the threshold compared in float32 as there
            fd, md, rd, od = levels.tolist()
            ff = self._floor_far.process_one(fd)
            fl = self._floor_far_low.process_one(fd)
            hops = ((fd, ff, md, self._floor_mic.process_one(md), rd, od,
                     fd >= self._far_active_db32
                     and float(np.float32(fd - min(ff, fl))) >= _EXCESS_DB),)
        else:
            far_db, mic_db = levels[:n], levels[n : 2 * n]
            far_floor = self._floor_far.process(far_db)
            # the far end is heard (not silent: no bypass) over either floor
            heard = (far_db >= c.far_active_db) & (
                far_db - np.minimum(far_floor, self._floor_far_low.process(far_db))
                >= _EXCESS_DB)
            mic_floor = self._floor_mic.process(mic_db)
            hops = zip(far_db.tolist(), far_floor.tolist(), mic_db.tolist(), mic_floor.tolist(),
                       raw_db.tolist(), aec_db.tolist(), heard.tolist(), strict=True)
        states: list[int] = []
        hold_runs: list[bool] = []  # the hold's canceller runs (see below)
        linear_runs: list[bool] = []  # the linear check runs (see below)
        coh_runs: list[bool] = []  # the coherence is estimated (see below)
        since: list[int] = []  # hops since the far end was last active
        use_aec: list[bool] = []
        tail = self._tail_hops
        a = self._alpha
        est = self._estimator
        lin_f = self._linear
        # the share at which the linear evidence latches echo (inf: never)
        lin_share = (c.echo_linear_share if lin_f is not None and c.echo_linear_share > 0
                     else math.inf)
        lin_ev, lin_a = c.echo_linear_db, self._linear_alpha
        # the linear filter's output and its reference (the notched microphone), not delayed,
        # over the block: made at its first hop that runs, the microphone elsewhere
        lin_out = lin_ref = None
        # the coherence latches echo (echo_coherence_min): estimated hop by hop, in the loop,
        # until its far-end time is over (then its last value holds); else after the loop
        coh_latch = self._coh_latch
        corr_coh_min = c.echo_corr_coherence_min
        coh_hop = coh_latch is not None and not self._coh_done
        coh_out: list[float] = []
        for i, (fd, ff, md, mf, rd, od, hd) in enumerate(hops):
            active = fd >= c.far_active_db and fd - ff >= _EXCESS_DB
            est.step(md, mf, False, math.nan, fd, ff, active, math.nan)
            if active:
                self._since_far = 0
                self._far_hops += 1
                if md - mf >= _EXCESS_DB and rd > SILENCE_DB:
                    erle = min(max(rd - od, _ERLE_CLIP_DB[0]), _ERLE_CLIP_DB[1])
                    # both averages start from 0 dB: one hop is no evidence of convergence
                    e = 0.0 if self._erle != self._erle else self._erle
                    self._erle = e + a * (erle - e)
                    g = 0.0 if self._gain != self._gain else self._gain
                    self._gain = g + a * ((od - rd) - g)
            elif hd:
                self._since_far = 0  # heard, before its floor is known: echo may be present
            else:
                self._since_far += 1
            corr = est.best_corr
            # over the far end's first no_echo_min_far_s, a correlation with a coherence near
            # 0 is chance (two independent babbles), not a copy of the far end (NaN, unknown,
            # compares False: no veto); a real copy still correlates after that, chance fades
            if (corr >= c.echo_corr_on and not (
                    coh_latch is not None and self._far_hops < self._no_echo_hops
                    and self._coh.value < corr_coh_min)) or (
                    self._linear_share >= lin_share
                    and self._far_hops >= self._no_echo_hops) or (
                    coh_latch is not None and self._echo is None
                    and self._coh.runs >= coh_latch[2]
                    and coh_latch[0] <= self._coh.value < coh_latch[1]):
                # latched: an echo path stays for the call. The linear evidence counts after
                # no_echo_min_far_s, like the correlation's no: earlier, AEC3's suppressor
                # alone makes its ERLE and it would be "converged" before it is
                self._echo = True
            elif (corr < c.echo_corr_off and not self._echo  # NaN compares False
                  and self._far_hops >= self._no_echo_hops):
                self._echo = False
            if self._since_far >= self._bypass_hops:
                st = _BYPASSED
            elif self._echo is None:
                st = _DETECTING
            elif not self._echo:
                st = _NO_ECHO
            elif self._gain >= c.diverged_db:  # NaN compares False
                st = _DIVERGED
                self._converged = False
            elif self._converged or self._erle >= c.converged_erle_db:
                st = _CONVERGED
                self._converged = True
            else:
                st = _CONVERGING
            states.append(st)
            # the far end active within double_talk_tail_s: the double-talk hold's canceller
            # follows the echo wherever it may be present (from detecting to diverged) while
            # the far end speaks or its echo may ring on; the linear check runs where the
            # echo is not cancelled yet, while it may be present
            recent = self._since_far <= tail
            since.append(self._since_far if self._since_far < 2**30 else 2**30)
            hold_runs.append(recent and _HOLD_RUNS_T[st])
            check = recent and not _CANCELLED_T[st]
            linear_runs.append(check)
            coh_runs.append(check and active and self._far_hops <= self._coh_far_hops)
            if coh_hop:  # the estimate after this hop decides the next hop's state
                sl = slice(i * h, (i + 1) * h)
                coh_out.append(float(self._coh.process(mic[sl], far[sl], coh_runs[-1:])[0]))
                if self._far_hops > self._coh_far_hops:  # its value holds from here on
                    self._coh_done, coh_hop = True, False
            use_aec.append(_CLEANED_T[st])
            # the linear check's filter, hop by hop (its evidence decides the next hop's
            # state): where its drop is reported (check) and, gathering evidence only, while
            # no echo is concluded, until echo_linear_max_far_s of far-end activity
            if lin_f is not None and (check or (
                    recent and st == _NO_ECHO and self._far_hops <= self._linear_far_hops)):
                if lin_out is None:
                    lin_out = mic16.astype(np.float32) / _FULL_SCALE
                    lin_ref = lin_out.copy()
                sl = slice(i * h, (i + 1) * h)
                lin_out[sl] = lin_f.hop(mic16[sl], far16[sl])
                lin_out[sl] /= _FULL_SCALE
                lin_ref[sl] = self._notch.process(lin_ref[sl].astype(np.float64))
                if (lin_share < math.inf and active and md - mf >= _EXCESS_DB
                        and not self._echo):  # evidence for the next hops' state (above)
                    lo, lr = hop_loudness_db(np.stack((lin_out[sl], lin_ref[sl]))).tolist()
                    ev = 1.0 if lr - lo >= lin_ev else 0.0
                    self._linear_share += lin_a * (ev - self._linear_share)
        self._state = states[-1] if n else self._state
        hold = None
        linear_db = linear_ref_db = None
        # the block's last microphone samples as the speexdsp cancellers' delay lines keep
        # them where they did not run (made when a line only moves on)
        mic_tail = None
        if self._hold is not None:
            if n and not any(hold_runs) and not any(use_aec):
                # its signal would be the output's on every hop (below): only its delay line
                # moves on
                mic_tail = mic16[n * h - AEC_LATENCY_SAMPLES :].astype(np.float32) / _FULL_SCALE
                self._hold.skip(mic_tail)
            else:
                hold = self._hold.process(mic16, far16, hold_runs)
        if self._linear is not None:
            if lin_out is not None:
                # its output and the microphone as its filter receives it (through
                # speexdsp's DC notch on the same hops: the notch's state advances with the
                # canceller's), both delayed; reported where the check runs
                lin = self._linear.delay(lin_out)
                ref = self._notch_delay.process(lin_ref)
                levels = hop_loudness_db(np.concatenate((lin, ref)).reshape(2 * n, h))
                if all(linear_runs):
                    linear_db, linear_ref_db = levels[:n].copy(), levels[n:].copy()
                else:
                    runs = np.array(linear_runs, bool)
                    linear_db = np.where(runs, levels[:n], np.nan).astype(np.float32)
                    linear_ref_db = np.where(runs, levels[n:], np.nan).astype(np.float32)
            else:  # nothing to check (most hops of a call): only the delay lines move on
                # (both hold the microphone's last samples: the filter and the notch did
                # not run)
                if mic_tail is None:
                    mic_tail = (mic16[n * h - AEC_LATENCY_SAMPLES :].astype(np.float32)
                                / _FULL_SCALE)
                self._linear.skip(mic_tail)
                self._notch_delay.skip(mic_tail)
                linear_db = np.array([math.nan] * n, np.float32)
                linear_ref_db = linear_db.copy()
        # the microphone's coherence with the far end, where the linear check runs and the
        # far end is active (its pauses, and an agent talking over the far end's noise,
        # would dilute a copy's coherence), until coherence_max_far_s of far-end activity
        # (then the last estimate holds and nothing more is done)
        coh = None
        if coh_out:
            coh = np.array(coh_out + [self._coh.value] * (n - len(coh_out)), np.float32)
        elif self._coh is not None:
            if self._coh_done:
                coh = np.full(n, self._coh.value, np.float32)
            else:
                coh = self._coh.process(mic, far, coh_runs)
                self._coh_done = self._far_hops > self._coh_far_hops
        state_a = np.array(states, np.int8)
        if all(use_aec):
            out, out_db = aec_f, aec_db
        elif not any(use_aec):
            out, out_db = raw, raw_db
        else:
            out = np.where(np.repeat(use_aec, h), aec_f, raw)
            out_db = np.where(use_aec, aec_db, raw_db).astype(np.float32)
        if self._hold is not None and not all(use_aec):
            # the signal itself where the canceller's output is not used (a live hop's one
            # hop: all of it)
            hold = (out.copy() if hold is None or n == 1
                    else np.where(np.repeat(use_aec, h), hold, out))
        return out, EchoHops(state_a, raw_db, out_db, hold, linear_db, linear_ref_db, coh,
                             np.array(since, np.int32))
