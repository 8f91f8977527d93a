"""The prepared copy of the reference (core/reference/prepared.py) gives exactly the published files' answers."""

from __future__ import annotations

import hashlib
import os

import polars as pl
import pytest

from just_dna_desktop.core.reference import prepared
from just_dna_desktop.core.engine.annotate import annotate_vcf

from reference_factory import write_reference, write_vcf

ROWS = [
    (100, "rs100", "A", "G"),
    (200, "rs200", "C", "T|G"),            # multi-allelic
    (300, "rs10", "G", "A"),               # duplicate keys: the lowest rs number wins
    (300, "rs9", "G", "A"),
    (300, "rs8", "G", "C|A"),
    (400, "rs400", "T", "TA"),
    (500, "COSV123", "C", "A"),            # ids that are not `rs<number>` survive exactly
    (600, "rs0600", "G", "T"),
    (700, "rs4294967296", "A", "C"),       # bigger than UInt32
    (800, "rs", "T", "C"),
    (900, "rs5000000000", "G", "A"),
    (900, "COSV1", "G", "A"),
]
RECORDS = [f"chr21\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t0/1" for pos, ref, alt in [
    (100, "A", "G"), (200, "C", "T,G,A"), (300, "G", "A"), (300, "G", "C"), (400, "T", "TA"),
    (500, "C", "A"), (600, "G", "T"), (700, "A", "C"), (800, "T", "C"), (900, "G", "A"),
    (901, "C", "G")]]


@pytest.fixture
def reference(tmp_path):
    ref = tmp_path / "cache" / "ensembl_variations"
    write_reference(ref, "21", ROWS)
    return ref


def annotate(tmp_path, reference, name):
    vcf = write_vcf(tmp_path / "in.vcf", RECORDS)
    out = tmp_path / f"{name}.parquet"
    annotate_vcf(vcf, reference, out)
    return pl.read_parquet(out)


def source_of(reference):
    return reference / "data" / "homo_sapiens-chr21.parquet"


def test_small_files_are_read_directly(tmp_path, reference):
    annotate(tmp_path, reference, "direct")
    assert not prepared.prepared_dir(reference).exists()


def test_prepared_copy_gives_identical_output(tmp_path, reference, monkeypatch):
    direct = annotate(tmp_path, reference, "direct")
    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)
    source = source_of(reference)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    fast = annotate(tmp_path, reference, "fast")
    copy = prepared.prepared_path(reference, source)
    assert copy.is_file() and prepared.is_fresh(source, copy)
    assert copy.parent == prepared.prepared_dir(reference) / "data"
    assert "rs" in pl.read_parquet_schema(copy)  # really the re-encoded file
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # download stays verifiable
    assert fast.equals(direct)
    got = dict(zip(zip(fast["start"], fast["alt"]), fast["rsid"]))
    assert got[(300, "A")] == "rs8" and got[(500, "A")] == "COSV123"
    assert got[(600, "T")] == "rs0600" and got[(700, "C")] == "rs4294967296"
    assert got[(800, "C")] == "rs" and got[(900, "A")] == "rs5000000000"
    assert got[(200, "A")] is None and got[(901, "G")] is None


def test_changed_source_is_prepared_again(tmp_path, reference, monkeypatch):
    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)
    annotate(tmp_path, reference, "first")
    write_reference(reference, "21", [(100, "rs1", "A", "G")])
    os.utime(source_of(reference), ns=(1, 1))
    df = annotate(tmp_path, reference, "second")
    assert df.filter(pl.col("start") == 100)["rsid"].to_list() == ["rs1"]
    assert prepared.is_fresh(source_of(reference), prepared.prepared_path(reference,
                                                                          source_of(reference)))


def test_unwritable_cache_falls_back_to_the_published_file(tmp_path, reference, monkeypatch):
    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)
    (reference.parent / "ensembl_variations-prepared").write_text("not a folder")
    direct = annotate(tmp_path, reference, "direct")
    assert direct.filter(pl.col("start") == 300)["rsid"].to_list() == ["rs8", "rs8"]


def test_annotation_prepares_once_and_resolves_sources_once_per_chromosome(tmp_path, monkeypatch):
    from just_dna_desktop.core.engine import annotate

    ref = tmp_path / "cache" / "ensembl_variations"
    write_reference(ref, "21", [(100, "rs100", "A", "G"), (200, "rs200", "C", "T")])
    vcf = write_vcf(tmp_path / "in.vcf", ["21\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1",
                                          "21\t200\t.\tC\tT\t.\t.\t.\tGT\t0/1"])
    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)
    monkeypatch.setattr(annotate, "BATCH_ROWS", 1)  # two slices of chromosome 21
    lookups = []
    real = prepared.usable_copy
    monkeypatch.setattr(prepared, "usable_copy", lambda *a, **k: (lookups.append(a), real(*a, **k))[1])

    slices = []
    real_part = annotate.annotate_part
    monkeypatch.setattr(annotate, "annotate_part",
                        lambda part, *a: (slices.append(part.height), real_part(part, *a))[1])
    messages = []
    meta = annotate_vcf(vcf, ref, tmp_path / "o1.parquet", progress=lambda f, m: messages.append(m))
    assert slices == [1, 1]
    assert meta["alleles_matched"] == 2
    assert messages.count("Preparing chromosome 21 (one-time)") == 1
    assert len(lookups) == 1  # not once per slice

    messages.clear()
    annotate_vcf(vcf, ref, tmp_path / "o2.parquet", progress=lambda f, m: messages.append(m))
    assert "Preparing chromosome 21 (one-time)" not in messages
    assert pl.read_parquet(tmp_path / "o1.parquet").equals(pl.read_parquet(tmp_path / "o2.parquet"))
