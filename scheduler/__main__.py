"""``python -m scheduler`` is the same as ``reflect``."""

import sys

from .cli import main

sys.exit(main())
