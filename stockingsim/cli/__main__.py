"""``python -m stockingsim.cli``: the ``stockingsim`` command."""

import sys

from stockingsim.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
