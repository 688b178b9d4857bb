"""Run by tests/test_ddp.py under ``torchrun --nproc_per_node=2`` (gloo, CPU).

``python ddp_script.py monitor OUT RESULTS``: every rank makes the same Monitor on OUT and
passes its own samples (different rolls, and a different number of them per rank) at steps
0, 10 and 20. ``python ddp_script.py lightning OUT RESULTS``: Lightning's DDP strategy trains
the tiny generator with the MonitorCallback, which makes its Monitor in ``setup``. ``python
ddp_script.py hf OUT RESULTS``: the Hugging Face Trainer does, with a Monitor made after
``TrainingArguments``. Each rank saves what it gave and got in ``RESULTS/rank<r>.npz`` and
``RESULTS/rank<r>.json``.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import numpy as np
from integration_kit import (
    METRICS,
    TRACKS,
    chorale_rolls,
    fixed_noise,
    generator,
    tiny_gan,
    training_data,
)

import musiceval as me

STEPS = (0, 10, 20)


def samples_of(step: int, rank: int) -> np.ndarray:
    """Rank ``rank``'s samples at ``step``, as tanh-like float32 (-1 silent, +1 sounding)."""
    return chorale_rolls(1000 * step + rank + 1, 3 + rank).astype(np.float32) * 2 - 1


def save(results: Path, rank: int, monitor: me.Monitor, arrays: dict, outputs: dict) -> None:
    np.savez(results / f"rank{rank}.npz", **arrays)
    summary = {
        "writes_files": monitor.writes_files,
        "outputs": sorted(outputs),
        "background_seconds": monitor.seconds["background"],
        "history": monitor.history.state_dict(),
    }
    (results / f"rank{rank}.json").write_text(json.dumps(summary))


def run_monitor(out: Path, results: Path) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    reference = me.profile(chorale_rolls(0, 40), METRICS, track_names=TRACKS)
    monitor = me.Monitor(reference, out_dir=out, plot_every=1, sample_every=2)
    arrays = {}
    for step in STEPS:
        arrays[f"samples_{step}"] = samples_of(step, rank)
        arrays[f"distance_{step}"] = np.float64(
            monitor.update(step, samples_of(step, rank)).distance
        )
    save(results, rank, monitor, arrays, monitor.close())


def run_lightning(out: Path, results: Path) -> None:
    import lightning.pytorch as pl
    import torch
    import torch.distributed as dist

    from musiceval.integrations.lightning import MonitorCallback

    given = []

    def sample(module):  # a different noise per rank
        given.append(module.generator(fixed_noise(seed=10 + dist.get_rank())).numpy())
        return given[-1]

    reference = me.profile(chorale_rolls(0, 40), METRICS, track_names=TRACKS)
    make = functools.partial(me.Monitor, reference, out_dir=out, report=False)
    callback = MonitorCallback(make, sample, every_n_steps=2)
    trainer = pl.Trainer(
        max_steps=4, callbacks=[callback], strategy="ddp", accelerator="cpu", devices=2,
        logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False,
    )  # fmt: skip
    data = torch.utils.data.TensorDataset(*training_data())
    trainer.fit(tiny_gan(), torch.utils.data.DataLoader(data, batch_size=8))
    rank = trainer.global_rank
    arrays = {f"samples_{k}": x for k, x in enumerate(given)}
    assert callback.last is not None
    arrays["last_distance"] = np.float64(callback.last.distance)
    save(results, rank, callback.monitor, arrays, callback.monitor.outputs)


def run_hf(out: Path, results: Path) -> None:
    import torch
    import torch.distributed as dist
    import transformers

    from musiceval.integrations.hf import MonitorCallback

    class TinyGenerator(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.generator = generator()

        def forward(self, noise, target):
            return {"loss": torch.nn.functional.mse_loss(self.generator(noise), target)}

    noise, target = training_data()
    data = [{"noise": n, "target": t} for n, t in zip(noise, target, strict=True)]
    args = transformers.TrainingArguments(
        output_dir=str(results / "hf"), max_steps=4, per_device_train_batch_size=8,
        learning_rate=0.05, report_to="none", save_strategy="no", use_cpu=True,
        disable_tqdm=True, ddp_find_unused_parameters=False,
    )  # fmt: skip
    assert dist.is_initialized()  # TrainingArguments started torch.distributed
    reference = me.profile(chorale_rolls(0, 40), METRICS, track_names=TRACKS)
    monitor = me.Monitor(reference, out_dir=out, report=False)
    trainer = transformers.Trainer(model=TinyGenerator(), args=args, train_dataset=data)
    given = []

    def sample(model):  # a different noise per rank
        given.append(model.generator(fixed_noise(seed=10 + dist.get_rank())).numpy())
        return given[-1]

    callback = MonitorCallback(monitor, sample, every_n_steps=2, trainer=trainer)
    trainer.add_callback(callback)
    trainer.train()
    arrays = {f"samples_{k}": x for k, x in enumerate(given)}
    arrays["distances"] = np.array(
        [e["musiceval/distance"] for e in trainer.state.log_history if "musiceval/distance" in e]
    )
    save(results, dist.get_rank(), monitor, arrays, monitor.outputs)


if __name__ == "__main__":
    mode, out_dir, results_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"monitor": run_monitor, "lightning": run_lightning, "hf": run_hf}[mode](out_dir, results_dir)
    import torch.distributed as dist

    if dist.is_initialized():  # exiting with a live gloo group can abort a rank
        dist.barrier()
        dist.destroy_process_group()
