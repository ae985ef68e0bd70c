"""Command-line interface: ``voicecoach SUBCOMMAND ...``.

Every subcommand is a function ``cmd_NAME(args) -> int``. Errors raised on purpose
(:class:`~voicecoach.errors.VoiceCoachError`) print one line, ``Error: message``, and exit
with status 2; ``-v`` shows the traceback. Defaults shown by ``--help`` come from
``config/voicecoach.toml`` and the user configuration (written by ``voicecoach setup``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import itertools
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .config import DISPLAY_KINDS, Config, load_config
from .errors import UsageError, VoiceCoachError, error_message

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]

VERBOSE_HELP = "show tracebacks on errors"


#: Options whose default is a configuration key, per subcommand: dest -> (section, key).
#: The parser gives them no default (None); :func:`_config` fills them from the loaded
#: configuration, ``--config`` included, so no default is declared twice.
CONFIG_OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "analyze": {"channel": ("analyze", "channel"), "format": ("analyze", "format")},
    "calibrate": {"seconds": ("live", "calibrate_s"), "full_paths": ("review", "full_paths"),
                  "lang": ("coach", "lang")},
    "profile": {"lang": ("coach", "lang")},
    "review": {
        "agent_channel": ("review", "agent_channel"),
        "lang": ("coach", "lang"),
        "jobs": ("review", "jobs"),
        "name_pattern": ("review", "name_pattern"),
        "audio_copy": ("review", "audio_copy"),
        "full_paths": ("review", "full_paths"),
        "mono_agent": ("mono", "agent"),
        "mono_voices": ("mono", "voices"),
    },
    "live": {
        "agent_channel": ("review", "agent_channel"),
        "lang": ("coach", "lang"),
        "display": ("live", "display"),
        "speed": ("live", "replay_speed"),
        "far_backend": ("live", "far_backend"),
        "record": ("live", "record_dir"),
        "mic": ("live", "mic"),
        "far": ("live", "far"),
        "profile": ("live", "profile"),
    },
    "setup": {
        "seconds": ("live", "calibrate_s"),
        "levels_s": ("setup", "levels_s"),
        "keep_audio": ("setup", "keep_audio"),
    },
    "recordings": {"dir": ("live", "record_dir")},
    "demo": {
        "lang": ("coach", "lang"),
        "display": ("live", "display"),
        "speed": ("live", "replay_speed"),
        "record": ("live", "record_dir"),
    },
}

#: ``--record`` given without a folder: the configured ``[live] record_dir``.
_RECORD_DEFAULT = ""


def _config(args: argparse.Namespace) -> Config:
    """The loaded configuration (``--config`` over the user configuration over the
    defaults); fills the options left unset from it (:data:`CONFIG_OPTIONS`)."""
    cfg = load_config(getattr(args, "config", None), user=True)
    resolve_options(args, cfg)
    return cfg


def resolve_options(args: argparse.Namespace, cfg: Config) -> argparse.Namespace:
    """Set every option the command line left unset to its configuration key.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options (changed in place).
    cfg : Config
        The loaded configuration.

    Returns
    -------
    argparse.Namespace
        ``args``.
    """
    for dest, (section, key) in CONFIG_OPTIONS.get(getattr(args, "command", ""), {}).items():
        value = getattr(getattr(cfg, section), key)
        if dest == "record":
            if getattr(args, dest, None) == _RECORD_DEFAULT:
                args.record = value
        elif getattr(args, dest, None) is None:
            setattr(args, dest, value)
    return args


def _open_out(path: str | None) -> tuple[TextIO, tuple[Path, Path] | None]:
    """Open ``--out`` for writing: standard output for None or ``-``; else a temporary file
    beside it and the file it replaces (returned second), renamed over it by
    :func:`_close_out` only once the output is whole, so a failed run leaves an existing file
    as it was. A device or a pipe (not a regular file) is written through; a symbolic link's
    target is replaced, not the link."""
    if path in (None, "-"):
        return sys.stdout, None
    p = Path(path)
    from .privacy import open_private, private_dir

    if p.is_dir():
        raise UsageError(
            f"--out {path!r} is a folder; give a file name for the table (e.g. "
            f"{str(p / 'features.csv')!r}), or - for the standard output"
        )
    private_dir(p.parent, own=False)
    if p.exists() and not p.is_file():
        return open_private(p, "w", newline="", encoding="utf-8"), None
    if p.is_symlink():  # replace the file it names, not the link
        p = p.resolve()
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    return open_private(tmp, "w", newline="", encoding="utf-8"), (tmp, p)


def _close_out(out: TextIO, tmp: tuple[Path, Path] | None, *, ok: bool) -> None:
    """Close what :func:`_open_out` opened: on success move the temporary file over the file
    it replaces; on failure remove it (the error says why; no half table that looks whole)."""
    if out is sys.stdout:
        return
    try:
        out.close()
    except OSError:
        if ok:  # the last bytes did not reach the disk: the output is not whole
            if tmp is not None:
                tmp[0].unlink(missing_ok=True)
            raise
    if tmp is None:
        return
    if ok:
        os.replace(*tmp)
    else:
        tmp[0].unlink(missing_ok=True)


def _refuse_overwriting_input(out: str | None, source: str | os.PathLike[str]) -> None:
    """Raise :class:`UsageError` when ``--out`` names the audio being read (it would be
    truncated before a sample was analysed)."""
    if out in (None, "-"):
        return
    o, a = Path(out), Path(source)
    try:
        same = o.exists() and o.samefile(a)
    except OSError:
        same = False
    if same:
        raise UsageError(
            f"--out {out!r} is the audio file being analysed: writing the tracks there would "
            f"destroy the recording; give another file, e.g. --out {o.stem + '_tracks.csv'!r}"
        )


# ---------------------------------------------------------------- analyze --
def _fmt(v: float) -> str:
    return "" if v != v else f"{v:.6g}"


def cmd_analyze(args: argparse.Namespace) -> int:
    """Per-hop tracks of an audio file as CSV or JSON.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach analyze`` options.

    Returns
    -------
    int
        Exit status: 0.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    try:
        return _analyze(args)
    except OSError as e:  # a write error (full disk) names no file: name --out
        if e.filename is None and not isinstance(e, VoiceCoachError | BrokenPipeError):
            e.filename = args.out
        raise


