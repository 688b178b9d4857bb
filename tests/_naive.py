"""A deliberately naive reference implementation of every musiceval metric.

Written from the docstrings of ``musiceval.metrics`` (and ``docs/conventions.md``), for ONE
track of ONE roll given as a 2-D bool array ``(n_steps, n_pitches)``. Everything is plain Python
loops over lists and ints; numpy is only used to hold the input. Nothing is imported from
musiceval, so a bug shared by both sides cannot hide: the scales, key names and the tonal
centroid are written down again here from music theory and from Harte et al. (2006).

Conventions (restated):
* a cell is active when it is True; pitch index ``p`` is MIDI ``lowest_pitch + p``;
* a note is a maximal run of active steps at one pitch, cut at the edges of the roll;
* ``per="bar"``: the metric of each bar alone (the bar is a roll of its own, so notes are cut at
  bar lines), averaged over the bars with at least one active cell where it is defined (not
  NaN), NaN if there is none.
"""

from __future__ import annotations

import math

NAN = float("nan")

# Scales from music theory: semitones above the tonic.
SCALES: dict[str, list[int]] = {
    "major": [0, 2, 4, 5, 7, 9, 11],  # W W H W W W H
    "ionian": [0, 2, 4, 5, 7, 9, 11],
    "dorian": [0, 2, 3, 5, 7, 9, 10],  # W H W W W H W
    "phrygian": [0, 1, 3, 5, 7, 8, 10],  # H W W W H W W
    "lydian": [0, 2, 4, 6, 7, 9, 11],  # W W W H W W H
    "mixolydian": [0, 2, 4, 5, 7, 9, 10],  # W W H W W H W
    "minor": [0, 2, 3, 5, 7, 8, 10],  # W H W W H W W
    "natural_minor": [0, 2, 3, 5, 7, 8, 10],
    "aeolian": [0, 2, 3, 5, 7, 8, 10],
    "locrian": [0, 1, 3, 5, 6, 8, 10],  # H W W H W W W
    "harmonic_minor": [0, 2, 3, 5, 7, 8, 11],  # natural minor with a raised 7th
    "melodic_minor": [0, 2, 3, 5, 7, 9, 11],  # ascending: raised 6th and 7th
}

_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

PER_BAR_METRICS = (
    "n_pitches_used",
    "n_pitch_classes_used",
    "in_scale_ratio",
    "scale_consistency",
    "polyphonic_rate",
    "qualified_note_rate",
    "pitch_range",
    "n_notes",
    "pitch_entropy",
    "pitch_class_entropy",
    "drum_in_pattern_rate",
    "polyphony",
    "lowest_active_pitch",
    "highest_active_pitch",
    "pitch_class_histogram",
    "pitch_histogram",
    "pitch_class_transition_matrix",
    "note_length_histogram",
    "ioi_mean",
    "ioi_std",
    "ioi_histogram",
    "pitch_shift",
    "note_length_transition_matrix",
)


# ---------------------------------------------------------------------------------------------
# Basic helpers
# ---------------------------------------------------------------------------------------------


def key_to_pc(key) -> int:
    """Pitch class of a key given as an int 0..11 or a name ("C", "F#", "Bb", "Gb", ...)."""
    if isinstance(key, int):
        return key
    pc = _LETTER[key[0].upper()]
    for accidental in key[1:]:
        if accidental == "#":
            pc += 1
        elif accidental == "b":
            pc -= 1
    return pc % 12


def as_lists(roll) -> list[list[bool]]:
    """The roll as a list (steps) of lists (pitches) of bools."""
    rows = []
    for step in roll.tolist():
        rows.append([bool(cell) for cell in step])
    return rows


def n_pitches_of(roll) -> int:
    return roll.shape[1]


def notes_of(roll) -> list[tuple[int, int, int]]:
    """Every note as (pitch index, start step, length), runs cut at the roll's edges."""
    rows = as_lists(roll)
    n_steps = len(rows)
    found = []
    for p in range(n_pitches_of(roll)):
        t = 0
        while t < n_steps:
            if rows[t][p]:
                start = t
                while t < n_steps and rows[t][p]:
                    t += 1
                found.append((p, start, t - start))
            else:
                t += 1
    return found


