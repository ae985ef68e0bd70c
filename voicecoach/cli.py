"""Command-line interface: ``voicecoach SUBCOMMAND ...``.

Every subcommand is a function ``cmd_NAME(args) -> int``. Errors raised on purpose
(:class:`~voicecoach.errors.VoiceCoachError`) print one line, ``Error: message``, and exit
with status 2; ``-v`` shows the traceback. Defaults shown by ``--help`` come from
``config/voicecoach.toml``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .config import Config, load_config
from .errors import VoiceCoachError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def _open_out(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdout
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return open(p, "w", newline="", encoding="utf-8")


# ---------------------------------------------------------------- analyze --
def _fmt(v: float) -> str:
    return "" if v != v else f"{v:.6g}"


def cmd_analyze(args: argparse.Namespace) -> int:
    """Per-hop tracks of an audio file as CSV or JSON."""
    from .analysis import CSV_COLUMNS, PUBLIC_FIELDS, Features
    from .io import audio_info, iter_features, select_channels

    cfg = _config(args)
    info = audio_info(args.audio)
    select = select_channels(args.channel, info.channels)
    out = _open_out(args.out)
    try:
        if args.format == "csv":
            w = csv.writer(out, lineterminator="\n")
            w.writerow(CSV_COLUMNS)
            for rows in iter_features(args.audio, args.channel, cfg):
                cols = [
                    [
                        r.t_s.round(2).tolist(),
                        r.f0_hz.tolist(),
                        r.voiced.astype(int).tolist(),
                        r.speech.astype(int).tolist(),
                        r.loudness_db.tolist(),
                        r.syllable_rate.tolist(),
                        r.articulation_rate.tolist(),
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
                            ]
                        )
        else:
            parts: list[list[Features]] = [[] for _ in select]
            for rows in iter_features(args.audio, args.channel, cfg):
                for i, r in enumerate(rows):
                    parts[i].append(r)
            doc: dict[str, Any] = {"hop_s": cfg.analysis.hop_s, "channels": []}
            for ch, p in zip(select, parts, strict=True):
                d = Features.concat(p).to_dict()
                doc["channels"].append({"channel": ch, **{k: d[k] for k in PUBLIC_FIELDS}})
            json.dump(doc, out, allow_nan=False)
            out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out not in (None, "-"):
        print(f"wrote {args.out} ({len(select)} channel(s), {info.duration_s:.1f} s)")
    return 0


# ------------------------------------------------------------------ parser --
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (defaults read from the configuration)."""
    cfg = load_config()
    p = argparse.ArgumentParser(
        prog="voicecoach",
        description="Live speech pacing and pitch monitor for people who talk to customers.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, fn: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(
            name,
            help=help_,
            description=help_,
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )
        sp.add_argument("--config", metavar="TOML", help="configuration file overriding defaults")
        sp.set_defaults(func=fn)
        return sp

    a = add("analyze", cmd_analyze, "per-hop pitch, speech, loudness and rate tracks of a file")
    a.add_argument("audio", help="WAV, FLAC, OGG or MP3 file (8-48 kHz)")
    a.add_argument("--channel", default="all", help="channel index, or 'all'")
    a.add_argument("--format", choices=("csv", "json"), default="csv")
    a.add_argument("--out", default=None, help="output path (default: standard output)")
    del cfg
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except VoiceCoachError as e:
        if args.verbose:
            raise
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `voicecoach analyze x.wav | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
