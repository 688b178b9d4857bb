"""Originality against the training set (issue 12, item 1): bar index, copied bars and runs,
nearest-neighbour distances. Hand cases first, then properties against naive references, the
Bach chorales, files and bad input."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_errors import _check_every_parameter

import musiceval as me
from musiceval.exceptions import DocumentError
from musiceval.originality import (
    BarIndex,
    bar_match_rate,
    longest_copied_run,
    nearest_neighbour_distance,
    training_nearest_neighbour_distances,
)

S, P, K, LOW = 4, 12, 2, 60  # steps per bar, pitches (MIDI 60..71), tracks, lowest pitch


def _bar(*notes: tuple[int, int, int]) -> np.ndarray:
    """One bar ``(S, P, K)`` with the cells ``(track, step, pitch index)`` active."""
    bar = np.zeros((S, P, K), bool)
    for track, step, pitch in notes:
        bar[step, pitch, track] = True
    return bar


def _sample(*bars: np.ndarray) -> np.ndarray:
    return np.concatenate(bars, axis=0)


EMPTY = _bar()
A0 = _bar((0, 0, 4), (0, 2, 5), (1, 0, 0))
A1 = _bar((0, 0, 7), (0, 1, 7), (1, 0, 2), (1, 2, 3))
A2 = _bar((0, 0, 4), (1, 0, 0), (1, 3, 1))
B0 = _bar((0, 0, 9), (1, 1, 5))
B1 = _bar((0, 3, 6))  # track 1 silent


def _up(bar: np.ndarray, k: int) -> np.ndarray:
    """``bar`` transposed up by ``k`` semitones (its notes stay inside the pitch range)."""
    moved = np.zeros_like(bar)
    moved[:, k:] = bar[:, : P - k]
    assert moved.sum() == bar.sum()
    return moved


TRAINING = np.stack([_sample(A0, A1, A2), _sample(B0, B1, EMPTY)])


@pytest.fixture(scope="module")
def index() -> BarIndex:
    return BarIndex.build(TRAINING, steps_per_bar=S, lowest_pitch=LOW)


def _altered(bar: np.ndarray) -> np.ndarray:
    changed = bar.copy()
    changed[1, 0, 0] = True  # one more cell in track 0
    return changed


GENERATED = np.stack(
    [
        _sample(A0, A1, A2),  # 0: a copy of piece A
        _sample(_up(A0, 2), _up(A1, 2), _up(A2, 2)),  # 1: A a tone up
        _sample(EMPTY, A0, A1),  # 2: A shifted by one bar
        _sample(A0, _altered(A1), A2),  # 3: one cell altered in bar 1
        _sample(A1, B0, B1),  # 4: a bar of A, then two of B
        _sample(EMPTY, EMPTY, EMPTY),  # 5: silence
        _sample(_up(A0, 2), _up(A1, 3), A2),  # 6: each bar transposed by another interval
    ]
)


def test_index_holds_the_non_empty_bars_with_their_positions(index):
    assert (index.n_pieces, index.n_bars) == (2, 5)
    assert (index.steps_per_bar, index.n_pitches, index.n_tracks, index.lowest_pitch) == (
        S, P, K, LOW,
    )  # fmt: skip
    assert "n_bars=5" in repr(index)


def test_hand_case_merged_match_rates(index):
    exact = bar_match_rate(GENERATED, index)
    shifted = bar_match_rate(GENERATED, index, transposition=True)
    np.testing.assert_array_equal(exact["merged"], [1.0, 0.0, 1.0, 2 / 3, 1.0, np.nan, 1 / 3])
    np.testing.assert_array_equal(shifted["merged"], [1.0, 1.0, 1.0, 2 / 3, 1.0, np.nan, 1.0])
    np.testing.assert_array_equal(exact["n_bars"], [3, 3, 2, 3, 3, 0, 3])
    # pooled over the 17 non-empty bars: 3 + 0 + 2 + 2 + 3 + 1 found
    assert exact["set_merged"] == pytest.approx(11 / 17)
    assert shifted["set_merged"] == pytest.approx(16 / 17)


def test_hand_case_per_track_rates(index):
    result = bar_match_rate(GENERATED, index)
    per_track = result["per_track"]
    assert per_track.shape == (7, K)
    np.testing.assert_array_equal(per_track[3], [2 / 3, 1.0])  # the altered cell is in track 0
    np.testing.assert_array_equal(per_track[4], [1.0, 1.0])  # B1's silent track 1 not counted
    assert np.isnan(per_track[5]).all()
    swapped = GENERATED[:1, :, :, ::-1]  # soprano as bass: bars of the other track only
    assert bar_match_rate(swapped, index)["per_track"].tolist() == [[0.0, 0.0]]
    # track 0 of sample 6: A0+2, A1+3, A2; the same up to transposition, bar by bar
    shifted = bar_match_rate(GENERATED, index, transposition=True)["per_track"]
    np.testing.assert_array_equal(shifted[6], [1.0, 1.0])
    np.testing.assert_array_equal(result["set_per_track"].shape, (K,))


def test_hand_case_longest_copied_runs(index):
    np.testing.assert_array_equal(longest_copied_run(GENERATED, index), [3, 0, 2, 1, 2, 0, 1])
    np.testing.assert_array_equal(
        longest_copied_run(GENERATED, index, transposition=True), [3, 3, 2, 1, 2, 0, 1]
    )


def test_runs_stop_at_piece_boundaries_and_empty_bars(index):
    # A2 then B0: consecutive in the concatenated rows, but two different pieces
    crossing = _sample(A2, B0, B1, EMPTY)[None]
    assert longest_copied_run(crossing, index).tolist() == [2]
    # B2 is empty in the training piece: B0 B1 <empty> copied is still a run of 2, not 3
    assert longest_copied_run(_sample(B0, B1, EMPTY)[None], index).tolist() == [2]


# ---- naive references ------------------------------------------------------------------------


def _canonical(bar: np.ndarray) -> tuple[bytes, int]:
    """A bar ``(S, P, ...)`` moved down to its lowest sounding pitch, and that pitch."""
    pitches = np.flatnonzero(bar.any(axis=tuple(a for a in range(bar.ndim) if a != 1)))
    lowest = int(pitches[0])
    moved = np.zeros_like(bar)
    moved[:, : bar.shape[1] - lowest] = bar[:, lowest:]
    return moved.tobytes(), lowest


def _bars(x: np.ndarray, steps: int) -> np.ndarray:
    return x.reshape(x.shape[0], x.shape[1] // steps, steps, *x.shape[2:])


def _naive_rates(generated, training, steps, transposition):
    def key(bar):
        return _canonical(bar)[0] if transposition else bar.tobytes()

    known = {key(bar) for piece in _bars(training, steps) for bar in piece if bar.any()}
    per_sample = []
    for piece in _bars(generated, steps):
        found = [key(bar) in known for bar in piece if bar.any()]
        per_sample.append(np.mean(found) if found else np.nan)
    return np.array(per_sample)


def _naive_runs(generated, training, steps, transposition):
    def same(g, t):
        if not (g.any() and t.any()):
            return None
        if not transposition:
            return 0 if np.array_equal(g, t) else None
        (gk, gl), (tk, tl) = _canonical(g), _canonical(t)
        return gl - tl if gk == tk else None

    result = []
    for piece in _bars(generated, steps):
        best = 0
        for other in _bars(training, steps):
            for b in range(len(piece)):
                for c in range(len(other)):
                    shift, length = same(piece[b], other[c]), 0
                    while (
                        shift is not None
                        and b + length < len(piece)
                        and c + length < len(other)
                        and same(piece[b + length], other[c + length]) == shift
                    ):
                        length += 1
                    best = max(best, length)
        result.append(best)
    return np.array(result)


@st.composite
def _corpora(draw):
    """Small training and generated rolls of whole bars, the generated partly copied."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    steps, n_bars, n_tracks = draw(st.sampled_from([2, 4])), draw(st.integers(1, 4)), 2
    density = draw(st.sampled_from([0.02, 0.1, 0.3]))
    shape = (draw(st.integers(1, 4)), n_bars * steps, 16, n_tracks)
    training = rng.random(shape) < density
    generated = rng.random((3, *shape[1:])) < density
    generated[0] = training[rng.integers(len(training))]
    copied = rng.integers(len(training))
    generated[1, steps:] = training[copied, : (n_bars - 1) * steps]
    return training, generated, steps


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpora(), st.booleans())
def test_rates_and_runs_agree_with_naive_references(corpora, transposition):
    training, generated, steps = corpora
    index = BarIndex.build(training, steps_per_bar=steps, lowest_pitch=60)
    result = bar_match_rate(generated, index, transposition=transposition)
    expected = _naive_rates(generated, training, steps, transposition)
    np.testing.assert_array_equal(result["merged"], expected)
    for track in range(training.shape[-1]):
        np.testing.assert_array_equal(
            result["per_track"][:, track],
            _naive_rates(generated[..., track], training[..., track], steps, transposition),
        )
    runs = longest_copied_run(generated, index, transposition=transposition)
    np.testing.assert_array_equal(runs, _naive_runs(generated, training, steps, transposition))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(-5, 5))
