"""Where the program's data comes from and under which terms (for About, reports and notices)."""

from __future__ import annotations

from dataclasses import dataclass

PROGRAM_LICENCE = "Apache License 2.0"
PROGRAM_URL = "https://www.apache.org/licenses/LICENSE-2.0"


@dataclass(frozen=True)
class DataSource:
    name: str
    what: str      # what the program takes from it
    licence: str   # its terms, in a few words
    url: str


DATA_SOURCES: tuple[DataSource, ...] = (
    DataSource("Ensembl variation (GRCh38)",
               "rsIDs, alleles, allele frequencies, evidence and clinical flags",
               "Ensembl places no restrictions on the use of its data; it incorporates dbSNP, "
               "1000 Genomes, NHLBI ESP, gnomAD and ClinVar under their own terms",
               "https://www.ensembl.org/info/about/legal/"),
    DataSource("just-dna-seq/ensembl_variations",
               "the Ensembl variation data as parquet files, downloaded once from Hugging Face",
               "the terms on its dataset card",
               "https://huggingface.co/datasets/just-dna-seq/ensembl_variations"),
    DataSource("Demo sample and reference slice",
               "1000 Genomes sample HG00096 (132 chromosome 21 variants) and a slice of Ensembl "
               "release 84, from the Ensembl VEP test data",
               "Apache License 2.0 (see resources/demo/NOTICE)",
               "https://github.com/Ensembl/ensembl-vep"),
)
