"""How findings are said to a person: the evidence ladder derived from a module's own fields, the
plain sentences, the order, medicines by drug, what could not be checked, and the JSON that the
report and the `findings` command share. Real modules, the real engine and core/modules' find()."""

from __future__ import annotations

import json
import os
import re

import polars as pl
import pytest

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.modules.findings import (find, findings_path, read_findings,
                                                    update_findings)
from just_dna_desktop.core.results import plain_words
from just_dna_desktop.core.results.plain_words import (
    EARLY_EVIDENCE, EVIDENCE_LADDER, LIKELY, LOWERS, NO_EFFECT_KNOWN, NOT_KNOWN, RAISES,
    WELL_ESTABLISHED, drug_advice, effect_of, evidence_of, medicines_of, result_in_words)
from just_dna_desktop.core.results.sample_findings import (
    arrange, findings_document, priority_rank, read_sample_findings)

from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR

from findings_words_data import (annotated_sample, install, run_findings, standard_modules,
                                 trait, write_weights_module)

BANNED = re.compile(r"\b(avoid|stop|stopping|do not take|don't take|dose of|mg)\b", re.I)


# -- the ladder ----------------------------------------------------------------------------------

def test_the_ladder_is_four_fixed_words():
    assert EVIDENCE_LADDER == ("well established", "likely", "early evidence", "not known")
    assert set(plain_words.EVIDENCE_MEANING) == set(EVIDENCE_LADDER)


@pytest.mark.parametrize("row, word", [
    # ClinPGx / PharmGKB levels
    ({"evidence_level": "1A"}, WELL_ESTABLISHED),
    ({"evidence_level": "1b"}, WELL_ESTABLISHED),
    ({"evidence_level": "Level 2A"}, LIKELY),
    ({"evidence_level": "2B"}, LIKELY),
    ({"evidence_level": "3"}, EARLY_EVIDENCE),
    ({"evidence_level": "4"}, EARLY_EVIDENCE),
    # graded clinical significance (ACMG / ClinVar)
    ({"clin_sig": "pathogenic"}, WELL_ESTABLISHED),
    ({"clin_sig": "Benign"}, WELL_ESTABLISHED),
    ({"clin_sig": "likely_pathogenic"}, LIKELY),
    ({"clin_sig": "Likely benign"}, LIKELY),
    ({"clin_sig": "Pathogenic/Likely pathogenic"}, LIKELY),   # submitters disagree: the weaker
    ({"clin_sig": "uncertain_significance"}, NOT_KNOWN),
    ({"clin_sig": "conflicting"}, NOT_KNOWN),
    ({"clin_sig": "Conflicting interpretations of pathogenicity"}, NOT_KNOWN),
    # statistics, counting the studies
    ({"stat_significance": "significant", "pmids": ["1", "2"]}, LIKELY),
    ({"stat_significance": "significant", "pmids": ["1"]}, EARLY_EVIDENCE),
    ({"stat_significance": "significant", "pmids": []}, EARLY_EVIDENCE),
    ({"stat_significance": "suggestive", "pmids": ["1", "2", "3"]}, EARLY_EVIDENCE),
    ({"stat_significance": "not_significant", "pmids": ["1", "2"]}, NOT_KNOWN),
    # a kind of claim, not graded
    ({"clin_sig": "drug_response"}, EARLY_EVIDENCE),
    ({"clin_sig": "risk_factor"}, EARLY_EVIDENCE),
    ({"clin_sig": "association"}, EARLY_EVIDENCE),
    ({"clin_sig": "protective"}, EARLY_EVIDENCE),
    ({"clin_sig": "affects"}, EARLY_EVIDENCE),
    # nothing that grades
    ({}, NOT_KNOWN),
    ({"clin_sig": "not_provided"}, NOT_KNOWN),
    ({"clin_sig": "other", "stat_significance": "unknown"}, NOT_KNOWN),
    ({"evidence_level": "5"}, NOT_KNOWN),
    # the most specific field decides; a weaker one never overrules it
    ({"evidence_level": "3", "clin_sig": "pathogenic"}, EARLY_EVIDENCE),
    ({"clin_sig": "uncertain_significance", "stat_significance": "significant",
      "pmids": ["1", "2"]}, NOT_KNOWN),
    ({"clin_sig": "risk_factor", "stat_significance": "significant", "pmids": ["1", "2"]},
     LIKELY),
    ({"clin_sig": "risk_factor", "stat_significance": "not_significant"}, NOT_KNOWN),
])
def test_evidence_is_derived_from_the_modules_own_fields(row, word):
    assert evidence_of(row) == word


