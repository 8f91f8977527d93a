"""The annotation engine: a genome file joined with the reference, by position (`annotate`) or by
rsID (`rsid_match`), written atomically with its run's metadata; and the resource metrics sampled
while it runs (`metrics`).

May import: `readers`, `reference` and the basics.
"""
