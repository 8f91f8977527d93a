"""A sample's findings arranged for a person: a section per module, the medicines, and what could
not be checked. The report, `report --json`, the `findings` command and the Summary tab all read
them through `read_sample_findings` (or `arrange`, for findings just made), and `to_dict()` is the
one JSON shape (issue 20's `findings --json`, with more keys).

Order (most important first):
- findings within a module: by `priority` (PRIORITY_RANK: the free-text priorities modules use,
  `critical` before `high` before `medium` before `low`; anything else, numbers included, after
  them all, since a module's own scale cannot be guessed), then by the size of `weight` (its sign
  says only which way), then by how sure (the evidence ladder), then by position;
- modules: those with findings first, by their most important finding's priority, then by their
  surest finding, then by title (weights are on each module's own scale: never compared across);
- medicines: by the surest finding about them, then by name; under each, one row per module that
  said something (never merged), surest first, and then every other module that spoke of
  medicines and said nothing about this one (PharmCAT's "no guidance" row).

A drug finding (plain_words.is_about_a_medicine) is said under Medicines, not again in its
module's section; the JSON keeps it in its module's list as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import UserError
from ..layout import sample_name
from ..modules.findings import annotation_stamp, findings_path, read_findings
from .plain_words import (EVIDENCE_LADDER, NOT_A_DIAGNOSIS, UNVERIFIED, drug_advice,
                          effect_of, evidence_of, evidence_rank, is_about_a_medicine,
                          medicines_of, nothing_about, result_in_words, sites_in_words)

PRIORITY_RANK = {"critical": 0, "very high": 0, "highest": 0, "urgent": 0, "high": 1,
                 "medium": 2, "moderate": 2, "normal": 2, "low": 3, "very low": 4, "lowest": 4,
                 "minimal": 4}
UNKNOWN_PRIORITY = max(PRIORITY_RANK.values()) + 1
# The counts of what a module could not check, in the order they are said.
COUNT_KEYS = ("sites", "not_in_file", "filtered", "mismatched", "not_looked_up", "other_genotype")
# The keys of a finding in the JSON: issue 20's, then what this program adds.
FINDING_KEYS = ("rsid", "chrom", "start", "genotype", "state", "weight", "priority", "conclusion",
                "gene", "phenotype", "category", "pmids", "ref", "zygosity", "clin_sig",
                "evidence_level", "stat_significance", "direction", "drug", "response",
                "phenotype_category", "requires_callable", "matched_by")
MODULE_KEYS = ("name", "title", "version", "digest", "verified", "license", "curator", "source",
               "revision", "rows")
NO_MODULES = "No modules installed: see `modules get`."


def priority_rank(value: Any) -> int:
    if not isinstance(value, str):
        return UNKNOWN_PRIORITY
    return PRIORITY_RANK.get(" ".join(value.replace("_", " ").replace("-", " ").lower().split()),
                             UNKNOWN_PRIORITY)


@dataclass
class Finding:
    """One row of the findings table and the words said about it."""

    row: dict[str, Any]
    evidence: str
    effect: str | None    # None: the module does not score it (a drug table)
    result: str
    medicines: list[tuple[str, bool]]   # [(name, named as a drug by the module)]; [] if none
    priority: int                        # priority_rank of the row's priority

    @classmethod
    def of(cls, row: dict[str, Any]) -> Finding:
        weight = row.get("weight")
        if isinstance(weight, float) and not math.isfinite(weight):
            row = {**row, "weight": None}
        return cls(row=row, evidence=evidence_of(row), effect=effect_of(row),
                   result=result_in_words(row),
                   medicines=medicines_of(row) if is_about_a_medicine(row) else [],
                   priority=priority_rank(row.get("priority")))

    def result_under(self, heading: str) -> str:
        """The result said under a heading: without the phenotype when the heading names it."""
        phenotype = self.row.get("phenotype")
        if isinstance(phenotype, str) and phenotype.strip().casefold() == heading.casefold():
            return result_in_words(self.row, phenotype_first=False)
        return self.result

    def sort_key(self) -> tuple:
        weight = self.row.get("weight")
        return (self.priority,
                -abs(weight) if isinstance(weight, (int, float)) else math.inf,
                evidence_rank(self.evidence), str(self.row.get("chrom") or ""),
                self.row.get("start") or 0, str(self.row.get("conclusion") or ""))

    def to_dict(self) -> dict[str, Any]:
        data = {key: self.row.get(key) for key in FINDING_KEYS}
        data["pmids"] = list(data["pmids"] or [])
        data.update(evidence=self.evidence, effect=self.effect, result=self.result,
                    medicines=[name for name, _ in self.medicines])
        return data


@dataclass
class ModuleSection:
    """One module: what it is (its record in the findings' metadata) and its findings, most
    important first."""

    about: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    rank: tuple = ()   # its place among the modules (sort_key), set once its findings are in

    @property
    def name(self) -> str:
        return str(self.about.get("name") or "")

    @property
    def title(self) -> str:
        return str(self.about.get("title") or self.name)

    @property
    def verified(self) -> bool:
        return bool(self.about.get("verified"))

    @property
    def label(self) -> str:
        """The title, marked wherever an unverified module is named."""
        return self.title if self.verified else f"{self.title} ({UNVERIFIED})"

    def count(self, key: str) -> int:
        value = self.about.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    @property
    def general(self) -> list[Finding]:
        """The findings said in this module's own section: those not about a medicine."""
        return [f for f in self.findings if not f.medicines]

    @property
    def about_medicines(self) -> list[Finding]:
        return [f for f in self.findings if f.medicines]

    def sort_key(self) -> tuple:
        if not self.findings:
            return (1, UNKNOWN_PRIORITY, len(EVIDENCE_LADDER), self.title.casefold())
        return (0, min(f.priority for f in self.findings),
                min(evidence_rank(f.evidence) for f in self.findings), self.title.casefold())

    def to_dict(self) -> dict[str, Any]:
        data = {key: self.about.get(key) for key in MODULE_KEYS}
        data["verified"] = self.verified
        data.update({key: self.count(key) for key in COUNT_KEYS})
        data["findings"] = [f.to_dict() for f in self.findings]
        return data


@dataclass
class DrugSource:
    """What one module says about one medicine."""

    section: ModuleSection
    findings: list[Finding]

    @property
    def evidence(self) -> str:
        return min((f.evidence for f in self.findings), key=evidence_rank)


@dataclass
class DrugGroup:
    """One medicine: a row per module that said something about it, and the modules that spoke of
    medicines but had nothing about this one."""

    name: str
    named: bool                       # the module named a drug (not only a phenotype or gene)
    sources: list[DrugSource]
    nothing_from: list[ModuleSection]

    @property
    def evidence(self) -> str:
        """The surest source's word; "not known" when no module said anything about it."""
        return min((s.evidence for s in self.sources), key=evidence_rank,
                   default=EVIDENCE_LADDER[-1])

    @property
    def heading(self) -> str:
        return self.name[:1].upper() + self.name[1:]

    @property
    def advice(self) -> str:
        return drug_advice(self.name if self.named else None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "drug": self.name, "named_by_module": self.named, "evidence": self.evidence,
            "advice": self.advice,
            "sources": [{"module": s.section.name, "title": s.section.title,
                         "version": s.section.about.get("version"),
                         "verified": s.section.verified, "evidence": s.evidence,
                         "findings": [_drug_finding(f) for f in s.findings]}
                        for s in self.sources],
            "nothing_from": [{"module": m.name, "title": m.title} for m in self.nothing_from],
        }


def _drug_finding(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    return {key: data[key] for key in ("rsid", "gene", "genotype", "result", "conclusion",
                                       "response", "evidence", "effect")}


@dataclass
class SampleFindings:
    """A sample's findings, arranged (see the module docstring)."""

    sample: str
    sections: list[ModuleSection]
    drugs: list[DrugGroup]
    refused: list[dict[str, Any]] = field(default_factory=list)   # {name, title, why}
    match_by: str | None = None
    input_format: str | None = None
    stale: bool = False   # made from an earlier annotation of the sample

    @property
    def drugs_found(self) -> list[DrugGroup]:
        """The medicines a module said something about for this person."""
        return [group for group in self.drugs if group.sources]

    def drugs_not_found(self) -> str | None:
        """One sentence naming the medicines the drug modules cover but found nothing about for
        this person's genotypes (so none is silently dropped); None when there are none."""
        quiet = [group for group in self.drugs if not group.sources]
        if not quiet:
            return None
        names = [group.name for group in quiet]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        modules = sorted({m.label for group in quiet for m in group.nothing_from})
        return (f"Also covered, with no finding for your genotypes: {listed} "
                f"({'; '.join(modules)}).")

    @property
    def count(self) -> int:
        return sum(len(s.findings) for s in self.sections)

    def not_checked(self) -> list[str]:
        """What could not be checked, beyond each module's counts, as sentences."""
        notes = []
        if not self.sections and not self.refused:
            notes.append(NO_MODULES)
        for refused in self.refused:
            title = refused.get("title") or refused.get("name")
            notes.append(f"{title} was not used: {refused.get('why') or 'refused'}.")
        for section in self.sections:
            if not section.verified:
                notes.append(f"{section.title} is {UNVERIFIED}: it came without a manifest that "
                             "vouches for its files, and you chose to use it anyway.")
        if self.stale:
            notes.append("These findings were made from an earlier annotation of this sample: run "
                         "the modules again to bring them up to date.")
        return notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "match_by": self.match_by,
            "input_format": self.input_format,
            "modules": [s.to_dict() for s in self.sections],
            "drugs": [d.to_dict() for d in self.drugs],
            "modules_refused": self.refused,
            "not_checked": self.not_checked(),
            "stale": self.stale,
            "evidence_ladder": list(EVIDENCE_LADDER),
            "not_a_diagnosis": NOT_A_DIAGNOSIS,
        }

    def as_text(self) -> str:
        """The findings for a terminal: a line per finding, in the report's order and words."""
        lines = [f"{self.sample}: {self.count} finding{'' if self.count == 1 else 's'} from "
                 f"{len(self.sections)} module{'' if len(self.sections) == 1 else 's'}"]
        for group in self.drugs_found:
            lines += ["", f"{group.heading} ({group.evidence}): {group.advice}"]
            for source in group.sources:
                for finding in source.findings:
                    lines.append(f"  {source.section.label}: {finding.result} "
                                 f"[{finding.evidence}]")
            lines += [f"  {m.label}: {nothing_about(group.name)}"
                      for m in group.nothing_from]
        if self.drugs_not_found():
            lines += ["", self.drugs_not_found()]
        for section in self.sections:
            version = section.about.get("version")
            count = len(section.findings)
            lines += ["", f"{section.label}{f' {version}' if version else ''}: {count} "
                          f"finding{'' if count == 1 else 's'}. {sites_in_words(section.about)}"]
            for finding in section.general:
                rsid = finding.row.get("rsid") or "-"
                lines.append(f"  {rsid} {finding.row.get('genotype') or ''}: {finding.result} "
                             f"[{'; '.join(filter(None, (finding.evidence, finding.effect)))}]")
        lines += ["", *self.not_checked(), NOT_A_DIAGNOSIS]
        return "\n".join(lines)


def arrange(frame: pl.DataFrame, metadata: dict[str, Any], sample: str,
            stale: bool = False) -> SampleFindings:
    """The findings table and its metadata (core.modules.findings: `Findings.frame` and
    `.metadata()`, or `read_findings`) arranged for a person."""
    sections: dict[str, ModuleSection] = {}
    for about in metadata.get("modules") or []:
        if isinstance(about, dict) and about.get("name"):
            sections[str(about["name"])] = ModuleSection(about=about)
    for row in frame.iter_rows(named=True):
        module = str(row.get("module") or "")
        if module not in sections:   # a finding whose module the metadata lacks: still said
            sections[module] = ModuleSection(about={"name": module, "title": module})
        sections[module].findings.append(Finding.of(row))
    for section in sections.values():
        section.findings.sort(key=Finding.sort_key)
        section.rank = section.sort_key()
    ordered = sorted(sections.values(), key=lambda s: s.rank)
    refused = [r for r in metadata.get("modules_refused") or [] if isinstance(r, dict)]
    return SampleFindings(sample=sample, sections=ordered, drugs=_drug_groups(ordered),
                          refused=refused, match_by=metadata.get("match_by"),
                          input_format=metadata.get("input_format"), stale=stale)


def read_sample_findings(output: Path, sample: str | None = None) -> SampleFindings | None:
    """The findings of the sample whose annotated output is `output`, arranged; None when the
    modules have not run for it (no findings file beside it: an older result). A findings file
    that cannot be read is a UserError naming it."""
    path = findings_path(output)
    if not path.is_file():
        return None
    frame, metadata = read_findings(path)
    return arrange(frame, metadata, sample or sample_name(Path(output), metadata),
                   _made_from_another_annotation(Path(output), path, metadata))


def _made_from_another_annotation(output: Path, path: Path, metadata: dict[str, Any]) -> bool:
    """The findings record the annotation they were made from (its size and mtime); findings
    written without that record are judged by the files' ages."""
    try:
        if isinstance(metadata.get("annotation"), dict):
            return metadata["annotation"] != annotation_stamp(output)
        return path.stat().st_mtime < output.stat().st_mtime
    except OSError:
        return False


def findings_document(output: Path, sample: str | None = None) -> dict[str, Any]:
    """`findings --json`: the arranged findings of one sample as JSON-ready data; a UserError when
    its modules have not run."""
    found = read_sample_findings(output, sample)
    if found is None:
        raise UserError(f"{findings_path(output)}: no findings yet (the annotation modules have "
                        "not run for this sample; see `modules get`)")
    return found.to_dict()


def _covered(section: ModuleSection) -> list[str]:
    """The medicines a drug module covers (its record's `drugs`), found or not."""
    drugs = section.about.get("drugs")
    return [d for d in drugs if isinstance(d, str) and d.strip()] if isinstance(drugs, list) else []


def _drug_groups(sections: list[ModuleSection]) -> list[DrugGroup]:
    """Medicines by name; a medicine a module covers but said nothing about for this person is
    listed too, with that module under `nothing_from` (never dropped: PharmCAT's "no guidance")."""
    groups: dict[str, DrugGroup] = {}
    sources: dict[tuple[str, int], DrugSource] = {}   # (drug, module section) -> its row
    speaking = [s for s in sections if s.about_medicines or _covered(s)]
    for section in speaking:
        for finding in section.about_medicines:
            for name, named in dict.fromkeys(finding.medicines):   # `a; a` names one drug once
                key = name.casefold()
                group = groups.setdefault(key, DrugGroup(name, named, [], []))
                if named and not group.named:  # a drug's own name over a phenotype's
                    group.name, group.named = name, True
                source = sources.get((key, id(section)))
                if source is None:
                    source = sources[key, id(section)] = DrugSource(section, [])
                    group.sources.append(source)
                source.findings.append(finding)
    for section in speaking:
        for name in _covered(section):
            groups.setdefault(name.casefold(), DrugGroup(name, True, [], []))
    for group in groups.values():
        group.sources.sort(key=lambda s: (evidence_rank(s.evidence), s.section.rank))
        said = {id(s.section) for s in group.sources}
        group.nothing_from = [s for s in speaking if id(s) not in said]
    return sorted(groups.values(), key=lambda g: (not g.sources, evidence_rank(g.evidence),
                                                  g.name.casefold()))
