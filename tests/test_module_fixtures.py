"""The test modules (authored in tests/data/modules/src, compiled into the demo's resources) are what they claim to be: intact, on GRCh38's forward
strand, and worded for a person. Only the data is checked here; loading them is core/modules' job."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR, DEMO_REFERENCE_DIR, DEMO_VCF

MODULES = Path(__file__).resolve().parent / "data" / "modules"
COMPILED = sorted(p for p in DEMO_MODULES_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))
DEMO_SLICE = DEMO_REFERENCE_DIR / "data" / "homo_sapiens-chr21.parquet"
LEAD_TABLES = ("weights.parquet", "pharm_variants.parquet")  # the two lead tables these modules use


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _lead_table(module: Path) -> pl.DataFrame:
    """The module's variant rows with alts as a list (pharm_variants stores them comma-joined)."""
    for name in LEAD_TABLES:
        if (module / name).exists():
            table = pl.read_parquet(module / name)
            if table.schema["alts"] == pl.String:
                table = table.with_columns(pl.col("alts").str.split(","))
            return table
    raise AssertionError(f"{module.name}: no lead table ({', '.join(LEAD_TABLES)})")


def _genotype_alleles(genotype) -> list[str]:
    """weights hold a list of alleles, pharm_variants the authored string ('A/G', 'A|G')."""
    return list(genotype) if not isinstance(genotype, str) else re.split(r"[/|]", genotype)


def test_all_three_modules_are_compiled_from_their_specs():
    assert [p.name for p in COMPILED] == ["clinvar_app_demo", "pgx_cpic", "traits_demo"]
    for module in COMPILED:
        spec = MODULES / "src" / module.name
        assert (spec / "module_spec.yaml").is_file()
        assert (module / "NOTICE").read_bytes() == (spec / "NOTICE").read_bytes()


@pytest.mark.parametrize("module", COMPILED, ids=lambda p: p.name)
def test_files_match_the_manifest_and_its_digest(module):
    """Each file's sha256 and size as listed, and the artifact digest recomputed the way
    just-dna-format 0.7 defines it: sha256 over the compact, key-sorted JSON list of
    {name, sha256, size}, sorted by name."""
    manifest = json.loads((module / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["genome_build"] == "GRCh38"
    assert manifest["license"] == "CC0-1.0"
    assert manifest["curator"] == "just-dna-desktop tests"
    assert manifest["compilation"]["compiler_version"] == "just-dna-compiler 0.7.2"
    entries = []
    for declared in manifest["artifact"]["files"]:
        data = (module / declared["name"]).read_bytes()
        entries.append({"name": declared["name"], "sha256": _sha256(data), "size": len(data)})
    assert entries == manifest["artifact"]["files"]
    listing = json.dumps(sorted(entries, key=lambda e: e["name"]), sort_keys=True, separators=(",", ":"))
    assert _sha256(listing.encode("utf-8")) == manifest["artifact"]["digest"]
    # No parquet lies beside the manifest that the digest does not cover.
    assert {p.name for p in module.glob("*.parquet")} == {e["name"] for e in entries}


@pytest.mark.parametrize("module", COMPILED, ids=lambda p: p.name)
def test_every_genotype_is_spelled_from_its_sites_ref_and_alts(module):
    table = _lead_table(module)
    assert table.height > 0
    for row in table.iter_rows(named=True):
        alleles = set(_genotype_alleles(row["genotype"]))
        assert alleles <= {row["ref"], *row["alts"]}, (module.name, row["rsid"], row["genotype"])
    # One place per rsID: every row of a site carries the same coordinates.
    places = table.group_by("rsid").agg(pl.struct("chrom", "start", "ref").n_unique().alias("places"))
    assert places["places"].to_list() == [1] * places.height


@pytest.mark.parametrize("module", COMPILED, ids=lambda p: p.name)
def test_sites_in_the_demo_slice_agree_with_its_ref_alts_and_rsid(module):
    """The bundled Ensembl 84 slice (GRCh38, chr21:25-26 Mb) is an independent record of these sites:
    a module site inside it must be there with the same rsID, the same REF, and its ALT among the
    slice's ALTs."""
    slice_ = pl.read_parquet(DEMO_SLICE, columns=["chrom", "start", "id", "ref", "alts"])
    lo, hi = slice_["start"].min(), slice_["start"].max()
    sites = (_lead_table(module).select("rsid", "chrom", "start", "ref", "alts").unique("rsid")
             .filter((pl.col("chrom") == "21") & pl.col("start").is_between(lo, hi)))
    if module.name == "clinvar_app_demo":
        assert sites.height == 7  # the whole panel lies in the demo region
    for site in sites.iter_rows(named=True):
        there = slice_.filter((pl.col("chrom") == site["chrom"]) & (pl.col("start") == site["start"])
                              & (pl.col("id") == site["rsid"]))
        assert there.height == 1, f"{site['rsid']} is not at 21:{site['start']} in the demo slice"
        assert there["ref"][0] == site["ref"], site["rsid"]
        assert set(site["alts"]) <= set(there["alts"][0]), site["rsid"]


def test_the_clinvar_panel_covers_carried_hom_ref_and_absent_demo_sites():
    calls = {}
    for line in DEMO_VCF.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            fields = line.split("\t")
            calls[fields[2]] = fields[9]
    sites = set(_lead_table(DEMO_MODULES_DIR / "clinvar_app_demo")["rsid"])
    carried = {s for s in sites if s in calls and calls[s] != "0|0"}
    hom_ref = {s for s in sites if calls.get(s) == "0|0"}
    absent = sites - set(calls)
    assert carried == {"rs1135618", "rs3989369"}
    assert hom_ref == {"rs63750066", "rs148180403", "rs199887707"}
    assert absent == {"rs63750264", "rs63750847"}


@pytest.mark.parametrize("module", COMPILED, ids=lambda p: p.name)
def test_conclusions_never_tell_a_person_to_avoid_or_stop_anything(module):
    for name in ("weights.parquet", "annotations.parquet", "pharm_variants.parquet"):
        if (module / name).exists():
            for text in pl.read_parquet(module / name)["conclusion"]:
                assert not re.search(r"\b(avoid|stop)", text, re.IGNORECASE), (module.name, text)


def test_drug_rows_with_a_variant_send_the_person_to_a_doctor_or_pharmacist():
    rows = pl.read_parquet(DEMO_MODULES_DIR / "pgx_cpic" / "pharm_variants.parquet")
    with_variant = rows.filter(pl.col("genotype") != pl.col("ref") + "/" + pl.col("ref"))
    assert with_variant.height == 16
    for row in with_variant.iter_rows(named=True):
        assert (f"Talk to your doctor or pharmacist before starting or changing {row['drug']}."
                in row["conclusion"]), (row["rsid"], row["drug"], row["genotype"])