@pytest.mark.parametrize("row, effect", [
    ({"state": "risk", "weight": 1.0}, RAISES),          # the state, not the weight's sign
    ({"state": "protective"}, LOWERS),
    ({"state": "neutral", "weight": -2.0}, NO_EFFECT_KNOWN),
    ({"direction": "protective", "state": "risk"}, LOWERS),   # direction first
    ({"direction": "contested", "state": "risk"}, RAISES),
    ({"state": "significant", "weight": -0.4}, RAISES),
    ({"state": "significant", "weight": 0.4}, LOWERS),
    ({"state": "alt", "weight": 0.4}, NO_EFFECT_KNOWN),
    ({"drug": "warfarin"}, None),                           # a drug table does not score
])
def test_which_way_a_finding_points(row, effect):
    assert effect_of(row) == effect


@pytest.mark.parametrize("row, sentence", [
    ({"genotype": "A/G", "ref": "G", "gene": "CYP2C19", "phenotype": "Clopidogrel activation"},
     "Clopidogrel activation: you have one copy of a variant in CYP2C19."),
    ({"genotype": "T/T", "ref": "C", "gene": "VKORC1"},
     "You have two copies of a variant in VKORC1."),
    ({"genotype": "G/G", "ref": "G", "phenotype": "Lactase persistence"},
     "Lactase persistence: you have no copy of a variant: both your copies match the reference "
     "genome."),
    ({"genotype": "A/T", "ref": "G"}, "You have two different variants."),
    ({"genotype": "A", "ref": "G", "gene": "MT-ND1"},
     "You have a variant in MT-ND1 (you have one copy of this chromosome)."),
    ({"genotype": "C/T", "zygosity": "het", "gene": "F5"}, "You have one copy of a variant in F5."),
    ({"genotype": "C/C", "zygosity": "hom_ref"},
     "You have no copy of a variant: both your copies match the reference genome."),
    ({"genotype": "C/T"}, "You have a genotype."),
])
def test_the_result_in_plain_words(row, sentence):
    assert result_in_words(row) == sentence
    assert not re.search(r"rs\d", result_in_words({**row, "rsid": "rs123"}))


def test_a_medicine_is_named_by_the_module_never_guessed():
    assert medicines_of({"drug": "clopidogrel"}) == [("clopidogrel", True)]
    assert medicines_of({"drug": "aspirin; clopidogrel"}) == [("aspirin", True),
                                                             ("clopidogrel", True)]
    assert medicines_of({"clin_sig": "drug_response", "phenotype": "Warfarin dose"}) == \
        [("Warfarin dose", False)]
    assert medicines_of({"category": "drug_response", "gene": "CYP2D6"}) == \
        [("Medicines linked to CYP2D6", False)]
    assert drug_advice("warfarin") == \
        "Talk to your doctor or pharmacist before starting or changing warfarin."
    for sentence in (drug_advice("warfarin"), drug_advice(None)):
        assert not BANNED.search(sentence)


def test_free_text_priorities_in_order_unknown_last():
    ranks = [priority_rank(p) for p in ("critical", "High", "very_high", "medium", "moderate",
                                        "low", "very low", None, "3", "urgent-ish")]
    assert ranks[0] == ranks[2] < ranks[1] < ranks[3] == ranks[4] < ranks[5] < ranks[6]
    assert ranks[7] == ranks[8] == ranks[9] > ranks[6]


# -- real findings -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """alice/s1 annotated by the engine, three modules installed, the findings written."""
    base = tmp_path_factory.mktemp("findings-words")
    output = annotated_sample(base)
    store = install(base, standard_modules(base))
    run_findings(output, store)
    return output


