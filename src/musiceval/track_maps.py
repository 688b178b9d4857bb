"""Track maps: which output track each track of a MIDI file goes into.

A MIDI file has as many tracks as its author made, in any order; a model's rolls have a fixed
number of tracks that mean the same thing in every sample. A :class:`TrackMap` (an ordered
mapping of output track name to rule) bridges the two, and :func:`track_map` turns what a
``tracks=`` argument accepts (a name from :data:`PRESETS`, a TrackMap or a mapping) into one.
A file lacking an instrument gets an empty output track; an input track that no rule takes is
dropped. Rules select tracks by General MIDI program, by drum flag (``"drums"``) or by MIDI
track name (``{"name": "Viola"}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeAlias

from musiceval._checks import check_int, describe, invalid

__all__ = [
    "PRESETS",
    "NameRule",
    "SpecialRule",
    "TrackLike",
    "TrackMap",
    "TrackMapSpec",
    "TrackRule",
    "default_track_names",
    "track_map",
]  # fmt: skip

SpecialRule: TypeAlias = Literal["drums", "others", "all"]
"""The rules that are not a list of programs."""

TrackRule: TypeAlias = Iterable[int] | SpecialRule | Mapping[str, Any]
"""A rule as given: General MIDI programs (ints 0-127), one of :data:`SpecialRule`, or
``{"name": name or list of names}`` (:class:`NameRule`)."""


@dataclass(frozen=True)
class NameRule:
    """The rule ``{"name": names}``: the tracks whose MIDI track name is one of ``names``
    (compared without case and surrounding spaces), drum tracks included."""

    names: tuple[str, ...]

    def keys(self) -> tuple[str, ...]:
        """The names as they are compared."""
        return tuple(_name_key(name) for name in self.names)


def _name_key(name: str) -> str:
    return name.strip().casefold()


_Rule: TypeAlias = tuple[int, ...] | SpecialRule | NameRule
_N_PROGRAMS = 128
_SPECIAL: tuple[SpecialRule, ...] = ("drums", "others", "all")
_RULE_TEXT = "a rule: GM programs (ints 0-127, e.g. range(0, 8)), 'drums', 'others' or 'all'"
_MAP_TEXT = "a non-empty mapping of output track name (str) to rule"
_NAMES_TEXT = "{'name': a non-empty str or a non-empty list of them}"
_JSON_TEXT = "a track map as TrackMap.to_json_dict writes it: {'tracks': [{'name', 'rule'}, ...]}"


class TrackLike(Protocol):
    """What :meth:`TrackMap.assign` reads of a track: musiceval's parsed ``MidiTrack`` (symusic's
    tracks and pretty_midi's instruments have both attributes too, and a ``name``, which a map
    with :class:`NameRule` rules reads)."""

    @property
    def program(self) -> int: ...

    @property
    def is_drum(self) -> bool: ...


@dataclass(frozen=True, init=False, repr=False)
class TrackMap:
    """An ordered mapping of output track name to rule.

    Parameters
    ----------
    rules : Mapping of str to rule
        Output track name (a non-empty str) to rule, in output order. A rule is one of:
        General MIDI programs, an iterable of ints 0-127 (``range(0, 8)`` is the piano
        family), taking the pitched tracks that play one of them; ``"drums"``, the drum tracks
        (channel 10, ``is_drum``) whatever their program; ``"others"``, every pitched track
        that no program rule takes; ``"all"``, every track, drums included (then the only
        rule); ``{"name": "Viola"}`` or ``{"name": ["Violin I", "Violin II"]}``, the tracks of
        that MIDI track name (without case and surrounding spaces), drum tracks included.
        Name rules come first: a track one takes goes nowhere else. Program rules and
        ``"others"`` never take a drum track.

    Raises
    ------
    InvalidParameterError
        Naming ``tracks``: not a non-empty mapping; a name not a non-empty str; a rule of
        another type, with no program or one outside 0-127 (or a bool); a program in two
        rules; two ``"drums"`` or two ``"others"`` rules; ``"all"`` beside another rule; a
        name rule with no name, a name that is not a non-empty str, or a name in two rules.

    Examples
    --------
    >>> melody = TrackMap({"Melody": range(72, 80), "Drums": "drums"})
    >>> melody.names
    ('Melody', 'Drums')
    """

    rules: tuple[tuple[str, _Rule], ...]
    """``(name, rule)`` pairs in output order; programs as a sorted tuple."""
    _table: tuple[int, ...] = field(compare=False)
    _drums: int = field(compare=False)
    _names: dict[str, int] = field(compare=False)

    def __init__(self, rules: Mapping[str, TrackRule]) -> None:
        if not isinstance(rules, Mapping):
            raise invalid("tracks", _MAP_TEXT, rules)
        if not rules:
            raise invalid("tracks", _MAP_TEXT, received="an empty mapping")
        parsed = tuple((_check_name(name), _check_rule(name, rule)) for name, rule in rules.items())
        table, drums = _lookup(parsed)
        object.__setattr__(self, "rules", parsed)
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_drums", drums)
        object.__setattr__(self, "_names", _name_lookup(parsed))

    @property
    def names(self) -> tuple[str, ...]:
        """The output track names, in order."""
        return tuple(name for name, _ in self.rules)

    @property
    def drum_tracks(self) -> tuple[bool, ...]:
        """Per output track, whether it is the ``"drums"`` rule's (the ``drums`` convention of
        a profile of mapped files: its pitched metrics are NaN)."""
        return tuple(rule == "drums" for _, rule in self.rules)

    def assign(self, tracks: Sequence[TrackLike]) -> list[list[int]]:
        """Return, for each output track in order, the indices of the input tracks it takes.

        Parameters
        ----------
        tracks : sequence of track-like objects
            The input tracks in file order; only ``.program`` (an int 0-127) and ``.is_drum``
            are read, and ``.name`` (a str; none: no name) when the map has name rules.

        Returns
        -------
        list of list of int
            One list of increasing indices into ``tracks`` per output track, empty when no
            input track goes there (a file without guitar gets an empty Guitar track). An input
            track is in at most one list; one that no rule takes (a drum track when no rule is
            ``"drums"`` or ``"all"``) is in none: it is dropped.

        Raises
        ------
        InvalidParameterError
            A pitched track's program is not an int in [0, 127] (named ``tracks[i].program``).

        Examples
        --------
        >>> from types import SimpleNamespace as Track
        >>> drums, piano = Track(program=0, is_drum=True), Track(program=1, is_drum=False)
        >>> PRESETS["lpd5"].assign([piano, drums, piano])
        [[1], [0, 2], [], [], []]
        >>> PRESETS["lpd5"].assign([])
        [[], [], [], [], []]
        """
        groups: list[list[int]] = [[] for _ in self.rules]
        table, drums, names = self._table, self._drums, self._names
        for index, track in enumerate(tracks):
            name = getattr(track, "name", None) if names else None
            if isinstance(name, str) and _name_key(name) in names:
                target = names[_name_key(name)]
            elif track.is_drum:
                target = drums
            else:
                program = track.program
                if program.__class__ is not int or not 0 <= program < _N_PROGRAMS:
                    program = check_int(
                        f"tracks[{index}].program", program, minimum=0, maximum=_N_PROGRAMS - 1
                    )
                target = table[program]
            if target >= 0:
                groups[target].append(index)
        return groups

    def to_json_dict(self) -> dict[str, Any]:
        """The map as JSON-ready data: ``{"tracks": [{"name": ..., "rule": ...}, ...]}`` in
        output order, each rule a special rule's string or a sorted list of programs.
        :meth:`from_json_dict` reads it back."""
        return {"tracks": [{"name": name, "rule": _json_rule(rule)} for name, rule in self.rules]}

    @classmethod
    def from_json_dict(cls, content: Any) -> TrackMap:
        """The map :meth:`to_json_dict` wrote.

        Raises
        ------
        InvalidParameterError
            ``content`` does not have that shape (named ``content``), two entries share a
            name, or a rule is invalid (as for the constructor).
        """
        entries = content.get("tracks") if isinstance(content, Mapping) else None
        if not isinstance(entries, list) or not all(
            isinstance(entry, Mapping) and set(entry) == {"name", "rule"} for entry in entries
        ):
            raise invalid("content", _JSON_TEXT, content)
        names = [_check_name(entry["name"]) for entry in entries]
        twice = [name for position, name in enumerate(names) if name in names[:position]]
        if twice:
            raise invalid("tracks", "distinct output track names", received=f"{twice[0]!r} twice")
        return cls({entry["name"]: entry["rule"] for entry in entries})

    def __repr__(self) -> str:
        shown = ", ".join(f"{name!r}: {_show_rule(rule)}" for name, rule in self.rules)
        return f"TrackMap({{{shown}}})"


def _json_rule(rule: _Rule) -> Any:
    if isinstance(rule, NameRule):
        return {"name": list(rule.names)}
    return rule if isinstance(rule, str) else list(rule)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise invalid("tracks", "a mapping whose output track names are non-empty str", name)
    return name


def _check_rule(name: str, rule: Any) -> _Rule:
    """A special rule as given, or the sorted distinct programs of a program rule."""
    label = f"tracks[{name!r}]"
    if isinstance(rule, str) and rule in _SPECIAL:
        return _SPECIAL[_SPECIAL.index(rule)]
    if isinstance(rule, NameRule) or (isinstance(rule, Mapping) and list(rule) == ["name"]):
        return _check_names_rule(label, rule)
    if isinstance(rule, str | bytes | Mapping) or not isinstance(rule, Iterable):
        raise invalid(label, _RULE_TEXT, rule)
    programs = list(rule)
    if not programs:
        raise invalid(label, "at least one General MIDI program", rule)
    for program in programs:
        if not _is_program(program):
            received = f"{describe(program)} in {describe(rule)}"
            raise invalid(label, "General MIDI programs: ints in [0, 127]", received=received)
    return tuple(sorted({int(program) for program in programs}))


def _check_names_rule(label: str, rule: Mapping[str, Any] | NameRule) -> NameRule:
    """The names of ``{"name": names}``: one str or a list of them, each non-empty."""
    given = rule.names if isinstance(rule, NameRule) else rule["name"]
    names = [given] if isinstance(given, str) else given
    if (
        not isinstance(names, list | tuple)
        or not names
        or not all(isinstance(name, str) and name.strip() for name in names)
    ):
        raise invalid(label, _NAMES_TEXT, received=f"{{'name': {given!r}}}")
    return NameRule(tuple(names))


def _name_lookup(rules: tuple[tuple[str, _Rule], ...]) -> dict[str, int]:
    """The output index of each track name of the name rules, checking none is in two."""
    owner: dict[str, int] = {}
    for index, (name, rule) in enumerate(rules):
        for key in rule.keys() if isinstance(rule, NameRule) else ():
            if key in owner and owner[key] != index:
                got = f"track name {key!r} in both {rules[owner[key]][0]!r} and {name!r}"
                raise invalid("tracks", "name rules that share no track name", received=got)
            owner[key] = index
    return owner


def _is_program(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and 0 <= int(value) < 128


def _lookup(rules: tuple[tuple[str, _Rule], ...]) -> tuple[tuple[int, ...], int]:
    """The output index of each program (-1: dropped) and of drum tracks, checking that no
    track could go into two output tracks."""
    table = [-1] * _N_PROGRAMS
    special: dict[str, int] = {}
    for index, (name, rule) in enumerate(rules):
        if rule == "all" and len(rules) > 1:
            beside = [other for other, _ in rules if other != name]
            got = f"'all' for {name!r} beside {beside}"
            raise invalid("tracks", "'all' alone (it takes every track)", received=got)
        if isinstance(rule, NameRule):
            continue
        if isinstance(rule, str):
            if rule in special:
                got = f"{rule!r} for both {rules[special[rule]][0]!r} and {name!r}"
                raise invalid("tracks", f"a map with at most one {rule!r} rule", received=got)
            special[rule] = index
        for program in () if isinstance(rule, str) else rule:
            if table[program] >= 0:
                got = f"program {program} in both {rules[table[program]][0]!r} and {name!r}"
                raise invalid("tracks", "rules that share no program", received=got)
            table[program] = index
    if "all" in special:
        return (0,) * _N_PROGRAMS, 0
    fallback = special.get("others", -1)
    return tuple(fallback if target < 0 else target for target in table), special.get("drums", -1)


def _show_rule(rule: _Rule) -> str:
    """A rule as Python that builds it: ``range(0, 8)``, ``[*range(8, 24), 30]``, ``'drums'``,
    ``{'name': ['Viola']}``."""
    if isinstance(rule, NameRule):
        return repr({"name": list(rule.names)})
    if isinstance(rule, str):
        return repr(rule)
    runs: list[list[int]] = []
    for program in rule:
        if runs and program == runs[-1][1]:
            runs[-1][1] = program + 1
        else:
            runs.append([program, program + 1])
    if len(runs) == 1 and len(rule) > 1:
        return f"range({rule[0]}, {rule[-1] + 1})"
    parts = [
        f"*range({a}, {b})" if b - a > 2 else ", ".join(map(str, range(a, b))) for a, b in runs
    ]
    return f"[{', '.join(parts)}]"


TrackMapSpec: TypeAlias = str | TrackMap | Mapping[str, TrackRule]
"""What :func:`track_map` (and so every ``tracks=`` argument) accepts."""

_LPD5: dict[str, TrackRule] = {
    "Drums": "drums", "Piano": range(0, 8), "Guitar": range(24, 32), "Bass": range(32, 40),
    "Strings": (*range(8, 24), *range(40, 96), *range(104, 112)),
}  # fmt: skip

PRESETS: Mapping[str, TrackMap] = MappingProxyType(
    {"lpd5": TrackMap(_LPD5), "merged": TrackMap({"all": "all"})}
)
"""Named track maps (read-only).

