"""A sample's findings (core/modules/findings.py): the real engine annotates one person twice, as
a GRCh38 variant-only VCF (matched by position) and as a 23andMe genotyping file (matched by
rsID), against a small reference in the real schema; then every installed module is joined.

The person, site by site (GRCh38, chromosome 1 unless said; the chip's positions are another
build's, as a real 23andMe file's are, and never used):

    site    ref>alt   VCF record             chip call   what it shows
    rs101   A>G       0/1                    AG          a het call, same in both
    rs102   C>T       (none: hom-ref)        CC          hom-ref: a finding on the chip only
    rs103   G>A       1/1                    AA          hom-alt, same in both
    rs104   T>C       0/1, FILTER q10        TC          failed the VCF's FILTER: filtered
    rs105   G>C       ./.                    --          no-call: not in file
    rs106   A>G       0/1                    TC          the chip on the other strand: restated
    rs107   C>T       0/1                    AC          fits neither strand: mismatched
    rs108   A>G       1|0 (phased)           AG          phased module rows
    rs109   C>G       0/1                    CG          only phased module rows: other genotype
    rs110   C>T,G     1/2                    GT          multi-allelic
    rs111   (module REF A; the file's T>C at the same position, rs999111)  another variant
    rs112   A>G       0/1, ID rs112          AG          a module row with no coordinates
    rs201   3:500 G>A 0/1                    GA          no chromosome 3 in the partial cache
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.modules import findings as F
from just_dna_desktop.core.modules.store import ModuleStore

from module_factory import flip_byte, row, write_hub_module, write_module, write_pharm_module
from reference_factory import write_reference, write_vcf

EXAMPLE = Path(__file__).parent / "data" / "module_example"
GRCH38_HEADER = ("##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=1,length=248956422>\n"
                 "##contig=<ID=3,length=198295559>\n")

REFERENCE_CHR1 = [
    (1000, "rs101", "A", "G"), (2000, "rs102", "C", "T"), (3000, "rs103", "G", "A"),
    (4000, "rs104", "T", "C"), (5000, "rs105", "G", "C"), (6000, "rs106", "A", "G"),
    (7000, "rs107", "C", "T"), (8000, "rs108", "A", "G"), (9000, "rs109", "C", "G"),
    (10000, "rs110", "C", "T|G"), (11000, "rs999111", "T", "C"), (12000, "rs112", "A", "G"),
]
VCF_RECORDS = [
    "1\t1000\trs101\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "1\t3000\trs103\tG\tA\t50\tPASS\t.\tGT\t1/1",
    "1\t4000\trs104\tT\tC\t50\tq10\t.\tGT\t0/1",
    "1\t5000\trs105\tG\tC\t50\tPASS\t.\tGT\t./.",
    "1\t6000\trs106\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "1\t7000\trs107\tC\tT\t50\t.\t.\tGT\t0/1",
    "1\t8000\trs108\tA\tG\t50\tPASS\t.\tGT\t1|0",
    "1\t9000\trs109\tC\tG\t50\tPASS\t.\tGT\t0/1",
    "1\t10000\trs110\tC\tT,G\t50\tPASS\t.\tGT\t1/2",
    "1\t11000\trs999111\tT\tC\t50\tPASS\t.\tGT\t0/1",
    "1\t12000\trs112\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "3\t500\trs201\tG\tA\t50\tPASS\t.\tGT\t0/1",
]
CHIP_LINES = [
    "rs101 1 901 AG", "rs102 1 1901 CC", "rs103 1 2901 AA", "rs104 1 3901 TC",
    "rs105 1 4901 --", "rs106 1 5901 TC", "rs107 1 6901 AC", "rs108 1 7901 AG",
    "rs109 1 8901 CG", "rs110 1 9901 GT", "rs112 1 11901 AG", "rs201 3 401 GA",
]


def traits_rows() -> list[dict]:
    def three(rsid, start, ref, alt, hom_ref, het, hom_alt, weights=(0.0, -0.5, -1.0)):
        return [row(rsid, "1", start, ref, alt, g, w, "neutral" if w == 0 else "risk",
                    f"{rsid} {g}", gene=f"G{rsid[2:]}", phenotype=f"P{rsid[2:]}",
                    category="traits", priority="high" if w < -0.7 else "low")
                for g, w in zip((hom_ref, het, hom_alt), weights)]

    return [
        *three("rs101", 1000, "A", "G", "A/A", "A/G", "G/G"),
        *three("rs102", 2000, "C", "T", "C/C", "C/T", "T/T", (0.2, -0.2, -0.4)),
        *three("rs103", 3000, "G", "A", "G/G", "A/G", "A/A"),
        *three("rs104", 4000, "T", "C", "T/T", "C/T", "C/C"),
        *three("rs105", 5000, "G", "C", "G/G", "C/G", "C/C"),
        *three("rs106", 6000, "A", "G", "A/A", "A/G", "G/G"),
        *three("rs107", 7000, "C", "T", "C/C", "C/T", "T/T"),
        row("rs108", "1", 8000, "A", "G", "A|G", 0.5, "protective", "rs108 A|G"),
        row("rs108", "1", 8000, "A", "G", "G|A", -0.5, "risk", "rs108 G|A"),
        row("rs108", "1", 8000, "A", "G", "A/G", 0.1, "neutral", "rs108 A/G"),
        row("rs109", "1", 9000, "C", "G", "C|G", 0.5, "protective", "rs109 C|G"),
        row("rs109", "1", 9000, "C", "G", "G|C", -0.5, "risk", "rs109 G|C"),
        row("rs110", "1", 10000, "C", "T,G", "C/T", -0.1, "risk", "rs110 C/T"),
        row("rs110", "1", 10000, "C", "T,G", "G/T", -0.9, "risk", "rs110 G/T"),
        row("rs110", "1", 10000, "C", "T,G", "C/G", -0.2, "risk", "rs110 C/G"),
        row("rs111", "1", 11000, "A", "C", "C/T", -1.0, "risk", "rs111 C/T"),
        row("rs112", None, None, None, None, "A/G", -0.3, "risk", "rs112 A/G"),
        *[row("rs201", "3", 500, "G", "A", g, w, "risk", f"rs201 {g}")
          for g, w in (("G/G", 0.0), ("A/G", -0.5), ("A/A", -1.0))],
    ]


def drug_rows() -> list[dict]:
    def drug(rsid, start, ref, alt, genotype, name, level="1A"):
        return {"rsid": rsid, "chrom": "chr1", "start": start, "ref": ref, "alts": alt,
                "genotype": genotype, "drug": name, "gene": "CYP", "evidence_level": level,
                "conclusion": f"{name} {genotype}"}

    return [drug("rs101", 1000, "A", "G", "A/G", "clopidogrel"),
            drug("rs101", 1000, "A", "G", "A/G", "citalopram", "2A"),
            drug("rs101", 1000, "A", "G", "G/G", "clopidogrel"),
            drug("rs103", 3000, "G", "A", "A/A", "warfarin"),
            drug("rs106", 6000, "A", "G", "A/G", "sildenafil", "3")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The reference, the person's two files annotated by the real engine, and the modules."""
    root = tmp_path_factory.mktemp("findings")
    reference = root / "cache" / "ensembl_variations"
    write_reference(reference, "1", REFERENCE_CHR1)   # no chromosome 3: a partial cache

    vcf = write_vcf(root / "person.vcf", VCF_RECORDS, header=GRCH38_HEADER)
    chip = root / "person_23andme.txt"
    chip.write_text("# This data file generated by 23andMe\n# rsid\tchromosome\tposition\t"
                    "genotype\n" + "".join(line.replace(" ", "\t") + "\n" for line in CHIP_LINES))
    outputs = {}
    for name, path in (("vcf", vcf), ("chip", chip)):
        output = root / "out" / name / "user_annotated_vcf.parquet"
        meta = annotate_vcf(path, reference, output)
        assert meta["match_by"] == {"vcf": "position", "chip": "rsid"}[name]
        outputs[name] = output

    authored = root / "authored"
    store = ModuleStore(root / "cache")
    store.add_folder(write_module(authored / "traits", traits_rows(), version="1.2.0",
                                  license="CC0-1.0", pmids={"rs101": ["123", "45"],
                                                            "rs103": ["PMID:7"]}))
    store.add_folder(write_pharm_module(authored / "drugs", drug_rows(), version="0.4.0",
                                        license="CC-BY-4.0"))
    store.add_folder(write_hub_module(authored / "oldhub", [
        row("rs103", "1", 3000, "G", "A", g, w, "risk", f"old {g}", gene="OLD3",
            phenotype="Old phenotype", category="old")
        for g, w in (("G/G", 0.0), ("A/G", -0.1), ("A/A", -0.2))]), allow_unverified=True)
    store.add_folder(EXAMPLE)   # the compiled module: no site of this person
    # installed, but changed since: refused before use
    tampered = store.add_folder(write_module(authored / "tampered",
                                             [row("rs101", "1", 1000, "A", "G", "A/G", 1, "risk")]))
    path = tampered.folder / "weights.parquet"
    flip_byte(path, path.stat().st_size - 20)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000_000))
    # installed unverified, then no longer allowed
    store.add_folder(write_hub_module(authored / "notallowed",
                                      [row("rs101", "1", 1000, "A", "G", "A/G", 1, "risk")]),
                     allow_unverified=True)
    store.allow_unverified("notallowed", False)
    use, refused = store.usable()
    assert [m.name for m in use] == ["drugs", "example_pgx_traits", "oldhub", "traits"]
    return {"reference": reference, "outputs": outputs, "store": store, "use": use,
            "refused": refused}


