"""Train a GAN on Bach chorales and watch musiceval's metrics move toward the training set's.

The AWS DeepComposer lab's conditional WGAN-GP (it writes alto, tenor and bass under a soprano
line), in PyTorch, trained by ``musiceval.models`` with its hooks: losses, metrics against the
training set, samples as MIDI/WAV/PNG, checkpoints and a final comparison report. The default
run takes about 9 minutes on an idle 2-core CPU; ``--quick`` about 10 seconds.

Run from a clone::

    python -m pip install "torch==2.13.0" -e ".[all]"
    python examples/train_chorales.py                  # writes runs/chorales/
    python examples/train_chorales.py --quick --out runs/quick
    python examples/train_chorales.py --resume --steps 1200   # continue the default run

``--help`` lists every option; ``docs/training.md`` explains the output.
"""

import sys

from musiceval.models.cli import main

if __name__ == "__main__":
    sys.exit(main())
