"""The ``musiceval`` command: profile a training set, compare generated music with it, evaluate.

::

    musiceval profile REFERENCE -o profile.json
    musiceval compare GENERATED --profile profile.json -o report/
    musiceval compare GENERATED --reference REFERENCE -o report/
    musiceval evaluate INPUT
    musiceval compat INPUT --tool deepcomposer
    musiceval train [--quick] [--out DIR]

Inputs are whatever :func:`musiceval.io.load_rolls` reads: ``.npy``/``.npz`` files (with
``--layout``, ``--lowest-pitch``, ``--key``), MIDI files and folders of MIDI files. Bad input
ends the command with one line on stderr, ``musiceval <command>: error: ...``, and exit status
2 (usage errors) or 1 (input the library refuses); warnings (skipped MIDI files) are printed as
``musiceval <command>: warning: ...`` lines.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from musiceval._cli_types import comma_names, positive_int

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["main", "positive_int"]

_FAILURES = (ValueError, TypeError, OSError)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, pointing to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``musiceval`` command with ``argv`` (default ``sys.argv[1:]``); return its status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:  # every option, --help included, belongs to the trainer's parser
        return _train(argv[1:])
    parser = _build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    prog = f"musiceval {args.command}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = run(args)
        except _FAILURES as error:
            _print_warnings(prog, caught)
            message = " ".join(str(error).split()) or type(error).__name__
            print(f"{prog}: error: {message}", file=sys.stderr)
            return 1
    _print_warnings(prog, caught)
    return status


# ---------------------------------------------------------------------- commands


def _profile(args: argparse.Namespace) -> int:
    result = _profile_of(args, args.reference)
    result.save(args.output)
    print(
        f"profiled {result.n_samples} samples x {len(result.tracks)} tracks "
        f"({', '.join(result.tracks)}) for {len(result.metrics)} metrics"
    )
    print(f"profile: {args.output}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    import musiceval
    from musiceval.profiles import DatasetProfile

    if args.profile is not None:
        reference = DatasetProfile.load(args.profile)
    else:
        reference = _profile_of(args, args.reference)
    report = musiceval.compare(
        args.generated,
        reference,
        layout=args.layout,
        threshold=args.threshold,
        npz_key=args.key,
        lowest_pitch=args.lowest_pitch,
        on_error=_on_error(args),
    )
    print(report.to_markdown())
    out = report.save(args.output)
    print(f"\nreport: {out / 'report.html'} (also report.md, report.csv, report.json, PNGs)")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import musiceval

    rolls = _read(args, args.input, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
    table = musiceval.evaluate(
        rolls,
        args.metrics,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        **_conventions(args),
    )
    if args.output is not None:
        _write_csv(table, Path(args.output))
    shown = table if args.per_sample else _summary(table)
    print(shown.to_string(index=False))
    if args.output is not None:
        print(f"\nper-sample values: {args.output}")
    return 0


def _compat(args: argparse.Namespace) -> int:
    import pandas as pd

    from musiceval.compat import side_by_side

    rolls = _read(args, args.input, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
    table = side_by_side(
        rolls,
        args.tool,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        **_conventions(args),
    )
    with pd.option_context("display.max_colwidth", None, "display.width", 200):
        print(table.drop(columns="tool").to_string(index=False))
    return 0


def _train(arguments: list[str]) -> int:
    from musiceval.models.cli import main as train

    return train(arguments, prog="musiceval train")


# ---------------------------------------------------------------------- helpers


def _profile_of(args: argparse.Namespace, source: str) -> DatasetProfile:
    import musiceval

    rolls = _read(args, source, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
    return musiceval.profile(
        rolls,
        args.metrics,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        track_names=args.track_names,
        **_conventions(args),
    )


def _read(args: argparse.Namespace, source: str, *, n_bars: int, steps_per_bar: int) -> Any:
    from musiceval.io import load_rolls

    return load_rolls(
        source,
        layout=args.layout,
        npz_key=args.key,
        n_bars=n_bars,
        steps_per_bar=steps_per_bar,
        steps_per_beat=args.steps_per_beat,
        on_error=_on_error(args),
    )


def _on_error(args: argparse.Namespace) -> Literal["raise", "skip"]:
    return "skip" if args.skip_unreadable else "raise"


def _conventions(args: argparse.Namespace) -> dict[str, Any]:
    options = {
        "steps_per_bar": args.steps_per_bar,
        "steps_per_beat": args.steps_per_beat,
        "key": args.scale_key,
        "mode": args.mode,
        "per": args.per,
    }
    return {name: value for name, value in options.items() if value is not None}


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, std and NaN count per metric and track (pairs of tracks for tonal distance)."""
    keys = ["metric", "track"] + (["track_b"] if "track_b" in table.columns else [])
    grouped = table.groupby(keys, observed=True, sort=False, dropna=False)["value"]
    summary = grouped.agg(mean="mean", std=lambda v: v.std(ddof=0), n_nan=lambda v: v.isna().sum())
    return summary.reset_index()


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    from musiceval._atomic import atomic_path

    if path.suffix.lower() != ".csv":
        raise ValueError(f"--output must end in .csv; got {str(path)!r}")
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def _print_warnings(prog: str, caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        print(f"{prog}: warning: {warning.message}", file=sys.stderr)


# ---------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    from musiceval import __version__
    from musiceval.compat import TOOLS
    from musiceval.registry import METRICS
    from musiceval.rolls import LAYOUTS

    parser = _Parser(
        prog="musiceval",
        description=(
            "Measure how close generated piano rolls are to real music: profile a training "
            "set, compare generated samples with it, or evaluate metrics on a set."
        ),
    )
    parser.add_argument("--version", action="version", version=f"musiceval {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], help_text: str) -> Any:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            prog=f"musiceval {name}",
            add_help=name != "train",
        )
        sub.set_defaults(run=run)
        return sub

    profile = command(
        "profile",
        _profile,
        "Profile a reference (training) set: per metric and track, count, mean, std, "
        "quantiles, histogram and a sample of values, saved as JSON.",
    )
    profile.add_argument("reference", metavar="REFERENCE", help=_INPUT_HELP)
    profile.add_argument("-o", "--output", required=True, help="the profile file to write (.json)")

    compare = command(
        "compare",
        _compare,
        "Compare generated samples with a reference profile: a table on stdout and a report "
        "directory (md, csv, json, html, PNG figures).",
    )
    compare.add_argument("generated", metavar="GENERATED", help=_INPUT_HELP)
    source = compare.add_mutually_exclusive_group(required=True)
    source.add_argument("--profile", help="a profile written by 'musiceval profile'")
    source.add_argument(
        "--reference", help="profile this reference set on the fly instead (same input kinds)"
    )
    compare.add_argument(
        "-o", "--output", required=True, help="the report directory (created or replaced)"
    )

    evaluate = command(
        "evaluate",
        _evaluate,
        "Compute metrics on a set and print their mean, std and NaN count per track.",
    )
    evaluate.add_argument("input", metavar="INPUT", help=_INPUT_HELP)
    evaluate.add_argument(
        "--per-sample", action="store_true", help="print every sample's value instead"
    )
    evaluate.add_argument("-o", "--output", help="also write every sample's value to this .csv")

    compat = command(
        "compat",
        _compat,
        "Print each DeepComposer-lab or MuseGAN number for INPUT beside the correct musiceval "
        "number, with one line on why they differ (docs/compat.md).",
    )
    # train's options live in musiceval.models.cli; listing them here would import torch for
    # every command, so its arguments are handed over whole.
    command(  # listed for --help; main() hands "train" to the trainer before parsing
        "train",
        lambda args: _train([]),
        "Train the reference GAN on the Bach chorales while musiceval watches "
        "(docs/training.md); 'musiceval train --help' lists its options.",
    )

    compat.add_argument("input", metavar="INPUT", help=_INPUT_HELP)
    compat.add_argument(
        "--tool",
        choices=list(TOOLS),
        required=True,
        help="whose numbers to reproduce: the AWS DeepComposer GAN lab (its (n, 32, 128, 4) "
        "arrays, raw values) or MuseGAN's src/musegan/metrics.py and v2 evaluation",
    )

    metric_names = ", ".join(METRICS)
    for sub, with_reference in (
        (profile, True),
        (compare, True),
        (evaluate, False),
        (compat, False),
    ):
        group = sub.add_argument_group("input")
        group.add_argument(
            "--layout",
            choices=list(LAYOUTS),
            default="NTPK",
            help="axis order of .npy/.npz arrays (default NTPK: samples, steps, pitches, tracks)",
        )
        group.add_argument("--key", help="the array's key in an .npz file (default: pianoroll)")
        group.add_argument(
            "--lowest-pitch",
            type=int,
            help="MIDI number of pitch index 0, for arrays cropped to fewer than 128 pitches",
        )
        group.add_argument(
            "--threshold",
            type=float,
            default=0.0,
            help="a cell is active when its value is above this (default 0.0)",
        )
        group.add_argument(
            "--n-bars",
            type=positive_int,
            default=2 if sub is compat else 4,
            help="bars per sample when cutting MIDI files (default 4, or 2 for compat, the "
            "lab's 32 steps; generated MIDI is cut to the profile's sample length)",
        )
        group.add_argument(
            "--skip-unreadable",
            action="store_true",
            help="skip MIDI files that cannot be read (listed in one warning) instead of failing",
        )
        options = sub.add_argument_group("metric conventions")
        if with_reference:
            options.add_argument(
                "--track-names", type=comma_names, help="comma-separated track names, e.g. S,A,T,B"
            )
        if sub is not compat:  # compat's metrics are the tool's
            options.add_argument(
                "--metrics",
                type=comma_names,
                help=f"comma-separated metric names (default: every per-track metric); "
                f"known: {metric_names}",
            )
        options.add_argument(
            "--steps-per-bar", type=positive_int, default=16, help="steps per bar (default 16)"
        )
        options.add_argument(
            "--steps-per-beat",
            type=positive_int,
            default=4,
            help="steps per quarter note (default 4); also the grid MIDI files are read on",
        )
        options.add_argument(
            "--scale-key", help="tonic of the in-scale metrics, e.g. C, F#, Bb (default C)"
        )
        options.add_argument("--mode", help="mode of the in-scale metrics (default major)")
        options.add_argument(
            "--per",
            choices=["sample", "bar"],
            help="average the per-bar metrics over non-empty bars (bar) or not (sample, default)",
        )
    return parser


_INPUT_HELP = (
    "an .npy or .npz file of piano rolls, a MIDI file, or a folder of MIDI files (read "
    "recursively, one track per instrument, cut into samples of --n-bars bars)"
)
