"""Mono calls with two voices, and stereo calls whose channels look swapped (issue #13).

A mono call is read twice. The first pass (:func:`scan`) runs the ordinary analysis and the
voice features (:class:`~voicecoach.conversation.diarize.VoiceFeatures`) over it;
:func:`~voicecoach.conversation.diarize.diarize` then decides whether it holds two voices
and attributes each stretch of speech to the agent or the customer (by the profile's voice
model, else by clustering, the agent named by ``[mono] agent``). The second pass feeds the
ordinary two-party pipeline a two-column signal made by :func:`split_block`: each column is
the mono signal with the other party's stretches turned down by ``[mono] other_party_db``.
The agent's pitch, pace, loudness, baseline and nudges therefore see the agent's stretches
only, and the conversation tracker's talk time and turn-taking come from the attribution.
Overlaps are not separated (each hop goes to one party): overlap and interruption figures
are withheld on a mono call.

:func:`channel_check` compares a stereo call's two channels with the profile's voice
model and notes when channel 1 fits it clearly better (the channels may be swapped).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis import Analyzer
from ..config import TELEPHONE_RATE_HZ, Config, mono_interruptions_on
from ..conversation.diarize import Diarization, VoiceFeatures, diarize, profile_match
from ..conversation.mono_overlap import interruption_events
from ..events import Event, Interruption
from ..i18n import number, texts

if TYPE_CHECKING:
    from ..baseline.profile import Profile
    from .calls import Call

__all__ = [
    "INTERRUPTIONS_NOTE",
    "OVERLAP_KINDS",
    "OVERLAP_NOTE",
    "MonoTracker",
    "apply_attribution",
    "attribute",
    "channel_check",
    "detected_interruptions",
    "hop_levels_db",
    "is_withheld",
    "mono_notes",
    "scan",
    "scan_arrays",
    "scan_levels",
    "split_block",
    "with_voice_model",
]

OVERLAP_NOTE = (
    "overlap detection unavailable in mono: each stretch of speech goes to one party, so "
    "overlaps, interruptions and turn-end overlaps are not measured"
)
INTERRUPTIONS_NOTE = (
    "interruptions estimated from one channel (where the attribution jumps from one voice "
    "to the other with overlap evidence; each event has a confidence; conservative: many "
    "interruptions are missed); overlaps and turn-end overlaps are not measured"
)


def scan(blocks: Iterable[np.ndarray], config: Config) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Analyse a mono signal for attribution.

    Parameters
    ----------
    blocks : iterable of np.ndarray, shape (n_hops * 160, 1) or (n_hops * 160,)
        16 kHz blocks of whole hops.
    config : Config

    Returns
    -------
    ceps : np.ndarray, shape (n_hops, n_ceps)
    speech : np.ndarray of bool, shape (n_hops,)
    f0_hz : np.ndarray, shape (n_hops,)
        NaN where unvoiced.
    """
    ceps, speech, f0, _ = scan_levels(blocks, config)
    return ceps, speech, f0


def hop_levels_db(x: np.ndarray, hop: int) -> np.ndarray:
    """Per-hop level of whole hops, dBFS (mean square; -120 for digital silence).

    Parameters
    ----------
    x : np.ndarray, shape (n_hops * hop,)
    hop : int

    Returns
    -------
    np.ndarray, shape (n_hops,)
    """
    x = np.asarray(x, np.float64).reshape(-1)
    n = x.size // hop
    return 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)


