"""Removing a sample or a person: planned first, so the confirmation says what is deleted and
what is kept, then done; nothing outside the workspace is touched (issue 21: there was no way to
remove a sample or a person from the window)."""

import pytest

from workspace_helpers import REAL_VCF

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.reference.demo import DEMO_DIR
from just_dna_desktop.core.workspace import choices, removal
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.samples import Workspace
from just_dna_desktop.core.workspace.scheduler import Scheduler


@pytest.fixture
def env(tmp_path):
    history = History(tmp_path / "data" / "history.sqlite")
    workspace = Workspace(tmp_path / "data" / "input", tmp_path / "data" / "output", history)
    elsewhere = tmp_path / "Downloads" / "genome.vcf"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(REAL_VCF.read_bytes())
    workspace.import_sample(elsewhere, "alice", "first")
    workspace.import_sample(elsewhere, "alice", "second")
    workspace.import_sample(elsewhere, "bob", "only")
    scheduler = Scheduler(workspace, history, DEMO_DIR, min_interval_seconds=0)
    assert scheduler.run_now(workspace.sample("alice", "first"),
                             options={"match_by": "rsid"}).ok
    report = workspace.output_file("alice", "first").parent / "alice_first_report.html"
    report.write_text("<html>a saved report</html>")
    yield workspace, history, elsewhere
    history.close()


def test_a_sample_goes_with_its_results_and_the_rest_stays(env):
    workspace, history, elsewhere = env
    plan = removal.plan(workspace, "alice", "first")
    sample_file = workspace.input_dir / "alice" / "first.vcf"
    results = workspace.output_dir / "alice" / "first"
    assert plan.files == [sample_file] and plan.folders == [results]
    assert plan.size == sample_file.stat().st_size + sum(
        p.stat().st_size for p in results.iterdir())
    said = "\n".join(plan.deleted())
    assert "first.vcf: the genome file in the input folder" in said
    assert f"{results}: the results (annotated table, exports and reports saved there)" in said
    assert "The run history: past runs stay listed." in plan.kept()
    assert plan.what == "sample alice/first"

    removal.carry_out(workspace, plan, history)
    assert not sample_file.exists() and not results.exists()
    assert [s.key for s in workspace.scan()] == ["alice/second", "bob/only"]
    assert elsewhere.is_file()  # the file it was imported from
    assert [r.partition_key for r in history.list_runs()] == ["alice/first"]  # history kept
    assert choices.kept(history, "alice/first") is None  # its method is forgotten with it


def test_a_person_goes_with_every_sample_and_keeps_other_files(env):
    workspace, history, elsewhere = env
    notes = workspace.input_dir / "alice" / "photo.jpg"
    notes.write_text("not named like a genome file")
    plan = removal.plan(workspace, "alice")
    assert plan.what == "alice and their 2 samples"
    assert sorted(p.name for p in plan.files) == ["first.vcf", "second.vcf"]
    assert plan.other_files == [notes]
    assert any("photo.jpg" in line for line in plan.kept())
    removal.carry_out(workspace, plan, history)
    assert [s.key for s in workspace.scan()] == ["bob/only"]
    assert notes.is_file()  # so the folder stays
    assert not (workspace.output_dir / "alice").exists()  # emptied: gone
    # a person with nothing else in their folder leaves no folder behind
    removal.carry_out(workspace, removal.plan(workspace, "bob"), history)
    assert not (workspace.input_dir / "bob").exists()
    assert elsewhere.is_file()


def test_a_running_sample_or_a_stranger_is_refused(env):
    workspace, history, _ = env
    history.record(partition_key="alice/second", user="alice", sample="second", status="running")
    with pytest.raises(UserError, match="alice/second: being annotated now; cancel it first"):
        removal.plan(workspace, "alice")
    with pytest.raises(UserError, match="no such sample"):
        removal.plan(workspace, "alice", "nobody")
    with pytest.raises(UserError, match="no such person"):
        removal.plan(workspace, "carol")
    with pytest.raises(UserError, match="not allowed"):
        removal.plan(workspace, "..")


def test_a_link_in_the_results_is_removed_as_a_link_never_followed(env, tmp_path):
    workspace, history, _ = env
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    results = workspace.output_dir / "bob" / "only"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.symlink_to(precious, target_is_directory=True)
    removal.carry_out(workspace, removal.plan(workspace, "bob", "only"), history)
    assert not results.exists() and not results.is_symlink()
    assert (precious / "keep.txt").read_text() == "mine"
