"""The unchecked numpy core of :mod:`musiceval.originality`: bar hashes, copied runs, Jaccard.

Nothing here validates: callers pass C-contiguous ``uint8`` cells (nonzero = active) of the
canonical layout and arrays of the stated dtypes.

Bar hashes are Zobrist hashes: every cell ``(track, step, pitch)`` of a bar has a fixed random
64-bit word (:func:`cell_table`, from splitmix64, so the same on every machine and numpy), and a
bar hashes to the XOR of the words of its active cells. For two fixed different bars the hashes
agree with probability exactly 2**-64 over the words (the XOR of the words of their symmetric
difference, a non-empty set of independent uniform words, is uniform). The XOR also makes the
hash of the merged bar (all tracks, each track keeping its own words) the XOR of the hashes of
its tracks, and the hash of a transposed bar the hash of the shifted cell set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ROWS",
    "BarHashes",
    "Lookup",
    "build_lookup",
    "cell_table",
    "concatenate_rows",
    "contains",
    "hash_bars",
    "hash_roll",
    "jaccard_distances",
    "longest_runs",
    "share",
    "sparse_rows",
]

SEED = 0x6D75736963657661  # "musiceva": the table's seed, part of the file format
_CHUNK_CELLS = 1 << 22  # cells hashed at a time (bounds the temporaries of np.flatnonzero)
_CHUNK_PAIRS = 1 << 22  # (generated bar, training bar) pairs expanded at a time for runs
_EMPTY_LOWEST = np.iinfo(np.int16).max

ROWS: dict[str, type] = {  # the arrays of an index, one row per non-empty training bar
    "piece": np.int64,
    "bar": np.int64,
    "merged_exact": np.uint64,
    "merged_shifted": np.uint64,
    "merged_lowest": np.int16,
    "track_exact": np.uint64,
    "track_shifted": np.uint64,
    "track_active": np.bool_,
}


@dataclass(frozen=True)
class Lookup:
    """An index's rows sorted for look-ups.

    ``track_exact``/``track_shifted``: the distinct hashes of the non-empty bars of every track
    (each track has its own words, so one array serves all). ``merged_*``: the merged hashes
    sorted, with their positions ``piece << 32 | bar`` and lowest pitches in the same order.
    """

    track_exact: np.ndarray
    track_shifted: np.ndarray
    merged_exact: np.ndarray
    exact_keys: np.ndarray
    exact_lowest: np.ndarray
    merged_shifted: np.ndarray
    shifted_keys: np.ndarray
    shifted_lowest: np.ndarray


def build_lookup(rows: dict[str, np.ndarray]) -> Lookup:
    """The :class:`Lookup` of an index's :data:`ROWS`."""
    keys = (rows["piece"] << 32) | rows["bar"]
    active = rows["track_active"]
    exact = np.argsort(rows["merged_exact"], kind="stable")
    shifted = np.argsort(rows["merged_shifted"], kind="stable")
    return Lookup(
        track_exact=np.unique(rows["track_exact"][active]),
        track_shifted=np.unique(rows["track_shifted"][active]),
        merged_exact=rows["merged_exact"][exact],
        exact_keys=keys[exact],
        exact_lowest=rows["merged_lowest"][exact],
        merged_shifted=rows["merged_shifted"][shifted],
        shifted_keys=keys[shifted],
        shifted_lowest=rows["merged_lowest"][shifted],
    )


def concatenate_rows(parts: list[dict[str, np.ndarray]], n_tracks: int) -> dict[str, np.ndarray]:
    """The rows of ``parts`` one after another (none: empty rows)."""
    rows: dict[str, np.ndarray] = {}
    for name, dtype in ROWS.items():
        empty: np.ndarray = np.zeros((0, n_tracks) if name.startswith("track_") else 0, dtype)
        rows[name] = np.concatenate([empty, *(part[name] for part in parts)])
    return rows


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 of each uint64 (Steele, Lea and Flood 2014): a fixed pseudo-random bijection."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def cell_table(n_tracks: int, steps_per_bar: int, n_pitches: int) -> np.ndarray:
    """The word of every cell, ``(n_tracks, steps_per_bar, n_pitches)`` uint64."""
    n = n_tracks * steps_per_bar * n_pitches
    words = _splitmix64(np.arange(n, dtype=np.uint64) + np.uint64(SEED))
    return words.reshape(n_tracks, steps_per_bar, n_pitches)


@dataclass(frozen=True)
class BarHashes:
    """The hashes of ``m`` bars (empty ones included: hash 0, not active).

    ``track_exact``/``track_shifted``: ``(m, n_tracks)`` uint64, the bar of each track as it
    is and moved down so that its lowest sounding pitch is pitch index 0; ``track_active``
    ``(m, n_tracks)`` bool. ``merged_exact``/``merged_shifted``: ``(m,)`` uint64, all tracks
    together (moved by the lowest pitch over all tracks); ``merged_lowest``: ``(m,)`` int16, that
    pitch index; ``active``: ``(m,)`` bool, some track sounds.
    """

    track_exact: np.ndarray
    track_shifted: np.ndarray
    track_active: np.ndarray
    merged_exact: np.ndarray
    merged_shifted: np.ndarray
    merged_lowest: np.ndarray
    active: np.ndarray


