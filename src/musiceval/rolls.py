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
  bool rolls, MIDI velocities, {0, 1} and {-1, +1} encodings and raw ``tanh`` output. The
  comparison is exact for every dtype (:class:`Threshold`): the threshold is never rounded to
  the input's precision.
* ``lowest_pitch`` is the MIDI number of pitch index 0. A roll with 128 pitches starts at MIDI 0;
  a cropped roll (say 84 pitches from MIDI 24, the DeepComposer crop) must say where it starts.
* The caller's array is never written to. bool and ``uint8`` input (numpy or CPU tensor) with a
  threshold in [0, 1) is read in place. Other input is validated by :func:`read_roll` into a
  :class:`RawRoll` that the engine thresholds chunk by chunk (tensors on their own device), or
  by :func:`as_roll` into one new ``uint8`` array. torch is imported only for a tensor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from numbers import Real
from typing import Any, Literal, get_args

import numpy as np

from musiceval._checks import check_choice, check_int, invalid
from musiceval._thresholds import (
    Threshold,
    exact_threshold,
    threshold_array,
    threshold_tensor,
    threshold_value,
)
from musiceval.exceptions import InvalidParameterError

__all__ = [
    "BACKENDS",
    "GRANULARITIES",
    "LAYOUTS",
    "WEIGHTS",
    "Backend",
    "Conventions",
    "Layout",
    "Per",
    "RawRoll",
    "Roll",
    "Weight",
    "as_roll",
    "canonical_shape",
    "check_choice",
    "check_divides",
    "check_positive_int",
    "is_torch_tensor",
    "make_conventions",
    "read_roll",
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
_CHUNK_CELLS = 1 << 24  # cells thresholded at a time by as_roll


class _Shape:
    """The canonical shape's names, for a roll of ``shape`` (n_samples, n_steps, n_pitches,
    n_tracks) whose pitch index 0 is MIDI ``lowest_pitch``."""

    shape: tuple[int, ...]
    lowest_pitch: int

    @property
    def n_samples(self) -> int:
        return self.shape[0]

    @property
    def n_steps(self) -> int:
        return self.shape[1]

    @property
    def n_pitches(self) -> int:
        return self.shape[2]

    @property
    def n_tracks(self) -> int:
        return self.shape[3]

    def pitch_classes(self) -> np.ndarray:
        """The pitch class of every pitch index, shape ``(n_pitches,)``, int64."""
        return (self.lowest_pitch + np.arange(self.n_pitches, dtype=np.int64)) % 12


@dataclass(frozen=True)
class Roll(_Shape):
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
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return self.cells.shape

    def split_bars(self, steps_per_bar: int) -> Roll:
        """Each bar as a sample of its own: ``(n_samples * n_bars, steps_per_bar, ...)``."""
        n_bars = self.n_steps // steps_per_bar
        cells = self.cells.reshape(self.n_samples * n_bars, steps_per_bar, *self.cells.shape[2:])
        return Roll(cells, self.lowest_pitch, self.layout, steps_per_bar)


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= minimum, else raise (for 0.1.0 callers: ``_checks.check_int``)."""
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


# ---- reading the input -----------------------------------------------------------------------

_TORCH_DTYPES = (
    "bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
    "bfloat16", "float32", "float64",
)  # fmt: skip


def _tensor(x: Any, name: str) -> Any:
    """``x`` detached, if it is a dense tensor holding data of a supported dtype, else raise."""
    import torch

    x = x.detach()
    if x.is_complex() or str(x.dtype).removeprefix("torch.") not in _TORCH_DTYPES:
        raise InvalidParameterError(
            f"{name} must hold bool, integer or real values; got a tensor of {x.dtype} "
            f"(convert with x.float())"
        )
    if x.layout != torch.strided or x.is_nested or x.is_meta:
        kind = "nested" if x.is_nested else "meta" if x.is_meta else str(x.layout)
        raise InvalidParameterError(
            f"{name} must be a dense tensor holding data; got a {kind} tensor "
            f"(convert with x.to_dense(), or compute its values first)"
        )
    return x


def _source(x: Any, name: str) -> Any:
    """``x`` as an ndarray or a detached dense tensor of a supported dtype, else raise."""
    if is_torch_tensor(x):
        return _tensor(x, name)
    if isinstance(x, np.ma.MaskedArray):
        every = "a fully masked" if np.ma.getmaskarray(x).all() else "a masked"
        raise InvalidParameterError(
            f"{name} must be a plain numpy.ndarray; got {every} numpy.ma array, whose masked "
            f"cells hold arbitrary values (fill them first: {name}.filled(0))"
        )
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise InvalidParameterError(
                f"{name} must hold bool, integer or real values; got dtype {x.dtype} "
                f"(convert with x.astype(bool) or x.astype(np.float32))"
            )
        return x
    raise InvalidParameterError(
        f"{name} must be a numpy.ndarray or torch.Tensor; got {type(x).__name__} "
        f"(wrap lists with numpy.asarray first)"
    )


def _host_bytes(source: Any) -> np.ndarray | None:
    """A bool/uint8 ndarray or CPU tensor as a uint8 ndarray (no copy), else None."""
    if is_torch_tensor(source):
        if source.device.type != "cpu" or str(source.dtype) not in ("torch.bool", "torch.uint8"):
            return None
        source = source.numpy()
    if source.dtype not in (np.bool_, np.uint8):
        return None
    return source.view(np.uint8)


def canonical_shape(
    shape: tuple[int, ...], layout: str, name: str = "x"
) -> tuple[tuple[int, int, int, int], int | None]:
    """The canonical ``(n_samples, n_steps, n_pitches, n_tracks)`` of an input of ``shape`` in
    ``layout``, and the ``NBSPK`` bar length; raises on the wrong number of dimensions."""
    expected_ndim = len(layout) if layout != "NBSPK" else 5
    if len(shape) != expected_ndim:
        hint = " (for a single (n_steps, n_pitches) roll pass layout='TP')" * (len(shape) == 2)
        raise InvalidParameterError(
            f"{name} must have {expected_ndim} dimensions {LAYOUTS[layout]} for layout={layout!r}; "
            f"got shape {tuple(shape)}{hint}"
        )
    if layout == "TP":
        return (1, shape[0], shape[1], 1), None
    if layout == "KTP":
        return (1, shape[1], shape[2], shape[0]), None
    if layout == "NBSPK":
        n, b, s, p, k = shape
        return (n, b * s, p, k), s
    return (shape[0], shape[1], shape[2], shape[3]), None


def to_canonical_axes(cells: Any, layout: str, name: str = "x") -> tuple[Any, int | None]:
    """``cells`` (an ndarray or tensor, any dtype) with its axes in the canonical order, and the
    ``NBSPK`` bar length.

    Raises when ``cells`` has the wrong number of dimensions for ``layout``; a view, except for
    an ``NBSPK`` input whose bar and step axes cannot merge without a copy.
    """
    shape, bar_steps = canonical_shape(tuple(cells.shape), layout, name)
    if layout == "TP":
        return cells[None, :, :, None], None
    if layout == "KTP":
        moved = cells.permute(1, 2, 0) if is_torch_tensor(cells) else cells.transpose(1, 2, 0)
        return moved[None], None
    return cells.reshape(shape), bar_steps


def _read_only(cells: np.ndarray) -> np.ndarray:
    view = np.ascontiguousarray(cells).view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class RawRoll(_Shape):
    """A validated roll not thresholded yet (:func:`read_roll`), read chunk by chunk.

    ``source`` is the caller's array or detached tensor (on its device) in ``layout``, never
    written to; ``shape`` the canonical ``(n_samples, n_steps, n_pitches, n_tracks)``, in which
    each source sample gives ``bars`` samples (more than one after :meth:`split_bars`);
    ``threshold`` the exact rule for the source's dtype; ``name`` what errors call the input;
    ``lowest_pitch`` and ``bar_steps`` as in :class:`Roll`.
    """

    source: Any
    layout: str
    shape: tuple[int, int, int, int]
    lowest_pitch: int
    threshold: Threshold
    name: str
    bar_steps: int | None = None
    bars: int = 1

    @property
    def n_sources(self) -> int:  # samples of the source
        return self.n_samples // self.bars

    def split_bars(self, steps_per_bar: int) -> RawRoll | Roll:
        """Each bar as a sample of its own, as :meth:`Roll.split_bars` (a roll without a bar has
        nothing to threshold: an empty :class:`Roll`)."""
        n_bars = self.n_steps // steps_per_bar
        shape = (self.n_samples * n_bars, steps_per_bar, self.n_pitches, self.n_tracks)
        if n_bars == 0:
            cells = _read_only(np.zeros(shape, np.uint8))
            return Roll(cells, self.lowest_pitch, self.layout, steps_per_bar)
        return replace(self, shape=shape, bar_steps=steps_per_bar, bars=self.bars * n_bars)

    def chunk(self, start: int, stop: int) -> Any:
        """Source samples ``[start, stop)`` (all for ``TP``/``KTP``), canonical, unthresholded:
        ``(bars * (stop - start), n_steps, n_pitches, n_tracks)``, a view where one is possible."""
        part = self.source if self.layout in ("TP", "KTP") else self.source[start:stop]
        cells = to_canonical_axes(part, self.layout, self.name)[0]
        return cells.reshape(cells.shape[0] * self.bars, *self.shape[1:])

    def sources_per_chunk(self, cells: int) -> int:
        """How many source samples hold about ``cells`` cells (at least one)."""
        return max(1, cells // max(1, self.bars * math.prod(self.shape[1:])))

    def mask(self, start: int, stop: int) -> np.ndarray:
        """:meth:`chunk` thresholded: uint8 on the host, 1 = active; raises on NaN or inf."""
        cells = self.chunk(start, stop)
        if is_torch_tensor(cells):
            active, bad = threshold_tensor(cells, self.threshold)
            if bad is not None and bool(bad):
                raise self.non_finite()
            return active.cpu().numpy().view(np.uint8)
        if cells.dtype.kind == "f" and not np.isfinite(cells).all():
            raise self.non_finite()
        return threshold_array(cells, self.threshold).view(np.uint8)

    def non_finite(self) -> InvalidParameterError:
        """The error for a source holding NaN or inf."""
        return InvalidParameterError(
            f"{self.name} holds NaN or inf; expected finite values (a cell is active when > "
            f"threshold)"
        )


def read_roll(
    x: Any,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    name: str = "x",
) -> Roll | RawRoll:
    """Validate ``x`` as :func:`as_roll` does, without thresholding it.

    Returns a :class:`Roll` when ``x`` can be read in place (bool or ``uint8`` on the host, with a
    threshold in [0, 1)), else a :class:`RawRoll`, which the engine thresholds chunk by chunk.
    Values are checked for NaN and inf when they are thresholded.
    """
    check_choice("layout", layout, LAYOUTS)
    exact = threshold_value(threshold)
    source = _source(x, name)
    shape, bar_steps = canonical_shape(tuple(source.shape), layout, name)
    if shape[0] == 0 or shape[2] == 0 or shape[3] == 0:
        raise InvalidParameterError(
            f"{name} is empty: got canonical shape {shape} {LAYOUTS['NTPK']}; expected at "
            f"least one sample, one pitch and one track"
        )
    lowest = _check_lowest_pitch(lowest_pitch, shape[2], name)
    rule = exact_threshold(exact, source.dtype)
    host = _host_bytes(source) if rule == Threshold(0) else None
    if host is not None:
        cells = to_canonical_axes(host, layout, name)[0]
        return Roll(_read_only(cells), lowest, layout, bar_steps)
    return RawRoll(source, layout, shape, lowest, rule, name, bar_steps)


def as_roll(
    x: Any,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    name: str = "x",
) -> Roll:
    """Validate ``x`` and return it as a read-only canonical :class:`Roll`.

    bool and ``uint8`` input on the host with a threshold in [0, 1) is read in place; other input
    is thresholded in chunks of about 16 M cells (tensors on their own device) into one new
    ``uint8`` array: the extra memory is that array and one chunk.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Piano roll(s) in ``layout``: bool, integer (velocity) or real (probabilities, {0, 1},
        {-1, +1}, raw tanh) values.
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order; see :data:`LAYOUTS`.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``, exactly (see :class:`Threshold`).
    lowest_pitch : int, optional
        MIDI number of pitch index 0; required when the pitch axis is not 128 long.
    name : str, default="x"
        What error messages call ``x`` (the caller's argument: ``reference``, ``generated``).
    """
    roll = read_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, name=name)
    if isinstance(roll, Roll):
        return roll
    cells = np.empty(roll.shape, np.uint8)
    step = roll.sources_per_chunk(_CHUNK_CELLS)
    for start in range(0, roll.n_sources, step):
        stop = min(start + step, roll.n_sources)
        cells[start:stop] = roll.mask(start, stop)
    return Roll(_read_only(cells), roll.lowest_pitch, layout, roll.bar_steps)


Backend = Literal["auto", "numba", "torch"]
"""Who gathers the statistics (``evaluate.compute``): the host kernel, torch, or either."""
BACKENDS: tuple[str, ...] = get_args(Backend)


Weight = Literal["cells", "notes"]
"""How the scale and entropy metrics count: active cells (duration-weighted) or notes."""
WEIGHTS: tuple[str, ...] = get_args(Weight)

Per = Literal["sample", "bar"]
"""The granularity of a metric: per sample, or per bar averaged over the non-empty bars."""
GRANULARITIES: tuple[str, ...] = get_args(Per)


@dataclass(frozen=True)
class Conventions:
    """The validated options every metric reads (see ``docs/conventions.md``).

    ``steps_per_bar=None`` means 16, or the bar length of an ``NBSPK`` input; ``key`` is a
    pitch class (0-11) or ``"auto"`` (found per sample and track, see ``in_scale_ratio``).
    """

    steps_per_bar: int | None = None
    steps_per_beat: int = 4
    key: int | str = 0
    mode: str = "major"
    weight: str = "cells"
    min_steps: int = 2
    min_pitches: int = 2
    grid: int = 2
    per: str = "sample"
    radii: tuple[float, float, float] = (1.0, 1.0, 0.5)
    drums: tuple[bool, ...] | None = None
    force: tuple[str, ...] = ()

    def check_grid(self) -> None:
        """Raise unless ``grid`` divides ``steps_per_beat`` (for the drum pattern)."""
        if self.steps_per_beat % self.grid:
            raise InvalidParameterError(
                f"grid={self.grid} must divide steps_per_beat={self.steps_per_beat}: the pattern "
                f"has grid positions per beat"
            )

    def bar_length(self, roll: Roll | RawRoll) -> int:
        """Steps per bar for ``roll``: explicit, from the ``NBSPK`` layout, or 16."""
        if roll.bar_steps is not None:
            if roll.bar_steps == 0:
                raise InvalidParameterError(
                    "x must have bars of at least one step; got an NBSPK input whose bar axis "
                    "(S) holds 0 steps"
                )
            if self.steps_per_bar not in (None, roll.bar_steps):
                raise InvalidParameterError(
                    f"steps_per_bar={self.steps_per_bar} contradicts the NBSPK input, whose bars "
                    f"hold {roll.bar_steps} steps; leave steps_per_bar out"
                )
            return roll.bar_steps
        return 16 if self.steps_per_bar is None else self.steps_per_bar


_MAX_COUNT = 2**31 - 1


def _positive(number: Any) -> bool:
    return isinstance(number, Real) and not isinstance(number, bool) and float(number) > 0


def make_conventions(**options: Any) -> Conventions:
    """Validate keyword options into :class:`Conventions`, naming any bad one."""
    from musiceval.scales import MODES

    known = sorted(Conventions.__dataclass_fields__)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise invalid("options", f"some of {known}", received=f"unknown option(s) {unknown}")
    values = {name: value for name, value in options.items() if value is not None}
    for name in ("steps_per_bar", "steps_per_beat", "min_steps", "min_pitches", "grid"):
        if name in values and check_int(name, values[name]) > _MAX_COUNT:
            # the kernels count steps and pitches in 32-bit integers
            raise invalid(name, f"an int >= 1 and <= {_MAX_COUNT}", values[name])
        if name in values:
            values[name] = int(values[name])
    if "key" in values and not _is_auto(values["key"]):
        values["key"] = _parse_key_or_auto(values["key"])
    if "mode" in values:
        check_choice("mode", values["mode"], MODES)
        if _is_auto(values.get("key")) and values["mode"] != "major":
            raise invalid(
                "mode", "'major' or left out with key='auto', which finds the mode with the "
                "tonic (the best of the 24 major and minor keys)", values["mode"],
            )  # fmt: skip
    if "weight" in values:
        check_choice("weight", values["weight"], WEIGHTS)
    if "per" in values:
        check_choice("per", values["per"], GRANULARITIES)
    if "radii" in values:
        radii = values["radii"]
        if not isinstance(radii, tuple | list) or len(radii) != 3 or not all(map(_positive, radii)):
            raise invalid("radii", "three positive numbers (r1, r2, r3)", radii)
        values["radii"] = tuple(float(r) for r in radii)
    if "drums" in values:
        values["drums"] = _drum_flags(values["drums"])
    if "force" in values:
        values["force"] = _forced_domains(values["force"])
    return Conventions(**values)


def _is_auto(key: Any) -> bool:
    return isinstance(key, str) and key == "auto"


def _parse_key_or_auto(key: Any) -> int:
    """``parse_key(key)``; for a name, its error says that ``"auto"`` is accepted too."""
    from musiceval.scales import parse_key

    try:
        return parse_key(key)
    except InvalidParameterError:
        if not isinstance(key, str):
            raise
        raise invalid(
            "key",
            "a note name: a letter A-G with optional '#'/'b' (e.g. 'C', 'F#', 'Bb'), "
            "a pitch class 0-11, or 'auto'",
            key,
        ) from None


def _drum_flags(drums: Any) -> tuple[bool, ...]:
    """``drums`` as one bool per track, or raise."""
    flags = np.asarray(drums) if isinstance(drums, list | tuple | np.ndarray) else None
    if flags is None or flags.ndim != 1 or flags.dtype != np.bool_:
        raise invalid("drums", "a sequence of one bool per track (True: a drum track)", drums)
    return tuple(bool(flag) for flag in flags)


def _forced_domains(force: Any) -> tuple[str, ...]:
    """``force`` as distinct domains among "pitched" and "drums", or raise."""
    if isinstance(force, str) or not isinstance(force, list | tuple):
        raise invalid("force", 'a sequence of "pitched" and/or "drums"', force)
    for domain in force:
        check_choice("force", domain, ("pitched", "drums"))
    return tuple(dict.fromkeys(force))
