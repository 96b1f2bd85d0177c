"""PyInstaller entry script for the frozen app: the same ``main`` as ``captioner``."""

import sys

from captioner.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
