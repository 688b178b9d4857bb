"""Input conventions: layouts, the activity threshold, the pitch axis, and option checks.

Every piano roll entering musiceval passes through :func:`as_roll`, which returns a
:class:`Roll`: a read-only, C-contiguous ``uint8`` array in the canonical layout
``(n_samples, n_steps, n_pitches, n_tracks)`` whose nonzero cells are the active ones. The
checks of the roll and of the metric options (:func:`make_conventions`) live here; they raise
:class:`~musiceval.exceptions.InvalidParameterError` through the shared checks of
``musiceval._checks``, as every other module does, with messages that name the argument, what
was expected and what was received.

Conventions
-----------
* A cell is *active* when ``value > threshold`` (``threshold=0`` by default), which is right for
  bool rolls, MIDI velocities, {0, 1} and {-1, +1} encodings and raw ``tanh`` output.
* ``lowest_pitch`` is the MIDI number of pitch index 0. A roll with 128 pitches starts at MIDI 0;
  a cropped roll (say 84 pitches from MIDI 24, the DeepComposer crop) must say where it starts.
* The caller's array is never written to. bool and ``uint8`` input with the default threshold is
  read in place (no copy); anything else is binarised into one new ``uint8`` array.
* torch tensors are accepted without importing torch here: CPU bool/``uint8`` tensors are read in
  place, other tensors are thresholded on their own device (CUDA included) and the resulting
  one-byte-per-cell mask is copied to the host once.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal, get_args

import numpy as np

from musiceval._checks import check_choice, check_int, check_real, invalid
from musiceval.exceptions import InvalidParameterError

__all__ = [
    "GRANULARITIES",
    "LAYOUTS",
    "WEIGHTS",
    "Conventions",
    "Layout",
    "Per",
    "Roll",
    "Weight",
    "as_roll",
    "check_choice",
    "check_divides",
    "check_positive_int",
    "is_torch_tensor",
    "make_conventions",
    "to_canonical_axes",
]

Layout = Literal["NTPK", "TP", "KTP", "NBSPK"]
"""The axis orders :func:`as_roll` reads (see :data:`LAYOUTS`)."""

LAYOUTS: dict[str, str] = {
    "NTPK": "(n_samples, n_steps, n_pitches, n_tracks)",
    "TP": "(n_steps, n_pitches)",
    "KTP": "(n_tracks, n_steps, n_pitches)",
    "NBSPK": "(n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)",
}
N_MIDI_PITCHES = 128


@dataclass(frozen=True)
class Roll:
    """A validated piano roll in the canonical layout.

    Attributes
    ----------
    cells : ndarray of uint8, shape (n_samples, n_steps, n_pitches, n_tracks)
        Read-only, C-contiguous; nonzero = active.
    lowest_pitch : int
        MIDI number of pitch index 0.
    layout : str
        The layout the caller used, to give results back in the matching shape.
    bar_steps : int or None
        Steps per bar implied by the layout (``NBSPK``), else ``None``.
    """

    cells: np.ndarray
    lowest_pitch: int
    layout: str
    bar_steps: int | None = None

    @property
    def n_samples(self) -> int:
        return self.cells.shape[0]

    @property
    def n_steps(self) -> int:
        return self.cells.shape[1]

    @property
    def n_pitches(self) -> int:
        return self.cells.shape[2]

    @property
    def n_tracks(self) -> int:
        return self.cells.shape[3]

    def pitch_classes(self) -> np.ndarray:
        """The pitch class of every pitch index, shape ``(n_pitches,)``, int64."""
        return (self.lowest_pitch + np.arange(self.n_pitches, dtype=np.int64)) % 12

    def split_bars(self, steps_per_bar: int) -> Roll:
        """Each bar as a sample of its own: ``(n_samples * n_bars, steps_per_bar, ...)``."""
        n_bars = self.n_steps // steps_per_bar
        cells = self.cells.reshape(self.n_samples * n_bars, steps_per_bar, *self.cells.shape[2:])
        return Roll(cells, self.lowest_pitch, self.layout, steps_per_bar)


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an int >= minimum.

    Kept for 0.1.0 callers: the check is ``musiceval._checks.check_int``.
    """
    return check_int(name, value, minimum=minimum)


