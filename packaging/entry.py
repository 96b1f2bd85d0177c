"""PyInstaller entry script for the frozen app: the same ``main`` as ``captioner``."""

import sys

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--captioner-child":
        # The offline engine's recognisers run in child processes, started as this
        # executable with that flag (captioner/engines/offline/child.py).
        from captioner.engines.offline.child import child_main

        child_main()
        sys.exit(0)
    from captioner.__main__ import main

    sys.exit(main())
