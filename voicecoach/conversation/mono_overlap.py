"""Interruptions on one channel: a conservative detector for mixed mono calls (issue #13).

A mono call's attribution (:func:`~voicecoach.conversation.diarize.diarize`) gives every
speech hop to one party, so an interruption shows up as a *jump-in*: the labels switch
from voice A to voice B with no pause. This module asks, for every such switch, whether
it was an overlap (B started while A still spoke, and A stopped later) or a clean change of
turn, and where B started:

* the voice models of the call (one :class:`~voicecoach.conversation.diarize.DiagGMM` per
  voice, learned from the attribution) give a per-hop log-likelihood ratio toward B; two
  voices at once score between the two (neither model fits the mixture well);
* the per-hop level: two voices add (about +3 dB when they are alike in level).

Over the last ``[mono] interruption_window_s`` of A's speech before the switch, the
strongest rise of (ratio, level, both z-scored) is a first guess at B's onset (a CUSUM
split: A alone before it, A and B together from it to the switch). B's onset itself is
chosen by a *learned onset model* (:func:`onset_posterior`): every hop from 0.1 s into that
window to 0.4 s past A's last hop is a candidate, described by :data:`ONSET_FEATURES` (the
steps of the ratio, the level and the cepstral flux over 0.1, 0.25 and 0.5 s, their rise
from the window's start, the CUSUM's score there, and the overlap length it implies), and
a conditional logit (weights ``[mono] interruption_onset_weights``, fitted on dev) gives a
posterior over the candidates. The onset is the hop whose +-0.3 s holds the most posterior
mass, and that mass (``onset_mass``, the probability that the onset is within 0.3 s) and
the posterior's 80 % width (``onset_width_s``) say how sure the onset is. (On 47 dev calls,
leave one call out: the onset within 0.3 s of the truth for 86 % of the true interruptions
at a switch, against 76 % for the CUSUM split alone.) A logistic score of the switch's
features (:data:`FEATURES`; weights ``[mono] interruption_weights``, fitted on the dev
calls of ``benchmarks/mono_calls.py`` to say whether a true interruption starts within
0.3 s of the reported onset) is the event's *confidence*, so an uncertain onset lowers it;
switches scoring at least ``[mono] interruption_min_confidence`` become
:class:`~voicecoach.events.Interruption` events (``by`` = B, ``of`` = A,
``start_s`` = the estimated onset, ``end_s`` = the switch, ``confirmed`` True,
``confidence`` the score). The attribution is never changed: an event is reported only
where the attribution itself switches parties, A confidently before and B after.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import ParameterError
from ..events import Interruption
from .diarize import DiagGMM

__all__ = ["FEATURES", "ID_BASE", "ONSET_FEATURES", "confidence", "finish_switch",
           "interruption_events", "onset_posterior", "switch_features"]

#: Features of a switch, by name (the keys of ``[mono] interruption_weights``):
#:
#: * ``mid_s``: estimated overlap, from the CUSUM split to the switch, s (the features up
#:   to ``onset_sharpness`` use the CUSUM split as B's onset);
#: * ``rise_in``: mean ratio toward B over the estimated overlap minus over A alone before
#:   it (nats per hop);
#: * ``rise_out``: mean ratio toward B over B's speech after the switch minus over the
#:   estimated overlap;
#: * ``level_in_db``: mean level over the estimated overlap minus over A alone, dB;
#: * ``level_out_db``: mean level over the estimated overlap minus over B after, dB;
#: * ``after_s``: how long B holds the labels after the switch (capped at 5 s);
#: * ``before_s``: how long A held them before (capped at 5 s);
#: * ``paused``: 1 when a pause of more than 30 ms separates A's last hop from B's first;
#: * ``jump_db``: level of the 0.2 s after the onset minus the 0.2 s before, dB;
#: * ``ratio_jump``: the same for the ratio toward B;
#: * ``onset_sharpness``: how clearly the onset's rise beats any other split 0.3 s or more
#:   away (0-1);
#: * ``onset_mass``: the onset model's posterior mass within 0.3 s of the reported onset;
#: * ``onset_width_s``: the posterior's 10-90 % span, s;
#: * ``overlap_s``: from the reported onset to A's last hop, s (negative when the onset
#:   model puts B's onset after the switch);
#: * ``onset_shift_s``: the reported onset minus the CUSUM split, s;
#: * ``onset_lev_step25``, ``onset_lev_step10``, ``onset_r_step50``, ``onset_r_step10``,
#:   ``onset_flux_step50``, ``onset_cusum_rel``: those :data:`ONSET_FEATURES` at the
#:   reported onset; ``onset_peak``: the posterior's largest value;
#: * ``out_level_drop``: the steepest fall of the level (mean over 0.25 s after minus
#:   before, in standard deviations of the level over A's speech in the window) in the
#:   1.5 s from the switch: A falling silent; ``out_drop_after_s``: where it is, from the
#:   reported onset, s (how long A spoke on); ``out_ratio_rise``: the steepest rise of
#:   the ratio toward B there, the same way;
#: * ``harm_in``, ``harm_out``: the mean aperiodicity (YIN's, clipped to [0, 1]) from the
#:   reported onset to A's last hop minus over A alone before it, and minus over B after
#:   the switch (two voices at once are less periodic than either alone);
#:   ``harm_jump``: its mean over the 0.2 s after the onset minus the 0.2 s before. All
#:   three are 0 when no aperiodicity is given.
FEATURES = ("mid_s", "rise_in", "rise_out", "level_in_db", "level_out_db", "after_s",
            "before_s", "paused", "jump_db", "ratio_jump", "onset_sharpness", "onset_mass",
            "onset_width_s", "overlap_s", "onset_shift_s", "onset_lev_step25",
            "onset_lev_step10", "onset_r_step50", "onset_r_step10", "onset_flux_step50",
            "onset_cusum_rel", "onset_peak", "out_level_drop", "out_drop_after_s",
            "out_ratio_rise", "harm_in", "harm_out", "harm_jump")

#: Features of a candidate onset hop ``t`` (the keys of ``[mono] interruption_onset_weights``),
#: for the ratio toward B (``r``), the level smoothed over 50 ms (``lev``) and the cepstral
#: flux (``flux``, the distance between consecutive hops' cepstra), each in units of its
#: standard deviation over A's speech in the window:
#:
#: * ``{x}_step{k}``: mean over the ``k`` hops from ``t`` minus over the ``k`` before it;
#: * ``{x}_seg``: mean from ``t`` to A's last hop minus from the window's first A hop to ``t``;
#: * ``cusum_rel``: ``(r_seg + lev_seg) * u (m - u) / m`` (``u`` hops into the ``m`` of the
#:   window) over its largest magnitude among the candidates; ``cusum_max``: 1 at its maximum;
#: * ``ov_s``, ``ov_s2``, ``log_ov``: the overlap ``t`` implies (to A's last hop), s, its
#:   square and log (floored at 0.01 s); ``after_p``: 1 past A's last hop.
ONSET_FEATURES = (*(f"{x}_{k}" for x in ("r", "lev", "flux")
                    for k in ("step10", "step25", "step50", "seg")),
                  "cusum_rel", "cusum_max", "ov_s", "ov_s2", "log_ov", "after_p")

_STEPS = (10, 25, 50)
_AFTER = 40  # candidates reach this many hops past A's last hop
_MASS_HALF = 30  # hops either side of the onset that count as right (0.3 s)
_AT_ONSET = ("lev_step25", "lev_step10", "r_step50", "r_step10", "flux_step50", "cusum_rel")
_OUT_S = 150  # hops after the switch searched for A falling silent

#: Event ids of the detector start here (the tracker's own ids are small counters).
ID_BASE = 1_000_000

_CAP_S = 5.0


def _z(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / (v.std() + 1e-9)


def _change_point(y: np.ndarray, min_before: int, min_after: int, apart: int = 30
                  ) -> tuple[int, float] | None:
    """The strongest rise of ``y`` (n, d): the split maximising the rise of the mean,
    summed over the columns, times ``t (n - t) / n`` (a one-sided CUSUM), and how clearly
    it wins: 1 minus the best score at least ``apart`` rows away over its own (0 when
    another split scores as high). None when ``y`` is too short."""
    n = len(y)
    if n < min_before + min_after:
        return None
    cs = np.vstack([np.zeros(y.shape[1]), np.cumsum(y, axis=0)])
    t = np.arange(min_before, n - min_after + 1)
    rise = (cs[n] - cs[t]) / (n - t)[:, None] - cs[t] / t[:, None]
    score = rise.sum(axis=1) * t * (n - t) / n
    i = int(np.argmax(score))
    far = np.abs(t - t[i]) >= apart
    best = float(score[i])
    other = float(score[far].max()) if far.any() else 0.0
    sharp = 1.0 - max(other, 0.0) / best if best > 0 else 0.0
    return int(t[i]), sharp


def _window_mean(cs: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of the series whose cumulative sum (with a leading 0) is ``cs`` over hops
    ``a`` to ``b`` (exclusive), clipped to the series and at least one hop long."""
    n = len(cs) - 1
    a = np.clip(a, 0, n - 1)
    b = np.clip(np.maximum(b, a + 1), 1, n)
    return (cs[b] - cs[a]) / (b - a)


