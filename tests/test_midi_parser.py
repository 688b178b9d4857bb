"""musiceval's own MIDI parser (``_midi_kernels.parse_smf`` behind ``io.read_midi``), checked
three ways.

* Against musiceval 0.1.0's reader (``tests/_pretty_midi_reader.py``: pretty_midi, its tick
  limit lifted), cell for cell and tick for tick: on music21's MIDI test files, on real pieces
  music21 writes from its corpus (string quartets hold same-pitch notes that overlap, and some
  last more than pretty_midi's 10**7 ticks), and on random note events (hypothesis).
* By hand: files written byte by byte, each rule of the module docstrings on its own, the
  notes worked out in the test. At 4 ticks per quarter note and 4 steps per beat a tick is a
  step, so the expected roll is the notes drawn as they are.
* Bad bytes: in ``test_midi_parser_faults.py``.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
from _midi_files import (
    PRIMITIVES,
    Notes,
    assert_as_oracle,
    ev,
    instruments,
    meta,
    off,
    on,
    program,
    smf,
    sysex,
    track,
)
from _pretty_midi_reader import max_tick_lifted, oracle_roll, read_midi_oracle, read_notes_oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musiceval import io
from musiceval._midi_kernels import ERRORS
from musiceval._midi_read import parse_midi

PIECES = [  # (music21 corpus path, what it brings)
    ("haydn/opus74no1/movement1", "quartet, overlapping same-pitch notes, over 10**7 ticks"),
    ("haydn/opus74no1/movement2", "quartet, overlapping same-pitch notes"),
    ("mozart/k80/movement1", "quartet, overlapping same-pitch notes"),
    ("bach/bwv66.6", "chorale"),
    ("bach/bwv7.7", "chorale"),
    ("ryansMammoth/AcaciaReel", "fiddle tune, overlapping same-pitch notes"),
    ("ryansMammoth/7thRegimentReel", "fiddle tune"),
    ("essenFolksong/altdeu10", "folk song"),
    ("essenFolksong/ballad10", "folk song"),
]
# pretty_midi's own warning about a tempo outside the first track (music21's test04.mid)
pytestmark = pytest.mark.filterwarnings("ignore:Tempo, Key or Time signature:RuntimeWarning")


def roll_of(*tracks: Notes) -> np.ndarray:
    """The roll of notes given in steps, one track per list, until the last note ends."""
    n_steps = max(end for notes in tracks for _, _, end in notes)
    roll = np.zeros((n_steps, 128, len(tracks)), dtype=bool)
    for index, notes in enumerate(tracks):
        for pitch, start, end in notes:
            roll[start:end, pitch, index] = True
    return roll


def assert_reads(path: Path, *expected: tuple[int, bool, Notes]) -> None:
    """musiceval reads exactly these instruments (program, is_drum, notes in ticks), the roll
    they draw at a tick per step, and 0.1.0's reader reads the same roll."""
    assert instruments(path) == list(expected)
    roll = io.read_midi(path)
    assert np.array_equal(roll, roll_of(*(notes for _, _, notes in expected)))
    assert np.array_equal(roll, read_midi_oracle(path))


# ---- the pairing rule, by hand ---------------------------------------------------------------


def test_overlapping_same_pitch_notes_all_end_at_the_first_note_off(midi_file) -> None:
    # on 0, on 2, off 4, off 6: the off at 4 ends both; the off at 6 finds nothing open.
    path = midi_file(smf(track(on(0, 60), on(2, 60), off(2, 60), off(2, 60))))
    assert_reads(path, (0, False, [(60, 0, 4), (60, 2, 4)]))
    assert io.read_midi(path).shape == (4, 128, 1)  # first in, first out would last 6 steps


def test_a_stray_note_on_does_not_shift_the_later_notes(midi_file) -> None:
    # A note-on at 0 that is never ended before the next one: the off at 10 ends both, and the
    # later notes keep their own offs. First in, first out would pair on 8 with off 14 and on 12
    # with off 18, so that pitch 60 would sound from 0 to 18 without a break.
    path = midi_file(
        smf(track(on(0, 60), on(8, 60), off(2, 60), on(2, 60), off(2, 60), on(2, 60), off(2, 60)))
    )
    assert_reads(path, (0, False, [(60, 0, 10), (60, 8, 10), (60, 12, 14), (60, 16, 18)]))
    assert not io.read_midi(path)[10:12, 60].any()


