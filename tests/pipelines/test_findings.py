"""The annotation modules in Dagster: `user_findings` after `user_annotated_vcf` in the sensor's
job (the core's findings run, in the desktop's history), findings-only runs when a module changes,
and `annotation_modules` showing what is installed. Real materializations, real files, and the
demo sample against clinvar_app_demo (7 chr21 sites: 3 findings, 2 called without a row for the
call, 2 not in the file; tests/data/modules/README.md)."""

import logging
import os
import shutil

import dagster as dg
import polars as pl

from pipeline_helpers import requested, tick
from just_dna_desktop.core.modules.findings import read_findings
from just_dna_desktop.core.modules.store import ModuleStore
from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR
from just_dna_desktop.pipelines import defs

MODULES = DEMO_MODULES_DIR
PARTITION = "anton/my-sample"


def install(lab, name: str = "clinvar_app_demo"):
    return ModuleStore(lab.settings.cache_dir).add_folder(MODULES / name)


def run_sample(instance, key: str, assets: list[str] | None = None) -> dg.ExecuteInProcessResult:
    """The sensor's job for one partition (all of it, or the assets a run request selects)."""
    instance.add_dynamic_partitions("user_vcf_files", [key])
    return defs.resolve_job_def("user_annotated_vcf_job").execute_in_process(
        partition_key=key, instance=instance, raise_on_error=False,
        asset_selection=[dg.AssetKey(a) for a in assets] if assets else None)


def metadata_of(result: dg.ExecuteInProcessResult, node: str) -> dict:
    [event] = result.asset_materializations_for_node(node)
    return {key: value.value for key, value in event.metadata.items()}


def test_definitions_hold_the_modules_and_the_findings_after_the_annotation():
    graph = defs.resolve_asset_graph()
    findings = graph.get(dg.AssetKey("user_findings"))
    assert findings.partitions_def.name == "user_vcf_files"
    assert findings.parent_keys == {dg.AssetKey("user_annotated_vcf"),
                                    dg.AssetKey("annotation_modules")}
    assert graph.get(dg.AssetKey("annotation_modules")).partitions_def is None
    job = defs.resolve_job_def("user_annotated_vcf_job")
    assert job.asset_layer.selected_asset_keys == {
        dg.AssetKey(k) for k in ("user_vcf_source", "user_annotated_vcf", "user_findings")}


def test_the_sensors_job_annotates_then_finds_recorded_as_the_desktop_records_them(lab, instance):
    lab.add_sample("anton", "my-sample")
    module = install(lab)
    result = run_sample(instance, PARTITION)
    assert result.success

    output = lab.settings.output_file("anton", "my-sample")
    findings_file = output.with_name("findings.parquet")
    frame, record = read_findings(findings_file)
    assert sorted(zip(frame["rsid"], frame["genotype"])) == [
        ("rs1135618", "C/C"), ("rs3989369", "A/G"), ("rs63750066", "C/C")]
    m = metadata_of(result, "user_findings")
    assert (m["findings"], m["dagster/row_count"], m["findings_file"]) == (3, 3, str(findings_file))
    [used] = m["modules"]
    assert used == {"name": "clinvar_app_demo", "title": module.title, "version": "0.1.0",
                    "digest": module.digest, "license": "CC0-1.0", "verified": True, "rows": 15,
                    "sites": 7, "findings": 3, "other_genotype": 2, "not_in_file": 2,
                    "filtered": 0, "mismatched": 0, "not_looked_up": 0}
    assert module.digest.startswith("sha256:ce6db512")
    assert "| APP region panel (ClinVar, test data) | 0.1.0 | CC0-1.0 | yes | 7 | 3 | 2 | 0 |" \
        in m["modules_table"]
    assert m["modules_refused"] == [] and m["peak_memory_mb"] > 10

    # The desktop's history: the annotation of the partition, then a findings run with no
    # partition key (it never changes the sample's state), both by the pipeline.
    with lab.history() as history:
        findings_run, annotation_run = history.list_runs()
    assert (annotation_run.kind, annotation_run.trigger, annotation_run.partition_key) == \
        ("annotate", "pipeline", PARTITION)
    assert (findings_run.kind, findings_run.trigger, findings_run.status) == \
        ("findings", "pipeline", "succeeded")
    assert (findings_run.partition_key, findings_run.user, findings_run.sample) == \
        (None, "anton", "my-sample")
    assert findings_run.id == m["desktop_run_id"]
    assert findings_run.config["dagster_run_id"] == result.run_id
    assert findings_run.config["output"] == str(findings_file)
    assert findings_run.metadata["modules"][0]["findings"] == 3
    assert record["modules"][0]["digest"] == module.digest  # the file says so too

    # Loading the asset gives the same file, lazily.
    loaded = defs.load_asset_value("user_findings", partition_key=PARTITION, instance=instance)
    assert isinstance(loaded, pl.LazyFrame) and loaded.collect().equals(frame)


def test_without_modules_the_findings_are_not_materialized_and_nothing_is_written(lab, instance):
    lab.add_sample("anton", "my-sample")
    result = run_sample(instance, PARTITION)
    assert result.success
    assert lab.settings.output_file("anton", "my-sample").is_file()
    assert not result.asset_materializations_for_node("user_findings")
    assert not lab.settings.output_file("anton", "my-sample").with_name("findings.parquet").exists()
    messages = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.INFO]
    assert any("no annotation module is installed" in m for m in messages)
    with lab.history() as history:
        assert [r.kind for r in history.list_runs()] == ["annotate"]