def scan_levels(blocks: Iterable[np.ndarray], config: Config) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`scan` and the per-hop level (:func:`hop_levels_db`, dBFS) as a fourth array.

    Parameters
    ----------
    blocks, config
        As :func:`scan`.

    Returns
    -------
    ceps, speech, f0_hz : np.ndarray
        As :func:`scan`.
    level_db : np.ndarray, shape (n_hops,)
        dBFS.
    """
    ceps, speech, f0, level, _ = scan_arrays(blocks, config)
    return ceps, speech, f0, level


def scan_arrays(blocks: Iterable[np.ndarray], config: Config) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`scan_levels` and the pitch tracker's per-hop aperiodicity as a fifth array.

    Parameters
    ----------
    blocks, config
        As :func:`scan`.

    Returns
    -------
    ceps, speech, f0_hz, level_db : np.ndarray
        As :func:`scan_levels`.
    aperiodicity : np.ndarray, shape (n_hops,)
        YIN's aperiodicity at the hop's best lag (0 perfectly periodic, about 1 noise):
        two voices at once are less periodic than one (the mono interruption detector's
        ``harm_*`` features).
    """
    an = Analyzer(1, config)
    vf = VoiceFeatures(config)
    hop = config.analysis.hop_size
    cs, sp, f0, lv, ap = [], [], [], [], []
    for b in blocks:
        x = np.asarray(b, np.float32).reshape(-1)
        (rows,) = an.process(x[:, None])
        cs.append(vf.process(x))
        sp.append(np.asarray(rows.speech, bool))
        f = np.asarray(rows.f0_hz, np.float64).copy()
        f[~np.asarray(rows.voiced, bool)] = np.nan
        f0.append(f)
        lv.append(hop_levels_db(x, hop))
        ap.append(np.asarray(rows.aperiodicity, np.float64))
    if not cs:
        return (np.zeros((0, config.mono.n_ceps), np.float32), np.zeros(0, bool), np.zeros(0),
                np.zeros(0), np.zeros(0))
    return (np.concatenate(cs), np.concatenate(sp), np.concatenate(f0), np.concatenate(lv),
            np.concatenate(ap))


def scan_mels(blocks: Iterable[np.ndarray], config: Config) -> np.ndarray:
    """The speaker encoder's mel frames of a mono channel, one per hop.

    Parameters
    ----------
    blocks, config
        As :func:`scan`.

    Returns
    -------
    np.ndarray, shape (n_hops, 40), float32
        :class:`voicecoach.conversation.embed.SpeakerMels` frames.
    """
    from ..conversation.embed import N_MELS, SpeakerMels

    sm = SpeakerMels(config)
    out = [sm.process(np.asarray(b, np.float32).reshape(-1)) for b in blocks]
    return np.concatenate(out) if out else np.zeros((0, N_MELS), np.float32)


def attribute(call: Call, config: Config, profile: Profile | None = None,
              source_rate_hz: float | None = None) -> Diarization:
    """First pass over a mono call: who speaks when.

    Parameters
    ----------
    call : Call
        ``kind == "mono"``.
    config : Config
    profile : Profile, optional
        Its ``voice`` model, when present, names the agent's stretches.
    source_rate_hz : float, optional
        The channel's source rate, Hz (:func:`voicecoach.review.calls.source_rates`):
        with ``[mono] interruptions = "auto"`` the interruption detector runs only above
        8000 Hz (:func:`voicecoach.config.mono_interruptions_on`). None: unknown (off
        under ``"auto"``).

    Returns
    -------
    Diarization
    """
    from .calls import iter_call_blocks

    ceps, speech, f0, level, aper = scan_arrays(iter_call_blocks(call, config), config)
    model = profile.voice if profile is not None else None
    # the speaker embeddings (clustering only): a second pass over the audio
    mels = (scan_mels(iter_call_blocks(call, config), config)
            if config.mono.embedding_weight > 0 else None)
    d = diarize(ceps, speech, f0, config, agent_model=model,
                agent_first=config.mono.agent == "first", mels=mels, level_db=level)
    if model is not None and not d.detected and d.speech_s >= config.mono.min_speech_s:
        # the profile's voice does not stand out. Under "two" (voices assumed) it still
        # names the agent (on the benchmark's calls its attribution beats the clustering's
        # even there), and the note says it fits weakly; under "detect": does clustering
        # find two voices? Then warn and attribute nothing
        if config.mono.voices == "two" and d.two_voices:
            d.profile_unfit = True
        else:
            d.unattributed = diarize(ceps, speech, f0, config, mels=mels,
                                     level_db=level).detected
    if (mono_interruptions_on(config.mono, source_rate_hz) and d.two_voices
            and d.agent is not None):
        d.interruptions = interruption_events(d.labels, ceps, level, d.agent, config,
                                               aperiodicity=aper)
    return d


