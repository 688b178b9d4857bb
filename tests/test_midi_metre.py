"""Bars from the time signatures of MIDI files, and the tracks' names and drum flags on read.

Files are built byte by byte (``tests/_midi_files.py``) at 4 ticks per quarter note, so at 4
steps per beat a tick is a step: a 3/4 bar is 12 ticks, a 4/4 bar 16. Each bar holds one note
that fills it, of pitch 60 + its index, so where a segment starts can be read off its first
step.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from _midi_files import meta, off, on, program, smf, time_signature, track, track_name
from _pretty_midi_reader import read_midi_oracle

import musiceval
from musiceval import io
from musiceval._midi_kernels import parse_smf, read_smf
from musiceval._midi_read import parse_midi_file
from musiceval.corpus import profile_corpus
from musiceval.io import MetreSkip, TimeSignature
from musiceval.track_maps import TrackMap


def bars(*lengths: int, channel: int = 0) -> bytes:
    """Note events: one note per bar, filling it, pitch 60 + the bar's index."""
    events = []
    for index, length in enumerate(lengths):
        events += [on(0, 60 + index, channel), off(length, 60 + index, channel)]
    return b"".join(events)


def metre_file(*changes: tuple[int, int, int], lengths: tuple[int, ...]) -> bytes:
    """A format-1 file: a first track of time signatures ``(tick, numerator, denominator)``,
    a second of the bars' notes."""
    events, at = [], 0
    for tick, numerator, denominator in changes:
        events.append(time_signature(tick - at, numerator, denominator))
        at = tick
    return smf(track(*events), track(bars(*lengths)))


def first_pitches(rolls: np.ndarray) -> list[int]:
    """The pitch sounding on the first step of each segment (the bar it starts at)."""
    return [int(np.flatnonzero(segment[0, :, 0])[0]) for segment in rolls]


