"""``python -m firmware`` is the ``linerec`` command."""

import sys

from firmware.cli import main

sys.exit(main())
