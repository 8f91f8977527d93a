"""The fixed words in which a finding is said to a person: how sure it is, which way it points,
what the person has, and the one sentence about medicines. The report, the Summary tab and the
`findings` command all take their words from here, so a word means the same thing everywhere.

How sure: four words, and no others (`EVIDENCE_LADDER`, strongest first). `evidence_of(row)`
derives one from the module's own fields, reading the field that grades evidence most
specifically first; the first that speaks decides, and a weaker field never raises (nor lowers)
its word:

1. `evidence_level`, the ClinPGx/PharmGKB level of a drug annotation (a scale made for this):
   1A/1B (a prescribing guideline, or a replicated association with strong support) -> well
   established; 2A/2B (moderate, replicated) -> likely; 3 and 4 (one study, or a case report or
   in-vitro result) -> early evidence.
2. `clin_sig`, when it is a graded classification (ACMG/ClinVar): pathogenic or benign -> well
   established (the ACMG classes of more than 99 % certainty); likely pathogenic or likely benign
   -> likely (more than 90 %); uncertain significance or conflicting -> not known. ClinVar's
   risk-allele grades read the same way (established / likely / uncertain risk allele). A value
   naming several classes ("pathogenic/likely_pathogenic", submitters who disagree) takes the
   weakest of them.
3. `stat_significance`: significant with two or more studies (PubMed IDs) -> likely; significant
   with one or none, or suggestive -> early evidence; not significant -> not known.
4. `clin_sig`, when it names a kind of claim without grading it (drug response, association, risk
   factor, protective, affects, confers sensitivity) -> early evidence.
5. Nothing of the above (no field, or not provided, other, unknown) -> not known.

Why an order and not the strongest field: an explicit "uncertain significance" from a clinical
classification is a statement about the evidence, and a statistical field must not overrule it;
and a ClinPGx level already weighs the studies a `stat_significance` would count.

Which way: `effect_of(row)` reads `direction` (risk, protective, neutral), else `state` (the
same words), else, for the older `significant` state, the sign of `weight` (positive is
favourable), as the format's own `direction_from_state` does; anything else has no effect known.

Medicines are never an instruction: `drug_advice(drug)` is the only sentence said about one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

# How sure a finding is: exactly these four words, strongest first.
WELL_ESTABLISHED = "well established"
LIKELY = "likely"
EARLY_EVIDENCE = "early evidence"
NOT_KNOWN = "not known"
EVIDENCE_LADDER = (WELL_ESTABLISHED, LIKELY, EARLY_EVIDENCE, NOT_KNOWN)
# Each word in a sentence a person reads in the report's legend.
EVIDENCE_MEANING = {
    WELL_ESTABLISHED: "a prescribing guideline or an expert classification (such as "
                      "\u201cpathogenic\u201d) stands behind it",
    LIKELY: "support that is not final: a \u201clikely\u201d classification, a drug annotation "
            "of the second grade, or a result repeated in two or more studies",
    EARLY_EVIDENCE: "one study, a result short of the usual statistical bar, or a link reported "
                    "but not graded",
    NOT_KNOWN: "the module does not grade it, or its grade says the evidence is unclear or "
               "disputed",
}

# Which way a finding points, in the module's own scoring.
RAISES = "raises risk"
LOWERS = "lowers risk"
NO_EFFECT_KNOWN = "no effect known"
EFFECTS = (RAISES, LOWERS, NO_EFFECT_KNOWN)

NOT_A_DIAGNOSIS = "This is not a diagnosis."
# The headings and sentences around the findings, the same in the report and the Summary tab.
FINDINGS_HEADING = "What your genome says"
MEDICINES_HEADING = "Medicines"
MODULES_HEADING = "What each module says"
NOT_CHECKED_HEADING = "What could not be checked"
HOW_SURE = "How sure"
# For a finding the person carries no copy of, the ladder's word grades the variant (how sure it
# matters), not their result: said so, so "likely" never reads as "likely to have it".
HOW_SURE_OF_VARIANT = "How sure this variant matters (you do not carry it)"
NO_FINDINGS = "No findings."
FINDINGS_INTRO = ("curated tables that say what a genotype means. Each finding says first what "
                  "you have, then what it means; the details for a professional (the variant's "
                  "ID, position and studies) are folded under it. A finding is what a module "
                  "says about a genotype like yours, not a judgement about you.")
LADDER_INTRO = "How sure each finding is, always in one of four words, from the module's own grading:"
MEDICINES_INTRO = ("What the modules say about how your genes may shape a medicine's effect, by "
                   "medicine, surest first, one row per module. A genotype is one of many things "
                   "that shape how a medicine works for you: only your doctor or pharmacist can "
                   "weigh them together.")
NO_MEDICINE_FINDING = "None of the modules has a finding about a medicine for your genotypes."
NO_EXPLANATION = "The module gives no explanation."
DETAILS_FOLD = "Details for a professional"
SCORING = "In this module's scoring"
# The details for a professional, by the findings table's column (and the module that made it).
DETAIL_LABELS = {
    "rsid": "rsID", "genotype": "genotype", "position": "position (GRCh38)", "gene": "gene",
    "phenotype": "phenotype", "category": "category", "pmids": "studies", "weight": "weight",
    "state": "state", "direction": "direction", "clin_sig": "clinical significance",
    "evidence_level": "evidence level (ClinPGx)",
    "stat_significance": "statistical significance", "drug": "drug", "response": "response",
    "phenotype_category": "phenotype category", "priority": "priority",
    "matched_by": "matched by", "module": "module",
}
MATCHED_BY_WORDS = {"rsid": "rsID", "position": "position"}

NOT_STATED = "not stated"  # an empty field in the details
UNVERIFIED = "unverified"  # beside every module without a manifest that vouched for its files

# What happened to the module sites that are not findings (findings.py's site states): a short
# name, and what it means.
SITE_WORDS = {
    "not_in_file": "not in your file",
    "filtered": "filtered",
    "mismatched": "did not fit",
    "not_looked_up": "not looked up",
    "other_genotype": "nothing said",
}
SITE_MEANING = {
    "not_in_file": "your file has no call at the module's site",
    "filtered": "your file has a call there, but it failed the file's own quality filter",
    "mismatched": "your call's letters fit neither the reference's nor the variant's, on either "
                  "strand",
    "not_looked_up": "the reference could not place the marker on GRCh38",
    "other_genotype": "checked, but the module says nothing about your genotype there",
}

_SITE_PHRASES = {
    "other_genotype": "{n} checked, with nothing said about your genotype",
    "not_in_file": "{n} not in your file",
    "filtered": "{n} filtered out by your file's quality check",
    "mismatched": "{n} with a call that did not fit",
    "not_looked_up": "{n} not looked up",
}


def sites_in_words(counts: Mapping[str, Any]) -> str:
    """What became of a module's sites: `Of its 7 sites: 5 not in your file, 2 filtered out by
    your file's quality check.` (the counts of findings.py's site states)."""
    sites = counts.get("sites") or 0
    parts = [phrase.format(n=f"{counts[key]:,}") for key, phrase in _SITE_PHRASES.items()
             if isinstance(counts.get(key), int) and counts[key] > 0]
    head = f"Of its {sites:,} site{'' if sites == 1 else 's'}"
    if parts:
        return f"{head}: {', '.join(parts)}."
    # No site fell short: every one was called and gave a finding (or there is none at all).
    return f"{head}: each gave a finding." if sites else "It has no sites."


_LEVEL = re.compile(r"(?i)^\s*(?:level\s*)?([1-4])\s*([ab])?\s*$")
_GRADED = {
    "pathogenic": WELL_ESTABLISHED, "benign": WELL_ESTABLISHED,
    "established_risk_allele": WELL_ESTABLISHED,
    "likely_pathogenic": LIKELY, "likely_benign": LIKELY, "likely_risk_allele": LIKELY,
    "uncertain_significance": NOT_KNOWN, "uncertain_risk_allele": NOT_KNOWN,
    "conflicting": NOT_KNOWN, "conflicting_interpretations_of_pathogenicity": NOT_KNOWN,
    "conflicting_classifications_of_pathogenicity": NOT_KNOWN,
}
_UNGRADED = {"drug_response", "association", "risk_factor", "protective", "affects",
             "confers_sensitivity"}
_DRUG_CATEGORIES = {"drug_response", "drug", "drugs", "medication", "medications",
                    "pharmacogenomic", "pharmacogenomics", "pharmacogenetic", "pharmacogenetics",
                    "pgx"}


def _words(value: Any) -> tuple[str, ...]:
    """A module's vocabulary value as terms: `Likely pathogenic/Pathogenic` -> two terms."""
    return _terms(value) if isinstance(value, str) else ()


