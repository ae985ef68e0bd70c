"""The bundled demo call (recordings/demo_call.flac) against its ground truth.

The fast tests read the committed files only. The slow test regenerates the call with espeak-ng
and sox (scripts/make_demo_call.py) and compares the spans.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import librosa
import numpy as np
import pytest
import soundfile as sf
from scipy import signal as sps

from voicecoach.sources.synthetic import Utterance, derive_events

ROOT = Path(__file__).resolve().parents[1]
FLAC = ROOT / "recordings" / "demo_call.flac"
TRUTH = ROOT / "recordings" / "demo_call.truth.json"
SCRIPT = ROOT / "scripts" / "make_demo_call.py"
SR = 16000
EDGE_TOL_S = 0.03


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads(TRUTH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    x, sr = sf.read(FLAC, dtype="float64", always_2d=True)
    assert sr == SR
    return x


def _utts(truth: dict[str, Any], party: str | None = None, kind: str | None = None) -> list:
    return [
        u
        for u in truth["utterances"]
        if (party is None or u["party"] == party) and (kind is None or u["kind"] == kind)
    ]


def _span(truth: dict[str, Any], start_s: float, end_s: float) -> dict[str, Any]:
    """The utterance with exactly this span."""
    hits = [u for u in truth["utterances"] if (u["start_s"], u["end_s"]) == (start_s, end_s)]
    assert len(hits) == 1, (start_s, end_s)
    return hits[0]


def _segment(x: np.ndarray, channel: int, u: dict[str, Any]) -> np.ndarray:
    return x[round(u["start_s"] * SR) : round(u["end_s"] * SR), channel]


def _frame_db(y: np.ndarray, win: int = 160, hop: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """RMS level (dBFS) of `win`-sample frames every `hop` samples, and the frame centres (s)."""
    c = np.concatenate([[0.0], np.cumsum(y * y)])
    starts = np.arange(0, len(y) - win, hop)
    db = 10 * np.log10((c[starts + win] - c[starts]) / win + 1e-20)
    return db, (starts + win / 2) / SR


# ----------------------------------------------------------------------------- truth


def test_file_format(truth: dict[str, Any]) -> None:
    info = sf.info(FLAC)
    assert (info.format, info.subtype, info.channels, info.samplerate) == (
        "FLAC",
        "PCM_16",
        2,
        SR,
    )
    assert info.frames == round(truth["duration_s"] * SR)
    assert 100.0 <= truth["duration_s"] <= 120.0
    assert FLAC.stat().st_size < 4_200_000


def test_truth_schema(truth: dict[str, Any]) -> None:
    assert truth["schema"] == "voicecoach.demo_truth/1"
    assert truth["sample_rate"] == SR
    assert truth["channels"] == {"agent": 0, "customer": 1}
    for key in ("utterances", "events", "coaching", "generator", "duration_s"):
        assert key in truth
    gen = truth["generator"]
    assert gen["espeak_ng_version"].startswith("eSpeak NG")
    assert set(gen["voices"]) == {"agent", "customer"}
    assert "make_demo_call.py" in gen["command"]
    fields = {"party", "start_s", "end_s", "kind", "text", "pitch_shift_st", "tempo"}
    for u in truth["utterances"]:
        assert fields <= set(u)
        assert u["party"] in ("agent", "customer")
        assert u["kind"] in ("turn", "backchannel")
        assert 0.0 <= u["start_s"] < u["end_s"] <= truth["duration_s"]
        assert u["text"].strip()
        if u["kind"] == "backchannel":
            assert u["end_s"] - u["start_s"] <= 0.8
    starts = [u["start_s"] for u in truth["utterances"]]
    assert starts == sorted(starts)


def test_one_party_never_speaks_twice_at_once(truth: dict[str, Any]) -> None:
    for party in ("agent", "customer"):
        for a, b in itertools.pairwise(_utts(truth, party)):
            assert b["start_s"] >= a["end_s"], (a, b)


def test_events_are_derive_events_of_the_spans(truth: dict[str, Any]) -> None:
    script = [
        Utterance(u["party"], u["start_s"], u["end_s"] - u["start_s"], kind=u["kind"])
        for u in truth["utterances"]
    ]
    params = truth.get("event_params", {})
    expected = derive_events(script, **params)
    got = truth["events"]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert (g["kind"], g["by"], g["of"]) == (e["kind"], e["by"], e["of"])
        assert g["start_s"] == pytest.approx(e["start_s"], abs=1e-6)
        assert g["end_s"] == pytest.approx(e["end_s"], abs=1e-6)


def test_events_cover_the_scripted_situations(truth: dict[str, Any]) -> None:
    ev = truth["events"]

    def of_kind(kind: str, by: str) -> list[dict[str, Any]]:
        return [e for e in ev if e["kind"] == kind and e["by"] == by]

    assert len(of_kind("interruption", "agent")) == 1
    assert len(of_kind("interruption", "customer")) == 1
    assert 2 <= len(of_kind("backchannel", "customer")) <= 3
    # backchannels shorter than min_overlap_s, so that no tracker can call them interruptions
    for e in of_kind("backchannel", "customer"):
        assert e["end_s"] - e["start_s"] < truth["event_params"]["min_overlap_s"]
    assert (
        len(of_kind("turn_end_overlap", "customer")) + len(of_kind("turn_end_overlap", "agent"))
        == 1
    )
    for e in ev:
        if e["kind"] == "interruption":
            # the interrupted turn: B starts >= 1 s into it and overlaps it >= 0.8 s
            host = [
                u for u in _utts(truth, e["of"], "turn") if u["start_s"] < e["start_s"] < u["end_s"]
            ]
            assert len(host) == 1
            assert e["start_s"] - host[0]["start_s"] >= 1.0
            assert e["end_s"] - e["start_s"] >= 0.8
        if e["kind"] == "turn_end_overlap":
            assert e["end_s"] - e["start_s"] <= 0.2


def test_gaps_and_jump_in(truth: dict[str, Any]) -> None:
    turns = _utts(truth, kind="turn")
    gaps = [
        b["start_s"] - a["end_s"]
        for a, b in itertools.pairwise(turns)
        if a["party"] != b["party"] and b["start_s"] >= a["end_s"]
    ]
    agent_gaps = [
        b["start_s"] - a["end_s"]
        for a, b in itertools.pairwise(turns)
        if (a["party"], b["party"]) == ("customer", "agent") and b["start_s"] >= a["end_s"]
    ]
    normal = [g for g in gaps if 0.2 <= g <= 0.6]
    assert len(normal) >= 8
    assert sum(g < 0.2 for g in agent_gaps) == 1  # one agent jump-in
    assert sum(g > 3.0 for g in gaps) == 1  # the mutual silence


def test_coaching_spans(truth: dict[str, Any]) -> None:
    co = truth["coaching"]
    pitch = _span(truth, *co["pitch_high"])
    assert pitch["party"] == "agent" and pitch["pitch_shift_st"] == 3.0 and pitch["tempo"] == 1.0
    assert 8.0 <= co["pitch_high"][1] - co["pitch_high"][0] <= 10.5
    fast = _span(truth, *co["rate_high"])
    assert fast["party"] == "agent" and fast["tempo"] == 1.25 and fast["pitch_shift_st"] == 0.0
    assert 8.0 <= co["rate_high"][1] - co["rate_high"][0] <= 10.5
    (t_int,) = co["interrupting"]
    assert any(
        e["kind"] == "interruption" and e["by"] == "agent" and e["start_s"] == t_int
        for e in truth["events"]
    )
    s0, s1 = co["mutual_silence"]
    assert s1 - s0 > 3.0
    assert not any(u["start_s"] < s1 and u["end_s"] > s0 for u in truth["utterances"])
    # the agent's calm speech comes first: >= 33 s of it before the voice changes
    calm = _calm_agent(truth)
    assert sum(u["end_s"] - u["start_s"] for u in calm) >= 33.0
    assert all(u["pitch_shift_st"] == 0.0 and u["tempo"] == 1.0 for u in calm)


# ----------------------------------------------------------------------------- audio


@pytest.mark.parametrize("party", ["agent", "customer"])
def test_energy_envelope_matches_spans(
    truth: dict[str, Any], audio: np.ndarray, party: str
) -> None:
    channel = truth["channels"][party]
    db, tc = _frame_db(audio[:, channel])
    half = 0.005  # half a 10 ms frame
    utts = _utts(truth, party)
    far = np.ones(len(db), dtype=bool)
    for u in utts:
        far &= (tc < u["start_s"] - EDGE_TOL_S - half) | (tc > u["end_s"] + EDGE_TOL_S + half)
    floor = float(np.median(db[far]))
    assert -62.0 < floor < -54.0  # the noise floor (-58 dBFS)
    assert db[far].max() < floor + 10.0  # near-silence outside the spans
    thr = floor + 10.0
    for u in utts:
        near = (tc >= u["start_s"] - 0.1) & (tc <= u["end_s"] + 0.1)
        inside = (tc >= u["start_s"]) & (tc <= u["end_s"])
        assert np.mean(db[inside] > thr + 10.0) >= 0.6, u["id"]  # speech energy inside
        loud = np.flatnonzero(near & (db > thr))
        onset, offset = tc[loud[0]] - half, tc[loud[-1]] + half
        assert onset == pytest.approx(u["start_s"], abs=EDGE_TOL_S), u["id"]
        assert offset == pytest.approx(u["end_s"], abs=EDGE_TOL_S), u["id"]


def _voiced_f0(y: np.ndarray) -> np.ndarray:
    """YIN F0 of the frames within ~15 dB of the speech level (voiced nuclei)."""
    hop, frame = 160, 1024
    f0 = librosa.yin(y, fmin=60.0, fmax=400.0, sr=SR, frame_length=frame, hop_length=hop)
    rms = librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)[0]
    n = min(len(f0), len(rms))
    return f0[:n][20 * np.log10(rms[:n] + 1e-12) > -35.0]


def _calm_agent(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The agent's utterances before the first coached voice change (the calm baseline)."""
    first = min(truth["coaching"]["pitch_high"][0], truth["coaching"]["rate_high"][0])
    return [u for u in _utts(truth, "agent") if u["end_s"] <= first]


