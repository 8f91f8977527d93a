"""A sample's findings: its annotated genotypes joined with every installed module.

The join reads the sample's annotated output (`user_annotated_vcf.parquet`), never the genome file
again, so adding or updating a module re-runs this step alone, not the reference join. It is done
the way the output was matched (its `match_by`):

- by position (a GRCh38 VCF): a module row's (chrom, start) against the file's own records, the
  module's `ref` checked against the file's REF (a record with another REF at that position is
  another variant); module rows without coordinates are looked up by rsID in the file's ID column;
- by rsID (a genotyping file, a VCF on another build): the module's rsID against the file's own
  marker ID, and the call as the rsID matcher restated it on GRCh38's forward strand (flips,
  23andMe's I/D, haploid calls); a module row with coordinates only is looked up at the GRCh38
  position the marker was placed on.

Then the genotype: the person's alleles, sorted, written `A/G` as the module writes an unphased
row; a phased module row (`A|G`) matches only a phased call in the same order. A module site
(one variant) ends in exactly one state:

- finding         the person's call matches one of its genotype rows (one finding per such row;
                  a drug table can say several things about one genotype)
- other genotype  called, but the module says nothing about this genotype
- not in file     the file has no call for it: a VCF usually lists variant sites only, so a site
                  absent from it is never taken for the usual genotype; a no-call is the same. (A
                  genotyping file calls every marker: its homozygous-reference calls are findings.)
- filtered        its call failed the file's own FILTER (not PASS or `.`): not a finding
- mismatched      its call did not fit the variant's alleles, on either strand
- not looked up   (by rsID) the reference in the cache could not place the marker (a chromosome
                  file missing from a partial cache, or an rsID the reference lacks)

The findings are written next to the output (`findings.parquet`) with, in the file's footer, every
module's name, title, version, digest, licence, whether it was verified, and its counts; modules
installed but refused (changed files, unverified and not allowed) are listed with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ... import __version__
from ..cancel import CancelToken
from ..errors import UserError
from ..layout import FINDINGS_FILE_NAME, OUTPUT_FILE_NAME
from .format import read_annotations, read_lead_locations, read_lead_table, read_studies
from .store import InstalledModule, ModuleStore

FINDINGS_METADATA_KEY = "just_dna_desktop_findings"
PASSING_FILTERS = ("PASS", ".")

# Site states, in the order a site's several calls (loci of one rsID) are judged: the first wins.
CALLED, MISMATCHED, FILTERED, NOT_LOOKED_UP, NOT_IN_FILE = (
    "called", "mismatched", "filtered", "not_looked_up", "not_in_file")
_RANK = {CALLED: 0, MISMATCHED: 1, FILTERED: 2, NOT_LOOKED_UP: 3, NOT_IN_FILE: 4}

FINDING_COLUMNS = {
    "module": pl.Utf8, "rsid": pl.Utf8, "chrom": pl.Utf8, "start": pl.Int64, "ref": pl.Utf8,
    "genotype": pl.Utf8, "zygosity": pl.Utf8, "state": pl.Utf8, "weight": pl.Float64,
    "priority": pl.Utf8, "conclusion": pl.Utf8, "gene": pl.Utf8, "phenotype": pl.Utf8,
    "category": pl.Utf8, "pmids": pl.List(pl.Utf8), "clin_sig": pl.Utf8,
    "evidence_level": pl.Utf8, "stat_significance": pl.Utf8, "direction": pl.Utf8,
    "drug": pl.Utf8, "response": pl.Utf8, "phenotype_category": pl.Utf8,
    "requires_callable": pl.Boolean, "matched_by": pl.Utf8,
}


@dataclass
class ModuleFindings:
    """One module's part of a sample's findings, and what it could not check."""

    module: InstalledModule
    sites: int = 0
    findings: int = 0
    other_genotype: int = 0
    not_in_file: int = 0
    filtered: int = 0
    mismatched: int = 0
    not_looked_up: int = 0
    drugs: list[str] = field(default_factory=list)  # the medicines a drug table covers

    def to_dict(self) -> dict[str, Any]:
        return {**self.module.summary(), "rows": self.module.rows, "lead": self.module.lead,
                "drugs": self.drugs, "sites": self.sites,
                "findings": self.findings, "other_genotype": self.other_genotype,
                "not_in_file": self.not_in_file, "filtered": self.filtered,
                "mismatched": self.mismatched, "not_looked_up": self.not_looked_up}


@dataclass
class Findings:
    frame: pl.DataFrame
    modules: list[ModuleFindings] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)   # {name, why}
    match_by: str = "position"
    input_format: str | None = None

    def metadata(self) -> dict[str, Any]:
        return {
            "modules": [m.to_dict() for m in self.modules],
            "modules_refused": self.refused,
            "match_by": self.match_by,
            "input_format": self.input_format,
            "findings": self.frame.height,
            "program_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def summary(self) -> dict[str, Any]:
        """What a run records: every module's identity and counts, and the modules refused."""
        return {"findings": self.frame.height, "modules": [m.to_dict() for m in self.modules],
                "modules_refused": self.refused}


