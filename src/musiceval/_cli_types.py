"""argparse ``type=`` converters shared by the ``musiceval`` command and the trainer's command
line, so that neither imports the other."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["comma_names", "positive_int", "track_spec"]


def positive_int(text: str) -> int:
    """An argparse ``type``: ``text`` as an int >= 1, or a usage error saying what was given."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {value}")
    return value


def comma_names(text: str) -> list[str]:
    """An argparse ``type``: comma-separated names (at least one), stripped."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names; got {text!r}")
    return names


def track_spec(text: str) -> Any:
    """An argparse ``type`` for ``--tracks``: a preset name, or a ``.json`` file holding a
    mapping ``{"track name": [programs] | "drums" | "others" | "all"}`` or a map as
    :meth:`TrackMap.to_json_dict` writes it (see docs/tracks.md)."""
    if not text.lower().endswith(".json"):
        return text
    try:
        content = json.loads(Path(text).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise argparse.ArgumentTypeError(f"cannot read the track map {text!r}: {error}") from None
    if not isinstance(content, dict):
        raise argparse.ArgumentTypeError(
            f"the track map {text!r} must hold a JSON object of track name to rule; got "
            f"{type(content).__name__}"
        )
    from musiceval.track_maps import TrackMap

    if set(content) == {"tracks"}:  # a map as TrackMap.to_json_dict writes it
        try:
            return TrackMap.from_json_dict(content)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"the track map {text!r}: {error}") from None
    return content