def check_divides(name: str, value: int, n_steps: int, what: str = "n_steps") -> None:
    """Raise unless ``value`` divides ``n_steps`` (a roll must hold whole bars or beats)."""
    if n_steps % value:
        raise InvalidParameterError(
            f"{name}={value} does not divide {what}={n_steps}: the roll must hold a whole number "
            f"of {name.removeprefix('steps_per_')}s (crop or pad the time axis, or change {name})"
        )


def _check_lowest_pitch(lowest_pitch: Any, n_pitches: int, name: str) -> int:
    if lowest_pitch is None:
        if n_pitches != N_MIDI_PITCHES:
            raise InvalidParameterError(
                f"{name} has {n_pitches} pitches, not 128: pass lowest_pitch=, the MIDI number of "
                f"pitch index 0 (e.g. lowest_pitch=24 for the DeepComposer crop 24..107), so that "
                f"pitch classes are right"
            )
        return 0
    lowest = check_int("lowest_pitch", lowest_pitch, minimum=0)
    if lowest + n_pitches > N_MIDI_PITCHES:
        raise InvalidParameterError(
            f"lowest_pitch={lowest} with {n_pitches} pitches reaches MIDI {lowest + n_pitches - 1}"
            f"; expected lowest_pitch + n_pitches <= 128"
        )
    return lowest


def is_torch_tensor(x: Any) -> bool:
    """Whether ``x`` is a torch tensor, without importing torch."""
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def _not_finite(name: str) -> Exception:
    return InvalidParameterError(
        f"{name} holds NaN or inf; expected finite values (a cell is active when > threshold)"
    )


def _torch_to_numpy(x: Any, threshold: float, name: str) -> np.ndarray:
    """Threshold a tensor on its own device, then bring the mask to the host once."""
    import torch

    x = x.detach()
    if x.is_complex():
        raise InvalidParameterError(
            f"{name} must hold bool, integer or real values; got a tensor of {x.dtype}"
        )
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise _not_finite(name)
    if (
        x.device.type == "cpu"
        and x.dtype in (torch.bool, torch.uint8)
        and _reads_in_place(x.dtype == torch.bool, threshold)
    ):
        return x.numpy()
    return (x > threshold).cpu().numpy()


def _reads_in_place(is_bool: bool, threshold: float) -> bool:
    """bool with 0 <= threshold < 1 and uint8 with threshold 0 need no thresholding pass."""
    return (0.0 <= threshold < 1.0) if is_bool else threshold == 0.0