def test_a_copy_matches_fully_and_a_transposed_copy_only_up_to_transposition(seed, k):
    rng = np.random.default_rng(seed)
    training = np.zeros((3, 32, 24, 2), bool)
    training[..., 6:18, :] = rng.random((3, 32, 12, 2)) < 0.2
    training[:, ::8, 10, 0] = True  # every bar of 8 steps sounds
    index = BarIndex.build(training, steps_per_bar=8, lowest_pitch=48)
    copy = bar_match_rate(training, index)
    assert copy["set_merged"] == 1.0 and (copy["per_track"][:, 0] == 1.0).all()
    assert longest_copied_run(training, index).tolist() == [4, 4, 4]
    moved = np.roll(training, k, axis=2)  # no note wraps around: pitches 6..17 move to 1..22
    shifted = bar_match_rate(moved, index, transposition=True)
    assert shifted["set_merged"] == 1.0
    assert longest_copied_run(moved, index, transposition=True).tolist() == [4, 4, 4]
    exact = bar_match_rate(moved, index)["set_merged"]
    assert exact == 1.0 if k == 0 else exact < 1.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 5))
def test_merging_the_indexes_of_shards_is_building_from_all(seed, first, second):
    rng = np.random.default_rng(seed)
    x = rng.random((first + second, 32, 128, 3)) < 0.01
    x[1] = False  # a silent piece still counts as a piece
    whole = BarIndex.build(x)
    assert BarIndex.build(x[:first]).merge(BarIndex.build(x[first:])) == whole
    assert BarIndex.build([x[:first], x[first:]]) == whole
    assert BarIndex.build(iter([x[:first], x[first:]])) == whole
    assert BarIndex.build(x[:first]).add(x[first:]) == whole
    assert whole.n_pieces == first + second
    assert whole != BarIndex.build(x[:first])


