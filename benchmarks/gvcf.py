"""gVCF input: what reference blocks cost, whole `annotate` command, gVCF vs the plain VCF of the
same variants.

A whole-genome gVCF holds ~100 M reference blocks around ~5 M variants; the blocks are dropped in
the block parser (core/readers/vcf.py), before any per-row work, so they should cost about the reading of
their text and no memory beyond one block of it. This writes a synthetic chr21 gVCF (blocks of
varying length between variants, GATK style: `<NON_REF>` ALT, END=, GT:DP:GQ) and the plain VCF of
its variants, then times `just-dna-desktop annotate` on each (median of --runs, interleaved) and
extrapolates to 100 M blocks.

    uv run python benchmarks/gvcf.py                       # 5 M blocks, 250 k variants
    uv run python benchmarks/gvcf.py --blocks 20000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import measure  # noqa: E402  (same measuring as the main benchmark)

from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR  # noqa: E402

HEADER = """##fileformat=VCFv4.2
##ALT=<ID=NON_REF,Description="Represents any possible alternative allele at this location">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">
##GVCFBlock0-20=minGQ=0(inclusive),maxGQ=20(exclusive)
##INFO=<ID=END,Number=1,Type=Integer,Description="Stop position of the interval">
##contig=<ID=chr21,length=46709983>
"""
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE\n"
BASES = np.array(list("ACGT"))


def write_inputs(folder: Path, blocks: int, variants: int, seed: int = 7) -> tuple[Path, Path]:
    """(gVCF, plain VCF of its variants); positions from 10 Mb on chr21, one record per line."""
    rng = np.random.default_rng(seed)
    records = blocks + variants
    is_variant = np.zeros(records, dtype=bool)
    is_variant[rng.choice(records, variants, replace=False)] = True
    lengths = np.where(is_variant, 1, rng.integers(1, 60, records))
    pos = 10_000_000 + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ref = BASES[rng.integers(0, 4, records)]
    alt = np.where(is_variant, BASES[(np.searchsorted(BASES, ref) + 1) % 4], "")
    frame = pl.DataFrame({"pos": pos, "end": pos + lengths - 1, "ref": ref, "alt": alt,
                          "variant": is_variant,
                          "gt": np.where(rng.random(records) < 0.5, "0/1", "1/1")})
    line = pl.when(pl.col("variant")).then(
        pl.concat_str([pl.lit("chr21"), pl.col("pos").cast(pl.String), pl.lit("."), pl.col("ref"),
                       pl.col("alt") + ",<NON_REF>", pl.lit("500"), pl.lit("."), pl.lit("DP=30"),
                       pl.lit("GT:DP:GQ"), pl.col("gt") + ":30:99"], separator="\t")
    ).otherwise(
        pl.concat_str([pl.lit("chr21"), pl.col("pos").cast(pl.String), pl.lit("."), pl.col("ref"),
                       pl.lit("<NON_REF>"), pl.lit("."), pl.lit("."),
                       pl.lit("END=") + pl.col("end").cast(pl.String), pl.lit("GT:DP:GQ"),
                       pl.lit("0/0:28:60")], separator="\t"))
    lines = frame.select(line=line, variant="variant")
    gvcf, plain = folder / "sample.g.vcf", folder / "sample.vcf"
    for path, body in ((gvcf, lines), (plain, lines.filter(pl.col("variant")))):
        with open(path, "w") as handle:
            handle.write(HEADER + COLUMNS)
        with open(path, "a") as handle:
            body.select("line").write_csv(handle, include_header=False, quote_style="never")
    return gvcf, plain


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5_000_000)
    parser.add_argument("--variants", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="folder for the inputs (temporary)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="jdd-gvcf-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    gvcf, plain = write_inputs(work, args.blocks, args.variants)
    print(f"wrote {gvcf} ({gvcf.stat().st_size / 2**20:,.0f} MB) and {plain} "
          f"({plain.stat().st_size / 2**20:,.0f} MB) in {time.perf_counter() - started:.1f} s")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")
    results: dict[str, list[tuple[float, float]]] = {"gVCF": [], "plain VCF": []}
    for run in range(args.runs + 1):  # the first round warms the page cache
        for name, path in (("gVCF", gvcf), ("plain VCF", plain)):
            out = work / f"{name.replace(' ', '_')}.parquet"
            cmd = [sys.executable, "-m", "just_dna_desktop", "annotate", str(path), "--output",
                   str(out), "--cache-dir", str(DEMO_REFERENCE_DIR.parent), "--home",
                   str(work / "home"), "--json"]
            wall, peak = measure(cmd, env=env)
            if run:
                results[name].append((wall, peak))
    m = json.loads(pl.read_parquet_metadata(work / "gVCF.parquet")["just_dna_desktop"])
    print(f"gVCF run: gvcf={m['gvcf']} reference_blocks_skipped={m['reference_blocks_skipped']:,} "
          f"symbolic_alleles_skipped={m['symbolic_alleles_skipped']:,} rows_out={m['rows_out']:,}")
    print(f"\nload average before/after: {os.getloadavg()[0]:.1f} (2-core machine)\n")
    print("| input | records | wall s (median) | peak MB (median) |")
    print("| --- | ---: | ---: | ---: |")
    walls = {}
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        peak = statistics.median(r[1] for r in rows)
        walls[name] = wall
        count = args.blocks + args.variants if name == "gVCF" else args.variants
        print(f"| {name} | {count:,} | {wall:.2f} | {peak:.0f} |")
    per_block = (walls["gVCF"] - walls["plain VCF"]) / args.blocks
    print(f"\nblocks cost {per_block * 1e9:.0f} ns each: 100 M blocks ~ {per_block * 1e8:.0f} s "
          f"on top of the variants")


if __name__ == "__main__":
    main()
