"""``python -m musiceval``: the ``musiceval`` command."""

import sys

from musiceval.cli import main

sys.exit(main())
