"""Synthetic benchmark data in the published schema, at real density.

Writes a reference cache laid out like the real one, so the CLI can use it as is:

    benchmarks/data/cache/ensembl_variations/data/homo_sapiens-chr22.parquet   (one per chromosome)

and query VCFs beside it:

    benchmarks/data/vcf/wgs.vcf.gz    whole-genome density (~1.5 variants per kb)
    benchmarks/data/vcf/chip.vcf.gz   genotyping-chip density (~0.2 per kb)

Density follows the published files: ~0.354 reference rows per bp (chr22: ~18 M rows over 50.8 Mb;
the whole genome: ~1.1 G rows over 3.1 Gb). `--scale 0.05` makes every chromosome 5 % of its real
length at the same density (a quick run); `--rows N` fixes the rows of each chromosome instead.

Reference rows: sorted by start, ~90 % SNVs and anchored indels (deletion, insertion, indel,
substitution, sequence_alteration) whose REF is read from a random "genome", so rows at the same
position agree; ~3 % multi-allelic rows (`alt` joined with `|`); ~4 % extra rows at positions that
already have one (an indel beside an SNV); a few duplicate keys with another id (so "lowest rs
number wins" matters); ~1.5 % non-rs ids. zstd level 14, 125 k-row row groups (~144 for chr22).

Query records: ~80 % copy a reference row (all of a multi-allelic row's alleles, or one of them;
5 % with a different ALT at the same position), the rest are novel; ~2 % are multi-allelic; a few
have ALT `.`, `*` or `<DEL>`. `chr`-prefixed names, GT genotypes, GRCh38 contig lengths.

Everything is vectorised (numpy + polars); chr22 at full size takes about a minute, most of it
zstd-14. Run with: uv run --with numpy python benchmarks/generate.py [--chromosomes 22] [--scale 1]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import polars as pl

from just_dna_desktop.core.readers.build import CONTIG_LENGTHS
from just_dna_desktop.core.reference.schema import CLINICAL_COLUMNS, EVIDENCE_COLUMNS

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
ROWS_PER_BP = 18_000_000 / 50_818_468  # chr22 as published; the genome is about the same
GENOME_ROWS = 1_100_000_000
WGS_PER_KB = 1.5
CHIP_PER_KB = 0.2
ROW_GROUP = 125_000
BASES = np.array(list("ACGT"))

# (name, probability True) for the source and evidence flags; clin_* are rare.
FLAG_P = {"cosmic_101": 0.02, "clinvar_202502": 0.01, "dbsnp_156": 0.97, "hgmd-public_20204": 0.002,
          **dict(zip(EVIDENCE_COLUMNS, [0.05, 0.3, 0.4, 0.5, 0.02, 0.01, 0.03, 0.6, 0.1, 0.05])),
          **{c: 0.002 for c in CLINICAL_COLUMNS}}

# Sequences of length 1..7 indexed by (length, code): base j of a code is (code >> 2j) & 3.
MAX_SEQ = 7


def _pool() -> tuple[pl.Series, np.ndarray]:
    strings, offsets = [], [0]
    for length in range(1, MAX_SEQ + 1):
        codes = np.arange(4 ** length)
        chars = np.stack([BASES[(codes >> (2 * j)) & 3] for j in range(length)], axis=1)
        strings.extend("".join(row) for row in chars)
        offsets.append(len(strings))
    return pl.Series(strings), np.array(offsets)


POOL, POOL_OFFSET = _pool()


def seq(codes: np.ndarray, lengths: np.ndarray) -> pl.Series:
    """Strings for (code, length) pairs, gathered from the pool (no per-row Python)."""
    return POOL.gather(pl.Series(POOL_OFFSET[lengths - 1] + codes, dtype=pl.Int64))


def genome_code(genome: np.ndarray, pos: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    code = np.zeros(len(pos), dtype=np.int64)
    for j in range(MAX_SEQ):
        use = lengths > j
        code[use] |= genome[pos[use] + j].astype(np.int64) << (2 * j)
    return code


def random_code(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    return rng.integers(0, 4 ** lengths.astype(np.int64))


def reference_frame(chrom: str, rows: int, span: int, genome: np.ndarray,
                    rng: np.random.Generator) -> pl.DataFrame:
    extra = int(rows * 0.04)  # second rows at an occupied position
    dups = max(int(rows * 0.0001), 1)
    distinct = rows - extra - dups
    pos = np.sort(rng.choice(span, distinct, replace=False).astype(np.int64) + 1)
    kind = rng.choice(6, distinct, p=[0.90, 0.04, 0.035, 0.01, 0.01, 0.005])
    pos = np.concatenate([pos, rng.choice(pos, extra)])
    kind = np.concatenate([kind, rng.choice([1, 2, 3], extra, p=[0.5, 0.4, 0.1])])
    n = len(pos)

    anchor = genome[pos].astype(np.int64)
    k1 = rng.integers(1, 5, n)  # extra bases of an indel's REF or ALT
    k2 = rng.integers(1, 5, n)
    multi = (kind == 0) & (rng.random(n) < 0.033)
    triple = multi & (rng.random(n) < 0.15)
    first = (anchor + rng.integers(1, 4, n)) % 4  # a base that differs from the anchor
    second = (first + 1) % 4
    second = np.where(second == anchor, (second + 1) % 4, second)
    third = 6 - anchor - first - second  # the remaining base (0+1+2+3 = 6)

    ref_len = np.select([kind == 1, kind == 3, kind == 4], [1 + k1, 1 + k1, 1 + k1 % 2], 1)
    ref_len = np.minimum(ref_len, MAX_SEQ)
    ref = seq(genome_code(genome, pos, ref_len), ref_len)
    ins_len = np.minimum(1 + k2, MAX_SEQ)
    ins = seq(anchor | (random_code(rng, ins_len - 1) << 2), ins_len)
    sub = seq(first | (random_code(rng, ref_len - 1) << 2), ref_len)
    one = seq(first, np.ones(n, dtype=np.int64))
    alt = (pl.DataFrame({"kind": kind, "one": one, "ins": ins, "sub": sub,
                         "anchor": seq(anchor, np.ones(n, dtype=np.int64)),
                         "b2": seq(second, np.ones(n, dtype=np.int64)),
                         "b3": seq(third, np.ones(n, dtype=np.int64)), "multi": multi,
                         "triple": triple})
           .select(pl.when(pl.col("triple")).then(pl.concat_str("one", "b2", "b3", separator="|"))
                   .when(pl.col("multi")).then(pl.concat_str("one", "b2", separator="|"))
                   .when(pl.col("kind") == 0).then("one")
                   .when(pl.col("kind") == 1).then("anchor")
                   .when(pl.col("kind").is_in([2, 3, 5])).then("ins")
                   .otherwise("sub"))
           .to_series())
    tsa = pl.Series(["SNV", "deletion", "insertion", "indel", "substitution",
                     "sequence_alteration"]).gather(pl.Series(kind))

    rs = rng.integers(1, 2_000_000_000, n)
    other_id = rng.random(n) < 0.015
    ids = pl.Series(np.where(other_id, rs % 170_000_000, rs)).cast(pl.String)
    ids = pl.select(pl.when(pl.Series(other_id)).then(pl.lit("COSV") + ids)
                    .otherwise(pl.lit("rs") + ids)).to_series()

    has_ma = rng.random(n) < 0.6
    maf = np.where(has_ma, rng.random(n) * 0.5, np.nan).astype(np.float32)
    df = pl.DataFrame({
        "chrom": pl.Series([chrom], dtype=pl.String).extend_constant(chrom, n - 1),
        "start": pl.Series(pos, dtype=pl.UInt32),
        "end": pl.Series(pos + ref_len - 1, dtype=pl.UInt32),
        "id": ids, "ref": ref, "alt": alt,
    })
    df = df.with_columns(alts=pl.col("alt").str.split("|"),
                         qual=pl.lit(None, pl.Float64), filter=pl.lit(None, pl.String))
    flags = {name: pl.Series(rng.random(n) < p) for name, p in FLAG_P.items()}
    ma = pl.select(pl.when(pl.Series(has_ma))
                   .then(pl.when(pl.Series(rng.random(n) < 0.8))
                         .then(pl.Series(alt).str.slice(0, 1)).otherwise(ref.str.slice(0, 1)))
                   ).to_series()
    aa = pl.select(pl.when(pl.Series(rng.random(n) < 0.5)).then(ref.str.slice(0, 1))).to_series()
    df = df.with_columns(
        *[flags[c].alias(c) for c in ["cosmic_101", "clinvar_202502", "dbsnp_156",
                                      "hgmd-public_20204"]],
        tsa=tsa,
        **{c: flags[c] for c in EVIDENCE_COLUMNS + CLINICAL_COLUMNS},
        ma=ma,
        maf=pl.Series(maf).fill_nan(None),
        mac=pl.when(pl.Series(has_ma)).then((pl.Series(np.nan_to_num(maf)) * 5008).cast(pl.Int32) + 1),
        aa=aa,
    )
    # A few duplicate keys with another id: some lower rs numbers, so the choice matters.
    pick = rng.choice(n, dups, replace=False)
    dup = df[pick].with_columns(id=pl.lit("rs") + pl.Series(rng.integers(1, 2_000_000_000, dups))
                                .cast(pl.String))
    return pl.concat([df, dup]).sort("start", maintain_order=True)


def query_records(ref: pl.DataFrame, chrom: str, span: int, per_kb: float, chip: bool,
                  genome: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """VCF body columns for one chromosome, sorted by position."""
    n = max(int(span / 1000 * per_kb), 10)
    known = int(n * (0.95 if chip else 0.8))
    rows = ref[np.sort(rng.choice(ref.height, known, replace=False))].select("start", "ref", "alt")
    alts = pl.col("alt").str.split("|")
    mode = rng.random(known)
    rows = rows.with_columns(
        alt=pl.when(pl.Series(mode < 0.05) & (pl.col("ref").str.len_chars() == 1))
        .then(pl.col("ref").replace({"A": "C", "C": "G", "G": "T", "T": "A"}))  # allele mismatch
        .when(pl.Series(mode < 0.5)).then(alts.list.join(","))  # every allele of a multi row
        .otherwise(alts.list.first()))
    novel_n = n - known
    novel_pos = rng.integers(1, span, novel_n)
    novel_ref = genome[novel_pos]
    novel = pl.DataFrame({
        "start": pl.Series(novel_pos, dtype=pl.UInt32),
        "ref": seq(novel_ref.astype(np.int64), np.ones(novel_n, dtype=np.int64)),
        "alt": seq(((novel_ref + rng.integers(1, 4, novel_n)) % 4).astype(np.int64),
                   np.ones(novel_n, dtype=np.int64)),
    })
    body = pl.concat([rows, novel]).sort("start")
    m = body.height
    extra_alt = rng.random(m) < (0.0 if chip else 0.01)  # add a second ALT that is not known
    odd = rng.random(m)
    body = body.with_columns(
        alt=pl.when(pl.Series(odd < 0.0005)).then(pl.lit("<DEL>"))
        .when(pl.Series(odd < 0.001)).then(pl.lit("*"))
        .when(pl.Series(extra_alt) & (pl.col("ref").str.len_chars() == 1)
              & ~pl.col("alt").str.contains(","))
        .then(pl.col("alt") + "," + pl.col("ref").replace({"A": "T", "C": "A", "G": "C", "T": "G"}))
        .otherwise("alt"))
    gt_draw = rng.random(m)
    n_alts = body["alt"].str.count_matches(",") + 1
    if chip:
        gt = np.select([gt_draw < 0.6, gt_draw < 0.85, gt_draw < 0.99], ["0/0", "0/1", "1/1"], "./.")
    else:
        gt = np.select([gt_draw < 0.55, gt_draw < 0.9], ["0/1", "1/1"], "0|1")
    gt = pl.select(pl.when(pl.Series(n_alts.to_numpy() > 1) & pl.Series(gt != "./.")).then(pl.lit("1/2"))
                   .otherwise(pl.Series(gt))).to_series()
    if chip:  # hom-ref calls on chips often carry no ALT
        body = body.with_columns(alt=pl.when(pl.Series(gt == "0/0") & pl.Series(rng.random(m) < 0.3))
                                 .then(pl.lit(".")).otherwise("alt"))
    return body.select(
        CHROM=pl.lit(f"chr{chrom}"), POS="start", ID=pl.lit("."), REF="ref", ALT="alt",
        QUAL=pl.lit("50"), FILTER=pl.lit("PASS"), INFO=pl.lit("."), FORMAT=pl.lit("GT"),
        SAMPLE=gt)


def write_vcf(path: Path, bodies: list[pl.DataFrame], chroms: list[str]) -> None:
    header = ["##fileformat=VCFv4.2", "##reference=GRCh38",
              *[f"##contig=<ID=chr{c},length={CONTIG_LENGTHS['GRCh38'][c]},assembly=GRCh38>"
                for c in chroms],
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    body = pl.concat(bodies).rename({"CHROM": "#CHROM"})
    text = body.write_csv(separator="\t", quote_style="never")
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix("")  # bgzip (what bcftools needs) when there is one, else gzip
    plain.write_text("\n".join(header) + "\n" + text)
    if shutil.which("bgzip"):
        subprocess.run(["bgzip", "-f", str(plain)], check=True)
        subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)  # bcftools -a needs it
    else:
        with open(plain, "rb") as src, gzip.open(path, "wb", compresslevel=3) as out:
            shutil.copyfileobj(src, out)
        plain.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromosomes", default="22", help="comma list, e.g. 20,21,22")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of each chromosome's real length (density stays real)")
    parser.add_argument("--rows", type=int, help="reference rows per chromosome (overrides --scale)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--wgs-per-kb", type=float, default=WGS_PER_KB,
                        help="density of wgs.vcf.gz (denser = more alleles per reference row)")
    parser.add_argument("--queries-only", action="store_true",
                        help="keep the reference files, write new query VCFs only")
    args = parser.parse_args(argv)
    chroms = [c.strip().upper().removeprefix("CHR") for c in args.chromosomes.split(",")]
    rng = np.random.default_rng(args.seed)
    data_dir = args.out / "cache" / "ensembl_variations" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    wgs, chip = [], []
    total_rows = 0
    for chrom in chroms:
        length = CONTIG_LENGTHS["GRCh38"][chrom]
        if args.rows:
            rows, span = args.rows, min(int(args.rows / ROWS_PER_BP), length)
        else:
            span = int(length * args.scale)
            rows = int(span * ROWS_PER_BP)
        t0 = time.perf_counter()
        genome = rng.integers(0, 4, span + MAX_SEQ + 2, dtype=np.uint8)
        path = data_dir / f"homo_sapiens-chr{chrom}.parquet"
        if args.queries_only:  # new query VCFs against the reference already there
            ref = pl.read_parquet(path, columns=["start", "ref", "alt"])
            span = int(ref["start"].max())
            t1 = t2 = time.perf_counter()
        else:
            ref = reference_frame(chrom, rows, span, genome, rng)
            t1 = time.perf_counter()
            ref.write_parquet(path, compression="zstd", compression_level=14, statistics=True,
                              row_group_size=ROW_GROUP)
            t2 = time.perf_counter()
        wgs.append(query_records(ref, chrom, span, args.wgs_per_kb, False, genome, rng))
        chip.append(query_records(ref, chrom, span, CHIP_PER_KB, True, genome, rng))
        total_rows += ref.height
        print(f"chr{chrom}: {ref.height:,} rows over {span / 1e6:.1f} Mb, "
              f"{path.stat().st_size / 2**20:.0f} MB (built {t1 - t0:.1f} s, written {t2 - t1:.1f} s)")
        del ref, genome
    write_vcf(args.out / "vcf" / ("wgs.vcf.gz" if args.wgs_per_kb == WGS_PER_KB
                                  else f"wgs-{args.wgs_per_kb:g}perkb.vcf.gz"), wgs, chroms)
    write_vcf(args.out / "vcf" / "chip.vcf.gz", chip, chroms)
    print(f"wgs.vcf.gz: {sum(b.height for b in wgs):,} records; "
          f"chip.vcf.gz: {sum(b.height for b in chip):,} records")
    if not args.queries_only:
        (args.out / "generated.txt").write_text(
            f"chromosomes={','.join(chroms)} rows={total_rows} scale={args.scale} "
            f"rows_arg={args.rows} seed={args.seed} genome_rows={GENOME_ROWS}\n")


if __name__ == "__main__":
    main()