@pytest.fixture(scope="module")
def found(world):
    return {name: F.find(output, world["use"], world["refused"])
            for name, output in world["outputs"].items()}


def rows_of(findings: F.Findings, module: str) -> list[tuple]:
    frame = findings.frame.filter(pl.col("module") == module)
    return sorted(frame.select("rsid", "genotype", "conclusion").rows())


def counts(findings: F.Findings, module: str) -> dict:
    [m] = [m for m in findings.modules if m.module.name == module]
    return {k: v for k, v in m.to_dict().items()
            if k in ("sites", "findings", "other_genotype", "not_in_file", "filtered",
                     "mismatched", "not_looked_up")}


def test_the_vcf_by_position(found):
    result = found["vcf"]
    assert result.match_by == "position" and result.input_format == "vcf"
    assert rows_of(result, "traits") == [
        ("rs101", "A/G", "rs101 A/G"),
        ("rs103", "A/A", "rs103 A/A"),
        ("rs106", "A/G", "rs106 A/G"),
        ("rs107", "C/T", "rs107 C/T"),
        ("rs108", "A/G", "rs108 A/G"),      # unphased rows match a phased call either way
        ("rs108", "G|A", "rs108 G|A"),      # the phased row in the call's order, not A|G
        ("rs110", "G/T", "rs110 G/T"),      # both ALTs of a multi-allelic record
        ("rs112", "A/G", "rs112 A/G"),      # no coordinates: by the VCF's own ID
        ("rs201", "A/G", "rs201 A/G"),      # by position: the missing reference file is no matter
    ]
    assert counts(result, "traits") == {
        "sites": 13, "findings": 9, "other_genotype": 1,      # rs109: phased rows, unphased call
        "not_in_file": 3,                                      # rs102 hom-ref, rs105 ./., rs111
        "filtered": 1, "mismatched": 0, "not_looked_up": 0}   # rs104 q10


