"""just-dna-desktop: annotate your own genome against the Ensembl variation reference, locally."""

__version__ = "0.1.0"
