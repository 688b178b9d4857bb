"""Optional dependencies: import one, or say which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require_module"]


def require_module(name: str, what: str, install: str) -> ModuleType:
    """Import module ``name``, or raise ModuleNotFoundError saying that ``what`` needs it and
    how to install it (``install``)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ModuleNotFoundError(
            f"{what} needs {name}, which cannot be imported ({error}); install it with {install}",
            name=name,
        ) from error
