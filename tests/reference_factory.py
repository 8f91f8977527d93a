"""Tiny reference files in the real Hugging Face schema, for tests (see shared/data/README.md)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from just_dna_desktop.core.reference.schema import CLINICAL_COLUMNS, EVIDENCE_COLUMNS


def reference_frame(chrom: str, rows: list[tuple[int, str, str, str]], tsa: list[str] | None = None
                    ) -> pl.DataFrame:
    """rows: (start, rsid, ref, alt with `|` between alleles), in the published column order."""
    n = len(rows)
    starts = [r[0] for r in rows]
    refs = [r[2] for r in rows]
    alts = [r[3] for r in rows]
    df = pl.DataFrame({
        "chrom": [chrom] * n,
        "start": pl.Series(starts, dtype=pl.UInt32),
        "end": pl.Series([s + len(ref) - 1 for s, ref in zip(starts, refs)], dtype=pl.UInt32),
        "id": [r[1] for r in rows],
        "ref": refs,
        "alt": alts,
        "alts": [a.split("|") for a in alts],
        "qual": pl.Series([None] * n, dtype=pl.Float64),
        "filter": pl.Series([None] * n, dtype=pl.String),
        "cosmic_101": [False] * n,
        "clinvar_202502": [i % 2 == 0 for i in range(n)],
        "dbsnp_156": [True] * n,
        "hgmd-public_20204": [False] * n,
        "tsa": tsa or ["SNV" if len(r) == 1 and all(len(a) == 1 for a in a_.split("|")) else "indel"
                       for r, a_ in zip(refs, alts)],
        **{c: [False] * n for c in EVIDENCE_COLUMNS},
        **{c: [i % 3 == 0 for i in range(n)] for c in CLINICAL_COLUMNS},
        "ma": pl.Series([None] * n, dtype=pl.String),
        "maf": pl.Series([0.005 * (i + 1) for i in range(n)], dtype=pl.Float32),
        "mac": pl.Series([None] * n, dtype=pl.Int32),
        "aa": pl.Series([None] * n, dtype=pl.String),
    })
    return df.sort("start", maintain_order=True)


def write_reference(reference_dir: Path, chrom: str, rows: list[tuple[int, str, str, str]],
                    tsa: list[str] | None = None,
                    relative: str = "data/homo_sapiens-chr{chrom}.parquet") -> Path:
    path = reference_dir / relative.format(chrom=chrom)
    path.parent.mkdir(parents=True, exist_ok=True)
    reference_frame(chrom, rows, tsa).write_parquet(path, compression="zstd")
    return path


def write_vcf(path: Path, records: list[str], samples: tuple[str, ...] = ("S1",),
              header: str = "##fileformat=VCFv4.2\n##contig=<ID=chr21,length=46709983>\n") -> Path:
    """records: tab-separated data lines (CHROM..FORMAT+samples)."""
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if samples:
        columns += ["FORMAT", *samples]
    path.write_text(header + "\t".join(columns) + "\n" + "".join(r + "\n" for r in records))
    return path
