"""What the DeepComposer and MuseGAN reproductions share: input reading, block chroma, tonal map.

Nothing here is a correct metric: these helpers reproduce the peers' code on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.rolls import is_torch_tensor
from musiceval.scales import tonal_matrix

__all__ = ["C_MAJOR_MASK", "TONAL_MATRIX", "as_values", "block_chroma"]

C_MAJOR_MASK = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=np.float64)
"""MuseGAN's scale mask: ``_scale_mask(key=3)`` rolls an A-based C-major mask to start at bin 0."""


TONAL_MATRIX = tonal_matrix((1.0, 1.0, 0.5))
"""Harte et al.'s (6, 12) tonal-centroid map with MuseGAN's radii (1, 1, 0.5)."""


def as_values(x: Any, expected: str, ndim: int) -> np.ndarray:
    """``x`` as a float64 array of ``ndim`` non-empty axes, or an InvalidParameterError naming
    ``expected``.

    torch tensors are detached and copied to the host; the caller's array is never written to.
    """
    if is_torch_tensor(x):
        x = x.detach().cpu().numpy()
    try:
        values = np.asarray(x)
    except (TypeError, ValueError):  # ragged nested sequences
        raise invalid("x", f"an array of shape {expected}", x) from None
    if values.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"x must hold bool, integer or real values; got dtype {values.dtype} "
            f"(convert with x.astype(np.float32))"
        )
    if values.ndim != ndim or 0 in values.shape:
        raise InvalidParameterError(
            f"x must have shape {expected}, every axis non-empty; got {values.shape}"
        )
    return values.astype(np.float64, copy=False)


def block_chroma(values: np.ndarray, *, always_pad: bool = False) -> np.ndarray:
    """The peers' "chroma" of ``(..., n_pitches, n_tracks)`` values: ``(..., 12, n_tracks)``.

    The pitch axis is zero-padded to a multiple of 12 and reshaped to ``(12, n_blocks)`` in C
    order, then summed over the blocks: bin ``i`` holds the ``n_blocks`` *consecutive* pitches
    ``i * n_blocks .. (i + 1) * n_blocks - 1``, not the pitch class ``p % 12``. The DeepComposer
    lab pads only when ``n_pitches % 12 != 0`` (its 84-pitch crop needs none); MuseGAN's
    ``v2/musegan/utils/metrics.py`` (``to_chroma``) always pads ``12 - n_pitches % 12`` pitches
    (``always_pad=True``), so 84 pitches become 96. MuseGAN's ``src/musegan/metrics.py``
    (``to_chroma``) fails unless ``n_pitches % 12 == 0``: :mod:`musiceval.compat.musegan` checks
    that before calling this, which then pads nothing.
    """
    n_pitches = values.shape[-2]
    remainder = n_pitches % 12
    pad = 12 - remainder if (remainder or always_pad) else 0
    if pad:
        widths = [(0, 0)] * values.ndim
        widths[-2] = (0, pad)
        values = np.pad(values, widths)
    blocks = values.reshape(*values.shape[:-2], 12, -1, values.shape[-1])
    return blocks.sum(axis=-2)
