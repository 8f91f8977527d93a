"""The bundled demo: a real 1000 Genomes VCF, the same calls as a 23andMe-layout genotyping file,
and the real Ensembl slice they fall in (resources/demo)."""

from __future__ import annotations

from pathlib import Path

from ... import RESOURCES_DIR

DEMO_DIR = RESOURCES_DIR / "demo"
DEMO_VCF = DEMO_DIR / "HG00096_chr21.vcf"
DEMO_CHIP = DEMO_DIR / "HG00096_chr21_23andme.txt"  # scripts/make_demo_chip.py
DEMO_REFERENCE_DIR = DEMO_DIR / "ensembl_variations"
# Annotation modules compiled from tests/data/modules/src (scripts/compile_test_modules.sh): test
# data that the demo installs in its throw-away workspace, so it shows findings with no download.
DEMO_MODULES_DIR = DEMO_DIR / "modules"
DEMO_USER = "demo"
# What a run against the bundled slice records as its reference revision (the slice has no Hub
# manifest: without this, a demo result said "reference revision unknown").
DEMO_REFERENCE_REVISION = "bundled demo slice (Ensembl VEP 84 test data, chr21)"


def reference_revision(reference_dir: Path) -> str | None:
    """The revision of the reference in `reference_dir`: its manifest's, the bundled slice's name,
    or None (what a run records, what makes older results stale, what About shows)."""
    from .cache import read_manifest

    revision = read_manifest(reference_dir).get("revision")
    if revision:
        return revision
    try:
        return DEMO_REFERENCE_REVISION if reference_dir.resolve() == DEMO_REFERENCE_DIR.resolve() else None
    except OSError:
        return None


def demo_sample_name() -> str:
    return DEMO_VCF.name.removesuffix(".vcf")


def demo_chip_sample_name() -> str:
    return DEMO_CHIP.name.removesuffix(".txt")
