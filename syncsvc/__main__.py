"""``python -m syncsvc``: the command line (same as the ``syncsvc`` script)."""

import sys

from .cli import main

sys.exit(main())
