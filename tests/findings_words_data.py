"""A sample with real findings for the tests of how findings are said: small modules written with
polars in the just-dna format (weights-led with annotations and studies, and a drug table led by
pharm_variants), a reference and a VCF at their sites, annotated by the real engine, installed in a
real ModuleStore and joined by core.modules.findings.find, then written beside the output.

The loci are real GRCh38 sites (CYP2C19*2, VKORC1 -1639, CYP2C9*3, MCM6 -13910, MTHFR 677, APOE
rs429358, F5 Leiden); the wording is written for these tests and says nothing medical.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.modules.findings import find, findings_path, write_findings
from just_dna_desktop.core.modules.store import ModuleStore

from reference_factory import write_reference, write_vcf

# (chrom, start, rsid, ref, alt)
SITES = {
    "rs4244285": ("10", 94781859, "G", "A"),
    "rs1057910": ("10", 94981296, "A", "C"),
    "rs9923231": ("16", 31096368, "C", "T"),
    "rs4988235": ("2", 135851076, "G", "A"),
    "rs1801133": ("1", 11796321, "G", "A"),
    "rs429358": ("19", 44908684, "T", "C"),
    "rs6025": ("1", 169549811, "C", "T"),
}
# The person's calls (VCF GT), FILTER: rs1801133 fails the file's filter; rs6025 is absent.
CALLS = {
    "rs4244285": ("0/1", "PASS"),
    "rs1057910": ("0/1", "PASS"),
    "rs9923231": ("1/1", "PASS"),
    "rs4988235": ("0/1", "PASS"),
    "rs1801133": ("0/1", "LowQual"),
    "rs429358": ("1/1", "."),
}


def trait(rsid: str, genotype: str, weight: float, state: str, conclusion: str, **extra: Any
          ) -> dict[str, Any]:
    chrom, start, ref, alt = SITES[rsid]
    return {"rsid": rsid, "chrom": chrom, "start": start, "ref": ref, "alts": [alt],
            "genotype": genotype, "weight": weight, "state": state, "conclusion": conclusion,
            **extra}


def write_weights_module(folder: Path, name: str, rows: list[dict[str, Any]], *,
                         title: str, pmids: dict[str, list[str]] | None = None,
                         manifest: bool = True, version: str = "1.0.0",
                         curator: str = "findings-words tests", license: str = "CC0-1.0") -> Path:
    """A 0.7-layout module: weights (genotype a list), annotations keyed by variant and genotype,
    studies, and a manifest whose digest is the format's."""
    folder = Path(folder) / name
    folder.mkdir(parents=True)
    weights = pl.DataFrame([{
        "rsid": r["rsid"], "variant_key": r["rsid"], "genotype": r["genotype"].split("/"),
        "phased": False, "module": name, "weight": r["weight"], "state": r["state"],
        "priority": r.get("priority"), "conclusion": r["conclusion"], "chrom": r["chrom"],
        "start": r["start"], "end": r["start"], "ref": r["ref"], "alts": r["alts"],
        "direction": r.get("direction"), "stat_significance": r.get("stat_significance"),
        "clin_sig": r.get("clin_sig"), "requires_callable": False,
    } for r in rows], schema_overrides={"start": pl.UInt32, "end": pl.UInt32,
                                        "priority": pl.Utf8, "direction": pl.Utf8,
                                        "stat_significance": pl.Utf8, "clin_sig": pl.Utf8})
    weights.write_parquet(folder / "weights.parquet")
    pl.DataFrame([{
        "rsid": r["rsid"], "variant_key": r["rsid"], "genotype": r["genotype"],
        "conclusion": r["conclusion"], "negatives": None, "module": name,
        "gene": r.get("gene", ""), "phenotype": r.get("phenotype", ""),
        "category": r.get("category", ""),
    } for r in rows], schema_overrides={"negatives": pl.Utf8}).write_parquet(
        folder / "annotations.parquet")
    studies = [{"rsid": rsid, "pmid": pmid, "module": name}
               for rsid, ids in (pmids or {}).items() for pmid in ids]
    pl.DataFrame(studies, schema={"rsid": pl.Utf8, "pmid": pl.Utf8, "module": pl.Utf8}) \
        .write_parquet(folder / "studies.parquet")
    if manifest:
        _write_manifest(folder, name, title, version, curator, license,
                        ["weights.parquet", "annotations.parquet", "studies.parquet"])
    return folder


