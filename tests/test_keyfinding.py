"""find_key: hand-computed keys, properties, a direct np.corrcoef check and music21 on chorales."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest

from musiceval import keyfinding
from musiceval.exceptions import InvalidParameterError
from musiceval.keyfinding import KEY_PROFILES, PROFILES, find_key

# Albrecht & Shanahan (2013), as printed in AMADS (music-computing/amads,
# amads/pitch/key/profiles.py, class AlbrechtShanahan) and musicaiz
# (musicaiz/algorithms/key_profiles.py, class AlbrechtShanahan), which agree.
ALBRECHT_MAJOR = [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.08, 0.008, 0.081]
ALBRECHT_MINOR = [0.22, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]


def _roll_from_histogram(histograms: np.ndarray) -> np.ndarray:
    """An NTPK roll of 12 pitches (MIDI 60-71) whose cells histogram is each row of
    ``histograms`` (shape (n, 12), ints): pitch class c is held for ``histograms[i, c]`` steps."""
    histograms = np.asarray(histograms, dtype=np.int64)
    steps = np.arange(max(int(histograms.max()), 1))
    return (steps[None, :, None] < histograms[:, None, :])[..., None]


def _notes_histogram(x: np.ndarray, lowest: int = 0) -> np.ndarray:
    """Note onsets per pitch class, by walking every pitch row (the slow way)."""
    n, t, p, k = x.shape
    out = np.zeros((n, k, 12))
    for i in range(n):
        for track in range(k):
            for pitch in range(p):
                row = x[i, :, pitch, track]
                out[i, track, (lowest + pitch) % 12] += sum(
                    1 for s in range(t) if row[s] and (s == 0 or not row[s - 1])
                )
    return out


def test_profiles_are_the_published_numbers_and_read_only():
    from music21.analysis import discrete

    kk, tkp = discrete.KrumhanslKessler(), discrete.TemperleyKostkaPayne()
    assert PROFILES["krumhansl"] == (tuple(kk.getWeights("major")), tuple(kk.getWeights("minor")))
    assert PROFILES["temperley"] == (tuple(tkp.getWeights("major")), tuple(tkp.getWeights("minor")))
    assert PROFILES["albrecht"] == (tuple(ALBRECHT_MAJOR), tuple(ALBRECHT_MINOR))
    assert tuple(PROFILES) == KEY_PROFILES
    with pytest.raises(TypeError):
        PROFILES["krumhansl"] = PROFILES["temperley"]  # type: ignore[index]


@pytest.mark.parametrize("profile", KEY_PROFILES)
@pytest.mark.parametrize("weight", ["cells", "notes"])
def test_a_c_major_scale_with_a_long_tonic_is_c_major(profile, weight):
    x = np.zeros((1, 32, 128, 1), dtype=bool)
    start = 0
    for pitch, steps in {60: 8, 62: 3, 64: 4, 65: 3, 67: 6, 69: 3, 71: 3, 72: 2}.items():
        x[0, start : start + steps, pitch, 0] = True
        start += steps
    key = find_key(x, profile, weight=weight)
    assert (key.tonic[0, 0], key.mode[0, 0]) == (0, "major")
    assert key.correlation[0, 0] == key.correlations[0, 0, 0] == np.nanmax(key.correlations)


@pytest.mark.parametrize("profile", KEY_PROFILES)
def test_transposing_by_k_moves_the_tonic_by_k_and_rotates_the_correlations(profile):
    rng = np.random.default_rng(3)
    base = np.zeros((16, 128, 1), dtype=bool)
    for pitch, steps in {48: 9, 50: 2, 52: 5, 53: 3, 55: 7, 57: 4, 59: 2, 64: 3}.items():
        base[rng.permutation(16)[: steps + 2], pitch, 0] = True
    x = np.stack([np.roll(base, k, axis=1) for k in range(12)])  # 12 transpositions
    key = find_key(x, profile)
    assert key.tonic[:, 0].tolist() == [(key.tonic[0, 0] + k) % 12 for k in range(12)]
    assert set(key.mode[:, 0].tolist()) == {key.mode[0, 0]}
    first = key.correlations[0, 0]
    for k in range(12):
        rotated = np.concatenate([np.roll(first[:12], k), np.roll(first[12:], k)])
        np.testing.assert_allclose(key.correlations[k, 0], rotated, rtol=0, atol=1e-12)


def test_a_held_a_minor_triad_is_a_minor_with_the_hand_computed_correlation():
    x = np.zeros((8, 128), dtype=bool)
    x[:, [57, 60, 64]] = True  # A, C, E
    key = find_key(x, "krumhansl", layout="TP")
    assert (key.tonic.shape, key.tonic[0, 0], key.mode[0, 0]) == ((1, 1), 9, "minor")
    # h is 1 on {A, C, E}, 0 elsewhere: sum (h - 1/4)(w - mean w) = w_A + w_C + w_E - 3 mean w,
    # ||h - 1/4|| = sqrt(3 (3/4)^2 + 9 (1/4)^2) = 1.5; in A minor A, C, E are degrees 0, 3, 7.
    minor = np.array(PROFILES["krumhansl"][1])
    expected = (6.33 + 5.38 + 4.75 - 3 * minor.mean()) / (
        1.5 * np.linalg.norm(minor - minor.mean())
    )
    assert key.correlation[0, 0] == pytest.approx(expected, rel=1e-12)
    assert key.correlation[0, 0] == pytest.approx(0.888553, abs=1e-6)


def test_a_silent_track_or_a_flat_histogram_has_no_key():
    x = np.zeros((2, 12, 128, 3), dtype=np.uint8)
    x[:, :, 60, 1] = 1  # track 1: a held C
    x[:, 0, 60:72, 2] = 1  # track 2: every pitch class once (no variance)
    key = find_key(x)
    assert key.tonic.tolist() == [[-1, 0, -1]] * 2
    assert key.mode.tolist() == [["", "major", ""]] * 2
    assert (
        np.isnan(key.correlation[:, [0, 2]]).all() and np.isnan(key.correlations[:, [0, 2]]).all()
    )
    assert np.isfinite(key.correlations[:, 1]).all()


@pytest.mark.parametrize(
    ("profile", "scale"), [("krumhansl", 100), ("temperley", 1000), ("albrecht", 1000)]
)
def test_a_histogram_equal_to_a_profile_rotation_correlates_1_with_that_key(profile, scale):
    rows, expected = [], []
    for mode, weights in enumerate(PROFILES[profile]):
        counts = np.rint(np.array(weights) * scale).astype(np.int64)
        for tonic in (0, 2, 9, 11):
            rows.append(counts[(np.arange(12) - tonic) % 12])
            expected.append(12 * mode + tonic)
    key = find_key(_roll_from_histogram(np.array(rows)), profile, lowest_pitch=60)
    best = np.nanargmax(key.correlations[:, 0], axis=1)
    assert best.tolist() == expected
    np.testing.assert_allclose(key.correlation[:, 0], 1.0, rtol=0, atol=1e-12)
    assert key.tonic[:, 0].tolist() == [i % 12 for i in expected]


@pytest.mark.parametrize("weight", ["cells", "notes"])
def test_the_correlations_are_np_corrcoef_with_every_rotation(weight):
    rng = np.random.default_rng(11)
    x = rng.random((4, 40, 84, 2)) < 0.04
    lowest = 24
    if weight == "cells":
        pcs = (lowest + np.arange(84)) % 12
        histogram = np.stack([x.sum(axis=1)[:, pcs == c].sum(axis=1) for c in range(12)], -1)
    else:
        histogram = _notes_histogram(x, lowest)
    for profile in KEY_PROFILES:
        key = find_key(x, profile, lowest_pitch=lowest, weight=weight)
        major, minor = (np.array(w) for w in PROFILES[profile])
        keys = [np.roll(major, t) for t in range(12)] + [np.roll(minor, t) for t in range(12)]
        for i in range(4):
            for k in range(2):
                direct = [np.corrcoef(histogram[i, k], w)[0, 1] for w in keys]
                np.testing.assert_allclose(key.correlations[i, k], direct, rtol=0, atol=1e-12)
                assert key.correlation[i, k] == pytest.approx(max(direct), rel=0, abs=1e-12)


def test_notes_count_onsets_and_cells_count_steps():
    x = np.zeros((1, 10, 128, 1), dtype=bool)
    x[0, 0:6, 67, 0] = True  # one long G: 6 cells, 1 note
    x[0, [0, 2, 4, 6], 60, 0] = True  # four short Cs: 4 cells, 4 notes
    x[0, [1, 3, 5], 64, 0] = True  # three short Es: 3 cells, 3 notes
    major = np.array(PROFILES["krumhansl"][0])
    for weight, (c, e, g) in {"cells": (4, 3, 6), "notes": (4, 3, 1)}.items():
        histogram = np.zeros(12)
        histogram[[0, 4, 7]] = c, e, g
        got = find_key(x, weight=weight).correlations[0, 0, :12]
        direct = [np.corrcoef(histogram, np.roll(major, t))[0, 1] for t in range(12)]
        np.testing.assert_allclose(got, direct, rtol=0, atol=1e-12)


def test_layouts_give_the_canonical_sample_and_track_axes():
    rng = np.random.default_rng(5)
    x = rng.random((3, 32, 128, 2)) < 0.05
    ntpk = find_key(x)
    nbspk = find_key(x.reshape(3, 2, 16, 128, 2), layout="NBSPK")
    np.testing.assert_array_equal(nbspk.correlations, ntpk.correlations)
    ktp = find_key(np.moveaxis(x[0], -1, 0), layout="KTP")
    assert ktp.tonic.shape == (1, 2)
    np.testing.assert_array_equal(ktp.correlations[0], ntpk.correlations[0])
    velocity = find_key(x * 80.0, threshold=40.0)
    np.testing.assert_array_equal(velocity.correlations, ntpk.correlations)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"profile": "bellman"}, "profile must be one of ['krumhansl', 'temperley', 'albrecht']; "
         "got 'bellman'"),
        ({"weight": "beats"}, "weight must be one of ['cells', 'notes']; got 'beats'"),
    ],
)  # fmt: skip
def test_bad_options_name_the_argument(options, message):
    with pytest.raises(InvalidParameterError) as error:
        find_key(np.zeros((4, 128), dtype=bool), layout="TP", **options)
    assert str(error.value) == message


def test_the_docstring_examples_run():
    results = doctest.testmod(keyfinding, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 3 and results.failed == 0


def _music21_correlations(analysis, histogram: np.ndarray) -> np.ndarray:
    """music21's 24 coefficients for a stream whose pitch class c lasts histogram[c] steps."""
    from music21 import note, stream

    melody = stream.Stream()
    for pitch_class, steps in enumerate(histogram):
        if steps:
            melody.append(note.Note(60 + pitch_class, quarterLength=steps / 4))
    best = analysis.getSolution(melody)
    out = np.full(24, np.nan)
    for key in [best, *best.alternateInterpretations]:
        out[key.tonic.pitchClass + (12 if key.mode == "minor" else 0)] = key.correlationCoefficient
    return out


