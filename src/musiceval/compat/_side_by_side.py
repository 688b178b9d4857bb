"""``side_by_side``: each DeepComposer or MuseGAN number beside the correct musiceval number."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musiceval._checks import check_choice, invalid
from musiceval.compat import deepcomposer, musegan
from musiceval.evaluate import evaluate
from musiceval.rolls import (
    Conventions,
    Layout,
    Roll,
    as_roll,
    check_divides,
    is_torch_tensor,
    make_conventions,
    to_canonical_axes,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TOOLS", "side_by_side"]

TOOLS: tuple[str, ...] = ("deepcomposer", "musegan")

# (compat metric, musiceval metric, why they differ), in output order
_DEEPCOMPOSER = (
    (
        "empty_bar_rate",
        "empty_bar_rate",
        "the lab averages any(cell > 0.5) over bars: the NON-empty rate, 1 - musiceval's on "
        "±1 data",
    ),
    (
        "unique_pitch_count",
        "n_pitches_used",
        "not a count: L2 norm over MIDI 24..107 of 1 - each pitch's signed sum over a bar's 16 "
        "steps; musiceval counts distinct pitches",
    ),
    (
        "in_scale_rate",
        "in_scale_ratio",
        "C-major mask on a block 'chroma' (bin i = MIDI 24+7i..30+7i, not pitch % 12) of signed "
        "raw values, pooled over samples",
    ),
)
_NO_CHROMA = "NaN unless n_pitches is a multiple of 12 (MuseGAN's to_chroma fails on 128)"
_CHROMA = ("n_pitch_classes_used", "in_scale_rate")  # src per-track metrics built on to_chroma
_MUSEGAN = (
    (
        "empty_bar_rate",
        "empty_bar_rate",
        "mean of any(cell > 0.5) over bars: the NON-empty rate, 1 - musiceval's",
    ),
    (
        "n_pitches_used",
        "n_pitches_used",
        "counts active cells per bar (MuseGAN #141), not distinct pitches; integer mean "
        "(tf.reduce_mean of int64 counts truncates)",
    ),
    (
        "n_pitch_classes_used",
        "n_pitch_classes_used",
        "counts nonzero block-chroma bins (consecutive pitches, not pitch % 12) per step, summed "
        f"over the bar; integer mean; {_NO_CHROMA}",
    ),
    (
        "polyphonic_rate",
        "polyphonic_rate",
        "steps with MORE than 2 pitches (3+); musiceval counts >= min_pitches (default 2)",
    ),
    (
        "in_scale_rate",
        "in_scale_ratio",
        "C-major mask on block chroma (consecutive pitches, not pitch % 12), pooled over "
        f"samples; {_NO_CHROMA}",
    ),
    (
        "qualified_note_rate",
        "qualified_note_rate",
        "pairs onsets and offsets in time-major order, so ~1 whatever the note lengths",
    ),
    (
        "drum_in_pattern_rate",
        "drum_in_pattern_rate",
        "weights active cells (not onsets) by a grid mask with 0.1 tolerance; MuseGAN reports "
        "track 0 only; NaN without a mask for this bar length",
    ),
    (
        "harmonicity",
        "tonal_distance",
        "block chroma; mean over all beats, NaN if either track has a silent beat; MuseGAN drops "
        f"track 0; {_NO_CHROMA}",
    ),
    (
        "v2.empty_bar",
        "empty_bar_rate",
        "correct definition; pooled over all bars rather than averaged per sample",
    ),
    (
        "v2.pitch_used",
        "n_pitches_used",
        "correct per-bar count; pooled over the non-empty bars of all samples",
    ),
    (
        "v2.qualified_note",
        "qualified_note_rate",
        "correct per bar (>= 2 steps); pooled over the non-empty bars of all samples",
    ),
    (
        "v2.polyphonicity",
        "polyphonic_rate",
        "steps with >= 2 pitches per bar; pooled over the non-empty bars of all samples",
    ),
    (
        "v2.in_scale",
        "in_scale_ratio",
        "C-major mask on v2's block chroma (always pads 12 - n_pitches % 12 pitches), per bar",
    ),
    (
        "v2.drum_pattern",
        "drum_in_pattern_rate",
        "counts onsets and note ends, best of 6 shifts of a 96-step filter; NaN for other bar "
        "lengths",
    ),
    (
        "v2.chroma_used",
        "n_pitch_classes_used",
        "nonzero bins of v2's block chroma (consecutive pitches, not pitch % 12) per bar",
    ),
    (
        "v2.tonal_distance",
        "tonal_distance",
        "block chroma; per bar, NaN if either track has a silent beat; nanmean over bars",
    ),
)
_PAIRWISE = ("harmonicity", "v2.tonal_distance")


def side_by_side(
    x: Any,
    tool: Literal["deepcomposer", "musegan"],
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    **conventions: Any,
) -> pd.DataFrame:
    """Each compatibility number of ``tool`` beside the correct musiceval number, with why.

    For ``tool="deepcomposer"``, ``x`` is what the lab takes, ``(n_samples, 32, 128, n_tracks)``
    ±1 data or raw tanh output: the lab's three metrics (:mod:`musiceval.compat.deepcomposer`)
    are computed on the raw values, as the lab does. For ``tool="musegan"`` the roll is
    binarised (``value > threshold``, which for tanh output in [-1, 1] and ``threshold=0`` is
    MuseGAN's ``round((x + 1) / 2)``), split into bars of ``steps_per_bar`` and scored with
    MuseGAN's ``src`` metrics and its paper-era ``v2`` evaluation
    (:mod:`musiceval.compat.musegan`, ``beat_resolution = steps_per_beat``, every track pair).
    MuseGAN's ``src`` chroma runs only on a multiple of 12 pitches (its 84, say): on other
    counts, 128 included, the ``n_pitch_classes_used``, ``in_scale_rate`` and ``harmonicity``
    rows are NaN, as are the drum rows for a bar length MuseGAN has no drum mask for.

    The musiceval column is the matching metric computed by :func:`musiceval.evaluate` with
    ``threshold`` (a cell is active when ``value > threshold``; on ±1 data ``threshold=0``
    gives the same cells as the lab's ``> 0.5``), ``per="bar"`` unless ``conventions`` says
    otherwise (MuseGAN and the lab report per-bar quantities), ``key="C"``, ``mode="major"``,
    and averaged over samples, skipping NaN.

    .. math:: \\text{musiceval\\_value}_k = \\operatorname{nanmean}_{n}\\, m(x_n)_k

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    tool : {"deepcomposer", "musegan"}
        Whose numbers to reproduce.
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold`` (musiceval, and MuseGAN's binarisation).
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128). ``"deepcomposer"`` needs
        the lab's 128 pitches from MIDI 0.
    **conventions
        Options for the musiceval metrics, as for :func:`musiceval.evaluate`
        (``steps_per_bar``, ``steps_per_beat``, ``key``, ``mode``, ``per``, ``min_pitches``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per compat metric and track: ``tool``, ``compat_metric``, ``track``,
        ``compat_value``, ``musiceval_metric``, ``musiceval_value``, ``explanation`` (one line
        on why they differ). For ``"musegan"`` a ``track_b`` column (nullable int) holds the
        second track of the pairwise rows (``harmonicity``, ``v2.tonal_distance``), ``track``
        the first; it is empty for the other rows.

    Examples
    --------
    >>> import numpy as np
    >>> from musiceval.compat import side_by_side
    >>> x = -np.ones((1, 32, 128, 1), dtype=np.float32)  # the lab's encoding: -1 is off
    >>> x[0, :, 60, 0] = 1.0  # C4 held through both bars
    >>> table = side_by_side(x, "deepcomposer")
    >>> table[["compat_metric", "compat_value", "musiceval_value"]].round(4)
            compat_metric  compat_value  musiceval_value
    0      empty_bar_rate        1.0000              0.0
    1  unique_pitch_count      155.6021              1.0
    2       in_scale_rate        0.5732              1.0
    """
    import pandas as pd

    check_choice("tool", tool, TOOLS)
    options = {"per": "bar", **conventions}
    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    specs: tuple[tuple[str, str, str], ...]
    if tool == "deepcomposer":
        if roll.lowest_pitch != 0:
            raise invalid(
                "lowest_pitch",
                "0 or None for tool='deepcomposer' (the lab's 128 MIDI pitches)",
                lowest_pitch,
            )
        raw = x.detach().cpu().numpy() if is_torch_tensor(x) else x
        values = to_canonical_axes(raw, layout)[0].astype(np.float64)  # one copy for the three
        compat = {name: getattr(deepcomposer, name)(values) for name, _, _ in _DEEPCOMPOSER}
        specs = _DEEPCOMPOSER
    else:
        compat = _musegan_values(roll, make_conventions(**options))
        specs = _MUSEGAN
    names = list(dict.fromkeys(metric for _, metric, _ in specs))
    table = evaluate(
        x, names, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, **options
    )
    means = _sample_means(table)
    rows = []
    for compat_name, metric, why in specs:
        pairwise = compat_name in _PAIRWISE
        labels = (
            _pair_labels(roll.n_tracks) if pairwise else [(t, None) for t in range(roll.n_tracks)]
        )
        for (a, b), value in zip(labels, compat[compat_name], strict=True):
            key = (metric, a, b)
            rows.append((tool, compat_name, a, b, float(value), metric, means.get(key), why))
    columns = ["tool", "compat_metric", "track", "track_b", "compat_value"]
    columns += ["musiceval_metric", "musiceval_value", "explanation"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["track_b"] = pd.array(frame["track_b"], dtype="Int64")
    frame["musiceval_value"] = frame["musiceval_value"].astype(np.float64)
    return frame if tool == "musegan" else frame.drop(columns="track_b")


def _pair_labels(n_tracks: int) -> list[tuple[int, int]]:
    return list(combinations(range(n_tracks), 2))


def _musegan_values(roll: Roll, options: Conventions) -> dict[str, np.ndarray]:
    """MuseGAN's ``src`` metrics and ``v2`` evaluation of the binarised roll, split into bars."""
    steps_per_bar = options.bar_length(roll)
    check_divides("steps_per_bar", steps_per_bar, roll.n_steps)
    check_divides("steps_per_beat", options.steps_per_beat, steps_per_bar, "steps_per_bar")
    n_samples, n_steps, n_pitches, n_tracks = roll.cells.shape
    shape = (n_samples, n_steps // steps_per_bar, steps_per_bar, n_pitches, n_tracks)
    bars = roll.cells.reshape(shape).astype(np.float64)  # one copy for every metric
    drums = (
        musegan.drum_in_pattern_rate(bars)
        if steps_per_bar in musegan.DRUM_MASK_BAR_LENGTHS
        else np.full(n_tracks, np.nan)
    )
    pairs = _pair_labels(n_tracks)
    values = {
        "empty_bar_rate": musegan.empty_bar_rate(bars),
        "n_pitches_used": musegan.n_pitches_used(bars),
        "polyphonic_rate": musegan.polyphonic_rate(bars),
        "qualified_note_rate": musegan.qualified_note_rate(bars),
        "drum_in_pattern_rate": drums,
    }
    if n_pitches % 12:  # MuseGAN's to_chroma fails: no number for the metrics built on it
        values.update({name: np.full(n_tracks, np.nan) for name in _CHROMA})
        values["harmonicity"] = np.full(len(pairs), np.nan)
    else:
        distances = musegan.harmonicity(bars, beat_resolution=options.steps_per_beat)
        values["n_pitch_classes_used"] = musegan.n_pitch_classes_used(bars)
        values["in_scale_rate"] = musegan.in_scale_rate(bars)
        values["harmonicity"] = np.array([distances[a, b] for a, b in pairs])
    v2 = musegan.evaluate_v2(bars, beat_resolution=options.steps_per_beat, pairs=pairs)
    values.update({f"v2.{name}": value for name, value in v2.items()})
    return values


def _sample_means(table: pd.DataFrame) -> dict[tuple[str, int, int | None], float]:
    """Mean over samples (NaN skipped) of each metric and track (or track pair)."""
    means = {}
    pairwise = "track_b" in table.columns
    for (metric, track, track_b), value in (
        table.assign(track_b=table["track_b"].fillna(-1) if pairwise else -1)
        .groupby(["metric", "track", "track_b"], observed=True)["value"]
        .mean()
        .items()
    ):
        means[(str(metric), int(track), None if track_b < 0 else int(track_b))] = float(value)
    return means