def write_drug_module(folder: Path, name: str, rows: list[dict[str, Any]], *, title: str,
                      version: str = "2.1.0") -> Path:
    """A drug table led by pharm_variants.parquet (0.4 layout: genotype the string `A/G`)."""
    folder = Path(folder) / name
    folder.mkdir(parents=True)
    table = []
    for r in rows:
        chrom, start, ref, alt = SITES[r["rsid"]]
        table.append({"rsid": r["rsid"], "chrom": chrom, "start": start, "ref": ref, "alts": alt,
                      "gene": r["gene"], "requires_callable": False, "genotype": r["genotype"],
                      "variant_key": r["rsid"], "drug": r["drug"],
                      "phenotype_category": r.get("phenotype_category", "efficacy"),
                      "annotation_id": None, "response": r.get("response"),
                      "evidence_level": r.get("evidence_level"), "pmid": r.get("pmid"),
                      "conclusion": r["conclusion"], "module": name})
    pl.DataFrame(table, schema_overrides={"annotation_id": pl.Utf8, "response": pl.Utf8,
                                          "evidence_level": pl.Utf8, "pmid": pl.Utf8}) \
        .write_parquet(folder / "pharm_variants.parquet")
    studies = [{"rsid": r["rsid"], "pmid": r["pmid"], "module": name} for r in rows if r.get("pmid")]
    pl.DataFrame(studies, schema={"rsid": pl.Utf8, "pmid": pl.Utf8, "module": pl.Utf8}) \
        .write_parquet(folder / "studies.parquet")
    _write_manifest(folder, name, title, version, "findings-words tests", "CC0-1.0",
                    ["pharm_variants.parquet", "studies.parquet"])
    return folder


def _write_manifest(folder: Path, name: str, title: str, version: str, curator: str,
                    license: str, files: list[str]) -> None:
    entries = []
    for file_name in files:
        data = (folder / file_name).read_bytes()
        entries.append({"name": file_name, "sha256": "sha256:" + hashlib.sha256(data).hexdigest(),
                        "size": len(data)})
    listing = json.dumps(sorted(entries, key=lambda e: e["name"]), sort_keys=True,
                         separators=(",", ":"))
    digest = "sha256:" + hashlib.sha256(listing.encode()).hexdigest()
    manifest = {"manifest_version": "1.0", "schema_version": "1.0",
                "identity": {"name": name, "version": version},
                "display": {"title": title, "description": f"{title} (tests)"},
                "genome_build": "GRCh38", "curator": curator, "license": license,
                "artifact": {"digest": digest, "files": entries}}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def annotated_sample(base: Path, calls: dict[str, tuple[str, str]] = CALLS) -> Path:
    """The sample's annotated output (alice/s1 in the workspace layout), by the real engine."""
    reference = base / "reference"
    by_chrom: dict[str, list[tuple[int, str, str, str]]] = {}
    for rsid, (chrom, start, ref, alt) in SITES.items():
        by_chrom.setdefault(chrom, []).append((start, rsid, ref, alt))
    for chrom, rows in by_chrom.items():
        write_reference(reference, chrom, rows)
    records = [f"chr{SITES[r][0]}\t{SITES[r][1]}\t{r}\t{SITES[r][2]}\t{SITES[r][3]}\t50\t"
               f"{flt}\t.\tGT\t{gt}" for r, (gt, flt) in calls.items()]
    vcf = write_vcf(base / "s1.vcf", records, header="##fileformat=VCFv4.2\n")
    output = base / "output" / "alice" / "s1" / "user_annotated_vcf.parquet"
    annotate_vcf(vcf, reference, output, user="alice", sample="s1")
    return output


