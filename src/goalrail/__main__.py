"""``python -m goalrail`` is the ``goalrail`` command."""

import sys

from goalrail.cli.main import main

sys.exit(main())
