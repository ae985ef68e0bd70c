"""``voicecoach setup``: the guided first run.

Four steps, each said on the terminal with plain ``input()``-style prompts (any terminal,
scriptable, testable with injected streams):

1. **Devices.** The microphones and the far-end sources (monitor / loopback candidates
   first, from :func:`voicecoach.sources.devices.list_inputs`) are listed, numbered; the
   agent picks by number, by a part of the name, or accepts the suggestion (Enter).
2. **Levels.** Both inputs are opened together (the same :class:`~voicecoach.sources.
   capture.Capture` as ``live``) and shown as text level meters (~10 Hz) for
   ``[setup] levels_s`` seconds or until Enter, with a verdict per input ("customer heard:
   yes/no"); the agent keeps the devices, checks again or picks others.
3. **Calibration.** ``[live] calibrate_s`` seconds of calm speech are recorded with a
   countdown and a level bar and go through the same calibration as ``voicecoach
   calibrate`` (:func:`~voicecoach.baseline.calibration.calibrate_array`). A refusal
   (silent, clipped, too little speech) and a usable but weak baseline (too thin, too
   variable, unstable: what :meth:`~voicecoach.coach.Coach.baseline_verdict` would say
   during the call) are explained in plain words, with an offer to record again. The
   speech is kept beside the profile (``[setup] keep_audio``), and a later ``--redo
   calibration`` offers to add a new take to it: the profile is recomputed from all of
   it (:class:`~voicecoach.baseline.calibration.Calibrator`).
4. **Saving and going live.** The choices are written to the user configuration
   (:func:`~voicecoach.config.user_config_path`, mode 0600): ``[live] mic``, ``far``,
   ``profile`` and ``[coach] lang``; then ``voicecoach live`` starts with them (not with
   ``--no-live``). Each step's result is written as soon as the step is done, so an
   interrupted setup resumes where it stopped.

The wizard speaks the session's language (``--lang``, else the configuration's ``[coach]
lang``: French by default; the text is the ``SETUP`` table of :mod:`voicecoach.locale`);
when step 4 sets another language, what follows is said in that one. The keys typed (Enter,
``r``, ``c``, ``d``, ``a``, ``s``, ``y``/``o``/``n``) are the same in every language.

A second run checks what is done (devices configured and still present, a valid
calibrated profile, a language) and skips those steps, saying so; ``--redo devices``,
``--redo calibration`` or ``--redo all`` does them again. ``--mic``, ``--far``,
``--profile``, ``--lang`` answer the questions from the command line and ``--yes``
accepts every suggestion, so the whole setup can run unattended.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import numpy as np

from .config import DISPLAY_KINDS, Config, read_user_config, save_user_config, user_config_path
from .errors import (
    CalibrationError,
    ClippedSignalError,
    DeviceError,
    SilentSignalError,
    TooLittleSpeechError,
    UsageError,
    VoiceCoachError,
)
from .i18n import check_lang, number, resolve_lang, texts
from .sources.devices import InputDevice

__all__ = [
    "REDO_CHOICES",
    "Block",
    "DeviceAudio",
    "LevelCheck",
    "Terminal",
    "Wizard",
    "add_setup_arguments",
    "meter_bar",
    "run_setup",
]

#: Values of ``--redo``.
REDO_CHOICES = ("devices", "calibration", "all")

#: Rules whose threshold comes from the profile (their baseline verdicts are explained).
_CALIBRATED_RULES = ("pitch_high", "rate_high", "loudness_high")


# ------------------------------------------------------------------------ terminal --
class Terminal:
    """Prompts and status lines on two text streams.

    Parameters
    ----------
    stdin, stdout : text streams
        Where answers are read (one line each) and everything is written.
    tty : bool, optional
        Status lines overwrite each other (``\\r``) and Enter can stop a meter early
        (when ``stdin`` is a terminal too); defaults to ``stdout.isatty()``. Without it,
        status lines are printed one per line (at most once a second).
    """

    def __init__(self, stdin: TextIO, stdout: TextIO, *, tty: bool | None = None) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.tty = _isatty(stdout) if tty is None else tty
        # a typed answer is echoed by the terminal; a piped one is written into the log
        self.echo = not _isatty(stdin)
        self._status_len = 0
        #: Between a question (and its default) and the answer; ``" : "`` in French.
        self.colon = ": "
        enc = getattr(stdout, "encoding", None) or "utf-8"
        try:
            "█░▕▏—".encode(enc)
            self.fancy = True
        except (UnicodeEncodeError, LookupError):
            self.fancy = False

    def say(self, text: str = "") -> None:
        """Print ``text`` (ending a status line first).

        Parameters
        ----------
        text : str
            One or more lines, without the final newline.
        """
        self.end_status()
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str, default: str = "") -> str:
        """Ask one question; the stripped answer, or ``default`` for an empty one.

        Parameters
        ----------
        prompt : str
            Shown with ``default`` in brackets and :attr:`colon`.
        default : str

        Returns
        -------
        str

        Raises
        ------
        UsageError
            When the input ends (no terminal, or a script without enough answers).
        """
        self.end_status()
        shown = f"{prompt} [{default}]{self.colon}" if default else f"{prompt}{self.colon}"
        self.stdout.write(shown)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            raise UsageError(
                f"the input ended while setup was asking {prompt!r}; answer in a terminal, "
                f"or run it unattended with --yes (and --mic, --far, --profile, --lang)"
            )
        if self.echo:  # so that a log reads like the session
            self.stdout.write(line if line.endswith("\n") else line + "\n")
        return line.strip() or default

    def status(self, line: str) -> None:
        """Show a status line: overwritten in place on a terminal, else printed.

        Parameters
        ----------
        line : str
            Without a newline.
        """
        if self.tty:
            pad = max(0, self._status_len - len(line))
            self.stdout.write("\r" + line + " " * pad)
            self._status_len = len(line)
        else:
            self.stdout.write(line + "\n")
        self.stdout.flush()

    def end_status(self) -> None:
        """End the status line being overwritten (if any)."""
        if self._status_len:
            self.stdout.write("\n")
            self.stdout.flush()
            self._status_len = 0

    def enter_pressed(self) -> bool:
        """True (and the line consumed) when a line was typed, without waiting (terminals
        only).

        Returns
        -------
        bool
            False without a terminal, or when answers are echoed (scripted input).
        """
        if not self.tty or self.echo:
            return False
        try:
            if os.name == "nt":  # pragma: no cover - Windows console
                import msvcrt

                hit = False
                while msvcrt.kbhit():
                    hit = msvcrt.getwch() in "\r\n" or hit
                return hit
            import select

            ready, _, _ = select.select([self.stdin], [], [], 0)
        except (OSError, ValueError, TypeError, AttributeError):
            return False
        if ready:
            self.stdin.readline()
            return True
        return False


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def meter_bar(level_db: float, floor_db: float, width: int = 20, fancy: bool = True) -> str:
    """A text level bar, empty at ``floor_db`` and full at 0 dBFS.

    Parameters
    ----------
    level_db : float
        Level, dBFS (``-inf`` for digital silence).
    floor_db : float
        dBFS of the empty end (< 0).
    width : int
        Characters between the bar's ends.
    fancy : bool
        Block characters; else ``#`` and ``-``.

    Returns
    -------
    str
        ``width + 2`` characters.
    """
    frac = 0.0 if not math.isfinite(level_db) else (level_db - floor_db) / -floor_db
    n = round(min(1.0, max(0.0, frac)) * width)
    full, empty, left, right = ("█", "░", "▕", "▏") if fancy else ("#", "-", "|", "|")
    return left + full * n + empty * (width - n) + right


def _db(x: np.ndarray) -> float:
    """RMS level of ``x``, dBFS (``-inf`` for silence)."""
    if not x.size:
        return -math.inf
    ms = float(np.mean(np.square(x, dtype=np.float64)))
    return 10.0 * math.log10(ms) if ms > 0 else -math.inf


def _fmt_db(v: float) -> str:
    return f"{v:4.0f} dB" if math.isfinite(v) else "-inf dB"


# ------------------------------------------------------------------------- audio --
@dataclass(frozen=True)
class Block:
    """Captured audio as the wizard reads it.

    Attributes
    ----------
    audio : np.ndarray, shape (n_samples, 2)
        float32 at the analysis rate; column 0 the microphone, 1 the far end.
    filled : tuple of bool
        Per column: the capture filled it with silence (the device delivered nothing:
        stalled, lost or absent).
    """

    audio: np.ndarray
    filled: tuple[bool, bool]


class Audio(Protocol):
    """What the wizard needs from the audio layer (the real one: :class:`DeviceAudio`)."""

    def inputs(self) -> list[InputDevice]: ...

    def far_inputs(self) -> list[InputDevice]: ...

    def find(self, spec: str) -> InputDevice: ...

    def default(self) -> InputDevice | None: ...

    def rescan(self) -> None: ...

    def stream(
        self, mic: str | None, far: str | None
    ) -> contextlib.AbstractContextManager[Iterator[Block | None]]: ...


class DeviceAudio:
    """The real audio layer: :mod:`voicecoach.sources.devices` and :class:`Capture`.

    Parameters
    ----------
    config : Config
        Capture settings (``[live]``) and the analysis rate.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        #: the device rates of the last :meth:`stream` (``[mic, far]``, Hz, None: unknown)
        self.rates_hz: list[float | None] = [None, None]

    def inputs(self) -> list[InputDevice]:
        """Every input device (:func:`~voicecoach.sources.devices.list_inputs`).

        Returns
        -------
        list of InputDevice

        Raises
        ------
        DeviceError
            When PortAudio is missing or lists no input.
        """
        from .sources.devices import list_inputs

        return list_inputs()

    def far_inputs(self) -> list[InputDevice]:
        """Far-end candidates: the inputs, then the monitors and loopbacks that only the
        optional ``voicecoach.sources.loopback`` (the `soundcard` package) reads.

        Returns
        -------
        list of InputDevice
            The monitors and loopbacks have negative indices and their ``--far`` string as
            name.
        """
        return self.inputs() + [dev for dev, _ in self._loopbacks()]

    def find(self, spec: str) -> InputDevice:
        """The device an index, a name part or a monitor/loopback ``--far`` string
        designates (raises :class:`DeviceError`).

        Parameters
        ----------
        spec : str
            As ``--mic`` / ``--far``.

        Returns
        -------
        InputDevice

        Raises
        ------
        DeviceError
            When nothing matches, or the name is ambiguous.
        """
        from .sources.devices import find_input

        try:
            return find_input(spec)
        except DeviceError:
            text = str(spec).strip()
            lb = _loopback_module()
            if lb is None or not text or text.lstrip("-").isdigit():
                raise
            pairs = self._loopbacks()
            found = lb.find_loopback(text, [lbd for _, lbd in pairs])  # may be ambiguous
            for dev, lbd in pairs:
                if found is not None and lbd.id == found.id:
                    return dev
            raise

    def _loopbacks(self) -> list[tuple[InputDevice, Any]]:
        """(device, LoopbackDevice) of each monitor/loopback ``soundcard`` lists; none
        without the loopback module, the package or a sound server."""
        lb = _loopback_module()
        if lb is None:
            return []
        try:
            devs = lb.list_loopbacks()
        except DeviceError:
            return []
        return [
            (InputDevice(-1 - i, d.far, "soundcard", int(d.channels), 0.0, True), d)
            for i, d in enumerate(devs)
        ]

    def default(self) -> InputDevice | None:
        """The system's default input device.

        Returns
        -------
        InputDevice or None
            None when there is none (or PortAudio fails).
        """
        from .sources.devices import find_input

        try:
            return find_input(None)
        except DeviceError:
            return None

    def rescan(self) -> None:
        """Make PortAudio list the devices again."""
        from .sources.devices import rescan

        rescan()

    @contextlib.contextmanager
    def stream(self, mic: str | None, far: str | None) -> Iterator[Iterator[Block | None]]:
        """Capture ``mic`` (None: the default input) and ``far`` (None: none).

        Yields an iterator of :class:`Block` (column 0 the microphone, 1 the far end),
        None when a read timed out.

        Parameters
        ----------
        mic, far : str or None
            Device specs as ``--mic`` / ``--far``.

        Yields
        ------
        iterator of (Block or None)
            Endless: the caller stops reading; the capture closes with the context.

        Raises
        ------
        DeviceError
            When a device cannot be opened.
        """
        from .sources.capture import Capture

        with Capture(mic, far, config=self.config) as cap:
            self.rates_hz = cap.source_rates_hz  # each party's device rate (live takes them)

            def blocks() -> Iterator[Block | None]:
                while True:
                    blk = cap.read(timeout=0.2)
                    yield None if blk is None else Block(blk.audio, blk.filled)

            yield blocks()


