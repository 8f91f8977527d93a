"""core.results.summary against independent computations on real data, annotated through the real engine.

The numbers are recomputed here in plain Python, row by row (no polars expressions), from the
output's rows and, where they depend on the genotype alone, straight from the VCF's text: the
bundled demo (HG00096, chr21, against the real Ensembl slice) and the 1000 Genomes-derived
100-sample file of the VCF conformance suite (tests/data/vcf-conformance, Apache-2.0), several of
its samples each annotated against a reference built from the file's own records.
"""

from __future__ import annotations

import json
import struct
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop import __version__
from just_dna_desktop.core.engine.annotate import OUTPUT_METADATA_KEY, annotate_vcf
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.reference.cache import sort_key
from just_dna_desktop.core.reference.schema import CLINICAL_COLUMNS
from just_dna_desktop.core.results.summary import FLAG_ORDER, MAF_EDGES, summarize

from reference_factory import write_reference, write_vcf
from sample_data import (MULTI_SAMPLE_VCF, annotate_1000_genomes, vcf_samples,
                         write_multi_sample_reference)

CARRIED = {"het", "hom_alt", "haploid_alt"}


# -- the expected numbers, in plain Python -----------------------------------------------------

COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}


def f32(value: float) -> float:
    """`maf` is a float32 column: its thresholds compare as float32 (0.01 in float32 is 1 %)."""
    return struct.unpack("f", struct.pack("f", value))[0]


EDGES = [f32(edge) for edge in MAF_EDGES]


def is_carried(row: dict) -> bool:
    """The person's genotype holds this row's own allele (a chip marker: any non-REF allele)."""
    genotype = row["genotype"]
    if genotype is None or None in genotype:
        return False
    if "allele_check" not in row:  # a VCF matched by position: the row's ALT
        return row["zygosity"] != "hom_ref" and row["alt"] in genotype
    if row["allele_check"] not in ("ok", "strand_flipped"):
        return False  # not placed, or the call fits no allele of the row
    if "source_alt" not in row:  # a chip marker
        return any(allele != row["ref"] for allele in genotype)
    own = row["source_alt"].upper()  # a VCF matched by rsID: its own ALT, on the row's strand
    if row["allele_check"] == "strand_flipped":
        own = "".join(COMPLEMENT.get(base, base) for base in reversed(own))
    return own in genotype and any(allele != row["ref"] for allele in genotype)


def own_alleles(row: dict) -> list[str]:
    """The alleles a carried row is about: its ALT (a VCF matched by position), its own ALT on
    the row's strand (a VCF matched by rsID), or every non-REF allele called (a chip marker)."""
    if "allele_check" not in row:
        return [row["alt"]]
    if "source_alt" not in row:
        return [allele for allele in row["genotype"] if allele != row["ref"]]
    own = row["source_alt"].upper()
    if row["allele_check"] == "strand_flipped":
        own = "".join(COMPLEMENT.get(base, base) for base in reversed(own))
    return [own]


def expected_from_rows(rows: list[dict]) -> dict:
    """Every number of the summary, one row at a time."""
    carried = [r for r in rows if is_carried(r)]
    clinical = {c: sum(1 for r in carried if r.get(c) is True) for c in CLINICAL_COLUMNS}
    clinical["any"] = sum(1 for r in carried if any(r.get(c) is True for c in CLINICAL_COLUMNS))
    chromosomes: dict[str, int] = {}
    for r in sorted((r for r in rows if r["chrom"] is not None), key=lambda r: sort_key(r["chrom"])):
        chromosomes.setdefault(r["chrom"], 0)
    for r in carried:
        chromosomes[r["chrom"]] += 1
    bins = [0] * (len(EDGES) - 1)
    unknown = 0
    for r in carried:
        maf = r["maf"]
        if maf is None:
            unknown += 1
            continue
        for i in range(len(bins)):
            last = i == len(bins) - 1
            if EDGES[i] <= maf and (last or maf < EDGES[i + 1]):
                bins[i] += 1
                break
    # rare: the carried allele is itself the site's minor allele, below 1 %
    rare = [r for r in carried if r["maf"] is not None and r["maf"] < f32(0.01)
            and r["ma"] is not None and r["ma"].upper() in own_alleles(r)]
    return {
        "allele_rows": len(rows),
        "matched": sum(1 for r in rows if r["rsid"] is not None),
        "zygosity": dict(Counter(r["zygosity"] or "not judged" for r in rows)),
        "carried": len(carried),
        "carried_by_zygosity": dict(Counter(r["zygosity"] for r in carried)),
        "clinical": clinical,
        "rare_carried": len(rare),
        "per_chromosome": {c: n for c, n in chromosomes.items() if c is not None},
        "maf_bins": bins,
        "maf_unknown": unknown,
        "tsa": dict(Counter(r["tsa"] or "not in reference" for r in carried)),
        "flagged": sorted((r["chrom"], r["start"], r["alt"]) for r in carried
                          if any(r.get(c) is True for c in CLINICAL_COLUMNS)),
    }


