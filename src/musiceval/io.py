"""Piano rolls to and from files: MIDI folders, pypianoroll Multitracks, MIDI and WAV output.

Reading turns songs into fixed-length samples that the metrics take:

* :func:`load_rolls`: what :func:`musiceval.profile`, :func:`musiceval.compare` and the CLI
  accept, as one array: an array or tensor (as it is), an ``.npy`` file (memory-mapped), an
  ``.npz`` file (the array under ``"pianoroll"`` or ``npz_key``), a MIDI file, a folder of MIDI
  files or a :class:`pypianoroll.Multitrack`.
* :func:`read_midi`: one MIDI file as a roll ``(n_steps, 128, n_tracks)``, one track per
  instrument in file order, on a grid of ``steps_per_beat`` steps per quarter note.
* :func:`load_midi_folder`: every ``.mid``/``.midi`` file of a folder, cut into segments of
  ``n_bars`` bars, stacked as ``(n_segments, n_steps, 128, n_tracks)``; unreadable files fail
  the call or are skipped with one warning that lists them (``on_error``). Segments are cut at
  the bar lines of each file's time signatures, and bars that are not ``steps_per_bar`` steps
  long are left out with a warning (``metre="file"``); ``metre="ignore"`` cuts from the first
  tick as musiceval 0.1.0 did.
* :func:`load_midi`: the same for a file or a folder, as a :class:`MidiRolls` that also holds
  each track's name and drum flag (``track_names``, ``is_drum``), each file's time signatures
  (:class:`TimeSignature`) and bars left out (:class:`MetreSkip`), and what was skipped.
* :func:`from_multitrack`: the same for a :class:`pypianoroll.Multitrack`.
* ``tracks=`` of the MIDI readers (:func:`track_map`, :data:`PRESETS`, :class:`TrackMap`, from
  :mod:`musiceval.track_maps`): which track each instrument goes to, so that tracks mean the
  same thing in every file (``"lpd5"``, ``"merged"`` or a mapping; ``docs/tracks.md``).

Writing takes rolls in any accepted layout (see ``docs/conventions.md``), samples one after
the other in time:

* :func:`write_midi`: a standard MIDI file, one instrument per track.
* :func:`write_wav`: the same notes as a 16-bit mono WAV, played by FluidSynth with the General
  MIDI SoundFont that pretty_midi ships when pyfluidsynth and the FluidSynth library are
  installed (``pip install "musiceval[audio]"`` and ``apt-get install fluidsynth``), otherwise
  by pretty_midi's sine waves; ``synth=`` chooses.
* :func:`synthesizer`: which of the two :func:`write_wav` uses, in words, to print.

Conventions (``docs/io.md``): a note is a run of consecutive active steps of one pitch, so two
repeated notes with no gap between them become one long note; note boundaries are rounded to
the nearest step, and a note shorter than half a step keeps one step rather than vanishing.
Velocities are not kept (rolls are binary). Each file is written atomically. The roll read
from one MIDI file has at most ``max_cells`` cells (``2**28`` by default, 256 MiB), checked
before anything of its size is allocated. MIDI files are parsed by musiceval itself (a numba
kernel that pairs note-ons and note-offs as pretty_midi does, about 70 times faster), so reading
needs no extra; writing imports pretty_midi inside the functions: without it, they raise a
``ModuleNotFoundError`` that says ``pip install "musiceval[midi]"`` (``"musiceval[audio]"``
for :func:`write_wav`).

Every bad argument raises :class:`~musiceval.exceptions.InvalidParameterError` (a
``ValueError`` and a ``TypeError``); a MIDI, ``.npy`` or ``.npz`` file that cannot be read
raises ``ValueError`` naming it.
The reading functions live in ``musiceval._midi_read``, the writing ones in
``musiceval._midi_write``; this module is where they are public.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np

from musiceval._checks import check_choice, check_instance, check_int
from musiceval._midi_load import METRES, MidiFileInfo, MidiRolls, load_midi, load_midi_folder
from musiceval._midi_metre import Metre, MetreSkip, TimeSignature
from musiceval._midi_read import MAX_CELLS, MIDI_SUFFIXES, from_multitrack, read_midi
from musiceval._midi_write import Synth, synthesizer, write_midi, write_wav
from musiceval.exceptions import InvalidParameterError
from musiceval.rolls import LAYOUTS, Layout
from musiceval.track_maps import PRESETS, TrackMap, TrackMapSpec, track_map

__all__ = [
    "MIDI_SUFFIXES",
    "NPZ_KEY",
    "PRESETS",
    "Metre",
    "MetreSkip",
    "MidiFileInfo",
    "MidiRolls",
    "Synth",
    "TimeSignature",
    "TrackMap",
    "from_multitrack",
    "is_midi_source",
    "load_midi",
    "load_midi_folder",
    "load_rolls",
    "read_midi",
    "synthesizer",
    "track_map",
    "write_midi",
    "write_wav",
]

NPZ_KEY = "pianoroll"
"""The key of the roll in an ``.npz`` file unless another is named."""


def load_rolls(
    source: Any,
    *,
    layout: Layout = "NTPK",
    npz_key: str | None = None,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    on_error: Literal["raise", "skip"] = "raise",
    tracks: TrackMapSpec | None = None,
    max_cells: int = MAX_CELLS,
    metre: Metre = "file",
) -> Any:
    """The piano rolls held by ``source``, ready for the metrics.

    Parameters
    ----------
    source : ndarray, torch.Tensor, pypianoroll.Multitrack, str or os.PathLike
        An array or tensor (returned as it is); the path of an ``.npy`` file (memory-mapped,
        so a large set is read chunk by chunk), of an ``.npz`` file (the array under
        :data:`NPZ_KEY` or ``npz_key``, read whole: numpy cannot map an archive member), of a
        ``.mid``/``.midi`` file, or of a folder of MIDI files (:func:`load_midi_folder`); or a
        Multitrack (:func:`from_multitrack`).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of an array or file array. MIDI and Multitrack inputs give ``NTPK`` rolls
        and require this default.
    npz_key : str, optional
        Key of the roll in an ``.npz`` file; only for ``.npz`` paths.
    n_bars, steps_per_bar, steps_per_beat, on_error
        How MIDI and Multitrack inputs are cut into samples; see :func:`load_midi_folder`.
    tracks : str, mapping or TrackMap, optional
        Which track each instrument of a MIDI input goes to (``"lpd5"``, ``"merged"``, a
        mapping; see :func:`read_midi` and ``docs/tracks.md``); only for MIDI inputs.
    max_cells : int, default=2**28
        The largest roll one MIDI file or Multitrack may give, in cells (steps x 128 pitches
        x tracks, one byte each; default ``2**28``, 256 MiB); see :func:`read_midi`.
    metre : {"file", "ignore"}, default="file"
        How MIDI inputs are cut into bars: at the files' bar lines, skipping bars that are not
        ``steps_per_bar`` steps long with a warning (``"file"``), or from the first tick
        (``"ignore"``, musiceval 0.1.0's cut); see :func:`load_midi_folder`. Multitracks are
        always cut from their first step.

    Returns
    -------
    ndarray or torch.Tensor
        The rolls; MIDI and Multitrack inputs give bool ``(n_segments, n_bars * steps_per_bar,
        128, n_tracks)`` arrays.

    Raises
    ------
    InvalidParameterError
        An option of the wrong type or value (each is checked whatever ``source`` is), a path
        that does not exist or is of another type, an ``.npz`` without the key (the message
        lists the keys it holds), ``npz_key`` for anything but an ``.npz`` file, or a layout
        other than ``NTPK`` for MIDI or Multitrack input.
    ValueError
        A MIDI file that cannot be read, holds no instrument, is shorter than one segment,
        gives none in its metre or needs a roll of more than ``max_cells`` cells (see
        :func:`load_midi_folder` for folders); an ``.npy`` or ``.npz`` file that numpy cannot
        read (truncated, damaged), named in the message.
    """
    check_choice("layout", layout, LAYOUTS)
    if npz_key is not None:
        check_instance("npz_key", npz_key, str, "a str or None")
    n_bars = check_int("n_bars", n_bars)
    steps_per_bar = check_int("steps_per_bar", steps_per_bar)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    check_choice("on_error", on_error, ("raise", "skip"))
    max_cells = check_int("max_cells", max_cells)
    check_choice("metre", metre, METRES)
    path = Path(source) if isinstance(source, str | os.PathLike) else None
    if npz_key is not None and (path is None or path.suffix.lower() != ".npz"):
        raise InvalidParameterError(f"npz_key applies to .npz files only; got npz_key={npz_key!r}")
    is_midi = is_midi_source(source)
    is_multitrack = hasattr(source, "tracks") and hasattr(source, "resolution")
    if tracks is not None:
        tracks = track_map(tracks)
    if tracks is not None and not is_midi:
        raise InvalidParameterError(
            f"tracks applies to MIDI files and folders only; got tracks={tracks!r}"
        )
    if (is_midi or is_multitrack) and layout != "NTPK":
        raise InvalidParameterError(
            f"MIDI and Multitrack inputs give NTPK rolls; got layout={layout!r} (leave it out)"
        )
    if is_multitrack:
        return from_multitrack(
            source,
            n_bars=n_bars,
            steps_per_bar=steps_per_bar,
            steps_per_beat=steps_per_beat,
            max_cells=max_cells,
        )
    if path is None:
        return source
    if is_midi:
        return load_midi(
            path,
            n_bars=n_bars,
            steps_per_bar=steps_per_bar,
            steps_per_beat=steps_per_beat,
            on_error=on_error,
            tracks=tracks,
            max_cells=max_cells,
            metre=metre,
        ).rolls
    return _load_file(path, npz_key)


def is_midi_source(source: Any) -> bool:
    """Whether ``source`` names a MIDI file (by its suffix) or a folder (of MIDI files)."""
    if not isinstance(source, str | os.PathLike):
        return False
    path = Path(source)
    return path.is_dir() or path.suffix.lower() in MIDI_SUFFIXES


def _load_file(path: Path, npz_key: str | None) -> np.ndarray:
    """The rolls of one ``.npy`` or ``.npz`` file."""
    if not path.is_file():
        raise InvalidParameterError(f"source {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise InvalidParameterError(
            f"source {str(path)!r} is not a piano-roll file; expected .npy, .npz, "
            f"{'/'.join(MIDI_SUFFIXES)} or a folder of MIDI files"
        )
    try:
        return _load_array(path, npz_key)
    except (InvalidParameterError, MemoryError):
        raise
    except Exception as error:  # numpy, zipfile, zlib and tokenize raise many types on damage
        raise ValueError(
            f"{str(path)!r} is not a readable {suffix} file ({type(error).__name__}: {error})"
        ) from None


def _load_array(path: Path, npz_key: str | None) -> np.ndarray:
    """The array of an ``.npy`` file (memory-mapped) or an ``.npz`` file (under ``npz_key``,
    default :data:`NPZ_KEY`)."""
    is_npy = path.suffix.lower() == ".npy"
    loaded = np.load(path, mmap_mode="r" if is_npy else None, allow_pickle=False)
    if is_npy != isinstance(loaded, np.ndarray):  # numpy goes by the content, not the name
        if not is_npy:
            raise ValueError(
                f"it holds one .npy array, not an .npz archive: name it {path.stem}.npy"
            )
        loaded.close()
        raise ValueError(f"it is an .npz archive, not an .npy array: name it {path.stem}.npz")
    if is_npy:
        return loaded
    key = NPZ_KEY if npz_key is None else npz_key
    with loaded as data:
        if key not in data.files:
            raise InvalidParameterError(
                f"{str(path)!r} holds no array {key!r}; it holds {data.files} "
                f"(name another with npz_key=, or --npz-key on the command line)"
            )
        return data[key]
