"""``python -m scheduler`` is the same as ``reflect``."""

import sys

from scheduler.cli.commands import main

sys.exit(main())