def carried_from_vcf(path: Path, sample: str) -> Counter:
    """Carried alleles per chromosome, read from the VCF's text: ALT number k is carried when the
    call has no missing allele and names k."""
    counts: Counter = Counter()
    column = None
    for line in path.read_text().splitlines():
        if line.startswith("#CHROM"):
            column = line.split("\t").index(sample)
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        gt = fields[column].split(":")[0]
        calls = gt.replace("|", "/").split("/")
        chrom = fields[0].removeprefix("chr")
        counts.setdefault(chrom, 0)
        if "." in calls or not gt:
            continue
        for number, _alt in enumerate(fields[4].split(","), start=1):
            if str(number) in calls:
                counts[chrom] += 1
    return counts


def assert_matches(summary, rows: list[dict]) -> None:
    expected = expected_from_rows(rows)
    got = summary.to_dict()
    for key in ("allele_rows", "matched", "zygosity", "carried", "carried_by_zygosity",
                "clinical", "rare_carried", "per_chromosome", "tsa"):
        assert got[key] == expected[key], key
    assert sum(got["carried_by_zygosity"].values()) == got["carried"]
    assert list(got["per_chromosome"]) == list(expected["per_chromosome"])  # natural order
    assert [b["count"] for b in got["maf_histogram"]["bins"]] == expected["maf_bins"]
    assert got["maf_histogram"]["unknown"] == expected["maf_unknown"]
    flagged = summary.flagged
    assert sorted(zip(flagged["chrom"], flagged["start"], flagged["alt"])) == expected["flagged"]
    assert flagged.height == got["clinical"]["any"]
    # each row's flags by name, most serious first; the rows most serious first
    by_key = {(r["chrom"], r["start"], r["alt"]): r for r in rows if is_carried(r)}
    ranks = []
    for row in flagged.iter_rows(named=True):
        raw = by_key[(row["chrom"], row["start"], row["alt"])]
        names = [name for name in FLAG_ORDER if raw.get(f"clin_{name}") is True]
        assert row["flags"] == names
        ranks.append(FLAG_ORDER.index(names[0]))
    assert ranks == sorted(ranks)


# -- the demo ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo" / "HG00096" / "user_annotated_vcf.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, out, user="demo", sample="HG00096")
    return out


def test_demo_numbers_match_an_independent_count(demo_output):
    summary = summarize(demo_output)
    rows = pl.read_parquet(demo_output).to_dicts()
    assert_matches(summary, rows)
    # Known facts of HG00096's 132 calls: two carried alleles, both SNVs on chromosome 21.
    assert summary.allele_rows == 132 and summary.matched == 132
    assert summary.carried == 2 and summary.zygosity == {"hom_ref": 130, "het": 1, "hom_alt": 1}
    assert summary.per_chromosome == {"21": 2} == dict(carried_from_vcf(DEMO_VCF, "HG00096"))
    assert summary.tsa == {"SNV": 2}


def test_the_maf_bins_add_up(demo_output):
    summary = summarize(demo_output)
    counts = [b["count"] for b in summary.maf_histogram]
    assert sum(counts) + summary.maf_unknown == summary.carried
    below = [b["count"] for b in summary.maf_histogram if b["to"] <= 0.01]
    # carried at rare sites: the rare allele, or the common one where the rare one is the REF
    assert sum(below) >= summary.rare_carried


# -- the 1000 Genomes multi-sample file ----------------------------------------------------------

@pytest.fixture(scope="module")
def multi_sample_reference(tmp_path_factory) -> Path:
    return write_multi_sample_reference(tmp_path_factory.mktemp("ref"))


