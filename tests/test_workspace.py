"""Samples as partitions: discovery, states from the history, links out of the tree, atomic import."""

import gzip
import os
import shutil
import threading

from pathlib import Path

import pytest

from workspace_helpers import REAL_VCF, copy_vcf

from just_dna_desktop.core.workspace import samples as workspace_module
from just_dna_desktop.core.errors import UserError, VcfError
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.names import InvalidNameError
from just_dna_desktop.core.workspace.samples import (Fingerprint, OutsideWorkspaceError, SampleExistsError,
                                                     Workspace, sample_name_of)


@pytest.fixture
def ws(tmp_path):
    history = History(tmp_path / "state" / "history.sqlite")
    yield Workspace(tmp_path / "input", tmp_path / "output", history)
    history.close()


def record_run(ws, path, status, user="alice", sample="s1", with_hash=True):
    """A finished run of alice/s1 that read `path` as it is now."""
    fingerprint = Fingerprint.of(path, with_hash=with_hash).to_dict()
    run_id = ws.history.record(partition_key=f"{user}/{sample}", user=user, sample=sample,
                               status="running", config={"input_fingerprint": fingerprint})
    ws.history.update(run_id, status=status)
    return run_id


def make_output(ws, user="alice", sample="s1"):
    out = ws.output_dir / user / sample / "user_annotated_vcf.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"PAR1")
    return out


def state(ws):
    return {s.key: s.state for s in ws.scan()}


def test_sample_name_of():
    assert sample_name_of("HG00096.vcf.gz") == "HG00096"
    assert sample_name_of("me.VCF") == "me"
    assert sample_name_of("a.b.vcf") == "a.b"
    assert sample_name_of("genome_John_Doe_v5_Full_20240101.zip") == "genome_John_Doe_v5_Full_20240101"
    assert sample_name_of("AncestryDNA.txt") == "AncestryDNA"
    assert sample_name_of("MyHeritage_raw_dna_data.csv.gz") == "MyHeritage_raw_dna_data"


def test_discovers_users_and_samples_as_partitions(ws):
    copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    copy_vcf(ws.input_dir / "alice" / "s2.vcf.gz")
    copy_vcf(ws.input_dir / "bob" / "x.vcf")
    (ws.input_dir / "bob" / "photo.jpg").write_text("not a sample, and not named like one")
    (ws.input_dir / "bob" / ".x2.vcf.123.part").write_text("an import in progress")
    samples = ws.scan()
    assert [s.key for s in samples] == ["alice/s1", "alice/s2", "bob/x"]
    assert all(s.state == "new" and s.last_run is None and s.problem is None for s in samples)
    assert samples[0].output == ws.output_dir / "alice" / "s1" / "user_annotated_vcf.parquet"
    assert ws.rejected == []


def test_states_follow_the_history_and_the_file(ws):
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    assert state(ws) == {"alice/s1": "new"}

    queued = ws.history.record(partition_key="alice/s1", user="alice", sample="s1")
    assert state(ws) == {"alice/s1": "queued"}
    assert ws.history.claim(queued)
    assert state(ws) == {"alice/s1": "running"}
    ws.history.update(queued, status="interrupted")
    assert state(ws) == {"alice/s1": "new"}  # a crash says nothing about the file

    record_run(ws, path, "succeeded")
    make_output(ws)
    assert state(ws) == {"alice/s1": "annotated"}

    # Same bytes, new mtime (touch, or copied again): the hash confirms nothing changed.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert state(ws) == {"alice/s1": "annotated"}

    # Same size, different bytes: stale.
    data = bytearray(path.read_bytes())
    data[-2:-1] = b"1" if data[-2:-1] != b"1" else b"0"
    path.write_bytes(bytes(data))
    assert state(ws) == {"alice/s1": "stale"}

    # A failed attempt on this very file: failed, until the file changes again.
    record_run(ws, path, "failed")
    assert state(ws) == {"alice/s1": "failed"}
    with open(path, "a") as handle:
        handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
    assert state(ws) == {"alice/s1": "stale"}  # back to the last good run, which is older

    record_run(ws, path, "succeeded")
    assert state(ws) == {"alice/s1": "annotated"}
    (ws.output_dir / "alice" / "s1" / "user_annotated_vcf.parquet").unlink()
    assert state(ws) == {"alice/s1": "new"}  # the output is gone