def read(path: Path, **options) -> tuple[io.MidiRolls, list[str]]:
    """``io.load_midi`` and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = io.load_midi(path, **options)
    return result, [str(warning.message) for warning in caught]


# ---- the kernel reads the time signatures ---------------------------------------------------


def test_the_kernel_notes_each_time_signature_with_its_tick() -> None:
    data = metre_file((0, 3, 4), (24, 6, 8), (60, 5, 16), lengths=(12, 12, 36))
    code, division, notes, _, signatures = read_smf(np.frombuffer(data, np.uint8))
    assert (code, division, len(notes)) == (0, 4, 3)
    assert signatures.tolist() == [[0, 3, 2], [24, 6, 3], [60, 5, 4]]
    assert len(parse_smf(np.frombuffer(data, np.uint8))) == 4  # 0.1.0's four results


def test_a_signature_of_numerator_0_or_too_few_bytes_is_no_signature(midi_file) -> None:
    body = track(meta(0, 0x58, bytes([0, 2, 24, 8])), meta(0, 0x58, bytes([3])), bars(16))
    path = midi_file(smf(body))
    assert parse_midi_file(path).time_signatures == ()
    assert read(path, n_bars=1)[0].files[0].metre == "4/4"


def test_signatures_of_any_track_count_in_tick_order(midi_file) -> None:
    later = track(time_signature(12, 3, 4), bars(12, 12))
    path = midi_file(smf(track(time_signature(0, 2, 4)), later))
    parsed = parse_midi_file(path)
    assert parsed.time_signatures == (TimeSignature(2, 4, 0), TimeSignature(3, 4, 12))
    assert [str(s) for s in parsed.time_signatures] == ["2/4", "3/4"]
    assert parsed.time_signatures[1].bar_quarters == 3


# ---- bar lengths and where segments start -----------------------------------------------------


def test_three_four_bars_are_12_steps_at_4_steps_a_beat(midi_file) -> None:
    path = midi_file(metre_file((0, 3, 4), lengths=(12,) * 8))
    result, caught = read(path, n_bars=2, steps_per_bar=12)
    assert caught == [] and result.rolls.shape == (4, 24, 128, 1)
    assert first_pitches(result.rolls) == [60, 62, 64, 66]
    assert result.files[0].segment_starts.tolist() == [0, 24, 48, 72]
    assert result.files[0].time_signatures == (TimeSignature(3, 4, 0),)
    assert result.n_bars_skipped == 0
    # at 2 steps a beat a 3/4 bar is 6 steps
    assert read(path, n_bars=2, steps_per_bar=6, steps_per_beat=2)[0].rolls.shape[0] == 4


def test_six_eight_bars_are_12_steps_too(midi_file) -> None:
    path = midi_file(metre_file((0, 6, 8), lengths=(12,) * 4))
    assert first_pitches(read(path, n_bars=1, steps_per_bar=12)[0].rolls) == [60, 61, 62, 63]


def test_another_metre_is_never_cut_into_16_step_bars(midi_file) -> None:
    path = midi_file(metre_file((0, 3, 4), lengths=(12,) * 8))
    with pytest.raises(ValueError) as raised:
        io.load_midi(path, n_bars=2)
    assert str(raised.value) == (
        f"{str(path)!r} (3/4): bars not 16 steps long: 8 of 8 (3/4: 8 bars of 12 "
        f"steps), so it gives no segment of 2 bars of 16 steps (read it with steps_per_bar=12, "
        f"or cut 16-step bars from its first tick with metre='ignore', as musiceval 0.1.0 did)"
    )
    with pytest.raises(ValueError, match=r"\(3/4\): bars not 16 steps long: 8 of 8"):
        io.load_rolls(path, n_bars=2)
    # metre="ignore" cuts 16-step windows from the first tick, as 0.1.0 did
    ignored, caught = read(path, n_bars=1, metre="ignore")
    assert caught == [] and ignored.files[0].metre_skip is None
    assert first_pitches(ignored.rolls) == [60, 61, 62, 64, 65, 66]  # bar lines ignored
    np.testing.assert_array_equal(ignored.rolls, io.load_rolls(path, n_bars=1, metre="ignore"))


def test_a_file_without_a_signature_is_in_four_four(midi_file) -> None:
    path = midi_file(smf(track(bars(16, 16, 16, 12))))
    result, caught = read(path, n_bars=1)
    assert caught == [] and result.files[0].metre == "4/4"
    assert result.files[0].time_signatures == ()
    assert first_pitches(result.rolls) == [60, 61, 62]  # the last bar is cut short: remainder
    assert result.files[0].metre_skip == MetreSkip((), 4)
    np.testing.assert_array_equal(result.rolls, io.load_midi(path, n_bars=1, metre="ignore").rolls)


def test_a_change_of_metre_ends_a_run_of_bars_and_its_bars_are_skipped(midi_file) -> None:
    # 4/4 for 2 bars (steps 0-31), 3/4 for 2 (32-55), 4/4 for 3 (56-103)
    path = midi_file(
        metre_file((0, 4, 4), (32, 3, 4), (56, 4, 4), lengths=(16, 16, 12, 12) + (16,) * 3)
    )
    result, caught = read(path, n_bars=1)
    assert result.files[0].segment_starts.tolist() == [0, 16, 56, 72, 88]
    assert first_pitches(result.rolls) == [60, 61, 64, 65, 66]
    note = f"{str(path)!r} (4/4, 3/4): bars not 16 steps long: 2 of 7 (3/4: 2 bars of 12 steps)"
    assert len(caught) == 1 and caught[0].endswith(note)
    assert caught[0].startswith(
        "1 of 1 MIDI file have bars that are not steps_per_bar=16 steps long; those bars were "
        "left out, cutting segments at the files' bar lines (give steps_per_bar= for their "
        "metre, or metre='ignore' to cut 16-step bars from the first tick as musiceval 0.1.0 did)"
    )
    # two bars a segment: a segment never spans the 3/4 bars, and a run's remainder is dropped
    assert read(path, n_bars=2)[0].files[0].segment_starts.tolist() == [0, 56]
    # read as 3/4: the two 3/4 bars are the only fitting ones
    result, _ = read(path, n_bars=2, steps_per_bar=12)
    assert first_pitches(result.rolls) == [62]
    assert result.files[0].metre_skip.counts == (("4/4", Fraction(16), 5),)


def test_a_change_inside_a_bar_cuts_it_short_and_it_is_skipped(midi_file) -> None:
    path = midi_file(metre_file((0, 4, 4), (24, 3, 4), lengths=(16, 8, 12, 12)))
    result, caught = read(path, n_bars=1)
    assert result.files[0].segment_starts.tolist() == [0]
    assert result.files[0].metre_skip.counts == (("4/4", Fraction(16), 1), ("3/4", Fraction(12), 2))
    assert "bars not 16 steps long: 3 of 4 (4/4: 1 bar of 16 steps, 3/4: 2 bars" in caught[0]


def test_a_repeated_signature_changes_nothing_and_three_four_goes_on_into_six_eight(
    midi_file,
) -> None:
    # 3/4 restated inside the second bar, then 6/8 (also 12 steps) from step 24
    path = midi_file(metre_file((0, 3, 4), (18, 3, 4), (24, 6, 8), lengths=(12,) * 4))
    result, caught = read(path, n_bars=4, steps_per_bar=12)
    assert caught == [] and result.files[0].segment_starts.tolist() == [0]
    assert result.files[0].metre == "3/4, 6/8"


def test_a_pickup_stated_by_a_signature_puts_the_bar_lines_after_it(midi_file) -> None:
    # a 1/4 pickup bar, then 4/4 (music21 writes pickups so); without the 1/4 signature the
    # pickup cannot be told from a first bar, and bar lines would be counted from tick 0
    path = midi_file(metre_file((0, 1, 4), (4, 4, 4), lengths=(4, 16, 16)))
    result, caught = read(path, n_bars=1)
    assert result.files[0].segment_starts.tolist() == [4, 20]
    assert first_pitches(result.rolls) == [61, 62]
    assert "(1/4: 1 bar of 4 steps)" in caught[0]


def test_a_bar_off_the_grid_is_skipped(midi_file) -> None:
    # 3/8 at 1 step a beat: bars of 1.5 steps
    path = midi_file(metre_file((0, 3, 8), lengths=(6,) * 8))
    with pytest.raises(ValueError, match=r"\(3/8: 8 bars of 1\.5 steps\), so it gives no segment"):
        io.load_midi(path, n_bars=1, steps_per_bar=2, steps_per_beat=1)


# ---- folders of mixed metre --------------------------------------------------------------------


def test_a_folder_of_mixed_metre_skips_the_other_metre_with_one_warning(tmp_path: Path) -> None:
    (tmp_path / "a_waltz.mid").write_bytes(metre_file((0, 3, 4), lengths=(12,) * 4))
    (tmp_path / "b_march.mid").write_bytes(metre_file((0, 4, 4), lengths=(16,) * 4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rolls = io.load_midi_folder(tmp_path, n_bars=2)  # on_error="raise": not an error
    assert rolls.shape == (2, 32, 128, 1) and first_pitches(rolls) == [60, 62]
    assert len(caught) == 1
    assert str(caught[0].message).endswith(
        f"{str(tmp_path / 'a_waltz.mid')!r} (3/4): bars not 16 steps long: 4 of 4 (3/4: "
        f"4 bars of 12 steps): no segment"
    )
    result, _ = read(tmp_path, n_bars=2)
    assert [Path(f.path).name for f in result.files] == ["a_waltz.mid", "b_march.mid"]
    assert result.segment_file.tolist() == [1, 1] and result.n_bars_skipped == 4
    assert [Path(path).name for path, _ in result.skipped] == ["a_waltz.mid"]
    waltzes, _ = read(tmp_path, n_bars=2, steps_per_bar=12)
    assert waltzes.segment_file.tolist() == [0, 0]
    only = tmp_path / "waltzes"
    only.mkdir()
    (tmp_path / "a_waltz.mid").rename(only / "a.mid")
    with pytest.raises(ValueError, match=r"no segment of 32 steps .* \(1 file in another metre\)"):
        read(only, n_bars=2)


def test_a_corpus_quarantines_a_file_of_another_metre(tmp_path: Path) -> None:
    (tmp_path / "a_waltz.mid").write_bytes(metre_file((0, 3, 4), lengths=(12,) * 8))
    (tmp_path / "b_march.mid").write_bytes(metre_file((0, 4, 4), lengths=(16,) * 8))
    result = profile_corpus(tmp_path, ["n_notes"], n_bars=2)
    assert [Path(p).name for p, _ in result.quarantine] == ["a_waltz.mid"]
    assert "(3/4): bars not 16 steps long: 8 of 8" in result.quarantine[0][1]
    assert result.n_segments == 4
    ignored = profile_corpus(tmp_path, ["n_notes"], n_bars=2, metre="ignore")
    assert ignored.quarantine == () and ignored.n_segments == 7  # 96 // 32 + 128 // 32
    with pytest.raises(musiceval.InvalidParameterError, match="metre must be one of"):
        profile_corpus(tmp_path, metre="bars")


def test_metre_is_checked_like_every_option(tmp_path: Path) -> None:
    expected = "metre must be one of ['file', 'ignore']; got 'auto'"
    for call in (io.load_midi, io.load_midi_folder, io.load_rolls):
        with pytest.raises(musiceval.InvalidParameterError) as raised:
            call(tmp_path, metre="auto")
        assert str(raised.value) == expected


# ---- a real 3/4 piece -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def minuet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minuet of Mozart's string quartet K. 80 (music21's corpus), in 3/4, as MIDI."""
    music21 = pytest.importorskip("music21")
    path = tmp_path_factory.mktemp("minuet") / "k80_minuet.mid"
    music21.corpus.parse("mozart/k80/movement3").write("midi", fp=str(path))
    return path


