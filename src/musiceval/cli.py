"""The ``musiceval`` command: profile a training set, compare generated music with it, evaluate.

::

    musiceval profile REFERENCE -o profile.json
    musiceval compare GENERATED --profile profile.json -o report/
    musiceval compare GENERATED --reference REFERENCE -o report/
    musiceval evaluate INPUT
    musiceval compat INPUT --tool deepcomposer
    musiceval train [--quick] [--out DIR]

Inputs are whatever :func:`musiceval.io.load_rolls` reads: ``.npy``/``.npz`` files (with
``--layout``, ``--lowest-pitch``, ``--npz-key``), MIDI files and folders of MIDI files. Bad
input ends the command with one line on stderr, ``musiceval <command>: error: ...``, and exit
status 2 (usage errors: found by argparse, or an option of ``compare --profile`` whose value
differs from the one the profile fixes) or 1 (input the library refuses: its
:class:`~musiceval.exceptions.InvalidParameterError` for bad arguments,
:class:`~musiceval.exceptions.DocumentError` for a file it cannot read back, any other
``ValueError``, ``TypeError`` or ``OSError``, an ``ImportError`` naming the extra to install,
``MemoryError``, ``RecursionError``; any other exception is reported the same way as an
unexpected error). No command prints a traceback; an interrupt (Ctrl-C) ends it with one line
and status 130. Warnings (skipped MIDI files, the deprecated ``--key``) are printed as
``musiceval <command>: warning: ...`` lines when they are raised.

``compare`` prints the report's summary and a table that fits 100 columns
(:meth:`musiceval.compare.Report.to_text`; ``--full`` for every column and the legend) and
where it saved the report; ``evaluate`` prints its table on stdout and one line on stderr
saying what it read (files, skipped files and why, samples x tracks). The commands' code lives
in ``musiceval._cli_read`` (reading inputs), ``_cli_compare``, ``_cli_evaluate`` and
``_cli_corpus``; this module holds the parser and :func:`main`.

Every choice an option offers comes from the library's own tables (:data:`musiceval.LAYOUTS`,
:data:`musiceval.MODES`, :data:`musiceval.rolls.WEIGHTS`, :data:`musiceval.rolls.GRANULARITIES`,
:data:`musiceval.compat.TOOLS`; metric names are checked against :data:`musiceval.METRICS` by
the library). ``train`` hands its arguments to :mod:`musiceval.models.cli` whole, so that torch
is imported only when it runs.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from musiceval._cli_compare import FIXED_BY_PROFILE, UsageError, compare_command, dest
from musiceval._cli_corpus import add_corpus_options, is_corpus, profile_corpus_command
from musiceval._cli_evaluate import evaluate_command
from musiceval._cli_read import conventions, profile_of, read_rolls
from musiceval._cli_types import comma_names, positive_int, track_spec
from musiceval._version import __version__
from musiceval.compat import TOOLS
from musiceval.registry import METRICS
from musiceval.rolls import GRANULARITIES, LAYOUTS, WEIGHTS
from musiceval.scales import MODES

__all__ = ["main", "positive_int"]

# InvalidParameterError, DocumentError, ModuleNotFoundError (a missing extra) included
_FAILURES = (ValueError, TypeError, OSError, ImportError, MemoryError, RecursionError)


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
    with warnings.catch_warnings():  # restores showwarning and the filters on exit
        warnings.simplefilter("always")
        warnings.showwarning = _warning_printer(prog)
        try:
            return run(args)
        except (KeyboardInterrupt, Exception) as error:
            # what a failed command leaves behind (an unclosed file's ResourceWarning) is not news
            warnings.simplefilter("ignore")
            return _failed(prog, error)


def _failed(prog: str, error: BaseException) -> int:
    """Print the one line of a failed command; its exit status."""
    if isinstance(error, KeyboardInterrupt):
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    if isinstance(error, UsageError):
        print(f"{prog}: error: {error} (see {prog} --help)", file=sys.stderr)
        return 2
    print(f"{prog}: error: {_one_line(error)}", file=sys.stderr)
    return 1


def _one_line(error: BaseException) -> str:
    """The message of ``error`` on one line; for an unexpected kind, its type and a hint."""
    message = " ".join(str(error).split())
    if isinstance(error, MemoryError):
        return f"out of memory ({message or 'MemoryError'})"
    if isinstance(error, _FAILURES):
        return message or type(error).__name__
    return (
        f"unexpected {type(error).__name__}: {message} (a bug in musiceval: please report it "
        f"with the command that caused it)"
    )


# ---------------------------------------------------------------------- commands


def _profile(args: argparse.Namespace) -> int:
    if is_corpus(args.reference):
        return profile_corpus_command(args, conventions(args))
    result = profile_of(args, args.reference, bar_index=args.bar_index)
    result.save(args.output)
    print(
        f"profiled {result.n_samples} samples x {len(result.tracks)} tracks "
        f"({', '.join(result.tracks)}) for {len(result.metrics + result.vector_metrics)} metrics"
    )
    print(f"profile: {args.output}")
    return 0


def _compat(args: argparse.Namespace) -> int:
    import pandas as pd

    from musiceval.compat import side_by_side

    rolls = read_rolls(args, args.input, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
    table = side_by_side(
        rolls,
        args.tool,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        **conventions(args),
    )
    with pd.option_context("display.max_colwidth", None, "display.width", 200):
        print(table.drop(columns="tool").to_string(index=False))
    return 0


def _train(arguments: list[str]) -> int:
    from musiceval.models.cli import main as train

    return train(arguments, prog="musiceval train")


def _warning_printer(prog: str) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints ``<prog>: warning: <message>`` on stderr when the
    warning is raised, so that it comes before what the command says next."""

    def show(message: Warning | str, *args: Any, **kwargs: Any) -> None:
        print(f"{prog}: warning: {message}", file=sys.stderr)

    return show


