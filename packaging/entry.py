"""PyInstaller entry script for the frozen app: the same ``main`` as ``captioner``."""

import multiprocessing
import sys

if __name__ == "__main__":
    # On Windows the recognisers are multiprocessing "spawn" children, which re-run
    # this executable: freeze_support() turns such a run into the child.
    multiprocessing.freeze_support()
    if len(sys.argv) == 3 and sys.argv[1] == "--captioner-child":
        # The offline engine's recognisers run in child processes, started as this
        # executable with that flag (captioner/engines/offline/child.py).
        from captioner.engines.offline.child import child_main

        child_main()
        sys.exit(0)
    from captioner.__main__ import main

    sys.exit(main())
