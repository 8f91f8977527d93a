"""A compiled annotation module on disk, read the way the just-dna format writes it.

A module is a folder holding a lead table: `weights.parquet` (one row per variant and genotype: the
curator's weight, state, priority and conclusion), or `pharm_variants.parquet` for a drug table
(one row per variant, genotype and drug). Beside it, when present: `annotations.parquet` (gene,
phenotype, category), `studies.parquet` (PubMed IDs) and `manifest.json` (identity, display,
genome build, licence, and the sha256 and size of every parquet file with their digest).

Every version of the format met so far is read, by column name, tolerating what an older version
lacks: the first modules on the Hub (no manifest, annotations keyed by rsID only), 0.4 (drug tables
with the genotype as a string), 0.6-0.7 (annotations keyed by variant and genotype, one rsID
expanded to several loci). What the format fixes and this reader relies on (just-dna-format 0.7,
`base.py` and the compiler's `_build_weights`):
- `genotype` is a list of alleles, sorted when unphased (`A/G`, never `G/A`), in phase order when
  the row is `phased`, one allele for a hemizygous call; drug tables write it as `"C/T"`;
- `chrom` has no `chr` prefix; `start` is the 1-based VCF position on GRCh38; `ref` the VCF REF;
- `state` is risk, protective or neutral (older modules: significant, alt, ref); `weight` > 0 is
  favourable, < 0 a risk, on a scale of the module's own.
Positions are normalised here the way the readers normalise a genome file (`chr1` -> `1`, `M` ->
`MT`), and genotypes to one key, `A/G` (sorted, upper case) or `A|G` (phased, as written), so the
findings can compare a person's call with a module row as two strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError

MANIFEST_NAME = "manifest.json"
WEIGHTS = "weights.parquet"
PHARM_VARIANTS = "pharm_variants.parquet"
LEAD_TABLES = (WEIGHTS, PHARM_VARIANTS)
ANNOTATIONS = "annotations.parquet"
STUDIES = "studies.parquet"
SUPPORTED_BUILD = "GRCh38"
# GRCh38 as builds are written: any case, with a patch release (GRCh38.p14), or UCSC's hg38.
_GRCH38 = re.compile(r"^(grch38(\.p\d+)?|hg38)$", re.IGNORECASE)


def is_supported_build(build: Any) -> bool:
    """Whether a module's `genome_build` is the reference's (unset means GRCh38, as the format's
    default)."""
    return build is None or bool(_GRCH38.match(str(build).strip()))

# The columns of a lead table the findings carry, by the name they have in every version; a column
# a version lacks is read as null.
LEAD_COLUMNS = {
    "rsid": "str", "chrom": "str", "start": "int", "ref": "str", "variant_key": "str",
    "locus_count": "int", "weight": "float", "state": "str", "priority": "str",
    "conclusion": "str", "clin_sig": "str", "direction": "str", "stat_significance": "str",
    "evidence_level": "str", "drug": "str", "response": "str", "phenotype_category": "str",
    "requires_callable": "bool", "gene": "str",
    "pmid": "str",  # a drug table's own citation (weights cite through studies.parquet)
}


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_module_name(name: str) -> str:
    """A module's name is its folder's name in the cache: nothing that could lead elsewhere."""
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise UserError(f"module name {name!r} is not allowed (letters, digits, _ . -; at most "
                        f"64 characters)")
    return name


class ModuleError(UserError):
    """A module folder that cannot be read as a module; the message names the file."""


@dataclass(frozen=True)
class ModuleInfo:
    """What a module says about itself (its manifest, else what its folder shows)."""

    name: str
    title: str
    description: str
    version: str | None
    license: str | None
    curator: str | None
    genome_build: str
    lead: str                  # the lead table's file name
    rows: int                  # rows of the lead table
    size: int                  # bytes of its files
    digest: str | None         # the manifest's artifact digest
    has_manifest: bool

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def lead_table_of(folder: Path) -> str | None:
    """The lead table's file name in `folder`, or None when it is no module."""
    for name in LEAD_TABLES:
        if (Path(folder) / name).is_file():
            return name
    return None


