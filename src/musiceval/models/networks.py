"""The DeepComposer-style networks: a U-Net generator and a convolutional critic.

Both work on piano rolls in musiceval's layout ``(batch, n_steps, 128, n_tracks)`` (NTPK) with
values in [-1, 1] (-1 silent, +1 sounding; the data's bool rolls map to -1/+1). Inside, only a
*pitch window* of ``n_pitches`` pitches from MIDI ``lowest_pitch`` is modelled; the generator
writes -1 (silence) outside it, the critic ignores what lies outside it. The default window,
MIDI 24-87, holds every note of the Bach chorales (MIDI 36-81) at half the cost of all 128
pitches.

Generator (``conditional=True``), after the AWS DeepComposer GAN lab:

* encoder over the conditioning track (the soprano): four 4x4 convolutions of stride 2 with
  ``channels * (1, 2, 4, 8)`` filters, LeakyReLU(0.2), batch norm after all but the first;
* bottleneck ``(8 * channels, n_steps / 16, n_pitches / 16)`` concatenated with the noise ``z``
  of shape ``(latent_channels, n_steps / 16, n_pitches / 16)``;
* decoder: three blocks of nearest-neighbour upsampling, 3x3 convolution, batch norm and ReLU,
  each concatenated with the encoder's output of the same resolution (the skip connections),
  then a last upsampling and 3x3 convolution to the generated tracks, and tanh.

The conditional generator makes ``n_tracks - 1`` tracks and returns the condition as track 0
(as -1/+1), so its output is a whole score, shaped like the data, that metrics and the critic
read as they read the training set. With ``conditional=False`` there is no encoder and no skip:
the decoder turns ``z`` into all ``n_tracks`` tracks.

The critic reads the whole roll (for the conditional model its track 0 *is* the condition, as
the lab's critic reads the roll next to the condition): four 4x4 convolutions of stride 2 with
``channels * (1, 2, 4, 8)`` filters and LeakyReLU(0.2), no batch norm (the gradient penalty of
WGAN-GP is defined per sample), then one linear unit.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from musiceval._checks import check_bool, check_int, invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.models.config import TrainConfig

__all__ = ["DEPTH", "N_MIDI_PITCHES", "Critic", "Generator", "build_networks", "latent_shape"]

DEPTH = 4
"""Stride-2 stages of the encoder, the decoder and the critic: each side divides by 16."""

N_MIDI_PITCHES = 128
"""Pitches of the generator's output and the critic's input (MIDI 0-127)."""

_SLOPE = 0.2  # LeakyReLU negative slope
_BN_MOMENTUM = 0.2  # Keras' momentum 0.8 of the lab, in torch's convention (1 - 0.8)


def _check_window(
    n_steps: Any, n_tracks: Any, channels: Any, lowest_pitch: Any, n_pitches: Any
) -> None:
    """The sizes both networks share: whole multiples of the 16x down-sampling, a pitch window
    inside MIDI 0..127."""
    scale = 2**DEPTH
    for name, value in (("n_steps", n_steps), ("n_pitches", n_pitches)):
        if check_int(name, value) % scale:
            raise invalid(name, f"a multiple of {scale} (halved {DEPTH} times)", value)
    check_int("n_tracks", n_tracks)
    check_int("channels", channels)
    check_int("lowest_pitch", lowest_pitch, minimum=0, maximum=128 - n_pitches)


def latent_shape(n_steps: int, n_pitches: int, latent_channels: int) -> tuple[int, int, int]:
    """Shape of one noise sample ``z``: ``(latent_channels, n_steps / 16, n_pitches / 16)``."""
    scale = 2**DEPTH
    return (latent_channels, n_steps // scale, n_pitches // scale)


class Generator(nn.Module):
    """U-Net generator of piano rolls, conditioned on one track or unconditional.

    Parameters
    ----------
    n_steps : int
        Time steps per sample, a multiple of 16.
    n_tracks : int, default=4
        Tracks of the output (including the condition track when conditional).
    conditional : bool, default=True
        Condition on track 0 (encoder and skip connections) or generate from noise alone.
    channels : int, default=32
        Filters of the first stage; stage ``i`` has ``channels * 2**i``.
    latent_channels : int, default=64
        Channels of the noise ``z`` at the bottleneck.
    lowest_pitch : int, default=24
        MIDI number of the window's lowest pitch.
    n_pitches : int, default=64
        Pitches of the window, a multiple of 16; ``lowest_pitch + n_pitches <= 128``.
    """

    def __init__(
        self,
        *,
        n_steps: int,
        n_tracks: int = 4,
        conditional: bool = True,
        channels: int = 32,
        latent_channels: int = 64,
        lowest_pitch: int = 24,
        n_pitches: int = 64,
    ) -> None:
        super().__init__()
        _check_window(n_steps, n_tracks, channels, lowest_pitch, n_pitches)
        if check_bool("conditional", conditional):
            check_int("n_tracks", n_tracks, minimum=2)  # the condition and a generated track
        check_int("latent_channels", latent_channels)
        self.n_steps = n_steps
        self.n_tracks = n_tracks
        self.conditional = conditional
        self.latent_channels = latent_channels
        self.lowest_pitch = lowest_pitch
        self.n_pitches = n_pitches
        widths = [channels * 2**i for i in range(DEPTH)]
        n_out = n_tracks - 1 if conditional else n_tracks
        self.encoder = nn.ModuleList()
        if conditional:
            for i, width in enumerate(widths):
                self.encoder.append(_down(1 if i == 0 else widths[i - 1], width, batch_norm=i > 0))
        skip = widths[::-1][1:] if conditional else [0] * (DEPTH - 1)  # 4c, 2c, c
        self.decoder = nn.ModuleList()
        width_in = (widths[-1] if conditional else 0) + latent_channels
        for width, skip_width in zip(widths[::-1][1:], skip, strict=True):
            self.decoder.append(_up(width_in, width))
            width_in = width + skip_width
        self.head = nn.Sequential(
            nn.ConvTranspose2d(width_in, n_out, kernel_size=4, stride=2, padding=1), nn.Tanh()
        )

    def forward(self, condition: torch.Tensor | None, z: torch.Tensor) -> torch.Tensor:
        """Generate a batch of rolls.

        Parameters
        ----------
        condition : torch.Tensor of shape (batch, n_steps, 128), or None
            The conditioning track in [-1, 1] (-1 silent); ``None`` for an unconditional model.
        z : torch.Tensor of shape (batch, *latent_shape(...))
            Noise, usually standard normal.

        Returns
        -------
        torch.Tensor of shape (batch, n_steps, 128, n_tracks)
            tanh values in [-1, 1], -1 outside the pitch window; for a conditional model,
            track 0 is ``condition`` itself.
        """
        window = slice(self.lowest_pitch, self.lowest_pitch + self.n_pitches)
        if self.conditional:
            if condition is None:
                raise InvalidParameterError(
                    "condition must be a (batch, n_steps, 128) tensor; got None"
                )
            given = condition[:, :, window]  # (batch, steps, pitches)
            h = given[:, None]
            skips = []
            for block in self.encoder:
                h = block(h)
                skips.append(h)
            h = torch.cat([skips.pop(), z], dim=1)
            for block in self.decoder:
                h = torch.cat([block(h), skips.pop()], dim=1)
        else:
            h = z
            for block in self.decoder:
                h = block(h)
        inner = self.head(h).permute(0, 2, 3, 1)  # (batch, steps, pitches, generated tracks)
        if self.conditional:
            inner = torch.cat([given[..., None], inner], dim=3)
        batch = z.shape[0]
        below = inner.new_full((batch, self.n_steps, self.lowest_pitch, self.n_tracks), -1.0)
        above_n = N_MIDI_PITCHES - self.lowest_pitch - self.n_pitches
        above = inner.new_full((batch, self.n_steps, above_n, self.n_tracks), -1.0)
        return torch.cat([below, inner, above], dim=2)


class Critic(nn.Module):
    """Convolutional WGAN critic without batch norm.

    Parameters
    ----------
    n_steps : int
        Time steps per sample, a multiple of 16.
    n_tracks : int, default=4
        Tracks of the input.
    channels : int, default=32
        Filters of the first convolution; convolution ``i`` has ``channels * 2**i``.
    lowest_pitch, n_pitches : int, default=24, 64
        The pitch window read (as for :class:`Generator`).
    """

    def __init__(
        self,
        *,
        n_steps: int,
        n_tracks: int = 4,
        channels: int = 32,
        lowest_pitch: int = 24,
        n_pitches: int = 64,
    ) -> None:
        super().__init__()
        _check_window(n_steps, n_tracks, channels, lowest_pitch, n_pitches)
        self.lowest_pitch = lowest_pitch
        self.n_pitches = n_pitches
        widths = [channels * 2**i for i in range(DEPTH)]
        layers: list[nn.Module] = []
        for i, width in enumerate(widths):
            layers.append(_down(n_tracks if i == 0 else widths[i - 1], width, batch_norm=False))
        self.features = nn.Sequential(*layers)
        _, rows, columns = latent_shape(n_steps, n_pitches, 1)
        self.score = nn.Linear(widths[-1] * rows * columns, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score a batch of rolls ``(batch, n_steps, 128, n_tracks)``; returns ``(batch,)``."""
        window = x[:, :, self.lowest_pitch : self.lowest_pitch + self.n_pitches, :]
        h = self.features(window.permute(0, 3, 1, 2))
        return self.score(h.flatten(start_dim=1)).squeeze(1)


