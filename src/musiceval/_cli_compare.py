"""``musiceval compare``: a generated set against a profile (given, or made on the fly).

It prints the report's summary and a compact table that fits 100 columns, then the vector-valued
metrics' distances when the profile holds any (:meth:`musiceval.compare.Report.to_text`;
``--full``: every column and the legend) and saves the report directory. With ``--profile``,
the options the profile fixes may only repeat its values (:func:`check_fixed`; ``--metrics``:
its scalar and vector-valued metrics, in any order).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from musiceval._cli_read import on_error, profile_of

if TYPE_CHECKING:
    from musiceval.profiles import DatasetProfile

__all__ = ["FIXED_BY_PROFILE", "UsageError", "check_fixed", "compare_command", "dest"]

# compare's options that a --profile fixes (its metrics, track names, sample length and
# conventions): with --profile only the profile's values are accepted; with --reference they
# apply to the reference.
FIXED_BY_PROFILE = (
    "--metrics",
    "--track-names",
    "--n-bars",
    "--steps-per-bar",
    "--steps-per-beat",
    "--scale-key",
    "--mode",
    "--weight",
    "--per",
    "--force",
)


class UsageError(Exception):
    """Options that contradict each other or an input, found after argparse: status 2."""


def dest(flag: str) -> str:
    """The argparse attribute of ``flag`` (``--n-bars`` -> ``n_bars``)."""
    return flag[2:].replace("-", "_")


def compare_command(args: argparse.Namespace) -> int:
    """Run ``musiceval compare``; return its exit status."""
    import musiceval
    from musiceval.profiles import DatasetProfile

    if args.profile is not None:
        reference = DatasetProfile.load(args.profile)
        check_fixed(args, reference)
    else:
        for flag in FIXED_BY_PROFILE:  # not given: the defaults they show in --help
            if getattr(args, dest(flag)) is None:
                setattr(args, dest(flag), args.unset_defaults[dest(flag)])
        reference = profile_of(args, args.reference, bar_index=True)  # originality too
    report = musiceval.compare(
        args.generated,
        reference,
        layout=args.layout,
        threshold=args.threshold,
        npz_key=args.npz_key,
        lowest_pitch=args.lowest_pitch,
        on_error=on_error(args),
        metre=args.metre,
    )
    print(report.to_text(full=args.full))
    out = report.save(args.output, figures=not args.no_figures)
    print()
    if not args.full:
        print("Every column, and what each means: --full, or report.md.")
    figures = "" if args.no_figures else ", PNGs"
    print(f"report: {out / 'report.html'} (also report.md, report.csv, report.json{figures})")
    return 0


def check_fixed(args: argparse.Namespace, profile: DatasetProfile) -> None:
    """Refuse the options given with ``--profile`` whose values differ from the profile's."""
    conventions = profile.conventions
    metrics = (*profile.metrics, *profile.vector_metrics)  # scalar and vector-valued
    steps_per_bar = args.steps_per_bar or conventions["steps_per_bar"] or profile.n_steps
    fixed: dict[str, tuple[Callable[[Any], Any], Any, str]] = {
        # flag: (the given value as the profile holds it, the profile's value, shown)
        "--metrics": (sorted, sorted(metrics), ",".join(metrics)),
        "--track-names": (tuple, profile.tracks, ",".join(profile.tracks)),
        "--n-bars": (
            lambda bars: bars * steps_per_bar,
            profile.n_steps,
            f"{profile.n_steps / steps_per_bar:g}",
        ),
        "--scale-key": (_key, conventions["key"], _key_shown(conventions["key"])),
    }
    for name in ("steps_per_bar", "steps_per_beat", "mode", "weight", "per"):
        fixed[f"--{name.replace('_', '-')}"] = (
            lambda value: value,
            conventions[name],
            str(conventions[name]),
        )
    forced = tuple(conventions["force"])
    fixed["--force"] = (tuple, forced, ",".join(forced) or "none")
    ours, theirs = [], []
    for flag in FIXED_BY_PROFILE:
        given = getattr(args, dest(flag))
        convert, value, shown = fixed[flag]
        if given is not None and convert(given) != value:
            ours.append(f"{flag} {','.join(given) if isinstance(given, list) else given}")
            theirs.append(f"{flag} {shown}")
    if ours:
        raise UsageError(
            f"{', '.join(ours)} differ{'s' if len(ours) == 1 else ''} from what the profile "
            f"{args.profile} fixes ({', '.join(theirs)}): compare measures the generated set "
            f"with the profile's metrics, track names, sample length and conventions; leave "
            f"{'these options' if len(ours) > 1 else 'the option'} out, or profile the "
            f"reference with them (musiceval profile, or compare --reference)"
        )


def _key(given: str) -> int | str:
    """A ``--scale-key`` as a profile holds it: ``"auto"``, or the pitch class of a name."""
    from musiceval.rolls import make_conventions

    return make_conventions(key=given).key


def _key_shown(key: int | str) -> str:
    """A profile's key as ``--scale-key`` takes it: ``auto``, or the name of the pitch class."""
    from musiceval.scales import key_name

    return key if isinstance(key, str) else key_name(key)