def _analyze(args: argparse.Namespace) -> int:
    from .analysis import CSV_COLUMNS, PUBLIC_FIELDS, Features
    from .config import harmonic_check_on
    from .io import audio_info, iter_features, select_channels, source_rate_hz

    cfg = _config(args)
    info = audio_info(args.audio)
    select = select_channels(args.channel, info.channels)
    _refuse_overwriting_input(args.out, args.audio)
    # the channels read as telephone audio: their pitch runs the harmonic check (iter_features)
    checked = [harmonic_check_on(cfg.pitch, source_rate_hz(args.audio, c, cfg), False)
               for c in select]
    # the first block is read before anything is written: a file the analysis refuses (its
    # rate, its length, NaN at the start) is one error line, not a header and then an error
    blocks = iter_features(args.audio, args.channel, cfg)
    first = next(blocks, None)
    blocks = itertools.chain(() if first is None else (first,), blocks)
    out, tmp = _open_out(args.out)
    ok = False
    try:
        if args.format == "csv":
            w = csv.writer(out, lineterminator="\n")
            w.writerow(CSV_COLUMNS)
            for rows in blocks:
                cols = [
                    [
                        r.t_s.round(2).tolist(),
                        r.f0_hz.tolist(),
                        r.voiced.astype(int).tolist(),
                        r.speech.astype(int).tolist(),
                        r.loudness_db.tolist(),
                        r.syllable_rate.tolist(),
                        r.articulation_rate.tolist(),
                        r.f0_settled_hz.tolist(),
                    ]
                    for r in rows
                ]
                for i in range(len(rows[0])):
                    for ch, c in zip(select, cols, strict=True):
                        w.writerow(
                            [
                                ch,
                                f"{c[0][i]:.2f}",
                                _fmt(c[1][i]),
                                c[2][i],
                                c[3][i],
                                _fmt(c[4][i]),
                                _fmt(c[5][i]),
                                _fmt(c[6][i]),
                                _fmt(c[7][i]),
                            ]
                        )
        else:
            parts: list[list[Features]] = [[] for _ in select]
            for rows in blocks:
                for i, r in enumerate(rows):
                    parts[i].append(r)
            doc: dict[str, Any] = {"hop_s": cfg.analysis.hop_s, "channels": []}
            for ch, p, hc in zip(select, parts, checked, strict=True):
                d = Features.concat(p).to_dict()
                doc["channels"].append({"channel": ch, "harmonic_check": hc,
                                        **{k: d[k] for k in PUBLIC_FIELDS}})
            json.dump(doc, out, allow_nan=False)
            out.write("\n")
        out.flush()
        ok = True
    finally:
        _close_out(out, tmp, ok=ok)
    if args.out not in (None, "-"):
        tel = [str(c) for c, hc in zip(select, checked, strict=True) if hc]
        note = ""
        if tel:
            which = (f"channel {tel[0]}" if len(tel) == 1
                     else f"channels {', '.join(tel[:-1])} and {tel[-1]}")
            note = f"; pitch of {which} with the harmonic check (telephone audio)"
        print(f"wrote {args.out} ({len(select)} channel(s), {info.duration_s:.1f} s{note})")
    return 0


# ----------------------------------------------------------------- profiles --
def _store(args: argparse.Namespace):
    from .profiles import ProfileStore

    return ProfileStore(getattr(args, "profiles_dir", None))


