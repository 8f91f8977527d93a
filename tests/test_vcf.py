"""The VCF reader: what real files do is tolerated, what cannot be read is refused with file + line."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from just_dna_desktop import cli
from just_dna_desktop.core.readers import vcf as vcf_module
from just_dna_desktop.core.readers.build import CONTIG_LENGTHS, build_from_contigs, detect_build
from just_dna_desktop.core.errors import UserError, VcfError
from just_dna_desktop.core.readers.vcf import ALLELE_SCHEMA, read_alleles, read_header

HEADER = "##fileformat=VCFv4.2\n"
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


def vcf_text(*records: str, samples: tuple[str, ...] = ("S1",), header: str = HEADER) -> str:
    columns = COLUMNS + ("\tFORMAT\t" + "\t".join(samples) if samples else "")
    return header + columns + "\n" + "".join(r + "\n" for r in records)


def rec(chrom="1", pos="100", ref="A", alt="G", gt="0/1", id_="rs1", fmt="GT") -> str:
    fields = [chrom, pos, id_, ref, alt, ".", "PASS", "."]
    if fmt is not None:
        fields += [fmt, gt]
    return "\t".join(fields)


@pytest.fixture
def write(tmp_path):
    def _write(content: str | bytes, name: str = "in.vcf"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path
    return _write


def refused(path, *words: str, line: int | None = None) -> VcfError:
    with pytest.raises(VcfError) as info:
        read_alleles(path)
    error = info.value
    assert error.path == path
    assert error.line == line, str(error)
    message = str(error)
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: ")
    for word in words:
        assert word in message, message
    return error


# ---------------------------------------------------------------- tolerated


def test_plain_file_gives_one_row_per_alt_allele(write):
    header, df = read_alleles(write(vcf_text(rec(alt="G,T", gt="1/2"), rec(pos="200", gt="0|0"))))
    assert df.schema == pl.Schema(ALLELE_SCHEMA)
    assert header.samples == ["S1"] and header.records == 2 and header.version == "4.2"
    assert df.select("start", "ref", "alt", "gt", "zygosity").rows() == [
        (100, "A", "G", "1/2", "het"), (100, "A", "T", "1/2", "het"), (200, "A", "G", "0|0", "hom_ref")]
    assert df["genotype"].to_list() == [["G", "T"], ["G", "T"], ["A", "A"]]


def test_lower_case_bases_are_upper_cased(write):
    _, df = read_alleles(write(vcf_text(rec(ref="acgt", alt="a,tTg"))))
    assert df.select("ref", "alt").rows() == [("ACGT", "A"), ("ACGT", "TTG")]
    assert df["end"].to_list() == [103, 103]


def test_unsorted_and_duplicate_records_are_all_kept_in_file_order(write):
    records = [rec(pos="300"), rec(pos="100"), rec(pos="300"), rec(chrom="2", pos="5"), rec(pos="1")]
    _, df = read_alleles(write(vcf_text(*records)))
    assert df.select("chrom", "start").rows() == [("1", 300), ("1", 100), ("1", 300), ("2", 5), ("1", 1)]


def test_mixed_chr_naming_is_normalised(write):
    names = ["chr1", "CHR1", "1", "chrX", "x", "chrM", "M", "MT", "chrUn_gl000220", "GL000192.1"]
    _, df = read_alleles(write(vcf_text(*(rec(chrom=n) for n in names))))
    assert df["chrom"].to_list() == ["1", "1", "1", "X", "X", "MT", "MT", "MT", "Un_gl000220",
                                     "GL000192.1"]


def test_star_symbolic_and_breakend_alleles_are_kept(write):
    alts = ["*", "<DEL>", "<ins:me:alu>", "G]2:421681]", ".", "T,*"]
    _, df = read_alleles(write(vcf_text(*(rec(pos=str(100 + i), alt=a) for i, a in enumerate(alts)))))
    assert df["alt"].to_list() == ["*", "<DEL>", "<INS:ME:ALU>", "G]2:421681]", ".", "T", "*"]
    assert df["start"].to_list() == [100, 101, 102, 103, 104, 105, 105]


@pytest.mark.parametrize("fmt, gt, expected_gt, genotype, zygosity", [
    ("GT", "./.", "./.", [None, None], "missing"),
    ("GT", ".", ".", [None], "missing"),
    ("GT", ".|1", ".|1", [None, "G"], "missing"),
    ("GT", "0", "0", ["A"], "haploid_ref"),
    ("GT", "1", "1", ["G"], "haploid_alt"),
    ("GT", "1/1", "1/1", ["G", "G"], "hom_alt"),
    ("GT:DP", "0/1", "0/1", ["A", "G"], "het"),  # fewer sample fields than FORMAT keys
    ("DP:GT", "5:0/1", None, None, "missing"),   # GT is not first: not a genotype
    ("DP", "7", None, None, "missing"),          # no GT at all
    ("GT", "", None, None, "missing"),           # empty sample field
])
def test_missing_and_haploid_genotypes(write, fmt, gt, expected_gt, genotype, zygosity):
    _, df = read_alleles(write(vcf_text(rec(fmt=fmt, gt=gt))))
    row = df.row(0, named=True)
    assert (row["gt"], row["genotype"], row["zygosity"]) == (expected_gt, genotype, zygosity)


def test_sites_only_file_without_samples(write):
    header, df = read_alleles(write(vcf_text(rec(fmt=None), samples=())))
    assert header.samples == []
    assert df.select("start", "alt", "gt", "zygosity").rows() == [(100, "G", None, "missing")]


def test_chosen_sample_of_several(write):
    path = write(vcf_text(rec(gt="0/0\t1/1"), samples=("A", "B")))
    assert read_alleles(path)[1]["gt"].to_list() == ["0/0"]
    assert read_alleles(path, "B")[1]["gt"].to_list() == ["1/1"]
    with pytest.raises(UserError, match=r"no sample named 'C' \(samples: A, B\)"):
        read_alleles(path, "C")


def test_crlf_line_ends(write):
    lf = vcf_text(rec(), "", rec(pos="200", gt="1"))
    _, expected = read_alleles(write(lf, "lf.vcf"))
    header, df = read_alleles(write(lf.replace("\n", "\r\n"), "crlf.vcf"))
    assert header.samples == ["S1"]
    assert df.equals(expected)
    assert df["gt"].to_list() == ["0/1", "1"]


def test_gzip_and_multi_member_bgzip_read_like_plain(write):
    text = vcf_text(*(rec(pos=str(p)) for p in range(1, 200)))
    _, expected = read_alleles(write(text))
    # bgzip writes independent gzip members (64 KB each, plus an empty EOF member)
    data = text.encode()
    members = b"".join(gzip.compress(data[i:i + 500]) for i in range(0, len(data), 500))
    members += gzip.compress(b"")
    for name, content in (("gz.vcf.gz", gzip.compress(data)), ("bgz.vcf.gz", members)):
        header, df = read_alleles(write(content, name))
        assert df.equals(expected), name
        assert header.records == 199


def test_blank_lines_and_byte_order_mark(write):
    text = "\ufeff" + vcf_text(rec(), "", "   ", rec(pos="200"))
    _, df = read_alleles(write(text))
    assert df["start"].to_list() == [100, 200]


def test_position_zero_is_a_telomere_and_kept(write):
    _, df = read_alleles(write(vcf_text(rec(pos="0"))))
    assert df["start"].to_list() == [0]


def test_header_only_file_gives_no_rows(write):
    header, df = read_alleles(write(vcf_text()))
    assert df.height == 0 and df.schema == pl.Schema(ALLELE_SCHEMA)
    assert header.records == 0


def test_invalid_utf8_outside_the_join_columns_is_tolerated(write):
    body = vcf_text(rec()).encode().replace(b"PASS\t.", b"PASS\tNOTE=caf\xe9")
    _, df = read_alleles(write(body))
    assert df["alt"].to_list() == ["G"]


def test_happy_path_never_loops_over_lines_in_python(write, monkeypatch):
    def no_loop(*args):
        raise AssertionError("the per-line Python fallback ran on a valid file")

    monkeypatch.setattr(vcf_module, "_locate_bad_line", no_loop)
    _, df = read_alleles(write(vcf_text(*(rec(pos=str(p)) for p in range(1, 50)))))
    assert df.height == 49


def test_line_numbers_stay_right_across_blocks(write, monkeypatch):
    monkeypatch.setattr("just_dna_desktop.core.readers.bounded.BLOCK_BYTES", 64)  # many small blocks
    records = [rec(pos=str(p)) for p in range(1, 40)] + [rec(pos="oops")]
    path = write(vcf_text(*records))
    refused(path, "POS 'oops' is not a number", line=2 + 40)
    monkeypatch.setattr("just_dna_desktop.core.readers.bounded.BLOCK_BYTES", 64)
    _, df = read_alleles(write(vcf_text(*records[:-1]), "good.vcf"))
    assert df["start"].to_list() == list(range(1, 40))


# ---------------------------------------------------------------- refused


def test_empty_file(write):
    refused(write(""), "the file is empty")
    refused(write(gzip.compress(b""), "empty.vcf.gz"), "the file is empty")


def test_no_chrom_line(write):
    refused(write(HEADER + "##source=me\n"), "no #CHROM header line")


def test_data_before_the_chrom_line(write):
    refused(write(HEADER + rec() + "\n"), "data before the #CHROM header line", line=2)


def test_chrom_line_with_spaces_instead_of_tabs(write):
    refused(write(HEADER + COLUMNS.replace("\t", " ") + "\n"),
            "must start with the 8 tab-separated columns", line=2)


@pytest.mark.parametrize("bad, found", [
    ("1\t100\trs1\tA\tG\t.\tPASS\t.\tGT", 9),              # sample column missing
    ("1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1", 11),   # one column too many
    ("1 100 rs1 A G . PASS . GT 0/1", 1),                  # spaces, not tabs
])
@pytest.mark.parametrize("where", ["first", "middle"])
def test_wrong_column_count(write, bad, found, where):
    records = [bad, rec()] if where == "first" else [rec(), rec(), bad, rec()]
    line = 3 + records.index(bad)
    refused(write(vcf_text(*records)), f"found {found} tab-separated columns, expected 10", line=line)


@pytest.mark.parametrize("pos, words", [
    ("abc", "POS 'abc' is not a number"), (".", "POS '.' is not a number"),
    ("", "POS '' is not a number"), ("1e5", "POS '1e5' is not a number"),
    ("-5", "POS -5 is negative"), ("99999999999", "is larger than any chromosome"),
])
def test_bad_positions(write, pos, words):
    refused(write(vcf_text(rec(), rec(pos=pos))), words, line=4)


@pytest.mark.parametrize("column, record", [
    ("CHROM", b"chr\xff1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/1\n"),
    ("REF", b"1\t100\trs1\tA\xe9\tG\t.\tPASS\t.\tGT\t0/1\n"),
    ("ALT", b"1\t100\trs1\tA\tG,\xfeT\t.\tPASS\t.\tGT\t0/1\n"),
])
def test_invalid_utf8_where_it_matters(write, column, record):
    refused(write(vcf_text(rec()).encode() + record), f"{column} is empty or not valid UTF-8", line=4)


def test_invalid_utf8_sample_name(write):
    refused(write(vcf_text(rec()).encode().replace(b"\tS1", b"\tS\xff1")), "not valid UTF-8", line=2)


def test_bcf_plain_and_compressed(write):
    refused(write(b"BCF\x02\x02" + bytes(range(256)), "x.bcf"), "BCF (binary VCF)", "bcftools")
    refused(write(gzip.compress(b"BCF\x02\x02" + bytes(200)), "x2.bcf"), "BCF (binary VCF)")


def test_binary_file(write):
    refused(write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "photo.vcf"),
            "binary data where VCF text was expected", line=1)
    body = vcf_text(rec()).encode() + b"1\t5\t.\tA\x00\x00"
    refused(write(body, "tail.vcf"), "binary data", line=4)


@pytest.mark.parametrize("magic, words", [
    (b"\xfd7zXZ\x00\x00", "xz"), (b"BZh91AY&SY", "bzip2"), (b"\x28\xb5\x2f\xfd\x00", "zstd"),
    (b"PK\x03\x04\x14\x00", "zip archive"),
])
def test_other_compressions(write, magic, words):
    refused(write(magic + bytes(64), "x.vcf.other"), "not VCF text", words)


def test_truncated_gzip(write):
    data = gzip.compress(vcf_text(*(rec(pos=str(p)) for p in range(1, 3000))).encode())
    refused(write(data[: len(data) // 2], "cut.vcf.gz"), "truncated")
    refused(write(data[:20], "cut_header.vcf.gz"), "truncated")


def test_corrupt_gzip(write):
    data = bytearray(gzip.compress(vcf_text(*(rec(pos=str(p)) for p in range(1, 3000))).encode()))
    data[len(data) // 2: len(data) // 2 + 16] = bytes(16)
    with pytest.raises(VcfError) as info:
        read_alleles(write(bytes(data), "bad.vcf.gz"))
    assert str(info.value).startswith(f"{info.value.path}: cannot decompress (")


def test_missing_file_and_folder(tmp_path):
    refused(tmp_path / "nope.vcf", "file not found")
    (tmp_path / "dir.vcf").mkdir()
    refused(tmp_path / "dir.vcf", "is a folder")


# ---------------------------------------------------------------- genome build

GRCH37_CONTIGS = "".join(f"##contig=<ID={c},length={n}>\n" for c, n in CONTIG_LENGTHS["GRCh37"].items())
GRCH38_CONTIGS = "".join(f"##contig=<ID=chr{c},length={n},assembly=hg38>\n"
                         for c, n in CONTIG_LENGTHS["GRCh38"].items())


@pytest.mark.parametrize("header, build", [
    (HEADER + GRCH37_CONTIGS, "GRCh37"),
    (HEADER + GRCH38_CONTIGS, "GRCh38"),
    (HEADER + "##contig=<ID=chr21,length=48129895>\n", "GRCh37"),
    (HEADER + "##contig=<ID=21,length=46709983>\n##reference=GRCh37\n", "GRCh38"),  # lengths win
    (HEADER + "##reference=file:///ref/hs37d5.fa\n", "GRCh37"),
    (HEADER + "##reference=hg19\n", "GRCh37"),
    (HEADER + "##contig=<ID=1,assembly=b37>\n", "GRCh37"),
    (HEADER + "##contig=<ID=1,assembly=GRCh38>\n", "GRCh38"),
    (HEADER + "##contig=<ID=1,length=12345>\n", None),
    (HEADER, None),
])
def test_build_detection(write, header, build):
    assert read_header(write(vcf_text(header=header))).build == build


def test_contig_lengths_vote():
    assert build_from_contigs({"chr1": 249250621, "chr2": 243199373, "chr21": 46709983}) == "GRCh37"
    assert build_from_contigs({"MT": 16569}) is None
    assert detect_build({}, None, ["GCF_000001405.26"]) == "GRCh38"


def test_cli_refuses_a_grch37_vcf_by_position_unless_told(write, tmp_path, capsys):
    reference = tmp_path / "cache" / "ensembl_variations" / "data"
    reference.mkdir(parents=True)
    pl.DataFrame({"chrom": ["1"], "start": pl.Series([100], dtype=pl.UInt32), "id": ["rs7"],
                  "ref": ["A"], "alt": ["G"]}).write_parquet(reference / "homo_sapiens-chr1.parquet")
    path = write(vcf_text(rec(), header=HEADER + GRCH37_CONTIGS), "b37.vcf")
    output = tmp_path / "out" / "b37.parquet"
    argv = ["annotate", str(path), "--output", str(output), "--cache-dir", str(tmp_path / "cache"),
            "--match-by", "position"]  # (by default a GRCh37 VCF is matched by its rsIDs)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and err.count("\n") == 1
    assert "GRCh37" in err and "GRCh38" in err and "--ignore-build-mismatch" in err
    assert not output.parent.exists()
    assert cli.main(argv + ["--ignore-build-mismatch"]) == 0
    assert pl.read_parquet(output)["rsid"].to_list() == ["rs7"]


@pytest.mark.parametrize("contigs,reference,expected", [
    ({}, "file:///refs/Homo_sapiens_assembly38.fasta", "GRCh38"),  # GATK bundle name
    ({"chr1": 248387328}, None, "T2T-CHM13"),
    ({}, "chm13v2.0.fa", "T2T-CHM13"),
    ({}, "hs37d5.fa", "GRCh37"),
    ({"chr21": 46709983}, "hg19.fa", "GRCh38"),  # contig lengths outweigh a name
])
def test_build_names_and_lengths(contigs, reference, expected):
    assert detect_build(contigs, reference, []) == expected
