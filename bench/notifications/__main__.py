"""`python -m bench.notifications`: see the package's docstring (`--help`)."""

from __future__ import annotations

import sys

from bench.notifications.run import main

if __name__ == "__main__":
    sys.exit(main())