def _hop_gains(labels: np.ndarray, party: int, other_gain: float, hop: int) -> np.ndarray:
    """Per-sample gain of one party's column: 1, and ``other_gain`` on the other party's
    hops (widened by one hop each side), with 10 ms ramps."""
    other = labels == 1 - party
    wide = other.copy()
    wide[1:] |= other[:-1]
    wide[:-1] |= other[1:]
    g = np.where(wide, other_gain, 1.0)
    return np.repeat(g, hop)


#: Hops of labels each side of a block that its gains depend on (one for the widening,
#: one for the half-hop ramp).
SPLIT_CONTEXT_HOPS = 2


def band_check(profile: Profile | None, agent_rate_hz: float | None, lang: str,
               line_references: bool = True) -> dict[str, Any] | None:
    """A note when the profile was calibrated on another band than the agent's channel.

    The same voice reads differently over a telephone line: on the benchmark voices the
    telephone copy moved the pitch median by 0 to +4 st (Praat alike) and a wideband profile
    drew about 40 % more prosody nudges on 8 kHz reviews of calm speech (README, *A wideband
    profile on a telephone recording*). A profile with telephone-band references
    (:attr:`Profile.telephone`) judges a telephone channel against those, and the note says
    so; otherwise the rules judge against the wideband references and the note warns.

    Parameters
    ----------
    profile : Profile or None
        Its ``calibration_rate_hz`` (None: unknown, no note).
    agent_rate_hz : float or None
        The agent channel's source rate, Hz (None: unknown, no note).
    lang : {"en", "fr"}
        Language of the note (the report's).
    line_references : bool
        ``[baseline] telephone_references``: whether a telephone channel is judged against
        the profile's telephone-band references when it has them.

    Returns
    -------
    dict or None
        ``{"profile_rate_hz", "call_rate_hz", "reference", "note"}`` when one side is
        telephone audio (at most :data:`~voicecoach.config.TELEPHONE_RATE_HZ`) and the
        other is not (``reference``: ``"telephone"`` when the call is judged against the
        profile's telephone-band references, ``"profile"`` otherwise); else None.
    """
    if profile is None or profile.calibration_rate_hz is None or agent_rate_hz is None:
        return None
    p_tel = profile.calibration_rate_hz <= TELEPHONE_RATE_HZ
    c_tel = agent_rate_hz <= TELEPHONE_RATE_HZ
    if p_tel == c_tel:
        return None
    tx = texts(lang).NOTES

    def khz(rate_hz: float) -> object:
        return number(rate_hz / 1000, lang)

    if c_tel and profile.telephone is not None and line_references:  # the line's references
        note = tx["band_line"].format(profile_khz=khz(profile.calibration_rate_hz),
                                      call_khz=khz(agent_rate_hz))
        return {"profile_rate_hz": profile.calibration_rate_hz, "call_rate_hz": agent_rate_hz,
                "reference": "telephone", "note": note}
    note = tx["band"].format(
        profile_band=tx["band_tel" if p_tel else "band_wide"],
        profile_khz=khz(profile.calibration_rate_hz),
        call_band=tx["band_tel" if c_tel else "band_wide"], call_khz=khz(agent_rate_hz),
    )
    return {"profile_rate_hz": profile.calibration_rate_hz, "call_rate_hz": agent_rate_hz,
            "reference": "profile", "note": note}