def test_the_genotyping_file_by_rsid(found):
    result = found["chip"]
    assert result.match_by == "rsid" and result.input_format == "23andme"
    assert rows_of(result, "traits") == [
        ("rs101", "A/G", "rs101 A/G"),
        ("rs102", "C/C", "rs102 C/C"),      # a hom-ref call is an observation on a chip
        ("rs103", "A/A", "rs103 A/A"),
        ("rs104", "C/T", "rs104 C/T"),      # a chip has no FILTER
        ("rs106", "A/G", "rs106 A/G"),      # TC on the other strand, restated
        ("rs108", "A/G", "rs108 A/G"),      # a chip call is never phased
        ("rs110", "G/T", "rs110 G/T"),
        ("rs112", "A/G", "rs112 A/G"),
    ]
    assert counts(result, "traits") == {
        "sites": 13, "findings": 8, "other_genotype": 1,      # rs109
        "not_in_file": 2,                                      # rs105 --, rs111 not on the chip
        "filtered": 0, "mismatched": 1,                        # rs107 AC
        "not_looked_up": 1}                                    # rs201: no chromosome 3 file


def test_the_same_findings_at_variant_sites(found):
    variant_sites = {"rs101", "rs103", "rs106", "rs110", "rs112"}

    def at_sites(findings):
        return sorted(r for r in findings.frame.select(
            "module", "rsid", "chrom", "start", "genotype", "weight", "state", "conclusion",
            "gene", "pmids", "drug").rows() if r[1] in variant_sites)

    assert at_sites(found["vcf"]) == at_sites(found["chip"])
    assert len(at_sites(found["vcf"])) == 5 + 4 + 1   # traits, drugs, oldhub


