"""Failures told in a window's words, from the engine's own messages: the kind decides the
actions the failed-sample page offers, and no command-line advice reaches the person."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.errors import (ReferenceDamagedError, UserError,
                                          write_failure)
from just_dna_desktop.core.workspace.failures import (BUILD_MISMATCH_NO_RSID, NOT_A_SAMPLE,
                                                      OUTPUT_NOT_WRITTEN, OUT_OF_MEMORY, REFERENCE_DAMAGED,
                                                      explain_failure, explain_problem,
                                                      without_terminal_advice)
from just_dna_desktop.core.readers.genotypes import detect_format
from just_dna_desktop.core.workspace.runner import _death_reason

from reference_factory import write_reference, write_vcf

GRCH37_HEADER = "##fileformat=VCFv4.1\n##contig=<ID=1,length=249250621>\n"


def engine_error(call) -> str:
    with pytest.raises(UserError) as error:
        call()
    return str(error.value)


def no_terminal(advice) -> bool:
    return "--" not in advice.reason + advice.advice and "`" not in advice.reason + advice.advice


def test_another_build_without_rsids_offers_no_retry_and_no_flag(tmp_path):
    reference = tmp_path / "ref"
    write_reference(reference, "1", [(100, "rs1", "A", "G")])
    vcf = write_vcf(tmp_path / "old.vcf", ["1\t1100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1"],
                    header=GRCH37_HEADER)
    error = engine_error(lambda: annotate_vcf(vcf, reference, tmp_path / "o.parquet"))
    advice = explain_failure(error)
    assert advice.kind == BUILD_MISMATCH_NO_RSID and advice.build == "GRCh37"
    assert not advice.can_retry and no_terminal(advice)
    assert advice.reason.startswith(f"{vcf}: this VCF looks like GRCh37")
    assert "lift over" in advice.advice.lower()


def test_a_damaged_reference_file_points_to_the_reference_tab(tmp_path):
    reference = tmp_path / "ref"
    write_reference(reference, "1", [(100, "rs1", "A", "G")])
    for part in reference.rglob("*.parquet"):
        part.write_bytes(part.read_bytes()[:40])  # cut short, as an interrupted copy
    vcf = write_vcf(tmp_path / "s.vcf", ["1\t100\trs1\tA\tG\t50\tPASS\t.\tGT\t0/1"])
    with pytest.raises(ReferenceDamagedError) as error:
        annotate_vcf(vcf, reference, tmp_path / "o.parquet")
    advice = explain_failure(str(error.value))
    assert advice.kind == REFERENCE_DAMAGED and advice.can_retry and no_terminal(advice)
    assert "damaged" in advice.reason and "Reference tab" in advice.advice


def test_a_full_disk_and_a_killed_child_are_named():
    full = write_failure(Path("/data/out.parquet"),
                         OSError(errno.ENOSPC, "No space left on device"))
    assert explain_failure(str(full)).kind == OUTPUT_NOT_WRITTEN
    assert explain_failure(_death_reason(-9)).kind == OUT_OF_MEMORY


def test_a_file_that_is_no_genome_file_is_told_without_a_retry(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\nmilk\n")
    with pytest.raises(UserError) as error:
        detect_format(path)
    advice = explain_problem(path, error.value.reason)
    assert advice.kind == NOT_A_SAMPLE and not advice.can_retry
    assert advice.reason.startswith(f"{path}: ") and "raw-data download" in advice.advice


def test_only_the_terminal_clauses_go():
    assert without_terminal_advice("a.vcf: bad (pass --force); the rest; run `just-dna-desktop "
                                   "x`") == "a.vcf: bad; the rest"
    # a path with two dashes in the first clause is a fact, not advice
    assert without_terminal_advice("/home/a--b/s.vcf: empty") == "/home/a--b/s.vcf: empty"