@lru_cache(maxsize=4096)  # a module's vocabulary is a few dozen values, met thousands of times
def _terms(value: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[\s-]+", "_", part.strip().lower()) for part in re.split(r"[/,;|]", value)
                 if part.strip())


def _term(value: Any) -> str | None:
    terms = _words(value)
    return terms[0] if len(terms) == 1 else None


def evidence_of(row: Mapping[str, Any]) -> str:
    """One of EVIDENCE_LADDER for a finding (a row of the findings table), as the module docstring
    says."""
    level = _LEVEL.match(row.get("evidence_level") or "")
    if level:
        return {"1": WELL_ESTABLISHED, "2": LIKELY}.get(level.group(1), EARLY_EVIDENCE)
    clin_sig = _words(row.get("clin_sig"))
    graded = [_GRADED[t] for t in clin_sig if t in _GRADED]
    if graded:
        return max(graded, key=EVIDENCE_LADDER.index)  # the weakest of several classes
    significance = _term(row.get("stat_significance"))
    studies = len(row.get("pmids") or [])
    if significance == "significant":
        return LIKELY if studies >= 2 else EARLY_EVIDENCE
    if significance == "suggestive":
        return EARLY_EVIDENCE
    if significance in ("not_significant", "nonsignificant"):
        return NOT_KNOWN
    if any(t in _UNGRADED for t in clin_sig):
        return EARLY_EVIDENCE
    return NOT_KNOWN


