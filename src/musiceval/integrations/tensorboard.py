"""TensorBoard: :class:`TensorBoardSink`, a :class:`musiceval.Monitor` sink.

A Monitor sends each sink every evaluation and every set of listening files, in step order, in
its background writer process (the sink object is pickled to it). This one writes them with
``torch.utils.tensorboard.SummaryWriter``, made in that process at the first write: torch,
tensorboard and Pillow are imported there, never by importing this module.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._checks import check_names, check_path, invalid
from musiceval.integrations._common import check_prefix, scalars
from musiceval.monitor import Evaluation

__all__ = ["TensorBoardSink"]


class TensorBoardSink:
    """Write a Monitor's evaluations and samples as TensorBoard events.

    For each evaluation, at its step: the scalar ``<prefix>/<metric>/<track>``, each metric's
    mean per track over the samples (NaN where no sample defines it), ``<prefix>/distance``
    and, when the Monitor has a bar index, ``<prefix>/originality/<name>`` for each number of
    ``Evaluation.originality`` (bar match rates and the longest copied run); for each watched
    vector-valued metric, ``<prefix>/vectors/<metric>/<track>``, the total variation distance
    of ``Evaluation.vector_distances``.
    For each set of listening files the Monitor wrote (``out_dir`` and ``sample_every`` given;
    without ``out_dir`` it writes none, and the sink records no image or audio): the piano-roll
    PNG as the image ``<prefix>/piano_roll`` and the WAV (16-bit) as the audio
    ``<prefix>/audio``, its channels averaged to mono. Events are flushed after each write and
    the file is closed when the Monitor closes.

    Parameters
    ----------
    log_dir : str or os.PathLike
        The TensorBoard run directory (``tensorboard --logdir`` its parent).
    track_names : sequence of str, optional
        The names of the tracks in the scalars' tags; default ``"0"``, ``"1"``, ... (the
        names a profile gets when none are given). Give the reference profile's
        (``profile.tracks``) when it has its own.
    prefix : str, default="musiceval"
        The first part of every tag.

    Examples
    --------
    >>> reference = musiceval.profile(rolls, track_names=["s", "a", "t", "b"])  # doctest: +SKIP
    >>> sink = TensorBoardSink("runs/tb/x", track_names=reference.tracks)  # doctest: +SKIP
    >>> monitor = musiceval.Monitor(reference, out_dir="runs/x", sinks=[sink])  # doctest: +SKIP
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        *,
        track_names: Sequence[str] | None = None,
        prefix: str = "musiceval",
    ) -> None:
        self.log_dir = check_path("log_dir", log_dir)
        self.track_names = None if track_names is None else check_names("track_names", track_names)
        self.prefix = check_prefix(prefix)
        self._writer: Any = None  # the SummaryWriter, made in the writer process

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_writer": None}

    def _summary_writer(self) -> Any:
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(self.log_dir))
        return self._writer

    def add_evaluation(self, evaluation: Evaluation) -> None:
        """Write the evaluation's means per metric and track, its distance, originality and
        vector distances."""
        writer = self._summary_writer()
        n_tracks = len(next(iter(evaluation.means.values())))
        for tag, value in scalars(evaluation, self._names(n_tracks), self.prefix).items():
            writer.add_scalar(tag, value, evaluation.step)
        for name, value in evaluation.originality.items():
            writer.add_scalar(f"{self.prefix}/originality/{name}", float(value), evaluation.step)
        writer.flush()

    def _names(self, n_tracks: int) -> list[str]:
        """The track names of the tags: the given ones (``n_tracks`` of them), or numbers."""
        names = self.track_names or [str(k) for k in range(n_tracks)]
        if len(names) != n_tracks:
            raise invalid("track_names", f"{n_tracks} names, one per track",
                          received=f"{len(names)} names")  # fmt: skip
        return list(names)

    def add_samples(self, step: int, rolls: np.ndarray, files: Mapping[str, Path]) -> None:
        """Write the piano-roll PNG as an image and the WAV as audio, when they were written."""
        png, wav = files.get("samples (piano-roll PNG)"), files.get("samples (WAV)")
        if png is None and wav is None:
            return
        writer = self._summary_writer()
        if png is not None:
            from PIL import Image

            with Image.open(png) as image:
                pixels = np.asarray(image.convert("RGB"))
            writer.add_image(f"{self.prefix}/piano_roll", pixels, step, dataformats="HWC")
        if wav is not None:
            sound, rate = _read_wav(wav)
            writer.add_audio(f"{self.prefix}/audio", sound[None, :], step, sample_rate=rate)
        writer.flush()

    def close(self) -> None:
        """Flush and close the event file (if anything was written)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __repr__(self) -> str:
        return f"TensorBoardSink({str(self.log_dir)!r})"


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV file as mono float32 in [-1, 1) and its sample rate."""
    with wave.open(str(path), "rb") as file:
        if file.getsampwidth() != 2:
            raise ValueError(
                f"{path} is not a 16-bit WAV file (sample width {file.getsampwidth()})"
            )
        frames = np.frombuffer(file.readframes(file.getnframes()), "<i2")
        sound = frames.reshape(-1, file.getnchannels()).mean(axis=1, dtype=np.float32)
        return sound / np.float32(32768), file.getframerate()