@pytest.mark.parametrize("index", [0, 1, 2, 7, 33, 99])
def test_1000_genomes_samples_match_an_independent_count(index, multi_sample_reference, tmp_path):
    sample = vcf_samples(MULTI_SAMPLE_VCF)[index]
    out = tmp_path / "out.parquet"
    annotate_1000_genomes(multi_sample_reference, out, sample)
    summary = summarize(out, sample=sample)
    rows = pl.read_parquet(out).to_dicts()
    assert_matches(summary, rows)
    assert summary.sample == sample
    assert summary.per_chromosome == dict(carried_from_vcf(MULTI_SAMPLE_VCF, sample))


def test_the_1000_genomes_file_exercises_what_matters(multi_sample_reference, tmp_path):
    """Across its samples the file has flagged, rare, unmatched and multi-allelic carried alleles:
    the comparisons above are not of zeros."""
    totals: Counter = Counter()
    for sample in vcf_samples(MULTI_SAMPLE_VCF)[:40]:
        out = tmp_path / f"{sample}.parquet"
        annotate_1000_genomes(multi_sample_reference, out, sample)
        s = summarize(out)
        at_rare_sites = sum(b["count"] for b in s.maf_histogram if b["to"] <= 0.01)
        totals.update(carried=s.carried, flagged=s.clinical["any"], rare=s.rare_carried,
                      common_at_rare_sites=at_rare_sites - s.rare_carried, unknown=s.maf_unknown,
                      unmatched=s.tsa.get("not in reference", 0),
                      pathogenic=s.clinical["clin_pathogenic"],
                      multi_allelic=s.zygosity.get("het", 0) - s.carried_by_zygosity.get("het", 0))
    assert all(totals[k] > 0 for k in ("carried", "flagged", "rare", "common_at_rare_sites",
                                       "unknown", "unmatched", "pathogenic", "multi_allelic")), \
        totals


def test_only_the_alleles_in_the_genotype_are_carried(tmp_path, multi_sample_reference):
    """`0/1` at A -> C,G carries C; `1/2` carries both; `2` (haploid) only G; `./1` neither."""
    vcf = write_vcf(tmp_path / "in.vcf", [
        "1\t100\t.\tA\tC,G\t50\tPASS\t.\tGT\t0/1",
        "1\t200\t.\tA\tC,G\t50\tPASS\t.\tGT\t1/2",
        "1\t300\t.\tA\tC,G\t50\tPASS\t.\tGT\t2",
        "1\t400\t.\tA\tC\t50\tPASS\t.\tGT\t./1",
        "1\t500\t.\tA\tC\t50\tPASS\t.\tGT\t1|1",
    ], header="##fileformat=VCFv4.2\n")
    out = tmp_path / "out.parquet"
    annotate_vcf(vcf, multi_sample_reference, out)
    summary = summarize(out)
    assert summary.carried == 1 + 2 + 1 + 0 + 1
    assert summary.zygosity == {"het": 4, "haploid_alt": 2, "missing": 1, "hom_alt": 1}
    assert summary.tsa == {"not in reference": 5}
    assert summary.matched == 0


# -- outputs matched by rsID (chips, non-GRCh38 VCFs) ---------------------------------------------

@pytest.mark.parametrize("index", [0, 1, 2, 7, 33, 99])
def test_a_vcf_matched_by_rsid_counts_each_carried_allele_once(index, multi_sample_reference,
                                                               tmp_path):
    """The same 1000 Genomes sample matched by rsID: a multi-allelic record's ALT alleles land on
    one reference row with the record's genotype; only the ALT the person has is carried. The
    placed, carried alleles are those the position run found carried and matched."""
    sample = vcf_samples(MULTI_SAMPLE_VCF)[index]
    by_rsid, by_position = tmp_path / "rsid.parquet", tmp_path / "position.parquet"
    annotate_vcf(MULTI_SAMPLE_VCF, multi_sample_reference, by_rsid, vcf_sample=sample,
                 match_by="rsid")
    annotate_1000_genomes(multi_sample_reference, by_position, sample)
    summary = summarize(by_rsid)
    rows = pl.read_parquet(by_rsid).to_dicts()
    assert_matches(summary, rows)
    assert summary.run["match_by"] == "rsid"
    position_rows = pl.read_parquet(by_position).to_dicts()
    assert sorted((r["rsid"], r["source_alt"]) for r in rows if is_carried(r)) == sorted(
        (r["rsid"], r["alt"]) for r in position_rows if is_carried(r) and r["rsid"] is not None)


