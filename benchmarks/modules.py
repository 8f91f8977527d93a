"""Annotation modules at the published sizes: a sample's findings against a whole genome and a
genotyping chip, time and peak memory.

    uv run --with numpy python benchmarks/modules.py prepare     # once, ~2 min, ~0.6 GB
    uv run python benchmarks/modules.py run [--runs 5]

`prepare` writes, under benchmarks/data/modules/ (git-ignored):
- `src/<module>/`: five compiled modules in the just-dna format 0.7 layout (the example module's
  exact column names and types: tests/data/module_example), with a manifest whose files, sizes,
  sha256 and artifact digest are the format's (core/modules/verify.artifact_digest), so they
  install verified. Sizes are the published 0.5 build's (docs/MODULE_RELEASE_0_5.md upstream):
  - `pathogenic`  617,001 weights rows: two per ClinVar variant (het, hom), one on MT and non-PAR
                  Y (999 hemizygous rows), 309,000 variants in 4,793 genes, 65 % pathogenic /
                  35 % likely pathogenic, 8 % without an rsID (keyed by position), 85 % SNVs;
                  annotations one per row, ~622 k studies (two per variant, by rsID or position);
  - `cancer`      139,254 rows (69,627 variants, 293 genes), `cardio` 115,060 (57,530, 297);
  - `longevitymap` 1,039 rows: 347 common SNPs with three genotype rows each (the hom-ref row
                  `requires_callable`), 7 of them rsID-only (21 rows without coordinates), 671
                  studies;
  - `pharmgkb`    a `pharm_variants`-led drug table: 1,482 rows (147 loci x 3 genotypes x 55
                  drugs in 33 genes, levels 1A-2B), genotype as a string, no studies table.
- `cache-<module>/` and `cache-all/`: a cache folder with that module (or all five) installed
  through `ModuleStore.add_folder`, as `modules add` does.
- `genome/user_annotated_vcf.parquet`: a whole genome's annotated output (5,000,000 allele rows on
  1-22, X, Y, MT by length, the engine's 48 output columns, zstd, footer `match_by=position`):
  10 % phased calls, 3 % FILTER `LowQual`, half the records with their own rsID in ID. Module
  sites present in it: 2 % of each ClinVar panel's variants, 60 % of longevitymap's and
  pharmgkb's; of those 70 % called with the module's alleles (het or hom; haploid on MT/Y), 10 %
  another ALT at the same REF (called, other genotype), 10 % another REF (another variant: not in
  the file), 10 % the module's alleles failing FILTER.
- `chip/user_annotated_vcf.parquet`: a 650,000-marker genotyping file's annotated output (the
  rsID matcher's columns: marker_id, source_chrom, source_pos, gt, chrom, start, ref, alt,
  genotype, zygosity, allele_check, rsid, then the reference's; footer `match_by=rsid`): 3 % of
  each ClinVar panel's rsIDs on the chip (97 % hom-ref, 2 % het, 1 % no-call), 80 % of
  longevitymap's and pharmgkb's (Hardy-Weinberg mix), 2.5 % internal IDs, 4 % of calls strand-
  flipped, 1 % mismatched.

`run` measures, each in a fresh process (bytecode compiled, as an installed program runs), for
every cache (one module, then all five) against both outputs: `update_findings` (the installed
modules checked against their record, `find`, `write_findings`) timed inside the process, the
whole process's wall time, and its peak memory (run.py's `measure`: psutil RSS of the tree every
5 ms and /usr/bin/time's max RSS). Then the whole findings job as the workspace runs it:
`run_job(..., target=findings_target, kind="findings")` (a spawned child, recorded in a run
history), with the child's peak as its ResourceMonitor saw it. Rounds are interleaved; the table
shows medians, the minimum, and the largest peak of all runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data" / "modules"
PYTHON = ROOT / ".venv" / "bin" / "python"
EXAMPLE = ROOT / "tests" / "data" / "module_example"
GENOME_ROWS = 5_000_000
CHIP_MARKERS = 650_000
COMPILER = "just-dna-compiler 0.7.2"  # what the manifests say compiled them (the example's)

# (name, weights rows, genes, variants in the genome, on the chip)
PANELS = [("pathogenic", 617_001, 4_793), ("cancer", 139_254, 293), ("cardio", 115_060, 297)]
PANEL_IN_GENOME, PANEL_ON_CHIP = 0.02, 0.03
COMMON_IN_GENOME, COMMON_ON_CHIP = 0.60, 0.80
MODULES = ["pathogenic", "cancer", "cardio", "longevitymap", "pharmgkb"]

# pharm_variants.parquet as just-dna-compiler 0.7.2 writes it (compiled here from a two-row spec).
PHARM_SCHEMA = {
    "module": pl.String, "rsid": pl.String, "chrom": pl.String, "start": pl.Int64,
    "ref": pl.String, "alts": pl.String, "gene": pl.String, "requires_callable": pl.Boolean,
    "genotype": pl.String, "variant_key": pl.String, "authored_ident": pl.List(pl.String),
    "drug": pl.String, "phenotype_category": pl.String, "annotation_id": pl.String,
    "response": pl.String, "evidence_level": pl.String, "pmid": pl.String,
    "trait_efo_id": pl.String, "conclusion": pl.String,
}


# ---------------------------------------------------------------- modules

def _rng(seed: int):
    import numpy as np

    return np.random.default_rng(seed)


def _contigs() -> dict[str, int]:
    from just_dna_desktop.core.readers.build import CONTIG_LENGTHS

    return {**CONTIG_LENGTHS["GRCh38"], "MT": 16569}


def _place(rng, n: int, chroms: list[str]) -> pl.DataFrame:
    """n distinct (chrom, start) spread over `chroms` by length, sorted."""
    import numpy as np

    lengths = _contigs()
    weights = np.array([lengths[c] for c in chroms], dtype=float)
    draw = int(n * 1.02) + 50
    frame = pl.DataFrame({
        "chrom": pl.Series(rng.choice(len(chroms), draw, p=weights / weights.sum()))
        .replace_strict(dict(enumerate(chroms)), return_dtype=pl.String),
        "u": rng.random(draw)})
    frame = frame.with_columns(start=(pl.col("u") * pl.col("chrom").replace_strict(lengths)
                                      .cast(pl.Float64)).cast(pl.UInt32) + 1)
    frame = frame.unique(["chrom", "start"], keep="first", maintain_order=True).head(n)
    order = {c: i for i, c in enumerate(lengths)}
    return frame.drop("u").sort(pl.col("chrom").replace_strict(order), "start")


def _alleles(rng, n: int, snv: float = 0.85) -> tuple[pl.Series, pl.Series]:
    """REF and ALT of n variants: SNVs, deletions and insertions (VCF-anchored)."""
    import numpy as np

    bases = np.array(list("ACGT"))
    first = rng.integers(0, 4, n)
    other = (first + rng.integers(1, 4, n)) % 4
    tail = ["".join(rng.choice(list("ACGT"), k)) for k in rng.integers(1, 6, n)]
    kind = rng.random(n)
    ref = np.where(kind < snv, bases[first],
                   np.where(kind < snv + (1 - snv) * 2 / 3,
                            np.char.add(bases[first], np.array(tail)), bases[first]))
    alt = np.where(kind < snv, bases[other],
                   np.where(kind < snv + (1 - snv) * 2 / 3, bases[first],
                            np.char.add(bases[first], np.array(tail))))
    return pl.Series(ref.astype(str)), pl.Series(alt.astype(str))


def _rsids(rng, n: int, have: float, low: int, high: int) -> pl.Series:
    import numpy as np

    numbers = rng.choice(np.arange(low, high, dtype=np.int64), n, replace=False) \
        if high - low < 50_000_000 else np.unique(rng.integers(low, high, int(n * 1.1)))[:n]
    rng.shuffle(numbers)
    ids = pl.Series(numbers).cast(pl.String)
    return pl.select(pl.when(pl.Series(rng.random(n) < have)).then(pl.lit("rs") + ids)).to_series()


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def panel_variants(name: str, rows: int, genes: int, seed: int) -> pl.DataFrame:
    """A ClinVar panel's variants: rows = 2 per variant, 1 on MT / non-PAR Y."""
    rng = _rng(seed)
    hemizygous = 999 if name == "pathogenic" else 0
    n = (rows + hemizygous) // 2
    nuclear = _place(rng, n - hemizygous, [c for c in _contigs() if c not in ("Y", "MT")])
    haploid = pl.concat([_place(rng, hemizygous * 3 // 10, ["MT"]),
                         _place(rng, hemizygous - hemizygous * 3 // 10, ["Y"])])
    sites = pl.concat([nuclear, haploid]).with_columns(haploid=pl.int_range(pl.len()) >= n -
                                                       hemizygous)
    ref, alt = _alleles(rng, n)
    gene_names = _names("GENE", genes)
    conditions = _names("Hereditary condition type ", max(genes * 2, 50))
    pathogenic = rng.random(n) < 0.65
    return sites.with_columns(
        ref=ref, alt=alt,
        rsid=_rsids(rng, n, 0.92, 1, 200_000_000),
        gene=pl.Series(rng.choice(gene_names, n)),
        condition=pl.Series(rng.choice(conditions, n)),
        clin_sig=pl.Series(pathogenic).replace_strict({True: "pathogenic",
                                                       False: "likely_pathogenic"}),
        weight=pl.Series(pathogenic).replace_strict({True: -1.0, False: -0.6}),
        acmg=pl.Series(rng.random(n) < 0.04),
        pmid_a=pl.Series(rng.integers(1_000_000, 40_000_000, n)).cast(pl.String),
        pmid_b=pl.Series(rng.integers(1_000_000, 40_000_000, n)).cast(pl.String),
    ).with_columns(variant_key=pl.coalesce(
        "rsid", pl.when(pl.col("ref").str.len_chars() + pl.col("alt").str.len_chars() == 2)
        .then(pl.lit("ga4gh:VA.") + pl.concat_str("chrom", "start", "ref", "alt").hash(3)
              .cast(pl.String))
        .otherwise(pl.concat_str("chrom", "start", "ref", "alt", separator=":"))))


def common_variants(seed: int, n: int = 347, rsid_only: int = 7) -> pl.DataFrame:
    """Common SNPs (longevitymap, the drug table): each with an rsID; `rsid_only` without
    coordinates (as a module compiled without a resolution table)."""
    rng = _rng(seed)
    sites = _place(rng, n, [c for c in _contigs() if c not in ("Y", "MT")])
    ref, alt = _alleles(rng, n, snv=1.0)
    frame = sites.with_columns(ref=ref, alt=alt, rsid=_rsids(rng, n, 1.0, 1, 200_000_000),
                               no_position=pl.int_range(pl.len()) < rsid_only)
    return frame


def _cast_like(frame: pl.DataFrame, schema: dict) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                         for c, t in schema.items()])


def panel_tables(name: str, v: pl.DataFrame) -> dict[str, pl.DataFrame]:
    v = v.with_row_index("_v")
    het = v.filter(~pl.col("haploid")).with_columns(
        genotype=pl.concat_list("ref", "alt").list.sort(), zyg=pl.lit("One copy"),
        _order=pl.lit(0))
    hom = v.filter(~pl.col("haploid")).with_columns(
        genotype=pl.concat_list("alt", "alt"), zyg=pl.lit("Two copies"), _order=pl.lit(1))
    hemi = v.filter(pl.col("haploid")).with_columns(
        genotype=pl.concat_list("alt"), zyg=pl.lit("The only copy"), _order=pl.lit(2))
    rows = pl.concat([het, hom, hemi]).sort("_v", "_order")
    words = pl.col("clin_sig").str.replace("_", " ")
    rows = rows.with_columns(
        conclusion=pl.concat_str([pl.col("zyg"), pl.lit(" of a "), words,
                                  pl.lit(" variant in "), "gene", pl.lit(" (ClinVar), linked to "),
                                  "condition", pl.lit(". Confirm with a clinical test first.")]))
    weights = rows.with_columns(
        authored_ident=pl.lit(["rsid", "chrom", "start", "ref", "alts"]),
        locus_index=pl.lit(0), locus_count=pl.lit(1), phased=pl.lit(False), module=pl.lit(name),
        state=pl.lit("risk"), priority=pl.when(pl.col("clin_sig") == "pathogenic")
        .then(pl.lit("high")).otherwise(pl.lit("medium")),
        curator=pl.lit("clinvar-import"), method=pl.lit("clinvar-2025-02"), end=pl.col("start"),
        alts=pl.concat_list("alt"), clinvar=pl.lit(True),
        pathogenic=pl.col("clin_sig") == "pathogenic", benign=pl.lit(False),
        likely_pathogenic=pl.lit(False), likely_benign=pl.lit(False), direction=pl.lit("risk"),
        trait_efo_id=pl.lit("MONDO:") + pl.col("condition").str.extract(r"(\d+)$", 1)
        .str.zfill(7), requires_callable=pl.lit(False), acmg_sf="acmg",
        actionability=pl.when("acmg").then(pl.lit("actionable")).otherwise(pl.lit("descriptive")))
    schemas = _example_schemas()
    annotations = rows.with_columns(
        genotype=pl.col("genotype").list.join("/"), module=pl.lit(name), negatives=pl.lit(None),
        phenotype="condition", category=pl.lit("clinvar_" + name))
    # ~2.01 studies per variant (pathogenic: 622,507 for 309,000 variants)
    studies = pl.concat([v.with_columns(pmid="pmid_a"), v.with_columns(pmid="pmid_b"),
                         v.with_columns(pmid=pl.col("pmid_b").str.slice(1)).head(v.height * 4507 // 309_000)
                         ]).with_columns(
        module=pl.lit(name), conclusion=pl.lit("Clinical testing submission to ClinVar"),
        study_design=pl.lit("clinical_testing"),
        chrom=pl.when(pl.col("rsid").is_null()).then("chrom"),
        start=pl.when(pl.col("rsid").is_null()).then("start"),
        ref=pl.when(pl.col("rsid").is_null()).then("ref"))
    return {"weights.parquet": _cast_like(weights, schemas["weights"]),
            "annotations.parquet": _cast_like(annotations, schemas["annotations"]),
            "studies.parquet": _cast_like(studies, schemas["studies"])}


def longevity_tables(v: pl.DataFrame, seed: int) -> dict[str, pl.DataFrame]:
    rng = _rng(seed)
    n = v.height
    direction = pl.Series(rng.random(n) < 0.5).replace_strict({True: 1.0, False: -1.0})
    v = v.with_columns(sign=direction, gene=pl.Series(rng.choice(_names("LONG", 220), n)),
                       size=pl.Series(rng.random(n) * 0.5 + 0.25))
    frames = []
    for order, (genotype, scale) in enumerate(
            [(pl.concat_list("ref", "ref"), 0.0), (pl.concat_list("ref", "alt").list.sort(), 0.5),
             (pl.concat_list("alt", "alt"), 1.0)]):
        frames.append(v.with_columns(genotype=genotype, weight=pl.col("sign") * pl.col("size")
                                     * scale, _order=pl.lit(order)))
    rows = pl.concat(frames).with_row_index("_i").with_columns(_v=pl.col("_i") % n) \
        .sort("_v", "_order")
    # the published row count, 1,039: two variants (with coordinates) lack their hom-alt row
    rows = rows.filter(~((pl.col("_order") == 2) & pl.col("_v").is_in([7, 8])))
    rows = rows.with_columns(
        state=pl.when(pl.col("weight") > 0).then(pl.lit("protective"))
        .when(pl.col("weight") < 0).then(pl.lit("risk")).otherwise(pl.lit("neutral")),
        conclusion=pl.concat_str([pl.lit("Genotype "), pl.col("genotype").list.join("/"),
                                  pl.lit(" at "), "rsid", pl.lit(" in "), "gene",
                                  pl.lit(": a longevity association of modest size.")]),
        requires_callable=pl.col("_order") == 0,
        callable_from=pl.when(pl.col("_order") == 0).then(pl.lit("FORMAT/DP")))
    rows = rows.with_columns(
        [pl.when(~pl.col("no_position")).then(c).alias(c) for c in ("chrom", "start", "ref", "alt")])
    weights = rows.with_columns(
        variant_key="rsid", authored_ident=pl.lit(["rsid", "chrom", "start", "ref", "alts"]),
        locus_index=pl.lit(0), locus_count=pl.lit(1), phased=pl.lit(False),
        module=pl.lit("longevitymap"), priority=pl.lit("medium"), curator=pl.lit("longevitymap"),
        method=pl.lit("literature-review"), end="start",
        alts=pl.when(pl.col("alt").is_not_null()).then(pl.concat_list("alt")),
        direction="state", stat_significance=pl.lit("significant"),
        effect_size=pl.col("size") + 1.0, effect_measure=pl.lit("OR"), effect_allele="alt")
    schemas = _example_schemas()
    annotations = rows.with_columns(
        variant_key="rsid", genotype=pl.col("genotype").list.join("/"),
        module=pl.lit("longevitymap"), phenotype=pl.lit("Longevity"), category=pl.lit("longevity"))
    studies = pl.concat([v, v.head(671 - n)]).with_columns(
        module=pl.lit("longevitymap"),
        pmid=pl.Series(rng.integers(10_000_000, 40_000_000, 671)).cast(pl.String),
        population=pl.lit("European"), conclusion=pl.lit("Associated with reaching 90 years"),
        study_design=pl.lit("case-control"), p_value=pl.lit("1e-5"))
    return {"weights.parquet": _cast_like(weights, schemas["weights"]),
            "annotations.parquet": _cast_like(annotations, schemas["annotations"]),
            "studies.parquet": _cast_like(studies.drop("chrom", "start", "ref"),
                                          schemas["studies"])}


def pharm_tables(v: pl.DataFrame, seed: int) -> dict[str, pl.DataFrame]:
    """147 loci x 3 genotypes x their drugs (2-5 each, 494 pairs) = 1,482 rows."""
    import numpy as np

    rng = _rng(seed)
    genes = _names("CYP", 33)
    v = v.head(147).with_columns(gene=pl.Series([genes[i % 33] for i in rng.permutation(147)]))
    per_locus = np.full(147, 3)
    per_locus[rng.choice(147, 494 - 3 * 147, replace=False)] += 1
    drugs = _names("drug", 55)
    pairs = v.with_columns(n=pl.Series(per_locus)).select(
        pl.all().repeat_by("n").explode()).with_columns(
        drug=pl.Series(rng.choice(drugs, 494)),
        evidence_level=pl.Series(rng.choice(["1A", "1B", "2A", "2B"], 494, p=[.3, .2, .3, .2])),
        phenotype_category=pl.Series(rng.choice(["efficacy", "toxicity", "dosage"], 494)))
    frames = [pairs.with_columns(genotype=g, response=pl.lit(r), _order=pl.lit(i)) for i, (g, r) in
              enumerate([(pl.concat_str("ref", "ref", separator="/"), "typical"),
                         (pl.concat_list("ref", "alt").list.sort().list.join("/"), "decreased"),
                         (pl.concat_str("alt", "alt", separator="/"), "decreased")])]
    rows = pl.concat(frames).with_row_index("_i").sort(pl.col("_i") % 494, "_order")
    rows = rows.with_columns(
        [pl.when(~pl.col("no_position")).then(c).alias(c) for c in ("chrom", "start", "ref")])
    rows = rows.with_columns(
        module=pl.lit("pharmgkb"), variant_key="rsid",
        authored_ident=pl.lit(["rsid", "chrom", "start", "ref"]),
        annotation_id=pl.int_range(pl.len()).cast(pl.String),
        pmid=pl.Series(rng.integers(10_000_000, 40_000_000, 1_482)).cast(pl.String),
        requires_callable=pl.col("_order") == 0,
        conclusion=pl.concat_str([pl.lit("People with "), "genotype", pl.lit(" may have "),
                                  "response", pl.lit(" response to "), "drug",
                                  pl.lit(" compared with other genotypes.")]))
    return {"pharm_variants.parquet": _cast_like(rows, PHARM_SCHEMA)}


_SCHEMAS: dict[str, dict] = {}


def _example_schemas() -> dict[str, dict]:
    if not _SCHEMAS:
        for kind in ("weights", "annotations", "studies"):
            _SCHEMAS[kind] = dict(pl.read_parquet_schema(EXAMPLE / f"{kind}.parquet"))
    return _SCHEMAS


def write_module(folder: Path, name: str, title: str, tables: dict[str, pl.DataFrame]) -> None:
    """The parquet files (polars, zstd, as the compiler writes them) and a manifest."""
    from just_dna_desktop.core.hub import sha256_of
    from just_dna_desktop.core.modules.verify import artifact_digest

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = []
    for file_name, frame in tables.items():
        frame.write_parquet(folder / file_name, compression="zstd")
        files.append({"name": file_name, "sha256": "sha256:" + sha256_of(folder / file_name),
                      "size": (folder / file_name).stat().st_size})
    example = json.loads((EXAMPLE / "manifest.json").read_text())
    lead = tables.get("weights.parquet", tables.get("pharm_variants.parquet"))
    manifest = {
        **{k: example[k] for k in ("manifest_version", "schema_version")},
        "identity": {**example["identity"], "name": name, "version": "0.5.0"},
        "display": {**example["display"], "title": title,
                    "description": f"Synthetic {title} at the published size (benchmark).",
                    "report_title": title},
        "genome_build": "GRCh38", "curator": "benchmarks/modules.py", "method": "synthetic",
        "license": "CC0-1.0",
        "stats": {"variant_count": lead["variant_key"].n_unique(), "weights_rows": lead.height},
        "compilation": {**example["compilation"], "compiler_version": COMPILER},
        "artifact": {"digest": artifact_digest(files), "files": files},
        "signature": None,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def prepare_modules() -> dict[str, pl.DataFrame]:
    """Writes the modules; returns each module's sites (chrom, start, ref, alt, rsid, haploid)."""
    sites = {}
    for seed, (name, rows, genes) in enumerate(PANELS, start=1):
        started = time.perf_counter()
        v = panel_variants(name, rows, genes, seed)
        write_module(DATA / "src" / name, name, f"ClinVar {name} panel", panel_tables(name, v))
        sites[name] = v.select("chrom", "start", "ref", "alt", "rsid", "haploid")
        print(f"{name}: {rows:,} rows, {v.height:,} variants "
              f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    v = common_variants(11)
    write_module(DATA / "src" / "longevitymap", "longevitymap", "Longevity map",
                 longevity_tables(v, 12))
    sites["longevitymap"] = v.select("chrom", "start", "ref", "alt", "rsid",
                                     haploid=pl.lit(False))
    v = common_variants(21, n=147, rsid_only=3)
    write_module(DATA / "src" / "pharmgkb", "pharmgkb", "Drug response (PharmGKB)",
                 pharm_tables(v, 22))
    sites["pharmgkb"] = v.select("chrom", "start", "ref", "alt", "rsid", haploid=pl.lit(False))
    return sites


def install_modules() -> None:
    from just_dna_desktop.core.modules.store import ModuleStore

    for cache in DATA.glob("cache-*"):
        shutil.rmtree(cache)
    for name in MODULES:
        ModuleStore(DATA / f"cache-{name}").add_folder(DATA / "src" / name)
        ModuleStore(DATA / "cache-all").add_folder(DATA / "src" / name)
    (DATA / "cache-none").mkdir()


# ---------------------------------------------------------------- the two annotated outputs

def _finish(frame: pl.DataFrame, rng, leading: list) -> pl.DataFrame:
    """`leading` columns, then the reference's columns (null where no rsID was found), typed and
    named as the engine writes them; flags drawn as benchmarks/generate.py draws them."""
    import numpy as np
    from generate import FLAG_P

    from just_dna_desktop.core.reference.schema import CLINICAL_COLUMNS, EVIDENCE_COLUMNS

    n = frame.height
    matched = pl.col("rsid").is_not_null()
    maf = rng.random(n).astype(np.float32) * 0.5
    flags = ["cosmic_101", "clinvar_202502", "dbsnp_156", "hgmd-public_20204"]
    return frame.select(
        *leading,
        end_ensembl=pl.when(matched).then(pl.col("start").cast(pl.UInt32)),
        qual_ensembl=pl.lit(None, pl.Float64), filter_ensembl=pl.lit(None, pl.String),
        **{c: pl.when(matched).then(pl.Series(rng.random(n) < FLAG_P[c])) for c in flags},
        tsa=pl.when(matched).then(
            pl.when(pl.col("ref").str.len_chars() == pl.col("alt").str.len_chars())
            .then(pl.lit("SNV")).otherwise(pl.lit("indel"))),
        **{c: pl.when(matched).then(pl.Series(rng.random(n) < FLAG_P[c]))
           for c in EVIDENCE_COLUMNS + CLINICAL_COLUMNS},
        ma=pl.when(matched).then(pl.col("alt").str.slice(0, 1)),
        maf=pl.when(matched).then(pl.Series(maf)),
        mac=pl.when(matched).then(pl.Series((maf * 5008).astype(np.int32) + 1)),
        aa=pl.when(matched).then(pl.col("ref").str.slice(0, 1)),
        alts=pl.when(matched).then(pl.col("alt").str.split("|")))


def genome_output(sites: dict[str, pl.DataFrame], seed: int = 31) -> pl.DataFrame:
    import numpy as np

    rng = _rng(seed)
    overlap = []
    for name, frame in sites.items():
        share = PANEL_IN_GENOME if name in dict((p[0], 1) for p in PANELS) else COMMON_IN_GENOME
        chosen = frame.filter(pl.col("start").is_not_null()).sample(fraction=share, seed=seed)
        kind = rng.random(chosen.height)
        chosen = chosen.with_columns(
            kind=pl.Series(np.select([kind < 0.7, kind < 0.8, kind < 0.9], ["same", "other_alt",
                                                                            "other_ref"],
                                     "filtered")))
        overlap.append(chosen)
    overlap = pl.concat(overlap).unique(["chrom", "start"], keep="first")
    flip = {"A": "C", "C": "G", "G": "T", "T": "A"}
    overlap = overlap.with_columns(
        ref=pl.when(pl.col("kind") == "other_ref").then(pl.col("ref") + "T").otherwise("ref"),
        alt=pl.when(pl.col("kind") == "other_alt")
        .then(pl.col("alt").str.slice(0, 1).replace_strict(flip, default="A"))
        .when(pl.col("kind") == "other_ref").then(pl.col("ref").str.slice(0, 1))
        .otherwise("alt"),
        filter=pl.when(pl.col("kind") == "filtered").then(pl.lit("LowQual"))
        .otherwise(pl.lit("PASS")),
        hom=pl.Series(rng.random(overlap.height) < 0.4),
        id=pl.when(pl.Series(rng.random(overlap.height) < 0.5)).then("rsid"))
    overlap = overlap.with_columns(
        gt=pl.when(pl.col("haploid")).then(pl.lit("1"))
        .when(pl.col("hom")).then(pl.lit("1/1")).otherwise(pl.lit("0/1")))
    n = GENOME_ROWS - overlap.height
    background = _place(rng, n, list(_contigs()))
    ref, alt = _alleles(rng, n, snv=0.9)
    draw = rng.random(n)
    background = background.with_columns(
        ref=ref, alt=alt,
        gt=pl.Series(np.select([draw < 0.5, draw < 0.9], ["0/1", "1/1"], "0|1")),
        filter=pl.Series(np.where(rng.random(n) < 0.03, "LowQual", "PASS")),
        rsid=pl.when(pl.Series(rng.random(n) < 0.93)).then(
            pl.lit("rs") + pl.Series(rng.integers(200_000_000, 1_200_000_000, n)).cast(pl.String)))
    background = background.with_columns(
        gt=pl.when(pl.col("chrom").is_in(["MT", "Y"])).then(pl.lit("1")).otherwise("gt"),
        id=pl.when(pl.Series(rng.random(n) < 0.5)).then("rsid"))
    columns = ["chrom", "start", "ref", "alt", "gt", "filter", "rsid", "id"]
    records = pl.concat([background.select(columns), overlap.select(columns)])
    order = {c: i for i, c in enumerate(_contigs())}
    records = records.sort(pl.col("chrom").replace_strict(order), "start")
    alleles = pl.col("gt").str.replace_all("|", "/", literal=True).str.split("/").list.eval(
        pl.when(pl.element() == "0").then(pl.lit("R")).otherwise(pl.lit("A")))
    records = records.with_columns(
        genotype=alleles,
        zygosity=pl.when(pl.col("gt") == "1").then(pl.lit("haploid_alt"))
        .when(pl.col("gt") == "1/1").then(pl.lit("hom_alt")).otherwise(pl.lit("het")))
    # R/A -> the record's REF/ALT (list.eval cannot see other columns: via a long form)
    records = records.with_row_index("_r")
    long = records.select("_r", "ref", "alt", "genotype").explode("genotype").with_columns(
        genotype=pl.when(pl.col("genotype") == "R").then("ref").otherwise("alt"))
    genotypes = long.group_by("_r", maintain_order=True).agg("genotype")
    records = records.drop("genotype").join(genotypes, on="_r", maintain_order="left").drop("_r")
    records = records.with_columns(
        end=(pl.col("start") + pl.col("ref").str.len_chars() - 1).cast(pl.UInt32),
        id=pl.col("id").fill_null("."), qual=pl.lit(50.0))
    leading = ["chrom", pl.col("start").cast(pl.UInt32), "end", "id", "ref", "alt", "qual",
               "filter", "gt", "genotype", "zygosity", "rsid"]
    return _finish(records, rng, leading)


def chip_output(sites: dict[str, pl.DataFrame], seed: int = 41) -> pl.DataFrame:
    import numpy as np

    rng = _rng(seed)
    overlap = []
    for name, frame in sites.items():
        panel = name in dict((p[0], 1) for p in PANELS)
        chosen = frame.filter(pl.col("rsid").is_not_null()).sample(
            fraction=PANEL_ON_CHIP if panel else COMMON_ON_CHIP, seed=seed)
        draw = rng.random(chosen.height)
        if panel:
            calls = np.select([draw < 0.97, draw < 0.99], ["RR", "RA"], "--")
        else:
            calls = np.select([draw < 0.36, draw < 0.84, draw < 0.99], ["RR", "RA", "AA"], "--")
        overlap.append(chosen.with_columns(call=pl.Series(calls)))
    overlap = pl.concat(overlap).unique("rsid", keep="first")
    n = CHIP_MARKERS - overlap.height
    background = _place(rng, n, list(_contigs()))
    ref, alt = _alleles(rng, n, snv=0.97)
    draw = rng.random(n)
    background = background.with_columns(
        ref=ref, alt=alt, haploid=pl.col("chrom").is_in(["MT", "Y"]),
        rsid=pl.lit("rs") + pl.Series(rng.integers(200_000_000, 1_200_000_000, n)).cast(pl.String),
        call=pl.Series(np.select([draw < 0.6, draw < 0.85, draw < 0.99], ["RR", "RA", "AA"], "--")))
    columns = ["chrom", "start", "ref", "alt", "rsid", "haploid", "call"]
    markers = pl.concat([background.select(columns), overlap.select(columns)])
    order = {c: i for i, c in enumerate(_contigs())}
    markers = markers.sort(pl.col("chrom").replace_strict(order), "start").with_columns(
        call=pl.when(pl.col("haploid") & (pl.col("call") == "RA")).then(pl.lit("AA"))
        .otherwise("call"))  # one allele: no heterozygous call
    m = markers.height
    internal = pl.Series(rng.random(m) < 0.025)
    placed = pl.Series(rng.random(m) < 0.985) & ~internal
    check = pl.Series(np.select([rng.random(m) < 0.04, rng.random(m) < 0.01],
                                ["strand_flipped", "mismatch"], "ok"))
    snv = (pl.col("ref").str.len_chars() == 1) & (pl.col("alt").str.len_chars() == 1)
    first = pl.when(snv).then(pl.col("ref")).otherwise(pl.lit("D"))
    second = pl.when(snv).then(pl.col("alt")).otherwise(pl.lit("I"))
    written = (pl.when(pl.col("call") == "--").then(pl.lit(None, pl.String))
               .when(pl.col("call") == "RR").then(first).when(pl.col("call") == "AA").then(second)
               .otherwise(first))
    written2 = (pl.when(pl.col("call") == "--").then(pl.lit(None, pl.String))
                .when(pl.col("call") == "RR").then(first).otherwise(second))
    restated = (pl.when(pl.col("call") == "RR").then(pl.col("ref"))
                .when(pl.col("call") == "AA").then(pl.col("alt")).otherwise(pl.col("ref")))
    restated2 = (pl.when(pl.col("call") == "RR").then(pl.col("ref")).otherwise(pl.col("alt")))
    markers = markers.with_columns(internal=internal, placed=placed, check=check).with_columns(
        marker_id=pl.when("internal").then(pl.lit("i") + (pl.int_range(pl.len()) + 7_000_000)
                                           .cast(pl.String)).otherwise("rsid"),
        source_chrom="chrom", source_pos="start",
        gt=pl.when(pl.col("call") == "--").then(pl.lit("--"))
        .when(pl.col("haploid")).then(written)
        .otherwise(pl.concat_str(written, written2)),
        own=pl.when(pl.col("call") == "--").then(pl.lit(None, pl.List(pl.String)))
        .when(pl.col("haploid")).then(pl.concat_list(restated))
        .otherwise(pl.concat_list(restated, restated2)))
    ok = pl.col("placed") & pl.col("rsid").is_not_null()
    markers = markers.with_columns(
        chrom=pl.when(ok).then("chrom"), start=pl.when(ok).then("start"),
        ref=pl.when(ok).then("ref"), alt=pl.when(ok).then("alt"),
        allele_check=pl.when(ok & (pl.col("call") != "--")).then("check"),
        rsid=pl.when(ok).then(pl.col("marker_id")),
        genotype=pl.when(pl.col("call") == "--").then(pl.lit([None, None], pl.List(pl.String)))
        .otherwise("own"),
        zygosity=pl.when(pl.col("call") == "--").then(pl.lit("missing"))
        .when(~ok | (pl.col("check") == "mismatch")).then(pl.lit(None, pl.String))
        .when(pl.col("haploid")).then(pl.when(pl.col("call") == "RR").then(pl.lit("haploid_ref"))
                                      .otherwise(pl.lit("haploid_alt")))
        .when(pl.col("call") == "RR").then(pl.lit("hom_ref"))
        .when(pl.col("call") == "AA").then(pl.lit("hom_alt")).otherwise(pl.lit("het")))
    leading = ["marker_id", "source_chrom", pl.col("source_pos").cast(pl.UInt32), "gt", "chrom",
               pl.col("start").cast(pl.UInt32), "ref", "alt", "genotype", "zygosity",
               "allele_check", "rsid"]
    return _finish(markers, rng, leading)


def write_output(frame: pl.DataFrame, folder: Path, match_by: str, input_format: str) -> Path:
    from just_dna_desktop.core.engine.annotate import write_parquet_atomic
    from just_dna_desktop.core.layout import OUTPUT_FILE_NAME

    path = folder / OUTPUT_FILE_NAME
    metadata = {"user_name": "bench", "sample_name": folder.name, "input_format": input_format,
                "match_by": match_by, "genome_build": "GRCh38", "rows_out": frame.height,
                "output_file": str(path)}
    write_parquet_atomic(frame, path, "zstd", metadata)
    return path


def prepare() -> None:
    sys.path.insert(0, str(HERE))  # generate.py's flag probabilities
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sites = prepare_modules()
    install_modules()
    print(f"modules written and installed ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    started = time.perf_counter()
    genome = genome_output(sites)
    path = write_output(genome, DATA / "genome", "position", "vcf")
    print(f"{path}: {genome.height:,} rows, {path.stat().st_size / 2**20:.0f} MB "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    del genome
    started = time.perf_counter()
    chip = chip_output(sites)
    path = write_output(chip, DATA / "chip", "rsid", "23andme")
    print(f"{path}: {chip.height:,} rows, {path.stat().st_size / 2**20:.0f} MB "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)


# ---------------------------------------------------------------- measuring

def once(cache: Path, output: Path) -> None:
    """In this process: the findings of `output` with the modules installed in `cache`, as the
    findings job makes them (core.modules.findings.update_findings), timed by phase."""
    import resource

    import just_dna_desktop
    from just_dna_desktop.core.modules.findings import find, findings_path, write_findings, \
        annotation_stamp
    from just_dna_desktop.core.modules.store import ModuleStore

    started, cpu = time.perf_counter(), time.process_time()
    use, refused = ModuleStore(cache).usable()
    checked = time.perf_counter()
    findings = find(output, use, refused)
    found = time.perf_counter()
    write_findings(findings, findings_path(output), run={"annotation": annotation_stamp(output)})
    written = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "check_s": checked - started, "find_s": found - checked, "write_s": written - found,
        "total_s": written - started, "cpu_s": time.process_time() - cpu,
        "process_cpu_s": usage.ru_utime + usage.ru_stime, "findings": findings.frame.height,
        "package": str(Path(just_dna_desktop.__file__).parent),
        "maxrss_mb": usage.ru_maxrss / 1024,
        "modules": [{k: m.to_dict()[k] for k in ("name", "rows", "sites", "findings",
                                                 "other_genotype", "not_in_file", "filtered",
                                                 "mismatched", "not_looked_up")}
                    for m in findings.modules]}))


def job(cache: Path, output: Path) -> None:
    """The whole findings job as the workspace runs it: run_job in a spawned child, recorded."""
    from just_dna_desktop.core.modules.findings import findings_path
    from just_dna_desktop.core.workspace.history import History
    from just_dna_desktop.core.workspace.runner import AnnotationJob, findings_target, run_job

    with tempfile.TemporaryDirectory(prefix="jdd-modbench-") as tmp:
        history = History(Path(tmp) / "history.sqlite")
        started = time.perf_counter()
        # `vcf` is the sample's file (its fingerprint is recorded): the output stands in for it.
        result = run_job(AnnotationJob(vcf=output, reference_dir=Path(tmp),
                                       output=findings_path(output), user="bench",
                                       sample=output.parent.name, cache_dir=cache,
                                       annotated=output),
                         history=history, target=findings_target, kind="findings")
        wall = time.perf_counter() - started
        [run] = history.list_runs()
        history.close()
    assert result.ok and run.kind == "findings" and run.status == "succeeded", result.error
    child_cpu = result.metadata["process_duration_sec"] * \
        result.metadata.get("process_cpu_percent", 0) / 100
    print(json.dumps({"wall_s": wall, "child_s": result.metadata["process_duration_sec"],
                      "child_cpu_s": child_cpu,
                      "child_peak_mb": result.metadata["process_peak_memory_mb"],
                      "findings": result.metadata["findings"]}))


def run(runs: int, only: list[str] | None, code: Path | None = None) -> None:
    from run import measure

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(HERE / "data" / "pycache")
    if code is not None:  # another version of the package (e.g. `git archive` of an older commit)
        env["PYTHONPATH"] = str(code)
    outputs = {"genome": DATA / "genome" / "user_annotated_vcf.parquet",
               "chip": DATA / "chip" / "user_annotated_vcf.parquet"}
    caches = ["none", *MODULES, "all"]
    cases = [(c, o) for o in outputs for c in caches if not only or c in only]
    jobs = [("all", o) for o in outputs] if not only or "job" in only else []

    def command(kind: str, cache: str, output: str) -> list[str]:
        return [str(PYTHON), str(Path(__file__).resolve()), kind, str(DATA / f"cache-{cache}"),
                str(outputs[output])]

    inside: dict[tuple, list[dict]] = {c: [] for c in cases}
    outside: dict[tuple, list[tuple[float, float]]] = {c: [] for c in cases}
    job_results: dict[tuple, list[dict]] = {j: [] for j in jobs}
    for case in cases:  # warm-up: page cache, bytecode
        measure(command("once", *case), env)
    loads = [os.getloadavg()[0]]
    for _ in range(runs):
        for case in cases:
            with tempfile.TemporaryFile("w+") as out:
                outside[case].append(measure(command("once", *case), env, stdout=out))
                out.seek(0)
                inside[case].append(json.loads(out.read()))
        for case in jobs:
            done = subprocess.run(command("job", *case), env=env, capture_output=True, text=True,
                                  check=True)
            job_results[case].append(json.loads(done.stdout))
        loads.append(os.getloadavg()[0])
    print(f"code: {inside[cases[0]][-1]['package']}")
    print(f"{runs} runs; load average (1 min) during the runs: "
          f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    print("| sample | modules | module rows | sites | findings | not in file | filtered | "
          "find s | write s | in-process s (median) | its CPU s | process s (median) | min s | "
          "process CPU s | peak MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
          "---: | ---: | ---: |")
    for case in cases:
        last = inside[case][-1]
        rows = sum(m["rows"] for m in last["modules"])
        med = lambda key: statistics.median(r[key] for r in inside[case])  # noqa: E731
        walls = [w for w, _ in outside[case]]
        total = lambda key: sum(m[key] for m in last["modules"])  # noqa: E731
        print(f"| {case[1]} | {case[0]} | {rows:,} | {total('sites'):,} | {last['findings']:,} | "
              f"{total('not_in_file'):,} | {total('filtered'):,} | {med('find_s'):.2f} | "
              f"{med('write_s'):.2f} | {med('total_s'):.2f} | {med('cpu_s'):.2f} | "
              f"{statistics.median(walls):.2f} | {min(walls):.2f} | {med('process_cpu_s'):.2f} | "
              f"{max(p for _, p in outside[case]):.0f} |")
    if jobs:
        print()
        print("| sample | findings job (run_job, all modules) | wall s (median) | min s | "
              "child s (median) | child CPU s | child peak MB |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for case in jobs:
            r = job_results[case]
            print(f"| {case[1]} | {r[-1]['findings']:,} findings | "
                  f"{statistics.median(x['wall_s'] for x in r):.2f} | "
                  f"{min(x['wall_s'] for x in r):.2f} | "
                  f"{statistics.median(x['child_s'] for x in r):.2f} | "
                  f"{statistics.median(x['child_cpu_s'] for x in r):.2f} | "
                  f"{max(x['child_peak_mb'] for x in r):.0f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("prepare")
    running = sub.add_parser("run")
    running.add_argument("--runs", type=int, default=5)
    running.add_argument("--only", help="comma list of caches (none, a module, all) and/or job")
    running.add_argument("--code", type=Path, help="a folder holding another just_dna_desktop "
                         "to measure (before/after: git archive COMMIT just_dna_desktop | tar -x)")
    for name in ("once", "job"):  # one measurement, in the process `run` starts
        one = sub.add_parser(name)
        one.add_argument("cache", type=Path)
        one.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    if args.action == "prepare":
        prepare()
    elif args.action == "run":
        run(args.runs, args.only.split(",") if args.only else None, args.code)
    elif args.action == "once":
        once(args.cache, args.output)
    else:
        job(args.cache, args.output)


if __name__ == "__main__":
    main()