def _loopback_module() -> Any:
    """``voicecoach.sources.loopback`` (far ends read through `soundcard`), or None where
    this version of voicecoach has none."""
    import importlib

    try:
        return importlib.import_module("voicecoach.sources.loopback")
    except ImportError:
        return None


# -------------------------------------------------------------------- level check --
@dataclass
class LevelCheck:
    """What the level check heard on each input.

    Attributes
    ----------
    peak_db : tuple of float
        Loudest 20 ms RMS level of the microphone and of the far end, dBFS.
    heard_s : tuple of float
        Seconds of 20 ms frames at or above ``[setup] heard_db``.
    clipped : tuple of bool
        A sample reached ``[baseline] clip_level``.
    missing_s : tuple of float
        Seconds the device delivered nothing (the capture filled them with silence).
    seconds : float
        Audio seconds checked.
    """

    peak_db: tuple[float, float]
    heard_s: tuple[float, float]
    clipped: tuple[bool, bool]
    missing_s: tuple[float, float]
    seconds: float

    def heard(self, which: int, min_s: float) -> bool:
        """True when input ``which`` (0 mic, 1 far end) was heard at least ``min_s``.

        Parameters
        ----------
        which : int
            0 the microphone, 1 the far end.
        min_s : float
            Seconds.

        Returns
        -------
        bool
            Never true for an input not heard at all, even with ``min_s`` 0.
        """
        return self.heard_s[which] >= min_s and self.heard_s[which] > 0