def test_modules_and_findings_most_important_first(sample):
    found = read_sample_findings(sample)
    assert found is not None and found.sample == "alice/s1"
    assert [s.name for s in found.sections] == ["traits", "pgx", "panel"]
    traits = found.sections[0]
    # high (APOE, weight -2.0) before low (MCM6); the drug row (no priority) last
    assert [f.row["gene"] for f in traits.findings] == ["APOE", "MCM6", "VKORC1"]
    assert [f.row["gene"] for f in traits.general] == ["APOE", "MCM6"]
    apoe, mcm6, vkorc1 = traits.findings
    assert (apoe.evidence, apoe.effect) == (EARLY_EVIDENCE, RAISES)       # risk_factor
    assert (mcm6.evidence, mcm6.effect) == (LIKELY, LOWERS)  # significant, two studies
    assert mcm6.row["pmids"] == ["11788828", "15106124"]
    assert mcm6.result == "Lactase persistence: you have one copy of a variant in MCM6."
    pgx = found.sections[1]
    assert [(f.row["drug"], f.evidence) for f in pgx.findings][0][1] == WELL_ESTABLISHED


def test_medicines_by_drug_one_row_per_module_and_who_said_nothing(sample):
    found = read_sample_findings(sample)
    drugs = {d.name: d for d in found.drugs}
    assert list(drugs) == ["clopidogrel", "warfarin", "celecoxib"]  # surest first, then by name
    warfarin = drugs["warfarin"]
    # the drug module's own name wins over the traits module's phenotype "Warfarin"
    assert warfarin.named and warfarin.advice.endswith("changing warfarin.")
    assert [(s.section.name, s.evidence) for s in warfarin.sources] == \
        [("pgx", WELL_ESTABLISHED), ("traits", EARLY_EVIDENCE)]
    assert [f.row["gene"] for f in warfarin.sources[0].findings] == ["CYP2C9", "VKORC1"]
    assert warfarin.nothing_from == []
    # the traits module speaks of medicines, but not of clopidogrel: it says so
    assert [m.name for m in drugs["clopidogrel"].nothing_from] == ["traits"]
    # the panel never speaks of medicines: it is not listed under any
    assert all("panel" not in {m.name for m in d.nothing_from} for d in found.drugs)


def test_what_could_not_be_checked(sample):
    found = read_sample_findings(sample)
    traits = found.sections[0]
    assert (traits.count("sites"), traits.count("not_in_file"), traits.count("filtered")) == \
        (5, 1, 1)   # F5 Leiden absent from the VCF; MTHFR failed its FILTER
    panel = found.sections[2]
    assert not panel.verified and panel.label.endswith("(unverified)")
    notes = found.not_checked()
    assert any("unverified" in n for n in notes)
    assert not found.stale


def test_the_json_has_the_issue_shape_and_more(sample):
    document = findings_document(sample)
    json.dumps(document)  # JSON-ready
    assert document["sample"] == "alice/s1"
    module = document["modules"][0]
    for key in ("name", "title", "version", "digest", "verified", "license", "sites",
                "not_in_file", "filtered", "findings"):
        assert key in module, key
    assert module["name"] == "traits" and module["digest"].startswith("sha256:")
    finding = module["findings"][0]
    for key in ("rsid", "chrom", "start", "genotype", "state", "weight", "priority",
                "conclusion", "gene", "phenotype", "category", "pmids"):
        assert key in finding, key
    assert finding["genotype"] == "C/C" and finding["rsid"] == "rs429358"
    assert finding["evidence"] in EVIDENCE_LADDER and finding["effect"] == RAISES
    assert document["drugs"][0]["drug"] == "clopidogrel"
    assert document["drugs"][0]["sources"][0]["evidence"] == WELL_ESTABLISHED
    assert document["evidence_ladder"] == list(EVIDENCE_LADDER)
    assert document["not_a_diagnosis"] == "This is not a diagnosis."


def test_the_json_is_the_same_from_find_and_from_the_file(sample):
    frame, metadata = read_findings(findings_path(sample))
    assert arrange(frame, metadata, "alice/s1").to_dict() == findings_document(sample)