def test_a_real_minuet_read_in_its_metre_gives_the_cells_of_0_1_0(minuet: Path) -> None:
    result, caught = read(minuet, steps_per_bar=12)
    assert caught == [] and result.files[0].metre == "3/4"
    assert result.track_names == ("Violin I", "Violin II", "Viola", "Cello")
    assert result.is_drum.tolist() == [False] * 4
    old = read_midi_oracle(minuet)  # musiceval 0.1.0's reader (pretty_midi)
    n = len(old) // 48
    np.testing.assert_array_equal(result.rolls, old[: n * 48].reshape(n, 48, 128, 4))
    with pytest.raises(ValueError, match=r"\(3/4\): bars not 16 steps long: 176 of 176"):
        io.load_midi(minuet)


# ---- drums and track names ---------------------------------------------------------------------


def band() -> bytes:
    """Two named MIDI tracks: a melody (channel 0, program 73) and a drum kit (channel 10)."""
    melody = track(track_name(0, "Melody"), program(0, 73), bars(16, 16, 16, 16))
    kit = track(track_name(0, "Kit"), bars(16, 16, 16, 16, channel=9))
    return smf(track(time_signature(0, 4, 4)), melody, kit)


def test_tracks_carry_their_midi_names_and_drum_flags(midi_file) -> None:
    path = midi_file(band())
    result, _ = read(path)
    assert result.track_names == ("Melody", "Kit")
    assert result.is_drum.tolist() == [False, True]
    assert result.files[0].track_names == ("Melody", "Kit")
    lpd5, _ = read(path, tracks="lpd5")
    assert lpd5.track_names == ("Drums", "Piano", "Guitar", "Bass", "Strings")
    assert lpd5.is_drum.tolist() == [True, False, False, False, False]
    merged, _ = read(path, merge_tracks=True)
    assert merged.track_names == ("all",) and merged.is_drum.tolist() == [False]


