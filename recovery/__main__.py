"""``python -m recovery`` is ``linerec recover``, without the rest of the command line."""

import sys

from recovery.cli import main

sys.exit(main())
