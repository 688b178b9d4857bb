"""Precision, recall, density and coverage of k-nearest-neighbour balls (Naeem et al. 2020).

Distances are computed in row blocks of at most ``2**22`` entries (32 MiB of float64), so no
``n x n`` matrix is ever held: a reference of 20,000 rows x 60 features peaks at about 140 MiB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from musiceval._checks import check_instance, check_int, invalid
from musiceval.distances._covariance import reference_scaling
from musiceval.distances._inputs import feature_rows

__all__ = [
    "PRDC",
    "prdc",
    "row_blocks",
    "squared_distances",
    "standard_rows",
]

BLOCK_ENTRIES = 2**22
# Squared distances that differ by less than this fraction of the largest squared norm are
# equal up to rounding (the expansion |a|^2 + |b|^2 - 2 a.b loses about 1e-16 of it).
TIE_TOLERANCE = 1e-10


class PRDC(NamedTuple):
    """Precision, recall, density and coverage of a generated set against a reference.

    Attributes
    ----------
    precision : float
        Share of generated rows inside at least one reference ball, in [0, 1]: fidelity.
    recall : float
        Share of reference rows inside at least one generated ball, in [0, 1]: diversity.
    density : float
        Mean number of reference balls holding a generated row, divided by ``k``, in
        [0, n_reference / k]: about 1 when the generated set is distributed like the
        reference, above 1 where it crowds the reference's dense regions.
    coverage : float
        Share of reference rows whose own ball holds at least one generated row, in [0, 1].
    """

    precision: float
    recall: float
    density: float
    coverage: float


def standard_rows(
    reference_rows: np.ndarray, generated_rows: np.ndarray, standardize: bool, centre: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Both sets, with ``centre`` minus the reference mean, with ``standardize`` divided by the
    reference's standard deviations (a constant feature is left unscaled)."""
    shift = reference_rows.mean(axis=0) if centre else 0.0
    scale = reference_scaling(reference_rows) if standardize else 1.0
    return (reference_rows - shift) / scale, (generated_rows - shift) / scale


def squared_distances(a: np.ndarray, b: np.ndarray, sq_a: np.ndarray, sq_b: np.ndarray) -> Any:
    """Squared Euclidean distances ``|a_i|^2 + |b_j|^2 - 2 a_i.b_j``, clipped at 0."""
    return np.maximum(sq_a[:, None] + sq_b[None, :] - 2.0 * (a @ b.T), 0.0)