def test_hom_ref_is_a_finding_on_the_chip_and_not_in_the_vcf(found):
    assert not found["vcf"].frame.filter(pl.col("rsid") == "rs102").height
    [chip] = found["chip"].frame.filter(pl.col("rsid") == "rs102").to_dicts()
    assert (chip["genotype"], chip["weight"], chip["zygosity"], chip["matched_by"]) == (
        "C/C", 0.2, "hom_ref", "rsid")


@pytest.mark.parametrize("name", ["vcf", "chip"])
def test_counts_add_up_for_every_module(found, name):
    result = found[name]
    for module in result.modules:
        mine = result.frame.filter(pl.col("module") == module.module.name)
        finding_sites = mine.select(pl.coalesce("rsid", pl.format("{}:{}", "chrom", "start"))
                                    ).n_unique() if mine.height else 0
        assert module.findings == mine.height
        assert module.sites == (finding_sites + module.other_genotype + module.not_in_file +
                                module.filtered + module.mismatched + module.not_looked_up), \
            module.to_dict()


def test_a_drug_table_says_several_things_about_one_genotype(found):
    for result in found.values():
        drugs = result.frame.filter(pl.col("module") == "drugs")
        assert sorted(drugs.select("rsid", "chrom", "start", "genotype", "drug",
                                   "evidence_level").rows()) == [
            ("rs101", "1", 1000, "A/G", "citalopram", "2A"),     # chr1 read as 1
            ("rs101", "1", 1000, "A/G", "clopidogrel", "1A"),
            ("rs103", "1", 3000, "A/A", "warfarin", "1A"),
            ("rs106", "1", 6000, "A/G", "sildenafil", "3"),
        ]
        assert counts(result, "drugs")["sites"] == 3
        assert counts(result, "drugs")["findings"] == 4


def test_a_finding_carries_the_modules_notes(found):
    for result in found.values():
        [r] = result.frame.filter(pl.col("module") == "traits", pl.col("rsid") == "rs101"
                                  ).to_dicts()
        assert (r["weight"], r["state"], r["priority"], r["gene"], r["phenotype"], r["category"],
                r["pmids"], r["chrom"], r["start"]) == (
            -0.5, "risk", "low", "G101", "P101", "traits", ["45", "123"], "1", 1000)
        [r] = result.frame.filter(pl.col("module") == "traits", pl.col("rsid") == "rs103"
                                  ).to_dicts()
        assert (r["priority"], r["pmids"]) == ("high", ["7"])
        # an old Hub module: annotations keyed by rsID only, repeated
        [r] = result.frame.filter(pl.col("module") == "oldhub").to_dicts()
        assert (r["rsid"], r["genotype"], r["gene"], r["phenotype"], r["category"],
                r["weight"]) == ("rs103", "A/A", "OLD3", "Old phenotype", "old", -0.2)


def test_the_compiled_module_with_no_site_of_this_person(found):
    for name, result in found.items():
        c = counts(result, "example_pgx_traits")
        assert c["sites"] == 4 and c["findings"] == 0
        assert c["not_in_file"] + c["not_looked_up"] == 4


def test_refused_modules_are_listed_and_never_joined(found, world):
    for result in found.values():
        assert {m.module.name for m in result.modules} == {"drugs", "example_pgx_traits",
                                                          "oldhub", "traits"}
        assert set(result.frame["module"].unique()) <= {"drugs", "oldhub", "traits"}
        refused = {r["name"]: r["why"] for r in result.refused}
        assert sorted(refused) == ["notallowed", "tampered"]
        assert refused["tampered"].startswith("module tampered/weights.parquet: changed since")
        assert refused["notallowed"].startswith("unverified")


