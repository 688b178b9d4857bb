"""The numba kernel of the pitch-class transition matrix (``histograms``), apart from the
numpy reductions so that it is compiled (or loaded from numba's cache) only when asked for."""

from numba import njit, prange

from musiceval._numba_config import CACHE, FASTMATH, PARALLEL

__all__ = ["transition_counts"]


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def transition_counts(onset_classes, out):
    """Pitch-class transitions between consecutive onset steps, into ``out``.

    onset_classes: uint16 (n_samples, n_steps, n_tracks), bit ``c`` set when a note of pitch
    class ``c`` starts at the step; out: int64 (n_samples, n_tracks, 12, 12), zeroed. For each
    sample and track, every step with an onset is paired with the next such step, and every
    pair of a class ``a`` starting at the first and a class ``b`` starting at the second adds
    1 to ``out[n, track, a, b]``.
    """
    n_samples, n_steps, n_tracks = onset_classes.shape
    for n in prange(n_samples):
        for track in range(n_tracks):
            before = 0
            for t in range(n_steps):
                now = int(onset_classes[n, t, track])
                if now == 0:
                    continue
                for a in range(12):
                    if (before >> a) & 1:
                        for b in range(12):
                            if (now >> b) & 1:
                                out[n, track, a, b] += 1
                before = now