def is_module(folder: Path) -> bool:
    return Path(folder).is_dir() and lead_table_of(folder) is not None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The module's manifest.json as a dict; None when it has none. A manifest that is there but
    cannot be read is an error, never taken for "no manifest" (that would turn a damaged module
    into an unverified one)."""
    path = Path(folder) / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModuleError(f"{path}: cannot read the manifest ({exc})") from None
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise ModuleError(f"{path}: the manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise ModuleError(f"{path}: the manifest is not a JSON object")
    return manifest


def describe(folder: Path, manifest: dict[str, Any] | None = None) -> ModuleInfo:
    """The module in `folder`, from its manifest (`manifest`: one already read) and lead table."""
    import polars as pl

    folder = Path(folder)
    lead = lead_table_of(folder)
    if lead is None:
        raise ModuleError(f"{folder}: not a module (it has neither {WEIGHTS} nor {PHARM_VARIANTS})")
    manifest = manifest if manifest is not None else read_manifest(folder)
    try:
        rows = pl.scan_parquet(folder / lead).select(pl.len()).collect().item()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ModuleError(f"{folder / lead}: not a readable parquet file ({_first_line(exc)})") \
            from None
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    m = manifest or {}
    identity, display = _mapping(m.get("identity")), _mapping(m.get("display"))
    artifact = _mapping(m.get("artifact"))
    name = _text(identity.get("name")) or folder.name
    return ModuleInfo(
        name=name,
        title=_text(display.get("title")) or name.replace("_", " ").capitalize(),
        description=_text(display.get("description")) or "",
        version=_text(identity.get("version")),
        license=_text(m.get("license")),
        curator=_text(m.get("curator")),
        genome_build=_text(m.get("genome_build")) or SUPPORTED_BUILD,
        lead=lead, rows=int(rows), size=size,
        digest=_text(artifact.get("digest")),
        has_manifest=manifest is not None)


def read_lead_locations(folder: Path) -> Any:
    """Where each row of the lead table is, without its text: `site`, `variant_key`, `rsid`,
    `chrom`, `start`, `ref`, normalised as read_lead_table gives them, and `drug` (a drug table's
    medicine, else null), for the rows it keeps.
    Cheap even for a ClinVar panel of 600 k rows: no genotype is rewritten and nothing else is
    decoded, so a sample's calls can be looked up first and the rows read only where it has one."""
    import polars as pl

    path, schema = _lead_table(folder)
    alleles, _ = _raw_alleles(schema)
    readable = alleles.list.eval(pl.element().str.strip_chars() != "").list.sum().is_between(1, 2)
    drug = pl.col("drug").cast(pl.Utf8, strict=False) if "drug" in schema \
        else pl.lit(None, pl.Utf8).alias("drug")
    return _collect(pl.scan_parquet(path).filter(readable).select(*_location_exprs(schema), drug)
                    .with_columns(site_of()), path)


def read_lead_table(folder: Path, sites: Any = None) -> Any:
    """The lead table as a polars DataFrame with LEAD_COLUMNS (null where the module has none) plus
    `genotype`, the one-string key (`A/G` sorted, `A|G` phased, `A` hemizygous), `alleles` (the
    key's alleles as a list) and `site` (site_of); rows whose genotype cannot be read are left
    out, as the format forbids them. `sites`: only the rows of these sites (a polars Series of
    `site` values); the parquet reader then decodes the other columns of those rows alone when
    the table has a variant_key (every module since 0.5)."""
    import polars as pl

    path, schema = _lead_table(folder)
    scan = pl.scan_parquet(path)
    if sites is not None:
        wanted = sites.drop_nulls().unique().implode()
        if "variant_key" in schema:  # the site of a row with a variant_key is that key
            key = pl.col("variant_key") if schema["variant_key"] == pl.Utf8 \
                else pl.col("variant_key").cast(pl.Utf8)
            scan = scan.filter(key.is_in(wanted) | key.is_null())
        else:  # older modules: the site computed from the columns it comes from
            key, rsid, chrom, start, ref = _location_exprs(schema)
            scan = scan.filter(pl.coalesce(key, rsid, _position(chrom, start, ref)).is_in(wanted))
    exprs = []
    for name, kind in LEAD_COLUMNS.items():
        dtype = {"str": pl.Utf8, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean}[kind]
        if name == "pmid" and name in schema:  # `PMID:123` as `123`, as studies are read
            exprs.append(pl.col(name).cast(pl.Utf8).str.replace(r"(?i)^\s*pmid:\s*", "")
                         .str.strip_chars())
        elif name in schema:
            exprs.append(pl.col(name).cast(dtype, strict=False))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    alleles, phased = _raw_alleles(schema)
    frame = _collect(scan.select([c for c in schema if c in LEAD_COLUMNS or
                                  c in ("genotype", "phased")]), path)
    frame = frame.with_columns(phased.alias("_phased"), alleles.alias("_alleles"))
    frame = frame.with_columns(exprs).with_columns(
        pl.col("_alleles").list.eval(pl.element().str.strip_chars().str.to_uppercase()
                                     .filter(pl.element() != "")).alias("_alleles"))
    frame = frame.with_columns(
        pl.when(pl.col("_phased")).then(pl.col("_alleles"))
        .otherwise(pl.col("_alleles").list.sort()).alias("alleles"))
    frame = frame.with_columns(
        genotype_key(pl.col("alleles"), pl.col("_phased")).alias("genotype"),
        pl.col("_phased").alias("phased"),
        *_location_exprs(schema))
    frame = frame.filter(pl.col("alleles").list.len().is_between(1, 2)).with_columns(site_of())
    if sites is not None:
        frame = frame.filter(pl.col("site").is_in(wanted))
    return frame.select([*LEAD_COLUMNS, "genotype", "alleles", "phased", "site"])