def test_a_module_added_later_gets_findings_alone_without_a_new_annotation(lab, instance):
    lab.add_sample("anton", "my-sample")
    assert run_sample(instance, PARTITION).success
    output = lab.settings.output_file("anton", "my-sample")
    annotated = output.stat().st_mtime_ns
    assert PARTITION not in requested(tick(instance))  # annotated, no module: nothing to do

    install(lab)
    request = requested(tick(instance))[PARTITION]
    assert request.asset_selection == [dg.AssetKey("user_findings")]
    assert request.run_key.startswith(f"{PARTITION}:findings:")
    assert request.run_key == requested(tick(instance))[PARTITION].run_key  # once per change

    result = run_sample(instance, PARTITION, assets=["user_findings"])
    assert result.success
    assert not result.asset_materializations_for_node("user_annotated_vcf")
    assert output.stat().st_mtime_ns == annotated  # the reference join was not redone
    assert metadata_of(result, "user_findings")["findings"] == 3
    with lab.history() as history:
        assert [(r.kind, r.trigger) for r in history.list_runs()] == \
            [("findings", "pipeline"), ("annotate", "pipeline")]
    quiet = tick(instance)
    assert quiet.run_requests == []
    assert quiet.skip_reason.skip_message == "no new or stale samples (1 annotated)"

    # Another module makes them due again, under a new run key.
    install(lab, "traits_demo")
    again = requested(tick(instance))[PARTITION]
    assert again.asset_selection == [dg.AssetKey("user_findings")]
    assert again.run_key != request.run_key

    # Removing every module is a change too: the findings file is made again, saying none.
    ModuleStore(lab.settings.cache_dir).remove("traits_demo")
    ModuleStore(lab.settings.cache_dir).remove("clinvar_app_demo")
    assert PARTITION in requested(tick(instance))
    result = run_sample(instance, PARTITION, assets=["user_findings"])
    assert result.success
    frame, record = read_findings(output.with_name("findings.parquet"))
    assert frame.height == 0 and record["modules"] == []
    assert metadata_of(result, "user_findings")["modules_table"] == "No module was used."


def test_findings_runs_follow_auto_annotation_but_not_the_reference(lab, instance):
    from just_dna_desktop.core.workspace.settings import write_settings

    lab.add_sample("anton", "my-sample")
    assert run_sample(instance, PARTITION).success
    install(lab)
    write_settings(lab.settings.settings_file, {"auto_annotate": False})
    assert tick(instance).run_requests == []
    write_settings(lab.settings.settings_file, {"auto_annotate": True})
    shutil.rmtree(lab.settings.reference_dir)  # findings need the annotated output only
    assert PARTITION in requested(tick(instance))


def test_a_changed_module_is_not_used_and_the_findings_say_why(lab, instance):
    lab.add_sample("anton", "my-sample")
    install(lab, "traits_demo")
    module = install(lab)
    weights = module.folder / "weights.parquet"
    weights.write_bytes(weights.read_bytes()[:-8] + b"tampered")
    result = run_sample(instance, PARTITION)
    assert result.success
    m = metadata_of(result, "user_findings")
    assert [u["name"] for u in m["modules"]] == ["traits_demo"]
    [refused] = m["modules_refused"]
    assert refused["name"] == "clinvar_app_demo" and "clinvar_app_demo/weights.parquet: changed" in refused["why"]
    warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert any(w.startswith("module clinvar_app_demo not used:") for w in warnings)


def test_findings_of_a_sample_never_annotated_fail_with_the_reason(lab, instance):
    lab.add_sample("anton", "my-sample")
    result = run_sample(instance, PARTITION, assets=["user_findings"])
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.error.message
    assert "anton/my-sample has no annotation" in message
    assert "materialize user_annotated_vcf first" in message


def test_annotation_modules_lists_what_is_installed_and_what_is_not_used(lab, instance):
    clinvar = install(lab)
    install(lab, "pgx_cpic")
    materialized = materialize_modules(instance)
    m = metadata_of(materialized, "annotation_modules")
    assert (m["installed"], m["used"], m["names"]) == (2, 2, ["clinvar_app_demo", "pgx_cpic"])
    assert m["cache_path"] == str(lab.settings.cache_dir / "annotators")
    first = m["modules"][0]
    assert {k: first[k] for k in ("name", "version", "digest", "license", "verified", "rows",
                                  "lead", "used", "why_not")} == {
        "name": "clinvar_app_demo", "version": "0.1.0", "digest": clinvar.digest,
        "license": "CC0-1.0", "verified": True, "rows": 15, "lead": "weights.parquet",
        "used": True, "why_not": None}
    assert m["modules"][1]["lead"] == "pharm_variants.parquet"

    # Bytes changed with their size and time kept are seen by `verify` (every file hashed).
    studies = clinvar.folder / "studies.parquet"
    data = bytearray(studies.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stat = studies.stat()
    studies.write_bytes(bytes(data))
    os.utime(studies, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert metadata_of(materialize_modules(instance), "annotation_modules")["used"] == 2
    checked = metadata_of(materialize_modules(instance, verify=True), "annotation_modules")
    assert (checked["used"], checked["verified_again"]) == (1, True)
    assert str(studies) in checked["modules"][0]["why_not"]


def materialize_modules(instance, verify: bool = False) -> dg.ExecuteInProcessResult:
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=[dg.AssetKey("annotation_modules")], instance=instance,
        run_config={"ops": {"annotation_modules": {"config": {"verify": verify}}}})
    assert result.success
    return result
