"""Keys, modes and pitch-class masks.

A key is a pitch class (0 = C, 1 = C#/Db, ..., 11 = B) given as an int or a name such as
``"C"``, ``"F#"``, ``"Bb"``; a mode is one of :data:`MODES`. :func:`scale_mask` returns the
12-element boolean mask of the pitch classes in the scale.
"""

import re
from numbers import Integral
from typing import Literal

import numpy as np

from musiceval._checks import check_choice, check_int, check_real, invalid

__all__ = ["MODES", "Mode", "key_name", "parse_key", "scale_mask", "tonal_matrix"]

Mode = Literal[
    "major", "ionian", "dorian", "phrygian", "lydian", "mixolydian", "minor", "natural_minor",
    "aeolian", "locrian", "harmonic_minor", "melodic_minor",
]  # fmt: skip
"""The modes :data:`MODES` holds, as a type."""

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "natural_minor": (0, 2, 3, 5, 7, 8, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
}

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_KEY_PATTERN = re.compile(r"^([A-Ga-g])(#{1,2}|b{1,2}|♯|♭)?$")


def parse_key(key: int | str) -> int:
    """Return the pitch class (0-11, C = 0) of ``key``.

    ``key`` is an int in 0..11 or a name: a letter A-G followed by up to two ``#`` or ``b``
    (``"C"``, ``"F#"``, ``"Bb"``, ``"Cb"`` = 11). Anything else raises
    :class:`~musiceval.exceptions.InvalidParameterError` (a ``ValueError`` and a ``TypeError``).
    """
    if isinstance(key, bool) or not isinstance(key, Integral | str):
        raise invalid("key", "a pitch class int 0-11 or a name like 'F#'", key)
    if isinstance(key, Integral):
        if not 0 <= int(key) <= 11:
            raise invalid("key", "a pitch class in 0..11 (C = 0)", key)
        return int(key)
    match = _KEY_PATTERN.match(key.strip())
    if match is None:
        raise invalid(
            "key", "a note name: a letter A-G with optional '#'/'b' (e.g. 'C', 'F#', 'Bb')", key
        )
    letter, accidental = match.groups()
    accidental = (accidental or "").replace("♯", "#").replace("♭", "b")
    return (_LETTERS[letter.upper()] + accidental.count("#") - accidental.count("b")) % 12


def key_name(pitch_class: int) -> str:
    """Return the conventional name of a pitch class (sharps for C#/F#, flats otherwise).

    ``pitch_class`` is any int, read modulo 12 (so a MIDI number works too).
    """
    return _NAMES[check_int("pitch_class", pitch_class, minimum=None) % 12]


def scale_mask(key: int | str = "C", mode: str = "major") -> np.ndarray:
    """Return the boolean mask, shape ``(12,)``, of the pitch classes in ``key`` ``mode``.

    ``mode`` is one of :data:`MODES`; a bad ``key`` or ``mode`` raises
    :class:`~musiceval.exceptions.InvalidParameterError`.
    """
    check_choice("mode", mode, MODES)
    root = parse_key(key)
    mask = np.zeros(12, dtype=bool)
    mask[[(root + step) % 12 for step in MODES[mode]]] = True
    return mask


def tonal_matrix(radii: tuple[float, float, float]) -> np.ndarray:
    """Harte et al.'s (2006) ``(6, 12)`` map from a chroma vector to its tonal centroid.

    Rows: the circle of fifths, of minor thirds and of major thirds, each as (sin, cos),
    scaled by ``radii`` (three finite numbers; Harte et al. use 1, 1 and 0.5).
    """
    if not isinstance(radii, tuple | list) or len(radii) != 3:
        raise invalid("radii", "three numbers (r1, r2, r3)", radii)
    r1, r2, r3 = (check_real("radii", radius) for radius in radii)
    angles = np.arange(12) * np.pi
    return np.stack([
        r1 * np.sin(angles * 7 / 6), r1 * np.cos(angles * 7 / 6),
        r2 * np.sin(angles * 3 / 2), r2 * np.cos(angles * 3 / 2),
        r3 * np.sin(angles * 2 / 3), r3 * np.cos(angles * 2 / 3),
    ])  # fmt: skip
