"""``python -m newsmark.cli``: the same as the ``newsmark`` command."""

import sys

from newsmark.cli import main

sys.exit(main())