def findings_path(output: Path) -> Path:
    """Where the findings of the annotated `output` live: `findings.parquet` beside a sample's
    `user_annotated_vcf.parquet`; `<name>.findings.parquet` beside an output named otherwise (an
    ad-hoc `--output`), so no other file of that folder is ever taken."""
    output = Path(output)
    if output.name == OUTPUT_FILE_NAME:
        return output.with_name(FINDINGS_FILE_NAME)
    return output.with_name(output.name.removesuffix(".parquet") + ".findings.parquet")


def annotation_stamp(output: Path) -> dict[str, int]:
    """What identifies the annotated output the findings were made from (size and mtime)."""
    info = Path(output).stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def modules_key(modules: list[InstalledModule]) -> list[list[str]]:
    """What findings are made with: (name, digest) of every module used, sorted."""
    return sorted([m.name, m.digest] for m in modules)


def findings_due(output: Path, modules: list[InstalledModule],
                 refused: list[tuple[InstalledModule, str]] = ()) -> bool:
    """Whether the findings beside `output` are missing or out of date: made from another
    annotation of the sample, or with other modules (one added, updated, removed or refused).
    Never due without an annotated output, nor when no module is installed and there never
    were findings."""
    import polars as pl

    output = Path(output)
    path = findings_path(output)
    if not output.is_file():
        return False
    if not path.is_file():
        return bool(modules) or bool(refused)
    try:
        raw = pl.read_parquet_metadata(path).get(FINDINGS_METADATA_KEY)
        metadata = json.loads(raw) if raw else {}
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return True  # damaged findings: made again
    if not isinstance(metadata, dict):
        return True
    try:
        stamp = annotation_stamp(output)
    except OSError:
        return False
    made_with = sorted([m.get("name"), m.get("digest")] for m in metadata.get("modules") or []
                       if isinstance(m, dict))
    was_refused = sorted(str(m.get("name")) for m in metadata.get("modules_refused") or []
                         if isinstance(m, dict))
    return metadata.get("annotation") != stamp or made_with != modules_key(modules) \
        or was_refused != sorted(m.name for m, _ in refused)


def update_findings(output: Path, store: ModuleStore, cancel: CancelToken | None = None,
                    run: dict[str, Any] | None = None) -> Findings:
    """Find with every usable installed module and write the findings beside `output` (also
    with no modules: the file then says so, and older findings are not left to speak)."""
    use, refused = store.usable(cancel)
    findings = find(output, use, refused, cancel)
    write_findings(findings, findings_path(output),
                   run={**(run or {}), "annotation": annotation_stamp(output)})
    return findings