# ---- nearest neighbours --------------------------------------------------------------------


def _naive_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return 0.0 if union == 0 else 1.0 - (a & b).sum() / union


def test_nearest_neighbour_distance_hand_case():
    x = np.zeros((3, 4, 128, 1), bool)
    x[0, 0, [60, 64, 67]] = True
    x[1, 0, [60, 64]] = True  # 2 shared of 3: distance 1/3 to sample 0
    x[2, :, 40] = True  # disjoint: distance 1 to both
    generated = np.zeros((3, 4, 128, 1), bool)
    generated[0] = x[1]
    generated[1, 0, [60, 64, 67, 72]] = True  # 3 of 4 of sample 0
    distances, nearest = nearest_neighbour_distance(generated, x, return_index=True)
    np.testing.assert_allclose(distances, [0.0, 0.25, 1.0])
    assert nearest[:2].tolist() == [1, 0]
    # generated[2] is silent: distance 1 to every non-silent sample, 0 to a silent one
    assert nearest_neighbour_distance(generated[2:], x).tolist() == [1.0]
    loo, others = training_nearest_neighbour_distances(x, return_index=True)
    np.testing.assert_allclose(loo, [1 / 3, 1 / 3, 1.0])
    assert others.tolist() == [1, 0, 0]


def test_nearest_neighbour_distance_agrees_with_the_naive_jaccard():
    rng = np.random.default_rng(7)
    training = rng.random((9, 32, 40, 2)) < 0.05
    generated = rng.random((5, 32, 40, 2)) < 0.05
    generated[3] = training[4]
    expected = [min(_naive_jaccard(g, t) for t in training) for g in generated]
    got = nearest_neighbour_distance(generated, training, lowest_pitch=30)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert got[3] == 0.0
    loo = [min(_naive_jaccard(t, u) for j, u in enumerate(training) if j != i)
           for i, t in enumerate(training)]  # fmt: skip
    np.testing.assert_allclose(
        training_nearest_neighbour_distances(training, lowest_pitch=30), loo, atol=1e-12
    )


