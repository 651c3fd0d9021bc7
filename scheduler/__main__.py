"""``python -m scheduler`` is the same as ``reflect``."""

import sys

from scheduler.cli.main import main

sys.exit(main())
