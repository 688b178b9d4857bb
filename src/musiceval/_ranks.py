"""Which process a :class:`~musiceval.Monitor` runs in under ``torch.distributed``: whether to
gather across ranks, and this process's rank. torch is imported only when the script has
imported it already.
"""

from __future__ import annotations

import os
import sys

from musiceval._checks import invalid

__all__ = ["check_distributed", "distributed_running", "launched_with_several_processes", "rank"]


def check_distributed(distributed: bool | None) -> bool:
    """Whether to gather across ranks: as asked, or when torch.distributed runs several."""
    if distributed is not None:
        wanted = distributed
        if wanted and not distributed_running():
            raise invalid(
                "distributed", "False unless torch.distributed is initialised",
                received="True, and torch.distributed is not initialised",
            )  # fmt: skip
        return wanted
    return distributed_running()


def launched_with_several_processes() -> bool:
    """Whether torchrun (or a launcher like it) started this process among several."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def distributed_running() -> bool:
    if "torch" not in sys.modules:  # never import torch for a numpy user
        return False
    import torch.distributed as dist

    return bool(dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1)


def rank() -> int:
    import torch.distributed as dist

    return int(dist.get_rank())