def build_networks(
    config: TrainConfig, n_tracks: int, device: torch.device
) -> tuple[Generator, Critic]:
    """The generator and critic of a run, on ``device``, initialised from torch's generator
    seeded ``config.seed`` (the caller's global torch RNG is left as it was).

    Parameters
    ----------
    config : TrainConfig
        Sizes (``n_steps_per_sample``, ``channels``, ``latent_channels``, the pitch window),
        ``conditional`` and ``seed``.
    n_tracks : int
        Tracks of the data.
    device : torch.device
        Where the networks live.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        generator = Generator(
            n_steps=config.n_steps_per_sample,
            n_tracks=n_tracks,
            conditional=config.conditional,
            channels=config.channels,
            latent_channels=config.latent_channels,
            lowest_pitch=config.lowest_pitch,
            n_pitches=config.n_pitches,
        ).to(device)
        critic = Critic(
            n_steps=config.n_steps_per_sample,
            n_tracks=n_tracks,
            channels=config.channels,
            lowest_pitch=config.lowest_pitch,
            n_pitches=config.n_pitches,
        ).to(device)
    return generator, critic


def _down(width_in: int, width_out: int, *, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(width_in, width_out, kernel_size=4, stride=2, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(width_out, momentum=_BN_MOMENTUM))
    layers.append(nn.LeakyReLU(_SLOPE))
    return nn.Sequential(*layers)


def _up(width_in: int, width_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ConvTranspose2d(width_in, width_out, kernel_size=4, stride=2, padding=1),
        nn.BatchNorm2d(width_out, momentum=_BN_MOMENTUM),
        nn.ReLU(),
    )
