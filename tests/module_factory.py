"""Small annotation modules written in tests, in the layouts the just-dna format has had
(see /work/notes/module-format.md and tests/data/module_example, which the real compiler wrote):

- `write_module`: the 0.7 layout: weights.parquet (genotype a list, `phased`, `variant_key`,
  start UInt32), annotations.parquet keyed by (variant_key, genotype string), studies.parquet, and a
  manifest.json whose artifact lists the parquet files with their sha256, size and digest;
- `write_hub_module`: the first modules on the Hub: no manifest, weights without variant_key or
  phased, annotations keyed by rsID only, one row per weights row (so repeated);
- `write_pharm_module`: a 0.4 drug table, pharm_variants.parquet (genotype the string "C/T", alts a
  string, start Int64, a drug per row).

The digest is computed here independently of core/modules/verify.py, by the format's definition.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl


def row(rsid: str | None, chrom: str | None, start: int | None, ref: str | None, alts: str | None,
        genotype: str, weight: float, state: str, conclusion: str | None = None, **extra: Any
        ) -> dict[str, Any]:
    """One authored variants.csv row: `genotype` as authored (`A/G`, `A|G`, `A`)."""
    return {"rsid": rsid, "chrom": chrom, "start": start, "ref": ref, "alts": alts,
            "genotype": genotype, "weight": weight, "state": state,
            "conclusion": conclusion or f"{rsid or chrom}:{genotype} says {state}", **extra}


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def digest_of(entries: list[dict[str, Any]]) -> str:
    """just-dna-format's artifact digest, written out from its definition."""
    listing = sorted(entries, key=lambda e: e["name"])
    text = json.dumps([{"name": e["name"], "sha256": e["sha256"], "size": e["size"]}
                       for e in listing], sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def file_entry(folder: Path, name: str) -> dict[str, Any]:
    path = Path(folder) / name
    return {"name": name, "sha256": "sha256:" + sha256_hex(path), "size": path.stat().st_size}


def write_manifest(folder: Path, name: str, files: list[str], *, version: str = "1.0.0",
                   license: str | None = "CC0-1.0", title: str | None = None,
                   genome_build: str = "GRCh38", curator: str = "tests") -> dict[str, Any]:
    """A manifest in the 0.7 shape listing `files` (in that order) with a correct digest."""
    entries = [file_entry(folder, f) for f in files]
    manifest = {
        "manifest_version": "1.0", "schema_version": "1.0",
        "identity": {"namespace": None, "name": name, "version": version,
                     "version_coerced_from": None, "canonical_id": None},
        "display": {"title": title or name.replace("_", " ").title(),
                    "description": f"{name}, written by the tests", "report_title": None},
        "genome_build": genome_build, "curator": curator, "method": "literature-review",
        "license": license,
        "compilation": {"compile_success": True, "compiled_by": None,
                        "compiler_version": "tests/module_factory.py"},
        "artifact": {"digest": digest_of(entries), "files": entries},
        "signature": None,
    }
    (Path(folder) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def write_module(folder: Path, rows: list[dict[str, Any]], *, name: str | None = None,
                 pmids: dict[str, list[str]] | None = None, manifest: bool = True,
                 **manifest_options: Any) -> Path:
    """A module in the 0.7 layout in `folder` (created), named after the folder by default."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = name or folder.name
    weights = []
    for r in rows:
        phased = "|" in r["genotype"]
        key = r["rsid"] or f"{r['chrom']}:{r['start']}:{r['ref']}"
        weights.append({
            "rsid": r["rsid"], "authored_ident": ["rsid"], "variant_key": key,
            "locus_index": 0, "locus_count": 1,
            "genotype": [a for a in r["genotype"].replace("|", "/").split("/") if a],
            "phased": phased, "module": name, "weight": r["weight"], "state": r["state"],
            "priority": r.get("priority"), "conclusion": r["conclusion"], "negatives": None,
            "curator": "tests", "method": "literature-review",
            "chrom": r["chrom"], "start": r["start"], "end": r["start"], "ref": r["ref"],
            "alts": r["alts"].split(",") if r["alts"] else None,
            "clin_sig": r.get("clin_sig"), "requires_callable": r.get("requires_callable"),
        })
    pl.DataFrame(weights, schema={
        "rsid": pl.Utf8, "authored_ident": pl.List(pl.Utf8), "variant_key": pl.Utf8,
        "locus_index": pl.UInt32, "locus_count": pl.UInt32, "genotype": pl.List(pl.Utf8),
        "phased": pl.Boolean, "module": pl.Utf8, "weight": pl.Float64, "state": pl.Utf8,
        "priority": pl.Utf8, "conclusion": pl.Utf8, "negatives": pl.Utf8, "curator": pl.Utf8,
        "method": pl.Utf8, "chrom": pl.Utf8, "start": pl.UInt32, "end": pl.UInt32,
        "ref": pl.Utf8, "alts": pl.List(pl.Utf8), "clin_sig": pl.Utf8,
        "requires_callable": pl.Boolean,
    }).write_parquet(folder / "weights.parquet")
    pl.DataFrame([{
        "rsid": w["rsid"], "variant_key": w["variant_key"], "genotype": r["genotype"],
        "conclusion": w["conclusion"], "negatives": None, "module": name,
        "gene": r.get("gene", ""), "phenotype": r.get("phenotype", ""),
        "category": r.get("category", ""),
    } for w, r in zip(weights, rows)], schema={
        "rsid": pl.Utf8, "variant_key": pl.Utf8, "genotype": pl.Utf8, "conclusion": pl.Utf8,
        "negatives": pl.Utf8, "module": pl.Utf8, "gene": pl.Utf8, "phenotype": pl.Utf8,
        "category": pl.Utf8,
    }).write_parquet(folder / "annotations.parquet")
    studies = [{"rsid": rsid, "chrom": None, "start": None, "ref": None, "module": name,
                "pmid": pmid} for rsid, ids in (pmids or {}).items() for pmid in ids]
    pl.DataFrame(studies, schema={"rsid": pl.Utf8, "chrom": pl.Utf8, "start": pl.UInt32,
                                  "ref": pl.Utf8, "module": pl.Utf8, "pmid": pl.Utf8}
                 ).write_parquet(folder / "studies.parquet")
    if manifest:
        write_manifest(folder, name, ["weights.parquet", "annotations.parquet", "studies.parquet"],
                       **manifest_options)
    return folder


def write_hub_module(folder: Path, rows: list[dict[str, Any]]) -> Path:
    """A module as first published on the Hub: no manifest, genotype a list but no variant_key
    or phased, annotations keyed by rsID with one row per weights row (repeated), no genotype."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame([{
        "rsid": r["rsid"], "genotype": r["genotype"].split("/"), "weight": r["weight"],
        "state": r["state"], "priority": r.get("priority"), "conclusion": r["conclusion"],
        "module": folder.name, "chrom": r["chrom"], "start": r["start"], "ref": r["ref"],
        "alts": r["alts"].split(",") if r["alts"] else None,
    } for r in rows], schema={
        "rsid": pl.Utf8, "genotype": pl.List(pl.Utf8), "weight": pl.Float64, "state": pl.Utf8,
        "priority": pl.Utf8, "conclusion": pl.Utf8, "module": pl.Utf8, "chrom": pl.Utf8,
        "start": pl.UInt32, "ref": pl.Utf8, "alts": pl.List(pl.Utf8),
    }).write_parquet(folder / "weights.parquet")
    pl.DataFrame([{"rsid": r["rsid"], "gene": r.get("gene"), "phenotype": r.get("phenotype"),
                   "category": r.get("category"), "module": folder.name} for r in rows],
                 schema={"rsid": pl.Utf8, "gene": pl.Utf8, "phenotype": pl.Utf8,
                         "category": pl.Utf8, "module": pl.Utf8}
                 ).write_parquet(folder / "annotations.parquet")
    return folder


