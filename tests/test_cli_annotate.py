"""The `annotate` command: exit codes, one-line errors, JSON metadata, default output path."""

import json
import subprocess
import sys

from just_dna_desktop import __version__
from just_dna_desktop.cli import main

from reference_factory import write_reference, write_vcf


def setup(tmp_path):
    write_reference(tmp_path / "cache" / "ensembl_variations", "21", [(100, "rs100", "A", "G")])
    return write_vcf(tmp_path / "me.vcf", [
        "chr21\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/1", "chr21\t101\t.\tA\tC\t.\tPASS\t.\tGT\t1/1"])


def test_annotate_json_writes_the_default_output(tmp_path, capsys):
    vcf = setup(tmp_path)
    assert main(["annotate", str(vcf), "--user", "alice", "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    expected = tmp_path / "data" / "output" / "users" / "alice" / "me" / "user_annotated_vcf.parquet"
    assert meta["output_file"] == str(expected) and expected.exists()
    assert (meta["rows_in"], meta["alleles_matched"], meta["partition_key"]) == (2, 1, "alice/me")


def test_annotate_summary_for_people(tmp_path, capsys):
    vcf = setup(tmp_path)
    assert main(["annotate", str(vcf), "--output", str(tmp_path / "o.parquet")]) == 0
    out = capsys.readouterr().out
    assert "2 in, 2 allele rows out, 1 matched" in out and "o.parquet" in out


def test_expected_failures_are_one_line_without_traceback(tmp_path, capsys):
    setup(tmp_path)
    bad = tmp_path / "bad.vcf"
    bad.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "21\tabc\t.\tA\tG\t.\t.\t.\n")
    assert main(["annotate", str(bad), "--output", str(tmp_path / "o.parquet")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and f"{bad}:3" in err
    assert "Traceback" not in err and not (tmp_path / "o.parquet").exists()

    assert main(["annotate", str(tmp_path / "missing.vcf")]) == 1
    assert "missing.vcf: file not found" in capsys.readouterr().err


def test_missing_reference_exit_1(tmp_path, capsys):
    vcf = write_vcf(tmp_path / "x.vcf", ["21\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1"])
    assert main(["annotate", str(vcf), "--cache-dir", str(tmp_path / "empty")]) == 1
    assert "reference download" in capsys.readouterr().err


def test_version_runs_as_a_program():
    result = subprocess.run([sys.executable, "-m", "just_dna_desktop", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"just-dna-desktop {__version__}"


def test_folder_flags_work_before_and_after_the_command(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "before"), "demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_file"].startswith(str(tmp_path / "before"))
    assert main(["demo", "--data-dir", str(tmp_path / "after"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_file"].startswith(str(tmp_path / "after"))


def test_two_annotate_processes_never_write_one_output_at_once(tmp_path):
    """Two real `annotate` processes with the same --user/--sample outside the input folder: the
    second is refused while the first runs, so the one run in the history is the file on disk."""
    import os
    import signal
    import time

    from just_dna_desktop.core.engine.annotate import read_output_metadata
    from just_dna_desktop.core.workspace.history import History
    from just_dna_desktop.core.workspace.settings import load_settings

    write_reference(tmp_path / "cache" / "ensembl_variations", "21", [(100, "rs100", "A", "G")])
    big = tmp_path / "big" / "me.vcf"  # big enough to catch it running (~2 s of hashing/reading)
    big.parent.mkdir()
    with open(big, "w") as handle:
        handle.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        handle.writelines(f"21\t{100 + i}\t.\tA\tG\t.\t.\t.\n" for i in range(400_000))
    (tmp_path / "small").mkdir()
    small = write_vcf(tmp_path / "small" / "me.vcf", ["21\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1"])
    command = [sys.executable, "-m", "just_dna_desktop", "annotate", "--user", "bob", "--json"]
    history = History(load_settings().history_file)
    first = subprocess.Popen(command + [str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not history.list_runs(status="running") and first.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGSTOP)  # hold it mid-run, whatever the machine's speed
        assert history.list_runs(status="running"), first.communicate()
        second = subprocess.run(command + [str(small)], capture_output=True, text=True,
                                timeout=60)
        os.kill(first.pid, signal.SIGCONT)
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert second.returncode == 1 and second.stderr.startswith("error: ")
    output = tmp_path / "data" / "output" / "users" / "bob" / "me" / "user_annotated_vcf.parquet"
    assert f"{output}: run #" in second.stderr and "is writing this file now" in second.stderr
    runs = history.list_runs()
    assert [r.status for r in runs] == ["succeeded"]
    assert read_output_metadata(output)["rows_in"] == runs[0].metadata["rows_in"] == 400_000
    history.close()