def test_failed_new_sample_becomes_new_again_when_its_file_changes(ws):
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    record_run(ws, path, "cancelled")
    assert state(ws) == {"alice/s1": "failed"}
    path.write_text(path.read_text() + "21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
    assert state(ws) == {"alice/s1": "new"}


def test_output_made_outside_the_history_counts_by_time(ws):
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    out = make_output(ws)
    os.utime(out, (path.stat().st_mtime + 10,) * 2)
    assert state(ws) == {"alice/s1": "annotated"}
    os.utime(out, (path.stat().st_mtime - 10,) * 2)
    assert state(ws) == {"alice/s1": "stale"}


def test_links_out_of_the_tree_are_not_followed(ws, tmp_path):
    outside = tmp_path / "outside"
    copy_vcf(outside / "secret.vcf")
    (ws.input_dir / "alice").mkdir(parents=True)
    (ws.input_dir / "mallory").symlink_to(outside, target_is_directory=True)
    (ws.input_dir / "alice" / "stolen.vcf").symlink_to(outside / "secret.vcf")
    copy_vcf(ws.input_dir / "alice" / "real.vcf")
    (ws.input_dir / "alice" / "alias.vcf").symlink_to(ws.input_dir / "alice" / "real.vcf")
    (ws.input_dir / "alice" / "loop.vcf").symlink_to(ws.input_dir / "alice" / "loop.vcf")
    keys = [s.key for s in ws.scan()]
    assert keys == ["alice/real"]  # a link inside the tree names a file that is a sample already
    reasons = {p.name: r for p, r in ((r.path, r.reason) for r in ws.rejected)}
    assert "out of the input folder" in reasons["mallory"]
    assert "out of the input folder" in reasons["stolen.vcf"]
    assert reasons["alias.vcf"] == "the same file as sample alice/real (a link); one file is " \
                                   "annotated once"


def test_one_sample_per_real_file_whatever_links_name_it(ws):
    real = copy_vcf(ws.input_dir / "alice" / "zz_real.vcf")
    (ws.input_dir / "alice" / "aa_alias.vcf").symlink_to(real)  # sorts first, still a link
    os.link(real, ws.input_dir / "alice" / "zz_real_hardlink.vcf")
    (ws.input_dir / "alice2").symlink_to(ws.input_dir / "alice", target_is_directory=True)
    copy_vcf(ws.input_dir / "bob" / "own.vcf")
    (ws.input_dir / "bob" / "alices.vcf").symlink_to(real)
    assert [s.key for s in ws.scan()] == ["alice/zz_real", "bob/own"]
    reasons = {str(r.path.relative_to(ws.input_dir)): r.reason for r in ws.rejected}
    assert reasons == {
        "alice2": "a link to the folder of user alice; its samples are listed once, under that "
                  "user",
        "alice/aa_alias.vcf": "the same file as sample alice/zz_real (a link); one file is "
                              "annotated once",
        "alice/zz_real_hardlink.vcf": "the same file as sample alice/zz_real (a link); one file "
                                      "is annotated once",
        "bob/alices.vcf": "the same file as sample alice/zz_real (a link); one file is annotated "
                          "once"}


def test_names_in_another_unicode_form_are_one_person(ws):
    nfc, nfd = "\u00e5lice", "a\u030alice"  # both show as ålice
    copy_vcf(ws.input_dir / nfc / "s1.vcf")
    copy_vcf(ws.input_dir / nfd / "s2.vcf")
    copy_vcf(ws.input_dir / nfc / "g\u00e9nome.vcf")
    copy_vcf(ws.input_dir / nfc / "ge\u0301nome.vcf")
    assert [s.key for s in ws.scan()] == [f"{nfc}/g\u00e9nome", f"{nfc}/s1"]
    reasons = sorted(r.reason for r in ws.rejected)
    assert reasons == ["same sample as g\u00e9nome.vcf; keep one of them",
                       f"the same name as user {nfc} written in another Unicode form; keep one "
                       "of them"]


def test_import_normalises_names_and_finds_the_person_in_any_form(ws, tmp_path):
    source = copy_vcf(tmp_path / "x.vcf")
    target = ws.import_sample(source, "a\u030alice", "ge\u0301nome")  # typed decomposed
    assert target == ws.input_dir / "\u00e5lice" / "g\u00e9nome.vcf"
    with pytest.raises(SampleExistsError):
        ws.import_sample(source, "\u00e5lice", "g\u00e9nome")
    # A folder made outside the program in the decomposed form is the same person.
    copy_vcf(ws.input_dir / "bo\u0308b" / "s1.vcf")
    assert ws.import_sample(source, "b\u00f6b", "s2").parent.name == "bo\u0308b"


def test_a_name_differing_only_by_case_is_refused_where_case_is_ignored(ws, tmp_path,
                                                                       monkeypatch):
    source = copy_vcf(tmp_path / "x.vcf")
    ws.import_sample(source, "alice", "s1")
    # Here (a case-sensitive file system) Alice is another person...
    assert ws.import_sample(source, "Alice", "s1").parent.name == "Alice"
    # ...where case is ignored (macOS, Windows) it is alice's folder: refused with a suggestion.
    real_samefile = os.path.samefile

    def case_blind(a, b):
        a, b = Path(a), Path(b)
        return str(a).casefold() == str(b).casefold() or real_samefile(a, b)

    monkeypatch.setattr(os.path, "samefile", case_blind)
    with pytest.raises(InvalidNameError) as caught:
        ws.import_sample(source, "ALICE", "s2")
    assert caught.value.suggestion in ("alice", "Alice")
    assert "does not tell upper from lower case" in str(caught.value)


def test_unusable_names_and_duplicates_are_listed_not_used(ws):
    copy_vcf(ws.input_dir / "alice" / "CON.vcf")
    copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    copy_vcf(ws.input_dir / "alice" / "S1.vcf.gz")
    copy_vcf(ws.input_dir / "bad:user" / "x.vcf")
    copy_vcf(ws.input_dir / "loose.vcf")
    assert [s.key for s in ws.scan()] == ["alice/S1"]  # names sort upper case first
    reasons = sorted(r.reason.split(":")[0] for r in ws.rejected)
    assert reasons == ["a sample file must be inside a user's folder", "same sample as S1.vcf.gz; keep one of them",
                       "unusable sample name", "unusable user name"]


def test_partition_of(ws, tmp_path):
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf.gz")
    assert ws.partition_of(path) == ("alice", "s1")
    assert ws.partition_of(tmp_path / "elsewhere.vcf") is None
    assert ws.partition_of(ws.input_dir / "alice" / "deeper" / "x.vcf") is None


def test_output_file_refuses_hostile_names_and_links_out(ws, tmp_path):
    assert ws.output_file("alice", "s1") == ws.output_dir / "alice" / "s1" / \
        "user_annotated_vcf.parquet"
    with pytest.raises(InvalidNameError):
        ws.output_file("..", "s1")
    (tmp_path / "elsewhere").mkdir()
    ws.output_dir.mkdir(parents=True, exist_ok=True)
    (ws.output_dir / "mallory").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(OutsideWorkspaceError):
        ws.output_file("mallory", "s1")


# -- import --------------------------------------------------------------------------------------


def test_import_copies_under_the_user_and_keeps_gzip(ws, tmp_path):
    target = ws.import_sample(REAL_VCF, "alice")
    assert target == ws.input_dir / "alice" / "HG00096_chr21.vcf"
    assert target.read_bytes() == REAL_VCF.read_bytes()
    gz = tmp_path / "packed.txt"
    gz.write_bytes(gzip.compress(REAL_VCF.read_bytes()))
    assert ws.import_sample(gz, "alice", "packed").name == "packed.vcf.gz"
    assert [s.key for s in ws.scan()] == ["alice/HG00096_chr21", "alice/packed"]
    assert [p.name for p in (ws.input_dir / "alice").iterdir() if p.name.startswith(".")] == []


def test_import_sniffs_the_header_before_writing(ws, tmp_path):
    fake = tmp_path / "photo.vcf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(VcfError) as info:
        ws.import_sample(fake, "alice")
    assert str(fake) in str(info.value)
    assert not (ws.input_dir / "alice").exists()  # nothing written, not even the folder


def test_import_never_overwrites_an_existing_sample(ws, tmp_path):
    first = ws.import_sample(REAL_VCF, "alice", "s1")
    before = first.read_bytes()
    other = tmp_path / "other.vcf"
    other.write_text(REAL_VCF.read_text().replace("0|0", "1|1"))
    for sample in ("s1", "S1"):
        with pytest.raises(SampleExistsError, match="already exists"):
            ws.import_sample(other, "alice", sample)
    gz = tmp_path / "other.vcf.gz"
    gz.write_bytes(gzip.compress(other.read_bytes()))
    with pytest.raises(SampleExistsError):
        ws.import_sample(gz, "alice", "s1")  # s1.vcf.gz would be the same sample
    assert first.read_bytes() == before
    assert sorted(p.name for p in (ws.input_dir / "alice").iterdir()) == ["s1.vcf"]


@pytest.mark.parametrize("user,sample", [("../escape", "s1"), ("alice", "../../escape"),
                                         ("CON", "s1"), ("alice", ".hidden"),
                                         ("alice", "a\x00b"), ("/abs", "s1")])
def test_import_refuses_hostile_names_and_suggests(ws, tmp_path, user, sample):
    with pytest.raises(InvalidNameError) as info:
        ws.import_sample(REAL_VCF, user, sample)
    assert info.value.suggestion
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".vcf"]
    assert written == []


