"""A set of piano rolls as a sequence of batches, whatever the caller gave.

:func:`iter_batches` slices an array, a memory-mapped ``.npy`` or a tensor into batches of at
most ``chunk_size`` samples, and passes the batches of a stream (any other iterable: a
generator, a ``DataLoader``, a list of arrays) through as they come, so that profiles and
reports read one batch at a time and memory stays bounded by a batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.rolls import is_torch_tensor

__all__ = ["is_stream", "iter_batches"]

_SAMPLE_AXIS_LAYOUTS = ("NTPK", "NBSPK")


def is_stream(x: Any) -> bool:
    """Whether ``x`` is an iterable of batches rather than one array, tensor, path or
    pypianoroll Multitrack (which iterates over its tracks)."""
    one = isinstance(x, np.ndarray | str | bytes | os.PathLike) or is_torch_tensor(x)
    multitrack = hasattr(x, "tracks") and hasattr(x, "resolution")
    return not one and not multitrack and isinstance(x, Iterable)


def iter_batches(x: Any, layout: str, chunk_size: int, *, name: str = "x") -> Iterator[Any]:
    """Batches of ``x``: slices of at most ``chunk_size`` samples of an array or tensor with a
    sample axis (memory-mapped slices are read into memory one at a time), the whole input
    otherwise, or each batch of a stream as it comes.

    Raises :class:`~musiceval.exceptions.InvalidParameterError` naming ``name`` for an empty
    stream.
    """
    if is_stream(x):
        empty = True
        for batch in x:
            empty = False
            yield batch
            del batch  # hold no batch while the stream makes the next one
        if empty:
            raise invalid(name, "a non-empty stream of batches", received="a stream of none")
        return
    chunkable = layout in _SAMPLE_AXIS_LAYOUTS and (isinstance(x, np.ndarray) or is_torch_tensor(x))
    if not chunkable or x.ndim < 1 or x.shape[0] <= chunk_size:
        yield np.asarray(x) if isinstance(x, np.memmap) else x
        return
    for start in range(0, x.shape[0], chunk_size):
        chunk = x[start : start + chunk_size]
        yield np.asarray(chunk) if isinstance(chunk, np.memmap) else chunk
