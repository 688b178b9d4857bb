r"""The WGAN-GP updates (Gulrajani et al. 2017), one function per network, free of the loop.

A training step of :class:`~musiceval.models.trainer.Trainer` is ``n_critic`` calls of
:func:`critic_step`, each on a new real batch, then one :func:`generator_step`. With ``D`` the
critic, ``G`` the generator, ``x`` a real batch, ``c`` its condition and ``z`` noise:

.. math::

    \hat x = \epsilon x + (1 - \epsilon) G(c, z), \qquad
    \mathrm{gp} = \operatorname{mean}_i \left(\lVert \nabla_{\hat x}
        D(\hat x)_i \rVert_2 - 1\right)^2

    W = \operatorname{mean} D(x) - \operatorname{mean} D(G(c, z)), \qquad
    L_D = \lambda\,\mathrm{gp} - W, \qquad
    L_G = -\operatorname{mean} D(G(c, z'))

with ``epsilon`` uniform in [0, 1), one per sample, and ``lambda`` the penalty weight. The
randomness (``z``, ``epsilon``) is given, so that a step is a function of its inputs; a
non-finite loss is returned without any update, for the caller to decide.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

__all__ = ["CriticLosses", "critic_step", "generator_step", "gradient_penalty"]


class CriticLosses(NamedTuple):
    """The values of one critic update (Python floats, named as ``TrainState.losses``)."""

    d_loss: float
    """``gp_weight * gp - wasserstein``, the critic's loss."""
    gp: float
    """The gradient penalty, unweighted."""
    wasserstein: float
    """``mean D(real) - mean D(fake)``."""


def gradient_penalty(
    critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, mix: torch.Tensor
) -> torch.Tensor:
    """The WGAN-GP penalty at points between ``real`` and ``fake``, differentiable.

    Parameters
    ----------
    critic : torch.nn.Module
        Maps a batch to one score per sample, shape ``(batch,)``.
    real, fake : torch.Tensor of shape (batch, ...)
        The two batches.
    mix : torch.Tensor of shape (batch, 1, ..., 1)
        The weight of ``real`` in each mixed sample, in [0, 1].

    Returns
    -------
    torch.Tensor of shape ()
        ``mean over samples of (||grad of D at mix * real + (1 - mix) * fake||_2 - 1) ** 2``,
        with the graph kept (``create_graph=True``) so that it can be back-propagated.
    """
    mixed = (mix * real + (1 - mix) * fake).requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((gradient.flatten(start_dim=1).norm(dim=1) - 1) ** 2).mean()


def critic_step(
    generator: nn.Module,
    critic: nn.Module,
    optimizer: torch.optim.Optimizer,
    real: torch.Tensor,
    condition: torch.Tensor | None,
    noise: torch.Tensor,
    mix: torch.Tensor,
    *,
    gp_weight: float,
) -> CriticLosses:
    """One critic update on ``real`` against ``generator(condition, noise)``.

    The fake batch is generated without gradient (the generator in its current mode); the
    critic scores real and fake batches in one pass (it has no batch norm). When the loss is
    finite, ``optimizer`` takes one step on it; otherwise nothing changes.

    Parameters
    ----------
    generator, critic : torch.nn.Module
        ``generator(condition, noise)`` is a batch shaped like ``real``; ``critic(x)`` has
        shape ``(batch,)``.
    optimizer : torch.optim.Optimizer
        The critic's.
    real : torch.Tensor of shape (batch, ...)
        Real samples (-1/+1 rolls for the trainer).
    condition : torch.Tensor or None
        Passed to the generator.
    noise : torch.Tensor
        Passed to the generator.
    mix : torch.Tensor of shape (batch, 1, ..., 1)
        The penalty's interpolation weights (see :func:`gradient_penalty`).
    gp_weight : float
        Weight of the penalty in the loss.

    Returns
    -------
    CriticLosses
        The loss, penalty and Wasserstein estimate before the update.
    """
    with torch.no_grad():
        fake = generator(condition, noise)
    penalty = gradient_penalty(critic, real, fake, mix)
    scores = critic(torch.cat([real, fake]))
    distance = scores[: len(real)].mean() - scores[len(real) :].mean()
    loss = gp_weight * penalty - distance
    values = CriticLosses(*torch.stack([loss, penalty, distance]).tolist())  # one device sync
    if math.isfinite(values.d_loss):
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return values


def generator_step(
    generator: nn.Module,
    critic: nn.Module,
    optimizer: torch.optim.Optimizer,
    condition: torch.Tensor | None,
    noise: torch.Tensor,
) -> float:
    """One generator update: minimise ``-mean critic(generator(condition, noise))``.

    The critic's parameters take no gradient (``requires_grad`` is off during the step and
    restored after). When the loss is finite, ``optimizer`` (the generator's) takes one step;
    otherwise nothing changes.

    Returns
    -------
    float
        The generator loss before the update.
    """
    critic.requires_grad_(False)
    try:
        loss = -critic(generator(condition, noise)).mean()
        value = loss.item()
        if math.isfinite(value):
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    finally:
        critic.requires_grad_(True)
    return value