def write_pharm_module(folder: Path, rows: list[dict[str, Any]], *, manifest: bool = True,
                       **manifest_options: Any) -> Path:
    """A 0.4 drug table: rows need rsid, chrom, start, ref, alts, genotype ("C/T"), drug,
    conclusion; optional gene, evidence_level, phenotype_category, response."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame([{
        "rsid": r["rsid"], "chrom": r["chrom"], "start": r["start"], "ref": r["ref"],
        "alts": r["alts"], "gene": r.get("gene"), "requires_callable": False,
        "genotype": r["genotype"], "variant_key": r["rsid"], "authored_ident": "rsid",
        "drug": r["drug"], "phenotype_category": r.get("phenotype_category", "metabolism_pk"),
        "annotation_id": r.get("annotation_id"), "response": r.get("response"),
        "evidence_level": r.get("evidence_level", "1A"), "pmid": r.get("pmid"),
        "conclusion": r["conclusion"], "module": folder.name,
    } for r in rows], schema={
        "rsid": pl.Utf8, "chrom": pl.Utf8, "start": pl.Int64, "ref": pl.Utf8, "alts": pl.Utf8,
        "gene": pl.Utf8, "requires_callable": pl.Boolean, "genotype": pl.Utf8,
        "variant_key": pl.Utf8, "authored_ident": pl.Utf8, "drug": pl.Utf8,
        "phenotype_category": pl.Utf8, "annotation_id": pl.Utf8, "response": pl.Utf8,
        "evidence_level": pl.Utf8, "pmid": pl.Utf8, "conclusion": pl.Utf8, "module": pl.Utf8,
    }).write_parquet(folder / "pharm_variants.parquet")
    if manifest:
        write_manifest(folder, folder.name, ["pharm_variants.parquet"], **manifest_options)
    return folder


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Change one byte of `path` in place (the size stays)."""
    data = bytearray(Path(path).read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0xFF
    Path(path).write_bytes(bytes(data))
