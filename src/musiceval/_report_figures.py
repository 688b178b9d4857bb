"""Draw the figures of :meth:`musiceval.compare.Report.save`, several processes at once.

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
from typing import Any

__all__ = ["Job", "default_workers", "draw"]

Job = tuple[str, tuple[Any, ...], dict[str, Any]]
"""``(name of a musiceval.plot function, positional arguments, keyword arguments)``."""

_MAX_WORKERS = 8


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