def test_rs190291950_0_1_carries_a_not_g(multi_sample_reference, tmp_path):
    """T -> A,G called 0|1 by HG00097: by rsID both allele rows sit on the T>A|G row as `het`."""
    out = tmp_path / "rsid.parquet"
    annotate_vcf(MULTI_SAMPLE_VCF, multi_sample_reference, out, vcf_sample="HG00097",
                 match_by="rsid")
    rows = pl.read_parquet(out).filter(pl.col("rsid") == "rs190291950")
    assert rows["zygosity"].to_list() == ["het", "het"] and rows["alt"].to_list() == ["A|G"] * 2
    carried = pl.read_parquet(out).filter(summary_carried(out))
    assert carried.filter(pl.col("rsid") == "rs190291950")["source_alt"].to_list() == ["A"]


def summary_carried(path: Path) -> pl.Expr:
    from just_dna_desktop.core.results.query import carried_expression

    return carried_expression(dict(pl.read_parquet_schema(path)))


CHIP_ROWS = [  # (start, rsid, ref, alt) on chromosome 1, for tests/data/snps/23andme.txt
    (101, "rs1", "A", "G"),      # AA: hom_ref
    (102, "rs2", "G", "C|T"),    # CC: hom_alt on a multi-allelic row
    (103, "rs3", "C", "G"),      # GG: palindromic, hom_alt as written
    (104, "rs4", "A", "G"),      # TT: complemented to AA, hom_ref
    (105, "rs5", "A", "C"),      # --: a no-call
    (106, "rs6", "C", "G"),      # GC: het
    (107, "rs7", "G", "A"),      # TC: strand flipped to AG, het
    (108, "rs8", "C", "G"),      # AT: fits neither strand: mismatch
]


def test_a_chip_file_matched_by_rsid(tmp_path):
    """The snps project's 23andMe fixture (tests/data/snps, BSD-3) through the real engine."""
    chip = Path(__file__).resolve().parent / "data" / "snps" / "23andme.txt"
    cache = tmp_path / "cache"
    write_reference(cache, "1", CHIP_ROWS)
    out = tmp_path / "out.parquet"
    annotate_vcf(chip, cache, out)
    summary = summarize(out)
    rows = pl.read_parquet(out).to_dicts()
    assert_matches(summary, rows)
    assert summary.run["input_format"] == "23andme"
    assert summary.carried == 4  # rs2, rs3, rs6, rs7
    assert summary.zygosity == {"hom_alt": 2, "het": 2, "hom_ref": 2, "not judged": 3,
                                "missing": 1}
    assert summary.per_chromosome == {"1": 4}  # rs9 and rs10 are placed nowhere
    notes = " ".join(summary.limitations)
    assert "1 marker was not called by the chip (a no-call)." in notes
    assert "1 call does not match the reference's alleles on either strand" in notes


# -- the run's own record: what it could not do ----------------------------------------------

def with_footer(source: Path, target: Path, run: dict) -> Path:
    pl.read_parquet(source).write_parquet(target, metadata={OUTPUT_METADATA_KEY: json.dumps(run)})
    return target


def test_a_partial_run_says_so(demo_output, tmp_path):
    run = {"partition_key": "alice/genome", "reference_revision": "abc123",
           "program_version": "9.9", "source_vcf": "/home/alice/secret/genome.vcf.gz",
           "reference_chromosomes_missing": ["1", "X"], "alleles_not_looked_up": 12345,
           "contigs_not_in_reference": ["GL000220.1"], "alleles_on_other_contigs": 3}
    summary = summarize(with_footer(demo_output, tmp_path / "x.parquet", run))
    data = summary.to_dict()
    assert data["partial"] is True and data["sample"] == "alice/genome"
    assert data["run"]["reference_revision"] == "abc123" and data["run"]["program_version"] == "9.9"
    assert data["run"]["source_file"] == "genome.vcf.gz"  # the name, never the person's folders
    assert "/home/alice" not in json.dumps(data["run"])
    assert data["limitations"][0].startswith("Partial: chromosomes 1, X were not looked up")
    assert "12,345 alleles" in data["limitations"][0]
    assert "3 alleles lie on contigs" in data["limitations"][1] and "GL000220.1" in data["limitations"][1]


