"""The shards of a corpus profile on a Dask cluster (``distributed``), as they finish.

Imported only when :func:`musiceval.corpus.profile_corpus` is given ``workers > 1`` or a
``scheduler``. Each shard is one task: its files are read and profiled on a worker, and the
JSON-ready result comes back to this process, which checkpoints it and merges the profiles
(kilobytes each) by the fixed tree of :mod:`musiceval.corpus`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from typing import Any

from musiceval._corpus_shards import ShardOptions, profile_shard
from musiceval._extras import require_module

__all__ = ["CONNECT_TIMEOUT", "run_on_dask"]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler given by address before giving up."""

_EXTRA = 'pip install "musiceval[dask]"'

_WORKER_ENVIRONMENT = {
    name: "1"
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
}
"""One thread per worker process for every library that starts its own pool."""


def run_on_dask(
    todo: Sequence[int],
    shards: Sequence[Sequence[str]],
    options: ShardOptions,
    *,
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(shard index, result)`` of the shards ``todo``, computed on a Dask cluster.

    ``scheduler``: the address of a running scheduler; otherwise a ``LocalCluster`` of
    ``workers`` single-threaded processes (numba kernels limited to one thread each, so the
    workers do not fight over the cores), closed when the iteration ends.
    """
    distributed = require_module("distributed", "profiling on Dask workers", _EXTRA)
    cluster = None
    if scheduler is None:
        import dask

        # Dask's default environment for workers also sets MALLOC_TRIM_THRESHOLD_=65536, which
        # made a shard ~30 % slower (memory handed back to the system after every roll). The
        # nanny writes the workers' environment into this process's too and leaves it there
        # (NUMBA_NUM_THREADS=1 then broke numba's next compilation here): it is restored once
        # the workers have started.
        saved = dict(os.environ)
        try:
            with dask.config.set({"distributed.nanny.pre-spawn-environ": _WORKER_ENVIRONMENT}):
                cluster = distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
        finally:
            os.environ.clear()
            os.environ.update(saved)
    try:
        client = _connect(distributed, cluster if cluster is not None else scheduler)
        try:
            yield from _as_finished(distributed, client, todo, shards, options)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _as_finished(
    distributed: Any,
    client: Any,
    todo: Sequence[int],
    shards: Sequence[Sequence[str]],
    options: ShardOptions,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Submit the shards a few at a time (twice the cluster's threads in flight, so the
    scheduler's task state does not grow with the corpus) and yield each result once."""
    waiting = iter(todo)
    in_flight: dict[Any, int] = {}

    def submit(index: int) -> Any:
        future = client.submit(profile_shard, list(shards[index]), options, pure=False)
        in_flight[future] = index
        return future

    window = max(2, 2 * sum(client.nthreads().values()))
    finished = distributed.as_completed([submit(i) for i in itertools.islice(waiting, window)])
    for future in finished:
        index = in_flight.pop(future)
        following = next(waiting, None)
        if following is not None:
            finished.add(submit(following))
        yield index, future.result()
        future.release()  # the worker may forget the result once it is read


def _connect(distributed: Any, address: Any) -> Any:
    """A client of ``address`` (a cluster or a scheduler's address), or ValueError in time."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ValueError(
            f"no Dask scheduler answered at {address!r} within {CONNECT_TIMEOUT:g} s "
            f"({type(error).__name__}: {error}); nothing was written"
        ) from None