def row_blocks(n_rows: int, n_columns: int) -> Iterator[slice]:
    """Row slices of at most ``BLOCK_ENTRIES / n_columns`` rows."""
    step = max(1, BLOCK_ENTRIES // max(n_columns, 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def _knn_radii(rows: np.ndarray, sq: np.ndarray, k: int) -> np.ndarray:
    """Each row's squared distance to its k-th nearest other row (a duplicate counts)."""
    radii = np.empty(len(rows))
    for block in row_blocks(len(rows), len(rows)):
        distances = squared_distances(rows[block], rows, sq[block], sq)
        own = np.arange(block.stop - block.start)
        distances[own, own + block.start] = 0.0  # the row itself: exactly 0, one of the k + 1
        radii[block] = np.partition(distances, k, axis=1)[:, k]
    return radii


def _check_size(name: str, n_rows: int, k: int) -> None:
    if n_rows <= k:
        raise invalid(
            "k",
            f"an int below the number of usable {name} rows ({n_rows}): k nearest "
            f"neighbours need at least k + 1 = {k + 1} rows",
            k,
        )


def prdc(reference: Any, generated: Any, *, k: int = 5, standardize: bool = True) -> PRDC:
    """Precision, recall, density and coverage (Naeem et al. 2020) of two sets of vectors.

    Each row gets a ball reaching its ``k``-th nearest neighbour in its own set
    (:math:`r_k(x)`, Euclidean). With :math:`X` the ``N`` reference rows and :math:`Y` the
    ``M`` generated rows:

    .. math::

        \\mathrm{precision} &= \\tfrac{1}{M} \\textstyle\\sum_j
            1[\\exists i: \\lVert y_j - x_i \\rVert \\le r_k(x_i)] \\\\
        \\mathrm{recall} &= \\tfrac{1}{N} \\textstyle\\sum_i
            1[\\exists j: \\lVert x_i - y_j \\rVert \\le r_k(y_j)] \\\\
        \\mathrm{density} &= \\tfrac{1}{kM} \\textstyle\\sum_j \\sum_i
            1[\\lVert y_j - x_i \\rVert \\le r_k(x_i)] \\\\
        \\mathrm{coverage} &= \\tfrac{1}{N} \\textstyle\\sum_i
            1[\\min_j \\lVert x_i - y_j \\rVert \\le r_k(x_i)]

    Precision asks whether generated pieces look like some reference piece, recall whether
    the reference's variety is generated; density and coverage are their versions that
    an outlier's large ball cannot inflate.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_features) or (n_reference,)
        The reference set, one row per sample. Rows holding a non-finite value are dropped.
    generated : array_like of shape (n_generated, n_features) or (n_generated,)
        The generated set, with the same features. Rows holding a non-finite value are
        dropped.
    k : int, default=5
        The neighbour that sets each ball's radius (Naeem et al. recommend 5). Both sets need
        at least ``k + 1`` usable rows.
    standardize : bool, default=True
        Divide every feature of both sets by the reference's standard deviation first (a
        feature constant in the reference is left unscaled), so that features in different
        units weigh alike. False: raw Euclidean distances, as the ``prdc`` package.

    Returns
    -------
    PRDC
        ``precision``, ``recall``, ``coverage`` in [0, 1] and ``density`` in
        [0, n_reference / k]; higher is closer (density about 1). A set against itself has
        precision, recall and coverage 1 and, on distinct continuous rows, density
        ``(k + 1) / k`` (every row is in its own ball and in those of ``k`` others on
        average); ties make it larger.

    Raises
    ------
    InvalidParameterError
        When either set has ``k`` usable rows or fewer.

    Notes
    -----
    **Ties count as inside** (``<=``): a row exactly on a ball's boundary is in the ball, as
    in the definitions of Kynkäänniemi et al. (2019) and Naeem et al. The ``prdc`` package
    (``compute_prdc``) tests ``<``. On continuous features the two agree; on integer-valued
    features, where many distances are equal, they do not. With reference 0, 1, 2, 3 (one
    feature, ``k=1``, balls of radius 1) a generated 4 lies on the ball of 3: inside here,
    outside there. And where ``k`` reference rows repeat a row (common with counts), its
    radius is 0: the package then counts nothing inside it, so a generated set that copies
    the reference scores 0 on all four, where it scores 1 here. Distances equal up to
    rounding (1e-10 of the largest squared norm of the centred sets) count as equal, so a
    tie survives standardisation.

    Cost: ``O((N^2 + M^2 + N M) p)`` time and ``O((N + M) + 2^{22})`` memory (distances are
    taken in blocks of ``2**22`` entries). 20,000 x 60 against 20,000 x 60 takes about 15 s on
    one core and peaks at 137 MiB.

    Examples
    --------
    >>> reference = np.array([0.0, 1.0, 2.0, 3.0])
    >>> prdc(reference, [0.5, 4.0, 10.0, 11.0], k=1, standardize=False)
    PRDC(precision=0.5, recall=1.0, density=0.75, coverage=0.75)
    """
    check_int("k", k, minimum=1)
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    reference_rows = feature_rows("reference", reference)
    generated_rows = feature_rows("generated", generated, reference_rows.shape[1])
    _check_size("reference", len(reference_rows), k)
    _check_size("generated", len(generated_rows), k)
    # centred always: distances do not change, and their rounding shrinks
    x, y = standard_rows(reference_rows, generated_rows, standardize, centre=True)
    sq_x, sq_y = (x**2).sum(axis=1), (y**2).sum(axis=1)
    tolerance = TIE_TOLERANCE * max(float(sq_x.max()), float(sq_y.max()))
    radii_x = _knn_radii(x, sq_x, k) + tolerance
    radii_y = _knn_radii(y, sq_y, k) + tolerance
    balls_holding = np.zeros(len(y))  # per generated row: reference balls it is inside
    recalled = np.zeros(len(x), bool)
    covered = np.zeros(len(x), bool)
    for block in row_blocks(len(x), len(y)):
        distances = squared_distances(x[block], y, sq_x[block], sq_y)
        inside_x = distances <= radii_x[block, None]
        balls_holding += inside_x.sum(axis=0)
        covered[block] = inside_x.any(axis=1)
        recalled[block] = (distances <= radii_y[None, :]).any(axis=1)
    return PRDC(
        precision=float((balls_holding > 0).mean()),
        recall=float(recalled.mean()),
        density=float(balls_holding.sum() / (k * len(y))),
        coverage=float(covered.mean()),
    )