# ------------------------------------------------------------------------- wizard --
@dataclass
class _Done:
    devices: bool
    calibration: bool
    lang: bool


class Wizard:
    """The steps of ``voicecoach setup`` (see the module notes).

    Parameters
    ----------
    args : argparse.Namespace
        The ``setup`` options (see :func:`add_setup_arguments`).
    config : Config
        The loaded configuration (user configuration and ``--config`` applied).
    term : Terminal
    audio : Audio
        The audio layer; :class:`DeviceAudio` for real devices.
    user_path : Path, optional
        The user configuration file (default :func:`user_config_path`).
    run_live : callable, optional
        Runs ``voicecoach live`` with an argument list and returns its exit status (the
        CLI passes :func:`voicecoach.cli.main`; None: setup cannot start live).
    """

    def __init__(
        self,
        args: argparse.Namespace,
        config: Config,
        term: Terminal,
        audio: Audio,
        *,
        user_path: Path | None = None,
        run_live: Callable[[list[str]], int] | None = None,
    ) -> None:
        self.args = args
        self.config = config
        self.term = term
        self.audio = audio
        self.user_path = Path(user_path) if user_path is not None else user_config_path()
        self.run_live = run_live
        self.yes = bool(getattr(args, "yes", False))
        redo = getattr(args, "redo", None)
        self.redo = set(REDO_CHOICES[:2]) if redo == "all" else ({redo} if redo else set())
        live = config.live
        self.mic = live.mic
        self.far = live.far
        self.profile = live.profile
        self.lang = config.coach.lang
        self.sr = config.analysis.sample_rate
        self.mic_rate_hz = float(self.sr)  # the last recording's device rate (record())
        #: The language the wizard speaks: ``--lang``, else ``[coach] lang``.
        self.ui = resolve_lang(getattr(args, "lang", None), config)
        self.term.colon = self._t("colon")

    def _t(self, key: str, **kw: Any) -> str:
        """The wizard's text ``key`` (the ``SETUP`` table) in its language, formatted with
        ``kw`` (a float with the language's decimal mark)."""
        text = texts(self.ui).SETUP[key]
        return text.format(**{k: number(v, self.ui) for k, v in kw.items()}) if kw else text

    # -------------------------------------------------------------- the whole run --
    def run(self) -> int:
        """Run the steps; returns the exit status (``live``'s when it is started).

        Returns
        -------
        int
            0 when live is not started (``--no-live``).
        """
        t = self.term
        done = self.check_done()
        given = getattr(self.args, "profile", None)
        if given is not None and not done.calibration:
            from .profiles import ProfileStore

            # refused before any device opens (it used to fail at step 3, after the levels)
            ProfileStore.check_name(given)
        t.say(self._t("intro"))
        t.say(self._t("saved_in", path=self.user_path))
        t.say()
        if done.devices:
            t.say(self._t("devices_done", mic=self.mic, far=self.far))
        else:
            self.step_devices()
        t.say()
        if done.calibration:
            t.say(self._t("calibration_done", profile=self.profile))
        else:
            self.step_calibration()
        t.say()
        self.step_save(ask_lang=not done.lang)
        if getattr(self.args, "no_live", False):
            t.say(self._t("setup_done"))
            return 0
        return self.start_live()

    def check_done(self) -> _Done:
        """Which steps a previous run completed (and the command line does not redo).

        Returns
        -------
        _Done
            ``devices``, ``calibration`` and ``lang``, each a bool.
        """
        a = self.args
        devices = (
            "devices" not in self.redo
            and bool(self.mic and self.far)
            and a.mic is None
            and a.far is None
            and self._present(self.mic)
            and self._present(self.far)
        )
        calibration = (
            "calibration" not in self.redo
            and bool(self.profile)
            and (a.profile is None or a.profile == self.profile)
            and self._valid_profile(self.profile)
        )
        user = read_user_config(self.user_path) if self.user_path.is_file() else {}
        lang = a.lang is None and "lang" in user.get("coach", {}) and self.redo != set(
            REDO_CHOICES[:2]
        )
        return _Done(devices, calibration, bool(lang))

    def _present(self, spec: str) -> bool:
        return self._find(spec) is not None

    def _valid_profile(self, ref: str) -> bool:
        from .profiles import load_profile

        try:
            prof = load_profile(ref, getattr(self.args, "profiles_dir", None))
        except (VoiceCoachError, OSError):
            return False
        return not prof.provisional

    # ----------------------------------------------------------------- devices --
    def step_devices(self) -> None:
        """Steps 1 and 2: pick both inputs, check their levels; saves them."""
        t = self.term
        a = self.args
        mic_given, far_given = a.mic, a.far
        while True:
            t.say(self._t("step_devices"))
            mic = self._pick_mic(mic_given)
            far = self._pick_far(far_given, mic)
            t.say()
            t.say(self._t("step_levels"))
            while True:
                try:
                    ok = self._verdict(self.check_levels(self._spec(mic), self._spec(far)))
                    opened = True
                except DeviceError as e:
                    if self.yes:
                        raise
                    t.say(self._t("cannot_open", error=e))
                    ok = opened = False
                if self.yes:
                    if not ok:
                        t.say(self._t("keeping_devices"))
                    answer = ""
                elif opened:
                    answer = self._choice(self._t("keep_check_choose"), ("", "c", "d"))
                else:
                    answer = self._choice(self._t("retry_choose"), ("c", "d"))
                if answer != "c":
                    break
            if answer == "d":
                mic_given = far_given = None  # the command line's choice did not do
                t.say()
                continue
            break
        self.mic, self.far = self._spec(mic), self._spec(far)
        path = save_user_config({"live": {"mic": self.mic, "far": self.far}}, self.user_path)
        t.say(self._t("saved_devices", mic=self.mic, far=self.far, path=path))

    def _spec(self, dev: InputDevice) -> str:
        """How the configuration names ``dev``: its name when that finds it again (indices
        change when devices come and go), else its index."""
        try:
            if self.audio.find(dev.name).index == dev.index:
                return dev.name
        except DeviceError:
            pass
        return str(dev.index)

    def _inputs(self) -> list[InputDevice]:
        return self.audio.inputs()

    def _pick_mic(self, given: str | None) -> InputDevice:
        t = self.term
        if given is not None:
            dev = self.audio.find(given)
            t.say(self._t("mic_given", device=_describe(dev)))
            return dev
        while True:
            inputs = self._inputs()
            mics = [d for d in inputs if not d.is_monitor_candidate] or inputs
            suggested = self._suggest_mic(mics)
            t.say(self._t("mics"))
            for i, d in enumerate(mics, 1):
                t.say(f"  {i:2d}. {_describe(d)}{self._t('suggested') if d is suggested else ''}")
            dev = self._ask_device(self._t("mic_number"), mics, inputs, suggested)
            if dev is not None:
                return dev

    def _suggest_mic(self, mics: list[InputDevice]) -> InputDevice:
        """The configured microphone, else the system's default input, else the first."""
        wanted = [d for d in (self.mic and self._find(self.mic), self.audio.default()) if d]
        for dev in wanted:
            for d in mics:
                if d.index == dev.index:
                    return d
        return mics[0]

    def _find(self, spec: str) -> InputDevice | None:
        try:
            return self.audio.find(spec)
        except DeviceError:
            return None

    def _pick_far(self, given: str | None, mic: InputDevice) -> InputDevice:
        t = self.term
        if given is not None:
            dev = self.audio.find(given)
            if dev.index == mic.index:
                raise UsageError(
                    f"--far {given!r} is the microphone's device {mic.name!r}; give the "
                    f"computer's output (a monitor/loopback, voicecoach devices marks them "
                    f"with '*')"
                )
            t.say(self._t("far_given", device=_describe(dev)))
            return dev
        while True:
            inputs = [d for d in self.audio.far_inputs() if d.index != mic.index]
            if not inputs:
                raise DeviceError(
                    f"{mic.name!r} is the only input device: the far end needs a second one "
                    f"(a monitor or loopback of the computer's output). "
                    + texts("en").SETUP["no_monitor"]  # an error line: English
                )
            monitors = [d for d in inputs if d.is_monitor_candidate]
            others = [d for d in inputs if not d.is_monitor_candidate]
            if self.yes and not monitors and not self.far:
                raise UsageError(
                    "no input looks like the computer's output (a monitor or loopback), so "
                    "--yes has no far end to suggest; give --far DEVICE "
                    "(voicecoach devices lists the inputs)"
                )
            ordered = monitors + others
            suggested = next(
                (d for d in ordered if self.far and self._matches(self.far, d)),
                monitors[0] if monitors else ordered[0],
            )
            t.say(self._t("fars"))
            if not monitors:
                t.say(self._t("no_monitor"))
            for i, d in enumerate(ordered, 1):
                if others and i == len(monitors) + 1:
                    t.say(self._t("other_inputs"))
                t.say(f"  {i:2d}. {_describe(d)}{self._t('suggested') if d is suggested else ''}")
            dev = self._ask_device(self._t("far_number"), ordered, inputs, suggested)
            if dev is not None:
                return dev

    def _matches(self, spec: str, dev: InputDevice) -> bool:
        found = self._find(spec)
        return found is not None and found.index == dev.index

    def _ask_device(
        self,
        prompt: str,
        listed: list[InputDevice],
        allowed: list[InputDevice],
        suggested: InputDevice,
    ) -> InputDevice | None:
        """Ask until a listed number, a name part or r (rescan: None) is given."""
        t = self.term
        default = str(listed.index(suggested) + 1)
        while True:
            if self.yes:
                t.say(self._t("answered", prompt=prompt, answer=default))
                return suggested
            text = t.ask(self._t("device_prompt", prompt=prompt), default)
            if text.lower() == "r":
                self.audio.rescan()
                return None
            if text.isdigit():
                n = int(text)
                if 1 <= n <= len(listed):
                    return listed[n - 1]
                t.say(self._t("no_number", n=n, count=len(listed)))
                continue
            try:
                dev = self.audio.find(text)
            except DeviceError as e:
                t.say(self._t("no_device", error=e))
                t.say(self._t("type_number", count=len(listed)))
                continue
            if all(d.index != dev.index for d in allowed):
                t.say(self._t("already_mic", name=dev.name))
                continue
            return dev

    def _choice(self, prompt: str, allowed: Sequence[str]) -> str:
        shown = ", ".join(self._t("quoted", text=a) if a else self._t("enter") for a in allowed)
        while True:
            ans = self.term.ask(prompt).lower()
            if ans in allowed:
                return ans
            self.term.say(self._t("not_an_answer", answer=ans, shown=shown))

    def _yes_no(self, prompt: str, default: bool) -> bool:
        while True:
            ans = self.term.ask(prompt + self._t("yes_no_yes" if default else "yes_no_no")).lower()
            if not ans:
                return default
            if ans in ("y", "yes", "o", "oui"):
                return True
            if ans in ("n", "no", "non"):
                return False
            self.term.say(self._t("not_yes_no", answer=ans))

    # ------------------------------------------------------------------ levels --
    def check_levels(self, mic: str, far: str) -> LevelCheck:
        """Open both inputs, draw their meters for ``[setup] levels_s`` (or until Enter).

        Parameters
        ----------
        mic, far : str
            Device specs.

        Returns
        -------
        LevelCheck
        """
        s = self.config.setup
        t = self.term
        seconds = float(getattr(self.args, "levels_s", None) or s.levels_s)
        frame = 2 * self.config.analysis.hop_size  # 20 ms frames
        clip = self.config.baseline.clip_level
        peak = [-math.inf, -math.inf]
        heard = [0, 0]
        clipped = [False, False]
        missing = [0, 0]
        shown = [-math.inf, -math.inf]  # loudest frame since the last redraw
        got = 0
        every = max(1, round(self.sr / s.meter_fps)) if t.tty else self.sr
        next_draw = every
        t.say(self._t("listening", s=seconds) + self._t("enter_stops" if t.tty else "dots"))
        deadline = time.monotonic() + seconds + 5.0
        with self.audio.stream(mic, far) as blocks:
            for b in blocks:
                if b is not None and b.audio.size:
                    blk = b.audio
                    for c in (0, 1):
                        missing[c] += blk.shape[0] if b.filled[c] else 0
                        col = blk[:, c]
                        if np.any(np.abs(col) >= clip):
                            clipped[c] = True
                        for i in range(0, col.size - frame + 1, frame):
                            lv = _db(col[i:i + frame])
                            peak[c] = max(peak[c], lv)
                            shown[c] = max(shown[c], lv)
                            heard[c] += lv >= s.heard_db
                    got += blk.shape[0]
                    if got >= next_draw:
                        next_draw += every
                        t.status(self._t(
                            "meters",
                            mic_bar=meter_bar(shown[0], s.meter_floor_db, fancy=t.fancy),
                            mic_db=_fmt_db(shown[0]),
                            far_bar=meter_bar(shown[1], s.meter_floor_db, fancy=t.fancy),
                            far_db=_fmt_db(shown[1]),
                            left=max(0.0, seconds - got / self.sr),
                        ))
                        shown = [-math.inf, -math.inf]
                if got >= seconds * self.sr or time.monotonic() > deadline:
                    break
                if t.enter_pressed():
                    break
        t.end_status()
        fs = frame / self.sr
        return LevelCheck(
            peak_db=(peak[0], peak[1]),
            heard_s=(heard[0] * fs, heard[1] * fs),
            clipped=(clipped[0], clipped[1]),
            missing_s=(missing[0] / self.sr, missing[1] / self.sr),
            seconds=got / self.sr,
        )

    def _verdict(self, check: LevelCheck) -> bool:
        """Say what the level check found; True when both parties were heard."""
        t = self.term
        s = self.config.setup
        dash = "—" if t.fancy else "-"
        mic_ok = check.heard(0, s.heard_s)
        far_ok = check.heard(1, s.heard_s)
        for c, who, ok in ((0, "mic", mic_ok), (1, "far", far_ok)):
            level = self._t("level", db=_fmt_db(check.peak_db[c]), heard=check.heard_s[c],
                            threshold=float(s.heard_db))
            t.say(self._t(f"{who}_heard", answer=self._t("yes" if ok else "no"), level=level)
                  + ("" if ok else self._t(f"{who}_hint", dash=dash)))
        for c, who in ((0, "mic"), (1, "far")):
            if check.clipped[c]:
                t.say(self._t(f"{who}_clipped"))
            if check.missing_s[c] >= 0.5:
                t.say(self._t(f"{who}_missing", missing=check.missing_s[c],
                              seconds=check.seconds))
        return mic_ok and far_ok

    # ------------------------------------------------------------- calibration --
    def step_calibration(self) -> None:
        """Step 3: record calm speech into a profile; saves its reference."""
        from .profiles import ProfileStore

        t = self.term
        a = self.args
        store = ProfileStore(getattr(a, "profiles_dir", None))
        t.say(self._t("step_calibration", s=self._seconds()))
        name = self._profile_name(store, a.profile)
        kept = store.calibration_audio(name) if store.exists(name) else []
        grow = False
        if store.exists(name):
            try:
                stored = store.load(name)
                ok = not stored.provisional
            except VoiceCoachError:
                stored, ok, kept = None, False, []
            if ok and kept and not self.yes:
                # a profile with its speech kept can grow: more speech, fewer false nudges
                keep_it = "calibration" not in self.redo
                ans = self._choice(
                    self._t("kept_speech", name=name, s=float(stored.speech_s))
                    + self._t("use_add_redo" if keep_it else "add_redo"),
                    ("", "a", "r") if keep_it else ("", "a"),
                )
                if ans == "" and keep_it:
                    t.say(self._t("using_stored", name=name))
                    self._save_profile_ref(store, name)
                    return
                grow = ans == "a"
            elif ok and "calibration" not in self.redo and (self.yes or not self._yes_no(
                    self._t("exists_again", name=name), False)):
                t.say(self._t("using_stored", name=name))
                self._save_profile_ref(store, name)
                return
        mic = self.mic or None
        while True:
            if not self.yes:
                ans = self._choice(self._t("start_or_skip"), ("", "s"))
                if ans == "s":
                    t.say(self._t("skipped"))
                    return
            x = self.record(mic, self._seconds())
            got = self._calibrate(x, name, mic, kept if grow else [],
                                  stored.calibration_rate_hz if grow else None)
            if got is not None:
                prof, audio, rate = got
                break
            if self.yes:
                raise UsageError("calibration refused (see above); run setup again")
            if not self._yes_no(self._t("record_again"), True):
                t.say(self._t("not_done"))
                return
        from .profiles import format_profile

        path = store.save(prof, name)
        t.say("\n".join("  " + line for line in format_profile(prof, self.ui).splitlines()))
        t.say(self._t("saved_profile", name=name, path=path) + (
            self._t("grown", s=float(prof.speech_s)) if grow else self._t("full_stop")))
        keep = getattr(a, "keep_audio", None)
        if grow or (self.config.setup.keep_audio if keep is None else keep):
            q = store.save_calibration_audio(name, audio, rate)
            t.say(self._t("kept_audio", path=q, name=name))
        self._save_profile_ref(store, name)

    def _seconds(self) -> float:
        return float(getattr(self.args, "seconds", None) or self.config.live.calibrate_s)

    def _profile_name(self, store: Any, given: str | None) -> str:
        from .profiles import ProfileStore

        t = self.term
        if given is not None:
            return ProfileStore.check_name(given)
        default = self.profile if self.profile and "/" not in self.profile and not \
            self.profile.endswith(".toml") else _login_name()
        while True:
            if self.yes:
                t.say(self._t("answered", prompt=self._t("profile_name"), answer=default))
                return default
            name = t.ask(self._t("profile_name_help"), default)
            try:
                return ProfileStore.check_name(name)
            except VoiceCoachError as e:
                t.say(self._t("bad_name", error=e))

    def _save_profile_ref(self, store: Any, name: str) -> None:
        # a profile in the default folder is named; one elsewhere is given by its path
        from .profiles import default_profiles_dir

        ref = name if store.directory == default_profiles_dir() else str(
            store.path(name).resolve())
        self.profile = ref
        save_user_config({"live": {"profile": ref}}, self.user_path)

    def record(self, mic: str | None, seconds: float) -> np.ndarray:
        """Record ``seconds`` of the microphone with a countdown and a level bar.

        Parameters
        ----------
        mic : str or None
            Device spec (None: the default input).
        seconds : float

        Returns
        -------
        np.ndarray, shape (n_samples,), float32
            At the analysis rate (16 kHz), at most ``seconds`` long.

        Raises
        ------
        DeviceError
            When the microphone delivers too little audio within ``seconds + 10`` s.
        """
        t = self.term
        s = self.config.setup
        t.say(self._t("recording", s=float(seconds)))
        every = max(1, round(self.sr / s.meter_fps)) if t.tty else 5 * self.sr
        next_draw = every
        parts: list[np.ndarray] = []
        got = 0
        need = round(seconds * self.sr)
        loud = -math.inf
        deadline = time.monotonic() + seconds + 10.0
        missing = 0
        with self.audio.stream(mic, None) as blocks:
            for b in blocks:
                if b is not None and b.audio.size:
                    col = np.ascontiguousarray(b.audio[:, 0])
                    missing += col.size if b.filled[0] else 0
                    parts.append(col)
                    got += col.size
                    loud = max(loud, _db(col))
                    if got >= next_draw:
                        next_draw += every
                        left = max(0.0, (need - got) / self.sr)
                        mark = "●" if t.fancy else "*"
                        t.status(self._t(
                            "rec", mark=mark, bar=meter_bar(loud, s.meter_floor_db, fancy=t.fancy),
                            db=_fmt_db(loud), left=math.ceil(left),
                        ))
                        loud = -math.inf
                if got >= need:
                    break
                if time.monotonic() > deadline:
                    t.end_status()
                    raise DeviceError(
                        f"the microphone delivered {got / self.sr:.1f} s of audio in "
                        f"{seconds + 10:g} s; check it (voicecoach devices) and run setup again"
                    )
        t.end_status()
        if missing >= 0.5 * self.sr:
            t.say(self._t("mic_stalled", s=missing / self.sr))
        x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        # the microphone's device rate, as a live session takes it (the calibration's band)
        rate = (getattr(self.audio, "rates_hz", None) or [None])[0]
        self.mic_rate_hz = float(self.sr) if rate is None else float(rate)
        return x[:need]

    def _calibrate(
        self, x: np.ndarray, name: str, mic: str | None, add_to: Sequence[Path] = (),
        kept_rate_hz: float | None = None,
    ) -> tuple[Any, np.ndarray, int] | None:
        """(profile, calibration audio, its rate in Hz) of ``x``, or None after explaining a
        refusal or a weak baseline the agent chose not to keep. With ``add_to`` (the kept
        calibration recordings of the profile, captured at ``kept_rate_hz``: the stored
        profile's ``calibration_rate_hz``), the profile grows: it is computed from them
        followed by ``x``, and the audio returned is all of it."""
        from .baseline.calibration import Calibrator, calibrate_array

        t = self.term
        try:
            if add_to:
                cal = Calibrator(self.config, keep_audio=True)
                for q in add_to:
                    cal.feed_file(q, None, shown=q.name, source_rate_hz=kept_rate_hz)
                cal.feed_array(x, self.sr, source=f"mic {mic}", source_rate_hz=self.mic_rate_hz)
                prof, audio = cal.finish(name=name), cal.audio
                rate = self.config.analysis.sample_rate
            else:
                prof = calibrate_array(x, self.sr, self.config, name=name, source=f"mic {mic}",
                                       source_rate_hz=self.mic_rate_hz)
                audio, rate = x, self.sr
        except CalibrationError as e:
            t.say(self._t("cannot_use", why=self._t(_refusal_key(e))))
            t.say(self._t("calibration_said", error=e))
            return None
        weak = self.weak_baseline(prof)
        if weak:
            t.say(self._t("weak"))
            for line in weak:
                t.say("  " + line)
            if self.yes:
                t.say(self._t("keeping_it"))
            elif self._yes_no(self._t("record_again"), True):
                return None
        return prof, audio, rate

    def weak_baseline(self, prof: Any) -> list[str]:
        """Why the profile's calibrated cues could not judge (the coach's verdicts).

        Parameters
        ----------
        prof : Profile

        Returns
        -------
        list of str
            ``"<cue>: <verdict>"`` per enabled calibrated rule that cannot judge, in the
            wizard's language (the coach's own verdicts).
        """
        from .pipeline import make_coach

        coach = make_coach(self.config, prof, lang=self.ui)
        out = []
        for rule in _CALIBRATED_RULES:
            r = self.config.coach.rules.get(rule)
            if r is None or not r.enabled:
                continue
            why = coach.baseline_verdict(rule)
            if why:
                out.append(self._t("weak_line", rule=texts(self.ui).RULES[rule], why=why))
        return out

    # ---------------------------------------------------------------- saving --
    def step_save(self, ask_lang: bool) -> None:
        """Step 4: the language, then every choice in the user configuration.

        Parameters
        ----------
        ask_lang : bool
            Ask for the language (unless ``--lang`` or ``--yes`` decides it).
        """
        t = self.term
        a = self.args
        if a.lang is not None:
            self.lang = a.lang
        elif ask_lang:
            if self.yes:
                t.say(self._t("answered", prompt=self._t("lang"), answer=self.lang))
            else:
                while True:
                    ans = t.ask(self._t("lang_prompt"), self.lang).lower()
                    try:
                        self.lang = check_lang(ans)
                        break
                    except VoiceCoachError:
                        t.say(self._t("bad_lang", answer=ans))
                if self.lang != self.ui:  # the rest in the language just chosen
                    self.ui = self.lang
                    t.colon = self._t("colon")
                    t.say(self._t("switched"))
        live: dict[str, Any] = {"mic": self.mic, "far": self.far}
        if self.profile:
            live["profile"] = self.profile
        path = save_user_config({"live": live, "coach": {"lang": self.lang}}, self.user_path)
        t.say(self._t("saved_all", mic=self.mic, far=self.far, lang=self.lang, path=path,
                      profile=self.profile or self._t("no_profile")))

    def start_live(self) -> int:
        """Run ``voicecoach live`` with the saved choices; its exit status.

        Returns
        -------
        int

        Raises
        ------
        UsageError
            When the wizard was given no ``run_live``.
        """
        a = self.args
        argv = ["live"]
        for opt, dest in (("--config", "config"), ("--profiles-dir", "profiles_dir"),
                          ("--duration", "duration"), ("--display", "display")):
            v = getattr(a, dest, None)
            if v is not None:
                argv += [opt, str(v)]
        self.term.say(self._t("starting", argv=" ".join(argv)))
        if self.run_live is None:
            raise UsageError("setup was given no way to start live; run voicecoach live")
        return int(self.run_live(argv))