def test_a_track_map_selects_tracks_by_name(midi_file) -> None:
    path = midi_file(band())
    mapping = TrackMap({"Lead": {"name": " melody "}, "Beat": {"name": ["kit", "Drums"]}})
    result, _ = read(path, tracks=mapping)
    assert result.track_names == ("Lead", "Beat") and result.is_drum.tolist() == [False, True]
    plain, _ = read(path)
    np.testing.assert_array_equal(result.rolls, plain.rolls)
    # a name rule comes before the drum rule; a file without the name gets an empty track
    by_drums = TrackMap({"Kit": {"name": "kit"}, "Drums": "drums", "Viola": {"name": "viola"}})
    result, _ = read(path, tracks=by_drums)
    assert result.is_drum.tolist() == [True, True, False]
    assert not result.rolls[..., 1].any() and not result.rolls[..., 2].any()
    np.testing.assert_array_equal(result.rolls[..., 0], plain.rolls[..., 1])
    again = TrackMap.from_json_dict(by_drums.to_json_dict())
    assert again == by_drums and repr(again).startswith("TrackMap({'Kit': {'name': ['kit']}")


def test_bad_name_rules_name_the_argument() -> None:
    expected = "tracks['A'] must be {'name': a non-empty str or a non-empty list of them}; got "
    for rule, got in (({"name": ""}, "{'name': ''}"), ({"name": []}, "{'name': []}")):
        with pytest.raises(musiceval.InvalidParameterError) as raised:
            TrackMap({"A": rule})
        assert str(raised.value) == expected + got
    with pytest.raises(musiceval.InvalidParameterError) as raised:
        TrackMap({"A": {"name": "Viola"}, "B": {"name": ["viola "]}})
    assert str(raised.value) == (
        "tracks must be name rules that share no track name; got track name 'viola' in both "
        "'A' and 'B'"
    )


