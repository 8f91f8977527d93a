"""The bundled demo: a real 1000 Genomes VCF, the same calls as a 23andMe-layout genotyping file,
and the real Ensembl slice they fall in (resources/demo)."""

from __future__ import annotations

from .settings import RESOURCES_DIR

DEMO_DIR = RESOURCES_DIR / "demo"
DEMO_VCF = DEMO_DIR / "HG00096_chr21.vcf"
DEMO_CHIP = DEMO_DIR / "HG00096_chr21_23andme.txt"  # scripts/make_demo_chip.py
DEMO_REFERENCE_DIR = DEMO_DIR / "ensembl_variations"
DEMO_USER = "demo"


def demo_sample_name() -> str:
    return DEMO_VCF.name.removesuffix(".vcf")


def demo_chip_sample_name() -> str:
    return DEMO_CHIP.name.removesuffix(".txt")