def test_a_note_off_and_a_note_on_at_one_tick_in_either_order(midi_file) -> None:
    # off then on at 4: the second note starts where the first ends.
    first = midi_file(smf(track(on(0, 60), off(4, 60), on(0, 60), off(4, 60))), "off_on.mid")
    # on then off at 4: the off ends the note of tick 0 and keeps the one of tick 4 open.
    second = midi_file(smf(track(on(0, 60), on(4, 60), off(0, 60), off(4, 60))), "on_off.mid")
    for path in (first, second):
        assert_reads(path, (0, False, [(60, 0, 4), (60, 4, 8)]))


def test_a_note_on_and_off_at_one_tick_is_dropped(midi_file) -> None:
    # 60 on and off at 4 (it ended nothing: dropped), then a stray off at 8; two notes of 64
    # opened at 6 and ended at 6 are dropped too. Only 62 sounds.
    kept = on(0, 62) + off(2, 62)  # 62 from 0 to 2
    dropped = on(2, 60) + off(0, 60) + on(2, 64) + on(0, 64) + off(0, 64)  # 60 at 4, 64 at 6
    stray = off(2, 60)  # at 8
    path = midi_file(smf(track(kept, dropped, stray)))
    assert_reads(path, (0, False, [(62, 0, 2)]))


def test_a_note_on_of_velocity_zero_is_a_note_off(midi_file) -> None:
    path = midi_file(smf(track(on(0, 60), on(4, 60, velocity=0), on(0, 62), ev(2, 0x90, 62, 0))))
    assert_reads(path, (0, False, [(60, 0, 4), (62, 4, 6)]))


def test_a_note_never_ended_is_dropped(midi_file) -> None:
    path = midi_file(smf(track(on(0, 60), on(0, 62), off(4, 62))))
    assert_reads(path, (0, False, [(62, 0, 4)]))


# ---- instruments and tracks, by hand ---------------------------------------------------------


def test_a_note_belongs_to_the_program_at_its_note_off(midi_file) -> None:
    # Both notes start under program 5; 62 ends under it, 60 after the change to 7.
    path = midi_file(
        smf(track(program(0, 5), on(0, 60), on(0, 62), off(2, 62), program(0, 7), off(2, 60)))
    )
    assert_reads(path, (5, False, [(62, 0, 2)]), (7, False, [(60, 0, 4)]))


def test_two_channels_of_one_track_are_two_instruments_in_order_of_first_note_end(
    midi_file,
) -> None:
    path = midi_file(smf(track(on(0, 60), on(0, 64, channel=1), off(2, 64, 1), off(2, 60))))
    assert_reads(path, (0, False, [(64, 0, 2)]), (0, False, [(60, 0, 4)]))


def test_channel_index_9_is_drums(midi_file) -> None:
    path = midi_file(
        smf(track(program(0, 25, 9), on(0, 36, 9), off(1, 36, 9), on(0, 38, 10), off(1, 38, 10)))
    )
    assert_reads(path, (25, True, [(36, 0, 1)]), (0, False, [(38, 1, 2)]))
    assert [t.is_drum for t in pretty_midi.PrettyMIDI(str(path)).instruments] == [True, False]


def test_one_program_on_two_midi_tracks_is_two_instruments(midi_file) -> None:
    path = midi_file(smf(track(on(0, 60), off(4, 60)), track(on(0, 60), off(2, 60))))
    assert_reads(path, (0, False, [(60, 0, 4)]), (0, False, [(60, 0, 2)]))


def test_a_format_0_file(midi_file) -> None:
    body = track(
        meta(0, 0x51, b"\x07\xa1\x20"), program(0, 40), program(0, 42, 1),
        on(0, 67), on(0, 48, 1), on(0, 36, 9), off(1, 36, 9), off(3, 67), off(4, 48, 1),
    )  # fmt: skip
    path = midi_file(smf(body, fmt=0))
    assert_reads(
        path, (0, True, [(36, 0, 1)]), (40, False, [(67, 0, 4)]), (42, False, [(48, 0, 8)])
    )


def test_a_track_is_named_by_its_first_track_name_event_in_latin_1(midi_file) -> None:
    # The second name comes after the first instrument's first note ends (so pretty_midi
    # names that instrument by the first name too), and before the second's.
    body = track(
        meta(0, 0x03, "Café ÿ".encode("latin-1")), on(0, 60), off(4, 60),
        meta(0, 0x03, b"Later"), on(0, 62, 1), off(4, 62, 1),
    )  # fmt: skip
    path = midi_file(smf(body))
    _, tracks = parse_midi(path)
    assert [track.name for track in tracks] == ["Café ÿ", "Café ÿ"]
    # pretty_midi names an instrument by the track's latest name when it creates it.
    assert [i.name for i in pretty_midi.PrettyMIDI(str(path)).instruments] == ["Café ÿ", "Later"]