def find(output: Path, modules: list[InstalledModule],
         refused: list[tuple[InstalledModule, str]] = (), cancel: CancelToken | None = None
         ) -> Findings:
    """Join the sample's annotated `output` with each module (see the module docstring)."""
    from ..engine.annotate import read_output_metadata

    cancel = cancel or CancelToken()
    output = Path(output)
    run = read_output_metadata(output)
    match_by = "rsid" if run.get("match_by") == "rsid" else "position"
    result = Findings(_empty_frame(), match_by=match_by, input_format=run.get("input_format"),
                      refused=[{"name": m.name, "title": m.title, "why": _shareable(why, m)}
                               for m, why in refused])
    frames = []
    columns = set(pl.read_parquet_schema(output))
    # Where every module's rows are first (cheap), then one pass over the output for all of them.
    # Only the sites a call could be about are judged (the others are not in the file), and a
    # module's rows are read in full only at the sites the person has a usable call for.
    locations = []
    for module in modules:
        cancel.raise_if_cancelled()
        locations.append(read_lead_locations(module.folder))
    calls = _calls(output, columns, locations, match_by) if modules else None
    for module in modules:
        cancel.raise_if_cancelled()
        where = locations.pop(0)
        counts = ModuleFindings(module, sites=where["site"].n_unique(),
                                drugs=sorted(where["drug"].drop_nulls().unique().to_list()))
        near = where.filter(pl.col("start").is_in(calls["start"].implode()) |
                            pl.col("rsid").is_in(calls["rsid"].drop_nulls().implode()))
        judged = _judge(_sites(near), calls, match_by)
        states = judged.group_by("site").agg(pl.col("state").sort_by("rank").first())
        tally = dict(states["state"].value_counts().iter_rows())
        counts.not_in_file = counts.sites - states.height + tally.get(NOT_IN_FILE, 0)
        counts.filtered = tally.get(FILTERED, 0)
        counts.mismatched = tally.get(MISMATCHED, 0)
        counts.not_looked_up = tally.get(NOT_LOOKED_UP, 0)
        called = judged.filter(pl.col("state") == CALLED)
        rows = read_lead_table(module.folder, sites=called["site"])
        found = _findings(called, rows, module, match_by)
        counts.findings = found.height
        called_sites = tally.get(CALLED, 0)
        counts.other_genotype = called_sites - found["_site"].n_unique()
        frames.append(found.drop("_site"))
        result.modules.append(counts)
    if frames:
        result.frame = pl.concat(frames, how="vertical_relaxed").select(
            [pl.col(c).cast(t) for c, t in FINDING_COLUMNS.items()])
    return result


def write_findings(findings: Findings, path: Path, run: dict[str, Any] | None = None) -> None:
    """The findings as parquet, atomically, with their metadata (and `run`) in the footer."""
    from ..engine.annotate import write_atomic

    metadata = {**findings.metadata(), **(run or {})}
    text = json.dumps(metadata, default=str)
    write_atomic(Path(path), metadata, lambda tmp: findings.frame.write_parquet(
        tmp, compression="zstd", metadata={FINDINGS_METADATA_KEY: text}))