def _describe(d: InputDevice) -> str:
    """``"vc_far (ALSA, 2 ch)"``: the list numbers are the wizard's, not PortAudio's."""
    return f"{d.name} ({d.hostapi}, {d.max_input_channels} ch)"


def _login_name() -> str:
    import getpass
    import re

    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):
        user = ""
    name = re.sub(r"[^\w.-]", "", user)[:64]
    return name if name and re.match(r"^[^\W_]", name) else "me"


def _refusal_key(e: CalibrationError) -> str:
    """The ``SETUP`` key of the plain-words sentence saying why a calibration was refused."""
    if isinstance(e, SilentSignalError):
        return "refused_silent"
    if isinstance(e, ClippedSignalError):
        return "refused_clipped"
    if isinstance(e, TooLittleSpeechError):
        return "refused_little"
    return "refused"


# --------------------------------------------------------------- command line --
def add_setup_arguments(
    p: argparse.ArgumentParser,
    seconds_help: str,
    levels_help: str,
    add_profiles_dir: Callable[[argparse.ArgumentParser], None],
    keep_help: str = "(default: [setup] keep_audio)",
) -> None:
    """The ``voicecoach setup`` options (defaults from the configuration, in the CLI).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The ``setup`` subparser.
    seconds_help, levels_help : str
        The defaults' help text of ``--seconds`` and ``--levels-s``.
    add_profiles_dir : callable
        Adds ``--profiles-dir`` to a parser.
    keep_help : str
        The default's help text of ``--keep-audio`` (the configuration's value).
    """
    p.add_argument("--mic", metavar="D", help="microphone: index or name part (no question)")
    p.add_argument("--far", metavar="D", help="far end: index or name part (no question)")
    p.add_argument("--profile", metavar="NAME", help="profile name to calibrate (no question)")
    p.add_argument("--lang", choices=("fr", "en"),
                   help="language of the cues and of setup itself (no question)")
    p.add_argument(
        "--yes", "-y", action="store_true", help="accept every suggestion: no questions"
    )
    p.add_argument(
        "--redo",
        choices=REDO_CHOICES,
        help="do these steps again even if a previous setup did them",
    )
    p.add_argument(
        "--seconds", type=float, metavar="S", help=f"seconds of calm speech {seconds_help}"
    )
    p.add_argument(
        "--levels-s", type=float, metavar="S", help=f"length of the level check {levels_help}"
    )
    p.add_argument(
        "--keep-audio", action=argparse.BooleanOptionalAction,
        help="keep the calibration speech beside the profile so that a later setup can add to "
        f"it {keep_help}",
    )
    p.add_argument("--no-live", action="store_true", help="stop after saving the choices")
    p.add_argument("--duration", type=float, metavar="S", help="live: stop after S seconds")
    p.add_argument(
        "--display", choices=DISPLAY_KINDS, help="live: display (as voicecoach live --display)"
    )
    add_profiles_dir(p)


