"""The shards of a corpus profile on a Dask cluster (``distributed``), as they finish.

Imported only when :func:`musiceval.corpus.profile_corpus` is given ``workers > 1`` or a
``scheduler``. Each shard is one task: its files are read and profiled on a worker, and the
JSON-ready result comes back to this process, which checkpoints it and merges the profiles
(kilobytes each) by the fixed tree of :mod:`musiceval.corpus`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from musiceval._corpus_shards import ShardOptions, profile_shard
from musiceval._midi_read import require_module

__all__ = ["CONNECT_TIMEOUT", "run_on_dask"]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler given by address before giving up."""

_EXTRA = 'pip install "musiceval[dask]"'


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
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        )
    try:
        client = _connect(distributed, cluster if cluster is not None else scheduler)
        try:
            futures = {
                client.submit(profile_shard, list(shards[index]), options, pure=False): index
                for index in todo
            }
            for future in distributed.as_completed(futures):
                index = futures.pop(future)  # the worker may forget the result once read
                yield index, future.result()
                future.release()
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _connect(distributed: Any, address: Any) -> Any:
    """A client of ``address`` (a cluster or a scheduler's address), or ValueError in time."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ValueError(
            f"no Dask scheduler answered at {address!r} within {CONNECT_TIMEOUT:g} s "
            f"({type(error).__name__}: {error}); nothing was written"
        ) from None