# ---- the chorales --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chorale_split(tmp_path_factory):
    """Segments of the first 16 chorales: 27 of the first 12 train, 11 of the last 4 are held
    out."""
    from musiceval.datasets import load_chorales

    rolls, sources = load_chorales(
        limit=16, cache_dir=tmp_path_factory.mktemp("cache"), progress=False, return_sources=True
    )
    names = list(dict.fromkeys(sources))
    held_out = np.isin(sources, names[12:])
    return rolls[~held_out], rolls[held_out]


def test_chorales_copies_are_flagged_and_held_out_chorales_are_not(chorale_split):
    training, held_out = chorale_split
    index = BarIndex.build(training)
    assert index.n_pieces == len(training)
    copy = bar_match_rate(training[::3], index)
    assert copy["set_merged"] == 1.0
    assert np.nanmin(copy["per_track"]) == 1.0
    full = training.reshape(len(training), 4, 16, 128, 4).any(axis=(2, 3, 4)).all(axis=1)
    assert (longest_copied_run(training, index)[full] == 4).all()
    held = bar_match_rate(held_out, index)
    # No four-voice bar of four other chorales occurs in these twelve; one voice's bar does,
    # in the same voice, 0 to 9 % of the time (exact: 4.5, 6.8, 0.0, 9.1 % soprano to bass;
    # up to transposition: 22.7, 18.2, 4.5, 9.1 %)
    assert held["set_merged"] == 0.0
    np.testing.assert_allclose(held["set_per_track"], [2 / 44, 3 / 44, 0.0, 4 / 44])
    shifted = bar_match_rate(held_out, index, transposition=True)
    assert shifted["set_merged"] == 0.0
    np.testing.assert_allclose(shifted["set_per_track"], [10 / 44, 8 / 44, 2 / 44, 4 / 44])
    assert longest_copied_run(held_out, index).max() == 0
    up = np.zeros_like(training[:5])
    up[:, :, 2:] = training[:5, :, :-2]
    assert bar_match_rate(up, index)["set_merged"] == 0.0
    assert bar_match_rate(up, index, transposition=True)["set_merged"] == 1.0
    rng = np.random.default_rng(0)
    noise = rng.random((20, 64, 128, 4)) < training.mean()
    assert bar_match_rate(noise, index)["set_merged"] == 0.0
    assert np.nanmax(bar_match_rate(noise, index, transposition=True)["per_track"]) == 0.0


