"""Annotation modules: curated tables that say what a genotype means (drug response, traits, ClinVar
panels), in the published just-dna module format. A module on disk and its tables (`format`), its
integrity against its manifest (`verify`), where modules come from (`sources`), the ones installed
in the cache (`store`) and fetched from the Hub (`download`), and a sample's findings: the join of
its annotated genotypes with every installed module (`findings`).

May import: `engine`, `readers`, `reference` and the basics (the findings read a sample's annotated
output; the words a person reads about them are `results`' job).
"""