def test_labels_are_distinct_and_fall_back_to_the_track_index(tmp_path: Path) -> None:
    twins = track(track_name(0, "Piano"), bars(16, 16, 16, 16), bars(16, 16, 16, 16, channel=1))
    unnamed = track(bars(16, 16, 16, 16, channel=2))
    (tmp_path / "a.mid").write_bytes(smf(twins, unnamed))
    result, _ = read(tmp_path / "a.mid")
    assert result.track_names == ("Piano (0)", "Piano (1)", "2")
    assert result.files[0].track_names == ("Piano", "Piano", "")
    renamed = track(track_name(0, "Keys"), bars(16, 16, 16, 16), bars(16, 16, 16, 16, channel=1))
    (tmp_path / "b.mid").write_bytes(smf(renamed, unnamed))
    assert read(tmp_path)[0].track_names == ("0", "1", "2")  # the files disagree


@pytest.mark.parametrize(
    ("steps_per_bar", "steps_per_beat", "signature"),
    [(16, 4, (4, 4)), (12, 4, (3, 4)), (6, 4, (3, 8)), (5, 4, (5, 16)), (9, 3, (3, 4))],
)
def test_written_rolls_state_their_bars_and_read_back_the_same(
    tmp_path, steps_per_bar, steps_per_beat, signature
):
    rng = np.random.default_rng(steps_per_bar)
    rolls = np.zeros((2, 4 * steps_per_bar, 128, 1), bool)
    rolls[:, :, 60:72, 0] = rng.random((2, 4 * steps_per_bar, 12)) < 0.1
    rolls[-1, -1, 60, 0] = True  # a MIDI file ends at its last note: no trailing silence
    path = io.write_midi(
        tmp_path / "x.mid", rolls, steps_per_bar=steps_per_bar, steps_per_beat=steps_per_beat
    )
    (info,) = io.load_midi(path, steps_per_bar=steps_per_bar, steps_per_beat=steps_per_beat).files
    assert [(s.numerator, s.denominator) for s in info.time_signatures] == [signature]
    read = io.load_midi(path, steps_per_bar=steps_per_bar, steps_per_beat=steps_per_beat)
    np.testing.assert_array_equal(read.rolls, rolls)


def test_a_bar_no_time_signature_can_state_is_refused(tmp_path):
    with pytest.raises(musiceval.InvalidParameterError, match=r"^steps_per_bar must be a bar"):
        io.write_midi(tmp_path / "x.mid", np.zeros((1, 14, 128, 1), bool), steps_per_bar=7,
                      steps_per_beat=3)  # fmt: skip
    assert not (tmp_path / "x.mid").exists()