def active_cells(roll) -> list[tuple[int, int]]:
    """Every active cell as (step, pitch index)."""
    rows = as_lists(roll)
    cells = []
    for t in range(len(rows)):
        for p in range(len(rows[t])):
            if rows[t][p]:
                cells.append((t, p))
    return cells


def pitch_class(p: int, lowest_pitch: int) -> int:
    return (lowest_pitch + p) % 12


def pitch_histogram(roll, weight: str) -> dict[int, int]:
    """Active cells (or notes) per pitch index."""
    histogram: dict[int, int] = {}
    if weight == "cells":
        for _, p in active_cells(roll):
            histogram[p] = histogram.get(p, 0) + 1
    else:
        for p, _, _ in notes_of(roll):
            histogram[p] = histogram.get(p, 0) + 1
    return histogram


def pitch_class_histogram(roll, weight: str, lowest_pitch: int) -> list[int]:
    counts = [0] * 12
    for p, count in pitch_histogram(roll, weight).items():
        counts[pitch_class(p, lowest_pitch)] += count
    return counts


def entropy_bits(counts: list[int]) -> float:
    total = sum(counts)
    if total == 0:
        return NAN
    h = 0.0
    for count in counts:
        if count > 0:
            q = count / total
            h -= q * math.log2(q)
    return h + 0.0


def bars_of(roll, steps_per_bar: int) -> list:
    """The bars of a roll, each a roll of its own."""
    return [roll[b : b + steps_per_bar] for b in range(0, len(roll), steps_per_bar)]


def is_silent(roll) -> bool:
    return len(active_cells(roll)) == 0


def mean(values: list[float]) -> float:
    if not values:
        return NAN
    return sum(values) / len(values)


# ---------------------------------------------------------------------------------------------
# The metrics, one track of one roll (per="sample")
# ---------------------------------------------------------------------------------------------


def empty_bar_rate(roll, steps_per_bar: int = 16) -> float:
    bars = bars_of(roll, steps_per_bar)
    if not bars:
        return NAN
    empty = 0
    for bar in bars:
        if is_silent(bar):
            empty += 1
    return empty / len(bars)


def n_pitches_used(roll) -> float:
    used = set()
    for _, p in active_cells(roll):
        used.add(p)
    return float(len(used))


def n_pitch_classes_used(roll, lowest_pitch: int = 0) -> float:
    used = set()
    for _, p in active_cells(roll):
        used.add(pitch_class(p, lowest_pitch))
    return float(len(used))


def in_scale_ratio(
    roll, key=0, mode: str = "major", lowest_pitch: int = 0, weight: str = "cells"
) -> float:
    tonic = key_to_pc(key)
    scale = set()
    for step in SCALES[mode]:
        scale.add((tonic + step) % 12)
    counts = pitch_class_histogram(roll, weight, lowest_pitch)
    total = sum(counts)
    if total == 0:
        return NAN
    inside = 0
    for pc in range(12):
        if pc in scale:
            inside += counts[pc]
    return inside / total


def scale_consistency(
    roll, mode: str = "major", lowest_pitch: int = 0, weight: str = "cells"
) -> float:
    if is_silent(roll):
        return NAN
    best = 0.0
    for key in range(12):
        best = max(best, in_scale_ratio(roll, key, mode, lowest_pitch, weight))
    return best


def best_key(roll, mode: str = "major", lowest_pitch: int = 0, weight: str = "cells") -> float:
    if is_silent(roll):
        return NAN
    best, best_value = 0, -1.0
    for key in range(12):
        value = in_scale_ratio(roll, key, mode, lowest_pitch, weight)
        if value > best_value:  # strictly greater: ties keep the lowest pitch class
            best, best_value = key, value
    return float(best)


def polyphonic_rate(roll, min_pitches: int = 2) -> float:
    rows = as_lists(roll)
    if not rows:
        return NAN
    poly = 0
    for row in rows:
        sounding = 0
        for cell in row:
            if cell:
                sounding += 1
        if sounding >= min_pitches:
            poly += 1
    return poly / len(rows)


def qualified_note_rate(roll, min_steps: int = 2) -> float:
    notes = notes_of(roll)
    if not notes:
        return NAN
    qualified = 0
    for _, _, length in notes:
        if length >= min_steps:
            qualified += 1
    return qualified / len(notes)


def pitch_range(roll) -> float:
    pitches = [p for _, p in active_cells(roll)]
    if not pitches:
        return NAN
    return float(max(pitches) - min(pitches))


