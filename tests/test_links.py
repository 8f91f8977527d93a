"""Links to a variant's web pages are made only from well-formed rsIDs and alleles."""

import pytest

from just_dna_desktop.core.results.links import clinvar_url, dbsnp_url, gnomad_url, variant_links


def test_rsid_links():
    assert dbsnp_url("rs1135638") == "https://www.ncbi.nlm.nih.gov/snp/rs1135638"
    assert clinvar_url("rs1135638") == "https://www.ncbi.nlm.nih.gov/clinvar/?term=rs1135638"


@pytest.mark.parametrize("bad", ["", "rs", "rs0", "RS12", "rs12a", "i7001234", "rs1/../x",
                                 "rs1?x=javascript:", None, 12, "rs1\n", "rs1 "])
def test_no_link_from_anything_else(bad):
    assert dbsnp_url(bad) is None and clinvar_url(bad) is None
    assert "dbSNP" not in variant_links(bad)


def test_gnomad_names_grch38_alleles():
    assert gnomad_url("21", 25000123, "A", "G") == \
        "https://gnomad.broadinstitute.org/variant/21-25000123-A-G?dataset=gnomad_r4"
    assert gnomad_url("MT", 73, "A", "G").endswith("/variant/M-73-A-G?dataset=gnomad_r4")
    assert gnomad_url("X", 9, "T", "TA") is not None
    assert gnomad_url("21\n", 9, "T", "TA") is None and gnomad_url("21", 9, "T", "TA\n") is None


@pytest.mark.parametrize("chrom,start,ref,alt", [
    ("GL000220.1", 5, "A", "G"), ("21", 0, "A", "G"), ("21", None, "A", "G"),
    ("21", 5, "A", "<DEL>"), ("21", 5, "A", "*"), ("21", 5, None, "G"), ("21", True, "A", "G"),
])
def test_gnomad_refuses_what_it_cannot_name(chrom, start, ref, alt):
    assert gnomad_url(chrom, start, ref, alt) is None


def test_variant_links_collects_what_can_be_named():
    assert set(variant_links("rs7", "1", 10, "A", "G")) == {"dbSNP", "ClinVar", "gnomAD"}
    assert set(variant_links(None, "1", 10, "A", "G")) == {"gnomAD"}
    assert variant_links(None) == {}


def test_pubmed_links_only_from_pubmed_ids():
    from just_dna_desktop.core.results.links import pubmed_url

    assert pubmed_url("23698643") == "https://pubmed.ncbi.nlm.nih.gov/23698643/"
    for bad in ("", "0", "PMID:1", "1/../x", "12345678901", 123, None, "1 ", "javascript:1"):
        assert pubmed_url(bad) is None, bad