# ---------------------------------------------------------------------- parser

_INPUT_HELP = (
    "an .npy or .npz file of piano rolls, a MIDI file, or a folder of MIDI files (read "
    "recursively, one track per instrument or as --tracks maps them, cut into samples of "
    "--n-bars bars)"
)


class _NpzKey(argparse.Action):
    """Stores ``--npz-key``; its 0.1.0 spelling ``--key`` still works, with one warning line."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if option_string == "--key":
            print(
                f"{parser.prog}: warning: --key is deprecated, use --npz-key (--scale-key is "
                f"the musical key)",
                file=sys.stderr,
            )
        setattr(namespace, self.dest, values)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="musiceval",
        description=(
            "Measure how close generated piano rolls are to real music: profile a training "
            "set, compare generated samples with it, or evaluate metrics on a set."
        ),
    )
    parser.add_argument("--version", action="version", version=f"musiceval {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_profile, _add_compare, _add_evaluate, _add_compat, _add_train):
        add(commands)
    return parser


def _command(
    commands: Any,
    name: str,
    run: Callable[[argparse.Namespace], int],
    help_text: str,
    *,
    add_help: bool = True,
) -> argparse.ArgumentParser:
    sub: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text, description=help_text, prog=f"musiceval {name}", add_help=add_help
    )
    sub.set_defaults(run=run)
    return sub


def _add_profile(commands: Any) -> None:
    sub = _command(
        commands,
        "profile",
        _profile,
        "Profile a reference (training) set: per metric and track, count, mean, std, "
        "quantiles, histogram and a sample of values, saved as JSON.",
    )
    sub.add_argument("reference", metavar="REFERENCE", help=_INPUT_HELP)
    sub.add_argument("-o", "--output", required=True, help="the profile file to write (.json)")
    sub.add_argument(
        "--bar-index",
        action="store_true",
        help="also index every bar of the reference (musiceval.originality.BarIndex), saved in "
        "the profile: compare and a Monitor given the profile then measure how much of a "
        "generated set is copied",
    )
    _add_input_options(sub, n_bars=4)
    _add_convention_options(sub, track_names=True, metrics=True)
    add_corpus_options(sub)


def _add_compare(commands: Any) -> None:
    sub = _command(
        commands,
        "compare",
        compare_command,
        "Compare generated samples with a reference profile: the metrics furthest from it and "
        "a table on stdout, and a report directory (md, csv, json, html, PNG figures).",
    )
    sub.add_argument("generated", metavar="GENERATED", help=_INPUT_HELP)
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--profile",
        help="a profile written by 'musiceval profile'; it fixes the metrics, track names, "
        "sample length and conventions, so " + ", ".join(FIXED_BY_PROFILE) + " may only "
        "repeat its values (a different value is an error, not ignored)",
    )
    source.add_argument(
        "--reference", help="profile this reference set on the fly instead (same input kinds)"
    )
    sub.add_argument(
        "-o", "--output", required=True, help="the report directory (created or replaced)"
    )
    sub.add_argument(
        "--no-figures",
        action="store_true",
        help="write report.md, .csv, .json and .html only, without the PNG figures (faster)",
    )
    sub.add_argument(
        "--full",
        action="store_true",
        help="print every column of the report and its legend (default: the summary and a "
        "table of metric, track, reference mean and std, generated mean, z and overlap that "
        "fits 100 columns)",
    )
    _add_input_options(sub, n_bars=4)
    _add_convention_options(
        sub,
        track_names=True,
        metrics=True,
        description="with --profile these are the profile's: a different value is refused",
    )
    # None tells an option given from one left out; _compare fills in the defaults it shows.
    unset = {dest(flag): None for flag in FIXED_BY_PROFILE}
    defaults = {dest: sub.get_default(dest) for dest in unset}
    sub.set_defaults(**unset, unset_defaults=defaults)


def _add_evaluate(commands: Any) -> None:
    sub = _command(
        commands,
        "evaluate",
        evaluate_command,
        "Compute metrics on a set and print their mean, std and NaN count per track (what was "
        "read, and skipped, is one line on stderr).",
    )
    sub.add_argument("input", metavar="INPUT", help=_INPUT_HELP)
    sub.add_argument("--per-sample", action="store_true", help="print every sample's value instead")
    sub.add_argument("-o", "--output", help="also write every sample's value to this .csv")
    _add_input_options(sub, n_bars=4)
    _add_convention_options(sub, track_names=False, metrics=True)


def _add_compat(commands: Any) -> None:
    sub = _command(
        commands,
        "compat",
        _compat,
        "Print each DeepComposer-lab or MuseGAN number for INPUT beside the correct musiceval "
        "number, with one line on why they differ (docs/compat.md).",
    )
    sub.add_argument("input", metavar="INPUT", help=_INPUT_HELP)
    sub.add_argument(
        "--tool",
        choices=TOOLS,
        required=True,
        help="whose numbers to reproduce: the AWS DeepComposer GAN lab (its (n, 32, 128, 4) "
        "arrays, raw values) or MuseGAN's src/musegan/metrics.py and v2 evaluation",
    )
    _add_input_options(sub, n_bars=2)
    _add_convention_options(sub, track_names=False, metrics=False)  # the tool's metrics


def _add_train(commands: Any) -> None:
    # train's options live in musiceval.models.cli; listing them here would import torch for
    # every command, so main() hands its arguments over whole, before parsing.
    _command(
        commands,
        "train",
        lambda args: _train([]),
        "Train the reference GAN on the Bach chorales while musiceval watches "
        "(docs/training.md); 'musiceval train --help' lists its options.",
        add_help=False,
    )


def _add_input_options(sub: argparse.ArgumentParser, *, n_bars: int) -> None:
    """How INPUT is read: array layout and key, pitch axis, threshold, MIDI cutting."""
    group = sub.add_argument_group("input")
    group.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        default="NTPK",
        help="axis order of .npy/.npz arrays (default NTPK: samples, steps, pitches, tracks)",
    )
    group.add_argument(
        "--npz-key",
        "--key",
        action=_NpzKey,
        metavar="NAME",
        help="the array's key in an .npz file (default: pianoroll); --key is its deprecated "
        "spelling",
    )
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
        default=n_bars,
        help="bars per sample when cutting MIDI files (default 4, or 2 for compat, the "
        "lab's 32 steps; generated MIDI is cut to the profile's sample length)",
    )
    group.add_argument(
        "--tracks",
        type=track_spec,
        metavar="MAP",
        help="which track each MIDI instrument goes to: lpd5 (Drums, Piano, Guitar, Bass, "
        "Strings), merged, or a .json file of track name to programs (docs/tracks.md); "
        "default one track per instrument",
    )
    group.add_argument(
        "--metre",
        choices=["file", "ignore"],
        default="file",
        help="how MIDI files are cut into bars: at their bar lines, from their time signatures, "
        "leaving out bars of another length than --steps-per-bar with a warning (file, the "
        "default), or every --steps-per-bar steps from the first tick, as musiceval 0.1.0 "
        "did (ignore)",
    )
    group.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="skip MIDI files that cannot be read (listed in one warning) instead of failing "
        "(profile of a folder, list or glob always does: it quarantines them)",
    )


def _add_convention_options(
    sub: argparse.ArgumentParser, *, track_names: bool, metrics: bool, description: str = ""
) -> None:
    """Which metrics, and the options every metric reads (``musiceval.rolls.Conventions``)."""
    group = sub.add_argument_group("metric conventions", description or None)
    if track_names:
        group.add_argument(
            "--track-names", type=comma_names, help="comma-separated track names, e.g. S,A,T,B"
        )
    if metrics:
        group.add_argument(
            "--metrics",
            type=comma_names,
            help="comma-separated metric names (default: every per-track metric); known: "
            + ", ".join(METRICS),
        )
    group.add_argument(
        "--steps-per-bar", type=positive_int, default=16, help="steps per bar (default 16)"
    )
    group.add_argument(
        "--steps-per-beat",
        type=positive_int,
        default=4,
        help="steps per quarter note (default 4); also the grid MIDI files are read on",
    )
    group.add_argument(
        "--scale-key",
        help="tonic of the in-scale metrics: C, F#, Bb, ... or auto (each sample's key; default C)",
    )
    group.add_argument(
        "--mode",
        choices=list(MODES),
        metavar="MODE",
        help=f"mode of the in-scale metrics: {', '.join(MODES)} (default major)",
    )
    group.add_argument(
        "--weight",
        choices=WEIGHTS,
        help="what the scale and entropy metrics count: active cells (duration-weighted) or "
        "notes (default cells)",
    )
    group.add_argument(
        "--per",
        choices=GRANULARITIES,
        help="average the per-bar metrics over non-empty bars (bar) or not (sample, default)",
    )
    group.add_argument(
        "--force",
        choices=["pitched", "drums"],
        action="append",
        help="compute the metrics of this domain on every track anyway: MIDI input says which "
        "tracks are drums, and pitched metrics are then NaN on them, drum metrics "
        "(drum_in_pattern_rate, groove_consistency) on the others (docs/conventions.md); "
        "repeat for both",
    )