def n_notes(roll) -> float:
    return float(len(notes_of(roll)))


def pitch_entropy(roll, weight: str = "cells") -> float:
    return entropy_bits(list(pitch_histogram(roll, weight).values()))


def pitch_class_entropy(roll, lowest_pitch: int = 0, weight: str = "cells") -> float:
    return entropy_bits(pitch_class_histogram(roll, weight, lowest_pitch))


def polyphony(roll) -> float:
    """Active pitches per step, averaged over the steps with at least one (MusPy's rule)."""
    sounding_steps = 0
    active = 0
    for row in as_lists(roll):
        here = 0
        for cell in row:
            if cell:
                here += 1
        if here > 0:
            sounding_steps += 1
            active += here
    if sounding_steps == 0:
        return NAN
    return active / sounding_steps


def lowest_active_pitch(roll, lowest_pitch: int = 0) -> float:
    pitches = [p for _, p in active_cells(roll)]
    if not pitches:
        return NAN
    return float(lowest_pitch + min(pitches))


def highest_active_pitch(roll, lowest_pitch: int = 0) -> float:
    pitches = [p for _, p in active_cells(roll)]
    if not pitches:
        return NAN
    return float(lowest_pitch + max(pitches))


def normalize_counts(counts: list, normalize) -> list:
    """Counts (a list, or a list of rows) as fractions: "total", "row" or None (counts)."""
    if normalize is None:
        return [list(map(float, row)) if isinstance(row, list) else float(row) for row in counts]
    if counts and isinstance(counts[0], list):
        if normalize == "row":
            return [normalize_counts(row, "total") for row in counts]
        total = sum(sum(row) for row in counts)
        return [[NAN if total == 0 else c / total for c in row] for row in counts]
    total = sum(counts)
    return [NAN if total == 0 else c / total for c in counts]


def pitch_class_histogram_of(
    roll, weight: str = "cells", normalize="total", lowest_pitch: int = 0
) -> list[float]:
    """The 12-bin histogram, normalised (the metric ``pitch_class_histogram``)."""
    return normalize_counts(pitch_class_histogram(roll, weight, lowest_pitch), normalize)


def midi_pitch_histogram(
    roll, weight: str = "cells", normalize="total", lowest_pitch: int = 0
) -> list[float]:
    """The 128-bin histogram over MIDI pitches (bin ``lowest_pitch + p`` for index ``p``)."""
    counts = [0] * 128
    for p, count in pitch_histogram(roll, weight).items():
        counts[lowest_pitch + p] += count
    return normalize_counts(counts, normalize)


def set_transitions(starting: dict[int, set[int]], n_classes: int, normalize) -> list[list]:
    """Transitions between the classes starting at consecutive onset steps (every pair of a
    class starting at one onset step and a class starting at the next), normalised."""
    steps = sorted(starting)
    counts = [[0] * n_classes for _ in range(n_classes)]
    for i in range(len(steps) - 1):
        for a in starting[steps[i]]:
            for b in starting[steps[i + 1]]:
                counts[a][b] += 1
    return normalize_counts(counts, normalize)


def transition_matrix(roll, normalize="total", lowest_pitch: int = 0) -> list[list[float]]:
    """Pitch-class transitions between consecutive onset steps."""
    starting: dict[int, set[int]] = {}
    for p, start, _ in notes_of(roll):
        starting.setdefault(start, set()).add(pitch_class(p, lowest_pitch))
    return set_transitions(starting, 12, normalize)


def steps_histogram(values: list[int]) -> list[int]:
    """32 bins: 1..31 steps, then 32 or more."""
    counts = [0] * 32
    for value in values:
        counts[min(value, 32) - 1] += 1
    return counts


def note_lengths(roll, normalize="total") -> list[float]:
    """Notes per length: 32 bins, lengths 1..31 steps, then 32 or more."""
    return normalize_counts(steps_histogram([n for _, _, n in notes_of(roll)]), normalize)


def onset_pitches(roll) -> dict[int, list[int]]:
    """Each onset step (a step where a note starts) -> the pitch indices starting there."""
    starting: dict[int, list[int]] = {}
    for p, start, _ in notes_of(roll):
        starting.setdefault(start, []).append(p)
    return starting