def test_import_refuses_a_user_folder_linking_out(ws, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    ws.input_dir.mkdir(parents=True)
    (ws.input_dir / "mallory").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(OutsideWorkspaceError):
        ws.import_sample(REAL_VCF, "mallory", "s1")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_no_partial_import_is_ever_visible(ws, monkeypatch):
    """Mid-copy, the sample is not there yet; a copy that fails leaves nothing behind."""
    seen_during_copy = []
    real_copy = shutil.copyfileobj

    def slow_copy(src, dst, length=0):
        dst.write(src.read(100))
        dst.flush()
        seen_during_copy.append([s.key for s in ws.scan()])
        real_copy(src, dst)

    monkeypatch.setattr(workspace_module.shutil, "copyfileobj", slow_copy)
    target = ws.import_sample(REAL_VCF, "alice", "s1")
    assert seen_during_copy == [[]]
    assert target.read_bytes() == REAL_VCF.read_bytes()

    def failing_copy(src, dst, length=0):
        dst.write(src.read(100))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workspace_module.shutil, "copyfileobj", failing_copy)
    with pytest.raises(UserError, match="No space left"):
        ws.import_sample(REAL_VCF, "alice", "s2")
    assert sorted(p.name for p in (ws.input_dir / "alice").iterdir()) == ["s1.vcf"]


