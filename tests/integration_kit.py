"""What the integration and DDP tests share: chorale-like rolls and a tiny generator.

A module of its own so that the DDP script (run by torchrun) imports the same code."""

from __future__ import annotations

import numpy as np

METRICS = ["n_notes", "n_pitches_used", "in_scale_ratio", "polyphonic_rate"]
TRACKS = ["soprano", "alto", "bass"]
SHAPE = (32, 128, 3)  # steps, pitches, tracks
N_NOISE = 8


def chorale_rolls(seed: int, n: int) -> np.ndarray:
    """Bool rolls (n, 32, 128, 3): each voice one note at a time, notes of 2-8 steps around
    its own register, now and then a rest; the bass silent in every fifth sample."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, *SHAPE), bool)
    for s in range(n):
        for k, centre in enumerate((72, 62, 48)):
            if k == 2 and s % 5 == 4:
                continue
            t = 0
            while t < SHAPE[0]:
                length = int(rng.integers(2, 9))
                if rng.random() > 0.1:
                    x[s, t : t + length, centre + int(rng.integers(-6, 7)), k] = True
                t += length
    return x


def generator(seed: int = 0):
    """A linear layer from noise to a (n, 32, 128, 3) tanh roll, mostly silent at first."""
    import torch
    from torch import nn

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(N_NOISE, int(np.prod(SHAPE)))
            with torch.no_grad():
                self.linear.bias.sub_(1.2)

        def forward(self, noise: torch.Tensor) -> torch.Tensor:
            return torch.tanh(self.linear(noise)).view(-1, *SHAPE)

    torch.manual_seed(seed)
    return Generator()


def training_data(n: int = 16):
    """Noise and the rolls to learn as ±1 targets: one batch of ``n``."""
    import torch

    noise = torch.randn(n, N_NOISE, generator=torch.Generator().manual_seed(1))
    target = torch.as_tensor(chorale_rolls(2, n), dtype=torch.float32) * 2 - 1
    return noise, target


def fixed_noise(n: int = 6, seed: int = 3):
    """The evaluation's fixed noise."""
    import torch

    return torch.randn(n, N_NOISE, generator=torch.Generator().manual_seed(seed))


def tiny_gan():
    """A Lightning module holding only the generator of a GAN, trained to reproduce fixed rolls
    (deterministic); it logs its loss as ``"loss"``. Lightning is imported here, not with the
    module."""
    import lightning.pytorch as pl
    import torch

    class TinyGAN(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.generator = generator()

        def training_step(self, batch, batch_idx):
            noise, target = batch
            loss = torch.nn.functional.mse_loss(self.generator(noise), target)
            self.log("loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=0.05)

    return TinyGAN()
