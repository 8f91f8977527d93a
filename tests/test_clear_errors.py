"""Failures of the disk and of the reference: one line that names the file and says what to do
("unexpected" is for bugs only), and a cleanup never hides the real cause."""

import os
import sys
from pathlib import Path

import pytest

from workspace_helpers import REAL_VCF, make_reference, mounted, read_only

from just_dna_desktop.cli import main
from just_dna_desktop.core.engine import annotate
from just_dna_desktop.core.errors import OutputWriteError, ReferenceDamagedError

OUTPUT_NAME = "user_annotated_vcf.parquet"


@pytest.fixture
def workspace(tmp_path):
    make_reference(tmp_path / "cache")
    return tmp_path / "data" / "output" / "users" / "alice" / "HG00096" / OUTPUT_NAME


def annotate_cli(capsys, *extra):
    code = main(["annotate", str(REAL_VCF), "--user", "alice", "--sample", "HG00096", *extra])
    return code, capsys.readouterr()


def assert_one_clear_line(err, *words):
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "unexpected" not in err and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


def test_a_read_only_output_folder_is_said_so_not_hidden_by_the_cleanup(workspace, capsys):
    assert annotate_cli(capsys)[0] == 0
    before = workspace.read_bytes()
    with read_only(workspace.parent):
        code, captured = annotate_cli(capsys)
    assert code == 1
    assert_one_clear_line(captured.err, str(workspace), "read-only", "choose another output")
    assert workspace.read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_disk_full_names_the_file_and_says_to_free_space(workspace, capsys, monkeypatch):
    """The write hits a real ENOSPC: the output's temporary file is routed to /dev/full (the
    disk itself has room, and polars loses the OS's reason on a small file: the line says what
    to check)."""
    assert annotate_cli(capsys)[0] == 0
    before = workspace.read_bytes()
    routed = []

    def full_temp_file(beside, suffix="tmp"):
        path = beside.with_name(f".{beside.name}.full.{suffix}")
        path.symlink_to("/dev/full")
        routed.append(path)
        return path

    monkeypatch.setattr(annotate, "temp_file", full_temp_file)
    code, captured = annotate_cli(capsys)
    assert code == 1 and routed
    assert_one_clear_line(captured.err, str(workspace), "cannot write the output", "free space")
    assert workspace.read_bytes() == before
    assert sorted(p.name for p in workspace.parent.iterdir()) == [OUTPUT_NAME]


def test_a_really_full_small_disk(tmp_path, capsys):
    """A tiny file system (here polars reports a cut-short file, not the OS's ENOSPC)."""
    make_reference(tmp_path / "cache")
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=12k", "tmpfs") as small:
        code = main(["annotate", str(REAL_VCF), "--output", str(small / OUTPUT_NAME)])
        err = capsys.readouterr().err
        left = os.listdir(small)
    assert code == 1
    assert_one_clear_line(err, str(small / OUTPUT_NAME), "the disk is full")
    assert left == []


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_reference_file_is_named_with_what_to_do(workspace, capsys, damage):
    reference_file = next((workspace.parents[5] / "cache").rglob("*chr21.parquet"))
    data = reference_file.read_bytes()
    if damage == "truncated":
        reference_file.write_bytes(data[: len(data) // 2])
    else:
        reference_file.write_bytes(data[:4] + bytes(len(data) - 8) + data[-4:])
    code, captured = annotate_cli(capsys)
    assert code == 1
    assert_one_clear_line(captured.err, str(reference_file), "damaged", "reference verify",
                          "reference download")
    assert not workspace.exists()


def test_a_damaged_prepared_copy_says_to_delete_it(tmp_path, monkeypatch):
    from just_dna_desktop.core.reference import prepared

    reference_dir = make_reference(tmp_path / "cache")
    source = next(reference_dir.rglob("*chr21.parquet"))
    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)  # the tiny reference gets a copy too
    copy = prepared.usable_copy(reference_dir, source)
    copy.write_bytes(copy.read_bytes()[:100])  # its stamp still matches the source: it is read
    with pytest.raises(ReferenceDamagedError, match="prepared copy .* delete it"):
        annotate.annotate_vcf(REAL_VCF, reference_dir, tmp_path / "out.parquet")


def test_write_failure_wording_from_the_os_error():
    import errno

    from just_dna_desktop.core.errors import write_failure

    folder = Path(sys.prefix)
    err = write_failure(folder / "o.parquet", OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(err, OutputWriteError) and "the disk is full" in str(err)
    err = write_failure(folder / "o.parquet", OSError(errno.EROFS, "Read-only file system"))
    assert f"{folder} is read-only" in str(err)


def test_a_read_only_small_file_system_is_read_only_not_full(tmp_path, capsys):
    """Read-only is told before the free space (a 1 MB read-only file system was "the disk is
    full, free some space")."""
    make_reference(tmp_path / "cache")
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs") as small:
        code = main(["annotate", str(REAL_VCF), "--output", str(small / OUTPUT_NAME)])
        err = capsys.readouterr().err
        left = os.listdir(small)
    assert code == 1 and left == []
    assert_one_clear_line(err, str(small / OUTPUT_NAME), f"{small} is read-only",
                          "choose another output")
    assert "disk is full" not in err and "free some space" not in err


def test_a_report_to_a_read_only_folder_says_read_only(workspace, capsys, tmp_path):
    """The report's clean-up in `finally` hid the real error (`unexpected OSError: [Errno 30]`)."""
    assert annotate_cli(capsys)[0] == 0
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "alice.html"
    with read_only(folder):
        code = main(["report", "alice/HG00096", "--output", str(target)])
        err = capsys.readouterr().err
    assert code == 1
    assert_one_clear_line(err, str(target), f"{folder} is read-only")
    assert os.listdir(folder) == []