``"lpd5"``: the five tracks of LPD-5, the Lakh Pianoroll Dataset's merge that MuseGAN trains
on, as ``get_merged`` in ``src/merger_5.py`` of github.com/salu133445/lakh-pianoroll-dataset
makes them: drum tracks into Drums; by General MIDI family (``program // 8``) 0 into Piano, 3
into Guitar, 4 into Bass; then ``program < 96 or 104 <= program < 112`` into Strings. Synth
effects (96-103), percussive (112-119) and sound effects (120-127) tracks are dropped, as there.

``"merged"``: one track named ``"all"`` taking every track, drums included (what
``read_midi(merge_tracks=True)`` gives).
"""


def track_map(spec: TrackMapSpec) -> TrackMap:
    """Return the :class:`TrackMap` a ``tracks=`` argument names.

    Parameters
    ----------
    spec : str, TrackMap or Mapping of str to rule
        A name from :data:`PRESETS` (``"lpd5"``, ``"merged"``), a TrackMap (returned as is),
        or a mapping of output track name to rule: ``{"Melody": range(72, 80), "Drums": "drums"}``.

    Raises
    ------
    InvalidParameterError
        ``spec`` is none of these (the message lists the presets), or the mapping is not a
        valid track map (see :class:`TrackMap`).
    """
    if isinstance(spec, TrackMap):
        return spec
    if isinstance(spec, str) and spec in PRESETS:
        return PRESETS[spec]
    if isinstance(spec, Mapping):
        return TrackMap(spec)
    expected = f"a preset name (one of {list(PRESETS)}), a TrackMap or a mapping of name to rule"
    raise invalid("tracks", expected, spec)


def default_track_names(
    track_names: Sequence[str] | None, tracks: TrackMapSpec | None
) -> Sequence[str] | None:
    """``track_names`` when given, else the names of the map ``tracks`` (None without one):
    the one rule for a profile's track names when a track map made its tracks."""
    if track_names is not None or tracks is None:
        return track_names
    return track_map(tracks).names
