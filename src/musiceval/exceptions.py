"""The exceptions musiceval raises on purpose.

Every bad argument raises :class:`InvalidParameterError`, whatever is wrong with it (its type
or its value): it subclasses both ``ValueError`` and ``TypeError``, as scikit-learn's does, so
``except ValueError`` and ``except TypeError`` both keep catching it. Its message always reads
``"<argument> must be <what was expected>; got <what was received>"``, sometimes followed by a
hint on how to fix the call.
"""

__all__ = ["DocumentError", "InvalidParameterError"]


class InvalidParameterError(ValueError, TypeError):
    """An argument of a musiceval function has the wrong type or value."""


class DocumentError(ValueError):
    """A file musiceval wrote (profile, report, configuration, summary, checkpoint metadata)
    cannot be read back: not JSON, another schema or version, or malformed."""