def read_findings(path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """(findings, their metadata) from a findings file; a clear error naming it otherwise."""
    path = Path(path)
    try:
        raw = pl.read_parquet_metadata(path).get(FINDINGS_METADATA_KEY)
        frame = pl.read_parquet(path)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found (the sample's modules have not run yet)") from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"{path}: not a readable findings file ({exc})") from None
    try:
        metadata = json.loads(raw) if raw else {}
    except ValueError:
        metadata = {}
    if not isinstance(metadata, dict) or not isinstance(metadata.get("modules", []), list):
        raise UserError(f"{path}: its record of the modules used cannot be read")
    return frame, metadata


# --- the join ------------------------------------------------------------------------------------

def _sites(locations: pl.DataFrame) -> pl.DataFrame:
    """A module's sites: one row per locus (`site`, the variant it is about; `locus`, one of its
    places), with its `rsid`, `chrom`, `start`, `ref`."""
    return locations.select("site", "rsid", "chrom", "start", "ref").unique() \
        .with_columns(_locus())


def _calls(output: Path, columns: set[str], sites: list[pl.DataFrame], match_by: str
           ) -> pl.DataFrame:
    """The sample's distinct calls that could be about any of the modules' `sites` (frames with
    `rsid` and `start`), in one pass over the output: the location columns, `key_sorted`/
    `key_phased` (the genotype as a module writes it), `zygosity` and `status` (called,
    filtered, mismatched, no call, not looked up).

    By position, a site is looked up at its start, or by the file's own ID when it has no
    position; by rsID, by the marker's rsID, or at its start when it has no rsID (the only
    sites _judge can match those calls to)."""
    every = pl.concat([s.select("rsid", "start") for s in sites])
    scan = pl.scan_parquet(output)
    if match_by == "position":
        starts = _starts(every.filter(pl.col("start").is_not_null()))
        named = every.filter(pl.col("start").is_null())["rsid"].drop_nulls().unique()
        # A site without coordinates is named by rsID: the file's own ID, else the reference's
        # rsID at that position (most callers write "." as the ID).
        own_id = pl.coalesce(
            _first_rsid(pl.col("id")) if "id" in columns else pl.lit(None, pl.Utf8),
            pl.col("rsid").str.to_lowercase() if "rsid" in columns else pl.lit(None, pl.Utf8))
        wanted = pl.col("start").is_in(starts.implode())
        if named.len() and "id" in columns:
            wanted = wanted | _may_name(pl.col("id"), named)
        if named.len() and "rsid" in columns:
            wanted = wanted | pl.col("rsid").str.to_lowercase().is_in(named.implode())
        calls = scan.filter(wanted).select(
            own_id.alias("rsid"), "chrom", pl.col("start").cast(pl.Int64), "ref",
            _column("gt", columns), _column("filter", columns), "genotype", "zygosity",
            pl.lit(None, pl.Utf8).alias("allele_check"))
    else:
        named = every["rsid"].drop_nulls().unique()
        starts = _starts(every.filter(pl.col("rsid").is_null() & pl.col("start").is_not_null()))
        marker = pl.coalesce(_first_rsid(pl.col("marker_id")), pl.col("rsid").str.to_lowercase())
        wanted = _may_name(pl.col("marker_id"), named) | \
            pl.col("rsid").str.to_lowercase().is_in(named.implode()) | \
            pl.col("start").is_in(starts.implode())
        calls = scan.filter(wanted).select(
            marker.alias("rsid"), "chrom", pl.col("start").cast(pl.Int64), "ref",
            _column("gt", columns), _column("filter", columns), "genotype", "zygosity",
            _column("allele_check", columns))
    # The scan's test is a superset (cheap on every row); the exact one on the rows it kept.
    calls = calls.filter(pl.col("rsid").is_in(named.implode()) |
                         pl.col("start").is_in(starts.cast(pl.Int64).implode()))
    calls = calls.unique(subset=["rsid", "chrom", "start", "ref", "gt"], maintain_order=True)
    return calls.collect().with_columns(_call_keys()).with_columns(_status(match_by))


def _starts(sites: pl.DataFrame) -> pl.Series:
    """The distinct starts of `sites` as the output stores them (UInt32)."""
    return sites["start"].unique().cast(pl.UInt32, strict=False).drop_nulls()


def _judge(sites: pl.DataFrame, calls: pl.DataFrame, match_by: str) -> pl.DataFrame:
    """Each site with the calls about it, `state` per (site, call); a site with no call is not
    in the file. By position: (chrom, start, and REF when the module gives one), by rsID for a
    site without coordinates; by rsID: the rsID, by position for a site without one."""
    by_position = pl.col("start").is_not_null()
    by_rsid = pl.col("rsid").is_not_null()
    if match_by == "position":
        by_rsid = by_rsid & pl.col("start").is_null()
    else:
        by_position = by_position & pl.col("rsid").is_null()
    at = sites.filter(by_position).join(calls, on=["chrom", "start"], how="inner", suffix="_call")
    at = at.filter(pl.col("ref").is_null() | (pl.col("ref") == pl.col("ref_call")))
    named = sites.filter(by_rsid).join(
        calls.filter(pl.col("rsid").is_not_null()), on="rsid", how="inner", suffix="_call")
    # By rsID, one rsID can name several loci in a module: the one the marker was placed on wins.
    named = named.with_columns(
        _here=(pl.col("chrom") == pl.col("chrom_call")) & (pl.col("start") == pl.col("start_call")))
    named = named.filter(pl.col("_here").fill_null(False) |
                         ~pl.col("_here").fill_null(False).any().over("site", "rsid")).drop("_here")
    keep = ["site", "locus", "key_sorted", "key_phased", "zygosity", "status"]
    pairs = pl.concat([at.select(keep), named.select(keep)]).unique(maintain_order=True)
    judged = sites.select("site").unique().join(pairs, on="site", how="left")
    state = pl.col("status").fill_null(NOT_IN_FILE)
    return judged.with_columns(state=state, rank=state.replace_strict(_RANK, default=9))


def _findings(called: pl.DataFrame, rows: pl.DataFrame, module: InstalledModule,
              match_by: str) -> pl.DataFrame:
    """The module's `rows` whose genotype is the person's, at the loci of the sites `called`
    (judged `called`: the person's call there is usable)."""
    rows = rows.with_columns(_locus())
    unphased = rows.filter(~pl.col("phased")).join(
        called, left_on=["locus", "genotype"], right_on=["locus", "key_sorted"], how="inner",
        suffix="_call")
    phased = rows.filter(pl.col("phased")).join(
        called.filter(pl.col("key_phased").is_not_null()),
        left_on=["locus", "genotype"], right_on=["locus", "key_phased"], how="inner",
        suffix="_call")
    found = pl.concat([unphased.drop("key_phased", strict=False),
                       phased.drop("key_sorted", strict=False)], how="diagonal_relaxed")
    found = found.unique(subset=["site", "genotype", "conclusion", "drug", "state"],
                         maintain_order=True)
    found = _with_annotations(found, module)
    found = _with_studies(found, module)
    return found.with_columns(
        pl.lit(module.name).alias("module"),
        pl.lit(match_by).alias("matched_by"),
        pl.col("site").alias("_site"),
    ).select([*[pl.col(c) if c in found.columns or c in ("module", "matched_by")
                else pl.lit(None, t).alias(c) for c, t in FINDING_COLUMNS.items()], "_site"])


def _with_annotations(found: pl.DataFrame, module: InstalledModule) -> pl.DataFrame:
    """gene, phenotype, category: by variant and genotype where the module keys them so, else by
    variant (older modules hold one per variant, sometimes repeated: the first is kept)."""
    key = pl.coalesce(pl.col("variant_key"), pl.col("rsid"))
    notes = None if found.is_empty() else \
        read_annotations(module.folder, keys=found.select(key.unique()).to_series())
    if notes is None:
        return found.with_columns([pl.col(c) if c in found.columns else pl.lit(None, pl.Utf8)
                                   .alias(c) for c in ("gene", "phenotype", "category")])
    found = found.with_columns(_key=key)
    by_genotype = notes.filter(pl.col("genotype").is_not_null()).unique(
        subset=["key", "genotype"], keep="first", maintain_order=True)
    by_variant = notes.unique(subset=["key"], keep="first", maintain_order=True).drop("genotype")
    found = found.join(by_genotype, left_on=["_key", "genotype"], right_on=["key", "genotype"],
                       how="left", suffix="_g")
    found = found.join(by_variant, left_on="_key", right_on="key", how="left", suffix="_v")
    gene = pl.coalesce(pl.col("gene"), pl.col("gene_g"), pl.col("gene_v")) \
        if "gene" in found.columns else pl.coalesce(pl.col("gene_g"), pl.col("gene_v"))
    return found.with_columns(
        gene=gene,
        phenotype=pl.coalesce(pl.col("phenotype"), pl.col("phenotype_v")),
        category=pl.coalesce(pl.col("category"), pl.col("category_v")),
    ).drop([c for c in ("_key", "gene_g", "phenotype_v", "category_v", "gene_v") if c in found.columns])


def _with_studies(found: pl.DataFrame, module: InstalledModule) -> pl.DataFrame:
    position = pl.concat_str([pl.col("chrom"), pl.col("start").cast(pl.Utf8),
                              pl.col("ref").fill_null("")], separator=":")
    found = found.with_columns(_by_rsid=pl.col("rsid"), _by_position=position)
    keys = pl.concat([found["_by_rsid"], found["_by_position"]]).drop_nulls().unique()
    studies = None if found.is_empty() else read_studies(module.folder, keys=keys)
    # A drug table cites in its own `pmid` column; studies.parquet, where there is one, first.
    own = pl.when(pl.col("pmid").str.contains(r"^\d{1,8}$")).then(pl.concat_list("pmid")) \
        if "pmid" in found.columns else pl.lit(None, pl.List(pl.Utf8))
    if studies is None:
        return found.with_columns(pmids=own.fill_null(pl.lit([], pl.List(pl.Utf8)))) \
            .drop("_by_rsid", "_by_position")
    found = found.join(studies.rename({"pmids": "_p1"}), left_on="_by_rsid", right_on="key",
                       how="left")
    found = found.join(studies.rename({"pmids": "_p2"}), left_on="_by_position", right_on="key",
                       how="left")
    return found.with_columns(pmids=pl.coalesce("_p1", "_p2", own)
                              .fill_null(pl.lit([], pl.List(pl.Utf8)))) \
        .drop("_by_rsid", "_by_position", "_p1", "_p2")


def _locus() -> pl.Expr:
    """One locus of a site: a variant the compiler placed at several loci (one rsID, several
    positions) is matched at the locus that was called, never at its others."""
    return pl.concat_str([pl.col("site"), pl.col("chrom").fill_null(""),
                          pl.col("start").cast(pl.Utf8).fill_null(""),
                          pl.col("ref").fill_null("")], separator="|").alias("locus")


def _call_keys() -> list[pl.Expr]:
    """The call's genotype as a module writes it: sorted `A/G`, and `A|G` as called when phased."""
    alleles = pl.col("genotype").list.eval(pl.element().str.to_uppercase())
    complete = pl.col("genotype").is_not_null() & (pl.col("genotype").list.len() > 0) & \
        (pl.col("genotype").list.eval(pl.element().is_null()).list.any().not_())
    phased = pl.col("gt").str.contains("|", literal=True).fill_null(False)
    return [
        pl.when(complete).then(alleles.list.sort().list.join("/")).alias("key_sorted"),
        pl.when(complete & phased).then(alleles.list.join("|")).alias("key_phased"),
        complete.alias("_complete"),
    ]


def _status(match_by: str) -> pl.Expr:
    passing = pl.col("filter").is_null() | pl.col("filter").is_in(list(PASSING_FILTERS))
    status = pl.when(~passing).then(pl.lit(FILTERED))
    if match_by == "rsid":
        status = status.when(pl.col("allele_check") == "mismatch").then(pl.lit(MISMATCHED)) \
            .when(pl.col("chrom").is_null() & pl.col("_complete")).then(pl.lit(NOT_LOOKED_UP))
    return status.when(pl.col("_complete")).then(pl.lit(CALLED)) \
        .otherwise(pl.lit(NOT_IN_FILE)).alias("status")


def _shareable(why: str, module: InstalledModule) -> str:
    """A refusal's reason as a findings file may carry it: the module's folder (a path in the
    person's cache, with their account name) named by the module instead."""
    return why.replace(str(module.folder), f"module {module.name}")


def _first_rsid(column: pl.Expr) -> pl.Expr:
    """The first rsID in an ID field (`rs1;rs2`, `RS12`): lower case; null when there is none."""
    return column.str.to_lowercase().str.extract(r"(rs\d+)", 1)


def _may_name(column: pl.Expr, rsids: pl.Series) -> pl.Expr:
    """True wherever `_first_rsid(column)` could be one of `rsids` (and on some other rows):
    a plain `rs<digits>` ID is its own first rsID, so it is looked up as it is; any other ID
    holding `rs` and a digit in any case is kept for the exact test. No regex extraction on every
    row: 0.33 CPU s for 5 M IDs (0.78 s with it)."""
    plain = column.str.contains(r"^rs\d+$")
    return column.is_in(rsids.implode()) | (~plain & column.str.contains(r"(?i)rs\d"))


def _column(name: str, columns: set[str]) -> pl.Expr:
    return pl.col(name) if name in columns else pl.lit(None, pl.Utf8).alias(name)


def _empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_COLUMNS)
