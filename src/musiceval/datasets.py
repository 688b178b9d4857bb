"""Real reference data: the Bach chorales shipped with music21, as bool piano rolls.

:func:`load_chorales` turns the four-part chorales of music21's core corpus into bar-aligned
segments in musiceval's canonical layout ``(n_samples, n_steps, n_pitches, n_tracks)``, with
128 MIDI pitches and the four voices :data:`CHORALE_TRACKS` as tracks. The corpus files are part
of the music21 package, so nothing is downloaded: only music21's *core* corpus is searched (never
a user-configured local corpus or any remote one) and files are parsed straight from disk.

The result is cached as a compressed ``.npz`` file, so a later call with the same arguments loads
it instead of parsing (about 20 s for the whole corpus). music21 and tqdm are imported only inside
the function: importing this module costs nothing. Install them with
``pip install "musiceval[data]"``; loading an existing cache needs neither.

The cache key
-------------
A cache file is named ``bach_chorales-v{format}-bars{n_bars}-spb{steps_per_beat}-{count}
-music21_{version}.npz`` (``count`` is ``all`` or ``first{limit}``): every parameter of the
conversion, ``format`` the version of musiceval's conversion (raised in a release whose
conversion gives other rolls) and ``version`` the music21 that parsed the corpus (its parser
and bundled corpus files can change the result). Which file a call reads:

* **music21 importable**: the file of the installed music21 version; if there is none it is
  built and written. A cache built by another music21 version is not used, so upgrading
  music21 rebuilds the cache, as upgrading musiceval to another conversion format does.
* **music21 not importable** (a machine that only reads a cache built elsewhere, e.g. a shared
  ``$MUSICEVAL_CACHE_DIR``): the file with these parameters and this format built by any
  music21 version, the highest version if there are several (an unreadable one is skipped
  with a warning). Without one, an ``ImportError`` names the cache directory and says how to
  install music21.

Whether music21 is importable is asked with :func:`importlib.util.find_spec`, which does not
import it; its version comes from the package metadata.

Which chorales
--------------
music21's own chorale catalogue (:class:`music21.corpus.chorales.Iterator`, BWV numbering, which
lists each chorale file once) in its order. A chorale is used when its score has exactly four
parts and every time signature in it is 4/4. A catalogue name is read from the corpus file with
exactly that name: ``bach/bwv112.5`` is ``bwv112.5.mxl``, not the instrumental variant
``bwv112.5-sc.mxl`` that ``music21.corpus.parse`` would pick (the catalogue names the variants it
means, such as ``bach/bwv69.6-a``, on their own).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import math
import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._atomic import atomic_write
from musiceval._checks import check_bool, check_int, check_path

__all__ = ["CHORALE_TRACKS", "load_chorales"]

CHORALE_TRACKS: tuple[str, ...] = ("soprano", "alto", "tenor", "bass")
"""Track order of :func:`load_chorales` rolls: index 0 is the soprano, 3 the bass."""

_CACHE_ENV_VAR = "MUSICEVAL_CACHE_DIR"
_N_PITCHES = 128
_BEATS_PER_BAR = 4  # quarter notes per 4/4 bar
_FORMAT_VERSION = 3  # raise it whenever the conversion changes: no cache of another is read

_INSTALL_HINT = 'load_chorales needs music21 and tqdm: pip install "musiceval[data]"'
_EXTENSION_RANK = {".mxl": 0, ".musicxml": 1, ".xml": 2}


def load_chorales(
    *,
    n_bars: int = 4,
    steps_per_beat: int = 4,
    limit: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    return_sources: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Bach's four-part chorales (music21 corpus) as bar-aligned bool piano-roll segments.

    Parameters
    ----------
    n_bars : int, default 4
        Bars per segment. Segments are non-overlapping windows of ``n_bars`` consecutive full
        4/4 bars, starting on a downbeat, taken from the start of each run of full bars. A full
        bar is a complete measure, or a bar the score splits into consecutive pieces (typically
        3 + 1 beats around a repeat sign, which music21 marks with ``paddingLeft``). A pickup
        (anacrusis) measure, an incomplete final measure and any other short measure are skipped
        and end a run; a chorale with fewer than ``n_bars`` consecutive full bars gives no
        segment. Repeats are not expanded: the chorale is read as notated.
    steps_per_beat : int, default 4
        Time steps per quarter note (4 = sixteenth-note resolution); a segment has
        ``n_bars * 4 * steps_per_beat`` steps.
    limit : int or None, default None
        Use only the first ``limit`` qualifying chorales (four parts, 4/4 throughout) in music21's
        catalogue order; ``None`` uses all of them.
    cache_dir : str or os.PathLike or None, default None
        Directory of the ``.npz`` cache. ``None`` means ``$MUSICEVAL_CACHE_DIR`` if that is set,
        else ``~/.cache/musiceval``. It is created if missing. Which cache file is read, with
        and without music21, is explained in the module docstring ("The cache key").
    progress : bool, default True
        Show a tqdm progress bar on stderr while parsing (not when loading from the cache).
    return_sources : bool, default False
        Also return the chorale of every segment.

    Returns
    -------
    rolls : ndarray of bool, shape (n_segments, n_bars * 4 * steps_per_beat, 128, 4)
        ``rolls[i, t, p, k]`` is True when voice ``CHORALE_TRACKS[k]`` sounds MIDI pitch ``p``
        during step ``t`` of segment ``i``.
    sources : ndarray of str, shape (n_segments,)
        Only with ``return_sources=True``: the corpus file of each segment's chorale, without
        directory and extension (e.g. ``"bwv269"``; ``music21.corpus.parse("bach/bwv269.mxl")``
        opens exactly that file). Segments of one chorale are consecutive and in time order.

    Raises
    ------
    InvalidParameterError
        If ``n_bars``, ``steps_per_beat`` or ``limit`` is not a positive int (``limit`` may be
        None), or ``cache_dir``, ``progress`` or ``return_sources`` has the wrong type (a
        ``ValueError`` and a ``TypeError``).
    ImportError
        If the chorales must be parsed (no cache file to read) and music21 (or tqdm, with
        ``progress=True``) is not installed; the message names the cache directory.

    Notes
    -----
    * Onsets and offsets are rounded to the nearest step (relative to the segment's first
      downbeat); a note that would round to no step at all still occupies the step it starts in.
      A note held across a segment boundary is cut there.
    * Tied notes are merged into one held note before quantising. A bool roll stores no onsets, so
      a held note and a repetition of the same pitch give the same cells.
    * Rests, chord symbols, unpitched notes and grace notes (which have no notated duration) are
      ignored. Every pitch of a chord in a voice is set.
    * Voices are ordered by part name (soprano, alto, tenor, bass) when the four part names say
      so, else by score order (top staff first).
    * The output is deterministic. A cache file is written atomically (a temporary file in the
      same directory, then :func:`os.replace`), so an interrupted build leaves no partial file; if
      the cache cannot be written, a :class:`RuntimeWarning` is issued and the result returned.

    Examples
    --------
    >>> from musiceval.datasets import load_chorales, CHORALE_TRACKS
    >>> rolls = load_chorales(limit=5, progress=False)  # doctest: +SKIP
    >>> rolls.shape  # doctest: +SKIP
    (8, 64, 128, 4)
    """
    n_bars = check_int("n_bars", n_bars)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    if limit is not None:
        limit = check_int("limit", limit)
    progress = check_bool("progress", progress)
    return_sources = check_bool("return_sources", return_sources)
    n_steps = n_bars * _BEATS_PER_BAR * steps_per_beat

    directory = _cache_directory(cache_dir)
    stem = _cache_stem(n_bars, steps_per_beat, limit)
    version = _music21_version()
    cached: tuple[np.ndarray, np.ndarray] | None
    if version is None:  # nothing can be built: read a cache of any music21 version
        cached = _read_any_cache(directory, stem, n_steps)
    else:
        path = directory / f"{stem}{_VERSION_TAG}{version}.npz"
        cached = _read_cache(path, n_steps)
        if cached is None:
            cached = _build(n_bars, steps_per_beat, limit, progress, _no_cache(directory, stem))
            _write_cache(path, *cached)
    rolls, sources = cached
    return (rolls, sources) if return_sources else rolls


