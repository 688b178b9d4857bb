"""musiceval against its peers: pypianoroll 1.0.4 and MusPy 0.5.0, on real values.

Two kinds of tests live here (``docs/differences.md`` tells the same story in prose).

**Cross-checks** (``test_agrees_*``): on hypothesis-generated random rolls, our value equals the
peer's, exactly for counts and ratios and to 1e-12 for entropies, wherever the two definitions
agree. Every roll of a batch ``(n_samples, n_steps, 128, n_tracks)`` is given to the peer on its
own, as one ``(n_steps, 128)`` pypianoroll array or as a one-track ``muspy.Music`` decoded by
``muspy.from_pianoroll_representation`` (whose notes are the same maximal runs as ours).

- pypianoroll ``n_pitches_used`` = ``n_pitches_used``
- pypianoroll ``pitch_range`` = ``pitch_range`` (NaN for a silent roll in both)
- pypianoroll ``polyphonic_rate(threshold=k)`` = ``polyphonic_rate(min_pitches=k + 1)``
- MusPy ``n_pitches_used``, ``n_pitch_classes_used`` = ours (also on rolls cropped to 24..107
  with ``lowest_pitch=24``)
- MusPy ``pitch_range`` = ``pitch_range`` on every non-silent track
- MusPy ``pitch_entropy``, ``pitch_class_entropy`` = ours with ``weight="notes"`` (1e-12)
- MusPy ``pitch_in_scale_rate(root, mode)`` = ``in_scale_ratio(key=root, mode=mode,
  weight="notes")``, major and (natural) minor, all 12 roots
- MusPy ``scale_consistency`` = ``scale_consistency(weight="notes")`` in either mode (MusPy
  maximises over major and minor together: the same 12 pitch-class sets)
- MusPy ``polyphony_rate(threshold=k)`` = ``polyphonic_rate(min_pitches=k + 1)`` on the roll
  cut at the end of its last note (MusPy's denominator)
- MusPy ``drum_in_pattern_rate(meter)`` at resolution r = ``drum_in_pattern_rate(
  steps_per_beat=r, grid=g)``: duple is the 16th grid (g = 4) when 4 divides r, the 8th grid
  (g = 2) when only 2 does; triple is g = 3
- MusPy's piano-roll decoder finds the notes we count: ``n_notes``, ``qualified_note_rate``
- ``per="bar"`` = the peer on each bar alone, averaged over the non-empty bars
- pypianoroll ``empty_beat_rate(resolution=r)`` = ``1 - empty_bar_rate(steps_per_bar=r)`` (to
  1e-12): the complement, a defect, checked as a property.

**Peer defects** (``test_defect_*``): one test per documented defect, which runs the peer on a
small hand-made roll, asserts its wrong value (or error) and shows ours next to it. These go
through :func:`still_broken` / :func:`still_raises`: if a future peer release fixes the bug,
the failure says "the documented defect no longer reproduces ... may have fixed it" instead of
looking like a regression of ours. Divergences that are conventions rather than bugs (MusPy's
note weighting, pypianoroll's default polyphony threshold and ``root``) are plain tests.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me

pypianoroll = pytest.importorskip("pypianoroll")
muspy = pytest.importorskip("muspy")
pm = pypianoroll.metrics

PYPIANOROLL = f"pypianoroll {pypianoroll.__version__}"
MUSPY = f"MusPy {muspy.__version__}"

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- helpers ---------------------------------------------------------------------------------


def still_broken(condition: bool, peer: str, defect: str) -> None:
    """Assert that ``peer`` still shows ``defect``; if not, say that it may have been fixed."""
    if not condition:
        pytest.fail(
            f"{peer}: the documented defect no longer reproduces: {defect}. A new release may "
            f"have fixed it: update docs/differences.md and this test.",
            pytrace=False,
        )


def still_raises(peer: str, defect: str, function, *args, **kwargs) -> ValueError:
    """Assert that ``function(*args, **kwargs)`` still fails with the peer's ValueError (a
    reshape, broadcast or matmul mismatch deep inside it: the documented defect)."""
    try:
        function(*args, **kwargs)
    except ValueError as error:
        return error
    still_broken(False, peer, defect)
    raise AssertionError("unreachable")


def same(peer_value, ours, tol: float = 0.0) -> bool:
    """Both NaN, or equal within ``tol`` (0: exactly)."""
    peer_value, ours = float(peer_value), float(ours)
    if math.isnan(peer_value) or math.isnan(ours):
        return math.isnan(peer_value) and math.isnan(ours)
    return abs(peer_value - ours) <= tol


def rolls_of(x: np.ndarray):
    """Each (sample, track) of an NTPK batch as ``(n, k, bool (n_steps, n_pitches) roll)``."""
    for n in range(x.shape[0]):
        for k in range(x.shape[3]):
            yield n, k, np.ascontiguousarray(x[n, :, :, k] > 0)


def music(roll: np.ndarray, resolution: int = 4, is_drum: bool = False):
    """A one-track ``muspy.Music`` decoded from a bool (n_steps, 128) roll."""
    return muspy.from_pianoroll_representation(
        roll, resolution=resolution, encode_velocity=False, is_drum=is_drum
    )


def blank(n_steps: int) -> np.ndarray:
    return np.zeros((n_steps, 128), dtype=bool)


def tp(function, roll, **options) -> float:
    """Our metric on one (n_steps, n_pitches) roll."""
    return function(roll, layout="TP", **options)


@st.composite
def batches(draw, steps=(16, 32, 48, 64), low=0, high=128):
    """Random NTPK batches: a noise layer in a pitch window plus drawn notes.

    Velocities (uint8) half of the time, so that our binarisation is exercised too; the peers
    get the bool roll ``x > 0``.
    """
    n_samples = draw(st.integers(1, 2))
    n_tracks = draw(st.integers(1, 2))
    n_steps = draw(st.sampled_from(steps))
    lo = draw(st.integers(low, high - 1))
    hi = draw(st.integers(lo + 1, min(high, lo + 40)))
    density = draw(st.sampled_from([0.0, 0.01, 0.05, 0.3]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.zeros((n_samples, n_steps, 128, n_tracks), dtype=np.uint8)
    x[:, :, lo:hi] = (rng.random((n_samples, n_steps, hi - lo, n_tracks)) < density) * 100
    notes = st.tuples(
        st.integers(0, n_samples - 1),
        st.integers(0, n_tracks - 1),
        st.integers(low, high - 1),
        st.integers(0, n_steps - 1),
        st.integers(1, n_steps),
    )
    for n, k, pitch, start, length in draw(st.lists(notes, max_size=12)):
        x[n, start : start + length, pitch, k] = draw(st.integers(1, 127))
    return x if draw(st.booleans()) else x > 0


# --- cross-checks: pypianoroll -----------------------------------------------------------------


@SETTINGS
@given(batches())
def test_agrees_pypianoroll_n_pitches_used(x):
    """pypianoroll ``n_pitches_used`` = ours (distinct active pitches; 0 when silent)."""
    ours = me.n_pitches_used(x)
    for n, k, roll in rolls_of(x):
        assert pm.n_pitches_used(roll) == ours[n, k]


@SETTINGS
@given(batches())
def test_agrees_pypianoroll_pitch_range(x):
    """pypianoroll ``pitch_range`` = ours, NaN for a silent roll in both."""
    ours = me.pitch_range(x)
    for n, k, roll in rolls_of(x):
        assert same(pm.pitch_range(roll), ours[n, k])


@SETTINGS
@given(batches(), st.integers(0, 4))
def test_agrees_pypianoroll_polyphonic_rate_with_min_pitches_threshold_plus_one(x, threshold):
    """pypianoroll counts steps with ``> threshold`` pitches over all steps: ours with
    ``min_pitches = threshold + 1`` (same denominator, T)."""
    ours = me.polyphonic_rate(x, min_pitches=threshold + 1)
    for n, k, roll in rolls_of(x):
        assert same(pm.polyphonic_rate(roll, threshold=threshold), ours[n, k])


@SETTINGS
@given(batches(), st.sampled_from([1, 2, 4, 8, 16]))
def test_pypianoroll_empty_beat_rate_is_exactly_our_complement(x, resolution):
    """Defect as a property: pypianoroll's ``empty_beat_rate`` is the NON-empty beat rate, so it
    equals ``1 - empty_bar_rate(steps_per_bar=resolution)`` on every roll (to 1e-12: e.g. 1/48
    against 1 - 47/48)."""
    ours = me.empty_bar_rate(x, steps_per_bar=resolution)
    for n, k, roll in rolls_of(x):
        still_broken(
            same(pm.empty_beat_rate(roll, resolution), 1.0 - ours[n, k], 1e-12),
            PYPIANOROLL,
            "empty_beat_rate returns the non-empty beat fraction (1 - ours)",
        )


# --- cross-checks: MusPy -----------------------------------------------------------------------


@SETTINGS
@given(batches())
def test_agrees_muspy_pitch_counts_and_range(x):
    """MusPy ``n_pitches_used``, ``n_pitch_classes_used`` (pitch % 12) = ours; ``pitch_range``
    = ours on every non-silent track (MusPy gives 0 for silence, we give NaN)."""
    npu, npcu, prange = me.n_pitches_used(x), me.n_pitch_classes_used(x), me.pitch_range(x)
    for n, k, roll in rolls_of(x):
        song = music(roll)
        assert muspy.n_pitches_used(song) == npu[n, k]
        assert muspy.n_pitch_classes_used(song) == npcu[n, k]
        if roll.any():
            assert muspy.pitch_range(song) == prange[n, k]


@SETTINGS
@given(batches(low=24, high=108))
def test_agrees_muspy_on_cropped_rolls_with_lowest_pitch(x):
    """The DeepComposer crop: ours on pitches 24..107 with ``lowest_pitch=24`` = MusPy on the
    full roll (pitch classes, entropies and scale consistency depend on the offset)."""
    crop = x[:, :, 24:108]
    npcu = me.n_pitch_classes_used(crop, lowest_pitch=24)
    pce = me.pitch_class_entropy(crop, lowest_pitch=24, weight="notes")
    sc = me.scale_consistency(crop, lowest_pitch=24, weight="notes")
    prange = me.pitch_range(crop, lowest_pitch=24)
    for n, k, roll in rolls_of(x):
        song = music(roll)
        assert muspy.n_pitch_classes_used(song) == npcu[n, k]
        assert same(muspy.pitch_class_entropy(song), pce[n, k], 1e-12)
        assert same(muspy.scale_consistency(song), sc[n, k])
        if roll.any():
            assert muspy.pitch_range(song) == prange[n, k]


@SETTINGS
@given(batches())
def test_agrees_muspy_entropies_with_weight_notes(x):
    """MusPy ``pitch_entropy`` / ``pitch_class_entropy`` count notes: ours with
    ``weight="notes"``, to 1e-12; NaN for a silent track in both."""
    pe = me.pitch_entropy(x, weight="notes")
    pce = me.pitch_class_entropy(x, weight="notes")
    for n, k, roll in rolls_of(x):
        song = music(roll)
        assert same(muspy.pitch_entropy(song), pe[n, k], 1e-12)
        assert same(muspy.pitch_class_entropy(song), pce[n, k], 1e-12)


@SETTINGS
@given(batches(), st.sampled_from(["major", "minor"]))
def test_agrees_muspy_pitch_in_scale_rate_with_weight_notes(x, mode):
    """MusPy ``pitch_in_scale_rate(root, mode)`` (root = pitch class from C, notes counted) =
    ``in_scale_ratio(key=root, mode=mode, weight="notes")`` for all 12 roots."""
    ours = {root: me.in_scale_ratio(x, key=root, mode=mode, weight="notes") for root in range(12)}
    for n, k, roll in rolls_of(x):
        song = music(roll)
        for root in range(12):
            assert same(muspy.pitch_in_scale_rate(song, root, mode), ours[root][n, k])


@SETTINGS
@given(batches())
def test_agrees_muspy_scale_consistency_with_weight_notes(x):
    """MusPy maximises over 12 major and 12 minor scales, the same 12 pitch-class sets as ours
    for either mode: ``scale_consistency(weight="notes")`` equals it in both modes."""
    major = me.scale_consistency(x, weight="notes")
    minor = me.scale_consistency(x, mode="minor", weight="notes")
    for n, k, roll in rolls_of(x):
        theirs = muspy.scale_consistency(music(roll))
        assert same(theirs, major[n, k])
        assert same(theirs, minor[n, k])


@SETTINGS
@given(batches(), st.integers(0, 3))
def test_agrees_muspy_polyphony_rate_on_the_roll_cut_at_its_last_note(x, threshold):
    """MusPy ``polyphony_rate(threshold=k)`` counts steps with ``> k`` pitches over the steps up
    to the end of the last note: ours with ``min_pitches = k + 1`` on that prefix."""
    for _, _, roll in rolls_of(x):
        song = music(roll)
        if not roll.any():
            continue
        end = song.get_end_time()
        ours = tp(me.polyphonic_rate, roll[:end], min_pitches=threshold + 1)
        assert same(muspy.polyphony_rate(song, threshold=threshold), ours)


@pytest.mark.parametrize(
    ("resolution", "meter", "grid"),
    [
        *[(4, "duple", 4), (8, "duple", 4), (12, "duple", 4), (24, "duple", 4)],
        *[(6, "duple", 2), (3, "triple", 3), (6, "triple", 3), (12, "triple", 3)],
    ],
)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_agrees_muspy_drum_in_pattern_rate(resolution, meter, grid, data):
    """MusPy ``drum_in_pattern_rate(meter)`` counts drum notes starting on its pattern: at
    resolution r, duple = the 16th grid (4 | r) or 8th grid (only 2 | r), triple = thirds of a
    beat; = ``drum_in_pattern_rate(steps_per_beat=r, grid=g)``."""
    x = data.draw(batches(steps=(4 * resolution, 8 * resolution)))
    ours = me.drum_in_pattern_rate(x, steps_per_beat=resolution, grid=grid)
    for n, k, roll in rolls_of(x):
        song = music(roll, resolution=resolution, is_drum=True)
        assert same(muspy.drum_in_pattern_rate(song, meter), ours[n, k])


@SETTINGS
@given(batches(), st.integers(1, 4))
def test_agrees_muspy_decoder_on_notes(x, min_steps):
    """MusPy's piano-roll decoder finds the same notes (maximal runs per pitch): their count is
    ``n_notes`` and the share lasting ``>= min_steps`` is ``qualified_note_rate``."""
    count = me.n_notes(x)
    qnr = me.qualified_note_rate(x, min_steps=min_steps)
    for n, k, roll in rolls_of(x):
        notes = music(roll).tracks[0].notes
        assert len(notes) == count[n, k]
        qualified = sum(note.duration >= min_steps for note in notes)
        assert same(qualified / len(notes) if notes else math.nan, qnr[n, k])


@SETTINGS
@given(batches(steps=(32, 64)))
def test_agrees_per_bar_with_peers_on_each_bar_and_nanmean(x):
    """``per="bar"`` (MuseGAN's reporting): the peer on each 16-step bar alone, averaged over
    the non-empty bars. Checked with pypianoroll ``n_pitches_used`` and MusPy
    ``n_pitch_classes_used`` and ``scale_consistency`` (notes)."""
    ours = {
        "npu": me.n_pitches_used(x, per="bar"),
        "npcu": me.n_pitch_classes_used(x, per="bar"),
        "sc": me.scale_consistency(x, per="bar", weight="notes"),
    }
    for n, k, roll in rolls_of(x):
        bars = [roll[start : start + 16] for start in range(0, len(roll), 16)]
        bars = [bar for bar in bars if bar.any()]
        theirs = {
            "npu": [pm.n_pitches_used(bar) for bar in bars],
            "npcu": [muspy.n_pitch_classes_used(music(bar)) for bar in bars],
            "sc": [muspy.scale_consistency(music(bar)) for bar in bars],
        }
        for name, values in theirs.items():
            assert same(np.mean(values) if values else math.nan, ours[name][n, k], 1e-12)


# --- pypianoroll defects -----------------------------------------------------------------------


def test_defect_pypianoroll_empty_beat_rate_returns_the_non_empty_rate():
    """3 of 4 beats empty: pypianoroll 0.25, ours 0.75 (``pypianoroll/metrics.py``)."""
    roll = blank(16)
    roll[4:6, 60] = True
    assert tp(me.empty_bar_rate, roll, steps_per_bar=4) == 0.75
    still_broken(
        pm.empty_beat_rate(roll, 4) == 0.25, PYPIANOROLL, "empty_beat_rate 3-of-4-empty -> 0.25"
    )
    still_broken(
        pm.empty_beat_rate(blank(16), 4) == 0.0, PYPIANOROLL, "empty_beat_rate silent -> 0.0"
    )
    assert tp(me.empty_bar_rate, blank(16), steps_per_bar=4) == 1.0


def test_defect_pypianoroll_empty_beat_rate_needs_whole_beats():
    """18 steps at 4 per beat: pypianoroll fails in a reshape; ours names the problem."""
    still_raises(
        PYPIANOROLL,
        "empty_beat_rate on 18 steps at resolution 4 raises",
        pm.empty_beat_rate,
        blank(18),
        4,
    )
    with pytest.raises(ValueError, match="steps_per_bar=4 does not divide n_steps=18"):
        tp(me.empty_bar_rate, blank(18), steps_per_bar=4)


def test_defect_pypianoroll_pitch_classes_are_p_div_10():
    """``_to_chroma`` bins pitch p into p // 10: C4 + C5 -> 2 classes (ours 1), C4 + E4 -> 1
    (ours 2)."""
    octave, third = blank(16), blank(16)
    octave[:, [60, 72]] = True
    third[:, [60, 64]] = True
    still_broken(pm.n_pitch_classes_used(octave) == 2, PYPIANOROLL, "C4+C5 -> 2 pitch classes")
    still_broken(pm.n_pitch_classes_used(third) == 1, PYPIANOROLL, "C4+E4 -> 1 pitch class")
    assert tp(me.n_pitch_classes_used, octave) == 1
    assert tp(me.n_pitch_classes_used, third) == 2


def test_defect_pypianoroll_pitches_120_to_127_land_in_every_class():
    """One held E9 (MIDI 124) counts in all 12 bins: 12 pitch classes (ours 1) and an
    in-scale rate of 28/52 = 0.538 (ours 1.0: E is in C major)."""
    roll = blank(4)
    roll[:, 124] = True
    still_broken(pm.n_pitch_classes_used(roll.copy()) == 12, PYPIANOROLL, "MIDI 124 -> 12 classes")
    still_broken(
        pm.in_scale_rate(roll.copy()) == 28 / 52, PYPIANOROLL, "in_scale_rate of MIDI 124 = 28/52"
    )
    assert tp(me.n_pitch_classes_used, roll) == 1
    assert tp(me.in_scale_ratio, roll) == 1.0


def test_defect_pypianoroll_to_chroma_writes_into_the_callers_roll():
    """``_to_chroma`` adds pitches 120..127 into the caller's array: after
    ``n_pitch_classes_used``, MIDI 120 has been copied to pitches 0, 10, ..., 110."""
    roll = np.zeros((4, 128), dtype=np.uint8)
    roll[:, 120] = 1
    before = roll.copy()
    pm.n_pitch_classes_used(roll)
    changed = np.flatnonzero((roll != before).any(axis=0))
    still_broken(
        changed.tolist() == list(range(0, 120, 10)), PYPIANOROLL, "_to_chroma mutates its input"
    )
    frozen = before.copy()
    me.n_pitch_classes_used(frozen, layout="TP")
    np.testing.assert_array_equal(frozen, before)


def test_defect_pypianoroll_in_scale_rate_of_a_c_major_triad_is_zero():
    """C-E-G (60, 64, 67) all fall in bin 6: pypianoroll's C-major ``in_scale_rate`` is 0.0,
    ours 1.0 (and 0.0 in F# major)."""
    roll = blank(4)
    roll[:, [60, 64, 67]] = True
    still_broken(pm.in_scale_rate(roll) == 0.0, PYPIANOROLL, "in_scale_rate(C-E-G) = 0.0")
    assert tp(me.in_scale_ratio, roll) == 1.0
    assert tp(me.in_scale_ratio, roll, key="F#") == 0.0


def test_pypianoroll_in_scale_rate_root_counts_semitones_above_a():
    """A convention, not a bug: ``root=3`` is C major, ``root=0`` A major. On MIDI 0 (a C,
    alone in bin 0 so the binning does not matter) root 0 -> 0.0 and root 3 -> 1.0, like our
    ``key="A"`` and ``key="C"``."""
    roll = blank(4)
    roll[:, 0] = True
    assert pm.in_scale_rate(roll, root=0) == tp(me.in_scale_ratio, roll, key="A") == 0.0
    assert pm.in_scale_rate(roll, root=3) == tp(me.in_scale_ratio, roll, key="C") == 1.0


def test_defect_pypianoroll_in_scale_rate_weights_by_velocity():
    """The numerator sums velocities, the denominator counts cells: a held C4 at velocity 100
    gives 100.0 (root=4, the key whose mask covers bin 6); ours is a ratio, 1.0."""
    roll = np.zeros((4, 128), dtype=np.uint8)
    roll[:, 60] = 100
    still_broken(
        pm.in_scale_rate(roll, root=4) == 100.0, PYPIANOROLL, "in_scale_rate on velocities = 100"
    )
    assert tp(me.in_scale_ratio, roll) == 1.0


def test_defect_pypianoroll_qualified_note_rate_raises_on_bool_and_uint8():
    """bool is cast to uint8 and ``np.diff`` wraps 0 - 1 to 255, so offsets count as onsets and
    the arrays cannot be paired: ValueError. Ours: 0.0 (one one-step note)."""
    roll = blank(8)
    roll[0, 60] = True
    for dtype in (bool, np.uint8):
        still_raises(
            PYPIANOROLL,
            f"qualified_note_rate raises on {np.dtype(dtype)}",
            pm.qualified_note_rate,
            roll.astype(dtype),
        )
    assert tp(me.qualified_note_rate, roll) == 0.0


def test_defect_pypianoroll_qualified_note_rate_is_one_on_int_rolls():
    """On int64 rolls onsets and offsets are paired in time-major flat order, and their index
    difference is a multiple of 128: two one-step notes give 1.0 (ours 0.0), and so does every
    random roll tried."""
    roll = np.zeros((8, 128), dtype=np.int64)
    roll[0, 60] = roll[4, 62] = 1
    still_broken(pm.qualified_note_rate(roll) == 1.0, PYPIANOROLL, "two 1-step notes -> 1.0")
    assert tp(me.qualified_note_rate, roll) == 0.0
    rng = np.random.default_rng(0)
    for _ in range(20):
        noise = (rng.random((32, 128)) < 0.05).astype(np.int64)
        still_broken(pm.qualified_note_rate(noise) == 1.0, PYPIANOROLL, "random int roll -> 1.0")
        assert tp(me.qualified_note_rate, noise) < 0.2


def test_pypianoroll_polyphonic_rate_default_is_three_pitches():
    """A divergence of defaults, not a bug: pypianoroll's ``threshold=2`` is strict (3+ pitches),
    so a held dyad gives 0.0; ours (``min_pitches=2``, ``>=``) 1.0."""
    roll = blank(8)
    roll[:, [60, 64]] = True
    assert pm.polyphonic_rate(roll) == 0.0
    assert pm.polyphonic_rate(roll, threshold=1) == tp(me.polyphonic_rate, roll) == 1.0


def test_defect_pypianoroll_drum_in_pattern_rate_only_runs_on_one_beat():
    """The pattern mask is one beat long and multiplies the per-step counts: any roll whose
    length is not the resolution fails. On one beat it counts cells, with off-grid neighbours
    weighted 0.1: a kick on the beat and a snare one 32nd later -> 0.55 (ours 0.5)."""
    roll = blank(16)
    roll[0, 36] = True
    still_raises(
        PYPIANOROLL,
        "drum_in_pattern_rate on 16 steps at resolution 4 raises",
        pm.drum_in_pattern_rate,
        roll,
        4,
    )
    assert tp(me.drum_in_pattern_rate, roll) == 1.0
    beat = blank(8)
    beat[0, 36] = beat[1, 38] = True
    still_broken(
        pm.drum_in_pattern_rate(beat, 8) == 0.55, PYPIANOROLL, "tolerance-weighted hits -> 0.55"
    )
    assert tp(me.drum_in_pattern_rate, beat, steps_per_beat=8, grid=2) == 0.5


def _two_tracks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.stack([a, b], axis=-1)[None]


def test_defect_pypianoroll_tonal_distance():
    """Only resolution 12 runs (the matmul contracts the step-within-beat axis, not the chroma
    axis), and then a held C4 against a held F#4 (both bin 6) gives 0.0; ours 2.83. A beat
    where one track is silent makes it NaN (0/0); ours skips that beat."""
    c, f_sharp = blank(24), blank(24)
    c[:, 60] = True
    f_sharp[:, 66] = True
    still_raises(
        PYPIANOROLL,
        "tonal_distance at resolution 4 raises",
        pm.tonal_distance,
        c[:8],
        f_sharp[:8],
        4,
    )
    still_broken(
        abs(pm.tonal_distance(c, f_sharp, 12)) < 1e-12, PYPIANOROLL, "C vs F# tonal distance 0"
    )
    ours = me.tonal_distance(_two_tracks(c, f_sharp), 0, 1, steps_per_beat=12)[0]
    assert ours == pytest.approx(2 * math.sqrt(2))
    half = c.copy()
    half[12:] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        still_broken(math.isnan(pm.tonal_distance(half, c, 12)), PYPIANOROLL, "silent beat -> NaN")
    assert me.tonal_distance(_two_tracks(half, c), 0, 1, steps_per_beat=12)[0] == 0.0


def test_pypianoroll_ratio_metrics_on_a_silent_roll():
    """Agreement on silence where both are ratios: NaN for in-scale and qualified-note rates,
    0.0 for the polyphonic rate, NaN for the pitch range."""
    roll = blank(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert math.isnan(pm.in_scale_rate(roll)) and math.isnan(tp(me.in_scale_ratio, roll))
    assert math.isnan(pm.qualified_note_rate(roll.astype(np.int64)))
    assert math.isnan(tp(me.qualified_note_rate, roll))
    assert pm.polyphonic_rate(roll) == tp(me.polyphonic_rate, roll) == 0.0
    assert math.isnan(pm.pitch_range(roll)) and math.isnan(tp(me.pitch_range, roll))


# --- MusPy defects -----------------------------------------------------------------------------


def test_defect_muspy_empty_measure_rate_counts_one_measure_too_many():
    """``n = length // unit + 1`` and a note ending on a bar line occupies the next bar: bars 1
    and 4 of 4 filled -> 1 - 4/5 = 0.2 (ours 0.5); the same with beats."""
    roll = blank(64)
    roll[0:16, 60] = roll[48:64, 60] = True
    assert tp(me.empty_bar_rate, roll) == 0.5
    song = music(roll)
    still_broken(
        muspy.empty_measure_rate(song, 16) == pytest.approx(0.2), MUSPY, "2 of 4 empty -> 0.2"
    )
    beats = blank(16)
    beats[0:4, 60] = beats[12:16, 60] = True
    still_broken(
        muspy.empty_beat_rate(music(beats, resolution=4)) == pytest.approx(0.2),
        MUSPY,
        "2 of 4 empty beats -> 0.2",
    )
    assert tp(me.empty_bar_rate, beats, steps_per_bar=4) == 0.5


@pytest.mark.parametrize(
    ("steps", "muspy_value"),
    [((0, 4), 0.0), ((16, 20), 0.5), ((48, 64), 0.6)],
    ids=["short-note-in-bar-1", "short-note-in-bar-2", "bar-4-held-to-the-end"],
)
def test_defect_three_of_four_bars_empty_across_peers(steps, muspy_value):
    """One note, 3 of 4 bars empty: ours 0.75 wherever the note is; pypianoroll 0.25 (the
    non-empty rate); MusPy 0.0, 0.5 or 0.6 depending on where the note is (its bar count is
    the end of the last note // 16 + 1)."""
    roll = blank(64)
    roll[slice(*steps), 60] = True
    assert tp(me.empty_bar_rate, roll) == 0.75
    still_broken(pm.empty_beat_rate(roll, 16) == 0.25, PYPIANOROLL, "3 of 4 empty bars -> 0.25")
    still_broken(
        muspy.empty_measure_rate(music(roll), 16) == pytest.approx(muspy_value),
        MUSPY,
        f"3 of 4 empty bars, note at steps {steps} -> {muspy_value}",
    )


def test_empty_bar_rate_of_a_silent_roll_across_peers():
    """Four silent bars: ours 1.0, pypianoroll 0.0 (non-empty rate), MusPy NaN (no note, so no
    length)."""
    assert tp(me.empty_bar_rate, blank(64)) == 1.0
    assert pm.empty_beat_rate(blank(64), 16) == 0.0
    assert math.isnan(muspy.empty_measure_rate(music(blank(64)), 16))


def test_defect_muspy_empty_measure_rate_ignores_trailing_silence():
    """A song ends with its last note: bars 3 and 4 silent, notes in bars 1 and 2 -> 0.0
    (ours 0.5)."""
    roll = blank(64)
    roll[0:4, 60] = roll[16:20, 60] = True
    still_broken(muspy.empty_measure_rate(music(roll), 16) == 0.0, MUSPY, "trailing silence -> 0.0")
    assert tp(me.empty_bar_rate, roll) == 0.5


def test_defect_muspy_pitch_range_of_drums_and_silence():
    """Drums are skipped but the 0/127 initial values are not: drum-only music -> -127; no note
    at all -> 0. Ours is NaN for a silent track (and counts whatever track it is given)."""
    kick = blank(16)
    kick[0, 36] = True
    still_broken(
        muspy.pitch_range(music(kick, is_drum=True)) == -127, MUSPY, "drum-only range -127"
    )
    still_broken(muspy.pitch_range(music(blank(16))) == 0, MUSPY, "silent range 0")
    assert tp(me.pitch_range, kick) == 0.0
    assert math.isnan(tp(me.pitch_range, blank(16)))


def test_defect_muspy_polyphony_rate_strict_and_cut_at_the_last_note():
    """A dyad held for 4 of 16 steps: MusPy's default (``> 2``) gives 0.0, ``threshold=1``
    gives 4/4 = 1.0 (denominator: end of the last note); ours 4/16 = 0.25."""
    roll = blank(16)
    roll[0:4, [60, 64]] = True
    song = music(roll)
    still_broken(muspy.polyphony_rate(song) == 0.0, MUSPY, "dyad, default threshold -> 0.0")
    still_broken(muspy.polyphony_rate(song, threshold=1) == 1.0, MUSPY, "dyad, >1 -> 1.0")
    assert tp(me.polyphonic_rate, roll) == 0.25


def test_defect_muspy_groove_consistency_rewards_shared_silence():
    """Issue #73: a silent bar then a one-kick bar. MusPy divides the Hamming distance by the
    bar length: 1 - 1/16 = 0.9375 at 16 steps (the issue's MIDI files give 0.9667). Ours 0.0;
    identical bars give 1.0 in both."""
    roll = blank(32)
    roll[16, 36] = True
    still_broken(
        muspy.groove_consistency(music(roll, is_drum=True), 16) == 0.9375,
        MUSPY,
        "silent bar then kick bar -> 0.9375",
    )
    assert tp(me.groove_consistency, roll) == 0.0
    roll[0, 36] = True
    assert muspy.groove_consistency(music(roll, is_drum=True), 16) == 1.0
    assert tp(me.groove_consistency, roll) == 1.0


def test_muspy_note_weighting_is_weight_notes():
    """A divergence of weighting, not a bug: C4 held 14 steps, C#4 for 2. MusPy counts notes
    (1 of 2 in C major: 0.5; pitch entropy 1 bit) = ours with ``weight="notes"``; our default
    counts cells (14/16 in C major; entropy 0.544 bits)."""
    roll = blank(16)
    roll[0:14, 60] = roll[14:16, 61] = True
    assert muspy.pitch_in_scale_rate(music(roll), 0, "major") == 0.5
    assert tp(me.in_scale_ratio, roll, weight="notes") == 0.5
    assert tp(me.in_scale_ratio, roll) == 14 / 16
    song = music(roll)
    assert muspy.pitch_entropy(song) == tp(me.pitch_entropy, roll, weight="notes") == 1.0
    assert tp(me.pitch_entropy, roll) == pytest.approx(0.5435644431995964, abs=1e-12)


def test_defect_muspy_from_pypianoroll_inverts_the_velocity_flag():
    """Not a metric, but on the way to one: ``from_pypianoroll_track`` passes
    ``encode_velocity = (dtype == bool)``, so a BinaryTrack decodes with velocity 1 and a
    StandardTrack at velocity 100 decodes with the default 64. The notes are right."""
    roll = np.zeros((8, 128), dtype=np.uint8)
    roll[0:4, 60] = 100
    binary = pypianoroll.Multitrack(
        resolution=4, tracks=[pypianoroll.BinaryTrack(pianoroll=roll > 0)]
    )
    standard = pypianoroll.Multitrack(
        resolution=4, tracks=[pypianoroll.StandardTrack(pianoroll=roll)]
    )
    (b_note,) = muspy.from_pypianoroll(binary).tracks[0].notes
    (s_note,) = muspy.from_pypianoroll(standard).tracks[0].notes
    assert (b_note.time, b_note.pitch, b_note.duration) == (0, 60, 4)
    still_broken(b_note.velocity == 1, MUSPY, "BinaryTrack decodes with velocity 1")
    still_broken(s_note.velocity == 64, MUSPY, "StandardTrack velocity 100 decodes as 64")
