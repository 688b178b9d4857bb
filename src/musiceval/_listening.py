"""The files to listen to and look at while a generator learns: MIDI, WAV and a piano-roll PNG
of a few samples, one after the other in time. The Monitor and the trainer's SampleWriter both
write them here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SAMPLE_MIDI", "SAMPLE_PNG", "SAMPLE_WAV", "write_listening_files"]

SAMPLE_MIDI = "samples (MIDI)"
"""The key of the MIDI file among the files written (``outputs``, a sink's ``files``)."""
SAMPLE_WAV = "samples (WAV)"
"""The key of the WAV file."""
SAMPLE_PNG = "samples (piano-roll PNG)"
"""The key of the piano-roll PNG."""


def write_listening_files(
    stem: Path,
    rolls: np.ndarray,
    *,
    track_names: Sequence[str],
    steps_per_beat: int,
    steps_per_bar: int,
    tempo: float,
    lowest_pitch: int = 0,
) -> dict[str, Path]:
    """Write ``stem.mid``, ``stem.wav`` and ``stem.png`` of bool ``rolls`` (NTPK, pitch index 0
    at MIDI ``lowest_pitch``).

    Returns the files by description (``"samples (MIDI)"``, ...). Each is written atomically.
    """
    from musiceval import io, plot

    names = list(track_names)
    timing: dict[str, Any] = {
        "steps_per_beat": steps_per_beat,
        "tempo": tempo,
        "lowest_pitch": lowest_pitch,
    }
    midi = io.write_midi(stem.with_suffix(".mid"), rolls, track_names=names, **timing)
    wav = io.write_wav(stem.with_suffix(".wav"), rolls, **timing)
    png = plot.plot_roll(
        rolls, stem.with_suffix(".png"), track_names=names, steps_per_bar=steps_per_bar,
        lowest_pitch=lowest_pitch,
    )  # fmt: skip
    return {SAMPLE_MIDI: midi, SAMPLE_WAV: wav, SAMPLE_PNG: png}
