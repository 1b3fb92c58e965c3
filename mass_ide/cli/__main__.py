"""``python -m mass_ide.cli``: the ``mass-ide`` command line."""

import sys

from mass_ide.cli import main

sys.exit(main())