def test_chorales_nearest_neighbours(chorale_split):
    training, held_out = chorale_split
    baseline = training_nearest_neighbour_distances(training)
    held = nearest_neighbour_distance(held_out, training)
    # measured: medians 0.872 (training, leave-one-out) and 0.877 (held out)
    assert np.median(baseline) == pytest.approx(0.872, abs=0.001)
    assert np.median(held) == pytest.approx(0.877, abs=0.001)
    assert nearest_neighbour_distance(training[:4], training).tolist() == [0.0] * 4
    noise = np.random.default_rng(0).random((20, 64, 128, 4)) < training.mean()
    assert nearest_neighbour_distance(noise, training).min() > 0.95


# ---- files ---------------------------------------------------------------------------------


def test_save_and_load_round_trip(index, tmp_path):
    path = index.save(tmp_path / "bars.npz")
    loaded = BarIndex.load(path)
    assert loaded == index
    np.testing.assert_array_equal(
        bar_match_rate(GENERATED, loaded)["merged"], bar_match_rate(GENERATED, index)["merged"]
    )
    with np.load(path) as file:
        head = json.loads(str(file["document"]))
    assert (head["schema"], head["version"], head["n_bars"]) == ("musiceval.bar_index", 1, 5)
    empty = BarIndex(n_pitches=128, n_tracks=1)
    assert BarIndex.load(empty.save(tmp_path / "empty.npz")) == empty


def _rewrite(path, **changes):
    with np.load(path) as file:
        arrays = {name: file[name] for name in file.files}
    head = json.loads(str(arrays["document"]))
    for name, value in changes.items():
        if name in arrays:
            arrays[name] = value
        else:
            head[name] = value
    arrays["document"] = np.array(json.dumps(head))
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:200]), "is not a musiceval bar index"),
        (lambda p: p.write_bytes(b"\x00" * 100), "is not a musiceval bar index"),
        (lambda p: p.write_text('{"schema": "musiceval.profile"}'), "is not a musiceval"),
        (lambda p: _rewrite(p, schema="musiceval.profile"), "expected schema"),
        (lambda p: _rewrite(p, version=2), "schema version 2"),
        (lambda p: _rewrite(p, n_bars=4), "holds 5 bars"),
        (lambda p: _rewrite(p, n_pieces=1), "out of range"),
        (lambda p: _rewrite(p, n_pitches=200), "damaged"),
        (lambda p: _rewrite(p, steps_per_bar="4"), "counts"),
        (lambda p: _rewrite(p, piece=np.zeros(5, np.float64)), "array 'piece'"),
    ],
)
def test_a_wrong_or_damaged_file_is_refused(index, tmp_path, damage, message):
    path = index.save(tmp_path / "bars.npz")
    damage(path)
    with pytest.raises(DocumentError, match=message):
        BarIndex.load(path)


def test_a_file_with_a_corrupt_member_is_refused(index, tmp_path):
    path = index.save(tmp_path / "bars.npz")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("track_exact.npy")
    data[info.header_offset + 120] ^= 0xFF  # inside the member's data: its CRC fails
    path.write_bytes(bytes(data))
    with pytest.raises(DocumentError, match="is not a musiceval bar index"):
        BarIndex.load(path)


# ---- input conventions and bad input ---------------------------------------------------------