def _profile(args: argparse.Namespace):
    if not getattr(args, "profile", None):
        return None
    from .profiles import load_profile

    return load_profile(args.profile, getattr(args, "profiles_dir", None))


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Compute a calm baseline from files or the microphone and store it.

    Several ``--input`` files make one profile (as if joined); ``--add`` grows a stored
    profile from the calibration audio kept beside it plus the new speech; ``--keep-audio``
    (implied by ``--add``) keeps the calibration speech beside the profile for that.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach calibrate`` options.

    Returns
    -------
    int
        Exit status: 0.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .baseline.calibration import Calibrator
    from .i18n import number, texts
    from .profiles import format_profile

    cfg = _config(args)
    tp = texts(args.lang).PROFILE  # the session's language ([coach] lang, or --lang)
    store = _store(args)
    store.check_name(args.profile)
    keep = bool(args.keep_audio or args.add)
    cal = Calibrator(cfg, keep_audio=keep)
    if args.add:
        old = store.load(args.profile)  # a clear error when it is not stored
        kept = store.calibration_audio(args.profile)
        if not kept:
            raise UsageError(
                f"profile {args.profile!r} has no calibration audio kept beside it "
                f"({str(store.path(args.profile).with_suffix('.flac'))!r}), and growing a profile "
                f"recomputes it from all its calm speech; calibrate it again with --keep-audio "
                f"(e.g. `voicecoach calibrate --profile {args.profile} --keep-audio --mic ...`), "
                f"then add more with --add"
            )
        for q in kept:  # kept at 16 kHz: the profile's own rate says what it was recorded at
            cal.feed_file(q, None, shown=f"{q.name} ({old.speech_s:.0f} s of speech kept)",
                          source_rate_hz=old.calibration_rate_hz)
    if args.input:
        from .privacy import shown_path

        for path in args.input:
            cal.feed_file(path, args.channel, shown=shown_path(path, args.full_paths))
    else:
        import numpy as np

        from .sources.capture import Capture

        parts = []
        with Capture(args.mic, None, config=cfg) as cap:  # the device is found (or not) first
            print(tp["recording"].format(s=args.seconds, mic=args.mic))
            got = 0.0
            while got < args.seconds:
                blk = cap.read(timeout=1.0)
                if blk is None:
                    continue
                parts.append(blk.audio[:, 0])
                got += blk.audio.shape[0] / cfg.analysis.sample_rate
            rate_hz = cap.source_rates_hz[0]  # the device's own (a Bluetooth headset: 8 kHz)
        x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        cal.feed_array(x, cfg.analysis.sample_rate, source=f"mic {args.mic}",
                       source_rate_hz=rate_hz)
    prof = cal.finish(name=args.profile)
    # the audio first, then the profile: a run stopped in between never leaves a new profile
    # beside the speech of the one it replaced (`--add` recomputes from the kept speech)
    removed = []
    if keep:
        audio = store.save_calibration_audio(args.profile, cal.audio, cfg.analysis.sample_rate)
    else:
        # audio kept for the profile this one replaces no longer matches it (`--add` would
        # grow the new profile from the old speech): removed, and said
        for q in store.calibration_audio(args.profile):
            q.unlink(missing_ok=True)
            removed.append(q)
    path = store.save(prof, args.profile)
    print(format_profile(prof, args.lang))
    for line in _verdict_lines(prof, cfg, args.lang):
        print(line)
    print(tp["saved"].format(name=args.profile, path=path))
    for q in removed:
        print(tp["removed"].format(file=q.name))
    if keep:
        print(tp["kept"].format(s=number(float(cal.seconds), args.lang), path=audio,
                                name=args.profile))
    return 0


def _verdict_lines(prof: Any, cfg: Config, lang: str) -> list[str]:
    """What the coach's prosody rules can judge with ``prof`` (a thin or unstable baseline
    silences a rule: :meth:`voicecoach.coach.Coach.baseline_verdict`), in ``lang``."""
    from .i18n import texts
    from .pipeline import make_coach

    tp = texts(lang).PROFILE
    coach = make_coach(cfg, prof, lang=lang)
    silent = [(r, coach.baseline_verdict(r)) for r in ("pitch_high", "rate_high",
                                                       "loudness_high")]
    silent = [(r, v) for r, v in silent if v]
    if not silent:
        return [tp["verdicts_ok"]]
    return [tp["verdict_silent"].format(rule=r, why=v) for r, v in silent]


