"""Real annotated samples for the summary, report and Summary tab tests.

The 1000 Genomes-derived 100-sample file of the VCF conformance suite (tests/data/vcf-conformance,
Apache-2.0; GRCh37 positions on chromosome 1), against a chr1 reference built from the file's own
records (their rsIDs and alleles) in the published schema, with clinical flags, frequencies and
minor alleles that vary from row to row, so a sample has flagged, rare and unmatched alleles.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from just_dna_desktop.core.engine.annotate import annotate_vcf

from reference_factory import reference_frame

MULTI_SAMPLE_VCF = (Path(__file__).resolve().parent / "data" / "vcf-conformance" / "4.3" / "passed"
                    / "complexfile_passed_000.vcf")


def vcf_samples(path: Path = MULTI_SAMPLE_VCF) -> list[str]:
    header = next(line for line in path.read_text().splitlines() if line.startswith("#CHROM"))
    return header.split("\t")[9:]


def write_multi_sample_reference(cache: Path) -> Path:
    """The chr1 reference for MULTI_SAMPLE_VCF under `cache` (returned)."""
    rows = []
    for line in MULTI_SAMPLE_VCF.read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, ids, ref, alt = line.split("\t")[:5]
        alleles = [a for a in alt.split(",") if a.isalpha()]
        if chrom == "1" and alleles:
            rows.append((int(pos), ids.split(";")[0], ref, "|".join(alleles)))
    frame = reference_frame("1", rows)
    n = frame.height
    frame = frame.with_columns(
        # every fourth site's minor allele is the reference's; every seventh has no frequency
        ma=pl.Series([r[2][0] if i % 4 == 0 else r[3][0] for i, r in enumerate(rows)]),
        maf=pl.Series([None if i % 7 == 3 else 0.0005 * (i + 1) ** 2 for i in range(n)],
                      dtype=pl.Float32),
        clin_pathogenic=pl.Series([i % 5 == 1 for i in range(n)]),
        clin_benign=pl.Series([i % 2 == 0 for i in range(n)]),
    )
    path = cache / "data" / "homo_sapiens-chr1.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return cache


def annotate_1000_genomes(reference: Path, output: Path, vcf_sample: str, **kw) -> dict:
    """One sample of MULTI_SAMPLE_VCF through the real engine (a phase 1 file: GRCh37)."""
    return annotate_vcf(MULTI_SAMPLE_VCF, reference, output, vcf_sample=vcf_sample,
                        ignore_build_mismatch=True, **kw)