def read_annotations(folder: Path, keys: Any = None) -> Any | None:
    """gene, phenotype, category per variant (and per genotype from 0.6 on): a DataFrame keyed by
    `key` (variant_key, else rsid) and `genotype` (null when the module keys by variant only), or
    None when the module has no annotations table. `keys`: only these (a polars Series)."""
    import polars as pl

    path = Path(folder) / ANNOTATIONS
    if not path.is_file():
        return None
    schema = _schema(path)
    key = "variant_key" if "variant_key" in schema else "rsid" if "rsid" in schema else None
    if key is None:
        return None
    wanted = [c for c in (key, "genotype", "gene", "phenotype", "category") if c in schema]
    scan = pl.scan_parquet(path)
    if keys is not None:  # by the column itself, so the reader skips the other rows' text
        scan = scan.filter(pl.col(key).cast(pl.Utf8).is_in(keys.implode()) if key == "variant_key"
                           else pl.col(key).cast(pl.Utf8).str.to_lowercase().is_in(keys.implode()))
    frame = _collect(scan.select(wanted), path)
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("genotype", "gene", "phenotype", "category")
         if c not in schema])
    genotype = pl.col("genotype").cast(pl.Utf8)
    parts = pl.when(genotype.str.contains("|", literal=True)).then(genotype.str.split("|")) \
        .otherwise(genotype.str.split("/")).list.eval(pl.element().str.to_uppercase())
    phased = genotype.str.contains("|", literal=True).fill_null(False)
    frame = frame.with_columns(
        pl.col(key).cast(pl.Utf8).str.to_lowercase().alias("key") if key == "rsid"
        else pl.col(key).cast(pl.Utf8).alias("key"),
        genotype_key(pl.when(phased).then(parts).otherwise(parts.list.sort()), phased)
        .alias("genotype"),
        *[pl.col(c).cast(pl.Utf8).replace("", None).alias(c)
          for c in ("gene", "phenotype", "category")])
    return frame.select("key", "genotype", "gene", "phenotype", "category")


def read_studies(folder: Path, keys: Any = None) -> Any | None:
    """PubMed IDs per variant: a DataFrame of `key` (rsid, else chrom:start:ref) and `pmids` (a
    sorted list of digits), or None when the module has no studies table. `keys`: only these (a
    polars Series)."""
    import polars as pl

    path = Path(folder) / STUDIES
    if not path.is_file():
        return None
    schema = _schema(path)
    if "pmid" not in schema:
        return None
    wanted = [c for c in ("rsid", "chrom", "start", "ref", "pmid") if c in schema]
    scan = pl.scan_parquet(path).select(wanted).with_columns(
        [pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("rsid", "chrom", "start", "ref")
         if c not in schema])
    position = pl.concat_str([normal_chrom(pl.col("chrom").cast(pl.Utf8)),
                              pl.col("start").cast(pl.Utf8),
                              pl.col("ref").cast(pl.Utf8).str.to_uppercase()], separator=":")
    rsid = pl.col("rsid").cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    # A study's key is its rsID, else its position: the rows of each read apart, so the position
    # is spelled only where there is no rsID (a ClinVar panel: 620 k studies, 8 % by position).
    scan = pl.concat([scan.filter(pl.col("rsid").is_not_null()).select(rsid.alias("key"), "pmid"),
                      scan.filter(pl.col("rsid").is_null()).select(position.alias("key"), "pmid")])
    if keys is not None:  # before the PubMed IDs are cleaned
        scan = scan.filter(pl.col("key").is_in(keys.implode()))
    frame = _collect(scan, path)
    pmid = pl.col("pmid").cast(pl.Utf8).str.replace(r"(?i)^\s*pmid:\s*", "").str.strip_chars()
    return (frame.select("key", pmid.alias("pmid"))
            .filter(pl.col("key").is_not_null() & pl.col("pmid").str.contains(r"^\d{1,8}$"))
            .unique()
            .with_columns(pl.col("pmid").cast(pl.Int64).alias("_n"))
            .sort("key", "_n")
            .group_by("key", maintain_order=True).agg(pl.col("pmid").alias("pmids")))


