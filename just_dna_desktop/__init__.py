"""just-dna-desktop: annotate your own genome against the Ensembl variation reference, locally."""

from pathlib import Path

__version__ = "0.1.0"

# Icons, the settings template, the demo, the .desktop file (beside the code in a bundle too).
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"