def test_write_and_read_the_findings(found, world, tmp_path):
    result = found["vcf"]
    path = F.findings_path(world["outputs"]["vcf"])
    assert path == world["outputs"]["vcf"].with_name("findings.parquet")
    target = tmp_path / "findings.parquet"
    F.write_findings(result, target, run={"sample": "person"})
    frame, metadata = F.read_findings(target)
    assert frame.equals(result.frame)
    assert frame.schema == pl.Schema(F.FINDING_COLUMNS)
    assert metadata["sample"] == "person"
    assert (metadata["match_by"], metadata["input_format"], metadata["findings"]) == (
        "position", "vcf", result.frame.height)
    by_name = {m["name"]: m for m in metadata["modules"]}
    traits = world["store"].get("traits")
    assert {k: by_name["traits"][k] for k in ("name", "version", "digest", "license", "verified",
                                              "sites", "findings", "filtered", "not_in_file")} == {
        "name": "traits", "version": "1.2.0", "digest": traits.digest, "license": "CC0-1.0",
        "verified": True, "sites": 13, "findings": 9, "filtered": 1, "not_in_file": 3}
    assert (by_name["drugs"]["version"], by_name["drugs"]["license"]) == ("0.4.0", "CC-BY-4.0")
    assert by_name["oldhub"]["verified"] is False and by_name["oldhub"]["digest"].startswith(
        "sha256:")
    assert by_name["example_pgx_traits"]["digest"] == \
        "sha256:69d309df2b6bf13d8573c79f0b8b1e62b24891f8abc1bdd26b353e89e8793efe"
    assert sorted(r["name"] for r in metadata["modules_refused"]) == ["notallowed", "tampered"]
    assert F.modules_key([m.module for m in result.modules]) == sorted(
        [m.module.name, m.module.digest] for m in result.modules)
    assert result.summary()["modules_refused"] == metadata["modules_refused"]
    assert not [p for p in tmp_path.iterdir() if p.name != "findings.parquet"]


