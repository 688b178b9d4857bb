"""What the adapters share: the callbacks' Monitor (given, or made when training starts), their
checked options, sampling in evaluation mode, an evaluation as flat scalars. Nothing here
imports a framework (torch only inside :func:`draw_samples`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from musiceval._checks import check_int, invalid
from musiceval.monitor import Evaluation, Monitor

__all__ = ["MonitorSource", "check_callback_options", "check_prefix", "draw_samples", "scalars"]


class MonitorSource:
    """A callback's Monitor: given, or built by a function when training starts.

    A Monitor decides whether it runs under torch.distributed (and so whether it writes files)
    at construction, unless torchrun launched it; a function lets a callback build it once the
    processes have joined (Lightning starts them inside ``fit``).
    """

    def __init__(self, monitor: Monitor | Callable[[], Monitor]) -> None:
        self._monitor: Monitor | None = None
        self._factory: Callable[[], Monitor] | None = None
        self._pending: dict[str, Any] | None = None
        self._closed = False
        self.last_step = -1  # the step of the Monitor's last update
        if isinstance(monitor, Monitor):
            self._monitor = monitor
            self._sync_last_step()
        elif callable(monitor):
            self._factory = monitor
        else:
            raise invalid("monitor", "a musiceval.Monitor or a function returning one", monitor)

    def _to_build(self) -> bool:
        """Whether :meth:`start` makes a Monitor: none yet, or the last one was closed."""
        return self._factory is not None and (self._monitor is None or self._closed)

    def start(self) -> Monitor:
        """The Monitor for a run that starts: made now when given a function (a new one per
        run), with the state loaded before it existed."""
        if self._to_build():
            assert self._factory is not None
            made = self._factory()
            if not isinstance(made, Monitor):
                raise invalid("monitor", "a function returning a musiceval.Monitor",
                              received=f"a function returning {type(made).__name__}")  # fmt: skip
            self._monitor, self._closed = made, False
            pending, self._pending = self._pending, None
            if pending is not None:
                made.load_state_dict(pending)
            self._sync_last_step()
        assert self._monitor is not None
        return self._monitor

    def get(self) -> Monitor:
        """The current Monitor (made now if there is none yet)."""
        return self._monitor if self._monitor is not None else self.start()

    def update(self, step: int, samples: Any) -> Evaluation:
        """``monitor.update(step, samples)``, remembering the step."""
        evaluation = self.get().update(step, samples)
        self.last_step = step
        return evaluation

    def close(self) -> None:
        """Close the Monitor if it was built (once)."""
        if self._monitor is not None and not self._closed:
            self._closed = True
            self._monitor.close()

    def state_dict(self) -> dict[str, Any]:
        """The Monitor's state (or the one waiting for it to be built)."""
        if self._pending is not None or self._monitor is None:
            return dict(self._pending or {})
        return self._monitor.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Give the Monitor its state now, or when it is built."""
        if not state:
            return
        if self._to_build():
            self._pending = dict(state)
            return
        assert self._monitor is not None
        self._monitor.load_state_dict(state)
        self._sync_last_step()

    def _sync_last_step(self) -> None:
        assert self._monitor is not None
        steps = self._monitor.history.steps
        self.last_step = steps[-1] if steps else -1


def check_prefix(prefix: Any) -> str:
    """The first part of logged names and tags."""
    if not isinstance(prefix, str) or not prefix or prefix.endswith("/"):
        raise invalid("prefix", "a non-empty str not ending in '/'", prefix)
    return prefix


def check_callback_options(
    sample_fn: Any, every_n_steps: Any, prefix: Any
) -> tuple[Callable[[Any], Any], int, str]:
    """The options both callbacks share, checked."""
    if not callable(sample_fn):
        raise invalid("sample_fn", "a function of the model returning generated rolls", sample_fn)
    return sample_fn, check_int("every_n_steps", every_n_steps), check_prefix(prefix)


def draw_samples(sample_fn: Callable[[Any], Any], model: Any) -> Any:
    """``sample_fn(model)`` with the model in evaluation mode and no autograd graph; each
    submodule's training mode is restored after."""
    import torch

    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            return sample_fn(model)
    finally:
        for module, training in modes:
            module.training = training


def scalars(evaluation: Evaluation, track_names: Sequence[str], prefix: str) -> dict[str, float]:
    """``{prefix}/distance``, ``{prefix}/<metric>/<track>`` (each metric's mean per track) and
    ``{prefix}/vectors/<metric>/<track>`` (each watched vector-valued metric's total variation
    distance per track) as plain floats (NaN where a track had no defined value)."""
    flat = {f"{prefix}/distance": float(evaluation.distance)}
    for name, means in evaluation.means.items():
        for track, value in zip(track_names, means, strict=True):
            flat[f"{prefix}/{name}/{track}"] = float(value)
    for name, distances in evaluation.vector_distances.items():
        for track, value in zip(track_names, distances, strict=True):
            flat[f"{prefix}/vectors/{name}/{track}"] = float(value)
    return flat
