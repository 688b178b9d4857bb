"""The way in: many metrics over one batch, in one pass, as arrays (:func:`compute`) or as a
tidy table (:func:`evaluate`).

:func:`compute` is the one public entry point to the engine: every metric function,
:func:`evaluate`, :func:`musiceval.profile`, :func:`musiceval.compare` and the training hooks
call it, so the input is validated once (``rolls``) and the data are read once, and
thresholded as they are read, however many metrics are asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._checks import check_choice, check_metric_names, check_pairs, invalid
from musiceval._domains import check_drum_tracks, mask_domains
from musiceval._engine.compute import choose_backend, compute_roll
from musiceval._engine.histograms import NORMALIZATIONS
from musiceval.registry import METRICS, PER_TRACK
from musiceval.rolls import BACKENDS, Backend, Layout, RawRoll, Roll, make_conventions, read_roll

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compute", "evaluate"]

_CONVENTIONS = """**conventions
        Options of the metrics, shared by all of them: ``steps_per_bar``, ``steps_per_beat``,
        ``key``, ``mode``, ``weight``, ``min_steps``, ``min_pitches``, ``grid``, ``per``,
        ``radii`` (see the metric functions and ``docs/conventions.md``), and ``normalize``,
        how the vector-valued metrics are normalised: ``"total"`` (the default: all
        components sum to 1), ``"row"`` (each row of a matrix sums to 1; a histogram is one
        row) or ``None`` (counts; for this option ``None`` means counts, not the default).
        With ``per="bar"`` the metrics that allow it are averaged over non-empty bars
        (component by component for vectors); ``empty_bar_rate``, ``best_key``,
        ``groove_consistency`` and ``tonal_distance`` stay per sample. ``drums``, one bool per
        track (True: a drum track, e.g. ``musiceval.io.load_midi(...).is_drum``), makes the
        metrics of registry ``domain`` ``"pitched"`` (keys, scales, pitches, chords) NaN on
        drum tracks and those of domain ``"drums"`` (``drum_in_pattern_rate``,
        ``groove_consistency``) NaN on pitched tracks; ``force=["pitched"]`` and/or
        ``["drums"]`` computes that domain on every track anyway. Without ``drums`` (the
        default) every metric applies to every track, as in musiceval 0.1."""
_BACKEND = """backend : {"auto", "numba", "torch"}, default="auto"
        Who gathers the statistics the metrics are reduced from: ``"numba"``, the compiled
        kernel on the host (a tensor on another device is thresholded there and its one-byte
        mask copied to the host a chunk at a time); ``"torch"``, torch on the tensor's own
        device (numpy input on the CPU), a chunk of samples at a time, only per-sample
        statistics coming back to the host; ``"auto"``, torch for a tensor on a non-CPU device
        (CUDA), numba otherwise. Both give the same values (tested equal)."""


def compute(
    x: Any,
    metrics: Sequence[str] | None = None,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    backend: Backend = "auto",
    **conventions: Any,
) -> dict[str, np.ndarray]:
    """Compute several metrics over a batch with one pass, as arrays.

    Parameters
    ----------
    x : ndarray, torch.Tensor, musiceval.rolls.Roll or musiceval.rolls.RawRoll
        Piano rolls of shape (n_samples, n_steps, n_pitches, n_tracks), as for every metric
        (other axis orders through ``layout``): bool, integer (velocity) or real
        (probabilities, {0, 1}, {-1, +1}, raw tanh). Never modified. A ``Roll``
        (:func:`musiceval.rolls.as_roll`) or ``RawRoll`` (:func:`musiceval.rolls.read_roll`:
        validated, thresholded as it is read) already holds its layout, threshold and lowest
        pitch: give none of them with it; results are then canonical.
    metrics : sequence of str, optional
        Names of metric functions (see ``musiceval.METRICS``); default:
        ``musiceval.registry.PER_TRACK``, the scalar per-track metrics of musiceval 0.1 (all
        but ``tonal_distance``, the vector-valued ``musiceval.registry.VECTOR`` and the
        scalars added since, such as ``polyphony``: ask for those by name).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``, compared exactly whatever the dtype (the
        threshold is never rounded to it; ``docs/conventions.md``).
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128).
    pairs : sequence of (int, int), optional
        The track pairs of the pairwise metrics (``tonal_distance``); default every pair
        ``(a, b)`` with ``a < b``, in order.
    {backend}
    {conventions}

    Returns
    -------
    dict of str to ndarray of float64
        Metric name to values, in the order requested, each of the shape its metric function
        returns: ``(n_samples, n_tracks)`` for ``"NTPK"`` and ``"NBSPK"``, ``(n_tracks,)`` for
        ``"KTP"``, ``()`` for ``"TP"``; pairwise metrics ``(n_samples, n_pairs)``, or
        ``(n_pairs,)`` for ``"KTP"`` and ``"TP"``; vector-valued metrics (registry ``shape``,
        e.g. ``(12,)``) that shape after those axes: ``(n_samples, n_tracks, 12)``. NaN where a
        value is undefined.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((2, 32, 128, 1), bool)
    >>> x[0, :16, 60, 0] = True  # one note in the first bar of sample 0
    >>> values = musiceval.compute(x, ["n_notes", "empty_bar_rate"])
    >>> values["n_notes"].tolist(), values["empty_bar_rate"].tolist()
    ([[1.0], [0.0]], [[0.5], [1.0]])
    """
    _, values = _compute(x, metrics, (layout, threshold, lowest_pitch), pairs, backend, conventions)
    if layout == "TP":
        return {name: v[0] if METRICS[name].pairwise else v[0, 0] for name, v in values.items()}
    if layout == "KTP":
        return {name: v[0] for name, v in values.items()}
    return values


def _compute(
    x: Any,
    metrics: Sequence[str] | None,
    reading: tuple[Layout, float, int | None],
    pairs: Sequence[tuple[int, int]] | None,
    backend: str,
    conventions: dict[str, Any],
) -> tuple[Roll | RawRoll, dict[str, np.ndarray]]:
    """Validate everything, run the engine; values in the canonical ``(n_samples, ...)``.

    ``reading``: the layout, threshold and lowest pitch of ``x``."""
    names = check_metric_names("metrics", metrics, list(METRICS), default=PER_TRACK)
    conventions = dict(conventions)
    normalize = conventions.pop("normalize", NORMALIZATIONS[0])
    if normalize is not None and not (isinstance(normalize, str) and normalize in NORMALIZATIONS):
        raise invalid("normalize", f"one of {list(NORMALIZATIONS)}", normalize)
    options = make_conventions(**conventions)
    check_choice("backend", backend, BACKENDS)
    layout, threshold, lowest_pitch = reading
    if isinstance(x, Roll | RawRoll):
        if reading != ("NTPK", 0.0, None):
            raise invalid(
                "layout, threshold and lowest_pitch",
                "left out for x given as a validated Roll or RawRoll (it holds them)",
                received=f"layout={layout!r}, threshold={threshold!r}, "
                f"lowest_pitch={lowest_pitch!r}",
            )
        roll: Roll | RawRoll = x
    else:
        roll = read_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    track_pairs = check_pairs("pairs", pairs, roll.n_tracks)
    check_drum_tracks(options, roll.n_tracks)
    chosen = choose_backend(roll, backend)
    values = compute_roll(roll, options, names, track_pairs, chosen, normalize)
    return roll, mask_domains(values, options, track_pairs)


def evaluate(
    x: Any,
    metrics: Sequence[str] | None = None,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    backend: Backend = "auto",
    **conventions: Any,
) -> pd.DataFrame:
    """Compute several metrics over a batch with one pass over the data, as a tidy table.

    The values are :func:`compute`'s, one row each.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls, as for every metric (other axis orders through ``layout``).
    metrics : sequence of str, optional
        Names of metric functions (see ``musiceval.METRICS``); default:
        ``musiceval.registry.PER_TRACK``, as for :func:`compute`. ``"tonal_distance"`` is
        computed for every pair of tracks (no rows for a one-track input).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``, compared exactly (as for :func:`compute`).
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128).
    {backend}
    {conventions}

    Returns
    -------
    pandas.DataFrame
        Columns ``sample`` (int), ``track`` (int), ``metric`` (categorical of the metric names,
        in the order requested), ``value`` (float64, NaN where undefined): one row per metric,
        sample and track, grouped by metric, then sample, then track. With ``tonal_distance``
        a ``track_b`` column (nullable int) holds the second track of each pair (``track`` the
        first) and is empty for per-track metrics. With a vector-valued metric (registry
        ``shape``), each value is one row per component, in C order, and a ``bin`` column
        (nullable int, before ``value``) numbers them: the pitch class for
        ``pitch_class_histogram``, the MIDI pitch for ``pitch_histogram``, ``12 * a + b`` for
        the transition from class ``a`` to ``b``, the length in steps minus 1 for
        ``note_length_histogram``; it is empty for scalar metrics. Without
        vector-valued metrics there is no ``bin`` column.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((1, 16, 128, 1), bool)
    >>> x[0, :8, 60, 0] = x[0, 8:, 64, 0] = True  # C4 then E4
    >>> table = musiceval.evaluate(x, ["n_notes", "pitch_class_histogram"])
    >>> print(table[table["value"] != 0].to_string(index=False))
     sample  track                metric  bin  value
          0      0               n_notes <NA>    2.0
          0      0 pitch_class_histogram    0    0.5
          0      0 pitch_class_histogram    4    0.5
    """
    import pandas as pd

    reading = (layout, threshold, lowest_pitch)
    roll, values = _compute(x, metrics, reading, None, backend, conventions)
    pairs = check_pairs("pairs", None, roll.n_tracks)
    columns = _columns(values, roll.n_samples, roll.n_tracks, pairs)
    return pd.DataFrame(columns, copy=False)  # every column is a new array: no copy needed


def _columns(
    values: dict[str, np.ndarray], n: int, n_tracks: int, pairs: list[tuple[int, int]]
) -> dict[str, Any]:
    """:func:`evaluate`'s columns for ``values`` (canonical arrays) of ``n`` samples.

    Each column is filled block by block (a metric's block viewed as ``(n, labels,
    components)`` and assigned by broadcasting), so no temporary of the table's length is
    built (the vector-valued metrics give hundreds of rows per sample and track)."""
    import pandas as pd

    specs = [METRICS[name] for name in values]
    total = sum(array.size for array in values.values())
    kinds: dict[str, Any] = {
        "sample": np.int64,
        "track": np.int64,
        "metric": np.int8 if len(specs) < 127 else np.int64,
    }
    if any(spec.shape for spec in specs):
        kinds["bin"] = np.int64
    kinds["value"] = np.result_type(*values.values())
    if any(spec.pairwise for spec in specs):
        kinds["track_b"] = np.int64
    masks = {f"{label} mask": np.bool_ for label in ("bin", "track_b") if label in kinds}
    columns = _empty_columns(total, kinds | masks)
    start = 0
    for index, (spec, array) in enumerate(zip(specs, values.values(), strict=True)):
        first, second = _track_labels(spec.pairwise, n_tracks, pairs)
        size = math.prod(spec.shape)
        sources = {
            "sample": np.arange(n)[:, None, None],
            "track": first[:, None],
            "metric": index,
            "bin": np.arange(size) if spec.shape else -1,
            "value": array.reshape(n, len(first), size),
            "track_b": second[:, None],
        }
        for label in kinds:
            block = columns[label][start : start + array.size]
            block.reshape(n, len(first), size)[...] = sources[label]
        start += array.size
    columns["metric"] = pd.Categorical.from_codes(columns["metric"], list(values))
    for label in ("bin", "track_b"):
        if label in kinds:
            mask = np.less(columns[label], 0, out=columns.pop(f"{label} mask"))
            columns[label] = pd.arrays.IntegerArray(columns[label], mask=mask)
    return {label: columns[label] for label in kinds}


def _empty_columns(total: int, kinds: dict[str, Any]) -> dict[str, np.ndarray]:
    """Uninitialised columns of ``total`` rows of the dtypes ``kinds``, views of one buffer.

    One allocation of the whole table rather than one per column: numpy asks the kernel for
    huge pages for a buffer of 4 MiB or more, and a table of a few hundred thousand rows spent
    most of its time in page faults when each column was allocated alone (5.1 ms against
    0.3 ms for 415,232 rows of five 8-byte columns, on Linux with transparent huge pages)."""
    sizes = [-(-total * np.dtype(kind).itemsize // 8) * 8 for kind in kinds.values()]
    buffer = np.empty(sum(sizes), np.uint8)
    offsets = np.cumsum([0, *sizes])
    return {
        label: buffer[offset : offset + total * np.dtype(kind).itemsize].view(kind)
        for label, kind, offset in zip(kinds, kinds.values(), offsets[:-1], strict=True)
    }


def _track_labels(
    pairwise: bool, n_tracks: int, pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The ``track`` and ``track_b`` labels (-1: none) of one sample's values of a metric."""
    if pairwise:
        return np.array([a for a, _ in pairs], int), np.array([b for _, b in pairs], int)
    return np.arange(n_tracks), np.full(n_tracks, -1)


def _fill(doc: str | None) -> str:
    return (doc or "").replace("{conventions}", _CONVENTIONS).replace("{backend}", _BACKEND)


compute.__doc__ = _fill(compute.__doc__)
evaluate.__doc__ = _fill(evaluate.__doc__)