def test_reading_what_is_no_findings_file(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        F.read_findings(tmp_path / "findings.parquet")
    (tmp_path / "bad.parquet").write_bytes(b"garbage")
    with pytest.raises(UserError) as caught:
        F.read_findings(tmp_path / "bad.parquet")
    assert str(caught.value).startswith(f"{tmp_path / 'bad.parquet'}: not a readable findings file")


def test_no_modules_no_findings(world):
    result = F.find(world["outputs"]["vcf"], [])
    assert result.frame.height == 0 and result.modules == []
    assert result.frame.schema == pl.Schema(F.FINDING_COLUMNS)


# --- one rule at a time, on tiny files ------------------------------------------------------------

def one_site_output(tmp_path, record: str, reference_rows, header=GRCH38_HEADER) -> Path:
    reference = tmp_path / "ref"
    write_reference(reference, "1", reference_rows)
    vcf = write_vcf(tmp_path / "one.vcf", [record], header=header)
    output = tmp_path / "out" / "user_annotated_vcf.parquet"
    annotate_vcf(vcf, reference, output)
    return output


def installed(tmp_path, rows, name="m"):
    store = ModuleStore(tmp_path / "cache")
    return store.add_folder(write_module(tmp_path / "authored" / name, rows))


@pytest.mark.parametrize("gt, expected", [
    ("0|1", ["A/G", "A|G"]),
    ("1|0", ["A/G", "G|A"]),
    ("0/1", ["A/G"]),
    ("1/0", ["A/G"]),
    ("1|1", ["G/G", "G|G"]),
    ("0/0", ["A/A"]),       # a hom-ref call the file does list is an observation
    ("0|0", ["A/A"]),
    ("./.", []),
    ("./1", []),            # half a call is no call
])
def test_phased_rows_match_only_a_phased_call_in_order(tmp_path, gt, expected):
    output = one_site_output(tmp_path, f"1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t{gt}",
                             [(100, "rs1", "A", "G")])
    module = installed(tmp_path, [row("rs1", "1", 100, "A", "G", g, 0.1, "risk")
                                  for g in ("A|G", "G|A", "A/G", "G/G", "G|G", "A/A")])
    result = F.find(output, [module])
    assert sorted(result.frame["genotype"]) == expected
    [m] = result.modules
    assert (m.sites, m.not_in_file, m.other_genotype) == (1, 0 if expected else 1, 0)


@pytest.mark.parametrize("gt, alts, expected", [
    ("1/2", "T,G", "G/T"), ("0/2", "T,G", "C/G"), ("2/2", "T,G", "G/G"), ("2|1", "T,G", "G/T"),
])
def test_multi_allelic_records(tmp_path, gt, alts, expected):
    output = one_site_output(tmp_path, f"1\t100\trs1\tC\t{alts}\t.\tPASS\t.\tGT\t{gt}",
                             [(100, "rs1", "C", "T|G")])
    module = installed(tmp_path, [row("rs1", "1", 100, "C", "T,G", g, 0.1, "risk")
                                  for g in ("C/T", "C/G", "G/T", "G/G", "T/T")])
    result = F.find(output, [module])
    assert result.frame["genotype"].to_list() == [expected]
    assert result.modules[0].findings == 1 and result.modules[0].sites == 1


def test_a_module_ref_other_than_the_files_is_another_variant(tmp_path):
    output = one_site_output(tmp_path, "1\t100\trs1\tAT\tA\t.\tPASS\t.\tGT\t0/1",
                             [(100, "rs1", "AT", "A")])
    # the module's SNV at the same position: the deletion is not its variant
    module = installed(tmp_path, [row("rs2", "1", 100, "A", "G", "A/G", 0.1, "risk"),
                                  row("rs2", "1", 100, "A", "G", "A/AT", 0.1, "risk")])
    result = F.find(output, [module])
    assert result.frame.height == 0
    assert (result.modules[0].sites, result.modules[0].not_in_file) == (1, 1)


def test_a_deletion_the_module_writes_left_anchored(tmp_path):
    output = one_site_output(tmp_path, "1\t100\trs1\tATCT\tA\t.\tPASS\t.\tGT\t0/1",
                             [(100, "rs1", "ATCT", "A")])
    module = installed(tmp_path, [row("rs1", "1", 100, "ATCT", "A", "A/ATCT", -1, "risk")])
    assert F.find(output, [module]).frame["genotype"].to_list() == ["A/ATCT"]


def test_haploid_calls_match_hemizygous_rows(tmp_path):
    header = GRCH38_HEADER + "##contig=<ID=X,length=156040895>\n"
    reference = tmp_path / "ref"
    write_reference(reference, "X", [(100, "rs1", "C", "T")])
    vcf = write_vcf(tmp_path / "x.vcf", ["X\t100\trs1\tC\tT\t.\tPASS\t.\tGT\t1"], header=header)
    output = tmp_path / "out" / "user_annotated_vcf.parquet"
    annotate_vcf(vcf, reference, output)
    store = ModuleStore(tmp_path / "cache")
    module = store.add_folder(write_module(tmp_path / "authored" / "m", [
        row("rs1", "X", 100, "C", "T", "T", -1, "risk"),
        row("rs1", "X", 100, "C", "T", "T/T", -1, "risk")]))
    assert F.find(output, [module]).frame["genotype"].to_list() == ["T"]


def test_the_same_rsid_on_another_chromosome_in_the_vcf_is_not_this_site(tmp_path):
    """A module row with coordinates is looked up at them, never by a matching ID elsewhere."""
    output = one_site_output(tmp_path, "1\t500\trs1\tA\tG\t.\tPASS\t.\tGT\t1/1",
                             [(500, "rs1", "A", "G")])
    module = installed(tmp_path, [row("rs1", "1", 100, "A", "G", "G/G", -1, "risk")])
    result = F.find(output, [module])
    assert result.frame.height == 0 and result.modules[0].not_in_file == 1


def test_a_lower_case_call_and_module(tmp_path):
    output = one_site_output(tmp_path, "1\t100\trs1\ta\tg\t.\tPASS\t.\tGT\t0/1",
                             [(100, "rs1", "A", "G")])
    module = installed(tmp_path, [row("RS1", "1", 100, "a", "g", "a/g", -1, "risk")])
    assert F.find(output, [module]).frame["genotype"].to_list() == ["A/G"]


def expanded_module(tmp_path, first: str):
    """One authored rsID the compiler placed at two loci (locus_count 2): its rows for each."""
    loci = {"A": ("1", 100, "A", "G"), "B": ("1", 900, "A", "G")}
    order = [first, "B" if first == "A" else "A"]
    rows = [row("rs5", *loci[k], g, -1 if k == "B" else -0.5, "risk", f"rs5 {g} at {k}")
            for k in order for g in ("A/G", "G/G")]
    folder = write_module(tmp_path / "authored" / "expanded", rows, manifest=False)
    weights = pl.read_parquet(folder / "weights.parquet").with_columns(
        pl.lit(2, pl.UInt32).alias("locus_count"))
    weights.write_parquet(folder / "weights.parquet")
    from module_factory import write_manifest

    write_manifest(folder, "expanded", ["weights.parquet", "annotations.parquet",
                                        "studies.parquet"])
    return ModuleStore(tmp_path / "cache").add_folder(folder)


@pytest.mark.parametrize("first", ["A", "B"])
@pytest.mark.parametrize("how", ["vcf", "chip"])
def test_a_variant_at_several_loci_is_found_at_the_locus_called(tmp_path, first, how):
    reference = tmp_path / "ref"
    write_reference(reference, "1", [(100, "rs5", "A", "G"), (900, "rs5", "A", "G")])
    if how == "vcf":
        path = write_vcf(tmp_path / "p.vcf", ["1\t100\trs5\tA\tG\t.\tPASS\t.\tGT\t0/1"],
                         header=GRCH38_HEADER)
    else:
        path = tmp_path / "p.txt"
        path.write_text("# This data file generated by 23andMe\n# rsid\tchromosome\tposition"
                        "\tgenotype\nrs5\t1\t50\tAG\n")
    output = tmp_path / "out" / "user_annotated_vcf.parquet"
    annotate_vcf(path, reference, output)
    result = F.find(output, [expanded_module(tmp_path, first)])
    assert result.frame.select("chrom", "start", "genotype", "conclusion", "weight").rows() == [
        ("1", 100, "A/G", "rs5 A/G at A", -0.5)]
    assert (result.modules[0].sites, result.modules[0].findings) == (1, 1)


def test_a_vcf_on_another_build_by_rsid_counts_its_filtered_calls(tmp_path):
    reference = tmp_path / "ref"
    write_reference(reference, "1", [(100, "rs1", "A", "G"), (200, "rs2", "C", "T"),
                                     (300, "rs3", "G", "A")])
    vcf = write_vcf(tmp_path / "old.vcf", [
        "1\t1100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/1",
        "1\t1200\trs2\tC\tT\t.\tLowQual\t.\tGT\t1/1",
        "1\t1300\trs3\tC\tT\t.\tPASS\t.\tGT\t1/1",     # another strand on this build
    ], header="##fileformat=VCFv4.1\n##contig=<ID=1,length=249250621>\n")
    output = tmp_path / "out" / "user_annotated_vcf.parquet"
    assert annotate_vcf(vcf, reference, output)["match_by"] == "rsid"
    store = ModuleStore(tmp_path / "cache")
    module = store.add_folder(write_module(tmp_path / "authored" / "m", [
        row("rs1", "1", 100, "A", "G", "A/G", -1, "risk"),
        row("rs2", "1", 200, "C", "T", "T/T", -1, "risk"),
        row("rs3", "1", 300, "G", "A", "A/A", -1, "risk")]))
    result = F.find(output, [module])
    assert result.match_by == "rsid"
    assert sorted(result.frame.select("rsid", "genotype").rows()) == [("rs1", "A/G"),
                                                                      ("rs3", "A/A")]
    assert (result.modules[0].sites, result.modules[0].filtered) == (3, 1)


def test_a_site_without_coordinates_is_found_by_the_references_rsid(tmp_path):
    """Most callers write "." as a record's ID: a module row named by rsID only is found through
    the rsID the reference has at that position."""
    output = one_site_output(tmp_path, "1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/1",
                             [(100, "rs1", "A", "G")])
    module = installed(tmp_path, [row("rs1", None, None, None, None, "A/G", -1, "risk")])
    result = F.find(output, [module])
    assert result.frame["genotype"].to_list() == ["A/G"]
    assert (result.modules[0].sites, result.modules[0].not_in_file) == (1, 0)


def test_a_drug_tables_own_pubmed_id_is_its_citation(tmp_path):
    from module_factory import write_pharm_module

    output = one_site_output(tmp_path, "1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/1",
                             [(100, "rs1", "A", "G")])
    store = ModuleStore(tmp_path / "cache")
    module = store.add_folder(write_pharm_module(tmp_path / "authored" / "drugs", [
        {"rsid": "rs1", "chrom": "1", "start": 100, "ref": "A", "alts": "G", "genotype": g,
         "drug": "warfarin", "conclusion": f"{g} says", "pmid": pmid}
        for g, pmid in (("A/G", "PMID:23698643"), ("G/G", "not a pmid"))]))
    result = F.find(output, [module])
    assert result.frame["pmids"].to_list() == [["23698643"]]