def cmd_profile(args: argparse.Namespace) -> int:
    """List, show or delete stored profiles.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach profile`` options.

    Returns
    -------
    int
        Exit status: 0.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .i18n import texts
    from .profiles import format_profile

    cfg = _config(args)
    tp = texts(args.lang).PROFILE  # the session's language ([coach] lang, or --lang)
    store = _store(args)
    if args.action != "list" and not args.name:
        raise UsageError(f"`voicecoach profile {args.action}` needs a profile name, e.g. "
                         f"`voicecoach profile {args.action} alice` (`voicecoach profile list` "
                         f"shows them)")
    if args.action == "list" and args.name:
        raise UsageError(f"`voicecoach profile list` takes no name (got {args.name!r}); to see "
                         f"one profile: `voicecoach profile show {args.name}`")
    if args.action == "list":
        names = store.list()
        if not names:
            print(tp["no_profiles"].format(dir=store.directory))
        for n in names:
            print(n)
    elif args.action == "show":
        prof = store.load(args.name)
        print(format_profile(prof, args.lang))
        for line in _verdict_lines(prof, cfg, args.lang):
            print(line)
        for q in store.calibration_audio(args.name):
            print(tp["kept_audio"].format(path=q, name=args.name))
    else:
        audio = store.calibration_audio(args.name)
        path = store.delete(args.name)
        print(tp["deleted"].format(path=path, more="".join(tp["and_file"].format(file=q.name)
                                                           for q in audio)))
    return 0


# --------------------------------------------------------------- recordings --
def cmd_recordings(args: argparse.Namespace) -> int:
    """Delete recorded sessions past a retention period (``prune``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach recordings`` options.

    Returns
    -------
    int
        Exit status: 0.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .privacy import prune_recordings

    _config(args)
    gone = prune_recordings(args.dir, args.older_than, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for e in gone:
        print(f"{verb} {e.folder} ({e.age_days:.0f} days old, {e.size_bytes / 1e6:.1f} MB)")
    total = sum(e.size_bytes for e in gone) / 1e6
    print(
        f"{verb} {len(gone)} session(s) older than {args.older_than:g} days in {args.dir}"
        f" ({total:.1f} MB)"
    )
    return 0


# ------------------------------------------------------------------- review --
def cmd_review(args: argparse.Namespace) -> int:
    """Review recorded calls: report.json, timeline.png and report.html per call, index.html.

    With ``--reuse DIR`` (what-if), the reports in DIR are re-coached from their cached
    tracks with ``--config`` and written to ``--out``; with ``--out`` pointing at existing
    reports of the same audio, their tracks are reused the same way (unless ``--fresh``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach review`` options.

    Returns
    -------
    int
        Exit status: 0, or 1 when some calls failed (they are listed).

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .review.batch import ReviewOptions, Task, run_batch
    from .review.calls import Call, assign_meta, discover_calls, pair_call
    from .review.document import discover_reports
    from .review.progress import BatchProgress, failure_summary

    cfg = _config(args)
    if args.full_paths != cfg.review.full_paths:
        cfg = dataclasses.replace(
            cfg, review=dataclasses.replace(cfg.review, full_paths=args.full_paths)
        )
    if args.mono_agent != cfg.mono.agent:
        cfg = cfg.replace(mono={"agent": args.mono_agent})
    if args.mono_voices != cfg.mono.voices:
        cfg = cfg.replace(mono={"voices": args.mono_voices})
    from .review.mono import with_voice_model

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise _usage(f"--out {args.out!r} is a file; reports go to a folder (one sub-folder "
                     f"per call): give a folder name, e.g. --out reports/")
    profile = with_voice_model(_profile(args), args.profile, cfg,
                               getattr(args, "profiles_dir", None))
    failures: list[tuple[str, str]] = []
    tasks: list[Task] = []
    if args.reuse:
        if args.audio or args.agent or args.customer:
            raise _usage("--reuse re-coaches existing reports: give no audio inputs with it")
        gone = [d for d in args.reuse if not Path(d).exists()]
        if gone:  # was skipped without a word (or "no report folders" when all were)
            raise _usage(
                f"--reuse {gone[0]!r} does not exist; give report folders written by "
                f"`voicecoach review --out DIR` (DIR/<call>, or DIR itself)"
            )
        folders = discover_reports(args.reuse)
        if not folders:
            raise _usage(
                f"no report folders (report.json + tracks.npy) in {', '.join(args.reuse)}; "
                f"review the audio first"
            )
        tasks = [Task(Path(f).name, report_dir=str(f)) for f in folders]
    else:
        calls: list[Call] = []
        if args.agent or args.customer:
            if not (args.agent and args.customer):
                raise _usage("--agent and --customer go together: give both mono files")
            a, c = Path(args.agent), Path(args.customer)
            if a.resolve() == c.resolve():  # was reviewed as a call of one voice twice
                raise _usage(
                    f"--agent and --customer name the same file {args.agent!r}; give the "
                    f"agent's recording and the customer's (two mono files)"
                )
            missing = [(str(p), f"{str(p)!r} does not exist") for p in (a, c) if not p.is_file()]
            failures += missing
            if not missing:
                try:
                    pc = pair_call(a, c, a.stem)
                except (VoiceCoachError, OSError) as e:
                    failures.append((f"{a} + {c}", error_message(e)))
                else:
                    if pc.meta.get("note"):
                        print(f"Note: {a.name} + {c.name}: {pc.meta['note']}", file=sys.stderr)
                    calls.append(pc)
        elif not args.audio:
            raise _usage(
                "give AUDIO files or folders, --agent FILE --customer FILE, or --reuse DIR"
            )
        if args.audio:
            more, f2 = discover_calls(
                args.audio, args.agent_channel, exclude=[args.out], config=cfg
            )
            for c in more:
                if c.meta.get("note"):
                    name = c.stem if c.kind == "session" else c.paths[0].name
                    print(f"Note: {name}: {c.meta['note']}", file=sys.stderr)
            calls += more
            failures += f2
        calls = assign_meta(calls, args.name_pattern, args.manifest, config=cfg)
        tasks = [Task(c.stem, call=c) for c in calls]
    opts = ReviewOptions(
        out_dir=args.out,
        config=cfg,
        profile=profile,
        lang=args.lang,
        render=not args.no_html,
        audio=args.audio_copy,
        reuse=not args.fresh,
    )
    from .privacy import private_dir

    private_dir(args.out, own=False)
    from .i18n import resolve_lang, texts

    lang = resolve_lang(args.lang, cfg)
    with BatchProgress(len(tasks), lang=lang) as bar:
        results = run_batch(
            tasks,
            opts,
            jobs=args.jobs,
            scheduler=args.scheduler,
            on_progress=bar.update,
            on_start=bar.start,
            on_done=bar.done,
        )
    ok = [r for r in results if r.ok]
    if ok and not args.no_html:
        from .sinks.index import write_index

        write_index(args.out, lang=args.lang)
    reused = sum(1 for r in ok if r.mode == "reused")
    tx = texts(lang).REVIEW_LINE
    msg = tx["reviewed"].format(n=len(ok), out=args.out)
    if reused:
        msg += tx["reused"].format(n=reused)
    text = failure_summary(results, failures)
    n_failed = len(failures) + len(results) - len(ok)
    print(msg + texts(lang).REPORT["semicolon"] + tx["failed"].format(n=n_failed))
    if text:
        print(text, file=sys.stderr)
    return 0 if not n_failed else 1


def _summary_line(stem: str, rep: dict[str, Any]) -> str:
    from .review.document import summary_line

    return summary_line(stem, rep)


# --------------------------------------------------------------------- live --
def cmd_devices(args: argparse.Namespace) -> int:
    """List audio inputs ('*': monitor/loopback candidates), then the monitors and loopbacks
    soundcard reads, with their exact --far strings.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach devices`` options.

    Returns
    -------
    int
        Exit status: 0.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .sources.devices import format_inputs, rescan
    from .sources.loopback import format_far_candidates

    if args.rescan:
        rescan()
    print("PortAudio inputs ('*': far-end candidates):")
    print(format_inputs())
    print(format_far_candidates())
    return 0


def _run_live(args: argparse.Namespace, cfg: Config, replay: str | None) -> int:
    from .session import LiveSession
    from .sinks.eventlog import refuse_existing_log
    from .sources.replay import ReplaySource

    if args.events:  # before a device is looked up (LiveSession checks it again)
        refuse_existing_log(args.events)
    profile = _profile(args)
    lang = args.lang
    if replay:
        from .privacy import shown_path
        from .review.calls import discover_calls

        calls, failures = discover_calls([replay], args.agent_channel, config=cfg)
        if failures:
            raise _usage(failures[0][1])
        if calls[0].meta.get("note"):
            print(f"Note: {calls[0].paths[0].name}: {calls[0].meta['note']}", file=sys.stderr)
        source: Any = ReplaySource(calls[0], cfg, speed=args.speed)
        info = {
            "replay": shown_path(replay, cfg.review.full_paths),
            "agent_channel": args.agent_channel,
            "speed": args.speed,
        }
    else:
        from .sources.capture import Capture

        source = Capture(
            args.mic or None,  # "" ([live] mic/far unset): the default input / no far end
            args.far or None,
            config=cfg,
            mic_channel=args.mic_channel,
            far_channel=args.far_channel,
            far_backend=args.far_backend,
        )
        info = {"mic": args.mic, "far": args.far}
    session = LiveSession(
        source,
        cfg,
        profile=profile,
        lang=lang,
        record_dir=args.record,
        events_path=args.events,
        duration_s=args.duration,
        source_info=info,
    )
    from .i18n import resolve_lang, texts

    tx = texts(resolve_lang(lang, cfg)).SUMMARY
    try:
        display = _display(args.display, session.model, lang, cfg)
        where = tx["into"].format(folder=session.folder) if session.folder else ""
        print(
            tx["replaying"].format(source=replay, where=where)
            if replay
            else tx["listening"].format(where=where)
        )
        res = session.run(display)
    except BaseException:  # no display, a device that does not open, Ctrl-C at the start
        if session.folder is not None:  # made by the session and still empty: not left
            with contextlib.suppress(OSError):
                session.folder.rmdir()
        raise
    if replay and args.speed != 1.0:
        res.block_latency_ms = {}  # latency is only meaningful at real time
    print(_live_summary(res, resolve_lang(lang, cfg)))
    if res.error:
        print(f"Error: {res.error}", file=sys.stderr)
        return 2
    return 0


def _display(kind: str, model: Any, lang: str, cfg: Config) -> Any:
    if kind == "none":
        return None
    from .sinks.display import choose_display

    return choose_display(kind, model, lang, cfg)


def _live_summary(res: Any, lang: str) -> str:
    """The end-of-session summary printed by ``live`` and ``demo``, in ``lang``."""
    from .i18n import number, texts

    def n(v: Any) -> Any:  # the language's decimal mark
        return number(v, lang)

    t = texts(lang)
    tx, rules = t.SUMMARY, t.RULES
    conv = res.summary.get("conversation") or {}
    lines = [
        tx["session"].format(s=n(res.duration_s))
        + (tx["recorded_in"].format(folder=res.folder) if res.folder else "")
        + (tx["capture"].format(capture=res.capture) if res.capture else ""),
        tx["talk"].format(
            agent=n(res.summary.get("agent", {}).get("talk_s", "n/a")),
            customer=n((res.summary.get("customer") or {}).get("talk_s", "n/a")),
            overlap=n(conv.get("overlap_s", "n/a")),
        ),
    ]
    for e in res.events:
        if e.kind in ("interruption", "backchannel", "turn_end_overlap"):
            what = tx.get(f"{e.kind}_{e.by}")
            if what is not None:
                lines.append(f"  {n(e.start_s):7.2f} s  {what}")
        elif e.kind == "mutual_silence":
            lines.append(f"  {n(e.start_s):7.2f} s  "
                         + tx["mutual_silence"].format(s=n(e.duration_s)))
        elif e.kind == "nudge":
            rec = (
                tx["recovered_after"].format(s=n(e.recovered_after_s))
                if e.recovered_after_s is not None
                else tx["not_recovered"]
            )
            what = tx["nudge"].format(
                message=e.message, rule=rules.get(e.rule, e.rule), recovery=rec
            )
            lines.append(f"  {n(e.start_s):7.2f} s  {what}")
    held = ((res.summary.get("coach") or {}).get("held_back")) or {}
    if any(held.values()):  # the repeat rule kept these quiet ([coach] repeat_window_s)
        lines.append(tx["held_back"].format(
            rules=", ".join(f"{rules.get(k, k)} {v}" for k, v in held.items() if v)))
    lat = res.block_latency_ms
    if lat:
        lines.append(tx["latency"].format(p50=n(lat["p50"]), p99=n(lat["p99"])))
    return "\n".join(lines)


def cmd_live(args: argparse.Namespace) -> int:
    """Coach a call live (microphone + far end), or replay a recording through the live path.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach live`` options.

    Returns
    -------
    int
        Exit status: 0, or 2 when the session ended on an error (printed after the summary).

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    return _run_live(args, _config(args), args.replay)


def cmd_demo(args: argparse.Namespace) -> int:
    """Play the bundled demo call through the live path, then print the review summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach demo`` options.

    Returns
    -------
    int
        Exit status: as ``voicecoach live``.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "recordings" / "demo_call.flac"
    if not demo.is_file():
        raise _usage(
            f"the demo call {str(demo)!r} is missing; regenerate it with "
            f"`python scripts/make_demo_call.py` from a source checkout"
        )
    args.agent_channel = 0  # the demo call's agent is its left channel
    return _run_live(args, _config(args), str(demo))


def cmd_setup(args: argparse.Namespace) -> int:
    """Guided first run: devices, levels, calibration, user configuration, then ``live``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``voicecoach setup`` options.

    Returns
    -------
    int
        Exit status: that of :func:`~voicecoach.setup_wizard.run_setup`.

    Raises
    ------
    VoiceCoachError, OSError
        For bad input or a failed read / write; :func:`main` prints them as one
        ``Error:`` line and exits with 2.
    """
    from .setup_wizard import run_setup

    return run_setup(args, _config(args), run_live=main)


def _usage(msg: str) -> UsageError:
    return UsageError(msg)


# ------------------------------------------------------------------ parser --
class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only when there is one (options from the configuration say so)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser. ``--help`` shows the value each option takes when left unset
    (the user configuration over ``config/voicecoach.toml``; the shipped file alone if the user
    file is broken); options left unset take the loaded configuration's values, ``--config``
    included (:func:`resolve_options`).

    Returns
    -------
    argparse.ArgumentParser
        With one subparser per command; each sets ``func`` to its ``cmd_*`` function.
    """
    try:
        cfg = load_config(user=True)
    except VoiceCoachError:  # a broken user file: --help still works, commands say why
        cfg = load_config()

    def conf(command: str, dest: str) -> str:
        section, key = CONFIG_OPTIONS[command][dest]
        return f"(default: [{section}] {key} = {getattr(getattr(cfg, section), key)!r})"

    p = argparse.ArgumentParser(
        prog="voicecoach",
        description="Live speech pacing and pitch monitor for people who talk to customers.",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    # not required: without a command, _main prints the full help (the command list)
    # instead of argparse's one-line "arguments are required: COMMAND"
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(
            name,
            help=help_,
            description=help_,
            formatter_class=_HelpFormatter,
        )
        sp.add_argument("--config", metavar="TOML", help="configuration file overriding defaults")
        # -v works before or after the subcommand (SUPPRESS: absent here keeps the top's)
        sp.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
        )
        sp.set_defaults(func=fn)
        return sp

    a = add("analyze", cmd_analyze, "per-hop pitch, speech, loudness and rate tracks of a file")
    a.add_argument("audio", help="audio file: WAV (PCM, float, G.711, GSM 6.10), FLAC, "
                                 "OGG/Opus, MP3; M4A/AAC with ffmpeg; 8-192 kHz")
    a.add_argument("--channel", help=f"channel index, or 'all' {conf('analyze', 'channel')}")
    a.add_argument("--format", choices=("csv", "json"),
                   help=f"table format {conf('analyze', 'format')}")
    a.add_argument("--out", default=None, help="output path (default: standard output)")

    def add_profiles_dir(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--profiles-dir",
            metavar="DIR",
            default=None,
            help="profile folder (default: $VOICECOACH_PROFILES, else $XDG_CONFIG_HOME/voicecoach/"
            "profiles, i.e. ~/.config/voicecoach/profiles)",
        )

    c = add("calibrate", cmd_calibrate, "compute a calm baseline profile from calm speech")
    c.add_argument("--profile", required=True, metavar="NAME", help="profile name to save")
    src = c.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--input", metavar="FILE", action="append",
        help="a recording of calm speech; repeat it for several (one profile from all of them)",
    )
    src.add_argument("--mic", metavar="DEVICE", help="record from this input (index or name)")
    c.add_argument("--channel", default=None, help="channel of --input (default: 0 / mono)")
    c.add_argument(
        "--keep-audio", action="store_true",
        help="keep the calibration speech beside the profile (NAME.flac, readable by you only) "
        "so that --add can grow the profile later",
    )
    c.add_argument(
        "--add", action="store_true",
        help="grow the stored profile NAME: recompute it from its kept calibration audio plus "
        "this new calm speech (more speech, fewer false nudges; README)",
    )
    c.add_argument(
        "--seconds", type=float, help=f"seconds to record with --mic {conf('calibrate', 'seconds')}"
    )
    c.add_argument(
        "--full-paths",
        action=argparse.BooleanOptionalAction,
        help="store the --input file's absolute path in the profile, not only its name "
        + conf("calibrate", "full_paths"),
    )
    c.add_argument("--lang", choices=("fr", "en"),
                   help=f"language of the profile's summary {conf('calibrate', 'lang')}")
    add_profiles_dir(c)

    pr = add("profile", cmd_profile, "list, show or delete stored profiles")
    pr.add_argument("action", choices=("list", "show", "delete"))
    pr.add_argument("name", nargs="?", help="profile name (show, delete)")
    pr.add_argument("--lang", choices=("fr", "en"),
                    help=f"language of the output {conf('profile', 'lang')}")
    add_profiles_dir(pr)

    rc = add("recordings", cmd_recordings, "delete recorded live sessions past a retention period")
    rc.add_argument("action", choices=("prune",))
    rc.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="delete the sessions whose newest file is older than DAYS days",
    )
    rc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    rc.add_argument(
        "--dir", metavar="DIR", help=f"the session folders' parent {conf('recordings', 'dir')}"
    )

    r = add("review", cmd_review, "review recorded calls: report.json, timeline and HTML per call")
    r.add_argument("audio", nargs="*", help="stereo/mono files, folders, live session folders")
    r.add_argument(
        "--agent-channel", type=int, choices=(0, 1),
        help=f"the agent's channel of a stereo call; the other is the customer "
        f"{conf('review', 'agent_channel')}",
    )
    r.add_argument("--agent", metavar="FILE", help="agent mono file (with --customer)")
    r.add_argument("--customer", metavar="FILE", help="customer mono file (with --agent)")
    r.add_argument("--out", required=True, metavar="DIR", help="report folder")
    r.add_argument("--profile", metavar="NAME|PATH", help="the agent's calm baseline")
    r.add_argument("--lang", choices=("fr", "en"),
                   help=f"language of the reports and nudges {conf('review', 'lang')}")
    add_profiles_dir(r)
    r.add_argument(
        "--jobs", "-j", type=int, metavar="N", help=f"local processes {conf('review', 'jobs')}"
    )
    r.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster (tcp://host:8786); needs voicecoach[cluster]",
    )
    r.add_argument(
        "--reuse",
        nargs="+",
        metavar="DIR",
        help="what-if: re-coach these report folders from their cached tracks with --config",
    )
    r.add_argument(
        "--fresh", action="store_true", help="analyse again even if --out holds cached tracks"
    )
    r.add_argument(
        "--name-pattern",
        metavar="REGEX",
        help="agent and date from the call name (named groups 'agent', 'date'); '' for none "
        + conf("review", "name_pattern").replace("%", "%%"),
    )
    r.add_argument("--manifest", metavar="CSV", help="CSV path,agent,date (wins over the pattern)")
    r.add_argument(
        "--full-paths",
        action=argparse.BooleanOptionalAction,
        help="store the source files' absolute paths in the reports, not only their names "
        + conf("review", "full_paths"),
    )
    r.add_argument(
        "--audio-copy",
        choices=("ogg", "flac", "link", "none"),
        help="playback audio for the HTML report: compact copy, lossless copy, relative link "
        f"to the original file, or none {conf('review', 'audio_copy')}",
    )
    r.add_argument(
        "--no-html", action="store_true",
        help="no report.html, timeline.png or index.html: report.json, the tracks and the "
        "audio copy only (with --audio-copy none, the fastest)",
    )
    r.add_argument(
        "--mono-agent",
        choices=("first", "second"),
        help="a mono call with two voices and no profile voice model: the agent is the voice "
        f"that speaks first or second {conf('review', 'mono_agent')}",
    )
    r.add_argument(
        "--mono-voices",
        choices=("detect", "two"),
        help="mono calls: 'two' attributes two voices whenever they can be learned (a "
        "recorder that mixes both parties into every file; the report says when the detector "
        "alone found one voice); 'detect' only when the detector finds them (a file of one "
        f"voice stays whole) {conf('review', 'mono_voices')}",
    )

    d = add("devices", cmd_devices, "list audio inputs ('*': monitor/loopback candidates)")
    d.add_argument("--rescan", action="store_true", help="re-initialise PortAudio first")

    def add_live(sp: argparse.ArgumentParser, command: str) -> None:
        sp.add_argument(
            "--profile",
            metavar="NAME|PATH",
            help="the agent's calm baseline"
            + (f" {conf(command, 'profile')}" if "profile" in CONFIG_OPTIONS[command] else ""),
        )
        add_profiles_dir(sp)
        sp.add_argument(
            "--display",
            choices=DISPLAY_KINDS,
            help="compact: a small always-on-top strip; window: the full chart; auto: the "
            "compact strip if a screen is available, else the terminal "
            + conf(command, "display"),
        )
        sp.add_argument(
            "--record",
            nargs="?",
            const=_RECORD_DEFAULT,
            metavar="DIR",
            help="record both channels and events into DIR/<timestamp>/ (DIR: [live] "
            f"record_dir = {cfg.live.record_dir!r})",
        )
        sp.add_argument("--events", metavar="PATH", help="JSON-lines event log")
        sp.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
        sp.add_argument("--lang", choices=("fr", "en"),
                        help=f"language of the nudges and displays {conf(command, 'lang')}")
        sp.add_argument(
            "--speed",
            type=float,
            help=f"replay speed (1 = real time, inf = unpaced) {conf(command, 'speed')}",
        )

    lv = add("live", cmd_live, "coach a call live (microphone + far end)")
    lv.add_argument(
        "--mic", metavar="D", help=f"microphone: index or name substring {conf('live', 'mic')}"
    )
    lv.add_argument(
        "--far",
        metavar="D",
        help="far end: index or name, or a monitor/loopback string from `voicecoach devices` "
        f"(e.g. \"<sink> monitor\") {conf('live', 'far')}",
    )
    lv.add_argument("--mic-channel", type=int, default=None, metavar="N")
    lv.add_argument("--far-channel", type=int, default=None, metavar="N")
    lv.add_argument(
        "--far-backend",
        choices=("auto", "sounddevice", "soundcard"),
        help="soundcard: PulseAudio monitors and WASAPI loopback (the [loopback] extra); "
        "auto: PortAudio when it lists --far, else soundcard "
        + conf("live", "far_backend"),
    )
    lv.add_argument("--replay", metavar="CALL", help="feed a recording through the live path")
    lv.add_argument("--agent-channel", type=int, choices=(0, 1),
                    help=f"--replay: the agent's channel of a stereo file "
                    f"{conf('live', 'agent_channel')}")
    add_live(lv, "live")

    dm = add("demo", cmd_demo, "play the bundled demo call through the live path")
    add_live(dm, "demo")

    from .setup_wizard import add_setup_arguments

    st = add("setup", cmd_setup, "guided first run: pick devices, check levels, calibrate, go live")
    add_setup_arguments(
        st, conf("setup", "seconds"), conf("setup", "levels_s"), add_profiles_dir,
        keep_help=f"(default: [setup] keep_audio = {cfg.setup.keep_audio!r})",
    )
    return p


def _one_line_warning(message: Warning | str, *_: object, **__: object) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``voicecoach`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The command's status (0 success, 1 some review calls failed); 2 for an error,
        printed as one ``Error:`` line (a traceback with ``-v``); 130 on Ctrl-C, with one
        line (also while the parser or a command's imports load). argparse exits with 2
        itself for unknown options.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:  # also while the parser or a command's imports load
        print("Interrupted.", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `voicecoach` alone: what the commands are, status 2
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            if not args.verbose:
                # a missing optional backend (echo canceller, Silero) is one line, not a
                # "file:line: Category: ..." block
                warnings.showwarning = _one_line_warning
            return int(args.func(args))
    except BrokenPipeError:  # e.g. `voicecoach analyze x.wav | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (VoiceCoachError, OSError) as e:
        if args.verbose:
            raise
        print(f"Error: {error_message(e)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
