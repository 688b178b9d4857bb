"""The numba kernels over the per-step onset statistics of the fused pass (``histograms``):
the transition matrices (pitch classes, note lengths) and the inter-onset intervals, apart
from the numpy reductions so that they are compiled (or loaded from numba's cache) only when
asked for."""

from numba import njit, prange

from musiceval._numba_config import CACHE, FASTMATH, PARALLEL

__all__ = ["onset_intervals", "transition_counts"]


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def transition_counts(onset_classes, out):
    """Transitions between the classes of consecutive onset steps, into ``out``.

    onset_classes: unsigned ints (n_samples, n_steps, n_tracks), bit ``c`` set when a note of
    class ``c`` starts at the step (a pitch class, or a length octave); out: int64 or float64
    (n_samples, n_tracks, n_classes, n_classes), zeroed. For each sample and track, every step
    with an onset is paired with the next such step, and every pair of a class ``a`` starting
    at the first and a class ``b`` starting at the second adds 1 to ``out[n, track, a, b]``.
    """
    n_samples, n_steps, n_tracks = onset_classes.shape
    n_classes = out.shape[2]
    for n in prange(n_samples):
        for track in range(n_tracks):
            before = 0
            for t in range(n_steps):
                now = int(onset_classes[n, t, track])
                if now == 0:
                    continue
                for a in range(n_classes):
                    if (before >> a) & 1:
                        for b in range(n_classes):
                            if (now >> b) & 1:
                                out[n, track, a, b] += 1
                before = now


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def onset_intervals(onsets, onset_pitches, moments, histogram, shifts):
    """Inter-onset intervals and the pitch shifts between consecutive onset steps.

    onsets: int32 (n_samples, n_steps, n_tracks), the notes starting at each step;
    onset_pitches: int32, the same shape (the sum of their pitch indices) or with 0 steps (then
    ``shifts`` is left alone). For each sample and track, every step with an onset is paired
    with the previous such step, ``gap`` steps before it: ``moments`` int64 (n_samples,
    n_tracks, 3) gets the number of gaps, their sum and the sum of their squares;
    ``histogram`` int64 (n_samples, n_tracks, n_bins) one count in bin ``min(gap, n_bins) -
    1``; ``shifts`` float64 (n_samples, n_tracks) the sum of the absolute differences between
    the mean pitches of the two steps. All zeroed on entry.
    """
    n_samples, n_steps, n_tracks = onsets.shape
    n_bins = histogram.shape[2]
    pitches = onset_pitches.shape[1] > 0
    for n in prange(n_samples):
        for track in range(n_tracks):
            before = -1
            mean_before = 0.0
            for t in range(n_steps):
                count = onsets[n, t, track]
                if count == 0:
                    continue
                mean_pitch = onset_pitches[n, t, track] / count if pitches else 0.0
                if before >= 0:
                    gap = t - before
                    moments[n, track, 0] += 1
                    moments[n, track, 1] += gap
                    moments[n, track, 2] += gap * gap
                    histogram[n, track, min(gap, n_bins) - 1] += 1
                    shifts[n, track] += abs(mean_pitch - mean_before)
                before = t
                mean_before = mean_pitch