def test_concurrent_imports_of_one_sample_one_wins_whole(ws, tmp_path):
    sources = []
    for i in range(6):
        src = tmp_path / f"v{i}.vcf"
        src.write_text(REAL_VCF.read_text() + f"##variant {i}\n" * 0 +
                       "".join(f"21\t{26000000 + i * 10 + k}\t.\tA\tG\t.\t.\t.\tGT\t0|1\n"
                               for k in range(i + 1)))
        sources.append(src)
    results, errors = [], []
    barrier = threading.Barrier(len(sources))

    def attempt(src):
        barrier.wait()
        try:
            results.append((src, ws.import_sample(src, "alice", "same")))
        except SampleExistsError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and len(errors) == len(sources) - 1
    winner, target = results[0]
    assert target.read_bytes() == winner.read_bytes()
    assert sorted(p.name for p in (ws.input_dir / "alice").iterdir()) == ["same.vcf"]


def test_a_new_reference_revision_makes_results_stale(tmp_path):
    from just_dna_desktop.core.reference.cache import write_manifest

    reference_dir = tmp_path / "cache" / "ensembl_variations"
    history = History(tmp_path / "state" / "history.sqlite")
    ws = Workspace(tmp_path / "input", tmp_path / "output", history, reference_dir=reference_dir)
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    run_id = record_run(ws, path, "succeeded")
    history.update(run_id, metadata={"reference_revision": "aaa111"})
    make_output(ws)
    assert state(ws) == {"alice/s1": "annotated"}  # no manifest: nothing to compare with

    write_manifest(reference_dir, {"revision": "aaa111"})
    assert state(ws) == {"alice/s1": "annotated"}
    write_manifest(reference_dir, {"revision": "bbb222"})
    assert state(ws) == {"alice/s1": "stale"}
    history.close()