_FIELDS = tuple(BarHashes.__dataclass_fields__)


def _hash_chunk(bars: np.ndarray, table: np.ndarray) -> BarHashes:
    """:func:`hash_bars` of ``bars`` ``(m, steps_per_bar, n_pitches, n_tracks)``."""
    m, n_steps, n_pitches, n_tracks = bars.shape
    mask = np.empty((m, n_tracks, n_steps, n_pitches), bool)
    np.not_equal(bars.transpose(0, 3, 1, 2), 0, out=mask)
    flat = np.flatnonzero(mask)  # sorted by (bar, track, step, pitch)
    track_exact = np.zeros(m * n_tracks, np.uint64)
    track_shifted = np.zeros(m * n_tracks, np.uint64)
    merged_shifted = np.zeros(m, np.uint64)
    lowest = np.full(m * n_tracks, _EMPTY_LOWEST, np.int64)
    if flat.size:
        group, cell = np.divmod(flat, n_steps * n_pitches)  # group = bar * n_tracks + track
        track, pitch = group % n_tracks, cell % n_pitches
        words = table.reshape(n_tracks, -1)
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        groups = group[starts]
        track_exact[groups] = np.bitwise_xor.reduceat(words[track, cell], starts)
        lowest[groups] = np.minimum.reduceat(pitch, starts)
        down = cell - lowest[group]  # the same step, pitch - lowest
        track_shifted[groups] = np.bitwise_xor.reduceat(words[track, down], starts)
        bar = group // n_tracks
        bar_lowest = lowest.reshape(m, n_tracks).min(axis=1)
        bar_starts = np.flatnonzero(np.r_[True, bar[1:] != bar[:-1]])
        down = cell - bar_lowest[bar]
        merged_shifted[bar[bar_starts]] = np.bitwise_xor.reduceat(words[track, down], bar_starts)
    track_exact = track_exact.reshape(m, n_tracks)
    lowest = lowest.reshape(m, n_tracks)
    merged_lowest = lowest.min(axis=1).astype(np.int16)
    return BarHashes(
        track_exact=track_exact,
        track_shifted=track_shifted.reshape(m, n_tracks),
        track_active=lowest != _EMPTY_LOWEST,
        merged_exact=np.bitwise_xor.reduce(track_exact, axis=1),
        merged_shifted=merged_shifted,
        merged_lowest=merged_lowest,
        active=merged_lowest != _EMPTY_LOWEST,
    )


