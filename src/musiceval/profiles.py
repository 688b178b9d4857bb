"""Dataset profiles: the metric distribution of a reference set, mergeable and saved as JSON.

:func:`profile` reads a reference set (the training data) batch by batch: an array, a
memory-mapped ``.npy`` file or a tensor in chunks of samples, or a stream of batches as it comes.
It computes the requested metrics on each batch with one kernel pass (:func:`musiceval.compute`)
and folds the values, in blocks of exactly ``chunk_size`` samples, into a
:class:`DatasetProfile` with :meth:`DatasetProfile.merge`, so memory stays bounded by a batch
whatever the size of the set, and a stream gives the profile of its concatenation bit for bit.

A profile holds *sufficient statistics*, not derived numbers: per metric and track the number of
defined values (``count``) and of NaN values (``n_nan``), the mean and the sum of squared
deviations ``m2`` (merged with Chan et al.'s parallel update), the minimum and maximum, a
histogram with fixed edges taken from the registry bounds and the sample shape (at most 12,800
bins, however long the samples), and a uniform random sample (a reservoir) of whole per-sample
metric vectors. Vector-valued metrics (histograms, transition matrices) get the same statistics
per component, without histograms, and their per-sample vectors in the reservoir, for the same
samples as the scalar values. Hence ``a.merge(b)`` equals the profile of the
concatenated data: exactly for counts, minima, maxima and histograms, up to float rounding for
means and standard deviations, so a big corpus can be profiled in pieces or in parallel.

Profiles are saved as versioned, human-readable JSON (:meth:`DatasetProfile.save`,
:meth:`DatasetProfile.load`; the document format of ``musiceval._documents``), never pickled;
NaN and infinities are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``, so that the
file is standard JSON and the round trip is exact. The profile object lives in
``musiceval._dataset_profile`` and the statistics' mathematics in ``musiceval._profile_stats``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from musiceval._batches import iter_batches
from musiceval._checks import check_bool, check_choice, check_int, check_names, invalid
from musiceval._dataset_profile import (
    SCHEMA,
    SCHEMA_VERSION,
    DatasetProfile,
    check_profile_metrics,
    conventions_dict,
)
from musiceval._profile_stats import N_RATE_BINS, block_statistics, histogram_edges
from musiceval._profile_vectors import block_vectors
from musiceval._version import __version__
from musiceval.evaluate import compute
from musiceval.io import is_midi_source, load_midi, load_rolls
from musiceval.originality import BarIndex
from musiceval.registry import METRICS
from musiceval.rolls import LAYOUTS, Conventions, Layout, RawRoll, Roll, make_conventions, read_roll
from musiceval.track_maps import TrackMapSpec, default_track_names

__all__ = ["N_RATE_BINS", "SCHEMA", "SCHEMA_VERSION", "DatasetProfile", "profile"]


def profile(
    reference: Any,
    metrics: Sequence[str] | None = None,
    *,
    chunk_size: int = 4096,
    reservoir_size: int = 2000,
    seed: int = 0,
    track_names: Sequence[str] | None = None,
    tracks: TrackMapSpec | None = None,
    npz_key: str | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    bar_index: bool = False,
    **conventions: Any,
) -> DatasetProfile:
    """Profile a reference set: the distribution of each metric, per track.

    Parameters
    ----------
    reference : ndarray, torch.Tensor, pypianoroll.Multitrack, str or os.PathLike
        The piano rolls, in ``layout`` (any dtype accepted by the metrics), or the path of a
        ``.npy`` file (memory-mapped, read chunk by chunk), an ``.npz`` file holding the roll
        under the key ``"pianoroll"`` (or ``npz_key``; that array is read whole, as ``numpy``
        cannot map a member of an archive), a MIDI file or a folder of MIDI files, or a
        Multitrack: see :func:`musiceval.io.load_rolls`. MIDI and Multitrack inputs are cut
        into samples of 4 bars of ``steps_per_bar`` (default 16) steps at ``steps_per_beat``
        steps per quarter note, and an unreadable MIDI file fails the call; call
        :func:`musiceval.io.load_midi_folder` yourself for other choices.
    metrics : sequence of str, optional
        Names of per-track metrics (see ``musiceval.METRICS``), scalar
        (``musiceval.registry.SCALAR``) or vector-valued
        (``musiceval.registry.VECTOR``, profiled with the default ``normalize="total"``);
        default: every scalar per-track metric of musiceval 0.1 (all but ``tonal_distance``,
        which compares pairs of tracks and is not profiled yet). The profile's ``metrics`` are
        the scalar ones, its ``vector_metrics`` the others, each in the order given.
    chunk_size : int, default=4096
        Samples per kernel pass. Each chunk becomes a partial profile, merged into the result,
        so memory is bounded by the chunk, not by the set.
    reservoir_size : int, default=2000
        How many per-sample metric vectors to keep (a uniform random sample without
        replacement; every sample when the set is not larger).
    seed : int, default=0
        Seed of the reservoir sampling: the same data, chunking and seed give the same profile.
    track_names : sequence of str, optional
        One distinct name per track; default ``["0", "1", ...]``, or the track map's names.
    tracks : str, mapping or TrackMap, optional
        For MIDI input: which track each instrument goes to (``"lpd5"``, ``"merged"``, a
        mapping; see :func:`musiceval.io.read_midi` and ``docs/tracks.md``).
    npz_key : str, optional
        The key of the roll in an ``.npz`` file; default ``"pianoroll"``. Only for ``.npz``
        paths. (It is not called ``key``, which is the musical key of the scale metrics.)
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of the rolls; see ``docs/conventions.md``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128).
    bar_index : bool, default=False
        Also index every bar of the rolls, in the same pass over the batches
        (:class:`musiceval.originality.BarIndex` with the profile's ``steps_per_bar``, which
        must divide n_steps): :attr:`DatasetProfile.bar_index`, saved with the profile, which
        :class:`musiceval.Monitor` uses to track originality. About 100 bytes a bar.
    **conventions
        Options of the metrics, shared by all of them and recorded in the profile:
        ``steps_per_bar``, ``steps_per_beat``, ``key``, ``mode``, ``weight``, ``min_steps``,
        ``min_pitches``, ``grid``, ``per``, ``radii``. An unknown option raises ``TypeError``.

    Returns
    -------
    DatasetProfile
        The profile; its ``conventions`` hold every option, with ``steps_per_bar`` resolved
        (16, or the bar length of an ``NBSPK`` input, when not given). Its ``bar_index`` is
        None unless ``bar_index=True``.

    Raises
    ------
    ValueError
        An empty reference (no sample, pitch or track), a pairwise or unknown metric, a path
        that does not exist or is of another type, an ``.npz`` file without the requested key
        (the message lists the keys it holds), an unreadable MIDI file, ``track_names`` of the
        wrong length, or any bad option.
    TypeError
        An unknown option, or arguments of the wrong type.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> rolls = np.zeros((3, 32, 128, 2), bool)
    >>> rolls[:, :8, 60, 0] = True
    >>> p = musiceval.profile(rolls, ["n_notes", "pitch_range"], track_names=["lead", "bass"])
    >>> p.mean("n_notes").tolist(), p.count("pitch_range").tolist()
    ([1.0, 0.0], [3, 0])
    """
    names = check_profile_metrics(metrics)
    check_bool("bar_index", bar_index)
    options = make_conventions(**conventions)
    check_choice("layout", layout, LAYOUTS)
    x, found_names, drums = _read(reference, layout, tracks, npz_key, options)
    if drums is not None and options.drums is None:
        options = dataclasses.replace(options, drums=drums)
    given_names = default_track_names(track_names, tracks)
    builder = _Builder(
        names,
        options,
        chunk_size=check_int("chunk_size", chunk_size),
        reservoir_size=check_int("reservoir_size", reservoir_size),
        seed=check_int("seed", seed, minimum=0),
        track_names=found_names if given_names is None else given_names,
    )
    index: BarIndex | None = None
    for batch in iter_batches(x, layout, chunk_size, name="reference"):
        roll = read_roll(
            batch, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, name="reference"
        )
        builder.add(roll)
        if bar_index:
            if index is None:
                index = BarIndex(
                    n_pitches=roll.n_pitches, n_tracks=roll.n_tracks,
                    lowest_pitch=roll.lowest_pitch, steps_per_bar=builder.options.bar_length(roll),
                )  # fmt: skip
            index.add(batch, layout=layout, threshold=threshold, lowest_pitch=roll.lowest_pitch)
        del batch, roll  # one batch in memory at a time
    result = builder.result()
    return result if index is None else result.with_bar_index(index)


def _read(
    reference: Any, layout: Layout, tracks: Any, npz_key: str | None, options: Conventions
) -> tuple[Any, tuple[str, ...] | None, tuple[bool, ...] | None]:
    """The rolls of ``reference`` (``load_rolls``), and for MIDI input the track names and
    drum flags the files give (``load_midi``); None for other inputs."""
    bar, beat = options.steps_per_bar or 16, options.steps_per_beat
    if is_midi_source(reference) and layout == "NTPK" and npz_key is None:
        read = load_midi(reference, tracks=tracks, steps_per_bar=bar, steps_per_beat=beat)
        return read.rolls, read.track_names, tuple(bool(flag) for flag in read.is_drum)
    rolls = load_rolls(
        reference, layout=layout, tracks=tracks, npz_key=npz_key, steps_per_bar=bar,
        steps_per_beat=beat,
    )  # fmt: skip
    return rolls, None, None


class _Builder:
    """Folds rolls into a profile in blocks of exactly ``chunk_size`` samples, whatever the
    batch sizes, so that a stream of batches gives its concatenation's profile bit for bit:
    the same blocks, the same reservoir draws (seeded by the block's first sample), the same
    merges."""

    def __init__(
        self,
        names: tuple[str, ...],
        options: Conventions,
        *,
        chunk_size: int,
        reservoir_size: int,
        seed: int,
        track_names: Sequence[str] | None,
    ) -> None:
        self.names, self.options = names, options
        self._scalars = tuple(name for name in names if not METRICS[name].shape)
        self._vectors = tuple(name for name in names if METRICS[name].shape)
        self._chunk_size, self._reservoir_size, self._seed = chunk_size, reservoir_size, seed
        self._track_names = track_names
        # (n_steps, n_pitches, n_tracks) and lowest_pitch of the first batch
        self._first: tuple[tuple[int, ...], int] | None = None
        self._pending: list[dict[str, np.ndarray]] = []  # values not yet folded, per batch
        self._n_pending = self._n_folded = 0
        self._result: DatasetProfile | None = None

    def add(self, roll: Roll | RawRoll) -> None:
        """Compute the metrics of ``roll`` and fold every full block of values."""
        if self._first is None:
            bar = self.options.bar_length(roll)  # raises if it contradicts an NBSPK input
            self.options = dataclasses.replace(self.options, steps_per_bar=bar)
            self._tracks = _check_track_names(self._track_names, roll.n_tracks)
            self._edges = {
                name: histogram_edges(name, roll.n_steps, roll.n_pitches) for name in self._scalars
            }
            self._first = (tuple(roll.shape[1:]), roll.lowest_pitch)
        _check_same_shape(roll, *self._first, self._n_folded + self._n_pending)
        self._pending.append(compute(roll, list(self.names), **conventions_dict(self.options)))
        self._n_pending += roll.n_samples
        while self._n_pending >= self._chunk_size:
            self._fold(self._chunk_size)

    def result(self) -> DatasetProfile:
        """The profile of every sample added."""
        if self._n_pending:
            self._fold(self._n_pending)
        assert self._result is not None  # an empty input raised in iter_batches or read_roll
        return self._result

    def _fold(self, n: int) -> None:
        pending = {
            name: np.concatenate([values[name] for values in self._pending])
            if len(self._pending) > 1
            else self._pending[0][name]
            for name in self.names
        }
        block = {name: array[:n] for name, array in pending.items()}
        rest = {name: array[n:] for name, array in pending.items()}
        self._n_pending = self._n_pending - n
        self._pending = [rest] if self._n_pending else []
        part = self._partial(block, np.random.default_rng([self._seed, self._n_folded]))
        self._result = part if self._result is None else self._result.merge(part)
        self._n_folded += n

    def _partial(self, values: dict[str, np.ndarray], rng: np.random.Generator) -> DatasetProfile:
        """The profile of one block of values (per metric, ``(n, n_tracks, *shape)``); the
        scalar and vector reservoirs keep the same rows."""
        assert self._first is not None
        (n_steps, n_pitches, n_tracks), lowest_pitch = self._first
        n = len(next(iter(values.values())))
        scalars = [values[name] for name in self._scalars]
        samples = np.stack(scalars, axis=1) if scalars else np.zeros((n, 0, n_tracks))
        keep = None
        if n > self._reservoir_size:
            keep = np.sort(rng.choice(n, self._reservoir_size, replace=False))
            samples = samples[keep]
        return DatasetProfile(
            metrics=self._scalars,
            tracks=self._tracks,
            conventions=conventions_dict(self.options),
            n_samples=n,
            n_steps=n_steps,
            n_pitches=n_pitches,
            lowest_pitch=lowest_pitch,
            statistics={
                name: block_statistics(values[name], self._edges[name]) for name in self._scalars
            },
            samples=samples,
            reservoir_size=self._reservoir_size,
            seed=self._seed,
            version=__version__,
            vectors=block_vectors({name: values[name] for name in self._vectors}, keep),
        )


def _check_same_shape(
    roll: Roll | RawRoll, expected: tuple[int, ...], lowest: int, start: int
) -> None:
    """Every batch of a reference holds samples of the first batch's shape and pitch axis."""
    shape = tuple(roll.shape[1:])
    if shape != expected or roll.lowest_pitch != lowest:
        raise invalid(
            "reference",
            f"batches of samples of one canonical shape (n_steps, n_pitches, n_tracks) = "
            f"{expected}, lowest_pitch={lowest}, as its first batch",
            received=f"{shape}, lowest_pitch={roll.lowest_pitch} from sample {start} on",
        )


def _check_track_names(track_names: Sequence[str] | None, n_tracks: int) -> tuple[str, ...]:
    if track_names is None:
        return tuple(str(k) for k in range(n_tracks))
    return check_names("track_names", track_names, n_tracks)
