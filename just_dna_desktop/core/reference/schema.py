"""The published reference's columns and types, in the Hugging Face dataset's order.

Shared by the demo builder, the GUI's quick filters, the test fixtures and the benchmark
generator, so a look-alike file cannot drift from the real one (shared/data/README.md).
"""

from __future__ import annotations

import polars as pl

EVIDENCE_COLUMNS = ["e_cited", "e_multiple_observations", "e_freq", "e_topmed", "e_hapmap",
                    "e_phenotype_or_disease", "e_esp", "e_gnomad", "e_1000g", "e_exac"]
CLINICAL_SIGNIFICANCES = ["risk_factor", "protective", "confers_sensitivity", "other",
                          "drug_response", "uncertain_significance", "benign",
                          "likely_pathogenic", "pathogenic", "likely_benign",
                          "histocompatibility", "not_provided", "association"]
CLINICAL_COLUMNS = [f"clin_{name}" for name in CLINICAL_SIGNIFICANCES]
SOURCE_COLUMNS = ["cosmic_101", "clinvar_202502", "dbsnp_156", "hgmd-public_20204"]

REFERENCE_SCHEMA: dict[str, pl.DataType] = {
    "chrom": pl.String(), "start": pl.UInt32(), "end": pl.UInt32(), "id": pl.String(),
    "ref": pl.String(), "alt": pl.String(), "alts": pl.List(pl.String()), "qual": pl.Float64(),
    "filter": pl.String(),
    **{name: pl.Boolean() for name in SOURCE_COLUMNS},
    "tsa": pl.String(),
    **{name: pl.Boolean() for name in EVIDENCE_COLUMNS},
    **{name: pl.Boolean() for name in CLINICAL_COLUMNS},
    "ma": pl.String(), "maf": pl.Float32(), "mac": pl.Int32(), "aa": pl.String(),
}