def test_no_findings_file_is_an_older_result(tmp_path):
    output = annotated_sample(tmp_path)
    assert read_sample_findings(output) is None
    with pytest.raises(UserError, match="findings.parquet: no findings yet"):
        findings_document(output)


def test_no_modules_installed_says_so(tmp_path):
    output = annotated_sample(tmp_path)
    run_findings(output, install(tmp_path, []))
    found = read_sample_findings(output)
    assert found.sections == [] and found.drugs == []
    assert found.not_checked() == ["No modules installed: see `modules get`."]


def test_a_refused_module_is_named_with_the_reason(tmp_path):
    output = annotated_sample(tmp_path)
    folder = write_weights_module(tmp_path / "m", "late", [
        trait("rs4988235", "A/G", 0.3, "protective", "Persistence.")], title="Late module")
    store = install(tmp_path, [folder])
    changed = store.get("late").folder / "weights.parquet"
    changed.write_bytes(changed.read_bytes() + b"x")   # tampered after install
    run_findings(output, store)
    found = read_sample_findings(output)
    assert found.sections == []
    [note] = found.not_checked()
    assert note.startswith("Late module was not used: ") and "changed since" in note


def test_findings_of_another_annotation_are_said_to_be_stale(tmp_path):
    output = annotated_sample(tmp_path)
    update_findings(output, install(tmp_path, standard_modules(tmp_path)))
    assert not read_sample_findings(output).stale
    annotated_sample(tmp_path)   # the sample annotated again, its findings not yet
    found = read_sample_findings(output)
    assert found.stale and any("earlier annotation" in n for n in found.not_checked())


def test_findings_without_their_annotations_record_are_judged_by_age(tmp_path):
    output = annotated_sample(tmp_path)
    path = run_findings(output, install(tmp_path, standard_modules(tmp_path)))
    assert not read_sample_findings(output).stale
    os.utime(path, (1_000_000, 1_000_000))
    assert read_sample_findings(output).stale


def test_by_rsid_the_same_words(tmp_path):
    """A genotyping file (matched by rsID) gives the same words for the same genotypes."""
    from just_dna_desktop.core.engine.annotate import annotate_vcf
    from findings_words_data import SITES, write_reference

    reference = tmp_path / "reference"
    for rsid, (chrom, start, ref, alt) in SITES.items():
        write_reference(reference, chrom, [(start, rsid, ref, alt)])
    chip = tmp_path / "genome.txt"
    chip.write_text("# This data file generated by 23andMe\n"
                    "# rsid\tchromosome\tposition\tgenotype\n"
                    "rs4988235\t2\t136608646\tAG\nrs429358\t19\t45411941\tCC\n"
                    "rs6025\t1\t169519049\tCC\n")
    output = tmp_path / "output" / "bob" / "chip" / "user_annotated_vcf.parquet"
    annotate_vcf(chip, reference, output, user="bob", sample="chip")
    store = install(tmp_path, standard_modules(tmp_path))
    use, refused = store.usable()
    found_rows = find(output, use, refused)
    found = arrange(found_rows.frame, found_rows.metadata(), "bob/chip")
    assert found.match_by == "rsid"
    traits = found.sections[0]
    assert [f.result for f in traits.general] == [
        "Late-onset Alzheimer's disease: you have two copies of a variant in APOE.",
        "Lactase persistence: you have one copy of a variant in MCM6."]
    # a chip calls every marker: F5 C/C is checked (nothing said), not "not in your file"
    assert traits.count("other_genotype") == 1 and traits.count("not_in_file") == 2


def test_weights_that_are_not_numbers_sort_last(sample):
    frame, metadata = read_findings(findings_path(sample))
    frame = frame.with_columns(weight=pl.when(pl.col("gene") == "MCM6").then(float("nan"))
                               .otherwise(pl.col("weight")), priority=pl.lit(None, pl.Utf8))
    traits = next(s for s in arrange(frame, metadata, "x").sections if s.name == "traits")
    assert [f.row["gene"] for f in traits.findings][-1] == "MCM6"
    assert traits.findings[-1].row["weight"] is None


