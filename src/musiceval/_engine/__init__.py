"""The private engine: numba kernels, sufficient statistics and the reductions that turn them
into metrics.

``config`` (numba flags) -> ``kernels`` (one fused pass, no validation) -> ``stats`` (prepare a
validated roll, allocate, run the kernel: ``RollStats``) -> ``reducers`` (each metric as a numpy
reduction of ``RollStats``) -> ``compute`` (which statistics a set of metrics needs, the
``per="bar"`` rule). Only :mod:`musiceval.arrays`, the public entry point, imports it. Nothing is
imported here, so importing a submodule costs only that submodule.
"""
