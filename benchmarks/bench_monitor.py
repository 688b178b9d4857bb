"""The cost of watching a training run: one ``Monitor.update``, and evaluation's share of a run.

A script, not a test. In one run it measures:

(a) ``Monitor.update`` on 64 generated samples of ``(32, 128, 4)`` float32 tanh values (the
    reference GAN's fixed samples), against the chorales' profile: the median and 90th
    percentile over ``--updates`` calls, with no files (the metrics, history and distance
    alone), with every file due at every update (CSV, figure, MIDI/WAV/PNG, all done by the
    writer process), and, as what a user would otherwise write, ``musiceval.evaluate`` of the
    same samples reshaped back to arrays and a synchronous ``plot_history`` and CSV (0.1.0's
    MetricsHook). Each update is separated by ``--train-ms`` of torch matrix products on the
    same cores, as a training step would be. Then the same update without files with the
    originality tracked against a bar index of the chorales (``Evaluation.originality``), and
    the time it adds to an update.
(b) The reference training run (``examples/train_chorales.py``'s trainer and hooks) for
    ``--steps`` steps: wall time and each hook's share of it (``summary.json``'s
    ``hook_share``), on the CPU, and on CUDA when torch sees a GPU.

Run from the repository root::

    python benchmarks/bench_monitor.py                  # updates, then a 100-step run
    python benchmarks/bench_monitor.py --steps 500      # the README's default run (minutes)
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _samples(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(-2.0, 1.0, size=(64, 32, 128, 4))).astype(np.float32)


def _train(milliseconds: float, matrix: Any) -> None:
    end = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < end:
        matrix @ matrix


def _timed(label: str, calls: list[Any]) -> dict[str, Any]:
    times = np.array(calls) * 1000
    return {
        "label": label,
        "median_ms": float(np.median(times)),
        "p90_ms": float(np.percentile(times, 90)),
        "max_ms": float(times.max()),
    }


def update_costs(updates: int, train_ms: float) -> list[dict[str, Any]]:
    """(a): the three ways of evaluating 64 samples, each between 'training steps'."""
    import torch

    import musiceval
    from musiceval.datasets import load_chorales
    from musiceval.history import MetricHistory
    from musiceval.plot import plot_history

    chorales = load_chorales(n_bars=2, progress=False)
    reference = musiceval.profile(chorales)
    matrix = torch.randn(512, 512)
    musiceval.compute(_samples(0))  # compile / load the kernels first
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for label, options in [
            ("Monitor.update, no files", {}),
            ("Monitor.update, every file due", {"out_dir": Path(folder) / "m", "plot_every": 1,
                                                "sample_every": 1}),
        ]:  # fmt: skip
            times = []
            with musiceval.Monitor(reference, **options) as monitor:
                for step in range(updates):
                    _train(train_ms, matrix)
                    samples = _samples(step)
                    started = time.perf_counter()
                    monitor.update(step, samples)
                    times.append(time.perf_counter() - started)
            results.append(_timed(label, times))
        history = MetricHistory(track_names=list(reference.tracks))
        history.set_reference_from(reference)
        times = []
        for step in range(updates):
            _train(train_ms, matrix)
            samples = _samples(step)
            started = time.perf_counter()
            table = musiceval.evaluate(samples, list(reference.metrics), **reference.conventions)
            history.record(step, table)
            history.save(Path(folder) / "metrics.csv")
            plot_history(history, Path(folder) / "metrics.png")
            times.append(time.perf_counter() - started)
        results.append(_timed("evaluate + CSV + figure in the step (0.1.0's hook)", times))
    results.append(_originality_cost(reference, chorales, updates, train_ms, matrix))
    return results


def _originality_cost(
    reference: Any, chorales: np.ndarray, updates: int, train_ms: float, matrix: Any
) -> dict[str, Any]:
    """``Monitor.update`` without files, with the originality against the chorales' bars."""
    import musiceval
    from musiceval.originality import BarIndex

    indexed = reference.with_bar_index(BarIndex.build(chorales))
    times = []
    with musiceval.Monitor(indexed) as monitor:
        for step in range(updates):
            _train(train_ms, matrix)
            samples = _samples(step)
            started = time.perf_counter()
            monitor.update(step, samples)
            times.append(time.perf_counter() - started)
    label = f"Monitor.update, no files, originality ({indexed.bar_index.n_bars} bars indexed)"
    return _timed(label, times)


def run_share(steps: int, device: str) -> dict[str, Any]:
    """(b): the reference run's wall time and each hook's share."""
    from musiceval.models import TrainConfig, Trainer, add_default_hooks

    with tempfile.TemporaryDirectory() as folder:
        config = TrainConfig(n_steps=steps, device=device)
        trainer = Trainer(config, folder, progress=False)
        add_default_hooks(trainer)
        started = time.perf_counter()
        trainer.fit()
        wall = time.perf_counter() - started
        summary = json.loads((Path(folder) / "summary.json").read_text())
    shares = {label: share for label, share in summary["hook_share"].items()}
    evaluation = sum(v for k, v in shares.items() if "Checkpointer" not in k)
    return {"device": device, "steps": steps, "wall_s": wall, "hook_share": shares,
            "evaluation_share": evaluation}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=30, help="updates per way (default 30)")
    parser.add_argument("--train-ms", type=float, default=200.0,
                        help="training work between updates, ms (default 200)")  # fmt: skip
    parser.add_argument("--steps", type=int, default=100, help="reference run steps (100)")
    parser.add_argument("--skip-run", action="store_true", help="only the update costs")
    args = parser.parse_args()
    import torch

    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads")  # fmt: skip
    costs = update_costs(args.updates, args.train_ms)
    print(f"\n(a) one evaluation of 64 samples (32, 128, 4) float32, {args.updates} updates, "
          f"{args.train_ms:.0f} ms of training between them")  # fmt: skip
    for row in costs:
        print(f"  {row['label']:<55} median {row['median_ms']:7.1f} ms   p90 "
              f"{row['p90_ms']:7.1f} ms   max {row['max_ms']:7.1f} ms")  # fmt: skip
    old, new = costs[2]["median_ms"], costs[1]["median_ms"]
    print(f"  ratio: 0.1.0's way / Monitor.update with every file due = {old / new:.0f}x")
    added = costs[3]["median_ms"] - costs[0]["median_ms"]
    print(f"  originality adds {added:.1f} ms to the median update (no files)")
    if args.skip_run:
        return
    devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
    print(f"\n(b) the reference run, {args.steps} steps")
    for device in devices:
        result = run_share(args.steps, device)
        print(f"  {device}: wall {result['wall_s']:.1f} s; evaluation hooks "
              f"{result['evaluation_share']:.1%} of it")  # fmt: skip
        for label, share in result["hook_share"].items():
            print(f"    {label:<20} {share:7.2%}")


if __name__ == "__main__":
    main()