def mix_vad(config: Config) -> Any:
    """The Silero network that judges a mono call's mix for both of its split columns.

    Each split column (:func:`split_block`) keeps the other party's stretches at
    ``[mono] other_party_db``: quiet speech, which Silero v5 learns to treat as background
    and then misses the party's own speech for seconds (on a real 8 kHz call, 38 % of the
    agent's talk time survived). So the review runs one network on the mix itself and
    gives its probabilities to both columns (``vad_prob`` of
    :meth:`voicecoach.pipeline.CallAnalyzer.process`); each column's level conditions and
    speaker-level gate still decide whose speech it is.

    Parameters
    ----------
    config : Config

    Returns
    -------
    voicecoach.analysis.silero.SileroVad or None
        None for the webrtc backend, or when Silero cannot run (the columns then fall back
        as their own detectors do).
    """
    if config.vad.backend != "silero":
        return None
    from ..analysis.silero import SileroVad
    from ..errors import ParameterError

    try:
        return SileroVad()
    except ParameterError:  # onnxruntime or the model is missing: the analysers warn
        return None


def split_block(block: np.ndarray, labels: np.ndarray, agent: int, config: Config,
                first_hop: int | None = None) -> np.ndarray:
    """The two-column ``[agent, customer]`` block of a mono block.

    Parameters
    ----------
    block : np.ndarray, shape (n_hops * 160, 1)
    labels : np.ndarray of int8
        :attr:`Diarization.labels` (-1 no speech, 0/1 voices): of the whole call, shape
        (n_call_hops,), with ``first_hop``; else of these hops only, shape (n_hops,).
    agent : int
        The agent's voice (0 or 1).
    config : Config
    first_hop : int, optional
        Where the block starts in the call (hops). With it, the gains at the block's edges
        take the neighbouring hops' labels into account, so any cut of a call into blocks
        gives the same two columns as the whole call in one block; hops past the labels'
        end are no speech. Without it the block is a call of its own (its edges keep their
        gain).

    Returns
    -------
    np.ndarray, shape (n_hops * 160, 2), float32
    """
    hop = config.analysis.hop_size
    x = np.asarray(block, np.float32).reshape(-1)
    n = x.size // hop
    lab = np.asarray(labels)
    before = 0
    if first_hop is not None:
        lo = max(0, first_hop - SPLIT_CONTEXT_HOPS)
        hi = max(first_hop + n, min(lab.size, first_hop + n + SPLIT_CONTEXT_HOPS))
        lab = lab[lo:hi]
        lab = np.pad(lab, (0, hi - lo - lab.size), constant_values=-1)
        before = first_hop - lo
    g = 10 ** (config.mono.other_party_db / 20)
    ga = _hop_gains(lab, agent, g, hop)
    gc = _hop_gains(lab, 1 - agent, g, hop)
    k = np.ones(hop) / hop  # 10 ms ramps (the call's edges keep their gain)
    h = hop // 2
    a = h + before * hop
    ga = np.convolve(np.pad(ga, h, mode="edge"), k, mode="same")[a : a + x.size]
    gc = np.convolve(np.pad(gc, h, mode="edge"), k, mode="same")[a : a + x.size]
    return np.column_stack([x * ga, x * gc]).astype(np.float32)


#: Event kinds a mono call cannot measure (each hop goes to one party).
OVERLAP_KINDS = frozenset({"overlap", "interruption", "turn_end_overlap"})


def _withheld(key: str) -> bool:
    # backchannels too: most are said over the other's speech, which one channel cannot
    # separate, so a count would be a floor shown as a figure (0 on the demo call, 3 true)
    return "overlap" in key or "interrupt" in key or "backchannel" in key