# ------------------------------------------------------------------ genotyping files

CHIP = "# This data file generated by 23andMe\n# rsid\tchromosome\tposition\tgenotype\nrs1\t1\t5\tAG\n"


def test_genotyping_files_are_samples_by_content(ws):
    import zipfile

    folder = ws.input_dir / "carol"
    folder.mkdir(parents=True)
    (folder / "genome.txt").write_text(CHIP)
    (folder / "mh.csv.gz").write_bytes(gzip.compress(
        b'# MyHeritage DNA raw data.\nRSID,CHROMOSOME,POSITION,RESULT\n"rs1","1","5","AG"\n'))
    with zipfile.ZipFile(folder / "download.zip", "w") as archive:
        archive.writestr("AncestryDNA.txt", "#AncestryDNA\nrsid\tchromosome\tposition\tallele1\t"
                                            "allele2\nrs1\t1\t5\tA\tG\n")
    copy_vcf(folder / "old.txt")             # a VCF under another name is a VCF
    (folder / "notes.txt").write_text("shopping list\nmilk\n")
    (folder / "empty.csv").write_text("")
    samples = {s.key: s for s in ws.scan()}
    assert {k: s.state for k, s in samples.items()} == {
        "carol/download": "new", "carol/empty": "failed", "carol/genome": "new",
        "carol/mh": "new", "carol/notes": "failed", "carol/old": "new"}
    assert "neither a VCF" in samples["carol/notes"].problem
    assert samples["carol/notes"].problem.startswith("line 1: ")
    assert samples["carol/empty"].problem == "the file is empty"
    assert samples["carol/notes"].to_dict()["problem"] == samples["carol/notes"].problem


def test_content_is_sniffed_once_per_size_and_mtime(ws, monkeypatch):
    path = ws.input_dir / "carol" / "genome.txt"
    path.parent.mkdir(parents=True)
    path.write_text(CHIP)
    calls = []
    real = workspace_module.detect_format
    monkeypatch.setattr(workspace_module, "detect_format", lambda p: calls.append(p) or real(p))
    for _ in range(3):
        assert state(ws) == {"carol/genome": "new"}
    assert len(calls) == 1
    path.write_text("no longer a genotype file\n")
    os.utime(path, ns=(1, 2))
    assert state(ws) == {"carol/genome": "failed"}
    assert len(calls) == 2


def test_import_names_the_copy_after_its_content(ws, tmp_path):
    import zipfile

    source = tmp_path / "download"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("genome.txt", CHIP)
    assert ws.import_sample(source, "carol", "kit").name == "kit.zip"
    csv = tmp_path / "x.dat"
    csv.write_text('RSID,CHROMOSOME,POSITION,RESULT\n"rs1","1","5","AG"\n')
    assert ws.import_sample(csv, "carol", "ftdna").name == "ftdna.csv"
    gz = tmp_path / "g.gz"
    gz.write_bytes(gzip.compress(CHIP.encode()))
    assert ws.import_sample(gz, "carol").name == "g.txt.gz"
    assert state(ws) == {"carol/ftdna": "new", "carol/g": "new", "carol/kit": "new"}
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    with pytest.raises(VcfError, match="neither a VCF"):
        ws.import_sample(notes, "carol")
    assert not (ws.input_dir / "carol" / "notes.txt").exists()
    with pytest.raises(SampleExistsError):  # kit.zip is there: kit.txt would be the same sample
        ws.import_sample(tmp_path / "x.dat", "carol", "kit")