def hash_bars(bars: np.ndarray, table: np.ndarray) -> BarHashes:
    """The hashes of every bar of ``bars`` ``(m, steps_per_bar, n_pitches, n_tracks)`` uint8,
    a chunk of about 4 M cells at a time."""
    per_bar = max(1, int(np.prod(bars.shape[1:])))
    step = max(1, _CHUNK_CELLS // per_bar)
    parts = [_hash_chunk(bars[start : start + step], table) for start in range(0, len(bars), step)]
    if not parts:
        parts = [_hash_chunk(bars, table)]
    return BarHashes(*(np.concatenate([getattr(part, name) for part in parts]) for name in _FIELDS))


def hash_roll(cells: np.ndarray, steps_per_bar: int, table: np.ndarray) -> BarHashes:
    """:func:`hash_bars` of every bar of rolls ``(n_samples, n_steps, n_pitches, n_tracks)``,
    bar ``b`` of sample ``i`` at row ``i * n_bars + b``."""
    n_samples, n_steps = cells.shape[:2]
    bars = cells.reshape(n_samples * (n_steps // steps_per_bar), steps_per_bar, *cells.shape[2:])
    return hash_bars(bars, table)


def share(hits: np.ndarray, counted: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """The share of ``counted`` cells that are ``hits`` along ``axis``; NaN where none counts."""
    count = counted.sum(axis=axis)
    found = (hits & counted).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, found / np.maximum(count, 1), np.nan)


def contains(sorted_hashes: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Whether each of ``queries`` (uint64, any shape) is in ``sorted_hashes`` (sorted uint64)."""
    if sorted_hashes.size == 0:
        return np.zeros(queries.shape, bool)
    where = np.searchsorted(sorted_hashes, queries)
    return sorted_hashes[np.minimum(where, sorted_hashes.size - 1)] == queries


def _runs_of_chunk(
    queries: np.ndarray, lowest: np.ndarray, hashes: np.ndarray, keys: np.ndarray,
    key_lowest: np.ndarray, same_shift: bool,
) -> np.ndarray:  # fmt: skip
    """:func:`longest_runs` of ``queries`` ``(n, n_bars)`` (0 = no bar to look up)."""
    n, n_bars = queries.shape
    flat = queries.ravel()
    first = np.searchsorted(hashes, flat, "left")
    counts = np.where(flat != 0, np.searchsorted(hashes, flat, "right") - first, 0)
    result = np.zeros(n, np.int64)
    total = int(counts.sum())
    if total == 0:
        return result
    query = np.repeat(np.arange(flat.size), counts)
    ends = np.cumsum(counts)
    position = np.arange(total) - np.repeat(ends - counts, counts) + np.repeat(first, counts)
    sample, bar = np.divmod(query, n_bars)
    diagonal = keys[position] - bar  # the same for the pairs of one copied passage
    shift = lowest.ravel()[query] - key_lowest[position] if same_shift else np.zeros(total, int)
    order = np.lexsort((bar, shift, diagonal, sample))
    sample, diagonal, shift, bar = sample[order], diagonal[order], shift[order], bar[order]
    goes_on = np.r_[
        False,
        (sample[1:] == sample[:-1])
        & (diagonal[1:] == diagonal[:-1])
        & (shift[1:] == shift[:-1])
        & (bar[1:] == bar[:-1] + 1),
    ]
    run = np.cumsum(~goes_on) - 1
    length = np.bincount(run)
    np.maximum.at(result, sample[~goes_on], length)
    return result


def longest_runs(
    queries: np.ndarray, lowest: np.ndarray, hashes: np.ndarray, keys: np.ndarray,
    key_lowest: np.ndarray, same_shift: bool,
) -> np.ndarray:  # fmt: skip
    """The longest run of consecutive query bars matching consecutive bars of one piece.

    ``queries``: ``(n_samples, n_bars)`` uint64 hashes, 0 for an empty bar (never matched);
    ``lowest``: their lowest pitches (int16). ``hashes``: the training hashes, sorted; ``keys``:
    their positions ``piece << 32 | bar`` (int64) and ``key_lowest`` their lowest pitches, in
    the same order. With ``same_shift`` a run must keep one transposition (query lowest minus
    training lowest). Samples are taken in chunks of about 4 M matching pairs. Returns
    ``(n_samples,)`` int64 bar counts.
    """
    first = np.searchsorted(hashes, queries, "left")
    pairs = np.where(queries != 0, np.searchsorted(hashes, queries, "right") - first, 0)
    per_sample = np.cumsum(pairs.sum(axis=1))
    result = np.zeros(len(queries), np.int64)
    start = 0
    while start < len(queries):
        done = per_sample[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(per_sample, done + _CHUNK_PAIRS, "right")))
        part = slice(start, stop)
        result[part] = _runs_of_chunk(
            queries[part], lowest[part], hashes, keys, key_lowest, same_shift
        )
        start = stop
    return result


def sparse_rows(cells: np.ndarray) -> tuple[object, np.ndarray]:
    """``cells`` ``(n, ...)`` uint8 as a CSR matrix ``(n, cells per sample)`` of int32 ones,
    and the active count of each row (int64)."""
    from scipy import sparse

    rows = cells.reshape(len(cells), -1)
    step = max(1, _CHUNK_CELLS // max(1, rows.shape[1]))
    columns, counts = [], []
    for start in range(0, len(rows), step):
        row, column = np.nonzero(rows[start : start + step])
        columns.append(column)
        counts.append(np.bincount(row, minlength=min(step, len(rows) - start)))
    indices = np.concatenate(columns)
    indptr = np.r_[0, np.cumsum(np.concatenate(counts))]
    data = np.ones(len(indices), np.int32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=rows.shape)
    return matrix, np.diff(indptr)


def jaccard_distances(
    query: object, query_counts: np.ndarray, train: object, train_counts: np.ndarray,
    exclude_self: bool,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The nearest training row of each query row by Jaccard distance: distances (float64) and
    indices (int64, the first on ties). Two empty rows are at distance 0. ``exclude_self``
    skips training row ``i`` for query row ``i`` (leave-one-out)."""
    n_query, n_train = len(query_counts), len(train_counts)
    distances = np.empty(n_query, np.float64)
    indices = np.empty(n_query, np.int64)
    transposed = train.T.tocsc()  # type: ignore[attr-defined]
    step = max(1, _CHUNK_CELLS // max(1, n_train))
    for start in range(0, n_query, step):
        stop = min(n_query, start + step)
        shared = (query[start:stop] @ transposed).toarray().astype(np.float64)  # type: ignore[index]
        union = query_counts[start:stop, None] + train_counts[None, :] - shared
        with np.errstate(invalid="ignore", divide="ignore"):
            distance = np.where(union > 0, 1.0 - shared / union, 0.0)
        if exclude_self:
            rows = np.arange(stop - start)
            distance[rows, start + rows] = np.inf
        indices[start:stop] = np.argmin(distance, axis=1)
        distances[start:stop] = distance[np.arange(stop - start), indices[start:stop]]
    return distances, indices