def apply_attribution(summary: dict[str, Any],
                      interruptions: list[Interruption] | None = None) -> dict[str, Any]:
    """Withhold the overlap figures of a mono call's summary (in place): overlaps,
    interruptions, turn-end overlaps and backchannels, per party and for the conversation,
    become None.

    With ``interruptions`` (the mono detector's events, ``[mono] interruptions`` on), the
    interruption counts (``interruptions_made``, ``interrupted``, ``interruptions``) come
    from them instead, and ``conversation.interruptions_note`` says how they were found.

    Parameters
    ----------
    summary : dict
        :meth:`CallAnalyzer.summary` of the call; changed in place.
    interruptions : list of Interruption, optional

    Returns
    -------
    dict
        ``summary`` itself.
    """
    for part in ("agent", "customer"):
        d = summary.get(part)
        if isinstance(d, dict):
            for k in list(d):
                if _withheld(k):
                    d[k] = None
            if interruptions is not None:
                d["interruptions_made"] = sum(e.by == part for e in interruptions)
                d["interrupted"] = sum(e.of == part for e in interruptions)
    conv = summary.get("conversation")
    if isinstance(conv, dict):
        for k in list(conv):
            if _withheld(k):
                conv[k] = None
        conv["overlap_available"] = False
        conv["overlap_note"] = OVERLAP_NOTE if interruptions is None else INTERRUPTIONS_NOTE
        if interruptions is not None:
            conv["interruptions"] = len(interruptions)
        conv.pop("echo", None)
    return summary


def is_withheld(ev: Event) -> bool:
    """Whether a mono call's review drops this event: an overlap, interruption or turn-end
    overlap of the two-column tracker (the mono detector's interruptions carry a
    ``confidence`` and are kept).

    Parameters
    ----------
    ev : Event

    Returns
    -------
    bool
    """
    return ev.kind in OVERLAP_KINDS and getattr(ev, "confidence", None) is None


def detected_interruptions(events: list[dict[str, Any]]) -> list[Interruption] | None:
    """The mono detector's interruptions of a reviewed call's report events (None when the
    report holds none: the detector was off, or the call is not a split mono call).

    Parameters
    ----------
    events : list of dict
        The report's ``events``.

    Returns
    -------
    list of Interruption or None
    """
    from ..events import event_from_dict

    out = [event_from_dict(e) for e in events
           if e.get("kind") == "interruption" and e.get("confidence") is not None]
    return [e for e in out if isinstance(e, Interruption)] or None


