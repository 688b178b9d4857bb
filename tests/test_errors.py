"""Every public function refuses every bad argument alike (scikit-learn's common test).

For each public callable, a valid call is written once; then each of its parameters in turn is
replaced by a value that no parameter accepts (an instance of a private class). The call must
raise :class:`musiceval.InvalidParameterError` (a ``ValueError`` and a ``TypeError``) whose
message reads ``"<parameter> must <what was expected>; got <what was received>"``, the received
value described (its type, value or dtype), never a raw ``repr`` with a memory address.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import musiceval as me
from musiceval import compat, distances, io, plot, scales
from musiceval.history import MetricHistory


class _Unusable:
    """A value of a type no parameter accepts."""


BAD = _Unusable()


def _roll() -> np.ndarray:
    x = np.zeros((3, 32, 128, 2), bool)
    x[:, :8, 60, 0] = x[:, 8:16, 64, 0] = x[1:, :, 48, 1] = True
    return x


# name -> (function, positional args, keyword args, parameters that are not walked)
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], tuple[str, ...]]


def _library_calls(tmp: Path) -> dict[str, Call]:
    x = _roll()
    p = me.profile(x, ["n_notes", "in_scale_ratio"])
    values = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 5.0]])
    a, b = values[:, 0], values[:, 1]
    history = MetricHistory(track_names=["a", "b"])
    history.record(0, {"n_notes": values})
    io.write_midi(tmp / "in.mid", x[:1])
    calls: dict[str, Call] = {
        name: (getattr(me, name), (x,), {}, ()) for name in me.METRICS if name != "tonal_distance"
    }
    calls |= {
        "tonal_distance": (me.tonal_distance, (x, 0, 1), {}, ()),
        "compute": (me.compute, (x,), {}, ("conventions",)),
        "evaluate": (me.evaluate, (x,), {}, ("conventions",)),
        "profile": (me.profile, (x,), {}, ("conventions",)),
        "compare": (me.compare, (x, p), {}, ()),
        "DatasetProfile.quantile": (p.quantile, ("n_notes", 0.5), {}, ()),
        "DatasetProfile.merge": (p.merge, (p,), {}, ()),
        "DatasetProfile.mean": (p.mean, ("n_notes",), {}, ()),
        "DatasetProfile.samples": (p.samples, (), {"metric": "n_notes"}, ()),
        "DatasetProfile.save": (p.save, (tmp / "p.json",), {}, ()),
        "Report.save": (me.compare(x, p).save, (tmp / "report",), {}, ()),
        "io.load_rolls": (io.load_rolls, (x,), {}, ("source",)),
        "io.read_midi": (io.read_midi, (tmp / "in.mid",), {}, ()),
        "io.load_midi_folder": (io.load_midi_folder, (tmp,), {"n_bars": 1}, ()),
        "io.load_midi": (io.load_midi, (tmp,), {"n_bars": 1}, ()),
        "io.write_midi": (io.write_midi, (tmp / "out.mid", x[:1]), {}, ()),
        "io.write_wav": (io.write_wav, (tmp / "out.wav", x[:1]), {}, ()),
        "distances.fraction_inside": (distances.fraction_inside, (a, 0.0, 5.0), {}, ()),
        "distances.frechet_distance": (distances.frechet_distance, (values, values), {}, ()),
        "distances.kde_comparison": (distances.kde_comparison, (a, b), {}, ()),
        "distances.mass_comparison": (distances.mass_comparison, (a, b), {}, ()),
        "distances.relative_comparison": (distances.relative_comparison, (a, b), {}, ()),
        "distances.set_distances": (distances.set_distances, (a,), {}, ()),
        "distances.z_score": (distances.z_score, (1.0, 2.0, 3.0), {}, ()),
        "distances.prdc": (distances.prdc, (values, values), {"k": 1}, ()),
        "distances.mmd": (distances.mmd, (values, values), {}, ()),
        "distances.kid": (distances.kid, (values, values), {}, ()),
        "distances.frechet_distance_infinity": (
            distances.frechet_distance_infinity,
            (values, values),
            {},
            (),
        ),
        "distances.piece_distance": (distances.piece_distance, (values, values[0]), {}, ()),
        "distances.bootstrap_interval": (
            distances.bootstrap_interval,
            (distances.frechet_distance, values, values),
            {"n_boot": 5},
            (),
        ),
        "distances.n_dropped_rows": (distances.n_dropped_rows, (values,), {}, ()),
        "distances.nearest_neighbour_distances": (
            distances.nearest_neighbour_distances,
            (values, values),
            {},
            (),
        ),
        "MetricHistory": (MetricHistory, (), {"track_names": ["a", "b"]}, ()),
        "MetricHistory.record": (history.record, (1, {"n_notes": values}), {}, ()),
        "MetricHistory.set_reference": (history.set_reference, ("n_notes", [1.0, 2.0]), {}, ()),
        "MetricHistory.set_reference_from": (history.set_reference_from, (p,), {}, ()),
        "MetricHistory.series": (history.series, ("n_notes", 0), {}, ()),
        "MetricHistory.save": (history.save, (tmp / "h.csv",), {}, ()),
        "plot.plot_history": (plot.plot_history, (history,), {}, ()),
        "plot.plot_distributions": (
            plot.plot_distributions, (values, values), {"metric": "n_notes"}, (),
        ),
        "plot.plot_roll": (plot.plot_roll, (x,), {}, ()),
        "plot.plot_losses": (plot.plot_losses, ([1, 2, 3], {"g_loss": [1.0, 0.5, 0.2]}), {}, ()),
        "plot.plot_z_scores": (plot.plot_z_scores, (me.compare(x, p).to_frame(),), {}, ()),
        "compat.side_by_side": (compat.side_by_side, (x, "deepcomposer"), {}, ("conventions",)),
        "compat.musegan.evaluate_v2": (
            compat.musegan.evaluate_v2,
            (np.repeat(x[..., :1], 5, -1).reshape(3, 2, 16, 128, 5),),
            {"beat_resolution": 4},
            (),
        ),
        "scales.parse_key": (scales.parse_key, ("C",), {}, ()),
        "scales.key_name": (scales.key_name, (0,), {}, ()),
        "scales.scale_mask": (scales.scale_mask, ("C", "major"), {}, ()),
        "scales.tonal_matrix": (scales.tonal_matrix, ((1.0, 1.0, 0.5),), {}, ()),
    }  # fmt: skip
    return calls


def _model_calls(tmp: Path) -> dict[str, Call]:
    pytest.importorskip("torch")
    from musiceval import models

    return {
        name: (getattr(models, name), (), {}, ())
        for name in ("LossLogger", "MetricsHook", "PlateauStopper", "SampleWriter", "Checkpointer")
    } | {
        "TrainConfig": (models.TrainConfig, (), {}, ()),
        "Trainer": (models.Trainer, (models.TrainConfig.quick(), tmp / "run"), {}, ()),
        "Generator": (models.Generator, (), {"n_steps": 32, "n_tracks": 2}, ()),
        "Critic": (models.Critic, (), {"n_steps": 32, "n_tracks": 2}, ()),
    }


def _walk(call: Call) -> list[tuple[str, Callable[[], Any]]]:
    """One call per parameter of the function, with that parameter made unusable."""
    function, args, kwargs, skipped = call
    bound = inspect.signature(function).bind_partial(*args, **kwargs)
    calls = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in skipped or parameter.kind is parameter.VAR_KEYWORD:
            continue
        arguments = {**bound.arguments, parameter.name: BAD}  # all by keyword
        calls.append((parameter.name, lambda arguments=arguments: function(**arguments)))
    return calls


def _check_every_parameter(calls: dict[str, Call]) -> list[str]:
    failures = []
    for label, call in calls.items():
        call[0](*call[1], **call[2])  # the valid call itself works
        for parameter, run in _walk(call):
            try:
                run()
            except me.InvalidParameterError as error:
                message = str(error)
                named = rf"(\w+\.)?{re.escape(parameter)}"  # a field may say its class
                said = re.match(rf"{named} must .+; got .+", message)
                if not said or " object at 0x" in message:
                    failures.append(f"{label}({parameter}=...): {message[:160]}")
            except Exception as error:  # any other exception is a failure
                failures.append(f"{label}({parameter}=...): {type(error).__name__}: {error}"[:200])
            else:
                failures.append(f"{label}({parameter}=...): accepted")
    return failures


def test_every_library_function_refuses_every_bad_argument_alike(tmp_path, one_numba_thread):
    failures = _check_every_parameter(_library_calls(tmp_path))
    assert failures == [], "\n".join(failures)


def test_every_model_class_refuses_every_bad_argument_alike(tmp_path):
    failures = _check_every_parameter(_model_calls(tmp_path))
    assert failures == [], "\n".join(failures)
