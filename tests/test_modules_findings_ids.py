"""Findings looked up by the file's own IDs: the output is scanned with a cheap test (plain
`rs<digits>` IDs as they are, any other ID holding `rs` kept), then the exact one (the first rsID
in the ID, any case); every spelling that names a module's rsID is found, and no other."""

import polars as pl
import pytest

from just_dna_desktop.core.engine.annotate import write_parquet_atomic
from just_dna_desktop.core.modules.findings import find
from just_dna_desktop.core.modules.store import ModuleStore

# rsID-only module rows (no coordinates: looked up by ID in a VCF, by marker in a chip).
RSIDS = ["rs11", "rs12", "rs13", "rs14", "rs15", "rs16"]


@pytest.fixture
def modules(tmp_path):
    folder = tmp_path / "ids"
    folder.mkdir()
    pl.DataFrame({
        "rsid": RSIDS, "variant_key": RSIDS, "genotype": [["A", "G"]] * len(RSIDS),
        "phased": [False] * len(RSIDS), "weight": [-1.0] * len(RSIDS),
        "state": ["risk"] * len(RSIDS), "conclusion": [f"{r} A/G" for r in RSIDS],
    }).write_parquet(folder / "weights.parquet")
    store = ModuleStore(tmp_path / "cache")
    store.add_folder(folder, allow_unverified=True)
    use, _ = store.usable()
    return use


def output(tmp_path, match_by: str, columns: dict) -> object:
    n = len(next(iter(columns.values())))
    frame = pl.DataFrame({
        **columns, "chrom": ["1"] * n, "start": pl.Series(range(1000, 1000 + n), dtype=pl.UInt32),
        "ref": ["A"] * n, "gt": ["0/1"] * n, "filter": ["PASS"] * n,
        "genotype": [["A", "G"]] * n, "zygosity": ["het"] * n})
    path = tmp_path / "out" / "user_annotated_vcf.parquet"
    write_parquet_atomic(frame, path, metadata={"match_by": match_by})
    return path


def found(path, modules) -> list[str]:
    result = find(path, modules)
    return sorted(result.frame["rsid"].to_list())


def test_a_vcf_s_own_ids_in_every_spelling(tmp_path, modules):
    path = output(tmp_path, "position", {"id": [
        "rs5;rs11",    # the second of a list: not the record's rsID (the first is)
        "RS12",        # upper case
        "rs13",        # plain
        "rs140",       # another rsID that starts with a module's
        "x;rs15",      # the first rsID after something else
        ".", "i16", "COSV1"]})
    assert found(path, modules) == ["rs12", "rs13", "rs15"]


def test_a_chips_markers_in_every_spelling_and_the_references_rsid(tmp_path, modules):
    path = output(tmp_path, "rsid", {
        "marker_id": ["rs11;rs5", "Rs12", "rs130", "i7001", "rs14", None, "rs+15"],
        "rsid": [None, None, "rs13", "RS16", "rs99", "rs15", None],
        "allele_check": ["ok"] * 7})
    # rs130's marker is its own rsID (the reference's rs13 is not used then); an internal ID
    # falls back to the reference's rsID (rs16); rs+15 is no rsID.
    assert found(path, modules) == ["rs11", "rs12", "rs14", "rs15", "rs16"]