def _binarise(x: np.ndarray, threshold: float, name: str) -> np.ndarray:
    if x.dtype == np.bool_:
        return (
            x.view(np.uint8) if _reads_in_place(True, threshold) else (x > threshold).view(np.uint8)
        )
    if x.dtype == np.uint8 and _reads_in_place(False, threshold):
        return x
    if x.dtype.kind not in "uif":
        raise InvalidParameterError(
            f"{name} must hold bool, integer or real values; got dtype {x.dtype} "
            f"(convert with x.astype(bool) or x.astype(np.float32))"
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise _not_finite(name)
    return (x > threshold).view(np.uint8)


def to_canonical_axes(
    cells: np.ndarray, layout: str, name: str = "x"
) -> tuple[np.ndarray, int | None]:
    """``cells`` (any dtype) with its axes in the canonical order, and the ``NBSPK`` bar length.

    Raises when ``cells`` has the wrong number of dimensions for ``layout``; a view, no copy.
    """
    expected_ndim = len(layout) if layout != "NBSPK" else 5
    if cells.ndim != expected_ndim:
        hint = (
            " (for a single (n_steps, n_pitches) roll pass layout='TP')" if cells.ndim == 2 else ""
        )
        raise InvalidParameterError(
            f"{name} must have {expected_ndim} dimensions {LAYOUTS[layout]} for layout={layout!r}; "
            f"got shape {cells.shape}{hint}"
        )
    if layout == "TP":
        return cells[None, :, :, None], None
    if layout == "KTP":
        return cells.transpose(1, 2, 0)[None], None
    if layout == "NBSPK":
        n, b, s, p, k = cells.shape
        return cells.reshape(n, b * s, p, k), s
    return cells, None


def as_roll(
    x: Any,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    name: str = "x",
) -> Roll:
    """Validate ``x`` and return it as a read-only canonical :class:`Roll`.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Piano roll(s) in ``layout``: bool, integer (velocity) or real (probabilities, {0, 1},
        {-1, +1}, raw tanh) values.
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order; see :data:`LAYOUTS`.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0; required when the pitch axis is not 128 long.
    name : str, default="x"
        What error messages call ``x`` (the caller's argument: ``reference``, ``generated``).
    """
    check_choice("layout", layout, LAYOUTS)
    threshold = check_real("threshold", threshold)
    if is_torch_tensor(x):
        cells = _torch_to_numpy(x, threshold, name)
        if cells.dtype == np.bool_:
            cells = cells.view(np.uint8)
    elif isinstance(x, np.ndarray):
        cells = _binarise(x, threshold, name)
    else:
        raise InvalidParameterError(
            f"{name} must be a numpy.ndarray or torch.Tensor; got {type(x).__name__} "
            f"(wrap lists with numpy.asarray first)"
        )
    cells, bar_steps = to_canonical_axes(cells, layout, name)
    n_samples, _, n_pitches, n_tracks = cells.shape
    if n_samples == 0 or n_pitches == 0 or n_tracks == 0:
        raise InvalidParameterError(
            f"{name} is empty: got canonical shape {cells.shape} {LAYOUTS['NTPK']}; expected at "
            f"least one sample, one pitch and one track"
        )
    lowest = _check_lowest_pitch(lowest_pitch, n_pitches, name)
    cells = np.ascontiguousarray(cells)
    view = cells.view()
    view.flags.writeable = False
    return Roll(view, lowest, layout, bar_steps)


Weight = Literal["cells", "notes"]
"""How the scale and entropy metrics count: active cells (duration-weighted) or notes."""
WEIGHTS: tuple[str, ...] = get_args(Weight)

Per = Literal["sample", "bar"]
"""The granularity of a metric: per sample, or per bar averaged over the non-empty bars."""
GRANULARITIES: tuple[str, ...] = get_args(Per)


@dataclass(frozen=True)
class Conventions:
    """The validated options every metric reads (see ``docs/conventions.md``).

    ``steps_per_bar=None`` means 16, or the bar length of an ``NBSPK`` input.
    """

    steps_per_bar: int | None = None
    steps_per_beat: int = 4
    key: int = 0
    mode: str = "major"
    weight: str = "cells"
    min_steps: int = 2
    min_pitches: int = 2
    grid: int = 2
    per: str = "sample"
    radii: tuple[float, float, float] = (1.0, 1.0, 0.5)

    def check_grid(self) -> None:
        """Raise unless ``grid`` divides ``steps_per_beat`` (for the drum pattern)."""
        if self.steps_per_beat % self.grid:
            raise InvalidParameterError(
                f"grid={self.grid} must divide steps_per_beat={self.steps_per_beat}: the pattern "
                f"has grid positions per beat"
            )

    def bar_length(self, roll: Roll) -> int:
        """Steps per bar for ``roll``: explicit, from the ``NBSPK`` layout, or 16."""
        if roll.bar_steps is not None:
            if self.steps_per_bar not in (None, roll.bar_steps):
                raise InvalidParameterError(
                    f"steps_per_bar={self.steps_per_bar} contradicts the NBSPK input, whose bars "
                    f"hold {roll.bar_steps} steps; leave steps_per_bar out"
                )
            return roll.bar_steps
        return 16 if self.steps_per_bar is None else self.steps_per_bar


def _positive(number: Any) -> bool:
    return isinstance(number, Real) and not isinstance(number, bool) and float(number) > 0


def make_conventions(**options: Any) -> Conventions:
    """Validate keyword options into :class:`Conventions`, naming any bad one."""
    from musiceval.scales import MODES, parse_key

    known = sorted(Conventions.__dataclass_fields__)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise invalid("options", f"some of {known}", received=f"unknown option(s) {unknown}")
    values = {name: value for name, value in options.items() if value is not None}
    for name in ("steps_per_bar", "steps_per_beat", "min_steps", "min_pitches", "grid"):
        if name in values:
            values[name] = check_int(name, values[name])
    if "key" in values:
        values["key"] = parse_key(values["key"])
    if "mode" in values:
        check_choice("mode", values["mode"], MODES)
    if "weight" in values:
        check_choice("weight", values["weight"], WEIGHTS)
    if "per" in values:
        check_choice("per", values["per"], GRANULARITIES)
    if "radii" in values:
        radii = values["radii"]
        if not isinstance(radii, tuple | list) or len(radii) != 3 or not all(map(_positive, radii)):
            raise invalid("radii", "three positive numbers (r1, r2, r3)", radii)
        values["radii"] = tuple(float(r) for r in radii)
    return Conventions(**values)