def inter_onset_intervals(roll) -> list[int]:
    """Gaps between consecutive onset steps, in order."""
    steps = sorted(onset_pitches(roll))
    return [steps[i + 1] - steps[i] for i in range(len(steps) - 1)]


def ioi_std(roll) -> float:
    """Population standard deviation of the IOIs (one IOI: 0)."""
    gaps = inter_onset_intervals(roll)
    if not gaps:
        return NAN
    m = sum(gaps) / len(gaps)
    return math.sqrt(sum((d - m) ** 2 for d in gaps) / len(gaps))


def pitch_shift(roll) -> float:
    """Mean |difference| between the mean pitches of consecutive onset steps."""
    starting = onset_pitches(roll)
    means = [sum(starting[t]) / len(starting[t]) for t in sorted(starting)]
    return mean([abs(means[i + 1] - means[i]) for i in range(len(means) - 1)])


def length_octave(length: int) -> int:
    """Bin of a note length in the note-length transition matrix: 1, 2-3, 4-7, 8-15, 16-31,
    32 or more steps."""
    return sum(1 for bottom in (2, 4, 8, 16, 32) if length >= bottom)


def note_length_transitions(roll, normalize="total") -> list[list[float]]:
    """Length-bin transitions between consecutive onset steps."""
    starting: dict[int, set[int]] = {}
    for _, start, length in notes_of(roll):
        starting.setdefault(start, set()).add(length_octave(length))
    return set_transitions(starting, 6, normalize)


def drum_in_pattern_rate(roll, steps_per_beat: int = 4, grid: int = 2) -> float:
    spacing = steps_per_beat // grid
    notes = notes_of(roll)
    if not notes:
        return NAN
    on_grid = 0
    for _, start, _ in notes:
        if start % spacing == 0:
            on_grid += 1
    return on_grid / len(notes)


