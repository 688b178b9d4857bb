"""Draw the figures of :meth:`musiceval.compare.Report.save`, several processes at once.

:func:`scalar_jobs` lists the figures of the per-metric table (the vector metrics' are listed by
:mod:`musiceval._report_vectors`); :func:`draw` draws a list of jobs.

matplotlib is not thread-safe, and one figure costs about half a second, mostly in layout and
PNG encoding; a report of 14 metrics has 15. On Linux the figures are drawn by a pool of
forked worker processes (each inherits the loaded modules, so nothing is imported again);
elsewhere, or with ``workers=1``, one after the other in this process. Each job is the name of
a :mod:`musiceval.plot` function and its arguments; the function is looked up when the job
runs, in the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._report_stats import is_circular

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["Job", "default_workers", "draw", "figure_name", "scalar_jobs"]

Job = tuple[str, tuple[Any, ...], dict[str, Any]]
"""``(name of a musiceval.plot function, positional arguments, keyword arguments)``."""

_MAX_WORKERS = 8


def figure_name(metric: str) -> str:
    """The file name of a metric's distribution figure in a report directory."""
    return f"distribution_{metric}.png"


def scalar_jobs(
    frame: pd.DataFrame, profile: DatasetProfile, values: np.ndarray, directory: Path
) -> list[Job]:
    """The figures of a report's per-metric table ``frame``: ``z_scores.png`` (circular
    metrics left out; no file when every metric is circular) and ``distribution_<metric>.png``
    per scalar metric of ``profile``, from the reservoir and the generated ``values``
    (``(n_generated, n_metrics, n_tracks)``). None when the profile holds no scalar metric."""
    if frame.empty:
        return []
    linear = frame[~frame["metric"].map(is_circular)]
    jobs: list[Job] = []
    if len(linear):  # a key alone has no z-score to draw
        jobs.append(("plot_z_scores", (linear, directory / "z_scores.png"), {}))
    for i, metric in enumerate(profile.metrics):
        arguments = (
            profile.samples(metric),
            values[:, i].copy(),
            directory / figure_name(metric),
        )
        options: dict[str, Any] = {"metric": metric, "track_names": list(profile.tracks)}
        if not is_circular(metric):  # no mean on a circle
            options["reference_mean"] = profile.mean(metric)
        jobs.append(("plot_distributions", arguments, options))
    return jobs


def default_workers(n_jobs: int) -> int:
    """One process per CPU this process may use, at most one per job and at most 8."""
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n_cpus = os.cpu_count() or 1
    return max(1, min(n_jobs, n_cpus, _MAX_WORKERS))


def draw(jobs: list[Job], workers: int) -> list[Path]:
    """Run ``jobs`` (each writes one PNG and returns its path); the paths, in job order.

    An error in any job is raised here (after the running jobs end); the files of the others
    may be written already, so callers write into a directory they can discard.
    """
    if workers <= 1 or len(jobs) <= 1 or not sys.platform.startswith("linux"):
        return [_run(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(_run, jobs))


def _run(job: Job) -> Path:
    from musiceval import plot

    name, args, kwargs = job
    return getattr(plot, name)(*args, **kwargs)
