"""`python scripts/bench` (what `make bench` runs) and `python -m bench` from scripts/."""

import sys
from pathlib import Path

# Run as a directory, this file is __main__ outside any package: make scripts/ importable so
# the modules' relative imports resolve within the package `bench`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
