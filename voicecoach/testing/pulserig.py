"""A private PulseAudio server with virtual sinks, so the real sounddevice input path runs headless.

The rig lives in one folder ``base`` (socket, state, daemon HOME, ALSA config, logs, PID
files), so it touches nothing else on the machine and stopping is exact: only the PIDs it
recorded are killed, never processes found by name.

Layout (a two-party call)::

    vc_duo  null sink, 2 channels (front-left = far end, front-right = microphone)
    vc_far  remap sink on vc_duo front-left   -> vc_far.monitor plays the customer
    vc_mic  remap sink on vc_duo front-right  -> vc_mic.monitor plays the agent

``$XDG_CONFIG_HOME/alsa/asoundrc`` names one ALSA PCM per monitor, so
``sounddevice.query_devices()`` lists ``vc_far``, ``vc_mic`` and ``vc_duo`` (ALSA host
API). A low-latency ``pacat`` reader on each monitor keeps the idle sinks rendering in
10 ms blocks (an idle null sink otherwise runs at 2 s latency and the first capture
callback comes late).

Command line (used by ``scripts/test.sh``)::

    python -m voicecoach.testing.pulserig run BASE     # start, write BASE/rig.env, stay up
                                                       # until SIGTERM, then stop the daemons
    python -m voicecoach.testing.pulserig start BASE   # start, print `export K=V`, return
    python -m voicecoach.testing.pulserig stop BASE
    python -m voicecoach.testing.pulserig status BASE

From Python::

    rig = PulseRig.start(base)        # or PulseRig.attach(base) for a running one
    rig.apply_env()                   # os.environ, before sounddevice lists devices
    rig.play("vc_mic", samples, 16000, wait=True)
    rig.stop()
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import RigError

__all__ = ["RIG_ENV", "SINKS", "PulseRig", "RigError", "main"]

#: Environment variable naming the folder of a running rig (set by scripts/test.sh).
RIG_ENV = "VOICECOACH_PULSE_RIG"

#: Sinks of the rig and the ALSA PCM description of their monitors.
SINKS = {"vc_far": "far end (customer)", "vc_mic": "microphone (agent)", "vc_duo": "both parties"}

#: ALSA PCMs written to the rig's asoundrc: name -> (sink whose monitor it reads, description).
#: ``vc_duo_b`` is a second, independent handle on vc_duo's monitor: two streams reading the
#: same sample-synchronous audio measure the capture's alignment of two devices.
ALSA_PCMS = {**{k: (k, v) for k, v in SINKS.items()},
             "vc_duo_b": ("vc_duo", "both parties, second handle")}

_TOOLS = ("pulseaudio", "pactl", "pacat", "paplay")


def _pid_alive(pid: int, name: str) -> bool:
    """True when ``pid`` runs and its command is ``name`` (guards against PID reuse)."""
    proc = _CHILDREN.get(pid)
    if proc is not None:  # our own child: ask it (its cmdline is ours until it execs)
        return proc.poll() is None
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(cmd.decode(errors="replace")) == name


@dataclass
class PulseRig:
    """A running private PulseAudio server (see the module notes).

    Attributes
    ----------
    base : Path
        The folder holding everything of this rig.
    env : dict of str to str
        Variables a client needs: ``PULSE_SERVER``, ``XDG_CONFIG_HOME`` (ALSA config),
        ``XDG_RUNTIME_DIR`` and :data:`RIG_ENV`.
    owned : bool
        True when this object started the rig (and :meth:`stop` may stop it).
    modules : dict of str to int
        The PulseAudio module index of each sink this rig loaded (by sink name).
    """

    base: Path
    env: dict[str, str]
    owned: bool = False
    modules: dict[str, int] = field(default_factory=dict)
    #: ``os.environ``'s values of :attr:`env`'s keys before :meth:`apply_env` (None: not
    #: applied); :meth:`stop` puts them back, so a later rig in the same process is not sent
    #: to this one's stopped server
    _saved_env: dict[str, str | None] | None = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(cls, base: str | os.PathLike, timeout_s: float = 15.0) -> PulseRig:
        """Start pulseaudio privately under ``base``, create the sinks and wait until ready.

        Parameters
        ----------
        base : path-like
            The rig's folder (created); its sockets, state and PIDs live there.
        timeout_s : float
            How long to wait for the server and the sinks, s.

        Returns
        -------
        PulseRig
            Owned: :meth:`stop` stops its daemons.

        Raises
        ------
        RigError
            When a tool is missing or the server or the sinks do not come up in time.
            Whatever was started is stopped again before raising.
        """
        missing = [t for t in _TOOLS if shutil.which(t) is None]
        if missing:
            raise RigError(
                f"missing {', '.join(missing)}: install pulseaudio and pulseaudio-utils "
                f"(Debian/Ubuntu: sudo apt-get install pulseaudio pulseaudio-utils "
                f"libasound2-plugins), or run scripts/setup.sh"
            )
        base = Path(base).resolve()
        if (base / "pids").exists() and any(cls._read_pids(base).values()):
            raise RigError(f"{base} already holds a rig; stop it first (pulserig stop {base})")
        for sub in ("home", "xdg", "config/alsa", "state", "pids"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "xdg").chmod(0o700)
        env = {
            "PULSE_SERVER": f"unix:{base}/pulse.sock",
            "XDG_CONFIG_HOME": str(base / "config"),
            "XDG_RUNTIME_DIR": str(base / "xdg"),
            RIG_ENV: str(base),
        }
        rig = cls(base=base, env=env, owned=True)
        try:
            rig._spawn(
                "pulseaudio",
                [
                    "pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1",
                    "--use-pid-file=no", "--log-target=stderr", "--disallow-exit",
                    "-L", f"module-native-protocol-unix auth-anonymous=1 socket={base}/pulse.sock",
                ],
                extra_env={
                    "HOME": str(base / "home"),
                    "PULSE_RUNTIME_PATH": str(base / "xdg/pulse"),
                    "PULSE_STATE_PATH": str(base / "state"),
                },
            )
            rig._wait(lambda: rig._pactl_ok("info"), timeout_s, "pulseaudio to answer")
            rig.pactl("load-module", "module-cli-protocol-unix", f"socket={base}/cli.sock")
            rig._create_sinks()
            rig._write_alsa_config()
            for sink in SINKS:
                rig._spawn(
                    "pacat",
                    ["pacat", "-r", "--latency-msec=10", "-d", f"{sink}.monitor", "--raw",
                     "--rate=8000", "--channels=1", "--format=s16le", "--", "/dev/null"],
                    tag=f"pacat-{sink}",
                )
            rig._wait(lambda: max(rig.sink_latencies_s().values()) < 0.2, timeout_s,
                      "sink latencies below 200 ms")
        except BaseException:
            rig.stop()
            raise
        (base / "rig.json").write_text(json.dumps({"env": env, "modules": rig.modules}))
        return rig

    @classmethod
    def attach(cls, base: str | os.PathLike) -> PulseRig:
        """Use a rig started elsewhere (e.g. by ``scripts/test.sh``); it is not ours to stop.

        Parameters
        ----------
        base : path-like
            The folder the rig was started in.

        Returns
        -------
        PulseRig

        Raises
        ------
        RigError
            When ``base`` holds no rig, or its server does not answer.
        """
        base = Path(base).resolve()
        try:
            info = json.loads((base / "rig.json").read_text())
        except (OSError, ValueError) as exc:
            raise RigError(f"no running rig in {base} ({exc}); start one with "
                           f"python -m voicecoach.testing.pulserig start {base}") from exc
        rig = cls(base=base, env=info["env"], owned=False, modules=info.get("modules", {}))
        if not rig._pactl_ok("info"):
            raise RigError(f"the rig in {base} does not answer (see {base}/pulseaudio.log)")
        return rig

    def stop(self) -> None:
        """Stop exactly the processes this rig recorded (pacat readers, then pulseaudio), and
        give ``os.environ`` back what :meth:`apply_env` replaced."""
        pids = self._read_pids(self.base)
        for tag in sorted(pids, key=lambda t: t == "pulseaudio"):
            pid = pids[tag]
            name = "pulseaudio" if tag == "pulseaudio" else "pacat"
            if _pid_alive(pid, name):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 3.0
                while _pid_alive(pid, name) and time.monotonic() < deadline:
                    self._reap(pid)
                    time.sleep(0.02)
                if _pid_alive(pid, name):
                    os.kill(pid, signal.SIGKILL)
                self._reap(pid)
            (self.base / "pids" / tag).unlink(missing_ok=True)
        (self.base / "rig.json").unlink(missing_ok=True)
        if self._saved_env is not None:  # the variables apply_env set, as they were
            for k, v in self._saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            self._saved_env = None

    # ------------------------------------------------------------------ use
    def apply_env(self) -> None:
        """Put :attr:`env` into ``os.environ`` (do it before PortAudio lists devices);
        :meth:`stop` restores what was there."""
        if self._saved_env is None:
            self._saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)

    def client_env(self) -> dict[str, str]:
        """``os.environ`` plus :attr:`env`, for subprocesses.

        Returns
        -------
        dict of str to str
        """
        return {**os.environ, **self.env}

    def pactl(self, *args: str, check: bool = True) -> str:
        """Run ``pactl`` against this server and return its output.

        Parameters
        ----------
        *args : str
            ``pactl`` arguments.
        check : bool
            Raise :class:`RigError` when ``pactl`` fails.

        Returns
        -------
        str
            Its standard output.
        """
        res = subprocess.run(["pactl", *args], env=self.client_env(), capture_output=True,
                             text=True, timeout=10)
        if check and res.returncode:
            raise RigError(f"pactl {' '.join(args)} failed: {res.stderr.strip()}")
        return res.stdout

    def play(self, sink: str, audio: np.ndarray | str | os.PathLike, sample_rate: int = 16000,
             wait: bool = False) -> subprocess.Popen:
        """Play a file or float samples (mono, [-1, 1]) into ``sink`` with paplay.

        Returns the ``paplay`` process (already finished when ``wait``).

        Parameters
        ----------
        sink : str
            The sink's name.
        audio : np.ndarray or path-like
            Samples, shape (n_samples,), float (written as 16-bit WAV in the rig's folder),
            or an audio file.
        sample_rate : int
            Hz, for samples.
        wait : bool
            Wait (up to 120 s) for the playback to end.

        Returns
        -------
        subprocess.Popen

        Raises
        ------
        RigError
            With ``wait``, when ``paplay`` fails.
        """
        if isinstance(audio, np.ndarray):
            import soundfile as sf

            path = self.base / f"play-{sink}-{time.monotonic_ns()}.wav"
            sf.write(path, np.asarray(audio, np.float32), sample_rate, subtype="PCM_16")
        else:
            path = Path(audio)
        # paplay's default (large) buffer: a loaded machine must not insert underrun gaps
        proc = subprocess.Popen(["paplay", f"--device={sink}", str(path)],
                                env=self.client_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        if wait:
            _, err = proc.communicate(timeout=120)
            if proc.returncode:
                raise RigError(f"paplay into {sink} failed: {err.decode(errors='replace')}")
        return proc

    def run_live(self, args: Sequence[str],
                 plays: Sequence[tuple[str, np.ndarray | str | os.PathLike]],
                 sample_rate: int = 16000, settle_s: float = 0.3,
                 timeout_s: float = 120.0) -> tuple[int, str]:
        """Run ``voicecoach live ARGS`` on this rig and play into its sinks once it listens.

        The session is started, its first output line awaited ("listening ..."), then after
        ``settle_s`` every ``(sink, audio)`` of ``plays`` starts at once (:meth:`play`); the
        players and then the session are waited for (``live`` ends by its ``--duration``).

        Parameters
        ----------
        args : sequence of str
            Arguments after ``voicecoach live``.
        plays : sequence of (str, np.ndarray or path-like)
            Sink name and what to play into it (samples at ``sample_rate``, or a file).
        sample_rate : int
            Hz, of sample arrays in ``plays``.
        settle_s : float
            Wait between "listening" and the start of playback, s.
        timeout_s : float
            Longest wait for the players, and then for the session, s.

        Returns
        -------
        (int, str)
            The session's exit status and its standard error.

        Raises
        ------
        RigError
            When the session does not start listening, or a player fails.
        """
        live = subprocess.Popen([sys.executable, "-m", "voicecoach", "live", *args],
                                env=self.client_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            first = live.stdout.readline() if live.stdout else ""
            if "listening" not in first:
                live.kill()
                _, err = live.communicate(timeout=30)
                raise RigError(f"voicecoach live did not start: {first}{err}")
            time.sleep(settle_s)
            players = [self.play(sink, audio, sample_rate) for sink, audio in plays]
            for player, (sink, _) in zip(players, plays, strict=True):
                _, perr = player.communicate(timeout=timeout_s)
                if player.returncode:
                    raise RigError(f"paplay into {sink} failed with status "
                                   f"{player.returncode}: {perr.decode(errors='replace')}")
            _, err = live.communicate(timeout=timeout_s)
        finally:
            if live.poll() is None:
                live.kill()
                live.wait()
        return live.returncode, err

    def unload_sink(self, sink: str) -> None:
        """Unload the module of ``sink`` (simulates a device unplugged mid-call).

        Parameters
        ----------
        sink : str
            A sink the rig created.
        """
        self.pactl("unload-module", str(self.modules[sink]))

    def kill_source_outputs(self, source: str) -> int:
        """Kill every capture stream on ``source`` except the rig's own pacat readers.

        The client sees its stream end, as when a device is unplugged (PortAudio then
        calls the stream's ``finished_callback``). Returns how many streams were killed.

        Parameters
        ----------
        source : str
            The source's name (e.g. a sink's ``.monitor``).

        Returns
        -------
        int
        """
        import socket

        out = self.pactl("list", "source-outputs")
        index = {name: num for num, name in _short_list(self.pactl("list", "short", "sources"))}
        killed = 0
        for blk in out.split("Source Output #")[1:]:
            num = blk.split()[0]
            m = re.search(r"Source:\s*(\d+)", blk)
            if not m or index.get(source) != m.group(1) or 'application.name = "pacat"' in blk:
                continue
            with socket.socket(socket.AF_UNIX) as cli:
                cli.settimeout(2.0)
                cli.connect(str(self.base / "cli.sock"))
                cli.sendall(f"kill-source-output {num}\n".encode())
                time.sleep(0.05)
            killed += 1
        return killed

    def sink_latencies_s(self) -> dict[str, float]:
        """Current latency of each sink, seconds (from ``pactl list sinks``).

        Returns
        -------
        dict of str to float
            Sink name to latency, s; ``{"none": inf}`` when no sink reports one.
        """
        out = self.pactl("list", "sinks")
        lat: dict[str, float] = {}
        name = None
        for line in out.splitlines():
            m = re.match(r"\s*Name:\s*(\S+)", line)
            if m:
                name = m.group(1)
            m = re.match(r"\s*Latency:\s*(\d+)\s*usec", line)
            if m and name:
                lat[name] = int(m.group(1)) / 1e6
        if not lat:
            return {"none": float("inf")}
        return lat

    def export_lines(self) -> str:
        """``export K=V`` lines for a shell (``eval "$(... start BASE)"``).

        Returns
        -------
        str
            One line per variable of :attr:`env`, each ending with a newline.
        """
        return "".join(f"export {k}={_shquote(v)}\n" for k, v in self.env.items())

    # ------------------------------------------------------------------ internals
    def _spawn(self, tag_or_name: str, argv: list[str], extra_env: dict[str, str] | None = None,
               tag: str | None = None) -> int:
        tag = tag or tag_or_name
        log = open(self.base / f"{tag}.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(argv, env={**self.client_env(), **(extra_env or {})},
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True, cwd=self.base)
        finally:
            log.close()
        (self.base / "pids" / tag).write_text(str(proc.pid))
        # Keep a reference so the child is reaped when it ends while we still run.
        _CHILDREN[proc.pid] = proc
        return proc.pid

    @staticmethod
    def _reap(pid: int) -> None:
        proc = _CHILDREN.pop(pid, None)
        if proc is not None:
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                _CHILDREN[pid] = proc

    @staticmethod
    def _read_pids(base: Path) -> dict[str, int]:
        pids = {}
        for f in sorted((base / "pids").glob("*")) if (base / "pids").is_dir() else []:
            try:
                pids[f.name] = int(f.read_text().strip())
            except ValueError:
                continue
        return pids

    def _pactl_ok(self, *args: str) -> bool:
        try:
            return subprocess.run(["pactl", *args], env=self.client_env(), capture_output=True,
                                  timeout=5).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def _wait(self, ok, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pid = self._read_pids(self.base).get("pulseaudio")
            if pid is None or not _pid_alive(pid, "pulseaudio"):
                raise RigError(f"pulseaudio exited; see {self.base}/pulseaudio.log:\n"
                               + _tail(self.base / "pulseaudio.log"))
            if ok():
                return
            time.sleep(0.05)
        raise RigError(f"timed out after {timeout_s:.0f} s waiting for {what}; "
                       f"see {self.base}/pulseaudio.log")

    def _create_sinks(self) -> None:
        def load(*args: str) -> int:
            return int(self.pactl("load-module", *args).strip())

        self.modules["vc_duo"] = load(
            "module-null-sink", "sink_name=vc_duo", "channels=2",
            "channel_map=front-left,front-right", "rate=48000")
        for sink, ch in (("vc_far", "front-left"), ("vc_mic", "front-right")):
            self.modules[sink] = load(
                "module-remap-sink", f"sink_name={sink}", "master=vc_duo", "channels=1",
                "channel_map=mono", f"master_channel_map={ch}", "remix=no")

    def _write_alsa_config(self) -> None:
        pcms = "".join(
            f'pcm.{pcm} {{\n  type pulse\n  device "{sink}.monitor"\n'
            f'  hint {{ show on description "{desc}" }}\n}}\n'
            for pcm, (sink, desc) in ALSA_PCMS.items())
        (self.base / "config/alsa/asoundrc").write_text(pcms)


_CHILDREN: dict[int, subprocess.Popen] = {}


def _short_list(text: str) -> list[tuple[str, str]]:
    return [(f[0], f[1]) for f in (ln.split("\t") for ln in text.splitlines()) if len(f) > 1]


def _shquote(s: str) -> str:
    return "'" + s.replace("'", "'\"'\"'") + "'"


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _run(base: str) -> int:
    """Start the rig, write ``BASE/rig.env`` (shell exports) and supervise until SIGTERM/SIGINT.

    The daemons are children of this process, so stopping it stops and reaps exactly them.
    """
    stop_now = []

    def on_signal(signum, frame):
        stop_now.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    rig = PulseRig.start(base)
    env_file = rig.base / "rig.env"
    env_file.with_suffix(".tmp").write_text(rig.export_lines())
    env_file.with_suffix(".tmp").rename(env_file)
    print(f"pulserig: running in {rig.base}", file=sys.stderr, flush=True)
    pid = rig._read_pids(rig.base)["pulseaudio"]
    try:
        while not stop_now:
            if not _pid_alive(pid, "pulseaudio"):
                print(f"pulserig: pulseaudio exited:\n{_tail(rig.base / 'pulseaudio.log')}",
                      file=sys.stderr)
                return 1
            time.sleep(0.2)
    finally:
        rig.stop()
        env_file.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``start BASE`` | ``run BASE`` | ``stop BASE`` | ``status BASE`` (see the module notes).

    Parameters
    ----------
    argv : list of str, optional
        Default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0, 1 for a rig error (printed as ``Error: ...``), 2 for a usage error.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "run", "stop", "status"):
        print("usage: python -m voicecoach.testing.pulserig {start|run|stop|status} BASE",
              file=sys.stderr)
        return 2
    cmd, base = args
    try:
        if cmd == "start":
            rig = PulseRig.start(base)
            # The children live on after this process exits; forget them quietly.
            _CHILDREN.clear()
            sys.stdout.write(rig.export_lines())
        elif cmd == "run":
            return _run(base)
        elif cmd == "stop":
            rig = PulseRig(base=Path(base).resolve(), env={}, owned=True)
            rig.stop()
        else:
            rig = PulseRig.attach(base)
            lat = rig.sink_latencies_s()
            print(" ".join(f"{k}={v * 1000:.0f}ms" for k, v in lat.items()))
    except RigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