def test_pitch_span_is_three_semitones_up(truth: dict[str, Any], audio: np.ndarray) -> None:
    calm = np.concatenate([_voiced_f0(_segment(audio, 0, u)) for u in _calm_agent(truth)])
    high = _voiced_f0(_segment(audio, 0, _span(truth, *truth["coaching"]["pitch_high"])))
    assert len(calm) > 1000 and len(high) > 200
    shift = 12 * np.log2(np.median(high) / np.median(calm))
    assert shift == pytest.approx(3.0, abs=0.5)


def test_angry_customer_is_higher_and_louder(truth: dict[str, Any], audio: np.ndarray) -> None:
    turns = _utts(truth, "customer", "turn")
    calm = [u for u in turns if u["pitch_shift_st"] == 0.0]
    angry = [u for u in turns if u["pitch_shift_st"] >= 3.0]
    assert len(calm) >= 3 and len(angry) >= 3

    def f0(us: list[dict[str, Any]]) -> float:
        return float(np.median(np.concatenate([_voiced_f0(_segment(audio, 1, u)) for u in us])))

    def level(us: list[dict[str, Any]]) -> float:
        y = np.concatenate([_segment(audio, 1, u) for u in us])
        return 10 * np.log10(np.mean(y * y))

    assert 3.0 <= 12 * np.log2(f0(angry) / f0(calm)) <= 5.5
    assert 2.5 <= level(angry) - level(calm) <= 5.5


