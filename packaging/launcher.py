"""The frozen app's entry point: the same `main()` as the console script.

`cli.main` calls `multiprocessing.freeze_support()` before anything else, so when the bundle is
re-executed as a `spawn` child (the annotation process) it runs the child's work instead of the app.
"""

import sys

from just_dna_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