def groove_consistency(roll, steps_per_bar: int = 16) -> float:
    onset_sets = []
    for _ in range(len(roll) // steps_per_bar):
        onset_sets.append(set())
    for _, start, _ in notes_of(roll):
        onset_sets[start // steps_per_bar].add(start % steps_per_bar)
    distances = []
    for b in range(len(onset_sets) - 1):
        union = onset_sets[b] | onset_sets[b + 1]
        if not union:
            continue  # two onset-free bars: skipped
        differ = onset_sets[b] ^ onset_sets[b + 1]
        distances.append(len(differ) / len(union))
    if not distances:
        return NAN
    return 1.0 - sum(distances) / len(distances)


# ---------------------------------------------------------------------------------------------
# Tonal distance (Harte, Sandler and Gasser 2006)
# ---------------------------------------------------------------------------------------------


def harte_phi(pc: int, radii=(1.0, 1.0, 0.5)) -> list[float]:
    """Column ``pc`` of the 6 x 12 matrix: circle of fifths, minor thirds, major thirds."""
    r1, r2, r3 = radii
    fifths = pc * 7 * math.pi / 6
    minor_thirds = pc * 3 * math.pi / 2
    major_thirds = pc * 2 * math.pi / 3
    return [
        r1 * math.sin(fifths),
        r1 * math.cos(fifths),
        r2 * math.sin(minor_thirds),
        r2 * math.cos(minor_thirds),
        r3 * math.sin(major_thirds),
        r3 * math.cos(major_thirds),
    ]


def beat_chroma(roll, beat: int, steps_per_beat: int, lowest_pitch: int) -> list[int]:
    chroma = [0] * 12
    for t, p in active_cells(roll):
        if t // steps_per_beat == beat:
            chroma[pitch_class(p, lowest_pitch)] += 1
    return chroma


def tonal_centroid(chroma: list[int], radii=(1.0, 1.0, 0.5)) -> list[float] | None:
    total = sum(chroma)
    if total == 0:
        return None
    centroid = [0.0] * 6
    for pc in range(12):
        column = harte_phi(pc, radii)
        for d in range(6):
            centroid[d] += column[d] * chroma[pc] / total
    return centroid


def tonal_distance(
    roll_a, roll_b, steps_per_beat: int = 4, radii=(1.0, 1.0, 0.5), lowest_pitch: int = 0
) -> float:
    n_beats = len(roll_a) // steps_per_beat
    distances = []
    for beat in range(n_beats):
        a = tonal_centroid(beat_chroma(roll_a, beat, steps_per_beat, lowest_pitch), radii)
        b = tonal_centroid(beat_chroma(roll_b, beat, steps_per_beat, lowest_pitch), radii)
        if a is None or b is None:
            continue
        squared = 0.0
        for d in range(6):
            squared += (a[d] - b[d]) ** 2
        distances.append(math.sqrt(squared))
    return mean(distances)


# ---------------------------------------------------------------------------------------------
# Dispatch, with the per="bar" rule
# ---------------------------------------------------------------------------------------------


def metric(name: str, roll, *, lowest_pitch: int = 0, per: str = "sample", **options) -> float:
    """Value of metric ``name`` on one track, with only the options that metric takes.

    ``options`` may hold any of steps_per_bar, steps_per_beat, key, mode, weight, min_steps,
    min_pitches, grid; those the metric does not take are ignored.
    """
    steps_per_bar = options.get("steps_per_bar", 16)
    steps_per_beat = options.get("steps_per_beat", 4)
    key = options.get("key", 0)
    mode = options.get("mode", "major")
    weight = options.get("weight", "cells")
    calls = {
        "empty_bar_rate": lambda r: empty_bar_rate(r, steps_per_bar),
        "n_pitches_used": n_pitches_used,
        "n_pitch_classes_used": lambda r: n_pitch_classes_used(r, lowest_pitch),
        "in_scale_ratio": lambda r: in_scale_ratio(r, key, mode, lowest_pitch, weight),
        "scale_consistency": lambda r: scale_consistency(r, mode, lowest_pitch, weight),
        "best_key": lambda r: best_key(r, mode, lowest_pitch, weight),
        "polyphonic_rate": lambda r: polyphonic_rate(r, options.get("min_pitches", 2)),
        "qualified_note_rate": lambda r: qualified_note_rate(r, options.get("min_steps", 2)),
        "pitch_range": pitch_range,
        "n_notes": n_notes,
        "pitch_entropy": lambda r: pitch_entropy(r, weight),
        "pitch_class_entropy": lambda r: pitch_class_entropy(r, lowest_pitch, weight),
        "drum_in_pattern_rate": lambda r: drum_in_pattern_rate(
            r, steps_per_beat, options.get("grid", 2)
        ),
        "groove_consistency": lambda r: groove_consistency(r, steps_per_bar),
        "polyphony": polyphony,
        "lowest_active_pitch": lambda r: lowest_active_pitch(r, lowest_pitch),
        "highest_active_pitch": lambda r: highest_active_pitch(r, lowest_pitch),
        "pitch_class_histogram": lambda r: pitch_class_histogram_of(
            r, weight, options.get("normalize", "total"), lowest_pitch
        ),
        "pitch_histogram": lambda r: midi_pitch_histogram(
            r, weight, options.get("normalize", "total"), lowest_pitch
        ),
        "pitch_class_transition_matrix": lambda r: transition_matrix(
            r, options.get("normalize", "total"), lowest_pitch
        ),
        "note_length_histogram": lambda r: note_lengths(r, options.get("normalize", "total")),
        "ioi_mean": lambda r: mean(inter_onset_intervals(r)),
        "ioi_std": ioi_std,
        "ioi_histogram": lambda r: normalize_counts(  # IOIs per length, as note lengths
            steps_histogram(inter_onset_intervals(r)), options.get("normalize", "total")
        ),
        "pitch_shift": pitch_shift,
        "note_length_transition_matrix": lambda r: note_length_transitions(
            r, options.get("normalize", "total")
        ),
    }
    call = calls[name]
    if per == "bar" and name in PER_BAR_METRICS:
        values = []
        for bar in bars_of(roll, steps_per_bar):
            if not is_silent(bar):
                values.append(call(bar))
        return mean_of_values(values)
    return call(roll)


def mean_of_values(values: list):
    """Mean over the bars where the value is defined (not NaN; a non-empty bar can have none,
    e.g. no inter-onset interval), NaN where it never is; for vectors (lists, nested for a
    matrix), component by component."""
    if values and isinstance(values[0], list):
        return [component_mean([v[i] for v in values]) for i in range(len(values[0]))]
    return component_mean(values)


def component_mean(values: list):
    if values and isinstance(values[0], list):
        return [component_mean([v[i] for v in values]) for i in range(len(values[0]))]
    return mean([v for v in values if not math.isnan(v)])