def _articulation_rate(y: np.ndarray) -> float:
    """Syllable nuclei per second of speech (after De Jong & Wempe 2009, simplified).

    Nuclei are peaks of the 300-2500 Hz band level in 40 ms frames (10 ms hop) that are
    above -40 dBFS, stand 3 dB above the dips on both sides and are >= 50 ms apart; speech
    time is the 10 ms frames above -45 dBFS.
    """
    b, a = sps.butter(2, [300 / (SR / 2), 2500 / (SR / 2)], btype="band")
    db, _ = _frame_db(sps.filtfilt(b, a, y), win=640, hop=160)
    peaks, _ = sps.find_peaks(db, prominence=3.0, height=-40.0, distance=5)
    level, _ = _frame_db(y, win=160, hop=160)
    return len(peaks) / (np.sum(level > -45.0) * 0.01)


def test_fast_span_is_faster(truth: dict[str, Any], audio: np.ndarray) -> None:
    calm = _articulation_rate(np.concatenate([_segment(audio, 0, u) for u in _calm_agent(truth)]))
    assert 4.5 <= calm <= 7.0  # syllables/s: plausible calm French
    fast = _segment(audio, 0, _span(truth, *truth["coaching"]["rate_high"]))
    assert _articulation_rate(fast) / calm >= 1.15
    # control: the pitch-shifted turn keeps the calm tempo
    pitch = _segment(audio, 0, _span(truth, *truth["coaching"]["pitch_high"]))
    assert _articulation_rate(pitch) / calm == pytest.approx(1.0, abs=0.12)


