"""Temporary names carry their owner; leftovers of a dead owner are swept, live ones never."""

import os
import subprocess
import sys
import time

import pytest

from workspace_helpers import leftovers_of_a_dead_process

from just_dna_desktop.core import housekeeping
from just_dna_desktop.core.housekeeping import (demo_dir, is_leftover, owner_tag, sweep,
                                                sweep_workspace, temp_dir, temp_file)

def test_names_carry_the_owner_and_only_a_dead_owners_are_leftovers(tmp_path):
    output = tmp_path / "alice" / "s1" / "user_annotated_vcf.parquet"
    dead = leftovers_of_a_dead_process(output)
    assert len(dead) == 3 and all(name.startswith(".") for name in dead)
    mine = [temp_file(output), temp_dir(output)]
    mine[0].write_bytes(b"in progress")
    assert all(owner_tag() in p.name for p in mine)
    assert not any(is_leftover(p) for p in mine)

    removed = sweep(output.parent)
    assert sorted(p.name for p in removed) == dead
    assert sorted(output.parent.iterdir()) == sorted(mine)  # a live run's files stay


def test_a_reused_pid_or_another_computer_is_not_the_owner(tmp_path):
    pid, started, host = owner_tag().split("-")
    reused = tmp_path / f".out.parquet.{pid}-{int(started) - 500}-{host}.1.tmp"  # other start time
    elsewhere = tmp_path / f".out.parquet.{pid}-{started}-000000.1.tmp"  # another host's
    for path in (reused, elsewhere):
        path.write_bytes(b"x")
    assert is_leftover(reused) and not is_leftover(elsewhere)
    assert sweep(tmp_path) == [reused] and elsewhere.exists()


def test_a_half_deleted_folder_and_old_style_names(tmp_path):
    garbage = tmp_path / ".just-dna-garbage-0123abcd"  # a sweep that was itself interrupted
    (garbage / "sub").mkdir(parents=True)
    # Before owner tags: a spill folder (no pid) and a part file with a pid that is gone.
    old_folder = tmp_path / ".user_annotated_vcf.parquet.k2j3h4g5.tmp"
    old_folder.mkdir()
    (old_folder / "in-0-0.parquet").write_bytes(b"x" * 1000)
    recent_folder = tmp_path / ".user_annotated_vcf.parquet.a1b2c3d4.tmp"
    recent_folder.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    old_file = tmp_path / f".user_annotated_vcf.parquet.{gone}.123456.tmp"
    old_file.write_bytes(b"x")
    day_ago = time.time() - housekeeping.LEGACY_MAX_AGE_SECONDS - 60
    os.utime(old_folder, (day_ago, day_ago))
    other = tmp_path / ".hidden-but-not-ours.tmp"
    other.write_bytes(b"x")

    assert sorted(sweep(tmp_path)) == sorted([garbage, old_folder, old_file])
    assert sorted(tmp_path.iterdir()) == sorted([recent_folder, other])


def test_sweep_renames_before_deleting(tmp_path, monkeypatch):
    output = tmp_path / "user_annotated_vcf.parquet"
    leftovers_of_a_dead_process(output)

    def failing_rmtree(path, *args, **kwargs):
        raise PermissionError("busy")

    monkeypatch.setattr(housekeeping.shutil, "rmtree", failing_rmtree)
    sweep(tmp_path)
    # The folder could not be deleted, but it no longer looks like a run's: the next sweep takes it.
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and names[0].startswith(housekeeping.GARBAGE_PREFIX)
    monkeypatch.undo()
    sweep(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_start_up_sweep_covers_outputs_imports_prepared_copies_and_demo_folders(tmp_path):
    input_dir, output_dir = tmp_path / "input", tmp_path / "output"
    reference_dir = tmp_path / "cache" / "ensembl_variations"
    demo_parent = tmp_path / "tmp"
    leftovers_of_a_dead_process(output_dir / "alice" / "s1" / "user_annotated_vcf.parquet")
    leftovers_of_a_dead_process(input_dir / "alice" / "s1.vcf")
    prepared = reference_dir.parent / "ensembl_variations-prepared" / "data"
    leftovers_of_a_dead_process(prepared / "homo_sapiens-chr21.parquet")
    demo_parent.mkdir()
    dead_demo = subprocess.run(
        [sys.executable, "-c", "import sys; from just_dna_desktop.core.housekeeping import "
         "demo_dir; print(demo_dir(sys.argv[1]))", str(demo_parent)],
        capture_output=True, text=True, check=True).stdout.strip()
    live_demo = demo_dir(demo_parent)
    removed = sweep_workspace(input_dir, output_dir, [prepared], demo_parent)
    assert len(removed) == 3 * 3 + 1
    assert dead_demo in map(str, removed) and list(demo_parent.iterdir()) == [live_demo]
    for folder in (output_dir / "alice" / "s1", input_dir / "alice", prepared):
        assert list(folder.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_sweep_never_follows_a_link_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    output = outside / "user_annotated_vcf.parquet"
    leftovers_of_a_dead_process(output)
    before = sorted(outside.iterdir())
    (tmp_path / "output" / "alice").mkdir(parents=True)
    (tmp_path / "output" / "alice" / "s1").symlink_to(outside)
    sweep_workspace(tmp_path / "input", tmp_path / "output", (), tmp_path / "none")
    assert sorted(outside.iterdir()) == before


def test_a_live_owner_stays_alive_when_the_clock_is_adjusted(tmp_path, monkeypatch):
    """Linux reads a process's start from the boot time in /proc/stat, whole seconds that move by
    one when NTP adjusts the wall clock: a live owner's start then reads a second off. It must
    still be alive (its files kept, its run not interrupted); a start minutes away is another
    process on a reused pid."""
    import psutil

    from just_dna_desktop.core.workspace.history import owner_alive, this_owner

    output = tmp_path / "user_annotated_vcf.parquet"
    mine = temp_file(output)
    mine.write_bytes(b"in progress")
    owner = this_owner()
    real = psutil.Process.create_time
    for shift, alive in ((1.0, True), (-1.0, True), (120.0, False)):
        monkeypatch.setattr(psutil.Process, "create_time",
                            lambda self, shift=shift: real(self) + shift)
        assert is_leftover(mine) is not alive, shift
        assert owner_alive(owner) is alive, shift
