"""The files of an output directory that the trainer itself owns: ``config.json``,
``summary.json`` and the lock ``.musiceval.lock``, and the policy of when a directory may be
(re)used.

Both are JSON documents of ``musiceval._documents`` (``"schema"``, ``"version"``,
``"musiceval_version"``, then their fields; non-finite numbers written as the strings
``"nan"``, ``"inf"`` and ``"-inf"``). ``config.json`` is :meth:`TrainConfig.save`'s file;
``summary.json`` (:data:`SUMMARY_SCHEMA`) describes a finished, stopped or diverged run, with
its ``results`` (:func:`musiceval.models.evaluation.final_results`: the final metric distance,
Fréchet distance and the metrics furthest from the training set), which :func:`summary_lines`
puts in words.

A directory whose ``config.json`` holds another configuration is refused: a fresh run may change
only the device (or pass ``overwrite``), a resumed run only ``n_steps`` and the device. While a
run trains, :func:`run_lock` holds the directory's lock (``musiceval._lock``: a file naming
the process and host), so a second trainer, or a Monitor of another process, is refused there.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._documents import decode_float, decode_floats, load, save
from musiceval._lock import lock_directory
from musiceval.models.checkpoint import RESUME_MAY_CHANGE
from musiceval.models.config import TrainConfig, describe_differences
from musiceval.models.evaluation import MAX_EFFECT, MetricsHook
from musiceval.models.events import Hook, TrainState

__all__ = [
    "FRESH_MAY_CHANGE",
    "SUMMARY_SCHEMA",
    "SUMMARY_VERSION",
    "check_out_dir",
    "load_summary",
    "open_run",
    "results_of",
    "run_lock",
    "run_summary",
    "summary_lines",
    "write_summary",
]

SUMMARY_SCHEMA = "musiceval.run_summary"
"""The ``"schema"`` entry of ``summary.json``."""

SUMMARY_VERSION = 1
"""The ``"version"`` entry of ``summary.json``. Version 1 gained ``results`` compatibly: a
summary without it (written by an earlier musiceval of this version) loads with ``results``
None."""

_RESULT_NUMBERS = ("metric_distance", "frechet_distance")
_PAIR_NUMBERS = ("effect_size", "z_score", "generated_mean", "generated_std", "reference_mean",
                 "reference_std")  # fmt: skip

FRESH_MAY_CHANGE = ("device",)
"""The configuration fields a fresh run may change in a directory holding another run."""


def check_out_dir(
    out_dir: str | os.PathLike[str], config: TrainConfig, *, resuming: bool, overwrite: bool
) -> None:
    """Refuse ``out_dir`` if its ``config.json`` holds a run that ``config`` may not continue.

    Raises
    ------
    ValueError
        ``config.json`` is not a file, cannot be read (unless ``overwrite``), or holds a
        configuration that differs from ``config`` in more than the device (a fresh run, unless
        ``overwrite``) or than ``n_steps`` and the device (``resuming``).
    """
    directory = Path(out_dir)
    path = directory / "config.json"
    if path.exists() and not path.is_file():
        raise ValueError(f"{path} exists and is not a file; choose another out_dir")
    if not path.exists() or overwrite:
        return
    try:
        previous = TrainConfig.load(path)
    except ValueError as exc:
        raise ValueError(
            f"{directory} holds an unreadable config.json ({exc}); pass overwrite=True "
            f"(--overwrite) to start a new run there, or choose another output directory"
        ) from None
    ignore = RESUME_MAY_CHANGE if resuming else FRESH_MAY_CHANGE
    differences = previous.differences(config, ignore=ignore)
    if differences:
        advice = (
            "a resumed run may change only n_steps and device"
            if resuming
            else "pass overwrite=True (--overwrite) to replace it, or choose another output "
            "directory"
        )
        raise ValueError(
            f"{directory} holds a run of a different configuration "
            f"({describe_differences(differences)}); {advice}"
        )


@contextmanager
def run_lock(
    out_dir: str | os.PathLike[str], config: TrainConfig, *, resuming: bool, overwrite: bool
) -> Iterator[None]:
    """Hold ``out_dir``'s lock for one run, after checking again, under the lock, that the run
    may use the directory (:func:`check_out_dir`: another run may have finished there since).

    The lock file ``out_dir / ".musiceval.lock"`` names this process; a lock left by a process
    of this host that no longer runs is taken over with a ``RuntimeWarning``. On leaving, the
    lock is released, and ``out_dir`` is removed again if it was created here and is empty (a
    run refused before writing anything leaves nothing behind).

    Raises
    ------
    musiceval.InvalidParameterError
        Another running process (a trainer, a Monitor) holds the lock; the message names the
        directory and that process.
    ValueError
        :func:`check_out_dir` refuses the directory.
    """
    directory = Path(out_dir)
    created = not directory.exists()
    lock = lock_directory(directory)
    try:
        check_out_dir(directory, config, resuming=resuming, overwrite=overwrite)
        yield
    finally:
        lock.release()
        if created:
            with suppress(OSError):  # not empty: the run wrote its files there
                directory.rmdir()


def open_run(
    out_dir: str | os.PathLike[str], config: TrainConfig, *, fresh: bool, checkpoint: Path
) -> None:
    """Create ``out_dir`` and write ``config.json`` as training starts.

    A ``fresh`` run in a directory that holds ``checkpoint`` warns (``RuntimeWarning``) that
    its first checkpoint will replace it.
    """
    if fresh and checkpoint.exists():
        warnings.warn(
            f"{checkpoint} exists; this fresh run replaces it at its first checkpoint "
            f"(resume=True, --resume, continues it instead)",
            RuntimeWarning,
            stacklevel=4,
        )
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    config.save(directory / "config.json")


def run_summary(
    state: TrainState,
    *,
    device: str,
    torch_threads: int,
    wall_seconds: float,
    hook_seconds: Mapping[str, Mapping[str, float]],
    last_checkpoint: tuple[Path, int] | None,
    hooks: Iterable[Hook] = (),
) -> dict[str, Any]:
    """The fields of ``summary.json`` for a run that ended in ``state``.

    Returns
    -------
    dict
        ``status``, ``stop_reason``, ``step``, ``epoch``, ``n_steps``, ``device``,
        ``torch_threads``, ``wall_seconds``, ``losses`` (:attr:`TrainState.losses`),
        ``metrics`` (:attr:`TrainState.metrics`, arrays as lists), ``scores``
        (:attr:`TrainState.scores`), ``hook_seconds`` (per hook label and event),
        ``hook_share`` (each hook's share of the wall time; None when no time passed),
        ``last_checkpoint`` (``{"path", "step"}`` or None) and ``results``
        (:func:`results_of` the run's ``hooks``).
    """
    results = results_of(hooks)
    return {
        "status": state.status,
        "stop_reason": state.stop_reason,
        "step": state.step,
        "epoch": state.epoch,
        "n_steps": state.config.n_steps,
        "device": device,
        "torch_threads": torch_threads,
        "wall_seconds": wall_seconds,
        "losses": dict(state.losses),
        "metrics": {name: np.asarray(value) for name, value in state.metrics.items()},
        "scores": dict(state.scores),
        "hook_seconds": {label: dict(events) for label, events in hook_seconds.items()},
        "hook_share": {
            label: (sum(events.values()) / wall_seconds if wall_seconds > 0 else None)
            for label, events in hook_seconds.items()
        },
        "last_checkpoint": None
        if last_checkpoint is None
        else {"path": str(last_checkpoint[0]), "step": last_checkpoint[1]},
        "results": None if results is None else dict(results),
    }


def results_of(hooks: Iterable[Hook]) -> dict[str, Any] | None:
    """The :attr:`~musiceval.models.MetricsHook.results` of the first MetricsHook of
    ``hooks``: None without one, or when training ended before its ``on_train_end`` (a
    diverged run)."""
    for hook in hooks:
        if isinstance(hook, MetricsHook):
            return hook.results
    return None


def write_summary(out_dir: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write ``summary`` (:func:`run_summary`'s fields) as ``out_dir / "summary.json"``,
    atomically (the directory is created); returns the path."""
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return save(directory / "summary.json", SUMMARY_SCHEMA, SUMMARY_VERSION, summary)


def load_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``summary.json`` written by :func:`write_summary`.

    The numbers come back as written, with ``"nan"``, ``"inf"`` and ``"-inf"`` decoded:
    ``losses``, ``scores``, ``wall_seconds`` and the numbers of ``results`` as floats,
    ``metrics`` as float64 arrays. A summary written before ``results`` existed gets
    ``results`` None.

    Raises
    ------
    musiceval.exceptions.DocumentError
        The file is not JSON, or not a run summary of this schema version (the summaries of
        musiceval 0.1.0 have no schema).
    """
    summary = load(path, SUMMARY_SCHEMA, SUMMARY_VERSION, what="musiceval run summary")
    summary["wall_seconds"] = decode_float(summary["wall_seconds"])
    for key in ("losses", "scores"):
        summary[key] = {name: decode_float(value) for name, value in summary[key].items()}
    summary["metrics"] = {name: decode_floats(v) for name, v in summary["metrics"].items()}
    results = summary.setdefault("results", None)
    if results is not None:
        for key in _RESULT_NUMBERS:
            results[key] = decode_float(results[key])
        for pair in results["furthest"]:
            for key in _PAIR_NUMBERS:
                pair[key] = decode_float(pair[key])
    return summary


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The end of a run in words, as the command line prints it: the status, the results
    (when the summary has some), the wall time and each hook's share of it.

    Parameters
    ----------
    summary : mapping
        :func:`run_summary`'s fields, or :func:`load_summary`'s.

    Examples
    --------
    The first lines of ``python examples/train_chorales.py --quick``'s summary::

        completed at step 20 of 20 (epoch 7)
        results at step 20: 16 samples of alto, tenor, bass against the training set
          metric distance   3.302  (mean effect size, capped at 10; 0 is the training set's)
          Fréchet distance  540.1  (in squared reference stds, every track; the report's)
          furthest from the training set (largest effect size |g - r| / pooled std):
            metric · track           generated          reference      effect  z
            n_pitches_used · tenor   33.5 ± 0.7906      4.896 ± 1.256  27.26   22.78
            polyphonic_rate · tenor  0.3691 ± 0.05089   0 ± 0          10.26   inf
            polyphonic_rate · bass   0.0332 ± 0.007564  0 ± 0          6.208   inf
    """
    lines = [
        f"{summary['status']} at step {summary['step']} of {summary['n_steps']} "
        f"(epoch {summary['epoch']})"
    ]
    if summary["stop_reason"]:
        lines.append(f"  stopped by {summary['stop_reason']}")
    if summary.get("results") is not None:
        lines.extend(_result_lines(summary["results"]))
    wall = summary["wall_seconds"]
    lines.append(
        f"wall time {wall:.1f} s on {summary['device']}, {summary['torch_threads']} torch threads"
    )
    for label, events in summary["hook_seconds"].items():
        seconds = sum(events.values())
        share = f"{seconds / wall:.1%}" if wall > 0 else "n/a"
        lines.append(f"  {label:<20} {seconds:7.2f} s  ({share} of the wall time)")
    return lines


def _result_lines(results: Mapping[str, Any]) -> list[str]:
    """The ``results`` of a summary in words, the furthest pairs as an aligned table."""
    lines = [
        f"results at step {results['step']}: {results['n_samples']} samples of "
        f"{', '.join(results['tracks'])} against the training set",
        f"  metric distance   {_number(results['metric_distance'])}  "
        f"(mean effect size, capped at {MAX_EFFECT:g}; 0 is the training set's)",
        f"  Fréchet distance  {_number(results['frechet_distance'])}  "
        f"(in squared reference stds, every track; the report's)",
        "  furthest from the training set (largest effect size |g - r| / pooled std):",
    ]
    table = [("metric · track", "generated", "reference", "effect", "z")]
    for pair in results["furthest"]:
        table.append(
            (
                f"{pair['metric']} · {pair['track']}",
                f"{_number(pair['generated_mean'])} ± {_number(pair['generated_std'])}",
                f"{_number(pair['reference_mean'])} ± {_number(pair['reference_std'])}",
                _number(pair["effect_size"]),
                _number(pair["z_score"]),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append(("    " + "  ".join(cells)).rstrip())
    return lines


def _number(value: float) -> str:
    """4 significant digits; ``nan``, ``inf`` and ``-inf`` as such."""
    return f"{value:.4g}"
