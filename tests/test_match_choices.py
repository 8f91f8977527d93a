"""A method chosen for a sample, by a person or by the build check, is kept for it and used by
every later run, manual or automatic, until changed (issue 21: after *Annotate by rsID* fixed a
GRCh37 file, the next Ctrl+R, *Annotate now* or automatic run went back to positions)."""

import shutil

import pytest

from workspace_helpers import REAL_VCF, grch37_without_build

from just_dna_desktop.core.reference.demo import DEMO_DIR
from just_dna_desktop.core.workspace import choices
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.samples import Workspace
from just_dna_desktop.core.workspace.scheduler import Scheduler


@pytest.fixture
def env(tmp_path):
    history = History(tmp_path / "history.sqlite")
    workspace = Workspace(tmp_path / "input", tmp_path / "output", history)
    scheduler = Scheduler(workspace, history, DEMO_DIR, min_interval_seconds=0)
    yield workspace, history, scheduler
    history.close()


def automatic_run(workspace, scheduler, key):
    """Run the sample again automatically: its result removed, it is new and due."""
    user, sample = key.split("/")
    workspace.output_file(user, sample).unlink()
    assert [s.key for s in scheduler.offer()] == [key]
    return scheduler.run_next()


def test_the_checks_choice_is_kept_and_used_by_later_runs_until_the_file_changes(env):
    workspace, history, scheduler = env
    vcf = grch37_without_build(workspace.input_dir / "alice" / "old.vcf")
    scheduler.offer()
    first = scheduler.run_next()
    assert first.ok and first.metadata["match_by"] == "rsid"
    assert "build_check" in first.metadata  # the check decided
    kept = choices.kept(history, "alice/old", vcf)
    assert (kept.match_by, kept.chosen_by) == ("rsid", "check")

    for result in (scheduler.run_now(workspace.sample("alice", "old")),
                   automatic_run(workspace, scheduler, "alice/old")):
        assert result.ok and result.metadata["match_by"] == "rsid"
        assert "build_check" not in result.metadata  # not decided again: kept
        assert result.metadata["match_by_reason"].startswith(
            "matched by rsID, as the check of its rsIDs decided on ")
        assert result.metadata["alleles_matched"] == 132
        events = [e.message for e in history.events(result.run_id)]
        assert any(m.startswith("matched by rsID, as the check") for m in events)

    # another file under the same name is checked again: a GRCh38 one goes by position
    shutil.copyfile(REAL_VCF, vcf)
    assert choices.kept(history, "alice/old", vcf) is None
    assert [s.key for s in scheduler.offer()] == ["alice/old"]  # stale
    again = scheduler.run_next()
    assert again.metadata["match_by"] == "position" and "build_check" in again.metadata
    assert choices.kept(history, "alice/old", vcf).match_by == "position"


def test_a_persons_choice_is_kept_for_manual_and_automatic_runs_until_they_choose_again(env):
    workspace, history, scheduler = env
    vcf = grch37_without_build(workspace.input_dir / "alice" / "old.vcf")
    sample = workspace.sample("alice", "old")
    # "Annotate by position anyway…": the person's choice, kept, even for a new file
    chosen = scheduler.run_now(sample, options={"match_by": "position",
                                                "ignore_build_mismatch": True})
    assert chosen.metadata["match_by"] == "position"
    assert chosen.metadata["match_by_reason"] == "matched by position, as asked"
    assert workspace.sample("alice", "old").state == "doubtful"  # never the green check
    assert choices.kept(history, "alice/old", vcf).chosen_by == "person"
    for result in (scheduler.run_now(workspace.sample("alice", "old")),
                   automatic_run(workspace, scheduler, "alice/old")):
        assert result.metadata["match_by"] == "position"
        assert result.metadata["match_by_reason"].startswith(
            "matched by position, as chosen for this sample on ")
    assert workspace.sample("alice", "old").state == "doubtful"

    # "Annotate by rsID": chosen again, and kept from then on
    assert scheduler.run_now(workspace.sample("alice", "old"),
                             options={"match_by": "rsid"}).metadata["match_by"] == "rsid"
    assert workspace.sample("alice", "old").state == "annotated"
    for result in (scheduler.run_now(workspace.sample("alice", "old")),
                   automatic_run(workspace, scheduler, "alice/old")):
        assert result.metadata["match_by"] == "rsid"
    # a person's choice outlives a change of the file
    with open(vcf, "a") as handle:
        handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
    assert choices.kept(history, "alice/old", vcf).match_by == "rsid"
    choices.forget(history, "alice/old")
    assert choices.kept(history, "alice/old", vcf) is None


def test_the_command_line_keeps_and_takes_the_same_choice(tmp_path, capsys):
    import json

    from just_dna_desktop.cli import main

    source = grch37_without_build(tmp_path / "old.vcf")
    data = tmp_path / "data"  # conftest's data folder

    def annotate(*flags):
        vcf = data / "input" / "users" / "carol" / "old.vcf"
        assert main(["annotate", str(vcf), "--cache-dir", str(DEMO_DIR), "--json", *flags]) == 0
        return json.loads(capsys.readouterr().out)

    assert main(["import", str(source), "--user", "carol"]) == 0
    capsys.readouterr()
    first = annotate()
    assert first["partition_key"] == "carol/old" and first["match_by"] == "rsid"
    assert "build_check" in first
    forced = annotate("--match-by", "position", "--ignore-build-mismatch")
    assert forced["match_by"] == "position"
    again = annotate()  # no flag: the person's choice, not the check's
    assert again["match_by"] == "position"
    assert again["match_by_reason"].startswith("matched by position, as chosen for this sample")
    back = annotate("--match-by", "auto")  # asked for by name: decided from the file again
    assert back["match_by"] == "rsid" and "build_check" in back