def run_setup(
    args: argparse.Namespace,
    config: Config,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    audio: Audio | None = None,
    user_path: Path | None = None,
    run_live: Callable[[list[str]], int] | None = None,
) -> int:
    """Run ``voicecoach setup`` (streams, audio layer and ``live`` injectable for tests).

    Parameters
    ----------
    args : argparse.Namespace
        The ``setup`` options.
    config : Config
    stdin, stdout : text stream, optional
        Default ``sys.stdin`` / ``sys.stdout``.
    audio : Audio, optional
        Default :class:`DeviceAudio`.
    user_path : Path, optional
        The user configuration file (default :func:`user_config_path`).
    run_live : callable, optional
        ``run_live(argv) -> int`` (the CLI passes :func:`voicecoach.cli.main`).

    Returns
    -------
    int
        :meth:`Wizard.run`'s exit status.

    Raises
    ------
    UsageError
        For ``--seconds`` or ``--levels-s`` <= 0, or input that ends mid-question.
    DeviceError
        When a device is missing or fails.
    """
    for what, v in (("--seconds", args.seconds), ("--levels-s", args.levels_s)):
        if v is not None and not v > 0:
            raise UsageError(f"{what} must be > 0 seconds, got {v:g}")
    term = Terminal(stdin or sys.stdin, stdout or sys.stdout)
    wiz = Wizard(
        args,
        config,
        term,
        audio if audio is not None else DeviceAudio(config),
        user_path=user_path,
        run_live=run_live,
    )
    return wiz.run()
