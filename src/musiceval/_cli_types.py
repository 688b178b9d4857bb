"""argparse ``type=`` converters shared by the ``musiceval`` command and the trainer's command
line, so that neither imports the other."""

from __future__ import annotations

import argparse

__all__ = ["comma_names", "positive_int"]


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
