"""Adapters between training frameworks and :class:`musiceval.Monitor`, each a thin user of it.

- :class:`musiceval.integrations.lightning.MonitorCallback`: a PyTorch Lightning callback
  (``pip install "musiceval[lightning]"``);
- :class:`musiceval.integrations.hf.MonitorCallback`: a Hugging Face ``transformers``
  ``TrainerCallback`` (``pip install "musiceval[hf]"``);
- :class:`TensorBoardSink`: a Monitor sink writing TensorBoard events: scalars per metric and
  track, piano-roll images, audio (``pip install "musiceval[tensorboard]"``).

Importing this package loads none of these frameworks: the callbacks' modules import theirs,
and the sink imports torch's TensorBoard writer in the Monitor's writer process. ``import
musiceval`` does not import this package.
"""

from musiceval.integrations.tensorboard import TensorBoardSink

__all__ = ["TensorBoardSink"]
