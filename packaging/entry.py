"""Entry point of the frozen application: the same ``main`` as the ``examsite`` console script."""

import sys

from examsite.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