# --------------------------------------------------------------------------------------------
# cache


_VERSION_TAG = "-music21_"


def _cache_directory(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is None:
        cache_dir = os.environ.get(_CACHE_ENV_VAR) or Path("~/.cache/musiceval")
    return check_path("cache_dir", cache_dir).expanduser()


def _music21_version() -> str | None:
    """The version of the music21 that ``import music21`` would load; None if it would fail.

    ``find_spec`` looks music21 up without importing it (and says None when
    ``sys.modules["music21"]`` is None, Python's way to block an import).
    """
    try:
        if importlib.util.find_spec("music21") is None:
            return None
    except ValueError:  # a music21 module without a spec: imported some other way
        pass
    try:
        return importlib.metadata.version("music21")
    except importlib.metadata.PackageNotFoundError:  # importable without metadata
        import music21

        return str(music21.__version__)


def _cache_stem(n_bars: int, steps_per_beat: int, limit: int | None) -> str:
    """The cache file name up to the music21 version: the format and every parameter."""
    count = "all" if limit is None else f"first{limit}"
    return f"bach_chorales-v{_FORMAT_VERSION}-bars{n_bars}-spb{steps_per_beat}-{count}"


def _read_any_cache(directory: Path, stem: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The cache ``stem`` of the highest music21 version that reads, or an ImportError."""
    prefix = stem + _VERSION_TAG
    files = [path for path in directory.glob(f"{prefix}*.npz") if path.is_file()]
    versions = sorted(files, key=lambda path: _version_key(path.stem[len(prefix) :]), reverse=True)
    for path in versions:
        cached = _read_cache(path, n_steps)
        if cached is not None:
            return cached
    raise _no_cache(directory, stem)


def _version_key(version: str) -> tuple[tuple[int, ...], str]:
    """Sort key of a version string: its numbers compared as numbers (``10.5.1 > 9.1``)."""
    return tuple(int(part) for part in re.findall(r"\d+", version)), version


def _no_cache(directory: Path, stem: str) -> ImportError:
    """The error for chorales that must be built without music21."""
    return ImportError(
        f"load_chorales needs music21 to build the chorale cache: {str(directory)!r} holds no "
        f"{stem}{_VERSION_TAG}<version>.npz file for these arguments. Install it with "
        f'pip install music21 (or pip install "musiceval[data]", which adds tqdm for the '
        f"progress bar), or point cache_dir (or ${_CACHE_ENV_VAR}) at a directory holding a "
        f"cache built elsewhere"
    )


def _read_cache(path: Path, n_steps: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached (rolls, sources), or None if there is no usable cache file."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            rolls = data["pianoroll"]
            sources = data["source"]
    except Exception as exc:  # a damaged file is rebuilt, never trusted
        warnings.warn(f"ignoring unreadable cache file {path}: {exc}", RuntimeWarning, stacklevel=3)
        return None
    expected = (n_steps, _N_PITCHES, len(CHORALE_TRACKS))
    if (
        rolls.dtype != np.bool_
        or rolls.ndim != 4
        or rolls.shape[1:] != expected
        or sources.shape != rolls.shape[:1]
        or sources.dtype.kind != "U"
    ):
        warnings.warn(
            f"ignoring cache file {path}: unexpected contents", RuntimeWarning, stacklevel=3
        )
        return None
    return rolls, sources


def _write_cache(path: Path, rolls: np.ndarray, sources: np.ndarray) -> None:
    """Write the cache atomically; warn (and carry on) if that is impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(
            path,
            lambda file: np.savez_compressed(file, pianoroll=rolls, source=sources),
            binary=True,
        )
    except OSError as exc:
        warnings.warn(
            f"could not write the chorale cache {path} ({exc}); the result is returned uncached",
            RuntimeWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------------------------
# build


def _build(
    n_bars: int, steps_per_beat: int, limit: int | None, progress: bool, missing: ImportError
) -> tuple[np.ndarray, np.ndarray]:
    """Parse the corpus; ``missing`` is raised (chained) if music21 cannot be imported."""
    try:
        from music21 import converter
        from music21.corpus import chorales, corpora
    except ImportError as exc:
        raise missing from exc

    names = list(chorales.Iterator(returnType="filename", numberingSystem="bwv"))
    core = corpora.CoreCorpus()
    segments: list[np.ndarray] = []
    sources: list[str] = []
    used: set[Path] = set()
    with _progress_bar(len(names), progress) as bar:
        for name in names:
            bar.update(1)
            for file in _candidates(core.getWorkList(name), name):
                if file in used:
                    continue  # never the same file twice
                score = converter.parse(file, forceSource=True, storePickle=False)
                windows = _score_segments(score, n_bars, steps_per_beat)
                if windows is not None:
                    break
            else:
                continue  # no four-part setting in 4/4
            used.add(file)
            segments.append(windows)
            sources.extend([file.stem] * len(windows))
            bar.set_postfix(chorales=len(used), segments=len(sources), refresh=False)
            if limit is not None and len(used) >= limit:
                break
    n_steps = n_bars * _BEATS_PER_BAR * steps_per_beat
    empty = np.zeros((0, n_steps, _N_PITCHES, len(CHORALE_TRACKS)), dtype=bool)
    rolls = np.concatenate([empty, *segments], axis=0)
    return rolls, np.array(sources, dtype=str)


@contextlib.contextmanager
def _progress_bar(total: int, progress: bool) -> Iterator[Any]:
    if not progress:
        yield _NoBar()
        return
    try:
        from tqdm import tqdm
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT + " (or pass progress=False)") from exc
    with tqdm(total=total, desc="Bach chorales", unit="chorale", file=sys.stderr) as bar:
        yield bar


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kwargs: Any) -> None:
        pass


def _candidates(files: Iterable[str | os.PathLike[str]], name: str) -> list[Path]:
    """Corpus files of the catalogue's chorale ``name``, best first.

    The files called exactly ``name`` (MusicXML before Humdrum); a name matching no such file but
    exactly one other (``bach/bwv18.5-l`` finds ``bwv18.5-lz.mxl``) gets that one. Variants
    (``bwv112.5-sc.mxl`` for ``bach/bwv112.5``) and files that merely share a prefix
    (``bwv244.32.mxl`` for ``bach/bwv244.3``) are never candidates: the catalogue lists the
    variants it means (``bach/bwv69.6-a``) under their own names.
    """
    paths = [Path(f) for f in files]
    stem = name.rsplit("/", 1)[-1]
    exact = sorted(
        (p for p in paths if p.stem == stem),
        key=lambda p: (_EXTENSION_RANK.get(p.suffix, len(_EXTENSION_RANK)), p.name),
    )
    if exact:
        return exact
    return paths if len(paths) == 1 else []


def _score_segments(score: Any, n_bars: int, steps_per_beat: int) -> np.ndarray | None:
    """The segments of one chorale, shape (n, n_steps, 128, 4); None if it does not qualify."""
    from music21 import meter

    parts = list(score.parts)
    if len(parts) != len(CHORALE_TRACKS):
        return None
    signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
    if not signatures or any((ts.numerator, ts.denominator) != (4, 4) for ts in signatures):
        return None
    parts = _satb_order(parts)

    starts = _window_starts([_full_bar_offsets(part) for part in parts], n_bars)
    n_steps = n_bars * _BEATS_PER_BAR * steps_per_beat
    out = np.zeros((len(starts), n_steps, _N_PITCHES, len(CHORALE_TRACKS)), dtype=bool)
    window = Fraction(n_steps, steps_per_beat)  # in quarter notes
    for k, part in enumerate(parts):
        for pitch, onset, offset in _held_notes(part):
            for i, start in enumerate(starts):
                if onset >= start + window or offset <= start:
                    continue
                first, stop = _quantise(onset - start, offset - start, steps_per_beat)
                first, stop = max(first, 0), min(stop, n_steps)
                if first < stop:
                    out[i, first:stop, pitch, k] = True
    return out


def _satb_order(parts: list[Any]) -> list[Any]:
    names = [str(part.partName or "").strip().lower() for part in parts]
    if sorted(names) == sorted(CHORALE_TRACKS):
        return [parts[names.index(track)] for track in CHORALE_TRACKS]
    return parts


def _full_bar_offsets(part: Any) -> set[Fraction]:
    """Offsets (quarter notes from the start) of the part's full 4/4 bars.

    A full bar is a measure of four beats, or a bar that the score splits into consecutive
    shorter measures (say 3 + 1 beats around a repeat sign) which music21 marks, by their
    ``paddingLeft``, as the successive pieces of one bar. Pickups, incomplete final measures and
    other short measures are not full bars.
    """
    from music21 import stream

    part_offset = Fraction(part.offset)
    bars: set[Fraction] = set()
    start: Fraction | None = None  # offset of the bar being assembled from pieces
    filled = end = Fraction(0)  # its beats so far; where its last piece ends
    for measure in part.getElementsByClass(stream.Measure):
        offset = part_offset + Fraction(part.elementOffset(measure))
        length = Fraction(measure.duration.quarterLength)
        padding = Fraction(measure.paddingLeft)
        if start is not None and offset == end and padding == filled:
            filled += length  # the next piece of a split bar
        elif padding == 0:
            start, filled = offset, length  # a measure starting on a downbeat
        else:
            start = None  # a pickup, or a piece that does not continue a bar
        end = offset + length
        if start is not None and filled >= _BEATS_PER_BAR:
            if filled == _BEATS_PER_BAR:
                bars.add(start)
            start = None
    return bars


def _window_starts(full_bars: list[set[Fraction]], n_bars: int) -> list[Fraction]:
    """Starts of non-overlapping runs of ``n_bars`` consecutive bars that are full in all parts."""
    common = sorted(set.intersection(*full_bars))
    starts: list[Fraction] = []
    run_start, run_length, previous = Fraction(0), 0, None
    for offset in common:
        if previous is None or offset != previous + _BEATS_PER_BAR:
            run_length = 0  # not adjacent to the previous full bar: a new run begins
        if run_length == 0:
            run_start = offset
        run_length += 1
        if run_length == n_bars:
            starts.append(run_start)
            run_length = 0  # windows do not overlap
        previous = offset
    return starts


def _held_notes(part: Any) -> list[tuple[int, Fraction, Fraction]]:
    """(MIDI pitch, onset, offset) of every sounding note of the part, tie chains merged."""
    from music21 import harmony, note

    held: list[list[Any]] = []  # [pitch, onset, offset]
    open_ties: dict[int, list[Any]] = {}  # pitch -> the held note a tie may continue
    for element in part.flatten().notes:
        if isinstance(element, harmony.Harmony | note.Unpitched) or element.duration.isGrace:
            continue
        onset = Fraction(element.offset)
        offset = onset + Fraction(element.duration.quarterLength)
        for pitch in element.pitches:
            midi = int(pitch.midi)
            if not 0 <= midi < _N_PITCHES:
                continue
            tie = _tie_type(element, pitch)
            previous = open_ties.get(midi)
            if tie in ("stop", "continue") and previous is not None and previous[2] == onset:
                previous[2] = offset
            else:
                previous = [midi, onset, offset]
                held.append(previous)
            if tie in ("start", "continue"):
                open_ties[midi] = previous
            else:
                open_ties.pop(midi, None)
    return [(midi, onset, offset) for midi, onset, offset in held]


def _tie_type(element: Any, pitch: Any) -> str | None:
    tie = element.getTie(pitch) if hasattr(element, "getTie") else element.tie
    return None if tie is None else str(tie.type)


def _quantise(onset: Fraction, offset: Fraction, steps_per_beat: int) -> tuple[int, int]:
    """Steps [first, stop) of a note, onset and offset rounded half up to the step grid."""
    first = math.floor(onset * steps_per_beat + Fraction(1, 2))
    stop = math.floor(offset * steps_per_beat + Fraction(1, 2))
    if stop <= first:  # shorter than a step: it occupies the step it starts in
        first = math.floor(onset * steps_per_beat)
        stop = first + 1
    return first, stop