def evidence_rank(word: str) -> int:
    """0 for the strongest word; unknown words after the ladder."""
    return EVIDENCE_LADDER.index(word) if word in EVIDENCE_LADDER else len(EVIDENCE_LADDER)


def effect_of(row: Mapping[str, Any]) -> str | None:
    """RAISES, LOWERS or NO_EFFECT_KNOWN, in the module's own scoring (see the module docstring);
    None when the module does not score the row at all (a drug table has no state or weight)."""
    for field in ("direction", "state"):
        term = _term(row.get(field))
        if term == "risk":
            return RAISES
        if term == "protective":
            return LOWERS
        if term == "neutral":
            return NO_EFFECT_KNOWN
    weight = row.get("weight")
    if _term(row.get("state")) == "significant" and isinstance(weight, (int, float)) and weight:
        return LOWERS if weight > 0 else RAISES
    if row.get("state") or row.get("direction") or isinstance(weight, (int, float)):
        return NO_EFFECT_KNOWN
    return None


def is_about_a_medicine(row: Mapping[str, Any]) -> bool:
    """A drug finding: it names a drug, or the module files it as a drug response (its clinical
    significance, category or pharmacogenomic phenotype category says so)."""
    if isinstance(row.get("drug"), str) and row["drug"].strip():
        return True
    if "drug_response" in _words(row.get("clin_sig")):
        return True
    if any(t in _DRUG_CATEGORIES for t in _words(row.get("category"))):
        return True
    return bool(_words(row.get("phenotype_category")))