def test_a_complete_run_has_no_limitations(demo_output, tmp_path):
    run = {"reference_chromosomes_missing": [], "alleles_not_looked_up": 0,
           "contigs_not_in_reference": [], "alleles_on_other_contigs": 0, "variant_type": "all",
           "genome_build": "GRCh38", "match_by": "position"}
    summary = summarize(with_footer(demo_output, tmp_path / "x.parquet", run))
    assert summary.partial is False and summary.limitations == []


def test_the_engine_records_the_run_in_the_file(demo_output):
    summary = summarize(demo_output)
    assert summary.run["program_version"] == __version__
    assert summary.run["input_format"] == "vcf" and summary.run["match_by"] == "position"
    assert summary.run["source_file"] == DEMO_VCF.name
    assert summary.partial is False and summary.limitations == []


def test_a_sample_on_a_chromosome_the_cache_lacks_is_partial(multi_sample_reference, tmp_path):
    """The demo's chromosome 21 against a cache holding only chromosome 1, through the engine."""
    out = tmp_path / "out.parquet"
    annotate_vcf(DEMO_VCF, multi_sample_reference, out)
    summary = summarize(out)
    assert summary.partial and summary.run["reference_chromosomes_missing"] == ["21"]
    assert summary.limitations[0] == (
        "Partial: chromosome 21 was not looked up (the reference cache lacks it): 132 alleles "
        "have no annotation. Download the missing reference files and annotate again.")
    assert summary.matched == 0 and summary.carried == 2  # carried is the genotype's, matched or not


def test_a_grch37_input_matched_by_position_is_flagged(multi_sample_reference, tmp_path):
    out = tmp_path / "out.parquet"
    annotate_1000_genomes(multi_sample_reference, out, "HG00096")
    notes = summarize(out).limitations
    assert any(note.startswith("The input says it is GRCh37") for note in notes), notes


def test_an_output_without_a_run_record_says_what_is_unknown(demo_output, tmp_path):
    plain = tmp_path / "plain.parquet"
    pl.read_parquet(demo_output).write_parquet(plain)  # no footer, as written before it existed
    summary = summarize(plain)
    assert summary.run.keys() == {"output_written"}
    assert "no record of how it was made" in summary.limitations[0]


def test_the_run_from_the_history_fills_in_for_a_missing_footer(demo_output, tmp_path):
    plain = tmp_path / "plain.parquet"
    pl.read_parquet(demo_output).write_parquet(plain)  # no footer
    summary = summarize(plain, run={"reference_chromosomes_missing": ["22"],
                                    "alleles_not_looked_up": 5})
    assert summary.partial and "chromosome 22 was not looked up" in summary.limitations[0]


def test_a_sample_without_variants_is_all_zeros(tmp_path):
    vcf = write_vcf(tmp_path / "empty.vcf", [], header="##fileformat=VCFv4.2\n")
    out = tmp_path / "out.parquet"
    annotate_vcf(vcf, DEMO_REFERENCE_DIR, out)
    summary = summarize(out)
    assert summary.allele_rows == summary.carried == summary.clinical["any"] == 0
    assert summary.per_chromosome == {} and summary.flagged.height == 0


# -- files that are not annotated samples ------------------------------------------------------

def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(UserError, match=r"nothing\.parquet: no such file$"):
        summarize(tmp_path / "nothing.parquet")


def test_a_file_that_is_not_parquet_is_one_line(tmp_path):
    path = tmp_path / "genome.parquet"
    path.write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(UserError, match="genome.parquet: not a parquet file") as error:
        summarize(path)
    assert "\n" not in str(error.value)


def test_a_foreign_parquet_is_one_line(tmp_path):
    path = tmp_path / "other.parquet"
    pl.DataFrame({"chrom": ["1"], "start": [1]}).write_parquet(path)
    with pytest.raises(UserError, match=r"other.parquet: not an annotated sample \(no ref, alt, "
                                        r"zygosity, rsid columns\)"):
        summarize(path)
