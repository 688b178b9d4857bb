"""Compatibility modes: the DeepComposer lab's and MuseGAN's numbers, reproduced on purpose.

musiceval's own metrics are the correct definitions and stay the default. The functions here
reproduce what two widely quoted tools *compute*, defects included, so that old figures can be
matched exactly and compared with the correct ones. Ask for them by name:

>>> from musiceval.compat import deepcomposer, musegan, side_by_side

* :mod:`musiceval.compat.deepcomposer`: the AWS DeepComposer GAN lab's "Empty Bar Rate",
  "Unique Pitch Count" and "In Scale Rate" on its ``(n_samples, 32, 128, 4)`` ±1 arrays.
* :mod:`musiceval.compat.musegan`: MuseGAN's ``src/musegan/metrics.py`` metrics and its
  paper-era ``v2`` per-bar evaluation.
* :func:`side_by_side`: a table with each compat number beside the matching musiceval number
  and one line on why they differ.

``docs/compat.md`` gives every formula, how it differs from the correct metric and a worked
example on the Bach chorales. Importing this package costs only numpy; pandas loads inside
:func:`side_by_side`.
"""

from musiceval.compat import deepcomposer, musegan
from musiceval.compat._side_by_side import TOOLS, side_by_side

__all__ = ["TOOLS", "deepcomposer", "musegan", "side_by_side"]
