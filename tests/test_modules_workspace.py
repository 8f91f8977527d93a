"""Modules in the workspace: every annotation is followed by its findings; a module added,
updated or removed makes samples due for their findings alone, which never redo the reference
join; findings runs are recorded without touching a sample's annotation state."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from reference_factory import write_reference, write_vcf

from just_dna_desktop.core.modules.findings import findings_due, read_findings
from just_dna_desktop.core.modules.store import ModuleStore
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.samples import ANNOTATED, Workspace
from just_dna_desktop.core.workspace.scheduler import MODULES, Scheduler

MODULE = Path(__file__).parent / "data" / "module_example"  # rs4244285, rs9923231, rs4988235, rs1801133
HEADER = "##fileformat=VCFv4.2\n##reference=GRCh38\n"


@pytest.fixture
def world(tmp_path):
    cache = tmp_path / "cache"
    reference = cache / "ensembl_variations"
    write_reference(reference, "10", [(94781859, "rs4244285", "G", "A")])
    write_reference(reference, "16", [(31096368, "rs9923231", "C", "T")])
    write_reference(reference, "2", [(135851076, "rs4988235", "G", "A")])
    write_reference(reference, "1", [(11796321, "rs1801133", "G", "A")])
    vcf = tmp_path / "input" / "alice" / "s1.vcf"
    vcf.parent.mkdir(parents=True)
    write_vcf(vcf, ["chr10\t94781859\trs4244285\tG\tA\t50\tPASS\t.\tGT\t0/1",
                    "chr2\t135851076\trs4988235\tG\tA\t50\tPASS\t.\tGT\t1/1"], header=HEADER)
    history = History(tmp_path / "history.sqlite")
    workspace = Workspace(tmp_path / "input", tmp_path / "output", history,
                          reference_dir=reference, modules_dir=cache)
    scheduler = Scheduler(workspace, history, reference, min_interval_seconds=3600)
    yield workspace, scheduler, history, cache
    history.close()


def test_an_annotation_is_followed_by_its_findings(world):
    workspace, scheduler, history, cache = world
    ModuleStore(cache).add_folder(MODULE)
    sample = workspace.sample("alice", "s1")
    result = scheduler.run_now(sample)
    assert result.ok, result.error
    findings, metadata = read_findings(sample.output.with_name("findings.parquet"))
    assert sorted(zip(findings["rsid"], findings["genotype"])) == \
        [("rs4244285", "A/G"), ("rs4988235", "A/A")]
    [module] = metadata["modules"]
    assert (module["name"], module["version"], module["verified"], module["license"]) == \
        ("example_pgx_traits", "0.1.0", True, "CC0-1.0")
    assert module["digest"].startswith("sha256:69d309df")
    assert (module["sites"], module["findings"], module["not_in_file"]) == (4, 2, 2)
    runs = history.list_runs()
    assert [(r.kind, r.status, r.partition_key) for r in runs] == \
        [("findings", "succeeded", None), ("annotate", "succeeded", "alice/s1")]
    assert runs[0].metadata["modules"][0]["findings"] == 2
    # the annotation fingerprinted the input; its findings did not hash the genome again
    assert "input_fingerprint" in runs[1].config and "input_fingerprint" not in runs[0].config
    scanned = workspace.sample("alice", "s1")
    assert scanned.state == ANNOTATED and not scanned.findings_due


def test_a_new_module_makes_findings_due_and_only_they_run_again(world, tmp_path):
    workspace, scheduler, history, cache = world
    sample = workspace.sample("alice", "s1")
    assert scheduler.run_now(sample).ok
    findings_file = sample.output.with_name("findings.parquet")
    assert not findings_file.exists()  # no modules, never findings: nothing written
    assert not workspace.sample("alice", "s1").findings_due

    ModuleStore(cache).add_folder(MODULE)
    annotated_before = sample.output.stat().st_mtime_ns
    assert workspace.sample("alice", "s1").findings_due
    queued = scheduler.offer()
    assert [q.reason for q in scheduler.queued()] == [MODULES] and len(queued) == 1
    assert scheduler.seconds_until_next() == 0.0  # no interval for findings alone
    result = scheduler.run_next()
    assert result is not None and result.ok, result and result.error
    assert sample.output.stat().st_mtime_ns == annotated_before  # the reference join not redone
    assert read_findings(findings_file)[0].height == 2
    assert not workspace.sample("alice", "s1").findings_due
    assert scheduler.run_next() is None

    # Removing the module: the findings are due again, to say no module was used.
    ModuleStore(cache).remove("example_pgx_traits")
    assert workspace.sample("alice", "s1").findings_due
    scheduler.offer()
    assert scheduler.run_next().ok
    frame, metadata = read_findings(findings_file)
    assert frame.height == 0 and metadata["modules"] == []


def test_findings_are_due_when_the_annotation_changes(world):
    workspace, scheduler, history, cache = world
    store = ModuleStore(cache)
    store.add_folder(MODULE)
    sample = workspace.sample("alice", "s1")
    assert scheduler.run_now(sample).ok
    modules = store.usable()[0]
    assert not findings_due(sample.output, modules)
    data = pl.read_parquet(sample.output)
    data.write_parquet(sample.output)  # another annotation of the sample (same rows, new file)
    assert findings_due(sample.output, modules)


def test_a_module_changed_after_installing_is_not_used(world):
    workspace, scheduler, history, cache = world
    module = ModuleStore(cache).add_folder(MODULE)
    weights = module.folder / "weights.parquet"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    sample = workspace.sample("alice", "s1")
    assert scheduler.run_now(sample).ok
    frame, metadata = read_findings(sample.output.with_name("findings.parquet"))
    assert frame.height == 0 and metadata["modules"] == []
    [refused] = metadata["modules_refused"]
    assert refused["name"] == "example_pgx_traits" and "weights.parquet" in refused["why"]
    # The reason travels with the result: it names the module, not the cache's folders.
    assert str(cache) not in refused["why"] and refused["why"].startswith("module example_pgx")
    shutil.rmtree(module.folder)
