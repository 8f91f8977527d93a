"""The annotation engine: a genome file joined with the reference, by position (`annotate`) or by
rsID (`rsid_match`), written atomically with its run's metadata; which method a VCF needs, from a
sample of its own rsIDs before anything is written (`build_check`); which calls are haploid (MT;
X and Y outside the PARs in a male's file: `ploidy`); and the resource metrics sampled while it
runs (`metrics`).

May import: `readers`, `reference` and the basics.
"""
