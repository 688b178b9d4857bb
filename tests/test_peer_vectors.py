"""The vector metrics, the new scalars and find_key against the code of mgeval, musicaiz, AMADS
and music21, wherever the definitions measure the same thing.

mgeval, musicaiz and AMADS are not dependencies and are never downloaded: the function each test
compares with is transcribed below from the peer's own source, keeping its logic and replacing
only its input (a pretty_midi object, a python-midi event list, a musicaiz ``Note`` list or an
AMADS ``Score``) by the same notes built from the test's roll. The notes of a roll are musiceval's
notes: maximal runs of active steps of one pitch (:func:`notes_of`). pretty_midi and music21
are dev dependencies, called as the peers call them.

Sources (the commit read):

- mgeval: github.com/RichardYang40148/mgeval, ``mgeval/core.py`` at commit
  1059c5a4c4128a15812376e2f62dce650e55cd96 (class ``metrics``), which calls pretty_midi 0.2
  (``Instrument.get_piano_roll``, ``PrettyMIDI.get_onsets``,
  ``PrettyMIDI.get_pitch_class_transition_matrix``).
- musicaiz: github.com/carlosholivan/musicaiz at commit
  70f95854a3777b0323ed47f5a0822cf71eb96a70: ``musicaiz/features/pitch.py``,
  ``musicaiz/features/rhythm.py``, ``musicaiz/algorithms/key_profiles.py``,
  ``musicaiz/rhythm/timing.py`` (``NoteLengths``, ``get_symbolic_duration``) and
  ``musicaiz/structure/notes.py`` (note names).
- AMADS: github.com/music-computing/amads at commit 62822a0b2f4a42318a42447fb71b4d065254cb39:
  ``amads/pitch/key/key_cc.py``, ``amads/pitch/key/profiles.py``, ``amads/pitch/pcdist1.py``.
- music21 (installed): ``music21.analysis.discrete.KrumhanslKessler`` and
  ``TemperleyKostkaPayne`` on the chorale scores of its corpus.

What agrees (tested equal) and where the definitions part (tested as documented differences,
see ``docs/metrics.md``):

- ``pitch_class_histogram(weight="cells")`` = mgeval ``total_pitch_class_histogram`` (duration
  weighted, one velocity); ``weight="notes", normalize=None`` = musicaiz
  ``pitch_class_histogram`` (note counts), on any roll.
- ``highest_active_pitch - lowest_active_pitch`` = mgeval ``pitch_range``; both = musicaiz
  ``get_highest_lowest_pitches`` on any non-silent roll.
- ``pitch_class_transition_matrix`` = mgeval ``pitch_class_transition_matrix`` (normalize 0, 2;
  1 where a row has transitions) on legato block chords whose notes have distinct pitch classes;
  = musicaiz ``pitch_class_transition_matrix`` (counts) on melodies. They part on rests, held
  notes and pitch-class doublings (mgeval) and on chords (musicaiz: list order).
- ``ioi_mean`` = mgeval ``avg_IOI`` / step on melodies (mgeval adds a 0 per extra chord note);
  ``ioi_mean``, ``ioi_std`` and ``ioi_histogram`` = musicaiz ``get_ioi`` (duplicates removed) on
  any roll.
- ``pitch_shift`` = mgeval ``avg_pitch_shift`` and musicaiz ``average_pitch_interval`` on
  melodies (both take chords in event order, and give 0 or NaN-with-a-warning for one note).
- ``note_length_histogram`` = mgeval ``note_length_hist`` and musicaiz ``note_length_histogram``
  on notes whose step lengths are exact musical durations (bins mapped); the transition
  matrices agree on melodies after mapping the peers' duration classes to octave bins.
- ``find_key``: all 24 correlations = AMADS ``key_cc`` (note counts: ``weight="notes"``); the key
  = musicaiz ``key_detection`` where durations are whole eighths (``weight="cells"``), and =
  music21 on whole chorales (all 24 correlations, to 1e-9).
"""

from __future__ import annotations

import math
import warnings
from collections import namedtuple
from fractions import Fraction

import numpy as np
import pytest

import musiceval as me
from musiceval.keyfinding import PROFILES, find_key

STEP_S = 0.25  # seconds per step in pretty_midi objects (60 bpm, 4 steps per beat): exact floats
RESOLUTION = 96  # MIDI ticks per quarter note (musicaiz's default)
TICKS_PER_STEP = RESOLUTION // 4  # 4 steps per quarter note
SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
"""pretty_midi.note_number_to_name's names, musicaiz's ``Note.note_name``."""
EXACT = (1, 2, 3, 4, 6, 8, 12, 16)
"""Step lengths (at 4 steps per beat) that are exact musical durations in mgeval and musicaiz."""
OCTAVE = {1: 0, 2: 1, 3: 1, 4: 2, 6: 2, 8: 3, 12: 3, 16: 4, 24: 4}
"""Step length -> the octave bin of ``note_length_transition_matrix``."""


# --- notes, rolls and their peer representations -------------------------------------------


