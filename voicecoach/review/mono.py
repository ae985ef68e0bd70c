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
from ..config import Config
from ..conversation.diarize import Diarization, VoiceFeatures, diarize, profile_match

if TYPE_CHECKING:
    from ..baseline.profile import Profile
    from .calls import Call

__all__ = [
    "OVERLAP_KINDS",
    "OVERLAP_NOTE",
    "apply_attribution",
    "attribute",
    "channel_check",
    "mono_notes",
    "scan",
    "split_block",
    "with_voice_model",
]

OVERLAP_NOTE = (
    "overlap detection unavailable in mono: each stretch of speech goes to one party, so "
    "overlaps, interruptions and turn-end overlaps are not measured"
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
    an = Analyzer(1, config)
    vf = VoiceFeatures(config)
    cs, sp, f0 = [], [], []
    for b in blocks:
        x = np.asarray(b, np.float32).reshape(-1)
        (rows,) = an.process(x[:, None])
        cs.append(vf.process(x))
        sp.append(np.asarray(rows.speech, bool))
        f = np.asarray(rows.f0_hz, np.float64).copy()
        f[~np.asarray(rows.voiced, bool)] = np.nan
        f0.append(f)
    if not cs:
        return np.zeros((0, config.mono.n_ceps), np.float32), np.zeros(0, bool), np.zeros(0)
    return np.concatenate(cs), np.concatenate(sp), np.concatenate(f0)


def attribute(call: Call, config: Config, profile: Profile | None = None) -> Diarization:
    """First pass over a mono call: who speaks when.

    Parameters
    ----------
    call : Call
        ``kind == "mono"``.
    config : Config
    profile : Profile, optional
        Its ``voice`` model, when present, names the agent's stretches.

    Returns
    -------
    Diarization
    """
    from .calls import iter_call_blocks

    ceps, speech, f0 = scan(iter_call_blocks(call, config), config)
    model = profile.voice if profile is not None else None
    d = diarize(ceps, speech, f0, config, agent_model=model,
                agent_first=config.mono.agent == "first")
    if model is not None and not d.two_voices and d.speech_s >= config.mono.min_speech_s:
        # the profile found one voice: does clustering find two? Then warn, attribute nothing
        d.unattributed = diarize(ceps, speech, f0, config).two_voices
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


def split_block(block: np.ndarray, labels: np.ndarray, agent: int, config: Config
                ) -> np.ndarray:
    """The two-column ``[agent, customer]`` block of a mono block.

    Parameters
    ----------
    block : np.ndarray, shape (n_hops * 160, 1)
    labels : np.ndarray of int8, shape (n_hops,)
        :attr:`Diarization.labels` of these hops (-1 no speech, 0/1 voices).
    agent : int
        The agent's voice (0 or 1).
    config : Config

    Returns
    -------
    np.ndarray, shape (n_hops * 160, 2), float32
    """
    hop = config.analysis.hop_size
    x = np.asarray(block, np.float32).reshape(-1)
    g = 10 ** (config.mono.other_party_db / 20)
    ga = _hop_gains(labels, agent, g, hop)
    gc = _hop_gains(labels, 1 - agent, g, hop)
    k = np.ones(hop) / hop  # 10 ms ramps (the block's edges keep their gain)
    h = hop // 2
    ga = np.convolve(np.pad(ga, h, mode="edge"), k, mode="same")[h : h + x.size]
    gc = np.convolve(np.pad(gc, h, mode="edge"), k, mode="same")[h : h + x.size]
    return np.column_stack([x * ga, x * gc]).astype(np.float32)


#: Event kinds a mono call cannot measure (each hop goes to one party).
OVERLAP_KINDS = frozenset({"overlap", "interruption", "turn_end_overlap"})


def _withheld(key: str) -> bool:
    return "overlap" in key or "interrupt" in key


def apply_attribution(summary: dict[str, Any]) -> dict[str, Any]:
    """Withhold the overlap figures of a mono call's summary (in place): overlaps,
    interruptions and turn-end overlaps, per party and for the conversation, become None."""
    for part in ("agent", "customer"):
        d = summary.get(part)
        if isinstance(d, dict):
            for k in list(d):
                if _withheld(k):
                    d[k] = None
    conv = summary.get("conversation")
    if isinstance(conv, dict):
        for k in list(conv):
            if _withheld(k):
                conv[k] = None
        conv["overlap_available"] = False
        conv["overlap_note"] = OVERLAP_NOTE
        conv.pop("echo", None)
    return summary


def mono_notes(d: Diarization, profile: Profile | None, config: Config) -> dict[str, Any]:
    """The report's ``mono`` section and its one-line note."""
    out = d.to_dict()
    out["stretches"] = d.stretches
    has_model = profile is not None and profile.voice is not None
    if not d.two_voices:
        if d.speech_s < config.mono.min_speech_s:
            found = (
                f"only {d.speech_s:.0f} s of speech, too little to look for a second voice "
                f"(needs {config.mono.min_speech_s:g} s)"
            )
        else:
            found = "one voice detected"
        out["note"] = (
            f"mono file: {found}; reviewed as the agent alone (conversation metrics "
            "unavailable)"
        )
        if d.unattributed:
            out["note"] = (
                "mono file: two voices may be present (clustering finds two), but the "
                "profile's voice model cannot tell them apart: not attributed, the agent's "
                "figures may include the customer's speech (review without --profile to "
                "attribute by clustering)"
            )
        if profile is not None and not has_model:
            out["note"] += "; the profile has no voice model (calibrate again to store one)"
        return out
    if d.agent is None:
        out["note"] = (
            "mono file with two voices detected, but they could not be attributed: the "
            "agent's figures include the customer's speech"
        )
        return out
    if d.method == "profile":
        how = "attributed by the profile's voice model"
    else:
        name = "A (speaks first)" if d.agent == 0 else "B (speaks second)"
        alt = "second" if d.agent == 0 else "first"
        unsure = ""
        if not d.first_sure and d.first_confidence is not None:
            unsure = (
                f"; who speaks first is unsure (only {100 * d.first_confidence:.0f} % of the "
                f"first {config.mono.first_speech_s:g} s of speech fits voice A better): check "
                "the two voices in the report"
            )
        how = (
            f"attributed by clustering, agent = voice {name}"
            + ("" if profile is None else " (the profile has no voice model)")
            + unsure
            + f"; if wrong, review again with --mono-agent {alt}"
        )
    out["note"] = f"mono file with two voices detected: {how}; {OVERLAP_NOTE}"
    return out


def channel_check(call: Call, config: Config, profile: Profile | None) -> dict[str, Any] | None:
    """Compare a stereo call's channels with the profile's voice model.

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
        note = (
            f"the profile matches channel {1 - a} better than the agent channel {a}; the "
            f"channels may be swapped: use --agent-channel {1 - a}"
        )
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