def medicines_of(row: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """[(name, named as a drug)] for a drug finding: the `drug` column's drugs (`a; b` names two);
    when the module names no drug, the phenotype it gives (`Clopidogrel activation`), else its gene
    (`medicines linked to CYP2C19`), never a guess at a drug's name: the second value is then
    False and `drug_advice` says "a medicine this is about"."""
    drug = row.get("drug")
    if isinstance(drug, str) and drug.strip():
        return [(name.strip(), True) for name in drug.split(";") if name.strip()]
    phenotype = row.get("phenotype")
    if isinstance(phenotype, str) and phenotype.strip():
        return [(phenotype.strip(), False)]
    gene = row.get("gene")
    if isinstance(gene, str) and gene.strip():
        return [(f"Medicines linked to {gene.strip()}", False)]
    return [("A medicine the module does not name", False)]


def findings_count(count: int, modules: int) -> str:
    """`3 findings from 2 annotation modules`."""
    return (f"{count:,} finding{'' if count == 1 else 's'} from {modules} annotation "
            f"module{'' if modules == 1 else 's'}")


def weight_in_words(weight: Any) -> str | None:
    """A finding's weight with what its sign means; None when the module gives none."""
    if not isinstance(weight, (int, float)) or isinstance(weight, bool):
        return None
    return f"{weight:g} (the module's own scale: below 0 counts against you, above 0 for you)"


def reference_allele_in_words(ref: Any) -> str:
    return f", reference allele {ref}" if ref else ""


def not_in_file_in_words(match_by: str | None) -> str:
    """Why a module site can be "not in your file", for the way the file was read."""
    if match_by == "rsid":
        return ("Your file was read by rsID (a genotyping chip, or a file on another genome "
                "build). A module site \u201cnot in your file\u201d is one the file did not call: "
                "the chip does not test it, or gave no call there.")
    return ("Your file was read by position (a VCF on GRCh38). A VCF usually lists only the "
            "places where you differ from the reference genome, so a module site \u201cnot in "
            "your file\u201d was not read: you may have the reference version there, or it was "
            "not sequenced. It is never taken for the usual genotype.")


def nothing_about(drug: str) -> str:
    """A module that covers medicines, about one it said nothing about for this person."""
    return f"no finding about {drug} for your genotypes"


def about_medicines(count: int) -> str:
    """A module's section, about its findings said under Medicines instead."""
    return (f"{count:,} of its findings {'is' if count == 1 else 'are'} about medicines: see "
            "Medicines above.")


def drug_advice(drug: str | None) -> str:
    """The one sentence said about a medicine: never "avoid", "stop", "do not take" or a dose."""
    if drug:
        return f"Talk to your doctor or pharmacist before starting or changing {drug}."
    return "Talk to your doctor or pharmacist before starting or changing a medicine this is about."


def result_in_words(row: Mapping[str, Any], phenotype_first: bool = True) -> str:
    """What the person has, in one sentence without rsIDs or numbers: `Clopidogrel activation: you
    have one copy of a variant in CYP2C19.` The phenotype leads as the module writes it (lowering
    its first letter would misspell `Alzheimer's disease`); without it (`phenotype_first=False`,
    under a heading that names it already) `You have one copy of a variant in CYP2C19.` Built from
    the genotype against the module's REF when both are known, else from the zygosity."""
    copies, after = _copies(row.get("genotype"), row.get("ref"), row.get("zygosity"))
    gene = row.get("gene")
    where = f" in {gene.strip()}" if isinstance(gene, str) and gene.strip() else ""
    phenotype = row.get("phenotype")
    if phenotype_first and isinstance(phenotype, str) and phenotype.strip():
        return f"{phenotype.strip()}: you have {copies}{where}{after}."
    return f"You have {copies}{where}{after}."


def carries_none(row: Mapping[str, Any]) -> bool:
    """Whether the person carries no copy of the finding's variant (every allele is the REF)."""
    return _copies(row.get("genotype"), row.get("ref"), row.get("zygosity"))[0] == \
        "no copy of a variant"


def how_sure_label(row: Mapping[str, Any]) -> str:
    """The words before a finding's evidence word (HOW_SURE, or HOW_SURE_OF_VARIANT)."""
    return HOW_SURE_OF_VARIANT if carries_none(row) else HOW_SURE


def _copies(genotype: Any, ref: Any, zygosity: Any) -> tuple[str, str]:
    """(what the person has, a clause after the gene and phenotype)."""
    alleles = [a for a in re.split(r"[/|]", genotype) if a] if isinstance(genotype, str) else []
    if alleles and isinstance(ref, str) and ref:
        others = [a for a in alleles if a.upper() != ref.upper()]
        if len(alleles) == 1:
            return (("a variant", " (you have one copy of this chromosome)") if others else
                    ("no copy of a variant", ": your one copy of this chromosome matches the "
                                             "reference genome"))
        if not others:
            return "no copy of a variant", ": both your copies match the reference genome"
        if len(others) == 1:
            return "one copy of a variant", ""
        return ("two copies of a variant", "") if others[0] == others[1] else \
            ("two different variants", "")
    return {
        "het": ("one copy of a variant", ""),
        "hom_alt": ("two copies of a variant", ""),
        "hom_ref": ("no copy of a variant", ": both your copies match the reference genome"),
        "haploid_alt": ("a variant", " (you have one copy of this chromosome)"),
        "haploid_ref": ("no copy of a variant", ": your one copy of this chromosome matches the "
                                                "reference genome"),
    }.get(zygosity if isinstance(zygosity, str) else "", ("a genotype", ""))