def test_what_became_of_a_modules_sites_in_words():
    assert plain_words.sites_in_words({"sites": 7, "not_in_file": 7}) == \
        "Of its 7 sites: 7 not in your file."
    assert plain_words.sites_in_words(
        {"sites": 1_204, "other_genotype": 1_200, "filtered": 3, "mismatched": 1}) == \
        ("Of its 1,204 sites: 1,200 checked, with nothing said about your genotype, 3 filtered "
         "out by your file's quality check, 1 with a call that did not fit.")
    # every site a finding: never "none in your file", which it said before
    assert plain_words.sites_in_words({"sites": 3, "findings": 4}) == \
        "Of its 3 sites: each gave a finding."


@pytest.mark.parametrize("source", ["vcf", "chip"])
def test_the_demo_with_the_compiled_test_modules(tmp_path, source):
    """The bundled demo sample (a VCF, and its 23andMe-layout twin read by rsID) with the three
    modules the real compiler made (tests/data/modules): the same words either way."""

    from just_dna_desktop.core.engine.annotate import annotate_vcf
    from just_dna_desktop.core.reference.demo import DEMO_CHIP, DEMO_REFERENCE_DIR, DEMO_VCF
    from just_dna_desktop.core.results.report import render_report
    from just_dna_desktop.core.results.summary import summarize

    compiled = DEMO_MODULES_DIR
    output = tmp_path / "output" / "demo" / "HG00096" / "user_annotated_vcf.parquet"
    annotate_vcf(DEMO_VCF if source == "vcf" else DEMO_CHIP, DEMO_REFERENCE_DIR, output,
                 user="demo", sample="HG00096")
    update_findings(output, install(tmp_path, [compiled / n for n in
                                               ("pgx_cpic", "traits_demo", "clinvar_app_demo")]))
    found = read_sample_findings(output)
    panel = found.sections[0]
    assert panel.name == "clinvar_app_demo"
    assert [(f.result, f.evidence) for f in panel.findings] == [
        ("Alzheimer disease: you have no copy of a variant in APP: both your copies match the "
         "reference genome.", LIKELY),
        ("No condition recorded: you have two copies of a variant in MRPL39.", NOT_KNOWN),
        ("No condition recorded: you have one copy of a variant in MRPL39.", NOT_KNOWN)]
    # No finding about a medicine, but the drug table's medicines are named, none dropped.
    assert found.drugs_found == []
    assert [g.name for g in found.drugs] == ["capecitabine", "clopidogrel", "fluorouracil",
                                             "simvastatin", "warfarin"]
    quiet = found.drugs_not_found()
    assert quiet == ("Also covered, with no finding for your genotypes: capecitabine, clopidogrel, "
                     "fluorouracil, simvastatin and warfarin (Drug response (CPIC, test data)).")
    text = render_report(summarize(output))
    assert quiet in text and "Talk to your doctor" not in text
    assert "No findings. Of its 7 sites: 7 not in your file." in text   # the drug module
    lines = found.as_text().splitlines()
    assert "Drug response (CPIC, test data) 0.1.0: 0 findings. Of its 7 sites: 7 not in your " \
        "file." in lines
    assert lines[-1] == "This is not a diagnosis."


def test_the_evidence_word_of_a_variant_the_person_does_not_carry_says_it_grades_the_variant():
    from just_dna_desktop.core.results.plain_words import (HOW_SURE, HOW_SURE_OF_VARIANT,
                                                           how_sure_label)

    none = {"genotype": "C/C", "ref": "C", "zygosity": "hom_ref"}
    assert how_sure_label(none) == HOW_SURE_OF_VARIANT
    assert how_sure_label({"genotype": "T", "ref": "C", "zygosity": "haploid_alt"}) == HOW_SURE
    assert how_sure_label({"genotype": "C/T", "ref": "C", "zygosity": "het"}) == HOW_SURE
    assert how_sure_label({"zygosity": "hom_ref"}) == HOW_SURE_OF_VARIANT  # no REF: by zygosity
