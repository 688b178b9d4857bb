"""A roll not thresholded yet, as the numba kernel reads it: host arrays, chunk by chunk.

:func:`host_chunks` turns a :class:`~musiceval.rolls.RawRoll` into ``(n_samples, n_steps,
n_cells)`` read-only C-contiguous arrays (bool as uint8, float16 and bfloat16 as the int16 of
their bits, other dtypes as they are) with the :data:`~musiceval._engine.kernels.Rule` that
applies the roll's exact :class:`~musiceval._thresholds.Threshold` to them. A C-contiguous numpy
array or CPU tensor is one chunk and no copy; other strides are copied a chunk at a time;
tensors on another device (and ``longdouble`` arrays) are thresholded there, chunk by chunk,
by ``RawRoll.mask``, and only the one-byte mask comes to the host.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from musiceval._thresholds import Threshold
from musiceval.rolls import RawRoll, is_torch_tensor

__all__ = ["host_chunks", "kernel_rule"]

_CHUNK_CELLS = 1 << 22  # cells per chunk when a chunk must be copied or thresholded apart
_FLOATS = {  # float format -> (the signed integer of its width, its exponent bits)
    "float16": (np.int16, 0x7C00),
    "bfloat16": (np.int16, 0x7F80),
    "float32": (np.int32, 0x7F800000),
    "float64": (np.int64, 0x7FF0000000000000),
}


def _float_bits(kind: str, value: float) -> int:
    """The bits of ``value`` (exactly representable) in float format ``kind``, as a signed int."""
    if kind == "bfloat16":  # the upper half of a float32
        return int(np.array(value, np.float32).view(np.int32)) >> 16
    return int(np.array(value, kind).view(_FLOATS[kind][0]))


def kernel_rule(kind: str, threshold: Threshold) -> tuple[Any, Any]:
    """``(dtype, Rule)``: the dtype the kernel reads values of ``kind`` (a numpy dtype name or
    ``"bfloat16"``) as, and the rule that thresholds them with ``threshold``."""
    from musiceval._engine.kernels import Rule

    if kind in ("float32", "float64"):  # compared as they are
        number, zero = np.dtype(kind).type, np.dtype(kind).type(0)
        return np.dtype(kind), Rule(zero, zero, zero, zero, number(threshold.bound), False)
    if kind in _FLOATS:
        dtype, exponent = _FLOATS[kind]
        width = np.dtype(dtype).itemsize * 8
        flip = (1 << (width - 1)) - 1
        bits = _float_bits(kind, threshold.bound)
        key = bits ^ ((bits >> (width - 1)) & flip)
        number = np.dtype(dtype).type
        return dtype, Rule(number(width - 1), number(flip), number(exponent), number(exponent),
                           number(key), False)  # fmt: skip
    integers = np.dtype(np.uint8 if kind == "bool" else kind)
    number = integers.type
    rule = Rule(number(integers.itemsize * 8 - 1), number(0), number(0), number(1),
                number(threshold.bound), threshold.everything)  # fmt: skip
    return integers, rule


def _numpy(cells: Any) -> tuple[np.ndarray, str] | None:
    """``cells`` (canonical) as a host numpy array and its format, if the kernel reads it."""
    if is_torch_tensor(cells):
        if cells.device.type != "cpu":
            return None
        if str(cells.dtype) == "torch.bfloat16":
            import torch

            return cells.view(torch.int16).numpy(), "bfloat16"
        cells = cells.numpy()
    if cells.dtype.kind == "f" and cells.dtype.name not in _FLOATS:
        return None  # longdouble
    return cells, cells.dtype.name


def _readable_in_place(source: Any) -> bool:
    """Whether the kernel can read all of ``source`` as it is (C-contiguous, on the host)."""
    if is_torch_tensor(source):
        return source.device.type == "cpu" and source.is_contiguous()
    floats = source.dtype.kind != "f" or source.dtype.name in _FLOATS
    return floats and bool(source.flags.c_contiguous)


def host_chunks(raw: RawRoll) -> Iterator[tuple[int, int, np.ndarray, Any]]:
    """``(start, stop, cells, rule)`` for source samples ``[start, stop)`` of ``raw``:
    ``cells`` of shape ``(raw.bars * (stop - start), n_steps, n_pitches * n_tracks)``, read-only
    and C-contiguous, ``rule`` the kernel's :data:`~musiceval._engine.kernels.Rule` for them."""
    import numba

    whole = raw.layout != "KTP" and _readable_in_place(raw.source)
    step = raw.n_sources
    if not whole:
        per_task = 64 * numba.get_num_threads()  # a chunk keeps every thread busy
        step = max(per_task, raw.sources_per_chunk(_CHUNK_CELLS))
    for start in range(0, raw.n_sources, step):
        stop = min(start + step, raw.n_sources)
        found = _numpy(raw.chunk(start, stop))
        cells, kind, threshold = (*found, raw.threshold) if found else (
            raw.mask(start, stop), "uint8", Threshold(0)
        )  # fmt: skip
        dtype, rule = kernel_rule(kind, threshold)
        rows = np.ascontiguousarray(cells).view(dtype)
        rows = rows.reshape(rows.shape[0], raw.n_steps, raw.n_pitches * raw.n_tracks).view()
        rows.flags.writeable = False  # one compiled kernel per dtype, and never written to
        yield start, stop, rows, rule
