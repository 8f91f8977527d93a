"""The workspace commands: import, samples, runs, watch, and `annotate` recording its runs."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workspace_helpers import REAL_VCF, WatchProcess, copy_vcf, make_reference, write_chip

from just_dna_desktop.cli import main

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data(tmp_path):
    make_reference(tmp_path / "cache")
    return tmp_path / "data"


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_import_then_samples(data, capsys):
    assert main(["import", str(REAL_VCF), "--user", "alice"]) == 0
    out = capsys.readouterr().out
    target = data / "input" / "users" / "alice" / "HG00096_chr21.vcf"
    assert "alice/HG00096_chr21" in out and target.is_file()
    listing = run_json(capsys, "samples", "--json")
    assert [(s["partition_key"], s["state"]) for s in listing["samples"]] == \
        [("alice/HG00096_chr21", "new")]
    assert main(["samples"]) == 0
    assert "alice/HG00096_chr21" in capsys.readouterr().out


def test_import_a_genotyping_file_then_annotate_it_as_a_partition(data, tmp_path, capsys):
    import gzip

    chip = write_chip(tmp_path / "download" / "genome_Al_v5_Full.txt")
    packed = chip.with_name("genome_Al_v5_Full.txt.gz")
    packed.write_bytes(gzip.compress(chip.read_bytes()))
    assert main(["import", str(packed), "--user", "al"]) == 0
    target = data / "input" / "users" / "al" / "genome_Al_v5_Full.txt.gz"
    assert target.is_file() and "al/genome_Al_v5_Full" in capsys.readouterr().out
    meta = run_json(capsys, "annotate", str(target), "--json")
    assert (meta["partition_key"], meta["match_by"], meta["input_format"]) == (
        "al/genome_Al_v5_Full", "rsid", "23andme")
    assert meta["alleles_matched"] == 132
    (target.parent / "notes.txt").write_text("shopping list\n")
    assert main(["samples"]) == 0
    out = capsys.readouterr().out
    assert "al/genome_Al_v5_Full" in out and "annotated" in out
    assert "al/notes" in out and "not a genome file: line 1: neither a VCF" in out
    assert main(["import", str(target.parent / "notes.txt"), "--user", "bo"]) == 1
    assert "neither a VCF" in capsys.readouterr().err


def test_import_refusals_are_one_line(data, capsys):
    assert main(["import", str(REAL_VCF), "--user", "../../etc"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: user name '../../etc' is not allowed")
    assert "(try '_etc')" in err
    assert main(["import", str(REAL_VCF), "--user", "alice", "--sample", "s1"]) == 0
    capsys.readouterr()
    assert main(["import", str(REAL_VCF), "--user", "alice", "--sample", "s1"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["import", str(data.parent / "missing.vcf"), "--user", "alice"]) == 1
    assert "missing.vcf: file not found" in capsys.readouterr().err


def test_annotate_records_partition_and_adhoc_runs(data, tmp_path, capsys):
    in_tree = copy_vcf(data / "input" / "users" / "alice" / "s1.vcf")
    meta = run_json(capsys, "annotate", str(in_tree), "--json")
    assert meta["partition_key"] == "alice/s1" and meta["run_id"] == 1
    elsewhere = copy_vcf(tmp_path / "downloads" / "mine.vcf")
    run_json(capsys, "annotate", str(elsewhere), "--json")
    bad = tmp_path / "bad.vcf"
    bad.write_text("not a vcf at all\n")
    assert main(["annotate", str(bad), "--output", str(tmp_path / "o.parquet")]) == 1
    capsys.readouterr()

    runs = run_json(capsys, "runs", "--json")
    assert [(r["id"], r["status"], r["trigger"], r["partition_key"]) for r in runs] == [
        (3, "failed", "adhoc", None), (2, "succeeded", "adhoc", None),
        (1, "succeeded", "manual", "alice/s1")]
    assert str(bad) in runs[0]["error"]
    for r in runs[1:]:
        for key in ("rows_out", "alleles_matched", "duration_sec", "cpu_percent",
                    "peak_memory_mb", "file_size_mb"):
            assert r["metadata"][key] is not None, key
    listing = run_json(capsys, "samples", "--json")
    assert [(s["partition_key"], s["state"], s["last_run"]["id"]) for s in listing["samples"]] == \
        [("alice/s1", "annotated", 1)]

    assert [r["id"] for r in run_json(capsys, "runs", "--json", "--user", "alice")] == [1]
    assert [r["id"] for r in run_json(capsys, "runs", "--json", "--limit", "1")] == [3]
    assert main(["runs"]) == 0
    text = capsys.readouterr().out
    assert "#1" in text and "alice/s1" in text and "failed" in text


def test_annotate_refuses_hostile_names_for_its_output_folder(data, capsys):
    assert main(["annotate", str(REAL_VCF), "--user", "..", "--json"]) == 1
    assert "user name '..' is not allowed" in capsys.readouterr().err
    assert not (data / "output").exists()


def test_watch_sweeps_what_killed_programs_left_at_start_up(data, tmp_path):
    from workspace_helpers import leftovers_of_a_dead_process

    sample_dir = data / "output" / "users" / "alice" / "s0"
    leftovers_of_a_dead_process(sample_dir / "user_annotated_vcf.parquet")
    with WatchProcess(tmp_path) as watch:
        first = watch.line()
        code, _ = watch.stop()
    assert first.startswith("removed 3 temporary file(s) or folder(s)"), first
    assert code == 0 and list(sample_dir.iterdir()) == []


MAKE_A_RUN_OF_A_DEAD_PROCESS = """
import sys
from just_dna_desktop.core.workspace.history import History
with History(sys.argv[1], recover=False) as history:
    history.record(partition_key="alice/s0", user="alice", sample="s0", status="running")
