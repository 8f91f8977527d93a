"""The GA4GH/EBI VCF conformance corpus (tests/data/vcf-conformance, Apache-2.0) through the CLI.

For every file, `annotate` either succeeds (exit 0, the output written) or exits 1 with exactly one
`error: ` line on stderr naming the file (and the line, for a parse error): never a traceback,
another exit code, or a file left behind. The corpus's `failed/` files break the VCF spec in ways
that do not all matter to an annotator (a bad INFO header is harmless), so accepting one is fine;
what the reader must refuse is asserted file by file below.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop import cli
from just_dna_desktop.core.engine.annotate import read_output_metadata

CORPUS = Path(__file__).resolve().parent / "data" / "vcf-conformance"
FILES = sorted(CORPUS.glob("*/*/*.vcf"))
DEMO_REFERENCE = (Path(__file__).resolve().parent.parent / "just_dna_desktop" / "resources"
                  / "demo" / "ensembl_variations" / "data" / "homo_sapiens-chr21.parquet")

# Failures that concern the whole file, so their message names no line.
FILE_LEVEL_REASONS = ("the file is empty", "no #CHROM header line", "looks like GRCh")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """A tiny reference in the Hugging Face schema for the corpus's chromosomes (1, 20, 21, X)."""
    root = tmp_path_factory.mktemp("cache")
    data = root / "ensembl_variations" / "data"
    data.mkdir(parents=True)
    rows = pl.read_parquet(DEMO_REFERENCE).head(20)
    for chrom in ("1", "20", "21", "X"):
        rows.with_columns(chrom=pl.lit(chrom)).write_parquet(data / f"homo_sapiens-chr{chrom}.parquet")
    return root


def run_annotate(vcf: Path, out_dir: Path, cache_dir: Path, capsys, *extra: str):
    output = out_dir / "out.parquet"
    code = cli.main(["annotate", str(vcf), "--output", str(output), "--cache-dir", str(cache_dir),
                     *extra])
    captured = capsys.readouterr()
    return code, captured.err, output


def test_corpus_is_complete_with_its_licence():
    assert len(FILES) > 600
    assert "Apache 2.0 licensed" in (CORPUS / "LICENSE").read_text()
    assert {p.parent.name for p in FILES} == {"passed", "failed"}


@pytest.mark.parametrize("vcf", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_annotate_succeeds_or_fails_cleanly(vcf, tmp_path, cache_dir, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, err, output = run_annotate(vcf, out_dir, cache_dir, capsys)
    assert "Traceback" not in err
    if code == 0:
        assert output.is_file()
        assert [p.name for p in out_dir.iterdir()] == ["out.parquet"]  # no temp file beside it
        assert "error" not in err
        return
    assert code == 1, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    message = lines[0]
    assert message.startswith(f"error: {vcf}"), message
    assert "unexpected" not in message  # an unexpected exception is a bug, not a bad file
    if not re.match(rf"error: {re.escape(str(vcf))}:\d+: ", message):
        assert any(reason in message for reason in FILE_LEVEL_REASONS), message
    assert list(out_dir.iterdir()) == []  # no output and no temp file left behind


VERSIONS = ["4.1", "4.2", "4.3"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, line, words", [
    ("failed_body_pos_000.vcf", 4, "POS '.' is not a number"),
    ("failed_body_pos_001.vcf", 4, "POS '123abc' is not a number"),
    ("failed_body_pos_002.vcf", 4, "POS -1 is negative"),
    ("failed_header_000.vcf", 2, "#CHROM line must start with the 8 tab-separated columns"),
    ("failed_meta_002.vcf", 4, "before the #CHROM header line"),
])
def test_unreadable_files_are_refused_with_their_line(version, name, line, words, tmp_path,
                                                      cache_dir, capsys):
    vcf = CORPUS / version / "failed" / name
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)
    assert code == 1
    assert err.startswith(f"error: {vcf}:{line}: ") and words in err, err
    assert not output.exists()


@pytest.mark.parametrize("name, words", [
    ("failed_empty_sample.vcf", "the file is empty"),  # 0 bytes
    ("failed_empty.vcf", "no #CHROM header line"),      # one blank line
])
def test_empty_files_are_refused(name, words, tmp_path, cache_dir, capsys):
    vcf = CORPUS / "4.3" / "failed" / name
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)
    assert code == 1
    assert err.startswith(f"error: {vcf}: {words}") and err.count("\n") == 1, err
    assert not output.exists()


@pytest.mark.parametrize("vcf", [p for p in FILES if p.parent.name == "passed"
                                 and p.name != "complexfile_passed_000.vcf"],
                         ids=lambda p: str(p.relative_to(CORPUS)))
def test_valid_files_are_accepted(vcf, tmp_path, cache_dir, capsys):
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)
    assert code == 0, err
    # one output row per ALT allele of every record: nothing dropped, nothing multiplied; the
    # gVCF placeholders <*> and <NON_REF> are not alleles (a record of only those is a block)
    records = [line.split("\t") for line in vcf.read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert pl.read_parquet(output).height == sum(
        len([a for a in r[4].split(",") if a not in ("<*>", "<NON_REF>")]) for r in records)


@pytest.mark.parametrize("version", VERSIONS)
def test_grch37_file_is_matched_by_rsid_or_by_position_with_the_override(version, tmp_path,
                                                                         cache_dir, capsys):
    vcf = CORPUS / version / "passed" / "complexfile_passed_000.vcf"  # ##reference=GRCh37
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys, "--match-by", "position")
    assert code == 1 and "GRCh37" in err and "GRCh38" in err and "--ignore-build-mismatch" in err
    assert not output.exists()
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)  # auto: by its rsIDs
    assert code == 0, err
    assert read_output_metadata(output)["match_by"] == "rsid"
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys, "--ignore-build-mismatch")
    assert code == 0, err
    assert read_output_metadata(output)["match_by"] == "position"


@pytest.mark.parametrize("version", VERSIONS)
def test_telomere_position_zero_is_kept_unmatched(version, tmp_path, cache_dir, capsys):
    vcf = CORPUS / version / "passed" / "passed_body_pos.vcf"
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)
    assert code == 0, err
    df = pl.read_parquet(output)
    assert sorted(df["start"].to_list()) == [0, 1, 123456]
    assert df["rsid"].null_count() == 3


@pytest.mark.parametrize("number, starts", [("000", [100]), ("001", [100]), ("002", [100]),
                                            ("003", []), ("004", [])])
def test_last_line_without_newline_is_read(number, starts, tmp_path, cache_dir, capsys):
    vcf = CORPUS / "4.3" / "failed" / f"failed_body_no_newline_{number}.vcf"
    code, err, output = run_annotate(vcf, tmp_path, cache_dir, capsys)
    assert code == 0, err
    assert pl.read_parquet(output)["start"].to_list() == starts