def site_of() -> Any:
    """The variant a lead-table row is about, one string: its variant_key, else its rsID, else
    `chrom:start:ref` (on normalised columns)."""
    import polars as pl

    return pl.coalesce(pl.col("variant_key"), pl.col("rsid"),
                       _position(pl.col("chrom"), pl.col("start"), pl.col("ref"))).alias("site")


def _position(chrom: Any, start: Any, ref: Any) -> Any:
    import polars as pl

    return pl.concat_str([chrom, start.cast(pl.Utf8), ref.fill_null("")], separator=":")


def _location_exprs(schema: dict[str, Any]) -> list[Any]:
    """variant_key, rsid, chrom, start, ref as read_lead_table normalises them (null if absent)."""
    import polars as pl

    def column(name: str, dtype: Any) -> Any:
        return pl.col(name).cast(dtype, strict=False) if name in schema \
            else pl.lit(None, dtype=dtype).alias(name)

    return [column("variant_key", pl.Utf8),
            column("rsid", pl.Utf8).str.strip_chars().str.to_lowercase().alias("rsid"),
            normal_chrom(column("chrom", pl.Utf8)).alias("chrom"),
            column("start", pl.Int64),
            column("ref", pl.Utf8).str.to_uppercase().alias("ref")]


def _raw_alleles(schema: dict[str, Any]) -> tuple[Any, Any]:
    """(the genotype's alleles as written, whether the row is phased): drug tables of 0.4 write
    the genotype as one string, `C/T` or `C|T`."""
    import polars as pl

    phased = pl.col("phased").fill_null(False) if "phased" in schema else pl.lit(False)
    raw = pl.col("genotype")
    if isinstance(schema["genotype"], pl.List):
        return raw.cast(pl.List(pl.Utf8)), phased
    text = raw.cast(pl.Utf8)
    piped = text.str.contains("|", literal=True)
    return pl.when(piped).then(text.str.split("|")).otherwise(text.str.split("/")), \
        phased | piped


def _lead_table(folder: Path) -> tuple[Path, dict[str, Any]]:
    folder = Path(folder)
    lead = lead_table_of(folder)
    if lead is None:
        raise ModuleError(f"{folder}: not a module (it has neither {WEIGHTS} nor {PHARM_VARIANTS})")
    path = folder / lead
    schema = _schema(path)
    if "genotype" not in schema:
        raise ModuleError(f"{path}: has no genotype column")
    return path, schema


def _collect(frame: Any, path: Path) -> Any:
    import polars as pl

    try:
        return frame.collect()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ModuleError(f"{path}: not a readable parquet file ({_first_line(exc)})") from None


def genotype_key(alleles: Any, phased: Any) -> Any:
    """The one-string genotype of a list of alleles: joined with `|` when phased, else `/`."""
    import polars as pl

    return pl.when(phased).then(alleles.list.join("|")).otherwise(alleles.list.join("/"))


def normal_chrom(chrom: Any) -> Any:
    """`chr1`/`CHR1`/`1` -> `1`; `chrM`/`M`/`chrMT` -> `MT` (the readers' naming)."""
    import polars as pl

    bare = chrom.str.strip_chars().str.to_uppercase().str.strip_prefix("CHR")  # no regex: 2.5x
    return pl.when(bare == "M").then(pl.lit("MT")).otherwise(bare)


def _schema(path: Path) -> dict[str, Any]:
    import polars as pl

    try:
        return dict(pl.read_parquet_schema(path))
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ModuleError(f"{path}: not a readable parquet file ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, (str, int, float)) else None