def test_chorales_agree_with_music21(tmp_path: Path):
    from music21.analysis import discrete

    from musiceval.datasets import load_chorales

    class AlbrechtShanahan(discrete.KeyWeightKeyAnalysis):  # music21 has no such class
        def getWeights(self, weightType="major"):
            return ALBRECHT_MAJOR if weightType == "major" else ALBRECHT_MINOR

    analyses = {
        "krumhansl": discrete.KrumhanslKessler(),
        "temperley": discrete.TemperleyKostkaPayne(),
        "albrecht": AlbrechtShanahan(),
    }
    x = load_chorales(limit=10, cache_dir=tmp_path, progress=False)
    merged = x.any(axis=3, keepdims=True)  # S, A, T and B as one track
    cells = merged[..., 0].sum(axis=1)
    histogram = np.stack([cells[:, c::12].sum(axis=1) for c in range(12)], axis=1)
    compared = 0
    for profile, analysis in analyses.items():
        key = find_key(merged, profile)
        for i in range(len(x)):
            theirs = _music21_correlations(analysis, histogram[i])
            np.testing.assert_allclose(key.correlations[i, 0], theirs, rtol=0, atol=1e-9)
            first, second = np.sort(theirs)[::-1][:2]
            if first - second > 1e-6:  # music21's answer is unambiguous
                best = int(np.argmax(theirs))
                assert (key.tonic[i, 0], key.mode[i, 0]) == (
                    best % 12,
                    ["major", "minor"][best // 12],
                )
                compared += 1
    assert len(x) >= 10 and compared >= 3 * len(x) - 3


# ---- in_scale_ratio(key="auto") ------------------------------------------------------------


def test_auto_key_ratio_by_hand():
    import musiceval

    x = np.zeros((2, 32, 128, 2), dtype=bool)
    x[0, :, [57, 60, 64], 0] = True  # A minor triad: A natural minor holds all three
    x[0, :, [60, 61, 62], 1] = True  # C, C#, D: no major or minor scale holds all three
    x[1, :16, [60, 64, 67], 0] = True  # C major triad, then a D-F#-A (F# out of C major)
    x[1, 16:, [62, 66, 69], 0] = True
    ratio = musiceval.in_scale_ratio(x, key="auto")
    key = find_key(x, "albrecht")
    assert (key.tonic[0, 0], key.mode[0, 0]) == (9, "minor") and ratio[0, 0] == 1.0
    assert ratio[0, 1] == pytest.approx(2 / 3)  # whichever key wins, two are in it
    assert (key.tonic[1, 0], key.mode[1, 0]) == (7, "major")  # G major holds all six
    assert ratio[1, 0] == 1.0
    assert np.isnan(ratio[1, 1])  # a silent track: no key, no ratio


def test_auto_key_is_the_key_find_key_finds_with_albrecht(chorales: np.ndarray):
    import musiceval
    from musiceval._engine.reducers import AUTO_KEY_PROFILE

    assert AUTO_KEY_PROFILE == "albrecht"
    for weight in ("cells", "notes"):
        key = find_key(chorales, "albrecht", weight=weight)
        auto = musiceval.in_scale_ratio(chorales, key="auto", weight=weight)
        expected = np.full(auto.shape, np.nan)
        for i, k in np.ndindex(auto.shape):
            if key.tonic[i, k] >= 0:
                expected[i, k] = musiceval.in_scale_ratio(
                    chorales[i : i + 1, ..., k : k + 1], key=int(key.tonic[i, k]),
                    mode=str(key.mode[i, k]), weight=weight,
                )[0, 0]  # fmt: skip
        np.testing.assert_array_equal(auto, expected)


def test_auto_key_ratio_per_bar_uses_the_key_of_the_whole_sample():
    import musiceval

    x = np.zeros((1, 32, 128, 1), dtype=bool)
    x[0, :16, [60, 64, 67], 0] = True  # bar 1: C major triad
    x[0, 16:24, [62, 65, 69], 0] = True  # bar 2: D minor triad, then a lone C#
    x[0, 24:, 61, 0] = True
    # the sample's key is C major (albrecht): bar 1 all in, bar 2 has 24 of 32 cells in
    assert int(find_key(x, "albrecht").tonic[0, 0]) == 0
    per_bar = musiceval.in_scale_ratio(x, key="auto", per="bar")
    assert per_bar[0, 0] == pytest.approx((1.0 + 24 / 32) / 2)


def test_auto_key_ratio_does_not_change_under_transposition(chorales: np.ndarray):
    import musiceval

    low = musiceval.in_scale_ratio(chorales, key="auto")
    high = musiceval.in_scale_ratio(np.roll(chorales, 5, axis=2), key="auto")
    np.testing.assert_array_equal(low, high)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": "auto", "mode": "dorian"}, "mode must be 'major' or left out with key='auto'"),
        (
            {"key": "aut"},
            "key must be a note name: a letter A-G .* or 'auto'; got 'aut'",
        ),
    ],
)
def test_auto_key_bad_options(options, message):
    import musiceval

    with pytest.raises(InvalidParameterError, match=message):
        musiceval.in_scale_ratio(np.ones((4, 128), dtype=bool), layout="TP", **options)


def test_albrecht_finds_most_chorale_keys():
    """Why key="auto" uses the Albrecht-Shanahan profile: on the first 60 chorales that end on
    the tonic of their signature's key it finds the most keys (examples/chorale_keys.py runs
    all 279: krumhansl 0.792, temperley 0.878, albrecht 0.932)."""
    import importlib.util

    path = Path(__file__).parents[1] / "examples" / "chorale_keys.py"
    spec = importlib.util.spec_from_file_location("chorale_keys", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    histograms, truth = module.chorale_keys(limit=60)
    right = {
        p: int((keyfinding.best_key_indices(histograms, p) == truth).sum()) for p in KEY_PROFILES
    }
    assert right["albrecht"] > max(right["krumhansl"], right["temperley"])
