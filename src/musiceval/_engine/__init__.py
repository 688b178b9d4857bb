"""The private engine: numba kernels, torch statistics and the reductions that turn them into
metrics.

``config`` (numba flags) -> ``kernels`` (one fused pass, no validation; thresholds a raw roll as
it reads it) -> ``raw`` (a roll not thresholded yet, as host chunks the kernel reads) ->
``stats`` (prepare a validated roll, allocate, run the kernel: ``RollStats``) and
``torch_stats`` (the same ``RollStats`` computed by torch on a tensor's device) -> ``reducers``
(each metric as a numpy reduction of ``RollStats``, whoever gathered it; the vector-valued ones
in ``histograms``, with the kernels over per-step onsets in ``transitions``) -> ``compute`` (the
backend, which statistics a set of metrics needs, the ``per="bar"`` rule). Only
:mod:`musiceval.evaluate`, the public entry point, imports it. Nothing is imported here, so
importing a submodule costs only that submodule.
"""
