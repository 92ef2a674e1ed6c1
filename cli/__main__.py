"""``python -m cli …``: the ``hoidap`` command from the source tree."""

import sys

from cli.main import main

sys.exit(main())