class MonoTracker:
    """The conversation tracker of a mono call's second pass, with its overlap events
    replaced by the mono detector's interruptions.

    The tracker sees the two columns of :func:`split_block`, where each hop belongs to one
    party: its overlap, interruption and turn-end overlap events are dropped, and its
    response gaps where a detected interruption's interrupter took over (a jump-in that
    was an interruption; the two-channel tracker makes no response gap of an interruption)
    too. The detector's events are released in the block whose hops reach their
    ``decided_s``, so the coach's ``interrupting`` rule sees them as on a stereo call.

    Parameters
    ----------
    inner : ConversationTracker
    interruptions : list of Interruption
        :func:`~voicecoach.conversation.mono_overlap.interruption_events`.
    hop_s : float
        Hop duration, s.
    """

    def __init__(self, inner: Any, interruptions: list[Interruption], hop_s: float) -> None:
        self.inner = inner
        self.interruptions = sorted(interruptions, key=lambda e: e.decided_s)
        self._pending = list(self.interruptions)
        self.hop_s = hop_s

    def _keep(self, ev: Event) -> bool:
        if ev.kind in OVERLAP_KINDS:
            return False
        if ev.kind == "response_gap":
            party, after = getattr(ev, "party", None), getattr(ev, "after", None)
            t = ev.end_s if ev.end_s is not None else ev.start_s
            # the detector may put B's onset up to 0.4 s after the jump (the attribution
            # handed A's last syllables to B): the jump-in is still that interruption
            return not any(i.by == party and i.of == after
                           and i.start_s - 0.5 <= t <= (i.end_s or i.start_s) + 0.3
                           for i in self.interruptions)
        return True

    def process(self, agent: Any, customer: Any, *, cancelled: np.ndarray | None = None,
                echo_drop: np.ndarray | None = None, mic_db: np.ndarray | None = None,
                coherence: np.ndarray | None = None) -> list[Event]:
        """:meth:`ConversationTracker.process`, filtered, plus the interruptions due.

        Parameters
        ----------
        agent, customer : Features
            The two columns of :func:`split_block`, equal rows.
        cancelled, echo_drop, mic_db, coherence : np.ndarray, shape (n_hops,), optional
            As :meth:`ConversationTracker.process`.

        Returns
        -------
        list of Event
            The tracker's kept events, then the detected interruptions whose ``decided_s``
            falls before the end of this block.
        """
        kw = {} if mic_db is None else {"mic_db": mic_db}
        if coherence is not None:
            kw["coherence"] = coherence
        out = [e for e in self.inner.process(agent, customer, cancelled=cancelled,
                                             echo_drop=echo_drop, **kw)
               if self._keep(e)]
        if len(agent):
            t_end = float(agent.t_s[-1]) + self.hop_s
            while self._pending and self._pending[0].decided_s < t_end:
                out.append(self._pending.pop(0))
        return out

    def finish(self) -> list[Event]:
        """:meth:`ConversationTracker.finish`, filtered, plus the interruptions left.

        Returns
        -------
        list of Event
        """
        out = [e for e in self.inner.finish() if self._keep(e)]
        out.extend(self._pending)
        self._pending = []
        return out

    def reset(self) -> None:
        """Reset the tracker; the interruptions are released again."""
        self.inner.reset()
        self._pending = list(self.interruptions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def mono_notes(d: Diarization, profile: Profile | None, config: Config,
               lang: str = "en", source_rate_hz: float | None = None) -> dict[str, Any]:
    """The report's ``mono`` section and its one-line note.

    Parameters
    ----------
    d : Diarization
        The first pass's attribution.
    profile : Profile or None
        The agent's profile, if any (says whether it has a voice model).
    config : Config
    lang : {"en", "fr"}
        Language of the note (the report's).
    source_rate_hz : float, optional
        The channel's source rate, Hz, as given to :func:`attribute`: under ``[mono]
        interruptions = "auto"`` the note says when telephone-band audio kept the
        interruption detector off.

    Returns
    -------
    dict
        :meth:`Diarization.to_dict`, the stretches, ``note`` and, with the mono interruption
        detector, ``interruptions`` (their count).
    """
    from ..i18n import texts

    tx = texts(lang).NOTES
    out = d.to_dict()
    out["stretches"] = d.stretches
    has_model = profile is not None and profile.voice is not None
    if not d.two_voices:
        if d.speech_s < config.mono.min_speech_s:
            found = tx["too_little"].format(speech=d.speech_s, need=config.mono.min_speech_s)
        else:
            found = tx["one_voice"]
        out["note"] = tx["mono_alone"].format(found=found)
        if found == tx["one_voice"] and config.mono.voices == "detect":
            out["note"] += tx["mixed_hint"]
        if d.unattributed:
            out["note"] = tx["unattributed"]
        if profile is not None and not has_model:
            out["note"] += tx["no_model"]
        return out
    if d.agent is None:
        out["note"] = tx["not_attributed"]
        return out
    if d.method == "profile":
        how = tx["by_profile"] + (tx["profile_weak"] if d.profile_unfit else "")
    else:
        unsure = ""
        if not d.first_sure and d.first_confidence is not None:
            first_s = config.mono.first_speech_s
            unsure = tx["unsure_one" if first_s == 1 else "unsure"].format(
                pct=number(100 * d.first_confidence, lang), first=number(first_s, lang))
        how = tx["by_clustering"].format(
            name=tx["voice_first"] if d.agent == 0 else tx["voice_second"],
            no_model="" if profile is None else tx["no_model_short"],
            unsure=unsure,
            alt="second" if d.agent == 0 else "first",
        )
    overlap = tx["overlap"] if d.interruptions is None else tx["interruptions"]
    if (d.interruptions is None and config.mono.interruptions == "auto"
            and not mono_interruptions_on(config.mono, source_rate_hz)):
        overlap += tx["overlap_band"]
    out["note"] = tx["two_voices" if d.detected else "two_voices_assumed"].format(
        how=how, overlap=overlap)
    if d.interruptions is not None:
        out["interruptions"] = len(d.interruptions)
    return out


def channel_check(call: Call, config: Config, profile: Profile | None,
                  lang: str = "en") -> dict[str, Any] | None:
    """Compare a stereo call's channels with the profile's voice model.

    Parameters
    ----------
    call : Call
    config : Config
        ``[mono] swap_check_s`` seconds are read.
    profile : Profile or None
    lang : {"en", "fr"}
        Language of the note (the report's).

    Returns
    -------
    dict or None
        ``{"fit": [ch0, ch1], "swapped": bool, "note": str or None}`` (fit in nats per
        hop, see :func:`~voicecoach.conversation.diarize.profile_match`); None without a
        profile voice model or for other kinds of call.
    """
    if call.kind != "stereo" or profile is None or profile.voice is None:
        return None
    from ..io import iter_hops

    budget = round(config.mono.swap_check_s / config.analysis.hop_s)
    cols: list[list[np.ndarray]] = [[], []]
    n = 0
    for b in iter_hops(call.paths[0], [0, 1], config):
        cols[0].append(b[:, 0])
        cols[1].append(b[:, 1])
        n += b.shape[0] // config.analysis.hop_size
        if n >= budget:
            break
    ceps, speech = [], []
    for ch in (0, 1):
        c, s, _ = scan([np.concatenate(cols[ch]) if cols[ch] else np.zeros(0)], config)
        ceps.append(c)
        speech.append(s)
    fit = profile_match(ceps, speech, profile.voice, config)
    a = call.agent_channel
    swapped = (fit[0] is not None and fit[1] is not None
               and fit[1 - a] - fit[a] >= config.mono.swap_margin)
    note = None
    if swapped:
        from ..i18n import texts

        note = texts(lang).NOTES["swapped"].format(other=1 - a, agent=a)
    return {"fit": [None if v is None else round(v, 4) for v in fit], "swapped": bool(swapped),
            "note": note}


def with_voice_model(profile: Profile | None, name_or_path: str | None, config: Config,
                     directory: str | None = None) -> Profile | None:
    """The profile, given a voice model from its kept calibration audio when it has none.

    Profiles calibrated before voice models were stored lack one; when the calibration
    recording was kept beside the profile (``NAME.wav`` or ``NAME.flac``), the voice model
    is computed from it (:func:`~voicecoach.conversation.diarize.voice_model`).

    Parameters
    ----------
    profile : Profile or None
    name_or_path : str or None
        What ``--profile`` gave: a stored name or a ``.toml`` path.
    config : Config
    directory : str, optional
        The profile store (``--profiles-dir``).

    Returns
    -------
    Profile or None
        ``profile`` itself when it has a voice model, no audio was kept, or the audio holds
        too little speech.
    """
    if profile is None or profile.voice is not None or not name_or_path:
        return profile
    import os
    from pathlib import Path

    from ..conversation.diarize import voice_model
    from ..errors import VoiceCoachError
    from ..io import iter_hops
    from ..profiles import CALIBRATION_AUDIO, ProfileStore

    s = os.fspath(name_or_path)
    if s.endswith(".toml") or os.sep in s:
        base = Path(s).expanduser()
        audio = [q for ext in CALIBRATION_AUDIO if (q := base.with_suffix(ext)).is_file()]
    else:
        try:
            audio = ProfileStore(directory).calibration_audio(s)
        except VoiceCoachError:  # a bad name: reported when the profile was loaded
            return profile
    if not audio:
        return profile
    ceps, speech, f0 = scan(iter_hops(audio[0], [0], config), config)
    model = voice_model(ceps, speech, f0, config)
    return profile if model is None else profile.replace(voice=model)
