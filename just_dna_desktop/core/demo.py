"""The bundled demo: a real 1000 Genomes VCF and the real Ensembl slice it falls in (resources/demo)."""

from __future__ import annotations

from .settings import RESOURCES_DIR

DEMO_DIR = RESOURCES_DIR / "demo"
DEMO_VCF = DEMO_DIR / "HG00096_chr21.vcf"
DEMO_REFERENCE_DIR = DEMO_DIR / "ensembl_variations"
DEMO_USER = "demo"


def demo_sample_name() -> str:
    return DEMO_VCF.name.removesuffix(".vcf")