def test_an_empty_track_and_notes_only_in_a_later_track(midi_file) -> None:
    conductor = track(meta(0, 0x03, b"conductor"), meta(0, 0x51, b"\x07\xa1\x20"))
    piano = track(meta(0, 0x03, b"piano"), on(2, 60), off(4, 60))
    path = midi_file(smf(conductor, track(), piano))
    assert_reads(path, (0, False, [(60, 2, 6)]))
    _, tracks = parse_midi(path)
    assert tracks[0].name == "piano"
    # A track chunk of no bytes at all (not even its end): pretty_midi failed on it (max() of
    # an empty sequence), musiceval reads it as empty.
    path = midi_file(smf(conductor, b"", piano), "no_bytes.mid")
    assert instruments(path) == [(0, False, [(60, 2, 6)])]
    with pytest.raises(ValueError, match="empty sequence"):
        read_notes_oracle(path)


def test_a_file_without_notes_holds_no_instrument(midi_file) -> None:
    path = midi_file(smf(track(meta(0, 0x03, b"silence"), on(0, 60), off(0, 60))))
    assert parse_midi(path) == (4, [])
    with pytest.raises(ValueError, match=r"song\.mid' holds no instrument"):
        io.read_midi(path)


# ---- bytes between and around the notes, by hand --------------------------------------------


def test_running_status_carries_notes_and_velocity_zero_offs(midi_file) -> None:
    body = track(
        ev(0, 0x90, 60, 100), ev(0, 64, 100),  # on 60, on 64 by running status
        ev(4, 60, 0), ev(0, 64, 0),  # both off: velocity 0, running status
        ev(0, 67, 100), ev(0, 71, 100),
        ev(2, 0x80, 67, 64), ev(0, 71, 64),  # a note-off, then another by running status
    )  # fmt: skip
    path = midi_file(smf(body))
    assert_reads(path, (0, False, [(60, 0, 4), (64, 0, 4), (67, 4, 6), (71, 4, 6)]))


def test_meta_and_sysex_events_between_notes_take_their_delta_times(midi_file) -> None:
    body = track(
        ev(0, 0x90, 60, 100), meta(1, 0x01, b"text"), ev(1, 62, 100),  # meta keeps the status
        sysex(1, b"\x7e\x7f\x09\x01\xf7"), ev(1, 0x80, 60, 0), ev(0, 62, 0),
    )  # fmt: skip
    path = midi_file(smf(body))
    assert_reads(path, (0, False, [(60, 0, 4), (62, 2, 4)]))


def test_a_sysex_event_sets_running_status(midi_file) -> None:
    # After a sysex, a data byte cannot continue the note-on before it: running status is the
    # sysex's, which no data byte may continue (mido would read a second sysex: stricter here).
    path = midi_file(smf(track(ev(0, 0x90, 60, 100), sysex(0, b"\x01\xf7"), ev(4, 60, 0))))
    with pytest.raises(ValueError) as raised:
        io.read_midi(path)
    assert str(raised.value) == f"{str(path)!r} is not a readable MIDI file: {ERRORS[7]}"


def test_an_unknown_meta_event_keeps_its_delta_time_which_0_1_0_lost(midi_file) -> None:
    # mido (1.3) gives an unknown meta event (type 0x35 here) time 0, so pretty_midi and
    # musiceval 0.1.0 moved everything after it earlier by its delta; the standard counts it.
    # The oracle's line pins mido's behaviour that docs/io.md names as a difference from 0.1.0.
    path = midi_file(smf(track(on(0, 60), meta(4, 0x35, b"\x01"), off(4, 60))))
    assert instruments(path) == [(0, False, [(60, 0, 8)])]
    assert read_notes_oracle(path)[1][0][3] == [(60, 0, 4)]


def test_a_file_past_pretty_midis_tick_limit_is_read(midi_file) -> None:
    last = 10**7 + 1000
    path = midi_file(smf(track(on(0, 60), off(last, 60)), division=1000))
    roll = io.read_midi(path, steps_per_beat=1)
    assert roll.shape == (10_001, 128, 1) and roll[:, 60, 0].all() and roll.sum() == 10_001
    assert np.array_equal(roll, read_midi_oracle(path, steps_per_beat=1))
    with pytest.raises(ValueError, match="likely corrupt"):  # the oracle restored the limit
        pretty_midi.PrettyMIDI(str(path))


def test_max_tick_lifted_restores_the_limit_after_an_error() -> None:
    before = pretty_midi.pretty_midi.MAX_TICK
    with pytest.raises(KeyError), max_tick_lifted():
        assert pretty_midi.pretty_midi.MAX_TICK == float("inf")
        raise KeyError("inside")
    assert pretty_midi.pretty_midi.MAX_TICK == before