def notes_of(roll: np.ndarray) -> list[tuple[int, int, int]]:
    """``(start, end, pitch)`` of every maximal run of a (T, 128) roll, by start then pitch."""
    notes = []
    for pitch in np.flatnonzero(roll.any(axis=0)):
        edges = np.diff(np.concatenate([[0], roll[:, pitch].astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        notes += [(int(s), int(e), int(pitch)) for s, e in zip(starts, ends, strict=True)]
    return sorted(notes)


def melody(rng: np.random.Generator, lengths=EXACT, n_notes: int = 10, rests: bool = True):
    """A one-note-at-a-time roll; consecutive notes differ in pitch or are split by a rest."""
    steps, pitch = [], -1
    for _ in range(n_notes):
        gap = int(rng.integers(0, 3)) if rests and rng.random() < 0.3 else 0
        new = int(rng.integers(55, 80))
        while gap == 0 and new == pitch:
            new = int(rng.integers(55, 80))
        steps.append((gap, int(rng.choice(lengths)), new))
        pitch = new
    roll = np.zeros((sum(g + n for g, n, _ in steps), 128), dtype=bool)
    t = 0
    for gap, length, pitch in steps:
        roll[t + gap : t + gap + length, pitch] = True
        t += gap + length
    return roll


def block_chords(rng: np.random.Generator, n_chords: int = 8) -> np.ndarray:
    """Legato chords (no rest, no held note), distinct pitch classes within a chord, no pitch
    shared by consecutive chords (so that every note of a chord starts at its onset)."""
    chords, previous = [], set()
    for _ in range(n_chords):
        classes = rng.choice(12, size=int(rng.integers(1, 5)), replace=False)
        pitches = {int(48 + c + 12 * rng.integers(0, 3)) for c in classes}
        while pitches & previous:
            pitches = {p + 12 if p in previous else p for p in pitches}
        chords.append((int(rng.integers(1, 7)), sorted(pitches)))
        previous = pitches
    roll = np.zeros((sum(n for n, _ in chords), 128), dtype=bool)
    t = 0
    for length, pitches in chords:
        roll[t : t + length, pitches] = True
        t += length
    return roll


def polyphonic(rng: np.random.Generator, n_steps: int = 48, lengths=None) -> np.ndarray:
    """Random overlapping notes (chords, held notes, rests), lengths drawn from ``lengths``."""
    roll = np.zeros((n_steps, 128), dtype=bool)
    for _ in range(int(rng.integers(1, 16))):
        pitch, start = int(rng.integers(36, 90)), int(rng.integers(0, n_steps - 1))
        length = int(rng.choice(lengths)) if lengths else int(rng.integers(1, 12))
        if (
            start + length <= n_steps
            and not roll[max(start - 1, 0) : start + length + 1, pitch].any()
        ):  # runs stay notes
            roll[start : start + length, pitch] = True
    return roll


def tp(function, roll, **options):
    return function(roll, layout="TP", **options)


def pretty(roll: np.ndarray):
    """A pretty_midi object holding the roll's notes, ``STEP_S`` seconds per step."""
    pretty_midi = pytest.importorskip("pretty_midi")
    song = pretty_midi.PrettyMIDI()
    instrument = pretty_midi.Instrument(program=0)
    for start, end, pitch in notes_of(roll):
        instrument.notes.append(pretty_midi.Note(100, pitch, start * STEP_S, end * STEP_S))
    song.instruments.append(instrument)
    return song


Event = namedtuple("Event", "tick name data")
"""A python-midi event of an absolute-tick track: ``name`` is its class name, ``data`` its data
(``[pitch, velocity]`` for notes, ``[numerator, log2 denominator, 24, 8]`` for a metre)."""


def events(roll: np.ndarray, time_signature: bool = False) -> list[Event]:
    """The roll's notes as one python-midi track (ticks made absolute, as mgeval does)."""
    track = [Event(0, "TimeSignatureEvent", [4, 2, 24, 8])] if time_signature else []
    pairs = []
    for start, end, pitch in notes_of(roll):
        pairs.append((start * TICKS_PER_STEP, 1, Event(start * TICKS_PER_STEP, "NoteOnEvent",
                                                       [pitch, 100])))  # fmt: skip
        pairs.append((end * TICKS_PER_STEP, 0, Event(end * TICKS_PER_STEP, "NoteOffEvent",
                                                     [pitch, 0])))  # fmt: skip
    return track + [event for _, _, event in sorted(pairs, key=lambda p: (p[0], p[1], p[2].data))]


# --- mgeval, transcribed (mgeval/core.py, class metrics; I/O replaced as said) ---------------
# feature['pretty_midi'] -> a pretty_midi object; feature['midi_pattern'][track_num] -> a list of
# Event; pattern.resolution -> RESOLUTION; `type(e) == midi.events.X` -> `e.name == "X"`.


def mgeval_total_pitch_class_histogram(pm):
    piano_roll = pm.instruments[0].get_piano_roll(fs=100)
    histogram = np.zeros(12)
    for i in range(0, 128):
        pitch_class = i % 12
        histogram[pitch_class] += np.sum(piano_roll, axis=1)[i]
    histogram = histogram / sum(histogram)
    return histogram


def mgeval_pitch_class_transition_matrix(pm, normalize=0):
    transition_matrix = pm.get_pitch_class_transition_matrix()
    if normalize == 0:
        return transition_matrix
    elif normalize == 1:
        sums = np.sum(transition_matrix, axis=1)
        sums[sums == 0] = 1
        return transition_matrix / sums.reshape(-1, 1)
    elif normalize == 2:
        return transition_matrix / sum(sum(transition_matrix))


def mgeval_pitch_range(pm):
    piano_roll = pm.instruments[0].get_piano_roll(fs=100)
    pitch_index = np.where(np.sum(piano_roll, axis=1) > 0)
    p_range = np.max(pitch_index) - np.min(pitch_index)
    return p_range


def mgeval_avg_IOI(pm):
    onset = pm.get_onsets()
    ioi = np.diff(onset)
    avg_ioi = np.mean(ioi)
    return avg_ioi


def mgeval_total_used_note(track):
    used_notes = 0
    for i in range(0, len(track)):
        if track[i].name == "NoteOnEvent" and track[i].data[1] != 0:
            used_notes += 1
    return used_notes


def mgeval_avg_pitch_shift(track):
    total_used_note = mgeval_total_used_note(track)
    d_note = np.zeros(max(total_used_note - 1, 0))
    current_note = 0
    counter = 0
    for i in range(0, len(track)):
        if track[i].name == "NoteOnEvent" and track[i].data[1] != 0:
            if counter != 0:
                d_note[counter - 1] = current_note - track[i].data[0]
                current_note = track[i].data[0]
                counter += 1
            else:
                current_note = track[i].data[0]
                counter += 1
    pitch_shift = np.mean(abs(d_note))
    return pitch_shift


def _mgeval_note_classes(track, track_num=1):
    """The class index of every note, in event order: the loop shared, word for word, by
    ``note_length_hist`` and ``note_length_transition_matrix`` (``pause_event=False``)."""
    classes = []
    resolution = RESOLUTION
    for i in range(0, len(track)):
        if track[i].name == "TimeSignatureEvent":
            time_sig = track[i].data
            bar_length = time_sig[track_num] * resolution * 4 / 2 ** (time_sig[1])
        elif track[i].name == "NoteOnEvent" and track[i].data[1] != 0:
            if "time_sig" not in locals():  # set default bar length as 4 beat
                bar_length = 4 * resolution
                time_sig = [4, 2, 24, 8]
            unit = bar_length / 96.0
            hist_list = [unit * 96, unit * 48, unit * 24, unit * 12, unit * 6, unit * 72,
                         unit * 36, unit * 18, unit * 9, unit * 32, unit * 16,
                         unit * 8]  # fmt: skip
            current_tick = track[i].tick
            current_note = track[i].data[0]
            for j in range(i, len(track)):  # find next note off
                if track[j].name == "NoteOffEvent" or (
                    track[j].name == "NoteOnEvent" and track[j].data[1] == 0
                ):
                    if track[j].data[0] == current_note:
                        note_length = track[j].tick - current_tick
                        distance = np.abs(np.array(hist_list) - note_length)
                        classes.append(int(distance.argmin()))
                        break
    return classes


def mgeval_note_length_hist(track, normalize=True):
    note_length_hist = np.zeros(12)
    for idx in _mgeval_note_classes(track):
        note_length_hist[idx] += 1
    return note_length_hist / np.sum(note_length_hist) if normalize else note_length_hist


def mgeval_note_length_transition_matrix(track):
    transition_matrix = np.zeros((12, 12))
    idx = None
    for new in _mgeval_note_classes(track):
        last_idx, idx = idx, new
        if last_idx is not None:
            transition_matrix[last_idx][idx] += 1
    return transition_matrix  # normalize=0


MGEVAL_STEPS = (16, 8, 4, 2, 1, 12, 6, 3, 1.5, 16 / 3, 8 / 3, 4 / 3)
"""mgeval's 12 classes (whole, half, ..., dotted, triplets) in steps at 4 steps per beat."""


# --- musicaiz, transcribed --------------------------------------------------------------------
# A musicaiz Note is built by NoteValue/NoteTiming (structure/notes.py): note_name from
# pretty_midi's sharp names, start_sec = ticks * ms_per_tick / 1000, symbolic =
# get_symbolic_duration(end_ticks - start_ticks, True, resolution).

MusicaizNote = namedtuple(
    "MusicaizNote", "pitch note_name start_ticks end_ticks start_sec symbolic"
)

MUSICAIZ_LENGTHS = {  # rhythm/timing.py NoteLengths, in fractions of a whole note
    "DOTTED_WHOLE": 3 / 2, "WHOLE": 1, "DOTTED_HALF": 3 / 4, "HALF": 1 / 2,
    "DOTTED_QUARTER": 3 / 8, "QUARTER": 1 / 4, "DOTTED_EIGHT": 3 / 16, "EIGHT": 1 / 8,
    "DOTTED_SIXTEENTH": 3 / 32, "SIXTEENTH": 1 / 16, "DOTTED_THIRTY_SECOND": 3 / 64,
    "THIRTY_SECOND": 1 / 32, "DOTTED_SIXTY_FOUR": 3 / 128, "SIXTY_FOUR": 1 / 64,
    "DOTTED_HUNDRED_TWENTY_EIGHT": 3 / 256, "HUNDRED_TWENTY_EIGHT": 1 / 128,
    "HALF_TRIPLET": 1 / 3, "QUARTER_TRIPLET": 1 / 6, "EIGHT_TRIPLET": 1 / 12,
    "SIXTEENTH_TRIPLET": 1 / 24,
}  # fmt: skip


def musicaiz_note_ticks_mapping(triplets=False, resolution=RESOLUTION):
    dict_notes = {}
    for note_dur, fraction in MUSICAIZ_LENGTHS.items():
        if not triplets and "TRIPLET" in note_dur:
            continue
        dict_notes.update({note_dur: round(resolution * fraction / (1 / 4))})
    return dict_notes


def musicaiz_get_symbolic_duration(duration, triplets=False, resolution=RESOLUTION):
    notes_ticks = musicaiz_note_ticks_mapping(triplets, resolution)
    arr = np.asarray(list(notes_ticks.values()))
    i = (np.abs(arr - duration)).argmin()
    return list(notes_ticks.keys())[i]


def musicaiz_notes(roll: np.ndarray) -> list[MusicaizNote]:
    ms_tick = 60000 / (120 * RESOLUTION)  # ms_per_tick(bpm=120, resolution=96)
    out = []
    for start, end, pitch in notes_of(roll):
        ticks = (start * TICKS_PER_STEP, end * TICKS_PER_STEP)
        symbolic = musicaiz_get_symbolic_duration(ticks[1] - ticks[0], True, RESOLUTION)
        out.append(MusicaizNote(pitch, SHARP_NAMES[pitch % 12], *ticks,
                                ticks[0] * ms_tick / 1000, symbolic))  # fmt: skip
    return out


def musicaiz_get_ioi(all_note_on, delete_overlap=True):
    if delete_overlap:
        all_note_on = list(dict.fromkeys(all_note_on))
    iois = []
    for i in range(len(all_note_on)):
        if i == 0:
            continue
        iois.append(all_note_on[i] - all_note_on[i - 1])
    return iois


def musicaiz_get_start_sec(notes):
    return sorted(note.start_sec for note in notes)


def musicaiz_get_highest_lowest_pitches(notes):
    lowest_pitch, highest_pitch = 10000, 0
    for note in notes:
        if note.pitch < lowest_pitch:
            lowest_pitch = note.pitch
        if note.pitch > highest_pitch:
            highest_pitch = note.pitch
    return highest_pitch, lowest_pitch


def musicaiz_average_pitch_interval(notes):
    intervals = []
    for i in range(len(notes)):
        if i + 1 == len(notes):
            break
        intervals.append(abs(notes[i].pitch - notes[i + 1].pitch))
    return sum(intervals) / len(intervals) if len(intervals) != 0 else 0


def _musicaiz_note_classes(notes, feature):
    notes_dict = {}
    for note in notes:
        attr = note.note_name if feature == "note_name" else note.symbolic
        notes_dict[str(attr)] = notes_dict.get(str(attr), 0) + 1
    return notes_dict


def musicaiz_pitch_class_histogram(notes):
    pitch_class_hist = np.zeros(12, dtype=int)
    for k, v in _musicaiz_note_classes(notes, "note_name").items():
        pitch_class_hist[SHARP_NAMES.index(k)] = v  # NoteClassBase[...].chromatic_scale_index
    return pitch_class_hist


def _musicaiz_class_transition_dict(notes, feature="pitch"):
    pitch_trans_dict = {}
    for i, _ in enumerate(notes):
        if i != 0:
            if feature == "pitch":
                act_note, prev_note = notes[i].note_name, notes[i - 1].note_name
            else:
                act_note, prev_note = notes[i].symbolic.lower(), notes[i - 1].symbolic.lower()
            key = prev_note + "-" + act_note
            pitch_trans_dict[key] = pitch_trans_dict.get(key, 0) + 1
    return pitch_trans_dict


def musicaiz_pitch_class_transition_matrix(notes):
    pctm = np.zeros(shape=(12, 12))
    for key, val in _musicaiz_class_transition_dict(notes, "pitch").items():
        prev_note, next_note = key.split("-")[0], key.split("-")[1]
        pctm[SHARP_NAMES.index(prev_note), SHARP_NAMES.index(next_note)] = val
    return pctm


def musicaiz_note_length_histogram(notes):
    all_lengths = list(musicaiz_note_ticks_mapping(True))
    note_length_hist = np.zeros(len(all_lengths), dtype=int)
    for k, v in _musicaiz_note_classes(notes, "note_length").items():
        note_length_hist[all_lengths.index(k)] = v
    return note_length_hist


def musicaiz_note_length_transition_matrix(notes):
    note_lengths = musicaiz_note_ticks_mapping(True)
    nltm = np.zeros(shape=(len(note_lengths), len(note_lengths)))
    for key, val in _musicaiz_class_transition_dict(notes, "note_length").items():
        prev_note, next_note = key.split("-")[0].upper(), key.split("-")[1].upper()
        for i, note_length in enumerate(list(note_lengths.keys())):
            if prev_note == note_length:
                prev_note_pos = i
            if next_note == note_length:
                next_note_pos = i
        nltm[prev_note_pos, next_note_pos] = val
    return nltm


MUSICAIZ_KEY_NAMES = ["C", "C_SHARP", "D", "D_SHARP", "E", "F", "F_SHARP", "G", "G_SHARP", "A",
                      "A_SHARP", "B"]  # fmt: skip
MUSICAIZ_PROFILES = {  # algorithms/key_profiles.py: KrumhanslKessler, Temperley, AlbrechtShanahan
    "k-k": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
            (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    "temperley": ((0.748, 0.060, 0.488, 0.082, 0.67, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057,
                   0.400),
                  (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133,
                   0.330)),
    "a-s": ((0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
            (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052)),
}  # fmt: skip


def musicaiz_eights_per_pitch_class(notes):
    pitches_ticks = {}
    for note in notes:
        dur = note.end_ticks - note.start_ticks
        pitches_ticks[note.note_name] = pitches_ticks.get(note.note_name, 0) + dur
    ticks_eight = round(RESOLUTION * (1 / 8) / (1 / 4))  # NoteLengths.EIGHT.ticks()
    durations = {pitch: int(v / ticks_eight) for pitch, v in pitches_ticks.items()}
    dur = {}
    for note in durations:
        dur.update({note.replace("#", "_SHARP").replace("b", "_FLAT"): durations[note]})
    for n in MUSICAIZ_KEY_NAMES:
        if n not in dur:
            dur.update({n: 0})
    return dict(sorted(dur.items(), key=lambda x: MUSICAIZ_KEY_NAMES.index(x[0])))


def musicaiz_correlation(keys):
    corr_keys = {}
    for key, val in keys.items():
        x_y, x_2, y_2 = [], [], []
        pitch = [v[0] for v in val.values()]
        dur = [v[1] for v in val.values()]
        for v in val.values():
            x_diff = v[0] - (sum(pitch) / len(pitch))
            y_diff = v[1] - (sum(dur) / len(dur))
            x_y.append(x_diff * y_diff)
            x_2.append(x_diff**2)
            y_2.append(y_diff**2)
        corr_keys.update({key: (sum(x_y) / math.sqrt(sum(x_2) * sum(y_2)))})
    return corr_keys


def musicaiz_key_detection(notes, method="k-k"):
    durations = musicaiz_eights_per_pitch_class(notes)
    major, minor = (
        dict(zip(MUSICAIZ_KEY_NAMES, w, strict=True)) for w in MUSICAIZ_PROFILES[method]
    )
    keys = {}
    for note in durations:
        major_key, minor_key = {}, {}
        note_idx = list(durations.keys()).index(note)
        values = list(durations.values())
        values = values[note_idx:] + values[:note_idx]
        for i, l_note in enumerate(durations.keys()):
            major_key.update({l_note: (major[l_note], values[i])})
            minor_key.update({l_note: (minor[l_note], values[i])})
        keys.update({note + "_MAJOR": major_key})
        keys.update({note + "_MINOR": minor_key})
    corr = musicaiz_correlation(keys)
    return max(corr.items(), key=lambda item: item[1])[0], corr


# --- AMADS, transcribed (key_cc with weighted=False; profiles as printed) --------------------

AMADS_PROFILES = {  # amads/pitch/key/profiles.py
    "krumhansl": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
                  (6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    "temperley": ((0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4),
                  (0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133,
                   0.33)),  # TemperleyKostkaPayne (AMADS's "Temperley" is the 1999 profile)
    "albrecht": ((0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.08, 0.008,
                  0.081),
                 (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061,
                  0.052)),
}  # fmt: skip


def amads_as_canonical_matrix(data):
    profile_matrix = np.zeros((12, 12))
    for i in range(12):
        profile_matrix[i] = data[-i:] + data[:-i]
    return profile_matrix


def amads_pitch_class_distribution_1(pitches):
    bins = [0.0] * 12
    for pitch in pitches:  # score.find_all(Note), tied notes merged: our notes
        bins[round(pitch) % 12] += 1.0
    total = sum(bins)
    return [b / total for b in bins] if total else bins  # Histogram1D.normalize


def amads_key_cc(pitches, profile):
    pcd = np.array([amads_pitch_class_distribution_1(pitches)])
    results = []
    for attr_name, data in zip(("major", "minor"), AMADS_PROFILES[profile], strict=True):
        combined_matrix = np.concatenate((pcd, amads_as_canonical_matrix(data)), axis=0)
        correlations = tuple(np.corrcoef(combined_matrix)[0, 1:])
        if any(math.isnan(val) for val in correlations):
            raise RuntimeError("key_cc has encountered either an invalid or equal weight score")
        results.append((attr_name, correlations))
    return results


SEEDS = range(25)


# --- mgeval -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_mgeval_total_pitch_class_histogram_and_pitch_range(seed):
    """Duration-weighted at one velocity: ``weight="cells"``. Its pitch range is ours."""
    roll = polyphonic(np.random.default_rng(seed))
    song = pretty(roll)
    np.testing.assert_allclose(
        tp(me.pitch_class_histogram, roll), mgeval_total_pitch_class_histogram(song), atol=1e-12
    )
    low, high = tp(me.lowest_active_pitch, roll), tp(me.highest_active_pitch, roll)
    assert high - low == mgeval_pitch_range(song) == tp(me.pitch_range, roll)


@pytest.mark.parametrize("seed", SEEDS)
def test_mgeval_pitch_class_transition_matrix_on_legato_block_chords(seed):
    """pretty_midi joins A to B when B starts within 50 ms of A's end: on legato chords with
    distinct classes, every note of a chord to every note of the next, as our onset sets."""
    roll = block_chords(np.random.default_rng(seed))
    song = pretty(roll)
    counts = mgeval_pitch_class_transition_matrix(song, 0)
    np.testing.assert_array_equal(
        tp(me.pitch_class_transition_matrix, roll, normalize=None), counts
    )
    total = tp(me.pitch_class_transition_matrix, roll)
    np.testing.assert_allclose(total, mgeval_pitch_class_transition_matrix(song, 2), atol=1e-12)
    row = tp(me.pitch_class_transition_matrix, roll, normalize="row")
    leads = counts.sum(axis=1) > 0
    np.testing.assert_allclose(row[leads], mgeval_pitch_class_transition_matrix(song, 1)[leads])
    assert np.isnan(row[~leads]).all()  # mgeval writes 0 there: "undefined, not 0"
    assert (mgeval_pitch_class_transition_matrix(song, 1)[~leads] == 0).all()


def test_mgeval_pitch_class_transitions_differ_on_rests_held_notes_and_doublings():
    roll = np.zeros((16, 128), dtype=bool)
    roll[0:4, 60] = roll[6:8, 62] = True  # C, a rest, D: mgeval sees no transition
    assert mgeval_pitch_class_transition_matrix(pretty(roll)).sum() == 0
    assert tp(me.pitch_class_transition_matrix, roll, normalize=None)[0, 2] == 1
    roll = np.zeros((8, 128), dtype=bool)
    roll[0:4, 67] = roll[4:8, [48, 60]] = True  # G, then C3 + C4: pretty_midi counts G->C twice
    assert mgeval_pitch_class_transition_matrix(pretty(roll))[7, 0] == 2
    assert tp(me.pitch_class_transition_matrix, roll, normalize=None)[7, 0] == 1  # a set


@pytest.mark.parametrize("seed", SEEDS)
def test_mgeval_avg_ioi_and_avg_pitch_shift_on_melodies(seed):
    roll = melody(np.random.default_rng(seed), lengths=range(1, 9))
    assert mgeval_avg_IOI(pretty(roll)) / STEP_S == pytest.approx(tp(me.ioi_mean, roll), abs=1e-12)
    assert mgeval_avg_pitch_shift(events(roll)) == pytest.approx(tp(me.pitch_shift, roll))


def test_mgeval_avg_ioi_and_avg_pitch_shift_differ_on_chords():
    roll = np.zeros((16, 128), dtype=bool)
    roll[0:4, 60] = roll[4:6, [64, 67]] = roll[10:12, 62] = True  # onsets 0, 4 (a chord), 10
    assert mgeval_avg_IOI(pretty(roll)) / STEP_S == pytest.approx(10 / 3)  # IOIs 4, 0, 6
    assert tp(me.ioi_mean, roll) == 5.0  # IOIs 4, 6
    roll = np.zeros((16, 128), dtype=bool)
    roll[0:4, [60, 64, 67]] = roll[8:12, [60, 64, 67]] = True  # C-E-G twice
    assert mgeval_avg_pitch_shift(events(roll)) == pytest.approx(4.2)  # 4, 3, 7, 4, 3
    assert tp(me.pitch_shift, roll) == 0.0
    one = np.zeros((4, 128), dtype=bool)
    one[:, 60] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy: mean of an empty slice
        assert math.isnan(mgeval_avg_pitch_shift(events(one)))
    assert math.isnan(tp(me.pitch_shift, one))


@pytest.mark.parametrize("seed", SEEDS)
def test_mgeval_note_length_hist_on_exact_lengths(seed):
    """mgeval's classes of ``EXACT`` lengths hold exactly the notes of our step bins."""
    roll = polyphonic(np.random.default_rng(seed), n_steps=64, lengths=EXACT)
    peer = mgeval_note_length_hist(events(roll), normalize=False)
    ours = tp(me.note_length_histogram, roll, normalize=None)
    for k, steps in enumerate(MGEVAL_STEPS):
        assert peer[k] == (ours[int(steps) - 1] if steps in EXACT else 0)
    assert ours.sum() == peer.sum() == len(notes_of(roll))


@pytest.mark.parametrize("seed", SEEDS)
def test_mgeval_note_length_transition_matrix_on_melodies(seed):
    """On a melody, mgeval's 12 x 12 counts folded onto our octave bins are our counts."""
    roll = melody(np.random.default_rng(seed))
    fold = np.zeros((12, 6))
    for k, steps in enumerate(MGEVAL_STEPS):
        if steps in EXACT:
            fold[k, OCTAVE[int(steps)]] = 1
    peer = fold.T @ mgeval_note_length_transition_matrix(events(roll)) @ fold
    np.testing.assert_array_equal(tp(me.note_length_transition_matrix, roll, normalize=None), peer)


def test_mgeval_note_length_classes_halve_with_a_time_signature_event():
    """mgeval's ``time_sig[track_num]`` (the denominator's log2, 2, for track 1) makes a 4/4 bar
    two beats long: with a TimeSignatureEvent in the track a quarter note is classed a half."""
    roll = np.zeros((4, 128), dtype=bool)
    roll[:, 60] = True  # one quarter note
    assert mgeval_note_length_hist(events(roll), normalize=False)[2] == 1  # quarter
    with_metre = mgeval_note_length_hist(events(roll, time_signature=True), normalize=False)
    assert with_metre[1] == 1  # half
    assert tp(me.note_length_histogram, roll, normalize=None)[3] == 1  # 4 steps, any metre


# --- musicaiz ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_musicaiz_iois_histogram_pitches_on_any_roll(seed):
    """``get_ioi`` removes duplicate onsets (a chord is one onset), as ours; the pitch-class
    histogram counts notes; the extreme pitches are ours."""
    roll = polyphonic(np.random.default_rng(seed))
    notes = musicaiz_notes(roll)
    step_s = TICKS_PER_STEP * 60 / (120 * RESOLUTION)
    iois = np.array(musicaiz_get_ioi(musicaiz_get_start_sec(notes))) / step_s
    if len(iois):
        assert tp(me.ioi_mean, roll) == pytest.approx(iois.mean(), abs=1e-9)
        assert tp(me.ioi_std, roll) == pytest.approx(iois.std(), abs=1e-9)
        counts = np.bincount(np.minimum(np.rint(iois).astype(int), 32) - 1, minlength=32)
        np.testing.assert_array_equal(tp(me.ioi_histogram, roll, normalize=None), counts)
    else:
        assert math.isnan(tp(me.ioi_mean, roll))
    np.testing.assert_array_equal(
        tp(me.pitch_class_histogram, roll, weight="notes", normalize=None),
        musicaiz_pitch_class_histogram(notes),
    )
    high, low = musicaiz_get_highest_lowest_pitches(notes)
    assert (tp(me.lowest_active_pitch, roll), tp(me.highest_active_pitch, roll)) == (low, high)


@pytest.mark.parametrize("seed", SEEDS)
def test_musicaiz_pitch_interval_and_transitions_on_melodies(seed):
    roll = melody(np.random.default_rng(seed), lengths=(1, 2, 3, 4, 6, 8, 12, 16, 24))
    notes = musicaiz_notes(roll)
    assert tp(me.pitch_shift, roll) == pytest.approx(musicaiz_average_pitch_interval(notes))
    np.testing.assert_array_equal(
        tp(me.pitch_class_transition_matrix, roll, normalize=None),
        musicaiz_pitch_class_transition_matrix(notes),
    )
    names = list(musicaiz_note_ticks_mapping(True))
    steps = {
        name: ticks / TICKS_PER_STEP for name, ticks in musicaiz_note_ticks_mapping(True).items()
    }
    fold = np.zeros((len(names), 6))
    for k, name in enumerate(names):
        if steps[name] in OCTAVE:
            fold[k, OCTAVE[int(steps[name])]] = 1
    peer = fold.T @ musicaiz_note_length_transition_matrix(notes) @ fold
    np.testing.assert_array_equal(tp(me.note_length_transition_matrix, roll, normalize=None), peer)
    histogram = musicaiz_note_length_histogram(notes)
    ours = tp(me.note_length_histogram, roll, normalize=None)
    for k, name in enumerate(names):
        assert histogram[k] == (ours[int(steps[name]) - 1] if steps[name] in OCTAVE else 0)


def test_musicaiz_pitch_interval_differs_on_chords_and_one_note():
    roll = np.zeros((16, 128), dtype=bool)
    roll[0:4, [60, 64, 67]] = roll[8:12, [60, 64, 67]] = True
    assert musicaiz_average_pitch_interval(musicaiz_notes(roll)) == pytest.approx(21 / 5)
    assert tp(me.pitch_shift, roll) == 0.0
    assert (
        musicaiz_average_pitch_interval(musicaiz_notes(roll[:4, :] & (np.arange(128) == 60))) == 0
    )
    assert math.isnan(tp(me.pitch_shift, roll[:4, :] & (np.arange(128) == 60)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("method", "profile"), [("k-k", "krumhansl"), ("temperley", "temperley"),
                                                 ("a-s", "albrecht")])  # fmt: skip
def test_musicaiz_key_detection_on_whole_eighths(seed, method, profile):
    """musicaiz counts whole eighth notes per pitch class (truncating): with even step lengths
    that is half our cell count, and Pearson's r does not see the factor."""
    roll = polyphonic(np.random.default_rng(seed), n_steps=64, lengths=(2, 4, 6, 8))
    name, correlations = musicaiz_key_detection(musicaiz_notes(roll), method)
    key = find_key(roll, profile, layout="TP")
    for tonic, key_name in enumerate(MUSICAIZ_KEY_NAMES):
        for mode in (0, 1):
            theirs = correlations[f"{key_name}_{('MAJOR', 'MINOR')[mode]}"]
            assert key.correlations[0, 0, tonic + 12 * mode] == pytest.approx(theirs, abs=1e-12)
    first, second = np.sort(key.correlations[0, 0])[::-1][:2]
    if first - second > 1e-9:
        tonic, mode = name.rsplit("_", 1)
        expected = (MUSICAIZ_KEY_NAMES.index(tonic), mode.lower())
        assert (key.tonic[0, 0], key.mode[0, 0]) == expected


# --- AMADS ------------------------------------------------------------------------------------


def test_amads_and_musicaiz_profiles_are_ours():
    for profile, (major, minor) in AMADS_PROFILES.items():
        assert PROFILES[profile] == (major, minor)
    for method, profile in [("k-k", "krumhansl"), ("temperley", "temperley"), ("a-s", "albrecht")]:
        assert PROFILES[profile] == MUSICAIZ_PROFILES[method]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("profile", sorted(AMADS_PROFILES))
def test_amads_key_cc_is_find_key_with_weight_notes(seed, profile):
    roll = polyphonic(np.random.default_rng(seed))
    (_, major), (_, minor) = amads_key_cc([p for _, _, p in notes_of(roll)], profile)
    key = find_key(roll, profile, layout="TP", weight="notes")
    np.testing.assert_allclose(key.correlations[0, 0], major + minor, rtol=0, atol=1e-12)
    assert key.correlation[0, 0] == pytest.approx(max(major + minor), abs=1e-12)  # max_key_cc


def test_amads_key_cc_raises_where_find_key_has_no_key():
    roll = np.zeros((4, 128), dtype=bool)
    roll[0, 60:72] = True  # the twelve classes once each: no variance
    with warnings.catch_warnings(), pytest.raises(RuntimeError):
        warnings.simplefilter("ignore", RuntimeWarning)
        amads_key_cc([p for _, _, p in notes_of(roll)], "krumhansl")
    key = find_key(roll, layout="TP", weight="notes")
    assert key.tonic[0, 0] == -1 and key.mode[0, 0] == "" and np.isnan(key.correlations).all()


# --- music21 ----------------------------------------------------------------------------------

CHORALES = ("bwv2.6", "bwv3.6", "bwv4.8", "bwv5.7", "bwv6.6", "bwv8.6", "bwv9.7", "bwv10.7",
            "bwv66.6", "bwv57.8")  # fmt: skip
"""The first eight of music21's chorale catalogue, and the two of its key-analysis docstring."""


def score_roll(score, steps_per_quarter: int = 24) -> np.ndarray:
    """A whole score as one (T, 128) track: its parts one after the other, so that a pitch two
    voices sound together counts twice, as in music21's distribution. 24 steps per quarter
    note hold the chorales' durations (32nd notes, triplets) exactly."""
    blocks = []
    for part in score.parts:
        notes = [(Fraction(e.offset), Fraction(e.duration.quarterLength), e.pitches)
                 for e in part.flatten().notes if e.duration.quarterLength > 0]  # fmt: skip
        end = max((onset + length for onset, length, _ in notes), default=0)
        block = np.zeros((round(end * steps_per_quarter), 128), dtype=bool)
        for onset, length, pitches in notes:
            start, stop = (
                round(onset * steps_per_quarter),
                round((onset + length) * steps_per_quarter),
            )
            block[start:stop, [p.midi for p in pitches]] = True
        blocks.append(block)
    return np.concatenate(blocks)


@pytest.mark.parametrize("chorale", CHORALES)
def test_music21_key_of_whole_chorales_is_find_key_on_their_roll(chorale):
    """music21 correlates the duration-weighted distribution of every note of the score (all
    parts) with the 24 rotated profiles and keeps the largest: ``weight="cells"`` on the same
    notes. All 24 coefficients agree, and so the key. (Over the 352 chorales of the catalogue
    both profiles agree on every key; see also tests/test_keyfinding.py for the segments.)"""
    corpus = pytest.importorskip("music21.corpus")
    from music21.analysis import discrete

    score = corpus.parse(f"bach/{chorale}.mxl")
    roll = score_roll(score)
    for profile, analysis in [("krumhansl", discrete.KrumhanslKessler()),
                              ("temperley", discrete.TemperleyKostkaPayne())]:  # fmt: skip
        best = analysis.getSolution(score)
        theirs = np.full(24, np.nan)
        for key in [best, *best.alternateInterpretations]:
            theirs[key.tonic.pitchClass + 12 * (key.mode == "minor")] = key.correlationCoefficient
        ours = find_key(roll, profile, layout="TP")
        np.testing.assert_allclose(ours.correlations[0, 0], theirs, rtol=0, atol=1e-9)
        assert (ours.tonic[0, 0], ours.mode[0, 0]) == (best.tonic.pitchClass, best.mode)
