"""Tests of the torch-free streaming Silero VAD backend."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from voicecoach.analysis import silero
from voicecoach.analysis.silero import CHUNK_SIZE, CONTEXT_SIZE, SileroVad
from voicecoach.errors import ParameterError

from .test_vad_hold import count_runs

try:
    silero.default_model_path()
except ParameterError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"silero-vad model not available: {exc}", allow_module_level=True)

SR = 16000
HOP = 160
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture
def fresh(vad: SileroVad) -> SileroVad:
    vad.reset()
    return vad


def speechlike(seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Syllable-rate modulated harmonic bursts with noise and pauses (whole hops)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR) // HOP * HOP
    t = np.arange(n) / SR
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) * (t % 1.0 < 0.7)
    x = 0.2 * envelope * voiced + 0.003 * rng.standard_normal(n)
    return x.astype(np.float32)


def feed(vad: SileroVad, x: np.ndarray, sizes_in_hops: list[int]) -> np.ndarray:
    """Feed x in consecutive blocks of the given sizes (in hops), cycling the list."""
    out, pos, i = [], 0, 0
    while pos < x.size:
        n = sizes_in_hops[i % len(sizes_in_hops)] * HOP
        out.append(vad.process(x[pos : pos + n]))
        pos += n
        i += 1
    return np.concatenate(out)


# ----------------------------------------------------------------------------- streaming


def test_output_shape_dtype_range_and_start(fresh: SileroVad) -> None:
    x = speechlike(1.0)
    p = fresh.process(x)
    assert p.dtype == np.float32
    assert p.shape == (x.size // HOP,)
    assert np.all((p >= 0) & (p <= 1))
    # Hops 0..2 end at samples 160, 320, 480: no 512-sample chunk is complete yet.
    assert np.all(p[:3] == 0.0)
    assert fresh.process(np.zeros(0, np.float32)).shape == (0,)


@pytest.mark.parametrize(
    "sizes",
    [[1], [7], [100], [3, 1, 4, 1, 5, 9, 2, 6], [0, 1, 0, 13, 2]],
    ids=["1", "7", "100", "pi", "with-empty"],
)
def test_block_invariance(fresh: SileroVad, sizes: list[int]) -> None:
    x = speechlike(2.5, seed=1)
    whole = fresh.process(x)
    fresh.reset()
    assert np.array_equal(feed(fresh, x, sizes), whole)  # bitwise


def test_block_invariance_random_cuts_and_float64(fresh: SileroVad) -> None:
    x = speechlike(2.0, seed=2)
    whole = fresh.process(x)
    rng = np.random.default_rng(3)
    for _ in range(3):
        fresh.reset()
        sizes = [int(s) for s in rng.integers(0, 40, size=25)]
        assert np.array_equal(feed(fresh, x, sizes), whole)
    fresh.reset()
    assert np.array_equal(fresh.process(x.astype(np.float64)), whole)


def test_matches_reference_onnx_wrapper_loop(fresh: SileroVad) -> None:
    """Same numbers as silero_vad.utils_vad.OnnxWrapper, one 512-sample chunk per call."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(
        str(silero.default_model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    x = speechlike(2.0, seed=4)
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, CONTEXT_SIZE), np.float32)
    ref = []
    for k in range(x.size // CHUNK_SIZE):
        chunk = np.concatenate([context, x[None, k * CHUNK_SIZE : (k + 1) * CHUNK_SIZE]], axis=1)
        out, state = session.run(
            None, {"input": chunk, "state": state, "sr": np.array(SR, dtype=np.int64)}
        )
        context = chunk[:, -CONTEXT_SIZE:]
        ref.append(out[0, 0])
    ref = np.array([0.0, *ref], dtype=np.float32)

    got = feed(fresh, x, [7])
    hop_ends = HOP * np.arange(1, got.size + 1)
    np.testing.assert_allclose(got, ref[hop_ends // CHUNK_SIZE], rtol=0, atol=1e-6)


def test_reset_restores_initial_state(fresh: SileroVad) -> None:
    x = speechlike(1.5, seed=5)
    first = feed(fresh, x, [3])
    fresh.reset()
    second = feed(fresh, x, [3])
    assert np.array_equal(first, second)
    assert np.array_equal(SileroVad().process(x), first)


def test_delay() -> None:
    assert SileroVad.hop_size == HOP and SileroVad.sample_rate == SR
    assert SileroVad().delay_s == pytest.approx(0.030)


# ---------------------------------------------------------------------------- no torch


def test_torch_not_imported(fresh: SileroVad) -> None:
    fresh.process(speechlike(0.5))
    assert "torch" not in sys.modules
    assert "silero_vad" not in sys.modules  # its __init__ imports torch


def test_torch_never_attempted_in_subprocess() -> None:
    """Even with torch installed, loading and running the VAD must not import it."""
    code = textwrap.dedent(
        """
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch import attempted")
                return None

        sys.meta_path.insert(0, Block())
        import numpy as np
        from voicecoach.analysis.silero import SileroVad

        p = SileroVad().process(np.zeros(1600, np.float32))
        assert p.shape == (10,)
        assert "torch" not in sys.modules and "silero_vad" not in sys.modules
        print("ok")
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


# ------------------------------------------------------------------------------ quality


def test_silence_and_low_noise_give_low_probability(fresh: SileroVad) -> None:
    assert np.all(fresh.process(np.zeros(2 * SR, np.float32)) < 0.1)
    fresh.reset()
    noise = (0.003 * np.random.default_rng(6).standard_normal(2 * SR)).astype(np.float32)
    p = fresh.process(noise)
    assert p.mean() < 0.1
    assert p.max() < 0.3


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_synthesised_french_speech(
    fresh: SileroVad, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sf = pytest.importorskip("soundfile")
    soxr = pytest.importorskip("soxr")
    wav = tmp_path / "fr.wav"
    sentence = (
        "Bonjour, je vous appelle au sujet de votre commande. "
        "Elle sera livrée demain matin, avant midi."
    )
    subprocess.run(
        ["espeak-ng", "-v", "fr", "-w", str(wav), sentence],
        check=True,
        capture_output=True,
        timeout=30,
    )
    audio, rate = sf.read(wav, dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    speech = soxr.resample(audio, rate, SR).astype(np.float32)

    lead, tail = SR // 2, 2 * SR
    x = np.concatenate([np.zeros(lead, np.float32), speech, np.zeros(tail, np.float32)])
    x = x[: x.size // HOP * HOP]

    start = time.perf_counter()
    p = feed(fresh, x, [1])  # live-like: one hop per call
    per_hop_us = (time.perf_counter() - start) / p.size * 1e6
    fresh.reset()
    start = time.perf_counter()
    whole = fresh.process(x)
    per_hop_block_us = (time.perf_counter() - start) / p.size * 1e6
    assert np.array_equal(p, whole)

    active = np.flatnonzero(np.abs(speech) > 0.02)
    first_hop = (lead + active[0]) // HOP
    last_hop = (lead + active[-1]) // HOP
    voiced_mean = float(p[first_hop : last_hop + 1].mean())
    silence = p[last_hop + 30 :]  # 300 ms after the last speech sample
    silence_mean = float(silence.mean())
    with capsys.disabled():
        print(
            f"\n[silero] {p.size} hops; cost {per_hop_us:.1f} us/hop fed hop by hop, "
            f"{per_hop_block_us:.1f} us/hop in one block; "
            f"mean p voiced {voiced_mean:.3f}, silence {silence_mean:.3f}"
        )
    assert voiced_mean > 0.5
    assert silence_mean < 0.2
    assert p[: lead // HOP].max() < 0.2


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("block", "match"),
    [
        ([0.0] * 160, "numpy array.*got list"),
        (np.zeros(160, np.int16), "dtype int16.*float32 and float64"),
        (np.zeros(160, np.float16), "dtype float16"),
        (np.zeros((160, 2), np.float32), r"1-D.*\(160, 2\)"),
        (np.zeros(161, np.float32), "161 samples.*multiple of 160"),
        (np.array([0.0] * 159 + [np.nan], np.float32), "non-finite.*nan at index 159"),
        (np.array([np.inf] + [0.0] * 159, np.float32), "non-finite.*inf at index 0"),
        (np.array([1e300] + [0.0] * 159, np.float64), "after conversion to float32"),
    ],
    ids=["list", "int16", "float16", "2d", "length", "nan", "inf", "overflow"],
)
def test_process_rejects_bad_blocks(fresh: SileroVad, block: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        fresh.process(block)  # type: ignore[arg-type]


def test_rejected_block_leaves_state_untouched(fresh: SileroVad) -> None:
    x = speechlike(1.0, seed=7)
    expected = feed(fresh, x, [5])
    fresh.reset()
    first = fresh.process(x[: 5 * HOP])
    with pytest.raises(ParameterError):
        fresh.process(np.full(HOP, np.nan, np.float32))
    rest = feed(fresh, x[5 * HOP :], [5])
    assert np.array_equal(np.concatenate([first, rest]), expected)


@pytest.mark.parametrize(("threads", "match"), [(0, "got 0"), (True, "got True"), (1.5, "got 1.5")])
def test_bad_threads(threads: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        SileroVad(threads=threads)  # type: ignore[arg-type]


def test_two_threads_work() -> None:
    x = speechlike(1.0, seed=8)
    two, one = SileroVad(threads=2), SileroVad()
    np.testing.assert_allclose(two.process(x), one.process(x), atol=1e-5)
    # the session runs with the threads asked for (its own session, not the 1-thread one)
    assert two._session is not one._session
    assert two._session.get_session_options().intra_op_num_threads == 2
    assert one._session.get_session_options().intra_op_num_threads == 1


def test_bad_model_paths(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="not an existing file"):
        SileroVad(model_path=tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ParameterError, match=r"Cannot load .*junk\.onnx"):
        SileroVad(model_path=junk)
    with pytest.raises(ParameterError, match=r"str or os\.PathLike"):
        SileroVad(model_path=123)  # type: ignore[arg-type]
    sequence = silero.default_model_path().with_name("silero_vad_16k_sequence.onnx")
    if sequence.is_file():
        with pytest.raises(ParameterError, match="not a streaming Silero VAD v5 model"):
            SileroVad(model_path=sequence)


def test_explicit_model_path_equals_default() -> None:
    x = speechlike(1.0, seed=9)
    explicit = SileroVad(model_path=str(silero.default_model_path())).process(x)
    assert np.array_equal(explicit, SileroVad().process(x))


def test_missing_onnxruntime_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ParameterError, match=r"pip install 'voicecoach\[silero\]'"):
        SileroVad()


def test_missing_silero_vad_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "silero_vad", None)
    with pytest.raises(ParameterError, match="pip install --no-deps silero-vad"):
        SileroVad()


# ----------------------------------------------------------------------------- batches


@pytest.mark.parametrize("sizes", [[1], [2], [3, 1, 7], [50]])
def test_process_many_equals_each_stream_alone(sizes: list[int]) -> None:
    """Several streams in one batched run per chunk give each stream's own values, bitwise
    (also across blocks that complete no chunk, and the state carried between blocks)."""
    a, b = speechlike(2.5, seed=4), 0.5 * speechlike(2.5, seed=5)[::-1].copy()
    alone = [SileroVad().process(a), SileroVad().process(b)]
    va, vb = SileroVad(), SileroVad()
    assert va._session is vb._session  # one shared session
    out: list[list[np.ndarray]] = [[], []]
    pos = i = 0
    while pos < a.size:
        n = sizes[i % len(sizes)] * HOP
        pa, pb = SileroVad.process_many([va, vb], [a[pos : pos + n], b[pos : pos + n]])
        out[0].append(pa)
        out[1].append(pb)
        pos += n
        i += 1
    assert np.array_equal(np.concatenate(out[0]), alone[0])
    assert np.array_equal(np.concatenate(out[1]), alone[1])
    assert alone[0].max() > 0.5 and not np.array_equal(alone[0], alone[1])  # real values


def test_process_many_batches_streams_out_of_step_and_of_other_lengths() -> None:
    """Streams at different positions within a chunk, fed blocks of different lengths (the
    channels with the double-talk hold's stream, which advances on some hops only), go
    through one run per chunk index, and each gets its own values, bitwise."""
    a, b, c = speechlike(2.0, seed=6), speechlike(2.0, seed=7), 0.3 * speechlike(2.0, seed=8)
    alone = [SileroVad().process(x) for x in (a, b, c)]
    vads = [SileroVad(), SileroVad(), SileroVad()]
    runs = count_runs(vads)
    vads[0].process(a[: 3 * HOP])  # a is 3 hops ahead; then each stream its own cuts
    pos = [3 * HOP, 0, 0]
    outs: list[list[np.ndarray]] = [[alone[0][:3]], [], []]
    rng = np.random.default_rng(3)
    while min(p_ - x.size for p_, x in zip(pos, (a, b, c), strict=True)) < 0:
        blocks = []
        for i, x in enumerate((a, b, c)):
            n = min(int(rng.integers(0, 6)) * HOP, x.size - pos[i])
            blocks.append(x[pos[i] : pos[i] + n])
            pos[i] += n
        for o, p_ in zip(outs, SileroVad.process_many(vads, blocks), strict=True):
            o.append(p_)
    for o, ref in zip(outs, alone, strict=True):
        assert np.array_equal(np.concatenate(o), ref)
    chunks = sum(x.size // 512 for x in (a, b, c))
    assert runs() < 0.6 * chunks, (runs(), chunks)  # batched, not one by one
    with pytest.raises(ParameterError, match="one block per stream"):
        SileroVad.process_many(vads, [a])


def test_process_many_runs_a_repeated_stream_in_order() -> None:
    """One stream given twice is run one by one, in order (the same values as process
    called on each block in turn); so are blocks of different lengths."""
    a, b = speechlike(1.0, seed=6), speechlike(1.0, seed=7)
    va, vb, ra, rb = SileroVad(), SileroVad(), SileroVad(), SileroVad()
    pa, pb = SileroVad.process_many([va, vb], [a, b[: 40 * HOP]])
    assert np.array_equal(pa, ra.process(a))
    assert np.array_equal(pb, rb.process(b[: 40 * HOP]))
    v, r = SileroVad(), SileroVad()
    p1, p2 = SileroVad.process_many([v, v], [a, b])
    assert np.array_equal(p1, r.process(a))
    assert np.array_equal(p2, r.process(b))


def test_detector_falls_back_to_webrtc_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without onnxruntime the silero backend (the default) warns, naming what to install,
    and decides as the webrtc backend would (vad.SpeechDetector), in the configured
    ``webrtc_mode``: the signal is the demo call's first 6 s of agent voice, on which
    webrtcvad's modes decide differently (the generated speech-like signal does not tell
    them apart)."""
    import soundfile as sf

    from voicecoach.analysis import ChannelAnalyzer
    from voicecoach.config import load_config
    from voicecoach.errors import VadBackendUnavailable

    demo = Path(__file__).resolve().parents[1] / "recordings" / "demo_call.flac"
    x = np.ascontiguousarray(sf.read(demo, frames=6 * 16000, dtype="float32")[0][:, 0])
    cfg = load_config()
    webrtc = ChannelAnalyzer(cfg.replace(vad={"backend": "webrtc"})).process(x)
    for mode in {0, 1, 2, 3} - {cfg.vad.webrtc_mode}:  # the modes differ on this signal
        other = cfg.replace(vad={"backend": "webrtc", "webrtc_mode": mode})
        assert not ChannelAnalyzer(other).process(x).equals(webrtc), mode
    with_silero = ChannelAnalyzer().process(x)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.warns(VadBackendUnavailable, match=r"pip install 'voicecoach\[silero\]'.*"
                      r"Using the webrtc VAD backend instead"):
        an = ChannelAnalyzer()
    got = an.process(x)
    assert got.equals(webrtc)
    assert webrtc.speech.any() and not webrtc.equals(with_silero)  # the backends differ here


def test_a_model_without_an_sr_input_runs_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The half-precision model of the wheel takes no ``sr``: it is not fed one (and its
    streams are not batched), and a model whose outputs are not output, stateN is refused."""
    half = silero.default_model_path().with_name("silero_vad_half.onnx")
    if not half.is_file():  # pragma: no cover - depends on the silero-vad wheel
        pytest.skip("no silero_vad_half.onnx in this silero-vad wheel")
    x = speechlike(1.0, seed=11)
    alone = SileroVad(model_path=half).process(x)
    assert alone.shape == (x.size // HOP,) and 0.5 < alone.max() <= 1.0
    va, vb = SileroVad(model_path=half), SileroVad(model_path=half)
    pa, pb = SileroVad.process_many([va, vb], [x, x])
    assert np.array_equal(pa, alone) and np.array_equal(pb, alone)

    real = silero._session

    class Renamed:
        def __init__(self, session: object) -> None:
            self._s = session

        def get_inputs(self) -> list:
            return self._s.get_inputs()

        def get_outputs(self) -> list:
            return [type("Out", (), {"name": n})() for n in ("probs", "stateN")]

    monkeypatch.setattr(silero, "_session", lambda path, threads: Renamed(real(path, threads)))
    with pytest.raises(ParameterError, match=r"not a streaming Silero VAD v5 model.*"
                       r"outputs \['probs', 'stateN'\]"):
        SileroVad(model_path=half)