"""


def test_watch_stopped_during_start_up_stops_cleanly(data, tmp_path):
    """SIGTERM while `watch` is still starting (here: sweeping the leftovers of killed runs, after
    it said it marked a dead program's run interrupted) is a clean stop, never a death by signal.
    The handler is installed before `watch` prints anything, so a signal sent after its first line
    is always handled: this test cannot pass by luck and cannot fail by it."""
    history_file = data / "interim" / "history.sqlite"
    history_file.parent.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", MAKE_A_RUN_OF_A_DEAD_PROCESS, str(history_file)],
                   check=True, env=dict(os.environ, PYTHONPATH=str(PROJECT)))
    from workspace_helpers import leftovers_of_a_dead_process

    for n in range(5):  # the sweep comes after the first line
        leftovers_of_a_dead_process(data / "output" / "users" / "bo" / f"s{n}" /
                                    "user_annotated_vcf.parquet")
    with WatchProcess(tmp_path) as watch:
        first = watch.line()
        code, rest = watch.stop()
    assert first.startswith("marked 1 run(s) left by a stopped program as interrupted"), first
    assert code == 0, (code, rest)
    assert rest.strip().endswith("stopped") and "watching" not in rest, rest


def test_watch_stops_on_sigterm_every_time(data, tmp_path):
    """SIGTERM used to set a threading.Event from the handler, which deadlocks when the signal
    lands while the main thread holds that Event's lock (inside Event.wait): `watch` then hung
    forever. Real SIGTERMs to a real `watch`, in bursts, repeated: with the old handler this
    hung within the first ten attempts (and 23 of 30 bursts in a loop); busy cores made it rarer."""
    import signal

    for attempt in range(12):
        with WatchProcess(tmp_path) as watch:
            assert "watching" in watch.until(lambda line: "watching" in line), watch.lines
            time.sleep(0.3)  # into its waiting loop
            started = time.monotonic()
            for _ in range(300):
                try:
                    os.kill(watch.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    break
            code, rest = watch.stop(timeout=15, terminate=False)
        assert code == 0, f"attempt {attempt}: watch did not stop on SIGTERM ({rest!r})"
        assert rest.strip().endswith("stopped") and time.monotonic() - started < 15


def test_watch_end_to_end(data, tmp_path):
    """`watch` on an empty workspace, then a VCF copied into input/users/alice/."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    output = data / "output" / "users" / "alice" / "HG00096_chr21" / "user_annotated_vcf.parquet"
    with WatchProcess(tmp_path, "--stable-seconds", "0.5") as watch:
        assert "watching" in watch.line()
        staging = tmp_path / "HG00096_chr21.vcf"
        staging.write_bytes(REAL_VCF.read_bytes())
        target = data / "input" / "users" / "alice" / staging.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
        last = watch.until(lambda line: line.startswith(("succeeded", "failed")))
        code, rest = watch.stop()
    assert last.startswith("succeeded: alice/HG00096_chr21"), watch.lines
    assert output.is_file()
    assert code == 0 and rest.strip().endswith("stopped"), rest

    result = subprocess.run([sys.executable, "-m", "just_dna_desktop", "runs", "--json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    runs = json.loads(result.stdout)
    assert len(runs) == 1
    run = runs[0]
    assert (run["status"], run["partition_key"], run["trigger"]) == \
        ("succeeded", "alice/HG00096_chr21", "auto")
    m = run["metadata"]
    assert m["rows_out"] == 132 and m["alleles_matched"] == 132
    assert m["peak_memory_mb"] > 10 and m["duration_sec"] > 0 and m["cpu_percent"] >= 0
    assert m["output_file"] == str(output)


HOSTILE = "evil\x1b]0;pwned\x07\u202egnp"  # retitles the terminal, then reverses the text


def test_samples_prints_hostile_names_escaped(data, capsys):
    copy_vcf(data / "input" / "users" / "alice" / f"{HOSTILE}.vcf")
    copy_vcf(data / "input" / "users" / HOSTILE / "s1.vcf")
    copy_vcf(data / "input" / "users" / "alice" / "fine.vcf")
    assert main(["samples"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert out.count("evil\\x1b]0;pwned\\x07\\u202egnp") == 2
    assert "alice/fine" in out and "unusable sample name" in out and "unusable user name" in out


def test_watch_says_ignored_and_why_instead_of_ready_and_escapes_names(data, tmp_path):
    make_reference(data.parent / "cache")
    alice = data / "input" / "users" / "alice"
    with WatchProcess(tmp_path, "--stable-seconds", "0.3") as watch:
        assert "watching" in watch.line()
        real = copy_vcf(alice / "real.vcf")
        (alice / "alias.vcf").symlink_to(real)
        copy_vcf(alice / f"{HOSTILE}.vcf")
        watch.until(lambda line: "succeeded" in line)
        watch.stop()
    text = "\n".join(watch.lines)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    said = [line for line in text.splitlines() if line.startswith(("ready:", "ignored:"))]
    assert sorted(said) == sorted([
        f"ready: {alice / 'real.vcf'}",
        f"ignored: {alice / 'alias.vcf'} (the same file as sample alice/real (a link); one "
        "file is annotated once)",
        f"ignored: {alice}/evil\\x1b]0;pwned\\x07\\u202egnp.vcf (unusable sample name: it contains "
        "the invisible or control character U+001B)"]), text
    assert "succeeded: alice/real" in text and "alias" not in text.split("succeeded")[1]


@pytest.mark.parametrize("limit", ["99999999999999999999", "9223372036854775808", "0"])
def test_runs_limit_of_any_size(data, capsys, limit):
    """`runs --limit 99999999999999999999` said `unexpected OverflowError`."""
    copy_vcf(data / "input" / "users" / "alice" / "s1.vcf")
    assert main(["annotate", str(data / "input" / "users" / "alice" / "s1.vcf")]) == 0
    capsys.readouterr()
    assert main(["runs", "--limit", limit, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert len(runs) == (0 if limit == "0" else 1)