def test_other_layouts_thresholds_and_tensors_give_the_same_answers(index):
    expected = longest_copied_run(GENERATED, index)
    velocities = GENERATED.astype(np.float32) * 0.9 - 0.45  # active: +0.45 > 0
    assert longest_copied_run(velocities, index).tolist() == expected.tolist()
    bars = GENERATED.reshape(7, 3, S, P, K)
    assert longest_copied_run(bars, index, layout="NBSPK").tolist() == expected.tolist()
    single = GENERATED[0, :, :, 0]
    one = BarIndex.build(single, layout="TP", steps_per_bar=S, lowest_pitch=LOW)
    assert bar_match_rate(single, one, layout="TP")["set_merged"] == 1.0
    torch = pytest.importorskip("torch")
    tensor = torch.from_numpy(velocities)
    assert longest_copied_run(tensor, index).tolist() == expected.tolist()
    before = GENERATED.copy()
    bar_match_rate(GENERATED, index)
    np.testing.assert_array_equal(GENERATED, before)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda i: bar_match_rate(GENERATED[..., :1], i), "n_tracks=2; got n_tracks=1"),
        (lambda i: bar_match_rate(GENERATED[:, :, :11], i), "n_pitches=12; got n_pitches=11"),
        (lambda i: bar_match_rate(GENERATED, i, lowest_pitch=48), "lowest_pitch=60; got"),
        (lambda i: bar_match_rate(GENERATED, i, steps_per_bar=3), "steps_per_bar must be the"),
        (lambda i: longest_copied_run(GENERATED[:, :6], i), "does not divide n_steps"),
        (lambda i: bar_match_rate(GENERATED.reshape(7, 6, 2, P, K), i, layout="NBSPK"),
         "steps_per_bar=4; got steps_per_bar=2"),
        (lambda i: i.merge(BarIndex(n_pitches=128, n_tracks=2)), "other must index rolls of"),
        (lambda i: BarIndex.build([]), "training must be a roll array or a non-empty"),
        (lambda i: BarIndex(n_pitches=12, n_tracks=1), "lowest_pitch must be an int"),
        (lambda i: BarIndex(n_pitches=12, n_tracks=1, lowest_pitch=120), "lowest_pitch must"),
        (lambda i: training_nearest_neighbour_distances(TRAINING[:1], lowest_pitch=LOW),
         "training must hold at least 2 samples"),
        (lambda i: nearest_neighbour_distance(GENERATED, TRAINING[:, :8], lowest_pitch=LOW),
         "training must have the steps, pitches and tracks of generated"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message(index, call, message):
    with pytest.raises(me.InvalidParameterError, match=message):
        call(index)


def test_every_public_function_refuses_every_bad_argument_alike(index, tmp_path):
    x = GENERATED.astype(np.uint8)
    shape = {"steps_per_bar": S, "lowest_pitch": LOW}
    calls = {
        "BarIndex": (BarIndex, (), {"n_pitches": P, "n_tracks": K, "lowest_pitch": LOW}, ()),
        "BarIndex.build": (BarIndex.build, (TRAINING,), shape, ()),
        "BarIndex.add": (BarIndex.build(TRAINING, **shape).add, (TRAINING,), {}, ()),
        "BarIndex.merge": (index.merge, (index,), {}, ()),
        "BarIndex.save": (index.save, (tmp_path / "i.npz",), {}, ()),
        "BarIndex.load": (BarIndex.load, (index.save(tmp_path / "j.npz"),), {}, ()),
        "bar_match_rate": (bar_match_rate, (x, index), {}, ()),
        "longest_copied_run": (longest_copied_run, (x, index), {}, ()),
        "nearest_neighbour_distance": (
            nearest_neighbour_distance, (x, x), {"lowest_pitch": LOW}, (),
        ),
        "training_nearest_neighbour_distances": (
            training_nearest_neighbour_distances, (x,), {"lowest_pitch": LOW}, (),
        ),
    }  # fmt: skip
    assert _check_every_parameter(calls) == []


def test_an_empty_index_and_a_roll_without_bars():
    empty = BarIndex(n_pitches=P, n_tracks=K, steps_per_bar=S, lowest_pitch=LOW)
    assert (empty.n_pieces, empty.n_bars) == (0, 0)
    result = bar_match_rate(GENERATED, empty)
    np.testing.assert_array_equal(result["merged"], [0, 0, 0, 0, 0, np.nan, 0])
    assert longest_copied_run(GENERATED, empty).tolist() == [0] * 7
    no_bars = np.zeros((2, 0, P, K), bool)
    assert np.isnan(bar_match_rate(no_bars, empty)["set_merged"])
    assert longest_copied_run(no_bars, empty).tolist() == [0, 0]
