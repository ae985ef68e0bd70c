"""Privacy by default (issue #13 item 3): owner-only files, names not paths, retention, no network.

Recordings hold customers' voices and reports the agent's voice statistics, so every file
voicecoach writes is 0600 and every folder it creates 0700, whatever the umask.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.cli import main
from voicecoach.errors import ParameterError, SourceError
from voicecoach.privacy import open_private, private_dir, private_file, prune_recordings
from voicecoach.profiles import ProfileStore
from voicecoach.sinks.eventlog import EventLog
from voicecoach.sinks.recorder import Recorder
from voicecoach.sources.synthetic import synth_speech

SR = 16000
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a, _ = synth_speech(duration_s=6, f0_hz=130.0, snr_db=30, seed=3)
    c, _ = synth_speech(duration_s=6, f0_hz=210.0, snr_db=30, seed=4)
    p = tmp_path_factory.mktemp("audio") / "call.wav"
    sf.write(p, np.stack([a, np.roll(c, SR * 3)], 1), SR)
    return p


def modes(root: Path) -> dict[str, int]:
    """Permission bits of ``root`` and everything under it, by relative path."""
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        out[str(p.relative_to(root))] = stat.S_IMODE(p.lstat().st_mode)
    return out


def assert_private(root: Path) -> None:
    got = modes(root)
    assert len(got) > 1
    bad = {k: oct(m) for k, m in got.items() if m != (0o700 if (root / k).is_dir() else 0o600)}
    assert bad == {}


def test_helpers_ignore_the_umask(tmp_path: Path, umask: int) -> None:
    d = private_dir(tmp_path / "a" / "b")
    with open_private(d / "x.txt", "w") as f:
        f.write("hi")
    private_file(d / "y.wav")
    assert_private(tmp_path / "a")
    # an existing file written again is made private too
    loose = tmp_path / "loose.txt"
    loose.write_text("old")
    loose.chmod(0o644)
    with open_private(loose, "w") as f:
        f.write("new")
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    # ...and through private_file (os.open keeps an existing file's mode: only fchmod fixes it)
    loose.chmod(0o644)
    private_file(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    # an existing folder voicecoach owns is made 0700; its existing parent is left alone
    own = tmp_path / "shared" / "mine"
    own.mkdir(parents=True)
    (tmp_path / "shared").chmod(0o755)
    own.chmod(0o755)
    private_dir(own)
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o755


def test_helpers_ignore_a_umask_that_strips_owner_bits(tmp_path: Path) -> None:
    """A umask of 277 takes the owner's write bit (and more) from os.mkdir/os.open's mode:
    only the explicit chmod gives 0700 folders and 0600 files (022 and 000 never need it)."""
    old = os.umask(0o277)
    try:
        d = private_dir(tmp_path / "a" / "b")
        with open_private(d / "x.txt", "w") as f:
            f.write("hi")
        private_file(d / "y.wav")
    finally:
        os.umask(old)
    assert_private(tmp_path / "a")


def test_review_writes_owner_only(tmp_path: Path, call_wav: Path, umask: int) -> None:
    out = tmp_path / "reports"
    assert main(["review", str(call_wav), "--out", str(out), "--lang", "en"]) == 0
    names = set(modes(out))
    assert {"call/report.json", "call/report.html", "call/timeline.png", "index.html"} <= names
    assert any(n.startswith("call/tracks") for n in names)
    assert_private(out)


def test_recordings_event_logs_and_profiles_are_owner_only(tmp_path: Path, umask: int) -> None:
    rec = Recorder(tmp_path / "rec" / "20250101-090000")
    rec.write(np.zeros((1600, 2), np.float32))
    rec.close()
    log = EventLog(tmp_path / "rec" / "20250101-090000" / "events.jsonl")
    log.close()
    x, _ = synth_speech(duration_s=30, f0_hz=140.0, snr_db=30, seed=1)
    sf.write(tmp_path / "calm.wav", x, SR)
    argv = ["calibrate", "--profile", "al", "--input", str(tmp_path / "calm.wav")]
    assert main([*argv, "--profiles-dir", str(tmp_path / "profiles")]) == 0
    assert_private(tmp_path / "rec")
    assert_private(tmp_path / "profiles")


def test_reports_store_names_not_paths(tmp_path: Path, call_wav: Path) -> None:
    out = tmp_path / "r"
    assert (
        main(["review", str(call_wav), "--out", str(out), "--lang", "en", "--audio-copy", "none"])
        == 0
    )
    rep = json.loads((out / "call" / "report.json").read_text())
    assert rep["audio"]["path"] == "call.wav"
    for f in (out / "call").iterdir():
        if f.suffix in (".json", ".jsonl", ".html"):
            assert str(call_wav.parent) not in f.read_text(errors="replace"), f.name
    full = tmp_path / "full"
    argv = ["review", str(call_wav), "--out", str(full), "--full-paths", "--no-html"]
    assert main(argv) == 0
    rep = json.loads((full / "call" / "report.json").read_text())
    assert rep["audio"]["path"] == str(call_wav.resolve())


def test_profiles_store_names_not_paths(tmp_path: Path) -> None:
    x, _ = synth_speech(duration_s=30, f0_hz=140.0, snr_db=30, seed=1)
    wav = tmp_path / "private" / "alice" / "calm.wav"
    wav.parent.mkdir(parents=True)
    sf.write(wav, x, SR)
    store = tmp_path / "p"
    base = ["calibrate", "--input", str(wav), "--profiles-dir", str(store)]
    assert main([*base, "--profile", "a"]) == 0
    text = (store / "a.toml").read_text()
    assert "calm.wav (channel 0)" in text and str(wav.parent) not in text
    assert main([*base, "--profile", "b", "--full-paths"]) == 0
    assert str(wav) in (store / "b.toml").read_text()


def test_profile_delete_removes_kept_calibration_audio(tmp_path: Path, capsys) -> None:
    x, _ = synth_speech(duration_s=30, f0_hz=140.0, snr_db=30, seed=1)
    sf.write(tmp_path / "calm.wav", x, SR)
    store = tmp_path / "p"
    args = ["--profiles-dir", str(store)]
    assert main(["calibrate", "--profile", "al", "--input", str(tmp_path / "calm.wav"), *args]) == 0
    sf.write(store / "al.wav", x[:SR], SR)  # calibration audio kept beside the profile
    sf.write(store / "other.wav", x[:SR], SR)
    capsys.readouterr()
    assert main(["profile", "delete", "al", *args]) == 0
    assert "al.toml et al.wav" in capsys.readouterr().out  # French by default
    assert sorted(p.name for p in store.iterdir()) == ["other.wav"]
    assert ProfileStore(store).list() == []


def make_session(root: Path, name: str, age_days: float, now: float) -> Path:
    d = root / name
    d.mkdir(parents=True)
    for f in ("agent.wav", "customer.wav", "events.jsonl", "session.json"):
        (d / f).write_bytes(b"x" * 1000)
        t = now - age_days * 86400
        os.utime(d / f, (t, t))
    return d


def test_prune_recordings(tmp_path: Path, capsys) -> None:
    now = time.time()
    root = tmp_path / "recordings"
    old = make_session(root, "20240101-090000", 40, now)
    older = make_session(root, "20231201-090000", 70, now)
    fresh = make_session(root, "20250101-090000", 2, now)
    # an old session written to yesterday (its events): its age is its newest file's
    touched = make_session(root, "20231101-090000", 90, now)
    os.utime(touched / "events.jsonl", (now - 86400, now - 86400))
    (root / "notes").mkdir()  # not a session: never touched
    t = now - 100 * 86400
    os.utime(root / "notes", (t, t))
    (root / "demo_call.flac").write_bytes(b"x")
    listed = prune_recordings(root, 30, dry_run=True, now_s=now)
    assert [e.folder for e in listed] == [older, old]  # oldest first
    argv = ["recordings", "prune", "--older-than", "30", "--dir", str(root)]
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 2 session(s)" in out and older.name in out and fresh.name not in out
    assert old.is_dir() and older.is_dir()
    assert main(argv) == 0
    assert "deleted 2 session(s)" in capsys.readouterr().out
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [fresh.name, touched.name, "notes", "demo_call.flac"]
    )
    gone = prune_recordings(root, 1.5, dry_run=True, now_s=now)
    assert [e.folder for e in gone] == [fresh]
    assert gone[0].size_bytes == 4000 and abs(gone[0].age_days - 2) < 0.01


def test_prune_bad_input(tmp_path: Path, capsys) -> None:
    with pytest.raises(ParameterError, match=r"--older-than must be a positive number of days"):
        prune_recordings(tmp_path, 0)
    with pytest.raises(SourceError, match=r"recordings folder .* does not exist"):
        prune_recordings(tmp_path / "none", 30)
    (tmp_path / "a.wav").write_bytes(b"x")
    with pytest.raises(SourceError, match=r"recordings folder .*a.wav' is a file, not a folder"):
        prune_recordings(tmp_path / "a.wav", 30)
    assert main(["recordings", "prune", "--older-than", "30", "--dir", str(tmp_path / "x")]) != 0
    assert capsys.readouterr().err.startswith("Error: recordings folder")


NO_NETWORK = textwrap.dedent(
    """
    import socket, sys

    # every Python-level network operation raises (and is logged, in case it is swallowed);
    # AF_UNIX sockets (local IPC) stay allowed
    NET = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind",
           "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
           "urllib.Request", "http.client.connect"}

    def hook(event, args):
        if event in NET:
            sock = args[0] if args and isinstance(args[0], socket.socket) else None
            if sock is not None and sock.family == getattr(socket, "AF_UNIX", None):
                return
            sys.stderr.write(f"NETWORK ATTEMPT: {event} {args!r}\\n")
            raise OSError(f"network access attempted: {event}")

    sys.addaudithook(hook)
    from voicecoach.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_the_network_block_works(tmp_path: Path) -> None:
    """The guard itself: a connection attempt under it fails (so the test below can fail)."""
    probe = "socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
    code = NO_NETWORK.replace("from voicecoach.cli", probe + "from voicecoach.cli")
    r = subprocess.run(
        [sys.executable, "-c", code, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode != 0 and "NETWORK ATTEMPT: socket." in r.stderr


def test_review_makes_no_network_call(tmp_path: Path, call_wav: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    out = tmp_path / "r"
    r = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, "review", str(call_wav), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "NETWORK ATTEMPT" not in r.stderr
    assert (out / "call" / "report.html").is_file()
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_NETWORK,
            "analyze",
            str(call_wav),
            "--out",
            str(tmp_path / "f.csv"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "NETWORK ATTEMPT" not in r.stderr  # an attempt swallowed by the code still shows
    assert (tmp_path / "f.csv").is_file()


def test_a_pair_review_is_reused_with_names(tmp_path: Path, capsys) -> None:
    a, _ = synth_speech(duration_s=6, f0_hz=130.0, snr_db=30, seed=3)
    c, _ = synth_speech(duration_s=6, f0_hz=210.0, snr_db=30, seed=4)
    sf.write(tmp_path / "x_agent.wav", a, SR)
    sf.write(tmp_path / "x_customer.wav", np.roll(c, SR * 3), SR)
    argv = ["review", str(tmp_path / "x_agent.wav"), str(tmp_path / "x_customer.wav")]
    argv += ["--out", str(tmp_path / "r"), "--no-html"]
    assert main(argv) == 0
    rep = json.loads((tmp_path / "r" / "x" / "report.json").read_text())
    assert rep["roles"] == {"agent": "x_agent.wav", "customer": "x_customer.wav"}
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out  # the review's language: French by default
    assert "1 appel(s) revu(s) dans" in out
    assert "(1 réévalué(s) à partir des pistes en cache)" in out
    assert main([*argv, "--lang", "en"]) == 0
    assert "1 re-coached from cached tracks" in capsys.readouterr().out


def test_live_recording_is_owner_only(tmp_path: Path, call_wav: Path, umask: int) -> None:
    rec = tmp_path / "recordings"
    argv = ["live", "--replay", str(call_wav), "--record", str(rec), "--display", "none"]
    assert main([*argv, "--speed", "50"]) == 0
    (session,) = rec.iterdir()
    assert {"agent.wav", "customer.wav", "events.jsonl", "session.json"} <= {
        p.name for p in session.iterdir()
    }
    assert_private(rec)
    doc = json.loads((session / "session.json").read_text())
    assert doc["source"]["replay"] == "call.wav"