def onset_candidates(series: Mapping[str, np.ndarray], first: int, last: int, stop: int,
                     hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate onset hops of a switch and their :data:`ONSET_FEATURES`.

    Parameters
    ----------
    series : mapping
        ``r`` (ratio toward B), ``lev`` (smoothed level) and ``flux`` per hop, each with
        ``{name}_cs`` (its cumulative sum with a leading 0) and ``{name}_sd`` (its standard
        deviation over A's speech in the window).
    first, last : int
        A's first hop in the window and A's last hop before the switch.
    stop : int
        The last candidate allowed (hops).
    hop_s : float
        Hop duration, s.

    Returns
    -------
    (t, X): candidate hops (may be empty) and their features, shape (len(t), 18).
    """
    t = np.arange(first + 10, min(last + _AFTER, stop) + 1)
    if len(t) == 0:
        return t, np.zeros((0, len(ONSET_FEATURES)))
    end = np.full_like(t, last + 1)
    start = np.full_like(t, first)
    cols: list[np.ndarray] = []
    seg = {}
    for name in ("r", "lev", "flux"):
        cs, sd = series[f"{name}_cs"], series[f"{name}_sd"] + 1e-6
        for k in _STEPS:
            cols.append((_window_mean(cs, t, t + k) - _window_mean(cs, t - k, t)) / sd)
        seg[name] = (_window_mean(cs, t, end) - _window_mean(cs, start, t)) / sd
        cols.append(seg[name])
    u = (t - first).astype(np.float64)
    m = float(last + 1 - first)
    cus = (seg["r"] + seg["lev"]) * u * (m - u) / m
    cols.append(cus / (np.abs(cus).max() + 1e-9))
    cols.append((cus == cus.max()).astype(np.float64))
    ov = (last + 1 - t) * hop_s
    cols += [ov, ov**2, np.log(np.maximum(ov, 0.01)), (t > last).astype(np.float64)]
    return t, np.column_stack(cols)


def onset_posterior(x: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The onset model's posterior over candidates: ``softmax(x @ w)`` with ``w`` the
    ``[mono] interruption_onset_weights`` by :data:`ONSET_FEATURES` name (others zero).

    Parameters
    ----------
    x : np.ndarray, shape (n_candidates, len(ONSET_FEATURES))
        The candidates' onset features.
    weights : mapping of str to float

    Returns
    -------
    np.ndarray, shape (n_candidates,), float64
        Sums to 1.
    """
    w = np.array([float(weights.get(k, 0.0)) for k in ONSET_FEATURES])
    z = np.asarray(x, np.float64) @ w
    e = np.exp(z - z.max())
    return e / e.sum()


def _pick_onset(t: np.ndarray, post: np.ndarray, hop_s: float) -> tuple[int, float, float]:
    """(the candidate whose +-0.3 s holds the most posterior mass, that mass, the
    posterior's 10-90 % span in s)."""
    cs = np.concatenate([[0.0], np.cumsum(post)])
    lo = np.searchsorted(t, t - _MASS_HALF)
    hi = np.searchsorted(t, t + _MASS_HALF, side="right")
    mass = cs[hi] - cs[lo]
    i = int(np.argmax(mass))
    c = cs[1:]
    a = int(t[min(int(np.searchsorted(c, 0.1)), len(t) - 1)])
    b = int(t[min(int(np.searchsorted(c, 0.9)), len(t) - 1)])
    return int(t[i]), float(mass[i]), (b - a) * hop_s


def finish_switch(base: Mapping[str, Any], onset_weights: Mapping[str, float], hop_s: float
                  ) -> dict[str, Any]:
    """A switch's onset and the :data:`FEATURES` that depend on it, from the switch's
    onset-independent part (``cand_t``, ``cand_x``, ``cusum_onset``, ``end``, ``drop_hop``
    and the rest of :func:`switch_features`' keys) and onset model weights.

    Parameters
    ----------
    base : mapping
        The switch's onset-independent features (hop indices and candidate arrays).
    onset_weights : mapping of str to float
        As :func:`onset_posterior`.
    hop_s : float
        Hop length, s (0.01).

    Returns
    -------
    dict
        ``base`` plus ``onset`` (hop index), ``onset_mass``, ``onset_width_s``,
        ``overlap_s``, ``onset_shift_s``, ``onset_peak``, ``out_drop_after_s`` (s), the
        ``onset_*`` features at the onset and ``harm_in``, ``harm_out``, ``harm_jump``.
    """
    ts, xs = base["cand_t"], base["cand_x"]
    belief = onset_posterior(xs, onset_weights)
    onset, mass, width = _pick_onset(ts, belief, hop_s)
    at = xs[int(np.searchsorted(ts, onset))]
    harm = {"harm_in": 0.0, "harm_out": 0.0, "harm_jump": 0.0}
    acs = base.get("aper_cs")
    if acs is not None:
        end = base["end"]

        def mean(a: int, b: int) -> float:
            return float(_window_mean(acs, np.array([a]), np.array([b]))[0])

        both = mean(onset, max(end, onset + 10))
        harm = {"harm_in": both - mean(base["pre_first"], max(onset, base["pre_first"] + 1)),
                "harm_out": both - mean(base["switch"], base["post_end"]),
                "harm_jump": mean(onset, onset + 20) - mean(onset - 20, onset)}
    return {
        **base,
        "onset": onset,
        "onset_mass": mass,
        "onset_width_s": width,
        "overlap_s": (base["end"] - onset) * hop_s,
        "onset_shift_s": (onset - base["cusum_onset"]) * hop_s,
        **{f"onset_{k}": float(at[ONSET_FEATURES.index(k)]) for k in _AT_ONSET},
        "onset_peak": float(belief.max()),
        "out_drop_after_s": (base["drop_hop"] - onset) * hop_s,
        **harm,
    }


def switch_features(labels: np.ndarray, ceps: np.ndarray, level_db: np.ndarray,
                    config: Config | None = None, keep: bool = False,
                    aperiodicity: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The jump-ins of an attribution and their :data:`FEATURES`.

    Parameters
    ----------
    labels : np.ndarray of int8, shape (n_hops,)
        :attr:`~voicecoach.conversation.diarize.Diarization.labels` (-1 no speech, 0/1).
    ceps : np.ndarray, shape (n_hops, n_ceps)
        :class:`~voicecoach.conversation.diarize.VoiceFeatures` of the channel.
    level_db : np.ndarray, shape (n_hops,)
        Per-hop level, dBFS.
    config : Config, optional
        ``[mono]`` (``components``, ``interruption_window_s``, ``interruption_max_gap_s``).
    keep : bool
        Also keep each switch's candidate onsets (``cand_t``, ``cand_x``) and ``drop_hop``,
        for :func:`finish_switch` with other onset weights (fitting on dev).
    aperiodicity : np.ndarray, shape (n_hops,), optional
        The pitch tracker's per-hop aperiodicity
        (:func:`~voicecoach.review.mono.scan_arrays`), for the ``harm_*`` features (0
        without it).

    Returns
    -------
    list of dict
        Per switch from voice ``a`` to voice ``b`` (labels) at most ``interruption_max_gap_s``
        apart, with A and B each holding enough speech around it: ``a``, ``b``,
        ``onset`` (hop of B's estimated onset), ``switch`` (B's first hop), ``end``
        (one past A's last hop) and every feature of :data:`FEATURES`.
    """
    cfg = config or load_config()
    mc = cfg.mono
    hop_s = cfg.analysis.hop_s
    lab = np.asarray(labels)
    n = len(lab)
    c = np.asarray(ceps, np.float64)
    lev = np.asarray(level_db, np.float64)
    if c.shape[0] != n or lev.shape[0] != n:
        raise ParameterError(
            f"labels, ceps and level_db need one row per hop, got {n}, {c.shape[0]} and "
            f"{lev.shape[0]}"
        )
    aper_cs = None
    if aperiodicity is not None:
        ap = np.asarray(aperiodicity, np.float64)
        if ap.shape != (n,):
            raise ParameterError(
                f"aperiodicity needs one value per hop ({n}), got shape {ap.shape}"
            )
        aper_cs = np.r_[0.0, np.cumsum(np.clip(np.nan_to_num(ap, nan=1.0), 0.0, 1.0))]
    if (lab == 0).sum() < 100 or (lab == 1).sum() < 100:
        return []
    g = [DiagGMM.fit(c[lab == v], mc.components, seed=3) for v in (0, 1)]
    llr = g[1].loglik(c) - g[0].loglik(c)  # toward voice 1
    k = 5
    lev_s = np.convolve(np.pad(lev, (k // 2, k // 2), mode="edge"), np.ones(k) / k, "valid")
    flux = np.r_[0.0, np.sqrt(((c[1:] - c[:-1]) ** 2).sum(axis=1))]
    cum = {"llr": np.r_[0.0, np.cumsum(llr)], "lev": np.r_[0.0, np.cumsum(lev_s)],
           "flux": np.r_[0.0, np.cumsum(flux)]}
    onset_w = mc.interruption_onset_weights
    win = round(mc.interruption_window_s / hop_s)
    after_win = round(1.0 / hop_s)
    max_gap = round(mc.interruption_max_gap_s / hop_s)
    cap = round(_CAP_S / hop_s)
    sp = np.flatnonzero(lab >= 0)
    out: list[dict[str, Any]] = []
    for p, q in itertools.pairwise(sp):
        p, q = int(p), int(q)
        if lab[p] == lab[q] or q - p - 1 > max_gap:
            continue
        a, b = int(lab[p]), int(lab[q])
        r = llr if b == 1 else -llr
        lo = max(0, q - win)
        j = p
        while j >= lo and lab[j] != b:
            j -= 1
        pre = np.arange(j + 1, p + 1)
        pre = pre[lab[pre] == a]
        e = q
        while e < n and lab[e] != a:
            e += 1
        post = np.arange(q, min(e, q + after_win))
        post = post[lab[post] == b]
        if len(pre) < 40 or len(post) < 10:
            continue
        cp = _change_point(np.column_stack([_z(r[pre]), _z(lev_s[pre])]), 10, 20)
        if cp is None:
            continue
        t, sharp = cp
        alone, both = pre[:t], pre[t:]
        o = int(pre[t])
        back = p
        while back >= 0 and lab[back] != b:
            back -= 1
        sgn = 1.0 if b == 1 else -1.0
        series = {"r_cs": sgn * cum["llr"], "r_sd": float(r[pre].std()),
                  "lev_cs": cum["lev"], "lev_sd": float(lev_s[pre].std()),
                  "flux_cs": cum["flux"], "flux_sd": float(flux[pre].std())}
        ts, xs = onset_candidates(series, int(pre[0]), p, e - 5, hop_s)
        if len(ts) == 0:
            continue
        # A falling silent after the switch: the steepest level fall in the next 1.5 s
        a_hops = np.arange(lo, p + 1)
        a_hops = a_hops[lab[a_hops] == a]
        s_out = np.arange(q, min(n - 26, q + _OUT_S))
        if len(s_out) >= 5:
            lsd, rsd = float(lev_s[a_hops].std()) + 1e-6, float(r[a_hops].std()) + 1e-6
            lstep = (_window_mean(cum["lev"], s_out, s_out + 25)
                     - _window_mean(cum["lev"], s_out - 25, s_out)) / lsd
            rstep = sgn * (_window_mean(cum["llr"], s_out, s_out + 25)
                           - _window_mean(cum["llr"], s_out - 25, s_out)) / rsd
            i_drop = int(np.argmin(lstep))
            drop_hop, out_drop, out_rise = int(s_out[i_drop]), float(lstep[i_drop]), float(
                rstep.max())
        else:
            drop_hop, out_drop, out_rise = q, 0.0, 0.0
        base = {
            "a": a, "b": b, "cusum_onset": o, "switch": q, "end": p + 1,
            "cand_t": ts, "cand_x": xs, "drop_hop": drop_hop, "aper_cs": aper_cs,
            "pre_first": int(pre[0]), "post_end": int(min(e, q + after_win)),
            "mid_s": (p + 1 - o) * hop_s,
            "rise_in": float(r[both].mean() - r[alone].mean()),
            "rise_out": float(r[post].mean() - r[both].mean()),
            "level_in_db": float(lev[both].mean() - lev[alone].mean()),
            "level_out_db": float(lev[both].mean() - lev[post].mean()),
            "after_s": min(e - q, cap) * hop_s,
            "before_s": min(p - back, cap) * hop_s,
            "paused": float(q - p - 1 > 3),
            "jump_db": float(lev[o : o + 20].mean() - lev[max(0, o - 20) : o].mean()),
            "ratio_jump": float(r[o : o + 20].mean() - r[max(0, o - 20) : o].mean()),
            "onset_sharpness": sharp,
            "out_level_drop": out_drop,
            "out_ratio_rise": out_rise,
        }
        f = finish_switch(base, onset_w, hop_s)
        if not keep:
            for k in ("cand_t", "cand_x", "drop_hop", "aper_cs", "pre_first", "post_end"):
                del f[k]
        out.append(f)
    return out


def confidence(features: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Logistic score of one switch: ``1 / (1 + exp(-(bias + sum w_f x_f)))``.

    Parameters
    ----------
    features : mapping
        :func:`switch_features` of one switch.
    weights : mapping
        ``bias`` and a weight per feature name of :data:`FEATURES` (others are zero).

    Returns
    -------
    float
        In (0, 1).
    """
    z = float(weights.get("bias", 0.0))
    for name in FEATURES:
        w = weights.get(name)
        if w:
            z += w * float(features[name])
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def interruption_events(labels: np.ndarray, ceps: np.ndarray, level_db: np.ndarray,
                        agent: int, config: Config | None = None,
                        min_confidence: float | None = None,
                        aperiodicity: np.ndarray | None = None) -> list[Interruption]:
    """The interruptions of a mono call, each with a confidence.

    Parameters
    ----------
    labels, ceps, level_db : np.ndarray
        As :func:`switch_features`.
    agent : int
        The agent's voice (0 or 1).
    config : Config, optional
        ``[mono] interruption_weights`` and ``interruption_min_confidence``.
    min_confidence : float, optional
        Overrides ``interruption_min_confidence`` (e.g. 0 to see every scored switch).
    aperiodicity : np.ndarray, shape (n_hops,), optional
        As :func:`switch_features`.

    Returns
    -------
    list of Interruption
        Closed and confirmed, ``decided_s`` = ``end_s`` (the switch, when the overlap is
        known to be over), ids from :data:`ID_BASE`, sorted by onset.
    """
    cfg = config or load_config()
    if agent not in (0, 1):
        raise ParameterError(f"agent must be voice 0 or 1, got {agent!r}")
    thr = cfg.mono.interruption_min_confidence if min_confidence is None else min_confidence
    hop_s = cfg.analysis.hop_s
    names = ("agent", "customer") if agent == 0 else ("customer", "agent")
    out = []
    for k, f in enumerate(switch_features(labels, ceps, level_db, cfg,
                                                   aperiodicity=aperiodicity)):
        p = confidence(f, cfg.mono.interruption_weights)
        if p < thr:
            continue
        end_s = round(max(f["end"], f["onset"] + 1) * hop_s, 2)
        out.append(Interruption(start_s=round(f["onset"] * hop_s, 2), end_s=end_s,
                                decided_s=end_s, id=ID_BASE + k, by=names[f["b"]],
                                of=names[f["a"]], confirmed=True, confidence=round(p, 3)))
    return out