def install(base: Path, folders: list[Path], unverified_ok: bool = True) -> ModuleStore:
    store = ModuleStore(base / "cache")
    for folder in folders:
        store.add_folder(folder, allow_unverified=unverified_ok)
    return store


def run_findings(output: Path, store: ModuleStore) -> Path:
    """find() with the store's usable modules (and the refused ones), written beside `output`."""
    use, refused = store.usable()
    findings = find(output, use, refused)
    path = findings_path(output)
    write_findings(findings, path)
    return path


HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def standard_modules(base: Path, hostile: bool = False) -> list[Path]:
    """Three modules: traits (weights; priorities high/medium/low/none), a drug table naming its
    drugs with ClinPGx levels, and an unverified ClinVar-like panel without a manifest."""
    modules = base / "modules"
    conclusion = HOSTILE if hostile else "Lactase activity tends to persist into adulthood."
    traits = write_weights_module(modules, "traits", [
        trait("rs4988235", "A/G", 0.3, "protective", conclusion, priority="low",
              gene="MCM6", phenotype="Lactase persistence", category="nutrition",
              stat_significance="significant"),
        trait("rs429358", "C/C", -2.0, "risk", "Two copies of the APOE e4-defining allele.",
              priority="high", gene="APOE", phenotype="Late-onset Alzheimer's disease",
              category="neurology", clin_sig="risk_factor"),
        trait("rs1801133", "A/G", -0.1, "risk", "Slightly lower enzyme activity.",
              priority="medium", gene="MTHFR", phenotype="Folate metabolism",
              stat_significance="suggestive"),
        trait("rs9923231", "T/T", -0.6, "risk", "More sensitive to warfarin.",
              gene="VKORC1", phenotype="Warfarin", category="drug_response",
              clin_sig="drug_response"),
        trait("rs6025", "C/T", -1.5, "risk", "One copy of factor V Leiden.", priority="high",
              gene="F5", phenotype="Venous thrombosis", clin_sig="pathogenic"),
    ], title="Traits <b>and</b> more" if hostile else "Traits and more",
        pmids={"rs4988235": ["11788828", "15106124"], "rs429358": ["8346443"],
               "rs9923231": ["15930419"]})
    drugs = write_drug_module(modules, "pgx", [
        {"rsid": "rs4244285", "genotype": "A/G", "gene": "CYP2C19", "drug": "clopidogrel",
         "evidence_level": "1A", "response": "reduced activation", "pmid": "23698643",
         "conclusion": "One copy of CYP2C19*2: clopidogrel is activated less than usual."},
        {"rsid": "rs1057910", "genotype": "A/C", "gene": "CYP2C9", "drug": "warfarin",
         "evidence_level": "1A", "phenotype_category": "dosage", "pmid": "28198005",
         "conclusion": "One copy of CYP2C9*3: warfarin is cleared more slowly."},
        {"rsid": "rs1057910", "genotype": "A/C", "gene": "CYP2C9",
         "drug": HOSTILE if hostile else "celecoxib", "evidence_level": "3",
         "conclusion": "One copy of CYP2C9*3: celecoxib is cleared more slowly."},
        {"rsid": "rs9923231", "genotype": "T/T", "gene": "VKORC1", "drug": "warfarin",
         "evidence_level": "2A", "phenotype_category": "dosage", "pmid": "15930419",
         "conclusion": "Two copies of VKORC1 -1639A: warfarin needs are lower."},
    ], title="Drug responses")
    panel = write_weights_module(modules, "panel", [
        trait("rs429358", "C/C", -1.0, "risk", "A risk allele in the panel.", gene="APOE",
              clin_sig="uncertain_significance"),
    ], title="A panel", manifest=False, version="0.3.0", curator="someone", license="CC-BY-4.0")
    return [traits, drugs, panel]
