"""Key finding by profile correlation (the Krumhansl-Schmuckler algorithm).

For every sample and track, the pitch-class histogram of the roll is correlated with the 24
rotations of a major and a minor key profile; the best-correlated key is the estimate. This is
a different algorithm from :func:`musiceval.best_key`, which picks the scale holding the most
active cells (see ``docs/keys.md``).

References
----------
.. [1] C. L. Krumhansl and E. J. Kessler, "Tracing the dynamic changes in perceived tonal
   organization in a spatial representation of musical keys", Psychological Review 89(4),
   1982. C. L. Krumhansl, *Cognitive Foundations of Musical Pitch*, Oxford UP, 1990.
.. [2] D. Temperley, *Music and Probability*, MIT Press, 2007 (profiles from the Kostka-Payne
   harmony textbook corpus), as in music21's ``analysis.discrete.TemperleyKostkaPayne``.
.. [3] J. Albrecht and D. Shanahan, "The use of large corpora to train a new type of
   key-finding algorithm: an improved treatment of the minor mode", Music Perception 31(1),
   59-67, 2013, as in AMADS ``amads/pitch/key/profiles.py`` (``AlbrechtShanahan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args

import numpy as np

from musiceval._checks import check_choice
from musiceval.rolls import WEIGHTS, Layout, Weight, as_roll

__all__ = ["KEY_PROFILES", "PROFILES", "KeyEstimate", "KeyProfile", "best_key_indices", "find_key"]

KeyProfile = Literal["krumhansl", "temperley", "albrecht"]
"""The key profiles :func:`find_key` offers (see :data:`PROFILES`)."""
KEY_PROFILES: tuple[str, ...] = get_args(KeyProfile)

Vector = tuple[float, float, float, float, float, float, float, float, float, float, float, float]

PROFILES: Mapping[str, tuple[Vector, Vector]] = MappingProxyType(
    {
        # Krumhansl & Kessler (1982) probe-tone ratings; music21 KrumhanslKessler.
        "krumhansl": (
            (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
            (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
        ),
        # Temperley (2007), Kostka-Payne corpus; music21 TemperleyKostkaPayne.
        "temperley": (
            (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
            (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
        ),
        # Albrecht & Shanahan (2013); AMADS AlbrechtShanahan, musicaiz AlbrechtShanahan.
        "albrecht": (
            (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
            (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
        ),
    }
)
"""Key profile name -> (major, minor) weights, each indexed by scale degree (0 = tonic)."""


@dataclass(frozen=True, eq=False)
class KeyEstimate:
    """The key of every sample and track, as found by :func:`find_key`.

    Attributes
    ----------
    tonic : ndarray of int64, shape (n_samples, n_tracks)
        Pitch class of the tonic (0-11, C = 0); -1 where no key is defined.
    mode : ndarray of str, shape (n_samples, n_tracks)
        ``"major"`` or ``"minor"``; ``""`` where no key is defined.
    correlation : ndarray of float64, shape (n_samples, n_tracks)
        Pearson correlation of the best key, in [-1, 1]; NaN where no key is defined.
    correlations : ndarray of float64, shape (n_samples, n_tracks, 24)
        Correlation with every key: index ``t`` is ``t`` major, ``12 + t`` is ``t`` minor.
    """

    tonic: np.ndarray
    mode: np.ndarray
    correlation: np.ndarray
    correlations: np.ndarray


def _key_matrix(profile: str) -> np.ndarray:
    """The 24 rotated profiles, shape ``(24, 12)``: row ``t`` (or ``12 + t``) is the major (or
    minor) profile with its tonic on pitch class ``t``."""
    major, minor = (np.asarray(weights, dtype=np.float64) for weights in PROFILES[profile])
    classes = np.arange(12)
    degrees = (classes[None, :] - classes[:, None]) % 12  # [tonic, pitch class] -> degree
    return np.concatenate([major[degrees], minor[degrees]])


def _pitch_class_histogram(cells: np.ndarray, lowest_pitch: int, weight: str) -> np.ndarray:
    """Active cells (or note onsets) per pitch class, shape ``(n_samples, n_tracks, 12)``."""
    if weight == "notes":
        active = cells.astype(bool)
        held = active[:, 1:] & active[:, :-1]  # active, and already active the step before
        per_pitch = active.sum(axis=1, dtype=np.int64) - held.sum(axis=1, dtype=np.int64)
    else:
        per_pitch = cells.sum(axis=1, dtype=np.int64)
    classes = (lowest_pitch + np.arange(cells.shape[2])) % 12
    one_hot = (classes[:, None] == np.arange(12)[None, :]).astype(np.int64)
    return np.einsum("npk,pc->nkc", per_pitch, one_hot).astype(np.float64)


def _correlations(histogram: np.ndarray, profile: str) -> np.ndarray:
    """Pearson correlation of each 12-bin ``histogram`` (last axis) with the 24 keys.

    Returns an array of shape ``histogram.shape[:-1] + (24,)``, NaN where the histogram has
    no variance (all twelve bins equal, an empty track included).
    """
    keys = _key_matrix(profile)
    keys = keys - keys.mean(axis=1, keepdims=True)
    centred = histogram - histogram.mean(axis=-1, keepdims=True)
    spread = np.sqrt(np.einsum("...c,...c->...", centred, centred))[..., None]
    covariance = centred @ keys.T
    with np.errstate(invalid="ignore", divide="ignore"):
        correlations = covariance / (spread * np.sqrt((keys * keys).sum(axis=1)))
    correlations[np.broadcast_to(spread == 0.0, correlations.shape)] = np.nan
    return np.clip(correlations, -1.0, 1.0)


def _best(correlations: np.ndarray) -> np.ndarray:
    """Index of the largest of the 24 ``correlations`` (last axis, lowest index on ties); -1
    where they are NaN (no key)."""
    defined = ~np.isnan(correlations[..., 0])
    return np.where(defined, np.nan_to_num(correlations, nan=-np.inf).argmax(axis=-1), -1)


def best_key_indices(histogram: np.ndarray, profile: KeyProfile = "krumhansl") -> np.ndarray:
    """The key :func:`find_key` chooses for each 12-bin pitch-class ``histogram`` (last axis).

    Returns int64 indices of shape ``histogram.shape[:-1]``: ``t`` for ``t`` major, ``12 + t``
    for ``t`` minor, -1 where no key is defined (a histogram without variance). This is the
    entry point for callers that already hold pitch-class counts (``in_scale_ratio`` with
    ``key="auto"``).
    """
    check_choice("profile", profile, KEY_PROFILES)
    return _best(_correlations(np.asarray(histogram, dtype=np.float64), profile)).astype(np.int64)


def find_key(
    x: Any,
    profile: KeyProfile = "krumhansl",
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    weight: Weight = "cells",
) -> KeyEstimate:
    """Key (tonic and mode) of every sample and track by key-profile correlation.

    The pitch-class histogram :math:`h` of a track is correlated with each of the 24 keys, the
    major and minor ``profile`` :math:`w` rotated so that degree 0 falls on tonic :math:`t`:

    .. math:: r_{t,m} = \\mathrm{corr}\\big(h_c,\\; w^{m}_{(c - t) \\bmod 12}\\big),
        \\qquad c = 0, \\dots, 11

    (Pearson correlation over the twelve pitch classes), and the key of largest :math:`r`
    wins. Ties (equal correlations) go to the lowest index of ``correlations``: major before
    minor, then C, C#, ..., B.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Piano roll(s) in ``layout``.
    profile : {"krumhansl", "temperley", "albrecht"}, default="krumhansl"
        Key profile (:data:`PROFILES`): Krumhansl & Kessler (1982) probe-tone ratings,
        Temperley's (2007) Kostka-Payne corpus profile, or Albrecht & Shanahan (2013).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``; ``NBSPK`` is read as whole samples (its bars joined).
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0; required when the pitch axis is not 128 long. The pitch
        class of pitch index ``p`` is ``(lowest_pitch + p) % 12``.
    weight : {"cells", "notes"}, default="cells"
        What :math:`h_c` counts: active cells of pitch class :math:`c` summed over the steps
        (duration-weighted), or notes (a note is a run of active steps of one pitch in one
        track, counted once at its onset).

    Returns
    -------
    KeyEstimate
        ``tonic``, ``mode`` and ``correlation`` of shape (n_samples, n_tracks) and
        ``correlations`` of shape (n_samples, n_tracks, 24); the sample and track axes are
        those of the canonical layout whatever ``layout`` was (one sample and one track for
        ``TP``). A silent track, or one whose twelve bins are equal (no variance), has no key:
        tonic -1, mode ``""`` and NaN correlations.

    Raises
    ------
    InvalidParameterError
        For an unknown ``profile`` or ``weight``, or a bad roll or option.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((8, 128), dtype=bool)
    >>> x[:, [57, 60, 64]] = True  # an A minor triad, held
    >>> key = find_key(x, layout="TP")
    >>> int(key.tonic[0, 0]), str(key.mode[0, 0]), round(float(key.correlation[0, 0]), 3)
    (9, 'minor', 0.889)
    >>> int(find_key(np.zeros((8, 128)), layout="TP").tonic[0, 0])
    -1
    """
    check_choice("profile", profile, KEY_PROFILES)
    check_choice("weight", weight, WEIGHTS)
    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    histogram = _pitch_class_histogram(roll.cells, roll.lowest_pitch, weight)
    correlations = _correlations(histogram, profile)
    best = _best(correlations)
    defined = best >= 0
    tonic = np.where(defined, best % 12, -1).astype(np.int64)
    mode = np.where(defined, np.where(best < 12, "major", "minor"), "")
    correlation = np.take_along_axis(correlations, np.maximum(best, 0)[..., None], axis=-1)
    return KeyEstimate(tonic, mode, correlation[..., 0], correlations)
