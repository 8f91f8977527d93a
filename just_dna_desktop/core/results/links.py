"""Web pages about a variant: dbSNP, ClinVar and gnomAD; and the PubMed page of a study.

The only network use besides the reference download, and only when a person clicks a link: the
window's context menu and the saved report say so next to them. Only well-formed rsIDs (`rs` and
digits), plain allele strings and PubMed IDs (digits) make links, so nothing from a file or a
module can smuggle a URL in.
"""

from __future__ import annotations

import re

_RSID = re.compile(r"rs[1-9]\d*")
_ALLELE = re.compile(r"[ACGTN]+")
_CHROM = re.compile(r"\d{1,2}|X|Y|MT")
_PMID = re.compile(r"[1-9]\d{0,8}")

DBSNP = "https://www.ncbi.nlm.nih.gov/snp/{rsid}"
CLINVAR = "https://www.ncbi.nlm.nih.gov/clinvar/?term={rsid}"
# gnomAD v4 is GRCh38, like the reference: a variant is named chrom-pos-ref-alt.
GNOMAD_VARIANT = "https://gnomad.broadinstitute.org/variant/{variant}?dataset=gnomad_r4"
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def is_rsid(value: object) -> bool:
    return isinstance(value, str) and bool(_RSID.fullmatch(value))


def dbsnp_url(rsid: str) -> str | None:
    return DBSNP.format(rsid=rsid) if is_rsid(rsid) else None


def clinvar_url(rsid: str) -> str | None:
    return CLINVAR.format(rsid=rsid) if is_rsid(rsid) else None


def pubmed_url(pmid: object) -> str | None:
    """The PubMed page of a study named by its PubMed ID (digits only, as `12345678`)."""
    return PUBMED.format(pmid=pmid) if isinstance(pmid, str) and _PMID.fullmatch(pmid) else None


def gnomad_url(chrom: object, start: object, ref: object, alt: object) -> str | None:
    """The gnomAD page of one GRCh38 allele, or None when the allele cannot be named there."""
    if not (isinstance(chrom, str) and _CHROM.fullmatch(chrom)):
        return None
    if not isinstance(start, int) or isinstance(start, bool) or start < 1:
        return None
    if not (isinstance(ref, str) and isinstance(alt, str)
            and _ALLELE.fullmatch(ref) and _ALLELE.fullmatch(alt)):
        return None
    return GNOMAD_VARIANT.format(variant=f"{'M' if chrom == 'MT' else chrom}-{start}-{ref}-{alt}")


def variant_links(rsid: object, chrom: object = None, start: object = None, ref: object = None,
                  alt: object = None) -> dict[str, str]:
    """{"dbSNP": url, "ClinVar": url, "gnomAD": url} for what can be named; empty if nothing."""
    links: dict[str, str] = {}
    if is_rsid(rsid):
        links["dbSNP"] = DBSNP.format(rsid=rsid)
        links["ClinVar"] = CLINVAR.format(rsid=rsid)
    gnomad = gnomad_url(chrom, start, ref, alt)
    if gnomad:
        links["gnomAD"] = gnomad
    return links
