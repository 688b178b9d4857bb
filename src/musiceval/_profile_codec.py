"""The JSON document of a dataset profile (schema ``musiceval.profile``, version 1): from and to
the arguments of :class:`~musiceval._dataset_profile.DatasetProfile`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from musiceval import _documents
from musiceval._documents import decode_floats
from musiceval._profile_stats import FLOAT_FIELDS, INT_FIELDS

__all__ = ["SCHEMA", "SCHEMA_VERSION", "document_from_fields", "fields_from_document"]

SCHEMA = "musiceval.profile"
"""The ``"schema"`` field of a saved profile."""

SCHEMA_VERSION = 1
"""The ``"version"`` field of a saved profile; :meth:`DatasetProfile.load` reads only this one."""

_DESCRIPTION = (
    "tracks", "conventions", "n_samples", "n_steps", "n_pitches", "lowest_pitch",
    "reservoir_size", "seed",
)  # fmt: skip


def document_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The profile document of a profile's constructor arguments."""
    metrics = list(fields["metrics"])
    statistics = {}
    for name in metrics:
        stats = fields["statistics"][name]
        entry: dict[str, Any] = {field: stats[field] for field in (*INT_FIELDS, *FLOAT_FIELDS)}
        entry["histogram"] = {"edges": stats["edges"], "counts": stats["histogram"]}
        statistics[name] = entry
    body = {
        "musiceval_version": fields["version"],
        "metrics": metrics,
        **{key: fields[key] for key in _DESCRIPTION},
        "statistics": statistics,
        "samples": {name: fields["samples"][:, m] for m, name in enumerate(metrics)},
    }
    return _documents.document(SCHEMA, SCHEMA_VERSION, body)


def fields_from_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The constructor's arguments from a checked profile document (KeyError if one lacks)."""
    metrics = list(document["metrics"])
    statistics = {}
    for name in metrics:
        entry = document["statistics"][name]
        stats: dict[str, Any] = {field: entry[field] for field in INT_FIELDS}
        stats.update({field: decode_floats(entry[field]) for field in FLOAT_FIELDS})
        stats["edges"] = decode_floats(entry["histogram"]["edges"])
        stats["histogram"] = entry["histogram"]["counts"]
        statistics[name] = stats
    samples = [decode_floats(document["samples"][name]) for name in metrics]
    return {
        "metrics": metrics,
        "statistics": statistics,
        "samples": np.stack(samples, axis=1),
        "version": document["musiceval_version"],
        **{key: document[key] for key in _DESCRIPTION},
    }