# ---- real files against 0.1.0's reader -------------------------------------------------------


def test_music21_ships_its_midi_test_files() -> None:
    if importlib.util.find_spec("music21") is None:
        pytest.skip("music21 is not installed")
    assert len(PRIMITIVES) == 21


@pytest.mark.parametrize("path", PRIMITIVES, ids=lambda path: path.name)
def test_music21s_midi_test_files_read_as_0_1_0_read_them(path: Path) -> None:
    assert_as_oracle(path, steps_per_beat=(1, 3, 4, 24))


@pytest.fixture(scope="session")
def corpus_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The pieces of :data:`PIECES` written to MIDI by music21 (an Opus gives its first score)."""
    pytest.importorskip("music21")
    from music21 import corpus, stream

    folder = tmp_path_factory.mktemp("music21_midi")
    files = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, _ in PIECES:
            score = corpus.parse(name)
            if isinstance(score, stream.Opus):
                score = score.scores[0]
            files[name] = folder / (name.replace("/", "_") + ".mid")
            score.write("midi", fp=str(files[name]))
    return files


def sounding_again(path: Path) -> int:
    """How many note-ons find their pitch already sounding on their MIDI track and channel."""
    count = 0
    for midi_track in mido.MidiFile(path).tracks:
        sounding: set[tuple[int, int]] = set()
        for message in midi_track:
            if message.type not in ("note_on", "note_off"):
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                count += key in sounding
                sounding.add(key)
            else:
                sounding.discard(key)
    return count


def test_the_pieces_hold_overlapping_notes_and_one_is_past_the_tick_limit(
    corpus_files: dict[str, Path],
) -> None:
    for name, what in PIECES:
        assert (sounding_again(corpus_files[name]) > 0) == ("overlapping" in what), name
    with pytest.raises(ValueError, match="likely corrupt"):
        pretty_midi.PrettyMIDI(str(corpus_files["haydn/opus74no1/movement1"]))


@pytest.mark.parametrize("name", [name for name, _ in PIECES])
def test_pieces_music21_writes_read_as_0_1_0_read_them(
    corpus_files: dict[str, Path], name: str
) -> None:
    assert_as_oracle(corpus_files[name], steps_per_beat=(4, 12))


# ---- random note events against 0.1.0's reader -----------------------------------------------

EVENT = st.tuples(
    st.sampled_from((0, 0, 0, 1, 2, 5)),  # delta: many events share a tick
    st.sampled_from(("on", "on", "on", "off", "off", "on0", "program")),  # on0: velocity 0
    st.sampled_from((0, 1, 9)),  # channel index
    st.sampled_from((60, 61)),  # pitch; a program change sets program pitch - 60
)


def write_events(path: Path, tracks: list[list[tuple[int, str, int, int]]], tpq: int) -> None:
    song = mido.MidiFile(type=1, ticks_per_beat=tpq)
    for events in tracks:
        messages = mido.MidiTrack()
        for delta, kind, channel, pitch in events:
            if kind == "program":
                message = mido.Message("program_change", channel=channel, program=pitch - 60)
            elif kind == "off":
                message = mido.Message("note_off", channel=channel, note=pitch)
            else:
                velocity = 0 if kind == "on0" else 1 + (delta * 37 + pitch) % 127
                message = mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)
            messages.append(message.copy(time=delta))
        song.tracks.append(messages)
    song.save(path)


@settings(
    max_examples=100,
    derandomize=True,  # a fixed seed: the same files on every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    # at least 8 events a track: most files then hold notes, and in about half of them one
    # note-off ends several notes
    tracks=st.lists(st.lists(EVENT, min_size=8, max_size=30), min_size=1, max_size=3),
    tpq=st.sampled_from((1, 2, 3, 4, 96)),
    steps_per_beat=st.sampled_from((1, 3, 4)),
)
def test_random_note_events_read_as_0_1_0_read_them(
    scratch: Path, tracks: list[list[tuple[int, str, int, int]]], tpq: int, steps_per_beat: int
) -> None:
    path = scratch / "events.mid"
    write_events(path, tracks, tpq)
    ticks_per_beat, expected = read_notes_oracle(path)
    if not expected:  # nothing pretty_midi keeps (the message: test_a_file_without_notes...)
        with pytest.raises(ValueError):
            io.read_midi(path)
        return
    assert instruments(path) == [(prog, drum, notes) for _, prog, drum, notes in expected]
    roll = io.read_midi(path, steps_per_beat=steps_per_beat)
    assert np.array_equal(roll, oracle_roll(ticks_per_beat, expected, steps_per_beat))
