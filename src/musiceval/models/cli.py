"""Command line of the chorale GAN: ``python examples/train_chorales.py`` / ``musiceval train``.

:func:`add_arguments` and :func:`run` let another parser (the ``musiceval`` command) offer the
same options; :func:`main` is the stand-alone entry point.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from musiceval._cli_types import positive_int

if TYPE_CHECKING:
    from musiceval.models.trainer import Trainer

__all__ = ["DEFAULT_OUT", "add_arguments", "main", "run"]

DEFAULT_OUT = Path("runs") / "chorales"
"""Output directory when ``--out`` is not given."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the training options to ``parser``."""
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output directory (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a run of a few seconds (small networks, 40 chorales, 20 steps) to try things out",
    )
    parser.add_argument(
        "--steps", type=positive_int, default=None, metavar="N", help="training steps"
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to train (default: auto, CUDA when available)",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in DIR from its checkpoint"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in DIR even if it holds a run of another configuration",
    )
    parser.add_argument(
        "--unconditional",
        action="store_true",
        help="generate all four voices from noise (default: alto, tenor, bass under the soprano)",
    )
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        metavar="N",
        help="stop early when the metric distance to the training set has not improved by 1%% "
        "for N evaluations (default: train all steps)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run(args: argparse.Namespace) -> int:
    """Train with the options of :func:`add_arguments`; returns the exit status.

    Prints the results (:func:`musiceval.models.run_files.summary_lines`), the time spent in
    each hook and where each file is. Bad options, a refused output
    directory or checkpoint, and a diverged run are reported on stderr with status 1.
    """
    from musiceval.models.config import TrainConfig
    from musiceval.models.hooks import SampleWriter, add_default_hooks
    from musiceval.models.run_files import load_summary, summary_lines
    from musiceval.models.trainer import Trainer, TrainingDiverged

    changes = {"seed": args.seed, "device": args.device, "conditional": not args.unconditional}
    if args.steps is not None:
        changes["n_steps"] = args.steps
    try:
        config = TrainConfig.quick(**changes) if args.quick else TrainConfig(**changes)
        trainer = Trainer(
            config,
            args.out,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=not args.no_progress,
        )
        add_default_hooks(trainer, patience=args.patience)
        trainer.fit()
    except (ValueError, TrainingDiverged) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary_lines(load_summary(trainer.out_dir / "summary.json"))))
    print("files:")
    for name, path in _files(trainer).items():
        print(f"  {name:<30} {path}")
    for hook in trainer.hooks:
        if isinstance(hook, SampleWriter):
            print(f"WAV samples rendered with {hook.synthesizer}")
    return 0


def main(argv: list[str] | None = None, *, prog: str = "train_chorales") -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and train; returns the exit status.

    ``prog`` names the command in usage and help (``musiceval train`` passes its own).
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Train the DeepComposer-style GAN on Bach chorales and watch musiceval's metrics "
            "move toward the training set's."
        ),
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _files(trainer: Trainer) -> dict[str, Path]:
    """Every file of the run, by description."""
    out = trainer.out_dir
    files = {"configuration": out / "config.json", "run summary": out / "summary.json"}
    for hook in trainer.hooks:
        files.update(hook.outputs())
    if "samples (MIDI)" in files:
        files["all samples (folder)"] = files["samples (MIDI)"].parent
    return files


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed; got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, 2**32); got {value}")
    return value