# ----------------------------------------------------------------------------- regeneration


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="needs espeak-ng and sox",
)
def test_regenerating_gives_the_same_spans(truth: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "call.flac"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    new = json.loads(out.with_suffix(".truth.json").read_text(encoding="utf-8"))
    assert [(u["id"], u["party"], u["kind"]) for u in new["utterances"]] == [
        (u["id"], u["party"], u["kind"]) for u in truth["utterances"]
    ]
    for a, b in zip(new["utterances"], truth["utterances"], strict=True):
        assert a["start_s"] == pytest.approx(b["start_s"], abs=0.02), a["id"]
        assert a["end_s"] == pytest.approx(b["end_s"], abs=0.02), a["id"]
    assert [e["kind"] for e in new["events"]] == [e["kind"] for e in truth["events"]]
    # whatever the tools' versions, the script's own choices are the same: text, voice
    # changes, levels, the event rule and the noise
    def scripted(u: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in u.items() if k not in ("start_s", "end_s")}

    assert [scripted(u) for u in new["utterances"]] == [scripted(u) for u in truth["utterances"]]
    assert [(e["kind"], e["by"], e["of"]) for e in new["events"]] == [
        (e["kind"], e["by"], e["of"]) for e in truth["events"]
    ]
    for key in ("schema", "sample_rate", "channels", "event_params", "noise"):
        assert new[key] == truth[key], key
    assert {k: v for k, v in new["generator"].items() if not k.endswith("_version")} == {
        k: v for k, v in truth["generator"].items() if not k.endswith("_version")
    }
    assert sf.info(out).frames == pytest.approx(sf.info(FLAC).frames, abs=0.02 * SR)
    if new["generator"] == truth["generator"]:  # same tools: the very same call
        assert new == truth
        assert out.read_bytes() == FLAC.read_bytes()


def test_derive_events_rule_on_its_bounds() -> None:
    """The truth's rule (min_overlap_s, turn_end_s) decided on each bound, both included:
    the demo call's own events lie clear of them."""
    agent = Utterance("agent", 0.0, 4.0)

    def one(start_s: float, duration_s: float, kind: str = "turn") -> tuple:
        (e,) = derive_events([agent, Utterance("customer", start_s, duration_s, kind=kind)],
                             min_overlap_s=0.25, turn_end_s=0.5)
        return e["kind"], e["start_s"], e["end_s"], e["by"], e["of"]

    assert one(1.0, 0.25) == ("interruption", 1.0, 1.25, "customer", "agent")  # overlap = min
    assert one(1.0, 0.125) == ("turn_end_overlap", 1.0, 1.125, "customer", "agent")
    assert one(3.5, 2.0) == ("interruption", 3.5, 4.0, "customer", "agent")  # 0.5 s from the end
    assert one(3.625, 2.0) == ("turn_end_overlap", 3.625, 4.0, "customer", "agent")
    # a backchannel runs to its own end, past the turn it answers
    assert one(3.875, 0.25, "backchannel") == ("backchannel", 3.875, 4.125, "customer", "agent")
    assert derive_events([agent, Utterance("customer", 4.0, 1.0)]) == ()  # no overlap at all
